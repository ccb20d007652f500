/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the dataplane tells the shell and telemetry about itself, in plain
 * structs: control/ sees no DPDK type, so dataplane/telemetry/dp_status.c fills these
 * and hands the shell a table of functions (DESIGN.md sec 2).
 */
#ifndef LW_STATUS_H
#define LW_STATUS_H

#include <stdbool.h>
#include <stdint.h>

#include "mgmt/counters.h"

struct port_status {
	uint16_t port_id;
	char name[32]; /* config interface name */
	char driver[32];
	char mac[18];
	uint32_t address; /* server address, host order */
	uint8_t prefix_len;
	bool link_up;
	bool full_duplex;
	uint32_t speed_mbps;
	uint16_t n_rxq, n_txq;
	uint64_t ipackets, opackets, ibytes, obytes, ierrors, oerrors, imissed, rx_nombuf;
};

struct worker_status {
	unsigned id;
	unsigned lcore;
	uint64_t rx_packets, tx_packets, rx_dhcp;
	uint32_t steer_ring_used, steer_ring_size; /* other workers -> this one */
	uint32_t event_ring_used, event_ring_size; /* this one -> control */
	uint32_t cmd_ring_used, cmd_ring_size; /* control -> this one */
	uint64_t parked_now; /* ACKs waiting for the journal */
	uint64_t event_backlog; /* events waiting for room on the event ring */
};

/* Any thread; the functions read counters and DPDK port state only. */
struct status_ops {
	unsigned n_workers;
	unsigned n_ports;
	const char *dpdk_version;
	int (*port)(unsigned idx, struct port_status *out); /* 0 or -errno */
	void (*worker)(unsigned idx, struct worker_status *out);
	const struct worker_counters *(*counters)(unsigned idx);
};

/*
 * The configuration in force, published through an RCU pointer by the
 * control thread (the only writer) and read by the shell and telemetry.
 * Immutable once published: reload builds a new one, swaps the pointer and
 * frees the old one after a grace period.
 */
struct config_snapshot {
	struct lw_config *cfg;
	char *text_masked; /* the JSON it came from, secrets replaced by "********" */
	char source[256]; /* file path, or "(lab)" */
	int64_t loaded_unix;
	uint64_t generation; /* 1 at start, +1 per successful reload */
};

/* Every worker's counters summed (readers may see values a few increments old). */
void status_sum_counters(const struct status_ops *ops, struct worker_counters *sum);

#endif
