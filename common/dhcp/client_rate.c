/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include "dhcp/client_rate.h"

/* log2(CLIENT_RATE_SETS) */
#define SET_BITS 12u
_Static_assert(1u << SET_BITS == CLIENT_RATE_SETS, "SET_BITS matches CLIENT_RATE_SETS");
_Static_assert(sizeof(struct client_rate_set) == 64, "one set is one cache line");

void client_rate_configure(struct client_rate *cr, uint32_t pps, uint32_t burst, uint64_t hz)
{
	if (pps == cr->pps && burst == cr->burst && hz == cr->hz)
		return;
	cr->pps = pps;
	cr->burst = burst;
	cr->hz = hz;
	cr->cost = pps && hz / pps ? hz / pps : 1;
	cr->tolerance = (uint64_t)(burst > 1 ? burst - 1 : 0) * cr->cost;
	/* Buckets measured against the old limit mean nothing under the new one. */
	memset(cr->set, 0, sizeof(cr->set));
}

bool client_rate_allow(struct client_rate *cr, uint32_t hash, uint64_t now)
{
	if (!cr->pps)
		return true;
	/*
	 * Fibonacci hashing picks the set from the top bits: the shard already
	 * used the low ones (client_key_shard()), so on one worker they vary
	 * less than the rest.
	 */
	struct client_rate_set *s = &cr->set[(uint32_t)(hash * 0x9e3779b1u) >> (32u - SET_BITS)];
	struct client_rate_entry *e = NULL, *victim = &s->way[0];

	for (unsigned i = 0; i < CLIENT_RATE_WAYS; i++) {
		struct client_rate_entry *x = &s->way[i];

		if (x->tat && x->hash == hash) {
			e = x;
			break;
		}
		if (x->tat < victim->tat)
			victim = x;
	}
	if (!e) {
		/* A new client starts with a full bucket. */
		victim->hash = hash;
		victim->tat = now + cr->cost;
		return true;
	}
	/*
	 * GCRA: the packet conforms unless the bucket's debt (how far its
	 * theoretical arrival time runs ahead of now) exceeds the burst.
	 */
	uint64_t tat = e->tat > now ? e->tat : now;

	if (tat - now > cr->tolerance)
		return false;
	e->tat = tat + cr->cost;
	return true;
}
