/* submit.c - one submission, from standard input to the relay
 *
 * Owns: the order of the steps of spec section 4 for one message: intake,
 *       account choice, envelope sender and recipients (argv, -t,
 *       aliases, qualification), header fix-ups, delivery.
 * Not:  the steps themselves (message, addr, aliases, deliver), exit
 *       codes (main.c). */

#include <config.h>

#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "deliver.h"
#include "engine.h"
#include "enqueue.h"
#include "i18n.h"
#include "ident.h"
#include "log.h"
#include "message.h"
#include "rfc5322.h"
#include "runq_policy.h"
#include "signing.h"
#include "spool.h"
#include "submit.h"
#include "xmalloc.h"

#define SUBMIT_MAX_HEADER (1024 * 1024)

/* Everything one submission works out, released by submit_clear. */
struct submission {
	struct message m;
	struct account scratch;
	const struct account *a;
	char *domain;
	char *header_from;
	char *from;
	struct strlist rcpts;
	struct strlist undeliverable; /* aliases leading to |cmd, /file... */
	struct aliases aliases;
	struct signing signing;
	int utf8;               /* an envelope address needs SMTPUTF8 */
};

const struct account *
submit_account(const struct cli_opts *cli, const struct config *cfg,
	       struct account *scratch, struct err *e)
{
	int by_header;

	/* main applied --host (and every other setting) to the defaults. */
	if (cli->host != NULL) {
		*scratch = cfg->defaults;
		scratch->name = (char *)"--host";
		return scratch;
	}
	return config_choose(cfg, cli->account, cli->from, NULL, &by_header,
			     e);
}

static char *
submit_login(void)
{
	struct passwd *pw = getpwuid(ident_uid());
	const char *u = pw ? pw->pw_name : ident_env("LOGNAME");

	return xstrdup(u && *u ? u : "nobody");
}

/* -F, the account's from_full_name, $NAME, else the password file. */
static char *
submit_full_name(const struct cli_opts *cli, const struct account *a)
{
	const char *n = cli->full_name;
	struct passwd *pw;

	if (n == NULL)
		n = config_str(a, CFG_FROM_FULL_NAME, NULL);
	if (n == NULL)
		n = ident_env("NAME");
	if (n == NULL && (pw = getpwuid(ident_uid())) != NULL && pw->pw_gecos)
		return xstrndup(pw->pw_gecos, strcspn(pw->pw_gecos, ","));
	return n ? xstrdup(n) : NULL;
}

static int
submit_is_glob(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

/* msmtp's substitutions in from: %U user, %H host name, %C its
 * canonical name, %M the mail domain. */
static char *
submit_expand_from(const char *f, const char *domain)
{
	struct buf b = { 0 };
	char host[256] = "localhost", *login = NULL;

	gethostname(host, sizeof(host) - 1);
	for (; *f; f++) {
		if (*f != '%' || f[1] == '\0') {
			buf_append_char(&b, *f);
			continue;
		}
		switch (*++f) {
		case 'U':
			login = login ? login : submit_login();
			buf_append_str(&b, login);
			break;
		case 'H':
			buf_append_str(&b, host);
			break;
		case 'C':
		case 'M':
			buf_append_str(&b, domain);
			break;
		default:
			buf_append_char(&b, '%');
			buf_append_char(&b, *f);
		}
	}
	free(login);
	return buf_steal(&b);
}

/* Spec section 4 item 3: -f (when the account allows it); else the From
 * address when it chose the account or --read-envelope-from was given;
 * else the account's plain from; else login@domain. */
static char *
submit_sender(struct submission *s, const char *given, int by_header)
{
	const char *afrom = config_str(s->a, CFG_FROM, NULL);
	int plain = afrom != NULL && !submit_is_glob(afrom);
	char *login, *q;

	if (given != NULL &&
	    (config_bool(s->a, CFG_ALLOW_FROM_OVERRIDE, 1) || !plain))
		return addr_qualify(given, s->domain);
	if (by_header && s->header_from != NULL)
		return addr_qualify(s->header_from, s->domain);
	if (plain) {
		char *x = submit_expand_from(afrom, s->domain);

		q = addr_qualify(x, s->domain);
		free(x);
		return q;
	}
	login = submit_login();
	q = addr_qualify(login, s->domain);
	free(login);
	return q;
}

static int
submit_add_rcpt(struct submission *s, const char *addr, struct err *e)
{
	if (addr_check(addr, _("recipient"), e) < 0)
		return -1;
	return aliases_expand_noting(&s->aliases, addr, s->domain, &s->rcpts,
				     &s->undeliverable, e);
}

/* Every envelope address in A-labels; note when one needs SMTPUTF8. */
static int
submit_normalize(struct submission *s, struct err *e)
{
	char *n;
	size_t i;
	int utf8;

	if (addr_normalize(s->from, &n, &utf8, e) < 0) {
		err_prefix(e, "%s", _("envelope sender"));
		return -1;
	}
	free(s->from);
	s->from = n;
	s->utf8 |= utf8;
	for (i = 0; i < s->rcpts.n; i++) {
		if (addr_normalize(s->rcpts.v[i], &n, &utf8, e) < 0) {
			err_prefix(e, "%s", _("recipient"));
			return -1;
		}
		free(s->rcpts.v[i]);
		s->rcpts.v[i] = n;
		s->utf8 |= utf8;
	}
	return 0;
}

/* Argument recipients are address lists ("a@x,b@y", "Name <a@x>"). */
static int
submit_arg_rcpts(struct submission *s, const char *arg, struct err *e)
{
	struct rfc5322_addrs l = { 0 };
	size_t i;
	int rc;

	if ((rc = addr_check(arg, _("recipient"), e)) < 0)
		return -1;
	rfc5322_parse_addrs(arg, strlen(arg), &l);
	for (i = 0; i < l.n && rc == 0; i++)
		rc = submit_add_rcpt(s, l.v[i].addr, e);
	rfc5322_addrs_free(&l);
	return rc;
}

static int
submit_recipients(struct submission *s, const struct cli_opts *cli,
		  const struct submit_envelope *env, struct err *e)
{
	struct strlist hdr = { 0 };
	const char *path = config_str(s->a, CFG_ALIASES, "/etc/aliases");
	size_t i;
	int rc;

	s->aliases.lenient = 1;
	rc = aliases_load(&s->aliases, path, s->a->val[CFG_ALIASES] == NULL, e);

	if (env != NULL) {
		for (i = 0; i < env->rcpts->n && rc == 0; i++)
			rc = submit_add_rcpt(s, env->rcpts->v[i], e);
		return rc;
	}
	for (i = 0; i < cli->nrecipients && rc == 0; i++)
		rc = submit_arg_rcpts(s, cli->recipients[i], e);
	if (cli->read_recipients)
		message_header_rcpts(&s->m, &hdr);
	for (i = 0; i < hdr.n && rc == 0; i++)
		rc = submit_add_rcpt(s, hdr.v[i], e);
	strlist_free(&hdr);
	if (rc == 0 && s->rcpts.n == 0 && s->undeliverable.n > 0) {
		err_set(e, ERR_NOUSER, "%s", s->undeliverable.v[0]);
		rc = -1;
	} else if (rc == 0 && s->rcpts.n == 0) {
		err_set(e, ERR_USAGE, _("no recipients"));
		rc = -1;
	}
	return rc;
}

static int
submit_fix(struct submission *s, const struct cli_opts *cli, struct err *e)
{
	struct message_fix f = { 0 };
	const char *sf = config_str(s->a, CFG_SET_FROM_HEADER, "auto");
	char *name = submit_full_name(cli, s->a);
	int rc;

	f.env_from = s->from;
	f.full_name = name;
	f.domain = s->domain;
	f.set_from = strcmp(sf, "off") == 0 ? 0 : strcmp(sf, "on") == 0 ? 2 : 1;
	f.set_date = strcmp(config_str(s->a, CFG_SET_DATE_HEADER, "auto"),
			    "off") != 0;
	f.set_msgid = strcmp(config_str(s->a, CFG_SET_MSGID_HEADER, "auto"),
			     "off") != 0;
	f.remove_bcc = config_bool(s->a, CFG_REMOVE_BCC_HEADERS, 1);
	f.undisclosed = config_bool(s->a, CFG_UNDISCLOSED_RECIPIENTS, 0);
	f.set_to = config_bool(s->a, CFG_SET_TO_HEADER, 0)
			   ? "undisclosed-recipients:;" : NULL;
	rc = message_fix(&s->m, &f, e);
	free(name);
	return rc;
}

/* Read the message and choose the account and the domain. */
static int
submit_intake(struct submission *s, const struct cli_opts *cli,
	      const struct config *cfg, int fd, const char *given,
	      int bs, int *by_header, struct err *e)
{
	struct message_intake in = { 0 };
	struct account *a;

	in.ignore_dots = cli->ignore_dots || bs;
	in.max_header = SUBMIT_MAX_HEADER;
	in.max_size = config_num(&cfg->defaults, CFG_MAX_MESSAGE_SIZE, 0);
	in.id = cli->mode == CLI_MODE_SEND ? cli->queue_id : NULL;
	if (message_read(fd, &in, &s->m, e) < 0)
		return -1;
	s->header_from = message_from_addr(&s->m);
	if (cli->host != NULL) {
		s->a = submit_account(cli, cfg, &s->scratch, e);
	} else {
		int ref = cli->read_envelope_from == 1 ||
			  config_bool(&cfg->defaults, CFG_READ_ENVELOPE_FROM,
				      1);

		a = config_choose(cfg, cli->account, given,
				  ref ? s->header_from : NULL, by_header, e);
		s->a = a;
	}
	if (s->a == NULL || config_check_supported(s->a, e) < 0)
		return -1;
	s->domain = addr_domain_or_default(s->a->val[CFG_QUALIFY_DOMAIN]);
	return 0;
}

/* The per-recipient outcome for a -bs client (env->delivered). */
static void
submit_outcome(const struct submission *s, const struct smtp_rcpt *res,
	       const struct submit_envelope *env)
{
	size_t i;
	char *line;

	for (i = 0; i < s->rcpts.n; i++) {
		if (res[i].cls == SMTP_DONE) {
			(*env->delivered)++;
			continue;
		}
		line = xasprintf("%s: %s", s->rcpts.v[i],
				 res[i].reply ? res[i].reply : "");
		strlist_add(env->refused, line);
		free(line);
	}
}

/* DSN NOTIFY and RET: the command line's, else the account's. */
static void
submit_dsn(const struct submission *s, const struct cli_opts *cli,
	   const char **notify, const char **ret)
{
	*notify = cli->dsn_notify ? cli->dsn_notify
				  : config_str(s->a, CFG_DSN_NOTIFY, NULL);
	if (*notify != NULL && strcmp(*notify, "off") == 0)
		*notify = NULL;
	*ret = cli->dsn_return ? cli->dsn_return
			       : config_str(s->a, CFG_DSN_RETURN, NULL);
	if (*ret != NULL && strcmp(*ret, "off") == 0)
		*ret = NULL;
}

static int
submit_deliver(struct submission *s, const struct cli_opts *cli,
	       const struct submit_envelope *env, struct err *e)
{
	struct deliver_job j = { 0 };
	struct smtp_rcpt *res = NULL;
	int rc;

	j.m = &s->m;
	j.from = s->from;
	j.rcpts = &s->rcpts;
	submit_dsn(s, cli, &j.notify, &j.ret);
	j.envid = cli->envid;
	j.helo = s->domain;
	j.attempt = 1;
	j.signing = &s->signing;
	j.utf8_required = s->utf8;
	rc = deliver_run(s->a, &j, &res, e);
	if (env != NULL && env->delivered != NULL && res != NULL)
		submit_outcome(s, res, env);
	deliver_free(res, s->rcpts.n);
	return rc;
}

/* 1 when a command-line option changes how the account delivers (--port,
 * --tls, --user...): queued mail is delivered later with the account as
 * the configuration has it, so such a submission goes at once, without
 * the queue, as with --host. Options for this submission's message or
 * log only (--logfile, --set-date-header, --queue...) do not count. */
static int
submit_cli_delivery(const struct cli_opts *cli)
{
	static const char *const local[] = {
		"logfile", "logfile_time_format", "syslog", "aliases",
		"set_from_header", "set_date_header", "set_msgid_header",
		"remove_bcc_headers", "undisclosed_recipients", "auto_from",
		"maildomain", "queue",
	};
	size_t i, k;

	for (i = 0; i < cli->nsettings; i++) {
		for (k = 0; k < sizeof(local) / sizeof(local[0]); k++)
			if (strcmp(cli->settings[i].cmd, local[k]) == 0)
				break;
		if (k == sizeof(local) / sizeof(local[0]))
			return 1;
	}
	return 0;
}

/* queue on: durable first, then the first attempt. A spool that cannot
 * take the message (full, unwritable) does not lose it: dsmtp says so
 * and delivers synchronously, as with queue off. */
static int
submit_enqueue(struct submission *s, const struct cli_opts *cli,
	       const struct config *cfg, const struct submit_envelope *env,
	       struct err *e)
{
	struct enqueue_msg q = { 0 };

	q.cfg = cfg;
	q.a = s->a;
	q.m = &s->m;
	q.signing = &s->signing;
	q.from = s->from;
	q.rcpts = &s->rcpts;
	submit_dsn(s, cli, &q.notify, &q.ret);
	q.envid = cli->envid;
	q.queue_only = cli->deliver_mode == 'q';
	if (enqueue_submit(&q, e) == 0) {
		if (env != NULL && env->delivered != NULL)
			*env->delivered += s->rcpts.n;
		if (env != NULL && env->queue_id != NULL)
			strcpy(env->queue_id, s->m.id);
		return 0;
	}
	if (e->cls == ERR_DATA)
		return -1;
	log_diag(_("warning: %s; delivering without the queue"),
		 e->msg ? e->msg : "");
	err_clear(e);
	return submit_deliver(s, cli, env, e);
}

static void
submit_clear(struct submission *s)
{
	message_free(&s->m);
	free(s->domain);
	free(s->header_from);
	free(s->from);
	strlist_free(&s->rcpts);
	strlist_free(&s->undeliverable);
	aliases_free(&s->aliases);
	signing_free(&s->signing);
}

static char *
submit_given_sender(const struct cli_opts *cli,
		    const struct submit_envelope *env)
{
	const char *g = env ? env->from : cli->from;

	if (g == NULL)
		return NULL;
	return addr_strip_angles(g);
}

/* A qualify domain without a dot (a bare host name such as "vm") makes
 * root@vm, Message-IDs @vm and EHLO vm, which large providers reject:
 * say so, once per message, on stderr and in the log. */
static void
submit_check_domain(const struct submission *s)
{
	char *what;

	if (strchr(s->domain, '.') != NULL)
		return;
	log_diag(_("warning: the qualify domain %s has no dot; receivers "
		   "reject such addresses: set qualify_domain or write the "
		   "domain to /etc/mailname"), s->domain);
	what = xasprintf("warning=\"qualify domain %s has no dot\"",
			 s->domain);
	log_note(s->m.id, what);
	free(what);
}

int
submit_message(const struct cli_opts *cli, const struct config *cfg, int fd,
	       const struct submit_envelope *env, struct err *e)
{
	struct submission s = { 0 };
	char *given = submit_given_sender(cli, env);
	int by_header = 0, rc = -1;

	s.m.body_fd = -1;
	if (given != NULL && addr_check(given, _("sender"), e) < 0)
		goto out;
	if (submit_intake(&s, cli, cfg, fd, given, env != NULL, &by_header,
			  e) < 0)
		goto out;
	engine_log_open(s.a);
	submit_check_domain(&s);
	/* An explicit --read-envelope-from: the From address is the sender
	 * whichever setting chose the account, as in msmtp. */
	if (env == NULL && cli->read_envelope_from == 1) {
		if (s.header_from == NULL) {
			err_set(e, ERR_DATA, _("--read-envelope-from: the "
					       "message has no From address"));
			goto out;
		}
		by_header = 1;
	}
	s.from = submit_sender(&s, given, by_header);
	if (submit_recipients(&s, cli, env, e) < 0 ||
	    submit_normalize(&s, e) < 0 || submit_fix(&s, cli, e) < 0 ||
	    engine_signing(&s.signing, s.a, &s.m, e) < 0)
		goto out;
	/* What the pickup submits for a user is always queued. */
	if ((spool_wanted(s.a) || cli->queue_id != NULL) && cli->host == NULL &&
	    !submit_cli_delivery(cli))
		rc = submit_enqueue(&s, cli, cfg, env, e);
	else
		rc = submit_deliver(&s, cli, env, e);
	/* The others got it; the ones dsmtp cannot deliver are refused. */
	if (rc == 0 && s.undeliverable.n > 0) {
		size_t i;

		for (i = 0; env != NULL && env->refused != NULL &&
			    i < s.undeliverable.n; i++)
			strlist_add(env->refused, s.undeliverable.v[i]);
		err_set(e, ERR_NOUSER, _("%s (the other recipients got the "
					 "message)"), s.undeliverable.v[0]);
		rc = -1;
	}
out:
	free(given);
	submit_clear(&s);
	return rc;
}
