/* testclock.h - the monotonic clock in seconds, for tests that bound how
 * long something may take (wide margins: correctness, not benchmarks) */
#ifndef DSMTP_TESTCLOCK_H
#define DSMTP_TESTCLOCK_H

#include <time.h>

static double
test_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#endif
