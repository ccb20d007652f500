/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests for common/failover/fo_binding.c: the BNDUPD and BNDACK ISC
 * dhcpd 4.4.3-P1 sent in the lab (../shared/specs/failover.md sec 6)
 * rebuilt byte-exact from a struct fo_binding and parsed back, an ACTIVE
 * round trip with client-identifier and hardware address, the rejects a
 * BNDUPD gets (3 as ISC gives it, 6), the draft-12 sec 7.1.3 acceptance
 * table cell by cell, and the conversions to and from the lease record.
 */
#include <check.h>
#include <errno.h>
#include <string.h>

#include "failover/fo_binding.h"
#include "lease/journal_record.h"
#include "isc_messages.h"
#include "unit_suite.h"

#define NOW 1780000000
#define ISC_TIME 0x6b02c9a9u

static struct fo_msg msg;

static void parse_ok(const uint8_t *b, size_t len)
{
	enum fo_err err = fo_msg_parse(b, len, &msg);
	ck_assert_msg(err == FO_ERR_NONE, "parse: %s", fo_err_name(err));
}

static void assert_binding_eq(const struct fo_binding *a, const struct fo_binding *b)
{
	ck_assert_uint_eq(a->ip, b->ip);
	ck_assert_uint_eq(a->status, b->status);
	ck_assert_uint_eq(a->ip_flags, b->ip_flags);
	ck_assert_uint_eq(a->htype, b->htype);
	ck_assert_uint_eq(a->hlen, b->hlen);
	ck_assert_mem_eq(a->chaddr, b->chaddr, sizeof(a->chaddr));
	ck_assert_uint_eq(a->client_id_len, b->client_id_len);
	ck_assert_mem_eq(a->client_id, b->client_id, a->client_id_len);
	ck_assert_int_eq(a->lease_expire, b->lease_expire);
	ck_assert_int_eq(a->pet, b->pet);
	ck_assert_int_eq(a->stos, b->stos);
	ck_assert_int_eq(a->cltt, b->cltt);
}

/* Build one BNDUPD holding bd; returns its length. */
static int build_bndupd(uint8_t *buf, size_t cap, const struct fo_binding *bd, uint32_t time,
			uint32_t xid)
{
	struct fo_builder b;

	ck_assert_int_eq(fo_build_start(&b, buf, cap, FO_MSG_BNDUPD, time, xid), 0);
	ck_assert_int_eq(fo_binding_build_bndupd(&b, bd), 0);
	return fo_build_finish(&b);
}

START_TEST(test_isc_bndupd)
{
	struct fo_binding bd, back;
	uint8_t buf[FO_MSG_MAX], rej = 99;

	memset(&bd, 0, sizeof(bd));
	bd.ip = 0xc0000264; /* 192.0.2.100 */
	bd.status = FO_BINDING_BACKUP;
	bd.pet = ISC_TIME;
	bd.stos = ISC_TIME;
	int n = build_bndupd(buf, sizeof(buf), &bd, ISC_TIME, 0x1a);
	ck_assert_int_eq(n, (int)sizeof(isc_bndupd));
	ck_assert_mem_eq(buf, isc_bndupd, sizeof(isc_bndupd));

	parse_ok(isc_bndupd, sizeof(isc_bndupd));
	ck_assert_uint_eq(msg.n_bindings, 1);
	ck_assert_int_eq(fo_binding_parse(&msg, 0, &back, &rej), 0);
	ck_assert_uint_eq(rej, 0);
	assert_binding_eq(&back, &bd);
	ck_assert_int_eq(fo_binding_parse(&msg, 1, &back, &rej), -ERANGE);
}
END_TEST

START_TEST(test_isc_bndack)
{
	struct fo_builder b;
	uint8_t buf[FO_MSG_MAX];
	uint32_t ip = 0, u = 0;
	uint16_t len;

	ck_assert_int_eq(fo_build_start(&b, buf, sizeof(buf), FO_MSG_BNDACK, 0x6b02c9ab, 0x1b), 0);
	ck_assert_int_eq(fo_binding_build_ack(&b, 0xc000026e, 0, "ignored when accepting"), 0);
	ck_assert_int_eq(fo_build_finish(&b), (int)sizeof(isc_bndack));
	ck_assert_mem_eq(buf, isc_bndack, sizeof(isc_bndack));

	/* A reject carries reject-reason and the message (draft Table 7.2-1). */
	ck_assert_int_eq(fo_build_start(&b, buf, sizeof(buf), FO_MSG_BNDACK, 1, 0x1c), 0);
	ck_assert_int_eq(
	    fo_binding_build_ack(&b, 0xc000026e, FO_REJECT_OUTDATED_BIND_INFO, "outdated"), 0);
	int n = fo_build_finish(&b);
	ck_assert_int_gt(n, 0);
	parse_ok(buf, (size_t)n);
	ck_assert_uint_eq(msg.hdr.xid, 0x1c);
	ck_assert_int_eq(fo_msg_assigned_ip(&msg, &ip), 0);
	ck_assert_uint_eq(ip, 0xc000026e);
	ck_assert_int_eq(fo_msg_get_uint(&msg, FO_OPT_REJECT_REASON, 1, &u), 0);
	ck_assert_uint_eq(u, 15);
	const uint8_t *text = fo_msg_message(&msg, &len);
	ck_assert_ptr_nonnull(text);
	ck_assert_uint_eq(len, 8);
	ck_assert_mem_eq(text, "outdated", 8);
	/* Without a message: exactly IP + reason. */
	ck_assert_int_eq(fo_build_start(&b, buf, sizeof(buf), FO_MSG_BNDACK, 1, 0x1d), 0);
	ck_assert_int_eq(fo_binding_build_ack(&b, 0xc000026e, 2, NULL), 0);
	ck_assert_int_eq(fo_build_finish(&b), 12 + 8 + 5);
}
END_TEST

static void active_binding(struct fo_binding *bd)
{
	static const uint8_t cid[] = { 0x01, 0x02, 0x1e, 0x00, 0x00, 0x00, 0x2a };

	memset(bd, 0, sizeof(*bd));
	bd->ip = 0xc0000265;
	bd->status = FO_BINDING_ACTIVE;
	bd->ip_flags = FO_IP_FLAG_RESERVED;
	bd->htype = 1;
	bd->hlen = 6;
	memcpy(bd->chaddr, cid + 1, 6);
	bd->client_id_len = sizeof(cid);
	memcpy(bd->client_id, cid, sizeof(cid));
	bd->cltt = NOW;
	bd->lease_expire = NOW + 600;
	bd->pet = NOW + 3600 + 300;
	bd->stos = NOW;
}

START_TEST(test_active_round_trip)
{
	/* ISC's order: 2, 3, 4, 5, 13, 18, 25, 6, 12 (specs sec 6). */
	static const uint16_t order[] = { 2, 3, 4, 5, 13, 18, 25, 6, 12 };
	struct fo_binding bd, back;
	uint8_t buf[FO_MSG_MAX], rej = 99;

	active_binding(&bd);
	int n = build_bndupd(buf, sizeof(buf), &bd, NOW, 7);
	ck_assert_int_eq(n, 12 + 8 + 5 + 11 + 11 + 8 + 8 + 8 + 8 + 6);
	size_t off = 12;
	for (size_t k = 0; k < sizeof(order) / sizeof(order[0]); k++) {
		ck_assert_uint_eq((unsigned)(buf[off] << 8 | buf[off + 1]), order[k]);
		off += 4u + (size_t)(buf[off + 2] << 8 | buf[off + 3]);
	}
	ck_assert_uint_eq(off, (size_t)n);
	/* IP-flags is 2 bytes (ISC drops the connection on 1). */
	ck_assert_uint_eq(buf[n - 3], 2);

	parse_ok(buf, (size_t)n);
	ck_assert_int_eq(fo_binding_parse(&msg, 0, &back, &rej), 0);
	ck_assert_uint_eq(rej, 0);
	assert_binding_eq(&back, &bd);

	/* No CLTT and no flags: neither option is sent. */
	bd.cltt = 0;
	bd.ip_flags = 0;
	n = build_bndupd(buf, sizeof(buf), &bd, NOW, 8);
	ck_assert_int_eq(n, 12 + 8 + 5 + 11 + 11 + 8 + 8 + 8);
	parse_ok(buf, (size_t)n);
	ck_assert(!fo_msg_has(&msg, FO_OPT_CLTT) && !fo_msg_has(&msg, FO_OPT_IP_FLAGS));
	ck_assert_int_eq(fo_binding_parse(&msg, 0, &back, &rej), 0);
	assert_binding_eq(&back, &bd);

	/* An infinite lease is the wire's largest time and comes back infinite. */
	bd.lease_expire = INT64_MAX;
	n = build_bndupd(buf, sizeof(buf), &bd, NOW, 9);
	parse_ok(buf, (size_t)n);
	ck_assert_int_eq(fo_binding_parse(&msg, 0, &back, &rej), 0);
	ck_assert_int_eq(back.lease_expire, INT64_MAX);
}
END_TEST

/* What the builder refuses to send, and what ABANDONED leaves out. */
START_TEST(test_build_rules)
{
	struct fo_builder b;
	struct fo_binding bd;
	uint8_t buf[FO_MSG_MAX];
	static const uint8_t need[] = { FO_BINDING_ACTIVE, FO_BINDING_EXPIRED,
					FO_BINDING_RELEASED };

	for (size_t k = 0; k < sizeof(need); k++) {
		active_binding(&bd);
		bd.status = need[k];
		bd.htype = bd.hlen = 0;
		ck_assert_int_eq(fo_build_start(&b, buf, sizeof(buf), FO_MSG_BNDUPD, NOW, 1), 0);
		ck_assert_int_eq(fo_binding_build_bndupd(&b, &bd), -EINVAL);
	}
	active_binding(&bd);
	bd.status = 0;
	ck_assert_int_eq(fo_build_start(&b, buf, sizeof(buf), FO_MSG_BNDUPD, NOW, 1), 0);
	ck_assert_int_eq(fo_binding_build_bndupd(&b, &bd), -EINVAL);
	bd.status = 8;
	ck_assert_int_eq(fo_binding_build_bndupd(&b, &bd), -EINVAL);

	/* ABANDONED: never client-identifier or hardware address. */
	active_binding(&bd);
	bd.status = FO_BINDING_ABANDONED;
	int n = build_bndupd(buf, sizeof(buf), &bd, NOW, 2);
	parse_ok(buf, (size_t)n);
	ck_assert(!fo_msg_has(&msg, FO_OPT_CHADDR) && !fo_msg_has(&msg, FO_OPT_CLIENT_ID));
	/* FREE may go without client information. */
	active_binding(&bd);
	bd.status = FO_BINDING_FREE;
	bd.htype = bd.hlen = 0;
	bd.client_id_len = 0;
	n = build_bndupd(buf, sizeof(buf), &bd, NOW, 3);
	ck_assert_int_gt(n, 0);
	/* No room: the builder's error. */
	active_binding(&bd);
	ck_assert_int_eq(fo_build_start(&b, buf, 30, FO_MSG_BNDUPD, NOW, 1), 0);
	ck_assert_int_eq(fo_binding_build_bndupd(&b, &bd), -ENOSPC);
}
END_TEST

/* A BNDUPD written option by option, to make the ones our builder will not. */
struct reject_case {
	const char *name;
	int has_ip;
	int status; /* -1: no binding-status */
	int chaddr, client_id;
	size_t client_id_len;
	uint8_t reject;
};

static const struct reject_case reject_cases[] = {
	{ "no assigned-IP", 0, FO_BINDING_FREE, 1, 0, 0, 3 },
	{ "no binding-status", 1, -1, 1, 0, 0, 3 },
	{ "binding-status 0", 1, 0, 1, 0, 0, 3 },
	{ "binding-status 8", 1, 8, 1, 0, 0, 3 },
	{ "ACTIVE without chaddr", 1, FO_BINDING_ACTIVE, 0, 1, 4, 3 },
	{ "EXPIRED without chaddr", 1, FO_BINDING_EXPIRED, 0, 0, 0, 3 },
	{ "RELEASED without chaddr", 1, FO_BINDING_RELEASED, 0, 1, 4, 3 },
	{ "ABANDONED with chaddr", 1, FO_BINDING_ABANDONED, 1, 0, 0, 6 },
	{ "ABANDONED with client-id", 1, FO_BINDING_ABANDONED, 0, 1, 4, 6 },
	{ "client-id too long", 1, FO_BINDING_ACTIVE, 1, 1, FO_BINDING_CLIENT_ID_MAX + 1, 6 },
	{ "FREE without chaddr", 1, FO_BINDING_FREE, 0, 0, 0, 0 },
	{ "BACKUP without chaddr", 1, FO_BINDING_BACKUP, 0, 0, 0, 0 },
	{ "RESET without chaddr", 1, FO_BINDING_RESET, 0, 0, 0, 0 },
	{ "ABANDONED bare", 1, FO_BINDING_ABANDONED, 0, 0, 0, 0 },
	{ "ACTIVE longest client-id", 1, FO_BINDING_ACTIVE, 1, 1, FO_BINDING_CLIENT_ID_MAX, 0 },
};

START_TEST(test_parse_rejects)
{
	const struct reject_case *c = &reject_cases[_i];
	static const uint8_t hw[] = { 1, 0x02, 0x1e, 0, 0, 0, 1 };
	uint8_t cid[FO_BINDING_CLIENT_ID_MAX + 1], buf[FO_MSG_MAX], rej = 99;
	struct fo_builder b;
	struct fo_binding out;

	memset(cid, 0x5a, sizeof(cid));
	ck_assert_int_eq(fo_build_start(&b, buf, sizeof(buf), FO_MSG_BNDUPD, NOW, 1), 0);
	if (c->has_ip)
		fo_build_assigned_ip(&b, 0xc0000266);
	if (c->status >= 0)
		fo_build_binding_status(&b, (uint8_t)c->status);
	if (c->client_id)
		fo_build_client_id(&b, cid, c->client_id_len);
	if (c->chaddr)
		fo_build_chaddr(&b, hw, sizeof(hw));
	fo_build_lease_expiration(&b, 0);
	int n = fo_build_finish(&b);
	ck_assert_int_gt(n, 0);
	parse_ok(buf, (size_t)n);
	int rc = fo_binding_parse(&msg, 0, &out, &rej);
	ck_assert_msg(rej == c->reject, "%s: reject %u, want %u", c->name, rej, c->reject);
	ck_assert_int_eq(rc, c->reject ? -EBADMSG : 0);
	/* The BNDACK can name the address whenever the update did. */
	ck_assert_uint_eq(out.ip, c->has_ip ? 0xc0000266 : 0);
}
END_TEST

/*
 * draft-12 sec 7.1.3, cell by cell. Rows: our status (0 = no binding
 * here); columns: the received status 1..7. A accept, 1/2/3 time1/2/3,
 * 5 the different-client rule, R reject 16.
 */
static const char accept_table[8][8] = {
	/*         -  FREE ACT EXP REL ABN RST BKP */
	[0] = { 0, 'A', 'A', 'A', 'A', 'A', 'A', 'A' },
	[FO_BINDING_FREE] = { 0, 'A', 'A', 'A', 'A', 'A', 'A', 'A' },
	[FO_BINDING_ACTIVE] = { 0, '2', '5', '2', '1', 'A', 'A', '2' },
	[FO_BINDING_EXPIRED] = { 0, 'A', '1', 'A', 'A', 'A', 'A', 'A' },
	[FO_BINDING_RELEASED] = { 0, 'A', '1', '1', 'A', 'A', 'A', 'A' },
	[FO_BINDING_ABANDONED] = { 0, 'R', 'R', 'R', 'R', 'A', 'A', 'R' },
	[FO_BINDING_RESET] = { 0, 'A', '3', 'A', 'A', 'A', 'A', 'A' },
	[FO_BINDING_BACKUP] = { 0, 'A', 'A', 'A', 'A', 'A', 'A', 'A' },
};

/*
 * Ours: CLTT 1000, stos 1000, lease end now + 100 (unfavourable) or
 * now - 1 (favourable). Received: CLTT 2000 and the same client
 * (favourable) or CLTT 500 and another client (unfavourable).
 */
static void accept_fixture(struct fo_binding *ours, struct fo_binding *rcv, unsigned our_status,
			   unsigned rcv_status, bool favourable)
{
	memset(ours, 0, sizeof(*ours));
	ours->ip = 0xc0000267;
	ours->status = (uint8_t)our_status;
	ours->htype = 1;
	ours->hlen = 6;
	ours->chaddr[5] = 1;
	ours->cltt = 1000;
	ours->stos = 1000;
	ours->lease_expire = favourable ? NOW - 1 : NOW + 100;
	*rcv = *ours;
	rcv->status = (uint8_t)rcv_status;
	rcv->cltt = favourable ? 2000 : 500;
	if (!favourable)
		rcv->chaddr[5] = 2;
}

START_TEST(test_accept_table)
{
	unsigned row = (unsigned)_i / 7, col = (unsigned)_i % 7 + 1;
	char cell = accept_table[row][col];
	struct fo_binding ours, rcv;

	for (int fav = 0; fav < 2; fav++) {
		accept_fixture(&ours, &rcv, row, col, fav);
		const struct fo_binding *o = row ? &ours : NULL;
		uint8_t want_primary = cell == 'A'   ? 0
				       : cell == 'R' ? FO_REJECT_LESS_CRIT_BIND_INFO
				       : fav	     ? 0
				       : cell == '5' ? FO_REJECT_FATAL_CONFLICT
						     : FO_REJECT_OUTDATED_BIND_INFO;
		uint8_t want_secondary = cell == '5' ? 0 : want_primary;
		uint8_t got = fo_binding_accept(o, &rcv, true, NOW);
		ck_assert_msg(got == want_primary, "ours %u recv %u %s primary: %u, want %u", row,
			      col, fav ? "favourable" : "unfavourable", got, want_primary);
		got = fo_binding_accept(o, &rcv, false, NOW);
		ck_assert_msg(got == want_secondary, "ours %u recv %u %s secondary: %u, want %u",
			      row, col, fav ? "favourable" : "unfavourable", got, want_secondary);
	}
}
END_TEST

/* CLTT edge cases of time1/time3 and the (5) same-client test by client-identifier. */
START_TEST(test_accept_edges)
{
	struct fo_binding ours, rcv;

	accept_fixture(&ours, &rcv, FO_BINDING_EXPIRED, FO_BINDING_ACTIVE, true);
	rcv.cltt = 0; /* absent: never later */
	ck_assert_uint_eq(fo_binding_accept(&ours, &rcv, true, NOW), 15);
	rcv.cltt = 1000; /* equal: not later */
	ck_assert_uint_eq(fo_binding_accept(&ours, &rcv, true, NOW), 15);
	ours.cltt = 0; /* only the update has one: later */
	rcv.cltt = 1;
	ck_assert_uint_eq(fo_binding_accept(&ours, &rcv, true, NOW), 0);

	accept_fixture(&ours, &rcv, FO_BINDING_RESET, FO_BINDING_ACTIVE, true);
	rcv.cltt = 1001;
	ck_assert_uint_eq(fo_binding_accept(&ours, &rcv, true, NOW), 0);
	ours.stos = 1001;
	ck_assert_uint_eq(fo_binding_accept(&ours, &rcv, true, NOW), 15);

	/* time2 at the boundary: now must be past the end. */
	accept_fixture(&ours, &rcv, FO_BINDING_ACTIVE, FO_BINDING_EXPIRED, true);
	ours.lease_expire = NOW;
	ck_assert_uint_eq(fo_binding_accept(&ours, &rcv, true, NOW), 15);
	ck_assert_uint_eq(fo_binding_accept(&ours, &rcv, true, NOW + 1), 0);

	/* Same MAC, different client ids: two clients. One id on either side: two clients. */
	accept_fixture(&ours, &rcv, FO_BINDING_ACTIVE, FO_BINDING_ACTIVE, true);
	ours.client_id_len = rcv.client_id_len = 2;
	ours.client_id[0] = rcv.client_id[0] = 0xff;
	ours.client_id[1] = 1;
	rcv.client_id[1] = 2;
	ck_assert_uint_eq(fo_binding_accept(&ours, &rcv, true, NOW), 2);
	rcv.client_id[1] = 1;
	ck_assert_uint_eq(fo_binding_accept(&ours, &rcv, true, NOW), 0);
	rcv.client_id_len = 0;
	ck_assert_uint_eq(fo_binding_accept(&ours, &rcv, true, NOW), 2);
	ck_assert_uint_eq(fo_binding_accept(&ours, &rcv, false, NOW), 0);
}
END_TEST

static void bound_lease(struct lease *l, bool by_client_id)
{
	static const uint8_t mac[6] = { 0x02, 0x1e, 0, 0, 0, 0x2a };

	memset(l, 0, sizeof(*l));
	l->ip = 0xc0000268;
	l->subnet_id = 3;
	l->state = LEASE_BOUND;
	l->flags = LEASE_F_RESERVED;
	l->htype = 1;
	l->hlen = 6;
	memcpy(l->chaddr, mac, 6);
	l->cltt = NOW - 10;
	l->lease_secs = 600;
	l->expire = NOW + 590;
	l->partner_expire = NOW + 100;
	l->addr_version = 41;
	l->fo_status = FO_BINDING_ACTIVE;
	l->fo_flags = LEASE_FO_F_UPDATE_PENDING;
	l->stos = NOW - 10;
	l->sent_pet = NOW + 3890;
	if (by_client_id) {
		l->key[0] = LEASE_KEY_CLIENT_ID;
		l->key[1] = 0xff;
		l->key[2] = 0x42;
		l->key[3] = 0x43;
		l->key_len = 4;
	} else {
		l->key[0] = LEASE_KEY_HWADDR;
		l->key[1] = 1;
		memcpy(l->key + 2, mac, 6);
		l->key_len = 8;
	}
}

START_TEST(test_from_lease)
{
	struct lease l;
	struct fo_binding bd;

	bound_lease(&l, true);
	fo_binding_from_lease(&l, &bd);
	ck_assert_uint_eq(bd.ip, l.ip);
	ck_assert_uint_eq(bd.status, FO_BINDING_ACTIVE);
	ck_assert_uint_eq(bd.ip_flags, FO_IP_FLAG_RESERVED);
	ck_assert_uint_eq(bd.htype, 1);
	ck_assert_uint_eq(bd.hlen, 6);
	ck_assert_mem_eq(bd.chaddr, l.chaddr, 6);
	ck_assert_uint_eq(bd.client_id_len, 3);
	ck_assert_mem_eq(bd.client_id, l.key + 1, 3);
	ck_assert_int_eq(bd.lease_expire, l.expire);
	ck_assert_int_eq(bd.pet, l.sent_pet);
	ck_assert_int_eq(bd.stos, l.stos);
	ck_assert_int_eq(bd.cltt, l.cltt);

	bound_lease(&l, false);
	l.flags = LEASE_F_BOOTP;
	l.lease_secs = LEASE_INFINITE;
	fo_binding_from_lease(&l, &bd);
	ck_assert_uint_eq(bd.client_id_len, 0);
	ck_assert_uint_eq(bd.ip_flags, FO_IP_FLAG_BOOTP);
	ck_assert_int_eq(bd.lease_expire, INT64_MAX);

	/* The state wins over a stale fo_status; fo_status tells FREE, BACKUP and RESET apart. */
	static const struct {
		uint8_t state, fo_status, want;
	} st[] = {
		{ LEASE_EXPIRED, FO_BINDING_ACTIVE, FO_BINDING_EXPIRED },
		{ LEASE_RELEASED, 0, FO_BINDING_RELEASED },
		{ LEASE_EXPIRED, FO_BINDING_BACKUP, FO_BINDING_BACKUP },
		{ LEASE_EXPIRED, FO_BINDING_RESET, FO_BINDING_RESET },
		{ LEASE_FREE, 0, FO_BINDING_FREE },
		{ LEASE_OFFERED, 0, FO_BINDING_FREE },
		{ LEASE_BACKUP, 0, FO_BINDING_BACKUP },
		{ LEASE_BOUND, FO_BINDING_FREE, FO_BINDING_ACTIVE },
		{ LEASE_BOUND, 0, FO_BINDING_ACTIVE },
	};
	for (size_t k = 0; k < sizeof(st) / sizeof(st[0]); k++) {
		bound_lease(&l, true);
		l.state = st[k].state;
		l.fo_status = st[k].fo_status;
		fo_binding_from_lease(&l, &bd);
		ck_assert_msg(bd.status == st[k].want, "state %u fo_status %u: %u", st[k].state,
			      st[k].fo_status, bd.status);
	}
	/* A declined address is ABANDONED, without client information. */
	bound_lease(&l, true);
	l.state = LEASE_DECLINED;
	fo_binding_from_lease(&l, &bd);
	ck_assert_uint_eq(bd.status, FO_BINDING_ABANDONED);
	ck_assert_uint_eq(bd.hlen, 0);
	ck_assert_uint_eq(bd.client_id_len, 0);
}
END_TEST

START_TEST(test_to_image_active)
{
	struct fo_binding bd;
	struct lease_image img;
	struct lease holder;

	active_binding(&bd);
	ck_assert_int_eq(fo_binding_to_image(&bd, NULL, 5, NOW + 1, &img), 0);
	ck_assert_int_eq(journal_record_validate(JOURNAL_REC_UPSERT, &img), 0);
	ck_assert_uint_eq(img.ip, bd.ip);
	ck_assert_uint_eq(img.subnet_id, 5);
	ck_assert_uint_eq(img.state, LEASE_BOUND);
	ck_assert_uint_eq(img.flags, LEASE_F_RESERVED);
	ck_assert_uint_eq(img.key_len, 1 + bd.client_id_len);
	ck_assert_uint_eq(img.key[0], LEASE_KEY_CLIENT_ID);
	ck_assert_mem_eq(img.key + 1, bd.client_id, bd.client_id_len);
	ck_assert_uint_eq(img.htype, 1);
	ck_assert_uint_eq(img.hlen, 6);
	ck_assert_mem_eq(img.chaddr, bd.chaddr, 6);
	ck_assert_int_eq(img.cltt, NOW);
	ck_assert_int_eq(img.expire, NOW + 600);
	ck_assert_uint_eq(img.lease_secs, 600);
	ck_assert_int_eq(img.partner_expire, bd.pet);
	ck_assert_uint_eq(img.fo_status, FO_BINDING_ACTIVE);
	ck_assert_uint_eq(img.fo_flags, LEASE_FO_F_FROM_PARTNER);
	ck_assert_int_eq(img.stos, NOW);
	ck_assert_int_eq(img.sent_pet, 0);
	ck_assert_uint_eq(img.addr_version, 0);

	/* Keyed by htype + chaddr without a client id, as a request would be. */
	bd.client_id_len = 0;
	bd.cltt = 0;
	bd.stos = 0;
	ck_assert_int_eq(fo_binding_to_image(&bd, NULL, 5, NOW + 1, &img), 0);
	ck_assert_uint_eq(img.key_len, 8);
	ck_assert_uint_eq(img.key[0], LEASE_KEY_HWADDR);
	ck_assert_uint_eq(img.key[1], 1);
	ck_assert_mem_eq(img.key + 2, bd.chaddr, 6);
	ck_assert_int_eq(img.cltt, NOW + 1);
	ck_assert_int_eq(img.stos, NOW + 1);

	/* The same client holding it here keeps its version and the PET we sent. */
	bound_lease(&holder, false);
	holder.ip = bd.ip;
	memcpy(holder.chaddr, bd.chaddr, 6);
	memcpy(holder.key + 2, bd.chaddr, 6);
	ck_assert_int_eq(fo_binding_to_image(&bd, &holder, 5, NOW, &img), 0);
	ck_assert_uint_eq(img.addr_version, holder.addr_version);
	ck_assert_int_eq(img.sent_pet, holder.sent_pet);
	/* Another client holding it: a change of hands, the next version. */
	holder.key[7] ^= 1;
	ck_assert_int_eq(fo_binding_to_image(&bd, &holder, 5, NOW, &img), 0);
	ck_assert_uint_eq(img.addr_version, holder.addr_version + 1);
	ck_assert_int_eq(img.sent_pet, 0);

	/* No identity: nothing to key the lease by. */
	memset(bd.chaddr, 0, sizeof(bd.chaddr));
	ck_assert_int_eq(fo_binding_to_image(&bd, NULL, 5, NOW, &img), -EINVAL);
}
END_TEST

START_TEST(test_to_image_frees)
{
	static const struct {
		uint8_t status, state;
	} st[] = {
		{ FO_BINDING_EXPIRED, LEASE_EXPIRED }, { FO_BINDING_RELEASED, LEASE_RELEASED },
		{ FO_BINDING_FREE, LEASE_EXPIRED },    { FO_BINDING_RESET, LEASE_EXPIRED },
		{ FO_BINDING_BACKUP, LEASE_EXPIRED },
	};
	struct fo_binding bd;
	struct lease_image img;
	struct lease holder;

	for (size_t k = 0; k < sizeof(st) / sizeof(st[0]); k++) {
		bound_lease(&holder, true);
		memset(&bd, 0, sizeof(bd));
		bd.ip = holder.ip;
		bd.status = st[k].status;
		bd.cltt = NOW;
		bd.stos = NOW - 1;
		ck_assert_int_eq(fo_binding_to_image(&bd, &holder, 3, NOW, &img), 0);
		ck_assert_int_eq(journal_record_validate(JOURNAL_REC_UPSERT, &img), 0);
		/* The holder's record, no longer holding the address. */
		ck_assert_uint_eq(img.key_len, holder.key_len);
		ck_assert_mem_eq(img.key, holder.key, holder.key_len);
		ck_assert_uint_eq(img.ip, holder.ip);
		ck_assert_uint_eq(img.state, st[k].state);
		ck_assert_int_le(img.expire, NOW);
		ck_assert_int_eq(img.cltt, NOW);
		ck_assert_uint_eq(img.fo_status, st[k].status);
		ck_assert_uint_eq(img.fo_flags, LEASE_FO_F_FROM_PARTNER);
		ck_assert_int_eq(img.stos, NOW - 1);
		ck_assert_uint_eq(img.addr_version, holder.addr_version);
		/* Nobody holds it here, or the holder is on another address: nothing to write. */
		ck_assert_int_eq(fo_binding_to_image(&bd, NULL, 3, NOW, &img), -ENOENT);
		holder.ip++;
		ck_assert_int_eq(fo_binding_to_image(&bd, &holder, 3, NOW, &img), -ENOENT);
	}
	memset(&bd, 0, sizeof(bd));
	bd.status = FO_BINDING_ABANDONED;
	ck_assert_int_eq(fo_binding_to_image(&bd, NULL, 3, NOW, &img), -EOPNOTSUPP);
	bd.status = 9;
	ck_assert_int_eq(fo_binding_to_image(&bd, NULL, 3, NOW, &img), -EINVAL);
}
END_TEST

/* lease -> binding -> BNDUPD -> binding -> image: the client's lease as we had it. */
START_TEST(test_lease_wire_lease)
{
	struct lease l;
	struct fo_binding bd, back;
	struct lease_image img;
	uint8_t buf[FO_MSG_MAX], rej;

	bound_lease(&l, true);
	fo_binding_from_lease(&l, &bd);
	int n = build_bndupd(buf, sizeof(buf), &bd, NOW, 11);
	parse_ok(buf, (size_t)n);
	ck_assert_int_eq(fo_binding_parse(&msg, 0, &back, &rej), 0);
	assert_binding_eq(&back, &bd);
	ck_assert_int_eq(fo_binding_to_image(&back, NULL, l.subnet_id, NOW, &img), 0);
	ck_assert_uint_eq(img.ip, l.ip);
	ck_assert_uint_eq(img.subnet_id, l.subnet_id);
	ck_assert_uint_eq(img.state, l.state);
	ck_assert_uint_eq(img.flags, l.flags);
	ck_assert_uint_eq(img.key_len, l.key_len);
	ck_assert_mem_eq(img.key, l.key, l.key_len);
	ck_assert_mem_eq(img.chaddr, l.chaddr, sizeof(l.chaddr));
	ck_assert_int_eq(img.cltt, l.cltt);
	ck_assert_int_eq(img.expire, l.expire);
	ck_assert_uint_eq(img.lease_secs, l.lease_secs);
	ck_assert_int_eq(img.stos, l.stos);
	/* The PET we sent is, on the partner's side, the one it acks. */
	ck_assert_int_eq(img.partner_expire, l.sent_pet);
}
END_TEST

/*
 * A BNDACK of our BNDUPD ACTIVE (ip .104, PET NOW + 3890) against the
 * client's current version (bound_lease, changed by `change`): only the
 * binding that was sent takes the PET, never lowering what was acked.
 */
enum ack_change {
	AC_NONE,
	AC_RENEWED,
	AC_MOVED,
	AC_RELEASED,
	AC_STANDALONE,
	AC_ACKED_LATER,
	AC_DUPLICATE,
	AC_FROM_PARTNER
};

static const struct ack_case {
	const char *name;
	enum ack_change change;
	int64_t pet; /* acked */
	int rc;
	int64_t partner_expire; /* when rc == 0 */
	uint8_t fo_flags;
} ack_cases[] = {
	{ "the binding sent", AC_NONE, NOW + 3890, 0, NOW + 3890, 0 },
	{ "renewed since: newer PET pending", AC_RENEWED, NOW + 3890, -ESTALE, 0, 0 },
	{ "on another address now", AC_MOVED, NOW + 3890, -ESTALE, 0, 0 },
	{ "released since", AC_RELEASED, NOW + 3890, -ESTALE, 0, 0 },
	{ "no failover status", AC_STANDALONE, NOW + 3890, -ESTALE, 0, 0 },
	{ "a later PET already acked", AC_ACKED_LATER, NOW + 3890, 0, NOW + 5000, 0 },
	{ "the same ack again", AC_DUPLICATE, NOW + 3890, -EALREADY, 0, 0 },
	{ "learned back from the partner", AC_FROM_PARTNER, NOW + 3890, 0, NOW + 3890,
	  LEASE_FO_F_FROM_PARTNER },
	{ "no PET", AC_NONE, 0, -EINVAL, 0, 0 },
};

START_TEST(test_acked)
{
	const struct ack_case *tc = &ack_cases[_i];
	struct lease l;
	int64_t pe = -1;
	uint8_t fl = 0xee;

	bound_lease(&l, false);
	switch (tc->change) {
	case AC_NONE: break;
	case AC_RENEWED: l.sent_pet = NOW + 4000; break;
	case AC_MOVED: l.ip++; break;
	case AC_RELEASED: l.state = LEASE_RELEASED; break;
	case AC_STANDALONE: l.fo_status = 0; break;
	case AC_ACKED_LATER: l.partner_expire = NOW + 5000; break;
	case AC_DUPLICATE:
		l.partner_expire = l.sent_pet;
		l.fo_flags = 0;
		break;
	case AC_FROM_PARTNER: l.fo_flags = LEASE_FO_F_FROM_PARTNER; break;
	}
	int rc = fo_binding_acked(&l, 0xc0000268, tc->pet, &pe, &fl);
	ck_assert_msg(rc == tc->rc, "%s: rc %d, want %d", tc->name, rc, tc->rc);
	if (rc == 0) {
		ck_assert_int_eq(pe, tc->partner_expire);
		ck_assert_uint_eq(fl, tc->fo_flags);
	}
}
END_TEST

static void add_tests(TCase *tc)
{
	tcase_add_test(tc, test_isc_bndupd);
	tcase_add_test(tc, test_isc_bndack);
	tcase_add_test(tc, test_active_round_trip);
	tcase_add_test(tc, test_build_rules);
	tcase_add_loop_test(tc, test_parse_rejects, 0,
			    (int)(sizeof(reject_cases) / sizeof(reject_cases[0])));
	tcase_add_loop_test(tc, test_accept_table, 0, 8 * 7);
	tcase_add_test(tc, test_accept_edges);
	tcase_add_test(tc, test_from_lease);
	tcase_add_test(tc, test_to_image_active);
	tcase_add_test(tc, test_to_image_frees);
	tcase_add_test(tc, test_lease_wire_lease);
	tcase_add_loop_test(tc, test_acked, 0, (int)(sizeof(ack_cases) / sizeof(ack_cases[0])));
}

int main(void) { return run_suite("fo_binding", add_tests); }
