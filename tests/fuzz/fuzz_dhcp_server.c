/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Deep fuzz target for the server semantics, common/dhcp/dhcp_server.c
 * (reliability.md P02, after Kea's fuzz_dhcp_pkt_process4): the harness
 * builds a valid BOOTP header and cookie and forces the message type, so
 * inputs get past the parser into the decision code, and it keeps one
 * lease table across inputs, pre-loaded with bound, reserved, offered,
 * declined and expired leases (the systemd pattern).
 *
 * Input layout (missing bytes read as 0):
 *   [0] message type: value % 9, 0 = plain BOOTP (no option 53)
 *   [1] seconds the clock advances before the request
 *   [2] client: bits 0-4 chaddr index, bit 5 broadcast flag, bits 6-7 hlen
 *   [3] ciaddr selector (see pick_addr)
 *   [4] link: bits 0-1 giaddr, bit 2 unicast, bit 3 source = ciaddr, bits 4-7 hops
 *   [5] bits 0-5 secs, bits 6-7 failover view
 *   [6..] options, placed after a forced option 53; any option 53 in them
 *         is renamed so the forced type stands
 *
 * After each input it aborts when the table breaks an invariant: a slot
 * pointing at anything but the published, active record of that address's
 * holder in the right subnet; an active record that does not hold its
 * slot; a reserved address held by another client; a record with an
 * impossible key or state; an event image the journal would refuse
 * (CVE-2019-6474); a reply over the client's size limit or without END; an
 * OFFER/ACK for an address the table does not hold for that client.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dhcp/client_key.h"
#include "config/config.h"
#include "dhcp/dhcp_server.h"
#include "lease/journal_record.h"
#include "lease/lease_table.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define IP(a, b, c, d) \
	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))
#define SERVER_IP IP(10, 66, 0, 1)
#define NET1 IP(10, 66, 0, 0)
#define NET2 IP(10, 67, 0, 0)
#define RELAY2 IP(10, 67, 0, 1)
#define RESV_IN IP(10, 66, 0, 20) /* 02:00:00:00:00:1f, inside the pool */
#define RESV_OUT IP(10, 66, 0, 200) /* client id 01:02:03, outside */
#define MAX_LEASES 2048
#define RECYCLE_EVERY 1000
#define FAR_FUTURE 100000000

static const char fuzz_config[] =
    "{ \"Dhcp4\": {"
    "  \"interfaces-config\": { \"interfaces\": ["
    "    { \"name\": \"port0\", \"port\": 0, \"address\": \"10.66.0.1/24\" } ] },"
    "  \"valid-lifetime\": 3600, \"offer-lifetime\": 30, \"decline-probation-period\": 600,"
    "  \"authoritative\": true,"
    "  \"lease-store\": { \"directory\": \"/tmp/lw-fuzz-dhcp-server\" },"
    "  \"option-data\": ["
    "    { \"name\": \"domain-name-servers\", \"data\": \"10.66.0.53, 10.66.0.54\" },"
    "    { \"name\": \"domain-name\", \"data\": \"fuzz.example\" },"
    "    { \"name\": \"domain-search\", \"data\": \"fuzz.example, example.com.\" },"
    "    { \"name\": \"ntp-servers\", \"data\": \"10.66.0.3\" },"
    "    { \"code\": 224, \"data\": \"always\", \"always-send\": true },"
    "    { \"code\": 225, \"data\": \"0123456789012345678901234567890123456789"
    "0123456789012345678901234567890123456789012345678901234567890123456789\" } ],"
    "  \"subnet4\": [ {"
    "    \"id\": 1, \"subnet\": \"10.66.0.0/24\", \"interface\": \"port0\","
    "    \"pools\": [ { \"pool\": \"10.66.0.10 - 10.66.0.73\" } ],"
    "    \"option-data\": [ { \"name\": \"routers\", \"data\": \"10.66.0.1\" } ],"
    "    \"reservations\": ["
    "      { \"hw-address\": \"02:00:00:00:00:1f\", \"ip-address\": \"10.66.0.20\" },"
    "      { \"client-id\": \"01:02:03\", \"ip-address\": \"10.66.0.200\" } ]"
    "  }, {"
    "    \"id\": 2, \"subnet\": \"10.67.0.0/24\","
    "    \"relay\": { \"ip-addresses\": [ \"10.67.0.1\" ] },"
    "    \"pools\": [ { \"pool\": \"10.67.0.100 - 10.67.0.109\" } ],"
    "    \"authoritative\": false, \"dynamic-bootp\": true,"
    "    \"option-data\": [ { \"name\": \"routers\", \"data\": \"10.67.0.1\" } ]"
    "  } ]"
    "} }";

static struct {
	bool ready;
	struct lw_config *cfg;
	struct lease_table *table;
	struct dhcp_server srv;
	struct worker_counters ctr;
	int64_t now;
	unsigned inputs;
	struct failover_view views[4];
	uint8_t reply[1536];
	struct dhcp_msg msg;
} fz;

static void fail(const char *what, uint32_t ip)
{
	fprintf(stderr, "fuzz_dhcp_server: invariant broken: %s (address %u.%u.%u.%u)\n", what,
		ip >> 24, ip >> 16 & 0xff, ip >> 8 & 0xff, ip & 0xff);
	abort();
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Addresses that matter: pool, around it, the relayed subnet, the odd ones. */
static uint32_t pick_addr(uint8_t b)
{
	static const uint32_t odd[8] = { SERVER_IP,	     RELAY2,	  IP(192, 0, 2, 1),
					 IP(10, 66, 0, 255), 0xffffffffu, IP(10, 68, 0, 1),
					 RESV_OUT,	     RESV_IN };

	switch (b >> 6) {
	case 0: return b ? NET1 + b : 0;
	case 1: return NET1 + 64 + (b & 63);
	case 2: return NET2 + 90 + (b & 63);
	default: return odd[b & 7];
	}
}

static void mac_of(unsigned n, uint8_t mac[6])
{
	uint8_t m[6] = { 0x02, 0, 0, 0, 0, (uint8_t)n };

	memcpy(mac, m, 6);
}

/* ---- building requests ---- */

struct req {
	uint8_t b[DHCP_MAX_PAYLOAD];
	size_t len;
};

static void req_new(struct req *r, uint8_t type, uint32_t xid, unsigned client)
{
	memset(r, 0, sizeof(*r));
	r->b[0] = BOOTREQUEST;
	r->b[1] = 1;
	r->b[2] = 6;
	put32(r->b + 4, xid);
	mac_of(client, r->b + 28);
	put32(r->b + 236, DHCP_COOKIE);
	r->len = 240;
	if (type) {
		r->b[r->len++] = DHO_MESSAGE_TYPE;
		r->b[r->len++] = 1;
		r->b[r->len++] = type;
	}
}

static void req_ip(struct req *r, uint8_t code, uint32_t ip)
{
	r->b[r->len++] = code;
	r->b[r->len++] = 4;
	put32(r->b + r->len, ip);
	r->len += 4;
}

/* ---- invariants ---- */

static const struct cfg_subnet *subnet_of(uint32_t ip)
{
	for (size_t i = 0; i < fz.cfg->n_subnets; i++) {
		const struct cfg_subnet *s = &fz.cfg->subnets[i];
		uint32_t mask = s->prefix_len ? ~0u << (32 - s->prefix_len) : 0;

		if ((ip & mask) == s->prefix)
			return s;
	}
	return NULL;
}

/* Inside a configured pool or a reservation of s. */
static bool configured(const struct cfg_subnet *s, uint32_t ip)
{
	for (size_t p = 0; p < s->n_pools; p++)
		if (ip >= s->pools[p].first && ip <= s->pools[p].last)
			return true;
	for (size_t r = 0; r < s->n_reservations; r++)
		if (s->reservations[r].ip_address == ip)
			return true;
	return false;
}

static bool is_active(const struct lease *l)
{
	return l->state == LEASE_OFFERED || l->state == LEASE_BOUND || l->state == LEASE_DECLINED;
}

/* The holder of a reserved address is the reservation's client (or in probation). */
static void check_reserved(const struct cfg_subnet *s, uint32_t ip, const struct lease *l)
{
	if (l->state == LEASE_DECLINED || l->key[0] != LEASE_KEY_HWADDR)
		return; /* a client-id key says nothing about the chaddr it came from */
	for (size_t i = 0; i < s->n_reservations; i++) {
		const struct cfg_reservation *r = &s->reservations[i];

		if (r->ip_address != ip)
			continue;
		if (!r->hlen || l->key_len != 2u + r->hlen ||
		    memcmp(l->key + 2, r->hw_address, r->hlen) != 0)
			fail("reserved address held by another client", ip);
	}
}

static void check_slot(const struct lease *l, uint32_t ip)
{
	const struct cfg_subnet *s = subnet_of(ip);

	if (l->ip != ip)
		fail("slot holder's ip differs from the slot", ip);
	if (!s || !configured(s, ip))
		fail("held address outside every configured range", ip);
	if (l->subnet_id != s->id)
		fail("holder's subnet is not the address's subnet", ip);
	if (!is_active(l))
		fail("slot held by an inactive record", ip);
	if (l->key_len < 1 || l->key_len > LEASE_KEY_MAX)
		fail("slot holder with an impossible key length", ip);
	if (lease_table_find_key(fz.table, l->key, l->key_len, l->key_hash) != l)
		fail("slot holder is not the published version of its key", ip);
	check_reserved(s, ip, l);
}

static int check_record(const struct lease *l, void *arg)
{
	unsigned *n = arg;

	(*n)++;
	if (l->key_len < 1 || l->key_len > LEASE_KEY_MAX || l->hlen > 16 ||
	    l->state >= LEASE_STATE__COUNT)
		fail("record fails the journal's validation", l->ip);
	if (l->key_hash != client_key_hash(l->key, l->key_len))
		fail("record key hash is stale", l->ip);
	/* Only a recovery takeover leaves an active record without its slot; none here. */
	if (is_active(l) && lease_table_find_ip(fz.table, l->ip) != l)
		fail("active record does not hold its address", l->ip);
	return 0;
}

static void check_table(void)
{
	unsigned records = 0;

	for (size_t i = 0; i < fz.cfg->n_subnets; i++) {
		const struct cfg_subnet *s = &fz.cfg->subnets[i];

		for (size_t p = 0; p < s->n_pools; p++)
			for (uint32_t ip = s->pools[p].first; ip <= s->pools[p].last; ip++) {
				const struct lease *l = lease_table_find_ip(fz.table, ip);

				if (l)
					check_slot(l, ip);
			}
		for (size_t r = 0; r < s->n_reservations; r++) {
			uint32_t ip = s->reservations[r].ip_address;
			const struct lease *l = lease_table_find_ip(fz.table, ip);

			if (l)
				check_slot(l, ip);
		}
	}
	/* Nothing outside the configured ranges has a slot at all. */
	if (lease_table_find_ip(fz.table, IP(10, 66, 0, 100)) ||
	    lease_table_find_ip(fz.table, IP(10, 67, 0, 110)))
		fail("slot outside configured ranges", 0);
	lease_table_walk(fz.table, check_record, &records);
}

static void check_event(const struct lease_event *ev)
{
	uint8_t rec[JOURNAL_RECORD_MAX];

	/* The loader accepts what the writer writes (CVE-2019-6474). */
	if (journal_record_encode(rec, sizeof(rec), 1, (enum journal_rec_type)ev->type, &ev->img) <=
	    0)
		fail("event image the journal refuses", ev->img.ip);
}

static bool key_is(const struct lease *l, const struct client_key *k)
{
	return l->key_len == k->len && memcmp(l->key, k->bytes, k->len) == 0;
}

static void check_reply(const struct dhcp_msg *req, const struct dhcp_result *res, size_t cap)
{
	size_t limit = (req->max_msg_size ? req->max_msg_size : DHCP_MIN_MSG_SIZE) - 28u;
	const uint8_t *b = fz.reply;
	size_t i = 240;
	bool end = false;
	uint8_t type = DHCP_NONE;

	if (res->reply_len > cap || res->reply_len > limit || res->reply_len < 241)
		fail("reply longer than the client accepts", res->yiaddr);
	if (b[0] != BOOTREPLY || memcmp(b + 28, req->chaddr, 16) != 0)
		fail("reply header does not answer the request", res->yiaddr);
	while (i < res->reply_len) {
		if (b[i] == DHO_PAD) {
			i++;
			continue;
		}
		if (b[i] == DHO_END) {
			end = true;
			break;
		}
		if (i + 2 > res->reply_len || i + 2 + b[i + 1] > res->reply_len)
			fail("reply option runs past the reply", res->yiaddr);
		if (b[i] == DHO_MESSAGE_TYPE && b[i + 1] == 1)
			type = b[i + 2];
		i += 2u + b[i + 1];
	}
	if (!end)
		fail("reply without END", res->yiaddr);

	struct client_key key;
	if (client_key_from_msg(req, &key) != DROP_NONE)
		fail("reply to a client without identity", res->yiaddr);
	const struct lease *l = res->yiaddr ? lease_table_find_ip(fz.table, res->yiaddr) : NULL;
	switch (res->reply_type) {
	case DHCPOFFER:
		if (type != DHCPOFFER || !l || !key_is(l, &key) ||
		    (l->state != LEASE_OFFERED && l->state != LEASE_BOUND))
			fail("OFFER for an address not held for the client", res->yiaddr);
		break;
	case DHCPACK:
	case DHCP_NONE:
		if ((res->reply_type == DHCPACK) != (type == DHCPACK) || !l || !key_is(l, &key) ||
		    l->state != LEASE_BOUND || !res->park || res->n_events < 1 ||
		    res->events[0].img.state != LEASE_BOUND || res->events[0].img.ip != res->yiaddr)
			fail("ACK for an address not bound to the client", res->yiaddr);
		break;
	case DHCPNAK:
		if (type != DHCPNAK || res->yiaddr || res->park || res->n_events)
			fail("NAK that changes bindings", res->yiaddr);
		break;
	case DHCPINFORM:
		if (type != DHCPACK || res->yiaddr || res->park || res->n_events)
			fail("INFORM answer that changes bindings", res->yiaddr);
		break;
	default: fail("unknown reply type", res->yiaddr);
	}
}

/* ---- the table's life: pre-load, recycle ---- */

static enum drop_reason run(const uint8_t *payload, size_t len, const struct dhcp_link *link,
			    const struct failover_view *view, size_t cap)
{
	struct dhcp_result res;
	enum drop_reason d;

	/* An exactly sized copy, so ASan sees any overread (reliability.md sec 6). */
	uint8_t *exact = malloc(len ? len : 1);
	if (!exact)
		abort();
	memcpy(exact, payload, len);
	d = dhcp_msg_parse(exact, len, &fz.msg);
	if (d == DROP_NONE) {
		rcu_quiescent_state();
		d = dhcp_server_handle(&fz.srv, &fz.msg, link, view, fz.now, fz.reply, cap, &res);
		if (d == DROP_NONE) {
			if (res.n_events > DHCP_RESULT_MAX_EVENTS)
				fail("too many events", res.yiaddr);
			for (unsigned i = 0; i < res.n_events; i++)
				check_event(&res.events[i]);
			if (res.reply_len)
				check_reply(&fz.msg, &res, cap);
			else if (fz.msg.msg_type != DHCPRELEASE && fz.msg.msg_type != DHCPDECLINE)
				fail("handled without a reply", res.yiaddr);
		} else if (d >= DROP__COUNT) {
			fail("drop reason out of range", 0);
		}
	}
	free(exact);
	return d;
}

static void send_simple(struct req *r)
{
	const struct dhcp_link link = { .iface = &fz.cfg->interfaces[0] };

	r->b[r->len++] = DHO_END;
	run(r->b, r->len, &link, &failover_view_standalone, sizeof(fz.reply));
}

static void preload_image(unsigned mac, uint32_t ip, uint8_t state, int64_t expire,
			  uint32_t lease_secs)
{
	struct lease_image img;

	memset(&img, 0, sizeof(img));
	img.ip = ip;
	img.subnet_id = 1;
	img.state = state;
	img.htype = 1;
	img.hlen = 6;
	mac_of(mac, img.chaddr);
	img.cltt = fz.now;
	img.expire = expire;
	img.lease_secs = lease_secs;
	img.key[0] = LEASE_KEY_HWADDR;
	img.key[1] = 1;
	mac_of(mac, img.key + 2);
	img.key_len = 8;
	if (dhcp_server_apply_image(fz.table, 0, JOURNAL_REC_UPSERT, &img, fz.now) != 0)
		abort();
}

/* Bound (recovered), reserved, offered, declined and expired leases. */
static void preload(void)
{
	struct req r;

	for (unsigned i = 0; i < 6; i++)
		preload_image(i + 1, NET1 + 40 + i, LEASE_BOUND, fz.now + 600 + 600 * i, 3600);
	preload_image(0x1f, RESV_IN, LEASE_BOUND, fz.now + 3600, 3600);
	preload_image(7, NET1 + 50, LEASE_BOUND, fz.now - 10, 3600); /* already expired */
	preload_image(8, NET1 + 51, LEASE_RELEASED, fz.now, 3600);
	/* Offered: a DISCOVER each. */
	for (unsigned i = 9; i < 11; i++) {
		req_new(&r, DHCPDISCOVER, i, i);
		send_simple(&r);
	}
	/* Declined: bind, then DECLINE. */
	req_new(&r, DHCPREQUEST, 11, 11);
	req_ip(&r, DHO_SERVER_ID, SERVER_IP);
	req_ip(&r, DHO_REQUESTED_ADDRESS, NET1 + 60);
	send_simple(&r);
	req_new(&r, DHCPDECLINE, 11, 11);
	req_ip(&r, DHO_SERVER_ID, SERVER_IP);
	req_ip(&r, DHO_REQUESTED_ADDRESS, NET1 + 60);
	send_simple(&r);
	/* A relayed binding. */
	req_new(&r, DHCPREQUEST, 12, 12);
	put32(r.b + 24, RELAY2);
	req_ip(&r, DHO_SERVER_ID, SERVER_IP);
	req_ip(&r, DHO_REQUESTED_ADDRESS, NET2 + 100);
	send_simple(&r);
	check_table();
}

static void expire_visit(const struct lease *l, void *arg)
{
	struct lease_event ev;
	int64_t *now = arg;

	if (dhcp_server_expire(&fz.srv, l, 1, *now, &ev))
		check_event(&ev);
}

struct key_list {
	unsigned n;
	struct lease_image img[MAX_LEASES];
};

static int collect(const struct lease *l, void *arg)
{
	struct key_list *k = arg;

	if (k->n < MAX_LEASES)
		lease_image_from_lease(&k->img[k->n++], l);
	return 0;
}

/*
 * Every RECYCLE_EVERY inputs: expire everything (the housekeeping path),
 * then delete what is left (infinite BOOTP leases, records without an
 * address) so fuzzer-made client ids cannot fill the slabs, and pre-load
 * again.
 */
static void recycle(void)
{
	static struct key_list keys;
	struct lease_table_stats st;
	size_t cursor = 0;
	int64_t later = fz.now + FAR_FUTURE;

	lease_table_get_stats(fz.table, &st);
	lease_table_scan_slots(fz.table, &cursor, st.addresses + 16, expire_visit, &later);
	check_table();
	keys.n = 0;
	lease_table_walk(fz.table, collect, &keys);
	for (unsigned i = 0; i < keys.n; i++)
		if (dhcp_server_apply_image(fz.table, 0, JOURNAL_REC_DELETE, &keys.img[i], later))
			abort();
	fz.now = later;
	rcu_barrier(); /* let retired versions return to the slab */
	lease_table_get_stats(fz.table, &st);
	if (st.records != 0 || st.addresses_held != 0)
		fail("records left after deleting every one", 0);
	preload();
}

static void init_once(void)
{
	char err[CFG_ERR_LEN];

	rcu_register_thread();
	fz.cfg = config_load_string(fuzz_config, err);
	if (!fz.cfg) {
		fprintf(stderr, "fuzz_dhcp_server: config: %s\n", err);
		abort();
	}
	struct lease_table_params tp = { .n_writers = 1, .max_leases = MAX_LEASES };
	fz.table = lease_table_create(&tp);
	if (!fz.table)
		abort();
	if (dhcp_server_add_ranges(fz.table, fz.cfg) != 0)
		abort();
	fz.srv =
	    (struct dhcp_server){ .table = fz.table, .cfg = fz.cfg, .worker = 0, .ctr = &fz.ctr };
	fz.now = 1700000000;

	fz.views[0] = failover_view_standalone;
	fz.views[1] = (struct failover_view){ .mode = FAILOVER_NORMAL,
					      .primary = true,
					      .mclt_secs = 300,
					      .lb_max_secs = 32,
					      .alloc_from = ALLOC_FREE };
	memset(fz.views[1].our_buckets, 0x55, sizeof(fz.views[1].our_buckets));
	fz.views[2] = (struct failover_view){ .mode = FAILOVER_PARTNER_DOWN,
					      .mclt_secs = 300,
					      .alloc_from = ALLOC_FREE | ALLOC_BACKUP };
	fz.views[3] = (struct failover_view){ .mode = FAILOVER_COMM_INTERRUPTED,
					      .mclt_secs = 60,
					      .alloc_from = ALLOC_BACKUP };
	preload();
	fz.ready = true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct req r;
	uint8_t hdr[6] = { 0 };
	size_t n_opts = size > 6 ? size - 6 : 0;

	if (!fz.ready)
		init_once();
	memcpy(hdr, data, size < 6 ? size : 6);

	uint8_t type = hdr[0] % 9;
	fz.now += hdr[1];
	req_new(&r, type, 0x5eed0000u | hdr[2], hdr[2] & 31);
	if (hdr[2] & 0x20)
		r.b[10] = 0x80; /* broadcast flag */
	static const uint8_t hlens[4] = { 6, 6, 16, 0 };
	r.b[2] = hlens[hdr[2] >> 6];
	if (r.b[2] == 16)
		memset(r.b + 34, 0xab, 10);
	put32(r.b + 12, pick_addr(hdr[3]));
	static const uint32_t giaddrs[4] = { 0, RELAY2, IP(10, 66, 0, 254), IP(10, 99, 0, 1) };
	put32(r.b + 24, giaddrs[hdr[4] & 3]);
	r.b[3] = (uint8_t)(hdr[4] >> 4);
	r.b[9] = hdr[5] & 63;

	/* The fuzzer's options, with its own option 53 renamed so ours stands. */
	if (n_opts > sizeof(r.b) - r.len - 1)
		n_opts = sizeof(r.b) - r.len - 1;
	memcpy(r.b + r.len, data + 6, n_opts);
	for (size_t i = r.len; i < r.len + n_opts;) {
		uint8_t code = r.b[i];

		if (code == DHO_PAD) {
			i++;
			continue;
		}
		if (code == DHO_END || i + 1 >= r.len + n_opts)
			break;
		if (code == DHO_MESSAGE_TYPE)
			r.b[i] = 224;
		i += 2u + r.b[i + 1];
	}
	r.len += n_opts;
	r.b[r.len++] = DHO_END;

	struct dhcp_link link = { .iface = &fz.cfg->interfaces[0],
				  .dst_unicast = hdr[4] & 4,
				  .src_ip = hdr[4] & 8 ? pick_addr(hdr[3]) : 0 };
	run(r.b, r.len, &link, &fz.views[hdr[5] >> 6], sizeof(fz.reply));

	/* Housekeeping as a worker does it: a few slots of expiry scan per input. */
	static size_t cursor;
	lease_table_scan_slots(fz.table, &cursor, 8, expire_visit, &fz.now);
	check_table();

	if (++fz.inputs % RECYCLE_EVERY == 0)
		recycle();
	return 0;
}
