/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Value parsers: the strict text syntax of addresses, prefixes, integers
 * and hex bytes, the checks of string values, and the parse hooks of keys
 * whose value is more than a plain JSON scalar (CT_CUSTOM).
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

/* ------------------------------------------------------------------------ */
/* String value checks                                                      */

int cfg_check_ifname(struct walk *w, const char *s)
{
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_' || *p == '-' || *p == '.'))
			return cfg_walk_err(
			    w, "\"%s\" may only contain letters, digits, '_', '-' and '.'", s);
	return 0;
}

int cfg_check_hostname(struct walk *w, const char *s)
{
	/* RFC 1123 sec 2.1 host name characters. */
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '-' || *p == '.'))
			return cfg_walk_err(w, "\"%s\" is not a valid host name", s);
	return 0;
}

int cfg_check_abs_path(struct walk *w, const char *s)
{
	if (s[0] != '/')
		return cfg_walk_err(w, "\"%s\" must be an absolute path", s);
	return 0;
}

int cfg_check_ipv4_literal(struct walk *w, const char *s)
{
	struct in_addr a;
	if (inet_pton(AF_INET, s, &a) != 1)
		return cfg_walk_err(w, "\"%s\" is not an IPv4 address", s);
	return 0;
}

int cfg_check_abs_path_or_empty(struct walk *w, const char *s)
{
	return s[0] ? cfg_check_abs_path(w, s) : 0;
}

/*
 * Shape of a control/shell/password.h hash: pbkdf2-sha256$<iter>$<32 hex>$<64 hex>.
 * The shell verifies it fully at start; here it only has to look like one,
 * so that a clear-text password is refused where it is written.
 */
int cfg_check_password_hash(struct walk *w, const char *s)
{
	static const char prefix[] = "pbkdf2-sha256$";
	const char *p = s + sizeof(prefix) - 1;
	size_t n;

	if (!s[0])
		return 0;
	if (strncmp(s, prefix, sizeof(prefix) - 1) != 0)
		goto bad;
	n = strspn(p, "0123456789");
	if (n == 0 || n > 8 || p[n] != '$')
		goto bad;
	p += n + 1;
	n = strspn(p, "0123456789abcdef");
	if (n != 32 || p[n] != '$')
		goto bad;
	p += n + 1;
	n = strspn(p, "0123456789abcdef");
	if (n != 64 || p[n] != '\0')
		goto bad;
	return 0;
bad:
	return cfg_walk_err(w, "not a password hash (make one with leasewired --hash-password)");
}

/* ------------------------------------------------------------------------ */
/* Custom value parsers                                                     */

int cfg_parse_if_address(struct walk *w, const struct cfg_key *k, json_t *v, void *obj)
{
	struct cfg_interface *ifc = obj;
	const char *s = NULL;
	uint32_t mask;
	int rc;

	(void)k;
	if ((rc = cfg_get_string(w, v, &s)))
		return rc;
	if (!cfg_prefix_parse(s, strlen(s), &ifc->address, &ifc->prefix_len))
		return cfg_walk_err(
		    w, "\"%.64s\" is not an address with a prefix length (a.b.c.d/len)", s);
	if (ifc->prefix_len < 1 || ifc->prefix_len > 30)
		return cfg_walk_err(w, "prefix length must be between 1 and 30");
	mask = cfg_prefix_mask(ifc->prefix_len);
	if ((ifc->address & ~mask) == 0 || (ifc->address & ~mask) == ~mask)
		return cfg_walk_err(w, "%s is the network or broadcast address of its prefix", s);
	return 0;
}

int cfg_parse_subnet_prefix(struct walk *w, const struct cfg_key *k, json_t *v, void *obj)
{
	struct cfg_subnet *sn = obj;
	const char *s = NULL;
	int rc;

	(void)k;
	if ((rc = cfg_get_string(w, v, &s)))
		return rc;
	if (!cfg_prefix_parse(s, strlen(s), &sn->prefix, &sn->prefix_len))
		return cfg_walk_err(w, "\"%.64s\" is not a prefix (a.b.c.d/len)", s);
	if (sn->prefix_len < 1)
		return cfg_walk_err(w, "prefix length must be between 1 and 32");
	if (sn->prefix & ~cfg_prefix_mask(sn->prefix_len))
		return cfg_walk_err(w, "%s has host bits set", s);
	return 0;
}

/* "first - last" or "prefix/len". */
int cfg_parse_pool(struct walk *w, const struct cfg_key *k, json_t *v, void *obj)
{
	struct cfg_pool *pool = obj;
	const char *s = NULL, *dash;
	char a[16], b[16];
	uint8_t plen;
	int rc;

	(void)k;
	if ((rc = cfg_get_string(w, v, &s)))
		return rc;
	dash = strchr(s, '-');
	if (dash) {
		const char *first = s, *last = dash + 1;
		size_t flen = (size_t)(dash - s), llen = strlen(last);
		cfg_trim(&first, &flen);
		cfg_trim(&last, &llen);
		if (!cfg_ipv4_parse(first, flen, &pool->first) ||
		    !cfg_ipv4_parse(last, llen, &pool->last))
			return cfg_walk_err(
			    w, "\"%.64s\" is not \"first - last\" or \"prefix/len\"", s);
		if (pool->first > pool->last)
			return cfg_walk_err(w, "first address %s is after last address %s",
					    cfg_ip_str(pool->first, a), cfg_ip_str(pool->last, b));
		return 0;
	}
	if (!cfg_prefix_parse(s, strlen(s), &pool->first, &plen))
		return cfg_walk_err(w, "\"%.64s\" is not \"first - last\" or \"prefix/len\"", s);
	if (pool->first & ~cfg_prefix_mask(plen))
		return cfg_walk_err(w, "%s has host bits set", s);
	pool->last = pool->first | ~cfg_prefix_mask(plen);
	return 0;
}

/* Array of dotted quads into a calloc'd uint32_t array at off, count at off_n. */
int cfg_parse_ipv4_array(struct walk *w, const struct cfg_key *k, json_t *v, void *obj)
{
	uint32_t **addrs = (uint32_t **)((char *)obj + k->off);
	size_t *count = (size_t *)((char *)obj + k->off_n);
	size_t n;
	int rc;

	if ((rc = cfg_custom_array(w, k, v, &n)))
		return rc;
	if (!n)
		return 0;
	*addrs = calloc(n, sizeof(**addrs));
	if (!*addrs)
		return cfg_walk_err(w, "out of memory");
	*count = n;
	for (size_t i = 0; i < n; i++) {
		size_t saved = w->path_len;
		const char *s = NULL;

		cfg_path_index(w, i);
		if ((rc = cfg_get_string(w, json_array_get(v, i), &s)))
			return rc;
		if (!cfg_ipv4_parse(s, strlen(s), &(*addrs)[i]))
			return cfg_walk_err(w, "\"%.64s\" is not an IPv4 address", s);
		for (size_t j = 0; j < i; j++)
			if ((*addrs)[j] == (*addrs)[i])
				return cfg_walk_err(w, "%s is listed twice", s);
		cfg_path_pop(w, saved);
	}
	return 0;
}

/*
 * A reservation's hex identifier into out (cap bytes); fewer than min bytes
 * is an error that says what is wanted. The length goes to *len.
 */
static int parse_hex_id(struct walk *w, json_t *v, uint8_t *out, size_t cap, int min,
			const char *want, uint8_t *len)
{
	const char *s = NULL;
	int rc, n;

	if ((rc = cfg_get_string(w, v, &s)))
		return rc;
	n = cfg_hex_parse(s, ":-", out, cap);
	if (n < min)
		return cfg_walk_err(w, "\"%.64s\" must be %s", s, want);
	*len = (uint8_t)n;
	return 0;
}

int cfg_parse_hw_address(struct walk *w, const struct cfg_key *k, json_t *v, void *obj)
{
	struct cfg_reservation *r = obj;

	(void)k;
	return parse_hex_id(w, v, r->hw_address, sizeof(r->hw_address), 1,
			    "1 to 16 hex bytes separated by ':' or '-'", &r->hlen);
}

int cfg_parse_client_id(struct walk *w, const struct cfg_key *k, json_t *v, void *obj)
{
	struct cfg_reservation *r = obj;

	(void)k;
	/* RFC 2132 sec 9.14: at least two octets (type and identifier). */
	return parse_hex_id(w, v, r->client_id, sizeof(r->client_id), 2, "2 to 255 hex bytes",
			    &r->client_id_len);
}
