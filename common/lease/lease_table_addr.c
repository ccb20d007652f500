/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Lease table, address index (DESIGN.md sec 3): ranges (one per pool, one
 * per reservation) whose slots point to the lease version holding each
 * address, claimed by compare-and-swap; the version of each address's last
 * change of hands; per-writer free lists of pool addresses; the slot scan
 * that drives expiry. Layout and shared helpers: lease_table_internal.h.
 */
#include <errno.h>
#include <stddef.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "lease/lease_table_internal.h"

/* Largest range accepted: a /8. A bigger one is a config mistake. */
#define LT_RANGE_MAX (1u << 24)

/* Index in t->subnets of the first subnet with id >= id. */
static size_t lt_subnet_lower(const struct lease_table *t, uint32_t id)
{
	size_t lo = 0, hi = t->n_subnets;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->subnets[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static struct lt_subnet *lt_subnet_find(const struct lease_table *t, uint32_t id)
{
	size_t i = lt_subnet_lower(t, id);

	return i < t->n_subnets && t->subnets[i].id == id ? &t->subnets[i] : NULL;
}

/* The address changed hands to newv: its next version. Only the new holder calls it. */
static void lt_version_bump(const struct lt_range *r, uint32_t ip, struct lease *newv)
{
	_Atomic uint32_t *v = &r->versions[ip - r->first];
	uint32_t next = atomic_load_explicit(v, memory_order_relaxed) + 1;

	atomic_store_explicit(v, next, memory_order_relaxed);
	/*
	 * newv is already in the slot, so a reader may see it; none reads this
	 * field (it is journaled from the owner's copy, and compaction copies
	 * only published versions, which are published after this).
	 */
	newv->addr_version = next;
}

/* Free-list helpers: owner writer only. */
static bool lt_fl_test_and_set(struct lt_free_list *fl, uint32_t idx)
{
	uint64_t bit = 1ull << (idx % 64);
	bool was = fl->on_list[idx / 64] & bit;

	fl->on_list[idx / 64] |= bit;
	return was;
}

static void lt_fl_clear(struct lt_free_list *fl, uint32_t idx)
{
	fl->on_list[idx / 64] &= ~(1ull << (idx % 64));
}

/* Array index of entry i counted from the bottom of the stack (i <= n < cap + 1). */
static inline uint32_t lt_fl_index(const struct lt_free_list *fl, uint32_t i)
{
	uint32_t idx = fl->base + i;

	return idx >= fl->cap ? idx - fl->cap : idx;
}

/* Put ip at the bottom of the stack: it comes up again after every other entry. */
static inline void lt_fl_push_bottom(struct lt_free_list *fl, uint32_t ip)
{
	fl->base = fl->base ? fl->base - 1 : fl->cap - 1;
	fl->addr[fl->base] = ip;
	fl->n++;
}

/* The subnet for id, created empty (with its per-writer free lists) if new. */
static struct lt_subnet *lt_subnet_get(struct lease_table *t, uint32_t id)
{
	size_t i = lt_subnet_lower(t, id);
	struct lt_subnet *subnets, *sn;
	struct lt_free_list *fl;

	if (i < t->n_subnets && t->subnets[i].id == id)
		return &t->subnets[i];
	fl = aligned_alloc(LT_CACHE_LINE, t->n_writers * sizeof(*fl));
	if (fl == NULL)
		return NULL;
	memset(fl, 0, t->n_writers * sizeof(*fl));
	subnets = realloc(t->subnets, (t->n_subnets + 1) * sizeof(*subnets));
	if (subnets == NULL) {
		free(fl);
		return NULL;
	}
	t->subnets = subnets;
	memmove(&subnets[i + 1], &subnets[i], (t->n_subnets - i) * sizeof(*subnets));
	t->n_subnets++;
	sn = &subnets[i];
	sn->id = id;
	sn->n_addrs = 0;
	sn->fl = fl;
	return sn;
}

/* Make every writer's free list of sn able to hold n_addrs addresses. */
static int lt_subnet_grow(struct lease_table *t, struct lt_subnet *sn, uint32_t n_addrs)
{
	size_t words = (n_addrs + 63) / 64;

	for (unsigned w = 0; w < t->n_writers; w++) {
		struct lt_free_list *fl = &sn->fl[w];
		size_t old_words = (fl->cap + 63) / 64;
		uint32_t *addr;
		uint64_t *bits;

		if (fl->base != 0) {
			/* A skip rotated the ring: straighten it so realloc keeps the order. */
			addr = malloc(fl->cap * sizeof(*addr));
			if (addr == NULL)
				return -ENOMEM;
			for (uint32_t i = 0; i < fl->n; i++)
				addr[i] = fl->addr[lt_fl_index(fl, i)];
			free(fl->addr);
			fl->addr = addr;
			fl->base = 0;
		}
		if (fl->cap >= n_addrs)
			continue;
		addr = realloc(fl->addr, n_addrs * sizeof(*addr));
		if (addr == NULL)
			return -ENOMEM;
		fl->addr = addr;
		bits = realloc(fl->on_list, words * sizeof(*bits));
		if (bits == NULL)
			return -ENOMEM;
		memset(bits + old_words, 0, (words - old_words) * sizeof(*bits));
		fl->on_list = bits;
		fl->cap = n_addrs;
	}
	return 0;
}

/*
 * Add r's addresses with (offset % n_writers == w) to writer w's stack,
 * keeping the stack sorted with the lowest address on top so allocation
 * walks each subnet low to high. addr[] is descending; the new addresses
 * come ascending; merge from the bottom end, which never overwrites an
 * existing entry before it has been moved.
 */
static void lt_fl_merge(struct lt_free_list *fl, const struct lt_range *r, unsigned w,
			unsigned n_writers)
{
	uint32_t size = lt_range_size(r);
	uint32_t k = size > w ? (size - w - 1) / n_writers + 1 : 0;
	uint32_t i = fl->n, j = 0, p = fl->n + k;

	while (j < k) {
		uint32_t next_new = r->first + w + j * n_writers;

		if (i > 0 && fl->addr[i - 1] < next_new) {
			fl->addr[--p] = fl->addr[--i];
		} else {
			fl->addr[--p] = next_new;
			lt_fl_test_and_set(fl, r->subnet_off + w + j * n_writers);
			j++;
		}
	}
	fl->n += k;
}

/*
 * Register [first, last] for subnet_id. Start-up only, before any writer
 * runs (it reallocates the index). Returns 0, -EINVAL (bad bounds or kind,
 * address 0, more than 2^24 addresses), -EEXIST (overlap) or -ENOMEM.
 */
int lease_table_add_range(struct lease_table *t, uint32_t subnet_id, uint32_t first, uint32_t last,
			  enum addr_range_kind kind)
{
	struct lt_subnet *sn = NULL;
	struct lt_range *ranges, *r;
	_Atomic(struct lease *) *slots = NULL;
	_Atomic uint32_t *versions = NULL;
	_Atomic uint64_t *backup = NULL;
	uint32_t size;
	size_t pos, base;
	int ret;

	if (t == NULL || first == 0 || first > last || last - first >= LT_RANGE_MAX ||
	    (kind != ADDR_RANGE_POOL && kind != ADDR_RANGE_RESERVATION))
		return -EINVAL;
	size = last - first + 1;

	/* pos: number of ranges starting at or below first. */
	for (pos = 0; pos < t->n_ranges && t->ranges[pos].first <= first; pos++)
		;
	if ((pos > 0 && t->ranges[pos - 1].last >= first) ||
	    (pos < t->n_ranges && t->ranges[pos].first <= last))
		return -EEXIST;

	ret = -ENOMEM;
	slots = malloc(size * sizeof(*slots));
	if (slots == NULL)
		goto out;
	for (uint32_t i = 0; i < size; i++)
		atomic_init(&slots[i], NULL);
	versions = calloc(size, sizeof(*versions));
	if (versions == NULL)
		goto out;
	if (kind == ADDR_RANGE_POOL) {
		/* Every address starts FREE (the primary's, draft-12 sec 5.4). */
		backup = calloc((size + 63) / 64, sizeof(*backup));
		if (backup == NULL)
			goto out;
		sn = lt_subnet_get(t, subnet_id);
		if (sn == NULL || lt_subnet_grow(t, sn, sn->n_addrs + size) < 0)
			goto out;
	}
	ranges = realloc(t->ranges, (t->n_ranges + 1) * sizeof(*ranges));
	if (ranges == NULL)
		goto out;
	t->ranges = ranges;

	/* Everything allocated: commit. */
	memmove(&ranges[pos + 1], &ranges[pos], (t->n_ranges - pos) * sizeof(*ranges));
	t->n_ranges++;
	r = &ranges[pos];
	memset(r, 0, sizeof(*r));
	r->first = first;
	r->last = last;
	r->subnet_id = subnet_id;
	r->kind = kind;
	r->slots = slots;
	r->versions = versions;
	r->backup = backup;
	slots = NULL;
	versions = NULL;
	backup = NULL;
	base = 0;
	for (size_t i = 0; i < t->n_ranges; i++) {
		t->ranges[i].slot_base = base;
		base += lt_range_size(&t->ranges[i]);
	}
	t->n_slots = base;
	if (kind == ADDR_RANGE_POOL) {
		r->subnet_off = sn->n_addrs;
		for (unsigned w = 0; w < t->n_writers; w++)
			lt_fl_merge(&sn->fl[w], r, w, t->n_writers);
		sn->n_addrs += size;
		t->n_pool_addrs += size;
	}
	ret = 0;
out:
	free(slots);
	free(versions);
	free(backup);
	return ret;
}

/*
 * The lease whose slot holds ip, or NULL. Same reader contract as
 * find_key. The slot may point to a version that is claimed but not yet
 * published (or already replaced in the hash): callers that need the
 * client's current version look it up by key.
 */
const struct lease *lease_table_find_ip(struct lease_table *t, uint32_t ip)
{
	const struct lt_range *r = lt_range_find(t, ip);

	return r != NULL ? atomic_load_explicit(lt_slot(r, ip), memory_order_acquire) : NULL;
}

/* Any thread once ranges are registered (ranges are read-only afterwards). */
bool lease_table_ip_known(struct lease_table *t, uint32_t ip, uint32_t subnet_id)
{
	const struct lt_range *r = lt_range_find(t, ip);

	return r != NULL && (subnet_id == 0 || r->subnet_id == subnet_id);
}

/*
 * Claim ip for newv: CAS the slot from empty, or from old when old holds
 * it. Sets newv->ip before the CAS (the CAS is a release: a reader that
 * finds newv through the slot sees a complete record), so newv must be
 * fully built and must not be modified after a successful claim. Returns 0
 * (also when the slot already points to newv), -EBUSY, -ENOENT. Owner
 * writer only.
 */
int lease_table_claim_ip(struct lease_table *t, uint32_t ip, const struct lease *old,
			 struct lease *newv)
{
	struct lt_range *r = lt_range_find(t, ip);
	_Atomic(struct lease *) *slot;
	struct lease *cur;
	uint32_t prev_ip;

	if (r == NULL)
		return -ENOENT;
	slot = lt_slot(r, ip);
	cur = atomic_load_explicit(slot, memory_order_relaxed);
	if (cur == newv)
		return 0;
	if (cur != NULL && (old == NULL || cur != old))
		return -EBUSY;
	prev_ip = newv->ip;
	newv->ip = ip;
	if (cur == old && old != NULL)
		newv->addr_version = old->addr_version; /* the same holder's next version */
	if (atomic_compare_exchange_strong_explicit(slot, &cur, newv, memory_order_acq_rel,
						    memory_order_relaxed)) {
		if (cur == NULL)
			lt_version_bump(r, ip, newv);
		return 0;
	}
	/* Another writer took it between our load and CAS (cur was NULL), or old lost it. */
	if (old != NULL && cur == old) {
		newv->addr_version = old->addr_version;
		if (atomic_compare_exchange_strong_explicit(slot, &cur, newv, memory_order_acq_rel,
							    memory_order_relaxed))
			return 0;
	}
	newv->ip = prev_ip;
	return -EBUSY;
}

/*
 * Take the lowest free address of subnet_id on writer's free list that
 * `from` allows (LEASE_ALLOC_*) and claim it for newv (same rules as
 * claim_ip: newv complete, then frozen). Addresses found taken were
 * claimed by another writer's requested-address CAS: they leave this list
 * and come back through release. An address of the other failover owner
 * stays on the list, moved to the bottom, so a lap of the list passes it
 * once; at most LT_SKIP_BUDGET are passed per call (and never more than
 * one lap), so a list that is mostly the partner's costs a bounded number
 * of steps per packet, not O(pool). Returns the address, or 0 (newv->ip
 * untouched) when the list holds nothing allowed within the budget. Owner
 * writer only. Inline so that lease_table_alloc_ip(), the standalone path,
 * is compiled with from = LEASE_ALLOC_ANY and has no ownership test.
 */
#define LT_SKIP_BUDGET 256u

static inline uint32_t lt_alloc(struct lease_table *t, unsigned writer, uint32_t subnet_id,
				uint8_t from, struct lease *newv)
{
	struct lt_subnet *sn = lt_subnet_find(t, subnet_id);
	struct lt_free_list *fl;
	uint32_t prev_ip = newv->ip, skips = 0, budget;

	if (sn == NULL || writer >= t->n_writers)
		return 0;
	fl = &sn->fl[writer];
	budget = fl->n < LT_SKIP_BUDGET ? fl->n : LT_SKIP_BUDGET;
	while (fl->n > 0) {
		uint32_t ip = fl->addr[lt_fl_index(fl, --fl->n)];
		struct lt_range *r = lt_range_find(t, ip);
		struct lease *expected = NULL;

		if ((from & LEASE_ALLOC_ANY) != LEASE_ALLOC_ANY &&
		    !(from & (lt_is_backup(r, ip) ? LEASE_ALLOC_BACKUP : LEASE_ALLOC_FREE))) {
			if (atomic_load_explicit(lt_slot(r, ip), memory_order_relaxed) != NULL) {
				/* Taken: leaves the list as below, back through release. */
				lt_fl_clear(fl, r->subnet_off + (ip - r->first));
				continue;
			}
			/* The partner's to allocate: keep it (on_list stays set), look further. */
			lt_fl_push_bottom(fl, ip);
			if (++skips >= budget)
				break;
			continue;
		}
		lt_fl_clear(fl, r->subnet_off + (ip - r->first));
		newv->ip = ip;
		if (atomic_compare_exchange_strong_explicit(lt_slot(r, ip), &expected, newv,
							    memory_order_acq_rel,
							    memory_order_relaxed)) {
			lt_version_bump(r, ip, newv);
			return ip;
		}
	}
	newv->ip = prev_ip;
	return 0;
}

uint32_t lease_table_alloc_ip(struct lease_table *t, unsigned writer, uint32_t subnet_id,
			      struct lease *newv)
{
	return lt_alloc(t, writer, subnet_id, LEASE_ALLOC_ANY, newv);
}

uint32_t lease_table_alloc_ip_from(struct lease_table *t, unsigned writer, uint32_t subnet_id,
				   uint8_t from, struct lease *newv)
{
	return lt_alloc(t, writer, subnet_id, from, newv);
}

/*
 * Empty ip's slot if it still points to holder; a pool address then goes
 * on writer's free list for its subnet (once: an address already there is
 * not pushed twice, so the list never outgrows the subnet). Owner writer
 * only (it pushes on its own list). holder is not modified: it stays valid
 * for readers until it is retired by publish/remove.
 */
void lease_table_release_ip(struct lease_table *t, unsigned writer, uint32_t ip,
			    const struct lease *holder)
{
	struct lt_range *r = lt_range_find(t, ip);
	struct lease *expected = (struct lease *)holder;
	struct lt_subnet *sn;
	struct lt_free_list *fl;

	if (r == NULL || holder == NULL ||
	    !atomic_compare_exchange_strong_explicit(lt_slot(r, ip), &expected, NULL,
						     memory_order_release, memory_order_relaxed))
		return;
	if (r->kind != ADDR_RANGE_POOL || writer >= t->n_writers)
		return;
	sn = lt_subnet_find(t, r->subnet_id);
	fl = &sn->fl[writer];
	if (!lt_fl_test_and_set(fl, r->subnet_off + (ip - r->first)))
		fl->addr[lt_fl_index(fl, fl->n++)] = ip;
}

int lease_table_restore_ip(struct lease_table *t, uint32_t ip, struct lease *newv)
{
	struct lt_range *r = lt_range_find(t, ip);
	struct lease *expected = NULL;

	if (r == NULL)
		return -ENOENT;
	newv->ip = ip;
	if (!atomic_compare_exchange_strong_explicit(lt_slot(r, ip), &expected, newv,
						     memory_order_acq_rel, memory_order_relaxed))
		return -EBUSY;
	lease_table_note_version(t, ip, newv->addr_version);
	return 0;
}

void lease_table_note_version(struct lease_table *t, uint32_t ip, uint32_t version)
{
	struct lt_range *r = lt_range_find(t, ip);

	if (r == NULL)
		return;
	_Atomic uint32_t *v = &r->versions[ip - r->first];
	if (atomic_load_explicit(v, memory_order_relaxed) < version)
		atomic_store_explicit(v, version, memory_order_relaxed);
}

uint32_t lease_table_ip_version(struct lease_table *t, uint32_t ip)
{
	struct lt_range *r = lt_range_find(t, ip);

	return r ? atomic_load_explicit(&r->versions[ip - r->first], memory_order_relaxed) : 0;
}

/* Index of the range holding global slot index pos (pos < n_slots). */
static size_t lt_range_at_slot(const struct lease_table *t, size_t pos)
{
	size_t lo = 0, hi = t->n_ranges;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->ranges[mid].slot_base <= pos)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo - 1;
}

/*
 * Visit up to budget slots (never more than one lap) from *cursor,
 * wrapping; *cursor is advanced. Returns slots examined. Any registered,
 * online QSBR thread. A visited lease may be a claimed-but-unpublished or
 * just-replaced version: owners re-check by key before acting.
 */
size_t lease_table_scan_slots(struct lease_table *t, size_t *cursor, size_t budget,
			      void (*visit)(const struct lease *, void *), void *arg)
{
	size_t pos, examined = 0, ri;

	if (t->n_slots == 0)
		return 0;
	if (budget > t->n_slots)
		budget = t->n_slots;
	pos = *cursor % t->n_slots;
	ri = lt_range_at_slot(t, pos);
	while (examined < budget) {
		const struct lt_range *r = &t->ranges[ri];
		size_t off = pos - r->slot_base, size = lt_range_size(r);

		for (; off < size && examined < budget; off++, examined++) {
			const struct lease *l =
			    atomic_load_explicit(&r->slots[off], memory_order_acquire);

			if (l != NULL)
				visit(l, arg);
		}
		pos = r->slot_base + off;
		if (off == size && ++ri == t->n_ranges) {
			ri = 0;
			pos = 0;
		}
	}
	*cursor = pos;
	return examined;
}

/* Failover pool ownership (lease_table.h). */

int lease_table_set_backup(struct lease_table *t, uint32_t ip, bool backup)
{
	struct lt_range *r = lt_range_find(t, ip);
	uint32_t off;
	uint64_t bit;

	if (r == NULL || r->kind != ADDR_RANGE_POOL)
		return -ENOENT;
	off = ip - r->first;
	bit = 1ull << (off % 64);
	if (backup)
		atomic_fetch_or_explicit(&r->backup[off / 64], bit, memory_order_relaxed);
	else
		atomic_fetch_and_explicit(&r->backup[off / 64], ~bit, memory_order_relaxed);
	return 0;
}

bool lease_table_is_backup(struct lease_table *t, uint32_t ip)
{
	const struct lt_range *r = lt_range_find(t, ip);

	return r != NULL && lt_is_backup(r, ip);
}

bool lease_table_owner_allows(struct lease_table *t, uint32_t ip, uint8_t from)
{
	const struct lt_range *r;

	if ((from & LEASE_ALLOC_ANY) == LEASE_ALLOC_ANY)
		return true;
	r = lt_range_find(t, ip);
	if (r == NULL || r->kind != ADDR_RANGE_POOL)
		return true; /* no ownership outside pools */
	return from & (lt_is_backup(r, ip) ? LEASE_ALLOC_BACKUP : LEASE_ALLOC_FREE);
}

int lease_table_home_writer(struct lease_table *t, uint32_t ip)
{
	const struct lt_range *r = lt_range_find(t, ip);

	if (r == NULL || r->kind != ADDR_RANGE_POOL)
		return -ENOENT;
	return (int)((ip - r->first) % t->n_writers); /* as lt_fl_merge deals them */
}

int lease_table_pool_balance(struct lease_table *t, uint32_t subnet_id,
			     struct lease_pool_balance *out)
{
	bool found = false;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < t->n_ranges; i++) {
		const struct lt_range *r = &t->ranges[i];
		uint32_t size = lt_range_size(r);

		if (r->kind != ADDR_RANGE_POOL || (subnet_id != 0 && r->subnet_id != subnet_id))
			continue;
		found = true;
		out->addresses += size;
		for (uint32_t off = 0; off < size; off++) {
			bool held =
			    atomic_load_explicit(&r->slots[off], memory_order_relaxed) != NULL;
			bool backup = lt_is_backup(r, r->first + off);

			out->held += held;
			out->backup += backup;
			out->free_unheld += !held && !backup;
			out->backup_unheld += !held && backup;
		}
	}
	return found ? 0 : -ENOENT;
}

int lease_table_walk_backup(struct lease_table *t,
			    int (*visit)(uint32_t ip, uint32_t subnet_id, void *arg), void *arg)
{
	for (size_t i = 0; i < t->n_ranges; i++) {
		const struct lt_range *r = &t->ranges[i];
		uint32_t words = (lt_range_size(r) + 63) / 64;

		for (uint32_t wd = 0; r->backup != NULL && wd < words; wd++) {
			uint64_t bits = atomic_load_explicit(&r->backup[wd], memory_order_relaxed);

			while (bits != 0) {
				int rc, b = __builtin_ctzll(bits);

				bits &= bits - 1;
				rc = visit(r->first + wd * 64 + (uint32_t)b, r->subnet_id, arg);
				if (rc != 0)
					return rc;
			}
		}
	}
	return 0;
}
