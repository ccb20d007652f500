/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Snapshots and compaction (DESIGN.md sec 4, reliability.md D06): a new
 * generation (journal.<g+1>, durable before anything is appended to it),
 * the snapshot streamed to snapshot.<g+1>.tmp and made durable temp ->
 * fsync -> rename -> fsync(dir), and only then the removal of generation g.
 * The crash-safety argument and the snapshot format: journal_internal.h.
 *
 * journal_compact_add and journal_compact_finish run on the compaction
 * thread (compaction.h); begin, abort, and journal_remove_older for an
 * interrupted finish found by recovery, on the control thread.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/crc32c.h"
#include "base/le_bytes.h"
#include "journal/journal_internal.h"

/* Unlink journal.<g> and snapshot.<g> for every g < below. Best effort. */
void journal_remove_older(struct journal *j, uint64_t below)
{
	struct gen_list js = { 0 }, ss = { 0 };
	char name[JOURNAL_NAME_LEN];
	bool removed = false;

	if (journal_scan_dir(j->dirfd, &js, &ss, NULL) == 0) {
		for (size_t i = 0; i < js.n && js.v[i] < below; i++) {
			journal_file_name(name, "journal", js.v[i], false);
			removed |= unlinkat(j->dirfd, name, 0) == 0;
		}
		for (size_t i = 0; i < ss.n && ss.v[i] < below; i++) {
			journal_file_name(name, "snapshot", ss.v[i], false);
			removed |= unlinkat(j->dirfd, name, 0) == 0;
		}
	}
	if (removed)
		journal_fsync_dir(j);
	free(js.v);
	free(ss.v);
}

int journal_compact_begin(struct journal *j)
{
	char jname[JOURNAL_NAME_LEN], sname[JOURNAL_NAME_LEN];
	uint64_t next = j->gen + 1;
	int rc, nfd;

	if (j->snap_fd >= 0)
		return -EBUSY;
	rc = journal_commit(j);
	if (rc < 0)
		return rc;
	j->snap_err = 0;
	j->snap_buf = malloc(JOURNAL_FLUSH_BYTES + JOURNAL_RECORD_MAX);
	if (!j->snap_buf)
		return -ENOMEM;

	journal_file_name(sname, "snapshot", next, true);
	j->snap_fd =
	    openat(j->dirfd, sname, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, JOURNAL_FILE_MODE);
	if (j->snap_fd < 0) {
		rc = -errno;
		goto fail;
	}
	j->snap_gen = next;
	/* The new journal must exist durably before anything is appended to it. */
	journal_file_name(jname, "journal", next, false);
	nfd = openat(j->dirfd, jname, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, JOURNAL_FILE_MODE);
	if (nfd < 0) {
		rc = -errno;
		goto fail;
	}
	rc = journal_fsync_dir(j);
	if (rc < 0) {
		close(nfd);
		unlinkat(j->dirfd, jname, 0);
		goto fail;
	}

	close(j->fd);
	j->fd = nfd;
	j->gen = next;
	j->committed_off = j->write_off = 0;
	j->needs_truncate = false;
	j->snap_base_seq = j->seq;
	j->snap_off = SNAP_HEADER_LEN; /* header goes in last, once the count is known */
	j->snap_count = 0;
	j->snap_crc = 0;
	j->snap_len = 0;
	j->stats.generation = next;
	j->stats.bytes = 0;
	j->stats.records_since_snapshot = 0;
	return 0;
fail:
	journal_compact_discard(j, 0);
	return rc;
}

void journal_compact_abort(struct journal *j) { journal_compact_discard(j, -ECANCELED); }

static int snap_flush(struct journal *j)
{
	int rc = journal_write_all(j->io, j->snap_fd, j->snap_buf, j->snap_len, j->snap_off);
	if (rc < 0)
		return rc;
	j->snap_crc = crc32c(j->snap_crc, j->snap_buf, j->snap_len);
	j->snap_off += j->snap_len;
	j->snap_len = 0;
	return 0;
}

int journal_compact_add(struct journal *j, const struct lease_image *img)
{
	int rc;

	if (j->snap_fd < 0)
		return j->snap_err ? j->snap_err : -EINVAL;
	if (j->snap_len >= JOURNAL_FLUSH_BYTES) {
		rc = snap_flush(j);
		if (rc < 0)
			goto fail;
	}
	/* An image we cannot write would be a lease silently lost: abort instead. */
	rc = journal_record_encode(j->snap_buf + j->snap_len, JOURNAL_RECORD_MAX, j->snap_count + 1,
				   JOURNAL_REC_UPSERT, img);
	if (rc < 0)
		goto fail;
	j->snap_len += (size_t)rc;
	j->snap_count++;
	return 0;
fail:
	journal_compact_discard(j, rc);
	return rc;
}

int journal_compact_finish(struct journal *j)
{
	char tname[JOURNAL_NAME_LEN], sname[JOURNAL_NAME_LEN];
	uint8_t hdr[SNAP_HEADER_LEN], trl[SNAP_TRAILER_LEN];
	int rc;

	if (j->snap_fd < 0) {
		rc = j->snap_err ? j->snap_err : -EINVAL;
		j->snap_err = 0;
		return rc;
	}
	rc = snap_flush(j);
	if (rc < 0)
		goto fail;

	put_le32(hdr, SNAP_MAGIC);
	put_le32(hdr + 4, SNAP_VERSION);
	put_le64(hdr + 8, j->snap_gen);
	put_le64(hdr + 16, j->snap_count);
	put_le64(hdr + 24, j->snap_base_seq);
	put_le64(hdr + 32, 0);
	put_le32(trl, SNAP_TRAILER_MAGIC);
	put_le32(trl + 4, 0);
	put_le64(trl + 8, j->snap_count);
	uint32_t crc = crc32c(j->snap_crc, hdr, sizeof(hdr));
	put_le32(trl + 16, crc32c(crc, trl, 16));
	put_le32(trl + 20, 0);

	rc = journal_write_all(j->io, j->snap_fd, trl, sizeof(trl), j->snap_off);
	if (rc == 0)
		rc = journal_write_all(j->io, j->snap_fd, hdr, sizeof(hdr), 0);
	if (rc == 0)
		rc = journal_fsync_fd(j->io, j->snap_fd);
	if (rc < 0)
		goto fail;

	journal_file_name(tname, "snapshot", j->snap_gen, true);
	journal_file_name(sname, "snapshot", j->snap_gen, false);
	if (renameat(j->dirfd, tname, j->dirfd, sname) < 0) {
		rc = -errno;
		goto fail;
	}
	close(j->snap_fd);
	j->snap_fd = -1;
	free(j->snap_buf);
	j->snap_buf = NULL;
	/*
	 * Only once the rename is durable may the old generation go. If this
	 * fsync fails either directory state recovers the same leases.
	 */
	rc = journal_fsync_dir(j);
	if (rc < 0)
		return rc;
	journal_remove_older(j, j->snap_gen);
	return 0;
fail:
	journal_compact_discard(j, 0);
	return rc;
}
