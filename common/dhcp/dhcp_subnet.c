/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DHCP server: which configured subnet a request belongs to (RFC 3527,
 * RFC 3011, the relay's giaddr, the receiving interface) and which
 * reservation of that subnet is the client's; and, at start-up, the
 * lease-table ranges that the subnets' pools and reservations make.
 */
#include <stddef.h>
#include <string.h>

#include "dhcp/dhcp_server_internal.h"

const struct cfg_subnet *ds_subnet_containing(const struct lw_config *cfg, uint32_t ip)
{
	for (size_t i = 0; i < cfg->n_subnets; i++)
		if (subnet_contains(&cfg->subnets[i], ip))
			return &cfg->subnets[i];
	return NULL;
}

static const struct cfg_subnet *subnet_by_relay(const struct lw_config *cfg, uint32_t giaddr)
{
	for (size_t i = 0; i < cfg->n_subnets; i++) {
		const struct cfg_subnet *s = &cfg->subnets[i];
		for (size_t r = 0; r < s->n_relay_addresses; r++)
			if (s->relay_addresses[r] == giaddr)
				return s;
	}
	return ds_subnet_containing(cfg, giaddr);
}

/* The subnets configured on iface, by name: the first one and how many. */
static void iface_subnets(struct dhcp_server *srv, const struct cfg_interface *iface)
{
	const struct lw_config *cfg = srv->cfg;

	srv->sel_iface = iface;
	srv->sel_first = NULL;
	srv->sel_count = 0;
	for (size_t i = 0; i < cfg->n_subnets; i++) {
		if (strcmp(cfg->subnets[i].interface, iface->name) != 0)
			continue;
		if (!srv->sel_first)
			srv->sel_first = &cfg->subnets[i];
		srv->sel_count++;
	}
}

/*
 * Subnet selection, most specific hint first: RFC 3527 link selection (only
 * trusted from a relay), RFC 3011 subnet selection, the relay's giaddr
 * (RFC 2131 sec 4.3.1), then the receiving interface; on an interface with
 * several subnets the one containing the client's current address wins.
 */
const struct cfg_subnet *ds_select_subnet(struct dhcp_server *srv, const struct dhcp_msg *req,
					  const struct dhcp_link *link)
{
	const struct lw_config *cfg = srv->cfg;

	if (req->giaddr && req->link_selection)
		return ds_subnet_containing(cfg, req->link_selection);
	if (req->subnet_selection)
		return ds_subnet_containing(cfg, req->subnet_selection);
	if (req->giaddr)
		return subnet_by_relay(cfg, req->giaddr);

	const struct cfg_subnet *first = NULL;
	uint32_t hint = req->ciaddr ? req->ciaddr : req->requested_ip;
	if (link->iface) {
		cache_sync(srv);
		if (srv->sel_iface != link->iface)
			iface_subnets(srv, link->iface);
		first = srv->sel_first;
	}
	size_t n_on_iface = link->iface ? srv->sel_count : 0;
	if (n_on_iface > 1) {
		/* Several subnets on this interface: the hint picks one, by name as configured. */
		for (size_t i = 0; i < cfg->n_subnets; i++) {
			const struct cfg_subnet *s = &cfg->subnets[i];
			if (strcmp(s->interface, link->iface->name) != 0)
				continue;
			if (hint && subnet_contains(s, hint))
				return s;
		}
	} else if (first && hint && subnet_contains(first, hint)) {
		return first;
	}
	/*
	 * A RENEWING client unicasts straight to us, past the relay that
	 * carried its DISCOVER (RFC 2131 sec 4.3.2, 4.4.5): giaddr is 0 and
	 * only ciaddr names its subnet, which is none of this interface's.
	 * Without this an authoritative server NAKs every relayed client at T1.
	 */
	if (req->msg_type == DHCPREQUEST && link->dst_unicast && req->ciaddr) {
		const struct cfg_subnet *s = ds_subnet_containing(cfg, req->ciaddr);
		if (s)
			return s;
	}
	return first;
}

const struct cfg_reservation *ds_find_reservation(const struct cfg_subnet *s,
						  const struct dhcp_msg *req)
{
	uint16_t cid_len = 0;
	const uint8_t *cid = dhcp_msg_opt(req, DHO_CLIENT_ID, &cid_len);

	for (size_t i = 0; i < s->n_reservations; i++) {
		const struct cfg_reservation *r = &s->reservations[i];
		if (r->client_id_len && cid && r->client_id_len == cid_len &&
		    memcmp(r->client_id, cid, cid_len) == 0)
			return r;
		if (r->hlen && r->hlen == req->hlen &&
		    memcmp(r->hw_address, req->chaddr, r->hlen) == 0)
			return r;
	}
	return NULL;
}

int dhcp_server_add_ranges(struct lease_table *table, const struct lw_config *cfg)
{
	for (size_t i = 0; i < cfg->n_subnets; i++) {
		const struct cfg_subnet *s = &cfg->subnets[i];
		for (size_t p = 0; p < s->n_pools; p++) {
			int rc = lease_table_add_range(table, s->id, s->pools[p].first,
						       s->pools[p].last, ADDR_RANGE_POOL);
			if (rc < 0)
				return rc;
		}
		for (size_t r = 0; r < s->n_reservations; r++) {
			uint32_t ip = s->reservations[r].ip_address;
			if (lease_table_ip_known(table, ip, 0))
				continue; /* inside a pool: the pool's slot serves it */
			int rc =
			    lease_table_add_range(table, s->id, ip, ip, ADDR_RANGE_RESERVATION);
			if (rc < 0)
				return rc;
		}
	}
	return 0;
}
