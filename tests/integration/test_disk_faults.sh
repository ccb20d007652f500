#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# A failing lease store (README "Durability"): no ACK leaves without its
# record, the operator gets one actionable (rate-limited) log line and
# counters, and service resumes by itself when the disk does.
#
# (a) A full file system, for real: the store on an 8 MiB tmpfs this test
#     mounts in its own temp dir. Under lw_loadgen load (DORA, renew,
#     RELEASE) a filler file takes every free block (and keeps taking what
#     the journal's rollbacks free) for LW_DF_FULL_SECS (default 4); then it
#     is deleted.
# (b) Injected faults through tests/faults/lw_diskfault.so on an ordinary
#     directory: "eio" (writes and syncs fail), then "eio-sync" (only
#     fdatasync fails: the bytes are written but never durable), each for
#     LW_DF_FULL_SECS under load, then the trigger file is removed.
#
# Asserted for each: while failing, /leasewire/journal says failing=1;
# afterwards write_errors and records_lost (/leasewire/journal) and
# drop_ack_not_durable (/leasewire/stats) have grown, failing=0; the daemon
# logged the ALARM line once per failing episode (not one per record: at
# most one per 10 s after the first) and a "writes succeed again" line; a
# new batch of clients after the fault is served in full without a restart;
# then kill -9 (for (b) with the power-loss ledger applied, so bytes an
# fdatasync never covered are gone), a restart on the same store reports no
# corrupt record, and every ACK the clients saw on the wire is bound in the
# recovered table (tests/integration/acks_check.py).
#
# LW_DF_CLIENTS (default 1500 during a fault, 300 after), LW_DF_RATE (300).
set -u
. "$(dirname "$0")/lib.sh"
lw_init dfl
. "$(dirname "$0")/lib_faults.sh"

N=${LW_DF_CLIENTS:-1500}
N2=300
RATE=${LW_DF_RATE:-300}
FULL_SECS=${LW_DF_FULL_SECS:-4}
T_START=$(date +%s)

MNT=$LW_TMP/mnt
MOUNTED=0
# Stop the daemon before the unmount (its store is on the tmpfs), then the
# common cleanup with the test's exit status.
df_cleanup() {
	local rc=$?
	[ -n "$LW_DAEMON_PID" ] && lw_daemon_kill9
	[ -n "${FILL_PID:-}" ] && kill "$FILL_PID" 2>/dev/null
	if [ "$MOUNTED" = 1 ]; then
		umount "$MNT" 2>/dev/null || umount -l "$MNT" 2>/dev/null || true
	fi
	(exit "$rc")
	lw_cleanup
}
trap df_cleanup EXIT

lwf_setup
FAULT_DAEMON=$LW_DAEMON
lab_up "$LW_ID" || lw_fatal "lab up"
SRV_MAC=$(ip -n "$LW_SRV_NS" -br link show "$LW_SRV_IF" | awk '{print tolower($3)}')
PCAP=$LW_TMP/df.pcap
lw_capture_start "$PCAP" "udp port 67 or udp port 68" || lw_fatal "tcpdump"

# Lines of daemon.log since the last "==== run" marker matching a regex.
log_count() {
	awk -v re="$1" '/^==== run / { n = 0; next } $0 ~ re { n++ } END { print n + 0 }' \
		"$LW_TMP/daemon.log"
}
jr() { lw_tel_get /leasewire/journal "$1"; }

# fault_episode <label> <mac-base> <on-fn> <off-fn>: load N clients, turn
# the fault on after 1.5 s for FULL_SECS, off again, let the load finish,
# then N2 new clients must all be served. Sets EP_* for the checks.
fault_episode() {
	local label=$1 base=$2 on=$3 off=$4 i
	local we0 ad0 rl0
	we0=$(jr write_errors); ad0=$(lw_stat drop_ack_not_durable); rl0=$(jr records_lost)
	lwf_loadgen_bg "$LW_TMP/lg.$label.log" "$base:01" "$N" "$RATE" --window 64 \
		--timeout-ms 1000 --retries 3 --max-secs 60 --no-release
	local lg=$LWF_LG_PID
	sleep 1.5
	lw_log "$label: fault on ($on)"
	"$on"
	sleep 1.5
	local failing
	failing=$(jr failing)
	lw_check_eq "$label: /leasewire/journal failing while the store fails" 1 "$failing"
	lw_log "$label: while failing: journal $(lw_tel /leasewire/journal | cut -c1-300)"
	sleep "$((FULL_SECS > 1 ? FULL_SECS - 1 : 1))"
	"$off"
	lw_log "$label: fault off"
	for ((i = 0; i < 900; i++)); do
		kill -0 "$lg" 2>/dev/null || break
		sleep 0.1
	done
	lw_stop_pid "$lg" INT 10 || true
	grep '^LOADGEN ' "$LW_TMP/lg.$label.log" | sed 's/^/    during: /'

	# Service resumes by itself: new clients, no restart.
	lwf_loadgen_bg "$LW_TMP/lg.$label.after.log" "$base:02" "$N2" "$RATE" --window 64 \
		--timeout-ms 1000 --retries 3 --max-secs 60 --no-release
	lw_wait_pid "$LWF_LG_PID" 90 || lw_log "$label: loadgen after the fault still running"
	lw_stop_pid "$LWF_LG_PID" INT 10 || true
	grep '^LOADGEN ' "$LW_TMP/lg.$label.after.log" | sed 's/^/    after:  /'
	lw_check_eq "$label: after the fault, new clients leased without a restart" "$N2" \
		"$(lwf_lg_field "$LW_TMP/lg.$label.after.log" leased)"
	lw_check_eq "$label: after the fault, new clients without an ACK" 0 \
		"$(lwf_lg_field "$LW_TMP/lg.$label.after.log" no_ack)"
	lw_check_eq "$label: after the fault, renewals" "$N2" \
		"$(lwf_lg_field "$LW_TMP/lg.$label.after.log" renewed)"

	local we1 ad1 rl1
	we1=$(jr write_errors); ad1=$(lw_stat drop_ack_not_durable); rl1=$(jr records_lost)
	lw_log "$label: write_errors $we0 -> $we1, records_lost $rl0 -> $rl1, drop_ack_not_durable $ad0 -> $ad1"
	lw_check_ge "$label: journal write_errors grew" $((we0 + 1)) "$we1"
	lw_check_ge "$label: journal records_lost grew" $((rl0 + 1)) "$rl1"
	lw_check_ge "$label: drop_ack_not_durable grew (ACKs withheld)" $((ad0 + 1)) "$ad1"
	lw_check_eq "$label: /leasewire/journal failing after recovery" 0 "$(jr failing)"
}

# check_log <label> <episodes>: the ALARM line once per episode (at most one
# per 10 s after the first), the all-clear line once per episode.
check_log() {
	local label=$1 ep=$2 alarms clears
	alarms=$(log_count 'journal: ALARM')
	clears=$(log_count 'journal: writes succeed again')
	grep -E 'journal: (ALARM|writes succeed)' "$LW_TMP/daemon.log" | tail -n 6 | cut -c1-260 |
		sed 's/^/    log: /'
	lw_check_ge "$label: ALARM lines logged" "$ep" "$alarms"
	lw_check "$label: ALARM rate-limited ($alarms lines for $ep episodes of ${FULL_SECS}s)" \
		test "$alarms" -le $((ep * (1 + FULL_SECS / 10)))
	lw_check_eq "$label: 'writes succeed again' lines" "$ep" "$clears"
}

# recover_check <label> <mac-prefixes> [ledger store]: kill -9 (ledger
# applied when given), restart, no corrupt record, every ACK seen bound.
recover_check() {
	local label=$1 prefixes=$2 ledger=${3:-} store=${4:-}
	lw_daemon_kill9
	if [ -n "$ledger" ]; then
		"$LW_PY" "$LW_POWER_CUT" "$ledger" "$store" | tail -n 4 | sed 's/^/    /'
	fi
	lw_daemon_start --config "$CFG" || lw_fatal "$label: no restart on the store"
	local rec
	rec=$(grep 'leasewired: recovered' "$LW_TMP/daemon.log" | tail -n1)
	echo "    $rec"
	lw_check "$label: recovery reports no corrupt record" grep -q 'corrupt 0)' <<<"$rec"
	lwf_export "$LW_TMP/$label.csv" || lw_fatal "$label: export failed"
	lw_stop_pid "$LW_CAP_PID" INT 10 || true
	cp "$PCAP" "$LW_TMP/$label.pcap"
	lw_capture_start "$PCAP" "udp port 67 or udp port 68" || lw_fatal "tcpdump"
	lwf_events "$LW_TMP/$label.pcap" "$LW_TMP/$label.tsv"
	lwf_check "$LW_TMP/$label.tsv" "$SRV_MAC" "$LW_TMP/$label.csv" "$prefixes"
	lw_log "$label: ACKed bindings checked $LWF_CHECKED, lost $LWF_LOST, released after ACK $LWF_REL"
	lw_check_ge "$label: ACKed bindings checked" "$N2" "$LWF_CHECKED"
	lw_check_eq "$label: ACKed bindings lost" 0 "$LWF_LOST"
	lw_print_stats
	lw_daemon_stop; local rc=$?
	lw_check_eq "$label: leasewired exit status after SIGTERM" 0 "$rc"
}

# ---------------------------------------------------------------- (a) full tmpfs
mkdir -p "$MNT"
mount -t tmpfs -o size=8m,mode=0750 tmpfs "$MNT" || lw_fatal "mount tmpfs"
MOUNTED=1
CFG=$LW_TMP/full.json
lwf_config "$CFG" "$MNT/leases" fsync
LW_DAEMON=$LW_REAL_DAEMON
lw_daemon_start --config "$CFG" || lw_fatal "(a) leasewired did not start"

# The filler takes every free block, and keeps taking what rollbacks free.
fill_on() {
	dd if=/dev/zero of="$MNT/filler" bs=64k >"$LW_TMP/dd.log" 2>&1
	grep -q 'No space left' "$LW_TMP/dd.log" || lw_log "(a) dd: $(tail -n1 "$LW_TMP/dd.log")"
	lw_log "(a) file system full: $(df -k --output=used,avail "$MNT" | tail -n1)"
	(
		for ((k = 0; k < 600; k++)); do
			dd if=/dev/zero of="$MNT/filler" bs=4k oflag=append conv=notrunc \
				>/dev/null 2>&1
			sleep 0.05
		done
	) &
	FILL_PID=$!
}
fill_off() {
	kill "$FILL_PID" 2>/dev/null
	wait "$FILL_PID" 2>/dev/null
	FILL_PID=
	rm -f "$MNT/filler"
}
fault_episode full 04 fill_on fill_off
check_log full 1
recover_check full "04:01,04:02"
umount "$MNT" && MOUNTED=0
lw_check_eq "(a) tmpfs unmounted" 0 "$MOUNTED"

# ---------------------------------------------------------------- (b) injected EIO
LW_DAEMON=$FAULT_DAEMON
STORE=$LW_TMP/leases-eio
export LW_FAULT_DIR=$STORE LW_FAULT_LEDGER=$LW_TMP/ledger LW_FAULT_TRIGGER=$LW_TMP/trigger
CFG=$LW_TMP/eio.json
lwf_config "$CFG" "$STORE" fsync
lw_daemon_start --config "$CFG" || lw_fatal "(b) leasewired did not start"
eio_on() { echo eio >"$LW_FAULT_TRIGGER"; }
eio_sync_on() { echo eio-sync >"$LW_FAULT_TRIGGER"; }
trigger_off() { rm -f "$LW_FAULT_TRIGGER"; }
fault_episode eio 05 eio_on trigger_off
fault_episode eio-sync 06 eio_sync_on trigger_off
check_log eio 2
recover_check eio "05:01,05:02,06:01,06:02" "$LW_FAULT_LEDGER" "$STORE"

lw_capture_stop
lw_log "elapsed $(($(date +%s) - T_START)) s"
lw_finish
