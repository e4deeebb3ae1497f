/* pretend.h - what -P/--pretend prints */
#ifndef DSMTP_PRETEND_H
#define DSMTP_PRETEND_H

#include <stdio.h>

#include "cli.h"
#include "config.h"

/* Print the files read, the account a and why it was chosen (from the
 * command line cli), then every command of a: its value and the file and
 * line it came from, or the default dsmtp uses when it is not set ("#
 * default"). Secrets (password, passwordeval) are shown as <hidden>. */
void pretend_print(FILE *out, const struct cli_opts *cli,
                   const struct config *cfg, const struct account *a);

#endif
