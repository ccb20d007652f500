/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz target for common/failover/fo_msg.c. Besides "does not crash", it
 * checks what the session and the state machine will rely on, and aborts
 * when one breaks:
 *  - a parsed message indexes only known codes, each value inside the
 *    message, after the payload offset, of a size its format allows;
 *  - every binding transaction can be selected, and none beyond;
 *  - rebuilding the parsed form with the builder (assigned-IP-address first
 *    in each transaction, the rest by code) gives a message that parses
 *    with the same header, the same transactions and the same values, no
 *    unknown options, and a length that is the sum of what went in;
 *  - an error names a counter, and framing agrees with the parser.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "failover/fo_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_index(const struct fo_msg *msg)
{
	for (unsigned code = 0; code <= FO_OPT_CODE_MAX; code++) {
		uint16_t min, max, len;
		const uint8_t *p = fo_msg_opt(msg, code, &len);

		if (!p)
			continue;
		if (!fo_opt_limits(code, &min, &max) || len < min || len > max)
			abort();
		if (p < msg->raw + msg->opts_off + FO_OPT_HDR_LEN ||
		    p + len > msg->raw + msg->hdr.len)
			abort();
	}
	if (msg->present & ~((2u << FO_OPT_CODE_MAX) - 1) || msg->present & 1u)
		abort();
}

/* Append transaction `i` of msg to b: assigned-IP first, so it splits the same way. */
static size_t rebuild_binding(struct fo_msg *msg, struct fo_builder *b)
{
	size_t bytes = 0;

	if (fo_msg_has(msg, FO_OPT_ASSIGNED_IP))
		bytes += FO_OPT_HDR_LEN + 4;
	if (fo_msg_has(msg, FO_OPT_ASSIGNED_IP) &&
	    fo_build_opt(b, FO_OPT_ASSIGNED_IP, msg->raw + msg->opt[FO_OPT_ASSIGNED_IP].off, 4))
		abort();
	for (unsigned code = 1; code <= FO_OPT_CODE_MAX; code++) {
		uint16_t len;
		const uint8_t *p = fo_msg_opt(msg, code, &len);

		if (!p || code == FO_OPT_ASSIGNED_IP)
			continue;
		/* Reordering shrinks nothing, so what came in fits again. */
		if (fo_build_opt(b, (uint16_t)code, p, len) != 0)
			abort();
		bytes += FO_OPT_HDR_LEN + len;
	}
	return bytes;
}

static void same_index(struct fo_msg *a, struct fo_msg *b)
{
	if (a->present != b->present)
		abort();
	for (unsigned code = 1; code <= FO_OPT_CODE_MAX; code++) {
		uint16_t la, lb;
		const uint8_t *pa = fo_msg_opt(a, code, &la);
		const uint8_t *pb = fo_msg_opt(b, code, &lb);

		if (!pa != !pb || (pa && (la != lb || memcmp(pa, pb, la) != 0)))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fo_msg msg, back;
	static uint8_t out[FO_MSG_MAX];
	struct fo_builder b;
	enum fo_err err = fo_msg_parse(data, size, &msg);
	int frame = fo_msg_frame_len(data, size);

	if (err >= FO_ERR__COUNT || !fo_err_name(err)[0])
		abort();
	if (err == FO_ERR_LEN_FIELD && size >= 2 && frame != -EBADMSG)
		abort();
	if (err != FO_ERR_NONE)
		return 0;
	if (frame != (int)size || msg.hdr.len != size || msg.opts_off < FO_HDR_LEN ||
	    msg.hdr.type == 0 || msg.hdr.type > FO_MSG_TYPE_MAX || msg.n_bindings > FO_BINDINGS_MAX)
		abort();

	unsigned n = msg.n_bindings ? msg.n_bindings : 1;
	size_t want = FO_HDR_LEN;

	if (fo_build_start(&b, out, sizeof(out), msg.hdr.type, msg.hdr.time, msg.hdr.xid) != 0)
		abort();
	for (unsigned i = 0; i < n; i++) {
		if (msg.n_bindings && fo_msg_select_binding(&msg, i) != 0)
			abort();
		check_index(&msg);
		want += rebuild_binding(&msg, &b);
	}
	/* Nothing past the last transaction; a message without any has none to select. */
	if (fo_msg_select_binding(&msg, n) != -ERANGE ||
	    (fo_msg_select_binding(&msg, 0) == 0) != (msg.n_bindings > 0))
		abort();

	int len = fo_build_finish(&b);

	if (len < 0 || (size_t)len != want)
		abort();
	if (fo_msg_parse(out, (size_t)len, &back) != FO_ERR_NONE)
		abort();
	if (back.hdr.type != msg.hdr.type || back.hdr.time != msg.hdr.time ||
	    back.hdr.xid != msg.hdr.xid || back.hdr.poff != FO_POFF_ISC ||
	    back.n_bindings != msg.n_bindings || back.n_unknown != 0)
		abort();
	for (unsigned i = 0; i < n; i++) {
		if (msg.n_bindings &&
		    (fo_msg_select_binding(&msg, i) != 0 || fo_msg_select_binding(&back, i) != 0))
			abort();
		same_index(&msg, &back);
	}
	return 0;
}
