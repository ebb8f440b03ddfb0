#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# bench/portalloc: ephemeral port selection (RFC 6056 Algorithms 1-5).
# Called by bench/run as: run.sh BUILD_DIR OUT_DIR. Runs bench_portalloc
# pinned to one core (EAL -l), then plot.py, which writes OUT_DIR/
# portalloc.md, the PNG plots, from the raw CSV files beside them:
#   portalloc.csv        every measurement (mode, algorithm, occupancy, rep)
#   portalloc_guess.csv  every guessing run (algorithm, rule, rep)
#   portalloc.log        what the binary printed
# PORTALLOC_REPS (default 7) and PORTALLOC_LCORE (default 1, or 0 on one
# core) change the run. Takes about a minute.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
BUILD=${1:?usage: run.sh BUILD_DIR OUT_DIR}
OUT=${2:?usage: run.sh BUILD_DIR OUT_DIR}
BIN=$BUILD/bench/portalloc/bench_portalloc

if [ ! -x "$BIN" ]; then
	echo "bench/portalloc: $BIN not built" >&2
	exit 1
fi
mkdir -p "$OUT"
if [ "$(nproc)" -gt 1 ]; then core=1; else core=0; fi
"$BIN" --reps "${PORTALLOC_REPS:-7}" --lcore "${PORTALLOC_LCORE:-$core}" \
	--csv "$OUT/portalloc.csv" --guess-csv "$OUT/portalloc_guess.csv" >"$OUT/portalloc.log"
/usr/bin/python3 "$HERE/plot.py" "$OUT"
echo "    bench/portalloc: $OUT/portalloc.md"
