#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Many TCP connections to berth-echo at once, run in the test net's host
namespace. All of them are opened first and must be ESTABLISHED together
(the stack's listing, SIGUSR1, shows them); then each sends a few KiB of
its own and must get exactly those bytes back; then Linux closes them all
(Linux sends the first FIN, so TIME-WAIT stays on Linux's side).

With --independent each connection goes its own way at once (connect,
send, read the echo, close), for a berth-echo with fewer descriptors than
connections: those it cannot accept yet wait in its accept queue and are
served as earlier ones close."""

import argparse
import errno
import random
import selectors
import socket
import time

import berth_it


class Conn:
    def __init__(self, i, size):
        self.i = i
        self.payload = random.Random(i).randbytes(size)
        self.sent = 0
        self.back = bytearray()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setblocking(False)


def run(sel, conns, deadline, what, step):
    """Call step(conn, mask) on ready sockets until every conn is done."""
    pending = set(conns)
    while pending:
        left = deadline - time.monotonic()
        if left <= 0:
            berth_it.fail("%s: %d of %d connections not done in time"
                          % (what, len(pending), len(conns)))
        for key, mask in sel.select(min(left, 1.0)):
            c = key.data
            if c in pending and step(c, mask):
                pending.discard(c)


def exchange(sel, c, mask):
    """Send c's payload and read its echo; True once all of it is back."""
    if mask & selectors.EVENT_WRITE and c.sent < len(c.payload):
        c.sent += c.sock.send(c.payload[c.sent:])
        if c.sent == len(c.payload):
            sel.modify(c.sock, selectors.EVENT_READ, c)
    if mask & selectors.EVENT_READ:
        b = c.sock.recv(65536)
        if not b:
            berth_it.fail("connection %d closed by berth after %d of %d bytes"
                          % (c.i, len(c.back), len(c.payload)))
        c.back += b
        if len(c.back) > len(c.payload) or c.payload[:len(c.back)] != c.back:
            berth_it.fail("connection %d: echo differs from what it sent" % c.i)
    return len(c.back) == len(c.payload)


def independent(a, sel, conns, deadline, before):
    """Every connection at its own pace: connect, send, echo, close."""
    t0 = time.monotonic()
    for c in conns:
        sel.modify(c.sock, selectors.EVENT_READ | selectors.EVENT_WRITE, c)

    def step(c, mask):
        try:
            done = exchange(sel, c, mask)
        except OSError as e:
            berth_it.fail("connection %d: %s" % (c.i, e))
        if done:
            sel.unregister(c.sock)
            c.sock.close()
            return True
        return False

    run(sel, conns, deadline, "echo", step)
    print("  %d connections, each on its own: %d bytes echoed, every byte checked, "
          "in %.2f s" % (len(conns), a.bytes, time.monotonic() - t0), flush=True)
    after = berth_it.counters(a.pid, a.log)
    d = after["tcp_established"] - before["tcp_established"]
    print("  tcp_established +%d (need +%d)" % (d, a.conns), flush=True)
    if d < a.conns:
        berth_it.fail("tcp_established grew by %d, expected %d" % (d, a.conns))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pid", type=int, required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--port", type=int, default=7)
    ap.add_argument("--conns", type=int, default=200)
    ap.add_argument("--bytes", type=int, default=4096)
    ap.add_argument("--timeout", type=float, default=60.0)
    ap.add_argument("--independent", action="store_true")
    a = ap.parse_args()
    ip = berth_it.env("TESTNET_STACK_IP")
    deadline = time.monotonic() + a.timeout

    before = berth_it.counters(a.pid, a.log)
    sel = selectors.DefaultSelector()
    conns = [Conn(i, a.bytes) for i in range(a.conns)]

    # 1. Open them all.
    t0 = time.monotonic()
    for c in conns:
        e = c.sock.connect_ex((ip, a.port))
        if e not in (0, errno.EINPROGRESS):
            berth_it.fail("connect %d: %s" % (c.i, errno.errorcode.get(e, e)))
        sel.register(c.sock, selectors.EVENT_WRITE, c)

    def connected(c, _mask):
        e = c.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        if e != 0:
            berth_it.fail("connection %d: %s" % (c.i, errno.errorcode.get(e, e)))
        sel.modify(c.sock, selectors.EVENT_READ, c)  # idle until step 2
        return True

    if a.independent:
        independent(a, sel, conns, deadline, before)
        return
    run(sel, conns, deadline, "connect", connected)
    print("  %d connections established in %.2f s"
          % (len(conns), time.monotonic() - t0), flush=True)

    # All open at once: the stack lists every one of them. Linux counts a
    # connection open when it sends the handshake's last ACK; the stack
    # when that ACK has arrived (SYN-RECEIVED until then): give it a moment.
    wait_until = time.monotonic() + 5.0
    while True:
        _, listing = berth_it.dump(a.pid, a.log)
        states, _ = berth_it.conns_summary(listing)
        est = states.get("ESTABLISHED", 0)
        if est >= a.conns or time.monotonic() > wait_until:
            break
        time.sleep(0.1)
    print("  berth's listing while they are open: %s"
          % ", ".join("%d %s" % (v, k) for k, v in states.items()), flush=True)
    if est != a.conns:
        berth_it.fail("berth lists %d ESTABLISHED connections, %d are open"
                      % (est, a.conns))

    # 2. Each sends its bytes and reads the same bytes back.
    t0 = time.monotonic()
    for c in conns:
        sel.modify(c.sock, selectors.EVENT_READ | selectors.EVENT_WRITE, c)
    run(sel, conns, deadline, "echo", lambda c, mask: exchange(sel, c, mask))
    print("  %d x %d bytes echoed, every byte checked, in %.2f s"
          % (len(conns), a.bytes, time.monotonic() - t0), flush=True)

    # 3. Linux closes first; berth answers each FIN with its own.
    for c in conns:
        sel.unregister(c.sock)
        c.sock.close()

    after = berth_it.counters(a.pid, a.log)
    d = {k: after[k] - before[k] for k in after}
    for k in ("tcp_passive_opens", "tcp_established"):
        print("  %s +%d (need +%d)" % (k, d[k], a.conns), flush=True)
        if d[k] < a.conns:
            berth_it.fail("counter %s grew by %d, expected %d" % (k, d[k], a.conns))


if __name__ == "__main__":
    main()
