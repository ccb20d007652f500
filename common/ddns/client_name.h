/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The client's name for DNS: the Client FQDN option (81, RFC 4702) or the
 * Host Name option (12), decided against the server's policy (Kea's ddns-*
 * keys, struct cfg_ddns_policy) into the name to register, which records
 * the server will update, and the option to put in the OFFER or ACK.
 * Pure: no allocation, no globals, any thread; it runs in the fast path,
 * once per OFFER/ACK of a client that sent option 81 or 12 (or of every
 * client when the policy generates names).
 *
 * Names are kept in presentation form, lower case, absolute but without
 * the final dot ("host1.example.test"): that is what the lease record,
 * "show lease" and the exports hold, and what the DHCID is computed over
 * (in canonical wire form, RFC 4701 sec 3.5).
 *
 * Decisions taken where the RFCs leave room (docs/ddns.md says the same):
 *  - Characters outside letters, digits and '-' in a label are replaced by
 *    the policy's char_replacement (Kea's hostname-char-replacement with
 *    its default hostname-char-set "[^A-Za-z0-9.-]"); "" removes them.
 *    A label left empty, or a name over 253 bytes, means no name.
 *  - N=1 together with S=1 is invalid (RFC 4702 sec 2.1): the option is
 *    ignored, as if the client had sent none, and counted; the client is
 *    still served (Kea drops the whole packet; a client without DNS is
 *    better than a client without an address).
 *  - A name of one label is a host name and is qualified with the
 *    suffix, whatever its encoding claims (ISC dhclient sends "host1" as a
 *    fully qualified wire name; a single-label name in DNS is no one's);
 *    option 12 with several labels is the client's FQDN (Kea). A final dot
 *    is dropped.
 *  - A reservation's hostname wins over what the client sent (Kea).
 */
#ifndef LW_DDNS_CLIENT_NAME_H
#define LW_DDNS_CLIENT_NAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"

struct dhcp_msg;

/* RFC 4702 sec 2.1 flags. */
#define FQDN_F_S 0x01 /* server does the A update */
#define FQDN_F_O 0x02 /* server overrode the client's S */
#define FQDN_F_E 0x04 /* name in canonical wire encoding */
#define FQDN_F_N 0x08 /* no updates at all */

#define DNS_NAME_TEXT_MAX 253 /* presentation form without the final dot */
#define DNS_LABEL_MAX 63

enum client_name_source {
	CLIENT_NAME_NONE = 0,
	CLIENT_NAME_FQDN, /* option 81 */
	CLIENT_NAME_HOSTNAME, /* option 12 */
	CLIENT_NAME_RESERVED, /* the reservation's hostname */
	CLIENT_NAME_GENERATED, /* ddns-generated-prefix + address + suffix */
};

/* Why a client's option was not used as it came; counted by the caller. */
enum client_name_issue {
	CLIENT_NAME_OK = 0,
	CLIENT_NAME_BAD_LENGTH, /* option 81 shorter than its 3 fixed bytes */
	CLIENT_NAME_BAD_FLAGS, /* N and S both set */
	CLIENT_NAME_BAD_ENCODING, /* wire labels overrun the option, label > 63, compression */
	CLIENT_NAME_SANITISED, /* characters replaced or removed */
	CLIENT_NAME_TOO_LONG, /* over 253 bytes once qualified */
	CLIENT_NAME_EMPTY, /* nothing left after sanitising */
};

struct client_name {
	uint8_t source; /* enum client_name_source */
	uint8_t issue; /* enum client_name_issue: the first one met */
	bool fwd, rev; /* the server updates A+DHCID / PTR */
	uint8_t len; /* of name, 0 when none */
	char name[DNS_NAME_TEXT_MAX + 1];
	/* The option for the reply: code 81 or 12, 0 for none. */
	uint8_t reply_code;
	uint16_t
	    reply_len; /* flags, rcodes and a 255-byte wire name exceed 255: RFC 3396 splits it */
	uint8_t reply[3 + 255];
};

/*
 * Decide the name of the client that sent req and will hold yiaddr (host
 * order), under pol. reserved is the reservation's hostname or NULL.
 * Fills *out; returns true when out->len > 0 or there is a reply option.
 */
bool client_name_decide(const struct cfg_ddns_policy *pol, const struct dhcp_msg *req,
			uint32_t yiaddr, const char *reserved, struct client_name *out);

/*
 * Canonical wire form (RFC 4034 sec 6.2) of a presentation name as kept in
 * the lease: lower case, length-prefixed labels, the root label at the end.
 * Returns the length (<= 255) or -EINVAL for an empty label or a label over
 * 63 bytes. Pure.
 */
int dns_name_to_wire(const char *name, size_t len, uint8_t *wire, size_t cap);

const char *client_name_issue_name(uint8_t issue);

#endif
