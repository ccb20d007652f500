/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RFC 3074 load-balancing hash: maps a client to one of 256 buckets.
 * The key is option 61's payload when present, else chaddr[0..hlen); the
 * full client id is hashed (ISC and Kea ignore RFC 3074 sec 4's 16-byte cap,
 * and interop with them matters more; ../shared/specs/failover.md sec 11.1).
 */
#ifndef LW_LB_HASH_H
#define LW_LB_HASH_H

#include <stddef.h>
#include <stdint.h>

#include "dhcp/dhcp_msg.h"

/* Bucket 0..255 of a key (RFC 3074 sec 6). Any thread. */
uint8_t lb_hash(const uint8_t *key, size_t len);

/* Bucket of a parsed request: option 61 if present, else chaddr. Any thread. */
uint8_t lb_hash_msg(const struct dhcp_msg *msg);

#endif
