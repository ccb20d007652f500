/* SPDX-License-Identifier: BSD-3-Clause */
/* The journal suites' fixtures (journal_fixtures.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "journal_fixtures.h"

char tmpdir[64];

void make_tmpdir(void)
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

void cleanup_tmpdir(void) { remove_tree(tmpdir); }

struct cfg_lease_store store_at(const char *dir, enum cfg_durability d)
{
	struct cfg_lease_store s;
	memset(&s, 0, sizeof(s));
	ck_assert_uint_lt(strlen(dir), sizeof(s.directory));
	memcpy(s.directory, dir, strlen(dir) + 1);
	s.durability = d;
	return s;
}

void path_of(char *out, size_t len, const char *name) { snprintf(out, len, "%s/%s", tmpdir, name); }

uint8_t *slurp(const char *name, size_t *len)
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

void spill(const char *name, const uint8_t *b, size_t len)
{
	char p[512];
	path_of(p, sizeof(p), name);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0640);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, b, len), (ssize_t)len);
	close(fd);
}

bool exists(const char *name)
{
	char p[512];
	path_of(p, sizeof(p), name);
	return access(p, F_OK) == 0;
}

const char J0[] = "journal.00000000000000000000";
const char J1[] = "journal.00000000000000000001";
const char J2[] = "journal.00000000000000000002";
const char S1[] = "snapshot.00000000000000000001";
const char S1TMP[] = "snapshot.00000000000000000001.tmp";

/* Client i, version v: a distinct key per client, fields that change with v. */
void make_image(struct lease_image *img, uint32_t i, uint32_t v)
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

uint32_t image_client(const struct lease_image *img)
{
	return (uint32_t)img->key[2] << 24 | (uint32_t)img->key[3] << 16 |
	       (uint32_t)img->key[4] << 8 | img->key[5];
}

size_t record_len(void)
{
	uint8_t buf[JOURNAL_RECORD_MAX];
	struct lease_image img;
	make_image(&img, 0, 0);
	return (size_t)journal_record_encode(buf, sizeof(buf), 1, JOURNAL_REC_UPSERT, &img);
}

int collect(uint8_t type, const struct lease_image *img, void *arg)
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

void seen_free(struct seen *s)
{
	free(s->type);
	free(s->img);
	memset(s, 0, sizeof(*s));
}

void oracle_apply(struct oracle *o, uint8_t type, uint32_t client, uint32_t v)
{
	o->live[client] = type == JOURNAL_REC_UPSERT;
	o->version[client] = v;
}

void assert_matches_oracle(const struct seen *s, const struct oracle *o)
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

struct journal *open_ok(enum cfg_durability d, uint32_t max_corrupt, struct seen *s,
			struct journal_recovery_stats *st)
{
	struct cfg_lease_store store = store_at(tmpdir, d);
	char err[256];
	struct journal *j = journal_open(&store, max_corrupt, collect, s, st, err, sizeof(err));
	ck_assert_msg(j != NULL, "journal_open: %s (errno %d)", err, errno);
	return j;
}

/* Append images of clients [first, first+n) at version v and commit. */
void append_range(struct journal *j, uint32_t first, uint32_t n, uint32_t v, struct oracle *o)
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
