/* config_test.c - unit tests for config.h
 *
 * Owns: the msmtprc grammar as dsmtp reads it (defaults, accounts,
 *       inheritance, quoting, comments, empty switches, long lines, eval),
 *       value validation with "name:line" messages, account choice,
 *       typed access and durations, what this version refuses, and the
 *       rule that a user file holding a password is private.
 * Not:  acting on the settings (submit.c, deliver.c). */

#include <config.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "buf.h"
#include "err.h"
/* "config.h" would find autoconf's header through -I.; name the module's
 * own one by its path from here. */
#include "../../src/config.h"
#include "testclock.h"
#include "testconfig.h"

/* Parsing text must fail as ERR_CONFIG, naming "rc:<line>" and, when
 * given, what. */
static void
parse_fails(const char *text, int line, const char *what)
{
	struct config c = { 0 };
	struct err e = { 0 };
	char where[32];

	if (config_parse_text(&c, text, strlen(text), "rc", NULL, &e) != -1)
		fail_msg("accepted: %s", text);
	assert_int_equal(e.cls, ERR_CONFIG);
	assert_non_null(e.msg);
	snprintf(where, sizeof(where), "rc:%d:", line);
	if (strstr(e.msg, where) == NULL)
		fail_msg("\"%s\" lacks \"%s\"", e.msg, where);
	if (what != NULL && strstr(e.msg, what) == NULL)
		fail_msg("\"%s\" lacks \"%s\"", e.msg, what);
	err_clear(&e);
	config_free(&c);
}

static struct account *
account(const struct config *c, const char *name)
{
	struct account *a = config_account(c, name);

	if (a == NULL)
		fail_msg("no account %s", name);
	return a;
}

static void
assert_val(const struct account *a, enum config_cmd cmd, const char *want)
{
	if (want == NULL) {
		assert_null(a->val[cmd]);
		return;
	}
	if (a->val[cmd] == NULL)
		fail_msg("%s is not set, want \"%s\"", config_cmd_name(cmd),
			 want);
	assert_string_equal(a->val[cmd], want);
}

static const char accounts_text[] =
	"# a comment\n"                          /* 1 */
	"defaults\n"                             /* 2 */
	"port 587\n"                             /* 3 */
	"timeout 30\n"                           /* 4 */
	"\n"                                     /* 5 */
	"account work\n"                         /* 6 */
	"host mail.work.example\n"               /* 7 */
	"from *@work.example\n"                  /* 8 */
	"\n"                                     /* 9 */
	"account home\n"                         /* 10 */
	"host mail.home.example\n"               /* 11 */
	"port 25\n"                              /* 12 */
	"from me@home.example\n"                 /* 13 */
	"\n"                                     /* 14 */
	"account default : home\n"               /* 15 */
	"user fallback\n";                       /* 16 */

static void
test_parse_defaults_and_accounts(void **state)
{
	struct config c;
	struct account *a;

	(void)state;
	parse_ok(&c, accounts_text);
	assert_int_equal(c.naccounts, 3);
	assert_val(&c.defaults, CFG_PORT, "587");
	assert_val(&c.defaults, CFG_TIMEOUT, "30");
	assert_val(&c.defaults, CFG_HOST, NULL);
	a = account(&c, "work");
	assert_string_equal(a->name, "work");
	assert_val(a, CFG_HOST, "mail.work.example");
	/* From the defaults section. */
	assert_val(a, CFG_PORT, "587");
	assert_val(a, CFG_TIMEOUT, "30");
	assert_val(a, CFG_FROM, "*@work.example");
	assert_string_equal(a->origin[CFG_HOST], "rc:7");
	assert_string_equal(a->origin[CFG_PORT], "rc:3");
	a = account(&c, "home");
	assert_val(a, CFG_PORT, "25");
	assert_val(a, CFG_USER, NULL);
	assert_null(config_account(&c, "nosuch"));
	config_free(&c);
}

static void
test_parse_inheritance(void **state)
{
	struct config c;
	struct account *a;

	(void)state;
	parse_ok(&c, accounts_text);
	a = account(&c, "default");
	/* "account default : home" copies home's settings. */
	assert_val(a, CFG_HOST, "mail.home.example");
	assert_val(a, CFG_PORT, "25");
	assert_val(a, CFG_FROM, "me@home.example");
	assert_val(a, CFG_TIMEOUT, "30");
	assert_val(a, CFG_USER, "fallback");
	assert_string_equal(a->origin[CFG_HOST], "rc:11");
	assert_string_equal(a->origin[CFG_USER], "rc:16");
	/* The base is not changed by the heir. */
	assert_val(account(&c, "home"), CFG_USER, NULL);
	config_free(&c);
}

static void
test_parse_inheritance_several_bases(void **state)
{
	struct config c;
	struct account *a;

	(void)state;
	parse_ok(&c, "account a\n"
		     "host a.example\n"
		     "port 2525\n"
		     "account b\n"
		     "host b.example\n"
		     "user bob\n"
		     "account c : a, b\n"
		     "from c@example.org\n"
		     "account d:a\n");
	a = account(&c, "c");
	/* Later bases override earlier ones. */
	assert_val(a, CFG_HOST, "b.example");
	assert_val(a, CFG_PORT, "2525");
	assert_val(a, CFG_USER, "bob");
	assert_val(a, CFG_FROM, "c@example.org");
	a = account(&c, "d");
	assert_val(a, CFG_HOST, "a.example");
	config_free(&c);
}

static void
test_parse_unknown_base(void **state)
{
	(void)state;
	parse_fails("account a\nhost x\naccount b : nosuch\n", 3, "nosuch");
}

static void
test_parse_quoting(void **state)
{
	struct config c;
	struct account *a;

	(void)state;
	parse_ok(&c, "account q\n"
		     "host mail.example.org\n"
		     "from_full_name \"Say \\\"hi\\\" \\\\ bye\"\n"
		     "password \"pa ss\\\\word\"\n"
		     "user \"  padded  \"\n"
		     "tls_trust_file \"/etc/ssl/my certs.pem\"\n"
		     "passwordeval \"\"\n");
	a = account(&c, "q");
	assert_val(a, CFG_FROM_FULL_NAME, "Say \"hi\" \\ bye");
	assert_val(a, CFG_PASSWORD, "pa ss\\word");
	assert_val(a, CFG_USER, "  padded  ");
	assert_val(a, CFG_TLS_TRUST_FILE, "/etc/ssl/my certs.pem");
	/* An empty argument unsets, as in msmtp. */
	assert_val(a, CFG_PASSWORDEVAL, NULL);
	config_free(&c);
}

static void
test_parse_unterminated_quote(void **state)
{
	(void)state;
	parse_fails("account q\nhost x\nuser \"open\n", 3, NULL);
}

static void
test_parse_comments(void **state)
{
	struct config c;
	struct account *a;

	(void)state;
	parse_ok(&c, "# leading comment\n"
		     "   # indented comment\n"
		     "account a # trailing comment on account\n"
		     "host mail.example.org   # the relay\n"
		     "password \"pa#ss\" # real comment\n"
		     "from_full_name \"A # B\"\n"
		     "user joe\t# tab before the comment\n"
		     "\t\n");
	a = account(&c, "a");
	assert_string_equal(a->name, "a");
	assert_val(a, CFG_HOST, "mail.example.org");
	assert_val(a, CFG_PASSWORD, "pa#ss");
	assert_val(a, CFG_FROM_FULL_NAME, "A # B");
	assert_val(a, CFG_USER, "joe");
	config_free(&c);
}

static void
test_parse_crlf(void **state)
{
	struct config c;
	struct account *a;

	(void)state;
	parse_ok(&c, "account a\r\nhost mail.example.org\r\nport 465\r\n");
	a = account(&c, "a");
	assert_val(a, CFG_HOST, "mail.example.org");
	assert_val(a, CFG_PORT, "465");
	config_free(&c);
}

static void
test_parse_empty_switch_is_on(void **state)
{
	static const enum config_cmd sw[] = {
		CFG_TLS, CFG_TLS_STARTTLS, CFG_TLS_CERTCHECK,
		CFG_REMOVE_BCC_HEADERS, CFG_UNDISCLOSED_RECIPIENTS,
		CFG_SET_TO_HEADER, CFG_ALLOW_FROM_OVERRIDE,
		CFG_READ_ENVELOPE_FROM, CFG_QUEUE, CFG_MTA_STS,
	};
	struct config c;
	struct buf text = { 0 };
	struct account *a;
	size_t i;

	(void)state;
	buf_append_str(&text, "account a\nhost x\n");
	for (i = 0; i < sizeof(sw) / sizeof(sw[0]); i++)
		buf_printf(&text, "%s\n", config_cmd_name(sw[i]));
	parse_ok(&c, buf_cstr(&text));
	a = account(&c, "a");
	for (i = 0; i < sizeof(sw) / sizeof(sw[0]); i++) {
		if (config_bool(a, sw[i], 0) != 1)
			fail_msg("empty %s is not on", config_cmd_name(sw[i]));
	}
	config_free(&c);
	buf_free(&text);
}

/* Regression (found here, fixed in 8171048): msmtp takes "auth" and
 * "syslog" with no argument as "on" (msmtp's conf.c: `*arg == '\0' ||
 * is_on(arg)`), and the spec accepts every msmtp command with msmtp's
 * meaning; both lines used to be refused. */
static void
test_parse_empty_auth_syslog_msmtp(void **state)
{
	struct config c;
	struct account *a;

	(void)state;
	parse_ok(&c, "account a\nhost x\nauth\nsyslog\n");
	a = account(&c, "a");
	assert_string_not_equal(config_str(a, CFG_AUTH, "off"), "off");
	assert_string_not_equal(config_str(a, CFG_SYSLOG, "off"), "off");
	config_free(&c);
}

static void
test_parse_long_lines(void **state)
{
	struct config c;
	struct buf text = { 0 }, name = { 0 };
	struct account *a;
	size_t i;

	(void)state;
	for (i = 0; i < 600; i++)
		buf_append_char(&name, (char)('a' + i % 26));
	buf_append_str(&text, "account long\nhost x\n");
	buf_printf(&text, "from_full_name %s\n", buf_cstr(&name));
	buf_append_char(&text, '#');
	for (i = 0; i < 3000; i++)
		buf_append_char(&text, 'c');
	buf_append_str(&text, "\npasswordeval echo ");
	for (i = 0; i < 5000; i++)
		buf_append_char(&text, 'p');
	buf_append_str(&text, "\nport 2525\n");
	parse_ok(&c, buf_cstr(&text));
	a = account(&c, "long");
	assert_val(a, CFG_FROM_FULL_NAME, buf_cstr(&name));
	assert_int_equal(strlen(a->val[CFG_PASSWORDEVAL]), 5 + 5000);
	assert_val(a, CFG_PORT, "2525");
	/* Lines are still counted right after them. */
	assert_string_equal(a->origin[CFG_PORT], "rc:6");
	config_free(&c);
	buf_free(&text);
	buf_free(&name);
}

static void
test_parse_unknown_command(void **state)
{
	(void)state;
	parse_fails("account a\nhost x\nhots y\n", 3, "hots");
	parse_fails("bogus_command\n", 1, "bogus_command");
}

/* Parsing text must fail without quoting any of the octets in absent. */
static void
parse_fails_quiet(const char *text, const char *absent)
{
	struct config c = { 0 };
	struct err e = { 0 };
	const char *p;

	if (config_parse_text(&c, text, strlen(text), "rc", NULL, &e) != -1)
		fail_msg("accepted: %s", text);
	assert_int_equal(e.cls, ERR_CONFIG);
	if (strstr(e.msg, absent) != NULL)
		fail_msg("\"%s\" quotes \"%s\"", e.msg, absent);
	for (p = e.msg; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			fail_msg("control character 0x%02x in \"%s\"",
				 (unsigned char)*p, e.msg);
	err_clear(&e);
	config_free(&c);
}

static void
test_parse_error_quotes_no_content(void **state)
{
	struct buf text = { 0 };
	struct config c = { 0 };
	struct err e = { 0 };
	size_t i;

	(void)state;
	/* -C /etc/shadow: the line is no command, so nothing of it shows. */
	parse_fails_quiet("root:$6$salt$SECRETHASH:19000:0:99999:7:::\n",
			  "SECRETHASH");
	parse_fails_quiet("root:$6$salt$SECRETHASH:19000:0:99999:7:::\n",
			  "$6$");
	parse_fails_quiet("hots SECRETARG\n", "SECRETARG");
	parse_fails_quiet("\x1b[2Jhost x\n", "[2J");
	parse_fails_quiet("account a : \x1b]0;title\x07\n", "\x1b");
	/* A long command name is cut at 64 octets. */
	for (i = 0; i < 300; i++)
		buf_append_char(&text, 'z');
	buf_append_str(&text, " x\n");
	assert_int_equal(config_parse_text(&c, buf_cstr(&text), text.len, "rc",
					   NULL, &e), -1);
	assert_non_null(strstr(e.msg, "zzzz"));
	assert_true(strlen(e.msg) < 64 + 64);
	err_clear(&e);
	config_free(&c);
	buf_free(&text);
}

static void
test_quote(void **state)
{
	char q[CONFIG_QUOTE_SIZE], want[CONFIG_QUOTE_SIZE];
	char long_utf8[80];

	(void)state;
	config_quote(q, "a\x1b[2J\tb\x7f", 8);
	assert_string_equal(q, "a?[2J?b?");
	config_quote(q, "host", 2);
	assert_string_equal(q, "ho");
	/* 63 octets and a two-octet character: cut before the character. */
	memset(long_utf8, 'a', 63);
	memcpy(long_utf8 + 63, "\xc3\xa9zz", 5);
	config_quote(q, long_utf8, 67);
	memset(want, 'a', 63);
	memcpy(want + 63, "...", 4);
	assert_string_equal(q, want);
}

static void
test_parse_invalid_port(void **state)
{
	(void)state;
	parse_fails("account a\nport 0\n", 2, "port");
	parse_fails("account a\nhost x\nport 70000\n", 3, "port");
	parse_fails("port 65536\n", 1, NULL);
	parse_fails("port smtp\n", 1, NULL);
	parse_fails("port 25x\n", 1, NULL);
	parse_fails("port -25\n", 1, NULL);
	parse_fails("proxy_port 0\n", 1, NULL);
}

static void
test_parse_valid_ports(void **state)
{
	struct config c;

	(void)state;
	parse_ok(&c, "port 1\nproxy_port 1080\n");
	assert_val(&c.defaults, CFG_PORT, "1");
	config_free(&c);
	parse_ok(&c, "port 65535\n");
	assert_int_equal(config_num(&c.defaults, CFG_PORT, 25), 65535);
	config_free(&c);
}

static void
test_parse_invalid_bool(void **state)
{
	(void)state;
	parse_fails("account a\ntls yes\n", 2, "tls");
	parse_fails("tls_starttls 1\n", 1, NULL);
	parse_fails("queue maybe\n", 1, NULL);
}

static void
test_parse_invalid_duration(void **state)
{
	(void)state;
	parse_fails("queue_lifetime 5x\n", 1, "queue_lifetime");
	parse_fails("account a\n\nqueue_lifetime d5\n", 3, NULL);
	parse_fails("timeout\n", 1, "needs an argument");
	parse_fails("timeout soon\n", 1, NULL);
	parse_fails("dkim_expire -1\n", 1, NULL);
}

static void
test_parse_fingerprint(void **state)
{
	static const char good[] =
		"00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:"
		"00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff";
	struct config c;
	struct buf text = { 0 };

	(void)state;
	buf_printf(&text, "tls_fingerprint %s\n", good);
	parse_ok(&c, buf_cstr(&text));
	assert_val(&c.defaults, CFG_TLS_FINGERPRINT, good);
	config_free(&c);
	buf_free(&text);
	parse_fails("tls_fingerprint 00:11:22\n", 1, "tls_fingerprint");
	/* Right length, wrong separators and digits. */
	parse_fails("tls_fingerprint "
		    "00-11-22-33-44-55-66-77-88-99-AA-BB-CC-DD-EE-FF-"
		    "00-11-22-33-44-55-66-77-88-99-aa-bb-cc-dd-ee-ff\n", 1,
		    NULL);
	parse_fails("tls_fingerprint "
		    "GG:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:"
		    "00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff\n", 1,
		    NULL);
}

static void
test_parse_invalid_choices(void **state)
{
	(void)state;
	parse_fails("delivery smoke-signals\n", 1, "delivery");
	parse_fails("mx_tls always\n", 1, NULL);
	parse_fails("protocol http\n", 1, NULL);
	parse_fails("syslog LOG_NOWHERE\n", 1, NULL);
	parse_fails("dkim_key only-a-selector\n", 1, NULL);
}

static void
test_parse_valid_values(void **state)
{
	struct config c;

	(void)state;
	parse_ok(&c, "syslog LOG_MAIL\n"
		     "delivery relay\n"
		     "mx_tls dane\n"
		     "timeout off\n"
		     "queue_lifetime 5d\n"
		     "dsn_return hdrs\n"
		     "set_from_header auto\n"
		     "auth plain\n");
	assert_val(&c.defaults, CFG_SYSLOG, "LOG_MAIL");
	assert_val(&c.defaults, CFG_MX_TLS, "dane");
	assert_val(&c.defaults, CFG_AUTH, "plain");
	config_free(&c);
	parse_ok(&c, "syslog local3\n");
	config_free(&c);
}

static void
test_parse_nul_byte(void **state)
{
	struct config c = { 0 };
	struct err e = { 0 };
	static const char text[] = "host a\0host b\n";

	(void)state;
	assert_int_equal(config_parse_text(&c, text, sizeof(text) - 1, "rc",
					   NULL, &e), -1);
	assert_int_equal(e.cls, ERR_CONFIG);
	err_clear(&e);
	config_free(&c);
}

static void
test_parse_eval(void **state)
{
	struct config c;
	struct account *a;

	(void)state;
	parse_ok(&c, "account a\n"
		     "eval echo host smtp.example.org\n"
		     "eval printf 'port 2525\\n'\n"
		     "eval printf 'user evaluser'\n"
		     "from a@example.org\n");
	a = account(&c, "a");
	assert_val(a, CFG_HOST, "smtp.example.org");
	assert_val(a, CFG_PORT, "2525");
	assert_val(a, CFG_USER, "evaluser");
	/* Lines after eval are counted from the file. */
	assert_string_equal(a->origin[CFG_FROM], "rc:5");
	config_free(&c);
}

static void
test_parse_eval_errors(void **state)
{
	(void)state;
	parse_fails("account a\neval false\n", 2, NULL);
	/* An error in eval's output names the eval line. */
	parse_fails("account a\nhost x\neval echo bogus_cmd 1\n", 3,
		    "bogus_cmd");
	parse_fails("account a\neval echo port 0\n", 2, "port");
}

/* eval runs at most the timeout set before it, and its output is capped
 * (eval yes used to grow until the OOM killer). */
static void
test_parse_eval_bounded(void **state)
{
	double t0 = test_now();

	(void)state;
	parse_fails("timeout 1\naccount a\neval sleep 30\n", 3, "1 seconds");
	assert_true(test_now() - t0 < 10);
	t0 = test_now();
	parse_fails("timeout 20\neval yes\n", 2, "KiB");
	assert_true(test_now() - t0 < 10);
	/* Its error output is quoted, cut and cleaned. */
	parse_fails("eval printf 'bad\\033[2J thing\\n' >&2; false\n", 1,
		    "bad?[2J thing");
}

static void
test_parse_has_password(void **state)
{
	struct config c = { 0 };
	struct err e = { 0 };
	int has = -1;
	static const char with[] = "account a\nhost x\npassword secret\n";
	static const char without[] = "account a\nhost x\nuser u\n";

	(void)state;
	assert_int_equal(config_parse_text(&c, with, strlen(with), "rc", &has,
					   &e), 0);
	assert_int_equal(has, 1);
	config_free(&c);
	memset(&c, 0, sizeof(c));
	assert_int_equal(config_parse_text(&c, without, strlen(without), "rc",
					   &has, &e), 0);
	assert_int_equal(has, 0);
	config_free(&c);
}

static void
test_parse_dkim_key_repeated(void **state)
{
	struct config c;

	(void)state;
	parse_ok(&c, "account a\n"
		     "host x\n"
		     "dkim_key rsa1 /etc/dsmtp/rsa.pem\n"
		     "dkim_key ed1 /etc/dsmtp/ed.pem\n");
	assert_val(account(&c, "a"), CFG_DKIM_KEY,
		   "rsa1 /etc/dsmtp/rsa.pem\ned1 /etc/dsmtp/ed.pem");
	config_free(&c);
}

static void
test_cmd_names_and_secrets(void **state)
{
	int i;

	(void)state;
	assert_string_equal(config_cmd_name(CFG_HOST), "host");
	assert_string_equal(config_cmd_name(CFG_TLS_STARTTLS), "tls_starttls");
	assert_string_equal(config_cmd_name(CFG_QUEUE_LIFETIME),
			    "queue_lifetime");
	assert_int_equal(config_cmd_secret(CFG_PASSWORD), 1);
	assert_int_equal(config_cmd_secret(CFG_HOST), 0);
	assert_int_equal(config_cmd_secret(CFG_USER), 0);
	for (i = 0; i < CFG_NCMDS; i++) {
		assert_non_null(config_cmd_name((enum config_cmd)i));
		assert_true(config_cmd_name((enum config_cmd)i)[0] != '\0');
	}
}

static const char choose_text[] =
	"account work\n"
	"host mail.work.example\n"
	"from *@work.example\n"
	"account home\n"
	"host mail.home.example\n"
	"from me@home.example\n"
	"account also_work\n"
	"host other.work.example\n"
	"from boss@work.example\n"
	"account default\n"
	"host mail.default.example\n";

static const char *
choose(const struct config *c, const char *name, const char *env_from,
       const char *header_from, int *by_header)
{
	struct err e = { 0 };
	struct account *a;

	*by_header = -1;
	a = config_choose(c, name, env_from, header_from, by_header, &e);
	if (a == NULL)
		fail_msg("no account chosen: %s", e.msg ? e.msg : "");
	assert_int_equal(e.cls, ERR_NONE);
	return a->name;
}

static void
test_choose_by_name(void **state)
{
	struct config c;
	struct err e = { 0 };
	int bh;

	(void)state;
	parse_ok(&c, choose_text);
	assert_string_equal(choose(&c, "home", NULL, NULL, &bh), "home");
	assert_int_equal(bh, 0);
	/* A name wins over a matching sender. */
	assert_string_equal(choose(&c, "home", "x@work.example", NULL, &bh),
			    "home");
	assert_null(config_choose(&c, "nosuch", NULL, NULL, &bh, &e));
	assert_int_equal(e.cls, ERR_CONFIG);
	assert_non_null(strstr(e.msg, "nosuch"));
	err_clear(&e);
	config_free(&c);
}

static void
test_choose_by_env_from(void **state)
{
	struct config c;
	int bh;

	(void)state;
	parse_ok(&c, choose_text);
	assert_string_equal(choose(&c, NULL, "x@work.example", NULL, &bh),
			    "work");
	assert_int_equal(bh, 0);
	assert_string_equal(choose(&c, NULL, "me@home.example", NULL, &bh),
			    "home");
	/* The first match wins, even over an exact later one. */
	assert_string_equal(choose(&c, NULL, "boss@work.example", NULL, &bh),
			    "work");
	/* The glob is for the whole address. */
	assert_string_equal(choose(&c, NULL, "x@work.example.net", NULL, &bh),
			    "default");
	/* A sender given with -f keeps the header out of it. */
	assert_string_equal(choose(&c, NULL, "me@home.example",
				   "x@work.example", &bh), "home");
	assert_int_equal(bh, 0);
	assert_string_equal(choose(&c, NULL, "nobody@else.example",
				   "x@work.example", &bh), "default");
	assert_int_equal(bh, 0);
	config_free(&c);
}

static void
test_choose_by_header_from(void **state)
{
	struct config c;
	int bh;

	(void)state;
	parse_ok(&c, choose_text);
	assert_string_equal(choose(&c, NULL, NULL, "me@home.example", &bh),
			    "home");
	assert_int_equal(bh, 1);
	assert_string_equal(choose(&c, NULL, NULL, "y@work.example", &bh),
			    "work");
	assert_int_equal(bh, 1);
	/* No match: default, and not by header. */
	assert_string_equal(choose(&c, NULL, NULL, "who@else.example", &bh),
			    "default");
	assert_int_equal(bh, 0);
	config_free(&c);
}

static void
test_choose_default(void **state)
{
	struct config c;
	int bh;

	(void)state;
	parse_ok(&c, choose_text);
	assert_string_equal(choose(&c, NULL, NULL, NULL, &bh), "default");
	assert_int_equal(bh, 0);
	assert_string_equal(choose(&c, NULL, "x@elsewhere.example", NULL,
				   &bh), "default");
	config_free(&c);
}

static void
test_choose_none(void **state)
{
	struct config c;
	struct err e = { 0 };
	int bh;

	(void)state;
	parse_ok(&c, "account work\nhost w\nfrom *@work.example\n");
	assert_null(config_choose(&c, NULL, "x@elsewhere.example", NULL, &bh,
				  &e));
	assert_int_equal(e.cls, ERR_CONFIG);
	assert_non_null(e.msg);
	err_clear(&e);
	assert_null(config_choose(&c, NULL, NULL, "x@elsewhere.example", &bh,
				  &e));
	assert_int_equal(e.cls, ERR_CONFIG);
	err_clear(&e);
	config_free(&c);
}

static void
test_typed_access(void **state)
{
	struct config c;
	struct account *a;

	(void)state;
	parse_ok(&c, "account a\n"
		     "host x\n"
		     "port 2525\n"
		     "tls off\n"
		     "tls_starttls on\n"
		     "queue_lifetime 30m\n"
		     "timeout 2h30m\n"
		     "dkim_expire 5d\n");
	a = account(&c, "a");
	assert_string_equal(config_str(a, CFG_HOST, "d"), "x");
	assert_string_equal(config_str(a, CFG_USER, "dflt"), "dflt");
	assert_null(config_str(a, CFG_USER, NULL));
	assert_int_equal(config_bool(a, CFG_TLS, 1), 0);
	assert_int_equal(config_bool(a, CFG_TLS_STARTTLS, 0), 1);
	assert_int_equal(config_bool(a, CFG_QUEUE, 1), 1);
	assert_int_equal(config_bool(a, CFG_QUEUE, 0), 0);
	assert_int_equal(config_num(a, CFG_PORT, 25), 2525);
	assert_int_equal(config_num(a, CFG_QUEUE_LIFETIME, 0), 1800);
	assert_int_equal(config_num(a, CFG_TIMEOUT, 0), 9000);
	assert_int_equal(config_num(a, CFG_DKIM_EXPIRE, 0), 5 * 86400);
	assert_int_equal(config_num(a, CFG_PROXY_PORT, 1080), 1080);
	config_free(&c);
}

static void
test_parse_duration(void **state)
{
	(void)state;
	assert_int_equal(config_parse_duration("90"), 90);
	assert_int_equal(config_parse_duration("0"), 0);
	assert_int_equal(config_parse_duration("45s"), 45);
	assert_int_equal(config_parse_duration("30m"), 1800);
	assert_int_equal(config_parse_duration("2h"), 7200);
	assert_int_equal(config_parse_duration("5d"), 432000);
	assert_int_equal(config_parse_duration("1w"), 604800);
	assert_int_equal(config_parse_duration("2h30m"), 9000);
	assert_int_equal(config_parse_duration("1d2h3m4s"),
			 86400 + 7200 + 180 + 4);
	assert_int_equal(config_parse_duration(""), -1);
	assert_int_equal(config_parse_duration("m"), -1);
	assert_int_equal(config_parse_duration("5x"), -1);
	assert_int_equal(config_parse_duration("-5"), -1);
	assert_int_equal(config_parse_duration("5 m"), -1);
	assert_int_equal(config_parse_duration("1h-5m"), -1);
	assert_int_equal(config_parse_duration("off"), -1);
}

static void
test_parse_size(void **state)
{
	struct config c;

	(void)state;
	assert_int_equal(config_parse_size("1048576"), 1048576);
	assert_int_equal(config_parse_size("0"), 0);
	assert_int_equal(config_parse_size("512k"), 512 * 1024);
	assert_int_equal(config_parse_size("512K"), 512 * 1024);
	assert_int_equal(config_parse_size("10M"), 10L * 1024 * 1024);
	assert_int_equal(config_parse_size("1G"), 1024L * 1024 * 1024);
	assert_int_equal(config_parse_size(""), -1);
	assert_int_equal(config_parse_size("k"), -1);
	assert_int_equal(config_parse_size("10x"), -1);
	assert_int_equal(config_parse_size("10 M"), -1);
	assert_int_equal(config_parse_size("-5"), -1);
	parse_ok(&c, "max_message_size 10M\n");
	assert_int_equal(config_num(&c.defaults, CFG_MAX_MESSAGE_SIZE, 0),
			 10L * 1024 * 1024);
	config_free(&c);
	parse_fails("max_message_size lots\n", 1, "max_message_size");
}

static void
test_parse_number_overflow(void **state)
{
	(void)state;
	assert_int_equal(config_parse_duration("99999999999999999999"), -1);
	assert_int_equal(config_parse_duration("9223372036854775807w"), -1);
	assert_int_equal(config_parse_duration("9223372036854775807s1s"), -1);
	assert_int_equal(config_parse_duration("106751991167301d"), -1);
	assert_int_equal(config_parse_size("99999999999999999999"), -1);
	assert_int_equal(config_parse_size("9999999999999G"), -1);
	assert_int_equal(config_parse_size("9007199254740992k"), -1);
}

static void
test_parse_number_ranges(void **state)
{
	struct config c;

	(void)state;
	/* timeout becomes milliseconds in an int: at most one day. */
	parse_fails("timeout 25d\n", 1, "timeout");
	parse_fails("timeout 86401\n", 1, "timeout");
	parse_fails("timeout 99999999999999999999\n", 1, "timeout");
	parse_fails("dkim_expire 3651d\n", 1, "dkim_expire");
	parse_fails("dkim_expire 9223372036854775807\n", 1, "dkim_expire");
	parse_fails("queue_lifetime 9999999w\n", 1, "queue_lifetime");
	parse_fails("max_message_size 1025G\n", 1, "max_message_size");
	parse_fails("max_message_size 99999999999999999999\n", 1,
		    "max_message_size");
	parse_fails("tls_min_dh_prime_bits 99999999999999999999\n", 1,
		    "tls_min_dh_prime_bits");
	parse_fails("tls_min_dh_prime_bits lots\n", 1,
		    "tls_min_dh_prime_bits");
	parse_ok(&c, "timeout 1d\ndkim_expire 3650d\nqueue_lifetime 5d\n"
		     "max_message_size 1024G\ntls_min_dh_prime_bits 2048\n"
		     "account a\ntls_min_dh_prime_bits\n");
	assert_int_equal(config_num(&c.defaults, CFG_TIMEOUT, 0), 86400);
	assert_int_equal(config_num(&c.defaults, CFG_DKIM_EXPIRE, 0),
			 3650L * 86400);
	assert_int_equal(config_num(&c.defaults, CFG_MAX_MESSAGE_SIZE, 0),
			 1024L * 1024 * 1024 * 1024);
	config_free(&c);
}

/* config_check_supported must give want (0 or -1, then ERR_CONFIG) for
 * the account named a in text. */
static void
check_supported(const char *text, int want)
{
	struct config c;
	struct err e = { 0 };

	parse_ok(&c, text);
	if (config_check_supported(account(&c, "a"), &e) != want)
		fail_msg("config_check_supported is not %d for: %s (%s)", want,
			 text, e.msg ? e.msg : "");
	assert_int_equal(e.cls, want < 0 ? ERR_CONFIG : ERR_NONE);
	if (want < 0)
		assert_non_null(e.msg);
	err_clear(&e);
	config_free(&c);
}

/* Issue 8 item 3.1: msmtp's old command names are read with msmtp's
 * meaning (its conf.c), stored as the commands that replaced them. */
static void
test_parse_msmtp_old_names(void **state)
{
	struct config c;
	struct account *a;

	(void)state;
	parse_ok(&c, "account a\nhost x\nconnect_timeout 30\nkeepbcc\n"
		     "tls_nocertcheck\ntls_nostarttls\n"
		     "add_missing_from_header off\n"
		     "add_missing_date_header\ntls_force_sslv3 off\n"
		     "account b\nhost x\nkeepbcc off\nadd_missing_from_header\n"
		     "add_missing_date_header off\n");
	a = account(&c, "a");
	assert_val(a, CFG_TIMEOUT, "30");
	assert_string_equal(a->origin[CFG_TIMEOUT], "rc:3");
	assert_val(a, CFG_REMOVE_BCC_HEADERS, "off");
	assert_val(a, CFG_TLS_CERTCHECK, "off");
	assert_val(a, CFG_TLS_STARTTLS, "off");
	assert_val(a, CFG_SET_FROM_HEADER, "off");
	assert_val(a, CFG_SET_DATE_HEADER, "auto");
	a = account(&c, "b");
	assert_val(a, CFG_REMOVE_BCC_HEADERS, "on");
	assert_val(a, CFG_SET_FROM_HEADER, "auto");
	assert_val(a, CFG_SET_DATE_HEADER, "off");
	config_free(&c);
	parse_fails("account a\ntls_force_sslv3 on\n", 2, "SSLv3");
	parse_fails("account a\ntls_force_sslv3\n", 2, "SSLv3");
	parse_fails("tls_nocertcheck on\n", 1, "does not take an argument");
	parse_fails("tls_nostarttls off\n", 1, "tls_nostarttls");
	parse_fails("keepbcc maybe\n", 1, "keepbcc");
	parse_fails("connect_timeout\n", 1, "needs an argument");
}

/* Issue 8 item 3.1: ntlmdomain, auto_from and maildomain are read; NTLM
 * itself fails only where auth ntlm would be used. */
static void
test_parse_msmtp_new_commands(void **state)
{
	struct config c;
	struct account *a;
	struct err e = { 0 };
	int by_header;

	(void)state;
	parse_ok(&c, "account a\nhost x\nntlmdomain CORP\nauto_from on\n"
		     "maildomain d.example\nfrom me@example.org\n"
		     "account n\nhost x\nauth ntlm\nuser u\n"
		     "account m\nhost x\nauto_from\n");
	a = account(&c, "a");
	assert_val(a, CFG_NTLMDOMAIN, "CORP");
	assert_int_equal(config_check_supported(a, &e), 0);
	assert_ptr_equal(config_choose(&c, "a", NULL, NULL, &by_header, &e),
			 a);
	assert_val(a, CFG_FROM, "%U@d.example");
	assert_val(a, CFG_ALLOW_FROM_OVERRIDE, "off");
	a = account(&c, "m");
	assert_ptr_equal(config_choose(&c, "m", NULL, NULL, &by_header, &e),
			 a);
	assert_val(a, CFG_FROM, "%U");
	a = account(&c, "n");
	assert_int_equal(config_check_supported(a, &e), -1);
	assert_non_null(strstr(e.msg, "NTLM"));
	assert_non_null(strstr(e.msg, "rc:9"));
	err_clear(&e);
	config_free(&c);
}

/* Issue 8 item 3.2: an empty argument unsets the value as msmtp does,
 * over the defaults and through inheritance; switches are on, header
 * settings auto; msmtp's "needs an argument" commands are refused. */
static void
test_parse_empty_unsets(void **state)
{
	static const enum config_cmd unset[] = {
		CFG_SOURCE_IP, CFG_PROXY_HOST, CFG_PROXY_PORT, CFG_SOCKET,
		CFG_DOMAIN, CFG_USER, CFG_PASSWORD, CFG_PASSWORDEVAL,
		CFG_TLS_TRUST_FILE, CFG_TLS_CRL_FILE, CFG_TLS_FINGERPRINT,
		CFG_TLS_KEY_FILE, CFG_TLS_CERT_FILE, CFG_TLS_PRIORITIES,
		CFG_TLS_HOST_OVERRIDE, CFG_TLS_MIN_DH_PRIME_BITS, CFG_FROM,
		CFG_FROM_FULL_NAME, CFG_LOGFILE, CFG_LOGFILE_TIME_FORMAT,
		CFG_DKIM_KEY, CFG_QUEUE_LIFETIME, CFG_NTLMDOMAIN,
		CFG_MAILDOMAIN,
	};
	static const char *const need[] = {
		"host", "port", "timeout", "protocol", "dsn_notify",
		"dsn_return", "eval",
	};
	struct config c;
	struct buf text = { 0 };
	struct account *a;
	size_t i;

	(void)state;
	buf_append_str(&text, "defaults\naliases /etc/al\n"
			      "set_from_header off\nset_date_header off\n"
			      "set_msgid_header off\n");
	for (i = 0; i < sizeof(unset) / sizeof(unset[0]); i++)
		buf_printf(&text, "%s %s\n", config_cmd_name(unset[i]),
			   unset[i] == CFG_TLS_FINGERPRINT
				   ? "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:"
				     "DD:EE:FF:00:11:22:33:44:55:66:77:88:99:"
				     "AA:BB:CC:DD:EE:FF"
			   : unset[i] == CFG_DKIM_KEY ? "s /k.pem" : "25");
	buf_append_str(&text, "account a\nhost x\naliases\nset_from_header\n"
			      "set_date_header \"\"\nset_msgid_header\n");
	for (i = 0; i < sizeof(unset) / sizeof(unset[0]); i++)
		buf_printf(&text, "%s\n", config_cmd_name(unset[i]));
	buf_append_str(&text, "account b : a\n");
	parse_ok(&c, buf_cstr(&text));
	for (a = account(&c, "a"); a != NULL;
	     a = a == account(&c, "a") ? account(&c, "b") : NULL) {
		for (i = 0; i < sizeof(unset) / sizeof(unset[0]); i++)
			if (a->val[unset[i]] != NULL)
				fail_msg("empty %s left \"%s\" in %s",
					 config_cmd_name(unset[i]),
					 a->val[unset[i]], a->name);
		assert_val(a, CFG_ALIASES, "");
		assert_val(a, CFG_SET_FROM_HEADER, "auto");
		assert_val(a, CFG_SET_DATE_HEADER, "auto");
		assert_val(a, CFG_SET_MSGID_HEADER, "auto");
		assert_non_null(a->origin[CFG_USER]);
	}
	config_free(&c);
	buf_free(&text);
	for (i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
		buf_printf(&text, "account a\n%s\n", need[i]);
		parse_fails(buf_cstr(&text), 2, "needs an argument");
		buf_free(&text);
	}
}

/* Issue 8 item 3.6: an account defined twice in one file is an error
 * naming both lines (msmtp refuses it too); the user file may still
 * redefine an account of the system file. */
static void
test_parse_account_twice(void **state)
{
	struct config c;
	struct err e = { 0 };
	const char *user = "account work\nhost user.example\n";

	(void)state;
	parse_fails("account work\nhost a\n\naccount work\nhost b\n", 4,
		    "rc:1");
	parse_fails("account a\nhost a\naccount b : a\naccount a\n", 4,
		    "rc:1");
	parse_ok(&c, "account work\nhost sys.example\n");
	if (config_parse_text(&c, user, strlen(user), "user", NULL, &e) != 0)
		fail_msg("the user file cannot redefine: %s", e.msg);
	assert_int_equal(c.naccounts, 1);
	assert_val(account(&c, "work"), CFG_HOST, "user.example");
	config_free(&c);
}

/* Issue 8 item 3.6: eval reads only the first line of the command's
 * output, as msmtp does. */
static void
test_parse_eval_first_line(void **state)
{
	struct config c;
	struct account *a;

	(void)state;
	parse_ok(&c, "account a\nhost x\n"
		     "eval printf 'user first\\nuser second\\nbogus\\n'\n");
	a = account(&c, "a");
	assert_val(a, CFG_USER, "first");
	config_free(&c);
}

/* Issue 8 item 3.4: domain expands %H (the host name) and %M (the first
 * word of /etc/mailname; refused without it, as msmtp does). */
static void
test_parse_domain_expansion(void **state)
{
	struct config c;
	char host[256] = "", want[300], mail[256] = "";
	FILE *f;

	(void)state;
	assert_int_equal(gethostname(host, sizeof(host) - 1), 0);
	parse_ok(&c, "account a\nhost x\ndomain mx.%H.example\n");
	snprintf(want, sizeof(want), "mx.%s.example", host);
	assert_val(account(&c, "a"), CFG_DOMAIN, want);
	config_free(&c);
	f = fopen("/etc/mailname", "r");
	if (f == NULL) {
		parse_fails("account a\ndomain %M\n", 2, "/etc/mailname");
		return;
	}
	if (fgets(mail, sizeof(mail), f) == NULL)
		mail[0] = '\0';
	fclose(f);
	mail[strcspn(mail, " \t\r\n")] = '\0';
	parse_ok(&c, "account a\nhost x\ndomain %M\n");
	assert_val(account(&c, "a"), CFG_DOMAIN, mail);
	config_free(&c);
}

static void
test_check_supported(void **state)
{
	(void)state;
	check_supported("account a\nhost mail.example.org\nport 25\n"
			"tls off\nauth off\n", 0);
	/* What this version does not have: NTLM. Direct delivery landed:
	 * delivery mx, and an account without host, are taken; delivery
	 * relay without a host is an error. */
	check_supported("account a\nhost x\nauth ntlm\nuser u\n", -1);
	check_supported("account a\nhost x\ndelivery mx\n", 0);
	check_supported("account a\nfrom a@example.org\n", 0);
	check_supported("account a\ndelivery relay\n", -1);
	check_supported("account a\nsocket /run/x\ndelivery relay\n", 0);
}

static void
test_check_supported_spec_features(void **state)
{
	(void)state;
	/* Spec 3, 4.5, 4.6: implemented, so never refused again. */
	check_supported("account a\nhost x\ntls on\n", 0);
	check_supported("account a\nhost x\ntls\ntls_starttls off\n", 0);
	check_supported("account a\nhost x\ndkim_key s1 /etc/dsmtp/k.pem\n",
			0);
	check_supported("account a\nhost x\nauth on\nuser u\n", 0);
	check_supported("account a\nhost x\nauth plain\nuser u\n", 0);
	/* Issue 8 item 3.3. */
	check_supported("account a\nhost x\nproxy_host socks.example\n", 0);
	check_supported("account a\nhost x\nprotocol lmtp\nport 24\n", 0);
}

static void
test_check_supported_names_origin(void **state)
{
	struct config c;
	struct err e = { 0 };

	(void)state;
	parse_ok(&c, "account a\nhost x\n\nauth ntlm\n");
	assert_int_equal(config_check_supported(account(&c, "a"), &e), -1);
	assert_non_null(strstr(e.msg, "rc:4"));
	err_clear(&e);
	config_free(&c);
}

/* Write text to a new temporary file of mode; returns its path (caller
 * frees and unlinks). */
static char *
write_temp(const char *text, mode_t mode)
{
	char *path = strdup("/tmp/config_test.XXXXXX");
	int fd;
	size_t len = strlen(text);

	assert_non_null(path);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
	return path;
}

static int
load(struct config *c, const char *sys, const char *user, struct err *e)
{
	struct config_sources src = { 0 };

	src.system_file = sys;
	src.user_file = user;
	src.user_file_explicit = user != NULL;
	return config_load(c, &src, e);
}

static void
test_load_missing_explicit(void **state)
{
	struct config c;
	struct err e = { 0 };

	(void)state;
	assert_int_equal(load(&c, NULL, "/nonexistent/dsmtp/rc", &e), -1);
	assert_int_equal(e.cls, ERR_CONFIG);
	assert_non_null(strstr(e.msg, "/nonexistent/dsmtp/rc"));
	err_clear(&e);
	config_free(&c);
}

static void
test_load_missing_system_ok(void **state)
{
	struct config c;
	struct err e = { 0 };
	char *user = write_temp("account default\nhost x\n", 0644);

	(void)state;
	assert_int_equal(load(&c, "/nonexistent/dsmtprc", user, &e), 0);
	assert_int_equal(c.nfiles, 1);
	assert_string_equal(c.files[0], user);
	assert_non_null(config_account(&c, "default"));
	config_free(&c);
	unlink(user);
	free(user);
}

static void
test_load_password_mode(void **state)
{
	static const char text[] = "account default\nhost x\npassword s3cret\n";
	struct config c;
	struct err e = { 0 };
	char *open_file = write_temp(text, 0644);
	char *private_file = write_temp(text, 0600);

	(void)state;
	assert_int_equal(load(&c, NULL, open_file, &e), -1);
	assert_int_equal(e.cls, ERR_CONFIG);
	assert_non_null(strstr(e.msg, open_file));
	/* Never the secret itself. */
	assert_null(strstr(e.msg, "s3cret"));
	err_clear(&e);
	config_free(&c);
	assert_int_equal(load(&c, NULL, private_file, &e), 0);
	assert_int_equal(e.cls, ERR_NONE);
	assert_val(account(&c, "default"), CFG_PASSWORD, "s3cret");
	config_free(&c);
	unlink(open_file);
	unlink(private_file);
	free(open_file);
	free(private_file);
}

static void
test_load_no_password_any_mode(void **state)
{
	struct config c;
	struct err e = { 0 };
	char *user = write_temp("account default\nhost x\n", 0644);

	(void)state;
	assert_int_equal(load(&c, NULL, user, &e), 0);
	config_free(&c);
	unlink(user);
	free(user);
}

static void
test_load_system_file_password(void **state)
{
	struct config c;
	struct err e = { 0 };
	char *sys = write_temp("account default\nhost x\npassword s\n", 0644);
	char *user = write_temp("account other\nhost y\n", 0644);

	(void)state;
	/* The private-file rule is for the user file. */
	assert_int_equal(load(&c, sys, user, &e), 0);
	assert_int_equal(c.nfiles, 2);
	assert_string_equal(c.files[0], sys);
	assert_string_equal(c.files[1], user);
	assert_non_null(config_account(&c, "default"));
	assert_non_null(config_account(&c, "other"));
	config_free(&c);
	unlink(sys);
	unlink(user);
	free(sys);
	free(user);
}

static void
test_load_error_names_file(void **state)
{
	struct config c;
	struct err e = { 0 };
	char *user = write_temp("account a\nhost x\nnonsense 1\n", 0600);
	char where[128];

	(void)state;
	assert_int_equal(load(&c, NULL, user, &e), -1);
	assert_int_equal(e.cls, ERR_CONFIG);
	snprintf(where, sizeof(where), "%s:3:", user);
	assert_non_null(strstr(e.msg, where));
	err_clear(&e);
	config_free(&c);
	unlink(user);
	free(user);
}

static void
test_load_directory(void **state)
{
	struct config c;
	struct err e = { 0 };

	(void)state;
	assert_int_equal(load(&c, NULL, "/tmp", &e), -1);
	assert_int_equal(e.cls, ERR_CONFIG);
	err_clear(&e);
	config_free(&c);
}

/* load must refuse the user file path, naming it and saying what. */
static void
load_refused(const char *path, const char *what)
{
	struct config c;
	struct err e = { 0 };

	assert_int_equal(load(&c, NULL, path, &e), -1);
	assert_int_equal(e.cls, ERR_CONFIG);
	assert_non_null(strstr(e.msg, path));
	if (strstr(e.msg, what) == NULL)
		fail_msg("\"%s\" lacks \"%s\"", e.msg, what);
	err_clear(&e);
	config_free(&c);
}

/* Only files of the caller or root that no one else may change are
 * used, whatever they hold (eval runs as the caller, root included). */
static void
test_load_owner_and_mode(void **state)
{
	char *other = write_temp("account default\nhost x\n", 0600);
	char *group_w = write_temp("account default\nhost x\n", 0664);
	char *world_w = write_temp("account default\nhost x\n", 0602);

	(void)state;
	load_refused(group_w, "chmod go-w");
	load_refused(world_w, "chmod go-w");
	if (geteuid() == 0) {
		assert_int_equal(chown(other, 65534, 65534), 0);
		load_refused(other, "uid 65534");
	}
	unlink(other);
	unlink(group_w);
	unlink(world_w);
	free(other);
	free(group_w);
	free(world_w);
}

static void
test_load_not_regular_or_too_big(void **state)
{
	struct buf big = { 0 };
	char *path;

	(void)state;
	load_refused("/dev/zero", "not a regular file");
	while (big.len <= 1024 * 1024)
		buf_append_str(&big, "# a comment line of some length\n");
	path = write_temp(buf_cstr(&big), 0600);
	load_refused(path, "larger than 1024 KiB");
	unlink(path);
	free(path);
	buf_free(&big);
}

/* An implicit user file that cannot be used is skipped with a warning:
 * the system file applies (a user with HOME=/root used to get 78). */
static void
test_load_implicit_user_file_skipped(void **state)
{
	char home[] = "/tmp/config_test_home.XXXXXX", user[64];
	char *sys = write_temp("account default\nhost from-system\n", 0644);
	struct config c;
	struct err e = { 0 };
	struct config_sources src = { 0 };
	char *saved_home = getenv("HOME") ? strdup(getenv("HOME")) : NULL;

	(void)state;
	assert_non_null(mkdtemp(home));
	snprintf(user, sizeof(user), "%s/.dsmtprc", home);
	assert_int_equal(mkdir(user, 0700), 0); /* not a regular file */
	setenv("HOME", home, 1);
	unsetenv("XDG_CONFIG_HOME");
	src.system_file = sys;
	assert_int_equal(config_load(&c, &src, &e), 0);
	assert_int_equal(c.nfiles, 1);
	assert_string_equal(config_account(&c, "default")->val[CFG_HOST],
			    "from-system");
	config_free(&c);
	rmdir(user);
	rmdir(home);
	if (saved_home != NULL)
		setenv("HOME", saved_home, 1);
	free(saved_home);
	unlink(sys);
	free(sys);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_defaults_and_accounts),
		cmocka_unit_test(test_parse_inheritance),
		cmocka_unit_test(test_parse_inheritance_several_bases),
		cmocka_unit_test(test_parse_unknown_base),
		cmocka_unit_test(test_parse_quoting),
		cmocka_unit_test(test_parse_unterminated_quote),
		cmocka_unit_test(test_parse_comments),
		cmocka_unit_test(test_parse_crlf),
		cmocka_unit_test(test_parse_empty_switch_is_on),
		cmocka_unit_test(test_parse_empty_auth_syslog_msmtp),
		cmocka_unit_test(test_parse_long_lines),
		cmocka_unit_test(test_parse_unknown_command),
		cmocka_unit_test(test_parse_error_quotes_no_content),
		cmocka_unit_test(test_quote),
		cmocka_unit_test(test_parse_invalid_port),
		cmocka_unit_test(test_parse_valid_ports),
		cmocka_unit_test(test_parse_invalid_bool),
		cmocka_unit_test(test_parse_invalid_duration),
		cmocka_unit_test(test_parse_fingerprint),
		cmocka_unit_test(test_parse_invalid_choices),
		cmocka_unit_test(test_parse_valid_values),
		cmocka_unit_test(test_parse_nul_byte),
		cmocka_unit_test(test_parse_eval),
		cmocka_unit_test(test_parse_eval_errors),
		cmocka_unit_test(test_parse_eval_bounded),
		cmocka_unit_test(test_parse_has_password),
		cmocka_unit_test(test_parse_dkim_key_repeated),
		cmocka_unit_test(test_cmd_names_and_secrets),
		cmocka_unit_test(test_choose_by_name),
		cmocka_unit_test(test_choose_by_env_from),
		cmocka_unit_test(test_choose_by_header_from),
		cmocka_unit_test(test_choose_default),
		cmocka_unit_test(test_choose_none),
		cmocka_unit_test(test_typed_access),
		cmocka_unit_test(test_parse_duration),
		cmocka_unit_test(test_parse_size),
		cmocka_unit_test(test_parse_number_overflow),
		cmocka_unit_test(test_parse_number_ranges),
		cmocka_unit_test(test_check_supported),
		cmocka_unit_test(test_check_supported_spec_features),
		cmocka_unit_test(test_check_supported_names_origin),
		cmocka_unit_test(test_load_missing_explicit),
		cmocka_unit_test(test_load_missing_system_ok),
		cmocka_unit_test(test_load_password_mode),
		cmocka_unit_test(test_load_no_password_any_mode),
		cmocka_unit_test(test_load_system_file_password),
		cmocka_unit_test(test_load_error_names_file),
		cmocka_unit_test(test_load_directory),
		cmocka_unit_test(test_load_owner_and_mode),
		cmocka_unit_test(test_load_not_regular_or_too_big),
		cmocka_unit_test(test_load_implicit_user_file_skipped),
		cmocka_unit_test(test_parse_msmtp_old_names),
		cmocka_unit_test(test_parse_msmtp_new_commands),
		cmocka_unit_test(test_parse_empty_unsets),
		cmocka_unit_test(test_parse_account_twice),
		cmocka_unit_test(test_parse_eval_first_line),
		cmocka_unit_test(test_parse_domain_expansion),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
