/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The DNS-updates control module (ddns.h): committed lease changes in,
 * name change requests to the engine, confirmations back to the workers.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <urcu-qsbr.h>

#include "base/mono_clock.h"
#include "control.h"
#include "control_cmd.h"
#include "ddns/client_name.h"
#include "ddns/ddns.h"
#include "ddns/ddns_dhcid.h"
#include "ddns/ddns_engine.h"
#include "lease/journal_record.h"
#include "lease/lease.h"
#include "mgmt/lease_view.h"

/*
 * What a request needs to find its binding again when it is done. Jobs
 * live on a list so that those still in the engine at the stop are freed.
 */
struct ddns_job {
	struct ddns_job *prev, *next;
	uint8_t kind;
	uint8_t key_len;
	uint32_t ip;
	uint32_t addr_version;
	uint8_t key[LEASE_KEY_MAX];
};

struct staged {
	struct ddns_ncr ncr;
	struct ddns_job *job;
};

/* A confirmation the worker's ring had no room for: pushed again next pass. */
struct pending_cmd {
	uint32_t ip, addr_version;
	uint8_t set, clear, key_len;
	uint8_t key[LEASE_KEY_MAX];
};

#define DDNS_MODULE_COUNTERS(X) \
	X(adds_requested) /* add requests submitted */ \
	X(removes_requested) /* removal requests submitted */ \
	X(recovered) /* requests found owed in the journal at start */ \
	X(partner_changes) /* changes the failover partner made: left to it */ \
	X(adds_dropped) /* adds the engine refused (queue full) */ \
	X(bad_names) /* names no DHCID could be computed for */ \
	X(confirmations) /* DNS_STATE commands pushed to workers */ \
	X(confirmations_deferred) /* ... that waited for room in a worker's ring */

#define DDNS_MODULE_ENUM(n) DM_##n,
enum { DDNS_MODULE_COUNTERS(DDNS_MODULE_ENUM) DM_COUNT };
#undef DDNS_MODULE_ENUM

struct ddns_ctl {
	struct control *c;
	struct ddns_engine *eng;
	struct staged *stage;
	unsigned n_stage, cap_stage;
	struct pending_cmd *cmds;
	unsigned n_cmds, cap_cmds;
	struct ddns_job jobs; /* list head: submitted, not yet done */
	bool recovered;
	_Atomic uint64_t ctr[DM_COUNT];
	struct counter_block block;
	/* "show ddns" reads this copy from the shell's thread. */
	pthread_mutex_t show_mu;
	char show[4096];
	size_t show_len;
};

#define DM_INC(d, n) atomic_fetch_add_explicit(&(d)->ctr[DM_##n], 1, memory_order_relaxed)

static const char *const module_counter_names[] = {
#define DDNS_MODULE_NAME(n) #n,
	DDNS_MODULE_COUNTERS(DDNS_MODULE_NAME)
#undef DDNS_MODULE_NAME
};

/* The ddns-* policy of the lease's subnet (resolved at load), or the global one. */
static const struct cfg_ddns_policy *policy_of(const struct lw_config *cfg, uint32_t subnet_id)
{
	for (size_t i = 0; i < cfg->n_subnets; i++)
		if (cfg->subnets[i].id == subnet_id)
			return &cfg->subnets[i].ddns;
	return &cfg->ddns_policy;
}

/* RFC 4702 sec 5: a share of the lease (one third unless ddns-ttl-percent), clamped. */
static uint32_t record_ttl(const struct cfg_ddns_policy *p, uint32_t lease_secs)
{
	uint64_t ttl = p->ttl_ppm ? (uint64_t)lease_secs * p->ttl_ppm / 1000000u : lease_secs / 3u;

	if (lease_secs == LEASE_INFINITE)
		ttl = p->ttl_max ? p->ttl_max : 86400;
	if (ttl < p->ttl_min)
		ttl = p->ttl_min;
	if (p->ttl_max && ttl > p->ttl_max)
		ttl = p->ttl_max;
	return (uint32_t)ttl;
}

/*
 * The request img owes DNS, if any: a removal when its binding ended with
 * records added, an add when the ACK wanted records not yet confirmed.
 */
static bool request_for(struct ddns_ctl *d, const struct lease_image *img, struct ddns_ncr *ncr)
{
	const struct cfg_ddns_policy *p;
	uint8_t f = img->dns_flags;

	if (!img->fqdn.len || img->ip == 0)
		return false;
	p = policy_of(d->c->cfg, img->subnet_id);
	memset(ncr, 0, offsetof(struct ddns_ncr, fqdn));
	ncr->ip = img->ip;
	ncr->mode = p->conflict_mode;
	if (f & LEASE_DNS_F_REMOVE_PENDING) {
		ncr->kind = DDNS_NCR_REMOVE;
		ncr->fwd = f & LEASE_DNS_F_FWD;
		ncr->rev = f & LEASE_DNS_F_REV;
	} else if (img->state == LEASE_BOUND && (f & LEASE_DNS_F_WANT)) {
		ncr->kind = DDNS_NCR_ADD;
		ncr->fwd =
		    (f & LEASE_DNS_F_WANT_FWD) && (p->update_on_renew || !(f & LEASE_DNS_F_FWD));
		ncr->rev =
		    (f & LEASE_DNS_F_WANT_REV) && (p->update_on_renew || !(f & LEASE_DNS_F_REV));
		ncr->ttl = record_ttl(p, img->lease_secs);
	}
	if (!ncr->fwd && !ncr->rev)
		return false;
	if (ddns_dhcid(img->key, img->key_len, img->fqdn.bytes, img->fqdn.len, ncr->dhcid) != 0) {
		DM_INC(d, bad_names);
		return false;
	}
	snprintf(ncr->fqdn, sizeof(ncr->fqdn), "%.*s.", (int)img->fqdn.len, img->fqdn.bytes);
	return true;
}

static struct ddns_job *job_for(const struct lease_image *img, uint8_t kind)
{
	struct ddns_job *j = malloc(sizeof(*j));

	if (!j)
		return NULL;
	j->kind = kind;
	j->ip = img->ip;
	j->addr_version = img->addr_version;
	j->key_len = img->key_len;
	memcpy(j->key, img->key, img->key_len);
	return j;
}

static void job_unlink(struct ddns_job *j)
{
	j->prev->next = j->next;
	j->next->prev = j->prev;
}

static void submit(struct ddns_ctl *d, struct ddns_ncr *ncr, struct ddns_job *job)
{
	int rc;

	ncr->cookie = (uint64_t)(uintptr_t)job;
	rc = ddns_engine_submit(d->eng, ncr);
	if (rc == 0) {
		job->next = &d->jobs;
		job->prev = d->jobs.prev;
		d->jobs.prev->next = job;
		d->jobs.prev = job;
		if (ncr->kind == DDNS_NCR_ADD)
			DM_INC(d, adds_requested);
		else
			DM_INC(d, removes_requested);
		return;
	}
	/* The engine counted and logged it; the binding keeps what it owes for the next start. */
	if (rc == -ENOSPC)
		DM_INC(d, adds_dropped);
	free(job);
}

void ddns_note_change(struct ddns_ctl *d, uint8_t rec_type, const struct lease_image *img)
{
	struct ddns_ncr ncr;
	struct ddns_job *job;

	if (!d || rec_type != JOURNAL_REC_UPSERT)
		return;
	if (img->fo_flags & LEASE_FO_F_FROM_PARTNER) {
		if (img->fqdn.len)
			DM_INC(d, partner_changes);
		return;
	}
	if (!request_for(d, img, &ncr))
		return;
	if (d->n_stage == d->cap_stage) {
		unsigned cap = d->cap_stage ? d->cap_stage * 2 : 64;
		struct staged *n = realloc(d->stage, cap * sizeof(*n));
		if (!n)
			return; /* owed in the journal: the next start sends it */
		d->stage = n;
		d->cap_stage = cap;
	}
	job = job_for(img, ncr.kind);
	if (!job)
		return;
	d->stage[d->n_stage].ncr = ncr;
	d->stage[d->n_stage].job = job;
	d->n_stage++;
}

void ddns_round_end(struct ddns_ctl *d, bool committed)
{
	if (!d)
		return;
	for (unsigned i = 0; i < d->n_stage; i++) {
		if (committed)
			submit(d, &d->stage[i].ncr, d->stage[i].job);
		else
			free(d->stage[i].job);
	}
	d->n_stage = 0;
}

/* ------------------------------------------------------- confirmations */

static bool push(struct ddns_ctl *d, const struct pending_cmd *p)
{
	if (control_push_dns_state(d->c, p->key, p->key_len, p->ip, p->addr_version, p->set,
				   p->clear) != 0)
		return false;
	DM_INC(d, confirmations);
	return true;
}

static void push_or_defer(struct ddns_ctl *d, const struct pending_cmd *p)
{
	if (push(d, p))
		return;
	if (d->n_cmds == d->cap_cmds) {
		unsigned cap = d->cap_cmds ? d->cap_cmds * 2 : 64;
		struct pending_cmd *n = realloc(d->cmds, cap * sizeof(*n));
		if (!n) {
			fprintf(stderr,
				"leasewired: ddns: out of memory: a DNS confirmation is lost "
				"until the next start re-sends its request\n");
			return;
		}
		d->cmds = n;
		d->cap_cmds = cap;
	}
	d->cmds[d->n_cmds++] = *p;
	DM_INC(d, confirmations_deferred);
}

static void flush_deferred(struct ddns_ctl *d)
{
	unsigned k = 0;

	for (unsigned i = 0; i < d->n_cmds; i++)
		if (!push(d, &d->cmds[i]))
			d->cmds[k++] = d->cmds[i];
	d->n_cmds = k;
}

/*
 * What a finished direction means for the lease's flags. An add: OK sets
 * the added bit; a conflict, a rejection or no zone drops the wish, so
 * renewals do not ask again (a new binding or a new name decides anew).
 * A removal: whatever the answer, the records are no longer ours to
 * remove (gone, another client's, or refused for good).
 */
static void add_outcome(enum ddns_outcome o, uint8_t done, uint8_t want, uint8_t *set,
			uint8_t *clear)
{
	switch (o) {
	case DDNS_OUT_OK: *set |= done; break;
	case DDNS_OUT_NONE: break;
	default: *clear |= want; break;
	}
}

static void on_done(void *ctx, const struct ddns_ncr *ncr, const struct ddns_result *res)
{
	struct ddns_ctl *d = ctx;
	struct ddns_job *job = (struct ddns_job *)(uintptr_t)ncr->cookie;
	uint8_t set = 0, clear = 0;

	if (!job)
		return;
	if (job->kind == DDNS_NCR_ADD) {
		add_outcome(res->fwd, LEASE_DNS_F_FWD, LEASE_DNS_F_WANT_FWD, &set, &clear);
		add_outcome(res->rev, LEASE_DNS_F_REV, LEASE_DNS_F_WANT_REV, &set, &clear);
	} else {
		clear = LEASE_DNS_F_REMOVE_PENDING | (ncr->fwd ? LEASE_DNS_F_FWD : 0) |
			(ncr->rev ? LEASE_DNS_F_REV : 0);
	}
	if (set || clear) {
		struct pending_cmd p = { .ip = job->ip,
					 .addr_version = job->addr_version,
					 .set = set,
					 .clear = clear,
					 .key_len = job->key_len };
		memcpy(p.key, job->key, job->key_len);
		push_or_defer(d, &p);
	}
	job_unlink(job);
	free(job);
}

/* ------------------------------------------------------------ recovery */

struct recover_ctx {
	struct ddns_ctl *d;
	unsigned n;
};

static int recover_visit(const struct lease *l, void *arg)
{
	struct recover_ctx *rc = arg;
	struct lease_image img;
	struct ddns_ncr ncr;
	struct ddns_job *job;

	if (!(l->dns_flags & (LEASE_DNS_F_WANT | LEASE_DNS_F_REMOVE_PENDING)))
		return 0;
	lease_image_from_lease(&img, l);
	if ((img.fo_flags & LEASE_FO_F_FROM_PARTNER) || !request_for(rc->d, &img, &ncr))
		return 0;
	job = job_for(&img, ncr.kind);
	if (job) {
		submit(rc->d, &ncr, job);
		rc->n++;
	}
	return 0;
}

/* What the journal says is owed to DNS (a crash, a kill -9, DNS down at the stop). */
static void recover(struct ddns_ctl *d)
{
	struct recover_ctx rc = { .d = d };

	rcu_thread_online();
	lease_table_walk(d->c->table, recover_visit, &rc);
	rcu_thread_offline();
	atomic_store_explicit(&d->ctr[DM_recovered], rc.n, memory_order_relaxed);
	if (rc.n)
		fprintf(stderr,
			"leasewired: ddns: %u DNS updates owed by the lease store sent again\n",
			rc.n);
}

/* -------------------------------------------------------------- module */

static void publish_show(struct ddns_ctl *d)
{
	char buf[sizeof(d->show)];
	size_t o = 0;
	unsigned n = ddns_engine_n_servers(d->eng);

	o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%-21s %-9s %8s %8s %8s %9s %8s  %s\n",
			      "server", "reachable", "inflight", "sent", "ok", "conflicts",
			      "failed", "last error");
	for (unsigned i = 0; i < n && o < sizeof(buf); i++) {
		struct ddns_server_stats st;
		char ip[16], a[32];
		if (ddns_engine_server_stats(d->eng, i, &st) != 0)
			continue;
		lease_view_ip(st.ip, ip, sizeof(ip));
		snprintf(a, sizeof(a), "%s:%u", ip, st.port);
		o += (size_t)snprintf(
		    buf + o, sizeof(buf) - o,
		    "%-21s %-9s %8u %8" PRIu64 " %8" PRIu64 " %9" PRIu64 " %8" PRIu64 "  %s\n", a,
		    st.reachable ? (st.tsig_alarm ? "tsig-alarm" : "yes") : "no", st.in_flight,
		    st.sent, st.ok, st.conflicts, st.failed,
		    st.last_error[0] ? st.last_error : "-");
	}
	if (o < sizeof(buf))
		o += (size_t)snprintf(
		    buf + o, sizeof(buf) - o,
		    "queued %" PRIu64 ", in flight %" PRIu64 ", dropped adds %" PRIu64
		    ", owed at start %" PRIu64 "\n",
		    ddns_engine_counter(d->eng, DDNS_C_queued),
		    ddns_engine_counter(d->eng, DDNS_C_in_flight),
		    ddns_engine_counter(d->eng, DDNS_C_dropped_adds),
		    atomic_load_explicit(&d->ctr[DM_recovered], memory_order_relaxed));
	if (o >= sizeof(buf))
		o = sizeof(buf) - 1;
	pthread_mutex_lock(&d->show_mu);
	memcpy(d->show, buf, o + 1);
	d->show_len = o;
	pthread_mutex_unlock(&d->show_mu);
}

size_t ddns_show(struct ddns_ctl *d, char *buf, size_t cap)
{
	size_t n;

	if (!d || !cap)
		return 0;
	pthread_mutex_lock(&d->show_mu);
	n = d->show_len < cap - 1 ? d->show_len : cap - 1;
	memcpy(buf, d->show, n);
	buf[n] = '\0';
	pthread_mutex_unlock(&d->show_mu);
	return n;
}

static void ddns_start(struct control *c)
{
	struct ddns_ctl *d = c->ddns;

	if (!d)
		return;
	d->block = (struct counter_block){ .name = "ddns_leases",
					   .n = DM_COUNT,
					   .names = module_counter_names,
					   .values = d->ctr };
	if (counter_registry_add(c->counter_registry, ddns_engine_counters(d->eng)) < 0 ||
	    counter_registry_add(c->counter_registry, &d->block) < 0)
		fprintf(stderr, "leasewired: counters: registry full, \"ddns\" not listed\n");
}

static void ddns_poll(struct control *c)
{
	struct ddns_ctl *d = c->ddns;

	if (!d)
		return;
	if (!d->recovered) {
		d->recovered = true;
		recover(d);
	}
	if (d->n_cmds)
		flush_deferred(d);
	/*
	 * Not busy while requests wait on the network: the loop's idle sleep
	 * (CONTROL_IDLE_SLEEP_US) is far below any DNS round trip, and a DNS
	 * server that is down for minutes must not make this thread spin.
	 */
	ddns_engine_poll(d->eng, mono_clock_ns());
}

static void ddns_timer(struct control *c)
{
	if (c->ddns)
		publish_show(c->ddns);
}

static void module_note_change(struct control *c, uint8_t rec_type, const struct lease_image *img)
{
	ddns_note_change(c->ddns, rec_type, img);
}

static void module_round_end(struct control *c, bool committed)
{
	ddns_round_end(c->ddns, committed);
}

const struct control_module control_ddns_module = {
	.name = "ddns",
	.start = ddns_start,
	.poll = ddns_poll,
	.timers = { { .period_ns = 500000000, .fn = ddns_timer } },
	.note_change = module_note_change,
	.round_end = module_round_end,
};

struct ddns_ctl *ddns_create(struct control *c, char *err, size_t errlen)
{
	struct ddns_ctl *d = calloc(1, sizeof(*d));

	if (!d) {
		snprintf(err, errlen, "ddns: out of memory");
		return NULL;
	}
	d->c = c;
	d->jobs.next = d->jobs.prev = &d->jobs;
	pthread_mutex_init(&d->show_mu, NULL);
	d->eng = ddns_engine_new(&c->cfg->ddns, on_done, d);
	if (!d->eng) {
		snprintf(err, errlen, "ddns: the update engine did not start: %s", strerror(errno));
		pthread_mutex_destroy(&d->show_mu);
		free(d);
		return NULL;
	}
	publish_show(d);
	return d;
}

void ddns_destroy(struct ddns_ctl *d)
{
	if (!d)
		return;
	ddns_round_end(d, false);
	ddns_engine_free(d->eng);
	/* Owed in the journal still: the next start sends them again. */
	while (d->jobs.next != &d->jobs) {
		struct ddns_job *j = d->jobs.next;
		job_unlink(j);
		free(j);
	}
	free(d->stage);
	free(d->cmds);
	pthread_mutex_destroy(&d->show_mu);
	free(d);
}
