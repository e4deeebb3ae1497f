/* incoming_args.c - which command-line words a user may hand over
 *
 * Owns: the rule of incoming_check_args (incoming.h).
 * Not:  the header's form (incoming.c). */

#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "i18n.h"
#include "incoming.h"
#include "xmalloc.h"

int
incoming_check_args(char *const *args, size_t n, struct err *e)
{
	char **argv = xcalloc(n + 2, sizeof(*argv));
	struct cli_opts o;
	const char *bad = NULL;
	int rc;

	argv[0] = (char *)"sendmail";
	if (n > 0)
		memcpy(argv + 1, args, n * sizeof(*argv));
	rc = cli_parse((int)n + 1, argv, &o, e);
	if (rc == 0) {
		if (o.mode != CLI_MODE_SEND)
			bad = _("another mode than sending a message");
		else if (o.config_file != NULL)
			bad = "-C";
		else if (o.host != NULL)
			bad = "--host";
		else if (o.nsettings > 0)
			bad = o.settings[0].option;
	}
	if (bad != NULL) {
		err_set(e, ERR_USAGE, _("not allowed when submitting to the "
		                        "system's queue: %s"), bad);
		rc = -1;
	}
	cli_free(&o);
	free(argv);
	return rc;
}
