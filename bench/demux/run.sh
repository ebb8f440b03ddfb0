#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# bench/demux for `make bench` (bench/run): connection-table lookups with
# 1K-4M connections (stack/ctable.c through tcp_table.c, rte_hash as it had it),
# listen-table and UDP bind-table lookups. Writes OUT_DIR/demux.csv (every
# repetition), demux_tables.csv (bytes per connection), demux.log, demux.png
# and demux.md (the report section).
#
#   bench/demux/run.sh BUILD_DIR OUT_DIR        DEMUX_REPS=n (default 7)

set -euo pipefail
if [ $# -ne 2 ]; then
	echo "usage: $0 BUILD_DIR OUT_DIR" >&2
	exit 2
fi
BUILD=$1
OUT=$2
HERE=$(cd "$(dirname "$0")" && pwd)
BIN=$BUILD/bench/demux/bench_demux
if [ ! -x "$BIN" ]; then
	echo "bench/demux: $BIN is not built" >&2
	exit 1
fi
mkdir -p "$OUT"
# Off CPU 0, where interrupts and most other work land; EAL pins to it too.
cpu=0
if [ "$(nproc)" -gt 1 ]; then
	cpu=1
fi
taskset -c "$cpu" "$BIN" --lcore "$cpu" --reps "${DEMUX_REPS:-7}" \
	--csv "$OUT/demux.csv" --tables-csv "$OUT/demux_tables.csv" 2>&1 |
	grep -v '^TELEMETRY' | tee "$OUT/demux.log"
[ "${PIPESTATUS[0]}" -eq 0 ]
/usr/bin/python3 "$HERE/plot.py" "$OUT"
