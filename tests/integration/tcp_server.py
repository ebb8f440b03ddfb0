#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""A Linux TCP echo server for berth's active opens (berth-connect), run in
the test net's host namespace. It listens on every --port, echoes what it
reads, and closes when the client has closed (the client sent the first
FIN), or with --close-after N as soon as it has echoed N bytes (its FIN
goes first, so TIME-WAIT stays on this side). Each accepted connection is
logged as "peer ADDR PORT LOCALPORT", so the test sees the ports berth
chose from Linux's point of view. Writes "ready" to --ready when it
listens; stops on SIGTERM."""

import argparse
import selectors
import signal
import socket
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--addr", required=True)
    ap.add_argument("--port", type=int, action="append", required=True)
    ap.add_argument("--close-after", type=int, default=-1, metavar="N")
    ap.add_argument("--ready", required=True)
    ap.add_argument("--log", required=True)
    a = ap.parse_args()

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    sel = selectors.DefaultSelector()
    for p in a.port:
        ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind((a.addr, p))
        ls.listen(1024)
        ls.setblocking(False)
        sel.register(ls, selectors.EVENT_READ, None)
    # Appending: the test may empty the file between runs.
    log = open(a.log, "a", encoding="utf-8", buffering=1)
    with open(a.ready, "w", encoding="utf-8") as f:
        f.write("ready\n")
    echoed = {}

    def close(s):
        sel.unregister(s)
        echoed.pop(s, None)
        s.close()

    while True:
        for key, _ in sel.select():
            s = key.fileobj
            if key.data is None:
                c, peer = s.accept()
                c.setblocking(True)
                log.write("peer %s %d %d\n" % (peer[0], peer[1], c.getsockname()[1]))
                echoed[c] = 0
                if a.close_after == 0:
                    c.close()
                    continue
                sel.register(c, selectors.EVENT_READ, "conn")
                continue
            try:
                b = s.recv(65536)
            except OSError:
                close(s)
                continue
            if not b:
                close(s)  # the client's FIN came first
                continue
            # Small exchanges: a blocking send of an echo never waits long.
            s.sendall(b)
            echoed[s] += len(b)
            if 0 < a.close_after <= echoed[s]:
                close(s)  # our FIN first


if __name__ == "__main__":
    main()
