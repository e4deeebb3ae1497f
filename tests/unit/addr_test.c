/* addr_test.c - unit tests for addr.h
 *
 * Owns: envelope address checks (control characters, length, RFC 5321
 *       Mailbox syntax), adding the qualify domain, stripping angle
 *       brackets, the domain part.
 * Not:  header address lists (rfc5322_test.c), aliases (aliases_test.c). */

#include <config.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "addr.h"
#include "err.h"

/* addr_check must refuse addr as ERR_DATA and name what in the text. */
static void
assert_refused(const char *addr, const char *what)
{
	struct err e = { 0 };

	if (addr_check(addr, what, &e) != -1)
		fail_msg("addr_check accepted \"%s\"", addr);
	assert_int_equal(e.cls, ERR_DATA);
	assert_non_null(e.msg);
	assert_non_null(strstr(e.msg, what));
	err_clear(&e);
}

static void
assert_accepted(const char *addr)
{
	struct err e = { 0 };

	if (addr_check(addr, "recipient", &e) != 0)
		fail_msg("addr_check refused \"%s\": %s", addr,
			 e.msg ? e.msg : "");
	assert_int_equal(e.cls, ERR_NONE);
	assert_null(e.msg);
}

static void
test_addr_check_plain(void **state)
{
	(void)state;
	assert_accepted("user@example.org");
	assert_accepted("root");
	assert_accepted("");
	assert_accepted("\"john doe\"@example.org");
	assert_accepted("first.last+tag@sub.example.org");
}

static void
test_addr_check_utf8_accepted(void **state)
{
	(void)state;
	/* 8-bit UTF-8 is not a control character (SMTPUTF8 decides). */
	assert_accepted("j\xc3\xb6rg@example.org");
	assert_accepted("user@b\xc3\xbc" "cher.example");
}

static void
test_addr_check_cr(void **state)
{
	(void)state;
	assert_refused("user@example.org\r", "recipient");
	/* C1 in UTF-8: CSI (U+009B) would drive a terminal reading mailq. */
	assert_refused("evil\xc2\x9b" "2J@example.org", "sender");
	assert_refused("x\xc2\x80@example.org", "recipient");
	assert_refused("user\r@example.org", "recipient");
	assert_refused("\ruser@example.org", "sender");
}

static void
test_addr_check_lf(void **state)
{
	(void)state;
	assert_refused("user@example.org\n", "recipient");
	assert_refused("a@example.org\nRCPT TO:<evil@example.com>",
		       "recipient");
	assert_refused("a@example.org\r\nDATA", "sender");
}

static void
test_addr_check_tab(void **state)
{
	(void)state;
	assert_refused("user\t@example.org", "recipient");
}

static void
test_addr_check_other_controls(void **state)
{
	char addr[32];
	int c;

	(void)state;
	/* Every C0 control but NUL (which ends a C string). */
	for (c = 1; c < 0x20; c++) {
		snprintf(addr, sizeof(addr), "us%cer@example.org", c);
		assert_refused(addr, "recipient");
	}
	assert_refused("\x1b[31m@example.org", "sender");
}

static void
test_addr_check_del(void **state)
{
	(void)state;
	assert_refused("user\x7f@example.org", "recipient");
	assert_refused("\x7f", "sender");
}

static void
test_addr_check_length(void **state)
{
	static char addr[1100];

	(void)state;
	/* 998 octets are fine, 999 are too long. */
	memset(addr, 'a', 998);
	memcpy(addr + 998 - 12, "@example.org", 12);
	addr[998] = '\0';
	assert_accepted(addr);
	memset(addr, 'a', 999);
	memcpy(addr + 999 - 12, "@example.org", 12);
	addr[999] = '\0';
	assert_refused(addr, "recipient");
	memset(addr, 'b', 1099);
	addr[1099] = '\0';
	assert_refused(addr, "sender");
}

static void
check_qualify(const char *addr, const char *domain, const char *want)
{
	char *q = addr_qualify(addr, domain);

	assert_non_null(q);
	assert_string_equal(q, want);
	/* Caller frees: never the argument itself. */
	assert_ptr_not_equal(q, addr);
	free(q);
}

static void
test_addr_qualify(void **state)
{
	(void)state;
	check_qualify("root", "example.net", "root@example.net");
	check_qualify("www-data", "mail.example.net",
		      "www-data@mail.example.net");
	check_qualify("admin@example.org", "example.net", "admin@example.org");
	check_qualify("a@b@c", "example.net", "a@b@c");
}

static void
test_addr_qualify_null_sender(void **state)
{
	(void)state;
	/* The null sender stays empty. */
	check_qualify("", "example.net", "");
}

static void
check_strip(const char *addr, const char *want)
{
	char *s = addr_strip_angles(addr);

	assert_non_null(s);
	assert_string_equal(s, want);
	assert_ptr_not_equal(s, addr);
	free(s);
}

static void
test_addr_strip_angles(void **state)
{
	(void)state;
	check_strip("<a@b.example>", "a@b.example");
	check_strip("a@b.example", "a@b.example");
	check_strip("<>", "");
	check_strip("", "");
	/* One level only. */
	check_strip("<<a@b.example>>", "<a@b.example>");
	/* Unbalanced brackets are left alone. */
	check_strip("<a@b.example", "<a@b.example");
	check_strip("a@b.example>", "a@b.example>");
	check_strip("<", "<");
}

static void
test_addr_domain(void **state)
{
	const char *a = "user@example.org";
	const char *b = "odd@name@mail.example.org";
	const char *c = "root";
	const char *d = "user@";

	(void)state;
	assert_string_equal(addr_domain(a), "example.org");
	/* Borrows from addr. */
	assert_ptr_equal(addr_domain(a), a + 5);
	/* After the last '@'. */
	assert_string_equal(addr_domain(b), "mail.example.org");
	assert_ptr_equal(addr_domain(b), b + 9);
	assert_string_equal(addr_domain(c), "");
	assert_string_equal(addr_domain(d), "");
	assert_string_equal(addr_domain(""), "");
}

static void
test_addr_default_domain(void **state)
{
	char *d = addr_default_domain();

	(void)state;
	assert_non_null(d);
	assert_true(d[0] != '\0');
	assert_null(strpbrk(d, " \t\r\n"));
	free(d);
}

/* addr_normalize must refuse addr as ERR_DATA, with no output. */
static void
assert_not_mailbox(const char *addr)
{
	struct err e = { 0 };
	char *out = (char *)"unset";
	int utf8 = 0;

	if (addr_normalize(addr, &out, &utf8, &e) != -1)
		fail_msg("addr_normalize accepted \"%s\" as \"%s\"", addr,
			 out ? out : "");
	assert_null(out);
	assert_int_equal(e.cls, ERR_DATA);
	assert_non_null(e.msg);
	assert_null(strchr(e.msg, '\n'));
	err_clear(&e);
}

static void
check_mailbox(const char *addr, const char *want, int want_utf8)
{
	struct err e = { 0 };
	char *out = NULL;
	int utf8 = -1;

	if (addr_normalize(addr, &out, &utf8, &e) != 0)
		fail_msg("addr_normalize refused \"%s\": %s", addr,
			 e.msg ? e.msg : "");
	assert_string_equal(out, want);
	assert_int_equal(utf8, want_utf8);
	free(out);
}

static void
test_addr_normalize_esmtp_injection(void **state)
{
	(void)state;
	/* The -f value of issue 9 item 1, and its relatives. */
	assert_not_mailbox("a@example.org> RET=HDRS ENVID=@example.org");
	assert_not_mailbox("a@example.org> SIZE=1@example.org");
	assert_not_mailbox("a> NOTIFY=NEVER@example.org");
	assert_not_mailbox("<a@example.org>");
	assert_not_mailbox("a<b@example.org");
	assert_not_mailbox("\"a> RET=HDRS\"@example.org");
	assert_not_mailbox("\"a<\"@example.org");
	assert_not_mailbox("a@[x> RET=HDRS ENVID=]");
	assert_not_mailbox("a@[tag:x> RET=HDRS]");
}

static void
test_addr_normalize_blanks(void **state)
{
	(void)state;
	assert_not_mailbox("john doe@example.org");
	assert_not_mailbox(" a@example.org");
	assert_not_mailbox("a @example.org");
	assert_not_mailbox("a@example.org ");
	assert_not_mailbox("a@exa mple.org");
	/* Blanks are fine inside a quoted local part. */
	check_mailbox("\"john doe\"@example.org", "\"john doe\"@example.org", 0);
}

static void
test_addr_normalize_local_syntax(void **state)
{
	(void)state;
	assert_not_mailbox("@example.org");
	assert_not_mailbox(".a@example.org");
	assert_not_mailbox("a.@example.org");
	assert_not_mailbox("a..b@example.org");
	assert_not_mailbox("a@b@example.org");
	assert_not_mailbox("a(comment)@example.org");
	assert_not_mailbox("a,b@example.org");
	assert_not_mailbox("a;b@example.org");
	assert_not_mailbox("a:b@example.org");
	assert_not_mailbox("a[b]@example.org");
	assert_not_mailbox("a\\b@example.org");
	assert_not_mailbox("\"a@example.org");
	assert_not_mailbox("a\"@example.org");
	assert_not_mailbox("\"a\"b\"@example.org");
	assert_not_mailbox("\"a\\\"@example.org");
	assert_not_mailbox("\"\"x@example.org");
	assert_not_mailbox("\"a\"\"b\"@example.org");
	/* A bare name is not a Mailbox (qualification adds the domain). */
	assert_not_mailbox("root");
	assert_not_mailbox("a@");
	check_mailbox("first.last+tag@sub.example.org",
		      "first.last+tag@sub.example.org", 0);
	check_mailbox("!#$%&'*+-/=?^_`{|}~@example.org",
		      "!#$%&'*+-/=?^_`{|}~@example.org", 0);
	check_mailbox("\"a@b\"@example.org", "\"a@b\"@example.org", 0);
	check_mailbox("\"a\\\"b\"@example.org", "\"a\\\"b\"@example.org", 0);
	check_mailbox("\"\"@example.org", "\"\"@example.org", 0);
	check_mailbox("", "", 0);
}

static void
test_addr_normalize_utf8(void **state)
{
	(void)state;
	check_mailbox("j\xc3\xb6rg@example.org", "j\xc3\xb6rg@example.org", 1);
	check_mailbox("user@b\xc3\xbc" "cher.example",
		      "user@xn--bcher-kva.example", 0);
	assert_not_mailbox("j\xc3rg@example.org");
}

static void
test_addr_normalize_literals(void **state)
{
	(void)state;
	check_mailbox("a@[192.0.2.1]", "a@[192.0.2.1]", 0);
	check_mailbox("a@[IPv6:2001:db8::1]", "a@[IPv6:2001:db8::1]", 0);
	check_mailbox("a@[ipv6:::1]", "a@[ipv6:::1]", 0);
	assert_not_mailbox("a@[192.0.2.256]");
	assert_not_mailbox("a@[2001:db8::1]");
	assert_not_mailbox("a@[IPv6:192.0.2.1x]");
	assert_not_mailbox("a@[]");
	assert_not_mailbox("a@[");
	assert_not_mailbox("a@[192.0.2.1");
	assert_not_mailbox("a@[192.0.2.1]x");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addr_check_plain),
		cmocka_unit_test(test_addr_check_utf8_accepted),
		cmocka_unit_test(test_addr_check_cr),
		cmocka_unit_test(test_addr_check_lf),
		cmocka_unit_test(test_addr_check_tab),
		cmocka_unit_test(test_addr_check_other_controls),
		cmocka_unit_test(test_addr_check_del),
		cmocka_unit_test(test_addr_check_length),
		cmocka_unit_test(test_addr_qualify),
		cmocka_unit_test(test_addr_qualify_null_sender),
		cmocka_unit_test(test_addr_strip_angles),
		cmocka_unit_test(test_addr_domain),
		cmocka_unit_test(test_addr_default_domain),
		cmocka_unit_test(test_addr_normalize_esmtp_injection),
		cmocka_unit_test(test_addr_normalize_blanks),
		cmocka_unit_test(test_addr_normalize_local_syntax),
		cmocka_unit_test(test_addr_normalize_utf8),
		cmocka_unit_test(test_addr_normalize_literals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
