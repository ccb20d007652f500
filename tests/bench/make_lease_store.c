/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lw-make-lease-store: writes a lease store (snapshot + journal) holding N
 * bound leases, through the same journal code the daemon uses, so that the
 * daemon's recovery time can be measured on a realistic store:
 *
 *   lw-make-lease-store DIR N_SNAPSHOT N_JOURNAL [NOW]
 *
 * Leases 10.1.0.0 + i, client key = htype 1 + a MAC derived from i. The
 * first N_SNAPSHOT go into a snapshot, the next N_JOURNAL into the journal
 * after it (one record each, committed in batches of 4096), which is the
 * shape a store has after a crash between two compactions.
 *
 * Given NOW (unix secs), the clock is fixed at NOW and every durable field
 * varies with i (flags, states, client-id keys, partner_expire,
 * addr_version, since format 2 the failover fields fo_status, fo_flags,
 * stos, sent_pet, since format 3 dns_flags and the name), so that a test
 * can check each field of known records of a store kept in tests/data
 * (tests/data/store-v1, store-v2 and store-v3 were written this way).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config/config.h"
#include "failover/fo_codes.h"
#include "journal/journal.h"
#include "lease/lease.h"

#define COMMIT_BATCH 4096
#define FIRST_IP 0x0a010000u /* 10.1.0.0 */

static int refuse_existing(uint8_t type, const struct lease_image *img, void *arg)
{
	(void)type;
	(void)img;
	(void)arg;
	return -EEXIST;
}

static void make_image(struct lease_image *img, uint32_t i, int64_t now)
{
	memset(img, 0, sizeof(*img));
	img->ip = FIRST_IP + i;
	img->subnet_id = 1;
	img->state = LEASE_BOUND;
	img->htype = 1;
	img->hlen = 6;
	img->chaddr[0] = 0x02;
	img->chaddr[1] = 0x1e;
	img->chaddr[2] = (uint8_t)(i >> 24);
	img->chaddr[3] = (uint8_t)(i >> 16);
	img->chaddr[4] = (uint8_t)(i >> 8);
	img->chaddr[5] = (uint8_t)i;
	img->cltt = now;
	img->lease_secs = 86400;
	img->expire = now + img->lease_secs;
	img->key_len = 8;
	img->key[0] = LEASE_KEY_HWADDR;
	img->key[1] = img->htype;
	memcpy(img->key + 2, img->chaddr, 6);
}

/* No field left at zero where it can vary: a decoder that drops one is caught. */
static void make_varied_image(struct lease_image *img, uint32_t i, int64_t now)
{
	static const uint8_t states[] = { LEASE_BOUND, LEASE_RELEASED, LEASE_EXPIRED };
	static const uint8_t fo_status[] = { FO_BINDING_ACTIVE, FO_BINDING_RELEASED,
					     FO_BINDING_EXPIRED };

	make_image(img, i, now);
	img->subnet_id = 1 + i % 3;
	img->state = states[i % 3];
	img->flags = (uint8_t)(i % 4);
	img->cltt = now - (int64_t)i;
	img->lease_secs = 3600 + i;
	img->expire = img->cltt + img->lease_secs;
	img->partner_expire = img->expire + 60;
	img->addr_version = 1000 + 7 * i;
	/* Format 2: the failover fields, the draft status matching the state. */
	img->fo_status = fo_status[i % 3];
	img->fo_flags = (uint8_t)(1 + i % 3);
	img->stos = now - 100 - (int64_t)i;
	img->sent_pet = img->expire + 1800 + (int64_t)i;
	/*
	 * Format 3: DNS state and names, one of them longer than a name
	 * cell (55 bytes) so that the slab's chains are recovered too; every
	 * fourth lease has no name.
	 */
	static const uint8_t dns_flags[] = { LEASE_DNS_F_FWD | LEASE_DNS_F_REV | LEASE_DNS_F_WANT,
					     LEASE_DNS_F_FWD | LEASE_DNS_F_REMOVE_PENDING,
					     LEASE_DNS_F_WANT_FWD };
	if (i % 4 != 3) {
		int n =
		    snprintf(img->fqdn.bytes, sizeof(img->fqdn.bytes),
			     i % 4 == 2 ? "client-%u.a-sixty-byte-or-so-long-label-for-the-test."
					  "example.test"
					: "host%u.example.test",
			     i);
		img->fqdn.len = (uint8_t)n;
		img->dns_flags = dns_flags[i % 3];
	}
	if (i % 2) {
		/* Odd leases are keyed by a client identifier (option 61). */
		img->key_len = 6;
		img->key[0] = LEASE_KEY_CLIENT_ID;
		img->key[1] = 0xff; /* then i, big-endian */
		for (unsigned k = 0; k < 4; k++)
			img->key[2 + k] = (uint8_t)(i >> (24 - 8 * k));
	}
}

int main(int argc, char **argv)
{
	if (argc != 4 && argc != 5) {
		fprintf(stderr, "usage: %s DIR N_SNAPSHOT N_JOURNAL [NOW]\n", argv[0]);
		return 2;
	}
	uint32_t n_snap = (uint32_t)strtoul(argv[2], NULL, 10);
	uint32_t n_jrnl = (uint32_t)strtoul(argv[3], NULL, 10);
	struct cfg_lease_store store = { .durability = CFG_DURABILITY_WRITE };
	struct journal_recovery_stats rs;
	char err[256];
	int64_t now = argc == 5 ? strtoll(argv[4], NULL, 10) : time(NULL);
	void (*make)(struct lease_image *, uint32_t, int64_t) =
	    argc == 5 ? make_varied_image : make_image;
	struct lease_image img;

	snprintf(store.directory, sizeof(store.directory), "%s", argv[1]);
	store.snapshot_every = 1000000000;
	struct journal *j = journal_open(&store, 0, refuse_existing, NULL, &rs, err, sizeof(err));
	if (!j) {
		fprintf(stderr, "make-lease-store: %s: %s\n", argv[1], err);
		return 1;
	}
	int rc = journal_compact_begin(j);
	for (uint32_t i = 0; rc == 0 && i < n_snap; i++) {
		make(&img, i, now);
		rc = journal_compact_add(j, &img);
	}
	if (rc == 0)
		rc = journal_compact_finish(j);
	for (uint32_t i = 0; rc == 0 && i < n_jrnl; i++) {
		uint64_t seq;
		make(&img, n_snap + i, now);
		rc = journal_append(j, JOURNAL_REC_UPSERT, &img, &seq);
		if (rc == 0 && (i % COMMIT_BATCH == COMMIT_BATCH - 1 || i == n_jrnl - 1))
			rc = journal_commit(j);
	}
	journal_close(j);
	if (rc < 0) {
		fprintf(stderr, "make-lease-store: %s\n", strerror(-rc));
		return 1;
	}
	printf("make-lease-store: %s: %u leases in the snapshot, %u in the journal\n", argv[1],
	       n_snap, n_jrnl);
	return 0;
}
