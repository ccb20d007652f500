#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Install everything leasewire needs to build and to run its tests, from
# Debian 12's own archive. Idempotent: when every package is already
# installed it does not touch apt at all, so reruns are fast and work
# offline.
set -euo pipefail

PKGS=(
	# build
	build-essential meson ninja-build pkg-config clang clang-format
	libclang-rt-14-dev
	libdpdk-dev dpdk liburcu-dev libssl-dev libldns-dev libjansson-dev
	check
	# the operator shell's command line (control/shell/shell.c)
	libcli-dev
	# integration tests: real peers and wire decoding
	isc-dhcp-client isc-dhcp-server kea-admin kea-dhcp4-server tshark tcpdump iproute2 iputils-ping ethtool
	python3 python3-scapy procps
	# DNS updates: a real BIND to update, its tools, and Kea's DDNS daemon as the benchmark anchor
	bind9 bind9-utils bind9-dnsutils kea-dhcp-ddns-server
	# the operator shell's test drives the real clients
	telnet netcat-openbsd expect
)

missing=()
for p in "${PKGS[@]}"; do
	st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$st" = "installed" ] || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
	echo "install-deps: all ${#PKGS[@]} packages present"
	exit 0
fi

echo "install-deps: installing ${missing[*]}"
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer "no" up front.
echo "wireshark-common wireshark-common/install-setuid boolean false" |
	$SUDO debconf-set-selections
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
echo "install-deps: done"
