/* SPDX-License-Identifier: BSD-3-Clause */
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
