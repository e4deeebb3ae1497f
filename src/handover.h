/* handover.h - a user's message to the system's mail, through dsmtp-drop
 *
 * The privilege split (spec section 7): a user who may not read the
 * system's configuration (its secrets are root's and the dsmtp group's)
 * and has none of their own hands the command line and the message to
 * the set-group-ID helper, which makes them durable in the system spool's
 * incoming/; the queue daemon (or a run as root or the dsmtp user) picks
 * them up and submits them for that user (pickup.h). */
#ifndef DSMTP_HANDOVER_H
#define DSMTP_HANDOVER_H

#include <stddef.h>

#include "cli.h"
#include "err.h"
#include "queue.h"
#include "submit.h"

/* Where dsmtp-drop is: beside this binary when private (file_helper),
 * else installed in pkglibexecdir. */
const char *handover_helper_path(void);

/* 1 when the submission cli describes goes through the helper: the
 * caller is not root, names no configuration (no -C, no --host), has no
 * file of their own, the system's file exists but the caller may not
 * read it, and the helper is installed. */
int handover_wanted(const struct cli_opts *cli);

/* Hand args (the command line after the program name, as given) and the
 * message read from fd (to its end, or to a line "." unless ignore_dots)
 * to the helper. Returns 0 once the helper made them durable (the
 * queue id in id; with -v one line on stderr says so), or -1 with e set:
 * ERR_USAGE (an option only the system's own runs may use), ERR_DATA
 * (too large), ERR_TEMP (the helper failed or the spool is full),
 * ERR_CONFIG (no spool to hand over to). */
int handover_submit(char *const *args, size_t nargs, int fd, int ignore_dots,
                    char id[QUEUE_ID_MAX], struct err *e);

/* mailq for a user of the system's mail: the caller's own entries of the
 * system spool, as `dsmtp-drop --list` gives them, each passed to each
 * (the entry's fd is -1: only its envelope and size are there). Returns 0
 * or -1 with e set (ERR_TEMP: the helper failed). */
int handover_list(void (*each)(const struct queue_entry *, void *),
                  void *ctx, struct err *e);

/* An smtpd_submit_fn (smtpd_stdio.h) for -bs: the dialogue's envelope
 * (MAIL FROM, RCPT TO) as -f and the recipients, the data taken whole,
 * through handover_submit; ctx unused. */
int handover_envelope(void *ctx, int fd, const struct submit_envelope *env,
                      struct err *e);

#endif
