#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# DNS update throughput, leasewire's engine vs ISC Kea's kea-dhcp-ddns (D2),
# against the same BIND 9.18 on loopback (tests/integration/bind/). Figures,
# not a test: it asserts only that each side's work landed.
#
# Per round and side: N adds (A + DHCID forward, PTR + DHCID reverse, RFC
# 4703 check-with-dhcid: 2 UPDATEs each on fresh names), then their N
# removals (3 UPDATEs each), timed from the first request handed over to
# the last record visible (ours: the engine reports every request; Kea: the
# zones are polled by AXFR every 20 ms until they hold N, then 0, records).
# Both sides keep at most 32 transactions in flight (D2's fixed
# MAX_TRANSACTIONS_DEFAULT; our max_in_flight set to match), 500 ms per
# message. Kea gets its NCRs over UDP, 2-octet length + JSON (ddns.md sec
# 6.1), paced at 5,000/s so none is lost in its socket buffer; D2 queues up
# to 1,024.
#
#   bash scripts/bench-ddns.sh [N (1000)] [ROUNDS (3)]
#
# Environment: LW_BUILD (build dir with tests/ddns/lw-ddns-probe, default
# build), LW_KEEP=1 (keep the temp dir). The last line is stable:
#   bench-ddns: ours ADD/s add REM/s remove MIX/s requests/s; kea-d2 ...; ratio R
# where MIX is 2N requests over the add + remove time, best of the rounds.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
N=${1:-1000}
ROUNDS=${2:-3}
B=${LW_BUILD:-$ROOT/build}
PROBE=$B/tests/ddns/lw-ddns-probe
BIND=$ROOT/tests/integration/bind
[ -x "$PROBE" ] || { echo "bench-ddns: no $PROBE (ninja -C $B)" >&2; exit 1; }
command -v kea-dhcp-ddns >/dev/null || { echo "bench-ddns: kea-dhcp-ddns not installed" >&2; exit 1; }
[ "$N" -le 1000 ] || { echo "bench-ddns: N <= 1000 (D2's queue is 1,024)" >&2; exit 1; }

TMP=$(mktemp -d /tmp/lw-bench-ddns.XXXXXX)
D2_PID=
cleanup() {
	[ -n "$D2_PID" ] && kill "$D2_PID" 2>/dev/null && wait "$D2_PID" 2>/dev/null
	"$BIND/stop.sh" "$TMP/bind" 2>/dev/null || true
	if [ "${LW_KEEP:-0}" = 1 ]; then echo "kept $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT

read -r PORT RPORT NCRPORT < <(/usr/bin/python3 "$BIND/free_ports.py" 3)
DNS_PORT=$PORT RNDC_PORT=$RPORT "$BIND/start.sh" --fresh "$TMP/bind" >/dev/null
KEYFILE=$TMP/bind/keys/ddns-key.conf
SECRET=$(sed -n 's/.*secret "\(.*\)";/\1/p' "$KEYFILE")

cat >"$TMP/d2.json" <<EOF
{ "DhcpDdns": {
    "ip-address": "127.0.0.1", "port": $NCRPORT, "dns-server-timeout": 500,
    "ncr-protocol": "UDP", "ncr-format": "JSON",
    "tsig-keys": [ { "name": "ddns-key", "algorithm": "HMAC-SHA256", "secret": "$SECRET" } ],
    "forward-ddns": { "ddns-domains": [ { "name": "example.test.", "key-name": "ddns-key",
        "dns-servers": [ { "ip-address": "127.0.0.1", "port": $PORT } ] } ] },
    "reverse-ddns": { "ddns-domains": [ { "name": "10.in-addr.arpa.", "key-name": "ddns-key",
        "dns-servers": [ { "ip-address": "127.0.0.1", "port": $PORT } ] } ] },
    "loggers": [ { "name": "kea-dhcp-ddns", "severity": "WARN",
        "output_options": [ { "output": "$TMP/d2.log" } ] } ]
} }
EOF
KEA_PIDFILE_DIR=$TMP KEA_LOCKFILE_DIR=$TMP kea-dhcp-ddns -c "$TMP/d2.json" >"$TMP/d2.out" 2>&1 &
D2_PID=$!
sleep 1
kill -0 "$D2_PID" 2>/dev/null || { cat "$TMP/d2.out" >&2; echo "bench-ddns: kea-dhcp-ddns did not start" >&2; exit 1; }

count() { # count ZONE TYPE PREFIX: records of TYPE whose owner starts with PREFIX
	dig @127.0.0.1 -p "$PORT" +norec +time=5 "$1" AXFR | awk -v t="$2" -v p="$3" '$4 == t && index($1, p) == 1' | wc -l
}
now_ms() { date +%s%3N; }

# ours ROUND -> "add_ms rem_ms"
ours() {
	local pre=o$1 ip=$((10 << 24 | $1 << 16))
	local ipq="$((ip >> 24)).$((ip >> 16 & 255)).0.0"
	printf 'bulk-add %s %d %s\nwait 120\nbulk-remove %s %d %s\nwait 120\n' "$pre" "$N" "$ipq" "$pre" "$N" "$ipq" |
		"$PROBE" -s "127.0.0.1:$PORT" -k "$KEYFILE" -r 10.in-addr.arpa. --in-flight 32 \
			--timeout 500 2>>"$TMP/ours.log" >"$TMP/ours.out"
	grep -q 'pending 0' "$TMP/ours.out" || { echo "bench-ddns: ours did not finish" >&2; exit 1; }
	awk '/^waited/ {printf "%s ", $2} END {print ""}' "$TMP/ours.out"
}

cat >"$TMP/ncr.py" <<'EOF'
# send N NCRs (kind 0 add, 1 remove) to D2: 2-octet length + JSON over UDP
import hashlib, json, socket, struct, sys, time
port, pre, n, rnd, kind = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
def wire(name):
    return b"".join(bytes([len(l)]) + l.encode() for l in name.rstrip(".").split(".")) + b"\0"
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(n):
    fqdn = f"{pre}{i}.example.test."
    cid = bytes([1, i >> 16 & 255, i >> 8 & 255, i & 255, 0x5a])  # as lw-ddns-probe's bulk ids
    dhcid = b"\x00\x01\x01" + hashlib.sha256(cid + wire(fqdn)).digest()
    ip = 10 << 24 | rnd << 16 | i
    ncr = {"change-type": kind, "forward-change": True, "reverse-change": True, "fqdn": fqdn,
           "ip-address": socket.inet_ntoa(struct.pack(">I", ip)), "dhcid": dhcid.hex().upper(),
           "lease-expires-on": "20991231235959", "lease-length": 600,
           "use-conflict-resolution": True}
    body = json.dumps(ncr).encode()
    s.sendto(struct.pack(">H", len(body)) + body, ("127.0.0.1", port))
    # D2 reads one datagram at a time: a burst overflows its socket buffer and
    # NCRs are lost. 5,000/s is well above what D2 completes.
    time.sleep(0.0002)
EOF

# kea ROUND -> "add_ms rem_ms"
kea() {
	local pre=k$1 t0 t1 t2
	t0=$(now_ms)
	/usr/bin/python3 "$TMP/ncr.py" "$NCRPORT" "$pre" "$N" "$1" 0
	until [ "$(count example.test A "$pre")" -ge "$N" ] && [ "$(count 10.in-addr.arpa PTR '')" -ge "$N" ]; do
		[ $(($(now_ms) - t0)) -lt 120000 ] || { echo "bench-ddns: kea adds did not land" >&2; exit 1; }
		sleep 0.02
	done
	t1=$(now_ms)
	/usr/bin/python3 "$TMP/ncr.py" "$NCRPORT" "$pre" "$N" "$1" 1
	until [ "$(count example.test A "$pre")" -eq 0 ] && [ "$(count 10.in-addr.arpa PTR '')" -eq 0 ]; do
		[ $(($(now_ms) - t1)) -lt 120000 ] || { echo "bench-ddns: kea removals did not land" >&2; exit 1; }
		sleep 0.02
	done
	t2=$(now_ms)
	echo "$((t1 - t0)) $((t2 - t1))"
}

rate() { awk -v n="$1" -v ms="$2" 'BEGIN { printf "%.0f", (ms > 0 ? n * 1000 / ms : 0) }'; }
best_o=0 best_k=0
for r in $(seq 1 "$ROUNDS"); do
	read -r oa orm < <(ours "$r")
	read -r ka krm < <(kea "$r")
	mo=$(rate $((2 * N)) $((oa + orm)))
	mk=$(rate $((2 * N)) $((ka + krm)))
	echo "round $r: ours add ${oa} ms remove ${orm} ms ($mo req/s); kea-d2 add ${ka} ms remove ${krm} ms ($mk req/s)"
	if [ "$mo" -gt "$best_o" ]; then best_o=$mo; bo="$(rate "$N" "$oa") $(rate "$N" "$orm")"; fi
	if [ "$mk" -gt "$best_k" ]; then best_k=$mk; bk="$(rate "$N" "$ka") $(rate "$N" "$krm")"; fi
done
ratio=$(awk -v a="$best_o" -v b="$best_k" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
read -r boa bor <<<"$bo"
read -r bka bkr <<<"$bk"
echo "bench-ddns: N=$N rounds=$ROUNDS in_flight=32 BIND $(named -v | awk '{print $2}') kea $(kea-dhcp-ddns -v)"
echo "bench-ddns: ours $boa add/s $bor remove/s $best_o requests/s; kea-d2 $bka add/s $bkr remove/s $best_k requests/s; ratio $ratio"
