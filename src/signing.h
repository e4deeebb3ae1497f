/* signing.h - an account's DKIM settings made ready to sign */
#ifndef DSMTP_SIGNING_H
#define DSMTP_SIGNING_H

#include "buf.h"
#include "config.h"
#include "dkim.h"
#include "err.h"
#include "message.h"

struct signing {
	struct dkim_key *keys;
	size_t nkeys;
	struct dkim_params params;
	char *domain;
	char **headers;
	size_t nheaders;
	char *summary;   /* "d/s,d/s" for the log line, NULL when unsigned */
};

/* Load the keys of every dkim_key line of a and the other dkim_*
 * settings. from_domain is the domain of the From header address, used
 * when dkim_domain is not set. With no dkim_key the result signs nothing.
 * Keys that are weak draw a warning on stderr. Returns 0 or -1 with e
 * set (ERR_CONFIG, ERR_NOPERM, ERR_DATA when there is no domain). */
int signing_setup(struct signing *s, const struct account *a,
		  const char *from_domain, struct err *e);
void signing_free(struct signing *s);

/* The smtp engine's signing callback: ctx is a struct signing. Appends
 * the DKIM-Signature fields for m (sent with qp or not) to out. */
int signing_sign(void *ctx, struct message *m, int qp, struct buf *out,
		 struct err *e);

#endif
