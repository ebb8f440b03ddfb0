/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Incremental HTTP/1.1 request parser (see http_parse.h): one state per
 * place in the request line or a field line, one byte at a time, so input
 * split at any byte gives the same result as input in one piece.
 *
 * Call chain: berth-httpd conn_serve -> http_parse -> request line
 * (method_end, version_end) -> field lines (field_end) -> header_end;
 * berth-httpd serve_file -> http_target_path.
 *
 * Read first: RFC 9112 §2.2 (line endings, empty lines before a request),
 * §3 (request line), §3.2 (Host, request-target forms), §5 (field lines,
 * obs-fold), §6.1-6.3 (Transfer-Encoding, Content-Length); RFC 9110 §5.6.2
 * (tokens), §8.6 (Content-Length), §9.1 (methods); RFC 3986 §2.1, §3.2.2,
 * §5.2.4.
 *
 * Strict where the RFCs allow a choice: a bare CR, whitespace before a
 * field's colon, obs-fold and a request line with extra spaces are all
 * rejected with 400 (RFC 9112 §2.2, §3, §5.1, §5.2 permit it); a bare LF
 * ends a line (RFC 9112 §2.2 permits that too, and hand-typed requests
 * use it).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "http_parse.h"

enum state {
	S_START,        /* before the request line: empty lines are skipped */
	S_START_LF,     /* CR of such an empty line */
	S_METHOD,
	S_TARGET,
	S_VERSION,
	S_RL_LF,        /* CR after the version */
	S_FIELD_START,  /* start of a field line, or of the empty line that ends them */
	S_FIELD_NAME,
	S_FIELD_OWS,    /* after the colon, before the value */
	S_FIELD_VALUE,
	S_FIELD_LF,     /* CR after a value */
	S_END_LF,       /* CR of the empty line */
	S_DONE,
	S_ERROR,
};

/* Fields the server acts on; every other field is checked and skipped. */
enum field {
	F_OTHER = 0,
	F_HOST,
	F_CONNECTION,
	F_CONTENT_LENGTH,
	F_TRANSFER_ENCODING,
	F_LONG,         /* name longer than any known: not one of them */
};

/* Empty lines tolerated before the request line (RFC 9112 §2.2: at least one). */
#define MAX_EMPTY_LINES 4

/*
 * Byte classes, one table lookup per byte (the parser looks at every byte
 * of every request):
 * C_TCHAR   RFC 9110 §5.6.2 tchar: ALPHA, DIGIT, "!#$%&'*+-.^_`|~".
 * C_TARGET  bytes allowed in a request-target: RFC 3986 unreserved,
 *           sub-delims, ":", "@", "/", "?" and "%" (pct-encoded is checked
 *           when decoding); everything else, '#' included (never sent,
 *           RFC 9112 §3.2), is refused.
 * C_VALUE   RFC 9110 §5.5 field-vchar, SP and HTAB: no other control byte.
 */
#define C_TCHAR 1
#define C_TARGET 2
#define C_VALUE 4
static uint8_t char_class[256];

/* Filled before main() from the RFCs' lists, so the table cannot disagree with them. */
__attribute__((constructor)) static void
char_class_init(void)
{
	const char *tchar = "!#$%&'*+-.^_`|~", *target = "-._~!$&'()*+,;=:@/?%";
	unsigned int c;

	for (c = 0; c < 256; c++) {
		bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');

		if (c == '\t' || (c >= 0x20 && c != 0x7f))
			char_class[c] |= C_VALUE;
		if (alnum || (c != 0 && strchr(tchar, (int)c) != NULL))
			char_class[c] |= C_TCHAR;
		if (alnum || (c != 0 && strchr(target, (int)c) != NULL))
			char_class[c] |= C_TARGET;
	}
}

static inline bool
is_tchar(unsigned char c)
{
	return char_class[c] & C_TCHAR;
}

static inline bool
is_target_char(unsigned char c)
{
	return char_class[c] & C_TARGET;
}

static inline bool
is_value_char(unsigned char c)
{
	return char_class[c] & C_VALUE;
}

static int
hex_val(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static char
lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* Case-insensitive comparison of s[0..len) with a lower-case literal. */
static bool
eq_nocase(const char *s, size_t len, const char *lit)
{
	size_t i;

	if (strlen(lit) != len)
		return false;
	for (i = 0; i < len; i++)
		if (lower(s[i]) != lit[i])
			return false;
	return true;
}

void
http_parser_reset(struct http_parser *p)
{
	struct http_limits lim = p->lim;

	/* The request's target buffer is large; only its length needs clearing. */
	memset(p, 0, offsetof(struct http_parser, req));
	memset(&p->req, 0, offsetof(struct http_request, target));
	p->req.target[0] = '\0';
	p->req.host[0] = '\0';
	p->lim = lim;
	p->state = S_START;
}

void
http_parser_init(struct http_parser *p, const struct http_limits *lim)
{
	memset(&p->lim, 0, sizeof(p->lim));
	if (lim != NULL)
		p->lim = *lim;
	if (p->lim.max_target == 0 || p->lim.max_target > HTTP_TARGET_MAX)
		p->lim.max_target = p->lim.max_target == 0 ? HTTP_DEF_MAX_TARGET : HTTP_TARGET_MAX;
	if (p->lim.max_header == 0)
		p->lim.max_header = HTTP_DEF_MAX_HEADER;
	if (p->lim.max_fields == 0)
		p->lim.max_fields = HTTP_DEF_MAX_FIELDS;
	http_parser_reset(p);
}

static enum http_parse_result
fail(struct http_parser *p, uint16_t status)
{
	p->state = S_ERROR;
	p->status = status;
	return HTTP_PARSE_ERROR;
}

/* RFC 9110 §9.1: the method token is case-sensitive. */
static enum http_parse_result
method_end(struct http_parser *p)
{
	/* Defined by RFC 9110 §9 or RFC 5789, but not served here. */
	static const char *const known[] = {
		"POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH",
	};
	size_t i;

	if (p->mlen == 0)
		return fail(p, 400);
	if (p->mlen == 3 && memcmp(p->method, "GET", 3) == 0) {
		p->req.method = HTTP_METHOD_GET;
		return HTTP_PARSE_MORE;
	}
	if (p->mlen == 4 && memcmp(p->method, "HEAD", 4) == 0) {
		p->req.method = HTTP_METHOD_HEAD;
		return HTTP_PARSE_MORE;
	}
	/*
	 * RFC 9113 §3.4: "PRI * HTTP/2.0" opens an HTTP/2 connection with
	 * prior knowledge. This server speaks HTTP/1.1 only: the preface is
	 * a malformed request to it.
	 */
	if (p->mlen == 3 && memcmp(p->method, "PRI", 3) == 0)
		return fail(p, 400);
	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strlen(known[i]) == p->mlen && memcmp(p->method, known[i], p->mlen) == 0)
			return fail(p, 405); /* RFC 9110 §15.5.6, with Allow */
	return fail(p, 501); /* RFC 9110 §9.1: a method we do not recognise */
}

/* RFC 9112 §2.3: HTTP-version = "HTTP/" DIGIT "." DIGIT, case-sensitive. */
static enum http_parse_result
version_end(struct http_parser *p)
{
	const char *v = p->version;

	if (p->vlen != 8 || memcmp(v, "HTTP/", 5) != 0 || v[5] < '0' || v[5] > '9' ||
	    v[6] != '.' || v[7] < '0' || v[7] > '9')
		return fail(p, 400);
	/* RFC 9110 §6.2, §15.6.6: another major version is not ours to answer. */
	if (v[5] != '1')
		return fail(p, 505);
	/* RFC 9110 §6.2: a higher 1.x minor version is answered as 1.1. */
	p->req.minor = v[7] == '0' ? 0 : 1;
	/* RFC 9112 §3.2.2: absolute-form; only the http scheme is ours. */
	if (p->req.form == HTTP_TARGET_ABSOLUTE) {
		const char *t = p->req.target;
		size_t n = p->req.target_len;

		if (n < 8 || !eq_nocase(t, 7, "http://") || t[7] == '/' || t[7] == '?')
			return fail(p, 400);
	}
	return HTTP_PARSE_MORE;
}

/* Identify a field by its (lower-cased) name. */
static uint8_t
field_id(const struct http_parser *p)
{
	if (p->nlen > sizeof(p->name))
		return F_LONG;
	if (p->nlen == 4 && memcmp(p->name, "host", 4) == 0)
		return F_HOST;
	if (p->nlen == 10 && memcmp(p->name, "connection", 10) == 0)
		return F_CONNECTION;
	if (p->nlen == 14 && memcmp(p->name, "content-length", 14) == 0)
		return F_CONTENT_LENGTH;
	if (p->nlen == 17 && memcmp(p->name, "transfer-encoding", 17) == 0)
		return F_TRANSFER_ENCODING;
	return F_OTHER;
}

/*
 * RFC 9110 §7.2, RFC 3986 §3.2.2-3.2.3: Host = uri-host [ ":" port ].
 * Checked for characters only: enough to refuse what cannot be a host.
 */
static bool
host_valid(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
			continue;
		if (strchr("-._~!$&'()*+,;=:[]%", c) == NULL || c == '\0')
			return false;
	}
	return true;
}

/* RFC 9110 §7.6.1: Connection = #connection-option (case-insensitive tokens). */
static void
connection_tokens(struct http_parser *p, const char *s, size_t len)
{
	size_t i = 0, start, end;

	while (i < len) {
		while (i < len && (s[i] == ',' || s[i] == ' ' || s[i] == '\t'))
			i++;
		start = i;
		while (i < len && s[i] != ',')
			i++;
		end = i;
		while (end > start && (s[end - 1] == ' ' || s[end - 1] == '\t'))
			end--;
		if (eq_nocase(s + start, end - start, "close"))
			p->conn_close = true;
		else if (eq_nocase(s + start, end - start, "keep-alive"))
			p->conn_keep_alive = true;
	}
}

/* A field line ended: act on the fields we know. */
static void
field_end(struct http_parser *p)
{
	size_t len = p->val_trim, i;
	uint64_t v = 0;
	bool overflow = p->val_len > HTTP_VALUE_MAX;

	switch (p->field) {
	case F_HOST:
		p->nhost++;
		if (overflow || !host_valid(p->val, len)) {
			p->bad_field = true;
			break;
		}
		memcpy(p->req.host, p->val, len);
		p->req.host[len] = '\0';
		p->req.host_len = (uint32_t)len;
		break;
	case F_CONNECTION:
		if (overflow)
			p->bad_field = true;
		else
			connection_tokens(p, p->val, len);
		break;
	case F_CONTENT_LENGTH:
		/* RFC 9110 §8.6: 1*DIGIT; RFC 9112 §6.3 item 5: otherwise invalid. */
		if (overflow || len == 0 || len > 18) {
			p->bad_field = true;
			break;
		}
		for (i = 0; i < len; i++) {
			if (p->val[i] < '0' || p->val[i] > '9') {
				p->bad_field = true;
				return;
			}
			v = v * 10 + (uint64_t)(p->val[i] - '0');
		}
		/* Several Content-Length lines must agree (RFC 9110 §8.6). */
		if (p->has_cl && v != p->content_length)
			p->bad_field = true;
		p->has_cl = true;
		p->content_length = v;
		break;
	case F_TRANSFER_ENCODING:
		p->has_te = true;
		break;
	default:
		break;
	}
}

/* The empty line after the fields: decide what the request is. */
static enum http_parse_result
header_end(struct http_parser *p)
{
	/*
	 * RFC 9112 §6.1: a server that does not understand a transfer coding
	 * answers 501. No coding is implemented (a GET has no body to code).
	 */
	if (p->has_te)
		return fail(p, 501);
	if (p->bad_field)
		return fail(p, 400);
	/* RFC 9112 §3.2: no Host in HTTP/1.1, or more than one Host: 400. */
	if (p->nhost > 1 || (p->req.minor >= 1 && p->nhost == 0))
		return fail(p, 400);
	/*
	 * RFC 9110 §9.3.1: content in a GET has no defined semantics. Not
	 * reading it would take it for the next request; refuse it instead.
	 */
	if (p->has_cl && p->content_length > 0)
		return fail(p, 400);
	/* RFC 9112 §9.3: persistence by version and the "close" option. */
	if (p->conn_close)
		p->req.keep_alive = false;
	else
		p->req.keep_alive = p->req.minor >= 1 || p->conn_keep_alive;
	p->state = S_DONE;
	return HTTP_PARSE_DONE;
}

/* One byte of the request line. */
static enum http_parse_result
request_line_byte(struct http_parser *p, unsigned char c)
{
	switch (p->state) {
	case S_START:
		if (c == '\r') {
			p->state = S_START_LF;
			return HTTP_PARSE_MORE;
		}
		if (c == '\n') {
			/* RFC 9112 §2.2: empty lines before the request line are ignored. */
			if (++p->nempty > MAX_EMPTY_LINES)
				return fail(p, 400);
			return HTTP_PARSE_MORE;
		}
		p->state = S_METHOD;
		/* fall through */
	case S_METHOD:
		if (c == ' ') {
			if (method_end(p) != HTTP_PARSE_MORE)
				return HTTP_PARSE_ERROR;
			p->state = S_TARGET;
			return HTTP_PARSE_MORE;
		}
		if (!is_tchar(c))
			return fail(p, 400);
		/* RFC 9112 §3: a method longer than any we implement: 501. */
		if (p->mlen == HTTP_METHOD_MAX)
			return fail(p, 501);
		p->method[p->mlen++] = (char)c;
		return HTTP_PARSE_MORE;
	case S_START_LF:
		if (c != '\n')
			return fail(p, 400);
		if (++p->nempty > MAX_EMPTY_LINES)
			return fail(p, 400);
		p->state = S_START;
		return HTTP_PARSE_MORE;
	case S_TARGET:
		if (c == ' ') {
			if (p->req.target_len == 0)
				return fail(p, 400);
			p->req.target[p->req.target_len] = '\0';
			p->state = S_VERSION;
			return HTTP_PARSE_MORE;
		}
		if (p->req.target_len == 0) {
			/* RFC 9112 §3.2: origin-form for GET and HEAD, or absolute-form. */
			if (c == '/')
				p->req.form = HTTP_TARGET_ORIGIN;
			else if (c == 'h' || c == 'H')
				p->req.form = HTTP_TARGET_ABSOLUTE;
			else
				return fail(p, 400);
		}
		if (!is_target_char(c))
			return fail(p, 400);
		/* RFC 9112 §3: a target longer than we parse: 414. */
		if (p->req.target_len >= p->lim.max_target)
			return fail(p, 414);
		p->req.target[p->req.target_len++] = (char)c;
		return HTTP_PARSE_MORE;
	case S_VERSION:
		if (c == '\r' || c == '\n') {
			if (version_end(p) != HTTP_PARSE_MORE)
				return HTTP_PARSE_ERROR;
			p->state = c == '\r' ? S_RL_LF : S_FIELD_START;
			return HTTP_PARSE_MORE;
		}
		if (p->vlen == sizeof(p->version))
			return fail(p, 400);
		p->version[p->vlen++] = (char)c;
		return HTTP_PARSE_MORE;
	case S_RL_LF:
		/* RFC 9112 §2.2: a bare CR is invalid. */
		if (c != '\n')
			return fail(p, 400);
		p->state = S_FIELD_START;
		return HTTP_PARSE_MORE;
	default:
		return fail(p, 500);
	}
}

/* A byte of a field name, lowercased; names longer than any known are only counted. */
static inline void
name_add(struct http_parser *p, unsigned char c)
{
	if (p->nlen < sizeof(p->name))
		p->name[p->nlen] = lower((char)c);
	if (p->nlen <= sizeof(p->name))
		p->nlen++;
}

/* A byte of a field value, kept only for the fields the server acts on. */
static inline void
value_add(struct http_parser *p, unsigned char c)
{
	if (p->field == F_OTHER || p->field == F_LONG)
		return;
	/* One past the limit marks an overflow; the value is refused then. */
	if (p->val_len < HTTP_VALUE_MAX)
		p->val[p->val_len] = (char)c;
	if (p->val_len <= HTTP_VALUE_MAX)
		p->val_len++;
	/* RFC 9110 §5.5: whitespace around a value is not part of it. */
	if (c != ' ' && c != '\t')
		p->val_trim = p->val_len;
}

/* One byte of the field lines or of the empty line that ends them. */
static enum http_parse_result
field_byte(struct http_parser *p, unsigned char c)
{
	switch (p->state) {
	case S_FIELD_START:
		if (c == '\r') {
			p->state = S_END_LF;
			return HTTP_PARSE_MORE;
		}
		if (c == '\n')
			return header_end(p);
		/*
		 * RFC 9112 §5.2: obs-fold (a line starting with whitespace) is
		 * rejected; §2.2: so is whitespace before the first field.
		 */
		if (!is_tchar(c))
			return fail(p, 400);
		if (++p->nfields > p->lim.max_fields)
			return fail(p, 431); /* RFC 6585 §5 */
		p->nlen = 0;
		p->val_len = 0;
		p->val_trim = 0;
		p->state = S_FIELD_NAME;
		/* fall through */
	case S_FIELD_NAME:
		if (c == ':') {
			if (p->nlen == 0)
				return fail(p, 400);
			p->field = field_id(p);
			p->state = S_FIELD_OWS;
			return HTTP_PARSE_MORE;
		}
		/* RFC 9112 §5.1: no whitespace between the name and the colon. */
		if (!is_tchar(c))
			return fail(p, 400);
		name_add(p, c);
		return HTTP_PARSE_MORE;
	case S_FIELD_OWS:
		if (c == ' ' || c == '\t')
			return HTTP_PARSE_MORE;
		p->state = S_FIELD_VALUE;
		/* fall through */
	case S_FIELD_VALUE:
		if (c == '\r' || c == '\n') {
			field_end(p);
			if (c == '\n') {
				p->state = S_FIELD_START;
				return HTTP_PARSE_MORE;
			}
			p->state = S_FIELD_LF;
			return HTTP_PARSE_MORE;
		}
		if (!is_value_char(c))
			return fail(p, 400);
		value_add(p, c);
		return HTTP_PARSE_MORE;
	case S_FIELD_LF:
		if (c != '\n')
			return fail(p, 400);
		p->state = S_FIELD_START;
		return HTTP_PARSE_MORE;
	case S_END_LF:
		if (c != '\n')
			return fail(p, 400);
		return header_end(p);
	default:
		return fail(p, 500);
	}
}

/*
 * Does byte c only extend the current token, with nothing to decide? A
 * field name's tchar; a field value's byte other than CR and LF; a target
 * byte after its first while the target has room. (Separators, line ends,
 * first bytes and limits go through the state switch.)
 */
static inline bool
run_starts(const struct http_parser *p, unsigned char c)
{
	switch (p->state) {
	case S_FIELD_NAME:
		return is_tchar(c);
	case S_FIELD_VALUE:
		return is_value_char(c);
	case S_TARGET:
		return p->req.target_len > 0 && p->req.target_len < p->lim.max_target &&
		       is_target_char(c);
	default:
		return false;
	}
}

/* What the state switch does with such a byte (field_byte, request_line_byte). */
static inline void
run_byte(struct http_parser *p, unsigned char c)
{
	switch (p->state) {
	case S_FIELD_NAME:
		name_add(p, c);
		break;
	case S_FIELD_VALUE:
		value_add(p, c);
		break;
	default: /* S_TARGET */
		p->req.target[p->req.target_len++] = (char)c;
		break;
	}
}

enum http_parse_result
http_parse(struct http_parser *p, const char *buf, size_t len, size_t *used)
{
	enum http_parse_result r = HTTP_PARSE_MORE;
	size_t i;

	*used = 0;
	if (p->state == S_DONE)
		return HTTP_PARSE_DONE;
	if (p->state == S_ERROR)
		return HTTP_PARSE_ERROR;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)buf[i];

		if (++p->nbytes > p->lim.max_header) {
			/*
			 * Still in the request line: it is the target that is
			 * too long (414); in the fields, the header section (431).
			 */
			r = fail(p, p->state < S_FIELD_START ? 414 : 431);
			break;
		}
		if (run_starts(p, c)) {
			/*
			 * A run of bytes that only extend what the state holds (a
			 * field name, a field value, the target): taken here at
			 * once, within the header limit, byte for byte as the
			 * state switch would; the byte after the run goes through
			 * it as usual.
			 */
			size_t j = i + 1, room = p->lim.max_header - p->nbytes;
			size_t stop = len - j < room ? len : j + room;

			run_byte(p, c);
			while (j < stop && run_starts(p, (unsigned char)buf[j]))
				run_byte(p, (unsigned char)buf[j++]);
			p->nbytes += j - (i + 1);
			i = j - 1;
		} else if (p->state < S_FIELD_START) {
			r = request_line_byte(p, c);
		} else {
			r = field_byte(p, c);
		}
		if (r != HTTP_PARSE_MORE) {
			/* The byte that completed the request is taken. */
			if (r == HTTP_PARSE_DONE)
				i++;
			break;
		}
	}
	*used = i;
	return r;
}

/* ---- the target's path ---- */

size_t
http_target_raw_path(const struct http_request *req, const char **path)
{
	const char *t = req->target, *q;
	size_t n = req->target_len;

	if (req->form == HTTP_TARGET_ABSOLUTE) {
		/* Past "http://" and the authority (RFC 3986 §3.2). */
		size_t i = n >= 7 ? 7 : n;

		while (i < n && t[i] != '/' && t[i] != '?')
			i++;
		t += i;
		n -= i;
	}
	q = memchr(t, '?', n);
	*path = t;
	return q != NULL ? (size_t)(q - t) : n;
}

int
http_target_path(const struct http_request *req, char *out, size_t outlen)
{
	const char *raw;
	size_t rlen, n = 0, r, w, i, end;
	bool trailing = false;

	if (req->form == HTTP_TARGET_ABSOLUTE) {
		const char *t = req->target;
		size_t a;

		if (req->target_len < 8 || !eq_nocase(t, 7, "http://"))
			return -400;
		/* RFC 9110 §4.2.4: userinfo in an http URI is refused. */
		for (a = 7; a < req->target_len && t[a] != '/' && t[a] != '?'; a++)
			if (t[a] == '@')
				return -400;
		if (a == 7)
			return -400;
	} else if (req->target_len == 0 || req->target[0] != '/') {
		return -400;
	}
	rlen = http_target_raw_path(req, &raw);
	if (outlen < 2 || rlen + 2 > outlen)
		return -414;
	/* An absolute-form target without a path means "/" (RFC 9112 §3.2.2). */
	out[n++] = '/';
	/* RFC 3986 §2.1: percent-decode; a NUL byte is never a file name. */
	for (i = 0; i < rlen; i++) {
		int hi, lo;

		if (raw[i] != '%') {
			out[n++] = raw[i];
			continue;
		}
		if (i + 2 >= rlen)
			return -400;
		hi = hex_val((unsigned char)raw[i + 1]);
		lo = hex_val((unsigned char)raw[i + 2]);
		if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
			return -400;
		out[n++] = (char)(hi << 4 | lo);
		i += 2;
	}
	/*
	 * RFC 3986 §5.2.4, after decoding so that "%2e%2e" is "..": remove
	 * "." and ".." segments and empty ones ("//"). Done in place: the
	 * output never overtakes the input, both starting at the leading '/'.
	 * A ".." above the root is refused rather than clamped, so a
	 * traversal attempt is answered (and counted) as one.
	 */
	r = 0;
	w = 1;
	while (r < n) {
		while (r < n && out[r] == '/')
			r++;
		if (r == n) {
			trailing = true;
			break;
		}
		end = r;
		while (end < n && out[end] != '/')
			end++;
		if (end - r == 1 && out[r] == '.') {
			trailing = true;
		} else if (end - r == 2 && out[r] == '.' && out[r + 1] == '.') {
			if (w == 1)
				return -403;
			w--;
			while (out[w - 1] != '/')
				w--;
			trailing = true;
		} else {
			memmove(out + w, out + r, end - r);
			w += end - r;
			out[w++] = '/';
			trailing = false;
		}
		r = end;
	}
	if (w > 1 && !trailing)
		w--;
	out[w] = '\0';
	return (int)w;
}

const char *
http_reason(unsigned int status)
{
	switch (status) {
	case 200: return "OK";
	case 301: return "Moved Permanently";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 414: return "URI Too Long";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 503: return "Service Unavailable";
	case 505: return "HTTP Version Not Supported";
	default: return "";
	}
}
