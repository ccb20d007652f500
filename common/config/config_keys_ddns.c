/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DNS updates in the configuration (config.h: struct cfg_ddns and struct
 * cfg_ddns_policy). Dhcp4.ddns is shaped like Kea's DHCP-DDNS server
 * configuration (../shared/specs/ddns.md sec 6.1): tsig-keys, forward-ddns
 * and reverse-ddns with their ddns-domains and dns-servers, plus the
 * engine's timing and bounds; the ddns-* policy keys of Dhcp4 and of a
 * subnet are listed in config_keys.c (K_DDNS_POLICY_KEYS) and checked here.
 *
 * Decisions: every domain must name a TSIG key (leasewire never sends an
 * unsigned UPDATE); only the HMAC algorithms ldns signs with are accepted
 * (hmac-sha384 is refused: ldns 1.8 misspells it, ddns.md sec 8.3); a
 * secret-file holds the base64 secret alone, as Kea's does.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "config/config_internal.h"

const char *const ddns_replace_names[] = {
	[CFG_DDNS_REPLACE_NEVER] = "never",
	[CFG_DDNS_REPLACE_ALWAYS] = "always",
	[CFG_DDNS_REPLACE_WHEN_PRESENT] = "when-present",
	[CFG_DDNS_REPLACE_WHEN_NOT_PRESENT] = "when-not-present",
	NULL,
};
const char *const ddns_conflict_names[] = {
	[CFG_DDNS_CHECK_WITH_DHCID] = "check-with-dhcid",
	[CFG_DDNS_NO_CHECK_WITH_DHCID] = "no-check-with-dhcid",
	[CFG_DDNS_CHECK_EXISTS_WITH_DHCID] = "check-exists-with-dhcid",
	[CFG_DDNS_NO_CHECK_WITHOUT_DHCID] = "no-check-without-dhcid",
	NULL,
};

#define KEA_CHAR_SET "[^A-Za-z0-9.-]"

static bool ldh(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-';
}

/* A dotted name of LDH labels of 1..63 bytes; final dot allowed when dot_ok. */
static int check_name(struct walk *w, const char *s, bool empty_ok)
{
	size_t label = 0, n = strlen(s);

	if (!n)
		return empty_ok ? 0 : cfg_walk_err(w, "must not be empty");
	if (n > 1 && s[n - 1] == '.')
		n--;
	if (n > 253)
		return cfg_walk_err(w, "\"%.64s...\" is longer than 253 bytes", s);
	if (n == 1 && s[0] == '.')
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '.') {
			if (!label)
				return cfg_walk_err(w, "\"%s\" has an empty label", s);
			label = 0;
		} else if (!ldh(s[i]) && s[i] != '_') {
			return cfg_walk_err(w, "\"%s\": '%c' is not a letter, digit or '-'", s,
					    isprint((unsigned char)s[i]) ? s[i] : '?');
		} else if (++label > 63) {
			return cfg_walk_err(w, "\"%.80s\" has a label longer than 63 bytes", s);
		}
	}
	return label ? 0 : cfg_walk_err(w, "\"%s\" has an empty label", s);
}

int cfg_check_dns_label(struct walk *w, const char *s)
{
	if (strchr(s, '.'))
		return cfg_walk_err(w, "\"%s\" must be one label, without dots", s);
	return check_name(w, s, false);
}

int cfg_check_dns_suffix(struct walk *w, const char *s)
{
	if (strlen(s) > CFG_DDNS_SUFFIX_MAX - 2)
		return cfg_walk_err(w, "\"%.64s...\" is longer than %d bytes", s,
				    CFG_DDNS_SUFFIX_MAX - 2);
	return check_name(w, s, true);
}

int cfg_check_char_set(struct walk *w, const char *s)
{
	if (strcmp(s, KEA_CHAR_SET) != 0)
		return cfg_walk_err(w, "only \"%s\" (Kea's default) is supported", KEA_CHAR_SET);
	return 0;
}

int cfg_check_char_replacement(struct walk *w, const char *s)
{
	for (const char *p = s; *p; p++)
		if (!ldh(*p))
			return cfg_walk_err(w, "\"%s\" may hold only letters, digits and '-'", s);
	return 0;
}

/* Lower case, and the final dot: the form the engine and the DNS compare. */
static void absolute(char *s, size_t cap)
{
	size_t n = strlen(s);

	for (size_t i = 0; i < n; i++)
		s[i] = (char)tolower((unsigned char)s[i]);
	if (n && s[n - 1] != '.' && n + 1 < cap) {
		s[n] = '.';
		s[n + 1] = '\0';
	}
}

/* Without the final dot (the suffix is joined to a host label). */
static void relative(char *s)
{
	size_t n = strlen(s);

	for (size_t i = 0; i < n; i++)
		s[i] = (char)tolower((unsigned char)s[i]);
	if (n && s[n - 1] == '.')
		s[n - 1] = '\0';
}

/* ---------------------------------------------------------------- keys */

static const char *const algorithms[] = {
	"hmac-md5", "hmac-sha1", "hmac-sha256", "hmac-sha512", NULL,
};

static int check_algorithm(struct walk *w, const char *s)
{
	char low[32];
	size_t n = strlen(s);

	if (n >= sizeof(low))
		return cfg_walk_err(w, "\"%.32s\" is not a supported algorithm", s);
	for (size_t i = 0; i <= n; i++)
		low[i] = (char)tolower((unsigned char)s[i]);
	if (n && low[n - 1] == '.')
		low[n - 1] = '\0';
	for (const char *const *a = algorithms; *a; a++)
		if (strcmp(low, *a) == 0)
			return 0;
	return cfg_walk_err(w, "\"%s\" is not one of hmac-md5, hmac-sha1, hmac-sha256, hmac-sha512",
			    s);
}

static int check_name_abs(struct walk *w, const char *s) { return check_name(w, s, false); }

static const struct cfg_key tsig_key_keys[] = {
	K_STR(struct cfg_tsig_key, name, "name", 1, NULL, CFG_REQUIRED, check_name_abs,
	      "Key name, as in the DNS server's key statement (ddns-key)."),
	K_STR(
	    struct cfg_tsig_key, algorithm, "algorithm", 1, "hmac-sha256", 0, check_algorithm,
	    "HMAC-SHA256 (RFC 8945's recommended), HMAC-SHA512, HMAC-SHA1 or HMAC-MD5; any case."),
	K_STR(struct cfg_tsig_key, secret_b64, "secret", 0, "", 0, NULL,
	      "The shared secret in base64, as tsig-keygen prints it. Give this or secret-file."),
	K_STR(struct cfg_tsig_key, secret_file, "secret-file", 0, "", 0,
	      cfg_check_abs_path_or_empty,
	      "Absolute path of a file holding only the base64 secret (kept out of this file)."),
};
static const struct cfg_schema tsig_key_schema = SCHEMA(tsig_key_keys, NULL);

static const struct cfg_key dns_server_keys[] = {
	K_IPV4(struct cfg_dns_server, ip, "ip-address", CFG_REQUIRED,
	       "Address of an authoritative server of the zone (its primary first)."),
	K_U16(struct cfg_dns_server, port, "port", 1, 65535, 53, 0, "UDP/TCP port."),
};
static const struct cfg_schema dns_server_schema = SCHEMA(dns_server_keys, NULL);

/*
 * The entries of a JSON array (at most k->max, the size of the fixed array
 * arr of `size`-byte elements) each walked with schema s into arr[i]; each
 * counted in *count once it parsed and, when given, passed entry_ok.
 */
static int walk_entries(struct walk *w, const struct cfg_key *k, json_t *v,
			const struct cfg_schema *s, void *arr, size_t size, unsigned *count,
			int (*entry_ok)(struct walk *w, void *arr, size_t i))
{
	size_t n;
	int rc;

	if ((rc = cfg_custom_array(w, k, v, &n)))
		return rc;
	for (size_t i = 0; i < n; i++) {
		size_t saved = w->path_len;
		cfg_path_index(w, i);
		rc = cfg_walk_object(w, s, json_array_get(v, i), (char *)arr + i * size);
		if (!rc && entry_ok)
			rc = entry_ok(w, arr, i);
		cfg_path_pop(w, saved);
		if (rc)
			return rc;
		(*count)++;
	}
	return 0;
}

static int parse_servers(struct walk *w, const struct cfg_key *k, json_t *v, void *obj)
{
	struct cfg_ddns_domain *d = obj;

	return walk_entries(w, k, v, &dns_server_schema, d->servers, sizeof(d->servers[0]),
			    &d->n_servers, NULL);
}

static const struct cfg_key domain_keys[] = {
	K_STR(struct cfg_ddns_domain, name, "name", 1, NULL, CFG_REQUIRED, check_name_abs,
	      "The zone (forward: a domain; reverse: an in-addr.arpa zone). Names are matched "
	      "to the longest zone they end in, on a label boundary, case-insensitively; \".\" "
	      "matches every name."),
	K_STR(struct cfg_ddns_domain, key_name, "key-name", 1, NULL, CFG_REQUIRED, NULL,
	      "The tsig-keys entry that signs this zone's updates (unsigned updates are never "
	      "sent)."),
	{ .name = "dns-servers",
	  .type = CT_CUSTOM,
	  .flags = CFG_REQUIRED,
	  .parse = parse_servers,
	  .max = CFG_DDNS_MAX_SERVERS,
	  .sub = &dns_server_schema,
	  .type_doc = "array",
	  .range_doc = "1 .. 4 entries",
	  .help = "Servers tried in order: the next one after tries-per-server failed attempts." },
};
static const struct cfg_schema domain_schema = SCHEMA(domain_keys, NULL);

/* A zone parsed: it has a server, its name is normalised and not a duplicate. */
static int domain_ok(struct walk *w, void *arr, size_t i)
{
	struct cfg_ddns_domain *d = arr;

	if (!d[i].n_servers)
		return cfg_walk_err(w, "dns-servers: needs at least one server");
	absolute(d[i].name, sizeof(d[i].name));
	for (size_t j = 0; j < i; j++)
		if (strcmp(d[j].name, d[i].name) == 0)
			return cfg_walk_err(w, "zone \"%s\" is already entry [%zu]", d[i].name, j);
	return 0;
}

/* "ddns-domains" of forward-ddns or reverse-ddns: k->off names which. */
static int parse_domains(struct walk *w, const struct cfg_key *k, json_t *v, void *obj)
{
	struct cfg_ddns *dd = obj;
	bool fwd = k->off == offsetof(struct cfg_ddns, forward);

	return walk_entries(w, k, v, &domain_schema, fwd ? dd->forward : dd->reverse,
			    sizeof(dd->forward[0]), fwd ? &dd->n_forward : &dd->n_reverse,
			    domain_ok);
}

#define K_DOMAINS(f) \
	{ \
		.name = "ddns-domains", .type = CT_CUSTOM, .parse = parse_domains, \
		.off = offsetof(struct cfg_ddns, f), .max = CFG_DDNS_MAX_DOMAINS, \
		.sub = &domain_schema, .type_doc = "array", .range_doc = "0 .. 64 entries", \
		.help = "The zones and their servers." \
	}
static const struct cfg_key forward_keys[] = { K_DOMAINS(forward) };
static const struct cfg_key reverse_keys[] = { K_DOMAINS(reverse) };
static const struct cfg_schema forward_schema = SCHEMA(forward_keys, NULL);
static const struct cfg_schema reverse_schema = SCHEMA(reverse_keys, NULL);

static int parse_keys(struct walk *w, const struct cfg_key *k, json_t *v, void *obj)
{
	struct cfg_ddns *dd = obj;

	return walk_entries(w, k, v, &tsig_key_schema, dd->keys, sizeof(dd->keys[0]), &dd->n_keys,
			    NULL);
}

/* The secret of key i: from secret-file when given; then a base64 check. */
static int key_secret(struct walk *w, struct cfg_tsig_key *key)
{
	char *s = key->secret_b64;
	size_t n = 0, bits = 0;

	if (key->secret_file[0] && s[0])
		return cfg_walk_err(w, "give secret or secret-file, not both");
	if (key->secret_file[0]) {
		FILE *f = fopen(key->secret_file, "r");
		size_t got;
		if (!f)
			return cfg_walk_err(w, "secret-file %s: %s", key->secret_file,
					    strerror(errno));
		got = fread(s, 1, sizeof(key->secret_b64) - 1, f);
		fclose(f);
		s[got] = '\0';
		while (got && isspace((unsigned char)s[got - 1]))
			s[--got] = '\0';
	}
	if (!s[0])
		return cfg_walk_err(w, "needs secret or secret-file");
	for (const char *p = s; *p; p++) {
		if (isalnum((unsigned char)*p) || *p == '+' || *p == '/')
			bits += 6, n++;
		else if (*p == '=' && (p[1] == '\0' || (p[1] == '=' && p[2] == '\0')))
			break;
		else
			return cfg_walk_err(w, "the secret is not base64");
	}
	if (bits / 8 < 16)
		return cfg_walk_err(w, "the secret has %zu bytes; TSIG needs at least 16",
				    bits / 8);
	return 0;
}

static int ddns_finish(struct walk *w, void *obj, uint64_t seen)
{
	struct cfg_ddns *dd = obj;
	size_t saved = w->path_len;
	bool enable = dd->enabled;

	(void)seen;
	for (unsigned i = 0; i < dd->n_keys; i++) {
		struct cfg_tsig_key *key = &dd->keys[i];
		int rc;

		cfg_path_key(w, "tsig-keys");
		cfg_path_index(w, i);
		absolute(key->name, sizeof(key->name));
		absolute(key->algorithm, sizeof(key->algorithm));
		rc = key_secret(w, key);
		for (unsigned j = 0; j < i && !rc; j++)
			if (strcmp(dd->keys[j].name, key->name) == 0)
				rc = cfg_walk_err(w, "key \"%s\" is already entry [%u]", key->name,
						  j);
		if (rc)
			return rc;
		cfg_path_pop(w, saved);
	}
	for (int dir = 0; dir < 2; dir++) {
		struct cfg_ddns_domain *arr = dir ? dd->reverse : dd->forward;
		unsigned n = dir ? dd->n_reverse : dd->n_forward;

		for (unsigned i = 0; i < n; i++) {
			char want[CFG_DNS_NAME_MAX];

			snprintf(want, sizeof(want), "%s", arr[i].key_name);
			absolute(want, sizeof(want));
			arr[i].key = -1;
			for (unsigned j = 0; j < dd->n_keys; j++)
				if (strcmp(dd->keys[j].name, want) == 0)
					arr[i].key = (int)j;
			if (arr[i].key < 0) {
				cfg_path_key(w, dir ? "reverse-ddns" : "forward-ddns");
				cfg_path_key(w, "ddns-domains");
				cfg_path_index(w, i);
				cfg_path_key(w, "key-name");
				return cfg_walk_err(w, "\"%s\" is not in tsig-keys",
						    arr[i].key_name);
			}
		}
	}
	if (dd->retry_min_ms > dd->retry_max_ms) {
		cfg_path_key(w, "retry-min");
		return cfg_walk_err(w, "%u ms is above retry-max (%u ms)", dd->retry_min_ms,
				    dd->retry_max_ms);
	}
	if (enable && !dd->n_forward && !dd->n_reverse)
		return cfg_walk_err(w, "enable-updates is true but neither forward-ddns nor "
				       "reverse-ddns has a zone");
	return 0;
}

static const struct cfg_key ddns_keys[] = {
	K_BOOL(struct cfg_ddns, enabled, "enable-updates", true, 0,
	       "Send DNS updates; false keeps the section but sends nothing."),
	K_U32(struct cfg_ddns, server_timeout_ms, "dns-server-timeout", 10, 60000, 500, 0,
	      "Milliseconds to wait for a server's answer before the message is sent again "
	      "(Kea's dns-server-timeout)."),
	K_U32(struct cfg_ddns, tries_per_server, "tries-per-server", 1, 10, 3, 0,
	      "Attempts, each with a new DNS id, before the next server of the zone is tried."),
	K_U32(struct cfg_ddns, retry_min_ms, "retry-min", 10, 3600000, 1000, 0,
	      "Milliseconds before a request whose every server failed is tried again; it "
	      "doubles up to retry-max. Requests are never dropped for an unreachable server."),
	K_U32(struct cfg_ddns, retry_max_ms, "retry-max", 10, 3600000, 30000, 0,
	      "Longest wait between rounds, milliseconds."),
	K_U32(struct cfg_ddns, max_in_flight, "max-in-flight", 1, 4096, 256, 0,
	      "Transactions in progress at once (never two for the same name or client)."),
	K_U32(struct cfg_ddns, max_queue, "max-queue-size", 16, 4194304, 65536, 0,
	      "Requests waiting; at the bound new adds are dropped, counted and alarmed, "
	      "removals never."),
	{ .name = "tsig-keys",
	  .type = CT_CUSTOM,
	  .parse = parse_keys,
	  .max = CFG_DDNS_MAX_KEYS,
	  .sub = &tsig_key_schema,
	  .type_doc = "array",
	  .range_doc = "0 .. 16 entries",
	  .help = "TSIG keys (RFC 8945) the zones sign with." },
	K_OBJ(struct cfg_ddns, 0, "forward-ddns", forward_schema, 0,
	      "Zones for the A and DHCID records."),
	K_OBJ(struct cfg_ddns, 0, "reverse-ddns", reverse_schema, 0, "Zones for the PTR records."),
};
const struct cfg_schema cfg_ddns_schema = SCHEMA(ddns_keys, ddns_finish);

/* ------------------------------------------------------------ policy */

struct policy_field {
	const char *key;
	size_t off, size;
};
#define PF(k, f) \
	{ \
		k, offsetof(struct cfg_ddns_policy, f), sizeof(((struct cfg_ddns_policy *)0)->f) \
	}
static const struct policy_field policy_fields[] = {
	PF("ddns-send-updates", send_updates),
	PF("ddns-override-no-update", override_no_update),
	PF("ddns-override-client-update", override_client_update),
	PF("ddns-replace-client-name", replace_client_name),
	PF("ddns-generated-prefix", generated_prefix),
	PF("ddns-qualifying-suffix", qualifying_suffix),
	PF("ddns-update-on-renew", update_on_renew),
	PF("ddns-conflict-resolution-mode", conflict_mode),
	PF("ddns-ttl-percent", ttl_ppm),
	PF("ddns-ttl-min", ttl_min),
	PF("ddns-ttl-max", ttl_max),
	PF("hostname-char-set", char_set),
	PF("hostname-char-replacement", char_replacement),
};

void cfg_ddns_policy_normalise(struct cfg_ddns_policy *p) { relative(p->qualifying_suffix); }

void cfg_ddns_policy_inherit(const struct cfg_schema *s, uint64_t seen, struct cfg_ddns_policy *sub,
			     const struct cfg_ddns_policy *global)
{
	for (size_t i = 0; i < sizeof(policy_fields) / sizeof(policy_fields[0]); i++) {
		const struct policy_field *f = &policy_fields[i];
		if (!cfg_key_seen(s, seen, f->key))
			memcpy((char *)sub + f->off, (const char *)global + f->off, f->size);
	}
	cfg_ddns_policy_normalise(sub);
}
