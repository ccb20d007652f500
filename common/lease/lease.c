/* SPDX-License-Identifier: BSD-3-Clause */
#include <stddef.h>

#include "lease/lease.h"

static const char *const lease_state_names[LEASE_STATE__COUNT] = {
	[LEASE_FREE] = "free",	       [LEASE_OFFERED] = "offered", [LEASE_BOUND] = "bound",
	[LEASE_RELEASED] = "released", [LEASE_EXPIRED] = "expired", [LEASE_DECLINED] = "declined",
	[LEASE_BACKUP] = "backup",
};

const char *lease_state_name(uint8_t state)
{
	return state < LEASE_STATE__COUNT ? lease_state_names[state] : "invalid";
}

/*
 * The layout of struct lease is chosen by hand (lease/lease_fields.h): the
 * worker's lookup reads the first cache line (linkage, ip, key_hash, state,
 * chaddr) and key_len + key, so the failover fields were added after the
 * key where they move none of them. On LP64 (pahole, x86-64 and arm64):
 * ip 32, chaddr 48..63, key_len 105, key 106..241, fo_status 242,
 * fo_flags 243 (tail padding before), stos 248, sent_pet 256, size 264.
 */
_Static_assert(offsetof(struct lease, chaddr) + sizeof(((struct lease *)0)->chaddr) <= 64,
	       "struct lease: the hot fields left the first cache line");
_Static_assert(offsetof(struct lease, fo_status) == offsetof(struct lease, key) + LEASE_KEY_MAX &&
		   offsetof(struct lease, fo_flags) == offsetof(struct lease, fo_status) + 1,
	       "struct lease: fo_status/fo_flags belong in the padding after the key");
_Static_assert(sizeof(struct lease) == offsetof(struct lease, sent_pet) + sizeof(int64_t),
	       "struct lease: no tail padding past sent_pet");
#if UINTPTR_MAX == UINT64_MAX
_Static_assert(offsetof(struct lease, ip) == 32 && offsetof(struct lease, key_len) == 105 &&
		   offsetof(struct lease, stos) == 248 && sizeof(struct lease) == 264,
	       "struct lease: LP64 layout changed");
#endif
