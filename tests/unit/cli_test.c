/* cli_test.c - unit tests for cli.h
 *
 * Owns: the argv of every captured caller (../data/clients/NAME.argv, copied
 *       here), glued and separate arguments, modes, ignored options that
 *       consume an argument, rejected options, bundled flags, "--",
 *       argv[0] names and dsmtp's long options.
 * Not:  acting on the options (main.c, submit.c). */

#include <config.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cli.h"
#include "err.h"

#define ARGC(v) ((int)(sizeof(v) / sizeof((v)[0])) - 1)

/* Parse argv (NULL-terminated) and expect success. */
static void
parse_ok(char **argv, struct cli_opts *o)
{
	struct err e = { 0 };
	int argc = 0;

	while (argv[argc] != NULL)
		argc++;
	if (cli_parse(argc, argv, o, &e) != 0)
		fail_msg("cli_parse failed: %s", e.msg ? e.msg : "");
	assert_int_equal(e.cls, ERR_NONE);
}

/* Parse argv and expect failure of class cls. */
static void
parse_fails(char **argv, enum err_class cls)
{
	struct cli_opts o;
	struct err e = { 0 };
	int argc = 0;

	while (argv[argc] != NULL)
		argc++;
	if (cli_parse(argc, argv, &o, &e) != -1)
		fail_msg("cli_parse accepted %s", argv[argc - 1]);
	assert_int_equal(e.cls, cls);
	assert_non_null(e.msg);
	assert_true(e.msg[0] != '\0');
	assert_null(strchr(e.msg, '\n'));
	err_clear(&e);
	cli_free(&o);
}

static void
assert_setting(const struct cli_opts *o, size_t i, const char *cmd,
	       const char *value)
{
	assert_true(i < o->nsettings);
	assert_string_equal(o->settings[i].cmd, cmd);
	assert_string_equal(o->settings[i].value, value);
}

static void
assert_rcpts(const struct cli_opts *o, const char *const *want, size_t n)
{
	size_t i;

	assert_int_equal(o->nrecipients, n);
	for (i = 0; i < n; i++)
		assert_string_equal(o->recipients[i], want[i]);
}

/* What a caller's argv must come to. */
struct client {
	char *argv[16];
	enum cli_mode mode;
	const char *from;
	const char *full_name;
	int ignore_dots;
	int read_recipients;
	const char *dsn_notify;
	const char *dsn_return;
	const char *body_type;
	const char *rcpts[8];
};

/* ../data/clients/<name>.1.argv, one entry each. */
static struct client clients[] = {
	{ /* apticron */
	  .argv = { "sendmail", "-i", "-t" },
	  .ignore_dots = 1, .read_recipients = 1 },
	{ /* bsdmailx-default */
	  .argv = { "sendmail", "-i", "-t" },
	  .ignore_dots = 1, .read_recipients = 1 },
	{ /* bsdmailx-fail */
	  .argv = { "sendmail", "-i", "-t" },
	  .ignore_dots = 1, .read_recipients = 1 },
	{ /* bsdmailx-r */
	  .argv = { "sendmail", "-i", "-t", "-f", "sender@example.com" },
	  .ignore_dots = 1, .read_recipients = 1,
	  .from = "sender@example.com" },
	{ /* cron-debian-mailfrom */
	  .argv = { "/usr/sbin/sendmail", "-FCronDaemon", "-i", "-B8BITMIME",
		    "-oem", "root" },
	  .full_name = "CronDaemon", .ignore_dots = 1,
	  .body_type = "8BITMIME", .rcpts = { "root" } },
	{ /* cron-debian */
	  .argv = { "/usr/sbin/sendmail", "-FCronDaemon", "-i", "-B8BITMIME",
		    "-oem", "ops@example.org,admin@example.org" },
	  .full_name = "CronDaemon", .ignore_dots = 1,
	  .body_type = "8BITMIME",
	  .rcpts = { "ops@example.org,admin@example.org" } },
	{ /* git-default */
	  .argv = { "/usr/sbin/sendmail", "-i", "to1@example.org",
		    "cc@example.org", "bcc@example.org" },
	  .ignore_dots = 1,
	  .rcpts = { "to1@example.org", "cc@example.org",
		     "bcc@example.org" } },
	{ /* git-envsender */
	  .argv = { "/usr/sbin/sendmail", "-f", "bounce@example.com", "-i",
		    "to1@example.org" },
	  .from = "bounce@example.com", .ignore_dots = 1,
	  .rcpts = { "to1@example.org" } },
	{ /* git-smtpserver */
	  .argv = { "/usr/sbin/sendmail", "-oi", "-i", "to1@example.org" },
	  .ignore_dots = 1, .rcpts = { "to1@example.org" } },
	{ /* logcheck-mimeconstruct */
	  .argv = { "sendmail", "-oi", "logcheck" },
	  .ignore_dots = 1, .rcpts = { "logcheck" } },
	{ /* logwatch */
	  .argv = { "/usr/sbin/sendmail", "-t" },
	  .read_recipients = 1 },
	{ /* mailutils-default */
	  .argv = { "/usr/sbin/sendmail", "-oi", "-f", "root@vm", "-t" },
	  .from = "root@vm", .ignore_dots = 1, .read_recipients = 1 },
	{ /* mailutils-fail */
	  .argv = { "/usr/sbin/sendmail", "-oi", "-f", "root@vm", "-t" },
	  .from = "root@vm", .ignore_dots = 1, .read_recipients = 1 },
	{ /* mailutils-r */
	  .argv = { "/usr/sbin/sendmail", "-oi", "-f", "sender@example.com",
		    "-t" },
	  .from = "sender@example.com", .ignore_dots = 1,
	  .read_recipients = 1 },
	{ /* mdadm-mailfrom */
	  .argv = { "/usr/sbin/sendmail", "-t" },
	  .read_recipients = 1 },
	{ /* mdadm */
	  .argv = { "/usr/sbin/sendmail", "-t" },
	  .read_recipients = 1 },
	{ /* mutt-8bitmime */
	  .argv = { "sendmail", "-oem", "-oi", "-B8BITMIME", "--",
		    "to@example.org" },
	  .ignore_dots = 1, .body_type = "8BITMIME",
	  .rcpts = { "to@example.org" } },
	{ /* mutt-default */
	  .argv = { "sendmail", "-oem", "-oi", "--", "to1@example.org",
		    "to2@example.org", "cc@example.org", "bcc@example.org" },
	  .ignore_dots = 1,
	  .rcpts = { "to1@example.org", "to2@example.org", "cc@example.org",
		     "bcc@example.org" } },
	{ /* mutt-envfrom */
	  .argv = { "sendmail", "-oem", "-oi", "-f", "mu@example.com", "-N",
		    "failure,delay", "-R", "hdrs", "--", "to@example.org",
		    "bcc@example.org" },
	  .from = "mu@example.com", .ignore_dots = 1,
	  .dsn_notify = "failure,delay", .dsn_return = "hdrs",
	  .rcpts = { "to@example.org", "bcc@example.org" } },
	{ /* neomutt-default */
	  .argv = { "sendmail", "-oem", "-oi", "--", "to@example.org",
		    "bcc@example.org" },
	  .ignore_dots = 1,
	  .rcpts = { "to@example.org", "bcc@example.org" } },
	{ /* php-default */
	  .argv = { "/usr/sbin/sendmail", "-t", "-i",
		    "-fbounce@example.com" },
	  .from = "bounce@example.com", .ignore_dots = 1,
	  .read_recipients = 1 },
	{ /* php-exit1 */
	  .argv = { "/usr/sbin/sendmail", "-t", "-i" },
	  .ignore_dots = 1, .read_recipients = 1 },
	{ /* php-exit75 */
	  .argv = { "/usr/sbin/sendmail", "-t", "-i" },
	  .ignore_dots = 1, .read_recipients = 1 },
	{ /* php-split-f */
	  .argv = { "/usr/sbin/sendmail", "-t", "-i", "-f",
		    "bounce2@example.com", "-odb" },
	  .from = "bounce2@example.com", .ignore_dots = 1,
	  .read_recipients = 1 },
	{ /* smartd */
	  .argv = { "sendmail", "-i", "-t" },
	  .ignore_dots = 1, .read_recipients = 1 },
	{ /* snail-default */
	  .argv = { "sendmail", "-i", "--", "to1@example.org",
		    "to2@example.org", "cc@example.org", "bcc@example.org" },
	  .ignore_dots = 1,
	  .rcpts = { "to1@example.org", "to2@example.org", "cc@example.org",
		     "bcc@example.org" } },
	{ /* snail-r */
	  .argv = { "sendmail", "-i", "-F", "Sender Name", "-f",
		    "sender@example.com", "--", "to@example.org" },
	  .from = "sender@example.com", .full_name = "Sender Name",
	  .ignore_dots = 1, .rcpts = { "to@example.org" } },
	{ /* unattended-upgrades */
	  .argv = { "/usr/sbin/sendmail", "-oi", "-t" },
	  .ignore_dots = 1, .read_recipients = 1 },
};

static void
assert_str_or_null(const char *got, const char *want)
{
	if (want == NULL)
		assert_null(got);
	else {
		assert_non_null(got);
		assert_string_equal(got, want);
	}
}

static void
test_client(void **state)
{
	const struct client *c = *state;
	struct cli_opts o;
	size_t n = 0;

	while (c->rcpts[n] != NULL)
		n++;
	parse_ok((char **)c->argv, &o);
	assert_int_equal(o.mode, CLI_MODE_SEND);
	assert_str_or_null(o.from, c->from);
	assert_str_or_null(o.full_name, c->full_name);
	assert_int_equal(o.ignore_dots, c->ignore_dots);
	assert_int_equal(o.read_recipients, c->read_recipients);
	assert_str_or_null(o.dsn_notify, c->dsn_notify);
	assert_str_or_null(o.dsn_return, c->dsn_return);
	assert_str_or_null(o.body_type, c->body_type);
	assert_null(o.envid);
	assert_null(o.config_file);
	assert_null(o.account);
	assert_int_equal(o.verbose, 0);
	assert_rcpts(&o, c->rcpts, n);
	cli_free(&o);
}

static void
test_defaults(void **state)
{
	char *argv[] = { "sendmail", "a@example.org", NULL };
	struct cli_opts o;

	(void)state;
	parse_ok(argv, &o);
	assert_int_equal(o.mode, CLI_MODE_SEND);
	assert_null(o.from);
	assert_null(o.full_name);
	assert_int_equal(o.ignore_dots, 0);
	assert_int_equal(o.read_recipients, 0);
	assert_int_equal(o.read_envelope_from, -1);
	assert_null(o.queue_id);
	assert_null(o.host);
	assert_int_equal(o.nsettings, 0);
	/* Recipients borrow from argv. */
	assert_int_equal(o.nrecipients, 1);
	assert_ptr_equal(o.recipients[0], argv[1]);
	cli_free(&o);
}

static void
test_from_glued_and_separate(void **state)
{
	char *a1[] = { "sendmail", "-fme@example.org", NULL };
	char *a2[] = { "sendmail", "-f", "me@example.org", NULL };
	char *a3[] = { "sendmail", "-rme@example.org", NULL };
	char *a4[] = { "sendmail", "-r", "me@example.org", NULL };
	char *a5[] = { "sendmail", "--from=me@example.org", NULL };
	char *a6[] = { "sendmail", "--from", "me@example.org", NULL };
	char **all[] = { a1, a2, a3, a4, a5, a6 };
	struct cli_opts o;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		parse_ok(all[i], &o);
		assert_str_or_null(o.from, "me@example.org");
		/* The argument is not a recipient. */
		assert_int_equal(o.nrecipients, 0);
		cli_free(&o);
	}
}

static void
test_from_null_sender(void **state)
{
	char *a1[] = { "sendmail", "-f", "<>", "x@example.org", NULL };
	char *a2[] = { "sendmail", "-f", "", "x@example.org", NULL };
	char *a3[] = { "sendmail", "-f<>", "x@example.org", NULL };
	struct cli_opts o;

	(void)state;
	parse_ok(a1, &o);
	assert_str_or_null(o.from, "<>");
	assert_int_equal(o.nrecipients, 1);
	cli_free(&o);
	parse_ok(a2, &o);
	assert_str_or_null(o.from, "");
	assert_int_equal(o.nrecipients, 1);
	cli_free(&o);
	parse_ok(a3, &o);
	assert_str_or_null(o.from, "<>");
	cli_free(&o);
}

static void
test_full_name_glued_and_separate(void **state)
{
	char *a1[] = { "sendmail", "-FCron Daemon", NULL };
	char *a2[] = { "sendmail", "-F", "Cron Daemon", NULL };
	struct cli_opts o;

	(void)state;
	parse_ok(a1, &o);
	assert_str_or_null(o.full_name, "Cron Daemon");
	assert_int_equal(o.nrecipients, 0);
	cli_free(&o);
	parse_ok(a2, &o);
	assert_str_or_null(o.full_name, "Cron Daemon");
	assert_int_equal(o.nrecipients, 0);
	cli_free(&o);
}

static void
test_body_glued_and_separate(void **state)
{
	char *a1[] = { "sendmail", "-B8BITMIME", NULL };
	char *a2[] = { "sendmail", "-B", "7BIT", "a@example.org", NULL };
	char *any[] = { "sendmail", "-B", "BINARYMIME", "a@example.org", NULL };
	struct cli_opts o;

	(void)state;
	parse_ok(a1, &o);
	assert_str_or_null(o.body_type, "8BITMIME");
	cli_free(&o);
	parse_ok(a2, &o);
	assert_str_or_null(o.body_type, "7BIT");
	assert_int_equal(o.nrecipients, 1);
	cli_free(&o);
	/* msmtp accepts any -B value and its argument is the next word. */
	parse_ok(any, &o);
	assert_int_equal(o.nrecipients, 1);
	cli_free(&o);
}

static void
test_oi_and_other_o(void **state)
{
	char *a1[] = { "sendmail", "-oi", NULL };
	char *a2[] = { "sendmail", "-oem", "-odb", "-odi", "-odq", "-om",
		       "-o7", "-o8", "-oee", "-oQ/var/spool", "x@example.org",
		       NULL };
	struct cli_opts o;

	(void)state;
	parse_ok(a1, &o);
	assert_int_equal(o.ignore_dots, 1);
	cli_free(&o);
	/* -o... takes the rest of its own word only. */
	parse_ok(a2, &o);
	assert_int_equal(o.ignore_dots, 0);
	assert_int_equal(o.read_recipients, 0);
	assert_int_equal(o.mode, CLI_MODE_SEND);
	assert_int_equal(o.nrecipients, 1);
	assert_string_equal(o.recipients[0], "x@example.org");
	cli_free(&o);
}

/* msmtp's -o takes a value: "-o i" consumes the i. */
static void
test_o_separate_value(void **state)
{
	char *argv[] = { "sendmail", "-o", "i", "x@example.org", NULL };
	char *missing[] = { "sendmail", "-o", NULL };
	struct cli_opts o;

	(void)state;
	parse_ok(argv, &o);
	assert_int_equal(o.ignore_dots, 1);
	assert_int_equal(o.nrecipients, 1);
	assert_string_equal(o.recipients[0], "x@example.org");
	cli_free(&o);
	parse_fails(missing, ERR_USAGE);
}

/* Long options mirroring configuration commands, in order, with the
 * configuration command's name; validation is the configuration's. */
static void
test_config_options(void **state)
{
	char *argv[] = { "dsmtp", "--tls=off", "--tls-trust-file", "/tmp/ca",
			 "--auth=plain", "--user=ann", "--timeout", "30",
			 "--domain=ehlo.example", "--proxy-port=1080",
			 "--tls-min-dh-prime-bits=1024", "-X", "/tmp/log",
			 "--logfile-time-format=%F", "--aliases=", "--port",
			 "2525", "--set-date-header=off", "--maildomain=m.example",
			 "x@example.org", NULL };
	struct cli_opts o;

	(void)state;
	parse_ok(argv, &o);
	assert_int_equal(o.nsettings, 14);
	assert_setting(&o, 0, "tls", "off");
	assert_setting(&o, 1, "tls_trust_file", "/tmp/ca");
	assert_setting(&o, 2, "auth", "plain");
	assert_setting(&o, 3, "user", "ann");
	assert_setting(&o, 4, "timeout", "30");
	assert_setting(&o, 5, "domain", "ehlo.example");
	assert_setting(&o, 6, "proxy_port", "1080");
	assert_setting(&o, 7, "tls_min_dh_prime_bits", "1024");
	assert_setting(&o, 8, "logfile", "/tmp/log");
	assert_setting(&o, 9, "logfile_time_format", "%F");
	assert_setting(&o, 10, "aliases", "");
	assert_setting(&o, 11, "port", "2525");
	assert_setting(&o, 12, "set_date_header", "off");
	assert_setting(&o, 13, "maildomain", "m.example");
	assert_string_equal(o.settings[0].option, "tls");
	assert_string_equal(o.settings[8].option, "logfile");
	assert_int_equal(o.nrecipients, 1);
	cli_free(&o);
}

/* "--tls off" is --tls and a recipient, as with msmtp's getopt. */
static void
test_config_options_optional_value(void **state)
{
	char *argv[] = { "dsmtp", "--tls", "off", "--auth", "--syslog",
			 "--set-from-header", "--remove-bcc-headers",
			 "--tls-certcheck=off", "--auto-from", NULL };
	char *req[] = { "dsmtp", "--user", NULL };
	struct cli_opts o;

	(void)state;
	parse_ok(argv, &o);
	assert_int_equal(o.nsettings, 7);
	assert_setting(&o, 0, "tls", "on");
	assert_setting(&o, 1, "auth", "on");
	assert_setting(&o, 2, "syslog", "on");
	assert_setting(&o, 3, "set_from_header", "auto");
	assert_setting(&o, 4, "remove_bcc_headers", "on");
	assert_setting(&o, 5, "tls_certcheck", "off");
	assert_setting(&o, 6, "auto_from", "on");
	assert_int_equal(o.nrecipients, 1);
	assert_string_equal(o.recipients[0], "off");
	cli_free(&o);
	parse_fails(req, ERR_USAGE);
}

/* msmtp refuses "--tls=", "--port=", "--timeout="; "--auth=" is auth on
 * and "--user=" unsets. */
static void
test_config_options_empty(void **state)
{
	char *tls[] = { "dsmtp", "--tls=", NULL };
	char *port[] = { "dsmtp", "--port=", NULL };
	char *timeout[] = { "dsmtp", "--timeout=", NULL };
	char *syslog[] = { "dsmtp", "--syslog=", NULL };
	char *ok[] = { "dsmtp", "--auth=", "--user=", "--source-ip=", NULL };
	struct cli_opts o;

	(void)state;
	parse_fails(tls, ERR_USAGE);
	parse_fails(port, ERR_USAGE);
	parse_fails(timeout, ERR_USAGE);
	parse_fails(syslog, ERR_USAGE);
	parse_ok(ok, &o);
	assert_int_equal(o.nsettings, 3);
	assert_setting(&o, 0, "auth", "");
	assert_setting(&o, 1, "user", "");
	assert_setting(&o, 2, "source_ip", "");
	cli_free(&o);
}

/* msmtp's long names of sendmail options, -d, and -X FILE. */
static void
test_msmtp_aliases(void **state)
{
	char *argv[] = { "dsmtp", "--file=/tmp/rc", "--read-recipients",
			 "--dsn-notify=never", "--dsn-return", "full", "-d",
			 "--logfile=/tmp/a", "-XV", NULL };
	char *debug[] = { "dsmtp", "--debug", NULL };
	struct cli_opts o;

	(void)state;
	parse_ok(argv, &o);
	assert_str_or_null(o.config_file, "/tmp/rc");
	assert_int_equal(o.read_recipients, 1);
	assert_str_or_null(o.dsn_notify, "never");
	assert_str_or_null(o.dsn_return, "full");
	assert_int_equal(o.verbose, 1);
	assert_int_equal(o.nsettings, 2);
	assert_setting(&o, 0, "logfile", "/tmp/a");
	assert_setting(&o, 1, "logfile", "V");
	assert_int_equal(o.nrecipients, 0);
	cli_free(&o);
	parse_ok(debug, &o);
	assert_int_equal(o.verbose, 1);
	cli_free(&o);
}

static void
test_mode_b(void **state)
{
	char *bm[] = { "sendmail", "-bm", "a@example.org", NULL };
	char *bs[] = { "sendmail", "-bs", NULL };
	char *bi[] = { "sendmail", "-bi", NULL };
	char *bp[] = { "sendmail", "-bp", NULL };
	char *capi[] = { "sendmail", "-I", NULL };
	char *bh[] = { "sendmail", "-bh", "a@example.org", NULL };
	char *bmq[] = { "mailq", "-bm", "a@example.org", NULL };
	struct cli_opts o;

	(void)state;
	parse_ok(bm, &o);
	assert_int_equal(o.mode, CLI_MODE_SEND);
	assert_int_equal(o.nrecipients, 1);
	cli_free(&o);
	parse_ok(bs, &o);
	assert_int_equal(o.mode, CLI_MODE_SMTP);
	cli_free(&o);
	parse_ok(bi, &o);
	assert_int_equal(o.mode, CLI_MODE_ALIASES);
	cli_free(&o);
	parse_ok(bp, &o);
	assert_int_equal(o.mode, CLI_MODE_QUEUE_LIST);
	cli_free(&o);
	parse_ok(capi, &o);
	assert_int_equal(o.mode, CLI_MODE_ALIASES);
	cli_free(&o);
	/* -bh and -bH are accepted and ignored. */
	parse_ok(bh, &o);
	assert_int_equal(o.mode, CLI_MODE_SEND);
	assert_int_equal(o.nrecipients, 1);
	cli_free(&o);
	parse_ok(bmq, &o);
	assert_int_equal(o.mode, CLI_MODE_SEND);
	cli_free(&o);
}

static void
test_mode_q(void **state)
{
	char *q[] = { "sendmail", "-q", NULL };
	char *qi[] = { "sendmail", "-qI0123456789ABCDEF", NULL };
	char *q30[] = { "sendmail", "-q30m", NULL };
	char *q1h[] = { "sendmail", "-q1h", NULL };
	struct cli_opts o;

	(void)state;
	parse_ok(q, &o);
	assert_int_equal(o.mode, CLI_MODE_QUEUE_RUN);
	assert_null(o.queue_id);
	cli_free(&o);
	parse_ok(qi, &o);
	assert_int_equal(o.mode, CLI_MODE_QUEUE_RUN);
	assert_str_or_null(o.queue_id, "0123456789ABCDEF");
	cli_free(&o);
	parse_ok(q30, &o);
	assert_int_equal(o.mode, CLI_MODE_IGNORED);
	cli_free(&o);
	parse_ok(q1h, &o);
	assert_int_equal(o.mode, CLI_MODE_IGNORED);
	cli_free(&o);
}

static void
test_rejected_modes(void **state)
{
	char *bd[] = { "sendmail", "-bd", NULL };
	char *bv[] = { "sendmail", "-bv", "a@example.org", NULL };
	char *qx[] = { "sendmail", "-qXfoo", NULL };
	char *qi[] = { "sendmail", "-qI", NULL };

	(void)state;
	parse_fails(bd, ERR_USAGE);
	parse_fails(bv, ERR_USAGE);
	parse_fails(qx, ERR_USAGE);
	parse_fails(qi, ERR_USAGE);
}

static void
test_ignored_consume_argument(void **state)
{
	char *argv[] = { "sendmail", "-h", "17", "-L", "tag", "-O",
			 "DeliveryMode=b", "-X", "/tmp/trace", "-e", "x",
			 "-p", "smtp:host", "rcpt@example.org", NULL };
	char *glued[] = { "sendmail", "-h17", "-Ltag", "-ODeliveryMode=b",
			  "-X/tmp/trace", "-ex", "-psmtp", "rcpt@example.org",
			  NULL };
	struct cli_opts o;

	(void)state;
	parse_ok(argv, &o);
	assert_int_equal(o.mode, CLI_MODE_SEND);
	assert_int_equal(o.nrecipients, 1);
	assert_string_equal(o.recipients[0], "rcpt@example.org");
	assert_null(o.from);
	cli_free(&o);
	parse_ok(glued, &o);
	assert_int_equal(o.nrecipients, 1);
	assert_string_equal(o.recipients[0], "rcpt@example.org");
	cli_free(&o);
}

static void
test_ignored_flags(void **state)
{
	char *argv[] = { "sendmail", "-Am", "-Ac", "-G", "-m", "-n", "-U",
			 "-c", "-x", "-bH", "rcpt@example.org", NULL };
	struct cli_opts o;

	(void)state;
	parse_ok(argv, &o);
	assert_int_equal(o.mode, CLI_MODE_SEND);
	assert_int_equal(o.ignore_dots, 0);
	assert_int_equal(o.read_recipients, 0);
	assert_int_equal(o.nrecipients, 1);
	assert_string_equal(o.recipients[0], "rcpt@example.org");
	cli_free(&o);
}

static void
test_x_file_named_v(void **state)
{
	char *argv[] = { "sendmail", "-X", "V", "a@example.org", NULL };
	struct cli_opts o;

	(void)state;
	/* A separate "V" is the log file name (msmtp's -X FILE). */
	parse_ok(argv, &o);
	assert_int_equal(o.nrecipients, 1);
	cli_free(&o);
}

static void
test_bundled_flags(void **state)
{
	char *ti[] = { "sendmail", "-ti", NULL };
	char *it[] = { "sendmail", "-it", NULL };
	char *tif[] = { "sendmail", "-tif", "me@example.org", NULL };
	char *vti[] = { "sendmail", "-vtiFName", NULL };
	struct cli_opts o;

	(void)state;
	parse_ok(ti, &o);
	assert_int_equal(o.read_recipients, 1);
	assert_int_equal(o.ignore_dots, 1);
	cli_free(&o);
	parse_ok(it, &o);
	assert_int_equal(o.read_recipients, 1);
	assert_int_equal(o.ignore_dots, 1);
	cli_free(&o);
	/* An option with an argument ends the bundle. */
	parse_ok(tif, &o);
	assert_int_equal(o.read_recipients, 1);
	assert_int_equal(o.ignore_dots, 1);
	assert_str_or_null(o.from, "me@example.org");
	assert_int_equal(o.nrecipients, 0);
	cli_free(&o);
	parse_ok(vti, &o);
	assert_int_equal(o.verbose, 1);
	assert_int_equal(o.read_recipients, 1);
	assert_int_equal(o.ignore_dots, 1);
	assert_str_or_null(o.full_name, "Name");
	cli_free(&o);
}

static void
test_double_dash(void **state)
{
	static const char *const want[] = { "-dash@example.org", "-t",
					    "--help", "b@example.org" };
	char *argv[] = { "sendmail", "-i", "--", "-dash@example.org", "-t",
			 "--help", "b@example.org", NULL };
	struct cli_opts o;

	(void)state;
	parse_ok(argv, &o);
	assert_int_equal(o.mode, CLI_MODE_SEND);
	assert_int_equal(o.ignore_dots, 1);
	assert_int_equal(o.read_recipients, 0);
	assert_rcpts(&o, want, 4);
	cli_free(&o);
}

static void
test_argv0_names(void **state)
{
	char *mailq[] = { "mailq", NULL };
	char *mailq2[] = { "/usr/bin/mailq", NULL };
	char *newaliases[] = { "/usr/bin/newaliases", NULL };
	char *sendmail[] = { "/usr/sbin/sendmail", "a@example.org", NULL };
	char *dsmtp[] = { "/usr/local/bin/dsmtp", "a@example.org", NULL };
	char *libsm[] = { "/usr/lib/sendmail", "a@example.org", NULL };
	struct cli_opts o;

	(void)state;
	parse_ok(mailq, &o);
	assert_int_equal(o.mode, CLI_MODE_QUEUE_LIST);
	cli_free(&o);
	parse_ok(mailq2, &o);
	assert_int_equal(o.mode, CLI_MODE_QUEUE_LIST);
	cli_free(&o);
	parse_ok(newaliases, &o);
	assert_int_equal(o.mode, CLI_MODE_ALIASES);
	cli_free(&o);
	parse_ok(sendmail, &o);
	assert_int_equal(o.mode, CLI_MODE_SEND);
	cli_free(&o);
	parse_ok(dsmtp, &o);
	assert_int_equal(o.mode, CLI_MODE_SEND);
	cli_free(&o);
	parse_ok(libsm, &o);
	assert_int_equal(o.mode, CLI_MODE_SEND);
	cli_free(&o);
}

static void
test_account(void **state)
{
	char *a1[] = { "dsmtp", "--account=work", "x@example.org", NULL };
	char *a2[] = { "dsmtp", "--account", "work", "x@example.org", NULL };
	char *a3[] = { "dsmtp", "-a", "work", "x@example.org", NULL };
	char *a4[] = { "dsmtp", "-awork", "x@example.org", NULL };
	char **all[] = { a1, a2, a3, a4 };
	struct cli_opts o;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		parse_ok(all[i], &o);
		assert_str_or_null(o.account, "work");
		assert_int_equal(o.nrecipients, 1);
		assert_string_equal(o.recipients[0], "x@example.org");
		cli_free(&o);
	}
}

static void
test_host_port(void **state)
{
	char *a1[] = { "dsmtp", "--host=mail.example.org", "--port=2525",
		       "x@example.org", NULL };
	char *a2[] = { "dsmtp", "--host", "mail.example.org", "--port",
		       "2525", "x@example.org", NULL };
	struct cli_opts o;

	(void)state;
	parse_ok(a1, &o);
	assert_str_or_null(o.host, "mail.example.org");
	assert_setting(&o, 1, "port", "2525");
	assert_int_equal(o.nrecipients, 1);
	cli_free(&o);
	parse_ok(a2, &o);
	assert_str_or_null(o.host, "mail.example.org");
	assert_setting(&o, 0, "host", "mail.example.org");
	assert_setting(&o, 1, "port", "2525");
	assert_int_equal(o.nrecipients, 1);
	cli_free(&o);
}

static void
test_other_honoured(void **state)
{
	char *argv[] = { "sendmail", "-C", "/tmp/rc", "-v", "-V", "env-1",
			 "-R", "full", "-N", "never", "--read-envelope-from",
			 "x@example.org", NULL };
	char *glued[] = { "sendmail", "-C/tmp/rc", "-Venv-1", "-Rhdrs",
			  "-Nsuccess,failure,delay", NULL };
	struct cli_opts o;

	(void)state;
	parse_ok(argv, &o);
	assert_str_or_null(o.config_file, "/tmp/rc");
	assert_int_equal(o.verbose, 1);
	assert_str_or_null(o.envid, "env-1");
	assert_str_or_null(o.dsn_return, "full");
	assert_str_or_null(o.dsn_notify, "never");
	assert_int_equal(o.read_envelope_from, 1);
	assert_int_equal(o.nrecipients, 1);
	cli_free(&o);
	parse_ok(glued, &o);
	assert_str_or_null(o.config_file, "/tmp/rc");
	assert_str_or_null(o.envid, "env-1");
	assert_str_or_null(o.dsn_return, "hdrs");
	assert_str_or_null(o.dsn_notify, "success,failure,delay");
	cli_free(&o);
}

static void
test_notify_validation(void **state)
{
	char *ok1[] = { "sendmail", "-N", "success", NULL };
	char *ok2[] = { "sendmail", "-N", "delay,failure", NULL };
	char *bad1[] = { "sendmail", "-N", "never,success", NULL };
	char *bad2[] = { "sendmail", "-N", "sometimes", NULL };
	char *bad3[] = { "sendmail", "-N", "", NULL };
	char *bad4[] = { "sendmail", "-Nsuccess,bogus", NULL };
	char *bad5[] = { "sendmail", "-R", "everything", NULL };
	char *off[] = { "sendmail", "-N", "off", "-R", "off", NULL };
	char *headers[] = { "sendmail", "-N", "OFF", "-R", "headers", NULL };
	char *upper[] = { "sendmail", "-R", "Off", NULL };
	struct cli_opts o;

	(void)state;
	/* msmtp's spellings: off unsets, headers is hdrs. */
	parse_ok(off, &o);
	assert_str_or_null(o.dsn_notify, "off");
	assert_str_or_null(o.dsn_return, "off");
	cli_free(&o);
	parse_ok(headers, &o);
	assert_str_or_null(o.dsn_notify, "off");
	assert_str_or_null(o.dsn_return, "headers");
	cli_free(&o);
	parse_ok(upper, &o);
	assert_str_or_null(o.dsn_return, "off");
	cli_free(&o);
	parse_ok(ok1, &o);
	cli_free(&o);
	parse_ok(ok2, &o);
	cli_free(&o);
	parse_fails(bad1, ERR_USAGE);
	parse_fails(bad2, ERR_USAGE);
	parse_fails(bad3, ERR_USAGE);
	parse_fails(bad4, ERR_USAGE);
	parse_fails(bad5, ERR_USAGE);
}

static void
test_dsmtp_modes(void **state)
{
	char *help[] = { "dsmtp", "--help", NULL };
	char *version[] = { "dsmtp", "--version", NULL };
	char *p1[] = { "dsmtp", "-P", NULL };
	char *p2[] = { "dsmtp", "--pretend", NULL };
	char *s1[] = { "dsmtp", "-S", NULL };
	char *s2[] = { "dsmtp", "--serverinfo", NULL };
	struct cli_opts o;

	(void)state;
	parse_ok(help, &o);
	assert_int_equal(o.mode, CLI_MODE_HELP);
	cli_free(&o);
	parse_ok(version, &o);
	assert_int_equal(o.mode, CLI_MODE_VERSION);
	cli_free(&o);
	parse_ok(p1, &o);
	assert_int_equal(o.mode, CLI_MODE_PRETEND);
	cli_free(&o);
	parse_ok(p2, &o);
	assert_int_equal(o.mode, CLI_MODE_PRETEND);
	cli_free(&o);
	parse_ok(s1, &o);
	assert_int_equal(o.mode, CLI_MODE_SERVERINFO);
	cli_free(&o);
	parse_ok(s2, &o);
	assert_int_equal(o.mode, CLI_MODE_SERVERINFO);
	cli_free(&o);
}

static void
test_dkim_keygen(void **state)
{
	char *argv[] = { "dsmtp", "--dkim-keygen", "--key-type=ed25519",
			 "--selector", "s2026", "--keygen-domain=example.org",
			 "/tmp/dkim.pem", NULL };
	char *rsa[] = { "dsmtp", "--dkim-keygen", "--key-type", "rsa",
			"/tmp/dkim.pem", NULL };
	char *bad[] = { "dsmtp", "--dkim-keygen", "--key-type=dsa", NULL };
	struct cli_opts o;

	(void)state;
	parse_ok(argv, &o);
	assert_int_equal(o.mode, CLI_MODE_KEYGEN);
	assert_str_or_null(o.key_type, "ed25519");
	assert_str_or_null(o.selector, "s2026");
	assert_str_or_null(o.keygen_domain, "example.org");
	assert_int_equal(o.nsettings, 0);
	assert_int_equal(o.nrecipients, 1);
	assert_string_equal(o.recipients[0], "/tmp/dkim.pem");
	cli_free(&o);
	parse_ok(rsa, &o);
	assert_int_equal(o.mode, CLI_MODE_KEYGEN);
	assert_str_or_null(o.key_type, "rsa");
	cli_free(&o);
	parse_fails(bad, ERR_USAGE);
}

static void
test_unknown_options(void **state)
{
	char *u1[] = { "sendmail", "-Z", NULL };
	char *u2[] = { "sendmail", "--bogus", NULL };
	char *u3[] = { "sendmail", "-tZ", NULL };
	char *u4[] = { "sendmail", "--help=yes", NULL };
	char *u5[] = { "sendmail", "--accountant=x", NULL };

	(void)state;
	parse_fails(u1, ERR_USAGE);
	parse_fails(u2, ERR_USAGE);
	parse_fails(u3, ERR_USAGE);
	parse_fails(u4, ERR_USAGE);
	parse_fails(u5, ERR_USAGE);
}

static void
test_missing_argument(void **state)
{
	char *m1[] = { "sendmail", "-f", NULL };
	char *m2[] = { "sendmail", "-t", "-F", NULL };
	char *m3[] = { "dsmtp", "--account", NULL };
	char *m4[] = { "sendmail", "-h", NULL };

	(void)state;
	parse_fails(m1, ERR_USAGE);
	parse_fails(m2, ERR_USAGE);
	parse_fails(m3, ERR_USAGE);
	parse_fails(m4, ERR_USAGE);
}

static void
test_queue_modes(void **state)
{
	char *qr[] = { "dsmtp", "--queue-run", NULL };
	char *qf[] = { "dsmtp", "--queue-flush", NULL };
	char *q[] = { "sendmail", "-q", NULL };
	char *ql[] = { "dsmtp", "--queue-list", "--json", NULL };
	char *qd[] = { "dsmtp", "--queue-daemon", NULL };
	char *qrm[] = { "dsmtp", "--queue-remove=ABC", NULL };
	char *qh[] = { "dsmtp", "--queue-hold", "ID1", NULL };
	char *qrl[] = { "dsmtp", "--queue-release=ID2", NULL };
	char *qR[] = { "sendmail", "-qRexample.org", NULL };
	char *qS[] = { "sendmail", "-qSalice@", NULL };
	char *qI[] = { "sendmail", "-qI0123ABCD", NULL };
	char *odq[] = { "sendmail", "-odq", "a@example.org", NULL };
	char *odi[] = { "sendmail", "-odi", "a@example.org", NULL };
	struct cli_opts o;

	(void)state;
	parse_ok(qr, &o);
	assert_int_equal(o.mode, CLI_MODE_QUEUE_RUN);
	assert_true(o.queue_due);
	cli_free(&o);
	parse_ok(qf, &o);
	assert_false(o.queue_due);
	cli_free(&o);
	parse_ok(q, &o);
	assert_int_equal(o.mode, CLI_MODE_QUEUE_RUN);
	assert_false(o.queue_due);
	cli_free(&o);
	parse_ok(ql, &o);
	assert_int_equal(o.mode, CLI_MODE_QUEUE_LIST);
	assert_true(o.json);
	cli_free(&o);
	parse_ok(qd, &o);
	assert_int_equal(o.mode, CLI_MODE_QUEUE_DAEMON);
	cli_free(&o);
	parse_ok(qrm, &o);
	assert_int_equal(o.mode, CLI_MODE_QUEUE_CTL);
	assert_int_equal(o.queue_ctl, 'r');
	assert_string_equal(o.queue_id, "ABC");
	cli_free(&o);
	parse_ok(qh, &o);
	assert_int_equal(o.queue_ctl, 'h');
	assert_string_equal(o.queue_id, "ID1");
	cli_free(&o);
	parse_ok(qrl, &o);
	assert_int_equal(o.queue_ctl, 'l');
	cli_free(&o);
	parse_ok(qR, &o);
	assert_string_equal(o.queue_domain, "example.org");
	cli_free(&o);
	parse_ok(qS, &o);
	assert_string_equal(o.queue_sender, "alice@");
	cli_free(&o);
	parse_ok(qI, &o);
	assert_string_equal(o.queue_id, "0123ABCD");
	cli_free(&o);
	parse_ok(odq, &o);
	assert_int_equal(o.deliver_mode, 'q');
	cli_free(&o);
	parse_ok(odi, &o);
	assert_int_equal(o.deliver_mode, 0);
	cli_free(&o);
}

static void
test_lone_dash_is_recipient(void **state)
{
	char *argv[] = { "sendmail", "-", NULL };
	struct cli_opts o;

	(void)state;
	parse_ok(argv, &o);
	assert_int_equal(o.nrecipients, 1);
	assert_string_equal(o.recipients[0], "-");
	cli_free(&o);
}

_Static_assert(sizeof(clients) / sizeof(clients[0]) == 28,
	       "one entry per capture in ../data/clients");

#define CLIENT(name, i) \
	{ "client_" name, test_client, NULL, NULL, &clients[i] }

int
main(void)
{
	const struct CMUnitTest tests[] = {
		CLIENT("apticron", 0),
		CLIENT("bsdmailx_default", 1),
		CLIENT("bsdmailx_fail", 2),
		CLIENT("bsdmailx_r", 3),
		CLIENT("cron_debian_mailfrom", 4),
		CLIENT("cron_debian", 5),
		CLIENT("git_default", 6),
		CLIENT("git_envsender", 7),
		CLIENT("git_smtpserver", 8),
		CLIENT("logcheck_mimeconstruct", 9),
		CLIENT("logwatch", 10),
		CLIENT("mailutils_default", 11),
		CLIENT("mailutils_fail", 12),
		CLIENT("mailutils_r", 13),
		CLIENT("mdadm_mailfrom", 14),
		CLIENT("mdadm", 15),
		CLIENT("mutt_8bitmime", 16),
		CLIENT("mutt_default", 17),
		CLIENT("mutt_envfrom", 18),
		CLIENT("neomutt_default", 19),
		CLIENT("php_default", 20),
		CLIENT("php_exit1", 21),
		CLIENT("php_exit75", 22),
		CLIENT("php_split_f", 23),
		CLIENT("smartd", 24),
		CLIENT("snail_default", 25),
		CLIENT("snail_r", 26),
		CLIENT("unattended_upgrades", 27),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_from_glued_and_separate),
		cmocka_unit_test(test_from_null_sender),
		cmocka_unit_test(test_full_name_glued_and_separate),
		cmocka_unit_test(test_body_glued_and_separate),
		cmocka_unit_test(test_oi_and_other_o),
		cmocka_unit_test(test_o_separate_value),
		cmocka_unit_test(test_config_options),
		cmocka_unit_test(test_config_options_optional_value),
		cmocka_unit_test(test_config_options_empty),
		cmocka_unit_test(test_msmtp_aliases),
		cmocka_unit_test(test_mode_b),
		cmocka_unit_test(test_mode_q),
		cmocka_unit_test(test_rejected_modes),
		cmocka_unit_test(test_ignored_consume_argument),
		cmocka_unit_test(test_ignored_flags),
		cmocka_unit_test(test_x_file_named_v),
		cmocka_unit_test(test_bundled_flags),
		cmocka_unit_test(test_double_dash),
		cmocka_unit_test(test_argv0_names),
		cmocka_unit_test(test_account),
		cmocka_unit_test(test_host_port),
		cmocka_unit_test(test_other_honoured),
		cmocka_unit_test(test_notify_validation),
		cmocka_unit_test(test_dsmtp_modes),
		cmocka_unit_test(test_dkim_keygen),
		cmocka_unit_test(test_unknown_options),
		cmocka_unit_test(test_missing_argument),
		cmocka_unit_test(test_queue_modes),
		cmocka_unit_test(test_lone_dash_is_recipient),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
