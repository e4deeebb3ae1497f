/* runq.c - the queue runner: due entries, attempts, bounces, expiry
 *
 * Owns: which entries a run takes (due, flush, -qI, -qR, -qS), what an
 *       attempt's per-recipient outcomes do to an entry, bounces for
 *       permanent failures and expiry (queued before the recipients are
 *       dropped, so a crash can repeat a bounce but never lose one).
 * Not:  the spool format (queue), the schedule arithmetic (runq_policy),
 *       the notification's text (bounce), delivering (the runq_deliver_fn
 *       the caller passes: the one delivery engine, deliver). */

#include <config.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "bounce.h"
#include "buf.h"
#include "file.h"
#include "i18n.h"
#include "log.h"
#include "runq.h"
#include "runq_policy.h"
#include "xmalloc.h"

/* The longest last error kept per recipient. */
#define RUNQ_REPLY_MAX 1000

/* 1 when some pending recipient's domain is d or below it. */
static int
runq_has_domain(const struct queue_env *env, const char *d)
{
	size_t i, n, dn = strlen(d);
	const char *at;

	for (i = 0; i < env->nrcpts; i++) {
		at = strrchr(env->rcpts[i].addr, '@');
		if (at == NULL || env->rcpts[i].state != QUEUE_RCPT_PENDING)
			continue;
		n = strlen(at + 1);
		if (strcasecmp(at + 1, d) == 0 ||
		    (n > dn && at[n - dn] == '.' &&
		     strcasecmp(at + 1 + n - dn, d) == 0))
			return 1;
	}
	return 0;
}

static time_t
runq_lifetime(const struct runq_options *o, const struct queue_env *env)
{
	return o->lifetime_of != NULL ? o->lifetime_of(o->lifetime_ctx, env)
	                              : o->lifetime;
}

static int
runq_wanted(const struct runq_options *o, const struct queue_env *env)
{
	if (env->held)
		return 0;
	if (o->only_id != NULL && strcmp(o->only_id, env->id) != 0)
		return 0;
	if (o->only_sender != NULL &&
	    strcasestr(env->from, o->only_sender) == NULL)
		return 0;
	if (o->only_domain != NULL && !runq_has_domain(env, o->only_domain))
		return 0;
	return o->flush || runq_due(env->next_attempt, o->now) ||
	       runq_expired(env->created, o->now, runq_lifetime(o, env));
}

static int
runq_write_buf(void *ctx, int fd, struct err *e)
{
	const struct buf *b = ctx;

	if (file_write_all(fd, b->data, b->len) < 0) {
		err_set(e, ERR_IO, _("cannot write a bounce"));
		return -1;
	}
	return 0;
}

/* Who a notification about ent's failed recipients goes to (RFC 3461,
 * RFC 3464): the sender; for mail from the null sender (a notification
 * itself) the postmaster, o->notice_to. Returns 1 with *to, *n and *dsn
 * set; 0 when none is wanted (NOTIFY=NEVER, or a NOTIFY without FAILURE);
 * 2 when nobody can take one (a notice to the postmaster failed too, or
 * there is no postmaster address): the entry is then kept, held. */
static int
runq_notice_to(const struct runq_options *o, const struct queue_entry *ent,
               enum bounce_action action, char *const **to, size_t *n,
               int *dsn)
{
	const char *nt = ent->env.notify;
	const char *want = action == BOUNCE_DELAYED   ? "DELAY"
	                   : action == BOUNCE_RELAYED ? "SUCCESS"
	                                              : "FAILURE";

	/* A success is reported only when asked for (NOTIFY=SUCCESS). */
	if ((nt == NULL && action == BOUNCE_RELAYED) ||
	    (nt != NULL && (strcasestr(nt, "NEVER") != NULL ||
	                    strcasestr(nt, want) == NULL)))
		return 0;
	/* A delay or a success is worth a word to a sender only, never a
	 * notice. */
	if ((action == BOUNCE_DELAYED || action == BOUNCE_RELAYED) &&
	    !bounce_wanted(ent->env.from))
		return 0;
	if (bounce_wanted(ent->env.from)) {
		*to = &ent->env.from;
		*n = 1;
		*dsn = 1;
		return 1;
	}
	if (ent->env.dsn == 2 || o->nnotice_to == 0)
		return 2;
	*to = (char *const *)o->notice_to;
	*n = o->nnotice_to;
	*dsn = 2;
	return 1;
}

/* The notification, from the null sender, committed as a new entry. */
static int
runq_commit_notice(struct queue *q, const struct runq_options *o,
                   const struct queue_entry *ent, struct buf *text,
                   char *const *to, size_t n, int dsn, char *bounce_id,
                   struct err *e)
{
	struct queue_env env = {0};
	size_t i;
	int rc;

	queue_new_id(env.id);
	env.uid = ent->env.uid;
	env.account = ent->env.account;
	env.from = (char *)"";
	env.dsn = dsn;
	env.rcpts = xcalloc(n, sizeof(*env.rcpts));
	for (i = 0; i < n; i++)
		env.rcpts[i].addr = to[i];
	env.nrcpts = n;
	env.created = env.next_attempt = o->now;
	rc = queue_commit(q, &env, runq_write_buf, text, e);
	if (rc == 0) {
		strcpy(bounce_id, env.id);
		log_note(ent->env.id, dsn == 1 ? "dsn=sender" : "dsn=postmaster");
	}
	free(env.rcpts);
	return rc;
}

/* 1 when reply is a server's ("550 5.1.1 ..."), not dsmtp's own reason
 * (a refused connection, the lifetime). */
static int
runq_is_smtp_reply(const char *reply)
{
	return reply != NULL && reply[0] >= '2' && reply[0] <= '5' &&
	       reply[1] >= '0' && reply[1] <= '9' && reply[2] >= '0' &&
	       reply[2] <= '9' && (reply[3] == ' ' || reply[3] == '\0');
}

/* Queue a notification for the recipients of ent in state BOUNCED, or
 * for a delay warning PENDING (their reply says why). Returns 0 when
 * queued or not wanted, 1 when nobody can take it (runq_notice_to), -1
 * with e set. */
static int
runq_bounce(struct queue *q, const struct runq_options *o,
            const struct queue_entry *ent, enum bounce_action action,
            char *bounce_id, struct err *e)
{
	enum queue_rcpt_state which = action == BOUNCE_DELAYED
	                                      ? QUEUE_RCPT_PENDING
	                                      : QUEUE_RCPT_BOUNCED;
	struct bounce_rcpt *br = xcalloc(ent->env.nrcpts, sizeof(*br));
	struct bounce_info bi = {0};
	struct buf text = {0};
	char *const *to = NULL;
	size_t i, n = 0;
	int rc = 0, dsn = 0, who;

	const char *remote = o->remote_mta_of == NULL
	                             ? NULL
	                             : o->remote_mta_of(o->lifetime_ctx,
	                                                &ent->env);

	for (i = 0; i < ent->env.nrcpts; i++)
		if (action == BOUNCE_RELAYED ? ent->env.rcpts[i].relayed
		                             : ent->env.rcpts[i].state == which) {
			br[bi.nrcpts].addr = ent->env.rcpts[i].addr;
			br[bi.nrcpts].reply = ent->env.rcpts[i].reply;
			/* Remote-MTA only for what that host said. */
			if (runq_is_smtp_reply(ent->env.rcpts[i].reply))
				br[bi.nrcpts].remote_mta = remote;
			bi.nrcpts++;
		}
	if (bi.nrcpts == 0 ||
	    (who = runq_notice_to(o, ent, action, &to, &n, &dsn)) == 0)
		goto out;
	if (who == 2) {
		rc = 1;
		goto out;
	}
	bi.action = action;
	bi.reporting_mta = o->reporting_mta;
	bi.postmaster = o->postmaster;
	bi.sender = to[0];
	bi.queue_id = ent->env.id;
	bi.envid = ent->env.envid;
	bi.arrival = ent->env.created;
	bi.now = o->now;
	bi.rcpts = br;
	bi.full = ent->env.ret != NULL && strcasecmp(ent->env.ret, "FULL") == 0;
	rc = bounce_make(&bi, ent->fd, ent->data_offset, ent->data_size, &text,
	                 e);
	if (rc == 0)
		rc = runq_commit_notice(q, o, ent, &text, to, n, dsn, bounce_id,
		                        e);
out:
	buf_free(&text);
	free(br);
	return rc;
}

/* Move every recipient in state from to state to; how many moved.
 * Expiry: pending to bounced (each keeps its last reply); once their
 * notification is queued: bounced to done (dropped from the entry). */
static size_t
runq_move(struct queue_entry *ent, enum queue_rcpt_state from,
          enum queue_rcpt_state to)
{
	size_t i, n = 0;

	for (i = 0; i < ent->env.nrcpts; i++)
		if (ent->env.rcpts[i].state == from) {
			ent->env.rcpts[i].state = to;
			n++;
		}
	return n;
}

/* Keep a server's reply as the recipient's last error: control
 * characters (a hostile server's escapes, a multi-line reply) made '?',
 * cut to RUNQ_REPLY_MAX octets on a character boundary, so it can always
 * be stored and shown. Takes reply. */
static void
runq_set_reply(struct queue_rcpt *r, char *reply)
{
	struct buf b = {0};
	size_t n;

	if (reply == NULL)
		return;
	log_printable(&b, reply, strlen(reply));
	free(reply);
	n = b.len;
	if (n > RUNQ_REPLY_MAX) {
		n = RUNQ_REPLY_MAX;
		while (n > 0 && ((unsigned char)b.data[n] & 0xC0) == 0x80)
			n--;
	}
	free(r->reply);
	r->reply = xstrndup(b.data ? b.data : "", n);
	buf_free(&b);
}

/* One attempt for the pending recipients; outcomes applied to ent. */
static void
runq_attempt(struct queue_entry *ent, runq_deliver_fn fn, void *ctx,
             struct runq_stats *st)
{
	struct runq_outcome *out = xcalloc(ent->env.nrcpts, sizeof(*out));
	struct err e = {0};
	size_t i, k = 0;
	struct queue_rcpt *r;

	if (fn(ctx, ent, out, &e) < 0)
		for (i = 0; i < ent->env.nrcpts; i++) {
			out[i].result = RUNQ_TEMP;
			out[i].reply = xstrdup(e.msg ? e.msg : "not attempted");
		}
	for (i = 0; i < ent->env.nrcpts; i++) {
		r = &ent->env.rcpts[i];
		if (r->state != QUEUE_RCPT_PENDING)
			continue;
		runq_set_reply(r, out[k].reply);
		free(out[k].remote);
		if (out[k].result == RUNQ_DONE) {
			r->state = QUEUE_RCPT_DONE;
			r->relayed = out[k].relayed;
			st->delivered++;
		} else if (out[k].result == RUNQ_PERM) {
			r->state = QUEUE_RCPT_BOUNCED;
		} else {
			st->deferred++;
		}
		k++;
	}
	for (i = k; i < ent->env.nrcpts; i++) {
		free(out[i].reply);
		free(out[i].remote);
	}
	err_clear(&e);
	free(out);
}

static int
runq_pending(const struct queue_env *env)
{
	size_t i;

	for (i = 0; i < env->nrcpts; i++)
		if (env->rcpts[i].state == QUEUE_RCPT_PENDING)
			return 1;
	return 0;
}

static int
runq_left(const struct queue_env *env)
{
	size_t i;

	for (i = 0; i < env->nrcpts; i++)
		if (env->rcpts[i].state != QUEUE_RCPT_DONE)
			return 1;
	return 0;
}

/* The log line of spec section 6 for recipients given up on. */
static void
runq_log_expired(const struct queue_entry *ent, time_t now)
{
	struct buf b = {0}, to = {0};
	size_t i, n = 0;

	log_kv(&b, "from", *ent->env.from ? ent->env.from : "<>");
	for (i = 0; i < ent->env.nrcpts; i++)
		if (ent->env.rcpts[i].state == QUEUE_RCPT_PENDING)
			buf_printf(&to, "%s%s", n++ ? "," : "",
			           ent->env.rcpts[i].addr);
	log_kv(&b, "to", to.data ? to.data : "");
	buf_free(&to);
	buf_printf(&b, " delay=%jd attempt=%u status=expired",
	           (intmax_t)(now - ent->env.created), ent->env.attempts);
	log_note(ent->env.id, b.data);
	buf_free(&b);
}

/* One delay warning for mail that has waited long enough (marked sent
 * even when NOTIFY wants none, so it is weighed once). */
static void
runq_warn(struct queue *q, const struct runq_options *o,
          struct queue_entry *ent, struct runq_stats *st)
{
	time_t after = o->delay_warning_of != NULL
	                       ? o->delay_warning_of(o->lifetime_ctx, &ent->env)
	                       : 0;
	struct err e = {0};

	if (after <= 0 || ent->env.warned || !runq_pending(&ent->env) ||
	    o->now - ent->env.created < after)
		return;
	if (runq_bounce(q, o, ent, BOUNCE_DELAYED, st->bounce_id, &e) < 0) {
		err_clear(&e); /* the next run tries again */
		return;
	}
	st->bounces_queued += st->bounce_id[0] != '\0';
	ent->env.warned = 1;
}

/* The "relayed" notification the attempt just made owes (NOTIFY=SUCCESS
 * through a relay that takes no DSN). A success report that cannot be
 * queued is logged, not retried: the mail itself went. */
static void
runq_relayed(struct queue *q, const struct runq_options *o,
             struct queue_entry *ent, char *id)
{
	struct err e = {0};
	size_t i;
	int any = 0;

	for (i = 0; i < ent->env.nrcpts; i++)
		any |= ent->env.rcpts[i].relayed;
	if (!any)
		return;
	if (runq_bounce(q, o, ent, BOUNCE_RELAYED, id, &e) < 0)
		log_note(ent->env.id, "dsn=relayed status=failed");
	err_clear(&e);
	for (i = 0; i < ent->env.nrcpts; i++)
		ent->env.rcpts[i].relayed = 0;
}

int
runq_one(struct queue *q, const struct runq_options *o,
         struct queue_entry *ent, runq_deliver_fn fn, void *ctx,
         struct runq_stats *st, struct err *e)
{
	enum bounce_action action = BOUNCE_FAILED;
	time_t lifetime = runq_lifetime(o, &ent->env);
	size_t n;
	int rc;

	st->tried++;
	st->bounce_id[0] = st->relayed_id[0] = '\0';
	if (runq_expired(ent->env.created, o->now, lifetime)) {
		runq_log_expired(ent, o->now);
		st->expired += runq_move(ent, QUEUE_RCPT_PENDING,
		                         QUEUE_RCPT_BOUNCED);
		action = BOUNCE_EXPIRED;
	} else if (runq_pending(&ent->env)) {
		runq_attempt(ent, fn, ctx, st);
		ent->env.attempts++;
		ent->env.next_attempt = runq_next_attempt(
		        ent->env.created, ent->env.attempts,
		        o->live_clock ? time(NULL) : o->now, lifetime);
	}
	runq_relayed(q, o, ent, st->relayed_id);
	st->bounces_queued += st->relayed_id[0] != '\0';
	rc = runq_bounce(q, o, ent, action, st->bounce_id, e);
	if (rc == 0) {
		st->bounces_queued += st->bounce_id[0] != '\0';
		n = runq_move(ent, QUEUE_RCPT_BOUNCED, QUEUE_RCPT_DONE);
		if (action == BOUNCE_FAILED)
			st->bounced += n;
	} else if (rc == 1 && !ent->env.held) {
		/* Never dropped, never looping: kept for the postmaster. */
		ent->env.held = 1;
		log_note(ent->env.id, "status=held reason=\"undeliverable "
		                      "notification\"");
	} else if (rc < 0) {
		err_clear(e); /* kept as bounced: the next run tries again */
	}
	runq_warn(q, o, ent, st);
	if (!runq_left(&ent->env))
		return queue_remove(q, ent, e);
	return queue_update(q, ent, e);
}

/* A file that is not a valid entry: the queue moved it to quarantine/. */
static void
runq_log_broken(const char *name, const struct err *le,
                struct runq_stats *st)
{
	struct buf b = {0};

	st->broken++;
	buf_printf(&b, "status=quarantined reason=\"%s\"",
	           le->msg ? le->msg : "");
	log_note(name, b.data);
	buf_free(&b);
}

static int
runq_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* 1 when id is this process's in a shared run (FNV-1a of the id). */
static int
runq_mine(const struct runq_options *o, const char *id)
{
	uint32_t h = 2166136261u;

	if (o->shares < 2)
		return 1;
	for (; *id; id++)
		h = (h ^ (unsigned char)*id) * 16777619u;
	return h % o->shares == o->share;
}

/* The ids of one pass: with only_id that one alone (no listing: -qI and
 * the daemon's workers for one new entry cost one file, not the spool). */
static int
runq_ids(struct queue *q, const struct runq_options *o, char ***ids,
         size_t *n, struct err *e)
{
	if (o->only_id == NULL)
		return queue_list(q, ids, n, e);
	*ids = xcalloc(1, sizeof(**ids));
	(*ids)[0] = xstrdup(o->only_id);
	*n = 1;
	return 0;
}

/* One pass over the spool, leaving out the (sorted) ids in skip; the ids
 * listed are returned in *seen (sorted, caller frees) when seen != NULL. */
static int
runq_pass(struct queue *q, const struct runq_options *o, runq_deliver_fn fn,
          void *ctx, struct runq_stats *st, char **skip, size_t nskip,
          char ***seen, size_t *nseen, struct err *e)
{
	struct queue_entry ent;
	struct err le = {0};
	char **ids;
	size_t n, i;
	int rc;

	if (runq_ids(q, o, &ids, &n, e) < 0)
		return -1;
	for (i = 0; i < n && !(o->stop != NULL && *o->stop); i++) {
		if (!runq_mine(o, ids[i]) ||
		    (nskip > 0 && bsearch(&ids[i], skip, nskip, sizeof(*skip),
		                          runq_cmp) != NULL))
			continue;
		rc = queue_load(q, ids[i], 1, &ent, &le);
		if (rc == 1)
			st->busy++;
		else if (rc < 0 && le.cls == ERR_DATA)
			runq_log_broken(ids[i], &le, st);
		else if (rc < 0)
			; /* gone meanwhile: another runner finished it */
		else if (ent.env.held)
			st->held++;
		else if (runq_wanted(o, &ent.env) &&
		         runq_one(q, o, &ent, fn, ctx, st, &le) < 0)
			err_clear(&le);
		if (rc == 0)
			queue_entry_free(&ent);
		err_clear(&le);
	}
	if (seen != NULL) {
		if (n > 1)
			qsort(ids, n, sizeof(*ids), runq_cmp);
		*seen = ids;
		*nseen = n;
		return 0;
	}
	for (i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
	return 0;
}

int
runq_run(struct queue *q, const struct runq_options *o, runq_deliver_fn fn,
         void *ctx, struct runq_stats *st, struct err *e)
{
	char **seen = NULL;
	size_t nseen = 0, i;
	int rc;

	memset(st, 0, sizeof(*st));
	queue_sweep_tmp(q, o->now);
	rc = runq_pass(q, o, fn, ctx, st, NULL, 0, &seen, &nseen, e);
	/* Notifications this run queued go out in the same run; nothing
	 * the first pass saw is tried twice. */
	if (rc == 0 && st->bounces_queued > 0 && o->only_id == NULL)
		rc = runq_pass(q, o, fn, ctx, st, seen, nseen, NULL, NULL, e);
	for (i = 0; i < nseen; i++)
		free(seen[i]);
	free(seen);
	return rc;
}
