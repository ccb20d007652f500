/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * control/ddns/ddns_zone.c: Kea D2's zone matching (ddns.md sec 6.1):
 * the longest configured domain that is a suffix on a label boundary,
 * case-insensitively; "." catches the rest; no match is -1.
 */
#include <check.h>

#include "../../unit_suite.h"
#include "ddns/ddns_zone.h"

static struct cfg_ddns_domain doms[5];

static void set_up(void)
{
	static const char *const names[] = { "example.test.", "sub.example.test.", "two.net.",
					     "2.0.192.in-addr.arpa.", "in-addr.arpa." };
	for (unsigned i = 0; i < 5; i++)
		snprintf(doms[i].name, sizeof(doms[i].name), "%s", names[i]);
}

static const struct {
	const char *name;
	int want;
} cases[] = {
	{ "h.example.test.", 0 },
	{ "example.test.", 0 },
	{ "h.sub.example.test.", 1 }, /* the longer one wins */
	{ "H.Sub.EXAMPLE.test.", 1 }, /* RFC 4343: case does not matter */
	{ "hsub.example.test.", 0 }, /* "sub.example.test." only on a label boundary */
	{ "onetwo.net.", -1 }, /* Kea's own example: "two.net." does not match */
	{ "a.two.net.", 2 },
	{ "5.2.0.192.in-addr.arpa.", 3 },
	{ "5.3.0.192.in-addr.arpa.", 4 },
	{ "h.example.test", -1 }, /* not absolute */
	{ "a\\.example.test.", -1 }, /* an escaped dot does not end a label */
	{ "other.test.", -1 },
	{ "", -1 },
};

START_TEST(test_match)
{
	ck_assert_msg(ddns_zone_match(doms, 5, cases[_i].name) == cases[_i].want, "%s: %d",
		      cases[_i].name, ddns_zone_match(doms, 5, cases[_i].name));
}
END_TEST

START_TEST(test_root_catches_all)
{
	struct cfg_ddns_domain d[2] = { { .name = "." }, { .name = "example.test." } };

	ck_assert_int_eq(ddns_zone_match(d, 2, "other.test."), 0);
	ck_assert_int_eq(ddns_zone_match(d, 2, "h.example.test."), 1);
	ck_assert_int_eq(ddns_zone_match(d, 0, "h.example.test."), -1);
}
END_TEST

static void add_tests(TCase *tc)
{
	tcase_add_unchecked_fixture(tc, set_up, NULL);
	tcase_add_loop_test(tc, test_match, 0, sizeof(cases) / sizeof(cases[0]));
	tcase_add_test(tc, test_root_catches_all);
}

int main(void) { return run_suite("ddns_zone", add_tests); }
