#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# berth-httpd under valgrind: requests of every kind (file, HEAD, 404,
# /stats, a malformed one, a file download cut short), then SIGTERM while
# a client that stopped reading still has a file response queued in the
# stack. Teardown must give every mbuf back (no file mapping left) and
# valgrind must report no invalid access and no leak from berth's code
# (leaks of DPDK's driver plugins, made while they load, are not ours).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
it_init httpd_valgrind curl valgrind
it_up
root=$IT_TMP/root
mkdir -p "$root"
echo "hello" >"$root/hello.txt"
head -c $((4 * 1024 * 1024)) /dev/urandom >"$root/big.bin"
vglog=$IT_TMP/valgrind.log
IT_HTTPD_WRAP="valgrind --leak-check=full --show-leak-kinds=definite,indirect --num-callers=40 --log-file=$vglog"
it_start_httpd --root "$root"
url=http://$TESTNET_STACK_IP
for p in hello.txt big.bin missing stats; do
	it_host curl -s --max-time 60 -o /dev/null -w "  GET /$p: %{http_code} %{size_download} bytes\n" \
		"$url/$p" || it_fail "GET /$p failed"
done
it_host curl -sI --max-time 30 -o /dev/null -w "  HEAD /big.bin: %{http_code}\n" "$url/big.bin" ||
	it_fail "HEAD failed"
it_host curl -s --max-time 30 -o /dev/null -w "  BREW: %{http_code}\n" -X BREW "$url/" ||
	it_fail "BREW failed"
# A download cut short: curl gives up after 64 KiB.
it_host curl -s --max-time 30 -r 0-1 "$url/big.bin" | head -c 65536 >/dev/null || true
# A client that asks for the big file and never reads: its response stays queued.
it_host_bg "$IT_PY" -c '
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.connect((sys.argv[1], 80))
s.sendall(b"GET /big.bin HTTP/1.1\r\nHost: t\r\n\r\n")
time.sleep(120)
' "$TESTNET_STACK_IP"
it_httpd_py queued --seconds 60 || it_fail "the stalled response never showed"
it_stop_httpd
"$IT_PY" - "$vglog" <<'PY' || it_fail "valgrind found errors in berth's code"
import re, sys
text = open(sys.argv[1], encoding="utf-8", errors="replace").read()
blocks = re.split(r"\n==\d+== \n", text)
ours = re.compile(r"\((berth-httpd|http_parse|http_files|app_net|[a-z_0-9]+)\.c:\d+\)")
bad = []
for b in blocks:
    if re.search(r"Invalid (read|write|free)|uninitialised|Mismatched free|overlap", b):
        bad.append(b)
    elif re.search(r"(definitely|indirectly) lost in loss record", b):
        # Ours when a frame of our code (built with debug info: file.c:line)
        # made the allocation, not a driver plugin's constructor run by
        # dlopen from rte_eal_init.
        for frame in b.splitlines()[1:]:
            if re.search(r"_dl_init|dl-init\.c|dlopen", frame):
                break
            if ours.search(frame):
                bad.append(b)
                break
for b in blocks:
    head = b.strip().splitlines()[0] if b.strip() else ""
    if re.search(r"Invalid|uninitialised|Mismatched|overlap|lost in loss record|"
                 r"Syscall param|Warning", head):
        print("  valgrind: " + re.sub(r"^==\d+== ", "", head))
for b in bad:
    print(b)
summary = re.findall(r"(definitely lost|indirectly lost|ERROR SUMMARY): ([^\n]*)", text)
for k, v in summary:
    print("  valgrind %s: %s" % (k, v))
if not summary:
    print("no valgrind summary in the log")
    sys.exit(1)
print("  %d error(s) in berth's code" % len(bad))
sys.exit(1 if bad else 0)
PY
it_pass
