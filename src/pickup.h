/* pickup.h - handed-over submissions (handover.h) into the queue */
#ifndef DSMTP_PICKUP_H
#define DSMTP_PICKUP_H

#include <stddef.h>

#include "config.h"
#include "queue.h"

/* Temporaries of helpers that died go after this many seconds. */
#define PICKUP_STALE 600

/* Open q's incoming/ (the system spool's; the directory dsmtp-drop
 * writes to): its fd, or -1 when there is none. */
int pickup_open(const struct queue *q);

/* Take every complete file in incfd (q's incoming/), oldest first. Each
 * is submitted, in a process of its own, for the user who owns the file
 * (never one the file names): its words are checked again
 * (incoming_check_args), and the message goes through submission and is
 * committed to the queue with the file's name as its id, without an
 * attempt (the runner or the daemon delivers it); then the file goes. One
 * whose entry is there already (a pickup that died after the commit)
 * just goes. A file that is not a handed-over submission, or whose
 * submission is refused for good (a bad address, no recipient, an
 * option users may not give), moves to q's quarantine/ and is logged;
 * other failures leave it for the next pickup. Returns how many were
 * taken. */
size_t pickup_run(const struct config *cfg, struct queue *q, int incfd);

#endif
