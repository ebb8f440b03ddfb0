/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * berth-load's response framing (apps/load/http.c, RFC 9112): where a
 * response ends with Content-Length, with no body (HEAD, 204, 304), at the
 * end of the connection; persistence by version and Connection; interim
 * responses; the same answer whatever the split of the bytes; and every
 * malformed or unsupported response an error of a named kind, with memory
 * and work bounded (a header section past 64 KiB is refused).
 *
 * Plain CUnit: no EAL, the parser touches no DPDK.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "http.h"

static struct http_resp r;

/* Feed a whole string; returns the status, r.used says how much was taken. */
static int
feed(const char *s, bool head)
{
	http_resp_init(&r, head);
	return http_resp_feed(&r, (const uint8_t *)s, strlen(s));
}

/* Feed one byte at a time: the status after the last byte fed (stops at the end). */
static int
feed_bytes(const char *s, size_t *at)
{
	size_t i, n = strlen(s);
	int ret = HTTP_MORE;

	http_resp_init(&r, false);
	for (i = 0; i < n; i++) {
		ret = http_resp_feed(&r, (const uint8_t *)s + i, 1);
		if (ret != HTTP_MORE)
			break;
	}
	*at = i;
	return ret;
}

static const char ok_resp[] =
	"HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: text/html\r\n"
	"Content-Length: 12\r\n\r\nhello world\n";

static void
test_content_length(void)
{
	size_t at;

	CU_ASSERT_EQUAL(feed(ok_resp, false), HTTP_DONE);
	CU_ASSERT_EQUAL(r.used, strlen(ok_resp));
	CU_ASSERT_EQUAL(r.status, 200);
	CU_ASSERT_EQUAL(r.minor, 1);
	CU_ASSERT(r.keepalive);
	CU_ASSERT_EQUAL(r.body_bytes, 12);
	/* Byte by byte: done exactly at the last byte. */
	CU_ASSERT_EQUAL(feed_bytes(ok_resp, &at), HTTP_DONE);
	CU_ASSERT_EQUAL(at, strlen(ok_resp) - 1);
	CU_ASSERT_EQUAL(r.used, 1);
	CU_ASSERT_EQUAL(r.body_bytes, 12);
	/* Bytes past the end are not the response's. */
	{
		char two[512];

		snprintf(two, sizeof(two), "%s%s", ok_resp, "HTTP/1.1 200 OK\r\n");
		CU_ASSERT_EQUAL(feed(two, false), HTTP_DONE);
		CU_ASSERT_EQUAL(r.used, strlen(ok_resp));
	}
	/* Content-Length: 0, and a bare-LF response (RFC 9112 §2.2). */
	CU_ASSERT_EQUAL(feed("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", false), HTTP_DONE);
	CU_ASSERT_EQUAL(feed("HTTP/1.1 200 OK\nContent-Length: 2\n\nab", false), HTTP_DONE);
	CU_ASSERT_EQUAL(r.body_bytes, 2);
	/* Case and whitespace of the field; the same length twice is fine. */
	CU_ASSERT_EQUAL(feed("HTTP/1.1 404 Not Found\r\ncontent-LENGTH:\t 3 \r\n"
			     "Content-Length: 3\r\n\r\nabc", false), HTTP_DONE);
	CU_ASSERT_EQUAL(r.status, 404);
	/* A status line without a reason phrase. */
	CU_ASSERT_EQUAL(feed("HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n", false), HTTP_DONE);
}

static void
test_persistence(void)
{
	CU_ASSERT_EQUAL(feed("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", false), HTTP_DONE);
	CU_ASSERT(!r.keepalive);
	CU_ASSERT_EQUAL(feed("HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\n"
			     "Content-Length: 0\r\n\r\n", false), HTTP_DONE);
	CU_ASSERT(r.keepalive);
	CU_ASSERT_EQUAL(feed("HTTP/1.1 200 OK\r\nConnection: close\r\n"
			     "Content-Length: 0\r\n\r\n", false), HTTP_DONE);
	CU_ASSERT(!r.keepalive);
	CU_ASSERT_EQUAL(feed("HTTP/1.1 200 OK\r\nConnection: upgrade, CLOSE\r\n"
			     "Content-Length: 0\r\n\r\n", false), HTTP_DONE);
	CU_ASSERT(!r.keepalive);
	/* "closed" is not "close". */
	CU_ASSERT_EQUAL(feed("HTTP/1.1 200 OK\r\nConnection: closed\r\n"
			     "Content-Length: 0\r\n\r\n", false), HTTP_DONE);
	CU_ASSERT(r.keepalive);
}

static void
test_no_body_and_eof(void)
{
	/* RFC 9112 §6.3 rule 1: HEAD, 204, 304 have no body, whatever the length says. */
	CU_ASSERT_EQUAL(feed("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n", true), HTTP_DONE);
	CU_ASSERT_EQUAL(r.body_bytes, 0);
	CU_ASSERT_EQUAL(feed("HTTP/1.1 204 No Content\r\n\r\n", false), HTTP_DONE);
	CU_ASSERT_EQUAL(feed("HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n", false),
			HTTP_DONE);
	/* Rule 8: no length, the body runs to the end of the connection. */
	CU_ASSERT_EQUAL(feed("HTTP/1.0 200 OK\r\nServer: SimpleHTTP\r\n\r\nsome body", false),
			HTTP_MORE);
	CU_ASSERT(!r.keepalive);
	CU_ASSERT_EQUAL(http_resp_eof(&r), HTTP_DONE);
	CU_ASSERT_EQUAL(r.body_bytes, 9);
	/* An end of connection anywhere else is an error. */
	CU_ASSERT_EQUAL(feed("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", false), HTTP_MORE);
	CU_ASSERT_EQUAL(http_resp_eof(&r), HTTP_ERROR);
	CU_ASSERT_EQUAL(r.err, HTTP_E_EOF);
	CU_ASSERT_EQUAL(feed("HTTP/1.1 200 OK\r\nContent-Le", false), HTTP_MORE);
	CU_ASSERT_EQUAL(http_resp_eof(&r), HTTP_ERROR);
	CU_ASSERT_EQUAL(feed("", false), HTTP_MORE);
	CU_ASSERT_EQUAL(http_resp_eof(&r), HTTP_ERROR);
}

static void
test_interim(void)
{
	/* RFC 9110 §15.2: 1xx responses come before the final one. */
	CU_ASSERT_EQUAL(feed("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\n"
			     "Link: </a.css>\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 1\r\n"
			     "\r\nx", false), HTTP_DONE);
	CU_ASSERT_EQUAL(r.status, 201);
	CU_ASSERT_EQUAL(r.body_bytes, 1);
	CU_ASSERT_EQUAL(feed("HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n", false),
			HTTP_ERROR);
	CU_ASSERT_EQUAL(r.err, HTTP_E_UPGRADE);
}

static void
test_errors(void)
{
	static const struct {
		const char *resp;
		int err;
	} bad[] = {
		{ "HTTP/2 200 OK\r\n\r\n", HTTP_E_STATUS_LINE },
		{ "HTTP/1.1 20 OK\r\n\r\n", HTTP_E_STATUS_LINE },
		{ "HTTP/1.1 2000 OK\r\n\r\n", HTTP_E_STATUS_LINE },
		{ "HTTP/1.1 099 Low\r\n\r\n", HTTP_E_STATUS_LINE },
		{ "SSH-2.0-OpenSSH_9.2\r\n", HTTP_E_STATUS_LINE },
		{ "\r\n", HTTP_E_STATUS_LINE },
		{ "HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", HTTP_E_HEADER },
		{ "HTTP/1.1 200 OK\r\nContent-Length: 12a\r\n\r\n", HTTP_E_LENGTH },
		{ "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", HTTP_E_LENGTH },
		{ "HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n", HTTP_E_LENGTH },
		{ "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n",
		  HTTP_E_LENGTH },
		{ "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n",
		  HTTP_E_LENGTH },
		{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
		  HTTP_E_CODING },
		{ "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n"
		  "Transfer-Encoding: gzip, chunked\r\n\r\n",
		  HTTP_E_CODING },
	};
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CU_ASSERT_EQUAL(feed(bad[i].resp, false), HTTP_ERROR);
		CU_ASSERT_EQUAL(r.err, bad[i].err);
		if (r.err != bad[i].err)
			printf("\n    case %u: got %s\n", i, http_err_name(r.err));
	}
	CU_ASSERT_STRING_EQUAL(http_err_name(HTTP_E_CODING),
			       "transfer coding (chunked) not supported");
	CU_ASSERT_STRING_EQUAL(http_err_name(1000), "?");
}

static void
test_bounds(void)
{
	size_t big = 3 * HTTP_HDR_MAX, i;
	char *s = malloc(big + 128);
	int ret = HTTP_MORE;

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	/* A long field we do not read is skipped, whatever its length. */
	strcpy(s, "HTTP/1.1 200 OK\r\nX-Junk: ");
	i = strlen(s);
	memset(s + i, 'a', 20000);
	strcpy(s + i + 20000, "\r\nContent-Length: 1\r\n\r\nz");
	CU_ASSERT_EQUAL(feed(s, false), HTTP_DONE);
	/* A field we read, too long to hold: refused, not truncated. */
	strcpy(s, "HTTP/1.1 200 OK\r\nContent-Length: ");
	i = strlen(s);
	memset(s + i, ' ', 200);
	strcpy(s + i + 200, "1\r\n\r\nz");
	CU_ASSERT_EQUAL(feed(s, false), HTTP_ERROR);
	CU_ASSERT_EQUAL(r.err, HTTP_E_HEADER);
	/* A name too long to keep: not one of ours, skipped. */
	memset(s, 'N', 300);
	memcpy(s, "HTTP/1.1 200 OK\r\n", 17);
	strcpy(s + 300, ": v\r\nContent-Length: 0\r\n\r\n");
	CU_ASSERT_EQUAL(feed(s, false), HTTP_DONE);
	/* Endless header lines: refused once past HTTP_HDR_MAX, in any split. */
	strcpy(s, "HTTP/1.1 200 OK\r\n");
	for (i = strlen(s); i + 8 < big; i += 8)
		memcpy(s + i, "X: yzw\r\n", 8);
	s[i] = '\0';
	CU_ASSERT_EQUAL(feed(s, false), HTTP_ERROR);
	CU_ASSERT_EQUAL(r.err, HTTP_E_TOO_LONG);
	http_resp_init(&r, false);
	for (i = 0; i < strlen(s) && ret == HTTP_MORE; i += 1000)
		ret = http_resp_feed(&r, (const uint8_t *)s + i,
				     strlen(s) - i < 1000 ? strlen(s) - i : 1000);
	CU_ASSERT_EQUAL(ret, HTTP_ERROR);
	CU_ASSERT_EQUAL(r.err, HTTP_E_TOO_LONG);
	CU_ASSERT(i <= HTTP_HDR_MAX + 1000);
	/* A status line that never ends: the same bound. */
	memset(s, 'H', big);
	s[big] = '\0';
	CU_ASSERT_EQUAL(feed(s, false), HTTP_ERROR);
	CU_ASSERT_EQUAL(r.err, HTTP_E_TOO_LONG);
	free(s);
}

/* Every split of a response into two feeds gives the same answer. */
static void
test_every_split(void)
{
	static const char *const resps[] = {
		ok_resp,
		"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc",
		"HTTP/1.0 204 No Content\r\nConnection: keep-alive\r\n\r\n",
	};
	unsigned int k;
	size_t cut, n;
	int ret;

	for (k = 0; k < sizeof(resps) / sizeof(resps[0]); k++) {
		n = strlen(resps[k]);
		for (cut = 0; cut <= n; cut++) {
			http_resp_init(&r, false);
			ret = http_resp_feed(&r, (const uint8_t *)resps[k], cut);
			if (ret == HTTP_MORE)
				ret = http_resp_feed(&r, (const uint8_t *)resps[k] + cut, n - cut);
			CU_ASSERT_EQUAL(ret, HTTP_DONE);
		}
	}
	CU_ASSERT(r.keepalive);
	CU_ASSERT_EQUAL(r.status, 204);
}

int
main(void)
{
	unsigned int failed;
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("berth-load response framing", NULL, NULL);
	CU_add_test(s, "Content-Length", test_content_length);
	CU_add_test(s, "persistence: version and Connection", test_persistence);
	CU_add_test(s, "no body; body to the end of the connection", test_no_body_and_eof);
	CU_add_test(s, "interim responses", test_interim);
	CU_add_test(s, "malformed and unsupported: named errors", test_errors);
	CU_add_test(s, "bounds on header lines and section", test_bounds);
	CU_add_test(s, "every split gives the same answer", test_every_split);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	return failed ? 1 : 0;
}
