/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The DNS update engine (ddns_engine.h): requests in, UPDATEs out, answers
 * checked, outcomes reported. This file holds the public API and the
 * transport rules around the state machine of ddns_txn.c:
 *
 *   attempt   one signed message to one server, a fresh DNS id, a deadline
 *             of server_timeout_ms; only an authenticated answer ends it
 *             early (ddns_msg_check), anything else is counted and waited
 *             through
 *   tries     a timeout sends the message again to the same server, up to
 *             tries_per_server attempts; then the server is marked
 *             unreachable and the next server of the domain is tried.
 *             SERVFAIL/NOTIMP/REFUSED/NOTAUTH/BADTIME and a closed port go
 *             to the next server at once (RFC 2136 sec 4)
 *   round     when the domain's last server has failed, the request waits
 *             retry_min_ms (doubling to retry_max_ms per round) in the
 *             queue, keeping the step it reached, and starts over at the
 *             domain's first server
 *   server    unreachable: no request uses it until its back-off
 *             (retry_min_ms, doubling per failed probe) ends; then one
 *             request probes it while the others wait; its first
 *             authenticated answer makes it reachable again
 */
#include "ddns_engine.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ddns_internal.h"
#include "mgmt/lease_view.h"
#include "ddns_zone.h"

#define NS_PER_MS 1000000LL

#define DDNS_COUNTER_NAME(n) #n,
static const char *const counter_names[DDNS_C_COUNT] = { DDNS_COUNTERS(DDNS_COUNTER_NAME) };
#undef DDNS_COUNTER_NAME

const char *ddns_outcome_name(enum ddns_outcome o)
{
	switch (o) {
	case DDNS_OUT_NONE: return "none";
	case DDNS_OUT_OK: return "ok";
	case DDNS_OUT_CONFLICT: return "conflict";
	case DDNS_OUT_REJECTED: return "rejected";
	case DDNS_OUT_NO_ZONE: return "no-zone";
	case DDNS_OUT_SKIPPED: return "skipped";
	}
	return "?";
}

static const char *rcode_name(uint8_t rcode)
{
	static const char *const names[] = { "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
					     "NOTIMP",	"REFUSED", "YXDOMAIN", "YXRRSET",
					     "NXRRSET", "NOTAUTH", "NOTZONE" };

	return rcode < sizeof(names) / sizeof(names[0]) ? names[rcode] : "rcode?";
}

static const char *tsig_error_name(uint16_t err)
{
	switch (err) {
	case 16: return "BADSIG";
	case 17: return "BADKEY";
	case 18: return "BADTIME";
	case 22: return "BADTRUNC";
	default: return "TSIG error";
	}
}

static const char *ncr_verb(const struct ddns_req *r)
{
	return r->ncr.kind == DDNS_NCR_ADD ? "add" : "remove";
}

/* ------------------------------------------------------------------ domains, servers */

static const struct cfg_ddns_domain *step_domain(const struct ddns_engine *e,
						 const struct ddns_req *r)
{
	return ddns_msg_kind_is_fwd(r->kind) ? &e->cfg.forward[r->fwd_dom]
					     : &e->cfg.reverse[r->rev_dom];
}

static struct ddns_server *step_server(struct ddns_engine *e, const struct ddns_req *r,
				       unsigned pos)
{
	bool fwd = ddns_msg_kind_is_fwd(r->kind);
	int dom = fwd ? r->fwd_dom : r->rev_dom;

	return &e->srv[fwd ? e->fwd_srv[dom][pos] : e->rev_srv[dom][pos]];
}

static const struct cfg_tsig_key *step_key(const struct ddns_engine *e, const struct ddns_req *r)
{
	return &e->cfg.keys[step_domain(e, r)->key];
}

static void srv_down(struct ddns_engine *e, struct ddns_server *s, int64_t now_ns, bool from_probe,
		     const char *why)
{
	if (s->state == DDNS_SRV_UP) {
		s->state = DDNS_SRV_DOWN;
		s->backoff_ms = e->cfg.retry_min_ms;
		ddns_log_line(e, true, "DNS server %s unreachable (%s); its updates wait %u ms",
			      s->label, why, s->backoff_ms);
	} else if (from_probe) {
		s->backoff_ms = s->backoff_ms * 2 > e->cfg.retry_max_ms ? e->cfg.retry_max_ms
									: s->backoff_ms * 2;
	} else {
		return;
	}
	s->down_until_ns = now_ns + s->backoff_ms * NS_PER_MS;
	s->st.reachable = false;
	if (s->down_until_ns < e->next_wake_ns)
		e->next_wake_ns = s->down_until_ns;
}

static void srv_up(struct ddns_engine *e, struct ddns_server *s)
{
	if (s->state == DDNS_SRV_DOWN) {
		s->state = DDNS_SRV_UP;
		s->backoff_ms = 0;
		ddns_log_line(e, false, "DNS server %s answers again", s->label);
		e->dirty = true;
	}
	s->st.reachable = true;
}

static bool srv_usable(const struct ddns_server *s, int64_t now_ns)
{
	return s->state == DDNS_SRV_UP || (now_ns >= s->down_until_ns && !s->probe);
}

/* The first usable server of r's step from r->srv_pos on; NULL and *wake when none. */
static struct ddns_server *pick_server(struct ddns_engine *e, struct ddns_req *r, int64_t now_ns,
				       int64_t *wake)
{
	const struct cfg_ddns_domain *d = step_domain(e, r);

	for (unsigned pos = r->srv_pos; pos < d->n_servers; pos++) {
		struct ddns_server *s = step_server(e, r, pos);
		if (srv_usable(s, now_ns)) {
			r->srv_pos = pos;
			return s;
		}
		if (!s->probe && s->down_until_ns < *wake)
			*wake = s->down_until_ns;
	}
	return NULL;
}

/* ------------------------------------------------------------------ requests */

static void count_outcome(struct ddns_engine *e, enum ddns_outcome o)
{
	if (o == DDNS_OUT_OK)
		ddns_count(e, DDNS_C_ok, 1);
	else if (o == DDNS_OUT_CONFLICT)
		ddns_count(e, DDNS_C_conflicts, 1);
	else if (o == DDNS_OUT_REJECTED)
		ddns_count(e, DDNS_C_rejected, 1);
}

/* End r's attempt in flight, if any: its id, its deadline, its TCP connection. */
static void attempt_end(struct ddns_engine *e, struct ddns_req *r)
{
	struct ddns_server *s = r->srv;

	if (!s)
		return;
	if (s->by_id[r->id] == r)
		s->by_id[r->id] = NULL;
	if (s->probe == r)
		s->probe = NULL;
	ddns_inflight_remove(e, r);
	ddns_io_tcp_close(r);
	s->st.in_flight--;
	ddns_count(e, DDNS_C_in_flight, -1);
	r->srv = NULL;
}

static void finish(struct ddns_engine *e, struct ddns_req *r)
{
	attempt_end(e, r);
	if (r->where == DDNS_R_ACTIVE)
		e->n_active--;
	else if (r->where == DDNS_R_QUEUED)
		ddns_queue_remove(e, r);
	ldns_pkt_free(r->pkt);
	r->pkt = NULL;
	ldns_rdf_deep_free(r->mac);
	r->mac = NULL;
	ddns_queue_unlink(e, r);
	count_outcome(e, r->res.fwd);
	count_outcome(e, r->res.rev);
	ddns_done_push(e, r);
	e->dirty = true;
}

/* r (active) waits in the queue: for a server, or until not_before. */
static void park(struct ddns_engine *e, struct ddns_req *r)
{
	e->n_active--;
	r->srv_pos = 0;
	r->tries = 0;
	ddns_queue_push(e, r);
	if (r->not_before_ns < e->next_wake_ns)
		e->next_wake_ns = r->not_before_ns;
}

static void send_attempt(struct ddns_engine *e, struct ddns_req *r, struct ddns_server *s,
			 int64_t now_ns);
static void step_result(struct ddns_engine *e, struct ddns_req *r, enum ddns_txn_step st,
			int64_t now_ns);

/* Every server of the step failed this round: back off, keep the step. */
static void round_failed(struct ddns_engine *e, struct ddns_req *r, int64_t now_ns)
{
	char ip[16];

	lease_view_ip(r->ncr.ip, ip, sizeof(ip));
	ddns_log_req(e, now_ns, true,
		     "%s %s (%s): every server of %s failed (last: %s); again in %u ms",
		     ncr_verb(r), r->ncr.fqdn, ip, step_domain(e, r)->name, r->why, r->backoff_ms);
	r->not_before_ns = now_ns + r->backoff_ms * NS_PER_MS;
	r->backoff_ms =
	    r->backoff_ms * 2 > e->cfg.retry_max_ms ? e->cfg.retry_max_ms : r->backoff_ms * 2;
	ddns_count(e, DDNS_C_requeued, 1);
	r->resent = true; /* the next round sends this step again */
	park(e, r);
}

static void next_server(struct ddns_engine *e, struct ddns_req *r, int64_t now_ns)
{
	int64_t wake = INT64_MAX;
	struct ddns_server *s;

	r->srv_pos++;
	r->tries = 0;
	s = pick_server(e, r, now_ns, &wake);
	if (!s) {
		round_failed(e, r, now_ns);
		return;
	}
	ddns_count(e, DDNS_C_retries, 1);
	s->st.retries++;
	send_attempt(e, r, s, now_ns);
}

enum fail_kind {
	FAIL_TIMEOUT, /* no authenticated answer in time */
	FAIL_REFUSED, /* the port is closed, the TCP connection failed */
	FAIL_ANSWER, /* an authenticated answer that asks for another server */
};

static void attempt_failed(struct ddns_engine *e, struct ddns_req *r, int64_t now_ns,
			   enum fail_kind f, const char *why)
{
	struct ddns_server *s = r->srv;
	bool was_probe = s->probe == r;

	attempt_end(e, r);
	snprintf(r->why, sizeof(r->why), "%s: %s", s->label, why);
	snprintf(s->st.last_error, sizeof(s->st.last_error), "%s", r->why);
	s->st.failed++;
	if (f == FAIL_ANSWER) {
		srv_up(e, s);
		next_server(e, r, now_ns);
		return;
	}
	if (f == FAIL_REFUSED) {
		srv_down(e, s, now_ns, was_probe, why);
		next_server(e, r, now_ns);
		return;
	}
	ddns_count(e, DDNS_C_timeouts, 1);
	s->st.timeouts++;
	if (was_probe || s->state == DDNS_SRV_DOWN) {
		srv_down(e, s, now_ns, was_probe, why);
		next_server(e, r, now_ns);
		return;
	}
	if (++r->tries < e->cfg.tries_per_server) {
		ddns_count(e, DDNS_C_retries, 1);
		s->st.retries++;
		send_attempt(e, r, s, now_ns);
		return;
	}
	char what[96];
	snprintf(what, sizeof(what), "%s, %u tries", why, e->cfg.tries_per_server);
	srv_down(e, s, now_ns, false, what);
	next_server(e, r, now_ns);
}

/* A step that cannot be sent at all (no memory, a key that stopped signing): final. */
static void step_impossible(struct ddns_engine *e, struct ddns_req *r, int64_t now_ns,
			    const char *why)
{
	ddns_log_req(e, now_ns, true, "%s %s: cannot build %s (%s); not updated", ncr_verb(r),
		     r->ncr.fqdn, ddns_msg_kind_name(r->kind), why);
	step_result(e, r, ddns_txn_answer(r, LDNS_RCODE_FORMERR), now_ns);
}

static void send_attempt(struct ddns_engine *e, struct ddns_req *r, struct ddns_server *s,
			 int64_t now_ns)
{
	uint8_t *wire;
	size_t len;
	int rc;

	if (!r->pkt) {
		struct ddns_msg_args a = { .zone = step_domain(e, r)->name,
					   .fqdn = r->ncr.fqdn,
					   .rname = r->rname,
					   .ip = r->ncr.ip,
					   .ttl = r->ncr.ttl,
					   .dhcid = r->ncr.dhcid };
		r->pkt = ddns_msg_build(r->kind, &a);
		if (!r->pkt) {
			step_impossible(e, r, now_ns, "bad name or no memory");
			return;
		}
	}
	r->id = ddns_io_new_id(e, s);
	ldns_rdf_deep_free(r->mac);
	rc = ddns_msg_sign(r->pkt, r->id, step_key(e, r), &wire, &len, &r->mac);
	if (rc < 0) {
		step_impossible(e, r, now_ns, rc == -EINVAL ? "TSIG signing failed" : "no memory");
		return;
	}
	if (r->srv_pos || r->tries)
		r->resent = true;
	r->srv = s;
	r->attempt++;
	r->seen_tsig_error = 0;
	r->use_tcp = r->use_tcp || e->tcp_only;
	r->sock = r->use_tcp ? -1 : (int)(s->next_sock++ % DDNS_UDP_SOCKS);
	if (s->state == DDNS_SRV_DOWN)
		s->probe = r;
	s->by_id[r->id] = r;
	r->deadline_ns = now_ns + (int64_t)e->cfg.server_timeout_ms * NS_PER_MS;
	ddns_inflight_push(e, r);
	s->st.in_flight++;
	s->st.sent++;
	ddns_count(e, DDNS_C_in_flight, 1);
	ddns_count(e, DDNS_C_sent, 1);
	if (r->use_tcp)
		ddns_count(e, DDNS_C_tcp, 1);
	rc = ddns_io_send(e, r, wire, len);
	free(wire);
	if (rc < 0) {
		char why[64];
		snprintf(why, sizeof(why), "%s: %s", r->use_tcp ? "TCP" : "send", strerror(-rc));
		attempt_failed(e, r, now_ns, FAIL_REFUSED, why);
	}
}

static void step_result(struct ddns_engine *e, struct ddns_req *r, enum ddns_txn_step st,
			int64_t now_ns)
{
	int64_t wake = INT64_MAX;
	struct ddns_server *s;

	if (st != DDNS_TXN_SEND) {
		finish(e, r);
		return;
	}
	/* A new step: a new message, maybe another zone; from its first server. */
	ldns_pkt_free(r->pkt);
	r->pkt = NULL;
	r->srv_pos = 0;
	r->tries = 0;
	r->resent = false;
	s = pick_server(e, r, now_ns, &wake);
	if (s) {
		send_attempt(e, r, s, now_ns);
		return;
	}
	r->not_before_ns = 0;
	park(e, r);
	if (wake < e->next_wake_ns)
		e->next_wake_ns = wake;
}

static void log_outcome_change(struct ddns_engine *e, const struct ddns_req *r,
			       struct ddns_result before, struct ddns_server *s, uint8_t rcode,
			       int64_t now_ns)
{
	char ip[16];

	lease_view_ip(r->ncr.ip, ip, sizeof(ip));
	if (r->res.fwd == DDNS_OUT_CONFLICT && before.fwd != DDNS_OUT_CONFLICT) {
		if (r->ncr.kind == DDNS_NCR_ADD)
			ddns_log_req(e, now_ns, false,
				     "%s is held by another client (DHCID differs); not updated",
				     r->ncr.fqdn);
		else
			ddns_log_req(
			    e, now_ns, false,
			    "%s (%s) not removed: its records are another client's, or gone",
			    r->ncr.fqdn, ip);
	}
	if (r->res.rev == DDNS_OUT_CONFLICT && before.rev != DDNS_OUT_CONFLICT)
		ddns_log_req(e, now_ns, false,
			     "%s not removed: its PTR is not %s with our DHCID, or it is gone",
			     r->rname, r->ncr.fqdn);
	if ((r->res.fwd == DDNS_OUT_REJECTED && before.fwd != DDNS_OUT_REJECTED) ||
	    (r->res.rev == DDNS_OUT_REJECTED && before.rev != DDNS_OUT_REJECTED))
		ddns_log_req(e, now_ns, true, "%s %s (%s): %s answered %s to %s; not updated",
			     ncr_verb(r), r->ncr.fqdn, ip, s->label, rcode_name(rcode),
			     ddns_msg_kind_name(r->kind));
}

static void on_authentic(struct ddns_engine *e, struct ddns_req *r, const struct ddns_answer *ans,
			 int64_t now_ns)
{
	struct ddns_server *s = r->srv;
	struct ddns_result before = r->res;
	enum ddns_msg_kind kind = r->kind;

	s->st.tsig_alarm = false;
	srv_up(e, s);
	enum ddns_txn_step st = ddns_txn_answer(r, ans->rcode);
	enum ddns_msg_kind next = r->kind;
	if (st == DDNS_TXN_RETRY) {
		char why[48];
		snprintf(why, sizeof(why), "%s to %s", rcode_name(ans->rcode),
			 ddns_msg_kind_name(kind));
		attempt_failed(e, r, now_ns, FAIL_ANSWER, why);
		return;
	}
	s->st.ok++;
	if ((r->res.fwd == DDNS_OUT_CONFLICT && before.fwd != DDNS_OUT_CONFLICT) ||
	    (r->res.rev == DDNS_OUT_CONFLICT && before.rev != DDNS_OUT_CONFLICT))
		s->st.conflicts++;
	r->kind = kind; /* for the log line: the message that got this answer */
	log_outcome_change(e, r, before, s, ans->rcode, now_ns);
	r->kind = next;
	attempt_end(e, r);
	step_result(e, r, st, now_ns);
}

void ddns_engine_on_answer(struct ddns_engine *e, struct ddns_server *s, int sock,
			   struct ddns_req *r, const uint8_t *wire, size_t len, int64_t now_ns)
{
	struct ddns_answer ans;

	if (!r) {
		uint16_t id = len >= 2 ? (uint16_t)(wire[0] << 8 | wire[1]) : 0;
		r = len >= 2 ? s->by_id[id] : NULL;
		if (!r || r->use_tcp || r->sock != sock) {
			ddns_count(e, DDNS_C_bad_answers, 1);
			s->st.bad_answers++;
			ddns_log_srv(e, s, now_ns,
				     "%s: an answer (id %u, %zu octets) for no update in flight",
				     s->label, id, len);
			return;
		}
	}
	const struct cfg_tsig_key *key = step_key(e, r);
	enum ddns_verdict v =
	    ddns_msg_check(wire, len, r->id, key, r->mac, (int64_t)time(NULL), &ans);
	switch (v) {
	case DDNS_V_OK: on_authentic(e, r, &ans, now_ns); return;
	case DDNS_V_TRUNCATED:
		if (!r->use_tcp) {
			attempt_end(e, r);
			r->use_tcp = true;
			r->resent = true; /* the server may have applied the truncated one */
			send_attempt(e, r, s, now_ns);
			return;
		}
		break; /* TC over TCP: garbage */
	case DDNS_V_TSIG_ERROR:
	case DDNS_V_BADTIME: {
		ddns_count(e, DDNS_C_tsig_bad, 1);
		s->st.tsig_bad++;
		s->st.tsig_alarm = true;
		char hint[96];
		if (ans.tsig_error == 16)
			snprintf(hint, sizeof(hint), "check the secret");
		else if (ans.tsig_error == 17)
			snprintf(hint, sizeof(hint), "the server has no key of that name and %s",
				 key->algorithm);
		else if (ans.tsig_error == 18)
			snprintf(hint, sizeof(hint), "its clock is %lld s off ours: check NTP",
				 (long long)ans.server_time - (long long)time(NULL));
		else
			snprintf(hint, sizeof(hint), "error %u", ans.tsig_error);
		ddns_log_srv(e, s, now_ns, "DNS server %s rejected our TSIG key %s: %s — %s",
			     s->label, key->name, tsig_error_name(ans.tsig_error), hint);
		if (v ==
		    DDNS_V_BADTIME) { /* signed: the server's word; another server may agree less */
			attempt_failed(e, r, now_ns, FAIL_ANSWER, "BADTIME");
			return;
		}
		/* Unsigned: anyone could have sent it (RFC 8945 sec 5.3.2); wait on. */
		r->seen_tsig_error = ans.tsig_error;
		if (r->use_tcp)
			ddns_io_tcp_close(r);
		return;
	}
	case DDNS_V_UNSIGNED:
	case DDNS_V_BAD_KEY:
	case DDNS_V_BAD_MAC:
	case DDNS_V_BAD_TIME:
		ddns_count(e, DDNS_C_tsig_bad, 1);
		s->st.tsig_bad++;
		ddns_log_srv(e, s, now_ns, "%s: an answer to %s %s is %s; ignored", s->label,
			     ddns_msg_kind_name(r->kind), r->ncr.fqdn, ddns_verdict_name(v));
		if (r->use_tcp)
			ddns_io_tcp_close(r);
		return;
	default: break;
	}
	ddns_count(e, DDNS_C_bad_answers, 1);
	s->st.bad_answers++;
	ddns_log_srv(e, s, now_ns, "%s: an answer to %s %s is %s; ignored", s->label,
		     ddns_msg_kind_name(r->kind), r->ncr.fqdn, ddns_verdict_name(v));
	if (r->use_tcp)
		ddns_io_tcp_close(r);
}

void ddns_engine_on_refused(struct ddns_engine *e, struct ddns_server *s, struct ddns_req *r,
			    const char *why, int64_t now_ns)
{
	if (r) {
		attempt_failed(e, r, now_ns, FAIL_REFUSED, why);
		return;
	}
	/* An ICMP error on a UDP socket: it is for one of them; the port is shut for all. */
	for (struct ddns_req *x = e->t_head, *next; x; x = next) {
		next = x->t_next;
		if (x->srv == s && !x->use_tcp)
			attempt_failed(e, x, now_ns, FAIL_REFUSED, why);
	}
	srv_down(e, s, now_ns, false, why);
}

/* ------------------------------------------------------------------ poll */

static void expire(struct ddns_engine *e, int64_t now_ns)
{
	while (e->t_head && e->t_head->deadline_ns <= now_ns) {
		struct ddns_req *r = e->t_head;
		char why[96];
		if (r->seen_tsig_error)
			snprintf(why, sizeof(why), "%s (unsigned), no valid answer in %u ms",
				 tsig_error_name(r->seen_tsig_error), e->cfg.server_timeout_ms);
		else
			snprintf(why, sizeof(why), "no answer in %u ms", e->cfg.server_timeout_ms);
		attempt_failed(e, r, now_ns, FAIL_TIMEOUT, why);
	}
}

static void schedule(struct ddns_engine *e, int64_t now_ns)
{
	if (!e->dirty && now_ns < e->next_wake_ns)
		return;
	e->dirty = false;
	e->next_wake_ns = INT64_MAX;
	for (struct ddns_req *r = e->q_head, *next; r && e->n_active < e->cfg.max_in_flight;
	     r = next) {
		next = r->q_next;
		if (r->not_before_ns > now_ns) {
			if (r->not_before_ns < e->next_wake_ns)
				e->next_wake_ns = r->not_before_ns;
			continue;
		}
		if (!ddns_queue_is_turn(e, r))
			continue; /* its elder's end sets dirty */
		int64_t wake = INT64_MAX;
		struct ddns_server *s = pick_server(e, r, now_ns, &wake);
		if (!s) {
			if (wake < e->next_wake_ns)
				e->next_wake_ns = wake;
			continue;
		}
		ddns_queue_remove(e, r);
		r->where = DDNS_R_ACTIVE;
		e->n_active++;
		send_attempt(e, r, s, now_ns);
	}
}

static void deliver(struct ddns_engine *e)
{
	struct ddns_req *r;

	while ((r = ddns_done_pop(e))) {
		e->n_undelivered--;
		ddns_count(e, DDNS_C_done, 1);
		if (e->done)
			e->done(e->ctx, &r->ncr, &r->res);
		free(r);
	}
}

void ddns_engine_poll(struct ddns_engine *e, int64_t now_ns)
{
	e->now_ns = now_ns;
	ddns_io_poll(e, now_ns);
	expire(e, now_ns);
	schedule(e, now_ns);
	deliver(e);
}

/* ------------------------------------------------------------------ submit */

static uint32_t hash_bytes(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint32_t h = 2166136261u; /* FNV-1a */

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 16777619u;
	return h;
}

static bool key_ok(const struct ddns_engine *e, const struct cfg_ddns_domain *d)
{
	return d->key >= 0 && (unsigned)d->key < e->cfg.n_keys;
}

int ddns_engine_submit(struct ddns_engine *e, const struct ddns_ncr *ncr)
{
	int64_t now_ns = e->now_ns; /* for the log limiter: the last poll's time is close enough */
	size_t fl = strnlen(ncr->fqdn, sizeof(ncr->fqdn));
	struct ddns_req *r;

	if ((ncr->kind != DDNS_NCR_ADD && ncr->kind != DDNS_NCR_REMOVE) ||
	    ncr->mode > CFG_DDNS_NO_CHECK_WITHOUT_DHCID || (!ncr->fwd && !ncr->rev) || fl < 2 ||
	    fl >= sizeof(ncr->fqdn) || ncr->fqdn[fl - 1] != '.') {
		ddns_count(e, DDNS_C_refused, 1);
		return -EINVAL;
	}
	if (ncr->kind == DDNS_NCR_ADD && e->n_queued >= e->cfg.max_queue) {
		ddns_count(e, DDNS_C_dropped_adds, 1);
		ddns_log_req(e, now_ns, true, "queue full (%u waiting): add %s dropped",
			     e->n_queued, ncr->fqdn);
		return -ENOSPC;
	}
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->ncr = *ncr;
	for (size_t i = 0; i < fl; i++)
		if (r->ncr.fqdn[i] >= 'A' && r->ncr.fqdn[i] <= 'Z')
			r->ncr.fqdn[i] = (char)(r->ncr.fqdn[i] - 'A' + 'a');
	ddns_msg_reverse_name(ncr->ip, r->rname);
	r->fwd_dom = ncr->fwd ? ddns_zone_match(e->cfg.forward, e->cfg.n_forward, r->ncr.fqdn) : -1;
	r->rev_dom = ncr->rev ? ddns_zone_match(e->cfg.reverse, e->cfg.n_reverse, r->rname) : -1;
	if ((r->fwd_dom >= 0 && !key_ok(e, &e->cfg.forward[r->fwd_dom])) ||
	    (r->rev_dom >= 0 && !key_ok(e, &e->cfg.reverse[r->rev_dom]))) {
		ddns_count(e, DDNS_C_refused, 1);
		ddns_log_req(e, now_ns, true, "%s: its zone has no TSIG key; never sent unsigned",
			     r->ncr.fqdn);
		free(r);
		return -EPERM;
	}
	if (ncr->fwd && r->fwd_dom < 0) {
		r->res.fwd = DDNS_OUT_NO_ZONE;
		ddns_count(e, DDNS_C_no_zone, 1);
		ddns_log_req(e, now_ns, true, "no forward zone for %s; not updated", r->ncr.fqdn);
	}
	if (ncr->rev && r->rev_dom < 0) {
		r->res.rev = DDNS_OUT_NO_ZONE;
		ddns_count(e, DDNS_C_no_zone, 1);
		ddns_log_req(e, now_ns, true, "no reverse zone for %s; not updated", r->rname);
	}
	r->seq = e->next_seq++;
	r->fqdn_hash = hash_bytes(r->ncr.fqdn, fl);
	r->dhcid_hash = hash_bytes(r->ncr.dhcid, sizeof(r->ncr.dhcid));
	r->keyed_dhcid = ncr->mode != CFG_DDNS_NO_CHECK_WITHOUT_DHCID;
	r->backoff_ms = e->cfg.retry_min_ms;
	r->sock = -1;
	ddns_count(e, DDNS_C_submitted, 1);
	e->n_undelivered++;
	if (ddns_txn_first(r) == DDNS_TXN_DONE) {
		ddns_done_push(e, r); /* nothing to send: reported by the next poll */
		return 0;
	}
	ddns_queue_link(e, r);
	ddns_queue_push(e, r);
	return 0;
}

/* ------------------------------------------------------------------ life */

static int check_key(struct ddns_engine *e, const struct cfg_tsig_key *k)
{
	ldns_pkt *p;
	bool ok = ddns_msg_key_ok(k);

	/* And sign once: whatever else ldns may object to shows now, not at the first lease. */
	if (ok) {
		p = ldns_pkt_new();
		if (!p)
			return -ENOMEM;
		ok = ldns_pkt_tsig_sign(p, k->name, k->secret_b64, DDNS_TSIG_FUDGE, k->algorithm,
					NULL) == LDNS_STATUS_OK;
		ldns_pkt_free(p);
	}
	if (!ok) {
		ddns_log_line(e, true,
			      "TSIG key %s (%s): ldns cannot sign with it (algorithm or secret)",
			      k->name, k->algorithm);
		return -EINVAL;
	}
	return 0;
}

static int add_servers(struct ddns_engine *e, const struct cfg_ddns_domain *d,
		       uint16_t map[CFG_DDNS_MAX_SERVERS])
{
	if (!d->n_servers || d->n_servers > CFG_DDNS_MAX_SERVERS) {
		ddns_log_line(e, true, "domain %s has no DNS server", d->name);
		return -EINVAL;
	}
	for (unsigned i = 0; i < d->n_servers; i++) {
		unsigned j;
		for (j = 0; j < e->n_srv; j++)
			if (e->srv[j].ip == d->servers[i].ip &&
			    e->srv[j].port == d->servers[i].port)
				break;
		if (j == e->n_srv) {
			struct ddns_server *s = &e->srv[e->n_srv++];
			s->ip = d->servers[i].ip;
			s->port = d->servers[i].port ? d->servers[i].port : 53;
			char ip[16];
			lease_view_ip(s->ip, ip, sizeof(ip));
			snprintf(s->label, sizeof(s->label), "%s:%u", ip, s->port);
			s->st.ip = s->ip;
			s->st.port = s->port;
			s->st.reachable = true;
			int rc = ddns_io_server_open(s);
			if (rc < 0) {
				ddns_log_line(e, true, "DNS server %s: socket: %s", s->label,
					      strerror(-rc));
				return rc;
			}
		}
		map[i] = (uint16_t)j;
	}
	return 0;
}

struct ddns_engine *ddns_engine_new(const struct cfg_ddns *cfg, ddns_done_fn *done, void *ctx)
{
	struct ddns_engine *e = calloc(1, sizeof(*e));
	int rc = -ENOMEM;

	if (!e) {
		errno = ENOMEM;
		return NULL;
	}
	e->cfg = *cfg;
	e->done = done;
	e->ctx = ctx;
	if (!e->cfg.server_timeout_ms)
		e->cfg.server_timeout_ms = 500;
	if (!e->cfg.tries_per_server)
		e->cfg.tries_per_server = 3;
	if (!e->cfg.retry_min_ms)
		e->cfg.retry_min_ms = 1000;
	if (!e->cfg.retry_max_ms)
		e->cfg.retry_max_ms = 60000;
	if (e->cfg.retry_max_ms < e->cfg.retry_min_ms)
		e->cfg.retry_max_ms = e->cfg.retry_min_ms;
	if (!e->cfg.max_in_flight)
		e->cfg.max_in_flight = 32;
	if (!e->cfg.max_queue)
		e->cfg.max_queue = 1024;
	e->next_wake_ns = INT64_MAX;
	e->block.name = "ddns";
	e->block.n = DDNS_C_COUNT;
	e->block.names = counter_names;
	e->block.values = e->ctr;
	if (e->cfg.n_keys > CFG_DDNS_MAX_KEYS || e->cfg.n_forward > CFG_DDNS_MAX_DOMAINS ||
	    e->cfg.n_reverse > CFG_DDNS_MAX_DOMAINS) {
		rc = -EINVAL;
		goto fail;
	}
	e->srv = calloc(2 * CFG_DDNS_MAX_DOMAINS * CFG_DDNS_MAX_SERVERS, sizeof(*e->srv));
	e->pfd = calloc(e->cfg.max_in_flight, sizeof(*e->pfd));
	e->pfd_req = calloc(e->cfg.max_in_flight, sizeof(*e->pfd_req));
	e->pfd_attempt = calloc(e->cfg.max_in_flight, sizeof(*e->pfd_attempt));
	if (!e->srv || !e->pfd || !e->pfd_req || !e->pfd_attempt || ddns_queue_init(e) < 0)
		goto fail;
	for (unsigned i = 0; i < e->cfg.n_keys; i++)
		if ((rc = check_key(e, &e->cfg.keys[i])) < 0)
			goto fail;
	for (unsigned i = 0; i < e->cfg.n_forward; i++)
		if ((rc = add_servers(e, &e->cfg.forward[i], e->fwd_srv[i])) < 0)
			goto fail;
	for (unsigned i = 0; i < e->cfg.n_reverse; i++)
		if ((rc = add_servers(e, &e->cfg.reverse[i], e->rev_srv[i])) < 0)
			goto fail;
	return e;
fail:
	ddns_engine_free(e);
	errno = -rc;
	return NULL;
}

static void free_list(struct ddns_req *r, bool by_t)
{
	while (r) {
		struct ddns_req *next = by_t ? r->t_next : r->q_next;
		ddns_io_tcp_close(r);
		ldns_pkt_free(r->pkt);
		ldns_rdf_deep_free(r->mac);
		free(r);
		r = next;
	}
}

void ddns_engine_free(struct ddns_engine *e)
{
	if (!e)
		return;
	/* Active requests are exactly those with an attempt in flight; the rest are queued or done. */
	free_list(e->t_head, true);
	free_list(e->q_head, false);
	free_list(e->d_head, false);
	for (unsigned i = 0; e->srv && i < e->n_srv; i++)
		ddns_io_server_close(&e->srv[i]);
	ddns_queue_fini(e);
	free(e->srv);
	free(e->pfd);
	free(e->pfd_req);
	free(e->pfd_attempt);
	free(e);
}

/* ------------------------------------------------------------------ read-outs */

unsigned ddns_engine_fds(const struct ddns_engine *e, int *fds, unsigned max)
{
	unsigned n = 0;

	for (unsigned i = 0; i < e->n_srv; i++)
		for (unsigned j = 0; j < DDNS_UDP_SOCKS; j++, n++)
			if (n < max)
				fds[n] = e->srv[i].udp[j];
	return n;
}

unsigned ddns_engine_pending(const struct ddns_engine *e) { return e->n_undelivered; }

void ddns_engine_set_tcp_only(struct ddns_engine *e, bool tcp_only) { e->tcp_only = tcp_only; }

const struct counter_block *ddns_engine_counters(const struct ddns_engine *e) { return &e->block; }

uint64_t ddns_engine_counter(const struct ddns_engine *e, enum ddns_counter c)
{
	return (unsigned)c < DDNS_C_COUNT ? atomic_load_explicit(&e->ctr[c], memory_order_relaxed)
					  : 0;
}

unsigned ddns_engine_n_servers(const struct ddns_engine *e) { return e->n_srv; }

int ddns_engine_server_stats(const struct ddns_engine *e, unsigned i, struct ddns_server_stats *out)
{
	if (i >= e->n_srv)
		return -ENOENT;
	*out = e->srv[i].st;
	out->reachable = e->srv[i].state == DDNS_SRV_UP;
	return 0;
}

const char *ddns_engine_last_error(const struct ddns_engine *e) { return e->last_error; }
