/* bounce_test.c - unit tests for bounce.h
 *
 * Owns: the Status: code taken from replies, the null-sender rule, and
 *       the shape of a notification: header fields, the three parts,
 *       per-recipient fields, the returned headers or message, CRLF
 *       lines under 998 octets, no control characters from a reply.
 * Not:  queueing or sending the notification. */

#include <config.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "bounce.h"
#include "xmalloc.h"

static const char original[] =
	"From: alice@example.org\r\nTo: bob@example.net\r\n"
	"Subject: report\r\n\r\nsecret body line\r\n";

static void
status_is(const char *reply, enum bounce_action a, const char *want)
{
	char out[17];

	bounce_status(reply, a, out, sizeof(out));
	assert_string_equal(out, want);
}

static void
test_status(void **state)
{
	(void)state;
	status_is("550 5.1.1 <bob@example.net>: no such user", BOUNCE_FAILED,
		  "5.1.1");
	status_is("550-5.7.26 unauthenticated", BOUNCE_FAILED, "5.7.26");
	status_is("552 5.3.4 too big", BOUNCE_FAILED, "5.3.4");
	status_is("554 no enhanced code", BOUNCE_FAILED, "5.0.0");
	/* An enhanced code of the other class is not believed. */
	status_is("550 4.1.1 confused", BOUNCE_FAILED, "5.0.0");
	status_is("550 5.1234.1 bad", BOUNCE_FAILED, "5.0.0");
	status_is("550 5.1.1x", BOUNCE_FAILED, "5.0.0");
	status_is("451 4.7.1 greylisted", BOUNCE_EXPIRED, "4.7.1");
	status_is("connection refused", BOUNCE_EXPIRED, "4.0.0");
	status_is(NULL, BOUNCE_FAILED, "5.0.0");
	status_is("", BOUNCE_DELAYED, "4.0.0");
	status_is("5", BOUNCE_FAILED, "5.0.0");
}

static void
test_wanted(void **state)
{
	(void)state;
	assert_false(bounce_wanted(""));
	assert_false(bounce_wanted(NULL));
	assert_true(bounce_wanted("alice@example.org"));
}

/* A file holding text; returns its fd. */
static int
temp_with(const char *text)
{
	char path[] = "/tmp/dsmtp-bounce-test.XXXXXX";
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	unlink(path);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	return fd;
}

static char *
make(int full, enum bounce_action action, const char *text,
     const char *reply)
{
	struct bounce_rcpt r[2] = {
		{ "bob@example.net", reply, "mx.example.net" },
		{ "carol@example.net", NULL, NULL },
	};
	struct bounce_info b = {
		.action = action, .reporting_mta = "host.example.org",
		.postmaster = "MAILER-DAEMON@example.org",
		.sender = "alice@example.org", .queue_id = "0693A1B2C3D4E5F6AB",
		.envid = "QQ314159", .arrival = 1764547200,
		.now = 1764633600, .rcpts = r, .nrcpts = 2, .full = full,
	};
	struct buf out = { 0 };
	struct err e = { 0 };
	int fd = temp_with(text);

	assert_int_equal(bounce_make(&b, fd, 0, (off_t)strlen(text), &out,
				     &e), 0);
	close(fd);
	return buf_steal(&out);
}

/* Every line ends in CRLF, none is over 998 octets, no bare CR or LF and
 * no other control character but TAB. */
static void
assert_wire_form(const char *m)
{
	const char *line = m, *p;

	for (p = m; *p != '\0'; p++) {
		if (*p == '\r') {
			assert_int_equal(p[1], '\n');
			assert_true(p - line <= 998);
			line = p + 2;
			p++;
		} else {
			assert_true(*p != '\n');
			assert_true((unsigned char)*p >= 0x20 || *p == '\t');
		}
	}
	assert_ptr_equal(line, p);
}

static void
test_failed_notification(void **state)
{
	char *m = make(0, BOUNCE_FAILED, original,
		       "550 5.1.1 no such user\x1b[2J");
	const char *boundary;

	(void)state;
	assert_wire_form(m);
	assert_non_null(strstr(m, "\r\nTo: <alice@example.org>\r\n"));
	assert_non_null(strstr(m, "From: Mail Delivery System "
				  "<MAILER-DAEMON@example.org>\r\n"));
	assert_non_null(strstr(m, "Auto-Submitted: auto-replied\r\n"));
	assert_non_null(strstr(m, "Content-Type: multipart/report; "
				  "report-type=delivery-status;"));
	boundary = strstr(m, "boundary=\"=_0693A1B2C3D4E5F6AB/");
	assert_non_null(boundary);
	assert_non_null(strstr(m, "Reporting-MTA: dns; host.example.org\r\n"));
	assert_non_null(strstr(m, "Original-Envelope-Id: QQ314159\r\n"));
	assert_non_null(strstr(m, "Arrival-Date: "));
	assert_non_null(strstr(m, "\r\n\r\nFinal-Recipient: rfc822; "
				  "bob@example.net\r\nAction: failed\r\n"
				  "Status: 5.1.1\r\nRemote-MTA: dns; "
				  "mx.example.net\r\nDiagnostic-Code: smtp; "
				  "550 5.1.1 no such user [2J\r\n"));
	assert_non_null(strstr(m, "Final-Recipient: rfc822; "
				  "carol@example.net\r\nAction: failed\r\n"
				  "Status: 5.0.0\r\n"));
	assert_null(strchr(m, '\x1b'));
	/* The headers are returned, the body is not. */
	assert_non_null(strstr(m, "Content-Type: text/rfc822-headers\r\n\r\n"
				  "From: alice@example.org\r\n"));
	assert_non_null(strstr(m, "Subject: report\r\n\r\n--=_"));
	assert_null(strstr(m, "secret body line"));
	assert_true(strlen(m) > 4 &&
		    strcmp(m + strlen(m) - 4, "--\r\n") == 0);
	free(m);
}

static void
test_full_return(void **state)
{
	char *m = make(1, BOUNCE_EXPIRED, original, "451 4.7.1 greylisted");

	(void)state;
	assert_wire_form(m);
	assert_non_null(strstr(m, "Content-Type: message/rfc822\r\n\r\n"));
	assert_non_null(strstr(m, "secret body line\r\n"));
	assert_non_null(strstr(m, "Action: failed\r\nStatus: 4.7.1\r\n"));
	assert_non_null(strstr(m, "before it\r\nexpired"));
	free(m);
}

/* An 8-bit original would need 8BITMIME: only its headers go back. */
static void
test_full_8bit_returns_headers(void **state)
{
	char *m = make(1, BOUNCE_FAILED,
		       "Subject: x\r\n\r\nr\xc3\xa4ksm\xc3\xb6rg\xc3\xa5s\r\n",
		       "554 no");

	(void)state;
	assert_non_null(strstr(m, "text/rfc822-headers\r\n\r\nSubject: x\r\n"
				  "\r\n--"));
	assert_null(strstr(m, "ksm"));
	free(m);
}

static void
test_delayed_warning(void **state)
{
	char *m = make(0, BOUNCE_DELAYED, original, "421 4.3.2 shutting down");

	(void)state;
	assert_non_null(strstr(m, "Subject: Delayed Mail"));
	assert_non_null(strstr(m, "Action: delayed\r\nStatus: 4.3.2\r\n"));
	assert_non_null(strstr(m, "need not send it again"));
	free(m);
}

/* A very long reply is cut, so no line of the notification nears 998. */
static void
test_long_reply_cut(void **state)
{
	char *reply = xmalloc(5001), *m;

	(void)state;
	memcpy(reply, "550 5.7.1 ", 10);
	memset(reply + 10, 'x', 4990);
	reply[5000] = '\0';
	m = make(0, BOUNCE_FAILED, original, reply);
	assert_wire_form(m);
	free(m);
	free(reply);
}

/* A header section without a blank line (or an empty message). */
static void
test_headers_without_body(void **state)
{
	char *m = make(0, BOUNCE_FAILED, "Subject: only\r\nX-A: b\r", "550 x");

	(void)state;
	assert_wire_form(m);
	assert_non_null(strstr(m, "X-A: b\r\n\r\n--=_"));
	free(m);
	m = make(0, BOUNCE_FAILED, "", "550 x");
	assert_wire_form(m);
	free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status),
		cmocka_unit_test(test_wanted),
		cmocka_unit_test(test_failed_notification),
		cmocka_unit_test(test_full_return),
		cmocka_unit_test(test_full_8bit_returns_headers),
		cmocka_unit_test(test_delayed_warning),
		cmocka_unit_test(test_long_reply_cut),
		cmocka_unit_test(test_headers_without_body),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
