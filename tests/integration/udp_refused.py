#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""A connected Linux UDP socket sending to a closed port of the stack gets
ECONNREFUSED: the stack answers with ICMP port unreachable (RFC 1122
§4.1.3.1) quoting the datagram, and Linux matches the quote to the socket."""

import argparse
import socket

import berth_it


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pid", type=int, required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--port", type=int, default=9)
    a = ap.parse_args()
    ip = berth_it.env("TESTNET_STACK_IP")

    before = berth_it.counters(a.pid, a.log)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect((ip, a.port))
    s.settimeout(1.0)
    refused = False
    for attempt in range(1, 4):
        try:
            s.send(b"anyone there?")
            s.recv(100)
            berth_it.fail("got an answer from closed port %d" % a.port)
        except ConnectionRefusedError:
            refused = True
        except socket.timeout:
            print("  try %d: no error yet" % attempt, flush=True)
        if refused:
            break
    if not refused:
        berth_it.fail("no ECONNREFUSED after 3 datagrams to closed port %d" % a.port)
    print("  send to %s:%d -> ECONNREFUSED (try %d)" % (ip, a.port, attempt), flush=True)

    after = berth_it.counters(a.pid, a.log)
    for k in ("drop_udp_no_port", "icmp_unreach_tx"):
        d = after[k] - before[k]
        print("  %s +%d" % (k, d), flush=True)
        if d < 1:
            berth_it.fail("counter %s did not grow" % k)


if __name__ == "__main__":
    main()
