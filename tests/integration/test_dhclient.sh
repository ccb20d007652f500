#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# ISC dhclient against the real leasewired on net_af_packet.
#
# Phase 1 (--lab, the embedded default config): DORA; the lease is in the
#   lab pool with routers 10.77.0.1 and a 3600 s lease; the server's view is
#   "bound" to dhclient's MAC; dhclient -r makes it "released".
# Phase 2 (valid 60 / renew 5 / rebind 45; 60 s is the daemon's minimum):
#   dhclient puts the address on its veth (in its namespace) and stays up;
#   at T1 it unicasts a REQUEST to 10.77.0.1 (which needs leasewired's ARP
#   reply) and gets a DHCPACK; the lease's cltt moves forward; dhclient
#   restarted on its lease file gets the same address by INIT-REBOOT;
#   10.77.0.1 answers ping; the server's ACK counter equals the DHCPACKs on
#   the wire; release -> "released".
#
# Every capture is also checked with tshark for malformed server frames.
set -u
. "$(dirname "$0")/lib.sh"
lw_init dhc

lab_up "$LW_ID" || lw_fatal "lab up"
CLI_MAC=$(ip -n "$LW_CLI_NS" -br link show "$LW_CLI_IF" | awk '{print $3}')
SRV_MAC=$(ip -n "$LW_SRV_NS" -br link show "$LW_SRV_IF" | awk '{print $3}')
lw_log "client MAC $CLI_MAC, server port MAC $SRV_MAC"

# ------------------------------------------------------------ phase 1
lw_log "phase 1: --lab, DORA and release"
lw_daemon_start --lab --lease-dir "$LW_TMP/lab-leases" || lw_fatal "leasewired --lab did not start"
lw_capture_start "$LW_TMP/phase1.pcap" || lw_fatal "tcpdump"
# "configure": the address goes on the client veth (in its namespace), so
# dhclient -r can unicast its RELEASE to the server identifier.
lw_dhclient_setup configure
lw_dhclient_start
line=$(lw_dhclient_wait 'BOUND' 40) || {
	cat "$LW_TMP"/dhclient.1.log; lw_print_stats; lw_fatal "dhclient got no lease from --lab"; }
IP=$(echo "$line" | awk '{print $3}')
lw_log "dhclient BOUND $IP"
lw_check "leased address $IP is in the lab pool 10.77.0.10-10.77.0.250" \
	lw_ip_in_range "$IP" 10.77.0.10 10.77.0.250
lw_check_eq "routers option" "10.77.0.1" "$(lw_dhclient_env BOUND new_routers)"
lw_check_eq "lease time (option 51)" "3600" "$(lw_dhclient_env BOUND new_dhcp_lease_time)"
lw_check_eq "subnet mask (option 1)" "255.255.255.0" "$(lw_dhclient_env BOUND new_subnet_mask)"
lw_check_eq "server identifier (option 54)" "10.77.0.1" "$(lw_dhclient_env BOUND new_dhcp_server_identifier)"
lw_check "dhclient wrote its own lease file with $IP" grep -q "fixed-address $IP;" "$LW_DHC_LEASES"
lw_check_eq "server view: state" "bound" "$(lw_lease_field "$IP" state)"
lw_check_eq "server view: hw_address is dhclient's MAC" "$CLI_MAC" "$(lw_lease_field "$IP" hw_address)"
lw_check_eq "server view: lease_secs" "3600" "$(lw_lease_field "$IP" lease_secs)"
cltt=$(lw_lease_field "$IP" cltt); expire=$(lw_lease_field "$IP" expire)
lw_check_eq "server view: expire - cltt" "3600" "$((expire - cltt))"
lw_check_ge "server view: journal_seq" 1 "$(lw_lease_field "$IP" journal_seq)"

# Resolve the server's MAC first: dhclient -r sends its unicast RELEASE and
# then at once removes the address, and on a loaded machine the RELEASE could
# still be queued behind the ARP resolution when that happens.
timeout 10 ip netns exec "$LW_CLI_NS" ping -n -q -c1 -W3 10.77.0.1 >/dev/null ||
	lw_log "ping 10.77.0.1 before release got no reply"
lw_dhclient_release || lw_log "dhclient -r exited non-zero"
st=$(lw_wait_lease_state "$IP" released 10)
lw_check_eq "after dhclient -r: server view state" "released" "$st"
lw_check_eq "rx_release" "1" "$(lw_stat rx_release)"
lw_check_eq "tx_offer" "1" "$(lw_stat tx_offer)"
lw_check_eq "tx_ack" "1" "$(lw_stat tx_ack)"
lw_print_stats
lw_capture_stop
lw_check_eq "phase 1: DHCPACKs on the wire" "1" \
	"$(lw_count "$LW_TMP/phase1.pcap" "eth.src == $SRV_MAC && dhcp.option.dhcp == 5")"
lw_check_decode "$LW_TMP/phase1.pcap" "phase 1"
lw_daemon_stop; rc=$?
lw_check_eq "leasewired exit status after SIGTERM" "0" "$rc"

# ------------------------------------------------------------ phase 2
lw_log "phase 2: valid 60 / renew 5 / rebind 45, unicast RENEW, ARP, ping"
SUBNET24='[{"id": 1, "subnet": "10.77.0.0/24", "interface": "port0",
  "pools": [{"pool": "10.77.0.10 - 10.77.0.250"}],
  "option-data": [{"name": "routers", "data": "10.77.0.1"}]}]'
lw_config_write "$LW_TMP/short.json" "$SUBNET24" 60 5 45 10.77.0.1/24
lw_daemon_start --config "$LW_TMP/short.json" || lw_fatal "leasewired --config short.json did not start"
lw_capture_start "$LW_TMP/phase2.pcap" || lw_fatal "tcpdump"
rm -f "$LW_DHC_LEASES" "$LW_TMP"/dhc.env.*
lw_dhclient_setup configure
lw_dhclient_start
line=$(lw_dhclient_wait 'BOUND' 40) || {
	cat "$LW_TMP/dhclient.$LW_DHC_RUNS.log"; lw_print_stats; lw_fatal "dhclient got no lease (phase 2)"; }
IP=$(echo "$line" | awk '{print $3}')
lw_log "dhclient BOUND $IP; staying up for the renewal"
lw_check_eq "lease time 60" "60" "$(lw_dhclient_env BOUND new_dhcp_lease_time)"
lw_check_eq "T1 (option 58)" "5" "$(lw_dhclient_env BOUND new_dhcp_renewal_time)"
lw_check_eq "T2 (option 59)" "45" "$(lw_dhclient_env BOUND new_dhcp_rebinding_time)"
cltt1=$(lw_lease_field "$IP" cltt)
lw_check_eq "server view after BOUND" "bound" "$(lw_lease_field "$IP" state)"

# dhclient renews at T1 (5 s); give it up to 20 s (T2 is 45 s, so a REBIND
# here would mean the unicast RENEW got no answer).
nb=$(grep -c . "$LW_DHC_EVENTS")
if line=$(lw_dhclient_wait 'RENEW|REBIND' 20 "$nb"); then
	reason=$(echo "$line" | awk '{print $2}')
	lw_check_eq "dhclient extended its lease by" "RENEW" "$reason"
else
	lw_check "dhclient renewed its lease within 20 s" false
fi
cltt2=$(lw_lease_field "$IP" cltt)
lw_log "cltt before renewal $cltt1, after $cltt2"
lw_check "server view: cltt advanced on renewal ($cltt1 -> $cltt2)" \
	test "${cltt2:-0}" -gt "${cltt1:-0}"
lw_check_eq "server view after RENEW" "bound" "$(lw_lease_field "$IP" state)"
lw_check_eq "server view: hw_address" "$CLI_MAC" "$(lw_lease_field "$IP" hw_address)"

# INIT-REBOOT: stop dhclient (SIGTERM: no RELEASE) and run it again with the
# same lease file; it broadcasts a REQUEST for its old address (option 50,
# no server identifier) and must get it back.
lw_stop_pid "$LW_DHC_PID" TERM 10 || true
nb=$(grep -c . "$LW_DHC_EVENTS")
lw_dhclient_start
if line=$(lw_dhclient_wait 'REBOOT|BOUND' 40 "$nb"); then
	lw_log "dhclient restarted with its lease file: $line"
	lw_check_eq "restarted dhclient: INIT-REBOOT accepted" "REBOOT" "$(echo "$line" | awk '{print $2}')"
	lw_check_eq "restarted dhclient: same address" "$IP" "$(echo "$line" | awk '{print $3}')"
else
	lw_check "restarted dhclient got its lease back" false
fi
lw_check_eq "server view after INIT-REBOOT" "bound" "$(lw_lease_field "$IP" state)"

# ARP: the client's kernel resolved 10.77.0.1 to the server port's MAC,
# which only leasewired can have answered (the server veth has no IP).
neigh=$(ip -n "$LW_CLI_NS" neigh show 10.77.0.1 dev "$LW_CLI_IF")
lw_log "client neighbour entry: $neigh"
lw_check "client ARP table: 10.77.0.1 lladdr $SRV_MAC" \
	grep -qi "lladdr $SRV_MAC" <<<"$neigh"
icmp0=$(lw_stat tx_icmp_reply)
lw_check "ping -c1 -W2 10.77.0.1 from the client namespace" \
	timeout 10 ip netns exec "$LW_CLI_NS" ping -n -c1 -W2 10.77.0.1
lw_check_eq "tx_icmp_reply went up by one" "$((icmp0 + 1))" "$(lw_stat tx_icmp_reply)"

lw_dhclient_release || lw_log "dhclient -r exited non-zero"
st=$(lw_wait_lease_state "$IP" released 10)
lw_check_eq "after dhclient -r: server view state" "released" "$st"
lw_print_stats
tx_ack=$(lw_stat tx_ack)
lw_capture_stop
P2=$LW_TMP/phase2.pcap

# The unicast RENEW and its ACK, matched by xid.
req=$(lw_tshark "$P2" -Y "ip.src == $IP && ip.dst == 10.77.0.1 && udp.dstport == 67 && dhcp.option.dhcp == 3" \
	-T fields -e frame.number -e dhcp.id | head -n1)
lw_log "unicast REQUEST (frame, xid): ${req:-none}"
lw_check "a unicast DHCPREQUEST $IP -> 10.77.0.1 went out" test -n "$req"
if [ -n "$req" ]; then
	read -r rf rxid <<<"$req"
	ack=$(lw_count "$P2" "frame.number > $rf && eth.src == $SRV_MAC && ip.src == 10.77.0.1 && dhcp.id == $rxid && dhcp.option.dhcp == 5 && dhcp.ip.your == $IP")
	lw_check_ge "a DHCPACK for $IP with the RENEW's xid came back" 1 "$ack"
fi
reboot=$(lw_count "$P2" "udp.srcport == 68 && ip.dst == 255.255.255.255 && dhcp.option.dhcp == 3 && dhcp.option.requested_ip_address == $IP && !dhcp.option.dhcp_server_id")
lw_check_ge "an INIT-REBOOT REQUEST (opt 50 = $IP, no opt 54) went out" 1 "$reboot"
lw_check_ge "leasewired answered ARP for 10.77.0.1 on the wire" 1 \
	"$(lw_count "$P2" "eth.src == $SRV_MAC && arp.opcode == 2 && arp.src.proto_ipv4 == 10.77.0.1")"
acks_wire=$(lw_count "$P2" "eth.src == $SRV_MAC && dhcp.option.dhcp == 5")
bound_events=$(grep -cE ' (BOUND|RENEW|REBIND|REBOOT) ' "$LW_DHC_EVENTS")
lw_check_eq "tx_ack equals DHCPACKs on the wire" "$acks_wire" "$tx_ack"
lw_check_eq "DHCPACKs on the wire equal dhclient's BOUND+RENEW calls" "$bound_events" "$acks_wire"
lw_check_decode "$P2" "phase 2"
lw_daemon_stop; rc=$?
lw_check_eq "leasewired exit status after SIGTERM" "0" "$rc"
lw_finish
