#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# bench/stack: berth against the Linux kernel on the same two cores, server
# on core 0, client on core 1. Called by bench/run as: run.sh BUILD_DIR
# OUT_DIR [--smoke]. As root.
#
#   HTTP keep-alive, small page, 100 connections   requests/s
#   HTTP Connection: close, 100 at once            connections/s
#   one TCP flow, bulk                             Gbit/s
#
# berth: two processes, berth-httpd (EAL -l 0) and berth-load (EAL -l 1),
# one stack each, joined by net_memif (shared memory, the frames copied
# once each way; no hugepages needed). Linux: a fresh network namespace per
# run, loopback up with MTU 1500, nginx (one worker) or iperf3 -s pinned to
# core 0, wrk -t1 or iperf3 -c pinned to core 1 (http.sh, bulk.sh).
#
# Every workload runs STACK_REPS times (default 5) for STACK_SECS seconds
# each (default 3), berth and Linux in turn (which goes first alternates),
# each run from scratch (new processes, new namespace, no TIME-WAIT left
# from the run before). Written to OUT_DIR:
#   stack.csv   one row per repetition: both figures, their ratio, errors,
#               the load average when it ran
#   stack.png   medians with min and max, log scale (plot.py)
#   stack.md    the table, the ratios and the goals (plot.py), then the
#               rows of the second half of bench/stack (stack_b.md)
#   stack-logs/ what every program printed
#
# --smoke: one repetition of one second with a 32 MB file, for `make test`
# (suite bench): checks that each workload still runs and gives a figure
# and no error, never a timing. Exit 77 (skipped) when not root, or when
# berth's pair does not come up on net_memif here.
set -euo pipefail
PATH=$PATH:/usr/sbin:/sbin
DIR=$(cd "$(dirname "$0")" && pwd)
BUILD=${1:?usage: run.sh BUILD_DIR OUT_DIR [--smoke]}
OUT=${2:?usage: run.sh BUILD_DIR OUT_DIR [--smoke]}
SMOKE=0
[ "${3:-}" = --smoke ] && SMOKE=1
case $BUILD in /*) ;; *) BUILD=$PWD/$BUILD ;; esac

REPS=${STACK_REPS:-5}
SECS=${STACK_SECS:-3}
BULK_MB=${STACK_BULK_MB:-256}
if [ $SMOKE -eq 1 ]; then
	REPS=1 SECS=1 BULK_MB=32
fi
CORE_SRV=0
CORE_CLI=1
ADDR_SRV=198.18.0.1
ADDR_CLI=198.18.0.2
HTTPD=$BUILD/apps/berth-httpd
LOAD=$BUILD/apps/berth-load
WORKLOADS=(keepalive close bulk)

skip() {
	echo "bench/stack: skipped: $*"
	exit 77
}

if [ "$(id -u)" -ne 0 ]; then
	[ $SMOKE -eq 1 ] && skip "needs root (network namespaces, DPDK)"
	echo "bench/stack: needs root" >&2
	exit 1
fi
for b in "$HTTPD" "$LOAD"; do
	[ -x "$b" ] || { echo "bench/stack: $b not built" >&2; exit 1; }
done
if [ "$(nproc)" -lt 2 ]; then
	[ $SMOKE -eq 1 ] && skip "needs two cores"
	echo "bench/stack: needs two cores" >&2
	exit 1
fi

mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
WORK=$(mktemp -d /tmp/berth-bench-stack.XXXXXX)
LOGS=$OUT/stack-logs
mkdir -p "$LOGS" "$WORK/www"
# nginx's worker runs as an unprivileged user: it must reach the page.
chmod 755 "$WORK"
: >"$WORK/pids"
: >"$WORK/netns"

# Everything this script started, by PID, and every namespace it made.
cleanup() {
	local p n
	while read -r p; do
		kill -KILL "$p" 2>/dev/null || true
	done <"$WORK/pids"
	while read -r n; do
		ip netns del "$n" 2>/dev/null || true
	done <"$WORK/netns"
	rm -rf "/var/run/dpdk/bs$$-"* "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The JSON fields a workload reports, from berth-load's result-json line:
# "rps errors" for HTTP, "gbits errors" for bulk.
json_get() {
	/usr/bin/python3 -c 'import json, sys
j = json.loads(sys.argv[1])
if sys.argv[2] == "bulk":
    v = j["rx_bytes"] * 8 / j["duration_s"] / 1e9
else:
    v = j[sys.argv[2]]
print(v, j["errors"])' "$1" "$2"
}

# stop_wait PID: SIGTERM, up to 5 s for the exit, then SIGKILL; its exit
# status in STOP_RC (not printed: wait needs this shell, not a subshell).
stop_wait() {
	local pid=$1
	STOP_RC=0
	kill -TERM "$pid" 2>/dev/null || true
	for _ in $(seq 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" || STOP_RC=$?
}

# berth_pair NAME HTTPD_ARGS LOAD_ARGS: berth-httpd on core 0 and berth-load
# on core 1 joined by net_memif; prints berth-load's result-json object.
# net_memif unmaps the shared rings when the peer leaves, under a side that
# still polls (SIGSEGV in rte_eth_rx_burst), so the two leave in turn:
# berth-load (--wait-stop) measures, reports, closes its connections and
# stops polling ("idle"); then berth-httpd stops polling and closes its
# port; then berth-load closes its own. Fails when a side does not come up,
# berth-load prints no result or does not reach idle, or either side does
# not end cleanly (a crash is a failure, not a figure).
berth_pair() {
	local name=$1 sargs=$2 largs=$3 sock=$WORK/$1.sock spid lpid rc lrc i json
	local eal=(--no-huge -m 512 --no-pci --log-level=lib.eal:warning)
	local llog=$LOGS/$name-load.log
	# shellcheck disable=SC2086
	"$HTTPD" "${eal[@]}" --file-prefix="bs$$-$name-s" -l "$CORE_SRV" \
		--vdev="net_memif0,role=server,socket=$sock,socket-abstract=no" -- \
		--ip "$ADDR_SRV/24" --port 80 $sargs >"$LOGS/$name-httpd.log" 2>&1 &
	spid=$!
	echo "$spid" >>"$WORK/pids"
	for i in $(seq 100); do
		[ -S "$sock" ] && break
		kill -0 "$spid" 2>/dev/null || break
		sleep 0.05
	done
	if [ ! -S "$sock" ]; then
		echo "bench/stack: berth-httpd did not open $sock (see $LOGS/$name-httpd.log)" >&2
		kill -KILL "$spid" 2>/dev/null || true
		wait "$spid" 2>/dev/null || true
		return 1
	fi
	# shellcheck disable=SC2086
	"$LOAD" "${eal[@]}" --file-prefix="bs$$-$name-c" -l "$CORE_CLI" \
		--vdev="net_memif0,role=client,socket=$sock,socket-abstract=no" -- \
		--ip "$ADDR_CLI/24" --connect "$ADDR_SRV:80" --quiet --wait-stop $largs \
		>"$llog" 2>&1 &
	lpid=$!
	echo "$lpid" >>"$WORK/pids"
	for _ in $(seq $(((${SECS%.*} + 30) * 20))); do
		grep -q '^berth-load: idle' "$llog" && break
		kill -0 "$lpid" 2>/dev/null || break
		sleep 0.05
	done
	if ! grep -q '^berth-load: idle' "$llog"; then
		echo "bench/stack: berth-load did not finish (see $llog)" >&2
		stop_wait "$lpid"
		stop_wait "$spid"
		rm -rf "/var/run/dpdk/bs$$-$name-"*
		return 1
	fi
	stop_wait "$spid"
	rc=$STOP_RC
	stop_wait "$lpid"
	lrc=$STOP_RC
	rm -rf "/var/run/dpdk/bs$$-$name-"*
	json=$(sed -n 's/^result-json: //p' "$llog")
	if [ -z "$json" ]; then
		echo "bench/stack: berth-load gave no result (see $llog)" >&2
		return 1
	fi
	if [ "$rc" -ne 0 ]; then
		echo "bench/stack: berth-httpd ended with status $rc (see $LOGS/$name-httpd.log)" >&2
		return 1
	fi
	# 1: it counted errors, which the result reports; more: a signal.
	if [ "$lrc" -gt 1 ]; then
		echo "bench/stack: berth-load ended with status $lrc (see $llog)" >&2
		return 1
	fi
	echo "$json"
}

# A fresh namespace with loopback up at MTU 1500 and the server's address.
NETNS_SEQ=0
linux_netns_up() {
	local ns=berth-bench-$$-$NETNS_SEQ-$RANDOM
	echo "$ns" >>"$WORK/netns"
	ip netns add "$ns" &&
		ip -n "$ns" link set lo mtu 1500 up &&
		ip -n "$ns" addr add "$ADDR_SRV/24" dev lo || return 1
	echo "$ns"
}

linux_netns_down() {
	ip netns del "$1" 2>/dev/null || true
}

# shellcheck source=bench/stack/http.sh
. "$DIR/http.sh"
# shellcheck source=bench/stack/bulk.sh
. "$DIR/bulk.sh"

LINUX=1
for t in nginx wrk iperf3 taskset; do
	if ! command -v $t >/dev/null; then
		[ $SMOKE -eq 1 ] || { echo "bench/stack: $t is missing (scripts/deps --with-bench)" >&2; exit 1; }
		echo "bench/stack: $t missing: Linux side not run in the smoke test"
		LINUX=0
	fi
done

http_page "$WORK/www"
bulk_file "$WORK/www"

# The smoke test's question first: does the pair come up on memif here?
if [ $SMOKE -eq 1 ] && ! berth_pair probe "" "--connections 1 --duration 0.2" >/dev/null; then
	# The reason is printed above: a side did not come up or did not end
	# cleanly.
	skip "the berth-httpd and berth-load probe on net_memif did not complete cleanly (reason above; $LOGS/probe-*.log)"
fi

# run_side SIDE WORKLOAD REP: "value errors", or "nan 0" when it failed.
run_side() {
	local side=$1 wl=$2 rep=$3 r
	case $side-$wl in
	berth-keepalive) r=$(http_berth keepalive "$rep") ;;
	berth-close) r=$(http_berth close "$rep") ;;
	berth-bulk) r=$(bulk_berth "$rep") ;;
	linux-keepalive) r=$(http_linux keepalive "$rep") ;;
	linux-close) r=$(http_linux close "$rep") ;;
	linux-bulk) r=$(bulk_linux "$rep") ;;
	esac || r="nan 0"
	echo "$r"
}

CSV=$OUT/stack.csv
echo "workload,unit,rep,berth,linux,ratio,berth_errors,linux_errors,loadavg" >"$CSV"
fail=0
for rep in $(seq "$REPS"); do
	for wl in "${WORKLOADS[@]}"; do
		case $wl in bulk) unit=Gbit/s ;; close) unit=conn/s ;; *) unit=req/s ;; esac
		load=$(cut -d' ' -f1 /proc/loadavg)
		lx="nan 0"
		if [ $((rep % 2)) -eq 1 ]; then
			bx=$(run_side berth "$wl" "$rep")
			[ $LINUX -eq 1 ] && lx=$(run_side linux "$wl" "$rep")
		else
			[ $LINUX -eq 1 ] && lx=$(run_side linux "$wl" "$rep")
			bx=$(run_side berth "$wl" "$rep")
		fi
		read -r bv be <<<"$bx"
		read -r lv le <<<"$lx"
		ratio=$(awk -v b="$bv" -v l="$lv" 'BEGIN {
			if (b == "nan" || l == "nan" || l + 0 == 0) print "nan"; else printf "%.3f", b / l }')
		printf '%s,%s,%s,%s,%s,%s,%s,%s,%s\n' "$wl" "$unit" "$rep" "$bv" "$lv" "$ratio" \
			"$be" "$le" "$load" >>"$CSV"
		printf '    %-9s rep %d: berth %12s  Linux %12s  %s  ratio %s  (errors %s / %s)\n' \
			"$wl" "$rep" "$bv" "$lv" "$unit" "$ratio" "$be" "$le"
		if [ "$bv" = nan ] || { [ $LINUX -eq 1 ] && [ "$lv" = nan ]; }; then
			fail=1
		fi
		if [ $SMOKE -eq 1 ] && [ "$be" != 0 ]; then
			echo "bench/stack: berth $wl had $be errors" >&2
			fail=1
		fi
	done
done

if [ $SMOKE -eq 0 ]; then
	# The second half of bench/stack (request/response, UDP, idle
	# connections, forwarding) writes its rows to OUT/stack_b.md.
	set +e
	[ -f "$DIR/run_b.sh" ] && bash "$DIR/run_b.sh" "$BUILD" "$OUT"
	set -e
fi

/usr/bin/python3 "$DIR/plot.py" "$CSV" "$OUT/stack.md" "$OUT/stack.png" ||
	{ echo "bench/stack: plot.py failed" >&2; fail=1; }
if [ -f "$OUT/stack_b.md" ]; then
	{ echo; cat "$OUT/stack_b.md"; } >>"$OUT/stack.md"
fi
if [ $SMOKE -eq 1 ]; then
	[ -s "$OUT/stack.md" ] || fail=1
	[ $fail -eq 0 ] && echo "bench/stack: smoke run passed"
else
	echo "    bench/stack: $OUT/stack.md"
fi
exit $fail
