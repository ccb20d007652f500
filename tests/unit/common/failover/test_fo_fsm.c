/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests for common/failover/fo_fsm.c: the communications-OK table of
 * ../shared/specs/failover.md sec 8.2 row by row with ISC's specifics
 * (sec 8.4), the start from every stored state, STARTUP, the recover and
 * potential-conflict sequences with an ISC-like partner, the safe period,
 * the operator's partner-down, and the durable record.
 */
#include <check.h>
#include <errno.h>
#include <string.h>

#include "base/crc32c.h"
#include "base/le_bytes.h"
#include "failover/fo_fsm.h"
#include "unit_suite.h"

#define T0 1700000000
#define MCLT 300

/* Short names so the tables stay one row a line. */
#define NORM FO_STATE_NORMAL
#define CINT FO_STATE_COMM_INTERRUPTED
#define PDWN FO_STATE_PARTNER_DOWN
#define POTC FO_STATE_POTENTIAL_CONFLICT
#define RECO FO_STATE_RECOVER
#define PAUS FO_STATE_PAUSED
#define SHUT FO_STATE_SHUTDOWN
#define RDON FO_STATE_RECOVER_DONE
#define RINT FO_STATE_RESOLUTION_INTERRUPTED
#define CDON FO_STATE_CONFLICT_DONE
#define RWAI FO_STATE_RECOVER_WAIT

#define A_PERSIST FO_DO_PERSIST
#define A_STATE FO_DO_SEND_STATE
#define A_UPD FO_DO_SEND_UPDREQ
#define A_UPDALL FO_DO_SEND_UPDREQALL
#define A_POOL FO_DO_SEND_POOLREQ
#define A_UNACKED FO_DO_SEND_UNACKED
#define A_VIEW FO_DO_VIEW
#define A_CHANGE (A_PERSIST | A_STATE | A_VIEW)

static struct fo_fsm f;

static struct fo_fsm_params params(bool primary, uint32_t startup, uint32_t apd)
{
	return (struct fo_fsm_params){
		.primary = primary, .mclt = MCLT, .startup_secs = startup, .auto_partner_down = apd
	};
}

/* A record of a relationship that has run before: partner seen, in touch until T0 - 500. */
static struct fo_fsm_record stored(uint8_t state, uint8_t prev)
{
	return (struct fo_fsm_record){ .state = state,
				       .prev_state = prev,
				       .stos = T0 - 1000,
				       .last_operational = T0 - 500,
				       .partner_seen = true,
				       .mclt = MCLT };
}

static void start_stored(uint8_t state, bool primary)
{
	struct fo_fsm_params p = params(primary, 0, 0);
	struct fo_fsm_record r = stored(state, 0);

	fo_fsm_start(&f, &p, &r, T0);
}

static void expect(unsigned act, uint8_t state, unsigned want, unsigned forbid)
{
	ck_assert_msg(fo_fsm_state(&f) == state, "state %s, want %s",
		      fo_server_state_name(fo_fsm_state(&f)), fo_server_state_name(state));
	ck_assert_msg((act & want) == want, "actions %#x lack %#x", act, want & ~act);
	ck_assert_msg(!(act & forbid), "actions %#x have %#x", act, act & forbid);
}

/* ---- communications OK: the sec 8.2 table, partner's first STATE on a new connection ---- */

struct comm_ok_case {
	uint8_t mine; /* the state we are in, communications down */
	bool primary;
	uint8_t partner, flags;
	uint8_t want;
	unsigned acts, no_acts;
};

static const struct comm_ok_case comm_ok_cases[] = {
	/* COMMUNICATIONS-INTERRUPTED, sec 9.9.3; RECOVER and RECOVER-WAIT as ISC. */
	{ CINT, true, NORM, 0, NORM, A_CHANGE | A_UNACKED, A_POOL },
	{ CINT, false, NORM, 0, NORM, A_CHANGE | A_UNACKED | A_POOL, 0 },
	{ CINT, true, CINT, 0, NORM, A_CHANGE | A_UNACKED, 0 },
	{ CINT, true, PDWN, 0, POTC, A_CHANGE | A_UPD, 0 },
	{ CINT, false, PDWN, 0, POTC, A_CHANGE, A_UPD | A_UPDALL },
	{ CINT, true, POTC, 0, POTC, A_CHANGE | A_UPD, 0 },
	{ CINT, true, RINT, 0, POTC, A_CHANGE | A_UPD, 0 },
	{ CINT, false, CDON, 0, POTC, A_CHANGE | A_UPD, 0 },
	{ CINT, true, RECO, 0, PDWN, A_CHANGE, A_UNACKED },
	{ CINT, true, RWAI, 0, NORM, A_CHANGE | A_UNACKED, 0 },
	{ CINT, true, RDON, 0, NORM, A_CHANGE | A_UNACKED, 0 },
	{ CINT, true, PAUS, 0, CINT, A_STATE, A_PERSIST | A_VIEW },
	{ CINT, true, SHUT, 0, PDWN, A_CHANGE, 0 },
	/* PARTNER-DOWN, sec 9.4.3: a STATE with the STARTUP flag is ignored. */
	{ PDWN, true, NORM, 0, POTC, A_CHANGE | A_UPD, 0 },
	{ PDWN, true, CINT, 0, POTC, A_CHANGE | A_UPD, 0 },
	{ PDWN, true, PDWN, 0, POTC, A_CHANGE | A_UPD, 0 },
	{ PDWN, false, POTC, 0, POTC, A_CHANGE, A_UPD },
	{ PDWN, true, RINT, 0, POTC, A_CHANGE | A_UPD, 0 },
	{ PDWN, false, CDON, 0, POTC, A_CHANGE | A_UPD, 0 },
	{ PDWN, true, RECO, 0, PDWN, A_STATE, A_PERSIST | A_VIEW },
	{ PDWN, true, RWAI, 0, PDWN, A_STATE, A_PERSIST },
	{ PDWN, true, PAUS, 0, PDWN, A_STATE, A_PERSIST },
	{ PDWN, true, SHUT, 0, PDWN, A_STATE, A_PERSIST },
	{ PDWN, true, RDON, 0, NORM, A_CHANGE | A_UNACKED, 0 },
	{ PDWN, true, CINT, FO_SERVER_FLAG_STARTUP, PDWN, A_STATE, A_PERSIST },
	{ PDWN, true, RDON, FO_SERVER_FLAG_STARTUP, PDWN, A_STATE, A_PERSIST },
	/* RECOVER, sec 9.5.2 (a stored RECOVER asks for everything). */
	{ RECO, true, NORM, 0, RECO, A_STATE | A_UPDALL, A_PERSIST | A_UPD },
	{ RECO, true, CINT, 0, RECO, A_STATE | A_UPDALL, 0 },
	{ RECO, true, PDWN, 0, RECO, A_STATE | A_UPDALL, 0 },
	{ RECO, true, RECO, 0, RECO, A_STATE | A_UPDALL, 0 },
	{ RECO, true, RWAI, 0, RECO, A_STATE | A_UPDALL, 0 },
	{ RECO, true, RDON, 0, RECO, A_STATE | A_UPDALL, 0 },
	{ RECO, true, SHUT, 0, RECO, A_STATE | A_UPDALL, 0 },
	{ RECO, true, POTC, 0, POTC, A_CHANGE | A_UPDALL, 0 },
	{ RECO, false, RINT, 0, POTC, A_CHANGE, A_UPD | A_UPDALL },
	{ RECO, false, CDON, 0, POTC, A_CHANGE | A_UPDALL, 0 },
	/* RECOVER-DONE, sec 9.7.2. */
	{ RDON, true, NORM, 0, NORM, A_CHANGE | A_UNACKED, 0 },
	{ RDON, false, RDON, 0, NORM, A_CHANGE | A_UNACKED | A_POOL, 0 },
	{ RDON, true, CINT, 0, RDON, A_STATE, A_PERSIST },
	{ RDON, true, PDWN, 0, RDON, A_STATE, A_PERSIST },
	{ RDON, true, POTC, 0, RDON, A_STATE, A_PERSIST | A_UPD },
	{ RDON, true, RECO, 0, RDON, A_STATE, A_PERSIST },
	{ RDON, true, SHUT, 0, RDON, A_STATE, A_PERSIST },
	/* Never keep an ISC primary in CONFLICT-DONE looking at RECOVER-DONE (its log_fatal). */
	{ RDON, false, CDON, 0, POTC, A_CHANGE | A_UPD, 0 },
	/* RESOLUTION-INTERRUPTED, sec 9.11.3: whatever the partner, POTENTIAL-CONFLICT. */
	{ RINT, true, NORM, 0, POTC, A_CHANGE | A_UPD, 0 },
	{ RINT, true, PDWN, 0, POTC, A_CHANGE | A_UPD, 0 },
	{ RINT, false, POTC, 0, POTC, A_CHANGE, A_UPD },
	{ RINT, true, RECO, 0, POTC, A_CHANGE | A_UPD, 0 },
	{ RINT, true, SHUT, 0, POTC, A_CHANGE | A_UPD, 0 },
	/* CONFLICT-DONE (primary), sec 9.12.3. */
	{ CDON, true, NORM, 0, NORM, A_CHANGE | A_UNACKED, A_POOL },
	{ CDON, true, POTC, 0, CDON, A_STATE, A_PERSIST },
	{ CDON, true, RINT, 0, CDON, A_STATE, A_PERSIST },
};

START_TEST(test_comm_ok_table)
{
	const struct comm_ok_case *c = &comm_ok_cases[_i];

	start_stored(c->mine, c->primary);
	ck_assert_uint_eq(fo_fsm_state(&f), c->mine);
	unsigned act = fo_fsm_partner_state(&f, c->partner, c->flags, T0 - 100, T0 + 1);
	expect(act, c->want, c->acts, c->no_acts);
	ck_assert(f.comm_ok);
	ck_assert(f.rec.partner_seen);
	ck_assert_int_eq(f.rec.last_operational, T0 + 1);
	if (fo_fsm_state(&f) != c->mine)
		ck_assert_int_eq(f.rec.stos, T0 + 1);
}
END_TEST

/* ---- NORMAL, partner changes state while we talk (sec 9.2, 9.8.4, ISC sec 8.4) ---- */

struct normal_case {
	bool primary;
	uint8_t partner;
	uint8_t want;
	unsigned acts, no_acts;
};

static const struct normal_case normal_cases[] = {
	{ true, RECO, PDWN, A_CHANGE, A_UNACKED },
	{ true, SHUT, PDWN, A_CHANGE, 0 },
	{ true, PAUS, CINT, A_CHANGE, 0 },
	{ true, PDWN, POTC, A_CHANGE | A_UPD, 0 },
	{ false, PDWN, POTC, A_CHANGE, A_UPD },
	{ true, POTC, POTC, A_CHANGE | A_UPD, 0 },
	{ true, RINT, POTC, A_CHANGE | A_UPD, 0 },
	/* The expected ones: nothing moves. */
	{ true, CINT, NORM, 0, A_PERSIST | A_STATE | A_UNACKED },
	{ true, RDON, NORM, 0, A_PERSIST | A_STATE },
	{ false, CDON, NORM, 0, A_PERSIST | A_STATE | A_UPD },
	{ true, NORM, NORM, 0, A_PERSIST | A_STATE },
};

START_TEST(test_normal_partner_change)
{
	const struct normal_case *c = &normal_cases[_i];

	start_stored(NORM, c->primary);
	ck_assert_uint_eq(fo_fsm_state(&f), CINT);
	expect(fo_fsm_partner_state(&f, NORM, 0, T0 - 100, T0 + 1), NORM, A_CHANGE | A_UNACKED, 0);
	unsigned act = fo_fsm_partner_state(&f, c->partner, 0, T0 + 5, T0 + 5);
	expect(act, c->want, c->acts, c->no_acts);
}
END_TEST

/* ---- start from each stored state (sec 9.3.2), then STARTUP's end by the timer ---- */

struct start_case {
	bool none; /* no record at all */
	uint8_t state, prev;
	uint8_t want;
	bool persist;
	enum failover_mode service; /* once STARTUP is over, no partner heard */
};

static const struct start_case start_cases[] = {
	{ true, 0, 0, RECO, true, FAILOVER_NO_SERVICE },
	{ false, NORM, 0, CINT, true, FAILOVER_COMM_INTERRUPTED },
	{ false, CINT, 0, CINT, false, FAILOVER_COMM_INTERRUPTED },
	{ false, PDWN, 0, PDWN, false, FAILOVER_PARTNER_DOWN },
	{ false, POTC, 0, RINT, true, FAILOVER_COMM_INTERRUPTED },
	{ false, RECO, 0, RECO, false, FAILOVER_NO_SERVICE },
	{ false, RWAI, 0, RWAI, false, FAILOVER_NO_SERVICE },
	{ false, RDON, 0, RDON, false, FAILOVER_RENEW_ONLY },
	{ false, RINT, 0, RINT, false, FAILOVER_COMM_INTERRUPTED },
	{ false, CDON, 0, CDON, false, FAILOVER_COMM_INTERRUPTED },
	{ false, PAUS, NORM, CINT, true, FAILOVER_COMM_INTERRUPTED },
	{ false, PAUS, PDWN, PDWN, true, FAILOVER_PARTNER_DOWN },
	{ false, SHUT, POTC, RINT, true, FAILOVER_COMM_INTERRUPTED },
	{ false, SHUT, RECO, RECO, true, FAILOVER_NO_SERVICE },
	{ false, SHUT, 0, RECO, true, FAILOVER_NO_SERVICE },
};

START_TEST(test_start)
{
	const struct start_case *c = &start_cases[_i];
	struct fo_fsm_params p = params(true, 15, 0);
	struct fo_fsm_record r = stored(c->state, c->prev);

	unsigned act = fo_fsm_start(&f, &p, c->none ? NULL : &r, T0);
	ck_assert_uint_eq(fo_fsm_state(&f), c->want);
	ck_assert_uint_eq(!!(act & A_PERSIST), c->persist);
	ck_assert(act & A_VIEW);
	ck_assert(!(act & A_STATE));
	ck_assert_uint_eq(f.rec.prev_state, 0);
	ck_assert_uint_eq(f.rec.partner_seen, !c->none);
	ck_assert_int_eq(f.rec.stos, c->want == c->state && !c->none ? T0 - 1000 : T0);
	/* STARTUP (sec 9.3.1): no service, whatever the state. */
	ck_assert(f.startup);
	ck_assert_int_eq(fo_fsm_service(&f), FAILOVER_NO_SERVICE);
	ck_assert_uint_eq(fo_fsm_tick(&f, T0 + 14), 0);
	ck_assert(f.startup);
	act = fo_fsm_tick(&f, T0 + 15);
	ck_assert(!f.startup);
	ck_assert((act & (A_STATE | A_VIEW)) == (A_STATE | A_VIEW));
	ck_assert_uint_eq(fo_fsm_state(&f), c->want);
	ck_assert_int_eq(fo_fsm_service(&f), c->service);
}
END_TEST

/* No startup period configured: service at once. */
START_TEST(test_no_startup_period)
{
	struct fo_fsm_params p = params(false, 0, 0);
	struct fo_fsm_record r = stored(PDWN, 0);

	fo_fsm_start(&f, &p, &r, T0);
	ck_assert(!f.startup);
	ck_assert_int_eq(fo_fsm_service(&f), FAILOVER_PARTNER_DOWN);
	ck_assert_uint_eq(fo_fsm_tick(&f, T0 + 1), 0);
}
END_TEST

/*
 * Communications OK end STARTUP early (sec 9.3.2 step 5): the previous
 * state, then the communications-OK transition; a partner in PARTNER-DOWN
 * since after we were last in touch sends us to RECOVER, since before to
 * POTENTIAL-CONFLICT.
 */
struct startup_case {
	uint8_t mine, partner, flags;
	int64_t partner_stos;
	uint8_t want;
	unsigned acts, no_acts;
};

static const struct startup_case startup_cases[] = {
	{ NORM, CINT, FO_SERVER_FLAG_STARTUP, T0 - 100, NORM, A_CHANGE | A_UNACKED, 0 },
	{ NORM, NORM, 0, T0 - 100, NORM, A_CHANGE | A_UNACKED, 0 },
	{ NORM, PDWN, 0, T0 - 400, RECO, A_CHANGE | A_UPD, A_UPDALL },
	{ NORM, PDWN, 0, T0 - 600, POTC, A_CHANGE | A_UPD, 0 },
	{ PDWN, PDWN, 0, T0 - 600, POTC, A_CHANGE | A_UPD, 0 },
	{ RDON, PDWN, 0, T0 - 400, RECO, A_CHANGE | A_UPD, 0 },
	/* Still recovering: carry on (and a stored RECOVER asks for everything). */
	{ RECO, PDWN, 0, T0 - 600, RECO, A_STATE | A_VIEW | A_UPDALL, A_PERSIST },
	{ RWAI, PDWN, 0, T0 - 600, RWAI, A_STATE | A_VIEW, A_PERSIST | A_UPD | A_UPDALL },
	/* Our PARTNER-DOWN ignores a partner still in its own STARTUP. */
	{ PDWN, CINT, FO_SERVER_FLAG_STARTUP, T0 - 100, PDWN, A_STATE | A_VIEW, A_PERSIST },
};

START_TEST(test_startup_contact)
{
	const struct startup_case *c = &startup_cases[_i];
	struct fo_fsm_params p = params(true, 15, 0);
	struct fo_fsm_record r = stored(c->mine, 0);

	fo_fsm_start(&f, &p, &r, T0);
	ck_assert(f.startup);
	unsigned act = fo_fsm_partner_state(&f, c->partner, c->flags, c->partner_stos, T0 + 2);
	ck_assert(!f.startup);
	expect(act, c->want, c->acts, c->no_acts);
	/* The timer has nothing left to end. */
	ck_assert_uint_eq(fo_fsm_tick(&f, T0 + 15) & (A_STATE | A_PERSIST), 0);
}
END_TEST

/* ---- recover: RECOVER -> RECOVER-WAIT -> RECOVER-DONE -> NORMAL, ISC primary in PARTNER-DOWN ---- */

START_TEST(test_recover_sequence)
{
	struct fo_fsm_params p = params(false, 15, 0);
	unsigned act;

	/* A new secondary (or one that lost its store). */
	act = fo_fsm_start(&f, &p, NULL, T0);
	expect(act, RECO, A_PERSIST | A_VIEW, A_STATE);
	ck_assert(!f.rec.partner_seen);
	act = fo_fsm_partner_state(&f, PDWN, 0, T0 - 3600, T0 + 3);
	expect(act, RECO, A_PERSIST | A_STATE | A_VIEW | A_UPDALL, A_UPD);
	ck_assert(f.rec.partner_seen);
	ck_assert(f.upd_pending);
	/* One request at a time. */
	ck_assert_uint_eq(fo_fsm_partner_state(&f, PDWN, 0, T0 - 3600, T0 + 4), 0);
	/* Lost mid-update: stay, and ask for everything again when back (sec 9.5.2). */
	act = fo_fsm_comm_lost(&f, T0 + 5);
	expect(act, RECO, 0, A_VIEW | A_STATE);
	ck_assert(!f.upd_pending);
	ck_assert_uint_eq(fo_fsm_upddone(&f, T0 + 6), 0); /* nothing outstanding */
	act = fo_fsm_partner_state(&f, PDWN, 0, T0 - 3600, T0 + 10);
	expect(act, RECO, A_STATE | A_UPDALL, A_UPD);
	/* UPDDONE: the partner is in PARTNER-DOWN, so wait MCLT from our start (sec 9.6.2). */
	act = fo_fsm_upddone(&f, T0 + 20);
	expect(act, RWAI, A_CHANGE, A_UPD | A_UPDALL);
	ck_assert(!f.need_all && !f.upd_pending);
	ck_assert_int_eq(f.recover_wait_until, T0 + MCLT);
	ck_assert_int_eq(fo_fsm_service(&f), FAILOVER_NO_SERVICE);
	/* The timer runs with communications down too. */
	fo_fsm_comm_lost(&f, T0 + 100);
	ck_assert_uint_eq(fo_fsm_tick(&f, T0 + MCLT - 1), 0);
	act = fo_fsm_tick(&f, T0 + MCLT);
	expect(act, RDON, A_PERSIST | A_VIEW, A_STATE);
	ck_assert_int_eq(fo_fsm_service(&f), FAILOVER_RENEW_ONLY);
	/* Back in touch: ISC in PARTNER-DOWN sees RECOVER-DONE and goes NORMAL; so do we. */
	act = fo_fsm_partner_state(&f, PDWN, 0, T0 - 3600, T0 + MCLT + 5);
	expect(act, RDON, A_STATE, A_PERSIST | A_UPD);
	act = fo_fsm_partner_state(&f, NORM, 0, T0 + MCLT + 6, T0 + MCLT + 6);
	expect(act, NORM, A_CHANGE | A_UNACKED | A_POOL, 0);
	ck_assert_int_eq(fo_fsm_service(&f), FAILOVER_NORMAL);
}
END_TEST

/* The wait already over when UPDDONE arrives: through RECOVER-WAIT in one step. */
START_TEST(test_recover_wait_elapsed)
{
	struct fo_fsm_params p = params(true, 0, 0);

	fo_fsm_start(&f, &p, NULL, T0);
	fo_fsm_partner_state(&f, PDWN, 0, T0 - 3600, T0 + 1);
	unsigned act = fo_fsm_upddone(&f, T0 + MCLT + 1);
	expect(act, RDON, A_CHANGE, 0);
}
END_TEST

/*
 * RECOVER because the partner went PARTNER-DOWN after we were last in
 * touch: a partner we know, so UPDREQ, not UPDREQALL (sec 9.5.2).
 */
START_TEST(test_recover_updreq)
{
	struct fo_fsm_params p = params(true, 15, 0);
	struct fo_fsm_record r = stored(CINT, 0);

	fo_fsm_start(&f, &p, &r, T0);
	unsigned act = fo_fsm_partner_state(&f, PDWN, 0, T0 - 100, T0 + 1);
	expect(act, RECO, A_CHANGE | A_UPD, A_UPDALL);
	/* Lost and back: the same request again. */
	fo_fsm_comm_lost(&f, T0 + 2);
	act = fo_fsm_partner_state(&f, PDWN, 0, T0 - 100, T0 + 3);
	expect(act, RECO, A_STATE | A_UPD, A_UPDALL | A_PERSIST);
}
END_TEST

/*
 * A first-time pair (failover.md sec 14, ISC's rule in sec 8.4): both in
 * RECOVER, UPDDONE takes us straight to RECOVER-DONE, and both in
 * RECOVER-DONE go NORMAL, noted as ISC logs it.
 */
START_TEST(test_first_time_pair)
{
	struct fo_fsm_params p = params(true, 15, 0);
	unsigned act;

	fo_fsm_start(&f, &p, NULL, T0);
	/* A fresh ISC secondary: RECOVER with the STARTUP flag, then without. */
	act = fo_fsm_partner_state(&f, RECO, FO_SERVER_FLAG_STARTUP, T0, T0 + 1);
	expect(act, RECO, A_STATE | A_UPDALL, 0);
	act = fo_fsm_partner_state(&f, RECO, 0, T0 + 15, T0 + 15);
	expect(act, RECO, 0, A_UPDALL | A_UPD | A_STATE);
	act = fo_fsm_upddone(&f, T0 + 16);
	expect(act, RDON, A_CHANGE, 0);
	ck_assert_int_eq(fo_fsm_service(&f), FAILOVER_RENEW_ONLY);
	act = fo_fsm_partner_state(&f, RDON, 0, T0 + 17, T0 + 17);
	expect(act, NORM, A_CHANGE | A_UNACKED, A_POOL);
	ck_assert_ptr_nonnull(f.note);

	/* The other order: the partner is in RECOVER-DONE when our UPDDONE comes. */
	p.primary = false;
	fo_fsm_start(&f, &p, NULL, T0);
	fo_fsm_partner_state(&f, RECO, 0, T0, T0 + 1);
	fo_fsm_partner_state(&f, RDON, 0, T0 + 2, T0 + 2);
	ck_assert_uint_eq(fo_fsm_state(&f), RECO);
	act = fo_fsm_upddone(&f, T0 + 3);
	expect(act, NORM, A_CHANGE | A_UNACKED | A_POOL, 0);
}
END_TEST

/* ---- potential-conflict resolution (sec 9.10, 9.12) ---- */

START_TEST(test_conflict_primary)
{
	unsigned act;

	start_stored(RINT, true);
	act = fo_fsm_partner_state(&f, RINT, 0, T0 - 100, T0 + 1);
	expect(act, POTC, A_CHANGE | A_UPD, 0);
	ck_assert_int_eq(fo_fsm_service(&f), FAILOVER_NO_SERVICE);
	/* The secondary arrives in POTENTIAL-CONFLICT too: no second UPDREQ. */
	act = fo_fsm_partner_state(&f, POTC, 0, T0 + 2, T0 + 2);
	expect(act, POTC, 0, A_UPD | A_PERSIST | A_STATE);
	act = fo_fsm_upddone(&f, T0 + 3);
	expect(act, CDON, A_CHANGE, A_UNACKED);
	ck_assert_int_eq(fo_fsm_service(&f), FAILOVER_COMM_INTERRUPTED);
	/* Lost in CONFLICT-DONE: stay (sec 9.12.3), and wait for the secondary again. */
	expect(fo_fsm_comm_lost(&f, T0 + 4), CDON, 0, A_VIEW);
	act = fo_fsm_partner_state(&f, POTC, 0, T0 + 2, T0 + 5);
	expect(act, CDON, A_STATE, A_PERSIST | A_UPD);
	act = fo_fsm_partner_state(&f, NORM, 0, T0 + 6, T0 + 6);
	expect(act, NORM, A_CHANGE | A_UNACKED, A_POOL);
}
END_TEST

START_TEST(test_conflict_secondary)
{
	unsigned act;

	start_stored(RINT, false);
	act = fo_fsm_partner_state(&f, POTC, 0, T0 - 100, T0 + 1);
	expect(act, POTC, A_CHANGE, A_UPD | A_UPDALL);
	ck_assert_uint_eq(fo_fsm_upddone(&f, T0 + 2), 0); /* we asked for nothing */
	/* The primary is done: now we ask (sec 9.10.3), and stay until UPDDONE. */
	act = fo_fsm_partner_state(&f, CDON, 0, T0 + 3, T0 + 3);
	expect(act, POTC, A_UPD, A_PERSIST | A_STATE);
	act = fo_fsm_upddone(&f, T0 + 4);
	expect(act, NORM, A_CHANGE | A_UNACKED | A_POOL, 0);
	/* The primary follows into NORMAL: nothing more to do. */
	ck_assert_uint_eq(fo_fsm_partner_state(&f, NORM, 0, T0 + 5, T0 + 5), 0);

	/* Lost during resolution: RESOLUTION-INTERRUPTED, served as COMM-INT (sec 9.11). */
	start_stored(RINT, false);
	fo_fsm_partner_state(&f, POTC, 0, T0 - 100, T0 + 1);
	act = fo_fsm_comm_lost(&f, T0 + 2);
	expect(act, RINT, A_PERSIST | A_VIEW, A_STATE);
	ck_assert_int_eq(fo_fsm_service(&f), FAILOVER_COMM_INTERRUPTED);
}
END_TEST

/* ---- communications lost, state by state (sec 8.2) ---- */

START_TEST(test_comm_lost)
{
	static const struct {
		uint8_t mine, partner, want;
	} cases[] = {
		{ CINT, NORM, CINT }, /* reaches NORMAL, then lost */
		{ RINT, RINT, RINT }, /* reaches POTENTIAL-CONFLICT */
		{ PDWN, RECO, PDWN }, { RECO, PDWN, RECO },
		{ RDON, PDWN, RDON }, { CDON, POTC, CDON },
	};

	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		start_stored(cases[i].mine, true);
		fo_fsm_partner_state(&f, cases[i].partner, 0, T0 - 100, T0 + 1);
		uint8_t before = fo_fsm_state(&f);
		unsigned act = fo_fsm_comm_lost(&f, T0 + 2);
		ck_assert_uint_eq(fo_fsm_state(&f), cases[i].want);
		ck_assert(act & A_PERSIST); /* the last time in touch */
		ck_assert(!(act & A_STATE));
		ck_assert_uint_eq(!!(act & A_VIEW), before != cases[i].want);
		ck_assert_int_eq(f.comm_lost_at, T0 + 2);
		ck_assert_int_eq(f.rec.last_operational, T0 + 2);
		ck_assert(!f.comm_ok);
		/* Lost again without having been in touch: nothing to record. */
		ck_assert_uint_eq(fo_fsm_comm_lost(&f, T0 + 3), 0);
	}
}
END_TEST

/* ---- safe period (sec 9.9.3, 10) ---- */

START_TEST(test_safe_period)
{
	struct fo_fsm_params p = params(true, 0, 60);
	struct fo_fsm_record r = stored(NORM, 0);
	unsigned act;

	/* Restarted in COMM-INT and nobody answers: the period runs from the start. */
	fo_fsm_start(&f, &p, &r, T0);
	ck_assert_uint_eq(fo_fsm_tick(&f, T0 + 59), 0);
	act = fo_fsm_tick(&f, T0 + 60);
	expect(act, PDWN, A_PERSIST | A_VIEW, A_STATE);

	/* NORMAL, then lost: from the loss. */
	fo_fsm_start(&f, &p, &r, T0);
	fo_fsm_partner_state(&f, NORM, 0, T0, T0 + 100);
	expect(fo_fsm_comm_lost(&f, T0 + 200), CINT, A_PERSIST | A_VIEW, 0);
	ck_assert_uint_eq(fo_fsm_tick(&f, T0 + 259), 0);
	act = fo_fsm_tick(&f, T0 + 260);
	expect(act, PDWN, A_PERSIST | A_VIEW, 0);
	ck_assert_int_eq(fo_fsm_service(&f), FAILOVER_PARTNER_DOWN);
	/* The partner's free addresses only MCLT after entering PARTNER-DOWN (sec 9.4.2). */
	ck_assert(!fo_fsm_may_take_partner_pool(&f, T0 + 260 + MCLT - 1));
	ck_assert(fo_fsm_may_take_partner_pool(&f, T0 + 260 + MCLT));

	/* In touch in COMM-INT (partner PAUSED): the period does not run. */
	fo_fsm_start(&f, &p, &r, T0);
	fo_fsm_partner_state(&f, PAUS, 0, T0, T0 + 1);
	ck_assert_uint_eq(fo_fsm_state(&f), CINT);
	ck_assert_uint_eq(fo_fsm_tick(&f, T0 + 1000) & A_PERSIST, 0);
	ck_assert_uint_eq(fo_fsm_state(&f), CINT);

	/* No safe period configured: never. */
	p.auto_partner_down = 0;
	fo_fsm_start(&f, &p, &r, T0);
	ck_assert_uint_eq(fo_fsm_tick(&f, T0 + 100000), 0);
	ck_assert_uint_eq(fo_fsm_state(&f), CINT);
	ck_assert(!fo_fsm_may_take_partner_pool(&f, T0 + 100000));
}
END_TEST

/* ---- the operator's partner-down (sec 9.9.2 of the digest: NORMAL, COMM-INT, RES-INT) ---- */

START_TEST(test_partner_down_command)
{
	static const struct {
		uint8_t state;
		bool allowed;
	} cases[] = {
		{ NORM, true },	 { CINT, true },  { RINT, true },  { PDWN, false }, { RECO, false },
		{ RWAI, false }, { RDON, false }, { POTC, false }, { CDON, false }, { SHUT, false },
	};

	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t s = cases[i].state;

		if (s == NORM) {
			start_stored(CINT, true);
			fo_fsm_partner_state(&f, NORM, 0, T0, T0 + 1);
		} else if (s == POTC) {
			start_stored(RINT, true);
			fo_fsm_partner_state(&f, RINT, 0, T0, T0 + 1);
		} else if (s == SHUT) {
			start_stored(CINT, true);
			fo_fsm_shutdown(&f, T0 + 1);
		} else {
			start_stored(s, true);
		}
		ck_assert_uint_eq(fo_fsm_state(&f), s);
		unsigned act = fo_fsm_partner_down(&f, T0 + 10);
		if (cases[i].allowed) {
			ck_assert_msg(act & A_PERSIST, "%s", fo_server_state_name(s));
			ck_assert_uint_eq(fo_fsm_state(&f), PDWN);
			ck_assert_int_eq(f.rec.stos, T0 + 10);
			ck_assert_uint_eq(!!(act & A_STATE), f.comm_ok);
		} else {
			ck_assert_msg(act == 0, "%s", fo_server_state_name(s));
			ck_assert_uint_eq(fo_fsm_state(&f), s);
		}
	}

	/* In STARTUP with a stored COMM-INT: the operator ends the wait too. */
	struct fo_fsm_params p = params(true, 15, 0);
	struct fo_fsm_record r = stored(NORM, 0);
	fo_fsm_start(&f, &p, &r, T0);
	unsigned act = fo_fsm_partner_down(&f, T0 + 1);
	expect(act, PDWN, A_PERSIST | A_VIEW, 0);
	ck_assert(!f.startup);
	ck_assert_int_eq(fo_fsm_service(&f), FAILOVER_PARTNER_DOWN);
}
END_TEST

/* ---- shutdown (sec 9.14) ---- */

START_TEST(test_shutdown)
{
	struct fo_fsm_params p = params(true, 15, 0);
	struct fo_fsm_record r;
	uint8_t buf[FO_FSM_RECORD_BYTES];

	start_stored(CINT, true);
	fo_fsm_partner_state(&f, NORM, 0, T0, T0 + 1);
	unsigned act = fo_fsm_shutdown(&f, T0 + 50);
	expect(act, SHUT, A_CHANGE, 0);
	ck_assert_uint_eq(f.rec.prev_state, NORM);
	ck_assert_int_eq(f.rec.last_operational, T0 + 50);
	ck_assert_int_eq(fo_fsm_service(&f), FAILOVER_NO_SERVICE);
	ck_assert_uint_eq(fo_fsm_shutdown(&f, T0 + 51), 0);
	/* Restart: back in the state before, with its communications-failed successor. */
	fo_fsm_record_encode(&f.rec, buf);
	ck_assert_int_eq(fo_fsm_record_decode(buf, sizeof(buf), &r), 0);
	fo_fsm_start(&f, &p, &r, T0 + 100);
	ck_assert_uint_eq(fo_fsm_state(&f), CINT);

	/* The partner went PARTNER-DOWN while we shut down: restart recovering. */
	start_stored(CINT, true);
	fo_fsm_partner_state(&f, NORM, 0, T0, T0 + 1);
	fo_fsm_shutdown(&f, T0 + 50);
	act = fo_fsm_partner_state(&f, PDWN, 0, T0 + 51, T0 + 51);
	expect(act, SHUT, A_PERSIST, A_STATE);
	ck_assert_uint_eq(f.rec.prev_state, RECO);
	r = f.rec;
	fo_fsm_start(&f, &p, &r, T0 + 100);
	ck_assert_uint_eq(fo_fsm_state(&f), RECO);
}
END_TEST

/* ---- the service per state (failover.md sec 8.1) ---- */

START_TEST(test_service)
{
	static const struct {
		uint8_t state;
		enum failover_mode mode;
	} cases[] = {
		{ NORM, FAILOVER_NORMAL },	     { CINT, FAILOVER_COMM_INTERRUPTED },
		{ RINT, FAILOVER_COMM_INTERRUPTED }, { CDON, FAILOVER_COMM_INTERRUPTED },
		{ PDWN, FAILOVER_PARTNER_DOWN },     { RDON, FAILOVER_RENEW_ONLY },
		{ RECO, FAILOVER_NO_SERVICE },	     { RWAI, FAILOVER_NO_SERVICE },
		{ POTC, FAILOVER_NO_SERVICE },	     { PAUS, FAILOVER_NO_SERVICE },
		{ SHUT, FAILOVER_NO_SERVICE },
	};

	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&f, 0, sizeof(f));
		f.rec.state = cases[i].state;
		ck_assert_int_eq(fo_fsm_service(&f), cases[i].mode);
		f.startup = true;
		ck_assert_int_eq(fo_fsm_service(&f), FAILOVER_NO_SERVICE);
	}
}
END_TEST

/* An unknown server-state from the partner closes the link and changes nothing. */
START_TEST(test_bad_partner_state)
{
	static const uint8_t bad[] = { 0, FO_STATE_STARTUP, 12, 253, 255 };

	for (unsigned i = 0; i < sizeof(bad); i++) {
		start_stored(CINT, true);
		ck_assert_uint_eq(fo_fsm_partner_state(&f, bad[i], 0, T0, T0 + 1), FO_DO_CLOSE);
		ck_assert(!f.comm_ok);
		ck_assert(!f.partner_known);
		ck_assert_ptr_nonnull(f.note);
	}
}
END_TEST

/* ---- the durable record ---- */

START_TEST(test_record_round_trip)
{
	const struct fo_fsm_record in = { .state = FO_STATE_SHUTDOWN,
					  .prev_state = FO_STATE_COMM_INTERRUPTED,
					  .stos = 0x0102030405060708,
					  .last_operational = -2,
					  .partner_seen = true,
					  .mclt = 3600 };
	uint8_t b[FO_FSM_RECORD_BYTES];
	struct fo_fsm_record out;

	memset(b, 0xee, sizeof(b));
	fo_fsm_record_encode(&in, b);
	/* Golden layout: magic, version, states, flags, then little-endian fields. */
	static const uint8_t head[] = {
		'L', 'W', 'F', 'S', 1, FO_STATE_SHUTDOWN, FO_STATE_COMM_INTERRUPTED, 1, 8, 7, 6,
		5,   4,	  3,   2,   1
	};
	ck_assert_mem_eq(b, head, sizeof(head));
	ck_assert_uint_eq(get_le64(b + 16), (uint64_t)-2);
	ck_assert_uint_eq(get_le32(b + 24), 3600);
	for (unsigned i = 28; i < 36; i++)
		ck_assert_uint_eq(b[i], 0);
	ck_assert_uint_eq(get_le32(b + 36), crc32c(0, b, 36));
	ck_assert_int_eq(fo_fsm_record_decode(b, sizeof(b), &out), 0);
	ck_assert_uint_eq(out.state, in.state);
	ck_assert_uint_eq(out.prev_state, in.prev_state);
	ck_assert_int_eq(out.stos, in.stos);
	ck_assert_int_eq(out.last_operational, in.last_operational);
	ck_assert(out.partner_seen);
	ck_assert_uint_eq(out.mclt, in.mclt);

	/* Every state a record may hold survives; what fo_fsm keeps, it reads back. */
	struct fo_fsm_params p = params(false, 15, 0);
	fo_fsm_start(&f, &p, NULL, T0);
	fo_fsm_record_encode(&f.rec, b);
	ck_assert_int_eq(fo_fsm_record_decode(b, sizeof(b), &out), 0);
	ck_assert_uint_eq(out.state, FO_STATE_RECOVER);
	ck_assert(!out.partner_seen);
	ck_assert_uint_eq(out.mclt, MCLT);
}
END_TEST

/* A record re-sealed with a good CRC around a bad field. */
static void reseal(uint8_t *b) { put_le32(b + 36, crc32c(0, b, 36)); }

START_TEST(test_record_corrupt)
{
	const struct fo_fsm_record in = stored(FO_STATE_NORMAL, 0);
	uint8_t good[FO_FSM_RECORD_BYTES], b[FO_FSM_RECORD_BYTES + 1];
	struct fo_fsm_record out;

	fo_fsm_record_encode(&in, good);
	/* Any one byte changed. */
	for (unsigned i = 0; i < FO_FSM_RECORD_BYTES; i++) {
		for (unsigned bit = 0; bit < 8; bit++) {
			memcpy(b, good, sizeof(good));
			b[i] ^= (uint8_t)(1u << bit);
			ck_assert_int_eq(fo_fsm_record_decode(b, sizeof(good), &out), -EINVAL);
		}
	}
	/* Short or long. */
	memcpy(b, good, sizeof(good));
	b[FO_FSM_RECORD_BYTES] = 0;
	ck_assert_int_eq(fo_fsm_record_decode(b, sizeof(good) - 1, &out), -EINVAL);
	ck_assert_int_eq(fo_fsm_record_decode(b, sizeof(good) + 1, &out), -EINVAL);
	ck_assert_int_eq(fo_fsm_record_decode(b, 0, &out), -EINVAL);
	/* Well sealed, but not a record we wrote. */
	static const struct {
		unsigned off;
		uint8_t v;
	} bad[] = {
		/* magic, version */
		{ 0, 'X' },
		{ 4, 2 },
		/* state, prev_state */
		{ 5, 0 },
		{ 5, FO_STATE_STARTUP },
		{ 5, 12 },
		{ 5, 255 },
		{ 6, FO_STATE_STARTUP },
		{ 6, 99 },
		/* flags */
		{ 7, 0x02 },
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memcpy(b, good, sizeof(good));
		b[bad[i].off] = bad[i].v;
		reseal(b);
		ck_assert_msg(fo_fsm_record_decode(b, sizeof(good), &out) == -EINVAL, "case %u", i);
	}
	/* And RECOVER-WAIT's 254 is a state like the others. */
	memcpy(b, good, sizeof(good));
	b[5] = FO_STATE_RECOVER_WAIT;
	reseal(b);
	ck_assert_int_eq(fo_fsm_record_decode(b, sizeof(good), &out), 0);
	ck_assert_uint_eq(out.state, FO_STATE_RECOVER_WAIT);
}
END_TEST

static void add_tests(TCase *tc)
{
	tcase_add_loop_test(tc, test_comm_ok_table, 0,
			    (int)(sizeof(comm_ok_cases) / sizeof(comm_ok_cases[0])));
	tcase_add_loop_test(tc, test_normal_partner_change, 0,
			    (int)(sizeof(normal_cases) / sizeof(normal_cases[0])));
	tcase_add_loop_test(tc, test_start, 0, (int)(sizeof(start_cases) / sizeof(start_cases[0])));
	tcase_add_test(tc, test_no_startup_period);
	tcase_add_loop_test(tc, test_startup_contact, 0,
			    (int)(sizeof(startup_cases) / sizeof(startup_cases[0])));
	tcase_add_test(tc, test_recover_sequence);
	tcase_add_test(tc, test_recover_wait_elapsed);
	tcase_add_test(tc, test_recover_updreq);
	tcase_add_test(tc, test_first_time_pair);
	tcase_add_test(tc, test_conflict_primary);
	tcase_add_test(tc, test_conflict_secondary);
	tcase_add_test(tc, test_comm_lost);
	tcase_add_test(tc, test_safe_period);
	tcase_add_test(tc, test_partner_down_command);
	tcase_add_test(tc, test_shutdown);
	tcase_add_test(tc, test_service);
	tcase_add_test(tc, test_bad_partner_state);
	tcase_add_test(tc, test_record_round_trip);
	tcase_add_test(tc, test_record_corrupt);
}

int main(void) { return run_suite("fo_fsm", add_tests); }
