/* SPDX-License-Identifier: BSD-3-Clause */
#include "dhcp/dhcp_server.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "dhcp/client_key.h"
#include "failover/lb_hash.h"

#define IP_HDR_PLUS_UDP 28u
#define RAI_RESERVE_MAX 257u

static bool subnet_contains(const struct cfg_subnet *s, uint32_t ip)
{
	uint32_t mask = s->prefix_len ? ~0u << (32 - s->prefix_len) : 0;
	return (ip & mask) == s->prefix;
}

static uint32_t subnet_mask(const struct cfg_subnet *s)
{
	return s->prefix_len ? ~0u << (32 - s->prefix_len) : 0;
}

static const struct cfg_subnet *subnet_containing(const struct lw_config *cfg, uint32_t ip)
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
	return subnet_containing(cfg, giaddr);
}

/* Drop everything derived from a previous configuration (dhcp_server.h). */
static void cache_sync(struct dhcp_server *srv)
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
static const struct cfg_subnet *select_subnet(struct dhcp_server *srv, const struct dhcp_msg *req,
					      const struct dhcp_link *link)
{
	const struct lw_config *cfg = srv->cfg;

	if (req->giaddr && req->link_selection)
		return subnet_containing(cfg, req->link_selection);
	if (req->subnet_selection)
		return subnet_containing(cfg, req->subnet_selection);
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
		const struct cfg_subnet *s = subnet_containing(cfg, req->ciaddr);
		if (s)
			return s;
	}
	return first;
}

static const struct cfg_reservation *find_reservation(const struct cfg_subnet *s,
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

/* True when `l` is the version currently holding its address slot. */
static bool holds_slot(struct lease_table *t, const struct lease *l)
{
	return l && l->ip && lease_table_find_ip(t, l->ip) == l;
}

static bool is_our_address(const struct lw_config *cfg, uint32_t ip)
{
	for (size_t i = 0; i < cfg->n_interfaces; i++)
		if (cfg->interfaces[i].address == ip)
			return true;
	return false;
}

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
		l->addr_version = old->addr_version; /* the same holder keeps its version */
		l->state = old->state;
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

/*
 * Give a version that will be journaled its event sequence before it is
 * published, so the record shows which journal event made it (immutable
 * once published).
 */
static void stamp(struct dhcp_server *srv, struct lease *l) { l->journal_seq = ++srv->next_seq; }

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

struct lease_times {
	uint32_t lease_secs, t1, t2;
};

static struct lease_times lease_times_for(const struct dhcp_server *srv, const struct cfg_subnet *s,
					  const struct failover_view *view, int64_t now,
					  const struct lease *old)
{
	struct lease_times t;
	uint32_t valid = s->valid_lifetime ? s->valid_lifetime : srv->cfg->valid_lifetime;
	uint32_t t1 = s->renew_timer ? s->renew_timer : srv->cfg->renew_timer;
	uint32_t t2 = s->rebind_timer ? s->rebind_timer : srv->cfg->rebind_timer;

	t.lease_secs = failover_view_lease_cap(view, valid, now, old ? old->partner_expire : 0);
	if (t.lease_secs < valid) {
		/* Keep T1 < T2 < lease when MCLT shortens the lease (RFC 2131 sec 4.4.5 ratios). */
		t1 = t.lease_secs / 2;
		t2 = (uint32_t)((uint64_t)t.lease_secs * 7 / 8);
	}
	t.t1 = t1;
	t.t2 = t2;
	return t;
}

/* Reply options (RFC 2131 sec 4.3.1 table 3, RFC 2132), honouring option 55 and 57. */
struct reply_plan {
	uint8_t type;
	uint32_t server_ip;
	uint32_t yiaddr;
	uint32_t ciaddr;
	const struct cfg_subnet *subnet;
	struct lease_times times;
	bool with_lease; /* OFFER, ACK, BOOTP reply */
};

static void mark(uint8_t *done, uint8_t code) { done[code >> 3] |= (uint8_t)(1u << (code & 7)); }
static bool marked(const uint8_t *done, uint8_t code) { return done[code >> 3] >> (code & 7) & 1; }

static bool server_managed(uint8_t code)
{
	switch (code) {
	case DHO_PAD:
	case DHO_END:
	case DHO_REQUESTED_ADDRESS:
	case DHO_LEASE_TIME:
	case DHO_OVERLOAD:
	case DHO_MESSAGE_TYPE:
	case DHO_SERVER_ID:
	case DHO_PARAMETER_REQUEST_LIST:
	case DHO_MAX_MESSAGE_SIZE:
	case DHO_RENEWAL_TIME:
	case DHO_REBINDING_TIME:
	case DHO_CLIENT_ID:
	case DHO_RELAY_AGENT_INFO:
	case DHO_SUBNET_SELECTION: return true;
	default: return false;
	}
}

static void add_configured(struct dhcp_server *srv, struct dhcp_reply *b,
			   const struct cfg_subnet *subnet, uint8_t code, uint8_t *done)
{
	if (marked(done, code) || server_managed(code))
		return;
	mark(done, code);
	const struct cfg_option *o = config_option(srv->cfg, subnet, code);
	if (o) {
		dhcp_reply_add(b, code, o->data, o->len);
		return;
	}
	if (code == DHO_BROADCAST_ADDRESS && subnet)
		dhcp_reply_add_u32(b, code, subnet->prefix | ~subnet_mask(subnet));
}

/* What the subnet part of a reply depends on, besides the subnet and option 55. */
enum reply_shape {
	SHAPE_MASK = 1, /* subnet mask first (every reply but an INFORM's ACK) */
	SHAPE_DEFAULTS = 2, /* routers, DNS, domain: BOOTP, or no option 55 */
	SHAPE_PRL = 4, /* option 55 present (it may be empty) */
};

/*
 * The subnet's options in reply order, option by option (RFC 2131 sec 4.3.1
 * table 3, RFC 2132): mask, what option 55 asks for in its order, the RFC
 * 1497 basics when it asks for nothing, then always-send options. An
 * option that does not fit is left out and the next one tried.
 */
static void add_subnet_options(struct dhcp_server *srv, struct dhcp_reply *b,
			       const struct cfg_subnet *subnet, unsigned shape, const uint8_t *prl,
			       uint16_t prl_len)
{
	uint8_t done[32] = { 0 };

	if (shape & SHAPE_MASK) {
		mark(done, DHO_SUBNET_MASK);
		dhcp_reply_add_u32(b, DHO_SUBNET_MASK, subnet_mask(subnet));
	}
	for (uint16_t i = 0; prl && i < prl_len; i++)
		add_configured(srv, b, subnet, prl[i], done);
	if (shape & SHAPE_DEFAULTS) {
		/* BOOTP and clients without option 55 get the basics (RFC 1497 set). */
		add_configured(srv, b, subnet, DHO_ROUTERS, done);
		add_configured(srv, b, subnet, DHO_DNS_SERVERS, done);
		add_configured(srv, b, subnet, DHO_DOMAIN_NAME, done);
	}
	for (size_t i = 0; i < subnet->n_options; i++)
		if (subnet->options[i].always_send)
			add_configured(srv, b, subnet, subnet->options[i].code, done);
	for (size_t i = 0; i < srv->cfg->n_options; i++)
		if (srv->cfg->options[i].always_send)
			add_configured(srv, b, subnet, srv->cfg->options[i].code, done);
}

/* Equal option 55 lists; short, so compared eight bytes at a time without a libc call. */
static bool prl_equal(const uint8_t *a, const uint8_t *b, size_t n)
{
	uint64_t x, y;

	if (n < 8) {
		while (n--)
			if (*a++ != *b++)
				return false;
		return true;
	}
	/* The last eight bytes first (they may overlap the words compared below). */
	memcpy(&x, a + n - 8, 8);
	memcpy(&y, b + n - 8, 8);
	if (x != y)
		return false;
	for (; n > 8; a += 8, b += 8, n -= 8) {
		memcpy(&x, a, 8);
		memcpy(&y, b, 8);
		if (x != y)
			return false;
	}
	return true;
}

static bool memo_matches(const struct dhcp_reply_memo *m, const struct cfg_subnet *subnet,
			 unsigned shape, const uint8_t *prl, uint16_t prl_len)
{
	return m->subnet == subnet && m->shape == shape && m->prl_len == prl_len &&
	       prl_equal(m->prl, prl, prl_len);
}

/*
 * The encoded subnet block for this request shape: found, or built once
 * with add_subnet_options() into a reply with room for DHCP_REPLY_MEMO_BLOCK_MAX
 * bytes. With room for the whole block every option fits, so copying it is
 * byte for byte what the option-by-option path writes whenever it fits the
 * reply. NULL: answer option by option (long option 55, or a block too large).
 */
static const struct dhcp_reply_memo *memo_get(struct dhcp_server *srv,
					      const struct cfg_subnet *subnet, unsigned shape,
					      const uint8_t *prl, uint16_t prl_len)
{
	if (prl_len > DHCP_REPLY_MEMO_PRL_MAX)
		return NULL;
	cache_sync(srv);
	for (unsigned i = 0; i < DHCP_REPLY_MEMO_SLOTS; i++) {
		unsigned slot = (srv->memo_last + i) % DHCP_REPLY_MEMO_SLOTS;
		const struct dhcp_reply_memo *m = &srv->memo[slot];

		if (memo_matches(m, subnet, shape, prl, prl_len)) {
			srv->memo_last = slot;
			return m->block_len == UINT16_MAX ? NULL : m;
		}
	}

	unsigned slot = srv->memo_next++ % DHCP_REPLY_MEMO_SLOTS;
	struct dhcp_reply_memo *m = &srv->memo[slot];
	uint8_t scratch[DHCP_FIXED_LEN + 4 + DHCP_REPLY_MEMO_BLOCK_MAX + 1];
	/* A reply past its header and cookie: what dhcp_reply_init() leaves before option 53. */
	struct dhcp_reply r = { .buf = scratch, .cap = sizeof(scratch), .len = DHCP_FIXED_LEN + 4 };

	add_subnet_options(srv, &r, subnet, shape, prl, prl_len);
	m->subnet = subnet;
	m->shape = (uint8_t)shape;
	m->prl_len = (uint8_t)prl_len;
	if (prl_len)
		memcpy(m->prl, prl, prl_len);
	srv->memo_last = slot;
	if (r.err) {
		m->block_len = UINT16_MAX;
		return NULL;
	}
	m->block_len = (uint16_t)(r.len - (DHCP_FIXED_LEN + 4));
	memcpy(m->block, scratch + DHCP_FIXED_LEN + 4, m->block_len);
	return m;
}

static int build_reply(struct dhcp_server *srv, const struct dhcp_msg *req,
		       const struct reply_plan *p, uint8_t *buf, size_t cap, uint32_t *sum)
{
	struct dhcp_reply b;
	size_t limit = req->max_msg_size ? req->max_msg_size : DHCP_MIN_MSG_SIZE;
	int rc;

	/* RFC 2131 sec 2: never exceed what the client said it accepts. */
	limit -= IP_HDR_PLUS_UDP;
	if (cap > limit)
		cap = limit;
	rc = dhcp_reply_init(&b, buf, cap, req, p->type, p->yiaddr, p->ciaddr, 0);
	if (rc < 0)
		return rc;

	if (p->type != DHCP_NONE)
		dhcp_reply_add_u32(&b, DHO_SERVER_ID, p->server_ip);
	if (p->with_lease) {
		dhcp_reply_add_u32(&b, DHO_LEASE_TIME, p->times.lease_secs);
		if (p->type != DHCP_NONE && p->times.lease_secs != LEASE_INFINITE) {
			dhcp_reply_add_u32(&b, DHO_RENEWAL_TIME, p->times.t1);
			dhcp_reply_add_u32(&b, DHO_REBINDING_TIME, p->times.t2);
		}
	}
	/* RFC 6842: echo the client identifier. */
	uint16_t cid_len, rai_len = 0, ss_len;
	const uint8_t *cid = dhcp_msg_opt(req, DHO_CLIENT_ID, &cid_len);
	const uint8_t *rai = dhcp_msg_opt(req, DHO_RELAY_AGENT_INFO, &rai_len);
	const uint8_t *ss = dhcp_msg_opt(req, DHO_SUBNET_SELECTION, &ss_len);
	if (cid && p->type != DHCP_NONE)
		dhcp_reply_add(&b, DHO_CLIENT_ID, cid, cid_len);
	if (ss && p->type != DHCP_NONE)
		dhcp_reply_add(&b, DHO_SUBNET_SELECTION, ss, ss_len); /* RFC 3011 sec 3 */

	if (p->type != DHCPNAK && p->subnet) {
		/* Keep room for the relay agent option: RFC 3046 sec 2.2 says echo it last. */
		size_t reserve = rai ? (size_t)rai_len + 2u * ((rai_len + 254u) / 255u) : 0;
		size_t saved_cap = b.cap;
		if (reserve < b.cap)
			b.cap -= reserve;
		uint16_t prl_len = 0;
		const uint8_t *prl = dhcp_msg_opt(req, DHO_PARAMETER_REQUEST_LIST, &prl_len);
		unsigned shape = (p->type != DHCPINFORM ? SHAPE_MASK : 0) |
				 (p->type == DHCP_NONE || !prl ? SHAPE_DEFAULTS : 0) |
				 (prl ? SHAPE_PRL : 0);
		const struct dhcp_reply_memo *m = memo_get(srv, p->subnet, shape, prl, prl_len);
		if (m && b.len < b.cap && m->block_len <= b.cap - b.len - 1)
			dhcp_reply_add_encoded(&b, m->block, m->block_len);
		else
			add_subnet_options(srv, &b, p->subnet, shape, prl, prl_len);
		b.cap = saved_cap;
	}
	if (rai)
		dhcp_reply_add(&b, DHO_RELAY_AGENT_INFO, rai, rai_len);
	rc = dhcp_reply_finish(&b);
	if (rc > 0)
		*sum = dhcp_reply_sum(&b);
	return rc;
}

static enum drop_reason reply(struct dhcp_server *srv, const struct dhcp_msg *req,
			      struct reply_plan *p, uint8_t *buf, size_t cap,
			      struct dhcp_result *res)
{
	uint32_t sum = 0;
	int len = build_reply(srv, req, p, buf, cap, &sum);
	if (len <= 0)
		return DROP_PARSE_OVERSIZE;
	res->reply_len = (uint16_t)len;
	res->reply_sum = sum;
	res->reply_type = p->type;
	res->server_ip = p->server_ip;
	res->yiaddr = p->yiaddr;
	return DROP_NONE;
}

static enum drop_reason nak(struct dhcp_server *srv, const struct dhcp_msg *req, uint32_t server_ip,
			    uint8_t *buf, size_t cap, struct dhcp_result *res)
{
	struct reply_plan p = { .type = DHCPNAK, .server_ip = server_ip };
	return reply(srv, req, &p, buf, cap, res);
}

/* Try to claim ip for newv (whose reservation in s is `mine`); true on success. */
static bool try_claim(struct dhcp_server *srv, const struct cfg_subnet *s, uint32_t ip,
		      const struct cfg_reservation *mine, const struct lease *old,
		      struct lease *newv)
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
static uint32_t choose_address(struct dhcp_server *srv, const struct cfg_subnet *s,
			       const struct dhcp_msg *req, const struct cfg_reservation *resv,
			       const struct lease *old, struct lease *newv)
{
	if (old && old->subnet_id == s->id && holds_slot(srv->table, old) &&
	    (old->state == LEASE_BOUND || old->state == LEASE_OFFERED) &&
	    (!resv || resv->ip_address == old->ip)) {
		newv->ip = old->ip;
		return old->ip;
	}
	if (resv && try_claim(srv, s, resv->ip_address, resv, old, newv))
		return newv->ip;
	if (old && old->ip && old->subnet_id == s->id &&
	    try_claim(srv, s, old->ip, resv, old, newv))
		return newv->ip;
	if (req->requested_ip && try_claim(srv, s, req->requested_ip, resv, old, newv))
		return newv->ip;
	return alloc_unreserved(srv, s, resv, newv);
}

static enum drop_reason handle_discover(struct dhcp_server *srv, const struct dhcp_msg *req,
					const struct client_key *key, const struct cfg_subnet *s,
					uint32_t server_ip, const struct failover_view *view,
					int64_t now, uint8_t *buf, size_t cap,
					struct dhcp_result *res, bool bootp)
{
	const struct lease *old = lease_table_find_key(srv->table, key->bytes, key->len, key->hash);
	const struct cfg_reservation *resv = find_reservation(s, req);

	if (bootp && !s->dynamic_bootp && !resv)
		return DROP_BOOTP_DISABLED;

	/* A bound client asking again keeps its binding untouched (RFC 2131 sec 4.3.1). */
	if (!bootp && old && old->state == LEASE_BOUND && old->subnet_id == s->id &&
	    holds_slot(srv->table, old) && (!resv || resv->ip_address == old->ip)) {
		struct reply_plan p = { .type = DHCPOFFER,
					.server_ip = server_ip,
					.yiaddr = old->ip,
					.subnet = s,
					.with_lease = true,
					.times = lease_times_for(srv, s, view, now, old) };
		return reply(srv, req, &p, buf, cap, res);
	}

	struct lease *newv = new_version(srv, old, key, req);
	if (!newv)
		return DROP_TABLE_FULL;
	newv->ip = 0;
	/* Complete the record before a claim makes it visible through find_ip. */
	struct lease_times times = lease_times_for(srv, s, view, now, old);
	newv->subnet_id = s->id;
	newv->cltt = now;
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
	uint32_t ip = choose_address(srv, s, req, resv, old, newv);
	if (!ip) {
		lease_table_discard(srv->table, newv);
		return DROP_POOL_EXHAUSTED;
	}
	if (swap_version(srv, old, newv, true) != 0) {
		lease_table_release_ip(srv->table, srv->worker, ip, newv);
		lease_table_discard(srv->table, newv);
		return DROP_TABLE_FULL;
	}
	struct reply_plan p = { .type = bootp ? DHCP_NONE : DHCPOFFER,
				.server_ip = server_ip,
				.yiaddr = ip,
				.subnet = s,
				.with_lease = true,
				.times = times };
	if (bootp) {
		emit_event(res, JOURNAL_REC_UPSERT, newv, srv->worker);
		res->park = true;
	}
	return reply(srv, req, &p, buf, cap, res);
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
		return nak(srv, req, server_ip, buf, cap, res);
	const struct cfg_reservation *resv = find_reservation(s, req);
	struct lease *newv = new_version(srv, old, key, req);
	if (!newv)
		return DROP_TABLE_FULL;
	newv->ip = 0;
	/* Complete the record before a claim makes it visible through find_ip. */
	struct lease_times times = lease_times_for(srv, s, view, now, old);
	newv->subnet_id = s->id;
	newv->state = LEASE_BOUND;
	newv->cltt = now;
	newv->lease_secs = times.lease_secs;
	newv->expire = now + times.lease_secs;
	if (resv)
		newv->flags |= LEASE_F_RESERVED;
	stamp(srv, newv);
	bool keeps = old && holds_slot(srv->table, old) && old->ip == ip;
	if (keeps) {
		newv->ip = ip;
	} else if (!try_claim(srv, s, ip, resv, old, newv)) {
		lease_table_discard(srv->table, newv);
		return nak(srv, req, server_ip, buf, cap, res);
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
				.times = times };
	return reply(srv, req, &p, buf, cap, res);
}

/* The address is usable by this client: free, or already its own. */
static bool address_available(struct dhcp_server *srv, const struct cfg_subnet *s, uint32_t ip,
			      const struct lease *old)
{
	if (!subnet_contains(s, ip) || !lease_table_ip_known(srv->table, ip, s->id))
		return false;
	const struct lease *holder = lease_table_find_ip(srv->table, ip);
	return !holder || holder == old;
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
		if (address_available(srv, s, req->requested_ip, old))
			return ack(srv, req, key, s, server_ip, view, now, old, req->requested_ip,
				   buf, cap, res);
		return nak(srv, req, server_ip, buf, cap, res);
	}

	if (req->requested_ip) {
		/* INIT-REBOOT (RFC 2131 sec 4.3.2): ciaddr MUST be 0. */
		if (req->ciaddr)
			return DROP_RFC_VIOLATION;
		if (!subnet_contains(s, req->requested_ip))
			return nak(srv, req, server_ip, buf, cap, res); /* wrong network */
		if (has_binding && old->ip == req->requested_ip)
			return ack(srv, req, key, s, server_ip, view, now, old, old->ip, buf, cap,
				   res);
		const struct lease *holder = lease_table_find_ip(srv->table, req->requested_ip);
		if ((holder && holder != old) ||
		    (old && old->ip && old->ip != req->requested_ip && has_binding))
			return nak(srv, req, server_ip, buf, cap, res);
		if (!old || !old->ip || old->ip != req->requested_ip) {
			/* No record of this client: silent unless authoritative. */
			if (!s->authoritative)
				return DROP_NO_BINDING;
			return nak(srv, req, server_ip, buf, cap, res);
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
		return nak(srv, req, server_ip, buf, cap, res);
	}
	if (has_binding && old->ip == req->ciaddr)
		return ack(srv, req, key, s, server_ip, view, now, old, old->ip, buf, cap, res);
	if (address_available(srv, s, req->ciaddr, old))
		/* Lost state but the address is free: keep the client where it is. */
		return ack(srv, req, key, s, server_ip, view, now, old, req->ciaddr, buf, cap, res);
	return nak(srv, req, server_ip, buf, cap, res);
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
	newv->ip = 0;
	newv->state = LEASE_EXPIRED;
	newv->cltt = now;
	newv->expire = now;
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
	const struct cfg_subnet *s =
	    req->giaddr ? select_subnet(srv, req, link) : subnet_containing(srv->cfg, client_ip);
	if (!s)
		return DROP_NO_SUBNET;
	struct reply_plan p = { .type = DHCPACK,
				.server_ip = server_ip,
				.ciaddr = req->ciaddr,
				.subnet = s,
				.with_lease = false };
	enum drop_reason r = reply(srv, req, &p, buf, cap, res);
	if (r == DROP_NONE)
		res->reply_type = DHCPINFORM; /* tells the worker: an ACK that is not parked */
	return r;
}

/*
 * RFC 3074 load balancing (DESIGN.md sec 5). Standalone and PARTNER-DOWN
 * serve every bucket, so the hash is not computed for them.
 */
static bool serves(const struct failover_view *view, const struct dhcp_msg *req)
{
	if (view->mode == FAILOVER_STANDALONE || view->mode == FAILOVER_PARTNER_DOWN)
		return true;
	return failover_view_serves(view, lb_hash_msg(req), req->secs);
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
	if (req->msg_type == DHCPINFORM)
		return handle_inform(srv, req, link, server_ip, buf, cap, res);
	if (req->msg_type == DHCPRELEASE)
		return handle_release(srv, req, key, now, res);
	if (req->msg_type == DHCPDECLINE)
		return handle_decline(srv, req, key, now, res);

	const struct cfg_subnet *s = select_subnet(srv, req, link);
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
		/* RENEW (ciaddr, no option 50/54) goes to whoever holds the lease; the
		 * rest is load balanced like a DISCOVER (DESIGN.md sec 5). */
		if ((dhcp_msg_has(req, DHO_SERVER_ID) || req->requested_ip) && !serves(view, req))
			return DROP_NOT_OUR_BUCKET;
		return handle_request(srv, req, key, s, server_ip, link, view, now, buf, cap, res);
	default: return DROP_MSG_TYPE;
	}
}

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

	ev->type = JOURNAL_REC_DELETE;
	ev->seq = ++srv->next_seq;
	ev->worker = (uint8_t)srv->worker;
	lease_image_from_lease(&ev->img, l);
	lease_table_remove(srv->table, l);
	if (srv->ctr)
		srv->ctr->leases_reclaimed++;
	return true;
}

int dhcp_server_apply_image(struct lease_table *table, unsigned writer, uint8_t type,
			    const struct lease_image *img, int64_t now)
{
	uint32_t hash = client_key_hash(img->key, img->key_len);
	const struct lease *old = lease_table_find_key(table, img->key, img->key_len, hash);

	if (type == JOURNAL_REC_DELETE) {
		if (old) {
			if (holds_slot(table, old))
				lease_table_release_ip(table, writer, old->ip, old);
			lease_table_remove(table, old);
		}
		return 0;
	}

	struct lease *newv = lease_table_alloc(table, writer);
	if (!newv)
		return -ENOMEM;
	lease_image_to_lease(newv, img);
	bool holds = newv->ip && lease_holds_address(newv, now);

	if (old && holds_slot(table, old) && (!holds || old->ip != newv->ip))
		lease_table_release_ip(table, writer, old->ip, old);
	if (holds && !(old && old->ip == newv->ip && holds_slot(table, old))) {
		const struct lease *holder = lease_table_find_ip(table, newv->ip);
		/*
		 * Two records claim the address. Workers journal through their
		 * own rings, so file order is not the real order: the address
		 * goes to the higher address version (the later change of
		 * hands), and on a tie (format 0 records, version 0) to the
		 * later record. The other keeps its record but not the address.
		 */
		if (holder && holder != old && holder->addr_version > newv->addr_version)
			holds = false;
		else if (holder && holder != old)
			lease_table_release_ip(table, writer, newv->ip, holder);
		if (holds && lease_table_restore_ip(table, newv->ip, newv) != 0)
			holds = false; /* not in any configured range any more */
	}
	if (newv->ip)
		lease_table_note_version(table, newv->ip, newv->addr_version);
	if (!holds && newv->state == LEASE_BOUND && newv->expire <= now)
		newv->state = LEASE_EXPIRED;
	if (lease_table_publish(table, newv, old) != 0) {
		if (holds)
			lease_table_release_ip(table, writer, newv->ip, newv);
		lease_table_discard(table, newv);
		return -EEXIST;
	}
	return 0;
}
