/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DHCP server: claiming a given address for a client, unless it is
 * another client's reservation. The order in which addresses are tried
 * (ds_choose_address) and the reserved-address checks are static inline in
 * dhcp_server_internal.h: DISCOVER inlined them when they were one file.
 */
#include "dhcp/dhcp_server_internal.h"

/*
 * Try to claim ip for newv (whose reservation in s is `mine`); true on
 * success. An address nobody holds is taken only if `from` (the failover
 * view's alloc_from) allows it; one old already holds stays the client's.
 */
bool ds_try_claim(struct dhcp_server *srv, const struct cfg_subnet *s, uint32_t ip,
		  const struct cfg_reservation *mine, uint8_t from, const struct lease *old,
		  struct lease *newv)
{
	if (!ip || !subnet_contains(s, ip) || !lease_table_ip_known(srv->table, ip, s->id) ||
	    reserved_for_other(s, ip, mine))
		return false;
	const struct lease *holder = lease_table_find_ip(srv->table, ip);
	if (holder && holder != old)
		return false;
	if (!holder && !ds_owner_allows(srv, from, ip, mine))
		return false;
	if (lease_table_claim_ip(srv->table, ip, holder, newv) != 0)
		return false;
	newv->ip = ip;
	return true;
}
