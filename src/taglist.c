/* taglist.c - DKIM-style tag lists ("v=DKIM1; k=rsa; p=...")
 *
 * Owns: splitting a DKIM key record or a DMARC record into its tags.
 * Not:  what the tags mean (checkdns). Pure, a fuzz target. */

#include <config.h>

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "taglist.h"
#include "xmalloc.h"

static int
taglist_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* A copy of [p, end) without blanks at either end. */
static char *
taglist_trim(const char *p, const char *end)
{
	while (p < end && taglist_blank(*p))
		p++;
	while (end > p && taglist_blank(end[-1]))
		end--;
	return xstrndup(p, (size_t)(end - p));
}

/* tag-name = ALPHA *ALNUMPUNC (letters, digits, '_'). */
static int
taglist_name_ok(const char *s)
{
	if (!isalpha((unsigned char)*s))
		return 0;
	for (s++; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_')
			return 0;
	return 1;
}

static int
taglist_add(struct taglist *t, const char *p, const char *end)
{
	const char *eq = memchr(p, '=', (size_t)(end - p));
	char *name;

	if (eq == NULL || t->n >= TAGLIST_MAX)
		return -1;
	name = taglist_trim(p, eq);
	if (!taglist_name_ok(name) || taglist_get(t, name) != NULL) {
		free(name);
		return -1;
	}
	t->tags[t->n].name = name;
	t->tags[t->n].value = taglist_trim(eq + 1, end);
	t->n++;
	return 0;
}

static int
taglist_empty(const char *p, const char *end)
{
	while (p < end && taglist_blank(*p))
		p++;
	return p == end;
}

int
taglist_parse(const char *text, struct taglist *t)
{
	const char *p = text, *semi;

	memset(t, 0, sizeof(*t));
	for (;;) {
		semi = strchr(p, ';');
		if (semi == NULL)
			semi = p + strlen(p);
		if (taglist_empty(p, semi)) {
			/* An empty element is allowed only last ("a=b;"). */
			if (*semi == '\0' && t->n > 0)
				return 0;
			goto bad;
		}
		if (taglist_add(t, p, semi) < 0)
			goto bad;
		if (*semi == '\0')
			return 0;
		p = semi + 1;
	}
bad:
	taglist_free(t);
	return -1;
}

void
taglist_free(struct taglist *t)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		free(t->tags[i].name);
		free(t->tags[i].value);
	}
	memset(t, 0, sizeof(*t));
}

const char *
taglist_get(const struct taglist *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (strcmp(t->tags[i].name, name) == 0)
			return t->tags[i].value;
	return NULL;
}
