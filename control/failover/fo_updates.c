/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Binding updates both ways (draft-12 sec 7.1-7.4; failover.md sec 6, 9,
 * 10), towards ISC one binding per BNDUPD (pitfall 2).
 *
 * Out: every change the commit round made durable is queued
 * (failover_note_change) and sent while fewer than the partner's
 * max-unacked-bndupd are in flight; an UPDREQ or UPDREQALL, or a queue
 * that overflowed, walks the whole table instead. UPDDONE answers the
 * request once the walk is sent and every BNDUPD of it acked.
 *
 * In: a partner's BNDUPD is checked against our record (sec 9 acceptance
 * table), applied by the worker that owns the client through a worker
 * command, and BNDACKed only once the commit round that follows has made
 * the worker's record durable ("never BNDACK before the data is on stable
 * storage"). A commit round that fails in between closes the connection
 * rather than acknowledging: the partner sends the update again.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <urcu-qsbr.h>

#include "control.h"
#include "control_cmd.h"
#include "dhcp/client_key.h"
#include "failover/fo_binding.h"
#include "fo_internal.h"

#define WALK_BUDGET 4096

int fo_updates_init(struct fo_updates *u)
{
	memset(u, 0, sizeof(*u));
	u->q = calloc(FO_CHANGE_QUEUE, sizeof(*u->q));
	u->inflight = calloc(FO_INFLIGHT_MAX, sizeof(*u->inflight));
	u->rx = calloc(FO_RX_MAX, sizeof(*u->rx));
	if (!u->q || !u->inflight || !u->rx) {
		fo_updates_fini(u);
		return -ENOMEM;
	}
	return 0;
}

void fo_updates_fini(struct fo_updates *u)
{
	free(u->q);
	free(u->inflight);
	free(u->rx);
	memset(u, 0, sizeof(*u));
}

static bool queue_push(struct fo_updates *u, uint8_t rec_type, const struct lease_image *img)
{
	if (u->q_len == FO_CHANGE_QUEUE)
		return false;
	struct fo_change *ch = &u->q[(u->q_head + u->q_len) % FO_CHANGE_QUEUE];
	ch->rec_type = rec_type;
	ch->img = *img;
	u->q_len++;
	return true;
}

/*
 * What the partner needs to hear of: a lease of ours with an address, not
 * one learned from the partner; and, from the primary only, an address
 * handed to the secondary (BACKUP) or taken back (FREE).
 */
static bool worth_sending(const struct fo_session *s, uint8_t rec_type,
			  const struct lease_image *img)
{
	uint32_t ip;

	if (lease_image_is_backup(img, &ip))
		return s->cfg->role == CFG_FO_ROLE_PRIMARY;
	if (!img->ip || img->fo_flags & LEASE_FO_F_FROM_PARTNER)
		return false;
	if (rec_type == JOURNAL_REC_DELETE)
		return img->state == LEASE_BOUND;
	return img->state == LEASE_BOUND || img->state == LEASE_RELEASED ||
	       img->state == LEASE_EXPIRED || img->state == LEASE_DECLINED;
}

void failover_round_end(struct fo_session *s, bool committed)
{
	struct fo_updates *u = &s->up;

	if (!committed)
		u->q_len -= u->noted_in_round; /* at the tail: nothing was sent since */
	u->noted_in_round = 0;
}

void failover_note_change(struct fo_session *s, uint8_t rec_type, const struct lease_image *img)
{
	struct fo_updates *u = &s->up;

	if (!worth_sending(s, rec_type, img))
		return;
	if (queue_push(u, rec_type, img)) {
		u->noted_in_round++;
	} else if (!u->resync) {
		/* Nothing is lost: the table is walked and every binding sent again. */
		u->resync = true;
		FO_COUNT(s, update_queue_overflow);
		fo_log(s,
		       "binding update queue full (%u): every binding is sent again once the "
		       "partner catches up",
		       FO_CHANGE_QUEUE);
	}
}

void fo_updates_link_down(struct fo_session *s)
{
	struct fo_updates *u = &s->up;

	/*
	 * Updates in flight were not acked: they go again after the next
	 * CONNECT (draft-12 sec 9.8.1 sends every unacked binding on entering
	 * NORMAL; the partner's UPDREQ asks for them too). Partner updates not
	 * yet acked are simply not acked: the partner sends them again.
	 */
	for (unsigned i = 0; i < u->n_inflight; i++)
		if (!queue_push(u, JOURNAL_REC_UPSERT, &u->inflight[i].img))
			u->resync = true;
	u->n_inflight = 0;
	u->rx_len = 0;
	u->walking = u->walk_backup = false;
	u->updreq_pending = false;
}

/* The binding a queued change tells the partner (draft-12 Table 7.1-1). */
static void binding_of_change(uint8_t rec_type, const struct lease_image *img,
			      struct fo_binding *bd)
{
	struct lease l;
	uint32_t ip;

	if (lease_image_is_backup(img, &ip)) {
		memset(bd, 0, sizeof(*bd));
		bd->ip = ip;
		bd->status = rec_type == JOURNAL_REC_UPSERT ? FO_BINDING_BACKUP : FO_BINDING_FREE;
		bd->stos = (int64_t)fo_now();
		return;
	}
	memset(&l, 0, sizeof(l));
	lease_image_to_lease(&l, img);
	fo_binding_from_lease(&l, bd);
	if (rec_type == JOURNAL_REC_DELETE)
		bd->status = FO_BINDING_RELEASED; /* the operator cleared a bound lease */
}

static int send_bndupd(struct fo_session *s, uint8_t rec_type, const struct lease_image *img)
{
	struct fo_updates *u = &s->up;
	struct fo_binding bd;
	struct fo_builder b;
	uint8_t buf[FO_MSG_MAX];
	uint32_t xid = s->xid++;

	if (xid == 0) /* ISC skips xid 0 for BNDUPDs */
		xid = s->xid++;
	binding_of_change(rec_type, img, &bd);
	fo_start(s, &b, buf, FO_MSG_BNDUPD, &xid);
	fo_binding_build_bndupd(&b, &bd);
	int rc = fo_send(s, buf, fo_build_finish(&b));
	if (rc < 0)
		return rc;
	struct fo_inflight *f = &u->inflight[u->n_inflight++];
	f->xid = xid;
	f->ip = bd.ip;
	f->status = bd.status;
	f->pet = bd.pet;
	f->img = *img;
	FO_COUNT(s, bndupd_sent);
	return 0;
}

struct walk_ctx {
	struct fo_session *s;
	unsigned queued;
};

static int walk_visit(const struct lease *l, void *arg)
{
	struct walk_ctx *w = arg;
	struct lease_image img;

	if (!l->ip || l->state != LEASE_BOUND)
		return 0;
	lease_image_from_lease(&img, l);
	img.fo_flags &= (uint8_t)~LEASE_FO_F_FROM_PARTNER; /* the partner asked for everything */
	if (!queue_push(&w->s->up, JOURNAL_REC_UPSERT, &img))
		return 1; /* full: continue from the cursor next time */
	w->queued++;
	return 0;
}

struct backup_walk_ctx {
	struct fo_session *s;
	unsigned queued;
	int64_t now;
};

/*
 * The BACKUP addresses from walk_backup_ip on, until the queue has no room;
 * RCU read side (the table lookup). An address a lease holds is skipped:
 * the first part of the walk has told the partner who holds it, and a
 * BACKUP for it contradicts that. (A primary in PARTNER-DOWN allocates the
 * secondary's BACKUP addresses; answering the returning secondary's UPDREQ
 * it then sent a BACKUP for each of them, which the secondary refused as
 * outdated, draft-12 sec 7.1.3, one log line and one rejection each.)
 */
static int backup_visit(uint32_t ip, uint32_t subnet_id, void *arg)
{
	struct backup_walk_ctx *w = arg;
	struct fo_updates *u = &w->s->up;
	struct lease_image img;

	(void)subnet_id;
	if (ip < u->walk_backup_ip)
		return 0;
	if (w->queued >= WALK_BUDGET || u->q_len == FO_CHANGE_QUEUE)
		return 1;
	u->walk_backup_ip = ip + 1;
	const struct lease *l = lease_table_find_ip(w->s->c->table, ip);
	if (l && lease_holds_address(l, w->now))
		return 0;
	lease_image_backup(&img, ip);
	queue_push(u, JOURNAL_REC_UPSERT, &img);
	w->queued++;
	return 0;
}

/*
 * One step of a full walk: the lease records, then (the primary) every
 * BACKUP address, so a secondary that lost its store learns which
 * addresses are its own again (its UPDREQALL) and not only who holds what.
 */
static void walk_step(struct fo_session *s)
{
	struct fo_updates *u = &s->up;
	struct walk_ctx w = { .s = s };
	size_t before = u->walk_cursor, seen;
	int rc = 0;

	if (u->q_len > FO_CHANGE_QUEUE - WALK_BUDGET)
		return; /* let the queue drain first */
	if (u->walk_backup) {
		struct backup_walk_ctx bw = { .s = s, .now = (int64_t)fo_now() };
		rcu_thread_online();
		rc = lease_table_walk_backup(s->c->table, backup_visit, &bw);
		rcu_thread_offline();
		if (rc == 0)
			u->walking = u->walk_backup = false;
		return;
	}
	rcu_thread_online();
	seen =
	    lease_table_walk_chunk(s->c->table, &u->walk_cursor, WALK_BUDGET, walk_visit, &w, &rc);
	rcu_thread_offline();
	if (rc) {
		/* The queue filled in the middle of the chunk: redo the chunk later. */
		u->walk_cursor = before;
		return;
	}
	if (seen == 0) {
		u->walking = s->cfg->role == CFG_FO_ROLE_PRIMARY;
		u->walk_backup = u->walking;
		u->walk_backup_ip = 0;
	}
}

static void send_upddone(struct fo_session *s)
{
	struct fo_updates *u = &s->up;
	struct fo_builder b;
	uint8_t buf[FO_MSG_MAX];

	fo_start(s, &b, buf, FO_MSG_UPDDONE, &u->updreq_xid);
	if (fo_send(s, buf, fo_build_finish(&b)) == 0) {
		FO_COUNT(s, upddone_sent);
		fo_log(s, "update request answered: every binding sent and acknowledged (UPDDONE)");
	}
	u->updreq_pending = false;
}

/* 0 while a wait is pending, 1 when its workers are done, -1 when one failed to apply. */
static int waits_done(struct control *c, const struct fo_rx_update *r)
{
	for (unsigned i = 0; i < r->n_waits; i++) {
		struct worker_cmd_queue *q = &c->to_workers[r->wait[i].worker];
		if (atomic_load_explicit(&q->done, memory_order_acquire) < r->wait[i].need_done)
			return 0;
	}
	for (unsigned i = 0; i < r->n_waits; i++) {
		struct worker_cmd_queue *q = &c->to_workers[r->wait[i].worker];
		if (atomic_load_explicit(&q->failed, memory_order_relaxed) !=
		    r->wait[i].failed_before)
			return -1;
	}
	return 1;
}

/* Partner updates whose records are durable now get their BNDACK, in order. */
static void ack_durable(struct fo_session *s)
{
	struct fo_updates *u = &s->up;
	struct control *c = s->c;

	while (u->rx_len) {
		struct fo_rx_update *r = &u->rx[u->rx_head];
		uint8_t reject = r->reject;
		if (!reject && r->n_waits) {
			if (!r->round_mark) {
				int d = waits_done(c, r);
				if (d == 0)
					return;
				if (d < 0) {
					reject = FO_REJECT_UNKNOWN; /* the table is full */
				} else {
					r->round_mark = c->rounds_drained + 1;
					r->failures_mark = c->round_failures;
				}
			}
			if (!reject && c->rounds_drained < r->round_mark)
				return;
			if (!reject && c->round_failures != r->failures_mark) {
				fo_log(s,
				       "the lease store failed while partner updates were being "
				       "recorded: closing the connection so the partner sends them "
				       "again");
				fo_link_close(&s->link, "lease store failure");
				return;
			}
		}
		struct fo_builder b;
		uint8_t buf[FO_MSG_MAX];
		fo_start(s, &b, buf, FO_MSG_BNDACK, &r->xid);
		fo_binding_build_ack(&b, r->ip, reject,
				     reject ? fo_reject_reason_name(reject) : NULL);
		if (fo_send(s, buf, fo_build_finish(&b)) < 0)
			return;
		if (reject)
			FO_COUNT(s, bndupd_rejected);
		else
			FO_COUNT(s, bndupd_accepted);
		u->rx_head = (u->rx_head + 1) % FO_RX_MAX;
		u->rx_len--;
	}
}

void fo_updates_poll(struct fo_session *s)
{
	struct fo_updates *u = &s->up;

	ack_durable(s);
	if (s->link.state != FO_LINK_UP)
		return;
	if (u->resync && !u->walking) {
		u->resync = false;
		u->walking = true;
		u->walk_backup = false;
		u->walk_cursor = 0;
	}
	if (u->walking)
		walk_step(s);
	unsigned window =
	    s->partner_max_unacked < FO_INFLIGHT_MAX ? s->partner_max_unacked : FO_INFLIGHT_MAX;
	/* Binding updates only once the partner has told us its state (draft-12 sec 8.3). */
	while (s->partner_state_seen && u->q_len && u->n_inflight < window &&
	       s->link.state == FO_LINK_UP) {
		struct fo_change *ch = &u->q[u->q_head];
		if (send_bndupd(s, ch->rec_type, &ch->img) < 0)
			return;
		u->q_head = (u->q_head + 1) % FO_CHANGE_QUEUE;
		u->q_len--;
	}
	if (u->updreq_pending && !u->walking && !u->q_len && !u->n_inflight)
		send_upddone(s);
}

/*
 * The partner has the PET we sent for an ACTIVE binding: tell the owner
 * worker, so the lease's renewals may go past MCLT (specs sec 8.3). Half
 * the ring is left to partner updates, which close the link when it is
 * full; skipping loses only this: the lease stays capped by its older
 * acked PET.
 */
static void tell_acked_pet(struct fo_session *s, const struct fo_inflight *f)
{
	struct worker_cmd wc = { .type = WORKER_CMD_FO_ACKED, .ip = f->ip, .pet = f->pet };
	unsigned w = control_owner_of(s->c, &f->img);
	const struct spsc_ring *ring = s->c->to_workers[w].ring;

	wc.img.key_len = f->img.key_len;
	memcpy(wc.img.key, f->img.key, f->img.key_len);
	if (spsc_ring_count(ring) >= spsc_ring_capacity(ring) / 2 ||
	    !control_push_cmd(s->c, w, &wc))
		FO_COUNT(s, acked_pet_dropped);
}

static void on_bndack(struct fo_session *s, struct fo_msg *m)
{
	struct fo_updates *u = &s->up;
	unsigned i;

	FO_COUNT(s, bndack_received);
	for (i = 0; i < u->n_inflight; i++)
		if (u->inflight[i].xid == m->hdr.xid)
			break;
	if (i == u->n_inflight) {
		FO_COUNT(s, drop_unexpected);
		fo_log(s, "BNDACK xid %u matches no update in flight: ignored", m->hdr.xid);
		return;
	}
	uint8_t reason = 0;
	if (m->n_bindings)
		fo_msg_select_binding(m, 0);
	if (fo_msg_reject_reason(m, &reason) == 0 && reason) {
		uint16_t len = 0;
		const uint8_t *text = fo_msg_message(m, &len);
		char ip[16];
		uint32_t a = u->inflight[i].ip;
		snprintf(ip, sizeof(ip), "%u.%u.%u.%u", a >> 24, a >> 16 & 255, a >> 8 & 255,
			 a & 255);
		FO_COUNT(s, bndupd_rejected_by_partner);
		fo_log(s, "the partner rejected our update of %s (%u)%s%.*s", ip, reason,
		       text ? ": " : "", text ? (int)len : 0, text ? (const char *)text : "");
	}
	/*
	 * draft-12 sec 5.11: the sender of an EXPIRED/RELEASED sets the
	 * address FREE (the primary's) on the BNDACK; on the secondary that is
	 * giving the BACKUP address back.
	 */
	struct fo_inflight *f = &u->inflight[i];
	if (!reason && s->cfg->role == CFG_FO_ROLE_SECONDARY &&
	    (f->status == FO_BINDING_EXPIRED || f->status == FO_BINDING_RELEASED) &&
	    lease_table_is_backup(s->c->table, f->ip) &&
	    control_push_set_owner(s->c, f->ip, false) < 0)
		fo_log(s, "could not give a released address back to the primary's pool now");
	if (!reason && f->status == FO_BINDING_ACTIVE && f->pet != 0)
		tell_acked_pet(s, f);
	u->inflight[i] = u->inflight[--u->n_inflight];
}

static struct fo_rx_update *rx_add(struct fo_session *s, uint32_t xid, uint32_t ip, uint8_t reject)
{
	struct fo_updates *u = &s->up;

	if (u->rx_len == FO_RX_MAX) {
		/* The partner ignores our flow control: it sends again after a reconnect. */
		FO_COUNT(s, drop_unexpected);
		fo_log(s, "more than %u partner updates in progress: closing the connection",
		       FO_RX_MAX);
		fo_link_close(&s->link, "too many partner updates in progress");
		return NULL;
	}
	struct fo_rx_update *r = &u->rx[(u->rx_head + u->rx_len) % FO_RX_MAX];
	memset(r, 0, sizeof(*r));
	r->xid = xid;
	r->ip = ip;
	r->reject = reject;
	u->rx_len++;
	return r;
}

/* Push a command to worker w and note it as one the update's BNDACK waits for. */
static bool rx_push(struct fo_session *s, struct fo_rx_update *r, unsigned w,
		    const struct worker_cmd *wc)
{
	struct control *c = s->c;
	uint64_t failed = atomic_load_explicit(&c->to_workers[w].failed, memory_order_relaxed);

	if (!control_push_cmd(c, w, wc))
		return false;
	r->wait[r->n_waits++] = (struct fo_cmd_wait){ .worker = w,
						      .need_done = c->to_workers[w].pushed,
						      .failed_before = failed };
	return true;
}

static uint32_t subnet_of_ip(const struct lw_config *cfg, uint32_t ip)
{
	for (size_t i = 0; i < cfg->n_subnets; i++) {
		const struct cfg_subnet *sn = &cfg->subnets[i];
		uint32_t mask = sn->prefix_len ? ~0u << (32 - sn->prefix_len) : 0;
		if ((ip & mask) == sn->prefix)
			return sn->id;
	}
	return 0;
}

/*
 * An address's ownership, as the partner tells it. From the primary: the
 * secondary takes BACKUP and gives back FREE (refusing an address it has
 * used, draft-12 sec 5.4). From the secondary (its answer to our
 * UPDREQALL after we lost our store): a BACKUP address is marked BACKUP
 * here too, so we never allocate what it may hand out; FREE changes
 * nothing.
 */
static void rx_ownership(struct fo_session *s, const struct fo_binding *bd, uint32_t xid, bool held)
{
	struct fo_rx_update *r;
	bool backup = bd->status == FO_BINDING_BACKUP;
	bool primary = s->cfg->role == CFG_FO_ROLE_PRIMARY;
	int w = control_owner_of_ip(s->c, bd->ip);

	if (w < 0 || lease_table_is_backup(s->c->table, bd->ip) == backup || (primary && !backup)) {
		rx_add(s, xid, bd->ip, 0); /* nothing changes here */
		return;
	}
	if (!primary && !backup && held) {
		rx_add(s, xid, bd->ip, FO_REJECT_FATAL_CONFLICT);
		return;
	}
	struct worker_cmd wc = { .type = WORKER_CMD_SET_OWNER, .ip = bd->ip, .backup = backup };
	if (!(r = rx_add(s, xid, bd->ip, 0)))
		return;
	if (!rx_push(s, r, (unsigned)w, &wc)) {
		s->up.rx_len--;
		fo_link_close(&s->link, "worker command ring full");
	}
}

/*
 * The client of an ACTIVE binding the partner sends is still bound here to
 * another address, on a lease we granted ourselves (not learned from the
 * partner) that has not ended: returns that address, else 0. An offer does
 * not count: the client may have taken the partner's. RCU read side.
 *
 * Acceptance (fo_binding_accept, draft-12 sec 7.1.3) judges an update
 * against the record at its address. But a record is keyed by its client,
 * so applying the partner's binding moves the client's record to the new
 * address and frees the old one at once, although the lease we ACKed on it
 * still runs and the client may well be using it: in
 * COMMUNICATIONS-INTERRUPTED a client can be ACKed by both servers for two
 * different addresses (it ignores the second ACK, or takes it after timing
 * out on the first), and on reconnecting each server's BNDUPD freed the
 * address the other had granted. The partition test saw the freed address
 * handed to a second client 0.7 s later, while the first still held it.
 * Such an update is refused (reason 15) instead; the partner refuses ours
 * likewise, each keeps the address it granted, and the one the client does
 * not renew ends by itself (a binding made out of touch lasts MCLT).
 */
static uint32_t client_holds_other(struct fo_session *s, const struct lease_image *img, uint32_t ip,
				   int64_t now)
{
	const struct lease *mine = lease_table_find_key(s->c->table, img->key, img->key_len,
							client_key_hash(img->key, img->key_len));

	if (!mine || !mine->ip || mine->ip == ip || mine->fo_flags & LEASE_FO_F_FROM_PARTNER ||
	    mine->state != LEASE_BOUND || !lease_holds_address(mine, now))
		return 0;
	return mine->ip;
}

static void on_bndupd(struct fo_session *s, struct fo_msg *m)
{
	struct control *c = s->c;
	struct fo_binding bd, ours_bd;
	struct worker_cmd wc = { .type = WORKER_CMD_APPLY_IMAGE, .rec_type = JOURNAL_REC_UPSERT };
	struct fo_rx_update *r;
	uint8_t reject = 0;
	int apply = -ENOENT;
	int64_t now = (int64_t)fo_now();
	uint32_t other = 0;

	FO_COUNT(s, bndupd_received);
	if (m->n_bindings != 1) {
		/* ISC sends one per message; a batch is the Microsoft flavour's. */
		FO_COUNT(s, drop_unexpected);
		fo_log(s, "BNDUPD with %u bindings (one expected): closing the connection",
		       m->n_bindings);
		fo_link_close(&s->link, "batched BNDUPD");
		return;
	}
	memset(&bd, 0, sizeof(bd));
	if (fo_binding_parse(m, 0, &bd, &reject) < 0 || reject) {
		rx_add(s, m->hdr.xid, bd.ip, reject ? reject : FO_REJECT_MISSING_BINDINFO);
		return;
	}
	if (!lease_table_ip_known(c->table, bd.ip, 0)) {
		rx_add(s, m->hdr.xid, bd.ip, FO_REJECT_ILLEGAL_IP_ADDR);
		return;
	}
	rcu_thread_online();
	const struct lease *ours = lease_table_find_ip(c->table, bd.ip);
	bool held = ours && lease_holds_address(ours, now);
	if (ours)
		fo_binding_from_lease(ours, &ours_bd);
	reject = fo_binding_accept(ours ? &ours_bd : NULL, &bd, s->cfg->role == CFG_FO_ROLE_PRIMARY,
				   now);
	if (!reject && bd.status != FO_BINDING_FREE && bd.status != FO_BINDING_BACKUP)
		apply = fo_binding_to_image(&bd, ours, subnet_of_ip(c->cfg, bd.ip), now, &wc.img);
	if (apply == 0 && bd.status == FO_BINDING_ACTIVE &&
	    (other = client_holds_other(s, &wc.img, bd.ip, now)) != 0)
		reject = FO_REJECT_OUTDATED_BIND_INFO;
	rcu_thread_offline();
	if (other) {
		fo_log(s,
		       "refused the partner's binding of %u.%u.%u.%u: its client holds "
		       "%u.%u.%u.%u here, on a lease of ours still running",
		       bd.ip >> 24, bd.ip >> 16 & 255, bd.ip >> 8 & 255, bd.ip & 255, other >> 24,
		       other >> 16 & 255, other >> 8 & 255, other & 255);
	}
	if (reject) {
		rx_add(s, m->hdr.xid, bd.ip, reject);
		return;
	}
	if (bd.status == FO_BINDING_FREE || bd.status == FO_BINDING_BACKUP) {
		rx_ownership(s, &bd, m->hdr.xid, held);
		return;
	}
	if (!(r = rx_add(s, m->hdr.xid, bd.ip, 0)))
		return;
	bool ok = true;
	if (apply == 0)
		ok = rx_push(s, r, control_owner_of(c, &wc.img), &wc);
	/* A lease that ended goes back to FREE on the secondary (draft-12 sec 5.11). */
	int w = control_owner_of_ip(c, bd.ip);
	if (ok && bd.status != FO_BINDING_ACTIVE && s->cfg->role == CFG_FO_ROLE_SECONDARY &&
	    w >= 0 && lease_table_is_backup(c->table, bd.ip)) {
		struct worker_cmd oc = { .type = WORKER_CMD_SET_OWNER,
					 .ip = bd.ip,
					 .backup = false };
		ok = rx_push(s, r, (unsigned)w, &oc);
	}
	if (!ok) {
		/* Not acked: the partner sends it again after the reconnect. */
		FO_COUNT(s, drop_unexpected);
		fo_log(s, "a worker cannot take partner updates now: closing the connection");
		fo_link_close(&s->link, "worker command ring full");
	}
}

void fo_updates_rx(struct fo_session *s, const struct fo_msg *cm)
{
	struct fo_updates *u = &s->up;
	struct fo_msg *m = (struct fo_msg *)cm;

	switch (m->hdr.type) {
	case FO_MSG_BNDUPD: on_bndupd(s, m); break;
	case FO_MSG_BNDACK: on_bndack(s, m); break;
	case FO_MSG_UPDREQ:
	case FO_MSG_UPDREQALL:
		FO_COUNT(s, updreq_received);
		fo_log(s, "the partner asks for %s bindings (%s)",
		       m->hdr.type == FO_MSG_UPDREQALL ? "all" : "the unacknowledged",
		       m->hdr.type == FO_MSG_UPDREQALL ? "UPDREQALL" : "UPDREQ");
		/* Both are answered with every binding: what we send is always complete. */
		u->updreq_pending = true;
		u->updreq_xid = m->hdr.xid;
		u->walking = true;
		u->walk_backup = false;
		u->walk_cursor = 0;
		break;
	case FO_MSG_UPDDONE: {
		uint8_t was = fo_fsm_state(&s->fsm);
		fo_log(s, "the partner has sent every binding we asked for (UPDDONE)");
		fo_session_actions(s, fo_fsm_upddone(&s->fsm, (int64_t)fo_now()), was);
		break;
	}
	case FO_MSG_POOLREQ: {
		struct fo_builder b;
		uint8_t buf[FO_MSG_MAX];
		fo_start(s, &b, buf, FO_MSG_POOLRESP, &m->hdr.xid);
		fo_build_addresses_transferred(&b, 0);
		fo_send(s, buf, fo_build_finish(&b));
		break;
	}
	case FO_MSG_POOLRESP: break;
	default:
		FO_COUNT(s, drop_unexpected);
		fo_log(s, "message type %u not expected here: ignored", m->hdr.type);
		break;
	}
}
