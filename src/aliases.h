/* aliases.h - the aliases file: parse, check, expand */
#ifndef DSMTP_ALIASES_H
#define DSMTP_ALIASES_H

#include <stddef.h>

#include "err.h"

/* A hash index over names held elsewhere (a strlist's strings, a
 * table's entry names); private to aliases.c. Zero-initialised: empty. */
struct aliases_index {
	size_t *slot;   /* 1 + the name's position; 0: an empty slot */
	size_t cap;     /* 0 or a power of two */
	size_t n;       /* names in the index */
};

/* The largest aliases file read, and the most addresses one expansion
 * may give. */
#define ALIASES_FILE_MAX (16 * 1024 * 1024)
#define ALIASES_EXPAND_MAX 10000

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
	struct aliases_index ix; /* by name: the first entry of each */
};

/* A list of addresses (owned strings). A string in v may be replaced,
 * but strlist_add_unique then no longer finds it (it looks strings up
 * by the hash they had when added). */
struct strlist {
	char **v;
	size_t n;
	struct aliases_index ix; /* of v[0 .. ix.n) */
};

void strlist_add(struct strlist *l, const char *s);
/* Add s unless it is already present (ignoring case), in constant
 * expected time. Returns 1 when added, 0 when present. */
int strlist_add_unique(struct strlist *l, const char *s);
/* 1 when s is in l (ignoring case). */
int strlist_has(struct strlist *l, const char *s);
void strlist_free(struct strlist *l);

/* Parse aliases text ("name: target, target", '#' comments (from a '#'
 * outside double quotes to the end of the line, as msmtp), continuation
 * lines starting with a blank, a "default:" entry). Targets that dsmtp
 * cannot deliver (|command, /file, :include:) are an error unless
 * al->lenient. name is used
 * in messages. Returns 0 or -1 with e set (ERR_CONFIG, "file:line: ..."). */
int aliases_parse(struct aliases *al, const char *text, size_t len,
		  const char *name, struct err *e);
/* Read and parse a file (a regular file of at most ALIASES_FILE_MAX
 * octets); a missing file gives an empty table when missing_ok. An empty
 * path (the aliases command with an empty argument) is no file at all:
 * an empty table. */
int aliases_load(struct aliases *al, const char *path, int missing_ok,
		 struct err *e);
void aliases_free(struct aliases *al);

/* Expand addr: a bare local name is looked up (then "default:"),
 * recursively; a name met again on the way ends the expansion there, and
 * a name already expanded in this call is not expanded again (its
 * addresses are in out). Bare names left at the end are qualified with
 * domain. Results are added to out without duplicates. Returns 0 or -1
 * with e set (ERR_DATA) when expansion is deeper than 32 levels or would
 * add more than ALIASES_EXPAND_MAX addresses. */
int aliases_expand(const struct aliases *al, const char *addr,
		   const char *domain, struct strlist *out, struct err *e);
/* The same, but a program, file or :include: target (which dsmtp cannot
 * deliver) is not an error: a line saying which alias led where is added
 * to skipped, and the expansion goes on. */
int aliases_expand_noting(const struct aliases *al, const char *addr,
			  const char *domain, struct strlist *out,
			  struct strlist *skipped, struct err *e);

#endif
