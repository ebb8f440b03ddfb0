#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# nmap's SYN scan from the Linux host: port 7 answers SYN-ACK -> open,
# ports 9 and 80 answer RST (RFC 9293 §3.10.7.1) -> closed. Linux resets
# the SYN-ACK that no socket of its own asked for, which must free the
# half-open connection: afterwards berth's table is empty but for the
# listener.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
it_init nmap_tcp nmap
it_up
it_start_echo
before=$(it_counters)
out=$(it_host nmap -sS -p 7,9,80 -Pn -n --max-retries 2 --host-timeout 60s \
	"$TESTNET_STACK_IP" 2>&1) || it_fail "nmap failed: $out"
echo "$out"
grep -Eq '^7/tcp +open ' <<<"$out" || it_fail "nmap does not see 7/tcp open"
grep -Eq '^9/tcp +closed ' <<<"$out" || it_fail "nmap does not see 9/tcp closed"
grep -Eq '^80/tcp +closed ' <<<"$out" || it_fail "nmap does not see 80/tcp closed"
it_host "$IT_PY" "$IT_DIR_SRC/tcp_conns.py" --pid "$IT_PID" --log "$IT_LOG" \
	--wait-empty 10 || it_fail "the scan left connections behind"
after=$(it_counters)
for c in tcp_passive_opens drop_tcp_no_conn tcp_rst_tx tcp_rst_rx; do
	d=$(($(it_counter "$after" $c) - $(it_counter "$before" $c)))
	echo "  $c +$d"
	case $c in
	tcp_passive_opens | tcp_rst_rx) [ "$d" -ge 1 ] || it_fail "$c did not grow" ;;
	*) [ "$d" -ge 2 ] || it_fail "$c grew by $d, expected >= 2 (ports 9 and 80)" ;;
	esac
done
it_stop_echo
it_pass
