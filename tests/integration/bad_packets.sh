#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Bad IPv4/UDP frames crafted with scapy are each dropped under their named
# reason, and the stack keeps answering (bad_packets.py).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
it_init bad_packets
"$IT_PY" -c 'import scapy' 2>/dev/null || it_skip "python3-scapy not installed (scripts/deps)"
it_up
it_start_echo
it_host "$IT_PY" "$IT_DIR_SRC/bad_packets.py" --pid "$IT_PID" --log "$IT_LOG" ||
	it_fail "bad packets not all dropped as expected"
it_stop_echo
it_pass
