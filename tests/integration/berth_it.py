# SPDX-License-Identifier: BSD-3-Clause
"""Helpers for the integration tests' Python clients, which run in the
test net's host namespace (see lib.sh): read berth-echo's counters and
its TCP connection listing, and do UDP echo round trips with retries."""

import json
import os
import re
import signal
import socket
import sys
import time

JSON_TAG = "counters-json: "
CONNS_TAG = "berth-echo: connections"
CONNS_END = "berth-echo: end of connections"
# RFC 9293 §3.3.2 state names, as the stack's listing spells them.
TCP_STATES = ("LISTEN", "SYN-SENT", "SYN-RECEIVED", "ESTABLISHED", "FIN-WAIT-1",
              "FIN-WAIT-2", "CLOSE-WAIT", "CLOSING", "LAST-ACK", "TIME-WAIT",
              "CLOSED")
SENT = [0]  # datagrams sent by echo(), retries included


def fail(msg):
    print("FAIL: " + msg, flush=True)
    sys.exit(1)


def _json_lines(log):
    """The counters-json lines of the log, complete ones only: berth-echo
    may be half-way through writing the last one."""
    with open(log, encoding="utf-8", errors="replace") as f:
        return [l[len(JSON_TAG):] for l in f
                if l.startswith(JSON_TAG) and l.endswith("\n")]


def counters(pid, log, timeout=5.0):
    """SIGUSR1 berth-echo and return the counters it dumps, as a dict."""
    n0 = len(_json_lines(log))
    os.kill(pid, signal.SIGUSR1)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        lines = _json_lines(log)
        if len(lines) > n0:
            return json.loads(lines[-1])
        time.sleep(0.02)
    fail("berth-echo did not dump its counters on SIGUSR1")
    return None


def dump(pid, log, timeout=5.0):
    """SIGUSR1 berth-echo and return (counters, listing): the counters as a
    dict and the lines of its TCP connection listing."""
    with open(log, encoding="utf-8", errors="replace") as f:
        start = sum(1 for _ in f)
    c = counters(pid, log, timeout)
    with open(log, encoding="utf-8", errors="replace") as f:
        lines = [l.rstrip("\n") for l in f][start:]
    # The dump that answered: its JSON line is the last complete one.
    last = max(i for i, l in enumerate(lines) if l.startswith(JSON_TAG))
    begin = max((i for i, l in enumerate(lines[:last]) if l == CONNS_TAG), default=None)
    if begin is None:
        fail("berth-echo's dump has no connection listing")
    listing = []
    for l in lines[begin + 1:last]:
        if l == CONNS_END:
            break
        listing.append(l)
    return c, listing


def app_counters(log):
    """berth-echo's own counters (echo_fail, tcp_echo_* ...) from its last
    complete dump: the "name value" lines after "berth-echo: counters"."""
    with open(log, encoding="utf-8", errors="replace") as f:
        lines = [l.rstrip("\n") for l in f]
    ends = [i for i, l in enumerate(lines) if l.startswith(JSON_TAG)]
    if not ends:
        fail("no counter dump in berth-echo's output")
    begin = max(i for i, l in enumerate(lines[:ends[-1]]) if l == "berth-echo: counters")
    out = {}
    for l in lines[begin + 1:ends[-1]]:
        m = re.match(r"^([a-z_0-9]+)\s+(\d+)$", l)
        if m:
            out[m.group(1)] = int(m.group(2))
    return out


def conns_summary(listing):
    """Count the connections of a listing by state. Each connection line
    starts with its state and holds its addresses; TIME-WAIT entries are
    compact and are counted on the listing's summary line
    ("tcp: N connections, M listeners, K TIME-WAIT")."""
    states = {}
    tw = None
    for l in listing:
        words = l.split()
        if not words:
            continue
        if words[0] in TCP_STATES and any(":" in w for w in words[1:]):
            states[words[0]] = states.get(words[0], 0) + 1
            continue
        m = (re.search(r"(\d+)\s+TIME-WAIT", l, re.I) or
             re.search(r"TIME-WAIT\D{0,20}?(\d+)", l, re.I))
        if m:
            tw = int(m.group(1))
    if tw is None:
        tw = states.get("TIME-WAIT", 0)
    return states, tw


def echo(sock, payload, retries=3, timeout=1.0):
    """Send payload on a connected UDP socket and return the echo, or None
    after retries. Stale echoes of earlier tries are skipped."""
    sock.settimeout(timeout)
    for _ in range(retries):
        sock.send(payload)
        SENT[0] += 1
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            sock.settimeout(left)
            try:
                data = sock.recv(65535)
            except socket.timeout:
                break
            if data == payload:
                return data
            if len(data) != len(payload):
                continue  # a late echo of something else
            return data  # same size, different bytes: the caller reports it
    return None


def main():
    """Command line for lib.sh: berth_it.py counters PID LOG."""
    if len(sys.argv) == 4 and sys.argv[1] == "counters":
        print(json.dumps(counters(int(sys.argv[2]), sys.argv[3])))
    else:
        fail("usage: berth_it.py counters PID LOG")


def env(name):
    v = os.environ.get(name)
    if not v:
        fail("environment variable %s not set (run from lib.sh)" % name)
    return v


if __name__ == "__main__":
    main()
