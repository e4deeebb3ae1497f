/* incoming.c - the form of a submission handed to the system spool
 *
 * Owns: the header that carries a submission's command-line words, and
 *       parsing it back (which words are allowed: incoming_args.c, kept
 *       apart so that the set-group-ID helper links no option parser).
 * Not:  the helper that writes the file, picking it up (the daemon), the
 *       submission itself (submit). */

#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "i18n.h"
#include "incoming.h"
#include "xmalloc.h"

#define INCOMING_MAGIC "dsmtp-incoming 1"

static int
incoming_word_ok(const char *w)
{
	size_t n;

	for (n = 0; w[n] != '\0'; n++)
		if ((unsigned char)w[n] < 0x20 || w[n] == 0x7f)
			return 0;
	return n <= INCOMING_MAX_ARG;
}

int
incoming_format(const struct incoming *in, char **out, size_t *len,
                struct err *e)
{
	struct buf b = { 0 };
	size_t i;

	buf_printf(&b, "%s\n", INCOMING_MAGIC);
	for (i = 0; i < in->nargs; i++) {
		if (in->nargs > INCOMING_MAX_ARGS ||
		    !incoming_word_ok(in->args[i])) {
			buf_free(&b);
			err_set(e, ERR_DATA, _("too many command-line words, or "
			                       "one too long or with a control "
			                       "character"));
			return -1;
		}
		buf_printf(&b, "arg %s\n", in->args[i]);
	}
	buf_append_str(&b, "data\n");
	*len = b.len;
	*out = buf_steal(&b);
	return 0;
}

void
incoming_free(struct incoming *in)
{
	size_t i;

	for (i = 0; i < in->nargs; i++)
		free(in->args[i]);
	free(in->args);
	in->args = NULL;
	in->nargs = 0;
}

/* The line at p[*pos..), without its LF, copied into a new string; NULL
 * when there is none, or it is too long or holds a control character. */
static char *
incoming_line(const char *p, size_t len, size_t *pos)
{
	const char *nl = memchr(p + *pos, '\n', len - *pos);
	size_t n;
	char *s;

	if (nl == NULL)
		return NULL;
	n = (size_t)(nl - (p + *pos));
	/* A NUL would cut the word short of what the file says. */
	if (n > INCOMING_MAX_ARG + 4 || memchr(p + *pos, '\0', n) != NULL)
		return NULL;
	s = xstrndup(p + *pos, n);
	*pos += n + 1;
	/* The bound is the word's (after "arg "), as incoming_format's. */
	if (!incoming_word_ok(strncmp(s, "arg ", 4) == 0 ? s + 4 : s)) {
		free(s);
		return NULL;
	}
	return s;
}

ssize_t
incoming_parse(const char *p, size_t len, struct incoming *in,
               struct err *e)
{
	size_t pos = 0;
	char *line;

	memset(in, 0, sizeof(*in));
	if (len > INCOMING_MAX_HEADER)
		len = INCOMING_MAX_HEADER;
	line = incoming_line(p, len, &pos);
	if (line == NULL || strcmp(line, INCOMING_MAGIC) != 0)
		goto bad;
	for (;;) {
		free(line);
		line = incoming_line(p, len, &pos);
		if (line == NULL)
			goto bad;
		if (strcmp(line, "data") == 0)
			break;
		if (strncmp(line, "arg ", 4) != 0 ||
		    in->nargs == INCOMING_MAX_ARGS)
			goto bad;
		in->args = xrealloc(in->args,
		                    (in->nargs + 1) * sizeof(*in->args));
		in->args[in->nargs++] = xstrdup(line + 4);
	}
	free(line);
	return (ssize_t)pos;
bad:
	free(line);
	incoming_free(in);
	err_set(e, ERR_DATA, _("not a handed-over submission of format %d"),
	        INCOMING_FORMAT);
	return -1;
}
