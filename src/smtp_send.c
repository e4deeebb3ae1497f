/* smtp_send.c - one SMTP mail transaction
 *
 * Owns: MAIL/RCPT/DATA with their ESMTP parameters (SIZE, BODY, DSN),
 *       pipelining, per-recipient results (for LMTP also after the
 *       message), follow-up transactions for recipients refused as too
 *       many, dot-stuffing on the wire.
 * Not:  session set-up (smtp.c), retry decisions, exit codes. */

#include <config.h>

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "i18n.h"
#include "log.h"
#include "smtp.h"
#include "xmalloc.h"

struct stuff_ctx {
	struct net *net;
	int bol;          /* at the beginning of a line */
	struct err *e;
};

/* message_sink that dot-stuffs: a line starting with '.' gets another. */
static int
smtp_stuff(void *vctx, const char *p, size_t n)
{
	struct stuff_ctx *c = vctx;
	const char *nl;
	size_t seg;

	while (n > 0) {
		if (c->bol && *p == '.' && net_write(c->net, ".", 1, c->e) < 0)
			return -1;
		nl = memchr(p, '\n', n);
		seg = nl ? (size_t)(nl - p) + 1 : n;
		if (net_write(c->net, p, seg, c->e) < 0)
			return -1;
		c->bol = nl != NULL;
		p += seg;
		n -= seg;
	}
	return 0;
}

static char *
smtp_reply_string(const struct smtp_reply *r)
{
	return xasprintf("%d %s", r->code, r->text.data ? r->text.data : "");
}

/* The class of a 2xx, 4xx or 5xx reply (a 3xx never gets here). */
static enum smtp_class
smtp_class_of(int code)
{
	if (code < 300)
		return SMTP_DONE;
	return code >= 500 ? SMTP_PERM : SMTP_TEMP;
}

static char *
smtp_mail_cmd(const struct smtp_session *s, const struct smtp_envelope *env,
	      off_t size, int eight)
{
	struct buf b = { 0 };

	buf_printf(&b, "MAIL FROM:<%s>", env->from);
	if (s->caps.size_offered)
		buf_printf(&b, " SIZE=%lld", (long long)size);
	if (eight && s->caps.eightbitmime)
		buf_append_str(&b, " BODY=8BITMIME");
	if ((env->utf8_required || env->utf8_wanted) && s->caps.smtputf8)
		buf_append_str(&b, " SMTPUTF8");
	if (s->caps.dsn && env->ret != NULL)
		buf_printf(&b, " RET=%s",
			   strcasecmp(env->ret, "full") == 0 ? "FULL" : "HDRS");
	if (s->caps.dsn && env->envid != NULL) {
		buf_append_str(&b, " ENVID=");
		smtp_xtext(&b, env->envid);
	}
	return buf_steal(&b);
}

static char *
smtp_rcpt_cmd(const struct smtp_session *s, const struct smtp_envelope *env,
	      const char *addr)
{
	struct buf b = { 0 };
	const char *p;

	buf_printf(&b, "RCPT TO:<%s>", addr);
	if (s->caps.dsn && env->notify != NULL) {
		buf_append_str(&b, " NOTIFY=");
		for (p = env->notify; *p; p++)
			buf_append_char(&b, (char)toupper((unsigned char)*p));
	}
	return buf_steal(&b);
}

/* Queue a command; flush and read its reply at once unless pipelining.
 * Before a command that starts a group (first) or stands alone, nothing
 * may be waiting from the server. */
static int
smtp_queue(struct smtp_session *s, const char *cmd, int first,
	   struct err *e)
{
	if ((first || !s->caps.pipelining) && smtp_unsolicited(s, e) < 0)
		return -1;
	log_transcript('>', cmd, strlen(cmd));
	if (net_write(&s->net, cmd, strlen(cmd), e) < 0 ||
	    net_write(&s->net, "\r\n", 2, e) < 0)
		return -1;
	return s->caps.pipelining ? 0 : net_flush(&s->net, e);
}

/* Every recipient of this transaction not yet refused takes the class of
 * a whole failure. */
static void
smtp_fail_rcpts(struct smtp_envelope *env, const struct err *e,
		const char *reply)
{
	size_t i;

	for (i = 0; i < env->nrcpts; i++) {
		if (env->rcpts[i].cls != SMTP_PENDING)
			continue;
		env->rcpts[i].cls = e->cls == ERR_UNAVAILABLE ||
						    e->cls == ERR_DATA
					    ? SMTP_PERM : SMTP_TEMP;
		free(env->rcpts[i].reply);
		env->rcpts[i].reply = xstrdup(reply ? reply : e->msg);
	}
}

static int
smtp_rcpt_reply(struct smtp_session *s, struct smtp_rcpt *rc,
		struct smtp_reply *r, struct err *e)
{
	if (smtp_read_reply(&s->net, r, e) < 0)
		return -1;
	if (r->code / 100 == 3)
		return smtp_fail(s, r, "RCPT TO", e);
	rc->cls = smtp_class_of(r->code);
	free(rc->reply);
	rc->reply = smtp_reply_string(r);
	rc->again = smtp_too_many(r);
	if (rc->again)
		rc->cls = SMTP_TEMP;
	if (rc->cls != SMTP_DONE)
		return 0;
	rc->cls = SMTP_PENDING; /* accepted; done once DATA is */
	return 1;
}

static int
smtp_mail_reply(struct smtp_session *s, struct smtp_reply *r, struct err *e)
{
	if (smtp_read_reply(&s->net, r, e) < 0)
		return -1;
	if (r->code / 100 != 2)
		return smtp_fail(s, r, "MAIL FROM", e);
	return 0;
}

/* Read the replies of a pipelined group: MAIL, the RCPTs, DATA; returns
 * the number of accepted recipients, or -1. */
static int
smtp_group_replies(struct smtp_session *s, struct smtp_envelope *env,
		   struct smtp_reply *r, struct err *e)
{
	int accepted = 0, got;
	size_t i;

	if (smtp_mail_reply(s, r, e) < 0)
		return -1;
	for (i = 0; i < env->nrcpts; i++) {
		if (env->rcpts[i].cls != SMTP_PENDING)
			continue;
		got = smtp_rcpt_reply(s, &env->rcpts[i], r, e);
		if (got < 0)
			return -1;
		accepted += got;
	}
	if (smtp_read_reply(&s->net, r, e) < 0) /* the reply to DATA */
		return -1;
	return accepted;
}

/* Send MAIL, RCPT for each recipient still SMTP_PENDING (and DATA when
 * pipelining) and read their replies; returns the number of accepted
 * recipients, or -1. */
static int
smtp_envelope(struct smtp_session *s, struct smtp_envelope *env,
	      off_t size, int eight, struct smtp_reply *r, struct err *e)
{
	int pipe = s->caps.pipelining, accepted = 0, got;
	char *cmd = smtp_mail_cmd(s, env, size, eight);
	size_t i;

	got = smtp_queue(s, cmd, 1, e);
	free(cmd);
	if (got == 0 && !pipe)
		got = smtp_mail_reply(s, r, e);
	for (i = 0; i < env->nrcpts && got >= 0; i++) {
		if (env->rcpts[i].cls != SMTP_PENDING)
			continue;
		cmd = smtp_rcpt_cmd(s, env, env->rcpts[i].addr);
		env->rcpts[i].notify_dropped = env->notify != NULL &&
					       !s->caps.dsn;
		got = smtp_queue(s, cmd, 0, e);
		free(cmd);
		if (got == 0 && !pipe)
			got = smtp_rcpt_reply(s, &env->rcpts[i], r, e);
		accepted += got > 0;
	}
	if (got < 0 || !pipe)
		return got < 0 ? -1 : accepted;
	/* Pipelining: DATA ends the group, then the replies in order. */
	if (smtp_queue(s, "DATA", 0, e) < 0 || net_flush(&s->net, e) < 0)
		return -1;
	return smtp_group_replies(s, env, r, e);
}

/* Send the message after a 354 and read the final reply. */
static int
smtp_data(struct smtp_session *s, struct message *m, int qp,
	  const char *prefix, struct smtp_reply *r, struct err *e)
{
	struct stuff_ctx c = { &s->net, 1, e };

	/* After the 354 the server waits for the message, nothing else. */
	if (smtp_unsolicited(s, e) < 0)
		return -1;
	log_transcript('>', "<message>", 9);
	if (message_emit(m, qp, prefix, smtp_stuff, &c, e) < 0)
		return -1;
	log_transcript('>', ".", 1);
	if (net_write(&s->net, ".\r\n", 3, e) < 0 || net_flush(&s->net, e) < 0)
		return -1;
	return smtp_read_reply(&s->net, r, e);
}

/* 0 when the message may go to this server, else -1 with e set. */
static int
smtp_precheck(struct smtp_session *s, struct message *m, int qp,
	      const struct smtp_envelope *env, struct err *e)
{
	off_t size = message_size(m);

	if (env->utf8_required && !s->caps.smtputf8) {
		err_set(e, ERR_UNAVAILABLE,
			_("an address needs SMTPUTF8 (it is not ASCII), which "
			  "%s does not offer"), s->host);
		return -1;
	}
	if (s->caps.size > 0 && size > s->caps.size) {
		err_set(e, ERR_UNAVAILABLE,
			_("the message (%lld bytes) is larger than %s accepts "
			  "(%lld bytes)"), (long long)size, s->host,
			s->caps.size);
		return -1;
	}
	return qp ? message_check_qp(m, e) : 0;
}

static void
smtp_finish_rcpts(struct smtp_envelope *env, const struct smtp_reply *r)
{
	size_t i;

	for (i = 0; i < env->nrcpts; i++) {
		if (env->rcpts[i].cls != SMTP_PENDING)
			continue;
		env->rcpts[i].cls = smtp_class_of(r->code);
		free(env->rcpts[i].reply);
		env->rcpts[i].reply = smtp_reply_string(r);
	}
}

/* LMTP: one reply to the message per accepted recipient, in the order
 * of the RCPTs (RFC 2033 4.2); the first one is in r already. */
static int
smtp_lmtp_replies(struct smtp_session *s, struct smtp_envelope *env,
		  struct smtp_reply *r, struct err *e)
{
	struct smtp_rcpt *rc;
	size_t i;
	int first = 1;

	for (i = 0; i < env->nrcpts; i++) {
		rc = &env->rcpts[i];
		if (rc->cls != SMTP_PENDING)
			continue;
		if (!first && smtp_read_reply(&s->net, r, e) < 0)
			return -1;
		first = 0;
		if (r->code / 100 == 3)
			return smtp_fail(s, r, _("the message"), e);
		rc->cls = smtp_class_of(r->code);
		free(rc->reply);
		rc->reply = smtp_reply_string(r);
	}
	return 0;
}

/* Every recipient was refused: end the transaction; failures here
 * change nothing for the message. */
static void
smtp_end_quietly(struct smtp_session *s, const char *cmd)
{
	struct smtp_reply r = { 0 };
	struct err ignored = { 0 };

	if (smtp_command(s, cmd, &ignored) == 0)
		smtp_read_reply(&s->net, &r, &ignored);
	smtp_reply_free(&r);
	err_clear(&ignored);
}

/* One transaction for the recipients still SMTP_PENDING: 0 at its end
 * (e set when the final reply was not 2xx), -1 when it failed. */
static int
smtp_transaction(struct smtp_session *s, struct message *m, int qp,
		 const char *prefix, struct smtp_envelope *env,
		 struct smtp_reply *r, struct err *e)
{
	int accepted = smtp_envelope(s, env, message_size(m) +
					     (off_t)strlen(prefix),
				     m->body_8bit && !qp, r, e);

	if (accepted < 0)
		return -1;
	if (!s->caps.pipelining && accepted == 0) {
		smtp_end_quietly(s, "RSET");
		return 0;
	}
	if (!s->caps.pipelining && (smtp_command(s, "DATA", e) < 0 ||
				    smtp_read_reply(&s->net, r, e) < 0))
		return -1;
	if (r->code != 354 && accepted == 0)
		return 0;
	if (r->code != 354)
		return smtp_fail(s, r, "DATA", e);
	if (accepted == 0) {
		/* A pipelined DATA was accepted without recipients: end it. */
		smtp_end_quietly(s, ".");
		return 0;
	}
	if (smtp_data(s, m, qp, prefix, r, e) < 0)
		return -1;
	if (r->code / 100 == 3)
		return smtp_fail(s, r, _("the message"), e);
	if (s->lmtp)
		return smtp_lmtp_replies(s, env, r, e);
	smtp_finish_rcpts(env, r);
	if (r->code / 100 != 2)
		smtp_fail(s, r, _("the message"), e);
	return 0;
}

/* After a transaction: when it delivered to someone (more are SMTP_DONE
 * than *done says) and refused others as too many, make those pending
 * for the next one and return 1. Otherwise they stay refused. */
static int
smtp_next_round(struct smtp_envelope *env, size_t *done)
{
	size_t i, ndone = 0, again = 0;
	int progress;

	for (i = 0; i < env->nrcpts; i++) {
		ndone += env->rcpts[i].cls == SMTP_DONE;
		again += env->rcpts[i].again != 0;
	}
	progress = ndone > *done;
	*done = ndone;
	for (i = 0; i < env->nrcpts; i++) {
		if (env->rcpts[i].again && progress)
			env->rcpts[i].cls = SMTP_PENDING;
		env->rcpts[i].again = 0;
	}
	return progress && again > 0;
}

int
smtp_send(struct smtp_session *s, struct message *m,
	  struct smtp_envelope *env, char **last, struct err *e)
{
	struct smtp_reply r = { 0 };
	struct buf prefix = { 0 };
	int qp = message_needs_qp(m, s->caps.eightbitmime), rc = -1;
	size_t done = 0;
	char *reply;

	*last = NULL;
	if (smtp_precheck(s, m, qp, env, e) < 0)
		goto fail;
	if (qp)
		log_note(m->id, m->body_long_lines
					? "transform=quoted-printable "
					  "reason=long-lines"
					: "transform=quoted-printable "
					  "reason=no-8bitmime");
	if (env->sign != NULL && env->sign(env->sign_ctx, m, qp, &prefix, e) < 0)
		goto fail;
	/* RFC 5321 4.5.3.1.10: the rest in following transactions. */
	do
		rc = smtp_transaction(s, m, qp, buf_cstr(&prefix), env, &r, e);
	while (rc == 0 && e->cls == ERR_NONE && smtp_next_round(env, &done));
	if (rc == 0)
		goto out;
fail:
	reply = r.code ? smtp_reply_string(&r) : NULL;
	smtp_fail_rcpts(env, e, reply);
	free(reply);
	rc = -1;
out:
	if (r.code != 0)
		*last = smtp_reply_string(&r);
	smtp_reply_free(&r);
	buf_free(&prefix);
	return rc;
}
