/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Compaction as seen from the control thread (control_compact.h): its own
 * file so that the mailbox, which starts one for "journal compact", calls
 * down into it and never into control.c's loop. It calls down into
 * control.c only: the commit round, while it waits for a snapshot.
 */
#include "control_compact.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "control.h"

int control_compact_start(struct control *c)
{
	int rc = compaction_start(&c->compaction, c->journal, c->table);
	if (rc < 0 && rc != -EBUSY)
		fprintf(stderr, "leasewired: journal: compaction not started: %s\n", strerror(-rc));
	control_publish_stats(c);
	return rc;
}

bool control_compact_poll(struct control *c)
{
	struct compaction *cp = &c->compaction;

	if (!compaction_poll(cp))
		return false;
	if (cp->rc == 0) {
		c->last_snapshot_unix = time(NULL);
		atomic_fetch_add_explicit(&c->counters->compactions, 1, memory_order_relaxed);
		fprintf(stderr,
			"leasewired: journal: compacted %llu leases in %.1f ms (commits went on "
			"meanwhile)\n",
			(unsigned long long)cp->leases, (double)cp->elapsed_ns / 1e6);
	} else {
		fprintf(stderr,
			"leasewired: journal: compaction failed: %s; the journals stay and "
			"recovery reads them all\n",
			strerror(-cp->rc));
	}
	control_publish_stats(c);
	return true;
}

/* Keep committing while the snapshot is written, until it is done. */
static void compact_finish_committing(struct control *c)
{
	while (c->compaction.running && !control_compact_poll(c)) {
		if (control_commit_round(c) <= 0)
			usleep(CONTROL_IDLE_SLEEP_US);
	}
}

int control_compact(struct control *c)
{
	int rc = control_compact_start(c);
	if (rc < 0)
		return rc;
	compact_finish_committing(c);
	return c->compaction.rc;
}

/*
 * After the commit round: a snapshot every snapshot_every records (0:
 * never). Read each time, as it is the same value for the whole run: a
 * reload keeps the lease_store section the daemon started with.
 */
static void compaction_poll_module(struct control *c)
{
	uint32_t snapshot_every = c->cfg->lease_store.snapshot_every;

	control_compact_poll(c);
	struct journal_stats js;
	journal_get_stats(c->journal, &js);
	if (snapshot_every && !c->compaction.running && js.records_since_snapshot >= snapshot_every)
		control_compact_start(c);
}

const struct control_module control_compaction_module = {
	.name = "compaction",
	.poll = compaction_poll_module,
	.stop = compact_finish_committing,
};
