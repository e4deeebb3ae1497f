/* ident.c - whose mail this is
 *
 * Owns: the submitting user's uid and whether the environment is theirs.
 * Not:  what is done with it (submit, enqueue). */

#include <config.h>

#include <stdlib.h>
#include <unistd.h>

#include "ident.h"

static int ident_other;
static uid_t ident_who;

uid_t
ident_uid(void)
{
	return ident_other ? ident_who : getuid();
}

void
ident_set(uid_t uid)
{
	ident_other = 1;
	ident_who = uid;
}

const char *
ident_env(const char *name)
{
	return ident_other ? NULL : getenv(name);
}
