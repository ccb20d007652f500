/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The per-request state machine (ddns_internal.h): which message a
 * request starts with, and what each answer's rcode means at each step.
 * ddns.md sec 4.4 is the table, per conflict mode of sec 4.5; the
 * transport (timeouts, other servers, back-off) is ddns_engine.c's.
 *
 *   add, check-with-dhcid:   add-fwd --YXDOMAIN--> replace-fwd --NXRRSET--> conflict
 *                                ^                      |NXDOMAIN (<= 3 rounds)
 *                                +----------------------+
 *                            then add-rev (skipped after a conflict or a rejection)
 *   remove, check-with-dhcid: remove-fwd-a --NOERROR--> remove-fwd-rrs
 *                                   |NXRRSET: not ours
 *                            then remove-rev --NXRRSET--> remove-rev-legacy
 */
#include "ddns_internal.h"

#include <ldns/ldns.h>

bool ddns_txn_rcode_retryable(uint8_t rcode)
{
	/*
	 * RFC 2136 sec 4: SERVFAIL and NOTIMP ask for the next server;
	 * REFUSED and NOTAUTH too, here: a secondary that forwards badly, a
	 * key not (yet) configured on one server. None of these is the
	 * zone's answer to our prerequisites.
	 */
	return rcode == LDNS_RCODE_SERVFAIL || rcode == LDNS_RCODE_NOTIMPL ||
	       rcode == LDNS_RCODE_REFUSED || rcode == LDNS_RCODE_NOTAUTH;
}

static enum ddns_msg_kind add_fwd(uint8_t mode)
{
	switch (mode) {
	case CFG_DDNS_NO_CHECK_WITH_DHCID: return DDNS_MSG_ADD_FWD_SIMPLE;
	case CFG_DDNS_NO_CHECK_WITHOUT_DHCID: return DDNS_MSG_ADD_FWD_NODHCID;
	default: return DDNS_MSG_ADD_FWD; /* step 1 of both checking modes */
	}
}

static enum ddns_msg_kind add_rev(uint8_t mode)
{
	return mode == CFG_DDNS_NO_CHECK_WITHOUT_DHCID ? DDNS_MSG_ADD_REV_NODHCID
						       : DDNS_MSG_ADD_REV;
}

static enum ddns_msg_kind remove_fwd(uint8_t mode)
{
	switch (mode) {
	case CFG_DDNS_NO_CHECK_WITH_DHCID: return DDNS_MSG_REMOVE_FWD_SIMPLE;
	case CFG_DDNS_NO_CHECK_WITHOUT_DHCID: return DDNS_MSG_REMOVE_FWD_NODHCID;
	case CFG_DDNS_CHECK_EXISTS_WITH_DHCID: return DDNS_MSG_REMOVE_FWD_A_EXISTS;
	default: return DDNS_MSG_REMOVE_FWD_A;
	}
}

static enum ddns_msg_kind remove_rev(uint8_t mode)
{
	switch (mode) {
	case CFG_DDNS_NO_CHECK_WITH_DHCID: return DDNS_MSG_REMOVE_REV_SIMPLE;
	case CFG_DDNS_NO_CHECK_WITHOUT_DHCID: return DDNS_MSG_REMOVE_REV_NODHCID;
	case CFG_DDNS_CHECK_EXISTS_WITH_DHCID: return DDNS_MSG_REMOVE_REV_PTR;
	default: return DDNS_MSG_REMOVE_REV;
	}
}

static bool wants_rev(const struct ddns_req *r) { return r->ncr.rev && r->rev_dom >= 0; }

/* The forward direction is finished with outcome o: on to the reverse, or done. */
static enum ddns_txn_step fwd_finished(struct ddns_req *r, enum ddns_outcome o)
{
	r->res.fwd = o;
	if (!wants_rev(r))
		return DDNS_TXN_DONE;
	/*
	 * RFC 4703 sec 5.3.1 / Kea: no PTR for a name we could not take.
	 * A removal goes on: its reverse step has its own guard.
	 */
	if (r->ncr.kind == DDNS_NCR_ADD && o != DDNS_OUT_OK) {
		r->res.rev = DDNS_OUT_SKIPPED;
		return DDNS_TXN_DONE;
	}
	if (r->ncr.kind == DDNS_NCR_REMOVE && o == DDNS_OUT_REJECTED) {
		r->res.rev = DDNS_OUT_SKIPPED;
		return DDNS_TXN_DONE;
	}
	r->kind = r->ncr.kind == DDNS_NCR_ADD ? add_rev(r->ncr.mode) : remove_rev(r->ncr.mode);
	return DDNS_TXN_SEND;
}

static enum ddns_txn_step rev_finished(struct ddns_req *r, enum ddns_outcome o)
{
	r->res.rev = o;
	return DDNS_TXN_DONE;
}

enum ddns_txn_step ddns_txn_first(struct ddns_req *r)
{
	bool add = r->ncr.kind == DDNS_NCR_ADD;

	r->rounds = 0;
	if (r->ncr.fwd && r->fwd_dom >= 0) {
		r->kind = add ? add_fwd(r->ncr.mode) : remove_fwd(r->ncr.mode);
		return DDNS_TXN_SEND;
	}
	if (wants_rev(r)) {
		r->kind = add ? add_rev(r->ncr.mode) : remove_rev(r->ncr.mode);
		return DDNS_TXN_SEND;
	}
	return DDNS_TXN_DONE;
}

enum ddns_txn_step ddns_txn_answer(struct ddns_req *r, uint8_t rcode)
{
	bool noerror = rcode == LDNS_RCODE_NOERROR;

	if (ddns_txn_rcode_retryable(rcode))
		return DDNS_TXN_RETRY;
	switch (r->kind) {
	case DDNS_MSG_ADD_FWD:
		if (noerror)
			return fwd_finished(r, DDNS_OUT_OK);
		if (rcode == LDNS_RCODE_YXDOMAIN) { /* the name is in use: is it ours? */
			r->kind = r->ncr.mode == CFG_DDNS_CHECK_EXISTS_WITH_DHCID
				      ? DDNS_MSG_REPLACE_FWD_EXISTS
				      : DDNS_MSG_REPLACE_FWD;
			return DDNS_TXN_SEND;
		}
		return fwd_finished(r, DDNS_OUT_REJECTED);
	case DDNS_MSG_REPLACE_FWD:
	case DDNS_MSG_REPLACE_FWD_EXISTS:
		if (noerror)
			return fwd_finished(r, DDNS_OUT_OK);
		if (rcode == LDNS_RCODE_NXRRSET) /* another client's, or static */
			return fwd_finished(r, DDNS_OUT_CONFLICT);
		if (rcode == LDNS_RCODE_NXDOMAIN && ++r->rounds < DDNS_ADD_ROUNDS) {
			r->kind = DDNS_MSG_ADD_FWD; /* it vanished between the steps */
			return DDNS_TXN_SEND;
		}
		return fwd_finished(r, DDNS_OUT_REJECTED);
	case DDNS_MSG_ADD_FWD_SIMPLE:
	case DDNS_MSG_ADD_FWD_NODHCID:
	case DDNS_MSG_REMOVE_FWD_SIMPLE:
	case DDNS_MSG_REMOVE_FWD_NODHCID:
		return fwd_finished(r, noerror ? DDNS_OUT_OK : DDNS_OUT_REJECTED);
	case DDNS_MSG_REMOVE_FWD_A:
	case DDNS_MSG_REMOVE_FWD_A_EXISTS:
		if (noerror) {
			r->kind = r->kind == DDNS_MSG_REMOVE_FWD_A ? DDNS_MSG_REMOVE_FWD_RRS
								   : DDNS_MSG_REMOVE_FWD_RRS_EXISTS;
			return DDNS_TXN_SEND;
		}
		/* RFC 4703 sec 5.5: not ours (or gone): the name stays. */
		if (rcode == LDNS_RCODE_NXRRSET || rcode == LDNS_RCODE_NXDOMAIN)
			return fwd_finished(r, DDNS_OUT_CONFLICT);
		return fwd_finished(r, DDNS_OUT_REJECTED);
	case DDNS_MSG_REMOVE_FWD_RRS:
	case DDNS_MSG_REMOVE_FWD_RRS_EXISTS:
		/* Our address is gone; NXRRSET/YXRRSET: another address or owner remains (Kea: done). */
		if (noerror || rcode == LDNS_RCODE_NXRRSET || rcode == LDNS_RCODE_YXRRSET ||
		    rcode == LDNS_RCODE_NXDOMAIN)
			return fwd_finished(r, DDNS_OUT_OK);
		return fwd_finished(r, DDNS_OUT_REJECTED);
	case DDNS_MSG_ADD_REV:
	case DDNS_MSG_ADD_REV_NODHCID:
	case DDNS_MSG_REMOVE_REV_SIMPLE:
	case DDNS_MSG_REMOVE_REV_NODHCID:
		return rev_finished(r, noerror ? DDNS_OUT_OK : DDNS_OUT_REJECTED);
	case DDNS_MSG_REMOVE_REV:
		if (noerror)
			return rev_finished(r, DDNS_OUT_OK);
		if ((rcode == LDNS_RCODE_NXRRSET || rcode == LDNS_RCODE_NXDOMAIN) && r->resent)
			/* RFC 2136 sec 7.8: most likely our earlier copy removed them. */
			return rev_finished(r, DDNS_OUT_OK);
		if (rcode == LDNS_RCODE_NXRRSET || rcode == LDNS_RCODE_NXDOMAIN) {
			/* Not PTR F + DHCID D: perhaps a PTR F written without DHCID. */
			r->kind = DDNS_MSG_REMOVE_REV_LEGACY;
			return DDNS_TXN_SEND;
		}
		return rev_finished(r, DDNS_OUT_REJECTED);
	case DDNS_MSG_REMOVE_REV_LEGACY:
	case DDNS_MSG_REMOVE_REV_PTR:
		if (noerror)
			return rev_finished(r, DDNS_OUT_OK);
		if (rcode == LDNS_RCODE_NXRRSET || rcode == LDNS_RCODE_YXRRSET ||
		    rcode == LDNS_RCODE_NXDOMAIN)
			return rev_finished(r, DDNS_OUT_CONFLICT);
		return rev_finished(r, DDNS_OUT_REJECTED);
	default:
		return ddns_msg_kind_is_fwd(r->kind) ? fwd_finished(r, DDNS_OUT_REJECTED)
						     : rev_finished(r, DDNS_OUT_REJECTED);
	}
}
