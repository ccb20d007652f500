/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DHCP server: building a reply (RFC 2131 sec 4.3.1 table 3, RFC 2132):
 * server-managed options, the subnet's options in option 55 order, and the
 * per-worker memo of encoded subnet blocks that makes the common reply a
 * copy.
 */
#include <string.h>

#include "ddns/client_name.h"
#include "dhcp/dhcp_lease.h"
#include "dhcp/dhcp_server_internal.h"

#define IP_HDR_PLUS_UDP 28u

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
		       const struct reply_plan *p, uint8_t *buf, size_t cap, uint32_t *sum,
		       bool *rai_not_echoed)
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
	/* RFC 4702 sec 4: answer option 81 (or Kea's option 12) with the server's decision. */
	if (p->name && p->name->reply_code && p->type != DHCP_NONE)
		dhcp_reply_add(&b, p->name->reply_code, p->name->reply, p->name->reply_len);

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
	/*
	 * RFC 3046 sec 2.2: an option 82 that cannot be echoed whole is left
	 * out, the reply still goes, and the error is counted.
	 */
	if (rai && dhcp_reply_add(&b, DHO_RELAY_AGENT_INFO, rai, rai_len) < 0)
		*rai_not_echoed = true;
	rc = dhcp_reply_finish(&b);
	if (rc > 0)
		*sum = dhcp_reply_sum(&b);
	return rc;
}

enum drop_reason ds_reply(struct dhcp_server *srv, const struct dhcp_msg *req, struct reply_plan *p,
			  uint8_t *buf, size_t cap, struct dhcp_result *res)
{
	uint32_t sum = 0;
	bool rai_not_echoed = false;
	int len = build_reply(srv, req, p, buf, cap, &sum, &rai_not_echoed);
	if (len <= 0)
		return DROP_PARSE_OVERSIZE;
	res->reply_len = (uint16_t)len;
	res->reply_sum = sum;
	res->reply_type = p->type;
	res->rai_not_echoed = rai_not_echoed;
	res->server_ip = p->server_ip;
	res->yiaddr = p->yiaddr;
	return DROP_NONE;
}

const struct client_name *ds_client_name_decide(const struct dhcp_msg *req,
						const struct cfg_subnet *s,
						const struct cfg_reservation *resv, uint32_t ip,
						struct client_name *cn)
{
	const char *reserved = resv && resv->hostname[0] ? resv->hostname : NULL;

	/* The common case costs two bit tests: no option, no reservation name, nothing generated. */
	if (!dhcp_msg_has(req, DHO_CLIENT_FQDN) && !dhcp_msg_has(req, DHO_HOST_NAME) && !reserved &&
	    s->ddns.replace_client_name != CFG_DDNS_REPLACE_ALWAYS &&
	    s->ddns.replace_client_name != CFG_DDNS_REPLACE_WHEN_NOT_PRESENT)
		return NULL;
	return client_name_decide(&s->ddns, req, ip, reserved, cn) ? cn : NULL;
}

void ds_keep_name(struct dhcp_server *srv, struct lease *newv, const struct client_name *name)
{
	uint8_t want = 0;

	if (name && name->fwd)
		want |= LEASE_DNS_F_WANT_FWD;
	if (name && name->rev)
		want |= LEASE_DNS_F_WANT_REV;
	dhcp_lease_set_name(srv, newv, name ? name->name : NULL, name ? name->len : 0, want);
}
