/* aliases.c - the aliases file
 *
 * Owns: the aliases grammar, the newaliases check, recursive expansion
 *       with loop detection, memoised and capped; the hash index behind
 *       entry lookup and address de-duplication.
 * Not:  where the file is (config), address checks (addr.c). */

#include <config.h>

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "aliases.h"
#include "buf.h"
#include "config.h"
#include "file.h"
#include "i18n.h"
#include "xmalloc.h"

#define ALIASES_MAX_DEPTH 32
/* Lookups one expansion may make: with every name expanded once per call
 * this is generous, and it bounds a hostile file's cost. */
#define ALIASES_STEPS_MAX 1000000

/* ---- a hash index over names kept elsewhere ---- */

/* name_at(base, i): the i-th name of what an index covers. */
typedef const char *(*aliases_name_fn)(const void *base, size_t i);

/* FNV-1a over tolower(), so that names equal to strcasecmp hash alike. */
static size_t
aliases_hash(const char *s)
{
	unsigned long long h = 14695981039346656037ULL;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)tolower((unsigned char)*s);
		h *= 1099511628211ULL;
	}
	return (size_t)(h ^ (h >> 32));
}

/* The position of s, or SIZE_MAX. */
static size_t
aliases_ix_find(const struct aliases_index *ix, const char *s,
		aliases_name_fn name_at, const void *base)
{
	size_t i, mask = ix->cap - 1;

	if (ix->cap == 0)
		return SIZE_MAX;
	for (i = aliases_hash(s) & mask; ix->slot[i] != 0; i = (i + 1) & mask)
		if (strcasecmp(name_at(base, ix->slot[i] - 1), s) == 0)
			return ix->slot[i] - 1;
	return SIZE_MAX;
}

static void
aliases_ix_place(size_t *slot, size_t cap, size_t pos, const char *name)
{
	size_t i;

	for (i = aliases_hash(name) & (cap - 1); slot[i] != 0;
	     i = (i + 1) & (cap - 1))
		;
	slot[i] = pos + 1;
}

/* Index position pos (not yet in the index), growing it at half full. */
static void
aliases_ix_put(struct aliases_index *ix, size_t pos, aliases_name_fn name_at,
	       const void *base)
{
	size_t i, cap;
	size_t *slot;

	if ((ix->n + 1) * 2 > ix->cap) {
		cap = ix->cap ? ix->cap * 2 : 16;
		slot = xcalloc(cap, sizeof(slot[0]));
		for (i = 0; i < ix->cap; i++)
			if (ix->slot[i] != 0)
				aliases_ix_place(slot, cap, ix->slot[i] - 1,
						 name_at(base,
							 ix->slot[i] - 1));
		free(ix->slot);
		ix->slot = slot;
		ix->cap = cap;
	}
	aliases_ix_place(ix->slot, ix->cap, pos, name_at(base, pos));
	ix->n++;
}

static void
aliases_ix_free(struct aliases_index *ix)
{
	free(ix->slot);
	memset(ix, 0, sizeof(*ix));
}

/* v (of n elements of size) with room for one more: the room doubles
 * when n is a power of two, so appending n elements costs O(n) (popping
 * the last ones keeps the invariant: the room only grows). */
static void *
aliases_grow(void *v, size_t n, size_t size)
{
	if ((n & (n - 1)) != 0)
		return v;
	return xrealloc(v, (n ? n * 2 : 1) * size);
}

/* ---- lists of addresses ---- */

static const char *
strlist_name_at(const void *base, size_t i)
{
	return ((const struct strlist *)base)->v[i];
}

void
strlist_add(struct strlist *l, const char *s)
{
	l->v = aliases_grow(l->v, l->n, sizeof(l->v[0]));
	l->v[l->n++] = xstrdup(s);
}

/* Bring the index up to what strlist_add added without it. */
static void
strlist_index(struct strlist *l)
{
	while (l->ix.n < l->n)
		aliases_ix_put(&l->ix, l->ix.n, strlist_name_at, l);
}

int
strlist_has(struct strlist *l, const char *s)
{
	strlist_index(l);
	return aliases_ix_find(&l->ix, s, strlist_name_at, l) != SIZE_MAX;
}

int
strlist_add_unique(struct strlist *l, const char *s)
{
	if (strlist_has(l, s))
		return 0;
	strlist_add(l, s);
	strlist_index(l);
	return 1;
}

void
strlist_free(struct strlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	aliases_ix_free(&l->ix);
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

/* The entry's target t cannot be delivered: say so, quoting the file's
 * text cut and cleaned. */
static void
aliases_refuse(const struct aliases_entry *en, const char *t,
	       const char *name, struct err *e)
{
	char qn[CONFIG_QUOTE_SIZE], qt[CONFIG_QUOTE_SIZE];

	config_quote(qn, en->name, strlen(en->name));
	config_quote(qt, t, strlen(t));
	err_set(e, ERR_CONFIG,
		_("%s:%d: alias %s: %s cannot be delivered by dsmtp (only "
		  "addresses are supported)"),
		name, en->line, qn, qt);
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
			aliases_refuse(en, t, name, e);
			free(t);
			return -1;
		}
		en->targets = aliases_grow(en->targets, en->ntargets,
					   sizeof(char *));
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
	al->v = aliases_grow(al->v, al->n, sizeof(al->v[0]));
	al->v[al->n++] = en;
	return 0;
}

/* 1 when the n octets at p hold something but blanks. */
static int
aliases_has_text(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
			return 1;
	return 0;
}

static const char *
aliases_name_at(const void *base, size_t i)
{
	return ((const struct aliases *)base)->v[i].name;
}

/* Index the entries: the first of several with one name is the one. */
static void
aliases_index(struct aliases *al)
{
	size_t i;

	aliases_ix_free(&al->ix);
	for (i = 0; i < al->n; i++)
		if (aliases_ix_find(&al->ix, al->v[i].name, aliases_name_at,
				    al) == SIZE_MAX)
			aliases_ix_put(&al->ix, i, aliases_name_at, al);
}

/* The length of the n octets at p before a comment: as in msmtp, a '#'
 * (outside double quotes) ends the line's text, after an entry too. */
static size_t
aliases_uncommented(const char *p, size_t n)
{
	size_t i;
	int quoted = 0;

	for (i = 0; i < n; i++) {
		if (p[i] == '"')
			quoted = !quoted;
		else if (p[i] == '#' && !quoted)
			return i;
	}
	return n;
}

/* text need not be NUL-terminated: nothing past len is read. */
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
		n = aliases_uncommented(text + s, end - s);
		line++;
		if (n > 0 && (text[s] == ' ' || text[s] == '\t') &&
		    logical.len > 0) {
			/* A line starting with a blank continues the entry. */
			buf_append(&logical, text + s, n);
		} else if (n > 0 && aliases_has_text(text + s, n)) {
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
	aliases_index(al);
	return rc;
}

int
aliases_load(struct aliases *al, const char *path, int missing_ok,
	     struct err *e)
{
	struct buf text = { 0 };
	enum file_result r;
	int rc = 0;

	if (*path == '\0')
		return 0;
	r = file_read(path, 0, ALIASES_FILE_MAX, &text, NULL);
	if (r == FILE_OK)
		rc = aliases_parse(al, text.data ? text.data : "", text.len,
				   path, e);
	else if (r != FILE_MISSING || !missing_ok) {
		file_fail(e, ERR_CONFIG, path, r, ALIASES_FILE_MAX);
		rc = -1;
	}
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
	aliases_ix_free(&al->ix);
	al->v = NULL;
	al->n = 0;
}

static const struct aliases_entry *
aliases_find(const struct aliases *al, const char *name)
{
	size_t i = aliases_ix_find(&al->ix, name, aliases_name_at, al);

	return i == SIZE_MAX ? NULL : &al->v[i];
}

/* One expansion: the names being expanded (outermost first), those done,
 * and its budget. */
struct aliases_walk {
	const struct aliases *al;
	const char *domain;
	struct strlist path;
	struct strlist done;
	struct strlist *out;
	struct strlist *skipped; /* undeliverable targets noted, or NULL */
	size_t steps, added;
	struct err *e;
};

static int
aliases_on_path(const struct strlist *path, const char *name)
{
	size_t i;

	for (i = 0; i < path->n; i++)
		if (strcasecmp(path->v[i], name) == 0)
			return 1;
	return 0;
}

/* The entry addr expands by, or NULL when it is final. */
static const struct aliases_entry *
aliases_lookup(struct aliases_walk *w, const char *addr)
{
	const struct aliases_entry *en;

	if (strchr(addr, '@') != NULL || aliases_on_path(&w->path, addr))
		return NULL;
	en = aliases_find(w->al, addr);
	return en != NULL ? en : aliases_find(w->al, "default");
}

static int
aliases_leaf(struct aliases_walk *w, const char *addr)
{
	char *q = addr_qualify(addr, w->domain);
	int added = strlist_add_unique(w->out, q);

	free(q);
	if (added && ++w->added > ALIASES_EXPAND_MAX) {
		err_set(w->e, ERR_DATA, _("alias expansion of %s gives more "
					  "than %d addresses"),
			w->path.n ? w->path.v[0] : addr, ALIASES_EXPAND_MAX);
		return -1;
	}
	return 0;
}

static int
aliases_walk(struct aliases_walk *w, const char *addr)
{
	const struct aliases_entry *en;
	size_t i;
	int rc = 0;

	if (++w->steps > ALIASES_STEPS_MAX) {
		err_set(w->e, ERR_DATA, _("alias expansion of %s needs more "
					  "than %d lookups"),
			w->path.n ? w->path.v[0] : addr, ALIASES_STEPS_MAX);
		return -1;
	}
	en = aliases_lookup(w, addr);
	if (en != NULL && strlist_has(&w->done, addr))
		return 0; /* its addresses are in out already */
	if (en != NULL && w->path.n >= ALIASES_MAX_DEPTH) {
		err_set(w->e, ERR_DATA, _("alias expansion of %s is too deep"),
			w->path.v[0]);
		return -1;
	}
	if (aliases_undeliverable(addr)) {
		const char *from = w->path.n ? w->path.v[w->path.n - 1] : addr;
		char qf[CONFIG_QUOTE_SIZE], qa[CONFIG_QUOTE_SIZE];

		config_quote(qf, from, strlen(from));
		config_quote(qa, addr, strlen(addr));
		if (w->skipped != NULL) {
			/* Only this target fails; the others still get the
			 * message. */
			char *why = xasprintf(_("alias %s leads to %s, which "
						"dsmtp cannot deliver"), qf, qa);

			strlist_add_unique(w->skipped, why);
			free(why);
			return 0;
		}
		err_set(w->e, ERR_DATA, _("alias %s leads to %s, which dsmtp "
					  "cannot deliver"), qf, qa);
		return -1;
	}
	if (en == NULL)
		return aliases_leaf(w, addr);
	strlist_add(&w->path, addr);
	for (i = 0; i < en->ntargets && rc == 0; i++)
		rc = aliases_walk(w, en->targets[i]);
	free(w->path.v[--w->path.n]);
	strlist_add_unique(&w->done, addr);
	return rc;
}

int
aliases_expand(const struct aliases *al, const char *addr, const char *domain,
	       struct strlist *out, struct err *e)
{
	return aliases_expand_noting(al, addr, domain, out, NULL, e);
}

int
aliases_expand_noting(const struct aliases *al, const char *addr,
		      const char *domain, struct strlist *out,
		      struct strlist *skipped, struct err *e)
{
	struct aliases_walk w = { 0 };
	int rc;

	w.al = al;
	w.domain = domain;
	w.out = out;
	w.skipped = skipped;
	w.e = e;
	rc = aliases_walk(&w, addr);
	strlist_free(&w.path);
	strlist_free(&w.done);
	return rc;
}
