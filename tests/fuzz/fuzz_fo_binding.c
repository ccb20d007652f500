/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz target for common/failover/fo_binding.c: the binding a partner's
 * BNDUPD carries, which the session turns into our lease records. Besides
 * "does not crash", it aborts when an invariant the session relies on
 * breaks:
 *  - a binding that parses has an address, a status of 1..7, and a
 *    hardware address when it is ACTIVE, EXPIRED or RELEASED (ISC's rule,
 *    reject 3 otherwise); a rejected one has a reason in the draft's list;
 *  - one that parses builds again into a BNDUPD that parses back into the
 *    same binding;
 *  - the acceptance table answers accept or a draft reject reason, for the
 *    binding against itself, against nothing, and with the roles swapped;
 *  - an ACTIVE binding becomes a bound lease image on its own address.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "failover/fo_binding.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_reason(uint8_t r)
{
	if (r != 0 && (r > 21 || r == 0) && r != FO_REJECT_UNKNOWN)
		abort();
}

static void same_binding(const struct fo_binding *a, const struct fo_binding *b)
{
	if (a->ip != b->ip || a->status != b->status || a->ip_flags != b->ip_flags ||
	    a->htype != b->htype || a->hlen != b->hlen ||
	    memcmp(a->chaddr, b->chaddr, a->hlen) != 0 || a->client_id_len != b->client_id_len ||
	    memcmp(a->client_id, b->client_id, a->client_id_len) != 0 || a->cltt != b->cltt)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fo_msg msg, back;
	static uint8_t out[FO_MSG_MAX];

	if (fo_msg_parse(data, size, &msg) != FO_ERR_NONE || msg.hdr.type != FO_MSG_BNDUPD)
		return 0;
	for (unsigned i = 0; i < msg.n_bindings; i++) {
		struct fo_binding bd, again;
		uint8_t reject = 0;

		memset(&bd, 0, sizeof(bd));
		int rc = fo_binding_parse(&msg, i, &bd, &reject);
		if (rc < 0) {
			if (rc == -EBADMSG && !reject)
				abort();
			check_reason(reject);
			continue;
		}
		if (!bd.ip || bd.status < FO_BINDING_FREE || bd.status > FO_BINDING_BACKUP)
			abort();
		if ((bd.status == FO_BINDING_ACTIVE || bd.status == FO_BINDING_EXPIRED ||
		     bd.status == FO_BINDING_RELEASED) &&
		    !fo_binding_has_chaddr(&bd))
			abort();
		check_reason(fo_binding_accept(NULL, &bd, true, 1700000000));
		check_reason(fo_binding_accept(&bd, &bd, true, 1700000000));
		check_reason(fo_binding_accept(&bd, &bd, false, 1700000000));

		struct fo_builder b;
		if (fo_build_start(&b, out, sizeof(out), FO_MSG_BNDUPD, msg.hdr.time, msg.hdr.xid))
			abort();
		if (fo_binding_build_bndupd(&b, &bd) != 0)
			continue; /* e.g. an ABANDONED one with client data: never sent */
		int len = fo_build_finish(&b);
		if (len < 0 || fo_msg_parse(out, (size_t)len, &back) != FO_ERR_NONE ||
		    back.n_bindings != 1)
			abort();
		memset(&again, 0, sizeof(again));
		reject = 0;
		if (fo_binding_parse(&back, 0, &again, &reject) != 0)
			abort();
		same_binding(&bd, &again);

		if (bd.status == FO_BINDING_ACTIVE) {
			struct lease_image img;
			memset(&img, 0, sizeof(img));
			if (fo_binding_to_image(&bd, NULL, 1, 1700000000, &img) == 0 &&
			    (img.ip != bd.ip || img.state != LEASE_BOUND || !img.key_len))
				abort();
		}
	}
	return 0;
}
