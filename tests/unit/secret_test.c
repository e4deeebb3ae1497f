/* secret_test.c - unit tests for secret.h
 *
 * Owns: netrc lookup (machine, login, password, default, quoted tokens,
 *       several entries), passwordeval (first line, with and without a
 *       shell, failures with their error output), the order of the
 *       password sources, storing into the keyring through the helper
 *       (a fake one, or none).
 * Not:  libsecret itself (the dsmtp-keyring helper), config syntax
 *       (config_test.c). */

#include <config.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "buf.h"
#include "err.h"
#include "secret.h"
#include "xmalloc.h"
/* tests/unit sees autoconf's config.h first. */
#include "../../src/config.h"
#include "testclock.h"

static char tmpdir[64];
static char *saved_home, *saved_dbus;

static char *
save_env(const char *name)
{
	const char *v = getenv(name);

	return v ? xstrdup(v) : NULL;
}

static void
restore_env(const char *name, char *v)
{
	if (v != NULL)
		setenv(name, v, 1);
	else
		unsetenv(name);
	free(v);
}

/* Use path (copied) as the keyring helper. */
static void
set_helper(const char *path)
{
	static char helper[128];

	snprintf(helper, sizeof(helper), "%s", path);
	secret_set_helper(helper);
}

static int
setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/secret_test.XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	saved_home = save_env("HOME");
	saved_dbus = save_env("DBUS_SESSION_BUS_ADDRESS");
	/* No real keyring is asked, whatever the session has. */
	unsetenv("DBUS_SESSION_BUS_ADDRESS");
	set_helper("/nonexistent/dsmtp-keyring");
	setenv("HOME", tmpdir, 1);
	return 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	restore_env("HOME", saved_home);
	restore_env("DBUS_SESSION_BUS_ADDRESS", saved_dbus);
	secret_set_helper(NULL);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static const char *
tmp_path(const char *name)
{
	static char path[128];

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	return path;
}

static void
write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f;

	unlink(path);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, mode), 0);
}

/* Look host/user up in a netrc holding text; want NULL for no match. */
static void
check_netrc(const char *text, const char *host, const char *user,
	    const char *want)
{
	const char *path = tmp_path("netrc");
	char *got;

	int ok;

	write_file(path, text, 0600);
	got = secret_netrc(path, host, user);
	ok = want == NULL ? got == NULL
			  : got != NULL && strcmp(got, want) == 0;
	if (!ok)
		fprintf(stderr, "%s/%s: got %s%s%s, want %s%s%s\n", host,
			user ? user : "-", got ? "\"" : "", got ? got : "none",
			got ? "\"" : "", want ? "\"" : "", want ? want : "none",
			want ? "\"" : "");
	xfree_secret(got);
	assert_true(ok);
}

/* ---- netrc ---- */

static void
test_netrc_basic(void **state)
{
	const char *t = "machine mail.example.com login tim password s3cret\n";

	(void)state;
	check_netrc(t, "mail.example.com", "tim", "s3cret");
	check_netrc(t, "mail.example.com", NULL, "s3cret");
	/* Host names compare without case; logins exactly. */
	check_netrc(t, "MAIL.Example.COM", "tim", "s3cret");
	check_netrc(t, "mail.example.com", "Tim", NULL);
	check_netrc(t, "other.example.com", "tim", NULL);
	check_netrc(t, "mail.example", "tim", NULL);
	/* Tokens across lines and tabs, password before login. */
	check_netrc("machine\tmail.example.com\n\tpassword  s3cret\n"
		    "\tlogin tim\n", "mail.example.com", "tim", "s3cret");
	/* CRLF lines. */
	check_netrc("machine mail.example.com\r\nlogin tim\r\n"
		    "password s3cret\r\n", "mail.example.com", "tim",
		    "s3cret");
	/* No final newline. */
	check_netrc("machine mail.example.com login tim password s3cret",
		    "mail.example.com", "tim", "s3cret");
}

static void
test_netrc_login_mismatch(void **state)
{
	const char *t = "machine mail.example.com login tim password s3cret\n"
			"machine mail.example.com login ann password other\n";

	(void)state;
	check_netrc(t, "mail.example.com", "bob", NULL);
	check_netrc(t, "mail.example.com", "ann", "other");
	check_netrc(t, "mail.example.com", "tim", "s3cret");
	/* Without a user the first entry for the host. */
	check_netrc(t, "mail.example.com", NULL, "s3cret");
	/* An entry without login does not match a user. */
	check_netrc("machine mail.example.com password nologin\n",
		    "mail.example.com", "tim", NULL);
	check_netrc("machine mail.example.com password nologin\n",
		    "mail.example.com", NULL, "nologin");
	/* An entry without password is no answer. */
	check_netrc("machine mail.example.com login tim\n",
		    "mail.example.com", "tim", NULL);
}

static void
test_netrc_several(void **state)
{
	const char *t =
		"machine a.example login u1 password p1\n"
		"machine b.example login u2 password p2 "
		"machine c.example login u3 password p3\n"
		"\n"
		"machine d.example\n"
		"  login u4\n"
		"  password p4\n";

	(void)state;
	check_netrc(t, "a.example", "u1", "p1");
	check_netrc(t, "b.example", "u2", "p2");
	check_netrc(t, "c.example", "u3", "p3");
	check_netrc(t, "d.example", "u4", "p4");
	check_netrc(t, "b.example", "u1", NULL);
	check_netrc(t, "e.example", "u1", NULL);
	/* An entry's tokens do not leak into the next one. */
	check_netrc("machine a.example login u1 password p1\n"
		    "machine b.example login u2\n",
		    "b.example", "u2", NULL);
	check_netrc("machine a.example login u1 password p1\n"
		    "machine b.example password p2\n",
		    "b.example", "u1", NULL);
}

static void
test_netrc_default(void **state)
{
	const char *t = "machine a.example login x password p1\n"
			"default login y password p2\n";

	(void)state;
	check_netrc(t, "a.example", "x", "p1");
	check_netrc(t, "b.example", "y", "p2");
	check_netrc(t, "b.example", NULL, "p2");
	check_netrc(t, "b.example", "x", NULL);
	/* A machine entry with another login falls through to default. */
	check_netrc(t, "a.example", "y", "p2");
	check_netrc("default login y password p2\n", "any.example", "y",
		    "p2");
}

static void
test_netrc_quoted(void **state)
{
	(void)state;
	check_netrc("machine \"mail.example.com\" login \"tim\" "
		    "password \"two words\"\n",
		    "mail.example.com", "tim", "two words");
	check_netrc("machine m.example login tim password \"a\\\"b\\\\c\"\n",
		    "m.example", "tim", "a\"b\\c");
	check_netrc("machine m.example login \"tim smith\" password x\n",
		    "m.example", "tim smith", "x");
	check_netrc("machine m.example login tim password \"\"\n",
		    "m.example", "tim", "");
	/* A password that looks like a keyword is a value. */
	check_netrc("machine m.example login tim password machine\n",
		    "m.example", "tim", "machine");
}

static void
test_netrc_missing(void **state)
{
	(void)state;
	assert_null(secret_netrc(tmp_path("no-such-netrc"), "a.example",
				 "u"));
	write_file(tmp_path("empty"), "", 0600);
	assert_null(secret_netrc(tmp_path("empty"), "a.example", "u"));
}

/* A macdef's body (up to the next empty line) is macro text, not netrc
 * tokens (ftp(1), curl, inetutils). Regression: secret_netrc used to read
 * it as entries and returned the "evil" password inside the macro. */
static void
test_netrc_macdef(void **state)
{
	(void)state;
	check_netrc("machine a.example login x password p1\n"
		    "macdef init\n"
		    "machine b.example login y password evil\n"
		    "\n"
		    "machine b.example login y password good\n",
		    "b.example", "y", "good");
	/* An empty macro, and entries before it. */
	check_netrc("machine a.example login x password p1\n"
		    "macdef init\n"
		    "\n"
		    "machine b.example login y password good\n",
		    "b.example", "y", "good");
	check_netrc("machine a.example login x password p1\n"
		    "macdef init\n"
		    "cd /pub\n",
		    "a.example", "x", "p1");
}

/* BUG: the macdef body ends at "\n\n" only, so in a netrc with CRLF line
 * ends (which secret_netrc otherwise reads) the macro runs to the end of
 * the file and every later entry is lost:
 *   "macdef init\r\ncd /pub\r\n\r\nmachine b.example login y
 *    password good\r\n" finds nothing for b.example/y. */
static void
test_netrc_macdef_crlf(void **state)
{
	(void)state;
	check_netrc("machine a.example login x password p1\r\n"
		    "macdef init\r\n"
		    "cd /pub\r\n"
		    "\r\n"
		    "machine b.example login y password good\r\n",
		    "b.example", "y", "good");
}

/* ---- passwordeval ---- */

static char *
eval_ok(const char *cmd)
{
	struct err e = { 0 };
	char *out = NULL;

	if (secret_eval(cmd, 5, &out, &e) != 0)
		fail_msg("secret_eval(%s): %s", cmd, e.msg ? e.msg : "");
	assert_non_null(out);
	assert_int_equal(e.cls, ERR_NONE);
	return out;
}

static void
check_eval(const char *cmd, const char *want)
{
	char *out = eval_ok(cmd);

	assert_string_equal(out, want);
	xfree_secret(out);
}

static void
test_eval_first_line(void **state)
{
	(void)state;
	check_eval("printf abc", "abc");
	check_eval("printf 'line1\\nline2\\n'", "line1");
	check_eval("printf 'crlf\\r\\nnext\\r\\n'", "crlf");
	check_eval("echo  spaced   words", "spaced words");
	check_eval("printf ''", "");
}

static void
test_eval_shell(void **state)
{
	(void)state;
	/* $HOME is the test's temporary directory. */
	check_eval("echo $HOME", tmpdir);
	check_eval("echo a | tr a b", "b");
	check_eval("X=abc; echo \"$X\"", "abc");
	check_eval("false || echo rescued", "rescued");
}

/* A plain command is run directly: execvp's error, not sh's "not
 * found", reports a missing program. */
static void
test_eval_no_shell(void **state)
{
	struct err e = { 0 };
	char *out = (char *)&out;

	(void)state;
	assert_int_equal(secret_eval("/nonexistent/dsmtp-getpw --user tim",
				     5, &out, &e), -1);
	assert_null(out);
	assert_int_equal(e.cls, ERR_CONFIG);
	assert_non_null(strstr(e.msg, "/nonexistent/dsmtp-getpw"));
	assert_non_null(strstr(e.msg, "No such file or directory"));
	assert_null(strstr(e.msg, "sh:"));
	err_clear(&e);
	/* The same through the shell: sh's own message. */
	assert_int_equal(secret_eval("/nonexistent/dsmtp-getpw --user \"tim\"",
				     5, &out, &e), -1);
	assert_int_equal(e.cls, ERR_CONFIG);
	assert_non_null(strstr(e.msg, "sh:"));
	err_clear(&e);
}

static void
test_eval_failure(void **state)
{
	struct err e = { 0 };
	char *out = (char *)&out;

	(void)state;
	assert_int_equal(secret_eval("echo pw; echo 'gpg: decryption failed' "
				     ">&2; exit 2", 5, &out, &e), -1);
	assert_null(out);
	assert_int_equal(e.cls, ERR_CONFIG);
	assert_non_null(e.msg);
	assert_non_null(strstr(e.msg, "gpg: decryption failed"));
	/* The output is a secret and stays out of the message. */
	assert_null(strstr(e.msg, "pw"));
	err_clear(&e);
	assert_int_equal(secret_eval("false", 5, &out, &e), -1);
	assert_null(out);
	assert_int_equal(e.cls, ERR_CONFIG);
	err_clear(&e);
	/* Killed by a signal. */
	assert_int_equal(secret_eval("kill -9 $$", 5, &out, &e), -1);
	assert_int_equal(e.cls, ERR_CONFIG);
	err_clear(&e);
}

/* A command that writes more than a pipe's worth (64 KiB) to stderr
 * before its answer. Regression: secret_eval read stdout to its end before
 * stderr, so this blocked forever (and dsmtp with it). Run in a child
 * with an alarm so the test itself cannot hang:
 *   passwordeval "head -c 200000 /dev/zero >&2; echo pw" */
static void
test_eval_large_stderr(void **state)
{
	pid_t pid;
	int status = 0;

	(void)state;
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct err e = { 0 };
		char *out = NULL;
		int ok;

		alarm(10);
		ok = secret_eval("head -c 200000 /dev/zero >&2; echo pw", 5,
				 &out, &e) == 0 && out != NULL &&
		     strcmp(out, "pw") == 0;
		xfree_secret(out);
		err_clear(&e);
		_exit(ok ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM)
		fail_msg("secret_eval hung on 200000 bytes of stderr");
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* pid exists and is not a zombie. */
static int
running(pid_t pid)
{
	char path[64], stat[256] = { 0 }, *paren;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	f = fopen(path, "r");
	if (f == NULL)
		return 0;
	if (fgets(stat, sizeof(stat), f) == NULL)
		stat[0] = '\0';
	fclose(f);
	paren = strrchr(stat, ')');
	return paren != NULL && paren[1] == ' ' && paren[2] != 'Z';
}

/* passwordeval sleep 30 with timeout 1: stopped after about a second,
 * with what it started (the whole process group), and it says so. */
static void
test_eval_timeout(void **state)
{
	struct err e = { 0 };
	char *out = (char *)&out;
	char pidfile[600], cmd[700], buf[32] = { 0 };
	double t0 = test_now();
	FILE *f;
	pid_t bg;

	(void)state;
	snprintf(pidfile, sizeof(pidfile), "%s/bg.pid", tmpdir);
	snprintf(cmd, sizeof(cmd), "sleep 30 & echo $! > %s; wait", pidfile);
	assert_int_equal(secret_eval(cmd, 1, &out, &e), -1);
	assert_true(test_now() - t0 < 10);
	assert_null(out);
	assert_int_equal(e.cls, ERR_CONFIG);
	assert_non_null(strstr(e.msg, "1 seconds"));
	err_clear(&e);
	f = fopen(pidfile, "r");
	assert_non_null(f);
	assert_non_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	bg = (pid_t)atol(buf);
	assert_true(bg > 0);
	/* The grandchild is gone too (reaped, or a zombie). */
	t0 = test_now();
	while (running(bg) && test_now() - t0 < 5)
		usleep(10000);
	assert_false(running(bg));
	unlink(pidfile);
}

/* passwordeval yes: endless output is stopped at the cap. */
static void
test_eval_output_cap(void **state)
{
	struct err e = { 0 };
	char *out = (char *)&out;
	double t0 = test_now();

	(void)state;
	assert_int_equal(secret_eval("yes", 20, &out, &e), -1);
	assert_true(test_now() - t0 < 10);
	assert_null(out);
	assert_int_equal(e.cls, ERR_CONFIG);
	assert_non_null(strstr(e.msg, "KiB"));
	err_clear(&e);
	/* Just under the cap is fine: the first line counts. */
	check_eval("printf 'pw\\n'; head -c 60000 /dev/zero | tr '\\0' x",
		   "pw");
}

/* ---- source order ---- */

static struct config cfg;

static const struct account *
account_from(const char *text)
{
	struct err e = { 0 };
	struct account *a;

	config_free(&cfg);
	memset(&cfg, 0, sizeof(cfg));
	if (config_parse_text(&cfg, text, strlen(text), "rc", NULL, &e) != 0)
		fail_msg("config_parse_text: %s", e.msg ? e.msg : "");
	a = config_account(&cfg, "a");
	assert_non_null(a);
	return a;
}

static void
check_get(const char *rc, const char *want)
{
	const struct account *a = account_from(rc);
	struct err e = { 0 };
	char *out = (char *)&out;

	if (secret_get(a, "mail.example.com", "tim", &out, &e) != 0)
		fail_msg("secret_get: %s", e.msg ? e.msg : "");
	if (want == NULL)
		assert_null(out);
	else if (out == NULL)
		fail_msg("no password, want %s", want);
	else
		assert_string_equal(out, want);
	xfree_secret(out);
}

static void
test_get_order(void **state)
{
	(void)state;
	write_file(tmp_path(".netrc"),
		   "machine mail.example.com login tim password fromnetrc\n",
		   0600);
	check_get("account a\nhost mail.example.com\nuser tim\n"
		  "password frompw\npasswordeval echo fromeval\n", "frompw");
	check_get("account a\nhost mail.example.com\nuser tim\n"
		  "passwordeval echo fromeval\n", "fromeval");
	check_get("account a\nhost mail.example.com\nuser tim\n",
		  "fromnetrc");
	/* The password from the defaults counts too. */
	check_get("password fromdefaults\naccount a\nhost mail.example.com\n"
		  "user tim\n", "fromdefaults");
	/* ~/.netrc without a matching entry, and no other source. */
	write_file(tmp_path(".netrc"),
		   "machine mail.example.com login ann password x\n", 0600);
	if (access(SYSCONFDIR "/netrc", F_OK) != 0)
		check_get("account a\nhost mail.example.com\nuser tim\n",
			  NULL);
	unlink(tmp_path(".netrc"));
	if (access(SYSCONFDIR "/netrc", F_OK) != 0)
		check_get("account a\nhost mail.example.com\nuser tim\n",
			  NULL);
	config_free(&cfg);
	memset(&cfg, 0, sizeof(cfg));
}

/* A failing passwordeval is an error, not a fall-through to netrc. */
static void
test_get_eval_fails(void **state)
{
	const struct account *a;
	struct err e = { 0 };
	char *out = (char *)&out;

	(void)state;
	write_file(tmp_path(".netrc"),
		   "machine mail.example.com login tim password fromnetrc\n",
		   0600);
	a = account_from("account a\nhost mail.example.com\nuser tim\n"
			 "passwordeval \"echo nokey >&2; exit 1\"\n");
	assert_int_equal(secret_get(a, "mail.example.com", "tim", &out, &e),
			 -1);
	assert_null(out);
	assert_int_equal(e.cls, ERR_CONFIG);
	assert_non_null(strstr(e.msg, "nokey"));
	err_clear(&e);
	unlink(tmp_path(".netrc"));
	config_free(&cfg);
	memset(&cfg, 0, sizeof(cfg));
}

/* ---- keyring ---- */

/* A stand-in for dsmtp-keyring that records its arguments and input. */
static void
write_helper(int exit_code)
{
	struct buf b = { 0 };

	buf_printf(&b,
		   "#!/bin/sh\n"
		   "printf '%%s|' \"$@\" > '%s/helper.args'\n"
		   "cat > '%s/helper.stdin'\n"
		   "[ \"$1\" = lookup ] && echo fromkeyring\n"
		   "exit %d\n", tmpdir, tmpdir, exit_code);
	write_file(tmp_path("helper"), b.data, 0700);
	buf_free(&b);
}

static char *
read_tmp(const char *name)
{
	struct buf b = { 0 };
	char chunk[256];
	size_t n;
	FILE *f = fopen(tmp_path(name), "r");

	assert_non_null(f);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(&b, chunk, n);
	fclose(f);
	return buf_steal(&b);
}

static void
test_store_without_helper(void **state)
{
	struct err e = { 0 };

	(void)state;
	set_helper(tmp_path("no-such-helper"));
	assert_int_equal(secret_store("mail.example.com", "tim", "pw", &e),
			 -1);
	assert_int_equal(e.cls, ERR_UNAVAILABLE);
	assert_non_null(e.msg);
	assert_null(strstr(e.msg, "pw)"));
	err_clear(&e);
	set_helper("/nonexistent/dsmtp-keyring");
}

static void
test_store_with_helper(void **state)
{
	struct err e = { 0 };
	char *s;

	(void)state;
	write_helper(0);
	set_helper(tmp_path("helper"));
	assert_int_equal(secret_store("mail.example.com", "tim", "s3cret",
				      &e), 0);
	assert_int_equal(e.cls, ERR_NONE);
	s = read_tmp("helper.args");
	assert_string_equal(s, "store|mail.example.com|tim|");
	free(s);
	s = read_tmp("helper.stdin");
	assert_string_equal(s, "s3cret\n");
	free(s);
	/* A helper that fails: the keyring is there but refuses. */
	write_helper(3);
	assert_int_equal(secret_store("mail.example.com", "tim", "s3cret",
				      &e), -1);
	assert_int_equal(e.cls, ERR_UNAVAILABLE);
	err_clear(&e);
	set_helper("/nonexistent/dsmtp-keyring");
}

/* The keyring is the last source, asked only with a session bus. */
static void
test_get_keyring(void **state)
{
	char *s;

	(void)state;
	write_helper(0);
	set_helper(tmp_path("helper"));
	unlink(tmp_path(".netrc"));
	if (access(SYSCONFDIR "/netrc", F_OK) == 0) {
		set_helper("/nonexistent/dsmtp-keyring");
		skip();
	}
	check_get("account a\nhost mail.example.com\nuser tim\n", NULL);
	setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent", 1);
	check_get("account a\nhost mail.example.com\nuser tim\n",
		  "fromkeyring");
	s = read_tmp("helper.args");
	assert_string_equal(s, "lookup|mail.example.com|tim|");
	free(s);
	/* Earlier sources still win. */
	check_get("account a\nhost mail.example.com\nuser tim\n"
		  "password frompw\n", "frompw");
	/* A helper that fails gives no password, not an error. */
	write_helper(1);
	check_get("account a\nhost mail.example.com\nuser tim\n", NULL);
	unsetenv("DBUS_SESSION_BUS_ADDRESS");
	set_helper("/nonexistent/dsmtp-keyring");
	config_free(&cfg);
	memset(&cfg, 0, sizeof(cfg));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_netrc_basic),
		cmocka_unit_test(test_netrc_login_mismatch),
		cmocka_unit_test(test_netrc_several),
		cmocka_unit_test(test_netrc_default),
		cmocka_unit_test(test_netrc_quoted),
		cmocka_unit_test(test_netrc_missing),
		cmocka_unit_test(test_netrc_macdef),
		cmocka_unit_test(test_netrc_macdef_crlf),
		cmocka_unit_test(test_eval_first_line),
		cmocka_unit_test(test_eval_shell),
		cmocka_unit_test(test_eval_no_shell),
		cmocka_unit_test(test_eval_failure),
		cmocka_unit_test(test_eval_large_stderr),
		cmocka_unit_test(test_eval_timeout),
		cmocka_unit_test(test_eval_output_cap),
		cmocka_unit_test(test_get_order),
		cmocka_unit_test(test_get_eval_fails),
		cmocka_unit_test(test_store_without_helper),
		cmocka_unit_test(test_store_with_helper),
		cmocka_unit_test(test_get_keyring),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
