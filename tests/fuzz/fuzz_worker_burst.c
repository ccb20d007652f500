/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz target for the worker's burst path, dataplane/worker.c: frames in,
 * replies and lease events out, with the real worker, lease table and
 * lab configuration (config_default_json, as leasewired --lab) in process.
 * EAL starts once, without hugepages, PCI or shared files (a file prefix
 * per process, so replays run in parallel); the worker's
 * port is a net_ring port (rte_eth_from_rings), so what it transmits is
 * read back from the TX ring. The control thread is played by the harness:
 * it pops the events and publishes them as committed (or, when the input
 * says so, as lost), so parked ACKs are released or dropped in the burst.
 *
 * Input layout:
 *   [0]   bits 0-6: seconds the worker's clock advances; bit 7: the
 *         "journal" fails this burst (every event is lost)
 *   then up to WORKER_BURST records: [flags] [len hi] [len lo] [len bytes]
 *         (a short tail is taken as it is); flags bit 0: the NIC verified
 *         the IPv4 checksum, bit 1: the UDP checksum, bit 2: the frame
 *         arrives on a port the worker does not serve
 *
 * After each burst it aborts when
 *  - a transmitted frame is not well formed: it must parse back with
 *    common/wire/frame.c (IPv4 header checksum, lengths), its UDP checksum must
 *    verify, and a DHCP reply must be a BOOTREPLY with the cookie whose
 *    yiaddr is 0 or inside a configured pool; ARP and ICMP replies must
 *    pass the parser up to "not a request";
 *  - the counters do not add up: every frame is a transmitted reply, a
 *    drop with a reason, or a DHCP message handled without a reply, and
 *    as many frames left as the counters say;
 *  - an event the journal would refuse (journal_record_validate), events
 *    out of sequence, or more events than the frames can make (one each,
 *    two for a DECLINE);
 *  - an mbuf is missing from the pool once the replies are freed, or an
 *    ACK is still parked after its commit.
 * Every RECYCLE_EVERY inputs the table starts again empty (and the clock at
 * its start), so a full pool does not end the exploration of allocation.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include <urcu-qsbr.h>

#include "config/config.h"
#include "dhcp/dhcp_msg.h"
#include "wire/frame.h"
#include "lease/journal_record.h"
#include "lease/lease_table.h"
#include "port.h"
#include "worker.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define N_MBUFS 255u /* a burst, its replies, room to spare; a power of two minus one */
#define RING_SIZE 1024u
#define EVENT_RING_SIZE 1024u
#define MAX_LEASES 1024u /* the schema's floor: the lab pool has 241 addresses */
#define RECYCLE_EVERY 2000u
#define START_UNIX 1700000000

static struct {
	struct lw_config *cfg;
	struct lease_table *table;
	struct rte_mempool *pool;
	struct rte_ring *rx, *tx;
	struct worker *w;
	struct spsc_ring *events; /* worker -> "control" (the harness) */
	struct worker_commit commit;
	struct failover_view *view;
	_Atomic bool stop;
	uint64_t last_seq;
	unsigned inputs;
} fz;

static void fail(const char *what)
{
	fprintf(stderr, "fuzz_worker_burst: invariant broken: %s\n", what);
	abort();
}

/* The harness cannot run here (no EAL): a skip for meson, not a failure. */
static void skip(const char *what, const char *why)
{
	fprintf(stderr, "fuzz_worker_burst: %s: %s; skipping\n", what, why);
	exit(77);
}

static struct lease_table *table_new(void)
{
	struct lease_table_params tp = { .n_writers = 1, .max_leases = fz.cfg->max_leases };
	struct lease_table *t = lease_table_create(&tp);

	if (!t)
		skip("lease table", strerror(errno));
	for (size_t i = 0; i < fz.cfg->n_subnets; i++) {
		const struct cfg_subnet *s = &fz.cfg->subnets[i];

		for (size_t p = 0; p < s->n_pools; p++)
			if (lease_table_add_range(t, s->id, s->pools[p].first, s->pools[p].last,
						  ADDR_RANGE_POOL) < 0)
				fail("pool does not fit the table");
	}
	return t;
}

static char runtime_dir[PATH_MAX];

/* EAL leaves its (empty, with --no-shconf) runtime directory behind: one per run. */
static void runtime_dir_remove(void)
{
	if (runtime_dir[0])
		rmdir(runtime_dir);
}

static void eal_start(const char *argv0)
{
	char prefix[32];

	snprintf(prefix, sizeof(prefix), "fzw%ld", (long)getpid());
	/* --in-memory would need hugepages; --no-shconf keeps /var/run clean. */
	char *eal_argv[] = {
		(char *)argv0,	 "--no-huge",	  "-m",	  "256", "--no-pci", "--no-shconf",
		"--log-level=1", "--file-prefix", prefix, "-l",	 "0",	     "--no-telemetry"
	};
	int eal_argc = (int)(sizeof(eal_argv) / sizeof(eal_argv[0]));

	if (rte_eal_init(eal_argc, eal_argv) < 0)
		skip("EAL", rte_strerror(rte_errno));
	snprintf(runtime_dir, sizeof(runtime_dir), "%s", rte_eal_get_runtime_dir());
	atexit(runtime_dir_remove);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char err[CFG_ERR_LEN];
	struct port_setup ps;

	eal_start(*argc > 0 ? (*argv)[0] : "fuzz_worker_burst");
	rte_log_set_global_level(RTE_LOG_EMERG);
	rcu_register_thread();

	fz.cfg = config_load_string(config_default_json, err);
	if (!fz.cfg)
		fail(err);
	fz.cfg->max_leases = MAX_LEASES;
	/* Inputs repeat the same clients: a per-client rate limit would make each input's path
	 * depend on the inputs before it (client_rate.h). */
	fz.cfg->rate_limit.client_pps = 0;

	fz.pool = rte_pktmbuf_pool_create("fzw_mbufs", N_MBUFS, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					  (int)rte_socket_id());
	fz.rx = rte_ring_create("fzw_rx", RING_SIZE, (int)rte_socket_id(),
				RING_F_SP_ENQ | RING_F_SC_DEQ);
	fz.tx = rte_ring_create("fzw_tx", RING_SIZE, (int)rte_socket_id(),
				RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (!fz.pool || !fz.rx || !fz.tx)
		skip("mbuf pool and rings", rte_strerror(rte_errno));
	int port = rte_eth_from_rings("net_ring_fzw", &fz.rx, 1, &fz.tx, 1, rte_socket_id());
	if (port < 0)
		skip("net_ring port", rte_strerror(rte_errno));
	if (port_setup((uint16_t)port, 1, fz.pool, &ps, err, sizeof(err)) < 0)
		skip("port set-up", err);
	fz.cfg->interfaces[0].port_id = (uint16_t)port;

	fz.table = table_new();
	fz.view = (struct failover_view *)&failover_view_standalone;
	fz.w = rte_zmalloc("fzw_worker", sizeof(*fz.w), RTE_CACHE_LINE_SIZE);
	fz.events = spsc_ring_create(EVENT_RING_SIZE, sizeof(struct lease_event));
	if (!fz.w || !fz.events)
		skip("worker", "out of memory");

	/* Wired as dataplane/main.c wires a worker, minus steering (one worker). */
	struct worker *w = fz.w;
	w->id = 0;
	w->n_workers = 1;
	w->pool = fz.pool;
	w->to_control = fz.events;
	w->commit = &fz.commit;
	w->view = &fz.view;
	w->stop = &fz.stop;
	w->ack_timeout_tsc = rte_get_tsc_hz() * 3600; /* the harness commits every burst */
	w->wait_for_commit = fz.cfg->lease_store.durability != CFG_DURABILITY_NONE;
	w->srv.table = fz.table;
	w->srv.cfg = fz.cfg;
	w->srv.worker = 0;
	w->srv.ctr = &w->ctr;
	struct worker_port *wp = &w->ports[w->n_ports++];
	wp->port_id = (uint16_t)port;
	wp->rx_queue = 0;
	wp->tx_queue = 0;
	wp->mac = ps.mac;
	wp->iface = &fz.cfg->interfaces[0];
	worker_prepare(w);
	w->now = START_UNIX;
	return 0;
}

/* ---- replies ---- */

static bool in_pool(uint32_t ip)
{
	for (size_t i = 0; i < fz.cfg->n_subnets; i++) {
		const struct cfg_subnet *s = &fz.cfg->subnets[i];

		for (size_t p = 0; p < s->n_pools; p++)
			if (ip >= s->pools[p].first && ip <= s->pools[p].last)
				return true;
	}
	return false;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Where the IPv4 header of a frame we built starts (Ethernet, up to two tags). */
static size_t l3_offset(const uint8_t *f, size_t len)
{
	size_t off = 12;

	for (unsigned i = 0; i <= FRAME_MAX_VLANS && off + 2 <= len; i++) {
		uint16_t type = (uint16_t)(f[off] << 8 | f[off + 1]);

		if (type != ETHERTYPE_VLAN && type != ETHERTYPE_QINQ)
			return off + 2;
		off += 4;
	}
	fail("reply with too many VLAN tags");
	return 0;
}

/* The UDP checksum of a reply, over the pseudo-header (RFC 768), sums to 0xffff. */
static void check_udp_csum(const uint8_t *f, size_t len, size_t l3)
{
	size_t ihl = (size_t)(f[l3] & 0xf) * 4;
	size_t l4 = l3 + ihl;

	if (l4 + 8 > len)
		fail("reply shorter than its UDP header");
	uint16_t udp_len = (uint16_t)(f[l4 + 4] << 8 | f[l4 + 5]);
	if (udp_len < 8 || l4 + udp_len > len)
		fail("reply UDP length outside the frame");
	if (f[l4 + 6] == 0 && f[l4 + 7] == 0)
		return; /* no checksum (allowed for IPv4) */
	uint8_t pseudo[12] = { 0 };
	memcpy(pseudo, f + l3 + 12, 8);
	pseudo[9] = 17;
	pseudo[10] = (uint8_t)(udp_len >> 8);
	pseudo[11] = (uint8_t)udp_len;
	uint32_t sum = frame_csum_partial(pseudo, sizeof(pseudo), 0);
	sum = frame_csum_partial(f + l4, udp_len, sum);
	if (frame_csum_fold(sum) != 0xffff)
		fail("reply UDP checksum does not verify");
}

/* A transmitted frame; returns 1 for a DHCP reply, 0 for ARP/ICMP. */
static int check_reply(const struct rte_mbuf *m)
{
	static uint8_t copy[RTE_MBUF_DEFAULT_BUF_SIZE];
	struct frame_info fi;
	size_t len = rte_pktmbuf_data_len(m);
	const uint8_t *f = rte_pktmbuf_mtod(m, const uint8_t *);

	if (m->nb_segs != 1 || len != rte_pktmbuf_pkt_len(m) || len > sizeof(copy) || len < 14)
		fail("reply is not one segment of a sane length");
	enum drop_reason r = frame_parse(f, len, &fi);
	if (r == DROP_ARP_INVALID || r == DROP_ICMP_INVALID)
		return 0; /* our ARP or echo reply: well formed, but not a request */
	if (r != DROP_UDP_PORT && r != DROP_NONE)
		fail("reply does not parse back");

	/* To a client (port 68): verify the checksum, then parse it as if sent to 67. */
	size_t l3 = l3_offset(f, len);
	check_udp_csum(f, len, l3);
	memcpy(copy, f, len);
	size_t l4 = l3 + (size_t)(copy[l3] & 0xf) * 4;
	copy[l4 + 2] = 0;
	copy[l4 + 3] = DHCP_SERVER_PORT;
	copy[l4 + 6] = copy[l4 + 7] = 0;
	if (frame_parse(copy, len, &fi) != DROP_NONE || fi.kind != FRAME_DHCP)
		fail("DHCP reply: IPv4 or UDP headers inconsistent");
	if (fi.udp_src_port != DHCP_SERVER_PORT)
		fail("DHCP reply not from the server port");
	const uint8_t *p = copy + fi.payload_off;
	if (fi.payload_len < 240 || fi.payload_len > DHCP_MAX_PAYLOAD)
		fail("DHCP reply length");
	if (p[0] != BOOTREPLY)
		fail("DHCP reply is not a BOOTREPLY");
	if (get32(p + 236) != DHCP_COOKIE)
		fail("DHCP reply without the magic cookie");
	uint32_t yiaddr = get32(p + 16);
	if (yiaddr && !in_pool(yiaddr))
		fail("DHCP reply offers an address outside every pool");
	return 1;
}

/* ---- the burst ---- */

struct tally {
	uint64_t dhcp_replies, other_replies, drops, drops_tx_full, drops_event_full, rx_dhcp,
	    rx_decline, tx_packets;
};

static void tally(const struct worker_counters *c, struct tally *t)
{
	memset(t, 0, sizeof(*t));
	t->dhcp_replies =
	    c->tx_offer + c->tx_ack + c->tx_nak + c->tx_bootp_reply + c->tx_inform_ack;
	t->other_replies = c->tx_arp_reply + c->tx_icmp_reply;
	for (unsigned i = 0; i < DROP__COUNT; i++)
		t->drops += c->drops[i];
	t->drops_tx_full = c->drops[DROP_TX_FULL];
	t->drops_event_full = c->drops[DROP_EVENT_RING_FULL];
	t->rx_dhcp = c->rx_dhcp;
	t->rx_decline = c->rx_decline;
	t->tx_packets = c->tx_packets;
}

/* The control thread's part: take the events, make them durable (or lose them). */
static unsigned commit_events(bool lose)
{
	struct lease_event ev;
	unsigned n = 0;

	worker_flush_events(fz.w);
	while (spsc_ring_pop(fz.w->to_control, &ev)) {
		if (journal_record_validate(ev.type, &ev.img) != 0)
			fail("event the journal would refuse");
		if (ev.seq != fz.last_seq + 1)
			fail("events out of sequence");
		fz.last_seq = ev.seq;
		n++;
	}
	if (fz.w->backlog_head != fz.w->backlog_tail)
		fail("events left in the backlog with room on the ring");
	if (lose)
		atomic_store_explicit(&fz.commit.failed_seq, fz.last_seq, memory_order_release);
	atomic_store_explicit(&fz.commit.committed_seq, fz.last_seq, memory_order_release);
	return n;
}

static void recycle(void)
{
	rcu_quiescent_state();
	lease_table_destroy(fz.table);
	fz.table = table_new();
	fz.w->srv.table = fz.table;
	fz.w->scan_cursor = 0;
	fz.w->reclaim_cursor = 0;
	/* An empty table may start the clock again: time stays in range on long runs. */
	fz.w->now = START_UNIX;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rte_mbuf *pkts[WORKER_BURST];
	struct tally before, after;
	unsigned n = 0;
	size_t off = 1;

	if (size == 0)
		return 0;
	unsigned avail = rte_mempool_avail_count(fz.pool);
	fz.w->now += data[0] & 0x7f;

	while (off < size && n < WORKER_BURST) {
		uint8_t flags = data[off];
		size_t len = off + 3 <= size ? (size_t)(data[off + 1] << 8 | data[off + 2]) : 0;

		off += 3;
		if (off > size)
			off = size;
		if (len > size - off)
			len = size - off;
		struct rte_mbuf *m = rte_pktmbuf_alloc(fz.pool);
		if (!m)
			fail("mbuf pool empty before the burst");
		if (len > rte_pktmbuf_tailroom(m))
			len = rte_pktmbuf_tailroom(m);
		memcpy(rte_pktmbuf_mtod(m, uint8_t *), data + off, len);
		m->data_len = (uint16_t)len;
		m->pkt_len = (uint32_t)len;
		m->port = fz.w->ports[0].port_id + (flags & 4 ? 1 : 0);
		m->ol_flags = (flags & 1 ? RTE_MBUF_F_RX_IP_CKSUM_GOOD : 0) |
			      (flags & 2 ? RTE_MBUF_F_RX_L4_CKSUM_GOOD : 0);
		off += len;
		pkts[n++] = m;
	}

	tally(&fz.w->ctr, &before);
	worker_handle_burst(fz.w, pkts, n);
	unsigned events = commit_events(data[0] & 0x80);
	worker_after_burst(fz.w);
	rcu_quiescent_state();
	tally(&fz.w->ctr, &after);

	if (fz.w->park_head != fz.w->park_tail)
		fail("ACK still parked after its events were committed");

	unsigned sent = 0, dhcp_sent = 0;
	struct rte_mbuf *out[RING_SIZE];
	unsigned got;
	while ((got = rte_ring_dequeue_burst(fz.tx, (void **)out, RTE_DIM(out), NULL)) > 0) {
		for (unsigned i = 0; i < got; i++) {
			dhcp_sent += (unsigned)check_reply(out[i]);
			rte_pktmbuf_free(out[i]);
		}
		sent += got;
	}

	uint64_t dhcp = after.dhcp_replies - before.dhcp_replies;
	uint64_t other = after.other_replies - before.other_replies;
	uint64_t drops = after.drops - before.drops;
	if (after.drops_tx_full != before.drops_tx_full ||
	    after.drops_event_full != before.drops_event_full)
		fail("TX or event ring full with room on both");
	if (after.tx_packets - before.tx_packets != sent || dhcp + other != sent ||
	    dhcp != dhcp_sent)
		fail("reply counters disagree with what was transmitted");
	/* One outcome per frame; a lost ACK is the drop of the frame it answers. */
	if (sent + drops > n)
		fail("more replies and drops than frames");
	if (n - sent - drops > after.rx_dhcp - before.rx_dhcp - dhcp)
		fail("frames neither answered, dropped nor handled");
	if (events > n + (after.rx_decline - before.rx_decline))
		fail("more events than the frames can make");
	if (rte_mempool_avail_count(fz.pool) != avail)
		fail("mbufs missing from the pool after the burst");

	if (++fz.inputs % RECYCLE_EVERY == 0)
		recycle();
	return 0;
}
