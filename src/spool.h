/* spool.h - where an account's queue lives */
#ifndef DSMTP_SPOOL_H
#define DSMTP_SPOOL_H

#include "config.h"
#include "err.h"
#include "queue.h"

/* The spool of the system (root's mail, and later the set-group-ID
 * helper's): the configured localstatedir's spool/dsmtp. */
#define SPOOL_SYSTEM_DIR SPOOLDIR
/* The group of the system's queue daemon: it may read root's secrets
 * (0640 root:dsmtp). */
#define SPOOL_GROUP "dsmtp"

/* 1 when the caller runs the system's mail: root, or the owner of the
 * system spool (the dsmtp user of make install-system), found once per
 * process. */
int spool_is_system_runner(void);

/* The queue directory for account a: its queue_dir; else the system
 * spool when the caller runs the system's mail; else the user's own,
 * $XDG_STATE_HOME/dsmtp/queue (~/.local/state/dsmtp/queue). Caller
 * frees. */
char *spool_dir(const struct account *a);

/* 1 when account a keeps what it cannot deliver now (queue on, the
 * default). */
int spool_wanted(const struct account *a);

/* Open account a's queue (spool_dir), creating the directories above it
 * where missing (0755 above the system spool, else 0700). As
 * queue_open. */
int spool_open(struct queue *q, const struct account *a, struct err *e);

#endif
