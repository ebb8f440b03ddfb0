#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""UDP echo client, run in the test net's host namespace: every payload
must come back byte for byte from the stack's port (RFC 862). Payloads
over 1472 bytes exceed the 1500-byte MTU: Linux fragments the request and
the stack fragments its echo for Linux to reassemble (RFC 791 §2.3).
With --rx-frags the driver hands the stack the fragments as they are and
the stack's own reassembly is checked too (RFC 815)."""

import argparse
import random
import socket

import berth_it

MTU = 1500
FRAG_DATA = (MTU - 20) // 8 * 8  # payload bytes per fragment


def fragments(size):
    """Fragments of a UDP datagram with size payload bytes, 0 if none."""
    l4 = size + 8
    return 0 if l4 <= MTU - 20 else -(-l4 // FRAG_DATA)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pid", type=int, required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--port", type=int, default=7)
    ap.add_argument("--sizes", required=True, help="payload sizes, comma separated")
    ap.add_argument("--rx-frags", action="store_true",
                    help="the stack receives fragments (not reassembled by the driver)")
    a = ap.parse_args()
    ip = berth_it.env("TESTNET_STACK_IP")
    sizes = [int(x) for x in a.sizes.split(",")]

    before = berth_it.counters(a.pid, a.log)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect((ip, a.port))  # replies must come from ip:port
    for size in sizes:
        # Irregular bytes, so a misplaced fragment cannot go unnoticed.
        payload = random.Random(size).randbytes(size)
        got = berth_it.echo(s, payload)
        if got is None:
            berth_it.fail("no echo of %d bytes after 3 tries" % size)
        if got != payload:
            diff = next(i for i in range(size) if got[i] != payload[i])
            berth_it.fail("echo of %d bytes differs from byte %d" % (size, diff))
        print("  %5d bytes: echo identical (%d fragments each way)"
              % (size, fragments(size)), flush=True)
    s.close()
    sent = berth_it.SENT[0]

    # berth-echo does not answer privileged source ports (echo loops).
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", 19))
    s.connect((ip, a.port))
    if berth_it.echo(s, b"from chargen's port", retries=1, timeout=0.5) is not None:
        berth_it.fail("a datagram from source port 19 was echoed")
    print("  from port 19: not echoed", flush=True)
    s.close()

    after = berth_it.counters(a.pid, a.log)
    d = {k: after[k] - before[k] for k in after}
    frags = sum(fragments(n) for n in sizes)
    need = {"udp_rx": len(sizes) + 1, "udp_tx": len(sizes), "ip_frag_tx": frags}
    if a.rx_frags:
        need["ip_frag_rx"] = frags
        need["ip_reasm_ok"] = sum(1 for n in sizes if fragments(n))
    for k, n in need.items():
        print("  %s +%d (need +%d)" % (k, d[k], n), flush=True)
        if d[k] < n:
            berth_it.fail("counter %s grew by %d, expected at least %d" % (k, d[k], n))
    # At most one echo per datagram sent to the echo port from port >= 1024.
    if d["udp_tx"] > sent:
        berth_it.fail("udp_tx grew by %d for %d datagrams from ports >= 1024"
                      % (d["udp_tx"], sent))


if __name__ == "__main__":
    main()
