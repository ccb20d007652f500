/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A dataplane worker: one per lcore, poll mode (DESIGN.md sec 3). It owns
 * one RX queue and one TX queue per port, a shard of clients, its lease
 * slab and its counters. It talks to other threads only through rings:
 *   steer_in        other workers -> this worker (mbufs of its clients)
 *   to_control      this worker -> control thread (binding-change events)
 *   cmds            control thread -> this worker (worker_cmd.h: clear, import, reload)
 * and reads committed_seq, which the control thread publishes once the
 * journal has the events on disk.
 */
#ifndef LW_WORKER_H
#define LW_WORKER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include "dhcp/client_rate.h"
#include "config/config.h"
#include "mgmt/counters.h"
#include "dhcp/dhcp_server.h"
#include "failover/failover_view.h"
#include "lease/lease_clock.h"
#include "base/spsc_ring.h"
#include "mgmt/worker_cmd.h"

#define WORKER_MAX_PORTS 8
#define WORKER_BURST 32
#define WORKER_PARK_SLOTS 8192 /* ACKs waiting for the journal */
#define WORKER_EVENT_BACKLOG 4096 /* events waiting for room on to_control */

struct worker_port {
	uint16_t port_id;
	uint16_t rx_queue; /* UINT16_MAX: this worker polls no queue of this port */
	uint16_t tx_queue;
	struct rte_ether_addr mac;
	const struct cfg_interface *iface;
};

struct parked_ack {
	struct rte_mbuf *m;
	uint64_t seq;
	uint64_t deadline_tsc;
};

/* What the control thread publishes to one worker. */
struct worker_commit {
	alignas(64) _Atomic uint64_t committed_seq; /* control: rw, worker: ro */
	_Atomic uint64_t failed_seq; /* control: rw; seq <= this may have been lost */
};

struct worker {
	/* Set up before launch, read-only afterwards. */
	unsigned id;
	unsigned n_workers;
	struct worker_port ports[WORKER_MAX_PORTS];
	unsigned n_ports;
	struct rte_mempool *pool;
	struct rte_ring *steer_in; /* MP/SC: any worker -> this one */
	struct rte_ring **steer_rings; /* every worker's steer_in, by worker id */
	struct spsc_ring *to_control; /* this worker -> control */
	struct worker_cmd_queue *cmds; /* control -> this worker; NULL in benchmarks */
	struct worker_commit *commit;
	struct failover_view **view; /* RCU pointer, swapped by control */
	const _Atomic bool *stop;
	uint64_t ack_timeout_tsc;
	bool wait_for_commit; /* false for durability "none" */
	/* The process's lease clock (lease_clock.h); NULL only in benchmarks and fuzzing (wall clock). */
	const struct lease_clock *clock;

	/* Owned by the worker thread. */
	struct dhcp_server srv;
	int64_t now; /* lease clock, unix seconds, refreshed by housekeeping */
	uint64_t tsc_hz;
	size_t scan_cursor;
	size_t reclaim_cursor; /* position in this worker's record slab */
	uint32_t park_head, park_tail;
	struct parked_ack park[WORKER_PARK_SLOTS];
	uint64_t alarm_last_tsc;
	uint64_t alarm_seen[8];
	uint32_t backlog_head, backlog_tail;
	struct lease_event backlog[WORKER_EVENT_BACKLOG];
	struct client_rate rate; /* per-client packet rate limit */

	/* worker: rw, readers (telemetry): ro. */
	struct worker_counters ctr;
};

/* Start the worker's clock; called by worker_main, or by a benchmark driving the worker itself. */
void worker_prepare(struct worker *w);

/* After a burst: hand events to control, release durable ACKs, transmit. Owner only. */
void worker_after_burst(struct worker *w);

/* Clock refresh, incremental expiry scan, gauges; every few hundred iterations. Owner only. */
void worker_housekeeping(struct worker *w);

/* lcore entry point; arg is a struct worker. Returns 0 when *stop is set. */
int worker_main(void *arg);

/*
 * Process one received frame on this worker (used by worker_main and by the
 * pipeline benchmark). Takes ownership of m. Owner worker only.
 */
void worker_handle_mbuf(struct worker *w, struct rte_mbuf *m);

/* The same for a burst of n frames, prefetching each next frame's headers. Owner only. */
void worker_handle_burst(struct worker *w, struct rte_mbuf **pkts, unsigned n);

/* Release parked ACKs that are now durable and drop those past their deadline. */
void worker_flush_parked(struct worker *w);

/* Push queued events to the control ring. */
void worker_flush_events(struct worker *w);

/*
 * Apply the control thread's commands (worker_cmd.c), a few per call and
 * only while every earlier event has reached to_control, so the events they
 * make stay in sequence order. Owner only; no RCU pointer held across it.
 */
void worker_cmd_poll(struct worker *w);

#endif
