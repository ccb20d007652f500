/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DHCP server: leases found by the workers' scans. Expiry returns OFFERED
 * and BOUND addresses whose time has passed to the pool and ends DECLINE
 * probation; reclaim deletes released and expired records kept longer
 * than hold-reclaimed-time.
 */
#include "dhcp/dhcp_lease.h"
#include "dhcp/dhcp_server_internal.h"

bool dhcp_server_expire(struct dhcp_server *srv, const struct lease *l, unsigned n_workers,
			int64_t now, struct lease_event *ev)
{
	unsigned owner = client_key_shard(l->key_hash, n_workers);
	if (l->key_len == 6 && l->key[0] == LEASE_KEY_DECLINED)
		owner = l->key[5] % (n_workers ? n_workers : 1);
	if (owner != srv->worker)
		return false;
	if (l->lease_secs == LEASE_INFINITE && l->state == LEASE_BOUND)
		return false;
	if (l->expire > now || !holds_slot(srv->table, l))
		return false;

	if (l->state == LEASE_DECLINED) {
		/* Probation over: the address is usable again (RFC 2131 sec 4.3.3). */
		lease_table_release_ip(srv->table, srv->worker, l->ip, l);
		ev->type = JOURNAL_REC_DELETE;
		ev->seq = ++srv->next_seq;
		ev->worker = (uint8_t)srv->worker;
		lease_image_from_lease(&ev->img, l);
		lease_table_remove(srv->table, l);
		return true;
	}
	if (l->state != LEASE_BOUND && l->state != LEASE_OFFERED)
		return false;

	struct lease *newv = lease_table_alloc_copy(srv->table, srv->worker, l);
	if (!newv)
		return false; /* retried on the next lap */
	newv->state = LEASE_EXPIRED;
	dhcp_lease_dns_end(newv);
	bool was_bound = l->state == LEASE_BOUND;
	if (was_bound)
		stamp(srv, newv);

	lease_table_release_ip(srv->table, srv->worker, l->ip, l);
	lease_table_publish(srv->table, newv, l);
	if (srv->ctr) {
		if (was_bound)
			srv->ctr->leases_expired++;
		else
			srv->ctr->offers_expired++;
	}
	if (!was_bound)
		return false; /* offers were never journaled */
	ev->type = JOURNAL_REC_UPSERT;
	ev->seq = newv->journal_seq;
	ev->worker = (uint8_t)srv->worker;
	lease_image_from_lease(&ev->img, newv);
	return true;
}

bool dhcp_server_reclaim(struct dhcp_server *srv, const struct lease *l, int64_t now,
			 struct lease_event *ev)
{
	uint32_t hold = srv->cfg->hold_reclaimed_time;

	/* Cheap tests first: most slab records are bound, free or young. */
	if (hold == 0 || (l->state != LEASE_RELEASED && l->state != LEASE_EXPIRED))
		return false;
	if (l->expire > now - (int64_t)hold || l->key_len == 0 || l->key_len > LEASE_KEY_MAX)
		return false;
	if (lease_table_find_key(srv->table, l->key, l->key_len, l->key_hash) != l ||
	    holds_slot(srv->table, l))
		return false;
	/*
	 * A record whose DNS records are not yet confirmed removed is the
	 * journal's only memory of them (DESIGN.md sec 6): it stays until the
	 * control thread confirms the removal (dhcp_lease_dns_state).
	 */
	if (dhcp_lease_dns_owed(l)) {
		if (srv->ctr)
			srv->ctr->reclaims_dns_wait++;
		return false;
	}

	ev->type = JOURNAL_REC_DELETE;
	ev->seq = ++srv->next_seq;
	ev->worker = (uint8_t)srv->worker;
	lease_image_from_lease(&ev->img, l);
	lease_table_remove(srv->table, l);
	if (srv->ctr)
		srv->ctr->leases_reclaimed++;
	return true;
}
