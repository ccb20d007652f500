#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Seeds for tests/fuzz/fuzz_ddns_answer.c: answers to an UPDATE whose
request MAC was 32 x 0x11, signed (RFC 8945 sec 4.3) with the fuzz
target's key at its fixed clock, plus the unsigned and broken shapes a
server or a forger sends. Writes tests/data/corpus/fuzz_ddns_answer/.

    python3 tests/data/gen_fuzz_ddns_answer_corpus.py
"""
import base64, hashlib, hmac, os, struct

KEY = base64.b64decode("c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI=")
REQ_MAC = b"\x11" * 32
NOW = 1800000000
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "fuzz_ddns_answer")


def name(n):
    out = b""
    for label in n.rstrip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def header(id_, rcode, flags=0xA8, qd=1, an=0, ns=0, ar=0):
    return struct.pack(">HBBHHHH", id_, flags, rcode, qd, an, ns, ar)


def answer(id_=0xBEEF, rcode=0, flags=0xA8, zone="example.test."):
    return header(id_, rcode, flags) + name(zone) + struct.pack(">HH", 6, 1)


def tsig(msg, err=0, other=b"", signed=True, t=NOW, keyname="ddns-key."):
    id_ = struct.unpack(">H", msg[:2])[0]
    alg = name("hmac-sha256.")
    tvars = (name(keyname) + struct.pack(">HI", 255, 0) + alg + struct.pack(">Q", t)[2:]
             + struct.pack(">HHH", 300, err, len(other)) + other)
    mac = b""
    if signed:
        mac = hmac.new(KEY, struct.pack(">H", len(REQ_MAC)) + REQ_MAC + msg + tvars,
                       hashlib.sha256).digest()
    rdata = (alg + struct.pack(">Q", t)[2:] + struct.pack(">HH", 300, len(mac)) + mac
             + struct.pack(">HHH", id_, err, len(other)) + other)
    rr = name(keyname) + struct.pack(">HHIH", 250, 255, 0, len(rdata)) + rdata
    arcount = struct.unpack(">H", msg[10:12])[0] + 1
    return msg[:10] + struct.pack(">H", arcount) + msg[12:] + rr


def main():
    os.makedirs(OUT, exist_ok=True)
    seeds = {
        "noerror": tsig(answer()),
        "yxdomain": tsig(answer(rcode=6)),
        "nxrrset": tsig(answer(rcode=8)),
        "servfail": tsig(answer(rcode=2)),
        "badsig_unsigned": tsig(answer(rcode=9), err=16, signed=False),
        "badkey_unsigned": tsig(answer(rcode=9), err=17, signed=False),
        "badtime_signed": tsig(answer(rcode=9), err=18, other=struct.pack(">Q", NOW + 3600)[2:]),
        "old_time": tsig(answer(), t=NOW - 3600),
        "other_key": tsig(answer(), keyname="other-key."),
        "unsigned": answer(),
        "truncated_tc": tsig(answer(flags=0xAA)),
        "query_opcode": tsig(answer(flags=0x80)),
        "cut_short": tsig(answer())[:-7],
        "pointer_loop": tsig(header(0xBEEF, 0) + b"\xc0\x0c" + struct.pack(">HH", 6, 1)),
        "compressed_name": tsig(header(0xBEEF, 0, an=1) + name("example.test.")
                                + struct.pack(">HH", 6, 1) + b"\x01h\xc0\x0c"
                                + struct.pack(">HHIH", 255, 254, 0, 0)),
        "echoed_sections": tsig(header(0xBEEF, 0, an=1) + name("example.test.")
                                + struct.pack(">HH", 6, 1) + name("h.example.test.")
                                + struct.pack(">HHIH", 255, 254, 0, 0)),
        "empty": b"",
    }
    for k, v in seeds.items():
        with open(os.path.join(OUT, k), "wb") as f:
            f.write(v)
    print(f"{len(seeds)} seeds in {OUT}")


if __name__ == "__main__":
    main()
