/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The key tables: one per JSON object (STYLE rule 15). Each line is a key's
 * name, type, range, default and help; the engine parses and checks by it
 * and the reference documentation is generated from it, so a key is added
 * in exactly one place: its table.
 */
#include <stddef.h>

#include "config/config_internal.h"

static const char *const durability_names[] = {
	[CFG_DURABILITY_FSYNC] = "fsync",
	[CFG_DURABILITY_WRITE] = "write",
	[CFG_DURABILITY_NONE] = "none",
	NULL,
};

#define U32_MAX_LIFE 4294967294LL /* 0xffffffff is "infinite" (RFC 2131 sec 3.3) */

/* "option-data", the same in Dhcp4 and in a subnet; entries follow cfg_option_schema. */
#define K_OPTIONS(T) \
	{ \
		.name = "option-data", .type = CT_CUSTOM, .max = 254, \
		.parse = cfg_parse_option_data, .off = offsetof(T, options), \
		.off_n = offsetof(T, n_options), .sub = &cfg_option_schema, \
		.type_doc = "array of objects", .range_doc = "0 .. 254 entries", \
		.def_doc = "empty", .help = "DHCP options to send; one entry per code." \
	}

/*
 * The lease times and "authoritative": Dhcp4 sets them, a subnet may
 * override them. One definition serves both tables so that range and help
 * cannot drift apart; fl is CFG_INHERIT in a subnet (its finish hooks fill
 * in what is absent) and the *_doc strings say where a default comes from;
 * from(key, global_default) names the default of a key a subnet inherits.
 */
#define K_INHERITABLE(T, f, n, t, lo, hi, d, fl, dd, h) \
	{ \
		.name = n, .type = t, .flags = fl, .min = lo, .max = hi, .def = d, \
		.off = offsetof(T, f), .def_doc = dd, .help = h \
	}
#define K_FRACTION(T, f, n, dd, h) \
	{ \
		.name = n, .type = CT_CUSTOM, .flags = CFG_INHERIT, .parse = cfg_parse_fraction, \
		.off = offsetof(T, f), .type_doc = "number", .range_doc = "0 < x < 1", \
		.def_doc = dd, .help = h \
	}
#define K_LEASE_KEYS(T, fl, valid_def, valid_doc, renew_doc, rebind_doc, auth_doc, bound_doc, \
		     from) \
	K_INHERITABLE(T, valid_lifetime, "valid-lifetime", CT_U32, 60, U32_MAX_LIFE, valid_def, \
		      fl, valid_doc, "Lease time, seconds."), \
	    K_INHERITABLE(T, min_valid_lifetime, "min-valid-lifetime", CT_U32, 60, U32_MAX_LIFE, \
			  0, CFG_INHERIT, bound_doc, \
			  "Shortest lease a client gets that asks for one (option 51, RFC 2131 " \
			  "sec 4.3.1); a shorter request gets this (Kea; there are no shared " \
			  "networks here to set it on). min-valid-lifetime <= valid-lifetime <= " \
			  "max-valid-lifetime; with neither set option 51 is ignored."), \
	    K_INHERITABLE(T, max_valid_lifetime, "max-valid-lifetime", CT_U32, 60, U32_MAX_LIFE, \
			  0, CFG_INHERIT, bound_doc, \
			  "Longest lease a client gets that asks for one; a longer or infinite " \
			  "request gets this. A client that does not ask gets valid-lifetime."), \
	    K_INHERITABLE(T, renew_timer, "renew-timer", CT_U32, 1, U32_MAX_LIFE, 0, CFG_INHERIT, \
			  renew_doc, "T1, seconds; renew-timer < rebind-timer < valid-lifetime."), \
	    K_INHERITABLE(T, rebind_timer, "rebind-timer", CT_U32, 1, U32_MAX_LIFE, 0, \
			  CFG_INHERIT, rebind_doc, "T2, seconds."), \
	    K_INHERITABLE(T, calculate_tee_times, "calculate-tee-times", CT_BOOL, 0, 0, false, fl, \
			  from("calculate-tee-times", "false"), \
			  "T1 and T2 that renew-timer and rebind-timer do not set are t1-percent " \
			  "and t2-percent of the lease granted, rounded (Kea); false: 50% and " \
			  "87.5% of it, rounded down. Either way they follow a lease that option " \
			  "51 made shorter or longer; a set timer is kept while it is below it."), \
	    K_FRACTION(T, t1_ppm, "t1-percent", from("t1-percent", "0.5"), \
		       "T1 as a share of the lease with calculate-tee-times; t1-percent < " \
		       "t2-percent."), \
	    K_FRACTION(T, t2_ppm, "t2-percent", from("t2-percent", "0.875"), \
		       "T2 as a share of the lease with calculate-tee-times."), \
	    K_INHERITABLE(T, authoritative, "authoritative", CT_BOOL, 0, 0, false, fl, auth_doc, \
			  "NAK requests for addresses this server did not give (RFC 2131 sec " \
			  "4.3.2).")
#define FROM_DHCP4(key, global_default) "Dhcp4." key

/*
 * The ddns-* keys (RFC 4702 policy, Kea's names), in Dhcp4 with their
 * defaults and in a subnet with CFG_INHERIT: cfg_ddns_policy_inherit()
 * (config_keys_ddns.c) fills what the subnet leaves out from Dhcp4's.
 */
/* K_ENUM and K_STR with a documented default: "Dhcp4.key" in a subnet. */
#define K_DENUM(T, f, n, names, d, fl, rd, dd, h) \
	{ \
		.name = n, .type = CT_ENUM, .flags = fl, .def = d, .enum_names = names, \
		.off = offsetof(T, f), .size = sizeof(((T *)0)->f), .range_doc = rd, \
		.def_doc = dd, .help = h \
	}
#define K_DSTR(T, f, n, lo, d, fl, chk, dd, h) \
	{ \
		.name = n, .type = CT_STRING, .flags = fl, .min = lo, \
		.max = sizeof(((T *)0)->f) - 1, .def_str = d, .off = offsetof(T, f), \
		.size = sizeof(((T *)0)->f), .check = chk, .def_doc = dd, .help = h \
	}
#define K_DDNS_POLICY_KEYS(T, m, fl, from) \
	K_INHERITABLE(T, m.send_updates, "ddns-send-updates", CT_BOOL, 0, 0, true, fl, \
		      from("ddns-send-updates", "true"), \
		      "Register this subnet's clients in DNS (needs Dhcp4.ddns)."), \
	    K_INHERITABLE(T, m.override_no_update, "ddns-override-no-update", CT_BOOL, 0, 0, \
			  false, fl, from("ddns-override-no-update", "false"), \
			  "Update DNS for clients whose option 81 asks for no updates (N=1)."), \
	    K_INHERITABLE( \
		T, m.override_client_update, "ddns-override-client-update", CT_BOOL, 0, 0, false, \
		fl, from("ddns-override-client-update", "false"), \
		"Do the forward (A) update also for clients that say they do it (S=0)."), \
	    K_DENUM(T, m.replace_client_name, "ddns-replace-client-name", ddns_replace_names, \
		    CFG_DDNS_REPLACE_NEVER, fl, "never, always, when-present, when-not-present", \
		    from("ddns-replace-client-name", "never"), \
		    "When the server makes up the name (ddns-generated-prefix and the address): " \
		    "never; always; when-present: in place of the client's; when-not-present: " \
		    "for clients that send none."), \
	    K_DSTR(T, m.generated_prefix, "ddns-generated-prefix", 1, "myhost", fl, \
		   cfg_check_dns_label, from("ddns-generated-prefix", "\"myhost\""), \
		   "First label of generated names: prefix-a-b-c-d."), \
	    K_DSTR(T, m.qualifying_suffix, "ddns-qualifying-suffix", 0, "", fl, \
		   cfg_check_dns_suffix, from("ddns-qualifying-suffix", "\"\""), \
		   "Domain appended to host names that are not fully qualified; \"\" leaves them " \
		   "as they are."), \
	    K_INHERITABLE(T, m.update_on_renew, "ddns-update-on-renew", CT_BOOL, 0, 0, false, fl, \
			  from("ddns-update-on-renew", "false"), \
			  "Send the add again at every renewal, not only when the binding or " \
			  "name changes."), \
	    K_DENUM(T, m.conflict_mode, "ddns-conflict-resolution-mode", ddns_conflict_names, \
		    CFG_DDNS_CHECK_WITH_DHCID, fl, \
		    from("ddns-conflict-resolution-mode", "check-with-dhcid"), \
		    "check-with-dhcid, no-check-with-dhcid, check-exists-with-dhcid, " \
		    "no-check-without-dhcid", \
		    "How names held by other clients are protected (RFC 4703 and Kea's modes); " \
		    "keep check-with-dhcid in a failover pair."), \
	    K_FRACTION(T, m.ttl_ppm, "ddns-ttl-percent", from("ddns-ttl-percent", "one third"), \
		       "TTL of the records as a share of the lease time (RFC 4702 sec 5)."), \
	    K_INHERITABLE(T, m.ttl_min, "ddns-ttl-min", CT_U32, 0, U32_MAX_LIFE, 600, fl, \
			  from("ddns-ttl-min", "600"), "Lowest TTL, seconds."), \
	    K_INHERITABLE(T, m.ttl_max, "ddns-ttl-max", CT_U32, 0, U32_MAX_LIFE, 0, fl, \
			  from("ddns-ttl-max", "0"), "Highest TTL, seconds; 0: no cap."), \
	    K_DSTR(T, m.char_set, "hostname-char-set", 0, "[^A-Za-z0-9.-]", fl, \
		   cfg_check_char_set, from("hostname-char-set", "\"[^A-Za-z0-9.-]\""), \
		   "Characters replaced in client names; only Kea's default is supported " \
		   "(everything but letters, digits, '-' and '.')."), \
	    K_DSTR( \
		T, m.char_replacement, "hostname-char-replacement", 0, "", fl, \
		cfg_check_char_replacement, from("hostname-char-replacement", "\"\""), \
		"What replaces each such character: letters, digits or '-'; \"\" removes them.")

#define FROM_NONE(key, global_default) global_default

static const struct cfg_key interface_keys[] = {
	K_STR(struct cfg_interface, name, "name", 1, NULL, CFG_REQUIRED, cfg_check_ifname,
	      "Name that subnets use in \"interface\"; unique."),
	{ .name = "port",
	  .type = CT_U16,
	  .flags = CFG_REQUIRED,
	  .min = 0,
	  .max = 65534,
	  .off = offsetof(struct cfg_interface, port_id),
	  .help = "DPDK port id; unique." },
	K_CUSTOM(struct cfg_interface, address, "address", cfg_parse_if_address, "prefix",
		 "a.b.c.d/1 .. a.b.c.d/30", CFG_REQUIRED,
		 "Server address on this port with its prefix length; the source of replies and "
		 "the server identifier."),
};
static const struct cfg_schema interface_schema = SCHEMA(interface_keys, NULL);

static const struct cfg_key ifcfg_keys[] = {
	K_ARR(struct lw_config, interfaces, "interfaces", interface_schema, 1, 64, CFG_REQUIRED,
	      "Ports the server answers on."),
};
static const struct cfg_schema ifcfg_schema = SCHEMA(ifcfg_keys, cfg_ifcfg_finish);

static const struct cfg_key lease_store_keys[] = {
	K_STR(struct cfg_lease_store, directory, "directory", 1, "/var/lib/leasewire", 0,
	      cfg_check_abs_path, "Absolute path of the journal and snapshots."),
	K_ENUM(struct cfg_lease_store, durability, "durability", durability_names, 0,
	       CFG_DURABILITY_FSYNC, 0, "fsync, write, none",
	       "When an ACK may leave: fsync = after fdatasync; write = after write(2), survives "
	       "a crash of the process but not of the host; none = at once (labs and "
	       "benchmarks)."),
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
	K_STR(struct cfg_shell, address, "address", 7, "127.0.0.1", 0, cfg_check_ipv4_literal,
	      "IPv4 address the telnet-style TCP listener binds; keep it on loopback or a "
	      "management network."),
	{ .name = "port",
	  .type = CT_U16,
	  .min = 0,
	  .max = 65535,
	  .def = 2323,
	  .off = offsetof(struct cfg_shell, port),
	  .help = "TCP port of the listener; 0: no TCP listener." },
	K_STR(struct cfg_shell, unix_socket, "unix-socket", 0, "", 0, cfg_check_abs_path_or_empty,
	      "Absolute path of an additional Unix stream socket listener; empty: none."),
	K_STR(struct cfg_shell, username, "username", 1, "admin", 0, NULL, "Login name."),
	K_STR(struct cfg_shell, password_hash, "password-hash", 0, "", 0, cfg_check_password_hash,
	      "Login password as made by `leasewired --hash-password` (PBKDF2-HMAC-SHA256, "
	      "salted); empty: the shell does not start."),
	K_STR(struct cfg_shell, enable_password_hash, "enable-password-hash", 0, "", 0,
	      cfg_check_password_hash,
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
	K_CUSTOM(struct cfg_pool, first, "pool", cfg_parse_pool, "address range",
		 "\"first - last\" or \"prefix/len\"", CFG_REQUIRED,
		 "Dynamic addresses; inside the subnet, without its network and broadcast "
		 "addresses or the interface address, and not overlapping any other pool."),
};
static const struct cfg_schema pool_schema = SCHEMA(pool_keys, NULL);

static const struct cfg_key reservation_keys[] = {
	K_CUSTOM(struct cfg_reservation, hw_address, "hw-address", cfg_parse_hw_address, "hex",
		 "1 .. 16 bytes, packed or ':'/'-' separated", 0,
		 "Client hardware address (chaddr). Give this, client-id, or both."),
	K_CUSTOM(struct cfg_reservation, client_id, "client-id", cfg_parse_client_id, "hex",
		 "2 .. 255 bytes", 0, "Client identifier (option 61), type byte first."),
	{ .name = "ip-address",
	  .type = CT_IPV4,
	  .flags = CFG_REQUIRED,
	  .off = offsetof(struct cfg_reservation, ip_address),
	  .help = "Address always given to this client; inside the subnet, unique in it, in "
		  "or out of the pools." },
	K_STR(struct cfg_reservation, hostname, "hostname", 1, NULL, 0, cfg_check_hostname,
	      "Host name for the client."),
};
static const struct cfg_schema reservation_schema =
    SCHEMA(reservation_keys, cfg_reservation_finish);

static const struct cfg_key subnet_keys[] = {
	K_U32(struct cfg_subnet, id, "id", 1, UINT32_MAX, 0, CFG_REQUIRED,
	      "Subnet id, unique; lease records refer to it."),
	K_CUSTOM(struct cfg_subnet, prefix, "subnet", cfg_parse_subnet_prefix, "prefix",
		 "a.b.c.d/1 .. a.b.c.d/32, no host bits", CFG_REQUIRED,
		 "The subnet; must not overlap another subnet."),
	K_STR(struct cfg_subnet, interface, "interface", 1, NULL, 0, cfg_check_ifname,
	      "Interface the subnet is directly on; the subnet must contain its address. "
	      "Without it the subnet is served through relays only."),
	K_OBJ(struct cfg_subnet, 0, "relay", relay_schema, 0,
	      "Relay agents serving this subnet; required when \"interface\" is absent."),
	K_ARR(struct cfg_subnet, pools, "pools", pool_schema, 0, 1024, 0, "Dynamic address pools."),
	K_OPTIONS(struct cfg_subnet),
	K_ARR(struct cfg_subnet, reservations, "reservations", reservation_schema, 0, 1048576, 0,
	      "Fixed addresses for known clients."),
	K_LEASE_KEYS(struct cfg_subnet, CFG_INHERIT, 0, "Dhcp4.valid-lifetime",
		     "Dhcp4.renew-timer if set, else 50% (or t1-percent) of valid-lifetime",
		     "Dhcp4.rebind-timer if set, else 87.5% (or t2-percent) of valid-lifetime",
		     "Dhcp4.authoritative",
		     "valid-lifetime if the subnet sets it, else the Dhcp4 key", FROM_DHCP4),
	K_BOOL(struct cfg_subnet, dynamic_bootp, "dynamic-bootp", false, 0,
	       "Answer BOOTP clients with infinite leases from the pools (RFC 1534)."),
	K_DDNS_POLICY_KEYS(struct cfg_subnet, ddns, CFG_INHERIT, FROM_DHCP4),
};
const struct cfg_schema cfg_subnet_schema = SCHEMA(subnet_keys, cfg_subnet_finish);

static const struct cfg_key dhcp4_keys[] = {
	K_OBJ(struct lw_config, 0, "interfaces-config", ifcfg_schema, CFG_REQUIRED,
	      "Where the server listens."),
	K_LEASE_KEYS(struct lw_config, 0, 3600, NULL, "50% (or t1-percent) of valid-lifetime",
		     "87.5% (or t2-percent) of valid-lifetime", NULL, "valid-lifetime", FROM_NONE),
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
	K_OBJ(struct lw_config, offsetof(struct lw_config, failover), "failover",
	      cfg_failover_schema, CFG_PRESENCE,
	      "One failover relationship (draft-ietf-dhc-failover-12, interoperating with ISC "
	      "dhcpd; keys named as in its failover peer block). Absent, the server runs "
	      "standalone; present, its required keys must be given."),
	K_OBJ(struct lw_config, offsetof(struct lw_config, ddns), "ddns", cfg_ddns_schema,
	      CFG_PRESENCE,
	      "Where DNS updates go (RFC 2136 with TSIG): keys and zones with their servers, "
	      "shaped like Kea's DHCP-DDNS configuration. Absent, no update is sent."),
	K_DDNS_POLICY_KEYS(struct lw_config, ddns_policy, 0, FROM_NONE),
	K_OPTIONS(struct lw_config),
	K_ARR(struct lw_config, subnets, "subnet4", cfg_subnet_schema, 0, 65535, 0,
	      "Subnets served."),
};
static const struct cfg_schema dhcp4_schema =
    SECTION_SCHEMA(dhcp4_keys, cfg_dhcp4_finish, cfg_dhcp4_release);

/*
 * The top-level sections of the document, one line each, in the order they
 * are parsed and documented. This table is where a domain registers its
 * keys: the loader, config_free() and the Markdown generator walk it and
 * name no section. A new domain with a section of its own (DNS updates'
 * D2 server, say):
 *  1. adds its snapshot struct as a member of struct lw_config (config.h);
 *  2. writes its key tables and a SECTION_SCHEMA, here or in a file of its
 *     own (config_keys_<domain>.c, listed in common/meson.build), and
 *     declares that schema in config_internal.h;
 *  3. adds one K_SECTION line below, with the member's offset.
 * The schema's finish hook checks what spans its keys once they are all
 * parsed; its release hook frees what they allocated.
 * Keys that Kea keeps inside Dhcp4 go into dhcp4_keys as K_OBJ lines
 * instead, as "lease-store", "shell" and "failover" (Kea's
 * high-availability settings live in Dhcp4 too) do; a domain's table may
 * still live in its own file, as failover's does (config_keys_failover.c),
 * and a section that is absent when its feature is off is CFG_PRESENCE.
 */
#define K_SECTION(off, n, s, fl, h) K_OBJ(struct lw_config, off, n, s, fl, h)
static const struct cfg_key section_keys[] = {
	/* Dhcp4's keys fill struct lw_config itself, hence offset 0. */
	K_SECTION(0, "Dhcp4", dhcp4_schema, CFG_REQUIRED, "The DHCPv4 server."),
};
const struct cfg_schema cfg_root_schema = SCHEMA(section_keys, NULL);
