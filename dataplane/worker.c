/* SPDX-License-Identifier: BSD-3-Clause */
#include "worker.h"

#include <inttypes.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_log.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>

#include <urcu-qsbr.h>

#include "dhcp/client_key.h"
#include "dhcp/client_rate.h"
#include "dhcp/dhcp_msg.h"
#include "wire/frame.h"

#define HOUSEKEEPING_EVERY 256u /* loop iterations between clock/expiry/gauge rounds */
#define EXPIRY_SCAN_BUDGET 128u /* address slots looked at per housekeeping round */
#define RECLAIM_SCAN_BUDGET 256u /* slab records looked at per housekeeping round */
#define BROADCAST_IP 0xffffffffu
/* Largest reply frame: a full DHCP payload behind Ethernet, two VLAN tags, IPv4 and UDP. */
#define REPLY_FRAME_MAX (DHCP_MAX_PAYLOAD + 28u + 14u + 4u * FRAME_MAX_VLANS)

static const uint8_t broadcast_mac[ETH_ALEN] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

/* Per-worker transmit buffers, flushed once per burst (owner only). */
struct tx_buffer {
	uint16_t n;
	struct rte_mbuf *pkts[WORKER_BURST * 2];
};
static RTE_DEFINE_PER_LCORE(struct tx_buffer, tx_buf[WORKER_MAX_PORTS]);

static inline void drop(struct worker *w, struct rte_mbuf *m, enum drop_reason reason)
{
	w->ctr.drops[reason]++;
	rte_pktmbuf_free(m);
}

static struct worker_port *port_of(struct worker *w, uint16_t port_id, unsigned *idx)
{
	for (unsigned i = 0; i < w->n_ports; i++) {
		if (w->ports[i].port_id == port_id) {
			*idx = i;
			return &w->ports[i];
		}
	}
	return NULL;
}

static void tx_flush_port(struct worker *w, unsigned idx)
{
	struct tx_buffer *tb = &RTE_PER_LCORE(tx_buf)[idx];
	if (!tb->n)
		return;
	uint16_t sent =
	    rte_eth_tx_burst(w->ports[idx].port_id, w->ports[idx].tx_queue, tb->pkts, tb->n);
	w->ctr.tx_packets += sent;
	for (uint16_t i = sent; i < tb->n; i++)
		drop(w, tb->pkts[i], DROP_TX_FULL);
	tb->n = 0;
}

static void tx_flush(struct worker *w)
{
	for (unsigned i = 0; i < w->n_ports; i++)
		tx_flush_port(w, i);
}

static void tx_enqueue(struct worker *w, unsigned idx, struct rte_mbuf *m)
{
	struct tx_buffer *tb = &RTE_PER_LCORE(tx_buf)[idx];
	if (tb->n == RTE_DIM(tb->pkts))
		tx_flush_port(w, idx);
	tb->pkts[tb->n++] = m;
}

/* Count a DHCP reply by its type when it actually leaves. */
static void count_reply(struct worker *w, uint32_t type)
{
	switch (type) {
	case DHCPOFFER: w->ctr.tx_offer++; break;
	case DHCPACK: w->ctr.tx_ack++; break;
	case DHCPNAK: w->ctr.tx_nak++; break;
	case DHCPINFORM: w->ctr.tx_inform_ack++; break;
	default: w->ctr.tx_bootp_reply++; break;
	}
}

static void count_request(struct worker *w, const struct dhcp_msg *msg)
{
	switch (msg->msg_type) {
	case DHCP_NONE: w->ctr.rx_bootp++; break;
	case DHCPDISCOVER: w->ctr.rx_discover++; break;
	case DHCPREQUEST: w->ctr.rx_request++; break;
	case DHCPDECLINE: w->ctr.rx_decline++; break;
	case DHCPRELEASE: w->ctr.rx_release++; break;
	case DHCPINFORM: w->ctr.rx_inform++; break;
	default: break;
	}
}

/* Queue an event for the control thread in order; false when the backlog is full. */
static bool queue_event(struct worker *w, const struct lease_event *ev)
{
	if (w->backlog_head - w->backlog_tail >= WORKER_EVENT_BACKLOG)
		return false;
	/* Not the unused end of the name: most leases have none (lease_event_used). */
	memcpy(&w->backlog[w->backlog_head++ % WORKER_EVENT_BACKLOG], ev, lease_event_used(ev));
	w->ctr.events_deferred++;
	return true;
}

void worker_flush_events(struct worker *w)
{
	while (w->backlog_tail != w->backlog_head) {
		const struct lease_event *ev = &w->backlog[w->backlog_tail % WORKER_EVENT_BACKLOG];
		if (!spsc_ring_push_n(w->to_control, ev, (uint32_t)lease_event_used(ev)))
			break;
		w->backlog_tail++;
		w->ctr.events_sent++;
	}
}

void worker_flush_parked(struct worker *w)
{
	if (w->park_tail == w->park_head)
		return;
	uint64_t committed = atomic_load_explicit(&w->commit->committed_seq, memory_order_acquire);
	/* Read after committed_seq: control stores failed_seq first (DESIGN.md sec 4). */
	uint64_t failed = atomic_load_explicit(&w->commit->failed_seq, memory_order_acquire);
	uint64_t tsc = rte_rdtsc();

	while (w->park_tail != w->park_head) {
		struct parked_ack *p = &w->park[w->park_tail % WORKER_PARK_SLOTS];
		if (p->seq <= committed) {
			if (p->seq <= failed) {
				drop(w, p->m, DROP_ACK_NOT_DURABLE);
			} else {
				unsigned idx = 0;
				port_of(w, p->m->port, &idx);
				count_reply(w, p->m->hash.usr);
				w->ctr.acks_released++;
				tx_enqueue(w, idx, p->m);
			}
		} else if (tsc > p->deadline_tsc) {
			/* The journal is stuck: never send an ACK it does not hold. */
			drop(w, p->m, DROP_ACK_NOT_DURABLE);
		} else {
			break;
		}
		w->park_tail++;
	}
}

/* RFC 2131 sec 4.1: where a reply goes. */
static void reply_addressing(const struct worker_port *port, const struct frame_info *fi,
			     const struct dhcp_msg *req, const struct dhcp_result *res,
			     struct frame_reply_addr *a)
{
	memset(a, 0, sizeof(*a));
	memcpy(a->src_mac, port->mac.addr_bytes, ETH_ALEN);
	a->n_vlans = fi->n_vlans;
	memcpy(a->vlan_tpid, fi->vlan_tpid, sizeof(a->vlan_tpid));
	memcpy(a->vlan_tci, fi->vlan_tci, sizeof(a->vlan_tci));
	a->ip_src = res->server_ip;
	a->udp_src_port = DHCP_SERVER_PORT;
	a->udp_dst_port = DHCP_CLIENT_PORT;

	bool nak = res->reply_type == DHCPNAK;
	if (req->giaddr) {
		/* To the relay's server port; the relay is the on-link next hop. */
		a->ip_dst = req->giaddr;
		a->udp_dst_port = DHCP_SERVER_PORT;
		memcpy(a->dst_mac, fi->src_mac, ETH_ALEN);
	} else if (!nak && req->ciaddr) {
		a->ip_dst = req->ciaddr;
		memcpy(a->dst_mac, fi->src_mac, ETH_ALEN);
	} else if (nak || (req->flags & 0x8000) || req->htype != 1 || req->hlen != ETH_ALEN ||
		   !res->yiaddr) {
		a->ip_dst = BROADCAST_IP;
		memcpy(a->dst_mac, broadcast_mac, ETH_ALEN);
	} else {
		a->ip_dst = res->yiaddr;
		memcpy(a->dst_mac, req->chaddr, ETH_ALEN);
	}
}

static void handle_dhcp(struct worker *w, struct rte_mbuf *m, unsigned port_idx,
			const struct frame_info *fi, const uint8_t *payload)
{
	struct worker_port *port = &w->ports[port_idx];
	struct dhcp_msg msg;
	enum drop_reason r;

	r = dhcp_msg_parse(payload, fi->payload_len, &msg);
	if (r != DROP_NONE) {
		drop(w, m, r);
		return;
	}
	w->ctr.rx_dhcp++;

	/* Steer to the client's owner so one thread writes each lease (DESIGN.md sec 3). */
	struct client_key key;
	r = client_key_from_msg(&msg, &key);
	if (r != DROP_NONE) {
		drop(w, m, r);
		return;
	}
	unsigned owner = client_key_shard(key.hash, w->n_workers);
	if (owner != w->id) {
		if (rte_ring_enqueue(w->steer_rings[owner], m) != 0)
			drop(w, m, DROP_STEER_RING_FULL);
		else
			w->ctr.steered_out++;
		return;
	}
	/* One client flooding must not starve the others (client_rate.h). */
	const struct cfg_rate_limit *rl = &w->srv.cfg->rate_limit;
	if (!client_rate_check(&w->rate, rl->client_pps, rl->client_burst, w->tsc_hz, key.hash,
			       rte_rdtsc())) {
		drop(w, m, DROP_CLIENT_RATE);
		return;
	}
	count_request(w, &msg);

	/*
	 * The request now lives in msg and fi; its own buffer is not read
	 * again, so it carries the reply: one mbuf per packet instead of an
	 * allocation and a free. Only a plain (direct, single-segment) mbuf
	 * that nobody else references qualifies; anything else gets a fresh one.
	 */
	struct rte_mbuf *out;
	if (RTE_MBUF_DIRECT(m) && rte_mbuf_refcnt_read(m) == 1 && m->nb_segs == 1 &&
	    m->buf_len >= RTE_PKTMBUF_HEADROOM + REPLY_FRAME_MAX) {
		out = m;
		rte_pktmbuf_reset_headroom(out);
		out->data_len = 0;
		out->pkt_len = 0;
		out->ol_flags = 0;
	} else {
		out = rte_pktmbuf_alloc(w->pool);
		if (!out) {
			drop(w, m, DROP_NO_MBUF);
			return;
		}
	}
	struct frame_reply_addr addr = { .n_vlans = fi->n_vlans };
	size_t hdr_len = frame_udp_header_len(&addr);
	uint8_t *frame = rte_pktmbuf_mtod(out, uint8_t *);
	size_t room = rte_pktmbuf_tailroom(out);
	struct dhcp_result res;
	struct dhcp_link link = { .iface = port->iface,
				  .src_ip = fi->ip_src,
				  .dst_unicast = fi->ip_dst != BROADCAST_IP };
	struct failover_view *view = rcu_dereference(*w->view);

	/* The key derived for steering is the server's too: derived and hashed once. */
	r = dhcp_server_handle_keyed(&w->srv, &msg, &key, &link, view, w->now, frame + hdr_len,
				     room - hdr_len, &res);
	/* Events first: even a handled packet with no reply (RELEASE) changes bindings. */
	bool events_ok = true;
	for (unsigned i = 0; i < res.n_events && r == DROP_NONE; i++)
		events_ok &= queue_event(w, &res.events[i]);
	if (r != DROP_NONE || !res.reply_len || (!events_ok && res.park)) {
		if (r == DROP_NONE && !events_ok)
			r = DROP_EVENT_RING_FULL;
		if (r != DROP_NONE)
			w->ctr.drops[r]++;
		if (out != m)
			rte_pktmbuf_free(out);
		rte_pktmbuf_free(m);
		return;
	}
	if (!events_ok)
		w->ctr.drops[DROP_EVENT_RING_FULL]++;

	reply_addressing(port, fi, &msg, &res, &addr);
	w->ctr.tx_rai_not_echoed += res.rai_not_echoed;
	/* The server summed the reply as it closed it: the payload is not read again. */
	int len = frame_build_udp_sum(frame, room, &addr, res.reply_len, res.reply_sum);
	if (out != m)
		rte_pktmbuf_free(m);
	if (len < 0) {
		drop(w, out, DROP_PARSE_OVERSIZE);
		return;
	}
	out->data_len = (uint16_t)len;
	out->pkt_len = (uint32_t)len;
	out->port = port->port_id;
	out->hash.usr = res.reply_type;

	if (res.park && w->wait_for_commit) {
		if (w->park_head - w->park_tail >= WORKER_PARK_SLOTS) {
			drop(w, out, DROP_PARK_FULL);
			return;
		}
		struct parked_ack *p = &w->park[w->park_head++ % WORKER_PARK_SLOTS];
		p->m = out;
		p->seq = res.events[res.n_events - 1].seq;
		p->deadline_tsc = rte_rdtsc() + w->ack_timeout_tsc;
		w->ctr.acks_parked++;
		return;
	}
	count_reply(w, res.reply_type);
	tx_enqueue(w, port_idx, out);
}

void worker_handle_mbuf(struct worker *w, struct rte_mbuf *m)
{
	struct frame_info fi;
	unsigned idx;
	struct worker_port *port = port_of(w, m->port, &idx);

	if (!port) {
		drop(w, m, DROP_L2_NOT_IPV4);
		return;
	}
	if (m->nb_segs > 1) {
		drop(w, m, DROP_MULTI_SEGMENT);
		return;
	}
	uint8_t *data = rte_pktmbuf_mtod(m, uint8_t *);
	/* Checksums the NIC verified are not summed again (UNKNOWN/BAD: checked in software). */
	unsigned verified = 0;
	if ((m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK) == RTE_MBUF_F_RX_IP_CKSUM_GOOD)
		verified |= FRAME_RX_IP_CSUM_GOOD;
	if ((m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) == RTE_MBUF_F_RX_L4_CKSUM_GOOD)
		verified |= FRAME_RX_L4_CSUM_GOOD;
	enum drop_reason r = frame_parse_verified(data, rte_pktmbuf_data_len(m), verified, &fi);
	if (r != DROP_NONE) {
		drop(w, m, r);
		return;
	}
	uint32_t our_ip = port->iface ? port->iface->address : 0;

	switch (fi.kind) {
	case FRAME_ARP: {
		w->ctr.rx_arp++;
		if (!our_ip || fi.arp_target_ip != our_ip) {
			drop(w, m, DROP_ARP_INVALID);
			return;
		}
		int len = frame_arp_reply_inplace(data, rte_pktmbuf_data_len(m), &fi,
						  port->mac.addr_bytes);
		if (len < 0) {
			drop(w, m, DROP_ARP_INVALID);
			return;
		}
		m->data_len = (uint16_t)len;
		m->pkt_len = (uint32_t)len;
		w->ctr.tx_arp_reply++;
		tx_enqueue(w, idx, m);
		return;
	}
	case FRAME_ICMP_ECHO: {
		w->ctr.rx_icmp++;
		if (!our_ip || fi.ip_dst != our_ip) {
			drop(w, m, DROP_IP_NOT_OURS);
			return;
		}
		int len = frame_icmp_echo_reply_inplace(data, rte_pktmbuf_data_len(m), &fi,
							port->mac.addr_bytes);
		if (len < 0) {
			drop(w, m, DROP_ICMP_INVALID);
			return;
		}
		m->data_len = (uint16_t)len;
		m->pkt_len = (uint32_t)len;
		w->ctr.tx_icmp_reply++;
		tx_enqueue(w, idx, m);
		return;
	}
	case FRAME_DHCP:
		if (fi.ip_dst != BROADCAST_IP && fi.ip_dst != our_ip) {
			drop(w, m, DROP_IP_NOT_OURS);
			return;
		}
		handle_dhcp(w, m, idx, &fi, data + fi.payload_off);
		return;
	}
	drop(w, m, DROP_L2_NOT_IPV4);
}

void worker_handle_burst(struct worker *w, struct rte_mbuf **pkts, unsigned n)
{
	/* The next frame's first line (headers) is on its way while this one is handled. */
	for (unsigned i = 0; i < n; i++) {
		if (i + 1 < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void *));
		worker_handle_mbuf(w, pkts[i]);
	}
}

static void expire_visit(const struct lease *l, void *arg)
{
	struct worker *w = arg;
	struct lease_event ev;

	if (dhcp_server_expire(&w->srv, l, w->n_workers, w->now, &ev) && !queue_event(w, &ev))
		w->ctr.drops[DROP_EVENT_RING_FULL]++;
}

static void reclaim_visit(const struct lease *l, void *arg)
{
	struct worker *w = arg;
	struct lease_event ev;

	if (dhcp_server_reclaim(&w->srv, l, w->now, &ev) && !queue_event(w, &ev))
		w->ctr.drops[DROP_EVENT_RING_FULL]++;
}

/*
 * The drops an operator must act on (bindings not confirmed to clients),
 * logged at most once a second per worker with how many happened since the
 * last line, so a storm cannot flood the log (STYLE rule 17).
 */
static const enum drop_reason alarm_reasons[] = {
	DROP_EVENT_RING_FULL, DROP_PARK_FULL, DROP_ACK_NOT_DURABLE, DROP_TABLE_FULL,
	DROP_POOL_EXHAUSTED,  DROP_NO_MBUF,   DROP_TX_FULL,
};

static void log_alarms(struct worker *w, uint64_t tsc)
{
	if (tsc - w->alarm_last_tsc < w->tsc_hz)
		return;
	w->alarm_last_tsc = tsc;
	for (unsigned i = 0; i < RTE_DIM(alarm_reasons); i++) {
		enum drop_reason r = alarm_reasons[i];
		uint64_t delta = w->ctr.drops[r] - w->alarm_seen[i];
		if (!delta)
			continue;
		w->alarm_seen[i] = w->ctr.drops[r];
		RTE_LOG(WARNING, USER1,
			"worker %u: %" PRIu64 " packets dropped in the last second: %s (%s)\n",
			w->id, delta, drop_reason_name(r), drop_reason_help(r));
	}
}

/*
 * Every worker reads the one lease clock (vDSO, no system call), so no
 * two workers disagree on expiry and a wall-clock step moves no lease.
 */
static int64_t worker_clock_now(const struct worker *w)
{
	return w->clock ? lease_clock_now(w->clock) : (int64_t)time(NULL);
}

static void housekeeping(struct worker *w)
{
	uint64_t tsc = rte_rdtsc();
	w->now = worker_clock_now(w);
	log_alarms(w, tsc);
	lease_table_scan_slots(w->srv.table, &w->scan_cursor, EXPIRY_SCAN_BUDGET, expire_visit, w);
	lease_table_scan_slab(w->srv.table, w->id, &w->reclaim_cursor, RECLAIM_SCAN_BUDGET,
			      reclaim_visit, w);
	w->ctr.parked_now = w->park_head - w->park_tail;
	w->ctr.event_ring_used = spsc_ring_count(w->to_control);
}

void worker_prepare(struct worker *w)
{
	w->tsc_hz = rte_get_tsc_hz();
	w->now = worker_clock_now(w);
}

void worker_after_burst(struct worker *w)
{
	worker_flush_events(w);
	worker_flush_parked(w);
	tx_flush(w);
}

void worker_housekeeping(struct worker *w) { housekeeping(w); }

int worker_main(void *arg)
{
	struct worker *w = arg;
	struct rte_mbuf *pkts[WORKER_BURST];
	uint64_t iter = 0;

	rcu_register_thread();
	worker_prepare(w);

	while (!atomic_load_explicit(w->stop, memory_order_relaxed)) {
		for (unsigned p = 0; p < w->n_ports; p++) {
			if (w->ports[p].rx_queue == UINT16_MAX)
				continue;
			uint16_t n = rte_eth_rx_burst(w->ports[p].port_id, w->ports[p].rx_queue,
						      pkts, WORKER_BURST);
			w->ctr.rx_packets += n;
			worker_handle_burst(w, pkts, n);
		}
		unsigned n = rte_ring_dequeue_burst(w->steer_in, (void **)pkts, WORKER_BURST, NULL);
		w->ctr.rx_steered_in += n;
		worker_handle_burst(w, pkts, n);

		worker_after_burst(w);
		if (w->cmds)
			worker_cmd_poll(w);
		/* Nothing above holds an RCU pointer across this line. */
		rcu_quiescent_state();
		if ((++iter % HOUSEKEEPING_EVERY) == 0)
			housekeeping(w);
	}
	/* Hand every queued event over before leaving; the control thread drains
	 * the rings after the workers stop, so no binding change is left behind. */
	for (unsigned tries = 0; w->backlog_tail != w->backlog_head && tries < 1000000; tries++)
		worker_flush_events(w);
	/* Parked ACKs that never became durable are not sent. */
	while (w->park_tail != w->park_head)
		rte_pktmbuf_free(w->park[w->park_tail++ % WORKER_PARK_SLOTS].m);
	tx_flush(w);
	rcu_unregister_thread();
	return 0;
}
