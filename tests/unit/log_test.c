/* log_test.c - unit tests for log.h
 *
 * Owns: the key=value delivery line byte for byte, quoting and escaping of
 *       values, the null sender, facility names, the logfile, stderr
 *       diagnostics and the -v transcript with AUTH redaction (stderr is
 *       captured through a pipe), control characters from peers replaced
 *       in all of them and in error text.
 * Not:  syslog itself (not observable here). */

#include <config.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <cmocka.h>

#include "buf.h"
#include "err.h"
#include "log.h"

/* stderr redirected into a pipe while a test speaks. */
struct capture {
	int saved;
	int rd;
};

static void
capture_start(struct capture *c)
{
	int p[2];

	fflush(stderr);
	assert_int_equal(pipe(p), 0);
	c->saved = dup(STDERR_FILENO);
	assert_true(c->saved >= 0);
	assert_true(dup2(p[1], STDERR_FILENO) >= 0);
	close(p[1]);
	c->rd = p[0];
}

/* Restore stderr and return what was written (caller frees). */
static char *
capture_end(struct capture *c)
{
	struct buf b = { 0 };
	char chunk[4096];
	ssize_t n;

	fflush(stderr);
	dup2(c->saved, STDERR_FILENO);
	close(c->saved);
	while ((n = read(c->rd, chunk, sizeof(chunk))) > 0)
		buf_append(&b, chunk, (size_t)n);
	close(c->rd);
	return buf_steal(&b);
}

static char *
transcript(char dir, const char *line)
{
	struct capture c;

	capture_start(&c);
	log_transcript(dir, line, strlen(line));
	return capture_end(&c);
}

static const char *const two_rcpts[] = { "b@example.org", "c@example.org" };

static void
full_record(struct log_record *r)
{
	memset(r, 0, sizeof(*r));
	r->id = "0123456789ABCDE";
	r->from = "a@example.net";
	r->to = two_rcpts;
	r->nto = 2;
	r->relay_host = "mail.example.org";
	r->relay_ip = "192.0.2.25";
	r->relay_port = 587;
	r->tls = "TLSv1.3";
	r->auth = "PLAIN";
	r->dkim = "example.net/s1,example.net/e1";
	r->size = 1234;
	r->delay = 1.5;
	r->attempt = 1;
	r->status = "sent";
	r->smtp = "250 2.0.0 Ok: queued as 4XyZ";
}

static void
test_format_full_record(void **state)
{
	struct log_record r;
	char *s;

	(void)state;
	full_record(&r);
	s = log_format(&r);
	assert_string_equal(s,
			    "id=0123456789ABCDE from=a@example.net "
			    "to=b@example.org,c@example.org "
			    "relay=mail.example.org[192.0.2.25]:587 "
			    "tls=TLSv1.3 auth=PLAIN "
			    "dkim=example.net/s1,example.net/e1 size=1234 "
			    "delay=1.50 attempt=1 status=sent "
			    "smtp=\"250 2.0.0 Ok: queued as 4XyZ\"");
	free(s);
}

static void
test_format_minimal_record(void **state)
{
	static const char *const one[] = { "root@example.net" };
	struct log_record r = { 0 };
	char *s;

	(void)state;
	r.id = "ID1";
	r.from = "a@example.net";
	r.to = one;
	r.nto = 1;
	r.relay_host = "localhost";
	r.relay_port = 25;
	r.size = 0;
	r.delay = 0;
	r.attempt = 2;
	r.status = "deferred";
	s = log_format(&r);
	/* No ip, dkim or smtp: omitted; no tls or auth: "none". */
	assert_string_equal(s, "id=ID1 from=a@example.net to=root@example.net "
			       "relay=localhost:25 tls=none auth=none size=0 "
			       "delay=0.00 attempt=2 status=deferred");
	free(s);
}

static void
test_format_null_sender(void **state)
{
	struct log_record r;
	char *s;

	(void)state;
	full_record(&r);
	r.from = "";
	s = log_format(&r);
	assert_non_null(strstr(s, " from=<> "));
	free(s);
	r.from = NULL;
	s = log_format(&r);
	assert_non_null(strstr(s, " from=<> "));
	free(s);
}

static void
test_format_quoting(void **state)
{
	struct log_record r;
	char *s;

	(void)state;
	full_record(&r);
	r.from = "\"john doe\"@example.net";
	r.smtp = "451 4.7.1 \"greylisted\" back\\slash";
	s = log_format(&r);
	assert_non_null(strstr(s, " from=\"\\\"john doe\\\"@example.net\" "));
	assert_non_null(strstr(s, " smtp=\"451 4.7.1 \\\"greylisted\\\" "
				  "back\\\\slash\""));
	free(s);
}

static void
test_format_escapes_controls(void **state)
{
	struct log_record r;
	char *s;
	const char *v, *q;
	const unsigned char *p;

	(void)state;
	full_record(&r);
	r.status = "bounced";
	r.smtp = "550 5.1.1 no\r\nid=forged status=sent\tx\x1b[0m";
	s = log_format(&r);
	for (p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			fail_msg("control byte 0x%02x in \"%s\"", *p, s);
	/* The forged pair stays inside the quoted smtp value: the first
	 * status is the real one, and no quote ends the value early. */
	v = strstr(s, " smtp=\"");
	assert_non_null(v);
	assert_true(strstr(s, " status=") < v);
	assert_non_null(strstr(s, " status=bounced smtp="));
	for (q = v + 7; q[1] != '\0'; q++)
		if (*q == '"' && q[-1] != '\\')
			fail_msg("unescaped quote in \"%s\"", s);
	assert_int_equal(*q, '"');
	free(s);
}

static void
test_facility_names(void **state)
{
	(void)state;
	assert_int_equal(log_facility("mail"), LOG_MAIL);
	assert_int_equal(log_facility("user"), LOG_USER);
	assert_int_equal(log_facility("daemon"), LOG_DAEMON);
	assert_int_equal(log_facility("local0"), LOG_LOCAL0);
	assert_int_equal(log_facility("local1"), LOG_LOCAL1);
	assert_int_equal(log_facility("local2"), LOG_LOCAL2);
	assert_int_equal(log_facility("local3"), LOG_LOCAL3);
	assert_int_equal(log_facility("local4"), LOG_LOCAL4);
	assert_int_equal(log_facility("local5"), LOG_LOCAL5);
	assert_int_equal(log_facility("local6"), LOG_LOCAL6);
	assert_int_equal(log_facility("local7"), LOG_LOCAL7);
	/* msmtp's spelling, used in msmtprc files. */
	assert_int_equal(log_facility("LOG_MAIL"), LOG_MAIL);
	assert_int_equal(log_facility("LOG_LOCAL5"), LOG_LOCAL5);
	assert_int_equal(log_facility("bogus"), -1);
	assert_int_equal(log_facility("local8"), -1);
	assert_int_equal(log_facility(""), -1);
}

static void
test_diag(void **state)
{
	struct capture c;
	char *out;

	(void)state;
	capture_start(&c);
	log_diag("cannot connect to %s port %d", "mail.example.org", 587);
	out = capture_end(&c);
	assert_string_equal(out,
			    "dsmtp: cannot connect to mail.example.org port "
			    "587\n");
	free(out);
}

static void
test_transcript_off(void **state)
{
	char *out;

	(void)state;
	log_set_verbose(0);
	assert_int_equal(log_verbose(), 0);
	out = transcript('>', "MAIL FROM:<a@example.net>");
	assert_string_equal(out, "");
	free(out);
}

static void
test_transcript_lines(void **state)
{
	char *out;

	(void)state;
	log_set_verbose(1);
	assert_int_equal(log_verbose(), 1);
	out = transcript('>', "MAIL FROM:<a@example.net>");
	assert_non_null(strstr(out, "MAIL FROM:<a@example.net>"));
	assert_int_equal(out[strlen(out) - 1], '\n');
	assert_ptr_equal(strchr(out, '\n'), out + strlen(out) - 1);
	free(out);
	out = transcript('<', "250 2.1.0 Ok\r\n");
	assert_non_null(strstr(out, "250 2.1.0 Ok"));
	assert_null(strchr(out, '\r'));
	assert_ptr_equal(strchr(out, '\n'), out + strlen(out) - 1);
	free(out);
	log_set_verbose(0);
}

static void
test_transcript_redacts_auth(void **state)
{
	char *out;

	(void)state;
	log_set_verbose(1);
	out = transcript('>', "AUTH PLAIN AGFsaWNlAHNlY3JldA==");
	assert_non_null(strstr(out, "AUTH PLAIN"));
	assert_non_null(strstr(out, "<redacted>"));
	assert_null(strstr(out, "AGFsaWNlAHNlY3JldA=="));
	assert_null(strstr(out, "AGFs"));
	free(out);
	out = transcript('>', "auth login dXNlckBleGFtcGxlLm9yZw==");
	assert_null(strstr(out, "dXNlckBleGFtcGxlLm9yZw=="));
	assert_non_null(strstr(out, "<redacted>"));
	free(out);
	out = transcript('>',
			 "AUTH XOAUTH2 dXNlcj1zb21ldXNlcgFhdXRoPUJlYXJlcg==");
	assert_null(strstr(out, "dXNlcj1zb21ldXNlcgFhdXRoPUJlYXJlcg=="));
	free(out);
	/* Nothing to hide. */
	out = transcript('>', "AUTH LOGIN");
	assert_non_null(strstr(out, "AUTH LOGIN"));
	free(out);
	log_set_verbose(0);
}

static void
test_logfile(void **state)
{
	struct log_config lc = { 0 };
	struct log_record r;
	char path[] = "/tmp/log_test.XXXXXX";
	char *want, got[1024];
	FILE *f;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	lc.syslog_facility = -1;
	lc.logfile = path;
	lc.time_format = "STAMP";
	log_open(&lc);
	full_record(&r);
	log_delivery(&r);
	r.status = "deferred";
	log_delivery(&r);
	log_close();
	f = fopen(path, "r");
	assert_non_null(f);
	full_record(&r);
	want = log_format(&r);
	assert_non_null(fgets(got, sizeof(got), f));
	assert_int_equal(strncmp(got, "STAMP ", 6), 0);
	assert_int_equal(strncmp(got + 6, want, strlen(want)), 0);
	assert_string_equal(got + 6 + strlen(want), "\n");
	assert_non_null(fgets(got, sizeof(got), f));
	assert_non_null(strstr(got, " status=deferred "));
	assert_null(fgets(got, sizeof(got), f));
	fclose(f);
	free(want);
	unlink(path);
}

static void
test_logfile_unwritable_reported_once(void **state)
{
	struct log_config lc = { 0 };
	struct log_record r;
	struct capture c;
	char *out, *nl;

	(void)state;
	lc.syslog_facility = -1;
	lc.logfile = "/nonexistent/dsmtp/dsmtp.log";
	full_record(&r);
	capture_start(&c);
	log_open(&lc);
	log_delivery(&r);
	log_delivery(&r);
	log_delivery(&r);
	log_close();
	out = capture_end(&c);
	nl = strchr(out, '\n');
	assert_non_null(nl);
	/* One line, and it never carries the record's data. */
	assert_string_equal(nl + 1, "");
	assert_non_null(strstr(out, "/nonexistent/dsmtp/dsmtp.log"));
	free(out);
}

/* A hostile server's text: CSI clear screen, an OSC title ended by BEL,
 * a raw 8-bit CSI, C1 CSI and OSC in UTF-8, DEL, a stray CR. */
static const char hostile[] = "550 \x1b[2J\x1b]0;pwned\x07 a\x9b" "31m "
			      "\xc2\x9b" "1m \xc2\x9d" "2;t\x07 \x7f\rend";

static void
assert_no_controls(const char *s, size_t n, int lf_ok)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i;

	for (i = 0; i < n; i++) {
		if ((p[i] < 0x20 && !(lf_ok && p[i] == '\n')) || p[i] == 0x7f ||
		    (p[i] >= 0x80 && p[i] <= 0x9f))
			fail_msg("control octet 0x%02x at %zu in \"%s\"", p[i],
				 i, s);
	}
}

static void
test_printable_replaces_controls(void **state)
{
	struct buf b = { 0 };

	(void)state;
	log_printable(&b, hostile, strlen(hostile));
	assert_string_equal(buf_cstr(&b), "550 ?[2J?]0;pwned? a?31m ?1m ?2;t? "
					  "??end");
	buf_reset(&b);
	/* Every C0 control, TAB and LF included. */
	log_printable(&b, "a\tb\nc\0d", 7);
	assert_int_equal(b.len, 7);
	assert_memory_equal(b.data, "a?b?c?d", 7);
	buf_free(&b);
}

static void
test_printable_keeps_utf8(void **state)
{
	struct buf b = { 0 };
	/* U+00A0, e-caron (second octet 0x9b), CJK, an emoji; a lone 0xe9
	 * (Latin-1 e-acute) is shown as text, a lone 0x85 is not. */
	const char *s = "\xc2\xa0 \xc4\x9b \xe6\x97\xa5 \xf0\x9f\x98\x80 "
			"\xe9 \x85.";

	(void)state;
	log_printable(&b, s, strlen(s));
	assert_string_equal(buf_cstr(&b), "\xc2\xa0 \xc4\x9b \xe6\x97\xa5 "
					  "\xf0\x9f\x98\x80 \xe9 ?.");
	buf_free(&b);
}

static void
test_diag_replaces_controls(void **state)
{
	struct capture c;
	char *out;

	(void)state;
	capture_start(&c);
	log_diag("mail.example.org refused MAIL: %s", hostile);
	out = capture_end(&c);
	assert_no_controls(out, strlen(out), 1);
	assert_ptr_equal(strchr(out, '\n'), out + strlen(out) - 1);
	assert_non_null(strstr(out, "?[2J?]0;pwned?"));
	free(out);
}

static void
test_transcript_replaces_controls(void **state)
{
	char *out;

	(void)state;
	log_set_verbose(1);
	out = transcript('<', hostile);
	assert_no_controls(out, strlen(out), 1);
	assert_ptr_equal(strchr(out, '\n'), out + strlen(out) - 1);
	free(out);
	/* UTF-8 in a reply is shown as it is (SMTPUTF8 servers). */
	out = transcript('<', "250 j\xc3\xb6rg \xc4\x9b");
	assert_string_equal(out, "<-- 250 j\xc3\xb6rg \xc4\x9b\n");
	free(out);
	log_set_verbose(0);
}

static void
test_format_escapes_c1(void **state)
{
	struct log_record r;
	char *s;

	(void)state;
	full_record(&r);
	r.smtp = "550 \x9b" "2J \xc2\x9d" "0;x\x07 \xc3\xb6";
	s = log_format(&r);
	assert_no_controls(s, strlen(s), 0);
	assert_non_null(strstr(s, "smtp=\"550 \\x9b2J \\xc2\\x9d0;x\\x07 "
				  "\xc3\xb6\""));
	free(s);
}

/* err_set and err_prefix keep error text one printable line: peers'
 * replies are quoted into it (err.h). */
static void
test_err_text_printable(void **state)
{
	struct err e = { 0 };

	(void)state;
	err_set(&e, ERR_UNAVAILABLE, "refused MAIL: %s", hostile);
	assert_no_controls(e.msg, strlen(e.msg), 0);
	assert_non_null(strstr(e.msg, "refused MAIL: 550 ?[2J"));
	err_prefix(&e, "host %s", "a\x1b]0;t\x07");
	assert_no_controls(e.msg, strlen(e.msg), 0);
	assert_true(strncmp(e.msg, "host a?]0;t?: refused", 21) == 0);
	err_clear(&e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_full_record),
		cmocka_unit_test(test_format_minimal_record),
		cmocka_unit_test(test_format_null_sender),
		cmocka_unit_test(test_format_quoting),
		cmocka_unit_test(test_format_escapes_controls),
		cmocka_unit_test(test_facility_names),
		cmocka_unit_test(test_diag),
		cmocka_unit_test(test_transcript_off),
		cmocka_unit_test(test_transcript_lines),
		cmocka_unit_test(test_transcript_redacts_auth),
		cmocka_unit_test(test_logfile),
		cmocka_unit_test(test_logfile_unwritable_reported_once),
		cmocka_unit_test(test_printable_replaces_controls),
		cmocka_unit_test(test_printable_keeps_utf8),
		cmocka_unit_test(test_diag_replaces_controls),
		cmocka_unit_test(test_transcript_replaces_controls),
		cmocka_unit_test(test_format_escapes_c1),
		cmocka_unit_test(test_err_text_printable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
