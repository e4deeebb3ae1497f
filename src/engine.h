/* engine.h - a queue entry through the delivery engine */
#ifndef DSMTP_ENGINE_H
#define DSMTP_ENGINE_H

#include "config.h"
#include "deliver.h"
#include "message.h"
#include "runq.h"
#include "signing.h"

/* What engine_deliver needs; everything borrowed. */
struct engine {
	const struct config *cfg;
	/* A submission that has the message at hand passes it, the account
	 * and its signing keys (all NULL: the runner, which reads the
	 * message from the entry and sets up the entry's account). */
	struct message *m;
	const struct account *a;
	struct signing *signing;
	/* A queue run keeps its relay connection here from one entry to the
	 * next (NULL: a connection per message). */
	struct deliver_conn *conn;
};

/* A runq_deliver_fn (ctx: struct engine): deliver ent's message to its
 * pending recipients through deliver_run, signed with the account's DKIM
 * keys, and fill out. Server replies decide each recipient (2xx done,
 * 4xx temporary, 5xx permanent); a relay that rejects the credentials,
 * an account no longer in the configuration or a key that cannot be read
 * are temporary: the mail waits until the administrator mends it.
 * Returns -1 with e set when no attempt was made. */
int engine_deliver(void *ctx, const struct queue_entry *ent,
                   struct runq_outcome *out, struct err *e);

/* The account an entry names: its account, or default when the name is
 * "" or absent; NULL with e set (ERR_CONFIG) when it is no longer in the
 * configuration. */
const struct account *engine_account(const struct config *cfg,
                                     const struct queue_env *env,
                                     struct err *e);

/* The message bytes of a loaded entry, read back as submission left them
 * (header fields fixed, CRLF lines). As message_read. */
int engine_read_message(const struct queue_entry *ent, struct message *m,
                        struct err *e);

/* Set up s with account a's DKIM keys for message m (d= defaults to the
 * domain of m's From address). As signing_setup. */
int engine_signing(struct signing *s, const struct account *a,
                   const struct message *m, struct err *e);

/* runq_options.lifetime_of (ctx: the struct config): the queue_lifetime
 * of the entry's account, else of the defaults, else 5 days. */
time_t engine_lifetime(void *ctx, const struct queue_env *env);
/* runq_options.delay_warning_of (ctx: the struct config): the
 * queue_delay_warning of the entry's account (else the defaults'); 0,
 * off, by default. */
time_t engine_delay_warning(void *ctx, const struct queue_env *env);

/* runq_options.remote_mta_of (ctx: the struct config): the relay of the
 * entry's account (its host), the MTA whose replies the entry keeps;
 * NULL when it has none or delivers to MX hosts. Borrows from ctx. */
const char *engine_remote_mta(void *ctx, const struct queue_env *env);

/* Send log lines where account a says (syslog, logfile). */
void engine_log_open(const struct account *a);

/* The names a bounce is written with, for account a: this host's name
 * as Reporting-MTA (the account's domain, else its qualify domain),
 * MAILER-DAEMON at the qualify domain as its From, and where a notice
 * goes when a notification fails: double_bounce_to (default root)
 * through the account's aliases, qualified. */
struct engine_names {
	char *mta;
	char *postmaster;
	struct strlist notice;
};
void engine_names(const struct account *a, struct engine_names *n);
void engine_names_free(struct engine_names *n);

#endif
