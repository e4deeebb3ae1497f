/* http.c - the little of HTTP/1.1 (RFC 9112) that fetching a policy needs
 *
 * Owns: reading a response: the status line, the header fields that say
 *       how long the body is and what it is, the body (by length, chunked
 *       or up to the close), with bounds on each.
 * Not:  the connection and TLS (net, tls), what the body means (mtasts),
 *       redirects (never followed: a 3xx is just not 200). Pure, a fuzz
 *       target. */

#include <config.h>

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http.h"

/* A chunk size line (size, extensions, CR) is at most this long. */
#define HTTP_MAX_CHUNK_LINE 64

/* What the header section said about the body. */
struct http_framing {
	long long length; /* Content-Length, -1: none */
	int chunked;
};

void
http_response_free(struct http_response *r)
{
	buf_free(&r->body);
	memset(r, 0, sizeof(*r));
}

static enum http_state
http_bad(struct http_response *r, const char *why)
{
	r->why = why;
	return HTTP_BAD;
}

/* The end of the line starting at p (its '\n'), NULL when not there. */
static const char *
http_eol(const char *p, const char *end)
{
	return memchr(p, '\n', (size_t)(end - p));
}

/* "HTTP/1.x NNN reason". */
static int
http_status_line(const char *p, const char *eol, struct http_response *r)
{
	if (eol - p < 12 || memcmp(p, "HTTP/1.", 7) != 0 ||
	    !isdigit((unsigned char)p[7]) || p[8] != ' ' ||
	    !isdigit((unsigned char)p[9]) || !isdigit((unsigned char)p[10]) ||
	    !isdigit((unsigned char)p[11]) ||
	    (eol - p > 12 && p[12] != ' ' && p[12] != '\r'))
		return -1;
	r->status = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
	return 0;
}

/* The value of one field line [p, eol) without blanks around it. */
static void
http_value(const char *p, const char *eol, const char **v, size_t *n)
{
	while (p < eol && (*p == ' ' || *p == '\t'))
		p++;
	while (eol > p && (eol[-1] == ' ' || eol[-1] == '\t' ||
	                   eol[-1] == '\r'))
		eol--;
	*v = p;
	*n = (size_t)(eol - p);
}

static int
http_length(const char *v, size_t n, struct http_framing *f)
{
	long long x = 0;
	size_t i;

	if (n == 0 || n > 12 || f->length >= 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)v[i]))
			return -1;
		x = x * 10 + (v[i] - '0');
	}
	f->length = x;
	return 0;
}

static void
http_type(const char *v, size_t n, struct http_response *r)
{
	size_t i, k = 0;

	for (i = 0; i < n && v[i] != ';' && v[i] != ' ' && v[i] != '\t' &&
	            k + 1 < sizeof(r->content_type);
	     i++)
		r->content_type[k++] = (char)tolower((unsigned char)v[i]);
	r->content_type[k] = '\0';
}

/* One header field line; -1 when it cannot be taken. */
static int
http_field(const char *p, const char *eol, struct http_response *r,
           struct http_framing *f)
{
	const char *colon = memchr(p, ':', (size_t)(eol - p)), *v;
	size_t name, n;

	if (colon == NULL || colon == p)
		return -1;
	name = (size_t)(colon - p);
	http_value(colon + 1, eol, &v, &n);
	if (name == 14 && strncasecmp(p, "Content-Length", 14) == 0)
		return http_length(v, n, f);
	if (name == 17 && strncasecmp(p, "Transfer-Encoding", 17) == 0) {
		if (n != 7 || strncasecmp(v, "chunked", 7) != 0)
			return -1;
		f->chunked = 1;
	}
	if (name == 12 && strncasecmp(p, "Content-Type", 12) == 0)
		http_type(v, n, r);
	return 0;
}

/* Chunks from p: HTTP_DONE with the body in r, HTTP_MORE, HTTP_BAD. */
static enum http_state
http_chunks(const char *p, const char *end, size_t max,
            struct http_response *r)
{
	const char *eol, *trailer;
	unsigned long long size;
	char *stop;

	for (;;) {
		/* The cap on a size line holds whether its end came yet or
		 * not, so that how the bytes arrive changes nothing. */
		eol = http_eol(p, end);
		if ((eol != NULL ? eol : end) - p > HTTP_MAX_CHUNK_LINE)
			return http_bad(r, "bad chunk size");
		if (eol == NULL)
			return HTTP_MORE;
		if (!isxdigit((unsigned char)*p) ||
		    (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')))
			return http_bad(r, "bad chunk size");
		size = strtoull(p, &stop, 16);
		if (size > max || stop - p > 8 ||
		    (*stop != ';' && *stop != '\r' && *stop != '\n'))
			return http_bad(r, "bad chunk size");
		p = eol + 1;
		if (size == 0)
			break;
		if (r->body.len + size > max)
			return http_bad(r, "the body is too long");
		if ((size_t)(end - p) < size + 2)
			return HTTP_MORE;
		buf_append(&r->body, p, (size_t)size);
		p += size;
		if (*p == '\r')
			p++;
		if (*p++ != '\n')
			return http_bad(r, "bad chunk end");
	}
	/* Trailer fields, up to the empty line, within the cap on the
	 * header section (all of them: complete lines count too). */
	trailer = p;
	while ((eol = http_eol(p, end)) != NULL && eol - p > 1)
		p = eol + 1;
	if ((eol != NULL ? eol + 1 : end) - trailer > HTTP_MAX_HEAD)
		return http_bad(r, "trailer too long");
	return eol != NULL ? HTTP_DONE : HTTP_MORE;
}

static enum http_state
http_body(const char *p, const char *end, int eof, size_t max,
          const struct http_framing *f, struct http_response *r)
{
	size_t have = (size_t)(end - p);

	buf_reset(&r->body);
	if (f->chunked)
		return http_chunks(p, end, max, r);
	if (f->length > (long long)max || (f->length < 0 && have > max))
		return http_bad(r, "the body is too long");
	if (f->length >= 0 && have < (size_t)f->length)
		return eof ? http_bad(r, "the body ended early") : HTTP_MORE;
	if (f->length < 0 && !eof)
		return HTTP_MORE;
	buf_append(&r->body, p, f->length >= 0 ? (size_t)f->length : have);
	return HTTP_DONE;
}

enum http_state
http_parse(const char *data, size_t len, int eof, size_t max_body,
           struct http_response *r)
{
	struct http_framing f = { -1, 0 };
	const char *p = data, *end = data + len, *eol;
	enum http_state s;

	r->status = 0;
	r->content_type[0] = '\0';
	r->why = NULL;
	for (eol = http_eol(p, end); eol != NULL; eol = http_eol(p, end)) {
		if (p == data && http_status_line(p, eol, r) < 0)
			return http_bad(r, "not an HTTP/1 response");
		if (p != data && (eol == p || (eol == p + 1 && *p == '\r')))
			break;
		if (p != data && http_field(p, eol, r, &f) < 0)
			return http_bad(r, "a header field it cannot take");
		p = eol + 1;
	}
	if (eol == NULL && eof)
		return http_bad(r, "the response ended early");
	if (eol == NULL)
		return len > HTTP_MAX_HEAD ? http_bad(r, "header too long")
		                           : HTTP_MORE;
	if (eol + 1 - data > HTTP_MAX_HEAD)
		return http_bad(r, "header too long");
	s = http_body(eol + 1, end, eof, max_body, &f, r);
	if (s == HTTP_MORE && eof)
		return http_bad(r, "the response ended early");
	return s;
}
