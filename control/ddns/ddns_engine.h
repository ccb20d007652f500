/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The DNS update engine of the control thread (DESIGN.md sec 3, 6): it
 * takes name change requests (NCRs, as Kea's kea-dhcp4 hands them to D2,
 * ddns.md sec 6.1) and carries each out against the DNS servers of its
 * zones with RFC 2136 UPDATEs signed with TSIG (RFC 8945), following RFC
 * 4703's conflict resolution with DHCID (ddns.md sec 4). The DHCP side
 * decides what to ask (which name, which DHCID, which TTL, add or remove);
 * the engine decides how, and reports each request's outcome once.
 *
 * What it guarantees:
 *  - Every UPDATE is signed; a request whose zone has no key is refused at
 *    submit (-EPERM), never sent unsigned.
 *  - Zones: the longest configured domain that is a suffix of the FQDN
 *    (forward) or of the address's in-addr.arpa name (reverse), on a label
 *    boundary, case-insensitive (ddns_zone.h). No match: DDNS_OUT_NO_ZONE
 *    for that direction, counted and logged.
 *  - Requests for one FQDN (or one DHCID) run one at a time and in the
 *    order they were submitted: an add then a remove of a name land in that
 *    order, whatever retries either needs. Unrelated requests run in
 *    parallel, up to cfg->max_in_flight at once.
 *  - Nothing is lost to a server outage: a message that gets no
 *    authenticated answer within server_timeout_ms is sent again (a new
 *    DNS id each time) up to tries_per_server times, then to the domain's
 *    next server; when every server has failed (timeouts, SERVFAIL,
 *    NOTIMP, REFUSED, NOTAUTH, TSIG errors) the request waits with
 *    exponential back-off between retry_min_ms and retry_max_ms and tries
 *    again, from the step it had reached, for as long as it takes. A server
 *    that timed out is "unreachable" while its own back-off runs: requests
 *    for its zones wait instead of timing out one by one, and one request
 *    probes it when the back-off ends.
 *  - Other rcodes are final (DDNS_OUT_REJECTED), logged.
 *  - Answers are believed only when their TSIG verifies (ddns_msg.h);
 *    unsigned or badly signed answers are counted, logged once per burst
 *    and the wait goes on (RFC 8945 sec 5.3.2: they may be forged).
 *  - UDP first, over connected non-blocking sockets (a few per server, so
 *    the answers' source port and our DNS id must both match), TCP when an
 *    answer comes back truncated. The engine never blocks.
 *
 * The queue bound (cfg->max_queue) counts the requests waiting to start
 * or to be retried; at the bound an ADD is refused (-ENOSPC, counted in
 * dropped_adds: the lease is served, its name not registered) but a
 * REMOVE is always taken, since a removal dropped is a stale record left
 * in the zone for good. Removals are bounded by the leases that have names.
 *
 * Thread contract: one thread (the control thread) calls everything; the
 * done callback runs inside ddns_engine_poll, never inside submit. The
 * counter block (ddns_engine_counters) may be read from any thread.
 */
#ifndef LW_DDNS_ENGINE_H
#define LW_DDNS_ENGINE_H

#include <stdbool.h>
#include <stdint.h>

#include "config/config.h"
#include "mgmt/counter_block.h"

enum ddns_ncr_kind { DDNS_NCR_ADD = 1, DDNS_NCR_REMOVE = 2 };

/* A name change request (Kea's NCR). */
struct ddns_ncr {
	uint8_t kind; /* enum ddns_ncr_kind */
	bool fwd, rev; /* forward (A + DHCID) and/or reverse (PTR + DHCID) */
	uint8_t mode; /* enum cfg_ddns_conflict_mode */
	uint32_t ip; /* host order */
	uint32_t ttl; /* of the records added (ignored by removals) */
	uint8_t dhcid[35]; /* RFC 4701 RDATA, computed by the caller over fqdn */
	char fqdn[CFG_DNS_NAME_MAX]; /* absolute, lower case, "h.example.test." */
	uint64_t cookie; /* the caller's; handed back with the result */
};

enum ddns_outcome {
	DDNS_OUT_NONE = 0, /* not asked */
	DDNS_OUT_OK, /* the records are as asked (added / removed) */
	/*
	 * Add: the name is held by another client or is static (DHCID
	 * differs or absent, RFC 4703 sec 5.3.1): nothing changed. Remove:
	 * the records are not ours (or already gone): nothing removed.
	 */
	DDNS_OUT_CONFLICT,
	DDNS_OUT_REJECTED, /* a final rcode (FORMERR, NOTZONE, YXRRSET ...); logged */
	DDNS_OUT_NO_ZONE, /* no configured domain for the name */
	DDNS_OUT_SKIPPED, /* reverse of an add whose forward step ended in conflict or rejection */
};

struct ddns_result {
	enum ddns_outcome fwd, rev;
};

const char *ddns_outcome_name(enum ddns_outcome o);

/* Called once per accepted request, from ddns_engine_poll. ncr is valid during the call only. */
typedef void ddns_done_fn(void *ctx, const struct ddns_ncr *ncr, const struct ddns_result *res);

/*
 * An engine for cfg (copied; the caller may free it). Zero timing fields
 * take the defaults: server_timeout_ms 500, tries_per_server 3,
 * retry_min_ms 1000, retry_max_ms 60000, max_in_flight 32, max_queue 1024
 * (Kea D2's). Opens the UDP sockets (connect only: nothing is sent yet).
 * NULL with errno: EINVAL (a key ldns cannot sign with, a domain without
 * servers; logged), or what socket() said. Control thread (start-up).
 */
struct ddns_engine *ddns_engine_new(const struct cfg_ddns *cfg, ddns_done_fn *done, void *ctx);
void ddns_engine_free(struct ddns_engine *e);

/*
 * Queue a request. 0; -ENOSPC: an ADD at the queue bound (counted); -EPERM:
 * a zone it needs has no TSIG key; -EINVAL: a malformed request (kind,
 * mode, fqdn not absolute, neither fwd nor rev). Never calls done.
 */
int ddns_engine_submit(struct ddns_engine *e, const struct ddns_ncr *ncr);

/*
 * Do what can be done now without waiting: read every answer that
 * arrived, expire timeouts, start queued requests, report finished ones.
 * now_ns is CLOCK_MONOTONIC (mono_clock.h). Never blocks.
 */
void ddns_engine_poll(struct ddns_engine *e, int64_t now_ns);

/*
 * The sockets a poll loop may wait on (readable: call ddns_engine_poll),
 * up to max of them into fds; returns how many there are. TCP sockets
 * come and go with the requests that need them and are not listed.
 */
unsigned ddns_engine_fds(const struct ddns_engine *e, int *fds, unsigned max);

/* Requests accepted and not yet reported (queued + in flight). */
unsigned ddns_engine_pending(const struct ddns_engine *e);

/* Test hook: send every message over TCP (as after TC=1), to exercise that path. */
void ddns_engine_set_tcp_only(struct ddns_engine *e, bool tcp_only);

/*
 * The engine's totals, one block "ddns" for "show counters" and
 * /leasewire/counters (counter_block.h): the names are DDNS_COUNTERS.
 */
#define DDNS_COUNTERS(X) \
	X(submitted) /* requests accepted */ \
	X(done) /* requests reported */ \
	X(queued) /* gauge: waiting to start or to be retried */ \
	X(in_flight) /* gauge: messages awaiting an answer */ \
	X(sent) /* messages sent (every attempt) */ \
	X(ok) /* directions done as asked */ \
	X(conflicts) /* directions left alone: the name is another client's */ \
	X(rejected) /* directions ended by a final rcode */ \
	X(no_zone) /* directions with no configured domain */ \
	X(retries) /* attempts after the first of a message */ \
	X(timeouts) /* attempts that got no authenticated answer in time */ \
	X(requeued) /* rounds over all servers that failed: back-off, then again */ \
	X(tcp) /* messages sent over TCP */ \
	X(tsig_bad) /* answers unsigned / BADSIG / BADKEY / BADTIME / bad MAC or time */ \
	X(bad_answers) /* answers with no matching request, garbled, not an answer */ \
	X(dropped_adds) /* adds refused: queue full */ \
	X(refused) /* requests refused at submit: unsigned zone or malformed */

#define DDNS_COUNTER_ENUM(n) DDNS_C_##n,
enum ddns_counter { DDNS_COUNTERS(DDNS_COUNTER_ENUM) DDNS_C_COUNT };
#undef DDNS_COUNTER_ENUM

const struct counter_block *ddns_engine_counters(const struct ddns_engine *e);
uint64_t ddns_engine_counter(const struct ddns_engine *e, enum ddns_counter c);

/* One DNS server (ip:port, shared by every domain that lists it), for "show ddns". */
struct ddns_server_stats {
	uint32_t ip; /* host order */
	uint16_t port;
	bool reachable; /* false while its back-off after timeouts runs */
	bool
	    tsig_alarm; /* it rejected our key (BADSIG, BADKEY, BADTIME) since its last good answer */
	uint32_t in_flight;
	uint64_t sent, ok, conflicts, failed, retries, timeouts, tsig_bad, bad_answers;
	char last_error[160];
};

/* How many servers the engine talks to; stats of server i (0 <= i < n). Control thread. */
unsigned ddns_engine_n_servers(const struct ddns_engine *e);
int ddns_engine_server_stats(const struct ddns_engine *e, unsigned i,
			     struct ddns_server_stats *out);

/* The engine's last error line (as logged), "" when none. Control thread. */
const char *ddns_engine_last_error(const struct ddns_engine *e);

#endif
