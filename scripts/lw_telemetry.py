#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Client for leasewired's DPDK telemetry v2 socket.

CLI:
    lw_telemetry.py <file-prefix> <command> [<command> ...]
        prints each JSON reply on one line, e.g.
        lw_telemetry.py lwtest123 /leasewire/stats
        lw_telemetry.py lwtest123 /leasewire/lease,10.77.0.10
    lw_telemetry.py --wait SECS <file-prefix> <command>
        retries the connection for up to SECS seconds first (default 10).

Library:
    import lw_telemetry
    t = lw_telemetry.Telemetry(prefix)      # one connection, many queries
    t.query("/leasewire/stats")             # -> the dict under that key
    t.close()
    lw_telemetry.query(prefix, cmd)         # module-level, reuses a cached
                                            # connection per prefix

The protocol (DPDK lib/telemetry): SOCK_SEQPACKET socket at
/var/run/dpdk/<prefix>/dpdk_telemetry.v2; on connect the server sends one
JSON info message ({"version":..,"pid":..,"max_output_len":..}); each
command string sent gets exactly one JSON reply {"<cmd>": value}.
"""
import json
import os
import socket
import sys
import time

RUNTIME_DIR = os.environ.get("LW_DPDK_RUNTIME_DIR", "/var/run/dpdk")


def socket_path(prefix):
    return os.path.join(RUNTIME_DIR, prefix, "dpdk_telemetry.v2")


class TelemetryError(Exception):
    pass


class Telemetry:
    def __init__(self, prefix, timeout=5.0, wait=0.0):
        self.prefix = prefix
        self.path = socket_path(prefix)
        deadline = time.monotonic() + wait
        while True:
            try:
                self._connect(timeout)
                break
            except OSError as e:
                if time.monotonic() >= deadline:
                    raise TelemetryError(f"cannot connect to {self.path}: {e}")
                time.sleep(0.2)

    def _connect(self, timeout):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        s.settimeout(timeout)
        try:
            s.connect(self.path)
            info = json.loads(s.recv(16384).decode())
        except Exception:
            s.close()
            raise
        self.sock = s
        self.info = info
        self.max_len = int(info.get("max_output_len", 16384))

    def raw(self, cmd):
        """Send one command, return the whole decoded reply object."""
        self.sock.send(cmd.encode())
        data = self.sock.recv(max(self.max_len, 16384) * 2)
        if not data:
            raise TelemetryError(f"telemetry socket closed on '{cmd}'")
        try:
            return json.loads(data.decode())
        except ValueError as e:
            raise TelemetryError(f"bad JSON reply to '{cmd}': {data[:200]!r}: {e}")

    def query(self, cmd):
        """Send one command, return the value under its key (the command
        without parameters, as DPDK replies {"/cmd": value})."""
        reply = self.raw(cmd)
        key = cmd.split(",", 1)[0]
        if isinstance(reply, dict) and key in reply:
            return reply[key]
        if isinstance(reply, dict) and len(reply) == 1:
            return next(iter(reply.values()))
        return reply

    def close(self):
        try:
            self.sock.close()
        except Exception:
            pass


_conns = {}


def query(prefix, cmd):
    """Module-level query; reuses one connection per prefix."""
    t = _conns.get(prefix)
    if t is None:
        t = _conns[prefix] = Telemetry(prefix)
    try:
        return t.query(cmd)
    except (OSError, TelemetryError):
        # The daemon may have restarted: reconnect once.
        t.close()
        t = _conns[prefix] = Telemetry(prefix)
        return t.query(cmd)


def main(argv):
    # A daemon on an overloaded machine (sanitizer build, 2 CPUs shared with
    # the test's clients) can take seconds to greet a new client: retry
    # rather than report a missing value.
    wait = 10.0
    if len(argv) >= 2 and argv[0] == "--wait":
        wait = float(argv[1])
        argv = argv[2:]
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    prefix, cmds = argv[0], argv[1:]
    try:
        t = Telemetry(prefix, wait=wait)
        for cmd in cmds:
            print(json.dumps(t.raw(cmd)))
        t.close()
    except TelemetryError as e:
        print(f"lw_telemetry: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
