#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# berth's active opens (berth-connect) to a Linux echo server in the host
# namespace (tcp_server.py), checked by tcp_connect_check.py:
# 1. 50 connections over 5 server ports, 1000 bytes echoed on each, berth
#    closes first: every one succeeds; the source ports are in the
#    ephemeral range, the ones Linux saw, spread (RFC 6056 Algorithm 4
#    starts each destination at its own offset); each close leaves a
#    TIME-WAIT entry on berth's side, listed, gone after 2*MSL (MSL 1 s);
#    Linux, which closed second, keeps none.
# 2. 20 connections with Algorithm 1 (random): the ports are not sequential.
# 3. 10 connections whose server closes first: berth keeps no TIME-WAIT,
#    Linux keeps one per connection.
# 4. 100 connections, 25 at a time, 256 KiB echoed on each: data both ways
#    from the active side, many connections open at once.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
it_init tcp_active_open ss
it_up
H=$TESTNET_HOST_IP
S=$TESTNET_STACK_IP

# it_server NAME ARG...: a tcp_server.py in the host namespace, ready.
it_server() {
	local name=$1 i
	shift
	it_host_bg "$IT_PY" "$IT_DIR_SRC/tcp_server.py" --addr "$H" \
		--ready "$IT_TMP/$name.ready" --log "$IT_TMP/$name.log" "$@"
	for ((i = 0; i < 100; i++)); do
		[ -s "$IT_TMP/$name.ready" ] && return 0
		sleep 0.1
	done
	it_fail "tcp_server.py $name did not start"
}

# Linux's TIME-WAIT sockets whose local port is in $1..$2.
linux_time_wait() {
	it_host ss -Htan state time-wait "( sport >= :$1 and sport <= :$2 )" | wc -l
}

it_server echo --port 5001 --port 5002 --port 5003 --port 5004 --port 5005
it_server first --port 5006 --close-after 1000

echo "== 1. 50 active opens over 5 destinations, berth closes first (MSL 1 s)"
it_connect "$IT_TMP/c1.log" --connect "$H:5001" --connect "$H:5002" --connect "$H:5003" \
	--connect "$H:5004" --connect "$H:5005" --count 50 --bytes 1000 --close-first \
	--wait-time-wait --tcp-msl-ms 1000 --timeout 30 || it_fail "berth-connect failed"
"$IT_PY" "$IT_DIR_SRC/tcp_connect_check.py" ports --log "$IT_TMP/c1.log" --count 50 \
	--server-log "$IT_TMP/echo.log" --stack-ip "$S" --dests 5 --spread ||
	it_fail "ephemeral ports"
"$IT_PY" "$IT_DIR_SRC/tcp_connect_check.py" time-wait --log "$IT_TMP/c1.log" --count 50 ||
	it_fail "TIME-WAIT after active close"
n=$(linux_time_wait 5001 5005)
echo "  Linux, which closed second, has $n TIME-WAIT sockets on ports 5001-5005"
[ "$n" -eq 0 ] || it_fail "Linux kept TIME-WAIT though berth closed first"

echo "== 2. 20 active opens with RFC 6056 Algorithm 1 (simple port randomization)"
: >"$IT_TMP/echo.log"
it_connect "$IT_TMP/c2.log" --connect "$H:5001" --count 20 --bytes 100 --close-first \
	--tcp-port-alg 1 --timeout 30 || it_fail "berth-connect failed"
"$IT_PY" "$IT_DIR_SRC/tcp_connect_check.py" ports --log "$IT_TMP/c2.log" --count 20 \
	--server-log "$IT_TMP/echo.log" --stack-ip "$S" --random || it_fail "ephemeral ports"

echo "== 3. 10 active opens, the Linux server closes first"
it_connect "$IT_TMP/c3.log" --connect "$H:5006" --count 10 --bytes 1000 \
	--wait-time-wait --tcp-msl-ms 1000 --timeout 30 || it_fail "berth-connect failed"
"$IT_PY" "$IT_DIR_SRC/tcp_connect_check.py" no-time-wait --log "$IT_TMP/c3.log" \
	--count 10 || it_fail "TIME-WAIT on the passive side"
n=$(linux_time_wait 5006 5006)
echo "  Linux, which closed first, has $n TIME-WAIT sockets on port 5006"
[ "$n" -ge 10 ] || it_fail "Linux should keep a TIME-WAIT socket per connection"

echo "== 4. 100 active opens, 25 at a time, 256 KiB echoed on each"
: >"$IT_TMP/echo.log"
it_connect "$IT_TMP/c4.log" --connect "$H:5001" --connect "$H:5002" --count 100 \
	--parallel 25 --bytes 262144 --close-first --timeout 60 || it_fail "berth-connect failed"
"$IT_PY" "$IT_DIR_SRC/tcp_connect_check.py" ports --log "$IT_TMP/c4.log" --count 100 \
	--server-log "$IT_TMP/echo.log" --stack-ip "$S" --dests 2 || it_fail "ephemeral ports"
it_pass
