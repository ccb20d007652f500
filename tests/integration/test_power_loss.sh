#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The durability contract (DESIGN.md sec 4) under power loss, not just a
# process crash: a client never holds a DHCPACK for a binding the disk
# could lose.
#
# Why an LD_PRELOAD layer and not the kernel: device-mapper is not usable in
# the development sandbox (dmsetup: "/dev/mapper/control: open failed: No
# such device", no modprobe, no kernel modules), so neither dm-flakey
# drop_writes nor dm-log-writes can model the cut. Instead
# tests/faults/lw_diskfault.so records, for the lease store, every
# fsync/fdatasync that completed (the power-loss ledger), and after the
# SIGKILL tests/faults/power_cut.py applies "the power went out" to the
# store: every file back to the size its last completed sync covered,
# every directory entry not covered by a directory fsync removed (renames
# undone). See power_cut.py for what that model does not do.
#
# Under lw_loadgen load (DORA, unicast renew, RELEASE; a fresh MAC range per
# cut), with the client namespace capturing every frame, the power is cut
# LW_PL_CUTS times (default 22) at a random moment of the load; the daemon
# restarts on the same store every time (snapshot-every 1000, so the cuts
# also hit compactions) and its whole recovered table is exported through
# the shell. Then, per cut: every (yiaddr, chaddr) whose last event on the
# wire was an ACK the client saw must be bound to that chaddr, for the
# clients of this cut and of every earlier one (a client whose RELEASE
# followed its ACK may be in any state).
#
# Negative control: LW_PL_NEG_CUTS (default 4) cuts with "durability":
# "write" on a fresh store that never takes a snapshot (so nothing of it is
# ever synced): after every cut that leaves an ACKed, unreleased binding to
# check, the same checker must find lost ACKs, so the test is known to be able to fail. (With
# snapshots, a cut just after one can leave nothing to lose.)
#
# The layer also makes every sync of the store 2 ms slower
# (LW_FAULT_SYNC_DELAY_US, a slow disk), so that more cuts fall between a
# batch's write and its fdatasync: those bytes are lost, and their ACKs
# must not have left.
#
# LW_PL_CUTS, LW_PL_NEG_CUTS, LW_PL_CLIENTS (per cut, default 300),
# LW_PL_RATE (new clients/s per phase, default 250), LW_PL_SEED,
# LW_PL_SYNC_DELAY_US (default 2000).
set -u
. "$(dirname "$0")/lib.sh"
lw_init pwl
. "$(dirname "$0")/lib_faults.sh"

CUTS=${LW_PL_CUTS:-22}
NEG_CUTS=${LW_PL_NEG_CUTS:-4}
NPC=${LW_PL_CLIENTS:-300}
RATE=${LW_PL_RATE:-250}
SEED=${LW_PL_SEED:-$$}
RANDOM=$SEED
T_START=$(date +%s)

lwf_setup
lab_up "$LW_ID" || lw_fatal "lab up"
SRV_MAC=$(ip -n "$LW_SRV_NS" -br link show "$LW_SRV_IF" | awk '{print tolower($3)}')
PCAP=$LW_TMP/pl.pcap
lw_capture_start "$PCAP" "udp port 67 or udp port 68" || lw_fatal "tcpdump"
lw_log "seed $SEED: $CUTS cuts (fsync) + $NEG_CUTS (write), $NPC clients per cut at ${RATE}/s"

# run_cuts <label> <config> <store> <ledger> <first-cut> <count> <mac-byte0>
#          <max-delay-ms>
# Each cut: load, a random delay (200 ms to max-delay-ms), SIGKILL, the ledger applied, restart on
# the same store, export of the recovered table to $LW_TMP/<label>.<n>.csv.
run_cuts() {
	local label=$1 cfg=$2 store=$3 ledger=$4 first=$5 count=$6 mb=$7 max_delay=$8 c
	export LW_FAULT_DIR=$store LW_FAULT_LEDGER=$ledger
	export LW_FAULT_SYNC_DELAY_US=${LW_PL_SYNC_DELAY_US:-2000}
	unset LW_FAULT_TRIGGER
	lw_daemon_start --config "$cfg" || lw_fatal "$label: leasewired did not start"
	for ((c = first; c < first + count; c++)); do
		local base pre i delay_ms lg_alive=no
		base=$(printf '%s:%02x' "$mb" "$c")
		pre=$(stat -c %s "$PCAP")
		lwf_loadgen_bg "$LW_TMP/lg.$label.$c.log" "$base" "$NPC" "$RATE" --window 64 \
			--timeout-ms 500 --retries 4 --max-secs 20
		# The delay counts from the first frame on the wire (DPDK init varies).
		for ((i = 0; i < 150; i++)); do
			[ "$(stat -c %s "$PCAP")" -gt "$pre" ] && break
			kill -0 "$LWF_LG_PID" 2>/dev/null || break
			sleep 0.1
		done
		delay_ms=$((200 + RANDOM % (max_delay - 200)))
		sleep "$((delay_ms / 1000)).$(printf '%03d' $((delay_ms % 1000)))"
		kill -0 "$LWF_LG_PID" 2>/dev/null && lg_alive=yes
		lw_daemon_kill9
		lw_stop_pid "$LWF_LG_PID" INT 10 || true
		"$LW_PY" "$LW_POWER_CUT" "$ledger" "$store" >"$LW_TMP/cut.$label.$c.log" 2>&1 ||
			lw_fatal "power_cut.py failed: $(tail -n 3 "$LW_TMP/cut.$label.$c.log")"
		lw_log "$label cut $c: power cut ${delay_ms} ms into the load (loadgen running: $lg_alive): $(tail -n1 "$LW_TMP/cut.$label.$c.log" | sed 's/^power_cut: //')"
		# With LW_KEEP=1 each cut store is kept, as recovery found it.
		[ "${LW_KEEP:-0}" = 1 ] && cp -a "$store" "$LW_TMP/store.$label.$c"
		lw_daemon_start --config "$cfg" || lw_fatal "$label cut $c: no restart on the cut store"
		grep 'leasewired: recovered' "$LW_TMP/daemon.log" | tail -n1 | sed 's/^/    /'
		lwf_export "$LW_TMP/$label.$c.csv" ||
			lw_fatal "$label cut $c: export failed: $(tail -n 3 "$LW_TMP/$label.$c.csv.log")"
	done
	lw_print_stats
	lw_daemon_stop; local rc=$?
	lw_check_eq "$label: leasewired exit status after SIGTERM" "0" "$rc"
}

# check_cuts <label> <first> <count> <mac-byte0>: each cut's export against
# the clients of that cut and every earlier one. Sets TOT_WIRE (ACKs on the
# wire, all cuts), TOT_CHECKED and LAST_LOST (after the last cut), LOSS_CUTS
# (cuts after which an ACKed binding was missing), CHECKED_CUTS (cuts after
# which at least one ACKed binding was to be checked: one whose RELEASE
# followed its ACK is not).
check_cuts() {
	local label=$1 first=$2 count=$3 mb=$4 c prefixes=""
	TOT_CHECKED=0 TOT_WIRE=0 LAST_LOST=0 LOSS_CUTS=0 CHECKED_CUTS=0
	printf '    %-6s %-5s %13s %12s %5s %18s\n' "$label" cut "ACKs on wire" "ACKs checked" lost \
		"released (bound)"
	for ((c = first; c < first + count; c++)); do
		local this
		this=$(printf '%s:%02x' "$mb" "$c")
		prefixes+="$this,"
		lwf_check "$EVENTS" "$SRV_MAC" "$LW_TMP/$label.$c.csv" "$prefixes" "$this"
		printf '    %-6s %-5s %13s %12s %5s %18s\n' "$label" "$c" "$LWF_WIRE" "$LWF_CHECKED" \
			"$LWF_LOST" "$LWF_REL ($LWF_RELB)"
		[ "$LWF_LOST" -gt 0 ] && LOSS_CUTS=$((LOSS_CUTS + 1))
		LAST_LOST=$LWF_LOST
		TOT_WIRE=$((TOT_WIRE + LWF_WIRE))
		[ "$LWF_CHECKED" -gt 0 ] && CHECKED_CUTS=$((CHECKED_CUTS + 1))
		TOT_CHECKED=$LWF_CHECKED
	done
}

# ---------------------------------------------------------------- fsync
STORE=$LW_TMP/leases
CFG=$LW_TMP/pl.json
lwf_config "$CFG" "$STORE" fsync 1000
run_cuts fsync "$CFG" "$STORE" "$LW_TMP/ledger" 1 "$CUTS" 02 3200

# ---------------------------------------------------------------- negative control
NSTORE=$LW_TMP/leases-write
NCFG=$LW_TMP/pl-write.json
lwf_config "$NCFG" "$NSTORE" write
# Cut while the clients are still bound (before their RELEASEs, ~1.2 s in).
run_cuts write "$NCFG" "$NSTORE" "$LW_TMP/ledger-write" 1 "$NEG_CUTS" 03 1200

lw_capture_stop
drops=$(lwf_tcpdump_drops "$PCAP")
lw_check_eq "tcpdump: no frame dropped by the kernel (the checker needs every RELEASE)" 0 "${drops:-?}"
EVENTS=$LW_TMP/events.tsv
lwf_events "$PCAP" "$EVENTS"
lw_log "capture: $(wc -l <"$EVENTS") DHCP frames"

check_cuts fsync 1 "$CUTS" 02
lw_check_ge "fsync: ACKs on the wire before the cuts" $((CUTS * 10)) "$TOT_WIRE"
lw_check_ge "fsync: ACKed bindings checked after the last cut" $((CUTS * 10)) "$TOT_CHECKED"
lw_check_eq "fsync: ACKed bindings lost after the last of $CUTS power cuts" 0 "$LAST_LOST"
lw_check_eq "fsync: power cuts after which an ACKed binding was missing" 0 "$LOSS_CUTS"

check_cuts write 1 "$NEG_CUTS" 03
lw_check_ge "write (negative control): ACKs on the wire before the cuts" 1 "$TOT_WIRE"
lw_check_ge "write (negative control): the checker finds lost ACKs after the last cut" 1 "$LAST_LOST"
lw_check_ge "write (negative control): cuts with ACKed bindings to check" 1 "$CHECKED_CUTS"
lw_check_eq "write (negative control): of those, cuts after which the checker found losses" \
	"$CHECKED_CUTS" "$LOSS_CUTS"

lw_log "elapsed $(($(date +%s) - T_START)) s"
lw_finish
