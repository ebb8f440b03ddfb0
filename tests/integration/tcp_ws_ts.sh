#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# RFC 7323 with Linux: a Linux client talks to berth-echo while tcpdump
# records the traffic in the host namespace; tshark then checks that both
# SYNs carried Window Scale and Timestamps, that berth's SYN-ACK echoes the
# client's TSval, that every later berth segment carries Timestamps, and
# that berth advertised a window above 65535 bytes (scaling in use: its
# 256 KiB receive buffer).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
it_init tcp_ws_ts tcpdump tshark
it_up
it_start_echo
cap=$IT_TMP/ws_ts.pcap
it_host_bg tcpdump -i "$TESTNET_HOST_IF" -U -s 96 -w "$cap" tcp port 7 2>/dev/null
dump=$!
# tcpdump is ready once it created its file.
for _ in $(seq 50); do [ -s "$cap" ] && break; sleep 0.1; done
it_host "$IT_PY" "$IT_DIR_SRC/tcp_bulk.py" --pid "$IT_PID" --log "$IT_LOG" --mb 4 ||
	it_fail "TCP echo failed"
sleep 0.5
kill -INT "$dump" 2>/dev/null || true
wait "$dump" 2>/dev/null || true

f() { tshark -r "$cap" -Y "$1" -T fields -e "${@:2}" 2>/dev/null; }
S=$TESTNET_STACK_IP
syn=$(f "tcp.flags.syn==1 && tcp.flags.ack==0" tcp.options.wscale.shift -e tcp.options.timestamp.tsval | head -1)
synack=$(f "tcp.flags.syn==1 && tcp.flags.ack==1 && ip.src==$S" tcp.options.wscale.shift \
	-e tcp.options.timestamp.tsval -e tcp.options.timestamp.tsecr | head -1)
echo "Linux SYN (shift, TSval): $syn"
echo "berth SYN-ACK (shift, TSval, TSecr): $synack"
read -r l_shift l_tsval <<<"$syn"
read -r b_shift b_tsval b_tsecr <<<"$synack"
[ -n "${l_shift:-}" ] && [ -n "${l_tsval:-}" ] || it_fail "Linux SYN without WS/TS"
[ -n "${b_shift:-}" ] && [ -n "${b_tsval:-}" ] || it_fail "berth SYN-ACK without WS/TS"
# berth's 256 KiB default receive buffer needs a shift of 3 (RFC 7323 §2.3).
[ "$b_shift" = 3 ] || it_fail "berth window shift $b_shift, expected 3"
[ "$b_tsecr" = "$l_tsval" ] || it_fail "SYN-ACK TSecr $b_tsecr does not echo the SYN's $l_tsval"
n_all=$(f "ip.src==$S && tcp.flags.syn==0 && tcp.flags.reset==0" frame.number | wc -l)
n_ts=$(f "ip.src==$S && tcp.flags.syn==0 && tcp.flags.reset==0 && tcp.options.timestamp.tsval" \
	frame.number | wc -l)
echo "berth segments after the handshake: $n_all, with Timestamps: $n_ts"
[ "$n_all" -gt 0 ] && [ "$n_all" = "$n_ts" ] || it_fail "berth segments without Timestamps"
# tshark scales the window by the shift it saw in the SYN-ACK.
maxwin=$(f "ip.src==$S && tcp.flags.syn==0" tcp.window_size | sort -n | tail -1)
echo "largest window berth advertised: $maxwin bytes"
[ "${maxwin:-0}" -gt 65535 ] || it_fail "berth never advertised a window above 65535"
# And Linux's windows reached berth scaled: its data segments carry TS too.
n_lts=$(f "ip.dst==$S && tcp.len>0 && tcp.options.timestamp.tsval" frame.number | wc -l)
[ "$n_lts" -gt 0 ] || it_fail "Linux data without Timestamps"
it_stop_echo
it_pass
