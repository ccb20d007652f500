#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""free_ports.py N: print N loopback ports the kernel says are free for both
TCP and UDP (a DNS server needs both), for a BIND harness the caller starts."""
import socket
import sys

want = int(sys.argv[1]) if len(sys.argv) > 1 else 1
ports = []
while len(ports) < want:
    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    t.bind(("127.0.0.1", 0))
    p = t.getsockname()[1]
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        u.bind(("127.0.0.1", p))
        if p not in ports:
            ports.append(p)
    except OSError:
        pass
    u.close()
    t.close()
print(*ports)
