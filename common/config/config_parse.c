/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Value parsers: the checks of string values and the parse hooks of keys
 * whose value is more than a plain JSON scalar (CT_CUSTOM), built on the
 * text syntax of config_text.c.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_internal.h"

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

int cfg_parse_fraction(struct walk *w, const struct cfg_key *k, json_t *v, void *obj)
{
	double x = json_is_number(v) ? json_number_value(v) : 0;
	uint32_t ppm = (uint32_t)(x > 0 && x < 1 ? x * 1e6 + 0.5 : 0);

	/* 0 is "absent" to the finish hooks, and a share of 1 or more is no share. */
	if (ppm == 0 || ppm >= 1000000)
		return cfg_walk_err(w, "must be a number between 0.000001 and 0.999999");
	*(uint32_t *)((char *)obj + k->off) = ppm;
	return 0;
}
