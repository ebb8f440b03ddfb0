#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# TCP echo in bulk: a Linux client sends 100 MiB to berth-echo while it
# reads the echo back; SHA-256 of what came back equals what was sent
# (tcp_bulk.py). Prints the throughput. TCP_BULK_MB=N changes the size.
# Then back-pressure: a client that stops reading is held back by TCP's
# windows while berth keeps no more than its socket buffers (--stall).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
it_init tcp_echo_bulk
it_up
it_start_echo
it_host "$IT_PY" "$IT_DIR_SRC/tcp_bulk.py" --pid "$IT_PID" --log "$IT_LOG" \
	--mb "${TCP_BULK_MB:-100}" || it_fail "TCP bulk echo failed"
echo "== a client that stops reading"
it_host "$IT_PY" "$IT_DIR_SRC/tcp_bulk.py" --pid "$IT_PID" --log "$IT_LOG" \
	--mb 32 --stall || it_fail "TCP echo with back-pressure failed"
# The connection is over on both sides: nothing left in berth's table.
it_host "$IT_PY" "$IT_DIR_SRC/tcp_conns.py" --pid "$IT_PID" --log "$IT_LOG" \
	--wait-empty 10 || it_fail "connections left after the echo"
it_stop_echo
it_pass
