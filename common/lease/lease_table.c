/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Lease table: a QSBR cds_lfht keyed by client key, an address index of
 * CAS-claimed slots, per-writer address free lists and per-writer record
 * slabs (DESIGN.md sec 3). The thread contract of each exported function is
 * in lease_table.h and repeated above its definition here.
 *
 * Ownership summary:
 *  - struct lease_table, ranges, subnets: written at start-up
 *    (create/add_range) only, read-only afterwards;
 *  - range slots: any writer CAS, any reader load-acquire;
 *  - free lists: owner writer rw, nobody else (no atomics);
 *  - slab free stacks: owner pops, any thread (call_rcu thread) pushes.
 */
#include <errno.h>
#include <stddef.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

/* The QSBR flavour must come before the hash table header (rculfhash.h). */
#include <urcu-qsbr.h>
#include <urcu/rculfhash.h>

#include "lease/lease_table.h"

#define LT_CACHE_LINE 64
/* Largest range accepted: a /8. A bigger one is a config mistake. */
#define LT_RANGE_MAX (1u << 24)
#define LT_WRITERS_MAX 256u /* lease.slab_id is a uint8_t */
/*
 * Hash buckets preallocated at create (power of two, 8 bytes each); grows by
 * auto-resize past that. Sized for max-leases up to 16M: an online resize
 * while recovery inserts millions of records costs more than the buckets.
 */
#define LT_BUCKETS_MIN 64ul
#define LT_BUCKETS_PRE (1ul << 24)

struct lt_slab;

/* A slab record: the lease plus what the slab needs while it sits free. */
struct lt_rec {
	struct lease lease;
	/* Written by a pusher before its release CAS, read by the popper after its acquire. */
	struct lt_rec *free_next;
	struct lt_slab *slab; /* set at create, read-only */
};

/*
 * One writer's record slab. The free stack is a Treiber stack: any thread
 * pushes (the owner on discard, the call_rcu thread on reclaim), only the
 * owner pops. A Treiber pop is exposed to ABA only when the head it read
 * can be popped and pushed back between its load and its CAS; with a
 * single popper nobody else can pop that head, and pushers only ever put
 * nodes above it, so the CAS fails (and retries) instead of linking a
 * stale next. This is liburcu lfstack's "single consumer" case (option 3
 * in urcu/lfstack.h), written with C11 atomics so sanitizers see it.
 */
struct lt_slab {
	_Atomic(struct lt_rec *) free_head; /* owner: pop; any thread: push */
	_Atomic size_t n_free; /* any thread rw, relaxed; stats only */
	_Atomic long records; /* published records from this slab; stats only */
	struct lt_rec *recs; /* read-only after create */
	size_t n_recs;
} __attribute__((aligned(LT_CACHE_LINE)));

/* Free addresses of one subnet for one writer. Owner writer only: no atomics. */
struct lt_free_list {
	uint32_t *addr; /* LIFO stack of host-order addresses; top is addr[n - 1] */
	uint64_t *on_list; /* bit per subnet pool address: already in addr[] */
	uint32_t n, cap;
} __attribute__((aligned(LT_CACHE_LINE)));

struct lt_subnet {
	uint32_t id;
	uint32_t n_addrs; /* pool addresses; free list capacity */
	struct lt_free_list *fl; /* [n_writers] */
};

struct lt_range {
	uint32_t first, last; /* host order, inclusive */
	uint32_t subnet_id;
	enum addr_range_kind kind;
	uint32_t subnet_off; /* pool: index of `first` among its subnet's pool addresses */
	size_t slot_base; /* global slot index of `first`, for scan_slots */
	_Atomic(struct lease *) *slots; /* any writer: CAS; any reader: load-acquire */
	/*
	 * Per address, the version of its last change of hands (struct lease
	 * addr_version). Written only by the writer whose claim of the empty
	 * slot succeeded, before it can release it again; the claim CAS
	 * (acquire) orders it after the previous holder's write.
	 */
	_Atomic uint32_t *versions;
};

struct lease_table {
	struct cds_lfht *ht;
	unsigned n_writers;
	struct lt_slab *slabs; /* [n_writers] */
	struct lt_range *ranges; /* sorted by first */
	size_t n_ranges;
	size_t n_slots; /* addresses in all ranges */
	size_t n_pool_addrs; /* addresses in pool ranges */
	struct lt_subnet *subnets; /* sorted by id */
	size_t n_subnets;
};

struct lt_key {
	const uint8_t *bytes;
	size_t len;
};

static int lt_match(struct cds_lfht_node *node, const void *arg)
{
	const struct lease *l = caa_container_of(node, struct lease, by_key);
	const struct lt_key *k = arg;

	return l->key_len == k->len && memcmp(l->key, k->bytes, k->len) == 0;
}

static struct lt_rec *lt_rec_of(const struct lease *l)
{
	return caa_container_of((struct lease *)l, struct lt_rec, lease);
}

static void lt_slab_push(struct lt_slab *slab, struct lt_rec *rec)
{
	struct lt_rec *head = atomic_load_explicit(&slab->free_head, memory_order_relaxed);

	/* Count first, so the owner's decrement after its pop never goes below zero. */
	atomic_fetch_add_explicit(&slab->n_free, 1, memory_order_relaxed);
	do
		rec->free_next = head;
	while (!atomic_compare_exchange_weak_explicit(&slab->free_head, &head, rec,
						      memory_order_release, memory_order_relaxed));
}

/* Owner only: see struct lt_slab for why a single popper needs no ABA guard. */
static struct lt_rec *lt_slab_pop(struct lt_slab *slab)
{
	struct lt_rec *head = atomic_load_explicit(&slab->free_head, memory_order_acquire);

	while (head != NULL &&
	       !atomic_compare_exchange_weak_explicit(&slab->free_head, &head, head->free_next,
						      memory_order_acquire, memory_order_acquire))
		;
	if (head != NULL)
		atomic_fetch_sub_explicit(&slab->n_free, 1, memory_order_relaxed);
	return head;
}

/* call_rcu callback (call_rcu thread): the grace period has passed, no reader holds it. */
static void lt_reclaim_cb(struct rcu_head *head)
{
	struct lease *l = caa_container_of(head, struct lease, rcu);
	struct lt_rec *rec = lt_rec_of(l);

	lt_slab_push(rec->slab, rec);
}

static void lt_retire(struct lease *l) { urcu_qsbr_call_rcu(&l->rcu, lt_reclaim_cb); }

/* The range holding ip, or NULL. Ranges are immutable once writers run. */
static struct lt_range *lt_range_find(const struct lease_table *t, uint32_t ip)
{
	size_t lo = 0, hi = t->n_ranges;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->ranges[mid].first <= ip)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0 || ip > t->ranges[lo - 1].last)
		return NULL;
	return &t->ranges[lo - 1];
}

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

static _Atomic(struct lease *) *lt_slot(const struct lt_range *r, uint32_t ip)
{
	return &r->slots[ip - r->first];
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

static uint32_t lt_range_size(const struct lt_range *r) { return r->last - r->first + 1; }

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

/*
 * Create an empty table. Start-up thread; the caller need not be an RCU
 * thread. NULL with errno EINVAL/ENOMEM.
 */
struct lease_table *lease_table_create(const struct lease_table_params *params)
{
	struct lease_table *t = NULL;
	unsigned long buckets = LT_BUCKETS_MIN;
	size_t per, extra;

	if (params == NULL || params->n_writers == 0 || params->n_writers > LT_WRITERS_MAX) {
		errno = EINVAL;
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		goto nomem;
	t->n_writers = params->n_writers;
	t->slabs = aligned_alloc(LT_CACHE_LINE, t->n_writers * sizeof(*t->slabs));
	if (t->slabs == NULL)
		goto nomem;
	memset(t->slabs, 0, t->n_writers * sizeof(*t->slabs));

	per = params->max_leases / t->n_writers;
	extra = params->max_leases % t->n_writers;
	for (unsigned w = 0; w < t->n_writers; w++) {
		struct lt_slab *slab = &t->slabs[w];

		atomic_init(&slab->free_head, NULL);
		atomic_init(&slab->n_free, 0);
		atomic_init(&slab->records, 0);
		slab->n_recs = per + (w < extra);
		if (slab->n_recs == 0)
			continue;
		slab->recs = calloc(slab->n_recs, sizeof(*slab->recs));
		if (slab->recs == NULL)
			goto nomem;
		/* Pushed in reverse so the owner pops records in address order. */
		for (size_t i = slab->n_recs; i-- > 0;) {
			slab->recs[i].slab = slab;
			lt_slab_push(slab, &slab->recs[i]);
		}
	}

	/*
	 * Preallocate buckets for the expected population (capped) and never
	 * shrink below that: resizes then only happen past the planned size.
	 */
	while (buckets < params->max_leases && buckets < LT_BUCKETS_PRE)
		buckets <<= 1;
	t->ht = cds_lfht_new_flavor(buckets, buckets, 0, CDS_LFHT_AUTO_RESIZE | CDS_LFHT_ACCOUNTING,
				    &urcu_qsbr_flavor, NULL);
	if (t->ht == NULL)
		goto nomem;
	return t;
nomem:
	lease_table_destroy(t);
	errno = ENOMEM;
	return NULL;
}

/*
 * Destroy. Start-up/shutdown thread; no reader or writer may use the table
 * any more. The caller may be an online QSBR thread, an offline one or an
 * unregistered one; it is taken offline while waiting for pending call_rcu
 * callbacks (they push into our slabs), so other registered threads must
 * be quiescent or offline for this to return.
 */
void lease_table_destroy(struct lease_table *t)
{
	int was_online;

	if (t == NULL)
		return;
	was_online = urcu_qsbr_read_ongoing();
	if (t->ht != NULL) {
		struct cds_lfht_iter iter;
		struct lease *l;

		/* No reader is left, so records go with their slabs, no grace period. */
		struct cds_lfht_node *node;

		urcu_qsbr_read_lock();
		for (cds_lfht_first(t->ht, &iter); (node = cds_lfht_iter_get_node(&iter)) != NULL;
		     cds_lfht_next(t->ht, &iter)) {
			l = caa_container_of(node, struct lease, by_key);
			cds_lfht_del(t->ht, &l->by_key);
		}
		urcu_qsbr_read_unlock();
	}
	if (was_online)
		urcu_qsbr_thread_offline();
	urcu_qsbr_barrier();
	if (t->ht != NULL)
		cds_lfht_destroy(t->ht, NULL);
	if (was_online)
		urcu_qsbr_thread_online();

	for (size_t i = 0; i < t->n_subnets; i++) {
		struct lt_subnet *sn = &t->subnets[i];

		for (unsigned w = 0; w < t->n_writers && sn->fl != NULL; w++) {
			free(sn->fl[w].addr);
			free(sn->fl[w].on_list);
		}
		free(sn->fl);
	}
	free(t->subnets);
	for (size_t i = 0; i < t->n_ranges; i++) {
		free(t->ranges[i].slots);
		free(t->ranges[i].versions);
	}
	free(t->ranges);
	for (unsigned w = 0; t->slabs != NULL && w < t->n_writers; w++)
		free(t->slabs[w].recs);
	free(t->slabs);
	free(t);
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
	slots = NULL;
	versions = NULL;
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
	return ret;
}

/*
 * The published lease for key, or NULL. Any registered QSBR thread, online;
 * the result stays valid until that thread's next quiescent state or
 * offline period. hash must be client_key_hash(key, key_len).
 */
const struct lease *lease_table_find_key(struct lease_table *t, const uint8_t *key, size_t key_len,
					 uint32_t hash)
{
	struct lt_key k = { key, key_len };
	struct cds_lfht_iter iter;
	struct cds_lfht_node *node;

	urcu_qsbr_read_lock();
	cds_lfht_lookup(t->ht, hash, lt_match, &k, &iter);
	node = cds_lfht_iter_get_node(&iter);
	urcu_qsbr_read_unlock();
	return node != NULL ? caa_container_of(node, struct lease, by_key) : NULL;
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
 * A zeroed record from writer's slab, slab_id set; NULL with errno ENOMEM
 * when the slab is empty (retired records come back after a grace period,
 * so a writer that finds it empty must pass a quiescent state before it can
 * expect more), EINVAL for a bad writer. Owner writer only (single popper).
 */
struct lease *lease_table_alloc(struct lease_table *t, unsigned writer)
{
	struct lt_rec *rec;

	if (writer >= t->n_writers) {
		errno = EINVAL;
		return NULL;
	}
	rec = lt_slab_pop(&t->slabs[writer]);
	if (rec == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	memset(&rec->lease, 0, sizeof(rec->lease));
	rec->lease.slab_id = (uint8_t)writer;
	return &rec->lease;
}

/* The copy below skips the linkage by starting at ip: keep the linkage first. */
_Static_assert(offsetof(struct lease, by_key) < offsetof(struct lease, ip) &&
		   offsetof(struct lease, rcu) < offsetof(struct lease, ip),
	       "struct lease: table linkage must precede the payload");

/* alloc + copy of everything after the linkage, slab_id kept. Owner writer only. */
struct lease *lease_table_alloc_copy(struct lease_table *t, unsigned writer,
				     const struct lease *src)
{
	struct lease *l = lease_table_alloc(t, writer);
	size_t from = offsetof(struct lease, ip);

	if (l == NULL)
		return NULL;
	memcpy((char *)l + from, (const char *)src + from, sizeof(*l) - from);
	l->slab_id = (uint8_t)writer;
	return l;
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
 * Take the lowest free address of subnet_id on writer's free list and
 * claim it for newv (same rules as claim_ip: newv complete, then frozen).
 * Addresses found taken were claimed by another writer's requested-address
 * CAS: they leave this list and come back through release. Returns the
 * address, or 0 (newv->ip untouched) when the list is empty. Owner writer
 * only.
 */
uint32_t lease_table_alloc_ip(struct lease_table *t, unsigned writer, uint32_t subnet_id,
			      struct lease *newv)
{
	struct lt_subnet *sn = lt_subnet_find(t, subnet_id);
	struct lt_free_list *fl;
	uint32_t prev_ip = newv->ip;

	if (sn == NULL || writer >= t->n_writers)
		return 0;
	fl = &sn->fl[writer];
	while (fl->n > 0) {
		uint32_t ip = fl->addr[--fl->n];
		struct lt_range *r = lt_range_find(t, ip);
		struct lease *expected = NULL;

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
		fl->addr[fl->n++] = ip;
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

/* Defensive: empty a slot that still points to a dying version. */
static void lt_slot_clear_if(struct lease_table *t, const struct lease *l)
{
	struct lt_range *r;
	struct lease *expected = (struct lease *)l;

	if (l->ip == 0 || (r = lt_range_find(t, l->ip)) == NULL)
		return;
	/*
	 * The address goes on no free list here (we may not be the owner of
	 * any list); a requested-address claim can still take it, and its
	 * release puts it back in circulation.
	 */
	atomic_compare_exchange_strong_explicit(lt_slot(r, l->ip), &expected, NULL,
						memory_order_release, memory_order_relaxed);
}

/*
 * Insert newv (old == NULL) or replace old by newv. newv must be complete
 * (key, key_len, key_hash) and is frozen from here on. If old holds a slot
 * and newv->ip == old->ip, the slot moves to newv; otherwise the caller has
 * claimed/released addresses beforehand. old is retired with call_rcu.
 * Returns 0; -EEXIST when the key is already present (old == NULL; newv is
 * untouched, give it back with discard); -ENOENT when old is not in the
 * table; -EINVAL when newv's key or hash differ from old's. Owner writer
 * only, registered and online QSBR thread.
 */
int lease_table_publish(struct lease_table *t, struct lease *newv, const struct lease *old)
{
	struct lt_key k = { newv->key, newv->key_len };
	struct cds_lfht_iter iter;
	struct cds_lfht_node *node;
	struct lease *dead = (struct lease *)old;
	int ret = 0;

	urcu_qsbr_read_lock();
	if (old == NULL) {
		node = cds_lfht_add_unique(t->ht, newv->key_hash, lt_match, &k, &newv->by_key);
		if (node != &newv->by_key)
			ret = -EEXIST;
		else
			atomic_fetch_add_explicit(&t->slabs[newv->slab_id].records, 1,
						  memory_order_relaxed);
		goto out;
	}
	/* cds_lfht_replace() wants an iterator on old: find it among the key's entries. */
	for (cds_lfht_lookup(t->ht, newv->key_hash, lt_match, &k, &iter);
	     (node = cds_lfht_iter_get_node(&iter)) != NULL && node != &old->by_key;
	     cds_lfht_next_duplicate(t->ht, lt_match, &k, &iter))
		;
	if (node == NULL) {
		ret = old->key_hash == newv->key_hash && lt_match(&dead->by_key, &k) ? -ENOENT
										     : -EINVAL;
		goto out;
	}
	ret = cds_lfht_replace(t->ht, &iter, newv->key_hash, lt_match, &k, &newv->by_key);
	if (ret < 0)
		goto out;
	if (old->ip != 0 && newv->ip == old->ip) {
		struct lt_range *r = lt_range_find(t, old->ip);
		struct lease *expected = dead;

		/* Still the same holder of the address: it cannot lose its version. */
		if (newv->addr_version < old->addr_version)
			newv->addr_version = old->addr_version;
		if (r != NULL)
			atomic_compare_exchange_strong_explicit(lt_slot(r, old->ip), &expected,
								newv, memory_order_release,
								memory_order_relaxed);
	}
	if (newv->slab_id != old->slab_id) {
		atomic_fetch_add_explicit(&t->slabs[newv->slab_id].records, 1,
					  memory_order_relaxed);
		atomic_fetch_sub_explicit(&t->slabs[old->slab_id].records, 1, memory_order_relaxed);
	}
	/* Unlinked from the hash and from its slot: readers can only hold it from before now. */
	lt_retire(dead);
out:
	urcu_qsbr_read_unlock();
	return ret;
}

/*
 * Remove a published version. Its address should already be released;
 * a slot still pointing to it is emptied (defensive). A version that is
 * not in the table (already removed or replaced) is left alone: retiring
 * it twice would corrupt its slab. Owner writer only, registered and
 * online QSBR thread.
 */
void lease_table_remove(struct lease_table *t, const struct lease *old)
{
	struct lease *dead = (struct lease *)old;
	int ret;

	urcu_qsbr_read_lock();
	ret = cds_lfht_del(t->ht, &dead->by_key);
	urcu_qsbr_read_unlock();
	if (ret != 0)
		return;
	atomic_fetch_sub_explicit(&t->slabs[old->slab_id].records, 1, memory_order_relaxed);
	lt_slot_clear_if(t, old);
	lt_retire(dead);
}

/*
 * Give back a record from lease_table_alloc() that was never published.
 * A record that never held an address was never visible to anyone and goes
 * straight back to its slab. One that was claimed into a slot (ip != 0)
 * may have been seen through find_ip/scan_slots, so it waits for a grace
 * period; its slot should already be released (emptied here otherwise,
 * without returning the address to a free list). Owner writer only,
 * registered QSBR thread.
 */
void lease_table_discard(struct lease_table *t, struct lease *unpublished)
{
	struct lt_rec *rec = lt_rec_of(unpublished);

	if (unpublished->ip == 0) {
		lt_slab_push(rec->slab, rec);
		return;
	}
	lt_slot_clear_if(t, unpublished);
	lt_retire(unpublished);
}

/*
 * Visit every published record. Registered, online QSBR thread; it must
 * not pass a quiescent state (or block) during the walk, so on a worker the
 * visitor must be short and the table small, or use scan_slots instead.
 */
int lease_table_walk(struct lease_table *t, int (*visit)(const struct lease *, void *), void *arg)
{
	struct cds_lfht_iter iter;
	struct lease *l;
	int ret = 0;

	struct cds_lfht_node *node;

	/* Not cds_lfht_for_each_entry: it forms container_of(NULL) at the end,
	 * which UBSan rightly reports. */
	urcu_qsbr_read_lock();
	for (cds_lfht_first(t->ht, &iter); (node = cds_lfht_iter_get_node(&iter)) != NULL;
	     cds_lfht_next(t->ht, &iter)) {
		l = caa_container_of(node, struct lease, by_key);
		ret = visit(l, arg);
		if (ret != 0)
			break;
	}
	urcu_qsbr_read_unlock();
	return ret;
}

size_t lease_table_walk_chunk(struct lease_table *t, size_t *cursor, size_t budget,
			      int (*visit)(const struct lease *, void *), void *arg, int *rc)
{
	size_t pos = *cursor, seen = 0;
	unsigned w = 0;

	*rc = 0;
	/* The cursor counts entries over the slabs laid end to end. */
	while (w < t->n_writers && pos >= t->slabs[w].n_recs)
		pos -= t->slabs[w++].n_recs;
	urcu_qsbr_read_lock();
	while (w < t->n_writers && seen < budget && *rc == 0) {
		const struct lt_slab *slab = &t->slabs[w];
		const struct lease *l = &slab->recs[pos].lease;
		uint8_t key[LEASE_KEY_MAX];
		uint8_t key_len = l->key_len;
		uint32_t hash = l->key_hash;

		/*
		 * The entry may be free, or being filled by its owner: copy its
		 * key, then keep it only if it is the published version for that
		 * key. A published version is immutable and, while this thread
		 * stays online, cannot be reused, so what visit reads is whole.
		 */
		if (key_len && key_len <= LEASE_KEY_MAX) {
			memcpy(key, l->key, key_len);
			if (lease_table_find_key(t, key, key_len, hash) == l)
				*rc = visit(l, arg);
		}
		seen++;
		(*cursor)++;
		if (++pos == slab->n_recs) {
			pos = 0;
			w++;
		}
	}
	urcu_qsbr_read_unlock();
	return seen;
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

size_t lease_table_scan_slab(struct lease_table *t, unsigned writer, size_t *cursor, size_t budget,
			     void (*visit)(const struct lease *, void *), void *arg)
{
	if (writer >= t->n_writers || t->slabs[writer].n_recs == 0)
		return 0;
	const struct lt_slab *slab = &t->slabs[writer];
	size_t pos = *cursor % slab->n_recs;

	if (budget > slab->n_recs)
		budget = slab->n_recs;
	for (size_t i = 0; i < budget; i++) {
		visit(&slab->recs[pos].lease, arg);
		if (++pos == slab->n_recs)
			pos = 0;
	}
	*cursor = pos;
	return budget;
}

/*
 * Snapshot of the counters. Any thread; addresses_held reads every pool
 * slot (O(pool addresses)), so call it from the control thread, not per
 * packet. Values are approximate while writers run.
 */
void lease_table_get_stats(struct lease_table *t, struct lease_table_stats *stats)
{
	long records = 0;

	memset(stats, 0, sizeof(*stats));
	for (unsigned w = 0; w < t->n_writers; w++) {
		records += atomic_load_explicit(&t->slabs[w].records, memory_order_relaxed);
		stats->slab_free += atomic_load_explicit(&t->slabs[w].n_free, memory_order_relaxed);
	}
	stats->records = records > 0 ? (size_t)records : 0;
	stats->addresses = t->n_pool_addrs;
	for (size_t i = 0; i < t->n_ranges; i++) {
		const struct lt_range *r = &t->ranges[i];

		if (r->kind != ADDR_RANGE_POOL)
			continue;
		for (uint32_t off = 0; off < lt_range_size(r); off++)
			stats->addresses_held +=
			    atomic_load_explicit(&r->slots[off], memory_order_relaxed) != NULL;
	}
}
