#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# DNS updates end to end: the real leasewired (net_af_packet in the lab),
# real ISC dhclient clients, a real BIND 9.18 (tests/integration/bind/, its
# own config, keys and zones, in leasewired's namespace on 127.0.0.1:10053),
# every record checked with dig:
#   1. dhclient sending option 81 (host1, server updates): the ACK carries
#      option 81; dig shows A = the leased address, a DHCID, and the PTR,
#      with TTL = lease / 3; show lease names it with its DNS state; after
#      RELEASE all three are gone.
#   2. dhclient sending only a host name (option 12 "pc7"): qualified with
#      the suffix, A + DHCID + PTR; gone after RELEASE.
#   3. Two clients (two MACs) ask for the same name: the second gets no
#      records and a logged conflict, the first's are untouched; a client
#      asking for the static name (no DHCID in the zone) never touches it.
#   4. 1,000 perfdhcp clients with generated names (ddns-replace-client-name
#      always) and 60 s leases: 1,000 A and PTR records; BIND stopped; the
#      leases expire (1,000 removals owed); leasewired killed with -9 in the
#      middle and restarted on its store; BIND back after 30 s: every
#      removal lands, 0 records left.
#   5. A wrong TSIG secret: an operator log line naming the server and
#      BADSIG, nothing in the zone, the daemon still serves DHCP.
set -u
. "$(dirname "$0")/lib.sh"
lw_init dns
BIND=$LW_ROOT/tests/integration/bind
for t in named dig nsupdate tsig-keygen perfdhcp dhclient; do
	command -v "$t" >/dev/null || lw_fatal "$t is not installed"
done
T0=$(date +%s)

lab_up "$LW_ID" || lw_fatal "lab up"
NSD=$LW_TMP/bind
export DNS_PORT=10053 RNDC_PORT=10953
bind_start() { ip netns exec "$LW_SRV_NS" "$BIND/start.sh" "$@" "$NSD" >/dev/null; }
bind_stop() { ip netns exec "$LW_SRV_NS" "$BIND/stop.sh" "$NSD" 2>/dev/null || true; }
dns_cleanup() {
	local rc=$?
	bind_stop
	if [ "$rc" -ne 0 ] || [ "$LW_FAILS" -ne 0 ]; then
		echo "---- last 20 lines of $NSD/log/named.log"
		tail -n 20 "$NSD/log/named.log" 2>/dev/null
	fi
	return "$rc"
}
trap 'dns_cleanup; lw_cleanup' EXIT
bind_start --fresh || lw_fatal "BIND did not start in $LW_SRV_NS"
SECRET=$(sed -n 's/.*secret "\(.*\)";/\1/p' "$NSD/keys/ddns-key.conf")
[ -n "$SECRET" ] || lw_fatal "no secret in $NSD/keys/ddns-key.conf"

dig_ns() { ip netns exec "$LW_SRV_NS" dig @127.0.0.1 -p "$DNS_PORT" +norec +time=2 +tries=2 "$@"; }
# rr NAME TYPE: "ttl data" of each answer record
rr() { dig_ns +noall +answer "$1" "$2" | awk '{print $2, $5}' | sort; }
rdata() { rr "$1" "$2" | awk '{print $2}' | tr '\n' ' ' | sed 's/ $//'; }
rev() { echo "$1" | awk -F. '{print $4"."$3"."$2"."$1".in-addr.arpa"}'; }
zone_count() { dig_ns +time=5 "$1" AXFR | awk -v t="$2" '$4 == t' | wc -l; }
# wait_rr NAME TYPE WANT SECS: until rdata NAME TYPE is WANT ("" = none), bounded
wait_rr() {
	local i
	for ((i = 0; i < $4 * 5; i++)); do
		[ "$(rdata "$1" "$2")" = "$3" ] && return 0
		sleep 0.2
	done
	lw_log "$1 $2: '$(rdata "$1" "$2")', wanted '$3'"
	return 1
}

# ddns_ctr <block> <counter>: one counter of /leasewire/counters (0 when absent)
ddns_ctr() {
	local v
	v=$(lw_tel_get "/leasewire/counters,$1" "$1" "$2" 2>/dev/null)
	echo "${v:-0}"
}
conflicts_above() { [ "$(ddns_ctr ddns conflicts)" -gt "$1" ]; }

PW_HASH=$(printf 'dns-secret\n' | "$LW_DAEMON" --hash-password) || lw_fatal "--hash-password"
SOCK=$LW_TMP/shell.sock
lw_shell() {
	timeout -k 5 60 ip netns exec "$LW_SRV_NS" "$LW_PY" "$LW_ROOT/tests/integration/shell_client.py" \
		--unix "$SOCK" --password dns-secret --enable dns-secret -- "$@"
}

# dns_config <file> <secret> [<valid>] [<replace-client-name>]
dns_config() {
	local file=$1 secret=$2 valid=${3:-600} replace=${4:-never}
	lw_config_write "$file" "[$LW_SUBNET_DIRECT]" "$valid" $((valid / 4)) $((valid / 2))
	"$LW_PY" - "$file" "$secret" "$replace" "$PW_HASH" "$SOCK" <<-'PY'
	import json, sys
	path, secret, replace, pw, sock = sys.argv[1:6]
	c = json.load(open(path))
	d = c["Dhcp4"]
	d["shell"] = {"password-hash": pw, "enable-password-hash": pw, "port": 0,
	              "unix-socket": sock, "idle-timeout": 60}
	d["ddns-qualifying-suffix"] = "example.test"
	d["ddns-replace-client-name"] = replace
	d["ddns-ttl-min"] = 60
	server = [{"ip-address": "127.0.0.1", "port": 10053}]
	d["ddns"] = {"dns-server-timeout": 300, "retry-min": 200, "retry-max": 2000,
	             "max-in-flight": 256,
	             "tsig-keys": [{"name": "ddns-key", "secret": secret}],
	             "forward-ddns": {"ddns-domains": [
	                 {"name": "example.test", "key-name": "ddns-key", "dns-servers": server}]},
	             "reverse-ddns": {"ddns-domains": [
	                 {"name": "10.in-addr.arpa", "key-name": "ddns-key", "dns-servers": server}]}}
	json.dump(c, open(path, "w"), indent=1)
	PY
}

# client_conf <send-lines>: dhclient's config with these "send" lines
client_conf() {
	lw_dhclient_setup configure
	printf '%s\n' "$@" >>"$LW_DHC_CONF"
}

# bound: start dhclient (in this shell: LW_DHC_PID), wait for BOUND; the address in BOUND_IP
bound() {
	local line after
	BOUND_IP=
	after=$(wc -l <"$LW_DHC_EVENTS")
	lw_dhclient_start
	line=$(lw_dhclient_wait 'BOUND' 40 "$after") || return 1
	BOUND_IP=$(echo "$line" | awk '{print $3}')
}

CFG=$LW_TMP/dns.json
dns_config "$CFG" "$SECRET"
lw_daemon_start --config "$CFG" || lw_fatal "leasewired did not start"

# ------------------------------------------------------------ 1. option 81
lw_log "1. dhclient with option 81 (host1, server updates)"
client_conf 'send fqdn.fqdn "host1";' 'send fqdn.encoded on;' 'send fqdn.server-update on;'
lw_capture_start "$LW_TMP/fqdn.pcap" || lw_fatal "tcpdump"
bound || lw_fatal "dhclient (option 81) got no lease"
IP1=$BOUND_IP
lw_log "host1 bound $IP1"
sleep 1 # tcpdump gets packets in blocks, not one by one
lw_capture_stop
# tshark decodes our ACK's option 81: S=1, O=0, N=0, E=1, the qualified name.
ack81=$(lw_tshark "$LW_TMP/fqdn.pcap" -Y 'dhcp.option.dhcp == 5 && dhcp.fqdn.s == 1 &&
	dhcp.fqdn.o == 0 && dhcp.fqdn.n == 0 && dhcp.fqdn.e == 1 &&
	dhcp.fqdn.name == "host1.example.test"' -T fields -e frame.number | wc -l)
lw_check_ge "the ACK carries option 81: S=1, E=1, host1.example.test (tshark)" 1 "$ack81"
lw_check_decode "$LW_TMP/fqdn.pcap" "option 81 exchange"
lw_check "dig: A host1.example.test = $IP1" wait_rr host1.example.test A "$IP1" 20
lw_check "dig: PTR $(rev "$IP1") = host1.example.test." \
	wait_rr "$(rev "$IP1")" PTR host1.example.test. 20
lw_check_eq "dig: one DHCID at host1.example.test" 1 "$(rr host1.example.test DHCID | wc -l)"
lw_check_eq "dig: TTL of the A = lease 600 / 3" 200 "$(rr host1.example.test A | awk '{print $1}')"
lw_check_eq "dig: TTL of the PTR" 200 "$(rr "$(rev "$IP1")" PTR | awk '{print $1}')"
lw_check_eq "server view: fqdn" host1.example.test "$(lw_lease_field "$IP1" fqdn)"
lw_shell "show lease $IP1" >"$LW_TMP/show-lease-1.txt" 2>&1
lw_check "show lease names host1.example.test" grep -q "host1.example.test" "$LW_TMP/show-lease-1.txt"
lw_shell "show leases hostname host1.example.test" >"$LW_TMP/show-leases-h.txt" 2>&1
lw_check "show leases hostname finds it" grep -q "$IP1" "$LW_TMP/show-leases-h.txt"
ip netns exec "$LW_CLI_NS" ping -n -q -c1 -W3 10.77.0.1 >/dev/null 2>&1
lw_dhclient_release || lw_log "dhclient -r exited non-zero"
lw_check "after RELEASE: no A" wait_rr host1.example.test A "" 20
lw_check "after RELEASE: no DHCID" wait_rr host1.example.test DHCID "" 10
lw_check "after RELEASE: no PTR" wait_rr "$(rev "$IP1")" PTR "" 10

# ------------------------------------------------------------ 2. option 12
lw_log "2. dhclient with only a host name (option 12 pc7)"
client_conf 'send host-name "pc7";'
bound || lw_fatal "dhclient (option 12) got no lease"
IP2=$BOUND_IP
lw_check "dig: A pc7.example.test = $IP2" wait_rr pc7.example.test A "$IP2" 20
lw_check "dig: PTR = pc7.example.test." wait_rr "$(rev "$IP2")" PTR pc7.example.test. 20
lw_check_eq "dig: one DHCID at pc7.example.test" 1 "$(rr pc7.example.test DHCID | wc -l)"
ip netns exec "$LW_CLI_NS" ping -n -q -c1 -W3 10.77.0.1 >/dev/null 2>&1
lw_dhclient_release || lw_log "dhclient -r exited non-zero"
lw_check "after RELEASE: pc7 has no A" wait_rr pc7.example.test A "" 20
lw_check "after RELEASE: pc7's PTR is gone" wait_rr "$(rev "$IP2")" PTR "" 10

# ------------------------------------------------------------ 3. conflicts
lw_log "3. two clients, one name; the static name"
client_conf 'send host-name "shared";'
bound || lw_fatal "client A got no lease"
IPA=$BOUND_IP
lw_check "client A: A shared.example.test = $IPA" wait_rr shared.example.test A "$IPA" 20
DHCID_A=$(rdata shared.example.test DHCID)
lw_stop_pid "$LW_DHC_PID" KILL 10 # A keeps its binding: no RELEASE
lw_check_eq "client A is still bound" bound "$(lw_lease_field "$IPA" state)"
ip -n "$LW_CLI_NS" link set dev "$LW_CLI_IF" address 02:00:00:00:d0:0b
ip -n "$LW_CLI_NS" addr flush dev "$LW_CLI_IF"
rm -f "$LW_DHC_LEASES"
conflicts0=$(ddns_ctr ddns conflicts)
bound || lw_fatal "client B got no lease"
IPB=$BOUND_IP
lw_check_eq "server view: B's address is bound to B's MAC" 02:00:00:00:d0:0b \
	"$(lw_lease_field "$IPB" hw_address)"
lw_check "client B ($IPB) got another address than A" test "$IPB" != "$IPA"
lw_check "the engine counted the conflict" \
	lw_wait_until 20 conflicts_above "${conflicts0:-0}"
lw_check "the conflict is logged" grep -q "shared.example.test.*another client" "$LW_TMP/daemon.log"
lw_check_eq "A's address record untouched" "$IPA" "$(rdata shared.example.test A)"
lw_check_eq "A's DHCID untouched" "$DHCID_A" "$(rdata shared.example.test DHCID)"
lw_check_eq "no PTR for client B" "" "$(rdata "$(rev "$IPB")" PTR)"
lw_stop_pid "$LW_DHC_PID" TERM 10
ip -n "$LW_CLI_NS" link set dev "$LW_CLI_IF" address 02:00:00:00:d0:0c
ip -n "$LW_CLI_NS" addr flush dev "$LW_CLI_IF"
rm -f "$LW_DHC_LEASES"
client_conf 'send host-name "static";'
bound || lw_fatal "the static-name client got no lease"
IPS=$BOUND_IP
lw_check "the static name's conflict is logged" \
	lw_wait_until 20 grep -q "static.example.test.*another client" "$LW_TMP/daemon.log"
lw_check_eq "static.example.test keeps its A" 192.0.2.10 "$(rdata static.example.test A)"
lw_check_eq "static.example.test has no DHCID" "" "$(rdata static.example.test DHCID)"
lw_check_eq "no PTR for the static-name client" "" "$(rdata "$(rev "$IPS")" PTR)"
lw_stop_pid "$LW_DHC_PID" TERM 10

# ------------------------------------------------------------ 4. 1,000 removals, DNS down, kill -9
lw_log "4. 1,000 generated names; DNS down while their leases expire; kill -9"
lw_daemon_stop
N=${LW_DNS_CLIENTS:-1000}
dns_config "$CFG" "$SECRET" 60 always
LW_LEASE_DIR=$LW_TMP/bulk-leases
mkdir -p "$LW_LEASE_DIR"
sed -i "s#\"directory\": \"[^\"]*\"#\"directory\": \"$LW_LEASE_DIR\"#" "$CFG"
# Fresh zones: the names of the phases above stay out of the counts.
bind_stop
bind_start --fresh || lw_fatal "BIND did not restart"
lw_daemon_start --config "$CFG" || lw_fatal "leasewired (bulk) did not start"
A0=$(zone_count example.test A) P0=$(zone_count 10.in-addr.arpa PTR) D0=$(zone_count example.test DHCID)
lw_perfdhcp "$LW_TMP/perf-bulk.log" -4 -l "$LW_CLI_IF" -r 200 -R "$N" -n "$N" -d 2 -u \
	-b "mac=0a:00:00:00:00:00" || lw_log "perfdhcp exit $?"
acks=$(lw_perf_field "$LW_TMP/perf-bulk.log" REQUEST-ACK "received packets")
acks=${acks:-0}
lw_check_ge "perfdhcp: $N clients bound (1 % may be lost on a loaded host)" $((N * 99 / 100)) "$acks"
T_BOUND=$(date +%s)
wait_count() { # wait_count ZONE TYPE WANT SECS [ge]: exactly WANT records (at least, with ge)
	local i n
	for ((i = 0; i < $4; i++)); do
		n=$(zone_count "$1" "$2")
		[ "$n" -eq "$3" ] && return 0
		[ "${5:-}" = ge ] && [ "$n" -ge "$3" ] && return 0
		sleep 1
	done
	lw_log "$1 $2 records: $(zone_count "$1" "$2"), wanted $3"
	return 1
}
lw_check "dig: one generated A record per client bound (+ those before)" \
	wait_count example.test A $((A0 + acks)) 30 ge
lw_check "dig: one PTR per client bound" wait_count 10.in-addr.arpa PTR $((P0 + acks)) 20 ge
bind_stop
T_DOWN=$(date +%s)
lw_log "BIND stopped; waiting for the 60 s leases to expire"
# Let the leases run out and their removals queue up, then kill -9.
removals_owed() { [ "$(ddns_ctr ddns_leases removes_requested)" -ge "$acks" ]; }
lw_check "a removal owed for every expired lease while BIND is down" lw_wait_until 90 removals_owed
lw_log "counters: $(lw_tel /leasewire/counters,ddns_leases)"
kill -KILL "$LW_DAEMON_PID" 2>/dev/null
wait "$LW_DAEMON_PID" 2>/dev/null
lw_log "leasewired killed with -9 after $(($(date +%s) - T_DOWN)) s of DNS down"
lw_daemon_start --config "$CFG" || lw_fatal "leasewired did not restart"
lw_check "the restart sends the owed removals again" lw_wait_until 20 \
	grep -q "DNS updates owed by the lease store sent again" "$LW_TMP/daemon.log"
sleep $((T_DOWN + 30 - $(date +%s))) 2>/dev/null
bind_start || lw_fatal "BIND did not restart"
lw_log "BIND back after $(($(date +%s) - T_DOWN)) s"
lw_check "after BIND's return: 0 generated A records left" wait_count example.test A "$A0" 90
lw_check "after BIND's return: 0 generated PTR records left" wait_count 10.in-addr.arpa PTR "$P0" 30
lw_check_eq "after BIND's return: 0 generated DHCID records left" "$D0" "$(zone_count example.test DHCID)"
lw_shell "show ddns" >"$LW_TMP/show-ddns.txt" 2>&1
lw_check "show ddns lists the server" grep -q "127.0.0.1:10053" "$LW_TMP/show-ddns.txt"

# ------------------------------------------------------------ 5. wrong secret
lw_log "5. a wrong TSIG secret"
lw_daemon_stop
dns_config "$CFG" "$(printf 'wrong-secret-wrong-secret-wrong' | base64)"
lw_daemon_start --config "$CFG" || lw_fatal "leasewired (wrong secret) did not start"
ip -n "$LW_CLI_NS" addr flush dev "$LW_CLI_IF"
rm -f "$LW_DHC_LEASES"
client_conf 'send host-name "badkey";'
bound || lw_fatal "dhclient got no lease with a wrong DNS secret"
IPK=$BOUND_IP
lw_check "wrong secret: the client is still served ($IPK)" test -n "$IPK"
lw_check "wrong secret: a log line names the server and BADSIG" \
	lw_wait_until 20 grep -q "127.0.0.1.*BADSIG" "$LW_TMP/daemon.log"
lw_check_eq "wrong secret: nothing in the zone" "" "$(rdata badkey.example.test A)"
lw_stop_pid "$LW_DHC_PID" TERM 10
lw_daemon_stop
rc=$?
lw_check_eq "leasewired exit status after SIGTERM" 0 "$rc"
lw_log "elapsed $(($(date +%s) - T0)) s"
lw_finish
