#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# End-to-end load: lw_loadgen (DPDK, net_af_packet on the client veth)
# emulates N clients doing DORA, then a unicast renew, then a release,
# against leasewired (release build, durability fsync, net_af_packet on the
# server veth) in the two-namespace lab. Prints the loadgen's figures (leases/s,
# failures, DISCOVER->OFFER / REQUEST->ACK latency p50/p99) and the server's
# counters; the last line is the loadgen's "LOADGEN key=value ..." summary.
#
#   sudo bash scripts/loadgen.sh [--clients N] [--rate R] [--window W] [-- loadgen args...]
#
# Environment: LW_BUILD (default <repo>/build-bench, built here with
# --buildtype=release when missing), LW_KEEP=1 keeps the temp dir.
# Everything runs in namespaces this script creates; only the processes it
# starts are stopped (by PID), with bounded waits.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
ROOT=$PWD

CLIENTS=20000
RATE=0
WINDOW=256
EXTRA=()
while [ $# -gt 0 ]; do
	case "$1" in
	--clients) CLIENTS=$2; shift 2 ;;
	--rate) RATE=$2; shift 2 ;;
	--window) WINDOW=$2; shift 2 ;;
	--) shift; EXTRA=("$@"); break ;;
	-h|--help) sed -n '3,17p' "$0"; exit 0 ;;
	*) echo "loadgen.sh: unknown argument $1" >&2; exit 2 ;;
	esac
done
if [ "$(id -u)" -ne 0 ]; then
	echo "loadgen.sh: needs root (network namespaces)" >&2
	exit 1
fi

bash scripts/install-deps.sh >/dev/null || exit 1
export LW_BUILD=${LW_BUILD:-$ROOT/build-bench}
if [ ! -f "$LW_BUILD/build.ninja" ]; then
	CC=${CC:-gcc} meson setup "$LW_BUILD" --buildtype=release >/dev/null || exit 1
fi
if ! ninja -C "$LW_BUILD" dataplane/leasewired tests/loadgen/lw_loadgen >"${TMPDIR:-/tmp}/lg-build.$$.log" 2>&1; then
	# Another change in the tree may be half-way; older binaries still measure.
	[ -x "$LW_BUILD/dataplane/leasewired" ] && [ -x "$LW_BUILD/tests/loadgen/lw_loadgen" ] ||
		{ cat "${TMPDIR:-/tmp}/lg-build.$$.log"; exit 1; }
	echo "loadgen.sh: build failed; using the existing binaries in $LW_BUILD"
	grep -m3 'error' "${TMPDIR:-/tmp}/lg-build.$$.log" | sed 's/^/  /'
fi
rm -f "${TMPDIR:-/tmp}/lg-build.$$.log"
LG=$LW_BUILD/tests/loadgen/lw_loadgen

. tests/integration/lib.sh
lw_init lg
lab_up "$LW_ID" || lw_fatal "lab up"

# A /16 on port0 with a pool of 65,000 addresses: room for the clients.
LW_SUBNET_BIG='{"id": 1, "subnet": "10.77.0.0/16", "interface": "port0",
  "pools": [{"pool": "10.77.1.0 - 10.77.254.255"}],
  "option-data": [{"name": "routers", "data": "10.77.0.1"},
                  {"name": "domain-name-servers", "data": "10.77.0.1"}]}'
lw_config_write "$LW_TMP/lw.json" "[$LW_SUBNET_BIG]"
lw_daemon_start --config "$LW_TMP/lw.json" || lw_fatal "leasewired did not start"

LG_PREFIX="lg$LW_ID"
LW_PREFIXES+=("$LG_PREFIX")
lw_log "lw_loadgen: $CLIENTS clients, rate ${RATE}/s (0 = unpaced), window $WINDOW"
# Bounded: each phase stops at --max-secs; the whole run at 3 phases + start.
timeout -k 5 1000 ip netns exec "$LW_CLI_NS" "$LG" --no-huge -m 256 --no-pci \
	--file-prefix "$LG_PREFIX" -l 0 --log-level=lib.eal:warning \
	--vdev "net_af_packet0,iface=$LW_CLI_IF,qpairs=1" -- \
	--clients "$CLIENTS" --rate "$RATE" --window "$WINDOW" --max-secs 300 \
	"${EXTRA[@]}" >"$LW_TMP/loadgen.log" 2>&1
rc=$?
grep -v '^LOADGEN ' "$LW_TMP/loadgen.log" | grep -v '^EAL: \|^TELEMETRY' | sed 's/^/  /'
echo "  server /leasewire/leases: count=$(lw_tel_get /leasewire/leases count)" \
	"bound=$(lw_tel_get /leasewire/leases bound) released=$(lw_tel_get /leasewire/leases released)"
lw_print_stats
lw_daemon_stop >/dev/null || true
grep '^LOADGEN ' "$LW_TMP/loadgen.log"
exit "$rc"
