/* http_test.c - unit tests for http.h
 *
 * Owns: responses framed by Content-Length, chunks (extensions,
 *       trailers) and the close; the status and media type; every
 *       response fed in pieces (each prefix is HTTP_MORE, at eof
 *       HTTP_BAD); the refusals: status line, fields, lengths, codings,
 *       chunks, the caps on the body and the header section.
 * Not:  the connection (tests/integration/mx.py fetches real policies). */

#include <config.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "http.h"

#define MAX 1000

/* http_parse on an exactly-sized copy of s[0..n), so that a read past
 * the end is a sanitizer's finding. */
static enum http_state
parse_n(const char *s, size_t n, int eof, size_t max, struct http_response *r)
{
	char *copy = malloc(n ? n : 1);
	enum http_state st;

	memcpy(copy, s, n);
	st = http_parse(copy, n, eof, max, r);
	free(copy);
	return st;
}

static enum http_state
parse(const char *s, int eof, size_t max, struct http_response *r)
{
	return parse_n(s, strlen(s), eof, max, r);
}

/* s with eof is refused (and why is said). */
static void
bad(const char *s, int eof, size_t max)
{
	struct http_response r = { 0 };

	assert_int_equal(parse(s, eof, max, &r), HTTP_BAD);
	assert_non_null(r.why);
	http_response_free(&r);
}

/* s is complete (at eof when eof) with this status, type and body. */
static void
done(const char *s, int eof, int status, const char *type,
     const char *body)
{
	struct http_response r = { 0 };

	assert_int_equal(parse(s, eof, MAX, &r), HTTP_DONE);
	assert_int_equal(r.status, status);
	assert_string_equal(r.content_type, type);
	assert_int_equal(r.body.len, strlen(body));
	assert_memory_equal(r.body.data ? r.body.data : "", body,
	                    strlen(body));
	http_response_free(&r);
}

/* Every proper prefix of s is HTTP_MORE before eof and HTTP_BAD at it.
 * With close framing s itself is only complete at eof, and at eof a
 * prefix with the whole head is complete too. */
static void
prefixes(const char *s, int close_framed)
{
	struct http_response r = { 0 };
	size_t k, n = strlen(s), head = (size_t)(strstr(s, "\r\n\r\n") - s);

	for (k = 0; k < n + (close_framed ? 1 : 0); k++) {
		assert_int_equal(parse_n(s, k, 0, MAX, &r), HTTP_MORE);
		if (!close_framed || k < head + 4)
			assert_int_equal(parse_n(s, k, 1, MAX, &r), HTTP_BAD);
		http_response_free(&r);
	}
}

#define LENGTH_RESPONSE                                                     \
	"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"                   \
	"Content-Length: 11\r\n\r\nhello world"

static void
test_length(void **state)
{
	(void)state;
	done(LENGTH_RESPONSE, 0, 200, "text/plain", "hello world");
	done(LENGTH_RESPONSE, 1, 200, "text/plain", "hello world");
	done(LENGTH_RESPONSE "EXTRA BYTES", 0, 200, "text/plain",
	     "hello world");
	prefixes(LENGTH_RESPONSE, 0);
	/* Bare LF line ends, blanks around the value, no body. */
	done("HTTP/1.0 200 OK\ncontent-length:\t 3 \n\nabcdef", 0, 200, "",
	     "abc");
	done("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 0, 200, "", "");
	done("HTTP/1.1 200 OK\r\nContent-Length: 000000000003\r\n\r\nabc", 0,
	     200, "", "abc");
}

#define CHUNKED_RESPONSE                                                    \
	"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"                 \
	"Content-Type: text/plain\r\n\r\n"                                  \
	"5;x=y\r\nhello\r\n1;\r\n \r\nA\r\n0123456789\r\nb;a=\"q\";b\r\n"  \
	"abcdefghijk\r\n0;last\r\nExpires: never\r\nX-T: 1\r\n\r\n"

static void
test_chunked(void **state)
{
	(void)state;
	done(CHUNKED_RESPONSE, 0, 200, "text/plain",
	     "hello 0123456789abcdefghijk");
	done(CHUNKED_RESPONSE "HTTP/1.1 200 OK\r\n", 0, 200, "text/plain",
	     "hello 0123456789abcdefghijk");
	prefixes(CHUNKED_RESPONSE, 0);
	/* Bare LF, lower-case hex, no trailer, chunked over a length. */
	done("HTTP/1.1 200 OK\nTransfer-Encoding: Chunked\n\n"
	     "a\n0123456789\n0\n\n", 0, 200, "", "0123456789");
	done("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"
	     "Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", 0, 200,
	     "", "abc");
	done("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	     "0\r\n\r\n", 0, 200, "", "");
}

#define CLOSE_RESPONSE                                                      \
	"HTTP/1.0 200 OK\r\nContent-Type: Text/Plain; charset=utf-8\r\n"    \
	"\r\nversion: STSv1\r\nmode: testing\r\n"

static void
test_close(void **state)
{
	(void)state;
	done(CLOSE_RESPONSE, 1, 200, "text/plain",
	     "version: STSv1\r\nmode: testing\r\n");
	prefixes(CLOSE_RESPONSE, 1);
	done("HTTP/1.1 200 OK\r\n\r\n", 1, 200, "", "");
}

static void
test_status_type(void **state)
{
	(void)state;
	done("HTTP/1.1 301 Moved Permanently\r\nLocation: https://x.test/\r\n"
	     "Content-Length: 0\r\n\r\n", 0, 301, "", "");
	done("HTTP/1.1 404 Not Found\r\nContent-Type: text/html\r\n"
	     "Content-Length: 2\r\n\r\nno", 0, 404, "text/html", "no");
	done("HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n", 0, 200, "", "");
	done("HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\n"
	     "Content-Length: 0\r\n\r\n", 0, 200, "text/plain", "");
	done("HTTP/1.1 200 OK\r\ncontent-type:TEXT/PLAIN;charset=utf-8\r\n"
	     "Content-Length: 0\r\n\r\n", 0, 200, "text/plain", "");
	done("HTTP/1.1 200 OK\r\nContent-Type:  text/plain  \r\n"
	     "Content-Length: 0\r\n\r\n", 0, 200, "text/plain", "");
	done("HTTP/1.1 200 OK\r\nContent-Type: text/plain\t; charset=utf-8"
	     "\r\nContent-Length: 0\r\n\r\n", 0, 200, "text/plain", "");
}

/* Refused with the head complete, before eof and at it. */
static void
bad_head(const char *s)
{
	bad(s, 0, MAX);
	bad(s, 1, MAX);
}

static void
test_bad_status(void **state)
{
	(void)state;
	bad_head("HTTP/2 200 OK\r\n\r\n");
	bad_head("HTTP/2.0 200 OK\r\n\r\n");
	bad_head("HTTP/1.1 20 OK\r\n\r\n");
	bad_head("HTTP/1.1 2000 OK\r\n\r\n");
	bad_head("HTTP/1.1 2x0 OK\r\n\r\n");
	bad_head("HTTP/1.1  200 OK\r\n\r\n");
	bad_head("HTTP/1.1\t200 OK\r\n\r\n");
	bad_head("http/1.1 200 OK\r\n\r\n");
	bad_head("ICY 200 OK\r\n\r\n");
	bad_head("\r\nHTTP/1.1 200 OK\r\n\r\n");
}

static void
test_bad_fields(void **state)
{
	(void)state;
	bad_head("HTTP/1.1 200 OK\r\nContent-Length 5\r\n\r\nhello");
	bad_head("HTTP/1.1 200 OK\r\n: 5\r\n\r\nhello");
	bad_head("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n"
	         "Content-Length: 5\r\n\r\nhello");
	bad_head("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n"
	         "content-length: 6\r\n\r\nhello!");
	bad_head("HTTP/1.1 200 OK\r\nContent-Length: 5a\r\n\r\nhello");
	bad_head("HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\nhello");
	bad_head("HTTP/1.1 200 OK\r\nContent-Length: +5\r\n\r\nhello");
	bad_head("HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\n\r\nhello");
	bad_head("HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\nhello");
	bad_head("HTTP/1.1 200 OK\r\nContent-Length: 0000000000005\r\n\r\n"
	         "hello");
	bad_head("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999"
	         "\r\n\r\nhello");
	bad_head("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nhello");
	bad_head("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n"
	         "\r\n5\r\nhello\r\n0\r\n\r\n");
	bad_head("HTTP/1.1 200 OK\r\nTransfer-Encoding: identity\r\n\r\nx");
	bad_head("HTTP/1.1 200 OK\r\nTransfer-Encoding:\r\n\r\nhello");
}

#define CHUNKED_HEAD "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"

static void
test_bad_chunks(void **state)
{
	(void)state;
	bad_head(CHUNKED_HEAD "zz\r\nhello\r\n0\r\n\r\n");
	bad_head(CHUNKED_HEAD "-5\r\nhello\r\n0\r\n\r\n");
	bad_head(CHUNKED_HEAD " 5\r\nhello\r\n0\r\n\r\n");
	bad_head(CHUNKED_HEAD "\r\nhello\r\n0\r\n\r\n");
	bad_head(CHUNKED_HEAD "5x\r\nhello\r\n0\r\n\r\n");
	bad_head(CHUNKED_HEAD "5 x\r\nhello\r\n0\r\n\r\n");
	bad_head(CHUNKED_HEAD "000000005\r\nhello\r\n0\r\n\r\n");
	bad_head(CHUNKED_HEAD "100000000\r\nhello\r\n0\r\n\r\n");
	/* strtoull would take a C prefix; HTTP has none. */
	bad_head(CHUNKED_HEAD "0x5\r\nhello\r\n0\r\n\r\n");
	bad_head(CHUNKED_HEAD "0X5\r\nhello\r\n0\r\n\r\n");
	/* The chunk's CRLF missing or wrong. */
	bad_head(CHUNKED_HEAD "5\r\nhelloXY0\r\n\r\n");
	bad_head(CHUNKED_HEAD "5\r\nhello\r0\r\n\r\n");
	bad_head(CHUNKED_HEAD "5\r\nhello 0\r\n\r\n");
	/* A size line that never ends. */
	bad(CHUNKED_HEAD "5;aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	                 "aaaaaaaaaaaaaaaaaa", 0, MAX);
}

/* Where s is cut makes no difference: a prefix that is not HTTP_MORE
 * already has the answer s has. */
static void
split_alike(const char *s, size_t n, enum http_state want)
{
	struct http_response r = { 0 };
	enum http_state st;
	size_t k;

	assert_int_equal(parse_n(s, n, 0, MAX, &r), want);
	for (k = 0; k < n; k++) {
		st = parse_n(s, k, 0, MAX, &r);
		if (st != HTTP_MORE)
			assert_int_equal(st, want);
	}
	http_response_free(&r);
}

/* CHUNKED_HEAD, then n bytes of fill, then end. */
static char *
chunked_with(const char *start, int fill, size_t n, const char *end)
{
	size_t h = strlen(CHUNKED_HEAD), s = strlen(start);
	char *p = malloc(h + s + n + strlen(end) + 1);

	memcpy(p, CHUNKED_HEAD, h);
	memcpy(p + h, start, s);
	memset(p + h + s, fill, n);
	strcpy(p + h + s + n, end);
	return p;
}

/* The caps on what is not body hold however the bytes arrive: a chunk
 * size line of at most 64 bytes (a longer one was refused while it had
 * no end yet, taken once it had), trailer fields within HTTP_MAX_HEAD
 * (complete lines were never counted). */
static void
test_bounds_split(void **state)
{
	char *p;

	(void)state;
	p = chunked_with("5;", 'a', 61, "\r\nhello\r\n0\r\n\r\n");
	split_alike(p, strlen(p), HTTP_DONE);
	free(p);
	p = chunked_with("5;", 'a', 62, "\r\nhello\r\n0\r\n\r\n");
	split_alike(p, strlen(p), HTTP_BAD);
	free(p);
	p = chunked_with("0\r\n", 'a', HTTP_MAX_HEAD, ": b\r\n\r\n");
	split_alike(p, strlen(p), HTTP_BAD);
	free(p);
	p = chunked_with("0\r\nX: ", 'a', HTTP_MAX_HEAD - 7, "\r\n\r\n");
	split_alike(p, strlen(p), HTTP_DONE);
	free(p);
}

/* Trailer lines that never end are refused, not waited for. */
static void
test_trailer_endless(void **state)
{
	struct buf b = { 0 };
	struct http_response r = { 0 };
	int i;

	(void)state;
	buf_append_str(&b, CHUNKED_HEAD "0\r\n");
	for (i = 0; i < 2000; i++)
		buf_append_str(&b, "X-Trailer: 0123456789\r\n");
	assert_int_equal(parse_n(b.data, b.len, 0, MAX, &r), HTTP_BAD);
	http_response_free(&r);
	buf_free(&b);
}

static void
test_max_body(void **state)
{
	struct http_response r = { 0 };

	(void)state;
	/* By length: known before the body comes. */
	bad("HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n", 0, 10);
	bad("HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n0123456789a", 0,
	    10);
	assert_int_equal(parse("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n"
	                       "0123456789", 0, 10, &r),
	                 HTTP_DONE);
	/* By chunks: one too big, or together. */
	bad(CHUNKED_HEAD "b\r\n", 0, 10);
	bad(CHUNKED_HEAD "6\r\n012345\r\n5\r\n", 0, 10);
	assert_int_equal(parse(CHUNKED_HEAD "6\r\n012345\r\n4\r\n6789\r\n0\r\n"
	                                    "\r\n", 0, 10, &r),
	                 HTTP_DONE);
	assert_int_equal(r.body.len, 10);
	/* By the close: refused as soon as there is too much. */
	bad("HTTP/1.1 200 OK\r\n\r\n0123456789a", 0, 10);
	bad("HTTP/1.1 200 OK\r\n\r\n0123456789a", 1, 10);
	assert_int_equal(parse("HTTP/1.1 200 OK\r\n\r\n0123456789", 1, 10, &r),
	                 HTTP_DONE);
	assert_int_equal(r.body.len, 10);
	http_response_free(&r);
}

/* A response whose header section is n bytes long (complete when
 * complete), with a body of "ok" by length. */
static char *
long_head(size_t n, int complete)
{
	const char *start = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX: ";
	size_t s = strlen(start);
	char *p = malloc(n + 3);

	assert_true(n > s + 4);
	memcpy(p, start, s);
	memset(p + s, 'a', n - s - 4);
	if (complete) {
		memcpy(p + n - 4, "\r\n\r\nok", 7);
	} else {
		memset(p + n - 4, 'a', 4);
		p[n] = '\0';
	}
	return p;
}

static void
test_max_head(void **state)
{
	struct http_response r = { 0 };
	char *p;

	(void)state;
	p = long_head(HTTP_MAX_HEAD, 1);
	assert_int_equal(parse(p, 0, MAX, &r), HTTP_DONE);
	assert_int_equal(r.body.len, 2);
	free(p);
	p = long_head(HTTP_MAX_HEAD + 1, 1);
	bad(p, 0, MAX);
	free(p);
	/* Not complete yet, but already too long. */
	p = long_head(HTTP_MAX_HEAD, 0);
	assert_int_equal(parse(p, 0, MAX, &r), HTTP_MORE);
	free(p);
	p = long_head(HTTP_MAX_HEAD + 1, 0);
	bad(p, 0, MAX);
	free(p);
	http_response_free(&r);
}

static void
test_eof_early(void **state)
{
	(void)state;
	bad("", 1, MAX);
	bad("HTTP/1.1 200 OK", 1, MAX);
	bad("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n", 1, MAX);
	bad("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhell", 1, MAX);
	bad(CHUNKED_HEAD "5\r\nhello\r\n", 1, MAX);
	bad(CHUNKED_HEAD "5\r\nhello\r\n0\r\n", 1, MAX);
	bad(CHUNKED_HEAD "5\r\nhello\r\n0\r\nX: y\r\n", 1, MAX);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_length),
		cmocka_unit_test(test_chunked),
		cmocka_unit_test(test_close),
		cmocka_unit_test(test_status_type),
		cmocka_unit_test(test_bad_status),
		cmocka_unit_test(test_bad_fields),
		cmocka_unit_test(test_bad_chunks),
		cmocka_unit_test(test_bounds_split),
		cmocka_unit_test(test_trailer_endless),
		cmocka_unit_test(test_max_body),
		cmocka_unit_test(test_max_head),
		cmocka_unit_test(test_eof_early),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
