/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DHCP server internals shared by its files (the API is dhcp_server.h):
 *  - dhcp_server.c: dispatch and the per-message handlers
 *    (DISCOVER/BOOTP, REQUEST, DECLINE, RELEASE, INFORM);
 *  - dhcp_subnet.c: subnet selection and reservation lookup;
 *  - dhcp_alloc.c: claiming an address for a client (the order of the
 *    addresses tried is inline below);
 *  - dhcp_reply.c: building replies (options, the subnet block memo);
 *  - dhcp_expiry.c: expiry and reclaim of leases found by the scans;
 *  - dhcp_apply.c: applying recovered images to the table.
 *
 * The small helpers every request passes through are static inline here,
 * so that the split adds no call the single file did not make.
 */
#ifndef LW_DHCP_SERVER_INTERNAL_H
#define LW_DHCP_SERVER_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "dhcp/dhcp_server.h"

static inline bool subnet_contains(const struct cfg_subnet *s, uint32_t ip)
{
	uint32_t mask = s->prefix_len ? ~0u << (32 - s->prefix_len) : 0;
	return (ip & mask) == s->prefix;
}

static inline uint32_t subnet_mask(const struct cfg_subnet *s)
{
	return s->prefix_len ? ~0u << (32 - s->prefix_len) : 0;
}

/* Drop everything derived from a previous configuration (dhcp_server.h). */
static inline void cache_sync(struct dhcp_server *srv)
{
	if (srv->cache_cfg == srv->cfg)
		return;
	srv->sel_iface = NULL;
	srv->sel_first = NULL;
	srv->sel_count = 0;
	for (unsigned i = 0; i < DHCP_REPLY_MEMO_SLOTS; i++)
		srv->memo[i].subnet = NULL;
	srv->memo_next = 0;
	srv->memo_last = 0;
	srv->cache_cfg = srv->cfg;
}

/* True when `l` is the version currently holding its address slot. */
static inline bool holds_slot(struct lease_table *t, const struct lease *l)
{
	return l && l->ip && lease_table_find_ip(t, l->ip) == l;
}

static inline bool is_our_address(const struct lw_config *cfg, uint32_t ip)
{
	for (size_t i = 0; i < cfg->n_interfaces; i++)
		if (cfg->interfaces[i].address == ip)
			return true;
	return false;
}

/* The address is usable by this client: free, or already its own. */
static inline bool ds_address_available(struct dhcp_server *srv, const struct cfg_subnet *s,
					uint32_t ip, const struct lease *old)
{
	if (!subnet_contains(s, ip) || !lease_table_ip_known(srv->table, ip, s->id))
		return false;
	const struct lease *holder = lease_table_find_ip(srv->table, ip);
	return !holder || holder == old;
}

/*
 * Give a version that will be journaled its event sequence before it is
 * published, so the record shows which journal event made it (immutable
 * once published).
 */
static inline void stamp(struct dhcp_server *srv, struct lease *l)
{
	l->journal_seq = ++srv->next_seq;
}

struct lease_times {
	uint32_t lease_secs, t1, t2;
	uint32_t desired; /* before the failover cap: what the PET is computed from */
};

/* Reply options (RFC 2131 sec 4.3.1 table 3, RFC 2132), honouring option 55 and 57. */
struct reply_plan {
	uint8_t type;
	uint32_t server_ip;
	uint32_t yiaddr;
	uint32_t ciaddr;
	const struct cfg_subnet *subnet;
	struct lease_times times;
	bool with_lease; /* OFFER, ACK, BOOTP reply */
	/* The option 81 or 12 answer (ddns/client_name.h); NULL when there is none. */
	const struct client_name *name;
};

/*
 * Record name (NULL: none) in the version being built, with the records
 * it wants (dhcp_lease_set_name); a name refused while the old one's
 * records are still ours (-EBUSY) or for want of room (-ENOSPC) is
 * counted there, and the binding goes on. Owner worker.
 */
void ds_keep_name(struct dhcp_server *srv, struct lease *newv, const struct client_name *name);

/*
 * The client's name under the subnet's ddns-* policy, decided only while
 * DNS updates are configured (an unconfigured server ignores options 81
 * and 12, as Kea does without DHCP-DDNS): *cn filled and returned, or
 * NULL when the client gets no name and no option 81/12 in the reply.
 * Inline up to the test that a standalone server fails, so that it pays
 * one load and one branch per OFFER or ACK.
 */
const struct client_name *ds_client_name_decide(const struct dhcp_msg *req,
						const struct cfg_subnet *s,
						const struct cfg_reservation *resv, uint32_t ip,
						struct client_name *cn);
static inline const struct client_name *
ds_client_name(struct dhcp_server *srv, const struct dhcp_msg *req, const struct cfg_subnet *s,
	       const struct cfg_reservation *resv, uint32_t ip, struct client_name *cn)
{
	return srv->cfg->ddns.enabled ? ds_client_name_decide(req, s, resv, ip, cn) : NULL;
}

/* dhcp_subnet.c */
const struct cfg_subnet *ds_subnet_containing(const struct lw_config *cfg, uint32_t ip);
const struct cfg_subnet *ds_select_subnet(struct dhcp_server *srv, const struct dhcp_msg *req,
					  const struct dhcp_link *link);
const struct cfg_reservation *ds_find_reservation(const struct cfg_subnet *s,
						  const struct dhcp_msg *req);

/*
 * Failover pool ownership (lease_table.h): whether a server allocating
 * `from` (the view's alloc_from) may newly bind ip. A standalone server
 * asks nothing. A client's reservation is its own wherever it lies: both
 * partners are configured with it, and giving a client its own address
 * conflicts with nobody.
 */
_Static_assert(ALLOC_FREE == LEASE_ALLOC_FREE && ALLOC_BACKUP == LEASE_ALLOC_BACKUP,
	       "failover_view alloc_from and the lease table share their bits");

static inline bool ds_owner_allows(struct dhcp_server *srv, uint8_t from, uint32_t ip,
				   const struct cfg_reservation *mine)
{
	return (from & LEASE_ALLOC_ANY) == LEASE_ALLOC_ANY || (mine && mine->ip_address == ip) ||
	       lease_table_owner_allows(srv->table, ip, from);
}

/* dhcp_alloc.c */
bool ds_try_claim(struct dhcp_server *srv, const struct cfg_subnet *s, uint32_t ip,
		  const struct cfg_reservation *mine, uint8_t from, const struct lease *old,
		  struct lease *newv);

/*
 * Address choice, inline rather than in dhcp_alloc.c: every allocating
 * DISCOVER runs it, and as a call it cost 22 instructions a packet
 * (callgrind, discover_empty) that it did not cost before the split.
 */

/*
 * True when ip is reserved in s for a client other than the one whose
 * reservation is `mine` (NULL: it has none). A reservation is its client's
 * explicit configuration (RFC 2131 sec 4.3.1, first choice) and nobody
 * else's address. Reserved addresses inside a pool share the pool's slots
 * and free lists (the lease table knows nothing of reservations), so every
 * claim path has to ask.
 */
static inline bool reserved_for_other(const struct cfg_subnet *s, uint32_t ip,
				      const struct cfg_reservation *mine)
{
	for (size_t i = 0; i < s->n_reservations; i++)
		if (s->reservations[i].ip_address == ip && &s->reservations[i] != mine)
			return true;
	return false;
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
static inline uint32_t alloc_unreserved(struct dhcp_server *srv, const struct cfg_subnet *s,
					const struct cfg_reservation *mine, uint8_t from,
					struct lease *newv)
{
	uint32_t ip;

	/* The standalone server's pop has no ownership test at all. */
	while ((ip = (from & LEASE_ALLOC_ANY) == LEASE_ALLOC_ANY
			 ? lease_table_alloc_ip(srv->table, srv->worker, s->id, newv)
			 : lease_table_alloc_ip_from(srv->table, srv->worker, s->id, from, newv)) !=
		   0 &&
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
 * Under failover only addresses `from` allows are newly claimed: a
 * previous or requested address of the partner's is passed over and the
 * client is offered one of ours (RFC 2131 sec 4.3.1 lets the server choose).
 */
static inline uint32_t ds_choose_address(struct dhcp_server *srv, const struct cfg_subnet *s,
					 const struct dhcp_msg *req,
					 const struct cfg_reservation *resv, uint8_t from,
					 const struct lease *old, struct lease *newv)
{
	if (old && old->subnet_id == s->id && holds_slot(srv->table, old) &&
	    (old->state == LEASE_BOUND || old->state == LEASE_OFFERED) &&
	    (!resv || resv->ip_address == old->ip)) {
		newv->ip = old->ip;
		return old->ip;
	}
	if (resv && ds_try_claim(srv, s, resv->ip_address, resv, from, old, newv))
		return newv->ip;
	if (old && old->ip && old->subnet_id == s->id &&
	    ds_try_claim(srv, s, old->ip, resv, from, old, newv))
		return newv->ip;
	if (req->requested_ip && ds_try_claim(srv, s, req->requested_ip, resv, from, old, newv))
		return newv->ip;
	return alloc_unreserved(srv, s, resv, from, newv);
}

/* dhcp_reply.c */
enum drop_reason ds_reply(struct dhcp_server *srv, const struct dhcp_msg *req, struct reply_plan *p,
			  uint8_t *buf, size_t cap, struct dhcp_result *res);

/* A NAK: no address, no lease, no subnet options (RFC 2131 sec 4.3.1 table 3). */
static inline enum drop_reason ds_nak(struct dhcp_server *srv, const struct dhcp_msg *req,
				      uint32_t server_ip, uint8_t *buf, size_t cap,
				      struct dhcp_result *res)
{
	struct reply_plan p = { .type = DHCPNAK, .server_ip = server_ip };
	return ds_reply(srv, req, &p, buf, cap, res);
}

#endif
