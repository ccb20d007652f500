/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The failover state machine of one relationship (draft-12 sec 9, with
 * ISC dhcpd 4.4.3's specifics; failover.md sec 8). Pure logic: no clock,
 * no sockets, no files. The session (control/failover/) feeds it events
 * with the current time and carries out what each call returns as a set
 * of FO_ACT_* bits: send a STATE, send UPDREQ or UPDREQALL, close the
 * connection, make the new state durable before it takes effect.
 *
 * STARTUP is not a state of its own here: it is a flag on the state the
 * server had before (draft-12 sec 9.3.1: the STATE message carries the
 * previously recorded state plus the STARTUP flag).
 */
#ifndef LW_FO_FSM_H
#define LW_FO_FSM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "failover/failover_view.h"
#include "failover/fo_codes.h"

/* What the caller must do after an event; a bit set, in this order. */
enum fo_fsm_action {
	FO_DO_PERSIST = 1u << 0, /* write fo_fsm_record durably before anything else */
	FO_DO_SEND_STATE = 1u << 1, /* send STATE(state, startup flag, stos) */
	FO_DO_SEND_UPDREQ = 1u << 2,
	FO_DO_SEND_UPDREQALL = 1u << 3,
	FO_DO_SEND_POOLREQ = 1u << 4, /* secondary on entering NORMAL */
	FO_DO_SEND_UNACKED = 1u << 5, /* on entering NORMAL: every binding not yet acked */
	FO_DO_CLOSE = 1u << 6, /* drop the connection (the rules say so) */
	FO_DO_VIEW = 1u << 7, /* the service the workers give changed: publish a new view */
};

struct fo_fsm_params {
	bool primary;
	uint32_t mclt; /* seconds */
	uint32_t startup_secs; /* STARTUP period (ISC: 15) */
	uint32_t auto_partner_down; /* safe period in COMM-INT, seconds; 0 = never */
};

/* What survives a restart (FO_DO_PERSIST); the encoding is fo_fsm_record_encode. */
struct fo_fsm_record {
	uint8_t state; /* enum fo_server_state, never STARTUP */
	uint8_t prev_state; /* the state before PAUSED/SHUTDOWN, 0 if none */
	int64_t stos; /* start time of state, unix secs */
	int64_t last_operational; /* last time we were in a communications-OK state (0: never) */
	bool partner_seen; /* we have talked to this partner before (UPDREQ vs UPDREQALL) */
	uint32_t mclt; /* the MCLT in force (the secondary adopts the primary's) */
};

struct fo_fsm {
	struct fo_fsm_params p;
	struct fo_fsm_record rec; /* rec.state = current state */
	bool startup; /* in the STARTUP period */
	int64_t startup_until;
	bool comm_ok; /* connected and the partner's STATE received */
	bool partner_known;
	uint8_t partner_state; /* enum fo_server_state, as last received */
	bool partner_startup;
	int64_t partner_stos;
	int64_t comm_lost_at; /* 0 while communications are OK */
	bool upd_pending; /* our UPDREQ/UPDREQALL awaits its UPDDONE */
	int64_t recover_wait_until; /* RECOVER-WAIT -> RECOVER-DONE */
	/* Added with fo_fsm.c: */
	int64_t started_at; /* fo_fsm_start's now: the latest we can have gone down */
	bool need_all; /* ask UPDREQALL, not UPDREQ, until an UPDDONE (draft-12 sec 9.5.2) */
	/*
	 * Set by the last event when it saw something an operator should hear
	 * of (a static string, for the session's log), else NULL.
	 */
	const char *note;
};

/*
 * Start (draft-12 sec 9.3.2): stored is the last record written, or NULL
 * when there is none (a new relationship or a lost store: RECOVER).
 * Enters STARTUP on the stored state, a communications-OK state replaced by
 * its communications-failed successor. Returns actions.
 */
unsigned fo_fsm_start(struct fo_fsm *f, const struct fo_fsm_params *p,
		      const struct fo_fsm_record *stored, int64_t now);

/* The partner's STATE message arrived (also the first one after CONNECT[ACK]). */
unsigned fo_fsm_partner_state(struct fo_fsm *f, uint8_t state, uint8_t flags, int64_t stos,
			      int64_t now);

/* The connection is gone (TCP close, tReceive expiry, a protocol error). */
unsigned fo_fsm_comm_lost(struct fo_fsm *f, int64_t now);

/* The UPDDONE answering our UPDREQ or UPDREQALL arrived. */
unsigned fo_fsm_upddone(struct fo_fsm *f, int64_t now);

/* Timers (STARTUP end, RECOVER-WAIT end, safe period); call about once a second. */
unsigned fo_fsm_tick(struct fo_fsm *f, int64_t now);

/*
 * The operator's "failover partner-down" (draft-12 sec 9.9.2): from
 * NORMAL, COMM-INT or RESOLUTION-INTERRUPTED. Returns actions, or 0 and
 * leaves the state when it is not allowed from the current one.
 */
unsigned fo_fsm_partner_down(struct fo_fsm *f, int64_t now);

/* The server shuts down: SHUTDOWN is recorded with the state before it. */
unsigned fo_fsm_shutdown(struct fo_fsm *f, int64_t now);

/* The state shown and sent (STARTUP while the flag is set is the stored state). */
static inline uint8_t fo_fsm_state(const struct fo_fsm *f) { return f->rec.state; }

/*
 * The service the workers give in the current state (failover.md sec 8.1),
 * as a failover_view mode; STARTUP and the states without service give
 * FAILOVER_NO_SERVICE, RECOVER-DONE FAILOVER_RENEW_ONLY.
 */
enum failover_mode fo_fsm_service(const struct fo_fsm *f);

/* Whether the partner's free addresses may be allocated now (PARTNER-DOWN + MCLT). */
bool fo_fsm_may_take_partner_pool(const struct fo_fsm *f, int64_t now);

/* Durable form: fixed size, little-endian, CRC32C-checked. */
#define FO_FSM_RECORD_BYTES 40
void fo_fsm_record_encode(const struct fo_fsm_record *r, uint8_t out[FO_FSM_RECORD_BYTES]);
/* Returns 0, or -EINVAL when the bytes are not a record (length, magic, CRC, state value). */
int fo_fsm_record_decode(const uint8_t *buf, size_t len, struct fo_fsm_record *r);

#endif
