/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DHCP server: choosing and claiming an address for a client (RFC 2131
 * sec 4.3.1 order of preference), keeping reserved addresses for their
 * clients.
 */
#include "dhcp/dhcp_server_internal.h"

/*
 * True when ip is reserved in s for a client other than the one whose
 * reservation is `mine` (NULL: it has none). A reservation is its client's
 * explicit configuration (RFC 2131 sec 4.3.1, first choice) and nobody
 * else's address. Reserved addresses inside a pool share the pool's slots
 * and free lists (the lease table knows nothing of reservations), so every
 * claim path has to ask.
 */
static bool reserved_for_other(const struct cfg_subnet *s, uint32_t ip,
			       const struct cfg_reservation *mine)
{
	for (size_t i = 0; i < s->n_reservations; i++)
		if (s->reservations[i].ip_address == ip && &s->reservations[i] != mine)
			return true;
	return false;
}

/* Try to claim ip for newv (whose reservation in s is `mine`); true on success. */
bool ds_try_claim(struct dhcp_server *srv, const struct cfg_subnet *s, uint32_t ip,
		  const struct cfg_reservation *mine, const struct lease *old, struct lease *newv)
{
	if (!ip || !subnet_contains(s, ip) || !lease_table_ip_known(srv->table, ip, s->id) ||
	    reserved_for_other(s, ip, mine))
		return false;
	const struct lease *holder = lease_table_find_ip(srv->table, ip);
	if (holder && holder != old)
		return false;
	if (lease_table_claim_ip(srv->table, ip, holder, newv) != 0)
		return false;
	newv->ip = ip;
	return true;
}

/*
 * A free pool address of s that is not reserved for another client. The
 * free lists hold reserved pool addresses too; one popped here is parked:
 * its slot moves to a zeroed scratch record that is then discarded, which
 * empties the slot without putting the address back on a free list
 * (lease_table_discard). Only its owner's claim takes it from there, and
 * the owner's release returns it to circulation, so a reserved address
 * costs one extra pop per lap of the free list, not one per DISCOVER.
 */
static uint32_t alloc_unreserved(struct dhcp_server *srv, const struct cfg_subnet *s,
				 const struct cfg_reservation *mine, struct lease *newv)
{
	uint32_t ip;

	while ((ip = lease_table_alloc_ip(srv->table, srv->worker, s->id, newv)) != 0 &&
	       reserved_for_other(s, ip, mine)) {
		struct lease *scratch = lease_table_alloc(srv->table, srv->worker);

		if (!scratch || lease_table_claim_ip(srv->table, ip, newv, scratch) != 0) {
			if (scratch)
				lease_table_discard(srv->table, scratch);
			lease_table_release_ip(srv->table, srv->worker, ip, newv);
			return 0;
		}
		lease_table_discard(srv->table, scratch);
	}
	return ip;
}

/*
 * Pick an address for a DISCOVER (RFC 2131 sec 4.3.1): the client's current
 * binding, its reservation, its previous address, the address it asks for,
 * then any free one. Claims the address for newv (unless it is old's).
 */
uint32_t ds_choose_address(struct dhcp_server *srv, const struct cfg_subnet *s,
			   const struct dhcp_msg *req, const struct cfg_reservation *resv,
			   const struct lease *old, struct lease *newv)
{
	if (old && old->subnet_id == s->id && holds_slot(srv->table, old) &&
	    (old->state == LEASE_BOUND || old->state == LEASE_OFFERED) &&
	    (!resv || resv->ip_address == old->ip)) {
		newv->ip = old->ip;
		return old->ip;
	}
	if (resv && ds_try_claim(srv, s, resv->ip_address, resv, old, newv))
		return newv->ip;
	if (old && old->ip && old->subnet_id == s->id &&
	    ds_try_claim(srv, s, old->ip, resv, old, newv))
		return newv->ip;
	if (req->requested_ip && ds_try_claim(srv, s, req->requested_ip, resv, old, newv))
		return newv->ip;
	return alloc_unreserved(srv, s, resv, newv);
}
