/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz target for the lease file parsers (Kea CSV, dhcpd.leases): any bytes
 * either parse or produce a NUL-terminated "line N: reason", never crash,
 * read out of bounds or leak; every record they yield turns into a valid
 * journal image or is refused.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lease/journal_record.h"
#include "lease/lease_import.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int check_record(const struct lease_import_rec *rec, void *arg)
{
	struct lease_image img;
	(void)arg;
	if (rec->hlen > 16 || rec->client_id_len > LEASE_KEY_MAX - 1)
		abort();
	if (memchr(rec->hostname, '\0', sizeof(rec->hostname)) == NULL)
		abort();
	if (lease_import_to_image(rec, &img) == 0 &&
	    journal_record_validate(JOURNAL_REC_UPSERT, &img) != 0)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[LEASE_IMPORT_ERR_LEN];
	/* An exact-size copy, so ASan catches a read one byte past the end. */
	char *text = malloc(size ? size : 1);

	if (!text)
		return 0;
	memcpy(text, data, size);
	memset(err, 0x5a, sizeof(err));
	if (lease_import_kea_csv(text, size, check_record, NULL, err) < 0 &&
	    !memchr(err, '\0', sizeof(err)))
		abort();
	memset(err, 0x5a, sizeof(err));
	if (lease_import_dhcpd(text, size, check_record, NULL, err) < 0 &&
	    !memchr(err, '\0', sizeof(err)))
		abort();
	(void)lease_import_detect(text, size);
	free(text);
	return 0;
}
