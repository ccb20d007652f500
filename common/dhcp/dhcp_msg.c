/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DHCPv4 / BOOTP codec. Every read of packet bytes goes through a wire
 * cursor (STYLE rule 9); validation is a ladder whose only exit is the drop
 * reason it returns (rule 11).
 *
 * Options are indexed in one walk when every code appears once (the common
 * case): check, index and copy together. A packet that repeats a code
 * (RFC 3396 split options) is indexed in two walks over the same areas: the
 * first checks the framing and sums the length of every code, which fixes
 * where each code's concatenated value lives in opt_data; the second copies
 * the values there. Two walks keep every code's value contiguous without a
 * per-instance table, and the areas hold at most 1424 bytes.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "dhcp/dhcp_msg.h"
#include "wire/inet_csum.h"
#include "wire/wire.h"

/* Field offsets of RFC 2131 fig 1; the vendor area starts at DHCP_FIXED_LEN. */
#define OFF_SNAME 44u
#define COOKIE_LEN 4u
#define OPTS_OFF (DHCP_FIXED_LEN + COOKIE_LEN)

/*
 * RFC 1542 sec 4.1.1: a relay discards a request whose hops exceed its
 * configured maximum, and that maximum may not be above 16. A server seeing
 * more has a relay loop or a forgery in front of it.
 */
#define DHCP_MAX_HOPS 16u

/* RFC 2131 sec 2: hlen counts bytes of the 16-byte chaddr. */
#define DHCP_MAX_HLEN 16u

/* Option 52 values are a bit set (RFC 2132 sec 9.3). */
#define OVERLOAD_FILE 1u
#define OVERLOAD_SNAME 2u

/* RFC 5107 server identifier override: an address, like link selection. */
#define RAI_SERVER_ID_OVERRIDE 11

/* Largest option 57 we honour: one MTU, the IP and UDP headers included. */
#define MAX_MSG_SIZE_CEIL (DHCP_MAX_PAYLOAD + 28u)

/* The presence map read eight bytes at a time: byte 0 holds codes 0..7, LSB first. */
static inline uint64_t le64_bits(uint64_t v)
{
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	return __builtin_bswap64(v);
#else
	return v;
#endif
}

/*
 * How a walk treats each option. The common packet names every code once,
 * and one walk can then check, index and copy (WALK_ONE). A code seen twice
 * (RFC 3396 split) stops that walk; the packet is then parsed again with
 * the two walks described at the top, from a clean index, so a split
 * packet gets exactly the treatment (and drop reason) it always had.
 */
enum walk_mode {
	WALK_ONE, /* check, index and copy in one go; stop at a repeated code */
	WALK_SUM, /* first of two: check and sum the length of every code */
	WALK_COPY, /* second of two: copy the values where opt_layout() put them */
};

/* State shared by the walks; lives on the parser's stack. */
struct opt_walk {
	struct dhcp_msg *msg;
	enum walk_mode mode;
	bool repeated; /* WALK_ONE met a code twice */
	uint8_t overload; /* option 52 value, set by the first walk of the main area */
	unsigned n_type; /* instances of option 53 */
	uint32_t used; /* WALK_ONE: bytes of opt_data filled */
};

static void opt_mark(struct dhcp_msg *msg, uint8_t code)
{
	msg->opt_present[code >> 3] |= (uint8_t)(1u << (code & 7));
}

/*
 * Walk one options area. Option 52 only means something in the main area
 * (RFC 2132 sec 9.3 names the fields it overloads); inside file or sname it
 * is skipped, so overload can never nest (Appendix A #40). The area ends at
 * END or at its last byte: an area filled exactly, leaving no room for END,
 * is accepted (Appendix A #29). Bytes after END are padding and not read.
 *
 * msg->opt[code] is only meaningful while the code's opt_present bit is
 * set; the index is not cleared per packet, so a code's entry is written
 * when its bit is first set.
 */
static enum drop_reason opt_walk_area(struct opt_walk *w, const uint8_t *area, size_t len,
				      bool main_area)
{
	struct dhcp_msg *msg = w->msg;
	struct wire_cursor c;

	wire_init(&c, area, len);
	while (wire_left(&c) > 0) {
		uint8_t code = wire_u8(&c);

		if (code == DHO_PAD)
			continue;
		if (code == DHO_END)
			break;
		/*
		 * RFC 2132 sec 2: a length byte, then the value. The cursor
		 * refuses either if it crosses the area, before any byte of
		 * the value is touched.
		 */
		uint8_t olen = wire_u8(&c);
		const uint8_t *val = wire_take(&c, olen);

		if (!wire_ok(&c))
			return DROP_PARSE_OPTION;
		if (code == DHO_OVERLOAD) {
			if (!main_area)
				continue;
			if (w->mode != WALK_COPY) {
				/* RFC 2132 sec 9.3: one byte, 1 (file), 2 (sname), 3 (both). */
				if (olen != 1 || val[0] < 1 || val[0] > 3 || w->overload)
					return DROP_PARSE_OVERLOAD;
				w->overload = val[0];
			}
		}

		struct dhcp_opt_ref *ref = &msg->opt[code];
		bool seen = dhcp_msg_has(msg, code);

		switch (w->mode) {
		case WALK_ONE:
			if (seen) {
				w->repeated = true;
				return DROP_NONE;
			}
			/* Unreachable from a 1472-byte payload; kept so the copy can never overrun. */
			if (w->used + olen > DHCP_OPT_DATA_MAX)
				return DROP_PARSE_CONCAT;
			opt_mark(msg, code);
			ref->off = (uint16_t)w->used;
			ref->len = olen;
			memcpy(msg->opt_data + w->used, val, olen);
			w->used += olen;
			break;
		case WALK_SUM:
			if (!seen) {
				opt_mark(msg, code);
				ref->len = 0;
			}
			if ((unsigned)ref->len + olen > DHCP_OPT_CONCAT_MAX)
				return DROP_PARSE_CONCAT;
			ref->len = (uint16_t)(ref->len + olen);
			break;
		case WALK_COPY:
			/* ref->len counts what is copied so far; the first walk sized the room. */
			memcpy(msg->opt_data + ref->off + ref->len, val, olen);
			ref->len = (uint16_t)(ref->len + olen);
			continue;
		}
		if (code == DHO_MESSAGE_TYPE)
			w->n_type++;
	}
	return DROP_NONE;
}

/*
 * Main area, then file, then sname: the order RFC 2131 sec 4.1 gives for
 * interpreting overloaded fields, and so the order RFC 3396 concatenates
 * split options in. A malformed option in file or sname drops the packet
 * like one in the main area: once option 52 claims a field, its contents
 * are options and nothing else (Appendix A #39).
 */
static enum drop_reason opt_walk_all(struct opt_walk *w, const uint8_t *opts, size_t len)
{
	struct dhcp_msg *msg = w->msg;
	enum drop_reason r;

	r = opt_walk_area(w, opts, len, true);
	if (r == DROP_NONE && !w->repeated && (w->overload & OVERLOAD_FILE))
		r = opt_walk_area(w, msg->file, sizeof(msg->file), false);
	if (r == DROP_NONE && !w->repeated && (w->overload & OVERLOAD_SNAME))
		r = opt_walk_area(w, msg->sname, sizeof(msg->sname), false);
	return r;
}

/*
 * Give every present code its slice of opt_data, in code order. ref->len is
 * reset so that the copy walk can use it as a fill mark; it ends equal to
 * the total again. Only present codes are visited (a bit scan of the
 * presence map), not all 256.
 */
static enum drop_reason opt_layout(struct dhcp_msg *msg)
{
	uint32_t used = 0;

	for (unsigned word = 0; word < sizeof(msg->opt_present) / 8; word++) {
		uint64_t bits;

		memcpy(&bits, msg->opt_present + word * 8, sizeof(bits));
		bits = le64_bits(bits);
		while (bits) {
			unsigned code = word * 64 + (unsigned)__builtin_ctzll(bits);
			struct dhcp_opt_ref *ref = &msg->opt[code];

			bits &= bits - 1;
			/* Unreachable from a 1472-byte payload; kept so the copy can never overrun. */
			if (used + ref->len > DHCP_OPT_DATA_MAX)
				return DROP_PARSE_CONCAT;
			ref->off = (uint16_t)used;
			used += ref->len;
			ref->len = 0;
		}
	}
	msg->opt_data_used = (uint16_t)used;
	return DROP_NONE;
}

static uint32_t opt_be32(const struct dhcp_msg *msg, uint8_t code)
{
	struct wire_cursor c;
	uint16_t len;
	const uint8_t *p = dhcp_msg_opt(msg, code, &len);

	if (!p)
		return 0;
	wire_init(&c, p, len);
	return wire_u32(&c);
}

/*
 * RFC 3046 sec 2: option 82 is a list of sub-options, each code, length,
 * value, with no PAD or END. Every header and value must lie inside the
 * body (dhcrelay's corrupt_agent_options). Sub-options later modules key
 * on must be unambiguous, so a second instance of one is refused rather
 * than have two readers pick different ones (Appendix A #56).
 */
static enum drop_reason rai_check(struct dhcp_msg *msg)
{
	struct wire_cursor c;
	uint16_t len;
	const uint8_t *body = dhcp_msg_opt(msg, DHO_RELAY_AGENT_INFO, &len);
	uint32_t seen = 0;

	if (len == 0)
		return DROP_RAI;
	wire_init(&c, body, len);
	while (wire_left(&c) > 0) {
		uint8_t sub = wire_u8(&c);
		uint8_t slen = wire_u8(&c);
		const uint8_t *val = wire_take(&c, slen);

		if (!wire_ok(&c))
			return DROP_RAI;
		switch (sub) {
		case RAI_CIRCUIT_ID:
		case RAI_REMOTE_ID:
			/*
			 * An empty id names nothing, and per-circuit limits
			 * keyed on it would lump unrelated clients together.
			 */
			if (slen == 0)
				return DROP_RAI;
			break;
		case RAI_LINK_SELECTION:
			/* RFC 3527 sec 3: exactly one IPv4 address. */
			if (slen != 4)
				return DROP_RAI;
			msg->link_selection = (uint32_t)val[0] << 24 | (uint32_t)val[1] << 16 |
					      (uint32_t)val[2] << 8 | val[3];
			break;
		case RAI_SERVER_ID_OVERRIDE:
			/* RFC 5107: exactly one IPv4 address. */
			if (slen != 4)
				return DROP_RAI;
			break;
		default: continue;
		}
		if (seen & (1u << sub))
			return DROP_RAI;
		seen |= 1u << sub;
	}
	return DROP_NONE;
}

/*
 * Options whose value has one legal size (RFC 2132 sec 9.1, 9.2, 9.6, 9.7,
 * 9.10; RFC 3011 sec 3), checked on the concatenated value. A short one read
 * as an address is the CVE-2018-20679 / CVE-2019-5747 class of overread.
 */
static const struct {
	uint8_t code;
	uint8_t len;
} opt_fixed_len[] = {
	{ DHO_REQUESTED_ADDRESS, 4 }, { DHO_LEASE_TIME, 4 },	   { DHO_MESSAGE_TYPE, 1 },
	{ DHO_SERVER_ID, 4 },	      { DHO_MAX_MESSAGE_SIZE, 2 }, { DHO_SUBNET_SELECTION, 4 },
};

/* Checks on the concatenated values, then decoding of the convenience fields. */
static enum drop_reason opt_validate(struct dhcp_msg *msg, unsigned n_type)
{
	uint16_t len;
	const uint8_t *p;

	/*
	 * Option 53 names one type; two instances are either a conflict or
	 * concatenate to a two-byte type, and neither has a meaning.
	 */
	if (n_type > 1)
		return DROP_MSG_TYPE;
	for (size_t i = 0; i < sizeof(opt_fixed_len) / sizeof(opt_fixed_len[0]); i++) {
		uint8_t code = opt_fixed_len[i].code;

		if (dhcp_msg_has(msg, code) && msg->opt[code].len != opt_fixed_len[i].len)
			return DROP_PARSE_OPTION;
	}

	p = dhcp_msg_opt(msg, DHO_MESSAGE_TYPE, &len);
	if (p) {
		/* RFC 2131 sec 3: OFFER, ACK and NAK only travel from servers. */
		if (p[0] < DHCPDISCOVER || p[0] > DHCPINFORM || p[0] == DHCPOFFER ||
		    p[0] == DHCPACK || p[0] == DHCPNAK)
			return DROP_MSG_TYPE;
		msg->msg_type = p[0];
	}

	/* RFC 2132 sec 9.14: a type byte and at least one byte of identifier. */
	if (dhcp_msg_opt(msg, DHO_CLIENT_ID, &len) && len < 2)
		return DROP_CLIENT_ID;

	if (dhcp_msg_has(msg, DHO_RELAY_AGENT_INFO)) {
		enum drop_reason r = rai_check(msg);

		if (r != DROP_NONE)
			return r;
	}

	msg->requested_ip = opt_be32(msg, DHO_REQUESTED_ADDRESS);
	msg->server_id = opt_be32(msg, DHO_SERVER_ID);
	msg->subnet_selection = opt_be32(msg, DHO_SUBNET_SELECTION);
	msg->lease_time_req = opt_be32(msg, DHO_LEASE_TIME);

	p = dhcp_msg_opt(msg, DHO_MAX_MESSAGE_SIZE, &len);
	if (p) {
		/*
		 * RFC 2132 sec 9.10: 576 is the floor; above our MTU we could
		 * not send it anyway. Clamping here means no writer trusts the
		 * raw value (CVE-2007-0062).
		 */
		unsigned size = (unsigned)p[0] << 8 | p[1];

		if (size < DHCP_MIN_MSG_SIZE)
			size = DHCP_MIN_MSG_SIZE;
		if (size > MAX_MSG_SIZE_CEIL)
			size = MAX_MSG_SIZE_CEIL;
		msg->max_msg_size = (uint16_t)size;
	}
	return DROP_NONE;
}

enum drop_reason dhcp_msg_parse(const uint8_t *payload, size_t len, struct dhcp_msg *msg)
{
	struct wire_cursor c;
	struct opt_walk w = { .msg = msg };
	enum drop_reason r;

	if (!payload || len < DHCP_FIXED_LEN)
		return DROP_PARSE_SHORT;
	/* No reassembly and no jumbo frames: a payload beyond one MTU is not ours. */
	if (len > DHCP_MAX_PAYLOAD)
		return DROP_PARSE_OVERSIZE;

	/*
	 * The header fields up to file are all written below; opt[] and
	 * opt_data are only read through opt_present, so they need no
	 * clearing. What is left is the flags, the decoded values and the
	 * presence map: about 60 bytes instead of the whole 3 KiB struct.
	 */
	memset(&msg->sname_is_options, 0,
	       offsetof(struct dhcp_msg, opt) - offsetof(struct dhcp_msg, sname_is_options));

	wire_init(&c, payload, len);
	msg->op = wire_u8(&c);
	msg->htype = wire_u8(&c);
	msg->hlen = wire_u8(&c);
	msg->hops = wire_u8(&c);
	msg->xid = wire_u32(&c);
	msg->secs = wire_u16(&c);
	msg->flags = wire_u16(&c);
	msg->ciaddr = wire_u32(&c);
	msg->yiaddr = wire_u32(&c);
	msg->siaddr = wire_u32(&c);
	msg->giaddr = wire_u32(&c);
	wire_read(&c, msg->chaddr, sizeof(msg->chaddr));
	wire_read(&c, msg->sname, sizeof(msg->sname));
	wire_read(&c, msg->file, sizeof(msg->file));
	if (!wire_ok(&c))
		return DROP_PARSE_SHORT;

	/* RFC 951 sec 3: op 1 is a request; a server never consumes replies. */
	if (msg->op != BOOTREQUEST)
		return DROP_OP_NOT_REQUEST;
	if (msg->hlen > DHCP_MAX_HLEN)
		return DROP_HLEN;
	if (msg->hops > DHCP_MAX_HOPS)
		return DROP_HOPS;

	/*
	 * RFC 1497 and RFC 2131 sec 3: the vendor area starts with the
	 * cookie. An RFC 951 client that uses no vendor format leaves it zero
	 * (or sends none at all, 236 bytes): that is plain BOOTP. Anything
	 * else is a vendor format we do not speak, or a damaged DHCP packet.
	 */
	size_t vend = len - DHCP_FIXED_LEN;
	size_t magic_len = vend < COOKIE_LEN ? vend : COOKIE_LEN;
	const uint8_t *magic = wire_take(&c, magic_len);
	uint32_t cookie = 0;
	bool zero = true;

	for (size_t i = 0; i < magic_len; i++) {
		cookie = cookie << 8 | magic[i];
		zero = zero && magic[i] == 0;
	}
	if (zero) {
		msg->msg_type = DHCP_NONE;
		return DROP_NONE;
	}
	if (magic_len < COOKIE_LEN || cookie != DHCP_COOKIE)
		return DROP_PARSE_COOKIE;
	msg->has_cookie = true;

	size_t opts_len = wire_left(&c);
	const uint8_t *opts = wire_take(&c, opts_len);

	w.mode = WALK_ONE;
	r = opt_walk_all(&w, opts, opts_len);
	if (r != DROP_NONE)
		return r;
	if (w.repeated) {
		/* RFC 3396 split options: start again with the two walks. */
		memset(msg->opt_present, 0, sizeof(msg->opt_present));
		w = (struct opt_walk){ .msg = msg, .mode = WALK_SUM };
		r = opt_walk_all(&w, opts, opts_len);
		if (r != DROP_NONE)
			return r;
		r = opt_layout(msg);
		if (r != DROP_NONE)
			return r;
		w.mode = WALK_COPY;
		r = opt_walk_all(&w, opts, opts_len);
		if (r != DROP_NONE)
			return r;
	} else {
		msg->opt_data_used = (uint16_t)w.used;
	}

	msg->sname_is_options = w.overload & OVERLOAD_SNAME;
	msg->file_is_options = w.overload & OVERLOAD_FILE;
	/*
	 * A cookie without option 53 is a BOOTP client using RFC 1497 vendor
	 * extensions (RFC 1534 sec 2): msg_type stays DHCP_NONE.
	 */
	return opt_validate(msg, w.n_type);
}

const char *dhcp_msg_type_name(uint8_t msg_type)
{
	static const char *const names[] = {
		[DHCP_NONE] = "BOOTP",	   [DHCPDISCOVER] = "DISCOVER", [DHCPOFFER] = "OFFER",
		[DHCPREQUEST] = "REQUEST", [DHCPDECLINE] = "DECLINE",	[DHCPACK] = "ACK",
		[DHCPNAK] = "NAK",	   [DHCPRELEASE] = "RELEASE",	[DHCPINFORM] = "INFORM",
	};

	return msg_type < sizeof(names) / sizeof(names[0]) ? names[msg_type] : "UNKNOWN";
}

/*
 * Bounded text appender for dhcp_msg_describe(): pos < cap always and
 * buf[pos] is always NUL, so a truncated line is still a C string.
 */
struct text {
	char *buf;
	size_t cap;
	size_t pos;
};

__attribute__((format(printf, 2, 3))) static void text_printf(struct text *t, const char *fmt, ...)
{
	size_t room = t->cap - t->pos;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(t->buf + t->pos, room, fmt, ap);
	va_end(ap);
	if (n < 0) {
		t->buf[t->pos] = '\0';
		return;
	}
	t->pos += (size_t)n < room ? (size_t)n : room - 1;
}

/*
 * Packet bytes are rendered printable-only: a log line must not carry a
 * terminal escape or a newline an attacker chose (the CVE-2015-8373 class).
 */
static void text_escape(struct text *t, const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '"' && p[i] != '\\')
			text_printf(t, "%c", p[i]);
		else
			text_printf(t, "\\x%02x", p[i]);
	}
}

/* Longest host name echoed into a log line; the rest is elided. */
#define DESCRIBE_HOST_MAX 64u

size_t dhcp_msg_describe(const struct dhcp_msg *msg, char *buf, size_t len)
{
	struct text t = { .buf = buf, .cap = len };
	unsigned hlen;
	const uint8_t *p;
	uint16_t olen;
	char sep = '=';

	if (!buf || len == 0)
		return 0;
	buf[0] = '\0';
	if (!msg)
		return 0;

	text_printf(&t, "%s xid=0x%08x chaddr=", dhcp_msg_type_name(msg->msg_type), msg->xid);
	hlen = msg->hlen < sizeof(msg->chaddr) ? msg->hlen : sizeof(msg->chaddr);
	for (unsigned i = 0; i < hlen; i++)
		text_printf(&t, i ? ":%02x" : "%02x", msg->chaddr[i]);
	if (hlen == 0)
		text_printf(&t, "-");
	text_printf(&t, " ciaddr=%u.%u.%u.%u giaddr=%u.%u.%u.%u", msg->ciaddr >> 24,
		    msg->ciaddr >> 16 & 0xff, msg->ciaddr >> 8 & 0xff, msg->ciaddr & 0xff,
		    msg->giaddr >> 24, msg->giaddr >> 16 & 0xff, msg->giaddr >> 8 & 0xff,
		    msg->giaddr & 0xff);
	if (msg->hops)
		text_printf(&t, " hops=%u", msg->hops);
	text_printf(&t, " opts");
	for (unsigned code = 1; code < 255; code++) {
		if (!dhcp_msg_has(msg, (uint8_t)code))
			continue;
		text_printf(&t, "%c%u", sep, code);
		sep = ',';
	}
	if (sep == '=')
		text_printf(&t, "=-");
	p = dhcp_msg_opt(msg, DHO_HOST_NAME, &olen);
	if (p) {
		text_printf(&t, " host=\"");
		text_escape(&t, p, olen < DESCRIBE_HOST_MAX ? olen : DESCRIBE_HOST_MAX);
		text_printf(&t, olen > DESCRIBE_HOST_MAX ? "\"..." : "\"");
	}
	return t.pos;
}

/* Keep the first error for the caller; return this one. */
static int reply_fail(struct dhcp_reply *reply, int err)
{
	if (!reply->err)
		reply->err = err;
	return err;
}

/* A reply is usable once init wrote the fixed header and the cookie. */
static bool reply_is_ready(const struct dhcp_reply *reply)
{
	return reply->buf && reply->len >= OPTS_OFF && reply->len < reply->cap;
}

static inline void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/*
 * The writers below check the room once per call and then store directly:
 * a reply is written into a buffer we own, never read from the wire, and
 * every store lies inside the `need` bytes the check covered.
 */
int dhcp_reply_init(struct dhcp_reply *reply, uint8_t *buf, size_t cap, const struct dhcp_msg *req,
		    uint8_t msg_type, uint32_t yiaddr, uint32_t ciaddr, uint32_t siaddr)
{
	if (!reply)
		return -EINVAL;
	/* A DHCP payload is a UDP payload: the cap keeps lengths in an int. */
	*reply = (struct dhcp_reply){ .buf = buf, .cap = cap < UINT16_MAX ? cap : UINT16_MAX };
	if (!buf || !req || msg_type > DHCPINFORM)
		return reply_fail(reply, -EINVAL);
	/* Header, cookie, option 53 when DHCP, and the byte kept for END. */
	if (reply->cap < OPTS_OFF + (msg_type != DHCP_NONE ? 3u : 0u) + 1u)
		return reply_fail(reply, -ENOSPC);

	/*
	 * RFC 2131 table 3: hops and secs 0; xid, flags, giaddr, chaddr copied,
	 * except that a NAK through a relay gets the broadcast bit (sec 4.3.2):
	 * the relay must broadcast it, the client's address being in doubt.
	 */
	uint16_t flags = req->flags;
	if (msg_type == DHCPNAK && req->giaddr)
		flags |= DHCP_FLAG_BROADCAST;

	buf[0] = BOOTREPLY;
	buf[1] = req->htype;
	buf[2] = req->hlen;
	buf[3] = 0;
	put_be32(buf + 4, req->xid);
	put_be16(buf + 8, 0);
	put_be16(buf + 10, flags); /* a relay broadcasts the reply when B is set */
	put_be32(buf + 12, ciaddr);
	put_be32(buf + 16, yiaddr);
	put_be32(buf + 20, siaddr);
	put_be32(buf + 24, req->giaddr); /* the relay finds its client's link by it */
	memcpy(buf + 28, req->chaddr, sizeof(req->chaddr));
	/* sname and file are never echoed: they may hold the request's options. */
	memset(buf + OFF_SNAME, 0, sizeof(req->sname) + sizeof(req->file));
	put_be32(buf + DHCP_FIXED_LEN, DHCP_COOKIE);
	reply->len = OPTS_OFF;

	if (msg_type != DHCP_NONE) {
		uint8_t *p = buf + OPTS_OFF;

		p[0] = DHO_MESSAGE_TYPE;
		p[1] = 1;
		p[2] = msg_type;
		reply->len += 3;
	}
	return 0;
}

/* Encoded size of a value of len bytes: RFC 3396 pieces of 255, two header bytes each. */
static size_t opt_encoded_len(size_t len)
{
	size_t pieces = len ? (len + 254) / 255 : 1;

	return len + 2 * pieces;
}

int dhcp_reply_add(struct dhcp_reply *reply, uint8_t code, const void *value, size_t len)
{
	const uint8_t *val = value;

	if (!reply)
		return -EINVAL;
	if (!reply_is_ready(reply) || code == DHO_PAD || code == DHO_END || (len && !value))
		return reply_fail(reply, -EINVAL);

	/*
	 * RFC 3396: a value over 255 bytes goes out as consecutive
	 * instances of the code. A zero-length option is one header.
	 */
	size_t need = opt_encoded_len(len);

	/* One byte stays free for END, so the message is valid at any point. */
	if (need > reply->cap - reply->len - 1)
		return reply_fail(reply, -ENOSPC);

	uint8_t *p = reply->buf + reply->len;
	do {
		size_t n = len > 255 ? 255 : len;

		p[0] = code;
		p[1] = (uint8_t)n;
		/* An empty option may come with a NULL value: no memcpy from it. */
		if (n) {
			memcpy(p + 2, val, n);
			val += n;
			len -= n;
		}
		p += 2 + n;
	} while (len);
	reply->len += need;
	return 0;
}

int dhcp_reply_add_u32_checked(struct dhcp_reply *reply, uint8_t code, uint32_t value)
{
	if (!reply)
		return -EINVAL;
	if (!reply_is_ready(reply) || code == DHO_PAD || code == DHO_END)
		return reply_fail(reply, -EINVAL);
	if (6 > reply->cap - reply->len - 1)
		return reply_fail(reply, -ENOSPC);

	uint8_t *p = reply->buf + reply->len;

	p[0] = code;
	p[1] = 4;
	put_be32(p + 2, value);
	reply->len += 6;
	return 0;
}

int dhcp_reply_add_encoded(struct dhcp_reply *reply, const uint8_t *opts, size_t len)
{
	if (!reply)
		return -EINVAL;
	if (!reply_is_ready(reply) || (len && !opts))
		return reply_fail(reply, -EINVAL);
	if (len > reply->cap - reply->len - 1)
		return reply_fail(reply, -ENOSPC);
	if (len)
		memcpy(reply->buf + reply->len, opts, len);
	reply->len += len;
	return 0;
}

int dhcp_reply_finish(struct dhcp_reply *reply)
{
	if (!reply)
		return -EINVAL;
	if (!reply_is_ready(reply))
		return reply->err ? reply->err : -EINVAL;

	size_t target = DHCP_MIN_REPLY_LEN < reply->cap ? DHCP_MIN_REPLY_LEN : reply->cap;

	reply->buf[reply->len++] = DHO_END;
	reply->end = reply->len;
	/* RFC 1542 sec 2.1: some relays and BOOTP clients drop replies under 300 bytes. */
	if (reply->len < target) {
		memset(reply->buf + reply->len, 0, target - reply->len);
		reply->len = target;
	}
	/* Close the reply: nothing may follow END, so later adds see no room. */
	reply->cap = reply->len;
	return (int)reply->len;
}

uint32_t dhcp_reply_sum(const struct dhcp_reply *reply)
{
	/* Finished by dhcp_reply_finish(): [OFF_SNAME, DHCP_FIXED_LEN) and [end, len) are zero. */
	if (!reply || !reply->buf || reply->end < OPTS_OFF || reply->end > reply->len ||
	    reply->cap != reply->len)
		return reply && reply->buf ? inet_csum_partial(reply->buf, reply->len, 0) : 0;
	/* Both pieces start at even offsets, so the chain sums the same 16-bit words. */
	return inet_csum_partial(reply->buf + DHCP_FIXED_LEN, reply->end - DHCP_FIXED_LEN,
				 inet_csum_partial(reply->buf, OFF_SNAME, 0));
}
