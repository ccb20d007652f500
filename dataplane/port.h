/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DPDK port set-up: one RX and one TX queue per worker, RSS when the port
 * has more than one RX queue. Works the same for PCI VFs and for the
 * net_af_packet, net_memif and net_ring vdevs. Start-up thread only.
 */
#ifndef LW_PORT_H
#define LW_PORT_H

#include <stdint.h>

#include <rte_ether.h>
#include <rte_mempool.h>

struct port_setup {
	uint16_t port_id;
	uint16_t n_queues; /* RX queues actually configured (<= workers) */
	uint16_t n_tx_queues; /* TX queues: one per worker */
	struct rte_ether_addr mac;
};

/*
 * Configure and start port_id for n_workers. Returns 0, or negative errno
 * with a reason in err (e.g. the port offers fewer TX queues than workers).
 */
int port_setup(uint16_t port_id, unsigned n_workers, struct rte_mempool *pool,
	       struct port_setup *out, char *err, size_t err_len);

void port_stop(uint16_t port_id);

#endif
