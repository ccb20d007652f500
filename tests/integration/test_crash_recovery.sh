#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The durability contract (DESIGN.md sec 4) under a real crash: a client
# never holds an ACK for a binding that a crash could lose.
#
# leasewired (durability fsync) serves perfdhcp (>= 5,000 clients); the
# client namespace captures every frame; while perfdhcp is mid-run the daemon
# is killed with SIGKILL. Every DHCPACK that reached the wire is extracted
# from the capture (yiaddr, chaddr); a new daemon on the same lease
# directory must show each of those addresses "bound" to that same MAC.
# Printed: ACKs checked, recovery time (start to "ready"; not asserted).
#
# LW_CRASH_CLIENTS (default 5000), LW_CRASH_RATE (default 500/s).
set -u
. "$(dirname "$0")/lib.sh"
lw_init crs

N=${LW_CRASH_CLIENTS:-5000}
RATE=${LW_CRASH_RATE:-500}

lab_up "$LW_ID" --relay || lw_fatal "lab up"
SRV_MAC=$(ip -n "$LW_SRV_NS" -br link show "$LW_SRV_IF" | awk '{print $3}')
lw_config_write "$LW_TMP/crash.json" "[$LW_SUBNET_DIRECT]"
grep -q '"durability": "fsync"' "$LW_TMP/crash.json" || lw_fatal "config is not fsync"

lw_daemon_start --config "$LW_TMP/crash.json" || lw_fatal "leasewired did not start"
lw_log "first start: ready in ${LW_READY_MS} ms"
PCAP=$LW_TMP/crash.pcap
lw_capture_start "$PCAP" "udp port 67" || lw_fatal "tcpdump"

lw_bg "$LW_TMP/perfdhcp.log" ip netns exec "$LW_CLI_NS" \
	perfdhcp -4 -r "$RATE" -R "$N" -n "$N" -d 2 -b mac=00:0c:03:00:00:00 -l "$LW_CLI_IF"
PERF_PID=$LW_LAST_PID

# Let it bind a few hundred clients (bounded), then crash it mid-stream.
acks=0
for ((i = 0; i < 200; i++)); do
	acks=$(lw_stat tx_ack 2>/dev/null)
	[[ "$acks" =~ ^[0-9]+$ ]] && [ "$acks" -ge 300 ] && break
	kill -0 "$PERF_PID" 2>/dev/null || break
	sleep 0.1
done
sleep 1
lw_log "server tx_ack=$(lw_stat tx_ack) journal_commits=$(lw_stat journal_commits) acks_parked=$(lw_stat acks_parked): kill -9 $LW_DAEMON_PID"
lw_check "perfdhcp was still running when the daemon was killed" kill -0 "$PERF_PID"
lw_daemon_kill9
sleep 1
lw_stop_pid "$PERF_PID" INT 10 || true
lw_capture_stop
grep -E '^(sent|received) packets|^drops:' "$LW_TMP/perfdhcp.log" | sed 's/^/    perfdhcp: /'

lw_tshark "$PCAP" -Y "eth.src == $SRV_MAC && dhcp.option.dhcp == 5" \
	-T fields -E occurrence=f -e dhcp.ip.your -e dhcp.hw.mac_addr >"$LW_TMP/acks.tsv"
nacks=$(wc -l <"$LW_TMP/acks.tsv")
lw_log "DHCPACKs on the wire before the kill: $nacks"
lw_check_ge "at least one ACK left the server before kill -9" 1 "$nacks"
lw_check "the kill came before perfdhcp finished (fewer than $N ACKs)" test "$nacks" -lt "$N"

t0=$(date +%s%N)
lw_daemon_start --config "$LW_TMP/crash.json" || lw_fatal "leasewired did not restart on the crashed lease store"
lw_log "recovery: restart to ready in ${LW_READY_MS} ms ($(( ($(date +%s%N) - t0) / 1000000 )) ms incl. telemetry)"

"$LW_PY" - "$LW_ROOT/scripts" "$LW_PREFIX" "$LW_TMP/acks.tsv" <<'EOF'
import sys
sys.path.insert(0, sys.argv[1])
import lw_telemetry
t = lw_telemetry.Telemetry(sys.argv[2], wait=10)
acked = {}
for line in open(sys.argv[3]):
    f = line.split()
    if len(f) >= 2:
        acked.setdefault(f[0], set()).add(f[1].lower())
bad = []
for ip, macs in sorted(acked.items()):
    if len(macs) != 1:
        bad.append(f"{ip} was ACKed to {len(macs)} MACs: {sorted(macs)}")
        continue
    mac = next(iter(macs))
    lease = t.query(f"/leasewire/lease,{ip}")
    st, hw = lease.get("state"), str(lease.get("hw_address", "")).lower()
    if st != "bound" or hw != mac:
        bad.append(f"{ip}: ACKed to {mac}, after recovery state={st} hw={hw}")
print(f"  checked {len(acked)} ACKed addresses against the recovered lease table")
for b in bad[:20]:
    print("    lost: " + b)
if len(bad) > 20:
    print(f"    ... and {len(bad) - 20} more")
ok = bool(acked) and not bad
print(("  PASS: " if ok else "  FAIL: ") +
      f"every ACKed binding survived kill -9 ({len(acked) - len(bad)}/{len(acked)})")
sys.exit(0 if ok else 1)
EOF
lw_check "every ACKed (yiaddr, chaddr) is bound after recovery" test $? -eq 0
lw_log "recovered: leases $(lw_tel /leasewire/leases | cut -c1-160)"
lw_print_stats
lw_daemon_stop; rc=$?
lw_check_eq "leasewired exit status after SIGTERM" "0" "$rc"
lw_finish
