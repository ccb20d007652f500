/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Lease table, record slabs (DESIGN.md sec 3): every lease record comes
 * from its writer's slab, allocated at create, so no packet mallocs;
 * retired versions return after a grace period (lt_retire in
 * lease_table_internal.h). Alloc, copy, discard and the slab scan that
 * drives reclaim.
 */
#include <errno.h>
#include <stddef.h>
#include <stdatomic.h>
#include <string.h>

#include "lease/lease_table_internal.h"

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
	/* The copy names what src names: one more version holds the name. */
	if (l->fqdn.id != 0)
		lt_name_hold(t, l->fqdn.id);
	return l;
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
		/* Never seen: neither is a name only it held, which goes back at once. */
		if (unpublished->fqdn.id != 0) {
			lt_name_drop(t, unpublished->fqdn.id);
			unpublished->fqdn.id = 0;
		}
		lt_slab_push(rec->slab, rec);
		return;
	}
	lt_slot_clear_if(t, unpublished);
	lt_retire(unpublished);
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
