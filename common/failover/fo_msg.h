/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Failover message codec (draft-ietf-dhc-failover-12 sec 6; ISC dhcpd 4.4.3
 * as the peer it must interoperate with, ../shared/specs/failover.md sec 12).
 * Pure: bytes in, struct or error code out; no globals, no allocation, any
 * thread. The TCP session frames the stream (fo_msg_frame_len()) and hands
 * one whole message at a time to fo_msg_parse().
 *
 * The parsed form copies the message and indexes its options once
 * (STYLE rule 10): fo_msg_opt() and the typed accessors are O(1).
 *
 * Repeated options. Draft sec 6.2: an option appears once per message,
 * except that BNDUPD and BNDACK may batch several binding transactions,
 * each starting with assigned-IP-address (sec 6.3, 7.1, 7.2). So:
 *  - in BNDUPD/BNDACK, an assigned-IP-address after the first starts a new
 *    transaction; at most FO_BINDINGS_MAX of them (MS-DHCPF's cap; nothing
 *    legitimate sends more and ISC sends one);
 *  - any other repeat, within one transaction or anywhere in another message
 *    type, is FO_ERR_OPT_DUP (ISC drops the connection on it too).
 * The index shows one transaction at a time: the first after parsing, any
 * other after fo_msg_select_binding(). Options before the first
 * assigned-IP-address (a message-digest, sec 11.1) belong to the first.
 *
 * Unknown options (code 0 or above FO_OPT_CODE_MAX, e.g. Microsoft's 30-41)
 * are skipped as draft sec 6.1 says, and counted in n_unknown. Values are
 * not judged here (a server-state of 77 parses): what a value means is the
 * state machine's business, the codec only guarantees its size.
 */
#ifndef LW_FO_MSG_H
#define LW_FO_MSG_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "failover/fo_codes.h"
#include "wire/wire.h"

#define FO_HDR_LEN 12u /* length, type, payload offset, time, xid (draft sec 6.1) */
#define FO_MSG_MAX 2048u /* draft sec 6.1: largest message a peer may send */
#define FO_POFF_ISC 12u /* what ISC sends and requires (specs sec 12 pitfall 1) */
#define FO_POFF_MS 8u /* Microsoft's reading of the draft's "8"; header is 12 all the same */
#define FO_OPT_HDR_LEN 4u /* code and length, 16 bits each (draft sec 6.2) */
#define FO_BINDINGS_MAX 16u

/*
 * Every reason a message is refused, in one list shared by the enum, the
 * session's counters and its log lines (like mgmt/drop_reason.h), with
 * what the session does about it. A message it cannot read is a protocol
 * error that ends the connection (draft sec 6.1; ISC does the same, specs
 * sec 2): after a framing error the stream cannot even be resynchronised.
 * X(enum suffix, action, "counter-name", "why, with the rule it enforces")
 */
// clang-format off
#define FO_ERR_LIST(X) \
	X(NONE,         ACCEPT, "none",          "parsed") \
	X(SHORT,        CLOSE,  "hdr-short",     "fewer bytes than the 12-byte fixed header (draft sec 6.1)") \
	X(LEN_FIELD,    CLOSE,  "hdr-len",       "message length below 12 or above 2048 (draft sec 6.1)") \
	X(TRUNCATED,    CLOSE,  "hdr-truncated", "message length says more bytes than were given") \
	X(TRAILING,     CLOSE,  "hdr-trailing",  "bytes given beyond the message length") \
	X(POFF,         CLOSE,  "hdr-poff",      "payload offset past the message, or below 12 and not Microsoft's 8 (draft sec 6.1)") \
	X(TYPE_UNKNOWN, CLOSE,  "type-unknown",  "message type 0 or 13-127: close the connection (draft sec 6.1)") \
	X(TYPE_IGNORE,  IGNORE, "type-ignored",  "message type 128-255: ignore the message (draft sec 6.1)") \
	X(OPT_TRUNC,    CLOSE,  "opt-trunc",     "option header or value runs past the end of the message (draft sec 6.2)") \
	X(OPT_LEN,      CLOSE,  "opt-len",       "option length not what its format has (draft sec 12, ISC server/stables.c)") \
	X(OPT_DUP,      CLOSE,  "opt-dup",       "option repeated in one message or binding transaction (draft sec 6.2)") \
	X(BINDINGS,     CLOSE,  "opt-bindings",  "more than 16 binding transactions in one BNDUPD/BNDACK")
// clang-format on

enum fo_err {
#define FO_ERR_ENUM(name, act, str, help) FO_ERR_##name,
	FO_ERR_LIST(FO_ERR_ENUM)
#undef FO_ERR_ENUM
	    FO_ERR__COUNT
};

enum fo_err_action {
	FO_ACT_ACCEPT, /* parsed: hand it to the state machine */
	FO_ACT_IGNORE, /* drop this message, keep the connection */
	FO_ACT_CLOSE, /* protocol error: close the connection (a reject first where one applies) */
};

/* Counter name ("opt-len"), one-line explanation and action of an error; any thread. */
const char *fo_err_name(enum fo_err err);
const char *fo_err_help(enum fo_err err);
enum fo_err_action fo_err_action(enum fo_err err);

struct fo_hdr {
	uint16_t len; /* the whole message, these 2 bytes included */
	uint8_t type; /* enum fo_msg_type */
	uint8_t poff; /* as received; see fo_msg.opts_off */
	uint32_t time; /* sender's clock at transmission, secs since 1970 */
	uint32_t xid; /* copied into the response (draft sec 6.1) */
};

struct fo_opt_ref {
	uint16_t off; /* of the value, into fo_msg.raw */
	uint16_t len;
};

struct fo_msg {
	struct fo_hdr hdr;
	uint16_t opts_off; /* first option: poff, or 12 for Microsoft's 8 */
	uint16_t n_unknown; /* options skipped as unknown, all transactions */
	uint8_t n_bindings; /* transactions in a BNDUPD/BNDACK (assigned-IP count); else 0 */
	uint8_t binding; /* the transaction the index shows */
	/* After an OPT_* error: the option's code and its offset in the message. */
	uint16_t err_opt;
	uint16_t err_off;
	uint32_t present; /* bit `code` set: opt[code] is valid */
	struct fo_opt_ref opt[FO_OPT_CODE_MAX + 1];
	/* Transaction i spans [binding_off[i], binding_off[i + 1]) of raw. */
	uint16_t binding_off[FO_BINDINGS_MAX + 1];
	uint8_t raw[FO_MSG_MAX];
};

/*
 * Length of the message at the start of a stream buffer: the value of its
 * length field, 0 while fewer than 2 bytes are buffered, or -EBADMSG when
 * the field is below 12 or above FO_MSG_MAX (the stream cannot be framed
 * any more: close it). Any thread.
 */
int fo_msg_frame_len(const uint8_t *buf, size_t len);

/*
 * Parse one whole message of len bytes. Returns FO_ERR_NONE and fills *msg,
 * or the error. Checked, in this order: 12 header bytes, the length field
 * within [12, 2048] and equal to len, the payload offset, the message type,
 * then every option: inside the message, of a length its format allows
 * (fo_codes.h), not repeated. Once the header is read (any error but SHORT,
 * LEN_FIELD) msg->hdr is valid, so a session can answer with the xid, e.g.
 * CONNECTACK reject 18 for an OPT_LEN on the HBA. Any thread.
 */
enum fo_err fo_msg_parse(const uint8_t *buf, size_t len, struct fo_msg *msg);

/*
 * Point the index at binding transaction i of a parsed BNDUPD/BNDACK.
 * Returns 0, or -ERANGE when i >= n_bindings (the index is then unchanged).
 */
int fo_msg_select_binding(struct fo_msg *msg, unsigned i);

static inline bool fo_msg_has(const struct fo_msg *msg, unsigned code)
{
	return code <= FO_OPT_CODE_MAX && (msg->present >> code & 1u);
}

/* Value of option `code` in the current transaction; NULL (len untouched) when absent. */
static inline const uint8_t *fo_msg_opt(const struct fo_msg *msg, unsigned code, uint16_t *len)
{
	if (!fo_msg_has(msg, code))
		return NULL;
	*len = msg->opt[code].len;
	return msg->raw + msg->opt[code].off;
}

/*
 * Integer value of a fixed-size option: 0 and *v set, or -ENOENT when the
 * option is absent. The parser has checked the size, the cursor checks it
 * again, so a wrong pairing of code and width reads -EBADMSG, never past it.
 */
static inline int fo_msg_get_uint(const struct fo_msg *msg, unsigned code, size_t width,
				  uint32_t *v)
{
	struct wire_cursor c;
	uint16_t len;
	const uint8_t *p = fo_msg_opt(msg, code, &len);

	if (!p)
		return -ENOENT;
	wire_init(&c, p, len);
	*v = width == 1 ? wire_u8(&c) : width == 2 ? wire_u16(&c) : wire_u32(&c);
	return wire_ok(&c) && wire_left(&c) == 0 ? 0 : -EBADMSG;
}

/*
 * Typed accessors, one per option, named after it: fo_msg_server_state(m,
 * &u8), fo_msg_mclt(m, &u32), fo_msg_assigned_ip(m, &u32 host order),
 * fo_msg_hba(m, &len) (32 bytes), fo_msg_client_id(m, &len), ... Integer
 * ones return 0 or -ENOENT; byte ones the value or NULL. Any thread.
 */
#define FO_ACC_INT(lower, code, ctype, width) \
	static inline int fo_msg_##lower(const struct fo_msg *msg, ctype *v) \
	{ \
		uint32_t u = 0; \
		int rc = fo_msg_get_uint(msg, code, width, &u); \
		if (rc == 0) \
			*v = (ctype)u; \
		return rc; \
	}
#define FO_ACC_U8(lower, code) FO_ACC_INT(lower, code, uint8_t, 1)
#define FO_ACC_U16(lower, code) FO_ACC_INT(lower, code, uint16_t, 2)
#define FO_ACC_U32(lower, code) FO_ACC_INT(lower, code, uint32_t, 4)
#define FO_ACC_TIME(lower, code) FO_ACC_U32(lower, code)
#define FO_ACC_IP(lower, code) FO_ACC_U32(lower, code)
#define FO_ACC_BYTES(lower, code) \
	static inline const uint8_t *fo_msg_##lower(const struct fo_msg *msg, uint16_t *len) \
	{ \
		return fo_msg_opt(msg, code, len); \
	}
#define FO_ACC_TEXT(lower, code) FO_ACC_BYTES(lower, code)
#define FO_ACC(name, lower, code, str, kind, min, max) FO_ACC_##kind(lower, code)
FO_OPT_LIST(FO_ACC)
#undef FO_ACC

/*
 * Message builder. start writes the header, the options follow in the order
 * they are added, finish fills the length and the payload offset. Layout is
 * ISC's: a 12-byte header and payload offset 12 (poff is kept in the builder
 * so a Microsoft peer's 8 is one assignment away, not implemented yet).
 * Every add checks the room first and leaves the message as it was on
 * -ENOSPC; a known option with a length its format does not allow is
 * -EINVAL (never send ISC a size it drops the connection for, specs sec 12
 * pitfall 3). The first error is kept in err and returned by finish.
 * Unknown codes are written as given. Any thread; the buffer is the caller's.
 */
struct fo_builder {
	struct wire_cursor c;
	int err; /* first error, 0 or negative errno */
	bool open; /* between start and finish */
	uint8_t poff;
};

/* cap is clamped to FO_MSG_MAX. Returns 0, -EINVAL (type not 1..12) or -ENOSPC. */
int fo_build_start(struct fo_builder *b, uint8_t *buf, size_t cap, uint8_t type, uint32_t time,
		   uint32_t xid);
int fo_build_opt(struct fo_builder *b, uint16_t code, const void *val, size_t len);
int fo_build_uint(struct fo_builder *b, uint16_t code, size_t width, uint32_t v);
/* Returns the message length, or the first error (negative errno). Closes the builder. */
int fo_build_finish(struct fo_builder *b);

/*
 * Typed adders, one per option: fo_build_server_state(b, u8),
 * fo_build_assigned_ip(b, host-order u32), fo_build_hba(b, map, 32),
 * fo_build_relationship_name(b, name, len), ... Same returns as fo_build_opt.
 */
#define FO_PUT_INT(lower, code, ctype, width) \
	static inline int fo_build_##lower(struct fo_builder *b, ctype v) \
	{ \
		return fo_build_uint(b, code, width, v); \
	}
#define FO_PUT_U8(lower, code) FO_PUT_INT(lower, code, uint8_t, 1)
#define FO_PUT_U16(lower, code) FO_PUT_INT(lower, code, uint16_t, 2)
#define FO_PUT_U32(lower, code) FO_PUT_INT(lower, code, uint32_t, 4)
#define FO_PUT_TIME(lower, code) FO_PUT_U32(lower, code)
#define FO_PUT_IP(lower, code) FO_PUT_U32(lower, code)
#define FO_PUT_BYTES(lower, code) \
	static inline int fo_build_##lower(struct fo_builder *b, const void *val, size_t len) \
	{ \
		return fo_build_opt(b, code, val, len); \
	}
#define FO_PUT_TEXT(lower, code) FO_PUT_BYTES(lower, code)
#define FO_PUT(name, lower, code, str, kind, min, max) FO_PUT_##kind(lower, code)
FO_OPT_LIST(FO_PUT)
#undef FO_PUT

/* The size limits of a known option code (fo_codes.h); false for an unknown code. Any thread. */
bool fo_opt_limits(unsigned code, uint16_t *min, uint16_t *max);

#endif
