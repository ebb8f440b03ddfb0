#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""berth-echo's TCP connection listing (SIGUSR1), run in the host
namespace: wait until no connection is left but the listeners, TIME-WAIT
entries allowed or not; fail with the listing when some stay."""

import argparse
import time

import berth_it


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pid", type=int, required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--wait-empty", type=float, required=True, metavar="SECONDS",
                    help="how long the connections may take to go")
    ap.add_argument("--allow-time-wait", action="store_true",
                    help="TIME-WAIT entries may remain (they are counted)")
    a = ap.parse_args()

    deadline = time.monotonic() + a.wait_empty
    while True:
        _, listing = berth_it.dump(a.pid, a.log)
        states, tw = berth_it.conns_summary(listing)
        left = {k: v for k, v in states.items() if k not in ("LISTEN", "TIME-WAIT")}
        if not left and (a.allow_time_wait or tw == 0):
            break
        if time.monotonic() > deadline:
            print("\n".join("  | " + l for l in listing), flush=True)
            berth_it.fail("after %.0f s connections remain: %s, %d TIME-WAIT"
                          % (a.wait_empty, left, tw))
        time.sleep(0.25)
    print("  listing: %s" % (", ".join("%d %s" % (v, k) for k, v in states.items())
                             or "empty"), flush=True)
    print("  no connection left but listeners; %d TIME-WAIT entries" % tw, flush=True)
    print("\n".join("  | " + l for l in listing), flush=True)


if __name__ == "__main__":
    main()
