/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests for common/dhcp/dhcp_msg.c: the hostile inputs of reliability.md
 * Appendix A that reach the codec (each with the exact drop reason), real
 * dhclient captures, hand-built Windows and relayed requests, and golden
 * bytes for the reply builder.
 *
 * Captured inputs are read from $LW_TEST_DATA, by default the source tree's tests/data
 * (compiled in by meson).
 */
#include <check.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dhcp/dhcp_msg.h"
#include "wire/inet_csum.h"

#define PKT_MAX 9100 /* room for a jumbo-frame payload */

/* Offsets of RFC 2131 fig 1. */
#define OFF_OP 0
#define OFF_HLEN 2
#define OFF_HOPS 3
#define OFF_GIADDR 24
#define OFF_SNAME 44
#define OFF_FILE 108
#define OFF_COOKIE 236
#define OFF_OPTS 240

static const uint8_t test_mac[6] = { 0x02, 0x00, 0x5e, 0x10, 0x20, 0x30 };
#define TEST_XID 0x11223344u

struct pkt {
	uint8_t b[PKT_MAX];
	size_t len;
};

/* A DHCP request header with a cookie and no options yet. */
static void pkt_header(struct pkt *p)
{
	memset(p, 0, sizeof(*p));
	p->b[OFF_OP] = BOOTREQUEST;
	p->b[1] = 1; /* Ethernet */
	p->b[OFF_HLEN] = 6;
	p->b[4] = TEST_XID >> 24;
	p->b[5] = TEST_XID >> 16 & 0xff;
	p->b[6] = TEST_XID >> 8 & 0xff;
	p->b[7] = TEST_XID & 0xff;
	memcpy(p->b + 28, test_mac, sizeof(test_mac));
	p->b[OFF_COOKIE] = 0x63;
	p->b[OFF_COOKIE + 1] = 0x82;
	p->b[OFF_COOKIE + 2] = 0x53;
	p->b[OFF_COOKIE + 3] = 0x63;
	p->len = OFF_OPTS;
}

static void pkt_put(struct pkt *p, const void *v, size_t n)
{
	ck_assert_uint_le(p->len + n, sizeof(p->b));
	memcpy(p->b + p->len, v, n);
	p->len += n;
}

static void pkt_opt(struct pkt *p, uint8_t code, uint8_t len, const void *v)
{
	uint8_t hdr[2] = { code, len };

	pkt_put(p, hdr, 2);
	pkt_put(p, v, len);
}

static void pkt_u8(struct pkt *p, uint8_t v) { pkt_put(p, &v, 1); }

/* An option of `len` bytes all equal to `fill`. */
static void pkt_opt_fill(struct pkt *p, uint8_t code, uint8_t len, uint8_t fill)
{
	uint8_t v[255];

	memset(v, fill, len);
	pkt_opt(p, code, len, v);
}

/* ---- Table of inputs: header, optional file/sname contents, options, fix-up. ---- */

struct codec_case {
	const char *name;
	enum drop_reason want;
	const uint8_t *opts;
	size_t opts_len;
	const uint8_t *file;
	size_t file_len;
	const uint8_t *sname;
	size_t sname_len;
	void (*fixup)(struct pkt *p);
};

#define BYTES(...) (const uint8_t[]){ __VA_ARGS__ }, sizeof((const uint8_t[]){ __VA_ARGS__ })
#define OPTS(...) .opts = BYTES(__VA_ARGS__)
#define FILEA(...) .file = BYTES(__VA_ARGS__)
#define SNAME(...) .sname = BYTES(__VA_ARGS__)

static void case_build(const struct codec_case *c, struct pkt *p)
{
	pkt_header(p);
	if (c->file)
		memcpy(p->b + OFF_FILE, c->file, c->file_len);
	if (c->sname)
		memcpy(p->b + OFF_SNAME, c->sname, c->sname_len);
	if (c->opts)
		pkt_put(p, c->opts, c->opts_len);
	if (c->fixup)
		c->fixup(p);
}

static void fix_len_0(struct pkt *p) { p->len = 0; }
static void fix_len_100(struct pkt *p) { p->len = 100; }
static void fix_len_235(struct pkt *p) { p->len = 235; }
static void fix_len_238(struct pkt *p) { p->len = 238; }
static void fix_len_1473(struct pkt *p) { p->len = 1473; }
static void fix_len_9000(struct pkt *p) { p->len = 9000; }
static void fix_cookie_62(struct pkt *p) { p->b[OFF_COOKIE + 3] = 0x62; }
static void fix_cookie_swapped(struct pkt *p)
{
	memcpy(p->b + OFF_COOKIE, (const uint8_t[]){ 0x63, 0x53, 0x82, 0x63 }, 4);
}
static void fix_op_2(struct pkt *p) { p->b[OFF_OP] = BOOTREPLY; }
static void fix_op_0(struct pkt *p) { p->b[OFF_OP] = 0; }
static void fix_hlen_17(struct pkt *p) { p->b[OFF_HLEN] = 17; }
static void fix_hlen_255(struct pkt *p) { p->b[OFF_HLEN] = 255; }
static void fix_ib_hlen_20(struct pkt *p)
{
	p->b[1] = 32; /* InfiniBand */
	p->b[OFF_HLEN] = 20;
}
static void fix_hops_17(struct pkt *p) { p->b[OFF_HOPS] = 17; }
static void fix_hops_255(struct pkt *p) { p->b[OFF_HOPS] = 255; }

/* Appendix A #41: option 82 split so that the concatenation passes the cap. */
static void fix_concat_82(struct pkt *p)
{
	pkt_opt(p, DHO_OVERLOAD, 1, (const uint8_t[]){ 1 });
	for (int i = 0; i < 4; i++)
		pkt_opt_fill(p, DHO_RELAY_AGENT_INFO, 255, 0x02);
	pkt_u8(p, DHO_END);
	/* 4 x 255 in the main area, 10 more in file: 1030 > DHCP_OPT_CONCAT_MAX. */
	p->b[OFF_FILE] = DHO_RELAY_AGENT_INFO;
	p->b[OFF_FILE + 1] = 10;
	memset(p->b + OFF_FILE + 2, 0x02, 10);
	p->b[OFF_FILE + 12] = DHO_END;
}

/* A PRL of 1025 bytes split over five instances in the main area. */
static void fix_concat_55(struct pkt *p)
{
	for (int i = 0; i < 4; i++)
		pkt_opt_fill(p, DHO_PARAMETER_REQUEST_LIST, 255, 1);
	pkt_opt_fill(p, DHO_PARAMETER_REQUEST_LIST, 5, 3);
	pkt_u8(p, DHO_END);
}

/* file and sname all 'A' and unterminated: garbage if read as options. */
static void fix_fields_all_a(struct pkt *p)
{
	memset(p->b + OFF_SNAME, 'A', 64);
	memset(p->b + OFF_FILE, 'A', 128);
}

static void fix_file_overrun(struct pkt *p)
{
	/* The last option of file claims more bytes than the field has left. */
	p->b[OFF_FILE + 120] = DHO_HOST_NAME;
	p->b[OFF_FILE + 121] = 10;
}

static void fix_sname_code_no_len(struct pkt *p) { p->b[OFF_SNAME + 63] = DHO_HOST_NAME; }

/*
 * Malformed inputs: every one must be dropped, for exactly this reason.
 * Names follow reliability.md Appendix A where the case is listed there.
 */
static const struct codec_case bad_cases[] = {
	/* RFC 951 fixed header */
	{ "empty", DROP_PARSE_SHORT, .fixup = fix_len_0 },
	{ "truncated_header_100", DROP_PARSE_SHORT, .fixup = fix_len_100 },
	{ "bootp_235", DROP_PARSE_SHORT, .fixup = fix_len_235 },
	{ "payload_1473", DROP_PARSE_OVERSIZE, .fixup = fix_len_1473 },
	{ "frame_jumbo_9000", DROP_PARSE_OVERSIZE, .fixup = fix_len_9000 },
	{ "bad_magic_cookie", DROP_PARSE_COOKIE, OPTS(53, 1, 1, 255), .fixup = fix_cookie_62 },
	{ "cookie_byteswapped", DROP_PARSE_COOKIE, OPTS(53, 1, 1, 255),
	  .fixup = fix_cookie_swapped },
	{ "cookie_truncated_238", DROP_PARSE_COOKIE, .fixup = fix_len_238 },
	{ "op_bootreply", DROP_OP_NOT_REQUEST, OPTS(53, 1, 1, 255), .fixup = fix_op_2 },
	{ "op_zero", DROP_OP_NOT_REQUEST, OPTS(53, 1, 1, 255), .fixup = fix_op_0 },
	{ "hlen_17", DROP_HLEN, OPTS(53, 1, 1, 255), .fixup = fix_hlen_17 },
	{ "hlen_255", DROP_HLEN, OPTS(53, 1, 1, 255), .fixup = fix_hlen_255 },
	{ "htype_ib_hlen20", DROP_HLEN, OPTS(53, 1, 1, 255), .fixup = fix_ib_hlen_20 },
	{ "hops_over_max", DROP_HOPS, OPTS(53, 1, 1, 255), .fixup = fix_hops_17 },
	{ "hops_255", DROP_HOPS, OPTS(53, 1, 1, 255), .fixup = fix_hops_255 },
	/* RFC 2132 sec 2 option framing */
	{ "opt_len_overrun", DROP_PARSE_OPTION, OPTS(53, 1, 1, 12, 10, 'a', 'b') },
	{ "opt_len_overrun_by_one", DROP_PARSE_OPTION, OPTS(53, 1, 1, 12, 3, 'a', 'b') },
	{ "opt_code_no_len", DROP_PARSE_OPTION, OPTS(53, 1, 1, 12) },
	{ "opt_code_no_len_after_pad", DROP_PARSE_OPTION, OPTS(53, 1, 1, 0, 0, 0, 61) },
	{ "no_end_garbage", DROP_PARSE_OPTION, OPTS(53, 1, 1, 'A', 'A', 'A') },
	/* RFC 2132 sec 9.3 option overload */
	{ "ovl52_len0", DROP_PARSE_OVERLOAD, OPTS(53, 1, 1, 52, 0, 255) },
	{ "ovl52_len2", DROP_PARSE_OVERLOAD, OPTS(53, 1, 1, 52, 2, 1, 1, 255) },
	{ "ovl52_value0", DROP_PARSE_OVERLOAD, OPTS(53, 1, 1, 52, 1, 0, 255) },
	{ "ovl52_value4", DROP_PARSE_OVERLOAD, OPTS(53, 1, 1, 52, 1, 4, 255) },
	{ "ovl52_value255", DROP_PARSE_OVERLOAD, OPTS(53, 1, 1, 52, 1, 255, 255) },
	{ "ovl52_twice", DROP_PARSE_OVERLOAD, OPTS(53, 1, 1, 52, 1, 1, 52, 1, 2, 255) },
	{ "ovl52_file_overrun", DROP_PARSE_OPTION, OPTS(53, 1, 1, 52, 1, 1, 255),
	  .fixup = fix_file_overrun },
	{ "ovl52_file_unterminated_garbage", DROP_PARSE_OPTION, OPTS(53, 1, 1, 52, 1, 1, 255),
	  .fixup = fix_fields_all_a },
	{ "ovl52_sname_code_no_len", DROP_PARSE_OPTION, OPTS(53, 1, 1, 52, 1, 2, 255),
	  .fixup = fix_sname_code_no_len },
	{ "ovl52_both_sname_bad", DROP_PARSE_OPTION, OPTS(53, 1, 1, 52, 1, 3, 255),
	  FILEA(12, 2, 'o', 'k', 255), .fixup = fix_sname_code_no_len },
	/* RFC 3396 concatenation */
	{ "rfc3396_concat_huge", DROP_PARSE_CONCAT, OPTS(53, 1, 1), .fixup = fix_concat_82 },
	{ "rfc3396_concat_prl", DROP_PARSE_CONCAT, OPTS(53, 1, 1), .fixup = fix_concat_55 },
	/* RFC 2132 sec 9.14 client identifier */
	{ "cid_len0", DROP_CLIENT_ID, OPTS(53, 1, 1, 61, 0, 255) },
	{ "cid_len1", DROP_CLIENT_ID, OPTS(53, 1, 1, 61, 1, 1, 255) },
	{ "cid_split_len1", DROP_CLIENT_ID, OPTS(53, 1, 1, 61, 0, 52, 1, 1, 255),
	  FILEA(61, 1, 1, 255) },
	/* RFC 2132 sec 9.6 message type */
	{ "msgtype_len0", DROP_PARSE_OPTION, OPTS(53, 0, 255) },
	{ "msgtype_len2", DROP_PARSE_OPTION, OPTS(53, 2, 1, 1, 255) },
	{ "msgtype_0", DROP_MSG_TYPE, OPTS(53, 1, 0, 255) },
	{ "msgtype_9", DROP_MSG_TYPE, OPTS(53, 1, 9, 255) },
	{ "msgtype_19", DROP_MSG_TYPE, OPTS(53, 1, 19, 255) },
	{ "msgtype_255", DROP_MSG_TYPE, OPTS(53, 1, 255, 255) },
	{ "msgtype_offer", DROP_MSG_TYPE, OPTS(53, 1, DHCPOFFER, 255) },
	{ "msgtype_ack", DROP_MSG_TYPE, OPTS(53, 1, DHCPACK, 255) },
	{ "msgtype_nak", DROP_MSG_TYPE, OPTS(53, 1, DHCPNAK, 255) },
	{ "msgtype_dup_conflict", DROP_MSG_TYPE, OPTS(53, 1, 1, 53, 1, 3, 255) },
	{ "msgtype_dup_same", DROP_MSG_TYPE, OPTS(53, 1, 3, 53, 1, 3, 255) },
	{ "msgtype_dup_in_file", DROP_MSG_TYPE, OPTS(53, 1, 1, 52, 1, 1, 255),
	  FILEA(53, 1, 3, 255) },
	/* fixed-length options, RFC 2132 sec 9.1/9.2/9.7/9.10, RFC 3011 */
	{ "opt50_len3", DROP_PARSE_OPTION, OPTS(53, 1, 3, 50, 3, 10, 0, 0, 255) },
	{ "opt50_split_len5", DROP_PARSE_OPTION,
	  OPTS(53, 1, 3, 50, 2, 10, 0, 50, 3, 0, 1, 2, 255) },
	{ "opt54_len5", DROP_PARSE_OPTION, OPTS(53, 1, 3, 54, 5, 10, 0, 0, 1, 0, 255) },
	{ "opt51_len2", DROP_PARSE_OPTION, OPTS(53, 1, 1, 51, 2, 0x0e, 0x10, 255) },
	{ "opt57_len1", DROP_PARSE_OPTION, OPTS(53, 1, 1, 57, 1, 0xff, 255) },
	{ "opt57_len0", DROP_PARSE_OPTION, OPTS(53, 1, 1, 57, 0, 255) },
	{ "opt118_len3", DROP_PARSE_OPTION, OPTS(53, 1, 1, 118, 3, 10, 1, 2, 255) },
	/* RFC 3046 relay agent information */
	{ "opt82_len0", DROP_RAI, OPTS(53, 1, 1, 82, 0, 255) },
	{ "opt82_subopt_overrun", DROP_RAI, OPTS(53, 1, 1, 82, 4, 1, 5, 'a', 'b', 255) },
	{ "opt82_subopt_no_len", DROP_RAI, OPTS(53, 1, 1, 82, 4, 1, 1, 'x', 2, 255) },
	{ "opt82_circuit_len0", DROP_RAI, OPTS(53, 1, 1, 82, 2, 1, 0, 255) },
	{ "opt82_remote_len0", DROP_RAI, OPTS(53, 1, 1, 82, 5, 1, 1, 'x', 2, 0, 255) },
	{ "opt82_circuit_dup", DROP_RAI, OPTS(53, 1, 1, 82, 6, 1, 1, 'x', 1, 1, 'y', 255) },
	{ "opt82_link_sel_len3", DROP_RAI, OPTS(53, 1, 1, 82, 5, 5, 3, 10, 0, 0, 255) },
	{ "opt82_link_sel_len5", DROP_RAI, OPTS(53, 1, 1, 82, 7, 5, 5, 10, 0, 0, 0, 0, 255) },
	{ "opt82_srvid_override_len5", DROP_RAI,
	  OPTS(53, 1, 1, 82, 7, 11, 5, 10, 0, 0, 1, 0, 255) },
	{ "opt82_link_sel_dup", DROP_RAI,
	  OPTS(53, 1, 1, 82, 12, 5, 4, 10, 0, 0, 0, 5, 4, 10, 0, 1, 0, 255) },
};

START_TEST(test_bad_input)
{
	const struct codec_case *c = &bad_cases[_i];
	static struct pkt p;
	struct dhcp_msg msg;
	enum drop_reason got;

	case_build(c, &p);
	got = dhcp_msg_parse(p.b, p.len, &msg);
	ck_assert_msg(got == c->want, "%s: got %s, want %s", c->name, drop_reason_name(got),
		      drop_reason_name(c->want));
}
END_TEST

/* ---- Hostile inputs the codec must accept (Appendix A "Accept"/"Sanitise"). ---- */

struct good_case {
	struct codec_case in;
	uint8_t msg_type;
	void (*check)(const struct dhcp_msg *msg);
};

static void fix_len_236(struct pkt *p) { p->len = DHCP_FIXED_LEN; }

static void fix_bootp_300(struct pkt *p)
{
	/* RFC 951 client: 64-byte vendor area left zero. */
	memset(p->b + OFF_COOKIE, 0, 64);
	p->len = 300;
}

static void fix_pad_flood(struct pkt *p)
{
	memset(p->b + p->len, DHO_PAD, 1200);
	p->len += 1200;
	pkt_put(p, (const uint8_t[]){ 53, 1, 1, 255 }, 4);
}

static void fix_cid_255(struct pkt *p)
{
	pkt_opt_fill(p, DHO_CLIENT_ID, 255, 0xcc);
	pkt_u8(p, DHO_END);
}

static void fix_prl_255(struct pkt *p)
{
	uint8_t prl[255];

	for (int i = 0; i < 255; i++)
		prl[i] = (uint8_t)(i % 254 + 1);
	pkt_opt(p, DHO_PARAMETER_REQUEST_LIST, 255, prl);
	pkt_u8(p, DHO_END);
}

static void check_bootp_no_cookie(const struct dhcp_msg *msg)
{
	ck_assert(!msg->has_cookie);
	ck_assert_uint_eq(msg->xid, TEST_XID);
	ck_assert_mem_eq(msg->chaddr, test_mac, 6);
	for (unsigned code = 0; code < 256; code++)
		ck_assert(!dhcp_msg_has(msg, (uint8_t)code));
}

static void check_cookie_no_53(const struct dhcp_msg *msg)
{
	ck_assert(msg->has_cookie);
	ck_assert(!dhcp_msg_has(msg, DHO_MESSAGE_TYPE));
}

static void check_fields_raw(const struct dhcp_msg *msg)
{
	for (size_t i = 0; i < sizeof(msg->sname); i++)
		ck_assert_uint_eq(msg->sname[i], 'A');
	for (size_t i = 0; i < sizeof(msg->file); i++)
		ck_assert_uint_eq(msg->file[i], 'A');
	ck_assert(!msg->sname_is_options && !msg->file_is_options);
}

static void check_nested_overload(const struct dhcp_msg *msg)
{
	uint16_t len;
	const uint8_t *v = dhcp_msg_opt(msg, DHO_OVERLOAD, &len);

	/* The 52 inside file is not followed: sname (all 'A') is never walked. */
	ck_assert_ptr_nonnull(v);
	ck_assert_uint_eq(len, 1);
	ck_assert_uint_eq(v[0], 1);
	ck_assert(msg->file_is_options);
	ck_assert(!msg->sname_is_options);
	v = dhcp_msg_opt(msg, DHO_HOST_NAME, &len);
	ck_assert_ptr_nonnull(v);
	ck_assert_uint_eq(len, 1);
	ck_assert_uint_eq(v[0], 'x');
}

static void check_cid_255(const struct dhcp_msg *msg)
{
	uint16_t len;

	ck_assert_ptr_nonnull(dhcp_msg_opt(msg, DHO_CLIENT_ID, &len));
	ck_assert_uint_eq(len, 255);
}

static void check_hostname_len0(const struct dhcp_msg *msg)
{
	uint16_t len = 99;

	/* Kept for the sanitiser to judge, not dropped here. */
	ck_assert_ptr_nonnull(dhcp_msg_opt(msg, DHO_HOST_NAME, &len));
	ck_assert_uint_eq(len, 0);
}

static void check_fqdn_len2(const struct dhcp_msg *msg)
{
	uint16_t len;

	ck_assert_ptr_nonnull(dhcp_msg_opt(msg, DHO_CLIENT_FQDN, &len));
	ck_assert_uint_eq(len, 2);
}

static void check_mms_576(const struct dhcp_msg *msg) { ck_assert_uint_eq(msg->max_msg_size, 576); }

static void check_mms_1500(const struct dhcp_msg *msg)
{
	ck_assert_uint_eq(msg->max_msg_size, 1500);
}

static void check_mms_1000(const struct dhcp_msg *msg)
{
	ck_assert_uint_eq(msg->max_msg_size, 1000);
}

static void check_prl_255(const struct dhcp_msg *msg)
{
	uint16_t len;
	const uint8_t *v = dhcp_msg_opt(msg, DHO_PARAMETER_REQUEST_LIST, &len);

	ck_assert_ptr_nonnull(v);
	ck_assert_uint_eq(len, 255);
	ck_assert_uint_eq(v[0], 1);
	ck_assert_uint_eq(v[254], 1);
}

static void check_after_end(const struct dhcp_msg *msg) { ck_assert(!dhcp_msg_has(msg, 'A')); }

static const struct good_case good_cases[] = {
	{ { "bootp_236_no_cookie", .fixup = fix_len_236 }, DHCP_NONE, check_bootp_no_cookie },
	{ { "bootp_300_zero_vendor", .fixup = fix_bootp_300 }, DHCP_NONE, check_bootp_no_cookie },
	{ { "pad_only", OPTS(0, 0, 0, 0, 0, 0, 0, 0) }, DHCP_NONE, check_cookie_no_53 },
	{ { "cookie_no_options" }, DHCP_NONE, check_cookie_no_53 },
	{ { "rfc1497_vendor_ext", OPTS(1, 4, 255, 255, 255, 0, 12, 2, 'h', 'x', 255) },
	  DHCP_NONE,
	  check_cookie_no_53 },
	{ { "no_end_exact", OPTS(53, 1, 1, 12, 2, 'h', 'x') }, DHCPDISCOVER, NULL },
	{ { "garbage_after_end", OPTS(53, 1, 1, 255, 'A', 'A', 'A') },
	  DHCPDISCOVER,
	  check_after_end },
	{ { "pad_flood", .fixup = fix_pad_flood }, DHCPDISCOVER, NULL },
	{ { "sname_file_unterminated", OPTS(53, 1, 1, 255), .fixup = fix_fields_all_a },
	  DHCPDISCOVER,
	  check_fields_raw },
	{ { "ovl52_recursive", OPTS(53, 1, 1, 52, 1, 1, 255), FILEA(52, 1, 2, 12, 1, 'x', 255),
	    SNAME('A', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A') },
	  DHCPDISCOVER,
	  check_nested_overload },
	{ { "ovl52_file_all_pad", OPTS(53, 1, 1, 52, 1, 1, 255) }, DHCPDISCOVER, NULL },
	{ { "cid_len255", OPTS(53, 1, 1), .fixup = fix_cid_255 }, DHCPDISCOVER, check_cid_255 },
	{ { "hostname_len0", OPTS(53, 1, 1, 12, 0, 255) }, DHCPDISCOVER, check_hostname_len0 },
	{ { "hostname_metachar_nul", OPTS(53, 1, 1, 12, 16, 'a', ';', 'r', 'm', ' ', '-', 'r', 'f',
					  ' ', '/', '$', '(', 'x', ')', 0, 'b', 255) },
	  DHCPDISCOVER,
	  NULL },
	{ { "fqdn_len_lt3", OPTS(53, 1, 1, 81, 2, 0, 0, 255) }, DHCPDISCOVER, check_fqdn_len2 },
	{ { "opt57_zero", OPTS(53, 1, 1, 57, 2, 0, 0, 255) }, DHCPDISCOVER, check_mms_576 },
	{ { "opt57_small", OPTS(53, 1, 1, 57, 2, 0, 100, 255) }, DHCPDISCOVER, check_mms_576 },
	{ { "opt57_huge", OPTS(53, 1, 1, 57, 2, 0xff, 0xff, 255) }, DHCPDISCOVER, check_mms_1500 },
	{ { "opt57_1000", OPTS(53, 1, 1, 57, 2, 0x03, 0xe8, 255) }, DHCPDISCOVER, check_mms_1000 },
	{ { "opt55_prl_255", OPTS(53, 1, 1), .fixup = fix_prl_255 }, DHCPDISCOVER, check_prl_255 },
	{ { "msgtype_inform", OPTS(53, 1, DHCPINFORM, 255) }, DHCPINFORM, NULL },
	{ { "msgtype_release", OPTS(53, 1, DHCPRELEASE, 255) }, DHCPRELEASE, NULL },
	{ { "msgtype_decline", OPTS(53, 1, DHCPDECLINE, 255) }, DHCPDECLINE, NULL },
};

START_TEST(test_hostile_accepted)
{
	const struct good_case *c = &good_cases[_i];
	static struct pkt p;
	struct dhcp_msg msg;
	enum drop_reason got;

	case_build(&c->in, &p);
	got = dhcp_msg_parse(p.b, p.len, &msg);
	ck_assert_msg(got == DROP_NONE, "%s: got %s", c->in.name, drop_reason_name(got));
	ck_assert_msg(msg.msg_type == c->msg_type, "%s: type %u", c->in.name, msg.msg_type);
	if (c->check)
		c->check(&msg);
}
END_TEST

/* hops = 16 is the RFC 1542 limit itself, so it is still accepted. */
START_TEST(test_hops_limit)
{
	static struct pkt p;
	struct dhcp_msg msg;

	pkt_header(&p);
	pkt_put(&p, (const uint8_t[]){ 53, 1, 1, 255 }, 4);
	p.b[OFF_HOPS] = 16;
	ck_assert_int_eq(dhcp_msg_parse(p.b, p.len, &msg), DROP_NONE);
	ck_assert_uint_eq(msg.hops, 16);
}
END_TEST

/* Boundary sizes: 1472 is the largest accepted payload. */
START_TEST(test_max_payload)
{
	static struct pkt p;
	struct dhcp_msg msg;

	pkt_header(&p);
	pkt_put(&p, (const uint8_t[]){ 53, 1, 1, 255 }, 4);
	p.len = DHCP_MAX_PAYLOAD;
	ck_assert_int_eq(dhcp_msg_parse(p.b, p.len, &msg), DROP_NONE);
	ck_assert_int_eq(dhcp_msg_parse(p.b, p.len + 1, &msg), DROP_PARSE_OVERSIZE);
	ck_assert_int_eq(dhcp_msg_parse(NULL, 0, &msg), DROP_PARSE_SHORT);
}
END_TEST

/* ---- Real dhclient captures ---- */

/* Where tests/data lives: $LW_TEST_DATA, else the path meson compiled in. */
static void data_path(char *out, size_t len, const char *name)
{
	const char *env = getenv("LW_TEST_DATA");

	if (snprintf(out, len, "%s/%s", env && *env ? env : LW_TEST_DATA, name) >= (int)len)
		out[0] = '\0';
}

static size_t load_data(const char *name, uint8_t *buf, size_t cap)
{
	char path[2 * PATH_MAX];
	FILE *f;
	size_t n;

	data_path(path, sizeof(path), name);
	f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "cannot open %s (set LW_TEST_DATA)", path);
	n = fread(buf, 1, cap, f);
	fclose(f);
	return n;
}

/* What dhclient 4.4.3 asks for (its default `request` list). */
static const uint8_t dhclient_prl[] = { 1, 28, 2, 3, 15, 6, 119, 12, 44, 47, 26, 121, 42 };
static const uint8_t dhclient_mac[6] = { 0xee, 0x93, 0xbe, 0xf6, 0xc0, 0x1d };

static void check_dhclient_common(const struct dhcp_msg *msg)
{
	uint16_t len;
	const uint8_t *v;

	ck_assert(msg->has_cookie);
	ck_assert_uint_eq(msg->htype, 1);
	ck_assert_uint_eq(msg->hlen, 6);
	ck_assert_uint_eq(msg->hops, 0);
	ck_assert_uint_eq(msg->ciaddr, 0);
	ck_assert_uint_eq(msg->giaddr, 0);
	ck_assert_mem_eq(msg->chaddr, dhclient_mac, sizeof(dhclient_mac));
	v = dhcp_msg_opt(msg, DHO_PARAMETER_REQUEST_LIST, &len);
	ck_assert_ptr_nonnull(v);
	ck_assert_uint_eq(len, sizeof(dhclient_prl));
	ck_assert_mem_eq(v, dhclient_prl, sizeof(dhclient_prl));
	v = dhcp_msg_opt(msg, DHO_HOST_NAME, &len);
	ck_assert_ptr_nonnull(v);
	ck_assert_uint_eq(len, 2);
	ck_assert_mem_eq(v, "vm", 2);
	ck_assert(!dhcp_msg_has(msg, DHO_CLIENT_ID));
	ck_assert_uint_eq(msg->max_msg_size, 0);
	ck_assert(!msg->file_is_options && !msg->sname_is_options);
}

START_TEST(test_dhclient_discover)
{
	uint8_t buf[2048];
	struct dhcp_msg msg;
	size_t n = load_data("dhclient-discover.bin", buf, sizeof(buf));

	ck_assert_uint_eq(n, 300);
	ck_assert_int_eq(dhcp_msg_parse(buf, n, &msg), DROP_NONE);
	ck_assert_uint_eq(msg.msg_type, DHCPDISCOVER);
	ck_assert_uint_eq(msg.xid, 0x5a533d2du);
	ck_assert_uint_eq(msg.requested_ip, 0);
	check_dhclient_common(&msg);
}
END_TEST

/* INIT-REBOOT REQUEST: dhclient started with a lease for 10.99.0.57 on file. */
START_TEST(test_dhclient_request)
{
	uint8_t buf[2048];
	struct dhcp_msg msg;
	size_t n = load_data("dhclient-request.bin", buf, sizeof(buf));

	ck_assert_uint_eq(n, 300);
	ck_assert_int_eq(dhcp_msg_parse(buf, n, &msg), DROP_NONE);
	ck_assert_uint_eq(msg.msg_type, DHCPREQUEST);
	ck_assert_uint_eq(msg.xid, 0x29a5da76u);
	ck_assert_uint_eq(msg.requested_ip, 0x0a630039u);
	ck_assert_uint_eq(msg.server_id, 0);
	check_dhclient_common(&msg);
}
END_TEST

/* Every truncation of a real capture is dropped or parsed, never misread. */
START_TEST(test_dhclient_truncations)
{
	uint8_t buf[2048];
	struct dhcp_msg msg;
	size_t n = load_data("dhclient-request.bin", buf, sizeof(buf));

	for (size_t len = 0; len < n; len++) {
		enum drop_reason r = dhcp_msg_parse(buf, len, &msg);

		if (len < DHCP_FIXED_LEN)
			ck_assert_int_eq(r, DROP_PARSE_SHORT);
		else if (len == DHCP_FIXED_LEN)
			ck_assert_int_eq(r, DROP_NONE); /* no vendor area: plain BOOTP */
		else if (len < OFF_OPTS)
			ck_assert_int_eq(r, DROP_PARSE_COOKIE);
		else if (r == DROP_NONE)
			ck_assert_uint_le(msg.opt_data_used, len - OFF_OPTS);
	}
}
END_TEST

/* ---- Hand-built requests ---- */

/*
 * Windows-style DISCOVER, built by hand (not captured): option 81 with
 * flags 0 and both RCODEs 0 carrying "printer.example.com" in DNS wire
 * format, vendor class "MSFT 5.0" and client id 01 + MAC. The codec keeps
 * 81 opaque; RFC 4702 decoding belongs to the module that updates DNS.
 */
static const uint8_t win_fqdn[] = { 0,	 0,   0,   7,	'p', 'r', 'i', 'n', 't', 'e', 'r', 7,
				    'e', 'x', 'a', 'm', 'p', 'l', 'e', 3,   'c', 'o', 'm', 0 };
static const uint8_t win_prl[] = { 1, 3, 6, 15, 31, 33, 43, 44, 46, 47, 119, 121, 249, 252 };

static void build_windows_discover(struct pkt *p)
{
	uint8_t cid[7] = { 1 };

	memcpy(cid + 1, test_mac, 6);
	pkt_header(p);
	p->b[10] = 0x80; /* broadcast flag */
	pkt_opt(p, DHO_MESSAGE_TYPE, 1, (const uint8_t[]){ DHCPDISCOVER });
	pkt_opt(p, DHO_CLIENT_ID, sizeof(cid), cid);
	pkt_opt(p, DHO_REQUESTED_ADDRESS, 4, (const uint8_t[]){ 192, 168, 1, 77 });
	pkt_opt(p, DHO_HOST_NAME, 7, "printer");
	pkt_opt(p, DHO_CLIENT_FQDN, sizeof(win_fqdn), win_fqdn);
	pkt_opt(p, DHO_VENDOR_CLASS_ID, 8, "MSFT 5.0");
	pkt_opt(p, DHO_PARAMETER_REQUEST_LIST, sizeof(win_prl), win_prl);
	pkt_u8(p, DHO_END);
}

START_TEST(test_windows_discover)
{
	static struct pkt p;
	struct dhcp_msg msg;
	uint16_t len;
	const uint8_t *v;

	build_windows_discover(&p);
	ck_assert_int_eq(dhcp_msg_parse(p.b, p.len, &msg), DROP_NONE);
	ck_assert_uint_eq(msg.msg_type, DHCPDISCOVER);
	ck_assert_uint_eq(msg.flags, 0x8000);
	ck_assert_uint_eq(msg.requested_ip, 0xc0a8014du);
	v = dhcp_msg_opt(&msg, DHO_CLIENT_ID, &len);
	ck_assert_ptr_nonnull(v);
	ck_assert_uint_eq(len, 7);
	ck_assert_uint_eq(v[0], 1);
	ck_assert_mem_eq(v + 1, test_mac, 6);
	v = dhcp_msg_opt(&msg, DHO_CLIENT_FQDN, &len);
	ck_assert_ptr_nonnull(v);
	ck_assert_uint_eq(len, sizeof(win_fqdn));
	ck_assert_mem_eq(v, win_fqdn, sizeof(win_fqdn));
	v = dhcp_msg_opt(&msg, DHO_VENDOR_CLASS_ID, &len);
	ck_assert_ptr_nonnull(v);
	ck_assert_uint_eq(len, 8);
	ck_assert_mem_eq(v, "MSFT 5.0", 8);
	v = dhcp_msg_opt(&msg, DHO_PARAMETER_REQUEST_LIST, &len);
	ck_assert_ptr_nonnull(v);
	ck_assert_uint_eq(len, sizeof(win_prl));
	ck_assert_mem_eq(v, win_prl, sizeof(win_prl));
}
END_TEST

/* A DISCOVER as a relay forwards it: giaddr, hops 1, option 82 (RFC 3046, 3527). */
static const uint8_t relay_rai[] = {
	RAI_CIRCUIT_ID,
	8,
	'e',
	't',
	'h',
	'0',
	'/',
	'1',
	'/',
	'3',
	RAI_REMOTE_ID,
	6,
	0x00,
	0x1b,
	0x21,
	0xaa,
	0xbb,
	0xcc,
	RAI_LINK_SELECTION,
	4,
	192,
	168,
	50,
	0,
};

static void build_relayed_discover(struct pkt *p)
{
	pkt_header(p);
	p->b[OFF_HOPS] = 1;
	memcpy(p->b + OFF_GIADDR, (const uint8_t[]){ 10, 1, 2, 1 }, 4);
	pkt_opt(p, DHO_MESSAGE_TYPE, 1, (const uint8_t[]){ DHCPDISCOVER });
	pkt_opt(p, DHO_MAX_MESSAGE_SIZE, 2, (const uint8_t[]){ 0x05, 0xdc });
	pkt_opt(p, DHO_PARAMETER_REQUEST_LIST, 3, (const uint8_t[]){ 1, 3, 6 });
	/* RFC 3046 sec 2.1: the relay appends 82 as the last option. */
	pkt_opt(p, DHO_RELAY_AGENT_INFO, sizeof(relay_rai), relay_rai);
	pkt_u8(p, DHO_END);
}

START_TEST(test_relayed_discover)
{
	static struct pkt p;
	struct dhcp_msg msg;
	uint16_t len;
	const uint8_t *v;

	build_relayed_discover(&p);
	ck_assert_int_eq(dhcp_msg_parse(p.b, p.len, &msg), DROP_NONE);
	ck_assert_uint_eq(msg.msg_type, DHCPDISCOVER);
	ck_assert_uint_eq(msg.hops, 1);
	ck_assert_uint_eq(msg.giaddr, 0x0a010201u);
	ck_assert_uint_eq(msg.link_selection, 0xc0a83200u);
	ck_assert_uint_eq(msg.max_msg_size, 1500);
	v = dhcp_msg_opt(&msg, DHO_RELAY_AGENT_INFO, &len);
	ck_assert_ptr_nonnull(v);
	ck_assert_uint_eq(len, sizeof(relay_rai));
	ck_assert_mem_eq(v, relay_rai, sizeof(relay_rai));
}
END_TEST

/*
 * Option 52 = 3 with a PRL split over all three areas and option 82 split
 * between main and file mid-sub-option: the index holds each value whole,
 * in the order main, file, sname (RFC 3396), and 82 is validated whole.
 */
START_TEST(test_overload_concat)
{
	static struct pkt p;
	struct dhcp_msg msg;
	uint16_t len;
	const uint8_t *v;
	static const uint8_t prl[] = { 1, 3, 6, 15, 28, 42, 51 };
	static const uint8_t sname[] = { 55, 2, 28, 42, 12, 4, 'h', 'o', 's', 't', 255 };
	static const uint8_t file[] = { 0, 0, 55, 2, 6, 15, 82, 6, 168, 50, 0, 2, 1, 'r', 255 };

	pkt_header(&p);
	memcpy(p.b + OFF_SNAME, sname, sizeof(sname));
	memcpy(p.b + OFF_FILE, file, sizeof(file));
	pkt_opt(&p, DHO_MESSAGE_TYPE, 1, (const uint8_t[]){ DHCPREQUEST });
	pkt_opt(&p, DHO_OVERLOAD, 1, (const uint8_t[]){ 3 });
	pkt_opt(&p, DHO_PARAMETER_REQUEST_LIST, 2, prl);
	pkt_opt(&p, DHO_RELAY_AGENT_INFO, 4, (const uint8_t[]){ 1, 1, 'c', 5 });
	pkt_opt(&p, DHO_RELAY_AGENT_INFO, 2, (const uint8_t[]){ 4, 192 });
	pkt_opt(&p, DHO_PARAMETER_REQUEST_LIST, 1, prl + 6);
	pkt_u8(&p, DHO_END);
	/*
	 * 55: main {1,3} {51}, file {6,15}, sname {28,42}.
	 * 82: main {1,1,'c',5} {4,192}, file {168,50,0,2,1,'r'}: the link
	 * selection sub-option straddles the two areas.
	 */

	ck_assert_int_eq(dhcp_msg_parse(p.b, p.len, &msg), DROP_NONE);
	ck_assert_uint_eq(msg.msg_type, DHCPREQUEST);
	ck_assert(msg.file_is_options && msg.sname_is_options);
	v = dhcp_msg_opt(&msg, DHO_PARAMETER_REQUEST_LIST, &len);
	ck_assert_ptr_nonnull(v);
	ck_assert_uint_eq(len, 7);
	ck_assert_mem_eq(v, ((const uint8_t[]){ 1, 3, 51, 6, 15, 28, 42 }), 7);
	v = dhcp_msg_opt(&msg, DHO_RELAY_AGENT_INFO, &len);
	ck_assert_ptr_nonnull(v);
	ck_assert_uint_eq(len, 12);
	ck_assert_uint_eq(msg.link_selection, 0xc0a83200u);
	v = dhcp_msg_opt(&msg, DHO_HOST_NAME, &len);
	ck_assert_ptr_nonnull(v);
	ck_assert_mem_eq(v, "host", 4);
	ck_assert_uint_le(msg.opt_data_used, DHCP_OPT_DATA_MAX);
	/* The raw fields are still there for anyone who needs them. */
	ck_assert_mem_eq(msg.file, file, sizeof(file));
}
END_TEST

/* The largest concatenation allowed is exactly DHCP_OPT_CONCAT_MAX. */
START_TEST(test_concat_at_cap)
{
	static struct pkt p;
	struct dhcp_msg msg;
	uint16_t len;
	const uint8_t *v;

	pkt_header(&p);
	pkt_opt(&p, DHO_MESSAGE_TYPE, 1, (const uint8_t[]){ DHCPDISCOVER });
	for (int i = 0; i < 4; i++)
		pkt_opt_fill(&p, DHO_VENDOR_CLASS_ID, 255, (uint8_t)('a' + i));
	pkt_opt_fill(&p, DHO_VENDOR_CLASS_ID, DHCP_OPT_CONCAT_MAX - 4 * 255, 'e');
	pkt_u8(&p, DHO_END);
	ck_assert_int_eq(dhcp_msg_parse(p.b, p.len, &msg), DROP_NONE);
	v = dhcp_msg_opt(&msg, DHO_VENDOR_CLASS_ID, &len);
	ck_assert_ptr_nonnull(v);
	ck_assert_uint_eq(len, DHCP_OPT_CONCAT_MAX);
	ck_assert_uint_eq(v[0], 'a');
	ck_assert_uint_eq(v[255], 'b');
	ck_assert_uint_eq(v[4 * 255], 'e');
}
END_TEST

START_TEST(test_decoded_addresses)
{
	static struct pkt p;
	struct dhcp_msg msg;

	pkt_header(&p);
	memcpy(p.b + 12, (const uint8_t[]){ 10, 0, 0, 5, 10, 0, 0, 6, 10, 0, 0, 7, 10, 0, 0, 8 },
	       16);
	p.b[8] = 0x01; /* secs = 258 */
	p.b[9] = 0x02;
	pkt_opt(&p, DHO_MESSAGE_TYPE, 1, (const uint8_t[]){ DHCPREQUEST });
	pkt_opt(&p, DHO_SERVER_ID, 4, (const uint8_t[]){ 10, 0, 0, 1 });
	pkt_opt(&p, DHO_LEASE_TIME, 4, (const uint8_t[]){ 0, 0, 0x0e, 0x10 });
	pkt_opt(&p, DHO_SUBNET_SELECTION, 4, (const uint8_t[]){ 172, 16, 0, 0 });
	pkt_u8(&p, DHO_END);
	ck_assert_int_eq(dhcp_msg_parse(p.b, p.len, &msg), DROP_NONE);
	ck_assert_uint_eq(msg.secs, 258);
	ck_assert_uint_eq(msg.ciaddr, 0x0a000005u);
	ck_assert_uint_eq(msg.yiaddr, 0x0a000006u);
	ck_assert_uint_eq(msg.siaddr, 0x0a000007u);
	ck_assert_uint_eq(msg.giaddr, 0x0a000008u);
	ck_assert_uint_eq(msg.server_id, 0x0a000001u);
	ck_assert_uint_eq(msg.lease_time_req, 3600);
	ck_assert_uint_eq(msg.subnet_selection, 0xac100000u);
	ck_assert_uint_eq(msg.link_selection, 0);
}
END_TEST

/* ---- Names and the log line ---- */

START_TEST(test_type_names)
{
	ck_assert_str_eq(dhcp_msg_type_name(DHCP_NONE), "BOOTP");
	ck_assert_str_eq(dhcp_msg_type_name(DHCPDISCOVER), "DISCOVER");
	ck_assert_str_eq(dhcp_msg_type_name(DHCPREQUEST), "REQUEST");
	ck_assert_str_eq(dhcp_msg_type_name(DHCPINFORM), "INFORM");
	ck_assert_str_eq(dhcp_msg_type_name(9), "UNKNOWN");
	ck_assert_str_eq(dhcp_msg_type_name(255), "UNKNOWN");
}
END_TEST

START_TEST(test_describe)
{
	static struct pkt p;
	struct dhcp_msg msg;
	char line[256];

	build_relayed_discover(&p);
	ck_assert_int_eq(dhcp_msg_parse(p.b, p.len, &msg), DROP_NONE);
	ck_assert_uint_eq(dhcp_msg_describe(&msg, line, sizeof(line)), strlen(line));
	ck_assert_str_eq(line, "DISCOVER xid=0x11223344 chaddr=02:00:5e:10:20:30 ciaddr=0.0.0.0 "
			       "giaddr=10.1.2.1 hops=1 opts=53,55,57,82");
}
END_TEST

/* CVE-2015-8373 class: a host name chosen by the client cannot break the log line. */
START_TEST(test_describe_escapes)
{
	static struct pkt p;
	struct dhcp_msg msg;
	char line[256];
	size_t n;

	pkt_header(&p);
	pkt_opt(&p, DHO_MESSAGE_TYPE, 1, (const uint8_t[]){ DHCPDISCOVER });
	pkt_opt(&p, DHO_HOST_NAME, 8, "a\nb\x1b[\"\\\xff");
	pkt_u8(&p, DHO_END);
	ck_assert_int_eq(dhcp_msg_parse(p.b, p.len, &msg), DROP_NONE);
	n = dhcp_msg_describe(&msg, line, sizeof(line));
	ck_assert_ptr_nonnull(strstr(line, " host=\"a\\x0ab\\x1b[\\x22\\x5c\\xff\""));
	for (size_t i = 0; i < n; i++)
		ck_assert(line[i] >= 0x20 && line[i] < 0x7f);
}
END_TEST

/* Every buffer size gives a NUL-terminated prefix of the full line. */
START_TEST(test_describe_truncation)
{
	static struct pkt p;
	struct dhcp_msg msg;
	char full[512];
	char small[512];
	size_t full_len;

	build_windows_discover(&p);
	ck_assert_int_eq(dhcp_msg_parse(p.b, p.len, &msg), DROP_NONE);
	full_len = dhcp_msg_describe(&msg, full, sizeof(full));
	ck_assert_uint_gt(full_len, 40);
	ck_assert_uint_lt(full_len, sizeof(full) - 1);
	ck_assert_uint_eq(dhcp_msg_describe(&msg, small, 0), 0);
	for (size_t len = 1; len <= full_len + 1; len++) {
		memset(small, 'Z', sizeof(small));
		size_t n = dhcp_msg_describe(&msg, small, len);

		ck_assert_uint_eq(n, len - 1 < full_len ? len - 1 : full_len);
		ck_assert_uint_eq(small[n], '\0');
		ck_assert_uint_eq(small[len], 'Z');
		ck_assert(strncmp(small, full, n) == 0);
	}
}
END_TEST

/* ---- Reply builder ---- */

static void reply_request(struct dhcp_msg *req)
{
	memset(req, 0, sizeof(*req));
	req->op = BOOTREQUEST;
	req->htype = 1;
	req->hlen = 6;
	req->hops = 3;
	req->xid = 0xdeadbeefu;
	req->secs = 9;
	req->flags = 0x8000;
	req->giaddr = 0x0a010201u;
	memcpy(req->chaddr, test_mac, sizeof(test_mac));
	memset(req->sname, 's', sizeof(req->sname));
	memset(req->file, 'f', sizeof(req->file));
	req->msg_type = DHCPDISCOVER;
}

/* Golden OFFER: header, cookie, 53, 54, 51, 1, END, zero padding to 300. */
static const uint8_t golden_offer_hdr[44] = {
	0x02, 0x01, 0x06, 0x00, /* op, htype, hlen, hops */
	0xde, 0xad, 0xbe, 0xef, /* xid */
	0x00, 0x00, 0x80, 0x00, /* secs, flags */
	0x00, 0x00, 0x00, 0x00, /* ciaddr */
	0xc0, 0x00, 0x02, 0x0a, /* yiaddr 192.0.2.10 */
	0xc0, 0x00, 0x02, 0x01, /* siaddr 192.0.2.1 */
	0x0a, 0x01, 0x02, 0x01, /* giaddr 10.1.2.1 */
	0x02, 0x00, 0x5e, 0x10, 0x20, 0x30, /* chaddr */
	0,    0,    0,	  0,	0,    0,    0, 0, 0, 0,
};
static const uint8_t golden_offer_opts[] = {
	0x63, 0x82, 0x53,      0x63, /* cookie */
	53,   1,    DHCPOFFER, 54,   4, 0xc0, 0x00, 0x02, 0x01, 51,   4,
	0x00, 0x00, 0x0e,      0x10, 1, 4,    0xff, 0xff, 0xff, 0x00, 255,
};

START_TEST(test_reply_golden_offer)
{
	struct dhcp_msg req;
	struct dhcp_reply r;
	uint8_t buf[576];
	int n;

	reply_request(&req);
	memset(buf, 0xaa, sizeof(buf));
	ck_assert_int_eq(
	    dhcp_reply_init(&r, buf, sizeof(buf), &req, DHCPOFFER, 0xc000020au, 0, 0xc0000201u), 0);
	ck_assert_int_eq(dhcp_reply_add_u32(&r, DHO_SERVER_ID, 0xc0000201u), 0);
	ck_assert_int_eq(dhcp_reply_add_u32(&r, DHO_LEASE_TIME, 3600), 0);
	ck_assert_int_eq(dhcp_reply_add_u32(&r, DHO_SUBNET_MASK, 0xffffff00u), 0);
	n = dhcp_reply_finish(&r);
	ck_assert_int_eq(n, DHCP_MIN_REPLY_LEN);
	ck_assert_int_eq(r.err, 0);
	ck_assert_mem_eq(buf, golden_offer_hdr, sizeof(golden_offer_hdr));
	for (size_t i = sizeof(golden_offer_hdr); i < OFF_COOKIE; i++)
		ck_assert_msg(buf[i] == 0, "sname/file byte %zu not zero", i);
	ck_assert_mem_eq(buf + OFF_COOKIE, golden_offer_opts, sizeof(golden_offer_opts));
	for (size_t i = OFF_COOKIE + sizeof(golden_offer_opts); i < DHCP_MIN_REPLY_LEN; i++)
		ck_assert_msg(buf[i] == 0, "pad byte %zu not zero", i);
	/* Nothing beyond the returned length is touched. */
	ck_assert_uint_eq(buf[DHCP_MIN_REPLY_LEN], 0xaa);
}
END_TEST

/* dhcp_reply_sum() skips sname, file and padding: it must still be the sum of every byte. */
START_TEST(test_reply_sum)
{
	struct dhcp_msg req;
	struct dhcp_reply r;
	uint8_t buf[1400], val[600];
	static const size_t caps[] = { 576 - 28, 1400 };

	reply_request(&req);
	for (size_t i = 0; i < sizeof(val); i++)
		val[i] = (uint8_t)(i * 7 + 1);
	for (size_t c = 0; c < sizeof(caps) / sizeof(caps[0]); c++) {
		for (size_t vlen = 0; vlen <= sizeof(val); vlen += 37) {
			memset(buf, 0xee, sizeof(buf));
			ck_assert_int_eq(dhcp_reply_init(&r, buf, caps[c], &req,
							 vlen & 1 ? DHCP_NONE : DHCPACK,
							 0xc000020au, 0x01020304u, 0xc0000201u),
					 0);
			dhcp_reply_add_u32(&r, DHO_SERVER_ID, 0xc0000201u);
			dhcp_reply_add(&r, 43, val, vlen); /* split past 255, or left out */
			int n = dhcp_reply_finish(&r);
			ck_assert_int_gt(n, 0);
			ck_assert_uint_eq(dhcp_reply_sum(&r), inet_csum_partial(buf, (size_t)n, 0));
		}
	}
	/* Not finished: the whole written part is summed. */
	ck_assert_int_eq(dhcp_reply_init(&r, buf, sizeof(buf), &req, DHCPOFFER, 1, 2, 3), 0);
	ck_assert_uint_eq(dhcp_reply_sum(&r), inet_csum_partial(buf, r.len, 0));
}
END_TEST

/* Pre-encoded options go in whole or not at all, and never after finish. */
START_TEST(test_reply_add_encoded)
{
	struct dhcp_msg req;
	struct dhcp_reply r, ref;
	uint8_t buf[600], refbuf[600], block[64];
	size_t blen;

	reply_request(&req);
	/* The block: what dhcp_reply_add() writes for two options. */
	ck_assert_int_eq(dhcp_reply_init(&ref, refbuf, sizeof(refbuf), &req, DHCPOFFER, 0, 0, 0),
			 0);
	size_t start = ref.len;
	ck_assert_int_eq(dhcp_reply_add_u32(&ref, DHO_ROUTERS, 0x0a000001u), 0);
	ck_assert_int_eq(dhcp_reply_add(&ref, DHO_DOMAIN_NAME, "example", 7), 0);
	blen = ref.len - start;
	memcpy(block, refbuf + start, blen);
	ck_assert_int_eq(dhcp_reply_finish(&ref), DHCP_MIN_REPLY_LEN);

	ck_assert_int_eq(dhcp_reply_init(&r, buf, sizeof(buf), &req, DHCPOFFER, 0, 0, 0), 0);
	ck_assert_int_eq(dhcp_reply_add_encoded(&r, block, blen), 0);
	ck_assert_int_eq(dhcp_reply_add_encoded(&r, NULL, 0), 0);
	ck_assert_int_eq(dhcp_reply_finish(&r), DHCP_MIN_REPLY_LEN);
	ck_assert_mem_eq(buf, refbuf, DHCP_MIN_REPLY_LEN);
	ck_assert_int_eq(dhcp_reply_add_encoded(&r, block, blen), -EINVAL);

	/* Room for END is kept: a block one byte too long is refused whole. */
	size_t cap = OFF_OPTS + 3 + blen + 1;
	ck_assert_int_eq(dhcp_reply_init(&r, buf, cap - 1, &req, DHCPOFFER, 0, 0, 0), 0);
	size_t before = r.len;
	ck_assert_int_eq(dhcp_reply_add_encoded(&r, block, blen), -ENOSPC);
	ck_assert_uint_eq(r.len, before);
	ck_assert_int_eq(r.err, -ENOSPC);
	ck_assert_int_eq(dhcp_reply_init(&r, buf, cap, &req, DHCPOFFER, 0, 0, 0), 0);
	ck_assert_int_eq(dhcp_reply_add_encoded(&r, block, blen), 0);
	ck_assert_int_eq(dhcp_reply_add_encoded(&r, block, 1), -ENOSPC);
	ck_assert_int_eq(dhcp_reply_add_encoded(NULL, block, 1), -EINVAL);
	ck_assert_int_eq(dhcp_reply_add_encoded(&r, NULL, 1), -EINVAL);
}
END_TEST

/*
 * The option index is not cleared between parses: a message parsed into a
 * struct that held another must show none of the earlier options, and a
 * split (RFC 3396) packet after a plain one, and the reverse, must index
 * exactly their own values.
 */
START_TEST(test_parse_reuse)
{
	struct dhcp_msg msg;
	struct pkt *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b));
	uint16_t len;
	const uint8_t *v;

	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	memset(&msg, 0x5a, sizeof(msg)); /* stale bytes everywhere */
	pkt_header(a);
	pkt_opt(a, DHO_MESSAGE_TYPE, 1, (const uint8_t[]){ DHCPDISCOVER });
	pkt_opt(a, DHO_HOST_NAME, 5, "alpha");
	pkt_opt(a, 224, 3, "xyz");
	pkt_u8(a, DHO_END);
	pkt_header(b);
	pkt_opt(b, DHO_MESSAGE_TYPE, 1, (const uint8_t[]){ DHCPREQUEST });
	pkt_opt(b, DHO_HOST_NAME, 2, "be");
	pkt_opt(b, 224, 2, "12");
	pkt_opt(b, DHO_HOST_NAME, 3, "ta!");
	pkt_u8(b, DHO_END);

	for (int round = 0; round < 2; round++) {
		ck_assert_int_eq(dhcp_msg_parse(a->b, a->len, &msg), DROP_NONE);
		ck_assert_uint_eq(msg.msg_type, DHCPDISCOVER);
		v = dhcp_msg_opt(&msg, DHO_HOST_NAME, &len);
		ck_assert_ptr_nonnull(v);
		ck_assert_uint_eq(len, 5);
		ck_assert_mem_eq(v, "alpha", 5);
		v = dhcp_msg_opt(&msg, 224, &len);
		ck_assert_uint_eq(len, 3);
		ck_assert_mem_eq(v, "xyz", 3);
		ck_assert(!dhcp_msg_has(&msg, DHO_CLIENT_ID));
		ck_assert(!dhcp_msg_has(&msg, DHO_PARAMETER_REQUEST_LIST));
		ck_assert_uint_eq(msg.opt_data_used, 1 + 5 + 3);

		ck_assert_int_eq(dhcp_msg_parse(b->b, b->len, &msg), DROP_NONE);
		ck_assert_uint_eq(msg.msg_type, DHCPREQUEST);
		v = dhcp_msg_opt(&msg, DHO_HOST_NAME, &len);
		ck_assert_ptr_nonnull(v);
		ck_assert_uint_eq(len, 5);
		ck_assert_mem_eq(v, "beta!", 5);
		v = dhcp_msg_opt(&msg, 224, &len);
		ck_assert_uint_eq(len, 2);
		ck_assert_mem_eq(v, "12", 2);
		ck_assert_uint_eq(msg.opt_data_used, 1 + 5 + 2);
	}
	free(a);
	free(b);
}
END_TEST

START_TEST(test_reply_rfc3396_split)
{
	struct dhcp_msg req, back;
	struct dhcp_reply r;
	uint8_t buf[1024];
	uint8_t val[300];
	uint16_t len;
	const uint8_t *v;
	size_t at;
	int n;

	for (size_t i = 0; i < sizeof(val); i++)
		val[i] = (uint8_t)(i * 7);
	reply_request(&req);
	ck_assert_int_eq(dhcp_reply_init(&r, buf, sizeof(buf), &req, DHCPACK, 0, 0, 0), 0);
	ck_assert_int_eq(dhcp_reply_add(&r, 43, val, sizeof(val)), 0);
	n = dhcp_reply_finish(&r);
	/* 240 + 3 (53) + 2 + 255 + 2 + 45 + 1 (END) */
	ck_assert_int_eq(n, 548);
	at = OFF_OPTS + 3;
	ck_assert_uint_eq(buf[at], 43);
	ck_assert_uint_eq(buf[at + 1], 255);
	ck_assert_mem_eq(buf + at + 2, val, 255);
	at += 257;
	ck_assert_uint_eq(buf[at], 43);
	ck_assert_uint_eq(buf[at + 1], 45);
	ck_assert_mem_eq(buf + at + 2, val + 255, 45);
	ck_assert_uint_eq(buf[at + 47], DHO_END);

	/* Re-read as a request: the two instances join back into one value. */
	buf[OFF_OP] = BOOTREQUEST;
	buf[OFF_OPTS + 2] = DHCPREQUEST;
	ck_assert_int_eq(dhcp_msg_parse(buf, (size_t)n, &back), DROP_NONE);
	v = dhcp_msg_opt(&back, 43, &len);
	ck_assert_ptr_nonnull(v);
	ck_assert_uint_eq(len, sizeof(val));
	ck_assert_mem_eq(v, val, sizeof(val));
}
END_TEST

/* With a 576-byte cap the builder fills to the last byte and always keeps END. */
START_TEST(test_reply_enospc)
{
	struct dhcp_msg req, back;
	struct dhcp_reply r;
	uint8_t buf[576 + 16];
	uint8_t big[400];
	size_t before;
	int n;

	memset(big, 0x11, sizeof(big));
	memset(buf, 0xaa, sizeof(buf));
	reply_request(&req);
	ck_assert_int_eq(dhcp_reply_init(&r, buf, 576, &req, DHCPACK, 0xc000020au, 0, 0), 0);
	ck_assert_uint_eq(r.len, 243);
	/* 576 - 243 - 1 (END) = 332 bytes of room; 330 needs two headers: 334. */
	ck_assert_int_eq(dhcp_reply_add(&r, 43, big, 330), -ENOSPC);
	ck_assert_int_eq(r.err, -ENOSPC);
	ck_assert_uint_eq(r.len, 243);
	ck_assert_int_eq(dhcp_reply_add(&r, 43, big, 255), 0);
	before = r.len;
	ck_assert_int_eq(dhcp_reply_add(&r, 60, big, 74), -ENOSPC);
	ck_assert_uint_eq(r.len, before);
	/* Exactly the room left: 75 = 2 + 73. */
	ck_assert_int_eq(dhcp_reply_add(&r, 60, big, 73), 0);
	ck_assert_uint_eq(r.len, 575);
	ck_assert_int_eq(dhcp_reply_add(&r, 80, NULL, 0), -ENOSPC);
	ck_assert_int_eq(dhcp_reply_add_u32(&r, DHO_LEASE_TIME, 60), -ENOSPC);
	/* The first error is the one kept. */
	ck_assert_int_eq(r.err, -ENOSPC);
	n = dhcp_reply_finish(&r);
	ck_assert_int_eq(n, 576);
	ck_assert_uint_eq(buf[575], DHO_END);
	ck_assert_uint_eq(buf[576], 0xaa);
	/* After finish the reply is closed. */
	ck_assert_int_eq(dhcp_reply_add(&r, 60, big, 1), -EINVAL);

	buf[OFF_OP] = BOOTREQUEST;
	buf[OFF_OPTS + 2] = DHCPREQUEST;
	ck_assert_int_eq(dhcp_msg_parse(buf, (size_t)n, &back), DROP_NONE);
	ck_assert(dhcp_msg_has(&back, 43) && dhcp_msg_has(&back, 60));
	ck_assert(!dhcp_msg_has(&back, DHO_LEASE_TIME));
}
END_TEST

START_TEST(test_reply_padding)
{
	struct dhcp_msg req;
	struct dhcp_reply r;
	uint8_t buf[576];
	int n;

	reply_request(&req);
	/* BOOTP reply: no option 53, just the cookie and END, padded to 300. */
	memset(buf, 0xaa, sizeof(buf));
	ck_assert_int_eq(dhcp_reply_init(&r, buf, sizeof(buf), &req, DHCP_NONE, 0xc000020au, 0, 0),
			 0);
	n = dhcp_reply_finish(&r);
	ck_assert_int_eq(n, 300);
	ck_assert_uint_eq(buf[OFF_OPTS], DHO_END);
	for (int i = OFF_OPTS + 1; i < 300; i++)
		ck_assert_uint_eq(buf[i], 0);

	/* A cap below 300 pads only up to the cap. */
	memset(buf, 0xaa, sizeof(buf));
	ck_assert_int_eq(dhcp_reply_init(&r, buf, 260, &req, DHCPNAK, 0, 0, 0), 0);
	n = dhcp_reply_finish(&r);
	ck_assert_int_eq(n, 260);
	ck_assert_uint_eq(buf[OFF_OPTS + 3], DHO_END);
	ck_assert_uint_eq(buf[260], 0xaa);

	/* A long reply is not padded. */
	uint8_t val[200] = { 0 };

	ck_assert_int_eq(dhcp_reply_init(&r, buf, sizeof(buf), &req, DHCPACK, 0, 0, 0), 0);
	ck_assert_int_eq(dhcp_reply_add(&r, 43, val, sizeof(val)), 0);
	ck_assert_int_eq(dhcp_reply_finish(&r), 243 + 202 + 1);
}
END_TEST

START_TEST(test_reply_errors)
{
	struct dhcp_msg req;
	struct dhcp_reply r;
	uint8_t buf[576];
	uint8_t v = 1;

	reply_request(&req);
	ck_assert_int_eq(dhcp_reply_init(&r, buf, 243, &req, DHCPOFFER, 0, 0, 0), -ENOSPC);
	ck_assert_int_lt(dhcp_reply_finish(&r), 0);
	ck_assert_int_eq(dhcp_reply_add(&r, 1, &v, 1), -EINVAL);
	ck_assert_int_eq(dhcp_reply_init(&r, buf, 241, &req, DHCP_NONE, 0, 0, 0), 0);
	ck_assert_int_eq(dhcp_reply_finish(&r), 241);
	ck_assert_int_eq(dhcp_reply_init(&r, NULL, 576, &req, DHCPOFFER, 0, 0, 0), -EINVAL);
	ck_assert_int_eq(dhcp_reply_init(&r, buf, 576, NULL, DHCPOFFER, 0, 0, 0), -EINVAL);
	ck_assert_int_eq(dhcp_reply_init(&r, buf, 576, &req, 9, 0, 0, 0), -EINVAL);
	ck_assert_int_eq(dhcp_reply_init(&r, buf, 576, &req, DHCPOFFER, 0, 0, 0), 0);
	ck_assert_int_eq(dhcp_reply_add(&r, DHO_PAD, &v, 1), -EINVAL);
	ck_assert_int_eq(dhcp_reply_add(&r, DHO_END, &v, 1), -EINVAL);
	ck_assert_int_eq(dhcp_reply_add(&r, 43, NULL, 4), -EINVAL);
	ck_assert_int_eq(r.err, -EINVAL);
	/* Rejected options leave the message as it was. */
	ck_assert_uint_eq(r.len, 243);
	ck_assert_int_eq(dhcp_reply_add(&r, 80, NULL, 0), 0);
	ck_assert_int_eq(dhcp_reply_finish(&r), 300);
	ck_assert_uint_eq(buf[243], 80);
	ck_assert_uint_eq(buf[244], 0);
	ck_assert_uint_eq(buf[245], DHO_END);
}
END_TEST

/* parse(build(x)): a reply read back as a request carries what was built. */
START_TEST(test_reply_round_trip)
{
	static struct pkt p;
	struct dhcp_msg req, back;
	struct dhcp_reply r;
	uint8_t buf[DHCP_MAX_PAYLOAD];
	uint16_t len, rlen;
	const uint8_t *v, *rai;
	int n;

	build_relayed_discover(&p);
	ck_assert_int_eq(dhcp_msg_parse(p.b, p.len, &req), DROP_NONE);
	rai = dhcp_msg_opt(&req, DHO_RELAY_AGENT_INFO, &rlen);
	ck_assert_ptr_nonnull(rai);
	ck_assert_int_eq(dhcp_reply_init(&r, buf, req.max_msg_size - 28u, &req, DHCPREQUEST,
					 0xc0a8320au, 0, 0xc0a83201u),
			 0);
	ck_assert_int_eq(dhcp_reply_add_u32(&r, DHO_SERVER_ID, 0xc0a83201u), 0);
	ck_assert_int_eq(dhcp_reply_add_u32(&r, DHO_LEASE_TIME, 86400), 0);
	ck_assert_int_eq(dhcp_reply_add(&r, DHO_DOMAIN_NAME, "example.com", 11), 0);
	/* RFC 3046 sec 2.2: the server echoes option 82 as it came. */
	ck_assert_int_eq(dhcp_reply_add(&r, DHO_RELAY_AGENT_INFO, rai, rlen), 0);
	n = dhcp_reply_finish(&r);
	ck_assert_int_gt(n, 0);

	buf[OFF_OP] = BOOTREQUEST;
	ck_assert_int_eq(dhcp_msg_parse(buf, (size_t)n, &back), DROP_NONE);
	ck_assert_uint_eq(back.msg_type, DHCPREQUEST);
	ck_assert_uint_eq(back.xid, req.xid);
	ck_assert_uint_eq(back.hops, 0);
	ck_assert_uint_eq(back.secs, 0);
	ck_assert_uint_eq(back.yiaddr, 0xc0a8320au);
	ck_assert_uint_eq(back.siaddr, 0xc0a83201u);
	ck_assert_uint_eq(back.giaddr, req.giaddr);
	ck_assert_uint_eq(back.flags, req.flags);
	ck_assert_mem_eq(back.chaddr, req.chaddr, sizeof(req.chaddr));
	ck_assert_uint_eq(back.server_id, 0xc0a83201u);
	ck_assert_uint_eq(back.lease_time_req, 86400);
	ck_assert_uint_eq(back.link_selection, req.link_selection);
	v = dhcp_msg_opt(&back, DHO_DOMAIN_NAME, &len);
	ck_assert_ptr_nonnull(v);
	ck_assert_mem_eq(v, "example.com", 11);
	v = dhcp_msg_opt(&back, DHO_RELAY_AGENT_INFO, &len);
	ck_assert_ptr_nonnull(v);
	ck_assert_uint_eq(len, rlen);
	ck_assert_mem_eq(v, rai, rlen);
}
END_TEST

static Suite *dhcp_msg_suite(void)
{
	Suite *s = suite_create("dhcp_msg");
	TCase *tc;

	tc = tcase_create("malformed");
	tcase_add_loop_test(tc, test_bad_input, 0, (int)(sizeof(bad_cases) / sizeof(bad_cases[0])));
	suite_add_tcase(s, tc);

	tc = tcase_create("hostile_accepted");
	tcase_add_loop_test(tc, test_hostile_accepted, 0,
			    (int)(sizeof(good_cases) / sizeof(good_cases[0])));
	tcase_add_test(tc, test_hops_limit);
	tcase_add_test(tc, test_max_payload);
	suite_add_tcase(s, tc);

	tc = tcase_create("well_formed");
	tcase_add_test(tc, test_dhclient_discover);
	tcase_add_test(tc, test_dhclient_request);
	tcase_add_test(tc, test_dhclient_truncations);
	tcase_add_test(tc, test_windows_discover);
	tcase_add_test(tc, test_relayed_discover);
	tcase_add_test(tc, test_overload_concat);
	tcase_add_test(tc, test_concat_at_cap);
	tcase_add_test(tc, test_decoded_addresses);
	suite_add_tcase(s, tc);

	tc = tcase_create("describe");
	tcase_add_test(tc, test_type_names);
	tcase_add_test(tc, test_describe);
	tcase_add_test(tc, test_describe_escapes);
	tcase_add_test(tc, test_describe_truncation);
	suite_add_tcase(s, tc);

	tc = tcase_create("reply");
	tcase_add_test(tc, test_reply_golden_offer);
	tcase_add_test(tc, test_reply_sum);
	tcase_add_test(tc, test_reply_add_encoded);
	tcase_add_test(tc, test_parse_reuse);
	tcase_add_test(tc, test_reply_rfc3396_split);
	tcase_add_test(tc, test_reply_enospc);
	tcase_add_test(tc, test_reply_padding);
	tcase_add_test(tc, test_reply_errors);
	tcase_add_test(tc, test_reply_round_trip);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(dhcp_msg_suite());
	int failures;

	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failures ? 1 : 0;
}
