/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The DHCID RR's RDATA (RFC 4701) for a lease: who the client is, hashed
 * with the name it is registered under. On the control floor because it
 * needs SHA-256 (OpenSSL), which the dataplane must not link; the lease
 * keeps what it is computed from (the client key and the name), so the
 * removal always computes the same value as the add did.
 */
#ifndef LW_DDNS_DHCID_H
#define LW_DDNS_DHCID_H

#include <stddef.h>
#include <stdint.h>

#define DHCID_LEN 35 /* identifier-type (2), digest-type (1), SHA-256 (32) */

#define DHCID_TYPE_HWADDR 0x0000 /* htype + chaddr */
#define DHCID_TYPE_CLIENT_ID 0x0001 /* option 61 data */
#define DHCID_TYPE_DUID 0x0002 /* the DUID of an RFC 4361 client id */

/*
 * Fill out[DHCID_LEN] for the client whose lease key is key[0..key_len)
 * (lease.h encoding) and the presentation name (lease form, no final dot).
 * RFC 4701 sec 3.5: a DUID when option 61 is RFC 4361-shaped (type 255,
 * IAID, then a DUID of 1..130 bytes, as Kea decides), else option 61, else
 * htype + chaddr. Returns 0, or -EINVAL for a key or name it cannot hash.
 */
int ddns_dhcid(const uint8_t *key, size_t key_len, const char *name, size_t name_len,
	       uint8_t out[DHCID_LEN]);

/* The same from raw parts: identifier-type and identifier bytes (the RFC's test vectors). */
int ddns_dhcid_raw(uint16_t type, const uint8_t *id, size_t id_len, const char *name,
		   size_t name_len, uint8_t out[DHCID_LEN]);

#endif
