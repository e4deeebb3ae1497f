/* enqueue.h - a submitted message into the queue, then one attempt */
#ifndef DSMTP_ENQUEUE_H
#define DSMTP_ENQUEUE_H

#include "aliases.h"
#include "config.h"
#include "err.h"
#include "message.h"
#include "signing.h"

/* One message that submission has finished (headers fixed, envelope
 * worked out, addresses in A-labels). Everything borrowed. */
struct enqueue_msg {
	const struct config *cfg;
	const struct account *a;
	struct message *m;
	struct signing *signing;
	const char *from;            /* "" for the null sender */
	const struct strlist *rcpts;
	const char *notify, *ret, *envid;
	int queue_only;              /* -odq: commit, do not attempt */
};

/* Commit q's message to the account's spool (spec section 7: durable
 * before this returns 0), then, unless queue_only, make the first attempt
 * at once through the runner's own steps (runq_one with the engine): what
 * is delivered leaves the entry, temporary failures wait for the next run,
 * permanent ones get a bounce that is itself attempted at once. m->id
 * becomes the queue id. With -v one line on stderr says when mail was
 * left in the queue. Returns 0 when the message is safe, or -1 with e
 * set when it could not be committed (nothing is left in the spool). */
int enqueue_submit(const struct enqueue_msg *q, struct err *e);

#endif
