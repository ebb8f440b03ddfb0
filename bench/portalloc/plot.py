#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""bench/portalloc: plots and the report section from the raw CSV files.

Usage: plot.py OUT_DIR. Reads OUT_DIR/portalloc.csv, portalloc_guess.csv
and portalloc.log (written by bench_portalloc through run.sh); writes
portalloc_ns.png, portalloc_probes.png and portalloc.md (the section of
report.md: median [min-max] of the repetitions, the goal and whether it
is met, the guess hit rates).
"""
import csv
import os
import statistics
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

GOAL_NS = 100.0     # the goal: Algorithm 4 at 90% occupancy
GOAL_OCC = 90
ALGS = [1, 2, 3, 4, 5]
ALG_NAME = {
    1: "1 simple random",
    2: "2 random per probe",
    3: "3 hash, one counter",
    4: "4 double hash",
    5: "5 random increments",
}
MODES = [("dest", "one destination"), ("many", "1000 destinations")]
RULES = [
    ("lastA+1", "last A + 1"),
    ("lastA+step", "last A + last step"),
    ("lastA", "last A"),
    ("prevB+1", "earlier B + 1 *"),
    ("prevB+advA", "earlier B + A's advance + 2 *"),
]


def stats(vals):
    return statistics.median(vals), min(vals), max(vals)


def fmt(vals, digits):
    med, lo, hi = stats(vals)
    return f"{med:.{digits}f} [{lo:.{digits}f}-{hi:.{digits}f}]"


def load(out):
    runs = {}
    with open(os.path.join(out, "portalloc.csv")) as f:
        for r in csv.DictReader(f):
            key = (r["mode"], int(r["alg"]), int(r["occupancy_pct"]))
            runs.setdefault(key, []).append(
                (float(r["ns_per_alloc"]), float(r["cycles_per_alloc"]),
                 float(r["probes_per_alloc"])))
    guesses = {}
    with open(os.path.join(out, "portalloc_guess.csv")) as f:
        for r in csv.DictReader(f):
            guesses.setdefault((int(r["alg"]), r["rule"]), []).append(
                (float(r["hit_rate"]), int(r["trials"])))
    head = ""
    log = os.path.join(out, "portalloc.log")
    if os.path.exists(log):
        with open(log) as f:
            head = f.readline().strip()
    return runs, guesses, head


def plot(runs, occs, col, ylabel, fname, out, goal=None):
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), sharey=True)
    for ax, (mode, title) in zip(axes, MODES):
        for alg in ALGS:
            xs, med, lo, hi = [], [], [], []
            for occ in occs:
                vals = [v[col] for v in runs.get((mode, alg, occ), [])]
                if not vals:
                    continue
                m, a, b = stats(vals)
                xs.append(occ)
                med.append(m)
                lo.append(m - a)
                hi.append(b - m)
            ax.errorbar(xs, med, yerr=[lo, hi], marker="o", capsize=3,
                        label=f"Algorithm {ALG_NAME[alg]}")
        if goal is not None:
            ax.axhline(goal, color="grey", linestyle="--", linewidth=1)
            ax.text(occs[0], goal * 1.08, f"goal {goal:.0f} ns (Alg. 4, {GOAL_OCC}%)",
                    color="grey", fontsize=8)
        ax.set_yscale("log")
        ax.set_xticks(occs)
        ax.set_xlabel("occupancy of the ephemeral range (%)")
        ax.set_title(title)
        ax.grid(True, which="both", alpha=0.3)
    axes[0].set_ylabel(ylabel)
    axes[1].legend(fontsize=8)
    fig.suptitle("berth tcp_port_select(), median of repetitions (bars: min-max)")
    fig.tight_layout()
    fig.savefig(os.path.join(out, fname), dpi=110)
    plt.close(fig)


def table(runs, occs, mode, col, digits):
    lines = ["| Algorithm | " + " | ".join(f"{o}%" for o in occs) + " |",
             "|---|" + "---|" * len(occs)]
    for alg in ALGS:
        cells = []
        for occ in occs:
            vals = [v[col] for v in runs.get((mode, alg, occ), [])]
            cells.append(fmt(vals, digits) if vals else "-")
        lines.append(f"| {ALG_NAME[alg]} | " + " | ".join(cells) + " |")
    return lines


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "."
    runs, guesses, head = load(out)
    occs = sorted({k[2] for k in runs})
    reps = max(len(v) for v in runs.values())
    plot(runs, occs, 0, "ns per allocation", "portalloc_ns.png", out, GOAL_NS)
    plot(runs, occs, 2, "ports probed per allocation", "portalloc_probes.png", out)

    md = ["## Ephemeral port selection (bench/portalloc)", ""]
    md += [
        "What: `tcp_port_select()` (stack/tcp_portsel.c, RFC 6056 §3.3 Algorithms 1-5) over "
        "the default range 49152-65535 (16384 ports), called directly on a stack, pinned to "
        "one core. A share of the range's ports, chosen at random, carries one live "
        "connection each in the stack's connection table (the table's own insert): "
        "**one destination** puts them all towards the destination the ports are selected "
        "for; **1000 destinations** spreads them over 1000 destinations and selects for a "
        "random one of those each time, so a port is rarely taken for the selection's "
        "destination but often used by another (which costs a connection-table lookup). "
        "Selections do not connect, so the occupancy holds during a measurement. "
        "Each measurement times 32768 selections in slices of about 30 us (at least 64) "
        "and takes the median slice's cost per probe times the measurement's probes per "
        "allocation, so that slices during which the shared core was taken away do not "
        f"count; each figure is the median of {reps} repetitions (fresh stack, keys and occupancy "
        "each), [min-max] beside it. Probes: ports tried per allocation "
        "(counters tcp_port_probes / tcp_port_alloc).",
        "",
    ]
    if head:
        md += [f"Run: `{head}`", ""]
    md += ["ns per allocation, one destination:", ""]
    md += table(runs, occs, "dest", 0, 1)
    md += ["", "ns per allocation, 1000 destinations:", ""]
    md += table(runs, occs, "many", 0, 1)
    md += ["", "Ports probed per allocation, one destination (1000 destinations: "
           "1.00 for every algorithm and occupancy, see the CSV):", ""]
    md += table(runs, occs, "dest", 2, 2)
    md += [""]

    md += [f"**Goal: <= {GOAL_NS:.0f} ns per allocation for Algorithm 4 at {GOAL_OCC}% "
           "occupancy.**", ""]
    for mode, title in MODES:
        vals = [v[0] for v in runs.get((mode, 4, GOAL_OCC), [])]
        if not vals:
            continue
        med = statistics.median(vals)
        verdict = "met" if med <= GOAL_NS else "not met"
        md.append(f"- {title}: {fmt(vals, 1)} ns: **{verdict}**.")
    md += [
        "",
        "With all the connections towards one destination, 90% occupancy means about 10 "
        "ports probed per allocation (1 / (1 - 0.9), whatever the algorithm), and each "
        "port in use costs one lookup in the connection table (an rte_hash of 12-byte "
        "keys) to learn that its 4-tuple is taken. That lookup, not the algorithm, is the "
        "floor: see bench/README.md. Across many destinations a port is rarely taken for "
        "the destination at hand: one probe, and Algorithm 4 costs its two SipHash "
        "computations (F() and G()) plus at most one lookup.",
        "",
        "![ns per allocation](portalloc_ns.png)",
        "",
        "![probes per allocation](portalloc_probes.png)",
        "",
    ]

    trials = max(t for v in guesses.values() for _, t in v) if guesses else 0
    md += [
        "### How guessable the next port is",
        "",
        "Per trial the host connects to B, then 8 times to A, then to B again; an observer "
        "who sees the ports towards A guesses that last port towards B. Nothing stays "
        "connected, so each selection takes its first probe: the most predictable case. "
        f"Hit rate of the exact guess, in %, median [min-max] of {trials} trials per "
        "repetition; chance is 1/16384 = 0.006%. Rules marked * also use one earlier port "
        "towards B (an observer who saw one, e.g. B itself).",
        "",
        "| Algorithm | " + " | ".join(r[1] for r in RULES) + " |",
        "|---|" + "---|" * len(RULES),
    ]
    for alg in ALGS:
        cells = []
        for rule, _ in RULES:
            vals = [100 * h for h, _ in guesses.get((alg, rule), [])]
            cells.append(fmt(vals, 3) if vals else "-")
        md.append(f"| {ALG_NAME[alg]} | " + " | ".join(cells) + " |")
    md += [
        "",
        "From A's ports alone no rule beats chance except against Algorithm 5 (its random "
        "step of 1-500 after A's last port: about 1/500). Algorithm 3 gives B's next port "
        "away to whoever saw one earlier port to B and counts A's: its one counter moves "
        "for every destination (RFC 6056 §3.3.4). Algorithm 4, as the RFC writes it and "
        "berth implements it, keeps a counter per destination (of 65536), so A's ports say "
        "nothing, but B's next port is B's earlier one + 1 when nothing else went to B "
        "(Linux adds a random step to that counter since 5.17 against device tracking).",
        "",
        "RSS-aware selection (a port whose Toeplitz hash lands on the connection's own "
        "core): not measured: no multi-core yet (berth runs one stack on one core today).",
        "",
    ]
    with open(os.path.join(out, "portalloc.md"), "w") as f:
        f.write("\n".join(md))


if __name__ == "__main__":
    main()
