#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# RST to a SYN for a closed port, both ways: berth-connect's connect to a
# Linux port nobody listens on ends with ECONNREFUSED, and a Linux connect
# to berth-echo's closed port 9 ends with ECONNREFUSED (tcp_refused.py).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
it_init tcp_refused
it_up
echo "== berth connects to a closed Linux port"
rc=0
it_connect "$IT_TMP/c.log" --connect "$TESTNET_HOST_IP:9" --count 1 --timeout 20 || rc=$?
[ "$rc" -eq 1 ] || it_fail "berth-connect exited with $rc, expected 1 (refused)"
grep -q 'to [0-9.]*:9: connect: Connection refused$' "$IT_TMP/c.log" ||
	it_fail "berth-connect did not report ECONNREFUSED"
echo "  berth's connect -> ECONNREFUSED"
echo "== Linux connects to a closed berth port"
it_start_echo
it_host "$IT_PY" "$IT_DIR_SRC/tcp_refused.py" --pid "$IT_PID" --log "$IT_LOG" ||
	it_fail "ECONNREFUSED check failed"
it_stop_echo
it_pass
