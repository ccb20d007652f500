/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Commands from the control thread to one worker (DESIGN.md sec 3): the
 * control thread never writes the lease table itself; it asks the owner
 * worker of a client to apply a change through the same path as a packet,
 * so the change is journaled like any other. One SPSC ring per worker
 * (control -> worker), polled by the worker once per loop iteration.
 */
#ifndef LW_WORKER_CMD_H
#define LW_WORKER_CMD_H

#include <stdalign.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "config/config.h"
#include "lease/journal_record.h"
#include "base/spsc_ring.h"

#define WORKER_CMD_RING_SIZE 1024

enum worker_cmd_type {
	/* Apply img (JOURNAL_REC_UPSERT or _DELETE) to the table and journal it. */
	WORKER_CMD_APPLY_IMAGE = 1,
	/* Read configuration through cfg from now on (reload). */
	WORKER_CMD_SET_CONFIG,
	/*
	 * Failover: make pool address ip BACKUP (backup) or FREE and journal
	 * it (a LEASE_KEY_BACKUP UPSERT or DELETE, journal_record.h). Sent to
	 * the address's home worker (lease_table_home_writer), so the changes
	 * of one address are journaled in the order they were made; fails
	 * (counted in `failed`) when ip is in no pool.
	 */
	WORKER_CMD_SET_OWNER,
	/*
	 * Failover: our BNDUPD ACTIVE of the client img.key's binding on ip
	 * with PET pet was BNDACKed. Sent to the client's owner worker, which
	 * makes pet the lease's acked PET (partner_expire) and clears
	 * UPDATE_PENDING if the lease is still that binding
	 * (dhcp_server_fo_acked), not journaled. Only img.key_len and img.key
	 * are read. An ack not applied is counted (fo_acks_stale), never failed.
	 */
	WORKER_CMD_FO_ACKED,
	/*
	 * DNS updates: the control thread has confirmed an update of the
	 * client img.key's binding on ip in generation addr_version (the
	 * lease's addr_version in the event the update was for). Sent to the
	 * client's owner worker, which sets dns_set and clears dns_clear in
	 * the lease's dns_flags (LEASE_DNS_F_*) in a new version, journaled
	 * (dhcp_lease_dns_state). A command for another generation of the
	 * binding is stale: counted (dns_state_stale), nothing changes, never
	 * failed. Only img.key_len and img.key are read.
	 */
	WORKER_CMD_DNS_STATE,
};

struct worker_cmd {
	uint8_t type; /* enum worker_cmd_type */
	uint8_t rec_type; /* APPLY_IMAGE: enum journal_rec_type */
	bool backup; /* SET_OWNER */
	uint8_t dns_set, dns_clear; /* DNS_STATE: LEASE_DNS_F_* */
	uint32_t ip; /* SET_OWNER, FO_ACKED, DNS_STATE; host order */
	uint32_t addr_version; /* DNS_STATE: the generation of the binding */
	int64_t pet; /* FO_ACKED: the potential-expiration-time acked, unix secs */
	const struct lw_config *cfg; /* SET_CONFIG */
	struct lease_image img; /* APPLY_IMAGE; FO_ACKED, DNS_STATE: key_len and key */
};

struct worker_cmd_queue {
	struct spsc_ring *ring; /* control: push, worker: pop */
	uint64_t pushed; /* control only: commands pushed so far (done reaches it when all are) */
	alignas(64) _Atomic uint64_t done; /* worker: rw (commands finished), control: ro */
	_Atomic uint64_t failed; /* worker: rw (commands that could not apply), control: ro */
};

#endif
