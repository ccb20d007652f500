/* SPDX-License-Identifier: BSD-3-Clause */
#include "journal/compaction.h"

#include <errno.h>
#include <string.h>
#include <time.h>

#include <urcu-qsbr.h>

#include "base/mono_clock.h"

/* Slab entries walked between two quiescent states (a few hundred microseconds). */
#define COMPACTION_CHUNK 4096

static int add_one(const struct lease *l, void *arg)
{
	struct compaction *cp = arg;
	struct lease_image img;

	lease_image_from_lease(&img, l);
	int rc = journal_compact_add(cp->journal, &img);
	if (rc == 0)
		cp->leases++;
	return rc;
}

/* A BACKUP pool address: its ownership record (journal_record.h). */
static int add_backup(uint32_t ip, uint32_t subnet_id, void *arg)
{
	struct compaction *cp = arg;
	struct lease_image img;

	(void)subnet_id;
	lease_image_backup(&img, ip);
	return journal_compact_add(cp->journal, &img);
}

/*
 * Every record published when the walk reaches it goes into the snapshot.
 * Records that change during the walk are in the new generation's journal
 * too, which recovery replays after the snapshot, so the walk need not be
 * an atomic picture (lease_table_walk_chunk).
 */
static void *compaction_main(void *arg)
{
	struct compaction *cp = arg;
	size_t cursor = 0;
	int rc = 0;

	rcu_register_thread();
	while (rc == 0 &&
	       lease_table_walk_chunk(cp->table, &cursor, COMPACTION_CHUNK, add_one, cp, &rc))
		rcu_quiescent_state();
	/*
	 * Then failover ownership, which is in no record: one BACKUP record
	 * per address so marked. A change during this walk is in the new
	 * journal too, as for the records.
	 */
	if (rc == 0)
		rc = lease_table_walk_backup(cp->table, add_backup, cp);
	rcu_thread_offline();
	/* On an error the journal already dropped the snapshot; finish reports it. */
	int frc = journal_compact_finish(cp->journal);
	cp->rc = rc ? rc : frc;
	rcu_unregister_thread();
	atomic_store_explicit(&cp->done, true, memory_order_release);
	return NULL;
}

int compaction_start(struct compaction *cp, struct journal *j, struct lease_table *table)
{
	if (cp->running)
		return -EBUSY;
	int rc = journal_compact_begin(j);
	if (rc < 0)
		return rc;
	cp->journal = j;
	cp->table = table;
	cp->rc = 0;
	cp->leases = 0;
	cp->elapsed_ns = 0;
	cp->start_ns = (uint64_t)mono_clock_ns();
	atomic_store_explicit(&cp->done, false, memory_order_relaxed);
	rc = pthread_create(&cp->thread, NULL, compaction_main, cp);
	if (rc != 0) {
		/* The generation moved on; give the snapshot up (recovery reads both journals). */
		journal_compact_abort(j);
		return -rc;
	}
	cp->running = true;
	return 0;
}

bool compaction_poll(struct compaction *cp)
{
	if (!cp->running || !atomic_load_explicit(&cp->done, memory_order_acquire))
		return false;
	pthread_join(cp->thread, NULL);
	cp->running = false;
	cp->elapsed_ns = (uint64_t)mono_clock_ns() - cp->start_ns;
	return true;
}

void compaction_wait(struct compaction *cp)
{
	if (!cp->running)
		return;
	pthread_join(cp->thread, NULL);
	cp->running = false;
	cp->elapsed_ns = (uint64_t)mono_clock_ns() - cp->start_ns;
}
