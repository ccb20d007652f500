#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The control thread's DNS update engine (control/ddns/) against a real
# BIND 9.18 (tests/integration/bind/: its own config, keys, zones
# example.test with a static name, 2.0.192.in-addr.arpa and 10.in-addr.arpa,
# on 127.0.0.1 at a port this test picks), driven by lw-ddns-probe, every
# outcome checked with dig:
#   - add (RFC 4703 step 1, NOERROR): A, DHCID, PTR and reverse DHCID, TTL 600;
#   - the same client again at a new address (YXDOMAIN -> step 2): A replaced;
#   - another client, same name (NXRRSET): conflict logged, the first client's
#     records untouched, no PTR for the second; the static name never touched;
#   - removal by the wrong client (NXRRSET): nothing removed;
#   - add and remove over TCP; removal by the owner: everything gone;
#   - a wrong secret: BADSIG logged as an operator line, retried, no crash;
#     an unknown key name: BADKEY; nothing changed by either;
#   - BIND refuses an unsigned UPDATE (nsupdate without a key: REFUSED), and
#     the capture of every UPDATE the engine sent shows a TSIG on each;
#   - 1,000 adds at once (max_in_flight 1000, all 1,000 in flight): all land;
#   - an add and a remove of one name run in submission order; at the
#     queue bound adds are refused and removals are not;
#   - BIND stopped for ~10 s while 1,000 removals are pending: once it is
#     back all of them land, none left in either zone.
set -u
. "$(dirname "$0")/lib.sh"
lw_init ddns

BIND=$LW_ROOT/tests/integration/bind
PROBE=${LW_DDNS_PROBE:-$LW_BUILD/tests/ddns/lw-ddns-probe}
[ -x "$PROBE" ] || lw_fatal "no $PROBE (build it: ninja -C $LW_BUILD)"
for t in named dig nsupdate tsig-keygen tcpdump tshark; do
	command -v "$t" >/dev/null || lw_fatal "$t is not installed"
done

# Two free ports (DNS on UDP and TCP, rndc on TCP), chosen by the kernel.
read -r PORT RPORT < <(/usr/bin/python3 "$BIND/free_ports.py" 2)
NS=$LW_TMP/bind
export DNS_PORT=$PORT RNDC_PORT=$RPORT
ddns_cleanup() {
	local rc=$?
	"$BIND/stop.sh" "$NS" 2>/dev/null || true
	if [ "$rc" -ne 0 ] || [ "$LW_FAILS" -ne 0 ]; then
		echo "---- last 20 lines of $NS/log/named.log"
		tail -n 20 "$NS/log/named.log" 2>/dev/null
	fi
	return "$rc"
}
trap 'ddns_cleanup; lw_cleanup' EXIT

"$BIND/start.sh" --fresh "$NS" >/dev/null || lw_fatal "BIND did not start on 127.0.0.1:$PORT"
lw_log "BIND on 127.0.0.1:$PORT, dir $NS"
KEYFILE=$NS/keys/ddns-key.conf
SECRET=$(sed -n 's/.*secret "\(.*\)";/\1/p' "$KEYFILE")

q() { # q NAME TYPE: the answer records, "name ttl class type data"
	dig @127.0.0.1 -p "$PORT" +norec +noall +answer +time=2 +tries=2 "$1" "$2" |
		awk '{$1=$1; print}'
}
qdata() { q "$1" "$2" | awk '{print $5}' | sort | tr '\n' ' ' | sed 's/ $//'; }
rcode() { dig @127.0.0.1 -p "$PORT" +norec +time=2 +tries=2 "$1" "$2" | sed -n 's/.*status: \([A-Z]*\),.*/\1/p'; }
zone_count() { # zone_count ZONE TYPE REGEX
	dig @127.0.0.1 -p "$PORT" +norec +time=5 "$1" AXFR | awk -v t="$2" -v re="$3" '$4 == t && $1 ~ re' | wc -l
}
# probe NAME ARGS... < commands: output in $LW_TMP/NAME.out, log in NAME.err
probe() {
	local name=$1; shift
	"$PROBE" -s "127.0.0.1:$PORT" -r 2.0.192.in-addr.arpa. -r 10.in-addr.arpa. "$@" \
		>"$LW_TMP/$name.out" 2>"$LW_TMP/$name.err"
	local rc=$?
	sed 's/^/    | /' "$LW_TMP/$name.err" | head -n 8
	return $rc
}
out() { cat "$LW_TMP/$1.out"; }
counter() { awk -v n="$2" '$1 == "counter" && $2 == n {print $3}' "$LW_TMP/$1.out" | tail -n 1; }

A_ID=01:00:11:22:33:44:55 # client A's option 61
B_ID=01:00:66:77:88:99:aa # client B's
T0=$(date +%s)

# ---------------------------------------------------------------- unsigned: REFUSED
nsupdate_out=$(printf 'server 127.0.0.1 %s\nzone example.test\nupdate add u.example.test 300 IN A 192.0.2.99\nsend\n' "$PORT" |
	nsupdate 2>&1)
lw_check "BIND refuses an unsigned UPDATE (nsupdate: REFUSED)" grep -q 'REFUSED' <<<"$nsupdate_out"
lw_check_eq "and nothing was added" "" "$(qdata u.example.test A)"

# Every UPDATE the engine sends from here on is captured.
PCAP=$LW_TMP/dns.pcap
lw_bg "$LW_TMP/tcpdump.log" tcpdump -i lo -U -n -s 0 -w "$PCAP" "port $PORT"
TCPDUMP_PID=$LW_LAST_PID
for _ in $(seq 50); do grep -q 'listening on' "$LW_TMP/tcpdump.log" 2>/dev/null && break; sleep 0.1; done

# ---------------------------------------------------------------- add: NOERROR path
STATIC_BEFORE=$(q static.example.test ANY)
probe add1 -k "$KEYFILE" --ttl 600 <<EOF
add h1.example.test. 192.0.2.50 $A_ID
wait 20
stats
EOF
lw_check "add h1: fwd ok, rev ok" grep -qx 'result h1.example.test. fwd=ok rev=ok' "$LW_TMP/add1.out"
lw_check_eq "add h1: 2 UPDATEs (name free: step 1, then PTR)" 2 "$(counter add1 sent)"
lw_check_eq "h1 A 192.0.2.50, TTL 600" "h1.example.test. 600 IN A 192.0.2.50" "$(q h1.example.test A)"
DHCID_A=$(qdata h1.example.test DHCID)
lw_check "h1 has a DHCID with TTL 600" grep -q '^h1.example.test. 600 IN DHCID AAEB' <<<"$(q h1.example.test DHCID)"
lw_check_eq "PTR 50.2.0.192 -> h1, TTL 600" "50.2.0.192.in-addr.arpa. 600 IN PTR h1.example.test." \
	"$(q 50.2.0.192.in-addr.arpa PTR)"
lw_check_eq "reverse DHCID = forward DHCID" "$DHCID_A" "$(qdata 50.2.0.192.in-addr.arpa DHCID)"

# ---------------------------------------------------------------- same client: YXDOMAIN -> replace
probe add2 -k "$KEYFILE" --ttl 600 <<EOF
add h1.example.test. 192.0.2.51 $A_ID
wait 20
stats
EOF
lw_check "same client again: fwd ok, rev ok" grep -qx 'result h1.example.test. fwd=ok rev=ok' "$LW_TMP/add2.out"
lw_check_eq "same client again: 3 UPDATEs (step 1 YXDOMAIN, step 2, PTR)" 3 "$(counter add2 sent)"
lw_check_eq "h1 A replaced by 192.0.2.51 (one A)" "192.0.2.51" "$(qdata h1.example.test A)"
lw_check_eq "h1 DHCID unchanged" "$DHCID_A" "$(qdata h1.example.test DHCID)"
lw_check_eq "PTR 51.2.0.192 -> h1" "h1.example.test." "$(qdata 51.2.0.192.in-addr.arpa PTR)"

# ---------------------------------------------------------------- another client: NXRRSET = conflict
probe conflict -k "$KEYFILE" <<EOF
add h1.example.test. 192.0.2.52 $B_ID
wait 20
add static.example.test. 192.0.2.53 $B_ID
wait 20
stats
EOF
lw_check "client B, same name: conflict, PTR skipped" \
	grep -qx 'result h1.example.test. fwd=conflict rev=skipped' "$LW_TMP/conflict.out"
lw_check "the conflict is logged as one line" \
	grep -qx 'leasewired: ddns: h1.example.test. is held by another client (DHCID differs); not updated' \
	"$LW_TMP/conflict.err"
lw_check_eq "h1 A still client A's" "192.0.2.51" "$(qdata h1.example.test A)"
lw_check_eq "h1 DHCID still client A's" "$DHCID_A" "$(qdata h1.example.test DHCID)"
lw_check_eq "no PTR for client B's address" "NXDOMAIN" "$(rcode 52.2.0.192.in-addr.arpa PTR)"
lw_check "the static name: conflict" \
	grep -qx 'result static.example.test. fwd=conflict rev=skipped' "$LW_TMP/conflict.out"
lw_check_eq "no PTR for the static attempt" "NXDOMAIN" "$(rcode 53.2.0.192.in-addr.arpa PTR)"

# ---------------------------------------------------------------- removal by the wrong client
probe wrongrm -k "$KEYFILE" <<EOF
remove h1.example.test. 192.0.2.51 $B_ID
wait 20
EOF
lw_check "removal by client B: nothing removed (fwd and rev conflict)" \
	grep -qx 'result h1.example.test. fwd=conflict rev=conflict' "$LW_TMP/wrongrm.out"
lw_check_eq "h1 A still there" "192.0.2.51" "$(qdata h1.example.test A)"
lw_check_eq "h1 DHCID still there" "$DHCID_A" "$(qdata h1.example.test DHCID)"
lw_check_eq "PTR 51 still there" "h1.example.test." "$(qdata 51.2.0.192.in-addr.arpa PTR)"

# ---------------------------------------------------------------- TCP
probe tcp -k "$KEYFILE" --tcp <<EOF
add h2.example.test. 192.0.2.60 $B_ID
wait 20
remove h2.example.test. 192.0.2.60 $B_ID
wait 20
stats
EOF
lw_check_eq "over TCP: add then remove" "2" "$(grep -c 'result h2.example.test. fwd=ok rev=ok' "$LW_TMP/tcp.out")"
lw_check_eq "over TCP: every message" "$(counter tcp sent)" "$(counter tcp tcp)"
lw_check_eq "h2 gone" "NXDOMAIN" "$(rcode h2.example.test ANY)"

# ---------------------------------------------------------------- order per name, queue bound
# An add and a remove of one name submitted back to back run in that order
# (run the other way round, the remove finds nothing and the add stays);
# with max_queue 3, the 4th and 5th adds are refused, the remove is not.
probe order -k "$KEYFILE" --queue 3 <<EOF
add h5.example.test. 192.0.2.80 $A_ID
remove h5.example.test. 192.0.2.80 $A_ID
add h6.example.test. 192.0.2.81 $A_ID
add h7.example.test. 192.0.2.82 $A_ID
add h8.example.test. 192.0.2.83 $A_ID
remove h6.example.test. 192.0.2.81 $A_ID
wait 20
stats
EOF
lw_check_eq "add then remove of h5: both ok, in that order" \
	"result h5.example.test. fwd=ok rev=ok result h5.example.test. fwd=ok rev=ok" \
	"$(grep '^result h5' "$LW_TMP/order.out" | tr '\n' ' ' | sed 's/ $//')"
lw_check_eq "h5 gone" "NXDOMAIN" "$(rcode h5.example.test ANY)"
lw_check_eq "queue full: 2 adds refused" 2 "$(counter order dropped_adds)"
lw_check "queue full: the remove still taken" grep -qx 'result h6.example.test. fwd=ok rev=ok' "$LW_TMP/order.out"
lw_check_eq "queue full: the refused adds left nothing" "NXDOMAIN NXDOMAIN" "$(rcode h7.example.test ANY) $(rcode h8.example.test ANY)"

# ---------------------------------------------------------------- removal by the owner
probe rm -k "$KEYFILE" <<EOF
remove h1.example.test. 192.0.2.51 $A_ID
remove-rev h1.example.test. 192.0.2.50 $A_ID
wait 20
EOF
lw_check "removal by client A: fwd ok, rev ok" grep -qx 'result h1.example.test. fwd=ok rev=ok' "$LW_TMP/rm.out"
lw_check "the old PTR (first address) removed too" grep -qx 'result h1.example.test. fwd=none rev=ok' "$LW_TMP/rm.out"
lw_check_eq "h1 gone (A, DHCID)" "NXDOMAIN" "$(rcode h1.example.test ANY)"
lw_check_eq "PTR 51 and its DHCID gone" "NXDOMAIN" "$(rcode 51.2.0.192.in-addr.arpa ANY)"
lw_check_eq "PTR 50 gone" "NXDOMAIN" "$(rcode 50.2.0.192.in-addr.arpa ANY)"
lw_check_eq "static name untouched" "$STATIC_BEFORE" "$(q static.example.test ANY)"
lw_check_eq "static PTR untouched" "static.example.test." "$(qdata 10.2.0.192.in-addr.arpa PTR)"

# ---------------------------------------------------------------- TSIG errors
WRONG=$(printf 'not-the-secret-%s' "$SECRET" | base64 -w0)
probe badsig -y "hmac-sha256:ddns-key:$WRONG" --timeout 200 --tries 2 --retry-min 200 --retry-max 400 <<EOF
add h3.example.test. 192.0.2.70 $A_ID
wait 2
stats
EOF
badsig_rc=$?
lw_check "wrong secret: an operator line" grep -q \
	"leasewired: ddns: DNS server 127.0.0.1:$PORT rejected our TSIG key ddns-key.: BADSIG — check the secret" \
	"$LW_TMP/badsig.err"
lw_check_eq "wrong secret: logged once per burst" 1 "$(grep -c 'BADSIG —' "$LW_TMP/badsig.err")"
lw_check_ge "wrong secret: retried" 3 "$(counter badsig sent)"
lw_check_ge "wrong secret: tsig_bad counted" 3 "$(counter badsig tsig_bad)"
lw_check "wrong secret: still pending, not dropped" grep -q 'pending 1 ' "$LW_TMP/badsig.out"
lw_check "wrong secret: server alarm" grep -q 'tsig_alarm=1' "$LW_TMP/badsig.out"
lw_check_eq "wrong secret: the probe exits 0 (no crash)" 0 "$badsig_rc"
probe badkey -y "hmac-sha256:no-such-key:$SECRET" --timeout 200 --tries 2 --retry-min 200 --retry-max 400 <<EOF
add h3.example.test. 192.0.2.70 $A_ID
wait 1
EOF
lw_check "unknown key: BADKEY logged" grep -q \
	"rejected our TSIG key no-such-key.: BADKEY — the server has no key of that name" "$LW_TMP/badkey.err"
lw_check_eq "nothing added by either" "NXDOMAIN" "$(rcode h3.example.test ANY)"

# ---------------------------------------------------------------- 1,000 adds at once
t1=$(date +%s%N)
probe bulkadd -k "$KEYFILE" --in-flight 1000 --queue 2000 --timeout 2000 <<EOF
bulk-add b 1000 10.1.0.0
wait 60
stats
EOF
lw_log "1,000 adds: $(grep '^waited' "$LW_TMP/bulkadd.out"), $(( ($(date +%s%N) - t1) / 1000000 )) ms in all"
lw_check "1,000 adds: all done, 2,000 directions ok" grep -q '^waited .* pending 0 ok 2000 ' "$LW_TMP/bulkadd.out"
lw_check_eq "1,000 adds: all 1,000 in flight at once" 1000 \
	"$(sed -n 's/.*peak_in_flight \([0-9]*\).*/\1/p' "$LW_TMP/bulkadd.out")"
lw_check_eq "1,000 A records b*.example.test" 1000 "$(zone_count example.test A '^b[0-9]+\\.')"
lw_check_eq "1,000 PTRs in 10.in-addr.arpa" 1000 "$(zone_count 10.in-addr.arpa PTR .)"

# ---------------------------------------------------------------- 1,000 removals across an outage
"$BIND/stop.sh" "$NS"
lw_check "BIND stopped" bash -c "! dig @127.0.0.1 -p $PORT +time=1 +tries=1 example.test SOA >/dev/null 2>&1"
FIFO=$LW_TMP/outage.fifo
mkfifo "$FIFO"
"$PROBE" -s "127.0.0.1:$PORT" -r 10.in-addr.arpa. -k "$KEYFILE" --timeout 500 --tries 2 \
	--retry-min 500 --retry-max 2000 --queue 2000 <"$FIFO" >"$LW_TMP/outage.out" 2>"$LW_TMP/outage.err" &
OUTAGE_PID=$!
LW_PIDS+=("$OUTAGE_PID")
exec 3>"$FIFO"
echo "bulk-remove b 1000 10.1.0.0" >&3
echo "wait 9" >&3 # the engine runs for 9 s against a closed port
t_down=$(date +%s)
sleep 10
"$BIND/start.sh" "$NS" >/dev/null 3>&- || lw_fatal "BIND did not restart" # named must not hold the FIFO open
lw_log "BIND back after $(( $(date +%s) - t_down )) s"
echo "wait 60" >&3
echo "stats" >&3
exec 3>&-
lw_wait_pid "$OUTAGE_PID" 70 || lw_check "the outage probe ended" false
wait "$OUTAGE_PID" 2>/dev/null
lw_check "during the outage: nothing done, all pending" grep -q '^waited .* pending 1000 ok 0 ' "$LW_TMP/outage.out"
lw_check "after it: all 1,000 removals done, none failed" \
	grep -q '^waited .* pending 0 ok 2000 conflict 0 rejected 0' "$LW_TMP/outage.out"
lw_check_ge "the outage was felt (rounds requeued)" 1 "$(counter outage requeued)"
lw_check "the server was marked unreachable, then answered again" \
	bash -c "grep -q 'DNS server 127.0.0.1:$PORT unreachable' '$LW_TMP/outage.err' && grep -q 'DNS server 127.0.0.1:$PORT answers again' '$LW_TMP/outage.err'"
lw_check_eq "0 b* names left" 0 "$(zone_count example.test A '^b[0-9]+\\.')"
lw_check_eq "0 PTRs left in 10.in-addr.arpa" 0 "$(zone_count 10.in-addr.arpa PTR .)"
lw_check_eq "static name still untouched" "$STATIC_BEFORE" "$(q static.example.test ANY)"

# ---------------------------------------------------------------- every UPDATE we sent was signed
kill -TERM "$TCPDUMP_PID" 2>/dev/null
lw_wait_pid "$TCPDUMP_PID" 5 || true
TS=(tshark -r "$PCAP" -d "udp.port==$PORT,dns" -d "tcp.port==$PORT,dns")
n_upd=$("${TS[@]}" -Y 'dns.flags.opcode == 5 && dns.flags.response == 0' -T fields -e frame.number 2>/dev/null | wc -l)
n_unsigned=$("${TS[@]}" -Y 'dns.flags.opcode == 5 && dns.flags.response == 0 && !dns.tsig.mac' -T fields -e frame.number 2>/dev/null | wc -l)
n_tcp=$("${TS[@]}" -Y 'tcp && dns.flags.opcode == 5 && dns.flags.response == 0 && dns.tsig.mac' -T fields -e frame.number 2>/dev/null | wc -l)
lw_check_ge "the capture holds our UPDATEs (> 2,000)" 2000 "$n_upd"
lw_check_eq "every one carries a TSIG" 0 "$n_unsigned"
lw_check_ge "the TCP ones too" 4 "$n_tcp"

lw_log "run time $(( $(date +%s) - T0 )) s"
lw_finish
