/* config_compat.h - msmtp's reading rules that config.c follows
 *
 * Private to the configuration module (config.c). */
#ifndef DSMTP_CONFIG_COMPAT_H
#define DSMTP_CONFIG_COMPAT_H

#include "config.h"

/* Where domain's %M comes from (msmtp reads SYSCONFDIR/mailname, which is
 * this file on Debian). */
#define CONFIG_COMPAT_MAILNAME "/etc/mailname"

/* Why an old command's argument is refused. */
enum config_compat_refusal {
	CONFIG_COMPAT_SSLV3,    /* tls_force_sslv3 on: SSLv3 is gone */
	CONFIG_COMPAT_NO_ARG,   /* tls_nocertcheck, tls_nostarttls */
	CONFIG_COMPAT_ON_OFF    /* the others take on, off or nothing */
};

/* msmtp's old command names (keepbcc, tls_nocertcheck, tls_nostarttls,
 * add_missing_from_header, add_missing_date_header, tls_force_sslv3).
 * Returns 1 when name is none of them; 0 with *cmd and *v set to the
 * command and value meant (*cmd CFG_NCMDS: nothing to set); -1 with *why
 * set when arg is refused. connect_timeout is not here: it is timeout's
 * other name. */
int config_compat_old(const char *name, const char *arg, int *cmd,
		      const char **v, enum config_compat_refusal *why);

/* What an empty argument to cmd means, as in msmtp: "on" for switches
 * (is_switch, auth, syslog), "auto" for set_*_header, "" for aliases (no
 * aliases file), else NULL (unset). Sets *v; -1 when msmtp says the
 * command needs an argument. */
int config_compat_empty(enum config_cmd cmd, int is_switch, const char **v);

/* domain's v with %H (this host's name) and %M (the first word of
 * CONFIG_COMPAT_MAILNAME) expanded; any other %X is kept. Caller frees;
 * NULL when %M cannot be read, with *err set to the errno value, or to 0
 * when the file holds no word. */
char *config_compat_domain(const char *v, int *err);

#endif
