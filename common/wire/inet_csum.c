/* SPDX-License-Identifier: BSD-3-Clause */
#include "wire/inet_csum.h"

#include <string.h>

/*
 * RFC 1071 sec 2(B): the sum is independent of byte order, so the words are
 * added in host order and the folded result is swapped once at the end on a
 * little-endian host. A 64-bit load costs what a byte load does, and memcpy()
 * keeps it legal at any alignment (it compiles to one mov).
 */
static inline uint64_t load64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline uint32_t load32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline uint16_t load16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/*
 * 64-bit one's-complement add: the carry out of the word is counted apart
 * and added back at the end (compilers emit add + adc $0 for this).
 */
#define ADD_CARRY(s, c, v) \
	do { \
		uint64_t v_ = (v); \
		(s) += v_; \
		(c) += (s) < v_; \
	} while (0)

/* s + c as a one's-complement 64-bit sum, folded to 33 bits at most. */
static inline uint64_t fold64(uint64_t s, uint64_t c)
{
	uint64_t t = s + c;

	t += t < c; /* end-around carry */
	return (t & 0xffffffffu) + (t >> 32);
}

uint32_t inet_csum_partial(const void *buf, size_t len, uint32_t sum)
{
	const uint8_t *p = buf;
	/* Two independent chains so the adds of one word do not wait for the last. */
	uint64_t s0 = 0, s1 = 0, c0 = 0, c1 = 0;
	uint64_t s;

	for (; len >= 32; p += 32, len -= 32) {
		ADD_CARRY(s0, c0, load64(p));
		ADD_CARRY(s1, c1, load64(p + 8));
		ADD_CARRY(s0, c0, load64(p + 16));
		ADD_CARRY(s1, c1, load64(p + 24));
	}
	for (; len >= 8; p += 8, len -= 8)
		ADD_CARRY(s0, c0, load64(p));
	/* Each fold is at most 33 bits; their sum plus 4 + 2 + 1 more bytes fits easily. */
	s = fold64(s0, c0) + fold64(s1, c1);
	if (len & 4) {
		s += load32(p);
		p += 4;
	}
	if (len & 2) {
		s += load16(p);
		p += 2;
	}
	if (len & 1) {
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
		s += (uint32_t)p[0] << 8;
#else
		s += p[0]; /* the high half of a big-endian word is the low byte here */
#endif
	}
	/* 64 -> 16 bits; each step keeps the value mod 0xffff and its non-zeroness. */
	s = (s & 0xffffffffu) + (s >> 32);
	s = (s & 0xffffffffu) + (s >> 32);
	uint32_t r = inet_csum_fold((uint32_t)s);
#if __BYTE_ORDER__ != __ORDER_BIG_ENDIAN__
	r = (uint32_t)((r & 0xff) << 8 | r >> 8);
#endif
	/* The seed is big-endian already; add it last (any 32-bit value). */
	uint64_t t = (uint64_t)r + sum;

	t = (t & 0xffff) + (t >> 16);
	t = (t & 0xffff) + (t >> 16);
	t = (t & 0xffff) + (t >> 16);
	return (uint32_t)t;
}
