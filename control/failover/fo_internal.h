/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Inside the failover module: the session's state shared by its files
 * (fo_session.c protocol and timers, fo_updates.c binding updates,
 * fo_store.c the durable state). Control thread only.
 */
#ifndef LW_FO_INTERNAL_H
#define LW_FO_INTERNAL_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "config/config.h"
#include "failover.h"
#include "failover/fo_fsm.h"
#include "failover/fo_msg.h"
#include "fo_link.h"
#include "mgmt/counter_block.h"

enum fo_proto {
	FO_PROTO_IDLE = 0, /* no link */
	FO_PROTO_WAIT_CONNECT, /* secondary: link up, CONNECT expected */
	FO_PROTO_WAIT_CONNECTACK, /* primary: CONNECT sent */
	FO_PROTO_ESTABLISHED, /* CONNECT/CONNECTACK done */
};

/* A binding change queued for the partner. */
struct fo_change {
	uint8_t rec_type; /* enum journal_rec_type */
	struct lease_image img;
};

/* Our BNDUPD waiting for its BNDACK. */
struct fo_inflight {
	uint32_t xid;
	uint32_t ip;
	uint8_t status; /* the binding-status sent */
	int64_t pet;
	struct lease_image img;
};

/* One worker command a partner update waits for. */
struct fo_cmd_wait {
	unsigned worker;
	uint64_t need_done; /* the worker's done count that includes our command */
	uint64_t failed_before; /* the worker's failed count before it */
};

/* A partner's BNDUPD being applied by workers, BNDACKed once durable. */
struct fo_rx_update {
	uint32_t xid;
	uint32_t ip;
	uint8_t reject; /* 0: accepted (applied, or nothing to change) */
	uint8_t n_waits; /* worker commands applying it: the lease, the address's owner */
	struct fo_cmd_wait wait[2];
	uint64_t
	    round_mark; /* 0 until the workers are done; then the drained round that commits it */
	uint64_t failures_mark; /* commit failures when they were done */
};

#define FO_CHANGE_QUEUE 65536u
#define FO_RX_MAX 1024u
#define FO_INFLIGHT_MAX 1024u

struct fo_updates {
	struct fo_change *q; /* FO_CHANGE_QUEUE ring */
	uint32_t q_head, q_len;
	uint32_t noted_in_round; /* queued by the commit round in progress (failover_round_end) */
	struct fo_inflight *inflight; /* FO_INFLIGHT_MAX */
	unsigned n_inflight;
	struct fo_rx_update *rx; /* FO_RX_MAX ring */
	uint32_t rx_head, rx_len;
	/* A full walk of the table: an UPDREQ(ALL) to answer, or a lost queue overflow. */
	bool walking;
	size_t walk_cursor;
	bool walk_backup; /* the primary's second part: the BACKUP addresses */
	uint32_t walk_backup_ip; /* next address of that part */
	bool resync; /* the queue overflowed: walk once the link is up */
	bool updreq_pending; /* answer UPDDONE with updreq_xid when all is sent and acked */
	uint32_t updreq_xid;
};

/* The primary's hand-over of BACKUP addresses in progress (fo_pool.c). */
struct fo_pool_walk {
	bool moving;
	size_t want; /* addresses still to hand over in this pass */
	size_t subnet, pool; /* cursor into the config's pools */
	uint32_t ip;
	int64_t next_check_ns;
};

struct fo_session {
	struct control *c;
	const struct cfg_failover *cfg;
	struct failover_view **view;
	struct fo_status_board *board;
	struct fo_link link;
	struct fo_fsm fsm;
	enum fo_proto proto;
	int64_t link_up_ns; /* monotonic, when the link came up */
	int64_t last_rx_ns, last_tx_ns;
	int64_t next_connect_ns;
	unsigned backoff_s;
	bool partner_state_seen; /* a STATE arrived on this connection */
	uint32_t partner_receive_timer;
	uint32_t partner_max_unacked;
	uint8_t hba_primary[32]; /* set bit: the primary serves the bucket (either polarity) */
	uint32_t xid;
	bool took_partner_pool; /* the view lets us allocate the partner's addresses */
	int64_t connected_since;
	char state_path[PATH_MAX];
	struct fo_updates up;
	struct fo_pool_walk pool;
	struct fo_msg msg;
	uint8_t buf[FO_MSG_MAX];
	struct counter_block block;
	struct fo_status st; /* published to the board */
};

#define FO_CTR(s) (&(s)->board->ctr)
#define FO_COUNT(s, name) atomic_fetch_add_explicit(&FO_CTR(s)->name, 1, memory_order_relaxed)

uint32_t fo_now(void);

/* Log one line an operator can act on, and keep it for "show failover". */
void fo_log(struct fo_session *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Send a built message (fo_build_finish's result). Closes the link if its buffer is full. */
int fo_send(struct fo_session *s, const uint8_t *msg, int len);
/* Start a message with the next xid (or a given one for responses). */
void fo_start(struct fo_session *s, struct fo_builder *b, uint8_t *buf, uint8_t type,
	      const uint32_t *xid);

/*
 * Carry out the state machine's FO_DO_* actions; was = the state before
 * the event (for the log line). fo_session.c.
 */
void fo_session_actions(struct fo_session *s, unsigned acts, uint8_t was);

/* fo_store.c: the durable state record, <lease dir>/failover.state. */
int fo_store_read(const char *path, struct fo_fsm_record *r, bool *found);
int fo_store_write(const char *path, const struct fo_fsm_record *r);

/* fo_pool.c: the primary's pool balance; call once per loop pass. */
void fo_pool_poll(struct fo_session *s);

/* fo_updates.c */
int fo_updates_init(struct fo_updates *u);
void fo_updates_fini(struct fo_updates *u);
void fo_updates_link_down(struct fo_session *s);
void fo_updates_poll(struct fo_session *s);
void fo_updates_rx(struct fo_session *s, const struct fo_msg *m);

#endif
