/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * control/ddns/ddns_msg.c: every UPDATE of ddns.md sec 4 and 4.5, built,
 * signed and serialised, then read back by a decoder of this file's own
 * (not ldns) and compared record by record with the specification's
 * tables: section, owner, class, type, TTL and RDATA. The TSIG MAC of the
 * request is recomputed here with OpenSSL from RFC 8945 sec 4.3's
 * definition, and the answers the checker is given are signed here the
 * same way (request MAC, answer, TSIG variables), so neither side of TSIG
 * is only checked against ldns itself.
 */
#include <check.h>
#include <errno.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../unit_suite.h"
#include "ddns/ddns_msg.h"

#define F "h.example.test."
#define R "5.2.0.192.in-addr.arpa."
#define ZF "example.test."
#define ZR "2.0.192.in-addr.arpa."
#define IP 0xc0000205u /* 192.0.2.5 */
#define TTL 600u

/* RFC 4701 sec 3.6 vector 2 (client identifier 01:07:08:09:0a:0b:0c, chi.example.com). */
static const uint8_t dhcid[DDNS_DHCID_LEN] = {
	0x00, 0x01, 0x01, 0x39, 0x20, 0xfe, 0x5d, 0x1d, 0xce, 0xb3, 0xfd, 0x0b,
	0xa3, 0x37, 0x97, 0x56, 0xa7, 0x0d, 0x73, 0xb1, 0x70, 0x09, 0xf4, 0x1d,
	0x58, 0xbd, 0xdb, 0xfc, 0xd6, 0xa2, 0x50, 0x39, 0x56, 0xd8, 0xda,
};

static const struct cfg_tsig_key key = {
	.name = "ddns-key.",
	.algorithm = "hmac-sha256.",
	.secret_b64 = "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI=", /* 32 octets */
};

/* ------------------------------------------------------------------ a decoder of our own */

enum { S_ZONE, S_PRE, S_UPD, S_ADD };
enum { RD_NONE, RD_A, RD_DHCID, RD_PTR };

struct rec {
	int sec;
	char name[256];
	uint16_t type, cls;
	uint32_t ttl;
	uint16_t rdlen;
	size_t rdoff; /* RDATA offset in the message */
};

struct dec {
	uint16_t id, flags, counts[4];
	struct rec r[40];
	int n;
};

static unsigned g16(const uint8_t *p) { return (unsigned)p[0] << 8 | p[1]; }

/* RFC 1035 sec 4.1.4, pointers followed (at most 16 hops), lower-cased, "a.b." / ".". */
static bool read_name(const uint8_t *w, size_t len, size_t *off, char *out)
{
	size_t at = *off, o = 0;
	bool jumped = false;

	for (int hops = 0; hops < 16;) {
		if (at >= len)
			return false;
		uint8_t b = w[at];
		if ((b & 0xc0) == 0xc0) {
			if (at + 1 >= len)
				return false;
			if (!jumped)
				*off = at + 2;
			jumped = true;
			at = (size_t)(b & 0x3f) << 8 | w[at + 1];
			hops++;
			continue;
		}
		if (b & 0xc0 || at + 1 + b > len || o + b + 2 > 255)
			return false;
		if (!b) {
			if (!jumped)
				*off = at + 1;
			if (!o)
				out[o++] = '.';
			out[o] = 0;
			return true;
		}
		for (unsigned i = 0; i < b; i++) {
			char c = (char)w[at + 1 + i];
			out[o++] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
		}
		out[o++] = '.';
		at += 1 + b;
	}
	return false;
}

static bool decode(const uint8_t *w, size_t len, struct dec *d)
{
	size_t off = 12;

	memset(d, 0, sizeof(*d));
	if (len < 12)
		return false;
	d->id = (uint16_t)g16(w);
	d->flags = (uint16_t)g16(w + 2);
	for (int i = 0; i < 4; i++)
		d->counts[i] = (uint16_t)g16(w + 4 + 2 * i);
	for (int s = 0; s < 4; s++)
		for (unsigned i = 0; i < d->counts[s]; i++) {
			struct rec *r = &d->r[d->n++];
			if (d->n > 40 || !read_name(w, len, &off, r->name))
				return false;
			r->sec = s;
			if (off + 4 > len)
				return false;
			r->type = (uint16_t)g16(w + off);
			r->cls = (uint16_t)g16(w + off + 2);
			off += 4;
			if (s == S_ZONE)
				continue;
			if (off + 6 > len)
				return false;
			r->ttl = (uint32_t)g16(w + off) << 16 | g16(w + off + 2);
			r->rdlen = (uint16_t)g16(w + off + 4);
			off += 6;
			r->rdoff = off;
			if (off + r->rdlen > len)
				return false;
			off += r->rdlen;
		}
	return off == len;
}

/* ------------------------------------------------------------------ the expected sets */

struct want {
	int sec;
	const char *name;
	uint16_t cls, type;
	uint32_t ttl;
	int rd;
};

#define IN 1
#define NONE 254
#define ANY 255
#define A 1
#define PTR 12
#define AAAA 28
#define DHCID 49
#define W_END \
	{ \
		-1, NULL, 0, 0, 0, 0 \
	}

struct kind_case {
	enum ddns_msg_kind kind;
	const char *zone;
	struct want w[8];
};

/* ddns.md sec 4.1-4.3 (check-with-dhcid), 4.5 (the other modes); prerequisites TTL 0. */
static const struct kind_case cases[] = {
	{ DDNS_MSG_ADD_FWD,
	  ZF,
	  { { S_PRE, F, NONE, ANY, 0, RD_NONE },
	    { S_UPD, F, IN, A, TTL, RD_A },
	    { S_UPD, F, IN, DHCID, TTL, RD_DHCID },
	    W_END } },
	{ DDNS_MSG_REPLACE_FWD,
	  ZF,
	  { { S_PRE, F, ANY, ANY, 0, RD_NONE },
	    { S_PRE, F, IN, DHCID, 0, RD_DHCID },
	    { S_UPD, F, ANY, A, 0, RD_NONE },
	    { S_UPD, F, IN, A, TTL, RD_A },
	    W_END } },
	{ DDNS_MSG_ADD_REV,
	  ZR,
	  { { S_UPD, R, ANY, PTR, 0, RD_NONE },
	    { S_UPD, R, ANY, DHCID, 0, RD_NONE },
	    { S_UPD, R, IN, PTR, TTL, RD_PTR },
	    { S_UPD, R, IN, DHCID, TTL, RD_DHCID },
	    W_END } },
	{ DDNS_MSG_REMOVE_FWD_A,
	  ZF,
	  { { S_PRE, F, IN, DHCID, 0, RD_DHCID }, { S_UPD, F, NONE, A, 0, RD_A }, W_END } },
	{ DDNS_MSG_REMOVE_FWD_RRS,
	  ZF,
	  { { S_PRE, F, IN, DHCID, 0, RD_DHCID },
	    { S_PRE, F, NONE, A, 0, RD_NONE },
	    { S_PRE, F, NONE, AAAA, 0, RD_NONE },
	    { S_UPD, F, ANY, ANY, 0, RD_NONE },
	    W_END } },
	{ DDNS_MSG_REMOVE_REV,
	  ZR,
	  { { S_PRE, R, IN, PTR, 0, RD_PTR },
	    { S_PRE, R, IN, DHCID, 0, RD_DHCID },
	    { S_UPD, R, ANY, ANY, 0, RD_NONE },
	    W_END } },
	{ DDNS_MSG_REMOVE_REV_LEGACY,
	  ZR,
	  { { S_PRE, R, IN, PTR, 0, RD_PTR },
	    { S_PRE, R, NONE, DHCID, 0, RD_NONE },
	    { S_UPD, R, ANY, ANY, 0, RD_NONE },
	    W_END } },
	{ DDNS_MSG_REPLACE_FWD_EXISTS,
	  ZF,
	  { { S_PRE, F, ANY, DHCID, 0, RD_NONE },
	    { S_UPD, F, ANY, A, 0, RD_NONE },
	    { S_UPD, F, ANY, DHCID, 0, RD_NONE },
	    { S_UPD, F, IN, A, TTL, RD_A },
	    { S_UPD, F, IN, DHCID, TTL, RD_DHCID },
	    W_END } },
	{ DDNS_MSG_REMOVE_FWD_A_EXISTS,
	  ZF,
	  { { S_PRE, F, ANY, DHCID, 0, RD_NONE }, { S_UPD, F, NONE, A, 0, RD_A }, W_END } },
	{ DDNS_MSG_REMOVE_FWD_RRS_EXISTS,
	  ZF,
	  { { S_PRE, F, NONE, A, 0, RD_NONE },
	    { S_PRE, F, NONE, AAAA, 0, RD_NONE },
	    { S_UPD, F, ANY, DHCID, 0, RD_NONE },
	    W_END } },
	{ DDNS_MSG_REMOVE_REV_PTR,
	  ZR,
	  { { S_PRE, R, IN, PTR, 0, RD_PTR }, { S_UPD, R, ANY, ANY, 0, RD_NONE }, W_END } },
	{ DDNS_MSG_ADD_FWD_SIMPLE,
	  ZF,
	  { { S_UPD, F, ANY, A, 0, RD_NONE },
	    { S_UPD, F, ANY, DHCID, 0, RD_NONE },
	    { S_UPD, F, IN, A, TTL, RD_A },
	    { S_UPD, F, IN, DHCID, TTL, RD_DHCID },
	    W_END } },
	{ DDNS_MSG_REMOVE_FWD_SIMPLE,
	  ZF,
	  { { S_UPD, F, ANY, A, 0, RD_NONE }, { S_UPD, F, ANY, DHCID, 0, RD_NONE }, W_END } },
	{ DDNS_MSG_REMOVE_REV_SIMPLE,
	  ZR,
	  { { S_UPD, R, ANY, PTR, 0, RD_NONE }, { S_UPD, R, ANY, DHCID, 0, RD_NONE }, W_END } },
	{ DDNS_MSG_ADD_FWD_NODHCID,
	  ZF,
	  { { S_UPD, F, ANY, A, 0, RD_NONE }, { S_UPD, F, IN, A, TTL, RD_A }, W_END } },
	{ DDNS_MSG_ADD_REV_NODHCID,
	  ZR,
	  { { S_UPD, R, ANY, PTR, 0, RD_NONE }, { S_UPD, R, IN, PTR, TTL, RD_PTR }, W_END } },
	{ DDNS_MSG_REMOVE_FWD_NODHCID, ZF, { { S_UPD, F, ANY, A, 0, RD_NONE }, W_END } },
	{ DDNS_MSG_REMOVE_REV_NODHCID, ZR, { { S_UPD, R, ANY, PTR, 0, RD_NONE }, W_END } },
};
#define N_CASES (int)(sizeof(cases) / sizeof(cases[0]))

/* ------------------------------------------------------------------ TSIG by hand */

static size_t name_wire(const char *name, uint8_t *out)
{
	size_t o = 0;

	while (*name && *name != '.') {
		const char *dot = strchr(name, '.');
		size_t l = (size_t)(dot - name);
		out[o++] = (uint8_t)l;
		memcpy(out + o, name, l);
		o += l;
		name = dot + 1;
	}
	out[o++] = 0;
	return o;
}

static size_t secret(uint8_t *out)
{
	int n = EVP_DecodeBlock(out, (const uint8_t *)key.secret_b64, (int)strlen(key.secret_b64));
	return (size_t)n - 1; /* one '=' of padding */
}

/*
 * RFC 8945 sec 4.3.3 TSIG variables: key name, class ANY, TTL 0, algorithm,
 * time signed (48), fudge, error, other len, other data.
 */
static size_t tsig_vars(uint8_t *v, const char *kname, uint64_t t, uint16_t err,
			const uint8_t *other, uint16_t olen)
{
	size_t o = name_wire(kname, v);

	v[o++] = 0;
	v[o++] = 255;
	memset(v + o, 0, 4);
	o += 4;
	o += name_wire("hmac-sha256.", v + o);
	for (int i = 5; i >= 0; i--)
		v[o++] = (uint8_t)(t >> (8 * i));
	v[o++] = 300 >> 8;
	v[o++] = 300 & 255;
	v[o++] = (uint8_t)(err >> 8);
	v[o++] = (uint8_t)err;
	v[o++] = (uint8_t)(olen >> 8);
	v[o++] = (uint8_t)olen;
	if (olen)
		memcpy(v + o, other, olen);
	return o + olen;
}

/*
 * Append a TSIG RR to the answer msg[*len] (ARCOUNT += 1), its MAC over
 * req_mac (with its length), the answer and the variables; mac_len 0: an
 * unsigned error answer.
 */
static void sign_answer(uint8_t *msg, size_t *len, const char *kname, const uint8_t *req_mac,
			size_t req_mac_len, uint64_t t, uint16_t err, const uint8_t *other,
			uint16_t olen, bool with_mac)
{
	uint8_t in[2048], vars[512], sec[64], mac[EVP_MAX_MD_SIZE];
	unsigned mac_len = 0;
	size_t n = 0, vl = tsig_vars(vars, kname, t, err, other, olen), sl = secret(sec);
	uint16_t id = (uint16_t)g16(msg);

	in[n++] = (uint8_t)(req_mac_len >> 8);
	in[n++] = (uint8_t)req_mac_len;
	if (req_mac_len)
		memcpy(in + n, req_mac, req_mac_len);
	n += req_mac_len;
	memcpy(in + n, msg, *len);
	n += *len;
	memcpy(in + n, vars, vl);
	n += vl;
	if (with_mac)
		HMAC(EVP_sha256(), sec, (int)sl, in, n, mac, &mac_len);
	/* the RR: name, type 250, class ANY, TTL 0, rdlength, rdata */
	size_t o = *len;
	o += name_wire(kname, msg + o);
	uint8_t *hdr = msg + o;
	hdr[0] = 0, hdr[1] = 250, hdr[2] = 0, hdr[3] = 255;
	memset(hdr + 4, 0, 4);
	o += 10;
	size_t rd0 = o;
	o += name_wire("hmac-sha256.", msg + o);
	for (int i = 5; i >= 0; i--)
		msg[o++] = (uint8_t)(t >> (8 * i));
	msg[o++] = 300 >> 8;
	msg[o++] = 300 & 255;
	msg[o++] = (uint8_t)(mac_len >> 8);
	msg[o++] = (uint8_t)mac_len;
	if (mac_len)
		memcpy(msg + o, mac, mac_len);
	o += mac_len;
	msg[o++] = (uint8_t)(id >> 8);
	msg[o++] = (uint8_t)id;
	msg[o++] = (uint8_t)(err >> 8);
	msg[o++] = (uint8_t)err;
	msg[o++] = (uint8_t)(olen >> 8);
	msg[o++] = (uint8_t)olen;
	if (olen)
		memcpy(msg + o, other, olen);
	o += olen;
	hdr[8] = (uint8_t)((o - rd0) >> 8);
	hdr[9] = (uint8_t)(o - rd0);
	msg[11]++; /* ARCOUNT, < 256 here */
	*len = o;
}

/* ------------------------------------------------------------------ the message tests */

static void build_signed(enum ddns_msg_kind kind, const char *zone, uint16_t id, uint8_t **wire,
			 size_t *len, ldns_rdf **mac)
{
	struct ddns_msg_args a = {
		.zone = zone, .fqdn = F, .rname = R, .ip = IP, .ttl = TTL, .dhcid = dhcid
	};
	ldns_pkt *p = ddns_msg_build(kind, &a);

	ck_assert_ptr_nonnull(p);
	/* Twice: the second signing must replace the first TSIG, not sign it along. */
	ck_assert_int_eq(ddns_msg_sign(p, (uint16_t)(id ^ 0xffff), &key, wire, len, mac), 0);
	free(*wire);
	ldns_rdf_deep_free(*mac);
	ck_assert_int_eq(ddns_msg_sign(p, id, &key, wire, len, mac), 0);
	ldns_pkt_free(p);
}

START_TEST(test_message_sets)
{
	const struct kind_case *kc = &cases[_i];
	uint8_t *wire;
	size_t len;
	ldns_rdf *mac;
	struct dec d;
	uint16_t id = (uint16_t)(0x1234 + _i);

	build_signed(kc->kind, kc->zone, id, &wire, &len, &mac);
	ck_assert_msg(decode(wire, len, &d), "%s: does not decode", ddns_msg_kind_name(kc->kind));
	/* Header: our id, QR 0, opcode UPDATE, all other bits (RD included) 0. */
	ck_assert_uint_eq(d.id, id);
	ck_assert_uint_eq(d.flags, 5u << 11);
	/* Zone section: exactly the zone, SOA, IN (RFC 2136 sec 2.3). */
	ck_assert_uint_eq(d.counts[S_ZONE], 1);
	ck_assert_str_eq(d.r[0].name, kc->zone);
	ck_assert_uint_eq(d.r[0].type, 6);
	ck_assert_uint_eq(d.r[0].cls, IN);

	int k = 1;
	for (const struct want *w = kc->w; w->name; w++, k++) {
		const char *what = ddns_msg_kind_name(kc->kind);
		ck_assert_msg(k < d.n, "%s: record %d missing", what, k);
		const struct rec *r = &d.r[k];
		ck_assert_msg(r->sec == w->sec, "%s #%d: section %d", what, k, r->sec);
		ck_assert_str_eq(r->name, w->name);
		ck_assert_msg(r->cls == w->cls && r->type == w->type && r->ttl == w->ttl,
			      "%s #%d: class %u type %u ttl %u", what, k, r->cls, r->type, r->ttl);
		switch (w->rd) {
		case RD_NONE: ck_assert_uint_eq(r->rdlen, 0); break;
		case RD_A:
			ck_assert_uint_eq(r->rdlen, 4);
			ck_assert_mem_eq(wire + r->rdoff, "\xc0\x00\x02\x05", 4);
			break;
		case RD_DHCID:
			ck_assert_uint_eq(r->rdlen, DDNS_DHCID_LEN);
			ck_assert_mem_eq(wire + r->rdoff, dhcid, DDNS_DHCID_LEN);
			break;
		case RD_PTR: {
			char target[256];
			size_t off = r->rdoff;
			ck_assert(read_name(wire, len, &off, target));
			ck_assert_uint_eq(off, r->rdoff + r->rdlen);
			ck_assert_str_eq(target, F);
			break;
		}
		}
	}
	/* Then the TSIG, alone in the additional section and last (RFC 8945 sec 4.2). */
	ck_assert_int_eq(d.n, k + 1);
	ck_assert_uint_eq(d.counts[S_PRE] + d.counts[S_UPD] + 1, (unsigned)k);
	ck_assert_uint_eq(d.counts[S_ADD], 1);
	const struct rec *t = &d.r[k];
	ck_assert_str_eq(t->name, "ddns-key.");
	ck_assert_uint_eq(t->type, 250);
	ck_assert_uint_eq(t->cls, ANY);
	ck_assert_uint_eq(t->ttl, 0);

	/* Its RDATA field by field, then the MAC recomputed from RFC 8945 sec 4.3. */
	size_t off = t->rdoff;
	char alg[256];
	ck_assert(read_name(wire, len, &off, alg));
	ck_assert_str_eq(alg, "hmac-sha256.");
	const uint8_t *p = wire + off;
	uint64_t ts = 0;
	for (int i = 0; i < 6; i++)
		ts = ts << 8 | p[i];
	ck_assert(llabs((long long)ts - (long long)time(NULL)) <= 5);
	ck_assert_uint_eq(g16(p + 6), 300); /* fudge */
	ck_assert_uint_eq(g16(p + 8), 32); /* MAC size: full HMAC-SHA256 */
	const uint8_t *m = p + 10;
	ck_assert_uint_eq(g16(m + 32), id); /* original id */
	ck_assert_uint_eq(g16(m + 34), 0); /* error */
	ck_assert_uint_eq(g16(m + 36), 0); /* other len */
	ck_assert_uint_eq(m + 38 - wire, t->rdoff + t->rdlen);
	ck_assert_uint_eq(ldns_rdf_size(mac), 34); /* what ddns_msg_sign kept: length + MAC */
	ck_assert_mem_eq(ldns_rdf_data(mac) + 2, m, 32);

	uint8_t in[2048], sec[64], hm[EVP_MAX_MD_SIZE];
	unsigned hl = 0;
	size_t tsig_start = t->rdoff - 10 - (strlen("ddns-key.") + 1);
	memcpy(in, wire, tsig_start);
	in[11]--; /* ARCOUNT without the TSIG */
	size_t n = tsig_start + tsig_vars(in + tsig_start, "ddns-key.", ts, 0, NULL, 0);
	HMAC(EVP_sha256(), sec, (int)secret(sec), in, n, hm, &hl);
	ck_assert_uint_eq(hl, 32);
	ck_assert_msg(memcmp(hm, m, 32) == 0, "%s: the MAC is not RFC 8945's",
		      ddns_msg_kind_name(kc->kind));
	free(wire);
	ldns_rdf_deep_free(mac);
}
END_TEST

START_TEST(test_reverse_name)
{
	char out[CFG_DNS_NAME_MAX];

	ddns_msg_reverse_name(IP, out);
	ck_assert_str_eq(out, R);
	ddns_msg_reverse_name(0x0a010203, out);
	ck_assert_str_eq(out, "3.2.1.10.in-addr.arpa.");
}
END_TEST

START_TEST(test_bad_key_refused)
{
	struct cfg_tsig_key k = key;
	struct ddns_msg_args a = { .zone = ZF, .fqdn = F, .rname = R, .ip = IP, .dhcid = dhcid };
	ldns_pkt *p = ddns_msg_build(DDNS_MSG_ADD_FWD, &a);
	uint8_t *wire;
	size_t len;
	ldns_rdf *mac;

	/* ldns 1.8.3 misspells hmac-sha384 (ddns.md sec 8.3): refused, never sent unsigned. */
	snprintf(k.algorithm, sizeof(k.algorithm), "hmac-sha384.");
	ck_assert_int_eq(ddns_msg_sign(p, 1, &k, &wire, &len, &mac), -EINVAL);
	ck_assert_ptr_null(wire);
	ck_assert(!ddns_msg_key_ok(&k));
	/* A secret that is not base64. */
	k = key;
	snprintf(k.secret_b64, sizeof(k.secret_b64), "not base64!");
	ck_assert(!ddns_msg_key_ok(&k));
	ck_assert_int_eq(ddns_msg_sign(p, 1, &k, &wire, &len, &mac), -EINVAL);
	ck_assert(ddns_msg_key_ok(&key));
	ldns_pkt_free(p);
	/* A name that is not a name. */
	a.fqdn = "a..b.";
	ck_assert_ptr_null(ddns_msg_build(DDNS_MSG_ADD_FWD, &a));
}
END_TEST

/* ------------------------------------------------------------------ the answer tests */

struct answer_env {
	uint8_t *req;
	size_t req_len;
	ldns_rdf *mac;
	uint16_t id;
	uint8_t msg[2048];
	size_t len;
};

/* The request, and the head of its answer: header (QR, opcode 5, rcode) + the zone section. */
static void answer_env(struct answer_env *a, uint8_t rcode)
{
	a->id = 0xbeef;
	build_signed(DDNS_MSG_ADD_FWD, ZF, a->id, &a->req, &a->req_len, &a->mac);
	static const uint8_t head[12] = { 0xbe, 0xef, 0xa8, 0x00, 0, 1, 0, 0, 0, 0, 0, 0 };
	memcpy(a->msg, head, 12);
	a->msg[3] = rcode;
	a->len = 12;
	a->len += name_wire(ZF, a->msg + 12);
	memcpy(a->msg + a->len, "\x00\x06\x00\x01", 4);
	a->len += 4;
}

static void answer_env_free(struct answer_env *a)
{
	free(a->req);
	ldns_rdf_deep_free(a->mac);
}

static enum ddns_verdict check(struct answer_env *a, struct ddns_answer *ans)
{
	/* An exact-size copy, so a read past the end is ASan's to see. */
	uint8_t *copy = malloc(a->len ? a->len : 1);
	memcpy(copy, a->msg, a->len);
	enum ddns_verdict v = ddns_msg_check(copy, a->len, a->id, &key, a->mac, time(NULL), ans);
	free(copy);
	return v;
}

static void sign_ok(struct answer_env *a, uint64_t t)
{
	sign_answer(a->msg, &a->len, "ddns-key.", ldns_rdf_data(a->mac) + 2, 32, t, 0, NULL, 0,
		    true);
}

START_TEST(test_answer_good)
{
	static const uint8_t rcodes[] = { 0, 6, 8, 3, 5 };
	struct answer_env a;
	struct ddns_answer ans;

	for (unsigned i = 0; i < sizeof(rcodes); i++) {
		answer_env(&a, rcodes[i]);
		sign_ok(&a, (uint64_t)time(NULL));
		ck_assert_int_eq(check(&a, &ans), DDNS_V_OK);
		ck_assert_uint_eq(ans.rcode, rcodes[i]);
		ck_assert_uint_eq(ans.id, a.id);
		ck_assert_uint_eq(ans.tsig_error, 0);
		answer_env_free(&a);
	}
}
END_TEST

START_TEST(test_answer_bad_mac)
{
	struct answer_env a;
	struct ddns_answer ans;

	/* One bit of the MAC flipped. */
	answer_env(&a, 0);
	size_t at = a.len;
	sign_ok(&a, (uint64_t)time(NULL));
	a.msg[at + 10 + 10 + 13 + 10 + 5] ^=
	    1; /* owner(10) rr hdr(10) alg(13) time+fudge+size(10) */
	ck_assert_int_eq(check(&a, &ans), DDNS_V_BAD_MAC);
	answer_env_free(&a);
	/* The answer changed after signing (NOERROR turned into NXRRSET). */
	answer_env(&a, 0);
	sign_ok(&a, (uint64_t)time(NULL));
	a.msg[3] = 8;
	ck_assert_int_eq(check(&a, &ans), DDNS_V_BAD_MAC);
	answer_env_free(&a);
	/* Signed over another request's MAC. */
	answer_env(&a, 0);
	uint8_t other[32] = { 1 };
	sign_answer(a.msg, &a.len, "ddns-key.", other, 32, (uint64_t)time(NULL), 0, NULL, 0, true);
	ck_assert_int_eq(check(&a, &ans), DDNS_V_BAD_MAC);
	answer_env_free(&a);
	/* Signed with another key name: ldns would verify it with ours, we refuse first. */
	answer_env(&a, 0);
	sign_answer(a.msg, &a.len, "other-key.", ldns_rdf_data(a.mac) + 2, 32, (uint64_t)time(NULL),
		    0, NULL, 0, true);
	ck_assert_int_eq(check(&a, &ans), DDNS_V_BAD_KEY);
	answer_env_free(&a);
	/* Unsigned. */
	answer_env(&a, 0);
	ck_assert_int_eq(check(&a, &ans), DDNS_V_UNSIGNED);
	answer_env_free(&a);
}
END_TEST

START_TEST(test_answer_tsig_errors)
{
	struct answer_env a;
	struct ddns_answer ans;
	uint64_t now = (uint64_t)time(NULL);

	/* BADSIG and BADKEY come unsigned (MAC size 0) with NOTAUTH: noted, not believed. */
	for (uint16_t err = 16; err <= 17; err++) {
		answer_env(&a, 9);
		sign_answer(a.msg, &a.len, "ddns-key.", NULL, 0, now, err, NULL, 0, false);
		ck_assert_int_eq(check(&a, &ans), DDNS_V_TSIG_ERROR);
		ck_assert_uint_eq(ans.tsig_error, err);
		ck_assert_uint_eq(ans.rcode, 9);
		answer_env_free(&a);
	}
	/* An unsigned "TSIG" without an error is just unsigned. */
	answer_env(&a, 0);
	sign_answer(a.msg, &a.len, "ddns-key.", NULL, 0, now, 0, NULL, 0, false);
	ck_assert_int_eq(check(&a, &ans), DDNS_V_UNSIGNED);
	answer_env_free(&a);
	/* BADTIME is signed, with our Time Signed and the server's clock in Other Data. */
	answer_env(&a, 9);
	uint64_t srv = now + 3600;
	uint8_t other[6];
	for (int i = 0; i < 6; i++)
		other[i] = (uint8_t)(srv >> (8 * (5 - i)));
	sign_answer(a.msg, &a.len, "ddns-key.", ldns_rdf_data(a.mac) + 2, 32, now, 18, other, 6,
		    true);
	ck_assert_int_eq(check(&a, &ans), DDNS_V_BADTIME);
	ck_assert_uint_eq(ans.server_time, srv);
	answer_env_free(&a);
	/* A good MAC on an old answer: outside the fudge, a replay. */
	answer_env(&a, 0);
	sign_ok(&a, now - 301);
	ck_assert_int_eq(check(&a, &ans), DDNS_V_BAD_TIME);
	answer_env_free(&a);
	answer_env(&a, 0);
	sign_ok(&a, now - 200);
	ck_assert_int_eq(check(&a, &ans), DDNS_V_OK);
	answer_env_free(&a);
}
END_TEST

START_TEST(test_answer_header)
{
	struct answer_env a;
	struct ddns_answer ans;

	/* Wrong id: another request's answer (or a forger's guess). */
	answer_env(&a, 0);
	sign_ok(&a, (uint64_t)time(NULL));
	a.msg[1] ^= 0x01;
	ck_assert_int_eq(check(&a, &ans), DDNS_V_WRONG_ID);
	answer_env_free(&a);
	/* QR clear: our own request reflected back. */
	answer_env(&a, 0);
	a.msg[2] &= 0x7f;
	sign_ok(&a, (uint64_t)time(NULL));
	ck_assert_int_eq(check(&a, &ans), DDNS_V_NOT_ANSWER);
	answer_env_free(&a);
	/* Opcode QUERY. */
	answer_env(&a, 0);
	a.msg[2] = 0x80;
	sign_ok(&a, (uint64_t)time(NULL));
	ck_assert_int_eq(check(&a, &ans), DDNS_V_NOT_ANSWER);
	answer_env_free(&a);
	/* TC: the answer is to be had over TCP, signed or not. */
	answer_env(&a, 0);
	a.msg[2] |= 0x02;
	ck_assert_int_eq(check(&a, &ans), DDNS_V_TRUNCATED);
	sign_ok(&a, (uint64_t)time(NULL));
	ck_assert_int_eq(check(&a, &ans), DDNS_V_TRUNCATED);
	answer_env_free(&a);
}
END_TEST

START_TEST(test_answer_truncated_and_garbled)
{
	struct answer_env a;
	struct ddns_answer ans;

	answer_env(&a, 0);
	sign_ok(&a, (uint64_t)time(NULL));
	size_t full = a.len;
	uint8_t good[2048];
	memcpy(good, a.msg, full);
	/* Every prefix of a good answer is refused as garbled, none believed. */
	for (size_t n = 0; n < full; n++) {
		a.len = n;
		enum ddns_verdict v = check(&a, &ans);
		ck_assert_msg(v == DDNS_V_GARBLED, "prefix %zu: %s", n, ddns_verdict_name(v));
	}
	/* A trailing octet. */
	a.len = full + 1;
	a.msg[full] = 0;
	ck_assert_int_eq(check(&a, &ans), DDNS_V_GARBLED);
	/* TSIG not last: an extra record after it. */
	memcpy(a.msg, good, full);
	a.len = full;
	memcpy(a.msg + a.len, "\x00\x00\x01\x00\x01\x00\x00\x00\x00\x00\x00", 11);
	a.len += 11;
	a.msg[11]++;
	ck_assert_int_eq(check(&a, &ans), DDNS_V_GARBLED);
	/* A compression pointer loop in the zone name is walked past, not followed. */
	memcpy(a.msg, good, full);
	a.len = full;
	a.msg[12] = 0xc0;
	a.msg[13] = 12;
	ck_assert_int_ne(check(&a, &ans), DDNS_V_OK);
	/* The good one, untouched, still passes. */
	memcpy(a.msg, good, full);
	a.len = full;
	ck_assert_int_eq(check(&a, &ans), DDNS_V_OK);
	answer_env_free(&a);
}
END_TEST

/*
 * The fuzz seeds (tests/data/gen_fuzz_ddns_answer_corpus.py, signed by
 * Python's hmac, not ldns) are what their names say: a third, independent
 * signer agrees with the checker.
 */
static const struct {
	const char *file;
	enum ddns_verdict v;
	uint8_t rcode;
} seeds[] = {
	{ "noerror", DDNS_V_OK, 0 },
	{ "yxdomain", DDNS_V_OK, 6 },
	{ "nxrrset", DDNS_V_OK, 8 },
	{ "servfail", DDNS_V_OK, 2 },
	{ "badsig_unsigned", DDNS_V_TSIG_ERROR, 9 },
	{ "badkey_unsigned", DDNS_V_TSIG_ERROR, 9 },
	{ "badtime_signed", DDNS_V_BADTIME, 9 },
	{ "old_time", DDNS_V_BAD_TIME, 0 },
	{ "other_key", DDNS_V_BAD_KEY, 0 },
	{ "unsigned", DDNS_V_UNSIGNED, 0 },
	{ "truncated_tc", DDNS_V_TRUNCATED, 0 },
	{ "query_opcode", DDNS_V_NOT_ANSWER, 0 },
	{ "cut_short", DDNS_V_GARBLED, 0 },
	{ "pointer_loop", DDNS_V_GARBLED, 0 },
	{ "compressed_name", DDNS_V_OK, 0 },
	{ "echoed_sections", DDNS_V_OK, 0 },
	{ "empty", DDNS_V_GARBLED, 0 },
};

START_TEST(test_fuzz_seeds)
{
	char path[512];
	uint8_t buf[4096], mac_wire[34] = { 0, 32 };
	struct ddns_answer ans;

	snprintf(path, sizeof(path), "%s/corpus/fuzz_ddns_answer/%s", LW_TEST_DATA, seeds[_i].file);
	FILE *f = fopen(path, "rb");
	ck_assert_msg(f, "%s", path);
	size_t n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	memset(mac_wire + 2, 0x11, 32);
	ldns_rdf *mac = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_INT16_DATA, sizeof(mac_wire), mac_wire);
	enum ddns_verdict v = ddns_msg_check(buf, n, 0xbeef, &key, mac, 1800000000, &ans);
	ck_assert_msg(v == seeds[_i].v, "%s: %s", seeds[_i].file, ddns_verdict_name(v));
	if (n >= 12)
		ck_assert_uint_eq(ans.rcode, seeds[_i].rcode);
	ldns_rdf_deep_free(mac);
}
END_TEST

static void add_tests(TCase *tc)
{
	tcase_add_loop_test(tc, test_message_sets, 0, N_CASES);
	tcase_add_test(tc, test_reverse_name);
	tcase_add_test(tc, test_bad_key_refused);
	tcase_add_test(tc, test_answer_good);
	tcase_add_test(tc, test_answer_bad_mac);
	tcase_add_test(tc, test_answer_tsig_errors);
	tcase_add_test(tc, test_answer_header);
	tcase_add_test(tc, test_answer_truncated_and_garbled);
	tcase_add_loop_test(tc, test_fuzz_seeds, 0, sizeof(seeds) / sizeof(seeds[0]));
}

int main(void)
{
	_Static_assert(N_CASES == DDNS_MSG_KIND_COUNT, "one case per message kind");
	return run_suite("ddns_msg", add_tests);
}
