/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The durability gate: the group commit round, the journal alarm and the
 * journal counters, and the commit round as a control module. This file
 * calls into no other file of control/: the mailbox, the compaction and
 * the loop sit above it (control_module.h).
 */
#include "control.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <urcu-qsbr.h>

#include "dhcp/dhcp_server.h"

#define CONTROL_MAX_ROUND 65536u

static void publish_stats(struct control *c)
{
	struct journal_stats js;
	journal_get_stats(c->journal, &js);
	atomic_store_explicit(&c->counters->journal_records, js.records, memory_order_relaxed);
	atomic_store_explicit(&c->counters->journal_commits, js.commits, memory_order_relaxed);
	atomic_store_explicit(&c->counters->journal_write_errors, js.write_errors,
			      memory_order_relaxed);
	atomic_store_explicit(&c->counters->journal_last_commit_ns, js.last_commit_ns,
			      memory_order_relaxed);
	atomic_store_explicit(&c->counters->journal_bytes, js.bytes, memory_order_relaxed);
	atomic_store_explicit(&c->counters->journal_generation, js.generation,
			      memory_order_relaxed);
	atomic_store_explicit(&c->counters->journal_last_seq, js.last_seq, memory_order_relaxed);
	atomic_store_explicit(&c->counters->journal_committed_seq, js.committed_seq,
			      memory_order_relaxed);
	atomic_store_explicit(&c->counters->journal_last_snapshot_unix,
			      (uint64_t)c->last_snapshot_unix, memory_order_relaxed);
}

/*
 * The journal failed to take a round: log the first failure at once, then
 * at most one line per JOURNAL_ALARM_LOG_SECS with what was withheld
 * meanwhile, so a full disk gives an operator one line to act on, not one
 * per record. journal_failing drops as soon as a commit succeeds, but the
 * episode (and its one "writes succeed again" line) ends only after
 * JOURNAL_ALARM_SETTLE_SECS without a failure: a nearly full disk takes a
 * small round now and then, and each of those must not read as a recovery
 * followed by a new alarm.
 */
#define JOURNAL_ALARM_LOG_SECS 10
#define JOURNAL_ALARM_SETTLE_SECS 2

static void journal_alarm(struct control *c, int err, uint32_t lost)
{
	int64_t now = (int64_t)time(NULL);
	struct control_journal_alarm *a = &c->alarm;
	bool new_episode = a->failures == 0;

	a->failures++;
	a->lost += lost;
	a->ok_since = 0;
	atomic_fetch_add_explicit(&c->counters->journal_records_lost, lost, memory_order_relaxed);
	if (!atomic_load_explicit(&c->counters->journal_failing, memory_order_relaxed)) {
		atomic_store_explicit(&c->counters->journal_failing, 1, memory_order_relaxed);
		if (new_episode) {
			atomic_store_explicit(&c->counters->journal_failing_since_unix,
					      (uint64_t)now, memory_order_relaxed);
			a->since = now;
		}
	}
	if (!new_episode && now - a->last_log < JOURNAL_ALARM_LOG_SECS)
		return;
	fprintf(stderr,
		"leasewired: journal: ALARM: cannot write the lease store %s: %s; no ACK leaves "
		"until it can (%llu commits failed, %llu ACKs withheld since %llds ago); free "
		"space or fix the disk, service resumes by itself\n",
		c->cfg->lease_store.directory, strerror(-err), (unsigned long long)a->failures,
		(unsigned long long)a->lost, (long long)(now - a->since));
	a->last_log = now;
}

/* A commit succeeded: the store takes records again. */
static void journal_alarm_clear(struct control *c)
{
	struct control_journal_alarm *a = &c->alarm;

	if (!a->failures)
		return;
	atomic_store_explicit(&c->counters->journal_failing, 0, memory_order_relaxed);
	if (!a->ok_since)
		a->ok_since = (int64_t)time(NULL);
}

/* End the episode once commits have succeeded long enough (or at shutdown). */
static void journal_alarm_settle(struct control *c, bool now_anyway)
{
	struct control_journal_alarm *a = &c->alarm;
	int64_t now = (int64_t)time(NULL);

	if (!a->failures || !a->ok_since)
		return;
	if (!now_anyway && now - a->ok_since < JOURNAL_ALARM_SETTLE_SECS)
		return;
	fprintf(stderr,
		"leasewired: journal: writes succeed again after %llds: %llu commits had failed, "
		"%llu ACKs were withheld (those clients retry and are answered now)\n",
		(long long)(a->ok_since - a->since), (unsigned long long)a->failures,
		(unsigned long long)a->lost);
	memset(a, 0, sizeof(*a));
}

/*
 * Every event taken this round is lost: publish it as failed, then as
 * committed, per worker, so the parked ACKs are dropped now rather than at
 * their deadline. failed_seq is stored first (the worker reads it after
 * committed_seq, DESIGN.md sec 4).
 */
static void fail_round(struct control *c, const uint64_t *max_seq)
{
	for (unsigned w = 0; w < c->n_workers; w++) {
		if (!max_seq[w])
			continue;
		atomic_store_explicit(c->commit[w].failed_seq, max_seq[w], memory_order_release);
		atomic_store_explicit(c->commit[w].committed_seq, max_seq[w], memory_order_release);
	}
}

int control_commit_round(struct control *c)
{
	uint64_t max_seq[CONTROL_MAX_WORKERS];
	uint32_t batch_limit = c->cfg->lease_store.commit_max_batch
				   ? c->cfg->lease_store.commit_max_batch
				   : CONTROL_MAX_ROUND;
	uint32_t taken = 0;
	int rc = 0;
	unsigned n_mods;
	const struct control_module *const *mods = control_modules(&n_mods);

	memset(max_seq, 0, sizeof(max_seq));
	for (unsigned w = 0; w < c->n_workers && rc == 0; w++) {
		struct lease_event ev;
		while (taken < batch_limit && spsc_ring_pop(c->from_workers[w], &ev)) {
			uint64_t jseq;
			int arc = journal_append(c->journal, (enum journal_rec_type)ev.type,
						 &ev.img, &jseq);
			max_seq[w] = ev.seq;
			taken++;
			if (arc >= 0)
				for (unsigned m = 0; m < n_mods; m++)
					if (mods[m]->note_change)
						mods[m]->note_change(c, ev.type, &ev.img);
			if (arc == -EINVAL) {
				/* An image the journal refuses must not be acknowledged. */
				fprintf(stderr,
					"leasewired: journal: record refused (invalid image), "
					"worker %u seq %llu\n",
					w, (unsigned long long)ev.seq);
				atomic_store_explicit(c->commit[w].failed_seq, ev.seq,
						      memory_order_release);
				atomic_fetch_add_explicit(&c->counters->journal_records_lost, 1,
							  memory_order_relaxed);
			} else if (arc < 0) {
				/*
				 * The early flush failed and the journal dropped every
				 * record appended since the last commit, from every
				 * worker: the whole round is lost, not just this event.
				 * The rest stays in the rings for the next round.
				 */
				rc = arc;
				break;
			}
		}
	}
	if (!taken) {
		c->rounds_drained++;
		return 0;
	}

	if (rc == 0)
		rc = journal_commit(c->journal);
	for (unsigned m = 0; m < n_mods; m++)
		if (mods[m]->round_end)
			mods[m]->round_end(c, rc == 0);
	if (rc < 0) {
		/* Nothing of this round is durable: its ACKs must never leave. */
		fail_round(c, max_seq);
		c->round_failures++;
		journal_alarm(c, rc, taken);
		publish_stats(c);
		return rc;
	}
	for (unsigned w = 0; w < c->n_workers; w++) {
		if (max_seq[w])
			atomic_store_explicit(c->commit[w].committed_seq, max_seq[w],
					      memory_order_release);
	}
	if (taken < batch_limit)
		c->rounds_drained++;
	journal_alarm_clear(c);
	publish_stats(c);
	return (int)taken;
}

void control_publish_stats(struct control *c) { publish_stats(c); }

/*
 * One commit round per loop iteration. An idle round sleeps so the thread
 * does not spin on empty rings; a failed one backs off, and the next round
 * retries with fresh events.
 */
static void commit_poll(struct control *c)
{
	int n = control_commit_round(c);

	journal_alarm_settle(c, false);
	if (n == 0 && !c->busy)
		usleep(CONTROL_IDLE_SLEEP_US);
	else if (n < 0)
		usleep(1000);
}

static const char *const control_counter_names[] = {
#define CONTROL_COUNTER_NAME(name) #name,
	CONTROL_COUNTER_LIST(CONTROL_COUNTER_NAME)
#undef CONTROL_COUNTER_NAME
};
#define N_CONTROL_COUNTERS (sizeof(control_counter_names) / sizeof(control_counter_names[0]))
_Static_assert(offsetof(struct control_counters, clock_offset_ms) ==
		   N_CONTROL_COUNTERS * sizeof(_Atomic uint64_t),
	       "the control counter block is the unsigned counters, back to back");

/*
 * start: the counters are right before the first round, and readers find
 * them as the "control" block.
 */
static void commit_start(struct control *c)
{
	publish_stats(c);
	c->counters_block = (struct counter_block){ .name = "control",
						    .n = N_CONTROL_COUNTERS,
						    .names = control_counter_names,
						    .values = &c->counters->journal_records };
	if (counter_registry_add(c->counter_registry, &c->counters_block) < 0)
		fprintf(stderr, "leasewired: counters: registry full, \"control\" not listed\n");
}

const struct control_module control_commit_module = {
	.name = "commit",
	.start = commit_start,
	.poll = commit_poll,
};

int control_drain(struct control *c)
{
	int rc;

	while ((rc = control_commit_round(c)) > 0)
		;
	journal_alarm_settle(c, true);
	publish_stats(c);
	return rc < 0 ? rc : 0;
}
