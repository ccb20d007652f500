/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DHCID (control/ddns/ddns_dhcid.c) against the RFC 4701 sec 3.6 test
 * vectors, and the identifier each kind of lease key selects.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../../unit_suite.h"
#include "ddns/ddns_dhcid.h"
#include "lease/lease.h"

static void hex(const char *s, uint8_t *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		ck_assert_int_eq(sscanf(s + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
}

static void expect(const uint8_t *got, const char *want_hex)
{
	uint8_t want[DHCID_LEN];

	hex(want_hex, want, DHCID_LEN);
	ck_assert_mem_eq(got, want, DHCID_LEN);
}

#define V1 "000201636fc0b8271c82825bb1ac5c41cf5351aa69b4febd94e8f17cdb95000da48c40"
#define V2 "0001013920fe5d1dceb3fd0ba3379756a70d73b17009f41d58bddbfcd6a2503956d8da"
#define V3 "000001c4b9a5b249651343158dde7bcc77169841f7a4243a572b5c283fffedeb3f75e6"

START_TEST(rfc4701_vectors)
{
	static const uint8_t duid[] = { 0x00, 0x01, 0x00, 0x06, 0x41, 0x2d, 0xf1,
					0x66, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06 };
	static const uint8_t cid[] = { 0x01, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c };
	static const uint8_t hw[] = { 0x01, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06 };
	uint8_t d[DHCID_LEN];

	ck_assert_int_eq(
	    ddns_dhcid_raw(DHCID_TYPE_DUID, duid, sizeof(duid), "chi6.example.com", 16, d), 0);
	expect(d, V1);
	ck_assert_int_eq(
	    ddns_dhcid_raw(DHCID_TYPE_CLIENT_ID, cid, sizeof(cid), "chi.example.com", 15, d), 0);
	expect(d, V2);
	ck_assert_int_eq(
	    ddns_dhcid_raw(DHCID_TYPE_HWADDR, hw, sizeof(hw), "client.example.com", 18, d), 0);
	expect(d, V3);
	/* the name is hashed in canonical (lower-case) form */
	ck_assert_int_eq(
	    ddns_dhcid_raw(DHCID_TYPE_HWADDR, hw, sizeof(hw), "Client.EXAMPLE.com", 18, d), 0);
	expect(d, V3);
}
END_TEST

START_TEST(lease_keys_select_the_identifier)
{
	/* htype 1 + chaddr: vector 3 */
	static const uint8_t hwkey[] = {
		LEASE_KEY_HWADDR, 0x01, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06
	};
	/* option 61 = 01 07 08 09 0a 0b 0c: vector 2 */
	static const uint8_t cidkey[] = {
		LEASE_KEY_CLIENT_ID, 0x01, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c
	};
	/* RFC 4361: type 255, IAID 1 2 3 4, then vector 1's DUID */
	static const uint8_t duidkey[] = { LEASE_KEY_CLIENT_ID,
					   0xff,
					   1,
					   2,
					   3,
					   4,
					   0x00,
					   0x01,
					   0x00,
					   0x06,
					   0x41,
					   0x2d,
					   0xf1,
					   0x66,
					   0x01,
					   0x02,
					   0x03,
					   0x04,
					   0x05,
					   0x06 };
	/* type 255 but nothing after the IAID: the whole option is the identifier */
	static const uint8_t shortkey[] = { LEASE_KEY_CLIENT_ID, 0xff, 1, 2, 3, 4 };
	uint8_t d[DHCID_LEN];

	ck_assert_int_eq(ddns_dhcid(hwkey, sizeof(hwkey), "client.example.com", 18, d), 0);
	expect(d, V3);
	ck_assert_int_eq(ddns_dhcid(cidkey, sizeof(cidkey), "chi.example.com", 15, d), 0);
	expect(d, V2);
	ck_assert_int_eq(ddns_dhcid(duidkey, sizeof(duidkey), "chi6.example.com", 16, d), 0);
	expect(d, V1);
	ck_assert_int_eq(ddns_dhcid(shortkey, sizeof(shortkey), "a.b", 3, d), 0);
	ck_assert_uint_eq(d[1], DHCID_TYPE_CLIENT_ID);
	ck_assert_int_eq(ddns_dhcid(hwkey, 1, "a.b", 3, d), -EINVAL);
	ck_assert_int_eq(ddns_dhcid(hwkey, sizeof(hwkey), "a..b", 4, d), -EINVAL);
}
END_TEST

static void add_tests(TCase *tc)
{
	tcase_add_test(tc, rfc4701_vectors);
	tcase_add_test(tc, lease_keys_select_the_identifier);
}

int main(void) { return run_suite("dhcid", add_tests); }
