/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DHCP server semantics (common/dhcp/dhcp_server.c). Requests are raw BOOTP
 * bytes run through the real parser, then dhcp_server_handle(); replies are
 * walked by a small reader of our own (the parser rejects server message
 * types, rightly) so option order, END and the 548-byte cap are checked on
 * the wire bytes. The table is a real lease table over the config's ranges,
 * one writer, the test thread as its registered QSBR reader.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "failover/fo_codes.h"
#include "dhcp/client_key.h"
#include "config/config.h"
#include "dhcp/dhcp_lease.h"
#include "dhcp/dhcp_server.h"
#include "wire/inet_csum.h"
#include "lease/journal_record.h"
#include "lease/lease_table.h"

#define IP(a, b, c, d) \
	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))

#define SERVER_IP IP(10, 77, 0, 1)
#define POOL_FIRST IP(10, 77, 0, 10)
#define POOL_LAST IP(10, 77, 0, 19)
#define RESV_MAC_IN IP(10, 77, 0, 15) /* 02:00:00:00:aa:01, inside the pool */
#define RESV_CID_IN IP(10, 77, 0, 16) /* client id ff:01:02:03, inside the pool */
#define RESV_CID_OUT IP(10, 77, 0, 5) /* client id 01:02:00:00:00:aa:02 */
#define RESV_MAC_OUT IP(10, 77, 0, 6) /* 02:00:00:00:aa:03 */
#define N_DYNAMIC 8 /* pool addresses nobody has reserved */
#define RELAY2 IP(10, 90, 0, 1)
#define T0 1700000000

/*
 * One document for every test, in pieces so a test can vary a key: G is
 * extra global keys, O extra global option-data entries, S extra keys of
 * subnet 1. Test documents use ' for " (swapped before loading).
 */
#define CFG(G, O, S) \
	"{ 'Dhcp4': {\n" \
	"  'interfaces-config': { 'interfaces': [\n" \
	"    { 'name': 'port0', 'port': 0, 'address': '10.77.0.1/24' } ] },\n" \
	"  'valid-lifetime': 3600, 'renew-timer': 900, 'rebind-timer': 1800,\n" \
	"  'offer-lifetime': 30, 'decline-probation-period': 600,\n" \
	"  'lease-store': { 'directory': '/tmp/lw-test-dhcp-server' },\n" G "  'option-data': [\n" \
	"    { 'name': 'domain-name-servers', 'data': '10.77.0.53, 10.77.0.54' },\n" \
	"    { 'name': 'domain-name', 'data': 'lab.example' },\n" \
	"    { 'name': 'ntp-servers', 'data': '10.77.0.3' },\n" O \
	"    { 'code': 224, 'data': 'hello', 'always-send': true } ],\n" \
	"  'subnet4': [ {\n" \
	"    'id': 1, 'subnet': '10.77.0.0/24', 'interface': 'port0',\n" S \
	"    'pools': [ { 'pool': '10.77.0.10 - 10.77.0.19' } ],\n" \
	"    'option-data': [ { 'name': 'routers', 'data': '10.77.0.1' } ],\n" \
	"    'reservations': [\n" \
	"      { 'hw-address': '02:00:00:00:aa:01', 'ip-address': '10.77.0.15' },\n" \
	"      { 'client-id': 'ff:01:02:03', 'ip-address': '10.77.0.16' },\n" \
	"      { 'client-id': '01:02:00:00:00:aa:02', 'ip-address': '10.77.0.5' },\n" \
	"      { 'hw-address': '02:00:00:00:aa:03', 'ip-address': '10.77.0.6' } ]\n" \
	"  }, {\n" \
	"    'id': 2, 'subnet': '10.90.0.0/24', 'relay': { 'ip-addresses': [ '10.90.0.1' ] },\n" \
	"    'pools': [ { 'pool': '10.90.0.100 - 10.90.0.109' } ],\n" \
	"    'option-data': [ { 'name': 'routers', 'data': '10.90.0.1' } ]\n" \
	"  }, {\n" \
	"    'id': 3, 'subnet': '10.91.0.0/24', 'relay': { 'ip-addresses': [ '10.91.0.1' ] },\n" \
	"    'pools': [ { 'pool': '10.91.0.100 - 10.91.0.109' } ]\n" \
	"  } ]\n" \
	"} }\n"

static const char cfg_main[] = CFG("'authoritative': true,", "", "");
static const char cfg_not_auth[] = CFG("'authoritative': false,", "", "");
static const char cfg_bootp[] = CFG("'authoritative': true,", "", "'dynamic-bootp': true,");
/* DNS updates configured: option 81 and 12 are answered (RFC 4702). */
#define DDNS_SECTION \
	"'ddns-qualifying-suffix': 'example.test', 'ddns': { 'tsig-keys': [ { 'name': 'k', " \
	"'secret': 'c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3I=' } ], 'forward-ddns': { " \
	"'ddns-domains': [ { 'name': 'example.test', 'key-name': 'k', 'dns-servers': [ { " \
	"'ip-address': '127.0.0.1' } ] } ] } },\n"
static const char cfg_ddns[] = CFG("'authoritative': true," DDNS_SECTION, "", "");
/* Enough option bytes that a 576-byte client cannot take them all. */
#define BIG_OPT(code) \
	"    { 'code': " #code ", 'data': '" \
	"0123456789012345678901234567890123456789012345678901234567890123456789' },\n"
static const char cfg_big[] = CFG("'authoritative': true,",
				  BIG_OPT(230) BIG_OPT(231) BIG_OPT(232) BIG_OPT(233) BIG_OPT(234)
				      BIG_OPT(235) BIG_OPT(236) BIG_OPT(237) BIG_OPT(238),
				  "");

/* ---- request builder: raw BOOTP bytes, END added when sent ---- */

struct req {
	uint8_t b[1400];
	size_t len;
};

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void req_opt(struct req *r, uint8_t code, const void *val, uint8_t len)
{
	ck_assert_uint_le(r->len + 2u + len, sizeof(r->b) - 1);
	r->b[r->len++] = code;
	r->b[r->len++] = len;
	if (len)
		memcpy(r->b + r->len, val, len);
	r->len += len;
}

static void req_opt_ip(struct req *r, uint8_t code, uint32_t ip)
{
	uint8_t v[4];

	put32(v, ip);
	req_opt(r, code, v, 4);
}

/* Client n has chaddr 02:00:00:00:hi:lo; the reservations use hi = 0xaa. */
static void mac_of(unsigned n, uint8_t mac[6])
{
	uint8_t m[6] = { 0x02, 0, 0, 0, (uint8_t)(n >> 8), (uint8_t)n };

	memcpy(mac, m, 6);
}

/* type 0 = plain BOOTP with a cookie and no option 53. */
static void req_new(struct req *r, uint8_t type, uint32_t xid, unsigned client)
{
	memset(r, 0, sizeof(*r));
	r->b[0] = BOOTREQUEST;
	r->b[1] = 1; /* Ethernet */
	r->b[2] = 6;
	put32(r->b + 4, xid);
	mac_of(client, r->b + 28);
	put32(r->b + 236, DHCP_COOKIE);
	r->len = 240;
	if (type)
		req_opt(r, DHO_MESSAGE_TYPE, &type, 1);
}

static void req_secs(struct req *r, uint16_t secs)
{
	r->b[8] = (uint8_t)(secs >> 8);
	r->b[9] = (uint8_t)secs;
}

static void req_flags(struct req *r, uint16_t flags)
{
	r->b[10] = (uint8_t)(flags >> 8);
	r->b[11] = (uint8_t)flags;
}

static void req_ciaddr(struct req *r, uint32_t ip) { put32(r->b + 12, ip); }
static void req_giaddr(struct req *r, uint32_t ip) { put32(r->b + 24, ip); }

/* ---- reply reader ---- */

struct rep {
	uint8_t op;
	uint16_t flags;
	uint32_t xid, ciaddr, yiaddr, giaddr;
	uint8_t chaddr[16];
	uint8_t codes[256]; /* codes in order of first appearance */
	unsigned n_codes;
	bool has[256];
	uint16_t off[256], len[256];
	uint8_t data[1500]; /* values, split instances concatenated */
	size_t used;
	size_t total;
};

static void rep_parse(const uint8_t *b, size_t n, struct rep *p)
{
	size_t i = 240;
	int last = -1;
	bool end = false;

	memset(p, 0, sizeof(*p));
	ck_assert_uint_ge(n, 241);
	p->total = n;
	p->op = b[0];
	p->xid = get32(b + 4);
	p->flags = (uint16_t)(b[10] << 8 | b[11]);
	p->ciaddr = get32(b + 12);
	p->yiaddr = get32(b + 16);
	p->giaddr = get32(b + 24);
	memcpy(p->chaddr, b + 28, 16);
	ck_assert_uint_eq(get32(b + 236), DHCP_COOKIE);
	while (i < n) {
		uint8_t code = b[i];

		if (code == DHO_PAD) {
			i++;
			continue;
		}
		if (code == DHO_END) {
			end = true;
			i++;
			break;
		}
		ck_assert_uint_lt(i + 1, n);
		uint8_t l = b[i + 1];
		ck_assert_uint_le(i + 2 + l, n);
		if (!p->has[code]) {
			p->has[code] = true;
			p->codes[p->n_codes++] = code;
			p->off[code] = (uint16_t)p->used;
		} else {
			/* RFC 3396: split instances of one option are consecutive here. */
			ck_assert_int_eq(last, code);
		}
		memcpy(p->data + p->used, b + i + 2, l);
		p->used += l;
		p->len[code] = (uint16_t)(p->len[code] + l);
		last = code;
		i += 2u + l;
	}
	ck_assert_msg(end, "reply has no END option");
	for (; i < n; i++)
		ck_assert_uint_eq(b[i], 0);
}

static const uint8_t *rep_opt(const struct rep *p, uint8_t code, uint16_t *len)
{
	if (!p->has[code])
		return NULL;
	*len = p->len[code];
	return p->data + p->off[code];
}

static uint32_t rep_u32(const struct rep *p, uint8_t code)
{
	uint16_t len = 0;
	const uint8_t *v = rep_opt(p, code, &len);

	ck_assert_msg(v, "option %u missing", code);
	ck_assert_uint_eq(len, 4);
	return get32(v);
}

static int rep_pos(const struct rep *p, uint8_t code)
{
	for (unsigned i = 0; i < p->n_codes; i++)
		if (p->codes[i] == code)
			return (int)i;
	return -1;
}

/* ---- environment ---- */

struct env {
	struct lw_config *cfg;
	struct lease_table *table;
	struct dhcp_server srv;
	struct worker_counters ctr;
	struct dhcp_link link;
	const struct failover_view *view;
	int64_t now;
	struct dhcp_result res;
	uint8_t reply[1500];
	size_t cap;
	struct rep rep;
};

static struct env env;

static struct lease_table *table_for(const struct lw_config *cfg)
{
	struct lease_table_params tp = { .n_writers = 1, .max_leases = 512 };
	struct lease_table *t = lease_table_create(&tp);

	ck_assert_ptr_nonnull(t);
	/* The daemon's own registration, so the tests see the table it serves from. */
	ck_assert_int_eq(dhcp_server_add_ranges(t, cfg), 0);
	return t;
}

static void env_start(const char *single_quoted)
{
	char err[CFG_ERR_LEN];
	char *json = strdup(single_quoted);

	ck_assert_ptr_nonnull(json);
	for (char *p = json; *p; p++)
		if (*p == '\'')
			*p = '"';
	memset(&env, 0, sizeof(env));
	env.cfg = config_load_string(json, err);
	free(json);
	ck_assert_msg(env.cfg, "config: %s", err);
	env.table = table_for(env.cfg);
	env.srv = (struct dhcp_server){
		.table = env.table, .cfg = env.cfg, .worker = 0, .ctr = &env.ctr
	};
	env.link = (struct dhcp_link){ .iface = &env.cfg->interfaces[0] };
	env.view = &failover_view_standalone;
	env.now = T0;
	env.cap = sizeof(env.reply);
}

static void env_stop(void)
{
	lease_table_destroy(env.table);
	config_free(env.cfg);
}

static void setup(void) { rcu_register_thread(); }

static void teardown(void) { rcu_unregister_thread(); }

/*
 * Parse (the request must be valid), pass a quiescent state as a worker
 * does between packets, handle, and read the reply back. Every event image
 * must be one the journal accepts (CVE-2019-6474).
 */
static enum drop_reason send_req(const struct req *r)
{
	size_t n = r->len + 1;
	uint8_t *exact = malloc(n);
	struct dhcp_msg msg;
	enum drop_reason d;

	ck_assert_ptr_nonnull(exact);
	memcpy(exact, r->b, r->len);
	exact[r->len] = DHO_END;
	d = dhcp_msg_parse(exact, n, &msg);
	free(exact);
	ck_assert_msg(d == DROP_NONE, "request does not parse: %s", drop_reason_name(d));
	rcu_quiescent_state();
	memset(&env.res, 0xa5, sizeof(env.res));
	/* A relay forwards from an address of its own (RFC 1542 sec 4.1.1). */
	struct dhcp_link link = env.link;
	if (msg.giaddr && !link.src_ip)
		link.src_ip = msg.giaddr;
	d = dhcp_server_handle(&env.srv, &msg, &link, env.view, env.now, env.reply, env.cap,
			       &env.res);
	memset(&env.rep, 0, sizeof(env.rep));
	if (d != DROP_NONE) {
		ck_assert_uint_eq(env.res.reply_len, 0);
		ck_assert_uint_eq(env.res.n_events, 0);
		return d;
	}
	ck_assert_uint_le(env.res.n_events, DHCP_RESULT_MAX_EVENTS);
	for (unsigned i = 0; i < env.res.n_events; i++) {
		uint8_t rec[JOURNAL_RECORD_MAX];

		ck_assert_int_gt(journal_record_encode(rec, sizeof(rec), 1, env.res.events[i].type,
						       &env.res.events[i].img),
				 0);
	}
	if (env.res.reply_len) {
		ck_assert_uint_le(env.res.reply_len, env.cap);
		/* The sum handed to the UDP builder is the sum of every reply byte. */
		ck_assert_uint_eq(env.res.reply_sum,
				  inet_csum_partial(env.reply, env.res.reply_len, 0));
		rep_parse(env.reply, env.res.reply_len, &env.rep);
		ck_assert_uint_eq(env.rep.op, BOOTREPLY);
		ck_assert_uint_eq(env.rep.xid, get32(r->b + 4));
		ck_assert_mem_eq(env.rep.chaddr, r->b + 28, 16);
	}
	return d;
}

/* Send and require a DHCP reply of `type`; returns yiaddr. */
static uint32_t expect_reply(const struct req *r, uint8_t type)
{
	enum drop_reason d = send_req(r);
	uint16_t len = 0;
	const uint8_t *t;

	ck_assert_msg(d == DROP_NONE, "dropped: %s", drop_reason_name(d));
	ck_assert_uint_gt(env.res.reply_len, 0);
	t = rep_opt(&env.rep, DHO_MESSAGE_TYPE, &len);
	ck_assert_ptr_nonnull(t);
	ck_assert_uint_eq(len, 1);
	ck_assert_uint_eq(t[0], type);
	ck_assert_uint_eq(env.rep.codes[0], DHO_MESSAGE_TYPE);
	ck_assert_uint_eq(rep_u32(&env.rep, DHO_SERVER_ID), SERVER_IP);
	return env.rep.yiaddr;
}

static void expect_drop(const struct req *r, enum drop_reason want)
{
	enum drop_reason d = send_req(r);

	ck_assert_msg(d == want, "got %s, want %s", drop_reason_name(d), drop_reason_name(want));
}

static const uint8_t cid_a[] = { 0x01, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff };

struct client {
	unsigned mac; /* mac_of() index */
	const uint8_t *cid; /* option 61, or NULL */
	uint8_t cid_len;
	uint32_t giaddr;
};

static void req_for(struct req *r, const struct client *c, uint8_t type, uint32_t xid)
{
	req_new(r, type, xid, c->mac);
	req_giaddr(r, c->giaddr);
	if (c->cid)
		req_opt(r, DHO_CLIENT_ID, c->cid, c->cid_len);
}

static uint32_t discover(const struct client *c)
{
	struct req r;

	req_for(&r, c, DHCPDISCOVER, 0x1000 + c->mac);
	return expect_reply(&r, DHCPOFFER);
}

static uint32_t select_ip(const struct client *c, uint32_t ip)
{
	struct req r;

	req_for(&r, c, DHCPREQUEST, 0x2000 + c->mac);
	req_opt_ip(&r, DHO_SERVER_ID, SERVER_IP);
	req_opt_ip(&r, DHO_REQUESTED_ADDRESS, ip);
	return expect_reply(&r, DHCPACK);
}

/* DISCOVER + REQUEST: the client's bound address. */
static uint32_t bind(const struct client *c)
{
	uint32_t ip = discover(c);

	ck_assert_uint_eq(select_ip(c, ip), ip);
	ck_assert(env.res.park);
	return ip;
}

static void key_of(const struct client *c, struct client_key *k)
{
	if (c->cid) {
		k->bytes[0] = LEASE_KEY_CLIENT_ID;
		memcpy(k->bytes + 1, c->cid, c->cid_len);
		k->len = (uint8_t)(c->cid_len + 1);
	} else {
		k->bytes[0] = LEASE_KEY_HWADDR;
		k->bytes[1] = 1;
		mac_of(c->mac, k->bytes + 2);
		k->len = 8;
	}
	k->hash = client_key_hash(k->bytes, k->len);
}

static const struct lease *find_client(const struct client *c)
{
	struct client_key k;

	key_of(c, &k);
	return lease_table_find_key(env.table, k.bytes, k.len, k.hash);
}

static void assert_holds(uint32_t ip, const struct client *c, uint8_t state)
{
	const struct lease *l = lease_table_find_ip(env.table, ip);
	struct client_key k;

	ck_assert_msg(l, "nobody holds %08x", ip);
	key_of(c, &k);
	ck_assert_uint_eq(l->ip, ip);
	ck_assert_uint_eq(l->state, state);
	ck_assert_uint_eq(l->key_len, k.len);
	ck_assert_mem_eq(l->key, k.bytes, k.len);
	ck_assert_ptr_eq(find_client(c), l);
}

static bool in_pool(uint32_t ip) { return ip >= POOL_FIRST && ip <= POOL_LAST; }

/* ---- DORA ---- */

START_TEST(test_dora)
{
	static const uint8_t prl[] = { DHO_DNS_SERVERS, DHO_ROUTERS, DHO_DOMAIN_NAME,
				       DHO_SUBNET_MASK, 42 };
	const struct client c = { .mac = 1 };
	struct req r;
	uint16_t len = 0;
	const uint8_t *v;

	env_start(cfg_main);
	req_for(&r, &c, DHCPDISCOVER, 0xabcd0001);
	req_opt(&r, DHO_PARAMETER_REQUEST_LIST, prl, sizeof(prl));
	uint32_t ip = expect_reply(&r, DHCPOFFER);
	const struct rep *o = &env.rep;

	ck_assert(in_pool(ip) && ip != RESV_MAC_IN && ip != RESV_CID_IN);
	ck_assert(!env.res.park);
	ck_assert_uint_eq(env.res.n_events, 0);
	ck_assert_uint_eq(env.res.reply_type, DHCPOFFER);
	ck_assert_uint_eq(env.res.server_ip, SERVER_IP);
	ck_assert_uint_eq(env.res.yiaddr, ip);
	ck_assert_uint_eq(o->ciaddr, 0);
	uint32_t lease = rep_u32(o, DHO_LEASE_TIME), t1 = rep_u32(o, DHO_RENEWAL_TIME),
		 t2 = rep_u32(o, DHO_REBINDING_TIME);
	ck_assert_uint_eq(lease, 3600);
	ck_assert_uint_eq(t1, 900);
	ck_assert_uint_eq(t2, 1800);
	ck_assert(t1 < t2 && t2 < lease);
	ck_assert_uint_eq(rep_u32(o, DHO_SUBNET_MASK), 0xffffff00u);
	ck_assert_uint_eq(rep_u32(o, DHO_ROUTERS), SERVER_IP);
	ck_assert_uint_eq(rep_u32(o, 42), IP(10, 77, 0, 3));
	v = rep_opt(o, DHO_DNS_SERVERS, &len);
	ck_assert_ptr_nonnull(v);
	ck_assert_uint_eq(len, 8);
	ck_assert_uint_eq(get32(v), IP(10, 77, 0, 53));
	ck_assert_uint_eq(get32(v + 4), IP(10, 77, 0, 54));
	v = rep_opt(o, DHO_DOMAIN_NAME, &len);
	ck_assert_ptr_nonnull(v);
	ck_assert_uint_eq(len, 11);
	ck_assert_mem_eq(v, "lab.example", 11);
	/* RFC 2132 sec 9.8: option 55 order; sec 3.3: the mask comes before routers. */
	ck_assert_int_lt(rep_pos(o, DHO_SUBNET_MASK), rep_pos(o, DHO_DNS_SERVERS));
	ck_assert_int_lt(rep_pos(o, DHO_DNS_SERVERS), rep_pos(o, DHO_ROUTERS));
	ck_assert_int_lt(rep_pos(o, DHO_ROUTERS), rep_pos(o, DHO_DOMAIN_NAME));
	ck_assert_int_lt(rep_pos(o, DHO_DOMAIN_NAME), rep_pos(o, 42));
	/* Nothing unrequested but the protocol's own and always-send 224. */
	for (unsigned i = 0; i < o->n_codes; i++) {
		switch (o->codes[i]) {
		case DHO_MESSAGE_TYPE:
		case DHO_SERVER_ID:
		case DHO_LEASE_TIME:
		case DHO_RENEWAL_TIME:
		case DHO_REBINDING_TIME:
		case DHO_SUBNET_MASK:
		case DHO_DNS_SERVERS:
		case DHO_ROUTERS:
		case DHO_DOMAIN_NAME:
		case 42:
		case 224: break;
		default: ck_abort_msg("unrequested option %u in OFFER", o->codes[i]);
		}
	}
	v = rep_opt(o, 224, &len);
	ck_assert_ptr_nonnull(v);
	ck_assert_mem_eq(v, "hello", 5);
	ck_assert(!o->has[DHO_CLIENT_ID]);
	ck_assert(!o->has[DHO_RELAY_AGENT_INFO]);
	assert_holds(ip, &c, LEASE_OFFERED);

	env.now += 2;
	req_for(&r, &c, DHCPREQUEST, 0xabcd0001);
	req_opt_ip(&r, DHO_SERVER_ID, SERVER_IP);
	req_opt_ip(&r, DHO_REQUESTED_ADDRESS, ip);
	req_opt(&r, DHO_PARAMETER_REQUEST_LIST, prl, sizeof(prl));
	ck_assert_uint_eq(expect_reply(&r, DHCPACK), ip);
	ck_assert(env.res.park);
	ck_assert_uint_eq(env.res.reply_type, DHCPACK);
	ck_assert_uint_eq(env.res.n_events, 1);
	const struct lease_event *ev = &env.res.events[0];
	ck_assert_uint_eq(ev->type, JOURNAL_REC_UPSERT);
	ck_assert_uint_eq(ev->worker, 0);
	ck_assert_uint_eq(ev->img.state, LEASE_BOUND);
	ck_assert_uint_eq(ev->img.ip, ip);
	ck_assert_uint_eq(ev->img.subnet_id, 1);
	ck_assert_uint_eq(ev->img.hlen, 6);
	ck_assert_mem_eq(ev->img.chaddr, r.b + 28, 6);
	ck_assert_int_eq(ev->img.expire, env.now + 3600);
	ck_assert_int_eq(ev->img.cltt, env.now);
	ck_assert_uint_eq(ev->img.lease_secs, 3600);
	ck_assert(rep_u32(&env.rep, DHO_RENEWAL_TIME) < rep_u32(&env.rep, DHO_REBINDING_TIME));
	ck_assert_uint_eq(rep_u32(&env.rep, DHO_SUBNET_MASK), 0xffffff00u);
	assert_holds(ip, &c, LEASE_BOUND);
	ck_assert_int_eq(lease_table_find_ip(env.table, ip)->expire, env.now + 3600);
	env_stop();
}
END_TEST

/* A client without option 55 gets the basics (routers, DNS, domain). */
START_TEST(test_no_prl_defaults)
{
	const struct client c = { .mac = 1 };

	env_start(cfg_main);
	discover(&c);
	ck_assert_uint_eq(rep_u32(&env.rep, DHO_ROUTERS), SERVER_IP);
	ck_assert(env.rep.has[DHO_DNS_SERVERS]);
	ck_assert(env.rep.has[DHO_DOMAIN_NAME]);
	ck_assert(env.rep.has[224]);
	ck_assert(!env.rep.has[42]); /* configured but neither requested nor always-send */
	env_stop();
}
END_TEST

/*
 * The printer case: a new xid for the REQUEST (and secs counting). Matching
 * is by chaddr (RFC 2131 sec 4.2), never by xid.
 */
START_TEST(test_printer_new_xid)
{
	const struct client c = { .mac = 7 };
	struct req r;

	env_start(cfg_main);
	req_for(&r, &c, DHCPDISCOVER, 0xa);
	req_secs(&r, 6);
	uint32_t ip = expect_reply(&r, DHCPOFFER);

	env.now++;
	req_for(&r, &c, DHCPREQUEST, 0xb);
	req_secs(&r, 7);
	req_opt_ip(&r, DHO_SERVER_ID, SERVER_IP);
	req_opt_ip(&r, DHO_REQUESTED_ADDRESS, ip);
	ck_assert_uint_eq(expect_reply(&r, DHCPACK), ip);
	ck_assert_uint_eq(env.rep.xid, 0xb);

	const struct lease *before = lease_table_find_ip(env.table, ip);
	int64_t expire = before->expire;
	env.now++;
	req_for(&r, &c, DHCPDISCOVER, 0xc);
	ck_assert_uint_eq(expect_reply(&r, DHCPOFFER), ip);
	ck_assert_uint_eq(env.res.n_events, 0);
	/* A bound client asking again keeps its binding untouched. */
	ck_assert_ptr_eq(lease_table_find_ip(env.table, ip), before);
	ck_assert_uint_eq(before->state, LEASE_BOUND);
	ck_assert_int_eq(before->expire, expire);
	env_stop();
}
END_TEST

/* RFC 2131 sec 4.2 / RFC 6842: option 61 identifies the client and is echoed. */
/*
 * Option 81 in, option 81 out in the OFFER and the ACK: the server's
 * flags, RCODEs 255, the qualified name in the client's encoding; option
 * 12 gets the qualified name back; without Dhcp4.ddns both are ignored.
 */
START_TEST(test_client_fqdn_answered)
{
	static const uint8_t fqdn[] = { 0x01 | 0x04, 0, 0, 6, 'L', 'a', 'p', 't', 'o', 'p' };
	static const uint8_t want[] = { 0x05, 255, 255, 6,   'l', 'a', 'p', 't', 'o', 'p', 7,	'e',
					'x',  'a', 'm', 'p', 'l', 'e', 4,   't', 'e', 's', 't', 0 };
	struct client c = { .mac = 41 };
	const uint8_t *o;
	uint16_t len = 0;
	struct req r;
	uint32_t ip;

	env_start(cfg_ddns);
	req_for(&r, &c, DHCPDISCOVER, 0x4100);
	req_opt(&r, DHO_CLIENT_FQDN, fqdn, sizeof(fqdn));
	ip = expect_reply(&r, DHCPOFFER);
	o = rep_opt(&env.rep, DHO_CLIENT_FQDN, &len);
	ck_assert_ptr_nonnull(o);
	ck_assert_uint_eq(len, sizeof(want));
	ck_assert_mem_eq(o, want, sizeof(want));

	req_for(&r, &c, DHCPREQUEST, 0x4101);
	req_opt_ip(&r, DHO_SERVER_ID, SERVER_IP);
	req_opt_ip(&r, DHO_REQUESTED_ADDRESS, ip);
	req_opt(&r, DHO_CLIENT_FQDN, fqdn, sizeof(fqdn));
	ck_assert_uint_eq(expect_reply(&r, DHCPACK), ip);
	o = rep_opt(&env.rep, DHO_CLIENT_FQDN, &len);
	ck_assert_ptr_nonnull(o);
	ck_assert_mem_eq(o, want, sizeof(want));
	ck_assert_ptr_null(rep_opt(&env.rep, DHO_HOST_NAME, &len));

	/* option 12 only: answered with option 12, qualified */
	c.mac = 42;
	req_for(&r, &c, DHCPDISCOVER, 0x4200);
	req_opt(&r, DHO_HOST_NAME, "pc7", 3);
	expect_reply(&r, DHCPOFFER);
	o = rep_opt(&env.rep, DHO_HOST_NAME, &len);
	ck_assert_ptr_nonnull(o);
	ck_assert_uint_eq(len, 16);
	ck_assert_mem_eq(o, "pc7.example.test", 16);
	ck_assert_ptr_null(rep_opt(&env.rep, DHO_CLIENT_FQDN, &len));
	env_stop();

	/* no DNS updates configured: nothing answered */
	env_start(cfg_main);
	req_for(&r, &c, DHCPDISCOVER, 0x4300);
	req_opt(&r, DHO_CLIENT_FQDN, fqdn, sizeof(fqdn));
	expect_reply(&r, DHCPOFFER);
	ck_assert_ptr_null(rep_opt(&env.rep, DHO_CLIENT_FQDN, &len));
	env_stop();
}
END_TEST

START_TEST(test_client_id_beats_chaddr)
{
	const struct client a = { .mac = 1, .cid = cid_a, .cid_len = sizeof(cid_a) };
	const struct client b = { .mac = 2, .cid = cid_a, .cid_len = sizeof(cid_a) };
	const struct client plain = { .mac = 1 };
	uint16_t len = 0;
	const uint8_t *v;

	env_start(cfg_main);
	uint32_t ip = bind(&a);
	v = rep_opt(&env.rep, DHO_CLIENT_ID, &len);
	ck_assert_ptr_nonnull(v);
	ck_assert_uint_eq(len, sizeof(cid_a));
	ck_assert_mem_eq(v, cid_a, sizeof(cid_a));

	ck_assert_uint_eq(discover(&b), ip);
	v = rep_opt(&env.rep, DHO_CLIENT_ID, &len);
	ck_assert_ptr_nonnull(v);
	ck_assert_mem_eq(v, cid_a, sizeof(cid_a));
	ck_assert_uint_eq(select_ip(&b, ip), ip);
	assert_holds(ip, &b, LEASE_BOUND);
	/* The image records the chaddr it last came from. */
	ck_assert_uint_eq(env.res.events[0].img.chaddr[5], 2);

	/* The same MAC without option 61 is another client. */
	uint32_t other = discover(&plain);
	ck_assert_uint_ne(other, ip);
	ck_assert(!env.rep.has[DHO_CLIENT_ID]);
	env_stop();
}
END_TEST

START_TEST(test_requested_address_in_discover)
{
	const struct client a = { .mac = 1 }, b = { .mac = 2 };
	const uint32_t want = IP(10, 77, 0, 17);
	struct req r;

	env_start(cfg_main);
	req_for(&r, &a, DHCPDISCOVER, 1);
	req_opt_ip(&r, DHO_REQUESTED_ADDRESS, want);
	ck_assert_uint_eq(expect_reply(&r, DHCPOFFER), want);

	/* Held (offered) by a: b is given another address. */
	req_for(&r, &b, DHCPDISCOVER, 2);
	req_opt_ip(&r, DHO_REQUESTED_ADDRESS, want);
	uint32_t got = expect_reply(&r, DHCPOFFER);
	ck_assert_uint_ne(got, want);
	ck_assert(in_pool(got));
	assert_holds(want, &a, LEASE_OFFERED);

	/* Outside every range: ignored, still served. */
	req_for(&r, &b, DHCPDISCOVER, 3);
	req_opt_ip(&r, DHO_REQUESTED_ADDRESS, IP(10, 77, 0, 200));
	ck_assert_uint_eq(expect_reply(&r, DHCPOFFER), got);
	env_stop();
}
END_TEST

/* Appendix A 70: SELECTING with another server's id; our offer goes back. */
START_TEST(test_selecting_other_server)
{
	const struct client a = { .mac = 1 }, b = { .mac = 2 };
	struct req r;

	env_start(cfg_main);
	uint32_t ip = discover(&a);
	req_for(&r, &a, DHCPREQUEST, 9);
	req_opt_ip(&r, DHO_SERVER_ID, IP(10, 77, 0, 2));
	req_opt_ip(&r, DHO_REQUESTED_ADDRESS, IP(10, 77, 0, 99));
	expect_drop(&r, DROP_NOT_FOR_US);
	ck_assert_ptr_null(lease_table_find_ip(env.table, ip));
	ck_assert_uint_eq(find_client(&a)->state, LEASE_EXPIRED);

	req_for(&r, &b, DHCPDISCOVER, 10);
	req_opt_ip(&r, DHO_REQUESTED_ADDRESS, ip);
	ck_assert_uint_eq(expect_reply(&r, DHCPOFFER), ip);

	/* SELECTING to us without option 50, or with ciaddr set: RFC 2131 sec 4.3.2. */
	req_for(&r, &a, DHCPREQUEST, 11);
	req_opt_ip(&r, DHO_SERVER_ID, SERVER_IP);
	expect_drop(&r, DROP_RFC_VIOLATION);
	req_for(&r, &a, DHCPREQUEST, 12);
	req_opt_ip(&r, DHO_SERVER_ID, SERVER_IP);
	req_opt_ip(&r, DHO_REQUESTED_ADDRESS, ip);
	req_ciaddr(&r, ip);
	expect_drop(&r, DROP_RFC_VIOLATION);
	env_stop();
}
END_TEST

/* SELECTING for an address we never offered (restart lost the offer). */
START_TEST(test_selecting_lost_offer)
{
	const struct client a = { .mac = 1 }, b = { .mac = 2 };

	env_start(cfg_main);
	uint32_t ip = IP(10, 77, 0, 12);
	ck_assert_uint_eq(select_ip(&a, ip), ip);
	assert_holds(ip, &a, LEASE_BOUND);
	/* Held by a: b is refused. */
	struct req r;
	req_for(&r, &b, DHCPREQUEST, 3);
	req_opt_ip(&r, DHO_SERVER_ID, SERVER_IP);
	req_opt_ip(&r, DHO_REQUESTED_ADDRESS, ip);
	ck_assert_uint_eq(expect_reply(&r, DHCPNAK), 0);
	ck_assert(!env.res.park);
	ck_assert_uint_eq(env.res.n_events, 0);
	ck_assert(!env.rep.has[DHO_LEASE_TIME]);
	assert_holds(ip, &a, LEASE_BOUND);
	env_stop();
}
END_TEST

/*
 * SELECTING through a relay of another subnet than the offer's: the
 * address is not on the client's network (RFC 2131 sec 4.3.2). Found by
 * fuzz_dhcp_server: it used to be bound with the relay subnet's id.
 */
START_TEST(test_selecting_wrong_subnet)
{
	const struct client a = { .mac = 1 };
	struct req r;

	env_start(cfg_main);
	uint32_t ip = discover(&a);
	req_for(&r, &a, DHCPREQUEST, 2);
	req_giaddr(&r, RELAY2);
	req_opt_ip(&r, DHO_SERVER_ID, SERVER_IP);
	req_opt_ip(&r, DHO_REQUESTED_ADDRESS, ip);
	ck_assert_uint_eq(expect_reply(&r, DHCPNAK), 0);
	ck_assert_uint_eq(env.res.n_events, 0);
	assert_holds(ip, &a, LEASE_OFFERED);
	ck_assert_uint_eq(lease_table_find_ip(env.table, ip)->subnet_id, 1);
	/* The same once bound. */
	ck_assert_uint_eq(select_ip(&a, ip), ip);
	expect_reply(&r, DHCPNAK);
	assert_holds(ip, &a, LEASE_BOUND);
	ck_assert_uint_eq(lease_table_find_ip(env.table, ip)->subnet_id, 1);
	env_stop();
}
END_TEST

/* ---- INIT-REBOOT (RFC 2131 sec 4.3.2), table-driven ---- */

enum ir_ip { IR_BOUND, IR_WRONG_NET, IR_FREE };

static const struct init_reboot_case {
	const char *name;
	const char *cfg;
	bool bind_first; /* client 1 binds before the request */
	unsigned requester; /* mac index of the INIT-REBOOT client */
	enum ir_ip which;
	enum drop_reason drop;
	uint8_t reply;
} init_reboot_cases[] = {
	{ "own address", cfg_main, true, 1, IR_BOUND, DROP_NONE, DHCPACK },
	{ "own address, not authoritative", cfg_not_auth, true, 1, IR_BOUND, DROP_NONE, DHCPACK },
	{ "wrong network", cfg_main, true, 1, IR_WRONG_NET, DROP_NONE, DHCPNAK },
	{ "wrong network, not authoritative", cfg_not_auth, true, 1, IR_WRONG_NET, DROP_NONE,
	  DHCPNAK },
	{ "unknown client, not authoritative", cfg_not_auth, false, 2, IR_FREE, DROP_NO_BINDING,
	  0 },
	{ "unknown client, authoritative", cfg_main, false, 2, IR_FREE, DROP_NONE, DHCPNAK },
	{ "held by another", cfg_main, true, 2, IR_BOUND, DROP_NONE, DHCPNAK },
	{ "held by another, not authoritative", cfg_not_auth, true, 2, IR_BOUND, DROP_NONE,
	  DHCPNAK },
	{ "other address than its binding", cfg_main, true, 1, IR_FREE, DROP_NONE, DHCPNAK },
};

START_TEST(test_init_reboot)
{
	const struct init_reboot_case *tc = &init_reboot_cases[_i];
	const struct client owner = { .mac = 1 }, req_client = { .mac = tc->requester };
	uint32_t bound = 0, ip;
	struct req r;

	env_start(tc->cfg);
	if (tc->bind_first)
		bound = bind(&owner);
	switch (tc->which) {
	case IR_BOUND: ip = bound; break;
	case IR_WRONG_NET: ip = IP(10, 99, 0, 5); break;
	default: ip = IP(10, 77, 0, 18); break;
	}
	env.now += 100;
	req_for(&r, &req_client, DHCPREQUEST, 0x77);
	req_opt_ip(&r, DHO_REQUESTED_ADDRESS, ip);
	if (tc->drop != DROP_NONE) {
		expect_drop(&r, tc->drop);
	} else {
		uint32_t y = expect_reply(&r, tc->reply);
		ck_assert_msg(y == (tc->reply == DHCPACK ? ip : 0), "%s: yiaddr", tc->name);
		ck_assert_msg(env.res.park == (tc->reply == DHCPACK), "%s: park", tc->name);
		if (tc->reply == DHCPACK) {
			ck_assert_int_eq(env.res.events[0].img.expire, env.now + 3600);
			assert_holds(ip, &req_client, LEASE_BOUND);
		} else {
			ck_assert_uint_eq(env.rep.ciaddr, 0);
			ck_assert(!env.rep.has[DHO_LEASE_TIME]);
			ck_assert(!env.rep.has[DHO_SUBNET_MASK]);
		}
	}
	if (tc->bind_first)
		assert_holds(bound, &owner, LEASE_BOUND);
	env_stop();
}
END_TEST

/* ---- requested lease time (option 51) ---- */

/* One subnet with the pool of the main document; G adds Dhcp4 keys. */
#define HINT_CFG(G) \
	"{ 'Dhcp4': {\n" \
	"  'interfaces-config': { 'interfaces': [\n" \
	"    { 'name': 'port0', 'port': 0, 'address': '10.77.0.1/24' } ] },\n" \
	"  'valid-lifetime': 3600, " G "\n" \
	"  'lease-store': { 'directory': '/tmp/lw-test-dhcp-server' },\n" \
	"  'subnet4': [ { 'id': 1, 'subnet': '10.77.0.0/24', 'interface': 'port0',\n" \
	"    'pools': [ { 'pool': '10.77.0.10 - 10.77.0.19' } ] } ]\n" \
	"} }\n"

static const char cfg_hint_kea[] =
    HINT_CFG("'min-valid-lifetime': 600, 'max-valid-lifetime': 7200, 'calculate-tee-times': true, "
	     "'t1-percent': 0.25, 't2-percent': 0.5,");
static const char cfg_hint_none[] = HINT_CFG("");
static const char cfg_hint_rfc[] =
    HINT_CFG("'min-valid-lifetime': 600, 'max-valid-lifetime': 7200,");
static const char cfg_hint_timers[] =
    HINT_CFG("'min-valid-lifetime': 600, 'max-valid-lifetime': 7200, 'renew-timer': 900, "
	     "'rebind-timer': 1800,");

#define NO_HINT UINT64_MAX

static const struct lease_hint_case {
	const char *cfg;
	uint64_t hint; /* option 51, NO_HINT: absent */
	uint32_t lease, t1, t2;
} lease_hint_cases[] = {
	/* Kea: the hint clamped to [min, max]; T1/T2 round(lease * percent). */
	{ cfg_hint_kea, NO_HINT, 3600, 900, 1800 },
	{ cfg_hint_kea, 60, 600, 150, 300 },
	{ cfg_hint_kea, 0, 600, 150, 300 },
	{ cfg_hint_kea, 5001, 5001, 1250, 2501 },
	{ cfg_hint_kea, 100000, 7200, 1800, 3600 },
	{ cfg_hint_kea, LEASE_INFINITE, 7200, 1800, 3600 }, /* never an infinite lease */
	/* Neither bound set: the hint is ignored, as before. */
	{ cfg_hint_none, 60, 3600, 1800, 3150 },
	{ cfg_hint_none, LEASE_INFINITE, 3600, 1800, 3150 },
	/* Without calculate-tee-times: 50% and 87.5% of the lease granted, rounded down. */
	{ cfg_hint_rfc, 1001, 1001, 500, 875 },
	{ cfg_hint_rfc, NO_HINT, 3600, 1800, 3150 },
	/* Set timers stay while they are below the lease, else they follow it. */
	{ cfg_hint_timers, 7200, 7200, 900, 1800 },
	{ cfg_hint_timers, 2000, 2000, 900, 1800 },
	{ cfg_hint_timers, 1800, 1800, 900, 1575 },
	{ cfg_hint_timers, 1000, 1000, 500, 875 },
};

static void expect_times(const struct lease_hint_case *tc)
{
	ck_assert_uint_eq(rep_u32(&env.rep, DHO_LEASE_TIME), tc->lease);
	ck_assert_uint_eq(rep_u32(&env.rep, DHO_RENEWAL_TIME), tc->t1);
	ck_assert_uint_eq(rep_u32(&env.rep, DHO_REBINDING_TIME), tc->t2);
}

/* The lease time recorded and journaled is the one the ACK gives. */
static void expect_recorded(const struct client *c, const struct lease_hint_case *tc)
{
	const struct lease *l = find_client(c);

	ck_assert_ptr_nonnull(l);
	ck_assert_uint_eq(l->lease_secs, tc->lease);
	ck_assert_int_eq(l->expire, env.now + tc->lease);
	ck_assert_uint_eq(env.res.n_events, 1);
	ck_assert_uint_eq(env.res.events[0].img.lease_secs, tc->lease);
	ck_assert_int_eq(env.res.events[0].img.expire, env.now + tc->lease);
}

static void req_hint(struct req *r, const struct lease_hint_case *tc)
{
	if (tc->hint != NO_HINT)
		req_opt_ip(r, DHO_LEASE_TIME,
			   (uint32_t)tc->hint); /* a 32-bit value like an address */
}

/* RFC 2131 sec 4.3.1: option 51 in DISCOVER and REQUEST, as Kea honours it. */
START_TEST(requested_lease_time_clamped)
{
	const struct lease_hint_case *tc = &lease_hint_cases[_i];
	const struct client a = { .mac = 1 };
	struct req r;

	env_start(tc->cfg);
	req_for(&r, &a, DHCPDISCOVER, 1);
	req_hint(&r, tc);
	uint32_t ip = expect_reply(&r, DHCPOFFER);
	expect_times(tc);
	ck_assert_uint_eq(find_client(&a)->lease_secs, tc->lease);

	req_for(&r, &a, DHCPREQUEST, 2);
	req_opt_ip(&r, DHO_SERVER_ID, SERVER_IP);
	req_opt_ip(&r, DHO_REQUESTED_ADDRESS, ip);
	req_hint(&r, tc);
	ck_assert_uint_eq(expect_reply(&r, DHCPACK), ip);
	expect_times(tc);
	expect_recorded(&a, tc);

	/* RENEWING, later: the same lease time again, from then. */
	env.now += 100;
	req_for(&r, &a, DHCPREQUEST, 3);
	req_ciaddr(&r, ip);
	req_hint(&r, tc);
	env.link.dst_unicast = true;
	ck_assert_uint_eq(expect_reply(&r, DHCPACK), ip);
	expect_times(tc);
	expect_recorded(&a, tc);
	env_stop();
}
END_TEST

/* ---- RENEWING / REBINDING ---- */

static uint32_t renew(const struct client *c, uint32_t ciaddr, bool unicast, uint8_t want)
{
	struct req r;

	req_for(&r, c, DHCPREQUEST, 0x3000 + c->mac);
	req_ciaddr(&r, ciaddr);
	env.link.src_ip = ciaddr;
	env.link.dst_unicast = unicast;
	uint32_t y = expect_reply(&r, want);
	env.link.src_ip = 0;
	env.link.dst_unicast = false;
	return y;
}

START_TEST(test_renew_rebind)
{
	const struct client a = { .mac = 1 };

	env_start(cfg_main);
	uint32_t ip = bind(&a);
	for (int unicast = 1; unicast >= 0; unicast--) {
		env.now += 1000;
		ck_assert_uint_eq(renew(&a, ip, unicast, DHCPACK), ip);
		ck_assert_uint_eq(env.rep.ciaddr, ip);
		ck_assert(env.res.park);
		ck_assert_uint_eq(env.res.n_events, 1);
		ck_assert_uint_eq(env.res.events[0].img.state, LEASE_BOUND);
		ck_assert_int_eq(env.res.events[0].img.expire, env.now + 3600);
		assert_holds(ip, &a, LEASE_BOUND);
		ck_assert_int_eq(lease_table_find_ip(env.table, ip)->expire, env.now + 3600);
	}
	env_stop();
}
END_TEST

START_TEST(test_renew_held_by_other)
{
	const struct client a = { .mac = 1 }, b = { .mac = 2 };

	env_start(cfg_main);
	uint32_t ip = bind(&a);
	renew(&b, ip, true, DHCPNAK);
	ck_assert_uint_eq(env.res.n_events, 0);
	assert_holds(ip, &a, LEASE_BOUND);
	env_stop();
}
END_TEST

/* Lost state (e.g. a wiped lease store): a free in-pool address is kept. */
START_TEST(test_renew_recovers_state)
{
	const struct client b = { .mac = 2 };
	const uint32_t ip = IP(10, 77, 0, 18);

	env_start(cfg_main);
	ck_assert_uint_eq(renew(&b, ip, true, DHCPACK), ip);
	ck_assert_uint_eq(env.res.n_events, 1);
	assert_holds(ip, &b, LEASE_BOUND);
	/* Outside every range of the subnet: NAK (authoritative). */
	renew(&b, IP(10, 77, 0, 200), true, DHCPNAK);
	env_stop();
}
END_TEST

/*
 * A relayed client renews by unicast straight to the server, past its
 * relay: giaddr 0, ciaddr in the relayed subnet (RFC 2131 sec 4.3.2, 4.4.5).
 */
START_TEST(test_renew_relayed_client_unicast)
{
	const struct client a = { .mac = 1, .giaddr = RELAY2 };
	const struct client direct = { .mac = 1 };

	env_start(cfg_main);
	uint32_t ip = bind(&a);
	ck_assert_uint_eq(ip >> 8, IP(10, 90, 0, 0) >> 8);
	env.now += 1000;
	ck_assert_uint_eq(renew(&direct, ip, true, DHCPACK), ip);
	ck_assert_uint_eq(env.res.events[0].img.subnet_id, 2);
	ck_assert_uint_eq(rep_u32(&env.rep, DHO_ROUTERS), RELAY2);
	assert_holds(ip, &direct, LEASE_BOUND);
	/* An address in no subnet at all is still refused. */
	renew(&direct, IP(10, 200, 0, 5), true, DHCPNAK);
	env_stop();
}
END_TEST

/* ---- RELEASE (RFC 2131 sec 4.3.4) ---- */

static void release(const struct client *c, uint32_t ciaddr, uint32_t server_id,
		    enum drop_reason want)
{
	struct req r;

	req_for(&r, c, DHCPRELEASE, 0x4000 + c->mac);
	req_ciaddr(&r, ciaddr);
	if (server_id)
		req_opt_ip(&r, DHO_SERVER_ID, server_id);
	expect_drop(&r, want);
	ck_assert_uint_eq(env.res.reply_len, 0);
}

/*
 * Every journaled version of a binding carries its address version: the
 * same one while the client keeps the address (renewal, release), a
 * higher one once the address changes hands (recovery orders records of
 * one address by it, across workers).
 */
START_TEST(test_addr_version_journaled)
{
	const struct client a = { .mac = 1 }, b = { .mac = 2 };
	struct req r;

	env_start(cfg_main);
	uint32_t ip = bind(&a);
	uint32_t v = env.res.events[env.res.n_events - 1].img.addr_version;
	ck_assert_uint_gt(v, 0);
	env.now += 100;
	ck_assert_uint_eq(renew(&a, ip, true, DHCPACK), ip);
	ck_assert_uint_eq(env.res.events[env.res.n_events - 1].img.addr_version, v);
	env.now += 10;
	release(&a, ip, SERVER_IP, DROP_NONE);
	ck_assert_uint_eq(env.res.events[0].img.addr_version, v);

	req_for(&r, &b, DHCPDISCOVER, 0x7001);
	req_opt_ip(&r, DHO_REQUESTED_ADDRESS, ip);
	ck_assert_uint_eq(expect_reply(&r, DHCPOFFER), ip);
	ck_assert_uint_eq(select_ip(&b, ip), ip);
	ck_assert_uint_gt(env.res.events[env.res.n_events - 1].img.addr_version, v);
	ck_assert_uint_eq(find_client(&b)->addr_version,
			  env.res.events[env.res.n_events - 1].img.addr_version);
	env_stop();
}
END_TEST

START_TEST(test_release)
{
	const struct client a = { .mac = 1 }, b = { .mac = 2 };
	struct req r;

	env_start(cfg_main);
	uint32_t ip = bind(&a);
	env.now += 10;
	release(&a, ip, SERVER_IP, DROP_NONE);
	ck_assert_uint_eq(env.res.n_events, 1);
	ck_assert_uint_eq(env.res.events[0].type, JOURNAL_REC_UPSERT);
	ck_assert_uint_eq(env.res.events[0].img.state, LEASE_RELEASED);
	ck_assert_uint_eq(env.res.events[0].img.ip, ip);
	ck_assert(!env.res.park);
	ck_assert_ptr_null(lease_table_find_ip(env.table, ip));
	ck_assert_uint_eq(find_client(&a)->state, LEASE_RELEASED);

	req_for(&r, &b, DHCPDISCOVER, 5);
	req_opt_ip(&r, DHO_REQUESTED_ADDRESS, ip);
	ck_assert_uint_eq(expect_reply(&r, DHCPOFFER), ip);

	/* A second RELEASE: a has nothing left to release. */
	release(&a, ip, SERVER_IP, DROP_NOT_OWNER);
	env_stop();
}
END_TEST

/* ---- Reclaim: released/expired records are deleted after hold-reclaimed-time ---- */

struct reclaim_scan {
	int64_t now;
	unsigned deleted;
	struct lease_event last;
};

static void reclaim_visit(const struct lease *l, void *arg)
{
	struct reclaim_scan *rs = arg;
	struct lease_event ev;

	if (dhcp_server_reclaim(&env.srv, l, rs->now, &ev)) {
		rs->deleted++;
		rs->last = ev;
	}
}

/* One full lap over the worker's slab, as the worker's housekeeping does. */
static unsigned reclaim_lap(int64_t now, struct lease_event *last)
{
	struct reclaim_scan rs = { .now = now };
	size_t cursor = 0;

	lease_table_scan_slab(env.table, 0, &cursor, SIZE_MAX, reclaim_visit, &rs);
	/* Removed versions wait for a grace period, as between two packets. */
	rcu_quiescent_state();
	if (last)
		*last = rs.last;
	return rs.deleted;
}

START_TEST(test_reclaim_after_hold)
{
	const struct client a = { .mac = 1 }, b = { .mac = 2 }, c = { .mac = 3 };
	struct lease_event ev;

	env_start(cfg_main);
	ck_assert_uint_eq(env.cfg->hold_reclaimed_time, 3600); /* Kea's default */
	uint32_t ip_a = bind(&a);
	bind(&b);
	uint32_t ip_c = bind(&c);
	release(&a, ip_a, SERVER_IP, DROP_NONE);
	env.now += 10;
	release(&c, ip_c, SERVER_IP, DROP_NONE);

	/* Young records stay (address affinity); a bound one always stays. */
	ck_assert_uint_eq(reclaim_lap(env.now + 3000, NULL), 0);
	ck_assert_uint_eq(find_client(&a)->state, LEASE_RELEASED);

	/* a passed its hold, c (released 10 s later) not yet. */
	ck_assert_uint_eq(reclaim_lap(T0 + 3600 + 5, &ev), 1);
	ck_assert_uint_eq(ev.type, JOURNAL_REC_DELETE);
	ck_assert_uint_eq(ev.img.ip, ip_a);
	ck_assert_uint_eq(ev.seq, env.srv.next_seq);
	ck_assert_int_eq(journal_record_validate(ev.type, &ev.img), 0);
	ck_assert_ptr_null(find_client(&a));
	ck_assert_uint_eq(find_client(&c)->state, LEASE_RELEASED);
	ck_assert_uint_eq(find_client(&b)->state, LEASE_BOUND);
	ck_assert_uint_eq(env.ctr.leases_reclaimed, 1);

	/* Lap again much later: c goes, b (bound, unexpired) never does, a is
	 * not deleted twice (its old record may still sit in the slab). */
	ck_assert_uint_eq(reclaim_lap(T0 + 3000 + 3600 - 1, NULL), 1);
	ck_assert_ptr_null(find_client(&c));
	ck_assert_uint_eq(reclaim_lap(T0 + 3000 + 3600 - 1, NULL), 0);
	ck_assert_uint_eq(find_client(&b)->state, LEASE_BOUND);

	/* A reclaimed client starts afresh and gets a lease as usual. */
	ck_assert(in_pool(bind(&a)));
	env_stop();
}
END_TEST

START_TEST(test_reclaim_disabled)
{
	const struct client a = { .mac = 1 };

	env_start(CFG("'authoritative': true, 'expired-leases-processing': "
		      "{ 'hold-reclaimed-time': 0 },",
		      "", ""));
	uint32_t ip = bind(&a);
	release(&a, ip, SERVER_IP, DROP_NONE);
	ck_assert_uint_eq(reclaim_lap(T0 + 100 * 86400, NULL), 0);
	ck_assert_uint_eq(find_client(&a)->state, LEASE_RELEASED);
	env_stop();
}
END_TEST

/* Appendix A 67 and a RELEASE for another server. */
START_TEST(test_release_not_owner)
{
	const struct client a = { .mac = 1 }, b = { .mac = 2 };

	env_start(cfg_main);
	uint32_t ip = bind(&a);
	const struct lease *before = lease_table_find_ip(env.table, ip);
	release(&b, ip, SERVER_IP, DROP_NOT_OWNER);
	ck_assert_ptr_eq(lease_table_find_ip(env.table, ip), before);
	release(&a, ip, IP(10, 77, 0, 2), DROP_NOT_FOR_US);
	release(&a, IP(10, 77, 0, 11) == ip ? IP(10, 77, 0, 12) : IP(10, 77, 0, 11), 0,
		DROP_NOT_OWNER);
	release(&a, 0, 0, DROP_NOT_OWNER);
	assert_holds(ip, &a, LEASE_BOUND);
	ck_assert_ptr_eq(lease_table_find_ip(env.table, ip), before);
	env_stop();
}
END_TEST

/* ---- DECLINE (RFC 2131 sec 4.3.3) ---- */

static void decline(const struct client *c, uint32_t reqip, enum drop_reason want)
{
	struct req r;

	req_for(&r, c, DHCPDECLINE, 0x5000 + c->mac);
	if (reqip)
		req_opt_ip(&r, DHO_REQUESTED_ADDRESS, reqip);
	req_opt_ip(&r, DHO_SERVER_ID, SERVER_IP);
	expect_drop(&r, want);
	ck_assert_uint_eq(env.res.reply_len, 0);
}

START_TEST(test_decline)
{
	const struct client a = { .mac = 1 };

	env_start(cfg_main);
	uint32_t ip = bind(&a);
	env.now += 5;
	decline(&a, ip, DROP_NONE);
	ck_assert_uint_eq(env.res.n_events, 2);
	const struct lease_image *prob = &env.res.events[0].img, *cl = &env.res.events[1].img;
	ck_assert_uint_eq(env.res.events[0].type, JOURNAL_REC_UPSERT);
	ck_assert_uint_eq(prob->state, LEASE_DECLINED);
	ck_assert_uint_eq(prob->ip, ip);
	ck_assert_uint_eq(prob->key_len, 6);
	ck_assert_uint_eq(prob->key[0], LEASE_KEY_DECLINED);
	ck_assert_uint_eq(get32(prob->key + 1), ip);
	ck_assert_uint_eq(prob->key[5], 0); /* the declining worker owns the probation */
	/* Journal sequences: each journaled version carries its event's. */
	ck_assert_uint_eq(env.res.events[0].seq + 1, env.res.events[1].seq);
	ck_assert_uint_ne(env.res.events[0].seq, 0);
	ck_assert_int_eq(prob->expire, env.now + 600);
	ck_assert_uint_eq(env.res.events[1].type, JOURNAL_REC_UPSERT);
	ck_assert_uint_ne(cl->state, LEASE_BOUND);
	ck_assert_uint_eq(cl->ip, 0);

	const struct lease *l = lease_table_find_ip(env.table, ip);
	ck_assert_ptr_nonnull(l);
	ck_assert_uint_eq(l->state, LEASE_DECLINED);
	ck_assert_uint_eq(l->key[0], LEASE_KEY_DECLINED);
	ck_assert_ptr_eq(lease_table_find_key(env.table, l->key, l->key_len, l->key_hash), l);

	uint32_t next = discover(&a);
	ck_assert_uint_ne(next, ip);
	ck_assert(in_pool(next));
	ck_assert_uint_eq(lease_table_find_ip(env.table, ip)->state, LEASE_DECLINED);
	env_stop();
}
END_TEST

/* Appendix A 68. */
START_TEST(test_decline_invalid)
{
	const struct client a = { .mac = 1 }, b = { .mac = 2 };

	env_start(cfg_main);
	uint32_t ip = bind(&a);
	decline(&a, 0, DROP_RFC_VIOLATION);
	decline(&b, ip, DROP_NOT_OWNER);
	decline(&a, ip == POOL_FIRST ? POOL_FIRST + 1 : POOL_FIRST, DROP_NOT_OWNER);
	assert_holds(ip, &a, LEASE_BOUND);

	struct req r;
	req_for(&r, &a, DHCPDECLINE, 1);
	req_opt_ip(&r, DHO_REQUESTED_ADDRESS, ip);
	req_opt_ip(&r, DHO_SERVER_ID, IP(10, 77, 0, 2));
	expect_drop(&r, DROP_NOT_FOR_US);
	assert_holds(ip, &a, LEASE_BOUND);
	env_stop();
}
END_TEST

/* ---- INFORM (RFC 2131 sec 4.3.5), Appendix A 69 ---- */

START_TEST(test_inform)
{
	const struct client a = { .mac = 1 };
	struct lease_table_stats st;
	struct req r;

	env_start(cfg_main);
	req_for(&r, &a, DHCPINFORM, 0x66);
	req_ciaddr(&r, IP(10, 77, 0, 50));
	env.link.src_ip = IP(10, 77, 0, 50);
	env.link.dst_unicast = true;
	ck_assert_uint_eq(expect_reply(&r, DHCPACK), 0);
	ck_assert_uint_eq(env.res.reply_type, DHCPINFORM);
	ck_assert(!env.res.park);
	ck_assert_uint_eq(env.res.n_events, 0);
	ck_assert_uint_eq(env.rep.ciaddr, IP(10, 77, 0, 50));
	ck_assert(!env.rep.has[DHO_LEASE_TIME]);
	ck_assert(!env.rep.has[DHO_RENEWAL_TIME]);
	ck_assert(!env.rep.has[DHO_REBINDING_TIME]);
	ck_assert_uint_eq(rep_u32(&env.rep, DHO_ROUTERS), SERVER_IP);
	lease_table_get_stats(env.table, &st);
	ck_assert_uint_eq(st.records, 0);
	ck_assert_uint_eq(st.addresses_held, 0);

	/* ciaddr 0 but a source address: answered. */
	req_for(&r, &a, DHCPINFORM, 0x67);
	ck_assert_uint_eq(expect_reply(&r, DHCPACK), 0);

	/* Neither: nowhere to answer. */
	env.link.src_ip = 0;
	env.link.dst_unicast = false;
	req_for(&r, &a, DHCPINFORM, 0x68);
	expect_drop(&r, DROP_RFC_VIOLATION);

	/* From an address no subnet knows. */
	req_for(&r, &a, DHCPINFORM, 0x69);
	req_ciaddr(&r, IP(192, 0, 2, 1));
	expect_drop(&r, DROP_NO_SUBNET);
	env_stop();
}
END_TEST

/* Appendix A 72: RFC 2131 table 5 forbids option 54 in a DISCOVER. */
START_TEST(test_discover_with_server_id)
{
	const struct client a = { .mac = 1 };
	struct lease_table_stats st;
	struct req r;

	env_start(cfg_main);
	req_for(&r, &a, DHCPDISCOVER, 1);
	req_opt_ip(&r, DHO_SERVER_ID, SERVER_IP);
	expect_drop(&r, DROP_RFC_VIOLATION);
	lease_table_get_stats(env.table, &st);
	ck_assert_uint_eq(st.records, 0);
	env_stop();
}
END_TEST

/* ---- relays ---- */

static const uint8_t rai_a[] = { RAI_CIRCUIT_ID, 4, 'e',  't',	'h', '1',
				 RAI_REMOTE_ID,	 3, 0x11, 0x22, 0x33 };

START_TEST(test_relayed)
{
	const struct client a = { .mac = 1, .giaddr = RELAY2 };
	uint16_t len = 0;
	const uint8_t *v;
	struct req r;

	env_start(cfg_main);
	req_for(&r, &a, DHCPDISCOVER, 1);
	req_opt(&r, DHO_RELAY_AGENT_INFO, rai_a, sizeof(rai_a));
	uint32_t ip = expect_reply(&r, DHCPOFFER);
	ck_assert(ip >= IP(10, 90, 0, 100) && ip <= IP(10, 90, 0, 109));
	ck_assert_uint_eq(env.rep.giaddr, RELAY2);
	ck_assert_uint_eq(rep_u32(&env.rep, DHO_ROUTERS), RELAY2);
	/* RFC 3046 sec 2.2: echoed unchanged, the last option before END. */
	v = rep_opt(&env.rep, DHO_RELAY_AGENT_INFO, &len);
	ck_assert_ptr_nonnull(v);
	ck_assert_uint_eq(len, sizeof(rai_a));
	ck_assert_mem_eq(v, rai_a, sizeof(rai_a));
	ck_assert_uint_eq(env.rep.codes[env.rep.n_codes - 1], DHO_RELAY_AGENT_INFO);

	req_for(&r, &a, DHCPREQUEST, 2);
	req_opt_ip(&r, DHO_SERVER_ID, SERVER_IP);
	req_opt_ip(&r, DHO_REQUESTED_ADDRESS, ip);
	req_opt(&r, DHO_RELAY_AGENT_INFO, rai_a, sizeof(rai_a));
	ck_assert_uint_eq(expect_reply(&r, DHCPACK), ip);
	ck_assert_uint_eq(env.rep.codes[env.rep.n_codes - 1], DHO_RELAY_AGENT_INFO);
	ck_assert_uint_eq(env.res.events[0].img.subnet_id, 2);

	/* A NAK carries it too. */
	req_for(&r, &a, DHCPREQUEST, 3);
	req_opt_ip(&r, DHO_REQUESTED_ADDRESS, IP(10, 91, 0, 100));
	req_opt(&r, DHO_RELAY_AGENT_INFO, rai_a, sizeof(rai_a));
	expect_reply(&r, DHCPNAK);
	ck_assert_uint_eq(env.rep.codes[env.rep.n_codes - 1], DHO_RELAY_AGENT_INFO);
	env_stop();
}
END_TEST

/*
 * RFC 2131 sec 4.3.2: a NAK to a relayed REQUEST has the broadcast bit set,
 * so the relay broadcasts it to a client that may have no usable address;
 * a NAK sent directly, and every other reply, copies the request's flags.
 */
START_TEST(nak_through_relay_sets_broadcast)
{
	const struct client relayed = { .mac = 1, .giaddr = RELAY2 }, direct = { .mac = 2 };
	static const uint16_t flags[] = { 0, DHCP_FLAG_BROADCAST };
	struct req r;

	env_start(cfg_main);
	for (unsigned i = 0; i < 2; i++) {
		/* INIT-REBOOT for an address of another subnet than the relay's. */
		req_for(&r, &relayed, DHCPREQUEST, 10 + i);
		req_flags(&r, flags[i]);
		req_opt_ip(&r, DHO_REQUESTED_ADDRESS, IP(10, 91, 0, 100));
		ck_assert_uint_eq(expect_reply(&r, DHCPNAK), 0);
		ck_assert_uint_eq(env.rep.giaddr, RELAY2);
		ck_assert_uint_eq(env.rep.flags, DHCP_FLAG_BROADCAST);

		/* The same NAK sent directly: the request's flags. */
		req_for(&r, &direct, DHCPREQUEST, 20 + i);
		req_flags(&r, flags[i]);
		req_opt_ip(&r, DHO_REQUESTED_ADDRESS, IP(10, 91, 0, 100));
		ck_assert_uint_eq(expect_reply(&r, DHCPNAK), 0);
		ck_assert_uint_eq(env.rep.giaddr, 0);
		ck_assert_uint_eq(env.rep.flags, flags[i]);

		/* A relayed OFFER keeps the request's flags. */
		req_for(&r, &relayed, DHCPDISCOVER, 30 + i);
		req_flags(&r, flags[i]);
		expect_reply(&r, DHCPOFFER);
		ck_assert_uint_eq(env.rep.flags, flags[i]);
	}
	env_stop();
}
END_TEST

/* rai_a followed by an RFC 3527 link-selection sub-option naming `subnet`. */
static void rai_link_selection(uint8_t rai[6 + sizeof(rai_a)], uint32_t subnet)
{
	memcpy(rai, rai_a, sizeof(rai_a));
	rai[sizeof(rai_a)] = RAI_LINK_SELECTION;
	rai[sizeof(rai_a) + 1] = 4;
	put32(rai + sizeof(rai_a) + 2, subnet);
}

/* RFC 3527 link selection (from a relay) and RFC 3011 option 118 pick the subnet. */
START_TEST(test_subnet_selection)
{
	const struct client a = { .mac = 1, .giaddr = RELAY2 }, b = { .mac = 2 };
	uint8_t rai[6 + sizeof(rai_a)];
	uint16_t len = 0;
	const uint8_t *v;
	struct req r;

	env_start(cfg_main);
	rai_link_selection(rai, IP(10, 91, 0, 0));
	req_for(&r, &a, DHCPDISCOVER, 1);
	req_opt(&r, DHO_RELAY_AGENT_INFO, rai, sizeof(rai));
	uint32_t ip = expect_reply(&r, DHCPOFFER);
	ck_assert(ip >= IP(10, 91, 0, 100) && ip <= IP(10, 91, 0, 109));
	v = rep_opt(&env.rep, DHO_RELAY_AGENT_INFO, &len);
	ck_assert_ptr_nonnull(v);
	ck_assert_uint_eq(len, sizeof(rai));
	ck_assert_mem_eq(v, rai, sizeof(rai));

	req_for(&r, &b, DHCPDISCOVER, 2);
	req_opt_ip(&r, DHO_SUBNET_SELECTION, IP(10, 91, 0, 7));
	ip = expect_reply(&r, DHCPOFFER);
	ck_assert(ip >= IP(10, 91, 0, 100) && ip <= IP(10, 91, 0, 109));
	ck_assert_uint_eq(rep_u32(&env.rep, DHO_SUBNET_SELECTION), IP(10, 91, 0, 7));

	/* Option 118 naming no subnet. */
	req_for(&r, &b, DHCPDISCOVER, 3);
	req_opt_ip(&r, DHO_SUBNET_SELECTION, IP(10, 201, 0, 7));
	expect_drop(&r, DROP_NO_SUBNET);
	env_stop();
}
END_TEST

/*
 * RFC 3527 sec 5: link selection is a relay's word, trusted only with a
 * giaddr. A direct client that sends option 82 with it stays on the
 * receiving interface's subnet.
 */
START_TEST(test_link_selection_needs_giaddr)
{
	const struct client b = { .mac = 3 };
	uint8_t rai[6 + sizeof(rai_a)];
	struct req r;

	env_start(cfg_main);
	rai_link_selection(rai, IP(10, 91, 0, 0));
	req_for(&r, &b, DHCPDISCOVER, 1);
	req_opt(&r, DHO_RELAY_AGENT_INFO, rai, sizeof(rai));
	ck_assert(in_pool(expect_reply(&r, DHCPOFFER)));
	env_stop();
}
END_TEST

/* Appendix A 71 analogue: a relay we do not serve, DISCOVER and unicast REQUEST. */
START_TEST(test_relay_no_subnet)
{
	const struct client a = { .mac = 1, .giaddr = IP(10, 200, 0, 1) };
	struct req r;

	env_start(cfg_main);
	req_for(&r, &a, DHCPDISCOVER, 1);
	expect_drop(&r, DROP_NO_SUBNET);
	req_for(&r, &a, DHCPREQUEST, 2);
	req_ciaddr(&r, IP(10, 200, 0, 5));
	env.link.dst_unicast = true;
	expect_drop(&r, DROP_NO_SUBNET);
	req_for(&r, &a, DHCPREQUEST, 3);
	req_opt_ip(&r, DHO_SERVER_ID, SERVER_IP);
	req_opt_ip(&r, DHO_REQUESTED_ADDRESS, IP(10, 200, 0, 5));
	expect_drop(&r, DROP_NO_SUBNET);
	env_stop();
}
END_TEST

/*
 * giaddr spoofing (reliability.md Appendix A 25): a relayed request from
 * 0.0.0.0, or whose giaddr is ours or no host address, is dropped as
 * DROP_GIADDR; the same request from the configured relay is answered.
 */
static const struct {
	uint32_t giaddr, src_ip;
	enum drop_reason want;
} giaddr_cases[] = {
	{ RELAY2, RELAY2, DROP_NONE },
	{ RELAY2, 0, DROP_GIADDR }, /* no relay sends from 0.0.0.0 */
	{ SERVER_IP, RELAY2, DROP_GIADDR }, /* ours: the reply would loop */
	{ IP(255, 255, 255, 255), RELAY2, DROP_GIADDR },
	{ IP(127, 0, 0, 1), RELAY2, DROP_GIADDR },
	{ IP(0, 1, 2, 3), RELAY2, DROP_GIADDR },
	{ IP(224, 0, 0, 9), RELAY2, DROP_GIADDR },
	{ IP(10, 200, 0, 1), IP(10, 200, 0, 1), DROP_NO_SUBNET }, /* plausible, not ours to serve */
};

START_TEST(test_giaddr_spoof)
{
	const struct client a = { .mac = 1, .giaddr = giaddr_cases[_i].giaddr };
	struct req r;

	env_start(cfg_main);
	env.link.src_ip = giaddr_cases[_i].src_ip;
	/* send_req() stands in a relay's address for a zero source: bypass it for that row. */
	req_for(&r, &a, DHCPDISCOVER, 1);
	if (giaddr_cases[_i].want == DROP_NONE) {
		expect_reply(&r, DHCPOFFER);
	} else if (giaddr_cases[_i].src_ip == 0) {
		struct dhcp_msg msg;
		uint8_t buf[sizeof(r.b) + 1];

		memcpy(buf, r.b, r.len);
		buf[r.len] = DHO_END;
		ck_assert_int_eq(dhcp_msg_parse(buf, r.len + 1, &msg), DROP_NONE);
		ck_assert_int_eq(dhcp_server_handle(&env.srv, &msg, &env.link, env.view, env.now,
						    env.reply, env.cap, &env.res),
				 DROP_GIADDR);
		ck_assert_uint_eq(env.res.reply_len, 0);
	} else {
		expect_drop(&r, giaddr_cases[_i].want);
	}
	env_stop();
}
END_TEST

/* ---- reservations ---- */

static const uint8_t cid_resv_in[] = { 0xff, 0x01, 0x02, 0x03 };
static const uint8_t cid_resv_out[] = { 0x01, 0x02, 0x00, 0x00, 0x00, 0xaa, 0x02 };

static const struct resv_case {
	const char *name;
	struct client c;
	uint32_t ip;
} resv_cases[] = {
	{ "mac, in pool", { .mac = 0xaa01 }, RESV_MAC_IN },
	{ "client id, in pool", { .mac = 9, .cid = cid_resv_in, .cid_len = 4 }, RESV_CID_IN },
	{ "client id, outside pools",
	  { .mac = 9, .cid = cid_resv_out, .cid_len = 7 },
	  RESV_CID_OUT },
	{ "mac, outside pools", { .mac = 0xaa03 }, RESV_MAC_OUT },
};

START_TEST(test_reservation_offered)
{
	const struct resv_case *tc = &resv_cases[_i];

	env_start(cfg_main);
	ck_assert_msg(discover(&tc->c) == tc->ip, "%s", tc->name);
	ck_assert_uint_eq(select_ip(&tc->c, tc->ip), tc->ip);
	ck_assert(env.res.events[0].img.flags & LEASE_F_RESERVED);
	assert_holds(tc->ip, &tc->c, LEASE_BOUND);
	env.now += 1000;
	ck_assert_uint_eq(renew(&tc->c, tc->ip, true, DHCPACK), tc->ip);
	env_stop();
}
END_TEST

/*
 * Reserved addresses go to nobody else: not from the free list, not on
 * request, not on renewal. The pool then holds N_DYNAMIC for everyone else.
 */
START_TEST(test_reservation_not_handed_out)
{
	struct req r;

	env_start(cfg_main);
	for (unsigned i = 0; i < N_DYNAMIC; i++) {
		const struct client c = { .mac = 100 + i };
		uint32_t ip = bind(&c);

		ck_assert_msg(in_pool(ip) && ip != RESV_MAC_IN && ip != RESV_CID_IN,
			      "client %u got %08x", i, ip);
	}
	const struct client late = { .mac = 200 };
	req_for(&r, &late, DHCPDISCOVER, 1);
	expect_drop(&r, DROP_POOL_EXHAUSTED);
	req_for(&r, &late, DHCPDISCOVER, 2);
	req_opt_ip(&r, DHO_REQUESTED_ADDRESS, RESV_MAC_IN);
	expect_drop(&r, DROP_POOL_EXHAUSTED);
	req_for(&r, &late, DHCPREQUEST, 3);
	req_opt_ip(&r, DHO_SERVER_ID, SERVER_IP);
	req_opt_ip(&r, DHO_REQUESTED_ADDRESS, RESV_CID_IN);
	expect_reply(&r, DHCPNAK);
	renew(&late, RESV_MAC_IN, true, DHCPNAK);
	renew(&late, RESV_MAC_OUT, true, DHCPNAK);
	ck_assert_ptr_null(lease_table_find_ip(env.table, RESV_MAC_IN));
	ck_assert_ptr_null(lease_table_find_ip(env.table, RESV_CID_IN));
	ck_assert_ptr_null(lease_table_find_ip(env.table, RESV_MAC_OUT));

	/* The owners still get theirs. */
	for (size_t i = 0; i < sizeof(resv_cases) / sizeof(resv_cases[0]); i++)
		ck_assert_uint_eq(bind(&resv_cases[i].c), resv_cases[i].ip);
	env_stop();
}
END_TEST

/* ---- BOOTP (RFC 951, 1534) ---- */

START_TEST(test_bootp_disabled)
{
	const struct client a = { .mac = 1 };
	struct req r;

	env_start(cfg_main);
	req_for(&r, &a, 0, 1);
	expect_drop(&r, DROP_BOOTP_DISABLED);
	env_stop();
}
END_TEST

START_TEST(test_bootp_dynamic)
{
	const struct client a = { .mac = 1 };
	struct req r;

	env_start(cfg_bootp);
	for (int cookie = 1; cookie >= 0; cookie--) {
		req_for(&r, &a, 0, 1);
		if (!cookie) {
			/* RFC 951: a 300-byte request with a zero vendor area. */
			memset(r.b + 236, 0, sizeof(r.b) - 236);
			r.len = 299;
		}
		ck_assert_int_eq(send_req(&r), DROP_NONE);
		ck_assert_uint_gt(env.res.reply_len, 0);
		ck_assert_uint_eq(env.res.reply_type, DHCP_NONE);
		ck_assert(!env.rep.has[DHO_MESSAGE_TYPE]);
		ck_assert(!env.rep.has[DHO_SERVER_ID]);
		ck_assert_uint_eq(rep_u32(&env.rep, DHO_LEASE_TIME), 0xffffffffu);
		ck_assert(!env.rep.has[DHO_RENEWAL_TIME]);
		ck_assert_uint_eq(rep_u32(&env.rep, DHO_SUBNET_MASK), 0xffffff00u);
		ck_assert_uint_eq(rep_u32(&env.rep, DHO_ROUTERS), SERVER_IP);
		ck_assert(env.res.park);
		ck_assert_uint_ge(env.res.reply_len, DHCP_MIN_REPLY_LEN);
		ck_assert_uint_eq(env.res.n_events, 1);
		ck_assert_uint_eq(env.res.events[0].img.state, LEASE_BOUND);
		ck_assert_uint_eq(env.res.events[0].img.lease_secs, LEASE_INFINITE);
		ck_assert(env.res.events[0].img.flags & LEASE_F_BOOTP);
		ck_assert(in_pool(env.rep.yiaddr));
		assert_holds(env.rep.yiaddr, &a, LEASE_BOUND);
	}
	/* Infinite: the expiry scan never takes it back. */
	struct lease_event ev;
	const struct lease *l = lease_table_find_ip(env.table, env.rep.yiaddr);
	ck_assert(!dhcp_server_expire(&env.srv, l, 1, INT64_MAX - 1, &ev));
	ck_assert_ptr_eq(lease_table_find_ip(env.table, env.rep.yiaddr), l);
	env_stop();
}
END_TEST

/* A reserved BOOTP client is answered even without dynamic BOOTP. */
START_TEST(test_bootp_reserved)
{
	struct req r;

	env_start(cfg_main);
	req_new(&r, 0, 1, 0xaa03);
	ck_assert_int_eq(send_req(&r), DROP_NONE);
	ck_assert_uint_eq(env.rep.yiaddr, RESV_MAC_OUT);
	ck_assert(!env.rep.has[DHO_MESSAGE_TYPE]);
	ck_assert(env.res.park);
	env_stop();
}
END_TEST

/* ---- exhaustion ---- */

START_TEST(test_pool_exhaustion)
{
	uint32_t first = 0;
	struct req r;

	env_start(cfg_main);
	for (unsigned i = 0; i < N_DYNAMIC; i++) {
		const struct client c = { .mac = 100 + i };
		uint32_t ip = bind(&c);

		if (i == 0)
			first = ip;
	}
	const struct client late = { .mac = 200 };
	req_for(&r, &late, DHCPDISCOVER, 1);
	expect_drop(&r, DROP_POOL_EXHAUSTED);

	const struct client c0 = { .mac = 100 };
	release(&c0, first, SERVER_IP, DROP_NONE);
	ck_assert_uint_eq(discover(&late), first);
	/* Offered to late now: gone again. */
	const struct client later = { .mac = 201 };
	req_for(&r, &later, DHCPDISCOVER, 2);
	expect_drop(&r, DROP_POOL_EXHAUSTED);
	env_stop();
}
END_TEST

/* ---- memoised subnet option blocks (dhcp_server.h) ---- */

/*
 * Send r with option 55 = prl and keep the reply; then again with prl
 * padded past DHCP_REPLY_MEMO_PRL_MAX with option 53 (server-managed, so
 * never answered), which can only be answered option by option. The two
 * replies must be byte for byte the same.
 */
static void memo_check(const struct client *c, uint8_t type, const uint8_t *prl, int prl_len,
		       const uint8_t *extra, size_t extra_len)
{
	uint8_t long_prl[DHCP_REPLY_MEMO_PRL_MAX + 8];
	uint8_t first[1500];
	size_t first_len;
	struct req r;

	for (int pass = 0; pass < 3; pass++) {
		req_for(&r, c, type, 0x4242);
		if (extra_len) {
			memcpy(r.b + r.len, extra, extra_len);
			r.len += extra_len;
		}
		if (pass < 2 && prl_len >= 0) {
			req_opt(&r, DHO_PARAMETER_REQUEST_LIST, prl, (uint8_t)prl_len);
		} else if (pass == 2) {
			memset(long_prl, DHO_MESSAGE_TYPE, sizeof(long_prl));
			if (prl_len > 0)
				memcpy(long_prl, prl, (size_t)prl_len);
			/* No option 55 at all asks for the defaults: keep that shape. */
			if (prl_len >= 0)
				req_opt(&r, DHO_PARAMETER_REQUEST_LIST, long_prl, sizeof(long_prl));
		}
		ck_assert_int_eq(send_req(&r), DROP_NONE);
		ck_assert_uint_gt(env.res.reply_len, 0);
		if (pass == 0) {
			memcpy(first, env.reply, env.res.reply_len);
			first_len = env.res.reply_len;
			continue;
		}
		/* Pass 1 is a memo hit; pass 2 the option-by-option path. */
		ck_assert_uint_eq(env.res.reply_len, first_len);
		ck_assert_mem_eq(env.reply, first, first_len);
	}
}

START_TEST(test_reply_memo_matches_slow_path)
{
	static const uint8_t prls[][16] = {
		{ 1, 3, 6, 15, 28, 42 },
		{ 42, 28, 15, 6, 3, 1 },
		{ 6, 6, 3, 3, 224, 51, 54, 55, 61, 82, 1, 1 },
		{ 99, 100, 101, 3 },
		{ 0, 255, 28 },
		{ 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13 },
		{ 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 15 }, /* differs in the last byte only */
		{ 2, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 15 }, /* and in the first only */
	};
	static const int prl_lens[] = { 6, 6, 12, 4, 3, 13, 13, 13 };
	const struct client a = { .mac = 7 };
	const struct client relayed = { .mac = 8, .giaddr = RELAY2 };
	uint8_t rai[2 + 6] = { RAI_CIRCUIT_ID, 6, 'p', 'o', 'r', 't', '-', '1' };
	uint8_t extra[2 + sizeof(rai)] = { DHO_RELAY_AGENT_INFO, sizeof(rai) };

	memcpy(extra + 2, rai, sizeof(rai));
	env_start(cfg_main);
	for (size_t i = 0; i < sizeof(prl_lens) / sizeof(prl_lens[0]); i++) {
		memo_check(&a, DHCPDISCOVER, prls[i], prl_lens[i], NULL, 0);
		memo_check(&relayed, DHCPDISCOVER, prls[i], prl_lens[i], extra, sizeof(extra));
	}
	/* Empty option 55, and none at all (the RFC 1497 defaults). */
	memo_check(&a, DHCPDISCOVER, NULL, 0, NULL, 0);
	memo_check(&a, DHCPDISCOVER, NULL, -1, NULL, 0);
	/* More shapes than slots: entries are replaced and rebuilt correctly. */
	for (int round = 0; round < 2; round++)
		for (uint8_t n = 1; n <= 2 * DHCP_REPLY_MEMO_SLOTS; n++) {
			uint8_t prl[2] = { n, 3 };
			memo_check(&a, DHCPDISCOVER, prl, 2, NULL, 0);
		}
	env_stop();

	/* Blocks larger than a 576-byte reply: the copy must not be used when it cannot fit. */
	env_start(cfg_big);
	static const uint8_t big_prl[] = { 230, 231, 232, 233, 234, 235, 236, 237, 238, 3, 6 };
	memo_check(&a, DHCPDISCOVER, big_prl, sizeof(big_prl), NULL, 0);
	memo_check(&relayed, DHCPDISCOVER, big_prl, sizeof(big_prl), extra, sizeof(extra));
	env_stop();
}
END_TEST

/* A new configuration at the same address still gets its own options. */
START_TEST(test_reply_memo_config_change)
{
	const struct client a = { .mac = 9 };
	static const uint8_t prl[] = { 3, 6, 15 };
	struct req r;
	char err[CFG_ERR_LEN];

	env_start(cfg_main);
	req_for(&r, &a, DHCPDISCOVER, 1);
	req_opt(&r, DHO_PARAMETER_REQUEST_LIST, prl, sizeof(prl));
	expect_reply(&r, DHCPOFFER);
	ck_assert_uint_eq(rep_u32(&env.rep, DHO_ROUTERS), IP(10, 77, 0, 1));

	struct lw_config *next = config_load_string(
	    "{ \"Dhcp4\": { \"interfaces-config\": { \"interfaces\": [ { \"name\": \"port0\", "
	    "\"port\": 0, \"address\": \"10.77.0.1/24\" } ] }, \"subnet4\": [ { \"id\": 1, "
	    "\"subnet\": \"10.77.0.0/24\", \"interface\": \"port0\", \"pools\": [ { \"pool\": "
	    "\"10.77.0.10 - 10.77.0.19\" } ], \"option-data\": [ { \"name\": \"routers\", "
	    "\"data\": \"10.77.0.254\" } ] } ] } }",
	    err);
	ck_assert_msg(next, "config: %s", err);
	const struct lw_config *old = env.cfg;
	dhcp_server_set_config(&env.srv, next);
	env.link.iface = &next->interfaces[0];
	expect_reply(&r, DHCPOFFER);
	ck_assert_uint_eq(rep_u32(&env.rep, DHO_ROUTERS), IP(10, 77, 0, 254));
	ck_assert(!env.rep.has[DHO_DNS_SERVERS]);
	/* Plain pointer swap (no set_config): the cache notices the new pointer too. */
	env.srv.cfg = old;
	env.link.iface = &old->interfaces[0];
	expect_reply(&r, DHCPOFFER);
	ck_assert_uint_eq(rep_u32(&env.rep, DHO_ROUTERS), IP(10, 77, 0, 1));
	ck_assert(env.rep.has[DHO_DNS_SERVERS]);
	config_free(next);
	env_stop();
}
END_TEST

/* ---- maximum message size (RFC 2131 sec 2, RFC 2132 sec 9.10) ---- */

START_TEST(test_max_message_size)
{
	const struct client a = { .mac = 1, .giaddr = RELAY2 };
	uint8_t prl[254], rai[120];
	uint8_t mms[2] = { 576 >> 8, 576 & 0xff };
	struct req r;

	env_start(cfg_big);
	for (unsigned i = 0; i < sizeof(prl); i++)
		prl[i] = (uint8_t)(i + 1);
	memset(rai, 'r', sizeof(rai));
	rai[0] = RAI_CIRCUIT_ID;
	rai[1] = sizeof(rai) - 2;
	for (int with_rai = 0; with_rai <= 1; with_rai++) {
		for (int type = DHCPDISCOVER; type <= DHCPREQUEST; type += 2) {
			req_for(&r, &a, (uint8_t)type, 1);
			req_opt(&r, DHO_MAX_MESSAGE_SIZE, mms, 2);
			req_opt(&r, DHO_PARAMETER_REQUEST_LIST, prl, sizeof(prl));
			if (with_rai)
				req_opt(&r, DHO_RELAY_AGENT_INFO, rai, sizeof(rai));
			if (type == DHCPREQUEST) {
				req_opt_ip(&r, DHO_SERVER_ID, SERVER_IP);
				req_opt_ip(&r, DHO_REQUESTED_ADDRESS, env.rep.yiaddr);
			}
			expect_reply(&r, type == DHCPDISCOVER ? DHCPOFFER : DHCPACK);
			ck_assert_uint_le(env.res.reply_len, 576 - 28);
			ck_assert(env.rep.has[DHO_LEASE_TIME]);
			ck_assert(env.rep.has[DHO_SUBNET_MASK]);
			/* Some of the big options had to stay home. */
			ck_assert(!env.rep.has[238] || !env.rep.has[230]);
			if (with_rai) {
				uint16_t len = 0;
				const uint8_t *v = rep_opt(&env.rep, DHO_RELAY_AGENT_INFO, &len);

				ck_assert_ptr_nonnull(v);
				ck_assert_uint_eq(len, sizeof(rai));
				ck_assert_mem_eq(v, rai, sizeof(rai));
				ck_assert_uint_eq(env.rep.codes[env.rep.n_codes - 1],
						  DHO_RELAY_AGENT_INFO);
			}
		}
	}
	/* Without option 57 the floor (576) applies as well. */
	req_for(&r, &a, DHCPDISCOVER, 2);
	req_opt(&r, DHO_PARAMETER_REQUEST_LIST, prl, sizeof(prl));
	expect_reply(&r, DHCPOFFER);
	ck_assert_uint_le(env.res.reply_len, 576 - 28);
	/* A client that takes 1500 bytes gets everything. */
	uint8_t big[2] = { 1500 >> 8, 1500 & 0xff };
	req_for(&r, &a, DHCPDISCOVER, 3);
	req_opt(&r, DHO_MAX_MESSAGE_SIZE, big, 2);
	req_opt(&r, DHO_PARAMETER_REQUEST_LIST, prl, sizeof(prl));
	expect_reply(&r, DHCPOFFER);
	ck_assert_uint_gt(env.res.reply_len, 576 - 28);
	ck_assert_uint_le(env.res.reply_len, 1500 - 28);
	for (unsigned code = 230; code <= 238; code++)
		ck_assert_msg(env.rep.has[code], "option %u missing", code);
	env_stop();
}
END_TEST

/* ---- expiry ---- */

START_TEST(test_expire)
{
	const struct client off = { .mac = 1 }, bnd = { .mac = 2 }, dec = { .mac = 3 };
	struct lease_event ev;
	const struct lease *l;

	env_start(cfg_main);
	uint32_t ip_off = discover(&off);
	uint32_t ip_bnd = bind(&bnd);
	uint32_t ip_dec = bind(&dec);
	decline(&dec, ip_dec, DROP_NONE);
	rcu_quiescent_state();

	/* Not yet. */
	l = lease_table_find_ip(env.table, ip_off);
	ck_assert(!dhcp_server_expire(&env.srv, l, 1, T0 + 30 - 1, &ev));
	ck_assert_ptr_eq(lease_table_find_ip(env.table, ip_off), l);
	/* With two workers, the one that does not own the key leaves it alone. */
	struct dhcp_server other = env.srv;
	other.worker = 1 - client_key_shard(l->key_hash, 2);
	ck_assert(!dhcp_server_expire(&other, l, 2, T0 + 100000, &ev));
	ck_assert_ptr_eq(lease_table_find_ip(env.table, ip_off), l);

	/* An offer: freed, no event (offers are never journaled). */
	uint64_t before = env.ctr.offers_expired;
	ck_assert(!dhcp_server_expire(&env.srv, l, 1, T0 + 31, &ev));
	ck_assert_ptr_null(lease_table_find_ip(env.table, ip_off));
	ck_assert_uint_eq(find_client(&off)->state, LEASE_EXPIRED);
	ck_assert_uint_eq(env.ctr.offers_expired, before + 1);

	/* A binding: freed, one UPSERT saying expired. */
	l = lease_table_find_ip(env.table, ip_bnd);
	ck_assert(!dhcp_server_expire(&env.srv, l, 1, T0 + 3599, &ev));
	ck_assert(dhcp_server_expire(&env.srv, l, 1, T0 + 3601, &ev));
	ck_assert_uint_eq(ev.type, JOURNAL_REC_UPSERT);
	ck_assert_uint_eq(ev.img.state, LEASE_EXPIRED);
	ck_assert_uint_eq(ev.img.ip, ip_bnd);
	ck_assert_ptr_null(lease_table_find_ip(env.table, ip_bnd));
	ck_assert_uint_eq(find_client(&bnd)->state, LEASE_EXPIRED);

	/* Probation over: DELETE, the record goes, the address is free. */
	l = lease_table_find_ip(env.table, ip_dec);
	ck_assert_uint_eq(l->state, LEASE_DECLINED);
	uint8_t key[LEASE_KEY_MAX];
	uint8_t key_len = l->key_len;
	uint32_t hash = l->key_hash;
	memcpy(key, l->key, key_len);
	ck_assert(dhcp_server_expire(&env.srv, l, 1, T0 + 601, &ev));
	ck_assert_uint_eq(ev.type, JOURNAL_REC_DELETE);
	ck_assert_uint_eq(ev.img.ip, ip_dec);
	uint8_t rec[JOURNAL_RECORD_MAX];
	ck_assert_int_gt(journal_record_encode(rec, sizeof(rec), 1, JOURNAL_REC_DELETE, &ev.img),
			 0);
	ck_assert_ptr_null(lease_table_find_ip(env.table, ip_dec));
	ck_assert_ptr_null(lease_table_find_key(env.table, key, key_len, hash));

	/* All three addresses can be handed out again. */
	env.now = T0 + 4000;
	for (unsigned i = 0; i < 3; i++) {
		const struct client n = { .mac = 50 + i };
		uint32_t want = i == 0 ? ip_off : i == 1 ? ip_bnd : ip_dec;
		struct req r;

		req_for(&r, &n, DHCPDISCOVER, i);
		req_opt_ip(&r, DHO_REQUESTED_ADDRESS, want);
		ck_assert_uint_eq(expect_reply(&r, DHCPOFFER), want);
	}
	env_stop();
}
END_TEST

/* ---- recovery: dhcp_server_apply_image ---- */

static struct lease_image image(unsigned mac, uint32_t ip, uint8_t state, int64_t expire)
{
	struct lease_image img;
	struct client_key k;
	const struct client c = { .mac = mac };

	memset(&img, 0, sizeof(img));
	key_of(&c, &k);
	img.ip = ip;
	img.subnet_id = 1;
	img.state = state;
	img.htype = 1;
	img.hlen = 6;
	mac_of(mac, img.chaddr);
	img.cltt = T0;
	img.expire = expire;
	img.lease_secs = 3600;
	img.key_len = k.len;
	memcpy(img.key, k.bytes, k.len);
	return img;
}

START_TEST(test_apply_image)
{
	const struct client a = { .mac = 1 }, b = { .mac = 2 };
	const uint32_t ip = IP(10, 77, 0, 13);
	struct lease_image img;

	env_start(cfg_main);
	img = image(1, ip, LEASE_BOUND, T0 + 1000);
	ck_assert_int_eq(dhcp_server_apply_image(env.table, 0, JOURNAL_REC_UPSERT, &img, T0), 0);
	assert_holds(ip, &a, LEASE_BOUND);

	/* A renewal image for the same client replaces it in place. */
	img.expire = T0 + 2000;
	ck_assert_int_eq(dhcp_server_apply_image(env.table, 0, JOURNAL_REC_UPSERT, &img, T0), 0);
	rcu_quiescent_state();
	assert_holds(ip, &a, LEASE_BOUND);
	ck_assert_int_eq(lease_table_find_ip(env.table, ip)->expire, T0 + 2000);

	/* A later record of another client for the address wins it. */
	img = image(2, ip, LEASE_BOUND, T0 + 3000);
	ck_assert_int_eq(dhcp_server_apply_image(env.table, 0, JOURNAL_REC_UPSERT, &img, T0), 0);
	rcu_quiescent_state();
	assert_holds(ip, &b, LEASE_BOUND);
	ck_assert_ptr_nonnull(find_client(&a));
	ck_assert_ptr_ne(lease_table_find_ip(env.table, ip), find_client(&a));

	/* The live engine agrees: a's RELEASE is not an owner's, b's renewal is. */
	release(&a, ip, 0, DROP_NOT_OWNER);
	ck_assert_uint_eq(renew(&b, ip, true, DHCPACK), ip);

	/* An expired binding is recorded but holds nothing. */
	img = image(3, IP(10, 77, 0, 14), LEASE_BOUND, T0 - 1);
	ck_assert_int_eq(dhcp_server_apply_image(env.table, 0, JOURNAL_REC_UPSERT, &img, T0), 0);
	ck_assert_ptr_null(lease_table_find_ip(env.table, IP(10, 77, 0, 14)));
	const struct client c3 = { .mac = 3 };
	ck_assert_uint_eq(find_client(&c3)->state, LEASE_EXPIRED);

	/* An address in no range any more (config changed): record kept, no slot. */
	img = image(4, IP(10, 77, 0, 200), LEASE_BOUND, T0 + 1000);
	ck_assert_int_eq(dhcp_server_apply_image(env.table, 0, JOURNAL_REC_UPSERT, &img, T0), 0);
	ck_assert_ptr_null(lease_table_find_ip(env.table, IP(10, 77, 0, 200)));

	/* DELETE removes the record and frees the address. */
	img = image(2, ip, LEASE_BOUND, T0 + 3000);
	rcu_quiescent_state();
	ck_assert_int_eq(dhcp_server_apply_image(env.table, 0, JOURNAL_REC_DELETE, &img, T0), 0);
	ck_assert_ptr_null(lease_table_find_ip(env.table, ip));
	ck_assert_ptr_null(find_client(&b));
	/* Deleting what is not there is fine. */
	ck_assert_int_eq(dhcp_server_apply_image(env.table, 0, JOURNAL_REC_DELETE, &img, T0), 0);
	env_stop();
}
END_TEST

struct replay {
	struct lease_event ev[64];
	unsigned n;
};

static void keep_events(struct replay *rp)
{
	for (unsigned i = 0; i < env.res.n_events; i++) {
		ck_assert_uint_lt(rp->n, 64);
		rp->ev[rp->n++] = env.res.events[i];
	}
}

/* What the live engine journals rebuilds the same table. */
START_TEST(test_apply_image_replay)
{
	const struct client a = { .mac = 1 }, b = { .mac = 2 }, c = { .mac = 3 };
	const struct client r1 = { .mac = 0xaa01 };
	struct replay *rp = calloc(1, sizeof(*rp));

	env_start(cfg_main);
	ck_assert_ptr_nonnull(rp);
	uint32_t ip_a = bind(&a);
	keep_events(rp);
	uint32_t ip_b = bind(&b);
	keep_events(rp);
	uint32_t ip_c = bind(&c);
	keep_events(rp);
	uint32_t ip_r = bind(&r1);
	keep_events(rp);
	decline(&b, ip_b, DROP_NONE);
	keep_events(rp);
	release(&c, ip_c, SERVER_IP, DROP_NONE);
	keep_events(rp);
	env.now += 100;
	renew(&a, ip_a, true, DHCPACK);
	keep_events(rp);

	struct lease_table *t2 = table_for(env.cfg);
	for (unsigned i = 0; i < rp->n; i++) {
		ck_assert_int_eq(
		    dhcp_server_apply_image(t2, 0, rp->ev[i].type, &rp->ev[i].img, env.now), 0);
		rcu_quiescent_state();
	}
	for (uint32_t ip = IP(10, 77, 0, 1); ip <= IP(10, 77, 0, 30); ip++) {
		const struct lease *x = lease_table_find_ip(env.table, ip);
		const struct lease *y = lease_table_find_ip(t2, ip);

		ck_assert_msg(!x == !y, "address %08x differs after replay", ip);
		if (!x)
			continue;
		ck_assert_uint_eq(x->state, y->state);
		ck_assert_int_eq(x->expire, y->expire);
		ck_assert_uint_eq(x->key_len, y->key_len);
		ck_assert_mem_eq(x->key, y->key, x->key_len);
	}
	ck_assert_ptr_nonnull(lease_table_find_ip(t2, ip_r));
	ck_assert_uint_eq(lease_table_find_ip(t2, ip_b)->state, LEASE_DECLINED);
	ck_assert_ptr_null(lease_table_find_ip(t2, ip_c));
	lease_table_destroy(t2);
	free(rp);
	env_stop();
}
END_TEST

/* ---- failover pool ownership (draft-12 sec 5.4): FREE is the primary's, BACKUP the secondary's ---- */

START_TEST(test_failover_pool_ownership)
{
	struct failover_view prim = {
		.mode = FAILOVER_NORMAL, .primary = true, .mclt_secs = 600, .alloc_from = ALLOC_FREE
	};
	struct failover_view sec = { .mode = FAILOVER_NORMAL,
				     .mclt_secs = 600,
				     .alloc_from = ALLOC_BACKUP };
	const struct client a = { .mac = 1 }, b = { .mac = 2 }, c = { .mac = 3 };
	struct lease_image img;
	struct req r;
	uint32_t ip;

	env_start(cfg_main);
	/* Every address the secondary's: the primary offers nothing. */
	for (ip = POOL_FIRST; ip <= POOL_LAST; ip++)
		ck_assert_int_eq(lease_table_set_backup(env.table, ip, true), 0);
	env.view = &prim;
	req_for(&r, &a, DHCPDISCOVER, 1);
	expect_drop(&r, DROP_POOL_EXHAUSTED);
	ck_assert_ptr_null(find_client(&a));

	/* Even addresses the secondary's, odd ones the primary's. */
	for (ip = POOL_FIRST; ip <= POOL_LAST; ip++)
		ck_assert_int_eq(lease_table_set_backup(env.table, ip, !(ip & 1)), 0);
	ip = discover(&a);
	ck_assert(in_pool(ip) && (ip & 1));
	/* A requested address of the secondary's is passed over for one of ours. */
	req_for(&r, &b, DHCPDISCOVER, 2);
	req_opt_ip(&r, DHO_REQUESTED_ADDRESS, IP(10, 77, 0, 12));
	ip = expect_reply(&r, DHCPOFFER);
	ck_assert(in_pool(ip) && (ip & 1));
	/* A new binding of the secondary's address: silence, nothing remembered. */
	req_for(&r, &c, DHCPREQUEST, 3);
	req_opt_ip(&r, DHO_SERVER_ID, SERVER_IP);
	req_opt_ip(&r, DHO_REQUESTED_ADDRESS, IP(10, 77, 0, 14));
	expect_drop(&r, DROP_PARTNER_ADDRESS);
	ck_assert_ptr_null(find_client(&c));
	ck_assert_ptr_null(lease_table_find_ip(env.table, IP(10, 77, 0, 14)));
	/* Ours: bound; given to the secondary afterwards, the renewal still goes on. */
	ip = bind(&a);
	ck_assert_int_eq(lease_table_set_backup(env.table, ip, true), 0);
	env.now += 1800;
	ck_assert_uint_eq(renew(&a, ip, true, DHCPACK), ip);

	/* The secondary allocates only the even ones. */
	env.view = &sec;
	for (unsigned i = 0; i < 3; i++) {
		const struct client x = { .mac = 20 + i };
		ip = discover(&x);
		ck_assert(in_pool(ip) && !(ip & 1) && ip != IP(10, 77, 0, 16));
		ck_assert(lease_table_is_backup(env.table, ip));
	}
	/* .10 .12 .14 .18 are its own (.16 is reserved): one left, then nothing. */
	const struct client y = { .mac = 30 }, z = { .mac = 31 };
	ip = discover(&y);
	ck_assert(!(ip & 1));
	req_for(&r, &z, DHCPDISCOVER, 4);
	expect_drop(&r, DROP_POOL_EXHAUSTED);
	/* Standalone allocates both: z gets an odd one. */
	env.view = &failover_view_standalone;
	ip = discover(&z);
	ck_assert(ip & 1);

	/* Ownership images: the bit only, no record, no slot. */
	lease_image_backup(&img, IP(10, 77, 0, 13));
	ck_assert_int_eq(journal_record_validate(JOURNAL_REC_UPSERT, &img), 0);
	ck_assert(!lease_table_is_backup(env.table, IP(10, 77, 0, 13)));
	ck_assert_int_eq(dhcp_server_apply_image(env.table, 0, JOURNAL_REC_UPSERT, &img, T0), 0);
	ck_assert(lease_table_is_backup(env.table, IP(10, 77, 0, 13)));
	ck_assert_ptr_null(lease_table_find_key(env.table, img.key, img.key_len,
						client_key_hash(img.key, img.key_len)));
	ck_assert_int_eq(dhcp_server_apply_image(env.table, 0, JOURNAL_REC_DELETE, &img, T0), 0);
	ck_assert(!lease_table_is_backup(env.table, IP(10, 77, 0, 13)));
	env_stop();
}
END_TEST

/* ---- failover hook (DESIGN.md sec 5, RFC 3074, draft-12 MCLT) ---- */

/* Standalone, an ACK leaves every failover field 0: its records are what they were. */
START_TEST(test_standalone_ack_no_failover_fields)
{
	const struct client a = { .mac = 7 };
	struct req r;

	env_start(cfg_main);
	req_for(&r, &a, DHCPDISCOVER, 1);
	uint32_t ip = expect_reply(&r, DHCPOFFER);
	req_for(&r, &a, DHCPREQUEST, 2);
	req_opt_ip(&r, DHO_SERVER_ID, SERVER_IP);
	req_opt_ip(&r, DHO_REQUESTED_ADDRESS, ip);
	ck_assert_uint_eq(expect_reply(&r, DHCPACK), ip);
	ck_assert_uint_eq(env.res.n_events, 1);
	ck_assert_uint_eq(env.res.events[0].img.fo_status, 0);
	ck_assert_uint_eq(env.res.events[0].img.fo_flags, 0);
	ck_assert_int_eq(env.res.events[0].img.stos, 0);
	ck_assert_int_eq(env.res.events[0].img.sent_pet, 0);
	ck_assert_int_eq(env.res.events[0].img.partner_expire, 0);
	env_stop();
}
END_TEST

START_TEST(test_failover_buckets)
{
	struct failover_view v = {
		.mode = FAILOVER_NORMAL,
		.primary = true,
		.mclt_secs = 600,
		.lb_max_secs = 30,
		.alloc_from = ALLOC_FREE,
	};
	const struct client a = { .mac = 1 };
	struct req r;

	env_start(cfg_main);
	env.view = &v;
	req_for(&r, &a, DHCPDISCOVER, 1);
	expect_drop(&r, DROP_NOT_OUR_BUCKET);
	/* ISC's rule: served when secs > load balance max seconds, not at it. */
	req_secs(&r, 30);
	expect_drop(&r, DROP_NOT_OUR_BUCKET);
	req_secs(&r, 31);
	uint32_t ip = expect_reply(&r, DHCPOFFER);
	/* MCLT caps the lease while the partner has acked nothing. */
	uint32_t lease = rep_u32(&env.rep, DHO_LEASE_TIME);
	uint32_t t1 = rep_u32(&env.rep, DHO_RENEWAL_TIME),
		 t2 = rep_u32(&env.rep, DHO_REBINDING_TIME);
	ck_assert_uint_eq(lease, failover_view_lease_cap(&v, 3600, env.now, 0));
	ck_assert_uint_eq(lease, 600);
	ck_assert(t1 < t2 && t2 < lease);

	/*
	 * The REQUEST that follows names us: served whatever its secs, even
	 * with a new xid and secs 0 (the printer that changed its xid).
	 */
	req_for(&r, &a, DHCPREQUEST, 2);
	req_opt_ip(&r, DHO_SERVER_ID, SERVER_IP);
	req_opt_ip(&r, DHO_REQUESTED_ADDRESS, ip);
	ck_assert_uint_eq(expect_reply(&r, DHCPACK), ip);
	ck_assert_uint_eq(env.res.events[0].img.lease_secs, 600);
	ck_assert_int_eq(env.res.events[0].img.expire, env.now + 600);
	/* The binding is ACTIVE from now, and the PET to send is ISC's tstp. */
	ck_assert_uint_eq(env.res.events[0].img.fo_status, FO_BINDING_ACTIVE);
	ck_assert_uint_eq(env.res.events[0].img.fo_flags, LEASE_FO_F_UPDATE_PENDING);
	ck_assert_int_eq(env.res.events[0].img.stos, env.now);
	ck_assert_int_eq(env.res.events[0].img.sent_pet, env.now + 3600 + 600 / 2);

	/* RENEWING goes to whoever holds the lease, bucket or not. */
	env.now += 300;
	ck_assert_uint_eq(renew(&a, ip, true, DHCPACK), ip);
	ck_assert_uint_le(rep_u32(&env.rep, DHO_LEASE_TIME), 600);

	/* INIT-REBOOT is balanced like a DISCOVER. */
	req_for(&r, &a, DHCPREQUEST, 3);
	req_opt_ip(&r, DHO_REQUESTED_ADDRESS, ip);
	expect_drop(&r, DROP_NOT_OUR_BUCKET);

	/* Our bucket: served at once. */
	memset(v.our_buckets, 0xff, sizeof(v.our_buckets));
	const struct client b = { .mac = 2 };
	discover(&b);
	/* COMMUNICATIONS-INTERRUPTED: everyone, no load balancing, MCLT cap. */
	memset(v.our_buckets, 0, sizeof(v.our_buckets));
	v.mode = FAILOVER_COMM_INTERRUPTED;
	const struct client d = { .mac = 4 };
	discover(&d);
	ck_assert_uint_eq(rep_u32(&env.rep, DHO_LEASE_TIME), 600);
	/* NORMAL with load balance max seconds 0: balancing off, as in ISC. */
	v.mode = FAILOVER_NORMAL;
	v.lb_max_secs = 0;
	const struct client e = { .mac = 5 };
	discover(&e);
	/* PARTNER-DOWN: everyone, full lease. */
	v.lb_max_secs = 30;
	v.mode = FAILOVER_PARTNER_DOWN;
	const struct client c = { .mac = 3 };
	discover(&c);
	ck_assert_uint_eq(rep_u32(&env.rep, DHO_LEASE_TIME), 3600);
	env_stop();
}
END_TEST

/*
 * The failover states without service (draft-12 sec 9.2, 9.3.1, 9.5.1):
 * nothing is answered and nothing remembered, whatever the message.
 */
START_TEST(test_failover_no_service)
{
	struct failover_view v = { .mode = FAILOVER_NO_SERVICE, .mclt_secs = 600 };
	const struct client a = { .mac = 1 }, b = { .mac = 2 };
	struct req r;

	env_start(cfg_main);
	uint32_t ip = bind(&a);
	env.view = &v;
	req_for(&r, &b, DHCPDISCOVER, 1);
	expect_drop(&r, DROP_FO_NO_SERVICE);
	req_for(&r, &b, DHCPREQUEST, 2);
	req_opt_ip(&r, DHO_SERVER_ID, SERVER_IP);
	req_opt_ip(&r, DHO_REQUESTED_ADDRESS, POOL_FIRST);
	expect_drop(&r, DROP_FO_NO_SERVICE);
	/* INIT-REBOOT, RENEWING and a RELEASE from the client that holds a lease. */
	req_for(&r, &a, DHCPREQUEST, 3);
	req_opt_ip(&r, DHO_REQUESTED_ADDRESS, ip);
	expect_drop(&r, DROP_FO_NO_SERVICE);
	req_for(&r, &a, DHCPREQUEST, 4);
	req_ciaddr(&r, ip);
	expect_drop(&r, DROP_FO_NO_SERVICE);
	req_for(&r, &a, DHCPRELEASE, 5);
	req_ciaddr(&r, ip);
	req_opt_ip(&r, DHO_SERVER_ID, SERVER_IP);
	expect_drop(&r, DROP_FO_NO_SERVICE);
	assert_holds(ip, &a, LEASE_BOUND);
	ck_assert_ptr_null(find_client(&b));
	env_stop();
}
END_TEST

/*
 * RECOVER-DONE (draft-12 sec 9.7.1): RENEWING and REBINDING (RFC 2131 sec
 * 4.3.2: ciaddr, no server identifier, no requested address) are answered,
 * with the MCLT cap; DISCOVER, SELECTING and INIT-REBOOT are not.
 */
START_TEST(test_failover_renew_only)
{
	struct failover_view v = { .mode = FAILOVER_RENEW_ONLY, .mclt_secs = 600 };
	const struct client a = { .mac = 1 }, b = { .mac = 2 };
	struct req r;

	env_start(cfg_main);
	uint32_t ip = bind(&a);
	env.view = &v;
	env.now += 1000;
	ck_assert_uint_eq(renew(&a, ip, true, DHCPACK), ip); /* RENEWING: unicast */
	ck_assert_uint_eq(rep_u32(&env.rep, DHO_LEASE_TIME), 600);
	env.now += 400;
	ck_assert_uint_eq(renew(&a, ip, false, DHCPACK), ip); /* REBINDING: broadcast */
	ck_assert_uint_eq(failover_view_lease_cap(&v, 3600, env.now, 0), 600);

	req_for(&r, &b, DHCPDISCOVER, 1);
	expect_drop(&r, DROP_FO_RENEW_ONLY);
	req_for(&r, &b, DHCPREQUEST, 2);
	req_opt_ip(&r, DHO_SERVER_ID, SERVER_IP);
	req_opt_ip(&r, DHO_REQUESTED_ADDRESS, POOL_FIRST);
	expect_drop(&r, DROP_FO_RENEW_ONLY);
	req_for(&r, &a, DHCPREQUEST, 3);
	req_opt_ip(&r, DHO_REQUESTED_ADDRESS, ip);
	expect_drop(&r, DROP_FO_RENEW_ONLY);
	req_for(&r, &a, DHCPINFORM, 4);
	req_ciaddr(&r, ip);
	expect_drop(&r, DROP_FO_RENEW_ONLY);
	ck_assert_ptr_null(find_client(&b));
	env_stop();
}
END_TEST

/* Tell the lease of c what a BNDACK of our BNDUPD (ip, pet) says, as the worker does. */
static int fo_ack(const struct client *c, uint32_t ip, int64_t pet)
{
	struct client_key k;

	key_of(c, &k);
	return dhcp_server_fo_acked(env.table, 0, k.bytes, k.len, ip, pet);
}

/*
 * The MCLT rule with an acked PET (draft-12 sec 5.2.1; specs sec 8.3):
 * before any ack every lease is MCLT; once the partner has acked PET P, a
 * renewal gets min(desired, P - now + MCLT), and an ack of a PET the lease
 * has moved on from changes nothing.
 */
START_TEST(test_failover_acked_pet_lifts_cap)
{
	struct failover_view v = {
		.mode = FAILOVER_NORMAL, .primary = true, .mclt_secs = 600, .alloc_from = ALLOC_FREE
	};
	const struct client a = { .mac = 1 }, b = { .mac = 2 };
	const struct lease *l;

	env_start(cfg_main);
	env.view = &v;
	uint32_t ip = bind(&a), ip_b = bind(&b);
	ck_assert_uint_eq(rep_u32(&env.rep, DHO_LEASE_TIME), 600); /* brand-new: MCLT */
	l = find_client(&a);
	int64_t pet1 = T0 + 3600 + 300; /* now + desired + granted / 2 */
	ck_assert_int_eq(l->sent_pet, pet1);
	ck_assert_uint_eq(l->fo_flags, LEASE_FO_F_UPDATE_PENDING);
	ck_assert_int_eq(l->partner_expire, 0);

	/* Acks that are not a's binding: another address, another PET, nobody. */
	ck_assert_int_eq(fo_ack(&a, ip_b, pet1), -ESTALE);
	ck_assert_int_eq(fo_ack(&a, ip, pet1 + 1), -ESTALE);
	const struct client nobody = { .mac = 9 };
	ck_assert_int_eq(fo_ack(&nobody, ip, pet1), -ESTALE);
	ck_assert_ptr_eq(find_client(&a), l);

	/* The ack: a new version with the acked PET, still holding the address. */
	ck_assert_int_eq(fo_ack(&a, ip, pet1), 0);
	l = find_client(&a);
	ck_assert_int_eq(l->partner_expire, pet1);
	ck_assert_uint_eq(l->fo_flags, 0);
	ck_assert_int_eq(l->sent_pet, pet1);
	ck_assert_int_eq(l->expire, T0 + 600);
	assert_holds(ip, &a, LEASE_BOUND);
	ck_assert_int_eq(fo_ack(&a, ip, pet1), -EALREADY);

	/* Renewal at T0 + 300: min(3600, pet1 - now + 600 = 4200), the whole desired time. */
	env.now = T0 + 300;
	ck_assert_uint_eq(renew(&a, ip, true, DHCPACK), ip);
	ck_assert_uint_eq(rep_u32(&env.rep, DHO_LEASE_TIME), 3600);
	ck_assert_uint_eq(env.res.events[0].img.lease_secs, 3600);
	ck_assert_int_eq(env.res.events[0].img.partner_expire, pet1);
	/* b's partner never acked: still MCLT. */
	ck_assert_uint_eq(renew(&b, ip_b, true, DHCPACK), ip_b);
	ck_assert_uint_eq(rep_u32(&env.rep, DHO_LEASE_TIME), 600);

	/* The renewal's newer PET is pending: a late ack of pet1 keeps it so. */
	l = find_client(&a);
	int64_t pet2 = T0 + 300 + 3600 + 1800;
	ck_assert_int_eq(l->sent_pet, pet2);
	ck_assert_uint_eq(l->fo_flags, LEASE_FO_F_UPDATE_PENDING);
	ck_assert_int_eq(fo_ack(&a, ip, pet1), -ESTALE);
	ck_assert_ptr_eq(find_client(&a), l);

	/* Unacked pet2, near pet1: the cap is pet1 - now + MCLT = 1000. */
	env.now = T0 + 3500;
	ck_assert_uint_eq(renew(&a, ip, true, DHCPACK), ip);
	ck_assert_uint_eq(rep_u32(&env.rep, DHO_LEASE_TIME), 1000);
	int64_t pet3 = T0 + 3500 + 3600 + 500;
	ck_assert_int_eq(find_client(&a)->sent_pet, pet3);
	ck_assert_int_eq(fo_ack(&a, ip, pet3), 0);
	ck_assert_int_eq(find_client(&a)->partner_expire, pet3);
	env_stop();
}
END_TEST

/* Client identity problems are drops, not crashes. */
START_TEST(test_no_identity)
{
	struct req r;

	env_start(cfg_main);
	req_new(&r, DHCPDISCOVER, 1, 0);
	memset(r.b + 28, 0, 16);
	expect_drop(&r, DROP_NO_IDENTITY);
	env_stop();
}
END_TEST

/*
 * RFC 2131 sec 4.3.1 table 3: options that only a client sends (50
 * requested address, 55 parameter list, 57 maximum size) MUST NOT be in an
 * OFFER or an ACK, even when option 55 itself asks for them.
 */
START_TEST(test_reply_omits_client_options)
{
	static const uint8_t prl[] = {
		DHO_SUBNET_MASK,      DHO_REQUESTED_ADDRESS, DHO_PARAMETER_REQUEST_LIST,
		DHO_MAX_MESSAGE_SIZE, DHO_OVERLOAD,	     DHO_ROUTERS
	};
	const uint8_t mms[2] = { 0x05, 0xdc };
	const struct client c = { .mac = 7 };
	struct req r;

	env_start(cfg_main);
	uint32_t ip = IP(10, 77, 0, 40);
	for (int step = 0; step < 2; step++) {
		uint8_t type = step == 0 ? DHCPDISCOVER : DHCPREQUEST;

		req_for(&r, &c, type, 0x7000 + (uint32_t)step);
		if (step == 1)
			req_opt_ip(&r, DHO_SERVER_ID, SERVER_IP);
		req_opt_ip(&r, DHO_REQUESTED_ADDRESS, ip);
		req_opt(&r, DHO_PARAMETER_REQUEST_LIST, prl, sizeof(prl));
		req_opt(&r, DHO_MAX_MESSAGE_SIZE, mms, sizeof(mms));
		ip = expect_reply(&r, step == 0 ? DHCPOFFER : DHCPACK);
		ck_assert(in_pool(ip));
		ck_assert(!env.rep.has[DHO_REQUESTED_ADDRESS]);
		ck_assert(!env.rep.has[DHO_PARAMETER_REQUEST_LIST]);
		ck_assert(!env.rep.has[DHO_MAX_MESSAGE_SIZE]);
		ck_assert(!env.rep.has[DHO_OVERLOAD]);
		ck_assert(env.rep.has[DHO_LEASE_TIME]);
	}
	env_stop();
}
END_TEST

/*
 * RFC 2131 sec 4.3.1 table 3, the DHCPNAK column: yiaddr and ciaddr 0,
 * option 53 and 54 MUST be there, lease time and every configuration
 * option MUST NOT; the client identifier is echoed (RFC 6842 makes the
 * MAY of table 3 a MUST).
 */
START_TEST(test_nak_fields)
{
	static const uint8_t cid[] = { 0x01, 0x02, 0x4c, 0x00, 0x00, 0x00, 0x02 };
	static const uint8_t prl[] = { DHO_SUBNET_MASK, DHO_ROUTERS, DHO_DNS_SERVERS,
				       DHO_DOMAIN_NAME, DHO_LEASE_TIME };
	const struct client a = { .mac = 1 }, b = { .mac = 2, .cid = cid, .cid_len = sizeof(cid) };
	struct req r;

	env_start(cfg_main);
	uint32_t ip = IP(10, 77, 0, 12);
	ck_assert_uint_eq(select_ip(&a, ip), ip);
	req_for(&r, &b, DHCPREQUEST, 4);
	req_opt_ip(&r, DHO_SERVER_ID, SERVER_IP);
	req_opt_ip(&r, DHO_REQUESTED_ADDRESS, ip);
	req_opt(&r, DHO_PARAMETER_REQUEST_LIST, prl, sizeof(prl));
	ck_assert_uint_eq(expect_reply(&r, DHCPNAK), 0);
	ck_assert_uint_eq(env.rep.ciaddr, 0);
	/* RFC 6842 sec 3: the client identifier comes back unaltered, a NAK too. */
	uint16_t len = 0;
	const uint8_t *v = rep_opt(&env.rep, DHO_CLIENT_ID, &len);
	ck_assert_ptr_nonnull(v);
	ck_assert_uint_eq(len, sizeof(cid));
	ck_assert_mem_eq(v, cid, sizeof(cid));
	for (unsigned i = 0; i < env.rep.n_codes; i++) {
		switch (env.rep.codes[i]) {
		case DHO_MESSAGE_TYPE:
		case DHO_SERVER_ID:
		case DHO_CLIENT_ID: break;
		default: ck_abort_msg("option %u in a DHCPNAK", env.rep.codes[i]);
		}
	}
	env_stop();
}
END_TEST

/*
 * RFC 2131 table 3 and RFC 1542 sec 3.1.1: a reply's flags are the
 * request's, so a relay broadcasts to a client that set the B bit.
 */
START_TEST(test_reply_copies_flags)
{
	const struct client a = { .mac = 1, .giaddr = RELAY2 }, b = { .mac = 2 };
	static const uint16_t flags[] = { 0x8000, 0x0000 };
	struct req r;

	env_start(cfg_main);
	for (unsigned i = 0; i < 2; i++) {
		for (unsigned k = 0; k < 2; k++) {
			req_for(&r, k ? &b : &a, DHCPDISCOVER, 10 + i * 2 + k);
			r.b[10] = (uint8_t)(flags[i] >> 8);
			r.b[11] = (uint8_t)flags[i];
			expect_reply(&r, DHCPOFFER);
			ck_assert_uint_eq((unsigned)env.reply[10] << 8 | env.reply[11], flags[i]);
		}
	}
	env_stop();
}
END_TEST

/*
 * RFC 3046 sec 2.2: an option 82 too long to be echoed whole is left out
 * and the reply still goes. 300 bytes of sub-options (two instances, RFC
 * 3396) do not fit a 576-byte reply after the server's own options.
 */
START_TEST(test_relay_info_too_long_left_out)
{
	const struct client a = { .mac = 1, .giaddr = RELAY2 };
	uint8_t circuit[255], remote[45];
	struct req r;

	env_start(cfg_main);
	memset(circuit, 'c', sizeof(circuit));
	circuit[0] = RAI_CIRCUIT_ID;
	circuit[1] = sizeof(circuit) - 2;
	memset(remote, 'r', sizeof(remote));
	remote[0] = RAI_REMOTE_ID;
	remote[1] = sizeof(remote) - 2;
	req_for(&r, &a, DHCPDISCOVER, 1);
	req_opt(&r, DHO_RELAY_AGENT_INFO, circuit, sizeof(circuit));
	req_opt(&r, DHO_RELAY_AGENT_INFO, remote, sizeof(remote));
	expect_reply(&r, DHCPOFFER);
	ck_assert(!env.rep.has[DHO_RELAY_AGENT_INFO]);
	ck_assert(env.rep.has[DHO_LEASE_TIME]);
	ck_assert_uint_le(env.res.reply_len, DHCP_MIN_MSG_SIZE - 28);
	ck_assert(env.res.rai_not_echoed); /* counted by the worker: tx_rai_not_echoed */

	/* An option 82 that fits is echoed and not counted. */
	req_for(&r, &a, DHCPDISCOVER, 2);
	req_opt(&r, DHO_RELAY_AGENT_INFO, remote, sizeof(remote));
	expect_reply(&r, DHCPOFFER);
	ck_assert(env.rep.has[DHO_RELAY_AGENT_INFO]);
	ck_assert(!env.res.rai_not_echoed);
	env_stop();
}
END_TEST

/* ---- DNS names and DNS state (dhcp/dhcp_lease.h) ---- */

/*
 * What the ACK path does once the policy has decided: the client's next
 * version gets the name and the decision. Emulated here on the bound
 * lease (the policy's call site is common/ddns'), published like an ACK.
 */
static int name_lease(const struct client *c, const char *name, uint8_t want)
{
	const struct lease *cur = find_client(c);
	ck_assert_ptr_nonnull(cur);
	struct lease *newv = lease_table_alloc_copy(env.table, 0, cur);
	ck_assert_ptr_nonnull(newv);
	/* Before the claim, as the contract says: a fresh copy holds no slot yet. */
	uint32_t ip = newv->ip;
	newv->ip = 0;
	int rc = dhcp_lease_set_name(&env.srv, newv, name, strlen(name), want);
	newv->ip = ip;
	ck_assert_int_eq(lease_table_publish(env.table, newv, cur), 0);
	rcu_quiescent_state();
	return rc;
}

static const char *name_of(const struct client *c, char buf[LEASE_NAME_MAX + 1])
{
	lease_table_name_get(find_client(c), buf, LEASE_NAME_MAX + 1);
	return buf;
}

/* The control thread's confirmation, for the binding as it is now. */
static int dns_confirm(const struct client *c, uint8_t set, uint8_t clear, struct lease_event *ev)
{
	const struct lease *l = find_client(c);
	struct client_key k;

	key_of(c, &k);
	return dhcp_lease_dns_state(&env.srv, k.bytes, k.len, l->ip, l->addr_version, set, clear,
				    ev);
}

/* Let retired versions (and the names only they held) go back to their slabs. */
static void grace_period(void)
{
	rcu_quiescent_state();
	urcu_qsbr_thread_offline();
	urcu_qsbr_barrier();
	urcu_qsbr_thread_online();
}

static size_t name_cells_free(void)
{
	struct lease_table_stats st;

	lease_table_get_stats(env.table, &st);
	return st.name_cells_free;
}

/* A renewal keeps the name without a new cell; the event carries it; the last version frees it. */
START_TEST(test_name_kept_on_renew)
{
	const struct client a = { .mac = 1 };
	char buf[LEASE_NAME_MAX + 1];

	env_start(cfg_main);
	size_t free0 = name_cells_free();
	uint32_t ip = bind(&a);
	ck_assert_int_eq(name_lease(&a, "host1.example.test", LEASE_DNS_F_WANT), 0);
	uint32_t id = find_client(&a)->fqdn.id;
	ck_assert_uint_ne(id, 0);
	ck_assert_uint_eq(name_cells_free(), free0 - 1);
	ck_assert_uint_eq(find_client(&a)->dns_flags, LEASE_DNS_F_WANT);

	env.now += 100;
	ck_assert_uint_eq(renew(&a, ip, true, DHCPACK), ip);
	ck_assert_uint_eq(find_client(&a)->fqdn.id, id);
	ck_assert_str_eq(env.res.events[0].img.fqdn.bytes, "host1.example.test");
	ck_assert_uint_eq(env.res.events[0].img.fqdn.len, 18);
	/* The policy deciding the same name again allocates nothing. */
	ck_assert_int_eq(name_lease(&a, "host1.example.test", LEASE_DNS_F_WANT_FWD), 0);
	ck_assert_uint_eq(find_client(&a)->fqdn.id, id);
	ck_assert_uint_eq(find_client(&a)->dns_flags, LEASE_DNS_F_WANT_FWD);
	grace_period();
	ck_assert_uint_eq(name_cells_free(), free0 - 1);
	ck_assert_str_eq(name_of(&a, buf), "host1.example.test");

	/* A long name takes a chain of cells; the old one goes back once unreferenced. */
	char long_name[LEASE_NAME_MAX + 1];
	memset(long_name, 'x', LEASE_NAME_MAX);
	for (size_t i = 60; i < LEASE_NAME_MAX; i += 61)
		long_name[i] = '.';
	long_name[LEASE_NAME_MAX] = '\0';
	ck_assert_int_eq(name_lease(&a, long_name, 0), 0);
	ck_assert_str_eq(name_of(&a, buf), long_name);
	grace_period();
	ck_assert_uint_eq(name_cells_free(), free0 - 5);
	/* Invalid names change nothing. */
	ck_assert_int_eq(name_lease(&a, "Upper.example.test", 0), -EINVAL);
	ck_assert_int_eq(name_lease(&a, "trailing.dot.", 0), -EINVAL);
	ck_assert_str_eq(name_of(&a, buf), long_name);
	ck_assert_int_eq(name_lease(&a, "", 0), 0);
	ck_assert_uint_eq(find_client(&a)->fqdn.id, 0);
	grace_period();
	ck_assert_uint_eq(name_cells_free(), free0);
	env_stop();
}
END_TEST

/*
 * A bound lease with records ends by RELEASE: the journaled version keeps
 * name and flags and owes the removal; the record is not reclaimed until
 * the removal is confirmed for that binding.
 */
START_TEST(test_release_owes_removal)
{
	const struct client a = { .mac = 1 };
	struct lease_event ev;

	env_start(cfg_main);
	uint32_t ip = bind(&a);
	ck_assert_int_eq(name_lease(&a, "host1.example.test", LEASE_DNS_F_WANT), 0);
	ck_assert_int_eq(dns_confirm(&a, LEASE_DNS_F_FWD | LEASE_DNS_F_REV, LEASE_DNS_F_WANT, &ev),
			 0);
	ck_assert_uint_eq(ev.type, JOURNAL_REC_UPSERT);
	ck_assert_uint_eq(ev.seq, env.srv.next_seq);
	ck_assert_uint_eq(ev.img.dns_flags, LEASE_DNS_F_FWD | LEASE_DNS_F_REV);
	ck_assert_str_eq(ev.img.fqdn.bytes, "host1.example.test");
	ck_assert_int_eq(journal_record_validate(ev.type, &ev.img), 0);
	ck_assert_ptr_eq(lease_table_find_ip(env.table, ip), find_client(&a));
	/* The same confirmation again changes nothing and journals nothing. */
	ck_assert_int_eq(dns_confirm(&a, LEASE_DNS_F_FWD, 0, &ev), -EALREADY);

	env.now += 10;
	release(&a, ip, SERVER_IP, DROP_NONE);
	ck_assert_uint_eq(env.res.events[0].img.dns_flags,
			  LEASE_DNS_F_FWD | LEASE_DNS_F_REV | LEASE_DNS_F_REMOVE_PENDING);
	ck_assert_str_eq(env.res.events[0].img.fqdn.bytes, "host1.example.test");
	ck_assert_uint_eq(env.res.events[0].img.ip, ip);

	/* Past hold-reclaimed-time: kept, the journal's memory of the records. */
	ck_assert_uint_eq(reclaim_lap(env.now + 7200, NULL), 0);
	ck_assert_uint_gt(env.ctr.reclaims_dns_wait, 0);
	ck_assert_int_eq(
	    dns_confirm(&a, 0, LEASE_DNS_F_FWD | LEASE_DNS_F_REV | LEASE_DNS_F_REMOVE_PENDING, &ev),
	    0);
	ck_assert_uint_eq(ev.img.dns_flags, 0);
	ck_assert_uint_eq(ev.img.state, LEASE_RELEASED);
	ck_assert_uint_eq(reclaim_lap(env.now + 7200, NULL), 1);
	ck_assert_ptr_null(find_client(&a));
	env_stop();
}
END_TEST

/*
 * DESIGN.md sec 6, the perfect storm: the removal confirmed for binding
 * generation N must not touch generation N+1 (the client took the address
 * again); nor may an add confirmed after the lease ended forget its removal.
 */
START_TEST(test_dns_state_generation)
{
	const struct client a = { .mac = 1 }, b = { .mac = 2 };
	struct client_key k;
	struct lease_event ev;
	struct req r;

	env_start(cfg_main);
	uint32_t ip = bind(&a);
	ck_assert_int_eq(name_lease(&a, "host1.example.test", LEASE_DNS_F_WANT), 0);
	uint32_t gen_n = find_client(&a)->addr_version;
	ck_assert_int_eq(dns_confirm(&a, LEASE_DNS_F_FWD, 0, &ev), 0);
	release(&a, ip, SERVER_IP, DROP_NONE);

	/* The same client takes the same address again: generation N+1. */
	req_for(&r, &a, DHCPDISCOVER, 0x7001);
	req_opt_ip(&r, DHO_REQUESTED_ADDRESS, ip);
	ck_assert_uint_eq(expect_reply(&r, DHCPOFFER), ip);
	ck_assert_uint_eq(select_ip(&a, ip), ip);
	ck_assert_uint_gt(find_client(&a)->addr_version, gen_n);
	uint8_t flags = find_client(&a)->dns_flags;
	ck_assert(flags & LEASE_DNS_F_REMOVE_PENDING); /* carried on, not forgotten */

	key_of(&a, &k);
	uint64_t seq = env.srv.next_seq;
	ck_assert_int_eq(
	    dhcp_lease_dns_state(&env.srv, k.bytes, k.len, ip, gen_n, 0, LEASE_DNS_F_ALL, &ev),
	    -ESTALE);
	ck_assert_uint_eq(find_client(&a)->dns_flags, flags);
	ck_assert_uint_eq(env.srv.next_seq, seq);
	/* Another address, another client's key, a gone client: stale as well. */
	ck_assert_int_eq(dhcp_lease_dns_state(&env.srv, k.bytes, k.len, ip + 1,
					      find_client(&a)->addr_version, 0, LEASE_DNS_F_ALL,
					      &ev),
			 -ESTALE);
	key_of(&b, &k);
	ck_assert_int_eq(dhcp_lease_dns_state(&env.srv, k.bytes, k.len, ip,
					      find_client(&a)->addr_version, 0, LEASE_DNS_F_ALL,
					      &ev),
			 -ESTALE);
	ck_assert_int_eq(dns_confirm(&a, 0x40, 0, &ev), -EINVAL);

	/* An add confirmed after the lease ended still owes its removal. */
	env.now += 10;
	ck_assert_int_eq(dns_confirm(&a, 0, LEASE_DNS_F_ALL, &ev), 0);
	release(&a, ip, SERVER_IP, DROP_NONE);
	ck_assert_uint_eq(env.res.events[0].img.dns_flags, 0);
	ck_assert_int_eq(dns_confirm(&a, LEASE_DNS_F_REV, 0, &ev), 0);
	ck_assert_uint_eq(ev.img.dns_flags, LEASE_DNS_F_REV | LEASE_DNS_F_REMOVE_PENDING);
	env_stop();
}
END_TEST

/* Records of the old name are owed: a new name waits; a full slab loses the name, not the lease. */
START_TEST(test_name_busy_and_full)
{
	const struct client a = { .mac = 1 }, b = { .mac = 2 };
	char buf[LEASE_NAME_MAX + 1];
	struct lease_event ev;

	env_start(cfg_main);
	bind(&a);
	ck_assert_int_eq(name_lease(&a, "old.example.test", LEASE_DNS_F_WANT), 0);
	ck_assert_int_eq(dns_confirm(&a, LEASE_DNS_F_FWD, LEASE_DNS_F_WANT, &ev), 0);
	ck_assert_int_eq(name_lease(&a, "new.example.test", LEASE_DNS_F_WANT_FWD), -EBUSY);
	ck_assert_str_eq(name_of(&a, buf), "old.example.test");
	ck_assert_uint_eq(find_client(&a)->dns_flags, LEASE_DNS_F_FWD | LEASE_DNS_F_WANT_FWD);
	ck_assert_int_eq(dns_confirm(&a, 0, LEASE_DNS_F_FWD, &ev), 0);
	ck_assert_int_eq(name_lease(&a, "new.example.test", LEASE_DNS_F_WANT_FWD), 0);
	ck_assert_str_eq(name_of(&a, buf), "new.example.test");

	/* Fill b's worker's name slab, then ask for one more name. */
	bind(&b);
	struct lease *hog[600];
	size_t n_hog = 0;
	char big[LEASE_NAME_MAX + 1];
	memset(big, 'h', LEASE_NAME_MAX);
	for (size_t i = 60; i < LEASE_NAME_MAX; i += 61)
		big[i] = '.';
	big[LEASE_NAME_MAX] = '\0';
	/* Five cells a name, then one: the names run out before the records do. */
	for (; n_hog < 600; n_hog++) {
		const char *nm = name_cells_free() >= 5 ? big : "x.test";
		hog[n_hog] = lease_table_alloc(env.table, 0);
		if (!hog[n_hog] ||
		    lease_table_name_set(env.table, 0, hog[n_hog], nm, strlen(nm)) != 0)
			break;
	}
	ck_assert_uint_eq(name_cells_free(), 0);
	uint64_t dropped = env.ctr.names_dropped;
	ck_assert_int_eq(name_lease(&b, "b.example.test", LEASE_DNS_F_WANT), -ENOSPC);
	ck_assert_uint_eq(env.ctr.names_dropped, dropped + 1);
	ck_assert_uint_eq(find_client(&b)->fqdn.id, 0);
	ck_assert_uint_eq(find_client(&b)->dns_flags & LEASE_DNS_F_WANT, 0);
	ck_assert_uint_eq(find_client(&b)->state, LEASE_BOUND);
	struct lease_table_stats st;
	lease_table_get_stats(env.table, &st);
	ck_assert_uint_gt(st.names_refused, 0);
	for (size_t i = 0; i <= n_hog && i < 600; i++)
		if (hog[i])
			lease_table_discard(env.table, hog[i]);
	env_stop();
}
END_TEST

/* "clear lease" of a lease with records ends it and owes the removal; a recovered name is restored. */
START_TEST(test_clear_and_recover_named)
{
	const struct client a = { .mac = 1 }, b = { .mac = 2 };
	struct lease_image img;
	struct lease_event ev;
	char buf[LEASE_NAME_MAX + 1];

	env_start(cfg_main);
	uint32_t ip = bind(&a);
	ck_assert_int_eq(name_lease(&a, "host1.example.test", LEASE_DNS_F_WANT), 0);
	lease_image_from_lease(&img, find_client(&a));
	ck_assert_int_eq(dhcp_lease_clear(&env.srv, &img, env.now, &ev), 0); /* nothing owed */
	ck_assert_int_eq(dns_confirm(&a, LEASE_DNS_F_FWD | LEASE_DNS_F_REV, 0, &ev), 0);
	ck_assert_int_eq(dhcp_lease_clear(&env.srv, &img, env.now, &ev), 1);
	ck_assert_uint_eq(ev.type, JOURNAL_REC_UPSERT);
	ck_assert_uint_eq(ev.img.state, LEASE_EXPIRED);
	ck_assert_uint_eq(ev.img.ip, ip);
	ck_assert(ev.img.dns_flags & LEASE_DNS_F_REMOVE_PENDING);
	ck_assert_uint_eq(ev.img.dns_flags & LEASE_DNS_F_WANT, 0);
	ck_assert_ptr_null(lease_table_find_ip(env.table, ip));

	/* Recovery: the image's name goes into the applying writer's slab. */
	lease_image_from_lease(&img, find_client(&b) ? find_client(&b) : find_client(&a));
	img.key[2] ^= 0x40; /* another client */
	img.state = LEASE_BOUND;
	img.expire = env.now + 3600;
	img.fqdn.len = 12;
	memcpy(img.fqdn.bytes, "c.recovered", 11);
	memcpy(img.fqdn.bytes, "c.recovered1", 12);
	ck_assert_int_eq(dhcp_server_apply_image(env.table, 0, JOURNAL_REC_UPSERT, &img, env.now),
			 0);
	const struct lease *l = lease_table_find_ip(env.table, ip);
	ck_assert_ptr_nonnull(l);
	lease_table_name_get(l, buf, sizeof(buf));
	ck_assert_str_eq(buf, "c.recovered1");
	ck_assert_uint_eq(l->dns_flags, img.dns_flags);
	env_stop();
}
END_TEST

static Suite *dhcp_server_suite(void)
{
	Suite *s = suite_create("dhcp_server");
	TCase *tc = tcase_create("dora");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_dora);
	tcase_add_test(tc, test_no_prl_defaults);
	tcase_add_test(tc, test_printer_new_xid);
	tcase_add_test(tc, test_client_fqdn_answered);
	tcase_add_test(tc, test_client_id_beats_chaddr);
	tcase_add_test(tc, test_requested_address_in_discover);
	tcase_add_test(tc, test_selecting_other_server);
	tcase_add_test(tc, test_selecting_lost_offer);
	tcase_add_test(tc, test_selecting_wrong_subnet);
	tcase_add_test(tc, test_discover_with_server_id);
	/* RFC 2131 table 3: what a reply carries. */
	tcase_add_test(tc, test_reply_omits_client_options);
	tcase_add_test(tc, test_nak_fields);
	tcase_add_test(tc, test_reply_copies_flags);
	tcase_add_test(tc, test_relay_info_too_long_left_out);
	tcase_add_test(tc, test_no_identity);
	suite_add_tcase(s, tc);

	tc = tcase_create("request");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_init_reboot, 0,
			    (int)(sizeof(init_reboot_cases) / sizeof(init_reboot_cases[0])));
	tcase_add_test(tc, test_renew_rebind);
	tcase_add_test(tc, test_renew_held_by_other);
	tcase_add_test(tc, test_renew_recovers_state);
	tcase_add_test(tc, test_renew_relayed_client_unicast);
	tcase_add_loop_test(tc, requested_lease_time_clamped, 0,
			    sizeof(lease_hint_cases) / sizeof(lease_hint_cases[0]));
	suite_add_tcase(s, tc);

	tc = tcase_create("release_decline_inform");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_release);
	tcase_add_test(tc, test_addr_version_journaled);
	tcase_add_test(tc, test_reclaim_after_hold);
	tcase_add_test(tc, test_reclaim_disabled);
	tcase_add_test(tc, test_release_not_owner);
	tcase_add_test(tc, test_decline);
	tcase_add_test(tc, test_decline_invalid);
	tcase_add_test(tc, test_inform);
	suite_add_tcase(s, tc);

	tc = tcase_create("dns_names");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_name_kept_on_renew);
	tcase_add_test(tc, test_release_owes_removal);
	tcase_add_test(tc, test_dns_state_generation);
	tcase_add_test(tc, test_name_busy_and_full);
	tcase_add_test(tc, test_clear_and_recover_named);
	suite_add_tcase(s, tc);

	tc = tcase_create("subnets");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_relayed);
	tcase_add_test(tc, test_subnet_selection);
	tcase_add_test(tc, test_link_selection_needs_giaddr);
	tcase_add_test(tc, test_relay_no_subnet);
	tcase_add_test(tc, nak_through_relay_sets_broadcast);
	tcase_add_loop_test(tc, test_reservation_offered, 0,
			    (int)(sizeof(resv_cases) / sizeof(resv_cases[0])));
	tcase_add_test(tc, test_reservation_not_handed_out);
	tcase_add_test(tc, test_pool_exhaustion);
	suite_add_tcase(s, tc);

	tc = tcase_create("bootp");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_bootp_disabled);
	tcase_add_test(tc, test_bootp_dynamic);
	tcase_add_test(tc, test_bootp_reserved);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits_expiry_recovery");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_max_message_size);
	tcase_add_test(tc, test_reply_memo_matches_slow_path);
	tcase_add_test(tc, test_reply_memo_config_change);
	tcase_add_test(tc, test_expire);
	tcase_add_test(tc, test_apply_image);
	tcase_add_test(tc, test_apply_image_replay);
	tcase_add_test(tc, test_failover_pool_ownership);
	tcase_add_test(tc, test_standalone_ack_no_failover_fields);
	tcase_add_test(tc, test_failover_buckets);
	tcase_add_test(tc, test_failover_no_service);
	tcase_add_test(tc, test_failover_renew_only);
	tcase_add_test(tc, test_failover_acked_pet_lifts_cap);
	tcase_add_loop_test(tc, test_giaddr_spoof, 0,
			    sizeof(giaddr_cases) / sizeof(giaddr_cases[0]));
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(dhcp_server_suite());
	int failures;

	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failures ? 1 : 0;
}
