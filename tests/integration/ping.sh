#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# ICMP echo (RFC 792, RFC 1122 §3.2.2.6): Linux pings the stack 5 times,
# every request is answered.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
it_init ping ping
it_up
it_start_echo
out=$(it_host ping -c 5 -i 0.2 -W 2 "$TESTNET_STACK_IP" 2>&1) || true
echo "$out"
grep -q '^5 packets transmitted, 5 received, 0% packet loss' <<<"$out" ||
	it_fail "ping lost packets"
c=$(it_counters)
it_expect_ge "$c" icmp_echo_rx 5
it_expect_ge "$c" icmp_echo_reply_tx 5
it_stop_echo
it_pass
