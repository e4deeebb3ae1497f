/* deliver_int.h - within the delivery engine: what deliver.c and
 * deliver_mx.c share */
#ifndef DSMTP_DELIVER_INT_H
#define DSMTP_DELIVER_INT_H

#include "deliver.h"

/* The next hop as the log line names it. */
struct deliver_hop {
	const char *name;     /* relay=NAME[ip]:port; NULL: none reached */
	int port;
	const struct net *conn; /* its peer address and TLS session */
	const char *auth;     /* mechanism used, NULL: none */
	const char *policy;   /* MX delivery's TLS policy; NULL: a relay */
	int verified;
};

/* Log the recipients of j whose results res[i] ended in class cls (one
 * line, nothing when there are none), delay seconds into the attempt. */
void deliver_log(const struct deliver_job *j, const struct deliver_hop *hop,
                 const struct smtp_rcpt *res, enum smtp_class cls,
                 double delay);

/* The envelope of j over the results array res (j->rcpts->n entries). */
void deliver_envelope(const struct deliver_job *j, struct smtp_rcpt *res,
                      struct smtp_envelope *env);

/* The monotonic clock in seconds. */
double deliver_now(void);

/* Deliver j to each recipient domain's MX hosts (deliver_mx.c), keeping
 * connections and the resolver in c; fills res[0..j->rcpts->n) (addr set
 * by the caller), logs each outcome. Returns 0, or -1 with e set when
 * nothing could be tried (the resolver cannot be used: every recipient is
 * then temporary). */
int deliver_mx_run(struct deliver_conn *c, const struct account *a,
                   const struct deliver_job *j, struct smtp_rcpt *res,
                   struct err *e);
/* Release what deliver_mx_run kept (NULL: nothing). */
void deliver_mx_close(struct deliver_mx *mx);

#endif
