/* SPDX-License-Identifier: BSD-3-Clause */
/* The counter-block registry (counter_block.h). */
#include "mgmt/counter_block.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>

int counter_registry_add(struct counter_registry *r, const struct counter_block *b)
{
	if (!r || !b)
		return 0;
	unsigned n = atomic_load_explicit(&r->n, memory_order_relaxed);
	if (n >= COUNTER_REGISTRY_MAX)
		return -ENOSPC;
	r->blocks[n] = b;
	atomic_store_explicit(&r->n, n + 1, memory_order_release);
	return 0;
}

const struct counter_block *const *counter_registry_blocks(const struct counter_registry *r,
							   unsigned *n)
{
	*n = atomic_load_explicit(&r->n, memory_order_acquire);
	return r->blocks;
}

const struct counter_block *counter_registry_find(const struct counter_registry *r,
						  const char *name)
{
	unsigned n;
	const struct counter_block *const *b = counter_registry_blocks(r, &n);

	for (unsigned i = 0; i < n; i++) {
		if (strcmp(b[i]->name, name) == 0)
			return b[i];
	}
	return NULL;
}
