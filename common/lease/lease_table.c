/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Lease table: a QSBR cds_lfht keyed by client key, an address index of
 * CAS-claimed slots, per-writer address free lists and per-writer record
 * slabs (DESIGN.md sec 3). This file: creating and destroying the table,
 * the hash table by client key (lookup, publish, remove, walks) and the
 * stats. The address index is in lease_table_addr.c, the slabs in
 * lease_table_slab.c, the shared layout in lease_table_internal.h. The
 * thread contract of each exported function is in lease_table.h and
 * repeated above its definition.
 */
#include <errno.h>
#include <stddef.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "lease/lease_table_internal.h"

#define LT_WRITERS_MAX 256u /* lease.slab_id is a uint8_t */
/*
 * Hash buckets preallocated at create (power of two, 8 bytes each); grows by
 * auto-resize past that. Sized for max-leases up to 16M: an online resize
 * while recovery inserts millions of records costs more than the buckets.
 */
#define LT_BUCKETS_MIN 64ul
#define LT_BUCKETS_PRE (1ul << 24)

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
		slab->table = t;
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

	size_t cells = params->max_name_cells == 0	    ? params->max_leases
		       : params->max_name_cells == SIZE_MAX ? 0
							    : params->max_name_cells;
	int rc = lt_names_create(t, cells);
	if (rc == -EINVAL) {
		lease_table_destroy(t);
		errno = EINVAL;
		return NULL;
	}
	if (rc < 0)
		goto nomem;

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
		free(t->ranges[i].backup);
	}
	free(t->ranges);
	for (unsigned w = 0; t->slabs != NULL && w < t->n_writers; w++)
		free(t->slabs[w].recs);
	free(t->slabs);
	lt_names_destroy(t);
	free(t);
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
	stats->name_cells = t->n_name_cells;
	for (unsigned w = 0; w < t->n_writers; w++) {
		stats->name_cells_free +=
		    atomic_load_explicit(&t->names[w].n_free, memory_order_relaxed);
		stats->names_refused +=
		    atomic_load_explicit(&t->names[w].refused, memory_order_relaxed);
	}
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
