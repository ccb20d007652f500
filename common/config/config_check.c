/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Semantic checks: the finish hooks that run after all keys of an object,
 * for what one key cannot check alone (a reservation's identity, pools and
 * reservations against their subnet, overlaps across subnets) and for the
 * inherited values they resolve (timers, "authoritative").
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_internal.h"

int cfg_reservation_finish(struct walk *w, void *obj, uint64_t seen)
{
	struct cfg_reservation *r = obj;

	(void)seen;
	if (!r->hlen && !r->client_id_len)
		return cfg_walk_err(w, "needs \"hw-address\" or \"client-id\"");
	return 0;
}

static const struct cfg_interface *find_interface(const struct lw_config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->n_interfaces; i++)
		if (!strcmp(cfg->interfaces[i].name, name))
			return &cfg->interfaces[i];
	return NULL;
}

/* qsort hands the comparators pointers to the reservation pointers. */
static const struct cfg_reservation *res_at(const void *p)
{
	return *(const struct cfg_reservation *const *)p;
}

/* c, or for equal keys the order in the document: duplicates then name the later entry. */
static int or_by_position(int c, const struct cfg_reservation *x, const struct cfg_reservation *y)
{
	return c ? c : (x < y ? -1 : x > y);
}

/* A hex identifier by length, then by bytes. */
static int cmp_id(const uint8_t *x, uint8_t xlen, const uint8_t *y, uint8_t ylen)
{
	int c = xlen - ylen;

	return c ? c : memcmp(x, y, xlen);
}

static int cmp_reservation_ip(const void *a, const void *b)
{
	const struct cfg_reservation *x = res_at(a), *y = res_at(b);
	int c = x->ip_address == y->ip_address ? 0 : x->ip_address < y->ip_address ? -1 : 1;

	return or_by_position(c, x, y);
}

static int cmp_reservation_hw(const void *a, const void *b)
{
	const struct cfg_reservation *x = res_at(a), *y = res_at(b);

	return or_by_position(cmp_id(x->hw_address, x->hlen, y->hw_address, y->hlen), x, y);
}

static int cmp_reservation_cid(const void *a, const void *b)
{
	const struct cfg_reservation *x = res_at(a), *y = res_at(b);

	return or_by_position(
	    cmp_id(x->client_id, x->client_id_len, y->client_id, y->client_id_len), x, y);
}

/*
 * Sort pointers into base[] with cmp (which breaks ties by address) and find
 * two adjacent entries equal under same(); on a hit *first < *second are
 * their indices. Returns 1 on a hit, 0 on none, -ENOMEM.
 */
static int find_duplicate(const void *base, size_t n, size_t size,
			  int (*cmp)(const void *, const void *),
			  bool (*same)(const void *, const void *), size_t *first, size_t *second)
{
	const char **ptrs;
	int found = 0;

	if (n < 2)
		return 0;
	ptrs = malloc(n * sizeof(*ptrs));
	if (!ptrs)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		ptrs[i] = (const char *)base + i * size;
	qsort(ptrs, n, sizeof(*ptrs), cmp);
	for (size_t i = 1; i < n && !found; i++) {
		if (same(ptrs[i - 1], ptrs[i])) {
			*first = (size_t)(ptrs[i - 1] - (const char *)base) / size;
			*second = (size_t)(ptrs[i] - (const char *)base) / size;
			found = 1;
		}
	}
	free(ptrs);
	return found;
}

static bool same_reservation_ip(const void *a, const void *b)
{
	return ((const struct cfg_reservation *)a)->ip_address ==
	       ((const struct cfg_reservation *)b)->ip_address;
}

static bool same_reservation_hw(const void *a, const void *b)
{
	const struct cfg_reservation *x = a, *y = b;
	return x->hlen && x->hlen == y->hlen && !memcmp(x->hw_address, y->hw_address, x->hlen);
}

static bool same_reservation_cid(const void *a, const void *b)
{
	const struct cfg_reservation *x = a, *y = b;
	return x->client_id_len && x->client_id_len == y->client_id_len &&
	       !memcmp(x->client_id, y->client_id, x->client_id_len);
}

static int check_reservation_dups(struct walk *w, const struct cfg_subnet *sn)
{
	static const struct {
		int (*cmp)(const void *, const void *);
		bool (*same)(const void *, const void *);
		const char *key, *what;
	} checks[] = {
		{ cmp_reservation_ip, same_reservation_ip, "ip-address", "address" },
		{ cmp_reservation_hw, same_reservation_hw, "hw-address", "hw-address" },
		{ cmp_reservation_cid, same_reservation_cid, "client-id", "client-id" },
	};
	size_t a, b;

	for (size_t i = 0; i < ARRAY_SIZE(checks); i++) {
		int rc =
		    find_duplicate(sn->reservations, sn->n_reservations, sizeof(*sn->reservations),
				   checks[i].cmp, checks[i].same, &a, &b);
		if (rc < 0)
			return cfg_walk_err(w, "out of memory");
		if (rc) {
			cfg_path_key(w, "reservations");
			cfg_path_index(w, b);
			cfg_path_key(w, checks[i].key);
			return cfg_walk_err(w, "same %s as reservations[%zu]", checks[i].what, a);
		}
	}
	return 0;
}

int cfg_subnet_finish(struct walk *w, void *obj, uint64_t seen)
{
	struct cfg_subnet *sn = obj;
	const struct cfg_interface *ifc = NULL;
	uint32_t mask = cfg_prefix_mask(sn->prefix_len);
	uint32_t bcast = sn->prefix | ~mask;
	size_t saved = w->path_len;
	char a[16], b[16], net[16];

	cfg_ip_str(sn->prefix, net);
	if (!cfg_key_seen(&cfg_subnet_schema, seen, "authoritative"))
		sn->authoritative = w->cfg->authoritative;
	if (!cfg_key_seen(&cfg_subnet_schema, seen, "calculate-tee-times"))
		sn->calculate_tee_times = w->cfg->calculate_tee_times;
	cfg_ddns_policy_normalise(&w->cfg->ddns_policy);
	cfg_ddns_policy_inherit(&cfg_subnet_schema, seen, &sn->ddns, &w->cfg->ddns_policy);

	if (sn->interface[0]) {
		ifc = find_interface(w->cfg, sn->interface);
		if (!ifc) {
			cfg_path_key(w, "interface");
			return cfg_walk_err(w,
					    "\"%s\" is not in Dhcp4.interfaces-config.interfaces",
					    sn->interface);
		}
		if ((ifc->address & mask) != sn->prefix) {
			cfg_path_key(w, "subnet");
			return cfg_walk_err(
			    w, "%s/%u does not contain %s, the address of interface %s", net,
			    sn->prefix_len, cfg_ip_str(ifc->address, a), ifc->name);
		}
	} else if (!sn->n_relay_addresses) {
		return cfg_walk_err(w, "needs \"interface\" or \"relay\": { \"ip-addresses\" }");
	}

	for (size_t i = 0; i < sn->n_pools; i++) {
		const struct cfg_pool *p = &sn->pools[i];
		const char *why = NULL;
		char addr[16];

		if ((p->first & mask) != sn->prefix || (p->last & mask) != sn->prefix)
			why = "is outside subnet";
		else if (p->first == sn->prefix)
			why = "contains the network address of subnet";
		else if (p->last == bcast)
			why = "contains the broadcast address of subnet";
		if (!why && ifc && ifc->address >= p->first && ifc->address <= p->last) {
			cfg_path_key(w, "pools");
			cfg_path_index(w, i);
			cfg_path_key(w, "pool");
			return cfg_walk_err(w, "%s - %s contains %s, the address of interface %s",
					    cfg_ip_str(p->first, a), cfg_ip_str(p->last, b),
					    cfg_ip_str(ifc->address, addr), ifc->name);
		}
		if (why) {
			cfg_path_key(w, "pools");
			cfg_path_index(w, i);
			cfg_path_key(w, "pool");
			return cfg_walk_err(w, "%s - %s %s %s/%u", cfg_ip_str(p->first, a),
					    cfg_ip_str(p->last, b), why, net, sn->prefix_len);
		}
	}

	for (size_t i = 0; i < sn->n_reservations; i++) {
		uint32_t ip = sn->reservations[i].ip_address;
		const char *why = NULL;

		if ((ip & mask) != sn->prefix)
			why = "is outside subnet";
		else if (sn->prefix_len <= 30 && (ip == sn->prefix || ip == bcast))
			why = "is the network or broadcast address of subnet";
		else if (ifc && ip == ifc->address)
			why = "is the server's own address in subnet";
		if (why) {
			cfg_path_key(w, "reservations");
			cfg_path_index(w, i);
			cfg_path_key(w, "ip-address");
			return cfg_walk_err(w, "%s %s %s/%u", cfg_ip_str(ip, a), why, net,
					    sn->prefix_len);
		}
	}
	if (check_reservation_dups(w, sn))
		return -EINVAL;
	cfg_path_pop(w, saved);
	return 0;
}

int cfg_ifcfg_finish(struct walk *w, void *obj, uint64_t seen)
{
	const struct lw_config *cfg = obj;

	(void)seen;
	for (size_t i = 0; i < cfg->n_interfaces; i++) {
		for (size_t j = 0; j < i; j++) {
			const char *why = NULL;
			const char *key = NULL;

			if (!strcmp(cfg->interfaces[i].name, cfg->interfaces[j].name)) {
				key = "name";
				why = "name";
			} else if (cfg->interfaces[i].port_id == cfg->interfaces[j].port_id) {
				key = "port";
				why = "port";
			}
			if (why) {
				cfg_path_key(w, "interfaces");
				cfg_path_index(w, i);
				cfg_path_key(w, key);
				return cfg_walk_err(w, "same %s as interfaces[%zu]", why, j);
			}
		}
	}
	return 0;
}

/* An address range owned by entry (a, b) of the document, for overlap checks. */
struct span {
	uint32_t lo, hi;
	size_t a, b;
};

static int cmp_span(const void *x, const void *y)
{
	const struct span *p = x, *q = y;

	if (p->lo != q->lo)
		return p->lo < q->lo ? -1 : 1;
	if (p->a != q->a)
		return p->a < q->a ? -1 : 1;
	return p->b < q->b ? -1 : p->b > q->b;
}

/*
 * Sort spans and find one that starts inside an earlier one. On a hit *hit
 * is the later span in document order and *other the one it overlaps.
 */
static bool find_overlap(struct span *s, size_t n, struct span *hit, struct span *other)
{
	size_t widest = 0;

	qsort(s, n, sizeof(*s), cmp_span);
	for (size_t i = 1; i < n; i++) {
		if (s[i].lo <= s[widest].hi) {
			bool later =
			    s[i].a > s[widest].a || (s[i].a == s[widest].a && s[i].b > s[widest].b);
			*hit = later ? s[i] : s[widest];
			*other = later ? s[widest] : s[i];
			return true;
		}
		if (s[i].hi > s[widest].hi)
			widest = i;
	}
	return false;
}

#define PPM_T1_DEFAULT 500000u /* RFC 2131 sec 4.4.5: T1 defaults to 0.5 * lease */
#define PPM_T2_DEFAULT 875000u /* and T2 to 0.875 * lease */

/*
 * The share of the lease an absent timer is: Kea's t1-percent/t2-percent
 * with calculate-tee-times, else the RFC 2131 sec 4.4.5 defaults.
 */
static uint32_t tee_ppm(bool calculate, uint32_t ppm, uint32_t rfc_default)
{
	return calculate ? ppm : rfc_default;
}

static const char *tee_from(bool calculate, bool t2)
{
	if (calculate)
		return t2 ? " (t2-percent of valid-lifetime)" : " (t1-percent of valid-lifetime)";
	return t2 ? " (87.5% of valid-lifetime)" : " (50% of valid-lifetime)";
}

static int check_timers(struct walk *w, uint32_t valid, uint32_t renew, uint32_t rebind,
			const char *renew_from, const char *rebind_from)
{
	size_t saved = w->path_len;

	/* RFC 2131 sec 4.4.5: T1 < T2 < lease time. */
	if (renew >= rebind) {
		cfg_path_key(w, "renew-timer");
		return cfg_walk_err(w, "%u%s must be less than rebind-timer %u%s", renew,
				    renew_from, rebind, rebind_from);
	}
	if (rebind >= valid) {
		cfg_path_key(w, "rebind-timer");
		return cfg_walk_err(w, "%u%s must be less than valid-lifetime %u", rebind,
				    rebind_from, valid);
	}
	cfg_path_pop(w, saved);
	return 0;
}

/* Kea's triplet: min-valid-lifetime <= valid-lifetime <= max-valid-lifetime. */
static int check_lifetimes(struct walk *w, uint32_t min, uint32_t valid, uint32_t max,
			   const char *min_from, const char *valid_from, const char *max_from)
{
	size_t saved = w->path_len;

	if (min > valid) {
		cfg_path_key(w, "min-valid-lifetime");
		return cfg_walk_err(w, "%u%s must not be more than valid-lifetime %u%s", min,
				    min_from, valid, valid_from);
	}
	if (max < valid) {
		cfg_path_key(w, "max-valid-lifetime");
		return cfg_walk_err(w, "%u%s must not be less than valid-lifetime %u%s", max,
				    max_from, valid, valid_from);
	}
	cfg_path_pop(w, saved);
	return 0;
}

/* Kea: 0 < t1-percent < t2-percent < 1; the parser checked the outer bounds. */
static int check_shares(struct walk *w, uint32_t t1_ppm, uint32_t t2_ppm, const char *t1_from,
			const char *t2_from)
{
	size_t saved = w->path_len;

	if (t1_ppm >= t2_ppm) {
		cfg_path_key(w, "t1-percent");
		return cfg_walk_err(w, "%g%s must be less than t2-percent %g%s", t1_ppm / 1e6,
				    t1_from, t2_ppm / 1e6, t2_from);
	}
	cfg_path_pop(w, saved);
	return 0;
}

/*
 * A subnet's lease times from its own keys and Dhcp4's. A subnet that sets
 * valid-lifetime bounds it on its own: its absent min-/max-valid-lifetime
 * are that valid-lifetime (Kea's triplet at one level), else Dhcp4's.
 */
static int subnet_times(struct walk *w, const struct lw_config *cfg, struct cfg_subnet *sn,
			bool g_renew, bool g_rebind)
{
	static const char dhcp4[] = " (from Dhcp4)";
	bool s_valid = sn->valid_lifetime != 0, s_min = sn->min_valid_lifetime != 0;
	bool s_max = sn->max_valid_lifetime != 0, s_t1 = sn->t1_ppm != 0, s_t2 = sn->t2_ppm != 0;
	bool calc = sn->calculate_tee_times;
	int rc;

	sn->renew_set = sn->renew_timer != 0 || g_renew;
	sn->rebind_set = sn->rebind_timer != 0 || g_rebind;
	if (!s_valid)
		sn->valid_lifetime = cfg->valid_lifetime;
	if (!s_min)
		sn->min_valid_lifetime = s_valid ? sn->valid_lifetime : cfg->min_valid_lifetime;
	if (!s_max)
		sn->max_valid_lifetime = s_valid ? sn->valid_lifetime : cfg->max_valid_lifetime;
	if ((rc = check_lifetimes(w, sn->min_valid_lifetime, sn->valid_lifetime,
				  sn->max_valid_lifetime, s_min || s_valid ? "" : dhcp4,
				  s_valid ? "" : dhcp4, s_max || s_valid ? "" : dhcp4)))
		return rc;
	if (!s_t1)
		sn->t1_ppm = cfg->t1_ppm;
	if (!s_t2)
		sn->t2_ppm = cfg->t2_ppm;
	if ((rc = check_shares(w, sn->t1_ppm, sn->t2_ppm, s_t1 ? "" : dhcp4, s_t2 ? "" : dhcp4)))
		return rc;
	sn->t1_ppm = tee_ppm(calc, sn->t1_ppm, PPM_T1_DEFAULT);
	sn->t2_ppm = tee_ppm(calc, sn->t2_ppm, PPM_T2_DEFAULT);

	bool s_renew = sn->renew_timer != 0, s_rebind = sn->rebind_timer != 0;
	if (!s_renew)
		sn->renew_timer = g_renew
				      ? cfg->renew_timer
				      : config_lease_share(sn->valid_lifetime, sn->t1_ppm, calc);
	if (!s_rebind)
		sn->rebind_timer = g_rebind
				       ? cfg->rebind_timer
				       : config_lease_share(sn->valid_lifetime, sn->t2_ppm, calc);
	return check_timers(w, sn->valid_lifetime, sn->renew_timer, sn->rebind_timer,
			    s_renew ? "" : (g_renew ? dhcp4 : tee_from(calc, false)),
			    s_rebind ? "" : (g_rebind ? dhcp4 : tee_from(calc, true)));
}

int cfg_dhcp4_finish(struct walk *w, void *obj, uint64_t seen)
{
	struct lw_config *cfg = obj;
	bool g_renew = cfg->renew_timer != 0, g_rebind = cfg->rebind_timer != 0;
	bool calc = cfg->calculate_tee_times;
	size_t n_spans = 0, n;
	struct span *spans = NULL, hit, other;
	char a[16], b[16];
	int rc = 0;

	cfg_ddns_policy_normalise(&cfg->ddns_policy);

	(void)seen;
	if (!cfg->min_valid_lifetime)
		cfg->min_valid_lifetime = cfg->valid_lifetime;
	if (!cfg->max_valid_lifetime)
		cfg->max_valid_lifetime = cfg->valid_lifetime;
	if ((rc = check_lifetimes(w, cfg->min_valid_lifetime, cfg->valid_lifetime,
				  cfg->max_valid_lifetime, "", "", "")))
		return rc;
	if (!cfg->t1_ppm)
		cfg->t1_ppm = PPM_T1_DEFAULT;
	if (!cfg->t2_ppm)
		cfg->t2_ppm = PPM_T2_DEFAULT;
	if ((rc = check_shares(w, cfg->t1_ppm, cfg->t2_ppm, "", "")))
		return rc;
	if (!g_renew)
		cfg->renew_timer = config_lease_share(
		    cfg->valid_lifetime, tee_ppm(calc, cfg->t1_ppm, PPM_T1_DEFAULT), calc);
	if (!g_rebind)
		cfg->rebind_timer = config_lease_share(
		    cfg->valid_lifetime, tee_ppm(calc, cfg->t2_ppm, PPM_T2_DEFAULT), calc);
	if ((rc = check_timers(w, cfg->valid_lifetime, cfg->renew_timer, cfg->rebind_timer,
			       g_renew ? "" : tee_from(calc, false),
			       g_rebind ? "" : tee_from(calc, true))))
		return rc;

	for (size_t i = 0; i < cfg->n_subnets; i++) {
		struct cfg_subnet *sn = &cfg->subnets[i];
		size_t saved = w->path_len;

		cfg_path_key(w, "subnet4");
		cfg_path_index(w, i);
		if ((rc = subnet_times(w, cfg, sn, g_renew, g_rebind)))
			return rc;
		cfg_path_pop(w, saved);
		n_spans += sn->n_pools + sn->n_relay_addresses + 1;
	}
	if (!n_spans)
		return 0;
	spans = malloc(n_spans * sizeof(*spans));
	if (!spans)
		return cfg_walk_err(w, "out of memory");

	/* Subnet ids (a span of one value each). */
	n = 0;
	for (size_t i = 0; i < cfg->n_subnets; i++)
		spans[n++] = (struct span){ cfg->subnets[i].id, cfg->subnets[i].id, i, 0 };
	if (find_overlap(spans, n, &hit, &other)) {
		cfg_path_key(w, "subnet4");
		cfg_path_index(w, hit.a);
		cfg_path_key(w, "id");
		rc = cfg_walk_err(w, "%u is already used by Dhcp4.subnet4[%zu]", hit.lo, other.a);
		goto out;
	}

	/* Subnet prefixes: a client must map to one subnet. */
	n = 0;
	for (size_t i = 0; i < cfg->n_subnets; i++) {
		const struct cfg_subnet *sn = &cfg->subnets[i];
		spans[n++] = (struct span){ sn->prefix,
					    sn->prefix | ~cfg_prefix_mask(sn->prefix_len), i, 0 };
	}
	if (find_overlap(spans, n, &hit, &other)) {
		const struct cfg_subnet *o = &cfg->subnets[other.a];
		cfg_path_key(w, "subnet4");
		cfg_path_index(w, hit.a);
		cfg_path_key(w, "subnet");
		rc = cfg_walk_err(w, "overlaps Dhcp4.subnet4[%zu].subnet %s/%u", other.a,
				  cfg_ip_str(o->prefix, a), o->prefix_len);
		goto out;
	}

	/* Relay addresses select the subnet of a relayed request. */
	n = 0;
	for (size_t i = 0; i < cfg->n_subnets; i++)
		for (size_t j = 0; j < cfg->subnets[i].n_relay_addresses; j++) {
			uint32_t r = cfg->subnets[i].relay_addresses[j];
			spans[n++] = (struct span){ r, r, i, j };
		}
	if (find_overlap(spans, n, &hit, &other)) {
		cfg_path_key(w, "subnet4");
		cfg_path_index(w, hit.a);
		cfg_path_key(w, "relay");
		cfg_path_key(w, "ip-addresses");
		cfg_path_index(w, hit.b);
		rc = cfg_walk_err(w, "%s is already a relay of Dhcp4.subnet4[%zu]",
				  cfg_ip_str(hit.lo, a), other.a);
		goto out;
	}

	/* Pools across all subnets (pools are inside their subnets by now). */
	n = 0;
	for (size_t i = 0; i < cfg->n_subnets; i++)
		for (size_t j = 0; j < cfg->subnets[i].n_pools; j++) {
			const struct cfg_pool *p = &cfg->subnets[i].pools[j];
			spans[n++] = (struct span){ p->first, p->last, i, j };
		}
	if (find_overlap(spans, n, &hit, &other)) {
		cfg_path_key(w, "subnet4");
		cfg_path_index(w, hit.a);
		cfg_path_key(w, "pools");
		cfg_path_index(w, hit.b);
		cfg_path_key(w, "pool");
		rc = cfg_walk_err(w, "%s - %s overlaps Dhcp4.subnet4[%zu].pools[%zu]",
				  cfg_ip_str(hit.lo, a), cfg_ip_str(hit.hi, b), other.a, other.b);
		goto out;
	}
out:
	free(spans);
	return rc;
}
