/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Configuration: one JSON file shaped like ISC Kea's "Dhcp4" where the
 * concept is the same, plus leasewire's own keys. Loaded into an immutable
 * snapshot; every error names the key path and the reason (STYLE rule 14/15).
 * Unknown keys are errors. Pure code (jansson), any thread.
 */
#ifndef LW_CONFIG_H
#define LW_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define CFG_ERR_LEN 512
#define CFG_MAX_OPTION_LEN 1024 /* one option's value, before RFC 3396 splitting */

enum cfg_durability {
	CFG_DURABILITY_FSYNC = 0, /* fdatasync before ACK (default) */
	CFG_DURABILITY_WRITE, /* write(2) before ACK: survives kill -9, not power loss */
	CFG_DURABILITY_NONE, /* no wait: benchmarks and labs only */
};

struct cfg_option {
	uint8_t code;
	uint16_t len;
	uint8_t *data; /* encoded wire value */
	bool always_send; /* Kea "always-send": send even when not in option 55 */
};

struct cfg_reservation {
	uint8_t hlen; /* 0 when matched by client id only */
	uint8_t hw_address[16];
	uint8_t client_id_len; /* 0 when matched by hardware address only */
	uint8_t client_id[255];
	uint32_t ip_address; /* host order */
	char hostname[64];
};

struct cfg_pool {
	uint32_t first, last; /* host order, inclusive */
};

/*
 * What the DHCP side decides about a client's name (RFC 4702, Kea's ddns-*
 * keys of Dhcp4 and of a subnet). A subnet's copy is resolved at load
 * time from the global keys and its own, so the fast path reads one
 * struct. Only meaningful while Dhcp4.ddns is enabled (struct cfg_ddns).
 */
#define CFG_DDNS_PREFIX_MAX 64
#define CFG_DDNS_SUFFIX_MAX 192 /* leaves room for a 63-byte host label */
#define CFG_DDNS_REPLACEMENT_MAX 8

struct cfg_ddns_policy {
	bool send_updates; /* ddns-send-updates */
	bool
	    override_client_update; /* ddns-override-client-update: S=0 clients get A updates too */
	bool override_no_update; /* ddns-override-no-update: N=1 clients are updated anyway */
	bool update_on_renew; /* ddns-update-on-renew: re-add on every renewal */
	uint8_t replace_client_name; /* enum cfg_ddns_replace_name (below) */
	uint8_t conflict_mode; /* enum cfg_ddns_conflict_mode (below) */
	char generated_prefix[CFG_DDNS_PREFIX_MAX]; /* ddns-generated-prefix, "myhost" */
	char qualifying_suffix[CFG_DDNS_SUFFIX_MAX]; /* lower case, no final dot; "" none */
	char char_set[16]; /* hostname-char-set: only Kea's default is supported */
	char char_replacement[CFG_DDNS_REPLACEMENT_MAX]; /* hostname-char-replacement, LDH only */
	uint32_t ttl_ppm; /* ddns-ttl-percent in parts per million; 0: one third */
	uint32_t ttl_min, ttl_max; /* ddns-ttl-min (600), ddns-ttl-max (0: no cap) */
};

struct cfg_subnet {
	uint32_t id; /* Kea "id", unique, > 0 */
	uint32_t prefix; /* host order network address */
	uint8_t prefix_len;
	char interface[32]; /* port name this subnet is directly on, "" for relayed only */
	uint32_t *relay_addresses; /* Kea "relay": {"ip-addresses": [...]}; giaddr matching */
	size_t n_relay_addresses;
	struct cfg_pool *pools;
	size_t n_pools;
	struct cfg_option *options; /* subnet options override global ones by code */
	size_t n_options;
	struct cfg_reservation *reservations;
	size_t n_reservations;
	uint32_t valid_lifetime; /* secs */
	uint32_t renew_timer; /* T1 secs */
	uint32_t rebind_timer; /* T2 secs */
	/* A client's option 51 is clamped to these (Kea); both valid_lifetime when unset. */
	uint32_t min_valid_lifetime, max_valid_lifetime; /* secs */
	bool calculate_tee_times;
	/*
	 * T1 and T2 of a lease other than valid_lifetime, in parts per million
	 * of it, where renew_timer/rebind_timer were not set (*_set false) or do
	 * not fit below it: t1-/t2-percent with calculate_tee_times, else 50%
	 * and 87.5%. Resolved at load time so that a request pays no more than
	 * a multiply when its lease differs from valid_lifetime.
	 */
	uint32_t t1_ppm, t2_ppm;
	bool renew_set, rebind_set;
	bool authoritative; /* NAK unknown INIT-REBOOT clients (RFC 2131 sec 4.3.2) */
	bool dynamic_bootp; /* answer BOOTP with infinite leases (RFC 1534) */
	struct cfg_ddns_policy ddns; /* the global ddns-* keys overridden by the subnet's */
};

/*
 * T1 or T2 of a lease of lease_secs: ppm parts per million of it, rounded
 * as Kea's calculate-tee-times does or rounded down as the RFC 2131 sec
 * 4.4.5 defaults were (50% and 87.5%, so lease / 2 and lease * 7 / 8).
 * Any thread.
 */
static inline uint32_t config_lease_share(uint32_t lease_secs, uint32_t ppm, bool rounded)
{
	return (uint32_t)(((uint64_t)lease_secs * ppm + (rounded ? 500000u : 0u)) / 1000000u);
}

struct cfg_interface {
	char name[32]; /* "port0" ... as in subnet "interface" */
	uint16_t port_id; /* DPDK port */
	uint32_t address; /* server address on this port, host order */
	uint8_t prefix_len;
};

struct cfg_lease_store {
	char directory[256]; /* journal and snapshots live here */
	enum cfg_durability durability;
	uint32_t commit_max_delay_us; /* group commit: longest an event waits for a batch */
	uint32_t commit_max_batch; /* events per fdatasync at most */
	uint32_t snapshot_every; /* compact after this many journal records */
	uint32_t ack_timeout_ms; /* a parked ACK older than this is dropped, counted */
};

/* Per-client packet rate limit in the fast path (client_rate.h). */
struct cfg_rate_limit {
	uint32_t client_pps; /* packets per second per client; 0: no limit */
	uint32_t client_burst; /* packets a client may send back to back */
};

/* The operator shell (control/shell/shell.c); it is off while password_hash is empty. */
struct cfg_shell {
	char address[16]; /* IPv4 address the TCP listener binds, dotted quad */
	uint16_t port; /* TCP port; 0: no TCP listener */
	char unix_socket[108]; /* absolute path of a Unix socket listener, "" for none */
	char username[32];
	char password_hash[160]; /* control/shell/password.h format, never clear text */
	char enable_password_hash[160]; /* for state-changing commands; "" disables them */
	uint32_t idle_timeout; /* secs without input before a session is closed */
	uint32_t max_sessions; /* concurrent sessions; the next one is refused */
	uint32_t max_login_failures; /* consecutive failures before the lockout delay */
	uint32_t lockout_secs; /* delay before each attempt once locked out */
	uint32_t max_line; /* bytes per command line; a longer one is refused */
};

/*
 * One failover relationship (draft-ietf-dhc-failover-12; the keys follow
 * ISC dhcpd's "failover peer" block, ../shared/specs/failover.md sec 12).
 * The control thread's failover session reads it; absent, the server runs
 * standalone.
 */
enum cfg_fo_role { CFG_FO_ROLE_NONE = 0, CFG_FO_ROLE_PRIMARY, CFG_FO_ROLE_SECONDARY };
/* Which side a set bit of the CONNECT's hash-bucket-assignment names (failover.md sec 11.2). */
enum cfg_fo_hba_polarity {
	CFG_FO_HBA_ISC = 0, /* set bit = primary serves (ISC dhcpd) */
	CFG_FO_HBA_DRAFT, /* set bit = secondary serves (draft-12 sec 5.3, literal) */
};

struct cfg_failover {
	bool enabled; /* the section is present */
	char name[64]; /* "peer-name": relationship-name, 1..63 printable ASCII */
	uint8_t role; /* enum cfg_fo_role; never NONE when enabled */
	uint32_t address; /* own IPv4, host order: listen on it and connect from it */
	uint16_t port; /* own TCP port */
	uint32_t peer_address; /* host order; inbound connections only from it */
	uint16_t peer_port; /* the partner's TCP port */
	uint32_t mclt; /* secs; a secondary adopts the primary's */
	/*
	 * The primary's buckets (RFC 3074 hash 0..255), primary only: split
	 * gives buckets 0..split-1; hba, when given (hba_set), any set. hba is
	 * always the resolved map: bit set = bucket served by the primary,
	 * LSB of octet 0 = bucket 0; with hba_set split is 0. Both are zero
	 * on a secondary, which takes its buckets from the primary's CONNECT.
	 */
	uint16_t split;
	uint8_t hba[32];
	bool hba_set;
	uint16_t lb_max_secs; /* "load balance max seconds"; 0 = no load balancing (ISC) */
	uint32_t max_response_delay; /* secs; our receive-timer (tReceive) */
	uint32_t max_unacked_updates; /* BNDUPDs the partner may send unacked; max-unacked-bndupd */
	uint32_t auto_partner_down; /* secs in COMM-INTERRUPTED before PARTNER-DOWN; 0 = never */
	uint32_t startup_secs; /* secs in STARTUP before the stored state is resumed */
	uint8_t hba_polarity; /* enum cfg_fo_hba_polarity */
};

/*
 * DNS updates (RFC 2136 + TSIG, RFC 4701/4703). Two parts, as in Kea:
 * what the DHCP side decides per client (the ddns-* keys of Dhcp4 and of a
 * subnet, struct cfg_ddns_policy) and where the updates go (Dhcp4.ddns,
 * shaped like Kea D2's configuration: tsig-keys, forward-ddns and
 * reverse-ddns domains with their servers). The control thread's update
 * engine (control/ddns/) reads the second part; absent, no update is sent.
 */
#define CFG_DDNS_MAX_KEYS 16
#define CFG_DDNS_MAX_DOMAINS 64
#define CFG_DDNS_MAX_SERVERS 4
#define CFG_DNS_NAME_MAX 256 /* presentation form, with the final dot, NUL included */

enum cfg_ddns_conflict_mode {
	CFG_DDNS_CHECK_WITH_DHCID = 0, /* RFC 4703 (the default; keep it in a failover pair) */
	CFG_DDNS_NO_CHECK_WITH_DHCID,
	CFG_DDNS_CHECK_EXISTS_WITH_DHCID,
	CFG_DDNS_NO_CHECK_WITHOUT_DHCID,
};

enum cfg_ddns_replace_name {
	CFG_DDNS_REPLACE_NEVER = 0,
	CFG_DDNS_REPLACE_ALWAYS,
	CFG_DDNS_REPLACE_WHEN_PRESENT,
	CFG_DDNS_REPLACE_WHEN_NOT_PRESENT,
};

struct cfg_tsig_key {
	char name[CFG_DNS_NAME_MAX]; /* absolute, lower case: "ddns-key." */
	char algorithm[32]; /* ldns spelling: "hmac-sha256." */
	char secret_b64[256]; /* base64 as tsig-keygen prints it (or read from secret-file) */
	char secret_file[256]; /* as configured, "" for none */
};

struct cfg_dns_server {
	uint32_t ip; /* host order */
	uint16_t port;
};

struct cfg_ddns_domain {
	char name[CFG_DNS_NAME_MAX]; /* the zone, absolute, lower case; "." matches everything */
	char key_name[CFG_DNS_NAME_MAX]; /* as configured; resolved into key */
	int key; /* index into cfg_ddns.keys; every domain has one (the config check) */
	unsigned n_servers;
	struct cfg_dns_server servers[CFG_DDNS_MAX_SERVERS];
};

struct cfg_ddns {
	bool enabled; /* Dhcp4.ddns is present and enable-updates is true */
	uint32_t server_timeout_ms; /* dns-server-timeout: wait per message */
	uint32_t tries_per_server; /* before the next server of the domain */
	uint32_t retry_min_ms, retry_max_ms; /* back-off between rounds over all servers */
	uint32_t max_in_flight; /* transactions at once */
	uint32_t max_queue; /* queued requests; at the bound new adds are dropped, never removals */
	unsigned n_keys, n_forward, n_reverse;
	struct cfg_tsig_key keys[CFG_DDNS_MAX_KEYS];
	struct cfg_ddns_domain forward[CFG_DDNS_MAX_DOMAINS];
	struct cfg_ddns_domain reverse[CFG_DDNS_MAX_DOMAINS];
};

struct lw_config {
	struct cfg_interface *interfaces;
	size_t n_interfaces;
	struct cfg_subnet *subnets;
	size_t n_subnets;
	struct cfg_option *options; /* global option-data */
	size_t n_options;
	uint32_t valid_lifetime, renew_timer, rebind_timer; /* global defaults */
	uint32_t min_valid_lifetime, max_valid_lifetime; /* secs, as in struct cfg_subnet */
	bool calculate_tee_times;
	uint32_t t1_ppm, t2_ppm; /* t1-percent, t2-percent in parts per million */
	bool authoritative;
	uint32_t offer_lifetime; /* secs an OFFERed address is held */
	uint32_t decline_probation_period; /* secs */
	uint32_t max_leases; /* lease records to preallocate */
	/* secs a released or expired lease record is kept (for address
	 * affinity) before it is deleted; 0 = kept until the table needs it */
	uint32_t hold_reclaimed_time;
	struct cfg_lease_store lease_store;
	struct cfg_shell shell;
	struct cfg_rate_limit rate_limit;
	struct cfg_failover failover; /* enabled false: standalone */
	struct cfg_ddns ddns; /* enabled false: no DNS updates */
	struct cfg_ddns_policy ddns_policy; /* the global ddns-* keys */
};

/*
 * Parse a config document. On success returns a new snapshot; on error
 * returns NULL and writes "<key path>: <reason>" into err (e.g.
 * "Dhcp4.subnet4[0].pools[1].pool: 10.0.1.5 is outside subnet 10.0.0.0/24").
 */
struct lw_config *config_load_file(const char *path, char err[CFG_ERR_LEN]);
struct lw_config *config_load_string(const char *json, char err[CFG_ERR_LEN]);
void config_free(struct lw_config *cfg);

/* The lab default (embedded), serving port0 as 10.77.0.1/24. */
extern const char config_default_json[];

/* Find a subnet by id; NULL if none. */
const struct cfg_subnet *config_subnet_by_id(const struct lw_config *cfg, uint32_t id);

/* Look up an option for a subnet: subnet-level first, then global. NULL if absent. */
const struct cfg_option *config_option(const struct lw_config *cfg, const struct cfg_subnet *subnet,
				       uint8_t code);

/*
 * Write the configuration reference (docs/config-reference.md) generated
 * from the schema tables to out. Returns 0, or -EIO if out has an error.
 * Any thread.
 */
int config_schema_markdown(FILE *out);

#endif
