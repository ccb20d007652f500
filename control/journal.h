/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The lease journal (DESIGN.md sec 4): append-only files of CRC-checked
 * records, group-committed with one fdatasync per batch, plus snapshots
 * written temp -> fsync -> rename -> fsync(dir). Generation n consists of
 * snapshot.<n> (may be absent for n = 0) and journal.<n>; recovery loads the
 * newest complete snapshot and replays the journals of that generation and
 * later, dropping (and counting) a torn tail record.
 *
 * Control thread only; every call may block on the file system.
 */
#ifndef LW_JOURNAL_H
#define LW_JOURNAL_H

#include <stdint.h>

#include "config.h"
#include "journal_record.h"

struct journal;

struct journal_recovery_stats {
	uint64_t snapshot_records;
	uint64_t journal_records;
	uint64_t torn_tail_records;  /* incomplete last record, dropped */
	uint64_t corrupt_records;    /* CRC or body errors in the middle, skipped and logged */
	uint64_t last_seq;
	double elapsed_secs;
};

/* Called for each recovered record in order; return non-zero to abort recovery. */
typedef int (*journal_apply_fn)(uint8_t type, const struct lease_image *img, void *arg);

/*
 * Recover from store->directory (created if missing), calling apply for each
 * record, then open the current journal for appending (a torn tail is
 * truncated away first so new appends are clean). Refuses (NULL, errno
 * EBADMSG, message in err) when more than `max_corrupt` records in the
 * middle fail their CRC: better not to start than to start with wrong data.
 */
struct journal *journal_open(const struct cfg_lease_store *store, uint32_t max_corrupt,
			     journal_apply_fn apply, void *arg,
			     struct journal_recovery_stats *stats, char *err, size_t err_len);
void journal_close(struct journal *j);

/* Buffer one record; assigns and returns its journal sequence in *seq. 0 or -errno. */
int journal_append(struct journal *j, enum journal_rec_type type, const struct lease_image *img,
		   uint64_t *seq);

/*
 * Make everything appended so far durable per the durability level: write()
 * the buffer, then fdatasync() for `fsync`. Returns 0, or -errno after which
 * nothing of the failed batch may be treated as committed (the file is
 * truncated back to the last good offset when possible).
 */
int journal_commit(struct journal *j);

/* Records appended but not yet committed. */
uint32_t journal_pending(const struct journal *j);

/*
 * Compaction without stopping service: journal_compact_begin() starts a new
 * generation (new appends go to journal.<n+1>); the caller then adds every
 * live lease with journal_compact_add() and calls journal_compact_finish(),
 * which makes snapshot.<n+1> durable and removes generation n's files.
 * On error the old generation stays valid and the snapshot is discarded.
 */
int journal_compact_begin(struct journal *j);
int journal_compact_add(struct journal *j, const struct lease_image *img);
int journal_compact_finish(struct journal *j);

struct journal_stats {
	uint64_t records;        /* appended since start */
	uint64_t commits;        /* successful commits (fdatasync calls for `fsync`) */
	uint64_t bytes;          /* written to the current journal file */
	uint64_t last_seq;
	uint64_t committed_seq;
	uint64_t write_errors;
	uint64_t last_commit_ns; /* duration of the last commit */
	uint64_t generation;
	uint64_t records_since_snapshot;
};
void journal_get_stats(const struct journal *j, struct journal_stats *stats);

#endif
