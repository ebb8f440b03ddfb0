#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Checks of berth-httpd from the test net's Linux host (see lib.sh,
it_httpd_py): raw HTTP requests over plain sockets, so that every byte
sent is the test's choice, and berth-httpd's counters and connection
listing read through SIGUSR1.

Subcommands:
  basic     GET, HEAD, 404, 301, HTTP/1.0, pipelining, byte-by-byte input,
            Date and Content-Type, /stats as JSON
  bad       every malformed request gets its status and the connection is
            closed; traversal attempts (encoded, absolute-form, symlinks out
            of the root) get 403/404 and never a byte from outside the root
  hold      N idle keep-alive connections at once, all ESTABLISHED in the
            stack's listing; then closed, and none left
  cap       connections over --max-conns are closed at once and counted
  timeouts  idle, slow-header (slowloris), silent and non-reading clients
            are dropped, each counted
  queued    wait until a file response waits in the stack's send queue
"""

import argparse
import email.utils
import json
import os
import resource
import selectors
import socket
import sys
import time

import berth_it

PORT = 80
CONNS_TAG = "berth-httpd: connections"
CONNS_END = "berth-httpd: end of connections"
CHECKS = [0]


def fail(msg):
    berth_it.fail(msg)


def ok(msg):
    CHECKS[0] += 1
    print("  ok: " + msg, flush=True)


# ---- talking HTTP by hand ----

def connect(host, timeout=10.0):
    s = socket.create_connection((host, PORT), timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def read_until_close(s, timeout=10.0):
    """Everything the server sends until it closes: (bytes, how) with how
    'closed' (FIN), 'reset' or 'timeout'."""
    data = b""
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return data, "timeout"
        s.settimeout(left)
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            return data, "timeout"
        except ConnectionResetError:
            return data, "reset"
        if not chunk:
            return data, "closed"
        data += chunk


class Response:
    def __init__(self, status, reason, headers, body):
        self.status = status
        self.reason = reason
        self.headers = headers
        self.body = body

    def header(self, name):
        return self.headers.get(name.lower())


def parse_one(data, head=False):
    """One response from the front of data: (Response, rest) or (None, data)
    while it is incomplete. head: the request was HEAD (no body)."""
    end = data.find(b"\r\n\r\n")
    if end < 0:
        return None, data
    lines = data[:end].decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/1."):
        fail("not an HTTP/1.x status line: %r" % lines[0])
    headers = {}
    for l in lines[1:]:
        name, _, value = l.partition(":")
        if name.lower() in headers:
            fail("header %s sent twice" % name)
        headers[name.lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    if head:
        length = 0
    if len(data) < end + 4 + length:
        return None, data
    body = data[end + 4:end + 4 + length]
    return (Response(int(parts[1]), parts[2] if len(parts) > 2 else "", headers, body),
            data[end + 4 + length:])


def read_responses(s, heads, timeout=10.0):
    """Read len(heads) responses (heads[i]: the i-th request was HEAD)."""
    out = []
    buf = b""
    deadline = time.monotonic() + timeout
    while len(out) < len(heads):
        r, buf = parse_one(buf, heads[len(out)])
        if r is not None:
            out.append(r)
            continue
        left = deadline - time.monotonic()
        if left <= 0:
            fail("timed out waiting for response %d of %d" % (len(out) + 1, len(heads)))
        s.settimeout(left)
        chunk = s.recv(65536)
        if not chunk:
            fail("connection closed after %d of %d responses" % (len(out), len(heads)))
        buf += chunk
    if buf:
        fail("bytes after the last response: %r" % buf[:80])
    return out


def get(host, path, extra="", method="GET", version="1.1"):
    """One request on a fresh connection; the response."""
    with connect(host) as s:
        s.sendall(("%s %s HTTP/%s\r\nHost: test\r\n%s\r\n" % (method, path, version, extra))
                  .encode())
        return read_responses(s, [method == "HEAD"])[0]


def expect(r, status, what):
    if r.status != status:
        fail("%s: status %d, expected %d (body %r)" % (what, r.status, status, r.body[:200]))


# ---- the server's counters and connections ----

def dump(pid, log):
    """SIGUSR1 berth-httpd: (counters dict, listing lines)."""
    with open(log, encoding="utf-8", errors="replace") as f:
        start = sum(1 for _ in f)
    c = berth_it.counters(pid, log)
    with open(log, encoding="utf-8", errors="replace") as f:
        lines = [l.rstrip("\n") for l in f][start:]
    begin = max((i for i, l in enumerate(lines) if l == CONNS_TAG), default=None)
    if begin is None:
        fail("berth-httpd's dump has no connection listing")
    listing = []
    for l in lines[begin + 1:]:
        if l == CONNS_END:
            break
        listing.append(l)
    return c, listing


def established(listing):
    states, _ = berth_it.conns_summary(listing)
    return states.get("ESTABLISHED", 0), states


def wait_no_conns(a, timeout):
    """Until neither the stack (but listeners, TIME-WAIT) nor the server
    holds a connection."""
    deadline = time.monotonic() + timeout
    while True:
        c, listing = dump(a.pid, a.log)
        _, states = established(listing)
        left = {k: v for k, v in states.items() if k not in ("LISTEN", "TIME-WAIT")}
        if not left and c["httpd"]["conns_open"] == 0:
            return c
        if time.monotonic() > deadline:
            print("\n".join("  | " + l for l in listing[-20:]), flush=True)
            fail("connections left after %d s: %s, server holds %d" %
                 (timeout, left, c["httpd"]["conns_open"]))
        time.sleep(0.25)


# ---- basic ----

def check_date(r):
    d = r.header("date")
    if d is None:
        fail("no Date header")
    # RFC 9110 §5.6.7: IMF-fixdate, e.g. "Sun, 06 Nov 1994 08:49:37 GMT".
    t = email.utils.parsedate_to_datetime(d)
    if not d.endswith(" GMT") or len(d) != 29 or t is None:
        fail("Date is not an IMF-fixdate: %r" % d)
    if abs(t.timestamp() - time.time()) > 300:
        fail("Date is off by more than 5 minutes: %r" % d)


def cmd_basic(a):
    host = a.host
    hello = open(os.path.join(a.root, "hello.txt"), "rb").read()

    r = get(host, "/hello.txt")
    expect(r, 200, "GET /hello.txt")
    if r.body != hello:
        fail("GET /hello.txt: body %r" % r.body)
    if r.header("content-type") != "text/plain; charset=utf-8":
        fail("Content-Type of .txt: %r" % r.header("content-type"))
    if r.header("server") is None or r.header("last-modified") is None:
        fail("Server or Last-Modified missing: %r" % r.headers)
    check_date(r)
    ok("GET: 200, body, Content-Type, Date (IMF-fixdate), Server, Last-Modified")

    r = get(host, "/hello.txt", method="HEAD")
    expect(r, 200, "HEAD")
    if int(r.header("content-length")) != len(hello):
        fail("HEAD Content-Length %s, expected %d" % (r.header("content-length"), len(hello)))
    ok("HEAD: headers with the GET's Content-Length, no body")

    r = get(host, "/")
    expect(r, 200, "GET /")
    if b"index of the test root" not in r.body or "text/html" not in r.header("content-type"):
        fail("GET / did not serve index.html: %r" % r.body[:100])
    r = get(host, "/dir")
    expect(r, 301, "GET /dir")
    if r.header("location") != "/dir/":
        fail("Location %r, expected /dir/" % r.header("location"))
    r = get(host, "/dir/?x=1")
    expect(r, 200, "GET /dir/")
    if b"dir index" not in r.body:
        fail("GET /dir/ did not serve dir/index.html")
    r = get(host, "/dir/../hello.txt")
    expect(r, 200, "GET /dir/../hello.txt")
    ok("index.html for / and /dir/, 301 to /dir/ for /dir, dot segments resolved")

    r = get(host, "/no/such/file")
    expect(r, 404, "GET missing file")
    r = get(host, "/data.json")
    if r.header("content-type") != "application/json":
        fail("Content-Type of .json: %r" % r.header("content-type"))
    r = get(host, "/blob")
    if r.header("content-type") != "application/octet-stream":
        fail("Content-Type without an extension: %r" % r.header("content-type"))
    ok("404 for a missing file; Content-Type from the extension")

    # HTTP/1.0: closed after the answer unless keep-alive was asked.
    with connect(host) as s:
        s.sendall(b"GET /hello.txt HTTP/1.0\r\n\r\n")
        data, how = read_until_close(s)
        r, _ = parse_one(data)
        if r is None or r.status != 200 or how != "closed":
            fail("HTTP/1.0: %r, connection %s" % (data[:100], how))
    with connect(host) as s:
        s.sendall(b"GET /hello.txt HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        r = read_responses(s, [False])[0]
        if r.header("connection") is None or r.header("connection").lower() != "keep-alive":
            fail("HTTP/1.0 keep-alive: Connection %r" % r.header("connection"))
        s.sendall(b"GET /hello.txt HTTP/1.0\r\n\r\n")
        data, how = read_until_close(s)
        if not data.startswith(b"HTTP/1.1 200") or how != "closed":
            fail("second HTTP/1.0 request on a kept connection: %r %s" % (data[:60], how))
    with connect(host) as s:
        s.sendall(b"GET /hello.txt HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        data, how = read_until_close(s)
        r, _ = parse_one(data)
        if r is None or r.header("connection") != "close" or how != "closed":
            fail("Connection: close not honoured: %r %s" % (data[:100], how))
    ok("HTTP/1.0 closes, keeps with keep-alive; Connection: close honoured")

    # Pipelining (RFC 9112 §9.3.2): answered in order, HEAD among them.
    with connect(host) as s:
        s.sendall(b"GET /hello.txt HTTP/1.1\r\nHost: t\r\n\r\n"
                  b"HEAD /data.json HTTP/1.1\r\nHost: t\r\n\r\n"
                  b"GET /missing HTTP/1.1\r\nHost: t\r\n\r\n"
                  b"GET /data.json HTTP/1.1\r\nHost: t\r\n\r\n")
        rs = read_responses(s, [False, True, False, False])
        if [r.status for r in rs] != [200, 200, 404, 200] or rs[0].body != hello or \
                b'"json"' not in rs[3].body:
            fail("pipelined: %r" % [(r.status, r.body[:20]) for r in rs])
        # 200 pipelined requests in one send: every answer, in order.
        s.sendall(b"".join(b"GET /n/%d HTTP/1.1\r\nHost: t\r\n\r\n" % i for i in range(200)))
        rs = read_responses(s, [False] * 200, timeout=30)
        if any(r.status != 404 for r in rs):
            fail("200 pipelined requests: %r" % sorted(set(r.status for r in rs)))
    ok("pipelined requests answered in order (4 mixed, then 200 in one send)")

    # A request trickling in byte by byte goes through the incremental parser.
    with connect(host) as s:
        for b in b"GET /hello.txt HTTP/1.1\r\nHost: t\r\n\r\n":
            s.send(bytes([b]))
            time.sleep(0.01)
        r = read_responses(s, [False])[0]
        expect(r, 200, "byte-by-byte request")
    ok("a request sent one byte per segment")

    r = get(host, "/stats")
    expect(r, 200, "GET /stats")
    st = json.loads(r.body)
    if st["httpd"]["requests"] < 10 or "tcp_rx" not in st["stack"]:
        fail("/stats: %r" % r.body[:200])
    ok("/stats is JSON with the server's and the stack's counters (%d requests so far)"
       % st["httpd"]["requests"])


def cmd_builtin(a):
    r = get(a.host, "/")
    expect(r, 200, "built-in page")
    if b"berth-httpd" not in r.body:
        fail("built-in page: %r" % r.body[:100])
    expect(get(a.host, "/index.html"), 200, "built-in /index.html")
    expect(get(a.host, "/etc/passwd"), 404, "no root: any other path")
    json.loads(get(a.host, "/stats").body)
    ok("no --root: built-in page at /, 404 elsewhere, /stats")


# ---- bad input ----

# (what, request bytes, status). Each must close the connection after the answer.
BAD = [
    ("HTTP/1.1 without Host", b"GET / HTTP/1.1\r\n\r\n", 400),
    ("two Host fields", b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400),
    ("invalid Host", b"GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 400),
    ("two spaces in the request line", b"GET  / HTTP/1.1\r\nHost: t\r\n\r\n", 400),
    ("no version (HTTP/0.9)", b"GET /\r\n\r\n", 400),
    ("lower-case version", b"GET / http/1.1\r\nHost: t\r\n\r\n", 400),
    ("bare CR", b"GET / HTTP/1.1\rHost: t\r\n\r\n", 400),
    ("obs-fold", b"GET / HTTP/1.1\r\nHost: t\r\nX: a\r\n b\r\n\r\n", 400),
    ("space before the colon", b"GET / HTTP/1.1\r\nHost : t\r\n\r\n", 400),
    ("control character in a value", b"GET / HTTP/1.1\r\nHost: t\r\nX: a\x01b\r\n\r\n", 400),
    ("bad percent escape", b"GET /%zz HTTP/1.1\r\nHost: t\r\n\r\n", 400),
    ("encoded NUL", b"GET /hello.txt%00.html HTTP/1.1\r\nHost: t\r\n\r\n", 400),
    ("asterisk-form on GET", b"GET * HTTP/1.1\r\nHost: t\r\n\r\n", 400),
    ("userinfo in absolute-form", b"GET http://u@t/ HTTP/1.1\r\nHost: t\r\n\r\n", 400),
    ("https in absolute-form", b"GET https://t/ HTTP/1.1\r\nHost: t\r\n\r\n", 400),
    ("body on GET", b"GET / HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\n0123456789", 400),
    ("invalid Content-Length", b"GET / HTTP/1.1\r\nHost: t\r\nContent-Length: -1\r\n\r\n", 400),
    ("Transfer-Encoding", b"GET / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
     b"5\r\nhello\r\n0\r\n\r\n", 501),
    ("unknown method", b"BREW /pot HTTP/1.1\r\nHost: t\r\n\r\n", 501),
    ("lower-case method", b"get / HTTP/1.1\r\nHost: t\r\n\r\n", 501),
    ("POST", b"POST /form HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello", 405),
    ("PUT", b"PUT /hello.txt HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc", 405),
    ("DELETE", b"DELETE /hello.txt HTTP/1.1\r\nHost: t\r\n\r\n", 405),
    ("HTTP/2 preface", b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 400),
    ("HTTP/2.0 request", b"GET / HTTP/2.0\r\nHost: t\r\n\r\n", 505),
    ("TLS ClientHello", bytes.fromhex("160301020001000001fc0303") + os.urandom(64), 400),
    ("binary garbage", b"\x00\xff\xfe\x10garbage\r\n\r\n", 400),
    ("URI too long", b"GET /" + b"a" * 5000 + b" HTTP/1.1\r\nHost: t\r\n\r\n", 414),
    ("header section too large", b"GET / HTTP/1.1\r\nHost: t\r\nX-Big: " + b"b" * 9000 +
     b"\r\n\r\n", 431),
    ("too many fields", b"GET / HTTP/1.1\r\nHost: t\r\n" +
     b"".join(b"X-%d: v\r\n" % i for i in range(150)) + b"\r\n", 431),
]


def cmd_bad(a):
    host = a.host
    c0, _ = dump(a.pid, a.log)
    for what, req, status in BAD:
        with connect(host) as s:
            try:
                s.sendall(req)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the answer may come before all of it was sent
            data, how = read_until_close(s, timeout=15)
        r, _ = parse_one(data)
        if r is None:
            fail("%s: no response (%r, connection %s)" % (what, data[:80], how))
        if r.status != status:
            fail("%s: status %d, expected %d" % (what, r.status, status))
        if r.header("connection") != "close":
            fail("%s: no 'Connection: close' in %r" % (what, r.headers))
        if how != "closed":
            fail("%s: connection %s after the answer, expected a clean close" % (what, how))
        if status in (405, 501) and r.header("allow") != "GET, HEAD":
            fail("%s: Allow %r" % (what, r.header("allow")))
        ok("%-32s -> %d, Connection: close, closed" % (what, status))
    # A request split across segments still gets its error.
    with connect(host) as s:
        for part in (b"GET / HTT", b"P/1.1\r\nHo", b"st: a\r\nHost: b\r\n", b"\r\n"):
            s.sendall(part)
            time.sleep(0.05)
        data, how = read_until_close(s)
        if not data.startswith(b"HTTP/1.1 400 ") or how != "closed":
            fail("split bad request: %r %s" % (data[:40], how))
    ok("a bad request split over four segments -> 400")

    # Traversal: never a byte from outside the root, whatever the spelling.
    secret = a.secret.encode()
    trav = [
        ("/../secret.txt", 403), ("/../../../../etc/passwd", 403),
        ("/%2e%2e/secret.txt", 403), ("/%2E%2E/%2e%2e/etc/passwd", 403),
        ("/dir/..%2f..%2fsecret.txt", 403), ("/.%2e/secret.txt", 403),
        ("http://t/../secret.txt", 403), ("http://t/%2e%2e/etc/passwd", 403),
        ("//etc/passwd", 404), ("/dir/../../secret.txt", 403),
        ("/out/secret.txt", 403),        # directory symlink out of the root
        ("/secret-link", 403),           # file symlink out of the root
        ("/abs-link", 403),              # absolute symlink, even to inside
        ("/loop", 403),                  # symlink loop
        ("/in-link", 200),               # relative symlink inside: served
        ("/fifo", 403),                  # not a regular file
    ]
    for path, status in trav:
        with connect(host) as s:
            s.sendall(("GET %s HTTP/1.1\r\nHost: t\r\n\r\n" % path).encode())
            r = read_responses(s, [False])[0]
            if r.status != status:
                fail("GET %s: %d, expected %d" % (path, r.status, status))
            if secret in r.body or b"root:" in r.body:
                fail("GET %s: content from outside the root!" % path)
            # Not a malformed request: the connection stays usable.
            s.sendall(b"GET /hello.txt HTTP/1.1\r\nHost: t\r\n\r\n")
            expect(read_responses(s, [False])[0], 200, "after GET %s" % path)
        ok("GET %-28s -> %d, nothing from outside, connection kept" % (path, status))

    c1, _ = dump(a.pid, a.log)
    h0, h1 = c0["httpd"], c1["httpd"]
    if h1["parse_errors"] - h0["parse_errors"] < len(BAD) - 2:
        fail("parse_errors grew by %d only" % (h1["parse_errors"] - h0["parse_errors"]))
    # ".." above the root is refused from the path; symlinks out by the kernel.
    trav = h1["traversals"] - h0["traversals"]
    esc = c1["files"]["escapes"] - c0["files"]["escapes"]
    if trav < 9 or esc < 3:
        fail("traversals grew by %d, files.escapes by %d; expected 9 and 3" % (trav, esc))
    ok("counted: %d parse errors, %d traversals, %d escapes refused by the kernel, "
       "%d 4xx, %d 5xx" % (h1["parse_errors"] - h0["parse_errors"], trav, esc,
                           h1["responses_4xx"] - h0["responses_4xx"],
                           h1["responses_5xx"] - h0["responses_5xx"]))
    expect(get(host, "/hello.txt"), 200, "after all the bad input")
    ok("still serving")


# ---- many connections ----

def raise_nofile(n):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < n:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(n, hard), hard))


def open_many(host, n, request=True):
    """n connections, each having had one keep-alive request answered."""
    raise_nofile(n + 64)
    socks = []
    sel = selectors.DefaultSelector()
    t0 = time.monotonic()
    # In waves, so that SYNs do not outrun the listener's queues.
    for start in range(0, n, 100):
        wave = []
        for _ in range(min(100, n - start)):
            s = socket.socket()
            s.setblocking(False)
            s.connect_ex((host, PORT))
            wave.append(s)
        for s in wave:
            sel.register(s, selectors.EVENT_WRITE)
        pending = set(wave)
        deadline = time.monotonic() + 30
        while pending:
            for key, _ in sel.select(timeout=1):
                s = key.fileobj
                err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if err:
                    fail("connection %d: %s" % (len(socks), os.strerror(err)))
                sel.unregister(s)
                pending.discard(s)
            if time.monotonic() > deadline:
                fail("%d connects did not complete in 30 s" % len(pending))
        socks.extend(wave)
    if request:
        for s in socks:
            s.setblocking(True)
            s.settimeout(20)
            s.sendall(b"GET /hello.txt HTTP/1.1\r\nHost: t\r\n\r\n")
        for i, s in enumerate(socks):
            r = read_responses(s, [False], timeout=20)[0]
            if r.status != 200:
                fail("connection %d: status %d" % (i, r.status))
    print("  %d connections opened%s in %.1f s" % (n, " and served" if request else "",
                                                  time.monotonic() - t0), flush=True)
    return socks


def cmd_hold(a):
    socks = open_many(a.host, a.conns)
    time.sleep(1)
    c, listing = dump(a.pid, a.log)
    est, _ = established(listing)
    if est < a.conns or c["httpd"]["conns_open"] != a.conns:
        fail("%d ESTABLISHED in the listing, server holds %d; expected %d" %
             (est, c["httpd"]["conns_open"], a.conns))
    ok("%d idle keep-alive connections held: %d ESTABLISHED in the stack's listing, "
       "conns_open %d" % (a.conns, est, c["httpd"]["conns_open"]))
    # Still answering with all of them open.
    expect(get(a.host, "/hello.txt"), 200, "GET with %d connections open" % a.conns)
    for s in socks:
        s.close()
    c = wait_no_conns(a, 60)
    ok("all released: no connection left in the stack or the server (closed %d, "
       "reset by clients %d, aborted %d)" % (c["httpd"]["conns_closed"],
                                             c["httpd"]["conns_reset"],
                                             c["httpd"]["conns_aborted"]))


def cmd_cap(a):
    c0, _ = dump(a.pid, a.log)
    served = open_many(a.host, a.max)
    # Beyond the cap: accepted by TCP, then closed by the server at once.
    rejected = 0
    for _ in range(a.max):
        try:
            s = socket.create_connection((a.host, PORT), timeout=10)
        except ConnectionResetError:
            # The reset overtook connect()'s return: rejected all the same.
            rejected += 1
            continue
        with s:
            try:
                s.sendall(b"GET /hello.txt HTTP/1.1\r\nHost: t\r\n\r\n")
            except (BrokenPipeError, ConnectionResetError):
                pass
            data, how = read_until_close(s, timeout=10)
            if data or how == "timeout":
                fail("connection over the cap: %r, %s" % (data[:60], how))
            rejected += 1
    c1, _ = dump(a.pid, a.log)
    got = c1["httpd"]["conns_rejected"] - c0["httpd"]["conns_rejected"]
    if got != a.max or c1["httpd"]["conns_open"] != a.max:
        fail("conns_rejected grew by %d, conns_open %d; expected %d and %d" %
             (got, c1["httpd"]["conns_open"], a.max, a.max))
    ok("%d connections over --max-conns %d closed at once, counted (conns_rejected +%d)" %
       (rejected, a.max, got))
    # The held ones still work; once they go, new ones are served again.
    for s in served:
        s.sendall(b"GET /hello.txt HTTP/1.1\r\nHost: t\r\n\r\n")
        expect(read_responses(s, [False])[0], 200, "held connection")
        s.close()
    wait_no_conns(a, 30)
    expect(get(a.host, "/hello.txt"), 200, "after the held connections closed")
    ok("held connections still served; new ones accepted once they closed")


def cmd_timeouts(a):
    c0, _ = dump(a.pid, a.log)
    limit = a.grace
    # Idle keep-alive: closed by the server after --idle-timeout.
    idle = connect(a.host)
    idle.sendall(b"GET /hello.txt HTTP/1.1\r\nHost: t\r\n\r\n")
    read_responses(idle, [False])
    # Silent: connects and never sends a byte (--header-timeout).
    silent = connect(a.host)
    # Slowloris: a byte of header every 0.2 s, never the end (--header-timeout, 408).
    slow = connect(a.host)
    slow.sendall(b"GET /hello.txt HTTP/1.1\r\nHost: t\r\n")
    # A reader that stops: asks for the big file with a tiny window (--send-timeout).
    stall = socket.socket()
    stall.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    stall.settimeout(10)
    stall.connect((a.host, PORT))
    stall.sendall(b"GET /big.bin HTTP/1.1\r\nHost: t\r\n\r\n")
    t0 = time.monotonic()
    done = {}
    slow_data = b""
    while len(done) < 3 and time.monotonic() - t0 < limit:
        for name, s in (("idle", idle), ("silent", silent)):
            if name in done:
                continue
            s.settimeout(0.01)
            try:
                d = s.recv(100)
                if not d:
                    done[name] = time.monotonic() - t0
                else:
                    fail("%s connection got %r" % (name, d[:40]))
            except socket.timeout:
                pass
        if "slow" not in done:
            try:
                slow.send(b"X")
            except (BrokenPipeError, ConnectionResetError):
                pass
            slow.settimeout(0.2)
            try:
                d = slow.recv(4096)
                slow_data += d
                if not d:
                    done["slow"] = time.monotonic() - t0
            except socket.timeout:
                pass
            except ConnectionResetError:
                done["slow"] = time.monotonic() - t0
    if len(done) < 3:
        fail("not closed within %d s: %s" % (limit, sorted({"idle", "silent", "slow"} - set(done))))
    if not slow_data.startswith(b"HTTP/1.1 408 "):
        fail("slowloris client got %r, expected 408" % slow_data[:60])
    ok("idle keep-alive closed after %.1f s, silent after %.1f s, slowloris got 408 and "
       "close after %.1f s" % (done["idle"], done["silent"], done["slow"]))
    # The stalled reader: its connection is reset once nothing moved for --send-timeout.
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        c, _ = dump(a.pid, a.log)
        if c["httpd"]["timeouts_send"] > c0["httpd"]["timeouts_send"]:
            break
        time.sleep(0.5)
    else:
        fail("the non-reading client was not dropped within %d s" % limit)
    ok("a client that stopped reading was reset after the send timeout")
    for s in (idle, silent, slow, stall):
        s.close()
    c1 = wait_no_conns(a, 30)
    h0, h1 = c0["httpd"], c1["httpd"]
    if h1["timeouts_idle"] - h0["timeouts_idle"] < 1 or \
            h1["timeouts_header"] - h0["timeouts_header"] < 2:
        fail("timeouts counted: idle +%d, header +%d" % (h1["timeouts_idle"] - h0["timeouts_idle"],
                                                         h1["timeouts_header"] - h0["timeouts_header"]))
    ok("counted: timeouts_idle +%d, timeouts_header +%d, timeouts_send +%d" %
       (h1["timeouts_idle"] - h0["timeouts_idle"], h1["timeouts_header"] - h0["timeouts_header"],
        h1["timeouts_send"] - h0["timeouts_send"]))


def cmd_queued(a):
    """Wait until a file response sits in the stack's send queue, unread."""
    deadline = time.monotonic() + a.seconds
    while True:
        c, listing = dump(a.pid, a.log)
        queued = [l for l in listing if l.startswith("ESTABLISHED") and int(l.split()[2]) > 0]
        if queued and c["files"]["live_bodies"] >= 1:
            ok("a file response is queued in the stack: %s" % " ".join(queued[0].split()[:5]))
            return
        if time.monotonic() > deadline:
            fail("no file response queued after %d s" % a.seconds)
        time.sleep(0.5)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pid", type=int, required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--host", required=True)
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("basic")
    p.add_argument("--root", required=True)
    sub.add_parser("builtin")
    p = sub.add_parser("bad")
    p.add_argument("--secret", required=True, help="text only files outside the root hold")
    p = sub.add_parser("hold")
    p.add_argument("--conns", type=int, required=True)
    p = sub.add_parser("cap")
    p.add_argument("--max", type=int, required=True)
    p = sub.add_parser("timeouts")
    p.add_argument("--grace", type=int, default=30,
                   help="seconds within which each timeout must have struck")
    p = sub.add_parser("queued")
    p.add_argument("--seconds", type=int, default=30)
    p = sub.add_parser("wait-empty")
    p.add_argument("--seconds", type=int, default=30)
    a = ap.parse_args()
    {"basic": cmd_basic, "builtin": cmd_builtin, "bad": cmd_bad, "hold": cmd_hold,
     "cap": cmd_cap, "timeouts": cmd_timeouts, "queued": cmd_queued,
     "wait-empty": lambda x: wait_no_conns(x, x.seconds)}[a.cmd](a)
    print("  %d checks passed" % CHECKS[0], flush=True)


if __name__ == "__main__":
    main()
