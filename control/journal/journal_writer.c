/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The journal's writer (DESIGN.md sec 4, reliability.md D01-D03, D07): the
 * store's file names and directory listing, the io hooks (journal_set_io),
 * and the append path: records are buffered, group-committed with one
 * write() and, for durability `fsync`, one fdatasync per batch; a failed
 * batch is rolled back on disk and in memory. Formats: journal_internal.h.
 *
 * Control thread only; everything here may block on the file system.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "journal/journal_internal.h"

#define JOURNAL_BUF_INIT (64u * 1024)

/* ---- file names and the directory ------------------------------------- */

void journal_file_name(char name[JOURNAL_NAME_LEN], const char *kind, uint64_t gen, bool tmp)
{
	snprintf(name, JOURNAL_NAME_LEN, "%s.%020" PRIu64 "%s", kind, gen, tmp ? ".tmp" : "");
}

/* "journal.<20 digits>" etc.; returns true and the generation when name matches. */
static bool parse_name(const char *name, const char *kind, bool tmp, uint64_t *gen)
{
	size_t klen = strlen(kind);
	uint64_t g = 0;

	if (strncmp(name, kind, klen) != 0 || name[klen] != '.')
		return false;
	name += klen + 1;
	for (int i = 0; i < 20; i++) {
		if (name[i] < '0' || name[i] > '9')
			return false;
		unsigned d = (unsigned)(name[i] - '0');
		if (g > (UINT64_MAX - d) / 10)
			return false;
		g = g * 10 + d;
	}
	if (strcmp(name + 20, tmp ? ".tmp" : "") != 0)
		return false;
	*gen = g;
	return true;
}

static int gen_list_add(struct gen_list *l, uint64_t g)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		uint64_t *v = realloc(l->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = g;
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/*
 * List journal and snapshot generations (ascending). Leftover snapshot
 * .tmp files are deleted here: they are never complete by construction.
 */
int journal_scan_dir(int dirfd, struct gen_list *journals, struct gen_list *snaps,
		     unsigned *tmp_removed)
{
	int fd = dup(dirfd);
	if (fd < 0)
		return -errno;
	DIR *d = fdopendir(fd);
	if (!d) {
		int rc = -errno;
		close(fd);
		return rc;
	}
	rewinddir(d);

	int rc = 0;
	struct dirent *e;
	uint64_t g;
	while ((e = readdir(d))) {
		if (parse_name(e->d_name, "journal", false, &g))
			rc = gen_list_add(journals, g);
		else if (snaps && parse_name(e->d_name, "snapshot", false, &g))
			rc = gen_list_add(snaps, g);
		else if (tmp_removed && parse_name(e->d_name, "snapshot", true, &g)) {
			if (unlinkat(dirfd, e->d_name, 0) == 0)
				(*tmp_removed)++;
		}
		if (rc < 0)
			break;
	}
	closedir(d);
	if (journals->n)
		qsort(journals->v, journals->n, sizeof(uint64_t), cmp_u64);
	if (snaps && snaps->n)
		qsort(snaps->v, snaps->n, sizeof(uint64_t), cmp_u64);
	return rc;
}

/* ---- durable writes --------------------------------------------------- */

const struct journal_io journal_sys_io = {
	.pwrite = pwrite,
	.fdatasync = fdatasync,
	.fsync = fsync,
	.ftruncate = ftruncate,
};

int journal_write_all(const struct journal_io *io, int fd, const uint8_t *buf, size_t len,
		      uint64_t off)
{
	while (len) {
		ssize_t n = io->pwrite(fd, buf, len, (off_t)off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EIO;
		buf += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

int journal_fsync_fd(const struct journal_io *io, int fd)
{
	while (io->fsync(fd) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	return 0;
}

int journal_fsync_dir(const struct journal *j) { return journal_fsync_fd(j->io, j->dirfd); }

/* ---- appending -------------------------------------------------------- */

/*
 * Forget everything after the last commit, on disk and in memory. Always
 * truncate: a failed pwrite may have left part of the batch past write_off.
 */
static void rollback(struct journal *j)
{
	j->buf_len = 0;
	j->pending = 0;
	j->stats.write_errors++;
	j->needs_truncate = j->io->ftruncate(j->fd, (off_t)j->committed_off) < 0;
	j->write_off = j->committed_off;
}

/* Write the buffer out without syncing. 0 or -errno (caller rolls back). */
static int flush_buf(struct journal *j)
{
	if (j->needs_truncate) {
		if (j->io->ftruncate(j->fd, (off_t)j->committed_off) < 0)
			return -errno;
		j->needs_truncate = false;
	}
	int rc = journal_write_all(j->io, j->fd, j->buf, j->buf_len, j->write_off);
	if (rc < 0)
		return rc;
	j->write_off += j->buf_len;
	j->buf_len = 0;
	return 0;
}

int journal_append(struct journal *j, enum journal_rec_type type, const struct lease_image *img,
		   uint64_t *seq)
{
	if (journal_record_validate(type, img) < 0)
		return -EINVAL;
	if (j->buf_len >= JOURNAL_FLUSH_BYTES) {
		int rc = flush_buf(j);
		if (rc < 0) {
			rollback(j);
			return rc;
		}
	}
	if (j->buf_cap - j->buf_len < JOURNAL_RECORD_MAX) {
		size_t cap = j->buf_cap ? j->buf_cap * 2 : JOURNAL_BUF_INIT;
		uint8_t *b = realloc(j->buf, cap);
		if (!b)
			return -ENOMEM;
		j->buf = b;
		j->buf_cap = cap;
	}
	int n = journal_record_encode(j->buf + j->buf_len, j->buf_cap - j->buf_len, j->seq + 1,
				      type, img);
	if (n < 0)
		return n;
	j->buf_len += (size_t)n;
	j->seq++;
	j->pending++;
	j->stats.records++;
	j->stats.last_seq = j->seq;
	if (seq)
		*seq = j->seq;
	return 0;
}

int journal_commit(struct journal *j)
{
	uint64_t t0 = journal_now_ns();
	int rc;

	if (j->pending == 0 && j->buf_len == 0 && !j->needs_truncate)
		return 0;
	rc = flush_buf(j); /* also retries a rollback's failed truncate */
	if (rc == 0 && j->durability == CFG_DURABILITY_FSYNC) {
		while (j->io->fdatasync(j->fd) < 0) {
			if (errno != EINTR) {
				rc = -errno;
				break;
			}
		}
	}
	if (rc < 0) {
		rollback(j);
		return rc;
	}
	j->committed_off = j->write_off;
	j->stats.records_since_snapshot += j->pending;
	j->pending = 0;
	j->stats.committed_seq = j->seq;
	j->stats.commits++;
	j->stats.bytes = j->committed_off;
	j->stats.last_commit_ns = journal_now_ns() - t0;
	return 0;
}

uint32_t journal_pending(const struct journal *j) { return j->pending; }

void journal_get_stats(const struct journal *j, struct journal_stats *stats) { *stats = j->stats; }

void journal_set_io(struct journal *j, const struct journal_io *io)
{
	j->io = io ? io : &journal_sys_io;
}

/* Close and remove what a compaction left open (journal_snapshot.c and journal_close). */
void journal_compact_discard(struct journal *j, int err)
{
	char name[JOURNAL_NAME_LEN];

	if (j->snap_fd >= 0) {
		close(j->snap_fd);
		j->snap_fd = -1;
		journal_file_name(name, "snapshot", j->snap_gen, true);
		unlinkat(j->dirfd, name, 0);
	}
	free(j->snap_buf);
	j->snap_buf = NULL;
	j->snap_len = 0;
	j->snap_err = err;
}

void journal_close(struct journal *j)
{
	if (!j)
		return;
	journal_commit(j);
	journal_compact_discard(j, 0);
	if (j->fd >= 0)
		close(j->fd);
	close(j->dirfd); /* releases the flock */
	free(j->buf);
	free(j);
}
