/* http.h - the little of HTTP/1.1 (RFC 9112) that fetching a policy needs */
#ifndef DSMTP_HTTP_H
#define DSMTP_HTTP_H

#include <stddef.h>

#include "buf.h"

/* The header section of a response is at most this long. */
#define HTTP_MAX_HEAD (16 * 1024)

enum http_state {
	HTTP_MORE, /* incomplete: read on */
	HTTP_DONE, /* r is filled */
	HTTP_BAD   /* not a response this client takes (r->why says so) */
};

struct http_response {
	int status;             /* e.g. 200 */
	char content_type[128]; /* the media type, lower case, without
	                         * parameters; "" when absent */
	struct buf body;        /* decoded (chunks joined) */
	const char *why;        /* HTTP_BAD: what is wrong (static) */
};

/* Parse the response in data[0..len) (eof: the server closed the
 * connection after it). A body is delimited by Content-Length, chunked
 * Transfer-Encoding, or the end of the connection; one over max_body
 * bytes, a header section (or trailer section) over HTTP_MAX_HEAD, a
 * chunk size line over 64 bytes, a malformed status line, header,
 * length or chunk, and other transfer codings are HTTP_BAD. A prefix of
 * data that is not HTTP_MORE already gives data's answer. HTTP_MORE
 * while the response is not complete (never at eof). Pure;
 * release r with http_response_free (whatever the result). */
enum http_state http_parse(const char *data, size_t len, int eof,
                           size_t max_body, struct http_response *r);
void http_response_free(struct http_response *r);

#endif
