/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A lease's DNS name and DNS state (lease.h: fqdn, dns_flags) as the
 * workers keep them: the fast-path setter the ACK path calls once the
 * policy (common/ddns/) has decided, what a lease's end does to them, and
 * the control thread's confirmations (WORKER_CMD_DNS_STATE).
 *
 * The rules every version keeps:
 *  - every new version of a binding carries the name and dns_flags of the
 *    one it replaces (dhcp_server.c new_version, lease_table_alloc_copy);
 *  - FWD, REV and REMOVE_PENDING describe records of the name the record
 *    holds, so the name is not replaced while one of them is set;
 *  - when a binding ends (RELEASE, expiry, DECLINE, "clear lease", an
 *    offer given up) with FWD or REV set, its next version keeps the name
 *    and the flags and sets REMOVE_PENDING, so the journal says a removal
 *    is owed (DESIGN.md sec 6: only the server that made the lease free
 *    removes, and only what its journal says it added); the record is not
 *    reclaimed until the control thread has confirmed the removal;
 *  - the WANT bits are the decision of the ACK that made the version and
 *    are dropped when the binding ends.
 */
#ifndef LW_DHCP_LEASE_H
#define LW_DHCP_LEASE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dhcp/dhcp_server.h"

/*
 * Give next_version, the version of a lease this worker is building
 * (after claim_version/new_version, before it is published), the name
 * fqdn[0..len) (presentation form, absolute, lower case, no final dot:
 * lease_name_valid(); len 0 = no name) and the policy's decision `want`
 * (LEASE_DNS_F_WANT_FWD and/or _WANT_REV; other bits are ignored).
 *
 * The name the version already carries is kept as it is when it is
 * equal (a renewal allocates nothing). A different name is taken only
 * when the version has no DNS records to answer for (none of FWD, REV,
 * REMOVE_PENDING): otherwise the old name and flags stay, the WANT bits
 * are set, and -EBUSY says so (the control thread removes the old
 * records first; the next ACK after its confirmation takes the new name).
 * When this worker's name slab is full the lease goes on without a name
 * (WANT bits cleared) and srv->ctr->names_dropped counts it: -ENOSPC.
 * Call it before the version is claimed into its address slot (so a
 * second call on one version stays safe, lease_table_name_set).
 *
 * Returns 0, -EINVAL (not a valid name: the version is unchanged),
 * -EBUSY or -ENOSPC as above. Owner worker only; no system call, no lock,
 * no allocation beyond the name slab; costs a compare for an unchanged
 * name and nothing but the call for len 0 on a lease without a name.
 */
int dhcp_lease_set_name(struct dhcp_server *srv, struct lease *next_version, const char *fqdn,
			size_t len, uint8_t want);

/* A binding ends in v (its next version): REMOVE_PENDING if records were added, no WANT. */
static inline void dhcp_lease_dns_end(struct lease *v)
{
	if (v->dns_flags & LEASE_DNS_F_ADDED)
		v->dns_flags |= LEASE_DNS_F_REMOVE_PENDING;
	v->dns_flags &= (uint8_t)~LEASE_DNS_F_WANT;
}

/* True while l's journal says DNS records of its name are ours to remove. */
static inline bool dhcp_lease_dns_owed(const struct lease *l)
{
	return (l->dns_flags & (LEASE_DNS_F_ADDED | LEASE_DNS_F_REMOVE_PENDING)) != 0;
}

/*
 * The control thread's confirmation of a DNS update (WORKER_CMD_DNS_STATE):
 * for the binding of client key[0..key_len) on ip in generation
 * addr_version (the lease's addr_version when the event that asked for
 * the update was made), set the bits `set` and clear the bits `clear` of
 * dns_flags in a new version, journaled like any change: its event goes
 * to *ev (UPSERT, next sequence). A command for another generation (the
 * client's record is gone, holds another address, or took the address
 * again since: a new addr_version) is stale and changes nothing, so that
 * a removal confirmed for generation N never touches generation N+1
 * (DESIGN.md sec 6). If the result has FWD or REV on a binding that has
 * ended (not BOUND), REMOVE_PENDING is set with them: an add confirmed
 * after the lease ended still owes its removal.
 *
 * Returns 0 (*ev filled), -ESTALE, -EALREADY (nothing would change),
 * -EINVAL (bits outside LEASE_DNS_F_ALL) or -ENOMEM (slab empty). Owner
 * worker of the client only.
 */
int dhcp_lease_dns_state(struct dhcp_server *srv, const uint8_t *key, uint8_t key_len, uint32_t ip,
			 uint32_t addr_version, uint8_t set, uint8_t clear, struct lease_event *ev);

/*
 * "clear lease" of the client of img (a DELETE of its record, control_cmd.c):
 * when the record owes a DNS removal (dhcp_lease_dns_owed), it is not
 * deleted but ended: its address is given back and its next version, in
 * state EXPIRED with the name, the address and REMOVE_PENDING kept, goes
 * to *ev (UPSERT); returns 1. Returns 0 when a plain delete is right (no
 * such record or nothing owed), -ENOMEM when the slab is empty. Owner
 * worker only.
 */
int dhcp_lease_clear(struct dhcp_server *srv, const struct lease_image *img, int64_t now,
		     struct lease_event *ev);

#endif
