#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""A hostile or broken failover partner (draft-12 on TCP), stdlib only.

Run inside the namespace of the peer address, against leasewired as the
secondary listening on HOST:PORT. Each case opens its own connection,
does one wrong thing, and checks leasewired's answer (the draft's reject
reason, or the connection closed); one line per case:
    CASE <name> PASS|FAIL <detail>
Every wait is bounded. Exit status 0 when every case passed.
"""
import argparse
import socket
import struct
import sys
import time

MSG = {"POOLREQ": 1, "BNDUPD": 3, "BNDACK": 4, "CONNECT": 5, "CONNECTACK": 6,
       "UPDREQALL": 7, "UPDDONE": 8, "UPDREQ": 9, "STATE": 10, "CONTACT": 11,
       "DISCONNECT": 12}
OPT = {"assigned_ip": 2, "binding_status": 3, "chaddr": 5, "cltt": 6, "hba": 11,
       "ip_flags": 12, "lease_exp": 13, "max_unacked": 14, "mclt": 15, "message": 16,
       "pet": 18, "receive_timer": 19, "protocol_version": 20, "reject_reason": 21,
       "relationship_name": 22, "server_flags": 23, "server_state": 24, "stos": 25,
       "tls_reply": 26, "tls_request": 27, "vendor_class": 28}


def opt(code, value):
    return struct.pack(">HH", code, len(value)) + value


def u8(v):
    return struct.pack(">B", v)


def u32(v):
    return struct.pack(">I", v)


def ip4(a):
    return socket.inet_aton(a)


def message(mtype, opts=b"", xid=1, when=None, poff=12):
    when = int(time.time()) if when is None else when
    return struct.pack(">HBBII", 12 + len(opts), mtype, poff, when, xid) + opts


def connect_opts(name, hba=True, mclt=True, skew=0, max_unacked=10):
    o = opt(OPT["relationship_name"], name.encode())
    o += opt(OPT["max_unacked"], u32(max_unacked)) + opt(OPT["receive_timer"], u32(30))
    o += opt(OPT["vendor_class"], b"fo-hostile") + opt(OPT["protocol_version"], u8(1))
    o += opt(OPT["tls_request"], u8(0))
    if mclt:
        o += opt(OPT["mclt"], u32(20))
    if hba:
        o += opt(OPT["hba"], b"\xff" * 16 + b"\x00" * 16)
    return o


class Peer:
    def __init__(self, args, source=None):
        self.s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.s.bind((source or args.source, 0))
        self.s.settimeout(args.timeout)
        self.s.connect((args.host, args.port))
        self.buf = b""
        self.timeout = args.timeout
        self.bndupds = 0  # every BNDUPD seen on this connection, whatever read it

    def send(self, data):
        self.s.sendall(data)

    def recv_msg(self, timeout=None):
        """(type, xid, {code: value}) of the next message, None on close, 'timeout'."""
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            if len(self.buf) >= 2:
                n = struct.unpack(">H", self.buf[:2])[0]
                if len(self.buf) >= n >= 12:
                    m, self.buf = self.buf[:n], self.buf[n:]
                    mtype, poff, _, xid = struct.unpack(">BBII", m[2:12])
                    opts, i = {}, max(poff, 12)
                    while i + 4 <= n:
                        c, ln = struct.unpack(">HH", m[i:i + 4])
                        opts.setdefault(c, m[i + 4:i + 4 + ln])
                        i += 4 + ln
                    if mtype == MSG["BNDUPD"]:
                        self.bndupds += 1
                    return mtype, xid, opts
            left = deadline - time.monotonic()
            if left <= 0:
                return "timeout"
            self.s.settimeout(left)
            try:
                chunk = self.s.recv(65536)
            except socket.timeout:
                return "timeout"
            except (ConnectionResetError, BrokenPipeError):
                return None
            if not chunk:
                return None
            self.buf += chunk

    def wait_type(self, mtype, timeout=None):
        deadline = time.monotonic() + (timeout or self.timeout)
        while time.monotonic() < deadline:
            r = self.recv_msg(deadline - time.monotonic())
            if r is None or r == "timeout":
                return r
            if r[0] == mtype:
                return r
        return "timeout"

    def closed_within(self, secs):
        deadline = time.monotonic() + secs
        while time.monotonic() < deadline:
            r = self.recv_msg(deadline - time.monotonic())
            if r is None:
                return True
            if r == "timeout":
                return False
        return False

    def establish(self, name):
        self.send(message(MSG["CONNECT"], connect_opts(name), xid=0))
        r = self.wait_type(MSG["CONNECTACK"])
        if not isinstance(r, tuple) or OPT["reject_reason"] in r[2]:
            return False
        state = opt(OPT["server_state"], u8(2)) + opt(OPT["server_flags"], u8(0)) + \
            opt(OPT["stos"], u32(int(time.time())))
        self.send(message(MSG["STATE"], state, xid=1))
        return True

    def close(self):
        self.s.close()


RESULTS = []


def case(name, ok, detail=""):
    RESULTS.append(ok)
    print(f"CASE {name} {'PASS' if ok else 'FAIL'} {detail}", flush=True)


def reject_of(r):
    if not isinstance(r, tuple):
        return None
    v = r[2].get(OPT["reject_reason"])
    return v[0] if v else 0


def connect_reject(args, name, **kw):
    p = Peer(args)
    p.send(message(MSG["CONNECT"], connect_opts(name, **kw), xid=7,
                   when=int(time.time()) + kw.get("skew", 0)))
    r = p.wait_type(MSG["CONNECTACK"])
    closed = p.closed_within(3)
    p.close()
    return reject_of(r), closed, r


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", required=True)
    ap.add_argument("--port", type=int, default=647)
    ap.add_argument("--source", required=True, help="the configured peer address")
    ap.add_argument("--wrong-source", required=True, help="an address that is not the peer's")
    ap.add_argument("--name", required=True)
    ap.add_argument("--outside", required=True, help="an address in no pool of leasewired's")
    ap.add_argument("--max-unacked", type=int, default=10,
                    help="leasewired's partner window we advertise")
    ap.add_argument("--bindings", type=int, default=0,
                    help="bound leases leasewired holds (for the flow-control case)")
    ap.add_argument("--timeout", type=float, default=5.0)
    args = ap.parse_args()

    # 1. a connection from an address that is not the peer's: closed at once
    p = Peer(args, source=args.wrong_source)
    case("wrong-source-closed", p.closed_within(3))
    p.close()

    # 2. anything before CONNECT: the connection is closed
    p = Peer(args)
    p.send(message(MSG["STATE"], opt(OPT["server_state"], u8(2)), xid=3))
    case("message-before-connect-closed", p.closed_within(3))
    p.close()

    # 3-6. CONNECT validation, as ISC checks it (specs sec 7.2)
    rr, closed, _ = connect_reject(args, "not-our-name")
    case("connect-unknown-name-reject-8", rr == 8 and closed, f"reject {rr} closed {closed}")
    rr, closed, _ = connect_reject(args, args.name, skew=120)
    case("connect-skew-120s-reject-4", rr == 4 and closed, f"reject {rr} closed {closed}")
    rr, closed, _ = connect_reject(args, args.name, hba=False)
    case("connect-no-hba-reject-18", rr == 18 and closed, f"reject {rr} closed {closed}")
    rr, closed, _ = connect_reject(args, args.name, mclt=False)
    case("connect-no-mclt-reject-5", rr == 5 and closed, f"reject {rr} closed {closed}")

    # 7. framing: a length field below 12 cannot be framed: closed
    p = Peer(args)
    p.send(struct.pack(">HBBII", 5, 5, 12, int(time.time()), 0))
    case("length-field-5-closed", p.closed_within(3))
    p.close()

    # 8. a fixed option of the wrong size (1-byte IP-flags, pitfall 3): closed
    p = Peer(args)
    ok = p.establish(args.name)
    bad = opt(OPT["assigned_ip"], ip4("10.77.1.9")) + opt(OPT["binding_status"], u8(2)) + \
        opt(OPT["ip_flags"], u8(1))
    p.send(message(MSG["BNDUPD"], bad, xid=9))
    case("ip-flags-1-byte-closed", ok and p.closed_within(3), f"established {ok}")
    p.close()

    # 9. an unknown option is skipped (draft sec 6.1); the link stays
    p = Peer(args)
    ok = p.establish(args.name)
    p.send(message(MSG["CONTACT"], opt(200, b"\x01\x02\x03"), xid=10))
    case("unknown-option-ignored", ok and not p.closed_within(2), f"established {ok}")

    # 10. a second CONNECT on an established link: closed (as ISC does)
    p.send(message(MSG["CONNECT"], connect_opts(args.name), xid=11))
    case("second-connect-closed", p.closed_within(3))
    p.close()

    # 11. a BNDUPD for an address in none of our pools: BNDACK reject 1
    p = Peer(args)
    ok = p.establish(args.name)
    upd = opt(OPT["assigned_ip"], ip4(args.outside)) + opt(OPT["binding_status"], u8(2)) + \
        opt(OPT["chaddr"], b"\x01\x02\x00\x00\x00\x00\x99") + \
        opt(OPT["lease_exp"], u32(int(time.time()) + 600)) + \
        opt(OPT["pet"], u32(int(time.time()) + 900)) + opt(OPT["cltt"], u32(int(time.time())))
    p.send(message(MSG["BNDUPD"], upd, xid=12))
    r = p.wait_type(MSG["BNDACK"])
    case("bndupd-outside-pools-reject-1", reject_of(r) == 1, f"reject {reject_of(r)}")

    # 12. ACTIVE without a hardware address: BNDACK reject 3 (ISC's rule)
    upd = opt(OPT["assigned_ip"], ip4(args.outside)) + opt(OPT["binding_status"], u8(2))
    p.send(message(MSG["BNDUPD"], upd, xid=13))
    r = p.wait_type(MSG["BNDACK"])
    case("bndupd-active-without-chaddr-reject-3", reject_of(r) == 3, f"reject {reject_of(r)}")

    # 13. flow control: ask for every binding and never ack: over the whole
    #     connection no more than our advertised max-unacked BNDUPDs arrive
    #     (draft sec 7.5); leasewired's own changes (the imported leases)
    #     started flowing as soon as our STATE was in
    if args.bindings > args.max_unacked:
        p.send(message(MSG["UPDREQALL"], b"", xid=14))
        deadline = time.monotonic() + 4
        while time.monotonic() < deadline:
            if not isinstance(p.recv_msg(deadline - time.monotonic()), tuple):
                break
        case("flow-control-window", p.bndupds == args.max_unacked,
             f"{p.bndupds} BNDUPDs unacked, window {args.max_unacked}")
    p.close()

    print(f"SUMMARY {sum(RESULTS)} passed, {len(RESULTS) - sum(RESULTS)} failed", flush=True)
    return 0 if all(RESULTS) else 1


if __name__ == "__main__":
    sys.exit(main())
