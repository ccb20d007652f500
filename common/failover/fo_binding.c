/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Binding codec (failover/fo_binding.h): one binding transaction between
 * struct fo_binding, the options of a BNDUPD/BNDACK, and the lease record.
 */
#include <errno.h>
#include <string.h>

#include "failover/fo_binding.h"

static bool status_valid(unsigned s) { return s >= FO_BINDING_FREE && s <= FO_BINDING_BACKUP; }

/* ACTIVE, EXPIRED, RELEASED: draft Table 7.1-1 MUST, ISC rejects 3 without it. */
static bool needs_chaddr(unsigned s)
{
	return s == FO_BINDING_ACTIVE || s == FO_BINDING_EXPIRED || s == FO_BINDING_RELEASED;
}

/* A time option's value: unix secs as the wire's u32, INT64_MAX (infinite) its top. */
static uint32_t wire_time(int64_t t)
{
	if (t <= 0)
		return 0;
	return t > (int64_t)UINT32_MAX ? UINT32_MAX : (uint32_t)t;
}

int fo_binding_build_bndupd(struct fo_builder *b, const struct fo_binding *bd)
{
	bool abandoned = bd->status == FO_BINDING_ABANDONED;
	bool chaddr = fo_binding_has_chaddr(bd) && !abandoned;
	int rc;

	if (!status_valid(bd->status) || bd->hlen > sizeof(bd->chaddr) ||
	    (needs_chaddr(bd->status) && !chaddr) || bd->client_id_len > sizeof(bd->client_id))
		return -EINVAL;
	if ((rc = fo_build_assigned_ip(b, bd->ip)) < 0 ||
	    (rc = fo_build_binding_status(b, bd->status)) < 0)
		return rc;
	if (bd->client_id_len && !abandoned &&
	    (rc = fo_build_client_id(b, bd->client_id, bd->client_id_len)) < 0)
		return rc;
	if (chaddr) {
		uint8_t hw[1 + sizeof(bd->chaddr)];
		hw[0] = bd->htype;
		memcpy(hw + 1, bd->chaddr, bd->hlen);
		if ((rc = fo_build_chaddr(b, hw, 1u + bd->hlen)) < 0)
			return rc;
	}
	/* ISC sends these three for every status (0 = unknown), and takes them from us. */
	if ((rc = fo_build_lease_expiration(b, wire_time(bd->lease_expire))) < 0 ||
	    (rc = fo_build_potential_expiration(b, wire_time(bd->pet))) < 0 ||
	    (rc = fo_build_start_time_of_state(b, wire_time(bd->stos))) < 0)
		return rc;
	if (bd->cltt > 0 && (rc = fo_build_cltt(b, wire_time(bd->cltt))) < 0)
		return rc;
	/* draft sec 12.12: MUST be present if non-zero; 2 bytes (ISC, specs sec 12 pitfall 3). */
	if (bd->ip_flags && (rc = fo_build_ip_flags(b, bd->ip_flags)) < 0)
		return rc;
	return 0;
}

int fo_binding_build_ack(struct fo_builder *b, uint32_t ip, uint8_t reject_reason,
			 const char *message)
{
	int rc = fo_build_assigned_ip(b, ip);

	if (rc < 0 || reject_reason == 0)
		return rc;
	if ((rc = fo_build_reject_reason(b, reject_reason)) < 0)
		return rc;
	if (message && (rc = fo_build_message(b, message, strlen(message))) < 0)
		return rc;
	return 0;
}

static int reject(uint8_t *out, uint8_t reason)
{
	*out = reason;
	return -EBADMSG;
}

int fo_binding_parse(struct fo_msg *m, unsigned i, struct fo_binding *out, uint8_t *rej)
{
	uint32_t u;
	uint16_t len;
	const uint8_t *p;

	memset(out, 0, sizeof(*out));
	*rej = 0;
	if (m->n_bindings == 0)
		return reject(rej, FO_REJECT_MISSING_BINDINFO); /* no assigned-IP at all */
	if (fo_msg_select_binding(m, i) < 0)
		return -ERANGE;
	if (fo_msg_assigned_ip(m, &out->ip) < 0)
		return reject(rej, FO_REJECT_MISSING_BINDINFO);
	if (out->ip == 0)
		return reject(rej, FO_REJECT_ILLEGAL_IP_ADDR); /* 0.0.0.0 is in no pool */
	if (fo_msg_binding_status(m, &out->status) < 0 || !status_valid(out->status))
		return reject(rej, FO_REJECT_MISSING_BINDINFO);
	if ((p = fo_msg_chaddr(m, &len)) != NULL) {
		/* The parser keeps it to 1..17 bytes: htype, then up to 16 of chaddr. */
		out->htype = p[0];
		out->hlen = (uint8_t)(len - 1);
		memcpy(out->chaddr, p + 1, out->hlen);
	}
	if ((p = fo_msg_client_id(m, &len)) != NULL && len > 0) {
		if (len > sizeof(out->client_id))
			return reject(rej, FO_REJECT_MISC_REJECT);
		out->client_id_len = (uint8_t)len;
		memcpy(out->client_id, p, len);
	}
	if (out->status == FO_BINDING_ABANDONED && (p || fo_msg_has(m, FO_OPT_CHADDR)))
		return reject(rej, FO_REJECT_MISC_REJECT);
	/* A client-hardware-address of htype 0 and no bytes names no client (draft: htype non-zero). */
	if (needs_chaddr(out->status) && !fo_binding_has_chaddr(out))
		return reject(rej, FO_REJECT_MISSING_BINDINFO);
	if (fo_msg_ip_flags(m, &out->ip_flags) < 0)
		out->ip_flags = 0;
	if (fo_msg_lease_expiration(m, &u) == 0)
		out->lease_expire = u == UINT32_MAX ? INT64_MAX : u;
	if (fo_msg_potential_expiration(m, &u) == 0)
		out->pet = u == UINT32_MAX ? INT64_MAX : u;
	if (fo_msg_start_time_of_state(m, &u) == 0)
		out->stos = u;
	if (fo_msg_cltt(m, &u) == 0)
		out->cltt = u;
	return 0;
}

bool fo_binding_same_client(const struct fo_binding *a, const struct fo_binding *b)
{
	if (a->client_id_len || b->client_id_len)
		return a->client_id_len == b->client_id_len &&
		       memcmp(a->client_id, b->client_id, a->client_id_len) == 0;
	return a->htype == b->htype && a->hlen == b->hlen &&
	       memcmp(a->chaddr, b->chaddr, a->hlen) == 0;
}

/* time1 / time3: a received CLTT later than t (0 received = absent, never later). */
static uint8_t later_than(const struct fo_binding *rcv, int64_t t)
{
	return rcv->cltt > 0 && rcv->cltt > t ? 0 : FO_REJECT_OUTDATED_BIND_INFO;
}

/* The table's columns: ACTIVE, EXPIRED, RELEASED, FREE/BACKUP, RESET/ABANDONED. */
enum { COL_ACTIVE, COL_EXPIRED, COL_RELEASED, COL_FREE, COL_RESET };

static int column_of(unsigned status)
{
	switch (status) {
	case FO_BINDING_ACTIVE: return COL_ACTIVE;
	case FO_BINDING_EXPIRED: return COL_EXPIRED;
	case FO_BINDING_RELEASED: return COL_RELEASED;
	case FO_BINDING_RESET:
	case FO_BINDING_ABANDONED: return COL_RESET;
	default: return COL_FREE;
	}
}

uint8_t fo_binding_accept(const struct fo_binding *ours, const struct fo_binding *rcv,
			  bool we_are_primary, int64_t now)
{
	int col = column_of(rcv->status);

	if (!ours)
		return 0; /* nothing here: as FREE */
	switch (ours->status) {
	case FO_BINDING_ACTIVE:
		switch (col) {
		case COL_ACTIVE:
			/* (5): one address, two clients (draft sec 7.1.3). */
			if (fo_binding_same_client(ours, rcv) || !we_are_primary)
				return 0;
			return FO_REJECT_FATAL_CONFLICT;
		case COL_EXPIRED:
		case COL_FREE: /* time2 */
			return now > ours->lease_expire ? 0 : FO_REJECT_OUTDATED_BIND_INFO;
		case COL_RELEASED: return later_than(rcv, ours->cltt); /* time1 */
		default: return 0;
		}
	case FO_BINDING_EXPIRED: return col == COL_ACTIVE ? later_than(rcv, ours->cltt) : 0;
	case FO_BINDING_RELEASED:
		return col == COL_ACTIVE || col == COL_EXPIRED ? later_than(rcv, ours->cltt) : 0;
	case FO_BINDING_RESET: return col == COL_ACTIVE ? later_than(rcv, ours->stos) : 0;
	case FO_BINDING_ABANDONED: return col == COL_RESET ? 0 : FO_REJECT_LESS_CRIT_BIND_INFO;
	default: return 0; /* FREE, BACKUP */
	}
}

/* The draft status a lease state implies; FREE for a state with no binding. */
static uint8_t status_of_state(uint8_t state)
{
	switch (state) {
	case LEASE_BOUND: return FO_BINDING_ACTIVE;
	case LEASE_RELEASED: return FO_BINDING_RELEASED;
	case LEASE_EXPIRED: return FO_BINDING_EXPIRED;
	case LEASE_DECLINED: return FO_BINDING_ABANDONED;
	case LEASE_BACKUP: return FO_BINDING_BACKUP;
	default: return FO_BINDING_FREE;
	}
}

/*
 * fo_status refines the state where the state cannot tell (FREE, BACKUP,
 * RESET all hold no address); where they disagree (a copy that kept an old
 * fo_status) the state, which the server keeps current, wins.
 */
static uint8_t binding_status_of(const struct lease *l)
{
	uint8_t implied = status_of_state(l->state);

	if (!status_valid(l->fo_status) || l->fo_status == implied)
		return implied;
	if (column_of(implied) == COL_FREE || implied == FO_BINDING_EXPIRED) {
		if (l->fo_status == FO_BINDING_FREE || l->fo_status == FO_BINDING_BACKUP ||
		    l->fo_status == FO_BINDING_RESET)
			return l->fo_status;
	}
	return implied;
}

void fo_binding_from_lease(const struct lease *l, struct fo_binding *out)
{
	memset(out, 0, sizeof(*out));
	out->ip = l->ip;
	out->status = binding_status_of(l);
	out->ip_flags = (uint16_t)((l->flags & LEASE_F_RESERVED ? FO_IP_FLAG_RESERVED : 0) |
				   (l->flags & LEASE_F_BOOTP ? FO_IP_FLAG_BOOTP : 0));
	out->lease_expire = l->lease_secs == LEASE_INFINITE ? INT64_MAX : l->expire;
	out->pet = l->sent_pet;
	out->stos = l->stos;
	out->cltt = l->cltt;
	if (out->status == FO_BINDING_ABANDONED)
		return; /* MUST NOT carry client information (draft Table 7.1-1) */
	if (l->hlen && l->hlen <= sizeof(out->chaddr)) {
		out->htype = l->htype;
		out->hlen = l->hlen;
		memcpy(out->chaddr, l->chaddr, l->hlen);
	}
	if (l->key_len >= 2 && l->key_len <= LEASE_KEY_MAX && l->key[0] == LEASE_KEY_CLIENT_ID) {
		out->client_id_len = (uint8_t)(l->key_len - 1);
		memcpy(out->client_id, l->key + 1, out->client_id_len);
	}
}

/* The lease key of the binding's client, as client_key_from_msg forms it (lease/lease.h). */
static int key_of(const struct fo_binding *bd, struct lease_image *img)
{
	uint8_t nonzero = 0;

	if (bd->client_id_len) {
		img->key[0] = LEASE_KEY_CLIENT_ID;
		memcpy(img->key + 1, bd->client_id, bd->client_id_len);
		img->key_len = (uint8_t)(bd->client_id_len + 1);
		return 0;
	}
	for (unsigned i = 0; i < bd->hlen && i < sizeof(bd->chaddr); i++)
		nonzero |= bd->chaddr[i];
	if (bd->hlen == 0 || bd->hlen > sizeof(bd->chaddr) || nonzero == 0)
		return -EINVAL; /* RFC 2131 sec 4.2: no identity */
	img->key[0] = LEASE_KEY_HWADDR;
	img->key[1] = bd->htype;
	memcpy(img->key + 2, bd->chaddr, bd->hlen);
	img->key_len = (uint8_t)(bd->hlen + 2);
	return 0;
}

static int active_image(const struct fo_binding *bd, const struct lease *holder, uint32_t subnet_id,
			int64_t now, struct lease_image *img)
{
	bool infinite = bd->lease_expire == INT64_MAX;

	memset(img, 0, sizeof(*img));
	if (key_of(bd, img) < 0)
		return -EINVAL;
	img->ip = bd->ip;
	img->subnet_id = subnet_id;
	img->state = LEASE_BOUND;
	img->flags = (uint8_t)((bd->ip_flags & FO_IP_FLAG_RESERVED ? LEASE_F_RESERVED : 0) |
			       (bd->ip_flags & FO_IP_FLAG_BOOTP ? LEASE_F_BOOTP : 0));
	img->htype = bd->htype;
	img->hlen = bd->hlen;
	memcpy(img->chaddr, bd->chaddr, bd->hlen);
	img->cltt = bd->cltt > 0 ? bd->cltt : now;
	img->expire = bd->lease_expire;
	if (infinite)
		img->lease_secs = LEASE_INFINITE;
	else if (img->expire > img->cltt)
		img->lease_secs = img->expire - img->cltt >= (int64_t)LEASE_INFINITE
				      ? LEASE_INFINITE - 1
				      : (uint32_t)(img->expire - img->cltt);
	img->partner_expire = bd->pet;
	img->fo_status = FO_BINDING_ACTIVE;
	img->fo_flags = LEASE_FO_F_FROM_PARTNER;
	img->stos = bd->stos > 0 ? bd->stos : now;
	if (holder && holder->ip == bd->ip) {
		bool same = holder->key_len == img->key_len &&
			    memcmp(holder->key, img->key, img->key_len) == 0;
		/* A change of hands takes the next version, so recovery gives it the address. */
		img->addr_version = same ? holder->addr_version : holder->addr_version + 1;
		if (same)
			img->sent_pet = holder->sent_pet;
	}
	return 0;
}

int fo_binding_to_image(const struct fo_binding *bd, const struct lease *holder, uint32_t subnet_id,
			int64_t now, struct lease_image *img)
{
	switch (bd->status) {
	case FO_BINDING_ACTIVE: return active_image(bd, holder, subnet_id, now, img);
	case FO_BINDING_ABANDONED: return -EOPNOTSUPP;
	case FO_BINDING_EXPIRED:
	case FO_BINDING_RELEASED:
	case FO_BINDING_FREE:
	case FO_BINDING_RESET:
	case FO_BINDING_BACKUP: break;
	default: return -EINVAL;
	}
	if (!holder || holder->ip != bd->ip)
		return -ENOENT;
	lease_image_from_lease(img, holder);
	img->state = bd->status == FO_BINDING_RELEASED ? LEASE_RELEASED : LEASE_EXPIRED;
	if (img->expire > now || img->lease_secs == LEASE_INFINITE) {
		img->expire = now;
		if (img->lease_secs == LEASE_INFINITE)
			img->lease_secs = 0;
	}
	img->fo_status = bd->status;
	img->fo_flags = LEASE_FO_F_FROM_PARTNER;
	img->stos = bd->stos > 0 ? bd->stos : now;
	if (bd->cltt > img->cltt)
		img->cltt = bd->cltt;
	return 0;
}

int fo_binding_acked(const struct lease *cur, uint32_t ip, int64_t pet, int64_t *partner_expire,
		     uint8_t *fo_flags)
{
	if (pet <= 0)
		return -EINVAL;
	if (cur->ip != ip || cur->state != LEASE_BOUND || cur->fo_status != FO_BINDING_ACTIVE ||
	    cur->sent_pet != pet)
		return -ESTALE;
	*partner_expire = cur->partner_expire > pet ? cur->partner_expire : pet;
	*fo_flags = cur->fo_flags & (uint8_t)~LEASE_FO_F_UPDATE_PENDING;
	if (*partner_expire == cur->partner_expire && *fo_flags == cur->fo_flags)
		return -EALREADY;
	return 0;
}
