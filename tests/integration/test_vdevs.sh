#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# leasewired on the other virtual PMDs the foundation issue names:
#
# net_memif: leasewired is the memif server, lw_loadgen (DPDK) the memif
#   client over a socket in this test's temp dir; N clients do DORA, renew
#   and release. Asserted: every client got its lease and its renewal, and
#   the daemon's lease table and counters agree with the loadgen. Then
#   QinQ: M more clients send every frame with an 802.1ad S-tag (0x88a8)
#   around an 802.1Q C-tag (0x8100); every OFFER and ACK must come back with
#   the same two tags, outer first, and the same VLAN ids (net_af_packet
#   cannot show this: the kernel strips the outer tag).
# net_ring: a PMD with no MAC address and no peer; the daemon starts, gives
#   the port a locally administered address, answers telemetry and stops
#   with exit status 0.
# leasewired --help: exit 0, EAL's options followed by the daemon's own.
# leasewired --check-config FILE: 0 for a valid file, 1 and the key path
# of the error for a bad one.
set -u
. "$(dirname "$0")/lib.sh"
lw_init vdv

# ------------------------------------------------------------ --help
help_rc=0
help_out=$(timeout 20 "$LW_BUILD/dataplane/leasewired" --help 2>&1) || help_rc=$?
lw_check_eq "--help: exit status" "0" "$help_rc"
lw_check "--help: lists EAL's options (--vdev)" grep -q -e '--vdev' <<<"$help_out"
lw_check "--help: lists the daemon's --config" grep -q -e '--config FILE' <<<"$help_out"
lw_check "--help: lists the daemon's --lab" grep -q -e '--lab ' <<<"$help_out"

# ------------------------------------------------------------ --check-config
# Like kea-dhcp4 -t: 0 and a line for a valid file; 1 and the key path of
# the error for a bad one; nothing started (no EAL, no hugepages needed).
"$LW_BUILD/dataplane/leasewired" --print-default-config >"$LW_TMP/good.json"
cc_rc=0
cc_out=$("$LW_BUILD/dataplane/leasewired" --check-config "$LW_TMP/good.json" 2>&1) || cc_rc=$?
lw_check_eq "--check-config: a valid file exits 0" "0" "$cc_rc"
lw_check "--check-config: says it is valid" grep -q 'is valid' <<<"$cc_out"
sed 's/"valid-lifetime": [0-9]*/"valid-lifetime": -5/' "$LW_TMP/good.json" >"$LW_TMP/bad.json"
cc_rc=0
cc_out=$("$LW_BUILD/dataplane/leasewired" --check-config "$LW_TMP/bad.json" 2>&1) || cc_rc=$?
lw_check_eq "--check-config: a bad file exits 1" "1" "$cc_rc"
lw_check "--check-config: the error names the key path" grep -q 'valid-lifetime' <<<"$cc_out"

N=${LW_VDEV_CLIENTS:-500}
LG=${LW_LOADGEN:-$LW_BUILD/tests/loadgen/lw_loadgen}
[ -x "$LG" ] || lw_fatal "no loadgen at $LG"

# Only the server namespace is used: the daemon starts in it, and the loadgen
# joins it because memif's control socket is an abstract Unix socket, which
# belongs to a network namespace.
lab_up "$LW_ID" || lw_fatal "lab up"

# ------------------------------------------------------------ net_memif
SOCK=$LW_TMP/memif.sock
lw_config_write "$LW_TMP/memif.json" "[$LW_SUBNET_DIRECT]"
LW_DAEMON_VDEV="net_memif0,role=server,socket=$SOCK" \
	lw_daemon_start --config "$LW_TMP/memif.json" || lw_fatal "leasewired on net_memif did not start"

LG_PREFIX="lg$LW_ID"
LW_PREFIXES+=("$LG_PREFIX")
rc=0
timeout -k 5 180 ip netns exec "$LW_SRV_NS" "$LG" --no-huge -m 256 --no-pci --file-prefix "$LG_PREFIX" -l 0 \
	--log-level=lib.eal:warning --vdev "net_memif0,role=client,socket=$SOCK" -- \
	--clients "$N" --window 64 --timeout-ms 2000 --retries 3 --max-secs 120 \
	>"$LW_TMP/loadgen.log" 2>&1 || rc=$?
grep '^loadgen: ' "$LW_TMP/loadgen.log" | sed 's/^/    /'
summary=$(grep '^LOADGEN ' "$LW_TMP/loadgen.log" | tail -n1)
lg() { sed -n "s/.* $1=\([0-9.]*\).*/\1/p" <<<" $summary"; }
[ -n "$summary" ] || tail -n 20 "$LW_TMP/loadgen.log"

lw_check_eq "memif: lw_loadgen exit status" "0" "$rc"
lw_check_eq "memif: clients that got a lease" "$N" "$(lg leased)"
lw_check_eq "memif: clients renewed" "$N" "$(lg renewed)"
lw_check_eq "memif: OFFERs/ACKs not unicast to chaddr+yiaddr (renewals: ciaddr)" "0" "$(lg addr_mismatch)"
lw_check_eq "memif: daemon lease records" "$N" "$(lw_tel_get /leasewire/leases count)"
lw_check_eq "memif: daemon tx_ack (DORA + renew)" "$((2 * N))" "$(lw_stat tx_ack)"
lw_check_eq "memif: daemon rx_release" "$N" "$(lw_stat rx_release)"

# QinQ over the same memif: S-tag 0x88a8 vid 100 outside, C-tag 0x8100 vid 200 inside.
M=${LW_VDEV_QINQ_CLIENTS:-50}
LW_PREFIXES+=("${LG_PREFIX}q")
rc=0
timeout -k 5 120 ip netns exec "$LW_SRV_NS" "$LG" --no-huge -m 256 --no-pci --file-prefix "${LG_PREFIX}q" -l 0 \
	--log-level=lib.eal:warning --vdev "net_memif0,role=client,socket=$SOCK" -- \
	--clients "$M" --mac-base 02:4d --qinq 100:200 --window 16 --timeout-ms 2000 --retries 3 \
	--max-secs 60 >"$LW_TMP/loadgen-qinq.log" 2>&1 || rc=$?
grep '^loadgen: ' "$LW_TMP/loadgen-qinq.log" | sed 's/^/    /'
summary=$(grep '^LOADGEN ' "$LW_TMP/loadgen-qinq.log" | tail -n1)
[ -n "$summary" ] || tail -n 20 "$LW_TMP/loadgen-qinq.log"
lw_check_eq "memif QinQ: lw_loadgen exit status" "0" "$rc"
lw_check_eq "memif QinQ: clients that got a lease" "$M" "$(lg leased)"
lw_check_eq "memif QinQ: clients renewed" "$M" "$(lg renewed)"
# OFFER, ACK and renewal ACK per client, each with 0x88a8/100 then 0x8100/200.
lw_check_ge "memif QinQ: replies with the S-tag and C-tag sent" "$((3 * M))" "$(lg vlan_ok)"
lw_check_eq "memif QinQ: replies with other tags (or none)" "0" "$(lg vlan_mismatch)"
lw_check_eq "memif QinQ: OFFERs/ACKs not unicast to chaddr+yiaddr" "0" "$(lg addr_mismatch)"
lw_print_stats
lw_daemon_stop
rc=$?
lw_check_eq "memif: leasewired exit status after SIGTERM" "0" "$rc"

# ------------------------------------------------------------ net_ring
LW_DAEMON_VDEV="net_ring0" lw_daemon_start --lab --lease-dir "$LW_TMP/ring-leases" ||
	lw_fatal "leasewired on net_ring did not start"
mac=$(grep -o 'port0 = port 0 mac [0-9A-F:]*' "$LW_TMP/daemon.log" | tail -n1 | awk '{print $6}')
lw_log "net_ring port MAC $mac"
lw_check "net_ring: port has a non-zero MAC ($mac)" test -n "$mac" -a "$mac" != "00:00:00:00:00:00"
first_octet=$((16#${mac%%:*}))
lw_check "net_ring: the MAC is locally administered, unicast ($mac)" \
	test $((first_octet & 3)) -eq 2
lw_check_eq "net_ring: telemetry answers (rx_packets)" "0" "$(lw_stat rx_packets)"
lw_daemon_stop
rc=$?
lw_check_eq "net_ring: leasewired exit status after SIGTERM" "0" "$rc"

lw_finish
