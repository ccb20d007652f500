/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internet checksum (RFC 1071), word-at-a-time. Pure and portable (no DPDK,
 * no intrinsics): eight bytes per step through a 128-bit (or split 64-bit)
 * accumulator, with the byte-order independence of RFC 1071 sec 2(B), so the
 * same code runs on little- and big-endian hosts and at any alignment.
 */
#ifndef LW_INET_CSUM_H
#define LW_INET_CSUM_H

#include <stddef.h>
#include <stdint.h>

/*
 * One's-complement sum of len bytes, taken as big-endian 16-bit words, plus
 * `sum` (any value); folded to 16 bits, not inverted. Bit-for-bit the value
 * of the byte-pair loop of RFC 1071 sec 4.1 (0 only when data and seed are
 * all zero). Only the last chunk of a chain may have an odd length: an odd
 * trailing byte is the high half of a zero-padded word. Any thread.
 */
uint32_t inet_csum_partial(const void *buf, size_t len, uint32_t sum);

/* Fold a 32-bit partial sum to 16 bits (end-around carry). */
static inline uint16_t inet_csum_fold(uint32_t sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

#endif
