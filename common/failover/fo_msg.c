/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Failover message codec. Every read of peer bytes goes through a wire
 * cursor (STYLE rule 9); the parser is a ladder whose only exit is the
 * error code it returns (rule 11). The message is copied first, so the
 * index, the typed accessors and fo_msg_select_binding() read our own
 * bytes, which outlive the session's receive buffer.
 */
#include <string.h>

#include "failover/fo_msg.h"

/* Names and size limits by number, expanded from the lists of fo_codes.h and fo_msg.h. */
static const char *const msg_type_names[FO_MSG_TYPE_MAX + 1] = {
#define NAME_OF(pfx, name, num, str) [num] = str,
	FO_MSG_TYPE_LIST(NAME_OF)
};

static const char *const binding_status_names[FO_BINDING_BACKUP + 1] = { FO_BINDING_STATUS_LIST(
    NAME_OF) };

static const char *const server_state_names[FO_STATE_RECOVER_WAIT + 1] = { FO_SERVER_STATE_LIST(
    NAME_OF) };

static const char *const reject_names[FO_REJECT_UNKNOWN + 1] = { FO_REJECT_LIST(NAME_OF) };
#undef NAME_OF

static const struct {
	const char *name;
	uint16_t min, max;
} opt_info[FO_OPT_CODE_MAX + 1] = {
#define OPT_INFO(name, lower, code, str, kind, lo, hi) [code] = { str, lo, hi },
	FO_OPT_LIST(OPT_INFO)
#undef OPT_INFO
};

static const struct {
	enum fo_err_action act;
	const char *name, *help;
} err_info[FO_ERR__COUNT] = {
#define ERR_INFO(name, act, str, help) [FO_ERR_##name] = { FO_ACT_##act, str, help },
	FO_ERR_LIST(ERR_INFO)
#undef ERR_INFO
};

/* Entry v of a sparse name table, "unknown" for a hole or a number past it. */
static const char *name_in(const char *const *names, size_t n, unsigned v)
{
	return v < n && names[v] ? names[v] : "unknown";
}

#define NAME_IN(tab, v) name_in(tab, sizeof(tab) / sizeof(tab[0]), v)

const char *fo_msg_type_name(unsigned type) { return NAME_IN(msg_type_names, type); }
const char *fo_binding_status_name(unsigned s) { return NAME_IN(binding_status_names, s); }
const char *fo_server_state_name(unsigned state) { return NAME_IN(server_state_names, state); }
const char *fo_reject_reason_name(unsigned reason) { return NAME_IN(reject_names, reason); }

const char *fo_opt_name(unsigned code)
{
	return code <= FO_OPT_CODE_MAX && opt_info[code].name ? opt_info[code].name : "unknown";
}

const char *fo_err_name(enum fo_err err)
{
	return (unsigned)err < FO_ERR__COUNT ? err_info[err].name : "invalid";
}

const char *fo_err_help(enum fo_err err)
{
	return (unsigned)err < FO_ERR__COUNT ? err_info[err].help : "invalid";
}

/* An error outside the list is treated as the worst. */
enum fo_err_action fo_err_action(enum fo_err err)
{
	return (unsigned)err < FO_ERR__COUNT ? err_info[err].act : FO_ACT_CLOSE;
}

bool fo_opt_limits(unsigned code, uint16_t *min, uint16_t *max)
{
	if (code > FO_OPT_CODE_MAX || !opt_info[code].name)
		return false;
	*min = opt_info[code].min;
	*max = opt_info[code].max;
	return true;
}

int fo_msg_frame_len(const uint8_t *buf, size_t len)
{
	struct wire_cursor c;
	uint16_t mlen;

	if (!buf || len < 2)
		return 0;
	wire_init(&c, buf, 2);
	mlen = wire_u16(&c);
	if (mlen < FO_HDR_LEN || mlen > FO_MSG_MAX)
		return -EBADMSG;
	return mlen;
}

/* BNDUPD and BNDACK may carry several binding transactions (draft sec 6.3). */
static bool type_batches(uint8_t type) { return type == FO_MSG_BNDUPD || type == FO_MSG_BNDACK; }

static enum fo_err opt_fail(struct fo_msg *msg, enum fo_err err, uint16_t code, size_t at)
{
	msg->err_opt = code;
	msg->err_off = (uint16_t)at;
	return err;
}

/*
 * Walk the options in raw[from, to). The first walk (whole message) checks
 * every option, counts the unknown ones, splits BNDUPD/BNDACK into
 * transactions and indexes the first; a later walk re-indexes a transaction
 * the first walk has already checked, so it cannot fail.
 */
static enum fo_err opt_walk(struct fo_msg *msg, size_t from, size_t to, bool first)
{
	struct wire_cursor c;
	uint32_t seen = 0;
	bool batches = type_batches(msg->hdr.type);

	msg->present = 0;
	wire_init(&c, msg->raw + from, to - from);
	while (wire_left(&c) > 0) {
		size_t at = from + c.pos;
		/* Draft sec 6.2: code and length; the cursor refuses a value past the end. */
		uint16_t code = wire_u16(&c);
		uint16_t len = wire_u16(&c);

		wire_skip(&c, len);
		if (!wire_ok(&c))
			return opt_fail(msg, FO_ERR_OPT_TRUNC, code, at);
		/* Draft sec 6.1: an unknown option MUST be ignored. */
		if (code > FO_OPT_CODE_MAX || !opt_info[code].name) {
			if (first)
				msg->n_unknown++;
			continue;
		}
		if (len < opt_info[code].min || len > opt_info[code].max)
			return opt_fail(msg, FO_ERR_OPT_LEN, code, at);

		uint32_t bit = 1u << code;

		if (first && batches && code == FO_OPT_ASSIGNED_IP) {
			/* Draft sec 7.1: assigned-IP-address starts each binding transaction. */
			if (msg->n_bindings == FO_BINDINGS_MAX)
				return opt_fail(msg, FO_ERR_BINDINGS, code, at);
			if (msg->n_bindings > 0) {
				msg->binding_off[msg->n_bindings] = (uint16_t)at;
				seen = 0;
			}
			msg->n_bindings++;
		}
		if (seen & bit)
			return opt_fail(msg, FO_ERR_OPT_DUP, code, at);
		seen |= bit;
		/* The first walk indexes the first transaction only. */
		if (first && msg->n_bindings > 1)
			continue;
		msg->present |= bit;
		msg->opt[code].off = (uint16_t)(at + FO_OPT_HDR_LEN);
		msg->opt[code].len = len;
	}
	return FO_ERR_NONE;
}

enum fo_err fo_msg_parse(const uint8_t *buf, size_t len, struct fo_msg *msg)
{
	struct wire_cursor c;
	enum fo_err err;

	/* Everything before the index; opt[] is read only through present. */
	memset(msg, 0, offsetof(struct fo_msg, opt));
	if (!buf || len < FO_HDR_LEN)
		return FO_ERR_SHORT;

	/* Draft sec 6.1 header. */
	wire_init(&c, buf, len);
	msg->hdr.len = wire_u16(&c);
	msg->hdr.type = wire_u8(&c);
	msg->hdr.poff = wire_u8(&c);
	msg->hdr.time = wire_u32(&c);
	msg->hdr.xid = wire_u32(&c);
	if (msg->hdr.len < FO_HDR_LEN || msg->hdr.len > FO_MSG_MAX)
		return FO_ERR_LEN_FIELD;
	/* One message, exactly: the session frames the stream by the length field. */
	if (msg->hdr.len > len)
		return FO_ERR_TRUNCATED;
	if (msg->hdr.len < len)
		return FO_ERR_TRAILING;

	/*
	 * Draft sec 6.1 says 8 for version 1, contradicting its own 12-byte
	 * header; ISC sends 12 and skips poff - 12 extra header bytes,
	 * Microsoft sends 8 and means 12 (specs sec 1). Anything else below
	 * 12 would put options inside the header.
	 */
	msg->opts_off = msg->hdr.poff == FO_POFF_MS ? FO_HDR_LEN : msg->hdr.poff;
	if (msg->opts_off < FO_HDR_LEN || msg->opts_off > msg->hdr.len)
		return FO_ERR_POFF;

	/* Draft sec 6.1: unknown 0-127 MUST close, 128-255 SHOULD be ignored. */
	if (msg->hdr.type >= 128)
		return FO_ERR_TYPE_IGNORE;
	if (msg->hdr.type == 0 || msg->hdr.type > FO_MSG_TYPE_MAX)
		return FO_ERR_TYPE_UNKNOWN;

	wire_read(&c, msg->raw + FO_HDR_LEN, msg->hdr.len - FO_HDR_LEN);
	memcpy(msg->raw, buf, FO_HDR_LEN);
	if (!wire_ok(&c))
		return FO_ERR_TRUNCATED; /* not reached: hdr.len <= len was checked */

	msg->binding_off[0] = msg->opts_off;
	err = opt_walk(msg, msg->opts_off, msg->hdr.len, true);
	if (err != FO_ERR_NONE)
		return err;
	msg->binding_off[msg->n_bindings ? msg->n_bindings : 1] = msg->hdr.len;
	return FO_ERR_NONE;
}

int fo_msg_select_binding(struct fo_msg *msg, unsigned i)
{
	if (!msg || i >= msg->n_bindings)
		return -ERANGE;
	if (i != msg->binding) {
		opt_walk(msg, msg->binding_off[i], msg->binding_off[i + 1], false);
		msg->binding = (uint8_t)i;
	}
	return 0;
}

static int build_fail(struct fo_builder *b, int err)
{
	if (!b->err)
		b->err = err;
	return err;
}

int fo_build_start(struct fo_builder *b, uint8_t *buf, size_t cap, uint8_t type, uint32_t time,
		   uint32_t xid)
{
	if (!b)
		return -EINVAL;
	*b = (struct fo_builder){ .poff = FO_POFF_ISC };
	wire_init(&b->c, buf, cap < FO_MSG_MAX ? cap : FO_MSG_MAX);
	if (!buf || type == 0 || type > FO_MSG_TYPE_MAX)
		return build_fail(b, -EINVAL);
	if (wire_left(&b->c) < FO_HDR_LEN)
		return build_fail(b, -ENOSPC);
	wire_put_u16(&b->c, 0); /* length and payload offset: written by finish */
	wire_put_u8(&b->c, type);
	wire_put_u8(&b->c, 0);
	wire_put_u32(&b->c, time);
	wire_put_u32(&b->c, xid);
	b->open = true;
	return 0;
}

int fo_build_opt(struct fo_builder *b, uint16_t code, const void *val, size_t len)
{
	uint16_t min, max;

	if (!b)
		return -EINVAL;
	if (!b->open || (len && !val))
		return build_fail(b, -EINVAL);
	if (fo_opt_limits(code, &min, &max) && (len < min || len > max))
		return build_fail(b, -EINVAL);
	/* Check the room first: a refused option leaves the message as it was. */
	if (len > UINT16_MAX || wire_left(&b->c) < FO_OPT_HDR_LEN + len)
		return build_fail(b, -ENOSPC);
	wire_put_u16(&b->c, code);
	wire_put_u16(&b->c, (uint16_t)len);
	if (len)
		wire_put(&b->c, val, len);
	return 0;
}

int fo_build_uint(struct fo_builder *b, uint16_t code, size_t width, uint32_t v)
{
	uint8_t be[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };

	if (width != 1 && width != 2 && width != 4)
		return b ? build_fail(b, -EINVAL) : -EINVAL;
	return fo_build_opt(b, code, be + 4 - width, width);
}

int fo_build_finish(struct fo_builder *b)
{
	if (!b)
		return -EINVAL;
	if (!b->open)
		return b->err ? b->err : -EINVAL;
	b->open = false;
	if (b->err)
		return b->err;

	size_t len = b->c.pos;
	struct wire_cursor hdr;

	wire_init(&hdr, b->c.base, FO_HDR_LEN);
	wire_put_u16(&hdr, (uint16_t)len);
	wire_skip(&hdr, 1);
	wire_put_u8(&hdr, b->poff);
	return (int)len;
}
