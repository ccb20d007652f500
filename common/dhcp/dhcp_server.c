/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DHCP server, per-message semantics (RFC 2131 sec 4.3, RFC 951/1542/1534
 * for BOOTP): dispatch of a request and its handlers, DISCOVER and BOOTP,
 * REQUEST in each client state, RELEASE, DECLINE, INFORM. The handlers
 * stay in one file with the dispatch so the compiler can inline them into
 * it, as before the split; subnet selection, allocation, reply building,
 * expiry and recovery are in the files dhcp_server_internal.h lists.
 */
#include <stddef.h>
#include <string.h>

#include "dhcp/client_key.h"
#include "ddns/client_name.h"
#include "dhcp/dhcp_lease.h"
#include "dhcp/dhcp_server_internal.h"
#include "failover/fo_codes.h"
#include "failover/lb_hash.h"

/*
 * RFC 1542 sec 4.1.1: a relay agent puts the address of the interface the
 * request came in on into giaddr and forwards the request from an address
 * of its own. A giaddr on a frame sent from 0.0.0.0 came from no relay; a
 * giaddr that is ours, or that no host can have (this network, loopback,
 * multicast, broadcast: RFC 1122 sec 3.2.1.3), would have us send the
 * reply to ourselves or to an address nobody answers for. Either way the
 * reply would go to whatever MAC the frame came from.
 */
static bool giaddr_plausible(const struct lw_config *cfg, uint32_t giaddr, uint32_t src_ip)
{
	uint8_t first = (uint8_t)(giaddr >> 24);

	return src_ip != 0 && first != 0 && first != 127 && first < 224 &&
	       !is_our_address(cfg, giaddr);
}

static struct lease *new_version(struct dhcp_server *srv, const struct lease *old,
				 const struct client_key *key, const struct dhcp_msg *req)
{
	struct lease *l = lease_table_alloc(srv->table, srv->worker);
	if (!l)
		return NULL;
	if (old) {
		l->ip = old->ip;
		l->subnet_id = old->subnet_id;
		l->flags = old->flags;
		l->cltt = old->cltt;
		l->expire = old->expire;
		l->lease_secs = old->lease_secs;
		l->partner_expire = old->partner_expire;
		l->sent_pet = old->sent_pet; /* what the partner was told stays true */
		l->addr_version = old->addr_version; /* the same holder keeps its version */
		l->state = old->state;
		/* The name and what DNS has of it go on with the binding (dhcp_lease.h). */
		l->dns_flags = old->dns_flags;
		l->fqdn = old->fqdn;
		if (l->fqdn.id != 0)
			lease_table_name_hold(srv->table, l->fqdn);
	}
	l->key_len = key->len;
	memcpy(l->key, key->bytes, key->len);
	l->key_hash = key->hash;
	l->htype = req->htype;
	l->hlen = req->hlen;
	memcpy(l->chaddr, req->chaddr, sizeof(l->chaddr));
	return l;
}

/*
 * Swap `newv` in for `old`: give back old's address when newv does not keep
 * it, then publish. newv's own claim (if on another address) is already done.
 */
static int swap_version(struct dhcp_server *srv, const struct lease *old, struct lease *newv,
			bool new_holds)
{
	if (old && holds_slot(srv->table, old) && (!new_holds || newv->ip != old->ip))
		lease_table_release_ip(srv->table, srv->worker, old->ip, old);
	return lease_table_publish(srv->table, newv, old);
}

static void emit_event(struct dhcp_result *res, uint8_t type, const struct lease *l,
		       unsigned worker)
{
	if (res->n_events >= DHCP_RESULT_MAX_EVENTS)
		return;
	struct lease_event *ev = &res->events[res->n_events++];
	ev->seq = l->journal_seq;
	ev->type = type;
	ev->worker = (uint8_t)worker;
	lease_image_from_lease(&ev->img, l);
}

/*
 * The lease a request gets on s (RFC 2131 sec 4.3.1): the time it asks for
 * in option 51 clamped to [min, max]-valid-lifetime as Kea does (both are
 * valid-lifetime unless configured, so then the option changes nothing),
 * else valid-lifetime; then capped by failover's MCLT. T1/T2 follow a lease
 * other than valid-lifetime: a configured timer is kept while it is below
 * it, else it is the subnet's share of it (T1 < T2 < lease, sec 4.4.5).
 * Everything but the multiply was resolved when the config was loaded.
 */
static struct lease_times lease_times_for(const struct cfg_subnet *s,
					  const struct failover_view *view, int64_t now,
					  const struct lease *old, const struct dhcp_msg *req)
{
	struct lease_times t = { .t1 = s->renew_timer, .t2 = s->rebind_timer };
	uint32_t want = s->valid_lifetime;

	if (dhcp_msg_has(req, DHO_LEASE_TIME)) {
		want = req->lease_time_req;
		want = want < s->min_valid_lifetime   ? s->min_valid_lifetime
		       : want > s->max_valid_lifetime ? s->max_valid_lifetime
						      : want;
	}
	t.desired = want;
	t.lease_secs = failover_view_lease_cap(view, want, now, old ? old->partner_expire : 0);
	if (t.lease_secs != s->valid_lifetime) {
		bool rounded = s->calculate_tee_times;

		if (!s->rebind_set || t.t2 >= t.lease_secs)
			t.t2 = config_lease_share(t.lease_secs, s->t2_ppm, rounded);
		if (!s->renew_set || t.t1 >= t.t2)
			t.t1 = config_lease_share(t.lease_secs, s->t1_ppm, rounded);
	}
	return t;
}

/*
 * The client's next version for a claim on s (an OFFER, a BOOTP binding,
 * an ACK): no address yet, on s since now; *times are the lease times it
 * will be given. The caller completes the record before its claim makes
 * it visible through find_ip. NULL when the slab is empty.
 */
static struct lease *claim_version(struct dhcp_server *srv, const struct lease *old,
				   const struct client_key *key, const struct dhcp_msg *req,
				   const struct cfg_subnet *s, const struct failover_view *view,
				   int64_t now, struct lease_times *times)
{
	struct lease *newv = new_version(srv, old, key, req);

	if (!newv)
		return NULL;
	newv->ip = 0;
	*times = lease_times_for(s, view, now, old, req);
	newv->subnet_id = s->id;
	newv->cltt = now;
	return newv;
}

static enum drop_reason handle_discover(struct dhcp_server *srv, const struct dhcp_msg *req,
					const struct client_key *key, const struct cfg_subnet *s,
					uint32_t server_ip, const struct failover_view *view,
					int64_t now, uint8_t *buf, size_t cap,
					struct dhcp_result *res, bool bootp)
{
	const struct lease *old = lease_table_find_key(srv->table, key->bytes, key->len, key->hash);
	const struct cfg_reservation *resv = ds_find_reservation(s, req);

	if (bootp && !s->dynamic_bootp && !resv)
		return DROP_BOOTP_DISABLED;

	/* A bound client asking again keeps its binding untouched (RFC 2131 sec 4.3.1). */
	if (!bootp && old && old->state == LEASE_BOUND && old->subnet_id == s->id &&
	    holds_slot(srv->table, old) && (!resv || resv->ip_address == old->ip)) {
		struct client_name cn;
		struct reply_plan p = { .type = DHCPOFFER,
					.server_ip = server_ip,
					.yiaddr = old->ip,
					.subnet = s,
					.with_lease = true,
					.times = lease_times_for(s, view, now, old, req),
					.name = ds_client_name(srv, req, s, resv, old->ip, &cn) };
		return ds_reply(srv, req, &p, buf, cap, res);
	}

	struct lease_times times;
	struct lease *newv = claim_version(srv, old, key, req, s, view, now, &times);
	if (!newv)
		return DROP_TABLE_FULL;
	newv->flags = resv ? LEASE_F_RESERVED : 0;
	if (bootp) {
		/* BOOTP has no REQUEST: the reply is the binding (RFC 1534). */
		times.lease_secs = resv && !s->dynamic_bootp ? times.lease_secs : LEASE_INFINITE;
		newv->flags |= LEASE_F_BOOTP;
		newv->state = LEASE_BOUND;
		newv->lease_secs = times.lease_secs;
		newv->expire =
		    times.lease_secs == LEASE_INFINITE ? INT64_MAX : now + times.lease_secs;
	} else {
		newv->state = LEASE_OFFERED;
		newv->lease_secs = times.lease_secs;
		newv->expire = now + (srv->cfg->offer_lifetime ? srv->cfg->offer_lifetime : 10);
	}
	if (bootp)
		stamp(srv, newv);
	uint32_t ip = ds_choose_address(srv, s, req, resv, view->alloc_from, old, newv);
	if (!ip) {
		lease_table_discard(srv->table, newv);
		return DROP_POOL_EXHAUSTED;
	}
	if (swap_version(srv, old, newv, true) != 0) {
		lease_table_release_ip(srv->table, srv->worker, ip, newv);
		lease_table_discard(srv->table, newv);
		return DROP_TABLE_FULL;
	}
	struct client_name cn;
	struct reply_plan p = { .type = bootp ? DHCP_NONE : DHCPOFFER,
				.server_ip = server_ip,
				.yiaddr = ip,
				.subnet = s,
				.with_lease = true,
				.times = times,
				.name = bootp ? NULL : ds_client_name(srv, req, s, resv, ip, &cn) };
	if (bootp) {
		emit_event(res, JOURNAL_REC_UPSERT, newv, srv->worker);
		res->park = true;
	}
	return ds_reply(srv, req, &p, buf, cap, res);
}

/* Bind `ip` to the client and build the ACK (parked until durable). */
static enum drop_reason ack(struct dhcp_server *srv, const struct dhcp_msg *req,
			    const struct client_key *key, const struct cfg_subnet *s,
			    uint32_t server_ip, const struct failover_view *view, int64_t now,
			    const struct lease *old, uint32_t ip, uint8_t *buf, size_t cap,
			    struct dhcp_result *res)
{
	/*
	 * The address must be on the network the request came from (RFC 2131
	 * sec 4.3.2): a SELECTING client relayed from another subnet than its
	 * offer's would otherwise be bound there with this subnet's id. NAK it.
	 */
	if (!subnet_contains(s, ip) || !lease_table_ip_known(srv->table, ip, s->id))
		return ds_nak(srv, req, server_ip, buf, cap, res);
	const struct cfg_reservation *resv = ds_find_reservation(s, req);
	struct lease_times times;
	struct lease *newv = claim_version(srv, old, key, req, s, view, now, &times);
	if (!newv)
		return DROP_TABLE_FULL;
	/*
	 * The client's name and the records it should have, journaled with
	 * the binding (dhcp_lease.h); the control thread registers them once
	 * the record is durable. Before the address claim, as set_name asks.
	 */
	struct client_name cn;
	const struct client_name *name = ds_client_name(srv, req, s, resv, ip, &cn);
	if (srv->cfg->ddns.enabled)
		ds_keep_name(srv, newv, name);
	newv->state = LEASE_BOUND;
	newv->lease_secs = times.lease_secs;
	newv->expire = now + times.lease_secs;
	if (resv)
		newv->flags |= LEASE_F_RESERVED;
	if (view->mode != FAILOVER_STANDALONE) {
		/*
		 * Under failover the binding is ACTIVE from now, and the partner
		 * is to be told (draft-12 sec 7.1.1): the PET we send is kept
		 * with it, the update is pending until BNDACKed. Standalone
		 * records keep all of these 0.
		 */
		newv->fo_status = FO_BINDING_ACTIVE;
		newv->fo_flags = LEASE_FO_F_UPDATE_PENDING;
		newv->stos = now;
		newv->sent_pet = failover_view_sent_pet(view, times.desired, times.lease_secs, now);
	}
	stamp(srv, newv);
	bool keeps = old && holds_slot(srv->table, old) && old->ip == ip;
	if (keeps) {
		newv->ip = ip;
	} else if (!ds_owner_allows(srv, view->alloc_from, ip, resv)) {
		/*
		 * Failover: a new binding of an address the partner allocates is
		 * the partner's to make (draft-12 sec 5.4). Silence, not a NAK:
		 * the partner may have offered it and be about to ACK, which a
		 * NAK from us would undo (ISC 4.4.3 does the same: "lease owned
		 * by peer"). A client keeping the binding it holds (renewing,
		 * rebinding, asking for its own address) took the branch above.
		 */
		lease_table_discard(srv->table, newv);
		return DROP_PARTNER_ADDRESS;
	} else if (!ds_try_claim(srv, s, ip, resv, LEASE_ALLOC_ANY /* allowed just above */, old,
				 newv)) {
		lease_table_discard(srv->table, newv);
		return ds_nak(srv, req, server_ip, buf, cap, res);
	}
	if (swap_version(srv, old, newv, true) != 0) {
		if (!keeps)
			lease_table_release_ip(srv->table, srv->worker, ip, newv);
		lease_table_discard(srv->table, newv);
		return DROP_TABLE_FULL;
	}
	emit_event(res, JOURNAL_REC_UPSERT, newv, srv->worker);
	res->park = true;
	struct reply_plan p = { .type = DHCPACK,
				.server_ip = server_ip,
				.yiaddr = ip,
				.ciaddr = req->ciaddr,
				.subnet = s,
				.with_lease = true,
				.times = times,
				.name = name };
	return ds_reply(srv, req, &p, buf, cap, res);
}

static enum drop_reason handle_request(struct dhcp_server *srv, const struct dhcp_msg *req,
				       const struct client_key *key, const struct cfg_subnet *s,
				       uint32_t server_ip, const struct dhcp_link *link,
				       const struct failover_view *view, int64_t now, uint8_t *buf,
				       size_t cap, struct dhcp_result *res)
{
	const struct lease *old = lease_table_find_key(srv->table, key->bytes, key->len, key->hash);
	bool has_binding = old && holds_slot(srv->table, old) &&
			   (old->state == LEASE_BOUND || old->state == LEASE_OFFERED);

	if (dhcp_msg_has(req, DHO_SERVER_ID)) {
		/* SELECTING (RFC 2131 sec 4.3.2): ciaddr MUST be 0, option 50 MUST be set. */
		if (!is_our_address(srv->cfg, req->server_id)) {
			/* The client took another server's offer: our offer is free again. */
			if (old && old->state == LEASE_OFFERED && holds_slot(srv->table, old)) {
				struct lease *newv = new_version(srv, old, key, req);
				if (newv) {
					newv->state = LEASE_EXPIRED;
					dhcp_lease_dns_end(newv);
					swap_version(srv, old, newv, false);
				}
			}
			return DROP_NOT_FOR_US;
		}
		if (req->ciaddr || !req->requested_ip)
			return DROP_RFC_VIOLATION;
		if (has_binding && old->ip == req->requested_ip)
			return ack(srv, req, key, s, server_ip, view, now, old, old->ip, buf, cap,
				   res);
		/* We lost the offer (restart) or the client asks for another address:
		 * bind it if it is free for this client, else NAK. */
		if (ds_address_available(srv, s, req->requested_ip, old))
			return ack(srv, req, key, s, server_ip, view, now, old, req->requested_ip,
				   buf, cap, res);
		return ds_nak(srv, req, server_ip, buf, cap, res);
	}

	if (req->requested_ip) {
		/* INIT-REBOOT (RFC 2131 sec 4.3.2): ciaddr MUST be 0. */
		if (req->ciaddr)
			return DROP_RFC_VIOLATION;
		if (!subnet_contains(s, req->requested_ip))
			return ds_nak(srv, req, server_ip, buf, cap, res); /* wrong network */
		if (has_binding && old->ip == req->requested_ip)
			return ack(srv, req, key, s, server_ip, view, now, old, old->ip, buf, cap,
				   res);
		const struct lease *holder = lease_table_find_ip(srv->table, req->requested_ip);
		if ((holder && holder != old) ||
		    (old && old->ip && old->ip != req->requested_ip && has_binding))
			return ds_nak(srv, req, server_ip, buf, cap, res);
		if (!old || !old->ip || old->ip != req->requested_ip) {
			/* No record of this client: silent unless authoritative. */
			if (!s->authoritative)
				return DROP_NO_BINDING;
			return ds_nak(srv, req, server_ip, buf, cap, res);
		}
		/* Our record says the address was this client's (expired/released): rebind. */
		return ack(srv, req, key, s, server_ip, view, now, old, req->requested_ip, buf, cap,
			   res);
	}

	/* RENEWING (unicast) or REBINDING (broadcast): ciaddr MUST be set. */
	if (!req->ciaddr)
		return DROP_RFC_VIOLATION;
	(void)link;
	if (!subnet_contains(s, req->ciaddr)) {
		if (!s->authoritative)
			return DROP_NO_BINDING;
		return ds_nak(srv, req, server_ip, buf, cap, res);
	}
	if (has_binding && old->ip == req->ciaddr)
		return ack(srv, req, key, s, server_ip, view, now, old, old->ip, buf, cap, res);
	if (ds_address_available(srv, s, req->ciaddr, old))
		/* Lost state but the address is free: keep the client where it is. */
		return ack(srv, req, key, s, server_ip, view, now, old, req->ciaddr, buf, cap, res);
	return ds_nak(srv, req, server_ip, buf, cap, res);
}

static enum drop_reason handle_release(struct dhcp_server *srv, const struct dhcp_msg *req,
				       const struct client_key *key, int64_t now,
				       struct dhcp_result *res)
{
	const struct lease *old = lease_table_find_key(srv->table, key->bytes, key->len, key->hash);

	if (dhcp_msg_has(req, DHO_SERVER_ID) && !is_our_address(srv->cfg, req->server_id))
		return DROP_NOT_FOR_US;
	/* RFC 2131 sec 4.3.4: identified by client id/chaddr and ciaddr together. */
	if (!old || !req->ciaddr || old->ip != req->ciaddr || old->state != LEASE_BOUND ||
	    !holds_slot(srv->table, old))
		return DROP_NOT_OWNER;
	struct lease *newv = new_version(srv, old, key, req);
	if (!newv)
		return DROP_TABLE_FULL;
	newv->state = LEASE_RELEASED;
	newv->cltt = now;
	newv->expire = now;
	dhcp_lease_dns_end(newv);
	stamp(srv, newv);
	swap_version(srv, old, newv, false);
	emit_event(res, JOURNAL_REC_UPSERT, newv, srv->worker);
	return DROP_NONE;
}

static enum drop_reason handle_decline(struct dhcp_server *srv, const struct dhcp_msg *req,
				       const struct client_key *key, int64_t now,
				       struct dhcp_result *res)
{
	const struct lease *old = lease_table_find_key(srv->table, key->bytes, key->len, key->hash);

	if (dhcp_msg_has(req, DHO_SERVER_ID) && !is_our_address(srv->cfg, req->server_id))
		return DROP_NOT_FOR_US;
	/* RFC 2131 sec 4.3.3: option 50 names the address; only its holder may decline it. */
	if (!req->requested_ip)
		return DROP_RFC_VIOLATION;
	if (!old || old->ip != req->requested_ip || !holds_slot(srv->table, old) ||
	    (old->state != LEASE_BOUND && old->state != LEASE_OFFERED))
		return DROP_NOT_OWNER;

	/* The address goes into probation under its own record, keyed by address, so
	 * the client can be given another address without ending the probation. */
	struct lease *probation = lease_table_alloc(srv->table, srv->worker);
	struct lease *newv = new_version(srv, old, key, req);
	if (!probation || !newv) {
		if (probation)
			lease_table_discard(srv->table, probation);
		if (newv)
			lease_table_discard(srv->table, newv);
		return DROP_TABLE_FULL;
	}
	uint32_t ip = old->ip;
	probation->key[0] = LEASE_KEY_DECLINED;
	probation->key[1] = (uint8_t)(ip >> 24);
	probation->key[2] = (uint8_t)(ip >> 16);
	probation->key[3] = (uint8_t)(ip >> 8);
	probation->key[4] = (uint8_t)ip;
	/* The creating worker stays the record's only writer (its expiry too), so
	 * the owner is named in the key rather than derived from the hash. */
	probation->key[5] = (uint8_t)srv->worker;
	probation->key_len = 6;
	probation->key_hash = client_key_hash(probation->key, probation->key_len);
	probation->ip = ip;
	probation->subnet_id = old->subnet_id;
	probation->state = LEASE_DECLINED;
	probation->cltt = now;
	probation->expire = now + srv->cfg->decline_probation_period;
	probation->lease_secs = srv->cfg->decline_probation_period;
	stamp(srv, probation);

	const struct lease *prev = lease_table_find_key(srv->table, probation->key,
							probation->key_len, probation->key_hash);
	if (lease_table_claim_ip(srv->table, ip, old, probation) != 0 ||
	    lease_table_publish(srv->table, probation, prev) != 0) {
		lease_table_discard(srv->table, probation);
		lease_table_discard(srv->table, newv);
		return DROP_TABLE_FULL;
	}
	/*
	 * The address goes to probation: the client's binding ends here, and
	 * with it any DNS records of the address. The version keeps the
	 * address it had (ip 0 would lose the PTR to remove) only when records
	 * are owed; it holds no slot either way.
	 */
	newv->ip = dhcp_lease_dns_owed(newv) ? ip : 0;
	newv->state = LEASE_EXPIRED;
	newv->cltt = now;
	newv->expire = now;
	dhcp_lease_dns_end(newv);
	stamp(srv, newv);
	lease_table_publish(srv->table, newv, old);
	emit_event(res, JOURNAL_REC_UPSERT, probation, srv->worker);
	emit_event(res, JOURNAL_REC_UPSERT, newv, srv->worker);
	return DROP_NONE;
}

static enum drop_reason handle_inform(struct dhcp_server *srv, const struct dhcp_msg *req,
				      const struct dhcp_link *link, uint32_t server_ip,
				      uint8_t *buf, size_t cap, struct dhcp_result *res)
{
	/* RFC 2131 sec 4.3.5: the client already has an address; answer to ciaddr. */
	uint32_t client_ip = req->ciaddr ? req->ciaddr : link->src_ip;
	if (!client_ip)
		return DROP_RFC_VIOLATION;
	const struct cfg_subnet *s = req->giaddr ? ds_select_subnet(srv, req, link)
						 : ds_subnet_containing(srv->cfg, client_ip);
	if (!s)
		return DROP_NO_SUBNET;
	struct reply_plan p = { .type = DHCPACK,
				.server_ip = server_ip,
				.ciaddr = req->ciaddr,
				.subnet = s,
				.with_lease = false };
	enum drop_reason r = ds_reply(srv, req, &p, buf, cap, res);
	if (r == DROP_NONE)
		res->reply_type = DHCPINFORM; /* tells the worker: an ACK that is not parked */
	return r;
}

/*
 * RFC 3074 load balancing (DESIGN.md sec 5). Only a balancing view (NORMAL
 * with load balancing on) computes the hash.
 */
static bool serves(const struct failover_view *view, const struct dhcp_msg *req)
{
	if (!failover_view_balances(view))
		return true;
	return failover_view_serves(view, lb_hash_msg(req), req->secs);
}

/*
 * The failover states that give less than full service (failover.md sec
 * 8.1): none at all, or in RECOVER-DONE only RENEWING and REBINDING
 * (draft-12 sec 9.7.1), which RFC 2131 sec 4.3.2 tells apart as a REQUEST
 * with ciaddr set and neither a server identifier nor a requested address.
 * A server that does not answer must not remember the request either
 * (draft-12 sec 9.2), so RELEASE, DECLINE and INFORM are held back too.
 */
static enum drop_reason failover_gate(const struct failover_view *view, const struct dhcp_msg *req)
{
	switch (view->mode) {
	case FAILOVER_NO_SERVICE: return DROP_FO_NO_SERVICE;
	case FAILOVER_RENEW_ONLY:
		if (req->msg_type == DHCPREQUEST && req->ciaddr && !req->requested_ip &&
		    !dhcp_msg_has(req, DHO_SERVER_ID))
			return DROP_NONE;
		return DROP_FO_RENEW_ONLY;
	case FAILOVER_STANDALONE:
	case FAILOVER_NORMAL:
	case FAILOVER_COMM_INTERRUPTED:
	case FAILOVER_PARTNER_DOWN: break;
	}
	return DROP_NONE;
}

enum drop_reason dhcp_server_handle(struct dhcp_server *srv, const struct dhcp_msg *req,
				    const struct dhcp_link *link, const struct failover_view *view,
				    int64_t now, uint8_t *buf, size_t cap, struct dhcp_result *res)
{
	struct client_key key;
	enum drop_reason r;

	memset(res, 0, offsetof(struct dhcp_result, events));
	r = client_key_from_msg(req, &key);
	if (r != DROP_NONE)
		return r;
	return dhcp_server_handle_keyed(srv, req, &key, link, view, now, buf, cap, res);
}

enum drop_reason dhcp_server_handle_keyed(struct dhcp_server *srv, const struct dhcp_msg *req,
					  const struct client_key *key,
					  const struct dhcp_link *link,
					  const struct failover_view *view, int64_t now,
					  uint8_t *buf, size_t cap, struct dhcp_result *res)
{
	memset(res, 0, offsetof(struct dhcp_result, events));

	uint32_t server_ip = link->iface ? link->iface->address : 0;
	if (req->giaddr && !giaddr_plausible(srv->cfg, req->giaddr, link->src_ip))
		return DROP_GIADDR;
	enum drop_reason gate = failover_gate(view, req);
	if (gate != DROP_NONE)
		return gate;
	if (req->msg_type == DHCPINFORM)
		return handle_inform(srv, req, link, server_ip, buf, cap, res);
	if (req->msg_type == DHCPRELEASE)
		return handle_release(srv, req, key, now, res);
	if (req->msg_type == DHCPDECLINE)
		return handle_decline(srv, req, key, now, res);

	const struct cfg_subnet *s = ds_select_subnet(srv, req, link);
	if (!s)
		return DROP_NO_SUBNET;
	if (!server_ip && srv->cfg->n_interfaces)
		server_ip = srv->cfg->interfaces[0].address;

	switch (req->msg_type) {
	case DHCP_NONE:
	case DHCPDISCOVER: {
		/* RFC 2131 table 5: a DISCOVER carries no server identifier. */
		if (req->msg_type == DHCPDISCOVER && dhcp_msg_has(req, DHO_SERVER_ID))
			return DROP_RFC_VIOLATION;
		if (!serves(view, req))
			return DROP_NOT_OUR_BUCKET;
		return handle_discover(srv, req, key, s, server_ip, view, now, buf, cap, res,
				       req->msg_type == DHCP_NONE);
	}
	case DHCPREQUEST:
		/*
		 * A REQUEST is not load balanced when it names a server (SELECTING:
		 * the client chose, and a client whose DISCOVER was answered by the
		 * secs override may come back with a new xid and a smaller secs),
		 * nor when it renews (ciaddr, to whoever holds the lease). Only
		 * INIT-REBOOT, which names no server, is balanced like a DISCOVER
		 * until the partner's bindings are known here.
		 */
		if (!dhcp_msg_has(req, DHO_SERVER_ID) && req->requested_ip && !serves(view, req))
			return DROP_NOT_OUR_BUCKET;
		return handle_request(srv, req, key, s, server_ip, link, view, now, buf, cap, res);
	default: return DROP_MSG_TYPE;
	}
}
