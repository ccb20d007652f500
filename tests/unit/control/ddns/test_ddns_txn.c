/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * control/ddns/ddns_txn.c: the per-request state machine against ddns.md
 * sec 4.4's table. Each case is a request, the rcodes its messages get in
 * turn, the messages it must send, and the outcome per direction.
 */
#include <check.h>

#include "../../unit_suite.h"
#include "ddns/ddns_internal.h"

#define MAXSTEPS 8
#define END -1

struct txn_case {
	const char *what;
	uint8_t kind, mode;
	bool fwd, rev;
	int rcodes[MAXSTEPS]; /* the answer to each message, END-terminated */
	int kinds[MAXSTEPS]; /* the messages sent, END-terminated */
	enum ddns_outcome fwd_out, rev_out;
};

#define ADD DDNS_NCR_ADD
#define REM DDNS_NCR_REMOVE
#define CHK CFG_DDNS_CHECK_WITH_DHCID
#define EXI CFG_DDNS_CHECK_EXISTS_WITH_DHCID
#define SIM CFG_DDNS_NO_CHECK_WITH_DHCID
#define NOD CFG_DDNS_NO_CHECK_WITHOUT_DHCID
#define NOERROR LDNS_RCODE_NOERROR
#define FORMERR LDNS_RCODE_FORMERR
#define NXDOMAIN LDNS_RCODE_NXDOMAIN
#define YXDOMAIN LDNS_RCODE_YXDOMAIN
#define YXRRSET LDNS_RCODE_YXRRSET
#define NXRRSET LDNS_RCODE_NXRRSET
#define NOTZONE LDNS_RCODE_NOTZONE

static const struct txn_case cases[] = {
	{ "add: name free",
	  ADD,
	  CHK,
	  true,
	  true,
	  { NOERROR, NOERROR, END },
	  { DDNS_MSG_ADD_FWD, DDNS_MSG_ADD_REV, END },
	  DDNS_OUT_OK,
	  DDNS_OUT_OK },
	{ "add: ours already (renewal)",
	  ADD,
	  CHK,
	  true,
	  true,
	  { YXDOMAIN, NOERROR, NOERROR, END },
	  { DDNS_MSG_ADD_FWD, DDNS_MSG_REPLACE_FWD, DDNS_MSG_ADD_REV, END },
	  DDNS_OUT_OK,
	  DDNS_OUT_OK },
	{ "add: another client's: no PTR",
	  ADD,
	  CHK,
	  true,
	  true,
	  { YXDOMAIN, NXRRSET, END },
	  { DDNS_MSG_ADD_FWD, DDNS_MSG_REPLACE_FWD, END },
	  DDNS_OUT_CONFLICT,
	  DDNS_OUT_SKIPPED },
	{ "add: vanished between the steps",
	  ADD,
	  CHK,
	  true,
	  false,
	  { YXDOMAIN, NXDOMAIN, NOERROR, END },
	  { DDNS_MSG_ADD_FWD, DDNS_MSG_REPLACE_FWD, DDNS_MSG_ADD_FWD, END },
	  DDNS_OUT_OK,
	  DDNS_OUT_NONE },
	{ "add: vanishing for ever is bounded",
	  ADD,
	  CHK,
	  true,
	  false,
	  { YXDOMAIN, NXDOMAIN, YXDOMAIN, NXDOMAIN, YXDOMAIN, NXDOMAIN, END },
	  { DDNS_MSG_ADD_FWD, DDNS_MSG_REPLACE_FWD, DDNS_MSG_ADD_FWD, DDNS_MSG_REPLACE_FWD,
	    DDNS_MSG_ADD_FWD, DDNS_MSG_REPLACE_FWD, END },
	  DDNS_OUT_REJECTED,
	  DDNS_OUT_NONE },
	{ "add: final rcode",
	  ADD,
	  CHK,
	  true,
	  true,
	  { NOTZONE, END },
	  { DDNS_MSG_ADD_FWD, END },
	  DDNS_OUT_REJECTED,
	  DDNS_OUT_SKIPPED },
	{ "add: PTR only",
	  ADD,
	  CHK,
	  false,
	  true,
	  { NOERROR, END },
	  { DDNS_MSG_ADD_REV, END },
	  DDNS_OUT_NONE,
	  DDNS_OUT_OK },
	{ "add: PTR refused for good",
	  ADD,
	  CHK,
	  true,
	  true,
	  { NOERROR, FORMERR, END },
	  { DDNS_MSG_ADD_FWD, DDNS_MSG_ADD_REV, END },
	  DDNS_OUT_OK,
	  DDNS_OUT_REJECTED },
	{ "remove: ours",
	  REM,
	  CHK,
	  true,
	  true,
	  { NOERROR, NOERROR, NOERROR, END },
	  { DDNS_MSG_REMOVE_FWD_A, DDNS_MSG_REMOVE_FWD_RRS, DDNS_MSG_REMOVE_REV, END },
	  DDNS_OUT_OK,
	  DDNS_OUT_OK },
	{ "remove: another address left (dual use)",
	  REM,
	  CHK,
	  true,
	  false,
	  { NOERROR, YXRRSET, END },
	  { DDNS_MSG_REMOVE_FWD_A, DDNS_MSG_REMOVE_FWD_RRS, END },
	  DDNS_OUT_OK,
	  DDNS_OUT_NONE },
	{ "remove: not ours",
	  REM,
	  CHK,
	  true,
	  true,
	  { NXRRSET, NXRRSET, YXRRSET, END },
	  { DDNS_MSG_REMOVE_FWD_A, DDNS_MSG_REMOVE_REV, DDNS_MSG_REMOVE_REV_LEGACY, END },
	  DDNS_OUT_CONFLICT,
	  DDNS_OUT_CONFLICT },
	{ "remove: a PTR without DHCID (ISC style)",
	  REM,
	  CHK,
	  false,
	  true,
	  { NXRRSET, NOERROR, END },
	  { DDNS_MSG_REMOVE_REV, DDNS_MSG_REMOVE_REV_LEGACY, END },
	  DDNS_OUT_NONE,
	  DDNS_OUT_OK },
	{ "remove: forward rejected, reverse not tried",
	  REM,
	  CHK,
	  true,
	  true,
	  { FORMERR, END },
	  { DDNS_MSG_REMOVE_FWD_A, END },
	  DDNS_OUT_REJECTED,
	  DDNS_OUT_SKIPPED },
	{ "check-exists: any DHCID will do",
	  ADD,
	  EXI,
	  true,
	  true,
	  { YXDOMAIN, NOERROR, NOERROR, END },
	  { DDNS_MSG_ADD_FWD, DDNS_MSG_REPLACE_FWD_EXISTS, DDNS_MSG_ADD_REV, END },
	  DDNS_OUT_OK,
	  DDNS_OUT_OK },
	{ "check-exists: static name kept",
	  ADD,
	  EXI,
	  true,
	  true,
	  { YXDOMAIN, NXRRSET, END },
	  { DDNS_MSG_ADD_FWD, DDNS_MSG_REPLACE_FWD_EXISTS, END },
	  DDNS_OUT_CONFLICT,
	  DDNS_OUT_SKIPPED },
	{ "check-exists: remove",
	  REM,
	  EXI,
	  true,
	  true,
	  { NOERROR, NOERROR, NXRRSET, END },
	  { DDNS_MSG_REMOVE_FWD_A_EXISTS, DDNS_MSG_REMOVE_FWD_RRS_EXISTS, DDNS_MSG_REMOVE_REV_PTR,
	    END },
	  DDNS_OUT_OK,
	  DDNS_OUT_CONFLICT },
	{ "no-check-with-dhcid",
	  ADD,
	  SIM,
	  true,
	  true,
	  { NOERROR, NOERROR, END },
	  { DDNS_MSG_ADD_FWD_SIMPLE, DDNS_MSG_ADD_REV, END },
	  DDNS_OUT_OK,
	  DDNS_OUT_OK },
	{ "no-check-with-dhcid remove",
	  REM,
	  SIM,
	  true,
	  true,
	  { NOERROR, NOERROR, END },
	  { DDNS_MSG_REMOVE_FWD_SIMPLE, DDNS_MSG_REMOVE_REV_SIMPLE, END },
	  DDNS_OUT_OK,
	  DDNS_OUT_OK },
	{ "no-check-without-dhcid",
	  ADD,
	  NOD,
	  true,
	  true,
	  { NOERROR, NOERROR, END },
	  { DDNS_MSG_ADD_FWD_NODHCID, DDNS_MSG_ADD_REV_NODHCID, END },
	  DDNS_OUT_OK,
	  DDNS_OUT_OK },
	{ "no-check-without-dhcid remove",
	  REM,
	  NOD,
	  true,
	  true,
	  { NOERROR, NOERROR, END },
	  { DDNS_MSG_REMOVE_FWD_NODHCID, DDNS_MSG_REMOVE_REV_NODHCID, END },
	  DDNS_OUT_OK,
	  DDNS_OUT_OK },
};

START_TEST(test_sequences)
{
	const struct txn_case *c = &cases[_i];
	struct ddns_req r = {
		.ncr = { .kind = c->kind, .mode = c->mode, .fwd = c->fwd, .rev = c->rev },
		.fwd_dom = 0,
		.rev_dom = 0
	};
	enum ddns_txn_step st = ddns_txn_first(&r);
	int i = 0;

	for (; c->rcodes[i] != END; i++) {
		ck_assert_msg(st == DDNS_TXN_SEND, "%s: step %d: nothing sent", c->what, i);
		ck_assert_msg((int)r.kind == c->kinds[i], "%s: step %d: %s", c->what, i,
			      ddns_msg_kind_name(r.kind));
		st = ddns_txn_answer(&r, (uint8_t)c->rcodes[i]);
	}
	ck_assert_msg(c->kinds[i] == END, "%s: fewer messages than expected", c->what);
	ck_assert_msg(st == DDNS_TXN_DONE, "%s: not done", c->what);
	ck_assert_msg(r.res.fwd == c->fwd_out && r.res.rev == c->rev_out, "%s: fwd %s rev %s",
		      c->what, ddns_outcome_name(r.res.fwd), ddns_outcome_name(r.res.rev));
}
END_TEST

START_TEST(test_retryable)
{
	struct ddns_req r = { .ncr = { .kind = ADD, .fwd = true }, .fwd_dom = 0, .rev_dom = -1 };

	/* RFC 2136 sec 4 and the brief: these go to another server, then back off. */
	static const uint8_t retry[] = { LDNS_RCODE_SERVFAIL, LDNS_RCODE_NOTIMPL,
					 LDNS_RCODE_REFUSED, LDNS_RCODE_NOTAUTH };
	for (unsigned i = 0; i < sizeof(retry); i++) {
		ck_assert_int_eq(ddns_txn_first(&r), DDNS_TXN_SEND);
		ck_assert_int_eq(ddns_txn_answer(&r, retry[i]), DDNS_TXN_RETRY);
		ck_assert_int_eq(r.kind, DDNS_MSG_ADD_FWD); /* the step is kept */
		ck_assert_int_eq(r.res.fwd, DDNS_OUT_NONE);
	}
	/* No zone in either direction: nothing to send. */
	struct ddns_req z = { .ncr = { .kind = ADD, .fwd = true, .rev = true },
			      .fwd_dom = -1,
			      .rev_dom = -1 };
	ck_assert_int_eq(ddns_txn_first(&z), DDNS_TXN_DONE);
}
END_TEST

START_TEST(test_resent_reverse_removal)
{
	/* RFC 2136 sec 7.8: NXRRSET to a retransmitted removal means our first copy landed. */
	struct ddns_req r = { .ncr = { .kind = REM, .rev = true }, .fwd_dom = -1, .rev_dom = 0 };

	ck_assert_int_eq(ddns_txn_first(&r), DDNS_TXN_SEND);
	r.resent = true;
	ck_assert_int_eq(ddns_txn_answer(&r, NXRRSET), DDNS_TXN_DONE);
	ck_assert_int_eq(r.res.rev, DDNS_OUT_OK);
}
END_TEST

static void add_tests(TCase *tc)
{
	tcase_add_loop_test(tc, test_sequences, 0, sizeof(cases) / sizeof(cases[0]));
	tcase_add_test(tc, test_retryable);
	tcase_add_test(tc, test_resent_reverse_removal);
}

int main(void) { return run_suite("ddns_txn", add_tests); }
