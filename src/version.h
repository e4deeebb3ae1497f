/* version.h - what --version says */
#ifndef DSMTP_VERSION_H
#define DSMTP_VERSION_H

#include <stdio.h>

/* Print, as msmtp does: the version, the libraries as loaded, the
 * features built in (keyring, NLS), the AUTH mechanisms and DKIM
 * algorithms, and the configuration files in the order they are read.
 * Lines are "Label: value" (labels translated; LC_ALL=C gives the English
 * ones the shell completions read). */
void version_print(FILE *out);

#endif
