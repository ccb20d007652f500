/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A module's published counters, registered once at start-up so readers
 * list them without knowing the module: the control thread's journal and
 * clock counters today, failover's and DNS updates' tomorrow. A block is
 * n consecutive _Atomic uint64_t with their names; the owner writes them
 * (relaxed), any thread reads them. Blocks are only ever added, by one
 * thread at a time (control modules add theirs in their start hook, on the
 * control thread, while the shell and telemetry may already read), so the
 * count is published with release and read with acquire: a reader sees a
 * block only once it is complete.
 */
#ifndef LW_COUNTER_BLOCK_H
#define LW_COUNTER_BLOCK_H

#include <stdatomic.h>
#include <stdint.h>

struct counter_block {
	const char *name; /* the module's: "journal", later "failover" */
	unsigned n;
	const char *const *names; /* [n], snake_case */
	const _Atomic uint64_t *values; /* [n] */
};

#define COUNTER_REGISTRY_MAX 16

struct counter_registry {
	_Atomic unsigned n;
	const struct counter_block *blocks[COUNTER_REGISTRY_MAX];
};

/* Add b (NULL registry or block is ignored). 0, or -ENOSPC when full. One adder at a time. */
int counter_registry_add(struct counter_registry *r, const struct counter_block *b);

/* The blocks added so far: *n of them. Any thread. */
const struct counter_block *const *counter_registry_blocks(const struct counter_registry *r,
							   unsigned *n);

/* The block named name, or NULL. Any thread, once start-up is done. */
const struct counter_block *counter_registry_find(const struct counter_registry *r,
						  const char *name);

#endif
