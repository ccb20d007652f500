/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Recovery and journal_open (DESIGN.md sec 4, reliability.md D04, D05, D08):
 * choose the newest snapshot that verifies, replay it and every journal
 * generation from it on, drop (and count) a torn tail, skip and report a
 * corrupt region in the middle, refuse a missing generation, and leave the
 * newest journal open for the writer (journal_writer.c). Formats:
 * journal_internal.h.
 *
 * Control thread only; everything here may block on the file system.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/crc32c.h"
#include "base/le_bytes.h"
#include "journal/journal_internal.h"

/* A resync scan that finds no valid record this far on refuses to guess. */
#define JOURNAL_RESYNC_MAX (1u << 20)

__attribute__((format(printf, 3, 4))) static void set_err(char *err, size_t err_len,
							  const char *fmt, ...)
{
	va_list ap;

	if (!err || !err_len)
		return;
	va_start(ap, fmt);
	vsnprintf(err, err_len, fmt, ap);
	va_end(ap);
}

/* mkdir -p: create each missing component of path. 0 or -errno. */
static int mkdir_p(const char *path)
{
	char tmp[sizeof(((struct cfg_lease_store *)0)->directory)];
	size_t len = strnlen(path, sizeof(tmp));

	if (len == 0)
		return -EINVAL;
	if (len >= sizeof(tmp))
		return -ENAMETOOLONG;
	memcpy(tmp, path, len + 1);
	for (size_t i = 1; i <= len; i++) {
		if (tmp[i] != '/' && tmp[i] != '\0')
			continue;
		char c = tmp[i];
		tmp[i] = '\0';
		if (mkdir(tmp, 0750) < 0 && errno != EEXIST)
			return -errno;
		tmp[i] = c;
	}
	return 0;
}

/* ---- read-only file mapping ------------------------------------------- */

struct mapped {
	int fd;
	const uint8_t *p;
	size_t len;
};

static int map_file(int dirfd, const char *name, int flags, struct mapped *m)
{
	struct stat st;

	m->p = NULL;
	m->len = 0;
	m->fd = openat(dirfd, name, flags | O_CLOEXEC);
	if (m->fd < 0)
		return -errno;
	if (fstat(m->fd, &st) < 0)
		goto fail;
	m->len = (size_t)st.st_size;
	if (m->len == 0)
		return 0;
	/* Recovery reads every byte once, front to back: let the kernel read ahead. */
	void *p = mmap(NULL, m->len, PROT_READ, MAP_PRIVATE, m->fd, 0);
	if (p == MAP_FAILED)
		goto fail;
	(void)madvise(p, m->len, MADV_SEQUENTIAL);
	m->p = p;
	return 0;
fail : {
	int rc = -errno;
	close(m->fd);
	m->fd = -1;
	return rc;
}
}

static void unmap_file(struct mapped *m)
{
	if (m->p)
		munmap((void *)(uintptr_t)m->p, m->len);
	if (m->fd >= 0)
		close(m->fd);
	m->p = NULL;
	m->fd = -1;
}

/* ---- recovery --------------------------------------------------------- */

struct recovery {
	journal_apply_fn apply;
	void *arg;
	uint32_t max_corrupt;
	struct journal_recovery_stats *st;
	char *err;
	size_t err_len;
};

static void report(struct recovery *r, const char *name, uint64_t off, uint64_t bytes,
		   enum journal_decode_result why)
{
	struct journal_recovery_stats *st = r->st;

	if (st->n_reports >= JOURNAL_REPORT_MAX)
		return;
	struct journal_corrupt_report *rep = &st->reports[st->n_reports++];
	snprintf(rep->file, sizeof(rep->file), "%s", name);
	rep->offset = off;
	rep->bytes = bytes;
	rep->reason = (uint8_t)why;
}

/* What journal_record_decode hands out: every walk over a file needs a place for it. */
struct rec {
	uint64_t seq;
	uint8_t type;
	struct lease_image img;
	size_t used;
};

/* Decode the record at p + off (off < len). */
static enum journal_decode_result decode_at(const uint8_t *p, size_t len, size_t off,
					    struct rec *rec)
{
	return journal_record_decode(p + off, len - off, &rec->seq, &rec->type, &rec->img,
				     &rec->used);
}

/* The records between a snapshot's header and trailer (m->len checked by the caller). */
static const uint8_t *snapshot_records(const struct mapped *m, size_t *len)
{
	*len = m->len - SNAP_HEADER_LEN - SNAP_TRAILER_LEN;
	return m->p + SNAP_HEADER_LEN;
}

/* Verify a snapshot completely (trailer, CRC, every record) without applying. */
static int snapshot_verify(const struct mapped *m, uint64_t gen, uint64_t *count,
			   uint64_t *base_seq)
{
	if (m->len < SNAP_HEADER_LEN + SNAP_TRAILER_LEN)
		return -EBADMSG;
	const uint8_t *h = m->p, *t = m->p + m->len - SNAP_TRAILER_LEN;
	if (get_le32(h) != SNAP_MAGIC || get_le32(h + 4) != SNAP_VERSION ||
	    get_le64(h + 8) != gen || get_le64(h + 32) != 0)
		return -EBADMSG;
	if (get_le32(t) != SNAP_TRAILER_MAGIC || get_le32(t + 4) != 0 || get_le32(t + 20) != 0 ||
	    get_le64(t + 8) != get_le64(h + 16))
		return -EBADMSG;

	size_t recs_len;
	const uint8_t *recs = snapshot_records(m, &recs_len);
	uint32_t crc = crc32c(0, recs, recs_len);
	crc = crc32c(crc, h, SNAP_HEADER_LEN);
	crc = crc32c(crc, t, 16);
	if (crc != get_le32(t + 16))
		return -EBADMSG;

	uint64_t n = 0;
	size_t off = 0;
	while (off < recs_len) {
		struct rec rec;
		if (decode_at(recs, recs_len, off, &rec) != JOURNAL_DECODE_OK ||
		    rec.type != JOURNAL_REC_UPSERT)
			return -EBADMSG;
		off += rec.used;
		n++;
	}
	if (n != get_le64(h + 16))
		return -EBADMSG;
	*count = n;
	*base_seq = get_le64(h + 24);
	return 0;
}

static int snapshot_apply(struct recovery *r, const struct mapped *m, const char *name)
{
	size_t recs_len;
	const uint8_t *recs = snapshot_records(m, &recs_len);
	size_t off = 0;

	while (off < recs_len) {
		struct rec rec;
		/* Verified just before: decoding cannot fail here. */
		decode_at(recs, recs_len, off, &rec);
		if (r->apply && r->apply(JOURNAL_REC_UPSERT, &rec.img, r->arg) != 0) {
			set_err(r->err, r->err_len, "%s offset %zu: apply aborted recovery", name,
				SNAP_HEADER_LEN + off);
			return -ECANCELED;
		}
		r->st->snapshot_records++;
		off += rec.used;
	}
	return 0;
}

/* Offset of the next record that decodes OK in [from, min(len, from + bound)), or len if none. */
static size_t resync(const uint8_t *p, size_t len, size_t from, bool *bounded)
{
	const uint8_t m0 = (uint8_t)JOURNAL_RECORD_MAGIC; /* first byte on disk */
	size_t end = len - from > JOURNAL_RESYNC_MAX ? from + JOURNAL_RESYNC_MAX : len;

	*bounded = end < len;
	for (size_t pos = from; pos < end; pos++) {
		struct rec rec;
		if (p[pos] == m0 && decode_at(p, len, pos, &rec) == JOURNAL_DECODE_OK)
			return pos;
	}
	return *bounded ? end : len;
}

static bool record_ok_at(const uint8_t *p, size_t len, size_t off)
{
	struct rec rec;

	return off < len && decode_at(p, len, off, &rec) == JOURNAL_DECODE_OK;
}

/*
 * Replay one journal file. *good_end is the end of the last record applied
 * (or skipped as corrupt in the middle): the truncation point of a torn tail.
 */
static int journal_replay(struct recovery *r, const struct mapped *m, const char *name,
			  size_t *good_end)
{
	const uint8_t *p = m->p;
	size_t len = m->len, off = 0;

	*good_end = 0;
	while (off < len) {
		struct rec rec;
		enum journal_decode_result res = decode_at(p, len, off, &rec);

		if (res == JOURNAL_DECODE_OK) {
			if (r->apply && r->apply(rec.type, &rec.img, r->arg) != 0) {
				set_err(r->err, r->err_len, "%s offset %zu: apply aborted recovery",
					name, off);
				return -ECANCELED;
			}
			r->st->journal_records++;
			if (rec.seq > r->st->last_seq)
				r->st->last_seq = rec.seq;
			off += rec.used;
			*good_end = off;
			continue;
		}
		if (res == JOURNAL_DECODE_SHORT) {
			/* Cut inside its header or body: the write never completed. */
			r->st->torn_tail_records++;
			return 0;
		}

		/*
		 * A bad CRC or body has a length we may trust only if a valid
		 * record (or the end of file) follows it; otherwise the length
		 * itself may be the damage, and we resync byte by byte.
		 */
		size_t next;
		if ((res == JOURNAL_DECODE_BAD_CRC || res == JOURNAL_DECODE_BAD_BODY) &&
		    (off + rec.used == len || record_ok_at(p, len, off + rec.used))) {
			next = off + rec.used;
		} else {
			bool bounded;
			next = resync(p, len, off + 1, &bounded);
			if (next == len && bounded) {
				set_err(
				    r->err, r->err_len,
				    "%s offset %zu: %s and no valid record in the next %u bytes",
				    name, off, journal_decode_result_name(res), JOURNAL_RESYNC_MAX);
				return -EBADMSG;
			}
		}
		if (next == len) {
			/* Nothing valid after it: a torn write or trailing garbage. */
			r->st->torn_tail_records++;
			return 0;
		}
		r->st->corrupt_records++;
		report(r, name, off, next - off, res);
		if (r->st->corrupt_records > r->max_corrupt) {
			set_err(r->err, r->err_len,
				"%s offset %zu: %s; %" PRIu64
				" corrupt records exceed the limit of %" PRIu32
				", refusing to start with a damaged lease database",
				name, off, journal_decode_result_name(res), r->st->corrupt_records,
				r->max_corrupt);
			return -EBADMSG;
		}
		off = next;
		*good_end = off;
	}
	return 0;
}

/*
 * Choose the base (newest verified snapshot), replay it and every journal
 * from its generation on, and leave journal.<newest> open for appending.
 */
static int recover(struct journal *j, struct recovery *r)
{
	struct gen_list js = { 0 }, ss = { 0 };
	char name[JOURNAL_NAME_LEN];
	unsigned tmp_removed = 0;
	uint64_t base = 0;
	bool have_snap = false;
	int rc;

	rc = journal_scan_dir(j->dirfd, &js, &ss, &tmp_removed);
	if (rc < 0) {
		set_err(r->err, r->err_len, "cannot list the lease store: %s", strerror(-rc));
		goto out;
	}
	if (tmp_removed)
		journal_fsync_dir(j);

	/* Newest snapshot whose trailer, CRC and records all verify. */
	for (size_t i = ss.n; i-- > 0 && !have_snap;) {
		struct mapped m;
		uint64_t count, base_seq;
		journal_file_name(name, "snapshot", ss.v[i], false);
		if (map_file(j->dirfd, name, O_RDONLY, &m) < 0) {
			r->st->snapshots_invalid++;
			continue;
		}
		if (snapshot_verify(&m, ss.v[i], &count, &base_seq) == 0) {
			have_snap = true;
			base = ss.v[i];
			r->st->snapshot_generation = base;
			if (base_seq > r->st->last_seq)
				r->st->last_seq = base_seq;
			rc = snapshot_apply(r, &m, name);
		} else {
			r->st->snapshots_invalid++;
		}
		unmap_file(&m);
		if (rc < 0)
			goto out;
	}

	/* Journals from the base on; a gap means a lost file. */
	size_t first = 0;
	while (first < js.n && js.v[first] < base)
		first++;
	if (!have_snap) {
		if (ss.n && !js.n) {
			rc = -EBADMSG;
			set_err(r->err, r->err_len, "no valid snapshot among %zu and no journal",
				ss.n);
			goto out;
		}
		if (js.n && js.v[0] != 0) {
			rc = -EBADMSG;
			journal_file_name(name, "snapshot", js.v[0], false);
			set_err(r->err, r->err_len,
				"%s missing or corrupt and generation %" PRIu64
				" is gone: refusing a partial lease set",
				name, js.v[0] - 1);
			goto out;
		}
		base = js.n ? js.v[0] : 0;
	}
	if (js.n > first || have_snap) {
		if (first == js.n || js.v[first] != base) {
			rc = -EBADMSG;
			journal_file_name(name, "journal", base, false);
			set_err(r->err, r->err_len, "%s missing next to its snapshot", name);
			goto out;
		}
	}
	for (size_t i = first + 1; i < js.n; i++) {
		if (js.v[i] != js.v[i - 1] + 1) {
			rc = -EBADMSG;
			journal_file_name(name, "journal", js.v[i - 1] + 1, false);
			set_err(r->err, r->err_len, "%s missing between older and newer journals",
				name);
			goto out;
		}
	}

	uint64_t newest = js.n > first ? js.v[js.n - 1] : base;
	for (size_t i = first; i < js.n; i++) {
		struct mapped m;
		size_t good_end;
		bool last = i == js.n - 1;
		journal_file_name(name, "journal", js.v[i], false);
		rc = map_file(j->dirfd, name, last ? O_RDWR : O_RDONLY, &m);
		if (rc < 0) {
			set_err(r->err, r->err_len, "%s: %s", name, strerror(-rc));
			goto out;
		}
		rc = journal_replay(r, &m, name, &good_end);
		if (rc == 0 && last) {
			if (good_end < m.len) {
				/* Cut the torn tail so the next append starts clean (D04). */
				if (ftruncate(m.fd, (off_t)good_end) < 0 || fdatasync(m.fd) < 0) {
					rc = -errno;
					set_err(r->err, r->err_len, "%s: truncating torn tail: %s",
						name, strerror(errno));
				}
			}
			if (rc == 0) {
				j->fd = m.fd;
				m.fd = -1;
				j->committed_off = j->write_off = good_end;
			}
		}
		unmap_file(&m);
		if (rc < 0)
			goto out;
	}

	if (j->fd < 0) {
		/* A fresh store: nothing to replay, start generation 0. */
		journal_file_name(name, "journal", newest, false);
		j->fd = openat(j->dirfd, name, O_RDWR | O_CREAT | O_CLOEXEC, JOURNAL_FILE_MODE);
		if (j->fd < 0 || journal_fsync_dir(j) < 0) {
			rc = -errno;
			set_err(r->err, r->err_len, "%s: %s", name, strerror(errno));
			goto out;
		}
	}
	j->gen = newest;
	r->st->generation = newest;
	/* An interrupted compaction_finish left generation base-1 behind. */
	if (have_snap)
		journal_remove_older(j, base);
	rc = 0;
out:
	free(js.v);
	free(ss.v);
	return rc;
}

struct journal *journal_open(const struct cfg_lease_store *store, uint32_t max_corrupt,
			     journal_apply_fn apply, void *arg,
			     struct journal_recovery_stats *stats, char *err, size_t err_len)
{
	struct journal_recovery_stats local;
	struct journal *j = NULL;
	uint64_t t0 = journal_now_ns();
	int rc;

	if (!stats)
		stats = &local;
	memset(stats, 0, sizeof(*stats));
	stats->snapshot_generation = UINT64_MAX;
	set_err(err, err_len, "%s", "");

	rc = mkdir_p(store->directory);
	if (rc < 0) {
		set_err(err, err_len, "lease-store directory %s: %s", store->directory,
			strerror(-rc));
		goto fail;
	}
	j = calloc(1, sizeof(*j));
	if (!j) {
		rc = -ENOMEM;
		set_err(err, err_len, "out of memory");
		goto fail;
	}
	j->fd = j->snap_fd = -1;
	j->io = &journal_sys_io;
	j->durability = store->durability;
	j->dirfd = open(store->directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (j->dirfd < 0) {
		rc = -errno;
		set_err(err, err_len, "lease-store directory %s: %s", store->directory,
			strerror(errno));
		goto fail;
	}
	/* Two servers appending to one journal would interleave records. */
	if (flock(j->dirfd, LOCK_EX | LOCK_NB) < 0) {
		rc = errno == EWOULDBLOCK ? -EBUSY : -errno;
		set_err(err, err_len, "lease-store directory %s is in use by another process",
			store->directory);
		goto fail;
	}

	struct recovery r = {
		.apply = apply,
		.arg = arg,
		.max_corrupt = max_corrupt,
		.st = stats,
		.err = err,
		.err_len = err_len,
	};
	rc = recover(j, &r);
	if (rc < 0)
		goto fail;

	j->seq = stats->last_seq;
	j->stats.last_seq = j->stats.committed_seq = j->seq;
	j->stats.generation = j->gen;
	j->stats.bytes = j->committed_off;
	j->stats.records_since_snapshot = stats->journal_records;
	stats->elapsed_secs = (double)(journal_now_ns() - t0) / 1e9;
	return j;

fail:
	if (j) {
		if (j->fd >= 0)
			close(j->fd);
		if (j->dirfd >= 0)
			close(j->dirfd);
		free(j);
	}
	stats->elapsed_secs = (double)(journal_now_ns() - t0) / 1e9;
	errno = -rc;
	return NULL;
}
