/* smtp.c - SMTP client: session set-up and replies
 *
 * Owns: connecting (directly or through a SOCKS5 proxy), the greeting,
 *       EHLO/HELO (LHLO for LMTP) and the capability list, reading
 *       replies with caps on length and line count, the -v transcript of
 *       what is said.
 * Not:  the mail transaction (smtp_send.c), sockets (net.c), exit codes. */

#include <config.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "i18n.h"
#include "log.h"
#include "smtp.h"
#include "xmalloc.h"

#define SMTP_LINE_MAX 4096
#define SMTP_LINES_MAX 200

void
smtp_reply_free(struct smtp_reply *r)
{
	buf_free(&r->text);
	buf_free(&r->all);
	r->code = 0;
	r->enhanced[0] = '\0';
}

/* "250-text", "250 text" or "250": code and whether more lines follow.
 * Returns -1 when the line is not a reply line. */
static int
smtp_parse_line(const char *p, size_t len, int *code, int *more)
{
	if (len < 3 || !isdigit((unsigned char)p[0]) ||
	    !isdigit((unsigned char)p[1]) || !isdigit((unsigned char)p[2]) ||
	    p[0] < '2' || p[0] > '5')
		return -1;
	if (len > 3 && p[3] != ' ' && p[3] != '-')
		return -1;
	*code = (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
	*more = len > 3 && p[3] == '-';
	return 0;
}

/* Take "x.y.z " off the front of text into r->enhanced. */
static void
smtp_take_enhanced(struct smtp_reply *r, const char *t)
{
	size_t i = 0, dots = 0;

	if (t[0] != '2' && t[0] != '4' && t[0] != '5')
		return;
	while (t[i] != '\0' && t[i] != ' ' && i < sizeof(r->enhanced) - 1) {
		if (t[i] == '.')
			dots++;
		else if (!isdigit((unsigned char)t[i]))
			return;
		i++;
	}
	if (dots == 2 && (t[i] == ' ' || t[i] == '\0') && t[i - 1] != '.') {
		memcpy(r->enhanced, t, i);
		r->enhanced[i] = '\0';
	}
}

static void
smtp_reply_add(struct smtp_reply *r, const char *line, size_t len,
	       size_t nlines)
{
	const char *t = len > 4 ? line + 4 : "";
	size_t tlen = len > 4 ? len - 4 : 0;

	if (nlines == 0) {
		buf_append(&r->text, t, tlen);
		smtp_take_enhanced(r, buf_cstr(&r->text));
	} else {
		buf_append_char(&r->all, '\n');
	}
	buf_append(&r->all, t, tlen);
}

int
smtp_read_reply(struct net *n, struct smtp_reply *r, struct err *e)
{
	struct buf line = { 0 };
	size_t nlines;
	int code, more = 1, rc = 0;

	smtp_reply_free(r);
	net_arm(n);
	for (nlines = 0; more && rc == 0; nlines++) {
		if (nlines >= SMTP_LINES_MAX) {
			err_set(e, ERR_PROTOCOL,
				_("the server's reply has too many lines"));
			rc = -1;
		} else if ((rc = net_read_line(n, &line, SMTP_LINE_MAX, e)) <
			   0) {
			break;
		} else if (log_transcript('<', line.data, line.len),
			   smtp_parse_line(line.data, line.len, &code,
					   &more) < 0 ||
				   (nlines > 0 && code != r->code)) {
			err_set(e, ERR_PROTOCOL,
				_("the server's reply is not SMTP: %.60s"),
				buf_cstr(&line));
			rc = -1;
		} else {
			r->code = code;
			smtp_reply_add(r, line.data, line.len, nlines);
		}
	}
	buf_free(&line);
	return rc;
}

void
smtp_parse_cap(struct smtp_caps *c, const char *line)
{
	char word[32];
	size_t n = strcspn(line, " =");

	if (n >= sizeof(word))
		return;
	memcpy(word, line, n);
	word[n] = '\0';
	if (strcasecmp(word, "PIPELINING") == 0)
		c->pipelining = 1;
	else if (strcasecmp(word, "8BITMIME") == 0)
		c->eightbitmime = 1;
	else if (strcasecmp(word, "DSN") == 0)
		c->dsn = 1;
	else if (strcasecmp(word, "ENHANCEDSTATUSCODES") == 0)
		c->enhanced = 1;
	else if (strcasecmp(word, "SMTPUTF8") == 0)
		c->smtputf8 = 1;
	else if (strcasecmp(word, "STARTTLS") == 0)
		c->starttls = 1;
	else if (strcasecmp(word, "SIZE") == 0) {
		c->size_offered = 1;
		c->size = line[n] ? strtoll(line + n + 1, NULL, 10) : 0;
	}
	else if (strcasecmp(word, "AUTH") == 0 && line[n] != '\0') {
		free(c->auth);
		c->auth = xstrdup(line + n + 1);
	}
}

long long
smtp_budget_ms(long timeout_s, long long size)
{
	long long t = net_ms_from_s(timeout_s > 0 ? timeout_s : 300);
	long long b = 0;
	int i;

	for (i = 0; i < 10; i++)
		b = net_ms_add(b, t);
	return net_ms_add(b, size > 0 ? size / 10 : 0);
}

int
smtp_too_many(const struct smtp_reply *r)
{
	if (r->code == 452)
		return r->enhanced[0] == '\0' ||
		       strcmp(r->enhanced, "4.5.3") == 0;
	return r->code == 552 && strcmp(r->enhanced, "5.5.3") == 0;
}

int
smtp_unsolicited(struct smtp_session *s, struct err *e)
{
	struct buf line = { 0 };
	const char *p, *nl;

	if (!net_pending(&s->net))
		return 0;
	p = buf_cstr(&s->net.in);
	nl = memchr(p, '\n', s->net.in.len);
	buf_append(&line, p, nl ? (size_t)(nl - p) : s->net.in.len);
	log_transcript('<', line.data, line.len);
	err_set(e, ERR_PROTOCOL,
		_("%s sent data before it was asked for (a reply ahead of its "
		  "command): %.60s"), s->host, buf_cstr(&line));
	buf_free(&line);
	return -1;
}

/* Send a command line without looking at what came in. */
static int
smtp_say(struct smtp_session *s, const char *cmd, struct err *e)
{
	log_transcript('>', cmd, strlen(cmd));
	if (net_write(&s->net, cmd, strlen(cmd), e) < 0 ||
	    net_write(&s->net, "\r\n", 2, e) < 0)
		return -1;
	return net_flush(&s->net, e);
}

int
smtp_command(struct smtp_session *s, const char *cmd, struct err *e)
{
	if (smtp_unsolicited(s, e) < 0)
		return -1;
	return smtp_say(s, cmd, e);
}

int
smtp_fail(struct smtp_session *s, const struct smtp_reply *r,
	  const char *what, struct err *e)
{
	int cls = r->code / 100;
	const char *text = r->text.data ? r->text.data : "";

	if (cls != 4 && cls != 5)
		err_set(e, ERR_PROTOCOL,
			_("%s answered %s with a reply that does not belong "
			  "there: %d %s"), s->host, what, r->code, text);
	else
		err_set(e, cls == 5 ? ERR_UNAVAILABLE : ERR_TEMP,
			_("%s refused %s: %d %s"), s->host, what, r->code,
			text);
	return -1;
}

static void
smtp_caps_reset(struct smtp_caps *c)
{
	free(c->auth);
	memset(c, 0, sizeof(*c));
}

static int
smtp_hello(struct smtp_session *s, const char *helo, struct err *e)
{
	struct smtp_reply r = { 0 };
	const char *verb = s->lmtp ? "LHLO" : "EHLO";
	char *cmd = xasprintf("%s %s", verb, helo);
	const char *p, *nl;
	int rc = smtp_command(s, cmd, e);

	free(cmd);
	if (rc == 0)
		rc = smtp_read_reply(&s->net, &r, e);
	smtp_caps_reset(&s->caps);
	if (rc == 0 && r.code == 250) {
		s->caps.esmtp = 1;
		/* The first line is the server's name, the rest keywords. */
		for (p = strchr(buf_cstr(&r.all), '\n'); p != NULL; p = nl) {
			nl = strchr(++p, '\n');
			char *kw = xstrndup(p, nl ? (size_t)(nl - p) : strlen(p));
			smtp_parse_cap(&s->caps, kw);
			free(kw);
		}
	} else if (rc == 0 && r.code >= 500 && !s->lmtp) {
		cmd = xasprintf("HELO %s", helo);
		rc = smtp_command(s, cmd, e);
		free(cmd);
		if (rc == 0)
			rc = smtp_read_reply(&s->net, &r, e);
		if (rc == 0 && r.code != 250)
			rc = smtp_fail(s, &r, "HELO", e);
	} else if (rc == 0) {
		rc = smtp_fail(s, &r, verb, e);
	}
	smtp_reply_free(&r);
	return rc;
}

/* STARTTLS is required: without it the message is not sent. Opportunistic
 * TLS goes on in clear when the server does not offer or refuses it. */
static int
smtp_starttls(struct smtp_session *s, const struct smtp_target *t,
	      struct err *e)
{
	int optional = t->tls == SMTP_TLS_OPPORTUNISTIC;
	struct smtp_reply r = { 0 };
	int rc;

	if (!s->caps.starttls && optional)
		return 0;
	if (!s->caps.starttls) {
		err_set(e, ERR_TEMP, _("%s does not offer STARTTLS; the message "
				       "is not sent without TLS"), s->host);
		return -1;
	}
	rc = smtp_command(s, "STARTTLS", e);
	if (rc == 0)
		rc = smtp_read_reply(&s->net, &r, e);
	if (rc == 0 && r.code != 220 && optional) {
		smtp_reply_free(&r);
		return 0;
	}
	if (rc == 0 && r.code != 220) {
		err_set(e, ERR_TEMP, _("%s refused STARTTLS: %d %s; the message "
				       "is not sent without TLS"), s->host,
			r.code, buf_cstr(&r.text));
		rc = -1;
	}
	smtp_reply_free(&r);
	if (rc == 0 && (rc = net_starttls(&s->net, &t->tls_policy, e)) < 0)
		s->tls_failed = 1;
	/* What the server said before TLS is forgotten (RFC 3207 4.2). */
	if (rc == 0)
		rc = smtp_hello(s, t->helo, e);
	return rc;
}

/* Add what to change after the error in e: "<error>; <hint>". */
static void
smtp_hint(struct err *e, const char *hint)
{
	char *was = xstrdup(e->msg ? e->msg : "");

	err_set(e, e->cls, "%s; %s", was, hint);
	free(was);
}

/* Connect to the server, directly or through the SOCKS5 proxy. */
static int
smtp_connect(struct smtp_session *s, const struct smtp_target *t,
	     struct err *e)
{
	if (t->proxy_host == NULL || t->socket_path != NULL)
		return net_connect(&s->net, t->host, t->port, t->source_ip,
				   t->socket_path, t->timeout, t->budget_ms, e);
	if (net_connect(&s->net, t->proxy_host, t->proxy_port, t->source_ip,
			NULL, t->timeout, t->budget_ms, e) < 0) {
		err_prefix(e, _("SOCKS proxy"));
		return -1;
	}
	return net_socks5(&s->net, t->proxy_host, t->host, t->port, e);
}

int
smtp_open(struct smtp_session *s, const struct smtp_target *t,
	  struct err *e)
{
	struct smtp_reply r = { 0 };
	int rc;

	memset(s, 0, sizeof(*s));
	s->net.fd = -1;
	s->host = xstrdup(t->socket_path ? t->socket_path
			  : t->name ? t->name : t->host);
	s->lmtp = t->lmtp;
	if (smtp_connect(s, t, e) < 0)
		return -1;
	/* A TLS handshake failing on a port where servers greet in plain
	 * text first (25, 587), and no plain greeting where servers wait for
	 * the handshake (465): the commonest misconfigurations. */
	if (t->tls == SMTP_TLS_IMPLICIT &&
	    net_starttls(&s->net, &t->tls_policy, e) < 0) {
		if (t->port != 465 && t->socket_path == NULL)
			smtp_hint(e, _("is this a STARTTLS port (25, 587)? try "
				       "tls_starttls on"));
		return -1;
	}
	rc = smtp_read_reply(&s->net, &r, e);
	if (rc < 0 && t->tls != SMTP_TLS_IMPLICIT && e->cls == ERR_TEMP)
		smtp_hint(e, _("no greeting: is this an implicit TLS port? try "
			       "tls_starttls off"));
	if (rc == 0 && r.code != 220)
		rc = smtp_fail(s, &r, _("the connection"), e);
	if (rc == 0)
		buf_append(&s->greeting, r.text.data, r.text.len);
	smtp_reply_free(&r);
	if (rc == 0)
		rc = smtp_hello(s, t->helo, e);
	if (rc == 0 && (t->tls == SMTP_TLS_STARTTLS ||
			t->tls == SMTP_TLS_OPPORTUNISTIC))
		rc = smtp_starttls(s, t, e);
	if (rc == 0 && t->auth.enabled)
		rc = smtp_authenticate(s, &t->auth, e);
	return rc;
}

int
smtp_reuse(struct smtp_session *s, long long budget_ms, struct err *e)
{
	struct smtp_reply r = { 0 };
	int rc;

	if (s->net.fd < 0 || s->net.broken) {
		err_set(e, ERR_TEMP, _("the connection to %s is closed"),
			s->host ? s->host : "?");
		return -1;
	}
	net_set_budget(&s->net, budget_ms);
	rc = smtp_command(s, "RSET", e);
	if (rc == 0)
		rc = smtp_read_reply(&s->net, &r, e);
	if (rc == 0 && r.code / 100 != 2)
		rc = smtp_fail(s, &r, "RSET", e);
	smtp_reply_free(&r);
	return rc;
}

void
smtp_close(struct smtp_session *s)
{
	struct err ignored = { 0 };

	if (s->net.fd >= 0 && !s->net.broken &&
	    smtp_say(s, "QUIT", &ignored) == 0) {
		struct smtp_reply r = { 0 };

		s->net.timeout_ms = s->net.timeout_ms < 5000 ? s->net.timeout_ms
							     : 5000;
		smtp_read_reply(&s->net, &r, &ignored);
		smtp_reply_free(&r);
	}
	err_clear(&ignored);
	net_close(&s->net);
	smtp_caps_reset(&s->caps);
	buf_free(&s->greeting);
	free(s->host);
	s->host = NULL;
}

void
smtp_xtext(struct buf *out, const char *s)
{
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p; p++) {
		if (*p < 33 || *p > 126 || *p == '+' || *p == '=')
			buf_printf(out, "+%02X", *p);
		else
			buf_append_char(out, (char)*p);
	}
}
