/* runq.h - the queue runner: due entries, attempts, bounces, expiry */
#ifndef DSMTP_RUNQ_H
#define DSMTP_RUNQ_H

#include <signal.h>
#include <stddef.h>
#include <time.h>

#include "err.h"
#include "queue.h"

/* What one delivery attempt did for one pending recipient. */
enum runq_result { RUNQ_DONE, RUNQ_TEMP, RUNQ_PERM };

struct runq_outcome {
	enum runq_result result;
	char *reply;  /* the last reply or reason; the runner frees */
	char *remote; /* the host that replied, or NULL; runner frees */
	int relayed;  /* RUNQ_DONE to a relay that takes no DSN while the
	               * sender asked for NOTIFY=SUCCESS: a "relayed"
	               * notification is owed */
};

/* The delivery engine as the runner sees it: deliver ent's message to its
 * pending recipients (ent->env.rcpts[i] with state QUEUE_RCPT_PENDING, in
 * order) and fill out[k] for the k-th of them. Returns 0, or -1 with e set
 * when no attempt could be made at all (every pending recipient is then
 * taken as RUNQ_TEMP with e's text). */
typedef int (*runq_deliver_fn)(void *ctx, const struct queue_entry *ent,
                               struct runq_outcome *out, struct err *e);

struct runq_options {
	int flush; /* -q: every entry now, whatever is due */
	time_t now;
	time_t lifetime;           /* queue_lifetime */
	/* Or, when set, each entry's own (its account's queue_lifetime). */
	time_t (*lifetime_of)(void *ctx, const struct queue_env *env);
	/* After how long waiting mail draws one delay warning to its sender
	 * (queue_delay_warning of the entry's account; 0: never). NULL:
	 * never. */
	time_t (*delay_warning_of)(void *ctx, const struct queue_env *env);
	/* The host whose replies an entry keeps (its account's relay), for
	 * the bounces' Remote-MTA; NULL: none is named. */
	const char *(*remote_mta_of)(void *ctx, const struct queue_env *env);
	void *lifetime_ctx;          /* for the three */
	const char *only_id;       /* -qI: that entry only */
	/* shares > 1: a run shared by that many processes; this one takes
	 * the entries whose id hashes to share (0 .. shares-1). */
	unsigned share, shares;
	const char *only_domain;   /* -qR: entries with a recipient there */
	const char *only_sender;   /* -qS: entries whose sender contains it */
	const char *reporting_mta; /* this host's name, for bounces */
	const char *postmaster;    /* From: of bounces */
	/* Where a notice goes when a notification (mail from the null
	 * sender) fails: double_bounce_to, its aliases expanded. */
	const char *const *notice_to;
	size_t nnotice_to;
	/* Set: the next attempt is reckoned from the clock when an attempt
	 * ends, not from now (a run that takes longer than a backoff step
	 * must not write entries that are due already). */
	int live_clock;
	/* When set and it becomes non-zero (a signal handler's flag), the
	 * run stops before its next entry. */
	const volatile sig_atomic_t *stop;
};

struct runq_stats {
	size_t tried, delivered, deferred, bounced, expired, busy, broken,
	        held, bounces_queued;
	/* The notification the last attempt queued, "" when none: a
	 * submission attempts it at once too. */
	char bounce_id[QUEUE_ID_MAX];
	/* The "relayed" report it queued, "" when none: attempted at once
	 * too. */
	char relayed_id[QUEUE_ID_MAX];
};

/* Run the queue once: for every entry that is due (or every one with
 * flush), not held, and passes the filters, take its lock (entries
 * another runner holds are skipped), bounce what outlived its lifetime,
 * deliver the rest through fn, and then:
 * - recipients done are dropped;
 * - temporary failures wait for the next attempt (runq_policy's backoff);
 *   mail still waiting after delay_warning_of draws one warning to the
 *   sender (Action: delayed), unless NOTIFY excludes DELAY;
 * - permanent failures get a delivery status notification queued to the
 *   sender before they are dropped (none when NOTIFY excludes FAILURE);
 *   for mail from the null sender a notice to o->notice_to instead, and
 *   when that fails too the entry is kept, held and logged: nothing
 *   loops, nothing is lost;
 * - the entry goes when nothing is left.
 * Files that are not valid entries are quarantined by the queue and
 * counted as broken; what dead writers left in tmp/ is swept
 * (queue_sweep_tmp). Notifications the run queues are attempted in the
 * same run (unless only_id is set). Returns 0, or -1 with e set when the
 * spool cannot be read. */
int runq_run(struct queue *q, const struct runq_options *o, runq_deliver_fn fn,
             void *ctx, struct runq_stats *st, struct err *e);

/* What runq_run does to one entry, loaded and locked by the caller (a
 * submission that has just committed it): expire or attempt it through
 * fn, bounce, then rewrite or remove it. Adds to st. Returns 0, or -1
 * with e set when the entry could not be rewritten (it is then as it was
 * before the attempt, and the next run tries again). */
int runq_one(struct queue *q, const struct runq_options *o,
             struct queue_entry *ent, runq_deliver_fn fn, void *ctx,
             struct runq_stats *st, struct err *e);

#endif
