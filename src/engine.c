/* engine.c - a queue entry through the delivery engine
 *
 * Owns: turning a queue entry into one deliver_run attempt (account,
 *       message bytes, DKIM keys, EHLO name, DSN parameters) and its
 *       per-recipient replies into the runner's outcomes.
 * Not:  the SMTP dialogue or the log line (deliver), what outcomes do to
 *       the entry (runq), the spool (queue). */

#include <config.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "deliver.h"
#include "engine.h"
#include "i18n.h"
#include "log.h"
#include "runq_policy.h"
#include "xmalloc.h"

/* The cap on the header section when reading back: submission capped it
 * at 1 MiB before the fix-ups (From, Date, Message-ID, qualified names),
 * which may have made it longer; mail accepted must stay readable. */
#define ENGINE_MAX_HEADER (16 * 1024 * 1024)

const struct account *
engine_account(const struct config *cfg, const struct queue_env *env,
               struct err *e)
{
	const char *name = env->account;
	const struct account *a;

	if (name != NULL && *name != '\0') {
		a = config_account(cfg, name);
		if (a != NULL)
			return a;
		err_set(e, ERR_CONFIG, _("the account %s is no longer in the "
		                         "configuration"), name);
		return NULL;
	}
	if ((a = config_account(cfg, "default")) != NULL)
		return a;
	if (cfg->naccounts == 0 && cfg->defaults.val[CFG_HOST] != NULL)
		return &cfg->defaults;
	err_set(e, ERR_CONFIG, _("no default account in the configuration"));
	return NULL;
}

int
engine_read_message(const struct queue_entry *ent, struct message *m,
                    struct err *e)
{
	struct message_intake in = { 0 };
	int rc;

	m->body_fd = -1;
	/* length 0 would mean "to the end", the end marker with it. */
	if (ent->data_size <= 0 ||
	    lseek(ent->fd, ent->data_offset, SEEK_SET) < 0) {
		err_set(e, ERR_IO, _("cannot read queue entry %s"),
		        ent->env.id);
		return -1;
	}
	in.ignore_dots = 1;
	in.max_header = ENGINE_MAX_HEADER;
	in.length = ent->data_size;
	rc = message_read(ent->fd, &in, m, e);
	if (rc == 0)
		strcpy(m->id, ent->env.id);
	return rc;
}

int
engine_signing(struct signing *s, const struct account *a,
               const struct message *m, struct err *e)
{
	char *from = message_from_addr(m), *dom = NULL;
	struct err ignored = { 0 };
	int rc;

	/* d= in A-labels; an invalid From domain leaves d= to dkim_domain. */
	if (from != NULL && strchr(from, '@') != NULL)
		dom = addr_host_ascii(addr_domain(from), &ignored);
	err_clear(&ignored);
	rc = signing_setup(s, a, dom, e);
	free(dom);
	free(from);
	return rc;
}

/* The pending recipients, in order, and whether one needs SMTPUTF8. */
static int
engine_pending(const struct queue_env *env, struct strlist *l)
{
	int utf8 = !addr_is_ascii(env->from);
	size_t i;

	for (i = 0; i < env->nrcpts; i++)
		if (env->rcpts[i].state == QUEUE_RCPT_PENDING) {
			strlist_add(l, env->rcpts[i].addr);
			utf8 |= !addr_is_ascii(env->rcpts[i].addr);
		}
	return utf8;
}

static void
engine_outcomes(const struct smtp_rcpt *res, size_t n, const char *notify,
                struct runq_outcome *out)
{
	size_t i;

	for (i = 0; i < n; i++) {
		out[i].result = res[i].cls == SMTP_DONE   ? RUNQ_DONE
		                : res[i].cls == SMTP_PERM ? RUNQ_PERM
		                                          : RUNQ_TEMP;
		out[i].reply = xstrdup(res[i].reply ? res[i].reply : "");
		out[i].relayed = res[i].cls == SMTP_DONE &&
		                 res[i].notify_dropped && notify != NULL &&
		                 strcasestr(notify, "SUCCESS") != NULL;
	}
}

/* The attempt itself, with the message and account at hand. */
static int
engine_attempt(const struct engine *g, const struct queue_entry *ent,
               const struct account *a, struct message *m,
               struct signing *sg, struct runq_outcome *out, struct err *e)
{
	struct deliver_job j = { 0 };
	struct strlist rcpts = { 0 };
	struct smtp_rcpt *res = NULL;
	char *helo = addr_domain_or_default(a->val[CFG_QUALIFY_DOMAIN]);

	j.utf8_required = engine_pending(&ent->env, &rcpts);
	j.m = m;
	j.from = ent->env.from;
	j.rcpts = &rcpts;
	j.notify = ent->env.notify;
	j.ret = ent->env.ret;
	j.envid = ent->env.envid;
	j.helo = helo;
	j.attempt = (int)ent->env.attempts + 1;
	j.arrival = ent->env.created;
	j.queued = 1;
	j.signing = sg;
	if (g->conn != NULL)
		(void)deliver_run_on(g->conn, a, &j, &res, e);
	else
		(void)deliver_run(a, &j, &res, e);
	engine_outcomes(res, rcpts.n, ent->env.notify, out);
	deliver_free(res, rcpts.n);
	strlist_free(&rcpts);
	free(helo);
	return 0;
}

int
engine_deliver(void *ctx, const struct queue_entry *ent,
               struct runq_outcome *out, struct err *e)
{
	struct engine *g = ctx;
	struct message m = { 0 };
	struct signing sg = { 0 };
	const struct account *a = g->a;
	int rc;

	if (g->m != NULL)
		return engine_attempt(g, ent, a, g->m, g->signing, out, e);
	m.body_fd = -1;
	if ((a = engine_account(g->cfg, &ent->env, e)) != NULL)
		engine_log_open(a);
	if (a == NULL ||
	    engine_read_message(ent, &m, e) < 0 ||
	    engine_signing(&sg, a, &m, e) < 0) {
		message_free(&m);
		signing_free(&sg);
		return -1;
	}
	rc = engine_attempt(g, ent, a, &m, &sg, out, e);
	/* The run's own notes (expiry, quarantine, held) go where the
	 * defaults say, whichever entry came before. */
	engine_log_open(&g->cfg->defaults);
	message_free(&m);
	signing_free(&sg);
	return rc;
}

/* double_bounce_to through the aliases; a program or file target is
 * left out, a broken aliases file leaves the address as it is. */
static void
engine_notice_to(const struct account *a, const char *domain,
                 struct strlist *out)
{
	const char *to = config_str(a, CFG_DOUBLE_BOUNCE_TO, "root");
	const char *path = config_str(a, CFG_ALIASES, "/etc/aliases");
	struct aliases al = { 0 };
	struct strlist skipped = { 0 };
	struct err e = { 0 };
	char *q;

	al.lenient = 1;
	if (aliases_load(&al, path, a->val[CFG_ALIASES] == NULL, &e) < 0 ||
	    aliases_expand_noting(&al, to, domain, out, &skipped, &e) < 0) {
		strlist_free(out);
		q = addr_qualify(to, domain);
		strlist_add(out, q);
		free(q);
	}
	err_clear(&e);
	strlist_free(&skipped);
	aliases_free(&al);
}

void
engine_names(const struct account *a, struct engine_names *n)
{
	char *q = addr_domain_or_default(a->val[CFG_QUALIFY_DOMAIN]);
	const char *d = config_str(a, CFG_DOMAIN, NULL);

	n->postmaster = xasprintf("MAILER-DAEMON@%s", q);
	memset(&n->notice, 0, sizeof(n->notice));
	engine_notice_to(a, q, &n->notice);
	n->mta = d != NULL && *d != '\0' ? xstrdup(d) : q;
	if (n->mta != q)
		free(q);
}

void
engine_names_free(struct engine_names *n)
{
	free(n->mta);
	free(n->postmaster);
	strlist_free(&n->notice);
	n->mta = n->postmaster = NULL;
}

void
engine_log_open(const struct account *a)
{
	struct log_config lc = { 0 };
	const char *sl = config_str(a, CFG_SYSLOG, "on");

	lc.syslog_facility = strcmp(sl, "off") == 0 ? -1
	                     : strcmp(sl, "on") == 0 ? log_facility("mail")
	                                              : log_facility(sl);
	lc.logfile = config_str(a, CFG_LOGFILE, NULL);
	lc.time_format = config_str(a, CFG_LOGFILE_TIME_FORMAT, NULL);
	log_open(&lc);
}

/* The entry's account, else (gone from the configuration) the
 * defaults: for the settings a run reads about an entry. */
static const struct account *
engine_entry_account(const struct config *cfg, const struct queue_env *env)
{
	struct err ignored = { 0 };
	const struct account *a = engine_account(cfg, env, &ignored);

	err_clear(&ignored);
	return a ? a : &cfg->defaults;
}

/* A duration command of the entry's account, else of the defaults. */
static long
engine_entry_num(const struct config *cfg, const struct queue_env *env,
                 enum config_cmd cmd, long dflt)
{
	return config_num(engine_entry_account(cfg, env), cmd, dflt);
}

time_t
engine_lifetime(void *ctx, const struct queue_env *env)
{
	long t = engine_entry_num(ctx, env, CFG_QUEUE_LIFETIME,
	                          RUNQ_DEFAULT_LIFETIME);

	return t > 0 ? (time_t)t : RUNQ_DEFAULT_LIFETIME;
}

const char *
engine_remote_mta(void *ctx, const struct queue_env *env)
{
	const struct account *a = engine_entry_account(ctx, env);

	/* Direct delivery talks to many hosts: none is named. */
	return deliver_is_mx(a) ? NULL : config_str(a, CFG_HOST, NULL);
}

time_t
engine_delay_warning(void *ctx, const struct queue_env *env)
{
	long t = engine_entry_num(ctx, env, CFG_QUEUE_DELAY_WARNING, 0);

	return t > 0 ? (time_t)t : 0;
}
