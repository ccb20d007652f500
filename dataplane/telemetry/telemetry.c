/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The /leasewire telemetry endpoints (telemetry.h). Every endpoint is a
 * line of tel_endpoints[] at the end: one dispatcher takes the lock that
 * telemetry_detach() waits on and calls the endpoint's handler, so a new
 * domain adds its endpoints with one line each. The fields of
 * /leasewire/lease come from the lease field list (mgmt/lease_view.h).
 */
#include "telemetry/telemetry.h"

#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <stdlib.h>
#include <time.h>

#include <rte_telemetry.h>
#include <rte_version.h>
#include <urcu-qsbr.h>

#include "config/config.h"
#include "failover/fo_codes.h"
#include "failover/fo_status.h"
#include "mgmt/counter_block.h"
#include "mgmt/lease_view.h"

#define LEASES_SAMPLE 100

static struct worker *tel_workers;
static unsigned tel_n_workers;
static struct lease_table *tel_table;
static const struct control_counters *tel_control;
/* Held by every callback while it reads the daemon's state, so that
 * telemetry_detach() can wait out a query in flight before shutdown frees
 * what the callbacks point at (DPDK has no way to unregister a command). */
static const struct status_ops *tel_status;
static struct config_snapshot **tel_live;
static int64_t tel_started_unix;
static const struct counter_registry *tel_counters;
/* The DNS update module's "show ddns" text (control/ddns/ddns.h: ddns_show); NULL: none. */
static size_t (*tel_ddns)(void *arg, char *buf, size_t cap);
static void *tel_ddns_arg;
static struct fo_status_board *tel_failover; /* NULL: standalone */
static pthread_mutex_t tel_lock = PTHREAD_MUTEX_INITIALIZER;
static bool tel_attached;

/* A numeric entry of a view's per-item dict. */
struct tel_u64 {
	const char *key;
	uint64_t value;
};

#define TEL_N(a) (sizeof(a) / sizeof((a)[0]))

/*
 * A new dict holding kv[0..n), or NULL when out of memory: the per-port,
 * per-worker and per-pool containers are lists of numbers, plus a few
 * strings the caller adds.
 */
static struct rte_tel_data *tel_u64_dict(const struct tel_u64 *kv, size_t n)
{
	struct rte_tel_data *c = rte_tel_data_alloc();

	if (!c)
		return NULL;
	rte_tel_data_start_dict(c);
	for (size_t i = 0; i < n; i++)
		rte_tel_data_add_dict_u64(c, kv[i].key, kv[i].value);
	return c;
}

static int tel_stats_locked(const char *params, struct rte_tel_data *d)
{
	struct worker_counters sum;
	(void)params;

	memset(&sum, 0, sizeof(sum));
	for (unsigned w = 0; w < tel_n_workers; w++) {
		const struct worker_counters *c = &tel_workers[w].ctr;
#define COUNTER_SUM(name) sum.name += c->name;
		COUNTER_LIST(COUNTER_SUM)
#undef COUNTER_SUM
		for (unsigned r = 0; r < DROP__COUNT; r++)
			sum.drops[r] += c->drops[r];
		sum.parked_now += c->parked_now;
	}
	rte_tel_data_start_dict(d);
#define COUNTER_ADD(name) rte_tel_data_add_dict_u64(d, #name, sum.name);
	COUNTER_LIST(COUNTER_ADD)
#undef COUNTER_ADD
	rte_tel_data_add_dict_u64(d, "parked_now", sum.parked_now);
	for (unsigned r = 1; r < DROP__COUNT; r++) {
		char key[64] = "drop_";
		const char *n = drop_reason_name((enum drop_reason)r);
		size_t k = 5;
		for (; *n && k < sizeof(key) - 1; n++)
			key[k++] = *n == '-' ? '_' : *n;
		key[k] = '\0';
		rte_tel_data_add_dict_u64(d, key, sum.drops[r]);
	}
#define CONTROL_ADD(name) \
	rte_tel_data_add_dict_u64(d, #name, \
				  atomic_load_explicit(&tel_control->name, memory_order_relaxed));
	CONTROL_ADD(journal_records)
	CONTROL_ADD(journal_commits)
	CONTROL_ADD(journal_write_errors)
	CONTROL_ADD(journal_last_commit_ns)
	CONTROL_ADD(journal_bytes)
	CONTROL_ADD(journal_generation)
	CONTROL_ADD(compactions)
	CONTROL_ADD(recovered_leases)
	CONTROL_ADD(recovery_ms)
	CONTROL_ADD(journal_failing)
	CONTROL_ADD(journal_records_lost)
	CONTROL_ADD(clock_steps)
#undef CONTROL_ADD
	rte_tel_data_add_dict_int(
	    d, "clock_offset_ms",
	    (int)atomic_load_explicit(&tel_control->clock_offset_ms, memory_order_relaxed));
	return 0;
}

struct leases_walk {
	const struct lease_filter *filter;
	uint64_t matched;
	uint64_t by_state[LEASE_STATE__COUNT];
	uint64_t total;
	struct rte_tel_data *sample;
	unsigned sampled;
};

static int leases_visit(const struct lease *l, const struct lw_config *cfg, void *arg)
{
	struct leases_walk *lw = arg;

	lw->total++;
	if (lw->filter && lease_filter_match(lw->filter, l, cfg))
		lw->matched++;
	if (l->state < LEASE_STATE__COUNT)
		lw->by_state[l->state]++;
	if (lw->sampled < LEASES_SAMPLE && l->ip) {
		char line[96], ip[16], mac[64];
		lease_view_ip(l->ip, ip, sizeof(ip));
		lease_view_mac(l, mac, sizeof(mac));
		snprintf(line, sizeof(line), "%s %s %s", ip, lease_state_name(l->state), mac);
		rte_tel_data_add_array_string(lw->sample, line);
		lw->sampled++;
	}
	return 0;
}

static int tel_leases_locked(const char *params, struct rte_tel_data *d)
{
	struct leases_walk lw = { 0 };
	struct lease_filter f;

	/* Optional filter, as "show leases": e.g. /leasewire/leases,state bound subnet 1 */
	if (params && *params) {
		char buf[256], *argv[16], *save = NULL, err[160];
		int argc = 0, used;
		snprintf(buf, sizeof(buf), "%s", params);
		for (char *t = strtok_r(buf, " ,", &save); t && argc < 16;
		     t = strtok_r(NULL, " ,", &save))
			argv[argc++] = t;
		if (lease_filter_parse(&f, argc, argv, &used, err, sizeof(err)) < 0 || used != argc)
			return -EINVAL;
		lw.filter = &f;
	}
	lw.sample = rte_tel_data_alloc();
	if (!lw.sample)
		return -ENOMEM;
	rte_tel_data_start_array(lw.sample, RTE_TEL_STRING_VAL);
	rcu_register_thread();
	lease_view_walk(tel_table, tel_live, leases_visit, &lw);
	rcu_unregister_thread();

	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "count", lw.total);
	if (lw.filter)
		rte_tel_data_add_dict_u64(d, "matched", lw.matched);
	for (unsigned s = 0; s < LEASE_STATE__COUNT; s++)
		rte_tel_data_add_dict_u64(d, lease_state_name((uint8_t)s), lw.by_state[s]);
	rte_tel_data_add_dict_container(d, "sample", lw.sample, 0);
	return 0;
}

static void lease_dict(struct rte_tel_data *d, const struct lease_view_rec *r)
{
	const struct lease *l = &r->lease;
	char buf[2 * LEASE_KEY_MAX + LEASE_NAME_MAX];

	/* A key per listed field (mgmt/lease_view.h), then those built from several. */
	for (size_t i = 0; i < lease_field_views_n; i++) {
		const struct lease_field_view *v = &lease_field_views[i];
		int64_t x = v->value(r);
		switch (v->kind) {
		case LV_IP4:
		case LV_STATE:
		case LV_FO_STATUS:
			lease_view_field_text(v, r, buf, sizeof(buf));
			rte_tel_data_add_dict_string(d, v->key, buf);
			break;
		case LV_NAME: rte_tel_data_add_dict_string(d, v->key, r->fqdn.bytes); break;
		case LV_TIME:
		case LV_EXPIRY:
		case LV_UINT:
		case LV_FLAGS:
		case LV_FO_FLAGS:
		case LV_DNS_FLAGS:
		case LV_SECS: rte_tel_data_add_dict_u64(d, v->key, x < 0 ? 0 : (uint64_t)x); break;
		}
	}
	lease_view_mac(l, buf, sizeof(buf));
	rte_tel_data_add_dict_string(d, "hw_address", buf);
	/* Hex without colons, unlike the shell's client-id: kept as telemetry always gave it. */
	buf[0] = '\0';
	if (l->key_len > 1 && l->key[0] == LEASE_KEY_CLIENT_ID)
		for (unsigned i = 1; i < l->key_len && 2 * i < sizeof(buf); i++)
			snprintf(buf + 2 * (i - 1), 3, "%02x", l->key[i]);
	rte_tel_data_add_dict_string(d, "client_id", buf);
	rte_tel_data_add_dict_u64(d, "journal_seq", l->journal_seq);
}

static int tel_lease_locked(const char *params, struct rte_tel_data *d)
{
	struct in_addr a;

	if (!params || inet_pton(AF_INET, params, &a) != 1)
		return -EINVAL;
	uint32_t ip = ntohl(a.s_addr);
	struct lease_view_rec copy; /* the walk goes quiescent: a copy, not a pointer */

	rte_tel_data_start_dict(d);
	rcu_register_thread();
	bool found = lease_view_find_ip(tel_table, NULL, ip, &copy);
	if (found) {
		lease_dict(d, &copy);
	} else {
		rte_tel_data_add_dict_string(d, "ip", params);
		rte_tel_data_add_dict_string(d, "state", "none");
	}
	rcu_unregister_thread();
	return 0;
}

/* ------------------------------------------------------------------ views */

static int tel_version_locked(const char *params, struct rte_tel_data *d)
{
	(void)params;
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "leasewire", LW_TEL_VERSION);
	rte_tel_data_add_dict_string(d, "dpdk", rte_version());
	rte_tel_data_add_dict_u64(d, "workers", tel_status->n_workers);
	rte_tel_data_add_dict_u64(d, "ports", tel_status->n_ports);
	return 0;
}

static int tel_uptime_locked(const char *params, struct rte_tel_data *d)
{
	(void)params;
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "started_unix", (uint64_t)tel_started_unix);
	rte_tel_data_add_dict_u64(d, "uptime_secs", (uint64_t)(time(NULL) - tel_started_unix));
	return 0;
}

static struct rte_tel_data *tel_block_dict(const struct counter_block *b)
{
	struct rte_tel_data *v = rte_tel_data_alloc();

	if (!v)
		return NULL;
	rte_tel_data_start_dict(v);
	for (unsigned i = 0; i < b->n; i++)
		rte_tel_data_add_dict_u64(
		    v, b->names[i], atomic_load_explicit(&b->values[i], memory_order_relaxed));
	return v;
}

/* Every registered counter block (counter_block.h), or the one named in params. */
static int tel_counters_locked(const char *params, struct rte_tel_data *d)
{
	unsigned n;
	const struct counter_block *one = NULL;
	const struct counter_block *const *b = counter_registry_blocks(tel_counters, &n);

	if (params && *params) {
		one = counter_registry_find(tel_counters, params);
		if (!one)
			return -EINVAL;
		b = &one;
		n = 1;
	}
	rte_tel_data_start_dict(d);
	for (unsigned i = 0; i < n; i++) {
		struct rte_tel_data *v = tel_block_dict(b[i]);
		if (!v || rte_tel_data_add_dict_container(d, b[i]->name, v, 0) != 0) {
			rte_tel_data_free(v);
			return -ENOMEM;
		}
	}
	return 0;
}

/* Telemetry strings are short (RTE_TEL_MAX_STRING_LEN): the text goes as lines. */
static int tel_running_config_locked(const char *params, struct rte_tel_data *d)
{
	struct rte_tel_data *lines = rte_tel_data_alloc();
	(void)params;

	if (!lines)
		return -ENOMEM;
	rte_tel_data_start_array(lines, RTE_TEL_STRING_VAL);
	rte_tel_data_start_dict(d);
	rcu_register_thread();
	const struct config_snapshot *snap = rcu_dereference(*tel_live);
	rte_tel_data_add_dict_string(d, "source", snap->source);
	rte_tel_data_add_dict_u64(d, "generation", snap->generation);
	rte_tel_data_add_dict_u64(d, "loaded_unix", (uint64_t)snap->loaded_unix);
	for (const char *p = snap->text_masked; p && *p;) {
		size_t n = strcspn(p, "\n");
		char line[RTE_TEL_MAX_STRING_LEN];
		snprintf(line, sizeof(line), "%.*s", (int)n, p);
		if (rte_tel_data_add_array_string(lines, line) < 0)
			break; /* RTE_TEL_MAX_ARRAY_ENTRIES lines at most */
		p += n + (p[n] == '\n');
	}
	rcu_unregister_thread();
	rte_tel_data_add_dict_container(d, "lines", lines, 0);
	return 0;
}

static int tel_interfaces_locked(const char *params, struct rte_tel_data *d)
{
	(void)params;
	rte_tel_data_start_dict(d);
	for (unsigned i = 0; i < tel_status->n_ports; i++) {
		struct port_status p;
		char ip[16];
		if (tel_status->port(i, &p) < 0)
			continue;
		const struct tel_u64 kv[] = {
			{ "port", p.port_id },		{ "prefix_len", p.prefix_len },
			{ "speed_mbps", p.speed_mbps }, { "rx_queues", p.n_rxq },
			{ "tx_queues", p.n_txq },	{ "ipackets", p.ipackets },
			{ "opackets", p.opackets },	{ "ibytes", p.ibytes },
			{ "obytes", p.obytes },		{ "ierrors", p.ierrors },
			{ "oerrors", p.oerrors },	{ "imissed", p.imissed },
			{ "rx_nombuf", p.rx_nombuf },
		};
		struct rte_tel_data *c = tel_u64_dict(kv, TEL_N(kv));
		if (!c)
			continue;
		rte_tel_data_add_dict_string(c, "driver", p.driver);
		rte_tel_data_add_dict_string(c, "mac", p.mac);
		lease_view_ip(p.address, ip, sizeof(ip));
		rte_tel_data_add_dict_string(c, "address", ip);
		rte_tel_data_add_dict_string(c, "link", p.link_up ? "up" : "down");
		rte_tel_data_add_dict_container(d, p.name, c, 0);
	}
	return 0;
}

static int tel_workers_view_locked(const char *params, struct rte_tel_data *d)
{
	(void)params;
	rte_tel_data_start_dict(d);
	for (unsigned i = 0; i < tel_status->n_workers; i++) {
		struct worker_status w;
		char name[24];
		tel_status->worker(i, &w);
		const struct tel_u64 kv[] = {
			{ "lcore", w.lcore },
			{ "rx_packets", w.rx_packets },
			{ "tx_packets", w.tx_packets },
			{ "steer_ring_used", w.steer_ring_used },
			{ "steer_ring_size", w.steer_ring_size },
			{ "event_ring_used", w.event_ring_used },
			{ "event_ring_size", w.event_ring_size },
			{ "cmd_ring_used", w.cmd_ring_used },
			{ "cmd_ring_size", w.cmd_ring_size },
			{ "parked_acks", w.parked_now },
		};
		struct rte_tel_data *c = tel_u64_dict(kv, TEL_N(kv));
		if (!c)
			continue;
		snprintf(name, sizeof(name), "worker%u", i);
		rte_tel_data_add_dict_container(d, name, c, 0);
	}
	return 0;
}

#define TEL_POOLS_MAX 64

static int tel_pools_locked(const char *params, struct rte_tel_data *d)
{
	struct pool_usage pools[TEL_POOLS_MAX];
	(void)params;

	rcu_register_thread();
	size_t n =
	    lease_view_pools_usage(tel_table, rcu_dereference(*tel_live)->cfg, pools, TEL_POOLS_MAX,
				   control_counters_lease_now(tel_control, time(NULL)));
	rcu_unregister_thread();
	rte_tel_data_start_dict(d);
	for (size_t i = 0; i < n; i++) {
		const struct pool_usage *p = &pools[i];
		char a[16], b[16], name[48];
		uint64_t held = p->bound + p->offered + p->declined;
		const struct tel_u64 kv[] = {
			{ "subnet_id", p->subnet_id },
			{ "size", p->size },
			{ "used", p->bound },
			{ "free", p->size - held },
			{ "offered", p->offered },
			{ "declined", p->declined },
			{ "utilisation_permille", p->size ? held * 1000 / p->size : 0 },
		};
		struct rte_tel_data *c = tel_u64_dict(kv, TEL_N(kv));
		if (!c)
			continue;
		lease_view_ip(p->first, a, sizeof(a));
		lease_view_ip(p->last, b, sizeof(b));
		/* Telemetry names allow letters, digits and '_': the range goes in fields. */
		size_t nth = 0;
		for (size_t k = 0; k < i; k++)
			nth += pools[k].subnet_id == p->subnet_id;
		snprintf(name, sizeof(name), "subnet%u_pool%zu", p->subnet_id, nth);
		rte_tel_data_add_dict_string(c, "first", a);
		rte_tel_data_add_dict_string(c, "last", b);
		rte_tel_data_add_dict_container(d, name, c, 0);
	}
	return 0;
}

static int tel_journal_locked(const char *params, struct rte_tel_data *d)
{
	(void)params;
	rte_tel_data_start_dict(d);
#define JOURNAL_ADD(key, name) \
	rte_tel_data_add_dict_u64(d, key, \
				  atomic_load_explicit(&tel_control->name, memory_order_relaxed));
	JOURNAL_ADD("generation", journal_generation)
	JOURNAL_ADD("sequence", journal_last_seq)
	JOURNAL_ADD("committed_sequence", journal_committed_seq)
	JOURNAL_ADD("records", journal_records)
	JOURNAL_ADD("commits", journal_commits)
	JOURNAL_ADD("bytes", journal_bytes)
	JOURNAL_ADD("last_commit_ns", journal_last_commit_ns)
	JOURNAL_ADD("write_errors", journal_write_errors)
	JOURNAL_ADD("compactions", compactions)
	JOURNAL_ADD("failing", journal_failing)
	JOURNAL_ADD("failing_since_unix", journal_failing_since_unix)
	JOURNAL_ADD("records_lost", journal_records_lost)
#undef JOURNAL_ADD
	uint64_t snap =
	    atomic_load_explicit(&tel_control->journal_last_snapshot_unix, memory_order_relaxed);
	rte_tel_data_add_dict_u64(d, "snapshot_unix", snap);
	rte_tel_data_add_dict_int(d, "snapshot_age_secs",
				  snap ? (int)(time(NULL) - (int64_t)snap) : -1);
	return 0;
}

/* "show ddns" as lines, and the engine's totals (the telemetry twin). */
static int tel_ddns_locked(const char *params, struct rte_tel_data *d)
{
	char text[4096];
	struct rte_tel_data *lines;

	(void)params;
	rte_tel_data_start_dict(d);
	if (!tel_ddns) {
		rte_tel_data_add_dict_string(d, "ddns", "not configured");
		return 0;
	}
	lines = rte_tel_data_alloc();
	if (!lines)
		return -ENOMEM;
	rte_tel_data_start_array(lines, RTE_TEL_STRING_VAL);
	tel_ddns(tel_ddns_arg, text, sizeof(text));
	for (const char *p = text; *p;) {
		size_t n = strcspn(p, "\n");
		char line[RTE_TEL_MAX_STRING_LEN];
		snprintf(line, sizeof(line), "%.*s", (int)n, p);
		if (rte_tel_data_add_array_string(lines, line) < 0)
			break;
		p += n + (p[n] == '\n');
	}
	rte_tel_data_add_dict_container(d, "lines", lines, 0);
	const struct counter_block *b = counter_registry_find(tel_counters, "ddns");
	for (unsigned i = 0; b && i < b->n; i++)
		rte_tel_data_add_dict_u64(
		    d, b->names[i], atomic_load_explicit(&b->values[i], memory_order_relaxed));
	return 0;
}

static int tel_failover_locked(const char *params, struct rte_tel_data *d)
{
	struct fo_status st;

	(void)params;
	rte_tel_data_start_dict(d);
	if (!tel_failover) {
		rte_tel_data_add_dict_string(d, "relationship", "none (standalone)");
		return 0;
	}
	fo_status_read(tel_failover, &st);
	rte_tel_data_add_dict_string(d, "relationship", st.name);
	rte_tel_data_add_dict_string(d, "role", st.primary ? "primary" : "secondary");
	rte_tel_data_add_dict_string(d, "state", fo_server_state_name(st.state));
	rte_tel_data_add_dict_int(d, "startup", st.startup);
	rte_tel_data_add_dict_u64(d, "state_since_unix", (uint64_t)st.stos);
	rte_tel_data_add_dict_string(d, "partner_state",
				     st.partner_known ? fo_server_state_name(st.partner_state)
						      : "unknown");
	rte_tel_data_add_dict_int(d, "partner_startup", st.partner_startup);
	rte_tel_data_add_dict_u64(d, "partner_state_since_unix", (uint64_t)st.partner_stos);
	rte_tel_data_add_dict_int(d, "connected", st.connected);
	rte_tel_data_add_dict_u64(d, "last_contact_unix", (uint64_t)st.last_contact);
	rte_tel_data_add_dict_u64(d, "mclt", st.mclt);
	rte_tel_data_add_dict_u64(d, "buckets_served", st.buckets_served);
	rte_tel_data_add_dict_u64(d, "updates_in_flight", st.unacked);
	rte_tel_data_add_dict_u64(d, "updates_queued", st.queued);
	rte_tel_data_add_dict_u64(d, "partner_max_unacked", st.partner_max_unacked);
#define FO_TEL_COUNTER(name) \
	rte_tel_data_add_dict_u64( \
	    d, #name, atomic_load_explicit(&tel_failover->ctr.name, memory_order_relaxed));
	FO_COUNTER_LIST(FO_TEL_COUNTER)
#undef FO_TEL_COUNTER
	return 0;
}

/* ------------------------------------------------------------ endpoints */

/* When an endpoint can be registered: its handler reads what that call hands over. */
enum tel_group {
	TEL_WITH_TABLE, /* telemetry_register: workers, lease table, control counters */
	TEL_WITH_VIEWS, /* telemetry_register_views: status, live config, start time */
};

struct tel_endpoint {
	enum tel_group group;
	const char *path;
	int (*handler)(const char *params, struct rte_tel_data *d); /* under tel_lock */
	const char *help;
};

/* Every /leasewire endpoint, one line each. */
static const struct tel_endpoint tel_endpoints[] = {
	{ TEL_WITH_TABLE, "/leasewire/stats", tel_stats_locked,
	  "Counters summed over workers, drops by reason" },
	{ TEL_WITH_TABLE, "/leasewire/leases", tel_leases_locked,
	  "Lease records by state, with a sample" },
	{ TEL_WITH_TABLE, "/leasewire/lease", tel_lease_locked,
	  "One lease by address. Parameters: IPv4 address" },
	{ TEL_WITH_VIEWS, "/leasewire/version", tel_version_locked,
	  "leasewire and DPDK versions (shell: show version)" },
	{ TEL_WITH_VIEWS, "/leasewire/uptime", tel_uptime_locked,
	  "Start time and uptime (shell: show uptime)" },
	{ TEL_WITH_VIEWS, "/leasewire/running_config", tel_running_config_locked,
	  "Configuration in force, secrets masked, as lines" },
	{ TEL_WITH_VIEWS, "/leasewire/interfaces", tel_interfaces_locked,
	  "Ports: link, queues, counters (shell: show interfaces)" },
	{ TEL_WITH_VIEWS, "/leasewire/workers", tel_workers_view_locked,
	  "Per worker counters and ring occupancy (shell: show workers)" },
	{ TEL_WITH_VIEWS, "/leasewire/statistics", tel_stats_locked,
	  "Same as /leasewire/stats (shell: show statistics)" },
	{ TEL_WITH_VIEWS, "/leasewire/pools", tel_pools_locked,
	  "Pool size, used, free, offered, declined (shell: show pools)" },
	{ TEL_WITH_VIEWS, "/leasewire/journal", tel_journal_locked,
	  "Journal sequence, commits, latency, snapshot (shell: show journal)" },
	{ TEL_WITH_VIEWS, "/leasewire/failover", tel_failover_locked,
	  "Failover states, connection, buckets, updates, counters (shell: show failover)" },
	{ TEL_WITH_VIEWS, "/leasewire/ddns", tel_ddns_locked,
	  "DNS updates: servers, queue, outcomes (shell: show ddns)" },
	{ TEL_WITH_VIEWS, "/leasewire/counters", tel_counters_locked,
	  "Every module's counter block. Parameters: block name (shell: show counters)" },
};

/*
 * The one callback DPDK calls for every endpoint (it passes the command
 * name): under tel_lock, so that telemetry_detach() can wait out a query in
 * flight, and -ENODEV once detached.
 */
static int tel_dispatch(const char *cmd, const char *params, struct rte_tel_data *d)
{
	int rc = -ENODEV;

	pthread_mutex_lock(&tel_lock);
	for (size_t i = 0; tel_attached && i < TEL_N(tel_endpoints); i++)
		if (strcmp(cmd, tel_endpoints[i].path) == 0) {
			rc = tel_endpoints[i].handler(params, d);
			break;
		}
	pthread_mutex_unlock(&tel_lock);
	return rc;
}

static int tel_register_group(enum tel_group g)
{
	int rc = 0;

	for (size_t i = 0; i < TEL_N(tel_endpoints); i++)
		if (tel_endpoints[i].group == g)
			rc |= rte_telemetry_register_cmd(tel_endpoints[i].path, tel_dispatch,
							 tel_endpoints[i].help);
	return rc;
}

void telemetry_set_ddns(size_t (*show)(void *arg, char *buf, size_t cap), void *arg)
{
	pthread_mutex_lock(&tel_lock);
	tel_ddns = show;
	tel_ddns_arg = arg;
	pthread_mutex_unlock(&tel_lock);
}

void telemetry_detach(void)
{
	pthread_mutex_lock(&tel_lock);
	tel_attached = false;
	pthread_mutex_unlock(&tel_lock);
}

int telemetry_register(struct worker *workers, unsigned n_workers, struct lease_table *table,
		       const struct control_counters *control)
{
	tel_workers = workers;
	tel_n_workers = n_workers;
	tel_table = table;
	tel_control = control;
	pthread_mutex_lock(&tel_lock);
	tel_attached = true;
	pthread_mutex_unlock(&tel_lock);
	return tel_register_group(TEL_WITH_TABLE);
}

int telemetry_register_views(const struct status_ops *status, struct config_snapshot **live,
			     int64_t started_unix, const struct counter_registry *counters,
			     struct fo_status_board *failover)
{
	pthread_mutex_lock(&tel_lock);
	tel_failover = failover;
	tel_counters = counters;
	tel_status = status;
	tel_live = live;
	tel_started_unix = started_unix;
	pthread_mutex_unlock(&tel_lock);
	return tel_register_group(TEL_WITH_VIEWS);
}
