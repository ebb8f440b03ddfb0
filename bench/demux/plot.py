#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
#
# bench/demux: turn OUT_DIR/demux.csv (every repetition) and
# demux_tables.csv into demux.png (median ns per lookup against connections,
# log x, min-max bars) and demux.md (the report section: medians with min
# and max, the goals and whether they are met).
#
#   plot.py OUT_DIR

import collections
import csv
import statistics
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

GOAL_NS = 30.0        # bulk lookup at 1M connections
GOAL_GROWTH = 3.0     # bulk, 1K -> 1M
TABLES = ["rte_hash", "ctable-siphash", "ctable-nh"]
LABEL = {
    "rte_hash": "rte_hash (tcp_table.c's former table)",
    "ctable-siphash": "ctable, SipHash-1-3",
    "ctable-nh": "ctable, NH (production, tcp_table.c)",
}


def load(out):
    runs = collections.defaultdict(list)
    with open(f"{out}/demux.csv") as f:
        for r in csv.DictReader(f):
            key = (int(r["connections"]), r["table"], r["mode"], r["kind"])
            runs[key].append((float(r["ns_per_lookup"]), float(r["tsc_cycles_per_lookup"])))
    tables = {}
    try:
        with open(f"{out}/demux_tables.csv") as f:
            for r in csv.DictReader(f):
                tables[(int(r["connections"]), r["table"])] = r
    except FileNotFoundError:
        pass
    return runs, tables


def stats(v):
    ns = [x[0] for x in v]
    cyc = [x[1] for x in v]
    return statistics.median(ns), min(ns), max(ns), statistics.median(cyc), len(v)


def cell(runs, key):
    if key not in runs:
        return "-"
    med, lo, hi, cyc, _ = stats(runs[key])
    return f"{med:.1f} [{lo:.1f}-{hi:.1f}] ns, {cyc:.0f} cyc"


def human(n):
    return f"{n // 1000000}M" if n >= 1000000 and n % 1000000 == 0 else \
        f"{n // 1000}K" if n >= 1000 and n % 1000 == 0 else str(n)


def plot(out, runs, sizes):
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.8), sharey=True)
    colors = {"rte_hash": "tab:red", "ctable-siphash": "tab:blue", "ctable-nh": "tab:green"}
    for ax, kind in zip(axes, ["hit", "miss"]):
        for t in TABLES:
            for mode, style in (("bulk", "-"), ("single", ":")):
                xs, ys, lo, hi = [], [], [], []
                for n in sizes:
                    if (n, t, mode, kind) in runs:
                        med, mn, mx, _, _ = stats(runs[(n, t, mode, kind)])
                        xs.append(n)
                        ys.append(med)
                        lo.append(med - mn)
                        hi.append(mx - med)
                if xs:
                    ax.errorbar(xs, ys, yerr=[lo, hi], fmt="o" + style, color=colors[t],
                                capsize=3, label=f"{LABEL[t]}, {mode}")
        ax.axhline(GOAL_NS, color="grey", linestyle="--", linewidth=1, label="goal: 30 ns bulk at 1M")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("established connections")
        ax.set_title("hits" if kind == "hit" else "misses (then the listen table)")
        ax.grid(True, which="both", alpha=0.3)
    axes[0].set_ylabel("ns per lookup (median, min-max)")
    axes[0].legend(fontsize=7)
    fig.suptitle("berth: connection-table lookup cost (bench/demux)")
    fig.tight_layout()
    fig.savefig(f"{out}/demux.png", dpi=110)


def report(out, runs, tables, sizes):
    reps = max((len(v) for v in runs.values()), default=0)
    lookups = ""
    try:
        with open(f"{out}/demux.csv") as f:
            lookups = next(csv.DictReader(f))["lookups"]
    except (FileNotFoundError, StopIteration):
        pass
    L = []
    L.append("## Demultiplexing: finding the socket (bench/demux)")
    L.append("")
    L.append("Cost of one connection-table lookup with 1K to 4M established connections, "
             "single and in bursts of 32, for keys in the table (hit) and keys not in it "
             "(miss, which then goes to the listen table as tcp_input does). `ctable-nh` is "
             "the production table (stack/ctable.c keyed with NH), called through "
             "tcp_table.c (tcp_table_lookup, tcp_table_lookup_bulk) on a stack with "
             "tcp_max_conns = N holding N entries (put in with tcp_tw_insert: the same "
             "entries as connections, whose value names a 32-byte TIME-WAIT entry instead of a TCB); `rte_hash` is "
             "DPDK's table with the parameters tcp_table.c used before (keyed jhash, "
             "extendable buckets) and `ctable-siphash` is ctable keyed with SipHash-1-3, both with the "
             "same keys. Keys: one server port, clients at random "
             "addresses and ports; lookups in random order over the whole set. "
             f"Median of {reps} repetitions of {lookups} lookups each [min-max], "
             "ns and TSC cycles per lookup; the tables take turns in every repetition. "
             "Raw data: demux.csv; plot: demux.png.")
    L.append("")
    L.append("![lookup cost](demux.png)")
    L.append("")
    # Goals
    L.append("### Goals (bulk hits)")
    L.append("")
    L.append("| table | bulk at 1M | <= 30 ns | 1K -> 1M growth | <= 3x |")
    L.append("|---|---|---|---|---|")
    small, big = min(sizes), 1000000
    for t in TABLES:
        kb, ks = (big, t, "bulk", "hit"), (small, t, "bulk", "hit")
        if kb not in runs or ks not in runs:
            continue
        nb, ns_ = stats(runs[kb])[0], stats(runs[ks])[0]
        g = nb / ns_
        L.append(f"| {LABEL[t]} | {nb:.1f} ns | {'met' if nb <= GOAL_NS else 'not met'} | "
                 f"{g:.2f}x ({human(small)}: {ns_:.1f} ns) | {'met' if g <= GOAL_GROWTH else 'not met'} |")
    L.append("")
    # Ratios
    L.append("Ratio to rte_hash, bulk hits, same run (below 1: faster than rte_hash):")
    L.append("")
    L.append("| connections | " + " | ".join(LABEL[t] for t in TABLES[1:]) + " |")
    L.append("|---" * len(TABLES) + "|")
    for n in sizes:
        base = runs.get((n, "rte_hash", "bulk", "hit"))
        if not base:
            continue
        row = [human(n)]
        for t in TABLES[1:]:
            v = runs.get((n, t, "bulk", "hit"))
            row.append(f"{stats(v)[0] / stats(base)[0]:.2f}" if v else "-")
        L.append("| " + " | ".join(row) + " |")
    L.append("")
    # Main table
    L.append("### Connection table")
    L.append("")
    L.append("| connections | table | single, hit | single, miss | bulk, hit | bulk, miss |")
    L.append("|---|---|---|---|---|---|")
    for n in sizes:
        for t in TABLES:
            L.append(f"| {human(n)} | {t} | " + " | ".join(
                cell(runs, (n, t, m, k)) for m in ("single", "bulk") for k in ("hit", "miss")) + " |")
    L.append("")
    if tables:
        L.append("Memory (the hash alone; tcp_table.c adds 32 B per position for TIME-WAIT "
                 "entries with either table) and slot load with N connections:")
        L.append("")
        L.append("| connections | rte_hash B/conn | rte_hash slot load | ctable B/conn | ctable slot load |")
        L.append("|---|---|---|---|---|")
        for n in sizes:
            a, b = tables.get((n, "rte_hash")), tables.get((n, "ctable"))
            if a and b:
                L.append(f"| {human(n)} | {a['bytes_per_connection']} | {a['slot_load']} | "
                         f"{b['bytes_per_connection']} | {b['slot_load']} |")
        L.append("")
    # Listen and UDP
    L.append("### Listen table and UDP bind table")
    L.append("")
    L.append("tcp_listen_lookup on the stack's listen table (1025 listeners: 512 on a "
             "specific address, 513 wildcard): exact: found at the first lookup; wildcard: "
             "the address lookup misses, the wildcard one hits. The UDP bind lookup of "
             "udp.c (an rte_hash with udp_init's parameters and the same code, 1024 "
             "bindings): a bit per port says whether the port's binding is the wildcard "
             "one, which excludes any other, so both exact and wildcard cost one lookup. "
             "none: nobody on the port (the per-port count answers, no hash lookup).")
    L.append("")
    L.append("| table | exact | wildcard | none |")
    L.append("|---|---|---|---|")
    for t, label in (("listen", "TCP listen"), ("udp_bind", "UDP bind")):
        keys = [k for k in runs if k[1] == t]
        if not keys:
            continue
        n = keys[0][0]
        L.append(f"| {label} | " + " | ".join(cell(runs, (n, t, "single", k))
                                             for k in ("exact", "wildcard", "none")) + " |")
    L.append("")
    L.append("See bench/README.md (bench/demux) for how to read these figures and what "
             "limits them.")
    L.append("")
    with open(f"{out}/demux.md", "w") as f:
        f.write("\n".join(L))


def main():
    if len(sys.argv) != 2:
        print("usage: plot.py OUT_DIR", file=sys.stderr)
        return 2
    out = sys.argv[1]
    runs, tables = load(out)
    sizes = sorted({k[0] for k in runs if k[1] in TABLES})
    if not sizes:
        print("plot.py: no connection-table data", file=sys.stderr)
        return 1
    plot(out, runs, sizes)
    report(out, runs, tables, sizes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
