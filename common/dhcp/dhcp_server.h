/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DHCP server semantics (RFC 2131 sec 4.3, RFC 951/1542/1534 for BOOTP):
 * given a parsed request and the link it arrived on, decide the reply, the
 * lease-table change and the binding-change events for the journal.
 *
 * Pure of DPDK and sockets so the whole decision path is unit-tested and
 * fuzzed on plain buffers. One struct dhcp_server per worker; every call
 * runs on that worker (the owner of the clients it handles, DESIGN.md sec 3)
 * as a registered QSBR reader.
 */
#ifndef LW_DHCP_SERVER_H
#define LW_DHCP_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dhcp/client_key.h"
#include "config/config.h"
#include "mgmt/counters.h"
#include "dhcp/dhcp_msg.h"
#include "failover/failover_view.h"
#include "lease/journal_record.h"
#include "lease/lease_table.h"

/* Key of an address in DECLINE probation: [LEASE_KEY_DECLINED, ip (4 bytes, BE), worker]. */
#define LEASE_KEY_DECLINED 3

/* A binding change for the control thread (fixed size, travels on a ring). */
struct lease_event {
	uint64_t seq; /* per-worker sequence, = the version's journal_seq */
	uint8_t type; /* enum journal_rec_type */
	uint8_t worker;
	struct lease_image img;
};

/* Bytes of ev that hold something: a copy may stop there (lease_image_used()). */
static inline size_t lease_event_used(const struct lease_event *ev)
{
	return offsetof(struct lease_event, img) + lease_image_used(&ev->img);
}

struct dhcp_link {
	const struct cfg_interface *iface; /* receiving interface */
	uint32_t src_ip; /* IPv4 source of the request */
	bool dst_unicast; /* sent to our address rather than broadcast */
};

#define DHCP_RESULT_MAX_EVENTS 2

struct dhcp_result {
	uint16_t reply_len; /* 0: send nothing */
	uint32_t reply_sum; /* inet_csum_partial() of the reply payload (dhcp_reply_sum()) */
	uint8_t reply_type; /* DHCPOFFER/ACK/NAK, DHCP_NONE for BOOTREPLY */
	bool
	    rai_not_echoed; /* option 82 did not fit and went out of the reply (RFC 3046 sec 2.2) */
	bool park; /* the reply confirms a binding: send only once durable */
	uint32_t server_ip; /* source address of the reply */
	uint32_t yiaddr;
	uint8_t n_events;
	struct lease_event events[DHCP_RESULT_MAX_EVENTS];
};

/*
 * The subnet part of a reply (mask, option 55 answers, defaults, always-send
 * options) depends only on the configuration, the subnet and the shape of
 * the request, so it is encoded once and copied after that. Entries are
 * looked up by subnet, request shape and option 55 bytes.
 */
#define DHCP_REPLY_MEMO_SLOTS 8
#define DHCP_REPLY_MEMO_PRL_MAX 64 /* longer option 55 lists are answered option by option */
#define DHCP_REPLY_MEMO_BLOCK_MAX 480 /* larger blocks are answered option by option */

struct dhcp_reply_memo {
	const struct cfg_subnet *subnet; /* NULL: empty slot */
	uint8_t shape; /* reply_shape bits (dhcp_reply.c) */
	uint8_t prl_len;
	uint16_t block_len; /* UINT16_MAX: too large, do not memoise */
	uint8_t prl[DHCP_REPLY_MEMO_PRL_MAX];
	uint8_t block[DHCP_REPLY_MEMO_BLOCK_MAX];
};

struct dhcp_server {
	struct lease_table *table;
	const struct lw_config *cfg;
	unsigned worker; /* this worker's index = its lease-table writer */
	uint64_t next_seq; /* last event sequence handed out (per worker, per run) */
	struct worker_counters *ctr;

	/*
	 * Caches derived from cfg, owner only, all-zero = empty (so a struct
	 * set up with a designated initializer starts clean). They are
	 * dropped whenever cfg differs from cache_cfg; code that replaces
	 * cfg should do it with dhcp_server_set_config(), which also drops
	 * them when a new configuration happens to reuse the old address.
	 */
	const struct lw_config *cache_cfg;
	const struct cfg_interface *sel_iface; /* subnet selection: last interface seen */
	const struct cfg_subnet *sel_first; /* its first subnet */
	size_t sel_count; /* how many subnets are on it */
	unsigned memo_next, memo_last;
	struct dhcp_reply_memo memo[DHCP_REPLY_MEMO_SLOTS];
};

/*
 * Register cfg's address ranges in table, as every table the server reads
 * must be built: each subnet's pools, then each reservation outside a pool
 * as a range of its own (one inside a pool is served by the pool's slot).
 * Returns 0 or lease_table_add_range()'s error. Start-up only, before any
 * writer runs.
 */
int dhcp_server_add_ranges(struct lease_table *table, const struct lw_config *cfg);

/* Replace the configuration the server reads (reload). Owner worker only. */
static inline void dhcp_server_set_config(struct dhcp_server *srv, const struct lw_config *cfg)
{
	srv->cfg = cfg;
	srv->cache_cfg = NULL; /* forces the caches to be rebuilt on next use */
}

/*
 * Handle one request. Writes the reply payload (BOOTP/DHCP, without L2-L4)
 * into reply[0..cap) and fills *res. Returns DROP_NONE when handled (a
 * RELEASE or DECLINE is handled with no reply), else the reason to drop and
 * count. Owner worker of the request's client only; may publish lease
 * versions. `now` is unix seconds.
 */
enum drop_reason dhcp_server_handle(struct dhcp_server *srv, const struct dhcp_msg *req,
				    const struct dhcp_link *link, const struct failover_view *view,
				    int64_t now, uint8_t *reply, size_t cap,
				    struct dhcp_result *res);

/*
 * The same, for a caller that already derived the request's client key
 * (client_key_from_msg(), e.g. to steer it to its owner): the key is not
 * derived and hashed a second time. `key` must be the key of `req`.
 */
enum drop_reason dhcp_server_handle_keyed(struct dhcp_server *srv, const struct dhcp_msg *req,
					  const struct client_key *key,
					  const struct dhcp_link *link,
					  const struct failover_view *view, int64_t now,
					  uint8_t *reply, size_t cap, struct dhcp_result *res);

/*
 * Expire one lease found by the expiry scan if it is this worker's and its
 * time has passed: OFFERED and BOUND addresses return to the pool, DECLINED
 * probation ends. Emits at most one event into *ev (returns true then).
 * Owner worker only.
 */
bool dhcp_server_expire(struct dhcp_server *srv, const struct lease *l, unsigned n_workers,
			int64_t now, struct lease_event *ev);

/*
 * Delete a RELEASED or EXPIRED record that has been kept for its client
 * longer than hold-reclaimed-time, found by the worker's scan of its own
 * slab (lease_table_scan_slab). Acts only when l is still the published
 * version of its client and holds no address; emits the DELETE event into
 * *ev (returns true then) so recovery forgets it too. Owner worker only.
 */
bool dhcp_server_reclaim(struct dhcp_server *srv, const struct lease *l, int64_t now,
			 struct lease_event *ev);

/*
 * Apply a recovered (or, later, partner-sent) image to the table: insert or
 * replace the client's record and move address claims so the table matches
 * the image; a conflicting holder of the address loses it (the later
 * record is the truth). A LEASE_KEY_BACKUP image sets (UPSERT) or clears
 * (DELETE) the address's failover ownership bit instead. Single-threaded start-up, or the owner worker.
 * Returns 0 or -ENOMEM.
 */
int dhcp_server_apply_image(struct lease_table *table, unsigned writer, uint8_t type,
			    const struct lease_image *img, int64_t now);

/*
 * Failover: our BNDUPD ACTIVE of the client key[0..key_len)'s binding on
 * ip with PET pet has been BNDACKed. While the client's current version
 * is still that binding and holds ip's slot (fo_binding_acked), publish
 * its next version with partner_expire = max(partner_expire, pet) and
 * UPDATE_PENDING cleared, so its next renewal may be given more than MCLT
 * (failover_view_lease_cap). Not journaled: no event is made (see
 * dhcp_apply.c). Returns 0, -ESTALE (the client changed or went since),
 * -EALREADY (nothing to change), -EINVAL (pet <= 0) or -ENOMEM (slab
 * empty). Owner worker of the client only.
 */
int dhcp_server_fo_acked(struct lease_table *table, unsigned writer, const uint8_t *key,
			 uint8_t key_len, uint32_t ip, int64_t pet);

#endif
