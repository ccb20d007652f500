/* SPDX-License-Identifier: BSD-3-Clause */
#include "shell/password.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

static const char prefix[] = "pbkdf2-sha256$";

static void hex_encode(const uint8_t *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 0xf];
	}
	out[2 * n] = '\0';
}

static int hex_nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Decode exactly 2 * n lower-case hex digits ending at a '$' or NUL. */
static int hex_decode(const char *in, uint8_t *out, size_t n, const char **end)
{
	for (size_t i = 0; i < n; i++) {
		int hi = hex_nibble(in[2 * i]), lo = hi < 0 ? -1 : hex_nibble(in[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -EINVAL;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	*end = in + 2 * n;
	return 0;
}

struct parsed_hash {
	uint32_t iterations;
	uint8_t salt[PASSWORD_SALT_LEN];
	uint8_t key[PASSWORD_KEY_LEN];
};

static int parse(const char *s, struct parsed_hash *p)
{
	const char *c;
	char *end;

	if (!s || strncmp(s, prefix, sizeof(prefix) - 1) != 0)
		return -EINVAL;
	c = s + sizeof(prefix) - 1;
	if (*c < '1' || *c > '9')
		return -EINVAL;
	errno = 0;
	unsigned long iter = strtoul(c, &end, 10);
	if (errno || *end != '$' || iter < PASSWORD_ITER_MIN || iter > PASSWORD_ITER_MAX)
		return -EINVAL;
	p->iterations = (uint32_t)iter;
	if (hex_decode(end + 1, p->salt, sizeof(p->salt), &c) < 0 || *c != '$')
		return -EINVAL;
	if (hex_decode(c + 1, p->key, sizeof(p->key), &c) < 0 || *c != '\0')
		return -EINVAL;
	return 0;
}

static int derive(const char *password, const uint8_t *salt, uint32_t iterations,
		  uint8_t key[PASSWORD_KEY_LEN])
{
	if (PKCS5_PBKDF2_HMAC(password, (int)strlen(password), salt, PASSWORD_SALT_LEN,
			      (int)iterations, EVP_sha256(), PASSWORD_KEY_LEN, key) != 1)
		return -EIO;
	return 0;
}

int password_hash(const char *password, const uint8_t salt[PASSWORD_SALT_LEN], uint32_t iterations,
		  char out[PASSWORD_HASH_LEN])
{
	uint8_t key[PASSWORD_KEY_LEN];
	char salt_hex[2 * PASSWORD_SALT_LEN + 1], key_hex[2 * PASSWORD_KEY_LEN + 1];

	if (iterations < PASSWORD_ITER_MIN || iterations > PASSWORD_ITER_MAX)
		return -EINVAL;
	int rc = derive(password, salt, iterations, key);
	if (rc < 0)
		return rc;
	hex_encode(salt, PASSWORD_SALT_LEN, salt_hex);
	hex_encode(key, PASSWORD_KEY_LEN, key_hex);
	snprintf(out, PASSWORD_HASH_LEN, "%s%u$%s$%s", prefix, iterations, salt_hex, key_hex);
	OPENSSL_cleanse(key, sizeof(key));
	return 0;
}

bool password_hash_is_valid(const char *s)
{
	struct parsed_hash p;
	return parse(s, &p) == 0;
}

bool password_verify(const char *password, const char *hash)
{
	struct parsed_hash p;
	uint8_t key[PASSWORD_KEY_LEN];

	if (!password || parse(hash, &p) < 0 || derive(password, p.salt, p.iterations, key) < 0)
		return false;
	bool ok = CRYPTO_memcmp(key, p.key, sizeof(key)) == 0;
	OPENSSL_cleanse(key, sizeof(key));
	return ok;
}
