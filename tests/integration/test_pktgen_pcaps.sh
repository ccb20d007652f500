#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The pcaps that pktgen-profiles/*.lua replay (pktgen-dpdk is not in
# Debian 12, so this test checks the traffic itself, not pktgen):
#   1. tshark decodes every frame of every pcap with IP/UDP checksum
#      validation on: no malformed frame, no expert error, the expected
#      number of DHCP DISCOVERs / REQUESTs, option 82 (circuit-id and
#      remote-id) and giaddr 10.77.0.2 in every relayed frame, ciaddr in
#      every renew;
#   2. make-pcaps.py regenerates byte-identical files (the committed pcaps
#      are what the committed generator writes);
#   3. dora.pcap, renew_storm.pcap and relay_opt82.pcap are replayed with
#      scapy sendp from the client namespace into the real leasewired, which
#      must answer them all: an OFFER per DISCOVER, an ACK per REQUEST
#      (SELECTING, then RENEWING), no NAK, option 82 echoed to giaddr:67.
set -u
. "$(dirname "$0")/lib.sh"
lw_init pcp

PROF=$LW_ROOT/pktgen-profiles
N_STORM=4096
N=1024

# ------------------------------------------------------------ 1. decode
# pcap_count <pcap> <display filter>: frames matching (no capture checks).
pcap_count() { lw_count "$1" "$2"; }
for f in discover_storm dora dora_discover dora_request relay_opt82 renew_storm; do
	p=$PROF/$f.pcap
	[ -f "$p" ] || { lw_check "$f.pcap exists" false; continue; }
	total=$(pcap_count "$p" "frame")
	bad=$(pcap_count "$p" '_ws.malformed || _ws.expert.severity >= "error" || !dhcp')
	lw_check_eq "$f.pcap: frames that are not clean DHCP (malformed, expert error, bad checksum)" 0 "$bad"
	lw_check "$f.pcap: at most 4096 frames ($total)" test "$total" -le 4096
	disc=$(pcap_count "$p" "dhcp.option.dhcp == 1")
	req=$(pcap_count "$p" "dhcp.option.dhcp == 3")
	case $f in
	discover_storm)
		lw_check_eq "$f: DISCOVERs" "$N_STORM" "$disc"
		lw_check_eq "$f: distinct client MACs" "$N_STORM" \
			"$(lw_tshark "$p" -T fields -e dhcp.hw.mac_addr | sort -u | wc -l)" ;;
	dora)
		lw_check_eq "$f: DISCOVERs" "$N" "$disc"
		lw_check_eq "$f: REQUESTs (SELECTING: option 50 and 54)" "$N" \
			"$(pcap_count "$p" 'dhcp.option.dhcp == 3 && dhcp.option.requested_ip_address && dhcp.option.dhcp_server_id == 10.77.0.1')" ;;
	dora_discover) lw_check_eq "$f: DISCOVERs" "$N" "$disc" ;;
	dora_request) lw_check_eq "$f: REQUESTs" "$N" "$req" ;;
	relay_opt82)
		lw_check_eq "$f: DISCOVERs" "$N" "$disc"
		lw_check_eq "$f: relayed (giaddr 10.77.0.2, hops 1, to 10.77.0.1:67 from port 67)" "$N" \
			"$(pcap_count "$p" 'dhcp.ip.relay == 10.77.0.2 && dhcp.hops == 1 && ip.dst == 10.77.0.1 && udp.srcport == 67 && udp.dstport == 67')"
		lw_check_eq "$f: option 82 with circuit-id and remote-id" "$N" \
			"$(pcap_count "$p" 'dhcp.option.type == 82 && dhcp.option.agent_information_option.suboption == 1 && dhcp.option.agent_information_option.suboption == 2')" ;;
	renew_storm)
		lw_check_eq "$f: REQUESTs" "$N" "$req"
		lw_check_eq "$f: RENEWING (ciaddr = source, unicast to 10.77.0.1, no option 50/54)" "$N" \
			"$(pcap_count "$p" 'dhcp.option.dhcp == 3 && dhcp.ip.client == ip.src && ip.dst == 10.77.0.1 && !dhcp.option.requested_ip_address && !dhcp.option.dhcp_server_id')" ;;
	esac
done

# ------------------------------------------------------------ 2. regenerate
mkdir -p "$LW_TMP/regen"
if timeout 600 "$LW_PY" "$PROF/make-pcaps.py" --out "$LW_TMP/regen" >/dev/null; then
	same=0
	for f in "$LW_TMP"/regen/*.pcap; do
		cmp -s "$f" "$PROF/$(basename "$f")" && same=$((same + 1))
	done
	lw_check_eq "make-pcaps.py rewrites the committed pcaps byte for byte" 6 "$same"
else
	lw_check "make-pcaps.py runs" false
fi

# ------------------------------------------------------------ 3. replay
lab_up "$LW_ID" || lw_fatal "lab up"
SUBNET='{"id": 1, "subnet": "10.77.0.0/16", "interface": "port0",
  "pools": [{"pool": "10.77.1.0 - 10.77.254.255"}],
  "option-data": [{"name": "routers", "data": "10.77.0.1"}]}'
lw_config_write "$LW_TMP/lw.json" "[$SUBNET]"
lw_daemon_start --config "$LW_TMP/lw.json" || lw_fatal "leasewired did not start"
lw_capture_start "$LW_TMP/replay.pcap" "udp port 67 or udp port 68" || lw_fatal "tcpdump"

# replay <pcap>: sendp every frame on the client veth, 64 at a time with a
# pause between blocks (the lab's af_packet ring is 512 frames).
replay() {
	timeout 300 ip netns exec "$LW_CLI_NS" "$LW_PY" - "$1" "$LW_CLI_IF" <<-'EOF'
	import sys, time
	from scapy.all import rdpcap, sendp, conf
	conf.verb = 0
	pkts = rdpcap(sys.argv[1])
	for i in range(0, len(pkts), 64):
	    sendp(pkts[i:i + 64], iface=sys.argv[2])
	    time.sleep(0.02)
	print(len(pkts))
	EOF
}
# stat_wait <counter> <value> <secs>: poll until the counter reaches value.
stat_wait() {
	local i v
	for ((i = 0; i < $3 * 5; i++)); do
		v=$(lw_stat "$1")
		[ "${v:-0}" -ge "$2" ] && break
		sleep 0.2
	done
	echo "${v:-0}"
}

lw_log "replay dora.pcap"
lw_check_eq "dora.pcap replayed" 2048 "$(replay "$PROF/dora.pcap")"
lw_check_eq "dora: OFFERs" "$N" "$(stat_wait tx_offer "$N" 20)"
lw_check_eq "dora: ACKs" "$N" "$(stat_wait tx_ack "$N" 20)"
lw_check_eq "dora: leases bound" "$N" "$(lw_tel_get /leasewire/leases bound)"
lw_log "replay renew_storm.pcap"
lw_check_eq "renew_storm.pcap replayed" "$N" "$(replay "$PROF/renew_storm.pcap")"
lw_check_eq "renew: ACKs (total)" "$((2 * N))" "$(stat_wait tx_ack $((2 * N)) 20)"
lw_log "replay relay_opt82.pcap"
lw_check_eq "relay_opt82.pcap replayed" "$N" "$(replay "$PROF/relay_opt82.pcap")"
lw_check_eq "relay: OFFERs (total)" "$((2 * N))" "$(stat_wait tx_offer $((2 * N)) 20)"
lw_check_eq "no NAK" "0" "$(lw_stat tx_nak)"
lw_capture_stop
SRV_MAC=$(ip -n "$LW_SRV_NS" -br link show "$LW_SRV_IF" | awk '{print $3}')
lw_check_eq "relay: OFFERs to giaddr 10.77.0.2:67 with option 82 echoed (on the wire)" "$N" \
	"$(lw_count "$LW_TMP/replay.pcap" "eth.src == $SRV_MAC && dhcp.option.dhcp == 2 && ip.dst == 10.77.0.2 && udp.dstport == 67 && dhcp.option.type == 82")"
lw_check_eq "renew: ACKs unicast to ciaddr (on the wire)" "$N" \
	"$(lw_count "$LW_TMP/replay.pcap" "eth.src == $SRV_MAC && dhcp.option.dhcp == 5 && dhcp.ip.client != 0.0.0.0 && ip.dst == dhcp.ip.client")"
lw_check_decode "$LW_TMP/replay.pcap" "replay"
lw_print_stats
lw_daemon_stop; rc=$?
lw_check_eq "leasewired exit status after SIGTERM" "0" "$rc"
lw_finish
