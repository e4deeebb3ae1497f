/* mtasts_cache_test.c - unit tests for the kept MTA-STS policies
 * (mtasts_cache_* in mtasts_get.h)
 *
 * Owns: the file format (parsed, and stored then loaded back in a
 *       temporary directory), the directory's mode, replacement, the
 *       domain names refused (nothing outside the directory), files that
 *       are missing, cut, or wrong in any field, drop, and a symbolic
 *       link at the file's place (not followed).
 * Not:  when a policy is fetched or used (tests/integration/mx.py). */

#include <config.h>

#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "mtasts_get.h"
#include "xmalloc.h"

#define POLICY "version: STSv1\r\nmode: enforce\r\nmx: mx.example\r\n" \
	       "max_age: 86400\r\n"
#define FILE_HEAD "dsmtp-mta-sts 1\nid 20240101T000000\nfetched " \
		  "1700000000\ntried 1700000300\n\n"

/* A temporary directory, and the cache directory inside it (not made). */
struct tmp {
	char top[64];
	char *dir;
};

static int
tmp_setup(void **state)
{
	struct tmp *t = xcalloc(1, sizeof(*t));

	strcpy(t->top, "/tmp/mtasts_cache_test.XXXXXX");
	if (mkdtemp(t->top) == NULL)
		return -1;
	t->dir = xasprintf("%s/mta-sts", t->top);
	*state = t;
	return 0;
}

static int
tmp_teardown(void **state)
{
	struct tmp *t = *state;
	char *cmd = xasprintf("rm -rf '%s'", t->top);

	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(t->dir);
	free(t);
	return 0;
}

/* Parse an exactly-sized copy of s (n bytes). */
static int
parse_n(const char *s, size_t n, struct mtasts_cached *c)
{
	char *copy = xmalloc(n ? n : 1);
	int rc;

	memcpy(copy, s, n);
	rc = mtasts_cache_parse(copy, n, c);
	free(copy);
	return rc;
}

static int
parse(const char *s, struct mtasts_cached *c)
{
	return parse_n(s, strlen(s), c);
}

static void
test_parse(void **state)
{
	struct mtasts_cached c;

	(void)state;
	assert_int_equal(parse(FILE_HEAD POLICY, &c), 0);
	assert_string_equal(c.id, "20240101T000000");
	assert_int_equal(c.fetched, 1700000000);
	assert_int_equal(c.tried, 1700000300);
	assert_int_equal(c.text.len, strlen(POLICY));
	assert_memory_equal(c.text.data, POLICY, strlen(POLICY));
	mtasts_cached_free(&c);
	/* An empty policy text, the longest id, time 0. */
	assert_int_equal(parse("dsmtp-mta-sts 1\nid "
	                       "abcdefghijABCDEFGHIJ0123456789xy\n"
	                       "fetched 0\ntried 0\n\n", &c),
	                 0);
	assert_int_equal(strlen(c.id), 32);
	assert_int_equal(c.text.len, 0);
	assert_int_equal(c.fetched, 0);
	mtasts_cached_free(&c);
}

/* Each of these is not a kept policy. */
static const char *const refused[] = {
	"",
	"dsmtp-mta-sts 1\n",
	"dsmtp-mta-sts 2\nid 1\nfetched 1\ntried 1\n\n" POLICY,
	"dsmtp-mta-sts 1 \nid 1\nfetched 1\ntried 1\n\n" POLICY,
	"DSMTP-MTA-STS 1\nid 1\nfetched 1\ntried 1\n\n" POLICY,
	"dsmtp-mta-sts 1\nid \nfetched 1\ntried 1\n\n" POLICY,
	"dsmtp-mta-sts 1\nid a-b\nfetched 1\ntried 1\n\n" POLICY,
	"dsmtp-mta-sts 1\nid a b\nfetched 1\ntried 1\n\n" POLICY,
	"dsmtp-mta-sts 1\nid a\rb\nfetched 1\ntried 1\n\n" POLICY,
	"dsmtp-mta-sts 1\nid ../x\nfetched 1\ntried 1\n\n" POLICY,
	"dsmtp-mta-sts 1\nid abcdefghijABCDEFGHIJ0123456789xyz\n"
	"fetched 1\ntried 1\n\n" POLICY,
	"dsmtp-mta-sts 1\nid  1\nfetched 1\ntried 1\n\n" POLICY,
	"dsmtp-mta-sts 1\nid1\nfetched 1\ntried 1\n\n" POLICY,
	"dsmtp-mta-sts 1\nidx12\nfetched 1\ntried 1\n\n" POLICY,
	"dsmtp-mta-sts 1\nid 1\nfetched:1\ntried 1\n\n" POLICY,
	"dsmtp-mta-sts 1\nfetched 1\nid 1\ntried 1\n\n" POLICY,
	"dsmtp-mta-sts 1\nid 1\nfetched x\ntried 1\n\n" POLICY,
	"dsmtp-mta-sts 1\nid 1\nfetched -1\ntried 1\n\n" POLICY,
	"dsmtp-mta-sts 1\nid 1\nfetched 1 \ntried 1\n\n" POLICY,
	"dsmtp-mta-sts 1\nid 1\nfetched \ntried 1\n\n" POLICY,
	"dsmtp-mta-sts 1\nid 1\nfetched 1234567890123456789\ntried 1\n\n",
	"dsmtp-mta-sts 1\nid 1\nfetched 1\ntried 1x\n\n" POLICY,
	"dsmtp-mta-sts 1\nid 1\nfetched 1\ntried 99999999999999999999\n\n",
	"dsmtp-mta-sts 1\nid 1\nfetched 1\ntried\n\n" POLICY,
	/* The empty line missing, or not empty. */
	"dsmtp-mta-sts 1\nid 1\nfetched 1\ntried 1\n" POLICY,
	"dsmtp-mta-sts 1\nid 1\nfetched 1\ntried 1\n",
	"dsmtp-mta-sts 1\nid 1\nfetched 1\ntried 1\n \n" POLICY,
	"dsmtp-mta-sts 1\nid 1\nfetched 1\ntried 1\r\n\r\n" POLICY,
};

static void
test_parse_refused(void **state)
{
	struct mtasts_cached c;
	size_t i, n = strlen(FILE_HEAD);

	(void)state;
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		if (parse(refused[i], &c) == 0)
			fail_msg("taken: %s", refused[i]);
		assert_int_equal(c.text.len, 0);
	}
	/* Cut anywhere before the policy text. */
	for (i = 0; i < n; i++)
		if (parse_n(FILE_HEAD, i, &c) == 0)
			fail_msg("taken when cut at %zu", i);
	assert_int_equal(parse_n(FILE_HEAD, n, &c), 0);
	mtasts_cached_free(&c);
}

static void
cached_fill(struct mtasts_cached *c, const char *id, time_t fetched,
            const char *text)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->id, sizeof(c->id), "%s", id);
	c->fetched = fetched;
	c->tried = fetched + 1;
	buf_append_str(&c->text, text);
}

/* dir's file for domain holds exactly want. */
static void
file_is(const char *dir, const char *domain, const char *want)
{
	char *path = xasprintf("%s/%s", dir, domain), got[4096];
	FILE *f = fopen(path, "rb");
	size_t n;

	assert_non_null(f);
	n = fread(got, 1, sizeof(got), f);
	fclose(f);
	assert_int_equal(n, strlen(want));
	assert_memory_equal(got, want, n);
	free(path);
}

/* How many names dir holds (dot files too). */
static int
entries(const char *dir)
{
	char *cmd = xasprintf("exit $(ls -A '%s' | wc -l)", dir);
	int rc = system(cmd);

	free(cmd);
	return WEXITSTATUS(rc);
}

static void
test_store_load(void **state)
{
	struct tmp *t = *state;
	struct mtasts_cached c, back;
	struct err e = { 0 };
	struct stat st;

	cached_fill(&c, "20240101T000000", 1700000000, POLICY);
	c.tried = 1700000300;
	assert_int_equal(mtasts_cache_store(t->dir, "example.com", &c, &e), 0);
	assert_int_equal(stat(t->dir, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	file_is(t->dir, "example.com", FILE_HEAD POLICY);
	assert_int_equal(mtasts_cache_load(t->dir, "example.com", &back), 0);
	assert_string_equal(back.id, c.id);
	assert_int_equal(back.fetched, c.fetched);
	assert_int_equal(back.tried, c.tried);
	assert_int_equal(back.text.len, c.text.len);
	assert_memory_equal(back.text.data, c.text.data, c.text.len);
	mtasts_cached_free(&back);
	mtasts_cached_free(&c);

	/* Replaced: load sees the new one, and no temporary file stays. */
	cached_fill(&c, "B2", 1800000000, "version: STSv1\nmode: none\n"
	                                  "max_age: 1\n");
	assert_int_equal(mtasts_cache_store(t->dir, "example.com", &c, &e), 0);
	assert_int_equal(mtasts_cache_load(t->dir, "example.com", &back), 0);
	assert_string_equal(back.id, "B2");
	assert_int_equal(back.fetched, 1800000000);
	assert_int_equal(back.text.len, c.text.len);
	mtasts_cached_free(&back);
	/* Others are kept beside it. */
	assert_int_equal(mtasts_cache_store(t->dir, "mx-1.example.org", &c, &e),
	                 0);
	assert_int_equal(mtasts_cache_load(t->dir, "example.com", &back), 0);
	mtasts_cached_free(&back);
	assert_int_equal(entries(t->dir), 2);
	mtasts_cached_free(&c);
}

static void
test_refused_domains(void **state)
{
	static const char *const bad[] = { "../x", "..", ".hidden",
		                           "UPPER.example", "a/b", "",
		                           "/etc/passwd", "a b", "caf\xc3\xa9" };
	struct tmp *t = *state;
	struct mtasts_cached c, back;
	struct err e = { 0 };
	char name[255];
	size_t i;

	cached_fill(&c, "1", 1, POLICY);
	/* "../x" would be top/x, beside the cache directory. */
	assert_int_equal(mkdir(t->dir, 0700), 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(mtasts_cache_store(t->dir, bad[i], &c, &e), -1);
		assert_int_equal(e.cls, ERR_DATA);
		err_clear(&e);
		assert_int_equal(mtasts_cache_load(t->dir, bad[i], &back), -1);
		mtasts_cache_drop(t->dir, bad[i]);
	}
	assert_int_equal(entries(t->top), 1);
	assert_int_equal(entries(t->dir), 0);
	/* A host name is at most 253 bytes. */
	memset(name, 'a', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	assert_int_equal(mtasts_cache_store(t->dir, name, &c, &e), -1);
	err_clear(&e);
	name[253] = '\0';
	assert_int_equal(mtasts_cache_store(t->dir, name, &c, &e), 0);
	assert_int_equal(mtasts_cache_load(t->dir, name, &back), 0);
	mtasts_cached_free(&back);
	mtasts_cached_free(&c);
}

/* Write dir/name holding n bytes of s. */
static void
plant(const char *dir, const char *name, const char *s, size_t n)
{
	char *path = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(s, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
	free(path);
}

static void
test_load_bad(void **state)
{
	struct tmp *t = *state;
	struct mtasts_cached c;
	size_t i;

	assert_int_equal(mkdir(t->dir, 0700), 0);
	assert_int_equal(mtasts_cache_load(t->dir, "example.com", &c), -1);
	assert_int_equal(c.text.len, 0);
	/* A file cut anywhere in its head, or wrong in any field. */
	for (i = 0; i < strlen(FILE_HEAD); i++) {
		plant(t->dir, "example.com", FILE_HEAD, i);
		if (mtasts_cache_load(t->dir, "example.com", &c) == 0)
			fail_msg("taken when cut at %zu", i);
	}
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		plant(t->dir, "example.com", refused[i], strlen(refused[i]));
		if (mtasts_cache_load(t->dir, "example.com", &c) == 0)
			fail_msg("taken: %s", refused[i]);
	}
	plant(t->dir, "example.com", FILE_HEAD POLICY, strlen(FILE_HEAD POLICY));
	assert_int_equal(mtasts_cache_load(t->dir, "example.com", &c), 0);
	assert_int_equal(c.text.len, strlen(POLICY));
	mtasts_cached_free(&c);
	/* A directory at the file's place is no policy. */
	assert_int_equal(mtasts_cache_load(t->top, "mta-sts", &c), -1);
}

static void
test_drop(void **state)
{
	struct tmp *t = *state;
	struct mtasts_cached c;
	struct err e = { 0 };

	cached_fill(&c, "1", 1, POLICY);
	assert_int_equal(mtasts_cache_store(t->dir, "a.example", &c, &e), 0);
	assert_int_equal(mtasts_cache_store(t->dir, "b.example", &c, &e), 0);
	mtasts_cached_free(&c);
	mtasts_cache_drop(t->dir, "a.example");
	assert_int_equal(mtasts_cache_load(t->dir, "a.example", &c), -1);
	assert_int_equal(mtasts_cache_load(t->dir, "b.example", &c), 0);
	mtasts_cached_free(&c);
	assert_int_equal(entries(t->dir), 1);
	/* Dropping what is not there is no harm. */
	mtasts_cache_drop(t->dir, "a.example");
	mtasts_cache_drop(t->dir, "never.example");
	assert_int_equal(entries(t->dir), 1);
}

/* A symbolic link at the file's place is not read, even to a good
 * policy file; a store replaces the link itself, not its target. */
static void
test_symlink(void **state)
{
	struct tmp *t = *state;
	char *target = xasprintf("%s/elsewhere", t->top);
	char *link = xasprintf("%s/example.com", t->dir);
	struct mtasts_cached c;
	struct err e = { 0 };
	struct stat st;

	assert_int_equal(mkdir(t->dir, 0700), 0);
	plant(t->top, "elsewhere", FILE_HEAD POLICY, strlen(FILE_HEAD POLICY));
	assert_int_equal(symlink(target, link), 0);
	assert_int_equal(mtasts_cache_load(t->dir, "example.com", &c), -1);
	assert_int_equal(c.text.len, 0);
	cached_fill(&c, "2", 2, "x");
	assert_int_equal(mtasts_cache_store(t->dir, "example.com", &c, &e), 0);
	mtasts_cached_free(&c);
	assert_int_equal(lstat(link, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	file_is(t->top, "elsewhere", FILE_HEAD POLICY);
	assert_int_equal(mtasts_cache_load(t->dir, "example.com", &c), 0);
	assert_string_equal(c.id, "2");
	mtasts_cached_free(&c);
	free(link);
	free(target);
}

/* A store that cannot make its directory says so. */
static void
test_store_fails(void **state)
{
	struct tmp *t = *state;
	char *dir = xasprintf("%s/no/such", t->top);
	struct mtasts_cached c;
	struct err e = { 0 };

	cached_fill(&c, "1", 1, POLICY);
	assert_int_equal(mtasts_cache_store(dir, "example.com", &c, &e), -1);
	assert_int_equal(e.cls, ERR_OS);
	assert_non_null(strstr(e.msg, "example.com"));
	err_clear(&e);
	mtasts_cached_free(&c);
	free(dir);
}

#define TMP_TEST(f) cmocka_unit_test_setup_teardown(f, tmp_setup, tmp_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_parse_refused),
		TMP_TEST(test_store_load),
		TMP_TEST(test_refused_domains),
		TMP_TEST(test_load_bad),
		TMP_TEST(test_drop),
		TMP_TEST(test_symlink),
		TMP_TEST(test_store_fails),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
