/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the lease journal's files share, and nothing outside control/journal/
 * may include: struct journal, the store's file names and formats, the io
 * hooks and the durable-write helpers. journal_writer.c appends and commits,
 * journal_recovery.c replays the store and opens it, journal_snapshot.c
 * compacts (DESIGN.md sec 4, reliability.md sec 3 and D01-D08).
 *
 * Files in the store directory, <g> being 20 decimal digits:
 *   journal.<g>       records appended since generation g began
 *   snapshot.<g>      every live lease when generation g began, complete
 *   snapshot.<g>.tmp  a snapshot being written; never read, deleted on open
 *
 * Snapshot file: a 40-byte header, the records (UPSERT, seq 1..count), and a
 * 24-byte trailer, all little-endian:
 *   header  u32 magic "LWSH", u32 version, u64 generation, u64 count,
 *           u64 base_seq (journal sequence when the generation began), u64 0
 *   trailer u32 magic "LWST", u32 0, u64 count, u32 crc, u32 0
 * crc is CRC-32C over the records, continued over the header and trailer
 * bytes 0..15: the records are streamed before the count is known, so the
 * header is written last and hashed last.
 *
 * Crash safety of compaction: journal.<g+1> is created (and the directory
 * fsync'd) before the snapshot is started, and generation g's files are
 * removed only after snapshot.<g+1> is fsync'd, renamed into place and the
 * directory fsync'd. Until then recovery replays snapshot.<g> (if any),
 * journal.<g> and journal.<g+1>, which gives the same lease set.
 *
 * Control thread only (the compaction thread takes the snapshot state while
 * a compaction runs, compaction.h); everything here may block on the file
 * system.
 */
#ifndef LW_JOURNAL_INTERNAL_H
#define LW_JOURNAL_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "base/mono_clock.h"
#include "journal/journal.h"

#define SNAP_MAGIC 0x4c575348u /* "LWSH" */
#define SNAP_TRAILER_MAGIC 0x4c575354u /* "LWST" */
#define SNAP_VERSION 1u
#define SNAP_HEADER_LEN 40u
#define SNAP_TRAILER_LEN 24u

/* Past this many buffered bytes append writes them out early (not durable). */
#define JOURNAL_FLUSH_BYTES (1u << 20)
#define JOURNAL_NAME_LEN 40
#define JOURNAL_FILE_MODE 0640

struct journal {
	int dirfd; /* store directory, flock'ed while open */
	enum cfg_durability durability;
	uint64_t gen; /* generation being appended to */

	int fd; /* journal.<gen> */
	uint64_t committed_off; /* end of the last committed record */
	uint64_t write_off; /* end of what was written (early flushes included) */
	bool needs_truncate; /* a rollback's ftruncate failed: retry before writing */
	uint8_t *buf; /* encoded, not yet written records */
	size_t buf_len, buf_cap;
	uint32_t pending; /* records appended since the last commit */
	uint64_t seq; /* last sequence handed out */

	/* Compaction in progress when snap_fd >= 0. */
	int snap_fd;
	int snap_err; /* first error of a failed compaction, reported by finish */
	uint64_t snap_gen;
	uint64_t snap_base_seq;
	uint64_t snap_off; /* next write offset in the tmp file */
	uint64_t snap_count;
	uint32_t snap_crc; /* over records so far */
	uint8_t *snap_buf;
	size_t snap_len;

	struct journal_stats stats;
	const struct journal_io *io; /* the system's calls, or a test's faults */
};

static inline uint64_t journal_now_ns(void) { return (uint64_t)mono_clock_ns(); }

/* ---- journal_writer.c: files and durable writes ------------------------- */

/* The system's calls: what a journal uses until journal_set_io says otherwise. */
extern const struct journal_io journal_sys_io;

/* "journal.<20 digits>", "snapshot.<20 digits>" or "snapshot.<20 digits>.tmp". */
void journal_file_name(char name[JOURNAL_NAME_LEN], const char *kind, uint64_t gen, bool tmp);

struct gen_list {
	uint64_t *v;
	size_t n, cap;
};

/*
 * List journal and snapshot generations (ascending); snaps may be NULL.
 * With tmp_removed, leftover snapshot .tmp files are deleted and counted.
 */
int journal_scan_dir(int dirfd, struct gen_list *journals, struct gen_list *snaps,
		     unsigned *tmp_removed);

/* pwrite all of buf at off, across short writes and EINTR. 0 or -errno. */
int journal_write_all(const struct journal_io *io, int fd, const uint8_t *buf, size_t len,
		      uint64_t off);
/* fsync through io, across EINTR. 0 or -errno. */
int journal_fsync_fd(const struct journal_io *io, int fd);
/* fsync the store directory: makes creates, renames and unlinks durable. */
int journal_fsync_dir(const struct journal *j);

/* ---- journal_snapshot.c: compaction ------------------------------------- */

/* Unlink journal.<g> and snapshot.<g> for every g < below. Best effort. */
void journal_remove_older(struct journal *j, uint64_t below);

/* Drop an unfinished snapshot (tmp file and buffer); err is what finish reports. */
void journal_compact_discard(struct journal *j, int err);

#endif
