/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RFC 2136 UPDATE messages for RFC 4703 and their answers (ddns_msg.h).
 * Record encodings: ddns.md sec 1.2 (prerequisites, all TTL 0) and sec 1.3
 * (updates); the sets per step: sec 4.1-4.3 and 4.5.
 */
#include "ddns_msg.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define T_A LDNS_RR_TYPE_A
#define T_AAAA LDNS_RR_TYPE_AAAA
#define T_PTR LDNS_RR_TYPE_PTR
#define T_DHCID LDNS_RR_TYPE_DHCID
#define T_ANY LDNS_RR_TYPE_ANY
#define C_IN LDNS_RR_CLASS_IN
#define C_ANY LDNS_RR_CLASS_ANY
#define C_NONE LDNS_RR_CLASS_NONE

#define TSIG_TYPE 250
#define TSIG_BADSIG 16
#define TSIG_BADKEY 17
#define TSIG_BADTIME 18
#define TSIG_BADTRUNC 22

static const char *const kind_names[DDNS_MSG_KIND_COUNT] = {
	[DDNS_MSG_ADD_FWD] = "add-fwd",
	[DDNS_MSG_REPLACE_FWD] = "replace-fwd",
	[DDNS_MSG_ADD_REV] = "add-rev",
	[DDNS_MSG_REMOVE_FWD_A] = "remove-fwd-a",
	[DDNS_MSG_REMOVE_FWD_RRS] = "remove-fwd-rrs",
	[DDNS_MSG_REMOVE_REV] = "remove-rev",
	[DDNS_MSG_REMOVE_REV_LEGACY] = "remove-rev-legacy",
	[DDNS_MSG_REPLACE_FWD_EXISTS] = "replace-fwd-exists",
	[DDNS_MSG_REMOVE_FWD_A_EXISTS] = "remove-fwd-a-exists",
	[DDNS_MSG_REMOVE_FWD_RRS_EXISTS] = "remove-fwd-rrs-exists",
	[DDNS_MSG_REMOVE_REV_PTR] = "remove-rev-ptr",
	[DDNS_MSG_ADD_FWD_SIMPLE] = "add-fwd-simple",
	[DDNS_MSG_REMOVE_FWD_SIMPLE] = "remove-fwd-simple",
	[DDNS_MSG_REMOVE_REV_SIMPLE] = "remove-rev-simple",
	[DDNS_MSG_ADD_FWD_NODHCID] = "add-fwd-nodhcid",
	[DDNS_MSG_ADD_REV_NODHCID] = "add-rev-nodhcid",
	[DDNS_MSG_REMOVE_FWD_NODHCID] = "remove-fwd-nodhcid",
	[DDNS_MSG_REMOVE_REV_NODHCID] = "remove-rev-nodhcid",
};

const char *ddns_msg_kind_name(enum ddns_msg_kind kind)
{
	return (unsigned)kind < DDNS_MSG_KIND_COUNT ? kind_names[kind] : "?";
}

bool ddns_msg_kind_is_fwd(enum ddns_msg_kind kind)
{
	switch (kind) {
	case DDNS_MSG_ADD_REV:
	case DDNS_MSG_REMOVE_REV:
	case DDNS_MSG_REMOVE_REV_LEGACY:
	case DDNS_MSG_REMOVE_REV_PTR:
	case DDNS_MSG_REMOVE_REV_SIMPLE:
	case DDNS_MSG_ADD_REV_NODHCID:
	case DDNS_MSG_REMOVE_REV_NODHCID: return false;
	default: return true;
	}
}

static const char *const verdict_names[DDNS_V_COUNT] = {
	[DDNS_V_OK] = "ok",
	[DDNS_V_TRUNCATED] = "truncated",
	[DDNS_V_TSIG_ERROR] = "unsigned TSIG error",
	[DDNS_V_BADTIME] = "BADTIME",
	[DDNS_V_UNSIGNED] = "unsigned",
	[DDNS_V_BAD_KEY] = "signed with another key",
	[DDNS_V_BAD_MAC] = "MAC does not verify",
	[DDNS_V_BAD_TIME] = "Time Signed outside the fudge",
	[DDNS_V_NOT_ANSWER] = "not an UPDATE answer",
	[DDNS_V_WRONG_ID] = "wrong id",
	[DDNS_V_GARBLED] = "garbled",
};

const char *ddns_verdict_name(enum ddns_verdict v)
{
	return (unsigned)v < DDNS_V_COUNT ? verdict_names[v] : "?";
}

void ddns_msg_reverse_name(uint32_t ip, char *out)
{
	snprintf(out, CFG_DNS_NAME_MAX, "%u.%u.%u.%u.in-addr.arpa.", ip & 255, ip >> 8 & 255,
		 ip >> 16 & 255, ip >> 24);
}

/* ------------------------------------------------------------------ building */

/*
 * An RR with no RDATA (RDLENGTH 0): the meta-RRs of prerequisites and
 * deletes. ldns_rr_new's TTL is 3600; every one of these has TTL 0
 * (RFC 2136 sec 2.4, 2.5.2-2.5.4).
 */
static ldns_rr *rr_new(const char *owner, ldns_rr_type type, ldns_rr_class cls, uint32_t ttl)
{
	ldns_rdf *o = ldns_dname_new_frm_str(owner);
	ldns_rr *rr;

	if (!o)
		return NULL;
	rr = ldns_rr_new();
	if (!rr) {
		ldns_rdf_deep_free(o);
		return NULL;
	}
	ldns_rr_set_owner(rr, o);
	ldns_rr_set_type(rr, type);
	ldns_rr_set_class(rr, cls);
	ldns_rr_set_ttl(rr, ttl);
	return rr;
}

static ldns_rr *rr_with(ldns_rr *rr, ldns_rdf *rd)
{
	if (!rr || !rd || !ldns_rr_push_rdf(rr, rd)) {
		ldns_rr_free(rr);
		ldns_rdf_deep_free(rd);
		return NULL;
	}
	return rr;
}

static ldns_rr *rr_a(const char *owner, ldns_rr_class cls, uint32_t ttl, uint32_t ip)
{
	uint8_t be[4] = { (uint8_t)(ip >> 24), (uint8_t)(ip >> 16), (uint8_t)(ip >> 8),
			  (uint8_t)ip };

	return rr_with(rr_new(owner, T_A, cls, ttl), ldns_rdf_new_frm_data(LDNS_RDF_TYPE_A, 4, be));
}

static ldns_rr *rr_dhcid(const char *owner, ldns_rr_class cls, uint32_t ttl, const uint8_t *d)
{
	return rr_with(rr_new(owner, T_DHCID, cls, ttl),
		       ldns_rdf_new_frm_data(LDNS_RDF_TYPE_B64, DDNS_DHCID_LEN, d));
}

static ldns_rr *rr_ptr(const char *owner, ldns_rr_class cls, uint32_t ttl, const char *target)
{
	return rr_with(rr_new(owner, T_PTR, cls, ttl), ldns_dname_new_frm_str(target));
}

/* Prerequisites go to the answer slot (PRCOUNT), updates to the authority slot (UPCOUNT). */
#define PRE(rr) push(p, LDNS_SECTION_ANSWER, (rr), &ok)
#define UPD(rr) push(p, LDNS_SECTION_AUTHORITY, (rr), &ok)

static void push(ldns_pkt *p, ldns_pkt_section s, ldns_rr *rr, bool *ok)
{
	if (!rr || !ldns_pkt_push_rr(p, s, rr)) {
		ldns_rr_free(rr);
		*ok = false;
	}
}

ldns_pkt *ddns_msg_build(enum ddns_msg_kind kind, const struct ddns_msg_args *a)
{
	const char *F = a->fqdn, *R = a->rname;
	const uint8_t *D = a->dhcid;
	uint32_t T = a->ttl, ip = a->ip;
	ldns_rdf *zone = ldns_dname_new_frm_str(a->zone);
	ldns_rr_list *empty_pr = ldns_rr_list_new(), *empty_up = ldns_rr_list_new();
	ldns_pkt *p = NULL;
	bool ok = true;

	if (!zone || !empty_pr || !empty_up) {
		ldns_rdf_deep_free(zone);
		goto out;
	}
	/* Takes zone; the lists are cloned (empty both, so the sections exist). */
	p = ldns_update_pkt_new(zone, C_IN, empty_pr, empty_up, NULL);
	if (!p)
		goto out;
	/* RFC 2136 sec 2.2: only QR is meaningful; ldns sets RD (ddns.md sec 8.1). */
	ldns_pkt_set_rd(p, false);
	ldns_pkt_set_id(p, 0);
	switch (kind) {
	case DDNS_MSG_ADD_FWD:
		PRE(rr_new(F, T_ANY, C_NONE, 0));
		UPD(rr_a(F, C_IN, T, ip));
		UPD(rr_dhcid(F, C_IN, T, D));
		break;
	case DDNS_MSG_REPLACE_FWD:
		/* "Name in use" too, so a name that vanished answers NXDOMAIN, not NXRRSET. */
		PRE(rr_new(F, T_ANY, C_ANY, 0));
		PRE(rr_dhcid(F, C_IN, 0, D));
		UPD(rr_new(F, T_A, C_ANY, 0));
		UPD(rr_a(F, C_IN, T, ip));
		break;
	case DDNS_MSG_ADD_REV:
		UPD(rr_new(R, T_PTR, C_ANY, 0));
		UPD(rr_new(R, T_DHCID, C_ANY, 0));
		UPD(rr_ptr(R, C_IN, T, F));
		UPD(rr_dhcid(R, C_IN, T, D));
		break;
	case DDNS_MSG_REMOVE_FWD_A:
		PRE(rr_dhcid(F, C_IN, 0, D));
		UPD(rr_a(F, C_NONE, 0, ip));
		break;
	case DDNS_MSG_REMOVE_FWD_RRS:
		PRE(rr_dhcid(F, C_IN, 0, D));
		PRE(rr_new(F, T_A, C_NONE, 0));
		PRE(rr_new(F, T_AAAA, C_NONE, 0));
		UPD(rr_new(F, T_ANY, C_ANY, 0));
		break;
	case DDNS_MSG_REMOVE_REV:
		PRE(rr_ptr(R, C_IN, 0, F));
		PRE(rr_dhcid(R, C_IN, 0, D));
		UPD(rr_new(R, T_ANY, C_ANY, 0));
		break;
	case DDNS_MSG_REMOVE_REV_LEGACY:
		PRE(rr_ptr(R, C_IN, 0, F));
		PRE(rr_new(R, T_DHCID, C_NONE, 0));
		UPD(rr_new(R, T_ANY, C_ANY, 0));
		break;
	case DDNS_MSG_REPLACE_FWD_EXISTS:
		PRE(rr_new(F, T_DHCID, C_ANY, 0));
		UPD(rr_new(F, T_A, C_ANY, 0));
		UPD(rr_new(F, T_DHCID, C_ANY, 0));
		UPD(rr_a(F, C_IN, T, ip));
		UPD(rr_dhcid(F, C_IN, T, D));
		break;
	case DDNS_MSG_REMOVE_FWD_A_EXISTS:
		PRE(rr_new(F, T_DHCID, C_ANY, 0));
		UPD(rr_a(F, C_NONE, 0, ip));
		break;
	case DDNS_MSG_REMOVE_FWD_RRS_EXISTS:
		PRE(rr_new(F, T_A, C_NONE, 0));
		PRE(rr_new(F, T_AAAA, C_NONE, 0));
		UPD(rr_new(F, T_DHCID, C_ANY, 0));
		break;
	case DDNS_MSG_REMOVE_REV_PTR:
		PRE(rr_ptr(R, C_IN, 0, F));
		UPD(rr_new(R, T_ANY, C_ANY, 0));
		break;
	case DDNS_MSG_ADD_FWD_SIMPLE:
		UPD(rr_new(F, T_A, C_ANY, 0));
		UPD(rr_new(F, T_DHCID, C_ANY, 0));
		UPD(rr_a(F, C_IN, T, ip));
		UPD(rr_dhcid(F, C_IN, T, D));
		break;
	case DDNS_MSG_REMOVE_FWD_SIMPLE:
		UPD(rr_new(F, T_A, C_ANY, 0));
		UPD(rr_new(F, T_DHCID, C_ANY, 0));
		break;
	case DDNS_MSG_REMOVE_REV_SIMPLE:
		UPD(rr_new(R, T_PTR, C_ANY, 0));
		UPD(rr_new(R, T_DHCID, C_ANY, 0));
		break;
	case DDNS_MSG_ADD_FWD_NODHCID:
		UPD(rr_new(F, T_A, C_ANY, 0));
		UPD(rr_a(F, C_IN, T, ip));
		break;
	case DDNS_MSG_ADD_REV_NODHCID:
		UPD(rr_new(R, T_PTR, C_ANY, 0));
		UPD(rr_ptr(R, C_IN, T, F));
		break;
	case DDNS_MSG_REMOVE_FWD_NODHCID: UPD(rr_new(F, T_A, C_ANY, 0)); break;
	case DDNS_MSG_REMOVE_REV_NODHCID: UPD(rr_new(R, T_PTR, C_ANY, 0)); break;
	default: ok = false;
	}
	if (!ok) {
		ldns_pkt_free(p);
		p = NULL;
	}
out:
	ldns_rr_list_free(empty_pr);
	ldns_rr_list_free(empty_up);
	return p;
}

bool ddns_msg_key_ok(const struct cfg_tsig_key *key)
{
	/* What ldns 1.8.3 signs with (hmac-sha224 missing, hmac-sha384 misspelt: ddns.md sec 8.3). */
	static const char *const algs[] = { "hmac-md5.sig-alg.reg.int", "hmac-sha1", "hmac-sha256",
					    "hmac-sha512" };
	size_t al = strlen(key->algorithm), sl = strnlen(key->secret_b64, sizeof(key->secret_b64));
	uint8_t raw[sizeof(key->secret_b64)];
	bool alg = false;

	if (al && key->algorithm[al - 1] == '.')
		al--;
	for (unsigned i = 0; i < sizeof(algs) / sizeof(algs[0]); i++)
		if (strlen(algs[i]) == al && strncasecmp(algs[i], key->algorithm, al) == 0)
			alg = true;
	/* ldns leaks what it allocated when a secret does not decode: refuse it first. */
	return alg && sl && sl < sizeof(key->secret_b64) && sl % 4 == 0 && key->name[0] &&
	       EVP_DecodeBlock(raw, (const uint8_t *)key->secret_b64, (int)sl) > 0;
}

int ddns_msg_sign(ldns_pkt *p, uint16_t id, const struct cfg_tsig_key *key, uint8_t **wire,
		  size_t *len, ldns_rdf **mac)
{
	ldns_rr *old = ldns_pkt_tsig(p);
	ldns_rr *tsig;

	*wire = NULL;
	*mac = NULL;
	/* ldns_pkt_tsig_sign would put an earlier attempt's TSIG under the MAC. */
	if (old) {
		ldns_pkt_set_tsig(p, NULL);
		ldns_rr_free(old);
	}
	ldns_pkt_set_id(p, id);
	if (!ddns_msg_key_ok(key))
		return -EINVAL;
	if (ldns_pkt_tsig_sign(p, key->name, key->secret_b64, DDNS_TSIG_FUDGE, key->algorithm,
			       NULL) != LDNS_STATUS_OK)
		return -EINVAL;
	tsig = ldns_pkt_tsig(p);
	if (!tsig || ldns_rr_rd_count(tsig) < 4)
		return -EINVAL;
	*mac = ldns_rdf_clone(ldns_rr_rdf(tsig, 3));
	if (!*mac || ldns_pkt2wire(wire, p, len) != LDNS_STATUS_OK) {
		ldns_rdf_deep_free(*mac);
		*mac = NULL;
		free(*wire);
		*wire = NULL;
		return -ENOMEM;
	}
	return 0;
}

/* ------------------------------------------------------------------ checking */

struct walk {
	const uint8_t *p;
	size_t len, off;
	bool bad;
};

static uint16_t get16(struct walk *w)
{
	if (w->bad || w->len - w->off < 2) {
		w->bad = true;
		return 0;
	}
	uint16_t v = (uint16_t)(w->p[w->off] << 8 | w->p[w->off + 1]);
	w->off += 2;
	return v;
}

static void skip(struct walk *w, size_t n)
{
	if (w->bad || w->len - w->off < n)
		w->bad = true;
	else
		w->off += n;
}

/* RFC 1035 sec 4.1.4: labels, ending in the root label or one compression pointer. */
static void skip_name(struct walk *w)
{
	size_t wire_len = 0;

	while (!w->bad) {
		if (w->off >= w->len) {
			w->bad = true;
			return;
		}
		uint8_t b = w->p[w->off];
		if ((b & 0xc0) == 0xc0) {
			skip(w, 2);
			return;
		}
		if (b & 0xc0) { /* 0x40, 0x80: extended label types, not in UPDATE */
			w->bad = true;
			return;
		}
		wire_len += (size_t)b + 1;
		if (wire_len > 255) {
			w->bad = true;
			return;
		}
		skip(w, (size_t)b + 1);
		if (b == 0)
			return;
	}
}

/*
 * The framing of the whole message: every record inside it, nothing after
 * the last, and TSIG only as the very last record (RFC 8945 sec 5.1: else
 * FORMERR). *has_tsig says whether it is there.
 */
static bool framing_ok(const uint8_t *wire, size_t len, bool *has_tsig)
{
	struct walk w = { .p = wire, .len = len };
	uint16_t qd, an, ns, ar;

	*has_tsig = false;
	skip(&w, 4);
	qd = get16(&w);
	an = get16(&w);
	ns = get16(&w);
	ar = get16(&w);
	for (unsigned i = 0; i < qd && !w.bad; i++) {
		skip_name(&w);
		skip(&w, 4);
	}
	unsigned n_rr = (unsigned)an + ns + ar;
	for (unsigned i = 0; i < n_rr && !w.bad; i++) {
		skip_name(&w);
		uint16_t type = get16(&w);
		skip(&w, 6);
		uint16_t rdlen = get16(&w);
		skip(&w, rdlen);
		if (type == TSIG_TYPE) {
			if (i != n_rr - 1 || i < (unsigned)an + ns)
				return false;
			*has_tsig = true;
		}
	}
	return !w.bad && w.off == len;
}

static uint64_t get48(const uint8_t *d)
{
	uint64_t v = 0;

	for (int i = 0; i < 6; i++)
		v = v << 8 | d[i];
	return v;
}

static bool dname_is(const ldns_rdf *rd, const char *name)
{
	ldns_rdf *n = ldns_dname_new_frm_str(name);
	bool same = n && rd && ldns_rdf_get_type(rd) == LDNS_RDF_TYPE_DNAME &&
		    ldns_dname_compare(rd, n) == 0;

	ldns_rdf_deep_free(n);
	return same;
}

enum ddns_verdict ddns_msg_check(const uint8_t *wire, size_t len, uint16_t id,
				 const struct cfg_tsig_key *key, const ldns_rdf *req_mac,
				 int64_t now_s, struct ddns_answer *ans)
{
	enum ddns_verdict v;
	ldns_pkt *pkt = NULL;
	bool has_tsig;

	memset(ans, 0, sizeof(*ans));
	if (len < LDNS_HEADER_SIZE)
		return DDNS_V_GARBLED;
	ans->id = (uint16_t)(wire[0] << 8 | wire[1]);
	ans->rcode = wire[3] & 0x0f;
	if (ans->id != id)
		return DDNS_V_WRONG_ID;
	/* QR=1, opcode 5 (RFC 2136 sec 2.2). */
	if (!(wire[2] & 0x80) || (wire[2] >> 3 & 0x0f) != LDNS_PACKET_UPDATE)
		return DDNS_V_NOT_ANSWER;
	if (!framing_ok(wire, len, &has_tsig))
		return DDNS_V_GARBLED;
	/* TC: whatever it carries, the whole answer comes over TCP. */
	if (wire[2] & 0x02)
		return DDNS_V_TRUNCATED;
	if (!has_tsig)
		return DDNS_V_UNSIGNED;
	if (ldns_wire2pkt(&pkt, wire, len) != LDNS_STATUS_OK || !pkt)
		return DDNS_V_GARBLED;

	ldns_rr *tsig = ldns_pkt_tsig(pkt);
	if (!tsig || ldns_rr_rd_count(tsig) != 7) {
		v = DDNS_V_GARBLED;
		goto out;
	}
	const ldns_rdf *time_rd = ldns_rr_rdf(tsig, 1), *mac_rd = ldns_rr_rdf(tsig, 3);
	const ldns_rdf *err_rd = ldns_rr_rdf(tsig, 5), *other_rd = ldns_rr_rdf(tsig, 6);
	if (ldns_rdf_size(time_rd) != 6 || ldns_rdf_size(err_rd) != 2 ||
	    ldns_rdf_size(mac_rd) < 2 || ldns_rdf_size(other_rd) < 2) {
		v = DDNS_V_GARBLED;
		goto out;
	}
	ans->tsig_error = ldns_rdf2native_int16(err_rd);
	ans->server_time = get48(ldns_rdf_data(time_rd));
	/* ldns takes the algorithm from the answer: insist on ours and on our key. */
	if (!dname_is(ldns_rr_owner(tsig), key->name) ||
	    !dname_is(ldns_rr_rdf(tsig, 0), key->algorithm)) {
		v = DDNS_V_BAD_KEY;
		goto out;
	}
	/* MAC Size 0: BADSIG, BADKEY and BADTRUNC answers are unsigned (RFC 8945 sec 5.3.2). */
	if (ldns_rdf_size(mac_rd) == 2) {
		bool err = ans->rcode == LDNS_RCODE_NOTAUTH &&
			   (ans->tsig_error == TSIG_BADSIG || ans->tsig_error == TSIG_BADKEY ||
			    ans->tsig_error == TSIG_BADTRUNC);
		v = err ? DDNS_V_TSIG_ERROR : DDNS_V_UNSIGNED;
		goto out;
	}
	/* ldns detaches the TSIG while it works and forgets to put it back on some errors. */
	bool mac_ok = ldns_pkt_tsig_verify(pkt, wire, len, key->name, key->secret_b64, req_mac);
	if (ldns_pkt_tsig(pkt) != tsig)
		ldns_pkt_set_tsig(pkt, tsig);
	if (!mac_ok) {
		v = DDNS_V_BAD_MAC;
		goto out;
	}
	if (ans->tsig_error == TSIG_BADTIME) {
		/* Other Data: the server's clock, 48 bits (RFC 8945 sec 5.2.3). */
		if (ldns_rdf_size(other_rd) == 8)
			ans->server_time = get48(ldns_rdf_data(other_rd) + 2);
		v = DDNS_V_BADTIME;
		goto out;
	}
	if (ans->tsig_error) {
		v = DDNS_V_TSIG_ERROR;
		goto out;
	}
	/* RFC 8945 sec 5.2.3: the answer's own Time Signed must be within its fudge. */
	int64_t skew = (int64_t)ans->server_time - now_s;
	if (skew > DDNS_TSIG_FUDGE || skew < -DDNS_TSIG_FUDGE) {
		v = DDNS_V_BAD_TIME;
		goto out;
	}
	v = DDNS_V_OK;
out:
	ldns_pkt_free(pkt);
	return v;
}
