/* err_test.c - unit tests for err.h
 *
 * Owns: the error record (set, prefix, clear) and the class to sysexits
 *       mapping for every class.
 * Not:  printing diagnostics (log_test.c). */

#include <config.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <sysexits.h>

#include <cmocka.h>

#include "err.h"

static void
test_err_zero_is_none(void **state)
{
	struct err e = { 0 };

	(void)state;
	assert_int_equal(e.cls, ERR_NONE);
	assert_null(e.msg);
	/* Clearing an empty record is harmless. */
	err_clear(&e);
	assert_int_equal(e.cls, ERR_NONE);
	assert_null(e.msg);
}

static void
test_err_set_formats(void **state)
{
	struct err e = { 0 };

	(void)state;
	err_set(&e, ERR_DATA, "bad %s at line %d", "address", 7);
	assert_int_equal(e.cls, ERR_DATA);
	assert_non_null(e.msg);
	assert_string_equal(e.msg, "bad address at line 7");
	err_clear(&e);
}

static void
test_err_set_replaces(void **state)
{
	struct err e = { 0 };

	(void)state;
	err_set(&e, ERR_TEMP, "first");
	err_set(&e, ERR_CONFIG, "second %d", 2);
	assert_int_equal(e.cls, ERR_CONFIG);
	assert_string_equal(e.msg, "second 2");
	err_clear(&e);
}

static void
test_err_set_long_text(void **state)
{
	struct err e = { 0 };
	char big[3000];

	(void)state;
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	err_set(&e, ERR_IO, "<%s>", big);
	assert_int_equal(strlen(e.msg), sizeof(big) - 1 + 2);
	assert_int_equal(e.msg[0], '<');
	assert_int_equal(e.msg[sizeof(big)], '>');
	err_clear(&e);
}

static void
test_err_prefix(void **state)
{
	struct err e = { 0 };

	(void)state;
	err_set(&e, ERR_CONFIG, "unknown command %s", "hots");
	err_prefix(&e, "%s:%d", "/etc/dsmtprc", 12);
	assert_string_equal(e.msg, "/etc/dsmtprc:12: unknown command hots");
	/* The class is kept. */
	assert_int_equal(e.cls, ERR_CONFIG);
	err_prefix(&e, "outer");
	assert_string_equal(e.msg,
			    "outer: /etc/dsmtprc:12: unknown command hots");
	err_clear(&e);
}

static void
test_err_clear(void **state)
{
	struct err e = { 0 };

	(void)state;
	err_set(&e, ERR_NOPERM, "no");
	err_clear(&e);
	assert_int_equal(e.cls, ERR_NONE);
	assert_null(e.msg);
	/* Usable again after clearing. */
	err_set(&e, ERR_USAGE, "again");
	assert_int_equal(e.cls, ERR_USAGE);
	assert_string_equal(e.msg, "again");
	err_clear(&e);
}

static void
test_err_exit_codes(void **state)
{
	(void)state;
	assert_int_equal(err_exit_code(ERR_NONE), EX_OK);
	assert_int_equal(err_exit_code(ERR_NONE), 0);
	assert_int_equal(err_exit_code(ERR_USAGE), EX_USAGE);
	assert_int_equal(err_exit_code(ERR_USAGE), 64);
	assert_int_equal(err_exit_code(ERR_DATA), EX_DATAERR);
	assert_int_equal(err_exit_code(ERR_DATA), 65);
	assert_int_equal(err_exit_code(ERR_NOUSER), EX_NOUSER);
	assert_int_equal(err_exit_code(ERR_NOUSER), 67);
	assert_int_equal(err_exit_code(ERR_UNAVAILABLE), EX_UNAVAILABLE);
	assert_int_equal(err_exit_code(ERR_UNAVAILABLE), 69);
	assert_int_equal(err_exit_code(ERR_SOFTWARE), EX_SOFTWARE);
	assert_int_equal(err_exit_code(ERR_SOFTWARE), 70);
	assert_int_equal(err_exit_code(ERR_OS), EX_OSERR);
	assert_int_equal(err_exit_code(ERR_OS), 71);
	assert_int_equal(err_exit_code(ERR_CANTCREAT), EX_CANTCREAT);
	assert_int_equal(err_exit_code(ERR_CANTCREAT), 73);
	assert_int_equal(err_exit_code(ERR_IO), EX_IOERR);
	assert_int_equal(err_exit_code(ERR_IO), 74);
	assert_int_equal(err_exit_code(ERR_TEMP), EX_TEMPFAIL);
	assert_int_equal(err_exit_code(ERR_TEMP), 75);
	assert_int_equal(err_exit_code(ERR_PROTOCOL), EX_PROTOCOL);
	assert_int_equal(err_exit_code(ERR_PROTOCOL), 76);
	assert_int_equal(err_exit_code(ERR_NOPERM), EX_NOPERM);
	assert_int_equal(err_exit_code(ERR_NOPERM), 77);
	assert_int_equal(err_exit_code(ERR_CONFIG), EX_CONFIG);
	assert_int_equal(err_exit_code(ERR_CONFIG), 78);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_err_zero_is_none),
		cmocka_unit_test(test_err_set_formats),
		cmocka_unit_test(test_err_set_replaces),
		cmocka_unit_test(test_err_set_long_text),
		cmocka_unit_test(test_err_prefix),
		cmocka_unit_test(test_err_clear),
		cmocka_unit_test(test_err_exit_codes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
