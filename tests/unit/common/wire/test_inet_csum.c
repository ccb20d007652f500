/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * inet_csum: the word-at-a-time Internet checksum must give exactly the
 * value of the simple byte-pair loop of RFC 1071 sec 4.1 for every length,
 * alignment, seed and chain split, and the known answers of RFC 1071.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire/inet_csum.h"

/* Reference: RFC 1071 sec 4.1, byte pairs into a 64-bit sum, folded, not inverted. */
static uint32_t ref_partial(const uint8_t *p, size_t n, uint32_t sum)
{
	uint64_t acc = sum;

	for (size_t i = 0; i + 1 < n; i += 2)
		acc += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		acc += (uint32_t)p[n - 1] << 8;
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint32_t)acc;
}

/* xorshift64*: reproducible without touching the libc generator's state. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

#define BUF 2048

START_TEST(test_known_answers)
{
	/* RFC 1071 sec 3: 00 01 f2 03 f4 f5 f6 f7 sums to ddf2. */
	static const uint8_t ex[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };
	uint8_t zero[64] = { 0 }, ones[64];

	ck_assert_uint_eq(inet_csum_partial(ex, sizeof(ex), 0), 0xddf2);
	ck_assert_uint_eq(inet_csum_partial(ex + 4, 4, inet_csum_partial(ex, 4, 0)), 0xddf2);
	ck_assert_uint_eq(inet_csum_partial(zero, sizeof(zero), 0), 0);
	ck_assert_uint_eq(inet_csum_partial(zero, 0, 0), 0);
	memset(ones, 0xff, sizeof(ones));
	ck_assert_uint_eq(inet_csum_partial(ones, sizeof(ones), 0), 0xffff);
	ck_assert_uint_eq(inet_csum_partial(ones, 1, 0), 0xff00);
	ck_assert_uint_eq(inet_csum_partial(zero, 7, 0xffffffffu), 0xffff);
	ck_assert_uint_eq(inet_csum_fold(0x1fffeu), 0xffff);
	ck_assert_uint_eq(inet_csum_fold(0xffffffffu), 0xffff);
	ck_assert_uint_eq(inet_csum_fold(0), 0);
}
END_TEST

/* Every length 0..600 at every alignment 0..7, random bytes and seeds. */
START_TEST(test_random_equivalence)
{
	uint8_t *buf = malloc(BUF);

	ck_assert_ptr_nonnull(buf);
	for (int round = 0; round < 4; round++) {
		for (size_t i = 0; i < BUF; i++)
			buf[i] = (uint8_t)rng();
		for (size_t align = 0; align < 8; align++) {
			for (size_t len = 0; len <= 600; len++) {
				uint32_t seed = round == 0 ? 0 : (uint32_t)rng();
				const uint8_t *p = buf + align;

				ck_assert_uint_eq(inet_csum_partial(p, len, seed),
						  ref_partial(p, len, seed));
			}
		}
	}
	free(buf);
}
END_TEST

/* Extreme bytes: all 0xff and alternating patterns stress the carries. */
START_TEST(test_carry_patterns)
{
	static const uint8_t fills[] = { 0xff, 0x00, 0x80, 0x7f, 0x01 };
	uint8_t *buf = malloc(70000);

	ck_assert_ptr_nonnull(buf);
	for (size_t f = 0; f < sizeof(fills); f++) {
		memset(buf, fills[f], 70000);
		static const size_t lens[] = { 1, 31, 32, 33, 1499, 65535, 65536, 70000 };
		for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
			ck_assert_uint_eq(inet_csum_partial(buf, lens[i], 0),
					  ref_partial(buf, lens[i], 0));
			size_t off_len = lens[i] > 3 ? lens[i] - 3 : 0; /* stays inside buf */

			ck_assert_uint_eq(inet_csum_partial(buf + 3, off_len, 0xffffffffu),
					  ref_partial(buf + 3, off_len, 0xffffffffu));
		}
	}
	free(buf);
}
END_TEST

/* A chain of even-length chunks, then an odd tail, equals one call. */
START_TEST(test_chain)
{
	uint8_t buf[1024];

	for (int round = 0; round < 2000; round++) {
		size_t len = (size_t)(rng() % sizeof(buf));
		size_t split = (size_t)(rng() % (len + 1)) & ~(size_t)1;
		uint32_t seed = (uint32_t)rng();

		for (size_t i = 0; i < len; i++)
			buf[i] = (uint8_t)rng();
		uint32_t chained = inet_csum_partial(buf + split, len - split,
						     inet_csum_partial(buf, split, seed));
		ck_assert_uint_eq(inet_csum_fold(chained),
				  inet_csum_fold(ref_partial(buf, len, seed)));
		ck_assert_uint_eq(inet_csum_partial(buf, len, seed), ref_partial(buf, len, seed));
	}
}
END_TEST

static Suite *inet_csum_suite(void)
{
	Suite *s = suite_create("inet_csum");
	TCase *tc = tcase_create("equivalence");

	tcase_add_test(tc, test_known_answers);
	tcase_add_test(tc, test_random_equivalence);
	tcase_add_test(tc, test_carry_patterns);
	tcase_add_test(tc, test_chain);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(inet_csum_suite());
	int failures;

	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failures ? 1 : 0;
}
