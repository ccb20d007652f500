/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Config loader. One schema table per JSON object (STYLE rule 15) drives
 * three things: parsing into the snapshot structs, validation with errors
 * that name the key path (rule 14), and docs/config-reference.md through
 * config_schema_markdown(). A key is added in exactly one place: its table.
 *
 * Keys of an object are processed in table order, not document order, so a
 * later key may rely on an earlier one (a subnet's pools are checked against
 * its "subnet", subnets against "interfaces-config"). Checks that span
 * several objects run in the object's finish hook, after all its keys.
 */
#include "config/config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "wire/wire.h"

#define CFG_MAX_DEPTH 32 /* JSON nesting; a valid document uses 6 */
#define CFG_MAX_FILE_BYTES (64u << 20)
#define CFG_PATH_LEN 256

struct walk {
	struct lw_config *cfg;
	char *err; /* CFG_ERR_LEN bytes */
	char path[CFG_PATH_LEN]; /* key path of the value being parsed */
	size_t path_len;
};

enum cfg_type {
	CT_U16,
	CT_U32,
	CT_BOOL,
	CT_STRING, /* into a char[size] */
	CT_ENUM, /* string from enum_names, stored as unsigned int index */
	CT_IPV4, /* dotted quad into a host-order uint32_t */
	CT_OBJECT, /* nested object; sub schema fills target + off */
	CT_ARRAY, /* array of sub objects, calloc'd; pointer at off, count at off_n */
	CT_CUSTOM, /* parse hook; type_doc/range_doc describe it */
};

#define CFG_REQUIRED 0x1u /* absence is an error */
#define CFG_INHERIT 0x2u /* no static default: left zero, resolved by a finish hook */

struct cfg_key;
typedef int (*cfg_parse_fn)(struct walk *w, const struct cfg_key *k, json_t *v, void *obj);

struct cfg_schema {
	const struct cfg_key *keys;
	size_t n_keys;
	/* Runs after every key; seen has bit i set when keys[i] was present. */
	int (*finish)(struct walk *w, void *obj, uint64_t seen);
};

struct cfg_key {
	const char *name;
	enum cfg_type type;
	unsigned int flags;
	int64_t min, max; /* integer value, string length or array entries */
	int64_t def; /* integer, boolean or enum default */
	const char *def_str; /* string default */
	size_t off, off_n, size; /* field, count field, field (string) or element (array) size */
	const struct cfg_schema *sub;
	const char *const *enum_names;
	cfg_parse_fn parse;
	int (*check)(struct walk *w, const char *s);
	const char *type_doc, *range_doc, *def_doc;
	const char *help;
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define SCHEMA(keys_, finish_) \
	{ \
		.keys = keys_, .n_keys = ARRAY_SIZE(keys_), .finish = finish_ \
	}

/* ------------------------------------------------------------------------ */
/* Paths and errors                                                         */

static void path_key(struct walk *w, const char *name)
{
	int n = snprintf(w->path + w->path_len, sizeof(w->path) - w->path_len,
			 w->path_len ? ".%s" : "%s", name);
	if (n > 0)
		w->path_len = strnlen(w->path, sizeof(w->path) - 1);
}

static void path_index(struct walk *w, size_t i)
{
	int n = snprintf(w->path + w->path_len, sizeof(w->path) - w->path_len, "[%zu]", i);
	if (n > 0)
		w->path_len = strnlen(w->path, sizeof(w->path) - 1);
}

static void path_pop(struct walk *w, size_t len)
{
	w->path_len = len;
	w->path[len] = '\0';
}

__attribute__((format(printf, 2, 3))) static int walk_err(struct walk *w, const char *fmt, ...)
{
	int n = snprintf(w->err, CFG_ERR_LEN, "%s: ", w->path_len ? w->path : "document");
	if (n > 0 && n < CFG_ERR_LEN) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(w->err + n, CFG_ERR_LEN - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* ------------------------------------------------------------------------ */
/* Scalar syntax                                                            */

static const char *ip_str(uint32_t a, char buf[16])
{
	snprintf(buf, 16, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff);
	return buf;
}

static uint32_t prefix_mask(unsigned int len) { return len ? UINT32_MAX << (32 - len) : 0; }

static void trim(const char **s, size_t *len)
{
	while (*len && (**s == ' ' || **s == '\t')) {
		(*s)++;
		(*len)--;
	}
	while (*len && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t'))
		(*len)--;
}

/* Strict dotted quad: four decimal octets, no leading zeros, nothing else. */
static bool ipv4_parse(const char *s, size_t len, uint32_t *out)
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
static bool int_parse(const char *s, size_t len, int64_t min, int64_t max, int64_t *out)
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
static bool prefix_parse(const char *s, size_t len, uint32_t *addr, uint8_t *plen)
{
	const char *slash = memchr(s, '/', len);
	int64_t l;

	if (!slash || !ipv4_parse(s, (size_t)(slash - s), addr))
		return false;
	if (!int_parse(slash + 1, len - (size_t)(slash - s) - 1, 0, 32, &l) || slash[1] == '-')
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
static int hex_parse(const char *s, const char *seps, uint8_t *out, size_t cap)
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
static bool next_token(const char **p, const char *end, const char **tok, size_t *tlen)
{
	if (*p > end)
		return false;
	const char *comma = memchr(*p, ',', (size_t)(end - *p));
	const char *stop = comma ? comma : end;
	*tok = *p;
	*tlen = (size_t)(stop - *p);
	trim(tok, tlen);
	*p = stop + 1;
	return true;
}

/* ------------------------------------------------------------------------ */
/* String value checks                                                      */

static int check_ifname(struct walk *w, const char *s)
{
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_' || *p == '-' || *p == '.'))
			return walk_err(
			    w, "\"%s\" may only contain letters, digits, '_', '-' and '.'", s);
	return 0;
}

static int check_hostname(struct walk *w, const char *s)
{
	/* RFC 1123 sec 2.1 host name characters. */
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '-' || *p == '.'))
			return walk_err(w, "\"%s\" is not a valid host name", s);
	return 0;
}

static int check_abs_path(struct walk *w, const char *s)
{
	if (s[0] != '/')
		return walk_err(w, "\"%s\" must be an absolute path", s);
	return 0;
}

static int check_ipv4_literal(struct walk *w, const char *s)
{
	struct in_addr a;
	if (inet_pton(AF_INET, s, &a) != 1)
		return walk_err(w, "\"%s\" is not an IPv4 address", s);
	return 0;
}

static int check_abs_path_or_empty(struct walk *w, const char *s)
{
	return s[0] ? check_abs_path(w, s) : 0;
}

/*
 * Shape of a control/shell/password.h hash: pbkdf2-sha256$<iter>$<32 hex>$<64 hex>.
 * The shell verifies it fully at start; here it only has to look like one,
 * so that a clear-text password is refused where it is written.
 */
static int check_password_hash(struct walk *w, const char *s)
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
	return walk_err(w, "not a password hash (make one with leasewired --hash-password)");
}

/* ------------------------------------------------------------------------ */
/* Generic walker                                                           */

static int walk_object(struct walk *w, const struct cfg_schema *s, json_t *obj, void *target);

static const char *const durability_names[] = { "fsync", "write", "none", NULL };

/* A JSON string without embedded NUL, else an error naming the expectation. */
static int get_string(struct walk *w, json_t *v, const char **out)
{
	if (!json_is_string(v))
		return walk_err(w, "must be a string");
	*out = json_string_value(v);
	if (strlen(*out) != json_string_length(v))
		return walk_err(w, "must not contain NUL characters");
	return 0;
}

static int parse_value(struct walk *w, const struct cfg_key *k, json_t *v, void *target)
{
	char *field = (char *)target + k->off;
	const char *s = NULL;
	int rc;

	switch (k->type) {
	case CT_U16:
	case CT_U32: {
		json_int_t n = json_is_integer(v) ? json_integer_value(v) : 0;
		if (!json_is_integer(v) || n < k->min || n > k->max)
			return walk_err(w, "must be an integer between %lld and %lld",
					(long long)k->min, (long long)k->max);
		if (k->type == CT_U16)
			*(uint16_t *)field = (uint16_t)n;
		else
			*(uint32_t *)field = (uint32_t)n;
		return 0;
	}
	case CT_BOOL:
		if (!json_is_boolean(v))
			return walk_err(w, "must be true or false");
		*(bool *)field = json_is_true(v);
		return 0;
	case CT_STRING: {
		if ((rc = get_string(w, v, &s)))
			return rc;
		size_t len = strlen(s);
		if ((int64_t)len < k->min || (int64_t)len > k->max)
			return walk_err(w, "must be %lld to %lld characters long",
					(long long)k->min, (long long)k->max);
		if (k->check && (rc = k->check(w, s)))
			return rc;
		memcpy(field, s, len + 1);
		return 0;
	}
	case CT_ENUM:
		if ((rc = get_string(w, v, &s)))
			return rc;
		for (unsigned int i = 0; k->enum_names[i]; i++) {
			if (!strcmp(s, k->enum_names[i])) {
				*(unsigned int *)field = i;
				return 0;
			}
		}
		return walk_err(w, "\"%.64s\" is not one of %s", s, k->range_doc);
	case CT_IPV4:
		if ((rc = get_string(w, v, &s)))
			return rc;
		if (!ipv4_parse(s, strlen(s), (uint32_t *)field))
			return walk_err(w, "\"%.64s\" is not an IPv4 address", s);
		return 0;
	case CT_OBJECT: return walk_object(w, k->sub, v, field);
	case CT_ARRAY: {
		if (!json_is_array(v))
			return walk_err(w, "must be an array");
		size_t n = json_array_size(v);
		if ((int64_t)n < k->min || (int64_t)n > k->max)
			return walk_err(w, "must have %lld to %lld entries", (long long)k->min,
					(long long)k->max);
		char *base = n ? calloc(n, k->size) : NULL;
		if (n && !base)
			return walk_err(w, "out of memory");
		*(void **)field = base;
		*(size_t *)((char *)target + k->off_n) = n;
		for (size_t i = 0; i < n; i++) {
			size_t saved = w->path_len;
			path_index(w, i);
			if ((rc = walk_object(w, k->sub, json_array_get(v, i), base + i * k->size)))
				return rc;
			path_pop(w, saved);
		}
		return 0;
	}
	case CT_CUSTOM: return k->parse(w, k, v, target);
	}
	return walk_err(w, "internal error: bad key type");
}

static int apply_default(struct walk *w, const struct cfg_key *k, void *target)
{
	char *field = (char *)target + k->off;

	if (k->flags & CFG_REQUIRED)
		return walk_err(w, "required key is missing");
	if (k->flags & CFG_INHERIT)
		return 0;
	switch (k->type) {
	case CT_U16: *(uint16_t *)field = (uint16_t)k->def; break;
	case CT_U32: *(uint32_t *)field = (uint32_t)k->def; break;
	case CT_BOOL: *(bool *)field = k->def != 0; break;
	case CT_ENUM: *(unsigned int *)field = (unsigned int)k->def; break;
	case CT_STRING:
		if (k->def_str)
			snprintf(field, k->size, "%s", k->def_str);
		break;
	case CT_OBJECT:
		/* Absent object: its keys still take their defaults. */
		return walk_object(w, k->sub, NULL, field);
	case CT_IPV4:
	case CT_ARRAY:
	case CT_CUSTOM: break;
	}
	return 0;
}

static const struct cfg_key *schema_find(const struct cfg_schema *s, const char *name)
{
	for (size_t i = 0; i < s->n_keys; i++)
		if (!strcmp(s->keys[i].name, name))
			return &s->keys[i];
	return NULL;
}

static bool key_seen(const struct cfg_schema *s, uint64_t seen, const char *name)
{
	const struct cfg_key *k = schema_find(s, name);
	return k && (seen >> (k - s->keys) & 1);
}

/* obj NULL means an absent optional object: apply defaults only. */
static int walk_object(struct walk *w, const struct cfg_schema *s, json_t *obj, void *target)
{
	const char *name;
	json_t *v;
	uint64_t seen = 0;
	int rc;

	if (obj && !json_is_object(obj))
		return walk_err(w, "must be an object");
	/* Unknown keys first: a misspelt key usually explains a missing one. */
	if (obj) {
		json_object_foreach(obj, name, v)
		{
			if (!schema_find(s, name)) {
				path_key(w, name);
				return walk_err(w, "unknown key");
			}
		}
	}
	for (size_t i = 0; i < s->n_keys; i++) {
		const struct cfg_key *k = &s->keys[i];
		size_t saved = w->path_len;

		path_key(w, k->name);
		v = obj ? json_object_get(obj, k->name) : NULL;
		if (v) {
			seen |= UINT64_C(1) << i;
			rc = parse_value(w, k, v, target);
		} else {
			rc = apply_default(w, k, target);
		}
		if (rc)
			return rc;
		path_pop(w, saved);
	}
	return s->finish ? s->finish(w, target, seen) : 0;
}

/* ------------------------------------------------------------------------ */
/* DHCP options (option-data)                                               */

enum opt_type {
	OT_IPV4,
	OT_IPV4_LIST,
	OT_STRING,
	OT_UINT16,
	OT_INT32,
	OT_FQDN_LIST,
	OT_ROUTES,
	OT_MANAGED, /* the server writes it; config may not */
};

struct opt_def {
	const char *name;
	uint8_t code;
	enum opt_type type;
	const char *format; /* for the docs */
};

static const struct opt_def opt_defs[] = {
	{ "subnet-mask", 1, OT_IPV4, "IPv4 address" },
	{ "time-offset", 2, OT_INT32, "signed 32-bit integer, seconds (RFC 2132 sec 3.4)" },
	{ "routers", 3, OT_IPV4_LIST, "comma-separated IPv4 addresses" },
	{ "domain-name-servers", 6, OT_IPV4_LIST, "comma-separated IPv4 addresses" },
	{ "host-name", 12, OT_STRING, "string" },
	{ "domain-name", 15, OT_STRING, "string" },
	{ "interface-mtu", 26, OT_UINT16, "integer 68 .. 65535 (RFC 2132 sec 5.1)" },
	{ "broadcast-address", 28, OT_IPV4, "IPv4 address" },
	{ "ntp-servers", 42, OT_IPV4_LIST, "comma-separated IPv4 addresses" },
	{ "tftp-server-name", 66, OT_STRING, "string" },
	{ "boot-file-name", 67, OT_STRING, "string" },
	{ "domain-search", 119, OT_FQDN_LIST,
	  "comma-separated domain names, RFC 1035 wire form without compression (RFC 3397)" },
	{ "classless-static-route", 121, OT_ROUTES,
	  "comma-separated \"prefix/len - router\" (RFC 3442)" },
	{ "dhcp-requested-address", 50, OT_MANAGED, NULL },
	{ "dhcp-lease-time", 51, OT_MANAGED, NULL },
	{ "dhcp-option-overload", 52, OT_MANAGED, NULL },
	{ "dhcp-message-type", 53, OT_MANAGED, NULL },
	{ "dhcp-server-identifier", 54, OT_MANAGED, NULL },
	{ "dhcp-parameter-request-list", 55, OT_MANAGED, NULL },
	{ "dhcp-max-message-size", 57, OT_MANAGED, NULL },
	{ "dhcp-client-identifier", 61, OT_MANAGED, NULL },
	{ "fqdn", 81, OT_MANAGED, NULL },
	{ "dhcp-agent-options", 82, OT_MANAGED, NULL },
};

/* Codes the server derives from the exchange itself; config may not set them. */
static bool opt_is_managed(unsigned int code)
{
	return (code >= 50 && code <= 55) || code == 57 || code == 61 || code == 81 || code == 82;
}

static const struct opt_def *opt_def_by_name(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(opt_defs); i++)
		if (!strcmp(opt_defs[i].name, name))
			return &opt_defs[i];
	return NULL;
}

static const struct opt_def *opt_def_by_code(unsigned int code)
{
	for (size_t i = 0; i < ARRAY_SIZE(opt_defs); i++)
		if (opt_defs[i].code == code)
			return &opt_defs[i];
	return NULL;
}

/* Staging for one option-data entry; the finish hook encodes it into out. */
struct opt_src {
	char name[64];
	uint32_t code;
	char data[8192];
	bool csv_format;
	bool always_send;
	struct cfg_option out;
};

static int encode_fqdn_list(struct walk *w, const char *data, struct wire_cursor *c)
{
	const char *p = data, *end = data + strlen(data), *tok;
	size_t tlen;

	while (next_token(&p, end, &tok, &tlen)) {
		size_t start = c->pos;
		if (tlen && tok[tlen - 1] == '.')
			tlen--;
		if (!tlen)
			return walk_err(w, "empty domain name");
		/* RFC 1035 sec 3.1: labels of 1..63 octets, then the root label. */
		for (size_t i = 0; i < tlen;) {
			const char *dot = memchr(tok + i, '.', tlen - i);
			size_t llen = (dot ? (size_t)(dot - tok) : tlen) - i;
			if (llen < 1 || llen > 63)
				return walk_err(w, "\"%.*s\": labels must be 1 to 63 characters",
						(int)tlen, tok);
			for (size_t j = i; j < i + llen; j++) {
				char ch = tok[j];
				if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
				      (ch >= '0' && ch <= '9') || ch == '-' || ch == '_'))
					return walk_err(w, "\"%.*s\" is not a valid domain name",
							(int)tlen, tok);
			}
			wire_put_u8(c, (uint8_t)llen);
			wire_put(c, tok + i, llen);
			i += llen + 1;
		}
		wire_put_u8(c, 0);
		if (wire_ok(c) && c->pos - start > 255)
			return walk_err(w, "\"%.*s\" is longer than 255 octets", (int)tlen, tok);
	}
	return 0;
}

static int encode_routes(struct walk *w, const char *data, struct wire_cursor *c)
{
	const char *p = data, *end = data + strlen(data), *tok;
	size_t tlen;

	while (next_token(&p, end, &tok, &tlen)) {
		const char *dash = memchr(tok, '-', tlen);
		const char *dst = tok, *gw = dash ? dash + 1 : NULL;
		size_t dlen = dash ? (size_t)(dash - tok) : 0, glen = dash ? tlen - dlen - 1 : 0;
		uint32_t net, router;
		uint8_t plen;

		if (!dash)
			return walk_err(w, "\"%.*s\" must be \"prefix/len - router\"", (int)tlen,
					tok);
		trim(&dst, &dlen);
		trim(&gw, &glen);
		if (!prefix_parse(dst, dlen, &net, &plen))
			return walk_err(w, "\"%.*s\" is not a prefix", (int)dlen, dst);
		if (net & ~prefix_mask(plen))
			return walk_err(w, "\"%.*s\" has host bits set", (int)dlen, dst);
		if (!ipv4_parse(gw, glen, &router))
			return walk_err(w, "\"%.*s\" is not an IPv4 address", (int)glen, gw);
		/* RFC 3442 sec 3: width, significant octets of the destination, router. */
		wire_put_u8(c, plen);
		for (unsigned int i = 0; i < (plen + 7u) / 8; i++)
			wire_put_u8(c, (uint8_t)(net >> (24 - 8 * i)));
		wire_put_u32(c, router);
	}
	return 0;
}

static int encode_typed(struct walk *w, const struct opt_def *def, const char *data,
			struct wire_cursor *c)
{
	const char *p = data, *end = data + strlen(data), *tok;
	size_t tlen;
	uint32_t a;
	int64_t n;

	if (!*data)
		return walk_err(w, "must not be empty for option %s", def->name);
	switch (def->type) {
	case OT_IPV4:
		if (!ipv4_parse(data, strlen(data), &a))
			return walk_err(w, "\"%.64s\" is not an IPv4 address", data);
		wire_put_u32(c, a);
		return 0;
	case OT_IPV4_LIST:
		while (next_token(&p, end, &tok, &tlen)) {
			if (!ipv4_parse(tok, tlen, &a))
				return walk_err(w, "\"%.*s\" is not an IPv4 address",
						(int)(tlen > 64 ? 64 : tlen), tok);
			wire_put_u32(c, a);
		}
		return 0;
	case OT_STRING: wire_put(c, data, strlen(data)); return 0;
	case OT_UINT16:
		if (!int_parse(data, strlen(data), 68, 65535, &n))
			return walk_err(w, "\"%.64s\" must be an integer between 68 and 65535",
					data);
		wire_put_u16(c, (uint16_t)n);
		return 0;
	case OT_INT32:
		if (!int_parse(data, strlen(data), INT32_MIN, INT32_MAX, &n))
			return walk_err(w, "\"%.64s\" must be a signed 32-bit integer", data);
		wire_put_u32(c, (uint32_t)n);
		return 0;
	case OT_FQDN_LIST: return encode_fqdn_list(w, data, c);
	case OT_ROUTES: return encode_routes(w, data, c);
	case OT_MANAGED: break;
	}
	return walk_err(w, "internal error: bad option type");
}

static const struct cfg_schema option_schema;

static int option_finish(struct walk *w, void *obj, uint64_t seen)
{
	struct opt_src *src = obj;
	bool has_name = key_seen(&option_schema, seen, "name");
	bool has_code = key_seen(&option_schema, seen, "code");
	const struct opt_def *def = NULL;
	uint8_t buf[CFG_MAX_OPTION_LEN];
	struct wire_cursor c;
	size_t saved = w->path_len;
	unsigned int code;
	int rc, n;

	if (!has_name && !has_code)
		return walk_err(w, "needs \"name\" or \"code\"");
	if (has_name) {
		def = opt_def_by_name(src->name);
		if (!def) {
			path_key(w, "name");
			return walk_err(w, "unknown option name \"%s\"", src->name);
		}
		if (has_code && def->code != src->code) {
			path_key(w, "code");
			return walk_err(w, "%u does not match option %s (code %u)", src->code,
					def->name, def->code);
		}
	} else {
		def = opt_def_by_code(src->code);
	}
	code = def ? def->code : src->code;
	if (opt_is_managed(code)) {
		path_key(w, has_name ? "name" : "code");
		return walk_err(w, "option %u is managed by the server", code);
	}

	path_key(w, "data");
	wire_init(&c, buf, sizeof(buf));
	if (!src->csv_format) {
		n = hex_parse(src->data, ":- ", buf, sizeof(buf));
		if (n == -1)
			return walk_err(w, "\"%.64s\" is not a hex string", src->data);
		if (n >= 0)
			c.pos = (size_t)n;
		else
			c.error = true;
	} else if (def) {
		if ((rc = encode_typed(w, def, src->data, &c)))
			return rc;
	} else {
		wire_put(&c, src->data, strlen(src->data));
	}
	if (!wire_ok(&c))
		return walk_err(w, "encoded value is longer than %d bytes", CFG_MAX_OPTION_LEN);

	src->out.code = (uint8_t)code;
	src->out.len = (uint16_t)c.pos;
	src->out.always_send = src->always_send;
	src->out.data = malloc(c.pos ? c.pos : 1);
	if (!src->out.data)
		return walk_err(w, "out of memory");
	memcpy(src->out.data, buf, c.pos);
	path_pop(w, saved);
	return 0;
}

/* "option-data": entries staged through option_schema, then encoded. */
static int parse_option_data(struct walk *w, const struct cfg_key *k, json_t *v, void *obj)
{
	struct cfg_option **opts = (struct cfg_option **)((char *)obj + k->off);
	size_t *n_opts = (size_t *)((char *)obj + k->off_n);
	struct opt_src *src;
	size_t n;
	int rc = 0;

	if (!json_is_array(v))
		return walk_err(w, "must be an array");
	n = json_array_size(v);
	if ((int64_t)n > k->max)
		return walk_err(w, "must have at most %lld entries", (long long)k->max);
	if (!n)
		return 0;
	*opts = calloc(n, sizeof(**opts));
	src = malloc(sizeof(*src));
	if (!*opts || !src) {
		free(src);
		return walk_err(w, "out of memory");
	}
	for (size_t i = 0; i < n && !rc; i++) {
		size_t saved = w->path_len;

		memset(src, 0, sizeof(*src));
		path_index(w, i);
		rc = walk_object(w, &option_schema, json_array_get(v, i), src);
		if (rc) {
			free(src->out.data);
			break;
		}
		(*opts)[i] = src->out;
		(*n_opts)++;
		for (size_t j = 0; j < i; j++) {
			if ((*opts)[j].code == src->out.code) {
				rc = walk_err(w, "option %u is already set by entry [%zu]",
					      src->out.code, j);
				break;
			}
		}
		path_pop(w, saved);
	}
	free(src);
	return rc;
}

/* ------------------------------------------------------------------------ */
/* Custom value parsers                                                     */

static int parse_if_address(struct walk *w, const struct cfg_key *k, json_t *v, void *obj)
{
	struct cfg_interface *ifc = obj;
	const char *s = NULL;
	uint32_t mask;
	int rc;

	(void)k;
	if ((rc = get_string(w, v, &s)))
		return rc;
	if (!prefix_parse(s, strlen(s), &ifc->address, &ifc->prefix_len))
		return walk_err(w, "\"%.64s\" is not an address with a prefix length (a.b.c.d/len)",
				s);
	if (ifc->prefix_len < 1 || ifc->prefix_len > 30)
		return walk_err(w, "prefix length must be between 1 and 30");
	mask = prefix_mask(ifc->prefix_len);
	if ((ifc->address & ~mask) == 0 || (ifc->address & ~mask) == ~mask)
		return walk_err(w, "%s is the network or broadcast address of its prefix", s);
	return 0;
}

static int parse_subnet_prefix(struct walk *w, const struct cfg_key *k, json_t *v, void *obj)
{
	struct cfg_subnet *sn = obj;
	const char *s = NULL;
	int rc;

	(void)k;
	if ((rc = get_string(w, v, &s)))
		return rc;
	if (!prefix_parse(s, strlen(s), &sn->prefix, &sn->prefix_len))
		return walk_err(w, "\"%.64s\" is not a prefix (a.b.c.d/len)", s);
	if (sn->prefix_len < 1)
		return walk_err(w, "prefix length must be between 1 and 32");
	if (sn->prefix & ~prefix_mask(sn->prefix_len))
		return walk_err(w, "%s has host bits set", s);
	return 0;
}

/* "first - last" or "prefix/len". */
static int parse_pool(struct walk *w, const struct cfg_key *k, json_t *v, void *obj)
{
	struct cfg_pool *pool = obj;
	const char *s = NULL, *dash;
	char a[16], b[16];
	uint8_t plen;
	int rc;

	(void)k;
	if ((rc = get_string(w, v, &s)))
		return rc;
	dash = strchr(s, '-');
	if (dash) {
		const char *first = s, *last = dash + 1;
		size_t flen = (size_t)(dash - s), llen = strlen(last);
		trim(&first, &flen);
		trim(&last, &llen);
		if (!ipv4_parse(first, flen, &pool->first) || !ipv4_parse(last, llen, &pool->last))
			return walk_err(w, "\"%.64s\" is not \"first - last\" or \"prefix/len\"",
					s);
		if (pool->first > pool->last)
			return walk_err(w, "first address %s is after last address %s",
					ip_str(pool->first, a), ip_str(pool->last, b));
		return 0;
	}
	if (!prefix_parse(s, strlen(s), &pool->first, &plen))
		return walk_err(w, "\"%.64s\" is not \"first - last\" or \"prefix/len\"", s);
	if (pool->first & ~prefix_mask(plen))
		return walk_err(w, "%s has host bits set", s);
	pool->last = pool->first | ~prefix_mask(plen);
	return 0;
}

/* Array of dotted quads into a calloc'd uint32_t array at off, count at off_n. */
static int parse_ipv4_array(struct walk *w, const struct cfg_key *k, json_t *v, void *obj)
{
	uint32_t **addrs = (uint32_t **)((char *)obj + k->off);
	size_t *count = (size_t *)((char *)obj + k->off_n);
	size_t n;

	if (!json_is_array(v))
		return walk_err(w, "must be an array");
	n = json_array_size(v);
	if ((int64_t)n > k->max)
		return walk_err(w, "must have at most %lld entries", (long long)k->max);
	if (!n)
		return 0;
	*addrs = calloc(n, sizeof(**addrs));
	if (!*addrs)
		return walk_err(w, "out of memory");
	*count = n;
	for (size_t i = 0; i < n; i++) {
		size_t saved = w->path_len;
		const char *s = NULL;
		int rc;

		path_index(w, i);
		if ((rc = get_string(w, json_array_get(v, i), &s)))
			return rc;
		if (!ipv4_parse(s, strlen(s), &(*addrs)[i]))
			return walk_err(w, "\"%.64s\" is not an IPv4 address", s);
		for (size_t j = 0; j < i; j++)
			if ((*addrs)[j] == (*addrs)[i])
				return walk_err(w, "%s is listed twice", s);
		path_pop(w, saved);
	}
	return 0;
}

static int parse_hw_address(struct walk *w, const struct cfg_key *k, json_t *v, void *obj)
{
	struct cfg_reservation *r = obj;
	const char *s = NULL;
	int rc, n;

	(void)k;
	if ((rc = get_string(w, v, &s)))
		return rc;
	n = hex_parse(s, ":-", r->hw_address, sizeof(r->hw_address));
	if (n < 1)
		return walk_err(w, "\"%.64s\" must be 1 to 16 hex bytes separated by ':' or '-'",
				s);
	r->hlen = (uint8_t)n;
	return 0;
}

static int parse_client_id(struct walk *w, const struct cfg_key *k, json_t *v, void *obj)
{
	struct cfg_reservation *r = obj;
	const char *s = NULL;
	int rc, n;

	(void)k;
	if ((rc = get_string(w, v, &s)))
		return rc;
	/* RFC 2132 sec 9.14: at least two octets (type and identifier). */
	n = hex_parse(s, ":-", r->client_id, sizeof(r->client_id));
	if (n < 2)
		return walk_err(w, "\"%.64s\" must be 2 to 255 hex bytes", s);
	r->client_id_len = (uint8_t)n;
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Cross-checks (finish hooks)                                              */

static int reservation_finish(struct walk *w, void *obj, uint64_t seen)
{
	struct cfg_reservation *r = obj;

	(void)seen;
	if (!r->hlen && !r->client_id_len)
		return walk_err(w, "needs \"hw-address\" or \"client-id\"");
	return 0;
}

static const struct cfg_interface *find_interface(const struct lw_config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->n_interfaces; i++)
		if (!strcmp(cfg->interfaces[i].name, name))
			return &cfg->interfaces[i];
	return NULL;
}

static int cmp_reservation_ip(const void *a, const void *b)
{
	const struct cfg_reservation *x = *(const struct cfg_reservation *const *)a;
	const struct cfg_reservation *y = *(const struct cfg_reservation *const *)b;

	if (x->ip_address != y->ip_address)
		return x->ip_address < y->ip_address ? -1 : 1;
	return x < y ? -1 : x > y;
}

static int cmp_reservation_hw(const void *a, const void *b)
{
	const struct cfg_reservation *x = *(const struct cfg_reservation *const *)a;
	const struct cfg_reservation *y = *(const struct cfg_reservation *const *)b;
	int c = x->hlen - y->hlen;

	if (!c)
		c = memcmp(x->hw_address, y->hw_address, x->hlen);
	return c ? c : (x < y ? -1 : x > y);
}

static int cmp_reservation_cid(const void *a, const void *b)
{
	const struct cfg_reservation *x = *(const struct cfg_reservation *const *)a;
	const struct cfg_reservation *y = *(const struct cfg_reservation *const *)b;
	int c = x->client_id_len - y->client_id_len;

	if (!c)
		c = memcmp(x->client_id, y->client_id, x->client_id_len);
	return c ? c : (x < y ? -1 : x > y);
}

/*
 * Sort pointers into base[] with cmp (which breaks ties by address) and find
 * two adjacent entries equal under same(); on a hit *first < *second are
 * their indices. Returns 1 on a hit, 0 on none, -ENOMEM.
 */
static int find_duplicate(const void *base, size_t n, size_t size,
			  int (*cmp)(const void *, const void *),
			  bool (*same)(const void *, const void *), size_t *first, size_t *second)
{
	const char **ptrs;
	int found = 0;

	if (n < 2)
		return 0;
	ptrs = malloc(n * sizeof(*ptrs));
	if (!ptrs)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		ptrs[i] = (const char *)base + i * size;
	qsort(ptrs, n, sizeof(*ptrs), cmp);
	for (size_t i = 1; i < n && !found; i++) {
		if (same(ptrs[i - 1], ptrs[i])) {
			*first = (size_t)(ptrs[i - 1] - (const char *)base) / size;
			*second = (size_t)(ptrs[i] - (const char *)base) / size;
			found = 1;
		}
	}
	free(ptrs);
	return found;
}

static bool same_reservation_ip(const void *a, const void *b)
{
	return ((const struct cfg_reservation *)a)->ip_address ==
	       ((const struct cfg_reservation *)b)->ip_address;
}

static bool same_reservation_hw(const void *a, const void *b)
{
	const struct cfg_reservation *x = a, *y = b;
	return x->hlen && x->hlen == y->hlen && !memcmp(x->hw_address, y->hw_address, x->hlen);
}

static bool same_reservation_cid(const void *a, const void *b)
{
	const struct cfg_reservation *x = a, *y = b;
	return x->client_id_len && x->client_id_len == y->client_id_len &&
	       !memcmp(x->client_id, y->client_id, x->client_id_len);
}

static int check_reservation_dups(struct walk *w, const struct cfg_subnet *sn)
{
	static const struct {
		int (*cmp)(const void *, const void *);
		bool (*same)(const void *, const void *);
		const char *key, *what;
	} checks[] = {
		{ cmp_reservation_ip, same_reservation_ip, "ip-address", "address" },
		{ cmp_reservation_hw, same_reservation_hw, "hw-address", "hw-address" },
		{ cmp_reservation_cid, same_reservation_cid, "client-id", "client-id" },
	};
	size_t a, b;

	for (size_t i = 0; i < ARRAY_SIZE(checks); i++) {
		int rc =
		    find_duplicate(sn->reservations, sn->n_reservations, sizeof(*sn->reservations),
				   checks[i].cmp, checks[i].same, &a, &b);
		if (rc < 0)
			return walk_err(w, "out of memory");
		if (rc) {
			path_key(w, "reservations");
			path_index(w, b);
			path_key(w, checks[i].key);
			return walk_err(w, "same %s as reservations[%zu]", checks[i].what, a);
		}
	}
	return 0;
}

static const struct cfg_schema subnet_schema;

static int subnet_finish(struct walk *w, void *obj, uint64_t seen)
{
	struct cfg_subnet *sn = obj;
	const struct cfg_interface *ifc = NULL;
	uint32_t mask = prefix_mask(sn->prefix_len);
	uint32_t bcast = sn->prefix | ~mask;
	size_t saved = w->path_len;
	char a[16], b[16], net[16];

	ip_str(sn->prefix, net);
	if (!key_seen(&subnet_schema, seen, "authoritative"))
		sn->authoritative = w->cfg->authoritative;

	if (sn->interface[0]) {
		ifc = find_interface(w->cfg, sn->interface);
		if (!ifc) {
			path_key(w, "interface");
			return walk_err(w, "\"%s\" is not in Dhcp4.interfaces-config.interfaces",
					sn->interface);
		}
		if ((ifc->address & mask) != sn->prefix) {
			path_key(w, "subnet");
			return walk_err(w, "%s/%u does not contain %s, the address of interface %s",
					net, sn->prefix_len, ip_str(ifc->address, a), ifc->name);
		}
	} else if (!sn->n_relay_addresses) {
		return walk_err(w, "needs \"interface\" or \"relay\": { \"ip-addresses\" }");
	}

	for (size_t i = 0; i < sn->n_pools; i++) {
		const struct cfg_pool *p = &sn->pools[i];
		const char *why = NULL;
		char addr[16];

		if ((p->first & mask) != sn->prefix || (p->last & mask) != sn->prefix)
			why = "is outside subnet";
		else if (p->first == sn->prefix)
			why = "contains the network address of subnet";
		else if (p->last == bcast)
			why = "contains the broadcast address of subnet";
		if (!why && ifc && ifc->address >= p->first && ifc->address <= p->last) {
			path_key(w, "pools");
			path_index(w, i);
			path_key(w, "pool");
			return walk_err(w, "%s - %s contains %s, the address of interface %s",
					ip_str(p->first, a), ip_str(p->last, b),
					ip_str(ifc->address, addr), ifc->name);
		}
		if (why) {
			path_key(w, "pools");
			path_index(w, i);
			path_key(w, "pool");
			return walk_err(w, "%s - %s %s %s/%u", ip_str(p->first, a),
					ip_str(p->last, b), why, net, sn->prefix_len);
		}
	}

	for (size_t i = 0; i < sn->n_reservations; i++) {
		uint32_t ip = sn->reservations[i].ip_address;
		const char *why = NULL;

		if ((ip & mask) != sn->prefix)
			why = "is outside subnet";
		else if (sn->prefix_len <= 30 && (ip == sn->prefix || ip == bcast))
			why = "is the network or broadcast address of subnet";
		else if (ifc && ip == ifc->address)
			why = "is the server's own address in subnet";
		if (why) {
			path_key(w, "reservations");
			path_index(w, i);
			path_key(w, "ip-address");
			return walk_err(w, "%s %s %s/%u", ip_str(ip, a), why, net, sn->prefix_len);
		}
	}
	if (check_reservation_dups(w, sn))
		return -EINVAL;
	path_pop(w, saved);
	return 0;
}

static int ifcfg_finish(struct walk *w, void *obj, uint64_t seen)
{
	const struct lw_config *cfg = obj;

	(void)seen;
	for (size_t i = 0; i < cfg->n_interfaces; i++) {
		for (size_t j = 0; j < i; j++) {
			const char *why = NULL;
			const char *key = NULL;

			if (!strcmp(cfg->interfaces[i].name, cfg->interfaces[j].name)) {
				key = "name";
				why = "name";
			} else if (cfg->interfaces[i].port_id == cfg->interfaces[j].port_id) {
				key = "port";
				why = "port";
			}
			if (why) {
				path_key(w, "interfaces");
				path_index(w, i);
				path_key(w, key);
				return walk_err(w, "same %s as interfaces[%zu]", why, j);
			}
		}
	}
	return 0;
}

/* An address range owned by entry (a, b) of the document, for overlap checks. */
struct span {
	uint32_t lo, hi;
	size_t a, b;
};

static int cmp_span(const void *x, const void *y)
{
	const struct span *p = x, *q = y;

	if (p->lo != q->lo)
		return p->lo < q->lo ? -1 : 1;
	if (p->a != q->a)
		return p->a < q->a ? -1 : 1;
	return p->b < q->b ? -1 : p->b > q->b;
}

/*
 * Sort spans and find one that starts inside an earlier one. On a hit *hit
 * is the later span in document order and *other the one it overlaps.
 */
static bool find_overlap(struct span *s, size_t n, struct span *hit, struct span *other)
{
	size_t widest = 0;

	qsort(s, n, sizeof(*s), cmp_span);
	for (size_t i = 1; i < n; i++) {
		if (s[i].lo <= s[widest].hi) {
			bool later =
			    s[i].a > s[widest].a || (s[i].a == s[widest].a && s[i].b > s[widest].b);
			*hit = later ? s[i] : s[widest];
			*other = later ? s[widest] : s[i];
			return true;
		}
		if (s[i].hi > s[widest].hi)
			widest = i;
	}
	return false;
}

static int check_timers(struct walk *w, uint32_t valid, uint32_t renew, uint32_t rebind,
			const char *renew_from, const char *rebind_from)
{
	size_t saved = w->path_len;

	/* RFC 2131 sec 4.4.5: T1 < T2 < lease time. */
	if (renew >= rebind) {
		path_key(w, "renew-timer");
		return walk_err(w, "%u%s must be less than rebind-timer %u%s", renew, renew_from,
				rebind, rebind_from);
	}
	if (rebind >= valid) {
		path_key(w, "rebind-timer");
		return walk_err(w, "%u%s must be less than valid-lifetime %u", rebind, rebind_from,
				valid);
	}
	path_pop(w, saved);
	return 0;
}

static int dhcp4_finish(struct walk *w, void *obj, uint64_t seen)
{
	struct lw_config *cfg = obj;
	bool g_renew = cfg->renew_timer != 0, g_rebind = cfg->rebind_timer != 0;
	size_t n_spans = 0, n;
	struct span *spans = NULL, hit, other;
	char a[16], b[16];
	int rc = 0;

	(void)seen;
	/* Kea's defaults: T1 = 50% and T2 = 87.5% of the lease (RFC 2131 sec 4.4.5). */
	if (!g_renew)
		cfg->renew_timer = cfg->valid_lifetime / 2;
	if (!g_rebind)
		cfg->rebind_timer = (uint32_t)((uint64_t)cfg->valid_lifetime * 7 / 8);
	if ((rc = check_timers(w, cfg->valid_lifetime, cfg->renew_timer, cfg->rebind_timer,
			       g_renew ? "" : " (50% of valid-lifetime)",
			       g_rebind ? "" : " (87.5% of valid-lifetime)")))
		return rc;

	for (size_t i = 0; i < cfg->n_subnets; i++) {
		struct cfg_subnet *sn = &cfg->subnets[i];
		bool s_renew = sn->renew_timer != 0, s_rebind = sn->rebind_timer != 0;
		size_t saved = w->path_len;

		if (!sn->valid_lifetime)
			sn->valid_lifetime = cfg->valid_lifetime;
		if (!s_renew)
			sn->renew_timer = g_renew ? cfg->renew_timer : sn->valid_lifetime / 2;
		if (!s_rebind)
			sn->rebind_timer = g_rebind
					       ? cfg->rebind_timer
					       : (uint32_t)((uint64_t)sn->valid_lifetime * 7 / 8);
		path_key(w, "subnet4");
		path_index(w, i);
		rc = check_timers(
		    w, sn->valid_lifetime, sn->renew_timer, sn->rebind_timer,
		    s_renew ? "" : (g_renew ? " (from Dhcp4)" : " (50% of valid-lifetime)"),
		    s_rebind ? "" : (g_rebind ? " (from Dhcp4)" : " (87.5% of valid-lifetime)"));
		if (rc)
			return rc;
		path_pop(w, saved);
		n_spans += sn->n_pools + sn->n_relay_addresses + 1;
	}
	if (!n_spans)
		return 0;
	spans = malloc(n_spans * sizeof(*spans));
	if (!spans)
		return walk_err(w, "out of memory");

	/* Subnet ids (a span of one value each). */
	n = 0;
	for (size_t i = 0; i < cfg->n_subnets; i++)
		spans[n++] = (struct span){ cfg->subnets[i].id, cfg->subnets[i].id, i, 0 };
	if (find_overlap(spans, n, &hit, &other)) {
		path_key(w, "subnet4");
		path_index(w, hit.a);
		path_key(w, "id");
		rc = walk_err(w, "%u is already used by Dhcp4.subnet4[%zu]", hit.lo, other.a);
		goto out;
	}

	/* Subnet prefixes: a client must map to one subnet. */
	n = 0;
	for (size_t i = 0; i < cfg->n_subnets; i++) {
		const struct cfg_subnet *sn = &cfg->subnets[i];
		spans[n++] =
		    (struct span){ sn->prefix, sn->prefix | ~prefix_mask(sn->prefix_len), i, 0 };
	}
	if (find_overlap(spans, n, &hit, &other)) {
		const struct cfg_subnet *o = &cfg->subnets[other.a];
		path_key(w, "subnet4");
		path_index(w, hit.a);
		path_key(w, "subnet");
		rc = walk_err(w, "overlaps Dhcp4.subnet4[%zu].subnet %s/%u", other.a,
			      ip_str(o->prefix, a), o->prefix_len);
		goto out;
	}

	/* Relay addresses select the subnet of a relayed request. */
	n = 0;
	for (size_t i = 0; i < cfg->n_subnets; i++)
		for (size_t j = 0; j < cfg->subnets[i].n_relay_addresses; j++) {
			uint32_t r = cfg->subnets[i].relay_addresses[j];
			spans[n++] = (struct span){ r, r, i, j };
		}
	if (find_overlap(spans, n, &hit, &other)) {
		path_key(w, "subnet4");
		path_index(w, hit.a);
		path_key(w, "relay");
		path_key(w, "ip-addresses");
		path_index(w, hit.b);
		rc = walk_err(w, "%s is already a relay of Dhcp4.subnet4[%zu]", ip_str(hit.lo, a),
			      other.a);
		goto out;
	}

	/* Pools across all subnets (pools are inside their subnets by now). */
	n = 0;
	for (size_t i = 0; i < cfg->n_subnets; i++)
		for (size_t j = 0; j < cfg->subnets[i].n_pools; j++) {
			const struct cfg_pool *p = &cfg->subnets[i].pools[j];
			spans[n++] = (struct span){ p->first, p->last, i, j };
		}
	if (find_overlap(spans, n, &hit, &other)) {
		path_key(w, "subnet4");
		path_index(w, hit.a);
		path_key(w, "pools");
		path_index(w, hit.b);
		path_key(w, "pool");
		rc = walk_err(w, "%s - %s overlaps Dhcp4.subnet4[%zu].pools[%zu]",
			      ip_str(hit.lo, a), ip_str(hit.hi, b), other.a, other.b);
		goto out;
	}
out:
	free(spans);
	return rc;
}

/* ------------------------------------------------------------------------ */
/* The schema                                                               */

#define U32_MAX_LIFE 4294967294LL /* 0xffffffff is "infinite" (RFC 2131 sec 3.3) */

#define K_U32(T, f, n, lo, hi, d, fl, h) \
	{ \
		.name = n, .type = CT_U32, .flags = fl, .min = lo, .max = hi, .def = d, \
		.off = offsetof(T, f), .help = h \
	}
#define K_BOOL(T, f, n, d, fl, h) \
	{ \
		.name = n, .type = CT_BOOL, .flags = fl, .def = d, .off = offsetof(T, f), \
		.help = h \
	}
#define K_STR(T, f, n, lo, d, fl, chk, h) \
	{ \
		.name = n, .type = CT_STRING, .flags = fl, .min = lo, \
		.max = sizeof(((T *)0)->f) - 1, .def_str = d, .off = offsetof(T, f), \
		.size = sizeof(((T *)0)->f), .check = chk, .help = h \
	}
#define K_OBJ(T, f, n, s, fl, h) \
	{ \
		.name = n, .type = CT_OBJECT, .flags = fl, .off = f, .sub = &s, .help = h \
	}
#define K_ARR(T, f, n, s, lo, hi, fl, h) \
	{ \
		.name = n, .type = CT_ARRAY, .flags = fl, .min = lo, .max = hi, \
		.off = offsetof(T, f), .off_n = offsetof(T, n_##f), .size = sizeof(*((T *)0)->f), \
		.sub = &s, .help = h \
	}
#define K_CUSTOM(T, f, n, fn, td, rd, fl, h) \
	{ \
		.name = n, .type = CT_CUSTOM, .flags = fl, .parse = fn, .off = offsetof(T, f), \
		.type_doc = td, .range_doc = rd, .help = h \
	}
#define K_ADDRS(T, f, n, hi, h) \
	{ \
		.name = n, .type = CT_CUSTOM, .max = hi, .parse = parse_ipv4_array, \
		.off = offsetof(T, f), .off_n = offsetof(T, n_##f), \
		.type_doc = "array of IPv4 addresses", .range_doc = #hi " entries at most", \
		.def_doc = "empty", .help = h \
	}

static const struct cfg_key option_keys[] = {
	K_STR(struct opt_src, name, "name", 1, NULL, 0, NULL,
	      "Option name from the table below; give \"name\" or \"code\" or both."),
	K_U32(struct opt_src, code, "code", 1, 254, 0, CFG_INHERIT,
	      "Option code. Codes the server manages (50-55, 57, 61, 81, 82) are refused."),
	K_STR(struct opt_src, data, "data", 0, "", 0, NULL,
	      "Value. With csv-format, in the option's format (below), or the raw string for a "
	      "code without a known format; without, hex bytes (\"0a0b\", \"0a:0b\", \"0a 0b\")."),
	K_BOOL(struct opt_src, csv_format, "csv-format", true, 0,
	       "false: data is hex bytes whatever the option."),
	K_BOOL(struct opt_src, always_send, "always-send", false, 0,
	       "Send even when the client did not ask for it in option 55."),
};
static const struct cfg_schema option_schema = SCHEMA(option_keys, option_finish);

#define K_OPTIONS(T) \
	{ \
		.name = "option-data", .type = CT_CUSTOM, .max = 254, .parse = parse_option_data, \
		.off = offsetof(T, options), .off_n = offsetof(T, n_options), \
		.sub = &option_schema, .type_doc = "array of objects", \
		.range_doc = "0 .. 254 entries", .def_doc = "empty", \
		.help = "DHCP options to send; one entry per code." \
	}

static const struct cfg_key interface_keys[] = {
	K_STR(struct cfg_interface, name, "name", 1, NULL, CFG_REQUIRED, check_ifname,
	      "Name that subnets use in \"interface\"; unique."),
	{ .name = "port",
	  .type = CT_U16,
	  .flags = CFG_REQUIRED,
	  .min = 0,
	  .max = 65534,
	  .off = offsetof(struct cfg_interface, port_id),
	  .help = "DPDK port id; unique." },
	K_CUSTOM(struct cfg_interface, address, "address", parse_if_address, "prefix",
		 "a.b.c.d/1 .. a.b.c.d/30", CFG_REQUIRED,
		 "Server address on this port with its prefix length; the source of replies and "
		 "the server identifier."),
};
static const struct cfg_schema interface_schema = SCHEMA(interface_keys, NULL);

static const struct cfg_key ifcfg_keys[] = {
	K_ARR(struct lw_config, interfaces, "interfaces", interface_schema, 1, 64, CFG_REQUIRED,
	      "Ports the server answers on."),
};
static const struct cfg_schema ifcfg_schema = SCHEMA(ifcfg_keys, ifcfg_finish);

static const struct cfg_key lease_store_keys[] = {
	K_STR(struct cfg_lease_store, directory, "directory", 1, "/var/lib/leasewire", 0,
	      check_abs_path, "Absolute path of the journal and snapshots."),
	{ .name = "durability",
	  .type = CT_ENUM,
	  .def = CFG_DURABILITY_FSYNC,
	  .enum_names = durability_names,
	  .range_doc = "fsync, write, none",
	  .off = offsetof(struct cfg_lease_store, durability),
	  .help = "When an ACK may leave: fsync = after fdatasync; write = after write(2), "
		  "survives a crash of the process but not of the host; none = at once (labs "
		  "and benchmarks)." },
	K_U32(struct cfg_lease_store, commit_max_delay_us, "commit-max-delay-us", 0, 100000, 200, 0,
	      "Group commit: longest a lease event waits for its batch, microseconds."),
	K_U32(struct cfg_lease_store, commit_max_batch, "commit-max-batch", 1, 65536, 4096, 0,
	      "Group commit: most lease events per fdatasync."),
	K_U32(struct cfg_lease_store, snapshot_every, "snapshot-every", 1000, 1000000000, 1000000,
	      0, "Write a snapshot and trim the journal after this many records."),
	K_U32(struct cfg_lease_store, ack_timeout_ms, "ack-timeout-ms", 10, 60000, 2000, 0,
	      "An ACK waiting for its commit longer than this is dropped and counted."),
};
static const struct cfg_schema lease_store_schema = SCHEMA(lease_store_keys, NULL);

static const struct cfg_key expired_keys[] = {
	K_U32(struct lw_config, hold_reclaimed_time, "hold-reclaimed-time", 0, U32_MAX_LIFE, 3600,
	      0,
	      "Seconds a released or expired lease record is kept, so a returning client gets its "
	      "old address back; then it is deleted (journaled) and its record reused. 0 keeps "
	      "such records for ever (the table fills up to max-leases)."),
};
static const struct cfg_schema expired_schema = SCHEMA(expired_keys, NULL);

static const struct cfg_key shell_keys[] = {
	K_STR(struct cfg_shell, address, "address", 7, "127.0.0.1", 0, check_ipv4_literal,
	      "IPv4 address the telnet-style TCP listener binds; keep it on loopback or a "
	      "management network."),
	{ .name = "port",
	  .type = CT_U16,
	  .min = 0,
	  .max = 65535,
	  .def = 2323,
	  .off = offsetof(struct cfg_shell, port),
	  .help = "TCP port of the listener; 0: no TCP listener." },
	K_STR(struct cfg_shell, unix_socket, "unix-socket", 0, "", 0, check_abs_path_or_empty,
	      "Absolute path of an additional Unix stream socket listener; empty: none."),
	K_STR(struct cfg_shell, username, "username", 1, "admin", 0, NULL, "Login name."),
	K_STR(struct cfg_shell, password_hash, "password-hash", 0, "", 0, check_password_hash,
	      "Login password as made by `leasewired --hash-password` (PBKDF2-HMAC-SHA256, "
	      "salted); empty: the shell does not start."),
	K_STR(struct cfg_shell, enable_password_hash, "enable-password-hash", 0, "", 0,
	      check_password_hash,
	      "Password of the `enable` level that state-changing commands need, same format; "
	      "empty: no state-changing commands."),
	K_U32(struct cfg_shell, idle_timeout, "idle-timeout", 2, 86400, 600, 0,
	      "Seconds without input after which a session is closed."),
	K_U32(struct cfg_shell, max_sessions, "max-sessions", 1, 64, 4, 0,
	      "Concurrent sessions; one more is refused with a message."),
	K_U32(struct cfg_shell, max_login_failures, "max-login-failures", 1, 100, 3, 0,
	      "Consecutive failed logins (any session) before every attempt is delayed; a "
	      "session is closed after this many failures."),
	K_U32(struct cfg_shell, lockout_secs, "lockout-secs", 0, 3600, 30, 0,
	      "Delay before each login attempt is checked once failures reached "
	      "max-login-failures; a successful login resets it."),
	K_U32(struct cfg_shell, max_line, "max-line", 64, 4000, 1024, 0,
	      "Longest command line in bytes; a longer line, or one with control bytes, is "
	      "refused whole."),
};
static const struct cfg_schema shell_schema = SCHEMA(shell_keys, NULL);

static const struct cfg_key rate_limit_keys[] = {
	K_U32(struct cfg_rate_limit, client_pps, "client-packets-per-sec", 0, 1000000, 50, 0,
	      "Packets per second one client (client identifier, else hardware address) may "
	      "send; the excess is dropped and counted as client-rate. 0: no limit."),
	K_U32(struct cfg_rate_limit, client_burst, "client-burst", 1, 1000000, 100, 0,
	      "Packets one client may send back to back before client-packets-per-sec "
	      "applies."),
};
static const struct cfg_schema rate_limit_schema = SCHEMA(rate_limit_keys, NULL);

static const struct cfg_key relay_keys[] = {
	K_ADDRS(struct cfg_subnet, relay_addresses, "ip-addresses", 64,
		"Relay agent addresses (giaddr) whose requests belong to this subnet; unique "
		"across subnets."),
};
static const struct cfg_schema relay_schema = SCHEMA(relay_keys, NULL);

static const struct cfg_key pool_keys[] = {
	K_CUSTOM(struct cfg_pool, first, "pool", parse_pool, "address range",
		 "\"first - last\" or \"prefix/len\"", CFG_REQUIRED,
		 "Dynamic addresses; inside the subnet, without its network and broadcast "
		 "addresses or the interface address, and not overlapping any other pool."),
};
static const struct cfg_schema pool_schema = SCHEMA(pool_keys, NULL);

static const struct cfg_key reservation_keys[] = {
	K_CUSTOM(struct cfg_reservation, hw_address, "hw-address", parse_hw_address, "hex",
		 "1 .. 16 bytes, packed or ':'/'-' separated", 0,
		 "Client hardware address (chaddr). Give this, client-id, or both."),
	K_CUSTOM(struct cfg_reservation, client_id, "client-id", parse_client_id, "hex",
		 "2 .. 255 bytes", 0, "Client identifier (option 61), type byte first."),
	{ .name = "ip-address",
	  .type = CT_IPV4,
	  .flags = CFG_REQUIRED,
	  .off = offsetof(struct cfg_reservation, ip_address),
	  .help = "Address always given to this client; inside the subnet, unique in it, in "
		  "or out of the pools." },
	K_STR(struct cfg_reservation, hostname, "hostname", 1, NULL, 0, check_hostname,
	      "Host name for the client."),
};
static const struct cfg_schema reservation_schema = SCHEMA(reservation_keys, reservation_finish);

static const struct cfg_key subnet_keys[] = {
	K_U32(struct cfg_subnet, id, "id", 1, UINT32_MAX, 0, CFG_REQUIRED,
	      "Subnet id, unique; lease records refer to it."),
	K_CUSTOM(struct cfg_subnet, prefix, "subnet", parse_subnet_prefix, "prefix",
		 "a.b.c.d/1 .. a.b.c.d/32, no host bits", CFG_REQUIRED,
		 "The subnet; must not overlap another subnet."),
	K_STR(struct cfg_subnet, interface, "interface", 1, NULL, 0, check_ifname,
	      "Interface the subnet is directly on; the subnet must contain its address. "
	      "Without it the subnet is served through relays only."),
	K_OBJ(struct cfg_subnet, 0, "relay", relay_schema, 0,
	      "Relay agents serving this subnet; required when \"interface\" is absent."),
	K_ARR(struct cfg_subnet, pools, "pools", pool_schema, 0, 1024, 0, "Dynamic address pools."),
	K_OPTIONS(struct cfg_subnet),
	K_ARR(struct cfg_subnet, reservations, "reservations", reservation_schema, 0, 1048576, 0,
	      "Fixed addresses for known clients."),
	{ .name = "valid-lifetime",
	  .type = CT_U32,
	  .flags = CFG_INHERIT,
	  .min = 60,
	  .max = U32_MAX_LIFE,
	  .off = offsetof(struct cfg_subnet, valid_lifetime),
	  .def_doc = "Dhcp4.valid-lifetime",
	  .help = "Lease time, seconds." },
	{ .name = "renew-timer",
	  .type = CT_U32,
	  .flags = CFG_INHERIT,
	  .min = 1,
	  .max = U32_MAX_LIFE,
	  .off = offsetof(struct cfg_subnet, renew_timer),
	  .def_doc = "Dhcp4.renew-timer if set, else 50% of valid-lifetime",
	  .help = "T1, seconds; renew-timer < rebind-timer < valid-lifetime." },
	{ .name = "rebind-timer",
	  .type = CT_U32,
	  .flags = CFG_INHERIT,
	  .min = 1,
	  .max = U32_MAX_LIFE,
	  .off = offsetof(struct cfg_subnet, rebind_timer),
	  .def_doc = "Dhcp4.rebind-timer if set, else 87.5% of valid-lifetime",
	  .help = "T2, seconds." },
	{ .name = "authoritative",
	  .type = CT_BOOL,
	  .flags = CFG_INHERIT,
	  .off = offsetof(struct cfg_subnet, authoritative),
	  .def_doc = "Dhcp4.authoritative",
	  .help = "NAK requests for addresses this server did not give (RFC 2131 sec 4.3.2)." },
	K_BOOL(struct cfg_subnet, dynamic_bootp, "dynamic-bootp", false, 0,
	       "Answer BOOTP clients with infinite leases from the pools (RFC 1534)."),
};
static const struct cfg_schema subnet_schema = SCHEMA(subnet_keys, subnet_finish);

static const struct cfg_key dhcp4_keys[] = {
	K_OBJ(struct lw_config, 0, "interfaces-config", ifcfg_schema, CFG_REQUIRED,
	      "Where the server listens."),
	K_U32(struct lw_config, valid_lifetime, "valid-lifetime", 60, U32_MAX_LIFE, 3600, 0,
	      "Lease time, seconds."),
	{ .name = "renew-timer",
	  .type = CT_U32,
	  .flags = CFG_INHERIT,
	  .min = 1,
	  .max = U32_MAX_LIFE,
	  .off = offsetof(struct lw_config, renew_timer),
	  .def_doc = "50% of valid-lifetime",
	  .help = "T1, seconds; renew-timer < rebind-timer < valid-lifetime." },
	{ .name = "rebind-timer",
	  .type = CT_U32,
	  .flags = CFG_INHERIT,
	  .min = 1,
	  .max = U32_MAX_LIFE,
	  .off = offsetof(struct lw_config, rebind_timer),
	  .def_doc = "87.5% of valid-lifetime",
	  .help = "T2, seconds." },
	K_BOOL(struct lw_config, authoritative, "authoritative", false, 0,
	       "NAK requests for addresses this server did not give (RFC 2131 sec 4.3.2)."),
	K_U32(struct lw_config, offer_lifetime, "offer-lifetime", 1, 3600, 10, 0,
	      "Seconds an OFFERed address is held for the client."),
	K_U32(struct lw_config, decline_probation_period, "decline-probation-period", 1,
	      U32_MAX_LIFE, 86400, 0, "Seconds a DECLINEd address stays out of use."),
	K_U32(struct lw_config, max_leases, "max-leases", 1024, 67108864, 1048576, 0,
	      "Lease records preallocated at start-up."),
	K_OBJ(struct lw_config, 0, "expired-leases-processing", expired_schema, 0,
	      "What happens to lease records after they end (Kea's key of the same name)."),
	K_OBJ(struct lw_config, offsetof(struct lw_config, lease_store), "lease-store",
	      lease_store_schema, 0, "Lease journal and snapshots."),
	K_OBJ(struct lw_config, offsetof(struct lw_config, shell), "shell", shell_schema, 0,
	      "Operator control shell (telnet-style, see README \"Shell\")."),
	K_OBJ(struct lw_config, offsetof(struct lw_config, rate_limit), "rate-limit",
	      rate_limit_schema, 0, "Per-client packet rate limit in the fast path."),
	K_OPTIONS(struct lw_config),
	K_ARR(struct lw_config, subnets, "subnet4", subnet_schema, 0, 65535, 0, "Subnets served."),
};
static const struct cfg_schema dhcp4_schema = SCHEMA(dhcp4_keys, dhcp4_finish);

static const struct cfg_key root_keys[] = {
	K_OBJ(struct lw_config, 0, "Dhcp4", dhcp4_schema, CFG_REQUIRED, "The DHCPv4 server."),
};
static const struct cfg_schema root_schema = SCHEMA(root_keys, NULL);

/* ------------------------------------------------------------------------ */
/* Loading                                                                  */

/*
 * Refuse deep nesting before jansson recurses into it. Counts brackets
 * outside strings; syntax errors are left for jansson to report.
 */
static int check_depth(const char *text, const char *source, char *err)
{
	unsigned int depth = 0, line = 1, col = 0;
	bool in_string = false, escape = false;

	for (const char *p = text; *p; p++) {
		col++;
		if (*p == '\n') {
			line++;
			col = 0;
		} else if (in_string) {
			if (escape)
				escape = false;
			else if (*p == '\\')
				escape = true;
			else if (*p == '"')
				in_string = false;
		} else if (*p == '"') {
			in_string = true;
		} else if (*p == '{' || *p == '[') {
			if (++depth > CFG_MAX_DEPTH) {
				snprintf(err, CFG_ERR_LEN,
					 "%s: line %u column %u: nesting deeper than %d levels",
					 source, line, col, CFG_MAX_DEPTH);
				return -EINVAL;
			}
		} else if ((*p == '}' || *p == ']') && depth) {
			depth--;
		}
	}
	return 0;
}

static struct lw_config *config_load(const char *text, const char *source, char *err)
{
	struct lw_config *cfg;
	json_error_t jerr;
	json_t *root;
	struct walk w;
	int rc;

	if (check_depth(text, source, err)) {
		errno = EINVAL;
		return NULL;
	}
	root = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		snprintf(err, CFG_ERR_LEN, "%s: line %d column %d: %s", source, jerr.line,
			 jerr.column, jerr.text);
		errno = EINVAL;
		return NULL;
	}
	cfg = calloc(1, sizeof(*cfg));
	if (!cfg) {
		json_decref(root);
		snprintf(err, CFG_ERR_LEN, "%s: out of memory", source);
		errno = ENOMEM;
		return NULL;
	}
	memset(&w, 0, sizeof(w));
	w.cfg = cfg;
	w.err = err;
	rc = walk_object(&w, &root_schema, root, cfg);
	json_decref(root);
	if (rc) {
		config_free(cfg);
		errno = -rc;
		return NULL;
	}
	return cfg;
}

struct lw_config *config_load_string(const char *json, char err[CFG_ERR_LEN])
{
	err[0] = '\0';
	return config_load(json, "json", err);
}

struct lw_config *config_load_file(const char *path, char err[CFG_ERR_LEN])
{
	struct lw_config *cfg = NULL;
	size_t len = 0, cap = 0;
	char *text = NULL;
	int saved;
	FILE *f;

	err[0] = '\0';
	f = fopen(path, "r");
	if (!f) {
		saved = errno;
		snprintf(err, CFG_ERR_LEN, "%s: %s", path, strerror(saved));
		errno = saved;
		return NULL;
	}
	for (;;) {
		if (len + 1 >= cap) {
			char *bigger;
			if (cap >= CFG_MAX_FILE_BYTES) {
				snprintf(err, CFG_ERR_LEN, "%s: larger than %u bytes", path,
					 CFG_MAX_FILE_BYTES);
				saved = EFBIG;
				goto out;
			}
			cap = cap ? cap * 2 : 65536;
			bigger = realloc(text, cap);
			if (!bigger) {
				snprintf(err, CFG_ERR_LEN, "%s: out of memory", path);
				saved = ENOMEM;
				goto out;
			}
			text = bigger;
		}
		size_t got = fread(text + len, 1, cap - len - 1, f);
		len += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		snprintf(err, CFG_ERR_LEN, "%s: read error", path);
		saved = EIO;
		goto out;
	}
	text[len] = '\0';
	if (strlen(text) != len) {
		snprintf(err, CFG_ERR_LEN, "%s: contains a NUL byte", path);
		saved = EINVAL;
		goto out;
	}
	cfg = config_load(text, path, err);
	saved = errno;
out:
	fclose(f);
	free(text);
	errno = saved;
	return cfg;
}

static void options_free(struct cfg_option *opts, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(opts[i].data);
	free(opts);
}

void config_free(struct lw_config *cfg)
{
	if (!cfg)
		return;
	for (size_t i = 0; i < cfg->n_subnets; i++) {
		struct cfg_subnet *sn = &cfg->subnets[i];
		free(sn->relay_addresses);
		free(sn->pools);
		options_free(sn->options, sn->n_options);
		free(sn->reservations);
	}
	free(cfg->subnets);
	free(cfg->interfaces);
	options_free(cfg->options, cfg->n_options);
	free(cfg);
}

const struct cfg_subnet *config_subnet_by_id(const struct lw_config *cfg, uint32_t id)
{
	for (size_t i = 0; i < cfg->n_subnets; i++)
		if (cfg->subnets[i].id == id)
			return &cfg->subnets[i];
	return NULL;
}

const struct cfg_option *config_option(const struct lw_config *cfg, const struct cfg_subnet *subnet,
				       uint8_t code)
{
	if (subnet)
		for (size_t i = 0; i < subnet->n_options; i++)
			if (subnet->options[i].code == code)
				return &subnet->options[i];
	for (size_t i = 0; i < cfg->n_options; i++)
		if (cfg->options[i].code == code)
			return &cfg->options[i];
	return NULL;
}

/* ------------------------------------------------------------------------ */
/* Reference documentation from the schema                                  */

static void md_range(FILE *out, const struct cfg_key *k)
{
	switch (k->type) {
	case CT_U16:
	case CT_U32: fprintf(out, "%lld .. %lld", (long long)k->min, (long long)k->max); break;
	case CT_STRING:
		fprintf(out, "%lld .. %lld chars", (long long)k->min, (long long)k->max);
		break;
	case CT_ARRAY:
		fprintf(out, "%lld .. %lld entries", (long long)k->min, (long long)k->max);
		break;
	case CT_IPV4: fputs("a.b.c.d", out); break;
	case CT_ENUM:
	case CT_CUSTOM: fputs(k->range_doc ? k->range_doc : "", out); break;
	case CT_BOOL:
	case CT_OBJECT: break;
	}
}

static void md_default(FILE *out, const struct cfg_key *k)
{
	if (k->flags & CFG_REQUIRED)
		fputs("required", out);
	else if (k->def_doc)
		fputs(k->def_doc, out);
	else if (k->flags & CFG_INHERIT)
		fputs("none", out);
	else if (k->type == CT_OBJECT)
		fputs("see its keys", out);
	else if (k->type == CT_U16 || k->type == CT_U32)
		fprintf(out, "%lld", (long long)k->def);
	else if (k->type == CT_BOOL)
		fputs(k->def ? "true" : "false", out);
	else if (k->type == CT_ENUM)
		fputs(k->enum_names[k->def], out);
	else if (k->type == CT_STRING && k->def_str)
		fprintf(out, "\"%s\"", k->def_str);
	else if (k->type == CT_ARRAY)
		fputs("empty", out);
	else
		fputs("none", out);
}

static void md_keys(FILE *out, const struct cfg_schema *s, const char *prefix)
{
	static const char *const type_names[] = {
		[CT_U16] = "integer",	[CT_U32] = "integer",
		[CT_BOOL] = "boolean",	[CT_STRING] = "string",
		[CT_ENUM] = "string",	[CT_IPV4] = "IPv4 address",
		[CT_OBJECT] = "object", [CT_ARRAY] = "array of objects",
		[CT_CUSTOM] = "",
	};

	for (size_t i = 0; i < s->n_keys; i++) {
		const struct cfg_key *k = &s->keys[i];
		char path[CFG_PATH_LEN];

		snprintf(path, sizeof(path), "%s%s%s", prefix, *prefix ? "." : "", k->name);
		fprintf(out, "| `%s` | %s | ", path,
			k->type_doc ? k->type_doc : type_names[k->type]);
		md_range(out, k);
		fputs(" | ", out);
		md_default(out, k);
		fprintf(out, " | %s |\n", k->help);
		if (k->sub) {
			if (k->type != CT_OBJECT)
				strncat(path, "[]", sizeof(path) - strlen(path) - 1);
			md_keys(out, k->sub, path);
		}
	}
}

int config_schema_markdown(FILE *out)
{
	fputs(
	    "# leasewire configuration reference\n"
	    "\n"
	    "<!-- Generated by config_schema_markdown() in common/config/config.c from the schema\n"
	    "     tables; test_config fails when this file differs. Do not edit by hand. -->\n"
	    "\n"
	    "One JSON document, shaped like ISC Kea's `Dhcp4` where the concept is the same.\n"
	    "Unknown keys, duplicate keys and nesting deeper than 32 levels are errors; every\n"
	    "error names the key path and the reason, for example\n"
	    "`Dhcp4.subnet4[0].pools[1].pool: 10.77.1.5 - 10.77.1.9 is outside subnet "
	    "10.77.0.0/24`.\n"
	    "`a[]` stands for every entry of array `a`.\n"
	    "\n"
	    "| Key | Type | Range | Default | Description |\n"
	    "|---|---|---|---|---|\n",
	    out);
	md_keys(out, &root_schema, "");
	fputs("\n"
	      "## Options\n"
	      "\n"
	      "`option-data` entries name an option by `name` or `code`. Subnet options override\n"
	      "global options with the same code. With `csv-format` true (the default) `data` is\n"
	      "written in the format below; a code not listed here takes `data` as a raw\n"
	      "string. With `csv-format` false `data` is hex bytes. An encoded value is at most\n",
	      out);
	fprintf(out, "%d bytes.\n\n", CFG_MAX_OPTION_LEN);
	fputs("| Name | Code | Data format |\n|---|---|---|\n", out);
	for (size_t i = 0; i < ARRAY_SIZE(opt_defs); i++)
		if (opt_defs[i].type != OT_MANAGED)
			fprintf(out, "| `%s` | %u | %s |\n", opt_defs[i].name, opt_defs[i].code,
				opt_defs[i].format);
	fputs("\nManaged by the server, refused in `option-data`:", out);
	for (size_t i = 0; i < ARRAY_SIZE(opt_defs); i++)
		if (opt_defs[i].type == OT_MANAGED)
			fprintf(out, "%s `%s` (%u)",
				i && opt_defs[i - 1].type == OT_MANAGED ? "," : "",
				opt_defs[i].name, opt_defs[i].code);
	fputs(".\n", out);
	return ferror(out) ? -EIO : 0;
}
