/* submit.h - one submission: from input to delivery */
#ifndef DSMTP_SUBMIT_H
#define DSMTP_SUBMIT_H

#include "aliases.h"
#include "cli.h"
#include "config.h"
#include "err.h"

/* An envelope given by an SMTP dialogue (-bs) instead of argv. */
struct submit_envelope {
	const char *from;             /* as given in MAIL FROM, "" for <> */
	const struct strlist *rcpts;  /* as given in RCPT TO */
	/* Out, or NULL: how many recipients the relay accepted, and an
	 * "address: reply" line for each one it did not take. */
	size_t *delivered;
	struct strlist *refused;
	/* Out, or NULL: the queue id when the message was committed to the
	 * queue ("" when it went without the queue). */
	char *queue_id;
};

/* Read a message from fd and deliver it (spec section 4): choose the
 * account, work out the envelope, expand aliases, fix the headers and
 * run the delivery engine. With env, the envelope comes from there and
 * the input is taken whole (no lone-dot rule, no -t). Returns 0 when the
 * message was accepted by the relay for every recipient, else -1 with e
 * set to the failure's class. */
int submit_message(const struct cli_opts *cli, const struct config *cfg,
		   int fd, const struct submit_envelope *env, struct err *e);

/* The account the command line and configuration choose when no message
 * is at hand (for --pretend and --serverinfo); with --host an account
 * built from the defaults. Borrows from cfg; NULL with e set. */
const struct account *submit_account(const struct cli_opts *cli,
				     const struct config *cfg,
				     struct account *scratch, struct err *e);

#endif
