#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""bench/stack: the report section and the plot from stack.csv.

Usage: plot.py STACK_CSV OUT_MD OUT_PNG

stack.csv (run.sh) has one row per repetition of a workload: berth's
figure, Linux's, their ratio, the error counts and the load average. For
each workload this writes the median with min and max of each side, the
median of the per-repetition ratios (with their min and max) and whether
the goal is met, to OUT_MD (a "## ..." section), and a bar chart of the
medians with min-max whiskers on a log scale to OUT_PNG (skipped, with a
note, when matplotlib is missing).
"""
import csv
import math
import statistics
import sys

WORKLOADS = [
    # name, label, goal (berth/Linux at least)
    ("keepalive", "HTTP keep-alive, small page, 100 connections", 10.0),
    ("close", "HTTP Connection: close, 100 at once", 25.0),
    ("bulk", "one TCP flow, bulk", 1.0),
]
LINUX_TOOLS = {
    "keepalive": "nginx (1 worker) + wrk -t1 -c100",
    "close": "nginx (1 worker) + wrk -t1 -c100 -H 'Connection: close'",
    "bulk": "iperf3 -s / iperf3 -c, one flow",
}
BERTH_TOOLS = {
    "keepalive": "berth-httpd + berth-load --connections 100",
    "close": "berth-httpd + berth-load --mode close --connections 100",
    "bulk": "berth-httpd (256 MB file) + berth-load --connections 1",
}


def num(s):
    try:
        v = float(s)
    except ValueError:
        return None
    return None if math.isnan(v) else v


def spread(vals):
    """(median, min, max) of the values that are numbers, or None."""
    vals = [v for v in vals if v is not None]
    if not vals:
        return None
    return statistics.median(vals), min(vals), max(vals)


def fmt(v):
    if v >= 100:
        return f"{v:,.0f}"
    if v >= 10:
        return f"{v:.1f}"
    return f"{v:.2f}"


def fmt_spread(s, unit=""):
    if s is None:
        return "not measured"
    return f"{fmt(s[0])}{unit} ({fmt(s[1])}-{fmt(s[2])})"


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: plot.py STACK_CSV OUT_MD OUT_PNG")
    csv_path, md_path, png_path = sys.argv[1:]
    rows = list(csv.DictReader(open(csv_path, newline="")))
    res = {}
    for name, label, goal in WORKLOADS:
        rs = [r for r in rows if r["workload"] == name]
        if not rs:
            continue
        res[name] = {
            "label": label,
            "goal": goal,
            "unit": rs[0]["unit"],
            "reps": len(rs),
            "berth": spread([num(r["berth"]) for r in rs]),
            "linux": spread([num(r["linux"]) for r in rs]),
            "ratio": spread([num(r["ratio"]) for r in rs]),
            "berth_errors": sum(int(r["berth_errors"] or 0) for r in rs),
            "linux_errors": sum(int(r["linux_errors"] or 0) for r in rs),
            "load": spread([num(r["loadavg"]) for r in rs]),
        }

    out = []
    out.append("## berth against Linux: HTTP and bulk (bench/stack)")
    out.append("")
    out.append("Same two cores for both: server on core 0, client on core 1. berth: "
               "berth-httpd and berth-load, one lcore each, joined by net_memif "
               "(shared memory). Linux: a fresh network namespace per run, loopback "
               "MTU 1500, the same page. Each figure: median (min-max) of the "
               "repetitions; the ratio is berth/Linux per repetition pair (the two "
               "ran back to back), its median (min-max).")
    out.append("")
    out.append("| workload | unit | berth | Linux | berth/Linux | goal | met |")
    out.append("|---|---|---|---|---|---|---|")
    for name, _, _ in WORKLOADS:
        if name not in res:
            continue
        r = res[name]
        ratio = r["ratio"]
        if ratio is None:
            met = "not measured"
        else:
            met = "yes" if ratio[0] >= r["goal"] else "**no**"
        out.append(f"| {r['label']} | {r['unit']} | {fmt_spread(r['berth'])} | "
                   f"{fmt_spread(r['linux'])} | {fmt_spread(ratio, 'x')} | "
                   f">= {r['goal']:g}x | {met} |")
    out.append("")
    out.append("| workload | berth side | Linux side | repetitions | errors berth / Linux "
               "| load average (min-max) |")
    out.append("|---|---|---|---|---|---|")
    for name, _, _ in WORKLOADS:
        if name not in res:
            continue
        r = res[name]
        load = "-" if r["load"] is None else f"{r['load'][1]:.1f}-{r['load'][2]:.1f}"
        out.append(f"| {name} | {BERTH_TOOLS[name]} | {LINUX_TOOLS[name]} | {r['reps']} | "
                   f"{r['berth_errors']} / {r['linux_errors']} | {load} |")
    out.append("")
    out.append("Raw data: stack.csv (every repetition), stack-logs/ (what each program "
               "printed). What limits these figures: bench/README.md, section "
               "bench/stack.")
    out.append("")

    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        out.append("(No plot: python3-matplotlib is not installed.)")
        out.append("")
        plt = None
    if plt is not None and res:
        names = [n for n, _, _ in WORKLOADS if n in res]
        fig, axes = plt.subplots(1, len(names), figsize=(3.2 * len(names), 3.8))
        if len(names) == 1:
            axes = [axes]
        for ax, name in zip(axes, names):
            r = res[name]
            for i, (side, color) in enumerate((("berth", "#1f77b4"), ("linux", "#999999"))):
                s = r[side]
                if s is None:
                    continue
                ax.bar(i, s[0], color=color, width=0.6,
                       yerr=[[s[0] - s[1]], [s[2] - s[0]]], capsize=4)
                ax.text(i, s[0], fmt(s[0]), ha="center", va="bottom", fontsize=8)
            ax.set_xticks([0, 1])
            ax.set_xticklabels(["berth", "Linux"])
            ax.set_yscale("log")
            ax.set_title(f"{name} ({r['unit']})", fontsize=9)
            if r["ratio"] is not None:
                ax.set_xlabel(f"berth/Linux {fmt(r['ratio'][0])}x, goal {r['goal']:g}x",
                              fontsize=8)
        fig.suptitle("berth vs Linux, 2 cores (median, min-max)", fontsize=10)
        fig.tight_layout()
        fig.savefig(png_path, dpi=110)
        out.insert(-2, "![berth vs Linux](stack.png)")
        out.insert(-2, "")

    with open(md_path, "w") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
