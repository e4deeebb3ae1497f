/* aliases.c - the aliases file
 *
 * Owns: the aliases grammar, the newaliases check, recursive expansion
 *       with loop detection.
 * Not:  where the file is (config), address checks (addr.c). */

#include <config.h>

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "aliases.h"
#include "buf.h"
#include "i18n.h"
#include "xmalloc.h"

#define ALIASES_MAX_DEPTH 32

void
strlist_add(struct strlist *l, const char *s)
{
	l->v = xrealloc(l->v, (l->n + 1) * sizeof(l->v[0]));
	l->v[l->n++] = xstrdup(s);
}

void
strlist_add_unique(struct strlist *l, const char *s)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strcasecmp(l->v[i], s) == 0)
			return;
	strlist_add(l, s);
}

void
strlist_free(struct strlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static char *
aliases_trim(const char *s, size_t len)
{
	while (len > 0 && isspace((unsigned char)*s))
		s++, len--;
	while (len > 0 && isspace((unsigned char)s[len - 1]))
		len--;
	return xstrndup(s, len);
}

/* Split the value of one entry at commas into targets. */
static int
aliases_undeliverable(const char *t)
{
	const char *q = t + (*t == '"');

	return *q == '|' || *q == '/' || strncasecmp(q, ":include:", 9) == 0;
}

static int
aliases_targets(struct aliases_entry *en, const char *v, const char *name,
		int lenient, struct err *e)
{
	const char *p = v, *comma;
	char *t;

	while (*p != '\0') {
		comma = strchr(p, ',');
		t = aliases_trim(p, comma ? (size_t)(comma - p) : strlen(p));
		p = comma ? comma + 1 : p + strlen(p);
		if (*t == '\0') {
			free(t);
			continue;
		}
		if (!lenient && aliases_undeliverable(t)) {
			err_set(e, ERR_CONFIG,
				_("%s:%d: alias %s: %s cannot be delivered by "
				  "dsmtp (only addresses are supported)"),
				name, en->line, en->name, t);
			free(t);
			return -1;
		}
		en->targets = xrealloc(en->targets,
				       (en->ntargets + 1) * sizeof(char *));
		en->targets[en->ntargets++] = addr_strip_angles(t);
		free(t);
	}
	return 0;
}

static int
aliases_entry(struct aliases *al, const char *logical, int line,
	      const char *name, struct err *e)
{
	const char *colon = strchr(logical, ':');
	struct aliases_entry en = { 0 };
	size_t i;

	en.line = line;
	if (colon == NULL || colon == logical) {
		err_set(e, ERR_CONFIG, _("%s:%d: expected 'name: address'"),
			name, line);
		return -1;
	}
	en.name = aliases_trim(logical, (size_t)(colon - logical));
	for (i = 0; en.name[i]; i++)
		en.name[i] = (char)tolower((unsigned char)en.name[i]);
	if (aliases_targets(&en, colon + 1, name, al->lenient, e) < 0) {
		for (i = 0; i < en.ntargets; i++)
			free(en.targets[i]);
		free(en.targets);
		free(en.name);
		return -1;
	}
	al->v = xrealloc(al->v, (al->n + 1) * sizeof(al->v[0]));
	al->v[al->n++] = en;
	return 0;
}

int
aliases_parse(struct aliases *al, const char *text, size_t len,
	      const char *name, struct err *e)
{
	struct buf logical = { 0 };
	size_t s = 0, end, n;
	int line = 0, start_line = 0, rc = 0;

	while (s < len && rc == 0) {
		end = s;
		while (end < len && text[end] != '\n')
			end++;
		n = end - s;
		line++;
		if (n > 0 && (text[s] == ' ' || text[s] == '\t') &&
		    logical.len > 0) {
			/* A line starting with a blank continues the entry. */
			buf_append(&logical, text + s, n);
		} else if (n > 0 && text[s] != '#' &&
			   strspn(text + s, " \t\r") < n) {
			if (logical.len > 0)
				rc = aliases_entry(al, buf_cstr(&logical),
						   start_line, name, e);
			buf_reset(&logical);
			buf_append(&logical, text + s, n);
			start_line = line;
		}
		s = end + 1;
	}
	if (rc == 0 && logical.len > 0)
		rc = aliases_entry(al, buf_cstr(&logical), start_line, name, e);
	buf_free(&logical);
	return rc;
}

int
aliases_load(struct aliases *al, const char *path, int missing_ok,
	     struct err *e)
{
	struct buf text = { 0 };
	char chunk[8192];
	size_t n;
	FILE *f = fopen(path, "r");
	int rc;

	if (f == NULL) {
		if (errno == ENOENT && missing_ok)
			return 0;
		err_set(e, ERR_CONFIG, _("cannot read %s: %s"), path,
			strerror(errno));
		return -1;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(&text, chunk, n);
	fclose(f);
	rc = aliases_parse(al, buf_cstr(&text), text.len, path, e);
	buf_free(&text);
	return rc;
}

void
aliases_free(struct aliases *al)
{
	size_t i, k;

	for (i = 0; i < al->n; i++) {
		for (k = 0; k < al->v[i].ntargets; k++)
			free(al->v[i].targets[k]);
		free(al->v[i].targets);
		free(al->v[i].name);
	}
	free(al->v);
	al->v = NULL;
	al->n = 0;
}

static const struct aliases_entry *
aliases_find(const struct aliases *al, const char *name)
{
	size_t i;

	for (i = 0; i < al->n; i++)
		if (strcasecmp(al->v[i].name, name) == 0)
			return &al->v[i];
	return NULL;
}

static int
aliases_on_path(const struct strlist *path, const char *name)
{
	size_t i;

	for (i = 0; i < path->n; i++)
		if (strcasecmp(path->v[i], name) == 0)
			return 1;
	return 0;
}

static int
aliases_walk(const struct aliases *al, const char *addr, const char *domain,
	     struct strlist *path, struct strlist *out, struct err *e)
{
	const struct aliases_entry *en = NULL;
	char *q;
	size_t i;
	int rc = 0;

	if (strchr(addr, '@') == NULL && !aliases_on_path(path, addr)) {
		en = aliases_find(al, addr);
		if (en == NULL)
			en = aliases_find(al, "default");
	}
	if (en != NULL && path->n >= ALIASES_MAX_DEPTH) {
		err_set(e, ERR_DATA, _("alias expansion of %s is too deep"),
			path->v[0]);
		return -1;
	}
	if (aliases_undeliverable(addr)) {
		err_set(e, ERR_DATA, _("alias %s leads to %s, which dsmtp "
				       "cannot deliver"),
			path->n ? path->v[path->n - 1] : addr, addr);
		return -1;
	}
	if (en == NULL) {
		q = addr_qualify(addr, domain);
		strlist_add_unique(out, q);
		free(q);
		return 0;
	}
	strlist_add(path, addr);
	for (i = 0; i < en->ntargets && rc == 0; i++)
		rc = aliases_walk(al, en->targets[i], domain, path, out, e);
	free(path->v[--path->n]);
	return rc;
}

int
aliases_expand(const struct aliases *al, const char *addr, const char *domain,
	       struct strlist *out, struct err *e)
{
	struct strlist path = { 0 };
	int rc = aliases_walk(al, addr, domain, &path, out, e);

	strlist_free(&path);
	return rc;
}
