#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The operator shell (issue #4) against the real daemon: the real telnet
# (driven by expect) and nc clients log in and run commands; a stdlib
# telnet-protocol client (shell_client.py, every wait bounded) logs in over
# TCP and over the Unix socket and runs every command against a daemon that
# perfdhcp has given >= 1,000 leases and ISC dhclient one more.
#
# Asserted:
#  - show statistics / show leases / show pools / show journal agree with
#    the DPDK telemetry twins; show lease IP matches what dhclient received;
#    show running-config masks both password hashes;
#  - clear lease IP removes it, and that survives a daemon restart;
#  - wrong password: refused and logged; idle session closed after the
#    timeout; the session past max-sessions refused; a line longer than
#    max-line and a line with control bytes refused, the session and the
#    daemon unharmed; state-changing commands need enable and are logged;
#  - reload of a bad file is refused and the old config stays; a good one
#    is taken (generation 2);
#  - export -> import into a fresh daemon gives the same lease table; a
#    sample dhcpd.leases (tests/data) and a Kea CSV written by a real
#    kea-dhcp4-server run import;
#  - every daemon run exits 0 on SIGTERM (ASan + leak detection in CI).
set -u
. "$(dirname "$0")/lib.sh"
lw_init shell

SHELL_PY="$LW_ROOT/tests/integration/shell_client.py"
N=${LW_SHELL_CLIENTS:-1200}
LW_PERF_TIMEOUT=120
TRANSCRIPT=$LW_TMP/transcript.txt

lab_up "$LW_ID" --relay || lw_fatal "lab up"
ip netns exec "$LW_SRV_NS" ip link set lo up

# The hashes come from the real helper; the config never holds a password.
PW_HASH=$(printf 'op-secret\n' | "$LW_DAEMON" --hash-password) || lw_fatal "--hash-password"
EN_HASH=$(printf 'en-secret\n' | "$LW_DAEMON" --hash-password) || lw_fatal "--hash-password"
lw_check "--hash-password prints a PBKDF2 hash" grep -q '^pbkdf2-sha256\$100000\$' <<<"$PW_HASH"

SOCK=$LW_TMP/shell.sock
# write_config <file> <lease-dir> [extra subnet json]
write_config() {
	LW_LEASE_DIR=$2 lw_config_write "$1" "[$LW_SUBNET_DIRECT${3:-}]"
	"$LW_PY" - "$1" "$PW_HASH" "$EN_HASH" "$SOCK" <<-'PY'
	import json, sys
	path, pw, en, sock = sys.argv[1:5]
	c = json.load(open(path))
	c["Dhcp4"]["shell"] = {"password-hash": pw, "enable-password-hash": en,
	    "unix-socket": sock, "idle-timeout": 4, "max-sessions": 2,
	    "max-login-failures": 3, "lockout-secs": 2, "max-line": 512}
	json.dump(c, open(path, "w"), indent=1)
	PY
}

# sh_run <log> <client args...>: a session inside the server namespace.
sh_run() {
	local log=$1; shift
	timeout -k 5 240 ip netns exec "$LW_SRV_NS" "$LW_PY" "$SHELL_PY" "$@" >"$log" 2>&1
}
# sh_cmds <log> <commands...>: logged in and enabled.
sh_cmds() {
	local log=$1; shift
	sh_run "$log" --password op-secret --enable en-secret -- "$@"
}
# field after "<label>" in a transcript: sh_field <file> <regex>
sh_grab() { grep -E "$2" "$1" | head -n1 | sed -E "s/.*$2//" | awk '{print $1}'; }

CFG=$LW_TMP/shell.json
write_config "$CFG" "$LW_TMP/leases"
lw_daemon_start --config "$CFG" || lw_fatal "leasewired did not start"

# ---------------------------------------------------------------- leases
lw_log "perfdhcp: $N clients"
lw_perfdhcp "$LW_TMP/perfdhcp.log" -4 -r 400 -R $((N + 100)) -n "$N" -d 2 -W 5000000 \
	-b mac=00:0c:05:00:00:00 -l "$LW_CLI_IF" || lw_log "perfdhcp exit $?"
lw_dhclient_setup configure
lw_dhclient_start
line=$(lw_dhclient_wait 'BOUND' 40) || lw_fatal "dhclient got no lease"
IP=$(awk '{print $3}' <<<"$line")
CLI_MAC=$(ip -n "$LW_CLI_NS" -br link show "$LW_CLI_IF" | awk '{print tolower($3)}')
lw_log "dhclient BOUND $IP ($CLI_MAC)"
sleep 1
BOUND_TEL=$(lw_tel_get /leasewire/leases bound)
lw_check_ge "telemetry: bound leases after perfdhcp + dhclient" 1001 "$BOUND_TEL"

# ---------------------------------------------------------------- real clients
# The clients an operator types into: telnet (the real binary, driven by
# expect; the shell's option negotiation puts it in character mode, so Tab
# completes) and plain nc (LF-only lines, no negotiation).
cat >"$LW_TMP/telnet.exp" <<TELNET
set timeout 10
log_user 1
spawn telnet 127.0.0.1 2323
expect timeout { exit 2 } "Username:"
send "admin\r"
expect timeout { exit 3 } "Password:"
send "op-secret\r"
expect timeout { exit 4 } "leasewire>"
send "show vers\t"
# The completion arrives as backspaces over "vers" and the whole word.
expect timeout { exit 5 } "version"
send "\r"
expect timeout { exit 6 } "leasewire 0."
expect timeout { exit 7 } "leasewire>"
send "show lease $IP\r"
expect timeout { exit 8 } "journal seq"
expect timeout { exit 9 } "leasewire>"
send "quit\r"
expect eof
exit 0
TELNET
rc=0
timeout -k 5 60 ip netns exec "$LW_SRV_NS" expect -f "$LW_TMP/telnet.exp" >"$LW_TMP/telnet.txt" 2>&1 || rc=$?
lw_check_eq "telnet (expect): login, Tab completion, show version, show lease, quit" 0 "$rc"
lw_check "telnet: show lease $IP names dhclient's MAC" grep -q "$CLI_MAC" "$LW_TMP/telnet.txt"
[ "$rc" -eq 0 ] || tail -n 20 "$LW_TMP/telnet.txt"

# nc: LF-only lines, sent one at a time as a person (or a script) would.
{
	sleep 1; printf 'admin\n'; sleep 1; printf 'op-secret\n'; sleep 1
	printf 'show statistics | include rx_discover\n'; sleep 1; printf 'quit\n'; sleep 1
} | timeout -k 5 30 ip netns exec "$LW_SRV_NS" nc -q 2 127.0.0.1 2323 >"$LW_TMP/nc.txt" 2>&1
NC_DISCOVER=$(tr -d '\r' <"$LW_TMP/nc.txt" | grep -aE '^ +rx_discover +[0-9]+' | awk '{print $2}' | head -n1)
lw_check_eq "nc: show statistics | include rx_discover = telemetry" "$(lw_stat rx_discover)" "$NC_DISCOVER"
[ -n "$NC_DISCOVER" ] || tail -n 20 "$LW_TMP/nc.txt"

# ---------------------------------------------------------------- every command
sh_cmds "$LW_TMP/s1.txt" "show version" "show uptime" "show running-config" \
	"show interfaces" "show workers" "show statistics" "show pools" \
	"show leases state bound" "show leases state bound page 2" \
	"show leases ip $IP" "show leases mac $CLI_MAC" "show leases subnet 1 ip $IP | include bound" \
	"show leases hostname nosuchhost" "show lease $IP" "show journal" \
	"show counters" "show counters control" "show counters nosuchblock" \
	"export leases $LW_TMP/export.csv"
lw_check "session 1 (TCP, telnet-style CR LF) ran every command" test $? -eq 0
cp "$LW_TMP/s1.txt" "$TRANSCRIPT"
S1=$LW_TMP/s1.txt
lw_check "show version names leasewire and DPDK" grep -q 'leasewire 0.1.0' "$S1"
lw_check "show uptime" grep -qE '^up [0-9]+d' "$S1"
lw_check "show running-config masks password-hash" grep -q '"password-hash": "\*\*\*\*\*\*\*\*"' "$S1"
lw_check "show running-config never shows a hash" bash -c "! grep -q pbkdf2 '$S1'"
lw_check "show interfaces: port0 up with its counters" grep -qE '^port0 \(port 0, net_af_packet\) is up' "$S1"
lw_check "show workers: worker 0 row" grep -qE '^0 +1 +[0-9]+' "$S1"
for k in rx_discover rx_request tx_offer tx_ack; do
	lw_check_eq "show statistics $k = telemetry" "$(lw_stat "$k")" "$(sh_grab "$S1" "^  $k +")"
done
lw_check_eq "show statistics drop_bad_cookie = telemetry" "$(lw_stat drop_bad_cookie)" \
	"$(sh_grab "$S1" '^  drop_bad-cookie +')"
SHOWN=$(grep -E '^[0-9]+ leases match; page 1 ' "$S1" | head -n1 | awk '{print $1}')
lw_check_eq "show leases state bound count = telemetry bound" "$BOUND_TEL" "$SHOWN"
lw_check_eq "show leases prints 100 rows a page" 100 \
	"$(sed -n '/show leases state bound$/,/leases match/p' "$S1" | grep -cE '^10\.77\.')"
lw_check "show leases page 2" grep -qE 'leases match; page 2 of' "$S1"
lw_check_eq "show leases mac: one lease" "1 leases match; page 1 of 1" \
	"$(sed -n "/show leases mac/,/leases match/p" "$S1" | grep 'leases match')"
lw_check_eq "show leases | include IP: one line" 1 \
	"$(sed -n "/| include/,/^leasewire/p" "$S1" | grep -c "^$IP ")"
lw_check "show leases hostname: none match" grep -q '^0 leases match' "$S1"
USED=$(awk '$1 == "1" && $2 == "10.77.1.0" {print $6}' "$S1")
lw_check_eq "show pools used = telemetry /leasewire/pools used" \
	"$(lw_tel_get /leasewire/pools subnet1_pool0 used)" "$USED"
lw_check_eq "show pools used = bound leases" "$BOUND_TEL" "$USED"
lw_check_eq "show lease: hardware is dhclient's" "$CLI_MAC" "$(sh_grab "$S1" '^hardware +')"
lw_check_eq "show lease: state" "bound" "$(sh_grab "$S1" '^state +')"
lw_check_eq "show lease: lease time = dhclient's option 51" \
	"$(lw_dhclient_env BOUND new_dhcp_lease_time)" "$(sh_grab "$S1" '^lease time +')"
lw_check_eq "show lease: journal seq = telemetry" "$(lw_lease_field "$IP" journal_seq)" \
	"$(sh_grab "$S1" '^journal seq +')"
lw_check_eq "show journal committed sequence = telemetry" \
	"$(lw_tel_get /leasewire/journal committed_sequence)" "$(sh_grab "$S1" '^committed sequence +')"
lw_check_eq "show counters: the control block's committed sequence = telemetry" \
	"$(lw_tel_get /leasewire/counters control journal_committed_seq)" \
	"$(sed -n '/show counters control$/,/^leasewire/p' "$S1" | tr -d '\r' | awk '$1 == "journal_committed_seq" {print $2}')"
lw_check_eq "show counters: every block is listed" "control:" \
	"$(sed -n '/show counters$/,/^leasewire/p' "$S1" | tr -d '\r' | grep -E '^[a-z]+:$' | tr '\n' ' ' | sed 's/ $//')"
lw_check "show counters: an unknown block is an error" grep -q '% no counter block "nosuchblock"' "$S1"
lw_check_eq "telemetry twins answer" "port0 worker0" \
	"$(lw_tel_get /leasewire/interfaces | "$LW_PY" -c 'import json,sys; print(*json.load(sys.stdin))') $(lw_tel_get /leasewire/workers | "$LW_PY" -c 'import json,sys; print(*json.load(sys.stdin))')"
lw_check "telemetry /leasewire/running_config masked" bash -c \
	"'$LW_PY' '$LW_TELEMETRY' '$LW_PREFIX' /leasewire/running_config | grep -q '\*\*\*\*\*\*\*\*'"
lw_check_eq "telemetry /leasewire/leases with a filter" "1" "$(lw_tel_get "/leasewire/leases,ip $IP" matched)"
EXPORTED=$(grep -oE '^[0-9]+ leases exported' "$S1" | awk '{print $1}')
lw_check_ge "export: every bound lease written" "$BOUND_TEL" "${EXPORTED:-0}"
lw_check "export: Kea lease4 header" grep -qx 'address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev,hostname,state,user_context' "$LW_TMP/export.csv"

# ---------------------------------------------------------------- safety
sh_run "$LW_TMP/badpw.txt" --password wrong -- "show version"
lw_check "wrong password: refused" grep -q 'Access denied' "$LW_TMP/badpw.txt"
lw_check "wrong password: logged" grep -q 'login failed' "$LW_TMP/daemon.log"
# Three failures in a row: the next attempt waits lockout-secs (2 s).
sh_run "$LW_TMP/badpw2.txt" --password wrong2 -- "show version"
sh_run "$LW_TMP/badpw3.txt" --password wrong3 -- "show version"
t0=$(date +%s%N)
sh_run "$LW_TMP/lock.txt" --password op-secret -- "show version"
t1=$(date +%s%N)
lw_check_ge "lockout: a login after 3 failures waits (ms)" 1900 $(((t1 - t0) / 1000000))
lw_check "lockout: the right password still works after the delay" grep -q 'leasewire 0.1.0' "$LW_TMP/lock.txt"

sh_run "$LW_TMP/noenable.txt" --password op-secret -- "clear lease $IP"
lw_check "clear lease needs enable" grep -q 'Invalid command\|Unknown command' "$LW_TMP/noenable.txt"

LONG=$(printf 'show version %0600d' 0 | od -An -v -tx1 | tr -d ' \n')
sh_run "$LW_TMP/input.txt" --password op-secret --raw-line "$LONG" \
	--raw-line "$(printf 'show\007 version' | od -An -v -tx1 | tr -d ' \n')" -- "show uptime"
lw_check "line over max-line: refused" grep -q 'Input refused: line too long' "$LW_TMP/input.txt"
lw_check "line with a control byte: refused" grep -q 'Input refused: control byte in line' "$LW_TMP/input.txt"
lw_check "session still works after refused lines" grep -qE '^up [0-9]+d' "$LW_TMP/input.txt"
lw_check "refused lines ran nothing" bash -c "! grep -q 'leasewire 0.1.0' '$LW_TMP/input.txt'"
lw_check "refused input logged" grep -q 'input line refused' "$LW_TMP/daemon.log"

# plain nc style (LF only) over the Unix socket
sh_run "$LW_TMP/unix.txt" --unix "$SOCK" --lf --password op-secret -- "show uptime"
lw_check "Unix socket, LF-only lines (nc): works" grep -qE '^up [0-9]+d' "$LW_TMP/unix.txt"

sh_run "$LW_TMP/idle.txt" --password op-secret --expect-closed 8
lw_check "idle session closed after idle-timeout" grep -q 'closed by server' "$LW_TMP/idle.txt"
lw_check "idle timeout logged" grep -q 'idle timeout, session closed' "$LW_TMP/daemon.log"

ip netns exec "$LW_SRV_NS" "$LW_PY" "$SHELL_PY" --password op-secret --expect-closed 3 >"$LW_TMP/hold1.txt" 2>&1 &
h1=$!
ip netns exec "$LW_SRV_NS" "$LW_PY" "$SHELL_PY" --password op-secret --expect-closed 3 >"$LW_TMP/hold2.txt" 2>&1 &
h2=$!
sleep 1.5
sh_run "$LW_TMP/third.txt" --password op-secret -- "show version"
lw_check "session over max-sessions: refused" grep -q 'Too many shell sessions' "$LW_TMP/third.txt"
wait "$h1" "$h2" 2>/dev/null
lw_check "session refusal logged" grep -q 'refused: 2 sessions already open' "$LW_TMP/daemon.log"

# ---------------------------------------------------------------- peers that vanish
# A shell peer that goes away while the shell writes to it costs its own
# session and nothing else: before SIGPIPE was ignored, the first of these
# killed the daemon with status 141 and every DHCP client lost its server.
abuse() { # abuse <log> <mode> [args]
	local log=$1; shift
	timeout -k 5 180 ip netns exec "$LW_SRV_NS" "$LW_PY" \
		"$LW_ROOT/tests/integration/shell_abuse.py" "$@" >"$log" 2>&1
}
daemon_alive() { kill -0 "$LW_DAEMON_PID" 2>/dev/null; }
abuse "$LW_TMP/abuse-pw.txt" bad-passwords --rounds 2
sleep 1
lw_check "three wrong passwords, session closed by the server: daemon alive" daemon_alive
lw_check "three wrong passwords: the server closed the session (logged)" \
	grep -q 'closing the session after 3 failed logins' "$LW_TMP/daemon.log"
sleep 2 # the lockout delay of the next login
abuse "$LW_TMP/abuse-rst.txt" reset-output --rounds 40
sleep 1
lw_check "show running-config / show leases, then TCP reset, 40 times: daemon alive" daemon_alive
lw_check "reset rounds all reached the shell" grep -q 'reset-output: 40 of 40 rounds connected' "$LW_TMP/abuse-rst.txt"
abuse "$LW_TMP/abuse-half.txt" half-close --rounds 5
abuse "$LW_TMP/abuse-garbage.txt" garbage --rounds 3
sleep 1
lw_check "half-closed readers and binary garbage: daemon alive" daemon_alive
lw_check "binary garbage rounds all logged in" grep -q 'garbage: 3 of 3 rounds connected' "$LW_TMP/abuse-garbage.txt"
sh_run "$LW_TMP/after-abuse.txt" --password op-secret -- "show uptime"
lw_check "the shell answers after the abuse" grep -qE '^up [0-9]+d' "$LW_TMP/after-abuse.txt"
OFFERS0=$(lw_stat tx_offer)
lw_perfdhcp "$LW_TMP/perfdhcp-abuse.log" -4 -r 50 -R 60 -n 50 -d 2 \
	-b mac=00:0c:09:00:00:00 -l "$LW_CLI_IF" || lw_log "perfdhcp (after abuse) exit $?"
lw_check_ge "DHCP answers after the abuse (perfdhcp 4-way exchanges)" 45 \
	"$(lw_perf_field "$LW_TMP/perfdhcp-abuse.log" REQUEST-ACK "received packets")"
lw_check_ge "DHCP: offers sent after the abuse" $((OFFERS0 + 45)) "$(lw_stat tx_offer)"

# ---------------------------------------------------------------- state changes
cp "$CFG" "$LW_TMP/good.json"
"$LW_PY" -c 'import json,sys; c=json.load(open(sys.argv[1])); c["Dhcp4"]["valid-lifetime"]="soon"; json.dump(c,open(sys.argv[2],"w"))' \
	"$CFG" "$LW_TMP/bad.json"
cp "$LW_TMP/bad.json" "$CFG"
sh_cmds "$LW_TMP/s2.txt" "reload" "show running-config | include generation" "clear statistics" \
	"show statistics | include rx_discover" "journal compact" "show journal" "clear lease $IP" \
	"show lease $IP" "show leases state bound"
# A shrunk pool: the workers' free lists still hold the removed addresses,
# so the reload is refused rather than hand them out.
"$LW_PY" -c 'import json,sys; c=json.load(open(sys.argv[1])); c["Dhcp4"]["subnet4"][0]["pools"][0]["pool"]="10.77.1.0 - 10.77.1.255"; json.dump(c,open(sys.argv[2],"w"))' \
	"$LW_TMP/good.json" "$CFG"
sh_cmds "$LW_TMP/s2b.txt" "reload" "show running-config | include generation"
lw_check "changed pools refused (needs a restart)" grep -q 'pools of subnet 1 differ from the running ones; changing pools needs a restart' "$LW_TMP/s2b.txt"
lw_check "changed pools: generation 1 stays" grep -q 'generation 1,' "$LW_TMP/s2b.txt"
cp "$LW_TMP/good.json" "$CFG"
sh_cmds "$LW_TMP/s3.txt" "reload" "show running-config | include generation"
cat "$LW_TMP/s2.txt" "$LW_TMP/s3.txt" >>"$TRANSCRIPT"
lw_check "bad config refused with the key path" grep -q 'reload refused, the running configuration stays: .*valid-lifetime' "$LW_TMP/s2.txt"
lw_check "bad config: generation 1 stays" grep -q 'generation 1,' "$LW_TMP/s2.txt"
lw_check "good config: generation 2" grep -q 'generation 2,' "$LW_TMP/s3.txt"
lw_check_eq "clear statistics: rx_discover 0" 0 "$(sh_grab "$LW_TMP/s2.txt" '^  rx_discover +')"
lw_check "journal compact: snapshot age shown" grep -qE '^snapshot age +0d' "$LW_TMP/s2.txt"
lw_check "clear lease: done" grep -q "lease $IP cleared" "$LW_TMP/s2.txt"
lw_check "clear lease: gone" grep -q "^$IP: no lease" "$LW_TMP/s2.txt"
lw_check_eq "clear lease: telemetry agrees" "none" "$(lw_lease_field "$IP" state)"
for what in "command: clear lease $IP" "command: journal compact" "command: reload" "enable$" "login$"; do
	lw_check "logged: $what" grep -qE "shell: admin@.*: $what" "$LW_TMP/daemon.log"
done
AFTER_CLEAR=$(lw_tel_get /leasewire/leases bound)

lw_daemon_stop; rc=$?
lw_check_eq "leasewired exit status after SIGTERM" 0 "$rc"
lw_daemon_start --config "$CFG" || lw_fatal "restart"
sh_cmds "$LW_TMP/s4.txt" "show lease $IP"
lw_check "after restart: the cleared lease stays cleared" grep -q "^$IP: no lease" "$LW_TMP/s4.txt"
lw_check_eq "after restart: the other leases are back" "$AFTER_CLEAR" "$(lw_tel_get /leasewire/leases bound)"
lw_dhclient_release >/dev/null 2>&1 || true
lw_daemon_stop; rc=$?
lw_check_eq "leasewired exit status after SIGTERM (2)" 0 "$rc"

# ---------------------------------------------------------------- round trip
write_config "$CFG" "$LW_TMP/leases-fresh"
lw_daemon_start --config "$CFG" || lw_fatal "fresh daemon"
sh_cmds "$LW_TMP/s5.txt" "import leases $LW_TMP/export.csv" "export leases $LW_TMP/export2.csv" \
	"import leases $LW_ROOT/tests/data/dhcpd.leases" "show lease 10.77.60.10" "show lease 10.77.60.12" \
	"show lease 10.77.60.13"
cat "$LW_TMP/s5.txt" >>"$TRANSCRIPT"
lw_check "import: every exported lease applied" grep -q "^$EXPORTED leases imported, 0 refused" "$LW_TMP/s5.txt"
lw_check "export -> import -> export: same lease table" \
	cmp <(sort "$LW_TMP/export.csv") <(sort "$LW_TMP/export2.csv")
lw_check "dhcpd.leases: 3 active leases imported" grep -q '^3 leases imported, 0 refused' "$LW_TMP/s5.txt"
lw_check "dhcpd.leases: 10.77.60.10 by hardware address" grep -qE '^hardware +52:54:00:aa:00:10' "$LW_TMP/s5.txt"
lw_check "dhcpd.leases: infinite lease" grep -qE '^lease time +infinite' "$LW_TMP/s5.txt"
lw_check "dhcpd.leases: uid kept as client id" grep -qE '^client-id +01:52:54:00:aa:00:12' "$LW_TMP/s5.txt"
lw_check "dhcpd.leases: a free lease is not imported" grep -q '^10.77.60.13: no lease' "$LW_TMP/s5.txt"
lw_daemon_stop; rc=$?
lw_check_eq "leasewired exit status after SIGTERM (3)" 0 "$rc"

# ---------------------------------------------------------------- Kea CSV from a real Kea
KEA_DIR=$LW_TMP/kea
mkdir -p "$KEA_DIR"
cat >"$KEA_DIR/kea.json" <<-EOF
{"Dhcp4": {
  "interfaces-config": {"interfaces": ["$LW_SRV_IF"], "dhcp-socket-type": "raw"},
  "lease-database": {"type": "memfile", "persist": true, "name": "$KEA_DIR/leases4.csv", "lfc-interval": 0},
  "valid-lifetime": 3600,
  "subnet4": [{"id": 7, "subnet": "10.77.0.0/16", "pools": [{"pool": "10.77.70.1 - 10.77.70.200"}]}],
  "loggers": [{"name": "kea-dhcp4", "output_options": [{"output": "$KEA_DIR/kea.log"}], "severity": "INFO"}]
}}
EOF
ip -n "$LW_SRV_NS" addr add 10.77.0.1/16 dev "$LW_SRV_IF"
# dhclient's RELEASE flushed the client veth: perfdhcp needs its lab address back.
ip -n "$LW_CLI_NS" addr replace 10.77.0.2/16 dev "$LW_CLI_IF"
lw_bg "$KEA_DIR/kea.out" ip netns exec "$LW_SRV_NS" \
	env KEA_PIDFILE_DIR="$KEA_DIR" KEA_LOCKFILE_DIR="$KEA_DIR" kea-dhcp4 -c "$KEA_DIR/kea.json"
KEA_PID=$LW_LAST_PID
sleep 2
lw_perfdhcp "$LW_TMP/perfdhcp-kea.log" -4 -r 50 -R 60 -n 50 -d 2 -b mac=00:0c:07:00:00:00 \
	-l "$LW_CLI_IF" || lw_log "perfdhcp (kea) exit $?"
lw_stop_pid "$KEA_PID" TERM 10 || true
ip -n "$LW_SRV_NS" addr del 10.77.0.1/16 dev "$LW_SRV_IF"
KEA_LEASES=$(awk -F, 'NR > 1 && $4 > 0 {print $1}' "$KEA_DIR/leases4.csv" 2>/dev/null | sort -u | wc -l)
lw_check_ge "kea-dhcp4 wrote leases to its memfile CSV" 40 "$KEA_LEASES"
write_config "$CFG" "$LW_TMP/leases-kea"
lw_daemon_start --config "$CFG" || lw_fatal "daemon for the Kea import"
sh_cmds "$LW_TMP/s6.txt" "import leases $KEA_DIR/leases4.csv" "show leases state bound"
cat "$LW_TMP/s6.txt" >>"$TRANSCRIPT"
lw_check_eq "Kea CSV: every Kea lease is bound here" "$KEA_LEASES" \
	"$(grep -E '^[0-9]+ leases match' "$LW_TMP/s6.txt" | awk '{print $1}')"
KEA_IP=$(awk -F, 'NR > 1 && $4 > 0 {print $1; exit}' "$KEA_DIR/leases4.csv")
KEA_MAC=$(awk -F, 'NR > 1 && $4 > 0 {print $2; exit}' "$KEA_DIR/leases4.csv")
lw_check_eq "Kea CSV: $KEA_IP has Kea's hardware address" "$KEA_MAC" "$(lw_lease_field "$KEA_IP" hw_address)"
lw_daemon_stop; rc=$?
lw_check_eq "leasewired exit status after SIGTERM (4)" 0 "$rc"

[ -n "${LW_KEEP_TRANSCRIPT:-}" ] && cp "$TRANSCRIPT" "$LW_KEEP_TRANSCRIPT"
lw_finish
