#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Every leasewire benchmark in one run, figures into one file:
#   bench-results/results-<date>.txt (also printed).
#
#   sudo bash scripts/bench.sh [--clients N] [--repeat K] [--scenario NAME]...
#                              [--loadgen [--loadgen-clients N]]
#                              [--vs-kea [--kea-rates "250 500 ..."] [--kea-secs S]]
#                              [--recovery "N ..."] [--no-failover]
#                              [--failover-updates [--fo-bindings N]]
#
#   (always)   tests/bench/leasewire-bench, the in-process pipeline benchmark
#              (release build in build-bench/, one worker, net_null port, the
#              real journal and control thread): every scenario, or the ones
#              given with --scenario, N clients (default 1,000,000).
#   (always, unless --no-failover) leasewire-bench --failover both for the
#              DORA scenarios: standalone and failover NORMAL (split 128, no
#              partner session) side by side: packets/s, leases/s and cycles
#              per answered client (the like-for-like figure, target <= +10 %)
#   --failover-updates  scripts/bench-failover.sh: BNDUPD->BNDACK bindings/s,
#              leasewired -> leasewired (fsync, none) and -> ISC dhcpd
#              (--fo-bindings N, default 200,000)
#   --loadgen  scripts/loadgen.sh: lw_loadgen (DPDK) against leasewired on the
#              veth lab: DORA + renew + release for --loadgen-clients (20,000)
#   --vs-kea   scripts/bench-vs-kea.sh: perfdhcp against leasewired and Kea
#   --recovery scripts/bench-recovery.sh: leasewired's recovery time and memory
#              per lease for stores of N leases (e.g. "1000000 10000000")
#
# The file starts with the machine (CPU model, cores, kernel, DPDK, compiler,
# git commit) so figures from different runs can be compared. Speed is
# printed, never asserted; the exit status is non-zero only if a benchmark
# could not run. Runs as root (hugepages are not needed: --no-huge).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
ROOT=$PWD

CLIENTS=1000000
REPEAT=1
SCEN=()
DO_LG=0; LG_CLIENTS=20000
DO_KEA=0; KEA_ARGS=()
RECOVERY_SIZES=
DO_FO=1; DO_FO_UPD=0; FO_BINDINGS=200000
while [ $# -gt 0 ]; do
	case "$1" in
	--clients) CLIENTS=$2; shift 2 ;;
	--repeat) REPEAT=$2; shift 2 ;;
	--scenario) SCEN+=(--scenario "$2"); shift 2 ;;
	--loadgen) DO_LG=1; shift ;;
	--loadgen-clients) DO_LG=1; LG_CLIENTS=$2; shift 2 ;;
	--vs-kea) DO_KEA=1; shift ;;
	--recovery) RECOVERY_SIZES=$2; shift 2 ;;
	--no-failover) DO_FO=0; shift ;;
	--failover-updates) DO_FO_UPD=1; shift ;;
	--fo-bindings) DO_FO_UPD=1; FO_BINDINGS=$2; shift 2 ;;
	--kea-rates) DO_KEA=1; KEA_ARGS+=(--rates "$2"); shift 2 ;;
	--kea-secs) DO_KEA=1; KEA_ARGS+=(--secs "$2"); shift 2 ;;
	-h|--help) sed -n '3,32p' "$0"; exit 0 ;;
	*) echo "bench.sh: unknown argument $1" >&2; exit 2 ;;
	esac
done
if [ "$(id -u)" -ne 0 ]; then
	echo "bench.sh: needs root" >&2
	exit 1
fi

bash scripts/install-deps.sh >/dev/null || exit 1
export LW_BUILD=${LW_BUILD:-$ROOT/build-bench}
if [ ! -f "$LW_BUILD/build.ninja" ]; then
	CC=${CC:-gcc} meson setup "$LW_BUILD" --buildtype=release >/dev/null || exit 1
fi
if ! ninja -C "$LW_BUILD" >"$LW_BUILD/bench-build.log" 2>&1; then
	# Someone else's change may be half-way: older binaries still measure.
	echo "bench.sh: build failed (tail of $LW_BUILD/bench-build.log below); using existing binaries"
	grep -m3 error "$LW_BUILD/bench-build.log"
fi
BENCH=$LW_BUILD/tests/bench/leasewire-bench
[ -x "$BENCH" ] || { echo "bench.sh: no $BENCH" >&2; exit 1; }

mkdir -p bench-results
OUT=bench-results/results-$(date +%Y%m%d-%H%M%S).txt
exec > >(tee "$OUT") 2>&1
status=0

echo "== leasewire benchmarks, $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
echo "machine: $(lscpu | sed -n 's/^Model name: *//p' | head -n1)"
echo "cpus: $(nproc) online ($(lscpu | sed -n 's/^Socket(s): *//p') socket(s)," \
	"$(lscpu | sed -n 's/^Core(s) per socket: *//p') core(s)/socket," \
	"$(lscpu | sed -n 's/^Thread(s) per core: *//p') thread(s)/core)," \
	"$(free -g | awk '/^Mem:/ {print $2}') GiB RAM"
echo "kernel: $(uname -sr)"
echo "dpdk: $(pkg-config --modversion libdpdk 2>/dev/null || echo '?')"
echo "compiler: $(${CC:-gcc} --version | head -n1), build $LW_BUILD ($(sed -n 's/^buildtype *= *//p' "$LW_BUILD/meson-private/cmd_line.txt" 2>/dev/null || echo '?'))"
echo "commit: $(git rev-parse --short HEAD 2>/dev/null)$(git diff --quiet 2>/dev/null || echo ' (+ uncommitted changes)')"
echo "load: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine skews every figure)"

echo
echo "== pipeline benchmark: leasewire-bench --clients $CLIENTS --repeat $REPEAT ${SCEN[*]}"
PREFIX=lwbench$$
rc=0
timeout -k 10 3600 "$BENCH" --no-huge -m 4096 --no-pci --file-prefix "$PREFIX" -l 0-1 \
	--vdev net_null0 --log-level=lib.eal:warning -- \
	--clients "$CLIENTS" --repeat "$REPEAT" "${SCEN[@]}" 2>&1 | grep -v '^EAL: \|^TELEMETRY' ||
	rc=$?
rm -rf "/var/run/dpdk/$PREFIX"
[ "$rc" -eq 0 ] || { echo "leasewire-bench: exit status $rc"; status=1; }

if [ "$DO_FO" = 1 ]; then
	echo
	echo "== pipeline benchmark, failover NORMAL vs standalone:" \
		"leasewire-bench --failover both --scenario dora_none --scenario dora_fsync --clients $CLIENTS"
	PREFIX=lwbenchfo$$
	rc=0
	timeout -k 10 3600 "$BENCH" --no-huge -m 4096 --no-pci --file-prefix "$PREFIX" -l 0-1 \
		--vdev net_null0 --log-level=lib.eal:warning -- --failover both \
		--scenario dora_none --scenario dora_fsync --clients "$CLIENTS" --repeat "$REPEAT" 2>&1 |
		grep -v '^EAL: \|^TELEMETRY' || rc=$?
	rm -rf "/var/run/dpdk/$PREFIX"
	[ "$rc" -eq 0 ] || { echo "leasewire-bench --failover both: exit status $rc"; status=1; }
fi
if [ "$DO_FO_UPD" = 1 ]; then
	echo
	echo "== failover binding updates: scripts/bench-failover.sh --bindings $FO_BINDINGS"
	LW_BUILD=$LW_BUILD bash scripts/bench-failover.sh --bindings "$FO_BINDINGS" 2>&1 || status=1
fi
if [ "$DO_LG" = 1 ]; then
	echo
	echo "== end-to-end: scripts/loadgen.sh --clients $LG_CLIENTS"
	bash scripts/loadgen.sh --clients "$LG_CLIENTS" 2>&1 | grep -v '^install-deps' || status=1
fi
if [ "$DO_KEA" = 1 ]; then
	echo
	echo "== leasewired vs Kea: scripts/bench-vs-kea.sh ${KEA_ARGS[*]}"
	bash scripts/bench-vs-kea.sh "${KEA_ARGS[@]}" 2>&1 | grep -v '^install-deps\|^== ' || status=1
fi
if [ -n "$RECOVERY_SIZES" ]; then
	echo
	echo "== recovery: scripts/bench-recovery.sh $RECOVERY_SIZES"
	# shellcheck disable=SC2086
	LW_BENCH_BUILD=$LW_BUILD bash scripts/bench-recovery.sh $RECOVERY_SIZES 2>&1 || status=1
fi
echo
echo "bench.sh: figures written to $OUT"
exit $status
