/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The strict text syntax of configuration values: addresses, prefixes,
 * integers, hex bytes, tokens. Depends on nothing else in the folder, so
 * the engine (config_schema.c) and the value parsers (config_parse.c) both
 * stand on it.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_internal.h"

/* ------------------------------------------------------------------------ */
/* Scalar syntax                                                            */

const char *cfg_ip_str(uint32_t a, char buf[16])
{
	snprintf(buf, 16, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff);
	return buf;
}

void cfg_trim(const char **s, size_t *len)
{
	while (*len && (**s == ' ' || **s == '\t')) {
		(*s)++;
		(*len)--;
	}
	while (*len && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t'))
		(*len)--;
}

/* Strict dotted quad: four decimal octets, no leading zeros, nothing else. */
bool cfg_ipv4_parse(const char *s, size_t len, uint32_t *out)
{
	uint32_t addr = 0;
	size_t i = 0;

	for (int octet = 0; octet < 4; octet++) {
		if (octet) {
			if (i >= len || s[i] != '.')
				return false;
			i++;
		}
		size_t start = i;
		uint32_t v = 0;
		while (i < len && i - start < 3 && s[i] >= '0' && s[i] <= '9')
			v = v * 10 + (uint32_t)(s[i++] - '0');
		if (i == start || v > 255 || (s[start] == '0' && i - start > 1))
			return false;
		addr = addr << 8 | v;
	}
	if (i != len)
		return false;
	*out = addr;
	return true;
}

/* Decimal integer in [min, max], optional leading '-', no leading zeros. */
bool cfg_int_parse(const char *s, size_t len, int64_t min, int64_t max, int64_t *out)
{
	bool neg = len && s[0] == '-';
	size_t i = neg, start = i;
	int64_t v = 0;

	while (i < len && s[i] >= '0' && s[i] <= '9' && i - start < 11)
		v = v * 10 + (s[i++] - '0');
	if (i == start || i != len || (s[start] == '0' && i - start > 1))
		return false;
	if (neg)
		v = -v;
	if (v < min || v > max)
		return false;
	*out = v;
	return true;
}

/* "a.b.c.d/len"; the prefix length is required. */
bool cfg_prefix_parse(const char *s, size_t len, uint32_t *addr, uint8_t *plen)
{
	const char *slash = memchr(s, '/', len);
	int64_t l;

	if (!slash || !cfg_ipv4_parse(s, (size_t)(slash - s), addr))
		return false;
	if (!cfg_int_parse(slash + 1, len - (size_t)(slash - s) - 1, 0, 32, &l) || slash[1] == '-')
		return false;
	*plen = (uint8_t)l;
	return true;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Hex bytes, either packed ("0a0b0c", optional "0x") or one or two digits
 * per byte between separators from seps ("a:b:0c"). Returns the number of
 * bytes, -1 on bad syntax, -2 when more than cap bytes.
 */
int cfg_hex_parse(const char *s, const char *seps, uint8_t *out, size_t cap)
{
	size_t len = strlen(s), n = 0;
	bool separated = strpbrk(s, seps) != NULL;

	if (!separated) {
		if (len >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
			s += 2;
			len -= 2;
		}
		if (len % 2)
			return -1;
		for (size_t i = 0; i < len; i += 2) {
			int hi = hex_digit(s[i]), lo = hex_digit(s[i + 1]);
			if (hi < 0 || lo < 0)
				return -1;
			if (n == cap)
				return -2;
			out[n++] = (uint8_t)(hi << 4 | lo);
		}
		return (int)n;
	}
	for (size_t i = 0;;) {
		int v = 0, digits = 0, d;
		while (i < len && digits < 2 && (d = hex_digit(s[i])) >= 0) {
			v = v << 4 | d;
			digits++;
			i++;
		}
		if (!digits)
			return -1;
		if (n == cap)
			return -2;
		out[n++] = (uint8_t)v;
		if (i == len)
			return (int)n;
		if (!strchr(seps, s[i]))
			return -1;
		i++;
	}
}

/* The next comma-separated token, trimmed; false at the end. */
bool cfg_next_token(const char **p, const char *end, const char **tok, size_t *tlen)
{
	if (*p > end)
		return false;
	const char *comma = memchr(*p, ',', (size_t)(end - *p));
	const char *stop = comma ? comma : end;
	*tok = *p;
	*tlen = (size_t)(stop - *p);
	cfg_trim(tok, tlen);
	*p = stop + 1;
	return true;
}
