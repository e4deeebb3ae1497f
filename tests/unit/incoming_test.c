/* incoming_test.c - unit tests for incoming.h
 *
 * Owns: which command-line words a user may hand to the system spool, and
 *       the header that carries them (round trip, refusals).
 * Not:  the helper or the pickup (not built yet). */

#include <config.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "incoming.h"
#include "xmalloc.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static int
allowed(char *const *args, size_t n)
{
	struct err e = { 0 };
	int rc = incoming_check_args(args, n, &e);

	if (rc < 0) {
		assert_int_equal(e.cls, ERR_USAGE);
		assert_non_null(e.msg);
	}
	err_clear(&e);
	return rc == 0;
}

static void
test_allowed(void **state)
{
	char *a[] = { "-oi", "-f", "alice@example.org", "-FAlice", "-t",
		      "-N", "failure", "-R", "hdrs", "-V", "env1", "-B",
		      "8BITMIME", "-a", "work", "-v", "-odq", "-oem",
		      "bob@example.net", "Carol <c@example.net>" };
	char *b[] = { "--read-envelope-from", "-i", "--", "-dash@x" };

	(void)state;
	assert_true(allowed(a, N(a)));
	assert_true(allowed(b, N(b)));
	assert_true(allowed(NULL, 0)); /* no recipients: submit says so */
}

static void
test_refused(void **state)
{
	char *cfg[] = { "-C", "/etc/shadow", "a@x" };
	char *log[] = { "-X", "/etc/passwd", "a@x" };
	char *host[] = { "--host=evil.example", "a@x" };
	char *tls[] = { "--tls=off", "a@x" };
	char *pwe[] = { "--passwordeval=id", "a@x" };
	char *logf[] = { "--logfile", "/tmp/x", "a@x" };
	char *bs[] = { "-bs" };
	char *q[] = { "-q" };
	char *pretend[] = { "-P" };
	char *bad[] = { "--bogus", "a@x" };

	(void)state;
	assert_false(allowed(cfg, N(cfg)));
	assert_false(allowed(log, N(log)));
	assert_false(allowed(host, N(host)));
	assert_false(allowed(tls, N(tls)));
	assert_false(allowed(pwe, N(pwe)));
	assert_false(allowed(logf, N(logf)));
	assert_false(allowed(bs, N(bs)));
	assert_false(allowed(q, N(q)));
	assert_false(allowed(pretend, N(pretend)));
	assert_false(allowed(bad, N(bad)));
}

static void
test_round_trip(void **state)
{
	char *a[] = { "-f", "a b@example.org", "", "x\xc3\xa9@example.net" };
	struct incoming in = { a, N(a) }, back;
	struct err e = { 0 };
	char *text, *withdata;
	size_t len, i;

	(void)state;
	assert_int_equal(incoming_format(&in, &text, &len, &e), 0);
	assert_string_equal(text, "dsmtp-incoming 1\narg -f\narg a b@example.org"
				  "\narg \narg x\xc3\xa9@example.net\ndata\n");
	withdata = xasprintf("%sSubject: x\r\n\r\nbody\r\n", text);
	assert_int_equal(incoming_parse(withdata, strlen(withdata), &back, &e),
			 (ssize_t)len);
	assert_int_equal(back.nargs, N(a));
	for (i = 0; i < N(a); i++)
		assert_string_equal(back.args[i], a[i]);
	incoming_free(&back);
	free(withdata);
	free(text);
}

static void
test_format_refuses(void **state)
{
	char *cr[] = { "a@x\r\nrcpt" };
	char *nul_free_ctl[] = { "a\x1b[2J@x" };
	struct incoming in = { cr, 1 };
	struct err e = { 0 };
	char *text = NULL;
	size_t len;

	(void)state;
	assert_int_equal(incoming_format(&in, &text, &len, &e), -1);
	assert_int_equal(e.cls, ERR_DATA);
	err_clear(&e);
	in.args = nul_free_ctl;
	assert_int_equal(incoming_format(&in, &text, &len, &e), -1);
	err_clear(&e);
	assert_null(text);
}

static int
parses(const char *s)
{
	struct incoming in;
	struct err e = { 0 };
	ssize_t n = incoming_parse(s, strlen(s), &in, &e);

	incoming_free(&in);
	err_clear(&e);
	return n > 0;
}

static void
test_parse_refusals(void **state)
{
	(void)state;
	assert_true(parses("dsmtp-incoming 1\ndata\n"));
	assert_true(parses("dsmtp-incoming 1\narg a@x\ndata\nrest"));
	assert_false(parses(""));
	assert_false(parses("dsmtp-incoming 2\ndata\n"));
	assert_false(parses("dsmtp-queue 1\ndata\n"));
	assert_false(parses("dsmtp-incoming 1\narg a@x\n"));      /* no data */
	assert_false(parses("dsmtp-incoming 1\nfrom a@x\ndata\n"));
	assert_false(parses("dsmtp-incoming 1\narg a\rb\ndata\n"));
	assert_false(parses("dsmtp-incoming 1\nargx\ndata\n"));
	assert_false(parses("dsmtp-incoming 1\ndata"));          /* no LF */
}

/* A NUL inside a line is refused, not taken as the end of the word. */
static void
test_parse_nul(void **state)
{
	static const char s[] = "dsmtp-incoming 1\narg -\0\0(g /etc/x\ndata\n";
	struct incoming in;
	struct err e = { 0 };

	(void)state;
	assert_int_equal(incoming_parse(s, sizeof(s) - 1, &in, &e), -1);
	assert_int_equal(e.cls, ERR_DATA);
	err_clear(&e);
}

static void
test_parse_bounds(void **state)
{
	size_t i, cap = 20 + (INCOMING_MAX_ARGS + 1) * 8 + 8;
	char *s = xmalloc(cap), *w;

	(void)state;
	strcpy(s, "dsmtp-incoming 1\n");
	for (i = 0; i < INCOMING_MAX_ARGS + 1; i++)
		strcat(s, "arg a@x\n");
	strcat(s, "data\n");
	assert_false(parses(s));
	free(s);
	w = xmalloc(INCOMING_MAX_ARG + 64);
	memset(w, 'a', INCOMING_MAX_ARG + 1);
	w[INCOMING_MAX_ARG + 1] = '\0';
	s = xasprintf("dsmtp-incoming 1\narg %s\ndata\n", w);
	assert_false(parses(s));
	free(s);
	free(w);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_allowed),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_format_refuses),
		cmocka_unit_test(test_parse_refusals),
		cmocka_unit_test(test_parse_nul),
		cmocka_unit_test(test_parse_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
