/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz target for common/dhcp/dhcp_msg.c. Besides "does not crash", it checks
 * properties a later module relies on, and aborts when one breaks:
 *  - the log line is NUL terminated, printable and within its buffer, at
 *    every buffer size (CVE-2015-8373 class);
 *  - a reply that copies request options (82 and 55, possibly longer than
 *    255 after RFC 3396 concatenation) stays within a 576-byte cap, ends
 *    with END, and parses back with the same values.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dhcp/dhcp_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_line(const struct dhcp_msg *msg, size_t cap)
{
	char line[256];
	size_t n;

	memset(line, 'Z', sizeof(line));
	n = dhcp_msg_describe(msg, line, cap);
	if (cap == 0) {
		if (n != 0 || line[0] != 'Z')
			abort();
		return;
	}
	if (n >= cap || line[n] != '\0')
		abort();
	for (size_t i = 0; i < n; i++) {
		if (line[i] < 0x20 || line[i] > 0x7e)
			abort();
	}
	if (cap < sizeof(line) && line[cap] != 'Z')
		abort();
}

/* An option of the reply must read back exactly as it was added. */
static void check_echo(const struct dhcp_msg *back, uint8_t code, const uint8_t *val, uint16_t len)
{
	uint16_t got_len;
	const uint8_t *got = dhcp_msg_opt(back, code, &got_len);

	if (!got || got_len != len || (len && memcmp(got, val, len) != 0))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dhcp_msg msg, back;
	struct dhcp_reply r;
	uint8_t out[576];
	uint16_t rai_len = 0, prl_len = 0;
	const uint8_t *rai, *prl;
	bool rai_in = false, prl_in = false;
	int n;

	if (dhcp_msg_parse(data, size, &msg) != DROP_NONE)
		return 0;
	if (msg.opt_data_used > DHCP_OPT_DATA_MAX)
		abort();

	check_line(&msg, 256);
	check_line(&msg, 0);
	check_line(&msg, 1);
	check_line(&msg, 1 + size % 120);

	/*
	 * A REQUEST-typed reply so that the re-parse accepts it: OFFER and
	 * ACK are server-only types the parser refuses by design.
	 */
	uint8_t type = msg.msg_type == DHCP_NONE ? DHCP_NONE : DHCPREQUEST;

	if (dhcp_reply_init(&r, out, sizeof(out), &msg, type, 0xc0a80164u, msg.ciaddr,
			    0xc0a80101u) != 0)
		abort();
	dhcp_reply_add_u32(&r, DHO_SERVER_ID, 0xc0a80101u);
	dhcp_reply_add_u32(&r, DHO_LEASE_TIME, 3600);
	dhcp_reply_add_u32(&r, DHO_SUBNET_MASK, 0xffffff00u);
	prl = dhcp_msg_opt(&msg, DHO_PARAMETER_REQUEST_LIST, &prl_len);
	if (prl)
		prl_in = dhcp_reply_add(&r, DHO_PARAMETER_REQUEST_LIST, prl, prl_len) == 0;
	dhcp_reply_add(&r, DHO_DOMAIN_NAME, "example.com", 11);
	rai = dhcp_msg_opt(&msg, DHO_RELAY_AGENT_INFO, &rai_len);
	if (rai)
		rai_in = dhcp_reply_add(&r, DHO_RELAY_AGENT_INFO, rai, rai_len) == 0;
	n = dhcp_reply_finish(&r);
	if (n < (int)DHCP_MIN_REPLY_LEN || n > (int)sizeof(out))
		abort();

	/* The last non-zero byte of a finished reply is END. */
	int last = n - 1;

	while (last > 0 && out[last] == 0)
		last--;
	if (out[last] != DHO_END)
		abort();

	out[0] = BOOTREQUEST;
	if (dhcp_msg_parse(out, (size_t)n, &back) != DROP_NONE)
		abort();
	if (back.xid != msg.xid || back.giaddr != msg.giaddr || back.msg_type != type ||
	    memcmp(back.chaddr, msg.chaddr, sizeof(msg.chaddr)) != 0)
		abort();
	if (prl_in)
		check_echo(&back, DHO_PARAMETER_REQUEST_LIST, prl, prl_len);
	if (rai_in) {
		check_echo(&back, DHO_RELAY_AGENT_INFO, rai, rai_len);
		if (back.link_selection != msg.link_selection)
			abort();
	}

	/* A tight cap exercises -ENOSPC on every add; finish must still succeed. */
	size_t cap = 250 + size % 64;

	if (dhcp_reply_init(&r, out, cap, &msg, type, 0, 0, 0) == 0) {
		if (rai)
			dhcp_reply_add(&r, DHO_RELAY_AGENT_INFO, rai, rai_len);
		if (prl)
			dhcp_reply_add(&r, DHO_PARAMETER_REQUEST_LIST, prl, prl_len);
		n = dhcp_reply_finish(&r);
		if (n <= 0 || (size_t)n > cap)
			abort();
	}
	return 0;
}
