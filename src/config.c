/* config.c - msmtprc grammar, defaults, inheritance, account choice
 *
 * Owns: the grammar (msmtp syntax plus dsmtp's commands), validating and
 *       range-checking every value when it is read, eval, quoting file
 *       text in messages (config_quote).
 * Not:  which files are read and trusted (config_load.c), running the
 *       eval command (child.c), acting on settings, secrets (secret.c). */

#include <config.h>

#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "child.h"
#include "config.h"
#include "config_compat.h"
#include "i18n.h"
#include "log.h"
#include "tls.h"
#include "xmalloc.h"

enum config_type {
	T_STR, T_PATH, T_PORT, T_TIMEOUT, T_BOOL, T_ENUM, T_DURATION,
	T_SYSLOG, T_DKIM_KEY, T_SIZE, T_FINGERPRINT, T_BITS
};

/* Every number read from a file is range-checked here, so that what uses
 * it (milliseconds in an int, t= plus x=) cannot overflow. */
#define CONFIG_TIMEOUT_MAX 86400L                       /* 1d */
#define CONFIG_DURATION_MAX (3650L * 86400)             /* 3650d */
#define CONFIG_SIZE_MAX (1024L * 1024 * 1024 * 1024)    /* 1024G */
#define CONFIG_BITS_MAX 16384L

struct config_def {
	const char *name;
	enum config_type type;
	const char *choices; /* T_ENUM: "a|b|c" */
	int secret;
};

static const struct config_def config_defs[CFG_NCMDS] = {
	[CFG_HOST] = { "host", T_STR, NULL, 0 },
	[CFG_PORT] = { "port", T_PORT, NULL, 0 },
	[CFG_SOURCE_IP] = { "source_ip", T_STR, NULL, 0 },
	[CFG_PROXY_HOST] = { "proxy_host", T_STR, NULL, 0 },
	[CFG_PROXY_PORT] = { "proxy_port", T_PORT, NULL, 0 },
	[CFG_SOCKET] = { "socket", T_PATH, NULL, 0 },
	[CFG_TIMEOUT] = { "timeout", T_TIMEOUT, NULL, 0 },
	[CFG_PROTOCOL] = { "protocol", T_ENUM, "smtp|lmtp", 0 },
	[CFG_DOMAIN] = { "domain", T_STR, NULL, 0 },
	[CFG_AUTH] = { "auth", T_ENUM,
		       "on|off|plain|login|cram-md5|scram-sha-256|"
		       "scram-sha-256-plus|xoauth2|oauthbearer|external|ntlm",
		       0 },
	[CFG_USER] = { "user", T_STR, NULL, 0 },
	[CFG_PASSWORD] = { "password", T_STR, NULL, 1 },
	[CFG_PASSWORDEVAL] = { "passwordeval", T_STR, NULL, 0 },
	[CFG_TLS] = { "tls", T_BOOL, NULL, 0 },
	[CFG_TLS_STARTTLS] = { "tls_starttls", T_BOOL, NULL, 0 },
	[CFG_TLS_TRUST_FILE] = { "tls_trust_file", T_PATH, NULL, 0 },
	[CFG_TLS_CRL_FILE] = { "tls_crl_file", T_PATH, NULL, 0 },
	[CFG_TLS_FINGERPRINT] = { "tls_fingerprint", T_FINGERPRINT, NULL, 0 },
	[CFG_TLS_KEY_FILE] = { "tls_key_file", T_PATH, NULL, 0 },
	[CFG_TLS_CERT_FILE] = { "tls_cert_file", T_PATH, NULL, 0 },
	[CFG_TLS_CERTCHECK] = { "tls_certcheck", T_BOOL, NULL, 0 },
	[CFG_TLS_PRIORITIES] = { "tls_priorities", T_STR, NULL, 0 },
	[CFG_TLS_HOST_OVERRIDE] = { "tls_host_override", T_STR, NULL, 0 },
	[CFG_TLS_MIN_DH_PRIME_BITS] = { "tls_min_dh_prime_bits", T_BITS, NULL,
					0 },
	[CFG_FROM] = { "from", T_STR, NULL, 0 },
	[CFG_FROM_FULL_NAME] = { "from_full_name", T_STR, NULL, 0 },
	[CFG_ALLOW_FROM_OVERRIDE] = { "allow_from_override", T_BOOL, NULL, 0 },
	[CFG_DSN_NOTIFY] = { "dsn_notify", T_STR, NULL, 0 },
	[CFG_DSN_RETURN] = { "dsn_return", T_ENUM, "off|full|headers|hdrs",
			     0 },
	[CFG_SET_FROM_HEADER] = { "set_from_header", T_ENUM, "auto|on|off",
				  0 },
	[CFG_SET_DATE_HEADER] = { "set_date_header", T_ENUM, "auto|off", 0 },
	[CFG_SET_MSGID_HEADER] = { "set_msgid_header", T_ENUM, "auto|off", 0 },
	[CFG_SET_TO_HEADER] = { "set_to_header", T_BOOL, NULL, 0 },
	[CFG_REMOVE_BCC_HEADERS] = { "remove_bcc_headers", T_BOOL, NULL, 0 },
	[CFG_UNDISCLOSED_RECIPIENTS] = { "undisclosed_recipients", T_BOOL,
					 NULL, 0 },
	[CFG_ALIASES] = { "aliases", T_PATH, NULL, 0 },
	[CFG_LOGFILE] = { "logfile", T_PATH, NULL, 0 },
	[CFG_LOGFILE_TIME_FORMAT] = { "logfile_time_format", T_STR, NULL, 0 },
	[CFG_SYSLOG] = { "syslog", T_SYSLOG, NULL, 0 },
	[CFG_READ_ENVELOPE_FROM] = { "read_envelope_from", T_BOOL, NULL, 0 },
	[CFG_DELIVERY] = { "delivery", T_ENUM, "relay|mx", 0 },
	[CFG_DKIM_KEY] = { "dkim_key", T_DKIM_KEY, NULL, 0 },
	[CFG_DKIM_DOMAIN] = { "dkim_domain", T_STR, NULL, 0 },
	[CFG_DKIM_HEADERS] = { "dkim_headers", T_STR, NULL, 0 },
	[CFG_DKIM_CANONICALIZATION] = { "dkim_canonicalization", T_ENUM,
					"relaxed/relaxed|relaxed/simple|"
					"simple/relaxed|simple/simple|"
					"relaxed|simple", 0 },
	[CFG_DKIM_EXPIRE] = { "dkim_expire", T_DURATION, NULL, 0 },
	[CFG_QUALIFY_DOMAIN] = { "qualify_domain", T_STR, NULL, 0 },
	[CFG_QUEUE] = { "queue", T_BOOL, NULL, 0 },
	[CFG_QUEUE_DIR] = { "queue_dir", T_PATH, NULL, 0 },
	[CFG_QUEUE_LIFETIME] = { "queue_lifetime", T_DURATION, NULL, 0 },
	[CFG_MX_TLS] = { "mx_tls", T_ENUM, "opportunistic|verify|dane", 0 },
	[CFG_MTA_STS] = { "mta_sts", T_BOOL, NULL, 0 },
	[CFG_MAX_MESSAGE_SIZE] = { "max_message_size", T_SIZE, NULL, 0 },
	[CFG_NTLMDOMAIN] = { "ntlmdomain", T_STR, NULL, 0 },
	[CFG_AUTO_FROM] = { "auto_from", T_BOOL, NULL, 0 },
	[CFG_MAILDOMAIN] = { "maildomain", T_STR, NULL, 0 },
	[CFG_DOUBLE_BOUNCE_TO] = { "double_bounce_to", T_STR, NULL, 0 },
	[CFG_FALLBACK_HOSTS] = { "fallback_hosts", T_STR, NULL, 0 },
	[CFG_MX_ADDRESS_FAMILY] = { "mx_address_family", T_ENUM,
				    "any|ipv4|ipv6", 0 },
	[CFG_FALLBACK_MX] = { "fallback_mx", T_BOOL, NULL, 0 },
	[CFG_QUEUE_DELAY_WARNING] = { "queue_delay_warning", T_DURATION, NULL,
				      0 },
};

/* Parser state for one file or eval output. */
struct config_ctx {
	struct config *c;
	struct account *cur;  /* NULL: the defaults section */
	const char *name;     /* file name for messages */
	int line;
	int depth;            /* eval nesting */
	int has_password;
	struct err *e;
};

const char *
config_cmd_name(enum config_cmd cmd)
{
	return config_defs[cmd].name;
}

int
config_cmd_secret(enum config_cmd cmd)
{
	return config_defs[cmd].secret;
}

static int
config_find_cmd(const char *name)
{
	int i;

	if (strcmp(name, "connect_timeout") == 0)
		return CFG_TIMEOUT;
	for (i = 0; i < CFG_NCMDS; i++)
		if (strcmp(config_defs[i].name, name) == 0)
			return i;
	return -1;
}

/* n times mult into *out; 0 on overflow (n and mult are not negative). */
static int
config_mul(long n, long mult, long *out)
{
	if (n > LONG_MAX / mult)
		return 0;
	*out = n * mult;
	return 1;
}

/* The decimal number at s, not negative; -1 when out of range. */
static long
config_strtol(const char *s, char **end)
{
	long n;

	errno = 0;
	n = strtol(s, end, 10);
	return errno == ERANGE || n < 0 ? -1 : n;
}

long
config_parse_duration(const char *s)
{
	long total = 0, n, mult;
	char *end;

	if (*s == '\0')
		return -1;
	while (*s != '\0') {
		if (*s < '0' || *s > '9' || (n = config_strtol(s, &end)) < 0)
			return -1;
		switch (*end) {
		case 'w': mult = 7 * 86400; end++; break;
		case 'd': mult = 86400; end++; break;
		case 'h': mult = 3600; end++; break;
		case 'm': mult = 60; end++; break;
		case 's': mult = 1; end++; break;
		case '\0': mult = 1; break;
		default: return -1;
		}
		if (!config_mul(n, mult, &n) || n > LONG_MAX - total)
			return -1;
		total += n;
		s = end;
	}
	return total;
}

long
config_parse_size(const char *s)
{
	char *end;
	long n, mult = 1;

	if (*s < '0' || *s > '9' || (n = config_strtol(s, &end)) < 0)
		return -1;
	if (strcasecmp(end, "k") == 0)
		mult = 1024;
	else if (strcasecmp(end, "m") == 0)
		mult = 1024L * 1024;
	else if (strcasecmp(end, "g") == 0)
		mult = 1024L * 1024 * 1024;
	else if (*end != '\0')
		return -1;
	return config_mul(n, mult, &n) ? n : -1;
}

static int
config_is_bool(const char *v)
{
	return strcmp(v, "on") == 0 || strcmp(v, "off") == 0;
}

static int
config_in_choices(const char *v, const char *choices)
{
	size_t n = strlen(v);
	const char *p = choices;

	while (p != NULL && *p != '\0') {
		const char *bar = strchr(p, '|');
		size_t len = bar ? (size_t)(bar - p) : strlen(p);

		if (len == n && strncasecmp(p, v, n) == 0)
			return 1;
		p = bar ? bar + 1 : NULL;
	}
	return 0;
}

static int
config_check_port(const char *v)
{
	char *end;
	long n = strtol(v, &end, 10);

	return *v != '\0' && *end == '\0' && n >= 1 && n <= 65535;
}

static int
config_check_fingerprint(const char *v)
{
	unsigned char pin[32];

	return tls_parse_fingerprint(v, pin) > 0;
}

/* v is "off" (when off_ok) or a number of type t within its range. */
static int
config_in_range(const char *v, enum config_type t, int off_ok)
{
	long n, max;
	char *end;

	if (off_ok && strcmp(v, "off") == 0)
		return 1;
	switch (t) {
	case T_TIMEOUT:
		n = config_parse_duration(v);
		max = CONFIG_TIMEOUT_MAX;
		break;
	case T_DURATION:
		n = config_parse_duration(v);
		max = CONFIG_DURATION_MAX;
		break;
	case T_SIZE:
		n = config_parse_size(v);
		max = CONFIG_SIZE_MAX;
		break;
	default:
		/* T_BITS: empty means the library's default, as in msmtp. */
		if (*v == '\0')
			return 1;
		n = *v >= '0' && *v <= '9' ? config_strtol(v, &end) : -1;
		if (n <= 0 || *end != '\0')
			return 0;
		max = CONFIG_BITS_MAX;
		break;
	}
	return n >= 0 && n <= max;
}

/* Check v for cmd; returns NULL when fine, else a translated reason. */
static const char *
config_check_value(enum config_cmd cmd, const char *v)
{
	const struct config_def *d = &config_defs[cmd];

	switch (d->type) {
	case T_STR:
	case T_PATH:
		return 0;
	case T_PORT:
		return config_check_port(v) ? NULL : _("invalid port number");
	case T_TIMEOUT:
		return config_in_range(v, d->type, 1)
			       ? NULL : _("invalid timeout (off, or 0 to 1d)");
	case T_BOOL:
		return config_is_bool(v) ? NULL : _("expected on or off");
	case T_ENUM:
		return config_in_choices(v, d->choices) ? NULL
							: _("invalid value");
	case T_DURATION:
		return config_in_range(v, d->type, 1)
			       ? NULL
			       : _("invalid duration (off, or 0 to 3650d)");
	case T_SYSLOG:
		return config_is_bool(v) || log_facility(v) >= 0
			       ? NULL : _("unknown syslog facility");
	case T_DKIM_KEY:
		return strchr(v, ' ') != NULL ? NULL
					      : _("expected SELECTOR FILE");
	case T_SIZE:
		return config_in_range(v, d->type, 0)
			       ? NULL : _("invalid size (0 to 1024G)");
	case T_BITS:
		return config_in_range(v, d->type, 0)
			       ? NULL : _("invalid number of bits (1 to 16384)");
	case T_FINGERPRINT:
		return config_check_fingerprint(v)
			       ? NULL
			       : _("expected a SHA-256 fingerprint (32 hex "
				   "pairs separated by ':'; SHA-1 and MD5 "
				   "ones too)");
	}
	return NULL;
}

/* Expand a leading "~/" to the home directory; caller frees. */
static char *
config_expand_home(const char *v)
{
	const char *home = getenv("HOME");
	struct passwd *pw;

	if (strncmp(v, "~/", 2) != 0)
		return xstrdup(v);
	if (home == NULL || *home == '\0') {
		pw = getpwuid(getuid());
		home = pw ? pw->pw_dir : "/";
	}
	return xasprintf("%s/%s", home, v + 2);
}

static void
account_free_val(struct account *a, int cmd)
{
	if (config_defs[cmd].secret)
		xfree_secret(a->val[cmd]);
	else
		free(a->val[cmd]);
	a->val[cmd] = NULL;
}

/* Set cmd to v, or unset it (v NULL) remembering where. */
static void
account_set(struct account *a, enum config_cmd cmd, const char *v,
	    const char *origin)
{
	char *nv = NULL;

	if (v == NULL)
		nv = NULL;
	else if (cmd == CFG_DKIM_KEY && a->val[cmd] != NULL)
		nv = xasprintf("%s\n%s", a->val[cmd], v);
	else if (config_defs[cmd].type == T_PATH)
		nv = config_expand_home(v);
	else
		nv = xstrdup(v);
	account_free_val(a, cmd);
	a->val[cmd] = nv;
	free(a->origin[cmd]);
	a->origin[cmd] = xstrdup(origin);
}

static void
account_clear(struct account *a)
{
	int i;

	for (i = 0; i < CFG_NCMDS; i++) {
		account_free_val(a, i);
		free(a->origin[i]);
		a->origin[i] = NULL;
	}
	free(a->name);
	free(a->defined);
	a->name = NULL;
	a->defined = NULL;
}

/* Overlay every value set (or unset by an empty argument) in src onto
 * dst. */
static void
account_overlay(struct account *dst, const struct account *src)
{
	int i;

	for (i = 0; i < CFG_NCMDS; i++) {
		if (src->origin[i] == NULL)
			continue;
		account_free_val(dst, i);
		free(dst->origin[i]);
		dst->val[i] = src->val[i] ? xstrdup(src->val[i]) : NULL;
		dst->origin[i] = xstrdup(src->origin[i]);
	}
}

struct account *
config_account(const struct config *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->naccounts; i++)
		if (strcmp(c->accounts[i]->name, name) == 0)
			return c->accounts[i];
	return NULL;
}

static void
config_remove_account(struct config *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->naccounts; i++) {
		if (strcmp(c->accounts[i]->name, name) != 0)
			continue;
		account_clear(c->accounts[i]);
		free(c->accounts[i]);
		memmove(&c->accounts[i], &c->accounts[i + 1],
			(c->naccounts - i - 1) * sizeof(c->accounts[0]));
		c->naccounts--;
		return;
	}
}

void
config_quote(char out[CONFIG_QUOTE_SIZE], const char *s, size_t len)
{
	size_t n = len > 64 ? 64 : len, i;

	/* Never end inside a UTF-8 sequence: back up over continuations. */
	if (n < len)
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	for (i = 0; i < n; i++)
		out[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?'
								    : s[i];
	if (n < len)
		memcpy(out + n, "...", 3), n += 3;
	out[n] = '\0';
}

static int config_fail(struct config_ctx *x, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int
config_fail(struct config_ctx *x, const char *fmt, ...)
{
	struct buf b = { 0 };
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	err_set(x->e, ERR_CONFIG, "%s:%d: %s", x->name, x->line, b.data);
	buf_free(&b);
	return -1;
}

/* An account defined again in the same text is a mistake (msmtp refuses
 * it); one from an earlier text (the system file) is replaced. */
static int
config_defined_twice(struct config_ctx *x, const char *name)
{
	struct account *old = config_account(x->c, name);
	char q[CONFIG_QUOTE_SIZE];

	if (old == NULL || old->text != x->c->ntexts)
		return 0;
	config_quote(q, name, strlen(name));
	return config_fail(x, _("account %s is already defined at %s"), q,
			   old->defined);
}

/* "account NAME [: BASE[, BASE]...]" */
static int
config_new_account(struct config_ctx *x, char *arg)
{
	char *colon = strchr(arg, ':'), *name, *bases = NULL, *tok, *save;
	char q[CONFIG_QUOTE_SIZE];
	struct account *a, *base;
	int rc = 0;

	if (colon != NULL) {
		*colon = '\0';
		bases = colon + 1;
	}
	name = arg + strspn(arg, " \t");
	name[strcspn(name, " \t")] = '\0';
	if (*name == '\0')
		return config_fail(x, "%s", _("account needs a name"));
	if (config_defined_twice(x, name) < 0)
		return -1;
	config_remove_account(x->c, name);
	a = xcalloc(1, sizeof(*a));
	a->name = xstrdup(name);
	a->defined = xasprintf("%s:%d", x->name, x->line);
	a->text = x->c->ntexts;
	account_overlay(a, &x->c->defaults);
	for (tok = bases ? strtok_r(bases, ", \t", &save) : NULL;
	     tok != NULL && rc == 0; tok = strtok_r(NULL, ", \t", &save)) {
		base = config_account(x->c, tok);
		if (base == NULL) {
			config_quote(q, tok, strlen(tok));
			rc = config_fail(x, _("account %s is not defined"), q);
		}
		else
			account_overlay(a, base);
	}
	x->c->accounts = xrealloc(x->c->accounts, (x->c->naccounts + 1) *
						       sizeof(x->c->accounts[0]));
	x->c->accounts[x->c->naccounts++] = a;
	x->cur = a;
	return rc;
}

static int config_parse_lines(struct config_ctx *x, const char *text,
			      size_t len);

/* 0 when the eval command gave configuration, else -1 saying why. */
static int
config_eval_failed(struct config_ctx *x, enum child_outcome how, int status,
		   struct buf *err, int timeout_s)
{
	char q[CONFIG_QUOTE_SIZE];

	switch (how) {
	case CHILD_NOT_RUN:
		return config_fail(x, _("cannot run eval command: %s"),
				   strerror(errno));
	case CHILD_TIMED_OUT:
		return config_fail(x, _("eval command did not finish within %d "
					"seconds and was stopped"),
				   timeout_s);
	case CHILD_TOO_MUCH:
		return config_fail(x, _("eval command wrote more than %d KiB "
					"and was stopped"),
				   CHILD_OUTPUT_MAX / 1024);
	case CHILD_EXITED:
		break;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (err->len == 0)
		return config_fail(x, "%s", _("eval command failed"));
	config_quote(q, buf_cstr(err), strcspn(buf_cstr(err), "\r\n"));
	return config_fail(x, _("eval command failed: %s"), q);
}

/* "eval COMMAND": the first line of the command's output is read as a
 * configuration command, as in msmtp. It runs at most the timeout set so
 * far (or the default) and its output is capped. */
static int
config_eval(struct config_ctx *x, const char *cmd)
{
	struct buf out = { 0 }, err = { 0 };
	int timeout_s = config_timeout(x->cur ? x->cur : &x->c->defaults);
	int status = 0, rc;
	enum child_outcome how;

	if (x->depth > 8)
		return config_fail(x, "%s", _("eval nested too deeply"));
	how = child_run(cmd, timeout_s, CHILD_OUTPUT_MAX, &out, &err, &status);
	rc = config_eval_failed(x, how, status, &err, timeout_s);
	if (rc == 0) {
		x->depth++;
		rc = config_parse_lines(x, buf_cstr(&out),
					strcspn(buf_cstr(&out), "\n"));
		x->depth--;
	}
	buf_wipe(&out);
	buf_free(&err);
	return rc;
}

/* Split a line into command and argument. The argument is the rest of the
 * line; double quotes group (with \" and \\ escapes inside), an unquoted
 * '#' starts a comment. Returns -1 on an unterminated quote. */
static int
config_split(const char *line, struct buf *cmd, struct buf *arg)
{
	const char *p = line + strspn(line, " \t");
	int quoted = 0;
	size_t keep = 0;

	while (*p != '\0' && *p != ' ' && *p != '\t' && *p != '#')
		buf_append_char(cmd, *p++);
	p += strspn(p, " \t");
	for (; *p != '\0'; p++) {
		if (quoted && *p == '\\' && (p[1] == '"' || p[1] == '\\')) {
			buf_append_char(arg, *++p);
		} else if (*p == '"') {
			quoted = !quoted;
		} else if (!quoted && *p == '#') {
			break;
		} else {
			buf_append_char(arg, *p);
		}
		if (quoted || (*p != ' ' && *p != '\t'))
			keep = arg->len;
	}
	buf_cstr(arg);
	arg->len = keep;
	arg->data[keep] = '\0';
	return quoted ? -1 : 0;
}

/* The file may be anything (-C /etc/shadow): quote no more of the line
 * than the command name it starts with. */
static int
config_unknown(struct config_ctx *x, const char *name)
{
	char q[CONFIG_QUOTE_SIZE];
	size_t n = strspn(name, "abcdefghijklmnopqrstuvwxyz"
				"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-");

	if (n == 0)
		return config_fail(x, "%s", _("the line does not start with "
					      "a configuration command"));
	config_quote(q, name, n);
	return config_fail(x, _("unknown command %s"), q);
}

/* The value of cmd (written name) from arg: an empty one as msmtp reads
 * it, domain expanded; *v is NULL to unset. Returns 0, or -1 with x->e
 * set. */
static int
config_value(struct config_ctx *x, const char *name, int cmd,
	     const char *arg, const char **v, char **owned)
{
	const char *why;
	int err;

	*v = arg;
	if (*arg == '\0' &&
	    config_compat_empty((enum config_cmd)cmd,
				config_defs[cmd].type == T_BOOL, v) < 0)
		return config_fail(x, _("%s needs an argument"), name);
	if (*v == NULL || **v == '\0')
		return 0;
	why = config_check_value(cmd, *v);
	if (why != NULL)
		return config_fail(x, "%s: %s", name, why);
	if (cmd == CFG_DOMAIN && strchr(*v, '%') != NULL) {
		*owned = config_compat_domain(*v, &err);
		*v = *owned;
		if (*owned == NULL)
			return config_fail(x, "%s: %%M: %s: %s", name,
					   CONFIG_COMPAT_MAILNAME,
					   err ? strerror(err)
					       : _("the file is empty"));
	}
	return 0;
}

/* Why an old command name's argument is refused, for people. */
static const char *
config_refusal(enum config_compat_refusal why)
{
	switch (why) {
	case CONFIG_COMPAT_SSLV3:
		return _("SSLv3 is insecure and not supported");
	case CONFIG_COMPAT_NO_ARG:
		return _("does not take an argument");
	case CONFIG_COMPAT_ON_OFF:
		break;
	}
	return _("expected on or off");
}

static int
config_setting(struct config_ctx *x, const char *name, const char *arg)
{
	int cmd = config_find_cmd(name), rc = 0;
	const char *v = arg;
	enum config_compat_refusal why;
	char origin[512], *owned = NULL;
	struct account *a = x->cur ? x->cur : &x->c->defaults;

	if (cmd < 0) {
		rc = config_compat_old(name, arg, &cmd, &v, &why);
		if (rc > 0)
			return config_unknown(x, name);
		if (rc < 0)
			return config_fail(x, "%s: %s", name,
					   config_refusal(why));
		if (cmd == CFG_NCMDS)
			return 0;
	} else if (config_value(x, name, cmd, arg, &v, &owned) < 0) {
		return -1;
	}
	if (cmd == CFG_PASSWORD)
		x->has_password = 1;
	snprintf(origin, sizeof(origin), "%s:%d", x->name, x->line);
	account_set(a, cmd, v, origin);
	free(owned);
	return 0;
}

static int
config_line(struct config_ctx *x, const char *line)
{
	struct buf cmd = { 0 }, arg = { 0 };
	int rc = 0;

	if (config_split(line, &cmd, &arg) < 0)
		rc = config_fail(x, "%s", _("unterminated quote"));
	else if (cmd.len == 0)
		rc = 0;
	else if (strcmp(cmd.data, "defaults") == 0)
		x->cur = NULL;
	else if (strcmp(cmd.data, "account") == 0)
		rc = config_new_account(x, (char *)buf_cstr(&arg));
	else if (strcmp(cmd.data, "eval") == 0 && arg.len == 0)
		rc = config_fail(x, _("%s needs an argument"), "eval");
	else if (strcmp(cmd.data, "eval") == 0)
		rc = config_eval(x, buf_cstr(&arg));
	else
		rc = config_setting(x, cmd.data, buf_cstr(&arg));
	buf_free(&cmd);
	buf_wipe(&arg);
	return rc;
}

static int
config_parse_lines(struct config_ctx *x, const char *text, size_t len)
{
	size_t start = 0, end;
	int saved = x->line, rc = 0;
	char *line;

	while (start < len && rc == 0) {
		end = start;
		while (end < len && text[end] != '\n')
			end++;
		line = xstrndup(text + start, end - start);
		if (end > start && line[end - start - 1] == '\r')
			line[end - start - 1] = '\0';
		if (x->depth == 0)
			x->line++;
		rc = config_line(x, line);
		xfree_secret(line);
		start = end + 1;
	}
	if (x->depth > 0)
		x->line = saved;
	return rc;
}

int
config_parse_text(struct config *c, const char *text, size_t len,
		  const char *name, int *has_password, struct err *e)
{
	struct config_ctx x = { 0 };
	int rc;

	x.c = c;
	x.name = name;
	x.e = e;
	if (memchr(text, '\0', len) != NULL) {
		err_set(e, ERR_CONFIG, _("%s: contains a NUL byte"), name);
		return -1;
	}
	c->ntexts++;
	rc = config_parse_lines(&x, text, len);
	if (has_password != NULL)
		*has_password = x.has_password;
	return rc;
}

/* A setting from the command line goes through config_setting like a
 * file's line; its message loses the "ORIGIN:0: " position. */
int
config_account_apply(struct config *c, struct account *a, const char *cmd,
		     const char *value, const char *origin, struct err *e)
{
	struct config_ctx x = { 0 };
	char *where = xasprintf("%s:0", origin), *why;
	const char *rest;
	int rc, i;

	x.c = c;
	x.cur = a;
	x.name = origin;
	x.e = e;
	rc = config_setting(&x, cmd, value);
	if (rc < 0) {
		rest = e->msg ? e->msg : "";
		if (strncmp(rest, where, strlen(where)) == 0)
			rest += strlen(where) + strspn(rest + strlen(where),
						       ": ");
		why = xstrdup(rest);
		err_set(e, ERR_USAGE, "%s", why);
		free(why);
	}
	for (i = 0; rc == 0 && i < CFG_NCMDS; i++)
		if (a->origin[i] != NULL && strcmp(a->origin[i], where) == 0) {
			free(a->origin[i]);
			a->origin[i] = xstrdup(origin);
		}
	free(where);
	return rc;
}
