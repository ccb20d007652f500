/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The dataplane's answers to "show interfaces" and "show workers" (and
 * their telemetry twins), through the plain-C table of common/mgmt/status.h so
 * the shell in control/ sees no DPDK type.
 */
#ifndef LW_DP_STATUS_H
#define LW_DP_STATUS_H

#include "mgmt/status.h"
#include "worker.h"

/*
 * Remember the workers (and copy each port's interface name and address,
 * which reload never changes) and return the table. Start-up thread, after
 * the ports are set up; the workers must outlive every reader.
 */
const struct status_ops *dp_status_attach(struct worker *workers, unsigned n_workers);

#endif
