#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""A client that changes its xid between DISCOVER and REQUEST (as some
real clients do, and as clients that restart their state machine do) and
sends secs=6, against the real leasewired. Run inside the client namespace
by test_xid_secs.sh:

    test_xid_secs.py --iface lwcX --prefix <dpdk file-prefix>

Asserts:
  1. DISCOVER (xid A, secs 6) -> OFFER with xid A, yiaddr in the pool,
     server identifier 10.77.0.1, addressed to our chaddr.
  2. REQUEST (xid B != A, secs 6, option 50 = offered, option 54 =
     10.77.0.1) -> DHCPACK with xid B for the offered address.
  3. Server view: the address is bound to our MAC.
  4. Same MAC, new DISCOVER (xid C) -> OFFER of the same address: the
     binding is found by chaddr, not by xid.
  5. REQUEST with yet another xid D -> ACK of the same address, still bound.
"""
import argparse
import ipaddress
import os
import random
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "scripts"))
import lw_telemetry  # noqa: E402

from scapy.all import (BOOTP, DHCP, IP, UDP, AsyncSniffer, Ether,  # noqa: E402
                       conf, sendp)

conf.verb = 0
SERVER = "10.77.0.1"
POOL = (ipaddress.IPv4Address("10.77.0.10"), ipaddress.IPv4Address("10.77.0.250"))

failures = 0
passes = 0


def check(cond, what):
    global failures, passes
    if cond:
        passes += 1
        print(f"  PASS: {what}", flush=True)
    else:
        failures += 1
        print(f"  FAIL: {what}", flush=True)
    return cond


def dhcp_opt(pkt, name):
    for o in pkt[DHCP].options:
        if isinstance(o, tuple) and o[0] == name:
            return o[1]
    return None


MSG = {1: "discover", 2: "offer", 3: "request", 4: "decline", 5: "ack",
       6: "nak", 7: "release", 8: "inform"}


class Client:
    def __init__(self, iface, mac):
        self.iface = iface
        self.mac = mac
        self.chaddr = bytes.fromhex(mac.replace(":", "")) + b"\x00" * 10
        self.sent = {}  # message type -> frames sent (retransmissions included)

    def frame(self, xid, options, secs=6):
        return (Ether(src=self.mac, dst="ff:ff:ff:ff:ff:ff") /
                IP(src="0.0.0.0", dst="255.255.255.255", ttl=64) /
                UDP(sport=68, dport=67) /
                BOOTP(op=1, htype=1, hlen=6, xid=xid, secs=secs, flags=0,
                      chaddr=self.chaddr) /
                DHCP(options=options + ["end"]))

    def exchange(self, xid, options, want, secs=6, tries=3, wait=3.0):
        """Send, retransmit (bounded) until a reply from port 67 with our
        chaddr and xid arrives; return it (or None)."""
        def match(p):
            return (p.haslayer(BOOTP) and p.haslayer(DHCP) and p[BOOTP].op == 2
                    and p[BOOTP].xid == xid
                    and bytes(p[BOOTP].chaddr)[:6] == self.chaddr[:6])
        for attempt in range(tries):
            sn = AsyncSniffer(iface=self.iface, filter="udp and src port 67",
                              lfilter=match, count=1, store=True)
            sn.start()
            time.sleep(0.2)  # the sniffer socket is open before we send
            sendp(self.frame(xid, options, secs), iface=self.iface)
            mt = options[0][1]
            self.sent[mt] = self.sent.get(mt, 0) + 1
            deadline = time.monotonic() + wait
            while time.monotonic() < deadline and not sn.results:
                time.sleep(0.05)
            try:
                sn.stop()
            except Exception:
                pass
            res = sn.results or []
            if res:
                r = res[0]
                t = dhcp_opt(r, "message-type")
                print(f"    <- {MSG.get(t, t)} xid={r[BOOTP].xid:#x} yiaddr={r[BOOTP].yiaddr}"
                      f" dst={r[IP].dst} ({attempt + 1} tries)", flush=True)
                return r
        print(f"    no reply to xid {xid:#x} ({want}) after {tries} tries", flush=True)
        return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--iface", required=True)
    ap.add_argument("--prefix", required=True)
    a = ap.parse_args()

    rnd = random.Random(os.getpid())
    mac = "02:5a:%02x:%02x:%02x:%02x" % tuple(rnd.randrange(256) for _ in range(4))
    xid_a = rnd.randrange(1, 1 << 32)
    xid_b = xid_a ^ 0x5A5A0001
    xid_c = (xid_a + 0x01000000) % (1 << 32)
    xid_d = xid_c ^ 0x00FF00FF
    tel = lw_telemetry.Telemetry(a.prefix, wait=10)
    c = Client(a.iface, mac)
    print(f"  client MAC {mac}, xids A={xid_a:#x} B={xid_b:#x} C={xid_c:#x} D={xid_d:#x}", flush=True)

    # 1. DISCOVER xid A, secs 6.
    offer = c.exchange(xid_a, [("message-type", "discover")], "offer")
    if not check(offer is not None and dhcp_opt(offer, "message-type") == 2,
                 "DISCOVER(xid A, secs 6) answered by DHCPOFFER with xid A"):
        return 1
    yiaddr = offer[BOOTP].yiaddr
    check(POOL[0] <= ipaddress.IPv4Address(yiaddr) <= POOL[1],
          f"offered {yiaddr} is in the pool {POOL[0]}-{POOL[1]}")
    check(dhcp_opt(offer, "server_id") == SERVER, f"OFFER server identifier is {SERVER}")
    check(offer[Ether].dst.lower() in (mac, "ff:ff:ff:ff:ff:ff"),
          f"OFFER sent to our chaddr or broadcast (dst {offer[Ether].dst})")
    check(offer[BOOTP].secs == 0, "OFFER has secs 0 (RFC 2131 table 3)")

    # 2. REQUEST with another xid.
    ack = c.exchange(xid_b, [("message-type", "request"), ("requested_addr", yiaddr),
                             ("server_id", SERVER)], "ack")
    check(ack is not None, "REQUEST(xid B, secs 6, opt 50, opt 54) answered with xid B")
    if ack is not None:
        check(dhcp_opt(ack, "message-type") == 5,
              f"the answer is DHCPACK (got {MSG.get(dhcp_opt(ack, 'message-type'))})")
        check(ack[BOOTP].yiaddr == yiaddr, f"ACK yiaddr {ack[BOOTP].yiaddr} == offered {yiaddr}")
        lt = dhcp_opt(ack, "lease_time")
        check(isinstance(lt, int) and lt > 0, f"ACK carries a lease time ({lt})")

    # 3. Server view.
    lease = {}
    for _ in range(25):  # bounded: the journal commit precedes the ACK anyway
        lease = tel.query(f"/leasewire/lease,{yiaddr}")
        if lease.get("state") == "bound":
            break
        time.sleep(0.2)
    check(lease.get("state") == "bound", f"server view of {yiaddr}: state {lease.get('state')}")
    check(str(lease.get("hw_address", "")).lower() == mac,
          f"server view of {yiaddr}: hw_address {lease.get('hw_address')} == {mac}")

    # 4. Same MAC, new xid: same address.
    offer2 = c.exchange(xid_c, [("message-type", "discover")], "offer")
    check(offer2 is not None and dhcp_opt(offer2, "message-type") == 2,
          "second DISCOVER (xid C) answered by DHCPOFFER with xid C")
    if offer2 is not None:
        check(offer2[BOOTP].yiaddr == yiaddr,
              f"same MAC, new xid: offered {offer2[BOOTP].yiaddr} == bound {yiaddr}")

    # 5. And a REQUEST with xid D confirms it.
    ack2 = c.exchange(xid_d, [("message-type", "request"), ("requested_addr", yiaddr),
                              ("server_id", SERVER)], "ack")
    check(ack2 is not None and dhcp_opt(ack2, "message-type") == 5
          and ack2[BOOTP].yiaddr == yiaddr,
          f"REQUEST (xid D) ACKed for the same address {yiaddr}")
    lease2 = tel.query(f"/leasewire/lease,{yiaddr}")
    check(lease2.get("state") == "bound" and str(lease2.get("hw_address", "")).lower() == mac,
          f"server view still bound to {mac}")
    stats = tel.query("/leasewire/stats")
    print("  stats: " + ", ".join(f"{k}={v}" for k, v in stats.items() if v), flush=True)
    nd, nr = c.sent.get("discover", 0), c.sent.get("request", 0)
    check(stats.get("rx_discover") == nd and stats.get("rx_request") == nr,
          f"server counted the {nd} DISCOVERs and {nr} REQUESTs we sent (got "
          f"{stats.get('rx_discover')}, {stats.get('rx_request')})")
    check(stats.get("tx_offer") == nd and stats.get("tx_ack") == nr,
          f"server sent one OFFER per DISCOVER and one ACK per REQUEST (got "
          f"{stats.get('tx_offer')}, {stats.get('tx_ack')})")
    tel.close()
    return 0


if __name__ == "__main__":
    rc = main()
    print(f"test_xid_secs.py: {passes} checks passed, {failures} failed", flush=True)
    sys.exit(1 if (rc or failures or not passes) else 0)
