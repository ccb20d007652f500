/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the pieces of the config loader share, and nothing else includes:
 * the schema types the engine (config_schema.c) walks, the key-table
 * macros, and the parsers, checks and tables the key tables
 * (config_keys.c) point at. The public API is config.h.
 *
 * config_schema.c   the engine: key paths, errors, walking a schema
 * config_text.c     scalar text syntax (addresses, prefixes, integers, hex)
 * config_parse.c    string checks, custom value parsers
 * config_options.c  option catalogue, option-data staging and encoders
 * config_check.c    finish hooks: checks that span keys or objects
 * config_keys.c     the key tables and the top-level section table
 * config_keys_failover.c  the failover section's keys and checks
 * config_load.c     reading a document, freeing and querying a snapshot
 * config_markdown.c docs/config-reference.md from the tables
 */
#ifndef LW_CONFIG_INTERNAL_H
#define LW_CONFIG_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "config/config.h"
#include "wire/wire.h"

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
	CT_ENUM, /* string from enum_names, stored as its index: uint8_t if size is 1, else unsigned */
	CT_IPV4, /* dotted quad into a host-order uint32_t */
	CT_OBJECT, /* nested object; sub schema fills target + off */
	CT_ARRAY, /* array of sub objects, calloc'd; pointer at off, count at off_n */
	CT_CUSTOM, /* parse hook; type_doc/range_doc describe it */
};

#define CFG_REQUIRED 0x1u /* absence is an error */
#define CFG_INHERIT 0x2u /* no static default: left zero, resolved by a finish hook */
/*
 * CT_OBJECT: an absent object switches its feature off. The target stays
 * zero and its keys, required ones too, are not defaulted; the finish hook
 * runs only when the object is present (and marks it enabled).
 */
#define CFG_PRESENCE 0x4u

struct cfg_key;
typedef int (*cfg_parse_fn)(struct walk *w, const struct cfg_key *k, json_t *v, void *obj);

struct cfg_schema {
	const struct cfg_key *keys;
	size_t n_keys;
	/* Runs after every key; seen has bit i set when keys[i] was present. */
	int (*finish)(struct walk *w, void *obj, uint64_t seen);
	/*
	 * Top-level sections only (cfg_root_schema): frees what the section's
	 * keys allocated in obj, also after a failed load. config_free()
	 * calls it; NULL when the keys allocate nothing.
	 */
	void (*release)(void *obj);
};

struct cfg_key {
	const char *name;
	enum cfg_type type;
	unsigned int flags;
	/* integer value, string length or array entries; CT_ENUM: min is the first named value */
	int64_t min, max;
	int64_t def; /* integer, boolean or enum default */
	const char *def_str; /* string default */
	size_t off, off_n, size; /* field, count field, field (string) or element (array) size */
	const struct cfg_schema *sub;
	const char *const *enum_names; /* indexed by value, NULL-terminated */
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
#define SECTION_SCHEMA(keys_, finish_, release_) \
	{ \
		.keys = keys_, .n_keys = ARRAY_SIZE(keys_), .finish = finish_, .release = release_ \
	}

/*
 * One initializer per key type, so a table line names only what differs;
 * T is the struct the object is parsed into and f its field.
 */
#define K_U32(T, f, n, lo, hi, d, fl, h) \
	{ \
		.name = n, .type = CT_U32, .flags = fl, .min = lo, .max = hi, .def = d, \
		.off = offsetof(T, f), .help = h \
	}
#define K_U16(T, f, n, lo, hi, d, fl, h) \
	{ \
		.name = n, .type = CT_U16, .flags = fl, .min = lo, .max = hi, .def = d, \
		.off = offsetof(T, f), .help = h \
	}
#define K_IPV4(T, f, n, fl, h) \
	{ \
		.name = n, .type = CT_IPV4, .flags = fl, .off = offsetof(T, f), .help = h \
	}
/* names[first] .. the NULL are the spellings of values first ..; rd lists them for the docs. */
#define K_ENUM(T, f, n, names, first, d, fl, rd, h) \
	{ \
		.name = n, .type = CT_ENUM, .flags = fl, .min = first, .def = d, \
		.enum_names = names, .off = offsetof(T, f), .size = sizeof(((T *)0)->f), \
		.range_doc = rd, .help = h \
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
		.name = n, .type = CT_CUSTOM, .max = hi, .parse = cfg_parse_ipv4_array, \
		.off = offsetof(T, f), .off_n = offsetof(T, n_##f), \
		.type_doc = "array of IPv4 addresses", .range_doc = #hi " entries at most", \
		.def_doc = "empty", .help = h \
	}

/* ------------------------------------------------------------------------ */
/* config_schema.c: the engine                                              */

void cfg_path_key(struct walk *w, const char *name);
void cfg_path_index(struct walk *w, size_t i);
void cfg_path_pop(struct walk *w, size_t len);
/* Writes "<path>: <reason>" into w->err; returns -EINVAL. */
__attribute__((format(printf, 2, 3))) int cfg_walk_err(struct walk *w, const char *fmt, ...);
int cfg_get_string(struct walk *w, json_t *v, const char **out);
/*
 * The start of a CT_CUSTOM key whose value is an array (the hook allocates
 * what the entries become): v must be an array of at most k->max entries;
 * their number goes to *n.
 */
int cfg_custom_array(struct walk *w, const struct cfg_key *k, json_t *v, size_t *n);
bool cfg_key_seen(const struct cfg_schema *s, uint64_t seen, const char *name);
int cfg_walk_object(struct walk *w, const struct cfg_schema *s, json_t *obj, void *target);

/* ------------------------------------------------------------------------ */
/* config_text.c: scalar text syntax                                       */

const char *cfg_ip_str(uint32_t a, char buf[16]);
static inline uint32_t cfg_prefix_mask(unsigned int len)
{
	return len ? UINT32_MAX << (32 - len) : 0;
}
void cfg_trim(const char **s, size_t *len);
bool cfg_ipv4_parse(const char *s, size_t len, uint32_t *out);
bool cfg_int_parse(const char *s, size_t len, int64_t min, int64_t max, int64_t *out);
bool cfg_prefix_parse(const char *s, size_t len, uint32_t *addr, uint8_t *plen);
int cfg_hex_parse(const char *s, const char *seps, uint8_t *out, size_t cap);
bool cfg_next_token(const char **p, const char *end, const char **tok, size_t *tlen);

/* ------------------------------------------------------------------------ */
/* config_parse.c: string checks, custom value parsers                      */

int cfg_check_ifname(struct walk *w, const char *s);
int cfg_check_hostname(struct walk *w, const char *s);
int cfg_check_abs_path(struct walk *w, const char *s);
int cfg_check_ipv4_literal(struct walk *w, const char *s);
int cfg_check_abs_path_or_empty(struct walk *w, const char *s);
int cfg_check_password_hash(struct walk *w, const char *s);

int cfg_parse_if_address(struct walk *w, const struct cfg_key *k, json_t *v, void *obj);
int cfg_parse_subnet_prefix(struct walk *w, const struct cfg_key *k, json_t *v, void *obj);
int cfg_parse_pool(struct walk *w, const struct cfg_key *k, json_t *v, void *obj);
int cfg_parse_ipv4_array(struct walk *w, const struct cfg_key *k, json_t *v, void *obj);
int cfg_parse_hw_address(struct walk *w, const struct cfg_key *k, json_t *v, void *obj);
int cfg_parse_client_id(struct walk *w, const struct cfg_key *k, json_t *v, void *obj);
/* A JSON number strictly between 0 and 1 into a uint32_t in parts per million. */
int cfg_parse_fraction(struct walk *w, const struct cfg_key *k, json_t *v, void *obj);

/* ------------------------------------------------------------------------ */
/* config_options.c: DHCP options (option-data)                             */

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

extern const struct opt_def cfg_opt_defs[];
extern const size_t cfg_n_opt_defs;
extern const struct cfg_schema cfg_option_schema;
int cfg_parse_option_data(struct walk *w, const struct cfg_key *k, json_t *v, void *obj);
void cfg_options_free(struct cfg_option *opts, size_t n);

/* ------------------------------------------------------------------------ */
/* config_check.c: finish hooks                                             */

int cfg_reservation_finish(struct walk *w, void *obj, uint64_t seen);
int cfg_subnet_finish(struct walk *w, void *obj, uint64_t seen);
int cfg_ifcfg_finish(struct walk *w, void *obj, uint64_t seen);
int cfg_dhcp4_finish(struct walk *w, void *obj, uint64_t seen);

/* ------------------------------------------------------------------------ */
/* config_keys.c: the tables                                                */

extern const struct cfg_schema cfg_subnet_schema;
/* Dhcp4.failover (config_keys_failover.c). */
extern const struct cfg_schema cfg_failover_schema;
/* Dhcp4.ddns and the ddns-* policy keys (config_keys_ddns.c). */
extern const struct cfg_schema cfg_ddns_schema;
extern const char *const ddns_replace_names[];
extern const char *const ddns_conflict_names[];
int cfg_check_dns_label(struct walk *w, const char *s);
int cfg_check_dns_suffix(struct walk *w, const char *s);
int cfg_check_char_set(struct walk *w, const char *s);
int cfg_check_char_replacement(struct walk *w, const char *s);
/* Lower-case the suffix, drop its final dot. */
void cfg_ddns_policy_normalise(struct cfg_ddns_policy *p);
/* A subnet's policy: the keys it did not set (seen, schema s) come from global. */
void cfg_ddns_policy_inherit(const struct cfg_schema *s, uint64_t seen, struct cfg_ddns_policy *sub,
			     const struct cfg_ddns_policy *global);
/* The document: one CT_OBJECT key per top-level section (see config_keys.c). */
extern const struct cfg_schema cfg_root_schema;

/* ------------------------------------------------------------------------ */
/* config_load.c                                                            */

/* Release hook of the Dhcp4 section: interfaces, subnets, options. */
void cfg_dhcp4_release(void *obj);

#endif
