/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Every reason leasewire drops a packet, in one list. The enum, the
 * per-worker counters, telemetry and (later) the shell all expand this
 * X-macro, so a new reason is one line here and is visible everywhere.
 *
 * X(enum suffix, "counter-name", "why, with the rule it enforces")
 */
#ifndef LW_DROP_REASON_H
#define LW_DROP_REASON_H

// clang-format off
#define DROP_REASON_LIST(X) \
	X(NONE,              "none",              "not dropped") \
	/* layer 2-4 (frame.c) */ \
	X(L2_SHORT,          "l2-short",          "frame shorter than an Ethernet header") \
	X(L2_VLAN_DEPTH,     "l2-vlan-depth",     "more than two VLAN tags") \
	X(L2_NOT_IPV4,       "l2-not-ipv4",       "ethertype neither IPv4 nor ARP") \
	X(IP_HDR,            "ip-hdr",            "IPv4 header version/IHL invalid or beyond frame") \
	X(IP_LEN,            "ip-len",            "IPv4 total length inconsistent with frame") \
	X(IP_FRAG,           "ip-frag",           "IPv4 fragment (no reassembly, RFC 2131 sec 2)") \
	X(IP_CSUM,           "ip-csum",           "IPv4 header checksum wrong") \
	X(IP_NOT_UDP,        "ip-not-udp",        "IPv4 protocol is not UDP or ICMP") \
	X(IP_NOT_OURS,       "ip-not-ours",       "unicast to an address that is not ours") \
	X(UDP_LEN,           "udp-len",           "UDP length below 8 or beyond IP payload") \
	X(UDP_CSUM,          "udp-csum",          "UDP checksum wrong") \
	X(UDP_PORT,          "udp-port",          "UDP destination is not port 67") \
	X(ARP_INVALID,       "arp-invalid",       "ARP that is not an Ethernet/IPv4 request for us") \
	X(ICMP_INVALID,      "icmp-invalid",      "ICMP that is not an echo request for us") \
	/* BOOTP/DHCP codec (dhcp_msg.c) */ \
	X(PARSE_SHORT,       "parse-short",       "BOOTP payload shorter than 236 bytes (RFC 951)") \
	X(PARSE_OVERSIZE,    "parse-oversize",    "BOOTP payload larger than leasewire accepts") \
	X(PARSE_COOKIE,      "parse-cookie",      "magic cookie missing or wrong (RFC 2131 sec 3)") \
	X(PARSE_OPTION,      "parse-option",      "option runs past the end or has an invalid length (RFC 2132)") \
	X(PARSE_OVERLOAD,    "parse-overload",    "option 52 invalid (RFC 2132 sec 9.3)") \
	X(PARSE_CONCAT,      "parse-concat",      "concatenated option longer than the cap (RFC 3396)") \
	X(HLEN,              "hlen",              "hlen greater than 16 (RFC 2131 sec 2)") \
	X(OP_NOT_REQUEST,    "op-not-request",    "op is not BOOTREQUEST") \
	X(NO_MSG_TYPE,       "no-msg-type",       "option 53 missing on a DHCP packet") \
	X(MSG_TYPE,          "msg-type",          "option 53 unknown, duplicated or a server-only type") \
	X(CLIENT_ID,         "client-id",         "option 61 shorter than 2 bytes (RFC 2132 sec 9.14)") \
	X(NO_IDENTITY,       "no-identity",       "neither client identifier nor hardware address") \
	X(RAI,               "rai",               "option 82 malformed (RFC 3046 sec 2)") \
	X(HOPS,              "hops",              "hops above the relay limit (RFC 1542 sec 4.1.1)") \
	X(CLIENT_RATE,       "client-rate",       "client over its packet rate limit (rate-limit)") \
	/* semantics (dhcp_server.c) */ \
	X(NO_SUBNET,         "no-subnet",         "no configured subnet for the link") \
	X(GIADDR,            "giaddr",            "giaddr ours, not a host address, or on a frame from 0.0.0.0 (RFC 1542 sec 4.1.1)") \
	X(RFC_VIOLATION,     "rfc-violation",     "field combination RFC 2131 table 5 forbids") \
	X(NOT_FOR_US,        "not-for-us",        "REQUEST carries another server's identifier") \
	X(NOT_OUR_BUCKET,    "not-our-bucket",    "RFC 3074 bucket served by the failover partner") \
	X(PARTNER_ADDRESS,   "partner-address",   "REQUEST for a new binding of an address the failover partner allocates (FREE/BACKUP)") \
	X(FO_NO_SERVICE,     "fo-no-service",     "failover state without DHCP service: startup, recover, potential-conflict, ... (draft-12 sec 9.2)") \
	X(FO_RENEW_ONLY,     "fo-renew-only",     "failover recover-done answers RENEWING/REBINDING only (draft-12 sec 9.7.1)") \
	X(NO_BINDING,        "no-binding",        "no lease and not authoritative: stay silent") \
	X(NOT_OWNER,         "not-owner",         "RELEASE/DECLINE from a client that does not hold the address") \
	X(POOL_EXHAUSTED,    "pool-exhausted",    "no free address in any pool of the subnet") \
	X(BOOTP_DISABLED,    "bootp-disabled",    "BOOTP client on a subnet without dynamic BOOTP") \
	X(TABLE_FULL,        "table-full",        "lease record memory exhausted") \
	/* plumbing (dataplane) */ \
	X(STEER_RING_FULL,   "steer-ring-full",   "ring to the owner worker full") \
	X(EVENT_RING_FULL,   "event-ring-full",   "ring to the control thread full: ACK withheld") \
	X(PARK_FULL,         "park-full",         "parked-ACK queue full: ACK withheld") \
	X(ACK_NOT_DURABLE,   "ack-not-durable",   "journal did not commit in time: ACK withheld") \
	X(TX_FULL,           "tx-full",           "TX queue full") \
	X(NO_MBUF,           "no-mbuf",           "mbuf pool empty") \
	X(MULTI_SEGMENT,     "multi-segment",     "chained mbuf (jumbo) not accepted")
// clang-format on

enum drop_reason {
#define DROP_REASON_ENUM(name, str, help) DROP_##name,
	DROP_REASON_LIST(DROP_REASON_ENUM)
#undef DROP_REASON_ENUM
	    DROP__COUNT
};

/* Counter name for a reason ("parse-option"); any thread. */
const char *drop_reason_name(enum drop_reason reason);
/* One-line explanation for operators; any thread. */
const char *drop_reason_help(enum drop_reason reason);

#endif
