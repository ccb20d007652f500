#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# leasewire lab: two network namespaces joined by one veth pair.
#
#   lw-srv-<id>  [lws<id>] <==== veth ====> [lwc<id>]  lw-cli-<id>
#    leasewired (net_af_packet)               dhclient / perfdhcp / scapy
#
# The server side has NO kernel IP address: leasewired owns 10.77.0.1 and
# answers ARP and ICMP echo for it itself; a kernel address would make the
# kernel answer ARP too. IPv6 is off on both ends so no RS/ND/MLD noise
# reaches the daemon. Nothing global is mounted or changed: everything lives
# in the two namespaces and disappears with them.
#
# Source it for lab_up/lab_down/lab_srv/lab_cli, or run it:
#   scripts/lab.sh up <id> [--relay]    (--relay: client side gets 10.77.0.2/16)
#   scripts/lab.sh down <id>
#   scripts/lab.sh status <id>
# <id> is short ([a-z0-9], at most 10 chars) so interface names fit in 15.

lab_srv_ns() { echo "lw-srv-$1"; }
lab_cli_ns() { echo "lw-cli-$1"; }
lab_srv_if() { echo "lws$1"; }
lab_cli_if() { echo "lwc$1"; }

# Run a command in the server / client namespace.
lab_srv() { local id=$1; shift; ip netns exec "lw-srv-$id" "$@"; }
lab_cli() { local id=$1; shift; ip netns exec "lw-cli-$id" "$@"; }

_lab_check_id() {
	if [[ ! "$1" =~ ^[a-z0-9]{1,10}$ ]]; then
		echo "lab: id '$1' must be 1-10 chars of [a-z0-9]" >&2
		return 1
	fi
}

# Quiet a link: IPv6 off (no RS/DAD/MLD), up.
_lab_quiet_up() {
	local ns=$1 ifc=$2
	ip netns exec "$ns" sysctl -qw "net.ipv6.conf.$ifc.disable_ipv6=1" >/dev/null
	ip -n "$ns" link set "$ifc" up
}

# lab_up <id> [--relay]
lab_up() {
	local id=$1 relay=${2:-}
	_lab_check_id "$id" || return 1
	local sns cns sif cif
	sns=$(lab_srv_ns "$id"); cns=$(lab_cli_ns "$id")
	sif=$(lab_srv_if "$id"); cif=$(lab_cli_if "$id")
	if ip netns list | grep -qw -e "$sns" -e "$cns"; then
		echo "lab: namespaces for '$id' already exist" >&2
		return 1
	fi
	ip netns add "$sns" || return 1
	ip netns add "$cns" || { ip netns del "$sns"; return 1; }
	local ns
	for ns in "$sns" "$cns"; do
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 >/dev/null
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1 >/dev/null
		ip -n "$ns" link set lo up
	done
	# Create the pair directly with each end in its namespace: nothing is
	# ever created in the caller's namespace.
	ip link add "$sif" netns "$sns" type veth peer name "$cif" netns "$cns" || {
		lab_down "$id"; return 1; }
	# Checksum offload off on both ends. A kernel-originated UDP packet on a
	# veth otherwise leaves with CHECKSUM_PARTIAL (only the pseudo-header
	# sum in the UDP checksum field); net_af_packet hands that frame to
	# leasewired as is, which rightly drops it as drop_udp_csum. A real NIC
	# never delivers such a frame, so the lab makes the peers compute full
	# checksums, as a host behind a real wire would.
	ip netns exec "$sns" ethtool -K "$sif" tx off rx off >/dev/null 2>&1 || true
	ip netns exec "$cns" ethtool -K "$cif" tx off rx off >/dev/null 2>&1 || true
	_lab_quiet_up "$sns" "$sif"
	_lab_quiet_up "$cns" "$cif"
	# The client veth (like a real client NIC) answers ARP only for itself.
	if [ "$relay" = "--relay" ]; then
		ip -n "$cns" addr add 10.77.0.2/16 dev "$cif"
	fi
	# Wait (bounded) for carrier on both ends.
	local i
	for i in $(seq 1 50); do
		if ip -n "$sns" link show "$sif" | grep -q 'LOWER_UP' &&
		   ip -n "$cns" link show "$cif" | grep -q 'LOWER_UP'; then
			return 0
		fi
		sleep 0.1
	done
	echo "lab: veth $sif/$cif did not come up" >&2
	return 1
}

# lab_down <id>: remove both namespaces (the veth goes with them). Idempotent.
lab_down() {
	local id=$1
	_lab_check_id "$id" || return 1
	local ns
	for ns in "$(lab_srv_ns "$id")" "$(lab_cli_ns "$id")"; do
		if ip netns list | grep -qw "$ns"; then
			ip netns del "$ns" 2>/dev/null || true
		fi
	done
	return 0
}

lab_status() {
	local id=$1
	echo "== $(lab_srv_ns "$id")"; ip -n "$(lab_srv_ns "$id")" -br addr 2>&1
	echo "== $(lab_cli_ns "$id")"; ip -n "$(lab_cli_ns "$id")" -br addr 2>&1
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	set -u
	cmd=${1:-}; id=${2:-}
	case "$cmd" in
	up) lab_up "$id" "${3:-}" ;;
	down) lab_down "$id" ;;
	status) lab_status "$id" ;;
	*) echo "usage: $0 up|down|status <id> [--relay]" >&2; exit 2 ;;
	esac
fi
