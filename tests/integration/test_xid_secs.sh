#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Wrapper: leasewired --lab in the server namespace, test_xid_secs.py (scapy,
# raw socket on the client veth) in the client namespace. The capture of the
# exchange is also checked with tshark. See test_xid_secs.py for what is
# asserted.
set -u
. "$(dirname "$0")/lib.sh"
lw_init xid

lab_up "$LW_ID" || lw_fatal "lab up"
lw_daemon_start --lab --lease-dir "$LW_TMP/leases" || lw_fatal "leasewired --lab did not start"
lw_capture_start "$LW_TMP/xid.pcap" || lw_fatal "tcpdump"
rc=0
timeout -k 5 120 ip netns exec "$LW_CLI_NS" "$LW_PY" "$(dirname "$0")/test_xid_secs.py" \
	--iface "$LW_CLI_IF" --prefix "$LW_PREFIX" || rc=$?
lw_check_eq "test_xid_secs.py exit status" "0" "$rc"
lw_capture_stop
lw_check_decode "$LW_TMP/xid.pcap" "xid/secs exchange"
lw_daemon_stop; rc=$?
lw_check_eq "leasewired exit status after SIGTERM" "0" "$rc"
lw_finish
