/* SPDX-License-Identifier: BSD-3-Clause */
/* CRC-32C (Castagnoli), as used by the journal and client-key hashing. */
#ifndef LW_CRC32C_H
#define LW_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* Continue a CRC-32C over buf; start with crc = 0. Any thread. */
uint32_t crc32c(uint32_t crc, const void *buf, size_t len);

/* The same value from the byte-wise table (the reference; no CPU feature used). */
uint32_t crc32c_portable(uint32_t crc, const void *buf, size_t len);

#endif
