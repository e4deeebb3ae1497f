/* engine_test.c - unit tests for engine.h
 *
 * Owns: the account an entry names (named, gone, the default account,
 *       the defaults), reading a committed entry's message back from a
 *       real spool (fields, body, id, a lone dot kept, nothing of the end
 *       marker), the names bounces are written with, and the lifetime of
 *       an entry.
 * Not:  engine_deliver, which needs a real SMTP server: it is proven by
 *       tests/integration/queue.py. */

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

#include "addr.h"
#include "buf.h"
#include "engine.h"
#include "runq_policy.h"
#include "testconfig.h"
#include "testspool.h"
#include "xmalloc.h"

#define MSG "Subject: x\r\nFrom: a@example.org\r\n\r\nbody\r\n"

/* An envelope naming account (NULL: none). */
static struct queue_env
env_of(const char *account)
{
	struct queue_env env;

	memset(&env, 0, sizeof(env));
	env.account = (char *)account;
	return env;
}

/* -- engine_account ------------------------------------------------------ */

static const char two_accounts[] =
	"defaults\n"
	"host defaults.example.org\n"
	"account work\n"
	"host work.example.org\n"
	"account default\n"
	"host default.example.org\n";

static void
assert_account(const struct config *c, const char *name, const char *want)
{
	struct queue_env env = env_of(name);
	struct err e = { 0 };
	const struct account *a = engine_account(c, &env, &e);

	if (a == NULL)
		fail_msg("no account for %s: %s", name ? name : "(null)",
			 e.msg ? e.msg : "");
	assert_int_equal(e.cls, ERR_NONE);
	assert_string_equal(a->name, want);
	assert_ptr_equal(a, config_account(c, want));
}

/* No account; ERR_CONFIG with a text holding want. */
static void
assert_no_account(const struct config *c, const char *name, const char *want)
{
	struct queue_env env = env_of(name);
	struct err e = { 0 };

	assert_null(engine_account(c, &env, &e));
	assert_int_equal(e.cls, ERR_CONFIG);
	assert_non_null(e.msg);
	if (strstr(e.msg, want) == NULL)
		fail_msg("\"%s\" lacks \"%s\"", e.msg, want);
	err_clear(&e);
}

static void
test_account_named(void **state)
{
	struct config c;

	(void)state;
	parse_ok(&c, two_accounts);
	assert_account(&c, "work", "work");
	assert_string_equal(config_account(&c, "work")->val[CFG_HOST],
			    "work.example.org");
	assert_account(&c, "default", "default");
	config_free(&c);
}

static void
test_account_gone(void **state)
{
	struct config c;

	(void)state;
	parse_ok(&c, two_accounts);
	assert_no_account(&c, "home", "home");
	/* not the default account in its place */
	assert_no_account(&c, "Work", "Work");
	config_free(&c);
}

static void
test_account_default(void **state)
{
	struct config c;

	(void)state;
	parse_ok(&c, two_accounts);
	assert_account(&c, NULL, "default");
	assert_account(&c, "", "default");
	config_free(&c);
}

/* No account at all: the defaults when they name a host. */
static void
test_account_defaults(void **state)
{
	struct config c;
	struct queue_env env = env_of(NULL);
	struct err e = { 0 };

	(void)state;
	parse_ok(&c, "defaults\nhost only.example.org\n");
	assert_ptr_equal(engine_account(&c, &env, &e), &c.defaults);
	env.account = "";
	assert_ptr_equal(engine_account(&c, &env, &e), &c.defaults);
	assert_int_equal(e.cls, ERR_NONE);
	assert_no_account(&c, "work", "work");
	config_free(&c);

	/* defaults without a host are no account */
	parse_ok(&c, "defaults\nport 2525\n");
	assert_no_account(&c, NULL, "default");
	config_free(&c);

	/* accounts, none called default: the defaults are not used */
	parse_ok(&c, "defaults\nhost d.example.org\naccount work\nhost w\n");
	assert_no_account(&c, NULL, "default");
	assert_no_account(&c, "", "default");
	config_free(&c);
}

/* -- engine_read_message ------------------------------------------------- */

/* Commit text as a new entry and load it into ent. */
static void
commit_load(struct spool *s, const char *text, struct queue_entry *ent)
{
	struct queue_env env = { 0 };
	struct err e = { 0 };

	queue_new_id(env.id);
	env.from = xstrdup("a@example.org");
	env.uid = getuid();
	env.created = env.next_attempt = 1764547200;
	env.rcpts = xcalloc(1, sizeof(*env.rcpts));
	env.rcpts[0].addr = xstrdup("b@example.net");
	env.nrcpts = 1;
	if (queue_commit(&s->q, &env, spool_write_text, (void *)text, &e) != 0)
		fail_msg("queue_commit: %s", e.msg ? e.msg : "");
	if (queue_load(&s->q, env.id, 0, ent, &e) != 0)
		fail_msg("queue_load: %s", e.msg ? e.msg : "");
	assert_string_equal(ent->env.id, env.id);
	assert_int_equal(ent->data_size, strlen(text));
	queue_env_free(&env);
}

static void
read_back(const struct queue_entry *ent, struct message *m)
{
	struct err e = { 0 };

	memset(m, 0, sizeof(*m));
	if (engine_read_message(ent, m, &e) != 0)
		fail_msg("engine_read_message: %s", e.msg ? e.msg : "");
	assert_int_equal(e.cls, ERR_NONE);
}

static int
sink_buf(void *ctx, const char *p, size_t n)
{
	buf_append(ctx, p, n);
	return 0;
}

/* m's wire form, fields and body, is want byte for byte. */
static void
assert_wire(struct message *m, const char *want)
{
	struct buf w = { 0 };
	struct err e = { 0 };

	assert_int_equal(message_emit(m, 0, NULL, sink_buf, &w, &e), 0);
	assert_string_equal(buf_cstr(&w), want);
	assert_int_equal(w.len, strlen(want));
	buf_free(&w);
}

static void
test_read_message(void **state)
{
	struct spool *s = *state;
	struct queue_entry ent;
	struct message m;
	const char *v;
	size_t n;
	char *from;

	commit_load(s, MSG, &ent);
	read_back(&ent, &m);
	assert_int_equal(m.nfields, 2);
	assert_int_equal(message_find(&m, "Subject", 0), 0);
	v = message_value(&m, 0, &n);
	assert_int_equal(n, 4);
	assert_memory_equal(v, " x\r\n", 4);
	assert_int_equal(message_find(&m, "From", 0), 1);
	from = message_from_addr(&m);
	assert_string_equal(from, "a@example.org");
	free(from);
	/* the message bytes only: nothing of the end marker after them */
	assert_int_equal(m.body_size, strlen("body\r\n"));
	assert_wire(&m, MSG);
	assert_string_equal(m.id, ent.env.id);
	message_free(&m);
	queue_entry_free(&ent);
}

/* Read twice from one loaded entry: each read starts at the data. */
static void
test_read_message_twice(void **state)
{
	struct spool *s = *state;
	struct queue_entry ent;
	struct message m;
	int i;

	commit_load(s, MSG, &ent);
	for (i = 0; i < 2; i++) {
		read_back(&ent, &m);
		assert_int_equal(m.nfields, 2);
		assert_wire(&m, MSG);
		message_free(&m);
	}
	queue_entry_free(&ent);
}

/* A lone "." in the stored message is a body line, not the end. */
static void
test_read_message_lone_dot(void **state)
{
	static const char text[] = "Subject: dots\r\n\r\nbefore\r\n.\r\n"
				   "..two\r\nafter\r\n";
	struct spool *s = *state;
	struct queue_entry ent;
	struct message m;

	commit_load(s, text, &ent);
	read_back(&ent, &m);
	assert_int_equal(m.nfields, 1);
	assert_int_equal(m.body_size, strlen("before\r\n.\r\n..two\r\n"
					     "after\r\n"));
	assert_wire(&m, text);
	message_free(&m);
	queue_entry_free(&ent);
}

/* An entry whose file cannot be read: ERR_IO naming the entry. */
static void
test_read_message_bad_fd(void **state)
{
	struct queue_entry ent;
	struct message m;
	struct err e = { 0 };

	(void)state;
	memset(&ent, 0, sizeof(ent));
	strcpy(ent.env.id, "0693A1B2C3D4E5F6AB");
	ent.fd = -1;
	ent.data_size = 10;
	memset(&m, 0, sizeof(m));
	assert_int_equal(engine_read_message(&ent, &m, &e), -1);
	assert_int_equal(e.cls, ERR_IO);
	assert_non_null(strstr(e.msg, "0693A1B2C3D4E5F6AB"));
	assert_int_equal(m.body_fd, -1);
	err_clear(&e);
}

/* -- engine_names -------------------------------------------------------- */

static void
assert_names(const char *text, const char *mta, const char *postmaster)
{
	struct config c;
	struct engine_names n;

	parse_ok(&c, text);
	engine_names(config_account(&c, "a"), &n);
	assert_string_equal(n.mta, mta);
	assert_string_equal(n.postmaster, postmaster);
	engine_names_free(&n);
	assert_null(n.mta);
	assert_null(n.postmaster);
	config_free(&c);
}

static void
test_names(void **state)
{
	char *host = addr_default_domain();
	char *pm = xasprintf("MAILER-DAEMON@%s", host);

	(void)state;
	assert_names("account a\nhost h\ndomain relay.example.org\n"
		     "qualify_domain example.org\n",
		     "relay.example.org", "MAILER-DAEMON@example.org");
	assert_names("account a\nhost h\nqualify_domain example.org\n",
		     "example.org", "MAILER-DAEMON@example.org");
	/* an empty domain is no domain */
	assert_names("account a\nhost h\ndomain\nqualify_domain q.example\n",
		     "q.example", "MAILER-DAEMON@q.example");
	/* neither: this host's name */
	assert_names("account a\nhost h\n", host, pm);
	assert_names("account a\nhost h\ndomain relay.example.org\n",
		     "relay.example.org", pm);
	free(pm);
	free(host);
}

/* -- engine_lifetime ----------------------------------------------------- */

static long
lifetime(struct config *c, const char *account)
{
	struct queue_env env = env_of(account);

	return (long)engine_lifetime(c, &env);
}

static void
test_lifetime(void **state)
{
	struct config c;

	(void)state;
	parse_ok(&c, "defaults\nhost h\nqueue_lifetime 2d\n"
		 "account short\nqueue_lifetime 90m\n"
		 "account inherits\n"
		 "account default\nqueue_lifetime 3h\n");
	assert_int_equal(lifetime(&c, "short"), 90 * 60);
	assert_int_equal(lifetime(&c, "inherits"), 2 * 86400);
	assert_int_equal(lifetime(&c, NULL), 3 * 3600);
	assert_int_equal(lifetime(&c, ""), 3 * 3600);
	/* the account is gone: the defaults' */
	assert_int_equal(lifetime(&c, "gone"), 2 * 86400);
	config_free(&c);
}

static void
test_lifetime_unset(void **state)
{
	struct config c;

	(void)state;
	assert_int_equal(RUNQ_DEFAULT_LIFETIME, 5 * 86400);
	parse_ok(&c, "account a\nhost h\n");
	assert_int_equal(lifetime(&c, "a"), 5 * 86400);
	assert_int_equal(lifetime(&c, "gone"), 5 * 86400);
	assert_int_equal(lifetime(&c, NULL), 5 * 86400);
	config_free(&c);
	parse_ok(&c, "defaults\nhost h\n");
	assert_int_equal(lifetime(&c, NULL), 5 * 86400);
	config_free(&c);
	/* a lifetime of 0 (which the parser accepts) is taken as unset */
	parse_ok(&c, "account a\nhost h\nqueue_lifetime 0\n");
	assert_int_equal(lifetime(&c, "a"), 5 * 86400);
	config_free(&c);
}

int
main(void)
{
#define SPOOL(t) cmocka_unit_test_setup_teardown(t, spool_setup, spool_teardown)
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_account_named),
		cmocka_unit_test(test_account_gone),
		cmocka_unit_test(test_account_default),
		cmocka_unit_test(test_account_defaults),
		SPOOL(test_read_message),
		SPOOL(test_read_message_twice),
		SPOOL(test_read_message_lone_dot),
		cmocka_unit_test(test_read_message_bad_fd),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_lifetime),
		cmocka_unit_test(test_lifetime_unset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
