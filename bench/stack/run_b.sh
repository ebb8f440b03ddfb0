#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# bench/stack, part B: request/response round trip, UDP echo packet rate,
# the raw ceiling of the port pair, and the memory of idle connections and
# TIME-WAIT entries; berth against Linux, measured in the same run.
#
#   bash bench/stack/run_b.sh BUILD_DIR OUT_DIR     (root; called by run.sh)
#
# berth: two processes joined by net_memif (shared memory), EAL
# --no-huge -m 256 --no-pci: berth-echo (TCP and UDP echo) on lcore 0,
# berth-load on lcore 1 (--mode echo, one connection, 64 bytes: round
# trips; --mode udp, 64-byte datagrams, a window in flight: echoes/s).
# Linux: a fresh network namespace, lo up with MTU 1500 and 198.18.0.1,
# sockperf servers pinned to core 0 and clients to core 1 (taskset):
# `sockperf pp --tcp -m 64` (ping-pong: round trips) and `sockperf ul
# --mps=max --reply-every=1 -m 64` over UDP (every datagram echoed, sent as
# fast as the client can: echoes received per second).
# Raw ceiling: bench_fwd, a reflector on lcore 0 (rx_burst, swap MACs,
# tx_burst) and a generator on lcore 1, over the same memif and EAL settings.
# Each timing is repeated REPS times (berth and Linux alternate within a
# repetition, so each ratio pairs runs made seconds apart); the memory
# figures come from one run of bench_idle (not a timing).
#
# Writes OUT_DIR/stack_b.md (a "### ..." section), stack_b_*.csv (every
# repetition), stack_b_*.png, stack_b_tcb_layout.txt and the logs of every
# run in OUT_DIR/stack_b_logs/.
#
# Environment: STACK_B_REPS (5), STACK_B_SECONDS (2, per run),
# STACK_B_IDLE_CONNS (1000000), STACK_B_UDP_WINDOW (128).

set -euo pipefail
PATH=$PATH:/usr/sbin:/sbin
HERE=$(cd "$(dirname "$0")" && pwd)
BUILD=${1:?usage: run_b.sh BUILD_DIR OUT_DIR}
OUT=${2:?usage: run_b.sh BUILD_DIR OUT_DIR}
REPS=${STACK_B_REPS:-5}
SECS=${STACK_B_SECONDS:-2}
IDLE_CONNS=${STACK_B_IDLE_CONNS:-1000000}
UDP_WINDOW=${STACK_B_UDP_WINDOW:-128}
PY=/usr/bin/python3

ECHO=$BUILD/apps/berth-echo
LOAD=$BUILD/apps/berth-load
FWD=$BUILD/bench/stack/b/bench_fwd
IDLE=$BUILD/bench/stack/b/bench_idle
TCBSZ=$BUILD/bench/stack/b/bench_tcb_size

for b in "$ECHO" "$LOAD" "$FWD" "$IDLE" "$TCBSZ"; do
	[ -x "$b" ] || { echo "run_b.sh: $b is missing (build $BUILD first)" >&2; exit 1; }
done
[ "$(id -u)" -eq 0 ] || { echo "run_b.sh: needs root (EAL, memif, netns)" >&2; exit 1; }
command -v sockperf >/dev/null || { echo "run_b.sh: sockperf missing (scripts/deps --with-bench)" >&2; exit 1; }

mkdir -p "$OUT/stack_b_logs"
LOGS=$OUT/stack_b_logs
TAG=bsb$$
NS=berth-bench-$TAG
RUNDIR=$(mktemp -d /tmp/berth-stack-b.XXXXXX)
SOCK=$RUNDIR/memif.sock
PIDS=()

cleanup() {
	local p
	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	for p in "${PIDS[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	ip netns del "$NS" 2>/dev/null || true
	rm -rf "$RUNDIR"
}
trap cleanup EXIT

EAL_COMMON=(--no-huge -m 256 --no-pci "--log-level=*:warning")
vdev() { echo "--vdev=net_memif0,role=$1,socket=$SOCK,socket-abstract=no"; }

# Wait for the memif server's socket (the server creates it at start).
wait_sock() {
	local i
	for i in $(seq 1 100); do
		[ -S "$SOCK" ] && return 0
		sleep 0.05
	done
	echo "run_b.sh: memif socket $SOCK did not appear" >&2
	return 1
}

# json_get FILE PREFIX EXPR: the python expression on the JSON after PREFIX.
json_get() {
	$PY - "$1" "$2" "$3" <<'EOF'
import json, sys
path, prefix, expr = sys.argv[1:4]
d = None
for line in open(path, errors="replace"):
    if line.startswith(prefix):
        d = json.loads(line[len(prefix):])
if d is None:
    sys.exit(1)
print(eval(expr, {"d": d}))
EOF
}

# sockperf's "percentile 50.000 = X" lines (us) and Valid Duration counters.
sockperf_get() {
	$PY - "$1" "$2" <<'EOF'
import re, sys
text = re.sub(r"\x1b\[[0-9;]*m", "", open(sys.argv[1], errors="replace").read())
what = sys.argv[2]
if what.startswith("pct"):
    m = re.search(r"percentile %s\s*=\s*([0-9.]+)" % re.escape(what[3:]), text)
    print(float(m.group(1)) * 1000.0)
elif what == "avg":
    print(float(re.search(r"avg-latency=([0-9.]+)", text).group(1)) * 1000.0)
elif what == "pps":
    m = re.search(r"\[Valid Duration\] RunTime=([0-9.]+) sec; SentMessages=(\d+); "
                  r"ReceivedMessages=(\d+)", text)
    print(int(m.group(3)) / float(m.group(1)))
elif what == "sent_pps":
    m = re.search(r"\[Valid Duration\] RunTime=([0-9.]+) sec; SentMessages=(\d+); "
                  r"ReceivedMessages=(\d+)", text)
    print(int(m.group(2)) / float(m.group(1)))
EOF
}

start_bg() { # LOG CMD...: start in the background, PID in BG
	local log=$1
	shift
	"$@" >"$log" 2>&1 &
	BG=$!
	PIDS+=("$BG")
}

stop_bg() {
	kill -TERM "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}

# berth_echo_pair TAG LOG LOAD_ARGS...: berth-echo (lcore 0) and berth-load
# (lcore 1) on a fresh memif link. net_memif unmaps the shared rings when
# the peer leaves, under a side that still polls (SIGSEGV in
# rte_eth_rx_burst), so they leave in turn: berth-load (--wait-stop) reports
# and stops polling ("idle"), then berth-echo stops and closes its port,
# then berth-load closes its own. A side that does not end cleanly is said.
berth_echo_pair() {
	local tag=$1 log=$2 epid lpid rc=0
	shift 2
	rm -f "$SOCK"
	start_bg "${log%.log}_echo.log" "$ECHO" -l 0 "${EAL_COMMON[@]}" \
		--file-prefix="$TAG-s$tag" "$(vdev server)" -- --ip 198.18.0.1/24
	epid=$BG
	wait_sock || { stop_bg "$epid"; return 0; }
	start_bg "$log" "$LOAD" -l 1 "${EAL_COMMON[@]}" --file-prefix="$TAG-c$tag" \
		"$(vdev client)" -- --ip 198.18.0.2/24 --connect 198.18.0.1:7 --quiet \
		--wait-stop "$@"
	lpid=$BG
	for _ in $(seq $(((${SECS%.*} + 30) * 20))); do
		grep -q '^berth-load: idle' "$log" && break
		kill -0 "$lpid" 2>/dev/null || break
		sleep 0.05
	done
	kill -TERM "$epid" 2>/dev/null || true
	wait "$epid" || rc=$?
	[ "$rc" -eq 0 ] || echo "    stack/b: berth-echo ended with status $rc (${log%.log}_echo.log)"
	rc=0
	kill -TERM "$lpid" 2>/dev/null || true
	wait "$lpid" || rc=$?
	# 1: errors, which the result reports; more: a signal.
	[ "$rc" -le 1 ] || echo "    stack/b: berth-load ended with status $rc ($log)"
}

echo "    stack/b: $REPS repetitions of ${SECS} s runs; idle memory at $IDLE_CONNS connections"

# ---- Linux: a fresh namespace, lo at MTU 1500, sockperf servers on core 0 ----
ip netns add "$NS"
ip netns exec "$NS" ip link set lo mtu 1500 up
ip netns exec "$NS" ip addr add 198.18.0.1/32 dev lo
start_bg "$LOGS/sockperf_sr_tcp.log" ip netns exec "$NS" taskset -c 0 \
	sockperf sr --tcp -i 198.18.0.1 -p 11111
SR_TCP=$BG
start_bg "$LOGS/sockperf_sr_udp.log" ip netns exec "$NS" taskset -c 0 \
	sockperf sr -i 198.18.0.1 -p 11112
SR_UDP=$BG
sleep 0.5

echo "rep,system,p50_ns,p99_ns,mean_ns,samples" >"$OUT/stack_b_rtt.csv"
echo "rep,system,echoes_per_s,sent_per_s,lost,window" >"$OUT/stack_b_udp.csv"
echo "rep,pps,frame_bytes,window,lost" >"$OUT/stack_b_raw.csv"

for rep in $(seq 1 "$REPS"); do
	# berth: an echo server (TCP and UDP) for each client, each pair on its own link.
	log=$LOGS/berth_rtt_$rep.log
	berth_echo_pair "t$rep" "$log" --mode echo --size 64 --connections 1 --duration "$SECS"
	if v=$(json_get "$log" "result-json: " \
		'"%s,%s,%s,%s" % (d["latency_ns"]["p50"], d["latency_ns"]["p99"], d["latency_ns"]["mean"], d["latency_ns"]["samples"])'); then
		echo "$rep,berth,$v" >>"$OUT/stack_b_rtt.csv"
	else
		echo "    stack/b: berth round trip, repetition $rep: no result (see $log)"
	fi
	log=$LOGS/berth_udp_$rep.log
	berth_echo_pair "u$rep" "$log" --mode udp --size 64 --window "$UDP_WINDOW" \
		--duration "$SECS"
	if v=$(json_get "$log" "result-json: " \
		'"%.1f,%.1f,%d,%d" % (d["pps"], d["sent"] / d["duration_s"], d["lost"], d["window"])'); then
		echo "$rep,berth,$v" >>"$OUT/stack_b_udp.csv"
	else
		echo "    stack/b: berth UDP, repetition $rep: no result (see $log)"
	fi

	# Linux, the same workloads, seconds later.
	log=$LOGS/linux_rtt_$rep.log
	ip netns exec "$NS" taskset -c 1 sockperf pp --tcp -i 198.18.0.1 -p 11111 -m 64 \
		-t "$SECS" >"$log" 2>&1 || true
	if p50=$(sockperf_get "$log" pct50.000) && p99=$(sockperf_get "$log" pct99.000) &&
		avg=$(sockperf_get "$log" avg); then
		n=$(sed 's/\x1b\[[0-9;]*m//g' "$log" | sed -n 's/.*Total \([0-9]*\) observations.*/\1/p')
		echo "$rep,linux,$p50,$p99,$avg,${n:-0}" >>"$OUT/stack_b_rtt.csv"
	else
		echo "    stack/b: Linux round trip, repetition $rep: no result (see $log)"
	fi
	log=$LOGS/linux_udp_$rep.log
	ip netns exec "$NS" taskset -c 1 sockperf ul -i 198.18.0.1 -p 11112 -m 64 \
		--mps=max --reply-every=1 -t "$SECS" >"$log" 2>&1 || true
	if pps=$(sockperf_get "$log" pps) && spps=$(sockperf_get "$log" sent_pps); then
		echo "$rep,linux,$pps,$spps,0,0" >>"$OUT/stack_b_udp.csv"
	else
		echo "    stack/b: Linux UDP, repetition $rep: no result (see $log)"
	fi

	# Raw ceiling: the same memif and EAL settings, no stack.
	rm -f "$SOCK"
	start_bg "$LOGS/fwd_refl_$rep.log" "$FWD" -l 0 "${EAL_COMMON[@]}" \
		--file-prefix="$TAG-r$rep" "$(vdev server)" -- --role refl --duration 30
	RPID=$BG
	wait_sock
	log=$LOGS/fwd_gen_$rep.log
	"$FWD" -l 1 "${EAL_COMMON[@]}" --file-prefix="$TAG-g$rep" "$(vdev client)" -- \
		--role gen --duration "$SECS" --window 512 --size 64 >"$log" 2>&1 || true
	stop_bg "$RPID"
	if v=$(json_get "$log" "fwd-json: " '"%.1f,%d,%d,%d" % (d["pps"], d["frame_bytes"], d["window"], d["lost"])'); then
		echo "$rep,$v" >>"$OUT/stack_b_raw.csv"
	else
		echo "    stack/b: raw ceiling, repetition $rep: no result (see $log)"
	fi
	echo "    stack/b: repetition $rep of $REPS done"
done
stop_bg "$SR_TCP"
stop_bg "$SR_UDP"

# ---- memory of idle connections and TIME-WAIT entries (one run, not a timing) ----
# bench_idle holds both ends (client and server stacks) in one process: about
# 4 KiB of EAL memory per connection. Take what the machine has free now.
avail_mb=$(awk '/^MemAvailable:/ { print int($2 / 1024) }' /proc/meminfo)
n=$IDLE_CONNS
while [ "$n" -gt 10000 ] && [ $((1024 + n * 4096 / 1048576 + 2048)) -gt "$avail_mb" ]; do
	n=$((n / 2))
done
echo "connections,tcb_bytes,conn_slot_bytes,sock_slot_bytes,mbuf_bytes,established_bytes,time_wait_bytes,tw_heap_change_bytes,server_fixed_bytes,seconds" >"$OUT/stack_b_idle.csv"
log=$LOGS/idle.log
if "$IDLE" --conns "$n" >"$log" 2>&1; then
	json_get "$log" "idle-json: " \
		'",".join(str(d[k]) for k in ("connections", "tcb_bytes", "conn_slot_bytes", "sock_slot_bytes", "mbuf_bytes", "established_bytes", "time_wait_bytes", "tw_heap_change_bytes", "server_fixed_bytes", "seconds"))' \
		>>"$OUT/stack_b_idle.csv"
else
	echo "    stack/b: idle connections at $n: failed (see $log)"
fi
"$TCBSZ" >"$LOGS/tcb_size.log" 2>&1 || true
if command -v gdb >/dev/null; then
	gdb -batch -ex 'ptype /o struct tcb' "$TCBSZ" >"$OUT/stack_b_tcb_layout.txt" 2>/dev/null || true
fi

$PY "$HERE/b/report_b.py" "$OUT" "$IDLE_CONNS" "$UDP_WINDOW" "$SECS"
