/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Layer 2-4 framing on plain buffers: Ethernet with up to two VLAN tags
 * (802.1Q / QinQ, kept and echoed), IPv4, UDP, ARP, ICMP echo. Pure code so
 * that the whole per-packet path can be unit-tested and fuzzed without EAL;
 * the dataplane hands it the mbuf's data pointer.
 */
#ifndef LW_FRAME_H
#define LW_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mgmt/drop_reason.h"

#define ETH_ALEN 6
#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_ARP 0x0806
#define ETHERTYPE_VLAN 0x8100
#define ETHERTYPE_QINQ 0x88a8
#define FRAME_MAX_VLANS 2
#define DHCP_SERVER_PORT 67
#define DHCP_CLIENT_PORT 68

enum frame_kind {
	FRAME_DHCP, /* UDP to port 67; payload/payload_len set */
	FRAME_ARP, /* ARP request; arp_* set */
	FRAME_ICMP_ECHO, /* ICMP echo request; l4 offsets set */
};

/* What frame_parse() learned; offsets are from the start of the frame. */
struct frame_info {
	enum frame_kind kind;
	uint8_t src_mac[ETH_ALEN], dst_mac[ETH_ALEN];
	uint8_t n_vlans;
	uint16_t vlan_tpid[FRAME_MAX_VLANS]; /* outer first */
	uint16_t vlan_tci[FRAME_MAX_VLANS];
	uint16_t l3_off;
	uint32_t ip_src, ip_dst; /* host order */
	uint8_t ip_ttl;
	uint16_t udp_src_port;
	uint16_t payload_off; /* UDP payload (DHCP) or ICMP header */
	uint16_t payload_len;
	/* ARP request fields (host order addresses) */
	uint32_t arp_sender_ip, arp_target_ip;
	uint8_t arp_sender_mac[ETH_ALEN];
};

/*
 * Classify and validate a received frame. Checks Ethernet length, VLAN depth,
 * IPv4 version/IHL/total length/fragment bits/header checksum, UDP length and
 * (when non-zero) checksum, ARP shape. Returns DROP_NONE and fills *info, or
 * the drop reason. Any thread, no allocation.
 */
enum drop_reason frame_parse(const uint8_t *frame, size_t len, struct frame_info *info);

/*
 * Checks the NIC has already made on a received frame (DPDK reports them in
 * the mbuf's offload flags; the dataplane translates). A set bit means the
 * hardware verified that checksum as good, so frame_parse_verified() does
 * not sum those bytes again. Anything else is verified in software.
 */
#define FRAME_RX_IP_CSUM_GOOD 0x1u /* IPv4 header checksum */
#define FRAME_RX_L4_CSUM_GOOD 0x2u /* UDP checksum (not ICMP) */

enum drop_reason frame_parse_verified(const uint8_t *frame, size_t len, unsigned verified,
				      struct frame_info *info);

/* Addressing of a reply: the L2/L3/L4 fields the dataplane decided on. */
struct frame_reply_addr {
	uint8_t src_mac[ETH_ALEN], dst_mac[ETH_ALEN];
	uint8_t n_vlans;
	uint16_t vlan_tpid[FRAME_MAX_VLANS];
	uint16_t vlan_tci[FRAME_MAX_VLANS];
	uint32_t ip_src, ip_dst; /* host order */
	uint16_t udp_src_port, udp_dst_port;
};

/* Bytes of headers in front of the UDP payload for this addressing. */
size_t frame_udp_header_len(const struct frame_reply_addr *addr);

/*
 * Write Ethernet (+VLANs), IPv4 and UDP headers in front of a UDP payload
 * already placed at frame + frame_udp_header_len(addr). Computes the IPv4
 * header checksum and the UDP checksum (over the pseudo-header). Returns the
 * total frame length, or negative errno if cap is too small.
 */
int frame_build_udp(uint8_t *frame, size_t cap, const struct frame_reply_addr *addr,
		    size_t payload_len);

/*
 * The same, for a caller that already has the payload's partial sum
 * (inet_csum_partial() of the payload_len bytes, seed 0, e.g. from
 * dhcp_reply_sum()): the payload is not read again.
 */
int frame_build_udp_sum(uint8_t *frame, size_t cap, const struct frame_reply_addr *addr,
			size_t payload_len, uint32_t payload_sum);

/*
 * Turn a received ARP request for `our_ip` into the ARP reply in place
 * (same buffer, VLAN tags kept). Returns the reply length or negative errno.
 */
int frame_arp_reply_inplace(uint8_t *frame, size_t len, const struct frame_info *info,
			    const uint8_t our_mac[ETH_ALEN]);

/*
 * Turn a received ICMP echo request into the echo reply in place (swap
 * addresses, type 0, checksums recomputed). Returns the length or negative errno.
 */
int frame_icmp_echo_reply_inplace(uint8_t *frame, size_t len, const struct frame_info *info,
				  const uint8_t our_mac[ETH_ALEN]);

/* Internet checksum (RFC 1071) over len bytes, folded, not inverted, seeded with sum. */
uint32_t frame_csum_partial(const uint8_t *data, size_t len, uint32_t sum);
uint16_t frame_csum_fold(uint32_t sum);

#endif
