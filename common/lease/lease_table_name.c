/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Lease table, name slabs: the clients' DNS names, out of line, so that a
 * record without a name costs a zero reference and nothing else (the
 * layout and why is at struct lt_name_cell, lease_table_internal.h). Set
 * and clear a name on a version being built, read the name of any
 * published version, and the reference counts that let versions of one
 * binding share a name until the last of them is reclaimed.
 */
#include <errno.h>
#include <stddef.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "lease/lease_table_internal.h"

static inline struct lt_name_cell *cell_of(const struct lease_table *t, uint32_t id)
{
	return &t->name_cells[id - 1];
}

static inline struct lt_names *names_of(const struct lease_table *t, uint32_t id)
{
	return &t->names[(id - 1) / t->names_per_writer];
}

/* The table a published (or being built) record belongs to. */
static inline struct lease_table *table_of(const struct lease *l)
{
	return lt_rec_of(l)->slab->table;
}

int lt_names_create(struct lease_table *t, size_t cells)
{
	size_t per = (cells + t->n_writers - 1) / t->n_writers;

	/* Ids are uint32_t with 0 for "none". */
	if (per > (UINT32_MAX - 1) / t->n_writers)
		return -EINVAL;
	t->names = aligned_alloc(LT_CACHE_LINE, t->n_writers * sizeof(*t->names));
	if (t->names == NULL)
		return -ENOMEM;
	memset(t->names, 0, t->n_writers * sizeof(*t->names));
	t->names_per_writer = (uint32_t)(per ? per : 1);
	t->n_name_cells = per * t->n_writers;
	/* calloc: untouched pages stay unbacked until a name needs them (bump order). */
	if (t->n_name_cells) {
		t->name_cells = calloc(t->n_name_cells, sizeof(*t->name_cells));
		if (t->name_cells == NULL)
			return -ENOMEM;
	}
	for (unsigned w = 0; w < t->n_writers; w++) {
		struct lt_names *n = &t->names[w];

		atomic_init(&n->free_head, 0);
		n->first = (uint32_t)(w * per + 1);
		n->n = (uint32_t)per;
		n->bump = 0;
		atomic_init(&n->n_free, per);
		atomic_init(&n->refused, 0);
	}
	return 0;
}

void lt_names_destroy(struct lease_table *t)
{
	free(t->name_cells);
	free(t->names);
}

/* Push the chain first..last (linked by next) onto its writer's free stack. Any thread. */
static void names_push(struct lt_names *n, struct lease_table *t, uint32_t first, uint32_t last,
		       size_t count)
{
	uint32_t head = atomic_load_explicit(&n->free_head, memory_order_relaxed);

	atomic_fetch_add_explicit(&n->n_free, count, memory_order_relaxed);
	do
		cell_of(t, last)->next = head;
	while (!atomic_compare_exchange_weak_explicit(&n->free_head, &head, first,
						      memory_order_release, memory_order_relaxed));
}

/* One cell of n: a freed one, else a never-used one; 0 when none. Owner only. */
static uint32_t names_pop(struct lease_table *t, struct lt_names *n)
{
	uint32_t id;

	uint32_t head = atomic_load_explicit(&n->free_head, memory_order_acquire);

	/* Single popper: no ABA (struct lt_slab). Freed (warm) cells first. */
	while (head != 0 &&
	       !atomic_compare_exchange_weak_explicit(&n->free_head, &head, cell_of(t, head)->next,
						      memory_order_acquire, memory_order_acquire))
		;
	if (head != 0)
		id = head;
	else if (n->bump < n->n)
		id = n->first + n->bump++;
	else
		return 0;
	atomic_fetch_sub_explicit(&n->n_free, 1, memory_order_relaxed);
	return id;
}

void lt_name_hold(struct lease_table *t, uint32_t id)
{
	atomic_fetch_add_explicit(&cell_of(t, id)->refs, 1, memory_order_relaxed);
}

void lt_name_drop(struct lease_table *t, uint32_t id)
{
	struct lt_name_cell *c = cell_of(t, id);

	if (atomic_fetch_sub_explicit(&c->refs, 1, memory_order_acq_rel) != 1)
		return;
	/* The last reference: give the whole chain back at once. */
	uint32_t last = id;
	size_t count = 1;
	while (cell_of(t, last)->next != 0) {
		last = cell_of(t, last)->next;
		count++;
	}
	names_push(names_of(t, id), t, id, last, count);
}

/* A new name of len bytes from writer's cells, with one reference; 0 when full. Owner only. */
static uint32_t name_alloc(struct lease_table *t, unsigned writer, const char *name, size_t len)
{
	struct lt_names *n = &t->names[writer];
	uint32_t first = 0, prev = 0;
	size_t done = 0, count = 0;

	do {
		uint32_t id = names_pop(t, n);
		size_t k = len - done < LT_NAME_CELL_BYTES ? len - done : LT_NAME_CELL_BYTES;

		if (id == 0) {
			/* Full: give back what this name took. */
			if (first != 0)
				names_push(n, t, first, prev, count);
			atomic_fetch_add_explicit(&n->refused, 1, memory_order_relaxed);
			return 0;
		}
		struct lt_name_cell *c = cell_of(t, id);
		c->next = 0;
		memcpy(c->bytes, name + done, k);
		done += k;
		count++;
		if (prev != 0)
			cell_of(t, prev)->next = id;
		else
			first = id;
		prev = id;
	} while (done < len);
	cell_of(t, first)->len = (uint8_t)len;
	atomic_store_explicit(&cell_of(t, first)->refs, 1, memory_order_relaxed);
	return first;
}

void lease_table_name_hold(struct lease_table *t, struct lease_name_ref ref)
{
	lt_name_hold(t, ref.id);
}

int lease_table_name_set(struct lease_table *t, unsigned writer, struct lease *newv,
			 const char *name, size_t len)
{
	uint32_t old = newv->fqdn.id;

	if (writer >= t->n_writers || !lease_name_valid(name, len))
		return -EINVAL;
	if (old != 0 && lease_table_name_equal(newv, name, len))
		return 0;
	/*
	 * Dropping the version's old reference must free nothing a reader
	 * could be reading: refuse when it is the last one and the version
	 * may already be seen through its address slot.
	 */
	if (old != 0 && newv->ip != 0 &&
	    atomic_load_explicit(&cell_of(t, old)->refs, memory_order_relaxed) == 1)
		return -EBUSY;
	uint32_t id = name_alloc(t, writer, name, len);
	if (id == 0)
		return -ENOSPC;
	newv->fqdn.id = id;
	if (old != 0)
		lt_name_drop(t, old);
	return 0;
}

int lease_table_name_clear(struct lease_table *t, struct lease *newv)
{
	uint32_t old = newv->fqdn.id;

	if (old == 0)
		return 0;
	if (newv->ip != 0 &&
	    atomic_load_explicit(&cell_of(t, old)->refs, memory_order_relaxed) == 1)
		return -EBUSY; /* as in lease_table_name_set */
	newv->fqdn.id = 0;
	lt_name_drop(t, old);
	return 0;
}

size_t lease_table_name_get(const struct lease *l, char *buf, size_t cap)
{
	uint32_t id = l->fqdn.id;

	if (cap == 0)
		return 0;
	buf[0] = '\0';
	if (id == 0)
		return 0;
	const struct lease_table *t = table_of(l);
	if (id > t->n_name_cells)
		return 0; /* defensive: never written so */
	const struct lt_name_cell *c = cell_of(t, id);
	size_t len = c->len, done = 0;

	if (len >= cap)
		return 0; /* the caller's buffer must hold a whole name */
	while (done < len && id != 0 && id <= t->n_name_cells) {
		c = cell_of(t, id);
		size_t k = len - done < LT_NAME_CELL_BYTES ? len - done : LT_NAME_CELL_BYTES;
		memcpy(buf + done, c->bytes, k);
		done += k;
		id = c->next;
	}
	buf[done] = '\0';
	return done;
}

bool lease_table_name_equal(const struct lease *l, const char *name, size_t len)
{
	uint32_t id = l->fqdn.id;

	if (id == 0)
		return len == 0;
	const struct lease_table *t = table_of(l);
	const struct lt_name_cell *c = cell_of(t, id);
	size_t done = 0;

	if (c->len != len)
		return false;
	while (done < len && id != 0) {
		c = cell_of(t, id);
		size_t k = len - done < LT_NAME_CELL_BYTES ? len - done : LT_NAME_CELL_BYTES;
		if (memcmp(c->bytes, name + done, k) != 0)
			return false;
		done += k;
		id = c->next;
	}
	return done == len;
}
