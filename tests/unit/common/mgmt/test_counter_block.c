/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests for common/mgmt/counter_block.c: the counter-block registry. */
#include <check.h>
#include <errno.h>

#include "mgmt/counter_block.h"
#include "unit_suite.h"

static const char *const names[] = { "a", "b" };
static _Atomic uint64_t values[2];

START_TEST(add_find_and_list)
{
	static struct counter_registry r;
	const struct counter_block journal = { "journal", 2, names, values };
	const struct counter_block failover = { "failover", 2, names, values };
	unsigned n;

	ck_assert_int_eq(counter_registry_add(&r, &journal), 0);
	ck_assert_int_eq(counter_registry_add(&r, NULL), 0);
	ck_assert_int_eq(counter_registry_add(NULL, &journal), 0);
	ck_assert_int_eq(counter_registry_add(&r, &failover), 0);
	const struct counter_block *const *b = counter_registry_blocks(&r, &n);
	ck_assert_uint_eq(n, 2);
	ck_assert_ptr_eq(b[0], &journal);
	ck_assert_ptr_eq(b[1], &failover);
	ck_assert_ptr_eq(counter_registry_find(&r, "failover"), &failover);
	ck_assert_ptr_null(counter_registry_find(&r, "ddns"));
	atomic_store(&values[1], 7);
	ck_assert_uint_eq(atomic_load(&counter_registry_find(&r, "journal")->values[1]), 7);
}
END_TEST

START_TEST(full_registry_refuses)
{
	static struct counter_registry r;
	const struct counter_block blk = { "x", 2, names, values };

	for (unsigned i = 0; i < COUNTER_REGISTRY_MAX; i++)
		ck_assert_int_eq(counter_registry_add(&r, &blk), 0);
	ck_assert_int_eq(counter_registry_add(&r, &blk), -ENOSPC);
	unsigned n;
	counter_registry_blocks(&r, &n);
	ck_assert_uint_eq(n, COUNTER_REGISTRY_MAX);
}
END_TEST

static void add_tests(TCase *tc)
{
	tcase_add_test(tc, add_find_and_list);
	tcase_add_test(tc, full_registry_refuses);
}

int main(void) { return run_suite("counter_block", add_tests); }
