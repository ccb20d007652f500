/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the workers need to know about failover, as one immutable struct
 * behind an RCU pointer (DESIGN.md sec 3, 5). The control thread builds a
 * new view and swaps it; workers read it per packet without a lock.
 * Standalone is a view too: serve every bucket, no MCLT cap, so the worker
 * code path is the same with and without a partner.
 */
#ifndef LW_FAILOVER_VIEW_H
#define LW_FAILOVER_VIEW_H

#include <stdbool.h>
#include <stdint.h>

enum failover_mode {
	FAILOVER_STANDALONE = 0,
	FAILOVER_NORMAL, /* both up: serve our buckets, cap at partner ack + MCLT */
	FAILOVER_COMM_INTERRUPTED, /* serve everyone, no load balancing, MCLT cap (draft-12 sec 9) */
	FAILOVER_PARTNER_DOWN, /* serve everyone */
	/*
	 * STARTUP, RECOVER, RECOVER-WAIT, POTENTIAL-CONFLICT, PAUSED, SHUTDOWN:
	 * answer nothing and remember nothing (draft-12 sec 9.2, 9.3.1, 9.5.1).
	 */
	FAILOVER_NO_SERVICE,
	/*
	 * RECOVER-DONE: answer only RENEWING and REBINDING DHCPREQUESTs
	 * (draft-12 sec 9.7.1), with the MCLT cap.
	 */
	FAILOVER_RENEW_ONLY,
};

struct failover_view {
	enum failover_mode mode;
	bool primary;
	uint32_t mclt_secs;
	/*
	 * RFC 3074 sec 5.3 delayed service, as ISC's "load balance max
	 * seconds": secs > this serves regardless of bucket, and 0 turns load
	 * balancing off (both servers answer everything), as ISC does.
	 */
	uint16_t lb_max_secs;
	uint8_t
	    our_buckets[32]; /* bit set = we serve the bucket; octet 0 = buckets 0..7, LSB first */
	/*
	 * Whose pool addresses this server may newly allocate (draft-12 sec
	 * 5.4, 9.4.2; specs/failover.md sec 8.1): ALLOC_FREE the primary's,
	 * ALLOC_BACKUP the secondary's. Standalone both; primary FREE and
	 * secondary BACKUP in NORMAL, COMM-INT and the other serving states;
	 * both in PARTNER-DOWN once MCLT has passed since entering it. 0
	 * allocates nothing (renewals of held bindings still go on). Same bits
	 * as LEASE_ALLOC_* (lease/lease_table.h).
	 */
	uint8_t alloc_from;
};

#define ALLOC_FREE 0x01
#define ALLOC_BACKUP 0x02

/* The view used when no failover peer is configured. */
extern const struct failover_view failover_view_standalone;

/*
 * Whether this server answers a load-balanced message (a DISCOVER, a
 * BOOTREQUEST, an INIT-REBOOT REQUEST) for a client in `bucket` that has
 * been trying for `secs` (DESIGN.md sec 5). Only NORMAL balances: in
 * COMMUNICATIONS-INTERRUPTED and PARTNER-DOWN each server serves every
 * client (draft-12 sec 9.2). Any thread.
 */
static inline bool failover_view_balances(const struct failover_view *v)
{
	return v->mode == FAILOVER_NORMAL && v->lb_max_secs != 0;
}

static inline bool failover_view_serves(const struct failover_view *v, uint8_t bucket,
					uint16_t secs)
{
	if (!failover_view_balances(v) || secs > v->lb_max_secs)
		return true;
	return (v->our_buckets[bucket >> 3] >> (bucket & 7)) & 1;
}

/*
 * Longest lease this server may grant now, as ISC dhcpd 4.4.3 computes it
 * (server/dhcp.c; ../shared/specs/failover.md sec 8.3), which keeps
 * draft-12 sec 5.2.1's rule "lease end < acked PET + MCLT":
 *   standalone, PARTNER-DOWN: desired (no cap);
 *   otherwise, desired <= MCLT: desired;
 *   desired > MCLT and acked PET <= now (nothing acked yet, a brand-new
 *     binding, or the ack has run out): MCLT;
 *   desired > MCLT and acked PET > now: min(desired, acked PET - now + MCLT).
 * acked_pet is lease.partner_expire (ISC tsfp). Pure; any thread.
 */
static inline uint32_t failover_view_lease_cap(const struct failover_view *v, uint32_t desired,
					       int64_t now, int64_t acked_pet)
{
	if (v->mode == FAILOVER_STANDALONE || v->mode == FAILOVER_PARTNER_DOWN ||
	    desired <= v->mclt_secs)
		return desired;
	if (acked_pet <= now)
		return v->mclt_secs;
	uint64_t cap = (uint64_t)(acked_pet - now) + v->mclt_secs;
	return cap < desired ? (uint32_t)cap : desired;
}

/*
 * The potential expiration time to tell the partner for a lease of
 * `granted` seconds (failover_view_lease_cap of `desired`) given at now:
 * ISC's tstp = now + desired + granted / 2, so that a renewal at T1 can be
 * given the whole desired time (specs sec 8.3, draft-12 sec 7.1.5: PET >=
 * lease end). 0 when standalone: no partner, nothing to send. An infinite
 * lease (LEASE_INFINITE) is PET INT64_MAX. Pure; any thread.
 */
static inline int64_t failover_view_sent_pet(const struct failover_view *v, uint32_t desired,
					     uint32_t granted, int64_t now)
{
	if (v->mode == FAILOVER_STANDALONE)
		return 0;
	if (desired == UINT32_MAX || granted == UINT32_MAX)
		return INT64_MAX;
	return now + (int64_t)desired + (int64_t)(granted / 2);
}

#endif
