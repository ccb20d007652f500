/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Compaction without stopping the world (DESIGN.md sec 4): the control
 * thread starts a new journal generation (journal_compact_begin, quick),
 * and a thread of its own walks the lease table in chunks and writes and
 * fsyncs the snapshot, while the control thread goes on committing rounds
 * so parked ACKs keep leaving. The walk passes a quiescent state between
 * chunks, so grace periods (and the workers' slab refills) never wait for
 * a walk over millions of leases.
 *
 * Why a thread and not steps of the control loop: the snapshot's fsync
 * alone can take longer than ack-timeout-ms on a big store, and nothing
 * may hold up a group commit that long.
 *
 * Between compaction_start and the compaction_poll that reports it done,
 * only the compaction thread touches the journal's snapshot state; the
 * control thread keeps to appends and commits (journal.h).
 */
#ifndef LW_COMPACTION_H
#define LW_COMPACTION_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "journal/journal.h"
#include "lease/lease_table.h"

struct compaction {
	struct journal *journal;
	struct lease_table *table;
	pthread_t thread;
	bool running; /* control: started and not yet joined */
	_Atomic bool done; /* compaction thread: set last, after rc and leases */
	int rc; /* 0 or -errno; compaction thread, read by control after done */
	uint64_t leases; /* records written into the snapshot */
	uint64_t start_ns; /* CLOCK_MONOTONIC at start */
	uint64_t elapsed_ns; /* set by compaction_poll */
};

/*
 * Start one: a new generation now, the snapshot on the compaction thread.
 * Returns 0, -EBUSY while one runs, or -errno (nothing started; the
 * generation did not change). Control thread only; may block briefly
 * (a commit and a directory fsync).
 */
int compaction_start(struct compaction *cp, struct journal *j, struct lease_table *table);

/*
 * true once the running compaction has ended (the thread is joined; the
 * result is in cp->rc, cp->leases, cp->elapsed_ns); false while it runs or
 * when none runs. Control thread only; never blocks.
 */
bool compaction_poll(struct compaction *cp);

/* Wait for the running compaction, if any, to end. Control thread only. */
void compaction_wait(struct compaction *cp);

#endif
