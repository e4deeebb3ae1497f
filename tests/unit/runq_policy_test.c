/* runq_policy_test.c - unit tests for runq_policy.h
 *
 * Owns: the backoff steps, the next attempt capped at the end of the
 *       lifetime, expiry at its exact second, overflow-safe arithmetic.
 * Not:  the runner itself. */

#include <config.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>

#include <cmocka.h>

#include "runq_policy.h"

#define T0 ((time_t)1764547200)

static void
test_backoff_steps(void **state)
{
	static const time_t want[] = { 0, 60, 300, 900, 1800, 3600, 7200,
				       7200 };
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		assert_int_equal(runq_backoff(i), want[i]);
	assert_int_equal(runq_backoff(4000000000u), 7200);
}

static void
test_next_attempt(void **state)
{
	(void)state;
	assert_int_equal(runq_next_attempt(T0, 1, T0, RUNQ_DEFAULT_LIFETIME),
			 T0 + 60);
	assert_int_equal(runq_next_attempt(T0, 7, T0 + 3 * 86400,
					   RUNQ_DEFAULT_LIFETIME),
			 T0 + 3 * 86400 + 7200);
	/* Never past the end of the lifetime: the last try is made then. */
	assert_int_equal(runq_next_attempt(T0, 9, T0 + 5 * 86400 - 100,
					   RUNQ_DEFAULT_LIFETIME),
			 T0 + 5 * 86400);
	assert_int_equal(runq_next_attempt(T0, 2, T0 + 10, 60), T0 + 60);
}

static void
test_expiry(void **state)
{
	(void)state;
	assert_false(runq_expired(T0, T0 + 5 * 86400 - 1,
				  RUNQ_DEFAULT_LIFETIME));
	assert_true(runq_expired(T0, T0 + 5 * 86400, RUNQ_DEFAULT_LIFETIME));
	assert_true(runq_expired(T0, T0, 0));
}

static void
test_no_overflow(void **state)
{
	const time_t max = (time_t)INT64_MAX;

	(void)state;
	assert_false(runq_expired(T0, max - 1, max));
	assert_true(runq_expired(T0, max, max - T0));
	assert_int_equal(runq_next_attempt(T0, 9, max - 10, max), max);
	assert_true(runq_due(T0, T0));
	assert_false(runq_due(T0 + 1, T0));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_backoff_steps),
		cmocka_unit_test(test_next_attempt),
		cmocka_unit_test(test_expiry),
		cmocka_unit_test(test_no_overflow),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
