#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Recovery time and memory per lease of the real daemon:
#
#   bash scripts/bench-recovery.sh [N ...]        (default: 1000000)
#
# For each N it writes a lease store of N bound leases (half in a snapshot,
# half in the journal after it, as after a crash between compactions) with
# the daemon's own journal code (lw-make-lease-store), starts leasewired on
# it (net_null port: no traffic, no namespace needed), reads the recovery
# line it prints, and the daemon's resident memory once it is ready, then
# stops it. Prints one key=value line per N. Needs root only for DPDK.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=${LW_BENCH_BUILD:-build-bench}

bash scripts/install-deps.sh >/dev/null
if [ ! -f "$BUILD/build.ninja" ]; then
	CC=gcc meson setup "$BUILD" --buildtype=release >/dev/null
fi
ninja -C "$BUILD" dataplane/leasewired tests/bench/lw-make-lease-store >/dev/null

SIZES=("$@")
[ ${#SIZES[@]} -gt 0 ] || SIZES=(1000000)
# A first run with 1,000 leases gives the fixed part of the daemon's memory
# (EAL arena, mbuf pool, rings), so the per-lease figure is what a lease adds.
SIZES=(1000 "${SIZES[@]}")
BASE_RSS_KB=
TMP=$(mktemp -d /tmp/lw-recovery.XXXXXX)
PREFIX=lwrecov$$
DAEMON_PID=
cleanup() {
	if [ -n "$DAEMON_PID" ] && kill -0 "$DAEMON_PID" 2>/dev/null; then
		kill -TERM "$DAEMON_PID"
		for _ in $(seq 1 100); do
			kill -0 "$DAEMON_PID" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$DAEMON_PID" 2>/dev/null || true
	fi
	rm -rf "$TMP" "/var/run/dpdk/$PREFIX"
}
trap cleanup EXIT

for n in "${SIZES[@]}"; do
	store=$TMP/store-$n
	half=$((n / 2))
	"$BUILD/tests/bench/lw-make-lease-store" "$store" "$half" "$((n - half))" >/dev/null
	store_bytes=$(du -sb "$store" | cut -f1)
	cat >"$TMP/config-$n.json" <<-EOF
	{ "Dhcp4": {
	  "interfaces-config": { "interfaces": [
	    { "name": "port0", "port": 0, "address": "10.0.0.1/8" } ] },
	  "max-leases": $((n + n / 8 + 65536)),
	  "lease-store": { "directory": "$store", "snapshot-every": 1000000000 },
	  "subnet4": [ { "id": 1, "subnet": "10.0.0.0/8", "interface": "port0",
	    "pools": [ { "pool": "10.1.0.0 - 10.254.255.255" } ] } ]
	} }
	EOF
	log=$TMP/daemon-$n.log
	"$BUILD/dataplane/leasewired" --no-huge -m 1024 --no-pci --file-prefix "$PREFIX" \
		-l 0-1 --vdev net_null0 -- --config "$TMP/config-$n.json" >"$log" 2>&1 &
	DAEMON_PID=$!
	ready=0
	for _ in $(seq 1 1200); do # 120 s at most
		if grep -q 'leasewired: ready' "$log"; then
			ready=1
			break
		fi
		kill -0 "$DAEMON_PID" 2>/dev/null || break
		sleep 0.1
	done
	if [ $ready = 0 ]; then
		echo "bench-recovery: daemon did not become ready for N=$n:" >&2
		tail -n 20 "$log" >&2
		exit 1
	fi
	rss_kb=$(awk '/^VmRSS/ { print $2 }' "/proc/$DAEMON_PID/status")
	line=$(grep 'leasewired: recovered' "$log")
	recovered=$(sed -E 's/.*recovered ([0-9]+) records.*/\1/' <<<"$line")
	ms=$(sed -E 's/.* in ([0-9]+) ms.*/\1/' <<<"$line")
	kill -TERM "$DAEMON_PID"
	wait "$DAEMON_PID" || true
	DAEMON_PID=
	rm -rf "$store"
	if [ -z "$BASE_RSS_KB" ]; then
		BASE_RSS_KB=$rss_kb
		echo "recovery baseline: daemon with 1000 leases has RSS ${rss_kb} kB"
		continue
	fi
	# Everything the table needs per lease: the record, its hash-table node
	# and bucket share, the address slot and free-list entry, and the
	# max-leases headroom the config reserves (1/8 here).
	echo "recovery leases=$n recovered=$recovered recovery_ms=$ms" \
		"leases_per_s=$((recovered * 1000 / (ms > 0 ? ms : 1)))" \
		"store_bytes=$store_bytes rss_kb=$rss_kb" \
		"bytes_per_lease=$(((rss_kb - BASE_RSS_KB) * 1024 / (n - 1000)))"
done
