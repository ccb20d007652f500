/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Single-producer single-consumer ring of fixed-size messages, C11 atomics.
 *
 * Why not rte_ring: the control thread must stay free of DPDK (DESIGN.md
 * sec 2, control/ uses kernel sockets and files only) and the journal and
 * control modules are unit-tested without EAL. The ring is the typed,
 * fixed-size message channel of STYLE rule 6: one producer thread, one
 * consumer thread, named for its direction by its owner.
 *
 * Never blocks, never allocates after creation.
 */
#ifndef LW_SPSC_RING_H
#define LW_SPSC_RING_H

#include <errno.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct spsc_ring {
	alignas(64) _Atomic uint32_t head; /* producer: rw, consumer: ro */
	alignas(64) _Atomic uint32_t tail; /* consumer: rw, producer: ro */
	alignas(64) uint32_t mask;
	uint32_t elem_size;
	uint8_t *slots;
};

/* Create a ring of `count` (power of two) messages of elem_size bytes; NULL on error. */
static inline struct spsc_ring *spsc_ring_create(uint32_t count, uint32_t elem_size)
{
	if (count == 0 || (count & (count - 1)) || elem_size == 0) {
		errno = EINVAL;
		return NULL;
	}
	struct spsc_ring *r = aligned_alloc(64, sizeof(*r));
	if (!r)
		return NULL;
	memset(r, 0, sizeof(*r));
	r->slots = calloc(count, elem_size);
	if (!r->slots) {
		free(r);
		return NULL;
	}
	r->mask = count - 1;
	r->elem_size = elem_size;
	return r;
}

static inline void spsc_ring_free(struct spsc_ring *r)
{
	if (r) {
		free(r->slots);
		free(r);
	}
}

/* Producer only. Returns true if msg was queued, false when full. */
static inline bool spsc_ring_push(struct spsc_ring *r, const void *msg)
{
	uint32_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
	uint32_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);
	if (head - tail > r->mask)
		return false;
	memcpy(r->slots + (size_t)(head & r->mask) * r->elem_size, msg, r->elem_size);
	atomic_store_explicit(&r->head, head + 1, memory_order_release);
	return true;
}

/*
 * Producer only. As spsc_ring_push, copying only the first len bytes of
 * msg (len <= elem_size): for messages whose tail is often unused. The
 * consumer still reads elem_size bytes; the rest of the slot is left as
 * an earlier message left it, so the message must say how much of it
 * holds something.
 */
static inline bool spsc_ring_push_n(struct spsc_ring *r, const void *msg, uint32_t len)
{
	uint32_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
	uint32_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);
	if (head - tail > r->mask)
		return false;
	memcpy(r->slots + (size_t)(head & r->mask) * r->elem_size, msg,
	       len < r->elem_size ? len : r->elem_size);
	atomic_store_explicit(&r->head, head + 1, memory_order_release);
	return true;
}

/* Consumer only. Returns true and copies the oldest message into msg, false when empty. */
static inline bool spsc_ring_pop(struct spsc_ring *r, void *msg)
{
	uint32_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
	uint32_t head = atomic_load_explicit(&r->head, memory_order_acquire);
	if (head == tail)
		return false;
	memcpy(msg, r->slots + (size_t)(tail & r->mask) * r->elem_size, r->elem_size);
	atomic_store_explicit(&r->tail, tail + 1, memory_order_release);
	return true;
}

/* Messages queued now (approximate from either side). */
static inline uint32_t spsc_ring_count(const struct spsc_ring *r)
{
	return atomic_load_explicit(&r->head, memory_order_acquire) -
	       atomic_load_explicit(&r->tail, memory_order_acquire);
}

static inline uint32_t spsc_ring_capacity(const struct spsc_ring *r) { return r->mask + 1; }

#endif
