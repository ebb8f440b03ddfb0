# SPDX-License-Identifier: BSD-3-Clause
#
# bench/stack: single-flow TCP bulk throughput, sourced by run.sh.
#
#   bulk_berth REP   berth-httpd (core 0) sends a large file (BULK_MB,
#                    default 256 MB, mapped and sent by reference) to
#                    berth-load (core 1) on one keep-alive connection,
#                    fetched again and again for SECS seconds; Gbit/s from
#                    the bytes berth-load received over the time it measured
#   bulk_linux REP   iperf3 -s (core 0) and iperf3 -c (core 1), one flow,
#                    SECS seconds, in a fresh network namespace whose
#                    loopback MTU is 1500; Gbit/s as received
#
# Both print "GBITS ERRORS". The payload is what each sender does best:
# iperf3 writes one buffer again and again, berth-httpd sends a file
# without copying it; either way one TCP connection carries it at MSS 1460.

bulk_file() {
	head -c "$((BULK_MB * 1024 * 1024))" /dev/zero >"$1/big.bin"
}

bulk_berth() {
	local rep=$1 json
	json=$(berth_pair "bulk-$rep" "--root $WORK/www" \
		"--connections 1 --duration $SECS --path /big.bin --timeout 30000") || return 1
	json_get "$json" bulk errors
}

bulk_linux() {
	local rep=$1 ns pid out gbits
	ns=$(linux_netns_up) || return 1
	ip netns exec "$ns" taskset -c "$CORE_SRV" iperf3 -s -1 -B "$ADDR_SRV" \
		>"$LOGS/bulk-$rep-iperf3-s.log" 2>&1 &
	pid=$!
	out=
	for _ in $(seq 50); do
		sleep 0.1
		out=$(ip netns exec "$ns" taskset -c "$CORE_CLI" iperf3 -c "$ADDR_SRV" -t "$SECS" \
			-P 1 -J 2>&1) && break
		grep -q 'Connection refused' <<<"$out" || break
	done
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	linux_netns_down "$ns"
	echo "$out" >"$LOGS/bulk-$rep-iperf3-c.json"
	gbits=$(/usr/bin/python3 -c 'import json, sys
try:
    print(json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e9)
except Exception:
    pass' <<<"$out")
	[ -n "$gbits" ] || { echo "iperf3 gave no figure (see $LOGS/bulk-$rep-iperf3-c.json)" >&2; return 1; }
	echo "$gbits 0"
}
