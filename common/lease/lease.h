/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The lease record. A published version is immutable: a change builds a new
 * version, swaps it into the lease table, and the old one is reclaimed after
 * an RCU grace period (DESIGN.md sec 3).
 *
 * The client key identifies a client: option 61 when present, else
 * htype + chaddr; never the xid (RFC 2131 sec 4.2, RFC 6842).
 * Encoding: key[0] = LEASE_KEY_CLIENT_ID followed by the option 61 bytes, or
 * key[0] = LEASE_KEY_HWADDR, key[1] = htype, then chaddr[0..hlen).
 */
#ifndef LW_LEASE_H
#define LW_LEASE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <urcu/rculfhash.h>
#include <urcu-qsbr.h>

#define LEASE_KEY_CLIENT_ID 1
#define LEASE_KEY_HWADDR 2
/*
 * Not a client: failover ownership of a pool address, [LEASE_KEY_BACKUP, ip
 * (4 bytes, BE)], journaled in state LEASE_BACKUP (journal_record.h,
 * lease_image_backup). 3 is LEASE_KEY_DECLINED (dhcp/dhcp_server.h).
 */
#define LEASE_KEY_BACKUP 4
#define LEASE_KEY_BACKUP_LEN 5
/* RFC 4361 client ids reach 1 + 4 + 130 bytes; plus our type byte. */
#define LEASE_KEY_MAX 136

enum lease_state {
	LEASE_FREE = 0, /* never handed out or reclaimed */
	LEASE_OFFERED, /* held for a client between OFFER and REQUEST */
	LEASE_BOUND, /* ACKed: the client owns the address until expire */
	LEASE_RELEASED, /* client sent RELEASE */
	LEASE_EXPIRED, /* passed its expiry without renewal */
	LEASE_DECLINED, /* address in probation after DECLINE (RFC 2131 sec 4.3.3) */
	LEASE_BACKUP, /* failover: free, but only the secondary may allocate (journal only) */
	LEASE_STATE__COUNT
};

#define LEASE_F_RESERVED 0x01 /* address comes from a host reservation */
#define LEASE_F_BOOTP 0x02 /* dynamic BOOTP: infinite lease (RFC 1534) */

#define LEASE_INFINITE UINT32_MAX

/*
 * The client's DNS name (RFC 4702 option 81 / option 12, chosen by the
 * policy of common/ddns/): presentation form, absolute, lower case,
 * without the final dot ("host1.example.test"), at most LEASE_NAME_MAX
 * bytes (RFC 1035 sec 2.3.4: 255 octets of wire form). lease_name_valid()
 * says which strings are one.
 */
#define LEASE_NAME_MAX 253

/*
 * A name is kept out of line, in the lease table's name slab, so a record
 * without one stays small: the record holds this reference (0 = no name).
 * Resolve it with lease_table_name() (lease_table.h), never by hand: only
 * a record that lives in the table's slab may hold a non-zero one.
 */
struct lease_name_ref {
	uint32_t id;
};

/* A name by value (struct lease_image, views): len bytes, then a NUL. */
struct lease_name {
	uint8_t len; /* 0: no name */
	char bytes[LEASE_NAME_MAX + 1];
};

/*
 * lease.dns_flags: what this server has done, or decided to do, about the
 * lease's DNS records (DESIGN.md sec 6, specs/ddns.md sec 4). The invariant
 * every writer keeps: FWD, REV and REMOVE_PENDING always describe records
 * of the name the record holds, so a name is never replaced while one of
 * them is set (dhcp/dhcp_lease.h).
 */
#define LEASE_DNS_F_FWD 0x01 /* forward A + DHCID added by us (update confirmed) */
#define LEASE_DNS_F_REV 0x02 /* PTR added by us (update confirmed) */
/* The lease ended while FWD or REV was set: their removal is owed, not yet confirmed. */
#define LEASE_DNS_F_REMOVE_PENDING 0x04
#define LEASE_DNS_F_BY_PARTNER 0x08 /* added by the failover partner (BNDUPD); reserved */
#define LEASE_DNS_F_WANT_FWD 0x10 /* decided at ACK: the server should add the forward records */
#define LEASE_DNS_F_WANT_REV 0x20 /* decided at ACK: the server should add the PTR */
#define LEASE_DNS_F_ADDED (LEASE_DNS_F_FWD | LEASE_DNS_F_REV)
#define LEASE_DNS_F_WANT (LEASE_DNS_F_WANT_FWD | LEASE_DNS_F_WANT_REV)
#define LEASE_DNS_F_ALL 0x3f

/* lease.fo_flags: where the binding's last change came from and whether the partner has it. */
#define LEASE_FO_F_FROM_PARTNER 0x01 /* last change learned from the partner's BNDUPD */
#define LEASE_FO_F_UPDATE_PENDING 0x02 /* changed here, our BNDUPD not yet BNDACKed */

struct lease {
	/* Table linkage: written only by the lease table, under its contract. */
	struct cds_lfht_node by_key;
	struct rcu_head rcu;

	uint32_t ip; /* host order; 0 when the record holds no address */
	uint32_t subnet_id;
	uint32_t key_hash; /* client_key_hash() of key */
	uint8_t state; /* enum lease_state */
	uint8_t flags; /* LEASE_F_* */
	uint8_t htype, hlen;
	uint8_t chaddr[16];
	uint64_t journal_seq; /* per-worker sequence of the event that made it durable */
	int64_t cltt; /* client last transaction time, unix secs */
	int64_t expire; /* unix secs; offer hold, lease end or probation end */
	uint32_t lease_secs; /* granted lease time, LEASE_INFINITE for BOOTP */
	/*
	 * The address's version when this client took it: every change of
	 * hands of an address (a claim of its empty slot) gives it the next
	 * version, and the lease keeps it while it holds the address. Workers
	 * journal through separate rings, so file order is not the real order
	 * across workers; recovery gives the address to the record with the
	 * highest version (lease_table.h).
	 */
	uint32_t addr_version;
	/*
	 * Failover (draft-12 sec 5.2, 7.1; ../shared/specs/failover.md sec 8.3),
	 * all 0 when standalone. partner_expire is the acked potential
	 * expiration time (acked PET: ISC's tsfp/atsfp), the PET the partner
	 * has acknowledged in a BNDACK; sent_pet below is the one we sent.
	 */
	int64_t partner_expire;
	uint8_t slab_id; /* which worker's slab it came from (lease_table.c) */
	uint8_t key_len;
	uint8_t key[LEASE_KEY_MAX];
	/*
	 * Cold failover fields, after the key so that nothing the lookup
	 * touches moves: fo_status and fo_flags take 2 of the 6 tail padding
	 * bytes the key left, stos and sent_pet add 16 (asserted in lease.c).
	 */
	uint8_t
	    fo_status; /* enum fo_binding_status (failover/fo_codes.h); 0 = not under failover */
	uint8_t fo_flags; /* LEASE_FO_F_* */
	/*
	 * The client's name (record format 3), out of line: a reference into
	 * the table's name slab (struct lease_name_ref), in the 4 bytes of
	 * padding fo_flags left before stos. Versions of one binding may
	 * share a name: the slab counts its references.
	 */
	struct lease_name_ref fqdn;
	int64_t stos; /* start time of the binding status, unix secs (draft-12 sec 12.25) */
	int64_t sent_pet; /* PET we sent the partner in our last BNDUPD (ISC tstp) */
	/*
	 * What was done about the name's DNS records (LEASE_DNS_F_*, record
	 * format 3), at the tail: the size grows from 264 to 272 bytes, 7 of
	 * them tail padding (asserted in lease.c). Every version of a binding
	 * carries it and fqdn on (dhcp/dhcp_lease.h).
	 */
	uint8_t dns_flags;
};

/* Name of a state ("bound"); any thread. */
const char *lease_state_name(uint8_t state);

/*
 * True when name[0..len) may be a lease's name: 1..LEASE_NAME_MAX bytes of
 * printable ASCII other than upper-case letters, space and ',' (a Kea CSV
 * separator), labels of 1..63 bytes, no leading or final dot. Pure.
 */
bool lease_name_valid(const char *name, size_t len);

/* True while the lease holds its address against other clients. */
static inline bool lease_holds_address(const struct lease *l, int64_t now)
{
	switch (l->state) {
	case LEASE_BOUND:
	case LEASE_OFFERED:
	case LEASE_DECLINED: return l->expire > now || l->lease_secs == LEASE_INFINITE;
	default: return false;
	}
}

#endif
