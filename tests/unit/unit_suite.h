/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The main() of a one-case Check suite, written once: a suite file ends
 * with   int main(void) { return run_suite("name", add_tests); }
 */
#ifndef LW_UNIT_SUITE_H
#define LW_UNIT_SUITE_H

#include <check.h>

static inline int run_suite(const char *name, void (*add_tests)(TCase *tc))
{
	Suite *s = suite_create(name);
	TCase *tc = tcase_create(name);

	tcase_set_timeout(tc, 120);
	add_tests(tc);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);

	srunner_run_all(sr, CK_NORMAL);
	int failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failures ? 1 : 0;
}

#endif
