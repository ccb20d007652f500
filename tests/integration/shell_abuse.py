#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Hostile shell clients: the ways a peer can go away, or misbehave, while
the shell is writing to it. None of them may take the daemon down.

  shell_abuse.py [--host H] [--port P] MODE [--rounds N]

MODE:
  bad-passwords   one session, max-login-failures wrong passwords in a row:
                  the server closes the session while libcli still writes
  reset-output    log in, ask for a long output (show running-config,
                  show leases), reset the connection (RST, SO_LINGER 0) at
                  once, N rounds with varied delays to hit the write
  half-close      log in, ask for output, shut our write side and never read
  garbage         random binary bytes, NULs and telnet IAC runs after login

Exit status 0 when every round could connect (the daemon was there to be
abused); what the daemon did is for the caller to check.
"""
import argparse
import os
import random
import socket
import struct
import sys
import time


def connect(a):
    s = socket.create_connection((a.host, a.port), timeout=5)
    s.settimeout(0.5)
    return s


def drain(s, until=None, secs=3.0):
    """Read until `until` appears or secs pass; returns what came."""
    data = b""
    deadline = time.monotonic() + secs
    while time.monotonic() < deadline:
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            continue
        except OSError:
            break
        if not chunk:
            break
        data += chunk
        if until and until in data:
            break
    return data


def login(s, a):
    got = drain(s, b"Username:")
    if b"Username:" not in got:
        print(f"no login prompt: {got[-80:]!r}")
        return False
    s.sendall(a.user.encode() + b"\r\n")
    drain(s, b"Password:")
    s.sendall(a.password.encode() + b"\r\n")
    # A login after failed ones waits lockout-secs: allow for it.
    return b"leasewire>" in drain(s, b"leasewire>", 8)


def connect_logged_in(a):
    """A reset session may still count against max-sessions for a moment."""
    for _ in range(20):
        s = connect(a)
        if login(s, a):
            return s
        s.close()
        time.sleep(0.25)
    return None


def reset(s):
    # SO_LINGER with a zero timeout: close() sends RST instead of FIN.
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()


def bad_passwords(a, rnd):
    s = connect(a)
    for i in range(a.failures):
        drain(s, b"Username:", 2)
        s.sendall(a.user.encode() + b"\r\n")
        drain(s, b"Password:", 2)
        s.sendall(b"wrong-%d\r\n" % i)
    # Leave without reading what the server still writes.
    if rnd % 2:
        reset(s)
    else:
        s.close()


def reset_output(a, rnd):
    s = connect_logged_in(a)
    if s is None:
        return False
    s.sendall(b"show running-config\r\nshow leases\r\nshow leases state bound page 2\r\n")
    time.sleep(random.choice([0, 0, 0.0005, 0.002, 0.01]))
    reset(s)
    return True


def half_close(a, rnd):
    s = connect_logged_in(a)
    if s is None:
        return False
    s.sendall(b"show leases\r\n")
    s.shutdown(socket.SHUT_WR)
    time.sleep(0.2)
    reset(s)
    return True


def garbage(a, rnd):
    s = connect_logged_in(a)
    if s is None:
        return False
    blobs = [os.urandom(4096), b"\x00" * 2048, bytes([255, 250]) * 1000,
             bytes([255]) * 3000, os.urandom(70000), b"\x1b[" * 500 + b"\r\n"]
    try:
        for b in blobs:
            s.sendall(b)
            drain(s, None, 0.2)
    except OSError:
        pass
    reset(s)
    return True


MODES = {"bad-passwords": bad_passwords, "reset-output": reset_output,
         "half-close": half_close, "garbage": garbage}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=2323)
    ap.add_argument("--user", default="admin")
    ap.add_argument("--password", default="op-secret")
    ap.add_argument("--failures", type=int, default=3)
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("mode", choices=sorted(MODES))
    a = ap.parse_args()
    random.seed(a.rounds)
    connected = 0
    for rnd in range(a.rounds):
        try:
            if MODES[a.mode](a, rnd) is not False:
                connected += 1
        except OSError as e:
            print(f"round {rnd}: {e}")
    print(f"{a.mode}: {connected} of {a.rounds} rounds connected")
    return 0 if connected == a.rounds else 1


if __name__ == "__main__":
    sys.exit(main())
