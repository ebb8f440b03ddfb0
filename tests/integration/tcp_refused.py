#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""A Linux connect to a closed TCP port of the stack fails with
ECONNREFUSED: berth answers the SYN with <SEQ=0><ACK=SEG.SEQ+1><CTL=RST,ACK>
(RFC 9293 §3.10.7.1), which Linux accepts in SYN-SENT (§3.10.7.3)."""

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
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(5.0)
    try:
        s.connect((ip, a.port))
        berth_it.fail("connected to closed port %d" % a.port)
    except ConnectionRefusedError:
        print("  connect to %s:%d -> ECONNREFUSED" % (ip, a.port), flush=True)
    except socket.timeout:
        berth_it.fail("no answer to a SYN to closed port %d" % a.port)
    s.close()

    after = berth_it.counters(a.pid, a.log)
    for k in ("drop_tcp_no_conn", "tcp_rst_tx"):
        d = after[k] - before[k]
        print("  %s +%d" % (k, d), flush=True)
        if d != 1:
            berth_it.fail("counter %s grew by %d, expected 1" % (k, d))


if __name__ == "__main__":
    main()
