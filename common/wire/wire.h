/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Bounds-checked cursor over a byte buffer, with a sticky error: once a read
 * or write would cross the end, every later call is a no-op returning zero,
 * and the caller checks wire_ok() once at the end of a block. All multi-byte
 * values are big-endian on the wire and host order in the return value; no
 * unaligned loads are made (STYLE rule 9).
 *
 * Convention used across leasewire: IPv4 addresses held in a uint32_t are in
 * host byte order unless the name ends in _be.
 */
#ifndef LW_WIRE_H
#define LW_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct wire_cursor {
	uint8_t *base;
	size_t len;
	size_t pos;
	bool error;
};

static inline void wire_init(struct wire_cursor *c, const void *buf, size_t len)
{
	c->base = (uint8_t *)(uintptr_t)buf;
	c->len = len;
	c->pos = 0;
	c->error = false;
}

static inline bool wire_ok(const struct wire_cursor *c) { return !c->error; }
static inline size_t wire_left(const struct wire_cursor *c)
{
	return c->error ? 0 : c->len - c->pos;
}

static inline bool wire_need(struct wire_cursor *c, size_t n)
{
	if (c->error || n > c->len - c->pos) {
		c->error = true;
		return false;
	}
	return true;
}

static inline void wire_skip(struct wire_cursor *c, size_t n)
{
	if (wire_need(c, n))
		c->pos += n;
}

static inline uint8_t wire_u8(struct wire_cursor *c)
{
	if (!wire_need(c, 1))
		return 0;
	return c->base[c->pos++];
}

static inline uint16_t wire_u16(struct wire_cursor *c)
{
	if (!wire_need(c, 2))
		return 0;
	const uint8_t *p = c->base + c->pos;
	c->pos += 2;
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t wire_u32(struct wire_cursor *c)
{
	if (!wire_need(c, 4))
		return 0;
	const uint8_t *p = c->base + c->pos;
	c->pos += 4;
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void wire_read(struct wire_cursor *c, void *dst, size_t n)
{
	if (!wire_need(c, n)) {
		memset(dst, 0, n);
		return;
	}
	memcpy(dst, c->base + c->pos, n);
	c->pos += n;
}

/* Pointer to the next n bytes, advancing past them; NULL (and sticky error) if short. */
static inline const uint8_t *wire_take(struct wire_cursor *c, size_t n)
{
	if (!wire_need(c, n))
		return NULL;
	const uint8_t *p = c->base + c->pos;
	c->pos += n;
	return p;
}

static inline void wire_put_u8(struct wire_cursor *c, uint8_t v)
{
	if (wire_need(c, 1))
		c->base[c->pos++] = v;
}

static inline void wire_put_u16(struct wire_cursor *c, uint16_t v)
{
	if (!wire_need(c, 2))
		return;
	c->base[c->pos++] = (uint8_t)(v >> 8);
	c->base[c->pos++] = (uint8_t)v;
}

static inline void wire_put_u32(struct wire_cursor *c, uint32_t v)
{
	if (!wire_need(c, 4))
		return;
	c->base[c->pos++] = (uint8_t)(v >> 24);
	c->base[c->pos++] = (uint8_t)(v >> 16);
	c->base[c->pos++] = (uint8_t)(v >> 8);
	c->base[c->pos++] = (uint8_t)v;
}

static inline void wire_put(struct wire_cursor *c, const void *src, size_t n)
{
	if (wire_need(c, n)) {
		memcpy(c->base + c->pos, src, n);
		c->pos += n;
	}
}

static inline void wire_put_zero(struct wire_cursor *c, size_t n)
{
	if (wire_need(c, n)) {
		memset(c->base + c->pos, 0, n);
		c->pos += n;
	}
}

#endif
