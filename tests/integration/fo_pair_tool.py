#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Helpers of test_failover_pair.sh (two leasewired in a failover pair), stdlib only.

  farm    --ctl SOCK --log LOG --dev IF --giaddr A [--giaddr B ...] [--max-secs S]
      A population of emulated DHCP clients behind a relay (giaddr = one of
      the addresses of IF; source port 67, hops 1, replies to giaddr:67),
      run in the clients' namespace. Each client does DORA (broadcast, so
      both servers see it), renews at T1 by unicast to the server that
      ACKed it, rebinds by broadcast at T2, and starts over when its lease
      runs out or it is NAKed, as RFC 2131 sec 4.4 says. Every reply
      (OFFER, ACK, NAK) and every lost lease is one JSON line in LOG.
      Driven by one-line commands on the Unix socket CTL (see Farm.command).
      Every wait is bounded; it exits after --max-secs whatever happens.
  ctl     SOCK COMMAND...      send one command to a farm, print its answer
  cycles  ...                  the partition cycles (see cycles())
  check-acks LOG               no address ACKed to two clients at once
  check-split LOG --tag T ...  NORMAL's clients answered by their RFC 3074 bucket's server
  check-pool LOG --tag T ...   which half of a subnet a tag's clients got, before/after T
  check-tables P.csv S.csv     two exports (Kea CSV) agree, and neither
                               binds one address to two clients
  fo-state FILE                the state recorded in a failover.state file
  wait-fo --prefix P ...       until the daemons are in a failover state

Exit status: 0 on success; checks print one summary line "<NAME> k=v ..."
(the test judges the numbers) and exit 0 when they could run at all.
"""
import argparse
import csv
import heapq
import ipaddress
import json
import os
import random
import selectors
import socket
import struct
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # no __pycache__ in scripts/ from lw_telemetry
sys.path.insert(0, os.path.join(HERE, "..", "..", "scripts"))

# RFC 3074 sec 6 mixing table (common/failover/lb_hash.c).
LB_MIX = [
    251, 175, 119, 215, 81, 14, 79, 191, 103, 49, 181, 143, 186, 157, 0, 232,
    31, 32, 55, 60, 152, 58, 17, 237, 174, 70, 160, 144, 220, 90, 57, 223,
    59, 3, 18, 140, 111, 166, 203, 196, 134, 243, 124, 95, 222, 179, 197, 65,
    180, 48, 36, 15, 107, 46, 233, 130, 165, 30, 123, 161, 209, 23, 97, 16,
    40, 91, 219, 61, 100, 10, 210, 109, 250, 127, 22, 138, 29, 108, 244, 67,
    207, 9, 178, 204, 74, 98, 126, 249, 167, 116, 34, 77, 193, 200, 121, 5,
    20, 113, 71, 35, 128, 13, 182, 94, 25, 226, 227, 199, 75, 27, 41, 245,
    230, 224, 43, 225, 177, 26, 155, 150, 212, 142, 218, 115, 241, 73, 88, 105,
    39, 114, 62, 255, 192, 201, 145, 214, 168, 158, 221, 148, 154, 122, 12, 84,
    82, 163, 44, 139, 228, 236, 205, 242, 217, 11, 187, 146, 159, 64, 86, 239,
    195, 42, 106, 198, 118, 112, 184, 172, 87, 2, 173, 117, 176, 229, 247, 253,
    137, 185, 99, 164, 102, 147, 45, 66, 231, 52, 141, 211, 194, 206, 246, 238,
    56, 110, 78, 248, 63, 240, 189, 93, 92, 51, 53, 183, 19, 171, 72, 50,
    33, 104, 101, 69, 8, 252, 83, 120, 76, 135, 85, 54, 202, 125, 188, 213,
    96, 235, 136, 208, 162, 129, 190, 132, 156, 38, 47, 1, 7, 254, 24, 4,
    216, 131, 89, 21, 28, 133, 37, 153, 149, 80, 170, 68, 6, 169, 234, 151,
]


def lb_hash(key):
    """RFC 3074 sec 6: seeded with the length, from the last byte."""
    h = len(key) & 0xFF
    for b in reversed(key):
        h = LB_MIX[h ^ b]
    return h


def mac_str(b):
    return ":".join("%02x" % x for x in b)


def mac_bytes(s):
    return bytes(int(x, 16) for x in s.split(":"))


# ------------------------------------------------------------------ DHCP

MAGIC = b"\x63\x82\x53\x63"
DISCOVER, OFFER, REQUEST, DECLINE, ACK, NAK, RELEASE = 1, 2, 3, 4, 5, 6, 7
TYPE_NAME = {OFFER: "OFFER", ACK: "ACK", NAK: "NAK"}


def build(mtype, xid, mac, giaddr, ciaddr="0.0.0.0", req_ip=None, server=None):
    """A relayed BOOTREQUEST (hops 1, giaddr set), secs 0: never past load balancing's limit."""
    head = struct.pack("!BBBBIHH4s4s4s4s16s64s128s", 1, 1, 6, 1, xid, 0, 0,
                       socket.inet_aton(ciaddr), b"\0" * 4, b"\0" * 4,
                       socket.inet_aton(giaddr), mac + b"\0" * 10, b"", b"")
    opts = bytes([53, 1, mtype])
    if req_ip:
        opts += bytes([50, 4]) + socket.inet_aton(req_ip)
    if server:
        opts += bytes([54, 4]) + socket.inet_aton(server)
    opts += bytes([55, 5, 1, 3, 51, 58, 59]) + b"\xff"
    pkt = head + MAGIC + opts
    return pkt + b"\0" * max(0, 300 - len(pkt))


def parse(data):
    """(xid, mac, yiaddr, {option: bytes}) of a BOOTREPLY, or None."""
    if len(data) < 240 or data[0] != 2 or data[236:240] != MAGIC:
        return None
    xid = struct.unpack("!I", data[4:8])[0]
    yiaddr = socket.inet_ntoa(data[16:20])
    mac = bytes(data[28:34])
    opts, i = {}, 240
    while i < len(data):
        code = data[i]
        if code == 255:
            break
        if code == 0:
            i += 1
            continue
        if i + 1 >= len(data) or i + 2 + data[i + 1] > len(data):
            return None
        opts[code] = bytes(data[i + 2:i + 2 + data[i + 1]])
        i += 2 + data[i + 1]
    return xid, mac, yiaddr, opts


def u32(b, default=0):
    return struct.unpack("!I", b)[0] if b and len(b) == 4 else default


# ------------------------------------------------------------------ the farm

RETRY_S = 0.5      # retransmission interval of every request (short: the test's clock)
DISCOVER_TRIES = 3  # a client that got no lease after this many DISCOVERs is "failed"
REQUEST_TRIES = 3


class Client:
    __slots__ = ("mac", "tag", "gi", "state", "xid", "ip", "server", "lease", "t_ack",
                 "t1", "t2", "tries", "rounds", "gen", "offer", "forced", "since",
                 "keep", "offers", "acks")

    def __init__(self, mac, tag, gi):
        self.mac, self.tag, self.gi = mac, tag, gi
        self.state = "init"
        self.xid = random.getrandbits(32)
        self.ip = self.server = None
        self.lease = self.t_ack = self.t1 = self.t2 = 0
        self.tries = self.rounds = self.gen = 0
        self.offer = None
        self.forced = None  # (command id, time, op) of a renew/rebind the operator asked for
        self.since = 0.0
        self.keep = None  # a greedy client: the server whose ACK it keeps
        self.offers, self.acks = {}, {}


class Farm:
    def __init__(self, a):
        self.log = open(a.log, "a", buffering=1)
        self.sel = selectors.DefaultSelector()
        self.socks = {}
        for gi in a.giaddr:
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, a.dev.encode())
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
            s.bind((gi, 67))
            s.setblocking(False)
            self.socks[gi] = s
            self.sel.register(s, selectors.EVENT_READ, ("udp", gi))
        self.ctl = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        if os.path.exists(a.ctl):
            os.unlink(a.ctl)
        self.ctl.bind(a.ctl)
        self.ctl.listen(8)
        self.ctl.setblocking(False)
        self.sel.register(self.ctl, selectors.EVENT_READ, ("ctl", None))
        self.clients = []
        self.by_xid = {}
        self.tags = {}
        self.timers = []
        self.seq = 0
        self.pending_new = []  # (when, client) not yet started (rate limit)
        self.waiters = []  # (deadline, conn, predicate, reporter)
        self.cmd_id = 0
        self.outcome = {}  # command id -> {client: "acked" | "naked" | "lost"}
        self.deadline = time.monotonic() + a.max_secs
        self.quit = False

    # -- bookkeeping
    def rec(self, **kv):
        kv["t"] = round(time.time(), 4)
        self.log.write(json.dumps(kv) + "\n")

    def at(self, when, c):
        c.gen += 1
        self.seq += 1
        heapq.heappush(self.timers, (when, self.seq, c, c.gen))

    def new_xid(self, c):
        self.by_xid.pop(c.xid, None)
        c.xid = random.getrandbits(32)
        self.by_xid[c.xid] = c

    def send(self, c, mtype, dst, **kw):
        pkt = build(mtype, c.xid, c.mac, c.gi, **kw)
        try:
            self.socks[c.gi].sendto(pkt, (dst, 67))
        except OSError:
            pass  # no route or buffer full: the retransmission timer tries again

    # -- the client state machine (RFC 2131 sec 4.4)
    def start(self, c, now):
        c.state, c.tries, c.ip, c.server, c.offer = "selecting", 0, None, None, None
        c.rounds += 1
        c.since = now
        self.new_xid(c)
        self.discover(c, now)

    def discover(self, c, now):
        if c.tries >= DISCOVER_TRIES:
            c.state = "failed"
            self.rec(ev="FAILED", mac=mac_str(c.mac), tag=c.tag)
            return
        c.tries += 1
        self.send(c, DISCOVER, "255.255.255.255")
        self.at(now + RETRY_S, c)

    def request(self, c, now):
        c.tries += 1
        ip, srv = c.offer
        self.send(c, REQUEST, "255.255.255.255", req_ip=ip, server=srv)
        self.at(now + RETRY_S, c)

    def renew(self, c, now):
        c.tries += 1
        if c.state == "renewing":
            self.send(c, REQUEST, c.server, ciaddr=c.ip)
        else:
            self.send(c, REQUEST, "255.255.255.255", ciaddr=c.ip)
        self.at(min(now + RETRY_S, c.t_ack + c.lease), c)

    def settle(self, c, how):
        """A forced renew/rebind of c has its outcome."""
        if c.forced:
            self.outcome.setdefault(c.forced[0], {})[c] = how
            c.forced = None

    def greedy_send(self, c, now):
        """A greedy client: DISCOVER until two servers offer, then REQUEST both offers."""
        c.tries += 1
        if c.tries > 6:
            c.state = "failed"
            self.rec(ev="FAILED", mac=mac_str(c.mac), tag=c.tag)
            return
        if c.state == "greedy_sel":
            self.send(c, DISCOVER, "255.255.255.255")
        else:
            for srv, ip in c.offers.items():
                if srv not in c.acks:
                    self.send(c, REQUEST, "255.255.255.255", req_ip=ip, server=srv)
        self.at(now + RETRY_S, c)

    def timer(self, c, now):
        st = c.state
        if st in ("greedy_sel", "greedy_req"):
            self.greedy_send(c, now)
        elif st == "init":
            self.start(c, now)
        elif st == "selecting":
            self.discover(c, now)
        elif st == "requesting":
            if c.tries >= REQUEST_TRIES:
                c.tries = 0
                c.state = "selecting"
                self.new_xid(c)
                self.discover(c, now)
            else:
                self.request(c, now)
        elif st in ("bound", "renewing", "rebinding"):
            end = c.t_ack + c.lease
            if now >= end:
                self.rec(ev="LOST", mac=mac_str(c.mac), ip=c.ip, tag=c.tag)
                self.settle(c, "lost")
                self.start(c, now)
                return
            if st == "bound":
                c.state, c.tries = "renewing", 0
                self.new_xid(c)
            forced_rebind = c.forced and c.forced[2] == "rebind"
            if c.state == "renewing" and (now >= c.t_ack + c.t2 or forced_rebind or
                                          (c.forced and c.tries >= 2)):
                c.state, c.tries = "rebinding", 0
                self.new_xid(c)
            self.renew(c, now)

    def reply(self, data, now):
        p = parse(data)
        if not p:
            return
        xid, mac, yiaddr, opts = p
        mt = opts.get(53, b"\0")[0]
        srv = socket.inet_ntoa(opts[54]) if len(opts.get(54, b"")) == 4 else None
        c = self.by_xid.get(xid)
        if c is None or c.mac != mac:
            self.rec(ev="STRAY", type=TYPE_NAME.get(mt, mt), mac=mac_str(mac), ip=yiaddr, srv=srv)
            return
        kind = {"selecting": "select", "requesting": "select"}.get(c.state, c.state)
        lease = u32(opts.get(51))
        self.rec(ev=TYPE_NAME.get(mt, str(mt)), mac=mac_str(mac), ip=yiaddr, srv=srv,
                 lease=lease, kind=kind, tag=c.tag)
        if c.state in ("greedy_sel", "greedy_req"):
            self.greedy_reply(c, mt, srv, yiaddr, lease, opts, now)
            return
        if mt == OFFER and c.state == "selecting":
            c.offer = (yiaddr, srv)
            c.state, c.tries = "requesting", 0
            self.request(c, now)
        elif mt == ACK and c.state in ("requesting", "renewing", "rebinding"):
            if c.state != "requesting" and yiaddr != c.ip:
                self.rec(ev="WRONG_ACK", mac=mac_str(mac), ip=yiaddr, had=c.ip, srv=srv)
            c.ip, c.server, c.lease, c.t_ack = yiaddr, srv, lease, now
            c.t1 = u32(opts.get(58), lease // 2)
            c.t2 = u32(opts.get(59), lease * 7 // 8)
            c.state, c.tries = "bound", 0
            self.settle(c, "acked")
            self.at(now + c.t1, c)
        elif mt == NAK and c.state in ("requesting", "renewing", "rebinding"):
            self.settle(c, "naked")
            c.state = "init"  # RFC 2131 sec 4.4.1: start over (after a pause)
            self.at(now + 0.5, c)

    def greedy_reply(self, c, mt, srv, ip, lease, opts, now):
        if mt == OFFER and c.state == "greedy_sel":
            c.offers[srv] = ip
            if len(c.offers) == 2:
                c.state, c.tries = "greedy_req", 0
                self.greedy_send(c, now)
        elif mt == ACK and c.state == "greedy_req" and c.offers.get(srv) == ip:
            c.acks[srv] = (ip, lease, u32(opts.get(58), lease // 2), u32(opts.get(59), lease * 7 // 8))
            if len(c.acks) == 2 and c.keep in c.acks:
                # Keep one lease, silently stop using the other (no RELEASE):
                # what a client does with an ACK it no longer waits for.
                for s, (dip, _, _, _) in c.acks.items():
                    if s != c.keep:
                        self.rec(ev="ABANDON", mac=mac_str(c.mac), ip=dip, srv=s, tag=c.tag)
                c.ip, c.lease, c.t1, c.t2 = c.acks[c.keep]
                c.server, c.t_ack, c.state, c.tries = c.keep, now, "bound", 0
                self.at(now + c.t1, c)
        elif mt == NAK:
            c.state = "failed"
            self.rec(ev="FAILED", mac=mac_str(c.mac), tag=c.tag)

    # -- operator commands
    def select(self, what):
        if what.startswith("server="):
            srv = what[7:]
            return [c for c in self.clients if c.server == srv and c.state == "bound"]
        if what == "all":
            return list(self.clients)
        return list(self.tags.get(what, []))

    def command(self, line, conn, now):
        """
        new TAG N GIADDR RATE [half=low|high]
                                N new clients (MAC 02:<tag#>:<serial>) at RATE/s;
                                half: only MACs of RFC 3074 buckets < 128 (low) or >= 128
        wait TAG SECS           until no client of TAG is still getting a lease
        greedy TAG GIADDR SRV S one client ACKed by both servers that keeps SRV's lease
        cancel TAG              forget the clients of TAG not started yet
        retry TAG               failed clients of TAG try again (DISCOVER)
        renew SEL SECS          renew now (unicast; rebind after 2 tries); SEL: TAG,
        rebind SEL SECS         server=IP or all; answer when each is ACKed or NAKed
        dump FILE               every client as JSON
        stats | quit
        """
        w = line.split()
        if not w:
            return "ERR empty"
        op = w[0]
        if op == "new" and len(w) in (5, 6):
            tag, n, gi, rate = w[1], int(w[2]), w[3], float(w[4])
            half = w[5] if len(w) == 6 else None
            if gi not in self.socks or half not in (None, "half=low", "half=high"):
                return "ERR unknown giaddr or half"
            idx = list(self.tags).index(tag) + 1 if tag in self.tags else len(self.tags) + 1
            lst = self.tags.setdefault(tag, [])
            k, made = len(lst), 0
            while made < n:
                mac = bytes([0x02, idx & 0xFF]) + struct.pack("!I", k)
                k += 1
                if half and (lb_hash(mac) < 128) != (half == "half=low"):
                    continue  # not in the wanted half of the RFC 3074 buckets
                c = Client(mac, tag, gi)
                self.clients.append(c)
                lst.append(c)
                self.pending_new.append((now + made / rate, c))
                made += 1
            self.pending_new.sort(key=lambda x: x[0])
            return "OK %d" % n
        if op == "wait" and len(w) == 3:
            tag, secs = w[1], float(w[2])
            lst = self.tags.get(tag, [])
            busy = ("init", "selecting", "requesting")

            def done():
                return all(c.state not in busy for c in lst) and \
                    not any(c.tag == tag for _, c in self.pending_new)

            def report():
                n = {}
                for c in lst:
                    n[c.state] = n.get(c.state, 0) + 1
                srv = {}
                for c in lst:
                    if c.state == "bound":
                        srv[c.server] = srv.get(c.server, 0) + 1
                return "DONE %s clients=%d bound=%d failed=%d %s" % (
                    tag, len(lst), n.get("bound", 0) + n.get("renewing", 0) +
                    n.get("rebinding", 0), n.get("failed", 0),
                    " ".join("by_%s=%d" % kv for kv in sorted(srv.items())))
            self.waiters.append((now + secs, conn, done, report))
            return None
        if op == "greedy" and len(w) == 5:
            # greedy TAG GIADDR KEEP-SERVER SECS: one client that takes the
            # offers of both servers (both answer everyone out of touch), is
            # ACKed by both, keeps KEEP-SERVER's address and abandons the other.
            tag, gi, keep, secs = w[1], w[2], w[3], float(w[4])
            idx = list(self.tags).index(tag) + 1 if tag in self.tags else len(self.tags) + 1
            lst = self.tags.setdefault(tag, [])
            c = Client(bytes([0x02, idx & 0xFF]) + struct.pack("!I", len(lst)), tag, gi)
            c.keep, c.state = keep, "greedy_sel"
            self.clients.append(c)
            lst.append(c)
            self.new_xid(c)
            self.greedy_send(c, now)

            def done():
                return c.state not in ("greedy_sel", "greedy_req")

            def report():
                other = [v[0] for s, v in c.acks.items() if s != keep]
                return "DONE greedy %s mac=%s state=%s kept=%s dropped=%s offers=%d acks=%d" % (
                    tag, mac_str(c.mac), c.state, c.ip if c.state == "bound" else "-",
                    other[0] if other else "-", len(c.offers), len(c.acks))
            self.waiters.append((now + secs, conn, done, report))
            return None
        if op == "cancel" and len(w) == 2:
            gone = {id(c) for _, c in self.pending_new if c.tag == w[1]}
            self.pending_new = [x for x in self.pending_new if id(x[1]) not in gone]
            self.clients = [c for c in self.clients if id(c) not in gone]
            if w[1] in self.tags:
                self.tags[w[1]] = [c for c in self.tags[w[1]] if id(c) not in gone]
            return "OK %d" % len(gone)
        if op == "retry" and len(w) == 2:
            n = 0
            for c in self.tags.get(w[1], []):
                if c.state == "failed":
                    self.start(c, now)
                    n += 1
            return "OK %d" % n
        if op in ("renew", "rebind") and len(w) == 3:
            self.cmd_id += 1
            cid = self.cmd_id
            sel = [c for c in self.select(w[1]) if c.state in ("bound", "renewing", "rebinding")]
            for c in sel:
                c.forced = (cid, now, op)
                c.state = "bound"
                self.timer(c, now)  # bound -> renewing (-> rebinding)

            def done():
                return all(not c.forced or c.forced[0] != cid for c in sel)

            def report():
                n, srv, res = {}, {}, self.outcome.get(cid, {})
                for c in sel:
                    k = res.get(c, "pending")
                    n[k] = n.get(k, 0) + 1
                    if k == "acked":
                        srv[c.server] = srv.get(c.server, 0) + 1
                return "DONE %s %s selected=%d acked=%d naked=%d lost=%d pending=%d %s" % (
                    op, w[1], len(sel), n.get("acked", 0), n.get("naked", 0),
                    n.get("lost", 0), n.get("pending", 0),
                    " ".join("by_%s=%d" % kv for kv in sorted(srv.items())))
            self.waiters.append((now + float(w[2]), conn, done, report))
            return None
        if op == "dump" and len(w) == 2:
            tnow = time.time()
            out = [{"mac": mac_str(c.mac), "tag": c.tag, "state": c.state, "ip": c.ip,
                    "server": c.server, "lease": c.lease, "gi": c.gi,
                    "lease_end": round(tnow - (now - c.t_ack) + c.lease, 3) if c.ip else 0}
                   for c in self.clients]
            with open(w[1] + ".tmp", "w") as f:
                json.dump(out, f)
            os.rename(w[1] + ".tmp", w[1])
            return "OK %d" % len(out)
        if op == "stats":
            n = {}
            for c in self.clients:
                n[c.state] = n.get(c.state, 0) + 1
            return "STATS " + json.dumps(n, sort_keys=True)
        if op == "quit":
            self.quit = True
            return "OK"
        return "ERR " + line

    def answer(self, conn, text):
        try:
            conn.sendall((text + "\n").encode())
        except OSError:
            pass
        try:
            self.sel.unregister(conn)
        except (KeyError, ValueError):
            pass
        conn.close()

    def run(self):
        while not self.quit:
            now = time.monotonic()
            if now >= self.deadline:
                self.rec(ev="FARM_TIMEOUT")
                break
            while self.pending_new and self.pending_new[0][0] <= now:
                _, c = self.pending_new.pop(0)
                self.start(c, now)
            while self.timers and self.timers[0][0] <= now:
                _, _, c, gen = heapq.heappop(self.timers)
                if gen == c.gen:
                    self.timer(c, now)
            for wt in list(self.waiters):
                if wt[2]() or now >= wt[0]:
                    self.waiters.remove(wt)
                    self.answer(wt[1], wt[3]() if wt[2]() else "TIMEOUT " + wt[3]())
            nxt = self.deadline
            if self.timers:
                nxt = min(nxt, self.timers[0][0])
            if self.pending_new:
                nxt = min(nxt, self.pending_new[0][0])
            if self.waiters:
                nxt = min(nxt, now + 0.05)
            for key, _ in self.sel.select(timeout=max(0.0, min(nxt - now, 0.2))):
                kind, gi = key.data
                if kind == "udp":
                    for _ in range(256):
                        try:
                            data = key.fileobj.recv(4096)
                        except BlockingIOError:
                            break
                        self.reply(data, time.monotonic())
                elif kind == "ctl":
                    try:
                        conn, _ = self.ctl.accept()
                    except BlockingIOError:
                        continue
                    conn.settimeout(5)
                    try:
                        line = conn.recv(4096).decode().strip()
                    except OSError:
                        conn.close()
                        continue
                    res = self.command(line, conn, time.monotonic())
                    if res is not None:
                        self.answer(conn, res)
        for wt in self.waiters:
            self.answer(wt[1], "TIMEOUT farm stopping")
        self.log.close()


def cmd_farm(a):
    Farm(a).run()
    return 0


def cmd_ctl(a):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(a.timeout)
    s.connect(a.sock)
    s.sendall((" ".join(a.command) + "\n").encode())
    buf = b""
    try:
        while not buf.endswith(b"\n"):
            chunk = s.recv(65536)
            if not chunk:
                break
            buf += chunk
    except socket.timeout:
        print("TIMEOUT ctl: no answer in %ss" % a.timeout)
        return 1
    print(buf.decode().strip())
    return 0 if buf.startswith((b"OK", b"DONE", b"STATS")) else 1


# ------------------------------------------------------------------ checks

def load_log(path):
    out = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line:
                try:
                    out.append(json.loads(line))
                except ValueError:
                    pass
    return out


def claims_of(events, tolerance):
    """Per address, the intervals a client held it: from its ACK to the lease's end,
    cut short by its next NAK or lost lease, or a later ACK of another address."""
    by_mac = {}
    for e in events:
        if e.get("ev") in ("ACK", "NAK", "LOST") and e.get("mac"):
            by_mac.setdefault(e["mac"], []).append(e)
    claims = []
    for e in events:
        if e.get("ev") == "ABANDON":
            by_mac.setdefault(e["mac"], []).append(e)
    for mac, evs in by_mac.items():
        evs.sort(key=lambda e: e["t"])
        for i, e in enumerate(evs):
            if e["ev"] != "ACK":
                continue
            end = e["t"] + e.get("lease", 0)
            for f in evs[i + 1:]:
                if f["ev"] in ("NAK", "LOST") or (f["ev"] == "ABANDON" and f["ip"] == e["ip"]):
                    end = min(end, f["t"])
                    break
                if f["ev"] == "ACK" and f["ip"] != e["ip"] and e.get("kind") != "greedy_req":
                    end = min(end, f["t"])
                    break
            claims.append((e["ip"], e["t"], end, mac, e.get("srv")))
    return claims


def cmd_check_acks(a):
    events = []
    for p in a.log:
        events += load_log(p)
    claims = claims_of(events, a.tolerance)
    by_ip, by_mac = {}, {}
    for c in claims:
        by_ip.setdefault(c[0], []).append(c)
        by_mac.setdefault(c[3], []).append(c)
    def overlap(x, y):
        return min(x[2], y[2]) - max(x[1], y[1]) > a.tolerance

    conflicts, two = [], []
    for ip, cl in by_ip.items():
        for i in range(len(cl)):
            for j in range(i + 1, len(cl)):
                if cl[i][3] != cl[j][3] and overlap(cl[i], cl[j]):
                    conflicts.append((ip, cl[i], cl[j]))
    for mac, cl in by_mac.items():
        for i in range(len(cl)):
            for j in range(i + 1, len(cl)):
                if cl[i][0] != cl[j][0] and overlap(cl[i], cl[j]):
                    two.append((mac, cl[i], cl[j]))
    n = {k: sum(1 for e in events if e.get("ev") == k)
         for k in ("OFFER", "ACK", "NAK", "LOST", "FAILED", "STRAY", "WRONG_ACK")}
    servers = {}
    for e in events:
        if e.get("ev") == "ACK":
            servers[e.get("srv")] = servers.get(e.get("srv"), 0) + 1
    print("ACKS acks=%d naks=%d offers=%d lost=%d failed=%d stray=%d wrong_ack=%d clients=%d "
          "addresses=%d addr_two_clients=%d client_two_addrs=%d %s" % (
              n["ACK"], n["NAK"], n["OFFER"], n["LOST"], n["FAILED"], n["STRAY"],
              n["WRONG_ACK"], len(by_mac), len(by_ip), len(conflicts), len(two),
              " ".join("acks_by_%s=%d" % kv for kv in sorted(servers.items(), key=str))))
    for ip, x, y in conflicts[:10]:
        print("  address %s: %s %.3f-%.3f (from %s) and %s %.3f-%.3f (from %s)" % (
            ip, x[3], x[1], x[2], x[4], y[3], y[1], y[2], y[4]))
    for mac, x, y in two[:10]:
        print("  client %s: %s from %s at %.3f and %s from %s at %.3f" % (
            mac, x[0], x[4], x[1], y[0], y[4], y[1]))
    return 0


def cmd_check_split(a):
    """Each client of TAG (its DORA in NORMAL) was offered and ACKed by its bucket's server only."""
    events = [e for e in load_log(a.log) if e.get("tag") == a.tag and e.get("kind") == "select"]
    owner, seen = {}, {}
    for e in events:
        if e["ev"] not in ("OFFER", "ACK"):
            continue
        mac = e["mac"]
        b = lb_hash(mac_bytes(mac))
        owner[mac] = a.primary if b < a.split else a.secondary
        seen.setdefault(mac, set()).add((e["ev"], e["srv"]))
    wrong = [m for m, s in seen.items() if any(srv != owner[m] for _, srv in s)]
    acked = [m for m, s in seen.items() if ("ACK", owner[m]) in s]
    prim = sum(1 for m in acked if owner[m] == a.primary)
    print("SPLIT clients=%d acked_by_bucket_owner=%d primary_buckets=%d secondary_buckets=%d "
          "answered_by_other=%d" % (len(seen), len(acked), prim, len(acked) - prim, len(wrong)))
    for m in wrong[:10]:
        print("  %s bucket %d: %s" % (m, lb_hash(mac_bytes(m)), sorted(seen[m])))
    return 0


def cmd_check_pool(a):
    """The addresses the clients of TAG were ACKed (DORA), before and after
    time T (unix secs: entering PARTNER-DOWN + MCLT): the survivor's own
    ones are those at an --own (even|odd) offset from --first."""
    first = int(ipaddress.IPv4Address(a.first))
    own = 0 if a.own == "even" else 1
    n = {"before": 0, "before_own": 0, "before_partner": 0, "failed_before": 0,
         "after": 0, "after_own": 0, "after_partner": 0}
    seen = set()
    for e in load_log(a.log):
        if e.get("tag") != a.tag:
            continue
        when = "before" if e["t"] < a.before else "after"
        if e.get("ev") == "FAILED":
            n["failed_" + when] = n.get("failed_" + when, 0) + 1
        if e.get("ev") != "ACK" or e.get("kind") != "select" or (e["mac"], e["ip"]) in seen:
            continue
        seen.add((e["mac"], e["ip"]))
        n[when] += 1
        mine = (int(ipaddress.IPv4Address(e["ip"])) - first) % 2 == own
        n[when + ("_own" if mine else "_partner")] += 1
    print("POOL " + " ".join("%s=%d" % kv for kv in n.items()))
    return 0


KEA_BOUND = "0"


def load_export(path):
    rows = {}
    with open(path) as f:
        for r in csv.DictReader(f):
            exp = int(r["expire"])
            valid = int(r["valid_lifetime"])
            rows[r["address"]] = {"mac": r["hwaddr"].lower(), "state": r["state"],
                                  "expire": exp, "cltt": exp - valid}
    return rows


def bound_at(r, t):
    return r["state"] == KEA_BOUND and r["expire"] > t


def norm_state(r, t):
    """Kea state, with a bound lease past its end counted as expired (2): the
    two servers' expiry scans run at their own times."""
    return "2" if r["state"] == KEA_BOUND and r["expire"] <= t else r["state"]


def compare_tables(p, s, now, margin):
    """The numbers of check-tables, for two loaded exports."""
    res = {"primary": sum(1 for r in p.values() if bound_at(r, now)),
           "secondary": sum(1 for r in s.values() if bound_at(r, now)),
           "mismatched": 0, "state_differs": 0, "addr_two_clients": 0,
           "client_two_addrs": 0}
    bad = []
    for ip in set(p) | set(s):
        a, b = p.get(ip), s.get(ip)
        # Both bound now to different clients, for overlapping lease times.
        if a and b and bound_at(a, now) and bound_at(b, now) and a["mac"] != b["mac"]:
            res["addr_two_clients"] += 1
            bad.append("%s: primary %s, secondary %s" % (ip, a["mac"], b["mac"]))
            continue
        for x, y, who in ((a, b, "secondary"), (b, a, "primary")):
            if x and bound_at(x, now + margin) and not (y and bound_at(y, now) and
                                                        y["mac"] == x["mac"]):
                res["mismatched"] += 1
                bad.append("%s: %s bound until %+ds, %s: %s" % (
                    ip, x["mac"], x["expire"] - now, who,
                    "%s state %s %+ds" % (y["mac"], y["state"], y["expire"] - now) if y
                    else "no record"))
                break
        if a and b and norm_state(a, now) != norm_state(b, now) and \
                abs(a["expire"] - now) > margin and abs(b["expire"] - now) > margin:
            res["state_differs"] += 1
    macs = {}
    for t in (p, s):
        for ip, r in t.items():
            if bound_at(r, now):
                macs.setdefault(r["mac"], set()).add(ip)
    two = [m for m, ips in macs.items() if len(ips) > 1]
    res["client_two_addrs"] = len(two)
    for m in two[:5]:
        bad.append("client %s bound to %s" % (m, sorted(macs[m])))
    return res, bad


def cmd_check_tables(a):
    p, s = load_export(a.primary), load_export(a.secondary)
    now = a.now or int(time.time())
    res, bad = compare_tables(p, s, now, a.margin)
    missing = {"farm_bound": 0, "farm_missing_primary": 0, "farm_missing_secondary": 0}
    if a.farm:
        for c in json.load(open(a.farm)):
            if c["state"] != "bound" or c["lease_end"] < now + a.margin:
                continue
            missing["farm_bound"] += 1
            for t, k in ((p, "farm_missing_primary"), (s, "farm_missing_secondary")):
                r = t.get(c["ip"])
                if not (r and bound_at(r, now) and r["mac"] == c["mac"]):
                    missing[k] += 1
                    bad.append("client %s holds %s (ACKed by %s): %s has %s" % (
                        c["mac"], c["ip"], c["server"], k[13:],
                        "%s state %s" % (r["mac"], r["state"]) if r else "no record"))
    res.update(missing)
    print("TABLES " + " ".join("%s=%d" % kv for kv in res.items()))
    for b in bad[:12]:
        print("  " + b)
    return 0


# ------------------------------------------------------------------ failover.state

STATE_NAMES = {1: "startup", 2: "normal", 3: "communications-interrupted", 4: "partner-down",
               5: "potential-conflict", 6: "recover", 7: "paused", 8: "shutdown",
               9: "recover-done", 10: "resolution-interrupted", 11: "conflict-done",
               254: "recover-wait"}


def cmd_fo_state(a):
    """The record of fo_fsm_record_encode: "LWFS", version 1, state at byte 5."""
    try:
        b = open(a.file, "rb").read()
    except OSError as e:
        print("none (%s)" % e.strerror)
        return 1
    if len(b) != 40 or b[:4] != b"LWFS" or b[4] != 1:
        print("invalid")
        return 1
    print(STATE_NAMES.get(b[5], "state-%d" % b[5]))
    return 0


# ------------------------------------------------------------------ waits

def cmd_wait_fo(a):
    """Until every daemon (--prefix, repeated) is in --state (and connected,
    for normal), out of startup (--startup-done), with nothing of its own
    queued or in flight (--drained); polled every 20 ms over one telemetry
    connection each. Prints WAIT ok|timeout and each daemon's state."""
    import lw_telemetry
    end = time.monotonic() + a.timeout
    tel = {}
    while True:
        views, ok = [], True
        for p in a.prefix:
            try:
                if p not in tel:
                    tel[p] = lw_telemetry.Telemetry(p)
                f = tel[p].query("/leasewire/failover")
            except Exception as e:  # a daemon restarting: try again
                tel.pop(p, None)
                f = {"state": "unreachable (%s)" % e}
            views.append(f)
            if a.state and (f.get("state") != a.state or
                            (a.state == "normal" and f.get("connected") != 1)):
                ok = False
            if a.startup_done and f.get("startup") != 0:
                ok = False
            if a.drained and (f.get("updates_queued") != 0 or f.get("updates_in_flight") != 0):
                ok = False
        if ok or time.monotonic() >= end:
            print("WAIT %s %s" % ("ok" if ok else "timeout", " ".join(
                "%s=%s" % (p, v.get("state")) for p, v in zip(a.prefix, views))))
            return 0 if ok else 1
        time.sleep(0.02)


# ------------------------------------------------------------------ the cycles

def run(cmd):
    return subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=10)


def cmd_cycles(a):
    """
    Partition cycles. A held one takes the failover veth down in one
    namespace (--link NS:IF), kills the failover connection in both (ss -K,
    so both servers notice at once rather than after max-response-delay),
    waits until both servers say communications-interrupted, holds the
    partition for --hold seconds, brings the veth back and waits until both
    say normal again with the connection up. Every --kill-only-every'th
    cycle only kills the connection: both servers lose it at the same
    instant and reconnect on their own, the case where simultaneous
    reconnects collide; communications-interrupted lasts only until the
    first retry there, so it is judged by each server's disconnects counter
    (the state changes in the same step, fo_session.c link_lost). Every
    --snap-every cycles both lease tables are exported through the shell
    and checked for an address bound to two clients. Prints CYCLES k=v ...
    and one line per slow or failed cycle.

    Without --prefix-s the partner is not a leasewired (ISC dhcpd): only
    the primary's telemetry is read, "normal again" also asks that it sees
    its partner normal, and no snapshots are taken (the test compares the
    tables its own way); the s_* figures are then 0.
    """
    import lw_telemetry
    tel = {"p": lw_telemetry.Telemetry(a.prefix_p)}
    if a.prefix_s:
        tel["s"] = lw_telemetry.Telemetry(a.prefix_s)
    whos = tuple(tel)
    zero = {"disconnects": 0, "connects": 0, "refused_duplicate": 0, "state": "-"}

    def fo(who):
        return tel[who].query("/leasewire/failover") if who in tel else zero

    def wait_both(pred, secs):
        end = time.monotonic() + secs
        while time.monotonic() < end:
            if all(pred(fo(w)) for w in whos):
                return True
            time.sleep(0.01)
        return False

    def was(f):  # f's figures before this cycle
        return before["p" if len(whos) == 1 or f["role"] == "primary" else "s"]

    def partner_normal(f):
        return a.prefix_s or f.get("partner_state") == "normal"

    ns_link, ifc = a.link.split(":")
    kill = ["ss", "-K", "-tn", "state", "established", "( sport = :%d or dport = :%d )"
            % (a.port, a.port)]
    start = {w: fo(w) for w in ("p", "s")}
    namespaces = [ns for ns in (a.nsp, a.nss) if ns]
    ok = ci_fail = n_fail = 0
    times, snaps, snap_bad = [], 0, 0
    t_begin = time.monotonic()
    kill_only = 0
    for i in range(1, a.count + 1):
        t0 = time.monotonic()
        before = {w: fo(w) for w in ("p", "s")}
        only = a.kill_only_every and i % a.kill_only_every == 0
        kill_only += bool(only)
        if not only:
            run(["ip", "-n", ns_link, "link", "set", ifc, "down"])
        for ns in namespaces:
            run(["ip", "netns", "exec", ns] + kill)
        if only:
            ci = wait_both(lambda f: f["disconnects"] > was(f)["disconnects"], a.timeout)
        else:
            ci = wait_both(lambda f: f.get("state") == "communications-interrupted", a.timeout)
        t_ci = time.monotonic()
        if not only:
            time.sleep(max(0.0, t0 + a.hold - time.monotonic()))
            run(["ip", "-n", ns_link, "link", "set", ifc, "up"])
        nrm = wait_both(lambda f: f.get("state") == "normal" and f.get("connected") == 1 and
                        f["connects"] > was(f)["connects"] and partner_normal(f), a.timeout)
        t1 = time.monotonic()
        times.append(t1 - t0)
        if ci and nrm:
            ok += 1
        ci_fail += not ci
        n_fail += not nrm
        if not (ci and nrm) or t1 - t0 > a.slow:
            print("  cycle %d%s: %s %.2fs to communications-interrupted, %s %.2fs in all; "
                  "primary %s, secondary %s" % (
                      i, " (kill only)" if only else "", "reached" if ci else "NOT reached",
                      t_ci - t0,
                      "normal again" if nrm else "NOT normal again", t1 - t0,
                      fo("p").get("state"), fo("s").get("state")), flush=True)
        if not nrm:
            # Give it a chance before the next cycle, so one failure is one failure.
            wait_both(lambda f: f.get("state") == "normal" and f.get("connected") == 1 and
                      partner_normal(f), 30)
        if a.snap_every and len(whos) == 2 and i % a.snap_every == 0:
            snaps += 1
            paths = []
            for who, sock in (("p", a.shell_p), ("s", a.shell_s)):
                path = "%s/snap-%d-%s.csv" % (a.outdir, i, who)
                r = subprocess.run([sys.executable, os.path.join(HERE, "shell_client.py"),
                                    "--unix", sock, "--password", a.password,
                                    "--enable", a.password, "--",
                                    "export leases " + path],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                   timeout=60)
                paths.append(path if r.returncode == 0 and os.path.exists(path) else None)
            if None in paths:
                snap_bad += 1
                print("  cycle %d: a table export failed" % i, flush=True)
            else:
                res, bad = compare_tables(load_export(paths[0]), load_export(paths[1]),
                                          int(time.time()), 0)
                # A client bound to two addresses, one at each server, is
                # what two ACKs out of touch leave until the one it does not
                # renew ends (at most MCLT): shown, not counted.
                if res["addr_two_clients"] or res["client_two_addrs"]:
                    snap_bad += res["addr_two_clients"] > 0
                    print("  cycle %d: snapshot: %s" % (i, res), flush=True)
                    for b in bad[:5]:
                        print("    " + b, flush=True)
    end = {w: fo(w) for w in ("p", "s")}
    times.sort()
    print("CYCLES cycles=%d kill_only=%d ok=%d ci_fail=%d normal_fail=%d secs=%.1f mean=%.3f "
          "median=%.3f "
          "max=%.3f p_disconnects=%d s_disconnects=%d p_connects=%d s_connects=%d "
          "p_refused_duplicate=%d s_refused_duplicate=%d snapshots=%d snapshot_bad=%d" % (
              a.count, kill_only, ok, ci_fail, n_fail, time.monotonic() - t_begin,
              sum(times) / len(times), times[len(times) // 2], times[-1],
              end["p"]["disconnects"] - start["p"]["disconnects"],
              end["s"]["disconnects"] - start["s"]["disconnects"],
              end["p"]["connects"] - start["p"]["connects"],
              end["s"]["connects"] - start["s"]["connects"],
              end["p"]["refused_duplicate"] - start["p"]["refused_duplicate"],
              end["s"]["refused_duplicate"] - start["s"]["refused_duplicate"],
              snaps, snap_bad), flush=True)
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    f = sub.add_parser("farm")
    f.add_argument("--ctl", required=True)
    f.add_argument("--log", required=True)
    f.add_argument("--dev", required=True)
    f.add_argument("--giaddr", action="append", required=True)
    f.add_argument("--max-secs", type=float, default=900)
    c = sub.add_parser("ctl")
    c.add_argument("--timeout", type=float, default=120)
    c.add_argument("sock")
    c.add_argument("command", nargs="+")
    k = sub.add_parser("check-acks")
    k.add_argument("log", nargs="+")
    k.add_argument("--tolerance", type=float, default=0.5,
                   help="seconds two claims may overlap (an ACK's flight time)")
    sp = sub.add_parser("check-split")
    sp.add_argument("log")
    sp.add_argument("--tag", required=True)
    sp.add_argument("--split", type=int, default=128)
    sp.add_argument("--primary", required=True)
    sp.add_argument("--secondary", required=True)
    t = sub.add_parser("check-tables")
    t.add_argument("primary")
    t.add_argument("secondary")
    t.add_argument("--farm")
    t.add_argument("--now", type=int, default=0)
    t.add_argument("--margin", type=int, default=5)
    wf = sub.add_parser("wait-fo")
    wf.add_argument("--prefix", action="append", required=True)
    wf.add_argument("--state")
    wf.add_argument("--startup-done", action="store_true")
    wf.add_argument("--drained", action="store_true")
    wf.add_argument("--timeout", type=float, default=30)
    cp = sub.add_parser("check-pool")
    cp.add_argument("log")
    cp.add_argument("--tag", required=True)
    cp.add_argument("--first", required=True)
    cp.add_argument("--own", choices=("even", "odd"), required=True)
    cp.add_argument("--before", type=float, required=True)
    s = sub.add_parser("fo-state")
    s.add_argument("file")
    y = sub.add_parser("cycles")
    for opt in ("--prefix-p", "--nsp", "--link", "--shell-p", "--password", "--outdir"):
        y.add_argument(opt, required=True)
    for opt in ("--prefix-s", "--nss", "--shell-s"):  # absent: the partner is not a leasewired
        y.add_argument(opt, default="")
    y.add_argument("--count", type=int, default=100)
    y.add_argument("--hold", type=float, default=0.4)
    y.add_argument("--timeout", type=float, default=10)
    y.add_argument("--slow", type=float, default=3)
    y.add_argument("--port", type=int, default=647)
    y.add_argument("--snap-every", type=int, default=0)
    y.add_argument("--kill-only-every", type=int, default=0)
    a = ap.parse_args()
    return {"farm": cmd_farm, "ctl": cmd_ctl, "check-acks": cmd_check_acks,
            "check-split": cmd_check_split, "check-tables": cmd_check_tables,
            "check-pool": cmd_check_pool,
            "fo-state": cmd_fo_state, "cycles": cmd_cycles, "wait-fo": cmd_wait_fo}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
