# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
#
# Shared helpers for the integration tests: lab namespaces, the real daemon
# (start / wait ready / stop), telemetry, captures and assertions.
#
# A test does:
#   . "$(dirname "$0")/lib.sh"
#   lw_init xid                 # unique id, temp dir, EXIT trap
#   lab_up "$LW_ID" [--relay]
#   lw_daemon_start --lab       # or: lw_daemon_start --config FILE
#   ... lw_check COND "what" ...
#   lw_finish                   # exit 0 iff every check passed
#
# More than one daemon (a failover pair): lw_daemon_ctx NAME NS IFACE makes
# a daemon context and switches to it; lw_daemon_start/stop/kill9 and
# lw_tel* then act on NAME's daemon (its namespace, interface, log, PID and
# DPDK prefix) until the next lw_daemon_ctx. Cleanup stops every context's
# daemon. The first context, "main", is the lab's server namespace and
# $LW_TMP/daemon.log.
#
# Environment:
#   LW_BUILD    build dir holding dataplane/leasewired (default <repo>/build)
#   LW_KEEP=1   keep the temp dir (logs, pcaps) after the run
#   LW_READY_SECS  how long to wait for "leasewired: ready" (default 90)
#
# Rules kept here: traffic only inside the namespaces this test makes; every
# wait is bounded; cleanup (EXIT trap) stops only processes this test started,
# by PID, removes its namespaces, its DPDK runtime dir and its temp dir.

LW_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
LW_BUILD=${LW_BUILD:-$LW_ROOT/build}
LW_DAEMON=${LW_DAEMON:-$LW_BUILD/dataplane/leasewired}
# Debian's interpreter: scapy comes from python3-scapy, which a pyenv or venv
# python earlier in PATH would not see.
LW_PY=${LW_PY:-/usr/bin/python3}
LW_TELEMETRY="$LW_ROOT/scripts/lw_telemetry.py"
LW_READY_SECS=${LW_READY_SECS:-90}

# shellcheck source=../../scripts/lab.sh
. "$LW_ROOT/scripts/lab.sh"

LW_FAILS=0
LW_PASSES=0
LW_PIDS=()          # background processes we started (killed on cleanup)
LW_PREFIXES=()      # DPDK file prefixes we used (runtime dirs removed)
LW_DAEMON_PID=
LW_PREFIX=
# Daemon contexts (lw_daemon_ctx): the variables each daemon has its own of,
# saved as LW_CTX_SAVE[<name>.<var>] while another context is current.
LW_CTX_VARS=(LW_DAEMON_PID LW_PREFIX LW_DAEMON_LOG LW_SRV_NS LW_SRV_IF LW_READY_MS)
LW_CTX=main
LW_CTX_NAMES=(main)
declare -gA LW_CTX_SAVE=()

lw_log() { printf '[%s %s] %s\n' "$LW_NAME" "$(date +%T)" "$*"; }

# lw_init <short-name>: LW_ID (unique per run), LW_TMP, traps.
lw_init() {
	LW_NAME=$1
	# id: name initial(s) + pid, [a-z0-9], <= 10 chars (interface names <= 15).
	LW_ID="$(printf '%s' "$1" | tr -cd 'a-z0-9' | cut -c1-3)$$"
	LW_TMP=$(mktemp -d "/tmp/lw-$1.XXXXXX")
	LW_SRV_NS=$(lab_srv_ns "$LW_ID"); LW_CLI_NS=$(lab_cli_ns "$LW_ID")
	LW_SRV_IF=$(lab_srv_if "$LW_ID"); LW_CLI_IF=$(lab_cli_if "$LW_ID")
	LW_DAEMON_LOG=$LW_TMP/daemon.log
	trap lw_cleanup EXIT
	trap 'lw_log "interrupted"; exit 130' INT
	trap 'lw_log "terminated"; exit 143' TERM
	if [ "$(id -u)" -ne 0 ]; then
		echo "$LW_NAME: needs root (network namespaces)" >&2
		exit 1
	fi
	lw_log "id=$LW_ID tmp=$LW_TMP daemon=$LW_DAEMON"
}

lw_cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	local p name
	if [ -n "$LW_DAEMON_PID" ]; then
		lw_daemon_stop >/dev/null 2>&1 || true
	fi
	for name in "${LW_CTX_NAMES[@]}"; do
		[ "$name" = "$LW_CTX" ] && continue
		p=${LW_CTX_SAVE[$name.LW_DAEMON_PID]:-}
		[ -n "$p" ] && { lw_stop_pid "$p" TERM 20 >/dev/null 2>&1 || true; }
	done
	for p in "${LW_PIDS[@]}"; do
		kill -TERM "$p" 2>/dev/null || true
	done
	for p in "${LW_PIDS[@]}"; do
		lw_wait_pid "$p" 5 || kill -KILL "$p" 2>/dev/null || true
	done
	lab_down "$LW_ID" >/dev/null 2>&1 || true
	for p in "${LW_PREFIXES[@]}"; do
		[ -n "$p" ] && rm -rf "/var/run/dpdk/$p"
	done
	if [ "$rc" -ne 0 ] || [ "$LW_FAILS" -ne 0 ]; then
		for p in "$LW_TMP"/daemon*.log; do
			[ -f "$p" ] || continue
			echo "---- last 40 lines of $p"
			tail -n 40 "$p"
		done
	fi
	if [ "${LW_KEEP:-0}" = 1 ]; then
		echo "$LW_NAME: kept $LW_TMP"
	else
		rm -rf "$LW_TMP"
	fi
	exit "$rc"
}

# lw_wait_pid <pid> <secs>: 0 once pid has exited, 1 on timeout.
lw_wait_pid() {
	local pid=$1 secs=$2 i
	for ((i = 0; i < secs * 10; i++)); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	return 1
}

# lw_bg <logfile> <cmd...>: start cmd in the background, remember its PID in
# LW_LAST_PID and LW_PIDS (for cleanup).
lw_bg() {
	local log=$1; shift
	"$@" >"$log" 2>&1 &
	LW_LAST_PID=$!
	LW_PIDS+=("$LW_LAST_PID")
}

# lw_wait_until <secs> <command...>: run command every 0.2 s until it
# succeeds (0) or secs have passed (1).
lw_wait_until() {
	local secs=$1 i
	shift
	for ((i = 0; i < secs * 5; i++)); do
		"$@" && return 0
		sleep 0.2
	done
	return 1
}

# lw_stop_pid <pid> [signal] [secs]: signal one of our PIDs, wait (bounded),
# SIGKILL it if it lingers. Returns the process's exit status when it is our
# child.
lw_stop_pid() {
	local pid=$1 sig=${2:-TERM} secs=${3:-10}
	kill -"$sig" "$pid" 2>/dev/null || true
	if ! lw_wait_pid "$pid" "$secs"; then
		lw_log "pid $pid ignored SIG$sig for ${secs}s: SIGKILL"
		kill -KILL "$pid" 2>/dev/null || true
	fi
	local rc=0
	wait "$pid" 2>/dev/null || rc=$?
	return $rc
}

# ---------------------------------------------------------------- assertions

# lw_check <description> <command...>: run command; PASS if it exits 0.
lw_check() {
	local what=$1; shift
	if "$@"; then
		LW_PASSES=$((LW_PASSES + 1))
		echo "  PASS: $what"
	else
		LW_FAILS=$((LW_FAILS + 1))
		echo "  FAIL: $what"
	fi
}

# lw_check_eq <description> <expected> <actual>
lw_check_eq() {
	if [ "$2" = "$3" ]; then
		LW_PASSES=$((LW_PASSES + 1))
		echo "  PASS: $1 (= $3)"
	else
		LW_FAILS=$((LW_FAILS + 1))
		echo "  FAIL: $1: expected '$2', got '$3'"
	fi
}

# lw_check_ge <description> <minimum> <actual> (integers)
lw_check_ge() {
	if [[ "$3" =~ ^-?[0-9]+$ ]] && [ "$3" -ge "$2" ]; then
		LW_PASSES=$((LW_PASSES + 1))
		echo "  PASS: $1 ($3 >= $2)"
	else
		LW_FAILS=$((LW_FAILS + 1))
		echo "  FAIL: $1: expected >= $2, got '$3'"
	fi
}

# lw_fatal <msg>: a precondition failed; the rest of the test is meaningless.
lw_fatal() {
	LW_FAILS=$((LW_FAILS + 1))
	echo "  FAIL: $*"
	echo "$LW_NAME: FAILED ($LW_PASSES passed, $LW_FAILS failed)"
	exit 1
}

lw_finish() {
	if [ "$LW_FAILS" -eq 0 ] && [ "$LW_PASSES" -gt 0 ]; then
		echo "$LW_NAME: PASSED ($LW_PASSES checks)"
		exit 0
	fi
	echo "$LW_NAME: FAILED ($LW_PASSES passed, $LW_FAILS failed)"
	exit 1
}

# ---------------------------------------------------------------- daemon

# lw_config_write <file> <subnets-json> [valid renew rebind] [iface-addr]
# Writes a Kea-shaped config whose lease store is in LW_TMP/leases unless
# LW_LEASE_DIR is set.
lw_config_write() {
	local file=$1 subnets=$2 valid=${3:-3600} renew=${4:-900} rebind=${5:-1800}
	local addr=${6:-10.77.0.1/16}
	local dir=${LW_LEASE_DIR:-$LW_TMP/leases}
	mkdir -p "$dir"
	cat >"$file" <<-EOF
	{"Dhcp4": {
	  "interfaces-config": {"interfaces": [
	    {"name": "port0", "port": 0, "address": "$addr"}]},
	  "valid-lifetime": $valid, "renew-timer": $renew, "rebind-timer": $rebind,
	  "lease-store": {"directory": "$dir", "durability": "fsync"},
	  "subnet4": $subnets
	}}
	EOF
}

# The subnet directly on port0 (10.77.0.0/16) and, optionally, a relayed one.
LW_SUBNET_DIRECT='{"id": 1, "subnet": "10.77.0.0/16", "interface": "port0",
  "pools": [{"pool": "10.77.1.0 - 10.77.63.255"}],
  "option-data": [{"name": "routers", "data": "10.77.0.1"},
                  {"name": "domain-name-servers", "data": "10.77.0.1"}]}'
LW_SUBNET_RELAY='{"id": 2, "subnet": "10.88.0.0/16",
  "relay": {"ip-addresses": ["10.77.0.2"]},
  "pools": [{"pool": "10.88.1.0 - 10.88.63.255"}],
  "option-data": [{"name": "routers", "data": "10.88.0.1"}]}'

# lw_daemon_ctx <name> [<ns> <iface>]: make <name> the current daemon
# context (created with its namespace and interface the first time; its log
# is $LW_TMP/daemon-<name>.log), saving the current one's variables.
lw_daemon_ctx() {
	local name=$1 v
	for v in "${LW_CTX_VARS[@]}"; do
		LW_CTX_SAVE[$LW_CTX.$v]=${!v-}
	done
	if [ -n "${LW_CTX_SAVE[$name.LW_SRV_NS]+set}" ]; then
		for v in "${LW_CTX_VARS[@]}"; do
			printf -v "$v" '%s' "${LW_CTX_SAVE[$name.$v]}"
		done
	else
		[ $# -eq 3 ] || { echo "lw_daemon_ctx: new context $name needs <ns> <iface>" >&2; return 2; }
		LW_CTX_NAMES+=("$name")
		LW_DAEMON_PID= LW_PREFIX= LW_READY_MS=
		LW_DAEMON_LOG=$LW_TMP/daemon-$name.log
		LW_SRV_NS=$2 LW_SRV_IF=$3
	fi
	LW_CTX=$name
}

# lw_daemon_start <app args...>: start leasewired in the server namespace on
# the lab veth (or on LW_DAEMON_VDEV, a --vdev argument) with a fresh file
# prefix; waits (bounded) for "ready".
# Sets LW_DAEMON_PID, LW_PREFIX, LW_READY_MS. Returns non-zero if it died or
# never became ready.
lw_daemon_start() {
	[ -x "$LW_DAEMON" ] || { echo "no daemon at $LW_DAEMON" >&2; return 1; }
	LW_DAEMON_RUNS=$((${LW_DAEMON_RUNS:-0} + 1))
	LW_PREFIX="lw$LW_ID$LW_DAEMON_RUNS"
	LW_PREFIXES+=("$LW_PREFIX")
	rm -rf "/var/run/dpdk/$LW_PREFIX"
	local log=$LW_DAEMON_LOG
	echo "==== run $LW_DAEMON_RUNS: $*" >>"$log"
	local t0 t1
	t0=$(date +%s%N)
	# ip netns exec execs the daemon: $! is the daemon's own PID.
	ip netns exec "$LW_SRV_NS" "$LW_DAEMON" --no-huge -m 512 --no-pci \
		--file-prefix "$LW_PREFIX" -l 0-1 \
		--vdev "${LW_DAEMON_VDEV:-net_af_packet0,iface=$LW_SRV_IF,qpairs=1}" \
		-- "$@" >>"$log" 2>&1 &
	LW_DAEMON_PID=$!
	local start_line
	start_line=$(wc -l <"$log")
	local i
	for ((i = 0; i < LW_READY_SECS * 10; i++)); do
		if tail -n +"$((start_line + 1))" "$log" | grep -q 'leasewired: ready'; then
			t1=$(date +%s%N)
			LW_READY_MS=$(((t1 - t0) / 1000000))
			lw_log "leasewired pid $LW_DAEMON_PID ready in ${LW_READY_MS} ms (prefix $LW_PREFIX)"
			# The telemetry socket comes up during EAL init; be sure.
			lw_tel_wait 10 || return 1
			return 0
		fi
		if ! kill -0 "$LW_DAEMON_PID" 2>/dev/null; then
			local rc=0
			wait "$LW_DAEMON_PID" || rc=$?
			lw_log "leasewired exited (status $rc) before ready"
			tail -n 30 "$log"
			LW_DAEMON_PID=
			return 1
		fi
		sleep 0.1
	done
	lw_log "leasewired not ready after ${LW_READY_SECS}s"
	tail -n 30 "$log"
	return 1
}

# lw_daemon_stop: SIGTERM (clean stop), bounded wait, SIGKILL as a last
# resort. Returns the daemon's exit status (0 expected on clean stop).
lw_daemon_stop() {
	local pid=$LW_DAEMON_PID rc=0
	[ -n "$pid" ] || return 0
	LW_DAEMON_PID=
	lw_stop_pid "$pid" TERM 20 || rc=$?
	return $rc
}

# lw_daemon_kill9: the crash. Returns once the process is gone.
lw_daemon_kill9() {
	local pid=$LW_DAEMON_PID
	LW_DAEMON_PID=
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

# ---------------------------------------------------------------- telemetry

# lw_tel <command...>: raw JSON replies, one per line.
lw_tel() { timeout 20 "$LW_PY" "$LW_TELEMETRY" "$LW_PREFIX" "$@"; }

lw_tel_wait() {
	timeout $(($1 + 5)) "$LW_PY" "$LW_TELEMETRY" --wait "$1" "$LW_PREFIX" /info >/dev/null
}

# lw_tel_get <command> <key> [<key>...]: one value from a telemetry reply
# ("" if absent). Example: lw_tel_get /leasewire/stats tx_ack
lw_tel_get() {
	local cmd=$1; shift
	lw_tel "$cmd" | "$LW_PY" -c '
import json, sys
d = json.loads(sys.stdin.read())
v = next(iter(d.values())) if isinstance(d, dict) and len(d) == 1 else d
for k in sys.argv[1:]:
    v = v.get(k, "") if isinstance(v, dict) else ""
print(v if not isinstance(v, (dict, list)) else json.dumps(v))
' "$@"
}

lw_stat() { lw_tel_get /leasewire/stats "$1"; }

# lw_lease_field <ip> <field>
lw_lease_field() { lw_tel_get "/leasewire/lease,$1" "$2"; }

# lw_print_stats: non-zero leasewire counters and the port's error
# counters, for the log.
lw_print_stats() {
	lw_tel /leasewire/stats /ethdev/stats,0 | "$LW_PY" -c '
import json, sys
lines = [json.loads(l) for l in sys.stdin if l.strip()]
s = lines[0].get("/leasewire/stats", {}) if lines else {}
print("  stats: " + ", ".join(f"{k}={v}" for k, v in s.items() if v))
if len(lines) > 1:
    e = lines[1].get("/ethdev/stats", {}) or {}
    print("  port0: " + ", ".join(f"{k}={e.get(k)}" for k in
          ("ipackets", "opackets", "imissed", "ierrors", "oerrors", "rx_nombuf")))
'
}

# ---------------------------------------------------------------- capture

# lw_tcpdump_start <ns> <iface> <pcap> [filter...]: tcpdump in ns on iface,
# packet-buffered so a kill leaves a readable file; waits (bounded) until it
# listens. Sets LW_TCPDUMP_PID.
lw_tcpdump_start() {
	local ns=$1 ifc=$2 pcap=$3 i
	shift 3
	# shellcheck disable=SC2068
	lw_bg "$pcap.log" ip netns exec "$ns" tcpdump -i "$ifc" -nn -U -s 0 -w "$pcap" $@
	LW_TCPDUMP_PID=$LW_LAST_PID
	for ((i = 0; i < 50; i++)); do
		grep -q 'listening on' "$pcap.log" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "tcpdump did not start:"; cat "$pcap.log"
	return 1
}

# lw_capture_start <pcap> [filter]: tcpdump on the client veth. Sets LW_CAP_PID.
lw_capture_start() {
	local rc=0
	lw_tcpdump_start "$LW_CLI_NS" "$LW_CLI_IF" "$1" \
		"${2:-udp port 67 or udp port 68 or arp or icmp}" || rc=$?
	LW_CAP_PID=$LW_TCPDUMP_PID
	return $rc
}

lw_capture_stop() {
	sleep 0.5 # let the last replies land
	lw_stop_pid "$LW_CAP_PID" INT 10 || true
}

# lw_tshark <pcap> <args...>: tshark with IP/UDP checksum validation on.
lw_tshark() {
	local pcap=$1; shift
	timeout 120 tshark -n -r "$pcap" -o ip.check_checksum:TRUE \
		-o udp.check_checksum:TRUE "$@" 2>/dev/null
}

# lw_count <pcap> <display filter>: number of matching frames.
lw_count() { lw_tshark "$1" -Y "$2" -T fields -e frame.number | wc -l; }

# lw_check_decode <pcap> <what>: every frame the server sent decodes with no
# malformed packet and no expert error (bad checksums included), and there
# was at least one DHCP reply.
lw_check_decode() {
	local pcap=$1 what=$2 smac
	smac=$(ip -n "$LW_SRV_NS" -br link show "$LW_SRV_IF" | awk '{print $3}')
	local bad replies
	bad=$(lw_tshark "$pcap" -Y "eth.src == $smac && (_ws.malformed || _ws.expert.severity >= \"error\")")
	replies=$(lw_count "$pcap" "eth.src == $smac && dhcp")
	lw_check_ge "$what: server DHCP replies decoded by tshark" 1 "$replies"
	if [ -z "$bad" ]; then
		lw_check "$what: no malformed frame or expert error from the server ($smac)" true
	else
		echo "$bad" | head -n 20
		lw_tshark "$pcap" -Y "eth.src == $smac && (_ws.malformed || _ws.expert.severity >= \"error\")" \
			-T fields -e frame.number -e _ws.expert.message | head -n 10
		lw_check "$what: no malformed frame or expert error from the server ($smac)" false
	fi
}

# ---------------------------------------------------------------- perfdhcp

# lw_perfdhcp <log> <args...>: run perfdhcp in the client ns, bounded.
lw_perfdhcp() {
	local log=$1; shift
	local rc=0
	timeout -k 5 "${LW_PERF_TIMEOUT:-300}" ip netns exec "$LW_CLI_NS" \
		perfdhcp "$@" >"$log" 2>&1 || rc=$?
	return $rc
}

# lw_udp_rcvbuf_errors: the client namespace's UDP RcvbufErrors counter
# (a perfdhcp starved of CPU loses replies in its own socket buffer).
lw_udp_rcvbuf_errors() {
	ip netns exec "$LW_CLI_NS" awk '/^Udp:/ { if (h) { print $6; exit } h = 1 }' /proc/net/snmp
}

# lw_perf_field <log> <section> <field>: from perfdhcp's final report, e.g.
#   lw_perf_field log DISCOVER-OFFER drops
lw_perf_field() {
	awk -v sec="$2" -v fld="$3" '
		/^\*\*\*Statistics for: / { in_sec = index($0, sec) > 0; next }
		in_sec && index($0, fld ": ") == 1 {
			v = substr($0, length(fld) + 3); sub(/ .*/, "", v); val = v }
		END { print val }' "$1"
}

lw_perf_rate() {
	sed -n 's/^Rate: \([0-9.]*\) 4-way exchanges\/second.*/\1/p' "$1" | tail -n1
}

# ---------------------------------------------------------------- dhclient

# lw_dhclient_setup [configure]: write dhclient's own script and config into
# LW_TMP. The script records every call (reason + address) in
# $LW_TMP/dhc.events and the whole environment in $LW_TMP/dhc.env.<n>.<reason>;
# with "configure" it also puts the leased address on the client veth (inside
# the client namespace only) so dhclient can unicast its RENEW. It never
# touches resolv.conf, routes or anything outside the namespace.
lw_dhclient_setup() {
	local configure=0
	[ "${1:-}" = configure ] && configure=1
	LW_DHC_SCRIPT=$LW_TMP/dhclient-script
	LW_DHC_CONF=$LW_TMP/dhclient.conf
	LW_DHC_LEASES=$LW_TMP/dhclient.leases
	LW_DHC_PIDF=$LW_TMP/dhclient.pid
	LW_DHC_EVENTS=$LW_TMP/dhc.events
	: >"$LW_DHC_EVENTS"
	cat >"$LW_DHC_SCRIPT" <<-EOF
	#!/bin/sh
	# leasewire test dhclient-script: log, and configure only the lab veth.
	n=\$(wc -l < "$LW_DHC_EVENTS")
	env | sort > "$LW_TMP/dhc.env.\$n.\$reason"
	echo "\$(date +%s) \$reason \${new_ip_address:-\$old_ip_address} \${new_dhcp_lease_time:-}" >> "$LW_DHC_EVENTS"
	if [ $configure = 1 ]; then
	  case "\$reason" in
	  BOUND|RENEW|REBIND|REBOOT)
	    ip -4 addr replace "\$new_ip_address/\$new_subnet_mask" dev "\$interface" ;;
	  EXPIRE|FAIL|RELEASE|STOP)
	    ip -4 addr flush dev "\$interface" ;;
	  esac
	fi
	exit 0
	EOF
	chmod +x "$LW_DHC_SCRIPT"
	cat >"$LW_DHC_CONF" <<-EOF
	timeout 30;
	retry 60;
	initial-interval 1;
	request subnet-mask, broadcast-address, time-offset, routers,
	        domain-name-servers, host-name, dhcp-lease-time,
	        dhcp-renewal-time, dhcp-rebinding-time;
	EOF
}

lw_dhclient_args() {
	echo -4 -v -cf "$LW_DHC_CONF" -sf "$LW_DHC_SCRIPT" -lf "$LW_DHC_LEASES" -pf "$LW_DHC_PIDF"
}

# lw_dhclient_start: dhclient -d -1 in the background (our PID: LW_DHC_PID).
lw_dhclient_start() {
	# shellcheck disable=SC2046
	lw_bg "$LW_TMP/dhclient.$((${LW_DHC_RUNS:-0} + 1)).log" \
		ip netns exec "$LW_CLI_NS" dhclient -d -1 $(lw_dhclient_args) "$LW_CLI_IF"
	LW_DHC_RUNS=$((${LW_DHC_RUNS:-0} + 1))
	LW_DHC_PID=$LW_LAST_PID
}

# lw_dhclient_wait <reason-regex> <secs> [<after-line>]: wait for a script
# call whose reason matches, after line N of the events file. Prints the
# matching line.
lw_dhclient_wait() {
	local re=$1 secs=$2 after=${3:-0} i line
	for ((i = 0; i < secs * 10; i++)); do
		line=$(tail -n +"$((after + 1))" "$LW_DHC_EVENTS" | awk -v re="^($re)\$" '$2 ~ re' | head -n1)
		if [ -n "$line" ]; then
			echo "$line"
			return 0
		fi
		if [ -n "${LW_DHC_PID:-}" ] && ! kill -0 "$LW_DHC_PID" 2>/dev/null; then
			return 1
		fi
		sleep 0.1
	done
	return 1
}

# lw_dhclient_env <reason> <var>: a variable from the last script call with
# that reason.
lw_dhclient_env() {
	local f
	f=$(ls -1 "$LW_TMP"/dhc.env.*."$1" 2>/dev/null | sort -t. -k3 -n | tail -n1)
	[ -n "$f" ] && sed -n "s/^$2=//p" "$f"
}

# lw_dhclient_release: dhclient -r with the same files: stops the running
# dhclient (from its pid file, i.e. the one we started) and sends RELEASE.
lw_dhclient_release() {
	# shellcheck disable=SC2046
	timeout -k 5 30 ip netns exec "$LW_CLI_NS" dhclient -r $(lw_dhclient_args) "$LW_CLI_IF" \
		>"$LW_TMP/dhclient-release.log" 2>&1
	local rc=$?
	if [ -n "${LW_DHC_PID:-}" ]; then
		lw_stop_pid "$LW_DHC_PID" TERM 10 || true
		LW_DHC_PID=
	fi
	return $rc
}

# lw_ip_in_range <ip> <first> <last>
lw_ip_in_range() {
	"$LW_PY" - "$@" <<-'EOF'
	import ipaddress, sys
	a, lo, hi = (ipaddress.IPv4Address(x) for x in sys.argv[1:4])
	sys.exit(0 if lo <= a <= hi else 1)
	EOF
}

# lw_wait_lease_state <ip> <state> <secs>: poll the server's view.
lw_wait_lease_state() {
	local ip=$1 want=$2 secs=$3 i st
	for ((i = 0; i < secs * 5; i++)); do
		st=$(lw_lease_field "$ip" state)
		[ "$st" = "$want" ] && { echo "$st"; return 0; }
		sleep 0.2
	done
	echo "$st"
	return 1
}
