/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz target for common/ddns/client_name.c: options 81 and 12 as a client
 * sends them, under a policy chosen by the first input byte. Besides "does
 * not crash", it aborts when a decided name could hurt the DNS side:
 *  - a name is at most 253 bytes of lower-case letters, digits, '-' and
 *    '.', with no empty label and no label over 63 bytes, so its wire form
 *    always builds (the DHCID and every UPDATE are computed from it);
 *  - a reply never says N and S together, and its wire-form name is the
 *    decided name;
 *  - updates are only promised for a name.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ddns/client_name.h"
#include "dhcp/dhcp_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_name(const struct client_name *cn)
{
	size_t label = 0;
	uint8_t wire[260];

	if (cn->len > DNS_NAME_TEXT_MAX || strlen(cn->name) != cn->len)
		abort();
	for (size_t i = 0; i < cn->len; i++) {
		char c = cn->name[i];
		if (c == '.') {
			if (!label)
				abort();
			label = 0;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
			abort();
		if (++label > DNS_LABEL_MAX)
			abort();
	}
	if (cn->len && (!label || dns_name_to_wire(cn->name, cn->len, wire, sizeof(wire)) < 0))
		abort();
	if ((cn->fwd || cn->rev) && !cn->len)
		abort();
}

static void check_reply(const struct client_name *cn)
{
	uint8_t wire[260];
	int n;

	if (cn->reply_len > sizeof(cn->reply))
		abort();
	if (cn->reply_code != DHO_CLIENT_FQDN)
		return;
	if (cn->reply_len < 3 || (cn->reply[0] & FQDN_F_N && cn->reply[0] & FQDN_F_S))
		abort();
	if (!(cn->reply[0] & FQDN_F_E) || !cn->len)
		return;
	n = dns_name_to_wire(cn->name, cn->len, wire, sizeof(wire));
	if (n < 0 || cn->reply_len != 3 + n || memcmp(cn->reply + 3, wire, (size_t)n))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t p[DHCP_FIXED_LEN + 4 + 3 + 1024 + 1];
	struct cfg_ddns_policy pol;
	struct client_name cn;
	struct dhcp_msg msg;
	size_t o = DHCP_FIXED_LEN;

	if (size < 1 || size - 1 > 1024)
		return 0;
	memset(p, 0, sizeof(p));
	p[0] = BOOTREQUEST;
	p[1] = 1;
	p[2] = 6;
	p[o++] = 0x63, p[o++] = 0x82, p[o++] = 0x53, p[o++] = 0x63;
	p[o++] = DHO_MESSAGE_TYPE, p[o++] = 1, p[o++] = DHCPREQUEST;
	memcpy(p + o, data + 1, size - 1);
	o += size - 1;
	p[o++] = DHO_END;
	if (dhcp_msg_parse(p, o, &msg) != DROP_NONE)
		return 0;

	memset(&pol, 0, sizeof(pol));
	pol.send_updates = data[0] & 1;
	pol.override_client_update = data[0] & 2;
	pol.override_no_update = data[0] & 4;
	pol.replace_client_name = (data[0] >> 3) & 3;
	strcpy(pol.generated_prefix, "myhost");
	/* a long suffix pushes names over 253; a replacement longer than one byte grows labels */
	strcpy(pol.qualifying_suffix, data[0] & 0x20 ? "example.test" : "");
	if (data[0] & 0x40) {
		/* 180 bytes, labels of 59: as long as the config check lets a suffix be */
		memset(pol.qualifying_suffix, 'q', 180);
		for (int i = 59; i < 179; i += 60)
			pol.qualifying_suffix[i] = '.';
	}
	strcpy(pol.char_replacement, data[0] & 0x80 ? "xy" : "");

	client_name_decide(&pol, &msg, 0xc0000205u, NULL, &cn);
	check_name(&cn);
	check_reply(&cn);
	client_name_decide(&pol, &msg, 0xc0000205u, "Res.Name", &cn);
	check_name(&cn);
	check_reply(&cn);
	return 0;
}
