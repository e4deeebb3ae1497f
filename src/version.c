/* version.c - what --version says
 *
 * Owns: the text of --version.
 * Not:  the facts in it: each library's version comes from the module
 *       that owns the library (tls, addr, secret), the file order from
 *       config. */

#include <config.h>

#include <stdlib.h>

#include "addr.h"
#include "config.h"
#include "i18n.h"
#include "handover.h"
#include "secret.h"
#include "spool.h"
#include "tls.h"
#include "version.h"

static void
version_files(FILE *out)
{
	static const char *labels[4];
	struct config_sources src = { CONFIG_SYSTEM_FILE, NULL, 0 };
	char *paths[4];
	size_t i, n;

	labels[0] = _("System configuration file");
	labels[1] = _("User configuration file");
	labels[2] = _("msmtp system configuration file");
	labels[3] = _("msmtp user configuration file");
	config_search_paths(&src, paths, &n);
	for (i = 0; i < n; i++) {
		/* Without HOME there is no user file: keep the labels true. */
		fprintf(out, "%s: %s\n",
			labels[n == 4 ? i : i < 1 ? 0 : 2], paths[i]);
		free(paths[i]);
	}
	fprintf(out, "%s\n", _("(the msmtp files are read only when neither "
			       "dsmtp file exists)"));
	fprintf(out, "%s: %s\n", _("System queue"), SPOOL_SYSTEM_DIR);
	fprintf(out, "%s: %s\n", _("System queue helper"),
		handover_helper_path());
}

void
version_print(FILE *out)
{
	const char *helper = secret_keyring_helper();

	fprintf(out, _("dsmtp version %s\n"), VERSION);
	fprintf(out, "%s: %s\n", _("TLS library"), tls_library());
	fprintf(out, "%s: %s\n", _("Address libraries"), addr_libraries());
	fprintf(out, "%s: %s\n", _("DNS"), _("the system resolver (glibc)"));
	fprintf(out, "%s: %s\n", _("Authentication methods"),
		"scram-sha-256-plus scram-sha-256 cram-md5 plain login "
		"xoauth2 oauthbearer external");
	fprintf(out, "%s: %s\n", _("DKIM algorithms"),
		"rsa-sha256 ed25519-sha256");
	if (helper != NULL)
		fprintf(out, _("Keyring support: libsecret, through %s\n"),
			helper);
	else
		fprintf(out, "%s\n", _("Keyring support: not built in"));
#ifdef ENABLE_NLS
	fprintf(out, _("NLS: enabled, LOCALEDIR is %s\n"), LOCALEDIR);
#else
	fprintf(out, "%s\n", _("NLS: disabled"));
#endif
	version_files(out);
}
