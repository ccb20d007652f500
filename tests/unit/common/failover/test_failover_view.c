/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests for common/failover/failover_view.h: ISC dhcpd 4.4.3's lease
 * time under failover and the PET it sends (server/dhcp.c;
 * ../shared/specs/failover.md sec 8.3), row by row. The expected values
 * are worked out by hand from the formula, not by calling it.
 */
#include <check.h>
#include <stdint.h>

#include "failover/failover_view.h"
#include "unit_suite.h"

#define NOW 1780000000
#define MCLT 600

struct cap_case {
	const char *name;
	enum failover_mode mode;
	uint32_t desired;
	int64_t acked_pet; /* lease.partner_expire */
	uint32_t lease; /* what the client gets */
	int64_t pet; /* sent_pet: now + desired + lease / 2, 0 standalone */
};

static const struct cap_case cap_cases[] = {
	/* Standalone and PARTNER-DOWN grant the desired time. */
	{ "standalone", FAILOVER_STANDALONE, 3600, 0, 3600, 0 },
	{ "standalone ignores the ack", FAILOVER_STANDALONE, 3600, NOW + 10, 3600, 0 },
	{ "partner-down", FAILOVER_PARTNER_DOWN, 3600, 0, 3600, NOW + 3600 + 1800 },
	/* desired <= MCLT: never capped, acked or not. */
	{ "short lease, nothing acked", FAILOVER_NORMAL, 300, 0, 300, NOW + 300 + 150 },
	{ "lease = MCLT, nothing acked", FAILOVER_NORMAL, MCLT, 0, MCLT, NOW + MCLT + 300 },
	/* desired > MCLT and acked PET <= now: MCLT. */
	{ "new binding", FAILOVER_NORMAL, 3600, 0, MCLT, NOW + 3600 + 300 },
	{ "ack ran out", FAILOVER_NORMAL, 3600, NOW - 1, MCLT, NOW + 3600 + 300 },
	{ "ack ends now", FAILOVER_COMM_INTERRUPTED, 3600, NOW, MCLT, NOW + 3600 + 300 },
	/* desired > MCLT and acked PET > now: min(desired, acked - now + MCLT). */
	{ "ack 1 s ahead", FAILOVER_NORMAL, 3600, NOW + 1, MCLT + 1, NOW + 3600 + 300 },
	{ "ack 1000 s ahead", FAILOVER_NORMAL, 3600, NOW + 1000, 1600, NOW + 3600 + 800 },
	{ "ack covers desired", FAILOVER_NORMAL, 3600, NOW + 3000, 3600, NOW + 3600 + 1800 },
	{ "ack far ahead", FAILOVER_COMM_INTERRUPTED, 3600, NOW + 86400, 3600, NOW + 3600 + 1800 },
	/* A renewal at T1 of a lease whose tstp was acked gets the whole time. */
	{ "renewal at T1", FAILOVER_NORMAL, 3600, NOW + 3600 + 300 - 300, 3600, NOW + 3600 + 1800 },
	/* No overflow near the top of the range. */
	{ "huge desired", FAILOVER_NORMAL, UINT32_MAX - 1, NOW + 5, MCLT + 5,
	  NOW + (int64_t)(UINT32_MAX - 1) + (MCLT + 5) / 2 },
};

START_TEST(test_lease_cap)
{
	const struct cap_case *c = &cap_cases[_i];
	struct failover_view v = { .mode = c->mode, .primary = true, .mclt_secs = MCLT };

	uint32_t lease = failover_view_lease_cap(&v, c->desired, NOW, c->acked_pet);
	ck_assert_msg(lease == c->lease, "%s: lease %u, want %u", c->name, lease, c->lease);
	int64_t pet = failover_view_sent_pet(&v, c->desired, lease, NOW);
	ck_assert_msg(pet == c->pet, "%s: PET %lld, want %lld", c->name, (long long)pet,
		      (long long)c->pet);
	/* draft-12 sec 7.1.5: the PET sent is never before the lease end. */
	if (c->mode != FAILOVER_STANDALONE)
		ck_assert(pet >= NOW + lease);
	/* draft-12 sec 5.2.1: outside PARTNER-DOWN, lease end <= acked PET + MCLT or MCLT. */
	if (c->mode == FAILOVER_NORMAL || c->mode == FAILOVER_COMM_INTERRUPTED) {
		int64_t base = c->acked_pet > NOW ? c->acked_pet : NOW;
		ck_assert(NOW + lease <= base + MCLT || lease <= MCLT);
	}
}
END_TEST

START_TEST(test_infinite_pet)
{
	struct failover_view v = { .mode = FAILOVER_NORMAL, .mclt_secs = MCLT };

	ck_assert_int_eq(failover_view_sent_pet(&v, UINT32_MAX, UINT32_MAX, NOW), INT64_MAX);
	ck_assert_int_eq(
	    failover_view_sent_pet(&failover_view_standalone, UINT32_MAX, UINT32_MAX, NOW), 0);
}
END_TEST

static void add_tests(TCase *tc)
{
	tcase_add_loop_test(tc, test_lease_cap, 0, (int)(sizeof(cap_cases) / sizeof(cap_cases[0])));
	tcase_add_test(tc, test_infinite_pet);
}

int main(void) { return run_suite("failover_view", add_tests); }
