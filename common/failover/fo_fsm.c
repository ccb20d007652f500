/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The failover state machine (fo_fsm.h): draft-12 sec 9 as the digest
 * reads it (../shared/specs/failover.md sec 8), with ISC dhcpd 4.4.3's
 * choices where the draft leaves one open or ISC would otherwise misbehave
 * (sec 8.4). Every event goes the same way: note what the partner said or
 * what happened, work out the one state that follows (enter()), then the
 * work the resulting state asks for while communications are OK
 * (request_updates()).
 */
#include <errno.h>
#include <string.h>

#include "base/crc32c.h"
#include "base/le_bytes.h"
#include "failover/fo_fsm.h"

/* A state a record may hold and a partner may send: every listed one but STARTUP. */
static bool state_valid(unsigned s)
{
	switch (s) {
#define STATE_CASE(pfx, name, num, str) case num:
		FO_SERVER_STATE_LIST(STATE_CASE)
#undef STATE_CASE
		return s != FO_STATE_STARTUP;
	}
	return false;
}

/* Partner states that send a RECOVER server to POTENTIAL-CONFLICT (sec 9.5.2). */
static bool in_conflict(uint8_t s)
{
	return s == FO_STATE_POTENTIAL_CONFLICT || s == FO_STATE_RESOLUTION_INTERRUPTED ||
	       s == FO_STATE_CONFLICT_DONE;
}

static uint32_t mclt_of(const struct fo_fsm *f) { return f->rec.mclt ? f->rec.mclt : f->p.mclt; }

/*
 * The communications-failed transition (draft-12 fig. 9.2-1, sec 9.8.4,
 * 9.10.3): only NORMAL and POTENTIAL-CONFLICT have one. RECOVER,
 * RECOVER-WAIT, RECOVER-DONE, CONFLICT-DONE (sec 9.12.3), PARTNER-DOWN and
 * the interrupted states stay where they are.
 */
static uint8_t comm_failed(uint8_t s)
{
	switch (s) {
	case FO_STATE_NORMAL: return FO_STATE_COMM_INTERRUPTED;
	case FO_STATE_POTENTIAL_CONFLICT: return FO_STATE_RESOLUTION_INTERRUPTED;
	default: return s;
	}
}

/*
 * Move to `to` (no-op when already there): the record changes, so it must
 * be made durable before anything else happens (sec 9.2), the partner is
 * told when communications are OK, and the workers' service may change.
 */
static unsigned enter(struct fo_fsm *f, uint8_t to, int64_t now)
{
	if (to == f->rec.state)
		return 0;
	unsigned act = FO_DO_PERSIST | FO_DO_VIEW;

	if (to != FO_STATE_SHUTDOWN && to != FO_STATE_PAUSED)
		f->rec.prev_state = 0;
	f->rec.state = to;
	f->rec.stos = now;
	if (f->comm_ok) {
		f->rec.last_operational = now;
		act |= FO_DO_SEND_STATE;
	}
	switch (to) {
	case FO_STATE_NORMAL:
		/* Sec 9.8.1: our unacked bindings first, then the secondary asks for its pool. */
		act |= FO_DO_SEND_UNACKED;
		if (!f->p.primary)
			act |= FO_DO_SEND_POOLREQ;
		break;
	case FO_STATE_RECOVER_WAIT:
		/*
		 * Sec 9.6.2: MCLT from the time we went down, else the time we
		 * started. We never know the former for sure (the record is
		 * written on state changes, not as we run), and we went down no
		 * later than we started, so the start it is.
		 */
		f->recover_wait_until = f->started_at + mclt_of(f);
		break;
	default: break;
	}
	return act;
}

/*
 * The communications-OK transition of state s for the partner's last
 * STATE (failover.md sec 8.2 table, sec 8.4 where ISC decides what the
 * draft leaves open). Returns the state to enter; s itself means stay.
 */
static uint8_t comm_ok_next(struct fo_fsm *f, uint8_t s)
{
	uint8_t ps = f->partner_state;

	/*
	 * An ISC primary in CONFLICT-DONE log_fatal()s on any partner state
	 * but NORMAL, SHUTDOWN, POTENTIAL-CONFLICT and RESOLUTION-INTERRUPTED
	 * (sec 8.4). The rows below already lead everywhere else to one of
	 * those; the two recover states that would stay are sent to
	 * POTENTIAL-CONFLICT, where the secondary asks for the primary's
	 * updates and then goes NORMAL (sec 9.10.3).
	 */
	if (!f->p.primary && ps == FO_STATE_CONFLICT_DONE &&
	    (s == FO_STATE_RECOVER_WAIT || s == FO_STATE_RECOVER_DONE))
		return FO_STATE_POTENTIAL_CONFLICT;

	switch (s) {
	case FO_STATE_COMM_INTERRUPTED: /* sec 9.9.3 */
		switch (ps) {
		case FO_STATE_NORMAL:
		case FO_STATE_COMM_INTERRUPTED:
		case FO_STATE_RECOVER_DONE:
		case FO_STATE_RECOVER_WAIT: /* not in the draft; ISC goes NORMAL */
			return FO_STATE_NORMAL;
		case FO_STATE_PARTNER_DOWN:
		case FO_STATE_POTENTIAL_CONFLICT:
		case FO_STATE_RESOLUTION_INTERRUPTED:
		case FO_STATE_CONFLICT_DONE: return FO_STATE_POTENTIAL_CONFLICT;
		case FO_STATE_RECOVER: /* the draft stays; ISC: an amnesic peer, PARTNER-DOWN */
		case FO_STATE_SHUTDOWN: return FO_STATE_PARTNER_DOWN;
		default: return s; /* PAUSED */
		}
	case FO_STATE_PARTNER_DOWN: /* sec 9.4.3 */
		if (f->partner_startup)
			return s; /* a STATE with the STARTUP flag is ignored here */
		switch (ps) {
		case FO_STATE_NORMAL:
		case FO_STATE_COMM_INTERRUPTED:
		case FO_STATE_PARTNER_DOWN:
		case FO_STATE_POTENTIAL_CONFLICT:
		case FO_STATE_RESOLUTION_INTERRUPTED:
		case FO_STATE_CONFLICT_DONE: return FO_STATE_POTENTIAL_CONFLICT;
		case FO_STATE_RECOVER_DONE: return FO_STATE_NORMAL;
		default: return s; /* RECOVER, RECOVER-WAIT, PAUSED, SHUTDOWN */
		}
	case FO_STATE_RECOVER: /* sec 9.5.2; otherwise request_updates() asks */
		return in_conflict(ps) ? FO_STATE_POTENTIAL_CONFLICT : s;
	case FO_STATE_RECOVER_DONE: /* sec 9.7.2 */
		if (ps == FO_STATE_RECOVER_DONE)
			f->note = "both servers have entered recover-done"; /* ISC logs it too */
		return ps == FO_STATE_NORMAL || ps == FO_STATE_RECOVER_DONE ? FO_STATE_NORMAL : s;
	case FO_STATE_RESOLUTION_INTERRUPTED: /* sec 9.11.3 */ return FO_STATE_POTENTIAL_CONFLICT;
	case FO_STATE_CONFLICT_DONE: /* sec 9.12.3 */
		return ps == FO_STATE_NORMAL ? FO_STATE_NORMAL : s;
	default:
		/*
		 * NORMAL (a partner change reaches here as COMM-INT, see
		 * fo_fsm_partner_state), RECOVER-WAIT (its timer decides),
		 * POTENTIAL-CONFLICT (UPDDONE decides), PAUSED, SHUTDOWN.
		 */
		return s;
	}
}

/*
 * What the state asks for while communications are OK: RECOVER its
 * UPDREQ or UPDREQALL (sec 9.5.2, again whenever communications come
 * back), a POTENTIAL-CONFLICT primary its UPDREQ (sec 9.10.1), a
 * POTENTIAL-CONFLICT secondary its UPDREQ once the primary is in
 * CONFLICT-DONE (sec 9.10.3). One request at a time.
 */
static unsigned request_updates(struct fo_fsm *f)
{
	if (!f->comm_ok || f->startup || f->upd_pending)
		return 0;
	switch (f->rec.state) {
	case FO_STATE_RECOVER:
		if (in_conflict(f->partner_state))
			return 0;
		break;
	case FO_STATE_POTENTIAL_CONFLICT:
		if (!f->p.primary && f->partner_state != FO_STATE_CONFLICT_DONE)
			return 0;
		break;
	default: return 0;
	}
	f->upd_pending = true;
	return f->need_all ? FO_DO_SEND_UPDREQALL : FO_DO_SEND_UPDREQ;
}

/* Take the communications-OK transition for the partner's known state, then its requests. */
static unsigned settle(struct fo_fsm *f, int64_t now)
{
	if (!f->comm_ok || !f->partner_known || f->startup)
		return 0;
	unsigned act = enter(f, comm_ok_next(f, f->rec.state), now);
	return act | request_updates(f);
}

/*
 * Communications OK ends STARTUP (sec 9.3.2 step 5): back to the previous
 * state, unless the partner went PARTNER-DOWN, which sends us to RECOVER if
 * it did so after we were last in touch and to POTENTIAL-CONFLICT if
 * before; then the communications-OK transition from there. A server that
 * was still recovering (RECOVER, RECOVER-WAIT) served nobody the partner
 * could conflict with, so it just carries on recovering.
 */
static unsigned leave_startup(struct fo_fsm *f, int64_t last_operational, int64_t now)
{
	unsigned act = FO_DO_SEND_STATE | FO_DO_VIEW;
	uint8_t s = f->rec.state;

	f->startup = false;
	if (f->partner_state == FO_STATE_PARTNER_DOWN && s != FO_STATE_RECOVER &&
	    s != FO_STATE_RECOVER_WAIT)
		s = f->partner_stos > last_operational ? FO_STATE_RECOVER
						       : FO_STATE_POTENTIAL_CONFLICT;
	act |= enter(f, s, now);
	return act | settle(f, now);
}

unsigned fo_fsm_start(struct fo_fsm *f, const struct fo_fsm_params *p,
		      const struct fo_fsm_record *stored, int64_t now)
{
	struct fo_fsm_record r = { .state = FO_STATE_RECOVER, .stos = now, .mclt = p->mclt };
	unsigned act = FO_DO_VIEW;

	memset(f, 0, sizeof(*f));
	f->p = *p;
	f->started_at = now;
	f->comm_lost_at = now; /* not in touch since we started: the safe period runs from here */
	if (!stored) {
		/* Sec 9.3.2 step 1: no record, RECOVER, and everything from the partner. */
		act |= FO_DO_PERSIST;
	} else {
		uint8_t s = stored->state;

		r = *stored;
		/* Sec 9.13, 9.14: PAUSED and SHUTDOWN restart in the state before them. */
		if (s == FO_STATE_PAUSED || s == FO_STATE_SHUTDOWN)
			s = stored->prev_state;
		if (!state_valid(s) || s == FO_STATE_PAUSED || s == FO_STATE_SHUTDOWN)
			s = FO_STATE_RECOVER; /* nothing to go back to: know nothing */
		s = comm_failed(s); /* step 2 */
		r.prev_state = 0;
		if (s != stored->state) {
			r.state = s;
			r.stos = now;
		}
		/* The secondary keeps the MCLT the primary gave it (sec 7.8.2 step 7). */
		if (p->primary || !r.mclt)
			r.mclt = p->mclt;
		if (r.state != stored->state || r.prev_state != stored->prev_state ||
		    r.stos != stored->stos || r.mclt != stored->mclt)
			act |= FO_DO_PERSIST;
	}
	f->rec = r;
	/*
	 * Sec 9.5.2: everything when we have no record of the partner. A
	 * server that went down while still in RECOVER asks for everything
	 * too: partner_seen was recorded at the first STATE, not once the
	 * first UPDREQALL was answered, and an UPDREQ would not resend what
	 * the partner believes we already have.
	 */
	f->need_all = !r.partner_seen || (stored && stored->state == FO_STATE_RECOVER);
	f->startup = p->startup_secs != 0;
	f->startup_until = now + p->startup_secs;
	f->recover_wait_until = now + mclt_of(f); /* a stored RECOVER-WAIT starts over */
	return act;
}

unsigned fo_fsm_partner_state(struct fo_fsm *f, uint8_t state, uint8_t flags, int64_t stos,
			      int64_t now)
{
	f->note = NULL;
	if (!state_valid(state)) {
		/* ISC goes SHUTDOWN over this; dropping the link is enough (failover.md sec 5). */
		f->note = "partner sent an unknown server-state";
		return FO_DO_CLOSE;
	}
	bool startup = flags & FO_SERVER_FLAG_STARTUP;
	bool was_ok = f->comm_ok;
	bool changed =
	    !f->partner_known || f->partner_state != state || f->partner_startup != startup;
	int64_t last_operational = f->rec.last_operational;
	unsigned act = 0;

	f->partner_known = true;
	f->partner_state = state;
	f->partner_startup = startup;
	f->partner_stos = stos;
	f->comm_ok = true;
	f->comm_lost_at = 0;
	if (!f->rec.partner_seen) {
		f->rec.partner_seen = true;
		act |= FO_DO_PERSIST;
	}
	/* Communications just became OK: answer with our own STATE (sec 8.3). */
	if (!was_ok)
		act |= FO_DO_SEND_STATE;

	if (f->startup) {
		act |= leave_startup(f, last_operational, now);
	} else if (f->rec.state == FO_STATE_SHUTDOWN || f->rec.state == FO_STATE_PAUSED) {
		/* Sec 9.14: the partner took over meanwhile, so we restart recovering. */
		if (state == FO_STATE_PARTNER_DOWN && f->rec.prev_state != FO_STATE_RECOVER) {
			f->rec.prev_state = FO_STATE_RECOVER;
			act |= FO_DO_PERSIST;
		}
	} else if (!was_ok || changed) {
		uint8_t s = f->rec.state;
		/*
		 * Sec 9.2: a partner that changes state while we talk takes us
		 * through the communications-failed transition and on from
		 * there, on the same connection (NORMAL: sec 9.8.4). Expected
		 * are a partner arriving in NORMAL, and a CONFLICT-DONE primary
		 * seen by a secondary that has just reached NORMAL (sec 9.10.3).
		 */
		bool expected =
		    s == FO_STATE_NORMAL && (state == FO_STATE_NORMAL ||
					     (!f->p.primary && state == FO_STATE_CONFLICT_DONE));
		if (was_ok && !expected)
			s = comm_failed(s);
		act |= enter(f, comm_ok_next(f, s), now);
		act |= request_updates(f);
	} else {
		act |= request_updates(f);
	}
	f->rec.last_operational = now;
	return act;
}

unsigned fo_fsm_comm_lost(struct fo_fsm *f, int64_t now)
{
	unsigned act = 0;

	f->note = NULL;
	/* An UPDDONE never crosses connections (sec 8.6): ask again next time. */
	f->upd_pending = false;
	if (f->comm_ok) {
		f->comm_ok = false;
		f->comm_lost_at = now;
		/* The last time in touch is what a partner's PARTNER-DOWN is compared with. */
		f->rec.last_operational = now;
		act |= FO_DO_PERSIST;
	}
	if (f->startup)
		return act;
	return act | enter(f, comm_failed(f->rec.state), now);
}

unsigned fo_fsm_upddone(struct fo_fsm *f, int64_t now)
{
	unsigned act = 0;

	f->note = NULL;
	if (!f->upd_pending)
		return 0; /* nothing of ours was outstanding */
	f->upd_pending = false;
	f->need_all = false;
	if (f->comm_ok)
		f->rec.last_operational = now;
	switch (f->rec.state) {
	case FO_STATE_RECOVER:
		/*
		 * Sec 9.6.2 lets a server that never ran failover skip the wait,
		 * judged from the partner's data: ISC takes a partner in RECOVER
		 * or RECOVER-DONE for a first-time pair (failover.md sec 8.4).
		 */
		if (f->partner_known && (f->partner_state == FO_STATE_RECOVER ||
					 f->partner_state == FO_STATE_RECOVER_DONE)) {
			act |= enter(f, FO_STATE_RECOVER_DONE, now);
		} else {
			act |= enter(f, FO_STATE_RECOVER_WAIT, now);
			if (now >= f->recover_wait_until)
				act |= enter(f, FO_STATE_RECOVER_DONE, now);
		}
		break;
	case FO_STATE_POTENTIAL_CONFLICT: /* sec 9.10.3 */
		act |= enter(f, f->p.primary ? FO_STATE_CONFLICT_DONE : FO_STATE_NORMAL, now);
		break;
	default: break;
	}
	return act | settle(f, now);
}

unsigned fo_fsm_tick(struct fo_fsm *f, int64_t now)
{
	unsigned act = 0;

	f->note = NULL;
	if (f->startup) {
		if (now < f->startup_until)
			return 0;
		/*
		 * Sec 9.3.2 step 6: the period is over without the partner's
		 * STATE: serve in the previous state (already the
		 * communications-failed one); the safe period can take it on
		 * to PARTNER-DOWN. (With communications OK a partner STATE has
		 * ended STARTUP already; the branch is there all the same.)
		 */
		if (f->comm_ok && f->partner_known)
			act |= leave_startup(f, f->rec.last_operational, now);
		else
			f->startup = false;
		act |= FO_DO_SEND_STATE | FO_DO_VIEW;
	}
	if (f->comm_ok)
		f->rec.last_operational = now;
	if (f->rec.state == FO_STATE_RECOVER_WAIT && now >= f->recover_wait_until) {
		/* Sec 9.6.2: the timer runs with communications down too. */
		act |= enter(f, FO_STATE_RECOVER_DONE, now);
		act |= settle(f, now);
	}
	if (f->rec.state == FO_STATE_COMM_INTERRUPTED && !f->comm_ok && f->p.auto_partner_down) {
		/* Sec 9.9.3, 10: the safe period, from entering the state or losing touch. */
		int64_t from = f->comm_lost_at > f->rec.stos ? f->comm_lost_at : f->rec.stos;

		if (now >= from + (int64_t)f->p.auto_partner_down)
			act |= enter(f, FO_STATE_PARTNER_DOWN, now);
	}
	return act;
}

unsigned fo_fsm_partner_down(struct fo_fsm *f, int64_t now)
{
	unsigned act = 0;

	f->note = NULL;
	switch (f->rec.state) {
	case FO_STATE_NORMAL:
	case FO_STATE_COMM_INTERRUPTED:
	case FO_STATE_RESOLUTION_INTERRUPTED: break;
	default: return 0;
	}
	if (f->startup) {
		/* The operator says the partner is not there: no point waiting for it. */
		f->startup = false;
		act |= FO_DO_SEND_STATE | FO_DO_VIEW;
	}
	if (f->comm_ok)
		f->rec.last_operational = now;
	return act | enter(f, FO_STATE_PARTNER_DOWN, now);
}

unsigned fo_fsm_shutdown(struct fo_fsm *f, int64_t now)
{
	f->note = NULL;
	if (f->rec.state == FO_STATE_SHUTDOWN)
		return 0;
	if (f->rec.state != FO_STATE_PAUSED)
		f->rec.prev_state = f->rec.state;
	/* Sec 9.14: record "last time operational" with the previous state. */
	f->rec.last_operational = now;
	f->startup = false; /* the partner in PARTNER-DOWN ignores a flagged STATE */
	return enter(f, FO_STATE_SHUTDOWN, now);
}

enum failover_mode fo_fsm_service(const struct fo_fsm *f)
{
	if (f->startup)
		return FAILOVER_NO_SERVICE;
	switch (f->rec.state) {
	case FO_STATE_NORMAL: return FAILOVER_NORMAL;
	case FO_STATE_COMM_INTERRUPTED:
	case FO_STATE_RESOLUTION_INTERRUPTED:
	/* Sec 9.12.2: all clients, own pool, as in COMM-INT. */
	case FO_STATE_CONFLICT_DONE: return FAILOVER_COMM_INTERRUPTED;
	case FO_STATE_PARTNER_DOWN: return FAILOVER_PARTNER_DOWN;
	case FO_STATE_RECOVER_DONE: return FAILOVER_RENEW_ONLY;
	default: return FAILOVER_NO_SERVICE;
	}
}

bool fo_fsm_may_take_partner_pool(const struct fo_fsm *f, int64_t now)
{
	/* Sec 9.4.2: the partner's available addresses only MCLT after entering PARTNER-DOWN. */
	return !f->startup && f->rec.state == FO_STATE_PARTNER_DOWN &&
	       now >= f->rec.stos + (int64_t)mclt_of(f);
}

/*
 * The record, little-endian:
 *   0 magic "LWFS"   4 version   5 state   6 prev_state   7 flags (bit 0 partner_seen)
 *   8 stos (s64)    16 last_operational (s64)    24 mclt (u32)    28 reserved, zero
 *  36 CRC-32C of bytes 0..35
 */
#define RECORD_MAGIC 0x5346574cu /* "LWFS" */
#define RECORD_VERSION 1u
#define RECORD_FLAG_PARTNER_SEEN 0x01u
#define RECORD_CRC_OFF 36

void fo_fsm_record_encode(const struct fo_fsm_record *r, uint8_t out[FO_FSM_RECORD_BYTES])
{
	memset(out, 0, FO_FSM_RECORD_BYTES);
	put_le32(out, RECORD_MAGIC);
	out[4] = RECORD_VERSION;
	out[5] = r->state;
	out[6] = r->prev_state;
	out[7] = r->partner_seen ? RECORD_FLAG_PARTNER_SEEN : 0;
	put_le64(out + 8, (uint64_t)r->stos);
	put_le64(out + 16, (uint64_t)r->last_operational);
	put_le32(out + 24, r->mclt);
	put_le32(out + RECORD_CRC_OFF, crc32c(0, out, RECORD_CRC_OFF));
}

int fo_fsm_record_decode(const uint8_t *buf, size_t len, struct fo_fsm_record *r)
{
	if (len != FO_FSM_RECORD_BYTES || get_le32(buf) != RECORD_MAGIC ||
	    buf[4] != RECORD_VERSION ||
	    get_le32(buf + RECORD_CRC_OFF) != crc32c(0, buf, RECORD_CRC_OFF))
		return -EINVAL;
	if (!state_valid(buf[5]) || (buf[6] && !state_valid(buf[6])) ||
	    (buf[7] & ~RECORD_FLAG_PARTNER_SEEN))
		return -EINVAL;
	*r = (struct fo_fsm_record){
		.state = buf[5],
		.prev_state = buf[6],
		.stos = (int64_t)get_le64(buf + 8),
		.last_operational = (int64_t)get_le64(buf + 16),
		.partner_seen = buf[7] & RECORD_FLAG_PARTNER_SEEN,
		.mclt = get_le32(buf + 24),
	};
	return 0;
}
