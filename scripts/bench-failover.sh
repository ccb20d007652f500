#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Failover binding-update throughput (BNDUPD -> BNDACK), printed, never
# asserted:
#
#   sudo bash scripts/bench-failover.sh [--bindings N] [--durability "fsync none"]
#                                       [--isc | --no-isc] [--isc-bindings N]
#                                       [--max-unacked K] [--perf SECS]
#
# (a) leasewired primary -> leasewired secondary, once per durability given
#     (default "fsync none", the same on both servers): two leasewired in
#     their own network namespaces, the failover TCP link over a veth
#     (10.99.0.1 <-> 10.99.0.2), a net_null port each (no-rx: no DHCP
#     traffic). The primary starts alone and imports N bindings through the
#     operator shell ("import leases FILE", a Kea CSV written here by
#     python); then the secondary starts with an empty store, goes RECOVER
#     and sends UPDREQALL; the primary walks its table and sends every
#     binding; the secondary answers UPDDONE's counterpart when all arrived.
# (b) leasewired primary -> ISC dhcpd 4.4.3 secondary (ISC_BINDINGS,
#     default min(N, 50000): dhcpd keeps a lease per address of its range),
#     leasewired with durability fsync.
#
# Measured: from the primary's "the partner asks for all bindings
# (UPDREQALL)" log line to its "update request answered: every binding sent
# and acknowledged (UPDDONE)" line (lines timestamped as they arrive, to the
# microsecond), and for leasewired secondaries also from the secondary's
# "connected to the partner" to its "the partner has sent every binding we
# asked for (UPDDONE)". bindings/s = N / that time. The primary's
# /leasewire/failover counters bndupd_sent/bndack_received are sampled every
# 0.2 s, and the best one-second window of bndack_received is printed too.
#
# The window: max-unacked-updates (the receiver's max-unacked-bndupd, what
# bounds the sender's in-flight updates) is set to the configuration maximum
# (1000) on both sides, or --max-unacked K; it is printed. ISC's own
# max-unacked-updates gets the same value.
#
# --perf SECS: also record the primary's control thread (perf record -g, SECS
# seconds after UPDREQALL) and print the top of perf report (first run only).
#
# Lcores: each leasewired runs -l 0-1 (control on CPU 0, its worker on CPU 1),
# so on a 2-CPU machine both control threads share CPU 0 and both spinning
# workers CPU 1: the figure is a lower bound of what one control core does.
# The target (one control core) is >= 500,000 bindings/s.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
export LW_BUILD=${LW_BUILD:-$PWD/build-rel}
N=200000
DURS="fsync none"
DO_ISC=1
ISC_N=
MAXU=1000
PERF_SECS=0
while [ $# -gt 0 ]; do
	case "$1" in
	--bindings) N=$2; shift 2 ;;
	--durability) DURS=$2; shift 2 ;;
	--isc) DO_ISC=1; shift ;;
	--no-isc) DO_ISC=0; shift ;;
	--isc-bindings) ISC_N=$2; shift 2 ;;
	--max-unacked) MAXU=$2; shift 2 ;;
	--perf) PERF_SECS=$2; shift 2 ;;
	-h | --help) sed -n '3,44p' "$0"; exit 0 ;;
	*) echo "bench-failover.sh: unknown argument $1" >&2; exit 2 ;;
	esac
done
[ -n "$ISC_N" ] || ISC_N=$((N < 50000 ? N : 50000))
if [ ! -x "$LW_BUILD/dataplane/leasewired" ]; then
	echo "bench-failover.sh: no $LW_BUILD/dataplane/leasewired (meson setup build-rel" \
		"--buildtype=release && ninja -C build-rel)" >&2
	exit 1
fi

. tests/integration/lib.sh
lw_init fob
. tests/integration/lib_isc.sh
[ "$DO_ISC" = 1 ] && { [ -x "$ISC_DHCPD" ] || { lw_log "no dhcpd: (b) skipped"; DO_ISC=0; }; }
[ "$DO_ISC" = 1 ] && isc_init || trap isc_cleanup EXIT

NSP=lwfb-p-$LW_ID NSS=lwfb-s-$LW_ID
SOCK=$LW_TMP/shell.sock
LW_SHELL_PY=$LW_ROOT/tests/integration/shell_client.py
PW_HASH=$(printf 'fob-secret\n' | "$LW_DAEMON" --hash-password) || lw_fatal "--hash-password"
# Both ends of the failover link: primary 10.99.0.1, secondary 10.99.0.2.
isc_netns_add "$NSP" || lw_fatal "netns $NSP"
isc_netns_add "$NSS" || lw_fatal "netns $NSS"
isc_veth "$NSP" fo0 10.99.0.1/24 "$NSS" fo0 10.99.0.2/24 || lw_fatal "failover veth"
# ISC needs a kernel interface on the subnet it serves.
isc_veth "$NSS" lan0 10.0.0.3/8 "$NSS" lan0p - || lw_fatal "lan0 veth"

# A pool of N + 512 addresses: the bindings fill it, so the primary's pool
# rebalancing (BNDUPD BACKUP for half the free addresses) adds only ~256
# updates to the N being measured.
pool_last() { "$LW_PY" -c "import ipaddress,sys; print(ipaddress.ip_address('10.1.0.0') + int(sys.argv[1]) + 511)" "$1"; }

# lw_fob_config <file> <role> <lease-dir> <durability> <pool-last> [sock]
lw_fob_config() {
	local file=$1 role=$2 dir=$3 dur=$4 last=$5 sock=${6:-}
	mkdir -p "$dir"
	"$LW_PY" - "$file" "$role" "$dir" "$dur" "$last" "$PW_HASH" "$sock" "$MAXU" <<-'PY'
	import json, sys
	path, role, d, dur, last, pw, sock, maxu = sys.argv[1:9]
	own, peer = ("10.99.0.1", "10.99.0.2") if role == "primary" else ("10.99.0.2", "10.99.0.1")
	c = {"Dhcp4": {
	  "interfaces-config": {"interfaces": [{"name": "port0", "port": 0, "address": "10.0.0.1/8"}]},
	  "valid-lifetime": 3600, "renew-timer": 900, "rebind-timer": 1800,
	  "max-leases": max(1048576, 3 * (int(last.split(".")[1]) - 1) * 65536 + 65536),
	  "lease-store": {"directory": d, "durability": dur},
	  "subnet4": [{"id": 1, "subnet": "10.0.0.0/8", "interface": "port0",
	               "pools": [{"pool": "10.1.0.0 - " + last}]}],
	  "failover": {"peer-name": "lw-fo", "role": role, "address": own, "port": 647,
	               "peer-address": peer, "peer-port": 647, "max-response-delay": 30,
	               "max-unacked-updates": int(maxu), "load-balance-max-seconds": 3,
	               "startup-time": 1}}}
	f = c["Dhcp4"]["failover"]
	if role == "primary":
	    f["mclt"] = 3600
	    f["split"] = 128
	if sock:
	    c["Dhcp4"]["shell"] = {"password-hash": pw, "enable-password-hash": pw, "port": 0,
	                           "unix-socket": sock, "idle-timeout": 600}
	json.dump(c, open(path, "w"), indent=1)
	PY
}

# Kea CSV: N BOUND bindings, client i on 10.1.0.0 + i, MAC 02:00:<i>, an hour left.
make_csv() {
	"$LW_PY" - "$1" "$2" <<-'PY'
	import sys, time
	path, n = sys.argv[1], int(sys.argv[2])
	exp = int(time.time()) + 3600
	with open(path, "w") as f:
	    f.write("address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev,hostname,state,user_context\n")
	    base = (10 << 24) | (1 << 16)
	    for i in range(n):
	        a = base + i
	        f.write("%d.%d.%d.%d,02:00:%02x:%02x:%02x:%02x,,3600,%d,1,0,0,,0,\n" % (
	            a >> 24, a >> 16 & 255, a >> 8 & 255, a & 255,
	            i >> 24 & 255, i >> 16 & 255, i >> 8 & 255, i & 255, exp))
	PY
}

# Lines of the daemon's output with the arrival time in front (epoch seconds, us).
stamp() { "$LW_PY" -u -c '
import sys, time
for line in sys.stdin:
    sys.stdout.write("%.6f %s" % (time.time(), line))
    sys.stdout.flush()
'; }

# fob_start <ns> <conf> <log> <prefix>: leasewired in ns; sets FOB_PID. Waits for ready.
fob_start() {
	local ns=$1 conf=$2 log=$3 prefix=$4 i
	LW_PREFIXES+=("$prefix")
	rm -rf "/var/run/dpdk/$prefix"
	ip netns exec "$ns" "$LW_DAEMON" --no-huge -m 1024 --no-pci --file-prefix "$prefix" -l 0-1 \
		--vdev net_null0,no-rx=1 --log-level=lib.eal:warning -- --config "$conf" \
		> >(stamp >>"$log") 2>&1 &
	FOB_PID=$!
	LW_PIDS+=("$FOB_PID")
	for ((i = 0; i < 600; i++)); do
		grep -q 'leasewired: ready' "$log" 2>/dev/null && return 0
		kill -0 "$FOB_PID" 2>/dev/null || { lw_log "leasewired in $ns died:"; tail -n 20 "$log"; return 1; }
		sleep 0.1
	done
	lw_log "leasewired in $ns not ready"; tail -n 20 "$log"
	return 1
}

fob_stop() { lw_stop_pid "$1" TERM 30 >/dev/null 2>&1 || true; }

# t_of <log> <regex>: the arrival time of the first matching line.
t_of() { grep -E -m1 -- "$2" "$1" | cut -d' ' -f1; }

# wait_line <log> <regex> <secs>
wait_line() {
	local i
	for ((i = 0; i < $3 * 10; i++)); do
		grep -Eq -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

tel_fo() { LW_PREFIX=$1 lw_tel /leasewire/failover 2>/dev/null; }

# sample <prefix> <out>: bndupd_sent bndack_received every 0.2 s until killed.
sample() {
	local prefix=$1 out=$2
	while :; do
		tel_fo "$prefix" | "$LW_PY" -c '
import json, sys, time
try:
    d = json.loads(sys.stdin.read()); d = next(iter(d.values()))
    print("%.3f %s %s %s" % (time.time(), d.get("bndupd_sent", 0), d.get("bndack_received", 0), d.get("partner_max_unacked", "")))
except Exception:
    pass' >>"$out"
		sleep 0.2
	done
}

# best_window <samples>: the highest bndack_received rate over any >= 1 s span.
best_window() {
	"$LW_PY" - "$1" <<-'PY'
	import sys
	rows = []
	for l in open(sys.argv[1]):
	    p = l.split()
	    if len(p) >= 3:
	        rows.append((float(p[0]), int(p[2])))
	best = 0.0
	for i in range(len(rows)):
	    for j in range(i + 1, len(rows)):
	        dt = rows[j][0] - rows[i][0]
	        if dt >= 1.0:
	            best = max(best, (rows[j][1] - rows[i][1]) / dt)
	            break
	print("%.0f" % best)
	PY
}

perf_report() {
	local pid=$1 secs=$2 out=$LW_TMP/perf.data
	command -v perf >/dev/null || { lw_log "no perf"; return; }
	# The control thread is the daemon's main thread: its TID is the PID.
	timeout $((secs + 10)) perf record -g -o "$out" -t "$pid" -- sleep "$secs" >/dev/null 2>&1
	echo "  perf (primary's control thread, $secs s, self time, top 25):"
	perf report -i "$out" --no-children --stdio --sort symbol 2>/dev/null |
		grep -E '^ +[0-9.]+%' | head -25 | sed 's/^/    /'
	echo "  perf (children, top 20):"
	perf report -i "$out" --children --stdio --sort symbol 2>/dev/null |
		grep -E '^ +[0-9.]+% +[0-9.]+%' | head -20 | sed 's/^/    /'
	PERF_SECS=0
}

# primary_up <tag> <durability> <n>: a primary with n imported bindings; sets P_PID P_LOG P_PREFIX.
primary_up() {
	local tag=$1 dur=$2 n=$3
	P_LOG=$LW_TMP/$tag-primary.log P_PREFIX=lwfbp$LW_ID$tag
	lw_fob_config "$LW_TMP/$tag-p.json" primary "$LW_TMP/$tag-p-leases" "$dur" "$(pool_last "$n")" "$SOCK"
	rm -f "$SOCK"
	fob_start "$NSP" "$LW_TMP/$tag-p.json" "$P_LOG" "$P_PREFIX" || return 1
	P_PID=$FOB_PID
	local csv=$LW_TMP/bindings-$n.csv t0 t1
	[ -f "$csv" ] || make_csv "$csv" "$n"
	t0=$(date +%s.%N)
	timeout -k 5 900 ip netns exec "$NSP" "$LW_PY" "$LW_SHELL_PY" --unix "$SOCK" \
		--password fob-secret --enable fob-secret -- "import leases $csv" >"$LW_TMP/$tag-import.log" 2>&1 ||
		{ lw_log "import failed:"; cat "$LW_TMP/$tag-import.log"; return 1; }
	t1=$(date +%s.%N)
	lw_log "primary: $(grep -m1 -o '[0-9]* leases imported.*' "$LW_TMP/$tag-import.log" || tail -n1 "$LW_TMP/$tag-import.log")" \
		"in $("$LW_PY" -c "print('%.2f' % ($t1 - $t0))") s"
}

# report <label> <n> <primary-log> [secondary-log]
report() {
	local label=$1 n=$2 plog=$3 slog=${4:-} a b c d
	a=$(t_of "$plog" 'the partner asks for all bindings')
	b=$(t_of "$plog" 'update request answered')
	local line
	line=$("$LW_PY" -c "
import sys
n, a, b = int(sys.argv[1]), sys.argv[2], sys.argv[3]
if a and b:
    dt = float(b) - float(a)
    print('%.3f s, %.0f bindings/s' % (dt, n / dt))
else:
    print('no UPDREQALL..UPDDONE pair in the log')" "$n" "$a" "$b")
	echo "$label: $n bindings, primary UPDREQALL -> UPDDONE sent: $line"
	if [ -n "$slog" ]; then
		c=$(t_of "$slog" 'connected to the partner')
		d=$(t_of "$slog" 'the partner has sent every binding')
		echo "$label:   secondary connected -> UPDDONE received: $("$LW_PY" -c "
import sys
n, c, d = int(sys.argv[1]), sys.argv[2], sys.argv[3]
print('%.3f s, %.0f bindings/s' % (float(d) - float(c), n / (float(d) - float(c))) if c and d else 'not seen')" "$n" "$c" "$d")"
	fi
}

echo "== failover BNDUPD->BNDACK throughput: $(lscpu | sed -n 's/^Model name: *//p' | head -n1)," \
	"$(nproc) CPUs, $(git rev-parse --short HEAD), build $LW_BUILD"
echo "max-unacked-updates (the window, both sides): $MAXU (configuration maximum 1000)"

# --------------------------------------------------------------- (a) lw -> lw
for dur in $DURS; do
	tag=lw$dur
	lw_log "(a) leasewired -> leasewired, durability $dur, $N bindings"
	primary_up "$tag" "$dur" "$N" || lw_fatal "primary"
	S_LOG=$LW_TMP/$tag-secondary.log
	lw_fob_config "$LW_TMP/$tag-s.json" secondary "$LW_TMP/$tag-s-leases" "$dur" "$(pool_last "$N")"
	sample "$P_PREFIX" "$LW_TMP/$tag.samples" &
	SAMPLER=$!
	LW_PIDS+=("$SAMPLER")
	fob_start "$NSS" "$LW_TMP/$tag-s.json" "$S_LOG" "lwfbs$LW_ID$tag" || lw_fatal "secondary"
	S_PID=$FOB_PID
	if [ "$PERF_SECS" -gt 0 ] && wait_line "$P_LOG" 'the partner asks for all bindings' 60; then
		perf_report "$P_PID" "$PERF_SECS"
	fi
	wait_line "$P_LOG" 'update request answered' 600 || lw_log "no UPDDONE within 600 s"
	kill "$SAMPLER" 2>/dev/null; wait "$SAMPLER" 2>/dev/null
	report "lw->lw durability $dur" "$N" "$P_LOG" "$S_LOG"
	echo "lw->lw durability $dur:   best 1 s window of bndack_received: $(best_window "$LW_TMP/$tag.samples") /s;" \
		"partner_max_unacked seen by the primary: $(tail -n1 "$LW_TMP/$tag.samples" | cut -d' ' -f4)"
	tel_fo "$P_PREFIX" | "$LW_PY" -c 'import json,sys; d=next(iter(json.load(sys.stdin).values())); print("  primary: state %s, bndupd_sent %s, bndack_received %s" % (d.get("state"), d.get("bndupd_sent"), d.get("bndack_received")))' 2>/dev/null
	fob_stop "$S_PID"
	fob_stop "$P_PID"
done

# --------------------------------------------------------------- (b) lw -> ISC
if [ "$DO_ISC" = 1 ]; then
	tag=isc
	lw_log "(b) leasewired -> ISC dhcpd secondary, durability fsync, $ISC_N bindings"
	primary_up "$tag" fsync "$ISC_N" || lw_fatal "primary"
	last=$(pool_last "$ISC_N")
	isc_conf "$LW_TMP/isc-s.conf" secondary 10.99.0.2 647 10.99.0.1 647 10.0.0.0/8 10.1.0.0 "$last" \
		mclt=3600 max_unacked="$MAXU" max_response_delay=30 default_lease=3600 max_lease=7200 ||
		lw_fatal "isc_conf"
	sample "$P_PREFIX" "$LW_TMP/$tag.samples" &
	SAMPLER=$!
	LW_PIDS+=("$SAMPLER")
	isc_start "$NSS" "$LW_TMP/isc-s.conf" "$LW_TMP/isc-s.leases" lan0 || lw_fatal "dhcpd"
	if [ "$PERF_SECS" -gt 0 ] && wait_line "$P_LOG" 'the partner asks for all bindings' 120; then
		perf_report "$P_PID" "$PERF_SECS"
	fi
	wait_line "$P_LOG" 'update request answered' 900 || lw_log "no UPDDONE within 900 s"
	kill "$SAMPLER" 2>/dev/null; wait "$SAMPLER" 2>/dev/null
	report "lw->ISC (lw fsync)" "$ISC_N" "$P_LOG"
	echo "lw->ISC:   best 1 s window of bndack_received: $(best_window "$LW_TMP/$tag.samples") /s"
	isc_stop "$ISC_PID" || true
	fob_stop "$P_PID"
fi
exit 0
