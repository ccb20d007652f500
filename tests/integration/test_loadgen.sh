#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# lw_loadgen (DPDK, net_af_packet on the client veth) against the real
# leasewired: N emulated clients (default 2,000) do DORA, a unicast renew
# (REQUEST with ciaddr) and a RELEASE. Asserted: the loadgen exits 0; every
# client got its lease and its renewal (no missing OFFER, no missing ACK, no
# NAK); the loadgen's lease count equals the daemon's /leasewire/leases
# count; every record is bound or released, and the daemon saw every RELEASE;
# tx_ack = 2N. The loadgen's rates and latencies are printed, never asserted.
#
# LW_LOADGEN_CLIENTS (default 2000), LW_LOADGEN_RATE (new clients/s per
# phase, default 1000: a smoke run, not a speed run).
set -u
. "$(dirname "$0")/lib.sh"
lw_init lgt

N=${LW_LOADGEN_CLIENTS:-2000}
RATE=${LW_LOADGEN_RATE:-1000}
LG=${LW_LOADGEN:-$LW_BUILD/tests/loadgen/lw_loadgen}
[ -x "$LG" ] || lw_fatal "no loadgen at $LG (build with -Dtests=true)"

lab_up "$LW_ID" || lw_fatal "lab up"
SUBNET='{"id": 1, "subnet": "10.77.0.0/16", "interface": "port0",
  "pools": [{"pool": "10.77.1.0 - 10.77.254.255"}],
  "option-data": [{"name": "routers", "data": "10.77.0.1"}]}'
lw_config_write "$LW_TMP/lw.json" "[$SUBNET]"
lw_daemon_start --config "$LW_TMP/lw.json" || lw_fatal "leasewired did not start"

LG_PREFIX="lg$LW_ID"
LW_PREFIXES+=("$LG_PREFIX")
lw_log "lw_loadgen: $N clients at ${RATE}/s"
rc=0
timeout -k 5 $((N * 3 / RATE + 120)) ip netns exec "$LW_CLI_NS" "$LG" --no-huge -m 256 \
	--no-pci --file-prefix "$LG_PREFIX" -l 0 --log-level=lib.eal:warning \
	--vdev "net_af_packet0,iface=$LW_CLI_IF,qpairs=1" -- \
	--clients "$N" --rate "$RATE" --window 128 --timeout-ms 2000 --retries 3 \
	--max-secs 120 >"$LW_TMP/loadgen.log" 2>&1 || rc=$?
grep '^loadgen: ' "$LW_TMP/loadgen.log" | sed 's/^/    /'
summary=$(grep '^LOADGEN ' "$LW_TMP/loadgen.log" | tail -n1)
echo "    $summary"
lg() { sed -n "s/.* $1=\([0-9.]*\).*/\1/p" <<<" $summary"; }

lw_check_eq "lw_loadgen exit status" "0" "$rc"
lw_check_eq "clients that got a lease (DORA)" "$N" "$(lg leased)"
lw_check_eq "clients without an OFFER" "0" "$(lg no_offer)"
lw_check_eq "clients without an ACK" "0" "$(lg no_ack)"
lw_check_eq "clients NAKed" "0" "$(lg nak)"
lw_check_eq "clients renewed (unicast REQUEST, ciaddr)" "$N" "$(lg renewed)"
lw_check_eq "RELEASEs sent" "$N" "$(lg released)"
lw_check_eq "OFFERs/ACKs not unicast to chaddr+yiaddr (renewals: ciaddr)" "0" "$(lg addr_mismatch)"

count=$(lw_tel_get /leasewire/leases count)
bound=$(lw_tel_get /leasewire/leases bound)
released=$(lw_tel_get /leasewire/leases released)
lw_log "server: count=$count bound=$bound released=$released"
lw_check_eq "daemon /leasewire/leases count = loadgen's leased" "$(lg leased)" "$count"
lw_check_eq "daemon records bound + released" "$N" "$((${bound:-0} + ${released:-0}))"
lw_check_eq "daemon rx_release = loadgen's RELEASEs" "$(lg released)" "$(lw_stat rx_release)"
lw_check_eq "daemon tx_ack (DORA + renew)" "$((2 * N))" "$(lw_stat tx_ack)"
lw_check_eq "daemon tx_nak" "0" "$(lw_stat tx_nak)"
lw_print_stats
lw_daemon_stop; rc=$?
lw_check_eq "leasewired exit status after SIGTERM" "0" "$rc"
lw_finish
