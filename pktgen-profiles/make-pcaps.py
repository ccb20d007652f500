#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Generate the DHCPv4 pcaps that the pktgen-dpdk profiles replay.

    /usr/bin/python3 pktgen-profiles/make-pcaps.py [--out DIR] [--server-ip IP]
        [--server-mac MAC] [--pool-first IP] [--giaddr IP] [--storm N] [--clients N]

Deterministic (no randomness, fixed xids): rerunning with the same arguments
rewrites byte-identical files, so the committed pcaps can be checked against
this script. Every frame is a complete Ethernet/IPv4/UDP/BOOTP frame with
correct IPv4 and UDP checksums, padded to a 300-byte BOOTP payload as
dhclient pads it.

  discover_storm.pcap  N DISCOVERs (default 4096), N distinct MACs
                       02:50:47:00:xx:xx, broadcast, no requested address:
                       every one makes the server allocate (then re-offer).
  dora.pcap            DORA without waiting for OFFERs: for each block of 64
                       clients (MACs 02:50:47:01:xx:xx) 64 DISCOVERs asking for
                       pool-first + i (option 50), then 64 REQUESTs (SELECTING:
                       option 50 = that address, option 54 = server-ip, same
                       xid). The server ACKs each REQUEST: the address was
                       offered to that client, or is free.
  dora_discover.pcap   the DISCOVER half of dora.pcap, and
  dora_request.pcap    the REQUEST half: for two ports, or two phases.
  relay_opt82.pcap     relayed DISCOVERs (MACs 02:50:47:02:xx:xx): giaddr
                       --giaddr, hops 1, option 82 with circuit-id
                       "ge-0/0/<i % 48>" and remote-id = the client MAC, sent
                       from giaddr:67 to server-ip:67 (unicast IP).
  renew_storm.pcap     REQUESTs in RENEWING state from the dora.pcap clients:
                       ciaddr = pool-first + i, unicast from ciaddr:68 to
                       server-ip:67, no option 50/54. Replay dora.pcap once
                       first so that the leases exist.

Unicast frames (relay, renew) go to --server-mac; the default is the
broadcast MAC, which every NIC/VF accepts and leasewired does not mind (it
checks the IP destination). Give the VF's MAC for realistic traffic.
--clients (default 1024) sizes dora/relay/renew; keep every pcap at most
4,096 packets.
"""
import argparse
import ipaddress
import os
import sys

from scapy.all import BOOTP, DHCP, IP, UDP, Ether, wrpcap  # python3-scapy

PAYLOAD_MIN = 300
MAC_PREFIX = "02:50:47"


def mac(kind, i):
    return f"{MAC_PREFIX}:{kind:02x}:{(i >> 8) & 0xff:02x}:{i & 0xff:02x}"


def mac_bytes(m):
    return bytes(int(x, 16) for x in m.split(":"))


def pad(pkt):
    """Pad the BOOTP payload to 300 bytes (RFC 1542 sec 2.1, as dhclient)."""
    blen = len(bytes(pkt[BOOTP]))
    if blen < PAYLOAD_MIN:
        pkt = pkt / (b"\x00" * (PAYLOAD_MIN - blen))
    # Let scapy compute lengths and checksums from scratch.
    del pkt[IP].len, pkt[IP].chksum, pkt[UDP].len, pkt[UDP].chksum
    return Ether(bytes(pkt))


PRL = [1, 3, 6, 15, 51, 54, 58, 59]


def client_msg(cmac, xid, options, src="0.0.0.0", dst="255.255.255.255",
               dmac="ff:ff:ff:ff:ff:ff", ciaddr="0.0.0.0", giaddr="0.0.0.0",
               hops=0, sport=68):
    p = (Ether(src=cmac if giaddr == "0.0.0.0" else RELAY_MAC, dst=dmac) /
         IP(src=src, dst=dst, ttl=64 if hops == 0 else 63, id=xid & 0xffff) /
         UDP(sport=sport, dport=67) /
         BOOTP(op=1, htype=1, hlen=6, hops=hops, xid=xid, ciaddr=ciaddr,
               giaddr=giaddr, chaddr=mac_bytes(cmac) + b"\x00" * 10) /
         DHCP(options=options + ["end"]))
    return pad(p)


RELAY_MAC = "02:50:47:ff:00:02"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)))
    ap.add_argument("--server-ip", default="10.77.0.1")
    ap.add_argument("--server-mac", default="ff:ff:ff:ff:ff:ff")
    ap.add_argument("--pool-first", default="10.77.1.0")
    ap.add_argument("--giaddr", default="10.77.0.2")
    ap.add_argument("--storm", type=int, default=4096)
    ap.add_argument("--clients", type=int, default=1024)
    a = ap.parse_args()
    if not 1 <= a.storm <= 4096 or not 64 <= a.clients <= 2048 or a.clients % 64:
        sys.exit("make-pcaps: --storm 1..4096, --clients 64..2048 in steps of 64")
    first = ipaddress.IPv4Address(a.pool_first)
    os.makedirs(a.out, exist_ok=True)
    out = {}

    out["discover_storm.pcap"] = [
        client_msg(mac(0, i), 0x50000000 + i,
                   [("message-type", "discover"), ("max_dhcp_size", 1500),
                    ("param_req_list", PRL)])
        for i in range(a.storm)]

    disc, req = [], []
    for i in range(a.clients):
        cm, xid, ip = mac(1, i), 0x51000000 + i, str(first + i)
        disc.append(client_msg(cm, xid, [
            ("message-type", "discover"), ("requested_addr", ip),
            ("max_dhcp_size", 1500), ("param_req_list", PRL)]))
        req.append(client_msg(cm, xid, [
            ("message-type", "request"), ("requested_addr", ip),
            ("server_id", a.server_ip), ("max_dhcp_size", 1500),
            ("param_req_list", PRL)]))
    dora = []
    for b in range(0, a.clients, 64):
        dora += disc[b:b + 64] + req[b:b + 64]
    out["dora.pcap"] = dora
    out["dora_discover.pcap"] = disc
    out["dora_request.pcap"] = req

    out["relay_opt82.pcap"] = [
        client_msg(mac(2, i), 0x52000000 + i,
                   [("message-type", "discover"), ("max_dhcp_size", 1500),
                    ("param_req_list", PRL),
                    ("relay_agent_information",
                     b"\x01" + bytes([len(f"ge-0/0/{i % 48}")]) + f"ge-0/0/{i % 48}".encode() +
                     b"\x02\x06" + mac_bytes(mac(2, i)))],
                   src=a.giaddr, dst=a.server_ip, dmac=a.server_mac,
                   giaddr=a.giaddr, hops=1, sport=67)
        for i in range(a.clients)]

    out["renew_storm.pcap"] = [
        client_msg(mac(1, i), 0x53000000 + i,
                   [("message-type", "request"), ("max_dhcp_size", 1500),
                    ("param_req_list", PRL)],
                   src=str(first + i), dst=a.server_ip, dmac=a.server_mac,
                   ciaddr=str(first + i))
        for i in range(a.clients)]

    for name, pkts in out.items():
        assert len(pkts) <= 4096, name
        path = os.path.join(a.out, name)
        wrpcap(path, pkts)
        # Fixed timestamps (1 ms apart) so reruns are byte-identical.
        with open(path, "r+b") as f:
            data = bytearray(f.read())
            off, n = 24, 0
            while off < len(data):
                caplen = int.from_bytes(data[off + 8:off + 12], "little")
                data[off:off + 4] = (1700000000 + n // 1000).to_bytes(4, "little")
                data[off + 4:off + 8] = ((n % 1000) * 1000).to_bytes(4, "little")
                off += 16 + caplen
                n += 1
            f.seek(0)
            f.write(data)
        print(f"make-pcaps: {path}: {len(pkts)} frames")


if __name__ == "__main__":
    main()
