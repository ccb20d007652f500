/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control thread (DESIGN.md sec 3, 4): the only consumer of the
 * workers' binding-change events and the only writer of the journal. It
 * group-commits whatever the workers produced since the last commit, then
 * publishes each worker's committed sequence so parked ACKs can leave.
 * No DPDK here: workers and control meet through spsc_ring and atomics.
 */
#ifndef LW_CONTROL_H
#define LW_CONTROL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "journal/compaction.h"
#include "config/config.h"
#include "mgmt/counter_block.h"
#include "mgmt/counters.h"
#include "journal/journal.h"
#include "lease/lease_clock.h"
#include "lease/lease_table.h"
#include "base/spsc_ring.h"
#include "mgmt/status.h"
#include "mgmt/worker_cmd.h"
#include "control_module.h"

#define CONTROL_MAX_WORKERS 128
/* An idle commit round sleeps this long, so the thread does not spin on empty rings. */
#define CONTROL_IDLE_SLEEP_US 50

/* What control publishes to one worker; layout shared with dataplane/worker.h. */
struct control_commit_slot {
	_Atomic uint64_t *committed_seq;
	_Atomic uint64_t *failed_seq;
};

/* A failing lease store, while it fails (control thread only). */
struct fo_session;
struct ddns_ctl;

struct control_journal_alarm {
	int64_t since; /* unix secs of the first failure */
	int64_t last_log; /* unix secs of the last log line */
	uint64_t failures; /* commit rounds failed */
	uint64_t lost; /* events whose records did not become durable */
	int64_t ok_since; /* unix secs commits succeed again; 0 while failing or idle */
};

struct control {
	const struct lw_config *cfg; /* the live one; reload swaps it (control thread) */
	struct journal *journal;
	struct lease_table *table;
	unsigned n_workers;
	struct spsc_ring **from_workers; /* worker i -> control */
	struct control_commit_slot *commit; /* per worker */
	struct control_counters *counters;
	const _Atomic bool *stop;

	/* Shell requests (control_cmd.c); all NULL when no shell runs. */
	struct control_mailbox *mailbox;
	struct worker_cmd_queue *to_workers; /* [n_workers], control -> worker */
	struct config_snapshot **live; /* RCU pointer: control writes, shell/telemetry read */
	const struct status_ops *status;
	int64_t last_snapshot_unix; /* control thread only */
	struct lease_clock *clock; /* the lease clock; control checks it for wall-clock steps */
	struct compaction compaction; /* control thread only (see compaction.h) */
	struct control_journal_alarm alarm; /* control thread only */
	/*
	 * Where control modules register their counter blocks (start hook);
	 * the shell and telemetry list them. NULL: nobody reads them (tests).
	 */
	struct counter_registry *counter_registry;
	struct counter_block counters_block; /* the "control" block: *counters */
	/*
	 * Commit rounds that took every event the rings held when they began
	 * (an event in a ring before such a round started is durable once
	 * it ends), and rounds that failed: a module that must know when a
	 * worker's record is on disk (a BNDACK) watches both.
	 */
	uint64_t rounds_drained;
	uint64_t round_failures;
	struct fo_session *failover; /* NULL without a failover relationship */
	struct ddns_ctl *ddns; /* NULL without DNS updates (ddns/ddns.h) */
	/*
	 * A module that has work for the next pass right away (failover
	 * updates in flight) sets it, and the commit round then does not take
	 * its idle sleep. Control thread only; modules set it each pass.
	 */
	bool busy;
};

/*
 * Run the control loop until *stop is set: every control module of
 * control_modules.c, in order, each iteration (control_loop.c). Control
 * thread only; the caller has registered it as a QSBR reader and put it
 * offline: it goes online only while it walks the table for compaction.
 * Returns 0.
 */
int control_run(struct control *c);

/*
 * After the workers have stopped: commit everything left in the rings.
 * Returns 0, or negative errno if the final commit failed.
 */
int control_drain(struct control *c);

/*
 * Drain the rings once and commit (one group commit), then publish each
 * worker's committed sequence. When the journal cannot take the round
 * (a failed write, ENOSPC, EIO at fdatasync), every event taken in it is
 * published as failed as well, so none of their parked ACKs leaves; the
 * events still in the rings wait for the next round, and the journal
 * alarm (counters, one rate-limited log line) stays raised until a round
 * commits. Returns the number of events committed or negative errno.
 * Control thread only; also used by the pipeline benchmark and tests.
 */
int control_commit_round(struct control *c);

/* Publish the journal counters (control_counters). Control thread only. */
void control_publish_stats(struct control *c);

/* The commit round as a control module (control_modules.c). */
extern const struct control_module control_commit_module;

#endif
