/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The lease journal (DESIGN.md sec 4, reliability.md sec 3 and D01-D08).
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
 * Control thread only; everything here may block on the file system.
 */
#include <dirent.h>
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
#include <time.h>
#include <unistd.h>

#include "base/crc32c.h"
#include "journal/journal.h"
#include "base/le_bytes.h"

#define SNAP_MAGIC 0x4c575348u /* "LWSH" */
#define SNAP_TRAILER_MAGIC 0x4c575354u /* "LWST" */
#define SNAP_VERSION 1u
#define SNAP_HEADER_LEN 40u
#define SNAP_TRAILER_LEN 24u

#define JOURNAL_BUF_INIT (64u * 1024)
/* Past this many buffered bytes append writes them out early (not durable). */
#define JOURNAL_FLUSH_BYTES (1u << 20)
/* A resync scan that finds no valid record this far on refuses to guess. */
#define JOURNAL_RESYNC_MAX (1u << 20)
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

/* ---- small helpers ---------------------------------------------------- */

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

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

static void file_name(char name[JOURNAL_NAME_LEN], const char *kind, uint64_t gen, bool tmp)
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

static const struct journal_io sys_io = {
	.pwrite = pwrite,
	.fdatasync = fdatasync,
	.fsync = fsync,
	.ftruncate = ftruncate,
};

/* pwrite all of buf at off, across short writes and EINTR. 0 or -errno. */
static int write_all(const struct journal_io *io, int fd, const uint8_t *buf, size_t len,
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

static int fsync_fd(const struct journal_io *io, int fd)
{
	while (io->fsync(fd) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	return 0;
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

/* ---- directory listing ------------------------------------------------ */

struct gen_list {
	uint64_t *v;
	size_t n, cap;
};

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
static int scan_dir(int dirfd, struct gen_list *journals, struct gen_list *snaps,
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

	const uint8_t *recs = m->p + SNAP_HEADER_LEN;
	size_t recs_len = m->len - SNAP_HEADER_LEN - SNAP_TRAILER_LEN;
	uint32_t crc = crc32c(0, recs, recs_len);
	crc = crc32c(crc, h, SNAP_HEADER_LEN);
	crc = crc32c(crc, t, 16);
	if (crc != get_le32(t + 16))
		return -EBADMSG;

	uint64_t n = 0;
	size_t off = 0;
	while (off < recs_len) {
		uint64_t seq;
		uint8_t type;
		struct lease_image img;
		size_t used;
		if (journal_record_decode(recs + off, recs_len - off, &seq, &type, &img, &used) !=
			JOURNAL_DECODE_OK ||
		    type != JOURNAL_REC_UPSERT)
			return -EBADMSG;
		off += used;
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
	const uint8_t *recs = m->p + SNAP_HEADER_LEN;
	size_t recs_len = m->len - SNAP_HEADER_LEN - SNAP_TRAILER_LEN;
	size_t off = 0;

	while (off < recs_len) {
		uint64_t seq;
		uint8_t type;
		struct lease_image img;
		size_t used;
		/* Verified just before: decoding cannot fail here. */
		journal_record_decode(recs + off, recs_len - off, &seq, &type, &img, &used);
		if (r->apply && r->apply(JOURNAL_REC_UPSERT, &img, r->arg) != 0) {
			set_err(r->err, r->err_len, "%s offset %zu: apply aborted recovery", name,
				SNAP_HEADER_LEN + off);
			return -ECANCELED;
		}
		r->st->snapshot_records++;
		off += used;
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
		uint64_t seq;
		uint8_t type;
		struct lease_image img;
		size_t used;
		if (p[pos] == m0 && journal_record_decode(p + pos, len - pos, &seq, &type, &img,
							  &used) == JOURNAL_DECODE_OK)
			return pos;
	}
	return *bounded ? end : len;
}

static bool record_ok_at(const uint8_t *p, size_t len, size_t off)
{
	uint64_t seq;
	uint8_t type;
	struct lease_image img;
	size_t used;

	return off < len && journal_record_decode(p + off, len - off, &seq, &type, &img, &used) ==
				JOURNAL_DECODE_OK;
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
		uint64_t seq;
		uint8_t type;
		struct lease_image img;
		size_t used;
		enum journal_decode_result res =
		    journal_record_decode(p + off, len - off, &seq, &type, &img, &used);

		if (res == JOURNAL_DECODE_OK) {
			if (r->apply && r->apply(type, &img, r->arg) != 0) {
				set_err(r->err, r->err_len, "%s offset %zu: apply aborted recovery",
					name, off);
				return -ECANCELED;
			}
			r->st->journal_records++;
			if (seq > r->st->last_seq)
				r->st->last_seq = seq;
			off += used;
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
		    (off + used == len || record_ok_at(p, len, off + used))) {
			next = off + used;
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

static int fsync_dir(const struct journal *j) { return fsync_fd(j->io, j->dirfd); }

/* Unlink journal.<g> and snapshot.<g> for every g < below. Best effort. */
static void remove_older(struct journal *j, uint64_t below)
{
	struct gen_list js = { 0 }, ss = { 0 };
	char name[JOURNAL_NAME_LEN];
	bool removed = false;

	if (scan_dir(j->dirfd, &js, &ss, NULL) == 0) {
		for (size_t i = 0; i < js.n && js.v[i] < below; i++) {
			file_name(name, "journal", js.v[i], false);
			removed |= unlinkat(j->dirfd, name, 0) == 0;
		}
		for (size_t i = 0; i < ss.n && ss.v[i] < below; i++) {
			file_name(name, "snapshot", ss.v[i], false);
			removed |= unlinkat(j->dirfd, name, 0) == 0;
		}
	}
	if (removed)
		fsync_dir(j);
	free(js.v);
	free(ss.v);
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

	rc = scan_dir(j->dirfd, &js, &ss, &tmp_removed);
	if (rc < 0) {
		set_err(r->err, r->err_len, "cannot list the lease store: %s", strerror(-rc));
		goto out;
	}
	if (tmp_removed)
		fsync_dir(j);

	/* Newest snapshot whose trailer, CRC and records all verify. */
	for (size_t i = ss.n; i-- > 0 && !have_snap;) {
		struct mapped m;
		uint64_t count, base_seq;
		file_name(name, "snapshot", ss.v[i], false);
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
			file_name(name, "snapshot", js.v[0], false);
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
			file_name(name, "journal", base, false);
			set_err(r->err, r->err_len, "%s missing next to its snapshot", name);
			goto out;
		}
	}
	for (size_t i = first + 1; i < js.n; i++) {
		if (js.v[i] != js.v[i - 1] + 1) {
			rc = -EBADMSG;
			file_name(name, "journal", js.v[i - 1] + 1, false);
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
		file_name(name, "journal", js.v[i], false);
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
		file_name(name, "journal", newest, false);
		j->fd = openat(j->dirfd, name, O_RDWR | O_CREAT | O_CLOEXEC, JOURNAL_FILE_MODE);
		if (j->fd < 0 || fsync_dir(j) < 0) {
			rc = -errno;
			set_err(r->err, r->err_len, "%s: %s", name, strerror(errno));
			goto out;
		}
	}
	j->gen = newest;
	r->st->generation = newest;
	/* An interrupted compaction_finish left generation base-1 behind. */
	if (have_snap)
		remove_older(j, base);
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
	uint64_t t0 = now_ns();
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
	j->io = &sys_io;
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
	stats->elapsed_secs = (double)(now_ns() - t0) / 1e9;
	return j;

fail:
	if (j) {
		if (j->fd >= 0)
			close(j->fd);
		if (j->dirfd >= 0)
			close(j->dirfd);
		free(j);
	}
	stats->elapsed_secs = (double)(now_ns() - t0) / 1e9;
	errno = -rc;
	return NULL;
}

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
	int rc = write_all(j->io, j->fd, j->buf, j->buf_len, j->write_off);
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
	uint64_t t0 = now_ns();
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
	j->stats.last_commit_ns = now_ns() - t0;
	return 0;
}

uint32_t journal_pending(const struct journal *j) { return j->pending; }

/* ---- compaction ------------------------------------------------------- */

static void compact_discard(struct journal *j, int err)
{
	char name[JOURNAL_NAME_LEN];

	if (j->snap_fd >= 0) {
		close(j->snap_fd);
		j->snap_fd = -1;
		file_name(name, "snapshot", j->snap_gen, true);
		unlinkat(j->dirfd, name, 0);
	}
	free(j->snap_buf);
	j->snap_buf = NULL;
	j->snap_len = 0;
	j->snap_err = err;
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

	file_name(sname, "snapshot", next, true);
	j->snap_fd =
	    openat(j->dirfd, sname, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, JOURNAL_FILE_MODE);
	if (j->snap_fd < 0) {
		rc = -errno;
		goto fail;
	}
	j->snap_gen = next;
	/* The new journal must exist durably before anything is appended to it. */
	file_name(jname, "journal", next, false);
	nfd = openat(j->dirfd, jname, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, JOURNAL_FILE_MODE);
	if (nfd < 0) {
		rc = -errno;
		goto fail;
	}
	rc = fsync_dir(j);
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
	compact_discard(j, 0);
	return rc;
}

void journal_compact_abort(struct journal *j) { compact_discard(j, -ECANCELED); }

static int snap_flush(struct journal *j)
{
	int rc = write_all(j->io, j->snap_fd, j->snap_buf, j->snap_len, j->snap_off);
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
	compact_discard(j, rc);
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

	rc = write_all(j->io, j->snap_fd, trl, sizeof(trl), j->snap_off);
	if (rc == 0)
		rc = write_all(j->io, j->snap_fd, hdr, sizeof(hdr), 0);
	if (rc == 0)
		rc = fsync_fd(j->io, j->snap_fd);
	if (rc < 0)
		goto fail;

	file_name(tname, "snapshot", j->snap_gen, true);
	file_name(sname, "snapshot", j->snap_gen, false);
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
	rc = fsync_dir(j);
	if (rc < 0)
		return rc;
	remove_older(j, j->snap_gen);
	return 0;
fail:
	compact_discard(j, 0);
	return rc;
}

void journal_get_stats(const struct journal *j, struct journal_stats *stats) { *stats = j->stats; }

void journal_set_io(struct journal *j, const struct journal_io *io) { j->io = io ? io : &sys_io; }

void journal_close(struct journal *j)
{
	if (!j)
		return;
	journal_commit(j);
	compact_discard(j, 0);
	if (j->fd >= 0)
		close(j->fd);
	close(j->dirfd); /* releases the flock */
	free(j->buf);
	free(j);
}
