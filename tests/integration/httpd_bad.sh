#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Bad input to berth-httpd, sent raw from Linux (httpd_it.py bad): each
# malformed request gets its status (400, 405 with Allow, 414, 431, 501,
# 505) with Connection: close and a clean close; traversal attempts
# (.., %2e%2e, absolute-form, symlinks made here that lead out of the root,
# an absolute symlink, a loop, a FIFO) get 403/404 and never a byte of a
# file outside the root; the refusals are counted; the server keeps
# serving and exits cleanly.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
it_init httpd_bad
it_up
root=$IT_TMP/root
secret="secret-$RANDOM-$$"
mkdir -p "$root/dir" "$IT_TMP/outside"
echo "hello" >"$root/hello.txt"
echo "<p>dir</p>" >"$root/dir/index.html"
echo "$secret" >"$IT_TMP/secret.txt"
echo "$secret" >"$IT_TMP/outside/secret.txt"
ln -s ../outside "$root/out"
ln -s ../outside/secret.txt "$root/secret-link"
ln -s "$root/hello.txt" "$root/abs-link"
ln -s loop "$root/loop"
ln -s hello.txt "$root/in-link"
mkfifo "$root/fifo"
it_start_httpd --root "$root"
it_httpd_py bad --secret "$secret" || it_fail "bad input checks failed"
it_stop_httpd
it_pass
