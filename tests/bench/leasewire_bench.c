/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * leasewire-bench: the in-process pipeline benchmark (DESIGN.md sec 8).
 *
 * One worker is driven on the main lcore by the bench itself: it crafts
 * frames once per synthetic client, copies them into mbufs a burst at a
 * time and hands them to worker_handle_mbuf(), exactly what worker_main()
 * does with an RX burst. Replies leave through a net_null port. Where a
 * scenario produces binding changes, the control thread runs for real on
 * its own pthread with the real journal, so parked ACKs wait for a real
 * group commit (write() or fdatasync()).
 *
 *   leasewire-bench <EAL args> -- [--clients N] [--smoke] [--scenario NAME]...
 *   e.g. leasewire-bench --no-huge -m 2048 --no-pci --file-prefix lwbench -l 0-1 \
 *            --vdev net_null0 -- --scenario discover_1m
 *
 * Every scenario prints one human line; the last line of output is one
 * machine-readable "BENCH key=value ..." summary of all of them. The exit
 * status says whether every scenario produced the replies it must (OFFERs
 * == DISCOVERs, ACKs == REQUESTs, no drops); speed is reported, never
 * asserted, so the smoke run is meaningful on any machine.
 *
 * What the figures include: mbuf allocation and the memcpy of each template
 * into its mbuf (the RX stand-in; measured on its own as copy_cpp so it can
 * be subtracted), parsing, the lease table, the reply, checksums, the TX
 * burst to net_null (which frees the mbufs). They do not include a NIC: the
 * copied frame is hot in cache when the worker reads it, as it would be
 * with DDIO.
 */
#define _GNU_SOURCE /* CPU_SET, pthread_attr_setaffinity_np, nftw */
#include <errno.h>
#include <ftw.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <malloc.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include <urcu-qsbr.h>

#include "dhcp/client_key.h"
#include "config/config.h"
#include "control.h"
#include "dhcp/dhcp_msg.h"
#include "dhcp/dhcp_server.h"
#include "failover/lb_hash.h"
#include "wire/frame.h"
#include "journal/journal.h"
#include "lease/lease_table.h"
#include "port.h"
#include "worker.h"

#define DEFAULT_CLIENTS 1000000u
#define SMOKE_CLIENTS 20000u
/* The pool below holds 2,031,616 addresses; every scenario needs N of them. */
#define MAX_CLIENTS 2000000u
#define MIN_CLIENTS WORKER_BURST

#define SERVER_IP 0x0a000001u /* 10.0.0.1, port0 */
#define RELAY_IP 0x0a000002u /* 10.0.0.2, the relay agent's giaddr */
#define PARTNER_IP 0x0a000003u /* 10.0.0.3, the failover partner (--failover) */
#define POOL_FIRST 0x0a010000u /* 10.1.0.0 */
#define RELAY_VLAN_TCI 100
#define LEASE_SECS 3600

#define TPL_STRIDE 384u /* bytes per template: the largest frame (346) rounded up */
#define PAYLOAD_MIN 300u /* BOOTP payload padded like dhclient's (RFC 1542 sec 2.1) */
#define HOUSEKEEPING_EVERY 256u /* bursts, as worker_main */
#define N_MBUFS 32767u /* parked ACKs (8192) + bursts in flight, with room */
#define MBUF_CACHE 256u
#define DRAIN_TIMEOUT_S 30u /* longest wait for the last ACKs to be released */
#define COPY_ROUNDS 4u /* passes of the copy-only baseline */

/*
 * TPL_REQUEST_FO: the SELECTING REQUEST of a failover run. A client of one
 * of our buckets asks for the address our OFFER gave it (the rank-th of
 * the pool, as only our clients allocate); a client of the partner's
 * buckets took the partner's OFFER and names the partner's server
 * identifier, which we see (it is broadcast) and ignore.
 */
enum tpl_kind { TPL_DISCOVER, TPL_REQUEST, TPL_RENEW, TPL_RELAY, TPL_REQUEST_FO, TPL__COUNT };

static const char *const tpl_names[TPL__COUNT] = { "DISCOVER", "REQUEST", "RENEW", "RELAY",
						   "REQUEST(failover)" };

/*
 * What a scenario runs against (--failover, --ours-only):
 *   V_SA_ALL  standalone view, all N clients (the historical figure);
 *   V_SA_OURS standalone view, only the clients of the failover split's
 *             buckets (the same packets as V_FO_OURS);
 *   V_FO_OURS failover NORMAL view, only our buckets' clients: every packet
 *             is answered, so its cost per client is directly comparable
 *             with V_SA_OURS (the fast path's failover price);
 *   V_FO_ALL  failover NORMAL view, all N clients: the real mix, where the
 *             partner's half is seen and dropped (packets processed vs
 *             leases given).
 */
enum variant { V_SA_ALL, V_SA_OURS, V_FO_OURS, V_FO_ALL, V__COUNT };
static const char *const variant_names[V__COUNT] = { "standalone", "sa-ours", "fo-ours", "fo-all" };
static bool variant_failover(enum variant v) { return v == V_FO_OURS || v == V_FO_ALL; }
static bool variant_ours_only(enum variant v) { return v == V_SA_OURS || v == V_FO_OURS; }

/* The bench's failover NORMAL view: a primary with split 128, no partner session. */
#define FO_SPLIT 128u
#define FO_LB_MAX_SECS 3
#define FO_MCLT 3600

enum run_kind {
	RUN_ONE, /* one template per client, one pass */
	RUN_DORA, /* DISCOVER then REQUEST for each burst of clients */
};

struct scenario {
	const char *name;
	enum run_kind run;
	enum tpl_kind tpl; /* RUN_ONE */
	enum cfg_durability durability;
	bool preload; /* N BOUND bindings loaded before measuring */
	bool control; /* binding changes flow: journal + control thread */
	uint8_t reply; /* the reply every packet must get (RUN_ONE) */
	const char *what;
};

static const struct scenario scenarios[] = {
	{ "discover_empty", RUN_ONE, TPL_DISCOVER, CFG_DURABILITY_NONE, false, false, DHCPOFFER,
	  "DISCOVER->OFFER, empty table (each OFFER allocates)" },
	{ "discover_1m", RUN_ONE, TPL_DISCOVER, CFG_DURABILITY_NONE, true, false, DHCPOFFER,
	  "DISCOVER->OFFER against N BOUND bindings" },
	{ "dora_none", RUN_DORA, TPL_DISCOVER, CFG_DURABILITY_NONE, false, true, DHCPACK,
	  "DISCOVER+REQUEST, durability none" },
	{ "dora_write", RUN_DORA, TPL_DISCOVER, CFG_DURABILITY_WRITE, false, true, DHCPACK,
	  "DISCOVER+REQUEST, durability write" },
	{ "dora_fsync", RUN_DORA, TPL_DISCOVER, CFG_DURABILITY_FSYNC, false, true, DHCPACK,
	  "DISCOVER+REQUEST, durability fsync" },
	{ "renew_1m", RUN_ONE, TPL_RENEW, CFG_DURABILITY_NONE, true, true, DHCPACK,
	  "REQUEST(RENEWING, ciaddr)->ACK against N bindings, durability none" },
	{ "relay_vlan", RUN_ONE, TPL_RELAY, CFG_DURABILITY_NONE, false, false, DHCPOFFER,
	  "relayed DISCOVER (giaddr, option 82) in 802.1Q ->OFFER" },
};
#define N_SCENARIOS RTE_DIM(scenarios)

struct result {
	bool ran, ok;
	uint64_t packets;
	uint64_t replies; /* OFFERs or ACKs, whichever the scenario expects */
	uint64_t leases; /* ACKs (DORA) */
	uint64_t answered; /* clients that got the expected reply */
	uint32_t fed_clients; /* clients fed (N, or our buckets' share) */
	double secs;
	double cpp; /* wall cycles per packet */
	double mpps;
	double leases_s;
	bool has_latency;
	double p50_us, p99_us, max_us;
	uint64_t stall_loops; /* DORA: loops waiting for park/backlog room */
	uint64_t commits; /* journal group commits */
};

struct bench {
	unsigned n_clients;
	unsigned repeat; /* runs per scenario; the fastest is reported */
	bool smoke;
	uint32_t selected; /* bit per scenario */
	uint32_t variants; /* bit per enum variant */
	struct failover_view fo_view; /* NORMAL, split FO_SPLIT */
	/*
	 * Per MAC space (0: plain clients, 1: relayed ones): whether client i
	 * is in our buckets, its rank among those, and the list of them.
	 */
	uint8_t *ours[2];
	uint32_t *rank[2];
	uint32_t *ours_list[2];
	uint32_t n_ours[2];
	uint64_t hz;
	char tmpdir[PATH_MAX];
	struct rte_mempool *pool;
	struct rte_ring *steer; /* the only worker's steer_in; never used with one worker */
	struct port_setup ps;
	int ctl_cpu; /* CPU for the control thread and call_rcu, -1: unpinned */
	uint8_t *tpl[TPL__COUNT]; /* n_clients * TPL_STRIDE, NULL when not needed */
	uint16_t tpl_len[TPL__COUNT];
	uint64_t *lat; /* parked-ACK latencies, cycles, one per ACK */
	double copy_cpp;
	struct result res[N_SCENARIOS][V__COUNT];
};

/* One scenario's world: config, table, journal, worker, rings, control. */
struct bench_env {
	const struct scenario *sc;
	enum variant var;
	struct lw_config *cfg;
	struct lease_table *table;
	struct journal *journal;
	struct worker *w;
	struct worker_commit *commit;
	struct spsc_ring *events[1];
	struct control_commit_slot slot[1];
	struct control_counters ccounters;
	struct control ctl;
	pthread_t ctl_thread;
	bool ctl_running;
	_Atomic bool stop;
	struct failover_view *view;
	char dir[PATH_MAX];
};

/* ------------------------------------------------------------------------ */
/* Frames                                                                   */

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t client_ip(uint32_t i) { return POOL_FIRST + i; }

/* Locally administered MAC 02:<space>:<index, 4 bytes>; relay clients use their own space. */
static void client_mac(uint8_t mac[ETH_ALEN], uint32_t i, uint8_t space)
{
	mac[0] = 0x02;
	mac[1] = space;
	put32(mac + 2, i);
}

struct bootp_spec {
	uint8_t type; /* option 53 */
	uint8_t hops;
	uint32_t xid;
	uint32_t ciaddr, giaddr; /* host order */
	uint32_t requested_ip; /* option 50 when non-zero */
	uint32_t server_id; /* option 54 when non-zero */
	uint8_t mac[ETH_ALEN];
	const uint8_t *rai; /* option 82 body */
	uint8_t rai_len;
};

/* The parameter request list dhclient sends, give or take. */
static const uint8_t prl[] = { 1, 28, 2, 3, 15, 6, 119, 12, 44, 47, 26, 121, 42 };

/*
 * A BOOTREQUEST as a DHCP client (or a relay) would send it, padded to 300
 * bytes. Returns the payload length, 0 if cap is too small.
 */
static size_t bootp_build(uint8_t *p, size_t cap, const struct bootp_spec *s)
{
	size_t need = DHCP_FIXED_LEN + 4 + 3 + 2 + sizeof(prl) + 6 + 6 + 2u + s->rai_len + 1;

	if (cap < PAYLOAD_MIN || cap < need)
		return 0;
	memset(p, 0, cap < TPL_STRIDE ? cap : TPL_STRIDE);
	p[0] = BOOTREQUEST;
	p[1] = 1; /* Ethernet */
	p[2] = ETH_ALEN;
	p[3] = s->hops;
	put32(p + 4, s->xid);
	put32(p + 12, s->ciaddr);
	put32(p + 24, s->giaddr);
	memcpy(p + 28, s->mac, ETH_ALEN);
	put32(p + DHCP_FIXED_LEN, DHCP_COOKIE);

	size_t o = DHCP_FIXED_LEN + 4;
	p[o++] = DHO_MESSAGE_TYPE;
	p[o++] = 1;
	p[o++] = s->type;
	if (s->requested_ip) {
		p[o++] = DHO_REQUESTED_ADDRESS;
		p[o++] = 4;
		put32(p + o, s->requested_ip);
		o += 4;
	}
	if (s->server_id) {
		p[o++] = DHO_SERVER_ID;
		p[o++] = 4;
		put32(p + o, s->server_id);
		o += 4;
	}
	p[o++] = DHO_PARAMETER_REQUEST_LIST;
	p[o++] = sizeof(prl);
	memcpy(p + o, prl, sizeof(prl));
	o += sizeof(prl);
	if (s->rai) {
		/* RFC 3046 sec 2.1: the relay appends option 82 last, before END. */
		p[o++] = DHO_RELAY_AGENT_INFO;
		p[o++] = s->rai_len;
		memcpy(p + o, s->rai, s->rai_len);
		o += s->rai_len;
	}
	p[o++] = DHO_END;
	return o < PAYLOAD_MIN ? PAYLOAD_MIN : o;
}

/* Build one template; returns its frame length or a negative errno. */
static int tpl_build(const struct bench *b, uint8_t *out, enum tpl_kind kind, uint32_t i)
{
	const struct rte_ether_addr *port_mac = &b->ps.mac;
	struct frame_reply_addr a = { .udp_src_port = DHCP_CLIENT_PORT,
				      .udp_dst_port = DHCP_SERVER_PORT,
				      .ip_dst = UINT32_MAX };
	struct bootp_spec s = { .type = DHCPDISCOVER, .xid = i * 2654435761u };
	uint8_t rai[2 + 4 + 2 + ETH_ALEN];

	client_mac(s.mac, i, kind == TPL_RELAY ? 0x01 : 0x00);
	memcpy(a.src_mac, s.mac, ETH_ALEN);
	memset(a.dst_mac, 0xff, ETH_ALEN);
	switch (kind) {
	case TPL_DISCOVER: break;
	case TPL_REQUEST:
		/* SELECTING (RFC 2131 sec 4.3.2): the offered address and our identifier. */
		s.type = DHCPREQUEST;
		s.requested_ip = client_ip(i);
		s.server_id = SERVER_IP;
		break;
	case TPL_REQUEST_FO:
		s.type = DHCPREQUEST;
		if (b->ours[0][i]) {
			s.requested_ip = POOL_FIRST + b->rank[0][i];
			s.server_id = SERVER_IP;
		} else {
			s.requested_ip = client_ip(i); /* whatever the partner offered */
			s.server_id = PARTNER_IP;
		}
		break;
	case TPL_RENEW:
		/* RENEWING: unicast from the bound address, ciaddr set, no 50/54. */
		s.type = DHCPREQUEST;
		s.ciaddr = client_ip(i);
		a.ip_src = client_ip(i);
		a.ip_dst = SERVER_IP;
		memcpy(a.dst_mac, port_mac->addr_bytes, ETH_ALEN);
		break;
	case TPL_RELAY:
		/* A relay in VLAN 100: unicast from giaddr, server port to server port. */
		s.hops = 1;
		s.giaddr = RELAY_IP;
		rai[0] = RAI_CIRCUIT_ID;
		rai[1] = 4;
		put16(rai + 2, RELAY_VLAN_TCI);
		put16(rai + 4, (uint16_t)(i % 4096)); /* access port */
		rai[6] = RAI_REMOTE_ID;
		rai[7] = ETH_ALEN;
		memcpy(rai + 8, s.mac, ETH_ALEN); /* the CPE's MAC */
		s.rai = rai;
		s.rai_len = sizeof(rai);
		a.n_vlans = 1;
		a.vlan_tpid[0] = ETHERTYPE_VLAN;
		a.vlan_tci[0] = RELAY_VLAN_TCI;
		a.ip_src = RELAY_IP;
		a.ip_dst = SERVER_IP;
		a.udp_src_port = DHCP_SERVER_PORT;
		a.src_mac[0] = 0x02;
		a.src_mac[1] = 0xaa; /* the relay's own MAC, not the client's */
		memcpy(a.dst_mac, port_mac->addr_bytes, ETH_ALEN);
		break;
	default: return -EINVAL;
	}
	size_t hdr = frame_udp_header_len(&a);
	size_t plen = bootp_build(out + hdr, TPL_STRIDE - hdr, &s);
	if (!plen)
		return -ENOSPC;
	return frame_build_udp(out, TPL_STRIDE, &a, plen);
}

/* Check a template the way the worker will read it, so a broken one fails loudly. */
static int tpl_check(const uint8_t *frame, size_t len, enum tpl_kind kind)
{
	struct frame_info fi;
	static struct dhcp_msg msg; /* 2 KiB: keep it off the stack */
	enum drop_reason r = frame_parse(frame, len, &fi);

	if (r == DROP_NONE && fi.kind != FRAME_DHCP)
		r = DROP_UDP_PORT;
	if (r == DROP_NONE)
		r = dhcp_msg_parse(frame + fi.payload_off, fi.payload_len, &msg);
	if (r != DROP_NONE) {
		fprintf(stderr, "bench: %s template refused: %s\n", tpl_names[kind],
			drop_reason_name(r));
		return -EINVAL;
	}
	return 0;
}

/*
 * The failover NORMAL view of a primary with split FO_SPLIT (buckets 0 ..
 * split-1 are the primary's, config_keys_failover.c; fo_session.c builds
 * the same view from a CONNECT), and which synthetic clients it serves:
 * RFC 3074's hash of chaddr, as lb_hash_msg() computes it for a request
 * without option 61.
 */
static int fo_clients_build(struct bench *b)
{
	struct failover_view *v = &b->fo_view;

	memset(v, 0, sizeof(*v));
	v->mode = FAILOVER_NORMAL;
	v->primary = true;
	v->mclt_secs = FO_MCLT;
	v->lb_max_secs = FO_LB_MAX_SECS;
	v->alloc_from = ALLOC_FREE;
	for (unsigned bk = 0; bk < FO_SPLIT; bk++)
		v->our_buckets[bk / 8] |= (uint8_t)(1u << (bk % 8));
	for (unsigned sp = 0; sp < 2; sp++) {
		b->ours[sp] = calloc(b->n_clients, 1);
		b->rank[sp] = calloc(b->n_clients, sizeof(uint32_t));
		b->ours_list[sp] = calloc(b->n_clients, sizeof(uint32_t));
		if (!b->ours[sp] || !b->rank[sp] || !b->ours_list[sp])
			return -ENOMEM;
		uint32_t k = 0;
		for (uint32_t i = 0; i < b->n_clients; i++) {
			uint8_t mac[ETH_ALEN];
			client_mac(mac, i, (uint8_t)sp);
			/* secs 0: the templates' secs, below lb_max_secs. */
			if (failover_view_serves(v, lb_hash(mac, ETH_ALEN), 0)) {
				b->ours[sp][i] = 1;
				b->rank[sp][i] = k;
				b->ours_list[sp][k++] = i;
			}
		}
		b->n_ours[sp] = k;
	}
	return 0;
}

static int templates_build(struct bench *b, bool need[TPL__COUNT])
{
	for (unsigned k = 0; k < TPL__COUNT; k++) {
		if (!need[k])
			continue;
		b->tpl[k] = aligned_alloc(64, (size_t)b->n_clients * TPL_STRIDE);
		if (!b->tpl[k]) {
			fprintf(stderr, "bench: %u %s templates: out of memory\n", b->n_clients,
				tpl_names[k]);
			return -ENOMEM;
		}
		for (uint32_t i = 0; i < b->n_clients; i++) {
			uint8_t *f = b->tpl[k] + (size_t)i * TPL_STRIDE;
			int len = tpl_build(b, f, (enum tpl_kind)k, i);
			if (len < 0) {
				fprintf(stderr, "bench: %s template %u: %s\n", tpl_names[k], i,
					strerror(-len));
				return len;
			}
			/* Fixed-size options: every client's frame of a kind has one length. */
			if (i == 0)
				b->tpl_len[k] = (uint16_t)len;
			else if (len != b->tpl_len[k])
				return -EINVAL;
		}
		if (tpl_check(b->tpl[k], b->tpl_len[k], (enum tpl_kind)k) < 0)
			return -EINVAL;
	}
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Scenario set-up and tear-down, wired as dataplane/main.c wires the daemon */

static const char *durability_name(enum cfg_durability d)
{
	return d == CFG_DURABILITY_FSYNC ? "fsync" : d == CFG_DURABILITY_WRITE ? "write" : "none";
}

static int config_build(struct bench *b, struct bench_env *e)
{
	char json[4096], err[CFG_ERR_LEN];
	uint32_t last = POOL_FIRST + 2031616u - 1; /* 10.31.255.255 */
	int n = snprintf(
	    json, sizeof(json),
	    "{ \"Dhcp4\": {\n"
	    "  \"interfaces-config\": { \"interfaces\": [\n"
	    "    { \"name\": \"port0\", \"port\": %u, \"address\": \"10.0.0.1/8\" } ] },\n"
	    "  \"valid-lifetime\": %u, \"renew-timer\": %u, \"rebind-timer\": %u,\n"
	    "  \"authoritative\": true,\n"
	    /* Offers must outlive a 1M-client DORA run. */
	    "  \"offer-lifetime\": 3600,\n"
	    "  \"max-leases\": %u,\n"
	    "  \"lease-store\": { \"directory\": \"%s\", \"durability\": \"%s\",\n"
	    /* No compaction inside a measurement; a slow CI disk must not drop ACKs. */
	    "    \"snapshot-every\": 1000000000, \"ack-timeout-ms\": 10000 },\n"
	    "  \"subnet4\": [ { \"id\": 1, \"subnet\": \"10.0.0.0/8\", \"interface\": \"port0\",\n"
	    "    \"pools\": [ { \"pool\": \"10.1.0.0 - %u.%u.%u.%u\" } ],\n"
	    "    \"option-data\": [\n"
	    "      { \"name\": \"routers\", \"data\": \"10.0.0.1\" },\n"
	    "      { \"name\": \"domain-name-servers\", \"data\": \"10.0.0.1\" },\n"
	    "      { \"name\": \"domain-name\", \"data\": \"bench.leasewire.test\" } ] } ]\n"
	    "} }\n",
	    b->ps.port_id, LEASE_SECS, LEASE_SECS / 4, LEASE_SECS / 2,
	    /* N bindings, N more versions waiting for their grace period, headroom. */
	    2 * b->n_clients + 65536, e->dir, durability_name(e->sc->durability), last >> 24,
	    last >> 16 & 0xff, last >> 8 & 0xff, last & 0xff);
	if (n < 0 || (size_t)n >= sizeof(json))
		return -ENOSPC;
	e->cfg = config_load_string(json, err);
	if (!e->cfg) {
		fprintf(stderr, "bench: configuration: %s\n", err);
		return -EINVAL;
	}
	return 0;
}

static int recover_none(uint8_t type, const struct lease_image *img, void *arg)
{
	(void)type;
	(void)img;
	(*(uint64_t *)arg)++;
	return 0;
}

/*
 * Load N BOUND bindings through the recovery path (dhcp_server_apply_image),
 * client i on POOL_FIRST + i, as a restart would. Start-up thread, online.
 */
static int preload(struct bench *b, struct bench_env *e)
{
	struct lease_image img;
	int64_t now = time(NULL);

	for (uint32_t i = 0; i < b->n_clients; i++) {
		memset(&img, 0, sizeof(img));
		img.ip = client_ip(i);
		img.subnet_id = 1;
		img.state = LEASE_BOUND;
		img.htype = 1;
		img.hlen = ETH_ALEN;
		client_mac(img.chaddr, i, 0x00);
		img.cltt = now;
		img.expire = now + LEASE_SECS;
		img.lease_secs = LEASE_SECS;
		/* The key client_key_from_msg() derives: type, htype, chaddr. */
		img.key[0] = LEASE_KEY_HWADDR;
		img.key[1] = 1;
		memcpy(img.key + 2, img.chaddr, ETH_ALEN);
		img.key_len = 2 + ETH_ALEN;
		uint32_t hash = client_key_hash(img.key, img.key_len);
		int rc = dhcp_server_apply_image(e->table, client_key_shard(hash, 1),
						 JOURNAL_REC_UPSERT, &img, now);
		if (rc < 0) {
			fprintf(stderr, "bench: preload of client %u: %s\n", i, strerror(-rc));
			return rc;
		}
		if ((i & 1023) == 1023)
			rcu_quiescent_state();
	}
	rcu_quiescent_state();
	return 0;
}

static void *control_thread(void *arg)
{
	struct control *c = arg;

	/* As leasewired's control thread: a QSBR reader, offline but for compaction. */
	rcu_register_thread();
	rcu_thread_offline();
	control_run(c);
	rcu_thread_online();
	rcu_unregister_thread();
	return NULL;
}

/* A thread on the control CPU: a new thread inherits the main lcore's affinity otherwise. */
static int spawn_pinned(const struct bench *b, pthread_t *tid, void *(*fn)(void *), void *arg)
{
	pthread_attr_t attr;
	int rc = pthread_attr_init(&attr);

	if (rc)
		return -rc;
	if (b->ctl_cpu >= 0) {
		cpu_set_t set;
		CPU_ZERO(&set);
		CPU_SET(b->ctl_cpu, &set);
		pthread_attr_setaffinity_np(&attr, sizeof(set), &set);
	}
	rc = pthread_create(tid, &attr, fn, arg);
	pthread_attr_destroy(&attr);
	return -rc;
}

static int control_start(struct bench *b, struct bench_env *e)
{
	int rc = spawn_pinned(b, &e->ctl_thread, control_thread, &e->ctl);

	if (rc == 0)
		e->ctl_running = true;
	return rc;
}

struct create_arg {
	struct lease_table_params params;
	struct lease_table *table;
	int err;
};

static void *create_thread(void *arg)
{
	struct create_arg *ca = arg;

	ca->table = lease_table_create(&ca->params);
	ca->err = errno;
	return NULL;
}

/*
 * liburcu starts the hash table's resize thread on the first cds_lfht_new()
 * and that thread inherits its creator's affinity. leasewired creates the
 * table on the control lcore; do the same, or resizes would run on the
 * worker's core and be measured as packet cost.
 */
static struct lease_table *table_create(const struct bench *b, size_t max_leases)
{
	struct create_arg ca = { .params = { .n_writers = 1, .max_leases = max_leases } };
	pthread_t tid;
	int rc = spawn_pinned(b, &tid, create_thread, &ca);

	if (rc < 0) {
		errno = -rc;
		return NULL;
	}
	pthread_join(tid, NULL);
	errno = ca.err;
	return ca.table;
}

static int env_setup(struct bench *b, struct bench_env *e, const struct scenario *sc,
		     enum variant var)
{
	char err[CFG_ERR_LEN];
	int rc;

	memset(e, 0, sizeof(*e));
	e->sc = sc;
	e->var = var;
	/*
	 * The failover variants install a NORMAL view and no partner session:
	 * the control thread keeps the view (ctl.failover stays NULL, so the
	 * bindings' update fields are journaled and nothing is sent), while the
	 * workers pay for the load-balance decision, the MCLT cap, the owner
	 * check and the failover fields of every binding.
	 */
	e->view =
	    variant_failover(var) ? &b->fo_view : (struct failover_view *)&failover_view_standalone;
	if (snprintf(e->dir, sizeof(e->dir), "%s/%s-%s", b->tmpdir, sc->name, variant_names[var]) >=
	    (int)sizeof(e->dir))
		return -ENAMETOOLONG;
	rc = config_build(b, e);
	if (rc < 0)
		return rc;

	e->table = table_create(b, e->cfg->max_leases);
	if (!e->table) {
		fprintf(stderr, "bench: cannot allocate %u lease records: %s\n", e->cfg->max_leases,
			strerror(errno));
		return -ENOMEM;
	}
	/* The daemon's ranges, reservations included, so the table is the one it serves from. */
	rc = dhcp_server_add_ranges(e->table, e->cfg);
	if (rc < 0) {
		fprintf(stderr, "bench: address ranges: %s\n", strerror(-rc));
		return rc;
	}
	if (sc->preload) {
		uint64_t t0 = rte_rdtsc();
		rc = preload(b, e);
		if (rc < 0)
			return rc;
		printf("  %s: preloaded %u BOUND bindings in %.2f s\n", sc->name, b->n_clients,
		       (double)(rte_rdtsc() - t0) / (double)b->hz);
	}

	e->commit = rte_zmalloc("bench_commit", sizeof(*e->commit), RTE_CACHE_LINE_SIZE);
	e->w = rte_zmalloc("bench_worker", sizeof(*e->w), RTE_CACHE_LINE_SIZE);
	e->events[0] = spsc_ring_create(65536, sizeof(struct lease_event));
	if (!e->commit || !e->w || !e->events[0]) {
		fprintf(stderr, "bench: out of memory for the worker\n");
		return -ENOMEM;
	}
	e->slot[0].committed_seq = &e->commit->committed_seq;
	e->slot[0].failed_seq = &e->commit->failed_seq;

	struct worker *wk = e->w;
	wk->id = 0;
	wk->n_workers = 1;
	wk->pool = b->pool;
	wk->steer_in = b->steer;
	wk->steer_rings = &b->steer;
	wk->to_control = e->events[0];
	wk->commit = e->commit;
	wk->view = &e->view;
	wk->stop = &e->stop;
	wk->ack_timeout_tsc = b->hz / 1000 * e->cfg->lease_store.ack_timeout_ms;
	wk->wait_for_commit = e->cfg->lease_store.durability != CFG_DURABILITY_NONE;
	wk->srv.table = e->table;
	wk->srv.cfg = e->cfg;
	wk->srv.worker = 0;
	wk->srv.ctr = &wk->ctr;
	wk->srv.next_seq = 0;
	struct worker_port *wp = &wk->ports[wk->n_ports++];
	wp->port_id = b->ps.port_id;
	wp->rx_queue = 0;
	wp->tx_queue = 0;
	wp->mac = b->ps.mac;
	wp->iface = &e->cfg->interfaces[0];

	if (!sc->control)
		return 0;
	struct journal_recovery_stats rs;
	uint64_t recovered = 0;
	e->journal = journal_open(&e->cfg->lease_store, 100, recover_none, &recovered, &rs, err,
				  sizeof(err));
	if (!e->journal) {
		fprintf(stderr, "bench: lease store %s: %s\n", e->dir, err);
		return -EIO;
	}
	e->ctl = (struct control){
		.cfg = e->cfg,
		.journal = e->journal,
		.table = e->table,
		.n_workers = 1,
		.from_workers = e->events,
		.commit = e->slot,
		.counters = &e->ccounters,
		.stop = &e->stop,
	};
	rc = control_start(b, e);
	if (rc < 0)
		fprintf(stderr, "bench: control thread: %s\n", strerror(-rc));
	return rc;
}

static int rm_visit(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

static void rm_tree(const char *path) { nftw(path, rm_visit, 16, FTW_DEPTH | FTW_PHYS); }

/* Stop control, commit what is left, free everything the scenario made. */
static int env_teardown(struct bench_env *e)
{
	int rc = 0;

	if (e->w) {
		/* Hand every event over, as worker_main does before it returns. */
		for (unsigned tries = 0;
		     e->ctl_running && e->w->backlog_tail != e->w->backlog_head && tries < 1000000;
		     tries++)
			worker_flush_events(e->w);
		while (e->w->park_tail != e->w->park_head)
			rte_pktmbuf_free(e->w->park[e->w->park_tail++ % WORKER_PARK_SLOTS].m);
		worker_after_burst(e->w);
	}
	atomic_store(&e->stop, true);
	if (e->ctl_running) {
		pthread_join(e->ctl_thread, NULL);
		e->ctl_running = false;
		rc = control_drain(&e->ctl);
	}
	if (e->journal)
		journal_close(e->journal);
	/* Retired versions come back through call_rcu: the table waits for them. */
	rcu_quiescent_state();
	lease_table_destroy(e->table);
	spsc_ring_free(e->events[0]);
	rte_free(e->w);
	rte_free(e->commit);
	config_free(e->cfg);
	rm_tree(e->dir);
	memset(e, 0, sizeof(*e));
	return rc;
}

/* ------------------------------------------------------------------------ */
/* The loop                                                                 */

struct loop {
	struct bench *b;
	struct worker *w;
	uint64_t bursts;
	uint32_t park_seen; /* worker park_head as last timestamped */
	uint32_t release_seen; /* worker park_tail as last accounted */
	uint64_t park_tsc[WORKER_PARK_SLOTS];
	size_t n_lat;
	uint64_t last_release_tsc;
	uint64_t no_mbuf;
	const uint32_t *order; /* clients to feed, NULL: 0 .. N-1 */
};

/*
 * Copy n templates of kind k, clients first.. (of lp->order when set: the
 * ours-only variants), into fresh mbufs and handle them.
 */
static void feed(struct loop *lp, enum tpl_kind k, uint32_t first, unsigned n)
{
	struct rte_mbuf *m[WORKER_BURST];
	const uint8_t *base = lp->b->tpl[k];
	uint16_t len = lp->b->tpl_len[k];
	uint16_t port = lp->b->ps.port_id;
	const uint32_t *order = lp->order;

	while (rte_pktmbuf_alloc_bulk(lp->b->pool, m, n) != 0)
		lp->no_mbuf++; /* cannot happen with N_MBUFS; counted if it does */
	for (unsigned i = 0; i < n; i++) {
		size_t c = order ? order[first + i] : first + i;
		memcpy(rte_pktmbuf_mtod(m[i], uint8_t *), base + c * TPL_STRIDE, len);
		m[i]->data_len = len;
		m[i]->pkt_len = len;
		m[i]->port = port;
	}
	worker_handle_burst(lp->w, m, n);

	if (lp->park_seen != lp->w->park_head) {
		uint64_t now = rte_rdtsc();
		for (; lp->park_seen != lp->w->park_head; lp->park_seen++)
			lp->park_tsc[lp->park_seen % WORKER_PARK_SLOTS] = now;
	}
}

/* What worker_main does after each burst, plus the latency of released ACKs. */
static void tick(struct loop *lp)
{
	struct worker *w = lp->w;

	worker_after_burst(w);
	if (lp->release_seen != w->park_tail) {
		uint64_t now = rte_rdtsc();
		for (; lp->release_seen != w->park_tail; lp->release_seen++) {
			if (lp->n_lat < lp->b->n_clients)
				lp->b->lat[lp->n_lat++] =
				    now - lp->park_tsc[lp->release_seen % WORKER_PARK_SLOTS];
		}
		lp->last_release_tsc = now;
	}
	rcu_quiescent_state();
	if ((++lp->bursts % HOUSEKEEPING_EVERY) == 0)
		worker_housekeeping(w);
}

/*
 * A client population is closed-loop: it does not send more than the server
 * can hold. Before a burst that parks ACKs or queues events, wait while the
 * park queue or the event backlog lacks room for it, so the bench measures
 * throughput instead of counting DROP_PARK_FULL.
 */
static bool needs_room(const struct worker *w)
{
	return w->park_head - w->park_tail > WORKER_PARK_SLOTS - WORKER_BURST ||
	       w->backlog_head - w->backlog_tail > WORKER_EVENT_BACKLOG - WORKER_BURST;
}

static uint64_t wait_room(struct loop *lp)
{
	uint64_t loops = 0;

	while (needs_room(lp->w)) {
		tick(lp);
		rte_pause();
		loops++;
	}
	return loops;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static uint64_t drops_total(const struct worker_counters *c)
{
	uint64_t n = 0;
	for (unsigned r = 1; r < DROP__COUNT; r++)
		n += c->drops[r];
	return n;
}

static void report_drops(const struct worker_counters *c)
{
	for (unsigned r = 1; r < DROP__COUNT; r++)
		if (c->drops[r])
			printf("    drop %s: %" PRIu64 "\n", drop_reason_name((enum drop_reason)r),
			       c->drops[r]);
}

static void run_scenario(struct bench *b, struct bench_env *e, struct result *res)
{
	const struct scenario *sc = e->sc;
	struct worker *w = e->w;
	struct loop *lp = calloc(1, sizeof(*lp));
	uint32_t n = b->n_clients;

	if (!lp)
		return;
	lp->b = b;
	lp->w = w;
	unsigned space = sc->tpl == TPL_RELAY ? 1 : 0;
	bool fo = variant_failover(e->var), ours_only = variant_ours_only(e->var);
	enum tpl_kind req_tpl = fo || ours_only ? TPL_REQUEST_FO : TPL_REQUEST;
	if (ours_only) {
		lp->order = b->ours_list[space];
		n = b->n_ours[space];
	}
	/*
	 * Clients that must be answered: in the mixed failover run only our
	 * buckets' DISCOVERs (and their REQUESTs); renewals are not balanced.
	 */
	uint32_t want = n;
	if (e->var == V_FO_ALL && !(sc->run == RUN_ONE && sc->tpl == TPL_RENEW))
		want = b->n_ours[space];
	uint32_t theirs = n - want;
	res->fed_clients = n;
	worker_prepare(w);

	uint64_t t0 = rte_rdtsc(), t_end;
	if (sc->run == RUN_ONE) {
		for (uint32_t i = 0; i < n; i += WORKER_BURST) {
			unsigned k = RTE_MIN((uint32_t)WORKER_BURST, n - i);
			if (sc->control)
				res->stall_loops += wait_room(lp);
			feed(lp, sc->tpl, i, k);
			tick(lp);
		}
		res->packets = n;
	} else {
		for (uint32_t i = 0; i < n; i += WORKER_BURST) {
			unsigned k = RTE_MIN((uint32_t)WORKER_BURST, n - i);
			feed(lp, TPL_DISCOVER, i, k);
			tick(lp);
			res->stall_loops += wait_room(lp);
			feed(lp, req_tpl, i, k);
			tick(lp);
		}
		res->packets = 2ull * n;
	}
	t_end = rte_rdtsc();

	if (w->wait_for_commit) {
		/* The run ends when the last ACK leaves; bounded in case the journal stalls. */
		uint64_t deadline = t_end + (uint64_t)DRAIN_TIMEOUT_S * b->hz;
		while ((w->park_tail != w->park_head || w->backlog_tail != w->backlog_head) &&
		       rte_rdtsc() < deadline) {
			tick(lp);
			rte_pause();
		}
		if (lp->last_release_tsc > t_end)
			t_end = lp->last_release_tsc;
	}
	worker_housekeeping(w);

	const struct worker_counters *c = &w->ctr;
	uint64_t cycles = t_end - t0;
	res->ran = true;
	res->secs = (double)cycles / (double)b->hz;
	res->cpp = (double)cycles / (double)res->packets;
	res->mpps = (double)res->packets / res->secs / 1e6;
	res->replies = sc->reply == DHCPOFFER ? c->tx_offer : c->tx_ack;
	if (sc->control)
		res->commits = atomic_load(&e->ccounters.journal_commits);

	/* The partner's clients: their DISCOVERs and their REQUESTs naming the partner. */
	uint64_t expected_drops = sc->run == RUN_DORA ? 2ull * theirs : theirs;
	bool ok = drops_total(c) == expected_drops && c->drops[DROP_NOT_OUR_BUCKET] == theirs &&
		  lp->no_mbuf == 0 && res->replies == want;
	res->answered = res->replies;
	if (sc->run == RUN_DORA) {
		ok = ok && c->rx_discover == n && c->rx_request == n && c->tx_offer == want &&
		     c->drops[DROP_NOT_FOR_US] == theirs;
		res->leases = c->tx_ack;
		res->leases_s = (double)res->leases / res->secs;
		if (w->wait_for_commit)
			ok = ok && c->acks_released == want && c->acks_parked == want;
	} else {
		ok = ok && (sc->tpl == TPL_RENEW ? c->rx_request : c->rx_discover) == n;
	}
	if (lp->n_lat) {
		qsort(b->lat, lp->n_lat, sizeof(b->lat[0]), cmp_u64);
		double us = 1e6 / (double)b->hz;
		res->has_latency = true;
		res->p50_us = (double)b->lat[lp->n_lat / 2] * us;
		res->p99_us = (double)b->lat[RTE_MIN(lp->n_lat - 1, lp->n_lat * 99 / 100)] * us;
		res->max_us = (double)b->lat[lp->n_lat - 1] * us;
	}
	res->ok = ok;

	if (b->variants != 1u << V_SA_ALL)
		printf("%-14s %-10s", sc->name, variant_names[e->var]);
	else
		printf("%-14s", sc->name);
	printf(" %9" PRIu64 " packets %8.3f s %6.2f Mpps/core %7.0f cycles/packet", res->packets,
	       res->secs, res->mpps, res->cpp);
	if (b->variants != 1u << V_SA_ALL)
		printf("  %7.0f cycles/answered",
		       (double)cycles / (double)(res->answered ? res->answered : 1));
	if (sc->run == RUN_DORA) {
		printf("  %9.0f leases/s", res->leases_s);
		if (res->has_latency)
			printf("  parked-ACK p50 %.1f us p99 %.1f us max %.1f us", res->p50_us,
			       res->p99_us, res->max_us);
		else
			printf("  (ACKs not parked)");
		printf("  commits %" PRIu64 " stall-loops %" PRIu64, res->commits,
		       res->stall_loops);
	}
	printf("  [%s]\n", ok ? "ok" : "FAILED");
	if (!ok) {
		printf("    rx_discover %" PRIu64 " rx_request %" PRIu64 " tx_offer %" PRIu64
		       " tx_ack %" PRIu64 " tx_nak %" PRIu64 " acks_parked %" PRIu64
		       " acks_released %" PRIu64 " no_mbuf %" PRIu64 "\n",
		       c->rx_discover, c->rx_request, c->tx_offer, c->tx_ack, c->tx_nak,
		       c->acks_parked, c->acks_released, lp->no_mbuf);
		report_drops(c);
	}
	fflush(stdout);
	free(lp);
}

/*
 * The RX stand-in on its own: allocate a burst, copy the templates, free the
 * burst. Subtract it from a scenario's cycles/packet for the worker's share.
 */
static void measure_copy(struct bench *b, enum tpl_kind k)
{
	struct rte_mbuf *m[WORKER_BURST];
	uint16_t len = b->tpl_len[k];
	uint64_t packets = 0, t0 = rte_rdtsc();

	for (unsigned round = 0; round < COPY_ROUNDS; round++) {
		for (uint32_t i = 0; i < b->n_clients; i += WORKER_BURST) {
			unsigned n = RTE_MIN((uint32_t)WORKER_BURST, b->n_clients - i);
			const uint8_t *src = b->tpl[k] + (size_t)i * TPL_STRIDE;
			if (rte_pktmbuf_alloc_bulk(b->pool, m, n) != 0)
				continue;
			for (unsigned j = 0; j < n; j++) {
				memcpy(rte_pktmbuf_mtod(m[j], uint8_t *),
				       src + (size_t)j * TPL_STRIDE, len);
				m[j]->data_len = len;
				m[j]->pkt_len = len;
			}
			rte_pktmbuf_free_bulk(m, n);
			packets += n;
		}
	}
	b->copy_cpp = (double)(rte_rdtsc() - t0) / (double)packets;
	printf("%-14s %9" PRIu64 " packets %8s   %6s           %7.0f cycles/packet"
	       "  (mbuf alloc + template memcpy + free, included in every figure below)\n",
	       "copy_baseline", packets, "", "", b->copy_cpp);
}

/* ------------------------------------------------------------------------ */
/* Start-up                                                                 */

static void print_machine(const struct bench *b)
{
	char line[256], model[256] = "unknown";
	FILE *f = fopen("/proc/cpuinfo", "r");

	if (f) {
		while (fgets(line, sizeof(line), f)) {
			if (strncmp(line, "model name", 10) == 0) {
				char *p = strchr(line, ':');
				if (p) {
					snprintf(model, sizeof(model), "%s", p + 2);
					model[strcspn(model, "\n")] = '\0';
				}
				break;
			}
		}
		fclose(f);
	}
	printf("bench: cpu \"%s\", %ld online, tsc %.3f GHz (%" PRIu64 " Hz)\n", model,
	       sysconf(_SC_NPROCESSORS_ONLN), (double)b->hz / 1e9, b->hz);
	printf("bench: %u clients, burst %u, 1 worker on lcore %u, control thread on cpu %d, "
	       "lease store under %s, best of %u run(s)\n",
	       b->n_clients, WORKER_BURST, rte_lcore_id(), b->ctl_cpu, b->tmpdir, b->repeat);
}

/* The CPU for the control thread: the first one of the first other lcore. */
static int pick_control_cpu(void)
{
	unsigned lcore = rte_get_next_lcore(-1, 1, 0);

	if (lcore >= RTE_MAX_LCORE)
		return -1;
	rte_cpuset_t set = rte_lcore_cpuset(lcore);
	for (int cpu = 0; cpu < CPU_SETSIZE; cpu++)
		if (CPU_ISSET(cpu, &set))
			return cpu;
	return -1;
}

static void usage(const char *prog)
{
	fprintf(
	    stderr,
	    "usage: %s <EAL args> -- [--clients N] [--smoke] [--repeat K] [--scenario NAME]...\n"
	    "  --clients N      synthetic clients (default %u, --smoke %u, max %u)\n"
	    "  --repeat K       run each scenario K times, report the fastest (noisy hosts)\n"
	    "  --smoke          N = %u, all scenarios: a correctness run, seconds long\n"
	    "  --failover MODE  off (default): standalone view; normal: a failover NORMAL view\n"
	    "                   (primary, split %u, lb max secs %u, MCLT %u, alloc FREE, no\n"
	    "                   partner session); both: standalone and NORMAL side by side, on\n"
	    "                   all N clients and on our buckets' clients only, compared\n"
	    "  --ours-only      feed only the clients of the split's buckets (every packet "
	    "answered)\n"
	    "  --scenario NAME  run only NAME (repeatable):",
	    prog, DEFAULT_CLIENTS, SMOKE_CLIENTS, MAX_CLIENTS, SMOKE_CLIENTS, FO_SPLIT,
	    FO_LB_MAX_SECS, FO_MCLT);
	for (unsigned i = 0; i < N_SCENARIOS; i++)
		fprintf(stderr, " %s", scenarios[i].name);
	fprintf(stderr, "\n");
}

static int parse_args(struct bench *b, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "clients", required_argument, NULL, 'n' },
		{ "smoke", no_argument, NULL, 's' },
		{ "scenario", required_argument, NULL, 'S' },
		{ "repeat", required_argument, NULL, 'r' },
		{ "failover", required_argument, NULL, 'f' },
		{ "ours-only", no_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	long clients = 0;
	int opt, fo_mode = 0; /* 0 off, 1 normal, 2 both */
	bool ours_only = false;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'n': {
			char *end;
			errno = 0;
			clients = strtol(optarg, &end, 10);
			if (errno || *end || clients < MIN_CLIENTS || clients > MAX_CLIENTS) {
				fprintf(stderr, "bench: --clients: %s is not in %u .. %u\n", optarg,
					MIN_CLIENTS, MAX_CLIENTS);
				return -EINVAL;
			}
			break;
		}
		case 's': b->smoke = true; break;
		case 'f':
			if (!strcmp(optarg, "off"))
				fo_mode = 0;
			else if (!strcmp(optarg, "normal"))
				fo_mode = 1;
			else if (!strcmp(optarg, "both"))
				fo_mode = 2;
			else {
				fprintf(stderr, "bench: --failover: off, normal or both, not %s\n",
					optarg);
				return -EINVAL;
			}
			break;
		case 'o': ours_only = true; break;
		case 'r': {
			char *end;
			long r = strtol(optarg, &end, 10);
			if (*end || r < 1 || r > 100) {
				fprintf(stderr, "bench: --repeat: %s is not in 1 .. 100\n", optarg);
				return -EINVAL;
			}
			b->repeat = (unsigned)r;
			break;
		}
		case 'S': {
			unsigned i;
			for (i = 0; i < N_SCENARIOS && strcmp(optarg, scenarios[i].name); i++)
				;
			if (i == N_SCENARIOS) {
				fprintf(stderr, "bench: unknown scenario \"%s\"\n", optarg);
				usage(argv[0]);
				return -EINVAL;
			}
			b->selected |= 1u << i;
			break;
		}
		default: usage(argv[0]); return -EINVAL;
		}
	}
	if (optind < argc) {
		usage(argv[0]);
		return -EINVAL;
	}
	b->n_clients = clients ? (unsigned)clients : b->smoke ? SMOKE_CLIENTS : DEFAULT_CLIENTS;
	if (!b->repeat)
		b->repeat = 1;
	if (!b->selected)
		b->selected = (1u << N_SCENARIOS) - 1;
	if (fo_mode == 2)
		b->variants = (1u << V__COUNT) - 1;
	else if (fo_mode == 1)
		b->variants = 1u << (ours_only ? V_FO_OURS : V_FO_ALL);
	else
		b->variants = 1u << (ours_only ? V_SA_OURS : V_SA_ALL);
	return 0;
}

static int make_tmpdir(struct bench *b)
{
	/* /var/tmp, not /tmp: /tmp may be tmpfs, where fdatasync costs nothing. */
	static const char *const bases[] = { "/var/tmp", "/tmp" };

	for (unsigned i = 0; i < RTE_DIM(bases); i++) {
		snprintf(b->tmpdir, sizeof(b->tmpdir), "%s/leasewire-bench.XXXXXX", bases[i]);
		if (mkdtemp(b->tmpdir))
			return 0;
	}
	fprintf(stderr, "bench: cannot create a temporary directory: %s\n", strerror(errno));
	b->tmpdir[0] = '\0';
	return -errno;
}

/*
 * --failover both: standalone and failover NORMAL side by side. What is
 * compared: the cost per answered client. With split 128 the failover
 * server answers only half the DISCOVERs (the partner's clients are seen and
 * dropped), so its packets/s and leases/s are not the standalone's halved or
 * equal; the like-for-like figure is sa-ours vs fo-ours, the same packets of
 * the same clients, every one answered, with the standalone view and with
 * the NORMAL one (the target: within 10 %).
 */
static void print_comparison(const struct bench *b)
{
	if (b->variants != (1u << V__COUNT) - 1)
		return;
	printf("\nfailover NORMAL vs standalone (cycles per answered client = wall cycles / "
	       "clients that got their OFFER or ACK; target: fo-ours within 10 %% of sa-ours)\n");
	printf("%-14s %14s %14s %14s %14s %12s %12s %8s\n", "scenario", "sa-all pkt/s",
	       "fo-all pkt/s", "sa-all ans/s", "fo-all ans/s", "sa-ours c/a", "fo-ours c/a",
	       "delta");
	for (unsigned i = 0; i < N_SCENARIOS; i++) {
		const struct result *r = b->res[i];
		bool all = true;
		for (unsigned v = 0; v < V__COUNT; v++)
			all = all && r[v].ran && r[v].answered && r[v].secs > 0;
		if (!all)
			continue;
		double cpa_sa = r[V_SA_OURS].secs * (double)b->hz / (double)r[V_SA_OURS].answered;
		double cpa_fo = r[V_FO_OURS].secs * (double)b->hz / (double)r[V_FO_OURS].answered;
		printf("%-14s %14.0f %14.0f %14.0f %14.0f %12.0f %12.0f %+7.1f%%  [%s]\n",
		       scenarios[i].name, (double)r[V_SA_ALL].packets / r[V_SA_ALL].secs,
		       (double)r[V_FO_ALL].packets / r[V_FO_ALL].secs,
		       (double)r[V_SA_ALL].answered / r[V_SA_ALL].secs,
		       (double)r[V_FO_ALL].answered / r[V_FO_ALL].secs, cpa_sa, cpa_fo,
		       (cpa_fo / cpa_sa - 1) * 100,
		       cpa_fo <= cpa_sa * 1.10 ? "within 10 %" : "over 10 %");
	}
	printf("  (pkt/s: every packet handled, answered or dropped; ans/s: OFFERs for discover_*, "
	       "ACKs = leases/s for dora_* and renew_1m; fo-all answers only its buckets' "
	       "clients)\n");
	fflush(stdout);
}

static void print_summary(const struct bench *b, bool ok)
{
	printf("BENCH clients=%u repeat=%u tsc_hz=%" PRIu64 " copy_cpp=%.0f", b->n_clients,
	       b->repeat, b->hz, b->copy_cpp);
	for (unsigned i = 0; i < N_SCENARIOS; i++)
		for (unsigned v = 0; v < V__COUNT; v++) {
			const struct result *r = &b->res[i][v];
			char name[64];
			/* The standalone keys keep their historical names; the others get _fo_all etc. */
			static const char *const suffix[V__COUNT] = { "", "_sa_ours", "_fo_ours",
								      "_fo_all" };
			snprintf(name, sizeof(name), "%s%s", scenarios[i].name, suffix[v]);
			const char *n = name;
			if (!r->ran)
				continue;
			printf(" %s_packets=%" PRIu64 " %s_secs=%.4f %s_mpps=%.3f %s_cpp=%.0f", n,
			       r->packets, n, r->secs, n, r->mpps, n, r->cpp);
			if (scenarios[i].run == RUN_DORA) {
				printf(" %s_leases_s=%.0f", n, r->leases_s);
				if (r->has_latency)
					printf(" %s_p50_us=%.1f %s_p99_us=%.1f", n, r->p50_us, n,
					       r->p99_us);
			}
			if (v != V_SA_ALL)
				printf(" %s_answered=%" PRIu64 " %s_cpa=%.0f", n, r->answered, n,
				       r->answered ? r->secs * (double)b->hz / (double)r->answered
						   : 0.0);
			printf(" %s_ok=%d", n, r->ok);
		}
	printf(" status=%s\n", ok ? "ok" : "fail");
	fflush(stdout);
}

int main(int argc, char **argv)
{
	static struct bench bench;
	struct bench *b = &bench;
	char err[256], runtime_dir[PATH_MAX] = "";
	bool ok = true;
	int rc;

	int eal_args = rte_eal_init(argc, argv);
	if (eal_args < 0) {
		fprintf(stderr, "bench: EAL initialisation failed: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	snprintf(runtime_dir, sizeof(runtime_dir), "%s", rte_eal_get_runtime_dir());
	argc -= eal_args;
	argv += eal_args;
	if (parse_args(b, argc, argv) < 0) {
		rte_eal_cleanup();
		return 2;
	}
	b->hz = rte_get_tsc_hz();
	b->ctl_cpu = pick_control_cpu();
	if (make_tmpdir(b) < 0) {
		rte_eal_cleanup();
		return 1;
	}

	rcu_register_thread();
	if (b->ctl_cpu >= 0) {
		/*
		 * Retired lease versions are freed by a call_rcu thread; liburcu's
		 * default one would inherit this thread's affinity and share the
		 * worker's core. Give the worker its own, on the control core.
		 */
		struct call_rcu_data *crd = create_call_rcu_data(0, b->ctl_cpu);
		if (crd)
			set_thread_call_rcu_data(crd);
	}

	b->pool = rte_pktmbuf_pool_create("lwbench_mbufs", N_MBUFS, MBUF_CACHE, 0,
					  RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	b->steer = rte_ring_create("lwbench_steer", 1024, (int)rte_socket_id(), RING_F_SC_DEQ);
	b->lat = calloc(b->n_clients, sizeof(*b->lat));
	if (!b->pool || !b->steer || !b->lat) {
		fprintf(stderr, "bench: mbuf pool or ring: %s (more memory: -m)\n",
			rte_strerror(rte_errno));
		ok = false;
		goto out;
	}
	rc = port_setup(0, 1, b->pool, &b->ps, err, sizeof(err));
	if (rc < 0) {
		fprintf(stderr, "bench: port 0: %s (add --vdev net_null0)\n", err);
		ok = false;
		goto out;
	}
	print_machine(b);

	bool need[TPL__COUNT] = { false };
	for (unsigned i = 0; i < N_SCENARIOS; i++) {
		if (!(b->selected & (1u << i)))
			continue;
		need[scenarios[i].tpl] = true;
		if (scenarios[i].run == RUN_DORA) {
			if (b->variants & (1u << V_SA_ALL))
				need[TPL_REQUEST] = true;
			if (b->variants & ~(1u << V_SA_ALL))
				need[TPL_REQUEST_FO] = true;
		}
	}
	if (fo_clients_build(b) < 0) {
		fprintf(stderr, "bench: out of memory for the failover client map\n");
		ok = false;
		goto out_port;
	}
	if (b->variants != 1u << V_SA_ALL)
		printf(
		    "bench: failover NORMAL view: primary, split %u, load-balance-max-seconds %u, "
		    "mclt %u, alloc_from FREE, no partner session; our buckets hold %u of %u "
		    "clients (%u of the relayed ones)\n",
		    FO_SPLIT, FO_LB_MAX_SECS, FO_MCLT, b->n_ours[0], b->n_clients, b->n_ours[1]);
	uint64_t t0 = rte_rdtsc();
	if (templates_build(b, need) < 0) {
		ok = false;
		goto out_port;
	}
	printf("bench: templates built in %.2f s (", (double)(rte_rdtsc() - t0) / (double)b->hz);
	for (unsigned k = 0; k < TPL__COUNT; k++)
		if (b->tpl[k])
			printf(" %s %u B", tpl_names[k], b->tpl_len[k]);
	printf(" )\n");
	measure_copy(b, need[TPL_DISCOVER] ? TPL_DISCOVER
			: need[TPL_RENEW]  ? TPL_RENEW
					   : TPL_RELAY);

	/*
	 * Memory a process touches for the first time is slow to fault in (very
	 * slow in some VMs), and the table's hash buckets are allocated while it
	 * grows. One unmeasured preload makes that memory resident, and malloc
	 * keeps it (no trimming, buckets from the heap), so every scenario
	 * measures the steady state rather than page faults.
	 */
	mallopt(M_MMAP_THRESHOLD, 32 << 20);
	mallopt(M_TRIM_THRESHOLD, INT_MAX);
	static const struct scenario warmup = { "warmup",     RUN_ONE,
						TPL_DISCOVER, CFG_DURABILITY_NONE,
						true,	      false,
						DHCPOFFER,    "unmeasured preload" };
	struct bench_env wenv;
	rc = env_setup(b, &wenv, &warmup, V_SA_ALL);
	env_teardown(&wenv);
	if (rc < 0) {
		ok = false;
		goto out_port;
	}

	for (unsigned i = 0; i < N_SCENARIOS; i++) {
		if (!(b->selected & (1u << i)))
			continue;
		/* Every run must be correct; the fastest one is the figure. */
		for (unsigned r = 0; r < b->repeat; r++)
			for (unsigned v = 0; v < V__COUNT; v++) {
				if (!(b->variants & (1u << v)))
					continue;
				struct bench_env env;
				struct result res = { 0 };
				rc = env_setup(b, &env, &scenarios[i], (enum variant)v);
				if (rc == 0)
					run_scenario(b, &env, &res);
				if (env_teardown(&env) < 0) {
					fprintf(stderr, "bench: %s: final journal commit failed\n",
						scenarios[i].name);
					res.ok = false;
				}
				res.ran = true;
				if (rc < 0 || !res.ok)
					ok = false;
				struct result *best = &b->res[i][v];
				if (r == 0 || res.secs < best->secs) {
					bool all_ok = r == 0 ? res.ok : best->ok && res.ok;
					*best = res;
					best->ok = all_ok;
				} else if (!res.ok) {
					best->ok = false;
				}
			}
	}

	print_comparison(b);

out_port:
	port_stop(b->ps.port_id);
out:
	for (unsigned k = 0; k < TPL__COUNT; k++)
		free(b->tpl[k]);
	for (unsigned sp = 0; sp < 2; sp++) {
		free(b->ours[sp]);
		free(b->rank[sp]);
		free(b->ours_list[sp]);
	}
	free(b->lat);
	if (b->tmpdir[0])
		rm_tree(b->tmpdir);
	rcu_unregister_thread();
	rte_eal_cleanup();
	/* Our own --file-prefix directory only; the shared default one stays. */
	const char *leaf = strrchr(runtime_dir, '/');
	if (leaf && strcmp(leaf, "/rte") != 0)
		rm_tree(runtime_dir);
	print_summary(b, ok);
	return ok ? 0 : 1;
}
