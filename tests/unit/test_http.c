/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * berth-httpd's request parser (apps/httpd/http_parse.c), built here on its
 * own: valid requests (GET, HEAD, HTTP/1.0, keep-alive rules, pipelining),
 * the same result for input split at every byte, each malformed input with
 * the status it must get (RFC 9112, RFC 9110), and the path a target maps
 * to (percent-decoding, dot segments, traversal).
 *
 * The requests are written out by hand; each says what it exercises.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "http_parse.h"

/* What feeding a whole input gave. */
struct outcome {
	enum http_parse_result res;
	unsigned int status;
	size_t used;
	enum http_method method;
	unsigned int minor;
	bool keep_alive;
	char target[HTTP_TARGET_MAX + 1];
	char host[HTTP_VALUE_MAX + 1];
};

static struct http_parser parser; /* large: not on the stack */

/*
 * Feed buf in pieces: cut at each offset of cuts (ascending), or one byte
 * at a time when step is set. Stops at DONE or ERROR, as a server does.
 */
static void
feed(const struct http_limits *lim, const char *buf, size_t len, const size_t *cuts,
     size_t ncuts, bool step, struct outcome *o)
{
	size_t off = 0, k = 0, used;

	memset(o, 0, sizeof(*o));
	http_parser_init(&parser, lim);
	o->res = HTTP_PARSE_MORE;
	while (off < len) {
		size_t end = len;

		if (step)
			end = off + 1;
		else if (k < ncuts)
			end = cuts[k++];
		if (end <= off)
			continue;
		o->res = http_parse(&parser, buf + off, end - off, &used);
		CU_ASSERT(used <= end - off);
		off += used;
		if (o->res != HTTP_PARSE_MORE)
			break;
		CU_ASSERT_EQUAL(off, end); /* MORE takes every byte */
	}
	o->used = off;
	o->status = o->res == HTTP_PARSE_ERROR ? parser.status : 0;
	o->method = parser.req.method;
	o->minor = parser.req.minor;
	o->keep_alive = parser.req.keep_alive;
	if (o->res == HTTP_PARSE_DONE) {
		snprintf(o->target, sizeof(o->target), "%s", parser.req.target);
		snprintf(o->host, sizeof(o->host), "%s", parser.req.host);
	}
}

static void
parse_whole(const char *s, struct outcome *o)
{
	feed(NULL, s, strlen(s), NULL, 0, false, o);
}

static void
parse_lim(const struct http_limits *lim, const char *s, struct outcome *o)
{
	feed(lim, s, strlen(s), NULL, 0, false, o);
}

/* The status a complete input gets, 0 when it is a valid request. */
static unsigned int
status_of(const char *s)
{
	struct outcome o;

	parse_whole(s, &o);
	if (o.res == HTTP_PARSE_DONE)
		return 0;
	if (o.res == HTTP_PARSE_MORE)
		return 1; /* incomplete: a test bug */
	return o.status;
}

/* ---- valid requests ---- */

static void
test_get(void)
{
	static const char req[] = "GET /index.html?x=1 HTTP/1.1\r\nHost: example.org\r\n"
				  "User-Agent: test\r\nAccept: */*\r\n\r\n";
	struct outcome o;

	parse_whole(req, &o);
	CU_ASSERT_EQUAL(o.res, HTTP_PARSE_DONE);
	CU_ASSERT_EQUAL(o.used, strlen(req));
	CU_ASSERT_EQUAL(o.method, HTTP_METHOD_GET);
	CU_ASSERT_EQUAL(o.minor, 1);
	CU_ASSERT_TRUE(o.keep_alive); /* RFC 9112 §9.3: persistent by default in 1.1 */
	CU_ASSERT_STRING_EQUAL(o.target, "/index.html?x=1");
	CU_ASSERT_STRING_EQUAL(o.host, "example.org");
	/* A DONE parser takes nothing more until reset. */
	CU_ASSERT_EQUAL(http_parse(&parser, "GET", 3, &o.used), HTTP_PARSE_DONE);
	CU_ASSERT_EQUAL(o.used, 0);
}

static void
test_head(void)
{
	struct outcome o;

	parse_whole("HEAD /a HTTP/1.1\r\nHost: h:8080\r\n\r\n", &o);
	CU_ASSERT_EQUAL(o.res, HTTP_PARSE_DONE);
	CU_ASSERT_EQUAL(o.method, HTTP_METHOD_HEAD);
	CU_ASSERT_STRING_EQUAL(o.host, "h:8080");
}

static void
test_http10_and_connection(void)
{
	struct outcome o;

	/* RFC 9112 §3.2: no Host needed in 1.0; §9.3: close unless asked. */
	parse_whole("GET / HTTP/1.0\r\n\r\n", &o);
	CU_ASSERT_EQUAL(o.res, HTTP_PARSE_DONE);
	CU_ASSERT_EQUAL(o.minor, 0);
	CU_ASSERT_FALSE(o.keep_alive);
	parse_whole("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", &o);
	CU_ASSERT_TRUE(o.keep_alive);
	parse_whole("GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n", &o);
	CU_ASSERT_FALSE(o.keep_alive);
	/* Connection options are a case-insensitive list (RFC 9110 §7.6.1). */
	parse_whole("GET / HTTP/1.1\r\nHost: h\r\nConnection: foo,  CLOSE \r\n\r\n", &o);
	CU_ASSERT_EQUAL(o.res, HTTP_PARSE_DONE);
	CU_ASSERT_FALSE(o.keep_alive);
	parse_whole("GET / HTTP/1.1\r\nHost: h\r\nConnection: upgrade\r\n\r\n", &o);
	CU_ASSERT_TRUE(o.keep_alive);
	/* RFC 9110 §6.2: HTTP/1.2 is answered as 1.1. */
	parse_whole("GET / HTTP/1.2\r\nHost: h\r\n\r\n", &o);
	CU_ASSERT_EQUAL(o.res, HTTP_PARSE_DONE);
	CU_ASSERT_EQUAL(o.minor, 1);
}

static void
test_line_endings_and_whitespace(void)
{
	struct outcome o;

	/* RFC 9112 §2.2: a bare LF may end a line. */
	parse_whole("GET / HTTP/1.1\nHost: h\n\n", &o);
	CU_ASSERT_EQUAL(o.res, HTTP_PARSE_DONE);
	/* RFC 9112 §2.2: empty lines before the request line are ignored. */
	parse_whole("\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n", &o);
	CU_ASSERT_EQUAL(o.res, HTTP_PARSE_DONE);
	/* OWS around a value is not part of it (RFC 9110 §5.5). */
	parse_whole("GET / HTTP/1.1\r\nHost:\t h  \t\r\n\r\n", &o);
	CU_ASSERT_STRING_EQUAL(o.host, "h");
	/* Empty Host is valid (RFC 9112 §3.2); empty other field too. */
	parse_whole("GET / HTTP/1.1\r\nHost:\r\nX-Empty:\r\n\r\n", &o);
	CU_ASSERT_EQUAL(o.res, HTTP_PARSE_DONE);
	/* Field names are case-insensitive (RFC 9110 §5.1). */
	parse_whole("GET / HTTP/1.1\r\nhOsT: h\r\ncontent-LENGTH: 0\r\n\r\n", &o);
	CU_ASSERT_EQUAL(o.res, HTTP_PARSE_DONE);
	CU_ASSERT_STRING_EQUAL(o.host, "h");
	/* obs-text in a value of an unknown field is allowed. */
	parse_whole("GET / HTTP/1.1\r\nHost: h\r\nX-T: caf\xc3\xa9\r\n\r\n", &o);
	CU_ASSERT_EQUAL(o.res, HTTP_PARSE_DONE);
	/* Absolute-form is accepted (RFC 9112 §3.2.2). */
	parse_whole("GET http://h/a?b HTTP/1.1\r\nHost: h\r\n\r\n", &o);
	CU_ASSERT_EQUAL(o.res, HTTP_PARSE_DONE);
	CU_ASSERT_STRING_EQUAL(o.target, "http://h/a?b");
}

static void
test_pipelined(void)
{
	static const char buf[] = "GET /one HTTP/1.1\r\nHost: h\r\n\r\n"
				  "HEAD /two HTTP/1.1\r\nHost: h\r\n\r\n"
				  "GET /three HTTP/1.0\r\n\r\n";
	static const char *const targets[] = { "/one", "/two", "/three" };
	const char *p = buf;
	size_t left = strlen(buf), used;
	int i;

	http_parser_init(&parser, NULL);
	for (i = 0; i < 3; i++) {
		CU_ASSERT_EQUAL_FATAL(http_parse(&parser, p, left, &used), HTTP_PARSE_DONE);
		CU_ASSERT_STRING_EQUAL(parser.req.target, targets[i]);
		CU_ASSERT_EQUAL(parser.req.method, i == 1 ? HTTP_METHOD_HEAD : HTTP_METHOD_GET);
		CU_ASSERT_EQUAL(parser.req.keep_alive, i < 2);
		/* Each stops at the end of its own request. */
		CU_ASSERT(used < left || i == 2);
		p += used;
		left -= used;
		http_parser_reset(&parser);
		CU_ASSERT_FALSE(http_parser_started(&parser));
	}
	CU_ASSERT_EQUAL(left, 0);
	/* A valid request followed by garbage: the first still completes. */
	http_parser_init(&parser, NULL);
	CU_ASSERT_EQUAL(http_parse(&parser, "GET / HTTP/1.1\r\nHost: h\r\n\r\n\x01\x02", 29, &used),
			HTTP_PARSE_DONE);
	CU_ASSERT_EQUAL(used, 27);
	http_parser_reset(&parser);
	CU_ASSERT_EQUAL(http_parse(&parser, "\x01\x02", 2, &used), HTTP_PARSE_ERROR);
	CU_ASSERT_EQUAL(parser.status, 400);
}

/* ---- split input ---- */

/* Inputs whose result must not depend on how they arrive. */
static const char *const split_inputs[] = {
	"GET /index.html HTTP/1.1\r\nHost: example.org\r\nConnection: close\r\n\r\n",
	"HEAD /a%20b HTTP/1.0\r\nConnection: keep-alive\r\nX-Long: 0123456789abcdef\r\n\r\n",
	"\r\nGET http://h/x HTTP/1.1\nHost: h\n\n",
	"GET / HTTP/1.1\r\nHost: h\r\n\r\nGET /next HTTP/1.1\r\n",  /* pipelined tail */
	"POST /form HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc",
	"GET / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 12\r\n\r\n",
	"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
	"GET / HTTP/1.1\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: h\r\n  folded\r\n\r\n",
	"BREW /pot HTTP/1.1\r\nHost: h\r\n\r\n",
	"GET / HTTP/1.1\rHost: h\r\n\r\n",
};

static bool
same(const struct outcome *a, const struct outcome *b)
{
	return a->res == b->res && a->status == b->status && a->used == b->used &&
	       a->method == b->method && a->minor == b->minor &&
	       a->keep_alive == b->keep_alive && strcmp(a->target, b->target) == 0 &&
	       strcmp(a->host, b->host) == 0;
}

static void
test_split_every_byte(void)
{
	static struct outcome whole, part;
	size_t i, k, len, cuts[2];

	for (i = 0; i < sizeof(split_inputs) / sizeof(split_inputs[0]); i++) {
		const char *s = split_inputs[i];

		len = strlen(s);
		feed(NULL, s, len, NULL, 0, false, &whole);
		CU_ASSERT_NOT_EQUAL(whole.res, HTTP_PARSE_MORE);
		/* In two pieces, cut at every position. */
		for (k = 1; k < len; k++) {
			cuts[0] = k;
			feed(NULL, s, len, cuts, 1, false, &part);
			if (!same(&whole, &part)) {
				fprintf(stderr, "\ninput %zu cut at %zu differs\n", i, k);
				CU_FAIL("split result differs");
			}
		}
		/* In three pieces around every position. */
		for (k = 1; k + 1 < len; k++) {
			cuts[0] = k;
			cuts[1] = k + 1;
			feed(NULL, s, len, cuts, 2, false, &part);
			CU_ASSERT_TRUE(same(&whole, &part));
		}
		/* One byte at a time. */
		feed(NULL, s, len, NULL, 0, true, &part);
		CU_ASSERT_TRUE(same(&whole, &part));
	}
}

/* ---- malformed input ---- */

static void
test_bad_request_line(void)
{
	/* RFC 9112 §3: exactly one SP between the parts. */
	CU_ASSERT_EQUAL(status_of("GET  / HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
	CU_ASSERT_EQUAL(status_of("GET / HTTP/1.1 \r\nHost: h\r\n\r\n"), 400);
	CU_ASSERT_EQUAL(status_of(" GET / HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
	CU_ASSERT_EQUAL(status_of("GET /\tHTTP/1.1\r\nHost: h\r\n\r\n"), 400);
	/* HTTP/0.9 simple request: no version. */
	CU_ASSERT_EQUAL(status_of("GET /\r\n\r\n"), 400);
	/* RFC 9112 §2.3: the version is case-sensitive and has one digit each side. */
	CU_ASSERT_EQUAL(status_of("GET / http/1.1\r\nHost: h\r\n\r\n"), 400);
	CU_ASSERT_EQUAL(status_of("GET / HTTP/1\r\nHost: h\r\n\r\n"), 400);
	CU_ASSERT_EQUAL(status_of("GET / HTTP/1.10\r\nHost: h\r\n\r\n"), 400);
	CU_ASSERT_EQUAL(status_of("GET / HTTP/x.y\r\nHost: h\r\n\r\n"), 400);
	/* RFC 9110 §15.6.6: another major version. */
	CU_ASSERT_EQUAL(status_of("GET / HTTP/2.0\r\nHost: h\r\n\r\n"), 505);
	CU_ASSERT_EQUAL(status_of("GET / HTTP/0.9\r\nHost: h\r\n\r\n"), 505);
	/* RFC 9112 §2.2: a bare CR. */
	CU_ASSERT_EQUAL(status_of("GET / HTTP/1.1\rHost: h\r\n\r\n"), 400);
	CU_ASSERT_EQUAL(status_of("GET / HTTP/1.1\r\nHost: h\r\r\n\r\n"), 400);
	/* Targets: asterisk-form is for OPTIONS, authority-form for CONNECT. */
	CU_ASSERT_EQUAL(status_of("GET * HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
	CU_ASSERT_EQUAL(status_of("GET h:80 HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
	CU_ASSERT_EQUAL(status_of("GET index.html HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
	CU_ASSERT_EQUAL(status_of("GET /a#frag HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
	CU_ASSERT_EQUAL(status_of("GET /a<b> HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
	CU_ASSERT_EQUAL(status_of("GET /caf\xc3\xa9 HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
	/* Absolute-form: only http, with a host. */
	CU_ASSERT_EQUAL(status_of("GET https://h/ HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
	CU_ASSERT_EQUAL(status_of("GET http:///x HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
	CU_ASSERT_EQUAL(status_of("GET http:/x HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
	CU_ASSERT_EQUAL(status_of("GET hello HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
}

static void
test_methods(void)
{
	/* RFC 9110 §15.5.6: known but not allowed here. */
	CU_ASSERT_EQUAL(status_of("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\n\r\nx"), 405);
	CU_ASSERT_EQUAL(status_of("PUT /f HTTP/1.1\r\nHost: h\r\n\r\n"), 405);
	CU_ASSERT_EQUAL(status_of("DELETE /f HTTP/1.1\r\nHost: h\r\n\r\n"), 405);
	CU_ASSERT_EQUAL(status_of("OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n"), 405);
	CU_ASSERT_EQUAL(status_of("TRACE / HTTP/1.1\r\nHost: h\r\n\r\n"), 405);
	/* RFC 9110 §9.1: methods are case-sensitive; unknown ones get 501. */
	CU_ASSERT_EQUAL(status_of("get / HTTP/1.1\r\nHost: h\r\n\r\n"), 501);
	CU_ASSERT_EQUAL(status_of("BREW /pot HTTP/1.1\r\nHost: h\r\n\r\n"), 501);
	CU_ASSERT_EQUAL(status_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ / HTTP/1.1\r\n\r\n"), 501);
	/* RFC 9113 §3.4: the HTTP/2 preface is not an HTTP/1.1 request. */
	CU_ASSERT_EQUAL(status_of("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), 400);
	/* Garbage: a TLS ClientHello, a NUL, binary. */
	CU_ASSERT_EQUAL(status_of("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"), 400);
	{
		struct outcome o;

		feed(NULL, "G\0T / HTTP/1.1\r\n\r\n", 18, NULL, 0, false, &o);
		CU_ASSERT_EQUAL(o.res, HTTP_PARSE_ERROR);
		CU_ASSERT_EQUAL(o.status, 400);
		CU_ASSERT_EQUAL(o.used, 1); /* stops at the offending byte */
	}
	/* Too many empty lines first is garbage too. */
	CU_ASSERT_EQUAL(status_of("\r\n\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
}

static void
test_bad_fields(void)
{
	/* RFC 9112 §3.2: 1.1 without Host, or with two. */
	CU_ASSERT_EQUAL(status_of("GET / HTTP/1.1\r\n\r\n"), 400);
	CU_ASSERT_EQUAL(status_of("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"), 400);
	CU_ASSERT_EQUAL(status_of("GET / HTTP/1.1\r\nHost: a b\r\n\r\n"), 400);
	CU_ASSERT_EQUAL(status_of("GET / HTTP/1.1\r\nHost: a/b\r\n\r\n"), 400);
	/* RFC 9112 §5.1: whitespace before the colon; §5.2: obs-fold. */
	CU_ASSERT_EQUAL(status_of("GET / HTTP/1.1\r\nHost : h\r\n\r\n"), 400);
	CU_ASSERT_EQUAL(status_of("GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n b\r\n\r\n"), 400);
	CU_ASSERT_EQUAL(status_of("GET / HTTP/1.1\r\n Host: h\r\n\r\n"), 400);
	CU_ASSERT_EQUAL(status_of("GET / HTTP/1.1\r\n: empty-name\r\nHost: h\r\n\r\n"), 400);
	CU_ASSERT_EQUAL(status_of("GET / HTTP/1.1\r\nNo-Colon\r\nHost: h\r\n\r\n"), 400);
	/* RFC 9110 §5.5: control characters in a value. */
	CU_ASSERT_EQUAL(status_of("GET / HTTP/1.1\r\nHost: h\r\nX: a\x01z\r\n\r\n"), 400);
	CU_ASSERT_EQUAL(status_of("GET / HTTP/1.1\r\nHost: h\r\nX: a\x7fz\r\n\r\n"), 400);
	/* A body on GET (RFC 9110 §9.3.1): refused. Zero is no body. */
	CU_ASSERT_EQUAL(status_of("GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\n"), 400);
	CU_ASSERT_EQUAL(status_of("HEAD / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\n\r\n"), 400);
	CU_ASSERT_EQUAL(status_of("GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n"), 0);
	/* RFC 9110 §8.6: digits only; copies must agree. */
	CU_ASSERT_EQUAL(status_of("GET / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n"), 400);
	CU_ASSERT_EQUAL(status_of("GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 0x0\r\n\r\n"), 400);
	CU_ASSERT_EQUAL(status_of("GET / HTTP/1.1\r\nHost: h\r\nContent-Length:\r\n\r\n"), 400);
	CU_ASSERT_EQUAL(status_of("GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n"
				  "Content-Length: 1\r\n\r\n"), 400);
	CU_ASSERT_EQUAL(status_of("GET / HTTP/1.1\r\nHost: h\r\nContent-Length: "
				  "99999999999999999999999\r\n\r\n"), 400);
	/* RFC 9112 §6.1: a transfer coding we do not implement: 501. */
	CU_ASSERT_EQUAL(status_of("GET / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"),
			501);
	CU_ASSERT_EQUAL(status_of("GET / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n"
				  "Content-Length: 0\r\n\r\n"), 501);
}

static void
test_limits(void)
{
	static char buf[HTTP_TARGET_MAX * 2 + 256];
	struct http_limits lim = { .max_target = 32, .max_header = 200, .max_fields = 3 };
	struct outcome o;
	size_t n;

	/* RFC 9112 §3: a target over the limit: 414, as soon as it is over. */
	n = (size_t)snprintf(buf, sizeof(buf), "GET /%0*d HTTP/1.1\r\nHost: h\r\n\r\n",
			     HTTP_DEF_MAX_TARGET, 0);
	feed(NULL, buf, n, NULL, 0, false, &o);
	CU_ASSERT_EQUAL(o.status, 414);
	CU_ASSERT_EQUAL(o.used, 4 + HTTP_DEF_MAX_TARGET); /* "GET " and the target's bytes */
	n = (size_t)snprintf(buf, sizeof(buf), "GET /%0*d HTTP/1.1\r\nHost: h\r\n\r\n",
			     HTTP_DEF_MAX_TARGET - 1, 0);
	CU_ASSERT_EQUAL(status_of(buf), 0); /* exactly at the limit */
	parse_lim(&lim, "GET /01234567890123456789012345678901 HTTP/1.1\r\nHost: h\r\n\r\n", &o);
	CU_ASSERT_EQUAL(o.status, 414);
	parse_lim(&lim, "GET /0123456789012345678901234567890 HTTP/1.1\r\nHost: h\r\n\r\n", &o);
	CU_ASSERT_EQUAL(o.res, HTTP_PARSE_DONE); /* 32 bytes: at the limit */
	/* RFC 6585 §5: header section over the limit, or too many fields: 431. */
	n = (size_t)snprintf(buf, sizeof(buf), "GET / HTTP/1.1\r\nHost: h\r\nX-Big: %0*d\r\n\r\n",
			     HTTP_DEF_MAX_HEADER, 0);
	feed(NULL, buf, n, NULL, 0, false, &o);
	CU_ASSERT_EQUAL(o.status, 431);
	CU_ASSERT_EQUAL(o.used, HTTP_DEF_MAX_HEADER); /* nothing read past the limit */
	parse_lim(&lim, "GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", &o);
	CU_ASSERT_EQUAL(o.status, 431);
	parse_lim(&lim, "GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\n\r\n", &o);
	CU_ASSERT_EQUAL(o.res, HTTP_PARSE_DONE);
	/* The request line and fields together over max_header: 431. */
	n = (size_t)snprintf(buf, sizeof(buf), "GET / HTTP/1.1\r\nHost: h\r\nX: %0*d\r\n\r\n",
			     200, 0);
	feed(&lim, buf, n, NULL, 0, false, &o);
	CU_ASSERT_EQUAL(o.status, 431);
	CU_ASSERT_EQUAL(o.used, 200);
	/* Endless empty lines or endless fields never grow past the limit. */
	memset(buf, 'a', sizeof(buf));
	feed(NULL, buf, sizeof(buf), NULL, 0, false, &o);
	CU_ASSERT_EQUAL(o.status, 501); /* a "method" longer than any */
	CU_ASSERT(o.used <= HTTP_METHOD_MAX + 1);
	/* A known field's value beyond what is kept is refused, not cut. */
	n = (size_t)snprintf(buf, sizeof(buf), "GET / HTTP/1.1\r\nHost: %0*d\r\n\r\n",
			     HTTP_VALUE_MAX + 1, 0);
	CU_ASSERT_EQUAL(status_of(buf), 400);
	n = (size_t)snprintf(buf, sizeof(buf), "GET / HTTP/1.1\r\nHost: %0*d\r\n\r\n",
			     HTTP_VALUE_MAX, 0);
	CU_ASSERT_EQUAL(status_of(buf), 0);
	/* A long unknown field name is fine within the limits. */
	n = (size_t)snprintf(buf, sizeof(buf), "GET / HTTP/1.1\r\nHost: h\r\nX-%0*d: v\r\n\r\n",
			     100, 0);
	CU_ASSERT_EQUAL(status_of(buf), 0);
	(void)n;
}

/* ---- target to path ---- */

/* The path for target (origin- or absolute-form), or the negative status. */
static int
path_of(const char *target, char *out, size_t outlen)
{
	char req[HTTP_TARGET_MAX + 64];
	struct outcome o;

	snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: h\r\n\r\n", target);
	parse_whole(req, &o);
	if (o.res != HTTP_PARSE_DONE)
		return -(int)o.status;
	return http_target_path(&parser.req, out, outlen);
}

static void
check_path(const char *target, const char *want)
{
	char out[HTTP_TARGET_MAX + 2];
	int n = path_of(target, out, sizeof(out));

	CU_ASSERT_EQUAL(n, (int)strlen(want));
	if (n >= 0) {
		CU_ASSERT_STRING_EQUAL(out, want);
		if (strcmp(out, want) != 0)
			fprintf(stderr, "\n%s -> %s, expected %s\n", target, out, want);
	} else {
		fprintf(stderr, "\n%s -> %d, expected %s\n", target, n, want);
	}
}

static void
check_path_status(const char *target, int status)
{
	char out[HTTP_TARGET_MAX + 2];
	int n = path_of(target, out, sizeof(out));

	CU_ASSERT_EQUAL(n, -status);
	if (n != -status)
		fprintf(stderr, "\n%s -> %d (%s), expected -%d\n", target, n, n >= 0 ? out : "",
			status);
}

static void
test_percent_decoding(void)
{
	/* RFC 3986 §2.1: either case of hex digits. */
	check_path("/a%20b", "/a b");
	check_path("/%41%62%63", "/Abc");
	check_path("/%e2%82%ac", "/\xe2\x82\xac");
	check_path("/%7E/x%2Fy", "/~/x/y"); /* an encoded '/' separates too */
	check_path("/a?q=%zz", "/a");       /* the query is not decoded */
	check_path_status("/%zz", 400);
	check_path_status("/%4", 400);
	check_path_status("/%", 400);
	check_path_status("/a%2", 400);
	check_path_status("/%00", 400);     /* never a file name */
	check_path_status("/a%00.html", 400);
}

static void
test_normalisation(void)
{
	check_path("/", "/");
	check_path("/index.html", "/index.html");
	check_path("/a/b/", "/a/b/");
	check_path("/a//b///c", "/a/b/c");
	check_path("//etc/passwd", "/etc/passwd"); /* beneath the root all the same */
	check_path("/a/./b/.", "/a/b/");
	check_path("/a/b/../c", "/a/c");
	check_path("/a/b/..", "/a/");
	check_path("/a/..", "/");
	check_path("/./", "/");
	check_path("/.hidden", "/.hidden");
	check_path("/a/...", "/a/...");     /* not a dot segment */
	check_path("/a/..b/c", "/a/..b/c");
	/* Absolute-form: the authority goes, the path stays (RFC 9112 §3.2.2). */
	check_path("http://h/x/y", "/x/y");
	check_path("http://h", "/");
	check_path("http://h?q", "/");
	check_path("HTTP://H:80/a/../b", "/b");
}

static void
test_traversal(void)
{
	/* ".." above the root is refused, decoded or not, however written. */
	check_path_status("/..", 403);
	check_path_status("/../etc/passwd", 403);
	check_path_status("/a/../../etc/passwd", 403);
	check_path_status("/%2e%2e/etc/passwd", 403);
	check_path_status("/%2E%2E/%2e%2e/etc/passwd", 403);
	check_path_status("/.%2e/x", 403);
	check_path_status("/a/..%2f..%2fetc/passwd", 403);
	check_path_status("/a/%2e%2e%2f%2e%2e%2fetc", 403);
	check_path_status("//../x", 403);
	check_path_status("/./../x", 403);
	check_path_status("http://h/../x", 403);
	check_path_status("http://h/%2e%2e/x", 403);
	/* Absolute-form oddities. */
	check_path_status("http://user@h/x", 400);
	check_path_status("http://h@evil/../x", 400);
}

static void
test_raw_path(void)
{
	struct outcome o;
	const char *p;
	size_t n;

	parse_whole("GET /dir?x=1 HTTP/1.1\r\nHost: h\r\n\r\n", &o);
	CU_ASSERT_EQUAL(o.res, HTTP_PARSE_DONE);
	n = http_target_raw_path(&parser.req, &p);
	CU_ASSERT_EQUAL(n, 4);
	CU_ASSERT_EQUAL(strncmp(p, "/dir", 4), 0);
	CU_ASSERT_EQUAL(p[n], '?');
	parse_whole("GET http://h:8/d HTTP/1.1\r\nHost: h\r\n\r\n", &o);
	CU_ASSERT_EQUAL(o.res, HTTP_PARSE_DONE);
	n = http_target_raw_path(&parser.req, &p);
	CU_ASSERT_EQUAL(n, 2);
	CU_ASSERT_EQUAL(strncmp(p, "/d", 2), 0);
	/* A small output buffer is reported, not overrun. */
	{
		char small[4];

		CU_ASSERT_EQUAL(http_target_path(&parser.req, small, sizeof(small)), 2);
		parse_whole("GET /abcdef HTTP/1.1\r\nHost: h\r\n\r\n", &o);
		CU_ASSERT_EQUAL(o.res, HTTP_PARSE_DONE);
		CU_ASSERT_EQUAL(http_target_path(&parser.req, small, sizeof(small)), -414);
	}
}

/* xorshift64*: a fixed sequence, so a failure repeats. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t
rnd(uint32_t n)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545f4914f6cdd1dull) >> 32) % n;
}

/*
 * Mutated requests (bytes flipped, CR, LF, NUL, SP, ':' and '%' put in,
 * cut short): whatever comes in, the result is one of the statuses the
 * parser gives, the same for random splits as for the whole, and a
 * complete request's path is well-formed or refused.
 */
static void
test_mutated_input(void)
{
	static const char *const seeds[] = {
		"GET /a/b.html?x=%41 HTTP/1.1\r\nHost: h\r\nConnection: keep-alive\r\n\r\n",
		"HEAD http://h/%2e/x HTTP/1.0\r\nContent-Length: 0\r\n\r\n",
		"GET / HTTP/1.1\nHost: h:80\nX: y\n\n",
	};
	static const char inserts[] = "\r\n\0 :%/.\t\x80";
	static struct outcome whole, part;
	char buf[256], path[HTTP_TARGET_MAX + 2];
	size_t cuts[3];
	int iter, bad = 0, done = 0;

	for (iter = 0; iter < 20000; iter++) {
		const char *seed = seeds[rnd(3)];
		size_t len = strlen(seed), k, nmut = 1 + rnd(4);

		memcpy(buf, seed, len);
		for (k = 0; k < nmut; k++) {
			size_t at = rnd((uint32_t)len);

			switch (rnd(3)) {
			case 0:
				buf[at] = (char)rnd(256);
				break;
			case 1:
				buf[at] = inserts[rnd(sizeof(inserts) - 1)];
				break;
			default:
				if (rnd(4) == 0)
					len = at + 1; /* cut short */
				break;
			}
		}
		feed(NULL, buf, len, NULL, 0, false, &whole);
		cuts[0] = rnd((uint32_t)len);
		cuts[1] = cuts[0] + rnd((uint32_t)(len - cuts[0]));
		cuts[2] = cuts[1] + rnd((uint32_t)(len - cuts[1]));
		feed(NULL, buf, len, cuts, 3, false, &part);
		if (!same(&whole, &part)) {
			fprintf(stderr, "\nmutated input %d: split result differs\n", iter);
			bad++;
		}
		if (whole.res == HTTP_PARSE_ERROR) {
			switch (whole.status) {
			case 400: case 405: case 414: case 431: case 501: case 505:
				break;
			default:
				fprintf(stderr, "\nmutated input %d: status %u\n", iter, whole.status);
				bad++;
			}
		}
		if (whole.res == HTTP_PARSE_DONE) {
			int n;

			done++;
			feed(NULL, buf, len, NULL, 0, false, &whole);
			n = http_target_path(&parser.req, path, sizeof(path));
			if (n >= 0 && (path[0] != '/' || strstr(path, "/../") != NULL ||
				       strstr(path, "//") != NULL || (size_t)n != strlen(path))) {
				fprintf(stderr, "\nmutated input %d: path %s\n", iter, path);
				bad++;
			}
		}
	}
	CU_ASSERT_EQUAL(bad, 0);
	/* Some mutations leave a valid request: that side is exercised too. */
	CU_ASSERT(done > 100);
}

static void
test_reasons(void)
{
	CU_ASSERT_STRING_EQUAL(http_reason(200), "OK");
	CU_ASSERT_STRING_EQUAL(http_reason(404), "Not Found");
	CU_ASSERT_STRING_EQUAL(http_reason(414), "URI Too Long");
	CU_ASSERT_STRING_EQUAL(http_reason(431), "Request Header Fields Too Large");
	CU_ASSERT_STRING_EQUAL(http_reason(299), "");
}

int
main(void)
{
	unsigned int failed;
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("http parser", NULL, NULL);
	CU_add_test(s, "GET", test_get);
	CU_add_test(s, "HEAD", test_head);
	CU_add_test(s, "HTTP/1.0 and Connection", test_http10_and_connection);
	CU_add_test(s, "line endings and whitespace", test_line_endings_and_whitespace);
	CU_add_test(s, "pipelined requests in one buffer", test_pipelined);
	CU_add_test(s, "split at every byte: same result", test_split_every_byte);
	CU_add_test(s, "malformed request line: 400, 505", test_bad_request_line);
	CU_add_test(s, "methods: 405, 501; preface and garbage: 400", test_methods);
	CU_add_test(s, "fields: Host, body on GET, Transfer-Encoding", test_bad_fields);
	CU_add_test(s, "limits: 414, 431", test_limits);
	CU_add_test(s, "mutated input: bounded statuses, split-invariant", test_mutated_input);
	s = CU_add_suite("http target path", NULL, NULL);
	CU_add_test(s, "percent-decoding", test_percent_decoding);
	CU_add_test(s, "dot segments and slashes", test_normalisation);
	CU_add_test(s, "traversal refused", test_traversal);
	CU_add_test(s, "raw path and small buffers", test_raw_path);
	CU_add_test(s, "reason phrases", test_reasons);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	return failed ? 1 : 0;
}
