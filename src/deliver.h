/* deliver.h - the delivery engine: one message, one attempt */
#ifndef DSMTP_DELIVER_H
#define DSMTP_DELIVER_H

#include <time.h>

#include "aliases.h"
#include "config.h"
#include "err.h"
#include "message.h"
#include "signing.h"
#include "smtp.h"

/* One message to deliver. Everything is borrowed. */
struct deliver_job {
	struct message *m;
	const char *from;       /* envelope sender, "" for the null sender */
	const struct strlist *rcpts;
	const char *notify;     /* DSN, or NULL */
	const char *ret;
	const char *envid;
	const char *helo;       /* EHLO name */
	int attempt;            /* 1 for the first */
	time_t arrival;         /* when queued, for delay=; 0: this run */
	int queued;             /* from the queue: a relay that refuses the
				 * session is temporary (the mail waits) */
	struct signing *signing; /* DKIM; NULL or no keys: unsigned */
	int utf8_required;      /* an envelope address is not ASCII */
};

/* Deliver j through the account's relay (or with delivery mx to each
 * recipient domain's MX hosts), log one line per outcome, and
 * fill results (j->rcpts->n entries; caller frees with deliver_free).
 * Returns 0 when every recipient was accepted, else -1 with e set:
 * ERR_TEMP (try again later), ERR_NOUSER (a recipient was refused
 * permanently), ERR_UNAVAILABLE (the server refused the message),
 * ERR_PROTOCOL, ERR_CONFIG. */
int deliver_run(const struct account *a, const struct deliver_job *j,
		struct smtp_rcpt **results, struct err *e);
void deliver_free(struct smtp_rcpt *results, size_t n);

/* How many messages one kept connection carries before it is closed and
 * opened anew. */
#define DELIVER_CONN_USES 100

struct deliver_mx;

/* A relay connection kept from one message to the next (a queue run
 * delivers many through one), and direct delivery's connections to MX
 * hosts. Start from all zeroes; release with deliver_conn_close. */
struct deliver_conn {
	struct smtp_session s;
	struct smtp_target t;
	const struct account *a; /* whose relay it is; NULL: none open */
	char *secret, *host, *helo;
	char *fallback;          /* fallback_hosts, cut into the words that
	                          * the target points into */
	unsigned uses;
	int live;                /* smtp_open was called: close it */
	struct deliver_mx *mx;   /* delivery mx: the resolver and the kept
				  * connections; NULL: none yet */
	int parallel;            /* delivery mx: the domains of a message in
				  * parallel processes (a submission: one
				  * slow domain does not hold up the
				  * others; a queue run keeps its
				  * connections instead) */
};

/* deliver_run through c: its connection when it is to the same account
 * with the same EHLO name and still answers RSET (with a fresh time
 * budget), else a new one left in c for the next message. After a failed
 * transaction the connection is closed. */
int deliver_run_on(struct deliver_conn *c, const struct account *a,
		   const struct deliver_job *j, struct smtp_rcpt **results,
		   struct err *e);
void deliver_conn_close(struct deliver_conn *c);

/* 1 when account a delivers to the recipients' MX hosts: delivery mx,
 * or no delivery command and neither host nor socket. */
int deliver_is_mx(const struct account *a);

/* What msmtp refuses in an account before connecting: half a client
 * certificate (tls_cert_file without tls_key_file, or the reverse), and
 * protocol lmtp without port or socket (LMTP has no standard port).
 * deliver_run checks this itself. Returns 0, or -1 with e set
 * (ERR_CONFIG, naming the file and line). */
int deliver_check_account(const struct account *a, struct err *e);

/* The relay target of an account (host, port, timeout...). */
void deliver_target(const struct account *a, const char *helo,
		    struct smtp_target *t);

#endif
