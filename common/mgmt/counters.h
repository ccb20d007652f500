/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-worker counters (STYLE rule 17): one cache-aligned block per worker,
 * plain increments by that worker only, summed by readers (telemetry, shell).
 * 64-bit so nothing wraps in an appliance's lifetime. A reader may see a
 * value a few increments old; that is fine for counters.
 */
#ifndef LW_COUNTERS_H
#define LW_COUNTERS_H

#include <stdalign.h>
#include <stdatomic.h>
#include <stdint.h>

#include "mgmt/drop_reason.h"

// clang-format off
#define COUNTER_LIST(X) \
	X(rx_packets) X(rx_dhcp) X(rx_bootp) X(rx_discover) X(rx_request) X(rx_decline) \
	X(rx_release) X(rx_inform) X(rx_arp) X(rx_icmp) X(rx_steered_in) \
	X(tx_packets) X(tx_offer) X(tx_ack) X(tx_nak) X(tx_bootp_reply) X(tx_inform_ack) \
	X(tx_arp_reply) X(tx_icmp_reply) X(tx_rai_not_echoed) X(steered_out) \
	X(acks_parked) X(acks_released) X(events_sent) X(events_deferred) \
	X(leases_expired) X(offers_expired) X(leases_reclaimed) \
	X(fo_acks_applied) X(fo_acks_stale) \
	X(names_dropped) X(dns_state_applied) X(dns_state_stale) X(reclaims_dns_wait)
// clang-format on

struct worker_counters {
	alignas(64)
#define COUNTER_FIELD(name) uint64_t name;
	    COUNTER_LIST(COUNTER_FIELD)
#undef COUNTER_FIELD
		uint64_t drops[DROP__COUNT];
	/* Gauges the worker updates once per housekeeping round. */
	uint64_t parked_now;
	uint64_t event_ring_used;
};

/*
 * Published by the control thread for readers on other threads; the
 * unsigned ones also as the "control" counter block (counter_block.h).
 */
// clang-format off
#define CONTROL_COUNTER_LIST(X) \
	X(journal_records) X(journal_commits) X(journal_write_errors) \
	X(journal_last_commit_ns) X(journal_bytes) X(journal_generation) X(compactions) \
	X(recovered_leases) X(recovery_ms) \
	X(journal_last_seq)		/* last journal sequence appended */ \
	X(journal_committed_seq)	/* last journal sequence made durable */ \
	X(journal_last_snapshot_unix)	/* 0: no snapshot yet */ \
	X(journal_failing)		/* alarm: 1 while the lease store refuses writes */ \
	X(journal_failing_since_unix)	/* start of the current (or last) failure */ \
	X(journal_records_lost)		/* events not made durable: their ACKs withheld */ \
	X(clock_steps)			/* wall-clock steps seen (lease_clock.h) */
// clang-format on

struct control_counters {
#define CONTROL_COUNTER_FIELD(name) _Atomic uint64_t name;
	CONTROL_COUNTER_LIST(CONTROL_COUNTER_FIELD)
#undef CONTROL_COUNTER_FIELD
	_Atomic int64_t clock_offset_ms; /* wall clock minus lease clock */
};

/*
 * Lease time (lease_clock.h) for a thread that holds no lease clock, such
 * as the shell and telemetry: the wall clock less the offset the control
 * thread last measured. Any thread.
 */
static inline int64_t control_counters_lease_now(const struct control_counters *cc, int64_t wall)
{
	return wall - atomic_load_explicit(&cc->clock_offset_ms, memory_order_relaxed) / 1000;
}

#endif
