#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# leasewired vs ISC Kea (kea-dhcp4 2.2, Debian) on the same veth lab, driven
# by the same ISC perfdhcp 4-way (DORA) load at increasing rates.
#
#   sudo bash scripts/bench-vs-kea.sh [--rates "250 500 1000 2000 4000 8000"]
#                                     [--secs 10] [--servers "leasewired kea"]
#                                     [--durability fsync|write|none]
#
# Each server in turn, each rate step on a freshly started server (empty
# lease store, so a step never runs out of pool):
#   leasewired  build-bench/dataplane/leasewired (release build, built here
#               if missing), net_af_packet on the server veth, one worker
#               (-l 0-1), lease-store durability fsync (the default: an ACK
#               leaves only after fdatasync of its journal record)
#   kea         kea-dhcp4 on the same veth as a kernel interface with
#               10.77.0.1/16, memfile lease backend, persist true, lease file
#               in the temp dir (Kea appends each lease with write(2), no
#               fsync), Kea's defaults otherwise (2.2: single-threaded)
# perfdhcp runs in the client namespace with 10.77.0.2/16 (it always acts as
# a relay: giaddr 10.77.0.2, replies to port 67), broadcasting on the client
# veth: perfdhcp -4 -l <veth> -r RATE -p SECS -R <distinct clients>.
#
# Per step it prints the achieved rate (ACKs received / SECS: completed
# 4-way exchanges per second), DISCOVERs sent, ACKs received, failed
# exchanges (% of DISCOVERs without an ACK) and the CPU% (utime+stime from /proc over
# the step) of the server (leasewired: whole process, its poll-mode worker
# thread, and the rest) and of perfdhcp itself. A step passes with < 1 %
# failed exchanges. For each server it prints the highest rate that passed
# and the ratio leasewired/Kea, twice: as perfdhcp sees it, and as the
# server sees it, where a reply the server did send but the client
# namespace's kernel dropped because perfdhcp's socket receive buffer was
# full (/proc/net/snmp Udp RcvbufErrors, column "rcvbuf") is not counted as
# a failed exchange. leasewired answers in bursts (a TX burst per poll,
# parked ACKs one group commit at a time) aimed at perfdhcp's one socket (a
# real network spreads them over many clients and relays); the
# fdatasync latency of the lease store's filesystem is measured and printed
# first, and per step leasewired's tx_ack, drop_ack_not_durable and journal
# commits. When perfdhcp could not send at the rate it
# was asked for (DISCOVERs sent / SECS < 90 % of the target with < 1 % failures), the
# generator is the limit, not the server, and the output says so: then the
# ratio is a lower bound; leasewired's headroom shows in its control-thread
# CPU% and in scripts/loadgen.sh (DPDK load generator, no kernel socket).
# A leasewired worker polls, so its thread is at ~100 % CPU whatever the load.
#
# The machine's load average is printed before and after: on a shared box
# (other poll-mode daemons pinned to the same cores) every figure is skewed.
# Last line: "BENCH_VS_KEA key=value ...". Speed is printed, never asserted.
# Runs as root; everything happens in two namespaces it creates; it stops
# only the processes it started (by PID, bounded waits); LW_KEEP=1 keeps the
# logs.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
ROOT=$PWD

RATES="250 500 1000 2000 4000 8000"
SECS=10
SERVERS="leasewired kea"
DURABILITY=fsync
while [ $# -gt 0 ]; do
	case "$1" in
	--rates) RATES=$2; shift 2 ;;
	--secs) SECS=$2; shift 2 ;;
	--servers) SERVERS=$2; shift 2 ;;
	--durability) DURABILITY=$2; shift 2 ;;
	-h|--help) sed -n '3,40p' "$0"; exit 0 ;;
	*) echo "bench-vs-kea: unknown argument $1" >&2; exit 2 ;;
	esac
done
if [ "$(id -u)" -ne 0 ]; then
	echo "bench-vs-kea: needs root (network namespaces)" >&2
	exit 1
fi

echo "== dependencies"
bash scripts/install-deps.sh || exit 1
command -v kea-dhcp4 >/dev/null || { echo "bench-vs-kea: kea-dhcp4 missing" >&2; exit 1; }
export LW_BUILD=${LW_BUILD:-$ROOT/build-bench}
if [[ " $SERVERS " == *" leasewired "* ]]; then
	echo "== build ($LW_BUILD, release)"
	if [ ! -f "$LW_BUILD/build.ninja" ]; then
		CC=${CC:-gcc} meson setup "$LW_BUILD" --buildtype=release >/dev/null || exit 1
	fi
	if ! ninja -C "$LW_BUILD" dataplane/leasewired >"${TMPDIR:-/tmp}/bvk-build.$$.log" 2>&1; then
		# Another change in the tree may be half-way; an older binary still measures.
		[ -x "$LW_BUILD/dataplane/leasewired" ] || { cat "${TMPDIR:-/tmp}/bvk-build.$$.log"; exit 1; }
		echo "   build failed (see below); using the existing $LW_BUILD/dataplane/leasewired"
		grep -m3 'error' "${TMPDIR:-/tmp}/bvk-build.$$.log" | sed 's/^/   /'
	fi
	rm -f "${TMPDIR:-/tmp}/bvk-build.$$.log"
fi

. tests/integration/lib.sh
lw_init bvk
lab_up "$LW_ID" --relay || lw_fatal "lab up"
CLK_TCK=$(getconf CLK_TCK)
KEA_PID=

# Kea: stopped by our EXIT trap too (lw_cleanup kills LW_PIDS).
kea_stop() {
	[ -n "$KEA_PID" ] || return 0
	lw_stop_pid "$KEA_PID" TERM 10 || true
	KEA_PID=
}

# cpu_ticks <pid> [thread-name-regex]: utime+stime of a process (or of its
# threads whose comm matches), in clock ticks.
cpu_ticks() {
	local pid=$1 re=${2:-} t sum=0 comm rest
	if [ -z "$re" ]; then
		read -r rest <"/proc/$pid/stat" 2>/dev/null || { echo 0; return; }
		rest=${rest##*) }
		# shellcheck disable=SC2086
		set -- $rest
		echo $((${12} + ${13}))
		return
	fi
	for t in /proc/"$pid"/task/*; do
		comm=$(cat "$t/comm" 2>/dev/null) || continue
		[[ "$comm" =~ $re ]] || continue
		read -r rest <"$t/stat" 2>/dev/null || continue
		rest=${rest##*) }
		# shellcheck disable=SC2086
		set -- $rest
		sum=$((sum + ${12} + ${13}))
	done
	echo "$sum"
}

# Datagrams the client namespace's kernel dropped because a socket's
# receive buffer was full (/proc/net/snmp Udp RcvbufErrors): replies the
# server sent that perfdhcp never read.
rcvbuf_errors() {
	ip netns exec "$LW_CLI_NS" awk '/^Udp:/ {
		if (!h) { for (i = 1; i <= NF; i++) k[i] = $i; h = 1; next }
		for (i = 1; i <= NF; i++) if (k[i] == "RcvbufErrors") print $i }' /proc/net/snmp
}

pct() { awk -v t="$1" -v hz="$CLK_TCK" -v s="$2" 'BEGIN { printf "%.0f", (s > 0) ? 100 * t / hz / s : 0 }'; }

SUBNET='{"id": 1, "subnet": "10.77.0.0/16", "interface": "port0",
  "pools": [{"pool": "10.77.1.0 - 10.77.254.255"}],
  "option-data": [{"name": "routers", "data": "10.77.0.1"},
                  {"name": "domain-name-servers", "data": "10.77.0.1"}]}'

server_start() {
	local srv=$1 step=$2
	case "$srv" in
	leasewired)
		ip -n "$LW_SRV_NS" addr flush dev "$LW_SRV_IF"
		LW_LEASE_DIR=$LW_TMP/lw-leases-$step lw_config_write "$LW_TMP/lw-$step.json" "[$SUBNET]"
		sed -i "s/\"durability\": \"fsync\"/\"durability\": \"$DURABILITY\"/" "$LW_TMP/lw-$step.json"
		lw_daemon_start --config "$LW_TMP/lw-$step.json" >/dev/null || return 1
		SRV_PID=$LW_DAEMON_PID
		;;
	kea)
		ip -n "$LW_SRV_NS" addr replace 10.77.0.1/16 dev "$LW_SRV_IF"
		local dir=$LW_TMP/kea-$step
		mkdir -p "$dir"
		cat >"$dir/kea-dhcp4.conf" <<-EOF
		{"Dhcp4": {
		  "interfaces-config": {"interfaces": ["$LW_SRV_IF"], "dhcp-socket-type": "raw"},
		  "lease-database": {"type": "memfile", "persist": true,
		                     "name": "$dir/kea-leases4.csv", "lfc-interval": 0},
		  "valid-lifetime": 3600, "renew-timer": 900, "rebind-timer": 1800,
		  "authoritative": true,
		  "subnet4": [{"id": 1, "subnet": "10.77.0.0/16",
		    "pools": [{"pool": "10.77.1.0 - 10.77.254.255"}],
		    "option-data": [{"name": "routers", "data": "10.77.0.1"},
		                    {"name": "domain-name-servers", "data": "10.77.0.1"}]}],
		  "loggers": [{"name": "kea-dhcp4", "severity": "WARN",
		               "output_options": [{"output": "$dir/kea.log"}]}]
		}}
		EOF
		# Pid and lock files in our temp dir, never the host's /run/kea.
		KEA_PIDFILE_DIR=$dir KEA_LOCKFILE_DIR=$dir \
			lw_bg "$dir/kea.out" ip netns exec "$LW_SRV_NS" kea-dhcp4 -c "$dir/kea-dhcp4.conf"
		KEA_PID=$LW_LAST_PID
		SRV_PID=$KEA_PID
		local i
		for ((i = 0; i < 100; i++)); do
			if ip netns exec "$LW_SRV_NS" ss -lunp 2>/dev/null | grep -q "pid=$KEA_PID,"; then
				sleep 0.5
				return 0
			fi
			kill -0 "$KEA_PID" 2>/dev/null || break
			sleep 0.1
		done
		echo "kea-dhcp4 did not come up:"; tail -n 20 "$dir/kea.out" "$dir/kea.log" 2>/dev/null
		return 1
		;;
	esac
}

server_stop() {
	case "$1" in
	leasewired) lw_daemon_stop >/dev/null 2>&1 || true ;;
	kea) kea_stop ;;
	esac
}

# The disk decides what durability fsync costs: measure fdatasync where the
# lease stores live (20 appends of 128 bytes, each followed by fdatasync).
FSYNC=$(timeout 60 "$LW_PY" - "$LW_TMP" <<-'EOF'
	import os, sys, time
	p = os.path.join(sys.argv[1], "fsync-probe")
	fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
	t = []
	for _ in range(20):
	    os.write(fd, b"x" * 128)
	    t0 = time.perf_counter()
	    os.fdatasync(fd)
	    t.append(time.perf_counter() - t0)
	os.close(fd)
	os.unlink(p)
	t.sort()
	print(f"{t[len(t) // 2] * 1e3:.2f} {t[-1] * 1e3:.2f}")
	EOF
)
FSYNC_P50=${FSYNC%% *}; FSYNC_MAX=${FSYNC##* }
echo "fdatasync on the lease store's filesystem ($(df --output=fstype "$LW_TMP" | tail -n1)):" \
	"p50 ${FSYNC_P50:-?} ms, max ${FSYNC_MAX:-?} ms (leasewired durability $DURABILITY;" \
	"Kea memfile persist writes each lease with write(2), no fsync)"

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"
declare -A MAX MAXT LIMITED SMAX SMAXT TOP
RESULTS=()
printf '\n%-10s %6s %8s %8s %8s %6s %6s %8s %7s %6s %9s %7s %7s %s\n' server target achieved \
	discover acks fail% rcvbuf srvfail% srvrate srvCPU workerCPU restCPU perfCPU note
for srv in $SERVERS; do
	MAX[$srv]=0; MAXT[$srv]=0; LIMITED[$srv]=0; SMAX[$srv]=0
	step=0
	for rate in $RATES; do
		step=$((step + 1))
		tag=$srv-$rate
		if ! server_start "$srv" "$step"; then
			echo "$srv: did not start"; server_stop "$srv"; break
		fi
		clients=$((rate * SECS + 1000))
		[ "$clients" -gt 64000 ] && clients=64000
		log=$LW_TMP/perfdhcp-$tag.log
		c0=$(cpu_ticks "$SRV_PID"); w0=0
		[ "$srv" = leasewired ] && w0=$(cpu_ticks "$SRV_PID" '^(lcore|rte)-worker')
		r0=$(rcvbuf_errors)
		t0=$(date +%s%N)
		# perfdhcp's own CPU: bash's time keyword (children's rusage).
		TIMEFORMAT='%U %S %R'
		ptimes=$({ time timeout -k 5 $((SECS + 60)) ip netns exec "$LW_CLI_NS" \
			perfdhcp -4 -l "$LW_CLI_IF" -r "$rate" -p "$SECS" -R "$clients" -d 2 \
			-W 2000000 -b "mac=00:0c:$(printf %02x "$step"):00:00:00" >"$log" 2>&1; } 2>&1)
		t1=$(date +%s%N)
		rcvbuf=$(($(rcvbuf_errors) - r0))
		c1=$(cpu_ticks "$SRV_PID"); w1=0
		[ "$srv" = leasewired ] && w1=$(cpu_ticks "$SRV_PID" '^(lcore|rte)-worker')
		wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
		lwinfo=
		if [ "$srv" = leasewired ]; then
			# Why ACKs were late or missing: the journal's commits.
			lwinfo="tx_ack=$(lw_stat tx_ack) ack_not_durable=$(lw_stat drop_ack_not_durable)"
			lwinfo+=" commits=$(lw_stat journal_commits)"
			lwinfo+=" last_commit_ms=$(($(lw_stat journal_last_commit_ns) / 1000000))"
		fi
		server_stop "$srv"

		sent=$(lw_perf_field "$log" DISCOVER-OFFER "sent packets"); sent=${sent:-0}
		acks=$(lw_perf_field "$log" REQUEST-ACK "received packets"); acks=${acks:-0}
		# perfdhcp's own "Rate:" divides by the run including its exit wait
		# (-W); the sending period is SECS, so: completed exchanges / SECS.
		achieved=$(awk -v a="$acks" -v p="$SECS" 'BEGIN { printf "%.0f", a / p }')
		offered=$(awk -v a="$sent" -v p="$SECS" 'BEGIN { printf "%.0f", a / p }')
		fail=$(awk -v s="$sent" -v a="$acks" 'BEGIN { printf "%.2f", (s > 0) ? 100 * (s - a) / s : 100 }')
		srv_cpu=$(pct $((c1 - c0)) "$wall")
		if [ "$srv" = leasewired ]; then
			wk_cpu=$(pct $((w1 - w0)) "$wall")
			rest_cpu=$(pct $((c1 - c0 - w1 + w0)) "$wall")
		else
			wk_cpu=-; rest_cpu=-
		fi
		perf_cpu=$(awk -v t="$ptimes" 'BEGIN { split(t, f, " "); printf "%.0f", (f[3] > 0) ? 100 * (f[1] + f[2]) / f[3] : 0 }')
		ok=$(awk -v f="$fail" -v s="$sent" 'BEGIN { print ((s > 0 && f < 1.0) ? 1 : 0) }')
		# The server's view: an exchange lost only because perfdhcp's socket
		# buffer overflowed is not a server failure.
		# (One dropped reply, OFFER or ACK, loses one exchange.) srvrate:
		# exchanges per second the server answered in full.
		sfail=$(awk -v s="$sent" -v a="$acks" -v r="$rcvbuf" 'BEGIN {
			f = s - a - r; if (f < 0) f = 0; printf "%.2f", (s > 0) ? 100 * f / s : 100 }')
		srate=$(awk -v s="$sent" -v f="$sfail" -v p="$SECS" 'BEGIN { printf "%.0f", s * (1 - f / 100) / p }')
		sok=$(awk -v f="$sfail" -v s="$sent" 'BEGIN { print ((s > 0 && f < 1.0) ? 1 : 0) }')
		if [ "$sok" = 1 ] && awk -v a="$srate" -v m="${SMAX[$srv]}" 'BEGIN { exit !(a > m) }'; then
			SMAX[$srv]=$srate; SMAXT[$srv]=$rate
		fi
		lim=$(awk -v a="$offered" -v r="$rate" 'BEGIN { print ((a < 0.9 * r) ? 1 : 0) }')
		note=
		if [ "$ok" = 1 ]; then
			note=pass
			if awk -v a="$achieved" -v m="${MAX[$srv]}" 'BEGIN { exit !(a > m) }'; then
				MAX[$srv]=$achieved; MAXT[$srv]=$rate
			fi
		elif [ "$sok" = 1 ]; then
			note="FAIL for perfdhcp, pass for the server (< 1% without rcvbuf drops)"
		else
			note="FAIL (>= 1% failed exchanges)"
		fi
		if [ "$lim" = 1 ]; then
			note+=", perfdhcp-limited (sent $offered/s < 90% of target)"
			[ "$sok" = 1 ] && LIMITED[$srv]=1
		fi
		[ -n "$lwinfo" ] && note+="; $lwinfo"
		printf '%-10s %6s %8s %8s %8s %6s %6s %8s %7s %6s %9s %7s %7s %s\n' "$srv" "$rate" "$achieved" \
			"$sent" "$acks" "$fail" "$rcvbuf" "$sfail" "$srate" "$srv_cpu%" "$wk_cpu%" "$rest_cpu%" "$perf_cpu%" "$note"
		RESULTS+=("${srv}_${rate}=${achieved}/${fail}%/rcvbuf${rcvbuf}/srv${srate}/cpu${srv_cpu}")
		# Two failing steps in a row (even counting perfdhcp's own socket
		# drops as delivered): faster steps only fail harder. One failure
		# alone may be noise on a shared machine.
		TOP[$srv]=$sok # the last step run passed (server's view)
		if [ "$sok" = 1 ]; then
			NFAIL=0
		else
			NFAIL=$((${NFAIL:-0} + 1))
			[ "$NFAIL" -ge 2 ] && break
		fi
		# Generator saturated twice in a row: faster steps measure perfdhcp.
		if [ "$lim" = 1 ] && [ "${PREV_LIM:-0}" = 1 ]; then
			echo "$srv: perfdhcp could not reach the last two target rates; stopping here"
			PREV_LIM=0
			break
		fi
		PREV_LIM=$lim
	done
	PREV_LIM=0; NFAIL=0
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"

echo
lw_max=${MAX[leasewired]:-0}; kea_max=${MAX[kea]:-0}
for srv in $SERVERS; do
	echo "$srv: highest rate with < 1% failed exchanges (perfdhcp's view):" \
		"${MAX[$srv]} 4-way exchanges/s (step ${MAXT[$srv]}/s)"
done
ratio=$(awk -v l="$lw_max" -v k="$kea_max" 'BEGIN { if (k > 0) printf "%.2f", l / k; else print "n/a" }')
lw_smax=${SMAX[leasewired]:-0}; kea_smax=${SMAX[kea]:-0}
sratio=$(awk -v l="$lw_smax" -v k="$kea_smax" 'BEGIN { if (k > 0) printf "%.2f", l / k; else print "n/a" }')
for srv in $SERVERS; do
	echo "$srv: highest rate with < 1% failed exchanges not counting replies dropped by" \
		"perfdhcp's own socket buffer (rcvbuf): ${SMAX[$srv]} 4-way exchanges/s (srvrate)" \
		"$([ "${LIMITED[$srv]}" = 1 ] && echo '- perfdhcp-limited: the server was not saturated')"
done
bound=
TOPRATE=${RATES##* }
for srv in $SERVERS; do
	if [ "${TOP[$srv]:-0}" = 1 ] && [ "${SMAXT[$srv]:-}" = "$TOPRATE" ]; then
		echo "note: $srv passed the highest step ($TOPRATE/s): its limit is above that;" \
			"add faster --rates to find it"
		[ "$srv" = leasewired ] && bound=">="
	fi
done
if [ "${TOP[leasewired]:-0}" = 1 ] && [ "${SMAXT[leasewired]:-}" = "$TOPRATE" ] &&
   [ "${TOP[kea]:-0}" = 1 ] && [ "${SMAXT[kea]:-}" = "$TOPRATE" ]; then
	echo "note: both servers passed every step: the ratio below says nothing yet"
	bound="inconclusive "
fi
if [ "${LIMITED[leasewired]:-0}" = 1 ]; then
	bound=">="
	echo "note: perfdhcp (one thread, kernel sockets) could not send faster than leasewired"
	echo "      answered: the server's-view ratio is a lower bound. leasewired's headroom: its"
	echo "      control thread and journal (restCPU) stay far below a core, its worker polls"
	echo "      (workerCPU is whatever the shared cores give it), and scripts/loadgen.sh shows"
	echo "      the rate a DPDK client gets from the same daemon on the same lab."
fi
echo "ratio leasewired/kea: $ratio (perfdhcp's view); $bound$sratio (server's view, rcvbuf drops excluded)"
echo "rcvbuf: replies the server sent that the client namespace's kernel dropped because"
echo "        perfdhcp's socket receive buffer was full (Udp RcvbufErrors). leasewired"
echo "        answers in bursts (one TX burst per poll, parked ACKs one group commit at a"
echo "        time, so a slow fdatasync makes a big one) that overflow perfdhcp's default"
echo "        receive buffer; Kea answers one datagram at a time."
echo "BENCH_VS_KEA leasewired_max=$lw_max kea_max=$kea_max ratio=$ratio" \
	"leasewired_max_server=$lw_smax kea_max_server=$kea_smax ratio_server=$sratio" \
	"leasewired_perfdhcp_limited=${LIMITED[leasewired]:-0} kea_perfdhcp_limited=${LIMITED[kea]:-0}" \
	"ratio_is_lower_bound=$([ "$bound" = ">=" ] && echo 1 || echo 0)" \
	"secs=$SECS durability=$DURABILITY fdatasync_p50_ms=${FSYNC_P50:-} kea_backend=memfile-persist ${RESULTS[*]}"
exit 0
