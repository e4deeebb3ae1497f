/* child.h - running a configured command (eval, passwordeval) */
#ifndef DSMTP_CHILD_H
#define DSMTP_CHILD_H

#include <stddef.h>

#include "buf.h"

/* The most output either evaluated command may give (configuration text,
 * or a password line). */
#define CHILD_OUTPUT_MAX (64 * 1024)

enum child_outcome {
	CHILD_EXITED,    /* ended by itself; see *status */
	CHILD_TIMED_OUT, /* still running at the deadline: group killed */
	CHILD_TOO_MUCH,  /* more than max octets on stdout: group killed */
	CHILD_NOT_RUN    /* pipe or fork failed; errno is set */
};

/* Run cmd (without a shell when it has no shell syntax, else with
 * /bin/sh -c) in a process group of its own, its stdin /dev/null. Its
 * stdout is appended to out (may hold a secret: the caller wipes it),
 * its stderr to errout (at most max octets kept). The whole process group
 * is killed when timeout_s seconds (> 0) have passed or stdout passes max
 * octets. *status receives the waitpid status for CHILD_EXITED. */
enum child_outcome child_run(const char *cmd, int timeout_s, size_t max,
			     struct buf *out, struct buf *errout,
			     int *status);

#endif
