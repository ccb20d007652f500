/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lw_diskfault: an LD_PRELOAD layer that makes the disk under one directory
 * observable and breakable, for the integration tests of the durability
 * contract (DESIGN.md sec 4). A test tool, never part of the appliance.
 *
 *   LW_FAULT_DIR      the directory (the lease store); nothing outside it is
 *                     touched, every other call passes straight through
 *   LW_FAULT_LEDGER   power-loss ledger, appended to (optional)
 *   LW_FAULT_TRIGGER  fault trigger file (optional)
 *   LW_FAULT_SYNC_DELAY_US  sleep this long in each fsync/fdatasync under
 *                     the directory before it starts (optional): a slow
 *                     disk, so a cut often falls between write and sync
 *
 * Power-loss ledger. One line per event, each written with one write(2) on
 * an O_APPEND descriptor, so a SIGKILL leaves whole lines (a line is a few
 * hundred bytes at most; tests/faults/power_cut.py ignores a last line
 * without its newline):
 *   NEW <ino>                 a file was created (or truncated by O_TRUNC):
 *                             nothing of it is durable yet
 *   DATA <ino> <size>         fsync/fdatasync of a regular file succeeded;
 *                             <size> is its size when the call began, so
 *                             every byte below it was written before the
 *                             sync started and is covered by it
 *   DIR <name> <ino> ...      fsync of the directory itself succeeded; the
 *                             entries (regular files) listed when the call
 *                             began are durable
 * power_cut.py replays it onto the directory after a SIGKILL: the disk keeps
 * only what a completed sync covered.
 *
 * Fault trigger. While LW_FAULT_TRIGGER exists, its first word selects:
 *   eio       write, pwrite, writev, pwritev, fsync, fdatasync and rename
 *             fail with EIO
 *   enospc    write, pwrite, writev, pwritev fail with ENOSPC (syncs work,
 *             as on a full file system)
 *   eio-sync  only fsync and fdatasync fail with EIO (the write-back error)
 *   short     writes are short: half the bytes (at least one)
 * Anything else, or no file: every call succeeds. The file is stat'ed on
 * each call that could fail (only calls on descriptors under the
 * directory), and re-read when its inode, size or mtime changed.
 * ftruncate, open and unlink never fail: shrinking a file needs no space,
 * and the journal's rollback relies on it as a real file system allows.
 *
 * Which descriptors: open/openat (and their 64 variants) record the fd when
 * /proc/self/fd/<fd> resolves under the directory; close forgets it; each
 * use re-checks the device and inode, so an fd closed behind our back (by
 * libc internally) and reused is not mistaken for a store file.
 */
/*
 * The build sets _FILE_OFFSET_BITS=64, which renames open to open64 and so
 * on in the headers; both names are wrapped here, so see the plain ones
 * (on LP64 off_t is already 64 bits wide: the two share one signature).
 */
#undef _FILE_OFFSET_BITS
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

#define FD_TRACK_MAX 16384
#define DIR_LINE_MAX 16384
#define TRIGGER_WORD_MAX 16

enum fd_kind { FD_NONE = 0, FD_FILE, FD_DIR };

enum fault {
	FAULT_NONE = 0,
	FAULT_EIO,
	FAULT_ENOSPC,
	FAULT_EIO_SYNC,
	FAULT_SHORT,
};

struct tracked {
	_Atomic int kind;
	dev_t dev;
	ino_t ino;
};

/* Written once by init (under init_once), read by every wrapper afterwards. */
static char dir_path[PATH_MAX];
static size_t dir_len;
static bool dir_resolved;
static char trigger_path[PATH_MAX];
static int ledger_fd = -1;
static useconds_t sync_delay_us;
static pthread_mutex_t dir_lock = PTHREAD_MUTEX_INITIALIZER;

static struct tracked fds[FD_TRACK_MAX];

/* The trigger's cached state: (ino, size, mtime) of the last read. */
static pthread_mutex_t trig_lock = PTHREAD_MUTEX_INITIALIZER;
static ino_t trig_ino;
static off_t trig_size = -1;
static struct timespec trig_mtime;
static enum fault trig_fault;

static int (*real_open)(const char *, int, ...);
static int (*real_open64)(const char *, int, ...);
static int (*real_openat)(int, const char *, int, ...);
static int (*real_openat64)(int, const char *, int, ...);
static int (*real_close)(int);
static ssize_t (*real_write)(int, const void *, size_t);
static ssize_t (*real_pwrite)(int, const void *, size_t, off_t);
static ssize_t (*real_pwrite64)(int, const void *, size_t, off_t);
static ssize_t (*real_writev)(int, const struct iovec *, int);
static ssize_t (*real_pwritev)(int, const struct iovec *, int, off_t);
static ssize_t (*real_pwritev64)(int, const struct iovec *, int, off_t);
static int (*real_fsync)(int);
static int (*real_fdatasync)(int);
static int (*real_ftruncate)(int, off_t);
static int (*real_ftruncate64)(int, off_t);
static int (*real_rename)(const char *, const char *);
static int (*real_renameat)(int, const char *, int, const char *);

static pthread_once_t init_once = PTHREAD_ONCE_INIT;

static void *next_sym(const char *name)
{
	void *p = dlsym(RTLD_NEXT, name);
	if (!p) {
		static const char msg[] = "lw_diskfault: a libc symbol is missing\n";
		/* No wrapper is usable without it. */
		(void)syscall(SYS_write, 2, msg, sizeof(msg) - 1);
		abort();
	}
	return p;
}

/* realpath of LW_FAULT_DIR once it exists (the daemon may create it). */
static void resolve_dir(void)
{
	char rp[PATH_MAX];
	const char *d = getenv("LW_FAULT_DIR");

	if (dir_resolved || !d || !*d)
		return;
	pthread_mutex_lock(&dir_lock);
	if (!dir_resolved && realpath(d, rp)) {
		size_t n = strlen(rp);
		while (n > 1 && rp[n - 1] == '/')
			rp[--n] = '\0';
		memcpy(dir_path, rp, n + 1);
		dir_len = n;
		dir_resolved = true;
	}
	pthread_mutex_unlock(&dir_lock);
}

static void init(void)
{
	real_open = next_sym("open");
	real_open64 = next_sym("open64");
	real_openat = next_sym("openat");
	real_openat64 = next_sym("openat64");
	real_close = next_sym("close");
	real_write = next_sym("write");
	real_pwrite = next_sym("pwrite");
	real_pwrite64 = next_sym("pwrite64");
	real_writev = next_sym("writev");
	real_pwritev = next_sym("pwritev");
	real_pwritev64 = next_sym("pwritev64");
	real_fsync = next_sym("fsync");
	real_fdatasync = next_sym("fdatasync");
	real_ftruncate = next_sym("ftruncate");
	real_ftruncate64 = next_sym("ftruncate64");
	real_rename = next_sym("rename");
	real_renameat = next_sym("renameat");

	const char *t = getenv("LW_FAULT_TRIGGER");
	if (t && *t && strlen(t) < sizeof(trigger_path))
		memcpy(trigger_path, t, strlen(t) + 1);
	const char *dl = getenv("LW_FAULT_SYNC_DELAY_US");
	if (dl && *dl)
		sync_delay_us = (useconds_t)strtoul(dl, NULL, 10);
	const char *l = getenv("LW_FAULT_LEDGER");
	if (l && *l)
		ledger_fd = real_open(l, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	resolve_dir();
}

static inline void ensure_init(void) { pthread_once(&init_once, init); }

__attribute__((constructor)) static void lw_diskfault_ctor(void) { ensure_init(); }

/* ---- which descriptors ------------------------------------------------- */

/* FD_FILE / FD_DIR when fd names the directory or a file under it. */
static enum fd_kind classify(int fd, struct stat *st)
{
	char link[64], target[PATH_MAX];
	ssize_t n;

	resolve_dir();
	if (!dir_resolved || fd < 0 || fstat(fd, st) < 0)
		return FD_NONE;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, target, sizeof(target) - 1);
	if (n <= 0)
		return FD_NONE;
	target[n] = '\0';
	if ((size_t)n == dir_len && memcmp(target, dir_path, dir_len) == 0)
		return S_ISDIR(st->st_mode) ? FD_DIR : FD_NONE;
	if ((size_t)n > dir_len + 1 && memcmp(target, dir_path, dir_len) == 0 &&
	    target[dir_len] == '/' && S_ISREG(st->st_mode))
		return FD_FILE;
	return FD_NONE;
}

static void track(int fd)
{
	struct stat st;

	if (fd < 0 || fd >= FD_TRACK_MAX)
		return;
	enum fd_kind k = classify(fd, &st);
	atomic_store(&fds[fd].kind, FD_NONE);
	if (k == FD_NONE)
		return;
	fds[fd].dev = st.st_dev;
	fds[fd].ino = st.st_ino;
	atomic_store(&fds[fd].kind, k);
}

/* The kind of a tracked fd, re-checked against its inode (and its stat). */
static enum fd_kind tracked(int fd, struct stat *st)
{
	if (fd < 0 || fd >= FD_TRACK_MAX)
		return FD_NONE;
	enum fd_kind k = atomic_load(&fds[fd].kind);
	if (k == FD_NONE)
		return FD_NONE;
	if (fstat(fd, st) < 0 || st->st_dev != fds[fd].dev || st->st_ino != fds[fd].ino) {
		atomic_store(&fds[fd].kind, FD_NONE);
		return FD_NONE;
	}
	return k;
}

/* ---- the ledger --------------------------------------------------------- */

static void ledger_line(const char *line, size_t len)
{
	if (ledger_fd < 0 || len == 0)
		return;
	/* One write: O_APPEND makes it atomic against other writers and kills. */
	(void)real_write(ledger_fd, line, len);
}

static void ledger_new(ino_t ino)
{
	char line[64];
	int n = snprintf(line, sizeof(line), "NEW %llu\n", (unsigned long long)ino);
	ledger_line(line, (size_t)n);
}

/*
 * "DIR name ino name ino ...\n" for the regular files in the directory now.
 * Returns the line's length, 0 when it could not be listed.
 */
static size_t dir_listing(char *line, size_t cap)
{
	char buf[8192];
	size_t len = (size_t)snprintf(line, cap, "DIR");
	int dfd = real_open(dir_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (dfd < 0)
		return 0;
	for (;;) {
		long n = syscall(SYS_getdents64, dfd, buf, sizeof(buf));
		if (n <= 0) {
			if (n < 0)
				len = 0;
			break;
		}
		for (long off = 0; off < n;) {
			struct {
				uint64_t d_ino;
				int64_t d_off;
				unsigned short d_reclen;
				unsigned char d_type;
				char d_name[];
			} *e = (void *)(buf + off);
			off += e->d_reclen;
			if (e->d_type != DT_REG)
				continue;
			int w = snprintf(line + len, cap - len, " %s %llu", e->d_name,
					 (unsigned long long)e->d_ino);
			if (w < 0 || (size_t)w >= cap - len - 1) {
				real_close(dfd);
				return 0; /* too long: record nothing rather than a part */
			}
			len += (size_t)w;
		}
	}
	real_close(dfd);
	if (len)
		line[len++] = '\n';
	return len;
}

/* ---- the trigger -------------------------------------------------------- */

static enum fault fault_now(void)
{
	struct stat st;

	if (!trigger_path[0] || stat(trigger_path, &st) < 0)
		return FAULT_NONE;
	pthread_mutex_lock(&trig_lock);
	if (st.st_ino != trig_ino || st.st_size != trig_size ||
	    st.st_mtim.tv_sec != trig_mtime.tv_sec || st.st_mtim.tv_nsec != trig_mtime.tv_nsec) {
		char word[TRIGGER_WORD_MAX + 1] = { 0 };
		int tfd = real_open(trigger_path, O_RDONLY | O_CLOEXEC);
		enum fault f = FAULT_NONE;
		if (tfd >= 0) {
			ssize_t n = read(tfd, word, TRIGGER_WORD_MAX);
			real_close(tfd);
			if (n > 0) {
				word[strcspn(word, " \t\r\n")] = '\0';
				if (!strcmp(word, "eio"))
					f = FAULT_EIO;
				else if (!strcmp(word, "enospc"))
					f = FAULT_ENOSPC;
				else if (!strcmp(word, "eio-sync"))
					f = FAULT_EIO_SYNC;
				else if (!strcmp(word, "short"))
					f = FAULT_SHORT;
			}
		}
		trig_ino = st.st_ino;
		trig_size = st.st_size;
		trig_mtime = st.st_mtim;
		trig_fault = f;
	}
	enum fault f = trig_fault;
	pthread_mutex_unlock(&trig_lock);
	return f;
}

/* errno a write must fail with now (0: go on); *len halved for "short". */
static int write_fault(int fd, size_t *len)
{
	struct stat st;

	if (tracked(fd, &st) != FD_FILE)
		return 0;
	switch (fault_now()) {
	case FAULT_EIO: return EIO;
	case FAULT_ENOSPC: return ENOSPC;
	case FAULT_SHORT:
		if (*len > 1)
			*len /= 2;
		return 0;
	default: return 0;
	}
}

/* ---- wrappers ----------------------------------------------------------- */

static bool creates(int flags) { return (flags & (O_CREAT | O_TRUNC)) != 0; }

/* Did path (relative to dirfd) exist before an O_CREAT open? */
static bool exists_at(int dirfd, const char *path)
{
	struct stat st;
	return fstatat(dirfd, path, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

static void after_open(int fd, int flags, bool existed)
{
	struct stat st;

	if (fd < 0)
		return;
	track(fd);
	if (creates(flags) && tracked(fd, &st) == FD_FILE &&
	    (!existed || ((flags & O_TRUNC) && st.st_size == 0)))
		ledger_new(st.st_ino);
}

static mode_t open_mode(int flags, va_list ap)
{
	return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE ? (mode_t)va_arg(ap, int) : 0;
}

int open(const char *path, int flags, ...)
{
	va_list ap;
	ensure_init();
	va_start(ap, flags);
	mode_t mode = open_mode(flags, ap);
	va_end(ap);
	bool existed = creates(flags) ? exists_at(AT_FDCWD, path) : true;
	int fd = real_open(path, flags, mode);
	int e = errno;
	after_open(fd, flags, existed);
	errno = e;
	return fd;
}

int open64(const char *path, int flags, ...)
{
	va_list ap;
	ensure_init();
	va_start(ap, flags);
	mode_t mode = open_mode(flags, ap);
	va_end(ap);
	bool existed = creates(flags) ? exists_at(AT_FDCWD, path) : true;
	int fd = real_open64(path, flags, mode);
	int e = errno;
	after_open(fd, flags, existed);
	errno = e;
	return fd;
}

int openat(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	ensure_init();
	va_start(ap, flags);
	mode_t mode = open_mode(flags, ap);
	va_end(ap);
	bool existed = creates(flags) ? exists_at(dirfd, path) : true;
	int fd = real_openat(dirfd, path, flags, mode);
	int e = errno;
	after_open(fd, flags, existed);
	errno = e;
	return fd;
}

int openat64(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	ensure_init();
	va_start(ap, flags);
	mode_t mode = open_mode(flags, ap);
	va_end(ap);
	bool existed = creates(flags) ? exists_at(dirfd, path) : true;
	int fd = real_openat64(dirfd, path, flags, mode);
	int e = errno;
	after_open(fd, flags, existed);
	errno = e;
	return fd;
}

int close(int fd)
{
	ensure_init();
	if (fd >= 0 && fd < FD_TRACK_MAX)
		atomic_store(&fds[fd].kind, FD_NONE);
	return real_close(fd);
}

ssize_t write(int fd, const void *buf, size_t len)
{
	ensure_init();
	int e = write_fault(fd, &len);
	if (e) {
		errno = e;
		return -1;
	}
	return real_write(fd, buf, len);
}

ssize_t pwrite(int fd, const void *buf, size_t len, off_t off)
{
	ensure_init();
	int e = write_fault(fd, &len);
	if (e) {
		errno = e;
		return -1;
	}
	return real_pwrite(fd, buf, len, off);
}

ssize_t pwrite64(int fd, const void *buf, size_t len, off_t off)
{
	ensure_init();
	int e = write_fault(fd, &len);
	if (e) {
		errno = e;
		return -1;
	}
	return real_pwrite64(fd, buf, len, off);
}

/* A short vector write: the first iovecs up to half the bytes (at least one). */
static int short_iov(const struct iovec *iov, int cnt, struct iovec *out, int cap)
{
	size_t total = 0, want, got = 0;
	int n = 0;

	for (int i = 0; i < cnt; i++)
		total += iov[i].iov_len;
	want = total > 1 ? total / 2 : total;
	for (int i = 0; i < cnt && n < cap && got < want; i++) {
		out[n] = iov[i];
		if (out[n].iov_len > want - got)
			out[n].iov_len = want - got;
		got += out[n].iov_len;
		n++;
	}
	return n;
}

static int writev_fault(int fd, const struct iovec **iov, int *cnt, struct iovec *tmp, int cap)
{
	size_t probe = 2; /* write_fault halves it under "short" */
	int e = write_fault(fd, &probe);
	if (e)
		return e;
	if (probe == 1 && *cnt > 0) {
		*cnt = short_iov(*iov, *cnt, tmp, cap);
		*iov = tmp;
	}
	return 0;
}

ssize_t writev(int fd, const struct iovec *iov, int cnt)
{
	struct iovec tmp[64];
	ensure_init();
	int e = writev_fault(fd, &iov, &cnt, tmp, 64);
	if (e) {
		errno = e;
		return -1;
	}
	return real_writev(fd, iov, cnt);
}

ssize_t pwritev(int fd, const struct iovec *iov, int cnt, off_t off)
{
	struct iovec tmp[64];
	ensure_init();
	int e = writev_fault(fd, &iov, &cnt, tmp, 64);
	if (e) {
		errno = e;
		return -1;
	}
	return real_pwritev(fd, iov, cnt, off);
}

ssize_t pwritev64(int fd, const struct iovec *iov, int cnt, off_t off)
{
	struct iovec tmp[64];
	ensure_init();
	int e = writev_fault(fd, &iov, &cnt, tmp, 64);
	if (e) {
		errno = e;
		return -1;
	}
	return real_pwritev64(fd, iov, cnt, off);
}

/* fsync and fdatasync: inject, and on success write the ledger line. */
static int sync_common(int fd, bool data_only)
{
	struct stat st;
	char line[DIR_LINE_MAX];
	size_t len = 0;

	ensure_init();
	int (*real)(int) = data_only ? real_fdatasync : real_fsync;
	enum fd_kind k = tracked(fd, &st);
	if (k == FD_NONE)
		return real(fd);
	enum fault f = fault_now();
	if (f == FAULT_EIO || f == FAULT_EIO_SYNC) {
		errno = EIO;
		return -1;
	}
	if (sync_delay_us)
		usleep(sync_delay_us);
	/* What is there when the sync begins is what it covers. */
	if (k == FD_FILE)
		len = (size_t)snprintf(line, sizeof(line), "DATA %llu %lld\n",
				       (unsigned long long)st.st_ino, (long long)st.st_size);
	else
		len = dir_listing(line, sizeof(line));
	int rc = real(fd);
	if (rc == 0) {
		int e = errno;
		ledger_line(line, len);
		errno = e;
	}
	return rc;
}

int fsync(int fd) { return sync_common(fd, false); }

int fdatasync(int fd) { return sync_common(fd, true); }

int ftruncate(int fd, off_t len)
{
	ensure_init();
	return real_ftruncate(fd, len);
}

int ftruncate64(int fd, off_t len)
{
	ensure_init();
	return real_ftruncate64(fd, len);
}

/* A rename in the directory fails with EIO under "eio" (a dying disk). */
static bool path_under_dir(int dirfd, const char *path)
{
	struct stat st;

	if (path[0] == '/') {
		resolve_dir();
		return dir_resolved && strncmp(path, dir_path, dir_len) == 0 &&
		       path[dir_len] == '/';
	}
	return dirfd != AT_FDCWD && tracked(dirfd, &st) == FD_DIR;
}

int rename(const char *from, const char *to)
{
	ensure_init();
	if (path_under_dir(AT_FDCWD, from) && fault_now() == FAULT_EIO) {
		errno = EIO;
		return -1;
	}
	return real_rename(from, to);
}

int renameat(int fromfd, const char *from, int tofd, const char *to)
{
	ensure_init();
	if (path_under_dir(fromfd, from) && fault_now() == FAULT_EIO) {
		errno = EIO;
		return -1;
	}
	return real_renameat(fromfd, from, tofd, to);
}
