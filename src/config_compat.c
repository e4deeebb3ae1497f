/* config_compat.c - msmtp's reading rules: old names, empty arguments,
 *                   domain substitutions
 *
 * Owns: what msmtp 1.8's old command names and empty arguments mean, and
 *       expanding domain's %H and %M.
 * Not:  the grammar, validation and storing values (config.c). */

#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "config_compat.h"

/* An old command with argument arg means cmd with value to (CFG_NCMDS:
 * nothing). Any other argument is refused. */
struct config_old {
	const char *name;
	const char *arg;
	enum config_cmd cmd;
	const char *to;
};

static const struct config_old config_olds[] = {
	{ "keepbcc", "", CFG_REMOVE_BCC_HEADERS, "off" },
	{ "keepbcc", "on", CFG_REMOVE_BCC_HEADERS, "off" },
	{ "keepbcc", "off", CFG_REMOVE_BCC_HEADERS, "on" },
	{ "tls_nocertcheck", "", CFG_TLS_CERTCHECK, "off" },
	{ "tls_nostarttls", "", CFG_TLS_STARTTLS, "off" },
	{ "add_missing_from_header", "", CFG_SET_FROM_HEADER, "auto" },
	{ "add_missing_from_header", "on", CFG_SET_FROM_HEADER, "auto" },
	{ "add_missing_from_header", "off", CFG_SET_FROM_HEADER, "off" },
	{ "add_missing_date_header", "", CFG_SET_DATE_HEADER, "auto" },
	{ "add_missing_date_header", "on", CFG_SET_DATE_HEADER, "auto" },
	{ "add_missing_date_header", "off", CFG_SET_DATE_HEADER, "off" },
	/* tls_force_sslv3 off asks for nothing; on (or empty) is refused. */
	{ "tls_force_sslv3", "off", CFG_NCMDS, NULL },
};

int
config_compat_old(const char *name, const char *arg, int *cmd,
		  const char **v, enum config_compat_refusal *why)
{
	size_t i;
	int known = 0;

	for (i = 0; i < sizeof(config_olds) / sizeof(config_olds[0]); i++) {
		if (strcmp(config_olds[i].name, name) != 0)
			continue;
		known = 1;
		if (strcmp(config_olds[i].arg, arg) == 0) {
			*cmd = (int)config_olds[i].cmd;
			*v = config_olds[i].to;
			return 0;
		}
	}
	if (!known)
		return 1;
	if (strcmp(name, "tls_force_sslv3") == 0)
		*why = CONFIG_COMPAT_SSLV3;
	else if (strncmp(name, "tls_no", 6) == 0)
		*why = CONFIG_COMPAT_NO_ARG;
	else
		*why = CONFIG_COMPAT_ON_OFF;
	return -1;
}

int
config_compat_empty(enum config_cmd cmd, int is_switch, const char **v)
{
	switch (cmd) {
	case CFG_HOST: case CFG_PORT: case CFG_TIMEOUT: case CFG_PROTOCOL:
	case CFG_DSN_RETURN: case CFG_DSN_NOTIFY:
		return -1;
	case CFG_AUTH: case CFG_SYSLOG:
		*v = "on";
		return 0;
	case CFG_SET_FROM_HEADER: case CFG_SET_DATE_HEADER:
	case CFG_SET_MSGID_HEADER:
		*v = "auto";
		return 0;
	case CFG_ALIASES:
		*v = "";
		return 0;
	default:
		*v = is_switch ? "on" : NULL;
		return 0;
	}
}

/* The first word of the mail name file into b; -1 with *err set (msmtp,
 * too, refuses %M without it). */
static int
config_compat_mailname(struct buf *b, int *err)
{
	char line[256];
	FILE *f = fopen(CONFIG_COMPAT_MAILNAME, "r");
	size_t n;

	if (f == NULL) {
		*err = errno;
		return -1;
	}
	if (fgets(line, sizeof(line), f) == NULL)
		line[0] = '\0';
	fclose(f);
	n = strcspn(line, " \t\r\n");
	if (n == 0) {
		*err = 0;
		return -1;
	}
	buf_append(b, line, n);
	return 0;
}

char *
config_compat_domain(const char *v, int *err)
{
	struct buf b = { 0 };
	char host[256] = "";

	for (; *v != '\0'; v++) {
		if (v[0] == '%' && v[1] == 'H') {
			if (gethostname(host, sizeof(host) - 1) < 0)
				strcpy(host, "localhost");
			host[sizeof(host) - 1] = '\0';
			buf_append_str(&b, host);
			v++;
		} else if (v[0] == '%' && v[1] == 'M') {
			if (config_compat_mailname(&b, err) < 0) {
				buf_free(&b);
				return NULL;
			}
			v++;
		} else {
			buf_append_char(&b, *v);
		}
	}
	buf_cstr(&b);
	return buf_steal(&b);
}
