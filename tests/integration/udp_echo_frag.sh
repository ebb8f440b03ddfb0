#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# UDP echo of datagrams fragmented both ways, up to the largest berth sends
# (8 fragments at MTU 1500: 11832 bytes). On net_pcap, which hands the
# stack the fragments as they are, so the stack's reassembly is what puts
# them together (udp_echo.py --rx-frags).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
it_init udp_echo_frag
IT_DRIVER=pcap
it_up
it_start_echo
it_host "$IT_PY" "$IT_DIR_SRC/udp_echo.py" --pid "$IT_PID" --log "$IT_LOG" \
	--sizes 1,1473,4000,8000,11832 --rx-frags || it_fail "UDP echo client failed"
it_stop_echo
it_pass
