/* ident_test.c - unit tests for ident.h
 *
 * Owns: whose mail this process submits: the caller's own (its uid, its
 *       environment) until ident_set, the picked-up user's after.
 * Not:  what submit and enqueue do with it. ident_set cannot be undone:
 *       the tests run in order in one process. */

#include <config.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>

#include "ident.h"

static void
test_own(void **state)
{
	(void)state;
	assert_int_equal(ident_uid(), getuid());
	assert_non_null(getenv("HOME"));
	assert_ptr_equal(ident_env("HOME"), getenv("HOME"));
	assert_null(ident_env("DSMTP_IDENT_TEST_UNSET"));
}

static void
test_picked_up(void **state)
{
	(void)state;
	ident_set(12345);
	assert_int_equal(ident_uid(), 12345);
	assert_null(ident_env("HOME"));
	assert_null(ident_env("PATH"));
	assert_string_equal(getenv("HOME"), "/tmp/dsmtp-ident-test");
	/* uid 0 is a user like another, not "none set". */
	ident_set(0);
	assert_int_equal(ident_uid(), 0);
	assert_null(ident_env("HOME"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_own),
		cmocka_unit_test(test_picked_up),
	};

	setenv("HOME", "/tmp/dsmtp-ident-test", 1);
	setenv("PATH", "/usr/bin:/bin", 1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
