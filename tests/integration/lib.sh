# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
#
# Helpers shared by the integration tests: a test net of their own
# (scripts/testnet), berth-echo started in its stack namespace on
# net_af_packet, checks run from the Linux host namespace, and cleanup on
# every exit path.
#
#   . "$(dirname "$0")/lib.sh"
#   it_init NAME [TOOL...]   skip (77) unless root and the tools exist
#   it_up                    create the test net (TESTNET_* variables)
#   it_start_echo [ARG...]   start berth-echo, wait for its ready line; on
#                            net_af_packet, or net_pcap if IT_DRIVER=pcap
#   it_host CMD...           run CMD in the host namespace
#   it_counters              print the counters-json object (SIGUSR1)
#   it_stop_echo             SIGTERM (SIGKILL after 10 s); fails unless exit 0
#   it_connect LOG [ARG...]  run berth-connect in the stack namespace (while
#                            berth-echo is not running), output in LOG;
#                            returns its exit status
#   it_host_bg CMD...        start CMD in the host namespace in the
#                            background; killed at cleanup ($! is its PID)
#   it_pass                  report success
#   "$IT_PY" script.py       the Python of the Debian packages (python3-scapy)
#
# Inputs: BERTH_ECHO (the binary; default build/apps/berth-echo),
# BERTH_CONNECT (default build/apps/berth-connect) and BERTH_TESTNET
# (default scripts/testnet), set by tests/integration/meson.build.

set -euo pipefail
# ethtool and ip live in sbin, which a root shell from plain `su` lacks.
PATH=$PATH:/usr/sbin:/sbin

IT_DIR_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
IT_ROOT=$(cd "$IT_DIR_SRC/../.." && pwd)
IT_NAME=
IT_TMP=
IT_PID=
IT_LOG=
IT_PREFIX=
IT_BG_PIDS=()
IT_UP=0
IT_OK=0
IT_PY=python3
# net_af_packet is the normal way. Its PACKET_FANOUT has the kernel
# reassemble IP fragments before the stack sees them (and a datagram over
# ~1940 bytes then no longer fits a ring frame); tests of the stack's own
# reassembly use net_pcap, which hands over frames as they are.
IT_DRIVER=af_packet

it_log() {
	echo "[$(date +%T)] $*"
}

it_skip() {
	echo "SKIP: $*"
	exit 77
}

it_fail() {
	echo "FAIL: $*"
	exit 1
}

it_pass() {
	IT_OK=1
	echo "PASS: $IT_NAME"
	exit 0
}

it_cleanup() {
	local rc=$?
	trap - EXIT INT TERM HUP
	set +e
	if [ -n "$IT_PID" ] && kill -0 "$IT_PID" 2>/dev/null; then
		kill -TERM "$IT_PID" 2>/dev/null
		it_wait_exit 10 || kill -KILL "$IT_PID" 2>/dev/null
		wait "$IT_PID" 2>/dev/null
	fi
	local p
	for p in "${IT_BG_PIDS[@]}"; do
		kill -TERM "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	if [ "$IT_OK" -ne 1 ] && [ -n "$IT_LOG" ] && [ -s "$IT_LOG" ]; then
		echo "---- berth-echo output (last 60 lines, JSON left out) ----"
		grep -v '^counters-json: ' "$IT_LOG" | tail -n 60
		echo "----"
	fi
	[ "$IT_UP" -eq 0 ] || bash "$BERTH_TESTNET" down "$IT_NAME" >/dev/null 2>&1
	# EAL's runtime directory for our unique prefix.
	[ -z "$IT_PREFIX" ] || rm -rf "/var/run/dpdk/$IT_PREFIX"
	[ -z "$IT_NAME" ] || rm -rf "/var/run/dpdk/berth-$IT_NAME-c"
	[ -z "$IT_TMP" ] || rm -rf "$IT_TMP"
	exit "$rc"
}

it_need() {
	local t
	for t in "$@"; do
		command -v "$t" >/dev/null 2>&1 ||
			it_skip "'$t' not installed (run scripts/deps as root)"
	done
}

# A test killed outright (meson's SIGKILL after a timeout) leaves its test
# net behind. Its name ends in the test's PID: remove those whose test is
# gone. Only test nets made by these tests ("it-*") are looked at.
it_reap_stale() {
	local f name pid
	for f in /run/berth-testnet/it-*.env; do
		[ -e "$f" ] || continue
		name=${f##*/}
		name=${name%.env}
		pid=${name##*-}
		[[ $pid =~ ^[0-9]+$ ]] || continue
		kill -0 "$pid" 2>/dev/null && continue
		echo "removing test net $name left by a test that was killed"
		bash "$BERTH_TESTNET" down "$name" >/dev/null 2>&1 || true
		rm -rf "/var/run/dpdk/berth-$name" "/var/run/dpdk/berth-$name-c" /tmp/berth-"$name".*
	done
}

it_init() {
	local test=$1
	shift
	[ "$(id -u)" -eq 0 ] || it_skip "needs root (network namespaces, af_packet)"
	it_need ip ethtool "$@"
	# Debian's python3, which has python3-scapy, even when another python3
	# (pyenv, venv) comes first in PATH.
	IT_PY=${BERTH_PYTHON:-/usr/bin/python3}
	[ -x "$IT_PY" ] || IT_PY=$(command -v python3) || it_skip "python3 not installed"
	BERTH_ECHO=${BERTH_ECHO:-$IT_ROOT/build/apps/berth-echo}
	BERTH_CONNECT=${BERTH_CONNECT:-$IT_ROOT/build/apps/berth-connect}
	BERTH_TESTNET=${BERTH_TESTNET:-$IT_ROOT/scripts/testnet}
	[ -x "$BERTH_ECHO" ] || it_fail "berth-echo not built: $BERTH_ECHO"
	[ -f "$BERTH_TESTNET" ] || it_fail "no $BERTH_TESTNET"
	# Unique per run, short enough for testnet's 32-char limit.
	IT_NAME=it-$test-$$
	it_reap_stale
	IT_TMP=$(mktemp -d "/tmp/berth-$IT_NAME.XXXXXX")
	trap it_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	trap 'exit 129' HUP
	it_log "test $test, test net $IT_NAME"
}

it_up() {
	eval "$(bash "$BERTH_TESTNET" up "$IT_NAME")"
	IT_UP=1
}

it_host() {
	ip netns exec "$TESTNET_HOST_NS" "$@"
}

# Wait up to $1 seconds for berth-echo to exit.
it_wait_exit() {
	local i
	for ((i = 0; i < $1 * 10; i++)); do
		kill -0 "$IT_PID" 2>/dev/null || return 0
		sleep 0.1
	done
	return 1
}

# The highest CPU we may run on: the stack's lcore busy-polls it.
it_lcore() {
	"$IT_PY" -c 'import os; print(max(os.sched_getaffinity(0)))'
}

# shellcheck disable=SC2120 # extra berth-echo options are optional
it_start_echo() {
	local i vdev
	IT_PREFIX=berth-$IT_NAME
	IT_LOG=$IT_TMP/echo.log
	: >"$IT_LOG"
	case $IT_DRIVER in
	af_packet) vdev=net_af_packet0,iface=$TESTNET_STACK_IF,qpairs=1 ;;
	pcap) vdev=net_pcap0,iface=$TESTNET_STACK_IF,phy_mac=1 ;;
	*) it_fail "unknown IT_DRIVER '$IT_DRIVER'" ;;
	esac
	it_log "starting berth-echo on $vdev in $TESTNET_STACK_NS"
	# `ip netns exec` execs the command: $! is berth-echo itself.
	ip netns exec "$TESTNET_STACK_NS" "$BERTH_ECHO" \
		--no-huge -m 512 --no-pci --file-prefix="$IT_PREFIX" -l "$(it_lcore)" \
		--vdev="$vdev" \
		-- --ip "$TESTNET_STACK_IP/$TESTNET_PREFIX" "$@" >"$IT_LOG" 2>&1 </dev/null &
	IT_PID=$!
	for ((i = 0; i < 300; i++)); do
		if grep -q '^berth-echo: ready on ' "$IT_LOG"; then
			it_log "$(grep '^berth-echo: ready on ' "$IT_LOG")"
			return 0
		fi
		kill -0 "$IT_PID" 2>/dev/null || it_fail "berth-echo exited before it was ready"
		sleep 0.1
	done
	it_fail "berth-echo not ready after 30 s"
}

# Print berth-echo's counters as one JSON object: SIGUSR1 makes it dump
# them; the line it adds to its output is the answer.
it_counters() {
	"$IT_PY" "$IT_DIR_SRC/berth_it.py" counters "$IT_PID" "$IT_LOG" ||
		it_fail "could not read berth-echo's counters"
}

# it_counter JSON NAME: one value from an it_counters answer.
it_counter() {
	"$IT_PY" -c 'import json, sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"
}

# it_expect_ge JSON NAME MIN: fail unless counter NAME >= MIN.
it_expect_ge() {
	local v
	v=$(it_counter "$1" "$2")
	[ "$v" -ge "$3" ] || it_fail "counter $2 is $v, expected >= $3"
	echo "  $2 = $v (>= $3)"
}

it_stop_echo() {
	local rc=0
	kill -TERM "$IT_PID"
	if ! it_wait_exit 10; then
		kill -KILL "$IT_PID" 2>/dev/null || true
		wait "$IT_PID" 2>/dev/null || true
		IT_PID=
		it_fail "berth-echo did not stop within 10 s of SIGTERM"
	fi
	wait "$IT_PID" || rc=$?
	IT_PID=
	[ "$rc" -eq 0 ] || it_fail "berth-echo exited with status $rc after SIGTERM"
	grep -q '^counters-json: {' "$IT_LOG" || it_fail "no counters-json line at exit"
	it_log "berth-echo stopped (exit 0)"
}

# it_connect LOG [ARG...]: run berth-connect in the stack namespace with
# ARGs after "--" (--ip is given), within a time limit; its output goes to
# LOG and, counters left out, to ours. Returns berth-connect's exit status.
it_connect() {
	local log=$1 rc=0
	shift
	[ -x "$BERTH_CONNECT" ] || it_fail "berth-connect not built: $BERTH_CONNECT"
	it_log "berth-connect $*"
	timeout -k 5 120 ip netns exec "$TESTNET_STACK_NS" "$BERTH_CONNECT" \
		--no-huge -m 512 --no-pci --file-prefix="berth-$IT_NAME-c" -l "$(it_lcore)" \
		--vdev="net_af_packet0,iface=$TESTNET_STACK_IF,qpairs=1" \
		-- --ip "$TESTNET_STACK_IP/$TESTNET_PREFIX" "$@" >"$log" 2>&1 </dev/null || rc=$?
	# The counters come last; the test reads them from LOG if it needs them.
	sed '/^berth-connect: counters$/,$d' "$log"
	return "$rc"
}

# it_host_bg CMD...: CMD in the host namespace, in the background, stopped
# (SIGTERM) at cleanup. $! is its PID afterwards.
it_host_bg() {
	ip netns exec "$TESTNET_HOST_NS" "$@" &
	IT_BG_PIDS+=("$!")
}

# ---- berth-httpd (tests/integration/httpd_*.sh) ----
#   it_start_httpd [ARG...]  start berth-httpd in the stack namespace on
#                            net_af_packet (IT_PID, IT_LOG as for berth-echo),
#                            wait for its ready line
#   it_stop_httpd            SIGTERM (SIGKILL after 20 s); fails unless it
#                            exits 0 with its counters and no file mapping left
#   it_httpd_py ARG...       run httpd_it.py in the host namespace against it
# BERTH_HTTPD is the binary (default build/apps/berth-httpd), set by
# tests/integration/meson.build. IT_HTTPD_WRAP, if set, is a command
# (e.g. valgrind) berth-httpd runs under.

it_start_httpd() {
	local i
	BERTH_HTTPD=${BERTH_HTTPD:-$IT_ROOT/build/apps/berth-httpd}
	[ -x "$BERTH_HTTPD" ] || it_fail "berth-httpd not built: $BERTH_HTTPD"
	IT_PREFIX=berth-$IT_NAME
	IT_LOG=$IT_TMP/httpd.log
	: >"$IT_LOG"
	it_log "starting berth-httpd $* in $TESTNET_STACK_NS"
	# shellcheck disable=SC2086 # IT_HTTPD_WRAP is a command with its words
	ip netns exec "$TESTNET_STACK_NS" ${IT_HTTPD_WRAP:-} "$BERTH_HTTPD" \
		--no-huge -m 512 --no-pci --file-prefix="$IT_PREFIX" -l "$(it_lcore)" \
		--vdev="net_af_packet0,iface=$TESTNET_STACK_IF,qpairs=1" \
		-- --ip "$TESTNET_STACK_IP/$TESTNET_PREFIX" "$@" >"$IT_LOG" 2>&1 </dev/null &
	IT_PID=$!
	for ((i = 0; i < 1200; i++)); do
		if grep -q '^berth-httpd: ready on ' "$IT_LOG"; then
			it_log "$(grep '^berth-httpd: ready on ' "$IT_LOG")"
			return 0
		fi
		kill -0 "$IT_PID" 2>/dev/null || it_fail "berth-httpd exited before it was ready"
		sleep 0.1
	done
	it_fail "berth-httpd not ready after 120 s"
}

it_stop_httpd() {
	local rc=0 i left
	kill -TERM "$IT_PID"
	for ((i = 0; i < 200; i++)); do
		kill -0 "$IT_PID" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$IT_PID" 2>/dev/null; then
		kill -KILL "$IT_PID" 2>/dev/null || true
		wait "$IT_PID" 2>/dev/null || true
		IT_PID=
		it_fail "berth-httpd did not stop within 20 s of SIGTERM"
	fi
	wait "$IT_PID" || rc=$?
	IT_PID=
	[ "$rc" -eq 0 ] || it_fail "berth-httpd exited with status $rc after SIGTERM"
	grep -q '^counters-json: {' "$IT_LOG" || it_fail "no counters-json line at exit"
	# Every mbuf that pointed into a file came back, so every mapping went.
	left=$(sed -n 's/^berth-httpd: file mappings left at exit: \([0-9]*\)$/\1/p' "$IT_LOG")
	[ -z "$left" ] || [ "$left" -eq 0 ] || it_fail "$left file mappings left at exit"
	it_log "berth-httpd stopped (exit 0)"
}

it_httpd_py() {
	it_host "$IT_PY" "$IT_DIR_SRC/httpd_it.py" --pid "$IT_PID" --log "$IT_LOG" \
		--host "$TESTNET_STACK_IP" "$@"
}

# it_httpd_counter JSON SECTION NAME: one value of berth-httpd's nested
# counters object (SECTION: httpd, files or stack).
it_httpd_counter() {
	"$IT_PY" -c 'import json, sys; print(json.loads(sys.argv[1])[sys.argv[2]][sys.argv[3]])' \
		"$1" "$2" "$3"
}

# ---- berth-load (tests/integration/load_*.sh) ----
#   it_load LOG [ARG...]     run berth-load in the stack namespace with ARGs
#                            after "--" (--ip given), within a time limit;
#                            output in LOG, shown without the counters;
#                            returns its exit status
#   it_load_host LOG [ARG...]
#                            the same on the host's end of the veth, as
#                            $TESTNET_HOST_IP, on another CPU than
#                            it_lcore's: a client of a berth server in the
#                            stack namespace. Takes the host's Linux address
#                            away first (else Linux answers ARP and resets
#                            berth-load's connections)
# BERTH_LOAD is the binary (default build/apps/berth-load), set by
# tests/integration/meson.build.

# it_load_run NS IF ADDR LCORE LOG [ARG...]
it_load_run() {
	local ns=$1 ifc=$2 addr=$3 lcore=$4 log=$5 rc=0
	shift 5
	BERTH_LOAD=${BERTH_LOAD:-$IT_ROOT/build/apps/berth-load}
	[ -x "$BERTH_LOAD" ] || it_fail "berth-load not built: $BERTH_LOAD"
	it_log "berth-load $*"
	timeout -k 5 120 ip netns exec "$ns" "$BERTH_LOAD" \
		--no-huge -m 512 --no-pci --file-prefix="berth-$IT_NAME-c" -l "$lcore" \
		--vdev="net_af_packet0,iface=$ifc,qpairs=1" \
		-- --ip "$addr/$TESTNET_PREFIX" "$@" >"$log" 2>&1 </dev/null || rc=$?
	sed -e '/^berth-load: counters$/,$d' -e '/^EAL: /d' -e '/^TELEMETRY: /d' "$log"
	return "$rc"
}

it_load() {
	local log=$1
	shift
	it_load_run "$TESTNET_STACK_NS" "$TESTNET_STACK_IF" "$TESTNET_STACK_IP" "$(it_lcore)" \
		"$log" "$@"
}

# The lowest CPU we may run on; it_lcore is the highest.
it_lcore_low() {
	"$IT_PY" -c 'import os; print(min(os.sched_getaffinity(0)))'
}

it_load_host() {
	local log=$1
	shift
	it_host ip -4 addr flush dev "$TESTNET_HOST_IF"
	it_load_run "$TESTNET_HOST_NS" "$TESTNET_HOST_IF" "$TESTNET_HOST_IP" "$(it_lcore_low)" \
		"$log" "$@"
}
