/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Dhcp4.failover: one failover relationship (draft-ietf-dhc-failover-12),
 * its keys named after ISC dhcpd's "failover peer" statements, the peer
 * we must interoperate with (../shared/specs/failover.md sec 12). Failover
 * owns this slice of the configuration (STYLE rule 2): the key table, the
 * parse hook of "hba" and the checks that span keys.
 */
#include <stddef.h>
#include <string.h>

#include "config/config_internal.h"

/* Indexed by enum cfg_fo_role; NONE has no spelling, so "role" starts at PRIMARY. */
static const char *const role_names[] = {
	[CFG_FO_ROLE_NONE] = "",
	[CFG_FO_ROLE_PRIMARY] = "primary",
	[CFG_FO_ROLE_SECONDARY] = "secondary",
	NULL,
};
static const char *const polarity_names[] = {
	[CFG_FO_HBA_ISC] = "isc",
	[CFG_FO_HBA_DRAFT] = "draft",
	NULL,
};

#define FO_PORT 647 /* draft-12 sec 8.2; ISC's DEFAULT_FAILOVER_PORT */
#define FO_MCLT_MAX (30 * 86400)
#define FO_BUCKETS 256 /* RFC 3074 sec 6: the hash is one octet */

/* relationship-name (draft-12 sec 12.22) is compared byte for byte with the partner's. */
static int check_peer_name(struct walk *w, const char *s)
{
	for (const char *p = s; *p; p++)
		if (*p < 0x20 || *p > 0x7e)
			return cfg_walk_err(w, "\"%.64s\" may only contain printable ASCII", s);
	return 0;
}

/* ISC's "hba": 32 hex bytes, one bit per bucket (RFC 3074 sec 5.2 layout). */
static int parse_hba(struct walk *w, const struct cfg_key *k, json_t *v, void *obj)
{
	struct cfg_failover *fo = obj;
	uint8_t hba[sizeof(fo->hba)];
	const char *s = NULL;
	int rc;

	(void)k;
	if ((rc = cfg_get_string(w, v, &s)))
		return rc;
	if (!strchr(s, ':') || cfg_hex_parse(s, ":", hba, sizeof(hba)) != (int)sizeof(hba))
		return cfg_walk_err(w, "\"%.64s\" must be 32 hex bytes separated by ':'", s);
	memcpy(fo->hba, hba, sizeof(hba));
	fo->hba_set = true;
	return 0;
}

/* Checks that span keys; runs only when the section is present (CFG_PRESENCE). */
static int failover_finish(struct walk *w, void *obj, uint64_t seen)
{
	struct cfg_failover *fo = obj;
	bool split_seen = cfg_key_seen(&cfg_failover_schema, seen, "split");
	char a[16];

	fo->enabled = true;
	for (int i = 0; i < 2; i++) {
		uint32_t ip = i ? fo->peer_address : fo->address;

		/* A TCP endpoint: not 0.0.0.0, multicast, class E or broadcast. */
		if (ip == 0 || ip >= 0xe0000000u) {
			cfg_path_key(w, i ? "peer-address" : "address");
			return cfg_walk_err(w, "%s is not a unicast address", cfg_ip_str(ip, a));
		}
	}
	if (fo->address == fo->peer_address && fo->port == fo->peer_port) {
		cfg_path_key(w, "peer-address");
		return cfg_walk_err(w, "%s port %u is this server's own address and port",
				    cfg_ip_str(fo->peer_address, a), fo->peer_port);
	}
	if (fo->role == CFG_FO_ROLE_SECONDARY) {
		/* ISC refuses them too: "secondary may not define load balance settings". */
		if (split_seen || fo->hba_set) {
			cfg_path_key(w, split_seen ? "split" : "hba");
			return cfg_walk_err(w, "a secondary takes its buckets from the primary's "
					       "CONNECT; set it on the primary");
		}
		fo->split = 0;
		return 0;
	}
	if (split_seen && fo->hba_set) {
		cfg_path_key(w, "hba");
		return cfg_walk_err(w, "give split or hba, not both");
	}
	if (fo->hba_set) {
		fo->split = 0;
	} else {
		for (unsigned int b = 0; b < fo->split; b++)
			fo->hba[b / 8] |= (uint8_t)(1u << (b % 8));
	}
	return 0;
}

static const struct cfg_key failover_keys[] = {
	K_STR(struct cfg_failover, name, "peer-name", 1, NULL, CFG_REQUIRED, check_peer_name,
	      "The relationship-name (draft-12 sec 12.22); the same on both servers."),
	K_ENUM(struct cfg_failover, role, "role", role_names, CFG_FO_ROLE_PRIMARY, 0, CFG_REQUIRED,
	       "primary, secondary",
	       "This server's side; the primary sends the CONNECT and owns the split."),
	K_IPV4(struct cfg_failover, address, "address", CFG_REQUIRED,
	       "This server's address on the failover link: it listens on it and connects from "
	       "it (a kernel interface address, not a DPDK port's)."),
	K_U16(struct cfg_failover, port, "port", 1, 65535, FO_PORT, 0,
	      "TCP port this server listens on."),
	K_IPV4(struct cfg_failover, peer_address, "peer-address", CFG_REQUIRED,
	       "The partner's address: connections go to it, and inbound connections are "
	       "accepted only from it."),
	K_U16(struct cfg_failover, peer_port, "peer-port", 1, 65535, FO_PORT, 0,
	      "TCP port the partner listens on; address and port must not both equal ours."),
	K_U32(struct cfg_failover, mclt, "mclt", 1, FO_MCLT_MAX, 3600, 0,
	      "Maximum client lead time, seconds (draft-12 sec 12.15); the primary sends it in "
	      "the CONNECT and a secondary adopts the primary's."),
	K_U16(struct cfg_failover, split, "split", 0, FO_BUCKETS, 128, 0,
	      "Primary only: hash buckets 0 .. split-1 (RFC 3074) are the primary's, the rest "
	      "the secondary's; 128 is half each. Not with hba; a secondary refuses it."),
	{ .name = "hba",
	  .type = CT_CUSTOM,
	  .parse = parse_hba,
	  .off = offsetof(struct cfg_failover, hba),
	  .type_doc = "hex",
	  .range_doc = "32 bytes, ':' separated",
	  .def_doc = "split's map",
	  .help = "Primary only, instead of split: the bucket map, bit set = bucket served by the "
		  "primary, least significant bit of the first byte = bucket 0 (ISC's hba)." },
	K_U16(struct cfg_failover, lb_max_secs, "load-balance-max-seconds", 0, 65535, 3, 0,
	      "A client whose secs field exceeds this is answered whatever its bucket (RFC 3074 "
	      "sec 5.3 delayed service); 0 turns load balancing off, both servers answer all "
	      "(ISC's load balance max seconds). Set it alike on both servers."),
	K_U32(struct cfg_failover, max_response_delay, "max-response-delay", 1, 3600, 20, 0,
	      "Seconds without a message from the partner before the connection is considered "
	      "lost; sent as our receive-timer (draft-12 sec 12.19)."),
	K_U32(struct cfg_failover, max_unacked_updates, "max-unacked-updates", 1, 1000, 10, 0,
	      "Binding updates the partner may send before it waits for our acknowledgements; "
	      "sent as max-unacked-bndupd (draft-12 sec 12.14)."),
	K_U32(struct cfg_failover, auto_partner_down, "auto-partner-down", 0, FO_MCLT_MAX, 0, 0,
	      "Seconds in COMMUNICATIONS-INTERRUPTED after which this server goes to "
	      "PARTNER-DOWN on its own (draft-12 sec 9.9.1 safe period); 0: only the operator's "
	      "`failover partner-down` does."),
	K_U32(struct cfg_failover, startup_secs, "startup-time", 0, 3600, 15, 0,
	      "Seconds in STARTUP after a start before the stored state is resumed (draft-12 "
	      "sec 9.3; ISC waits 15)."),
	K_ENUM(struct cfg_failover, hba_polarity, "hba-polarity", polarity_names, 0, CFG_FO_HBA_ISC,
	       0, "isc, draft",
	       "What a set bit of the CONNECT's hash-bucket-assignment means: isc = the primary "
	       "serves the bucket (ISC dhcpd); draft = the secondary does (draft-12 sec 5.3 read "
	       "literally). Set it for the partner's implementation."),
};
const struct cfg_schema cfg_failover_schema = SCHEMA(failover_keys, failover_finish);
