/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The per-client rate limit (common/dhcp/client_rate.c) against a clock the test
 * drives: a new client gets its whole burst, then exactly pps per second;
 * a flooder is held to its rate while other clients pass untouched; a
 * stream of distinct clients (the pipeline benchmark's million) is never
 * dropped and does not push a flooder out of the table; 0 turns it off;
 * a new limit resets the table.
 */
#include <check.h>
#include <stdlib.h>

#include "dhcp/client_rate.h"
#include "unit_suite.h"

#define HZ 1000000000ull /* ticks per second: nanoseconds */
#define T0 (5000 * HZ) /* the tick counter does not start at 0 */

static struct client_rate *cr;

static void setup(void)
{
	cr = calloc(1, sizeof(*cr));
	ck_assert_ptr_nonnull(cr);
}

static void teardown(void) { free(cr); }

/* Packets of `hash` sent back to back at `now` until the first refusal, at most max. */
static unsigned burst_at(uint32_t hash, uint64_t now, unsigned max)
{
	unsigned n = 0;

	while (n < max && client_rate_check(cr, 50, 100, HZ, hash, now))
		n++;
	return n;
}

/* Table of (pps, burst): a new client's back-to-back allowance is the burst. */
static const struct {
	uint32_t pps, burst;
} limits[] = { { 50, 100 }, { 1, 1 }, { 10, 3 }, { 1000, 5000 }, { 50, 0 } };

START_TEST(burst_then_rate)
{
	uint32_t pps = limits[_i].pps, burst = limits[_i].burst;
	uint32_t want = burst ? burst : 1;
	unsigned n = 0;

	client_rate_configure(cr, pps, burst, HZ);
	while (n < 2 * want + 10 && client_rate_allow(cr, 0xabcd1234u, T0))
		n++;
	ck_assert_uint_eq(n, want);
	/* One second later: pps more, and not one beyond. */
	n = 0;
	for (unsigned i = 0; i < 2 * pps + 10; i++)
		n += client_rate_allow(cr, 0xabcd1234u, T0 + HZ);
	ck_assert_uint_eq(n, pps < want ? pps : want);
	/* An idle client refills to the burst, never beyond it. */
	n = 0;
	for (unsigned i = 0; i < 2 * want + 10; i++)
		n += client_rate_allow(cr, 0xabcd1234u, T0 + 1000 * HZ);
	ck_assert_uint_eq(n, want);
}
END_TEST

/* A steady sender at the limit is never dropped; at twice the limit half is. */
START_TEST(steady_rate)
{
	unsigned ok = 0;

	client_rate_configure(cr, 50, 100, HZ);
	ck_assert_uint_eq(burst_at(7, T0, 1000), 100);
	for (unsigned i = 1; i <= 500; i++)
		ok += client_rate_allow(cr, 7, T0 + i * (HZ / 50));
	ck_assert_uint_eq(ok, 500);
	ok = 0;
	for (unsigned i = 1; i <= 1000; i++)
		ok += client_rate_allow(cr, 7, T0 + 10 * HZ + i * (HZ / 100));
	ck_assert_uint_ge(ok, 495);
	ck_assert_uint_le(ok, 505);
}
END_TEST

/* One flooder does not touch the others, even those in its own set. */
START_TEST(flooder_isolated)
{
	uint32_t flooder = 0x11111111u;
	unsigned dropped = 0;

	for (unsigned i = 0; i < 5000; i++)
		dropped += !client_rate_check(cr, 50, 100, HZ, flooder, T0 + i * 1000);
	ck_assert_uint_ge(dropped, 4899);
	/* 6 ms in: the flooder's bucket is still empty, the others' full. */
	for (uint32_t c = 1; c <= 1000; c++)
		for (unsigned k = 0; k < 4; k++)
			ck_assert(client_rate_check(cr, 50, 100, HZ, flooder + c * 0x10000u,
						    T0 + 6000000));
	/* Still limited after a thousand others came and went. */
	ck_assert(!client_rate_check(cr, 50, 100, HZ, flooder, T0 + 6000000));
}
END_TEST

/* A million distinct clients, two packets each, all within one second: no drop. */
START_TEST(distinct_clients_never_dropped)
{
	uint32_t flooder = 0xdeadbeefu;

	ck_assert_uint_eq(burst_at(flooder, T0, 1000), 100);
	for (uint32_t c = 0; c < 1000000; c++) {
		uint64_t now = T0 + c; /* 1 ms for the lot */

		ck_assert(client_rate_check(cr, 50, 100, HZ, c * 2654435761u + 1, now));
		ck_assert(client_rate_check(cr, 50, 100, HZ, c * 2654435761u + 1, now));
	}
	/* The flooder's empty bucket was never the one replaced. */
	ck_assert(!client_rate_check(cr, 50, 100, HZ, flooder, T0 + 1000000));
}
END_TEST

START_TEST(zero_is_off)
{
	for (unsigned i = 0; i < 100000; i++)
		ck_assert(client_rate_check(cr, 0, 100, HZ, 42, T0));
}
END_TEST

/* A new limit (reload) starts every client with a fresh bucket. */
START_TEST(reconfigure_resets)
{
	ck_assert_uint_eq(burst_at(9, T0, 1000), 100);
	ck_assert(!client_rate_check(cr, 50, 100, HZ, 9, T0));
	ck_assert(client_rate_check(cr, 50, 200, HZ, 9, T0));
	unsigned n = 1;
	while (n < 1000 && client_rate_check(cr, 50, 200, HZ, 9, T0))
		n++;
	ck_assert_uint_eq(n, 200);
}
END_TEST

/* Hash 0 is a client like any other (tat 0 marks a free way, not hash 0). */
START_TEST(hash_zero)
{
	ck_assert_uint_eq(burst_at(0, T0, 1000), 100);
	ck_assert(!client_rate_check(cr, 50, 100, HZ, 0, T0));
}
END_TEST

static void add_tests(TCase *tc)
{
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, burst_then_rate, 0, sizeof(limits) / sizeof(limits[0]));
	tcase_add_test(tc, steady_rate);
	tcase_add_test(tc, flooder_isolated);
	tcase_add_test(tc, distinct_clients_never_dropped);
	tcase_add_test(tc, zero_is_off);
	tcase_add_test(tc, reconfigure_resets);
	tcase_add_test(tc, hash_zero);
}

int main(void) { return run_suite("client_rate", add_tests); }
