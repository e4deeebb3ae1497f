/* taglist_test.c - unit tests for taglist.h
 *
 * Owns: tag-list syntax (RFC 6376 3.2): blanks and folding, a final ';',
 *       refusals (no '=', bad names, a tag twice, an empty middle).
 * Not:  what the tags mean. */

#include <config.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>

#include <cmocka.h>

#include "taglist.h"

static void
test_parse(void **state)
{
	struct taglist t;

	(void)state;
	assert_int_equal(taglist_parse("v=DKIM1; k=rsa;\r\n\t p=MIIB AQAB ;",
				       &t), 0);
	assert_int_equal(t.n, 3);
	assert_string_equal(taglist_get(&t, "v"), "DKIM1");
	assert_string_equal(taglist_get(&t, "k"), "rsa");
	assert_string_equal(taglist_get(&t, "p"), "MIIB AQAB");
	assert_null(taglist_get(&t, "t"));
	assert_null(taglist_get(&t, "V"));      /* names are case-sensitive */
	taglist_free(&t);
	assert_int_equal(taglist_parse("p=", &t), 0);
	assert_string_equal(taglist_get(&t, "p"), "");
	taglist_free(&t);
	assert_int_equal(taglist_parse("v=DMARC1;p=reject;adkim=s", &t), 0);
	assert_string_equal(taglist_get(&t, "adkim"), "s");
	taglist_free(&t);
}

static void
test_refusals(void **state)
{
	static const char *const bad[] = {
		"", ";", "v=DKIM1;;p=x", "v=DKIM1; p", "1v=x", "v-x=1",
		"v=1; v=2", "=x", " ; p=x",
	};
	struct taglist t;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(taglist_parse(bad[i], &t), -1);
		assert_int_equal(t.n, 0);
	}
}

static void
test_many(void **state)
{
	char text[TAGLIST_MAX * 8 + 16], *p = text;
	struct taglist t;
	int i;

	(void)state;
	for (i = 0; i <= TAGLIST_MAX; i++)
		p += sprintf(p, "a%d=1;", i);
	assert_int_equal(taglist_parse(text, &t), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_many),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
