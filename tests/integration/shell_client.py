#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Expect-style driver for the leasewire shell (stdlib only, every wait bounded).

Talks the way telnet or nc would: raw TCP (or a Unix socket), telnet
negotiation bytes from the server skipped, lines ended with CR LF (or LF
only with --lf, as plain nc sends). Prints a transcript of what the server
sent, with the commands echoed by the server as a terminal would show them.

  shell_client.py [--host H] [--port P | --unix PATH] --user U --password P
                  [--enable PW] [--lf] [--timeout S] [--raw-line HEX] -- CMD...

Exit status: 0 when the login worked and every command came back to the
prompt; 1 otherwise (the transcript says where it stopped).
"""
import argparse
import re
import socket
import sys
import time

IAC = 255
PROMPT = re.compile(rb"leasewire(\([^)]*\))?[>#] $")


def strip_telnet(data):
    out, i = bytearray(), 0
    while i < len(data):
        c = data[i]
        if c == IAC and i + 1 < len(data):
            cmd = data[i + 1]
            if cmd in (251, 252, 253, 254):
                i += 3
                continue
            if cmd == IAC:
                out.append(IAC)
            i += 2
            continue
        out.append(c)
        i += 1
    return bytes(out)


class Session:
    def __init__(self, args):
        if args.unix:
            self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.s.connect(args.unix)
        else:
            self.s = socket.create_connection((args.host, args.port), timeout=args.timeout)
        self.s.settimeout(0.2)
        self.timeout = args.timeout
        self.eol = b"\n" if args.lf else b"\r\n"
        self.buf = b""
        self.transcript = []
        self.eof = False

    def read_until(self, pattern, timeout=None):
        """Read until pattern (regex on the stripped text's tail) or timeout/EOF."""
        deadline = time.monotonic() + (timeout or self.timeout)
        while time.monotonic() < deadline:
            text = strip_telnet(self.buf)
            if re.search(pattern, text):
                self.buf = b""
                self.transcript.append(text)
                return text, True
            try:
                chunk = self.s.recv(65536)
            except socket.timeout:
                continue
            except OSError:
                chunk = b""
            if not chunk:
                self.eof = True
                text = strip_telnet(self.buf)
                self.transcript.append(text)
                self.buf = b""
                return text, False
            self.buf += chunk
        text = strip_telnet(self.buf)
        self.transcript.append(text)
        self.buf = b""
        return text, False

    def send(self, data):
        self.s.sendall(data)

    def line(self, text):
        self.send(text.encode() + self.eol)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=2323)
    ap.add_argument("--unix")
    ap.add_argument("--user", default="admin")
    ap.add_argument("--password", required=True)
    ap.add_argument("--enable")
    ap.add_argument("--lf", action="store_true")
    ap.add_argument("--timeout", type=float, default=20)
    ap.add_argument("--raw-line", action="append", default=[],
                    help="hex bytes sent as one line after login (then CR LF)")
    ap.add_argument("--expect-closed", type=float, default=0,
                    help="after the commands, wait this long for the server to close")
    ap.add_argument("cmds", nargs="*")
    a = ap.parse_args()

    ok = True
    try:
        s = Session(a)
    except OSError as e:
        print(f"connect failed: {e}")
        return 1
    out = sys.stdout
    text, got = s.read_until(rb"Username: $")
    if not got:
        out.write(text.decode(errors="replace"))
        print("\n[no login prompt]")
        return 1
    s.line(a.user)
    s.read_until(rb"Password: $")
    s.line(a.password)
    text, got = s.read_until(PROMPT)
    if not got:
        out.write(b"".join(s.transcript).decode(errors="replace"))
        print("\n[login failed]")
        return 1
    if a.enable is not None:
        s.line("enable")
        s.read_until(rb"Password: $")
        s.line(a.enable)
        _, got = s.read_until(PROMPT)
        ok &= got
    for hexline in a.raw_line:
        s.send(bytes.fromhex(hexline) + b"\r\n")
        _, got = s.read_until(PROMPT)
        ok &= got
    for cmd in a.cmds:
        s.line(cmd)
        _, got = s.read_until(PROMPT, timeout=max(a.timeout, 60))
        ok &= got
        if not got:
            break
    if a.expect_closed:
        s.read_until(rb"\Z(?!x)x", timeout=a.expect_closed)  # only EOF ends it early
        out.write(b"".join(s.transcript).decode(errors="replace").replace("\r\n", "\n"))
        print("\n[closed by server]" if s.eof else "\n[still open]")
        return 0 if ok else 1
    else:
        s.line("quit")
        s.read_until(rb"\Z(?!x)x", timeout=2)
    out.write(b"".join(s.transcript).decode(errors="replace").replace("\r\n", "\n"))
    out.write("\n")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
