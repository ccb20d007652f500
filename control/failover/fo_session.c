/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The failover session (draft-12 sec 7, 8; failover.md sec 6, 7, 12):
 * connection set-up, CONNECT/CONNECTACK validation, STATE, CONTACT and the
 * receive timer, the state machine's actions, and the view the workers
 * read. The binding updates are fo_updates.c.
 *
 * Who connects: both roles try to reach the partner, and both accept a
 * connection from it, as ISC dhcpd does; on any link the primary sends
 * CONNECT and the secondary waits for it (an ISC primary sends CONNECT on
 * every link it holds, so a secondary's connection is a prompt, not a
 * second session). A bare TCP close is how an ISC peer goes away: it is
 * a lost connection, never an error.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <urcu-qsbr.h>

#include "base/mono_clock.h"
#include "control.h"
#include "fo_internal.h"

#define FO_LINK_STARTUP_SECS 15 /* ISC's wait for the first message on a link */
#define FO_MAX_SKEW_SECS 60 /* ISC refuses CONNECT/CONNECTACK beyond this (reject 4) */
#define FO_CONNECT_RETRY_MAX_S 5 /* ISC retries 5 s after a disconnect */
#define FO_CONNECT_RETRY_MS 250 /* a refused attempt, a lost session: see link_lost() */
#define FO_SECONDARY_DELAY_MS 500 /* the secondary's extra wait: see link_lost() */
#define FO_PROTOCOL_VERSION 1
#define FO_VENDOR_CLASS "leasewire"
/* Messages handled per loop pass: a whole window of BNDUPDs and their BNDACKs. */
#define FO_MSGS_PER_PASS 2048u

uint32_t fo_now(void) { return (uint32_t)time(NULL); }

void fo_log(struct fo_session *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->st.last_event, sizeof(s->st.last_event), fmt, ap);
	va_end(ap);
	fprintf(stderr, "leasewired: failover %s: %s\n", s->cfg->name, s->st.last_event);
}

void fo_start(struct fo_session *s, struct fo_builder *b, uint8_t *buf, uint8_t type,
	      const uint32_t *xid)
{
	fo_build_start(b, buf, FO_MSG_MAX, type, fo_now(), xid ? *xid : s->xid++);
}

int fo_send(struct fo_session *s, const uint8_t *msg, int len)
{
	if (len < 0) {
		fo_log(s, "internal error: a message could not be built (%s)", strerror(-len));
		return len;
	}
	int rc = fo_link_send(&s->link, msg, (size_t)len);
	if (rc == -ENOBUFS) {
		/* The partner stopped reading: it is not taking part any more. */
		fo_log(s, "the partner stopped reading (%zu bytes unsent): closing the connection",
		       fo_link_backlog(&s->link));
		fo_link_close(&s->link, "the partner stopped reading");
		return rc;
	}
	if (rc == 0) {
		s->last_tx_ns = mono_clock_ns();
		FO_COUNT(s, msgs_sent);
	}
	return rc;
}

/* ------------------------------------------------------------------ view */

static unsigned popcount32(const uint8_t map[32])
{
	unsigned n = 0;
	for (int i = 0; i < 32; i++)
		n += (unsigned)__builtin_popcount(map[i]);
	return n;
}

static void publish_view(struct fo_session *s, bool first)
{
	struct failover_view *v = calloc(1, sizeof(*v));
	if (!v) {
		fo_log(s, "out of memory for the workers' failover view; service unchanged");
		return;
	}
	v->mode = fo_fsm_service(&s->fsm);
	v->primary = s->cfg->role == CFG_FO_ROLE_PRIMARY;
	v->mclt_secs = s->fsm.rec.mclt;
	v->lb_max_secs = s->cfg->lb_max_secs;
	/* FREE addresses are the primary's, BACKUP ones the secondary's (draft-12 sec 5.4). */
	v->alloc_from = v->primary ? ALLOC_FREE : ALLOC_BACKUP;
	s->took_partner_pool = fo_fsm_may_take_partner_pool(&s->fsm, (int64_t)fo_now());
	if (s->took_partner_pool)
		v->alloc_from = ALLOC_FREE | ALLOC_BACKUP;
	for (int i = 0; i < 32; i++)
		v->our_buckets[i] = v->primary ? s->hba_primary[i] : (uint8_t)~s->hba_primary[i];
	s->st.buckets_served = (uint16_t)popcount32(v->our_buckets);
	struct failover_view *old = rcu_xchg_pointer(s->view, v);
	if (first || old == &failover_view_standalone || !old)
		return;
	/* The control thread is offline (control.h): waiting here is a few worker loops. */
	synchronize_rcu();
	free(old);
}

/* -------------------------------------------------------------- actions */

static void send_state(struct fo_session *s)
{
	struct fo_builder b;
	uint8_t buf[FO_MSG_MAX];

	if (s->proto != FO_PROTO_ESTABLISHED)
		return;
	fo_start(s, &b, buf, FO_MSG_STATE, NULL);
	fo_build_server_state(&b, fo_fsm_state(&s->fsm));
	fo_build_server_flags(&b, s->fsm.startup ? FO_SERVER_FLAG_STARTUP : 0);
	fo_build_start_time_of_state(&b, (uint32_t)s->fsm.rec.stos);
	fo_send(s, buf, fo_build_finish(&b));
}

static void send_empty(struct fo_session *s, uint8_t type)
{
	struct fo_builder b;
	uint8_t buf[FO_MSG_MAX];

	if (s->proto != FO_PROTO_ESTABLISHED)
		return;
	fo_start(s, &b, buf, type, NULL);
	fo_send(s, buf, fo_build_finish(&b));
}

static void sync_status(struct fo_session *s)
{
	struct fo_status *st = &s->st;

	st->state = fo_fsm_state(&s->fsm);
	st->startup = s->fsm.startup;
	st->stos = s->fsm.rec.stos;
	st->partner_known = s->fsm.partner_known;
	st->partner_state = s->fsm.partner_state;
	st->partner_startup = s->fsm.partner_startup;
	st->partner_stos = s->fsm.partner_stos;
	st->connected = s->proto == FO_PROTO_ESTABLISHED;
	st->connected_since = st->connected ? s->connected_since : 0;
	st->mclt = s->fsm.rec.mclt;
	st->unacked = s->up.n_inflight;
	st->queued = s->up.q_len;
	st->partner_max_unacked = s->partner_max_unacked;
	fo_status_publish(s->board, st);
}

void fo_session_actions(struct fo_session *s, unsigned acts, uint8_t was)
{
	if (!acts)
		return;
	if (acts & FO_DO_PERSIST) {
		int rc = fo_store_write(s->state_path, &s->fsm.rec);
		if (rc < 0) {
			FO_COUNT(s, store_write_errors);
			fo_log(s,
			       "ALARM: cannot record the failover state in %s: %s; a restart may "
			       "resume an older state",
			       s->state_path, strerror(-rc));
		}
	}
	if (fo_fsm_state(&s->fsm) != was) {
		FO_COUNT(s, state_changes);
		fo_log(s, "I move from %s to %s (partner %s%s)", fo_server_state_name(was),
		       fo_server_state_name(fo_fsm_state(&s->fsm)),
		       s->fsm.partner_known ? fo_server_state_name(s->fsm.partner_state)
					    : "unknown",
		       s->fsm.startup ? "; in startup" : "");
	}
	if (acts & FO_DO_VIEW)
		publish_view(s, false);
	if (acts & FO_DO_SEND_STATE)
		send_state(s);
	if (acts & FO_DO_SEND_UPDREQALL)
		send_empty(s, FO_MSG_UPDREQALL);
	else if (acts & FO_DO_SEND_UPDREQ)
		send_empty(s, FO_MSG_UPDREQ);
	/*
	 * FO_DO_SEND_UNACKED asks for nothing more here: updates the partner
	 * has not acked stay queued across a lost connection
	 * (fo_updates_link_down) and leave once its STATE is in.
	 */
	if (acts & FO_DO_SEND_POOLREQ)
		send_empty(s, FO_MSG_POOLREQ);
	if (acts & FO_DO_CLOSE && s->link.state != FO_LINK_DOWN)
		fo_link_close(&s->link, "the state machine closed it");
	sync_status(s);
}

#define FSM(s, call) \
	do { \
		uint8_t was_ = fo_fsm_state(&(s)->fsm); \
		fo_session_actions((s), (call), was_); \
	} while (0)

/* ------------------------------------------------------------- set-up */

static void send_connect(struct fo_session *s)
{
	const struct cfg_failover *f = s->cfg;
	struct fo_builder b;
	uint8_t buf[FO_MSG_MAX], hba[32];

	fo_start(s, &b, buf, FO_MSG_CONNECT, NULL);
	fo_build_relationship_name(&b, f->name, strlen(f->name));
	fo_build_max_unacked(&b, f->max_unacked_updates);
	fo_build_receive_timer(&b, f->max_response_delay);
	fo_build_vendor_class(&b, FO_VENDOR_CLASS, strlen(FO_VENDOR_CLASS));
	fo_build_protocol_version(&b, FO_PROTOCOL_VERSION);
	fo_build_tls_request(&b, 0);
	fo_build_mclt(&b, f->mclt);
	/* ISC polarity: a set bit is a bucket the primary serves; the draft's is the secondary's. */
	for (int i = 0; i < 32; i++)
		hba[i] = f->hba_polarity == CFG_FO_HBA_ISC ? s->hba_primary[i]
							   : (uint8_t)~s->hba_primary[i];
	fo_build_hba(&b, hba, sizeof(hba));
	if (fo_send(s, buf, fo_build_finish(&b)) == 0)
		s->proto = FO_PROTO_WAIT_CONNECTACK;
}

static void send_connectack(struct fo_session *s, uint32_t xid, uint8_t reject, const char *why)
{
	const struct cfg_failover *f = s->cfg;
	struct fo_builder b;
	uint8_t buf[FO_MSG_MAX];

	fo_start(s, &b, buf, FO_MSG_CONNECTACK, &xid);
	fo_build_relationship_name(&b, f->name, strlen(f->name));
	if (!reject) {
		fo_build_max_unacked(&b, f->max_unacked_updates);
		fo_build_receive_timer(&b, f->max_response_delay);
		fo_build_vendor_class(&b, FO_VENDOR_CLASS, strlen(FO_VENDOR_CLASS));
	}
	fo_build_protocol_version(&b, FO_PROTOCOL_VERSION);
	fo_build_tls_reply(&b, 0);
	if (reject) {
		fo_build_reject_reason(&b, reject);
		fo_build_message(&b, why, strlen(why));
	}
	fo_send(s, buf, fo_build_finish(&b));
}

static void send_disconnect(struct fo_session *s, uint8_t reason, const char *why)
{
	struct fo_builder b;
	uint8_t buf[FO_MSG_MAX];

	fo_start(s, &b, buf, FO_MSG_DISCONNECT, NULL);
	fo_build_reject_reason(&b, reason);
	fo_build_message(&b, why, strlen(why));
	fo_send(s, buf, fo_build_finish(&b));
}

static void established(struct fo_session *s)
{
	s->proto = FO_PROTO_ESTABLISHED;
	s->connected_since = (int64_t)fo_now();
	s->backoff_s = 0;
	FO_COUNT(s, connects);
	fo_log(s, "connected to the partner (%s connection), our state %s",
	       s->link.outbound ? "our" : "its", fo_server_state_name(fo_fsm_state(&s->fsm)));
	/*
	 * The primary sends its STATE at once (draft-12 sec 7.9.1); the
	 * secondary answers the primary's, as the state machine returns
	 * SEND_STATE when communications first become OK: so an ISC primary
	 * sitting in CONFLICT-DONE never sees our startup state first (it
	 * exits on some).
	 */
	if (s->cfg->role == CFG_FO_ROLE_PRIMARY)
		send_state(s);
	sync_status(s);
}

static bool name_matches(const struct fo_session *s, const struct fo_msg *m)
{
	uint16_t len = 0;
	const uint8_t *name = fo_msg_relationship_name(m, &len);
	return name && len == strlen(s->cfg->name) && memcmp(name, s->cfg->name, len) == 0;
}

static long skew_of(const struct fo_msg *m)
{
	return (long)((int64_t)m->hdr.time - (int64_t)fo_now());
}

/* draft-12 sec 7.8.2 as ISC checks it (failover.md sec 7.2). */
static void on_connect(struct fo_session *s, const struct fo_msg *m)
{
	uint32_t mclt = 0, v = 0;
	uint16_t hlen = 0;
	const uint8_t *hba = NULL;
	uint8_t reject = 0, version = 0;
	char why[96] = "";

	if (s->cfg->role == CFG_FO_ROLE_PRIMARY) {
		reject = FO_REJECT_INVALID_PARTNER;
		snprintf(why, sizeof(why), "both servers are configured as primary");
	} else if (s->proto == FO_PROTO_ESTABLISHED) {
		/* A second CONNECT on a live link: ISC closes; so do we. */
		FO_COUNT(s, drop_unexpected);
		fo_log(s, "a second CONNECT on an established connection: closing it");
		fo_link_close(&s->link, "second CONNECT");
		return;
	} else if (!name_matches(s, m)) {
		reject = FO_REJECT_INVALID_PARTNER;
		snprintf(why, sizeof(why), "unknown failover relationship name");
	} else if (fo_msg_protocol_version(m, &version) == 0 && version != FO_PROTOCOL_VERSION) {
		reject = FO_REJECT_VERSION_MISMATCH;
		snprintf(why, sizeof(why), "protocol version %u, we speak 1", version);
	} else if (labs(skew_of(m)) > FO_MAX_SKEW_SECS) {
		reject = FO_REJECT_TIMEMISMATCH;
		snprintf(why, sizeof(why), "time offset too large: %lds", skew_of(m));
	} else if (!(hba = fo_msg_hba(m, &hlen)) || hlen != 32) {
		reject = FO_REJECT_HBA_CONFLICT;
		snprintf(why, sizeof(why), "no valid hash-bucket-assignment");
	} else if (fo_msg_mclt(m, &mclt) != 0 || mclt == 0) {
		reject = FO_REJECT_INVALID_MCLT;
		snprintf(why, sizeof(why), "no MCLT provided");
	}
	if (reject) {
		FO_COUNT(s, connect_rejected);
		fo_log(s, "CONNECT rejected (%u, %s): %s", reject, fo_reject_reason_name(reject),
		       why);
		send_connectack(s, m->hdr.xid, reject, why);
		/* Let the reject leave before the close. */
		fo_link_poll(&s->link, false, &(bool){ false });
		fo_link_close(&s->link, "CONNECT rejected");
		return;
	}
	for (int i = 0; i < 32; i++)
		s->hba_primary[i] =
		    s->cfg->hba_polarity == CFG_FO_HBA_ISC ? hba[i] : (uint8_t)~hba[i];
	if (fo_msg_max_unacked(m, &v) == 0 && v)
		s->partner_max_unacked = v;
	if (fo_msg_receive_timer(m, &v) == 0 && v)
		s->partner_receive_timer = v;
	send_connectack(s, m->hdr.xid, 0, "");
	if (s->fsm.rec.mclt != mclt) {
		/* draft-12 sec 7.8.2 step 7: the primary's MCLT, stored, and no other. */
		uint8_t was = fo_fsm_state(&s->fsm);
		fo_log(s, "adopting the primary's MCLT of %us (was %us)", mclt, s->fsm.rec.mclt);
		s->fsm.rec.mclt = mclt;
		s->fsm.p.mclt = mclt;
		fo_session_actions(s, FO_DO_PERSIST | FO_DO_VIEW, was);
	}
	publish_view(s, false); /* the buckets are the primary's now */
	established(s);
}

static void on_connectack(struct fo_session *s, const struct fo_msg *m)
{
	uint8_t reason = 0;
	uint32_t v;

	if (s->proto != FO_PROTO_WAIT_CONNECTACK) {
		FO_COUNT(s, drop_unexpected);
		fo_log(s, "CONNECTACK without our CONNECT: closing the connection");
		fo_link_close(&s->link, "unexpected CONNECTACK");
		return;
	}
	if (fo_msg_reject_reason(m, &reason) == 0) {
		uint16_t len = 0;
		const uint8_t *text = fo_msg_message(m, &len);
		FO_COUNT(s, connect_rejected);
		fo_log(s,
		       "the partner rejected our CONNECT (%u, %s)%s%.*s; check peer-name, role and "
		       "clocks on both servers",
		       reason, fo_reject_reason_name(reason), text ? ": " : "", text ? (int)len : 0,
		       text ? (const char *)text : "");
		fo_link_close(&s->link, "CONNECT rejected by the partner");
		return;
	}
	if (!name_matches(s, m) || labs(skew_of(m)) > FO_MAX_SKEW_SECS) {
		bool skew = name_matches(s, m);
		uint8_t r = skew ? FO_REJECT_TIMEMISMATCH : FO_REJECT_INVALID_PARTNER;
		FO_COUNT(s, connect_rejected);
		fo_log(s, "CONNECTACK refused (%u, %s)", r, fo_reject_reason_name(r));
		send_disconnect(s, r, skew ? "time offset too large" : "unknown relationship name");
		fo_link_poll(&s->link, false, &(bool){ false });
		fo_link_close(&s->link, "CONNECTACK refused");
		return;
	}
	if (fo_msg_max_unacked(m, &v) == 0 && v)
		s->partner_max_unacked = v;
	if (fo_msg_receive_timer(m, &v) == 0 && v)
		s->partner_receive_timer = v;
	established(s);
}

static void on_state(struct fo_session *s, const struct fo_msg *m)
{
	uint8_t st = 0, flags = 0;
	uint32_t stos = 0;

	if (fo_msg_server_state(m, &st) != 0) {
		FO_COUNT(s, drop_malformed);
		fo_log(s, "STATE without server-state: ignored");
		return;
	}
	(void)fo_msg_server_flags(m, &flags);
	(void)fo_msg_start_time_of_state(m, &stos);
	if (!s->fsm.partner_known || s->fsm.partner_state != st ||
	    s->fsm.partner_startup != !!(flags & FO_SERVER_FLAG_STARTUP))
		fo_log(s, "partner is %s%s", fo_server_state_name(st),
		       flags & FO_SERVER_FLAG_STARTUP ? " (in startup)" : "");
	s->partner_state_seen = true;
	FSM(s, fo_fsm_partner_state(&s->fsm, st, flags, (int64_t)stos, (int64_t)fo_now()));
}

static void on_disconnect(struct fo_session *s, const struct fo_msg *m)
{
	uint8_t reason = 0;
	uint16_t len = 0;
	const uint8_t *text = fo_msg_message(m, &len);

	(void)fo_msg_reject_reason(m, &reason);
	fo_log(s, "the partner disconnects (%u, %s)%s%.*s", reason, fo_reject_reason_name(reason),
	       text ? ": " : "", text ? (int)len : 0, text ? (const char *)text : "");
	fo_link_close(&s->link, "DISCONNECT from the partner");
}

static void on_message(struct fo_session *s, const uint8_t *buf, int len)
{
	struct fo_msg *m = &s->msg;
	enum fo_err err = fo_msg_parse(buf, (size_t)len, m);

	FO_COUNT(s, msgs_received);
	s->last_rx_ns = mono_clock_ns();
	s->st.last_contact = (int64_t)fo_now();
	if (err != FO_ERR_NONE) {
		FO_COUNT(s, drop_malformed);
		if (fo_err_action(err) == FO_ACT_IGNORE)
			return;
		fo_log(s, "malformed message from the partner (%s: %s): closing the connection",
		       fo_err_name(err), fo_err_help(err));
		fo_link_close(&s->link, "malformed message");
		return;
	}
	if (m->hdr.type == FO_MSG_CONNECT) {
		on_connect(s, m);
		return;
	}
	if (m->hdr.type == FO_MSG_CONNECTACK) {
		on_connectack(s, m);
		return;
	}
	if (m->hdr.type == FO_MSG_DISCONNECT) {
		on_disconnect(s, m);
		return;
	}
	if (s->proto != FO_PROTO_ESTABLISHED) {
		/* draft-12 sec 7.8: CONNECT is the first message on a connection. */
		FO_COUNT(s, drop_before_connect);
		fo_log(s, "message type %u before CONNECT/CONNECTACK: closing the connection",
		       m->hdr.type);
		fo_link_close(&s->link, "message before CONNECT");
		return;
	}
	switch (m->hdr.type) {
	case FO_MSG_STATE: on_state(s, m); break;
	case FO_MSG_CONTACT: break;
	default: fo_updates_rx(s, m); break;
	}
}

/* ------------------------------------------------------------- the loop */

/*
 * The connection, or an attempt to make one, is gone: when to try again.
 *
 * An attempt that never connected (refused: the partner's listener is not
 * there yet, it is restarting; or no route) and a session that was
 * established are retried after FO_CONNECT_RETRY_MS. Prompt, because every
 * second out of touch is a second of COMMUNICATIONS-INTERRUPTED (MCLT
 * caps, no load balancing), and a refused SYN costs the partner nothing;
 * but a pause all the same: on a veth or a LAN the refusal arrives within
 * the loop pass that sent the SYN. Only a connection that came up and
 * died before CONNECT/CONNECTACK completed (a partner that rejects us or
 * hangs up) backs off, 1, 2, 4, then 5 s as ISC: that partner is there and
 * does not want to talk.
 *
 * The secondary waits FO_SECONDARY_DELAY_MS longer than the primary. Both
 * notice a lost connection at the same instant, and with equal delays both
 * connected again at the same instant: each side then either took the
 * other's connection and closed its own, or refused the other's as a
 * duplicate, and both connections died, over and over. Now the primary's
 * connection arrives first and the secondary, not connecting yet, accepts
 * it.
 */
static void link_lost(struct fo_session *s)
{
	bool was_established = s->proto == FO_PROTO_ESTABLISHED;
	bool came_up = s->proto != FO_PROTO_IDLE;
	int64_t delay_ms = FO_CONNECT_RETRY_MS;

	s->proto = FO_PROTO_IDLE;
	s->partner_state_seen = false;
	fo_updates_link_down(s);
	if (was_established) {
		FO_COUNT(s, disconnects);
		fo_log(s, "connection to the partner lost: %s", s->link.why);
		FSM(s, fo_fsm_comm_lost(&s->fsm, (int64_t)fo_now()));
	}
	if (came_up && !was_established) {
		s->backoff_s = s->backoff_s ? s->backoff_s * 2 : 1;
		if (s->backoff_s > FO_CONNECT_RETRY_MAX_S)
			s->backoff_s = FO_CONNECT_RETRY_MAX_S;
		delay_ms = (int64_t)s->backoff_s * 1000;
	}
	if (s->cfg->role == CFG_FO_ROLE_SECONDARY)
		delay_ms += FO_SECONDARY_DELAY_MS;
	s->next_connect_ns = mono_clock_ns() + delay_ms * 1000000;
	sync_status(s);
}

static void link_came_up(struct fo_session *s)
{
	s->link_up_ns = s->last_rx_ns = s->last_tx_ns = mono_clock_ns();
	s->partner_state_seen = false;
	s->xid = 0; /* per-connection numbering, as ISC's */
	if (s->cfg->role == CFG_FO_ROLE_PRIMARY)
		send_connect(s);
	else
		s->proto = FO_PROTO_WAIT_CONNECT;
}

static void session_poll(struct control *c)
{
	struct fo_session *s = c->failover;
	enum fo_link_state before;
	bool went_down;
	int n;

	if (!s)
		return;
	if (s->link.state == FO_LINK_DOWN && mono_clock_ns() >= s->next_connect_ns) {
		int rc = fo_link_connect(&s->link);
		if (rc < 0) {
			snprintf(s->link.why, sizeof(s->link.why), "connect: %s", strerror(-rc));
			link_lost(s);
			return;
		}
	}
	/*
	 * After the connect: an attempt refused within this very pass (a
	 * partner on the same host or a veth answers the SYN with an RST at
	 * once) must count as a failed attempt too. Taken before it, as it once
	 * was, that failure was never seen, no pause was set, and the next pass
	 * connected again: thousands of SYNs a second while the partner was away.
	 */
	before = s->link.state;
	if (fo_link_poll(&s->link, false, &went_down))
		link_came_up(s);
	if (before == FO_LINK_CONNECTING && s->link.state == FO_LINK_DOWN)
		link_lost(s); /* a failed attempt: back off */
	for (unsigned i = 0; i < FO_MSGS_PER_PASS && s->link.state == FO_LINK_UP; i++) {
		n = fo_link_next(&s->link, s->buf);
		if (n == 0)
			break;
		if (n < 0) {
			FO_COUNT(s, drop_malformed);
			fo_log(s,
			       "the partner's stream cannot be framed (length field out of range): "
			       "closing the connection");
			fo_link_close(&s->link, "unframeable stream");
			break;
		}
		on_message(s, s->buf, n);
	}
	if (s->link.state == FO_LINK_UP && s->proto == FO_PROTO_ESTABLISHED) {
		fo_pool_poll(s);
		fo_updates_poll(s);
	}
	if (s->link.state == FO_LINK_UP) {
		bool down2;
		fo_link_poll(&s->link, false, &down2); /* flush what this pass queued */
		went_down |= down2;
	}
	if ((went_down || s->link.state == FO_LINK_DOWN) && s->proto != FO_PROTO_IDLE)
		link_lost(s);
	/* Updates in flight either way: the next pass must not sleep (control.h). */
	c->busy = s->up.rx_len || (s->up.q_len && s->up.n_inflight < s->partner_max_unacked) ||
		  s->up.walking || fo_link_backlog(&s->link);
}

static void session_timers(struct control *c)
{
	struct fo_session *s = c->failover;
	int64_t mono = mono_clock_ns();

	if (!s)
		return;
	if (s->link.state == FO_LINK_UP) {
		/* A second connection from the partner is refused here, not on every pass. */
		bool down = false;
		fo_link_poll(&s->link, true, &down);
		if (down || s->link.state == FO_LINK_DOWN) {
			link_lost(s);
			return;
		}
	}
	if (s->link.state == FO_LINK_UP) {
		int64_t idle_rx = (mono - s->last_rx_ns) / 1000000000;
		if (s->proto != FO_PROTO_ESTABLISHED &&
		    (mono - s->link_up_ns) / 1000000000 >= FO_LINK_STARTUP_SECS) {
			fo_log(s, "no CONNECT%s within %ds of the connection: closing it",
			       s->proto == FO_PROTO_WAIT_CONNECTACK ? "ACK" : "",
			       FO_LINK_STARTUP_SECS);
			fo_link_close(&s->link, "link startup timeout");
		} else if (s->proto == FO_PROTO_ESTABLISHED &&
			   idle_rx >= (int64_t)s->cfg->max_response_delay) {
			FO_COUNT(s, receive_timer_expired);
			fo_log(s,
			       "nothing from the partner for %llds (max-response-delay %us): "
			       "closing the connection",
			       (long long)idle_rx, s->cfg->max_response_delay);
			send_disconnect(s, FO_REJECT_NO_TRAFFIC,
					"no traffic within max-response-delay");
			fo_link_poll(&s->link, false, &(bool){ false });
			fo_link_close(&s->link, "receive timer expired");
		} else if (s->proto == FO_PROTO_ESTABLISHED) {
			/* tSend: a third of the partner's receive timer, as ISC. */
			int64_t t_send =
			    s->partner_receive_timer / 3 ? s->partner_receive_timer / 3 : 1;
			if ((mono - s->last_tx_ns) / 1000000000 >= t_send) {
				send_empty(s, FO_MSG_CONTACT);
				FO_COUNT(s, contact_sent);
			}
		}
		if (s->link.state == FO_LINK_DOWN)
			link_lost(s);
	}
	FSM(s, fo_fsm_tick(&s->fsm, (int64_t)fo_now()));
	if (fo_fsm_may_take_partner_pool(&s->fsm, (int64_t)fo_now()) != s->took_partner_pool) {
		fo_log(
		    s,
		    "MCLT has passed in partner-down: the partner's free addresses are ours now");
		publish_view(s, false);
	}
	atomic_store_explicit(&FO_CTR(s)->refused_wrong_source, s->link.refused_wrong_source,
			      memory_order_relaxed);
	atomic_store_explicit(&FO_CTR(s)->refused_duplicate, s->link.refused_duplicate,
			      memory_order_relaxed);
	sync_status(s);
}

static const char *const fo_counter_names[] = {
#define FO_COUNTER_NAME(name) #name,
	FO_COUNTER_LIST(FO_COUNTER_NAME)
#undef FO_COUNTER_NAME
};

static void session_start(struct control *c)
{
	struct fo_session *s = c->failover;

	if (!s)
		return;
	s->block =
	    (struct counter_block){ .name = "failover",
				    .n = sizeof(fo_counter_names) / sizeof(fo_counter_names[0]),
				    .names = fo_counter_names,
				    .values = &s->board->ctr.msgs_received };
	if (counter_registry_add(c->counter_registry, &s->block) < 0)
		fprintf(stderr, "leasewired: counters: registry full, \"failover\" not listed\n");
	sync_status(s);
}

static void session_stop(struct control *c)
{
	struct fo_session *s = c->failover;

	if (!s)
		return;
	/*
	 * Not SHUTDOWN: a restart resumes the stored state (a communications-OK
	 * one becomes COMMUNICATIONS-INTERRUPTED), as ISC does; the partner
	 * sees the connection close and moves to COMMUNICATIONS-INTERRUPTED.
	 */
	if (s->link.state == FO_LINK_UP)
		fo_link_poll(&s->link, false, &(bool){ false });
	fo_link_close(&s->link, "shutting down");
	fo_log(s, "stopped in state %s", fo_server_state_name(fo_fsm_state(&s->fsm)));
}

static void session_note_change(struct control *c, uint8_t rec_type, const struct lease_image *img)
{
	if (c->failover)
		failover_note_change(c->failover, rec_type, img);
}

static void session_round_end(struct control *c, bool committed)
{
	if (c->failover)
		failover_round_end(c->failover, committed);
}

const struct control_module control_failover_module = {
	.name = "failover",
	.start = session_start,
	.poll = session_poll,
	.timers = { { .period_ns = 200000000, .fn = session_timers } },
	.note_change = session_note_change,
	.round_end = session_round_end,
	.stop = session_stop,
};

int failover_partner_down(struct fo_session *s)
{
	uint8_t was = fo_fsm_state(&s->fsm);
	unsigned acts = fo_fsm_partner_down(&s->fsm, (int64_t)fo_now());

	if (!acts)
		return -EPERM;
	fo_log(s, "the operator declares the partner down");
	fo_session_actions(s, acts, was);
	return 0;
}

/* ------------------------------------------------------------- create */

struct fo_session *failover_create(struct control *c, struct failover_view **view,
				   struct fo_status_board *board, char *err, size_t errlen)
{
	const struct cfg_failover *f = &c->cfg->failover;
	struct fo_session *s = calloc(1, sizeof(*s));
	struct fo_fsm_record stored;
	bool found = false;
	int rc;

	if (!s) {
		snprintf(err, errlen, "failover: out of memory");
		return NULL;
	}
	s->c = c;
	s->cfg = f;
	s->view = view;
	s->board = board;
	s->partner_max_unacked = 1;
	s->partner_receive_timer = f->max_response_delay;
	snprintf(s->st.name, sizeof(s->st.name), "%s", f->name);
	s->st.configured = true;
	s->st.primary = f->role == CFG_FO_ROLE_PRIMARY;
	s->st.lb_max_secs = f->lb_max_secs;
	snprintf(s->state_path, sizeof(s->state_path), "%s/failover.state",
		 c->cfg->lease_store.directory);
	/* A secondary serves no bucket until the primary's CONNECT says which. */
	if (f->role == CFG_FO_ROLE_PRIMARY)
		memcpy(s->hba_primary, f->hba, sizeof(s->hba_primary)); /* split is in hba too */
	else
		memset(s->hba_primary, 0xff, sizeof(s->hba_primary));
	rc = fo_store_read(s->state_path, &stored, &found);
	if (rc < 0) {
		snprintf(err, errlen,
			 "failover: %s is unreadable (%s); move it away to start over in RECOVER "
			 "(the partner then sends every binding again)",
			 s->state_path, strerror(-rc));
		free(s);
		return NULL;
	}
	if (fo_updates_init(&s->up) < 0) {
		snprintf(err, errlen, "failover: out of memory for the update queues");
		free(s);
		return NULL;
	}
	rc = fo_link_init(&s->link, f->address, f->port, f->peer_address, f->peer_port);
	if (rc < 0) {
		snprintf(err, errlen, "failover: cannot listen on %u.%u.%u.%u:%u: %s",
			 f->address >> 24, f->address >> 16 & 255, f->address >> 8 & 255,
			 f->address & 255, f->port, strerror(-rc));
		fo_updates_fini(&s->up);
		free(s);
		return NULL;
	}
	bool primary = f->role == CFG_FO_ROLE_PRIMARY;
	/* The secondary keeps the MCLT its primary last gave it (draft-12 sec 7.8.2 step 7). */
	struct fo_fsm_params p = { .primary = primary,
				   .mclt = found && !primary && stored.mclt ? stored.mclt : f->mclt,
				   .startup_secs = f->startup_secs,
				   .auto_partner_down = f->auto_partner_down };
	unsigned acts = fo_fsm_start(&s->fsm, &p, found ? &stored : NULL, (int64_t)fo_now());
	if (!s->fsm.rec.mclt)
		s->fsm.rec.mclt = p.mclt;
	if (acts & FO_DO_PERSIST && (rc = fo_store_write(s->state_path, &s->fsm.rec)) < 0) {
		snprintf(err, errlen, "failover: cannot write %s: %s", s->state_path,
			 strerror(-rc));
		failover_destroy(s);
		return NULL;
	}
	publish_view(s, true);
	fprintf(stderr,
		"leasewired: failover %s: %s, %s, listening on %u.%u.%u.%u:%u, partner "
		"%u.%u.%u.%u:%u, mclt %us\n",
		f->name, p.primary ? "primary" : "secondary",
		found ? "resuming its stored state" : "no stored state: recover", f->address >> 24,
		f->address >> 16 & 255, f->address >> 8 & 255, f->address & 255, f->port,
		f->peer_address >> 24, f->peer_address >> 16 & 255, f->peer_address >> 8 & 255,
		f->peer_address & 255, f->peer_port, s->fsm.rec.mclt);
	sync_status(s);
	return s;
}

void failover_destroy(struct fo_session *s)
{
	if (!s)
		return;
	fo_link_fini(&s->link);
	fo_updates_fini(&s->up);
	struct failover_view *v = *s->view;
	if (v && v != &failover_view_standalone) {
		*s->view = (struct failover_view *)&failover_view_standalone;
		free(v); /* the workers have stopped */
	}
	free(s);
}
