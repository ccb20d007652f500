/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DHCP options in the config ("option-data"): the catalogue of option
 * names, codes and data formats, the entry schema, and the encoders that
 * turn an entry's "data" into the wire value the server sends.
 */
#include <stdlib.h>
#include <string.h>

#include "config/config_internal.h"

const struct opt_def cfg_opt_defs[] = {
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
const size_t cfg_n_opt_defs = ARRAY_SIZE(cfg_opt_defs);

/* Codes the server derives from the exchange itself; config may not set them. */
static bool opt_is_managed(unsigned int code)
{
	return (code >= 50 && code <= 55) || code == 57 || code == 61 || code == 81 || code == 82;
}

static const struct opt_def *opt_def_by_name(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(cfg_opt_defs); i++)
		if (!strcmp(cfg_opt_defs[i].name, name))
			return &cfg_opt_defs[i];
	return NULL;
}

static const struct opt_def *opt_def_by_code(unsigned int code)
{
	for (size_t i = 0; i < ARRAY_SIZE(cfg_opt_defs); i++)
		if (cfg_opt_defs[i].code == code)
			return &cfg_opt_defs[i];
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

	while (cfg_next_token(&p, end, &tok, &tlen)) {
		size_t start = c->pos;
		if (tlen && tok[tlen - 1] == '.')
			tlen--;
		if (!tlen)
			return cfg_walk_err(w, "empty domain name");
		/* RFC 1035 sec 3.1: labels of 1..63 octets, then the root label. */
		for (size_t i = 0; i < tlen;) {
			const char *dot = memchr(tok + i, '.', tlen - i);
			size_t llen = (dot ? (size_t)(dot - tok) : tlen) - i;
			if (llen < 1 || llen > 63)
				return cfg_walk_err(w,
						    "\"%.*s\": labels must be 1 to 63 characters",
						    (int)tlen, tok);
			for (size_t j = i; j < i + llen; j++) {
				char ch = tok[j];
				if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
				      (ch >= '0' && ch <= '9') || ch == '-' || ch == '_'))
					return cfg_walk_err(w,
							    "\"%.*s\" is not a valid domain name",
							    (int)tlen, tok);
			}
			wire_put_u8(c, (uint8_t)llen);
			wire_put(c, tok + i, llen);
			i += llen + 1;
		}
		wire_put_u8(c, 0);
		if (wire_ok(c) && c->pos - start > 255)
			return cfg_walk_err(w, "\"%.*s\" is longer than 255 octets", (int)tlen,
					    tok);
	}
	return 0;
}

static int encode_routes(struct walk *w, const char *data, struct wire_cursor *c)
{
	const char *p = data, *end = data + strlen(data), *tok;
	size_t tlen;

	while (cfg_next_token(&p, end, &tok, &tlen)) {
		const char *dash = memchr(tok, '-', tlen);
		const char *dst = tok, *gw = dash ? dash + 1 : NULL;
		size_t dlen = dash ? (size_t)(dash - tok) : 0, glen = dash ? tlen - dlen - 1 : 0;
		uint32_t net, router;
		uint8_t plen;

		if (!dash)
			return cfg_walk_err(w, "\"%.*s\" must be \"prefix/len - router\"",
					    (int)tlen, tok);
		cfg_trim(&dst, &dlen);
		cfg_trim(&gw, &glen);
		if (!cfg_prefix_parse(dst, dlen, &net, &plen))
			return cfg_walk_err(w, "\"%.*s\" is not a prefix", (int)dlen, dst);
		if (net & ~cfg_prefix_mask(plen))
			return cfg_walk_err(w, "\"%.*s\" has host bits set", (int)dlen, dst);
		if (!cfg_ipv4_parse(gw, glen, &router))
			return cfg_walk_err(w, "\"%.*s\" is not an IPv4 address", (int)glen, gw);
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
		return cfg_walk_err(w, "must not be empty for option %s", def->name);
	switch (def->type) {
	case OT_IPV4:
		if (!cfg_ipv4_parse(data, strlen(data), &a))
			return cfg_walk_err(w, "\"%.64s\" is not an IPv4 address", data);
		wire_put_u32(c, a);
		return 0;
	case OT_IPV4_LIST:
		while (cfg_next_token(&p, end, &tok, &tlen)) {
			if (!cfg_ipv4_parse(tok, tlen, &a))
				return cfg_walk_err(w, "\"%.*s\" is not an IPv4 address",
						    (int)(tlen > 64 ? 64 : tlen), tok);
			wire_put_u32(c, a);
		}
		return 0;
	case OT_STRING: wire_put(c, data, strlen(data)); return 0;
	case OT_UINT16:
		if (!cfg_int_parse(data, strlen(data), 68, 65535, &n))
			return cfg_walk_err(w, "\"%.64s\" must be an integer between 68 and 65535",
					    data);
		wire_put_u16(c, (uint16_t)n);
		return 0;
	case OT_INT32:
		if (!cfg_int_parse(data, strlen(data), INT32_MIN, INT32_MAX, &n))
			return cfg_walk_err(w, "\"%.64s\" must be a signed 32-bit integer", data);
		wire_put_u32(c, (uint32_t)n);
		return 0;
	case OT_FQDN_LIST: return encode_fqdn_list(w, data, c);
	case OT_ROUTES: return encode_routes(w, data, c);
	case OT_MANAGED: break;
	}
	return cfg_walk_err(w, "internal error: bad option type");
}

static int option_finish(struct walk *w, void *obj, uint64_t seen)
{
	struct opt_src *src = obj;
	bool has_name = cfg_key_seen(&cfg_option_schema, seen, "name");
	bool has_code = cfg_key_seen(&cfg_option_schema, seen, "code");
	const struct opt_def *def = NULL;
	uint8_t buf[CFG_MAX_OPTION_LEN];
	struct wire_cursor c;
	size_t saved = w->path_len;
	unsigned int code;
	int rc, n;

	if (!has_name && !has_code)
		return cfg_walk_err(w, "needs \"name\" or \"code\"");
	if (has_name) {
		def = opt_def_by_name(src->name);
		if (!def) {
			cfg_path_key(w, "name");
			return cfg_walk_err(w, "unknown option name \"%s\"", src->name);
		}
		if (has_code && def->code != src->code) {
			cfg_path_key(w, "code");
			return cfg_walk_err(w, "%u does not match option %s (code %u)", src->code,
					    def->name, def->code);
		}
	} else {
		def = opt_def_by_code(src->code);
	}
	code = def ? def->code : src->code;
	if (opt_is_managed(code)) {
		cfg_path_key(w, has_name ? "name" : "code");
		return cfg_walk_err(w, "option %u is managed by the server", code);
	}

	cfg_path_key(w, "data");
	wire_init(&c, buf, sizeof(buf));
	if (!src->csv_format) {
		n = cfg_hex_parse(src->data, ":- ", buf, sizeof(buf));
		if (n == -1)
			return cfg_walk_err(w, "\"%.64s\" is not a hex string", src->data);
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
		return cfg_walk_err(w, "encoded value is longer than %d bytes", CFG_MAX_OPTION_LEN);

	src->out.code = (uint8_t)code;
	src->out.len = (uint16_t)c.pos;
	src->out.always_send = src->always_send;
	src->out.data = malloc(c.pos ? c.pos : 1);
	if (!src->out.data)
		return cfg_walk_err(w, "out of memory");
	memcpy(src->out.data, buf, c.pos);
	cfg_path_pop(w, saved);
	return 0;
}

/* "option-data": entries staged through cfg_option_schema, then encoded. */
int cfg_parse_option_data(struct walk *w, const struct cfg_key *k, json_t *v, void *obj)
{
	struct cfg_option **opts = (struct cfg_option **)((char *)obj + k->off);
	size_t *n_opts = (size_t *)((char *)obj + k->off_n);
	struct opt_src *src;
	size_t n;
	int rc = 0;

	if ((rc = cfg_custom_array(w, k, v, &n)))
		return rc;
	if (!n)
		return 0;
	*opts = calloc(n, sizeof(**opts));
	src = malloc(sizeof(*src));
	if (!*opts || !src) {
		free(src);
		return cfg_walk_err(w, "out of memory");
	}
	for (size_t i = 0; i < n && !rc; i++) {
		size_t saved = w->path_len;

		memset(src, 0, sizeof(*src));
		cfg_path_index(w, i);
		rc = cfg_walk_object(w, &cfg_option_schema, json_array_get(v, i), src);
		if (rc) {
			free(src->out.data);
			break;
		}
		(*opts)[i] = src->out;
		(*n_opts)++;
		for (size_t j = 0; j < i; j++) {
			if ((*opts)[j].code == src->out.code) {
				rc = cfg_walk_err(w, "option %u is already set by entry [%zu]",
						  src->out.code, j);
				break;
			}
		}
		cfg_path_pop(w, saved);
	}
	free(src);
	return rc;
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
const struct cfg_schema cfg_option_schema = SCHEMA(option_keys, option_finish);

void cfg_options_free(struct cfg_option *opts, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(opts[i].data);
	free(opts);
}
