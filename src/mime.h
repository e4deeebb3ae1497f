/* mime.h - pure parsing of MIME header values and boundary lines */
#ifndef DSMTP_MIME_H
#define DSMTP_MIME_H

#include <stddef.h>

/* RFC 2046 5.1.1: a boundary has 1 to 70 characters. */
#define MIME_BOUNDARY_MAX 70

/* A Content-Type value: type and subtype in lower case, the boundary
 * parameter ("" when none). */
struct mime_type {
	char type[32];
	char subtype[64];
	char boundary[MIME_BOUNDARY_MAX + 1];
};

/* Parse a Content-Type value v[0..len) (after the colon; folding and
 * comments allowed). Returns 0, or -1 when it has no type/subtype. */
int mime_parse_type(const char *v, size_t len, struct mime_type *t);

enum mime_cte {
	MIME_CTE_7BIT,     /* also when there is no such field */
	MIME_CTE_8BIT,
	MIME_CTE_BINARY,
	MIME_CTE_QP,
	MIME_CTE_BASE64,
	MIME_CTE_OTHER
};

/* The Content-Transfer-Encoding value v[0..len). */
enum mime_cte mime_parse_cte(const char *v, size_t len);

/* line[0..len) without its line end: 1 when it is the delimiter of
 * boundary ("--b", transport padding allowed), 2 when it is the close
 * delimiter ("--b--"), else 0. */
int mime_delimiter(const char *line, size_t len, const char *boundary);

/* In a header section h[0..len) (lines ending in CRLF), the value of the
 * first field called name, continuation lines included; NULL when none.
 * Borrows from h. With start, *start and *end get the field's span. */
const char *mime_hdr_value(const char *h, size_t len, const char *name,
			   size_t *vlen, size_t *start, size_t *end);

#endif
