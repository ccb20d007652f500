/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Journal snapshot tests (journal_snapshot.c; reliability.md D06 at unit
 * scale): compaction while appends go on, an empty snapshot, a bad image
 * aborting the snapshot, and a crash at each step of compaction.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "journal_fixtures.h"

/* ---- compaction (D06) ------------------------------------------------------ */

/* 10,000 records over 5,000 clients, some deleted: the oracle and the journal agree. */
static struct journal *fill_generation0(struct oracle *o, struct seen *s)
{
	struct journal_recovery_stats st;
	struct journal *j = open_ok(CFG_DURABILITY_WRITE, 0, s, &st);

	memset(o, 0, sizeof(*o));
	append_range(j, 0, 5000, 1, o);
	append_range(j, 0, 5000, 2, o);
	for (uint32_t i = 0; i < 5000; i += 50) {
		struct lease_image img;
		make_image(&img, i, 3);
		ck_assert_int_eq(journal_append(j, JOURNAL_REC_DELETE, &img, NULL), 0);
		oracle_apply(o, JOURNAL_REC_DELETE, i, 3);
	}
	ck_assert_int_eq(journal_commit(j), 0);
	return j;
}

static void add_live(struct journal *j, const struct oracle *o, uint32_t limit)
{
	uint32_t added = 0;
	for (uint32_t c = 0; c < MAX_CLIENTS && added < limit; c++) {
		if (!o->live[c])
			continue;
		struct lease_image img;
		make_image(&img, c, o->version[c]);
		ck_assert_int_eq(journal_compact_add(j, &img), 0);
		added++;
	}
}

START_TEST(compaction)
{
	static struct oracle o;
	struct seen s = { 0 };
	struct journal_recovery_stats st;
	struct journal_stats js;

	make_tmpdir();
	struct journal *j = fill_generation0(&o, &s);
	uint32_t live = 0;
	for (uint32_t c = 0; c < MAX_CLIENTS; c++)
		live += o.live[c];
	ck_assert_uint_eq(live, 4900);

	/* Appends keep going during compaction, into the new generation. */
	append_range(j, 6000, 10, 1, &o); /* pending at begin: committed by begin */
	ck_assert_int_eq(journal_compact_begin(j), 0);
	ck_assert_int_eq(journal_compact_begin(j), -EBUSY);
	ck_assert(exists(J1));
	ck_assert(exists(S1TMP));
	struct oracle at_begin = o;
	append_range(j, 100, 100, 4, &o);
	add_live(j, &at_begin, MAX_CLIENTS);
	append_range(j, 7000, 5, 1, &o);
	ck_assert_int_eq(journal_compact_finish(j), 0);
	ck_assert(!exists(J0));
	ck_assert(!exists(S1TMP));
	ck_assert(exists(S1));
	ck_assert(exists(J1));
	journal_get_stats(j, &js);
	ck_assert_uint_eq(js.generation, 1);
	ck_assert_uint_eq(js.records_since_snapshot, 105);
	uint64_t last = js.last_seq;
	ck_assert_uint_eq(last, 10000 + 100 + 10 + 100 + 5);
	append_range(j, 8000, 3, 1, &o);
	journal_close(j);

	seen_free(&s);
	j = open_ok(CFG_DURABILITY_WRITE, 0, &s, &st);
	ck_assert_uint_eq(st.snapshot_records, 4910);
	ck_assert_uint_eq(st.journal_records, 108);
	ck_assert_uint_eq(st.snapshot_generation, 1);
	ck_assert_uint_eq(st.generation, 1);
	ck_assert_uint_eq(st.last_seq, last + 3);
	assert_matches_oracle(&s, &o);
	uint64_t seq;
	struct lease_image img;
	make_image(&img, 1, 9);
	ck_assert_int_eq(journal_append(j, JOURNAL_REC_UPSERT, &img, &seq), 0);
	ck_assert_uint_eq(seq, last + 4);

	/* A second round removes generation 1 and keeps the sequence going. */
	ck_assert_int_eq(journal_compact_begin(j), 0); /* commits the pending record */
	oracle_apply(&o, JOURNAL_REC_UPSERT, 1, 9);
	add_live(j, &o, MAX_CLIENTS);
	ck_assert_int_eq(journal_compact_finish(j), 0);
	ck_assert(!exists(J1));
	ck_assert(!exists(S1));
	ck_assert(exists(J2));
	journal_close(j);
	seen_free(&s);
	j = open_ok(CFG_DURABILITY_WRITE, 0, &s, &st);
	ck_assert_uint_eq(st.journal_records, 0);
	ck_assert_uint_eq(st.last_seq, last + 4);
	assert_matches_oracle(&s, &o);
	journal_close(j);
	seen_free(&s);
	cleanup_tmpdir();
}
END_TEST

START_TEST(compaction_empty_snapshot)
{
	struct seen s = { 0 };
	struct journal_recovery_stats st;

	make_tmpdir();
	struct journal *j = open_ok(CFG_DURABILITY_FSYNC, 0, &s, &st);
	append_range(j, 0, 5, 1, NULL);
	ck_assert_int_eq(journal_compact_begin(j), 0);
	ck_assert_int_eq(journal_compact_finish(j), 0); /* every lease went away */
	journal_close(j);
	j = open_ok(CFG_DURABILITY_FSYNC, 0, &s, &st);
	ck_assert_uint_eq(s.n, 0); /* the snapshot is empty */
	ck_assert_uint_eq(st.last_seq, 5);
	ck_assert_uint_eq(st.snapshot_generation, 1);
	journal_close(j);
	seen_free(&s);
	cleanup_tmpdir();
}
END_TEST

START_TEST(compaction_bad_image_aborts)
{
	static struct oracle o;
	struct seen s = { 0 };
	struct journal_recovery_stats st;

	make_tmpdir();
	struct journal *j = fill_generation0(&o, &s);
	ck_assert_int_eq(journal_compact_begin(j), 0);
	add_live(j, &o, 100);
	struct lease_image bad;
	make_image(&bad, 1, 1);
	bad.hlen = 99;
	ck_assert_int_eq(journal_compact_add(j, &bad), -EINVAL);
	ck_assert_int_eq(journal_compact_add(j, &bad), -EINVAL);
	ck_assert_int_eq(journal_compact_finish(j), -EINVAL);
	ck_assert(!exists(S1TMP));
	ck_assert(!exists(S1));
	ck_assert(exists(J0)); /* the old generation stays valid */
	append_range(j, 200, 10, 5, &o);
	journal_close(j);
	seen_free(&s);
	j = open_ok(CFG_DURABILITY_WRITE, 0, &s, &st);
	assert_matches_oracle(&s, &o);
	journal_close(j);
	seen_free(&s);
	cleanup_tmpdir();
}
END_TEST

/*
 * Die at each step of compaction in a child (no close, no cleanup: _exit),
 * then recover in the parent and compare with the oracle.
 */
enum crash_point {
	CRASH_AFTER_BEGIN,
	CRASH_MID_ADD,
	CRASH_AFTER_ADD, /* complete tmp without trailer */
	CRASH_RENAMED_NO_TRAILER, /* a snapshot without trailer under its final name */
	CRASH_AFTER_RENAME, /* old generation not yet removed */
	CRASH_SNAPSHOT_BITROT, /* finished, old files still there, new snapshot damaged */
	CRASH__COUNT
};

START_TEST(compaction_crash)
{
	static struct oracle o;
	struct seen s = { 0 };
	struct journal_recovery_stats st;
	enum crash_point cp = (enum crash_point)_i;

	make_tmpdir();
	struct journal *j = fill_generation0(&o, &s);
	journal_close(j);
	seen_free(&s);
	uint8_t *j0;
	size_t j0_len;
	j0 = slurp(J0, &j0_len);

	/* The oracle after the child's appends (it appends the same in every case). */
	struct oracle at_begin = o;
	for (uint32_t i = 300; i < 320; i++)
		oracle_apply(&o, JOURNAL_REC_UPSERT, i, 6);

	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct journal_recovery_stats cst;
		struct seen cs = { 0 };
		struct cfg_lease_store store = store_at(tmpdir, CFG_DURABILITY_FSYNC);
		char err[256];
		struct journal *cj = journal_open(&store, 0, collect, &cs, &cst, err, sizeof(err));
		if (!cj)
			_exit(2);
		if (journal_compact_begin(cj) != 0)
			_exit(3);
		for (uint32_t i = 300; i < 320; i++) {
			struct lease_image img;
			make_image(&img, i, 6);
			journal_append(cj, JOURNAL_REC_UPSERT, &img, NULL);
		}
		if (journal_commit(cj) != 0)
			_exit(4);
		if (cp == CRASH_AFTER_BEGIN)
			_exit(0);
		uint32_t added = 0;
		for (uint32_t c = 0; c < MAX_CLIENTS; c++) {
			if (!at_begin.live[c])
				continue;
			if (cp == CRASH_MID_ADD && added == 2000)
				_exit(0);
			struct lease_image img;
			make_image(&img, c, at_begin.version[c]);
			if (journal_compact_add(cj, &img) != 0)
				_exit(5);
			added++;
		}
		if (cp == CRASH_AFTER_ADD || cp == CRASH_RENAMED_NO_TRAILER)
			_exit(0);
		if (journal_compact_finish(cj) != 0)
			_exit(6);
		_exit(0);
	}
	int status;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %d", status);

	switch (cp) {
	case CRASH_AFTER_BEGIN:
	case CRASH_MID_ADD:
	case CRASH_AFTER_ADD: ck_assert(exists(S1TMP)); break;
	case CRASH_RENAMED_NO_TRAILER: {
		char a[512], b[512];
		path_of(a, sizeof(a), S1TMP);
		path_of(b, sizeof(b), S1);
		ck_assert_int_eq(rename(a, b), 0);
		break;
	}
	case CRASH_AFTER_RENAME:
		spill(J0, j0, j0_len); /* as if the unlink never happened */
		break;
	case CRASH_SNAPSHOT_BITROT: {
		size_t len;
		uint8_t *sb = slurp(S1, &len);
		sb[len / 2] ^= 0x10;
		spill(S1, sb, len);
		free(sb);
		spill(J0, j0, j0_len);
		break;
	}
	default: break;
	}

	j = open_ok(CFG_DURABILITY_WRITE, 0, &s, &st);
	assert_matches_oracle(&s, &o);
	ck_assert_uint_eq(st.last_seq, 10000 + 100 + 20);
	ck_assert(!exists(S1TMP));
	if (cp == CRASH_AFTER_RENAME) {
		ck_assert_uint_eq(st.snapshot_generation, 1);
		ck_assert(!exists(J0)); /* recovery finished the compaction */
	} else {
		ck_assert_uint_eq(st.snapshot_generation, UINT64_MAX);
		ck_assert_uint_eq(st.snapshots_invalid, cp >= CRASH_RENAMED_NO_TRAILER);
	}
	ck_assert_uint_eq(st.generation, 1);
	/* Service continues, and compaction works after the crash. */
	append_range(j, 400, 5, 7, &o);
	ck_assert_int_eq(journal_compact_begin(j), 0);
	seen_free(&s);
	journal_close(j);
	j = open_ok(CFG_DURABILITY_WRITE, 0, &s, &st);
	assert_matches_oracle(&s, &o);
	journal_close(j);
	free(j0);
	seen_free(&s);
	cleanup_tmpdir();
}
END_TEST

static void add_tests(TCase *tc)
{
	tcase_add_test(tc, compaction);
	tcase_add_test(tc, compaction_empty_snapshot);
	tcase_add_test(tc, compaction_bad_image_aborts);
	tcase_add_loop_test(tc, compaction_crash, 0, CRASH__COUNT);
}

int main(void) { return run_suite("journal_snapshot", add_tests); }
