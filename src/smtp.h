/* smtp.h - the SMTP client engine */
#ifndef DSMTP_SMTP_H
#define DSMTP_SMTP_H

#include <stddef.h>

#include "buf.h"
#include "err.h"
#include "message.h"
#include "net.h"

/* How one recipient (or the whole transaction) ended. */
enum smtp_class {
	SMTP_PENDING = 0,
	SMTP_DONE,
	SMTP_TEMP,
	SMTP_PERM
};

struct smtp_reply {
	int code;            /* e.g. 250; 0 when none was read */
	char enhanced[16];   /* e.g. "5.1.1", or "" */
	struct buf text;     /* text of the first line */
	struct buf all;      /* every line's text after the code, '\n' joined */
};

/* What the server offered in its EHLO reply. */
struct smtp_caps {
	int esmtp, pipelining, eightbitmime, dsn, enhanced, smtputf8,
		starttls;
	long long size;      /* SIZE limit, 0 when none was given */
	int size_offered;    /* SIZE was in the EHLO reply */
	char *auth;          /* AUTH mechanisms, NULL when none */
};

struct smtp_session {
	struct net net;
	struct smtp_caps caps;
	char *host;          /* for messages */
	struct buf greeting; /* text of the 220 reply */
	const char *auth_mech; /* mechanism used, NULL: none */
	int tls_failed;      /* smtp_open: the STARTTLS handshake failed (an
			      * opportunistic caller may try in clear) */
	int lmtp;            /* LHLO, and one reply per recipient after the
			      * message */
};

/* How to authenticate (all borrowed). */
struct smtp_auth {
	int enabled;
	int mech;             /* enum sasl_mech; SASL_NONE: choose */
	const char *user;
	const char *secret;   /* password or token; NULL for EXTERNAL */
	int have_cert;        /* a client certificate is configured */
	const char *host;     /* for OAUTHBEARER */
	int port;
};

/* Where and how to connect. */
struct smtp_target {
	const char *host;
	const char *name;     /* for messages, when host is an MX host's
			       * address: its name; NULL: host */
	int port;
	const char *source_ip;
	const char *socket_path;
	const char *proxy_host; /* SOCKS5 proxy, NULL: none (socket_path
				 * wins over it) */
	int proxy_port;
	int lmtp;             /* LMTP (RFC 2033) instead of SMTP */
	long timeout;         /* seconds, for each reply and write */
	long long budget_ms;  /* for the whole session (smtp_budget_ms); 0:
			       * none */
	const char *helo;     /* EHLO/HELO argument */
	int tls;              /* SMTP_TLS_* */
	struct tls_policy tls_policy;
	struct smtp_auth auth;
};

enum {
	SMTP_TLS_OFF = 0,
	SMTP_TLS_STARTTLS,    /* required: never send in clear */
	SMTP_TLS_IMPLICIT,    /* TLS from the first byte (port 465) */
	SMTP_TLS_OPPORTUNISTIC /* STARTTLS when offered, else (and when it
				* is refused) in clear (RFC 7435) */
};

/* One recipient of a transaction and how it ended. */
struct smtp_rcpt {
	const char *addr;     /* borrowed */
	enum smtp_class cls;
	char *reply;          /* "<code> <enhanced> <text>", caller frees */
	int again;            /* within smtp_send: refused as one too many
			       * for this transaction, for the next one */
	int notify_dropped;   /* a NOTIFY was wanted but the server takes
			       * no DSN: it went without (RFC 3461 6.2.1:
			       * a SUCCESS is then this side's to report) */
};

/* The envelope of one transaction. */
struct smtp_envelope {
	const char *from;     /* "" for the null sender */
	struct smtp_rcpt *rcpts;
	size_t nrcpts;
	const char *notify;   /* DSN NOTIFY, or NULL */
	const char *ret;      /* DSN RET (full, hdrs), or NULL */
	const char *envid;    /* DSN ENVID, or NULL */
	int utf8_required;    /* a UTF-8 address: SMTPUTF8 or nothing */
	int utf8_wanted;      /* UTF-8 headers: SMTPUTF8 when offered */
	/* Called once the wire form is known (after EHLO, before MAIL) to
	 * add header fields on top, e.g. DKIM-Signature; NULL for none. */
	int (*sign)(void *ctx, struct message *m, int qp, struct buf *out,
		    struct err *e);
	void *sign_ctx;
};

/* Connect (through t->proxy_host with SOCKS5 when set, net_socks5; TLS
 * first when implicit), read the greeting, say EHLO (HELO when EHLO is
 * refused; with t->lmtp LHLO and no fallback), and with
 * SMTP_TLS_STARTTLS upgrade and say EHLO again (SMTP_TLS_OPPORTUNISTIC:
 * the same when STARTTLS is offered and accepted; a failed handshake
 * sets s->tls_failed). Every reply must end
 * within t->timeout, the whole session within t->budget_ms. Returns 0, or
 * -1 with e set: ERR_TEMP (network, timeouts, 4xx, a proxy that cannot
 * reach the server, and every TLS failure, data injected after
 * STARTTLS's 220 included: the message is never sent in clear instead),
 * ERR_UNAVAILABLE (5xx greeting, a proxy that wants authentication),
 * ERR_PROTOCOL (not SMTP or not SOCKS5, or replies before the commands
 * they answer). */
int smtp_open(struct smtp_session *s, const struct smtp_target *t,
	      struct err *e);

/* Run the mail transaction for m: one, and when the server refuses
 * recipients as too many (smtp_too_many) after accepting some, further
 * ones on the same connection for the rest (RFC 5321 4.5.3.1.10), as long
 * as each delivers to someone. Per-recipient results go into env->rcpts;
 * returns 0 when the transactions reached their end (some recipients may
 * still have failed; e is set when the final reply was not 2xx; for LMTP
 * each accepted recipient takes its own reply after the message, and e
 * stays unset), or -1 with e set when a transaction failed (then every
 * recipient not yet refused or delivered carries the class of e:
 * SMTP_TEMP or SMTP_PERM).
 * Reply classes: 2xx done, 4xx SMTP_TEMP, 5xx SMTP_PERM, a 3xx where none
 * belongs, or data nobody asked for, ERR_PROTOCOL. *last receives the
 * last reply as "<code> <enhanced> <text>" (caller frees). */
int smtp_send(struct smtp_session *s, struct message *m,
	      struct smtp_envelope *env, char **last, struct err *e);

/* Authenticate with AUTH (RFC 4954): the named mechanism, or for "auth
 * on" the strongest one offered that is safe over this connection (no
 * password-revealing mechanism without TLS). Returns 0, or -1 with e set:
 * ERR_NOPERM (credentials refused), ERR_UNAVAILABLE (no usable
 * mechanism), ERR_TEMP, ERR_PROTOCOL (e.g. a SCRAM server that cannot
 * prove itself). */
int smtp_authenticate(struct smtp_session *s, const struct smtp_auth *a,
		      struct err *e);

/* Ready an open session for another message (a queue run keeps the
 * connection): RSET, whose reply must be 2xx, with the budget set anew to
 * budget_ms. Returns 0, or -1 with e set when the connection cannot be
 * used again (the caller closes it and connects anew). */
int smtp_reuse(struct smtp_session *s, long long budget_ms, struct err *e);

/* Say QUIT (ignoring the answer) and close. */
void smtp_close(struct smtp_session *s);

/* The time limit of a whole session: ten times the timeout (timeout_s
 * <= 0: 300 s) plus one second for every 10,000 bytes of a message of
 * size bytes, in milliseconds, saturating at NET_MS_MAX. */
long long smtp_budget_ms(long timeout_s, long long size);

/* 1 when r refuses a recipient as one too many for this transaction:
 * 452 (enhanced code none or 4.5.3), or 552 5.5.3 (RFC 5321 4.5.3.1.10). */
int smtp_too_many(const struct smtp_reply *r);

/* Read one reply, possibly multi-line (capped in line length and count),
 * all of it within the timeout (net_arm). Returns 0, or -1 with e set
 * (ERR_PROTOCOL for a reply that is not SMTP, ERR_TEMP on I/O). */
int smtp_read_reply(struct net *n, struct smtp_reply *r, struct err *e);
void smtp_reply_free(struct smtp_reply *r);

/* Parse one EHLO reply line's text into caps. */
void smtp_parse_cap(struct smtp_caps *c, const char *line);

/* Within the smtp module: send one command line (CRLF added, flushed),
 * shown in the -v transcript; refused (smtp_unsolicited) while the
 * server has sent what nothing asked for. */
int smtp_command(struct smtp_session *s, const char *cmd, struct err *e);
/* Within the smtp module: -1 with e set (ERR_PROTOCOL) when the server
 * has sent anything that no command asked for yet, else 0. smtp_command
 * checks this itself. */
int smtp_unsolicited(struct smtp_session *s, struct err *e);
/* Within the smtp module: set e from an unexpected reply to what
 * (ERR_TEMP for 4xx, ERR_UNAVAILABLE for 5xx, ERR_PROTOCOL for anything
 * else, e.g. 3xx or a 2xx that does not belong); returns -1. */
int smtp_fail(struct smtp_session *s, const struct smtp_reply *r,
	      const char *what, struct err *e);

/* Encode s as xtext (RFC 3461) into out. */
void smtp_xtext(struct buf *out, const char *s);

#endif
