#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# UDP to a closed port: ICMP port unreachable reaches the Linux socket as
# ECONNREFUSED (udp_refused.py).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
it_init udp_refused
it_up
it_start_echo
it_host "$IT_PY" "$IT_DIR_SRC/udp_refused.py" --pid "$IT_PID" --log "$IT_LOG" ||
	it_fail "ECONNREFUSED check failed"
it_stop_echo
it_pass
