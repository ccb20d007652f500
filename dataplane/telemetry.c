/* SPDX-License-Identifier: BSD-3-Clause */
#include "telemetry.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <rte_telemetry.h>
#include <urcu-qsbr.h>

#define LEASES_SAMPLE 100

static struct worker *tel_workers;
static unsigned tel_n_workers;
static struct lease_table *tel_table;
static const struct control_counters *tel_control;
/* Held by every callback while it reads the daemon's state, so that
 * telemetry_detach() can wait out a query in flight before shutdown frees
 * what the callbacks point at (DPDK has no way to unregister a command). */
static pthread_mutex_t tel_lock = PTHREAD_MUTEX_INITIALIZER;
static bool tel_attached;

static void ip_str(uint32_t ip, char *buf, size_t len)
{
	snprintf(buf, len, "%u.%u.%u.%u", ip >> 24, ip >> 16 & 0xff, ip >> 8 & 0xff, ip & 0xff);
}

static void mac_str(const struct lease *l, char *buf, size_t len)
{
	size_t off = 0;
	buf[0] = '\0';
	for (unsigned i = 0; i < l->hlen && i < 16 && off + 3 < len; i++)
		off += (size_t)snprintf(buf + off, len - off, i ? ":%02x" : "%02x", l->chaddr[i]);
}

static int tel_stats_locked(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct worker_counters sum;
	(void)cmd;
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
#undef CONTROL_ADD
	return 0;
}

struct leases_walk {
	uint64_t by_state[LEASE_STATE__COUNT];
	uint64_t total;
	struct rte_tel_data *sample;
	unsigned sampled;
};

static int leases_visit(const struct lease *l, void *arg)
{
	struct leases_walk *lw = arg;

	lw->total++;
	if (l->state < LEASE_STATE__COUNT)
		lw->by_state[l->state]++;
	if (lw->sampled < LEASES_SAMPLE && l->ip) {
		char line[96], ip[16], mac[64];
		ip_str(l->ip, ip, sizeof(ip));
		mac_str(l, mac, sizeof(mac));
		snprintf(line, sizeof(line), "%s %s %s", ip, lease_state_name(l->state), mac);
		rte_tel_data_add_array_string(lw->sample, line);
		lw->sampled++;
	}
	return 0;
}

static int tel_leases_locked(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct leases_walk lw = { 0 };
	(void)cmd;
	(void)params;

	lw.sample = rte_tel_data_alloc();
	if (!lw.sample)
		return -ENOMEM;
	rte_tel_data_start_array(lw.sample, RTE_TEL_STRING_VAL);
	rcu_register_thread();
	lease_table_walk(tel_table, leases_visit, &lw);
	rcu_unregister_thread();

	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "count", lw.total);
	for (unsigned s = 0; s < LEASE_STATE__COUNT; s++)
		rte_tel_data_add_dict_u64(d, lease_state_name((uint8_t)s), lw.by_state[s]);
	rte_tel_data_add_dict_container(d, "sample", lw.sample, 0);
	return 0;
}

struct find_ip {
	uint32_t ip;
	const struct lease *found;
};

static int find_ip_visit(const struct lease *l, void *arg)
{
	struct find_ip *f = arg;
	if (l->ip == f->ip && (!f->found || l->cltt > f->found->cltt))
		f->found = l;
	return 0;
}

static void lease_dict(struct rte_tel_data *d, const struct lease *l)
{
	char buf[2 * LEASE_KEY_MAX + 1];

	ip_str(l->ip, buf, sizeof(buf));
	rte_tel_data_add_dict_string(d, "ip", buf);
	rte_tel_data_add_dict_string(d, "state", lease_state_name(l->state));
	mac_str(l, buf, sizeof(buf));
	rte_tel_data_add_dict_string(d, "hw_address", buf);
	buf[0] = '\0';
	if (l->key_len > 1 && l->key[0] == LEASE_KEY_CLIENT_ID)
		for (unsigned i = 1; i < l->key_len && 2 * i < sizeof(buf); i++)
			snprintf(buf + 2 * (i - 1), 3, "%02x", l->key[i]);
	rte_tel_data_add_dict_string(d, "client_id", buf);
	rte_tel_data_add_dict_u64(d, "subnet_id", l->subnet_id);
	rte_tel_data_add_dict_int(d, "cltt", (int)l->cltt);
	rte_tel_data_add_dict_u64(d, "expire", l->expire < 0 ? 0 : (uint64_t)l->expire);
	rte_tel_data_add_dict_u64(d, "lease_secs", l->lease_secs);
	rte_tel_data_add_dict_u64(d, "journal_seq", l->journal_seq);
}

static int tel_lease_locked(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct in_addr a;
	(void)cmd;

	if (!params || inet_pton(AF_INET, params, &a) != 1)
		return -EINVAL;
	struct find_ip f = { .ip = ntohl(a.s_addr) };

	rte_tel_data_start_dict(d);
	rcu_register_thread();
	f.found = lease_table_find_ip(tel_table, f.ip);
	if (!f.found)
		lease_table_walk(tel_table, find_ip_visit, &f); /* released/expired records */
	if (f.found) {
		lease_dict(d, f.found);
	} else {
		rte_tel_data_add_dict_string(d, "ip", params);
		rte_tel_data_add_dict_string(d, "state", "none");
	}
	rcu_unregister_thread();
	return 0;
}

#define TEL_GUARDED(fn) \
	static int fn(const char *cmd, const char *params, struct rte_tel_data *d) \
	{ \
		int rc = -ENODEV; \
		pthread_mutex_lock(&tel_lock); \
		if (tel_attached) \
			rc = fn##_locked(cmd, params, d); \
		pthread_mutex_unlock(&tel_lock); \
		return rc; \
	}
TEL_GUARDED(tel_stats)
TEL_GUARDED(tel_leases)
TEL_GUARDED(tel_lease)
#undef TEL_GUARDED

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
	int rc = rte_telemetry_register_cmd("/leasewire/stats", tel_stats,
					    "Counters summed over workers, drops by reason");
	rc |= rte_telemetry_register_cmd("/leasewire/leases", tel_leases,
					 "Lease records by state, with a sample");
	rc |= rte_telemetry_register_cmd("/leasewire/lease", tel_lease,
					 "One lease by address. Parameters: IPv4 address");
	return rc;
}
