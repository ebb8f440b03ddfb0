/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * HTTP/1.x response framing for berth-load: just enough of RFC 9112 to know
 * where a response ends (status line, header fields, Content-Length, a body
 * that ends with the connection) and whether the server keeps the
 * connection. Chunked and other transfer codings are refused as an error
 * the load generator counts, not parsed.
 *
 * Incremental and bounded: bytes are fed as they arrive, in any split; a
 * parser holds one header line prefix (HTTP_LINE_MAX) and counts the rest,
 * so a hostile server costs a fixed amount of memory and gets an error
 * once its header section passes HTTP_HDR_MAX.
 */
#ifndef BERTH_LOAD_HTTP_H
#define BERTH_LOAD_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bytes of a header line kept: enough for every field we read. */
#define HTTP_LINE_MAX 96
/* Bytes of status line and header fields allowed in one response. */
#define HTTP_HDR_MAX (64 * 1024)
/* Largest Content-Length accepted (1 TiB). */
#define HTTP_BODY_MAX (1ull << 40)

enum http_status {
	HTTP_MORE = 0,  /* the response is not complete yet */
	HTTP_DONE,      /* complete; http_resp.used bytes of the last feed were its */
	HTTP_ERROR,     /* malformed or unsupported: see http_resp.err */
};

enum http_err {
	HTTP_E_NONE = 0,
	HTTP_E_STATUS_LINE,  /* not "HTTP/1.x DDD ..." */
	HTTP_E_HEADER,       /* a field line without a colon, or a field we read too long */
	HTTP_E_TOO_LONG,     /* header section over HTTP_HDR_MAX */
	HTTP_E_LENGTH,       /* Content-Length not a number, too large, or two that differ */
	HTTP_E_CODING,       /* Transfer-Encoding (chunked): not supported */
	HTTP_E_UPGRADE,      /* 101 Switching Protocols */
	HTTP_E_EOF,          /* the connection ended before the response did */
};

struct http_resp {
	uint8_t phase;          /* status line, fields, body, done */
	bool head;              /* response to HEAD: no body whatever the fields say */
	bool line_long;         /* current line longer than line[] */
	uint16_t line_len;
	uint16_t status;
	uint8_t minor;          /* HTTP/1.minor */
	bool keepalive;         /* the connection stays open after this response */
	bool conn_close;        /* "Connection: close" seen */
	bool conn_keep;         /* "Connection: keep-alive" seen */
	bool have_len;
	bool until_eof;         /* no length: the body ends with the connection */
	uint8_t err;            /* enum http_err */
	uint32_t hdr_bytes;
	uint64_t body_left;     /* with Content-Length */
	uint64_t body_bytes;    /* body bytes seen */
	size_t used;            /* bytes of the last feed that belonged to the response */
	char line[HTTP_LINE_MAX];
};

/* Start a new response; head: it answers a HEAD request. */
void http_resp_init(struct http_resp *r, bool head);
/* Feed n received bytes. Returns enum http_status; on HTTP_DONE r->used says
 * how many of them were the response's (the rest are not). */
int http_resp_feed(struct http_resp *r, const uint8_t *p, size_t n);
/* The connection ended (FIN): completes a body that runs to the end of the
 * connection; any other unfinished response is HTTP_E_EOF. */
int http_resp_eof(struct http_resp *r);
/* A short name of an enum http_err. */
const char *http_err_name(int err);

#endif /* BERTH_LOAD_HTTP_H */
