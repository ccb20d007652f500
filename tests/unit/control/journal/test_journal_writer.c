/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Journal writer tests (journal_writer.c; reliability.md D07 at unit
 * scale): append, group commit at each durability level, sequences, and a
 * commit that fails with ENOSPC rolling back.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "journal_fixtures.h"

START_TEST(append_commit_reopen)
{
	struct seen s = { 0 };
	struct journal_recovery_stats st;
	struct journal_stats js;

	make_tmpdir();
	struct journal *j = open_ok(CFG_DURABILITY_FSYNC, 0, &s, &st);
	ck_assert_uint_eq(s.n, 0);
	ck_assert_uint_eq(st.last_seq, 0);
	for (uint32_t i = 0; i < 100; i++) {
		struct lease_image img;
		uint64_t seq = 0;
		make_image(&img, i % 37, i);
		ck_assert_int_eq(
		    journal_append(j, i % 5 == 4 ? JOURNAL_REC_DELETE : JOURNAL_REC_UPSERT, &img,
				   &seq),
		    0);
		ck_assert_uint_eq(seq, i + 1);
		ck_assert_uint_eq(journal_pending(j), i % 10 + 1);
		if (i % 10 == 9)
			ck_assert_int_eq(journal_commit(j), 0);
	}
	journal_get_stats(j, &js);
	ck_assert_uint_eq(js.records, 100);
	ck_assert_uint_eq(js.commits, 10);
	ck_assert_uint_eq(js.last_seq, 100);
	ck_assert_uint_eq(js.committed_seq, 100);
	ck_assert_uint_eq(js.bytes, 100 * record_len());
	ck_assert_uint_eq(js.write_errors, 0);
	ck_assert_uint_eq(js.generation, 0);
	ck_assert_uint_eq(js.records_since_snapshot, 100);
	journal_close(j);

	j = open_ok(CFG_DURABILITY_FSYNC, 0, &s, &st);
	ck_assert_uint_eq(s.n, 100);
	ck_assert_uint_eq(st.journal_records, 100);
	ck_assert_uint_eq(st.snapshot_records, 0);
	ck_assert_uint_eq(st.torn_tail_records, 0);
	ck_assert_uint_eq(st.corrupt_records, 0);
	ck_assert_uint_eq(st.last_seq, 100);
	ck_assert_uint_eq(st.generation, 0);
	ck_assert_uint_eq(st.snapshot_generation, UINT64_MAX);
	for (uint32_t i = 0; i < 100; i++) {
		struct lease_image want;
		make_image(&want, i % 37, i);
		ck_assert_uint_eq(s.type[i], i % 5 == 4 ? JOURNAL_REC_DELETE : JOURNAL_REC_UPSERT);
		ck_assert_mem_eq(s.img[i].key, want.key, want.key_len);
		ck_assert_int_eq(s.img[i].cltt, want.cltt);
		ck_assert_uint_eq(s.img[i].ip, want.ip);
	}
	/* The sequence continues where it stopped. */
	struct lease_image img;
	uint64_t seq;
	make_image(&img, 1, 1);
	ck_assert_int_eq(journal_append(j, JOURNAL_REC_UPSERT, &img, &seq), 0);
	ck_assert_uint_eq(seq, 101);
	/* An image the loader would refuse is refused here, seq untouched. */
	img.key_len = 0;
	ck_assert_int_eq(journal_append(j, JOURNAL_REC_UPSERT, &img, &seq), -EINVAL);
	ck_assert_int_eq(journal_append(j, (enum journal_rec_type)7, &img, &seq), -EINVAL);
	ck_assert_uint_eq(journal_pending(j), 1);
	journal_close(j); /* commits the pending record */
	seen_free(&s);

	j = open_ok(CFG_DURABILITY_FSYNC, 0, &s, &st);
	ck_assert_uint_eq(s.n, 101);
	ck_assert_uint_eq(st.last_seq, 101);
	journal_close(j);
	seen_free(&s);
	cleanup_tmpdir();
}
END_TEST

static const enum cfg_durability levels[] = {
	CFG_DURABILITY_FSYNC,
	CFG_DURABILITY_WRITE,
	CFG_DURABILITY_NONE,
};

START_TEST(durability_levels)
{
	struct seen s = { 0 };
	struct journal_recovery_stats st;
	struct journal_stats js;
	enum cfg_durability d = levels[_i];

	make_tmpdir();
	struct journal *j = open_ok(d, 0, &s, &st);
	ck_assert_int_eq(journal_commit(j), 0); /* nothing pending: no-op */
	journal_get_stats(j, &js);
	ck_assert_uint_eq(js.commits, 0);
	append_range(j, 0, 64, 1, NULL);
	append_range(j, 64, 64, 1, NULL);
	journal_get_stats(j, &js);
	ck_assert_uint_eq(js.commits, 2);
	ck_assert_uint_eq(js.committed_seq, 128);
	journal_close(j);

	/* After commit the bytes are in the file whatever the level (kill -9 safe). */
	size_t len;
	free(slurp(J0, &len));
	ck_assert_uint_eq(len, 128 * record_len());

	j = open_ok(d, 0, &s, &st);
	ck_assert_uint_eq(s.n, 128);
	journal_close(j);
	seen_free(&s);
	cleanup_tmpdir();
}
END_TEST

/* ---- write failure (D07) ----------------------------------------------------- */

START_TEST(commit_enospc_rolls_back)
{
	struct seen s = { 0 };
	struct journal_recovery_stats st;
	struct journal_stats js;

	if (geteuid() != 0) {
		fprintf(stderr, "commit_enospc_rolls_back: skipped, needs root to mount a tmpfs\n");
		return;
	}
	make_tmpdir();
	if (mount("lw-journal-test", tmpdir, "tmpfs", 0, "size=64k") != 0) {
		fprintf(stderr, "commit_enospc_rolls_back: skipped, mount tmpfs: %s\n",
			strerror(errno));
		cleanup_tmpdir();
		return;
	}
	struct journal *j = open_ok(CFG_DURABILITY_FSYNC, 0, &s, &st);
	uint32_t committed = 0;
	int rc = 0;
	for (uint32_t batch = 0; batch < 1000 && rc == 0; batch++) {
		for (uint32_t k = 0; k < 100; k++) {
			struct lease_image img;
			make_image(&img, committed + k, 1);
			ck_assert_int_eq(journal_append(j, JOURNAL_REC_UPSERT, &img, NULL), 0);
		}
		rc = journal_commit(j);
		if (rc == 0)
			committed += 100;
	}
	ck_assert_int_eq(rc, -ENOSPC);
	ck_assert_uint_gt(committed, 0);
	ck_assert_uint_eq(journal_pending(j), 0);
	journal_get_stats(j, &js);
	ck_assert_uint_eq(js.write_errors, 1);
	ck_assert_uint_eq(js.committed_seq, committed);
	ck_assert_uint_eq(js.last_seq, committed + 100); /* failed sequences are not reused */
	size_t len;
	free(slurp(J0, &len));
	ck_assert_uint_eq(len, committed * record_len());
	journal_close(j);

	j = open_ok(CFG_DURABILITY_FSYNC, 0, &s, &st);
	ck_assert_uint_eq(s.n, committed);
	ck_assert_uint_eq(st.torn_tail_records, 0);
	ck_assert_uint_eq(st.corrupt_records, 0);
	for (uint32_t k = 0; k < committed; k++)
		ck_assert_uint_eq(image_client(&s.img[k]), k);
	journal_close(j);
	ck_assert_int_eq(umount(tmpdir), 0);
	seen_free(&s);
	cleanup_tmpdir();
}
END_TEST

static void add_tests(TCase *tc)
{
	tcase_add_test(tc, append_commit_reopen);
	tcase_add_loop_test(tc, durability_levels, 0, 3);
	tcase_add_test(tc, commit_enospc_rolls_back);
}

int main(void) { return run_suite("journal_writer", add_tests); }
