/* queue_test.c - unit tests for queue.h
 *
 * Owns: the envelope format (round trip, every refusal of the parser),
 *       commit and load in a real spool directory, the end marker against
 *       torn, truncated and foreign files, quarantine of symbolic links
 *       and FIFOs, locks, rewriting after a partial delivery, id
 *       collisions, listing and removal.
 * Not:  delivery or retry policy. */

#include <config.h>

#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "queue.h"
#include "testspool.h"
#include "xmalloc.h"

#define ID1 "0693A1B2C3D4E5F6AB"
#define BODY "Subject: hi\r\n\r\nbody\r\nend 5 " ID1 "\r\n"

/* -- fixtures ------------------------------------------------------------ */

static void
env_fill(struct queue_env *env, const char *id, size_t nrcpts)
{
	size_t i;

	memset(env, 0, sizeof(*env));
	strcpy(env->id, id);
	env->uid = 1000;
	env->account = xstrdup("work");
	env->from = xstrdup("alice@example.org");
	env->notify = xstrdup("FAILURE,DELAY");
	env->ret = xstrdup("HDRS");
	env->envid = xstrdup("QQ314159");
	env->created = 1764547200;
	env->next_attempt = 1764547260;
	env->attempts = 1;
	env->rcpts = xcalloc(nrcpts, sizeof(*env->rcpts));
	env->nrcpts = nrcpts;
	for (i = 0; i < nrcpts; i++)
		env->rcpts[i].addr = xasprintf("rcpt%zu@example.net", i);
}

static int
write_fails(void *ctx, int fd, struct err *e)
{
	(void)ctx;
	assert_int_equal(write(fd, "partial", 7), 7);
	err_set(e, ERR_IO, "the writer failed");
	return -1;
}

/* How many names a spool subdirectory holds. */
static int
count_files(const struct spool *s, const char *sub)
{
	char *cmd = xasprintf("ls -A '%s/%s'", s->dir, sub);
	int n = 0;
	FILE *p;
	char line[256];

	p = popen(cmd, "r");
	assert_non_null(p);
	while (fgets(line, sizeof(line), p) != NULL)
		n++;
	pclose(p);
	free(cmd);
	return n;
}

static char *
entry_path(const struct spool *s, const char *sub, const char *id)
{
	return xasprintf("%s/%s/%s", s->dir, sub, id);
}

static void
commit_one(struct spool *s, const char *id, const char *body)
{
	struct queue_env env;
	struct err e = { 0 };

	env_fill(&env, id, 3);
	assert_int_equal(queue_commit(&s->q, &env, spool_write_text,
				      (void *)body, &e), 0);
	assert_string_equal(env.id, id);
	queue_env_free(&env);
}

static void
assert_data(const struct queue_entry *ent, const char *want)
{
	char *got = xmalloc((size_t)ent->data_size + 1);

	assert_int_equal(ent->data_size, strlen(want));
	assert_int_equal(pread(ent->fd, got, (size_t)ent->data_size,
			       ent->data_offset), ent->data_size);
	got[ent->data_size] = '\0';
	assert_string_equal(got, want);
	free(got);
}

/* -- the envelope format ------------------------------------------------- */

static void
test_format_round_trip(void **state)
{
	struct queue_env env, back;
	struct err e = { 0 };
	char *text;
	size_t len;

	(void)state;
	env_fill(&env, ID1, 3);
	env.rcpts[1].state = QUEUE_RCPT_DONE;
	env.rcpts[2].state = QUEUE_RCPT_BOUNCED;
	env.rcpts[2].reply = xstrdup("550 5.1.1 no such user");
	env.held = 1;
	env.dsn = 2;
	assert_int_equal(queue_format_env(&env, &text, &len, &e), 0);
	assert_int_equal(memcmp(text + QUEUE_ID_OFFSET, ID1, strlen(ID1)), 0);
	assert_int_equal(queue_parse_env(text, len, &back, &e), (ssize_t)len);
	assert_string_equal(back.id, ID1);
	assert_int_equal(back.uid, 1000);
	assert_string_equal(back.account, "work");
	assert_string_equal(back.from, "alice@example.org");
	assert_string_equal(back.notify, "FAILURE,DELAY");
	assert_string_equal(back.ret, "HDRS");
	assert_string_equal(back.envid, "QQ314159");
	assert_int_equal(back.created, 1764547200);
	assert_int_equal(back.next_attempt, 1764547260);
	assert_int_equal(back.attempts, 1);
	assert_int_equal(back.held, 1);
	assert_int_equal(back.dsn, 2);
	/* The recipient that is done is not kept. */
	assert_int_equal(back.nrcpts, 2);
	assert_string_equal(back.rcpts[0].addr, "rcpt0@example.net");
	assert_int_equal(back.rcpts[0].state, QUEUE_RCPT_PENDING);
	assert_null(back.rcpts[0].reply);
	assert_string_equal(back.rcpts[1].addr, "rcpt2@example.net");
	assert_int_equal(back.rcpts[1].state, QUEUE_RCPT_BOUNCED);
	assert_string_equal(back.rcpts[1].reply, "550 5.1.1 no such user");
	free(text);
	queue_env_free(&env);
	queue_env_free(&back);
}

static void
test_format_null_sender(void **state)
{
	struct queue_env env, back;
	struct err e = { 0 };
	char *text;
	size_t len;

	(void)state;
	env_fill(&env, ID1, 1);
	env.from[0] = '\0';
	free(env.account);
	env.account = NULL;
	assert_int_equal(queue_format_env(&env, &text, &len, &e), 0);
	assert_int_equal(queue_parse_env(text, len, &back, &e), (ssize_t)len);
	assert_string_equal(back.from, "");
	assert_null(back.account);
	free(text);
	queue_env_free(&env);
	queue_env_free(&back);
}

/* A field that would add a record, or bytes a terminal would obey. */
static void
test_format_refuses_control_chars(void **state)
{
	static const char *const bad[] = {
		"a@example.org\nrcpt pending victim@example.net",
		"a@example.org\rx", "a\tb@example.org", "a\x1b[2J@example.org",
		"a\x7f@example.org", "evil\xc2\x9b" "2J@example.org",
		"x\xc2\x80@example.org",
	};
	struct queue_env env;
	struct err e = { 0 };
	char *text = NULL;
	size_t len, i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		env_fill(&env, ID1, 2);
		free(env.rcpts[1].addr);
		env.rcpts[1].addr = xstrdup(bad[i]);
		assert_int_equal(queue_format_env(&env, &text, &len, &e), -1);
		assert_int_equal(e.cls, ERR_DATA);
		free(env.from);
		env.from = xstrdup(bad[i]);
		env.rcpts[1].addr[0] = 'x';
		assert_int_equal(queue_format_env(&env, &text, &len, &e), -1);
		queue_env_free(&env);
		err_clear(&e);
	}
}

static void
test_format_refuses_empty_envelopes(void **state)
{
	struct queue_env env;
	struct err e = { 0 };
	char *text = NULL;
	size_t len;

	(void)state;
	env_fill(&env, ID1, 1);
	env.rcpts[0].state = QUEUE_RCPT_DONE;   /* nothing left to keep */
	assert_int_equal(queue_format_env(&env, &text, &len, &e), -1);
	env.rcpts[0].state = QUEUE_RCPT_PENDING;
	strcpy(env.id, "short");
	assert_int_equal(queue_format_env(&env, &text, &len, &e), -1);
	strcpy(env.id, "lower0case1id");
	assert_int_equal(queue_format_env(&env, &text, &len, &e), -1);
	queue_env_free(&env);
	err_clear(&e);
}

static const char good_head[] =
	"dsmtp-queue 1\nid " ID1 "\nuid 1000\ncreated 1\nattempts 0\n"
	"next 2\nfrom a@example.org\n";

/* good_head + tail parses (1) or not (0). */
static int
parses(const char *tail)
{
	char *text = xasprintf("%s%s", good_head, tail);
	struct queue_env env;
	struct err e = { 0 };
	ssize_t n = queue_parse_env(text, strlen(text), &env, &e);

	free(text);
	queue_env_free(&env);
	err_clear(&e);
	return n > 0;
}

static void
test_parse_refusals(void **state)
{
	(void)state;
	assert_true(parses("rcpt pending b@example.net\ndata\n"));
	assert_true(parses("rcpt bounced b@x\nreply 550 no\ndata\nbytes"));
	assert_false(parses("data\n"));                       /* no rcpt */
	assert_false(parses("rcpt pending b@example.net\n")); /* no data */
	assert_false(parses("rcpt done b@example.net\ndata\n"));
	assert_false(parses("rcpt pending\ndata\n"));
	assert_false(parses("reply 250 ok\nrcpt pending b@x\ndata\n"));
	assert_false(parses("rcpt pending b@x\nreply a\nreply b\ndata\n"));
	assert_false(parses("rcpt pending b@x\nfrom c@x\ndata\n"));
	assert_false(parses("rcpt pending b@x\nuid 5\ndata\n"));
	assert_false(parses("rcpt pending b@x\nexec /bin/sh\ndata\n"));
	assert_false(parses("rcpt pending b@x\nnoblank\ndata\n"));
	assert_false(parses("rcpt pending b@x\rrcpt pending c@x\ndata\n"));
	assert_false(parses("rcpt pending b@x\nDATA\n"));
}

static void
test_parse_numbers(void **state)
{
	static const char *const bad[] = {
		"uid 01", "uid -1", "uid 99999999999", "uid 4294967295",
		"created 99999999999999999999", "attempts 1000001",
		"attempts 1x", "next ", "uid", "held 0", "held 2", "held 1\nheld 1",
		"dsn 0", "dsn 3", "dsn x",
	};
	char *text;
	struct queue_env env;
	struct err e = { 0 };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		text = xasprintf("dsmtp-queue 1\nid " ID1 "\n%s\ncreated 1\n"
				 "attempts 0\nnext 2\nfrom a@x\nrcpt pending "
				 "b@x\ndata\n", bad[i]);
		assert_int_equal(queue_parse_env(text, strlen(text), &env, &e),
				 -1);
		free(text);
		err_clear(&e);
	}
}

static void
test_parse_magic_and_truncation(void **state)
{
	static const char whole[] =
		"dsmtp-queue 1\nid " ID1 "\nuid 0\ncreated 1\nattempts 0\n"
		"next 2\nfrom a@x\nrcpt pending b@x\ndata\n";
	struct queue_env env;
	struct err e = { 0 };
	size_t n;

	(void)state;
	assert_int_equal(queue_parse_env(whole, sizeof(whole) - 1, &env, &e),
			 (ssize_t)(sizeof(whole) - 1));
	queue_env_free(&env);
	for (n = 0; n < sizeof(whole) - 1; n++)
		assert_int_equal(queue_parse_env(whole, n, &env, &e), -1);
	assert_int_equal(queue_parse_env("dsmtp-queue 2\n", 14, &env, &e), -1);
	assert_int_equal(queue_parse_env("From a@x\n", 9, &env, &e), -1);
	err_clear(&e);
}

/* -- the spool ------------------------------------------------------------- */

static void
test_commit_and_load(void **state)
{
	struct spool *s = *state;
	struct queue_entry ent;
	struct err e = { 0 };
	struct stat st;
	char *path;

	commit_one(s, ID1, BODY);
	assert_int_equal(count_files(s, "tmp"), 0);
	path = entry_path(s, "entries", ID1);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(queue_load(&s->q, ID1, 1, &ent, &e), 0);
	assert_int_equal(ent.env.nrcpts, 3);
	assert_string_equal(ent.env.from, "alice@example.org");
	/* The data holds a line like the end marker: only the last counts. */
	assert_data(&ent, BODY);
	queue_entry_free(&ent);
	free(path);
}

static void
test_commit_refuses_bad_envelope(void **state)
{
	struct spool *s = *state;
	struct queue_env env;
	struct err e = { 0 };

	env_fill(&env, ID1, 1);
	free(env.from);
	env.from = xstrdup("a@example.org> RET=HDRS\r\nRCPT TO:<v@x>");
	assert_int_equal(queue_commit(&s->q, &env, spool_write_text, BODY, &e),
			 -1);
	assert_int_equal(e.cls, ERR_DATA);
	assert_int_equal(count_files(s, "tmp"), 0);
	assert_int_equal(count_files(s, "entries"), 0);
	queue_env_free(&env);
	err_clear(&e);
}

static void
test_commit_writer_fails(void **state)
{
	struct spool *s = *state;
	struct queue_env env;
	struct err e = { 0 };

	env_fill(&env, ID1, 1);
	assert_int_equal(queue_commit(&s->q, &env, write_fails, NULL, &e), -1);
	assert_string_equal(e.msg, "the writer failed");
	assert_int_equal(count_files(s, "tmp"), 0);
	assert_int_equal(count_files(s, "entries"), 0);
	queue_env_free(&env);
	err_clear(&e);
}

/* Cut an entry at every length: never loaded, always moved aside. */
static void
test_torn_entries_quarantined(void **state)
{
	struct spool *s = *state;
	struct queue_entry ent;
	struct err e = { 0 };
	char *path = entry_path(s, "entries", ID1);
	char *qpath = entry_path(s, "quarantine", ID1);
	struct stat st;
	off_t size, cut;

	commit_one(s, ID1, BODY);
	assert_int_equal(stat(path, &st), 0);
	size = st.st_size;
	for (cut = size - 1; cut >= 0; cut -= 7) {
		unlink(qpath);
		unlink(path);
		commit_one(s, ID1, BODY);
		assert_int_equal(truncate(path, cut), 0);
		assert_int_equal(queue_load(&s->q, ID1, 1, &ent, &e), -1);
		assert_int_equal(e.cls, ERR_DATA);
		assert_non_null(strstr(e.msg, "quarantine"));
		assert_int_equal(access(path, F_OK), -1);
		assert_int_equal(access(qpath, F_OK), 0);
		err_clear(&e);
	}
	free(path);
	free(qpath);
}

static void
test_foreign_files_quarantined(void **state)
{
	struct spool *s = *state;
	struct queue_entry ent;
	struct err e = { 0 };
	char *path = entry_path(s, "entries", "0000FOREIGN1");
	char *link = entry_path(s, "entries", "0000SYMLINK1");
	char *fifo = entry_path(s, "entries", "0000AFIFO001");
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs("From alice Mon Jan  1 00:00:00 2026\nSubject: x\n\nhi\n", f);
	fclose(f);
	assert_int_equal(symlink("/etc/passwd", link), 0);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	/* A reader without the lock (mailq) refuses it but moves nothing:
	 * a runner may be rewriting that name. */
	assert_int_equal(queue_load(&s->q, "0000FOREIGN1", 0, &ent, &e), -1);
	assert_int_equal(e.cls, ERR_DATA);
	err_clear(&e);
	assert_int_equal(count_files(s, "quarantine"), 0);
	assert_int_equal(queue_load(&s->q, "0000FOREIGN1", 1, &ent, &e), -1);
	assert_int_equal(e.cls, ERR_DATA);
	assert_int_equal(queue_load(&s->q, "0000SYMLINK1", 1, &ent, &e), -1);
	assert_int_equal(e.cls, ERR_DATA);
	assert_int_equal(queue_load(&s->q, "0000AFIFO001", 1, &ent, &e), -1);
	assert_int_equal(e.cls, ERR_DATA);
	assert_int_equal(count_files(s, "entries"), 0);
	assert_int_equal(count_files(s, "quarantine"), 3);
	/* A name that is not an id is not even opened. */
	assert_int_equal(queue_load(&s->q, "../../etc/passwd", 0, &ent, &e),
			 -1);
	assert_int_equal(e.cls, ERR_USAGE);
	err_clear(&e);
	free(path);
	free(link);
	free(fifo);
}

/* An entry renamed to another id is not that message. */
static void
test_renamed_entry_quarantined(void **state)
{
	struct spool *s = *state;
	struct queue_entry ent;
	struct err e = { 0 };
	char *from = entry_path(s, "entries", ID1);
	char *to = entry_path(s, "entries", "0693A1B2C3D4E5F6AC");

	commit_one(s, ID1, BODY);
	assert_int_equal(rename(from, to), 0);
	assert_int_equal(queue_load(&s->q, "0693A1B2C3D4E5F6AC", 1, &ent, &e),
			 -1);
	assert_non_null(strstr(e.msg, "id"));
	err_clear(&e);
	free(from);
	free(to);
}

static void
test_lock_excludes_second_runner(void **state)
{
	struct spool *s = *state;
	struct queue_entry a, b;
	struct err e = { 0 };

	commit_one(s, ID1, BODY);
	assert_int_equal(queue_load(&s->q, ID1, 1, &a, &e), 0);
	assert_int_equal(queue_load(&s->q, ID1, 1, &b, &e), 1);
	/* Reading without the lock is allowed (mailq). */
	assert_int_equal(queue_load(&s->q, ID1, 0, &b, &e), 0);
	queue_entry_free(&b);
	queue_entry_free(&a);
	assert_int_equal(queue_load(&s->q, ID1, 1, &b, &e), 0);
	queue_entry_free(&b);
}

static void
test_update_keeps_data_and_lock(void **state)
{
	struct spool *s = *state;
	struct queue_entry ent, other;
	struct err e = { 0 };

	commit_one(s, ID1, BODY);
	assert_int_equal(queue_load(&s->q, ID1, 1, &ent, &e), 0);
	ent.env.rcpts[0].state = QUEUE_RCPT_DONE;
	ent.env.rcpts[2].reply = xstrdup("451 4.7.1 greylisted");
	ent.env.attempts = 2;
	ent.env.next_attempt = 1764547500;
	assert_int_equal(queue_update(&s->q, &ent, &e), 0);
	assert_int_equal(count_files(s, "tmp"), 0);
	assert_data(&ent, BODY);
	assert_int_equal(queue_load(&s->q, ID1, 1, &other, &e), 1);
	queue_entry_free(&ent);
	assert_int_equal(queue_load(&s->q, ID1, 1, &ent, &e), 0);
	assert_int_equal(ent.env.nrcpts, 2);
	assert_string_equal(ent.env.rcpts[0].addr, "rcpt1@example.net");
	assert_string_equal(ent.env.rcpts[1].reply, "451 4.7.1 greylisted");
	assert_int_equal(ent.env.attempts, 2);
	assert_int_equal(ent.env.next_attempt, 1764547500);
	assert_data(&ent, BODY);
	assert_int_equal(queue_remove(&s->q, &ent, &e), 0);
	queue_entry_free(&ent);
	assert_int_equal(count_files(s, "entries"), 0);
}

static void
test_id_collision(void **state)
{
	struct spool *s = *state;
	struct queue_env env;
	struct queue_entry ent;
	struct err e = { 0 };
	char **ids;
	size_t n, i;

	commit_one(s, ID1, BODY);
	env_fill(&env, ID1, 1);
	assert_int_equal(queue_commit(&s->q, &env, spool_write_text,
				      "other\r\n", &e), 0);
	assert_string_not_equal(env.id, ID1);
	assert_int_equal(strncmp(env.id, ID1, strlen(ID1) - 2), 0);
	assert_int_equal(queue_load(&s->q, env.id, 1, &ent, &e), 0);
	assert_string_equal(ent.env.id, env.id);
	assert_data(&ent, "other\r\n");
	queue_entry_free(&ent);
	assert_int_equal(queue_list(&s->q, &ids, &n, &e), 0);
	assert_int_equal(n, 2);
	assert_true(strcmp(ids[0], ids[1]) < 0);
	for (i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
	queue_env_free(&env);
}

static void
test_list_skips_other_names(void **state)
{
	struct spool *s = *state;
	struct err e = { 0 };
	char *junk = entry_path(s, "entries", ".hidden");
	char **ids;
	size_t n;
	FILE *f;

	commit_one(s, "0693A1B2C3D4E5F7", BODY);
	commit_one(s, "0693A1B2C3D4E5F6", BODY);
	f = fopen(junk, "w");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(queue_list(&s->q, &ids, &n, &e), 0);
	assert_int_equal(n, 2);
	assert_string_equal(ids[0], "0693A1B2C3D4E5F6");
	assert_string_equal(ids[1], "0693A1B2C3D4E5F7");
	free(ids[0]);
	free(ids[1]);
	free(ids);
	free(junk);
}

/* A temporary that a dead writer left goes; a live writer's (locked)
 * and a fresh one stay. */
static void
test_sweep_tmp(void **state)
{
	struct spool *s = *state;
	struct timespec old[2] = { { 1000, 0 }, { 1000, 0 } };
	int dead, live, fresh, lockfd;

	dead = openat(s->q.tmp_fd, "tdead", O_RDWR | O_CREAT, 0600);
	live = openat(s->q.tmp_fd, "tlive", O_RDWR | O_CREAT, 0600);
	fresh = openat(s->q.tmp_fd, "tfresh", O_RDWR | O_CREAT, 0600);
	assert_true(dead >= 0 && live >= 0 && fresh >= 0);
	assert_int_equal(futimens(dead, old), 0);
	assert_int_equal(futimens(live, old), 0);
	lockfd = openat(s->q.tmp_fd, "tlive", O_RDONLY);
	assert_int_equal(flock(lockfd, LOCK_EX), 0);
	close(dead);
	close(live);
	close(fresh);
	assert_int_equal(queue_sweep_tmp(&s->q, 1000 + QUEUE_TMP_STALE + 1),
	                 1);
	assert_int_equal(faccessat(s->q.tmp_fd, "tdead", F_OK, 0), -1);
	assert_int_equal(faccessat(s->q.tmp_fd, "tlive", F_OK, 0), 0);
	assert_int_equal(faccessat(s->q.tmp_fd, "tfresh", F_OK, 0), 0);
	/* Once its writer is gone, the locked one goes too. */
	close(lockfd);
	assert_int_equal(queue_sweep_tmp(&s->q, 1000 + QUEUE_TMP_STALE + 1),
	                 1);
}

/* Many recipients with long last errors: the rewrite after a partial
 * delivery still fits (replies are cut, then left out), so the delivered
 * recipients leave the entry and never get the message again. */
static void
test_update_many_long_replies(void **state)
{
	struct spool *s = *state;
	struct queue_env env = { 0 };
	struct queue_entry ent;
	struct err e = { 0 };
	char *reply = xmalloc(1001);
	size_t i, n = 5000;

	memset(reply, 'r', 1000);
	memcpy(reply, "451 ", 4);
	reply[1000] = '\0';
	queue_new_id(env.id);
	env.from = (char *)"alice@example.org";
	env.rcpts = xcalloc(n, sizeof(*env.rcpts));
	env.nrcpts = n;
	for (i = 0; i < n; i++)
		env.rcpts[i].addr = xasprintf("rcpt%zu@example.net", i);
	assert_int_equal(queue_commit(&s->q, &env, spool_write_text, BODY, &e),
			 0);
	assert_int_equal(queue_load(&s->q, env.id, 1, &ent, &e), 0);
	ent.env.rcpts[0].state = QUEUE_RCPT_DONE;
	for (i = 1; i < n; i++)
		ent.env.rcpts[i].reply = xstrdup(reply);
	assert_int_equal(queue_update(&s->q, &ent, &e), 0);
	queue_entry_free(&ent);
	assert_int_equal(queue_load(&s->q, env.id, 0, &ent, &e), 0);
	assert_int_equal(ent.env.nrcpts, n - 1);
	assert_string_equal(ent.env.rcpts[0].addr, "rcpt1@example.net");
	queue_entry_free(&ent);
	for (i = 0; i < n; i++)
		free(env.rcpts[i].addr);
	free(env.rcpts);
	free(reply);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_round_trip),
		cmocka_unit_test(test_format_null_sender),
		cmocka_unit_test(test_format_refuses_control_chars),
		cmocka_unit_test(test_format_refuses_empty_envelopes),
		cmocka_unit_test(test_parse_refusals),
		cmocka_unit_test(test_parse_numbers),
		cmocka_unit_test(test_parse_magic_and_truncation),
#define SPOOL(t) cmocka_unit_test_setup_teardown(t, spool_setup, spool_teardown)
		SPOOL(test_commit_and_load),
		SPOOL(test_sweep_tmp),
		SPOOL(test_update_many_long_replies),
		SPOOL(test_commit_refuses_bad_envelope),
		SPOOL(test_commit_writer_fails),
		SPOOL(test_torn_entries_quarantined),
		SPOOL(test_foreign_files_quarantined),
		SPOOL(test_renamed_entry_quarantined),
		SPOOL(test_lock_excludes_second_runner),
		SPOOL(test_update_keeps_data_and_lock),
		SPOOL(test_id_collision),
		SPOOL(test_list_skips_other_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
