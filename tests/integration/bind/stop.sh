#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Stop the named that start.sh started in DIR: only that PID (checked by its
# command line), SIGTERM (zones flushed), SIGKILL after 10 s.
#   stop.sh DIR
set -eu
dir=$1; pidf=$dir/run/named.pid
[ -f "$pidf" ] || exit 0
pid=$(cat "$pidf")
if grep -qa "$dir/named.conf" "/proc/$pid/cmdline" 2>/dev/null; then
  kill -TERM "$pid"
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
fi
rm -f "$pidf"
