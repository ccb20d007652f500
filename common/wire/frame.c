/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Layer 2-4 codec. Every read of received bytes goes through a wire cursor
 * (STYLE rule 9); the only raw pointers taken are the ranges handed to the
 * checksum, and those come from wire_take(), which has checked the bound.
 *
 * The parser is a ladder: each rung either returns a drop reason or narrows
 * the cursor to the next layer. It never decides whether an address is ours;
 * that needs the configuration and belongs to the caller.
 */
#include <errno.h>
#include <string.h>

#include "wire/frame.h"
#include "wire/inet_csum.h"
#include "wire/wire.h"

#define ETH_HDR_LEN 14
#define VLAN_TAG_LEN 4
#define IPV4_MIN_HDR 20
#define UDP_HDR_LEN 8
#define ICMP_ECHO_MIN 8 /* type, code, checksum, identifier, sequence (RFC 792) */
#define ARP_IPV4_LEN 28 /* RFC 826 packet for htype 1 / ptype IPv4 */
/*
 * Smallest Ethernet frame without FCS. Replies built in place from short
 * requests are zero-padded up to it (RFC 894), because not every NIC pads
 * runts in hardware.
 */
#define ETH_MIN_FRAME 60

#define IPPROTO_ICMP_NUM 1
#define IPPROTO_UDP_NUM 17
#define IPV4_FLAG_MF 0x2000
#define IPV4_FRAG_OFF 0x1fff
#define REPLY_TTL 64

#define ARP_HTYPE_ETHER 1
#define ARP_OP_REQUEST 1
#define ARP_OP_REPLY 2
#define ICMP_ECHO_REPLY 0
#define ICMP_ECHO_REQUEST 8

/* Offset of the checksum in an IPv4 header (RFC 791 sec 3.1). */
#define IP_OFF_CSUM 10

uint32_t frame_csum_partial(const uint8_t *data, size_t len, uint32_t sum)
{
	/* Word-at-a-time (inet_csum.c); same value as the byte-pair loop of RFC 1071 sec 4.1. */
	return inet_csum_partial(data, len, sum);
}

uint16_t frame_csum_fold(uint32_t sum) { return inet_csum_fold(sum); }

static void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Sum of the UDP pseudo-header words as integers: addresses, zero + protocol, UDP length. */
static uint32_t pseudo_sum(uint32_t src, uint32_t dst, size_t udp_len)
{
	return (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) + IPPROTO_UDP_NUM +
	       (uint32_t)(udp_len & 0xffff);
}

/* Folded sum of the UDP pseudo-header and segment (RFC 768, "Fields"). */
static uint16_t udp_sum(uint32_t src, uint32_t dst, const uint8_t *udp, size_t udp_len)
{
	return inet_csum_fold(inet_csum_partial(udp, udp_len, pseudo_sum(src, dst, udp_len)));
}

/* Header checksum of an option-less IPv4 header whose checksum field is zero. */
static void ipv4_set_csum(uint8_t *ip)
{
	uint16_t sum = inet_csum_fold(inet_csum_partial(ip, IPV4_MIN_HDR, 0));

	put_be16(ip + IP_OFF_CSUM, (uint16_t)~sum);
}

static enum drop_reason parse_arp(struct wire_cursor *c, struct frame_info *info)
{
	uint16_t htype = wire_u16(c);
	uint16_t ptype = wire_u16(c);
	uint8_t hlen = wire_u8(c);
	uint8_t plen = wire_u8(c);
	uint16_t oper = wire_u16(c);

	wire_read(c, info->arp_sender_mac, ETH_ALEN);
	info->arp_sender_ip = wire_u32(c);
	wire_skip(c, ETH_ALEN); /* target hardware address: unknown in a request */
	info->arp_target_ip = wire_u32(c);
	if (!wire_ok(c))
		return DROP_ARP_INVALID;
	/*
	 * Only Ethernet/IPv4 requests: replies and other hardware or protocol
	 * types are not ours to answer (RFC 826, "Packet Reception").
	 */
	if (htype != ARP_HTYPE_ETHER || ptype != ETHERTYPE_IPV4 || hlen != ETH_ALEN || plen != 4 ||
	    oper != ARP_OP_REQUEST)
		return DROP_ARP_INVALID;
	info->kind = FRAME_ARP;
	return DROP_NONE;
}

static enum drop_reason parse_icmp(struct wire_cursor *c, struct frame_info *info)
{
	size_t icmp_len = wire_left(c);
	const uint8_t *icmp = wire_take(c, icmp_len);
	struct wire_cursor m;
	uint8_t type, code;

	wire_init(&m, icmp, icmp_len);
	type = wire_u8(&m);
	code = wire_u8(&m);
	if (icmp_len < ICMP_ECHO_MIN || !wire_ok(&m))
		return DROP_ICMP_INVALID;
	/* We answer pings (RFC 1122 sec 3.2.2.6) and nothing else. */
	if (type != ICMP_ECHO_REQUEST || code != 0)
		return DROP_ICMP_INVALID;
	/* The checksum covers the whole ICMP message (RFC 792, "Echo"). */
	if (inet_csum_fold(inet_csum_partial(icmp, icmp_len, 0)) != 0xffff)
		return DROP_ICMP_INVALID;
	info->kind = FRAME_ICMP_ECHO;
	info->payload_len = (uint16_t)icmp_len;
	return DROP_NONE;
}

static enum drop_reason parse_udp(struct wire_cursor *c, struct frame_info *info, unsigned verified)
{
	size_t ip_payload = wire_left(c);
	const uint8_t *udp = wire_take(c, ip_payload);
	struct wire_cursor u;
	uint16_t dport, udp_len, csum;

	wire_init(&u, udp, ip_payload);
	info->udp_src_port = wire_u16(&u);
	dport = wire_u16(&u);
	udp_len = wire_u16(&u);
	csum = wire_u16(&u);
	if (!wire_ok(&u) || udp_len < UDP_HDR_LEN || udp_len > ip_payload)
		return DROP_UDP_LEN;
	/*
	 * Port before checksum: a LAN carries plenty of broadcast UDP that is
	 * not DHCP (NetBIOS, SSDP, ...), and summing it would be wasted work.
	 */
	if (dport != DHCP_SERVER_PORT)
		return DROP_UDP_PORT;
	/* Zero means the sender computed no checksum (RFC 768); legal over IPv4. */
	if (csum != 0 && !(verified & FRAME_RX_L4_CSUM_GOOD) &&
	    udp_sum(info->ip_src, info->ip_dst, udp, udp_len) != 0xffff)
		return DROP_UDP_CSUM;
	info->kind = FRAME_DHCP;
	info->payload_off = (uint16_t)(info->payload_off + UDP_HDR_LEN);
	info->payload_len = (uint16_t)(udp_len - UDP_HDR_LEN);
	return DROP_NONE;
}

static enum drop_reason parse_ipv4(struct wire_cursor *c, struct frame_info *info,
				   unsigned verified)
{
	size_t avail = wire_left(c);
	uint8_t ver_ihl, proto;
	uint16_t tot_len, frag;
	size_t hdr_len;
	const uint8_t *hdr;
	struct wire_cursor h, l4;

	if (avail < IPV4_MIN_HDR)
		return DROP_IP_HDR;
	h = *c; /* read the fixed header through a copy; c then takes it whole */
	ver_ihl = wire_u8(&h);
	hdr_len = (size_t)(ver_ihl & 0x0f) * 4;
	/* RFC 791 sec 3.1: IHL counts 32-bit words and is at least 5. */
	if (ver_ihl >> 4 != 4 || hdr_len < IPV4_MIN_HDR || hdr_len > avail)
		return DROP_IP_HDR;
	wire_skip(&h, 1); /* TOS */
	tot_len = wire_u16(&h);
	/*
	 * Total length bounds the datagram; bytes after it are Ethernet
	 * padding (RFC 894) and are ignored, never treated as payload.
	 */
	if (tot_len < hdr_len || tot_len > avail)
		return DROP_IP_LEN;
	wire_skip(&h, 2); /* identification */
	frag = wire_u16(&h);
	/* No reassembly: a DHCP message fits one datagram (RFC 2131 sec 2). */
	if (frag & (IPV4_FLAG_MF | IPV4_FRAG_OFF))
		return DROP_IP_FRAG;
	info->ip_ttl = wire_u8(&h);
	proto = wire_u8(&h);
	wire_skip(&h, 2); /* checksum, verified over the whole header below */
	info->ip_src = wire_u32(&h);
	info->ip_dst = wire_u32(&h);

	/* Options are covered by the checksum but otherwise skipped. */
	hdr = wire_take(c, hdr_len);
	if (!wire_ok(&h) || !hdr)
		return DROP_IP_HDR;
	if (!(verified & FRAME_RX_IP_CSUM_GOOD) &&
	    inet_csum_fold(inet_csum_partial(hdr, hdr_len, 0)) != 0xffff)
		return DROP_IP_CSUM;

	/* Layer 4 sees the datagram only, never the trailing padding. */
	wire_init(&l4, wire_take(c, tot_len - hdr_len), tot_len - hdr_len);
	info->payload_off = (uint16_t)(info->l3_off + hdr_len);
	switch (proto) {
	case IPPROTO_UDP_NUM: return parse_udp(&l4, info, verified);
	case IPPROTO_ICMP_NUM: return parse_icmp(&l4, info);
	default: return DROP_IP_NOT_UDP;
	}
}

enum drop_reason frame_parse(const uint8_t *frame, size_t len, struct frame_info *info)
{
	return frame_parse_verified(frame, len, 0, info);
}

enum drop_reason frame_parse_verified(const uint8_t *frame, size_t len, unsigned verified,
				      struct frame_info *info)
{
	struct wire_cursor c;
	uint16_t ethertype;

	memset(info, 0, sizeof(*info));
	wire_init(&c, frame, len);
	wire_read(&c, info->dst_mac, ETH_ALEN);
	wire_read(&c, info->src_mac, ETH_ALEN);
	ethertype = wire_u16(&c);
	if (!wire_ok(&c))
		return DROP_L2_SHORT;

	/*
	 * 802.1Q C-tag or 802.1ad S-tag. Two tags cover QinQ access networks;
	 * a third has no legitimate use towards a DHCP server and only makes
	 * the header walk longer.
	 */
	while (ethertype == ETHERTYPE_VLAN || ethertype == ETHERTYPE_QINQ) {
		if (info->n_vlans == FRAME_MAX_VLANS)
			return DROP_L2_VLAN_DEPTH;
		info->vlan_tpid[info->n_vlans] = ethertype;
		info->vlan_tci[info->n_vlans] = wire_u16(&c);
		info->n_vlans++;
		ethertype = wire_u16(&c);
		if (!wire_ok(&c))
			return DROP_L2_SHORT;
	}
	info->l3_off = (uint16_t)c.pos;

	switch (ethertype) {
	case ETHERTYPE_IPV4: return parse_ipv4(&c, info, verified);
	case ETHERTYPE_ARP: return parse_arp(&c, info);
	default: return DROP_L2_NOT_IPV4;
	}
}

size_t frame_udp_header_len(const struct frame_reply_addr *addr)
{
	return ETH_HDR_LEN + (size_t)addr->n_vlans * VLAN_TAG_LEN + IPV4_MIN_HDR + UDP_HDR_LEN;
}

int frame_build_udp(uint8_t *frame, size_t cap, const struct frame_reply_addr *addr,
		    size_t payload_len)
{
	size_t hdr_len = frame_udp_header_len(addr);

	if (addr->n_vlans > FRAME_MAX_VLANS || cap < hdr_len || payload_len > cap - hdr_len)
		return frame_build_udp_sum(frame, cap, addr, payload_len, 0); /* its error */
	return frame_build_udp_sum(frame, cap, addr, payload_len,
				   inet_csum_partial(frame + hdr_len, payload_len, 0));
}

int frame_build_udp_sum(uint8_t *frame, size_t cap, const struct frame_reply_addr *addr,
			size_t payload_len, uint32_t payload_sum)
{
	size_t hdr_len, l3_off, udp_len;
	uint8_t *ip, *udp;
	uint16_t csum;

	if (addr->n_vlans > FRAME_MAX_VLANS)
		return -EINVAL;
	for (unsigned int i = 0; i < addr->n_vlans; i++)
		if (addr->vlan_tpid[i] != ETHERTYPE_VLAN && addr->vlan_tpid[i] != ETHERTYPE_QINQ)
			return -EINVAL;
	/* Total length is 16 bits (RFC 791); we never fragment. */
	if (payload_len > UINT16_MAX - IPV4_MIN_HDR - UDP_HDR_LEN)
		return -EMSGSIZE;
	hdr_len = frame_udp_header_len(addr);
	if (cap < hdr_len || payload_len > cap - hdr_len)
		return -ENOSPC;
	l3_off = hdr_len - IPV4_MIN_HDR - UDP_HDR_LEN;
	udp_len = UDP_HDR_LEN + payload_len;

	/*
	 * hdr_len bytes were checked against cap above, and every store
	 * below lies inside them: written directly, not through a cursor.
	 */
	uint8_t *p = frame;
	memcpy(p, addr->dst_mac, ETH_ALEN);
	memcpy(p + ETH_ALEN, addr->src_mac, ETH_ALEN);
	p += 2 * ETH_ALEN;
	for (unsigned int i = 0; i < addr->n_vlans; i++, p += VLAN_TAG_LEN) {
		put_be16(p, addr->vlan_tpid[i]);
		put_be16(p + 2, addr->vlan_tci[i]);
	}
	put_be16(p, ETHERTYPE_IPV4);

	ip = frame + l3_off;
	udp = ip + IPV4_MIN_HDR;
	uint16_t tot_len = (uint16_t)(IPV4_MIN_HDR + udp_len);
	ip[0] = 0x45; /* version 4, IHL 5: we send no options */
	ip[1] = 0; /* TOS */
	put_be16(ip + 2, tot_len);
	/*
	 * Identification 0 and DF clear: an unfragmented datagram needs no ID
	 * (RFC 6864 sec 4.1), and a relay path with a small MTU may fragment.
	 */
	put_be16(ip + 4, 0);
	put_be16(ip + 6, 0);
	ip[8] = REPLY_TTL;
	ip[9] = IPPROTO_UDP_NUM;
	put_be32(ip + 12, addr->ip_src);
	put_be32(ip + 16, addr->ip_dst);
	put_be16(udp, addr->udp_src_port);
	put_be16(udp + 2, addr->udp_dst_port);
	put_be16(udp + 4, (uint16_t)udp_len);

	/*
	 * Both checksums from the values just written (RFC 1071 sums of
	 * 16-bit words), not by reading the headers back: the IPv4 header's
	 * words, then the pseudo-header, the UDP header (checksum 0) and the
	 * payload's own sum.
	 */
	uint32_t ip_sum = 0x4500u + tot_len + (REPLY_TTL << 8 | IPPROTO_UDP_NUM) +
			  (addr->ip_src >> 16) + (addr->ip_src & 0xffff) + (addr->ip_dst >> 16) +
			  (addr->ip_dst & 0xffff);
	put_be16(ip + IP_OFF_CSUM, (uint16_t)~inet_csum_fold(ip_sum));
	uint32_t udp_sum32 = pseudo_sum(addr->ip_src, addr->ip_dst, udp_len) + addr->udp_src_port +
			     addr->udp_dst_port + (uint32_t)udp_len + inet_csum_fold(payload_sum);
	csum = (uint16_t)~inet_csum_fold(udp_sum32);
	/* A computed zero is sent as all ones; zero means "no checksum" (RFC 768). */
	put_be16(udp + 6, csum ? csum : 0xffff);
	return (int)(hdr_len + payload_len);
}

/*
 * Zero-pad a reply that ends at `end` up to the Ethernet minimum, within
 * the bytes the request occupied (RFC 894: padding octets are zero). The
 * request's own padding is overwritten so none of it is echoed back.
 */
static int pad_reply(uint8_t *frame, size_t len, size_t end)
{
	size_t min = len < ETH_MIN_FRAME ? len : ETH_MIN_FRAME;

	if (end >= min)
		return (int)end;
	memset(frame + end, 0, min - end);
	return (int)min;
}

int frame_arp_reply_inplace(uint8_t *frame, size_t len, const struct frame_info *info,
			    const uint8_t our_mac[ETH_ALEN])
{
	struct wire_cursor w;
	size_t end;

	if (info->kind != FRAME_ARP || info->n_vlans > FRAME_MAX_VLANS ||
	    info->l3_off != ETH_HDR_LEN + info->n_vlans * VLAN_TAG_LEN)
		return -EINVAL;
	end = (size_t)info->l3_off + ARP_IPV4_LEN;
	if (len > INT32_MAX || end > len)
		return -EINVAL;

	/*
	 * RFC 826 "Packet Reception": swap sender and target, put our address
	 * in the sender hardware field, set the opcode to reply and send it to
	 * the requester's hardware address. Everything is rewritten from the
	 * parsed fields, so nothing in the request is trusted twice.
	 */
	wire_init(&w, frame, end);
	wire_put(&w, info->arp_sender_mac, ETH_ALEN);
	wire_put(&w, our_mac, ETH_ALEN);
	wire_skip(&w, (size_t)info->n_vlans * VLAN_TAG_LEN); /* tags kept as received */
	wire_put_u16(&w, ETHERTYPE_ARP);
	wire_put_u16(&w, ARP_HTYPE_ETHER);
	wire_put_u16(&w, ETHERTYPE_IPV4);
	wire_put_u8(&w, ETH_ALEN);
	wire_put_u8(&w, 4);
	wire_put_u16(&w, ARP_OP_REPLY);
	wire_put(&w, our_mac, ETH_ALEN);
	wire_put_u32(&w, info->arp_target_ip);
	wire_put(&w, info->arp_sender_mac, ETH_ALEN);
	wire_put_u32(&w, info->arp_sender_ip);
	if (!wire_ok(&w))
		return -EINVAL;
	return pad_reply(frame, len, end);
}

int frame_icmp_echo_reply_inplace(uint8_t *frame, size_t len, const struct frame_info *info,
				  const uint8_t our_mac[ETH_ALEN])
{
	struct wire_cursor c, w;
	size_t hdr_len, icmp_len, end;
	uint8_t *ip, *icmp;
	uint8_t ver_ihl, tos;
	uint16_t id;

	if (info->kind != FRAME_ICMP_ECHO || info->n_vlans > FRAME_MAX_VLANS ||
	    info->l3_off != ETH_HDR_LEN + info->n_vlans * VLAN_TAG_LEN || len > INT32_MAX ||
	    info->l3_off >= len)
		return -EINVAL;
	/*
	 * Re-derive the layout from the frame and insist it matches what the
	 * parser reported, so a stale or forged info cannot move the writes.
	 */
	wire_init(&c, frame + info->l3_off, len - info->l3_off);
	ver_ihl = wire_u8(&c);
	tos = wire_u8(&c);
	wire_skip(&c, 2); /* total length */
	id = wire_u16(&c);
	hdr_len = (size_t)(ver_ihl & 0x0f) * 4;
	icmp_len = info->payload_len;
	if (!wire_ok(&c) || ver_ihl >> 4 != 4 || hdr_len < IPV4_MIN_HDR ||
	    info->payload_off != info->l3_off + hdr_len || info->payload_off > len ||
	    icmp_len < ICMP_ECHO_MIN || icmp_len > len - info->payload_off)
		return -EINVAL;

	/*
	 * Options are dropped, not echoed: RFC 1122 sec 3.2.2.6 wants record
	 * route and timestamp updated and source routes reversed, which we do
	 * not implement; a reply without options is always correct.
	 */
	ip = frame + info->l3_off;
	icmp = ip + IPV4_MIN_HDR;
	if (hdr_len > IPV4_MIN_HDR)
		memmove(icmp, frame + info->payload_off, icmp_len);
	end = (size_t)info->l3_off + IPV4_MIN_HDR + icmp_len;

	wire_init(&w, frame, end);
	wire_put(&w, info->src_mac, ETH_ALEN);
	wire_put(&w, our_mac, ETH_ALEN);
	wire_skip(&w, (size_t)info->l3_off - 2 * ETH_ALEN); /* tags and ethertype kept */
	wire_put_u8(&w, 0x45);
	wire_put_u8(&w, tos);
	wire_put_u16(&w, (uint16_t)(IPV4_MIN_HDR + icmp_len));
	wire_put_u16(&w, id);
	wire_put_u16(&w, 0); /* flags and offset: one whole datagram */
	wire_put_u8(&w, REPLY_TTL);
	wire_put_u8(&w, IPPROTO_ICMP_NUM);
	wire_put_u16(&w, 0);
	wire_put_u32(&w, info->ip_dst);
	wire_put_u32(&w, info->ip_src);
	/* RFC 792 "Echo": type 0, same code, identifier, sequence and data. */
	wire_put_u8(&w, ICMP_ECHO_REPLY);
	wire_put_u8(&w, 0);
	wire_put_u16(&w, 0);
	if (!wire_ok(&w))
		return -EINVAL;

	ipv4_set_csum(ip);
	put_be16(icmp + 2, (uint16_t)~inet_csum_fold(inet_csum_partial(icmp, icmp_len, 0)));
	return pad_reply(frame, len, end);
}
