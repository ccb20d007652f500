/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Client identity: option 61 when present, else htype + chaddr (RFC 2131
 * sec 4.2). The hash picks the owning worker (shard) and the lease-table
 * bucket; it must be stable across restarts because recovery re-shards.
 */
#ifndef LW_CLIENT_KEY_H
#define LW_CLIENT_KEY_H

#include <stddef.h>
#include <stdint.h>

#include "dhcp/dhcp_msg.h"
#include "lease/lease.h"

struct client_key {
	uint8_t len;
	uint8_t bytes[LEASE_KEY_MAX];
	uint32_t hash;
};

/*
 * Derive the key of a parsed request. Returns DROP_NONE, or DROP_NO_IDENTITY
 * (no option 61 and hlen 0 or chaddr all zero) or DROP_CLIENT_ID (option 61
 * longer than LEASE_KEY_MAX - 1). Any thread.
 */
enum drop_reason client_key_from_msg(const struct dhcp_msg *msg, struct client_key *key);

/* Hash of key bytes (CRC32C based; stable across versions). Any thread. */
uint32_t client_key_hash(const uint8_t *bytes, size_t len);

/* Owning worker of a key: hash % n_workers. */
static inline unsigned client_key_shard(uint32_t hash, unsigned n_workers)
{
	return n_workers ? (hash >> 16 ^ hash) % n_workers : 0;
}

#endif
