/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DHCP server: applying a recovered (or partner-sent) lease image to the
 * table at start-up, settling which record holds a contested address.
 */
#include <errno.h>

#include "dhcp/dhcp_server_internal.h"

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
