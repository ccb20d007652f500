/* SPDX-License-Identifier: BSD-3-Clause */
#include "base/crc32c.h"

#include <string.h>

#if defined(__SSE4_2__)
#include <nmmintrin.h>
#endif

/*
 * Slicing-by-one table, built on first use. Portable on purpose: the
 * journal and client-key hash must give the same value on every machine.
 * Where the CPU has a CRC-32C instruction (SSE4.2, which the build already
 * requires on x86) the same polynomial is computed by it, eight bytes at a
 * time: the per-packet client-key hash is one or two instructions then.
 * crc32c_portable() stays the reference the unit test holds it to.
 */
static uint32_t crc32c_table[256];
static _Atomic int crc32c_ready;

static void crc32c_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++)
			c = c & 1 ? (c >> 1) ^ 0x82f63b78u : c >> 1;
		crc32c_table[i] = c;
	}
	crc32c_ready = 1;
}

uint32_t crc32c_portable(uint32_t crc, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	/* Building the table twice from two threads writes the same values. */
	if (!crc32c_ready)
		crc32c_init();
	crc = ~crc;
	while (len--)
		crc = crc32c_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

#if defined(__SSE4_2__) && defined(__x86_64__)
uint32_t crc32c(uint32_t crc, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint64_t c = ~crc & 0xffffffffu;

	/* The instruction takes the bytes in memory order (a little-endian load). */
	for (; len >= 8; p += 8, len -= 8) {
		uint64_t v;

		memcpy(&v, p, sizeof(v));
		c = _mm_crc32_u64(c, v);
	}
	uint32_t c32 = (uint32_t)c;
	if (len & 4) {
		uint32_t v;

		memcpy(&v, p, sizeof(v));
		c32 = _mm_crc32_u32(c32, v);
		p += 4;
	}
	if (len & 2) {
		uint16_t v;

		memcpy(&v, p, sizeof(v));
		c32 = _mm_crc32_u16(c32, v);
		p += 2;
	}
	if (len & 1)
		c32 = _mm_crc32_u8(c32, *p);
	return ~c32;
}
#else
uint32_t crc32c(uint32_t crc, const void *buf, size_t len)
{
	return crc32c_portable(crc, buf, len);
}
#endif
