#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Start a throw-away BIND 9.18 on 127.0.0.1 for the DNS update tests
# (adapted from the shared bind-harness; see named.conf.in).
#   start.sh [--fresh] DIR
# DIR: working directory (keys/, data/, run/, log/); made when missing.
# --fresh: pristine zone copies, journals deleted; without it a restart
# keeps the zones and journals (flushed by stop.sh's SIGTERM).
# DNS_PORT and RNDC_PORT (required) are the ports. Prints DIR; named's PID
# is in DIR/run/named.pid. Waits (bounded) until both zones answer SOA.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
fresh=0; [ "${1:-}" = --fresh ] && { fresh=1; shift; }
dir=${1:?usage: start.sh [--fresh] DIR}
port=${DNS_PORT:?DNS_PORT}; rport=${RNDC_PORT:?RNDC_PORT}
mkdir -p "$dir"/{keys,data,run,log}
[ -f "$dir/keys/ddns-key.conf" ] || tsig-keygen -a hmac-sha256 ddns-key >"$dir/keys/ddns-key.conf"
[ -f "$dir/keys/rndc-key.conf" ] || tsig-keygen -a hmac-sha256 rndc-key >"$dir/keys/rndc-key.conf"
sed -e "s#@DIR@#$dir#g" -e "s#@PORT@#$port#g" -e "s#@RNDCPORT@#$rport#g" \
    "$here/named.conf.in" >"$dir/named.conf"
cat >"$dir/run/rndc.conf" <<RNDC
include "$dir/keys/rndc-key.conf";
options { default-key "rndc-key"; default-server 127.0.0.1; default-port $rport; };
RNDC
for z in "$here"/zones/*.zone; do
  f=$dir/data/$(basename "$z")
  if [ $fresh = 1 ] || [ ! -f "$f" ]; then cp "$z" "$f"; chmod u+w "$f"; rm -f "$f.jnl"; fi
done
named-checkconf "$dir/named.conf"
named -f -4 -c "$dir/named.conf" >>"$dir/log/named.stdout" 2>&1 &
echo $! >"$dir/run/named.pid"
for _ in $(seq 100); do
  if dig @127.0.0.1 -p "$port" +short +norec +time=1 +tries=1 example.test SOA 2>/dev/null | grep -q . &&
     dig @127.0.0.1 -p "$port" +short +norec +time=1 +tries=1 2.0.192.in-addr.arpa SOA 2>/dev/null | grep -q .; then
    echo "$dir"; exit 0
  fi
  kill -0 "$(cat "$dir/run/named.pid")" 2>/dev/null || break
  sleep 0.1
done
echo "start.sh: named did not answer on 127.0.0.1:$port; see $dir/log/" >&2
kill "$(cat "$dir/run/named.pid")" 2>/dev/null || true
exit 1
