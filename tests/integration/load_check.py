#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Checks of a berth-load run for the load_*.sh integration tests.

  load_check.py result LOG [--min-requests N] [--min-conns N] [--errors N]
                           [--error KIND=N | KIND=>N ...] [--sources N]
                           [--even] [--per-source N]
      the 'result-json:' line of berth-load's output LOG: at least N
      requests (and a non-zero rate), at least N connections opened (and a
      non-zero connections/s), exactly N errors in all, KIND exactly N (or
      more than N), N source addresses, with --even the connections spread
      over them round robin (counts differ by at most one), with
      --per-source exactly N connections from each
  load_check.py field LOG NAME
      print one field of the result (errors_by_kind.X, latency_us.p99 ...)
  load_check.py access LOG --result RLOG --addrs A,B,... [--ports]
      the server's view: LOG has one line per request, the client's
      address first (nginx's $remote_addr, python's http.server); every
      address in A,B,... sent a fair share (at least half of an even one)
      and nothing else came; the total is at least what berth-load counted
      as done and at most that plus the requests it had out at either end
  load_check.py tw SSLOG --addrs A,B,...
      `ss -Htan state time-wait` output: every address has TIME-WAIT
      sockets on the server (the server closed first)
Prints what it found; exits 1 with a reason when a check fails."""

import argparse
import collections
import json
import sys


def fail(msg):
    print("load_check: FAIL: " + msg)
    sys.exit(1)


def result(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            if line.startswith("result-json: "):
                return json.loads(line[len("result-json: "):])
    fail(f"no result-json line in {path}")
    return None


def get(res, name):
    v = res
    for part in name.split("."):
        if part not in v:
            fail(f"no field {name}")
        v = v[part]
    return v


def cmd_result(a):
    r = result(a.log)
    print(f"  {r['mode']}: {r['requests']} requests ({r['rps']}/s), "
          f"{r['conns_opened']} connections ({r['cps']}/s), {r['errors']} errors "
          f"{r['errors_by_kind']}, latency us {r['latency_us']}")
    if r["requests"] < a.min_requests or (a.min_requests > 0 and r["rps"] <= 0):
        fail(f"{r['requests']} requests ({r['rps']}/s), expected at least {a.min_requests}")
    if r["conns_opened"] < a.min_conns or (a.min_conns > 0 and r["cps"] <= 0):
        fail(f"{r['conns_opened']} connections ({r['cps']}/s), expected at least "
             f"{a.min_conns}")
    if a.errors is not None and r["errors"] != a.errors:
        fail(f"{r['errors']} errors, expected {a.errors}: {r['errors_by_kind']}")
    for spec in a.error:
        kind, _, n = spec.partition("=")
        if kind not in r["errors_by_kind"]:
            fail(f"no error kind {kind}")
        got = r["errors_by_kind"][kind]
        if n.startswith(">"):
            if got <= int(n[1:]):
                fail(f"{kind}: {got} errors, expected more than {n[1:]}")
        elif got != int(n):
            fail(f"{kind}: {got} errors, expected {n}")
    srcs = r["sources"]
    if a.sources is not None and len(srcs) != a.sources:
        fail(f"{len(srcs)} source addresses, expected {a.sources}")
    if a.even:
        counts = [s["connections"] for s in srcs]
        print(f"  connections per source: {dict((s['addr'], s['connections']) for s in srcs)}")
        if min(counts) == 0 or max(counts) - min(counts) > 1:
            fail(f"connections not spread round robin: {counts}")
    if a.per_source is not None:
        for s in srcs:
            if s["connections"] != a.per_source:
                fail(f"{s['addr']}: {s['connections']} connections, expected {a.per_source}")


def cmd_field(a):
    print(get(result(a.log), a.name))


def cmd_access(a):
    r = result(a.result)
    want = a.addrs.split(",")
    seen = collections.Counter()
    with open(a.log, encoding="utf-8", errors="replace") as f:
        for line in f:
            parts = line.split()
            if parts:
                seen[parts[0]] += 1
    total = sum(seen.values())
    print(f"  the server saw {total} requests: {dict(seen)}")
    extra = set(seen) - set(want)
    if extra:
        fail(f"requests from addresses berth-load was not given: {sorted(extra)}")
    for addr in want:
        if seen[addr] < total / len(want) / 2:
            fail(f"{addr} sent {seen[addr]} of {total} requests: not a fair share")
    # Counted by berth-load while measuring; the server also saw those that
    # were out at the start and the end (at most one per connection each).
    lo = r["requests"]
    hi = r["requests"] + 2 * r["connections"] + r["errors"]
    if not lo <= total <= hi:
        fail(f"the server saw {total} requests, berth-load counted {lo} done "
             f"(expected {lo}..{hi})")


def cmd_tw(a):
    want = a.addrs.split(",")
    seen = collections.Counter()
    with open(a.log, encoding="utf-8", errors="replace") as f:
        for line in f:
            parts = line.split()
            # State Recv-Q Send-Q Local Peer, or without the state column.
            peers = [p for p in parts if p.count(":") == 1 and p[0].isdigit()]
            if len(peers) >= 2:
                seen[peers[1].rsplit(":", 1)[0]] += 1
    print(f"  TIME-WAIT sockets on the server, by client address: {dict(seen)}")
    for addr in want:
        if seen[addr] == 0:
            fail(f"no TIME-WAIT socket for {addr} on the server")


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("result")
    p.add_argument("log")
    p.add_argument("--min-requests", type=int, default=0)
    p.add_argument("--min-conns", type=int, default=0)
    p.add_argument("--errors", type=int)
    p.add_argument("--error", action="append", default=[], metavar="KIND=N")
    p.add_argument("--sources", type=int)
    p.add_argument("--even", action="store_true")
    p.add_argument("--per-source", type=int)
    p = sub.add_parser("field")
    p.add_argument("log")
    p.add_argument("name")
    p = sub.add_parser("access")
    p.add_argument("log")
    p.add_argument("--result", required=True)
    p.add_argument("--addrs", required=True)
    p = sub.add_parser("tw")
    p.add_argument("log")
    p.add_argument("--addrs", required=True)
    a = ap.parse_args()
    {"result": cmd_result, "field": cmd_field, "access": cmd_access, "tw": cmd_tw}[a.cmd](a)


if __name__ == "__main__":
    main()
