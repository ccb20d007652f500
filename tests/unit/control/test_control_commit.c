/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The durability gate on the control side: control_commit_round() drains
 * the workers' event rings into the journal, commits, and publishes per
 * worker committed_seq and failed_seq. The rule under test (DESIGN.md
 * sec 4): a worker may release a parked ACK only when its sequence is
 * <= committed_seq and > failed_seq, so after every round the pair must
 * say exactly which events are on disk.
 *
 * Faults are injected at exact calls through journal_set_io(): a write
 * that fails in the middle of a round (the journal's early flush), ENOSPC
 * at the commit, EIO at fdatasync, a short write. After each case the
 * store is reopened and what recovery hands back is compared with what
 * the round published as durable.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dhcp/client_key.h"
#include "control.h"
#include "control_cmd.h"
#include "control_compact.h"
#include "dhcp/dhcp_server.h"
#include "journal/journal.h"
#include "lease/lease_table.h"

#define N_WORKERS 3
#define RING_SLOTS 65536

static char tmpdir[64];

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
		unlink(p);
	}
	closedir(d);
	rmdir(path);
}

/* ---- injected faults ---------------------------------------------------- */

/*
 * Counts calls; the call numbered fail_at (1-based, 0 = never) fails with
 * fail_errno, every later one too while `sticky`. short_at cuts that pwrite
 * to half its length (a short write the journal must complete).
 */
static struct {
	unsigned pwrites, syncs;
	unsigned pwrite_fail_at, sync_fail_at, short_at;
	int fail_errno;
	bool sticky;
} fault;

static ssize_t faulty_pwrite(int fd, const void *buf, size_t len, off_t off)
{
	unsigned n = ++fault.pwrites;
	if (fault.pwrite_fail_at &&
	    (n == fault.pwrite_fail_at || (fault.sticky && n > fault.pwrite_fail_at))) {
		errno = fault.fail_errno;
		return -1;
	}
	if (n == fault.short_at && len > 1)
		len /= 2;
	return pwrite(fd, buf, len, off);
}

static int faulty_fdatasync(int fd)
{
	unsigned n = ++fault.syncs;
	if (fault.sync_fail_at &&
	    (n == fault.sync_fail_at || (fault.sticky && n > fault.sync_fail_at))) {
		errno = fault.fail_errno;
		return -1;
	}
	return fdatasync(fd);
}

static const struct journal_io faulty_io = {
	.pwrite = faulty_pwrite,
	.fdatasync = faulty_fdatasync,
	.fsync = fsync,
	.ftruncate = ftruncate,
};

/* ---- a control thread without its loop ---------------------------------- */

struct rig {
	struct lw_config cfg;
	struct control ctl;
	struct spsc_ring *rings[N_WORKERS];
	struct control_commit_slot slots[N_WORKERS];
	_Atomic uint64_t committed[N_WORKERS];
	_Atomic uint64_t failed[N_WORKERS];
	uint64_t next_seq[N_WORKERS];
	struct control_counters counters;
	_Atomic bool stop;
};

static struct rig *rig;

static void rig_open(void)
{
	char err[256];

	rig = calloc(1, sizeof(*rig));
	ck_assert_ptr_nonnull(rig);
	snprintf(rig->cfg.lease_store.directory, sizeof(rig->cfg.lease_store.directory), "%s",
		 tmpdir);
	rig->cfg.lease_store.durability = CFG_DURABILITY_FSYNC;
	rig->ctl.journal =
	    journal_open(&rig->cfg.lease_store, 0, NULL, NULL, NULL, err, sizeof(err));
	ck_assert_msg(rig->ctl.journal, "journal_open: %s", err);
	for (unsigned w = 0; w < N_WORKERS; w++) {
		rig->rings[w] = spsc_ring_create(RING_SLOTS, sizeof(struct lease_event));
		ck_assert_ptr_nonnull(rig->rings[w]);
		rig->slots[w].committed_seq = &rig->committed[w];
		rig->slots[w].failed_seq = &rig->failed[w];
	}
	rig->ctl.cfg = &rig->cfg;
	rig->ctl.n_workers = N_WORKERS;
	rig->ctl.from_workers = rig->rings;
	rig->ctl.commit = rig->slots;
	rig->ctl.counters = &rig->counters;
	rig->ctl.stop = &rig->stop;
}

static void rig_close(void)
{
	journal_close(rig->ctl.journal);
	for (unsigned w = 0; w < N_WORKERS; w++)
		spsc_ring_free(rig->rings[w]);
	free(rig);
	rig = NULL;
}

static void setup(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/lw-commit-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	memset(&fault, 0, sizeof(fault));
	rig_open();
}

static void teardown(void)
{
	if (rig)
		rig_close();
	remove_tree(tmpdir);
}

/* Client `client` of worker w: a distinct key, valid image. */
static void emit(unsigned w, uint32_t client, enum journal_rec_type type)
{
	struct lease_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.seq = ++rig->next_seq[w];
	ev.type = (uint8_t)type;
	ev.worker = (uint8_t)w;
	ev.img.ip = 0x0a000000u | (w << 20) | client;
	ev.img.subnet_id = 1;
	ev.img.state = LEASE_BOUND;
	ev.img.htype = 1;
	ev.img.hlen = 6;
	ev.img.chaddr[0] = 0x02;
	ev.img.chaddr[1] = (uint8_t)w;
	ev.img.chaddr[2] = (uint8_t)(client >> 16);
	ev.img.chaddr[3] = (uint8_t)(client >> 8);
	ev.img.chaddr[4] = (uint8_t)client;
	ev.img.cltt = 1700000000;
	ev.img.expire = 1700003600;
	ev.img.lease_secs = 3600;
	ev.img.key_len = 8;
	ev.img.key[0] = LEASE_KEY_HWADDR;
	ev.img.key[1] = 1;
	memcpy(ev.img.key + 2, ev.img.chaddr, 6);
	ck_assert(spsc_ring_push(rig->rings[w], &ev));
}

static void emit_n(unsigned w, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		emit(w, (uint32_t)rig->next_seq[w] + 1, JOURNAL_REC_UPSERT);
}

static uint64_t committed(unsigned w) { return atomic_load(&rig->committed[w]); }
static uint64_t failed(unsigned w) { return atomic_load(&rig->failed[w]); }

/* What a worker would release: sequences in (failed, committed]. */
static uint64_t releasable(unsigned w)
{
	return committed(w) > failed(w) ? committed(w) - failed(w) : 0;
}

/* Reopen the store and count the recovered records per worker (chaddr[1]). */
struct count_ctx {
	uint64_t per_worker[N_WORKERS];
	uint64_t total;
};

static int count_one(uint8_t type, const struct lease_image *img, void *arg)
{
	struct count_ctx *cc = arg;
	(void)type;
	if (img->chaddr[1] < N_WORKERS)
		cc->per_worker[img->chaddr[1]]++;
	cc->total++;
	return 0;
}

static struct count_ctx recovered(void)
{
	struct count_ctx cc;
	char err[256];
	struct journal_recovery_stats st;

	memset(&cc, 0, sizeof(cc));
	journal_close(rig->ctl.journal);
	rig->ctl.journal =
	    journal_open(&rig->cfg.lease_store, 0, count_one, &cc, &st, err, sizeof(err));
	ck_assert_msg(rig->ctl.journal, "reopen: %s", err);
	ck_assert_uint_eq(st.corrupt_records, 0);
	return cc;
}

/*
 * Every ACK a worker may release is on disk: for each worker the records
 * recovered are at least the releasable ones (records are one per event).
 */
static void assert_released_are_durable(const struct count_ctx *cc, const uint64_t *before)
{
	for (unsigned w = 0; w < N_WORKERS; w++)
		ck_assert_msg(cc->per_worker[w] >= before[w] + releasable(w),
			      "worker %u: %llu releasable ACKs but %llu records on disk", w,
			      (unsigned long long)releasable(w),
			      (unsigned long long)(cc->per_worker[w] - before[w]));
}

/* ---- cases -------------------------------------------------------------- */

START_TEST(several_workers_one_round)
{
	emit_n(0, 10);
	emit_n(1, 1);
	emit_n(2, 300);
	ck_assert_int_eq(control_commit_round(&rig->ctl), 311);
	ck_assert_uint_eq(committed(0), 10);
	ck_assert_uint_eq(committed(1), 1);
	ck_assert_uint_eq(committed(2), 300);
	for (unsigned w = 0; w < N_WORKERS; w++)
		ck_assert_uint_eq(failed(w), 0);
	ck_assert_uint_eq(atomic_load(&rig->counters.journal_commits), 1);
	ck_assert_int_eq(control_commit_round(&rig->ctl), 0); /* nothing left */
	struct count_ctx cc = recovered();
	ck_assert_uint_eq(cc.per_worker[0], 10);
	ck_assert_uint_eq(cc.per_worker[1], 1);
	ck_assert_uint_eq(cc.per_worker[2], 300);
}
END_TEST

START_TEST(batch_limit_splits_rounds)
{
	rig->cfg.lease_store.commit_max_batch = 100;
	emit_n(0, 150);
	emit_n(1, 20);
	ck_assert_int_eq(control_commit_round(&rig->ctl), 100);
	ck_assert_uint_eq(committed(0), 100);
	ck_assert_uint_eq(committed(1), 0);
	ck_assert_int_eq(control_commit_round(&rig->ctl), 70);
	ck_assert_uint_eq(committed(0), 150);
	ck_assert_uint_eq(committed(1), 20);
}
END_TEST

/*
 * The journal writes its buffer out early past 1 MiB. When that write
 * fails, it drops every record appended since the last commit, from
 * every worker. Worker 0's events were appended before the failure in
 * worker 1's: they are not on disk, so worker 0 must not release them.
 */
START_TEST(flush_fails_mid_round)
{
	uint64_t before[N_WORKERS] = { 0 };

	rig->cfg.lease_store.commit_max_batch = RING_SLOTS * N_WORKERS;
	emit_n(0, 2000);
	emit_n(1, 1);
	ck_assert_int_eq(control_commit_round(&rig->ctl), 2001); /* a durable first round */
	before[0] = 2000;
	before[1] = 1;

	emit_n(0, 4000); /* about 0.4 MiB */
	emit_n(1, 12000); /* crosses 1 MiB: the early flush runs among these */
	emit_n(2, 50);
	journal_set_io(rig->ctl.journal, &faulty_io);
	fault.pwrite_fail_at = 1;
	fault.fail_errno = ENOSPC;
	int rc = control_commit_round(&rig->ctl);
	ck_assert_int_eq(rc, -ENOSPC);
	/* Worker 0 had events in the lost round: all of them failed. */
	ck_assert_uint_eq(committed(0), 6000);
	ck_assert_uint_eq(failed(0), 6000);
	ck_assert_uint_eq(releasable(0), 0);
	ck_assert_uint_eq(failed(1), committed(1));
	ck_assert_uint_gt(committed(1), 1);
	ck_assert_uint_lt(committed(1), 12001); /* the round stopped at the failure */
	ck_assert_uint_eq(committed(2), 0); /* never taken: still in its ring */
	ck_assert_uint_eq(atomic_load(&rig->counters.journal_failing), 1);
	ck_assert_uint_gt(atomic_load(&rig->counters.journal_records_lost), 4000);

	/* Space returns: the rest commits, the alarm clears. */
	journal_set_io(rig->ctl.journal, NULL);
	uint64_t failed1 = failed(1);
	while (control_commit_round(&rig->ctl) > 0)
		;
	ck_assert_uint_eq(committed(1), 12001);
	ck_assert_uint_eq(failed(1), failed1);
	ck_assert_uint_eq(committed(2), 50);
	ck_assert_uint_eq(failed(2), 0);
	ck_assert_uint_eq(atomic_load(&rig->counters.journal_failing), 0);

	struct count_ctx cc = recovered();
	assert_released_are_durable(&cc, before);
	ck_assert_uint_eq(cc.per_worker[0], 2000); /* the lost 4000 are really gone */
	ck_assert_uint_eq(cc.per_worker[1], 1 + (12001 - failed1));
	ck_assert_uint_eq(cc.per_worker[2], 50);
}
END_TEST

/* The commit itself fails: ENOSPC at its write, EIO at its fdatasync. */
enum commit_fault { CF_ENOSPC_WRITE, CF_EIO_SYNC, CF_SHORT_THEN_ENOSPC, CF__COUNT };

START_TEST(commit_fails)
{
	uint64_t before[N_WORKERS] = { 0 };

	emit_n(0, 5);
	emit_n(2, 5);
	ck_assert_int_eq(control_commit_round(&rig->ctl), 10);
	before[0] = before[2] = 5;

	emit_n(0, 30);
	emit_n(1, 7);
	emit_n(2, 1);
	journal_set_io(rig->ctl.journal, &faulty_io);
	switch (_i) {
	case CF_ENOSPC_WRITE:
		fault.pwrite_fail_at = 1;
		fault.fail_errno = ENOSPC;
		break;
	case CF_EIO_SYNC:
		fault.sync_fail_at = 1;
		fault.fail_errno = EIO;
		break;
	case CF_SHORT_THEN_ENOSPC:
		/* Half the batch reaches the file, then the disk is full. */
		fault.short_at = 1;
		fault.pwrite_fail_at = 2;
		fault.fail_errno = ENOSPC;
		break;
	}
	int rc = control_commit_round(&rig->ctl);
	ck_assert_int_eq(rc, _i == CF_EIO_SYNC ? -EIO : -ENOSPC);
	ck_assert_uint_eq(committed(0), 35);
	ck_assert_uint_eq(failed(0), 35);
	ck_assert_uint_eq(committed(1), 7);
	ck_assert_uint_eq(failed(1), 7);
	ck_assert_uint_eq(failed(2), 6);
	for (unsigned w = 0; w < N_WORKERS; w++)
		ck_assert_uint_eq(releasable(w), 0);
	ck_assert_uint_eq(atomic_load(&rig->counters.journal_failing), 1);
	ck_assert_uint_eq(atomic_load(&rig->counters.journal_records_lost), 38);
	ck_assert_uint_ge(atomic_load(&rig->counters.journal_write_errors), 1);

	/* The next round, with the disk healthy, commits normally. */
	journal_set_io(rig->ctl.journal, NULL);
	emit_n(1, 3);
	ck_assert_int_eq(control_commit_round(&rig->ctl), 3);
	ck_assert_uint_eq(committed(1), 10);
	ck_assert_uint_eq(releasable(1), 3);
	ck_assert_uint_eq(atomic_load(&rig->counters.journal_failing), 0);

	/* No torn record, no lost committed record, no failed one resurrected. */
	struct count_ctx cc = recovered();
	assert_released_are_durable(&cc, before);
	ck_assert_uint_eq(cc.per_worker[0], 5);
	ck_assert_uint_eq(cc.per_worker[1], 3);
	ck_assert_uint_eq(cc.per_worker[2], 5);
}
END_TEST

/* A short write the kernel returns on a healthy disk is completed, not failed. */
START_TEST(short_write_completes)
{
	emit_n(0, 40);
	journal_set_io(rig->ctl.journal, &faulty_io);
	fault.short_at = 1;
	ck_assert_int_eq(control_commit_round(&rig->ctl), 40);
	ck_assert_uint_eq(fault.pwrites, 2);
	ck_assert_uint_eq(releasable(0), 40);
	struct count_ctx cc = recovered();
	ck_assert_uint_eq(cc.per_worker[0], 40);
}
END_TEST

/* An image the journal refuses fails that worker's events up to it, nobody else's. */
START_TEST(refused_record_fails_its_worker_only)
{
	emit_n(0, 3);
	emit_n(1, 2);
	struct lease_event bad;
	memset(&bad, 0, sizeof(bad));
	bad.seq = ++rig->next_seq[1];
	bad.type = JOURNAL_REC_UPSERT; /* key_len 0: refused by journal_record_validate */
	ck_assert(spsc_ring_push(rig->rings[1], &bad));
	emit_n(1, 4);
	ck_assert_int_eq(control_commit_round(&rig->ctl), 10);
	ck_assert_uint_eq(releasable(0), 3);
	ck_assert_uint_eq(failed(1), 3);
	ck_assert_uint_eq(committed(1), 7);
	ck_assert_uint_eq(releasable(1), 4);
	ck_assert_uint_eq(atomic_load(&rig->counters.journal_failing), 0);
}
END_TEST

/* A disk that stays full: every round fails until it recovers, never an ACK meanwhile. */
START_TEST(sustained_failure_then_recovery)
{
	journal_set_io(rig->ctl.journal, &faulty_io);
	fault.pwrite_fail_at = 1;
	fault.sticky = true;
	fault.fail_errno = ENOSPC;
	for (int round = 0; round < 50; round++) {
		emit_n((unsigned)round % N_WORKERS, 1 + (uint32_t)round);
		ck_assert_int_lt(control_commit_round(&rig->ctl), 0);
		for (unsigned w = 0; w < N_WORKERS; w++)
			ck_assert_uint_eq(releasable(w), 0);
	}
	ck_assert_uint_eq(atomic_load(&rig->counters.journal_failing), 1);
	journal_set_io(rig->ctl.journal, NULL);
	emit_n(0, 2);
	ck_assert_int_eq(control_commit_round(&rig->ctl), 2);
	ck_assert_uint_eq(releasable(0), 2);
	ck_assert_uint_eq(atomic_load(&rig->counters.journal_failing), 0);
	struct count_ctx cc = recovered();
	ck_assert_uint_eq(cc.total, 2);
}
END_TEST

/* Count the lines of stderr that contain what, while fn runs. */
static unsigned stderr_lines_with(void (*fn)(void), const char *what1, const char *what2,
				  unsigned *n2)
{
	char path[] = "/tmp/lw-alarm-log.XXXXXX";
	int fd = mkstemp(path), saved = dup(2);
	char line[1024];
	unsigned n1 = 0;

	ck_assert_int_ge(fd, 0);
	fflush(stderr);
	dup2(fd, 2);
	fn();
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	FILE *f = fdopen(fd, "r");
	rewind(f);
	*n2 = 0;
	while (fgets(line, sizeof(line), f)) {
		n1 += strstr(line, what1) != NULL;
		*n2 += strstr(line, what2) != NULL;
	}
	fclose(f);
	unlink(path);
	return n1;
}

/* A nearly full disk: rounds fail, one small round fits, they fail again. */
static void flapping_disk(void)
{
	journal_set_io(rig->ctl.journal, &faulty_io);
	fault.pwrite_fail_at = 1;
	fault.sticky = true;
	fault.fail_errno = ENOSPC;
	for (int flap = 0; flap < 4; flap++) {
		journal_set_io(rig->ctl.journal, &faulty_io);
		for (int round = 0; round < 3; round++) {
			emit_n(0, 2);
			ck_assert_int_lt(control_commit_round(&rig->ctl), 0);
		}
		ck_assert_uint_eq(atomic_load(&rig->counters.journal_failing), 1);
		journal_set_io(rig->ctl.journal, NULL);
		emit_n(1, 1);
		ck_assert_int_eq(control_commit_round(&rig->ctl), 1);
		/* journal_failing tells the truth at once... */
		ck_assert_uint_eq(atomic_load(&rig->counters.journal_failing), 0);
	}
	/* ...but the episode ends (one recovery line) only once it has settled. */
	ck_assert_int_eq(control_drain(&rig->ctl), 0);
}

START_TEST(flapping_disk_is_one_episode)
{
	unsigned recoveries;
	unsigned alarms =
	    stderr_lines_with(flapping_disk, "journal: ALARM", "writes succeed again", &recoveries);

	ck_assert_uint_eq(alarms, 1);
	ck_assert_uint_eq(recoveries, 1);
	ck_assert_uint_eq(releasable(1), 4);
	ck_assert_uint_eq(releasable(0), 0);
}
END_TEST

/* ---- record order across workers ------------------------------------- */

#define X_IP 0x0a4d0105u /* 10.77.1.5 */
#define NOW 1800000000

static struct lease_table *order_table(void)
{
	struct lease_table_params p = { .n_writers = N_WORKERS, .max_leases = 64 };
	struct lease_table *t = lease_table_create(&p);
	ck_assert_ptr_nonnull(t);
	ck_assert_int_eq(lease_table_add_range(t, 1, 0x0a4d0100u, 0x0a4d01ffu, ADDR_RANGE_POOL), 0);
	return t;
}

/* Client id's record from writer w's slab, bound, not yet published. */
static struct lease *client(struct lease_table *t, unsigned w, uint32_t id)
{
	struct lease *l = lease_table_alloc(t, w);
	ck_assert_ptr_nonnull(l);
	l->subnet_id = 1;
	l->state = LEASE_BOUND;
	l->htype = 1;
	l->hlen = 6;
	l->chaddr[0] = 0x02;
	l->chaddr[3] = (uint8_t)(id >> 16);
	l->chaddr[4] = (uint8_t)(id >> 8);
	l->chaddr[5] = (uint8_t)id;
	l->cltt = NOW;
	l->expire = NOW + 3600;
	l->lease_secs = 3600;
	l->key_len = 8;
	l->key[0] = LEASE_KEY_HWADDR;
	l->key[1] = 1;
	memcpy(l->key + 2, l->chaddr, 6);
	l->key_hash = client_key_hash(l->key, l->key_len);
	return l;
}

static void push_image(unsigned w, const struct lease *l)
{
	struct lease_event ev;
	memset(&ev, 0, sizeof(ev));
	ev.seq = ++rig->next_seq[w];
	ev.type = JOURNAL_REC_UPSERT;
	ev.worker = (uint8_t)w;
	lease_image_from_lease(&ev.img, l);
	ck_assert(spsc_ring_push(rig->rings[w], &ev));
}

static int count_visit(const struct lease *l, void *arg)
{
	(void)l;
	(*(uint64_t *)arg)++;
	return 0;
}

struct apply_ctx {
	struct lease_table *t;
};

static int apply_one(uint8_t type, const struct lease_image *img, void *arg)
{
	struct apply_ctx *ac = arg;
	return dhcp_server_apply_image(ac->t, N_WORKERS - 1, type, img, NOW + 10);
}

/*
 * The real order: B (worker 1) binds X, B releases X, then A (worker 0)
 * binds X and holds a durable ACK. The control thread drains worker 0's
 * ring first, so the journal reads "A bound X, B bound X, B released X".
 * Recovery must give X to A, not leave it free (or give it to B).
 */
START_TEST(cross_worker_order)
{
	struct lease_table *live = order_table();

	rcu_register_thread();
	struct lease *b = client(live, 1, 0xbb);
	ck_assert_int_eq(lease_table_claim_ip(live, X_IP, NULL, b), 0);
	ck_assert_int_eq(lease_table_publish(live, b, NULL), 0);
	push_image(1, b);
	struct lease *b_rel = lease_table_alloc_copy(live, 1, b);
	b_rel->state = LEASE_RELEASED;
	lease_table_release_ip(live, 1, X_IP, b);
	ck_assert_int_eq(lease_table_publish(live, b_rel, b), 0);
	push_image(1, b_rel);
	struct lease *a = client(live, 0, 0xaa);
	ck_assert_int_eq(lease_table_claim_ip(live, X_IP, NULL, a), 0);
	ck_assert_int_eq(lease_table_publish(live, a, NULL), 0);
	push_image(0, a);
	ck_assert_uint_gt(a->addr_version, b->addr_version);

	ck_assert_int_eq(control_commit_round(&rig->ctl), 3); /* ring 0 first: A, B, B */
	ck_assert_uint_eq(releasable(0), 1);

	/* Recover into a fresh table, as the daemon does at start. */
	struct apply_ctx ac = { .t = order_table() };
	char err[256];
	journal_close(rig->ctl.journal);
	rig->ctl.journal =
	    journal_open(&rig->cfg.lease_store, 0, apply_one, &ac, NULL, err, sizeof(err));
	ck_assert_msg(rig->ctl.journal, "reopen: %s", err);
	const struct lease *holder = lease_table_find_ip(ac.t, X_IP);
	ck_assert_msg(holder != NULL, "X is free after recovery although A holds a durable ACK");
	ck_assert_uint_eq(holder->chaddr[5], 0xaa);
	ck_assert_uint_eq(holder->state, LEASE_BOUND);
	ck_assert_uint_eq(lease_table_ip_version(ac.t, X_IP), a->addr_version);

	/* The next change of hands after recovery outranks everything journaled. */
	struct lease *c = client(ac.t, 2, 0xcc);
	lease_table_release_ip(ac.t, 2, X_IP, holder);
	ck_assert_int_eq(lease_table_claim_ip(ac.t, X_IP, NULL, c), 0);
	ck_assert_uint_gt(c->addr_version, a->addr_version);
	lease_table_release_ip(ac.t, 2, X_IP, c);
	lease_table_discard(ac.t, c);

	rcu_thread_offline();
	rcu_barrier();
	rcu_thread_online();
	lease_table_destroy(ac.t);
	lease_table_destroy(live);
	rcu_unregister_thread();
}
END_TEST

/*
 * Copy tests/data/NAME (a snapshot and a journal) into tmpdir and recover
 * it: it must open, with n_snapshot + n_journal records and none corrupt.
 */
static struct journal *open_stored(const char *name, journal_apply_fn apply, void *arg,
				   uint64_t n_snapshot, uint64_t n_journal)
{
	struct journal_recovery_stats st;
	char err[256];
	static const char *files[] = { "journal.00000000000000000001",
				       "snapshot.00000000000000000001" };
	char src[512], dst[512];

	for (size_t f = 0; f < 2; f++) {
		snprintf(src, sizeof(src), "%s/%s/%s", LW_TEST_DATA, name, files[f]);
		snprintf(dst, sizeof(dst), "%s/%s", tmpdir, files[f]);
		FILE *in = fopen(src, "rb"), *out = fopen(dst, "wb");
		ck_assert_msg(in && out, "copy %s", src);
		char buf[4096];
		size_t n;
		while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
			ck_assert_uint_eq(fwrite(buf, 1, n, out), n);
		fclose(in);
		fclose(out);
	}
	struct cfg_lease_store store = { .durability = CFG_DURABILITY_FSYNC };
	snprintf(store.directory, sizeof(store.directory), "%s", tmpdir);
	struct journal *j = journal_open(&store, 0, apply, arg, &st, err, sizeof(err));
	ck_assert_msg(j, "%s refused: %s", name, err);
	ck_assert_uint_eq(st.snapshot_records, n_snapshot);
	ck_assert_uint_eq(st.journal_records, n_journal);
	ck_assert_uint_eq(st.corrupt_records + st.torn_tail_records, 0);
	return j;
}

/*
 * A store written by the first record format (tests/data/store-v0, made by
 * lw-make-lease-store before address versions existed) recovers: every
 * lease, every field, address version 0.
 */
struct v0_ctx {
	uint64_t n;
	uint64_t bad;
};

static int check_v0(uint8_t type, const struct lease_image *img, void *arg)
{
	struct v0_ctx *vc = arg;
	uint32_t i = img->ip - 0x0a010000u;
	bool ok = type == JOURNAL_REC_UPSERT && i < 300 && img->state == LEASE_BOUND &&
		  img->subnet_id == 1 && img->hlen == 6 && img->chaddr[5] == (uint8_t)i &&
		  img->chaddr[4] == (uint8_t)(i >> 8) && img->lease_secs == 86400 &&
		  img->expire == img->cltt + 86400 && img->key_len == 8 && img->addr_version == 0;
	vc->n++;
	vc->bad += !ok;
	return 0;
}

START_TEST(store_of_format_0_recovers)
{
	struct v0_ctx vc = { 0 };

	rig_close();
	struct journal *j = open_stored("store-v0", check_v0, &vc, 200, 100);
	ck_assert_uint_eq(vc.n, 300);
	ck_assert_uint_eq(vc.bad, 0);
	journal_close(j);
}
END_TEST

/*
 * A store written by record format 1 (tests/data/store-v1, made by
 * "lw-make-lease-store DIR 8 4 1780000000" before the lease fields were
 * generated from one list): 8 leases in the snapshot, 4 in the journal,
 * every durable field varied. It must recover field for field under any
 * later encoder and decoder; the known records below are the generator's
 * values written out by hand, not recomputed, so a changed formula on
 * either side cannot hide a changed decoding.
 */
#define V1_NOW 1780000000
#define V1_LEASES 12

struct v1_ctx {
	struct lease_image img[V1_LEASES];
	bool seen[V1_LEASES];
	uint64_t n, stray;
};

static int keep_v1(uint8_t type, const struct lease_image *img, void *arg)
{
	struct v1_ctx *vc = arg;
	uint32_t i = img->ip - 0x0a010000u;

	vc->n++;
	if (type != JOURNAL_REC_UPSERT || i >= V1_LEASES || vc->seen[i]) {
		vc->stray++;
		return 0;
	}
	memcpy(&vc->img[i], img, sizeof(*img)); /* padding too: compared whole below */
	vc->seen[i] = true;
	return 0;
}

/* A known record of store-v1: the generator's values for lease i. */
struct v1_known {
	uint32_t i, subnet_id;
	uint8_t state, flags;
	uint32_t lease_secs;
	int64_t cltt, expire, partner_expire;
	uint32_t addr_version;
	bool client_id; /* keyed by client id ff + i (big-endian), else by htype 1 + MAC */
	/* Format 2 (store-v2); 0 in store-v1's records. */
	uint8_t fo_status, fo_flags;
	int64_t stos, sent_pet;
};

static void check_v1_image(const struct lease_image *got, const struct v1_known *k)
{
	const uint8_t mac[6] = { 0x02,	     0x1e, k->i >> 24, k->i >> 16 & 0xff, k->i >> 8 & 0xff,
				 k->i & 0xff };
	struct lease_image want;
	char what[32];

	memset(&want, 0, sizeof(want));
	want.ip = 0x0a010000u + k->i;
	want.subnet_id = k->subnet_id;
	want.state = k->state;
	want.flags = k->flags;
	want.htype = 1;
	want.hlen = 6;
	memcpy(want.chaddr, mac, 6);
	want.cltt = k->cltt;
	want.expire = k->expire;
	want.lease_secs = k->lease_secs;
	want.partner_expire = k->partner_expire;
	want.addr_version = k->addr_version;
	want.fo_status = k->fo_status;
	want.fo_flags = k->fo_flags;
	want.stos = k->stos;
	want.sent_pet = k->sent_pet;
	want.key[0] = k->client_id ? LEASE_KEY_CLIENT_ID : LEASE_KEY_HWADDR;
	want.key[1] = k->client_id ? 0xff : 1;
	memcpy(want.key + 2, k->client_id ? mac + 2 : mac, k->client_id ? 4 : 6);
	want.key_len = k->client_id ? 6 : 8;

	snprintf(what, sizeof(what), "lease %u", k->i);
	/*
	 * Per listed field, so a failure names it; a field added after format
	 * 1 is checked too, and must come back zero from these records.
	 */
#define SAME_FIELD(name, ...) \
	ck_assert_msg(memcmp(&got->name, &want.name, sizeof(want.name)) == 0, "%s: " #name, what);
	LEASE_FIELD_LIST(SAME_FIELD)
#undef SAME_FIELD
	ck_assert_msg(got->key_len == want.key_len, "%s: key_len", what);
	ck_assert_msg(memcmp(got->key, want.key, want.key_len) == 0, "%s: key", what);
	/* And nothing else differs (padding included: both were zeroed). */
	ck_assert_msg(memcmp(got, &want, sizeof(*got)) == 0, "%s: a member not in the list", what);
}

START_TEST(store_of_format_1_recovers)
{
	/* Leases 0 and 5 from the snapshot, 10 and 11 from the journal. */
	static const struct v1_known known[] = {
		/* i, subnet, state, flags, lease_secs, cltt, expire, partner_expire, version, cid */
		{ 0, 1, LEASE_BOUND, 0, 3600, V1_NOW, V1_NOW + 3600, V1_NOW + 3660, 1000, false },
		{ 5, 3, LEASE_EXPIRED, 1, 3605, V1_NOW - 5, V1_NOW + 3600, V1_NOW + 3660, 1035,
		  true },
		{ 10, 2, LEASE_RELEASED, 2, 3610, V1_NOW - 10, V1_NOW + 3600, V1_NOW + 3660, 1070,
		  false },
		{ 11, 3, LEASE_EXPIRED, 3, 3611, V1_NOW - 11, V1_NOW + 3600, V1_NOW + 3660, 1077,
		  true },
	};
	struct v1_ctx vc;

	memset(&vc, 0, sizeof(vc));
	rig_close();
	struct journal *j = open_stored("store-v1", keep_v1, &vc, 8, 4);
	ck_assert_uint_eq(vc.n, V1_LEASES);
	ck_assert_uint_eq(vc.stray, 0);
	for (size_t k = 0; k < sizeof(known) / sizeof(known[0]); k++)
		check_v1_image(&vc.img[known[k].i], &known[k]);
	/* Every record carries its address version: none fell back to format 0's zero. */
	for (uint32_t i = 0; i < V1_LEASES; i++)
		ck_assert_uint_eq(vc.img[i].addr_version, 1000 + 7 * i);
	journal_close(j);
}
END_TEST

/* ---- failover pool ownership is durable ------------------------------- */

/* One SET_OWNER's event, as dataplane/worker_cmd.c pushes it. */
static void push_owner(unsigned w, uint32_t ip, bool backup)
{
	struct lease_event ev;
	memset(&ev, 0, sizeof(ev));
	ev.seq = ++rig->next_seq[w];
	ev.type = backup ? JOURNAL_REC_UPSERT : JOURNAL_REC_DELETE;
	ev.worker = (uint8_t)w;
	lease_image_backup(&ev.img, ip);
	ck_assert(spsc_ring_push(rig->rings[w], &ev));
}

/*
 * BACKUP marks come back from the journal and, after a compaction, from
 * the snapshot, as bits: no lease record, no slot. An address's home
 * worker (control_owner_of_ip) journals its changes in order.
 */
START_TEST(ownership_survives_replay_and_snapshot)
{
	const uint32_t a = 0x0a4d0110u, b = 0x0a4d0111u, c = 0x0a4d0112u;
	struct lease_table *live = order_table();

	rcu_register_thread();
	rig->ctl.table = live;
	ck_assert_int_eq(control_owner_of_ip(&rig->ctl, b), (int)((b - 0x0a4d0100u) % N_WORKERS));
	ck_assert_int_eq(control_owner_of_ip(&rig->ctl, 0x0a4e0000u), -ENOENT);
	for (uint32_t ip = a; ip <= c; ip++) {
		ck_assert_int_eq(lease_table_set_backup(live, ip, true), 0);
		push_owner((unsigned)control_owner_of_ip(&rig->ctl, ip), ip, true);
	}
	ck_assert_int_eq(lease_table_set_backup(live, b, false), 0);
	push_owner((unsigned)control_owner_of_ip(&rig->ctl, b), b, false);
	ck_assert_int_eq(control_commit_round(&rig->ctl), 4);

	/* Replay of the journal. */
	struct apply_ctx ac = { .t = order_table() };
	char err[256];
	journal_close(rig->ctl.journal);
	rig->ctl.journal =
	    journal_open(&rig->cfg.lease_store, 0, apply_one, &ac, NULL, err, sizeof(err));
	ck_assert_msg(rig->ctl.journal, "reopen: %s", err);
	ck_assert(lease_table_is_backup(ac.t, a));
	ck_assert(!lease_table_is_backup(ac.t, b));
	ck_assert(lease_table_is_backup(ac.t, c));
	ck_assert_ptr_null(lease_table_find_ip(ac.t, a));
	struct lease_table_stats ts;
	lease_table_get_stats(ac.t, &ts);
	ck_assert_uint_eq(ts.records, 0);

	/* A compaction of the recovered table carries them in its snapshot. */
	rig->ctl.table = ac.t;
	ck_assert_int_eq(control_compact_start(&rig->ctl), 0);
	for (int i = 0; i < 10000 && !control_compact_poll(&rig->ctl); i++)
		usleep(1000);
	ck_assert(!rig->ctl.compaction.running);
	ck_assert_int_eq(rig->ctl.compaction.rc, 0);

	struct apply_ctx ac2 = { .t = order_table() };
	struct journal_recovery_stats st;
	journal_close(rig->ctl.journal);
	rig->ctl.journal =
	    journal_open(&rig->cfg.lease_store, 0, apply_one, &ac2, &st, err, sizeof(err));
	ck_assert_msg(rig->ctl.journal, "reopen: %s", err);
	ck_assert_uint_eq(st.snapshot_generation, 1);
	ck_assert_uint_eq(st.snapshot_records, 2);
	ck_assert_uint_eq(st.journal_records, 0);
	ck_assert(lease_table_is_backup(ac2.t, a));
	ck_assert(!lease_table_is_backup(ac2.t, b));
	ck_assert(lease_table_is_backup(ac2.t, c));
	struct lease_pool_balance pb;
	ck_assert_int_eq(lease_table_pool_balance(ac2.t, 1, &pb), 0);
	ck_assert_uint_eq(pb.backup_unheld, 2);
	ck_assert_uint_eq(pb.free_unheld, 256 - 2);

	rig->ctl.table = NULL;
	rcu_thread_offline();
	rcu_barrier();
	rcu_thread_online();
	lease_table_destroy(live);
	lease_table_destroy(ac.t);
	lease_table_destroy(ac2.t);
	rcu_unregister_thread();
}
END_TEST

/*
 * A store written by record format 2 (tests/data/store-v2, made by
 * "lw-make-lease-store DIR 8 4 1780000000" when format 2 added the
 * failover fields): the same leases as store-v1 plus fo_status, fo_flags,
 * stos and sent_pet, checked against values written out by hand.
 */
START_TEST(store_of_format_2_recovers)
{
	/* Leases 0 and 5 from the snapshot, 10 and 11 from the journal. */
	static const struct v1_known known[] = {
		/* i, subnet, state, flags, lease_secs, cltt, expire, partner_expire, version, cid,
		 * fo_status, fo_flags, stos, sent_pet */
		{ 0, 1, LEASE_BOUND, 0, 3600, V1_NOW, V1_NOW + 3600, V1_NOW + 3660, 1000, false, 2,
		  1, V1_NOW - 100, V1_NOW + 5400 },
		{ 5, 3, LEASE_EXPIRED, 1, 3605, V1_NOW - 5, V1_NOW + 3600, V1_NOW + 3660, 1035,
		  true, 3, 3, V1_NOW - 105, V1_NOW + 5405 },
		{ 10, 2, LEASE_RELEASED, 2, 3610, V1_NOW - 10, V1_NOW + 3600, V1_NOW + 3660, 1070,
		  false, 4, 2, V1_NOW - 110, V1_NOW + 5410 },
		{ 11, 3, LEASE_EXPIRED, 3, 3611, V1_NOW - 11, V1_NOW + 3600, V1_NOW + 3660, 1077,
		  true, 3, 3, V1_NOW - 111, V1_NOW + 5411 },
	};
	struct v1_ctx vc;

	memset(&vc, 0, sizeof(vc));
	rig_close();
	struct journal *j = open_stored("store-v2", keep_v1, &vc, 8, 4);
	ck_assert_uint_eq(vc.n, V1_LEASES);
	ck_assert_uint_eq(vc.stray, 0);
	for (size_t k = 0; k < sizeof(known) / sizeof(known[0]); k++)
		check_v1_image(&vc.img[known[k].i], &known[k]);
	/* Every record carries its failover fields: none fell back to format 1's zeros. */
	for (uint32_t i = 0; i < V1_LEASES; i++) {
		ck_assert_uint_eq(vc.img[i].addr_version, 1000 + 7 * i);
		ck_assert_int_eq(vc.img[i].stos, V1_NOW - 100 - (int64_t)i);
		ck_assert_int_eq(vc.img[i].sent_pet, V1_NOW + 5400 + (int64_t)i);
	}
	journal_close(j);
}
END_TEST

/* ---- compaction beside the commit rounds ------------------------------ */

/* The snapshot's fsync (a regular file, on the compaction thread) waits for the test. */
static _Atomic bool snapshot_fsync_waiting, snapshot_fsync_go;

static int gated_fsync(int fd)
{
	struct stat st;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
		atomic_store(&snapshot_fsync_waiting, true);
		for (int i = 0; i < 20000 && !atomic_load(&snapshot_fsync_go); i++)
			usleep(1000);
	}
	return fsync(fd);
}

/* The fault counters stay at zero here: only the fsync is gated. */
static const struct journal_io gated_io = {
	.pwrite = faulty_pwrite,
	.fdatasync = faulty_fdatasync,
	.fsync = gated_fsync,
	.ftruncate = ftruncate,
};

#define COMPACT_LEASES 20000u

/*
 * While the snapshot is written and fsynced, rounds go on committing (so
 * parked ACKs leave) and grace periods complete (so slabs refill). The
 * snapshot's fsync is held until the test has seen both; then recovery
 * finds every lease of the snapshot and every event committed meanwhile.
 */
START_TEST(compaction_leaves_commits_running)
{
	struct lease_table_params p = { .n_writers = 2, .max_leases = COMPACT_LEASES + 64 };
	struct lease_table *t = lease_table_create(&p);
	ck_assert_ptr_nonnull(t);
	rcu_register_thread();
	for (uint32_t i = 0; i < COMPACT_LEASES; i++) {
		struct lease *l = client(t, i % 2, i);
		l->ip = 0x0b000000u + i;
		ck_assert_int_eq(lease_table_publish(t, l, NULL), 0);
	}
	rig->ctl.table = t;
	emit_n(0, 5);
	ck_assert_int_eq(control_commit_round(&rig->ctl), 5);

	atomic_store(&snapshot_fsync_waiting, false);
	atomic_store(&snapshot_fsync_go, false);
	journal_set_io(rig->ctl.journal, &gated_io);
	ck_assert_int_eq(control_compact_start(&rig->ctl), 0);
	ck_assert_int_eq(control_compact_start(&rig->ctl), -EBUSY);
	for (int i = 0; i < 10000 && !atomic_load(&snapshot_fsync_waiting); i++)
		usleep(1000);
	ck_assert_msg(atomic_load(&snapshot_fsync_waiting), "the snapshot never reached its fsync");
	ck_assert(rig->ctl.compaction.running);

	/* The snapshot is held in its fsync: rounds still commit. */
	for (unsigned w = 0; w < N_WORKERS; w++)
		emit_n(w, 100);
	ck_assert_int_eq(control_commit_round(&rig->ctl), 300);
	ck_assert_uint_eq(committed(0), 105);
	ck_assert_uint_eq(releasable(2), 100);
	ck_assert(!control_compact_poll(&rig->ctl));
	/* And a grace period completes: the compaction thread holds no read side. */
	rcu_thread_offline();
	synchronize_rcu();
	rcu_thread_online();

	atomic_store(&snapshot_fsync_go, true);
	for (int i = 0; i < 10000 && !control_compact_poll(&rig->ctl); i++)
		usleep(1000);
	ck_assert(!rig->ctl.compaction.running);
	ck_assert_int_eq(rig->ctl.compaction.rc, 0);
	ck_assert_uint_eq(rig->ctl.compaction.leases, COMPACT_LEASES);
	ck_assert_uint_eq(atomic_load(&rig->counters.compactions), 1);
	journal_set_io(rig->ctl.journal, NULL);

	char err[256];
	struct journal_recovery_stats st;
	struct count_ctx cc;
	memset(&cc, 0, sizeof(cc));
	journal_close(rig->ctl.journal);
	rig->ctl.journal =
	    journal_open(&rig->cfg.lease_store, 0, count_one, &cc, &st, err, sizeof(err));
	ck_assert_msg(rig->ctl.journal, "reopen: %s", err);
	ck_assert_uint_eq(st.snapshot_records, COMPACT_LEASES);
	ck_assert_uint_eq(st.journal_records, 300); /* the 5 before are in the snapshot's past */
	ck_assert_uint_eq(st.snapshot_generation, 1);

	rcu_thread_offline();
	rcu_barrier();
	rcu_thread_online();
	lease_table_destroy(t);
	rcu_unregister_thread();
}
END_TEST

/* The chunked walk visits every published record once, in bounded chunks. */
START_TEST(walk_chunk_covers_table)
{
	struct lease_table_params p = { .n_writers = 3, .max_leases = 3000 };
	struct lease_table *t = lease_table_create(&p);
	ck_assert_ptr_nonnull(t);
	rcu_register_thread();
	for (uint32_t i = 0; i < 2000; i++) {
		struct lease *l = client(t, i % 3, i);
		ck_assert_int_eq(lease_table_publish(t, l, NULL), 0);
	}
	size_t cursor = 0, chunks = 0, n;
	int rc;
	uint64_t seen = 0;
	while ((n = lease_table_walk_chunk(t, &cursor, 128, count_visit, &seen, &rc)) > 0) {
		ck_assert_uint_le(n, 128);
		rcu_quiescent_state();
		chunks++;
	}
	ck_assert_uint_eq(seen, 2000);
	ck_assert_uint_ge(chunks, 3000 / 128);
	rcu_thread_offline();
	rcu_barrier();
	rcu_thread_online();
	lease_table_destroy(t);
	rcu_unregister_thread();
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("control_commit");
	TCase *tc = tcase_create("round");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, several_workers_one_round);
	tcase_add_test(tc, batch_limit_splits_rounds);
	tcase_add_test(tc, flush_fails_mid_round);
	tcase_add_loop_test(tc, commit_fails, 0, CF__COUNT);
	tcase_add_test(tc, short_write_completes);
	tcase_add_test(tc, refused_record_fails_its_worker_only);
	tcase_add_test(tc, sustained_failure_then_recovery);
	tcase_add_test(tc, flapping_disk_is_one_episode);
	tcase_add_test(tc, cross_worker_order);
	tcase_add_test(tc, store_of_format_0_recovers);
	tcase_add_test(tc, store_of_format_1_recovers);
	tcase_add_test(tc, store_of_format_2_recovers);
	tcase_add_test(tc, compaction_leaves_commits_running);
	tcase_add_test(tc, walk_chunk_covers_table);
	tcase_add_test(tc, ownership_survives_replay_and_snapshot);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed_n = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed_n ? 1 : 0;
}
