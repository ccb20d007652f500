/* SPDX-License-Identifier: BSD-3-Clause */
#include "crc32c.h"

/*
 * Slicing-by-one table, built on first use. Portable on purpose: the
 * journal and client-key hash must give the same value on every machine,
 * and neither sits in the per-packet hot loop more than once per packet.
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

uint32_t crc32c(uint32_t crc, const void *buf, size_t len)
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
