#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Parse an ISC dhcpd 4.x lease file (dhcpd.leases) into JSON or TSV.

dhcpd appends a new "lease A { ... }" record on every change and rewrites
the file only now and then, so the last record for an address is its current
state. Standard library only.

    dhcpd_leases.py FILE                      JSON list, one object per address
    dhcpd_leases.py --tsv [--fields a,b] FILE one line per address, sorted
    dhcpd_leases.py --failover FILE           the "failover peer ... state" records
    dhcpd_leases.py --selftest

Fields: address, binding_state, next_binding_state, rewind_binding_state,
hardware_ethernet, uid (colon hex), client_hostname, starts, ends, tstp,
tsfp, atsfp, cltt (epoch seconds; null for "never" or absent), records (how
many records the file held for the address).
"""
import argparse
import calendar
import json
import sys
import time

TIME_KEYS = ("starts", "ends", "tstp", "tsfp", "atsfp", "cltt")
FIELDS = ("address", "binding_state", "next_binding_state",
          "rewind_binding_state", "hardware_ethernet", "uid",
          "client_hostname") + TIME_KEYS + ("records",)


def tokens(text):
    """Words, quoted strings (as ('str', bytes)), and the punctuation ; { }.
    Comments (# to end of line) are skipped outside strings."""
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in " \t\r\n":
            i += 1
        elif c == "#":
            while i < n and text[i] != "\n":
                i += 1
        elif c in ";{}":
            yield c
            i += 1
        elif c == '"':
            i += 1
            out = bytearray()
            while i < n and text[i] != '"':
                if text[i] == "\\" and i + 1 < n:
                    j = i + 1
                    if text[j] in "01234567":
                        k = j
                        while k < n and k < j + 3 and text[k] in "01234567":
                            k += 1
                        out.append(int(text[j:k], 8) & 0xFF)
                        i = k
                        continue
                    esc = {"n": 10, "t": 9, "r": 13}.get(text[j])
                    out.append(esc if esc is not None else ord(text[j]))
                    i = j + 1
                    continue
                out += text[i].encode("latin-1", "replace")
                i += 1
            i += 1
            yield ("str", bytes(out))
        else:
            j = i
            while j < n and text[j] not in " \t\r\n;{}\"#":
                j += 1
            yield text[i:j]
            i = j


def statements(toks):
    """Top-level statements: (words, block) where block is a list of nested
    statements or None."""
    out, cur = [], []
    for t in toks:
        if t == ";":
            if cur:
                out.append((cur, None))
            cur = []
        elif t == "{":
            block = statements(toks)
            out.append((cur, block))
            cur = []
        elif t == "}":
            if cur:
                out.append((cur, None))
            return out
        else:
            cur.append(t)
    if cur:
        out.append((cur, None))
    return out


def parse_time(words):
    """'W YYYY/MM/DD HH:MM:SS' (UTC), 'epoch N' or 'never' -> int or None."""
    if not words or words[0] == "never":
        return None
    if words[0] == "epoch" and len(words) > 1:
        return int(words[1])
    if len(words) >= 3:
        return calendar.timegm(time.strptime(words[1] + " " + words[2],
                                             "%Y/%m/%d %H:%M:%S"))
    return None


def word(w):
    if isinstance(w, tuple):
        return w[1].decode("latin-1")
    return w


def uid_hex(words):
    if not words:
        return None
    w = words[0]
    if isinstance(w, tuple):
        return ":".join(f"{b:02x}" for b in w[1])
    return ":".join(f"{int(x, 16):02x}" for x in w.split(":"))


def lease_record(addr, block):
    rec = {k: None for k in FIELDS}
    rec["address"] = addr
    for words, _sub in block:
        if not words:
            continue
        k = word(words[0])
        rest = words[1:]
        if k in TIME_KEYS:
            rec[k] = parse_time([word(x) for x in rest])
        elif k == "binding" and len(rest) >= 2 and rest[0] == "state":
            rec["binding_state"] = word(rest[1])
        elif k in ("next", "rewind") and len(rest) >= 3 and rest[:2] == ["binding", "state"]:
            rec[k + "_binding_state"] = word(rest[2])
        elif k == "hardware" and len(rest) >= 2 and rest[0] == "ethernet":
            rec["hardware_ethernet"] = word(rest[1]).lower()
        elif k == "uid":
            rec["uid"] = uid_hex(rest)
        elif k == "client-hostname" and rest:
            rec["client_hostname"] = word(rest[0])
    return rec


def ip_key(a):
    try:
        return tuple(int(x) for x in a.split("."))
    except ValueError:
        return (999, a)


def parse(text):
    """-> (leases sorted by address, failover state records)."""
    leases, counts, failover = {}, {}, []
    for words, block in statements(iter(list(tokens(text)))):
        if not words or block is None:
            continue
        head = word(words[0])
        if head == "lease" and len(words) >= 2:
            addr = word(words[1])
            counts[addr] = counts.get(addr, 0) + 1
            leases[addr] = lease_record(addr, block)
        elif head == "failover" and len(words) >= 4 and words[1] == "peer":
            fo = {"name": word(words[2])}
            for w, _ in block:
                w = [word(x) for x in w]
                if len(w) >= 3 and w[0] in ("my", "partner") and w[1] == "state":
                    fo[w[0] + "_state"] = w[2]
                    if "at" in w:
                        fo[w[0] + "_state_at"] = parse_time(w[w.index("at") + 1:])
                elif len(w) >= 2 and w[0] == "mclt":
                    fo["mclt"] = int(w[1])
            failover.append(fo)
    out = []
    for a in sorted(leases, key=ip_key):
        leases[a]["records"] = counts[a]
        out.append(leases[a])
    return out, failover


def tsv(leases, fields):
    lines = []
    for r in leases:
        lines.append("\t".join("-" if r.get(f) is None else str(r.get(f)) for f in fields))
    return "\n".join(lines)


SAMPLE = r'''# The format of this file is documented in the dhcpd.leases(5) manual page.
# This lease file was written by isc-dhcp-4.4.3-P1

# authoring-byte-order entry is generated, DO NOT DELETE
authoring-byte-order little-endian;

failover peer "lw-fo" state {
  my state recover at 2 2024/01/02 03:04:05;
  partner state unknown-state at 2 2024/01/02 03:04:05;
}
server-duid "\000\001\000\001-\373\376\025\012\302\251\273\014\005";

lease 10.98.0.100 {
  starts 2 2024/01/02 03:04:10;
  ends 2 2024/01/02 03:14:10;
  tstp 2 2024/01/02 03:19:10;
  tsfp 2 2024/01/02 03:04:10;
  cltt 2 2024/01/02 03:04:10;
  binding state active;
  next binding state expired;
  hardware ethernet 02:AA:00:00:00:01;
  uid "\001\002\252\000\000\000\001";
  client-hostname "c1; {x}";
}
lease 10.98.0.101 {
  starts 2 2024/01/02 03:04:11;
  ends never;
  tstp 2 2024/01/02 03:04:11;
  atsfp epoch 1704164651; # Tue Jan 02 03:04:11 2024
  binding state backup;
}
lease 10.98.0.100 {
  starts 2 2024/01/02 03:04:10;
  ends 2 2024/01/02 03:20:00;
  tstp 2 2024/01/02 03:25:00;
  tsfp 2 2024/01/02 03:25:00;
  atsfp 2 2024/01/02 03:25:00;
  cltt 2 2024/01/02 03:10:00;
  binding state free;
  rewind binding state active;
  hardware ethernet 02:aa:00:00:00:01;
  uid 01:02:aa:00:00:00:01;
}
lease 10.98.0.9 {
  binding state free;
}
failover peer "lw-fo" state {
  my state normal at 2 2024/01/02 03:05:00;
  partner state normal at 2 2024/01/02 03:05:01;
  mclt 30;
}
'''


def selftest():
    leases, fo = parse(SAMPLE)
    by = {r["address"]: r for r in leases}
    assert [r["address"] for r in leases] == ["10.98.0.9", "10.98.0.100", "10.98.0.101"], leases
    a = by["10.98.0.100"]
    assert a["records"] == 2, a
    assert a["binding_state"] == "free", a            # the last record wins
    assert a["next_binding_state"] is None, a         # ... all of it
    assert a["rewind_binding_state"] == "active", a
    assert a["hardware_ethernet"] == "02:aa:00:00:00:01", a
    assert a["uid"] == "01:02:aa:00:00:00:01", a      # colon form
    assert a["client_hostname"] is None, a
    assert a["ends"] == 1704165600, a                 # 2024-01-02 03:20:00 UTC
    assert a["cltt"] == 1704165000, a
    assert a["tstp"] == a["tsfp"] == a["atsfp"] == 1704165900, a
    b = by["10.98.0.101"]
    assert b["binding_state"] == "backup" and b["ends"] is None, b
    assert b["atsfp"] == 1704164651 and b["tsfp"] is None, b
    assert b["hardware_ethernet"] is None, b
    # the first record's quoted uid (octal escapes) and a hostname with ; { }
    first, _ = parse(SAMPLE.split("lease 10.98.0.101")[0])
    f = {r["address"]: r for r in first}["10.98.0.100"]
    assert f["uid"] == "01:02:aa:00:00:00:01", f
    assert f["client_hostname"] == "c1; {x}", f
    assert f["binding_state"] == "active" and f["next_binding_state"] == "expired", f
    assert f["starts"] == 1704164650, f
    assert len(fo) == 2 and fo[-1]["my_state"] == "normal", fo
    assert fo[-1]["partner_state"] == "normal" and fo[-1]["mclt"] == 30, fo
    assert fo[0]["my_state"] == "recover" and fo[0]["my_state_at"] == 1704164645, fo
    t = tsv(leases, ("address", "binding_state", "hardware_ethernet"))
    assert t.splitlines()[1] == "10.98.0.100\tfree\t02:aa:00:00:00:01", t
    assert t.splitlines()[0] == "10.98.0.9\tfree\t-", t
    print("dhcpd_leases.py selftest: ok")
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("file", nargs="?")
    ap.add_argument("--tsv", action="store_true")
    ap.add_argument("--fields", default=",".join(FIELDS))
    ap.add_argument("--failover", action="store_true")
    ap.add_argument("--selftest", action="store_true")
    a = ap.parse_args()
    if a.selftest:
        return selftest()
    if not a.file:
        ap.error("a lease file is needed")
    with open(a.file, encoding="latin-1") as fh:
        leases, fo = parse(fh.read())
    if a.failover:
        print(json.dumps(fo, indent=1))
    elif a.tsv:
        fields = [f for f in a.fields.split(",") if f]
        unknown = [f for f in fields if f not in FIELDS]
        if unknown:
            ap.error("unknown field(s): " + ",".join(unknown))
        out = tsv(leases, fields)
        if out:
            print(out)
    else:
        print(json.dumps(leases, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
