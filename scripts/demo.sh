#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# README command #1: see leasewire hand a lease to a real DHCP client.
#
#   installs the dependencies, builds leasewired (release, build-demo/),
#   makes a two-namespace lab joined by a veth pair, starts leasewired with
#   the embedded lab config (10.77.0.1/24, pool 10.77.0.10-10.77.0.250) on
#   DPDK's af_packet driver, runs ISC dhclient in the client namespace,
#   prints the lease dhclient got and the server's view of it, releases it,
#   prints the server's view again, stops everything.
#
# Exit status non-zero if dhclient got no lease. Everything happens in
# namespaces this script creates and removes; dhclient uses its own script,
# lease file and pid file (nothing of the host's is touched).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
ROOT=$PWD

echo "== 1. dependencies"
bash scripts/install-deps.sh || exit 1

echo "== 2. build (build-demo, release)"
if [ ! -f build-demo/build.ninja ]; then
	# LW_DEMO_MESON_ARGS: extra meson options (e.g. -Dwerror=false).
	# shellcheck disable=SC2086
	meson setup build-demo --buildtype=release -Dtests=false \
		${LW_DEMO_MESON_ARGS:-} >/dev/null || exit 1
fi
ninja -C build-demo || exit 1

export LW_BUILD=$ROOT/build-demo
# The test helpers give us the lab, the daemon start/stop and telemetry with
# bounded waits and an EXIT trap that cleans up.
. tests/integration/lib.sh
lw_init demo

echo "== 3. lab: namespaces $LW_SRV_NS and $LW_CLI_NS, veth $LW_SRV_IF <-> $LW_CLI_IF"
lab_up "$LW_ID" || lw_fatal "lab up"

echo "== 4. leasewired --lab in $LW_SRV_NS"
lw_daemon_start --lab --lease-dir "$LW_TMP/leases" || lw_fatal "leasewired did not become ready"
grep 'leasewired:' "$LW_TMP/daemon.log" | sed 's/^/   /'

echo "== 5. dhclient in $LW_CLI_NS (at most 30 s)"
# dhclient's script logs its environment to a file; it also puts the leased
# address on the client veth (inside the namespace) so that the RELEASE in
# step 7 can be unicast to the server as a real client does it.
lw_dhclient_setup configure
lw_dhclient_start
if ! line=$(lw_dhclient_wait BOUND 35); then
	sed 's/^/   /' "$LW_TMP"/dhclient.*.log
	lw_fatal "dhclient got no lease"
fi
IP=$(echo "$line" | awk '{print $3}')
echo "   dhclient's lease file ($LW_DHC_LEASES):"
sed 's/^/     /' "$LW_DHC_LEASES"
echo "   environment dhclient gave its script (excerpt):"
ls -1 "$LW_TMP"/dhc.env.*.BOUND | tail -n1 | xargs grep -E '^(new_|interface=|reason=)' | sed 's/^/     /'

show_server() {
	echo "   /leasewire/lease,$IP:"
	lw_tel "/leasewire/lease,$IP" | "$LW_PY" -c '
import json, sys
for k, v in next(iter(json.loads(sys.stdin.read()).values())).items():
    print(f"     {k:12} {v}")'
	lw_print_stats | sed 's/^  /   /'
}
echo "== 6. the server's view"
show_server

echo "== 7. dhclient -r (release)"
lw_dhclient_release || echo "   dhclient -r exited non-zero"
st=$(lw_wait_lease_state "$IP" released 10)
echo "   server state of $IP is now: $st"
show_server

echo "== 8. stop leasewired (SIGTERM)"
lw_daemon_stop; rc=$?
echo "   leasewired exited with status $rc"
lw_check "dhclient leased $IP from leasewired" true
echo "demo: $IP was leased by leasewired to dhclient and released (server state: $st)"
# lw_cleanup (EXIT trap) removes the lab and the temp files.
exit 0
