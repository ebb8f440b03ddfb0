#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# UDP echo (RFC 862) from a Linux host on net_af_packet: 0 to 1800-byte
# payloads come back byte for byte. 1473 and 1800 bytes are fragmented by
# Linux (and put back together by the kernel's af_packet fanout before the
# stack sees them) and by the stack on the way back (udp_echo.py).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
it_init udp_echo
it_up
it_start_echo
it_host "$IT_PY" "$IT_DIR_SRC/udp_echo.py" --pid "$IT_PID" --log "$IT_LOG" \
	--sizes 0,1,512,1472,1473,1800 || it_fail "UDP echo client failed"
it_stop_echo
it_pass
