/* runq_test.c - unit tests for runq.h
 *
 * Owns: what a run does to entries in a real spool directory: delivered
 *       entries removed, temporary failures kept with the remaining
 *       recipients and the next attempt on the schedule, permanent
 *       failures bounced to the sender (never for the null sender),
 *       expiry, the schedule against flush, the -qI/-qR/-qS filters, a
 *       locked entry left alone. The delivery engine is a stand-in (the
 *       seam runq_deliver_fn) whose outcome each recipient's name picks;
 *       the real engine is proven against real servers.
 * Not:  the spool format (queue_test), the notification text (bounce_test).
 */

#include <config.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "runq.h"
#include "runq_policy.h"
#include "testspool.h"
#include "xmalloc.h"

#define T0 ((time_t)1764547200)
#define MSG "Subject: report\r\n\r\nbody\r\n"

/* Queue a message from from to the given recipients; its id in id. */
static void
enqueue(struct spool *s, const char *from, const char *const *rcpts,
	size_t n, time_t created, char *id)
{
	struct queue_env env = { 0 };
	struct err e = { 0 };
	size_t i;

	queue_new_id(env.id);
	env.from = xstrdup(from);
	env.uid = 1000;
	env.created = env.next_attempt = created;
	env.rcpts = xcalloc(n, sizeof(*env.rcpts));
	env.nrcpts = n;
	for (i = 0; i < n; i++)
		env.rcpts[i].addr = xstrdup(rcpts[i]);
	assert_int_equal(queue_commit(&s->q, &env, spool_write_text, MSG, &e),
			 0);
	strcpy(id, env.id);
	queue_env_free(&env);
}

/* The stand-in engine: "ok*" delivered, "perm*" 550, others 451. */
static int
fake_deliver(void *ctx, const struct queue_entry *ent,
	     struct runq_outcome *out, struct err *e)
{
	struct spool *s = ctx;
	size_t i, k = 0;
	const char *a;

	(void)e;
	s->calls++;
	for (i = 0; i < ent->env.nrcpts; i++) {
		if (ent->env.rcpts[i].state != QUEUE_RCPT_PENDING)
			continue;
		a = ent->env.rcpts[i].addr;
		if (strncmp(a, "ok", 2) == 0) {
			out[k].result = RUNQ_DONE;
			out[k].reply = xstrdup("250 2.0.0 ok");
		} else if (strncmp(a, "evil", 4) == 0) {
			out[k].result = RUNQ_TEMP;
			out[k].reply = xstrdup("451 \x1b[2J\r\nline two\x07");
		} else if (strncmp(a, "perm", 4) == 0) {
			out[k].result = RUNQ_PERM;
			out[k].reply = xstrdup("550 5.1.1 no such user");
		} else {
			out[k].result = RUNQ_TEMP;
			out[k].reply = xstrdup("451 4.7.1 greylisted");
		}
		k++;
	}
	return 0;
}

static int
fail_deliver(void *ctx, const struct queue_entry *ent,
	     struct runq_outcome *out, struct err *e)
{
	(void)ctx;
	(void)ent;
	(void)out;
	err_set(e, ERR_TEMP, "connection refused");
	return -1;
}

static struct runq_options
options(time_t now)
{
	struct runq_options o = { 0 };

	o.now = now;
	o.lifetime = RUNQ_DEFAULT_LIFETIME;
	o.reporting_mta = "host.example.org";
	o.postmaster = "MAILER-DAEMON@example.org";
	return o;
}

static size_t
count(struct spool *s)
{
	struct err e = { 0 };
	char **ids;
	size_t n, i;

	assert_int_equal(queue_list(&s->q, &ids, &n, &e), 0);
	for (i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
	return n;
}

/* The only entry other than skip: loaded (caller frees). */
static void
other_entry(struct spool *s, const char *skip, struct queue_entry *ent)
{
	struct err e = { 0 };
	char **ids;
	size_t n, i;
	int found = 0;

	assert_int_equal(queue_list(&s->q, &ids, &n, &e), 0);
	for (i = 0; i < n; i++) {
		if (!found && (skip == NULL || strcmp(ids[i], skip) != 0)) {
			assert_int_equal(queue_load(&s->q, ids[i], 0, ent, &e),
					 0);
			found = 1;
		}
		free(ids[i]);
	}
	free(ids);
	assert_true(found);
}

static char *
data_of(const struct queue_entry *ent)
{
	char *d = xcalloc(1, (size_t)ent->data_size + 1);

	assert_int_equal(pread(ent->fd, d, (size_t)ent->data_size,
			       ent->data_offset), ent->data_size);
	return d;
}

static void
test_all_delivered(void **state)
{
	static const char *const r[] = { "ok1@example.net", "ok2@example.net" };
	struct spool *s = *state;
	struct runq_options o = options(T0);
	struct runq_stats st;
	struct err e = { 0 };
	char id[QUEUE_ID_MAX];

	enqueue(s, "alice@example.org", r, 2, T0, id);
	assert_int_equal(runq_run(&s->q, &o, fake_deliver, s, &st, &e), 0);
	assert_int_equal(st.tried, 1);
	assert_int_equal(st.delivered, 2);
	assert_int_equal(count(s), 0);
}

static void
test_temporary_kept(void **state)
{
	static const char *const r[] = { "ok@example.net", "later@example.net" };
	struct spool *s = *state;
	struct runq_options o = options(T0 + 10);
	struct queue_entry ent;
	struct runq_stats st;
	struct err e = { 0 };
	char id[QUEUE_ID_MAX];

	enqueue(s, "alice@example.org", r, 2, T0, id);
	assert_int_equal(runq_run(&s->q, &o, fake_deliver, s, &st, &e), 0);
	assert_int_equal(st.delivered, 1);
	assert_int_equal(st.deferred, 1);
	assert_int_equal(queue_load(&s->q, id, 1, &ent, &e), 0);
	assert_int_equal(ent.env.nrcpts, 1);
	assert_string_equal(ent.env.rcpts[0].addr, "later@example.net");
	assert_string_equal(ent.env.rcpts[0].reply, "451 4.7.1 greylisted");
	assert_int_equal(ent.env.attempts, 1);
	assert_int_equal(ent.env.next_attempt, T0 + 10 + 60);
	queue_entry_free(&ent);
	/* Not due yet: a scheduled run leaves it, a flush tries it. */
	s->calls = 0;
	runq_run(&s->q, &o, fake_deliver, s, &st, &e);
	assert_int_equal(s->calls, 0);
	o.flush = 1;
	runq_run(&s->q, &o, fake_deliver, s, &st, &e);
	assert_int_equal(s->calls, 1);
	assert_int_equal(queue_load(&s->q, id, 0, &ent, &e), 0);
	assert_int_equal(ent.env.attempts, 2);
	assert_int_equal(ent.env.next_attempt, T0 + 10 + 300);
	queue_entry_free(&ent);
}

static void
test_permanent_bounced(void **state)
{
	static const char *const r[] = { "ok@example.net", "perm@example.net" };
	struct spool *s = *state;
	struct runq_options o = options(T0);
	struct queue_entry ent;
	struct runq_stats st;
	struct err e = { 0 };
	char id[QUEUE_ID_MAX], *d;

	enqueue(s, "alice@example.org", r, 2, T0, id);
	assert_int_equal(runq_run(&s->q, &o, fake_deliver, s, &st, &e), 0);
	assert_int_equal(st.bounced, 1);
	/* The original is gone; the notification is queued to the sender
	 * from the null sender. */
	assert_int_equal(count(s), 1);
	other_entry(s, id, &ent);
	assert_string_equal(ent.env.from, "");
	assert_int_equal(ent.env.nrcpts, 1);
	assert_string_equal(ent.env.rcpts[0].addr, "alice@example.org");
	d = data_of(&ent);
	assert_non_null(strstr(d, "Final-Recipient: rfc822; perm@example.net"));
	assert_non_null(strstr(d, "Status: 5.1.1"));
	assert_null(strstr(d, "ok@example.net"));
	free(d);
	queue_entry_free(&ent);
}

/* Mail from the null sender is never bounced to <>: a notice goes to
 * the postmaster; when that fails too (or there is no postmaster), the
 * entry is kept, held, and no run takes it again. */
static void
test_null_sender_notice(void **state)
{
	static const char *const r[] = { "perm@example.net" };
	static const char *const pm[] = { "perm-pm@example.org" };
	struct spool *s = *state;
	struct runq_options o = options(T0);
	struct queue_entry ent;
	struct runq_stats st;
	struct err e = { 0 };
	char id[QUEUE_ID_MAX];

	o.notice_to = pm;
	o.nnotice_to = 1;
	enqueue(s, "", r, 1, T0, id);
	assert_int_equal(runq_run(&s->q, &o, fake_deliver, s, &st, &e), 0);
	/* The original is gone, the notice (refused: "perm-pm") is held. */
	assert_int_equal(count(s), 1);
	assert_int_equal(s->calls, 2);
	other_entry(s, id, &ent);
	assert_int_equal(ent.env.dsn, 2);
	assert_int_equal(ent.env.held, 1);
	assert_string_equal(ent.env.from, "");
	assert_string_equal(ent.env.rcpts[0].addr, "perm-pm@example.org");
	queue_entry_free(&ent);
	o.flush = 1;
	assert_int_equal(runq_run(&s->q, &o, fake_deliver, s, &st, &e), 0);
	assert_int_equal(s->calls, 2);
	assert_int_equal(st.held, 1);
}

static void
test_null_sender_no_postmaster(void **state)
{
	static const char *const r[] = { "perm@example.net" };
	struct spool *s = *state;
	struct runq_options o = options(T0);
	struct queue_entry ent;
	struct runq_stats st;
	struct err e = { 0 };
	char id[QUEUE_ID_MAX];

	enqueue(s, "", r, 1, T0, id);
	assert_int_equal(runq_run(&s->q, &o, fake_deliver, s, &st, &e), 0);
	assert_int_equal(count(s), 1);
	assert_int_equal(queue_load(&s->q, id, 0, &ent, &e), 0);
	assert_int_equal(ent.env.held, 1);
	assert_int_equal(ent.env.rcpts[0].state, QUEUE_RCPT_BOUNCED);
	queue_entry_free(&ent);
}

/* NOTIFY=NEVER, or a list without FAILURE: nothing is sent. */
static void
test_notify_without_failure(void **state)
{
	static const char *const r[] = { "perm@example.net" };
	static const char *const notify[] = { "NEVER", "SUCCESS,DELAY" };
	struct spool *s = *state;
	struct runq_options o = options(T0);
	struct queue_env env = { 0 };
	struct runq_stats st;
	struct err e = { 0 };
	size_t i;

	for (i = 0; i < 2; i++) {
		queue_new_id(env.id);
		env.from = (char *)"alice@example.org";
		env.notify = (char *)notify[i];
		env.created = env.next_attempt = T0;
		env.rcpts = &(struct queue_rcpt){ (char *)r[0], 0, NULL };
		env.nrcpts = 1;
		assert_int_equal(queue_commit(&s->q, &env, spool_write_text, MSG, &e),
		                 0);
		assert_int_equal(runq_run(&s->q, &o, fake_deliver, s, &st, &e),
		                 0);
		assert_int_equal(count(s), 0);
	}
}

static void
test_expired(void **state)
{
	static const char *const r[] = { "later@example.net" };
	struct spool *s = *state;
	struct runq_options o = options(T0 + RUNQ_DEFAULT_LIFETIME);
	struct queue_entry ent;
	struct runq_stats st;
	struct err e = { 0 };
	char id[QUEUE_ID_MAX], *d;

	enqueue(s, "alice@example.org", r, 1, T0, id);
	assert_int_equal(runq_run(&s->q, &o, fake_deliver, s, &st, &e), 0);
	/* No attempt after expiry; only the notice is tried, in the same
	 * run (and deferred: the stand-in refuses alice). */
	assert_int_equal(s->calls, 1);
	assert_int_equal(st.expired, 1);
	assert_int_equal(count(s), 1);
	other_entry(s, id, &ent);
	d = data_of(&ent);
	assert_non_null(strstr(d, "before it\r\nexpired"));
	free(d);
	queue_entry_free(&ent);
}

static void
test_engine_down(void **state)
{
	static const char *const r[] = { "a@example.net", "b@example.net" };
	struct spool *s = *state;
	struct runq_options o = options(T0);
	struct queue_entry ent;
	struct runq_stats st;
	struct err e = { 0 };
	char id[QUEUE_ID_MAX];

	enqueue(s, "alice@example.org", r, 2, T0, id);
	assert_int_equal(runq_run(&s->q, &o, fail_deliver, s, &st, &e), 0);
	assert_int_equal(queue_load(&s->q, id, 0, &ent, &e), 0);
	assert_int_equal(ent.env.nrcpts, 2);
	assert_string_equal(ent.env.rcpts[1].reply, "connection refused");
	queue_entry_free(&ent);
}

static void
test_filters_and_locks(void **state)
{
	static const char *const r1[] = { "ok@one.example" };
	static const char *const r2[] = { "ok@sub.two.example" };
	struct spool *s = *state;
	struct runq_options o = options(T0);
	struct queue_entry held;
	struct runq_stats st;
	struct err e = { 0 };
	char id1[QUEUE_ID_MAX], id2[QUEUE_ID_MAX];

	enqueue(s, "alice@example.org", r1, 1, T0, id1);
	enqueue(s, "bob@example.org", r2, 1, T0, id2);
	o.only_domain = "two.example";
	runq_run(&s->q, &o, fake_deliver, s, &st, &e);
	assert_int_equal(st.tried, 1);
	assert_int_equal(count(s), 1);         /* id1 left */
	o.only_domain = NULL;
	o.only_sender = "BOB";
	runq_run(&s->q, &o, fake_deliver, s, &st, &e);
	assert_int_equal(st.tried, 0);
	o.only_sender = NULL;
	/* Another runner holds it: skipped, counted busy. */
	assert_int_equal(queue_load(&s->q, id1, 1, &held, &e), 0);
	runq_run(&s->q, &o, fake_deliver, s, &st, &e);
	assert_int_equal(st.busy, 1);
	assert_int_equal(st.tried, 0);
	queue_entry_free(&held);
	o.only_id = "000000000000000000";
	runq_run(&s->q, &o, fake_deliver, s, &st, &e);
	assert_int_equal(st.tried, 0);
	o.only_id = id1;
	runq_run(&s->q, &o, fake_deliver, s, &st, &e);
	assert_int_equal(st.tried, 1);
	assert_int_equal(count(s), 0);
}

static void
test_held_skipped(void **state)
{
	static const char *const r[] = { "ok@example.net" };
	struct spool *s = *state;
	struct runq_options o = options(T0);
	struct queue_entry ent;
	struct runq_stats st;
	struct err e = { 0 };
	char id[QUEUE_ID_MAX];

	enqueue(s, "alice@example.org", r, 1, T0, id);
	assert_int_equal(queue_load(&s->q, id, 1, &ent, &e), 0);
	ent.env.held = 1;
	assert_int_equal(queue_update(&s->q, &ent, &e), 0);
	queue_entry_free(&ent);
	o.flush = 1;
	assert_int_equal(runq_run(&s->q, &o, fake_deliver, s, &st, &e), 0);
	assert_int_equal(s->calls, 0);
	assert_int_equal(st.held, 1);
	o.only_id = id; /* -qI does not take a held entry either */
	assert_int_equal(runq_run(&s->q, &o, fake_deliver, s, &st, &e), 0);
	assert_int_equal(s->calls, 0);
	assert_int_equal(queue_load(&s->q, id, 1, &ent, &e), 0);
	ent.env.held = 0;
	assert_int_equal(queue_update(&s->q, &ent, &e), 0);
	queue_entry_free(&ent);
	assert_int_equal(runq_run(&s->q, &o, fake_deliver, s, &st, &e), 0);
	assert_int_equal(s->calls, 1);
	assert_int_equal(count(s), 0);
}

/* A reply with escapes and line ends is kept, made printable. */
static void
test_hostile_reply_kept(void **state)
{
	static const char *const r[] = { "evil@example.net" };
	struct spool *s = *state;
	struct runq_options o = options(T0);
	struct queue_entry ent;
	struct runq_stats st;
	struct err e = { 0 };
	char id[QUEUE_ID_MAX];

	enqueue(s, "alice@example.org", r, 1, T0, id);
	assert_int_equal(runq_run(&s->q, &o, fake_deliver, s, &st, &e), 0);
	assert_int_equal(queue_load(&s->q, id, 0, &ent, &e), 0);
	assert_int_equal(ent.env.attempts, 1);
	assert_string_equal(ent.env.rcpts[0].reply, "451 ?[2J??line two?");
	queue_entry_free(&ent);
}

/* The stand-in engine as a runner that races another: while it delivers
 * one entry, the other runner finishes (removes) the entry named in
 * s->victim. */
static int
racing_deliver(void *ctx, const struct queue_entry *ent,
	       struct runq_outcome *out, struct err *e)
{
	struct spool *s = ctx;

	if (s->victim[0] != '\0')
		unlinkat(s->q.entries_fd, s->victim, 0);
	s->victim[0] = '\0';
	return fake_deliver(ctx, ent, out, e);
}

static void
test_entry_gone_meanwhile(void **state)
{
	static const char *const r[] = { "ok@example.net" };
	struct spool *s = *state;
	struct runq_options o = options(T0);
	struct runq_stats st;
	struct err e = { 0 };
	char id1[QUEUE_ID_MAX], id2[QUEUE_ID_MAX];

	enqueue(s, "alice@example.org", r, 1, T0, id1);
	enqueue(s, "alice@example.org", r, 1, T0, id2);
	strcpy(s->victim, strcmp(id1, id2) < 0 ? id2 : id1);
	assert_int_equal(runq_run(&s->q, &o, racing_deliver, s, &st, &e), 0);
	assert_int_equal(s->calls, 1);
	assert_int_equal(st.tried, 1);
	assert_int_equal(st.expired, 0);
	assert_int_equal(st.broken, 0);
	assert_int_equal(count(s), 0);
}

static time_t
one_hour(void *ctx, const struct queue_env *env)
{
	(void)ctx;
	(void)env;
	return 3600;
}

/* Mail waiting longer than delay_warning_of draws one warning to its
 * sender (Action: delayed), not before and not twice; none when NOTIFY
 * excludes DELAY. */
static void
test_delay_warning(void **state)
{
	static const char *const r[] = { "later@example.net" };
	struct spool *s = *state;
	struct runq_options o = options(T0);
	struct queue_entry ent;
	struct runq_stats st;
	struct err e = { 0 };
	char id[QUEUE_ID_MAX], *d;

	o.delay_warning_of = one_hour;
	enqueue(s, "alice@example.org", r, 1, T0, id);
	assert_int_equal(runq_run(&s->q, &o, fake_deliver, s, &st, &e), 0);
	assert_int_equal(count(s), 1);       /* deferred, no warning yet */
	o.now = T0 + 2 * 3600;
	assert_int_equal(runq_run(&s->q, &o, fake_deliver, s, &st, &e), 0);
	assert_int_equal(count(s), 2);       /* and the warning (deferred) */
	other_entry(s, id, &ent);
	assert_string_equal(ent.env.rcpts[0].addr, "alice@example.org");
	d = data_of(&ent);
	assert_non_null(strstr(d, "Action: delayed"));
	assert_non_null(strstr(d, "later@example.net"));
	free(d);
	queue_entry_free(&ent);
	assert_int_equal(queue_load(&s->q, id, 0, &ent, &e), 0);
	assert_int_equal(ent.env.warned, 1);
	queue_entry_free(&ent);
	o.now = T0 + 6 * 3600;
	o.flush = 1;
	o.only_id = id;
	assert_int_equal(runq_run(&s->q, &o, fake_deliver, s, &st, &e), 0);
	assert_int_equal(count(s), 2);       /* no second warning */
}

static void
test_delay_warning_notify(void **state)
{
	static const char *const r[] = { "later@example.net" };
	struct spool *s = *state;
	struct runq_options o = options(T0 + 2 * 3600);
	struct queue_env env = { 0 };
	struct runq_stats st;
	struct err e = { 0 };

	o.delay_warning_of = one_hour;
	queue_new_id(env.id);
	env.from = (char *)"alice@example.org";
	env.notify = (char *)"FAILURE";
	env.created = env.next_attempt = T0;
	env.rcpts = &(struct queue_rcpt){ (char *)r[0], 0, NULL };
	env.nrcpts = 1;
	assert_int_equal(queue_commit(&s->q, &env, spool_write_text, MSG, &e),
	                 0);
	assert_int_equal(runq_run(&s->q, &o, fake_deliver, s, &st, &e), 0);
	assert_int_equal(count(s), 1);
}

int
main(void)
{
#define SPOOL(t) cmocka_unit_test_setup_teardown(t, spool_setup, spool_teardown)
	const struct CMUnitTest tests[] = {
		SPOOL(test_all_delivered),
		SPOOL(test_temporary_kept),
		SPOOL(test_permanent_bounced),
		SPOOL(test_null_sender_notice),
		SPOOL(test_null_sender_no_postmaster),
		SPOOL(test_notify_without_failure),
		SPOOL(test_expired),
		SPOOL(test_engine_down),
		SPOOL(test_filters_and_locks),
		SPOOL(test_held_skipped),
		SPOOL(test_delay_warning),
		SPOOL(test_delay_warning_notify),
		SPOOL(test_entry_gone_meanwhile),
		SPOOL(test_hostile_reply_kept),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
