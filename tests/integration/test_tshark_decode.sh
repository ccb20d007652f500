#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Everything leasewired puts on the wire decodes cleanly in tshark (IP and
# UDP checksum validation on): no malformed packet, no expert error. The
# traffic is a mix of real peers and edge cases:
#   - dhclient DORA + RELEASE (and the ARP for 10.77.0.1 that the RELEASE's
#     unicast needs), ping 10.77.0.1;
#   - perfdhcp 100 clients broadcast and 50 clients unicast (relay form;
#     the lab pool has 241 addresses);
#   - scapy: DISCOVER with the broadcast flag (reply must be broadcast),
#     DISCOVER with max-message-size 576 and a parameter request list of
#     every option (reply IP datagram must fit in 576 bytes, RFC 2131
#     sec 2 / RFC 2132 sec 9.10), DHCPINFORM from 10.77.0.2 (ACK to ciaddr
#     with yiaddr 0 and no lease time, RFC 2131 sec 4.3.5), INIT-REBOOT
#     REQUEST for another network (a NAK, broadcast, RFC 2131 sec 4.1).
# Each server frame class (OFFER, ACK, ARP reply, ICMP echo reply) must
# appear at least once so the decode check cannot pass on an empty capture.
set -u
. "$(dirname "$0")/lib.sh"
lw_init tsd

lab_up "$LW_ID" --relay || lw_fatal "lab up"
SRV_MAC=$(ip -n "$LW_SRV_NS" -br link show "$LW_SRV_IF" | awk '{print $3}')
lw_daemon_start --lab --lease-dir "$LW_TMP/leases" || lw_fatal "leasewired --lab did not start"
PCAP=$LW_TMP/all.pcap
lw_capture_start "$PCAP" "udp port 67 or udp port 68 or arp or icmp" || lw_fatal "tcpdump"

# dhclient. The client veth has 10.77.0.2/16; dhclient's script adds the
# leased /24 address next to it (namespace only) and removes it on release.
lw_dhclient_setup
# A script of our own: add the leased address on BOUND, delete it on RELEASE
# (never flush: 10.77.0.2 must stay for perfdhcp).
cat >"$LW_DHC_SCRIPT" <<EOF
#!/bin/sh
echo "\$(date +%s) \$reason \${new_ip_address:-\$old_ip_address}" >> "$LW_DHC_EVENTS"
case "\$reason" in
BOUND|RENEW|REBIND|REBOOT) ip -4 addr replace "\$new_ip_address/32" dev "\$interface" ;;
RELEASE|EXPIRE|STOP) ip -4 addr del "\$old_ip_address/32" dev "\$interface" 2>/dev/null ;;
esac
exit 0
EOF
lw_dhclient_start
if line=$(lw_dhclient_wait BOUND 40); then
	lw_log "dhclient: $line"
	lw_dhclient_release || true
else
	lw_check "dhclient got a lease" false
	lw_stop_pid "$LW_DHC_PID" TERM 5 || true
fi
lw_check "ping 10.77.0.1" timeout 10 ip netns exec "$LW_CLI_NS" ping -n -c2 -i 0.3 -W2 10.77.0.1

LW_PERF_TIMEOUT=60
lw_perfdhcp "$LW_TMP/perf1.log" -4 -r 100 -R 100 -n 100 -d 2 -W 3000000 \
	-b mac=00:0c:04:00:00:00 -l "$LW_CLI_IF" || true
lw_perfdhcp "$LW_TMP/perf2.log" -4 -r 100 -R 50 -n 50 -d 2 -W 3000000 \
	-b mac=00:0c:05:00:00:00 -l 10.77.0.2 10.77.0.1 || true
lw_log "perfdhcp broadcast: $(lw_perf_field "$LW_TMP/perf1.log" REQUEST-ACK 'received packets') ACKs," \
	"unicast: $(lw_perf_field "$LW_TMP/perf2.log" REQUEST-ACK 'received packets') ACKs"

timeout -k 5 60 ip netns exec "$LW_CLI_NS" "$LW_PY" - "$LW_CLI_IF" <<'EOF'
import sys, time
from scapy.all import BOOTP, DHCP, IP, UDP, AsyncSniffer, Ether, conf, sendp, get_if_hwaddr
conf.verb = 0
iface = sys.argv[1]
ok = True

def check(cond, what):
    global ok
    print(("  PASS: " if cond else "  FAIL: ") + what, flush=True)
    ok &= bool(cond)

def ask(frame, xid, wait=3.0):
    def match(p):
        return p.haslayer(BOOTP) and p[BOOTP].op == 2 and p[BOOTP].xid == xid
    for _ in range(3):
        sn = AsyncSniffer(iface=iface, filter="udp and src port 67", lfilter=match, count=1)
        sn.start(); time.sleep(0.2)
        sendp(frame, iface=iface)
        t = time.monotonic() + wait
        while time.monotonic() < t and not sn.results:
            time.sleep(0.05)
        try:
            sn.stop()
        except Exception:
            pass
        if sn.results:
            return sn.results[0]
    return None

def opt(p, name):
    for o in p[DHCP].options:
        if isinstance(o, tuple) and o[0] == name:
            return o[1]
    return None

def client(mac, xid, options, flags=0, src="0.0.0.0", dst="255.255.255.255",
           ciaddr="0.0.0.0", emac="ff:ff:ff:ff:ff:ff"):
    ch = bytes.fromhex(mac.replace(":", "")) + b"\0" * 10
    return (Ether(src=mac, dst=emac) / IP(src=src, dst=dst) / UDP(sport=68, dport=67) /
            BOOTP(op=1, xid=xid, flags=flags, ciaddr=ciaddr, chaddr=ch) /
            DHCP(options=options + ["end"]))

r = ask(client("02:7e:00:00:00:01", 0x7e01, [("message-type", "discover")], flags=0x8000), 0x7e01)
check(r is not None, "broadcast-flag DISCOVER answered")
if r is not None:
    check(r[Ether].dst == "ff:ff:ff:ff:ff:ff" and r[IP].dst == "255.255.255.255",
          f"broadcast flag honoured (reply to {r[Ether].dst} / {r[IP].dst})")

prl = list(range(1, 255))
r = ask(client("02:7e:00:00:00:02", 0x7e02,
               [("message-type", "discover"), ("max_dhcp_size", 576),
                ("param_req_list", prl)]), 0x7e02)
check(r is not None, "DISCOVER with max-message-size 576 and a 254-option PRL answered")
if r is not None:
    check(r[IP].len <= 576, f"reply IP datagram {r[IP].len} bytes <= 576")

mine = get_if_hwaddr(iface)
r = ask(client(mine, 0x7e03, [("message-type", "inform")], src="10.77.0.2", dst="10.77.0.1",
               ciaddr="10.77.0.2", emac="ff:ff:ff:ff:ff:ff"), 0x7e03)
check(r is not None, "DHCPINFORM from 10.77.0.2 answered")
if r is not None:
    check(opt(r, "message-type") == 5, "INFORM answered with DHCPACK")
    check(r[BOOTP].yiaddr == "0.0.0.0", f"INFORM ACK yiaddr 0.0.0.0 (got {r[BOOTP].yiaddr})")
    check(opt(r, "lease_time") is None, "INFORM ACK carries no lease time")
    check(r[IP].dst == "10.77.0.2", f"INFORM ACK sent to ciaddr (got {r[IP].dst})")

# RFC 2131 sec 4.1: with giaddr 0 a DHCPNAK is always broadcast, even to a
# client that asked for unicast (INIT-REBOOT for an address of another network).
r = ask(client("02:7e:00:00:00:04", 0x7e04,
               [("message-type", "request"), ("requested_addr", "10.99.0.5")]), 0x7e04)
check(r is not None, "INIT-REBOOT for another network answered")
if r is not None:
    check(opt(r, "message-type") == 6, "INIT-REBOOT for another network answered with DHCPNAK")
    check(r[Ether].dst == "ff:ff:ff:ff:ff:ff" and r[IP].dst == "255.255.255.255",
          f"direct NAK broadcast (sent to {r[Ether].dst} / {r[IP].dst})")
sys.exit(0 if ok else 1)
EOF
lw_check "scapy edge cases (above)" test $? -eq 0
lw_print_stats
lw_capture_stop

lw_check_decode "$PCAP" "all server frames"
for what in "dhcp.option.dhcp == 2:DHCPOFFER" "dhcp.option.dhcp == 5:DHCPACK" \
	"arp.opcode == 2:ARP reply" "icmp.type == 0:ICMP echo reply"; do
	f=${what%%:*}; name=${what#*:}
	lw_check_ge "server sent at least one $name (decoded)" 1 "$(lw_count "$PCAP" "eth.src == $SRV_MAC && $f")"
done
warn=$(lw_count "$PCAP" "eth.src == $SRV_MAC && _ws.expert.severity == \"warning\"")
lw_log "server frames with expert warnings (informational): $warn"
lw_daemon_stop; rc=$?
lw_check_eq "leasewired exit status after SIGTERM" "0" "$rc"
lw_finish
