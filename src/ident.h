/* ident.h - whose mail this is: the user who submitted it */
#ifndef DSMTP_IDENT_H
#define DSMTP_IDENT_H

#include <sys/types.h>

/* The submitting user: the caller (getuid()), or the user a picked-up
 * submission came from once ident_set was called. */
uid_t ident_uid(void);

/* From now on this process submits for uid (the queue daemon picking up
 * a user's handed-over message): login name, full name and the entry's
 * uid are that user's, and nothing is taken from this process's own
 * environment. */
void ident_set(uid_t uid);

/* getenv(name) for the caller's own mail; NULL for a picked-up one (the
 * daemon's environment says nothing of the user). */
const char *ident_env(const char *name);

#endif
