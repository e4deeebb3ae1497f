/* config.h - msmtprc-syntax configuration: accounts, defaults, choice */
#ifndef DSMTP_CONFIG_H
#define DSMTP_CONFIG_H

#include <stddef.h>

#include "err.h"

/* Every configuration command, msmtp's and dsmtp's own. */
enum config_cmd {
	CFG_HOST, CFG_PORT, CFG_SOURCE_IP, CFG_PROXY_HOST, CFG_PROXY_PORT,
	CFG_SOCKET, CFG_TIMEOUT, CFG_PROTOCOL, CFG_DOMAIN, CFG_AUTH, CFG_USER,
	CFG_PASSWORD, CFG_PASSWORDEVAL, CFG_TLS, CFG_TLS_STARTTLS,
	CFG_TLS_TRUST_FILE, CFG_TLS_CRL_FILE, CFG_TLS_FINGERPRINT,
	CFG_TLS_KEY_FILE, CFG_TLS_CERT_FILE, CFG_TLS_CERTCHECK,
	CFG_TLS_PRIORITIES, CFG_TLS_HOST_OVERRIDE, CFG_TLS_MIN_DH_PRIME_BITS,
	CFG_FROM, CFG_FROM_FULL_NAME, CFG_ALLOW_FROM_OVERRIDE, CFG_DSN_NOTIFY,
	CFG_DSN_RETURN, CFG_SET_FROM_HEADER, CFG_SET_DATE_HEADER,
	CFG_SET_MSGID_HEADER, CFG_SET_TO_HEADER, CFG_REMOVE_BCC_HEADERS,
	CFG_UNDISCLOSED_RECIPIENTS, CFG_ALIASES, CFG_LOGFILE,
	CFG_LOGFILE_TIME_FORMAT, CFG_SYSLOG, CFG_READ_ENVELOPE_FROM,
	CFG_DELIVERY, CFG_DKIM_KEY, CFG_DKIM_DOMAIN, CFG_DKIM_HEADERS,
	CFG_DKIM_CANONICALIZATION, CFG_DKIM_EXPIRE, CFG_QUALIFY_DOMAIN,
	CFG_QUEUE, CFG_QUEUE_DIR, CFG_QUEUE_LIFETIME, CFG_MX_TLS, CFG_MTA_STS,
	CFG_MAX_MESSAGE_SIZE, CFG_NTLMDOMAIN, CFG_AUTO_FROM, CFG_MAILDOMAIN,
	CFG_DOUBLE_BOUNCE_TO, CFG_QUEUE_DELAY_WARNING, CFG_FALLBACK_HOSTS,
	CFG_MX_ADDRESS_FAMILY, CFG_FALLBACK_MX, CFG_NCMDS
};

/* One account: the raw value of every command set for it (NULL when not
 * set), after defaults and inheritance were applied. dkim_key may be
 * given several times; its values are joined with '\n'. A command given
 * an empty argument unsets the value, as in msmtp: val is NULL and origin
 * names that line, so that the unset value is inherited too (aliases
 * keeps "": no aliases file at all). */
struct account {
	char *name;
	char *val[CFG_NCMDS];
	char *origin[CFG_NCMDS]; /* "file:line" where each value was set */
	char *defined;           /* "file:line" of its account command */
	int text;                /* which config_parse_text call read it */
};

struct config {
	struct account defaults;
	struct account **accounts;
	size_t naccounts;
	char **files;            /* files read, in order */
	size_t nfiles;
	char **searched;         /* files looked for, in order (-C: that one) */
	size_t nsearched;
	int ntexts;              /* config_parse_text calls so far */
};

/* msmtp's system file: read (when no dsmtp file exists) wherever dsmtp's
 * own sysconfdir is, because that is where Debian's msmtp keeps it. */
#define CONFIG_MSMTP_SYSTEM_FILE "/etc/msmtprc"
/* dsmtp's own system file. */
#define CONFIG_SYSTEM_FILE SYSCONFDIR "/dsmtprc"

/* Where configuration comes from. Any field may be NULL. */
struct config_sources {
	const char *system_file; /* usually SYSCONFDIR/dsmtprc */
	const char *user_file;   /* -C FILE, or NULL for the defaults */
	int user_file_explicit;  /* 1 when -C gave user_file */
};

/* The files config_load looks for without -C, in order: the system and
 * the user dsmtp file, then msmtp's system and user files (read only when
 * neither dsmtp file exists). Sets *n (at most 4); caller frees each
 * string. */
void config_search_paths(const struct config_sources *src, char *paths[4],
			 size_t *n);

/* Read the system and user files (msmtp's files when no dsmtp file
 * exists). A missing file is not an error unless given with -C. Returns 0
 * or -1 with e set (ERR_CONFIG; "file:line: text"). Release with
 * config_free. */
int config_load(struct config *c, const struct config_sources *src,
		struct err *e);

/* Parse configuration text into c (adding to what it holds); name is used
 * in messages. An account defined twice in one text is an error naming
 * both lines; one defined again in a later text (the user file after the
 * system file) replaces the earlier one. eval reads the first line of the
 * command's output as one command, as msmtp does. msmtp's old command
 * names (connect_timeout, keepbcc, tls_nocertcheck, tls_nostarttls,
 * add_missing_from_header, add_missing_date_header, tls_force_sslv3 off)
 * are stored as the commands that replaced them; domain's %H and %M are
 * expanded when read. *has_password (when not NULL) tells whether a password
 * command was seen. Returns 0 or -1 with e set (ERR_CONFIG). */
int config_parse_text(struct config *c, const char *text, size_t len,
		      const char *name, int *has_password, struct err *e);
void config_free(struct config *c);

/* Find an account by name; NULL when there is none. Borrows. */
struct account *config_account(const struct config *c, const char *name);

/* Choose the account (spec section 3): by name when name is set; else the
 * first whose from matches env_from (a glob); else, when env_from is NULL
 * and header_from is set, the first matching header_from (*by_header is
 * set to 1); else "default". Returns the account or NULL with e set.
 * When the chosen account has msmtp's old auto_from on, its from becomes
 * %U@MAILDOMAIN (%U alone without maildomain) and allow_from_override
 * off, which is what msmtp sends: the envelope and From are USER@D, -f
 * or not. */
struct account *config_choose(const struct config *c, const char *name,
			      const char *env_from, const char *header_from,
			      int *by_header, struct err *e);

/* Set one command in a as a line "cmd value" of a file would (the same
 * validation, ranges and empty-value rules); c is the configuration a
 * belongs to. origin (e.g. "--tls") is recorded as where the value came
 * from. Returns 0, or -1 with e set (ERR_USAGE; the reason, e.g. "tls:
 * expected on or off", without a file position). */
int config_account_apply(struct config *c, struct account *a,
			 const char *cmd, const char *value,
			 const char *origin, struct err *e);

/* Typed access. Each returns dflt when the command is not set. Values were
 * validated when read, so these cannot fail. */
const char *config_str(const struct account *a, enum config_cmd cmd,
		       const char *dflt);
int config_bool(const struct account *a, enum config_cmd cmd, int dflt);
long config_num(const struct account *a, enum config_cmd cmd, long dflt);

/* The account's timeout in seconds: its timeout, or 300 when it is not
 * set or off. */
int config_timeout(const struct account *a);

/* The command's name, for messages and --pretend. */
const char *config_cmd_name(enum config_cmd cmd);
/* 1 when the command holds a secret that --pretend must hide. */
int config_cmd_secret(enum config_cmd cmd);

/* Parse a duration such as "90", "30m", "5d", "2h30m" into seconds;
 * -1 when invalid. */
long config_parse_duration(const char *s);

/* Parse a size such as "1048576", "512k", "10M", "1G" into bytes; -1
 * when invalid. */
long config_parse_size(const char *s);

/* Room for what config_quote writes, its NUL included. */
#define CONFIG_QUOTE_SIZE (64 + 4)

/* Text from a file, made fit to quote in a message: at most the first 64
 * octets of the len octets at s (cut at a UTF-8 character boundary, with
 * "..." after a cut), every control character replaced by '?'. Writes a
 * NUL-terminated string into out. */
void config_quote(char out[CONFIG_QUOTE_SIZE], const char *s, size_t len);

/* Check an account for settings this version cannot honour yet
 * (delivery mx, auth ntlm) and for a missing
 * host.
 * Returns 0 or -1 with e set (ERR_CONFIG). */
int config_check_supported(const struct account *a, struct err *e);

#endif
