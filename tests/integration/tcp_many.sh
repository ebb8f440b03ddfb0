#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# 200 Linux connections to berth-echo at once, each echoing a few KiB
# (tcp_many.py); afterwards no connection is left in berth's table but the
# listener (TIME-WAIT entries, if any, are counted and must expire too:
# berth-echo runs with a short MSL). Then 60 connections to a berth-echo
# with descriptors for 6: the others wait in the accept queue and are
# served as descriptors free up.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
it_init tcp_many
it_up
it_start_echo --tcp-msl-ms 1000
it_host "$IT_PY" "$IT_DIR_SRC/tcp_many.py" --pid "$IT_PID" --log "$IT_LOG" \
	--conns 200 --bytes 4096 || it_fail "many TCP connections failed"
it_host "$IT_PY" "$IT_DIR_SRC/tcp_conns.py" --pid "$IT_PID" --log "$IT_LOG" \
	--wait-empty 15 || it_fail "connections left after the clients closed"
it_stop_echo
# berth-echo's own count: every connection ended cleanly (EOF, echo, close).
closed=$(awk '$1 == "tcp_echo_closed" { v = $2 } END { print v + 0 }' "$IT_LOG")
aborted=$(awk '$1 == "tcp_echo_aborted" { v = $2 } END { print v + 0 }' "$IT_LOG")
echo "  berth-echo: $closed connections closed cleanly, $aborted aborted"
if [ "$closed" -ne 200 ] || [ "$aborted" -ne 0 ]; then
	it_fail "expected 200 clean closes and no abort"
fi

echo "== 60 connections, descriptors for 6 (--max-sockets 8: UDP, listener, 6)"
it_start_echo --tcp-msl-ms 1000 --max-sockets 8
it_host "$IT_PY" "$IT_DIR_SRC/tcp_many.py" --pid "$IT_PID" --log "$IT_LOG" \
	--conns 60 --bytes 4096 --independent --timeout 30 ||
	it_fail "connections beyond the descriptors failed"
it_host "$IT_PY" "$IT_DIR_SRC/tcp_conns.py" --pid "$IT_PID" --log "$IT_LOG" \
	--wait-empty 15 || it_fail "connections left after the clients closed"
it_stop_echo
closed=$(awk '$1 == "tcp_echo_closed" { v = $2 } END { print v + 0 }' "$IT_LOG")
echo "  berth-echo: $closed connections closed cleanly"
[ "$closed" -eq 60 ] || it_fail "expected 60 clean closes"
it_pass
