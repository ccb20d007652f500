/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Option 81 / option 12 against the ddns-* policy (client_name.h). The
 * RFC 4702 sec 4 table as Kea implements it (../shared/specs/ddns.md sec
 * 3.2): the server updates the A RR when its reply says S=1 and the PTR
 * when it says N=0.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ddns/client_name.h"
#include "dhcp/dhcp_msg.h"

/* A name being assembled: labels joined by dots, lower case, LDH after sanitising. */
struct name_buf {
	char s[DNS_NAME_TEXT_MAX + 1];
	size_t len;
	unsigned labels;
	bool full; /* the client marked it fully qualified */
	uint8_t issue;
};

static void note(uint8_t *issue, uint8_t what)
{
	if (*issue == CLIENT_NAME_OK)
		*issue = what;
}

static bool is_ldh(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

/* Append one label, sanitised; false when the name can no longer be used. */
static bool put_label(struct name_buf *nb, const uint8_t *p, size_t n, const char *repl)
{
	size_t rl = strlen(repl), start;

	if (nb->labels && nb->len + 1 > DNS_NAME_TEXT_MAX)
		goto too_long;
	if (nb->labels)
		nb->s[nb->len++] = '.';
	start = nb->len;
	for (size_t i = 0; i < n; i++) {
		uint8_t c = p[i];
		if (c >= 'A' && c <= 'Z')
			c = (uint8_t)(c - 'A' + 'a');
		if (is_ldh(c)) {
			if (nb->len + 1 > DNS_NAME_TEXT_MAX)
				goto too_long;
			nb->s[nb->len++] = (char)c;
			continue;
		}
		note(&nb->issue, CLIENT_NAME_SANITISED);
		if (nb->len + rl > DNS_NAME_TEXT_MAX)
			goto too_long;
		memcpy(nb->s + nb->len, repl, rl);
		nb->len += rl;
	}
	if (nb->len == start || nb->len - start > DNS_LABEL_MAX) {
		note(&nb->issue, nb->len == start ? CLIENT_NAME_EMPTY : CLIENT_NAME_TOO_LONG);
		return false;
	}
	nb->labels++;
	nb->s[nb->len] = '\0';
	return true;
too_long:
	note(&nb->issue, CLIENT_NAME_TOO_LONG);
	return false;
}

/* Dotted text (option 12, option 81 with E=0, a reservation): a final dot marks it full. */
static bool parse_text(struct name_buf *nb, const uint8_t *p, size_t n, const char *repl)
{
	if (n && p[n - 1] == '.') {
		nb->full = true;
		n--;
	}
	while (n) {
		const uint8_t *dot = memchr(p, '.', n);
		size_t l = dot ? (size_t)(dot - p) : n;
		if (!put_label(nb, p, l, repl))
			return false;
		if (!dot)
			break;
		n -= l + 1;
		p += l + 1;
		if (!n) { /* "a..": an empty label */
			note(&nb->issue, CLIENT_NAME_EMPTY);
			return false;
		}
	}
	return nb->labels > 0;
}

/* RFC 4702 sec 2.3.1 canonical wire encoding; no root label means a partial name. */
static bool parse_wire(struct name_buf *nb, const uint8_t *p, size_t n, const char *repl)
{
	size_t i = 0;

	while (i < n) {
		uint8_t l = p[i++];
		if (l == 0) {
			nb->full = true;
			if (i != n) /* bytes after the root label */
				break;
			return nb->labels > 0;
		}
		if (l > DNS_LABEL_MAX || l > n - i) /* compression pointers are > 63 too */
			break;
		if (!put_label(nb, p + i, l, repl))
			return false;
		i += l;
	}
	if (i == n && nb->labels)
		return true;
	note(&nb->issue, CLIENT_NAME_BAD_ENCODING);
	return false;
}

/* Qualify a partial name with the suffix into out; false when too long. */
static bool qualify(const struct name_buf *nb, bool partial, const char *suffix,
		    struct client_name *out)
{
	size_t sl = partial ? strlen(suffix) : 0;
	size_t total = nb->len + (sl ? sl + 1 : 0);

	if (total > DNS_NAME_TEXT_MAX) {
		note(&out->issue, CLIENT_NAME_TOO_LONG);
		return false;
	}
	memcpy(out->name, nb->s, nb->len);
	if (sl) {
		out->name[nb->len] = '.';
		memcpy(out->name + nb->len + 1, suffix, sl);
	}
	out->name[total] = '\0';
	out->len = (uint8_t)total;
	return true;
}

int dns_name_to_wire(const char *name, size_t len, uint8_t *wire, size_t cap)
{
	size_t o = 0, i = 0;

	if (len == 0 || len > DNS_NAME_TEXT_MAX || cap < len + 2)
		return -EINVAL;
	while (i <= len) {
		const char *dot = memchr(name + i, '.', len - i);
		size_t l = dot ? (size_t)(dot - (name + i)) : len - i;
		if (l == 0 || l > DNS_LABEL_MAX)
			return -EINVAL;
		wire[o++] = (uint8_t)l;
		for (size_t k = 0; k < l; k++) {
			char c = name[i + k];
			wire[o++] = (uint8_t)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
		}
		i += l + 1;
		if (!dot)
			break;
	}
	wire[o++] = 0;
	return (int)o;
}

/* The option 81 of the reply: our flags, RCODEs 255 (RFC 4702 sec 2.2), the name in the client's encoding. */
static void reply_fqdn(struct client_name *out, uint8_t client_flags)
{
	bool wire = client_flags & FQDN_F_E;
	uint8_t flags = client_flags & FQDN_F_E;

	if (out->fwd)
		flags |= FQDN_F_S;
	if ((flags & FQDN_F_S) != (client_flags & FQDN_F_S))
		flags |= FQDN_F_O;
	if (!out->fwd && !out->rev)
		flags |= FQDN_F_N;
	out->reply_code = DHO_CLIENT_FQDN;
	out->reply[0] = flags;
	out->reply[1] = 255;
	out->reply[2] = 255;
	out->reply_len = 3;
	if (!out->len)
		return;
	if (wire) {
		int n =
		    dns_name_to_wire(out->name, out->len, out->reply + 3, sizeof(out->reply) - 3);
		if (n > 0)
			out->reply_len = (uint16_t)(3 + n);
	} else {
		memcpy(out->reply + 3, out->name, out->len);
		out->reply[3 + out->len] = '.';
		out->reply_len = (uint16_t)(3 + out->len + 1);
	}
}

static void generate(const struct cfg_ddns_policy *pol, uint32_t ip, struct name_buf *nb)
{
	char t[CFG_DDNS_PREFIX_MAX + 20];
	int n = snprintf(t, sizeof(t), "%s-%u-%u-%u-%u", pol->generated_prefix, ip >> 24,
			 ip >> 16 & 255, ip >> 8 & 255, ip & 255);

	memset(nb, 0, sizeof(*nb));
	if (n > 0 && (size_t)n < sizeof(t))
		put_label(nb, (const uint8_t *)t, (size_t)n, "");
}

bool client_name_decide(const struct cfg_ddns_policy *pol, const struct dhcp_msg *req,
			uint32_t yiaddr, const char *reserved, struct client_name *out)
{
	uint16_t l81 = 0, l12 = 0;
	const uint8_t *o81 = dhcp_msg_opt(req, DHO_CLIENT_FQDN, &l81);
	/* RFC 4702 sec 3.1: with option 81 present, option 12 is ignored. */
	const uint8_t *o12 = o81 ? NULL : dhcp_msg_opt(req, DHO_HOST_NAME, &l12);
	struct name_buf nb;
	uint8_t cflags = 0;
	bool have = false, asked;

	out->source = CLIENT_NAME_NONE;
	out->issue = CLIENT_NAME_OK;
	out->fwd = out->rev = false;
	out->len = 0;
	out->name[0] = '\0';
	out->reply_code = 0;
	out->reply_len = 0;
	memset(&nb, 0, sizeof(nb));

	if (o81 && l81 < 3) {
		note(&out->issue, CLIENT_NAME_BAD_LENGTH);
		o81 = NULL;
	} else if (o81) {
		cflags = o81[0] & (FQDN_F_S | FQDN_F_O | FQDN_F_E | FQDN_F_N);
		if ((cflags & FQDN_F_N) && (cflags & FQDN_F_S)) {
			note(&out->issue, CLIENT_NAME_BAD_FLAGS);
			o81 = NULL;
		}
	}
	if (o81) {
		out->source = CLIENT_NAME_FQDN;
		have = l81 > 3 && (cflags & FQDN_F_E ? parse_wire : parse_text)(
				      &nb, o81 + 3, l81 - 3u, pol->char_replacement);
	} else if (o12) {
		out->source = CLIENT_NAME_HOSTNAME;
		have = parse_text(&nb, o12, l12, pol->char_replacement);
		if (have && nb.labels > 1)
			nb.full = true; /* "a.b" is the client's FQDN (Kea) */
	}
	note(&out->issue, nb.issue);
	if (!have)
		memset(&nb, 0, sizeof(nb));
	/* One label is a host name, whatever its encoding says ("host1." in DNS is no one's). */
	if (have && nb.labels == 1)
		nb.full = false;

	/* Which records (RFC 4702 sec 4 via Kea's analyzeFqdn). */
	asked = o81 || o12;
	if (o81 && (cflags & FQDN_F_N)) {
		out->fwd = out->rev = pol->override_no_update;
	} else if (o81) {
		out->rev = true;
		out->fwd = (cflags & FQDN_F_S) || pol->override_client_update;
	} else {
		out->fwd = out->rev = true; /* option 12 or nothing: the server does both */
	}

	/* Which name. */
	if (reserved && *reserved) {
		struct name_buf rb;
		memset(&rb, 0, sizeof(rb));
		if (parse_text(&rb, (const uint8_t *)reserved, strlen(reserved), "")) {
			rb.full = rb.labels > 1;
			nb = rb;
			have = true;
			out->source = CLIENT_NAME_RESERVED;
		}
	} else {
		bool gen = false;
		switch (pol->replace_client_name) {
		case CFG_DDNS_REPLACE_ALWAYS: gen = true; break;
		case CFG_DDNS_REPLACE_WHEN_PRESENT: gen = have; break;
		case CFG_DDNS_REPLACE_WHEN_NOT_PRESENT: gen = !have; break;
		default: break;
		}
		if (gen) {
			generate(pol, yiaddr, &nb);
			have = nb.labels > 0;
			out->source = CLIENT_NAME_GENERATED;
		}
	}
	if (have)
		have = qualify(&nb, !nb.full, pol->qualifying_suffix, out);
	if (!have || !pol->send_updates)
		out->fwd = out->rev = false;
	if (!have && !asked)
		out->source = CLIENT_NAME_NONE;

	if (o81)
		reply_fqdn(out, cflags);
	else if (o12 && out->len) {
		/* Kea answers option 12 with the name it registered, qualified. */
		out->reply_code = DHO_HOST_NAME;
		memcpy(out->reply, out->name, out->len);
		out->reply_len = out->len;
	}
	return out->len > 0 || out->reply_code;
}

const char *client_name_issue_name(uint8_t issue)
{
	static const char *const names[] = {
		[CLIENT_NAME_OK] = "ok",
		[CLIENT_NAME_BAD_LENGTH] = "bad-length",
		[CLIENT_NAME_BAD_FLAGS] = "bad-flags",
		[CLIENT_NAME_BAD_ENCODING] = "bad-encoding",
		[CLIENT_NAME_SANITISED] = "sanitised",
		[CLIENT_NAME_TOO_LONG] = "too-long",
		[CLIENT_NAME_EMPTY] = "empty",
	};
	return issue < sizeof(names) / sizeof(names[0]) && names[issue] ? names[issue] : "?";
}
