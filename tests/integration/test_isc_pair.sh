#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Self-test of the ISC failover harness (lib_isc.sh, dhcpd_leases.py): two
# ISC dhcpd 4.4.3 processes as a draft-12 failover pair, no leasewired.
#
#   [fop] fo0 10.99.0.1 <== failover TCP 647 ==> fo0 10.99.0.2 [fos]
#         lan0 10.98.0.1                          lan0 10.98.0.2
#            \________ p0   [foc] br0   s0 ________/
#                         c1b..cNb -- c1..cN (dhclient each)
#
# Checks: both servers reach NORMAL (their log lines) within a bounded time;
# the failover TCP traffic captured on fo0 decodes as dhcpfo with no
# malformed frame and no expert warning, and holds CONNECT, CONNECTACK,
# STATE, UPDREQALL, UPDDONE, BNDUPD, BNDACK and CONTACT; N dhclients get a
# lease, and each leased address is "active" for the client's MAC in BOTH
# lease files (the pair replicates it by BNDUPD) - the lease-table
# comparison the interop tests build on; kill -9 of the secondary moves the
# primary to communications-interrupted; restarted on its lease file, the
# secondary and the primary are both normal again.
set -u
. "$(dirname "$0")/lib.sh"
lw_init isc
. "$(dirname "$0")/lib_isc.sh"
isc_init

# At least 4: c1..c4 cover both servers' hash buckets (see below).
N=${ISC_PAIR_CLIENTS:-4}
[ "$N" -ge 4 ] || lw_fatal "ISC_PAIR_CLIENTS must be >= 4"
T0=$(date +%s)
NSP=lw-fop-$LW_ID; NSS=lw-fos-$LW_ID; NSC=lw-foc-$LW_ID
for t in tcpdump tshark dhclient; do
	command -v "$t" >/dev/null || lw_fatal "$t not installed"
done
lw_check "dhcpd_leases.py --selftest" "$LW_PY" "$ISC_LEASES_PY" --selftest

# ------------------------------------------------------------ topology
for ns in "$NSP" "$NSS" "$NSC"; do
	isc_netns_add "$ns" || lw_fatal "netns $ns"
done
isc_veth "$NSP" fo0 10.99.0.1/24 "$NSS" fo0 10.99.0.2/24 || lw_fatal "failover veth"
isc_veth "$NSP" lan0 10.98.0.1/24 "$NSC" p0 - || lw_fatal "primary lan veth"
isc_veth "$NSS" lan0 10.98.0.2/24 "$NSC" s0 - || lw_fatal "secondary lan veth"
ports=(p0 s0)
for ((i = 1; i <= N; i++)); do
	isc_veth "$NSC" "c$i" - "$NSC" "c${i}b" - || lw_fatal "client veth c$i"
	ip -n "$NSC" link set "c$i" address "$(printf '02:1f:00:00:00:%02x' "$i")"
	ports+=("c${i}b")
done
isc_bridge "$NSC" br0 "${ports[@]}" || lw_fatal "bridge"

# ------------------------------------------------------------ the pair
PCONF=$LW_TMP/primary.conf; SCONF=$LW_TMP/secondary.conf
PLEASES=$LW_TMP/primary.leases; SLEASES=$LW_TMP/secondary.leases
isc_conf "$PCONF" primary 10.99.0.1 647 10.99.0.2 647 10.98.0.0/24 \
	10.98.0.100 10.98.0.139 || lw_fatal "isc_conf primary"
isc_conf "$SCONF" secondary 10.99.0.2 647 10.99.0.1 647 10.98.0.0/24 \
	10.98.0.100 10.98.0.139 || lw_fatal "isc_conf secondary"
lw_check "secondary config has no split/hba" bash -c "! grep -Eq '^[[:space:]]*(split|hba)' '$SCONF'"
lw_check "dhcpd -t accepts the primary config" \
	ip netns exec "$NSP" "$ISC_DHCPD" -4 -t -q -cf "$PCONF"
lw_check "dhcpd -t accepts the secondary config" \
	ip netns exec "$NSS" "$ISC_DHCPD" -4 -t -q -cf "$SCONF"

SPID=''; PPID_='' # set by isc_start
PCAP=$LW_TMP/failover.pcap
isc_capture_start "$NSP" fo0 "$PCAP" || lw_fatal "tcpdump on fo0"
isc_start "$NSS" "$SCONF" "$SLEASES" lan0 SPID || lw_fatal "secondary dhcpd did not start"
SLOG=$ISC_LOG
t1=$(date +%s%N)
isc_start "$NSP" "$PCONF" "$PLEASES" lan0 PPID_ || lw_fatal "primary dhcpd did not start"
PLOG=$ISC_LOG

pn=$(isc_wait_state "$PLOG" normal 60) && sn=$(isc_wait_state "$SLOG" normal 30)
lw_check "primary reaches normal (${pn#*: })" [ -n "$pn" ]
lw_check "secondary reaches normal (${sn#*: })" [ -n "$sn" ]
both_normal() { isc_wait_state "$1" both-normal 10 >/dev/null; }
lw_check "primary logs Both servers normal" both_normal "$PLOG"
lw_check "secondary logs Both servers normal" both_normal "$SLOG"
lw_log "pair normal $(( ($(date +%s%N) - t1) / 1000000 )) ms after the primary started"
isc_states "$PLOG" | sed 's/^/  primary:   /'
isc_states "$SLOG" | sed 's/^/  secondary: /'

# ------------------------------------------------------------ clients
DHC_CONF=$LW_TMP/dhclient.conf
cat >"$DHC_CONF" <<EOF
timeout 30;
retry 60;
initial-interval 1;
request subnet-mask, routers, dhcp-lease-time, dhcp-server-identifier;
EOF
# Our own script: record the call, configure nothing.
DHC_SCRIPT=$LW_TMP/dhclient-script
cat >"$DHC_SCRIPT" <<EOF
#!/bin/sh
echo "\$(date +%s) \$reason \${new_ip_address:-\$old_ip_address} \${new_dhcp_server_identifier:-}" >> "$LW_TMP/dhc-\$interface.events"
exit 0
EOF
chmod +x "$DHC_SCRIPT"
declare -A CPID CMAC CIP CSRV
for ((i = 1; i <= N; i++)); do
	c=c$i
	: >"$LW_TMP/dhc-$c.events"
	CMAC[$c]=$(ip -n "$NSC" -br link show "$c" | awk '{print tolower($3)}')
	lw_bg "$LW_TMP/dhclient-$c.log" ip netns exec "$NSC" dhclient -d -1 -4 -v \
		-cf "$DHC_CONF" -sf "$DHC_SCRIPT" -lf "$LW_TMP/dhclient-$c.leases" \
		-pf "$LW_TMP/dhclient-$c.pid" "$c"
	CPID[$c]=$LW_LAST_PID
done
bound=0
for ((w = 0; w < 400 && bound < N; w++)); do
	bound=0
	for ((i = 1; i <= N; i++)); do
		grep -q ' BOUND ' "$LW_TMP/dhc-c$i.events" && bound=$((bound + 1))
	done
	sleep 0.1
done
lw_check_eq "dhclients BOUND" "$N" "$bound"
for ((i = 1; i <= N; i++)); do
	c=c$i
	line=$(grep ' BOUND ' "$LW_TMP/dhc-$c.events" | tail -n1)
	CIP[$c]=$(echo "$line" | awk '{print $3}')
	CSRV[$c]=$(echo "$line" | awk '{print $4}')
	lw_log "$c ${CMAC[$c]}: ${CIP[$c]:-none} from ${CSRV[$c]:-?}"
done
# Both servers serve their own hash buckets (split 128).
# Both servers serve their own hash buckets (split 128); with these MACs
# (no client-id: ISC hashes chaddr) c1 and c4 hash to the secondary's,
# c2 and c3 to the primary's, so BNDUPDs flow both ways.
served() { printf '%s\n' "${CSRV[@]}" | grep -c "^$1\$"; }
lw_check_ge "leases ACKed by the primary (10.98.0.1)" 1 "$(served 10.98.0.1)"
lw_check_ge "leases ACKed by the secondary (10.98.0.2)" 1 "$(served 10.98.0.2)"

# Both lease files: every leased address active for its client's MAC. The
# peer's copy comes by BNDUPD (and the BNDACK can lag ~2 s): wait, bounded.
want=$(for ((i = 1; i <= N; i++)); do
	[ -n "${CIP[c$i]}" ] && printf '%s\tactive\t%s\n' "${CIP[c$i]}" "${CMAC[c$i]}"
done | sort -t. -k1,1n -k2,2n -k3,3n -k4,4n)
pick() { # the leased addresses' rows of a lease file
	isc_leases_tsv "$1" address,binding_state,hardware_ethernet |
		awk -F'\t' 'NR == FNR { a[$1]; next } $1 in a' <(printf '%s\n' "${CIP[@]}") -
}
pool() { isc_leases_tsv "$1" address,binding_state; }
for ((w = 0; w < 50; w++)); do
	[ "$(pick "$PLEASES")" = "$want" ] && [ "$(pick "$SLEASES")" = "$want" ] &&
		[ "$(pool "$PLEASES")" = "$(pool "$SLEASES")" ] && break
	sleep 0.2
done
lw_check_eq "primary lease file: leased addresses active for their MACs" "$want" "$(pick "$PLEASES")"
lw_check_eq "secondary lease file: leased addresses active for their MACs" "$want" "$(pick "$SLEASES")"
# The whole pool: the same binding state for every address on both sides
# (free on one side is free on the other, the secondary's share is backup on
# both).
pst=$(pool "$PLEASES"); sst=$(pool "$SLEASES")
lw_check_eq "primary lease file: addresses in the pool" 40 "$(echo "$pst" | grep -c .)"
if [ "$pst" = "$sst" ]; then
	lw_check "lease files: same binding state for all 40 addresses" true
else
	diff <(echo "$pst") <(echo "$sst") | head -n 10
	lw_check "lease files: same binding state for all 40 addresses" false
fi
lw_log "binding states: $(echo "$pst" | cut -f2 | sort | uniq -c | tr '\n' ' ')"
for ((i = 1; i <= N; i++)); do
	lw_stop_pid "${CPID[c$i]}" TERM 5 || true
done

# ------------------------------------------------------------ kill -9 / restart
mark=$(isc_log_lines "$PLOG")
isc_kill9 "$SPID"
lw_log "secondary (pid $SPID) killed -9"
l=$(isc_wait_state "$PLOG" communications-interrupted 20 "$mark")
lw_check "primary moves to communications-interrupted (${l#*: })" [ -n "$l" ]
pmark=$(isc_log_lines "$PLOG")
isc_start "$NSS" "$SCONF" "$SLEASES" lan0 SPID || lw_fatal "secondary dhcpd did not restart"
smark=$ISC_LOG_LINE
l=$(isc_wait_state "$SLOG" normal 40 "$smark")
lw_check "restarted secondary is normal again (${l#*: })" [ -n "$l" ]
l=$(isc_wait_state "$PLOG" normal 20 "$pmark")
lw_check "primary is normal again (${l#*: })" [ -n "$l" ]
tail -n +"$smark" "$SLOG" | isc_states /dev/stdin | sed 's/^/  secondary: /'
tail -n +"$((mark + 1))" "$PLOG" | isc_states /dev/stdin | sed 's/^/  primary:   /'
lw_check_eq "secondary lease file after restart: leased addresses active" "$want" "$(pick "$SLEASES")"
sleep 2 # a CONTACT or two on the new connection
isc_capture_stop

# ------------------------------------------------------------ the capture
lw_log "failover capture: $(lw_count "$PCAP" tcp) TCP frames"
lw_check "fo_tshark_check: dhcpfo decodes, no malformed frame or expert warning" fo_tshark_check "$PCAP"
for t in 5 6 10 7 8 3 4 11; do
	lw_check_ge "dhcpfo ${ISC_FO_TYPES[$t]} messages" 1 "${FO_COUNT[$t]:-0}"
done
# Negative control: a CONTACT and a BNDUPD whose option runs past the
# message must make fo_tshark_check fail.
"$LW_PY" - "$LW_TMP/bad.pcap" <<'EOF'
import struct, sys, time
from scapy.all import Ether, IP, TCP, Raw, wrpcap
t = int(time.time())
contact = struct.pack("!HBBII", 12, 11, 12, t, 1)
bndupd = struct.pack("!HBBII", 20, 3, 12, t, 2) + struct.pack("!HH", 1, 40) + bytes(4)
def seg(data, seq):
    return (Ether() / IP(src="10.99.0.1", dst="10.99.0.2") /
            TCP(sport=647, dport=40000, flags="PA", seq=seq, ack=1) / Raw(data))
wrpcap(sys.argv[1], [seg(contact, 1), seg(bndupd, 1 + len(contact))])
EOF
fo_rejects() { ! fo_tshark_check "$1" >/dev/null; }
lw_check "negative control: fo_tshark_check fails on a malformed BNDUPD" fo_rejects "$LW_TMP/bad.pcap"

# dhcpd has no SIGTERM handler: it dies of the signal (status 143), which
# isc_stop counts as a clean stop; 137 would mean it needed SIGKILL.
rc=0; isc_stop "$PPID_" || rc=$?
lw_check_eq "primary dhcpd stops on SIGTERM (isc_stop status)" 0 "$rc"
rc=0; isc_stop "$SPID" || rc=$?
lw_check_eq "secondary dhcpd stops on SIGTERM (isc_stop status)" 0 "$rc"
lw_log "total $(($(date +%s) - T0)) s"
lw_finish
