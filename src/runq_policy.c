/* runq_policy.c - the retry schedule and the queue lifetime
 *
 * Owns: backoff after a failed attempt, the next attempt time, expiry,
 *       whether an entry is due. Pure arithmetic, safe against overflow
 *       for any time and lifetime a file may hold.
 * Not:  loading entries, delivering, bouncing (the runner). */

#include <config.h>

#include <stdint.h>

#include "runq_policy.h"

/* Signed time arithmetic that saturates instead of overflowing. */
static time_t
runq_add(time_t a, time_t b)
{
	const time_t max = (time_t)INT64_MAX;

	if (b > 0 && a > max - b)
		return max;
	if (b < 0 && a < -max - b)
		return -max;
	return a + b;
}

time_t
runq_backoff(unsigned attempts)
{
	static const time_t steps[] = {60, 300, 900, 1800, 3600};

	if (attempts == 0)
		return 0;
	if (attempts <= sizeof(steps) / sizeof(steps[0]))
		return steps[attempts - 1];
	return 7200;
}

time_t
runq_next_attempt(time_t created, unsigned attempts, time_t now,
                  time_t lifetime)
{
	time_t next = runq_add(now, runq_backoff(attempts));
	time_t end = runq_add(created, lifetime);

	return next > end && end > now ? end : next;
}

int
runq_expired(time_t created, time_t now, time_t lifetime)
{
	return now >= runq_add(created, lifetime);
}

int
runq_due(time_t next_attempt, time_t now)
{
	return next_attempt <= now;
}
