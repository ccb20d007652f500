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
#include <sys/types.h>

#include "config/config.h"
#include "lease/journal_record.h"

struct journal;

/* One skipped region, for the caller to log (the journal has no log type of its own). */
struct journal_corrupt_report {
	char file[40]; /* e.g. "journal.00000000000000000003" */
	uint64_t offset; /* first byte skipped */
	uint64_t bytes; /* bytes skipped */
	uint8_t reason; /* enum journal_decode_result of the first bad record */
};
#define JOURNAL_REPORT_MAX 16

struct journal_recovery_stats {
	uint64_t snapshot_records;
	uint64_t journal_records;
	uint64_t torn_tail_records; /* incomplete last record, dropped */
	uint64_t corrupt_records; /* CRC or body errors in the middle, skipped and logged */
	uint64_t last_seq;
	double elapsed_secs;
	/* Additions: */
	uint64_t generation; /* generation appended to after recovery */
	uint64_t snapshot_generation; /* snapshot loaded, UINT64_MAX when none */
	uint32_t snapshots_invalid; /* snapshot files that failed verification, ignored */
	uint32_t n_reports; /* entries used in reports[] (first JOURNAL_REPORT_MAX) */
	struct journal_corrupt_report reports[JOURNAL_REPORT_MAX];
};

/* Called for each recovered record in order; return non-zero to abort recovery. */
typedef int (*journal_apply_fn)(uint8_t type, const struct lease_image *img, void *arg);

/*
 * Recover from store->directory (created if missing), calling apply for each
 * record, then open the current journal for appending (a torn tail is
 * truncated away first so new appends are clean). Refuses (NULL, errno
 * EBADMSG, message in err) when more than `max_corrupt` records in the
 * middle fail their CRC: better not to start than to start with wrong data.
 *
 * Details: the directory is locked (flock) against a second process (EBUSY).
 * A damaged region in the middle of a journal (bad magic or length) is
 * skipped by scanning forward for the next record whose CRC verifies, and
 * counts as one corrupt record; an unreadable region that runs to the end of
 * a file (a torn write, garbage) counts as one torn tail record. Recovery
 * also refuses (EBADMSG) when a generation is missing between the base and
 * the newest journal, so a lost file never yields a silently partial set.
 * An apply that returns non-zero aborts with errno ECANCELED. stats and err
 * may be NULL.
 */
struct journal *journal_open(const struct cfg_lease_store *store, uint32_t max_corrupt,
			     journal_apply_fn apply, void *arg,
			     struct journal_recovery_stats *stats, char *err, size_t err_len);
/* Commits pending records (best effort), discards an unfinished compaction. */
void journal_close(struct journal *j);

/*
 * Buffer one record; assigns and returns its journal sequence in *seq. 0 or
 * -errno: -EINVAL for an image that fails journal_record_validate(). Past
 * 1 MiB buffered, the buffer is written out (not synced) first; if that
 * write fails, the uncommitted batch is dropped as by a failed commit.
 */
int journal_append(struct journal *j, enum journal_rec_type type, const struct lease_image *img,
		   uint64_t *seq);

/*
 * Make everything appended so far durable per the durability level: write()
 * the buffer, then fdatasync() for `fsync`. Returns 0, or -errno after which
 * nothing of the failed batch may be treated as committed (the file is
 * truncated back to the last good offset when possible).
 *
 * Sequences of a failed batch are never reused: committed_seq stays where it
 * was, and since later batches commit higher sequences the caller must drop
 * (not merely keep parked) the ACKs of the failed batch.
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
/* Give the snapshot up (the new generation stays; recovery reads both journals). */
void journal_compact_abort(struct journal *j);

struct journal_stats {
	uint64_t records; /* appended since start */
	uint64_t commits; /* successful commits (fdatasync calls for `fsync`) */
	uint64_t bytes; /* written to the current journal file */
	uint64_t last_seq;
	uint64_t committed_seq;
	uint64_t write_errors;
	uint64_t last_commit_ns; /* duration of the last commit */
	uint64_t generation;
	uint64_t records_since_snapshot;
};
void journal_get_stats(const struct journal *j, struct journal_stats *stats);

/*
 * The calls the journal makes on its open files once it is open (appends,
 * commits, rollbacks, snapshots). Tests substitute them to inject a failed,
 * short or ENOSPC write or an EIO at fdatasync at an exact point.
 */
struct journal_io {
	ssize_t (*pwrite)(int fd, const void *buf, size_t len, off_t off);
	int (*fdatasync)(int fd);
	int (*fsync)(int fd);
	int (*ftruncate)(int fd, off_t len);
};
/* Use io for every later call (NULL: the system's again). Control thread only. */
void journal_set_io(struct journal *j, const struct journal_io *io);

#endif
