/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DHCPv4 / BOOTP message codec (RFC 951, 1542, 2131, 2132, 3046, 3396, 3527,
 * 4702, 3011). Pure: bytes in, struct or drop reason out; no globals, no
 * allocation, any thread.
 *
 * Options are parsed once into an index (STYLE rule 10): every option code
 * maps to one value in opt_data, where split instances of the same code
 * (RFC 3396) have been concatenated in the order main area, file, sname
 * (RFC 3396 sec 5 order when option 52 is present). Handlers look an option
 * up in O(1) with dhcp_msg_opt().
 */
#ifndef LW_DHCP_MSG_H
#define LW_DHCP_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mgmt/drop_reason.h"

#define DHCP_FIXED_LEN 236u /* op .. file, RFC 2131 fig 1 */
#define DHCP_COOKIE 0x63825363u
#define DHCP_MIN_MSG_SIZE 576u /* RFC 2131 sec 2: every client accepts this */
#define DHCP_MIN_REPLY_LEN 300u /* RFC 1542 sec 2.1: pad BOOTP replies to 300 */
#define DHCP_MAX_PAYLOAD 1472u /* 1500-byte MTU minus IPv4 and UDP headers */
#define DHCP_OPT_DATA_MAX 1536u /* sum of all option values fits in the payload */
#define DHCP_CLIENT_ID_MAX 255u
/*
 * Cap on one option's value after RFC 3396 concatenation (DROP_PARSE_CONCAT).
 * RFC 3396 sets no limit and DHCP_OPT_DATA_MAX cannot be reached from a
 * 1472-byte payload, so without this a single split option could take the
 * whole index; nothing a client or relay sends legitimately comes near it.
 */
#define DHCP_OPT_CONCAT_MAX 1024u

#define BOOTREQUEST 1
#define BOOTREPLY 2

enum dhcp_msg_type {
	DHCP_NONE = 0, /* plain BOOTP: no option 53 */
	DHCPDISCOVER = 1,
	DHCPOFFER = 2,
	DHCPREQUEST = 3,
	DHCPDECLINE = 4,
	DHCPACK = 5,
	DHCPNAK = 6,
	DHCPRELEASE = 7,
	DHCPINFORM = 8,
};

enum dhcp_opt_code {
	DHO_PAD = 0,
	DHO_SUBNET_MASK = 1,
	DHO_ROUTERS = 3,
	DHO_DNS_SERVERS = 6,
	DHO_HOST_NAME = 12,
	DHO_DOMAIN_NAME = 15,
	DHO_BROADCAST_ADDRESS = 28,
	DHO_REQUESTED_ADDRESS = 50,
	DHO_LEASE_TIME = 51,
	DHO_OVERLOAD = 52,
	DHO_MESSAGE_TYPE = 53,
	DHO_SERVER_ID = 54,
	DHO_PARAMETER_REQUEST_LIST = 55,
	DHO_MESSAGE = 56,
	DHO_MAX_MESSAGE_SIZE = 57,
	DHO_RENEWAL_TIME = 58,
	DHO_REBINDING_TIME = 59,
	DHO_VENDOR_CLASS_ID = 60,
	DHO_CLIENT_ID = 61,
	DHO_CLIENT_FQDN = 81,
	DHO_RELAY_AGENT_INFO = 82,
	DHO_SUBNET_SELECTION = 118,
	DHO_END = 255,
};

/* The broadcast bit of the BOOTP flags field (RFC 2131 sec 2, figure 2). */
#define DHCP_FLAG_BROADCAST 0x8000u

/* Relay agent information sub-options (RFC 3046, RFC 3527). */
#define RAI_CIRCUIT_ID 1
#define RAI_REMOTE_ID 2
#define RAI_LINK_SELECTION 5

struct dhcp_opt_ref {
	uint16_t off; /* into dhcp_msg.opt_data */
	uint16_t len;
};

/*
 * A parsed request. Addresses in host byte order. sname/file are copied raw
 * and never read as C strings. When option 52 moved options into sname or
 * file, the corresponding *_is_options flag is set.
 */
struct dhcp_msg {
	uint8_t op, htype, hlen, hops;
	uint32_t xid;
	uint16_t secs;
	uint16_t flags; /* DHCP_FLAG_BROADCAST and 15 bits that must be zero */
	uint32_t ciaddr, yiaddr, siaddr, giaddr;
	uint8_t chaddr[16];
	uint8_t sname[64];
	uint8_t file[128];
	bool sname_is_options, file_is_options;

	uint8_t msg_type; /* enum dhcp_msg_type, DHCP_NONE for BOOTP */
	bool has_cookie; /* false only for plain BOOTP without vendor area */

	/* Decoded convenience values; 0 when absent. */
	uint32_t requested_ip; /* option 50 */
	uint32_t server_id; /* option 54 */
	uint32_t subnet_selection; /* option 118 (RFC 3011) */
	uint32_t link_selection; /* option 82 sub-option 5 (RFC 3527) */
	uint32_t lease_time_req; /* option 51 in a request */
	uint16_t
	    max_msg_size; /* option 57, clamped to [576, DHCP_MAX_PAYLOAD + 28]; 0 when absent */

	uint8_t opt_present[256 / 8];
	/* opt[code] is valid only while code's opt_present bit is set (not cleared per parse). */
	struct dhcp_opt_ref opt[256];
	uint16_t opt_data_used;
	uint8_t opt_data[DHCP_OPT_DATA_MAX];
};

/*
 * Parse a BOOTP/DHCP payload (the UDP payload). Returns DROP_NONE and fills
 * *msg, or the reason the packet must be dropped. Accepts plain BOOTP (no
 * cookie, or a cookie with no option 53) with msg_type DHCP_NONE.
 * Validates: length >= 236, op == BOOTREQUEST, hlen <= 16, option lengths
 * within bounds, fixed-length options of the right size (50, 51, 54, 57, 118
 * and 53 must be 4/4/4/2/4/1), option 53 single-valued and a client type,
 * option 52 valid and not nested, 61 at least 2 bytes, 82 well formed
 * (sub-options inside the body, link-selection of length 4).
 * Any thread; no allocation.
 */
enum drop_reason dhcp_msg_parse(const uint8_t *payload, size_t len, struct dhcp_msg *msg);

static inline bool dhcp_msg_has(const struct dhcp_msg *msg, uint8_t code)
{
	return msg->opt_present[code >> 3] & (1u << (code & 7));
}

/* Value of option `code` (concatenated per RFC 3396); NULL when absent. */
static inline const uint8_t *dhcp_msg_opt(const struct dhcp_msg *msg, uint8_t code, uint16_t *len)
{
	if (!dhcp_msg_has(msg, code))
		return NULL;
	*len = msg->opt[code].len;
	return msg->opt_data + msg->opt[code].off;
}

/* Message type name ("DISCOVER", "BOOTP", "UNKNOWN"); any thread. */
const char *dhcp_msg_type_name(uint8_t msg_type);

/*
 * Render a one-line summary of msg into buf (at most len bytes, always NUL
 * terminated, printable ASCII only). Returns the number of bytes written
 * excluding NUL. Used for debug logs; fuzzed like the parser (CVE-2015-8373).
 */
size_t dhcp_msg_describe(const struct dhcp_msg *msg, char *buf, size_t len);

/*
 * Reply builder. Writes the BOOTP header copied from the request (xid, flags,
 * giaddr, chaddr, htype, hlen, hops 0; a relayed NAK also gets the broadcast
 * flag, RFC 2131 sec 4.3.2), the cookie, then options appended
 * with dhcp_reply_add(), and finally END and padding to 300 bytes.
 * `cap` is the room in buf; the caller passes min(cap, the client's maximum
 * message size minus IP/UDP headers). A value longer than 255 bytes is split
 * into several instances (RFC 3396). When an option does not fit it is left
 * out and -ENOSPC returned, while the message stays valid (room for END is
 * always reserved).
 */
struct dhcp_reply {
	uint8_t *buf;
	size_t cap;
	size_t len;
	int err; /* first error seen, 0 or negative errno */
	size_t end; /* set by finish: bytes up to and including END, before the padding */
};

int dhcp_reply_init(struct dhcp_reply *reply, uint8_t *buf, size_t cap, const struct dhcp_msg *req,
		    uint8_t msg_type, uint32_t yiaddr, uint32_t ciaddr, uint32_t siaddr);
int dhcp_reply_add(struct dhcp_reply *reply, uint8_t code, const void *value, size_t len);
int dhcp_reply_add_u32_checked(struct dhcp_reply *reply, uint8_t code, uint32_t value);

/* A four-byte value (addresses, times): the common case written inline. */
static inline int dhcp_reply_add_u32(struct dhcp_reply *reply, uint8_t code, uint32_t value)
{
	/* Ready (header written, not finished), a real code, room for 6 bytes and END. */
	if (reply && reply->buf && reply->len >= DHCP_FIXED_LEN + 4 &&
	    reply->len + 7 <= reply->cap && code != DHO_PAD && code != DHO_END) {
		uint8_t *p = reply->buf + reply->len;

		p[0] = code;
		p[1] = 4;
		p[2] = (uint8_t)(value >> 24);
		p[3] = (uint8_t)(value >> 16);
		p[4] = (uint8_t)(value >> 8);
		p[5] = (uint8_t)value;
		reply->len += 6;
		return 0;
	}
	return dhcp_reply_add_u32_checked(reply, code, value); /* its error */
}
/*
 * Append options already encoded (code, length, value; split per RFC 3396;
 * no PAD or END), e.g. a block built once by dhcp_reply_add() into another
 * reply. All or nothing: -ENOSPC leaves the reply as it was, like
 * dhcp_reply_add(). The caller vouches for the encoding.
 */
int dhcp_reply_add_encoded(struct dhcp_reply *reply, const uint8_t *opts, size_t len);
/* Terminate with END, pad to DHCP_MIN_REPLY_LEN; returns the final length or negative errno. */
/* finish closes the reply: a later dhcp_reply_add() returns -EINVAL. */
int dhcp_reply_finish(struct dhcp_reply *reply);

/*
 * RFC 1071 partial sum (inet_csum_partial(), seed 0) of a finished reply's
 * len bytes, for the UDP checksum. Only the bytes that can be non-zero are
 * read: sname and file are written as zeros and padding follows END, so a
 * 300-byte reply costs about a third of a full pass. The reply must have
 * been written by dhcp_reply_init/add/finish only.
 */
uint32_t dhcp_reply_sum(const struct dhcp_reply *reply);

#endif
