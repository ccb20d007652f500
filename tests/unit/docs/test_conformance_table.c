/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * docs/conformance.md cannot drift from the tests it names. Every table
 * row's last cell ("test") holds either test references in backticks or a
 * reason it has none:
 *
 *   `suite:test`                  START_TEST(test) in suite.c, any depth under tests/unit
 *   `tests/integration/x.sh`      the script exists
 *   `tests/integration/x.sh:lbl`  ... and contains the text lbl (a check label)
 *   not applicable: / not done: / not implemented: <why>
 *
 * A reference that names nothing, a backticked span that is no reference,
 * and a row with neither a reference nor a reason each fail the suite, named.
 */
#define _GNU_SOURCE
#include <check.h>
#include <ctype.h>
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#ifndef LW_SOURCE_ROOT
#error "LW_SOURCE_ROOT must name the source tree"
#endif

#define TABLE_PATH "docs/conformance.md"
#define PROBLEMS_MAX 8192

static const char *const reason_prefixes[] = { "not applicable:", "not done:", "not implemented:" };

/* Whole file, NUL-terminated; NULL when it cannot be read. */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)n + 1);
		if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		} else if (buf) {
			buf[n] = '\0';
		}
	}
	fclose(f);
	return buf;
}

/* Does file `name` under dir (recursively) contain START_TEST(test)? */
static bool unit_test_exists(const char *dir, const char *name, const char *test)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	bool found = false;
	char path[4096], needle[256];

	if (!d)
		return false;
	snprintf(needle, sizeof(needle), "START_TEST(%s)", test);
	while (!found && (e = readdir(d)) != NULL) {
		struct stat st;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (stat(path, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			found = unit_test_exists(path, name, test);
		} else if (strcmp(e->d_name, name) == 0) {
			char *text = slurp(path);

			found = text && strstr(text, needle);
			free(text);
		}
	}
	closedir(d);
	return found;
}

struct report {
	char text[PROBLEMS_MAX];
	size_t len;
	unsigned problems, refs, rows, reasons;
};

/* Note one problem: "`ref`: why", or just why when ref is NULL. */
static void problem(struct report *r, unsigned line, const char *ref, const char *why)
{
	int n;

	r->problems++;
	if (r->len >= sizeof(r->text))
		return;
	if (ref)
		n = snprintf(r->text + r->len, sizeof(r->text) - r->len, "\n  line %u: `%s`: %s",
			     line, ref, why);
	else
		n = snprintf(r->text + r->len, sizeof(r->text) - r->len, "\n  line %u: %s", line,
			     why);
	if (n > 0)
		r->len += (size_t)n;
}

static bool is_ident(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!(islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]) || s[i] == '_'))
			return false;
	return true;
}

/* Check one reference (the text between backticks) against the tree at root. */
static void check_ref(const char *root, const char *ref, unsigned line, struct report *r)
{
	static const char it[] = "tests/integration/";
	char path[4096];
	const char *colon;

	r->refs++;
	if (strncmp(ref, it, sizeof(it) - 1) == 0) {
		const char *sh = strstr(ref, ".sh");
		char *text;

		if (!sh || (sh[3] != '\0' && sh[3] != ':')) {
			problem(r, line, ref, "not an integration script reference");
			return;
		}
		snprintf(path, sizeof(path), "%s/%.*s", root, (int)(sh + 3 - ref), ref);
		text = slurp(path);
		if (!text)
			problem(r, line, ref, "no such integration script");
		else if (sh[3] == ':' && (sh[4] == '\0' || !strstr(text, sh + 4)))
			problem(r, line, ref, "the script has no such check label");
		free(text);
		return;
	}
	colon = strchr(ref, ':');
	if (!colon || !is_ident(ref, (size_t)(colon - ref)) ||
	    !is_ident(colon + 1, strlen(colon + 1)) || strncmp(ref, "test_", 5) != 0) {
		problem(r, line, ref, "not a test reference (suite:test or tests/integration/...)");
		return;
	}
	char suite[256];

	snprintf(suite, sizeof(suite), "%.*s.c", (int)(colon - ref), ref);
	snprintf(path, sizeof(path), "%s/tests/unit", root);
	if (!unit_test_exists(path, suite, colon + 1))
		problem(r, line, ref, "no such START_TEST in tests/unit");
}

/*
 * Walk every table row of `md` (lines starting with '|', past each table's
 * header and separator) and check its last cell.
 */
static void check_table(const char *root, const char *md, struct report *r)
{
	unsigned line = 0;
	bool in_table = false;
	const char *p = md;

	while (*p) {
		const char *eol = strchr(p, '\n');
		size_t n = eol ? (size_t)(eol - p) : strlen(p);
		char row[8192];

		line++;
		if (n >= sizeof(row))
			n = sizeof(row) - 1;
		memcpy(row, p, n);
		row[n] = '\0';
		p += eol ? (size_t)(eol - p) + 1 : strlen(p);
		while (n && (row[n - 1] == ' ' || row[n - 1] == '\r'))
			row[--n] = '\0';
		if (row[0] != '|') {
			in_table = false;
			continue;
		}
		if (!in_table) { /* the header row; the separator follows */
			in_table = true;
			continue;
		}
		if (strspn(row, "|-: ") == n)
			continue;
		/* The last cell: between the last two pipes. */
		if (n < 2 || row[n - 1] != '|') {
			problem(r, line, NULL, "table row does not end with |");
			continue;
		}
		row[n - 1] = '\0';
		char *cell = strrchr(row, '|') + 1;

		while (*cell == ' ')
			cell++;
		r->rows++;
		unsigned before = r->refs;
		for (char *q = cell; (q = strchr(q, '`')) != NULL;) {
			char *end = strchr(q + 1, '`');

			if (!end) {
				problem(r, line, NULL, "unclosed ` in the test cell");
				break;
			}
			*end = '\0';
			check_ref(root, q + 1, line, r);
			q = end + 1;
		}
		if (r->refs > before)
			continue;
		bool reason = false;
		for (size_t i = 0; i < sizeof(reason_prefixes) / sizeof(reason_prefixes[0]); i++) {
			size_t k = strlen(reason_prefixes[i]);

			if (strncmp(cell, reason_prefixes[i], k) == 0 &&
			    strspn(cell + k, " ") < strlen(cell + k))
				reason = true;
		}
		if (reason)
			r->reasons++;
		else
			problem(r, line, cell, "row has neither a test reference nor a reason");
	}
}

START_TEST(test_table_references_exist)
{
	struct report *r = calloc(1, sizeof(*r));
	char *md = slurp(LW_SOURCE_ROOT "/" TABLE_PATH);

	ck_assert_ptr_nonnull(r);
	ck_assert_msg(md != NULL, "cannot read %s", LW_SOURCE_ROOT "/" TABLE_PATH);
	check_table(LW_SOURCE_ROOT, md, r);
	ck_assert_msg(r->rows >= 50, "%s has only %u rows", TABLE_PATH, r->rows);
	ck_assert_msg(r->problems == 0, "%s: %u problem(s) in %u rows:%s", TABLE_PATH, r->problems,
		      r->rows, r->text);
	free(md);
	free(r);
}
END_TEST

/* The checker itself: a good table passes, each kind of bad row is caught. */
START_TEST(test_checker_catches_drift)
{
	static const char good[] =
	    "text\n"
	    "| RFC | clause | does | test |\n"
	    "|---|---|---|---|\n"
	    "| 2131 | a | b | `test_conformance_table:test_checker_catches_drift` |\n"
	    "| 2131 | a | b | `tests/integration/test_vdevs.sh:memif QinQ` |\n"
	    "| 2131 | a | b | not applicable: no shared networks |\n";
	static const char *const bad[] = {
		"| h |\n|---|\n| 2131 | a | b | `test_conformance_table:no_such_test` |\n",
		"| h |\n|---|\n| 2131 | a | b | `test_no_such_suite:test_checker_catches_drift` "
		"|\n",
		"| h |\n|---|\n| 2131 | a | b | `tests/integration/test_none.sh` |\n",
		"| h |\n|---|\n| 2131 | a | b | `tests/integration/test_vdevs.sh:no such label` "
		"|\n",
		"| h |\n|---|\n| 2131 | a | b | `giaddr` |\n",
		"| h |\n|---|\n| 2131 | a | b | |\n",
		"| h |\n|---|\n| 2131 | a | b | not applicable: |\n",
		"| h |\n|---|\n| 2131 | a | b | it works |\n",
	};
	struct report *r = calloc(1, sizeof(*r));

	ck_assert_ptr_nonnull(r);
	check_table(LW_SOURCE_ROOT, good, r);
	ck_assert_msg(r->problems == 0, "good table:%s", r->text);
	ck_assert_uint_eq(r->rows, 3);
	ck_assert_uint_eq(r->refs, 2);
	ck_assert_uint_eq(r->reasons, 1);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(r, 0, sizeof(*r));
		check_table(LW_SOURCE_ROOT, bad[i], r);
		ck_assert_msg(r->problems == 1, "bad table %zu: %u problems", i, r->problems);
	}
	free(r);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("conformance_table");
	TCase *tc = tcase_create("table");
	SRunner *sr;
	int failures;

	tcase_add_test(tc, test_checker_catches_drift);
	tcase_add_test(tc, test_table_references_exist);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failures ? 1 : 0;
}
