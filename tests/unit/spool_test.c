/* spool_test.c - unit tests for spool.h
 *
 * Owns: which directory an account queues in (queue_dir first; the
 *       system spool for root; else $XDG_STATE_HOME/dsmtp/queue when it
 *       is absolute, else ~/.local/state/dsmtp/queue), whether it queues
 *       (queue, on by default), and spool_open creating the missing
 *       directories above a user's spool with mode 0700.
 * Not:  the spool's contents (queue_test.c).
 *
 * The user's rules are only taken when the caller is not root, and the
 * tests run as root in CI: those cases run in a child that has become
 * TEST_UID and hands its result back through a pipe. Run as another user,
 * the child keeps that user, and the root-only case is skipped. */

#include <config.h>

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "spool.h"
#include "testconfig.h"
#include "xmalloc.h"

/* nobody on Debian */
#define TEST_UID 65534

static const char accounts_text[] =
	"defaults\n"
	"host mail.example.org\n"
	"account plain\n"
	"account custom\n"
	"queue_dir /srv/dsmtp-test/custom\n"
	"account noqueue\n"
	"queue off\n"
	"account yesqueue\n"
	"queue on\n";

struct fixture {
	struct config c;
	char dir[64]; /* a scratch directory, removed afterwards */
};

static const struct account *
account(const struct fixture *f, const char *name)
{
	const struct account *a = config_account(&f->c, name);

	if (a == NULL)
		fail_msg("no account %s", name);
	return a;
}

static int
setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));

	parse_ok(&f->c, accounts_text);
	strcpy(f->dir, "/tmp/dsmtp-spool-dir.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char *cmd = xasprintf("rm -rf '%s'", f->dir);

	assert_int_equal(system(cmd), 0);
	free(cmd);
	config_free(&f->c);
	free(f);
	return 0;
}

/* The uid the child runs as. */
static uid_t
user_uid(void)
{
	return getuid() == 0 ? TEST_UID : getuid();
}

static void
set_env(const char *name, const char *value)
{
	if (value != NULL)
		setenv(name, value, 1);
	else
		unsetenv(name);
}

/* What a child does as the user: writes its answer to fd. */
typedef void (*user_fn)(void *ctx, int fd);

static void
write_str(int fd, const char *s)
{
	size_t n = strlen(s);

	if (write(fd, s, n) != (ssize_t)n)
		_exit(3);
}

/* Run fn in a child that is not root (TEST_UID when we are root) with
 * XDG_STATE_HOME and HOME as given (NULL: unset); what it writes comes
 * back as the result. Caller frees. */
static char *
as_user(user_fn fn, void *ctx, const char *xdg, const char *home)
{
	char buf[4096];
	size_t len = 0;
	ssize_t n;
	int p[2], status;
	pid_t pid;

	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		if (getuid() == 0 &&
		    (setgroups(0, NULL) < 0 || setgid(TEST_UID) < 0 ||
		     setuid(TEST_UID) < 0))
			_exit(2);
		if (getuid() == 0 || geteuid() == 0)
			_exit(2);
		set_env("XDG_STATE_HOME", xdg);
		set_env("HOME", home);
		fn(ctx, p[1]);
		_exit(0);
	}
	close(p[1]);
	while ((n = read(p[0], buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)n;
	close(p[0]);
	buf[len] = '\0';
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	return xstrdup(buf);
}

static void
child_spool_dir(void *ctx, int fd)
{
	char *d = spool_dir(ctx);

	write_str(fd, d);
	free(d);
}

/* spool_dir(a) as the user, with these variables. */
static void
assert_user_dir(const struct account *a, const char *xdg, const char *home,
		const char *want)
{
	char *got = as_user(child_spool_dir, (void *)a, xdg, home);

	assert_string_equal(got, want);
	free(got);
}

/* -- spool_dir ----------------------------------------------------------- */

static void
test_queue_dir_wins(void **state)
{
	struct fixture *f = *state;
	const struct account *a = account(f, "custom");
	char *d = spool_dir(a);

	/* for whoever runs the tests (root in CI) */
	assert_string_equal(d, "/srv/dsmtp-test/custom");
	free(d);
	/* and for a user, whatever the state directory */
	assert_user_dir(a, "/tmp/xdg", "/home/u", "/srv/dsmtp-test/custom");
	assert_user_dir(a, NULL, NULL, "/srv/dsmtp-test/custom");
}

static void
test_root_system_spool(void **state)
{
	struct fixture *f = *state;
	char *d;

	if (getuid() != 0)
		skip();
	setenv("XDG_STATE_HOME", "/tmp/xdg", 1);
	setenv("HOME", "/home/u", 1);
	d = spool_dir(account(f, "plain"));
	assert_string_equal(d, SPOOL_SYSTEM_DIR);
	assert_string_equal(d, SPOOLDIR);
	free(d);
	d = spool_dir(&f->c.defaults);
	assert_string_equal(d, SPOOL_SYSTEM_DIR);
	free(d);
}

static void
test_user_xdg_state_home(void **state)
{
	struct fixture *f = *state;
	const struct account *a = account(f, "plain");

	assert_user_dir(a, "/tmp/xdg", "/home/u", "/tmp/xdg/dsmtp/queue");
	assert_user_dir(&f->c.defaults, "/tmp/xdg", NULL,
			"/tmp/xdg/dsmtp/queue");
}

/* The XDG spec: a relative (or empty) XDG_STATE_HOME is to be ignored. */
static void
test_user_relative_xdg_ignored(void **state)
{
	struct fixture *f = *state;
	const struct account *a = account(f, "plain");

	assert_user_dir(a, "state", "/home/u",
			"/home/u/.local/state/dsmtp/queue");
	assert_user_dir(a, "./state", "/home/u",
			"/home/u/.local/state/dsmtp/queue");
	assert_user_dir(a, "", "/home/u", "/home/u/.local/state/dsmtp/queue");
}

/* No usable HOME: the user's home from the password database. */
static void
test_user_home_fallback(void **state)
{
	struct fixture *f = *state;
	const struct account *a = account(f, "plain");
	struct passwd *pw = getpwuid(user_uid());
	char *want;

	assert_user_dir(a, NULL, "/home/u", "/home/u/.local/state/dsmtp/queue");
	if (pw == NULL)
		skip();
	want = xasprintf("%s/.local/state/dsmtp/queue", pw->pw_dir);
	assert_user_dir(a, NULL, NULL, want);
	assert_user_dir(a, NULL, "relative/home", want);
	assert_user_dir(a, NULL, "", want);
	free(want);
}

/* -- spool_wanted -------------------------------------------------------- */

static void
test_wanted(void **state)
{
	struct fixture *f = *state;
	struct config c;

	assert_int_equal(spool_wanted(account(f, "plain")), 1);
	assert_int_equal(spool_wanted(&f->c.defaults), 1);
	assert_int_equal(spool_wanted(account(f, "yesqueue")), 1);
	assert_int_equal(spool_wanted(account(f, "noqueue")), 0);
	/* inherited from the defaults, and set again per account */
	parse_ok(&c, "defaults\nqueue off\naccount a\nhost h\n"
		 "account b\nhost h\nqueue on\n");
	assert_int_equal(spool_wanted(&c.defaults), 0);
	assert_int_equal(spool_wanted(config_account(&c, "a")), 0);
	assert_int_equal(spool_wanted(config_account(&c, "b")), 1);
	config_free(&c);
}

/* -- spool_open ---------------------------------------------------------- */

static void
assert_dir_mode(const char *path, mode_t mode, uid_t uid)
{
	struct stat st;

	if (lstat(path, &st) != 0)
		fail_msg("%s: %s", path, strerror(errno));
	assert_true(S_ISDIR(st.st_mode));
	if ((st.st_mode & 07777) != mode)
		fail_msg("%s: mode %04o, not %04o", path,
			 (unsigned)(st.st_mode & 07777), (unsigned)mode);
	assert_int_equal(st.st_uid, uid);
}

static void
assert_missing(const char *path)
{
	struct stat st;

	assert_int_equal(lstat(path, &st), -1);
	assert_int_equal(errno, ENOENT);
}

static void
child_spool_open(void *ctx, int fd)
{
	struct queue q;
	struct err e = { 0 };

	if (spool_open(&q, ctx, &e) == 0) {
		write_str(fd, q.dir);
		queue_close(&q);
	} else {
		write_str(fd, "failed: ");
		write_str(fd, e.msg ? e.msg : "");
	}
}

/* A user's spool under a state directory that does not exist yet: every
 * missing directory made, 0700 and the user's; existing ones left. */
static void
test_open_user_makes_parents(void **state)
{
	struct fixture *f = *state;
	char *xdg = xasprintf("%s/state/deep", f->dir);
	char *want = xasprintf("%s/dsmtp/queue", xdg);
	char *got, *p;
	uid_t uid = user_uid();

	assert_int_equal(chmod(f->dir, 0755), 0);
	if (getuid() == 0)
		assert_int_equal(chown(f->dir, TEST_UID, TEST_UID), 0);
	assert_missing(want);
	got = as_user(child_spool_open, (void *)account(f, "plain"), xdg,
		      "/nonexistent");
	assert_string_equal(got, want);
	assert_dir_mode(f->dir, 0755, uid);
	p = xasprintf("%s/state", f->dir);
	assert_dir_mode(p, 0700, uid);
	free(p);
	assert_dir_mode(xdg, 0700, uid);
	p = xasprintf("%s/dsmtp", xdg);
	assert_dir_mode(p, 0700, uid);
	free(p);
	assert_dir_mode(want, 0700, uid);
	p = xasprintf("%s/entries", want);
	assert_dir_mode(p, 0700, uid);
	free(p);
	free(got);
	free(want);
	free(xdg);
}

/* A queue_dir's missing parents are made too; opening again is fine. */
static void
test_open_queue_dir(void **state)
{
	struct fixture *f = *state;
	char *want = xasprintf("%s/a/b/queue", f->dir);
	char *text = xasprintf("account q\nhost h\nqueue_dir %s\n", want);
	char *p = xasprintf("%s/a", f->dir);
	struct config c;
	struct queue q;
	struct err e = { 0 };
	int i;

	parse_ok(&c, text);
	for (i = 0; i < 2; i++) {
		if (spool_open(&q, config_account(&c, "q"), &e) != 0)
			fail_msg("spool_open: %s", e.msg ? e.msg : "");
		assert_string_equal(q.dir, want);
		assert_true(q.entries_fd >= 0);
		queue_close(&q);
	}
	assert_dir_mode(p, 0700, getuid());
	assert_dir_mode(want, 0700, getuid());
	config_free(&c);
	free(p);
	free(text);
	free(want);
}

/* A spool that cannot be made: ERR_CANTCREAT naming it. */
static void
test_open_fails(void **state)
{
	struct fixture *f = *state;
	char *file = xasprintf("%s/file", f->dir);
	char *text = xasprintf("account q\nhost h\nqueue_dir %s/queue\n", file);
	struct config c;
	struct queue q;
	struct err e = { 0 };
	FILE *fp = fopen(file, "w");

	assert_non_null(fp);
	fclose(fp);
	parse_ok(&c, text);
	assert_int_equal(spool_open(&q, config_account(&c, "q"), &e), -1);
	assert_int_equal(e.cls, ERR_CANTCREAT);
	assert_non_null(strstr(e.msg, file));
	err_clear(&e);
	config_free(&c);
	free(text);
	free(file);
}

int
main(void)
{
#define T(t) cmocka_unit_test_setup_teardown(t, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_queue_dir_wins),
		T(test_root_system_spool),
		T(test_user_xdg_state_home),
		T(test_user_relative_xdg_ignored),
		T(test_user_home_fallback),
		T(test_wanted),
		T(test_open_user_makes_parents),
		T(test_open_queue_dir),
		T(test_open_fails),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
