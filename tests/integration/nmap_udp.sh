#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# nmap's UDP scan from the Linux host: port 7 answers (echo) -> open,
# port 9 answers ICMP port unreachable -> closed.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
it_init nmap_udp nmap
it_up
it_start_echo
# --data-length: a payload on every probe, so the echo port answers.
out=$(it_host nmap -sU -p 7,9 -Pn -n --max-retries 2 --data-length 8 \
	--host-timeout 60s "$TESTNET_STACK_IP" 2>&1) || it_fail "nmap failed: $out"
echo "$out"
grep -Eq '^7/udp +open ' <<<"$out" || it_fail "nmap does not see 7/udp open"
grep -Eq '^9/udp +closed ' <<<"$out" || it_fail "nmap does not see 9/udp closed"
it_stop_echo
it_pass
