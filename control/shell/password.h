/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shell password hashes: PBKDF2-HMAC-SHA256 with a per-password salt and
 * the iteration count carried in the string, so the config never holds a
 * clear-text secret and the cost can be raised without a format change:
 *
 *   pbkdf2-sha256$<iterations>$<salt, hex>$<derived key, hex>
 *
 * Pure (OpenSSL hashes only, DESIGN.md sec 2); any thread.
 */
#ifndef LW_PASSWORD_H
#define LW_PASSWORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PASSWORD_SALT_LEN 16
#define PASSWORD_KEY_LEN 32
#define PASSWORD_ITER_MIN 1000u
#define PASSWORD_ITER_MAX 10000000u
#define PASSWORD_ITER_DEFAULT 100000u
/* "pbkdf2-sha256$" + 8 digits + "$" + 32 hex + "$" + 64 hex + NUL */
#define PASSWORD_HASH_LEN 128

/*
 * Derive the hash string of password with the given salt and iteration
 * count into out (PASSWORD_HASH_LEN bytes). Returns 0, or -EINVAL for an
 * iteration count outside [PASSWORD_ITER_MIN, PASSWORD_ITER_MAX], -EIO if
 * OpenSSL fails.
 */
int password_hash(const char *password, const uint8_t salt[PASSWORD_SALT_LEN], uint32_t iterations,
		  char out[PASSWORD_HASH_LEN]);

/* True when s is a well-formed hash string (what the config accepts). */
bool password_hash_is_valid(const char *s);

/*
 * True when password matches the hash string (constant-time comparison of
 * the derived keys). False for a malformed hash string.
 */
bool password_verify(const char *password, const char *hash);

#endif
