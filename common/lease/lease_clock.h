/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The one clock lease times are measured in (cltt, expiry, probation,
 * reclaim): the wall clock read once at start, plus the monotonic time
 * elapsed since. Every worker, recovery and the views read this same
 * clock, so workers cannot drift apart, and a step of the wall clock
 * (NTP, an operator's `date`) while the daemon runs does not move any
 * lease: a client counts its lease in elapsed time, and so does the
 * server. NTP's slewing still reaches it (CLOCK_MONOTONIC is slewed).
 *
 * The control thread compares it with the wall clock (lease_clock_check)
 * and reports steps: counted, the offset shown, one log line each. The
 * offset lasts until the next restart, which anchors to the wall clock
 * of that moment (README, "Durability": time).
 */
#ifndef LW_LEASE_CLOCK_H
#define LW_LEASE_CLOCK_H

#include <stdatomic.h>
#include <stdint.h>

/* Where time comes from; tests substitute a clock they can step. */
struct lease_clock_source {
	int64_t (*mono_ns)(void *arg); /* never steps */
	int64_t (*wall_ns)(void *arg); /* unix time; may step */
	void *arg;
};

struct lease_clock {
	/* Set by lease_clock_init, read-only afterwards: any thread. */
	struct lease_clock_source src;
	int64_t anchor_wall_ns;
	int64_t anchor_mono_ns;
	/* control: rw (lease_clock_check), readers: relaxed loads. */
	_Atomic int64_t offset_ns; /* wall clock minus lease clock at the last check */
	_Atomic uint64_t steps; /* wall clock steps seen since start */
};

#define LEASE_CLOCK_STEP_NS 1000000000ll /* a jump of more than 1 s is a step */

/* Anchor to the source's wall clock now (src NULL: the system's). Start-up thread. */
void lease_clock_init(struct lease_clock *c, const struct lease_clock_source *src);

/* Lease time in ns / in unix seconds. Any thread; no lock, no system call (vDSO). */
int64_t lease_clock_now_ns(const struct lease_clock *c);
int64_t lease_clock_now(const struct lease_clock *c);

/*
 * Compare with the wall clock. Returns how far the wall clock jumped since
 * the last check when that is more than step_ns (and counts a step), else
 * 0; the offset is updated either way, so slow drift shows without being
 * called a step. Control thread only.
 */
int64_t lease_clock_check(struct lease_clock *c, int64_t step_ns);

#endif
