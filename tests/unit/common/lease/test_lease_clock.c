/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The lease clock against a clock the test can step: wall-clock steps
 * (forward, backward, repeated) move no lease time and are reported once
 * each; slow drift is tracked but is no step; every reader sees the same
 * time; and a lease granted before a step expires after exactly its
 * lease time of elapsed time, not earlier (a forward step followed would
 * free an address the client still holds) and not later.
 */
#include <check.h>
#include <stdlib.h>

#include "lease/lease_clock.h"
#include "unit_suite.h"

#define SEC 1000000000ll
#define T0 1800000000ll /* wall clock at start, unix seconds */

struct fake {
	int64_t mono_ns;
	int64_t wall_ns;
};

static int64_t fake_mono(void *arg) { return ((struct fake *)arg)->mono_ns; }
static int64_t fake_wall(void *arg) { return ((struct fake *)arg)->wall_ns; }

static struct fake f;
static struct lease_clock clk;

static void setup(void)
{
	struct lease_clock_source src = { fake_mono, fake_wall, &f };
	f.mono_ns = 5000 * SEC; /* monotonic time is not unix time */
	f.wall_ns = T0 * SEC;
	lease_clock_init(&clk, &src);
}

/* Real time passes: both clocks advance. */
static void pass(int64_t ns)
{
	f.mono_ns += ns;
	f.wall_ns += ns;
}

START_TEST(anchored_to_wall_at_start)
{
	ck_assert_int_eq(lease_clock_now(&clk), T0);
	pass(90 * SEC + SEC / 2);
	ck_assert_int_eq(lease_clock_now(&clk), T0 + 90);
	ck_assert_int_eq(lease_clock_now_ns(&clk), (T0 + 90) * SEC + SEC / 2);
	ck_assert_int_eq(lease_clock_check(&clk, LEASE_CLOCK_STEP_NS), 0);
	ck_assert_uint_eq(atomic_load(&clk.steps), 0);
	ck_assert_int_eq(atomic_load(&clk.offset_ns), 0);
}
END_TEST

/* _i: the step, in seconds. */
static const int64_t steps[] = { 3600, -3600, 2, -2, 86400 * 365 };

START_TEST(wall_step_moves_no_lease)
{
	int64_t step = steps[_i];
	pass(10 * SEC);
	int64_t granted = lease_clock_now(&clk);
	int64_t expire = granted + 600; /* a 600 s lease, as the engine computes it */

	f.wall_ns += step * SEC; /* NTP steps the wall clock */
	ck_assert_int_eq(lease_clock_now(&clk), granted);
	ck_assert_int_eq(lease_clock_check(&clk, LEASE_CLOCK_STEP_NS), step * SEC);
	ck_assert_uint_eq(atomic_load(&clk.steps), 1);
	ck_assert_int_eq(atomic_load(&clk.offset_ns), step * SEC);
	/* Reported once: the next check sees no new jump. */
	pass(SEC);
	ck_assert_int_eq(lease_clock_check(&clk, LEASE_CLOCK_STEP_NS), 0);
	ck_assert_uint_eq(atomic_load(&clk.steps), 1);

	/* The lease ends after 600 s of elapsed time, whatever the wall clock says. */
	pass(598 * SEC);
	ck_assert_int_lt(lease_clock_now(&clk), expire);
	pass(2 * SEC);
	ck_assert_int_ge(lease_clock_now(&clk), expire);
}
END_TEST

START_TEST(repeated_steps_counted_each)
{
	f.wall_ns += 30 * SEC;
	ck_assert_int_eq(lease_clock_check(&clk, LEASE_CLOCK_STEP_NS), 30 * SEC);
	pass(SEC);
	f.wall_ns -= 45 * SEC;
	ck_assert_int_eq(lease_clock_check(&clk, LEASE_CLOCK_STEP_NS), -45 * SEC);
	ck_assert_uint_eq(atomic_load(&clk.steps), 2);
	ck_assert_int_eq(atomic_load(&clk.offset_ns), -15 * SEC);
	ck_assert_int_eq(lease_clock_now(&clk), T0 + 1);
}
END_TEST

/* NTP slewing the wall clock by 0.2 s per check: tracked, never a step. */
START_TEST(slow_drift_is_no_step)
{
	for (int i = 1; i <= 20; i++) {
		pass(60 * SEC);
		f.wall_ns += SEC / 5;
		ck_assert_int_eq(lease_clock_check(&clk, LEASE_CLOCK_STEP_NS), 0);
		ck_assert_int_eq(atomic_load(&clk.offset_ns), i * (SEC / 5));
	}
	ck_assert_uint_eq(atomic_load(&clk.steps), 0);
}
END_TEST

/* Two readers (workers) at the same instant read the same time: no per-reader drift. */
START_TEST(readers_agree)
{
	struct lease_clock *shared = &clk;
	for (int i = 0; i < 1000; i++) {
		pass(SEC / 7);
		if (i % 100 == 0)
			f.wall_ns += 17 * SEC;
		ck_assert_int_eq(lease_clock_now(shared), lease_clock_now(&clk));
		ck_assert_int_eq(lease_clock_now(shared), T0 + (int64_t)(i + 1) * (SEC / 7) / SEC);
	}
}
END_TEST

/* The system source: sane, and monotonic across calls. */
START_TEST(system_clock)
{
	struct lease_clock sys;
	lease_clock_init(&sys, NULL);
	int64_t a = lease_clock_now_ns(&sys);
	int64_t b = lease_clock_now_ns(&sys);
	ck_assert_int_ge(b, a);
	ck_assert_int_gt(lease_clock_now(&sys), 1600000000ll);
	ck_assert_int_eq(lease_clock_check(&sys, LEASE_CLOCK_STEP_NS), 0);
}
END_TEST

static void add_tests(TCase *tc)
{
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, anchored_to_wall_at_start);
	tcase_add_loop_test(tc, wall_step_moves_no_lease, 0, sizeof(steps) / sizeof(steps[0]));
	tcase_add_test(tc, repeated_steps_counted_each);
	tcase_add_test(tc, slow_drift_is_no_step);
	tcase_add_test(tc, readers_agree);
	tcase_add_test(tc, system_clock);
}

int main(void) { return run_suite("lease_clock", add_tests); }
