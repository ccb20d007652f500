/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The wall-clock step check (control_clock.h), out of the loop so that the
 * loop only runs modules and a new periodic job needs no edit of it.
 */
#include "control_clock.h"

#include <stdio.h>

#include "control.h"

#define CLOCK_CHECK_EVERY_NS 1000000000ll

/*
 * Has the wall clock stepped? Lease times do not follow a step
 * (lease_clock.h); say so once per step, with the offset that now
 * separates lease times from the wall clock.
 */
static void check_clock(struct control *c)
{
	if (!c->clock)
		return;
	int64_t jump = lease_clock_check(c->clock, LEASE_CLOCK_STEP_NS);
	int64_t offset = atomic_load_explicit(&c->clock->offset_ns, memory_order_relaxed);
	atomic_store_explicit(&c->counters->clock_steps,
			      atomic_load_explicit(&c->clock->steps, memory_order_relaxed),
			      memory_order_relaxed);
	atomic_store_explicit(&c->counters->clock_offset_ms, offset / 1000000,
			      memory_order_relaxed);
	if (jump)
		fprintf(stderr,
			"leasewired: clock: the wall clock stepped by %+.3f s; lease times keep "
			"counting elapsed time and now differ from the wall clock by %+.3f s "
			"(until the next restart, which takes the wall clock again)\n",
			(double)jump / 1e9, (double)offset / 1e9);
}

const struct control_module control_clock_module = {
	.name = "clock",
	.timers = { { CLOCK_CHECK_EVERY_NS, check_clock } },
};
