/* qcmd.h - the queue commands: run, list, remove, hold, release */
#ifndef DSMTP_QCMD_H
#define DSMTP_QCMD_H

#include <stdio.h>

#include "cli.h"
#include "config.h"
#include "err.h"
#include "aliases.h"

/* The spool directories the configuration names (each account's
 * spool_dir), each once, that exist; with create, made first where
 * missing. Added to dirs. */
void qcmd_spools(const struct config *cfg, int create, struct strlist *dirs);

/* -q / --queue-flush (every entry), --queue-run (the due ones), -qI<id>,
 * -qR<domain>, -qS<sender>: one run over every spool the configuration
 * names (each account's spool_dir), through the delivery engine, after
 * the pickup of what users handed over (not for -qI). Returns
 * 0, or -1 with e set when a spool cannot be opened. */
int qcmd_run(const struct cli_opts *cli, const struct config *cfg,
             struct err *e);

/* The submissions users handed over to every spool the configuration
 * names (the system spool's incoming/), into the queue (pickup.h); the
 * runs of qcmd_run do this first too. */
void qcmd_pickup(const struct config *cfg);

/* From now on, signal sig ends a qcmd_run after the entry it is at (the
 * daemon's workers on SIGTERM). */
void qcmd_stop_on(int sig);

/* mailq / -bp / --queue-list [--json]: the caller's entries (every
 * entry for root) of every spool, oldest first, on out. Returns 0 or -1
 * with e set. */
int qcmd_list(const struct cli_opts *cli, const struct config *cfg,
              FILE *out, struct err *e);

/* --queue-remove, --queue-hold, --queue-release=ID: act on the caller's
 * entry id (root: anyone's). A released entry is due at once, and its
 * recipients kept for the postmaster (a notice nobody took) are tried
 * again. Removing takes the entry's lock, so a
 * delivery in progress is never cut short: busy entries are refused
 * (ERR_TEMP). Returns 0, or -1 with e set (ERR_USAGE for a malformed or
 * unknown id, ERR_NOPERM for another user's). */
int qcmd_control(const struct cli_opts *cli, const struct config *cfg,
                 struct err *e);

#endif
