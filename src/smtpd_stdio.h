/* smtpd_stdio.h - the -bs SMTP server dialogue on stdin/stdout */
#ifndef DSMTP_SMTPD_STDIO_H
#define DSMTP_SMTPD_STDIO_H

#include "cli.h"
#include "config.h"
#include "err.h"
#include "submit.h"

/* Submits one message the dialogue received (its bytes on fd, taken
 * whole) with env's envelope and out-fields, as submit_message does:
 * 0, or -1 with e set. */
typedef int (*smtpd_submit_fn)(void *ctx, int fd,
			       const struct submit_envelope *env,
			       struct err *e);

/* Speak SMTP on in_fd/out_fd until QUIT or end of input; each accepted
 * message goes to submit and is answered with its outcome. Returns 0, or
 * 74 (EX_IOERR) when the output breaks. */
int smtpd_stdio_serve(smtpd_submit_fn submit, void *ctx, int in_fd,
		      int out_fd);

/* smtpd_stdio_serve with submit_message under cli and cfg. */
int smtpd_stdio_run(const struct cli_opts *cli, const struct config *cfg,
		    int in_fd, int out_fd);

/* No configuration to serve with: greet "554 5.3.5 <reason>" on out_fd,
 * so the client (Symfony, Laravel) logs the reason rather than "connection
 * closed unexpectedly". */
void smtpd_stdio_refuse(int out_fd, const struct err *e);

/* Parse "FROM:<addr> params" / "TO:<addr> params" after the verb; the
 * address goes into addr (caller frees), the parameters into *params
 * (borrowed from arg). Returns -1 on a syntax error. */
int smtpd_parse_path(const char *arg, const char *keyword, char **addr,
		     const char **params);

#endif
