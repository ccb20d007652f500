/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Lease files of other DHCP servers, in and out:
 *  - ISC Kea memfile CSV (lease4 schema 2.x): address,hwaddr,client_id,
 *    valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev,hostname,state,
 *    user_context — read and written;
 *  - ISC dhcpd.leases (dhcpd.leases(5)) — read.
 * Parsers take the whole file as bytes (they never read past len) and
 * call back once per lease; later records for an address supersede earlier
 * ones, as in both servers' own files. Pure; any thread.
 */
#ifndef LW_LEASE_IMPORT_H
#define LW_LEASE_IMPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "lease/journal_record.h"
#include "lease/lease.h"

#define LEASE_IMPORT_ERR_LEN 160

struct lease_import_rec {
	uint32_t ip; /* host order */
	uint8_t hlen; /* 0: no hardware address */
	uint8_t hwaddr[16];
	uint8_t client_id_len; /* 0: none */
	uint8_t client_id[LEASE_KEY_MAX - 1];
	uint32_t valid_lifetime; /* secs; LEASE_INFINITE for infinite */
	int64_t expire; /* unix secs; INT64_MAX: never */
	int64_t cltt; /* unix secs the lease was granted or last renewed */
	uint32_t subnet_id; /* 0 when the file has none (dhcpd) */
	/*
	 * The client's name as the file has it (Kea: hostname, an FQDN with
	 * or without its final dot; dhcpd: ddns-fwd-name, else
	 * client-hostname); it becomes the lease's name when it is one
	 * (lower-cased, final dot dropped: lease_name_valid()).
	 */
	char hostname[LEASE_NAME_MAX + 2];
	bool fqdn_fwd, fqdn_rev; /* the server did the forward / reverse DNS update */
	uint8_t state; /* enum lease_state: BOUND, DECLINED, EXPIRED or RELEASED */
};

enum lease_import_format {
	LEASE_IMPORT_UNKNOWN = 0,
	LEASE_IMPORT_KEA_CSV,
	LEASE_IMPORT_DHCPD,
};

/* Called per lease; return non-zero to stop (the parser returns that value). */
typedef int (*lease_import_fn)(const struct lease_import_rec *rec, void *arg);

/* Guess the format from the first bytes: a Kea header line, else dhcpd. */
enum lease_import_format lease_import_detect(const char *text, size_t len);

/*
 * Parse a file. Returns the number of leases passed to fn, the callback's
 * non-zero value, or -EINVAL with "line N: reason" in err.
 */
int lease_import_kea_csv(const char *text, size_t len, lease_import_fn fn, void *arg,
			 char err[LEASE_IMPORT_ERR_LEN]);
int lease_import_dhcpd(const char *text, size_t len, lease_import_fn fn, void *arg,
		       char err[LEASE_IMPORT_ERR_LEN]);

/*
 * The image a record becomes: keyed by client id when there is one, else
 * by htype 1 + hardware address (as client_key does for a live client).
 * Its hostname becomes the name when it is one, and fqdn_fwd / fqdn_rev
 * the name's LEASE_DNS_F_FWD / _REV (records this server now answers
 * for); a hostname that is no name is left out. Returns 0 or -EINVAL (no
 * key at all).
 */
int lease_import_to_image(const struct lease_import_rec *rec, struct lease_image *img);

/*
 * The record a lease is exported as; a lease without an address is
 * skipped (-ENOENT). The hostname is the lease's name with its final dot,
 * as Kea writes an FQDN, so l must be a record of a lease table or hold
 * no name (lease_image_from_lease); fqdn_fwd / fqdn_rev are its FWD / REV.
 */
int lease_import_from_lease(const struct lease *l, struct lease_import_rec *rec);

/* Kea CSV out: the header line, then one line per record. -EIO on a stream error. */
int lease_export_kea_header(FILE *out);
int lease_export_kea_line(FILE *out, const struct lease_import_rec *rec);

#endif
