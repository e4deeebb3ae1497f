/* taglist.h - DKIM-style tag lists ("v=DKIM1; k=rsa; p=...") */
#ifndef DSMTP_TAGLIST_H
#define DSMTP_TAGLIST_H

#include <stddef.h>

#define TAGLIST_MAX 32

struct taglist_tag {
	char *name;  /* as written (tag names are case-sensitive) */
	char *value; /* blanks around it removed, folding kept out */
};

struct taglist {
	struct taglist_tag tags[TAGLIST_MAX];
	size_t n;
};

/* Parse text as an RFC 6376 section 3.2 tag-list (also DMARC's, RFC 7489
 * section 6.3): "name=value" separated by ';', blanks around names and
 * values ignored, an empty last element allowed. Returns 0, or -1 when
 * the text is not a tag-list (a tag without '=', a bad name, a tag given
 * twice, more than TAGLIST_MAX tags); t is then empty. Pure; release with
 * taglist_free. */
int taglist_parse(const char *text, struct taglist *t);
void taglist_free(struct taglist *t);

/* The value of tag name, or NULL (borrowed). */
const char *taglist_get(const struct taglist *t, const char *name);

#endif
