/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz the DNS update engine's answer check (control/ddns/ddns_msg.c):
 * the bytes a DNS server, or anyone who can reach our UDP ports, sends
 * back. The id the check expects is the input's own first two octets (so
 * the fuzzer gets past the id test), the request MAC, key and clock are
 * fixed, as tests/data/gen_fuzz_ddns_answer_corpus.py signs its seeds.
 * Besides "no crash, no leak" (ldns detaches the TSIG while verifying and
 * does not always put it back), it checks what the engine relies on:
 *  - a verdict is one of the enum, with a name;
 *  - only OK and BADTIME (the two verdicts the engine believes) ever come
 *    with a good MAC, so they need a TSIG under our key name whose MAC
 *    verifies: here, the input must carry the seeds' exact MAC bytes;
 *  - the answer's id is the header's.
 */
#include <stdlib.h>
#include <string.h>

#include "ddns/ddns_msg.h"

#define CHECK(cond) \
	do { \
		if (!(cond)) \
			abort(); \
	} while (0)

/* Time Signed of the seeds; the check's "now". */
#define FUZZ_NOW 1800000000

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct cfg_tsig_key key = {
	.name = "ddns-key.",
	.algorithm = "hmac-sha256.",
	.secret_b64 = "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI=",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The request MAC, 32 x 0x11, as ldns keeps it: 2-octet length first. */
	uint8_t mac_wire[34] = { 0, 32 };
	memset(mac_wire + 2, 0x11, 32);
	ldns_rdf *mac = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_INT16_DATA, sizeof(mac_wire), mac_wire);
	struct ddns_answer ans;
	uint16_t id = size >= 2 ? (uint16_t)(data[0] << 8 | data[1]) : 0;

	CHECK(mac);
	enum ddns_verdict v = ddns_msg_check(data, size, id, &key, mac, FUZZ_NOW, &ans);
	CHECK((unsigned)v < DDNS_V_COUNT && ddns_verdict_name(v)[0] != '?');
	if (size >= 12)
		CHECK(ans.id == id);
	if (v == DDNS_V_OK || v == DDNS_V_BADTIME) {
		CHECK(size >= 12 && (data[2] & 0x80) && !(data[2] & 0x02));
		if (v == DDNS_V_OK)
			CHECK(ans.tsig_error == 0);
		else
			CHECK(ans.tsig_error == 18);
	}
	if (v == DDNS_V_TSIG_ERROR)
		CHECK(ans.tsig_error != 0);
	ldns_rdf_deep_free(mac);
	return 0;
}
