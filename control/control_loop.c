/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control loop (control_run): it knows no module by name, it runs the
 * table of control_modules.c. One iteration, with today's table:
 *
 *   1. mailbox     advance the shell request at the head of the queue
 *   2. clock       once a second: has the wall clock stepped?
 *   3. commit      one group commit; sleep 50 us when idle, 1 ms on failure
 *   4. compaction  end a finished snapshot; start one every snapshot_every
 *
 * then *stop is read again. On stop: compaction commits rounds until its
 * snapshot is written, then the mailbox answers what is queued -ESHUTDOWN
 * (stop hooks run in reverse table order, control_module.h).
 */
#include "control.h"

#include <time.h>

#include "base/mono_clock.h"
#include "control_module.h"

/* Run a module's due timers; last[] starts at 0, so each is due in the first iteration. */
static void run_timers(struct control *c, const struct control_module *m, int64_t *last)
{
	int64_t mono = 0;

	for (unsigned t = 0; t < CONTROL_MODULE_MAX_TIMERS && m->timers[t].period_ns; t++) {
		if (!mono)
			mono = mono_clock_ns();
		if (mono - last[t] < m->timers[t].period_ns)
			continue;
		last[t] = mono;
		m->timers[t].fn(c);
	}
}

int control_run(struct control *c)
{
	/* When each timer last ran: control thread only, so on its stack. */
	int64_t last[CONTROL_MAX_MODULES][CONTROL_MODULE_MAX_TIMERS] = { { 0 } };
	unsigned n;
	const struct control_module *const *mods = control_modules(&n);

	for (unsigned i = 0; i < n; i++)
		if (mods[i]->start)
			mods[i]->start(c);
	while (!atomic_load_explicit(c->stop, memory_order_acquire)) {
		for (unsigned i = 0; i < n; i++) {
			if (mods[i]->poll)
				mods[i]->poll(c);
			run_timers(c, mods[i], last[i]);
		}
	}
	for (unsigned i = n; i-- > 0;)
		if (mods[i]->stop)
			mods[i]->stop(c);
	return 0;
}
