/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Journal tests (reliability.md D04-D08 at unit scale): every case runs in
 * its own mkdtemp directory and checks what recovery hands to apply()
 * against an oracle, record by record or as a final lease set.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "journal/journal.h"

#define MAX_CLIENTS 10000

/* ---- fixtures ----------------------------------------------------------- */

static char tmpdir[64];

static void make_tmpdir(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/lw-journal-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void remove_tree(const char *path)
{
	DIR *d = opendir(path);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		char p[512];
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(p, sizeof(p), "%s/%s", path, e->d_name);
		if (e->d_type == DT_DIR)
			remove_tree(p);
		else
			unlink(p);
	}
	closedir(d);
	rmdir(path);
}

static void cleanup_tmpdir(void) { remove_tree(tmpdir); }

static struct cfg_lease_store store_at(const char *dir, enum cfg_durability d)
{
	struct cfg_lease_store s;
	memset(&s, 0, sizeof(s));
	ck_assert_uint_lt(strlen(dir), sizeof(s.directory));
	memcpy(s.directory, dir, strlen(dir) + 1);
	s.durability = d;
	return s;
}

static void path_of(char *out, size_t len, const char *name)
{
	snprintf(out, len, "%s/%s", tmpdir, name);
}

static uint8_t *slurp(const char *name, size_t *len)
{
	char p[512];
	struct stat st;
	path_of(p, sizeof(p), name);
	int fd = open(p, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fstat(fd, &st), 0);
	uint8_t *b = malloc((size_t)st.st_size + 1);
	ck_assert_ptr_nonnull(b);
	ck_assert_int_eq(read(fd, b, (size_t)st.st_size), st.st_size);
	close(fd);
	*len = (size_t)st.st_size;
	return b;
}

static void spill(const char *name, const uint8_t *b, size_t len)
{
	char p[512];
	path_of(p, sizeof(p), name);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0640);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, b, len), (ssize_t)len);
	close(fd);
}

static bool exists(const char *name)
{
	char p[512];
	path_of(p, sizeof(p), name);
	return access(p, F_OK) == 0;
}

static const char J0[] = "journal.00000000000000000000";
static const char J1[] = "journal.00000000000000000001";
static const char J2[] = "journal.00000000000000000002";
static const char S1[] = "snapshot.00000000000000000001";
static const char S1TMP[] = "snapshot.00000000000000000001.tmp";

/* Client i, version v: a distinct key per client, fields that change with v. */
static void make_image(struct lease_image *img, uint32_t i, uint32_t v)
{
	memset(img, 0, sizeof(*img));
	img->ip = 0x0a000000u + i;
	img->subnet_id = 1 + i % 3;
	img->state = LEASE_BOUND;
	img->htype = 1;
	img->hlen = 6;
	img->chaddr[0] = 0x02;
	img->chaddr[2] = (uint8_t)(i >> 24);
	img->chaddr[3] = (uint8_t)(i >> 16);
	img->chaddr[4] = (uint8_t)(i >> 8);
	img->chaddr[5] = (uint8_t)i;
	img->cltt = 1700000000 + v;
	img->expire = 1700003600 + v;
	img->lease_secs = 3600;
	img->key_len = 6;
	img->key[0] = LEASE_KEY_CLIENT_ID;
	img->key[1] = 0xff;
	img->key[2] = (uint8_t)(i >> 24);
	img->key[3] = (uint8_t)(i >> 16);
	img->key[4] = (uint8_t)(i >> 8);
	img->key[5] = (uint8_t)i;
}

static uint32_t image_client(const struct lease_image *img)
{
	return (uint32_t)img->key[2] << 24 | (uint32_t)img->key[3] << 16 |
	       (uint32_t)img->key[4] << 8 | img->key[5];
}

static size_t record_len(void)
{
	uint8_t buf[JOURNAL_RECORD_MAX];
	struct lease_image img;
	make_image(&img, 0, 0);
	return (size_t)journal_record_encode(buf, sizeof(buf), 1, JOURNAL_REC_UPSERT, &img);
}

/* What recovery handed to apply(), in order. */
struct seen {
	size_t n, cap;
	uint8_t *type;
	struct lease_image *img;
	int abort_at; /* return non-zero on this call (1-based), 0 never */
};

static int collect(uint8_t type, const struct lease_image *img, void *arg)
{
	struct seen *s = arg;
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 1024;
		s->type = realloc(s->type, s->cap);
		s->img = realloc(s->img, s->cap * sizeof(*s->img));
		ck_assert(s->type && s->img);
	}
	s->type[s->n] = type;
	s->img[s->n++] = *img;
	return s->abort_at && (int)s->n == s->abort_at;
}

static void seen_free(struct seen *s)
{
	free(s->type);
	free(s->img);
	memset(s, 0, sizeof(*s));
}

/* Final lease set: last image per client wins, DELETE removes. */
struct oracle {
	bool live[MAX_CLIENTS];
	uint32_t version[MAX_CLIENTS];
};

static void oracle_apply(struct oracle *o, uint8_t type, uint32_t client, uint32_t v)
{
	o->live[client] = type == JOURNAL_REC_UPSERT;
	o->version[client] = v;
}

static void assert_matches_oracle(const struct seen *s, const struct oracle *o)
{
	static struct oracle got;
	memset(&got, 0, sizeof(got));
	for (size_t k = 0; k < s->n; k++) {
		uint32_t c = image_client(&s->img[k]);
		ck_assert_uint_lt(c, MAX_CLIENTS);
		got.live[c] = s->type[k] == JOURNAL_REC_UPSERT;
		got.version[c] = (uint32_t)(s->img[k].cltt - 1700000000);
	}
	for (uint32_t c = 0; c < MAX_CLIENTS; c++) {
		ck_assert_msg(got.live[c] == o->live[c], "client %u live %d want %d", c,
			      got.live[c], o->live[c]);
		if (o->live[c])
			ck_assert_msg(got.version[c] == o->version[c], "client %u v%u want v%u", c,
				      got.version[c], o->version[c]);
	}
}

static struct journal *open_ok(enum cfg_durability d, uint32_t max_corrupt, struct seen *s,
			       struct journal_recovery_stats *st)
{
	struct cfg_lease_store store = store_at(tmpdir, d);
	char err[256];
	struct journal *j = journal_open(&store, max_corrupt, collect, s, st, err, sizeof(err));
	ck_assert_msg(j != NULL, "journal_open: %s (errno %d)", err, errno);
	return j;
}

/* Append images of clients [first, first+n) at version v and commit. */
static void append_range(struct journal *j, uint32_t first, uint32_t n, uint32_t v,
			 struct oracle *o)
{
	for (uint32_t i = first; i < first + n; i++) {
		struct lease_image img;
		uint64_t seq;
		make_image(&img, i, v);
		ck_assert_int_eq(journal_append(j, JOURNAL_REC_UPSERT, &img, &seq), 0);
		if (o)
			oracle_apply(o, JOURNAL_REC_UPSERT, i, v);
	}
	ck_assert_int_eq(journal_commit(j), 0);
}

/* ---- basic append / recover ----------------------------------------------- */

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

START_TEST(directory_created_and_locked)
{
	struct seen s = { 0 };
	struct journal_recovery_stats st;
	char nested[128], err[256];

	make_tmpdir();
	snprintf(nested, sizeof(nested), "%s/a/b/c", tmpdir);
	struct cfg_lease_store store = store_at(nested, CFG_DURABILITY_FSYNC);
	struct journal *j = journal_open(&store, 0, collect, &s, &st, err, sizeof(err));
	ck_assert_msg(j != NULL, "%s", err);
	struct stat sb;
	char p[600];
	snprintf(p, sizeof(p), "%s/%s", nested, J0);
	ck_assert_int_eq(stat(p, &sb), 0);

	/* A second server on the same directory is refused. */
	struct journal *j2 = journal_open(&store, 0, collect, &s, &st, err, sizeof(err));
	ck_assert_ptr_null(j2);
	ck_assert_int_eq(errno, EBUSY);
	ck_assert_ptr_nonnull(strstr(err, nested));
	journal_close(j);

	/* NULL stats and err are allowed. */
	j = journal_open(&store, 0, NULL, NULL, NULL, NULL, 0);
	ck_assert_ptr_nonnull(j);
	journal_close(j);
	seen_free(&s);
	cleanup_tmpdir();
}
END_TEST

START_TEST(apply_abort)
{
	struct seen s = { 0 };
	struct journal_recovery_stats st;
	char err[256];

	make_tmpdir();
	struct journal *j = open_ok(CFG_DURABILITY_WRITE, 0, &s, &st);
	append_range(j, 0, 10, 1, NULL);
	journal_close(j);
	s.abort_at = 4;
	struct cfg_lease_store store = store_at(tmpdir, CFG_DURABILITY_WRITE);
	j = journal_open(&store, 0, collect, &s, &st, err, sizeof(err));
	ck_assert_ptr_null(j);
	ck_assert_int_eq(errno, ECANCELED);
	ck_assert_uint_eq(s.n, 4);
	seen_free(&s);
	cleanup_tmpdir();
}
END_TEST

/* ---- torn tail (D04) ------------------------------------------------------ */

START_TEST(torn_tail_every_offset)
{
	const uint32_t n = 10;
	const size_t rl = record_len();
	struct seen s = { 0 };
	struct journal_recovery_stats st;
	uint8_t *orig;
	size_t orig_len;

	make_tmpdir();
	struct journal *j = open_ok(CFG_DURABILITY_WRITE, 0, &s, &st);
	append_range(j, 0, n, 1, NULL);
	journal_close(j);
	orig = slurp(J0, &orig_len);
	ck_assert_uint_eq(orig_len, n * rl);

	for (size_t cut = (n - 3) * rl; cut < orig_len; cut++) {
		size_t complete = cut / rl;
		bool torn = cut % rl != 0;

		spill(J0, orig, cut);
		seen_free(&s);
		j = open_ok(CFG_DURABILITY_WRITE, 0, &s, &st);
		ck_assert_msg(s.n == complete, "cut %zu: %zu records", cut, s.n);
		ck_assert_uint_eq(st.torn_tail_records, torn);
		ck_assert_uint_eq(st.corrupt_records, 0);
		ck_assert_uint_eq(st.last_seq, complete);
		size_t now_len;
		free(slurp(J0, &now_len));
		ck_assert_uint_eq(now_len, complete * rl); /* the torn tail is cut at open */

		/* A new append lands cleanly after the last complete record. */
		struct lease_image img;
		uint64_t seq;
		make_image(&img, 999, 7);
		ck_assert_int_eq(journal_append(j, JOURNAL_REC_UPSERT, &img, &seq), 0);
		ck_assert_uint_eq(seq, complete + 1);
		ck_assert_int_eq(journal_commit(j), 0);
		journal_close(j);

		seen_free(&s);
		j = open_ok(CFG_DURABILITY_WRITE, 0, &s, &st);
		ck_assert_uint_eq(s.n, complete + 1);
		ck_assert_uint_eq(st.torn_tail_records, 0);
		ck_assert_uint_eq(image_client(&s.img[complete]), 999);
		journal_close(j);
	}
	free(orig);
	seen_free(&s);
	cleanup_tmpdir();
}
END_TEST

/*
 * 1..64 bytes of garbage after the last record, and 4096 (_i 65): more than
 * the next append, so only a truncation at open leaves a clean file. Even
 * _i starts with the magic and a plausible length.
 */
START_TEST(garbage_tail)
{
	const uint32_t n = 20;
	struct seen s = { 0 };
	struct journal_recovery_stats st;
	uint8_t *orig, garbage[4096];
	size_t orig_len, glen = _i <= 64 ? (size_t)_i : sizeof(garbage);

	make_tmpdir();
	struct journal *j = open_ok(CFG_DURABILITY_WRITE, 0, &s, &st);
	append_range(j, 0, n, 1, NULL);
	journal_close(j);
	orig = slurp(J0, &orig_len);
	orig = realloc(orig, orig_len + glen);
	srand((unsigned)_i);
	for (size_t k = 0; k < glen; k++)
		garbage[k] = (uint8_t)rand();
	if (_i % 2 == 0)
		memcpy(garbage, orig, glen < 8 ? glen : 8); /* magic and a plausible length */
	memcpy(orig + orig_len, garbage, glen);
	spill(J0, orig, orig_len + glen);

	seen_free(&s);
	j = open_ok(CFG_DURABILITY_WRITE, 0, &s, &st);
	ck_assert_uint_eq(s.n, n);
	ck_assert_uint_eq(st.torn_tail_records, 1);
	ck_assert_uint_eq(st.corrupt_records, 0);
	size_t now_len;
	free(slurp(J0, &now_len));
	ck_assert_uint_eq(now_len, orig_len); /* truncated before any append */
	append_range(j, 100, 1, 2, NULL);
	journal_close(j);

	seen_free(&s);
	j = open_ok(CFG_DURABILITY_WRITE, 0, &s, &st);
	ck_assert_uint_eq(s.n, n + 1);
	ck_assert_uint_eq(st.torn_tail_records, 0);
	journal_close(j);
	free(orig);
	seen_free(&s);
	cleanup_tmpdir();
}
END_TEST

/* ---- corruption in the middle (D05) ---------------------------------------- */

enum damage { DMG_BODY_BYTE, DMG_MAGIC, DMG_LENGTH_SMALL, DMG_LENGTH_HUGE, DMG_SEQ, DMG_TYPE };

START_TEST(corrupt_middle)
{
	const uint32_t n = 1000;
	const size_t rl = record_len();
	struct seen s = { 0 };
	struct journal_recovery_stats st;
	uint8_t *b;
	size_t len;
	size_t at = 499 * rl; /* record 500 */

	make_tmpdir();
	struct journal *j = open_ok(CFG_DURABILITY_WRITE, 0, &s, &st);
	append_range(j, 0, n, 1, NULL);
	journal_close(j);
	b = slurp(J0, &len);
	switch ((enum damage)_i) {
	case DMG_BODY_BYTE: b[at + JOURNAL_HEADER_LEN + 10] ^= 0x40; break;
	case DMG_MAGIC: b[at] = 'X'; break;
	case DMG_LENGTH_SMALL: b[at + 4] -= 10; break; /* CRC over a wrong span */
	case DMG_LENGTH_HUGE: b[at + 5] = 0x7f; break;
	case DMG_SEQ: b[at + 8] ^= 0x01; break;
	case DMG_TYPE: b[at + 20] = JOURNAL_REC_DELETE; break;
	}
	spill(J0, b, len);

	seen_free(&s);
	j = open_ok(CFG_DURABILITY_WRITE, 1, &s, &st);
	ck_assert_uint_eq(s.n, n - 1);
	ck_assert_uint_eq(st.corrupt_records, 1);
	ck_assert_uint_eq(st.torn_tail_records, 0);
	ck_assert_uint_eq(st.n_reports, 1);
	ck_assert_str_eq(st.reports[0].file, J0);
	ck_assert_uint_eq(st.reports[0].offset, at);
	ck_assert_uint_eq(st.reports[0].bytes, rl);
	for (uint32_t k = 0; k < n - 1; k++) {
		ck_assert_uint_eq(image_client(&s.img[k]), k < 499 ? k : k + 1);
		ck_assert_uint_eq(s.type[k], JOURNAL_REC_UPSERT);
	}
	/* Appending after a damaged middle is clean; the damage stays counted. */
	append_range(j, 5000, 1, 1, NULL);
	journal_close(j);
	seen_free(&s);
	j = open_ok(CFG_DURABILITY_WRITE, 1, &s, &st);
	ck_assert_uint_eq(s.n, n);
	ck_assert_uint_eq(st.corrupt_records, 1);
	ck_assert_uint_eq(st.last_seq, n + 1);
	journal_close(j);
	free(b);
	seen_free(&s);
	cleanup_tmpdir();
}
END_TEST

START_TEST(too_many_corrupt_refuses)
{
	const size_t rl = record_len();
	struct seen s = { 0 };
	struct journal_recovery_stats st;
	char err[256];
	uint8_t *b;
	size_t len;

	make_tmpdir();
	struct journal *j = open_ok(CFG_DURABILITY_WRITE, 0, &s, &st);
	append_range(j, 0, 200, 1, NULL);
	journal_close(j);
	b = slurp(J0, &len);
	for (int k = 0; k < 5; k++)
		b[(size_t)(20 + 30 * k) * rl + JOURNAL_HEADER_LEN + 3] ^= 0xff;
	spill(J0, b, len);

	struct cfg_lease_store store = store_at(tmpdir, CFG_DURABILITY_WRITE);
	seen_free(&s);
	j = journal_open(&store, 4, collect, &s, &st, err, sizeof(err));
	ck_assert_ptr_null(j);
	ck_assert_int_eq(errno, EBADMSG);
	ck_assert_msg(strstr(err, J0) && strstr(err, "offset"), "err: %s", err);
	ck_assert_uint_eq(st.corrupt_records, 5);

	/* The limit is inclusive: 5 allowed, 5 found. */
	seen_free(&s);
	j = journal_open(&store, 5, collect, &s, &st, err, sizeof(err));
	ck_assert_ptr_nonnull(j);
	ck_assert_uint_eq(s.n, 195);
	ck_assert_uint_eq(st.n_reports, 5);
	journal_close(j);
	free(b);
	seen_free(&s);
	cleanup_tmpdir();
}
END_TEST

/* Mutated journals: recovery either starts or refuses cleanly, never crashes. */
START_TEST(random_damage_never_crashes)
{
	struct seen s = { 0 };
	struct journal_recovery_stats st;
	uint8_t *orig;
	size_t orig_len;
	char err[256];

	make_tmpdir();
	struct journal *j = open_ok(CFG_DURABILITY_NONE, 0, &s, &st);
	append_range(j, 0, 300, 1, NULL);
	journal_close(j);
	orig = slurp(J0, &orig_len);
	uint8_t *b = malloc(orig_len + 4096);
	srand(12345);
	for (int iter = 0; iter < 300; iter++) {
		size_t len = orig_len;
		memcpy(b, orig, orig_len);
		int edits = 1 + rand() % 8;
		for (int e = 0; e < edits; e++) {
			size_t pos = (size_t)rand() % len;
			switch (rand() % 4) {
			case 0: b[pos] ^= (uint8_t)(1u << (rand() % 8)); break;
			case 1: b[pos] = (uint8_t)rand(); break;
			case 2: len = pos + 1; break;
			case 3: {
				size_t ins = 1 + (size_t)rand() % 64;
				memmove(b + pos + ins, b + pos, len - pos);
				for (size_t k = 0; k < ins; k++)
					b[pos + k] = (uint8_t)rand();
				len += ins;
				if (len > orig_len + 2048)
					len = orig_len + 2048;
				break;
			}
			}
		}
		spill(J0, b, len);
		seen_free(&s);
		struct cfg_lease_store store = store_at(tmpdir, CFG_DURABILITY_NONE);
		j = journal_open(&store, 1000, collect, &s, &st, err, sizeof(err));
		ck_assert_msg(j != NULL, "iter %d: %s", iter, err);
		ck_assert_uint_le(s.n, 300);
		for (size_t k = 0; k < s.n; k++)
			ck_assert_uint_lt(image_client(&s.img[k]), 300);
		journal_close(j);
	}
	free(b);
	free(orig);
	seen_free(&s);
	cleanup_tmpdir();
}
END_TEST

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

START_TEST(missing_generation_refuses)
{
	struct seen s = { 0 };
	struct journal_recovery_stats st;
	char err[256], a[512], b[512];

	make_tmpdir();
	struct journal *j = open_ok(CFG_DURABILITY_WRITE, 0, &s, &st);
	append_range(j, 0, 10, 1, NULL);
	ck_assert_int_eq(journal_compact_begin(j), 0);
	append_range(j, 0, 10, 2, NULL);
	journal_close(j); /* compaction discarded: journal.0 and journal.1 */
	ck_assert(exists(J0) && exists(J1) && !exists(S1TMP));

	struct cfg_lease_store store = store_at(tmpdir, CFG_DURABILITY_WRITE);
	/* A gap: journal.0 and journal.2. */
	path_of(a, sizeof(a), J1);
	path_of(b, sizeof(b), J2);
	ck_assert_int_eq(rename(a, b), 0);
	ck_assert_ptr_null(journal_open(&store, 0, collect, &s, &st, err, sizeof(err)));
	ck_assert_int_eq(errno, EBADMSG);
	ck_assert_msg(strstr(err, J1) != NULL, "err: %s", err);
	/* No snapshot, and generation 0 is gone. */
	path_of(a, sizeof(a), J0);
	ck_assert_int_eq(unlink(a), 0);
	ck_assert_ptr_null(journal_open(&store, 0, collect, &s, &st, err, sizeof(err)));
	ck_assert_int_eq(errno, EBADMSG);
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

static Suite *journal_suite(void)
{
	Suite *s = suite_create("journal");
	TCase *tc = tcase_create("journal");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, append_commit_reopen);
	tcase_add_loop_test(tc, durability_levels, 0, 3);
	tcase_add_test(tc, directory_created_and_locked);
	tcase_add_test(tc, apply_abort);
	tcase_add_test(tc, torn_tail_every_offset);
	tcase_add_loop_test(tc, garbage_tail, 1, 66);
	tcase_add_loop_test(tc, corrupt_middle, DMG_BODY_BYTE, DMG_TYPE + 1);
	tcase_add_test(tc, too_many_corrupt_refuses);
	tcase_add_test(tc, random_damage_never_crashes);
	tcase_add_test(tc, compaction);
	tcase_add_test(tc, compaction_empty_snapshot);
	tcase_add_test(tc, compaction_bad_image_aborts);
	tcase_add_loop_test(tc, compaction_crash, 0, CRASH__COUNT);
	tcase_add_test(tc, missing_generation_refuses);
	tcase_add_test(tc, commit_enospc_rolls_back);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(journal_suite());

	srunner_run_all(sr, CK_NORMAL);
	int failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failures ? 1 : 0;
}
