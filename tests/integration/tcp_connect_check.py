#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Checks on what berth-connect printed (its log) after active opens to a
Linux server (tcp_server.py, whose log lists the peers it accepted).

  ports       the ephemeral ports (RFC 6056): all in the range, the same
              ones Linux saw, never two alike towards one destination
              (TIME-WAIT holds each 4-tuple), spread rather than one run
              (--spread), or random-looking in connection order (--random)
  time-wait   TIME-WAIT after berth's active closes (RFC 9293 §3.10.7.4):
              every connection left an entry, the listing showed them,
              each lived 2*MSL and then all were gone
  no-time-wait  berth closed second: no entry at all
"""

import argparse
import re

import berth_it

LISTING_END = "berth-connect: end of connections"


def read(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return [l.rstrip("\n") for l in f]


def listing(lines, when):
    """The connection listing berth-connect printed under 'connections WHEN'."""
    tag = "berth-connect: connections " + when
    if tag not in lines:
        berth_it.fail("no listing '%s' in berth-connect's output" % tag)
    i = lines.index(tag) + 1
    out = []
    while i < len(lines) and lines[i] != LISTING_END:
        out.append(lines[i])
        i += 1
    return out


def ports_of(lines, count):
    p = [l for l in lines if l.startswith("ports:")]
    if len(p) != 1:
        berth_it.fail("no 'ports:' line in berth-connect's output")
    ports = [int(x) for x in p[0].split()[1:]]
    if len(ports) != count:
        berth_it.fail("%d ports listed for %d connections" % (len(ports), count))
    return ports


def check_ports(a, lines):
    ports = ports_of(lines, a.count)
    lo, hi = a.range
    out = [p for p in ports if not lo <= p <= hi]
    if out:
        berth_it.fail("ports outside %d-%d: %s" % (lo, hi, out[:10]))
    print("  %d ports, all in %d-%d: min %d, max %d"
          % (len(ports), lo, hi, min(ports), max(ports)), flush=True)

    # Linux saw the same source ports.
    seen = []
    for l in read(a.server_log):
        w = l.split()
        if len(w) == 4 and w[0] == "peer" and w[1] == a.stack_ip:
            seen.append(int(w[2]))
    if sorted(seen) != sorted(ports):
        berth_it.fail("Linux accepted from ports %s, berth reports %s"
                      % (sorted(seen)[:10], sorted(ports)[:10]))
    print("  Linux accepted connections from exactly these ports", flush=True)

    # One destination never gets a port twice: the earlier connection's
    # TIME-WAIT entry holds the 4-tuple.
    for d in range(a.dests):
        mine = ports[d::a.dests]
        if len(set(mine)) != len(mine):
            berth_it.fail("destination %d got a port twice: %s" % (d, mine))
    distinct = len(set(ports))
    s = sorted(set(ports))
    runs = 1 + sum(1 for x, y in zip(s, s[1:]) if y - x > 1)
    print("  %d distinct; in %d runs of consecutive ports" % (distinct, runs), flush=True)
    if distinct < a.count * 4 // 5:
        berth_it.fail("only %d distinct ports for %d connections" % (distinct, a.count))
    if a.spread and runs < 2:
        berth_it.fail("the ports are one run of consecutive numbers: %d-%d" % (s[0], s[-1]))
    if a.random:
        near = sum(1 for x, y in zip(ports, ports[1:]) if abs(y - x) <= 2)
        print("  %d of %d successive connections got a neighbouring port"
              % (near, len(ports) - 1), flush=True)
        if near * 2 >= len(ports) - 1:
            berth_it.fail("ports look sequential, not random: %s" % ports[:20])


def check_time_wait(a, lines):
    text = "\n".join(lines)
    m = re.search(r"^time-wait: (\d+) entered, (\d+) live after the last close$", text, re.M)
    if not m:
        berth_it.fail("berth-connect did not report its TIME-WAIT entries")
    entered, live = int(m.group(1)), int(m.group(2))
    print("  %d TIME-WAIT entries entered, %d live after the last close"
          % (entered, live), flush=True)
    if entered != a.count or live != a.count:
        berth_it.fail("expected %d TIME-WAIT entries, one per active close" % a.count)
    states, tw = berth_it.conns_summary(listing(lines, "after the last close"))
    print("  listing after the last close: %d TIME-WAIT, others %s" % (tw, states), flush=True)
    if tw != a.count:
        berth_it.fail("the listing shows %d TIME-WAIT entries, expected %d" % (tw, a.count))

    m = re.search(r"^time-wait: all (\d+) expired; first lived (\d+) ms, last lived (\d+) ms "
                  r"\(2\*MSL = (\d+) ms\)$", text, re.M)
    if not m:
        berth_it.fail("the TIME-WAIT entries did not all expire")
    first, last, two_msl = int(m.group(2)), int(m.group(3)), int(m.group(4))
    print("  first entry lived %d ms, last %d ms; 2*MSL = %d ms" % (first, last, two_msl),
          flush=True)
    # Not before 2*MSL (a little less for the 1 ms sampling), and not much
    # after (timer wheel granularity, the loop's pace).
    for what, v in (("first", first), ("last", last)):
        if not two_msl - 20 <= v <= two_msl + a.slack_ms:
            berth_it.fail("the %s TIME-WAIT entry lived %d ms, expected 2*MSL = %d ms "
                          "(+%d)" % (what, v, two_msl, a.slack_ms))
    states, tw = berth_it.conns_summary(listing(lines, "after TIME-WAIT"))
    if tw != 0 or states:
        berth_it.fail("after 2*MSL the listing still shows %d TIME-WAIT, %s" % (tw, states))
    print("  after 2*MSL: no TIME-WAIT entry, no connection", flush=True)


def check_no_time_wait(a, lines):
    m = re.search(r"^time-wait: (\d+) entered", "\n".join(lines), re.M)
    n = int(m.group(1)) if m else -1
    if n != 0:
        berth_it.fail("berth closed second but reports %d TIME-WAIT entries" % n)
    print("  berth closed second: no TIME-WAIT entry on berth's side", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=("ports", "time-wait", "no-time-wait"))
    ap.add_argument("--log", required=True, help="berth-connect's output")
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--server-log")
    ap.add_argument("--stack-ip")
    ap.add_argument("--dests", type=int, default=1)
    ap.add_argument("--range", type=int, nargs=2, default=(49152, 65535))
    ap.add_argument("--spread", action="store_true")
    ap.add_argument("--random", action="store_true")
    ap.add_argument("--slack-ms", type=int, default=1500)
    a = ap.parse_args()
    lines = read(a.log)
    if "connections: %d ok, 0 failed" % a.count not in " ".join(lines):
        berth_it.fail("not every connection succeeded")
    if a.what == "ports":
        check_ports(a, lines)
    elif a.what == "time-wait":
        check_time_wait(a, lines)
    else:
        check_no_time_wait(a, lines)


if __name__ == "__main__":
    main()
