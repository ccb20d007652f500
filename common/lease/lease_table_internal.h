/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Lease table internals shared by its three files: the layout of the
 * table, its ranges, free lists and slabs, and the helpers more than one
 * of them uses on the packet path. The helpers are static inline so that
 * splitting the table into files costs no call that the single file did
 * not make (a range lookup, a slot, a slab push or pop, a retire).
 *
 *  - lease_table.c: create/destroy, the cds_lfht by client key (find,
 *    publish, remove, walks), stats;
 *  - lease_table_addr.c: the address index: ranges, slots, address
 *    versions, per-writer free lists, the slot scan;
 *  - lease_table_slab.c: per-writer record slabs: alloc, copy, discard,
 *    the slab scan;
 *  - lease_table_name.c: per-writer name slabs (the records' names, out
 *    of line): set, clear, read, reference counts.
 *
 * Ownership summary:
 *  - struct lease_table, ranges, subnets: written at start-up
 *    (create/add_range) only, read-only afterwards;
 *  - range slots: any writer CAS, any reader load-acquire;
 *  - free lists: owner writer rw, nobody else (no atomics);
 *  - range ownership bitmaps: any reader, the writer of a change rw (atomic);
 *  - slab free stacks: owner pops, any thread (call_rcu thread) pushes;
 *  - name cells: written by the owner before the record naming them is
 *    visible, immutable while referenced; reference counts any thread
 *    (atomic); name free stacks like the slab's.
 */
#ifndef LW_LEASE_TABLE_INTERNAL_H
#define LW_LEASE_TABLE_INTERNAL_H

#include <stdatomic.h>
#include <stddef.h>

/* The QSBR flavour must come before the hash table header (rculfhash.h). */
#include <urcu-qsbr.h>
#include <urcu/rculfhash.h>

#include "lease/lease_table.h"

#define LT_CACHE_LINE 64

struct lt_slab;

/*
 * The name slab. A name is a chain of fixed 64-byte cells (one cache line
 * each) of LT_NAME_CELL_BYTES bytes of name: one cell holds names up to
 * 55 bytes (nearly every host name with its domain), the longest (253)
 * take five. A cell id is its index in the table's cell array plus one,
 * so that 0 is "no name"; the array is cut into equal per-writer ranges,
 * so an id says whose free stack the cell goes back to. The first cell
 * of a name holds its length and the count of record versions that
 * reference it; the name goes back to its writer's free stack when that
 * count drops to 0, which happens when the last version naming it is
 * reclaimed after a grace period (lt_reclaim_cb), so no reader can still
 * be reading it. Never-used cells are handed out in order (bump) before
 * freed ones are reused, so a table whose leases have no name never
 * touches the cells' memory.
 */
#define LT_NAME_CELL 64
#define LT_NAME_CELL_BYTES (LT_NAME_CELL - 9)

struct lt_name_cell {
	/* Next cell of this name (id), 0 = last; on the free stack, the next free cell. */
	uint32_t next;
	_Atomic uint32_t refs; /* first cell: versions that reference the name */
	uint8_t len; /* first cell: bytes of name in the chain */
	char bytes[LT_NAME_CELL_BYTES];
};
_Static_assert(sizeof(struct lt_name_cell) == LT_NAME_CELL, "a name cell is one cache line");

/*
 * One writer's name cells: [first, first + n) of the table's array. The
 * free stack is the single-consumer Treiber stack of struct lt_slab, of
 * whole chains (a freed name is pushed at once: its cells are already
 * linked).
 */
struct lt_names {
	_Atomic uint32_t free_head; /* owner: pop; any thread: push. 0 = empty */
	uint32_t first, n; /* read-only after create */
	uint32_t bump; /* owner only: cells [first, first + bump) were ever handed out */
	_Atomic size_t n_free; /* cells on the free stack plus never used; stats only */
	_Atomic uint64_t refused; /* names not stored because the slab was full; stats only */
} __attribute__((aligned(LT_CACHE_LINE)));

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
	struct lease_table *table; /* read-only after create: a record finds its names */
} __attribute__((aligned(LT_CACHE_LINE)));

/*
 * Free addresses of one subnet for one writer. Owner writer only: no atomics.
 * A LIFO stack kept in a ring so that allocation can also put an address
 * back at the bottom (an address of the failover partner it skips, see
 * lease_table_alloc_ip_from): entry i from the bottom is addr[(base + i) %
 * cap], the top is entry n - 1. base stays 0 until something is skipped.
 */
struct lt_free_list {
	uint32_t *addr;
	uint64_t *on_list; /* bit per subnet pool address: already in addr[] */
	uint32_t n, cap, base;
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
	/*
	 * Pool ranges: failover ownership, bit per address (offset in the
	 * range), 1 = BACKUP (the secondary's to allocate), 0 = FREE (the
	 * primary's). Any thread reads (relaxed), the writer applying an
	 * ownership change sets or clears (atomic or/and, since one word
	 * holds addresses of every writer). NULL for reservations.
	 */
	_Atomic uint64_t *backup;
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
	struct lt_name_cell *name_cells; /* [n_name_cells], id - 1 */
	size_t n_name_cells;
	uint32_t names_per_writer; /* cells in each writer's range */
	struct lt_names *names; /* [n_writers] */
};

static inline struct lt_rec *lt_rec_of(const struct lease *l)
{
	return caa_container_of((struct lease *)l, struct lt_rec, lease);
}

static inline void lt_slab_push(struct lt_slab *slab, struct lt_rec *rec)
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
static inline struct lt_rec *lt_slab_pop(struct lt_slab *slab)
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

/* lease_table_name.c: the name slabs of t, `cells` in all, at create; 0 or -ENOMEM/-EINVAL. */
int lt_names_create(struct lease_table *t, size_t cells);
void lt_names_destroy(struct lease_table *t);
/* lease_table_name.c: take and drop a version's reference to a name (id != 0). Any thread. */
void lt_name_hold(struct lease_table *t, uint32_t id);
void lt_name_drop(struct lease_table *t, uint32_t id);

/* call_rcu callback (call_rcu thread): the grace period has passed, no reader holds it. */
static inline void lt_reclaim_cb(struct rcu_head *head)
{
	struct lease *l = caa_container_of(head, struct lease, rcu);
	struct lt_rec *rec = lt_rec_of(l);

	if (l->fqdn.id != 0) {
		lt_name_drop(rec->slab->table, l->fqdn.id);
		l->fqdn.id = 0;
	}
	lt_slab_push(rec->slab, rec);
}

static inline void lt_retire(struct lease *l) { urcu_qsbr_call_rcu(&l->rcu, lt_reclaim_cb); }

/* The range holding ip, or NULL. Ranges are immutable once writers run. */
static inline struct lt_range *lt_range_find(const struct lease_table *t, uint32_t ip)
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

static inline _Atomic(struct lease *) *lt_slot(const struct lt_range *r, uint32_t ip)
{
	return &r->slots[ip - r->first];
}

static inline uint32_t lt_range_size(const struct lt_range *r) { return r->last - r->first + 1; }

/* ip (in r) is BACKUP. Any thread. */
static inline bool lt_is_backup(const struct lt_range *r, uint32_t ip)
{
	uint32_t off = ip - r->first;

	return r->backup != NULL &&
	       (atomic_load_explicit(&r->backup[off / 64], memory_order_relaxed) >> (off % 64)) & 1;
}

/* Defensive: empty a slot that still points to a dying version. */
static inline void lt_slot_clear_if(struct lease_table *t, const struct lease *l)
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

#endif
