/* pretend.c - what -P/--pretend prints
 *
 * Owns: the text of --pretend: files read, why the account was chosen,
 *       each command's effective value and where it came from.
 * Not:  choosing the account (config, submit), the defaults' effect
 *       (computed by the modules that apply them where they can be:
 *       deliver_target for the relay, addr for the domains). */

#include <config.h>

#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "addr.h"
#include "deliver.h"
#include "i18n.h"
#include "pretend.h"
#include "spool.h"
#include "xmalloc.h"

/* Defaults that no module computes from the account (fixed text). */
static const char *const pretend_fixed[CFG_NCMDS] = {
        [CFG_PROTOCOL] = "smtp",
        [CFG_AUTH] = "off",
        [CFG_TLS] = "off",
        [CFG_TLS_STARTTLS] = "on",
        [CFG_TLS_CERTCHECK] = "on",
        [CFG_TLS_TRUST_FILE] = "system",
        [CFG_PROXY_PORT] = "1080",
        [CFG_ALLOW_FROM_OVERRIDE] = "on",
        [CFG_SET_FROM_HEADER] = "auto",
        [CFG_SET_DATE_HEADER] = "auto",
        [CFG_SET_MSGID_HEADER] = "auto",
        [CFG_SET_TO_HEADER] = "off",
        [CFG_REMOVE_BCC_HEADERS] = "on",
        [CFG_UNDISCLOSED_RECIPIENTS] = "off",
        [CFG_ALIASES] = "/etc/aliases",
        [CFG_LOGFILE_TIME_FORMAT] = "%b %d %H:%M:%S",
        [CFG_SYSLOG] = "on (facility mail)",
        [CFG_READ_ENVELOPE_FROM] = "on",
        [CFG_DKIM_CANONICALIZATION] = "relaxed/relaxed",
        [CFG_DKIM_EXPIRE] = "off",
        [CFG_QUEUE] = "on",
        [CFG_DOUBLE_BOUNCE_TO] = "root",
        [CFG_QUEUE_DELAY_WARNING] = "off",
        [CFG_QUEUE_LIFETIME] = "5d",
        [CFG_MX_TLS] = "opportunistic",
        [CFG_MTA_STS] = "on",
        [CFG_MX_ADDRESS_FAMILY] = "any",
        [CFG_FALLBACK_MX] = "off",
};

static char *
pretend_default(const struct account *a, enum config_cmd cmd,
                const struct smtp_target *t, const char *domain)
{
	const struct passwd *pw = getpwuid(getuid());

	switch (cmd) {
	case CFG_PORT:
		return xasprintf("%d", t->port);
	case CFG_TIMEOUT:
		return xasprintf("%ld", t->timeout);
	case CFG_DOMAIN:
		return deliver_is_mx(a) ? addr_host_fqdn() : xstrdup(t->helo);
	case CFG_QUALIFY_DOMAIN:
		return xstrdup(domain);
	case CFG_FROM:
		return xasprintf(
		        "%s@%s (the calling user)", pw ? pw->pw_name : "?",
		        a->val[CFG_QUALIFY_DOMAIN] ? a->val[CFG_QUALIFY_DOMAIN]
		                                   : domain);
	case CFG_DKIM_DOMAIN:
		return xstrdup(_("the From header's domain"));
	case CFG_QUEUE_DIR:
		return spool_dir(a);
	case CFG_DELIVERY:
		return xstrdup(deliver_is_mx(a) ? "mx" : "relay");
	default:
		return pretend_fixed[cmd] ? xstrdup(pretend_fixed[cmd]) : NULL;
	}
}

static const char *
pretend_why(const struct cli_opts *cli, const struct account *a)
{
	if (cli->host != NULL)
		return _("--host: no configuration file is read");
	if (cli->account != NULL)
		return _("chosen with -a");
	if (cli->from != NULL && a->val[CFG_FROM] != NULL &&
	    (a->name == NULL || strcmp(a->name, "default") != 0))
		return _("its from matches the -f address");
	if (a->name != NULL && strcmp(a->name, "default") == 0)
		return _("the account named default");
	return _("the defaults section (no account is defined)");
}

/* One command: repeated ones (dkim_key) print a line per value. */
static void
pretend_line(FILE *out, const char *name, const char *v, const char *where)
{
	const char *nl;

	do {
		nl = strchr(v, '\n');
		fprintf(out, "%s %.*s  # %s\n", name,
		        nl ? (int)(nl - v) : (int)strlen(v), v, where);
		v = nl ? nl + 1 : NULL;
	} while (v != NULL);
}

void
pretend_print(FILE *out, const struct cli_opts *cli, const struct config *cfg,
              const struct account *a)
{
	char *domain = addr_default_domain(), *dflt;
	struct smtp_target t;
	size_t i;
	int k;

	for (i = 0; i < cfg->nfiles; i++)
		fprintf(out, "# %s %s\n", _("file read:"), cfg->files[i]);
	fprintf(out, "# account %s: %s\n", a->name ? a->name : "defaults",
	        pretend_why(cli, a));
	fprintf(out, "account %s\n", a->name ? a->name : "defaults");
	deliver_target(a, domain, &t);
	for (k = 0; k < CFG_NCMDS; k++) {
		const char *name = config_cmd_name((enum config_cmd)k);
		const char *v = a->val[k];

		if (v != NULL) {
			pretend_line(out, name,
			             config_cmd_secret((enum config_cmd)k)
			                     ? "<hidden>"
			                     : v,
			             a->origin[k] ? a->origin[k] : "?");
			continue;
		}
		dflt = pretend_default(a, (enum config_cmd)k, &t, domain);
		if (dflt != NULL)
			pretend_line(out, name, dflt, _("default"));
		free(dflt);
	}
	free(domain);
}
