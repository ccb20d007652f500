/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lw_loadgen: end-to-end DHCPv4 load generator (a test tool, not part of the
 * appliance). It emulates N clients with distinct MACs over one DPDK port
 * (net_af_packet on the client veth of the lab, net_memif, or a real port)
 * and drives a running leasewired through three phases:
 *
 *   1. DORA     DISCOVER -> OFFER, REQUEST (SELECTING, same xid) -> ACK
 *   2. renew    unicast REQUEST with ciaddr (RENEWING) -> ACK
 *   3. release  unicast RELEASE with ciaddr and server id (no reply)
 *
 * Each phase keeps at most --window clients in flight, starts at most
 * --rate new clients a second (0: as fast as the window allows), retransmits
 * after --timeout-ms up to --retries times, and counts a client as failed
 * (no OFFER, no ACK, NAK) when it runs out of tries. Latency is measured
 * from the first transmission of a message to its reply, so it includes
 * retransmissions: what a client waits.
 *
 *   lw_loadgen <EAL args> -- --clients N [--rate R] [--window W]
 *              [--timeout-ms T] [--retries K] [--mac-base HH:HH]
 *              [--no-renew] [--no-release] [--max-secs S] [--qinq S-VID:C-VID]
 *   e.g. ip netns exec lw-cli-x lw_loadgen --no-huge -m 256 --no-pci \
 *            --file-prefix lg -l 0 --vdev net_af_packet0,iface=lwcx -- --clients 20000
 *
 * --qinq sends every frame with an 802.1ad S-tag (TPID 0x88a8) and an
 * 802.1Q C-tag (0x8100) inside it, and checks that each reply comes back
 * with the same two tags, outer first; a reply with other tags (or with
 * tags when none were sent) counts as vlan_mismatch and fails the run.
 *
 * The last line is one machine-readable "LOADGEN key=value ..." summary.
 * Every OFFER and ACK is also checked against RFC 2131 sec 4.1 (unicast to
 * chaddr/yiaddr, a renewal's ACK to ciaddr); a miss counts as addr_mismatch.
 *
 * Exit status: 0 when every client got its lease (and its renewal) and
 * every reply had the tags sent and the right destination, 1 when some failed, 2 on a usage or set-up error.
 *
 * Frames are built with common/wire/frame.c (Ethernet/IPv4/UDP headers and
 * checksums) and common/wire/wire.h (bounds-checked cursor). Replies are BOOTREPLYs
 * to port 68, which common/dhcp/dhcp_msg.c deliberately refuses (it parses what a
 * server receives), so the small reply reader here walks them with wire.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "dhcp/dhcp_msg.h"
#include "wire/frame.h"
#include "wire/wire.h"

#define MAX_CLIENTS (1u << 24) /* MAC bytes 3..5 carry the index */
#define BURST 32u
#define N_MBUFS 8191u
#define MBUF_CACHE 256u
#define RX_DESC 1024u
#define TX_DESC 1024u
#define REQ_PAYLOAD_LEN 300u /* padded like dhclient's (RFC 1542 sec 2.1) */
#define ETH_IP_UDP_LEN 42u
#define BCAST_IP 0xffffffffu

enum phase { PH_DORA, PH_RENEW, PH_RELEASE, PH__COUNT };
static const char *const phase_names[PH__COUNT] = { "dora", "renew", "release" };

enum cstate {
	CS_IDLE,
	CS_DISCOVER, /* DISCOVER sent, waiting for OFFER */
	CS_REQUEST, /* REQUEST (SELECTING) sent, waiting for ACK */
	CS_BOUND,
	CS_RENEW, /* REQUEST (RENEWING) sent, waiting for ACK */
	CS_RENEWED,
	CS_RELEASED,
	CS_FAILED,
};

struct client {
	uint32_t xid;
	uint32_t yiaddr, server_id; /* host order */
	uint64_t first_tsc; /* first transmission of the current message */
	uint64_t last_tsc; /* last (re)transmission */
	int32_t slot; /* in the in-flight table, -1 when not in flight */
	uint8_t state;
	uint8_t tries;
};

enum lat_kind { LAT_OFFER, LAT_ACK, LAT_RENEW, LAT__COUNT };
static const char *const lat_names[LAT__COUNT] = { "offer", "ack", "renew" };

struct lat_samples {
	uint32_t *us;
	uint32_t n;
};

struct counters {
	uint64_t tx, rx, rx_ignored, tx_fail;
	uint64_t retransmits;
	uint64_t offers, acks, naks;
	uint64_t no_offer, no_ack, nak_clients;
	uint64_t renew_acks, renew_no_ack, renew_nak;
	uint64_t releases;
	uint64_t vlan_ok, vlan_mismatch; /* replies whose tags were / were not ours */
	uint64_t addr_mismatch; /* OFFER/ACK not sent where RFC 2131 sec 4.1 says */
};

struct gen {
	uint16_t port;
	struct rte_mempool *pool;
	struct rte_ether_addr port_mac;
	uint8_t mac_base[2];
	uint8_t server_mac[ETH_ALEN];
	bool server_mac_known;
	uint32_t n_clients;
	struct client *clients;
	uint32_t *inflight; /* client indexes, window entries */
	uint32_t n_inflight;
	uint32_t window;
	double rate; /* new clients per second per phase, 0 = window only */
	uint64_t timeout_tsc;
	uint32_t retries;
	uint64_t max_tsc; /* per phase */
	uint32_t xid_salt;
	bool do_renew, do_release;
	uint8_t n_vlans; /* 0, or 2 with --qinq */
	uint16_t vlan_tpid[FRAME_MAX_VLANS], vlan_tci[FRAME_MAX_VLANS]; /* outer first */
	uint64_t hz;
	struct rte_mbuf *txq[BURST];
	uint16_t n_txq;
	struct counters c;
	struct lat_samples lat[LAT__COUNT];
	double phase_secs[PH__COUNT];
	uint64_t phase_done[PH__COUNT];
};

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

/* ------------------------------------------------------------------ frames */

static void client_mac(const struct gen *g, uint32_t idx, uint8_t mac[ETH_ALEN])
{
	mac[0] = g->mac_base[0];
	mac[1] = g->mac_base[1];
	mac[2] = 0;
	mac[3] = (uint8_t)(idx >> 16);
	mac[4] = (uint8_t)(idx >> 8);
	mac[5] = (uint8_t)idx;
}

static void tx_flush(struct gen *g)
{
	uint16_t sent = 0;
	unsigned int spins = 0;

	while (sent < g->n_txq && spins++ < 64) {
		uint16_t n =
		    rte_eth_tx_burst(g->port, 0, g->txq + sent, (uint16_t)(g->n_txq - sent));
		sent = (uint16_t)(sent + n);
	}
	if (sent < g->n_txq) {
		g->c.tx_fail += g->n_txq - sent;
		rte_pktmbuf_free_bulk(g->txq + sent, (unsigned int)(g->n_txq - sent));
	}
	g->c.tx += sent;
	g->n_txq = 0;
}

/*
 * Build and queue one client message. DISCOVER and REQUEST (SELECTING) are
 * broadcast from 0.0.0.0; REQUEST (RENEWING) and RELEASE are unicast from
 * the leased address to the server, as RFC 2131 sec 4.4.5 / 4.4.6 clients do.
 */
static int send_msg(struct gen *g, uint32_t idx, uint8_t type)
{
	struct client *cl = &g->clients[idx];
	struct frame_reply_addr a;
	struct wire_cursor w;
	struct rte_mbuf *m;
	uint8_t *frame;
	size_t hdr;
	int len;
	bool unicast = type == DHCPRELEASE || (type == DHCPREQUEST && cl->state == CS_RENEW);
	static const uint8_t prl[] = { DHO_SUBNET_MASK,	  DHO_ROUTERS,	  DHO_DNS_SERVERS,
				       DHO_DOMAIN_NAME,	  DHO_LEASE_TIME, DHO_RENEWAL_TIME,
				       DHO_REBINDING_TIME };

	memset(&a, 0, sizeof(a));
	client_mac(g, idx, a.src_mac);
	a.n_vlans = g->n_vlans;
	memcpy(a.vlan_tpid, g->vlan_tpid, sizeof(a.vlan_tpid));
	memcpy(a.vlan_tci, g->vlan_tci, sizeof(a.vlan_tci));
	if (unicast) {
		memcpy(a.dst_mac, g->server_mac, ETH_ALEN);
		a.ip_src = cl->yiaddr;
		a.ip_dst = cl->server_id;
	} else {
		memset(a.dst_mac, 0xff, ETH_ALEN);
		a.ip_src = 0;
		a.ip_dst = BCAST_IP;
	}
	a.udp_src_port = DHCP_CLIENT_PORT;
	a.udp_dst_port = DHCP_SERVER_PORT;
	hdr = frame_udp_header_len(&a);

	m = rte_pktmbuf_alloc(g->pool);
	if (m == NULL)
		return -ENOMEM;
	frame = rte_pktmbuf_mtod(m, uint8_t *);
	wire_init(&w, frame + hdr, rte_pktmbuf_tailroom(m) - hdr);
	wire_put_u8(&w, BOOTREQUEST);
	wire_put_u8(&w, 1); /* htype Ethernet */
	wire_put_u8(&w, ETH_ALEN);
	wire_put_u8(&w, 0); /* hops */
	wire_put_u32(&w, cl->xid);
	wire_put_u16(&w, 0); /* secs */
	wire_put_u16(&w, 0); /* flags: unicast replies, as most clients ask */
	wire_put_u32(&w, unicast ? cl->yiaddr : 0); /* ciaddr */
	wire_put_u32(&w, 0); /* yiaddr */
	wire_put_u32(&w, 0); /* siaddr */
	wire_put_u32(&w, 0); /* giaddr */
	wire_put(&w, a.src_mac, ETH_ALEN);
	wire_put_zero(&w, 16 - ETH_ALEN + 64 + 128); /* chaddr pad, sname, file */
	wire_put_u32(&w, DHCP_COOKIE);
	wire_put_u8(&w, DHO_MESSAGE_TYPE);
	wire_put_u8(&w, 1);
	wire_put_u8(&w, type);
	if (type == DHCPREQUEST && !unicast) {
		wire_put_u8(&w, DHO_REQUESTED_ADDRESS);
		wire_put_u8(&w, 4);
		wire_put_u32(&w, cl->yiaddr);
	}
	if ((type == DHCPREQUEST && !unicast) || type == DHCPRELEASE) {
		wire_put_u8(&w, DHO_SERVER_ID);
		wire_put_u8(&w, 4);
		wire_put_u32(&w, cl->server_id);
	}
	if (type != DHCPRELEASE) {
		wire_put_u8(&w, DHO_MAX_MESSAGE_SIZE);
		wire_put_u8(&w, 2);
		wire_put_u16(&w, 1500);
		wire_put_u8(&w, DHO_PARAMETER_REQUEST_LIST);
		wire_put_u8(&w, sizeof(prl));
		wire_put(&w, prl, sizeof(prl));
	}
	wire_put_u8(&w, DHO_END);
	if (w.pos < REQ_PAYLOAD_LEN)
		wire_put_zero(&w, REQ_PAYLOAD_LEN - w.pos);
	if (!wire_ok(&w)) {
		rte_pktmbuf_free(m);
		return -ENOSPC;
	}
	len = frame_build_udp(frame, hdr + w.pos, &a, w.pos);
	if (len < 0) {
		rte_pktmbuf_free(m);
		return len;
	}
	m->data_len = (uint16_t)len;
	m->pkt_len = (uint32_t)len;
	g->txq[g->n_txq++] = m;
	if (g->n_txq == BURST)
		tx_flush(g);
	return 0;
}

/* What the reply reader keeps of a BOOTREPLY. */
struct reply {
	uint8_t type;
	uint32_t xid, yiaddr, server_id;
	uint8_t chaddr[ETH_ALEN];
	uint8_t src_mac[ETH_ALEN], dst_mac[ETH_ALEN];
	uint32_t ip_dst;
	uint8_t n_vlans;
	uint16_t vlan_tpid[FRAME_MAX_VLANS], vlan_tci[FRAME_MAX_VLANS];
};

/*
 * Read a server reply: Ethernet (up to two VLAN tags, kept in *r), IPv4, UDP to port 68, BOOTREPLY,
 * options (main area only: leasewired does not overload sname/file).
 * Returns false for anything else.
 */
static bool read_reply(const uint8_t *frame, size_t len, struct reply *r)
{
	struct wire_cursor c, o;
	const uint8_t *ip;
	size_t ihl;
	uint16_t udp_len;

	wire_init(&c, frame, len);
	wire_read(&c, r->dst_mac, ETH_ALEN);
	wire_read(&c, r->src_mac, ETH_ALEN);
	uint16_t ethertype = wire_u16(&c);
	r->n_vlans = 0;
	while (ethertype == ETHERTYPE_QINQ || ethertype == ETHERTYPE_VLAN) {
		if (r->n_vlans == FRAME_MAX_VLANS)
			return false;
		r->vlan_tpid[r->n_vlans] = ethertype;
		r->vlan_tci[r->n_vlans++] = wire_u16(&c);
		ethertype = wire_u16(&c);
	}
	if (ethertype != ETHERTYPE_IPV4 || !wire_ok(&c))
		return false;
	ip = wire_take(&c, 20);
	if (ip == NULL || (ip[0] >> 4) != 4 || ip[9] != 17 /* UDP */)
		return false;
	r->ip_dst =
	    (uint32_t)ip[16] << 24 | (uint32_t)ip[17] << 16 | (uint32_t)ip[18] << 8 | ip[19];
	ihl = (size_t)(ip[0] & 0x0f) * 4;
	if (ihl < 20)
		return false;
	wire_skip(&c, ihl - 20);
	wire_skip(&c, 2); /* source port */
	if (wire_u16(&c) != DHCP_CLIENT_PORT)
		return false;
	udp_len = wire_u16(&c);
	wire_skip(&c, 2); /* checksum */
	if (!wire_ok(&c) || udp_len < 8 + DHCP_FIXED_LEN + 4 || udp_len - 8u > wire_left(&c))
		return false;
	wire_init(&c, frame + c.pos, udp_len - 8u);
	if (wire_u8(&c) != BOOTREPLY)
		return false;
	wire_skip(&c, 3); /* htype, hlen, hops */
	r->xid = wire_u32(&c);
	wire_skip(&c, 8); /* secs, flags, ciaddr */
	r->yiaddr = wire_u32(&c);
	wire_skip(&c, 8); /* siaddr, giaddr */
	wire_read(&c, r->chaddr, ETH_ALEN);
	wire_skip(&c, 16 - ETH_ALEN + 64 + 128);
	if (wire_u32(&c) != DHCP_COOKIE || !wire_ok(&c))
		return false;
	r->type = 0;
	r->server_id = 0;
	while (wire_ok(&c) && wire_left(&c) > 0) {
		uint8_t code = wire_u8(&c), olen;

		if (code == DHO_PAD)
			continue;
		if (code == DHO_END)
			break;
		olen = wire_u8(&c);
		wire_init(&o, wire_take(&c, olen), olen);
		if (!wire_ok(&c))
			return false;
		if (code == DHO_MESSAGE_TYPE && olen == 1)
			r->type = wire_u8(&o);
		else if (code == DHO_SERVER_ID && olen == 4)
			r->server_id = wire_u32(&o);
	}
	return r->type != 0;
}

/* The reply carries the tags we send, outer first, with the same VLAN ids. */
static bool tags_match(const struct gen *g, const struct reply *r)
{
	if (r->n_vlans != g->n_vlans)
		return false;
	for (unsigned int i = 0; i < g->n_vlans; i++)
		if (r->vlan_tpid[i] != g->vlan_tpid[i] ||
		    (r->vlan_tci[i] & 0x0fff) != (g->vlan_tci[i] & 0x0fff))
			return false;
	return true;
}

/*
 * RFC 2131 sec 4.1 for what this loadgen sends (no giaddr, broadcast bit
 * clear): a renewal's ACK goes to ciaddr, other OFFERs and ACKs unicast to
 * chaddr and yiaddr.
 */
static bool addressed_right(const struct gen *g, uint32_t idx, const struct reply *r, bool renew)
{
	uint8_t mac[ETH_ALEN];

	client_mac(g, idx, mac);
	if (renew)
		return r->ip_dst == g->clients[idx].yiaddr;
	return r->ip_dst == r->yiaddr && memcmp(r->dst_mac, mac, ETH_ALEN) == 0;
}

/* ------------------------------------------------------------------ state */

static void inflight_add(struct gen *g, uint32_t idx)
{
	g->clients[idx].slot = (int32_t)g->n_inflight;
	g->inflight[g->n_inflight++] = idx;
}

static void inflight_del(struct gen *g, uint32_t idx)
{
	int32_t s = g->clients[idx].slot;
	uint32_t last;

	if (s < 0)
		return;
	last = g->inflight[--g->n_inflight];
	g->inflight[s] = last;
	g->clients[last].slot = s;
	g->clients[idx].slot = -1;
}

static void lat_add(struct gen *g, enum lat_kind k, uint64_t from, uint64_t now)
{
	struct lat_samples *l = &g->lat[k];
	uint64_t us = (now - from) * 1000000u / g->hz;

	if (l->n < g->n_clients)
		l->us[l->n++] = us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
}

static void start_msg(struct gen *g, uint32_t idx, uint8_t state, uint8_t type, uint64_t now)
{
	struct client *cl = &g->clients[idx];

	cl->state = state;
	cl->tries = 1;
	cl->first_tsc = now;
	cl->last_tsc = now;
	if (send_msg(g, idx, type) < 0)
		g->c.tx_fail++;
}

static void handle_reply(struct gen *g, const struct reply *r, uint64_t now)
{
	uint32_t idx;
	struct client *cl;

	if (r->chaddr[0] != g->mac_base[0] || r->chaddr[1] != g->mac_base[1] || r->chaddr[2] != 0)
		goto ignore;
	idx = (uint32_t)r->chaddr[3] << 16 | (uint32_t)r->chaddr[4] << 8 | r->chaddr[5];
	if (idx >= g->n_clients)
		goto ignore;
	cl = &g->clients[idx];
	if (r->xid != cl->xid)
		goto ignore;

	switch (cl->state) {
	case CS_DISCOVER:
		if (r->type != DHCPOFFER || r->yiaddr == 0 || r->server_id == 0)
			goto ignore;
		g->c.offers++;
		if (!addressed_right(g, idx, r, false))
			g->c.addr_mismatch++;
		lat_add(g, LAT_OFFER, cl->first_tsc, now);
		if (!g->server_mac_known) {
			memcpy(g->server_mac, r->src_mac, ETH_ALEN);
			g->server_mac_known = true;
		}
		cl->yiaddr = r->yiaddr;
		cl->server_id = r->server_id;
		start_msg(g, idx, CS_REQUEST, DHCPREQUEST, now);
		return;
	case CS_REQUEST:
	case CS_RENEW:
		if (r->type == DHCPACK) {
			bool renew = cl->state == CS_RENEW;

			if (r->yiaddr != cl->yiaddr)
				goto ignore;
			if (!addressed_right(g, idx, r, renew))
				g->c.addr_mismatch++;
			lat_add(g, renew ? LAT_RENEW : LAT_ACK, cl->first_tsc, now);
			if (renew)
				g->c.renew_acks++;
			else
				g->c.acks++;
			cl->state = renew ? CS_RENEWED : CS_BOUND;
		} else if (r->type == DHCPNAK) {
			g->c.naks++;
			if (cl->state == CS_RENEW)
				g->c.renew_nak++;
			else
				g->c.nak_clients++;
			cl->state = CS_FAILED;
		} else {
			goto ignore;
		}
		inflight_del(g, idx);
		return;
	default: goto ignore;
	}
ignore:
	g->c.rx_ignored++;
}

static void poll_rx(struct gen *g)
{
	struct rte_mbuf *pkts[BURST];
	uint16_t n, i;
	uint64_t now;
	struct reply r;

	n = rte_eth_rx_burst(g->port, 0, pkts, BURST);
	if (n == 0)
		return;
	now = rte_rdtsc();
	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];

		g->c.rx++;
		if (rte_pktmbuf_is_contiguous(m) &&
		    read_reply(rte_pktmbuf_mtod(m, const uint8_t *), m->data_len, &r)) {
			if (tags_match(g, &r))
				g->c.vlan_ok++;
			else
				g->c.vlan_mismatch++;
			handle_reply(g, &r, now);
		} else
			g->c.rx_ignored++;
	}
	rte_pktmbuf_free_bulk(pkts, n);
}

/* Retransmit or fail in-flight clients whose reply is overdue. */
static void check_timeouts(struct gen *g, uint64_t now)
{
	uint32_t i = 0;

	while (i < g->n_inflight) {
		uint32_t idx = g->inflight[i];
		struct client *cl = &g->clients[idx];

		if (now < cl->last_tsc || now - cl->last_tsc < g->timeout_tsc) {
			i++;
			continue;
		}
		if (cl->tries <= g->retries) {
			uint8_t type = cl->state == CS_DISCOVER ? DHCPDISCOVER : DHCPREQUEST;

			cl->tries++;
			cl->last_tsc = now;
			g->c.retransmits++;
			if (send_msg(g, idx, type) < 0)
				g->c.tx_fail++;
			i++;
			continue;
		}
		if (cl->state == CS_DISCOVER)
			g->c.no_offer++;
		else if (cl->state == CS_REQUEST)
			g->c.no_ack++;
		else
			g->c.renew_no_ack++;
		cl->state = CS_FAILED;
		inflight_del(g, idx); /* moves the last entry to i: do not advance */
	}
}

/*
 * Run one phase over every client in `from` state: start at most `rate`
 * new clients a second with at most `window` in flight, until every one
 * has finished (or failed), or max_tsc passes.
 */
static void run_phase(struct gen *g, enum phase ph)
{
	uint8_t from = ph == PH_DORA ? CS_IDLE : ph == PH_RENEW ? CS_BOUND : CS_RENEWED;
	uint64_t t0 = rte_rdtsc(), now = t0, last_timer = t0, last_report = t0;
	uint64_t timer_every = g->hz / 1000, started = 0;
	uint32_t next = 0, i;
	uint64_t eligible = 0;
	double rate = g->rate;

	if (ph == PH_RELEASE && !g->do_renew)
		from = CS_BOUND;
	/*
	 * RELEASEs get no reply, so the window cannot pace them: unpaced, they
	 * would leave as one burst that overflows the server's RX ring. Send
	 * them at the rate the server just answered renewals (or DORAs).
	 */
	if (ph == PH_RELEASE && rate <= 0) {
		enum phase ref = g->do_renew ? PH_RENEW : PH_DORA;

		rate = g->phase_secs[ref] > 0 ? (double)g->phase_done[ref] / g->phase_secs[ref] : 0;
		rate /= 2; /* a RELEASE costs the server a journal record too */
		if (rate < 500)
			rate = 500;
	}
	for (i = 0; i < g->n_clients; i++)
		eligible += g->clients[i].state == from;

	while (!stop_requested) {
		double allowed;

		poll_rx(g);
		now = rte_rdtsc(); /* after poll_rx: its sends stamp later than a stale now */
		if (now - last_timer >= timer_every) {
			check_timeouts(g, now);
			last_timer = now;
		}
		allowed = rate > 0 ? (double)(now - t0) * rate / (double)g->hz + BURST
				   : (double)UINT64_MAX;
		while (next < g->n_clients && g->n_inflight < g->window &&
		       (double)started < allowed && g->n_txq < BURST - 1) {
			struct client *cl = &g->clients[next];

			if (cl->state != from) {
				next++;
				continue;
			}
			started++;
			cl->xid = g->xid_salt ^ (next * 4u + (uint32_t)ph);
			if (ph == PH_DORA) {
				inflight_add(g, next);
				start_msg(g, next, CS_DISCOVER, DHCPDISCOVER, now);
			} else if (ph == PH_RENEW) {
				inflight_add(g, next);
				start_msg(g, next, CS_RENEW, DHCPREQUEST, now);
			} else {
				/* RELEASE: no reply, never retransmitted (RFC 2131 sec 4.4.6) */
				if (send_msg(g, next, DHCPRELEASE) == 0) {
					g->c.releases++;
					cl->state = CS_RELEASED;
				} else {
					g->c.tx_fail++;
				}
			}
			next++;
		}
		if (g->n_txq > 0)
			tx_flush(g);
		if (started >= eligible && g->n_inflight == 0)
			break;
		if (now - t0 > g->max_tsc) {
			fprintf(stderr, "loadgen: %s: --max-secs reached with %u in flight\n",
				phase_names[ph], g->n_inflight);
			break;
		}
		if (now - last_report > 5 * g->hz) {
			printf("loadgen: %s: %" PRIu64 "/%" PRIu64 " started, %u in flight\n",
			       phase_names[ph], started, eligible, g->n_inflight);
			fflush(stdout);
			last_report = now;
		}
		/* Share the CPU when the window is full or paced: the lab's two
		 * cores also run the server's worker and control thread. */
		if (g->n_inflight >= g->window || next >= g->n_clients || rate > 0)
			sched_yield();
	}
	/* Let the last frames leave the port before the next phase or exit. */
	if (ph == PH_RELEASE) {
		uint64_t until = rte_rdtsc() + g->hz / 5;

		while (rte_rdtsc() < until) {
			poll_rx(g);
			sched_yield();
		}
	}
	/* Clients still in flight (stop or max-secs) count as failed. */
	while (g->n_inflight > 0) {
		uint32_t idx = g->inflight[0];
		struct client *cl = &g->clients[idx];

		if (cl->state == CS_DISCOVER)
			g->c.no_offer++;
		else if (cl->state == CS_REQUEST)
			g->c.no_ack++;
		else
			g->c.renew_no_ack++;
		cl->state = CS_FAILED;
		inflight_del(g, idx);
	}
	g->phase_secs[ph] = (double)(rte_rdtsc() - t0) / (double)g->hz;
	g->phase_done[ph] = ph == PH_DORA    ? g->c.acks
			    : ph == PH_RENEW ? g->c.renew_acks
					     : g->c.releases;
}

/* ------------------------------------------------------------------ report */

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static uint32_t pct(const struct lat_samples *l, unsigned int p)
{
	uint64_t i;

	if (l->n == 0)
		return 0;
	i = ((uint64_t)l->n * p + 99) / 100;
	if (i > 0)
		i--;
	return l->us[i < l->n ? i : l->n - 1];
}

static double rate_of(uint64_t n, double secs) { return secs > 0 ? (double)n / secs : 0; }

static void report(struct gen *g)
{
	struct rte_eth_stats st;
	unsigned int k;
	uint32_t p50[LAT__COUNT], p99[LAT__COUNT], pmax[LAT__COUNT];

	for (k = 0; k < LAT__COUNT; k++) {
		struct lat_samples *l = &g->lat[k];

		qsort(l->us, l->n, sizeof(l->us[0]), cmp_u32);
		p50[k] = pct(l, 50);
		p99[k] = pct(l, 99);
		pmax[k] = l->n ? l->us[l->n - 1] : 0;
	}
	memset(&st, 0, sizeof(st));
	rte_eth_stats_get(g->port, &st);

	printf("loadgen: %u clients, window %u, rate %s%.0f/s, timeout %.0f ms, retries %u\n",
	       g->n_clients, g->window, g->rate > 0 ? "" : "unpaced ", g->rate,
	       (double)g->timeout_tsc * 1000.0 / (double)g->hz, g->retries);
	printf("loadgen: DORA     %" PRIu64 " leases in %.3f s = %.0f leases/s; no OFFER %" PRIu64
	       ", no ACK %" PRIu64 ", NAK %" PRIu64 "\n",
	       g->c.acks, g->phase_secs[PH_DORA], rate_of(g->c.acks, g->phase_secs[PH_DORA]),
	       g->c.no_offer, g->c.no_ack, g->c.nak_clients);
	if (g->do_renew)
		printf("loadgen: renew    %" PRIu64
		       " ACKs in %.3f s = %.0f renewals/s; no ACK %" PRIu64 ", NAK %" PRIu64 "\n",
		       g->c.renew_acks, g->phase_secs[PH_RENEW],
		       rate_of(g->c.renew_acks, g->phase_secs[PH_RENEW]), g->c.renew_no_ack,
		       g->c.renew_nak);
	if (g->do_release)
		printf("loadgen: release  %" PRIu64 " RELEASEs sent in %.3f s\n", g->c.releases,
		       g->phase_secs[PH_RELEASE]);
	for (k = 0; k < LAT__COUNT; k++)
		if (g->lat[k].n)
			printf("loadgen: latency %-5s (%s) n=%u p50 %u us, p99 %u us, max %u us\n",
			       lat_names[k],
			       k == LAT_OFFER ? "DISCOVER->OFFER"
			       : k == LAT_ACK ? "REQUEST->ACK"
					      : "RENEW->ACK",
			       g->lat[k].n, p50[k], p99[k], pmax[k]);
	printf("loadgen: frames tx %" PRIu64 " rx %" PRIu64 " (ignored %" PRIu64
	       "), tx failed %" PRIu64 ", retransmits %" PRIu64 "; port imissed %" PRIu64
	       " ierrors %" PRIu64 " oerrors %" PRIu64 "\n",
	       g->c.tx, g->c.rx, g->c.rx_ignored, g->c.tx_fail, g->c.retransmits, st.imissed,
	       st.ierrors, st.oerrors);
	if (g->n_vlans)
		printf("loadgen: QinQ     S-tag 0x%04x vid %u, C-tag 0x%04x vid %u: replies with "
		       "those tags %" PRIu64 ", with other tags %" PRIu64 "\n",
		       g->vlan_tpid[0], g->vlan_tci[0] & 0x0fff, g->vlan_tpid[1],
		       g->vlan_tci[1] & 0x0fff, g->c.vlan_ok, g->c.vlan_mismatch);
	printf("LOADGEN clients=%u leased=%" PRIu64 " lease_rate=%.0f no_offer=%" PRIu64
	       " no_ack=%" PRIu64 " nak=%" PRIu64 " renewed=%" PRIu64 " renew_rate=%.0f"
	       " renew_fail=%" PRIu64 " released=%" PRIu64 " retransmits=%" PRIu64
	       " offer_p50_us=%u offer_p99_us=%u ack_p50_us=%u ack_p99_us=%u"
	       " renew_p50_us=%u renew_p99_us=%u dora_secs=%.3f vlan_ok=%" PRIu64
	       " vlan_mismatch=%" PRIu64 " addr_mismatch=%" PRIu64 "\n",
	       g->n_clients, g->c.acks, rate_of(g->c.acks, g->phase_secs[PH_DORA]), g->c.no_offer,
	       g->c.no_ack, g->c.nak_clients, g->c.renew_acks,
	       rate_of(g->c.renew_acks, g->phase_secs[PH_RENEW]),
	       g->c.renew_no_ack + g->c.renew_nak, g->c.releases, g->c.retransmits, p50[LAT_OFFER],
	       p99[LAT_OFFER], p50[LAT_ACK], p99[LAT_ACK], p50[LAT_RENEW], p99[LAT_RENEW],
	       g->phase_secs[PH_DORA], g->c.vlan_ok, g->c.vlan_mismatch, g->c.addr_mismatch);
	fflush(stdout);
}

/* ------------------------------------------------------------------ setup */

static void usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s <EAL args> -- --clients N [--rate R] [--window W] [--timeout-ms T]\n"
		"          [--retries K] [--mac-base HH:HH] [--no-renew] [--no-release]\n"
		"          [--max-secs S] [--qinq S-VID:C-VID]\n"
		"  --clients N     emulated clients, distinct MACs <mac-base>:00:xx:xx:xx (1..%u)\n"
		"  --rate R        new clients started per second in each phase (0 = unpaced)\n"
		"  --window W      most clients with a request in flight (default 256)\n"
		"  --timeout-ms T  retransmit after T ms without a reply (default 1000)\n"
		"  --retries K     retransmissions before a client fails (default 3)\n"
		"  --mac-base      first two MAC bytes (default 02:4c, locally administered)\n"
		"  --max-secs S    bound on each phase (default 300)\n"
		"  --qinq S:C      tag every frame 0x88a8 vid S, then 0x8100 vid C (1..4094);\n"
		"                  every reply must carry the same tags\n",
		prog, MAX_CLIENTS);
}

static int parse_u32(const char *s, uint32_t lo, uint32_t hi, uint32_t *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || *s == '\0' || *end != '\0' || v < lo || v > hi)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

static int parse_args(struct gen *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "clients", required_argument, NULL, 'n' },
		{ "rate", required_argument, NULL, 'r' },
		{ "window", required_argument, NULL, 'w' },
		{ "timeout-ms", required_argument, NULL, 't' },
		{ "retries", required_argument, NULL, 'k' },
		{ "mac-base", required_argument, NULL, 'm' },
		{ "no-renew", no_argument, NULL, 'R' },
		{ "no-release", no_argument, NULL, 'L' },
		{ "max-secs", required_argument, NULL, 's' },
		{ "qinq", required_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint32_t v, timeout_ms = 1000, max_secs = 300;
	unsigned int b0, b1, svid, cvid;
	int c;

	g->n_clients = 1000;
	g->window = 256;
	g->retries = 3;
	g->mac_base[0] = 0x02;
	g->mac_base[1] = 0x4c;
	g->do_renew = true;
	g->do_release = true;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			if (parse_u32(optarg, 1, MAX_CLIENTS, &g->n_clients))
				goto bad;
			break;
		case 'r':
			if (parse_u32(optarg, 0, 100000000, &v))
				goto bad;
			g->rate = v;
			break;
		case 'w':
			if (parse_u32(optarg, 1, 65536, &g->window))
				goto bad;
			break;
		case 't':
			if (parse_u32(optarg, 1, 60000, &timeout_ms))
				goto bad;
			break;
		case 'k':
			if (parse_u32(optarg, 0, 100, &g->retries))
				goto bad;
			break;
		case 'm':
			if (sscanf(optarg, "%2x:%2x", &b0, &b1) != 2)
				goto bad;
			g->mac_base[0] = (uint8_t)b0;
			g->mac_base[1] = (uint8_t)b1;
			break;
		case 'R': g->do_renew = false; break;
		case 'L': g->do_release = false; break;
		case 's':
			if (parse_u32(optarg, 1, 86400, &max_secs))
				goto bad;
			break;
		case 'q':
			if (sscanf(optarg, "%u:%u%c", &svid, &cvid, (char[1]){ 0 }) != 2 ||
			    svid < 1 || svid > 4094 || cvid < 1 || cvid > 4094)
				goto bad;
			g->n_vlans = 2;
			g->vlan_tpid[0] = ETHERTYPE_QINQ;
			g->vlan_tci[0] = (uint16_t)svid;
			g->vlan_tpid[1] = ETHERTYPE_VLAN;
			g->vlan_tci[1] = (uint16_t)cvid;
			break;
		case 'h': usage(argv[0]); exit(0);
		default: usage(argv[0]); return -EINVAL;
		}
	}
	if (optind != argc)
		goto bad;
	g->timeout_tsc = (uint64_t)timeout_ms * g->hz / 1000;
	g->max_tsc = (uint64_t)max_secs * g->hz;
	return 0;
bad:
	fprintf(stderr, "loadgen: bad argument%s%s\n", optarg ? " " : "", optarg ? optarg : "");
	usage(argv[0]);
	return -EINVAL;
}

static int port_setup(struct gen *g)
{
	struct rte_eth_conf conf;
	struct rte_eth_dev_info info;
	int rc;

	if (rte_eth_dev_count_avail() == 0) {
		fprintf(stderr, "loadgen: no DPDK port (add --vdev net_af_packet0,iface=...)\n");
		return -ENODEV;
	}
	g->port = 0;
	memset(&conf, 0, sizeof(conf));
	rc = rte_eth_dev_info_get(g->port, &info);
	if (rc < 0)
		return rc;
	rc = rte_eth_dev_configure(g->port, 1, 1, &conf);
	if (rc < 0)
		return rc;
	rc = rte_eth_rx_queue_setup(g->port, 0, RX_DESC,
				    (unsigned int)rte_eth_dev_socket_id(g->port), NULL, g->pool);
	if (rc < 0)
		return rc;
	rc = rte_eth_tx_queue_setup(g->port, 0, TX_DESC,
				    (unsigned int)rte_eth_dev_socket_id(g->port), NULL);
	if (rc < 0)
		return rc;
	rc = rte_eth_dev_start(g->port);
	if (rc < 0)
		return rc;
	/* The replies are addressed to the emulated clients' MACs. */
	rte_eth_promiscuous_enable(g->port);
	rte_eth_macaddr_get(g->port, &g->port_mac);
	return 0;
}

int main(int argc, char **argv)
{
	struct gen g;
	int rc, k, status;

	rc = rte_eal_init(argc, argv);
	if (rc < 0) {
		fprintf(stderr, "loadgen: EAL initialisation failed: %s\n",
			rte_strerror(rte_errno));
		return 2;
	}
	argc -= rc;
	argv += rc;
	memset(&g, 0, sizeof(g));
	g.hz = rte_get_tsc_hz();
	if (parse_args(&g, argc, argv) < 0) {
		rte_eal_cleanup();
		return 2;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	g.clients = calloc(g.n_clients, sizeof(*g.clients));
	g.inflight = calloc(g.window, sizeof(*g.inflight));
	for (k = 0; k < LAT__COUNT; k++)
		g.lat[k].us = calloc(g.n_clients, sizeof(uint32_t));
	g.pool = rte_pktmbuf_pool_create("lg_mbufs", N_MBUFS, MBUF_CACHE, 0,
					 RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	if (!g.clients || !g.inflight || !g.lat[0].us || !g.lat[1].us || !g.lat[2].us || !g.pool) {
		fprintf(stderr, "loadgen: out of memory (more -m?)\n");
		status = 2;
		goto out;
	}
	rc = port_setup(&g);
	if (rc < 0) {
		fprintf(stderr, "loadgen: port setup: %s\n", strerror(-rc));
		status = 2;
		goto out;
	}
	for (uint32_t i = 0; i < g.n_clients; i++)
		g.clients[i].slot = -1;
	g.xid_salt = (uint32_t)rte_rdtsc() & 0xffff0000u;

	run_phase(&g, PH_DORA);
	if (g.do_renew && !stop_requested) {
		if (!g.server_mac_known)
			fprintf(stderr, "loadgen: no OFFER seen: no server to renew with\n");
		else
			run_phase(&g, PH_RENEW);
	}
	if (g.do_release && g.server_mac_known && !stop_requested)
		run_phase(&g, PH_RELEASE);
	report(&g);
	status = g.c.acks == g.n_clients && (!g.do_renew || g.c.renew_acks == g.n_clients) &&
			 g.c.vlan_mismatch == 0 && g.c.addr_mismatch == 0
		     ? 0
		     : 1;
	rte_eth_dev_stop(g.port);
	rte_eth_dev_close(g.port);
out:
	free(g.clients);
	free(g.inflight);
	for (k = 0; k < LAT__COUNT; k++)
		free(g.lat[k].us);
	rte_mempool_free(g.pool);
	rte_eal_cleanup();
	return status;
}
