/* incoming.h - a submission handed to the system spool by a user who
 * cannot read the system's configuration
 *
 * The privilege split (spec section 7): an unprivileged dsmtp reads the
 * message, writes it in this form to the set-group-ID helper, which puts
 * it in the spool's incoming/ directory; the queue daemon, which can read
 * the configuration and the secrets, picks it up and submits it for the
 * user whose uid owns the file (never one the file names). This module is
 * the form only: pure, a fuzz target. */
#ifndef DSMTP_INCOMING_H
#define DSMTP_INCOMING_H

#include <stddef.h>
#include <sys/types.h>

#include "err.h"

#define INCOMING_FORMAT 1
/* Bounds a handed-over submission's header may not pass. */
#define INCOMING_MAX_ARGS 1000
#define INCOMING_MAX_ARG 4096
#define INCOMING_MAX_HEADER (1u << 20)

/* The command-line words of a submission (after the program name), as
 * the user gave them; the message follows the header in the file. */
struct incoming {
	char **args;
	size_t nargs;
};

/* 0 when the words (after the program name) ask only for what a user may
 * ask of the system's mail: the envelope and the message (-f, -r, -F, -t,
 * -i, -oi, -o options, -N, -R, -V, -B, -a, --read-envelope-from, -v,
 * ignored sendmail options, recipients). Anything that would make the
 * daemon read or write a file, run a command or reach another server for
 * the user (-C, -X, --host, the options that set configuration commands:
 * --tls, --passwordeval, --logfile...), or another mode (-bs, -q...), is
 * refused: -1 with e set (ERR_USAGE, naming it). */
int incoming_check_args(char *const *args, size_t n, struct err *e);

/* The header: "dsmtp-incoming 1", an "arg WORD" line per word, "data".
 * -1 with e set (ERR_DATA) when a word holds a control character or a
 * bound is passed. Caller frees *out. */
int incoming_format(const struct incoming *in, char **out, size_t *len,
                    struct err *e);

/* Parse a header from the start of p; its length (the message follows),
 * or -1 with e set (ERR_DATA) and in released. */
ssize_t incoming_parse(const char *p, size_t len, struct incoming *in,
                       struct err *e);
void incoming_free(struct incoming *in);

#endif
