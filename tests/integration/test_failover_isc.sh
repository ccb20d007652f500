#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# leasewired in a draft-12 failover pair with ISC dhcpd 4.4.3, in both
# roles (leasewired secondary + ISC primary, then leasewired primary + ISC
# secondary), on a lab where the clients reach both servers:
#
#   [srv] leasewired: lws (net_af_packet, 10.77.0.1)   fo0 10.99.0.1 ==+
#   [isc] dhcpd:      lan0 10.77.0.3/16                fo0 10.99.0.2 <=+ failover TCP 647
#   [cli] br0 = lwc + isc-lan peer + cl0b;  cl0 10.77.0.2/16 (perfdhcp)
#
# Per role: both servers reach NORMAL (leasewired's /leasewire/failover,
# dhcpd's "Both servers normal"); the primary hands the secondary its half
# of the pool (BACKUP); perfdhcp (a relay to both) runs LW_FO_CLIENTS DORAs
# with no drop and no address given twice, answered by both servers by
# RFC 3074 bucket, split so that dhcpd serves a quarter of the buckets and
# leasewired three quarters (split 64 on dhcpd as primary, 192 on
# leasewired as primary): an uneven split tells a mirrored reading of ISC's
# bucket map (its polarity) from the right one, as split 128 cannot, and
# dhcpd, which fsyncs every lease, gets the smaller share of the load. Each
# server's ACKs are checked against the bucket of every bound client;
# afterwards both lease tables agree (dhcpd.leases against leasewired's
# export: every address active in one is bound to the same MAC in the
# other, no address held for two clients). (perfdhcp reports "orphans":
# dhcpd also ACKs a REQUEST naming leasewired when our BNDUPD for that
# binding reached it first - the same address to the same client, ISC's
# rule that a REQUEST is never load balanced.) Then kill -9 of dhcpd under
# load: leasewired goes COMMUNICATIONS-INTERRUPTED, serves every new client
# with a lease no longer than MCLT; dhcpd restarted on its lease file: both
# NORMAL again and the tables agree again. Then leasewired restarted
# (SIGTERM): it resumes its stored state and is NORMAL again. As primary,
# LW_FO_PARTITIONS (100) partitions of the failover link under load, and the
# tables agree afterwards (partitions below). The failover TCP traffic
# captured on fo0 decodes in tshark's dhcpfo dissector with no malformed
# frame and no expert warning. LW_FO_ROLES=primary runs one role only.
set -u
. "$(dirname "$0")/lib.sh"
lw_init fox
. "$(dirname "$0")/lib_isc.sh"
isc_init

N=${LW_FO_CLIENTS:-10000}
RATE=${LW_FO_RATE:-250}
# Long enough that no lease of the run expires before the tables are
# compared (a new binding's first lease lasts MCLT, ISC's rule too).
MCLT=300
# The primary's buckets (ISC's "split": buckets 0..SPLIT-1 are the
# primary's), set per role in run_role.
SPLIT=
LW_SHELL_PY="$LW_ROOT/tests/integration/shell_client.py"
NSI=lw-foi-$LW_ID
T0=$(date +%s)
for t in tcpdump tshark perfdhcp; do
	command -v "$t" >/dev/null || lw_fatal "$t not installed"
done

# ------------------------------------------------------------ topology
lab_up "$LW_ID" || lw_fatal "lab up"
isc_netns_add "$NSI" || lw_fatal "netns $NSI"
isc_veth "$LW_SRV_NS" fo0 10.99.0.1/24 "$NSI" fo0 10.99.0.2/24 || lw_fatal "failover veth"
isc_veth "$NSI" lan0 10.77.0.3/16 "$LW_CLI_NS" iscl - || lw_fatal "dhcpd lan veth"
isc_veth "$LW_CLI_NS" cl0 10.77.0.2/16 "$LW_CLI_NS" cl0b - || lw_fatal "client veth"
isc_bridge "$LW_CLI_NS" br0 "$LW_CLI_IF" iscl cl0b || lw_fatal "bridge"
SRV_MAC=$(ip -n "$LW_SRV_NS" -br link show "$LW_SRV_IF" | awk '{print tolower($3)}')

PW_HASH=$(printf 'fo-secret\n' | "$LW_DAEMON" --hash-password) || lw_fatal "--hash-password"
SOCK=$LW_TMP/shell.sock
POOL_FIRST=10.77.1.0 POOL_LAST=10.77.160.255

# lw_fo_config <file> <role> <lease-dir>
lw_fo_config() {
	local file=$1 role=$2 dir=$3
	local subnet='[{"id": 1, "subnet": "10.77.0.0/16", "interface": "port0",
	  "pools": [{"pool": "'"$POOL_FIRST - $POOL_LAST"'"}],
	  "option-data": [{"name": "routers", "data": "10.77.0.1"}]}]'
	LW_LEASE_DIR=$dir lw_config_write "$file" "$subnet" 600 150 300
	"$LW_PY" - "$file" "$role" "$PW_HASH" "$SOCK" "$MCLT" "$SPLIT" <<-'PY'
	import json, sys
	path, role, pw, sock, mclt, split = sys.argv[1:7]
	c = json.load(open(path))
	d = c["Dhcp4"]
	d["shell"] = {"password-hash": pw, "enable-password-hash": pw, "port": 0,
	              "unix-socket": sock, "idle-timeout": 60}
	f = {"peer-name": "lw-fo", "role": role, "address": "10.99.0.1", "port": 647,
	     "peer-address": "10.99.0.2", "peer-port": 647, "max-response-delay": 6,
	     "max-unacked-updates": 10, "load-balance-max-seconds": 3, "startup-time": 3}
	if role == "primary":
	    f["mclt"] = int(mclt)
	    f["split"] = int(split)
	d["failover"] = f
	json.dump(c, open(path, "w"), indent=1)
	PY
}

fo_state() { lw_tel_get /leasewire/failover state 2>/dev/null; }
fo_field() { lw_tel_get /leasewire/failover "$1" 2>/dev/null; }

# lw_wait_fo <state> <secs>: leasewired's own failover state, bounded.
lw_wait_fo() {
	local want=$1 secs=$2 i
	for ((i = 0; i < secs * 5; i++)); do
		[ "$(fo_state)" = "$want" ] && return 0
		sleep 0.2
	done
	lw_log "leasewired failover state: $(fo_state) (wanted $want)"
	return 1
}

lw_shell() {
	timeout -k 5 60 ip netns exec "$LW_SRV_NS" "$LW_PY" "$LW_SHELL_PY" --unix "$SOCK" \
		--password fo-secret --enable fo-secret -- "$@"
}

# Our updates all sent and acked (nothing queued, nothing in flight), bounded.
lw_wait_updates_drained() {
	local secs=$1 i
	for ((i = 0; i < secs * 5; i++)); do
		[ "$(fo_field updates_queued)" = 0 ] && [ "$(fo_field updates_in_flight)" = 0 ] &&
			return 0
		sleep 0.2
	done
	return 1
}

# compare_tables <label> <isc-leases>: both tables agree on every binding
# that holds now. A binding holds while it is bound (dhcpd: active) and its
# end is in the future; dhcpd's file keeps saying "active" for a lease that
# ended until its pool timer rewrites it, so the end decides on both sides.
# An address whose end, on either side, is within FLUX seconds of now is in
# the middle of expiring and is left out (counted in CMP_FLUX).
compare_tables() {
	local label=$1 leases=$2 csv=$LW_TMP/$1.csv
	lw_shell "export leases $csv" >"$csv.log" 2>&1 || lw_log "export: $(tail -n2 "$csv.log")"
	isc_leases_tsv "$leases" address,binding_state,hardware_ethernet,ends >"$LW_TMP/$label.isc.tsv"
	"$LW_PY" - "$csv" "$LW_TMP/$label.isc.tsv" >"$LW_TMP/$label.cmp" <<-'PY'
	import csv, sys, time
	now, FLUX = time.time(), 10
	ours, theirs, flux = {}, {}, set()
	def holds(a, end, table, mac):
	    # end None: infinite. Returns the binding into table unless it is in flux.
	    if end is not None and abs(end - now) <= FLUX:
	        flux.add(a)
	    elif end is None or end > now:
	        table[a] = mac.lower()
	for row in csv.DictReader(open(sys.argv[1])):
	    if row.get("state", "0") == "0":  # Kea: 0 = default (bound)
	        holds(row["address"], int(row["expire"]), ours, row["hwaddr"])
	ended = 0
	for line in open(sys.argv[2]):
	    a, st, mac, ends = (line.rstrip("\n").split("\t") + ["", "", "", ""])[:4]
	    if st == "active":
	        end = None if ends in ("", "-") else int(ends)  # "-": never
	        ended += end is not None and end < now - FLUX
	        holds(a, end, theirs, mac)
	for a in flux:
	    ours.pop(a, None)
	    theirs.pop(a, None)
	bad = []
	for a, m in ours.items():
	    if theirs.get(a) != m:
	        bad.append(f"{a}: leasewired {m}, dhcpd {theirs.get(a, 'not active')}")
	for a, m in theirs.items():
	    if a not in ours:
	        bad.append(f"{a}: dhcpd {m}, leasewired not bound")
	macs = {}
	for a, m in list(ours.items()) + list(theirs.items()):
	    macs.setdefault(m, set()).add(a)
	twice = [m for m, s in macs.items() if len(s) > 1]
	print(f"CMP ours={len(ours)} theirs={len(theirs)} mismatched={len(bad)} "
	      f"mac_two_addresses={len(twice)} flux={len(flux)} isc_active_ended={ended}")
	for b in bad[:10]:
	    print("  " + b)
	PY
	grep -v '^CMP ' "$LW_TMP/$label.cmp" | sed 's/^/    /'
	CMP_OURS=$(sed -n 's/^CMP ours=\([0-9]*\).*/\1/p' "$LW_TMP/$label.cmp")
	CMP_THEIRS=$(sed -n 's/.* theirs=\([0-9]*\).*/\1/p' "$LW_TMP/$label.cmp")
	CMP_BAD=$(sed -n 's/.* mismatched=\([0-9]*\).*/\1/p' "$LW_TMP/$label.cmp")
	CMP_TWICE=$(sed -n 's/.* mac_two_addresses=\([0-9]*\).*/\1/p' "$LW_TMP/$label.cmp")
	CMP_FLUX=$(sed -n 's/.* flux=\([0-9]*\).*/\1/p' "$LW_TMP/$label.cmp")
	lw_log "$label: leasewired bound ${CMP_OURS:-?}, dhcpd active ${CMP_THEIRS:-?}," \
		"${CMP_FLUX:-?} expiring now (left out)," \
		"$(sed -n 's/.* isc_active_ended=\([0-9]*\).*/\1/p' "$LW_TMP/$label.cmp") ended but still active in dhcpd.leases"
}

# bucket_shares <csv> <mac-prefix> <role>: "ours=N theirs=M" - the bound
# leases of the export whose MAC starts with mac-prefix, counted by the
# server their RFC 3074 bucket belongs to: buckets 0..SPLIT-1 the
# primary's, the rest the secondary's. The bucket is fo_pair_tool.lb_hash
# of the client identifier (option 61's payload, type byte included:
# perfdhcp sends one) or, without one, of the MAC (RFC 3074 sec 4).
bucket_shares() {
	"$LW_PY" - "$1" "$2" "$3" "$SPLIT" "$LW_ROOT/tests/integration" <<-'PY'
	import csv, sys
	path, prefix, role, split, here = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
	sys.path.insert(0, here)
	sys.dont_write_bytecode = True
	from fo_pair_tool import lb_hash, mac_bytes
	ours = theirs = 0
	for r in csv.DictReader(open(path)):
	    mac = r["hwaddr"].lower()
	    if r.get("state", "0") != "0" or not mac.startswith(prefix):
	        continue
	    cid = r.get("client_id", "")
	    primarys = lb_hash(mac_bytes(cid) if cid else mac_bytes(mac)) < split
	    if primarys == (role == "primary"):
	        ours += 1
	    else:
	        theirs += 1
	print(f"ours={ours} theirs={theirs}")
	PY
}

# own_acked <csv>: how many of up to 40 bound leases of the export with a
# 02: MAC are leasewired's own (not from the partner), acked (nothing
# pending) and carry the PET they were sent as acked PET (specs sec 8.3).
own_acked() {
	local ips
	ips=$("$LW_PY" -c '
import csv, sys
rows = [r["address"] for r in csv.DictReader(open(sys.argv[1]))
        if r.get("state", "0") == "0" and r["hwaddr"].lower().startswith("02:")]
print(" ".join("/leasewire/lease," + a for a in rows[:40]))' "$1")
	[ -n "$ips" ] || { echo 0; return; }
	# shellcheck disable=SC2086 # one telemetry command per address
	lw_tel $ips | "$LW_PY" -c '
import json, sys
n = 0
for line in sys.stdin:
    if not line.strip():
        continue
    v = next(iter(json.loads(line).values()))
    if isinstance(v, dict) and v.get("fo_flags") == 0 and \
       v.get("partner_expire", 0) > 0 and v.get("partner_expire") == v.get("sent_pet"):
        n += 1
print(n)'
}

# perf <label> <clients> <mac-prefix-byte>: perfdhcp DORAs from cl0 (a relay
# for both servers, -u: unique addresses), bounded. Sets PERF_ACKS,
# PERF_DROPS, PERF_NONU and PERF_RCVBUF (replies the client kernel dropped
# at perfdhcp's full socket buffer: perfdhcp starved of CPU, not a server
# losing a client).
perf() {
	local label=$1 n=$2 log=$LW_TMP/perf-$1.log rc=0 rb0
	rb0=$(lw_udp_rcvbuf_errors)
	# -d 10: a reply is lost only after 10 s. dhcpd fsyncs its lease file
	# per binding and, on a busy 2-core host, once left 15 of 10,000
	# replies later than 2 s; a late reply is not a lost client.
	lw_perfdhcp "$log" -4 -l cl0 -r "$RATE" -R $((n + 1000)) -n "$n" -d 10 -W 12000000 -u \
		-b "mac=$3:00:00:00:00:00" || rc=$?
	PERF_ACKS=$(lw_perf_field "$log" REQUEST-ACK "received packets")
	PERF_DROPS=$(lw_perf_field "$log" REQUEST-ACK drops)
	PERF_NONU=$(lw_perf_field "$log" REQUEST-ACK "non unique addresses")
	PERF_RCVBUF=$(($(lw_udp_rcvbuf_errors) - rb0))
	local d_do
	d_do=$(lw_perf_field "$log" DISCOVER-OFFER drops)
	PERF_DROPS=$((${PERF_DROPS:-0} + ${d_do:-0}))
	lw_log "$label: perfdhcp exit $rc, ${PERF_ACKS:-?} ACKs, drops ${PERF_DROPS:-?}, client receive-buffer drops $PERF_RCVBUF"
	# Exit 3: perfdhcp saw drops; judged against the receive-buffer drops.
	[ "$rc" = 3 ] && [ "$PERF_DROPS" -le "$PERF_RCVBUF" ] && rc=0
	return $rc
}

# partitions <role> <isc-leases>: PARTITIONS cuts of the failover link
# while perfdhcp brings new clients and renews old ones (the clients'
# network is untouched). fo_pair_tool.py cycles drives them with
# leasewired's telemetry: every other cut takes fo0 down for a moment, and
# every cut destroys the connection in both namespaces (ss -K), so both
# servers notice at once. A cut counts as seen when leasewired's
# disconnects counter rises (a kill-only cut's communications-interrupted
# lasts one reconnect), and as over when leasewired is normal, connected
# again and sees dhcpd normal. No address is ever given to two clients
# (perfdhcp's check over every ACK) and afterwards the tables agree.
# Run where leasewired is the primary: it redials at once, where ISC's
# primary waits for its own timer.
partitions() {
	local role=$1 leases=$2 cycles=${LW_FO_PARTITIONS:-100}
	local log=$LW_TMP/perf-$role-partitions.log pp rc=0 cyc
	lw_log "$role: $cycles partitions of the failover link under load"
	# ip netns exec execs perfdhcp: the PID is perfdhcp's, SIGINT ends it with its report.
	lw_bg "$log" ip netns exec "$LW_CLI_NS" perfdhcp -4 -l cl0 -r 60 -f 20 -R 100000 -d 10 \
		-W 12000000 -u -b "mac=08:00:00:00:00:00"
	pp=$LW_LAST_PID
	cyc=$(timeout -k 5 $((cycles * 12 + 30)) "$LW_PY" "$LW_ROOT/tests/integration/fo_pair_tool.py" \
		cycles --count "$cycles" --hold 0.3 --timeout 10 --kill-only-every 2 \
		--prefix-p "$LW_PREFIX" --nsp "$LW_SRV_NS" --nss "$NSI" --link "$LW_SRV_NS:fo0" \
		--shell-p "$SOCK" --password fo-secret --outdir "$LW_TMP" 2>&1 | tee "$LW_TMP/cycles-$role.log" |
		sed -n 's/^CYCLES //p')
	grep -v '^CYCLES ' "$LW_TMP/cycles-$role.log" | head -n 20 | sed 's/^/    /'
	lw_log "$role: cycles: ${cyc:-none}"
	lw_stop_pid "$pp" INT 15 || rc=$?
	lw_check_eq "$role: partitions: cuts seen, then normal again with dhcpd normal" "$cycles" \
		"$(cyc_field "$cyc" ok)"
	lw_check_ge "$role: partitions: reconnects made" "$cycles" "$(cyc_field "$cyc" p_connects)"
	local acks nonu
	acks=$(lw_perf_field "$log" REQUEST-ACK "received packets")
	nonu=$(lw_perf_field "$log" REQUEST-ACK "non unique addresses")
	lw_log "$role: partitions: perfdhcp exit $rc, ${acks:-?} ACKs"
	lw_check_ge "$role: partitions: clients ACKed during the cuts" "$cycles" "${acks:-0}"
	lw_check_eq "$role: partitions: addresses ACKed to two clients" 0 "${nonu:-?}"
	lw_wait_updates_drained 60 || lw_log "$role: updates not drained after the partitions"
	sleep 3
	compare_tables "$role-after-partitions" "$leases"
	lw_check_eq "$role: after the partitions: bindings the tables disagree on" 0 "${CMP_BAD:-?}"
	lw_check_eq "$role: after the partitions: clients holding two addresses" 0 "${CMP_TWICE:-?}"
}

# cyc_field <CYCLES line> <key>: one k=v figure of it ("" when absent).
cyc_field() {
	printf '%s\n' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"
}

run_role() {
	local role=$1 isc_role lwdir=$LW_TMP/leases-$1 cfg=$LW_TMP/lw-$1.json
	local iconf=$LW_TMP/dhcpd-$1.conf ileases=$LW_TMP/dhcpd-$1.leases pcap=$LW_TMP/fo-$1.pcap
	[ "$role" = secondary ] && isc_role=primary || isc_role=secondary
	# dhcpd serves a quarter of the buckets in either role.
	[ "$role" = primary ] && SPLIT=192 || SPLIT=64
	lw_log "======== leasewired $role, ISC dhcpd $isc_role"
	lw_fo_config "$cfg" "$role" "$lwdir"
	isc_conf "$iconf" "$isc_role" 10.99.0.2 647 10.99.0.1 647 10.77.0.0/16 \
		"$POOL_FIRST" "$POOL_LAST" mclt=$MCLT split=$SPLIT max_response_delay=6 max_unacked=10 ||
		lw_fatal "isc_conf"
	isc_capture_start "$LW_SRV_NS" fo0 "$pcap" "tcp port 647" || lw_fatal "tcpdump fo0"
	lw_daemon_start --config "$cfg" || lw_fatal "$role: leasewired did not start"
	local ipid=
	isc_start "$NSI" "$iconf" "$ileases" lan0 ipid || lw_fatal "dhcpd did not start"
	local ilog=$ISC_LOG

	lw_check "$role: leasewired reaches normal" lw_wait_fo normal 60
	lw_check "$role: dhcpd reaches normal" isc_wait_state "$ilog" normal 60
	lw_check_eq "$role: show failover: role" "$role" "$(fo_field role)"
	lw_check_eq "$role: partner state seen by leasewired" normal "$(fo_field partner_state)"
	if [ "$role" = primary ]; then
		lw_check_eq "$role: buckets served (split $SPLIT)" "$SPLIT" "$(fo_field buckets_served)"
	else
		lw_check_eq "$role: buckets served (the rest of the primary's split $SPLIT)" \
			$((256 - SPLIT)) "$(fo_field buckets_served)"
	fi
	# The pool hand-over: leasewired's or dhcpd's BACKUP BNDUPDs, all acked.
	sleep 3
	lw_check "$role: binding updates drained after the pool hand-over" \
		lw_wait_updates_drained 60
	[ "$role" = primary ] &&
		lw_check_ge "$role: BACKUP addresses handed to dhcpd (BNDUPDs sent)" 1000 \
			"$(fo_field bndupd_sent)"
	[ "$role" = secondary ] &&
		lw_check_ge "$role: BNDUPDs from dhcpd accepted (its BACKUP hand-over)" 1000 \
			"$(fo_field bndupd_accepted)"

	local acks0
	acks0=$(lw_stat tx_ack); acks0=${acks0:-0}
	lw_check "$role: perfdhcp $N DORAs against the pair" perf "$role-dora" "$N" 02
	lw_check_ge "$role: ACKs perfdhcp received (less client receive-buffer drops)" \
		$((N - PERF_RCVBUF)) "${PERF_ACKS:-0}"
	lw_check_ge "$role: perfdhcp drops are all client receive-buffer drops" \
		"${PERF_DROPS:-0}" "$PERF_RCVBUF"
	lw_check_eq "$role: addresses perfdhcp got twice" 0 "${PERF_NONU:-?}"
	local ours=$(($(lw_stat tx_ack) - acks0))
	lw_log "$role: leasewired ACKed $ours of ${PERF_ACKS:-?}"
	lw_wait_updates_drained 60 || lw_log "$role: updates not drained"
	sleep 3 # dhcpd batches its BNDACKs (up to 2 s) and writes its lease file
	compare_tables "$role-after-dora" "$ileases"
	lw_check_ge "$role: leasewired's table holds every ACKed binding" "${PERF_ACKS:-0}" \
		"${CMP_OURS:-0}"
	lw_check_eq "$role: bindings the two tables disagree on" 0 "${CMP_BAD:-?}"
	lw_check_eq "$role: clients holding two addresses" 0 "${CMP_TWICE:-?}"
	# Who answered whom: the bound clients of this run, by the bucket of their MAC.
	local split_fig lw_share
	split_fig=$(bucket_shares "$LW_TMP/$role-after-dora.csv" 02: "$role")
	lw_log "$role: bound clients by bucket owner: $split_fig; leasewired ACKed $ours"
	lw_share=$(printf '%s\n' "$split_fig" | sed -n 's/.*ours=\([0-9]*\).*/\1/p')
	# Equal, not merely close: leasewired ACKs only its buckets' clients (a
	# REQUEST naming dhcpd is not ours), and each of them once.
	lw_check_eq "$role: leasewired's ACKs = the bound clients of its buckets" "${lw_share:-?}" \
		"$ours"
	local their_buckets=$SPLIT
	[ "$role" = primary ] && their_buckets=$((256 - SPLIT))
	lw_check_ge "$role: dhcpd's buckets: their clients are bound (>= 90 % of their share)" \
		$((N * their_buckets / 256 * 9 / 10)) \
		"$(printf '%s\n' "$split_fig" | sed -n 's/.*theirs=\([0-9]*\).*/\1/p')"
	# Our BNDUPDs acked: the leases now count on their acked PET (MCLT cap).
	lw_check_ge "$role: acked PETs applied to leasewired's leases (90 % of its ACKs)" \
		$((ours * 9 / 10)) "$(lw_stat fo_acks_applied)"
	lw_check_ge "$role: own leases whose acked PET is the PET sent (of 40 looked at)" 1 \
		"$(own_acked "$LW_TMP/$role-after-dora.csv")"

	# ---- the partner dies under load
	lw_log "$role: kill -9 of dhcpd"
	local n2=$((N / 4))
	perf "$role-during-kill" "$n2" 04 &
	local pp=$!
	sleep 1
	isc_kill9 "$ipid"
	lw_check "$role: leasewired moves to communications-interrupted" \
		lw_wait_fo communications-interrupted 30
	wait "$pp"
	acks0=$(lw_stat tx_ack)
	lw_check "$role: perfdhcp $n2 new clients, dhcpd down" perf "$role-comm-int" "$n2" 06
	lw_check_ge "$role: communications-interrupted: leasewired ACKs every new client" \
		"$n2" $(($(lw_stat tx_ack) - acks0))
	# Leases of the clients that came while dhcpd was down: at most MCLT.
	local csv=$LW_TMP/$role-comm-int.csv
	lw_shell "export leases $csv" >"$csv.log" 2>&1
	local longest
	longest=$("$LW_PY" -c '
import csv, sys
v = [int(r["valid_lifetime"]) for r in csv.DictReader(open(sys.argv[1]))
     if r["hwaddr"].lower().startswith("06:")]
print(max(v) if v else -1)' "$csv")
	lw_check "$role: communications-interrupted leases last at most MCLT ($MCLT s): longest $longest" \
		test "$longest" -ge 1 -a "$longest" -le "$MCLT"

	# ---- the partner comes back on its lease file
	isc_start "$NSI" "$iconf" "$ileases" lan0 ipid || lw_fatal "dhcpd did not restart"
	ilog=$ISC_LOG
	lw_check "$role: after dhcpd's return leasewired is normal again" lw_wait_fo normal 90
	lw_check "$role: dhcpd normal again" isc_wait_state "$ilog" normal 90 "$ISC_LOG_LINE"
	lw_wait_updates_drained 60 || lw_log "$role: updates not drained after the return"
	sleep 3
	compare_tables "$role-after-return" "$ileases"
	lw_check_eq "$role: after the return: bindings the tables disagree on" 0 "${CMP_BAD:-?}"
	lw_check_eq "$role: after the return: clients holding two addresses" 0 "${CMP_TWICE:-?}"

	# ---- leasewired restarts on its store
	lw_daemon_stop; local rc=$?
	lw_check_eq "$role: leasewired exit status after SIGTERM" 0 "$rc"
	lw_daemon_start --config "$cfg" || lw_fatal "$role: no restart"
	lw_check "$role: the restart resumes the stored state" \
		grep -q "failover lw-fo: $role, resuming its stored state" "$LW_TMP/daemon.log"
	lw_check "$role: normal again after the restart" lw_wait_fo normal 60
	lw_shell "show failover" >"$LW_TMP/show-failover-$role.txt" 2>&1
	lw_check "$role: show failover names the partner's state" \
		grep -q "partner state *normal" "$LW_TMP/show-failover-$role.txt"
	[ "$role" = primary ] && partitions "$role" "$ileases"
	lw_print_stats
	lw_daemon_stop
	isc_stop "$ipid" 10 || true
	isc_capture_stop
	lw_check "$role: the failover traffic decodes in tshark (dhcpfo)" fo_tshark_check "$pcap" 647
	lw_check_ge "$role: BNDUPDs on the wire" 100 "${FO_COUNT[3]:-0}"
}

# LW_FO_ROLES=primary runs one role only (a quicker run by hand).
for role in ${LW_FO_ROLES:-secondary primary}; do
	run_role "$role"
done
lw_log "elapsed $(($(date +%s) - T0)) s"
lw_finish
