/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Option 81 / option 12 decisions (common/ddns/client_name.c): the RFC 4702
 * sec 4 table as Kea implements it, both name encodings, qualification,
 * sanitising, generated and reserved names, and the hostile shapes the
 * DNS-updates work must survive (bogus lengths, labels over 63 bytes,
 * compression pointers, control characters, names over 253 bytes).
 */
#include <errno.h>
#include <string.h>

#include "../../unit_suite.h"
#include "ddns/client_name.h"
#include "dhcp/dhcp_msg.h"

static struct dhcp_msg msg;

/* A DHCPREQUEST carrying the given options (code, len, value...) after option 53. */
static void parse_request(const uint8_t *opts, size_t n)
{
	uint8_t p[DHCP_FIXED_LEN + 4 + 3 + 600 + 1];
	size_t o = DHCP_FIXED_LEN;

	ck_assert_uint_le(n, 600);
	memset(p, 0, sizeof(p));
	p[0] = BOOTREQUEST;
	p[1] = 1;
	p[2] = 6;
	p[28] = 0x02;
	p[o++] = 0x63, p[o++] = 0x82, p[o++] = 0x53, p[o++] = 0x63;
	p[o++] = DHO_MESSAGE_TYPE, p[o++] = 1, p[o++] = DHCPREQUEST;
	if (n) /* memcpy from NULL is undefined even for 0 bytes */
		memcpy(p + o, opts, n);
	o += n;
	p[o++] = DHO_END;
	ck_assert_int_eq(dhcp_msg_parse(p, o, &msg), DROP_NONE);
}

static struct cfg_ddns_policy policy(void)
{
	struct cfg_ddns_policy pol;

	memset(&pol, 0, sizeof(pol));
	pol.send_updates = true;
	strcpy(pol.generated_prefix, "myhost");
	strcpy(pol.qualifying_suffix, "example.test");
	return pol;
}

#define IP_192_0_2_5 0xc0000205u

START_TEST(fqdn_wire_full_server_updates_both)
{
	/* flags S|E, rcodes 0 0, "Host1.Example.test." in wire form */
	static const uint8_t o[] = { 81,  23,  0x05, 0,	  0,   5,   'H', 'o', 's', 't', '1', 7, 'E',
				     'x', 'a', 'm',  'p', 'l', 'e', 4,	 't', 'e', 's', 't', 0 };
	struct cfg_ddns_policy pol = policy();
	struct client_name cn;

	parse_request(o, sizeof(o));
	ck_assert(client_name_decide(&pol, &msg, IP_192_0_2_5, NULL, &cn));
	ck_assert_str_eq(cn.name, "host1.example.test");
	ck_assert_uint_eq(cn.len, 18);
	ck_assert_uint_eq(cn.source, CLIENT_NAME_FQDN);
	ck_assert(cn.fwd && cn.rev);
	ck_assert_uint_eq(cn.issue, CLIENT_NAME_OK);
	/* reply: S|E, no O, no N, rcodes 255, the name lower-cased in wire form */
	ck_assert_uint_eq(cn.reply_code, 81);
	ck_assert_uint_eq(cn.reply[0], FQDN_F_S | FQDN_F_E);
	ck_assert_uint_eq(cn.reply[1], 255);
	ck_assert_uint_eq(cn.reply[2], 255);
	ck_assert_uint_eq(cn.reply_len, 3 + 20);
	ck_assert_mem_eq(cn.reply + 3, "\005host1\007example\004test\000", 20);
}
END_TEST

START_TEST(fqdn_partial_is_qualified)
{
	/* S=0 (client does A), E=1, partial "laptop" without the root label */
	static const uint8_t o[] = { 81, 10, 0x04, 0, 0, 6, 'l', 'a', 'p', 't', 'o', 'p' };
	struct cfg_ddns_policy pol = policy();
	struct client_name cn;

	parse_request(o, sizeof(o));
	client_name_decide(&pol, &msg, IP_192_0_2_5, NULL, &cn);
	ck_assert_str_eq(cn.name, "laptop.example.test");
	/* N=0,S=0: PTR only, reply S=0 O=0 N=0 */
	ck_assert(!cn.fwd && cn.rev);
	ck_assert_uint_eq(cn.reply[0], FQDN_F_E);

	pol.override_client_update = true;
	client_name_decide(&pol, &msg, IP_192_0_2_5, NULL, &cn);
	ck_assert(cn.fwd && cn.rev);
	ck_assert_uint_eq(cn.reply[0], FQDN_F_E | FQDN_F_S | FQDN_F_O);
}
END_TEST

START_TEST(fqdn_no_update_and_override)
{
	static const uint8_t o[] = { 81, 6, 0x0c, 0, 0, 2, 'p', 'c' }; /* N|E */
	struct cfg_ddns_policy pol = policy();
	struct client_name cn;

	parse_request(o, sizeof(o));
	client_name_decide(&pol, &msg, IP_192_0_2_5, NULL, &cn);
	ck_assert(!cn.fwd && !cn.rev);
	ck_assert_uint_eq(cn.reply[0], FQDN_F_E | FQDN_F_N);
	ck_assert_str_eq(cn.name, "pc.example.test"); /* kept for the lease, not registered */

	pol.override_no_update = true;
	client_name_decide(&pol, &msg, IP_192_0_2_5, NULL, &cn);
	ck_assert(cn.fwd && cn.rev);
	ck_assert_uint_eq(cn.reply[0], FQDN_F_E | FQDN_F_S | FQDN_F_O);
}
END_TEST

START_TEST(fqdn_n_and_s_is_ignored)
{
	static const uint8_t o[] = { 81, 6, 0x0d, 0, 0, 2, 'p', 'c' }; /* N|S|E */
	struct cfg_ddns_policy pol = policy();
	struct client_name cn;

	parse_request(o, sizeof(o));
	ck_assert(!client_name_decide(&pol, &msg, IP_192_0_2_5, NULL, &cn));
	ck_assert_uint_eq(cn.issue, CLIENT_NAME_BAD_FLAGS);
	ck_assert(!cn.fwd && !cn.rev);
	ck_assert_uint_eq(cn.reply_code, 0);
}
END_TEST

START_TEST(fqdn_ascii_encoding_answered_in_ascii)
{
	static const uint8_t o[] = {
		81, 12, 0x01, 0, 0, 'p', 'r', 'i', 'n', 't', 'e', 'r', '4', '.'
	};
	struct cfg_ddns_policy pol = policy();
	struct client_name cn;

	parse_request(o, sizeof(o));
	client_name_decide(&pol, &msg, IP_192_0_2_5, NULL, &cn);
	/* one label is a host name even with a final dot: qualified */
	ck_assert_str_eq(cn.name, "printer4.example.test");
	ck_assert_uint_eq(cn.reply[0], FQDN_F_S);
	ck_assert_uint_eq(cn.reply_len, 3 + 22);
	ck_assert_mem_eq(cn.reply + 3, "printer4.example.test.", 22);
}
END_TEST

START_TEST(fqdn_hostile_shapes)
{
	struct cfg_ddns_policy pol = policy();
	struct client_name cn;
	/* shorter than the three fixed bytes */
	static const uint8_t shortopt[] = { 81, 2, 0x05, 0 };
	/* a label length running past the option */
	static const uint8_t overrun[] = { 81, 7, 0x05, 0, 0, 9, 'a', 'b', 'c' };
	/* a compression pointer (0xc0) */
	static const uint8_t pointer[] = { 81, 6, 0x05, 0, 0, 0xc0, 0x0c, 0 };
	/* bytes after the root label */
	static const uint8_t trailing[] = { 81, 8, 0x05, 0, 0, 1, 'a', 0, 1, 'b' };
	uint8_t big[2 + 3 + 65];

	parse_request(shortopt, sizeof(shortopt));
	client_name_decide(&pol, &msg, IP_192_0_2_5, NULL, &cn);
	ck_assert_uint_eq(cn.issue, CLIENT_NAME_BAD_LENGTH);
	ck_assert_uint_eq(cn.len, 0);
	ck_assert_uint_eq(cn.reply_code, 0);

	parse_request(overrun, sizeof(overrun));
	client_name_decide(&pol, &msg, IP_192_0_2_5, NULL, &cn);
	ck_assert_uint_eq(cn.issue, CLIENT_NAME_BAD_ENCODING);
	ck_assert_uint_eq(cn.len, 0);
	ck_assert(!cn.fwd && !cn.rev);

	parse_request(pointer, sizeof(pointer));
	client_name_decide(&pol, &msg, IP_192_0_2_5, NULL, &cn);
	ck_assert_uint_eq(cn.issue, CLIENT_NAME_BAD_ENCODING);
	ck_assert_uint_eq(cn.len, 0);

	parse_request(trailing, sizeof(trailing));
	client_name_decide(&pol, &msg, IP_192_0_2_5, NULL, &cn);
	ck_assert_uint_eq(cn.len, 0);

	/* a 64-byte label */
	big[0] = 81;
	big[1] = 3 + 65;
	big[2] = 0x05, big[3] = 0, big[4] = 0, big[5] = 64;
	memset(big + 6, 'a', 64);
	parse_request(big, sizeof(big));
	client_name_decide(&pol, &msg, IP_192_0_2_5, NULL, &cn);
	ck_assert_uint_eq(cn.len, 0);
	ck_assert_uint_eq(cn.issue, CLIENT_NAME_BAD_ENCODING);
}
END_TEST

START_TEST(hostname_sanitised_and_qualified)
{
	/* option 12 with a space, an underscore, a UTF-8 e-acute and a control byte */
	static const uint8_t o[] = { 12,  12,	'M',  'y',  ' ', 'P', '_',
				     'C', 0xc3, 0xa9, 0x07, 'x', '-', '1' };
	struct cfg_ddns_policy pol = policy();
	struct client_name cn;

	parse_request(o, sizeof(o));
	client_name_decide(&pol, &msg, IP_192_0_2_5, NULL, &cn);
	ck_assert_str_eq(cn.name, "mypcx-1.example.test");
	ck_assert_uint_eq(cn.issue, CLIENT_NAME_SANITISED);
	ck_assert(cn.fwd && cn.rev);
	ck_assert_uint_eq(cn.reply_code, 12);
	ck_assert_uint_eq(cn.reply_len, cn.len);
	ck_assert_mem_eq(cn.reply, "mypcx-1.example.test", cn.len);

	strcpy(pol.char_replacement, "x");
	client_name_decide(&pol, &msg, IP_192_0_2_5, NULL, &cn);
	ck_assert_str_eq(cn.name, "myxpxcxxxx-1.example.test");
}
END_TEST

START_TEST(hostname_with_dots_is_full_and_81_wins)
{
	static const uint8_t dotted[] = { 12, 9, 'a', '.', 'o', 't', 'h', 'e', 'r', '.', 'z' };
	/* option 81 and 12 together: 12 is ignored (RFC 4702 sec 3.1) */
	static const uint8_t both[] = { 12, 3, 'b', 'a', 'd', 81,  8,  0x05,
					0,  0, 4,   'g', 'o', 'o', 'd' };
	struct cfg_ddns_policy pol = policy();
	struct client_name cn;

	parse_request(dotted, sizeof(dotted));
	client_name_decide(&pol, &msg, IP_192_0_2_5, NULL, &cn);
	ck_assert_str_eq(cn.name, "a.other.z");

	parse_request(both, sizeof(both));
	client_name_decide(&pol, &msg, IP_192_0_2_5, NULL, &cn);
	ck_assert_str_eq(cn.name, "good.example.test");
	ck_assert_uint_eq(cn.reply_code, 81);
}
END_TEST

START_TEST(generated_and_reserved_names)
{
	static const uint8_t named[] = { 12, 4, 'k', 'e', 'e', 'p' };
	struct cfg_ddns_policy pol = policy();
	struct client_name cn;

	/* nothing sent, never: no name, no updates */
	parse_request(NULL, 0);
	ck_assert(!client_name_decide(&pol, &msg, IP_192_0_2_5, NULL, &cn));
	ck_assert(!cn.fwd && !cn.rev);

	pol.replace_client_name = CFG_DDNS_REPLACE_WHEN_NOT_PRESENT;
	client_name_decide(&pol, &msg, IP_192_0_2_5, NULL, &cn);
	ck_assert_str_eq(cn.name, "myhost-192-0-2-5.example.test");
	ck_assert_uint_eq(cn.source, CLIENT_NAME_GENERATED);
	ck_assert(cn.fwd && cn.rev);
	ck_assert_uint_eq(cn.reply_code, 0); /* the client asked nothing */

	parse_request(named, sizeof(named));
	client_name_decide(&pol, &msg, IP_192_0_2_5, NULL, &cn);
	ck_assert_str_eq(cn.name, "keep.example.test");

	pol.replace_client_name = CFG_DDNS_REPLACE_ALWAYS;
	client_name_decide(&pol, &msg, IP_192_0_2_5, NULL, &cn);
	ck_assert_str_eq(cn.name, "myhost-192-0-2-5.example.test");
	ck_assert_uint_eq(cn.reply_code, 12);

	/* a reservation's hostname wins over everything */
	client_name_decide(&pol, &msg, IP_192_0_2_5, "Printer-3", &cn);
	ck_assert_str_eq(cn.name, "printer-3.example.test");
	ck_assert_uint_eq(cn.source, CLIENT_NAME_RESERVED);

	/* updates off for the subnet: the name is still decided, nothing registered */
	pol.send_updates = false;
	client_name_decide(&pol, &msg, IP_192_0_2_5, NULL, &cn);
	ck_assert(!cn.fwd && !cn.rev);
}
END_TEST

START_TEST(too_long_once_qualified)
{
	/* four 62-byte labels = 251 bytes; with the suffix it passes 253 */
	uint8_t o[2 + 251];
	struct cfg_ddns_policy pol = policy();
	struct client_name cn;

	o[0] = 12;
	o[1] = 251;
	memset(o + 2, 'h', 251);
	for (int i = 1; i < 4; i++)
		o[2 + i * 63 - 1] = '.';
	o[2 + 250] = '.'; /* final dot: full, 250 bytes, fits */
	parse_request(o, sizeof(o));
	client_name_decide(&pol, &msg, IP_192_0_2_5, NULL, &cn);
	ck_assert_uint_eq(cn.len, 250);

	/* a single 200-byte label: over 63 */
	memset(o + 2, 'h', 200);
	o[1] = 200;
	parse_request(o, 202);
	client_name_decide(&pol, &msg, IP_192_0_2_5, NULL, &cn);
	ck_assert_uint_eq(cn.len, 0);
	ck_assert_uint_eq(cn.issue, CLIENT_NAME_TOO_LONG);
}
END_TEST

START_TEST(wire_form)
{
	uint8_t w[260];

	ck_assert_int_eq(dns_name_to_wire("Chi.EXAMPLE.com", 15, w, sizeof(w)), 17);
	ck_assert_mem_eq(w, "\003chi\007example\003com\000", 17);
	ck_assert_int_eq(dns_name_to_wire("a..b", 4, w, sizeof(w)), -EINVAL);
	ck_assert_int_eq(dns_name_to_wire("", 0, w, sizeof(w)), -EINVAL);
	ck_assert_int_eq(dns_name_to_wire("abc", 3, w, 4), -EINVAL);
}
END_TEST

static void add_tests(TCase *tc)
{
	tcase_add_test(tc, fqdn_wire_full_server_updates_both);
	tcase_add_test(tc, fqdn_partial_is_qualified);
	tcase_add_test(tc, fqdn_no_update_and_override);
	tcase_add_test(tc, fqdn_n_and_s_is_ignored);
	tcase_add_test(tc, fqdn_ascii_encoding_answered_in_ascii);
	tcase_add_test(tc, fqdn_hostile_shapes);
	tcase_add_test(tc, hostname_sanitised_and_qualified);
	tcase_add_test(tc, hostname_with_dots_is_full_and_81_wins);
	tcase_add_test(tc, generated_and_reserved_names);
	tcase_add_test(tc, too_long_once_qualified);
	tcase_add_test(tc, wire_form);
}

int main(void) { return run_suite("client_name", add_tests); }
