# SPDX-License-Identifier: BSD-3-Clause
"""Helpers for the integration tests' Python clients, which run in the
test net's host namespace (see lib.sh): read berth-echo's counters and
do UDP echo round trips with retries."""

import json
import os
import signal
import socket
import sys
import time

JSON_TAG = "counters-json: "
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
