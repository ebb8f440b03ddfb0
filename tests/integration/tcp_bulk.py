#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""TCP echo in bulk, run in the test net's host namespace: one Linux
connection to berth-echo sends SIZE bytes of pseudo-random data while a
second thread reads the echo, both at once, so data flows both ways at
full speed and the stack's windows, retransmissions and back-pressure are
all in play. Linux half-closes after the last byte (RFC 9293 §3.6); the
echo must end with berth's FIN after the last byte. What came back must
equal what was sent: its SHA-256 and every byte are compared.

With --stall the client first sends without reading until Linux can send
no more: berth-echo must stop reading once the stack refuses its echo
(-EAGAIN), so its queues stay within the socket buffers and the client is
held back by TCP's windows (RFC 9293 §3.8.6), not by berth's memory. Then
the client reads, and the rest flows as above."""

import argparse
import errno
import hashlib
import random
import socket
import threading
import time

import berth_it

CHUNK = 256 * 1024
STALL_S = 30.0  # no progress for this long fails the test
BUF_LIMIT = 256 * 1024  # berth's default socket buffers (tcp_sndbuf, tcp_rcvbuf)


def fill_until_stuck(s, mv, idle_s=1.0):
    """Send from mv without reading until nothing has gone for idle_s.
    Returns the bytes sent."""
    s.setblocking(False)
    off = 0
    last = time.monotonic()
    while off < len(mv) and time.monotonic() - last < idle_s:
        try:
            off += s.send(mv[off:off + CHUNK])
            last = time.monotonic()
        except BlockingIOError:
            time.sleep(0.01)
        except OSError as e:
            if e.errno != errno.EAGAIN:
                raise
            time.sleep(0.01)
    s.setblocking(True)
    s.settimeout(STALL_S)
    return off


def check_stalled(pid, log, sent):
    """While the client does not read: berth holds at most its buffers."""
    _, listing = berth_it.dump(pid, log)
    conn = [l.split() for l in listing if l.split()[:1] == ["ESTABLISHED"]]
    if len(conn) != 1:
        berth_it.fail("expected one ESTABLISHED connection, listing: %s" % listing)
    recvq, sendq = int(conn[0][1]), int(conn[0][2])
    print("  client stopped reading: it could send %d bytes, then TCP held it back;"
          % sent, flush=True)
    print("  berth holds Recv-Q %d, Send-Q %d bytes (buffers %d each)"
          % (recvq, sendq, BUF_LIMIT), flush=True)
    if recvq > BUF_LIMIT or sendq > BUF_LIMIT:
        berth_it.fail("berth's queues exceed its socket buffers")
    blocked = berth_it.app_counters(log).get("tcp_echo_blocked", 0)
    print("  berth-echo paused reading %d times (send said -EAGAIN)" % blocked, flush=True)
    if blocked < 1:
        berth_it.fail("berth-echo never saw -EAGAIN though the client did not read")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pid", type=int, required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--port", type=int, default=7)
    ap.add_argument("--mb", type=int, default=100, help="MiB to send (and get back)")
    ap.add_argument("--stall", action="store_true",
                    help="first send without reading until TCP holds the client back")
    a = ap.parse_args()
    ip = berth_it.env("TESTNET_STACK_IP")
    size = a.mb << 20

    data = random.Random(862).randbytes(size)
    sent_sha = hashlib.sha256(data).hexdigest()
    before = berth_it.counters(a.pid, a.log)

    s = socket.create_connection((ip, a.port), timeout=10)
    s.settimeout(STALL_S)
    mv = memoryview(data)
    progress = {"sent": 0}
    errors = []
    if a.stall:
        progress["sent"] = fill_until_stuck(s, mv)
        if progress["sent"] == size:
            berth_it.fail("sent all %d bytes without reading: no back-pressure" % size)
        check_stalled(a.pid, a.log, progress["sent"])

    def sender():
        try:
            while progress["sent"] < size:
                progress["sent"] += s.send(mv[progress["sent"]:progress["sent"] + CHUNK])
            s.shutdown(socket.SHUT_WR)  # our FIN after the last byte
        except OSError as e:
            errors.append("send after %d bytes: %s" % (progress["sent"], e))

    t0 = time.monotonic()
    th = threading.Thread(target=sender, daemon=True)
    th.start()
    h = hashlib.sha256()
    got = 0
    first_bad = None
    while True:
        try:
            b = s.recv(1 << 20)
        except socket.timeout:
            berth_it.fail("no echo for %.0f s: %d of %d bytes back, %d sent"
                          % (STALL_S, got, size, progress["sent"]))
        except OSError as e:
            berth_it.fail("recv after %d bytes back: %s" % (got, e))
        if not b:
            break  # berth's FIN
        n = len(b)
        if got + n > size:
            berth_it.fail("%d bytes back, more than the %d sent" % (got + n, size))
        if first_bad is None and mv[got:got + n] != b:
            first_bad = got + next(i for i in range(n) if b[i] != data[got + i])
        h.update(b)
        got += n
    elapsed = time.monotonic() - t0
    th.join(STALL_S)
    s.close()
    if errors:
        berth_it.fail(errors[0])

    got_sha = h.hexdigest()
    print("  sent     %d bytes, sha256 %s" % (progress["sent"], sent_sha), flush=True)
    print("  received %d bytes, sha256 %s" % (got, got_sha), flush=True)
    mbps = size / elapsed / 1e6
    print("  %d MiB each way, both at once, in %.2f s: %.1f MB/s each way "
          "(%.0f Mbit/s each way)" % (a.mb, elapsed, mbps, mbps * 8), flush=True)
    if got != size:
        berth_it.fail("berth closed after %d of %d bytes" % (got, size))
    if first_bad is not None:
        berth_it.fail("echo differs from byte %d on" % first_bad)
    if got_sha != sent_sha:
        berth_it.fail("sha256 differs")

    after = berth_it.counters(a.pid, a.log)
    d = {k: after[k] - before[k] for k in after}
    for k in ("tcp_rx", "tcp_tx", "tcp_rexmit", "tcp_rto", "drop_tcp_seq",
              "drop_tcp_ooo_full", "drop_tcp_cksum"):
        if k in d:
            print("  %s +%d" % (k, d[k]), flush=True)
    # At least one segment per 1460 bytes each way, and the connection
    # counted once.
    need = {"tcp_rx": size // 1460, "tcp_tx": size // 1460, "tcp_passive_opens": 1,
            "tcp_established": 1}
    for k, n in need.items():
        if d[k] < n:
            berth_it.fail("counter %s grew by %d, expected at least %d" % (k, d[k], n))


if __name__ == "__main__":
    main()
