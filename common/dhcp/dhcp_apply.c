/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DHCP server: applying a recovered (or partner-sent) lease image to the
 * table at start-up, settling which record holds a contested address.
 */
#include <errno.h>

#include "dhcp/dhcp_server_internal.h"
#include "failover/fo_binding.h"

int dhcp_server_apply_image(struct lease_table *table, unsigned writer, uint8_t type,
			    const struct lease_image *img, int64_t now)
{
	uint32_t hash, backup_ip;

	if (lease_image_is_backup(img, &backup_ip)) {
		/*
		 * Failover ownership, not a lease (journal_record.h): only the
		 * address's bit changes; no record, no slot. An address that is
		 * in no pool any more (configuration changed) is forgotten.
		 */
		bool backup = type == JOURNAL_REC_UPSERT && img->state == LEASE_BACKUP;

		lease_table_set_backup(table, backup_ip, backup);
		return 0;
	}
	hash = client_key_hash(img->key, img->key_len);
	const struct lease *old = lease_table_find_key(table, img->key, img->key_len, hash);

	if (type == JOURNAL_REC_DELETE) {
		if (old) {
			if (holds_slot(table, old))
				lease_table_release_ip(table, writer, old->ip, old);
			lease_table_remove(table, old);
		}
		return 0;
	}

	struct lease *newv = lease_table_alloc(table, writer);
	if (!newv)
		return -ENOMEM;
	lease_image_to_lease(newv, img);
	/*
	 * The name goes into this writer's name slab before the record can be
	 * seen. A full slab loses the name, not the lease (counted in the
	 * table's names_refused); its dns_flags are kept, true as they are.
	 */
	if (img->fqdn.len)
		(void)lease_table_name_set(table, writer, newv, img->fqdn.bytes, img->fqdn.len);
	bool holds = newv->ip && lease_holds_address(newv, now);

	if (old && holds_slot(table, old) && (!holds || old->ip != newv->ip))
		lease_table_release_ip(table, writer, old->ip, old);
	if (holds && !(old && old->ip == newv->ip && holds_slot(table, old))) {
		const struct lease *holder = lease_table_find_ip(table, newv->ip);
		/*
		 * Two records claim the address. Workers journal through their
		 * own rings, so file order is not the real order: the address
		 * goes to the higher address version (the later change of
		 * hands), and on a tie (format 0 records, version 0) to the
		 * later record. The other keeps its record but not the address.
		 */
		if (holder && holder != old && holder->addr_version > newv->addr_version)
			holds = false;
		else if (holder && holder != old)
			lease_table_release_ip(table, writer, newv->ip, holder);
		if (holds && lease_table_restore_ip(table, newv->ip, newv) != 0)
			holds = false; /* not in any configured range any more */
	}
	if (newv->ip)
		lease_table_note_version(table, newv->ip, newv->addr_version);
	if (!holds && newv->state == LEASE_BOUND && newv->expire <= now)
		newv->state = LEASE_EXPIRED;
	if (lease_table_publish(table, newv, old) != 0) {
		if (holds)
			lease_table_release_ip(table, writer, newv->ip, newv);
		lease_table_discard(table, newv);
		return -EEXIST;
	}
	return 0;
}

/*
 * Why an acked PET is not journaled (no event): losing it in a crash only
 * makes the cap more conservative after the restart, since the recovered
 * record has the older partner_expire and its renewals get at most MCLT
 * beyond that until the next BNDACK, which is what draft-12 sec 5.2.1
 * asks for anyway. Journaling it would double the journal writes under
 * failover (one record for the change, one for its ack), and every
 * committed event is offered to failover_note_change, which would send
 * the acked binding to the partner again, whose BNDACK would make another
 * event: a loop. Any later change of the lease is journaled with the
 * field, and a snapshot writes it from the table. A recovered record
 * still flagged UPDATE_PENDING was maybe acked: at worst it is sent again.
 */
int dhcp_server_fo_acked(struct lease_table *table, unsigned writer, const uint8_t *key,
			 uint8_t key_len, uint32_t ip, int64_t pet)
{
	const struct lease *cur =
	    lease_table_find_key(table, key, key_len, client_key_hash(key, key_len));
	int64_t partner_expire;
	uint8_t fo_flags;

	if (!cur || !holds_slot(table, cur))
		return -ESTALE;
	int rc = fo_binding_acked(cur, ip, pet, &partner_expire, &fo_flags);
	if (rc < 0)
		return rc;
	struct lease *newv = lease_table_alloc_copy(table, writer, cur);
	if (!newv)
		return -ENOMEM;
	newv->partner_expire = partner_expire;
	newv->fo_flags = fo_flags;
	rc = lease_table_publish(table, newv, cur);
	if (rc < 0)
		lease_table_discard(table, newv);
	return rc;
}
