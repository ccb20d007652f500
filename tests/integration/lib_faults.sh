# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
#
# Helpers shared by test_power_loss.sh and test_disk_faults.sh (sourced after
# lib.sh and lw_init): the daemon under the lw_diskfault LD_PRELOAD layer,
# a config with a shell on a Unix socket, the bulk export of the recovered
# table, lw_loadgen in the background, and the ACK-vs-table check.

LW_FAULT_SO=${LW_FAULT_SO:-$LW_BUILD/tests/faults/lw_diskfault.so}
LW_POWER_CUT="$LW_ROOT/tests/faults/power_cut.py"
LW_ACKS_CHECK="$LW_ROOT/tests/integration/acks_check.py"
LW_SHELL_PY="$LW_ROOT/tests/integration/shell_client.py"
LW_LG=${LW_LOADGEN:-$LW_BUILD/tests/loadgen/lw_loadgen}
LW_REAL_DAEMON=$LW_DAEMON

# lwf_setup: check the tools, hash the shell passwords, write the daemon
# wrapper that loads lw_diskfault.so. The ASan daemon needs its runtime
# first in LD_PRELOAD ("ASan runtime does not come first" otherwise); the
# layer itself is built without sanitizer.
lwf_setup() {
	[ -x "$LW_LG" ] || lw_fatal "no loadgen at $LW_LG (build with -Dtests=true)"
	[ -f "$LW_FAULT_SO" ] || lw_fatal "no fault layer at $LW_FAULT_SO"
	local asan preload=$LW_FAULT_SO
	asan=$(ldd "$LW_REAL_DAEMON" | awk '/libasan/ {print $3; exit}')
	[ -n "$asan" ] && preload="$asan:$LW_FAULT_SO"
	LWF_PW_HASH=$(printf 'pl-secret\n' | "$LW_REAL_DAEMON" --hash-password) || lw_fatal "--hash-password"
	LWF_SOCK=$LW_TMP/shell.sock
	LW_DAEMON=$LW_TMP/leasewired-faults
	cat >"$LW_DAEMON" <<-EOF
	#!/bin/sh
	# leasewired under lw_diskfault (LW_FAULT_DIR, LW_FAULT_LEDGER, LW_FAULT_TRIGGER from the test)
	LD_PRELOAD="$preload" exec "$LW_REAL_DAEMON" "\$@"
	EOF
	chmod +x "$LW_DAEMON"
	lw_log "fault layer: LD_PRELOAD=$preload"
}

# lwf_config <file> <lease-dir> <durability> [snapshot-every] [pool]
lwf_config() {
	local file=$1 dir=$2 dur=$3 snap=${4:-1000000}
	local pool=${5:-10.77.1.0 - 10.77.254.255}
	local subnet='{"id": 1, "subnet": "10.77.0.0/16", "interface": "port0",
	  "pools": [{"pool": "'"$pool"'"}],
	  "option-data": [{"name": "routers", "data": "10.77.0.1"}]}'
	LW_LEASE_DIR=$dir lw_config_write "$file" "[$subnet]"
	"$LW_PY" - "$file" "$dur" "$snap" "$LWF_PW_HASH" "$LWF_SOCK" <<-'PY'
	import json, sys
	path, dur, snap, pw, sock = sys.argv[1:6]
	c = json.load(open(path))
	d = c["Dhcp4"]
	d["lease-store"]["durability"] = dur
	d["lease-store"]["snapshot-every"] = int(snap)
	d["shell"] = {"password-hash": pw, "enable-password-hash": pw, "port": 0,
	              "unix-socket": sock, "idle-timeout": 60}
	json.dump(c, open(path, "w"), indent=1)
	PY
}

# lwf_export <csv>: the whole lease table through the shell's "export
# leases" (one walk, Kea CSV), bounded. Returns non-zero if it failed.
lwf_export() {
	rm -f "$1"
	timeout -k 5 60 ip netns exec "$LW_SRV_NS" "$LW_PY" "$LW_SHELL_PY" --unix "$LWF_SOCK" \
		--password pl-secret --enable pl-secret -- "export leases $1" >"$1.log" 2>&1 &&
		grep -qE '^[0-9]+ leases exported' "$1.log" && [ -s "$1" ]
}

# lwf_loadgen_bg <log> <mac-base> <clients> <rate> [extra args]: lw_loadgen
# in the client namespace, in the background (LWF_LG_PID), own file prefix.
# qdisc_bypass=0: the PMD's default bypass skips the kernel's packet taps,
# and the capture must see the clients' RELEASEs.
lwf_loadgen_bg() {
	local log=$1 base=$2 n=$3 rate=$4; shift 4
	LWF_LG_RUNS=$((${LWF_LG_RUNS:-0} + 1))
	local prefix="lg$LW_ID$LWF_LG_RUNS"
	LW_PREFIXES+=("$prefix")
	lw_bg "$log" timeout -k 5 120 ip netns exec "$LW_CLI_NS" "$LW_LG" --no-huge -m 256 \
		--no-pci --file-prefix "$prefix" -l 0 --log-level=lib.eal:warning \
		--vdev "net_af_packet0,iface=$LW_CLI_IF,qpairs=1,qdisc_bypass=0" -- \
		--clients "$n" --rate "$rate" --mac-base "$base" "$@"
	LWF_LG_PID=$LW_LAST_PID
}

# lwf_lg_field <log> <key>: from the loadgen's LOADGEN summary line.
lwf_lg_field() { grep '^LOADGEN ' "$1" | tail -n1 | sed -n "s/.* $2=\([0-9.]*\).*/\1/p"; }

# lwf_events <pcap> <out.tsv>: every DHCP frame, in capture order.
lwf_events() {
	lw_tshark "$1" -Y dhcp -T fields -E occurrence=f -e frame.time_epoch -e eth.src \
		-e dhcp.option.dhcp -e dhcp.hw.mac_addr -e dhcp.ip.your >"$2"
}

# lwf_check <events> <srv-mac> <export> <client-prefixes> [this-prefix]:
# prints the losses and sets LWF_WIRE LWF_CHECKED LWF_LOST LWF_REL LWF_RELB.
lwf_check() {
	local out
	out=$("$LW_PY" "$LW_ACKS_CHECK" "$1" "$2" "$3" --clients "$4" --this "${5:-}")
	grep -v '^ACKCHECK ' <<<"$out"
	local s
	s=$(grep '^ACKCHECK ' <<<"$out")
	f() { sed -n "s/.* $1=\([0-9]*\).*/\1/p" <<<" $s"; }
	LWF_WIRE=$(f wire); LWF_CHECKED=$(f checked); LWF_LOST=$(f lost)
	LWF_REL=$(f released); LWF_RELB=$(f released_bound)
}

# lwf_tcpdump_drops <pcap>: packets tcpdump said the kernel dropped.
lwf_tcpdump_drops() {
	sed -n 's/^\([0-9]*\) packets dropped by kernel.*/\1/p' "$1.log" | tail -n1
}
