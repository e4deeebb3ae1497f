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
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "aliases.h"
#include "buf.h"
#include "err.h"
#include "testclock.h"

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

/* Issue 8 item 3.8: as in msmtp's aliases file, a '#' after an entry
 * starts a comment (not inside double quotes), on continuation lines
 * too. */
static void
test_parse_trailing_comment(void **state)
{
	static const char *const bob[] = { "b1@example.net", "b2@example.net" };
	static const char *const team[] = { "t1@example.net", "t2@example.net" };
	static const char *const q[] = { "\"a#b\"@example.net" };
	struct aliases al;

	(void)state;
	parse_ok(&al, "bob: b1@example.net, b2@example.net # Bob's two\n"
		      "team: t1@example.net,#the first\n"
		      "  t2@example.net # and the second\n"
		      "q: \"a#b\"@example.net\n"
		      "   # an indented comment\n");
	assert_int_equal(al.n, 3);
	assert_targets(find(&al, "bob"), bob, 2);
	assert_targets(find(&al, "team"), team, 2);
	assert_targets(find(&al, "q"), q, 1);
	aliases_free(&al);
}

/* Issue 8 item 3.2: "aliases" with an empty argument means no aliases
 * file at all. */
static void
test_load_empty_path(void **state)
{
	struct aliases al = { 0 };
	struct err e = { 0 };

	(void)state;
	assert_int_equal(aliases_load(&al, "", 0, &e), 0);
	assert_int_equal(al.n, 0);
	assert_int_equal(e.cls, ERR_NONE);
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
/* The refusal quotes the file's text cut and without control
 * characters. */
static void
test_parse_refusal_quotes_clean(void **state)
{
	struct aliases al;
	struct err e = { 0 };

	(void)state;
	assert_int_equal(parse(&al, "x\x1b[2J: |/bin/sh -c \x1b]0;t\x07\n", &e),
			 -1);
	assert_null(strchr(e.msg, 0x1b));
	assert_null(strchr(e.msg, 0x07));
	assert_non_null(strstr(e.msg, "x?[2j"));
	assert_non_null(strstr(e.msg, "?]0;t?"));
	err_clear(&e);
	aliases_free(&al);
}

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

/* Regression: aliases_parse read past len (strspn) when the text is not
 * NUL-terminated. The text ends exactly at an unmapped page, so reading
 * one octet too far crashes any build, not only under ASan. */
static void
parse_at_page_end(const char *text, size_t len, int want_rc)
{
	long page = sysconf(_SC_PAGESIZE);
	char *map = mmap(NULL, (size_t)page * 2, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *copy = malloc(len);
	struct aliases al = { 0 };
	struct err e = { 0 };

	assert_true(map != MAP_FAILED);
	assert_non_null(copy);
	assert_int_equal(mprotect(map + page, (size_t)page, PROT_NONE), 0);
	memcpy(map + page - len, text, len);
	assert_int_equal(aliases_parse(&al, map + page - len, len, "t", &e),
			 want_rc);
	aliases_free(&al);
	err_clear(&e);
	/* And with an exactly-sized heap buffer (ASan sees this one). */
	memcpy(copy, text, len);
	assert_int_equal(aliases_parse(&al, copy, len, "t", &e), want_rc);
	aliases_free(&al);
	err_clear(&e);
	free(copy);
	munmap(map, (size_t)page * 2);
}

static void
test_parse_not_nul_terminated(void **state)
{
	(void)state;
	parse_at_page_end("ab", 2, -1);
	parse_at_page_end("  ", 2, 0);
	parse_at_page_end("a: b", 4, 0);
	parse_at_page_end("a: b\n c", 8, 0);
	parse_at_page_end("a: b\n\t", 7, 0);
	parse_at_page_end("#", 1, 0);
	parse_at_page_end("a: b\r", 5, 0);
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

/* aliases_load must refuse path with ERR_CONFIG naming it and saying
 * what. */
static void
load_fails(const char *path, const char *what)
{
	struct aliases al = { 0 };
	struct err e = { 0 };

	assert_int_equal(aliases_load(&al, path, 1, &e), -1);
	assert_int_equal(e.cls, ERR_CONFIG);
	assert_non_null(strstr(e.msg, path));
	if (strstr(e.msg, what) == NULL)
		fail_msg("\"%s\" lacks \"%s\"", e.msg, what);
	err_clear(&e);
	aliases_free(&al);
}

/* aliases /dev/zero and a 1 GB sparse file used to grow until the OOM
 * killer; a FIFO blocked forever. */
static void
test_load_not_regular_or_too_big(void **state)
{
	char dir[] = "/tmp/aliases_test.XXXXXX", path[64];
	int fd;

	(void)state;
	load_fails("/dev/zero", "not a regular file");
	load_fails("/tmp", "not a regular file");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/fifo", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	load_fails(path, "not a regular file");
	unlink(path);
	snprintf(path, sizeof(path), "%s/sparse", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, ALIASES_FILE_MAX + 1), 0);
	close(fd);
	load_fails(path, "larger than");
	assert_int_equal(truncate(path, 1024L * 1024 * 1024), 0);
	load_fails(path, "larger than");
	unlink(path);
	rmdir(dir);
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

/* Each level's two names both lead to the next level's two: 2^24 paths,
 * one address. Regression: 8-11 s, doubling per level. */
static void
test_expand_diamond(void **state)
{
	static const char *const want[] = { "end@example.org" };
	struct aliases al;
	struct buf b = { 0 };
	double t0;
	int i;

	(void)state;
	for (i = 0; i < 24; i++) {
		buf_printf(&b, "a%d: a%d, b%d\n", i, i + 1, i + 1);
		buf_printf(&b, "b%d: a%d, b%d\n", i, i + 1, i + 1);
	}
	buf_printf(&b, "a24: end@example.org\nb24: end@example.org\n");
	parse_ok(&al, buf_cstr(&b));
	t0 = test_now();
	check_expand(&al, "a0", want, 1);
	assert_true(test_now() - t0 < 2);
	aliases_free(&al);
	buf_free(&b);
}

/* default: with bare names that are themselves unknown. Regression: 1.2 s
 * per recipient with 9 names, 11.8 s with 10. */
static void
test_expand_default_bare_names(void **state)
{
	struct aliases al;
	struct strlist out = { 0 };
	struct err e = { 0 };
	double t0;

	(void)state;
	parse_ok(&al, "default: n1, n2, n3, n4, n5, n6, n7, n8, n9, n10, n11\n");
	t0 = test_now();
	assert_int_equal(aliases_expand(&al, "someone", DOMAIN, &out, &e), 0);
	assert_true(test_now() - t0 < 2);
	assert_int_equal(out.n, 11);
	assert_string_equal(out.v[0], "n1@example.net");
	strlist_free(&out);
	aliases_free(&al);
}

/* One expansion gives at most ALIASES_EXPAND_MAX addresses. */
static void
test_expand_cap(void **state)
{
	struct aliases al;
	struct strlist out = { 0 };
	struct err e = { 0 };
	struct buf b = { 0 };
	int i;

	(void)state;
	buf_append_str(&b, "big: x0@example.org");
	for (i = 1; i <= ALIASES_EXPAND_MAX; i++)
		buf_printf(&b, ",\n x%d@example.org", i);
	buf_append_str(&b, "\nsmall: big2\nbig2: y@example.org\n");
	parse_ok(&al, buf_cstr(&b));
	assert_int_equal(aliases_expand(&al, "big", DOMAIN, &out, &e), -1);
	assert_int_equal(e.cls, ERR_DATA);
	assert_non_null(strstr(e.msg, "big"));
	assert_true(out.n <= ALIASES_EXPAND_MAX + 1);
	err_clear(&e);
	strlist_free(&out);
	/* The cap is per expansion, not per list. */
	for (i = 0; i < ALIASES_EXPAND_MAX + 10; i++) {
		char addr[32];

		snprintf(addr, sizeof(addr), "r%d@example.org", i);
		assert_int_equal(aliases_expand(&al, addr, DOMAIN, &out, &e),
				 0);
	}
	assert_int_equal(out.n, ALIASES_EXPAND_MAX + 10);
	strlist_free(&out);
	aliases_free(&al);
	buf_free(&b);
}

/* 100,000 recipients de-duplicated in linear time. Regression: 17 s. */
static void
test_strlist_many(void **state)
{
	struct strlist l = { 0 };
	char addr[48];
	double t0 = test_now();
	int i;

	(void)state;
	for (i = 0; i < 100000; i++) {
		snprintf(addr, sizeof(addr), "user%d@example.org", i);
		assert_int_equal(strlist_add_unique(&l, addr), 1);
	}
	for (i = 0; i < 100000; i += 7) {
		snprintf(addr, sizeof(addr), "USER%d@EXAMPLE.org", i);
		assert_int_equal(strlist_add_unique(&l, addr), 0);
	}
	assert_true(test_now() - t0 < 2);
	assert_int_equal(l.n, 100000);
	/* Added without the index, then found through it. */
	strlist_add(&l, "late@example.org");
	assert_true(strlist_has(&l, "LATE@example.org"));
	strlist_free(&l);
}

static void
test_expand_empty_table(void **state)
{
	static const char *const want[] = { "root@example.net" };
	struct aliases al = { 0 };

	(void)state;
	check_expand(&al, "root", want, 1);
}

/* aliases_expand_noting: an undeliverable target is noted, not fatal. */
static void
test_expand_noting_undeliverable(void **state)
{
	struct aliases al = { 0 };
	struct strlist out = { 0 }, skipped = { 0 };
	struct err e = { 0 };
	const char *text = "root: admin@example.org, |/bin/cat\n";

	(void)state;
	al.lenient = 1;     /* as for a message: such lines are read */
	assert_int_equal(aliases_parse(&al, text, strlen(text), "t", &e), 0);
	assert_int_equal(aliases_expand(&al, "root", DOMAIN, &out, &e), -1);
	err_clear(&e);
	strlist_free(&out);
	assert_int_equal(aliases_expand_noting(&al, "root", DOMAIN, &out,
					       &skipped, &e), 0);
	assert_int_equal(out.n, 1);
	assert_string_equal(out.v[0], "admin@example.org");
	assert_int_equal(skipped.n, 1);
	assert_non_null(strstr(skipped.v[0], "|/bin/cat"));
	strlist_free(&out);
	strlist_free(&skipped);
	aliases_free(&al);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_expand_noting_undeliverable),
		cmocka_unit_test(test_strlist),
		cmocka_unit_test(test_parse_simple),
		cmocka_unit_test(test_parse_comments_and_blank_lines),
		cmocka_unit_test(test_parse_comma_list),
		cmocka_unit_test(test_parse_trailing_comment),
		cmocka_unit_test(test_load_empty_path),
		cmocka_unit_test(test_parse_continuation),
		cmocka_unit_test(test_parse_crlf),
		cmocka_unit_test(test_parse_angles),
		cmocka_unit_test(test_parse_default_and_case),
		cmocka_unit_test(test_parse_no_colon),
		cmocka_unit_test(test_parse_refuses_pipe),
		cmocka_unit_test(test_parse_refuses_file),
		cmocka_unit_test(test_parse_refuses_include),
		cmocka_unit_test(test_parse_refusal_quotes_clean),
		cmocka_unit_test(test_parse_refuses_quoted_pipe),
		cmocka_unit_test(test_parse_empty),
		cmocka_unit_test(test_parse_not_nul_terminated),
		cmocka_unit_test(test_load_missing),
		cmocka_unit_test(test_load_not_regular_or_too_big),
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
		cmocka_unit_test(test_expand_diamond),
		cmocka_unit_test(test_expand_default_bare_names),
		cmocka_unit_test(test_expand_cap),
		cmocka_unit_test(test_strlist_many),
		cmocka_unit_test(test_expand_empty_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
