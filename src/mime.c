/* mime.c - pure parsing of MIME header values and boundary lines
 *
 * Owns: Content-Type (type, subtype, boundary), Content-Transfer-Encoding,
 *       delimiter lines (RFC 2045, 2046), finding a field in a part's
 *       header section.
 * Not:  walking a message's parts and re-encoding them (message_mime.c). */

#include <config.h>

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "mime.h"
#include "rfc5322.h"

/* Skip blanks, line ends and (nested) comments. */
static size_t
mime_skip_cfws(const char *v, size_t len, size_t i)
{
	int depth = 0;

	for (; i < len; i++) {
		if (depth > 0 && v[i] == '\\' && i + 1 < len)
			i++;
		else if (v[i] == '(')
			depth++;
		else if (v[i] == ')' && depth > 0)
			depth--;
		else if (depth == 0 && !strchr(" \t\r\n", v[i]))
			break;
	}
	return i;
}

/* RFC 2045 token characters. */
static int
mime_tchar(char c)
{
	return (unsigned char)c > 32 && (unsigned char)c < 127 &&
	       !strchr("()<>@,;:\\\"/[]?=", c);
}

/* A token at v[*i] copied in lower case into out (cut to size - 1);
 * returns its length (0: none). */
static size_t
mime_token(const char *v, size_t len, size_t *i, char *out, size_t size)
{
	size_t n = 0;

	while (*i < len && mime_tchar(v[*i])) {
		if (n + 1 < size)
			out[n] = (char)tolower((unsigned char)v[*i]);
		n++;
		(*i)++;
	}
	out[n < size ? n : size - 1] = '\0';
	return n;
}

/* A parameter value (token or quoted string) into out; -1 when it does
 * not fit. */
static int
mime_value(const char *v, size_t len, size_t *i, char *out, size_t size)
{
	size_t n = 0;
	int quoted = *i < len && v[*i] == '"';

	if (quoted)
		(*i)++;
	for (; *i < len; (*i)++) {
		char c = v[*i];

		if (quoted && c == '"') {
			(*i)++;
			break;
		}
		if (!quoted && !mime_tchar(c))
			break;
		if (quoted && c == '\\' && *i + 1 < len)
			c = v[++*i];
		if (quoted && (c == '\r' || c == '\n'))
			continue;
		if (n + 1 >= size)
			return -1;
		out[n++] = c;
	}
	out[n] = '\0';
	return 0;
}

/* The parameters after type/subtype: only boundary is kept. */
static void
mime_params(const char *v, size_t len, size_t i, struct mime_type *t)
{
	char name[32], val[MIME_BOUNDARY_MAX + 1];

	for (;;) {
		i = mime_skip_cfws(v, len, i);
		if (i >= len || v[i] != ';')
			return;
		i = mime_skip_cfws(v, len, i + 1);
		if (mime_token(v, len, &i, name, sizeof(name)) == 0)
			return;
		i = mime_skip_cfws(v, len, i);
		if (i >= len || v[i] != '=')
			return;
		i = mime_skip_cfws(v, len, i + 1);
		if (mime_value(v, len, &i, val, sizeof(val)) < 0)
			return;
		if (strcmp(name, "boundary") == 0 && t->boundary[0] == '\0')
			memcpy(t->boundary, val, strlen(val) + 1);
	}
}

int
mime_parse_type(const char *v, size_t len, struct mime_type *t)
{
	size_t i = mime_skip_cfws(v, len, 0);

	memset(t, 0, sizeof(*t));
	if (mime_token(v, len, &i, t->type, sizeof(t->type)) == 0)
		return -1;
	i = mime_skip_cfws(v, len, i);
	if (i >= len || v[i] != '/')
		return -1;
	i = mime_skip_cfws(v, len, i + 1);
	if (mime_token(v, len, &i, t->subtype, sizeof(t->subtype)) == 0)
		return -1;
	mime_params(v, len, i, t);
	return 0;
}

enum mime_cte
mime_parse_cte(const char *v, size_t len)
{
	static const struct {
		const char *name;
		enum mime_cte cte;
	} names[] = {
		{ "7bit", MIME_CTE_7BIT }, { "8bit", MIME_CTE_8BIT },
		{ "binary", MIME_CTE_BINARY },
		{ "quoted-printable", MIME_CTE_QP },
		{ "base64", MIME_CTE_BASE64 },
	};
	char tok[32];
	size_t i = mime_skip_cfws(v, len, 0), k;

	if (mime_token(v, len, &i, tok, sizeof(tok)) == 0)
		return MIME_CTE_7BIT;
	for (k = 0; k < sizeof(names) / sizeof(names[0]); k++)
		if (strcmp(tok, names[k].name) == 0)
			return names[k].cte;
	return MIME_CTE_OTHER;
}

int
mime_delimiter(const char *line, size_t len, const char *boundary)
{
	size_t blen = strlen(boundary), i;
	int close;

	if (blen == 0 || len < blen + 2 || line[0] != '-' || line[1] != '-' ||
	    memcmp(line + 2, boundary, blen) != 0)
		return 0;
	i = blen + 2;
	close = len - i >= 2 && line[i] == '-' && line[i + 1] == '-';
	for (i += close ? 2 : 0; i < len; i++)
		if (line[i] != ' ' && line[i] != '\t')
			return 0;
	return close ? 2 : 1;
}

/* Where the field starting at h[i] ends: after its last continuation. */
static size_t
mime_field_end(const char *h, size_t len, size_t i)
{
	const char *lf;

	for (;;) {
		lf = memchr(h + i, '\n', len - i);
		if (lf == NULL)
			return len;
		i = (size_t)(lf - h) + 1;
		if (i >= len || (h[i] != ' ' && h[i] != '\t'))
			return i;
	}
}

const char *
mime_hdr_value(const char *h, size_t len, const char *name, size_t *vlen,
	       size_t *start, size_t *end)
{
	size_t i = 0, next, nlen, off;

	while (i < len) {
		nlen = rfc5322_field_name(h + i, len - i);
		next = mime_field_end(h, len, i);
		if (nlen > 0 && rfc5322_field_is(h + i, nlen, name)) {
			off = i + rfc5322_value_offset(h + i, next - i);
			*vlen = next - off;
			if (start != NULL)
				*start = i, *end = next;
			return h + off;
		}
		i = next;
	}
	return NULL;
}
