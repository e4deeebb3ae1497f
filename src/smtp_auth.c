/* smtp_auth.c - the AUTH command dialogue (RFC 4954)
 *
 * Owns: choosing the mechanism against what the server offers, the
 *       334 challenge/response loop, mapping the outcome to a failure
 *       class, keeping every secret out of the -v transcript.
 * Not:  the mechanisms' messages (sasl.c), password sources (secret.c). */

#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "log.h"
#include "sasl.h"
#include "smtp.h"
#include "xmalloc.h"

/* Send a line holding secrets: the transcript shows it redacted. */
static int
smtp_secret_line(struct smtp_session *s, const char *verb, const char *data,
		 struct err *e)
{
	static const char redacted[] = "<redacted>";
	char *shown = verb ? xasprintf("%s %s", verb, redacted)
			   : xstrdup(redacted);
	int rc;

	if (smtp_unsolicited(s, e) < 0) {
		free(shown);
		return -1;
	}
	log_transcript('>', shown, strlen(shown));
	free(shown);
	rc = verb == NULL ||
		     (net_write(&s->net, verb, strlen(verb), e) == 0 &&
		      (*data == '\0' || net_write(&s->net, " ", 1, e) == 0))
		     ? 0 : -1;
	if (rc == 0 && (net_write(&s->net, data, strlen(data), e) < 0 ||
			net_write(&s->net, "\r\n", 2, e) < 0))
		rc = -1;
	return rc == 0 ? net_flush(&s->net, e) : -1;
}

static enum sasl_mech
smtp_auth_mech(struct smtp_session *s, const struct smtp_auth *a,
	       int have_cb, struct err *e)
{
	enum sasl_mech m = a->mech;
	int tls = s->net.tls != NULL;

	if (s->caps.auth == NULL) {
		/* Many servers offer AUTH only once the session is encrypted. */
		if (!tls && s->caps.starttls)
			err_set(e, ERR_UNAVAILABLE,
				_("%s offers authentication only after "
				  "STARTTLS; set tls on"), s->host);
		else
			err_set(e, ERR_UNAVAILABLE,
				_("%s does not offer authentication"), s->host);
		return SASL_NONE;
	}
	if (m != SASL_NONE && !sasl_offered(s->caps.auth, (enum sasl_mech)m)) {
		err_set(e, ERR_UNAVAILABLE, _("%s does not offer %s (it offers "
					      "%s)"), s->host,
			sasl_mech_name((enum sasl_mech)m), s->caps.auth);
		return SASL_NONE;
	}
	if (m == SASL_NONE)
		m = sasl_choose(s->caps.auth, tls, have_cb,
				a->have_cert && (a->secret == NULL ||
						 a->user == NULL));
	if (m != SASL_NONE && m != SASL_EXTERNAL && a->secret == NULL) {
		err_set(e, ERR_CONFIG, _("no password for %s at %s"),
			a->user ? a->user : "?", s->host);
		return SASL_NONE;
	}
	if (m == SASL_NONE)
		err_set(e, ERR_UNAVAILABLE,
			tls ? _("%s offers no authentication mechanism dsmtp "
				"can use (%s)")
			    : _("%s offers no authentication mechanism that "
				"keeps the password safe without TLS (%s); "
				"use TLS, or name the mechanism with auth"),
			s->host, s->caps.auth);
	return m;
}

static int
smtp_auth_result(struct smtp_session *s, const struct smtp_reply *r,
		 struct err *e)
{
	if (r->code == 235)
		return 0;
	/* 530/534/535: the credentials; other 5xx: the mechanism; a reply
	 * of any other class (e.g. 250) does not belong here. */
	err_set(e, r->code == 530 || r->code == 534 || r->code == 535
			   ? ERR_NOPERM
		   : r->code >= 500 ? ERR_UNAVAILABLE
		   : r->code >= 400 ? ERR_TEMP : ERR_PROTOCOL,
		_("%s refused authentication: %d %s"), s->host, r->code,
		buf_cstr((struct buf *)&r->text));
	return -1;
}

/* The challenge loop after the AUTH command. */
static int
smtp_auth_loop(struct smtp_session *s, struct sasl *x, struct err *e)
{
	struct smtp_reply r = { 0 };
	struct buf resp = { 0 };
	int rc = 0, rounds = 0;

	while ((rc = smtp_read_reply(&s->net, &r, e)) == 0 && r.code == 334) {
		if (++rounds > 8) {
			err_set(e, ERR_PROTOCOL, _("authentication does not "
						   "end"));
			rc = -1;
			break;
		}
		buf_reset(&resp);
		rc = sasl_step(x, buf_cstr(&r.text), &resp, e);
		if (rc < 0) {
			smtp_secret_line(s, NULL, "*", e);
			break;
		}
		if ((rc = smtp_secret_line(s, NULL, buf_cstr(&resp), e)) < 0)
			break;
	}
	if (rc == 0)
		rc = smtp_auth_result(s, &r, e);
	if (rc == 0)
		rc = sasl_finish(x, e);
	buf_wipe(&resp);
	smtp_reply_free(&r);
	return rc;
}

int
smtp_authenticate(struct smtp_session *s, const struct smtp_auth *a,
		  struct err *e)
{
	struct buf cb = { 0 }, init = { 0 };
	const char *cb_type = NULL;
	struct sasl x;
	char *verb;
	int have_cb = s->net.tls != NULL &&
		      tls_channel_binding(s->net.tls, &cb, &cb_type) == 0;
	enum sasl_mech m = smtp_auth_mech(s, a, have_cb, e);
	int rc;

	if (m == SASL_NONE) {
		buf_free(&cb);
		return -1;
	}
	sasl_init(&x, m, a->user, a->secret, a->host, a->port);
	x.cb = cb;
	x.cb_type = cb_type;
	/* "y" says: we could bind, and believe the server cannot. With
	 * -PLUS offered and not chosen that would be a downgrade: "n". */
	x.cb_offered = have_cb &&
		       !sasl_offered(s->caps.auth, SASL_SCRAM_SHA_256_PLUS);
	verb = xasprintf("AUTH %s", sasl_mech_name(m));
	rc = sasl_initial(&x, &init, e);
	if (rc == 0)
		rc = smtp_secret_line(s, verb, buf_cstr(&init), e);
	else
		rc = smtp_command(s, verb, e);
	if (rc == 0)
		rc = smtp_auth_loop(s, &x, e);
	if (rc == 0)
		s->auth_mech = sasl_mech_name(m);
	free(verb);
	buf_wipe(&init);
	sasl_free(&x);
	return rc;
}
