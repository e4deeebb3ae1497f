/* aliases.h - the aliases file: parse, check, expand */
#ifndef DSMTP_ALIASES_H
#define DSMTP_ALIASES_H

#include <stddef.h>

#include "err.h"

struct aliases_entry {
	char *name;     /* lower case */
	char **targets;
	size_t ntargets;
	int line;
};

struct aliases {
	struct aliases_entry *v;
	size_t n;
	/* Set before parsing to keep |command, /file and :include: targets
	 * instead of refusing the file (as newaliases does); expanding one
	 * is then an error for that recipient only. */
	int lenient;
};

/* A list of addresses (owned strings). */
struct strlist {
	char **v;
	size_t n;
};

void strlist_add(struct strlist *l, const char *s);
/* Add s unless it is already present (ignoring case). */
void strlist_add_unique(struct strlist *l, const char *s);
void strlist_free(struct strlist *l);

/* Parse aliases text ("name: target, target", '#' comments, continuation
 * lines starting with a blank, a "default:" entry). Targets that dsmtp
 * cannot deliver (|command, /file, :include:) are an error unless
 * al->lenient. name is used
 * in messages. Returns 0 or -1 with e set (ERR_CONFIG, "file:line: ..."). */
int aliases_parse(struct aliases *al, const char *text, size_t len,
		  const char *name, struct err *e);
/* Read and parse a file; a missing file gives an empty table when
 * missing_ok. */
int aliases_load(struct aliases *al, const char *path, int missing_ok,
		 struct err *e);
void aliases_free(struct aliases *al);

/* Expand addr: a bare local name is looked up (then "default:"),
 * recursively; a name met again on the way ends the expansion there.
 * Bare names left at the end are qualified with domain. Results are added
 * to out without duplicates. Returns 0 or -1 with e set (ERR_DATA) when
 * expansion is deeper than 32 levels. */
int aliases_expand(const struct aliases *al, const char *addr,
		   const char *domain, struct strlist *out, struct err *e);

#endif
