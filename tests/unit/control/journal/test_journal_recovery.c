/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Journal recovery tests (journal_recovery.c; reliability.md D04, D05,
 * D08 at unit scale): journal_open's directory and lock, an aborting
 * apply, torn tails at every offset, corruption in the middle, random
 * damage, and a missing generation.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "journal_fixtures.h"

START_TEST(directory_created_and_locked)
{
	struct seen s = { 0 };
	struct journal_recovery_stats st;
	char nested[128], err[256];

	make_tmpdir();
	snprintf(nested, sizeof(nested), "%s/a/b/c", tmpdir);
	struct cfg_lease_store store = store_at(nested, CFG_DURABILITY_FSYNC);
	struct journal *j = journal_open(&store, 0, collect, &s, &st, err, sizeof(err));
	ck_assert_msg(j != NULL, "%s", err);
	struct stat sb;
	char p[600];
	snprintf(p, sizeof(p), "%s/%s", nested, J0);
	ck_assert_int_eq(stat(p, &sb), 0);

	/* A second server on the same directory is refused. */
	struct journal *j2 = journal_open(&store, 0, collect, &s, &st, err, sizeof(err));
	ck_assert_ptr_null(j2);
	ck_assert_int_eq(errno, EBUSY);
	ck_assert_ptr_nonnull(strstr(err, nested));
	journal_close(j);

	/* NULL stats and err are allowed. */
	j = journal_open(&store, 0, NULL, NULL, NULL, NULL, 0);
	ck_assert_ptr_nonnull(j);
	journal_close(j);
	seen_free(&s);
	cleanup_tmpdir();
}
END_TEST

START_TEST(apply_abort)
{
	struct seen s = { 0 };
	struct journal_recovery_stats st;
	char err[256];

	make_tmpdir();
	struct journal *j = open_ok(CFG_DURABILITY_WRITE, 0, &s, &st);
	append_range(j, 0, 10, 1, NULL);
	journal_close(j);
	s.abort_at = 4;
	struct cfg_lease_store store = store_at(tmpdir, CFG_DURABILITY_WRITE);
	j = journal_open(&store, 0, collect, &s, &st, err, sizeof(err));
	ck_assert_ptr_null(j);
	ck_assert_int_eq(errno, ECANCELED);
	ck_assert_uint_eq(s.n, 4);
	seen_free(&s);
	cleanup_tmpdir();
}
END_TEST

/* ---- torn tail (D04) ------------------------------------------------------ */

START_TEST(torn_tail_every_offset)
{
	const uint32_t n = 10;
	const size_t rl = record_len();
	struct seen s = { 0 };
	struct journal_recovery_stats st;
	uint8_t *orig;
	size_t orig_len;

	make_tmpdir();
	struct journal *j = open_ok(CFG_DURABILITY_WRITE, 0, &s, &st);
	append_range(j, 0, n, 1, NULL);
	journal_close(j);
	orig = slurp(J0, &orig_len);
	ck_assert_uint_eq(orig_len, n * rl);

	for (size_t cut = (n - 3) * rl; cut < orig_len; cut++) {
		size_t complete = cut / rl;
		bool torn = cut % rl != 0;

		spill(J0, orig, cut);
		seen_free(&s);
		j = open_ok(CFG_DURABILITY_WRITE, 0, &s, &st);
		ck_assert_msg(s.n == complete, "cut %zu: %zu records", cut, s.n);
		ck_assert_uint_eq(st.torn_tail_records, torn);
		ck_assert_uint_eq(st.corrupt_records, 0);
		ck_assert_uint_eq(st.last_seq, complete);
		size_t now_len;
		free(slurp(J0, &now_len));
		ck_assert_uint_eq(now_len, complete * rl); /* the torn tail is cut at open */

		/* A new append lands cleanly after the last complete record. */
		struct lease_image img;
		uint64_t seq;
		make_image(&img, 999, 7);
		ck_assert_int_eq(journal_append(j, JOURNAL_REC_UPSERT, &img, &seq), 0);
		ck_assert_uint_eq(seq, complete + 1);
		ck_assert_int_eq(journal_commit(j), 0);
		journal_close(j);

		seen_free(&s);
		j = open_ok(CFG_DURABILITY_WRITE, 0, &s, &st);
		ck_assert_uint_eq(s.n, complete + 1);
		ck_assert_uint_eq(st.torn_tail_records, 0);
		ck_assert_uint_eq(image_client(&s.img[complete]), 999);
		journal_close(j);
	}
	free(orig);
	seen_free(&s);
	cleanup_tmpdir();
}
END_TEST

/*
 * 1..64 bytes of garbage after the last record, and 4096 (_i 65): more than
 * the next append, so only a truncation at open leaves a clean file. Even
 * _i starts with the magic and a plausible length.
 */
START_TEST(garbage_tail)
{
	const uint32_t n = 20;
	struct seen s = { 0 };
	struct journal_recovery_stats st;
	uint8_t *orig, garbage[4096];
	size_t orig_len, glen = _i <= 64 ? (size_t)_i : sizeof(garbage);

	make_tmpdir();
	struct journal *j = open_ok(CFG_DURABILITY_WRITE, 0, &s, &st);
	append_range(j, 0, n, 1, NULL);
	journal_close(j);
	orig = slurp(J0, &orig_len);
	orig = realloc(orig, orig_len + glen);
	srand((unsigned)_i);
	for (size_t k = 0; k < glen; k++)
		garbage[k] = (uint8_t)rand();
	if (_i % 2 == 0)
		memcpy(garbage, orig, glen < 8 ? glen : 8); /* magic and a plausible length */
	memcpy(orig + orig_len, garbage, glen);
	spill(J0, orig, orig_len + glen);

	seen_free(&s);
	j = open_ok(CFG_DURABILITY_WRITE, 0, &s, &st);
	ck_assert_uint_eq(s.n, n);
	ck_assert_uint_eq(st.torn_tail_records, 1);
	ck_assert_uint_eq(st.corrupt_records, 0);
	size_t now_len;
	free(slurp(J0, &now_len));
	ck_assert_uint_eq(now_len, orig_len); /* truncated before any append */
	append_range(j, 100, 1, 2, NULL);
	journal_close(j);

	seen_free(&s);
	j = open_ok(CFG_DURABILITY_WRITE, 0, &s, &st);
	ck_assert_uint_eq(s.n, n + 1);
	ck_assert_uint_eq(st.torn_tail_records, 0);
	journal_close(j);
	free(orig);
	seen_free(&s);
	cleanup_tmpdir();
}
END_TEST

/* ---- corruption in the middle (D05) ---------------------------------------- */

enum damage { DMG_BODY_BYTE, DMG_MAGIC, DMG_LENGTH_SMALL, DMG_LENGTH_HUGE, DMG_SEQ, DMG_TYPE };

START_TEST(corrupt_middle)
{
	const uint32_t n = 1000;
	const size_t rl = record_len();
	struct seen s = { 0 };
	struct journal_recovery_stats st;
	uint8_t *b;
	size_t len;
	size_t at = 499 * rl; /* record 500 */

	make_tmpdir();
	struct journal *j = open_ok(CFG_DURABILITY_WRITE, 0, &s, &st);
	append_range(j, 0, n, 1, NULL);
	journal_close(j);
	b = slurp(J0, &len);
	switch ((enum damage)_i) {
	case DMG_BODY_BYTE: b[at + JOURNAL_HEADER_LEN + 10] ^= 0x40; break;
	case DMG_MAGIC: b[at] = 'X'; break;
	case DMG_LENGTH_SMALL: b[at + 4] -= 10; break; /* CRC over a wrong span */
	case DMG_LENGTH_HUGE: b[at + 5] = 0x7f; break;
	case DMG_SEQ: b[at + 8] ^= 0x01; break;
	case DMG_TYPE: b[at + 20] = JOURNAL_REC_DELETE; break;
	}
	spill(J0, b, len);

	seen_free(&s);
	j = open_ok(CFG_DURABILITY_WRITE, 1, &s, &st);
	ck_assert_uint_eq(s.n, n - 1);
	ck_assert_uint_eq(st.corrupt_records, 1);
	ck_assert_uint_eq(st.torn_tail_records, 0);
	ck_assert_uint_eq(st.n_reports, 1);
	ck_assert_str_eq(st.reports[0].file, J0);
	ck_assert_uint_eq(st.reports[0].offset, at);
	ck_assert_uint_eq(st.reports[0].bytes, rl);
	for (uint32_t k = 0; k < n - 1; k++) {
		ck_assert_uint_eq(image_client(&s.img[k]), k < 499 ? k : k + 1);
		ck_assert_uint_eq(s.type[k], JOURNAL_REC_UPSERT);
	}
	/* Appending after a damaged middle is clean; the damage stays counted. */
	append_range(j, 5000, 1, 1, NULL);
	journal_close(j);
	seen_free(&s);
	j = open_ok(CFG_DURABILITY_WRITE, 1, &s, &st);
	ck_assert_uint_eq(s.n, n);
	ck_assert_uint_eq(st.corrupt_records, 1);
	ck_assert_uint_eq(st.last_seq, n + 1);
	journal_close(j);
	free(b);
	seen_free(&s);
	cleanup_tmpdir();
}
END_TEST

START_TEST(too_many_corrupt_refuses)
{
	const size_t rl = record_len();
	struct seen s = { 0 };
	struct journal_recovery_stats st;
	char err[256];
	uint8_t *b;
	size_t len;

	make_tmpdir();
	struct journal *j = open_ok(CFG_DURABILITY_WRITE, 0, &s, &st);
	append_range(j, 0, 200, 1, NULL);
	journal_close(j);
	b = slurp(J0, &len);
	for (int k = 0; k < 5; k++)
		b[(size_t)(20 + 30 * k) * rl + JOURNAL_HEADER_LEN + 3] ^= 0xff;
	spill(J0, b, len);

	struct cfg_lease_store store = store_at(tmpdir, CFG_DURABILITY_WRITE);
	seen_free(&s);
	j = journal_open(&store, 4, collect, &s, &st, err, sizeof(err));
	ck_assert_ptr_null(j);
	ck_assert_int_eq(errno, EBADMSG);
	ck_assert_msg(strstr(err, J0) && strstr(err, "offset"), "err: %s", err);
	ck_assert_uint_eq(st.corrupt_records, 5);

	/* The limit is inclusive: 5 allowed, 5 found. */
	seen_free(&s);
	j = journal_open(&store, 5, collect, &s, &st, err, sizeof(err));
	ck_assert_ptr_nonnull(j);
	ck_assert_uint_eq(s.n, 195);
	ck_assert_uint_eq(st.n_reports, 5);
	journal_close(j);
	free(b);
	seen_free(&s);
	cleanup_tmpdir();
}
END_TEST

/* Mutated journals: recovery either starts or refuses cleanly, never crashes. */
START_TEST(random_damage_never_crashes)
{
	struct seen s = { 0 };
	struct journal_recovery_stats st;
	uint8_t *orig;
	size_t orig_len;
	char err[256];

	make_tmpdir();
	struct journal *j = open_ok(CFG_DURABILITY_NONE, 0, &s, &st);
	append_range(j, 0, 300, 1, NULL);
	journal_close(j);
	orig = slurp(J0, &orig_len);
	uint8_t *b = malloc(orig_len + 4096);
	srand(12345);
	for (int iter = 0; iter < 300; iter++) {
		size_t len = orig_len;
		memcpy(b, orig, orig_len);
		int edits = 1 + rand() % 8;
		for (int e = 0; e < edits; e++) {
			size_t pos = (size_t)rand() % len;
			switch (rand() % 4) {
			case 0: b[pos] ^= (uint8_t)(1u << (rand() % 8)); break;
			case 1: b[pos] = (uint8_t)rand(); break;
			case 2: len = pos + 1; break;
			case 3: {
				size_t ins = 1 + (size_t)rand() % 64;
				memmove(b + pos + ins, b + pos, len - pos);
				for (size_t k = 0; k < ins; k++)
					b[pos + k] = (uint8_t)rand();
				len += ins;
				if (len > orig_len + 2048)
					len = orig_len + 2048;
				break;
			}
			}
		}
		spill(J0, b, len);
		seen_free(&s);
		struct cfg_lease_store store = store_at(tmpdir, CFG_DURABILITY_NONE);
		j = journal_open(&store, 1000, collect, &s, &st, err, sizeof(err));
		ck_assert_msg(j != NULL, "iter %d: %s", iter, err);
		ck_assert_uint_le(s.n, 300);
		for (size_t k = 0; k < s.n; k++)
			ck_assert_uint_lt(image_client(&s.img[k]), 300);
		journal_close(j);
	}
	free(b);
	free(orig);
	seen_free(&s);
	cleanup_tmpdir();
}
END_TEST

START_TEST(missing_generation_refuses)
{
	struct seen s = { 0 };
	struct journal_recovery_stats st;
	char err[256], a[512], b[512];

	make_tmpdir();
	struct journal *j = open_ok(CFG_DURABILITY_WRITE, 0, &s, &st);
	append_range(j, 0, 10, 1, NULL);
	ck_assert_int_eq(journal_compact_begin(j), 0);
	append_range(j, 0, 10, 2, NULL);
	journal_close(j); /* compaction discarded: journal.0 and journal.1 */
	ck_assert(exists(J0) && exists(J1) && !exists(S1TMP));

	struct cfg_lease_store store = store_at(tmpdir, CFG_DURABILITY_WRITE);
	/* A gap: journal.0 and journal.2. */
	path_of(a, sizeof(a), J1);
	path_of(b, sizeof(b), J2);
	ck_assert_int_eq(rename(a, b), 0);
	ck_assert_ptr_null(journal_open(&store, 0, collect, &s, &st, err, sizeof(err)));
	ck_assert_int_eq(errno, EBADMSG);
	ck_assert_msg(strstr(err, J1) != NULL, "err: %s", err);
	/* No snapshot, and generation 0 is gone. */
	path_of(a, sizeof(a), J0);
	ck_assert_int_eq(unlink(a), 0);
	ck_assert_ptr_null(journal_open(&store, 0, collect, &s, &st, err, sizeof(err)));
	ck_assert_int_eq(errno, EBADMSG);
	seen_free(&s);
	cleanup_tmpdir();
}
END_TEST

static void add_tests(TCase *tc)
{
	tcase_add_test(tc, directory_created_and_locked);
	tcase_add_test(tc, apply_abort);
	tcase_add_test(tc, torn_tail_every_offset);
	tcase_add_loop_test(tc, garbage_tail, 1, 66);
	tcase_add_loop_test(tc, corrupt_middle, DMG_BODY_BYTE, DMG_TYPE + 1);
	tcase_add_test(tc, too_many_corrupt_refuses);
	tcase_add_test(tc, random_damage_never_crashes);
	tcase_add_test(tc, missing_generation_refuses);
}

int main(void) { return run_suite("journal_recovery", add_tests); }
