/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Read-only views of the lease table that the shell and telemetry share:
 * a filter for "show leases", per-pool usage for "show pools", and the
 * text forms of a record's fields: one view per field of LEASE_FIELD_LIST
 * that has one (lease/lease_fields.h), so a new field shows up in "show
 * lease" and /leasewire/lease without touching either. Pure; callers walk
 * the table as registered RCU readers and must not block inside a visit.
 */
#ifndef LW_LEASE_VIEW_H
#define LW_LEASE_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "lease/lease.h"
#include "lease/lease_fields.h"
#include "lease/lease_table.h"
#include "mgmt/status.h"

struct lease_filter {
	uint32_t subnet_id; /* 0: any */
	int state; /* enum lease_state, -1: any */
	uint8_t hlen; /* 0: any hardware address */
	uint8_t mac[16];
	uint8_t client_id_len; /* 0: any */
	uint8_t client_id[LEASE_KEY_MAX];
	uint32_t ip; /* 0: any */
	/*
	 * "": any. Matched, ignoring case, against the lease's name, or for a
	 * lease without one against its reservation's hostname.
	 */
	char hostname[LEASE_NAME_MAX + 1];
};

/*
 * Parse "subnet N", "state S", "mac M", "client-id C", "hostname H",
 * "ip A" pairs from argv into f (starting from "match everything").
 * Unknown words are left for the caller: *used is how many words were
 * consumed from the start. Returns 0, or -EINVAL with a message in err.
 */
int lease_filter_parse(struct lease_filter *f, int argc, char *const argv[], int *used, char *err,
		       size_t err_len);

/*
 * True when l passes f; cfg resolves reservation hostnames. l is a record
 * of the table (its name is read there), the caller an RCU reader.
 */
bool lease_filter_match(const struct lease_filter *f, const struct lease *l,
			const struct lw_config *cfg);

/* The reservation hostname for ip in subnet_id, or "" (leases keep no hostname). */
const char *lease_view_hostname(const struct lw_config *cfg, uint32_t subnet_id, uint32_t ip);

int lease_state_parse(const char *name); /* -1 when unknown */

struct pool_usage {
	uint32_t subnet_id;
	uint32_t first, last;
	uint64_t size;
	uint64_t bound, offered, declined; /* addresses held in each state */
};

/*
 * One entry per configured pool, in config order, into out[0..max).
 * Returns the number of pools (may exceed max: only max are filled).
 */
size_t lease_view_pools_init(const struct lw_config *cfg, struct pool_usage *out, size_t max);
/* Count l into the pool holding its address, if it holds one (visit of a walk). */
void lease_view_pools_add(struct pool_usage *pools, size_t n, const struct lease *l, int64_t now);
/*
 * Usage of every configured pool (at most max, config order) counted over
 * the whole table: lease_view_pools_init plus a walk in chunks. The caller
 * is a registered, online QSBR thread; the walk passes quiescent states,
 * so cfg, and every other RCU pointer the caller holds, is invalid once
 * it returns. Returns the number of entries filled.
 */
size_t lease_view_pools_usage(struct lease_table *table, const struct lw_config *cfg,
			      struct pool_usage *out, size_t max, int64_t now);

void lease_view_ip(uint32_t ip, char *buf, size_t len);
/* "YYYY-MM-DD HH:MM:SS" (UTC); "-" for t <= 0 (never set), "never" for INT64_MAX. */
void lease_view_time(int64_t t, char *buf, size_t len);
void lease_view_mac(const struct lease *l, char *buf, size_t len);
/* Client id in hex with colons, "" when the client is keyed by hardware address. */
void lease_view_client_id(const struct lease *l, char *buf, size_t len);

/* How a listed field is shown (the kind in LEASE_VIEW, lease/lease_fields.h). */
enum lease_view_kind {
	LV_IP4, /* dotted quad; a string in telemetry */
	LV_UINT, /* decimal */
	LV_STATE, /* lease_state_name(); a string in telemetry */
	LV_FLAGS, /* LEASE_F_* as words ("reserved bootp"); the number in telemetry */
	LV_TIME, /* lease_view_time() and unix secs; telemetry: unix secs, 0 if negative */
	LV_EXPIRY, /* LV_TIME, but "never" for an infinite lease */
	LV_SECS, /* "3600 s" or "infinite" (LEASE_INFINITE); the number in telemetry */
	LV_FO_STATUS, /* draft-12 binding-status name, "-" for 0 (standalone); a string in telemetry */
	LV_FO_FLAGS, /* LEASE_FO_F_* as words ("from-partner update-pending"); the number in telemetry */
	LV_DNS_FLAGS, /* LEASE_DNS_F_* as words ("fwd rev remove-pending"); the number in telemetry */
	LV_NAME, /* the name, "-" for none; a string in telemetry ("" for none) */
};

/*
 * A lease as a view shows it, detached from the table: a copy of the
 * record with its name by value (the copy's own name reference cleared,
 * so nothing follows it outside the table). Made while online, printed
 * after.
 */
struct lease_view_rec {
	struct lease lease;
	struct lease_name fqdn;
};

/* Take l (a record of the table) into r. Any registered RCU reader holding l. */
void lease_view_rec_take(struct lease_view_rec *r, const struct lease *l);

struct lease_field_view {
	const char *label; /* its line in "show lease" */
	const char *key; /* its key in /leasewire/lease */
	enum lease_view_kind kind;
	int64_t (*value)(const struct lease_view_rec *r); /* the field, widened; 0 for a name */
};

/* The listed fields that have a view, in list order. */
extern const struct lease_field_view lease_field_views[];
extern const size_t lease_field_views_n;

/* The field of v in r as "show lease" prints it. */
void lease_view_field_text(const struct lease_field_view *v, const struct lease_view_rec *r,
			   char *buf, size_t len);

/*
 * Visit every published record in chunks (lease_table_walk_chunk), passing
 * an RCU quiescent state between chunks so that a walk over millions of
 * leases never holds back grace periods, and handing visit the live
 * configuration re-read after each of them (NULL when live is NULL).
 * Stops when visit returns non-zero and returns that value. The caller is
 * a registered, online QSBR thread; every RCU pointer it held before the
 * call is invalid after it.
 */
int lease_view_walk(struct lease_table *table, struct config_snapshot *const *live,
		    int (*visit)(const struct lease *l, const struct lw_config *cfg, void *arg),
		    void *arg);

/*
 * The record of ip into out: the bound one when the table holds one, else
 * the most recent (latest cltt) released or expired record, found by a
 * lease_view_walk (with what that implies for the caller's RCU pointers).
 * False when the table has no record of ip.
 */
bool lease_view_find_ip(struct lease_table *table, struct config_snapshot *const *live, uint32_t ip,
			struct lease_view_rec *out);

#endif
