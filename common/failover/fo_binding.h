/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Binding codec: one binding transaction of a BNDUPD/BNDACK
 * (draft-ietf-dhc-failover-12 sec 7.1, 7.2) as a struct, to and from the
 * options fo_msg reads and writes, and to and from the lease record; plus
 * the draft's acceptance table for a received update (sec 7.1.2, 7.1.3).
 * ISC dhcpd 4.4.3 is the peer it is shaped for (../shared/specs/failover.md
 * sec 6, 9, 12). Pure: no globals, no allocation, any thread.
 */
#ifndef LW_FO_BINDING_H
#define LW_FO_BINDING_H

#include <stdbool.h>
#include <stdint.h>

#include "failover/fo_msg.h"
#include "lease/journal_record.h"
#include "lease/lease.h"

/* A client-identifier we can key a lease by: the key is a type byte + option 61. */
#define FO_BINDING_CLIENT_ID_MAX (LEASE_KEY_MAX - 1)

struct fo_binding {
	uint32_t ip; /* assigned-IP-address, host order */
	uint8_t status; /* binding-status, enum fo_binding_status */
	uint16_t ip_flags; /* IP-flags, FO_IP_FLAG_* */
	/* client-hardware-address: htype + chaddr[0..hlen); hlen 0 and htype 0 = absent. */
	uint8_t htype, hlen;
	uint8_t chaddr[16];
	/* client-identifier: the DHCP option 61 payload (type byte + id); len 0 = absent. */
	uint8_t client_id_len;
	uint8_t client_id[FO_BINDING_CLIENT_ID_MAX];
	/* Times, unix secs; 0 = unknown (on the wire: absent, or ISC's 0). */
	int64_t lease_expire; /* lease-expiration-time; INT64_MAX = infinite */
	int64_t pet; /* potential-expiration-time */
	int64_t stos; /* start-time-of-state */
	int64_t cltt; /* client-last-transaction-time */
};

static inline bool fo_binding_has_chaddr(const struct fo_binding *bd)
{
	return bd->htype != 0 || bd->hlen != 0;
}

/*
 * Append one binding transaction to an open BNDUPD builder, in the order
 * and with the options ISC 4.4.3 sends and accepts: assigned-IP-address
 * first, binding-status, client-identifier if present, client-hardware-
 * address if present, lease-expiration-time, potential-expiration-time,
 * start-time-of-state (every status, 0 when unknown, as ISC does),
 * client-last-transaction-time if non-zero, IP-flags (2 bytes) if
 * non-zero. ABANDONED never carries client information (draft Table
 * 7.1-1; ISC rejects it with 6). Times are clamped to the wire's u32.
 * Send ISC one binding per BNDUPD (specs sec 12 pitfall 2).
 * Returns 0, -EINVAL (status not 1..7, ACTIVE/EXPIRED/RELEASED without a
 * hardware address, which ISC rejects with 3; hlen > 16) or the
 * builder's error (-ENOSPC). Any thread.
 */
int fo_binding_build_bndupd(struct fo_builder *b, const struct fo_binding *bd);

/*
 * Append one BNDACK transaction: assigned-IP-address, and for a reject
 * (reject_reason != 0) reject-reason and, if message is not NULL, the
 * message text (draft sec 7.2, Table 7.2-1). ISC sends exactly these.
 * Returns 0 or the builder's error. Any thread.
 */
int fo_binding_build_ack(struct fo_builder *b, uint32_t ip, uint8_t reject_reason,
			 const char *message);

/*
 * Binding transaction i of a parsed BNDUPD into *out; points m's index at
 * it (fo_msg_select_binding). Returns 0 with *reject 0, or -EBADMSG with
 * *reject the reason to BNDACK it with (out->ip is filled whenever the
 * transaction has an assigned-IP-address, so the BNDACK can name it):
 *   3 missing binding information: no assigned-IP-address or binding-status,
 *     a binding-status outside 1..7, or ACTIVE/EXPIRED/RELEASED without
 *     client-hardware-address (ISC 4.4.3: "BNDUPD without CHADDR");
 *   6 ABANDONED with client information (ISC), or a client-identifier
 *     longer than a lease key holds (FO_BINDING_CLIENT_ID_MAX).
 * -ERANGE (no reject) when the message has transactions but not i.
 * Any thread.
 */
int fo_binding_parse(struct fo_msg *m, unsigned i, struct fo_binding *out, uint8_t *reject);

/*
 * Whether to accept a received binding (draft sec 7.1.3 table; specs sec
 * 9): 0 to accept, else the reject-reason. ours is what we hold for the
 * address (NULL = nothing: accepted like FREE). Rows ours, columns received:
 *
 *   ours \ recv   ACTIVE     EXPIRED  RELEASED  FREE/BACKUP  RESET/ABANDONED
 *   ACTIVE        accept(5)  time2    time1     time2        accept
 *   EXPIRED       time1      accept   accept    accept       accept
 *   RELEASED      time1      time1    accept    accept       accept
 *   FREE/BACKUP   accept     accept   accept    accept       accept
 *   RESET         time3      accept   accept    accept       accept
 *   ABANDONED     16         16       16        16           accept
 *
 * time1: received CLTT later than ours; time2: now past our lease end;
 * time3: received CLTT later than our start-time-of-state; a CLTT of 0
 * (absent) is never later, any CLTT is later than our 0. They reject with
 * 15. (5): the same client is accepted; a different client on the address
 * is accepted by a secondary and rejected with 2 by a primary. Any thread.
 */
uint8_t fo_binding_accept(const struct fo_binding *ours, const struct fo_binding *received,
			  bool we_are_primary, int64_t now);

/* Same client: equal client-identifiers, or both without one and equal hardware addresses. */
bool fo_binding_same_client(const struct fo_binding *a, const struct fo_binding *b);

/*
 * What we would tell the partner about lease l: its address, status
 * (fo_status where it agrees with the lease's state, else the status the
 * state implies: bound ACTIVE, released RELEASED, expired EXPIRED,
 * declined ABANDONED, free or offered FREE, backup BACKUP), IP-flags from
 * LEASE_F_*, its hardware address, its client-identifier when it is keyed
 * by one, expire, sent_pet as the PET, stos and cltt. An ABANDONED
 * binding carries no client information. Any thread.
 */
void fo_binding_from_lease(const struct lease *l, struct fo_binding *out);

/*
 * The lease image that applies an accepted binding, to be journaled and
 * applied as JOURNAL_REC_UPSERT (dhcp_server_apply_image), the way the
 * server records its own changes. holder is our record that holds the
 * address (lease_table_find_ip), or NULL; subnet_id the address's subnet.
 *  ACTIVE: the client's BOUND lease on the address, keyed like a request
 *    from it (client_key_from_msg: client-identifier, else htype +
 *    chaddr), lease end and CLTT from the binding (CLTT 0: now),
 *    partner_expire = the PET received, fo_status ACTIVE, fo_flags
 *    FROM_PARTNER; it takes the address from a different holder (address
 *    version above the holder's) and keeps the holder's sent_pet and
 *    version when it is the same client.
 *  EXPIRED, RELEASED, FREE, RESET, BACKUP: the holder's record, no longer
 *    holding the address (state RELEASED for RELEASED, else EXPIRED, and
 *    expire no later than now, so reclaim forgets it after
 *    hold-reclaimed-time as it does the server's own), fo_status the
 *    received status. A record is keyed by its client, not its address,
 *    so the binding's client is never written here: that client may hold
 *    another address by now.
 * Returns 0; -ENOENT when a freeing binding finds no holder (the address
 * is free here already: nothing to write); -EINVAL for an ACTIVE binding
 * with no usable identity; -EOPNOTSUPP for ABANDONED (probation records
 * are keyed by address and owned by a worker: not done yet). Any thread.
 */
int fo_binding_to_image(const struct fo_binding *bd, const struct lease *holder, uint32_t subnet_id,
			int64_t now, struct lease_image *img);

/*
 * Our BNDUPD ACTIVE of address ip with potential-expiration-time pet has
 * been BNDACKed (draft-12 sec 7.2): the fields of the next version of cur,
 * the client's current version, that let the lease-time cap count on the
 * acked PET (failover_view_lease_cap; specs sec 8.3). Only while cur is
 * still the binding we sent: it has address ip, is BOUND and ACTIVE, and
 * its sent_pet is pet. A change made since (a renewal with a newer PET,
 * not yet acked) keeps UPDATE_PENDING and its own acked PET.
 * Returns 0 with *partner_expire = max(cur's, pet) and *fo_flags = cur's
 * without LEASE_FO_F_UPDATE_PENDING; -ESTALE when cur is not that binding
 * any more; -EALREADY when the ack changes nothing (a duplicate);
 * -EINVAL for pet <= 0 (nothing was promised). Pure; any thread.
 */
int fo_binding_acked(const struct lease *cur, uint32_t ip, int64_t pet, int64_t *partner_expire,
		     uint8_t *fo_flags);

#endif
