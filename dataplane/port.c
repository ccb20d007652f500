/* SPDX-License-Identifier: BSD-3-Clause */
#include "port.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_ethdev.h>

#define RX_DESC 1024
#define TX_DESC 1024

int port_setup(uint16_t port_id, unsigned n_workers, struct rte_mempool *pool,
	       struct port_setup *out, char *err, size_t err_len)
{
	struct rte_eth_dev_info info;
	struct rte_eth_conf conf;
	int rc;

	if (!rte_eth_dev_is_valid_port(port_id)) {
		snprintf(err, err_len, "port %u does not exist (%u ports probed; check --vdev/-a)",
			 port_id, rte_eth_dev_count_avail());
		return -ENODEV;
	}
	rc = rte_eth_dev_info_get(port_id, &info);
	if (rc < 0) {
		snprintf(err, err_len, "port %u: cannot read device info: %s", port_id,
			 strerror(-rc));
		return rc;
	}
	/* Every worker transmits on its own queue: no lock on the TX path. */
	if (info.max_tx_queues < n_workers) {
		snprintf(err, err_len,
			 "port %u (%s) has %u TX queues but %u workers need one each "
			 "(for net_af_packet add qpairs=%u)",
			 port_id, info.driver_name, info.max_tx_queues, n_workers, n_workers);
		return -EINVAL;
	}
	uint16_t nrx = (uint16_t)RTE_MIN(n_workers, info.max_rx_queues);
	uint16_t ntx = (uint16_t)n_workers;

	memset(&conf, 0, sizeof(conf));
	if (nrx > 1) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf =
		    (RTE_ETH_RSS_IP | RTE_ETH_RSS_UDP) & info.flow_type_rss_offloads;
	}
	rc = rte_eth_dev_configure(port_id, nrx, ntx, &conf);
	if (rc < 0) {
		snprintf(err, err_len, "port %u: configure %u/%u queues: %s", port_id, nrx, ntx,
			 strerror(-rc));
		return rc;
	}
	uint16_t rxd = RX_DESC, txd = TX_DESC;
	rte_eth_dev_adjust_nb_rx_tx_desc(port_id, &rxd, &txd);
	int socket = rte_eth_dev_socket_id(port_id);
	for (uint16_t q = 0; q < nrx; q++) {
		rc = rte_eth_rx_queue_setup(port_id, q, rxd, socket, NULL, pool);
		if (rc < 0) {
			snprintf(err, err_len, "port %u: RX queue %u: %s", port_id, q,
				 strerror(-rc));
			return rc;
		}
	}
	for (uint16_t q = 0; q < ntx; q++) {
		rc = rte_eth_tx_queue_setup(port_id, q, txd, socket, NULL);
		if (rc < 0) {
			snprintf(err, err_len, "port %u: TX queue %u: %s", port_id, q,
				 strerror(-rc));
			return rc;
		}
	}
	rc = rte_eth_dev_start(port_id);
	if (rc < 0) {
		snprintf(err, err_len, "port %u: start: %s", port_id, strerror(-rc));
		return rc;
	}
	rte_eth_macaddr_get(port_id, &out->mac);
	if (rte_is_zero_ether_addr(&out->mac)) {
		/* net_ring and some test PMDs start without an address; ARP
		 * replies and frames from 00:00:00:00:00:00 would be dropped by
		 * every peer, so take a random locally administered one. */
		rte_eth_random_addr(out->mac.addr_bytes);
		if (rte_eth_dev_default_mac_addr_set(port_id, &out->mac) != 0)
			RTE_LOG(WARNING, USER1,
				"port %u: PMD keeps no MAC address; frames "
				"carry " RTE_ETHER_ADDR_PRT_FMT "\n",
				port_id, RTE_ETHER_ADDR_BYTES(&out->mac));
	}
	out->port_id = port_id;
	out->n_queues = nrx;
	out->n_tx_queues = ntx;
	return 0;
}

void port_stop(uint16_t port_id)
{
	rte_eth_dev_stop(port_id);
	rte_eth_dev_close(port_id);
}
