#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Check the ACKs a client saw on the wire against a recovered lease table.

  acks_check.py EVENTS SERVER_MAC EXPORT_CSV --clients P1,P2,.. [--this P]

EVENTS: tshark fields, one frame a line, in capture order:
  frame.time_epoch  eth.src  dhcp.option.dhcp  dhcp.hw.mac_addr  dhcp.ip.your
EXPORT_CSV: the daemon's "export leases" (Kea memfile CSV, state 0 = bound,
2 = released/expired).

Clients are the chaddrs starting with one of the --clients MAC prefixes;
--this names the prefix whose ACKs are counted as "on the wire" (one cut's).
For each client the last event decides (capture order):
  * a DHCPACK from the server (the client saw it: the capture is on the
    client's link) -> the table must hold a record (yiaddr, chaddr) bound,
    and no other client's record bound to that yiaddr (the export lists
    every record with the address it last had: a released record keeps its
    address column after another client took the address); anything else
    is a lost ACK;
  * a RELEASE the client sent after its last ACK -> the client no longer
    holds the lease, so any table state is allowed (the RELEASE itself has
    no reply and no durability promise); counted as released / still bound.
Last line: "ACKCHECK wire=N checked=M lost=K released=R released_bound=B naks=X".
Exit 0 always (the caller asserts on the numbers); 2 on a usage error.
"""
import argparse
import csv
import sys

ACK, NAK, RELEASE = "5", "6", "7"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("events")
    ap.add_argument("server_mac")
    ap.add_argument("export")
    ap.add_argument("--clients", required=True)
    ap.add_argument("--this", default="")
    ap.add_argument("--show", type=int, default=10)
    a = ap.parse_args()
    prefixes = tuple(p.lower() for p in a.clients.split(",") if p)
    this = a.this.lower()
    srv = a.server_mac.lower()

    last = {}  # chaddr -> [kind, ip]
    wire = naks = 0
    with open(a.events) as f:
        for line in f:
            w = line.rstrip("\n").split("\t")
            if len(w) < 5:
                continue
            _, src, typ, mac, yi = (x.strip().lower() for x in w[:5])
            if not mac.startswith(prefixes):
                continue
            if src == srv and typ == ACK and yi and yi != "0.0.0.0":
                last[mac] = ["ack", yi]
                if this and mac.startswith(this):
                    wire += 1
            elif src == srv and typ == NAK and mac in last:
                naks += 1
            elif src != srv and typ == RELEASE and mac in last:
                last[mac][0] = "rel"

    table = {}  # address -> [(hwaddr, state)], one per record
    with open(a.export, newline="") as f:
        for row in csv.DictReader(f):
            table.setdefault(row["address"], []).append((row["hwaddr"].lower(), row["state"]))

    checked = released = released_bound = 0
    lost = []
    for mac, (kind, ip) in sorted(last.items()):
        recs = table.get(ip, [])
        mine = [st for hw, st in recs if hw == mac]
        others_bound = sorted(hw for hw, st in recs if hw != mac and st == "0")
        if kind == "rel":
            released += 1
            released_bound += "0" in mine
            continue
        checked += 1
        if "0" not in mine or others_bound:
            seen = ", ".join(f"hw={hw} state={st}" for hw, st in recs) or "no record"
            lost.append(f"{ip} ACKed to {mac}; recovered: {seen}")
    for x in lost[: a.show]:
        print("    lost: " + x)
    if len(lost) > a.show:
        print(f"    ... and {len(lost) - a.show} more")
    print(f"ACKCHECK wire={wire} checked={checked} lost={len(lost)} released={released} "
          f"released_bound={released_bound} naks={naks}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
