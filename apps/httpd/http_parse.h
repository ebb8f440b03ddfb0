/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * An incremental HTTP/1.1 request parser for berth-httpd: bytes go in as
 * they arrive, split anywhere; out comes "need more", "request complete"
 * (method, version, target, the header fields the server acts on) or an
 * error with the status code to answer. It never allocates and keeps no
 * pointer into the caller's buffers: what it needs is copied into fixed
 * arrays, so a request costs at most the limits given, whatever is sent.
 *
 * Only GET and HEAD without a body are accepted: a server that sends static
 * files needs nothing else, and refusing the rest keeps the parser small.
 *
 * Call chain: berth-httpd conn_serve -> http_parse (per byte state
 * machine) -> at the end of the header section, the request checks;
 * http_target_path -> percent-decoding and dot-segment removal.
 *
 * Read first: RFC 9112 §2 (message format, line endings), §3 (request
 * line, request target, Host), §5 (field syntax), §6 (body length);
 * RFC 9110 §5.6 (tokens, lists), §7.2 (Host), §9 (methods), §15 (status
 * codes); RFC 3986 §2.1 (percent-encoding), §5.2.4 (remove_dot_segments);
 * RFC 6585 §5 (431).
 */
#ifndef BERTH_HTTP_PARSE_H
#define BERTH_HTTP_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Largest request-target the parser can hold (http_limits.max_target). */
#define HTTP_TARGET_MAX 8192
/* Largest field value kept for the fields the server acts on. */
#define HTTP_VALUE_MAX 256
/* Longest method token looked at; a longer one is not a method we know. */
#define HTTP_METHOD_MAX 16

/* Defaults of struct http_limits (a zero field takes its default). */
#define HTTP_DEF_MAX_TARGET 4096
#define HTTP_DEF_MAX_HEADER 8192
#define HTTP_DEF_MAX_FIELDS 100

enum http_method {
	HTTP_METHOD_NONE = 0,
	HTTP_METHOD_GET,
	HTTP_METHOD_HEAD,
};

enum http_parse_result {
	HTTP_PARSE_ERROR = -1, /* answer parser.status and close the connection */
	HTTP_PARSE_MORE = 0,   /* every byte given was taken; feed more */
	HTTP_PARSE_DONE = 1,   /* a request is complete: parser.req */
};

/* Bounds on one request; beyond them the request fails with 414 or 431. */
struct http_limits {
	uint32_t max_target; /* request-target bytes (414), <= HTTP_TARGET_MAX */
	uint32_t max_header; /* request line + field lines + CRLFs (431) */
	uint32_t max_fields; /* field lines (431) */
};

/* Forms of request-target (RFC 9112 §3.2). */
enum http_target_form {
	HTTP_TARGET_ORIGIN = 0,   /* "/path?query" */
	HTTP_TARGET_ABSOLUTE,     /* "http://host/path?query" */
};

/* A complete request, as the server needs it. */
struct http_request {
	enum http_method method;
	uint8_t minor;              /* HTTP/1.minor; 1.x above 1 counts as 1.1 */
	bool keep_alive;            /* connection may stay open after the answer */
	enum http_target_form form;
	uint32_t target_len;
	char target[HTTP_TARGET_MAX + 1]; /* as received, NUL-terminated */
	uint32_t host_len;
	char host[HTTP_VALUE_MAX + 1];    /* Host field value, NUL-terminated */
};

/*
 * Parser state. Zero-initialise or http_parser_init() before use; reuse
 * for the next request on a connection with http_parser_reset().
 */
struct http_parser {
	struct http_limits lim;
	uint8_t state;
	uint16_t status;            /* with HTTP_PARSE_ERROR: the status to answer */
	uint32_t nbytes;            /* bytes of this request taken so far */
	uint32_t nfields;
	uint8_t nempty;             /* empty lines before the request line */
	/* What the current token or field is, while it is read. */
	uint8_t mlen;
	char method[HTTP_METHOD_MAX];
	uint8_t vlen;
	char version[8];
	uint8_t field;              /* which known field is being read */
	uint8_t nlen;
	char name[24];              /* enough for the longest field we know */
	uint16_t val_len;
	uint16_t val_trim;          /* val_len without trailing whitespace */
	char val[HTTP_VALUE_MAX];
	/* Gathered from the fields, checked at the end of the header section. */
	uint8_t nhost;
	bool has_te;
	bool has_cl;
	bool conn_close;
	bool conn_keep_alive;
	bool bad_field;             /* a known field had an invalid value */
	uint64_t content_length;
	struct http_request req;
};

/* Set up a parser with limits (NULL: defaults; zero fields: defaults). */
void http_parser_init(struct http_parser *p, const struct http_limits *lim);

/* Forget the last request; limits stay. */
void http_parser_reset(struct http_parser *p);

/*
 * Feed len bytes. Sets *used to the bytes taken: all of them for
 * HTTP_PARSE_MORE, up to the end of the request for HTTP_PARSE_DONE (the
 * rest is the next pipelined request), up to the offending byte for
 * HTTP_PARSE_ERROR. After DONE or ERROR, the parser returns the same result
 * and takes nothing until it is reset.
 */
enum http_parse_result http_parse(struct http_parser *p, const char *buf, size_t len,
				  size_t *used);

/* True once a byte of the current request (empty lines included) was taken. */
static inline bool
http_parser_started(const struct http_parser *p)
{
	return p->nbytes > 0;
}

/*
 * The path of a request's target for the file system: the path part (the
 * authority of an absolute-form target and the query left out),
 * percent-decoded (RFC 3986 §2.1) and with "." and ".." segments removed
 * and repeated slashes collapsed (RFC 3986 §5.2.4). The result starts with
 * '/' and ends with '/' when the target's path did.
 *
 * @return the length written to out (out is NUL-terminated), or the
 *   negative status to answer: -400 for a bad escape, a NUL byte, or a
 *   target that is neither origin- nor http absolute-form; -403 when ".."
 *   would climb above the root; -414 when out is too small.
 */
int http_target_path(const struct http_request *req, char *out, size_t outlen);

/*
 * The path part of a request's target as received (still percent-encoded,
 * query left out), for a Location that repeats it.
 *
 * @return its length; *path is set to its start within req->target.
 */
size_t http_target_raw_path(const struct http_request *req, const char **path);

/* Reason phrase of a status code (RFC 9110 §15), "" if unknown. */
const char *http_reason(unsigned int status);

#endif /* BERTH_HTTP_PARSE_H */
