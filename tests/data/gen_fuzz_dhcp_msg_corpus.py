#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Write the seed corpus of fuzz_dhcp_msg into tests/data/corpus/fuzz_dhcp_msg/.

Seeds are the real dhclient captures next to this script plus hand-built
requests that reach each branch of the codec: overload, RFC 3396 splits,
option 82 sub-options, and malformed inputs from reliability.md Appendix A.
Files found by libFuzzer (crash-*, or minimised inputs) are added by hand
and are not touched by this script.

Run from anywhere: python3 tests/data/gen_fuzz_dhcp_msg_corpus.py
"""
import os
import shutil
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "corpus", "fuzz_dhcp_msg")
MAC = bytes([0x02, 0x00, 0x5E, 0x10, 0x20, 0x30])
COOKIE = bytes([0x63, 0x82, 0x53, 0x63])


def header(op=1, htype=1, hlen=6, hops=0, xid=0x11223344, flags=0, giaddr=b"\0" * 4,
           sname=b"", file=b""):
    h = struct.pack(">BBBBIHH", op, htype, hlen, hops, xid, 0, flags)
    h += b"\0" * 12 + giaddr + MAC.ljust(16, b"\0")
    h += sname.ljust(64, b"\0") + file.ljust(128, b"\0")
    assert len(h) == 236
    return h


def opt(code, value):
    return bytes([code, len(value)]) + value


def dhcp(opts, **kw):
    return header(**kw) + COOKIE + opts


def discover(*extra, end=True):
    return opt(53, b"\x01") + b"".join(extra) + (b"\xff" if end else b"")


def seeds():
    cid = b"\x01" + MAC
    fqdn = b"\0\0\0" + b"\x07printer\x07example\x03com\x00"
    win_prl = bytes([1, 3, 6, 15, 31, 33, 43, 44, 46, 47, 119, 121, 249, 252])
    yield "windows-discover", dhcp(
        discover(opt(61, cid), opt(50, bytes([192, 168, 1, 77])), opt(12, b"printer"),
                 opt(81, fqdn), opt(60, b"MSFT 5.0"), opt(55, win_prl)), flags=0x8000)
    rai = opt(1, b"eth0/1/3") + opt(2, bytes([0, 0x1B, 0x21, 0xAA, 0xBB, 0xCC])) + \
        opt(5, bytes([192, 168, 50, 0]))
    yield "relayed-discover", dhcp(
        discover(opt(57, b"\x05\xdc"), opt(55, b"\x01\x03\x06"), opt(82, rai)),
        hops=1, giaddr=bytes([10, 1, 2, 1]))
    # Option 52 = 3: PRL and 82 split across main, file and sname (RFC 3396).
    yield "overload-concat", dhcp(
        opt(53, b"\x03") + opt(52, b"\x03") + opt(55, b"\x01\x03") +
        opt(82, b"\x01\x01c\x05") + opt(82, b"\x04\xc0") + opt(55, b"\x33") + b"\xff",
        sname=opt(55, b"\x1c\x2a") + opt(12, b"host") + b"\xff",
        file=b"\0\0" + opt(55, b"\x06\x0f") + opt(82, bytes([168, 50, 0, 2, 1, 0x72])) + b"\xff")
    yield "nested-overload", dhcp(discover(opt(52, b"\x01")),
                                  file=opt(52, b"\x02") + opt(12, b"x") + b"\xff",
                                  sname=b"A" * 64)
    yield "request-full", dhcp(
        opt(53, b"\x03") + opt(50, bytes([10, 0, 0, 5])) + opt(54, bytes([10, 0, 0, 1])) +
        opt(51, b"\0\0\x0e\x10") + opt(118, bytes([172, 16, 0, 0])) + opt(61, cid) +
        opt(57, b"\x02\x40") + b"\xff")
    yield "prl-split-long", dhcp(discover(opt(55, bytes(range(1, 256))),
                                          opt(55, bytes(range(1, 100)))))
    yield "bootp-236", header()
    yield "bootp-300", header() + b"\0" * 64
    yield "rfc1497-vendor", dhcp(opt(1, b"\xff\xff\xff\0") + opt(12, b"hx") + b"\xff")
    yield "no-end-exact", dhcp(discover(opt(12, b"hx"), end=False))
    yield "pad-flood", dhcp(b"\0" * 1200 + discover())
    yield "hostname-escape", dhcp(discover(opt(12, b"a\nb\x1b[\"\\\xff")))
    # Malformed: each is dropped for one reason (see tests/unit/test_dhcp_msg.c).
    yield "bad-cookie", header() + bytes([0x63, 0x82, 0x53, 0x62]) + discover()
    yield "bootp-235", header()[:235]
    yield "op-reply", dhcp(discover(), op=2)
    yield "hlen-17", dhcp(discover(), hlen=17)
    yield "hops-17", dhcp(discover(), hops=17)
    yield "opt-overrun", dhcp(opt(53, b"\x01") + b"\x0c\x0aab")
    yield "ovl52-len0", dhcp(discover(b"\x34\x00"))
    yield "ovl52-file-overrun", dhcp(discover(opt(52, b"\x01")), file=b"\0" * 120 + b"\x0c\x0a")
    yield "cid-len1", dhcp(discover(opt(61, b"\x01")))
    yield "msgtype-dup", dhcp(opt(53, b"\x01") + opt(53, b"\x03") + b"\xff")
    yield "opt50-len3", dhcp(discover(opt(50, b"\x0a\0\0")))
    yield "opt82-subopt-overrun", dhcp(discover(opt(82, b"\x01\x05ab")))
    yield "opt82-link-sel-len3", dhcp(discover(opt(82, b"\x05\x03\x0a\0\0")))
    yield "concat-huge", dhcp(discover(opt(52, b"\x01"), *[opt(82, b"\x02" * 255)] * 4),
                              file=opt(82, b"\x02" * 10) + b"\xff")


def main():
    os.makedirs(OUT, exist_ok=True)
    for cap in ("dhclient-discover.bin", "dhclient-request.bin"):
        shutil.copyfile(os.path.join(HERE, cap), os.path.join(OUT, cap[:-4]))
    n = 2
    for name, data in seeds():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)
        n += 1
    print(f"{n} seeds in {OUT}")


if __name__ == "__main__":
    main()
