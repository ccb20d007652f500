#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Soak: a bounded run of lw_loadgen churn against the real daemon in the
# veth lab (not part of CI). Rounds of N clients do DORA, renew and release
# one after another, each round with its own MAC block (so every round makes
# new records); every other round skips the release so its leases expire.
# The lifetimes are short (--valid) and released or expired records are
# deleted after --hold seconds (expired-leases-processing.hold-reclaimed-time),
# and snapshot-every is at its floor, so records are created, released,
# expired, reclaimed and compacted all the time.
#
#   sudo bash scripts/soak.sh [--minutes N] [--clients N] [--rate R]
#                             [--hold S] [--valid S]
#     --minutes N   length of the run (default 30)
#     --clients N   clients per loadgen round (default 2000)
#     --rate R      new clients a second (default 500)
#     --hold S      hold-reclaimed-time, seconds (default 5)
#     --valid S     valid-lifetime, seconds (default 60, the schema's floor)
#
# Every minute one line: minute, daemon RSS (VmRSS), lease records
# (/leasewire/leases count), lease store on disk (du of the lease
# directory), compactions (/leasewire/journal compactions), ACKs/s the
# daemon sent in that minute and the lease rate (leases/s) of the last
# loadgen round that ended in it. At the end: RSS after the warm-up minute
# and at the end, and "flat" when end <= warm-up + 10 %; exit 1 when it is
# not flat or the daemon died.
#
# Environment: LW_BUILD (default <repo>/build-bench, configured with
# --buildtype=release when missing, as scripts/loadgen.sh); an ASan build
# works but its RSS includes the allocator's quarantine. LW_KEEP=1 keeps
# the temp dir. Everything runs in namespaces this script creates; only the
# processes it starts are stopped, by PID, with bounded waits.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
ROOT=$PWD

MINUTES=30
CLIENTS=2000
RATE=500
HOLD=5
VALID=60
while [ $# -gt 0 ]; do
	case "$1" in
	--minutes) MINUTES=$2; shift 2 ;;
	--clients) CLIENTS=$2; shift 2 ;;
	--rate) RATE=$2; shift 2 ;;
	--hold) HOLD=$2; shift 2 ;;
	--valid) VALID=$2; shift 2 ;;
	-h | --help) sed -n '3,33p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "soak.sh: unknown argument $1" >&2; exit 2 ;;
	esac
done
for v in "$MINUTES" "$CLIENTS" "$RATE" "$HOLD" "$VALID"; do
	case "$v" in
	'' | *[!0-9]*) echo "soak.sh: not a number: $v" >&2; exit 2 ;;
	esac
done
if [ "$(id -u)" -ne 0 ]; then
	echo "soak.sh: needs root (network namespaces)" >&2
	exit 1
fi

bash scripts/install-deps.sh >/dev/null || exit 1
export LW_BUILD=${LW_BUILD:-$ROOT/build-bench}
if [ ! -f "$LW_BUILD/build.ninja" ]; then
	CC=${CC:-gcc} meson setup "$LW_BUILD" --buildtype=release >/dev/null || exit 1
fi
ninja -C "$LW_BUILD" dataplane/leasewired tests/loadgen/lw_loadgen >/dev/null ||
	{ ninja -C "$LW_BUILD" dataplane/leasewired tests/loadgen/lw_loadgen; exit 1; }
LG=$LW_BUILD/tests/loadgen/lw_loadgen

. tests/integration/lib.sh
lw_init soak
lab_up "$LW_ID" || lw_fatal "lab up"

LEASES=$LW_TMP/leases
mkdir -p "$LEASES"
cat >"$LW_TMP/lw.json" <<EOF
{"Dhcp4": {
  "interfaces-config": {"interfaces": [
    {"name": "port0", "port": 0, "address": "10.77.0.1/16"}]},
  "valid-lifetime": $VALID, "renew-timer": $((VALID / 4 + 1)), "rebind-timer": $((VALID / 2 + 1)),
  "expired-leases-processing": {"hold-reclaimed-time": $HOLD},
  "lease-store": {"directory": "$LEASES", "durability": "fsync", "snapshot-every": 1000},
  "subnet4": [{"id": 1, "subnet": "10.77.0.0/16", "interface": "port0",
    "pools": [{"pool": "10.77.1.0 - 10.77.254.255"}],
    "option-data": [{"name": "routers", "data": "10.77.0.1"}]}]
}}
EOF
# Release builds run as they are; an ASan daemon keeps a small quarantine so
# its RSS says something, and its leak report is not this script's subject.
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:quarantine_size_mb=16} \
	lw_daemon_start --config "$LW_TMP/lw.json" || lw_fatal "leasewired did not start"

LG_PREFIX="lg$LW_ID"
LW_PREFIXES+=("$LG_PREFIX")
END=$(($(date +%s) + MINUTES * 60))
ROUNDS=$LW_TMP/rounds.log

# Rounds until the deadline; each bounded by --max-secs per phase, so the
# last one ends shortly after END. A stop file ends the loop early.
rounds() {
	local r=0 left base
	while [ ! -e "$LW_TMP/stop" ]; do
		left=$((END - $(date +%s)))
		[ "$left" -gt 5 ] || break
		base=$(printf '02:%02x' $((r % 200 + 16)))
		local extra=()
		[ $((r % 2)) -eq 1 ] && extra=(--no-release)
		timeout -k 5 $((3 * left + 60)) ip netns exec "$LW_CLI_NS" "$LG" --no-huge -m 256 \
			--no-pci --file-prefix "$LG_PREFIX" -l 0 --log-level=lib.eal:warning \
			--vdev "net_af_packet0,iface=$LW_CLI_IF,qpairs=1" -- \
			--clients "$CLIENTS" --rate "$RATE" --window 128 --timeout-ms 2000 \
			--retries 3 --mac-base "$base" --max-secs "$((left < 60 ? left : 60))" \
			"${extra[@]}" 2>&1 | grep '^LOADGEN ' | sed "s/^/$(date +%s) round=$r /"
		r=$((r + 1))
	done
}
rounds >"$ROUNDS" 2>&1 &
ROUNDS_PID=$!
LW_PIDS+=("$ROUNDS_PID")

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$LW_DAEMON_PID/status" 2>/dev/null; }
field() { sed -n "s/.* $1=\([0-9.]*\).*/\1/p" <<<" $2"; }

printf '%6s %10s %8s %10s %11s %7s %10s\n' minute rss_kib leases store_kib compactions acks_s lg_leases_s
rss0=$(rss_kb)
acks_prev=$(lw_stat tx_ack)
t_prev=$(date +%s)
rss_warm=
rss_end=
alive=1
for ((m = 0; m <= MINUTES; m++)); do
	if [ "$m" -gt 0 ]; then
		sleep $((t_prev + 60 - $(date +%s) > 0 ? t_prev + 60 - $(date +%s) : 0))
	fi
	if ! kill -0 "$LW_DAEMON_PID" 2>/dev/null; then
		lw_log "leasewired is gone"
		alive=0
		break
	fi
	now=$(date +%s)
	rss=$(rss_kb)
	leases=$(lw_tel_get /leasewire/leases count)
	store=$(du -sk "$LEASES" | cut -f1)
	compactions=$(lw_tel_get /leasewire/journal compactions)
	acks=$(lw_stat tx_ack)
	acks_s=0
	[ "$now" -gt "$t_prev" ] && acks_s=$(((${acks:-0} - ${acks_prev:-0}) / (now - t_prev)))
	last=$(awk -v t="$t_prev" '$1 >= t' "$ROUNDS" | tail -n 1)
	lg_rate=$(field lease_rate "$last")
	printf '%6d %10s %8s %10s %11s %7s %10s\n' "$m" "$rss" "$leases" "$store" \
		"$compactions" "$acks_s" "${lg_rate:--}"
	[ "$m" -eq 1 ] && rss_warm=$rss
	rss_end=$rss
	acks_prev=$acks
	t_prev=$now
done

touch "$LW_TMP/stop"
lw_wait_pid "$ROUNDS_PID" 200 || lw_log "loadgen rounds still running; cleanup stops them"
n_rounds=$(grep -c 'LOADGEN' "$ROUNDS")
failed=$(awk '{for (i = 1; i <= NF; i++) if ($i ~ /^(no_offer|no_ack|nak)=/) {split($i, a, "="); s += a[2]}} END {print s + 0}' "$ROUNDS")
echo "loadgen: $n_rounds rounds of $CLIENTS clients, $failed clients without a lease (no offer, no ACK, NAK)"
lw_print_stats
rc=0
lw_daemon_stop || rc=$?
[ "$rc" -eq 0 ] || lw_log "leasewired exit status $rc after SIGTERM"

rss_warm=${rss_warm:-$rss0}
echo "rss_kib start=$rss0 after_warmup=$rss_warm end=$rss_end"
if [ "$alive" = 1 ] && [ -n "$rss_end" ] && [ "$rss_end" -le $((rss_warm + rss_warm / 10)) ]; then
	echo "RSS flat: end <= after warm-up + 10 %"
	exit 0
fi
echo "RSS NOT flat (or the daemon died): end > after warm-up + 10 %"
exit 1
