/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The engine's request lists (ddns_internal.h). A request is live from
 * submit until it is reported, and while live it sits in two hash chains,
 * by FQDN and by DHCID. Its turn comes when it is the oldest live request
 * of its FQDN and of its DHCID: requests of one name run one at a time and
 * in submission order, retries and back-off included, because a request
 * that waits to be retried stays live (and oldest), so the one behind it
 * cannot overtake it. This is Kea D2's per-DHCID rule (ddns.md sec 6.1,
 * "never two for the same DHCID"), with the FQDN added because an add and
 * a remove of one name by two clients touch the same records.
 */
#include "ddns_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int ddns_queue_init(struct ddns_engine *e)
{
	uint32_t n = 1024;

	while (n < 2 * e->cfg.max_queue && n < (1u << 20))
		n <<= 1;
	e->h_fqdn = calloc(n, sizeof(*e->h_fqdn));
	e->h_dhcid = calloc(n, sizeof(*e->h_dhcid));
	if (!e->h_fqdn || !e->h_dhcid)
		return -ENOMEM;
	e->h_mask = n - 1;
	return 0;
}

void ddns_queue_fini(struct ddns_engine *e)
{
	free(e->h_fqdn);
	free(e->h_dhcid);
	e->h_fqdn = e->h_dhcid = NULL;
}

void ddns_queue_link(struct ddns_engine *e, struct ddns_req *r)
{
	struct ddns_req **f = &e->h_fqdn[r->fqdn_hash & e->h_mask];

	r->h_fqdn = *f;
	*f = r;
	if (r->keyed_dhcid) {
		struct ddns_req **d = &e->h_dhcid[r->dhcid_hash & e->h_mask];
		r->h_dhcid = *d;
		*d = r;
	}
	e->n_live++;
}

void ddns_queue_unlink(struct ddns_engine *e, struct ddns_req *r)
{
	for (struct ddns_req **p = &e->h_fqdn[r->fqdn_hash & e->h_mask]; *p; p = &(*p)->h_fqdn)
		if (*p == r) {
			*p = r->h_fqdn;
			break;
		}
	if (r->keyed_dhcid)
		for (struct ddns_req **p = &e->h_dhcid[r->dhcid_hash & e->h_mask]; *p;
		     p = &(*p)->h_dhcid)
			if (*p == r) {
				*p = r->h_dhcid;
				break;
			}
	r->h_fqdn = r->h_dhcid = NULL;
	e->n_live--;
}

bool ddns_queue_is_turn(const struct ddns_engine *e, const struct ddns_req *r)
{
	for (const struct ddns_req *x = e->h_fqdn[r->fqdn_hash & e->h_mask]; x; x = x->h_fqdn)
		if (x != r && x->seq < r->seq && x->fqdn_hash == r->fqdn_hash &&
		    strcmp(x->ncr.fqdn, r->ncr.fqdn) == 0)
			return false;
	if (r->keyed_dhcid)
		for (const struct ddns_req *x = e->h_dhcid[r->dhcid_hash & e->h_mask]; x;
		     x = x->h_dhcid)
			if (x != r && x->seq < r->seq && x->dhcid_hash == r->dhcid_hash &&
			    memcmp(x->ncr.dhcid, r->ncr.dhcid, sizeof(r->ncr.dhcid)) == 0)
				return false;
	return true;
}

/* Doubly linked lists through q_prev/q_next (queue, done) and t_prev/t_next (in flight). */
#define LIST_PUSH(head, tail, r, prev, next) \
	do { \
		(r)->next = NULL; \
		(r)->prev = (tail); \
		if (tail) \
			(tail)->next = (r); \
		else \
			(head) = (r); \
		(tail) = (r); \
	} while (0)
#define LIST_REMOVE(head, tail, r, prev, next) \
	do { \
		if ((r)->prev) \
			(r)->prev->next = (r)->next; \
		else \
			(head) = (r)->next; \
		if ((r)->next) \
			(r)->next->prev = (r)->prev; \
		else \
			(tail) = (r)->prev; \
		(r)->prev = (r)->next = NULL; \
	} while (0)

void ddns_queue_push(struct ddns_engine *e, struct ddns_req *r)
{
	r->where = DDNS_R_QUEUED;
	LIST_PUSH(e->q_head, e->q_tail, r, q_prev, q_next);
	e->n_queued++;
	atomic_store_explicit(&e->ctr[DDNS_C_queued], e->n_queued, memory_order_relaxed);
	e->dirty = true;
}

void ddns_queue_remove(struct ddns_engine *e, struct ddns_req *r)
{
	LIST_REMOVE(e->q_head, e->q_tail, r, q_prev, q_next);
	e->n_queued--;
	atomic_store_explicit(&e->ctr[DDNS_C_queued], e->n_queued, memory_order_relaxed);
}

void ddns_done_push(struct ddns_engine *e, struct ddns_req *r)
{
	r->where = DDNS_R_DONE;
	LIST_PUSH(e->d_head, e->d_tail, r, q_prev, q_next);
}

struct ddns_req *ddns_done_pop(struct ddns_engine *e)
{
	struct ddns_req *r = e->d_head;

	if (r)
		LIST_REMOVE(e->d_head, e->d_tail, r, q_prev, q_next);
	return r;
}

void ddns_inflight_push(struct ddns_engine *e, struct ddns_req *r)
{
	LIST_PUSH(e->t_head, e->t_tail, r, t_prev, t_next);
}

void ddns_inflight_remove(struct ddns_engine *e, struct ddns_req *r)
{
	LIST_REMOVE(e->t_head, e->t_tail, r, t_prev, t_next);
}
