/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A lease's DNS name and DNS state (dhcp/dhcp_lease.h): the ACK path's
 * setter, the control thread's confirmations, and "clear lease" of a
 * record that owes a DNS removal.
 */
#include "dhcp/dhcp_lease.h"

#include <errno.h>
#include <string.h>

#include "dhcp/dhcp_server_internal.h"

int dhcp_lease_set_name(struct dhcp_server *srv, struct lease *v, const char *fqdn, size_t len,
			uint8_t want)
{
	want &= LEASE_DNS_F_WANT;
	if (len == 0 && v->fqdn.id == 0) {
		/* The common case of a lease without a name: nothing to look up. */
		v->dns_flags &= (uint8_t)~LEASE_DNS_F_WANT;
		return 0;
	}
	if (len != 0 && !lease_name_valid(fqdn, len))
		return -EINVAL;
	if (lease_table_name_equal(v, fqdn, len)) {
		v->dns_flags = (uint8_t)((v->dns_flags & ~LEASE_DNS_F_WANT) | (len ? want : 0));
		return 0;
	}
	/* Records of the old name are ours to answer for: keep it until they are gone. */
	if (dhcp_lease_dns_owed(v)) {
		v->dns_flags = (uint8_t)((v->dns_flags & ~LEASE_DNS_F_WANT) | want);
		return -EBUSY;
	}
	int rc = len ? lease_table_name_set(srv->table, srv->worker, v, fqdn, len)
		     : lease_table_name_clear(srv->table, v);
	if (rc == -ENOSPC) {
		/* Granted without a name: counted, never silent. */
		if (lease_table_name_clear(srv->table, v) == 0)
			v->dns_flags &= (uint8_t)~LEASE_DNS_F_WANT;
		if (srv->ctr)
			srv->ctr->names_dropped++;
		return -ENOSPC;
	}
	if (rc < 0)
		return rc;
	v->dns_flags = (uint8_t)((v->dns_flags & ~LEASE_DNS_F_WANT) | (len ? want : 0));
	return 0;
}

static void event_of(struct dhcp_server *srv, const struct lease *v, struct lease_event *ev)
{
	ev->type = JOURNAL_REC_UPSERT;
	ev->seq = v->journal_seq;
	ev->worker = (uint8_t)srv->worker;
	lease_image_from_lease(&ev->img, v);
}

int dhcp_lease_dns_state(struct dhcp_server *srv, const uint8_t *key, uint8_t key_len, uint32_t ip,
			 uint32_t addr_version, uint8_t set, uint8_t clear, struct lease_event *ev)
{
	if ((set | clear) & ~LEASE_DNS_F_ALL)
		return -EINVAL;
	const struct lease *cur =
	    lease_table_find_key(srv->table, key, key_len, client_key_hash(key, key_len));
	/* The binding the command was made for, and no later one (DESIGN.md sec 6). */
	if (!cur || cur->ip != ip || cur->addr_version != addr_version)
		return -ESTALE;
	uint8_t flags = (uint8_t)((cur->dns_flags & ~clear) | set);
	if ((flags & LEASE_DNS_F_ADDED) && cur->state != LEASE_BOUND)
		flags |= LEASE_DNS_F_REMOVE_PENDING;
	if (flags == cur->dns_flags)
		return -EALREADY;
	struct lease *newv = lease_table_alloc_copy(srv->table, srv->worker, cur);
	if (!newv)
		return -ENOMEM;
	newv->dns_flags = flags;
	stamp(srv, newv);
	if (lease_table_publish(srv->table, newv, cur) != 0) {
		lease_table_discard(srv->table, newv);
		return -ESTALE;
	}
	event_of(srv, newv, ev);
	return 0;
}

int dhcp_lease_clear(struct dhcp_server *srv, const struct lease_image *img, int64_t now,
		     struct lease_event *ev)
{
	const struct lease *cur = lease_table_find_key(srv->table, img->key, img->key_len,
						       client_key_hash(img->key, img->key_len));

	if (!cur || !dhcp_lease_dns_owed(cur))
		return 0;
	struct lease *newv = lease_table_alloc_copy(srv->table, srv->worker, cur);
	if (!newv)
		return -ENOMEM;
	if (holds_slot(srv->table, cur))
		lease_table_release_ip(srv->table, srv->worker, cur->ip, cur);
	if (newv->state == LEASE_BOUND || newv->state == LEASE_OFFERED) {
		newv->state = LEASE_EXPIRED;
		newv->expire = now;
	}
	dhcp_lease_dns_end(newv);
	stamp(srv, newv);
	if (lease_table_publish(srv->table, newv, cur) != 0) {
		lease_table_discard(srv->table, newv);
		return -ENOMEM;
	}
	event_of(srv, newv, ev);
	return 1;
}
