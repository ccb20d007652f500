/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Layer 2-4 codec tests. Frames are assembled here byte by byte with a
 * checksum of our own, never with frame.c, so a bug shared by the builder
 * and the parser cannot cancel out. The parse table carries every L2-L4
 * case of reliability.md Appendix A (items 1-14) with its exact drop reason.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "wire/frame.h"
#include "wire/inet_csum.h"

#define ETH_HDR 14
#define TF_CAP 2048

static const uint8_t client_mac[ETH_ALEN] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55 };
static const uint8_t server_mac[ETH_ALEN] = { 0x02, 0x00, 0x00, 0xaa, 0xbb, 0xcc };
static const uint8_t bcast_mac[ETH_ALEN] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

#define IP_CLIENT 0xc0000264u /* 192.0.2.100 */
#define IP_SERVER 0xc0000201u /* 192.0.2.1 */
#define IP_BCAST 0xffffffffu

/* A frame under construction and what a correct parser must report for it. */
struct tf {
	uint8_t b[TF_CAP];
	size_t len;
	uint8_t n_vlans;
	uint16_t tpid[3], tci[3];
	size_t l3, l4; /* IPv4/ARP header, UDP/ICMP header */
	size_t pay, plen; /* expected payload_off / payload_len */
	uint32_t ip_src, ip_dst;
	uint16_t sport;
};

/* Independent RFC 1071 sum: one 32-bit accumulator, byte pairs, no chaining. */
static uint16_t ck_fold(const uint8_t *p, size_t n, uint32_t sum)
{
	for (size_t i = 0; i < n; i++)
		sum += i & 1 ? p[i] : (uint32_t)p[i] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void set16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void set32(uint8_t *p, uint32_t v)
{
	set16(p, (uint16_t)(v >> 16));
	set16(p + 2, (uint16_t)v);
}

static uint32_t pseudo_sum(uint32_t src, uint32_t dst, uint16_t udp_len)
{
	return (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) + 17 + udp_len;
}

static size_t ip_hlen(const struct tf *f) { return (size_t)(f->b[f->l3] & 0x0f) * 4; }

/* Recompute the IPv4 header checksum over IHL*4 bytes (or what the frame holds). */
static void fix_ip(struct tf *f)
{
	uint8_t *ip = f->b + f->l3;
	size_t hl = ip_hlen(f);

	if (hl < 20)
		hl = 20;
	set16(ip + 10, 0);
	set16(ip + 10, (uint16_t)~ck_fold(ip, hl, 0));
}

static void fix_udp(struct tf *f)
{
	uint8_t *udp = f->b + f->l4;
	uint16_t ulen = get16(udp + 4);
	uint16_t cs;

	set16(udp + 6, 0);
	cs = (uint16_t)~ck_fold(udp, ulen, pseudo_sum(f->ip_src, f->ip_dst, ulen));
	set16(udp + 6, cs ? cs : 0xffff);
}

static void fix_icmp(struct tf *f)
{
	uint8_t *icmp = f->b + f->l4;
	size_t n = get16(f->b + f->l3 + 2) - ip_hlen(f);

	set16(icmp + 2, 0);
	set16(icmp + 2, (uint16_t)~ck_fold(icmp, n, 0));
}

static void put_l2(struct tf *f, const uint8_t dst[ETH_ALEN], const uint8_t src[ETH_ALEN],
		   uint16_t ethertype)
{
	size_t o = 12;

	memset(f->b, 0, sizeof(f->b));
	memcpy(f->b, dst, ETH_ALEN);
	memcpy(f->b + 6, src, ETH_ALEN);
	for (unsigned int i = 0; i < f->n_vlans; i++) {
		set16(f->b + o, f->tpid[i]);
		set16(f->b + o + 2, f->tci[i]);
		o += 4;
	}
	set16(f->b + o, ethertype);
	f->l3 = o + 2;
}

static void set_vlans(struct tf *f, unsigned int n)
{
	static const uint16_t tpid[3] = { 0x88a8, 0x8100, 0x8100 };
	static const uint16_t tci[3] = { 0x0064, 0x2123, 0x0fff };

	f->n_vlans = (uint8_t)n;
	for (unsigned int i = 0; i < n; i++) {
		f->tpid[i] = n == 1 ? 0x8100 : tpid[i];
		f->tci[i] = tci[i];
	}
}

/* IPv4 header with IHL words (NOP options past 5) and proto; l4 follows it. */
static void put_ip(struct tf *f, unsigned int ihl, uint8_t proto, size_t l4_len)
{
	uint8_t *ip = f->b + f->l3;
	size_t hl = (size_t)ihl * 4;

	ip[0] = (uint8_t)(0x40 | ihl);
	ip[1] = 0;
	set16(ip + 2, (uint16_t)(hl + l4_len));
	set16(ip + 4, 0x1234);
	set16(ip + 6, 0);
	ip[8] = 128;
	ip[9] = proto;
	set32(ip + 12, f->ip_src);
	set32(ip + 16, f->ip_dst);
	memset(ip + 20, 1, hl - 20); /* RFC 791 NOP option */
	f->l4 = f->l3 + hl;
	f->len = f->l4 + l4_len;
	fix_ip(f);
}

/* A DHCPDISCOVER-shaped UDP datagram 0.0.0.0:68 -> 255.255.255.255:67. */
static void tf_udp(struct tf *f, unsigned int n_vlans, unsigned int ihl, size_t plen)
{
	uint8_t *udp;

	set_vlans(f, n_vlans);
	put_l2(f, bcast_mac, client_mac, 0x0800);
	f->ip_src = 0;
	f->ip_dst = IP_BCAST;
	f->sport = 68;
	put_ip(f, ihl, 17, 8 + plen);
	udp = f->b + f->l4;
	set16(udp, 68);
	set16(udp + 2, 67);
	set16(udp + 4, (uint16_t)(8 + plen));
	for (size_t i = 0; i < plen; i++)
		udp[8 + i] = (uint8_t)(i * 7 + 3);
	f->pay = f->l4 + 8;
	f->plen = plen;
	fix_udp(f);
}

static void tf_arp(struct tf *f, unsigned int n_vlans, size_t pad_to)
{
	uint8_t *a;

	set_vlans(f, n_vlans);
	put_l2(f, bcast_mac, client_mac, 0x0806);
	a = f->b + f->l3;
	set16(a, 1);
	set16(a + 2, 0x0800);
	a[4] = 6;
	a[5] = 4;
	set16(a + 6, 1);
	memcpy(a + 8, client_mac, ETH_ALEN);
	set32(a + 14, IP_CLIENT);
	memset(a + 18, 0, ETH_ALEN);
	set32(a + 24, IP_SERVER);
	f->len = f->l3 + 28;
	if (pad_to > f->len) {
		memset(f->b + f->len, 0xaa, pad_to - f->len);
		f->len = pad_to;
	}
}

/* Echo request, identifier 0x1234, sequence 7, data_len bytes of pattern. */
static void tf_icmp(struct tf *f, unsigned int n_vlans, unsigned int ihl, size_t data_len)
{
	uint8_t *icmp;

	set_vlans(f, n_vlans);
	put_l2(f, server_mac, client_mac, 0x0800);
	f->ip_src = IP_CLIENT;
	f->ip_dst = IP_SERVER;
	put_ip(f, ihl, 1, 8 + data_len);
	icmp = f->b + f->l4;
	icmp[0] = 8;
	icmp[1] = 0;
	set16(icmp + 4, 0x1234);
	set16(icmp + 6, 7);
	for (size_t i = 0; i < data_len; i++)
		icmp[8 + i] = (uint8_t)(0xa0 + i);
	f->pay = f->l4;
	f->plen = 8 + data_len;
	fix_icmp(f);
}

/* --- parse table: one builder per case ---------------------------------- */

static void mk_dhcp(struct tf *f) { tf_udp(f, 0, 5, 300); }
static void mk_dhcp_1q(struct tf *f) { tf_udp(f, 1, 5, 300); }
static void mk_dhcp_qinq(struct tf *f) { tf_udp(f, 2, 5, 300); }

static void mk_dhcp_1q_1q(struct tf *f)
{
	tf_udp(f, 2, 5, 300);
	f->tpid[0] = 0x8100;
	set16(f->b + 12, 0x8100);
}

/* A1 */
static void mk_eth_runt(struct tf *f)
{
	tf_udp(f, 0, 5, 300);
	f->len = 13;
}

static void mk_empty(struct tf *f)
{
	tf_udp(f, 0, 5, 300);
	f->len = 0;
}

static void mk_vlan_truncated(struct tf *f)
{
	tf_udp(f, 1, 5, 300);
	f->len = 15; /* TPID and half the TCI */
}

static void mk_vlan_no_ethertype(struct tf *f)
{
	tf_udp(f, 1, 5, 300);
	f->len = 17; /* full tag, half the inner ethertype */
}

/* A2 */
static void mk_vlan_3deep(struct tf *f)
{
	set_vlans(f, 3);
	put_l2(f, bcast_mac, client_mac, 0x0800);
	f->len = 200;
}

/* A3 */
static void mk_ihl_lt5(struct tf *f)
{
	tf_udp(f, 0, 5, 300);
	f->b[f->l3] = 0x44;
	fix_ip(f);
}

static void mk_version6(struct tf *f)
{
	tf_udp(f, 0, 5, 300);
	f->b[f->l3] = 0x65;
	fix_ip(f);
}

static void mk_ip_short(struct tf *f)
{
	tf_udp(f, 0, 5, 300);
	f->len = f->l3 + 19;
}

/* A4: IHL 15 (60 bytes) in a frame that holds 20 bytes of IP. */
static void mk_ihl_beyond(struct tf *f)
{
	tf_udp(f, 0, 5, 300);
	f->b[f->l3] = 0x4f;
	f->len = f->l3 + 20;
}

/* A5: total length 1500 in a 300-byte frame. */
static void mk_totlen_gt_frame(struct tf *f)
{
	tf_udp(f, 0, 5, 300 - ETH_HDR - 28);
	ck_assert_uint_eq(f->len, 300);
	set16(f->b + f->l3 + 2, 1500);
	fix_ip(f);
}

/* A6 */
static void mk_totlen_lt_hdr(struct tf *f)
{
	tf_udp(f, 0, 5, 300);
	set16(f->b + f->l3 + 2, 10);
	fix_ip(f);
}

static void mk_totlen_lt_ihl(struct tf *f)
{
	tf_udp(f, 0, 6, 300);
	set16(f->b + f->l3 + 2, 20);
	fix_ip(f);
}

/* A7 */
static void mk_frag_mf(struct tf *f)
{
	tf_udp(f, 0, 5, 300);
	set16(f->b + f->l3 + 6, 0x2000);
	fix_ip(f);
}

/* A8: offset 1 (8 bytes), MF clear: the last fragment. */
static void mk_frag_offset(struct tf *f)
{
	tf_udp(f, 0, 5, 300);
	set16(f->b + f->l3 + 6, 0x0001);
	fix_ip(f);
}

static void mk_df_set(struct tf *f)
{
	tf_udp(f, 0, 5, 300);
	set16(f->b + f->l3 + 6, 0x4000);
	fix_ip(f);
}

/* A9 */
static void mk_ip_bad_csum(struct tf *f)
{
	tf_udp(f, 0, 5, 300);
	f->b[f->l3 + 11] ^= 0x01;
}

/* A10: IHL 6, one word of NOP options, skipped. */
static void mk_ip_options(struct tf *f) { tf_udp(f, 0, 6, 300); }
static void mk_ip_options_max(struct tf *f) { tf_udp(f, 1, 15, 300); }

/* A11 */
static void mk_udp_len7(struct tf *f)
{
	tf_udp(f, 0, 5, 300);
	set16(f->b + f->l4 + 4, 7);
}

/* A12: UDP length = IP payload + 100. */
static void mk_udp_len_gt(struct tf *f)
{
	tf_udp(f, 0, 5, 300);
	set16(f->b + f->l4 + 4, 308 + 100);
}

/* IP payload too small to hold a UDP header at all. */
static void mk_udp_hdr_cut(struct tf *f)
{
	tf_udp(f, 0, 5, 300);
	set16(f->b + f->l3 + 2, 20 + 6);
	fix_ip(f);
}

/* UDP shorter than its IP payload: the tail is not DHCP payload. */
static void mk_udp_len_lt_ip(struct tf *f)
{
	tf_udp(f, 0, 5, 300);
	set16(f->b + f->l4 + 4, 8 + 250);
	f->plen = 250;
	fix_udp(f);
}

/* A13 */
static void mk_udp_bad_csum(struct tf *f)
{
	tf_udp(f, 0, 5, 300);
	f->b[f->l4 + 6] ^= 0x40;
	ck_assert_uint_ne(get16(f->b + f->l4 + 6), 0);
}

/* A14 */
static void mk_udp_csum_zero(struct tf *f)
{
	tf_udp(f, 0, 5, 300);
	set16(f->b + f->l4 + 6, 0);
}

/* Trailing Ethernet padding after the datagram is ignored (RFC 894). */
static void mk_eth_padding(struct tf *f)
{
	tf_udp(f, 0, 5, 10);
	memset(f->b + f->len, 0xee, 64);
	f->len += 64;
}

static void mk_ipv6(struct tf *f)
{
	tf_udp(f, 0, 5, 300);
	set16(f->b + 12, 0x86dd);
}

static void mk_ipv6_tagged(struct tf *f)
{
	tf_udp(f, 1, 5, 300);
	set16(f->b + 16, 0x86dd);
}

static void mk_tcp(struct tf *f)
{
	tf_udp(f, 0, 5, 300);
	f->b[f->l3 + 9] = 6;
	fix_ip(f);
}

static void mk_port68(struct tf *f)
{
	tf_udp(f, 0, 5, 300);
	set16(f->b + f->l4 + 2, 68);
	fix_udp(f);
}

static void mk_arp(struct tf *f) { tf_arp(f, 0, 60); }
static void mk_arp_qinq(struct tf *f) { tf_arp(f, 2, 0); }

static void mk_arp_reply(struct tf *f)
{
	tf_arp(f, 0, 60);
	set16(f->b + f->l3 + 6, 2);
}

static void mk_arp_plen6(struct tf *f)
{
	tf_arp(f, 0, 60);
	f->b[f->l3 + 5] = 6;
}

static void mk_arp_htype6(struct tf *f)
{
	tf_arp(f, 0, 60);
	set16(f->b + f->l3, 6);
}

static void mk_arp_cut(struct tf *f)
{
	tf_arp(f, 0, 0);
	f->len -= 1;
}

static void mk_icmp(struct tf *f) { tf_icmp(f, 0, 5, 32); }
static void mk_icmp_min(struct tf *f) { tf_icmp(f, 1, 6, 0); }

static void mk_icmp_echo_reply(struct tf *f)
{
	tf_icmp(f, 0, 5, 32);
	f->b[f->l4] = 0;
	fix_icmp(f);
}

static void mk_icmp_bad_csum(struct tf *f)
{
	tf_icmp(f, 0, 5, 32);
	f->b[f->l4 + 9] ^= 0xff;
}

static void mk_icmp_code1(struct tf *f)
{
	tf_icmp(f, 0, 5, 32);
	f->b[f->l4 + 1] = 1;
	fix_icmp(f);
}

static void mk_icmp_short(struct tf *f)
{
	tf_icmp(f, 0, 5, 0);
	set16(f->b + f->l3 + 2, 20 + 4);
	fix_ip(f);
}

struct parse_case {
	const char *name;
	void (*make)(struct tf *f);
	enum drop_reason want;
	enum frame_kind kind; /* when want == DROP_NONE */
};

static const struct parse_case parse_cases[] = {
	{ "dhcp_untagged", mk_dhcp, DROP_NONE, FRAME_DHCP },
	{ "dhcp_8021q", mk_dhcp_1q, DROP_NONE, FRAME_DHCP },
	{ "dhcp_qinq", mk_dhcp_qinq, DROP_NONE, FRAME_DHCP },
	{ "dhcp_8100_8100", mk_dhcp_1q_1q, DROP_NONE, FRAME_DHCP },
	{ "A1 eth_runt", mk_eth_runt, DROP_L2_SHORT, 0 },
	{ "eth_empty", mk_empty, DROP_L2_SHORT, 0 },
	{ "vlan_truncated", mk_vlan_truncated, DROP_L2_SHORT, 0 },
	{ "vlan_no_ethertype", mk_vlan_no_ethertype, DROP_L2_SHORT, 0 },
	{ "A2 vlan_qinq_3deep", mk_vlan_3deep, DROP_L2_VLAN_DEPTH, 0 },
	{ "A3 ipv4_ihl_lt5", mk_ihl_lt5, DROP_IP_HDR, 0 },
	{ "ipv4_version6", mk_version6, DROP_IP_HDR, 0 },
	{ "ipv4_hdr_cut", mk_ip_short, DROP_IP_HDR, 0 },
	{ "A4 ipv4_ihl_beyond_frame", mk_ihl_beyond, DROP_IP_HDR, 0 },
	{ "A5 ipv4_totlen_gt_frame", mk_totlen_gt_frame, DROP_IP_LEN, 0 },
	{ "A6 ipv4_totlen_lt_hdr", mk_totlen_lt_hdr, DROP_IP_LEN, 0 },
	{ "ipv4_totlen_lt_ihl", mk_totlen_lt_ihl, DROP_IP_LEN, 0 },
	{ "A7 ipv4_fragment_mf", mk_frag_mf, DROP_IP_FRAG, 0 },
	{ "A8 ipv4_fragment_offset", mk_frag_offset, DROP_IP_FRAG, 0 },
	{ "ipv4_df_set", mk_df_set, DROP_NONE, FRAME_DHCP },
	{ "A9 ipv4_bad_csum", mk_ip_bad_csum, DROP_IP_CSUM, 0 },
	{ "A10 ipv4_with_options", mk_ip_options, DROP_NONE, FRAME_DHCP },
	{ "ipv4_options_ihl15", mk_ip_options_max, DROP_NONE, FRAME_DHCP },
	{ "A11 udp_len_lt8", mk_udp_len7, DROP_UDP_LEN, 0 },
	{ "A12 udp_len_gt_ip_payload", mk_udp_len_gt, DROP_UDP_LEN, 0 },
	{ "udp_hdr_cut", mk_udp_hdr_cut, DROP_UDP_LEN, 0 },
	{ "udp_len_lt_ip_payload", mk_udp_len_lt_ip, DROP_NONE, FRAME_DHCP },
	{ "A13 udp_bad_csum", mk_udp_bad_csum, DROP_UDP_CSUM, 0 },
	{ "A14 udp_csum_zero", mk_udp_csum_zero, DROP_NONE, FRAME_DHCP },
	{ "eth_padding", mk_eth_padding, DROP_NONE, FRAME_DHCP },
	{ "ethertype_ipv6", mk_ipv6, DROP_L2_NOT_IPV4, 0 },
	{ "ethertype_ipv6_tagged", mk_ipv6_tagged, DROP_L2_NOT_IPV4, 0 },
	{ "ip_proto_tcp", mk_tcp, DROP_IP_NOT_UDP, 0 },
	{ "udp_port_68", mk_port68, DROP_UDP_PORT, 0 },
	{ "arp_request", mk_arp, DROP_NONE, FRAME_ARP },
	{ "arp_request_qinq", mk_arp_qinq, DROP_NONE, FRAME_ARP },
	{ "arp_reply", mk_arp_reply, DROP_ARP_INVALID, 0 },
	{ "arp_plen6", mk_arp_plen6, DROP_ARP_INVALID, 0 },
	{ "arp_htype6", mk_arp_htype6, DROP_ARP_INVALID, 0 },
	{ "arp_truncated", mk_arp_cut, DROP_ARP_INVALID, 0 },
	{ "icmp_echo_request", mk_icmp, DROP_NONE, FRAME_ICMP_ECHO },
	{ "icmp_echo_min_opts_tagged", mk_icmp_min, DROP_NONE, FRAME_ICMP_ECHO },
	{ "icmp_echo_reply", mk_icmp_echo_reply, DROP_ICMP_INVALID, 0 },
	{ "icmp_bad_csum", mk_icmp_bad_csum, DROP_ICMP_INVALID, 0 },
	{ "icmp_code1", mk_icmp_code1, DROP_ICMP_INVALID, 0 },
	{ "icmp_short", mk_icmp_short, DROP_ICMP_INVALID, 0 },
};

#define N_PARSE_CASES ((int)(sizeof(parse_cases) / sizeof(parse_cases[0])))

static void check_l2(const struct tf *f, const struct frame_info *info)
{
	ck_assert_mem_eq(info->dst_mac, f->b, ETH_ALEN);
	ck_assert_mem_eq(info->src_mac, f->b + 6, ETH_ALEN);
	ck_assert_uint_eq(info->n_vlans, f->n_vlans);
	for (unsigned int i = 0; i < f->n_vlans; i++) {
		ck_assert_uint_eq(info->vlan_tpid[i], f->tpid[i]);
		ck_assert_uint_eq(info->vlan_tci[i], f->tci[i]);
	}
	ck_assert_uint_eq(info->l3_off, f->l3);
}

START_TEST(test_parse_table)
{
	const struct parse_case *pc = &parse_cases[_i];
	struct tf *f = calloc(1, sizeof(*f));
	struct frame_info info;
	uint8_t *exact;
	enum drop_reason got;

	ck_assert_ptr_nonnull(f);
	pc->make(f);
	/* An exactly sized copy, so a sanitizer build catches any overread. */
	exact = malloc(f->len ? f->len : 1);
	ck_assert_ptr_nonnull(exact);
	memcpy(exact, f->b, f->len);
	got = frame_parse(exact, f->len, &info);
	ck_assert_msg(got == pc->want, "%s: got %s, want %s", pc->name, drop_reason_name(got),
		      drop_reason_name(pc->want));
	if (pc->want == DROP_NONE) {
		ck_assert_int_eq(info.kind, pc->kind);
		check_l2(f, &info);
		if (pc->kind == FRAME_DHCP) {
			ck_assert_uint_eq(info.ip_src, f->ip_src);
			ck_assert_uint_eq(info.ip_dst, f->ip_dst);
			ck_assert_uint_eq(info.ip_ttl, 128);
			ck_assert_uint_eq(info.udp_src_port, f->sport);
		}
		if (pc->kind == FRAME_DHCP || pc->kind == FRAME_ICMP_ECHO) {
			ck_assert_uint_eq(info.payload_off, f->pay);
			ck_assert_uint_eq(info.payload_len, f->plen);
			ck_assert_uint_le((size_t)info.payload_off + info.payload_len, f->len);
		}
		if (pc->kind == FRAME_ARP) {
			ck_assert_mem_eq(info.arp_sender_mac, client_mac, ETH_ALEN);
			ck_assert_uint_eq(info.arp_sender_ip, IP_CLIENT);
			ck_assert_uint_eq(info.arp_target_ip, IP_SERVER);
		}
	}
	free(exact);
	free(f);
}
END_TEST

/* Checksums the NIC verified are skipped; everything else is still checked. */
START_TEST(test_parse_verified)
{
	struct tf *f = calloc(1, sizeof(*f));
	struct frame_info info;
	const unsigned both = FRAME_RX_IP_CSUM_GOOD | FRAME_RX_L4_CSUM_GOOD;

	ck_assert_ptr_nonnull(f);
	mk_udp_bad_csum(f);
	ck_assert_int_eq(frame_parse_verified(f->b, f->len, 0, &info), DROP_UDP_CSUM);
	ck_assert_int_eq(frame_parse_verified(f->b, f->len, FRAME_RX_IP_CSUM_GOOD, &info),
			 DROP_UDP_CSUM);
	ck_assert_int_eq(frame_parse_verified(f->b, f->len, FRAME_RX_L4_CSUM_GOOD, &info),
			 DROP_NONE);
	ck_assert_int_eq(info.kind, FRAME_DHCP);
	ck_assert_uint_eq(info.payload_len, 300);

	mk_ip_bad_csum(f);
	ck_assert_int_eq(frame_parse_verified(f->b, f->len, FRAME_RX_L4_CSUM_GOOD, &info),
			 DROP_IP_CSUM);
	ck_assert_int_eq(frame_parse_verified(f->b, f->len, both, &info), DROP_NONE);

	/* The L4 flag is about TCP/UDP: an ICMP checksum is always checked. */
	mk_icmp_bad_csum(f);
	ck_assert_int_eq(frame_parse_verified(f->b, f->len, both, &info), DROP_ICMP_INVALID);

	/* Verified or not, structure is still checked. */
	mk_udp_len_gt(f);
	ck_assert_int_eq(frame_parse_verified(f->b, f->len, both, &info), DROP_UDP_LEN);
	free(f);
}
END_TEST

/* --- checksum helpers --------------------------------------------------- */

struct csum_case {
	uint8_t data[10];
	size_t len;
	size_t split; /* chain two calls at this (even) offset */
	uint16_t folded;
};

static const struct csum_case csum_cases[] = {
	/* RFC 1071 sec 3 worked example: 00 01 f2 03 f4 f5 f6 f7 -> ddf2. */
	{ { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 }, 8, 0, 0xddf2 },
	{ { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 }, 8, 4, 0xddf2 },
	{ { 0x01 }, 1, 0, 0x0100 }, /* odd byte is the high half */
	{ { 0x12, 0x34, 0x56 }, 3, 2, 0x6834 },
	{ { 0xff, 0xff, 0xff, 0xff }, 4, 0, 0xffff }, /* end-around carry */
	{ { 0 }, 0, 0, 0x0000 },
};

START_TEST(test_csum)
{
	const struct csum_case *cc = &csum_cases[_i];
	uint32_t sum;

	if (cc->split)
		sum = frame_csum_partial(cc->data + cc->split, cc->len - cc->split,
					 frame_csum_partial(cc->data, cc->split, 0));
	else
		sum = frame_csum_partial(cc->data, cc->len, 0);
	ck_assert_uint_eq(frame_csum_fold(sum), cc->folded);
	ck_assert_uint_eq(frame_csum_fold(0x1fffeu), 0xffff);
}
END_TEST

START_TEST(test_csum_large)
{
	/* 64 KiB of 0xff must not overflow the accumulator. */
	size_t n = 65536;
	uint8_t *p = malloc(n);

	ck_assert_ptr_nonnull(p);
	memset(p, 0xff, n);
	ck_assert_uint_eq(frame_csum_fold(frame_csum_partial(p, n, 0xffffffffu)), 0xffff);
	ck_assert_uint_eq(frame_csum_fold(frame_csum_partial(p, n, 0)), ck_fold(p, n, 0));
	free(p);
}
END_TEST

/* --- UDP builder -------------------------------------------------------- */

static void reply_addr(struct frame_reply_addr *a, unsigned int n_vlans);

/* With the payload's sum handed in, the frame is byte for byte the one built from scratch. */
START_TEST(test_build_with_sum)
{
	struct frame_reply_addr a;
	uint8_t x[700], y[700];
	uint32_t seed = 1;

	for (unsigned int vl = 0; vl <= FRAME_MAX_VLANS; vl++) {
		reply_addr(&a, vl);
		size_t hl = frame_udp_header_len(&a);
		for (size_t plen = 0; plen < sizeof(x) - hl; plen += 13) {
			for (size_t i = 0; i < sizeof(x); i++) {
				seed = seed * 1103515245u + 12345u;
				x[i] = (uint8_t)(seed >> 16);
			}
			memcpy(y, x, sizeof(x));
			int n1 = frame_build_udp(x, sizeof(x), &a, plen);
			int n2 = frame_build_udp_sum(y, sizeof(y), &a, plen,
						     inet_csum_partial(y + hl, plen, 0));
			ck_assert_int_eq(n1, n2);
			ck_assert_int_eq(n1, (int)(hl + plen));
			ck_assert_mem_eq(x, y, sizeof(x));
		}
	}
	/* Errors are the same as without the sum. */
	reply_addr(&a, 0);
	ck_assert_int_eq(frame_build_udp_sum(x, 10, &a, 0, 0), frame_build_udp(x, 10, &a, 0));
	a.n_vlans = 3;
	ck_assert_int_eq(frame_build_udp_sum(x, sizeof(x), &a, 10, 0), -EINVAL);
}
END_TEST

static void reply_addr(struct frame_reply_addr *a, unsigned int n_vlans)
{
	memset(a, 0, sizeof(*a));
	memcpy(a->src_mac, server_mac, ETH_ALEN);
	memcpy(a->dst_mac, client_mac, ETH_ALEN);
	a->n_vlans = (uint8_t)n_vlans;
	a->vlan_tpid[0] = n_vlans == 2 ? 0x88a8 : 0x8100;
	a->vlan_tci[0] = 0x0064;
	a->vlan_tpid[1] = 0x8100;
	a->vlan_tci[1] = 0xe123; /* PCP 7, DEI 0, VID 0x123 */
	a->ip_src = IP_SERVER;
	a->ip_dst = 0x0a000001; /* a relay agent: server-to-relay goes to port 67 */
	a->udp_src_port = 67;
	a->udp_dst_port = 67;
}

START_TEST(test_build_roundtrip)
{
	struct frame_reply_addr a;
	struct frame_info info;
	uint8_t buf[1024];
	size_t hl, plen = 301; /* odd on purpose */
	uint8_t *ip, *udp;
	uint32_t sum;
	int n;

	reply_addr(&a, (unsigned int)_i);
	hl = frame_udp_header_len(&a);
	ck_assert_uint_eq(hl, 14 + 4 * (size_t)_i + 28);
	memset(buf, 0x5a, sizeof(buf));
	for (size_t i = 0; i < plen; i++)
		buf[hl + i] = (uint8_t)(i ^ 0xa5);
	n = frame_build_udp(buf, sizeof(buf), &a, plen);
	ck_assert_int_eq(n, (int)(hl + plen));

	ip = buf + hl - 28;
	udp = ip + 20;
	ck_assert_uint_eq(ip[0], 0x45);
	ck_assert_uint_eq(ip[1], 0);
	ck_assert_uint_eq(get16(ip + 2), 28 + plen);
	ck_assert_uint_eq(get16(ip + 4), 0);
	ck_assert_uint_eq(get16(ip + 6), 0); /* DF clear, no fragment */
	ck_assert_uint_eq(ip[8], 64);
	ck_assert_uint_eq(ip[9], 17);
	ck_assert_uint_eq(ck_fold(ip, 20, 0), 0xffff);
	sum = pseudo_sum(a.ip_src, a.ip_dst, (uint16_t)(8 + plen));
	ck_assert_uint_eq(ck_fold(udp, 8 + plen, sum), 0xffff);
	ck_assert_uint_ne(get16(udp + 6), 0);

	ck_assert_int_eq(frame_parse(buf, (size_t)n, &info), DROP_NONE);
	ck_assert_int_eq(info.kind, FRAME_DHCP);
	ck_assert_mem_eq(info.dst_mac, a.dst_mac, ETH_ALEN);
	ck_assert_mem_eq(info.src_mac, a.src_mac, ETH_ALEN);
	ck_assert_uint_eq(info.n_vlans, a.n_vlans);
	for (unsigned int i = 0; i < a.n_vlans; i++) {
		ck_assert_uint_eq(info.vlan_tpid[i], a.vlan_tpid[i]);
		ck_assert_uint_eq(info.vlan_tci[i], a.vlan_tci[i]);
	}
	ck_assert_uint_eq(info.l3_off, hl - 28);
	ck_assert_uint_eq(info.ip_src, a.ip_src);
	ck_assert_uint_eq(info.ip_dst, a.ip_dst);
	ck_assert_uint_eq(info.ip_ttl, 64);
	ck_assert_uint_eq(info.udp_src_port, a.udp_src_port);
	ck_assert_uint_eq(info.payload_off, hl);
	ck_assert_uint_eq(info.payload_len, plen);
	for (size_t i = 0; i < plen; i++)
		ck_assert_uint_eq(buf[hl + i], (uint8_t)(i ^ 0xa5));
}
END_TEST

/*
 * One frame written out in full, checksums worked by hand:
 * IPv4 192.0.2.1 -> 192.0.2.2, UDP 67 -> 67, payload 01 02 03 04 05.
 *   IP words  4500+0021+0000+0000+4011+c000+0201+c000+0202 = 2_0935
 *             fold 0937, complement f6c8
 *   UDP words c000+0201+c000+0202+0011+000d (pseudo-header)
 *             +0043+0043+000d+0000 +0102+0304+0500 = 1_8dba
 *             fold 8dbb, complement 7244
 */
static const uint8_t golden_frame[] = {
	0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x02, 0x00, 0x00, 0xaa, 0xbb, 0xcc,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x21, 0x00, 0x00, 0x00, 0x00, 0x40, 0x11,
	0xf6, 0xc8, 0xc0, 0x00, 0x02, 0x01, 0xc0, 0x00, 0x02, 0x02, 0x00, 0x43,
	0x00, 0x43, 0x00, 0x0d, 0x72, 0x44, 0x01, 0x02, 0x03, 0x04, 0x05,
};

START_TEST(test_build_golden)
{
	struct frame_reply_addr a;
	uint8_t buf[sizeof(golden_frame)];
	struct frame_info info;

	reply_addr(&a, 0);
	a.ip_src = 0xc0000201;
	a.ip_dst = 0xc0000202;
	memset(buf, 0, sizeof(buf));
	memcpy(buf + 42, "\x01\x02\x03\x04\x05", 5);
	ck_assert_int_eq(frame_build_udp(buf, sizeof(buf), &a, 5), (int)sizeof(golden_frame));
	ck_assert_mem_eq(buf, golden_frame, sizeof(golden_frame));
	ck_assert_int_eq(frame_parse(golden_frame, sizeof(golden_frame), &info), DROP_NONE);
	ck_assert_uint_eq(info.payload_len, 5);
}
END_TEST

/* A checksum that computes to zero goes out as ffff (RFC 768) and still verifies. */
START_TEST(test_build_csum_zero_is_ffff)
{
	struct frame_reply_addr a;
	struct frame_info info;
	uint8_t buf[256];
	uint16_t first;
	size_t hl;
	int n;

	reply_addr(&a, 1);
	hl = frame_udp_header_len(&a);
	memset(buf, 0, sizeof(buf));
	n = frame_build_udp(buf, sizeof(buf), &a, 16);
	ck_assert_int_gt(n, 0);
	first = get16(buf + hl - 2);
	/*
	 * Adding the complement of the sum to an even payload word makes the
	 * new sum ffff, whose complement is the zero that must not be sent.
	 */
	set16(buf + hl, first);
	n = frame_build_udp(buf, sizeof(buf), &a, 16);
	ck_assert_uint_eq(get16(buf + hl - 2), 0xffff);
	ck_assert_int_eq(frame_parse(buf, (size_t)n, &info), DROP_NONE);
}
END_TEST

START_TEST(test_build_errors)
{
	struct frame_reply_addr a;
	uint8_t buf[128];

	reply_addr(&a, 2);
	ck_assert_int_eq(frame_build_udp(buf, 49, &a, 0), -ENOSPC);
	ck_assert_int_eq(frame_build_udp(buf, 50, &a, 0), 50);
	ck_assert_int_eq(frame_build_udp(buf, sizeof(buf), &a, sizeof(buf) - 49), -ENOSPC);
	ck_assert_int_eq(frame_build_udp(buf, sizeof(buf), &a, 65536), -EMSGSIZE);
	a.vlan_tpid[1] = 0x0800;
	ck_assert_int_eq(frame_build_udp(buf, sizeof(buf), &a, 0), -EINVAL);
	reply_addr(&a, 3);
	ck_assert_int_eq(frame_build_udp(buf, sizeof(buf), &a, 0), -EINVAL);
}
END_TEST

/* --- in-place replies --------------------------------------------------- */

static const uint8_t our_mac[ETH_ALEN] = { 0x02, 0x42, 0xac, 0x11, 0x00, 0x02 };

struct arp_reply_case {
	unsigned int n_vlans;
	size_t pad_to; /* request length after padding (0: none) */
	int reply_len;
};

static const struct arp_reply_case arp_reply_cases[] = {
	{ 0, 60, 60 }, /* usual padded request; padding comes back zeroed */
	{ 0, 0, 42 }, /* unpadded request: reply never grows */
	{ 1, 60, 60 },
	{ 2, 64, 60 }, /* trailing request bytes beyond 60 are cut */
};

START_TEST(test_arp_reply)
{
	const struct arp_reply_case *rc = &arp_reply_cases[_i];
	struct tf *f = calloc(1, sizeof(*f));
	uint8_t tags[8];
	struct frame_info info;
	const uint8_t *a;
	int n;

	ck_assert_ptr_nonnull(f);
	tf_arp(f, rc->n_vlans, rc->pad_to);
	memcpy(tags, f->b + 12, 4 * rc->n_vlans);
	ck_assert_int_eq(frame_parse(f->b, f->len, &info), DROP_NONE);
	ck_assert_int_eq(info.kind, FRAME_ARP);
	n = frame_arp_reply_inplace(f->b, f->len, &info, our_mac);
	ck_assert_int_eq(n, rc->reply_len);

	ck_assert_mem_eq(f->b, client_mac, ETH_ALEN);
	ck_assert_mem_eq(f->b + 6, our_mac, ETH_ALEN);
	ck_assert_mem_eq(f->b + 12, tags, 4 * rc->n_vlans);
	ck_assert_uint_eq(get16(f->b + f->l3 - 2), 0x0806);
	a = f->b + f->l3;
	ck_assert_uint_eq(get16(a), 1);
	ck_assert_uint_eq(get16(a + 2), 0x0800);
	ck_assert_uint_eq(a[4], 6);
	ck_assert_uint_eq(a[5], 4);
	ck_assert_uint_eq(get16(a + 6), 2);
	ck_assert_mem_eq(a + 8, our_mac, ETH_ALEN);
	ck_assert_uint_eq(get32(a + 14), IP_SERVER);
	ck_assert_mem_eq(a + 18, client_mac, ETH_ALEN);
	ck_assert_uint_eq(get32(a + 24), IP_CLIENT);
	for (size_t i = f->l3 + 28; i < (size_t)n; i++)
		ck_assert_uint_eq(f->b[i], 0);

	/* The reply is not a request: parsing it again must not answer it. */
	ck_assert_int_eq(frame_parse(f->b, (size_t)n, &info), DROP_ARP_INVALID);
	free(f);
}
END_TEST

struct icmp_reply_case {
	unsigned int n_vlans, ihl;
	size_t data_len;
};

static const struct icmp_reply_case icmp_reply_cases[] = {
	{ 0, 5, 32 }, { 1, 5, 56 }, { 2, 5, 1 }, /* odd ICMP length */
	{ 0, 7, 32 }, /* options are stripped from the reply */
	{ 1, 6, 0 }, /* short, options dropped: the freed bytes are zeroed */
};

START_TEST(test_icmp_reply)
{
	const struct icmp_reply_case *rc = &icmp_reply_cases[_i];
	struct tf *f = calloc(1, sizeof(*f));
	uint8_t req_data[64], tags[8];
	struct frame_info info;
	size_t icmp_len, want;
	uint8_t *ip, *icmp;
	int n;

	ck_assert_ptr_nonnull(f);
	tf_icmp(f, rc->n_vlans, rc->ihl, rc->data_len);
	icmp_len = 8 + rc->data_len;
	memcpy(req_data, f->b + f->l4 + 4, icmp_len - 4);
	memcpy(tags, f->b + 12, 4 * rc->n_vlans);
	ck_assert_int_eq(frame_parse(f->b, f->len, &info), DROP_NONE);
	ck_assert_int_eq(info.kind, FRAME_ICMP_ECHO);
	n = frame_icmp_echo_reply_inplace(f->b, f->len, &info, our_mac);
	/* Ends with the ICMP message, zero-padded to 60 within the request's length. */
	want = f->l3 + 20 + icmp_len;
	if (want < (f->len < 60 ? f->len : 60))
		want = f->len < 60 ? f->len : 60;
	ck_assert_int_eq(n, (int)want);

	ck_assert_mem_eq(f->b, client_mac, ETH_ALEN);
	ck_assert_mem_eq(f->b + 6, our_mac, ETH_ALEN);
	ck_assert_mem_eq(f->b + 12, tags, 4 * rc->n_vlans);
	ck_assert_uint_eq(get16(f->b + f->l3 - 2), 0x0800);
	ip = f->b + f->l3;
	icmp = ip + 20;
	ck_assert_uint_eq(ip[0], 0x45);
	ck_assert_uint_eq(get16(ip + 2), 20 + icmp_len);
	ck_assert_uint_eq(get16(ip + 6), 0);
	ck_assert_uint_eq(ip[8], 64);
	ck_assert_uint_eq(ip[9], 1);
	ck_assert_uint_eq(get32(ip + 12), IP_SERVER);
	ck_assert_uint_eq(get32(ip + 16), IP_CLIENT);
	ck_assert_uint_eq(ck_fold(ip, 20, 0), 0xffff);
	ck_assert_uint_eq(icmp[0], 0);
	ck_assert_uint_eq(icmp[1], 0);
	ck_assert_mem_eq(icmp + 4, req_data, icmp_len - 4);
	ck_assert_uint_eq(ck_fold(icmp, icmp_len, 0), 0xffff);
	for (size_t i = f->l3 + 20 + icmp_len; i < (size_t)n; i++)
		ck_assert_uint_eq(f->b[i], 0);

	/*
	 * The reply passes every IPv4 check (header, length, checksum) and is
	 * only refused at the ICMP rung because it is not a request.
	 */
	ck_assert_int_eq(frame_parse(f->b, (size_t)n, &info), DROP_ICMP_INVALID);
	ck_assert_uint_eq(info.ip_src, IP_SERVER);
	ck_assert_uint_eq(info.ip_dst, IP_CLIENT);
	ck_assert_uint_eq(info.ip_ttl, 64);
	free(f);
}
END_TEST

/* Replies refuse an info that does not describe the buffer. */
START_TEST(test_reply_misuse)
{
	struct tf *f = calloc(1, sizeof(*f));
	struct frame_info info;

	ck_assert_ptr_nonnull(f);
	tf_arp(f, 0, 0);
	ck_assert_int_eq(frame_parse(f->b, f->len, &info), DROP_NONE);
	ck_assert_int_eq(frame_arp_reply_inplace(f->b, f->len - 1, &info, our_mac), -EINVAL);
	ck_assert_int_eq(frame_icmp_echo_reply_inplace(f->b, f->len, &info, our_mac), -EINVAL);
	info.kind = FRAME_DHCP;
	ck_assert_int_eq(frame_arp_reply_inplace(f->b, f->len, &info, our_mac), -EINVAL);

	tf_icmp(f, 0, 5, 32);
	ck_assert_int_eq(frame_parse(f->b, f->len, &info), DROP_NONE);
	ck_assert_int_eq(frame_arp_reply_inplace(f->b, f->len, &info, our_mac), -EINVAL);
	ck_assert_int_eq(frame_icmp_echo_reply_inplace(f->b, f->len - 1, &info, our_mac), -EINVAL);
	info.payload_off = 60000;
	ck_assert_int_eq(frame_icmp_echo_reply_inplace(f->b, f->len, &info, our_mac), -EINVAL);
	free(f);
}
END_TEST

#define N_OF(a) ((int)(sizeof(a) / sizeof((a)[0])))

static Suite *frame_suite(void)
{
	Suite *s = suite_create("frame");
	TCase *tc;

	tc = tcase_create("parse");
	tcase_add_loop_test(tc, test_parse_table, 0, N_PARSE_CASES);
	tcase_add_test(tc, test_parse_verified);
	suite_add_tcase(s, tc);

	tc = tcase_create("csum");
	tcase_add_loop_test(tc, test_csum, 0, N_OF(csum_cases));
	tcase_add_test(tc, test_csum_large);
	suite_add_tcase(s, tc);

	tc = tcase_create("build");
	tcase_add_loop_test(tc, test_build_roundtrip, 0, FRAME_MAX_VLANS + 1);
	tcase_add_test(tc, test_build_golden);
	tcase_add_test(tc, test_build_with_sum);
	tcase_add_test(tc, test_build_csum_zero_is_ffff);
	tcase_add_test(tc, test_build_errors);
	suite_add_tcase(s, tc);

	tc = tcase_create("reply");
	tcase_add_loop_test(tc, test_arp_reply, 0, N_OF(arp_reply_cases));
	tcase_add_loop_test(tc, test_icmp_reply, 0, N_OF(icmp_reply_cases));
	tcase_add_test(tc, test_reply_misuse);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(frame_suite());
	int failures;

	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failures ? 1 : 0;
}
