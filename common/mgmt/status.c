/* SPDX-License-Identifier: BSD-3-Clause */
#include "mgmt/status.h"

#include <string.h>

void status_sum_counters(const struct status_ops *ops, struct worker_counters *sum)
{
	memset(sum, 0, sizeof(*sum));
	for (unsigned w = 0; w < ops->n_workers; w++) {
		const struct worker_counters *c = ops->counters(w);
#define COUNTER_SUM(name) sum->name += c->name;
		COUNTER_LIST(COUNTER_SUM)
#undef COUNTER_SUM
		for (unsigned r = 0; r < DROP__COUNT; r++)
			sum->drops[r] += c->drops[r];
		sum->parked_now += c->parked_now;
		sum->event_ring_used += c->event_ring_used;
	}
}
