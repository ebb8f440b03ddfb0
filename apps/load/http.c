/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Where an HTTP/1.x response ends, for berth-load (see http.h).
 *
 * Call chain: berth-load conn_read -> http_resp_feed (per received chunk)
 *             -> line_done -> status_line | field_line -> fields_end
 *             berth-load on end of stream -> http_resp_eof
 *
 * Read first: RFC 9112 §2.2 (message parsing: lines end in CRLF, a bare LF
 * is accepted), §4 (status line), §5 (field lines), §6.3 (message body
 * length: the order of the rules below), §9.3 (persistence: which
 * responses leave the connection open).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http.h"

enum phase { PH_STATUS, PH_FIELDS, PH_BODY, PH_DONE };

static const char *const err_names[] = {
	[HTTP_E_NONE] = "none",
	[HTTP_E_STATUS_LINE] = "bad status line",
	[HTTP_E_HEADER] = "bad header field",
	[HTTP_E_TOO_LONG] = "header section too long",
	[HTTP_E_LENGTH] = "bad Content-Length",
	[HTTP_E_CODING] = "transfer coding (chunked) not supported",
	[HTTP_E_UPGRADE] = "protocol upgrade",
	[HTTP_E_EOF] = "connection closed before the end of the response",
};

const char *
http_err_name(int err)
{
	return err >= 0 && (size_t)err < sizeof(err_names) / sizeof(err_names[0]) ?
	       err_names[err] : "?";
}

void
http_resp_init(struct http_resp *r, bool head)
{
	memset(r, 0, sizeof(*r));
	r->head = head;
	r->phase = PH_STATUS;
}

static int
fail(struct http_resp *r, enum http_err e)
{
	r->err = (uint8_t)e;
	return HTTP_ERROR;
}

/* RFC 9112 §4: status-line = HTTP-version SP status-code SP [ reason-phrase ] */
static int
status_line(struct http_resp *r, const char *s, size_t len)
{
	if (len < 12 || memcmp(s, "HTTP/1.", 7) != 0 || !isdigit((unsigned char)s[7]) ||
	    s[8] != ' ' || !isdigit((unsigned char)s[9]) || !isdigit((unsigned char)s[10]) ||
	    !isdigit((unsigned char)s[11]) || (len > 12 && s[12] != ' '))
		return fail(r, HTTP_E_STATUS_LINE);
	r->minor = (uint8_t)(s[7] - '0');
	r->status = (uint16_t)((s[9] - '0') * 100 + (s[10] - '0') * 10 + (s[11] - '0'));
	if (r->status < 100)
		return fail(r, HTTP_E_STATUS_LINE);
	r->phase = PH_FIELDS;
	return HTTP_MORE;
}

/* Strip RFC 9110 §5.6.3 OWS (SP, HTAB) from both ends. */
static void
trim(const char **v, size_t *len)
{
	while (*len > 0 && (**v == ' ' || **v == '\t')) {
		(*v)++;
		(*len)--;
	}
	while (*len > 0 && ((*v)[*len - 1] == ' ' || (*v)[*len - 1] == '\t'))
		(*len)--;
}

/* RFC 9110 §8.6: Content-Length = 1*DIGIT. */
static int
content_length(struct http_resp *r, const char *v, size_t len)
{
	uint64_t n = 0;
	size_t i;

	if (len == 0)
		return fail(r, HTTP_E_LENGTH);
	for (i = 0; i < len; i++) {
		if (!isdigit((unsigned char)v[i]))
			return fail(r, HTTP_E_LENGTH);
		n = n * 10 + (uint64_t)(v[i] - '0');
		if (n > HTTP_BODY_MAX)
			return fail(r, HTTP_E_LENGTH);
	}
	/* RFC 9112 §6.3 rule 5: differing lengths make the framing unknowable. */
	if (r->have_len && r->body_left != n)
		return fail(r, HTTP_E_LENGTH);
	r->have_len = true;
	r->body_left = n;
	return HTTP_MORE;
}

/* RFC 9110 §7.6.1: Connection = #connection-option (case-insensitive tokens). */
static void
connection(struct http_resp *r, const char *v, size_t len)
{
	while (len > 0) {
		const char *comma = memchr(v, ',', len);
		size_t tl = comma != NULL ? (size_t)(comma - v) : len;
		const char *t = v;
		size_t rest = comma != NULL ? len - tl - 1 : 0;

		trim(&t, &tl);
		if (tl == 5 && strncasecmp(t, "close", 5) == 0)
			r->conn_close = true;
		else if (tl == 10 && strncasecmp(t, "keep-alive", 10) == 0)
			r->conn_keep = true;
		v = comma != NULL ? comma + 1 : v + len;
		len = rest;
	}
}

static bool
name_is(const char *s, size_t len, const char *name)
{
	size_t n = strlen(name);

	return len == n && strncasecmp(s, name, n) == 0;
}

/* RFC 9112 §5: field-line = field-name ":" OWS field-value OWS */
static int
field_line(struct http_resp *r, const char *s, size_t len)
{
	const char *colon = memchr(s, ':', len), *v;
	size_t nlen, vlen;
	bool ours;

	/* RFC 9112 §5.2: obsolete line folding; nothing berth-load reads is folded. */
	if (s[0] == ' ' || s[0] == '\t')
		return HTTP_MORE;
	if (colon == NULL) {
		/* The name may run past what we kept: not one of ours then. */
		return r->line_long ? HTTP_MORE : fail(r, HTTP_E_HEADER);
	}
	nlen = (size_t)(colon - s);
	ours = name_is(s, nlen, "content-length") || name_is(s, nlen, "transfer-encoding") ||
	       name_is(s, nlen, "connection");
	if (!ours)
		return HTTP_MORE;
	if (r->line_long)
		return fail(r, HTTP_E_HEADER);
	v = colon + 1;
	vlen = len - nlen - 1;
	trim(&v, &vlen);
	if (name_is(s, nlen, "content-length"))
		return content_length(r, v, vlen);
	if (name_is(s, nlen, "transfer-encoding"))
		return fail(r, HTTP_E_CODING);
	connection(r, v, vlen);
	return HTTP_MORE;
}

/* The empty line after the fields: decide the body's length (RFC 9112 §6.3). */
static int
fields_end(struct http_resp *r)
{
	bool head = r->head;
	uint32_t hdr = r->hdr_bytes;

	if (r->status == 101)
		return fail(r, HTTP_E_UPGRADE);
	if (r->status < 200) {
		/* RFC 9110 §15.2: an interim response; the final one follows. */
		http_resp_init(r, head);
		r->hdr_bytes = hdr;
		return HTTP_MORE;
	}
	/* RFC 9112 §9.3: 1.1 persists unless "close"; 1.0 only with "keep-alive". */
	r->keepalive = r->minor >= 1 ? !r->conn_close : r->conn_keep && !r->conn_close;
	/* RFC 9112 §6.3 rule 1: no body after HEAD, 1xx, 204, 304. */
	if (r->head || r->status == 204 || r->status == 304) {
		r->phase = PH_DONE;
		return HTTP_DONE;
	}
	if (r->have_len) {
		r->phase = r->body_left == 0 ? PH_DONE : PH_BODY;
		return r->body_left == 0 ? HTTP_DONE : HTTP_MORE;
	}
	/* RFC 9112 §6.3 rule 8: the body is what comes until the server closes. */
	r->until_eof = true;
	r->keepalive = false;
	r->phase = PH_BODY;
	return HTTP_MORE;
}

static int
line_done(struct http_resp *r)
{
	size_t len = r->line_len;
	const char *s = r->line;

	/* RFC 9112 §2.2: CRLF, or a bare LF. */
	if (!r->line_long && len > 0 && s[len - 1] == '\r')
		len--;
	if (r->phase == PH_STATUS) {
		if (r->line_long)
			return fail(r, HTTP_E_STATUS_LINE);
		return status_line(r, s, len);
	}
	if (len == 0 && !r->line_long)
		return fields_end(r);
	return field_line(r, s, len);
}

int
http_resp_feed(struct http_resp *r, const uint8_t *p, size_t n)
{
	size_t off = 0;
	int ret;

	r->used = 0;
	while (off < n) {
		if (r->phase == PH_STATUS || r->phase == PH_FIELDS) {
			const uint8_t *lf = memchr(p + off, '\n', n - off);
			size_t take = lf != NULL ? (size_t)(lf - (p + off)) : n - off;
			size_t room = HTTP_LINE_MAX - r->line_len;

			if (r->hdr_bytes + take + 1 > HTTP_HDR_MAX)
				return fail(r, HTTP_E_TOO_LONG);
			r->hdr_bytes += (uint32_t)take;
			if (take > room) {
				r->line_long = true;
				take = room;
			}
			memcpy(r->line + r->line_len, p + off, take);
			r->line_len = (uint16_t)(r->line_len + take);
			if (lf == NULL) {
				off = n;
				break;
			}
			off = (size_t)(lf - p) + 1;
			r->hdr_bytes++;
			ret = line_done(r);
			r->line_len = 0;
			r->line_long = false;
			if (ret == HTTP_ERROR)
				return ret;
			if (ret == HTTP_DONE) {
				r->used = off;
				return HTTP_DONE;
			}
			continue;
		}
		if (r->phase == PH_BODY) {
			size_t take = n - off;

			if (!r->until_eof && take > r->body_left)
				take = (size_t)r->body_left;
			r->body_bytes += take;
			off += take;
			if (!r->until_eof) {
				r->body_left -= take;
				if (r->body_left == 0) {
					r->phase = PH_DONE;
					r->used = off;
					return HTTP_DONE;
				}
			}
			continue;
		}
		break; /* PH_DONE: nothing more is the response's */
	}
	r->used = off;
	return r->phase == PH_DONE ? HTTP_DONE : HTTP_MORE;
}

int
http_resp_eof(struct http_resp *r)
{
	if (r->phase == PH_DONE)
		return HTTP_DONE;
	if (r->phase == PH_BODY && r->until_eof) {
		r->phase = PH_DONE;
		return HTTP_DONE;
	}
	return fail(r, HTTP_E_EOF);
}
