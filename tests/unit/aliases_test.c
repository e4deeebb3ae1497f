/* aliases_test.c - unit tests for aliases.h
 *
 * Owns: the aliases grammar (comments, continuation lines, comma lists,
 *       "default:", <angles>), refusal of |pipe, /file and :include:
 *       targets with file:line, and recursive expansion with loops,
 *       duplicates and the depth limit.
 * Not:  where the file is configured (config_test.c). */

#include <config.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <cmocka.h>

#include "aliases.h"
#include "buf.h"
#include "err.h"

#define DOMAIN "example.net"

static int
parse(struct aliases *al, const char *text, struct err *e)
{
	memset(al, 0, sizeof(*al));
	return aliases_parse(al, text, strlen(text), "/etc/aliases", e);
}

static void
parse_ok(struct aliases *al, const char *text)
{
	struct err e = { 0 };

	if (parse(al, text, &e) != 0)
		fail_msg("aliases_parse failed: %s", e.msg ? e.msg : "");
	assert_int_equal(e.cls, ERR_NONE);
}

static const struct aliases_entry *
find(const struct aliases *al, const char *name)
{
	size_t i;

	for (i = 0; i < al->n; i++)
		if (strcmp(al->v[i].name, name) == 0)
			return &al->v[i];
	fail_msg("no entry %s", name);
	return NULL;
}

static void
assert_targets(const struct aliases_entry *en, const char *const *want,
	       size_t n)
{
	size_t i;

	assert_int_equal(en->ntargets, n);
	for (i = 0; i < n; i++)
		assert_string_equal(en->targets[i], want[i]);
}

/* Expand addr and compare the result with want (in order). */
static void
check_expand(const struct aliases *al, const char *addr,
	     const char *const *want, size_t n)
{
	struct strlist out = { 0 };
	struct err e = { 0 };
	size_t i;

	if (aliases_expand(al, addr, DOMAIN, &out, &e) != 0)
		fail_msg("expanding %s failed: %s", addr, e.msg ? e.msg : "");
	if (out.n != n) {
		for (i = 0; i < out.n; i++)
			print_message("# got %s\n", out.v[i]);
		fail_msg("expanding %s gave %zu addresses, want %zu", addr,
			 out.n, n);
	}
	for (i = 0; i < n; i++)
		assert_string_equal(out.v[i], want[i]);
	strlist_free(&out);
}

static void
test_strlist(void **state)
{
	struct strlist l = { 0 };
	char s[] = "mutable";

	(void)state;
	strlist_add(&l, "a@x");
	strlist_add(&l, "a@x");
	assert_int_equal(l.n, 2);
	strlist_add_unique(&l, "A@X");
	assert_int_equal(l.n, 2);
	strlist_add_unique(&l, "b@x");
	assert_int_equal(l.n, 3);
	assert_string_equal(l.v[2], "b@x");
	/* The list owns copies. */
	strlist_add(&l, s);
	s[0] = 'M';
	assert_string_equal(l.v[3], "mutable");
	strlist_free(&l);
	assert_int_equal(l.n, 0);
	assert_null(l.v);
}

static void
test_parse_simple(void **state)
{
	static const char *const root[] = { "admin@example.org" };
	struct aliases al;

	(void)state;
	parse_ok(&al, "root: admin@example.org\n");
	assert_int_equal(al.n, 1);
	assert_string_equal(al.v[0].name, "root");
	assert_int_equal(al.v[0].line, 1);
	assert_targets(&al.v[0], root, 1);
	aliases_free(&al);
	assert_int_equal(al.n, 0);
}

static void
test_parse_comments_and_blank_lines(void **state)
{
	static const char *const root[] = { "admin@example.org" };
	static const char *const pm[] = { "root" };
	struct aliases al;

	(void)state;
	parse_ok(&al, "# /etc/aliases\n"
		      "\n"
		      "# root's mail\n"
		      "root: admin@example.org\n"
		      "   \n"
		      "#postmaster: nobody@example.org\n"
		      "postmaster: root\n"
		      "# trailing comment");
	assert_int_equal(al.n, 2);
	assert_targets(find(&al, "root"), root, 1);
	assert_targets(find(&al, "postmaster"), pm, 1);
	assert_int_equal(find(&al, "root")->line, 4);
	assert_int_equal(find(&al, "postmaster")->line, 7);
	aliases_free(&al);
}

static void
test_parse_comma_list(void **state)
{
	static const char *const ops[] = { "a@example.org", "b@example.org",
					   "carol" };
	struct aliases al;

	(void)state;
	parse_ok(&al, "ops: a@example.org,b@example.org ,  carol,\n");
	assert_targets(find(&al, "ops"), ops, 3);
	aliases_free(&al);
}

static void
test_parse_continuation(void **state)
{
	static const char *const ops[] = { "a@example.org", "b@example.org",
					   "c@example.org" };
	static const char *const next[] = { "d@example.org" };
	struct aliases al;

	(void)state;
	parse_ok(&al, "ops: a@example.org,\n"
		      "     b@example.org,\n"
		      "\tc@example.org\n"
		      "next: d@example.org\n");
	assert_int_equal(al.n, 2);
	assert_targets(find(&al, "ops"), ops, 3);
	assert_int_equal(find(&al, "ops")->line, 1);
	assert_targets(find(&al, "next"), next, 1);
	assert_int_equal(find(&al, "next")->line, 4);
	aliases_free(&al);
}

static void
test_parse_crlf(void **state)
{
	static const char *const root[] = { "admin@example.org",
					    "ops@example.org" };
	struct aliases al;

	(void)state;
	parse_ok(&al, "root: admin@example.org,\r\n ops@example.org\r\n");
	assert_int_equal(al.n, 1);
	assert_targets(find(&al, "root"), root, 2);
	aliases_free(&al);
}

static void
test_parse_angles(void **state)
{
	static const char *const root[] = { "admin@example.org",
					    "ops@example.org" };
	struct aliases al;

	(void)state;
	parse_ok(&al, "root: <admin@example.org>, <ops@example.org>\n");
	assert_targets(find(&al, "root"), root, 2);
	aliases_free(&al);
}

static void
test_parse_default_and_case(void **state)
{
	static const char *const dflt[] = { "catchall@example.org" };
	struct aliases al;

	(void)state;
	parse_ok(&al, "Default: catchall@example.org\n"
		      "ROOT: admin@example.org\n");
	/* Names are stored in lower case. */
	assert_targets(find(&al, "default"), dflt, 1);
	assert_non_null(find(&al, "root"));
	aliases_free(&al);
}

static void
test_parse_no_colon(void **state)
{
	struct aliases al;
	struct err e = { 0 };

	(void)state;
	assert_int_equal(parse(&al, "root: a@example.org\n"
				    "this line has no colon\n", &e), -1);
	assert_int_equal(e.cls, ERR_CONFIG);
	assert_non_null(strstr(e.msg, "/etc/aliases:2"));
	err_clear(&e);
	aliases_free(&al);
}

/* text must be refused as ERR_CONFIG with "/etc/aliases:<line>". */
static void
check_refused(const char *text, int line, const char *shown)
{
	struct aliases al;
	struct err e = { 0 };
	char where[64];

	if (parse(&al, text, &e) != -1)
		fail_msg("accepted: %s", text);
	assert_int_equal(e.cls, ERR_CONFIG);
	assert_non_null(e.msg);
	snprintf(where, sizeof(where), "/etc/aliases:%d:", line);
	if (strstr(e.msg, where) == NULL)
		fail_msg("\"%s\" lacks \"%s\"", e.msg, where);
	if (shown != NULL && strstr(e.msg, shown) == NULL)
		fail_msg("\"%s\" lacks \"%s\"", e.msg, shown);
	err_clear(&e);
	aliases_free(&al);
}

static void
test_parse_refuses_pipe(void **state)
{
	(void)state;
	check_refused("root: admin@example.org\n"
		      "logger: |/usr/bin/logger -t mail\n", 2, "|/usr/bin");
	check_refused("# x\n\nlist: a@example.org, |/usr/bin/procmail\n", 3,
		      "|/usr/bin/procmail");
}

static void
test_parse_refuses_file(void **state)
{
	(void)state;
	check_refused("archive: /var/mail/archive\n", 1, "/var/mail/archive");
	check_refused("root: a@example.org\n"
		      "\n"
		      "copy: a@example.org, /tmp/copy\n", 3, "/tmp/copy");
}

static void
test_parse_refuses_include(void **state)
{
	(void)state;
	check_refused("staff: :include:/etc/mail/staff\n", 1, ":include:");
	check_refused("a: b@example.org\n"
		      "staff: :INCLUDE:/etc/mail/staff\n", 2, NULL);
}

/* Regression (found here, fixed in 8171048): sendmail's aliases(5) writes
 * a pipe with blanks in double quotes, the usual form for list managers;
 * it was taken as an address and handed to the relay. */
static void
test_parse_refuses_quoted_pipe(void **state)
{
	(void)state;
	check_refused("mailman: \"|/var/lib/mailman/mail/mailman post list\"\n",
		      1, NULL);
}

static void
test_parse_empty(void **state)
{
	struct aliases al;

	(void)state;
	parse_ok(&al, "");
	assert_int_equal(al.n, 0);
	aliases_free(&al);
	parse_ok(&al, "# only a comment\n\n");
	assert_int_equal(al.n, 0);
	aliases_free(&al);
}

static void
test_load_missing(void **state)
{
	struct aliases al = { 0 };
	struct err e = { 0 };

	(void)state;
	assert_int_equal(aliases_load(&al, "/nonexistent/dsmtp/aliases", 1,
				      &e), 0);
	assert_int_equal(al.n, 0);
	assert_int_equal(aliases_load(&al, "/nonexistent/dsmtp/aliases", 0,
				      &e), -1);
	assert_int_equal(e.cls, ERR_CONFIG);
	err_clear(&e);
	aliases_free(&al);
}

static void
test_load_file(void **state)
{
	static const char text[] = "root: admin@example.org\n"
				   "bad: |/bin/true\n";
	static const char *const root[] = { "admin@example.org" };
	char path[] = "/tmp/aliases_test.XXXXXX";
	struct aliases al = { 0 };
	struct err e = { 0 };
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, 24), 24);
	close(fd);
	assert_int_equal(aliases_load(&al, path, 0, &e), 0);
	assert_targets(find(&al, "root"), root, 1);
	aliases_free(&al);
	fd = open(path, O_WRONLY | O_APPEND);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text + 24, strlen(text + 24)),
			 (ssize_t)strlen(text + 24));
	close(fd);
	/* Messages name the file that was read. */
	assert_int_equal(aliases_load(&al, path, 0, &e), -1);
	assert_int_equal(e.cls, ERR_CONFIG);
	assert_non_null(strstr(e.msg, path));
	assert_non_null(strstr(e.msg, ":2:"));
	err_clear(&e);
	aliases_free(&al);
	unlink(path);
}

static void
test_expand_recursive(void **state)
{
	static const char *const want[] = { "admin@example.org" };
	struct aliases al;

	(void)state;
	parse_ok(&al, "logcheck: root\n"
		      "root: admin@example.org\n");
	check_expand(&al, "logcheck", want, 1);
	check_expand(&al, "root", want, 1);
	/* Names are looked up ignoring case. */
	check_expand(&al, "LogCheck", want, 1);
	aliases_free(&al);
}

static void
test_expand_unknown_qualified(void **state)
{
	static const char *const bob[] = { "bob@example.net" };
	static const char *const full[] = { "bob@example.org" };
	struct aliases al;

	(void)state;
	parse_ok(&al, "root: admin@example.org\n");
	check_expand(&al, "bob", bob, 1);
	check_expand(&al, "bob@example.org", full, 1);
	aliases_free(&al);
}

static void
test_expand_full_address_not_looked_up(void **state)
{
	static const char *const want[] = { "root@example.org" };
	struct aliases al;

	(void)state;
	parse_ok(&al, "root: admin@example.org\n"
		      "default: catchall@example.org\n");
	/* Only bare local names go through the table. */
	check_expand(&al, "root@example.org", want, 1);
	aliases_free(&al);
}

static void
test_expand_default(void **state)
{
	static const char *const other[] = { "catchall@example.org" };
	static const char *const root[] = { "admin@example.org" };
	struct aliases al;

	(void)state;
	parse_ok(&al, "root: admin@example.org\n"
		      "default: catchall@example.org\n");
	check_expand(&al, "someone", other, 1);
	check_expand(&al, "root", root, 1);
	aliases_free(&al);
}

static void
test_expand_list_and_nested(void **state)
{
	static const char *const want[] = { "a@example.org",
					    "admin@example.org",
					    "bob@example.net" };
	struct aliases al;

	(void)state;
	parse_ok(&al, "ops: a@example.org, root, bob\n"
		      "root: admin@example.org\n");
	check_expand(&al, "ops", want, 3);
	aliases_free(&al);
}

static void
test_expand_loop(void **state)
{
	static const char *const want[] = { "a@example.net" };
	struct aliases al;

	(void)state;
	parse_ok(&al, "a: b\n"
		      "b: a\n");
	/* a -> b -> a: the name met again ends the walk, qualified. */
	check_expand(&al, "a", want, 1);
	aliases_free(&al);
}

static void
test_expand_loop_three(void **state)
{
	static const char *const want[] = { "x@example.org", "a@example.net" };
	struct aliases al;

	(void)state;
	parse_ok(&al, "a: b\n"
		      "b: c\n"
		      "c: x@example.org, a\n");
	check_expand(&al, "a", want, 2);
	aliases_free(&al);
}

static void
test_expand_self_reference(void **state)
{
	static const char *const want[] = { "root@example.net",
					    "admin@example.org" };
	static const char *const only[] = { "root@example.net" };
	struct aliases al;

	(void)state;
	parse_ok(&al, "root: root, admin@example.org\n");
	check_expand(&al, "root", want, 2);
	aliases_free(&al);
	parse_ok(&al, "root: root\n");
	check_expand(&al, "root", only, 1);
	aliases_free(&al);
}

static void
test_expand_dedupe_ignoring_case(void **state)
{
	static const char *const want[] = { "Admin@Example.org",
					    "ops@example.org" };
	struct aliases al;
	struct strlist out = { 0 };
	struct err e = { 0 };

	(void)state;
	parse_ok(&al, "list: Admin@Example.org, admin@example.ORG, root\n"
		      "root: ADMIN@example.org, ops@example.org\n");
	check_expand(&al, "list", want, 2);
	/* Duplicates across several expansions into one list. */
	assert_int_equal(aliases_expand(&al, "list", DOMAIN, &out, &e), 0);
	assert_int_equal(aliases_expand(&al, "root", DOMAIN, &out, &e), 0);
	assert_int_equal(aliases_expand(&al, "OPS@EXAMPLE.ORG", DOMAIN, &out,
					&e), 0);
	assert_int_equal(out.n, 2);
	strlist_free(&out);
	aliases_free(&al);
}

/* A chain n0 -> n1 -> ... -> n<len> -> end@example.org. */
static void
make_chain(struct aliases *al, int len)
{
	struct buf b = { 0 };
	int i;

	for (i = 0; i < len; i++)
		buf_printf(&b, "n%d: n%d\n", i, i + 1);
	buf_printf(&b, "n%d: end@example.org\n", len);
	parse_ok(al, buf_cstr(&b));
	buf_free(&b);
}

static void
test_expand_depth_limit(void **state)
{
	static const char *const want[] = { "end@example.org" };
	struct aliases al;
	struct strlist out = { 0 };
	struct err e = { 0 };

	(void)state;
	make_chain(&al, 20);
	check_expand(&al, "n0", want, 1);
	aliases_free(&al);
	make_chain(&al, 40);
	assert_int_equal(aliases_expand(&al, "n0", DOMAIN, &out, &e), -1);
	assert_int_equal(e.cls, ERR_DATA);
	assert_non_null(e.msg);
	err_clear(&e);
	strlist_free(&out);
	/* Starting near the end of the chain is shallow enough. */
	check_expand(&al, "n30", want, 1);
	aliases_free(&al);
}

/* Regression (found here, fixed in 8171048): 32 alias lookups are
 * allowed, the 33rd is "deeper than 32 levels". The final address, which
 * needs no lookup, used to count as a level. */
static void
test_expand_depth_boundary(void **state)
{
	static const char *const want[] = { "end@example.org" };
	struct aliases al;
	struct strlist out = { 0 };
	struct err e = { 0 };

	(void)state;
	/* 33 lookups: deeper than 32, refused. */
	make_chain(&al, 32);
	assert_int_equal(aliases_expand(&al, "n0", DOMAIN, &out, &e), -1);
	assert_int_equal(e.cls, ERR_DATA);
	err_clear(&e);
	strlist_free(&out);
	/* 32 lookups: allowed. */
	check_expand(&al, "n1", want, 1);
	aliases_free(&al);
}

static void
test_expand_empty_table(void **state)
{
	static const char *const want[] = { "root@example.net" };
	struct aliases al = { 0 };

	(void)state;
	check_expand(&al, "root", want, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strlist),
		cmocka_unit_test(test_parse_simple),
		cmocka_unit_test(test_parse_comments_and_blank_lines),
		cmocka_unit_test(test_parse_comma_list),
		cmocka_unit_test(test_parse_continuation),
		cmocka_unit_test(test_parse_crlf),
		cmocka_unit_test(test_parse_angles),
		cmocka_unit_test(test_parse_default_and_case),
		cmocka_unit_test(test_parse_no_colon),
		cmocka_unit_test(test_parse_refuses_pipe),
		cmocka_unit_test(test_parse_refuses_file),
		cmocka_unit_test(test_parse_refuses_include),
		cmocka_unit_test(test_parse_refuses_quoted_pipe),
		cmocka_unit_test(test_parse_empty),
		cmocka_unit_test(test_load_missing),
		cmocka_unit_test(test_load_file),
		cmocka_unit_test(test_expand_recursive),
		cmocka_unit_test(test_expand_unknown_qualified),
		cmocka_unit_test(test_expand_full_address_not_looked_up),
		cmocka_unit_test(test_expand_default),
		cmocka_unit_test(test_expand_list_and_nested),
		cmocka_unit_test(test_expand_loop),
		cmocka_unit_test(test_expand_loop_three),
		cmocka_unit_test(test_expand_self_reference),
		cmocka_unit_test(test_expand_dedupe_ignoring_case),
		cmocka_unit_test(test_expand_depth_limit),
		cmocka_unit_test(test_expand_depth_boundary),
		cmocka_unit_test(test_expand_empty_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
