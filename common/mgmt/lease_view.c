/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Lease views shared by the shell and telemetry (mgmt/lease_view.h). The
 * per-field views are expanded from LEASE_FIELD_LIST; the views that
 * combine fields (hardware address = htype + hlen + chaddr, client id from
 * the key, hostname from the configuration) are written by hand.
 */
#include "mgmt/lease_view.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "failover/fo_codes.h"

int lease_state_parse(const char *name)
{
	for (int s = 0; s < LEASE_STATE__COUNT; s++)
		if (strcasecmp(name, lease_state_name((uint8_t)s)) == 0)
			return s;
	return -1;
}

static int parse_hex(const char *s, uint8_t *out, size_t cap, size_t *len)
{
	size_t k = 0;

	while (*s) {
		if (*s == ':' || *s == '-' || *s == '.') {
			s++;
			continue;
		}
		char b[3] = { s[0], s[1], 0 };
		char *end;
		if (!s[1] || k >= cap)
			return -EINVAL;
		unsigned long v = strtoul(b, &end, 16);
		if (*end)
			return -EINVAL;
		out[k++] = (uint8_t)v;
		s += 2;
	}
	*len = k;
	return k ? 0 : -EINVAL;
}

int lease_filter_parse(struct lease_filter *f, int argc, char *const argv[], int *used, char *err,
		       size_t err_len)
{
	int i = 0;

	memset(f, 0, sizeof(*f));
	f->state = -1;
	for (; i + 1 < argc; i += 2) {
		const char *k = argv[i], *v = argv[i + 1];
		size_t len;
		if (strcmp(k, "subnet") == 0) {
			char *end;
			unsigned long id = strtoul(v, &end, 10);
			if (*end || id == 0 || id > UINT32_MAX) {
				snprintf(err, err_len, "subnet: \"%s\" is not a subnet id", v);
				return -EINVAL;
			}
			f->subnet_id = (uint32_t)id;
		} else if (strcmp(k, "state") == 0) {
			f->state = lease_state_parse(v);
			if (f->state < 0) {
				snprintf(err, err_len,
					 "state: \"%s\" is not one of free offered bound released "
					 "expired declined backup",
					 v);
				return -EINVAL;
			}
		} else if (strcmp(k, "mac") == 0) {
			if (parse_hex(v, f->mac, sizeof(f->mac), &len) < 0) {
				snprintf(err, err_len, "mac: \"%s\" is not a hardware address", v);
				return -EINVAL;
			}
			f->hlen = (uint8_t)len;
		} else if (strcmp(k, "client-id") == 0) {
			if (parse_hex(v, f->client_id, sizeof(f->client_id) - 1, &len) < 0) {
				snprintf(err, err_len, "client-id: \"%s\" is not hex bytes", v);
				return -EINVAL;
			}
			f->client_id_len = (uint8_t)len;
		} else if (strcmp(k, "hostname") == 0) {
			size_t n = strlen(v);
			/* An absolute name may be given with its final dot. */
			if (n > 1 && v[n - 1] == '.')
				n--;
			if (n > LEASE_NAME_MAX) {
				snprintf(err, err_len, "hostname: longer than %u bytes",
					 LEASE_NAME_MAX);
				return -EINVAL;
			}
			memcpy(f->hostname, v, n);
			f->hostname[n] = '\0';
		} else if (strcmp(k, "ip") == 0) {
			struct in_addr a;
			if (inet_pton(AF_INET, v, &a) != 1) {
				snprintf(err, err_len, "ip: \"%s\" is not an IPv4 address", v);
				return -EINVAL;
			}
			f->ip = ntohl(a.s_addr);
		} else {
			break;
		}
	}
	*used = i;
	return 0;
}

const char *lease_view_hostname(const struct lw_config *cfg, uint32_t subnet_id, uint32_t ip)
{
	const struct cfg_subnet *s = cfg ? config_subnet_by_id(cfg, subnet_id) : NULL;

	for (size_t r = 0; s && r < s->n_reservations; r++)
		if (s->reservations[r].ip_address == ip)
			return s->reservations[r].hostname;
	return "";
}

bool lease_filter_match(const struct lease_filter *f, const struct lease *l,
			const struct lw_config *cfg)
{
	if (f->subnet_id && l->subnet_id != f->subnet_id)
		return false;
	if (f->state >= 0 && l->state != f->state)
		return false;
	if (f->ip && l->ip != f->ip)
		return false;
	if (f->hlen && (l->hlen != f->hlen || memcmp(l->chaddr, f->mac, f->hlen) != 0))
		return false;
	if (f->client_id_len &&
	    (l->key[0] != LEASE_KEY_CLIENT_ID || l->key_len != f->client_id_len + 1 ||
	     memcmp(l->key + 1, f->client_id, f->client_id_len) != 0))
		return false;
	if (f->hostname[0]) {
		/* The lease's own name first; the reservation's for a lease without one. */
		char name[LEASE_NAME_MAX + 1];
		const char *h = lease_table_name_get(l, name, sizeof(name))
				    ? name
				    : lease_view_hostname(cfg, l->subnet_id, l->ip);
		if (strcasecmp(h, f->hostname) != 0)
			return false;
	}
	return true;
}

size_t lease_view_pools_init(const struct lw_config *cfg, struct pool_usage *out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < cfg->n_subnets; i++) {
		const struct cfg_subnet *s = &cfg->subnets[i];
		for (size_t p = 0; p < s->n_pools; p++, n++) {
			if (n >= max)
				continue;
			memset(&out[n], 0, sizeof(out[n]));
			out[n].subnet_id = s->id;
			out[n].first = s->pools[p].first;
			out[n].last = s->pools[p].last;
			out[n].size = (uint64_t)s->pools[p].last - s->pools[p].first + 1;
		}
	}
	return n;
}

void lease_view_pools_add(struct pool_usage *pools, size_t n, const struct lease *l, int64_t now)
{
	if (!l->ip || !lease_holds_address(l, now))
		return;
	for (size_t i = 0; i < n; i++) {
		if (l->ip < pools[i].first || l->ip > pools[i].last)
			continue;
		if (l->state == LEASE_BOUND)
			pools[i].bound++;
		else if (l->state == LEASE_OFFERED)
			pools[i].offered++;
		else if (l->state == LEASE_DECLINED)
			pools[i].declined++;
		return;
	}
}

void lease_view_ip(uint32_t ip, char *buf, size_t len)
{
	snprintf(buf, len, "%u.%u.%u.%u", ip >> 24, ip >> 16 & 0xff, ip >> 8 & 0xff, ip & 0xff);
}

void lease_view_time(int64_t t, char *buf, size_t len)
{
	if (t == INT64_MAX || t <= 0) {
		snprintf(buf, len, t <= 0 ? "-" : "never");
		return;
	}
	time_t tt = (time_t)t;
	struct tm tm;
	strftime(buf, len, "%Y-%m-%d %H:%M:%S", gmtime_r(&tt, &tm));
}

void lease_view_rec_take(struct lease_view_rec *r, const struct lease *l)
{
	r->lease = *l;
	r->lease.fqdn.id = 0;
	memset(&r->fqdn, 0, sizeof(r->fqdn));
	r->fqdn.len = (uint8_t)lease_table_name_get(l, r->fqdn.bytes, sizeof(r->fqdn.bytes));
}

/*
 * One getter per viewed field: every listed scalar type fits in an
 * int64_t; a name is text only (lease_view_field_text).
 */
#define VIEW_GETTER_u8(name, kind, label, key) \
	static int64_t view_##name(const struct lease_view_rec *r) \
	{ \
		return (int64_t)r->lease.name; \
	}
#define VIEW_GETTER_le32 VIEW_GETTER_u8
#define VIEW_GETTER_le64 VIEW_GETTER_u8
#define VIEW_GETTER_raw VIEW_GETTER_u8
#define VIEW_GETTER_name(name, kind, label, key) \
	static int64_t view_##name(const struct lease_view_rec *r) \
	{ \
		(void)r; \
		return 0; \
	}
#define FIELD(name, ctype, dim, wire, since, kea, view) \
	LEASE_VIEW_APPLY(VIEW_GETTER_##wire, name, view)
LEASE_FIELD_LIST(FIELD)
#undef FIELD
#undef VIEW_GETTER_name
#undef VIEW_GETTER_raw
#undef VIEW_GETTER_le64
#undef VIEW_GETTER_le32
#undef VIEW_GETTER_u8

const struct lease_field_view lease_field_views[] = {
#define VIEW_ENTRY(name, kind, label, key) { label, key, kind, view_##name },
#define FIELD(name, ctype, dim, wire, since, kea, view) LEASE_VIEW_APPLY(VIEW_ENTRY, name, view)
	LEASE_FIELD_LIST(FIELD)
#undef FIELD
#undef VIEW_ENTRY
};
const size_t lease_field_views_n = sizeof(lease_field_views) / sizeof(lease_field_views[0]);

void lease_view_field_text(const struct lease_field_view *v, const struct lease_view_rec *r,
			   char *buf, size_t len)
{
	const struct lease *l = &r->lease;
	int64_t x = v->value(r);
	char t[32];

	switch (v->kind) {
	case LV_IP4: lease_view_ip((uint32_t)x, buf, len); return;
	case LV_UINT: snprintf(buf, len, "%lld", (long long)x); return;
	case LV_STATE: snprintf(buf, len, "%s", lease_state_name((uint8_t)x)); return;
	case LV_FLAGS:
		snprintf(buf, len, "%s%s", x & LEASE_F_RESERVED ? "reserved " : "",
			 x & LEASE_F_BOOTP ? "bootp" : "");
		return;
	case LV_TIME:
	case LV_EXPIRY:
		/* An infinite lease reads "never", whatever its expire holds. */
		lease_view_time(v->kind == LV_EXPIRY && l->lease_secs == LEASE_INFINITE ? INT64_MAX
											: x,
				t, sizeof(t));
		snprintf(buf, len, "%s (%lld)", t, (long long)x);
		return;
	case LV_FO_STATUS:
		snprintf(buf, len, "%s", x ? fo_binding_status_name((unsigned)x) : "-");
		return;
	case LV_FO_FLAGS:
		snprintf(buf, len, "%s%s", x & LEASE_FO_F_FROM_PARTNER ? "from-partner " : "",
			 x & LEASE_FO_F_UPDATE_PENDING ? "update-pending" : "");
		return;
	case LV_DNS_FLAGS:
		if (x == 0) {
			snprintf(buf, len, "-");
			return;
		}
		snprintf(buf, len, "%s%s%s%s%s%s", x & LEASE_DNS_F_FWD ? "fwd " : "",
			 x & LEASE_DNS_F_REV ? "rev " : "",
			 x & LEASE_DNS_F_REMOVE_PENDING ? "remove-pending " : "",
			 x & LEASE_DNS_F_BY_PARTNER ? "by-partner " : "",
			 x & LEASE_DNS_F_WANT_FWD ? "want-fwd " : "",
			 x & LEASE_DNS_F_WANT_REV ? "want-rev" : "");
		return;
	case LV_NAME: snprintf(buf, len, "%s", r->fqdn.len ? r->fqdn.bytes : "-"); return;
	case LV_SECS:
		if (x == LEASE_INFINITE)
			snprintf(buf, len, "infinite");
		else
			snprintf(buf, len, "%lld s", (long long)x);
		return;
	}
	snprintf(buf, len, "?");
}

void lease_view_mac(const struct lease *l, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < l->hlen && i < 16 && off + 3 < len; i++)
		off += (size_t)snprintf(buf + off, len - off, i ? ":%02x" : "%02x", l->chaddr[i]);
}

void lease_view_client_id(const struct lease *l, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	if (l->key_len < 2 || l->key[0] != LEASE_KEY_CLIENT_ID)
		return;
	for (unsigned i = 1; i < l->key_len && off + 3 < len; i++)
		off += (size_t)snprintf(buf + off, len - off, i > 1 ? ":%02x" : "%02x", l->key[i]);
}

#define LEASE_VIEW_WALK_CHUNK 4096 /* slab entries between quiescent states */

struct pools_walk {
	struct pool_usage *pools;
	size_t n;
	int64_t now;
};

static int pools_walk_visit(const struct lease *l, void *arg)
{
	struct pools_walk *pw = arg;

	lease_view_pools_add(pw->pools, pw->n, l, pw->now);
	return 0;
}

struct live_walk {
	int (*visit)(const struct lease *, const struct lw_config *, void *);
	void *arg;
	const struct lw_config *cfg;
};

static int live_walk_visit(const struct lease *l, void *arg)
{
	struct live_walk *lw = arg;
	return lw->visit(l, lw->cfg, lw->arg);
}

int lease_view_walk(struct lease_table *table, struct config_snapshot *const *live,
		    int (*visit)(const struct lease *l, const struct lw_config *cfg, void *arg),
		    void *arg)
{
	struct live_walk lw = { .visit = visit, .arg = arg };
	size_t cursor = 0;
	int rc = 0;

	for (;;) {
		const struct config_snapshot *snap = live ? rcu_dereference(*live) : NULL;
		lw.cfg = snap ? snap->cfg : NULL;
		if (!lease_table_walk_chunk(table, &cursor, LEASE_VIEW_WALK_CHUNK, live_walk_visit,
					    &lw, &rc) ||
		    rc)
			break;
		urcu_qsbr_quiescent_state();
	}
	return rc;
}

size_t lease_view_pools_usage(struct lease_table *table, const struct lw_config *cfg,
			      struct pool_usage *out, size_t max, int64_t now)
{
	struct pools_walk pw = { .pools = out, .now = now };

	pw.n = lease_view_pools_init(cfg, out, max);
	if (pw.n > max)
		pw.n = max;
	/*
	 * cfg is not read past this point: the walk goes quiescent between
	 * chunks so that a view over millions of leases never holds back the
	 * grace periods the workers' slabs refill from.
	 */
	size_t cursor = 0;
	int rc;
	while (lease_table_walk_chunk(table, &cursor, LEASE_VIEW_WALK_CHUNK, pools_walk_visit, &pw,
				      &rc))
		urcu_qsbr_quiescent_state();
	return pw.n;
}

struct find_ip {
	uint32_t ip;
	bool found;
	struct lease_view_rec *out;
};

static int find_ip_visit(const struct lease *l, const struct lw_config *cfg, void *arg)
{
	struct find_ip *f = arg;
	(void)cfg;
	if (l->ip == f->ip && (!f->found || l->cltt > f->out->lease.cltt)) {
		lease_view_rec_take(f->out, l);
		f->found = true;
	}
	return 0;
}

bool lease_view_find_ip(struct lease_table *table, struct config_snapshot *const *live, uint32_t ip,
			struct lease_view_rec *out)
{
	const struct lease *held = lease_table_find_ip(table, ip);
	if (held) {
		lease_view_rec_take(out, held);
		return true;
	}
	struct find_ip f = { .ip = ip, .out = out };
	lease_view_walk(table, live, find_ip_visit, &f);
	return f.found;
}
