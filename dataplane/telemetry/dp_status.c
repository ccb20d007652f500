/* SPDX-License-Identifier: BSD-3-Clause */
#include "telemetry/dp_status.h"

#include <stdio.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_version.h>

static struct worker *st_workers;
static unsigned st_lcores[RTE_MAX_LCORE];
static struct port_status st_ports[WORKER_MAX_PORTS]; /* the parts fixed at start-up */
static struct status_ops st_ops;

static int port_status(unsigned idx, struct port_status *out)
{
	struct rte_eth_stats s;
	struct rte_eth_link link;
	struct rte_eth_dev_info info;

	if (idx >= st_ops.n_ports)
		return -EINVAL;
	*out = st_ports[idx];
	if (rte_eth_link_get_nowait(out->port_id, &link) == 0) {
		out->link_up = link.link_status == RTE_ETH_LINK_UP;
		out->full_duplex = link.link_duplex == RTE_ETH_LINK_FULL_DUPLEX;
		out->speed_mbps = link.link_speed;
	}
	if (rte_eth_dev_info_get(out->port_id, &info) == 0)
		snprintf(out->driver, sizeof(out->driver), "%s", info.driver_name);
	if (rte_eth_stats_get(out->port_id, &s) == 0) {
		out->ipackets = s.ipackets;
		out->opackets = s.opackets;
		out->ibytes = s.ibytes;
		out->obytes = s.obytes;
		out->ierrors = s.ierrors;
		out->oerrors = s.oerrors;
		out->imissed = s.imissed;
		out->rx_nombuf = s.rx_nombuf;
	}
	return 0;
}

static void worker_status(unsigned idx, struct worker_status *out)
{
	const struct worker *w = &st_workers[idx];

	memset(out, 0, sizeof(*out));
	out->id = idx;
	out->lcore = st_lcores[idx];
	out->rx_packets = w->ctr.rx_packets;
	out->tx_packets = w->ctr.tx_packets;
	out->rx_dhcp = w->ctr.rx_dhcp;
	out->steer_ring_used = rte_ring_count(w->steer_in);
	out->steer_ring_size = rte_ring_get_capacity(w->steer_in);
	out->event_ring_used = spsc_ring_count(w->to_control);
	out->event_ring_size = spsc_ring_capacity(w->to_control);
	if (w->cmds) {
		out->cmd_ring_used = spsc_ring_count(w->cmds->ring);
		out->cmd_ring_size = spsc_ring_capacity(w->cmds->ring);
	}
	out->parked_now = w->ctr.parked_now;
	/* Racy read of two owner-written indices: a gauge, fine for display. */
	out->event_backlog = w->backlog_head - w->backlog_tail;
}

static const struct worker_counters *worker_counters_of(unsigned idx)
{
	return &st_workers[idx].ctr;
}

const struct status_ops *dp_status_attach(struct worker *workers, unsigned n_workers)
{
	unsigned lcore, w = 0;

	st_workers = workers;
	/* Same order main uses to launch them. */
	RTE_LCORE_FOREACH_WORKER(lcore)
	{
		if (w < n_workers)
			st_lcores[w++] = lcore;
	}
	st_ops.n_workers = n_workers;
	st_ops.n_ports = n_workers ? workers[0].n_ports : 0;
	for (unsigned p = 0; p < st_ops.n_ports; p++) {
		const struct worker_port *wp = &workers[0].ports[p];
		struct port_status *ps = &st_ports[p];
		ps->port_id = wp->port_id;
		snprintf(ps->name, sizeof(ps->name), "%s", wp->iface ? wp->iface->name : "?");
		snprintf(ps->mac, sizeof(ps->mac), RTE_ETHER_ADDR_PRT_FMT,
			 RTE_ETHER_ADDR_BYTES(&wp->mac));
		ps->address = wp->iface ? wp->iface->address : 0;
		ps->prefix_len = wp->iface ? wp->iface->prefix_len : 0;
		/* Each worker polls at most one RX queue of a port and owns one TX queue. */
		for (unsigned i = 0; i < n_workers; i++) {
			ps->n_rxq += workers[i].ports[p].rx_queue != UINT16_MAX;
			ps->n_txq++;
		}
	}
	st_ops.dpdk_version = rte_version();
	st_ops.port = port_status;
	st_ops.worker = worker_status;
	st_ops.counters = worker_counters_of;
	return &st_ops;
}
