/* rfc5322_test.c - unit tests for rfc5322.h
 *
 * Owns: header field name detection, address-list parsing (display
 *       names, comments, quoted strings, groups, folding, empty elements,
 *       source routes) with the span of each address, and the date format.
 * Not:  what callers do with the addresses (message_test.c). */

#include <config.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "rfc5322.h"

static size_t
name_len(const char *line)
{
	return rfc5322_field_name(line, strlen(line));
}

static void
test_field_name(void **state)
{
	(void)state;
	assert_int_equal(name_len("Subject: hello"), 7);
	assert_int_equal(name_len("To:a@example.org"), 2);
	assert_int_equal(name_len("X-Mailer: x"), 8);
	assert_int_equal(name_len("Subject:"), 7);
	assert_int_equal(name_len("Content-Type: text/plain"), 12);
	/* Any printable US-ASCII but ':' may be in a name. */
	assert_int_equal(name_len("X!#$%&'*+-/=?^_`{|}~.@[]\"(),;<>\\: v"), 32);
}

static void
test_field_name_obsolete_blank(void **state)
{
	(void)state;
	/* RFC 5322 4.5.8: blanks before the colon. */
	assert_int_equal(name_len("Subject : hello"), 7);
	assert_int_equal(name_len("Subject\t: hello"), 7);
	assert_int_equal(name_len("To  \t :a@example.org"), 2);
}

static void
test_field_name_invalid(void **state)
{
	(void)state;
	assert_int_equal(name_len(""), 0);
	assert_int_equal(name_len(": no name"), 0);
	assert_int_equal(name_len(" Subject: continuation"), 0);
	assert_int_equal(name_len("\tSubject: continuation"), 0);
	assert_int_equal(name_len("Subject hello"), 0);
	assert_int_equal(name_len("Subject"), 0);
	assert_int_equal(name_len("Sub ject: x"), 0);
	assert_int_equal(name_len("From root@example.org Mon Jan  1"), 0);
	assert_int_equal(name_len("Subj\xc3\xa9" "ct: x"), 0);
	assert_int_equal(name_len("Sub\x7f" "ject: x"), 0);
	assert_int_equal(name_len("Sub\x01ject: x"), 0);
	assert_int_equal(name_len("Hello world, this is the body"), 0);
	assert_int_equal(name_len("Subject : "), 7);
	/* Only len bytes are looked at. */
	assert_int_equal(rfc5322_field_name("Subject: x", 7), 0);
	assert_int_equal(rfc5322_field_name("Subject: x", 8), 7);
}

static void
test_field_is(void **state)
{
	(void)state;
	assert_true(rfc5322_field_is("Subject: x", 7, "Subject"));
	assert_true(rfc5322_field_is("SUBJECT: x", 7, "subject"));
	assert_true(rfc5322_field_is("message-id: <x>", 10, "Message-ID"));
	assert_false(rfc5322_field_is("Subject: x", 7, "Subj"));
	assert_false(rfc5322_field_is("Subject: x", 7, "Subjects"));
	assert_false(rfc5322_field_is("Resent-To: x", 9, "To"));
	assert_false(rfc5322_field_is("To: x", 2, "Cc"));
}

static void
test_value_offset(void **state)
{
	const char *l1 = "Subject: hello";
	const char *l2 = "To:a@example.org";
	const char *l3 = "Subject : x";

	(void)state;
	assert_int_equal(rfc5322_value_offset(l1, strlen(l1)), 8);
	assert_int_equal(rfc5322_value_offset(l2, strlen(l2)), 3);
	assert_int_equal(rfc5322_value_offset(l3, strlen(l3)), 9);
}

/* Parse value and compare the addresses with want; each address's span
 * must hold exactly the text given in spans (NULL: the address itself). */
static void
check_addrs(const char *value, const char *const *want,
	    const char *const *spans, size_t n)
{
	struct rfc5322_addrs a = { 0 };
	size_t i, len;

	rfc5322_parse_addrs(value, strlen(value), &a);
	if (a.n != n) {
		for (i = 0; i < a.n; i++)
			print_message("# got <%s>\n", a.v[i].addr);
		fail_msg("\"%s\": %zu addresses, want %zu", value, a.n, n);
	}
	for (i = 0; i < n; i++) {
		const char *span = spans && spans[i] ? spans[i] : want[i];

		assert_string_equal(a.v[i].addr, want[i]);
		assert_true(a.v[i].start <= a.v[i].end);
		assert_true(a.v[i].end <= strlen(value));
		len = a.v[i].end - a.v[i].start;
		if (len != strlen(span) ||
		    memcmp(value + a.v[i].start, span, len) != 0)
			fail_msg("\"%s\": span of %s is \"%.*s\", want \"%s\"",
				 value, want[i], (int)len,
				 value + a.v[i].start, span);
	}
	rfc5322_addrs_free(&a);
	assert_int_equal(a.n, 0);
}

static void
test_addrs_plain(void **state)
{
	static const char *const one[] = { "a@example.org" };
	static const char *const two[] = { "a@example.org", "b@example.org" };

	(void)state;
	check_addrs("a@example.org", one, NULL, 1);
	check_addrs(" a@example.org ", one, NULL, 1);
	check_addrs("a@example.org, b@example.org", two, NULL, 2);
	check_addrs("a@example.org,b@example.org", two, NULL, 2);
}

static void
test_addrs_name_angle(void **state)
{
	static const char *const one[] = { "a@example.org" };
	static const char *const two[] = { "a@example.org", "b@example.org" };

	(void)state;
	check_addrs("Name <a@example.org>", one, NULL, 1);
	check_addrs("Full Name <a@example.org>, Other <b@example.org>", two,
		    NULL, 2);
	check_addrs("<a@example.org>", one, NULL, 1);
	check_addrs("Name<a@example.org>", one, NULL, 1);
	check_addrs("Name < a@example.org >", one, NULL, 1);
	check_addrs("Name <a@example.org> (work)", one, NULL, 1);
}

static void
test_addrs_comment(void **state)
{
	static const char *const one[] = { "a@example.org" };
	static const char *const root[] = { "root" };
	static const char *const two[] = { "a@example.org", "b@example.org" };

	(void)state;
	check_addrs("a@example.org (comment)", one, NULL, 1);
	check_addrs("(before) a@example.org", one, NULL, 1);
	check_addrs("root (Cron Daemon)", root, NULL, 1);
	/* Commas, '<' and ':' inside a comment do not count. */
	check_addrs("a@example.org (x, y <z> : w), b@example.org", two, NULL,
		    2);
}

static void
test_addrs_nested_comments(void **state)
{
	static const char *const two[] = { "a@example.org", "b@example.org" };

	(void)state;
	check_addrs("a@example.org (outer (inner, still) outer), b@example.org",
		    two, NULL, 2);
	check_addrs("(a (b (c)) d) a@example.org, b@example.org ((x))", two,
		    NULL, 2);
	check_addrs("a@example.org (esc \\) still, comment), b@example.org",
		    two, NULL, 2);
}

static void
test_addrs_quoted_names(void **state)
{
	static const char *const two[] = { "j@example.org", "o@example.org" };
	static const char *const one[] = { "c@example.org" };
	static const char *const q[] = { "\"john doe\"@example.org" };

	(void)state;
	check_addrs("\"Doe, John\" <j@example.org>, o@example.org", two, NULL,
		    2);
	check_addrs("\"Doe; John: <x@y>\" <j@example.org>, \"Z\" "
		    "<o@example.org>", two, NULL, 2);
	check_addrs("\"a \\\"quoted\\\" <b@x>, name\" <c@example.org>", one,
		    NULL, 1);
	/* A quoted local part is kept as written. */
	check_addrs("\"john doe\"@example.org", q, NULL, 1);
}

static void
test_addrs_groups(void **state)
{
	static const char *const two[] = { "a@example.org", "c@example.org" };
	static const char *const three[] = { "a@example.org", "c@example.org",
					     "e@example.org" };

	(void)state;
	check_addrs("undisclosed-recipients:;", NULL, NULL, 0);
	check_addrs("undisclosed-recipients: ;", NULL, NULL, 0);
	check_addrs("g: a@example.org, c@example.org;", two, NULL, 2);
	check_addrs("g: a@example.org, Cee <c@example.org>;, e@example.org",
		    three, NULL, 3);
	check_addrs("\"The: Group\": a@example.org, c@example.org;", two,
		    NULL, 2);
	check_addrs("a@example.org, empty:;, c@example.org", two, NULL, 2);
}

static void
test_addrs_folded(void **state)
{
	static const char *const three[] = { "a@example.org", "b@example.org",
					     "c@example.org" };

	(void)state;
	check_addrs(" a@example.org,\r\n b@example.org,\r\n\tc@example.org\r\n",
		    three, NULL, 3);
	check_addrs(" Ay\r\n <a@example.org>, \"Bee\"\r\n\t<b@example.org>,"
		    "\r\n c@example.org (x\r\n y)\r\n", three, NULL, 3);
}

static void
test_addrs_empty_elements(void **state)
{
	static const char *const root[] = { "root" };
	static const char *const two[] = { "a@example.org", "b@example.org" };

	(void)state;
	check_addrs("root,", root, NULL, 1);
	check_addrs(" root, ", root, NULL, 1);
	check_addrs(",,a@example.org,, ,b@example.org,", two, NULL, 2);
	check_addrs("", NULL, NULL, 0);
	check_addrs("   \r\n", NULL, NULL, 0);
	check_addrs(",", NULL, NULL, 0);
	check_addrs("(only a comment)", NULL, NULL, 0);
}

static void
test_addrs_source_route(void **state)
{
	static const char *const one[] = { "user@c.example" };

	(void)state;
	check_addrs("<@a.example,@b.example:user@c.example>", one, NULL, 1);
	check_addrs("Name <@a.example:user@c.example>", one, NULL, 1);
}

/* Regression (found here, fixed in 8171048): a domain literal (RFC 5322
 * 3.4.1) may hold ':' ("[IPv6:2001:db8::1]"); each ':' used to be taken
 * for the end of a group's display name, losing the address. */
static void
test_addrs_domain_literal(void **state)
{
	static const char *const v4[] = { "a@[192.0.2.1]" };
	static const char *const v6[] = { "a@[IPv6:2001:db8::1]",
					  "b@example.org" };

	(void)state;
	check_addrs("a@[192.0.2.1]", v4, NULL, 1);
	check_addrs("A <a@[IPv6:2001:db8::1]>, b@example.org", v6, NULL, 2);
	check_addrs("a@[IPv6:2001:db8::1], b@example.org", v6, NULL, 2);
}

static void
test_addrs_bare_names(void **state)
{
	static const char *const one[] = { "root" };
	static const char *const two[] = { "root", "logcheck" };

	(void)state;
	check_addrs("root", one, NULL, 1);
	check_addrs("root, logcheck", two, NULL, 2);
	check_addrs("Admin <root>", one, NULL, 1);
}

static void
test_addrs_positions(void **state)
{
	static const char v[] = "\"Doe, John\" <j@example.org>, "
				"o@example.org (c), g: r@x.example;";
	static const char *const want[] = { "j@example.org", "o@example.org",
					    "r@x.example" };
	struct rfc5322_addrs a = { 0 };
	size_t i;

	(void)state;
	rfc5322_parse_addrs(v, strlen(v), &a);
	assert_int_equal(a.n, 3);
	for (i = 0; i < 3; i++) {
		const char *at = strstr(v, want[i]);

		assert_int_equal(a.v[i].start, (size_t)(at - v));
		assert_int_equal(a.v[i].end,
				 (size_t)(at - v) + strlen(want[i]));
	}
	rfc5322_addrs_free(&a);
}

static void
test_addrs_position_bare_from(void **state)
{
	static const char v[] = " root (Cron Daemon)\r\n";
	struct rfc5322_addrs a = { 0 };

	(void)state;
	/* message_fix inserts "@domain" at end: it must be right after
	 * the name. */
	rfc5322_parse_addrs(v, strlen(v), &a);
	assert_int_equal(a.n, 1);
	assert_int_equal(a.v[0].start, 1);
	assert_int_equal(a.v[0].end, 5);
	rfc5322_addrs_free(&a);
}

static void
test_addrs_append(void **state)
{
	struct rfc5322_addrs a = { 0 };

	(void)state;
	rfc5322_parse_addrs("a@example.org", 13, &a);
	rfc5322_parse_addrs("b@example.org, c@example.org", 28, &a);
	assert_int_equal(a.n, 3);
	assert_string_equal(a.v[0].addr, "a@example.org");
	assert_string_equal(a.v[2].addr, "c@example.org");
	rfc5322_addrs_free(&a);
}

static void
test_addrs_unterminated(void **state)
{
	struct rfc5322_addrs a = { 0 };
	static const char *const bad[] = {
		"\"unterminated <a@example.org>",
		"(unterminated a@example.org",
		"Name <a@example.org",
		"<",
		">",
		"\"",
		"\\",
		"a@example.org \\",
		";;;:::,,,",
	};
	size_t i;

	(void)state;
	/* Never fails, never reads past len. */
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		rfc5322_parse_addrs(bad[i], strlen(bad[i]), &a);
		rfc5322_addrs_free(&a);
	}
	/* Only len bytes are parsed. */
	rfc5322_parse_addrs("a@example.org, b@example.org", 13, &a);
	assert_int_equal(a.n, 1);
	assert_string_equal(a.v[0].addr, "a@example.org");
	rfc5322_addrs_free(&a);
}

static void
check_date(const char *tz, time_t t, const char *want)
{
	char out[64];

	setenv("TZ", tz, 1);
	tzset();
	memset(out, 'x', sizeof(out));
	rfc5322_date(t, out, sizeof(out));
	assert_string_equal(out, want);
}

static void
test_date(void **state)
{
	(void)state;
	check_date("UTC", 0, "Thu, 1 Jan 1970 00:00:00 +0000");
	check_date("UTC", 1700000000, "Tue, 14 Nov 2023 22:13:20 +0000");
	check_date("UTC", 951782400, "Tue, 29 Feb 2000 00:00:00 +0000");
	check_date("UTC", 1767225599, "Wed, 31 Dec 2025 23:59:59 +0000");
	/* POSIX TZ strings need no zone files. */
	check_date("EST5", 1700000000, "Tue, 14 Nov 2023 17:13:20 -0500");
	check_date("IST-5:30", 1700000000, "Wed, 15 Nov 2023 03:43:20 +0530");
	check_date("NST3:30", 1700000000, "Tue, 14 Nov 2023 18:43:20 -0330");
	unsetenv("TZ");
	tzset();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_field_name),
		cmocka_unit_test(test_field_name_obsolete_blank),
		cmocka_unit_test(test_field_name_invalid),
		cmocka_unit_test(test_field_is),
		cmocka_unit_test(test_value_offset),
		cmocka_unit_test(test_addrs_plain),
		cmocka_unit_test(test_addrs_name_angle),
		cmocka_unit_test(test_addrs_comment),
		cmocka_unit_test(test_addrs_nested_comments),
		cmocka_unit_test(test_addrs_quoted_names),
		cmocka_unit_test(test_addrs_groups),
		cmocka_unit_test(test_addrs_folded),
		cmocka_unit_test(test_addrs_empty_elements),
		cmocka_unit_test(test_addrs_source_route),
		cmocka_unit_test(test_addrs_domain_literal),
		cmocka_unit_test(test_addrs_bare_names),
		cmocka_unit_test(test_addrs_positions),
		cmocka_unit_test(test_addrs_position_bare_from),
		cmocka_unit_test(test_addrs_append),
		cmocka_unit_test(test_addrs_unterminated),
		cmocka_unit_test(test_date),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
