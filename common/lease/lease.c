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
 * chaddr) and key_len + key, so the failover and DNS fields were added
 * after the key where they move none of them. On LP64 (pahole, x86-64 and
 * arm64): ip 32, chaddr 48..63, key_len 105, key 106..241, fo_status 242,
 * fo_flags 243, fqdn 244 (the padding before stos), stos 248, sent_pet 256,
 * dns_flags 264, size 272 (7 bytes of tail padding left for later fields;
 * 264 before format 3).
 */
_Static_assert(offsetof(struct lease, chaddr) + sizeof(((struct lease *)0)->chaddr) <= 64,
	       "struct lease: the hot fields left the first cache line");
_Static_assert(offsetof(struct lease, fo_status) == offsetof(struct lease, key) + LEASE_KEY_MAX &&
		   offsetof(struct lease, fo_flags) == offsetof(struct lease, fo_status) + 1,
	       "struct lease: fo_status/fo_flags belong in the padding after the key");
_Static_assert(offsetof(struct lease, fqdn) + sizeof(struct lease_name_ref) ==
		   offsetof(struct lease, stos),
	       "struct lease: the name reference belongs in the padding before stos");
_Static_assert(offsetof(struct lease, dns_flags) ==
		   offsetof(struct lease, sent_pet) + sizeof(int64_t),
	       "struct lease: dns_flags goes right after sent_pet");
#if UINTPTR_MAX == UINT64_MAX
_Static_assert(offsetof(struct lease, ip) == 32 && offsetof(struct lease, key_len) == 105 &&
		   offsetof(struct lease, stos) == 248 && offsetof(struct lease, fqdn) == 244 &&
		   sizeof(struct lease) == 272,
	       "struct lease: LP64 layout changed");
#endif

bool lease_name_valid(const char *name, size_t len)
{
	size_t label = 0;

	if (len == 0 || len > LEASE_NAME_MAX || name[0] == '.' || name[len - 1] == '.')
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c == '.') {
			if (label == 0)
				return false; /* an empty label: ".." */
			label = 0;
			continue;
		}
		if (c <= ' ' || c >= 0x7f || c == ',' || (c >= 'A' && c <= 'Z') || ++label > 63)
			return false;
	}
	return true;
}
