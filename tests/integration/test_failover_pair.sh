#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Two leasewired as a draft-12 failover pair, each in its own namespace,
# with every client seen by both (a bridge) and the failover TCP link on a
# veth of its own:
#
#   [srv  = NSP] primary:   lws<id>  10.77.0.1 (af_packet)   fo0 10.99.0.1 ==+
#   [fos  = NSS] secondary: lwt<id>  10.77.0.3 (af_packet)   fo0 10.99.0.2 <=+ TCP 647
#   [cli] br0 = lwc<id> + lwu<id> + cl0b;  cl0 10.77.0.2, .5, .6, .7 (relay addresses)
#
# The clients are fo_pair_tool.py's farm: emulated DHCP clients behind a
# relay that do DORA (broadcast: both servers see it), renew at T1 by
# unicast, rebind at T2 by broadcast and start over when NAKed or out of
# lease, and log every reply. giaddr 10.77.0.2 selects the big subnet
# (10.77.1.0 - 10.77.8.255); .5, .6 and .7 select three 32-address subnets
# nobody uses until the phase that exhausts one. Test timers: MCLT 4 s,
# startup-time 2 s, max-response-delay 5 s; lease store durability "write"
# (it survives kill -9; fsync would time the disk).
#
#  1. Both reach NORMAL; the primary hands the secondary half of the unheld
#     addresses (BACKUP); 128 clients are each offered and ACKed only by
#     the server of their RFC 3074 bucket (split 128); both lease tables
#     (export leases, Kea CSV) agree with each other and with the clients.
#  2. 100 partition cycles while clients arrive (12/s) and renew: half take
#     the failover veth down and kill the connection on both sides (ss -K)
#     for 0.3 s, half only kill it (both servers reconnect at once, the
#     collision case); each time both must go COMMUNICATIONS-INTERRUPTED
#     and back to NORMAL, with no duplicate connection refused. Table
#     snapshots during the cycles and every ACK the clients got: no address
#     is ever bound to two clients at once. Two greedy clients, ACKed by
#     both servers while partitioned, keep one address each: each server
#     keeps the binding it granted. Afterwards both tables agree.
#  3. Restarts (SIGTERM and kill -9) in NORMAL and COMMUNICATIONS-INTERRUPTED,
#     the failover veth down while the restarted server comes up: its
#     failover.state holds the state it stopped in, and it resumes it
#     (NORMAL as COMMUNICATIONS-INTERRUPTED until the partner answers).
#  4. The secondary stopped, "failover partner-down" on the primary's shell
#     (refused without confirm): until MCLT has passed the primary hands out
#     only its own 16 addresses of a 32-address subnet, after MCLT the
#     secondary's too; it renews the secondary's clients; restarted by
#     SIGTERM and kill -9 it resumes PARTNER-DOWN; the secondary's return
#     goes through RECOVER to NORMAL. Then the primary killed and the
#     secondary's auto-partner-down: the same from the other side, restarts
#     in PARTNER-DOWN included, the primary's return through RECOVER.
#  5. The secondary restarted with an empty lease store: UPDREQALL/UPDDONE
#     give it every binding back (both tables agree) and its share of the
#     pool (it hands out 16 of a fresh 32-address subnet to its clients).
#  6. The failover traffic, captured on the secondary's fo0 from start to
#     end, decodes in tshark's dhcpfo dissector without a malformed frame or
#     an expert warning; the servers connect at most 10 times a second.
#
# Environment: LW_PAIR_CYCLES (100), LW_PAIR_MCLT (4), and lib.sh's.
set -u
. "$(dirname "$0")/lib.sh"
lw_init fop
. "$(dirname "$0")/lib_isc.sh"
isc_init

T0=$(date +%s)
MCLT=${LW_PAIR_MCLT:-4}
CYCLES=${LW_PAIR_CYCLES:-100}
TOOL="$LW_ROOT/tests/integration/fo_pair_tool.py"
LW_SHELL_PY="$LW_ROOT/tests/integration/shell_client.py"
for t in tcpdump tshark ss; do
	command -v "$t" >/dev/null || lw_fatal "$t not installed"
done
lw_log "MCLT $MCLT s, $CYCLES partition cycles"

# ------------------------------------------------------------ topology
lab_up "$LW_ID" || lw_fatal "lab up"
NSP=$LW_SRV_NS NSS=lw-fos-$LW_ID IF_P=$LW_SRV_IF IF_S=lwt$LW_ID
isc_netns_add "$NSS" || lw_fatal "netns $NSS"
isc_veth "$NSS" "$IF_S" - "$LW_CLI_NS" "lwu$LW_ID" - || lw_fatal "secondary's DHCP veth"
isc_veth "$NSP" fo0 10.99.0.1/24 "$NSS" fo0 10.99.0.2/24 || lw_fatal "failover veth"
isc_veth "$LW_CLI_NS" cl0 10.77.0.2/16 "$LW_CLI_NS" cl0b - || lw_fatal "client veth"
for a in 10.77.0.5 10.77.0.6 10.77.0.7; do
	ip -n "$LW_CLI_NS" addr add "$a/16" dev cl0 || lw_fatal "relay address $a"
done
isc_bridge "$LW_CLI_NS" br0 "$LW_CLI_IF" "lwu$LW_ID" cl0b || lw_fatal "bridge"
P_IP=10.77.0.1 S_IP=10.77.0.3

PW_HASH=$(printf 'pair-secret\n' | "$LW_DAEMON" --hash-password) || lw_fatal "--hash-password"
# The 32-address subnets first: the primary's hand-over walks the pools in
# order and gives the secondary every other address, so each gets 16/16.
SUBNETS='[{"id": 2, "subnet": "10.88.0.0/16", "relay": {"ip-addresses": ["10.77.0.5"]},
   "pools": [{"pool": "10.88.1.0 - 10.88.1.31"}]},
  {"id": 3, "subnet": "10.89.0.0/16", "relay": {"ip-addresses": ["10.77.0.6"]},
   "pools": [{"pool": "10.89.1.0 - 10.89.1.31"}]},
  {"id": 4, "subnet": "10.90.0.0/16", "relay": {"ip-addresses": ["10.77.0.7"]},
   "pools": [{"pool": "10.90.1.0 - 10.90.1.31"}]},
  {"id": 1, "subnet": "10.77.0.0/16", "interface": "port0",
   "pools": [{"pool": "10.77.1.0 - 10.77.8.255"}],
   "option-data": [{"name": "routers", "data": "10.77.0.1"}]}]'
POOL_ADDRS=$((32 + 32 + 32 + 2048))

# pair_config <file> <primary|secondary> <lease-dir> [auto-partner-down]
pair_config() {
	local file=$1 role=$2 dir=$3 apd=${4:-0} addr=10.77.0.1/16
	[ "$role" = secondary ] && addr=10.77.0.3/16
	LW_LEASE_DIR=$dir lw_config_write "$file" "$SUBNETS" 300 150 262 "$addr"
	"$LW_PY" - "$file" "$role" "$PW_HASH" "$LW_TMP/shell-${role:0:1}.sock" "$MCLT" "$apd" <<-'PY'
	import json, sys
	path, role, pw, sock, mclt, apd = sys.argv[1:7]
	c = json.load(open(path))
	d = c["Dhcp4"]
	d["max-leases"] = 16384  # a start-up of 0.5 s, not 4 s (the table is preallocated)
	# "write": an ACK leaves once the journal write(2) is done, which survives
	# the kill -9s here; fsync would time this VM's disk, not failover.
	d["lease-store"]["durability"] = "write"
	d["shell"] = {"password-hash": pw, "enable-password-hash": pw, "port": 0,
	              "unix-socket": sock, "idle-timeout": 60}
	own, peer = ("10.99.0.1", "10.99.0.2") if role == "primary" else ("10.99.0.2", "10.99.0.1")
	f = {"peer-name": "lw-fo", "role": role, "address": own, "peer-address": peer,
	     "max-response-delay": 5, "max-unacked-updates": 100,
	     "load-balance-max-seconds": 3, "startup-time": 2}
	if role == "primary":
	    f["mclt"] = int(mclt)
	    f["split"] = 128
	if int(apd):
	    f["auto-partner-down"] = int(apd)
	d["failover"] = f
	json.dump(c, open(path, "w"), indent=1)
	PY
}

P_DIR=$LW_TMP/leases-p S_DIR=$LW_TMP/leases-s
P_CFG=$LW_TMP/primary.json S_CFG=$LW_TMP/secondary.json S_CFG_APD=$LW_TMP/secondary-apd.json
pair_config "$P_CFG" primary "$P_DIR"
pair_config "$S_CFG" secondary "$S_DIR"
pair_config "$S_CFG_APD" secondary "$S_DIR" 2
lw_daemon_ctx p "$NSP" "$IF_P"
lw_daemon_ctx s "$NSS" "$IF_S"

# on <p|s>: the daemon the next commands talk to.
on() { lw_daemon_ctx "$1"; }
dir_of() { [ "$1" = p ] && echo "$P_DIR" || echo "$S_DIR"; }
log_of() { echo "$LW_TMP/daemon-$1.log"; }
fo_field() { lw_tel_get /leasewire/failover "$1" 2>/dev/null; }
fo_of() { (on "$1" && fo_field "$2"); }

prefix_of() { (on "$1" && echo "$LW_PREFIX"); }

# tool_wait <secs> <p|s|both> <wait-fo options...>: fo_pair_tool.py wait-fo.
tool_wait() {
	local secs=$1 who=$2 out; shift 2
	local -a px=()
	case "$who" in
	both) px=(--prefix "$(prefix_of p)" --prefix "$(prefix_of s)") ;;
	*) px=(--prefix "$(prefix_of "$who")") ;;
	esac
	out=$("$LW_PY" "$TOOL" wait-fo "${px[@]}" --timeout "$secs" "$@") && return 0
	lw_log "$who: $out"
	return 1
}
# wait_fo <p|s> <state> <secs>: bounded; the connection up too for normal.
wait_fo() { tool_wait "$3" "$1" --state "$2"; }
wait_both() { tool_wait "$2" both --state "$1"; }
# drained <p|s|both> <secs>: nothing of ours queued or in flight.
drained() { tool_wait "$2" "$1" --drained; }

shell_of() {
	local who=$1; shift
	timeout -k 5 60 "$LW_PY" "$LW_SHELL_PY" --unix "$LW_TMP/shell-$who.sock" \
		--password pair-secret --enable pair-secret -- "$@"
}

# stored <p|s>: the state in the lease store's failover.state.
stored() { "$LW_PY" "$TOOL" fo-state "$(dir_of "$1")/failover.state"; }

# wait_log <p|s> <after-line> <fixed string> <secs>: bounded.
wait_log() {
	local i
	for ((i = 0; i < $4 * 5; i++)); do
		log_since "$1" "$2" | grep -qF -- "$3" && return 0
		sleep 0.2
	done
	return 1
}

# log_since <p|s> <line>: the daemon log after line N.
log_since() { tail -n +"$(($2 + 1))" "$(log_of "$1")"; }
log_lines() { wc -l <"$(log_of "$1")"; }

# The failover link: down/up on the primary's side; kill the connection in both.
link_down() { ip -n "$NSP" link set fo0 down; }
link_up() { ip -n "$NSP" link set fo0 up; }
fo_kill() {
	local ns
	for ns in "$NSP" "$NSS"; do
		ip netns exec "$ns" ss -K -tn state established '( sport = :647 or dport = :647 )' \
			>/dev/null 2>&1
	done
}

# ---- the clients
FARM_SOCK=$LW_TMP/farm.sock FARM_LOG=$LW_TMP/farm.jsonl
farm() { "$LW_PY" "$TOOL" ctl --timeout 90 "$FARM_SOCK" "$@"; }
# farm_field <answer> <key>: k=v out of a tool's answer ("missing" if absent,
# which fails every check it is given to).
farm_field() {
	local v
	v=$(sed -n "s/.* $2=\([0-9]*\).*/\1/p" <<<" $1" | head -n1)
	echo "${v:-missing}"
}
# kv_field <answer> <key>: a k=v value of any kind ("missing" if absent).
kv_field() {
	local v
	v=$(sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<" $1" | head -n1)
	echo "${v:-missing}"
}
# csv_binds <export> <ip> <mac>: the export has ip bound to mac.
csv_binds() {
	awk -F, -v ip="$2" -v mac="$3" '$1 == ip && tolower($2) == mac && $10 == 0 { f = 1 }
		END { exit !f }' "$1"
}

# compare <label> [margin]: export both tables and the clients' view, check-tables.
compare() {
	local label=$1 margin=${2:-5} out
	shell_of p "export leases $LW_TMP/$label-p.csv" >"$LW_TMP/$label-p.log" 2>&1 &
	shell_of s "export leases $LW_TMP/$label-s.csv" >"$LW_TMP/$label-s.log" 2>&1
	wait $!
	farm dump "$LW_TMP/$label-farm.json" >/dev/null
	out=$("$LW_PY" "$TOOL" check-tables "$LW_TMP/$label-p.csv" "$LW_TMP/$label-s.csv" \
		--farm "$LW_TMP/$label-farm.json" --margin "$margin" 2>&1)
	echo "$out" | sed 's/^/    /'
	TABLES=$(grep '^TABLES ' <<<"$out")
}
# compare_settled <label>: compare, and once more after MCLT if they
# disagreed: a client ACKed by both servers out of touch is bound to two
# addresses, one at each, until the one it does not renew ends (MCLT).
compare_settled() {
	compare "$1"
	if [ "$(farm_field "$TABLES" mismatched)" != 0 ] || [ "$(farm_field "$TABLES" client_two_addrs)" != 0 ]; then
		lw_log "$1: the tables differ; again after MCLT"
		sleep $((MCLT + 1))
		compare "$1-again"
	fi
}
tables_agree() {
	local label=$1 k
	for k in mismatched state_differs addr_two_clients client_two_addrs farm_missing_primary \
		farm_missing_secondary; do
		lw_check_eq "$label: $k" 0 "$(farm_field "$TABLES" "$k")"
	done
}

# restart_check <p|s> <term|kill> <stored-state> <resumed-state>: stop the
# daemon, check its failover.state, start it again (the failover veth is
# down, so it cannot reach the partner) and check that it resumed that state
# (its log, and the state it shows, which STARTUP leaves as it was).
restart_check() {
	local who=$1 how=$2 want_stored=$3 want=$4 line rc=0
	on "$who"
	if [ "$how" = term ]; then
		lw_daemon_stop || rc=$?
		lw_check_eq "$who in $want_stored: exit status after SIGTERM" 0 "$rc"
	else
		lw_daemon_kill9
	fi
	lw_check_eq "$who after $how in $want_stored: failover.state holds" "$want_stored" "$(stored "$who")"
	line=$(log_lines "$who")
	link_down
	local cfg=$P_CFG
	[ "$who" = s ] && cfg=${S_CFG_NOW:-$S_CFG}
	lw_daemon_start --config "$cfg" || lw_fatal "$who did not restart"
	lw_check "$who after $how: resumes its stored state (log)" \
		grep -q "resuming its stored state" <(log_since "$who" "$line")
	# The state shown in STARTUP is the one resumed (draft-12 sec 9.3.1).
	lw_check_eq "$who after $how in $want_stored: resumes" "$want" "$(fo_of "$who" state)"
}

# ------------------------------------------------------------ 1. both normal
PCAP=$LW_TMP/fo.pcap
isc_capture_start "$NSS" fo0 "$PCAP" "tcp port 647" || lw_fatal "tcpdump fo0"
lw_bg "$LW_TMP/farm.out" ip netns exec "$LW_CLI_NS" "$LW_PY" "$TOOL" farm --ctl "$FARM_SOCK" \
	--log "$FARM_LOG" --dev cl0 --giaddr 10.77.0.2 --giaddr 10.77.0.5 --giaddr 10.77.0.6 \
	--giaddr 10.77.0.7 \
	--max-secs 600
FARM_PID=$LW_LAST_PID
on p
lw_daemon_start --config "$P_CFG" || lw_fatal "primary did not start"
on s
lw_daemon_start --config "$S_CFG" || lw_fatal "secondary did not start"
lw_check "primary reaches normal" wait_fo p normal 30
lw_check "secondary reaches normal" wait_fo s normal 30
lw_check_eq "primary: role" primary "$(fo_of p role)"
lw_check_eq "secondary: role" secondary "$(fo_of s role)"
lw_check_eq "primary: buckets served (split 128)" 128 "$(fo_of p buckets_served)"
lw_check_eq "secondary: buckets served (the primary's split)" 128 "$(fo_of s buckets_served)"
lw_check_eq "secondary: MCLT adopted from the primary" "$MCLT" "$(fo_of s mclt)"
lw_check "fresh stores: the secondary asked for every binding (UPDREQALL)" \
	grep -q "the partner asks for all bindings (UPDREQALL)" "$(log_of p)"
lw_check "pool hand-over: primary's updates drained" drained p 60
lw_check_ge "primary handed half the pool to the secondary (BNDUPDs sent)" \
	$((POOL_ADDRS / 2)) "$(fo_of p bndupd_sent)"
lw_check_ge "secondary accepted them" $((POOL_ADDRS / 2)) "$(fo_of s bndupd_accepted)"
lw_check "primary's log: the hand-over of half the unheld addresses" \
	grep -q "balancing pools: 0 of $POOL_ADDRS unheld addresses are the secondary's; handing it $((POOL_ADDRS / 2)) more" "$(log_of p)"

NB=128
farm new b "$NB" 10.77.0.2 100 >/dev/null
ans=$(farm wait b 30)
lw_log "clients b: $ans"
lw_check_eq "all $NB clients bound" "$NB" "$(farm_field "$ans" bound)"
split=$("$LW_PY" "$TOOL" check-split "$FARM_LOG" --tag b --primary "$P_IP" --secondary "$S_IP")
echo "$split" | sed 's/^/    /'
lw_check_eq "every client ACKed by its RFC 3074 bucket's server" "$NB" \
	"$(farm_field "$split" acked_by_bucket_owner)"
lw_check_eq "clients offered or ACKed by the other server" 0 "$(farm_field "$split" answered_by_other)"
lw_check_ge "clients of the primary's buckets" $((NB / 4)) "$(farm_field "$split" primary_buckets)"
lw_check_ge "clients of the secondary's buckets" $((NB / 4)) "$(farm_field "$split" secondary_buckets)"
# The first lease of a new binding lasts MCLT; once the partner has acked
# it, a renewal gets the full lease.
drained both 30
ans=$(farm renew b 20)
lw_check_eq "the DORA's clients renewed" "$NB" "$(farm_field "$ans" acked)"
drained both 30
compare after-dora
lw_check_ge "after the DORAs: bindings compared" "$NB" "$(farm_field "$TABLES" farm_bound)"
tables_agree "after the DORAs"

# ------------------------------------------------------------ 2. partition cycles
farm new c 3000 10.77.0.2 12 >/dev/null
lw_log "$CYCLES partition cycles (clients arriving at 12/s, others renewing)"
on p; PREFIX_P=$LW_PREFIX
on s; PREFIX_S=$LW_PREFIX
cyc=$(timeout -k 5 400 "$LW_PY" "$TOOL" cycles --count "$CYCLES" --hold 0.3 --timeout 10 \
	--prefix-p "$PREFIX_P" --prefix-s "$PREFIX_S" --nsp "$NSP" --nss "$NSS" --link "$NSP:fo0" \
	--shell-p "$LW_TMP/shell-p.sock" --shell-s "$LW_TMP/shell-s.sock" --password pair-secret \
	--outdir "$LW_TMP" --snap-every 25 --kill-only-every 2 2>&1)
echo "$cyc" | sed 's/^/    /'
lw_check_eq "partition cycles completed: both communications-interrupted, then both normal" \
	"$CYCLES" "$(farm_field "$cyc" ok)"
lw_check_ge "primary: connections lost (one a cycle)" "$CYCLES" "$(farm_field "$cyc" p_disconnects)"
lw_check_ge "secondary: connections lost (one a cycle)" "$CYCLES" "$(farm_field "$cyc" s_disconnects)"
lw_check_eq "cycles that only killed the connection (both reconnect at once)" $((CYCLES / 2)) \
	"$(farm_field "$cyc" kill_only)"
lw_check_eq "primary: no duplicate connection refused (reconnects do not collide)" 0 \
	"$(farm_field "$cyc" p_refused_duplicate)"
lw_check_eq "secondary: no duplicate connection refused" 0 "$(farm_field "$cyc" s_refused_duplicate)"
lw_check_ge "table snapshots taken during the cycles" $((CYCLES / 25)) "$(farm_field "$cyc" snapshots)"
lw_check_eq "snapshots with an address bound to two clients (or failed)" 0 \
	"$(farm_field "$cyc" snapshot_bad)"
farm cancel c >/dev/null
ans=$(farm wait c 30)
lw_log "clients c: $ans"
lw_check_ge "clients that arrived during the cycles bound (12/s)" $((CYCLES * 5)) \
	"$(farm_field "$ans" bound)"
lw_check_eq "clients that arrived during the cycles and got nothing" 0 "$(farm_field "$ans" failed)"
# Two ACKs out of touch: a client ACKed by both servers for two addresses
# keeps one. Each server must keep the binding it granted when the
# partner's arrives (a record is per client: applying it would free the
# address the client kept, under the client).
link_down
fo_kill
lw_check "partitioned again: both communications-interrupted" wait_both communications-interrupted 15
g1=$(farm greedy g1 10.77.0.2 "$P_IP" 10)
g2=$(farm greedy g2 10.77.0.2 "$S_IP" 10)
lw_log "greedy clients: $g1; $g2"
lw_check_eq "client g1 ACKed by both servers, keeps the primary's address" bound/2 \
	"$(kv_field "$g1" state)/$(kv_field "$g1" acks)"
lw_check_eq "client g2 ACKed by both servers, keeps the secondary's address" bound/2 \
	"$(kv_field "$g2" state)/$(kv_field "$g2" acks)"
pline=$(log_lines p) sline=$(log_lines s)
link_up
lw_check "link back: both normal" wait_both normal 30
drained both 30
shell_of p "export leases $LW_TMP/greedy-p.csv" >/dev/null 2>&1
shell_of s "export leases $LW_TMP/greedy-s.csv" >/dev/null 2>&1
lw_check "primary still binds the address g1 kept to it" \
	csv_binds "$LW_TMP/greedy-p.csv" "$(kv_field "$g1" kept)" "$(kv_field "$g1" mac)"
lw_check "secondary still binds the address g2 kept to it" \
	csv_binds "$LW_TMP/greedy-s.csv" "$(kv_field "$g2" kept)" "$(kv_field "$g2" mac)"
lw_check "primary refused the secondary's binding of g1 (log)" \
	grep -q "refused the partner's binding of $(kv_field "$g1" dropped): its client holds $(kv_field "$g1" kept)" \
	<(log_since p "$pline")
lw_check "secondary refused the primary's binding of g2 (log)" \
	grep -q "refused the partner's binding of $(kv_field "$g2" dropped): its client holds $(kv_field "$g2" kept)" \
	<(log_since s "$sline")
sleep $((MCLT + 1)) # the abandoned leases end (a new binding out of touch lasts MCLT)
ans=$(farm renew all 30)
lw_log "renew all: $ans"
lw_check_eq "after the cycles: every client's renewal ACKed" "$(farm_field "$ans" selected)" \
	"$(farm_field "$ans" acked)"
lw_check "after the cycles: both servers' updates drained" drained both 60
compare_settled after-cycles
tables_agree "after the cycles"
acks=$("$LW_PY" "$TOOL" check-acks "$FARM_LOG")
echo "$acks" | sed 's/^/    /'
lw_check_eq "after the cycles: addresses ACKed to two clients at once" 0 \
	"$(farm_field "$acks" addr_two_clients)"
lw_check_eq "after the cycles: clients ACKed two addresses at once" 0 \
	"$(farm_field "$acks" client_two_addrs)"

# ------------------------------------------------------------ 3. restarts
lw_log "restarts in normal and communications-interrupted"
restart_check s term normal communications-interrupted
link_up
lw_check "after the secondary's restart: both normal" wait_both normal 30
restart_check p kill normal communications-interrupted
link_up
lw_check "after the primary's restart: both normal" wait_both normal 30
link_down
fo_kill
lw_check "partitioned: both communications-interrupted" wait_both communications-interrupted 15
restart_check p term communications-interrupted communications-interrupted
restart_check s kill communications-interrupted communications-interrupted
link_up
lw_check "link back: both normal" wait_both normal 30

# ------------------------------------------------------------ 4a. partner-down (operator)
lw_log "the secondary down; partner-down on the primary from the shell"
on s
lw_daemon_stop; rc=$?
lw_check_eq "secondary: exit status after SIGTERM" 0 "$rc"
lw_check "primary: communications-interrupted" wait_fo p communications-interrupted 15
shell_of p "failover partner-down" >"$LW_TMP/pd-noconfirm.txt" 2>&1
lw_check "partner-down without confirm is refused" grep -q "To go ahead: failover partner-down confirm" \
	"$LW_TMP/pd-noconfirm.txt"
lw_check_eq "primary still communications-interrupted" communications-interrupted "$(fo_of p state)"
pline=$(log_lines p)
shell_of p "failover partner-down confirm" >"$LW_TMP/pd-confirm.txt" 2>&1
lw_check "primary: partner-down" wait_fo p partner-down 10
pd_until=$(($(fo_of p state_since_unix) + MCLT))
farm new e1 24 10.77.0.5 100 >/dev/null
ans=$(farm wait e1 20)
lw_log "clients e1: $ans"
lw_check "primary's log: MCLT has passed in partner-down" \
	wait_log p "$pline" "MCLT has passed in partner-down" $((MCLT + 10))
farm retry e1 >/dev/null
ans=$(farm wait e1 20)
lw_log "clients e1 (retried after MCLT): $ans"
pool=$("$LW_PY" "$TOOL" check-pool "$FARM_LOG" --tag e1 --first 10.88.1.0 --own even --before "$pd_until")
echo "$pool" | sed 's/^/    /'
lw_check_eq "partner-down before MCLT: the primary's own 16 of 32 ACKed, none of the secondary's" \
	16/0 "$(farm_field "$pool" before_own)/$(farm_field "$pool" before_partner)"
lw_check_ge "partner-down before MCLT: clients left without an address" 1 \
	"$(farm_field "$pool" failed_before)"
lw_check_eq "partner-down after MCLT: the rest get the secondary's free addresses" 8 \
	"$(farm_field "$pool" after_partner)"
lw_check_eq "partner-down after MCLT: all 24 bound" 24 "$(farm_field "$ans" bound)"
ans=$(farm rebind "server=$S_IP" 20)
lw_log "the secondary's clients rebind: $ans"
lw_check_ge "the secondary's clients" 20 "$(farm_field "$ans" selected)"
lw_check_eq "the secondary's clients renewed by the primary" "$(farm_field "$ans" selected)" \
	"$(farm_field "$ans" "by_$P_IP")"
restart_check p term partner-down partner-down
restart_check p kill partner-down partner-down
tool_wait 10 p --startup-done # startup-time 2 s: no service before
farm new e1b 4 10.77.0.5 100 >/dev/null
ans=$(farm wait e1b 20)
lw_check_eq "partner-down resumed after MCLT: the secondary's last free addresses" 4 \
	"$(farm_field "$ans" bound)"
link_up
sline=$(log_lines s)
on s
lw_daemon_start --config "$S_CFG" || lw_fatal "secondary did not come back"
lw_check "the secondary's return: both normal" wait_both normal $((MCLT + 30))
lw_check "secondary's return went through recover" \
	grep -q "I move from communications-interrupted to recover " <(log_since s "$sline")
lw_check "secondary: recover-done before normal" \
	grep -q "I move from recover-done to normal" <(log_since s "$sline")
lw_check "primary: from partner-down to normal" \
	grep -q "I move from partner-down to normal" <(log_since p "$pline")

# ------------------------------------------------------------ 4b. auto-partner-down
lw_log "the primary down; the secondary with auto-partner-down 2"
on s
lw_daemon_stop
S_CFG_NOW=$S_CFG_APD
lw_daemon_start --config "$S_CFG_APD" || lw_fatal "secondary (auto-partner-down) did not start"
lw_check "secondary with auto-partner-down: both normal" wait_both normal 30
sline=$(log_lines s)
on p
lw_daemon_kill9
lw_check "secondary: partner-down on its own (auto-partner-down 2 s)" wait_fo s partner-down 15
pd_until=$(($(fo_of s state_since_unix) + MCLT))
lw_check "secondary's log: from communications-interrupted to partner-down" \
	grep -q "I move from communications-interrupted to partner-down" <(log_since s "$sline")
farm new e2 24 10.77.0.6 100 >/dev/null
ans=$(farm wait e2 20)
lw_log "clients e2: $ans"
lw_check "secondary's log: MCLT has passed in partner-down" \
	wait_log s "$sline" "MCLT has passed in partner-down" $((MCLT + 10))
farm retry e2 >/dev/null
ans=$(farm wait e2 20)
lw_log "clients e2 (retried after MCLT): $ans"
pool=$("$LW_PY" "$TOOL" check-pool "$FARM_LOG" --tag e2 --first 10.89.1.0 --own odd --before "$pd_until")
echo "$pool" | sed 's/^/    /'
lw_check_eq "secondary before MCLT: its own 16 of 32 (it kept its share), none of the primary's" \
	16/0 "$(farm_field "$pool" before_own)/$(farm_field "$pool" before_partner)"
lw_check_ge "secondary before MCLT: clients left without an address" 1 \
	"$(farm_field "$pool" failed_before)"
lw_check_eq "secondary after MCLT: the rest get the primary's free addresses" 8 \
	"$(farm_field "$pool" after_partner)"
lw_check_eq "secondary after MCLT: all 24 bound" 24 "$(farm_field "$ans" bound)"
ans=$(farm rebind "server=$P_IP" 20)
lw_log "the primary's clients rebind: $ans"
lw_check_ge "the primary's clients" 20 "$(farm_field "$ans" selected)"
lw_check_eq "the primary's clients renewed by the secondary" "$(farm_field "$ans" selected)" \
	"$(farm_field "$ans" "by_$S_IP")"
restart_check s kill partner-down partner-down
restart_check s term partner-down partner-down
link_up
pline=$(log_lines p)
on p
lw_daemon_start --config "$P_CFG" || lw_fatal "primary did not come back"
lw_check "the primary's return: both normal" wait_both normal $((MCLT + 30))
lw_check "primary's return went through recover" \
	grep -q "I move from communications-interrupted to recover " <(log_since p "$pline")

# ------------------------------------------------------------ 5. empty store
lw_log "the secondary restarted with an empty lease store"
on s
lw_daemon_stop
rm -rf "$S_DIR"
sline=$(log_lines s) pline=$(log_lines p)
lw_daemon_start --config "$S_CFG_APD" || lw_fatal "secondary (empty store) did not start"
lw_check "empty store: the secondary starts in recover" \
	grep -q "secondary, no stored state: recover" <(log_since s "$sline")
lw_check "empty store: both normal again" wait_both normal $((MCLT + 30))
lw_check "the secondary asked for every binding (UPDREQALL)" \
	grep -q "the partner asks for all bindings (UPDREQALL)" <(log_since p "$pline")
lw_check "the secondary got UPDDONE" \
	grep -q "the partner has sent every binding we asked for (UPDDONE)" <(log_since s "$sline")
drained both 30
compare_settled after-empty-store
lw_check_ge "the secondary's bindings after UPDREQALL: every client's" \
	"$(farm_field "$TABLES" farm_bound)" "$(farm_field "$TABLES" secondary)"
tables_agree "after the empty-store recovery"
lw_check_ge "the secondary accepted every binding and BACKUP address again" \
	"$(farm_field "$TABLES" primary)" "$(fo_of s bndupd_accepted)"
# Its share of the pool came back with the walk's BACKUP part: in NORMAL
# only the secondary answers clients of its buckets, from its own (BACKUP)
# addresses, half of a 32-address subnet nobody has used yet.
farm new e5 24 10.77.0.7 100 half=high >/dev/null
ans=$(farm wait e5 20)
lw_log "clients e5 (the secondary's buckets): $ans"
lw_check_eq "after the empty store: the secondary has its 16 of 32 again" 16/16 \
	"$(farm_field "$ans" bound)/$(farm_field "$ans" "by_$S_IP")"

# ------------------------------------------------------------ the end
farm quit >/dev/null
lw_wait_pid "$FARM_PID" 10 || true
acks=$("$LW_PY" "$TOOL" check-acks "$FARM_LOG")
echo "$acks" | sed 's/^/    /'
lw_check_eq "whole run: addresses ACKed to two clients at once" 0 "$(farm_field "$acks" addr_two_clients)"
lw_check_eq "whole run: clients ACKed two addresses at once" 0 "$(farm_field "$acks" client_two_addrs)"
lw_check_eq "whole run: ACKs for another address than the client held" 0 "$(farm_field "$acks" wrong_ack)"
# Updates a partner refused: only the greedy clients' four addresses (each
# server refuses the other's binding of a client it has bound elsewhere).
# A primary's BACKUP for an address its own client holds was refused once.
rej=$(grep -h "the partner rejected our update of" "$(log_of p)" "$(log_of s)" |
	grep -v -e "update of $(kv_field "$g1" kept) " -e "update of $(kv_field "$g1" dropped) " \
		-e "update of $(kv_field "$g2" kept) " -e "update of $(kv_field "$g2" dropped) " | wc -l)
lw_check_eq "updates the partner rejected (other than the greedy clients')" 0 "$rej"
for who in p s; do
	on "$who"
	lw_daemon_stop; rc=$?
	lw_check_eq "$who: exit status after SIGTERM" 0 "$rc"
done
isc_capture_stop
lw_log "tshark: the failover capture"
lw_check "the failover traffic decodes in tshark (dhcpfo)" fo_tshark_check "$PCAP" 647
lw_check_ge "CONNECTs on the wire (one a cycle at least)" "$CYCLES" "${FO_COUNT[5]:-0}"
lw_check_ge "UPDREQALLs on the wire" 2 "${FO_COUNT[7]:-0}"
lw_check_ge "UPDDONEs on the wire" 2 "${FO_COUNT[8]:-0}"
lw_check_ge "BNDUPDs on the wire" "$POOL_ADDRS" "${FO_COUNT[3]:-0}"
# Reconnecting is prompt (every 250 ms) but not a loop: a refusal that
# arrived within the pass that connected once went unnoticed and the next
# pass connected again, 5,000 SYNs a second on this veth.
syns=$(lw_count "$PCAP" "tcp.flags.syn == 1 && tcp.flags.ack == 0")
secs=$(($(date +%s) - T0))
lw_log "failover connection attempts (SYN): $syns in $secs s"
lw_check "connection attempts on the failover link: at most 10 a second ($syns in $secs s)" \
	test "$syns" -ge "$CYCLES" -a "$syns" -le $((secs * 10))
lw_log "elapsed $(($(date +%s) - T0)) s"
lw_finish
