/* deliver.c - the delivery engine
 *
 * Owns: one delivery attempt of one message: choosing the next hop (the
 *       account's relay), running the SMTP transaction, logging each
 *       outcome, and summing per-recipient results into one failure
 *       class. Submission and (later) the queue runner share this path.
 * Not:  exit codes (main.c), retry policy. */

#include <config.h>

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "addr.h"
#include "deliver_int.h"
#include "i18n.h"
#include "log.h"
#include "sasl.h"
#include "secret.h"
#include "xmalloc.h"

static void
deliver_auth_target(const struct account *a, struct smtp_target *t)
{
	const char *auth = config_str(a, CFG_AUTH, "off");

	t->auth.enabled = strcmp(auth, "off") != 0;
	t->auth.mech = strcmp(auth, "on") == 0 ? SASL_NONE
						: (int)sasl_mech_by_name(auth);
	t->auth.user = config_str(a, CFG_USER, NULL);
	t->auth.have_cert = config_str(a, CFG_TLS_CERT_FILE, NULL) != NULL &&
			    config_str(a, CFG_TLS_KEY_FILE, NULL) != NULL;
	t->auth.host = t->host;
	t->auth.port = t->port;
}

/* The secret for AUTH; -1 with e set when none can be had. */
static int
deliver_secret(const struct account *a, struct smtp_target *t, char **secret,
	       struct err *e)
{
	*secret = NULL;
	if (!t->auth.enabled || t->auth.mech == SASL_EXTERNAL)
		return 0;
	if (t->auth.user == NULL && !(t->auth.mech == SASL_NONE &&
				      t->auth.have_cert)) {
		err_set(e, ERR_CONFIG, _("auth is on but no user is set"));
		return -1;
	}
	if (t->auth.user != NULL &&
	    secret_get(a, t->host, t->auth.user, secret, e) < 0)
		return -1;
	if (*secret == NULL && !(t->auth.mech == SASL_NONE &&
				 t->auth.have_cert)) {
		err_set(e, ERR_CONFIG,
			_("no password for %s at %s: set password or "
			  "passwordeval, or store it in ~/.netrc or the "
			  "keyring"), t->auth.user, t->host);
		return -1;
	}
	t->auth.secret = *secret;
	return 0;
}

/* The relay's name in A-labels, also for the TLS name check. */
static int
deliver_host(struct smtp_target *t, char **host, struct err *e)
{
	if (t->socket_path != NULL)
		return 0;
	*host = addr_host_ascii(t->host, e);
	if (*host == NULL)
		return -1;
	if (t->tls_policy.host == t->host)
		t->tls_policy.host = *host;
	t->host = *host;
	return 0;
}

void
deliver_target(const struct account *a, const char *helo,
	       struct smtp_target *t)
{
	struct tls_policy *p = &t->tls_policy;

	memset(t, 0, sizeof(*t));
	t->host = config_str(a, CFG_HOST, "localhost");
	if (config_bool(a, CFG_TLS, 0))
		t->tls = config_bool(a, CFG_TLS_STARTTLS, 1) ? SMTP_TLS_STARTTLS
							     : SMTP_TLS_IMPLICIT;
	t->port = (int)config_num(a, CFG_PORT,
				  t->tls == SMTP_TLS_IMPLICIT ? 465 : 25);
	t->source_ip = config_str(a, CFG_SOURCE_IP, NULL);
	t->socket_path = config_str(a, CFG_SOCKET, NULL);
	/* An empty proxy_host unsets it, as in msmtp. */
	t->proxy_host = config_str(a, CFG_PROXY_HOST, "");
	if (*t->proxy_host == '\0')
		t->proxy_host = NULL;
	t->proxy_port = (int)config_num(a, CFG_PROXY_PORT, 1080);
	if (t->proxy_port <= 0)
		t->proxy_port = 1080;
	t->lmtp = strcasecmp(config_str(a, CFG_PROTOCOL, "smtp"), "lmtp") == 0;
	t->timeout = config_num(a, CFG_TIMEOUT, 300);
	if (t->timeout <= 0)
		t->timeout = 300;
	t->helo = config_str(a, CFG_DOMAIN, helo);
	p->host = config_str(a, CFG_TLS_HOST_OVERRIDE, t->host);
	p->trust_file = config_str(a, CFG_TLS_TRUST_FILE, NULL);
	p->crl_file = config_str(a, CFG_TLS_CRL_FILE, NULL);
	p->fingerprint = config_str(a, CFG_TLS_FINGERPRINT, NULL);
	p->certcheck = config_bool(a, CFG_TLS_CERTCHECK, 1);
	p->cert_file = config_str(a, CFG_TLS_CERT_FILE, NULL);
	p->key_file = config_str(a, CFG_TLS_KEY_FILE, NULL);
	p->priorities = config_str(a, CFG_TLS_PRIORITIES, NULL);
	p->timeout_ms = net_ms_from_s(t->timeout);
	deliver_auth_target(a, t);
}

int
deliver_check_account(const struct account *a, struct err *e)
{
	static const enum config_cmd pair[2][2] = {
		{ CFG_TLS_CERT_FILE, CFG_TLS_KEY_FILE },
		{ CFG_TLS_KEY_FILE, CFG_TLS_CERT_FILE },
	};
	size_t i;

	for (i = 0; i < 2; i++) {
		if (config_str(a, pair[i][0], NULL) == NULL ||
		    config_str(a, pair[i][1], NULL) != NULL)
			continue;
		err_set(e, ERR_CONFIG, _("%s: %s requires %s"),
			a->origin[pair[i][0]] ? a->origin[pair[i][0]] : "-",
			config_cmd_name(pair[i][0]),
			config_cmd_name(pair[i][1]));
		return -1;
	}
	if (strcasecmp(config_str(a, CFG_PROTOCOL, "smtp"), "lmtp") == 0 &&
	    config_str(a, CFG_PORT, NULL) == NULL &&
	    config_str(a, CFG_SOCKET, NULL) == NULL) {
		err_set(e, ERR_CONFIG, _("%s: protocol lmtp needs a port"),
			a->origin[CFG_PROTOCOL] ? a->origin[CFG_PROTOCOL] : "-");
		return -1;
	}
	return 0;
}

double
deliver_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void
deliver_log(const struct deliver_job *j, const struct deliver_hop *hop,
	    const struct smtp_rcpt *res, enum smtp_class cls, double delay)
{
	static const char *status[] = { "deferred", "sent", "deferred",
					"bounced" };
	const char **to = xcalloc(j->rcpts->n, sizeof(char *));
	const char *reply = NULL;
	struct log_record r = { 0 };
	struct tls_session *tls = hop->conn->tls;
	size_t i, n = 0;

	for (i = 0; i < j->rcpts->n; i++) {
		if (res[i].cls != cls)
			continue;
		to[n++] = j->rcpts->v[i];
		if (reply == NULL)
			reply = res[i].reply;
	}
	if (n > 0) {
		r.id = j->m->id;
		r.from = j->from;
		r.to = to;
		r.nto = n;
		r.relay_host = hop->name;
		r.relay_ip = *hop->conn->peer_ip ? hop->conn->peer_ip : NULL;
		r.relay_port = hop->port;
		r.tls = tls ? tls_version(tls) : NULL;
		r.tls_policy = hop->policy;
		r.verified = hop->verified;
		r.auth = hop->auth;
		r.size = (long long)message_size(j->m);
		r.dkim = j->signing ? j->signing->summary : NULL;
		/* Queued: since it was accepted (whole seconds), at least
		 * this attempt's time. */
		r.delay = delay;
		if (j->arrival > 0 && (double)(time(NULL) - j->arrival) > delay)
			r.delay = (double)(time(NULL) - j->arrival);
		r.attempt = j->attempt;
		r.status = status[cls];
		r.smtp = reply;
		log_delivery(&r);
	}
	free(to);
}

/* A partial delivery says so on standard error too: whoever reads the
 * exit status alone must not think that nobody got the message. */
static void
deliver_note_partial(size_t done, size_t n, struct err *e)
{
	char *msg;

	if (done == 0 || done == n || e->msg == NULL)
		return;
	msg = xstrdup(e->msg);
	err_set(e, e->cls, _("%s (delivered to %zu of %zu recipients; the "
			     "log says which)"), msg, done, n);
	free(msg);
}

/* Sum up: the worst per-recipient outcome decides the class. */
static int
deliver_summary(const struct deliver_job *j, const struct smtp_rcpt *res,
		int rc, struct err *e)
{
	size_t i, temp = 0, perm = 0, done = 0, n = j->rcpts->n;
	const struct smtp_rcpt *first = NULL;

	for (i = 0; i < n; i++) {
		done += res[i].cls == SMTP_DONE;
		if (res[i].cls == SMTP_TEMP)
			temp++;
		else if (res[i].cls == SMTP_PERM)
			perm++;
		if (res[i].cls != SMTP_DONE && first == NULL)
			first = &res[i];
	}
	if (rc == 0 && e->cls == ERR_NONE && temp == 0 && perm == 0)
		return 0;
	if (rc == 0 && e->cls == ERR_NONE)
		err_set(e, temp ? ERR_TEMP : ERR_NOUSER,
			_("recipient %s refused: %s"), first->addr,
			first->reply ? first->reply : "");
	deliver_note_partial(done, n, e);
	return -1;
}

void
deliver_envelope(const struct deliver_job *j, struct smtp_rcpt *res,
		 struct smtp_envelope *env)
{
	memset(env, 0, sizeof(*env));
	env->from = j->from;
	env->rcpts = res;
	env->nrcpts = j->rcpts->n;
	env->notify = j->notify;
	env->ret = j->ret;
	env->envid = j->envid;
	env->utf8_required = j->utf8_required;
	env->utf8_wanted = j->m->header_8bit && message_headers_utf8(j->m);
	if (j->signing != NULL && j->signing->nkeys > 0) {
		env->sign = signing_sign;
		env->sign_ctx = j->signing;
	}
}

/* Close c's relay connection (not the MX ones). */
static void
deliver_relay_close(struct deliver_conn *c)
{
	struct deliver_mx *mx = c->mx;
	int parallel = c->parallel;

	if (c->live)
		smtp_close(&c->s);
	xfree_secret(c->secret);
	free(c->host);
	free(c->helo);
	free(c->fallback);
	memset(c, 0, sizeof(*c));
	c->s.net.fd = -1;
	c->mx = mx;
	c->parallel = parallel;
}

void
deliver_conn_close(struct deliver_conn *c)
{
	deliver_relay_close(c);
	deliver_mx_close(c->mx);
	c->mx = NULL;
}

/* 1 when a relay that failed with e is worth passing for the next one:
 * not reachable, refusing the session, TLS failing, not speaking SMTP;
 * not for credentials it refused or a configuration error (the next
 * relay would say the same). */
static int
deliver_may_fall_back(const struct err *e)
{
	return e->cls == ERR_TEMP || e->cls == ERR_UNAVAILABLE ||
	       e->cls == ERR_PROTOCOL;
}

/* One word of fallback_hosts, HOST, HOST:PORT or [IPv6]:PORT, into c's
 * target (port: the account's unless given); -1 with e set (ERR_CONFIG)
 * when it does not parse. */
static int
deliver_fallback_target(struct deliver_conn *c, const struct account *a,
                        char *word, int port, struct err *e)
{
	char *host = word, *colon, *end;
	long p = port;

	if (*word == '[' && (end = strchr(word, ']')) != NULL) {
		host = word + 1;
		*end = '\0';
		colon = end[1] == ':' ? end + 1 : NULL;
	} else {
		colon = strchr(word, ':');
		if (colon != NULL && strchr(colon + 1, ':') != NULL)
			colon = NULL; /* a bare IPv6 address */
		if (colon != NULL)
			*colon = '\0';
	}
	if (colon != NULL &&
	    ((p = strtol(colon + 1, &end, 10)) <= 0 || p > 65535 || *end)) {
		err_set(e, ERR_CONFIG, _("fallback_hosts: %s is not a port"),
		        colon + 1);
		return -1;
	}
	c->t.port = (int)p;
	c->t.host = host;
	if (config_str(a, CFG_TLS_HOST_OVERRIDE, NULL) == NULL)
		c->t.tls_policy.host = host;
	free(c->host);
	c->host = NULL;
	return deliver_host(&c->t, &c->host, e);
}

/* The account's host could not be used (e says why): try each of its
 * fallback_hosts in order, with the account's other settings, until one
 * opens a session. 0, or -1 with e set by the last one tried. */
static int
deliver_fallback(struct deliver_conn *c, const struct account *a,
                 struct err *e)
{
	const char *list = config_str(a, CFG_FALLBACK_HOSTS, NULL);
	int port = c->t.port, rc = -1;
	char *word, *save = NULL;

	if (list == NULL || *list == '\0')
		return -1;
	free(c->fallback);
	c->fallback = xstrdup(list);
	for (word = strtok_r(c->fallback, " \t,", &save); word != NULL;
	     word = strtok_r(NULL, " \t,", &save)) {
		if (log_verbose())
			log_diag(_("%s; trying %s"), e->msg ? e->msg : "", word);
		smtp_close(&c->s);
		err_clear(e);
		if (deliver_fallback_target(c, a, word, port, e) < 0)
			return -1;
		rc = smtp_open(&c->s, &c->t, e);
		if (rc == 0 || !deliver_may_fall_back(e))
			return rc;
	}
	return rc;
}

/* A new connection for account a and job j, replacing c's. */
static int
deliver_connect(struct deliver_conn *c, const struct account *a,
		const struct deliver_job *j, long long budget, struct err *e)
{
	int rc;

	deliver_relay_close(c);
	c->helo = xstrdup(j->helo);
	deliver_target(a, c->helo, &c->t);
	c->t.budget_ms = budget;
	rc = deliver_check_account(a, e);
	if (rc == 0)
		rc = deliver_host(&c->t, &c->host, e);
	if (rc == 0)
		rc = deliver_secret(a, &c->t, &c->secret, e);
	if (rc == 0) {
		c->live = 1;
		rc = smtp_open(&c->s, &c->t, e);
		if (rc < 0 && deliver_may_fall_back(e))
			rc = deliver_fallback(c, a, e);
	}
	if (rc == 0)
		c->a = a;
	return rc;
}

/* c's open connection, readied for j: the same account and EHLO name,
 * used fewer than DELIVER_CONN_USES times, and answering RSET. */
static int
deliver_reuse(struct deliver_conn *c, const struct account *a,
	      const struct deliver_job *j, long long budget)
{
	struct err e = { 0 };

	if (c->a == NULL || c->a != a || strcmp(c->helo, j->helo) != 0 ||
	    c->uses >= DELIVER_CONN_USES)
		return -1;
	if (smtp_reuse(&c->s, budget, &e) == 0)
		return 0;
	err_clear(&e);
	deliver_relay_close(c);
	return -1;
}

int
deliver_run_on(struct deliver_conn *c, const struct account *a,
	       const struct deliver_job *j, struct smtp_rcpt **results,
	       struct err *e)
{
	struct smtp_envelope env;
	struct smtp_rcpt *res = xcalloc(j->rcpts->n, sizeof(*res));
	struct deliver_hop hop = { 0 };
	long long budget;
	double start = deliver_now();
	char *last = NULL;
	size_t i;
	int rc, k;

	for (i = 0; i < j->rcpts->n; i++)
		res[i].addr = j->rcpts->v[i];
	*results = res;
	if (deliver_is_mx(a)) {
		rc = deliver_mx_run(c, a, j, res, e);
		return deliver_summary(j, res, rc, e);
	}
	deliver_envelope(j, res, &env);
	budget = smtp_budget_ms(config_timeout(a),
				(long long)message_size(j->m));
	rc = deliver_reuse(c, a, j, budget);
	if (rc < 0)
		rc = deliver_connect(c, a, j, budget, e);
	if (rc < 0 && deliver_may_fall_back(e) &&
	    config_bool(a, CFG_FALLBACK_MX, 0)) {
		/* Every relay is down: the recipients' MX hosts, as asked. */
		if (log_verbose())
			log_diag(_("%s; delivering to the MX hosts instead"),
				 e->msg ? e->msg : "");
		err_clear(e);
		deliver_relay_close(c);
		rc = deliver_mx_run(c, a, j, res, e);
		return deliver_summary(j, res, rc, e);
	}
	if (rc == 0) {
		c->uses++;
		rc = smtp_send(&c->s, j->m, &env, &last, e);
	} else {
		for (i = 0; i < j->rcpts->n; i++) {
			/* No session (refused, no usable AUTH, credentials
			 * refused): final for a synchronous caller; queued
			 * mail waits for the relay or the administrator
			 * until its lifetime ends (e keeps the class). */
			res[i].cls = !j->queued && (e->cls == ERR_UNAVAILABLE ||
						    e->cls == ERR_NOPERM)
					     ? SMTP_PERM : SMTP_TEMP;
			res[i].reply = xstrdup(e->msg ? e->msg : "");
		}
	}
	hop.name = c->t.socket_path ? c->t.socket_path : c->t.host;
	hop.port = c->t.port;
	hop.conn = &c->s.net;
	hop.auth = c->s.auth_mech;
	for (k = SMTP_DONE; k <= SMTP_PERM; k++)
		deliver_log(j, &hop, res, (enum smtp_class)k,
			    deliver_now() - start);
	/* After a failed transaction the dialogue's state is unknown. */
	if (rc < 0)
		deliver_relay_close(c);
	free(last);
	return deliver_summary(j, res, rc, e);
}

int
deliver_run(const struct account *a, const struct deliver_job *j,
	    struct smtp_rcpt **results, struct err *e)
{
	struct deliver_conn c = { 0 };
	int rc;

	c.parallel = 1;
	rc = deliver_run_on(&c, a, j, results, e);
	deliver_conn_close(&c);
	return rc;
}

void
deliver_free(struct smtp_rcpt *results, size_t n)
{
	size_t i;

	for (i = 0; results != NULL && i < n; i++)
		free(results[i].reply);
	free(results);
}
