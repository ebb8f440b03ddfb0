#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""bench/stack part B: turn the CSV files run_b.sh wrote into the report
section OUT/stack_b.md and its plots (stack_b_rtt.png, stack_b_udp.png,
stack_b_idle.png). Medians with min and max over the repetitions; ratios
are taken per repetition pair (berth and Linux of the same repetition),
then summarised the same way.

Usage: report_b.py OUT_DIR IDLE_CONNS_ASKED UDP_WINDOW SECONDS
"""
import csv
import json
import os
import statistics
import sys

OUT = sys.argv[1]
IDLE_ASKED = int(sys.argv[2])
UDP_WINDOW = int(sys.argv[3])
SECS = sys.argv[4]

# Goals of the issue, berth against Linux in the same run.
GOAL_RTT_NS = 2000
GOAL_RTT_RATIO = 12.0
GOAL_UDP_PPS = 10e6
GOAL_UDP_OF_RAW = 0.30
GOAL_CONN_B = 512
GOAL_TW_B = 64


def rows(name):
    path = os.path.join(OUT, name)
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return list(csv.DictReader(f))


def summary(values):
    """(median, min, max) or None."""
    v = [x for x in values if x is not None]
    if not v:
        return None
    return statistics.median(v), min(v), max(v)


def fmt(s, scale=1.0, unit="", digits=1):
    if s is None:
        return "not measured"
    m, lo, hi = (x / scale for x in s)
    return f"{m:.{digits}f}{unit} [{lo:.{digits}f}, {hi:.{digits}f}]"


def by_rep(rs, system, key):
    return {int(r["rep"]): float(r[key]) for r in rs if r.get("system", system) == system}


def verdict(ok):
    if ok is None:
        return "not measured"
    return "met" if ok else "**not met**"


rtt = rows("stack_b_rtt.csv")
udp = rows("stack_b_udp.csv")
raw = rows("stack_b_raw.csv")
idle = rows("stack_b_idle.csv")

b50, l50 = by_rep(rtt, "berth", "p50_ns"), by_rep(rtt, "linux", "p50_ns")
b99, l99 = by_rep(rtt, "berth", "p99_ns"), by_rep(rtt, "linux", "p99_ns")
bu, lu = by_rep(udp, "berth", "echoes_per_s"), by_rep(udp, "linux", "echoes_per_s")
rw = {int(r["rep"]): float(r["pps"]) for r in raw}

s_b50, s_l50 = summary(b50.values()), summary(l50.values())
s_b99, s_l99 = summary(b99.values()), summary(l99.values())
r50 = summary([l50[k] / b50[k] for k in b50 if k in l50 and b50[k] > 0])
r99 = summary([l99[k] / b99[k] for k in b99 if k in l99 and b99[k] > 0])
s_bu, s_lu, s_rw = summary(bu.values()), summary(lu.values()), summary(rw.values())
ru = summary([bu[k] / lu[k] for k in bu if k in lu and lu[k] > 0])
rraw = summary([bu[k] / rw[k] for k in bu if k in rw and rw[k] > 0])
lost = sum(int(r["lost"]) for r in udp if r["system"] == "berth")
cost_ns = summary([1e9 / bu[k] - 1e9 / rw[k] for k in bu if k in rw and bu[k] > 0 and rw[k] > 0])

tcb = {}
try:
    for line in open(os.path.join(OUT, "stack_b_logs", "tcb_size.log")):
        if line.startswith("tcb-json: "):
            tcb = json.loads(line[len("tcb-json: "):])
except OSError:
    pass

nreps = len(set(int(r["rep"]) for r in rtt + udp + raw)) if rtt + udp + raw else 0
md = []
md.append("### Round trip, UDP packet rate, idle connections (berth vs Linux)")
md.append("")
md.append(f"berth: two processes on `net_memif`, EAL `--no-huge -m 256 --no-pci`, "
          f"`berth-echo` on lcore 0, `berth-load` on lcore 1. Linux: a fresh network "
          f"namespace, `lo` at MTU 1500, sockperf server on core 0 and client on core 1 "
          f"(taskset). {nreps} repetitions of {SECS} s runs; berth and Linux alternate within "
          f"a repetition and each ratio is taken within it. Figures: median [min, max].")
md.append("")
md.append("| Workload | berth | Linux | Linux / berth |")
md.append("|---|---|---|---|")
md.append(f"| TCP request/response 64 B, 1 connection: RTT p50 (us) | {fmt(s_b50, 1e3, '', 2)} "
          f"| {fmt(s_l50, 1e3, '', 2)} | {fmt(r50, 1, 'x')} |")
md.append(f"| TCP request/response 64 B, 1 connection: RTT p99 (us) | {fmt(s_b99, 1e3, '', 2)} "
          f"| {fmt(s_l99, 1e3, '', 2)} | {fmt(r99, 1, 'x')} |")
md.append(f"| UDP 64 B echo: echoes/s (Mpps) | {fmt(s_bu, 1e6, '', 3)} | {fmt(s_lu, 1e6, '', 3)} "
          f"| berth / Linux: {fmt(ru, 1, 'x')} |")
md.append("")
md.append("berth's round trip is `berth-load --mode echo --connections 1 --size 64` (from the "
          "send to the clock read after the poll that completed the echo, ns histogram); "
          "Linux's is `sockperf pp --tcp -m 64` (ping-pong, its own percentiles). "
          f"berth's UDP figure is `berth-load --mode udp --size 64 --window {UDP_WINDOW}` "
          f"(echoes received per second, {UDP_WINDOW} datagrams in flight; datagrams lost in "
          f"all berth runs: {lost}). Linux's is `sockperf ul --mps=max --reply-every=1 -m 64` "
          "over UDP: every datagram is echoed by the server and the client sends as fast as it "
          "can; the figure is echoes received per second in sockperf's valid period (sockperf "
          "has no windowed echo mode; `pp` would measure one datagram in flight, `tp` no echo "
          "at all).")
md.append("")
md.append("| Raw ceiling and berth's cost | median [min, max] |")
md.append("|---|---|")
md.append(f"| rx/tx burst forwarding over the same memif, 64 B frames, window 512 (Mpps) "
          f"| {fmt(s_rw, 1e6, '', 3)} |")
md.append(f"| berth UDP echoes / raw ceiling | {fmt(rraw, 0.01, ' %')} |")
md.append(f"| berth's cost per echo beyond the raw path (1/rate - 1/raw, ns) | {fmt(cost_ns, 1, '', 0)} |")
md.append("")

if idle:
    d = {k: float(v) for k, v in idle[0].items()}
    n = int(d["connections"])
    md.append(f"Idle connections (`bench_idle`, one run, not a timing): {n} established "
              "connections held by a berth server stack (client and server stacks in one "
              "process on the in-memory wire), then closed by the server first so that it "
              "holds as many TIME-WAIT entries."
              + ("" if n >= IDLE_ASKED else
                 f" {IDLE_ASKED} did not fit in the memory free at the time; {n} did."))
    md.append("")
    md.append("| Server memory | bytes |")
    md.append("|---|---|")
    md.append(f"| TCB (heap the connections took: slots of the stack's TCB pool, tcp_pool.c) | {d['tcb_bytes']:.0f} |")
    md.append(f"| connection-table slot (ctable bucket share and 16-byte entry + 32 B TIME-WAIT array entry), sized for {n} | {d['conn_slot_bytes']:.0f} |")
    md.append(f"| socket slot (socket table and event ring; the binding tables are sized by max_bindings, at most 65536) | {d['sock_slot_bytes']:.0f} |")
    md.append(f"| packet buffers held at rest | {d['mbuf_bytes']:.0f} |")
    md.append(f"| **per idle established connection** | **{d['established_bytes']:.0f}** |")
    md.append(f"| **per TIME-WAIT entry** (its connection-table slot; the TCB is freed) | **{d['time_wait_bytes']:.0f}** |")
    md.append(f"| heap change per connection from ESTABLISHED to TIME-WAIT (check: the freed TCB slots stay in the stack's pool for the next connections) | {d['tw_heap_change_bytes']:.0f} |")
    if tcb:
        md.append(f"| sizeof(struct tcb) | {tcb.get('tcb', 0)} |")
    md.append("")
else:
    d = None
    md.append("Idle connections: not measured in this run.")
    md.append("")

md.append("| Goal (issue) | This run | |")
md.append("|---|---|---|")
md.append(f"| RTT <= 2 us (berth p50) | {fmt(s_b50, 1e3, ' us', 2)} | "
          f"{verdict(None if s_b50 is None else s_b50[0] <= GOAL_RTT_NS)} |")
md.append(f"| RTT >= 12x lower than Linux (p50) | {fmt(r50, 1, 'x')} | "
          f"{verdict(None if r50 is None else r50[0] >= GOAL_RTT_RATIO)} |")
md.append(f"| UDP >= 10 Mpps | {fmt(s_bu, 1e6, ' Mpps', 3)} | "
          f"{verdict(None if s_bu is None else s_bu[0] >= GOAL_UDP_PPS)} |")
md.append(f"| UDP >= 30% of the raw ceiling | {fmt(rraw, 0.01, ' %')} | "
          f"{verdict(None if rraw is None else rraw[0] >= GOAL_UDP_OF_RAW)} |")
md.append(f"| <= 512 B per idle connection | {'%.0f B' % d['established_bytes'] if d else 'not measured'} | "
          f"{verdict(None if d is None else d['established_bytes'] <= GOAL_CONN_B)} |")
md.append(f"| <= 64 B per TIME-WAIT entry | {'%.0f B' % d['time_wait_bytes'] if d else 'not measured'} | "
          f"{verdict(None if d is None else d['time_wait_bytes'] <= GOAL_TW_B)} |")
md.append("")
md.append("What limits each figure: bench/README.md (bench/stack, part B). Raw data: "
          "stack_b_rtt.csv, stack_b_udp.csv, stack_b_raw.csv, stack_b_idle.csv; the TCB's "
          "layout: stack_b_tcb_layout.txt; every run's output: stack_b_logs/.")
md.append("")
md.append("![round trip](stack_b_rtt.png) ![UDP echo rate](stack_b_udp.png)"
          + (" ![idle connection memory](stack_b_idle.png)" if d else ""))
md.append("")
with open(os.path.join(OUT, "stack_b.md"), "w") as f:
    f.write("\n".join(md))

# ---- plots ----
try:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    sys.exit(0)


def bar(ax, x, s, scale, label, color):
    if s is None:
        return
    m, lo, hi = (v / scale for v in s)
    ax.bar(x, m, color=color, label=label, yerr=[[m - lo], [hi - m]], capsize=4)


fig, ax = plt.subplots(figsize=(6, 4))
bar(ax, 0, s_b50, 1e3, "berth p50", "tab:blue")
bar(ax, 1, s_l50, 1e3, "Linux p50", "tab:orange")
bar(ax, 3, s_b99, 1e3, "berth p99", "tab:blue")
bar(ax, 4, s_l99, 1e3, "Linux p99", "tab:orange")
ax.set_xticks([0, 1, 3, 4], ["berth\np50", "Linux\np50", "berth\np99", "Linux\np99"])
ax.set_yscale("log")
ax.set_ylabel("round trip (us, log)")
ax.set_title("TCP 64 B request/response, 1 connection\n(median, bars: min-max)")
fig.tight_layout()
fig.savefig(os.path.join(OUT, "stack_b_rtt.png"), dpi=100)
plt.close(fig)

fig, ax = plt.subplots(figsize=(6, 4))
bar(ax, 0, s_bu, 1e6, "berth", "tab:blue")
bar(ax, 1, s_lu, 1e6, "Linux", "tab:orange")
bar(ax, 2, s_rw, 1e6, "raw memif", "tab:gray")
ax.axhline(GOAL_UDP_PPS / 1e6, color="red", linestyle="--", linewidth=1, label="goal 10 Mpps")
ax.set_xticks([0, 1, 2], ["berth UDP echo", "Linux UDP echo", "raw ceiling"])
ax.set_ylabel("Mpps")
ax.set_title("64 B echo packets/s (median, bars: min-max)")
ax.legend()
fig.tight_layout()
fig.savefig(os.path.join(OUT, "stack_b_udp.png"), dpi=100)
plt.close(fig)

if d:
    fig, ax = plt.subplots(figsize=(6, 4))
    parts = [("TCB", d["tcb_bytes"], "tab:blue"), ("conn slot", d["conn_slot_bytes"], "tab:green"),
             ("socket slot", d["sock_slot_bytes"], "tab:purple")]
    base = 0.0
    for name, v, c in parts:
        ax.bar(0, v, bottom=base, color=c, label=name)
        base += v
    ax.bar(1, d["time_wait_bytes"], color="tab:green")
    ax.plot([-0.4, 0.4], [GOAL_CONN_B] * 2, color="red", linestyle="--", label="goals")
    ax.plot([0.6, 1.4], [GOAL_TW_B] * 2, color="red", linestyle="--")
    ax.set_xticks([0, 1], ["idle established", "TIME-WAIT"])
    ax.set_ylabel("server bytes per connection")
    ax.set_title(f"Memory per connection at {int(d['connections'])} connections")
    ax.legend()
    fig.tight_layout()
    fig.savefig(os.path.join(OUT, "stack_b_idle.png"), dpi=100)
    plt.close(fig)
