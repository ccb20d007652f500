/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests for common/failover/fo_msg.c: the messages ISC dhcpd 4.4.3-P1
 * sent in the lab (../shared/specs/failover.md sec 12 and sec 6) decoded
 * field by field and rebuilt byte-exact, and one bad input per error code.
 *
 * Where the spec shows a field as <time> or <xid> (CONNECTACK, STATE,
 * BNDACK) the value here is ours; every other byte is as captured.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "failover/fo_msg.h"
#include "isc_messages.h"

#define BIT(code) (1u << (code))

/* CONNECT from an ISC primary (split 128, mclt 300, max-response-delay 30, max-unacked 10). */
static const uint8_t isc_connect[] = {
	0x00, 0x71, 0x05, 0x0c, 0x6b, 0x02, 0xc9, 0xa9, 0x00, 0x00, 0x00, 0x00,
	/* 22 relationship-name "fo-research" */
	0x00, 0x16, 0x00, 0x0b, 'f', 'o', '-', 'r', 'e', 's', 'e', 'a', 'r', 'c', 'h',
	/* 14 max-unacked-bndupd 10, 19 receive-timer 30 */
	0x00, 0x0e, 0x00, 0x04, 0x00, 0x00, 0x00, 0x0a, 0x00, 0x13, 0x00, 0x04, 0x00, 0x00, 0x00,
	0x1e,
	/* 28 vendor-class-identifier "isc-4.4.3-P1" */
	0x00, 0x1c, 0x00, 0x0c, 'i', 's', 'c', '-', '4', '.', '4', '.', '3', '-', 'P', '1',
	/* 20 protocol-version 1, 27 TLS-request 0, 15 MCLT 300 */
	0x00, 0x14, 0x00, 0x01, 0x01, 0x00, 0x1b, 0x00, 0x01, 0x00, 0x00, 0x0f, 0x00, 0x04, 0x00,
	0x00, 0x01, 0x2c,
	/* 11 hash-bucket-assignment ff x16 00 x16 */
	0x00, 0x0b, 0x00, 0x20, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00
};

/* CONNECTACK from an ISC secondary: options 22, 14, 19, 28, 20, 26. */
static const uint8_t isc_connectack[] = {
	0x00, 0x45, 0x06, 0x0c, 0x6b, 0x02, 0xc9, 0xaa, 0x00, 0x00, 0x00, 0x00, 0x00, 0x16,
	0x00, 0x0b, 'f',  'o',	'-',  'r',  'e',  's',	'e',  'a',  'r',  'c',	'h',  0x00,
	0x0e, 0x00, 0x04, 0x00, 0x00, 0x00, 0x0a, 0x00, 0x13, 0x00, 0x04, 0x00, 0x00, 0x00,
	0x1e, 0x00, 0x1c, 0x00, 0x0c, 'i',  's',  'c',	'-',  '4',  '.',  '4',	'.',  '3',
	'-',  'P',  '1',  0x00, 0x14, 0x00, 0x01, 0x01, 0x00, 0x1a, 0x00, 0x01, 0x00
};

/* STATE from a fresh ISC: RECOVER with the STARTUP flag; options 24, 23, 25. */
static const uint8_t isc_state[] = { 0x00, 0x1e, 0x0a, 0x0c, 0x6b, 0x02, 0xc9, 0xaa, 0x00, 0x00,
				     0x00, 0x01, 0x00, 0x18, 0x00, 0x01, 0x06, 0x00, 0x17, 0x00,
				     0x01, 0x01, 0x00, 0x19, 0x00, 0x04, 0x6b, 0x02, 0xc9, 0xa5 };

static struct fo_msg msg;

static void parse_ok(const uint8_t *b, size_t len)
{
	enum fo_err err = fo_msg_parse(b, len, &msg);

	ck_assert_msg(err == FO_ERR_NONE, "parse: %s", fo_err_name(err));
	ck_assert_int_eq(fo_err_action(err), FO_ACT_ACCEPT);
	ck_assert_uint_eq(msg.hdr.len, len);
	ck_assert_uint_eq(msg.hdr.poff, FO_POFF_ISC);
	ck_assert_uint_eq(msg.opts_off, FO_HDR_LEN);
	ck_assert_uint_eq(msg.n_unknown, 0);
}

/* A captured message: parsed, with this header. */
static void parse_isc(const uint8_t *b, size_t len, uint8_t type, uint32_t time, uint32_t xid)
{
	parse_ok(b, len);
	ck_assert_uint_eq(msg.hdr.type, type);
	ck_assert_uint_eq(msg.hdr.time, time);
	ck_assert_uint_eq(msg.hdr.xid, xid);
}

static void assert_text(const uint8_t *(*get)(const struct fo_msg *, uint16_t *), const char *want)
{
	uint16_t len = 0;
	const uint8_t *got = get(&msg, &len);

	ck_assert_ptr_nonnull(got);
	ck_assert_uint_eq(len, strlen(want));
	ck_assert_int_eq(memcmp(got, want, len), 0);
}

static void assert_u32(int (*get)(const struct fo_msg *, uint32_t *), uint32_t want)
{
	uint32_t v = ~want;

	ck_assert_int_eq(get(&msg, &v), 0);
	ck_assert_uint_eq(v, want);
}

static void assert_u8(int (*get)(const struct fo_msg *, uint8_t *), uint8_t want)
{
	uint8_t v = (uint8_t)~want;

	ck_assert_int_eq(get(&msg, &v), 0);
	ck_assert_uint_eq(v, want);
}

static void assert_rebuilt(const uint8_t *out, int n, const uint8_t *want, size_t len)
{
	ck_assert_int_eq(n, (int)len);
	ck_assert_int_eq(memcmp(out, want, len), 0);
}

/* The name/version pair CONNECT and CONNECTACK both carry, in ISC's order. */
static void build_identity(struct fo_builder *b)
{
	ck_assert_int_eq(fo_build_relationship_name(b, "fo-research", 11), 0);
	ck_assert_int_eq(fo_build_max_unacked(b, 10), 0);
	ck_assert_int_eq(fo_build_receive_timer(b, 30), 0);
	ck_assert_int_eq(fo_build_vendor_class(b, "isc-4.4.3-P1", 12), 0);
	ck_assert_int_eq(fo_build_protocol_version(b, 1), 0);
}

static void assert_identity(void)
{
	assert_text(fo_msg_relationship_name, "fo-research");
	assert_u32(fo_msg_max_unacked, 10);
	assert_u32(fo_msg_receive_timer, 30);
	assert_text(fo_msg_vendor_class, "isc-4.4.3-P1");
	assert_u8(fo_msg_protocol_version, 1);
}

START_TEST(test_isc_connect)
{
	uint8_t hba[32], out[FO_MSG_MAX];
	const uint8_t *p;
	uint16_t len = 0;
	uint8_t u8;
	struct fo_builder b;

	/* xid 0: ISC's first on a link (pitfall 12). */
	parse_isc(isc_connect, sizeof(isc_connect), FO_MSG_CONNECT, 0x6b02c9a9u, 0);
	ck_assert_uint_eq(msg.n_bindings, 0);
	ck_assert_uint_eq(msg.present, BIT(22) | BIT(14) | BIT(19) | BIT(28) | BIT(20) | BIT(27) |
					   BIT(15) | BIT(11));
	assert_identity();
	assert_u8(fo_msg_tls_request, 0);
	assert_u32(fo_msg_mclt, 300);
	memset(hba, 0xff, 16);
	memset(hba + 16, 0, 16);
	p = fo_msg_hba(&msg, &len);
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(len, 32);
	ck_assert_int_eq(memcmp(p, hba, 32), 0);
	ck_assert_int_eq(fo_msg_tls_reply(&msg, &u8), -ENOENT);
	ck_assert_int_eq(fo_msg_reject_reason(&msg, &u8), -ENOENT);
	ck_assert_ptr_null(fo_msg_message(&msg, &len));

	ck_assert_int_eq(fo_build_start(&b, out, sizeof(out), FO_MSG_CONNECT, 0x6b02c9a9u, 0), 0);
	build_identity(&b);
	ck_assert_int_eq(fo_build_tls_request(&b, 0), 0);
	ck_assert_int_eq(fo_build_mclt(&b, 300), 0);
	ck_assert_int_eq(fo_build_hba(&b, hba, sizeof(hba)), 0);
	assert_rebuilt(out, fo_build_finish(&b), isc_connect, sizeof(isc_connect));
}
END_TEST

START_TEST(test_isc_connectack)
{
	uint8_t out[FO_MSG_MAX];
	uint8_t u8;
	struct fo_builder b;

	parse_isc(isc_connectack, sizeof(isc_connectack), FO_MSG_CONNECTACK, 0x6b02c9aau, 0);
	ck_assert_uint_eq(msg.present, BIT(22) | BIT(14) | BIT(19) | BIT(28) | BIT(20) | BIT(26));
	assert_identity();
	assert_u8(fo_msg_tls_reply, 0);
	ck_assert_int_eq(fo_msg_reject_reason(&msg, &u8), -ENOENT);
	ck_assert_int_eq(fo_msg_mclt(&msg, &(uint32_t){ 0 }), -ENOENT);

	ck_assert_int_eq(fo_build_start(&b, out, sizeof(out), FO_MSG_CONNECTACK, 0x6b02c9aau, 0),
			 0);
	build_identity(&b);
	ck_assert_int_eq(fo_build_tls_reply(&b, 0), 0);
	assert_rebuilt(out, fo_build_finish(&b), isc_connectack, sizeof(isc_connectack));
}
END_TEST

START_TEST(test_isc_state)
{
	uint8_t out[FO_MSG_MAX];
	struct fo_builder b;

	parse_isc(isc_state, sizeof(isc_state), FO_MSG_STATE, 0x6b02c9aau, 1);
	ck_assert_uint_eq(msg.present, BIT(24) | BIT(23) | BIT(25));
	assert_u8(fo_msg_server_state, FO_STATE_RECOVER);
	assert_u8(fo_msg_server_flags, FO_SERVER_FLAG_STARTUP);
	assert_u32(fo_msg_start_time_of_state, 0x6b02c9a5u);

	ck_assert_int_eq(fo_build_start(&b, out, sizeof(out), FO_MSG_STATE, 0x6b02c9aau, 1), 0);
	ck_assert_int_eq(fo_build_server_state(&b, FO_STATE_RECOVER), 0);
	ck_assert_int_eq(fo_build_server_flags(&b, FO_SERVER_FLAG_STARTUP), 0);
	ck_assert_int_eq(fo_build_start_time_of_state(&b, 0x6b02c9a5u), 0);
	assert_rebuilt(out, fo_build_finish(&b), isc_state, sizeof(isc_state));
}
END_TEST

START_TEST(test_isc_bndupd_bndack)
{
	uint8_t out[FO_MSG_MAX];
	uint16_t len;
	struct fo_builder b;

	parse_isc(isc_bndupd, sizeof(isc_bndupd), FO_MSG_BNDUPD, 0x6b02c9a9u, 0x1a);
	ck_assert_uint_eq(msg.n_bindings, 1);
	ck_assert_uint_eq(msg.present, BIT(2) | BIT(3) | BIT(13) | BIT(18) | BIT(25));
	assert_u32(fo_msg_assigned_ip, 0xc0000264u); /* 192.0.2.100, host order */
	assert_u8(fo_msg_binding_status, FO_BINDING_BACKUP);
	assert_u32(fo_msg_lease_expiration, 0);
	assert_u32(fo_msg_potential_expiration, 0x6b02c9a9u);
	assert_u32(fo_msg_start_time_of_state, 0x6b02c9a9u);
	ck_assert_ptr_null(fo_msg_chaddr(&msg, &len));
	ck_assert_ptr_null(fo_msg_client_id(&msg, &len));
	ck_assert_int_eq(fo_msg_cltt(&msg, &(uint32_t){ 0 }), -ENOENT);
	ck_assert_int_eq(fo_msg_ip_flags(&msg, &(uint16_t){ 0 }), -ENOENT);

	ck_assert_int_eq(fo_build_start(&b, out, sizeof(out), FO_MSG_BNDUPD, 0x6b02c9a9u, 0x1a), 0);
	ck_assert_int_eq(fo_build_assigned_ip(&b, 0xc0000264u), 0);
	ck_assert_int_eq(fo_build_binding_status(&b, FO_BINDING_BACKUP), 0);
	ck_assert_int_eq(fo_build_lease_expiration(&b, 0), 0);
	ck_assert_int_eq(fo_build_potential_expiration(&b, 0x6b02c9a9u), 0);
	ck_assert_int_eq(fo_build_start_time_of_state(&b, 0x6b02c9a9u), 0);
	assert_rebuilt(out, fo_build_finish(&b), isc_bndupd, sizeof(isc_bndupd));

	parse_isc(isc_bndack, sizeof(isc_bndack), FO_MSG_BNDACK, 0x6b02c9abu, 0x1b);
	ck_assert_uint_eq(msg.n_bindings, 1);
	ck_assert_uint_eq(msg.present, BIT(2));
	assert_u32(fo_msg_assigned_ip, 0xc000026eu);
	ck_assert_int_eq(fo_build_start(&b, out, sizeof(out), FO_MSG_BNDACK, 0x6b02c9abu, 0x1b), 0);
	ck_assert_int_eq(fo_build_assigned_ip(&b, 0xc000026eu), 0);
	assert_rebuilt(out, fo_build_finish(&b), isc_bndack, sizeof(isc_bndack));
}
END_TEST

/* An ACTIVE binding with every client field the state machine reads, in a batch of three. */
START_TEST(test_bndupd_batch)
{
	static const uint8_t chaddr[7] = { 1, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };
	static const uint8_t cid[7] = { 1, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };
	uint8_t out[FO_MSG_MAX];
	const uint8_t *p;
	uint16_t len = 0;
	struct fo_builder b;
	int n;

	ck_assert_int_eq(fo_build_start(&b, out, sizeof(out), FO_MSG_BNDUPD, 1000, 7), 0);
	for (uint32_t i = 0; i < 3; i++) {
		fo_build_assigned_ip(&b, 0xc0000201u + i);
		fo_build_ip_flags(&b, FO_IP_FLAG_RESERVED);
		fo_build_binding_status(&b, FO_BINDING_ACTIVE);
		fo_build_client_id(&b, cid, sizeof(cid));
		fo_build_chaddr(&b, chaddr, sizeof(chaddr));
		fo_build_lease_expiration(&b, 2000 + i);
		fo_build_potential_expiration(&b, 3000 + i);
		fo_build_cltt(&b, 900 + i);
		fo_build_start_time_of_state(&b, 800 + i);
	}
	n = fo_build_finish(&b);
	ck_assert_int_gt(n, 0);
	parse_ok(out, (size_t)n);
	ck_assert_uint_eq(msg.n_bindings, 3);
	for (unsigned i = 3; i-- > 0;) {
		ck_assert_int_eq(fo_msg_select_binding(&msg, i), 0);
		ck_assert_uint_eq(msg.binding, i);
		assert_u32(fo_msg_assigned_ip, 0xc0000201u + i);
		assert_u8(fo_msg_binding_status, FO_BINDING_ACTIVE);
		assert_u32(fo_msg_lease_expiration, 2000 + i);
		assert_u32(fo_msg_potential_expiration, 3000 + i);
		assert_u32(fo_msg_cltt, 900 + i);
		assert_u32(fo_msg_start_time_of_state, 800 + i);
		uint16_t flags = 0;
		ck_assert_int_eq(fo_msg_ip_flags(&msg, &flags), 0);
		ck_assert_uint_eq(flags, FO_IP_FLAG_RESERVED);
		p = fo_msg_chaddr(&msg, &len);
		ck_assert_ptr_nonnull(p);
		ck_assert_uint_eq(len, sizeof(chaddr));
		ck_assert_int_eq(memcmp(p, chaddr, len), 0);
		p = fo_msg_client_id(&msg, &len);
		ck_assert_ptr_nonnull(p);
		ck_assert_uint_eq(len, sizeof(cid));
		ck_assert_int_eq(memcmp(p, cid, len), 0);
	}
	ck_assert_int_eq(fo_msg_select_binding(&msg, 3), -ERANGE);
	ck_assert_uint_eq(msg.binding, 0);
}
END_TEST

/* A rejecting DISCONNECT: reject-reason and message (draft sec 7.12). */
START_TEST(test_disconnect)
{
	uint8_t out[FO_MSG_MAX];
	struct fo_builder b;
	int n;

	ck_assert_int_eq(fo_build_start(&b, out, sizeof(out), FO_MSG_DISCONNECT, 5, 6), 0);
	ck_assert_int_eq(fo_build_reject_reason(&b, FO_REJECT_UNKNOWN), 0);
	ck_assert_int_eq(fo_build_message(&b, "bye", 3), 0);
	n = fo_build_finish(&b);
	ck_assert_int_eq(n, FO_HDR_LEN + 5 + 7);
	parse_ok(out, (size_t)n);
	assert_u8(fo_msg_reject_reason, FO_REJECT_UNKNOWN);
	assert_text(fo_msg_message, "bye");
	ck_assert_str_eq(fo_reject_reason_name(254), "unknown error");
}
END_TEST

/* Microsoft's payload offset 8 means 12; a larger offset skips extra header bytes. */
START_TEST(test_poff)
{
	uint8_t b[sizeof(isc_state) + 4];

	memcpy(b, isc_state, sizeof(isc_state));
	b[3] = FO_POFF_MS;
	ck_assert_int_eq(fo_msg_parse(b, sizeof(isc_state), &msg), FO_ERR_NONE);
	ck_assert_uint_eq(msg.hdr.poff, 8);
	ck_assert_uint_eq(msg.opts_off, 12);
	assert_u8(fo_msg_server_state, FO_STATE_RECOVER);

	/* Four extra header bytes that look like a truncated option: skipped. */
	memcpy(b, isc_state, FO_HDR_LEN);
	memset(b + FO_HDR_LEN, 0xee, 4);
	memcpy(b + FO_HDR_LEN + 4, isc_state + FO_HDR_LEN, sizeof(isc_state) - FO_HDR_LEN);
	b[1] = sizeof(b);
	b[3] = FO_HDR_LEN + 4;
	ck_assert_int_eq(fo_msg_parse(b, sizeof(b), &msg), FO_ERR_NONE);
	ck_assert_uint_eq(msg.opts_off, 16);
	assert_u32(fo_msg_start_time_of_state, 0x6b02c9a5u);

	/* Payload offset equal to the length: a message without options. */
	b[1] = FO_HDR_LEN;
	b[2] = FO_MSG_CONTACT;
	b[3] = FO_HDR_LEN;
	ck_assert_int_eq(fo_msg_parse(b, FO_HDR_LEN, &msg), FO_ERR_NONE);
	ck_assert_uint_eq(msg.present, 0);
}
END_TEST

/* Code 0, Microsoft's 30 and 0xffff are skipped and counted (draft sec 6.1). */
START_TEST(test_unknown_options)
{
	static const uint8_t extra[] = { 0x00, 0x1e, 0x00, 0x04, 0x01, 0x00, 0xa8, 0xc0, 0x00,
					 0x00, 0x00, 0x00, 0xff, 0xff, 0x00, 0x02, 0x12, 0x34 };
	uint8_t b[sizeof(isc_state) + sizeof(extra)];

	memcpy(b, isc_state, FO_HDR_LEN);
	memcpy(b + FO_HDR_LEN, extra, sizeof(extra));
	memcpy(b + FO_HDR_LEN + sizeof(extra), isc_state + FO_HDR_LEN,
	       sizeof(isc_state) - FO_HDR_LEN);
	b[1] = sizeof(b);
	ck_assert_int_eq(fo_msg_parse(b, sizeof(b), &msg), FO_ERR_NONE);
	ck_assert_uint_eq(msg.n_unknown, 3);
	ck_assert_uint_eq(msg.present, BIT(24) | BIT(23) | BIT(25));
	assert_u8(fo_msg_server_state, FO_STATE_RECOVER);
	assert_u8(fo_msg_server_flags, FO_SERVER_FLAG_STARTUP);
	assert_u32(fo_msg_start_time_of_state, 0x6b02c9a5u);
}
END_TEST

/* A message of 12 header bytes then the given option bytes; the length field matches. */
#define HDR(type, ...) \
	{ \
		0x00, (uint8_t)(12 + sizeof((const uint8_t[]){ 0, ##__VA_ARGS__ }) - 1), type, \
		    0x0c, 0, 0, 0, 1, 0, 0, 0, 2, ##__VA_ARGS__ \
	}

struct bad_case {
	const char *what;
	uint8_t b[40];
	size_t len; /* 0: the length field's value */
	enum fo_err err;
	uint16_t err_opt;
};

static const struct bad_case bad_cases[] = {
	{ "empty", { 0 }, 0, FO_ERR_SHORT, 0 },
	{ "11-byte header", { 0x00, 0x0c, 0x0b, 0x0c, 0, 0, 0, 0, 0, 0, 0 }, 11, FO_ERR_SHORT, 0 },
	{ "length 11", { 0x00, 0x0b, 0x0b, 0x0c }, 12, FO_ERR_LEN_FIELD, 0 },
	{ "length 0", { 0x00, 0x00, 0x0b, 0x0c }, 12, FO_ERR_LEN_FIELD, 0 },
	{ "length 2049", { 0x08, 0x01, 0x0b, 0x0c }, 12, FO_ERR_LEN_FIELD, 0 },
	{ "length 16, 12 bytes", { 0x00, 0x10, 0x0b, 0x0c }, 12, FO_ERR_TRUNCATED, 0 },
	{ "length 12, 13 bytes", { 0x00, 0x0c, 0x0b, 0x0c }, 13, FO_ERR_TRAILING, 0 },
	{ "poff 13 > length 12", { 0x00, 0x0c, 0x0b, 0x0d }, 12, FO_ERR_POFF, 0 },
	{ "poff 255", { 0x00, 0x0c, 0x0b, 0xff }, 12, FO_ERR_POFF, 0 },
	{ "poff 0", { 0x00, 0x0c, 0x0b, 0x00 }, 12, FO_ERR_POFF, 0 },
	{ "poff 11", { 0x00, 0x0c, 0x0b, 0x0b }, 12, FO_ERR_POFF, 0 },
	{ "poff 4", { 0x00, 0x0c, 0x0b, 0x04 }, 12, FO_ERR_POFF, 0 },
	{ "type 0", HDR(0), 0, FO_ERR_TYPE_UNKNOWN, 0 },
	{ "type 13", HDR(13), 0, FO_ERR_TYPE_UNKNOWN, 0 },
	{ "type 127", HDR(127), 0, FO_ERR_TYPE_UNKNOWN, 0 },
	{ "type 128", HDR(128), 0, FO_ERR_TYPE_IGNORE, 0 },
	{ "type 255", HDR(255), 0, FO_ERR_TYPE_IGNORE, 0 },
	{ "option header cut", HDR(10, 0x00, 0x18), 0, FO_ERR_OPT_TRUNC, 24 },
	{ "option length cut", HDR(10, 0x00, 0x18, 0x00), 0, FO_ERR_OPT_TRUNC, 24 },
	{ "option value past end", HDR(10, 0x00, 0x18, 0x00, 0x02, 0x06), 0, FO_ERR_OPT_TRUNC, 24 },
	{ "option length 65535", HDR(10, 0x00, 0x10, 0xff, 0xff, 'x'), 0, FO_ERR_OPT_TRUNC, 16 },
	{ "unknown option past end", HDR(10, 0x00, 0x1e, 0x00, 0x05, 1, 2, 3, 4), 0,
	  FO_ERR_OPT_TRUNC, 30 },
	/* HBA 31 and 33, IP-flags 1 and 3 and every other fixed size: test_fixed_len. */
	{ "chaddr empty", HDR(3, 0x00, 0x05, 0x00, 0x00), 0, FO_ERR_OPT_LEN, 5 },
	{ "chaddr of 18",
	  HDR(3, 0x00, 0x05, 0x00, 0x12, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17,
	      18),
	  0, FO_ERR_OPT_LEN, 5 },
	{ "DDNS of 1", HDR(3, 0x00, 0x09, 0x00, 0x01, 0x01), 0, FO_ERR_OPT_LEN, 9 },
	{ "digest empty", HDR(11, 0x00, 0x11, 0x00, 0x00), 0, FO_ERR_OPT_LEN, 17 },
	{ "IP-flags of 1 (ISC case F)", HDR(3, 0x00, 0x0c, 0x00, 0x01, 0x01), 0, FO_ERR_OPT_LEN,
	  12 },
	{ "server-state twice", HDR(10, 0x00, 0x18, 0x00, 0x01, 0x02, 0x00, 0x18, 0x00, 0x01, 0x02),
	  0, FO_ERR_OPT_DUP, 24 },
	{ "assigned-IP twice in STATE",
	  HDR(10, 0x00, 0x02, 0x00, 0x04, 1, 2, 3, 4, 0x00, 0x02, 0x00, 0x04, 1, 2, 3, 4), 0,
	  FO_ERR_OPT_DUP, 2 },
	{ "binding-status twice in one binding",
	  HDR(3, 0x00, 0x02, 0x00, 0x04, 1, 2, 3, 4, 0x00, 0x03, 0x00, 0x01, 0x02, 0x00, 0x03, 0x00,
	      0x01, 0x02),
	  0, FO_ERR_OPT_DUP, 3 },
	{ "message before a duplicate",
	  HDR(12, 0x00, 0x10, 0x00, 0x00, 0x00, 0x15, 0x00, 0x01, 0x06, 0x00, 0x10, 0x00, 0x00), 0,
	  FO_ERR_OPT_DUP, 16 },
};

START_TEST(test_bad_input)
{
	const struct bad_case *t = &bad_cases[_i];
	size_t len = t->len ? t->len : t->b[1];
	enum fo_err err = fo_msg_parse(t->b, len, &msg);

	ck_assert_msg(err == t->err, "%s: got %s, want %s", t->what, fo_err_name(err),
		      fo_err_name(t->err));
	ck_assert_int_eq(fo_err_action(err),
			 err == FO_ERR_TYPE_IGNORE ? FO_ACT_IGNORE : FO_ACT_CLOSE);
	if (err >= FO_ERR_OPT_TRUNC)
		ck_assert_msg(msg.err_opt == t->err_opt, "%s: err_opt %u", t->what, msg.err_opt);
	/* Past the length checks the header is there for the session's answer. */
	if (err >= FO_ERR_TRUNCATED) {
		ck_assert_uint_eq(msg.hdr.time, t->b[7]);
		ck_assert_uint_eq(msg.hdr.xid, t->b[11]);
	}
}
END_TEST

/* Every fixed-size option, one byte short and one byte long, in a STATE and a BNDUPD. */
START_TEST(test_fixed_len)
{
	unsigned code = (unsigned)_i;
	uint16_t min, max;
	uint8_t b[64] = { 0 };

	if (!fo_opt_limits(code, &min, &max) || min != max)
		return;
	for (int delta = -1; delta <= 1; delta += 2) {
		size_t vlen = (size_t)(min + delta);
		size_t len = FO_HDR_LEN + FO_OPT_HDR_LEN + vlen;

		if (min == 0 && delta < 0)
			continue;
		memset(b, 0x5a, sizeof(b));
		b[0] = 0;
		b[1] = (uint8_t)len;
		b[2] = delta < 0 ? FO_MSG_STATE : FO_MSG_BNDUPD;
		b[3] = FO_HDR_LEN;
		b[12] = 0;
		b[13] = (uint8_t)code;
		b[14] = 0;
		b[15] = (uint8_t)vlen;
		ck_assert_int_eq(fo_msg_parse(b, len, &msg), FO_ERR_OPT_LEN);
		ck_assert_uint_eq(msg.err_opt, code);
		ck_assert_uint_eq(msg.err_off, FO_HDR_LEN);
		/* The builder refuses to write it. */
		struct fo_builder bld;
		uint8_t out[64];

		fo_build_start(&bld, out, sizeof(out), FO_MSG_STATE, 0, 0);
		ck_assert_int_eq(fo_build_opt(&bld, (uint16_t)code, b + 16, vlen), -EINVAL);
		ck_assert_int_eq(fo_build_finish(&bld), -EINVAL);
	}
	/* And the right size parses. */
	b[1] = (uint8_t)(FO_HDR_LEN + FO_OPT_HDR_LEN + min);
	b[15] = (uint8_t)min;
	ck_assert_int_eq(fo_msg_parse(b, b[1], &msg), FO_ERR_NONE);
	ck_assert(fo_msg_has(&msg, code));
}
END_TEST

START_TEST(test_too_many_bindings)
{
	uint8_t out[FO_MSG_MAX];
	struct fo_builder b;
	int n;

	fo_build_start(&b, out, sizeof(out), FO_MSG_BNDACK, 0, 0);
	for (uint32_t i = 0; i < FO_BINDINGS_MAX; i++)
		ck_assert_int_eq(fo_build_assigned_ip(&b, i), 0);
	n = fo_build_finish(&b);
	ck_assert_int_eq(fo_msg_parse(out, (size_t)n, &msg), FO_ERR_NONE);
	ck_assert_uint_eq(msg.n_bindings, FO_BINDINGS_MAX);
	ck_assert_int_eq(fo_msg_select_binding(&msg, FO_BINDINGS_MAX - 1), 0);
	assert_u32(fo_msg_assigned_ip, FO_BINDINGS_MAX - 1);

	fo_build_start(&b, out, sizeof(out), FO_MSG_BNDACK, 0, 0);
	for (uint32_t i = 0; i <= FO_BINDINGS_MAX; i++)
		ck_assert_int_eq(fo_build_assigned_ip(&b, i), 0);
	n = fo_build_finish(&b);
	ck_assert_int_eq(fo_msg_parse(out, (size_t)n, &msg), FO_ERR_BINDINGS);
	ck_assert_uint_eq(msg.err_opt, FO_OPT_ASSIGNED_IP);
	ck_assert_uint_eq(msg.err_off, FO_HDR_LEN + FO_BINDINGS_MAX * 8);
}
END_TEST

START_TEST(test_builder_errors)
{
	uint8_t out[FO_MSG_MAX + 100], big[FO_MSG_MAX];
	struct fo_builder b;

	ck_assert_int_eq(fo_build_start(&b, out, sizeof(out), 0, 0, 0), -EINVAL);
	ck_assert_int_eq(fo_build_start(&b, out, sizeof(out), 13, 0, 0), -EINVAL);
	ck_assert_int_eq(fo_build_server_state(&b, 2), -EINVAL); /* not started */
	ck_assert_int_eq(fo_build_start(&b, out, 11, FO_MSG_STATE, 0, 0), -ENOSPC);
	ck_assert_int_eq(fo_build_finish(&b), -ENOSPC);

	/* Room for one 5-byte option after the header, not two; the first error is kept. */
	ck_assert_int_eq(fo_build_start(&b, out, 20, FO_MSG_STATE, 0, 0), 0);
	ck_assert_int_eq(fo_build_server_state(&b, 2), 0);
	ck_assert_int_eq(fo_build_server_flags(&b, 0), -ENOSPC);
	ck_assert_uint_eq(b.c.pos, 17);
	ck_assert_int_eq(fo_build_hba(&b, big, 31), -EINVAL);
	ck_assert_int_eq(fo_build_finish(&b), -ENOSPC);
	ck_assert_int_eq(fo_build_server_state(&b, 2), -EINVAL); /* finished */

	/* The cap is clamped to the draft's 2048 bytes. */
	memset(big, 'x', sizeof(big));
	ck_assert_int_eq(fo_build_start(&b, out, sizeof(out), FO_MSG_DISCONNECT, 0, 0), 0);
	ck_assert_int_eq(fo_build_message(&b, big, FO_MSG_MAX - FO_HDR_LEN - 3), -ENOSPC);
	b.err = 0;
	ck_assert_int_eq(fo_build_message(&b, big, FO_MSG_MAX - FO_HDR_LEN - 4), 0);
	ck_assert_int_eq(fo_build_finish(&b), FO_MSG_MAX);
	ck_assert_int_eq(fo_msg_parse(out, FO_MSG_MAX, &msg), FO_ERR_NONE);
	ck_assert_uint_eq(msg.opt[FO_OPT_MESSAGE].len, FO_MSG_MAX - FO_HDR_LEN - 4);

	/* An unknown code is written as given and skipped on the way back. */
	ck_assert_int_eq(fo_build_start(&b, out, sizeof(out), FO_MSG_CONTACT, 0, 0), 0);
	ck_assert_int_eq(fo_build_uint(&b, 41, 4, 1), 0);
	ck_assert_int_eq(fo_build_uint(&b, 41, 3, 1), -EINVAL);
	b.err = 0;
	ck_assert_int_eq(fo_build_finish(&b), 20);
	ck_assert_int_eq(fo_msg_parse(out, 20, &msg), FO_ERR_NONE);
	ck_assert_uint_eq(msg.n_unknown, 1);
}
END_TEST

START_TEST(test_frame_len)
{
	ck_assert_int_eq(fo_msg_frame_len(isc_connect, 0), 0);
	ck_assert_int_eq(fo_msg_frame_len(isc_connect, 1), 0);
	ck_assert_int_eq(fo_msg_frame_len(isc_connect, 2), 0x71);
	ck_assert_int_eq(fo_msg_frame_len((const uint8_t[]){ 0x00, 0x0b }, 2), -EBADMSG);
	ck_assert_int_eq(fo_msg_frame_len((const uint8_t[]){ 0x08, 0x01 }, 2), -EBADMSG);
	ck_assert_int_eq(fo_msg_frame_len((const uint8_t[]){ 0x08, 0x00 }, 2), FO_MSG_MAX);
}
END_TEST

START_TEST(test_names)
{
	for (int i = 0; i < FO_ERR__COUNT; i++) {
		ck_assert_str_ne(fo_err_name(i), "invalid");
		ck_assert_str_ne(fo_err_help(i), "invalid");
		for (int j = 0; j < i; j++)
			ck_assert_str_ne(fo_err_name(i), fo_err_name(j));
	}
	ck_assert_str_eq(fo_err_name(FO_ERR__COUNT), "invalid");
	ck_assert_int_eq(fo_err_action(FO_ERR__COUNT), FO_ACT_CLOSE);
	ck_assert_str_eq(fo_err_name(FO_ERR_OPT_LEN), "opt-len");
	ck_assert_str_eq(fo_msg_type_name(FO_MSG_UPDREQALL), "UPDREQALL");
	ck_assert_str_eq(fo_msg_type_name(0), "unknown");
	ck_assert_str_eq(fo_msg_type_name(13), "unknown");
	ck_assert_str_eq(fo_opt_name(FO_OPT_HBA), "hash-bucket-assignment");
	ck_assert_str_eq(fo_opt_name(30), "unknown");
	ck_assert_str_eq(fo_server_state_name(FO_STATE_RECOVER_WAIT), "recover-wait");
	ck_assert_str_eq(fo_server_state_name(12), "unknown");
	ck_assert_str_eq(fo_binding_status_name(FO_BINDING_BACKUP), "backup");
	ck_assert_str_eq(fo_reject_reason_name(FO_REJECT_HBA_CONFLICT),
			 "hash bucket assignment conflict");
	ck_assert_str_eq(fo_reject_reason_name(22), "unknown");
}
END_TEST

static Suite *fo_msg_suite(void)
{
	Suite *s = suite_create("fo_msg");
	TCase *tc;

	tc = tcase_create("isc");
	tcase_add_test(tc, test_isc_connect);
	tcase_add_test(tc, test_isc_connectack);
	tcase_add_test(tc, test_isc_state);
	tcase_add_test(tc, test_isc_bndupd_bndack);
	suite_add_tcase(s, tc);

	tc = tcase_create("accepted");
	tcase_add_test(tc, test_bndupd_batch);
	tcase_add_test(tc, test_disconnect);
	tcase_add_test(tc, test_poff);
	tcase_add_test(tc, test_unknown_options);
	suite_add_tcase(s, tc);

	tc = tcase_create("malformed");
	tcase_add_loop_test(tc, test_bad_input, 0, (int)(sizeof(bad_cases) / sizeof(bad_cases[0])));
	tcase_add_loop_test(tc, test_fixed_len, 0, FO_OPT_CODE_MAX + 1);
	tcase_add_test(tc, test_too_many_bindings);
	suite_add_tcase(s, tc);

	tc = tcase_create("builder");
	tcase_add_test(tc, test_builder_errors);
	tcase_add_test(tc, test_frame_len);
	tcase_add_test(tc, test_names);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(fo_msg_suite());
	int failures;

	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failures ? 1 : 0;
}
