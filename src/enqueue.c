/* enqueue.c - a submitted message into the queue, then one attempt
 *
 * Owns: the queue envelope of a new submission, its commit, and the
 *       immediate first attempt (and of a bounce it causes).
 * Not:  the spool format (queue), what an attempt does to an entry
 *       (runq), delivery (engine, deliver), the submission's own steps
 *       (submit). */

#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "engine.h"
#include "enqueue.h"
#include "file.h"
#include "i18n.h"
#include "ident.h"
#include "log.h"
#include "runq.h"
#include "runq_policy.h"
#include "spool.h"
#include "xmalloc.h"

struct enqueue_sink {
	int fd;
	int error; /* errno of a failed write, 0 */
};

static int
enqueue_sink_write(void *ctx, const char *p, size_t n)
{
	struct enqueue_sink *k = ctx;

	if (file_write_all(k->fd, p, n) < 0) {
		k->error = errno ? errno : EIO;
		return -1;
	}
	return 0;
}

/* queue_writer: the message as submission left it, unencoded. */
static int
enqueue_write(void *ctx, int fd, struct err *e)
{
	struct enqueue_sink k = { fd, 0 };

	if (message_emit(ctx, 0, NULL, enqueue_sink_write, &k, e) == 0)
		return 0;
	if (k.error != 0)
		err_set(e, ERR_TEMP, _("cannot write to the queue: %s"),
			strerror(k.error));
	return -1;
}

static void
enqueue_env(const struct enqueue_msg *q, struct queue_env *env)
{
	size_t i;

	memset(env, 0, sizeof(*env));
	snprintf(env->id, sizeof(env->id), "%s", q->m->id);
	env->uid = ident_uid();
	env->account = q->a == &q->cfg->defaults ? NULL : q->a->name;
	env->from = (char *)q->from;
	env->notify = (char *)q->notify;
	env->ret = (char *)q->ret;
	env->envid = (char *)q->envid;
	env->rcpts = xcalloc(q->rcpts->n, sizeof(*env->rcpts));
	for (i = 0; i < q->rcpts->n; i++)
		env->rcpts[i].addr = q->rcpts->v[i];
	env->nrcpts = q->rcpts->n;
	env->created = env->next_attempt = time(NULL);
}

static void
enqueue_options(const struct enqueue_msg *q, const char *id,
		struct runq_options *o)
{
	memset(o, 0, sizeof(*o));
	o->flush = 1;
	o->now = time(NULL);
	o->lifetime = RUNQ_DEFAULT_LIFETIME;
	o->lifetime_of = engine_lifetime;
	o->delay_warning_of = engine_delay_warning;
	o->remote_mta_of = engine_remote_mta;
	o->lifetime_ctx = (void *)q->cfg;
	o->only_id = id;
	o->live_clock = 1;
}

/* Attempt entry id now; with g->m the message in memory is sent. */
static void
enqueue_attempt(struct queue *qu, const struct enqueue_msg *q,
		struct engine *g, const char *id, struct runq_stats *st)
{
	struct runq_options o;
	struct queue_entry ent;
	struct engine_names names;
	struct err e = { 0 };

	enqueue_options(q, id, &o);
	engine_names(q->a, &names);
	o.reporting_mta = names.mta;
	o.postmaster = names.postmaster;
	o.notice_to = (const char *const *)names.notice.v;
	o.nnotice_to = names.notice.n;
	/* Taken already (a runner was quicker): that runner delivers it. */
	if (queue_load(qu, id, 1, &ent, &e) != 0) {
		engine_names_free(&names);
		err_clear(&e);
		return;
	}
	if (runq_one(qu, &o, &ent, engine_deliver, g, st, &e) < 0)
		log_diag("%s", e.msg ? e.msg : "");
	queue_entry_free(&ent);
	engine_names_free(&names);
	err_clear(&e);
}

static void
enqueue_tell(const char *id, const struct runq_stats *st)
{
	char note[64];

	if (st->deferred == 0)
		return;
	snprintf(note, sizeof(note), "status=queued deferred=%zu",
		 st->deferred);
	log_note(id, note);
	if (log_verbose())
		log_diag(ngettext("queued as %s: %zu recipient could not be "
				  "delivered to now and will be tried again",
				  "queued as %s: %zu recipients could not be "
				  "delivered to now and will be tried again",
				  st->deferred),
			 id, st->deferred);
}

int
enqueue_submit(const struct enqueue_msg *q, struct err *e)
{
	struct queue qu;
	struct queue_env env;
	struct runq_stats st = { 0 }, bst = { 0 };
	struct deliver_conn conn = { 0 };
	struct engine g = { q->cfg, q->m, q->a, q->signing, &conn };
	struct engine runner = { q->cfg, NULL, NULL, NULL, &conn };
	int rc;

	/* The first attempt's domains at once, as without the queue. */
	conn.parallel = 1;
	if (spool_open(&qu, q->a, e) < 0)
		return -1;
	enqueue_env(q, &env);
	rc = queue_commit(&qu, &env, enqueue_write, q->m, e);
	free(env.rcpts);
	if (rc < 0) {
		queue_close(&qu);
		return -1;
	}
	memcpy(q->m->id, env.id, sizeof(q->m->id));
	if (q->queue_only) {
		log_note(env.id, "status=queued");
	} else {
		enqueue_attempt(&qu, q, &g, env.id, &st);
		enqueue_tell(env.id, &st);
		if (st.bounce_id[0] != '\0')
			enqueue_attempt(&qu, q, &runner, st.bounce_id, &bst);
		if (st.relayed_id[0] != '\0')
			enqueue_attempt(&qu, q, &runner, st.relayed_id, &bst);
	}
	deliver_conn_close(&conn);
	queue_close(&qu);
	return 0;
}
