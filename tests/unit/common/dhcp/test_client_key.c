/* SPDX-License-Identifier: BSD-3-Clause */
/* Client identity (common/dhcp/client_key.c): derivation table and hash golden values. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "dhcp/client_key.h"
#include "base/crc32c.h"

/* Put option `code` with value val into msg's index, as the parser would. */
static void msg_set_opt(struct dhcp_msg *msg, uint8_t code, const uint8_t *val, uint16_t len)
{
	msg->opt_present[code >> 3] |= (uint8_t)(1u << (code & 7));
	msg->opt[code].off = msg->opt_data_used;
	msg->opt[code].len = len;
	memcpy(msg->opt_data + msg->opt_data_used, val, len);
	msg->opt_data_used += len;
}

static void msg_init(struct dhcp_msg *msg, uint8_t htype, uint8_t hlen, const uint8_t *chaddr)
{
	memset(msg, 0, sizeof(*msg));
	msg->op = BOOTREQUEST;
	msg->htype = htype;
	msg->hlen = hlen;
	msg->xid = 0x12345678;
	if (chaddr != NULL)
		memcpy(msg->chaddr, chaddr, hlen);
}

static const uint8_t mac1[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
static const uint8_t zeros[16];

/* Key derivation table (RFC 2131 sec 4.2, RFC 2132 sec 9.14). */
struct key_case {
	const char *name;
	uint8_t htype, hlen;
	const uint8_t *chaddr;
	int cid_len; /* -1: no option 61; else option length, bytes i + 1 */
	enum drop_reason expect;
	uint8_t expect_len;
	uint8_t expect_type; /* key[0] */
};

static const struct key_case key_cases[] = {
	{ "chaddr", 1, 6, mac1, -1, DROP_NONE, 8, LEASE_KEY_HWADDR },
	{ "client id wins over chaddr", 1, 6, mac1, 7, DROP_NONE, 8, LEASE_KEY_CLIENT_ID },
	{ "client id without chaddr", 1, 0, NULL, 3, DROP_NONE, 4, LEASE_KEY_CLIENT_ID },
	{ "hlen 0", 1, 0, NULL, -1, DROP_NO_IDENTITY, 0, 0 },
	{ "chaddr all zero", 1, 6, zeros, -1, DROP_NO_IDENTITY, 0, 0 },
	{ "chaddr zero 16", 1, 16, zeros, -1, DROP_NO_IDENTITY, 0, 0 },
	{ "hlen 17", 1, 17, NULL, -1, DROP_NO_IDENTITY, 0, 0 },
	{ "client id 1 byte", 1, 6, mac1, 1, DROP_CLIENT_ID, 0, 0 },
	{ "client id 0 bytes", 1, 6, mac1, 0, DROP_CLIENT_ID, 0, 0 },
	{ "client id 2 bytes", 1, 6, mac1, 2, DROP_NONE, 3, LEASE_KEY_CLIENT_ID },
	{ "client id 135 bytes", 1, 6, mac1, LEASE_KEY_MAX - 1, DROP_NONE, LEASE_KEY_MAX,
	  LEASE_KEY_CLIENT_ID },
	{ "client id 136 bytes", 1, 6, mac1, LEASE_KEY_MAX, DROP_CLIENT_ID, 0, 0 },
	{ "client id 255 bytes", 1, 6, mac1, 255, DROP_CLIENT_ID, 0, 0 },
};

START_TEST(test_key_table)
{
	const struct key_case *c = &key_cases[_i];
	struct dhcp_msg *msg = calloc(1, sizeof(*msg));
	struct client_key key;
	uint8_t cid[255];
	enum drop_reason r;

	ck_assert_ptr_nonnull(msg);
	msg_init(msg, c->htype, c->hlen, c->chaddr);
	if (c->hlen > 16)
		msg->chaddr[0] = 1;
	for (unsigned i = 0; i < sizeof(cid); i++)
		cid[i] = (uint8_t)(i + 1);
	if (c->cid_len >= 0)
		msg_set_opt(msg, DHO_CLIENT_ID, cid, (uint16_t)c->cid_len);
	memset(&key, 0xa5, sizeof(key));
	r = client_key_from_msg(msg, &key);
	ck_assert_msg(r == c->expect, "%s: got %s, want %s", c->name, drop_reason_name(r),
		      drop_reason_name(c->expect));
	if (c->expect == DROP_NONE) {
		ck_assert_uint_eq(key.len, c->expect_len);
		ck_assert_uint_eq(key.bytes[0], c->expect_type);
		if (c->expect_type == LEASE_KEY_CLIENT_ID) {
			ck_assert_mem_eq(key.bytes + 1, cid, key.len - 1u);
		} else {
			ck_assert_uint_eq(key.bytes[1], c->htype);
			ck_assert_mem_eq(key.bytes + 2, c->chaddr, c->hlen);
		}
		ck_assert_uint_eq(key.hash, client_key_hash(key.bytes, key.len));
	}
	free(msg);
}
END_TEST

/* The xid is per exchange, never identity: two exchanges, one key. */
START_TEST(test_key_ignores_xid)
{
	struct dhcp_msg *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
	struct client_key ka, kb;

	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	msg_init(a, 1, 6, mac1);
	msg_init(b, 1, 6, mac1);
	b->xid = 0xdeadbeef;
	b->secs = 9;
	b->ciaddr = 0x0a000005;
	ck_assert_int_eq(client_key_from_msg(a, &ka), DROP_NONE);
	ck_assert_int_eq(client_key_from_msg(b, &kb), DROP_NONE);
	ck_assert_uint_eq(ka.len, kb.len);
	ck_assert_mem_eq(ka.bytes, kb.bytes, ka.len);
	ck_assert_uint_eq(ka.hash, kb.hash);
	free(a);
	free(b);
}
END_TEST

/* Same chaddr bytes on another link type is another client. */
START_TEST(test_key_htype_matters)
{
	struct dhcp_msg *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
	struct client_key ka, kb;

	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	msg_init(a, 1, 6, mac1);
	msg_init(b, 6, 6, mac1);
	ck_assert_int_eq(client_key_from_msg(a, &ka), DROP_NONE);
	ck_assert_int_eq(client_key_from_msg(b, &kb), DROP_NONE);
	ck_assert_int_ne(memcmp(ka.bytes, kb.bytes, ka.len), 0);
	free(a);
	free(b);
}
END_TEST

/*
 * Golden values: the hash picks the shard and recovery re-shards journal
 * records with it, so it must never change. If this fails, the hash
 * changed; do not update the constants. (The CRC-32C under it is checked
 * against its standard check value 0xe3069283 for "123456789".)
 */
#define HW_KEY_GOLDEN 0xf060ab88u
#define CID_KEY_GOLDEN 0xfe553661u
#define EMPTY_KEY_GOLDEN 0x00000000u

START_TEST(test_hash_golden)
{
	static const uint8_t hw_key[] = { LEASE_KEY_HWADDR, 1, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
	static const uint8_t cid_key[] = {
		LEASE_KEY_CLIENT_ID, 0x01, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55
	};

	ck_assert_uint_eq(client_key_hash(hw_key, sizeof(hw_key)), HW_KEY_GOLDEN);
	ck_assert_uint_eq(client_key_hash(cid_key, sizeof(cid_key)), CID_KEY_GOLDEN);
	ck_assert_uint_eq(client_key_hash(NULL, 0), EMPTY_KEY_GOLDEN);
	ck_assert_uint_eq(crc32c(0, "123456789", 9), 0xe3069283u);
}
END_TEST

/*
 * crc32c() may use the CPU's CRC-32C instruction; it must give the value of
 * the portable table for every length, alignment, seed and chain split, or
 * keys would shard differently on another machine.
 */
START_TEST(test_crc32c_matches_portable)
{
	uint8_t buf[600];
	uint32_t x = 0x12345678u;

	for (size_t i = 0; i < sizeof(buf); i++) {
		x = x * 1103515245u + 12345u;
		buf[i] = (uint8_t)(x >> 16);
	}
	ck_assert_uint_eq(crc32c_portable(0, "123456789", 9), 0xe3069283u);
	for (size_t align = 0; align < 8; align++) {
		for (size_t len = 0; len <= 300; len++) {
			uint32_t seed = (uint32_t)(len * 0x9e3779b9u);
			const uint8_t *p = buf + align;

			ck_assert_uint_eq(crc32c(0, p, len), crc32c_portable(0, p, len));
			ck_assert_uint_eq(crc32c(seed, p, len), crc32c_portable(seed, p, len));
			size_t split = len / 3;
			ck_assert_uint_eq(crc32c(crc32c(0, p, split), p + split, len - split),
					  crc32c_portable(0, p, len));
		}
	}
}
END_TEST

/* Sequential MACs spread over 2 and 3 shards (the finaliser's job). */
START_TEST(test_hash_shard_balance)
{
	unsigned count2[2] = { 0 }, count3[3] = { 0 };
	uint8_t key[8] = { LEASE_KEY_HWADDR, 1, 0x52, 0x54, 0x00, 0x12, 0x00, 0x00 };

	for (unsigned i = 0; i < 4096; i++) {
		uint32_t h;

		key[6] = (uint8_t)(i >> 8);
		key[7] = (uint8_t)i;
		h = client_key_hash(key, sizeof(key));
		count2[client_key_shard(h, 2)]++;
		count3[client_key_shard(h, 3)]++;
	}
	for (unsigned s = 0; s < 2; s++)
		ck_assert_msg(count2[s] > 1800 && count2[s] < 2300, "shard %u of 2: %u", s,
			      count2[s]);
	for (unsigned s = 0; s < 3; s++)
		ck_assert_msg(count3[s] > 1150 && count3[s] < 1580, "shard %u of 3: %u", s,
			      count3[s]);
	ck_assert_uint_eq(client_key_shard(12345, 0), 0);
}
END_TEST

static Suite *client_key_suite(void)
{
	Suite *s = suite_create("client_key");
	TCase *tc = tcase_create("derive");

	tcase_add_loop_test(tc, test_key_table, 0, sizeof(key_cases) / sizeof(key_cases[0]));
	tcase_add_test(tc, test_key_ignores_xid);
	tcase_add_test(tc, test_key_htype_matters);
	suite_add_tcase(s, tc);
	tc = tcase_create("hash");
	tcase_add_test(tc, test_hash_golden);
	tcase_add_test(tc, test_crc32c_matches_portable);
	tcase_add_test(tc, test_hash_shard_balance);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(client_key_suite());
	int failures;

	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failures ? 1 : 0;
}
