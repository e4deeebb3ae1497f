/* fuzz_http.c - libFuzzer target for HTTP/1.1 responses
 *
 * The first byte chooses max_body (0 to 224 bytes) and where the input
 * is cut; the rest is a response as a policy host (or anyone on the
 * path) sent it, in exactly-sized copies. Invariants: never HTTP_MORE at
 * eof; a complete response has a body within max_body and a media type
 * in lower case without parameters; a prefix that is not HTTP_MORE gives
 * the whole input's answer (where reads cut the data changes nothing);
 * what is complete before eof is the same at eof. */

#include <config.h>

#include <ctype.h>

#include "fuzz.h"
#include "http.h"

static enum http_state
fuzz_parse(const uint8_t *data, size_t n, int eof, size_t max,
           struct http_response *r)
{
	char *copy = malloc(n ? n : 1);
	enum http_state st;
	const char *t;

	memcpy(copy, data, n);
	st = http_parse(copy, n, eof, max, r);
	free(copy);
	if (st == HTTP_MORE && eof)
		abort();
	if (st == HTTP_BAD && r->why == NULL)
		abort();
	if (st == HTTP_DONE) {
		if (r->body.len > max || r->status < 0 || r->status > 999)
			abort();
		for (t = r->content_type; *t; t++)
			if (isupper((unsigned char)*t) || *t == ';' ||
			    *t == ' ' || *t == '\t')
				abort();
	}
	return st;
}

/* a and b are the same answer. */
static void
fuzz_same(enum http_state sa, const struct http_response *a,
          enum http_state sb, const struct http_response *b)
{
	if (sa != sb)
		abort();
	if (sa == HTTP_DONE &&
	    (a->status != b->status ||
	     strcmp(a->content_type, b->content_type) != 0 ||
	     a->body.len != b->body.len ||
	     (a->body.len > 0 &&
	      memcmp(a->body.data, b->body.data, a->body.len) != 0)))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned f = fuzz_flags(&data, &size);
	size_t max = (f & 7) * 32, cut = size * (f >> 3) / 32;
	struct http_response whole = { 0 }, at_eof = { 0 }, part = { 0 };
	enum http_state sw, se, sp;

	sw = fuzz_parse(data, size, 0, max, &whole);
	se = fuzz_parse(data, size, 1, max, &at_eof);
	if (sw != HTTP_MORE)
		fuzz_same(sw, &whole, se, &at_eof);
	sp = fuzz_parse(data, cut, 0, max, &part);
	if (sp != HTTP_MORE)
		fuzz_same(sp, &part, sw, &whole);
	http_response_free(&part);
	http_response_free(&at_eof);
	http_response_free(&whole);
	return 0;
}
