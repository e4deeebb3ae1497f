/* cli.c - the sendmail option table
 *
 * Owns: which sendmail and dsmtp options are honoured, ignored or
 *       rejected, and how their arguments are taken (glued, separate,
 *       rest of the word), and which long options mirror configuration
 *       commands (cli_set_table).
 * Not:  reading files, validating configuration values (config.c) or
 *       acting on the options (main.c). */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "i18n.h"
#include "xmalloc.h"

/* How an option takes its argument. */
enum cli_arg {
	CLI_ARG_NONE, /* a flag; more flags may follow in the same word */
	CLI_ARG_REQ,  /* rest of the word, else the next word */
	CLI_ARG_REST  /* rest of the word, possibly empty (-bm, -oi, -q) */
};

/* Long options that set a configuration command for the chosen account,
 * as msmtp's do. An option with a default takes its value only after '='
 * ("--tls off" is --tls and a recipient "off", as in msmtp). */
struct cli_set_option {
	const char *name;   /* long form without "--" */
	const char *cmd;    /* the configuration command */
	const char *dflt;   /* value without "=VALUE"; NULL: one is needed */
	int empty_ok;       /* "--name=" is a value (it unsets, as in msmtp) */
};

static const struct cli_set_option cli_set_table[] = {
	{ "port", "port", NULL, 0 },
	{ "source-ip", "source_ip", NULL, 1 },
	{ "proxy-host", "proxy_host", NULL, 1 },
	{ "proxy-port", "proxy_port", NULL, 1 },
	{ "socket", "socket", NULL, 1 },
	{ "timeout", "timeout", NULL, 0 },
	{ "protocol", "protocol", NULL, 0 },
	{ "domain", "domain", NULL, 1 },
	{ "auth", "auth", "on", 1 },
	{ "user", "user", NULL, 1 },
	{ "passwordeval", "passwordeval", NULL, 1 },
	{ "tls", "tls", "on", 0 },
	{ "tls-starttls", "tls_starttls", "on", 0 },
	{ "tls-trust-file", "tls_trust_file", NULL, 1 },
	{ "tls-crl-file", "tls_crl_file", NULL, 1 },
	{ "tls-fingerprint", "tls_fingerprint", NULL, 1 },
	{ "tls-key-file", "tls_key_file", NULL, 1 },
	{ "tls-cert-file", "tls_cert_file", NULL, 1 },
	{ "tls-certcheck", "tls_certcheck", "on", 0 },
	{ "tls-priorities", "tls_priorities", NULL, 1 },
	{ "tls-host-override", "tls_host_override", NULL, 1 },
	{ "tls-min-dh-prime-bits", "tls_min_dh_prime_bits", NULL, 1 },
	{ "auto-from", "auto_from", "on", 0 },
	{ "maildomain", "maildomain", NULL, 1 },
	{ "logfile-time-format", "logfile_time_format", NULL, 1 },
	{ "syslog", "syslog", "on", 0 },
	{ "aliases", "aliases", NULL, 1 },
	{ "set-from-header", "set_from_header", "auto", 0 },
	{ "set-date-header", "set_date_header", "auto", 0 },
	{ "set-msgid-header", "set_msgid_header", "auto", 0 },
	{ "remove-bcc-headers", "remove_bcc_headers", "on", 0 },
	{ "undisclosed-recipients", "undisclosed_recipients", "on", 0 },
	{ "queue", "queue", "on", 0 },
};

#define CLI_NSETS (sizeof(cli_set_table) / sizeof(cli_set_table[0]))

enum cli_action {
	CLI_A_IGNORE, CLI_A_B, CLI_A_O, CLI_A_Q, CLI_A_I, CLI_A_T,
	CLI_A_FROM, CLI_A_FULLNAME, CLI_A_NOTIFY, CLI_A_RET, CLI_A_ENVID,
	CLI_A_BODY, CLI_A_CONFIG, CLI_A_VERBOSE, CLI_A_ACCOUNT, CLI_A_HOST,
	CLI_A_LOGFILE, CLI_A_READ_ENVFROM, CLI_A_ALIASES, CLI_A_HELP,
	CLI_A_VERSION, CLI_A_PRETEND, CLI_A_SERVERINFO, CLI_A_LATER,
	CLI_A_KEYGEN, CLI_A_KEY_TYPE, CLI_A_SELECTOR, CLI_A_DOMAIN,
	CLI_A_STORE_PASSWORD, CLI_A_CHECK_DNS, CLI_A_EGRESS_IP, CLI_A_CHECK_TO, CLI_A_JSON,
	CLI_A_QLIST, CLI_A_QRUN, CLI_A_QFLUSH, CLI_A_QCTL, CLI_A_QDAEMON
};

struct cli_option {
	char letter;        /* short form, 0 for none */
	const char *name;   /* long form without "--", NULL for none */
	enum cli_arg arg;
	enum cli_action action;
};

static const struct cli_option cli_table[] = {
	/* sendmail options honoured */
	{ 'b', NULL, CLI_ARG_REST, CLI_A_B },
	{ 'o', NULL, CLI_ARG_REQ, CLI_A_O },
	{ 'q', NULL, CLI_ARG_REST, CLI_A_Q },
	{ 'I', NULL, CLI_ARG_NONE, CLI_A_ALIASES },
	{ 'i', NULL, CLI_ARG_NONE, CLI_A_I },
	{ 't', "read-recipients", CLI_ARG_NONE, CLI_A_T },
	{ 'f', "from", CLI_ARG_REQ, CLI_A_FROM },
	{ 'r', NULL, CLI_ARG_REQ, CLI_A_FROM },
	{ 'F', NULL, CLI_ARG_REQ, CLI_A_FULLNAME },
	{ 'N', "dsn-notify", CLI_ARG_REQ, CLI_A_NOTIFY },
	{ 'R', "dsn-return", CLI_ARG_REQ, CLI_A_RET },
	{ 'V', NULL, CLI_ARG_REQ, CLI_A_ENVID },
	{ 'B', NULL, CLI_ARG_REQ, CLI_A_BODY },
	{ 'C', "file", CLI_ARG_REQ, CLI_A_CONFIG },
	{ 'v', NULL, CLI_ARG_NONE, CLI_A_VERBOSE },
	{ 'd', "debug", CLI_ARG_NONE, CLI_A_VERBOSE },
	{ 'X', "logfile", CLI_ARG_REQ, CLI_A_LOGFILE },
	/* sendmail options accepted and ignored */
	{ 'A', NULL, CLI_ARG_REST, CLI_A_IGNORE },
	{ 'G', NULL, CLI_ARG_NONE, CLI_A_IGNORE },
	{ 'h', NULL, CLI_ARG_REQ, CLI_A_IGNORE },
	{ 'L', NULL, CLI_ARG_REQ, CLI_A_IGNORE },
	{ 'm', NULL, CLI_ARG_NONE, CLI_A_IGNORE },
	{ 'n', NULL, CLI_ARG_NONE, CLI_A_IGNORE },
	{ 'U', NULL, CLI_ARG_NONE, CLI_A_IGNORE },
	{ 'O', NULL, CLI_ARG_REQ, CLI_A_IGNORE },
	{ 'c', NULL, CLI_ARG_NONE, CLI_A_IGNORE },
	{ 'e', NULL, CLI_ARG_REQ, CLI_A_IGNORE },
	{ 'p', NULL, CLI_ARG_REQ, CLI_A_IGNORE },
	{ 'x', NULL, CLI_ARG_NONE, CLI_A_IGNORE },
	/* dsmtp's own */
	{ 'a', "account", CLI_ARG_REQ, CLI_A_ACCOUNT },
	{ 'P', "pretend", CLI_ARG_NONE, CLI_A_PRETEND },
	{ 'S', "serverinfo", CLI_ARG_NONE, CLI_A_SERVERINFO },
	{ 0, "host", CLI_ARG_REQ, CLI_A_HOST },
	{ 0, "read-envelope-from", CLI_ARG_NONE, CLI_A_READ_ENVFROM },
	{ 0, "help", CLI_ARG_NONE, CLI_A_HELP },
	{ 0, "version", CLI_ARG_NONE, CLI_A_VERSION },
	{ 0, "dkim-keygen", CLI_ARG_NONE, CLI_A_KEYGEN },
	{ 0, "key-type", CLI_ARG_REQ, CLI_A_KEY_TYPE },
	{ 0, "selector", CLI_ARG_REQ, CLI_A_SELECTOR },
	{ 0, "keygen-domain", CLI_ARG_REQ, CLI_A_DOMAIN },
	{ 0, "store-password", CLI_ARG_NONE, CLI_A_STORE_PASSWORD },
	{ 0, "check-dns", CLI_ARG_NONE, CLI_A_CHECK_DNS },
	{ 0, "egress-ip", CLI_ARG_REQ, CLI_A_EGRESS_IP },
	{ 0, "to", CLI_ARG_REQ, CLI_A_CHECK_TO },
	{ 0, "json", CLI_ARG_NONE, CLI_A_JSON },
	{ 0, "queue-list", CLI_ARG_NONE, CLI_A_QLIST },
	{ 0, "queue-run", CLI_ARG_NONE, CLI_A_QRUN },
	{ 0, "queue-flush", CLI_ARG_NONE, CLI_A_QFLUSH },
	{ 0, "queue-daemon", CLI_ARG_NONE, CLI_A_QDAEMON },
	{ 0, "queue-remove", CLI_ARG_REQ, CLI_A_QCTL },
	{ 0, "queue-hold", CLI_ARG_REQ, CLI_A_QCTL },
	{ 0, "queue-release", CLI_ARG_REQ, CLI_A_QCTL },
};

#define CLI_NOPTS (sizeof(cli_table) / sizeof(cli_table[0]))

static const struct cli_option *
cli_find_short(char c)
{
	size_t i;

	for (i = 0; i < CLI_NOPTS; i++)
		if (cli_table[i].letter == c)
			return &cli_table[i];
	return NULL;
}

static const struct cli_option *
cli_find_long(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < CLI_NOPTS; i++)
		if (cli_table[i].name != NULL &&
		    strlen(cli_table[i].name) == len &&
		    strncmp(cli_table[i].name, name, len) == 0)
			return &cli_table[i];
	return NULL;
}

static int
cli_mode_b(struct cli_opts *o, const char *v, struct err *e)
{
	if (strcmp(v, "m") == 0)
		o->mode = CLI_MODE_SEND;
	else if (strcmp(v, "p") == 0)
		o->mode = CLI_MODE_QUEUE_LIST;
	else if (strcmp(v, "i") == 0)
		o->mode = CLI_MODE_ALIASES;
	else if (strcmp(v, "s") == 0)
		o->mode = CLI_MODE_SMTP;
	else if (strcmp(v, "h") == 0 || strcmp(v, "H") == 0)
		return 0;
	else {
		err_set(e, ERR_USAGE, _("option -b%s is not supported"), v);
		return -1;
	}
	return 0;
}

/* -q alone runs the whole queue, -qI<id>, -qR<domain> and -qS<sender>
 * the entries they match, -q<interval> (a daemon's period in sendmail)
 * is accepted and does nothing. */
static int
cli_mode_q(struct cli_opts *o, const char *v, struct err *e)
{
	if (*v == '\0' || strcmp(v, "f") == 0) {
		o->mode = CLI_MODE_QUEUE_RUN;
	} else if (strchr("IRS", *v) != NULL && v[1] != '\0') {
		o->mode = CLI_MODE_QUEUE_RUN;
		*(*v == 'I'   ? &o->queue_id
		  : *v == 'R' ? &o->queue_domain
			      : &o->queue_sender) = v + 1;
	} else if (strchr("0123456789", *v) != NULL) {
		o->mode = CLI_MODE_IGNORED;
	} else {
		err_set(e, ERR_USAGE, _("option -q%s is not supported"), v);
		return -1;
	}
	return 0;
}

static int
cli_check_notify(const char *v, struct err *e)
{
	char *copy, *tok, *save = NULL;
	int ok = 1, never = 0, n = 0;

	if (strcasecmp(v, "off") == 0)
		return 0; /* unsets the account's dsn_notify, as msmtp */
	copy = xstrdup(v);
	for (tok = strtok_r(copy, ",", &save); tok != NULL;
	     tok = strtok_r(NULL, ",", &save), n++) {
		if (strcasecmp(tok, "never") == 0)
			never = 1;
		else if (strcasecmp(tok, "success") != 0 &&
			 strcasecmp(tok, "failure") != 0 &&
			 strcasecmp(tok, "delay") != 0)
			ok = 0;
	}
	free(copy);
	if (!ok || n == 0 || (never && n > 1)) {
		err_set(e, ERR_USAGE,
			_("invalid -N argument '%s': use off, never or a list "
			  "of success, failure, delay"), v);
		return -1;
	}
	return 0;
}

static int
cli_check_choice(const char *opt, const char *v, const char *a,
		 const char *b, struct err *e)
{
	if (strcasecmp(v, a) == 0 || strcasecmp(v, b) == 0)
		return 0;
	err_set(e, ERR_USAGE, _("invalid %s argument '%s': use %s or %s"), opt,
		v, a, b);
	return -1;
}

/* -R: msmtp's spellings too; off unsets the account's dsn_return. */
static int
cli_check_ret(const char *v, struct err *e)
{
	if (strcasecmp(v, "headers") == 0 || strcasecmp(v, "off") == 0)
		return 0;
	return cli_check_choice("-R", v, "full", "hdrs", e);
}

static void
cli_add_setting(struct cli_opts *o, const char *option, const char *cmd,
		const char *value)
{
	struct cli_setting *s = &o->settings[o->nsettings++];

	s->option = option;
	s->cmd = cmd;
	s->value = value;
}

/* Apply one parsed option; v is its argument or NULL. */
static int
cli_apply(struct cli_opts *o, const struct cli_option *opt, const char *v,
	  struct err *e)
{
	switch (opt->action) {
	case CLI_A_IGNORE:
		return 0;
	case CLI_A_B:
		return cli_mode_b(o, v, e);
	case CLI_A_O:
		if (strcmp(v, "i") == 0)
			o->ignore_dots = 1;
		else if (v[0] == 'd') /* -odq, -odd: queue; -odi, -odb */
			o->deliver_mode = v[1] == 'q' || v[1] == 'd' ? 'q' : 0;
		return 0;
	case CLI_A_Q:
		return cli_mode_q(o, v, e);
	case CLI_A_I:
		o->ignore_dots = 1;
		return 0;
	case CLI_A_T:
		o->read_recipients = 1;
		return 0;
	case CLI_A_FROM:
		o->from = v;
		return 0;
	case CLI_A_FULLNAME:
		o->full_name = v;
		return 0;
	case CLI_A_NOTIFY:
		/* "off" in any case: submit.c compares with "off". */
		o->dsn_notify = strcasecmp(v, "off") == 0 ? "off" : v;
		return cli_check_notify(v, e);
	case CLI_A_RET:
		o->dsn_return = strcasecmp(v, "off") == 0 ? "off" : v;
		return cli_check_ret(v, e);
	case CLI_A_ENVID:
		o->envid = v;
		return 0;
	case CLI_A_BODY:
		/* Any value, as msmtp: the body type is the message's. */
		o->body_type = v;
		return 0;
	case CLI_A_CONFIG:
		o->config_file = v;
		return 0;
	case CLI_A_VERBOSE:
		o->verbose = 1;
		return 0;
	case CLI_A_ACCOUNT:
		o->account = v;
		return 0;
	case CLI_A_HOST:
		o->host = v;
		cli_add_setting(o, "host", "host", v);
		return 0;
	case CLI_A_LOGFILE:
		cli_add_setting(o, "logfile", "logfile", v);
		return 0;
	case CLI_A_READ_ENVFROM:
		o->read_envelope_from = 1;
		return 0;
	case CLI_A_ALIASES:
		o->mode = CLI_MODE_ALIASES;
		return 0;
	case CLI_A_HELP:
		o->mode = CLI_MODE_HELP;
		return 0;
	case CLI_A_VERSION:
		o->mode = CLI_MODE_VERSION;
		return 0;
	case CLI_A_PRETEND:
		o->mode = CLI_MODE_PRETEND;
		return 0;
	case CLI_A_SERVERINFO:
		o->mode = CLI_MODE_SERVERINFO;
		return 0;
	case CLI_A_KEYGEN:
		o->mode = CLI_MODE_KEYGEN;
		return 0;
	case CLI_A_KEY_TYPE:
		o->key_type = v;
		return cli_check_choice("--key-type", v, "rsa", "ed25519", e);
	case CLI_A_SELECTOR:
		o->selector = v;
		return 0;
	case CLI_A_DOMAIN:
		o->keygen_domain = v;
		return 0;
	case CLI_A_STORE_PASSWORD:
		o->mode = CLI_MODE_STORE_PASSWORD;
		return 0;
	case CLI_A_CHECK_DNS:
		o->mode = CLI_MODE_CHECK_DNS;
		return 0;
	case CLI_A_EGRESS_IP:
		o->egress_ip = v;
		return 0;
	case CLI_A_CHECK_TO:
		o->check_to = v;
		return 0;
	case CLI_A_JSON:
		o->json = 1;
		return 0;
	case CLI_A_QLIST:
		o->mode = CLI_MODE_QUEUE_LIST;
		return 0;
	case CLI_A_QRUN:
	case CLI_A_QFLUSH:
		o->mode = CLI_MODE_QUEUE_RUN;
		o->queue_due = opt->action == CLI_A_QRUN;
		return 0;
	case CLI_A_QDAEMON:
		o->mode = CLI_MODE_QUEUE_DAEMON;
		return 0;
	case CLI_A_QCTL:
		o->mode = CLI_MODE_QUEUE_CTL;
		o->queue_id = v;
		o->queue_ctl = strcmp(opt->name, "queue-remove") == 0 ? 'r'
			       : strcmp(opt->name, "queue-hold") == 0 ? 'h'
								      : 'l';
		return 0;
	case CLI_A_LATER:
		err_set(e, ERR_UNAVAILABLE,
			_("--%s is not available in this version"), opt->name);
		return -1;
	}
	xabort(__func__, "unknown action");
}

static const struct cli_set_option *
cli_find_set(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < CLI_NSETS; i++)
		if (strlen(cli_set_table[i].name) == len &&
		    strncmp(cli_set_table[i].name, name, len) == 0)
			return &cli_set_table[i];
	return NULL;
}

/* "--tls[=on|off]", "--user[=]NAME": eq is the '=' or NULL. */
static int
cli_long_set(struct cli_opts *o, const struct cli_set_option *so,
	     const char *eq, int argc, char **argv, int *i, struct err *e)
{
	const char *v = eq ? eq + 1 : so->dflt;

	if (v == NULL && *i + 1 < argc)
		v = argv[++*i];
	if (v == NULL) {
		err_set(e, ERR_USAGE, _("option --%s needs an argument"),
			so->name);
		return -1;
	}
	if (*v == '\0' && !so->empty_ok) {
		err_set(e, ERR_USAGE, _("invalid argument '' for --%s"),
			so->name);
		return -1;
	}
	cli_add_setting(o, so->name, so->cmd, v);
	return 0;
}

/* "--name[=value]" */
static int
cli_long(struct cli_opts *o, int argc, char **argv, int *i, struct err *e)
{
	const char *word = argv[*i] + 2, *eq = strchr(word, '=');
	size_t len = eq ? (size_t)(eq - word) : strlen(word);
	const struct cli_option *opt = cli_find_long(word, len);
	const struct cli_set_option *so = cli_find_set(word, len);
	const char *v = NULL;

	if (opt == NULL && so != NULL)
		return cli_long_set(o, so, eq, argc, argv, i, e);
	if (opt == NULL) {
		err_set(e, ERR_USAGE, _("unknown option %s"), argv[*i]);
		return -1;
	}
	if (opt->arg == CLI_ARG_NONE && eq != NULL) {
		err_set(e, ERR_USAGE, _("option --%s takes no argument"),
			opt->name);
		return -1;
	}
	if (opt->arg != CLI_ARG_NONE) {
		if (eq != NULL)
			v = eq + 1;
		else if (*i + 1 < argc)
			v = argv[++*i];
		else {
			err_set(e, ERR_USAGE, _("option --%s needs an argument"),
				opt->name);
			return -1;
		}
	}
	return cli_apply(o, opt, v, e);
}

/* "-xyz": flags may be bundled; an option with an argument ends the word. */
static int
cli_short(struct cli_opts *o, int argc, char **argv, int *i, struct err *e)
{
	const char *p = argv[*i] + 1;
	const struct cli_option *opt;

	for (; *p != '\0'; p++) {
		opt = cli_find_short(*p);
		if (opt == NULL) {
			err_set(e, ERR_USAGE, _("unknown option -%c"), *p);
			return -1;
		}
		if (opt->arg == CLI_ARG_NONE) {
			if (cli_apply(o, opt, NULL, e) < 0)
				return -1;
			continue;
		}
		if (opt->arg == CLI_ARG_REST || p[1] != '\0')
			return cli_apply(o, opt, p + 1, e);
		if (*i + 1 >= argc) {
			err_set(e, ERR_USAGE, _("option -%c needs an argument"),
				*p);
			return -1;
		}
		return cli_apply(o, opt, argv[++*i], e);
	}
	return 0;
}

static enum cli_mode
cli_mode_from_name(const char *argv0)
{
	const char *base = strrchr(argv0, '/');

	base = base ? base + 1 : argv0;
	if (strcmp(base, "mailq") == 0)
		return CLI_MODE_QUEUE_LIST;
	if (strcmp(base, "newaliases") == 0)
		return CLI_MODE_ALIASES;
	return CLI_MODE_SEND;
}

int
cli_parse(int argc, char **argv, struct cli_opts *o, struct err *e)
{
	int i, rc = 0, only_rcpts = 0;

	memset(o, 0, sizeof(*o));
	o->read_envelope_from = -1;
	o->recipients = xcalloc((size_t)argc + 1, sizeof(char *));
	o->settings = xcalloc((size_t)argc + 1, sizeof(o->settings[0]));
	o->mode = argc > 0 ? cli_mode_from_name(argv[0]) : CLI_MODE_SEND;
	for (i = 1; i < argc && rc == 0; i++) {
		const char *a = argv[i];

		if (only_rcpts || a[0] != '-' || a[1] == '\0')
			o->recipients[o->nrecipients++] = a;
		else if (strcmp(a, "--") == 0)
			only_rcpts = 1;
		else if (a[1] == '-')
			rc = cli_long(o, argc, argv, &i, e);
		else
			rc = cli_short(o, argc, argv, &i, e);
	}
	if (rc == 0 && o->from != NULL && o->read_envelope_from == 1) {
		err_set(e, ERR_USAGE, _("cannot use both --from and "
					"--read-envelope-from"));
		rc = -1;
	}
	return rc;
}

void
cli_free(struct cli_opts *o)
{
	free(o->recipients);
	o->recipients = NULL;
	o->nrecipients = 0;
	free(o->settings);
	o->settings = NULL;
	o->nsettings = 0;
}

void
cli_help(void)
{
	printf(_("Usage: %s [OPTION]... [RECIPIENT]...\n"), "dsmtp");
	fputs(_("Read a message on standard input and deliver it.\n"
		"\n"
		"Sendmail options:\n"
		"  -t, --read-recipients  add recipients from To, Cc and Bcc "
		"headers\n"
		"  -i, -oi         a line holding only '.' does not end input\n"
		"  -f, -r ADDR     envelope sender (<> is the null sender)\n"
		"  -F NAME         full name for an added From header\n"
		"  -N, --dsn-notify=LIST  DSN notify: off, never or "
		"success,failure,delay\n"
		"  -R, --dsn-return=full|hdrs|headers|off  DSN return\n"
		"  -V ENVID        DSN envelope id\n"
		"  -B TYPE         body type (accepted, any value)\n"
		"  -C, --file=FILE  use FILE instead of the user configuration\n"
		"  -v, -d, --debug  show the SMTP dialogue on standard error\n"
		"  -X, --logfile=FILE  log to FILE (the logfile command)\n"
		"  -o OPTION       sendmail option: -oi is -i, -odq (or -odd) "
		"queues without\n"
		"                  trying now, others are ignored\n"
		"  -bm             deliver a message (the default)\n"
		"  -bs             speak SMTP on standard input and output\n"
		"  -bi, -I         check the aliases file (newaliases)\n"
		"  -bp             list the queue (mailq)\n"
		"  -q              try every queued message now, held ones "
		"excepted; glued to\n"
		"                  I<id>: that entry only; to R<domain>: entries "
		"for that domain\n"
		"                  or below it; to S<text>: senders that hold the "
		"text\n"
		"\n"
		"dsmtp options:\n"
		"  -a, --account=NAME     use this account\n"
		"      --host=HOST        deliver to this relay host; read no "
		"configuration file\n"
		"      --from=ADDR        envelope sender, same as -f\n"
		"      --read-envelope-from  take the sender from the From "
		"header\n"
		"  -P, --pretend          print the effective configuration\n"
		"  -S, --serverinfo       show what the relay server offers\n"
		"      --dkim-keygen FILE make a DKIM key in FILE and print "
		"its DNS record\n"
		"      --key-type=TYPE    rsa (2048 bits, the default) or "
		"ed25519\n"
		"      --selector=NAME    DKIM selector for the record\n"
		"      --keygen-domain=DOMAIN  domain for the record\n"
		"      --store-password   store the password read from "
		"standard input\n"
		"                         in the keyring for the account\n"
		"      --check-dns        check the DKIM, SPF, DMARC and reverse "
		"DNS records\n"
		"                         receivers will look up; exit 1 when "
		"one fails\n"
		"      --egress-ip=ADDR   the public address mail leaves from "
		"(--check-dns)\n"
		"      --to=DOMAIN        also check a recipient domain's MX, "
		"TLSA and MTA-STS\n"
		"                         records (--check-dns)\n"
		"      --json             --check-dns report or --queue-list "
		"as JSON\n"
		"      --queue-list       list the queue, as -bp\n"
		"      --queue-flush      try every queued message now, as -q\n"
		"      --queue-run        try the queued messages whose retry "
		"time has come\n"
		"      --queue-daemon     stay: deliver new mail at once, retry "
		"on schedule\n"
		"      --queue-hold=ID    keep a queued message from delivery\n"
		"      --queue-release=ID  let a held message go again\n"
		"      --queue-remove=ID  delete a queued message\n"
		"      --help             show this help and exit\n"
		"      --version          show version information and exit\n"
		"\n"
		"Options as msmtp's: each sets the configuration command of the "
		"same name\n"
		"(- written _) for the account used, as its file's line would; "
		"[=VALUE]\n"
		"is optional, =[VALUE] may be empty (unsets):\n"
		"      --port=PORT                     relay port\n"
		"      --timeout=(off|SECONDS)         network timeout\n"
		"      --protocol=(smtp|lmtp)          protocol\n"
		"      --domain=[NAME]                 the EHLO name\n"
		"      --source-ip=[IP]                local address to connect from\n"
		"      --socket=[FILE]                 local socket to connect to\n"
		"      --proxy-host=[HOST]             SOCKS proxy\n"
		"      --proxy-port=[PORT]             SOCKS proxy port\n"
		"      --auth[=(on|off|METHOD)]        authentication\n"
		"      --user=[NAME]                   user name for authentication\n"
		"      --passwordeval=[COMMAND]        command printing the password\n"
		"      --tls[=(on|off)]                TLS\n"
		"      --tls-starttls[=(on|off)]       STARTTLS rather than TLS at once\n"
		"      --tls-trust-file=[FILE]         trusted CA certificates\n"
		"      --tls-crl-file=[FILE]           revoked certificates\n"
		"      --tls-fingerprint=[FP]          the server certificate's fingerprint\n"
		"      --tls-certcheck[=(on|off)]      check the server certificate\n"
		"      --tls-key-file=[FILE]           client key\n"
		"      --tls-cert-file=[FILE]          client certificate\n"
		"      --tls-priorities=[PRIOS]        GnuTLS priorities\n"
		"      --tls-host-override=[HOST]      name the certificate must hold\n"
		"      --tls-min-dh-prime-bits=[BITS]  smallest DH prime\n"
		"      --auto-from[=(on|off)]          automatic envelope sender\n"
		"      --maildomain=[DOMAIN]           its domain\n"
		"      --aliases=[FILE]                aliases file\n"
		"      --logfile-time-format=[FORMAT]  strftime format of the log\n"
		"      --syslog[=(on|off|FACILITY)]    syslog\n"
		"      --set-from-header[=(auto|on|off)]  add a From header\n"
		"      --set-date-header[=(auto|off)]  add a Date header\n"
		"      --set-msgid-header[=(auto|off)]  add a Message-ID header\n"
		"      --remove-bcc-headers[=(on|off)]  remove Bcc headers\n"
		"      --undisclosed-recipients[=(on|off)]  hide the recipients\n"
		"      --queue[=(on|off)]              keep what cannot be "
		"delivered now\n"
		"\n"
		"Other sendmail options are accepted and ignored.\n"),
	      stdout);
}
