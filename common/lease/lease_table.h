/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The lease table (DESIGN.md sec 3): a liburcu lock-free hash table
 * (cds_lfht) of lease records keyed by client key, plus an address index
 * made of ranges (one per pool, one per reservation) whose slots point to
 * the lease version currently holding each address. A slot is claimed with
 * compare-and-swap, so two workers can never take one address.
 *
 * Threads:
 *  - the owner worker of a client (client_key_shard) is the only writer of
 *    that client's records and of slots claimed for it;
 *  - any registered QSBR thread may read (lookups return pointers valid until
 *    the reader's next quiescent state);
 *  - lease records come from per-writer slabs allocated at creation (no
 *    malloc per packet); retired versions return to their slab after a grace
 *    period via call_rcu.
 */
#ifndef LW_LEASE_TABLE_H
#define LW_LEASE_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lease/lease.h"

struct lease_table;

enum addr_range_kind {
	ADDR_RANGE_POOL, /* dynamic pool: addresses handed out from free lists */
	ADDR_RANGE_RESERVATION, /* a single reserved address, never on a free list */
};

struct lease_table_params {
	unsigned n_writers; /* workers, plus one for recovery/control writes */
	size_t max_leases; /* total lease records across all slabs */
	/*
	 * 64-byte name cells across all name slabs (lease_table_name_set);
	 * 0 = one per lease record (max_leases), SIZE_MAX = none. A name
	 * takes one cell up to 55 bytes, five at most (253).
	 */
	size_t max_name_cells;
};

/* Create an empty table; NULL with errno on failure. Start-up thread. */
struct lease_table *lease_table_create(const struct lease_table_params *params);
/* Destroy; no reader may be active. Start-up/shutdown thread. */
void lease_table_destroy(struct lease_table *table);

/*
 * Register an address range [first, last] for subnet_id. Ranges must not
 * overlap. Pool ranges are split across the writers' free lists
 * (address offset % n_writers). Returns 0 or -EINVAL/-EEXIST/-ENOMEM.
 * Start-up only, before any writer runs.
 */
int lease_table_add_range(struct lease_table *table, uint32_t subnet_id, uint32_t first,
			  uint32_t last, enum addr_range_kind kind);

/* Lookups. Any registered RCU reader; result valid until its next quiescent state. */
const struct lease *lease_table_find_key(struct lease_table *table, const uint8_t *key,
					 size_t key_len, uint32_t hash);
/* The lease currently holding ip (its slot), or NULL. */
const struct lease *lease_table_find_ip(struct lease_table *table, uint32_t ip);
/* True if ip lies in a registered range (pool or reservation) of subnet_id (0 = any). */
bool lease_table_ip_known(struct lease_table *table, uint32_t ip, uint32_t subnet_id);

/*
 * A fresh, zeroed record from writer's slab; NULL (errno ENOMEM) when the
 * slab is empty. Owner worker only.
 */
struct lease *lease_table_alloc(struct lease_table *table, unsigned writer);

/*
 * A record from writer's slab holding a copy of src's contents (everything
 * but the table linkage and slab_id): the start of src's next version.
 * NULL (errno ENOMEM) when the slab is empty. Owner worker only; src must
 * be valid (RCU read side).
 */
struct lease *lease_table_alloc_copy(struct lease_table *table, unsigned writer,
				     const struct lease *src);

/*
 * Claim ip for newv (CAS on the slot from empty, or from `old` when old
 * already holds it). Returns 0, -EBUSY if another lease holds it, -ENOENT if
 * ip is in no range. Owner worker only.
 */
int lease_table_claim_ip(struct lease_table *table, uint32_t ip, const struct lease *old,
			 struct lease *newv);

/*
 * Take a free address of subnet_id from writer's free lists and claim it for
 * newv. Returns the address (host order) or 0 when every pool is exhausted.
 * Addresses whose slot is found taken are skipped. Owner worker only.
 */
uint32_t lease_table_alloc_ip(struct lease_table *table, unsigned writer, uint32_t subnet_id,
			      struct lease *newv);

/*
 * Failover pool ownership (draft-ietf-dhc-failover-12 sec 5.4, 7.6; specs/
 * failover.md sec 5, 10). Every pool address is FREE (only the primary may
 * allocate it) or BACKUP (only the secondary may); every address starts
 * FREE. Ownership is independent of the slot: an address keeps its owner
 * while a client holds it, and the failover control plane changes it
 * (BNDUPD BACKUP/FREE, an expiry acked) through a worker command. A
 * standalone server allocates from both. Addresses outside pool ranges
 * (reservations) have no owner.
 *
 * `from` says which owners' addresses a server may newly allocate now:
 * the failover view's alloc_from (failover_view.h, same bit values).
 */
#define LEASE_ALLOC_FREE 0x01 /* FREE addresses: the primary's */
#define LEASE_ALLOC_BACKUP 0x02 /* BACKUP addresses: the secondary's */
#define LEASE_ALLOC_ANY (LEASE_ALLOC_FREE | LEASE_ALLOC_BACKUP) /* standalone, PARTNER-DOWN */

/*
 * As lease_table_alloc_ip, taking only addresses `from` allows. An
 * address of the other owner stays on the free list (moved to its
 * bottom); at most 256 are passed over per call, so the call costs a
 * bounded number of steps even when the list is mostly the partner's, and
 * may return 0 while allowed addresses lie deeper (the next call goes on
 * from there). Owner worker only.
 */
uint32_t lease_table_alloc_ip_from(struct lease_table *table, unsigned writer, uint32_t subnet_id,
				   uint8_t from, struct lease *newv);

/*
 * Make pool address ip BACKUP (backup) or FREE. Returns 0 or -ENOENT (not
 * in a pool range). Takes effect for allocations that start after it; a
 * claim racing it may see the old owner, so whoever changes the owner of
 * an address checks its slot afterwards. Any thread (atomic); in the
 * daemon only the worker applying WORKER_CMD_SET_OWNER, so that the change
 * is journaled in order (recovery and that worker's commands).
 */
int lease_table_set_backup(struct lease_table *table, uint32_t ip, bool backup);
/* True if ip is a pool address marked BACKUP. Any thread, lock-free. */
bool lease_table_is_backup(struct lease_table *table, uint32_t ip);
/* True if `from` may newly allocate ip (always outside pools and for LEASE_ALLOC_ANY). Any thread. */
bool lease_table_owner_allows(struct lease_table *table, uint32_t ip, uint8_t from);
/*
 * The writer whose free list pool address ip starts on (its offset in its
 * range modulo n_writers), or -ENOENT: the one writer that applies the
 * address's ownership changes, so they are journaled in order. Any thread.
 */
int lease_table_home_writer(struct lease_table *table, uint32_t ip);

struct lease_pool_balance {
	size_t addresses; /* in pool ranges */
	size_t held; /* slot claimed (offered, bound, in probation) */
	size_t backup; /* marked BACKUP, held or not */
	size_t free_unheld; /* FREE and not held: what the primary can hand out */
	size_t backup_unheld; /* BACKUP and not held: what the secondary can hand out */
};

/*
 * Count the pool addresses of subnet_id (0 = every subnet): for "show
 * failover" and the primary's rebalancing (POOLREQ/POOLRESP). O(pool
 * addresses): control thread, not per packet. Approximate while writers
 * run. Returns 0, or -ENOENT when the subnet has no pool.
 */
int lease_table_pool_balance(struct lease_table *table, uint32_t subnet_id,
			     struct lease_pool_balance *out);

/*
 * Visit every BACKUP pool address in address order (a snapshot writes
 * them as LEASE_KEY_BACKUP records). Stops when visit returns non-zero and
 * returns that value. Any thread (no RCU needed: it reads only the
 * bitmaps); a change during the walk may or may not be seen.
 */
int lease_table_walk_backup(struct lease_table *table,
			    int (*visit)(uint32_t ip, uint32_t subnet_id, void *arg), void *arg);

/*
 * Address versions (struct lease addr_version): claim_ip and alloc_ip give
 * newv the address's next version when the address changes hands (its
 * slot was empty), and the holder's own version when the slot moves from
 * old to newv.
 *
 * Recovery: claim ip's empty slot for newv keeping newv->addr_version
 * (the journaled one) and raise the address's version to it. Returns 0,
 * -EBUSY (held) or -ENOENT (in no range). Recovery writer only.
 */
int lease_table_restore_ip(struct lease_table *t, uint32_t ip, struct lease *newv);
/* Raise ip's version to at least version (a journaled record seen). Recovery writer only. */
void lease_table_note_version(struct lease_table *t, uint32_t ip, uint32_t version);
/* ip's current version, 0 when in no range or never claimed. Any thread. */
uint32_t lease_table_ip_version(struct lease_table *t, uint32_t ip);

/*
 * Give ip back: the slot is emptied if it still points to holder, and a
 * pool address returns to writer's free list. Owner worker only.
 */
void lease_table_release_ip(struct lease_table *table, unsigned writer, uint32_t ip,
			    const struct lease *holder);

/*
 * Publish newv for its key: insert it, or replace old (the version the
 * caller looked up). If old held an address that newv holds too, the slot
 * is moved to newv. old is reclaimed after a grace period. Returns 0 or
 * -EEXIST when a concurrent insert raced (cannot happen with one writer
 * per key). Owner worker only.
 */
int lease_table_publish(struct lease_table *table, struct lease *newv, const struct lease *old);

/* Remove a version from the table (its slot must already be released). Owner worker only. */
void lease_table_remove(struct lease_table *table, const struct lease *old);

/* Return a record obtained from lease_table_alloc() that was never published. */
void lease_table_discard(struct lease_table *table, struct lease *unpublished);

/*
 * Visit every record (RCU read side; the visitor must not block). Stops
 * when visit returns non-zero and returns that value.
 */
int lease_table_walk(struct lease_table *table, int (*visit)(const struct lease *, void *),
		     void *arg);

/*
 * The same in chunks that hold nothing between calls, for walks over
 * millions of records that must not hold back grace periods (a snapshot,
 * a view): visits the published records among up to budget slab entries
 * from *cursor (a position over every writer's slab, start at 0; it is
 * advanced), stopping early when visit returns non-zero (in *rc, else 0).
 * Returns the entries looked at; 0 once past the last slab. The caller may
 * go quiescent between calls. A record that changes between two calls may
 * be visited in its old version, its new one, both or neither: right for
 * a snapshot whose later journal holds the change, and for counts that
 * are approximate while writers run anyway. Any registered, online QSBR
 * thread.
 */
size_t lease_table_walk_chunk(struct lease_table *table, size_t *cursor, size_t budget,
			      int (*visit)(const struct lease *, void *), void *arg, int *rc);

/*
 * Incremental scan of address slots for expiry: visit up to `budget` slots
 * starting at *cursor (wrapping), calling visit for each slot that holds a
 * lease. Returns the number of slots examined. Any RCU reader; the visitor
 * decides whether the lease belongs to its worker.
 */
size_t lease_table_scan_slots(struct lease_table *table, size_t *cursor, size_t budget,
			      void (*visit)(const struct lease *, void *), void *arg);

/*
 * Incremental scan of one writer's record slab: visit up to `budget`
 * records starting at *cursor (wrapping), whatever their state: published,
 * retired or free. Only that writer may call it (it alone writes the
 * records' lease fields), as an RCU reader; the visitor must check with
 * lease_table_find_key() that a record is the published version before
 * acting on it. Returns the number of records visited.
 */
size_t lease_table_scan_slab(struct lease_table *table, unsigned writer, size_t *cursor,
			     size_t budget, void (*visit)(const struct lease *, void *), void *arg);

/*
 * Names (lease.h: struct lease_name_ref), out of line in per-writer name
 * slabs sized at create (max_name_cells). A version's name is set while
 * the version is built and is immutable from then on; versions of one
 * binding share it (lease_table_alloc_copy takes a reference), and it is
 * freed when the last version naming it is reclaimed, after a grace
 * period like the records.
 *
 * Give newv, a version being built by writer (not yet published), the
 * name name[0..len) (lease_name_valid()). A name equal to the one newv
 * already holds is kept as it is (no new cells); otherwise newv's
 * reference to its old name is dropped. Returns 0; -EINVAL (not a valid
 * name, bad writer); -ENOSPC (writer's name slab is full: newv is
 * unchanged, and the refusal is counted in the stats); -EBUSY when newv
 * already holds its slot and is the only holder of its old name, which
 * it would free under a reader (set the name before the address claim).
 * Owner writer only.
 */
int lease_table_name_set(struct lease_table *table, unsigned writer, struct lease *newv,
			 const char *name, size_t len);
/*
 * newv, a version being built, names what the version it replaces names:
 * newv->fqdn = ref was copied by the caller, this counts the reference
 * (lease_table_alloc_copy does both). ref.id != 0. Owner writer only.
 */
void lease_table_name_hold(struct lease_table *table, struct lease_name_ref ref);
/* Drop newv's name (same contract as lease_table_name_set). Returns 0 or -EBUSY. */
int lease_table_name_clear(struct lease_table *table, struct lease *newv);

/*
 * Copy the name of l, a record of a lease table (published, or being
 * built by the caller), into buf with a NUL; returns its length, 0 when l
 * has none (buf = ""). cap must be at least LEASE_NAME_MAX + 1. Any
 * registered RCU reader holding l; never on a copy of a record made
 * outside the table (its reference means nothing there).
 */
size_t lease_table_name_get(const struct lease *l, char *buf, size_t cap);
/* True when l's name is name[0..len) (len 0: l has none). As lease_table_name_get. */
bool lease_table_name_equal(const struct lease *l, const char *name, size_t len);

struct lease_table_stats {
	size_t records; /* published records */
	size_t slab_free; /* records left in all slabs */
	size_t name_cells; /* 64-byte name cells in all name slabs */
	size_t name_cells_free; /* of which not holding a name */
	uint64_t names_refused; /* names not stored: their writer's name slab was full */
	size_t addresses; /* addresses in pool ranges */
	size_t addresses_held; /* pool slots currently claimed */
};
void lease_table_get_stats(struct lease_table *table, struct lease_table_stats *stats);

#endif
