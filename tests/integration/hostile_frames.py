#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Hostile input on the wire (reliability.md Appendix A) against the real
leasewired. Run inside the client namespace by test_hostile_input.sh:

    hostile_frames.py --iface lwcX --prefix <dpdk file-prefix> [--only NAME]...
                      [--flood N] [--list]

Every case is a name, the raw frame (built byte by byte here: scapy would
"fix" the lengths and checksums these frames get wrong on purpose) and the
telemetry drop counter it must raise. For each case:

  1. read /leasewire/stats, send the frame (COPIES times) from a raw
     AF_PACKET socket on the client veth;
  2. the named drop_* counter rose by at least 1, and the server sent
     nothing in the case's window (no frame from the server's MAC);
  3. a well-behaved client (fixed MAC) then does DISCOVER/OFFER/REQUEST/ACK
     and gets its ACK, and the daemon still answers telemetry.

Then the flood: one MAC sends N DISCOVERs as fast as the socket takes them
while the normal client does its DORA: the normal client gets its ACK and
drop_client_rate rose.

One "PASS: <case>" or "FAIL: <case>: why" line per case; exit status 0 iff
every case passed.
"""
import argparse
import os
import random
import select
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "scripts"))
import lw_telemetry  # noqa: E402

SERVER_IP = "10.77.0.1"
RELAY_IP = "10.77.0.2"  # the relayed subnet's configured relay (lib.sh LW_SUBNET_RELAY)
BCAST_MAC = b"\xff" * 6
NORMAL_MAC = bytes.fromhex("02aa00000001")
COPIES = 3
QUIET_SECS = 0.3  # the window in which a reply to the case would have arrived
ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4
SOL_PACKET = 263
PACKET_ADD_MEMBERSHIP = 1
PACKET_MR_PROMISC = 1

MSG_DISCOVER, MSG_OFFER, MSG_REQUEST, MSG_DECLINE = 1, 2, 3, 4
MSG_ACK, MSG_NAK, MSG_RELEASE, MSG_INFORM = 5, 6, 7, 8


# ------------------------------------------------------------------ bytes

def ip4(s):
    return socket.inet_aton(s)


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff


def eth(payload, src, dst=BCAST_MAC, etype=0x0800, vlans=()):
    hdr = dst + src
    for tpid, tci in vlans:
        hdr += struct.pack("!HH", tpid, tci)
    return hdr + struct.pack("!H", etype) + payload


def ipv4(payload, src="0.0.0.0", dst="255.255.255.255", proto=17, ihl=5, options=b"",
         tot_len=None, frag=0, ttl=64, ver=4, csum_override=None):
    if tot_len is None:
        tot_len = ihl * 4 + len(payload) if ihl >= 5 else 20 + len(options) + len(payload)
    hdr = struct.pack("!BBHHHBBH4s4s", ver << 4 | (ihl & 0xf), 0, tot_len & 0xffff, 0x1234,
                      frag, ttl, proto, 0, ip4(src), ip4(dst)) + options
    c = csum(hdr) if csum_override is None else csum_override
    hdr = hdr[:10] + struct.pack("!H", c) + hdr[12:]
    return hdr + payload


def udp(payload, src="0.0.0.0", dst="255.255.255.255", sport=68, dport=67, length=None,
        csum_override=None, zero_csum=False):
    ulen = 8 + len(payload) if length is None else length
    hdr = struct.pack("!HHHH", sport, dport, ulen & 0xffff, 0)
    if zero_csum:
        c = 0
    elif csum_override is not None:
        c = csum_override
    else:
        pseudo = ip4(src) + ip4(dst) + struct.pack("!BBH", 0, 17, 8 + len(payload))
        c = csum(pseudo + hdr + payload) or 0xffff
    return hdr[:6] + struct.pack("!H", c) + payload


def opt(code, data):
    return bytes([code, len(data)]) + data


def bootp(mac, xid=0x1234, op=1, htype=1, hlen=6, hops=0, secs=0, flags=0x8000,
          ciaddr="0.0.0.0", yiaddr="0.0.0.0", siaddr="0.0.0.0", giaddr="0.0.0.0",
          chaddr=None, sname=b"", file=b"", cookie=b"\x63\x82\x53\x63", options=b"",
          pad_to=300):
    ch = (chaddr if chaddr is not None else mac).ljust(16, b"\0")[:16]
    b = struct.pack("!BBBBIHH4s4s4s4s", op, htype, hlen, hops, xid, secs, flags, ip4(ciaddr),
                    ip4(yiaddr), ip4(siaddr), ip4(giaddr))
    b += ch + sname.ljust(64, b"\0")[:64] + file.ljust(128, b"\0")[:128] + cookie + options
    if pad_to and len(b) < pad_to:
        b = b.ljust(pad_to, b"\0")
    return b


def dhcp(mac, mtype=MSG_DISCOVER, extra=b"", end=True, **kw):
    o = opt(53, bytes([mtype])) + extra + (b"\xff" if end else b"")
    return bootp(mac, options=o, **kw)


def frame_dhcp(mac, payload, src="0.0.0.0", dst="255.255.255.255", dst_mac=BCAST_MAC,
               sport=68, vlans=()):
    return eth(ipv4(udp(payload, src, dst, sport=sport), src, dst), mac, dst_mac, vlans=vlans)


# ------------------------------------------------------------------ the wire

class Wire:
    def __init__(self, iface):
        self.iface = iface
        self.tx = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
        self.tx.bind((iface, 0))
        self.rx = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        self.rx.bind((iface, ETH_P_ALL))
        # Replies to a chaddr that is not the veth's own MAC are OTHERHOST; see them too.
        ifindex = socket.if_nametoindex(iface)
        mreq = struct.pack("iHH8s", ifindex, PACKET_MR_PROMISC, 0, b"")
        self.rx.setsockopt(SOL_PACKET, PACKET_ADD_MEMBERSHIP, mreq)
        self.rx.setblocking(False)
        self.server_mac = None

    def send(self, frame, copies=1):
        for _ in range(copies):
            self.tx.send(frame)

    def drain(self):
        while True:
            try:
                self.rx.recvfrom(65535)
            except BlockingIOError:
                return

    def recv_until(self, deadline, pred):
        """Frames received (not sent by us) until pred(frame) is true or deadline."""
        got = []
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return got, None
            r, _, _ = select.select([self.rx], [], [], left)
            if not r:
                continue
            try:
                data, addr = self.rx.recvfrom(65535)
            except BlockingIOError:
                continue
            if addr[2] == PACKET_OUTGOING:
                continue
            got.append(data)
            if pred and pred(data):
                return got, data

    def server_frames(self, secs):
        got, _ = self.recv_until(time.monotonic() + secs, None)
        return [f for f in got if self.server_mac and f[6:12] == self.server_mac]


def parse_reply(f):
    """(xid, msg type, yiaddr, chaddr) of a DHCP reply frame from port 67, or None."""
    off = 12
    etype = struct.unpack("!H", f[off:off + 2])[0]
    while etype in (0x8100, 0x88a8):
        off += 4
        etype = struct.unpack("!H", f[off:off + 2])[0]
    off += 2
    if etype != 0x0800 or len(f) < off + 28 or f[off + 9] != 17:
        return None
    ihl = (f[off] & 0xf) * 4
    u = off + ihl
    sport = struct.unpack("!H", f[u:u + 2])[0]
    if sport != 67:
        return None
    b = f[u + 8:]
    if len(b) < 240 or b[0] != 2:
        return None
    xid = struct.unpack("!I", b[4:8])[0]
    yiaddr = socket.inet_ntoa(b[16:20])
    mtype = None
    i = 240
    while i + 1 < len(b):
        code = b[i]
        if code == 0:
            i += 1
            continue
        if code == 255:
            break
        ln = b[i + 1]
        if code == 53 and ln == 1 and i + 2 < len(b):
            mtype = b[i + 2]
        i += 2 + ln
    return xid, mtype, yiaddr, b[28:34]


class Normal:
    """The well-behaved client: broadcast DORA from a fixed MAC."""

    def __init__(self, wire, rnd):
        self.w = wire
        self.rnd = rnd
        self.addr = None

    def exchange(self, payload_fn, want, tries=3, wait=2.0):
        for _ in range(tries):
            xid = self.rnd.randrange(1, 1 << 32)
            self.w.drain()
            self.w.send(frame_dhcp(NORMAL_MAC, payload_fn(xid)))

            def match(f, xid=xid):
                r = parse_reply(f)
                return r is not None and r[0] == xid and r[3] == NORMAL_MAC

            _, f = self.w.recv_until(time.monotonic() + wait, match)
            if f is not None:
                r = parse_reply(f)
                if self.w.server_mac is None:
                    self.w.server_mac = f[6:12]
                if r[1] == want:
                    return r
                return None
        return None

    def dora(self):
        off = self.exchange(lambda x: dhcp(NORMAL_MAC, MSG_DISCOVER, xid=x), MSG_OFFER)
        if off is None:
            return False, "no OFFER"
        yi = off[2]
        ack = self.exchange(lambda x: dhcp(NORMAL_MAC, MSG_REQUEST, xid=x,
                                           extra=opt(50, ip4(yi)) + opt(54, ip4(SERVER_IP))),
                            MSG_ACK)
        if ack is None:
            return False, f"no ACK for {yi}"
        self.addr = yi
        return True, yi


# ------------------------------------------------------------------ the cases

def build_cases(server_mac, lease_ip):
    """(name, counter, frame) for every case. lease_ip: the normal client's address."""
    cases = []
    n = [0]

    def mac():
        n[0] += 1
        return bytes([0x02, 0xba, 0xd0, 0x00, n[0] >> 8, n[0] & 0xff])

    def add(name, counter, frame):
        cases.append((name, "drop_" + counter.replace("-", "_"), frame))

    def dh(m, payload, **kw):
        return frame_dhcp(m, payload, **kw)

    def disc(m, extra=b"", **kw):
        return dh(m, dhcp(m, MSG_DISCOVER, extra, **kw))

    def raw_opts(m, options, **kw):
        return dh(m, bootp(m, options=options, **kw))

    # ---- layer 2
    # l2-short is not reachable over a veth: AF_PACKET refuses to send a frame
    # under 14 bytes, and the receiving kernel drops a truncated VLAN header
    # (skb_vlan_untag) before any packet socket sees it. test_frame.c has them.
    m = mac()
    add("vlan_qinq_3deep", "l2-vlan-depth",
        eth(ipv4(udp(dhcp(m))), m, vlans=((0x88a8, 10), (0x8100, 20), (0x8100, 30))))
    m = mac()
    add("vlan_4deep", "l2-vlan-depth",
        eth(ipv4(udp(dhcp(m))), m, vlans=((0x8100, 1),) * 4))
    m = mac()
    add("eth_ipv6", "l2-not-ipv4", eth(b"\x60" + b"\0" * 60, m, etype=0x86dd))
    m = mac()
    add("eth_8023_length", "l2-not-ipv4", eth(b"\xaa\xaa\x03" + b"\0" * 60, m, etype=0x0040))
    m = mac()
    add("eth_vlan_ipx", "l2-not-ipv4", eth(b"\xff\xff" + b"\0" * 60, m, etype=0x8137,
                                           vlans=((0x8100, 5),)))

    # ---- IPv4 header
    m = mac()
    add("ipv4_hdr_truncated", "ip-hdr", eth(b"\x45\x00\x00\x30\x00\x00", m))
    good = udp(dhcp(mac()))
    m = mac()
    add("ipv4_ihl_lt5", "ip-hdr", eth(ipv4(good, ihl=4, tot_len=20 + len(good)), m))
    m = mac()
    add("ipv4_ihl_0", "ip-hdr", eth(ipv4(good, ihl=0, tot_len=20 + len(good)), m))
    m = mac()
    add("ipv4_version_6", "ip-hdr", eth(ipv4(good, ver=6), m))
    m = mac()
    add("ipv4_version_0", "ip-hdr", eth(ipv4(good, ver=0), m))
    m = mac()
    add("ipv4_ihl_beyond_frame", "ip-hdr",
        eth(ipv4(b"\0" * 12, ihl=15, tot_len=32), m))
    m = mac()
    add("ipv4_totlen_gt_frame", "ip-len", eth(ipv4(good, tot_len=1500), m))
    m = mac()
    add("ipv4_totlen_lt_hdr", "ip-len", eth(ipv4(good, tot_len=10), m))
    m = mac()
    add("ipv4_totlen_lt_ihl_with_options", "ip-len",
        eth(ipv4(good, ihl=6, options=b"\x01\x01\x01\x00", tot_len=20), m))
    m = mac()
    add("ipv4_totlen_65535", "ip-len", eth(ipv4(good, tot_len=65535), m))
    m = mac()
    add("ipv4_fragment_mf", "ip-frag", eth(ipv4(good, frag=0x2000), m))
    m = mac()
    add("ipv4_fragment_offset", "ip-frag", eth(ipv4(good, frag=0x0010), m))
    m = mac()
    add("ipv4_fragment_last", "ip-frag", eth(ipv4(good, frag=185), m))
    m = mac()
    add("ipv4_fragment_mf_df", "ip-frag", eth(ipv4(good, frag=0x6000), m))
    m = mac()
    add("ipv4_bad_csum", "ip-csum", eth(ipv4(good, csum_override=0xbeef), m))
    m = mac()
    add("ipv4_csum_zeroed", "ip-csum", eth(ipv4(good, csum_override=0), m))
    m = mac()
    hdr_opts = ipv4(good, ihl=6, options=b"\x01\x01\x01\x00")
    # checksum computed over the first 20 bytes only: the option bytes are not covered
    bad = bytearray(hdr_opts)
    bad[10:12] = b"\0\0"
    bad[10:12] = struct.pack("!H", csum(bytes(bad[:20])))
    add("ipv4_options_outside_csum", "ip-csum", eth(bytes(bad), m))
    m = mac()
    add("ipv4_proto_tcp", "ip-not-udp", eth(ipv4(b"\0" * 40, proto=6), m))
    m = mac()
    add("ipv4_proto_gre", "ip-not-udp", eth(ipv4(b"\0" * 40, proto=47), m))
    m = mac()
    add("ipv4_proto_255", "ip-not-udp", eth(ipv4(b"\0" * 40, proto=255), m))
    m = mac()
    add("ipv4_unicast_other_host", "ip-not-ours",
        dh(m, dhcp(m), src="10.77.9.9", dst="10.77.0.99", dst_mac=server_mac))
    m = mac()
    add("ipv4_multicast_dst", "ip-not-ours",
        dh(m, dhcp(m), dst="224.0.0.1", dst_mac=bytes.fromhex("01005e000001")))
    m = mac()
    add("ipv4_subnet_broadcast_dst", "ip-not-ours", dh(m, dhcp(m), dst="10.77.255.255"))

    # ---- UDP
    p = dhcp(mac())
    m = mac()
    add("udp_len_lt8", "udp-len", eth(ipv4(udp(p, length=7)), m))
    m = mac()
    add("udp_len_0", "udp-len", eth(ipv4(udp(p, length=0)), m))
    m = mac()
    add("udp_len_gt_ip_payload", "udp-len", eth(ipv4(udp(p, length=8 + len(p) + 100)), m))
    m = mac()
    add("udp_len_65535", "udp-len", eth(ipv4(udp(p, length=65535)), m))
    m = mac()
    add("udp_hdr_truncated", "udp-len", eth(ipv4(b"\x00\x44\x00\x43"), m))
    m = mac()
    add("udp_bad_csum", "udp-csum", eth(ipv4(udp(dhcp(m), csum_override=0x1234)), m))
    m = mac()
    add("udp_csum_ffff_wrong", "udp-csum", eth(ipv4(udp(dhcp(m), csum_override=0xffff)), m))
    m = mac()
    add("udp_port_68", "udp-port", eth(ipv4(udp(dhcp(m), dport=68)), m))
    m = mac()
    add("udp_port_53", "udp-port", eth(ipv4(udp(dhcp(m), dport=53)), m))
    m = mac()
    add("udp_port_0", "udp-port", eth(ipv4(udp(dhcp(m), dport=0)), m))

    # ---- ARP and ICMP
    def arp(m, oper=1, tip=SERVER_IP, htype=1, ptype=0x0800, hl=6, pl=4, trunc=None):
        body = struct.pack("!HHBBH", htype, ptype, hl, pl, oper) + m + ip4("10.77.0.200") + \
            b"\0" * 6 + ip4(tip)
        return eth(body[:trunc] if trunc else body, m, etype=0x0806)

    m = mac()
    add("arp_reply_not_request", "arp-invalid", arp(m, oper=2))
    m = mac()
    add("arp_for_other_ip", "arp-invalid", arp(m, tip="10.77.0.99"))
    m = mac()
    add("arp_htype_6", "arp-invalid", arp(m, htype=6))
    m = mac()
    add("arp_plen_16", "arp-invalid", arp(m, pl=16))
    m = mac()
    add("arp_truncated", "arp-invalid", arp(m, trunc=10))

    def icmp(m, typ=8, code=0, data=b"hostile", bad=False, dst=SERVER_IP, trunc=None):
        body = struct.pack("!BBHHH", typ, code, 0, 1, 1) + data
        c = csum(body) ^ (0x5555 if bad else 0)
        body = body[:2] + struct.pack("!H", c) + body[4:]
        body = body[:trunc] if trunc else body
        return eth(ipv4(body, src="10.77.0.200", dst=dst, proto=1), m, server_mac)

    m = mac()
    add("icmp_echo_bad_csum", "icmp-invalid", icmp(m, bad=True))
    m = mac()
    add("icmp_timestamp", "icmp-invalid", icmp(m, typ=13))
    m = mac()
    add("icmp_echo_code_1", "icmp-invalid", icmp(m, code=1))
    m = mac()
    add("icmp_truncated", "icmp-invalid", icmp(m, trunc=4))
    m = mac()
    add("icmp_echo_other_host", "ip-not-ours", icmp(m, dst="10.77.0.99"))

    # ---- BOOTP header
    m = mac()
    add("bootp_empty", "parse-short", dh(m, b""))
    m = mac()
    add("bootp_235", "parse-short", dh(m, bootp(m, cookie=b"", pad_to=0)[:235]))
    m = mac()
    add("bad_magic_cookie", "parse-cookie",
        dh(m, bootp(m, cookie=b"\x63\x82\x53\x62", options=opt(53, b"\x01") + b"\xff")))
    m = mac()
    add("cookie_truncated", "parse-cookie",
        dh(m, bootp(m, cookie=b"\x63\x82", pad_to=0)))
    m = mac()
    add("cookie_vendor_format", "parse-cookie",
        dh(m, bootp(m, cookie=b"\x01\x02\x03\x04", options=b"\xff")))
    m = mac()
    add("op_bootreply", "op-not-request", dh(m, dhcp(m, op=2)))
    m = mac()
    add("op_0", "op-not-request", dh(m, dhcp(m, op=0)))
    m = mac()
    add("op_255", "op-not-request", dh(m, dhcp(m, op=255)))
    m = mac()
    add("hlen_17", "hlen", dh(m, dhcp(m, hlen=17)))
    m = mac()
    add("hlen_255", "hlen", dh(m, dhcp(m, hlen=255)))
    m = mac()
    add("htype_ib_hlen20", "hlen", dh(m, dhcp(m, htype=32, hlen=20)))
    m = mac()
    add("hops_17", "hops", dh(m, dhcp(m, hops=17, giaddr=RELAY_IP), src=RELAY_IP,
                             dst=SERVER_IP, dst_mac=server_mac, sport=67))
    m = mac()
    add("hops_255", "hops", dh(m, dhcp(m, hops=255)))
    m = mac()
    add("hlen_0_no_client_id", "no-identity", dh(m, dhcp(m, hlen=0)))
    m = mac()
    add("chaddr_zero_no_client_id", "no-identity", dh(m, dhcp(m, chaddr=b"\0" * 16)))

    # ---- option framing
    m = mac()
    add("opt_len_overrun", "parse-option",
        raw_opts(m, opt(53, b"\x01") + b"\x0c\xf0abc", pad_to=0))
    m = mac()
    add("opt_code_no_len", "parse-option", raw_opts(m, opt(53, b"\x01") + b"\x0c", pad_to=0))
    m = mac()
    add("no_end_garbage", "parse-option",
        raw_opts(m, opt(53, b"\x01") + b"\x3c\x40" + b"G" * 20, pad_to=0))
    m = mac()
    add("opt_len_255_at_tail", "parse-option",
        raw_opts(m, opt(53, b"\x01") + b"\x2b\xff" + b"\0" * 10, pad_to=0))
    m = mac()
    add("msgtype_len0", "parse-option", raw_opts(m, b"\x35\x00\xff"))
    m = mac()
    add("msgtype_len2", "parse-option", raw_opts(m, b"\x35\x02\x01\x01\xff"))
    m = mac()
    add("opt50_len3", "parse-option", disc(m, b"\x32\x03\x0a\x4d\x01"))
    m = mac()
    add("opt54_len5", "parse-option", disc(m, b"\x36\x05\x0a\x4d\x00\x01\x00"))
    m = mac()
    add("opt51_len2", "parse-option", disc(m, b"\x33\x02\x00\x10"))
    m = mac()
    add("opt57_len1", "parse-option", disc(m, b"\x39\x01\x05"))
    m = mac()
    add("opt118_len3", "parse-option", disc(m, b"\x76\x03\x0a\x4d\x00"))

    # ---- option overload (52)
    m = mac()
    add("ovl52_len0", "parse-overload", disc(m, b"\x34\x00"))
    m = mac()
    add("ovl52_value0", "parse-overload", disc(m, b"\x34\x01\x00"))
    m = mac()
    add("ovl52_value4", "parse-overload", disc(m, b"\x34\x01\x04"))
    m = mac()
    add("ovl52_len2", "parse-overload", disc(m, b"\x34\x02\x01\x02"))
    m = mac()
    add("ovl52_twice", "parse-overload", disc(m, b"\x34\x01\x01\x34\x01\x02"))
    m = mac()
    add("ovl52_file_overrun", "parse-option",
        disc(m, b"\x34\x01\x01", file=b"\x0c\x7f" + b"F" * 126))
    m = mac()
    add("ovl52_sname_code_no_len", "parse-option",
        disc(m, b"\x34\x01\x02", sname=b"\0" * 63 + b"\x0c"))
    m = mac()
    add("ovl52_file_loop_garbage", "parse-option",
        disc(m, b"\x34\x01\x03", file=b"\x34\x01\x03" * 42 + b"\x0c\x09", sname=b"\xff"))

    # ---- RFC 3396 concatenation
    m = mac()
    add("rfc3396_concat_rai_huge", "parse-concat",
        disc(m, b"\x34\x01\x03" + (b"\x52\xff" + b"\x09\xfd" + b"R" * 253) * 4,
             file=b"\x52\x7e" + b"F" * 126, sname=b"\x52\x3e" + b"S" * 62, pad_to=0))
    m = mac()
    add("rfc3396_concat_vendor_over_cap", "parse-concat",
        disc(m, b"\x34\x01\x01" + (b"\x2b\xff" + b"V" * 255) * 4,
             file=b"\x2b\x7e" + b"F" * 126, pad_to=0))
    m = mac()
    add("rfc3396_msgtype_split", "msg-type", raw_opts(m, b"\x35\x01\x01\x35\x01\x01\xff"))
    m = mac()
    add("rfc3396_client_id_over_key", "client-id",
        disc(m, (b"\x3d\xc8\x01" + b"C" * 199) + (b"\x3d\xc8" + b"D" * 200)))
    m = mac()
    add("rfc3396_rai_split_subopt_overrun", "rai",
        disc(m, b"\x52\x04\x01\x10ab" + b"\x52\x04cdef", giaddr=RELAY_IP))

    # ---- message type (53)
    m = mac()
    add("msgtype_dup_conflict", "msg-type", raw_opts(m, b"\x35\x01\x01\x35\x01\x03\xff"))
    for v, nm in ((0, "0"), (19, "19"), (255, "255"), (MSG_OFFER, "offer"), (MSG_ACK, "ack"),
                  (MSG_NAK, "nak")):
        m = mac()
        add(f"msgtype_{nm}", "msg-type", dh(m, dhcp(m, v)))

    # ---- client identifier (61)
    m = mac()
    add("cid_len0", "client-id", disc(m, b"\x3d\x00"))
    m = mac()
    add("cid_len1", "client-id", disc(m, b"\x3d\x01\x01"))
    m = mac()
    add("cid_len255", "client-id", disc(m, b"\x3d\xff" + b"\x00" + b"I" * 254, pad_to=0))

    # ---- relay agent information (82), relayed from the configured relay
    def relayed(m, rai, **kw):
        return dh(m, dhcp(m, MSG_DISCOVER, rai, giaddr=RELAY_IP, hops=1, **kw), src=RELAY_IP,
                  dst=SERVER_IP, dst_mac=server_mac, sport=67)

    m = mac()
    add("opt82_len0", "rai", relayed(m, b"\x52\x00"))
    m = mac()
    add("opt82_subopt_overrun", "rai", relayed(m, b"\x52\x06\x01\x10abcd"))
    m = mac()
    add("opt82_subopt_len255_short_body", "rai", relayed(m, b"\x52\x0a\x01\xff" + b"x" * 8))
    m = mac()
    add("opt82_subopt_code_no_len", "rai", relayed(m, b"\x52\x05\x01\x02ab\x02"))
    m = mac()
    add("opt82_circuit_len0", "rai", relayed(m, b"\x52\x02\x01\x00"))
    m = mac()
    add("opt82_remote_len0", "rai", relayed(m, b"\x52\x05\x01\x01a\x02\x00"))
    m = mac()
    add("opt82_circuit_dup", "rai", relayed(m, b"\x52\x06\x01\x01a\x01\x01b"))
    m = mac()
    add("opt82_link_sel_len3", "rai", relayed(m, b"\x52\x05\x05\x03\x0a\x58\x00"))
    m = mac()
    add("opt82_srvid_override_len5", "rai", relayed(m, b"\x52\x07\x0b\x05\x0a\x4d\x00\x01\x00"))

    # ---- giaddr and relays
    m = mac()
    add("giaddr_untrusted_relay", "no-subnet",
        dh(m, dhcp(m, giaddr="10.99.0.1", hops=1), src="10.99.0.1", dst=SERVER_IP,
           dst_mac=server_mac, sport=67))
    m = mac()
    add("giaddr_spoof_from_unspecified", "giaddr", dh(m, dhcp(m, giaddr=RELAY_IP)))
    m = mac()
    add("giaddr_is_server", "giaddr",
        dh(m, dhcp(m, giaddr=SERVER_IP, hops=1), src=RELAY_IP, dst=SERVER_IP,
           dst_mac=server_mac, sport=67))
    m = mac()
    add("giaddr_broadcast", "giaddr",
        dh(m, dhcp(m, giaddr="255.255.255.255", hops=1), src=RELAY_IP, dst=SERVER_IP,
           dst_mac=server_mac, sport=67))
    m = mac()
    add("giaddr_loopback", "giaddr",
        dh(m, dhcp(m, giaddr="127.0.0.1", hops=1), src=RELAY_IP, dst=SERVER_IP,
           dst_mac=server_mac, sport=67))
    m = mac()
    add("giaddr_multicast", "giaddr",
        dh(m, dhcp(m, giaddr="224.0.0.9", hops=1), src=RELAY_IP, dst=SERVER_IP,
           dst_mac=server_mac, sport=67))
    m = mac()
    add("link_selection_unknown_subnet", "no-subnet",
        relayed(m, b"\x52\x06\x05\x04\xc0\x00\x02\x01"))
    m = mac()
    add("subnet_selection_unknown", "no-subnet", disc(m, b"\x76\x04\xc0\x00\x02\x00"))

    # ---- RFC 2131 semantics
    sid = opt(54, ip4(SERVER_IP))
    m = mac()
    add("discover_with_server_id", "rfc-violation", disc(m, sid))
    m = mac()
    add("request_other_server_id", "not-for-us",
        dh(m, dhcp(m, MSG_REQUEST, opt(50, ip4("10.77.1.50")) + opt(54, ip4("10.77.0.254")))))
    m = mac()
    add("request_selecting_with_ciaddr", "rfc-violation",
        dh(m, dhcp(m, MSG_REQUEST, opt(50, ip4("10.77.1.51")) + sid, ciaddr="10.77.1.51")))
    m = mac()
    add("request_selecting_no_opt50", "rfc-violation", dh(m, dhcp(m, MSG_REQUEST, sid)))
    m = mac()
    add("request_renew_no_ciaddr", "rfc-violation", dh(m, dhcp(m, MSG_REQUEST)))
    m = mac()
    add("request_initreboot_with_ciaddr", "rfc-violation",
        dh(m, dhcp(m, MSG_REQUEST, opt(50, ip4("10.77.1.52")), ciaddr="10.77.1.52")))
    m = mac()
    add("request_initreboot_unknown", "no-binding",
        dh(m, dhcp(m, MSG_REQUEST, opt(50, ip4("10.77.5.5")))))
    m = mac()
    add("release_wrong_owner", "not-owner",
        dh(m, dhcp(m, MSG_RELEASE, sid, ciaddr=lease_ip, flags=0), src=lease_ip, dst=SERVER_IP,
           dst_mac=server_mac))
    m = mac()
    add("release_no_lease", "not-owner",
        dh(m, dhcp(m, MSG_RELEASE, sid, ciaddr="10.77.1.53", flags=0), src="10.77.1.53",
           dst=SERVER_IP, dst_mac=server_mac))
    m = mac()
    add("release_other_server_id", "not-for-us",
        dh(m, dhcp(m, MSG_RELEASE, opt(54, ip4("10.77.0.254")), ciaddr=lease_ip, flags=0),
           src=lease_ip, dst=SERVER_IP, dst_mac=server_mac))
    m = mac()
    add("decline_no_reqip", "rfc-violation", dh(m, dhcp(m, MSG_DECLINE, sid)))
    m = mac()
    add("decline_wrong_owner", "not-owner",
        dh(m, dhcp(m, MSG_DECLINE, sid + opt(50, ip4(lease_ip)))))
    m = mac()
    add("inform_src0_ciaddr0", "rfc-violation", dh(m, dhcp(m, MSG_INFORM)))
    m = mac()
    add("inform_no_subnet", "no-subnet",
        dh(m, dhcp(m, MSG_INFORM, ciaddr="192.0.2.5", flags=0), src="192.0.2.5",
           dst=SERVER_IP, dst_mac=server_mac))
    m = mac()
    add("bootp_236_no_cookie", "bootp-disabled", dh(m, bootp(m, cookie=b"", pad_to=0)))
    m = mac()
    add("pad_only_is_bootp", "bootp-disabled", raw_opts(m, b"\0" * 60))
    return cases


# ------------------------------------------------------------------ main

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--iface", required=True)
    ap.add_argument("--prefix", required=True)
    ap.add_argument("--only", action="append", default=[])
    ap.add_argument("--flood", type=int, default=5000)
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--fragments", choices=("skip", "only"), default="skip",
                    help="IPv4 fragments need a port that is not net_af_packet: lone "
                    "fragments never reach it (kernel defragmentation for its fanout)")
    a = ap.parse_args()

    if a.list:
        for name, counter, _ in build_cases(b"\0" * 6, "10.77.1.1"):
            print(f"{name} {counter}")
        return 0

    rnd = random.Random(os.getpid())
    tel = lw_telemetry.Telemetry(a.prefix, wait=10)
    w = Wire(a.iface)
    normal = Normal(w, rnd)
    ok, why = normal.dora()
    if not ok:
        print(f"  FAIL: baseline DORA from the normal client: {why}", flush=True)
        return 1
    print(f"  PASS: baseline DORA: normal client {NORMAL_MAC.hex(':')} bound {why}, "
          f"server MAC {w.server_mac.hex(':')}", flush=True)
    cases = build_cases(w.server_mac, normal.addr)
    names = [c[0] for c in cases]
    assert len(names) == len(set(names)), "case names are unique"
    stats = tel.query("/leasewire/stats")
    for _, counter, _ in cases:
        assert counter in stats, f"telemetry has no counter {counter}"
    print(f"  {len(cases)} cases", flush=True)

    fails = 0
    passes = 0
    for name, counter, frame in cases:
        if a.only and name not in a.only:
            continue
        if (a.fragments == "only") != name.startswith("ipv4_fragment"):
            continue
        before = tel.query("/leasewire/stats")
        w.drain()
        try:
            w.send(frame, COPIES)
        except OSError as e:
            print(f"  FAIL: {name}: send: {e}", flush=True)
            fails += 1
            continue
        replies = w.server_frames(QUIET_SECS)
        after = tel.query("/leasewire/stats")
        rose = after.get(counter, 0) - before.get(counter, 0)
        why = []
        if rose < 1:
            moved = {k: after[k] - before.get(k, 0) for k in after
                     if k.startswith(("drop_", "rx_", "tx_")) and after[k] != before.get(k, 0)}
            why.append(f"{counter} +{rose} (moved: {moved})")
        if replies:
            why.append(f"{len(replies)} server frame(s) in reply")
        ok, dwhy = normal.dora()
        if not ok:
            why.append(f"normal DORA after it: {dwhy}")
        try:
            tel.query("/info")
        except Exception as e:  # the daemon is gone: nothing after this is meaningful
            why.append(f"telemetry dead: {e}")
        if why:
            fails += 1
            print(f"  FAIL: {name}: " + "; ".join(why), flush=True)
        else:
            passes += 1
            print(f"  PASS: {name} ({counter} +{rose}, no reply, DORA ok)", flush=True)

    if a.fragments == "skip" and (not a.only or "one_mac_flood" in a.only):
        r = flood(w, tel, normal, a.flood)
        if r:
            passes += 1
        else:
            fails += 1
    tel.close()
    print(f"hostile_frames.py: {passes} cases passed, {fails} failed", flush=True)
    return 1 if fails or not passes else 0


def flood(w, tel, normal, n):
    """One MAC sends n DISCOVERs as fast as it can while the normal client does DORA."""
    import threading
    fm = bytes.fromhex("02f100d00001")
    frame = frame_dhcp(fm, dhcp(fm, MSG_DISCOVER, xid=0xf100d))
    before = tel.query("/leasewire/stats")
    sent = [0]
    done = threading.Event()

    def blast():
        # At least n frames, and for as long as the normal client's DORA runs.
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
        s.bind((w.iface, 0))
        deadline = time.monotonic() + 60
        while (sent[0] < n or not done.is_set()) and time.monotonic() < deadline:
            try:
                s.send(frame)
                sent[0] += 1
            except OSError:
                time.sleep(0.0005)
        s.close()

    t = threading.Thread(target=blast)
    t0 = time.monotonic()
    t.start()
    time.sleep(0.01)  # the flood is under way
    ok, why = normal.dora()
    during = time.monotonic() - t0
    done.set()
    t.join(timeout=120)
    secs = time.monotonic() - t0
    time.sleep(0.3)
    after = tel.query("/leasewire/stats")
    rose = after.get("drop_client_rate", 0) - before.get("drop_client_rate", 0)
    offers = after.get("tx_offer", 0) - before.get("tx_offer", 0)
    print(f"    flood: {sent[0]} DISCOVERs from {fm.hex(':')} in {secs:.2f} s; "
          f"drop_client_rate +{rose}, OFFERs +{offers}; normal DORA "
          f"{'ok' if ok else 'FAILED'} after {during:.2f} s ({why})", flush=True)
    # The flooder gets its burst (100) and its rate (50/s), no more: every
    # other DISCOVER of it that reached the worker is a client-rate drop.
    cap = 100 + 50 * (secs + 1) + 1
    good = ok and rose >= 1 and offers <= cap
    print(f"  {'PASS' if good else 'FAIL'}: one_mac_flood (drop_client_rate +{rose} of "
          f"{sent[0]}, OFFERs +{offers} <= {cap:.0f}, normal client ACKed: {ok})", flush=True)
    return good


if __name__ == "__main__":
    sys.exit(main())
