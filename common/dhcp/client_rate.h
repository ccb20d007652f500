/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-client packet rate limit: one client (client key hash) flooding the
 * server must not take the worker from everybody else (reliability.md
 * S02). A fixed table of GCRA token buckets (ITU-T I.371 "virtual
 * scheduling", the same limit as a token bucket of `burst` tokens refilled
 * at `pps` per second), four ways per 64-byte set, keyed by the client key
 * hash. No allocation, no lock, no system call: one table per worker, and
 * each client is owned by exactly one worker (DESIGN.md sec 3).
 *
 * A new client takes the way whose bucket is the most refilled. A bucket
 * that is full again carries no state, so replacing it forgets nothing; a
 * flooder's bucket is empty and stays put while a million distinct
 * clients (the pipeline benchmark) stream past it.
 *
 * Pure code (no DPDK); time is any monotonic tick counter (the TSC) with
 * its rate given to client_rate_configure().
 */
#ifndef LW_CLIENT_RATE_H
#define LW_CLIENT_RATE_H

#include <stdalign.h>
#include <stdbool.h>
#include <stdint.h>

#define CLIENT_RATE_WAYS 4u
#define CLIENT_RATE_SETS 4096u /* power of two: 16384 clients tracked, 256 KiB */

struct client_rate_entry {
	uint64_t tat; /* theoretical arrival time, ticks; 0 = unused */
	uint32_t hash; /* client key hash */
	uint32_t pad;
};

struct client_rate_set {
	alignas(64) struct client_rate_entry way[CLIENT_RATE_WAYS];
};

struct client_rate {
	/* What the limits were computed from; a change recomputes them. */
	uint32_t pps, burst;
	uint64_t hz;
	uint64_t cost; /* ticks one packet takes from the bucket (hz / pps) */
	uint64_t tolerance; /* ticks of credit a full bucket holds ((burst - 1) * cost) */
	struct client_rate_set set[CLIENT_RATE_SETS];
};

/*
 * Set the limit: pps packets per second per client with bursts of up to
 * burst packets (burst < 1 counts as 1); pps 0 turns the limit off. hz is
 * the tick rate of the `now` values given to client_rate_allow(). Keeps
 * the table when nothing changed, so it may be called per packet. Owner
 * worker only.
 */
void client_rate_configure(struct client_rate *cr, uint32_t pps, uint32_t burst, uint64_t hz);

/*
 * Account one packet of client `hash` at tick `now` (monotonic). Returns
 * true when it is within the limit (or the limit is off), false when the
 * client is over it and the packet must be dropped. Owner worker only.
 */
bool client_rate_allow(struct client_rate *cr, uint32_t hash, uint64_t now);

/* The limit as configured, then the verdict: the worker's one-line hook. */
static inline bool client_rate_check(struct client_rate *cr, uint32_t pps, uint32_t burst,
				     uint64_t hz, uint32_t hash, uint64_t now)
{
	if (pps != cr->pps || burst != cr->burst || hz != cr->hz)
		client_rate_configure(cr, pps, burst, hz);
	return client_rate_allow(cr, hash, now);
}

#endif
