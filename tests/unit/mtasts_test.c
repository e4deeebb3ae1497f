/* mtasts_test.c - unit tests for mtasts.h
 *
 * Owns: the TXT record's id, the policy syntax (RFC 8461's own example,
 *       CRLF and LF, every required field, bad values, extensions), MX
 *       pattern matching with one-label wildcards.
 * Not:  fetching policies. */

#include <config.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dns.h"
#include "mtasts.h"

static void
id_is(const char *txt, const char *want)
{
	char *id = mtasts_txt_id(txt);

	if (want == NULL)
		assert_null(id);
	else
		assert_string_equal(id, want);
	free(id);
}

static void
test_txt(void **state)
{
	(void)state;
	id_is("v=STSv1; id=20160831085700Z;", "20160831085700Z");
	id_is("v=STSv1;id=abc", "abc");
	id_is("  v=STSv1 ; ext-field=x ; id=Z9 ", "Z9");
	id_is("v=STSv1;", NULL);
	id_is("v=STSv2; id=1", NULL);
	id_is("id=1; v=STSv1", NULL);
	id_is("v=STSv1; id=", NULL);
	id_is("v=STSv1; id=012345678901234567890123456789012", NULL);
	id_is("v=STSv1; id=a-b", NULL);
}

static int
parses(const char *text, struct mtasts_policy *p)
{
	return mtasts_parse_policy(text, strlen(text), p) == 0;
}

static void
test_policy(void **state)
{
	struct mtasts_policy p;

	(void)state;
	/* RFC 8461 section 3.2's example. */
	assert_true(parses("version: STSv1\nmode: enforce\n"
			   "mx: mail.example.com\nmx: *.example.net\n"
			   "mx: backupmx.example.com\nmax_age: 604800\n", &p));
	assert_int_equal(p.mode, MTASTS_ENFORCE);
	assert_int_equal(p.max_age, 604800);
	assert_int_equal(p.nmx, 3);
	assert_string_equal(p.mx[1], "*.example.net");
	mtasts_policy_free(&p);
	assert_true(parses("version: STSv1\r\nmode: testing\r\n"
			   "mx: MX1.Example.TEST  \r\nmax_age: 86400\r\n"
			   "future-key: whatever\r\n", &p));
	assert_int_equal(p.mode, MTASTS_TESTING);
	assert_string_equal(p.mx[0], "mx1.example.test");
	mtasts_policy_free(&p);
	assert_true(parses("version: STSv1\nmode: none\nmax_age: 0", &p));
	assert_int_equal(p.nmx, 0);
	mtasts_policy_free(&p);
}

static void
test_policy_refused(void **state)
{
	static const char *const bad[] = {
		"mode: enforce\nmx: a.test\nmax_age: 1\n",
		"version: STSv1\nmx: a.test\nmax_age: 1\n",
		"version: STSv1\nmode: enforce\nmx: a.test\n",
		"version: STSv1\nmode: enforce\nmax_age: 1\n",
		"version: STSv2\nmode: enforce\nmx: a.test\nmax_age: 1\n",
		"version: STSv1\nmode: strict\nmx: a.test\nmax_age: 1\n",
		"version: STSv1\nmode: enforce\nmx: a.test\nmax_age: -1\n",
		"version: STSv1\nmode: enforce\nmx: a.test\nmax_age: 31557601\n",
		"version: STSv1\nmode: enforce\nmx: *.*.test\nmax_age: 1\n",
		"version: STSv1\nmode: enforce\nmx: *\nmax_age: 1\n",
		"version: STSv1\nmode: enforce\nmx: a..test\nmax_age: 1\n",
		"version: STSv1\nmode: enforce\nmx a.test\nmax_age: 1\n",
		"<html>not a policy</html>",
	};
	struct mtasts_policy p;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parses(bad[i], &p))
			fail_msg("accepted: %s", bad[i]);
		assert_int_equal(p.nmx, 0);
	}
	/* A NUL byte is not text. */
	assert_int_equal(mtasts_parse_policy("version: STSv1\0", 15, &p), -1);
}

/* The policy need not end with a NUL: a last line of blanks after the
 * colon must not be read past (found by fuzz_mtasts). */
static void
test_policy_not_terminated(void **state)
{
	static const char text[] = "version: STSv1\nmode: none\nmax_age: 1\n"
				   "x:   ";
	char *copy = malloc(sizeof(text) - 1);
	struct mtasts_policy p;

	(void)state;
	memcpy(copy, text, sizeof(text) - 1);
	assert_int_equal(mtasts_parse_policy(copy, sizeof(text) - 1, &p), 0);
	mtasts_policy_free(&p);
	free(copy);
}

static void
test_match(void **state)
{
	struct mtasts_policy p;

	(void)state;
	assert_true(parses("version: STSv1\nmode: enforce\n"
			   "mx: mail.example.com\nmx: *.example.net\n"
			   "max_age: 1\n", &p));
	assert_true(mtasts_mx_match(&p, "mail.example.com"));
	assert_true(mtasts_mx_match(&p, "MAIL.example.COM"));
	assert_true(mtasts_mx_match(&p, "mx1.example.net"));
	assert_false(mtasts_mx_match(&p, "a.b.example.net"));
	assert_false(mtasts_mx_match(&p, "example.net"));
	assert_false(mtasts_mx_match(&p, "mail.example.org"));
	assert_false(mtasts_mx_match(&p, ".example.net"));
	mtasts_policy_free(&p);
}

/* An answer of TXT records (and one A record, which is skipped). */
static char *
answer_id(const char *const *txts, size_t ntxt, size_t *n)
{
	struct dns_rr rrs[8];
	struct dns_answer a = { 0 };
	size_t i;

	memset(rrs, 0, sizeof(rrs));
	rrs[0].type = DNS_A;
	for (i = 0; i < ntxt; i++) {
		rrs[i + 1].type = DNS_TXT;
		rrs[i + 1].data = (unsigned char *)txts[i];
		rrs[i + 1].len = strlen(txts[i]);
	}
	a.rrs = rrs;
	a.nrrs = ntxt + 1;
	return mtasts_answer_id(&a, n);
}

static void
test_answer_id(void **state)
{
	static const char *const one[] = { "v=spf1 -all",
		                           "v=STSv1; id=abc123;" };
	static const char *const two[] = { "v=STSv1; id=a;", "v=STSv1; id=b;" };
	size_t n = 9;
	char *id;

	(void)state;
	id = answer_id(one, 2, &n);
	assert_string_equal(id, "abc123");
	assert_int_equal(n, 1);
	free(id);
	assert_null(answer_id(two, 2, &n));
	assert_int_equal(n, 2);
	assert_null(answer_id(one, 1, &n));
	assert_int_equal(n, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_txt),
		cmocka_unit_test(test_answer_id),
		cmocka_unit_test(test_policy),
		cmocka_unit_test(test_policy_refused),
		cmocka_unit_test(test_policy_not_terminated),
		cmocka_unit_test(test_match),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
