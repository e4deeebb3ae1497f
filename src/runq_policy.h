/* runq_policy.h - when a queued message is tried again, and when not */
#ifndef DSMTP_RUNQ_POLICY_H
#define DSMTP_RUNQ_POLICY_H

#include <time.h>

/* The default queue_lifetime: five days, as Postfix and dma keep mail. */
#define RUNQ_DEFAULT_LIFETIME (5 * 24 * 3600)

/* Seconds to wait after the attempts-th failed attempt (1 for the first):
 * 1 min, 5 min, 15 min, 30 min, 1 h, then every 2 h. */
time_t runq_backoff(unsigned attempts);

/* The time of the next attempt after a failed one at now: now plus the
 * backoff, but never past the end of the lifetime (the last attempt is
 * made when it ends). */
time_t runq_next_attempt(time_t created, unsigned attempts, time_t now,
                         time_t lifetime);

/* 1 when a message accepted at created has outlived lifetime at now: its
 * remaining recipients are bounced as expired. */
int runq_expired(time_t created, time_t now, time_t lifetime);

/* 1 when an entry is due at now under the schedule (--queue-run and the
 * daemon); -q and --queue-flush try every entry whatever this says. */
int runq_due(time_t next_attempt, time_t now);

#endif
