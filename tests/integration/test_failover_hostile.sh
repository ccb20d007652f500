#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# A hostile or broken failover partner against leasewired (the secondary,
# listening on 10.99.0.1:647 for its partner 10.99.0.2): fo_hostile.py,
# in the partner's namespace, opens one connection per case and does one
# wrong thing: a connection from another address (10.99.0.3), a message
# before CONNECT, CONNECTs with an unknown name, a clock 120 s off, no
# hash-bucket-assignment, no MCLT, a length field below 12, a 1-byte
# IP-flags, an unknown option (must be skipped), a second CONNECT, a BNDUPD
# for an address in no pool, an ACTIVE BNDUPD without a hardware address,
# and a partner that asks for every binding and never acks (no more than
# its max-unacked-bndupd BNDUPDs may come). Each gets the draft's answer
# (reject reason or close) - checked by the script - plus a counter and a
# log line an operator can act on - checked here. Afterwards the daemon
# still runs, its workers still answer (DISCOVERs counted as fo-no-service:
# leasewired is in recover, it has never had a real partner) and it stops
# cleanly.
set -u
. "$(dirname "$0")/lib.sh"
lw_init foh
. "$(dirname "$0")/lib_isc.sh"
isc_init

LW_SHELL_PY="$LW_ROOT/tests/integration/shell_client.py"
NSP=lw-fhp-$LW_ID
WINDOW=10
BINDINGS=40

lab_up "$LW_ID" --relay || lw_fatal "lab up" # 10.77.0.2 on the client veth: perfdhcp is a relay
isc_netns_add "$NSP" || lw_fatal "netns $NSP"
isc_veth "$LW_SRV_NS" fo0 10.99.0.1/24 "$NSP" fo0 10.99.0.2/24 || lw_fatal "failover veth"
ip -n "$NSP" addr add 10.99.0.3/24 dev fo0 || lw_fatal "second address"

PW_HASH=$(printf 'fo-secret\n' | "$LW_DAEMON" --hash-password) || lw_fatal "--hash-password"
SOCK=$LW_TMP/shell.sock
CFG=$LW_TMP/lw.json
SUB='[{"id": 1, "subnet": "10.77.0.0/16", "interface": "port0",
  "pools": [{"pool": "10.77.1.0 - 10.77.1.255"}],
  "option-data": [{"name": "routers", "data": "10.77.0.1"}]}]'
lw_config_write "$CFG" "$SUB"
"$LW_PY" - "$CFG" "$PW_HASH" "$SOCK" <<'PY'
import json, sys
path, pw, sock = sys.argv[1:4]
c = json.load(open(path))
d = c["Dhcp4"]
d["shell"] = {"password-hash": pw, "enable-password-hash": pw, "port": 0,
              "unix-socket": sock, "idle-timeout": 60}
d["failover"] = {"peer-name": "lw-fo", "role": "secondary", "address": "10.99.0.1",
                 "peer-address": "10.99.0.2", "max-response-delay": 30,
                 "max-unacked-updates": 10, "startup-time": 1}
json.dump(c, open(path, "w"), indent=1)
PY
lw_daemon_start --config "$CFG" || lw_fatal "leasewired did not start"

lw_shell() {
	timeout -k 5 60 ip netns exec "$LW_SRV_NS" "$LW_PY" "$LW_SHELL_PY" --unix "$SOCK" \
		--password fo-secret --enable fo-secret -- "$@"
}
fo_ctr() { lw_tel_get /leasewire/failover "$1"; }

# Bound leases for the flow-control case, through the shell's Kea CSV import.
CSV=$LW_TMP/import.csv
now=$(date +%s)
{
	echo "address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev,hostname,state,user_context"
	for ((i = 1; i <= BINDINGS; i++)); do
		printf '10.77.1.%d,02:00:00:00:01:%02x,,3600,%d,1,0,0,,0,\n' "$i" "$i" $((now + 3600))
	done
} >"$CSV"
lw_shell "import leases $CSV" >"$LW_TMP/import.log" 2>&1
lw_check "import of $BINDINGS bound leases" grep -q "$BINDINGS leases imported" "$LW_TMP/import.log"

PCAP=$LW_TMP/fo.pcap
isc_capture_start "$LW_SRV_NS" fo0 "$PCAP" "tcp port 647" || lw_fatal "tcpdump"
out=$LW_TMP/hostile.out
timeout -k 5 180 ip netns exec "$NSP" "$LW_PY" "$LW_ROOT/tests/integration/fo_hostile.py" \
	--host 10.99.0.1 --source 10.99.0.2 --wrong-source 10.99.0.3 --name lw-fo \
	--outside 10.200.0.1 --max-unacked "$WINDOW" --bindings "$BINDINGS" >"$out" 2>&1
rc=$?
sed 's/^/  /' "$out"
while read -r _ name verdict detail; do
	lw_check "partner case $name ($detail)" [ "$verdict" = PASS ]
done < <(grep '^CASE ' "$out")
lw_check_eq "fo_hostile.py exit status" 0 "$rc"
lw_check_ge "cases run" 13 "$(grep -c '^CASE ' "$out")"

# Every wrong thing counted, and said in the log.
lw_check_ge "counter refused_wrong_source" 1 "$(fo_ctr refused_wrong_source)"
lw_check_ge "counter drop_before_connect" 1 "$(fo_ctr drop_before_connect)"
lw_check_ge "counter connect_rejected (name, skew, HBA, MCLT)" 4 "$(fo_ctr connect_rejected)"
lw_check_ge "counter drop_malformed (length field, IP-flags size)" 2 "$(fo_ctr drop_malformed)"
lw_check_ge "counter drop_unexpected (second CONNECT)" 1 "$(fo_ctr drop_unexpected)"
lw_check_ge "counter bndupd_rejected (outside pools, no chaddr)" 2 "$(fo_ctr bndupd_rejected)"
LOG=$LW_TMP/daemon.log
for line in "refused a connection from 10.99.0.3" "before CONNECT/CONNECTACK" \
	"CONNECT rejected (8" "CONNECT rejected (4" "CONNECT rejected (18" "CONNECT rejected (5" \
	"malformed message from the partner" "a second CONNECT on an established connection"; do
	lw_check "log: '$line'" grep -qF "$line" "$LOG"
done

# Still alive, workers not held up: DISCOVERs reach them (no service in recover).
nos0=$(lw_stat drop_fo_no_service)
LW_PERF_TIMEOUT=15 lw_perfdhcp "$LW_TMP/perf.log" -4 -l "$LW_CLI_IF" -r 20 -n 20 -R 20 || true
lw_check_ge "workers still take DISCOVERs (counted fo-no-service)" 1 \
	$(($(lw_stat drop_fo_no_service) - ${nos0:-0}))
lw_shell "show failover" >"$LW_TMP/show-failover.txt" 2>&1
lw_check "the shell answers: show failover" grep -q "relationship *lw-fo" "$LW_TMP/show-failover.txt"
isc_capture_stop
lw_daemon_stop; rc=$?
lw_check_eq "leasewired exit status after SIGTERM" 0 "$rc"
lw_finish
