/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DPDK telemetry endpoints for leasewire, so dpdk-telemetry.py, the tests
 * and monitoring read the same numbers:
 *   /leasewire/stats          counters summed over workers, every drop reason by name
 *   /leasewire/leases         record counts by state and a sample
 *   /leasewire/lease,<ip>     one lease, whole record
 * Callbacks run on DPDK's telemetry thread as short-lived RCU readers.
 */
#ifndef LW_TELEMETRY_H
#define LW_TELEMETRY_H

#include "mgmt/counters.h"
#include "lease/lease_table.h"
#include "mgmt/status.h"
#include "worker.h"

struct fo_status_board;

/* Register the endpoints; the pointers must outlive the process's telemetry. Start-up only. */
struct counter_registry;

int telemetry_register(struct worker *workers, unsigned n_workers, struct lease_table *table,
		       const struct control_counters *control);

/*
 * Register the telemetry twins of the shell's "show" commands: version,
 * uptime, running_config, interfaces, workers, statistics, pools, journal,
 * and counters (every block of the registry, counter_block.h).
 * live is the RCU-published config snapshot. Start-up only.
 */
/*
 * What /leasewire/ddns shows: a function writing the DNS update module's
 * "show ddns" text (ddns_show) and its argument; NULL: none. The
 * dataplane floor does not include the control floor's headers.
 */
void telemetry_set_ddns(size_t (*show)(void *arg, char *buf, size_t cap), void *arg);

int telemetry_register_views(const struct status_ops *status, struct config_snapshot **live,
			     int64_t started_unix, const struct counter_registry *counters,
			     struct fo_status_board *failover /* NULL: standalone */);

/* Make every endpoint answer -ENODEV from now on; returns once no callback
 * is still reading. Call before freeing what telemetry_register was given. */
void telemetry_detach(void);

#endif
