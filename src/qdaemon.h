/* qdaemon.h - --queue-daemon: the queue runner that stays */
#ifndef DSMTP_QDAEMON_H
#define DSMTP_QDAEMON_H

#include "cli.h"
#include "config.h"
#include "err.h"

/* How many queue runs the daemon lets work at once; as many workers
 * again may each deliver one new entry. */
#define QDAEMON_WORKERS 4
/* New entries that wait for a worker of their own; more at once make a
 * run over the whole spool. */
#define QDAEMON_NEWS 64
/* The longest the daemon sleeps before it looks for due entries. */
#define QDAEMON_PERIOD 60

/* Run until SIGTERM or SIGINT: watch every spool the configuration names
 * (inotify on entries/). At start and every QDAEMON_PERIOD seconds, start
 * queue runs of the due entries (--queue-run) in worker processes, up to
 * QDAEMON_WORKERS at once, each keeping its relay connection from one
 * entry to the next; an entry that arrives gets a worker of its own
 * (-qI: one file read, not the spool; up to QDAEMON_WORKERS of those at
 * once, besides the runs), and when more arrive at once than
 * QDAEMON_NEWS, a run over the whole spool takes them. A worker that
 * waits on a slow relay holds only the entry it is delivering (its lock):
 * the others, and those started later, go on with the rest. On SIGTERM
 * no new worker starts, and the running ones finish their entry. Returns
 * 0 at the end, or -1 with e set when no spool can be watched. */
int qdaemon_run(const struct cli_opts *cli, const struct config *cfg,
                struct err *e);

#endif
