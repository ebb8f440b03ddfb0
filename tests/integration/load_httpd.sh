#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# berth against berth: berth-load on the host's end of the veth (the Linux
# address taken away) against berth-httpd in the stack namespace, each
# busy-polling a CPU of its own.
# 1. keepalive, 20 connections, 3 s: a non-zero rate, no error.
# 2. close, 20 connections from 4 source addresses, 3 s: a non-zero
#    connections/s, no error, connections round robin over the addresses;
#    berth-httpd counted at least as many passive opens as berth-load
#    opened connections.
# 3. HEAD in HTTP/1.0 with keep-alive asked for: no error.
# Rates are only required to be non-zero: the machine is shared.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
it_init load_httpd ss
[ "$("$IT_PY" -c 'import os; print(len(os.sched_getaffinity(0)))')" -ge 2 ] ||
	it_skip "needs two CPUs: berth-httpd and berth-load each busy-poll one"
BERTH_HTTPD=${BERTH_HTTPD:-$IT_ROOT/build/apps/berth-httpd}
[ -x "$BERTH_HTTPD" ] || it_skip "berth-httpd not built: $BERTH_HTTPD"
it_up
S=$TESTNET_STACK_IP
H=$TESTNET_HOST_IP
CHECK=("$IT_PY" "$IT_DIR_SRC/load_check.py")
root=$IT_TMP/root
mkdir -p "$root"
head -c 4096 /dev/zero | tr '\0' 'c' >"$root/index.html"
it_start_httpd --root "$root" --port 8080

echo "== 1. keepalive, 20 connections, 3 s against berth-httpd"
it_load_host "$IT_TMP/l1.log" --connect "$S:8080" --mode keepalive --connections 20 \
	--duration 3 || it_fail "berth-load reported errors or no request"
"${CHECK[@]}" result "$IT_TMP/l1.log" --min-requests 20 --errors 0 || it_fail "keepalive run"

echo "== 2. close, 20 connections from 4 source addresses, 3 s against berth-httpd"
c0=$(it_counters)
# .1 (berth-load's own) and three more; .2 is berth-httpd's.
it_load_host "$IT_TMP/l2.log" --connect "$S:8080" --mode close --connections 20 \
	--duration 3 --src "$H" --src "${H%.*}.11" --src "${H%.*}.12" --src "${H%.*}.13" ||
	it_fail "berth-load reported errors or no request"
"${CHECK[@]}" result "$IT_TMP/l2.log" --min-requests 20 --min-conns 20 --errors 0 \
	--sources 4 --even || it_fail "close run"
c1=$(it_counters)
opens=$(($(it_httpd_counter "$c1" stack tcp_passive_opens) -
	$(it_httpd_counter "$c0" stack tcp_passive_opens)))
opened=$("${CHECK[@]}" field "$IT_TMP/l2.log" conns_opened)
echo "  berth-httpd: $opens passive opens; berth-load opened $opened connections"
[ "$opens" -ge "$opened" ] || it_fail "berth-httpd saw fewer connections than berth-load opened"

echo "== 3. HEAD, HTTP/1.0 with keep-alive, 3 s"
it_load_host "$IT_TMP/l3.log" --connect "$S:8080" --request "HEAD / HTTP/1.0" \
	--connections 5 --duration 3 --host "$S" ||
	it_fail "berth-load reported errors or no request"
"${CHECK[@]}" result "$IT_TMP/l3.log" --min-requests 5 --errors 0 || it_fail "HEAD run"
it_stop_httpd
echo "  berth-load ran from $H"
it_pass
