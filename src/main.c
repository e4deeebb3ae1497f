/* main.c - dsmtp's entry point
 *
 * Owns: the mode chosen by argv[0] and the options, wiring the modules
 *       together, and mapping failure classes to sysexits codes.
 * Not:  any protocol or parsing detail. */

#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <sys/resource.h>
#include <termios.h>
#include <unistd.h>

#include "addr.h"
#include "aliases.h"
#include "buf.h"
#include "checkdns.h"
#include "crypto.h"
#include "cli.h"
#include "config.h"
#include "deliver.h"
#include "dns.h"
#include "dnsrec.h"
#include "err.h"
#include "file.h"
#include "handover.h"
#include "i18n.h"
#include "log.h"
#include "pretend.h"
#include "qcmd.h"
#include "qdaemon.h"
#include "secret.h"
#include "smtp.h"
#include "smtpd_stdio.h"
#include "submit.h"
#include "version.h"
#include "xmalloc.h"


static int
main_fail(struct err *e)
{
	int code = err_exit_code(e->cls);

	log_diag("%s", e->msg ? e->msg : _("unknown error"));
	err_clear(e);
	return code;
}

static int
main_aliases(const struct config *cfg, struct err *e)
{
	const char *path = config_str(&cfg->defaults, CFG_ALIASES,
				      "/etc/aliases");
	struct aliases al = { 0 };
	int rc = aliases_load(&al, path, cfg->defaults.val[CFG_ALIASES] == NULL,
			      e);

	aliases_free(&al);
	return rc < 0 ? main_fail(e) : EX_OK;
}

static int
main_pretend(const struct cli_opts *cli, const struct config *cfg,
	     struct err *e)
{
	struct account scratch;
	const struct account *a = submit_account(cli, cfg, &scratch, e);

	if (a == NULL)
		return main_fail(e);
	pretend_print(stdout, cli, cfg, a);
	return EX_OK;
}

static int
main_serverinfo(const struct cli_opts *cli, const struct config *cfg,
		struct err *e)
{
	struct account scratch;
	const struct account *a = submit_account(cli, cfg, &scratch, e);
	struct smtp_session s;
	struct smtp_target t;

	if (a == NULL)
		return main_fail(e);
	deliver_target(a, "localhost", &t);
	t.auth.enabled = 0; /* look, do not log in */
	if (smtp_open(&s, &t, e) < 0) {
		smtp_close(&s);
		return main_fail(e);
	}
	printf(_("SMTP server at %s (%s), port %d:\n"), t.host, s.net.peer_ip,
	       t.port);
	printf("    %s\n", buf_cstr(&s.greeting));
	if (s.net.tls != NULL) {
		struct buf chain = { 0 };

		tls_describe_chain(s.net.tls, &chain);
		printf(_("TLS session: %s, %s\n"), tls_version(s.net.tls),
		       tls_cipher(s.net.tls));
		printf(_("Server certificates:\n%s"), buf_cstr(&chain));
		buf_free(&chain);
	}
	printf(_("Capabilities:\n"));
	if (s.caps.size_offered)
		printf("    SIZE %lld\n", s.caps.size);
	if (s.caps.pipelining)
		printf("    PIPELINING\n");
	if (s.caps.eightbitmime)
		printf("    8BITMIME\n");
	if (s.caps.dsn)
		printf("    DSN\n");
	if (s.caps.enhanced)
		printf("    ENHANCEDSTATUSCODES\n");
	if (s.caps.smtputf8)
		printf("    SMTPUTF8\n");
	if (s.caps.starttls)
		printf("    STARTTLS\n");
	if (s.caps.auth)
		printf("    AUTH %s\n", s.caps.auth);
	smtp_close(&s);
	return EX_OK;
}

static int
main_has_setting(const struct cli_opts *cli, const char *cmd)
{
	size_t i;

	for (i = 0; i < cli->nsettings; i++)
		if (strcmp(cli->settings[i].cmd, cmd) == 0)
			return 1;
	return 0;
}

/* --dkim-keygen FILE: make the key, print the record and the config line. */
static int
main_keygen(const struct cli_opts *cli, struct err *e)
{
	int ed = cli->key_type != NULL && strcmp(cli->key_type, "ed25519") == 0;
	const char *sel = cli->selector ? cli->selector : ed ? "ed" : "rsa";
	char *dom = addr_domain_or_default(cli->keygen_domain);
	struct crypto_key *k = NULL;
	struct buf out = { 0 };
	char *abs = NULL;
	int rc = -1;

	if (cli->nrecipients != 1) {
		err_set(e, ERR_USAGE, _("--dkim-keygen needs one key file name"));
	} else if (main_has_setting(cli, "domain")) {
		/* The old spelling must not silently make a record for the
		 * host's domain. */
		err_set(e, ERR_USAGE, _("--domain is the EHLO name; the "
					"record's domain is --keygen-domain"));
	} else if (crypto_keygen(ed ? CRYPTO_KEY_ED25519 : CRYPTO_KEY_RSA,
				 2048, cli->recipients[0], &k, e) == 0 &&
		   dnsrec_dkim(&out, sel, dom, k, e) == 0) {
		printf(_("; Publish this record in the DNS zone of %s:\n"), dom);
		fputs(out.data, stdout);
		printf(_("; and add this line to the account that signs:\n"));
		abs = realpath(cli->recipients[0], NULL);
		printf("; dkim_key %s %s\n", sel,
		       abs ? abs : cli->recipients[0]);
		free(abs);
		rc = 0;
	}
	crypto_key_free(k);
	buf_free(&out);
	free(dom);
	return rc < 0 ? main_fail(e) : EX_OK;
}

/* Read one line; at a terminal with a prompt on stderr and no echo. */
static int
main_read_password(const char *user, char *line, size_t size)
{
	struct termios old, quiet;
	int tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &old) == 0;
	char *got;

	if (tty) {
		fprintf(stderr, _("Password for %s: "), user);
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	got = fgets(line, (int)size, stdin);
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fputc('\n', stderr);
	}
	if (got == NULL)
		return -1;
	line[strcspn(line, "\r\n")] = '\0';
	return 0;
}

/* --check-dns: the report on stdout; 0 when nothing fails, 1 otherwise. */
static int
main_check_dns(const struct cli_opts *cli, const struct config *cfg,
	       struct err *e)
{
	struct account scratch;
	const struct account *a = submit_account(cli, cfg, &scratch, e);
	struct checkdns_options o = { cli->egress_ip, cli->json, cli->check_to,
				      0 };
	struct check_report r = { 0 };
	struct dns_resolver res;
	struct dns_lookup l;
	int failed;

	if (a == NULL)
		return main_fail(e);
	if (dns_open(&res, 5, 2, e) < 0)
		return main_fail(e);
	dns_lookup_on(&l, &res);
	o.trust_ad = res.trust_ad;
	checkdns_account(&r, &l, a, &o);
	checkdns_print(&r, stdout, cli->json);
	failed = checkdns_failed(&r);
	checkdns_free(&r);
	dns_close(&res);
	return failed ? 1 : EX_OK;
}

/* --store-password: the first line of stdin goes to the keyring under
 * the account's host and user, where msmtp would find it too. */
static int
main_store_password(const struct cli_opts *cli, const struct config *cfg,
		    struct err *e)
{
	struct account scratch;
	const struct account *a = submit_account(cli, cfg, &scratch, e);
	char line[4096], *host;
	int rc;

	if (a == NULL)
		return main_fail(e);
	if (a->val[CFG_HOST] == NULL || a->val[CFG_USER] == NULL) {
		err_set(e, ERR_CONFIG, _("the account needs host and user to "
					 "store a password"));
		return main_fail(e);
	}
	if (main_read_password(a->val[CFG_USER], line, sizeof(line)) < 0) {
		err_set(e, ERR_USAGE, _("no password on standard input"));
		return main_fail(e);
	}
	host = addr_host_ascii(a->val[CFG_HOST], e);
	rc = host ? secret_store(host, a->val[CFG_USER], line, e) : -1;
	free(host);
	xwipe(line, sizeof(line));
	return rc < 0 ? main_fail(e) : EX_OK;
}

/* Options that mirror configuration commands (--tls=off, -X FILE) go
 * to the defaults and every account through the file grammar, so the
 * account chosen later has them, checked as a file's values are. */
static int
main_apply_settings(const struct cli_opts *cli, struct config *cfg,
		    struct err *e)
{
	const struct cli_setting *st;
	char origin[64];
	size_t i, j;
	int rc = 0;

	for (i = 0; i < cli->nsettings && rc == 0; i++) {
		st = &cli->settings[i];
		snprintf(origin, sizeof(origin), "--%s", st->option);
		rc = config_account_apply(cfg, &cfg->defaults, st->cmd,
					  st->value, origin, e);
		for (j = 0; j < cfg->naccounts && rc == 0; j++)
			rc = config_account_apply(cfg, cfg->accounts[j],
						  st->cmd, st->value, origin,
						  e);
		if (rc < 0)
			err_prefix(e, _("invalid argument for %s"), origin);
	}
	return rc;
}

/* --host: msmtp's "only command-line settings", no file is read. */
static int
main_load_config(const struct cli_opts *cli, struct config *cfg,
		 struct err *e)
{
	struct config_sources src = { 0 };

	memset(cfg, 0, sizeof(*cfg));
	src.system_file = CONFIG_SYSTEM_FILE;
	src.user_file = cli->config_file;
	src.user_file_explicit = cli->config_file != NULL;
	if (cli->host == NULL && config_load(cfg, &src, e) < 0)
		return -1;
	return main_apply_settings(cli, cfg, e);
}

/* A caller that writes the message (cron, PHP, a -t pipe) must see our
 * refusal, not a broken pipe: read and drop its input first, for at most
 * 30 s of silence (a caller that never closes is not waited for). */
static void
main_drain(int fd)
{
	struct pollfd p = { fd, POLLIN, 0 };
	char chunk[65536];
	ssize_t n;

	if (isatty(fd))
		return;
	while (poll(&p, 1, 30000) > 0) {
		n = read(fd, chunk, sizeof(chunk));
		if (n == 0 || (n < 0 && errno != EINTR))
			return;
	}
}

static int
main_config_failed(const struct cli_opts *cli, struct err *e)
{
	if (cli->mode == CLI_MODE_SMTP)
		smtpd_stdio_refuse(STDOUT_FILENO, e);
	else if (cli->mode == CLI_MODE_SEND)
		main_drain(STDIN_FILENO);
	return main_fail(e);
}

/* mailq and the queue commands work without a configuration file: the
 * default spool (the user's, root's system spool) is still there. */
static int
main_queue_anyway(const struct cli_opts *cli, const struct config *cfg,
		  struct err *e)
{
	if ((cli->mode != CLI_MODE_QUEUE_LIST &&
	     cli->mode != CLI_MODE_QUEUE_RUN &&
	     cli->mode != CLI_MODE_QUEUE_CTL) || cfg->nfiles > 0 ||
	    cli->config_file != NULL)
		return 0;
	err_clear(e);
	return 1;
}

/* A user of the system's mail who may not read its configuration: the
 * message goes to the system's queue through the helper (handover.h). */
static int
main_handover(const struct cli_opts *cli, char *const *args, size_t nargs,
              struct err *e)
{
	char id[QUEUE_ID_MAX];

	if (handover_submit(args, nargs, STDIN_FILENO, cli->ignore_dots, id,
	                    e) == 0)
		return EX_OK;
	main_drain(STDIN_FILENO);
	return main_fail(e);
}

static int
main_run(const struct cli_opts *cli, char *const *args, size_t nargs,
         struct err *e)
{
	struct config cfg;
	int rc;

	if (cli->mode == CLI_MODE_SEND && handover_wanted(cli))
		return main_handover(cli, args, nargs, e);
	if (cli->mode == CLI_MODE_SMTP && handover_wanted(cli))
		return smtpd_stdio_serve(handover_envelope, NULL, STDIN_FILENO,
		                         STDOUT_FILENO);
	if (main_load_config(cli, &cfg, e) < 0 && !main_queue_anyway(cli, &cfg,
								      e)) {
		config_free(&cfg);
		return main_config_failed(cli, e);
	}
	switch (cli->mode) {
	case CLI_MODE_ALIASES:
		rc = main_aliases(&cfg, e);
		break;
	case CLI_MODE_PRETEND:
		rc = main_pretend(cli, &cfg, e);
		break;
	case CLI_MODE_SERVERINFO:
		rc = main_serverinfo(cli, &cfg, e);
		break;
	case CLI_MODE_STORE_PASSWORD:
		rc = main_store_password(cli, &cfg, e);
		break;
	case CLI_MODE_CHECK_DNS:
		rc = main_check_dns(cli, &cfg, e);
		break;
	case CLI_MODE_QUEUE_RUN:
		rc = qcmd_run(cli, &cfg, e) < 0 ? main_fail(e) : EX_OK;
		break;
	case CLI_MODE_QUEUE_LIST:
		rc = qcmd_list(cli, &cfg, stdout, e) < 0 ? main_fail(e) : EX_OK;
		break;
	case CLI_MODE_QUEUE_CTL:
		rc = qcmd_control(cli, &cfg, e) < 0 ? main_fail(e) : EX_OK;
		break;
	case CLI_MODE_QUEUE_DAEMON:
		rc = qdaemon_run(cli, &cfg, e) < 0 ? main_fail(e) : EX_OK;
		break;
	case CLI_MODE_SMTP:
		rc = smtpd_stdio_run(cli, &cfg, STDIN_FILENO, STDOUT_FILENO);
		break;
	default:
		rc = submit_message(cli, &cfg, STDIN_FILENO, NULL, e) < 0
			     ? main_fail(e) : EX_OK;
		break;
	}
	config_free(&cfg);
	return rc;
}

int
main(int argc, char **argv)
{
	struct cli_opts cli;
	struct err e = { 0 };
	char **args;
	int rc;

	file_sane_fds();
	/* Passwords and keys pass through memory: never into a core file. */
	setrlimit(RLIMIT_CORE, &(struct rlimit){ 0, 0 });
	/* A peer that goes away must be an error we report, not a signal. */
	signal(SIGPIPE, SIG_IGN);
	setlocale(LC_ALL, "");
	bindtextdomain(PACKAGE, LOCALEDIR);
	textdomain(PACKAGE);
	/* The words as given, before the option parser reorders them. */
	args = xcalloc((size_t)argc + 1, sizeof(*args));
	memcpy(args, argv, (size_t)argc * sizeof(*args));
	if (cli_parse(argc, argv, &cli, &e) < 0) {
		cli_free(&cli);
		free(args);
		return main_fail(&e);
	}
	log_set_verbose(cli.verbose);
	switch (cli.mode) {
	case CLI_MODE_HELP:
		cli_help();
		rc = EX_OK;
		break;
	case CLI_MODE_VERSION:
		version_print(stdout);
		rc = EX_OK;
		break;
	case CLI_MODE_IGNORED:
		rc = EX_OK;
		break;
	case CLI_MODE_KEYGEN:
		rc = main_keygen(&cli, &e);
		break;
	default:
		rc = main_run(&cli, args + 1, argc > 0 ? (size_t)argc - 1 : 0,
		              &e);
		break;
	}
	cli_free(&cli);
	free(args);
	log_close();
	return rc;
}
