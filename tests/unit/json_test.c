/* json_test.c - unit tests for json.h
 *
 * Owns: JSON string quoting as mailq --json writes it: the quotes, the
 *       escapes for '"', '\' and every control character, NULL as "",
 *       UTF-8 and other bytes kept as they are.
 * Not:  the shape of the report (qcmd.c, tests/integration/queue.py). */

#include <config.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "json.h"

/* What json_string writes for s, in a memory stream; caller frees. */
static char *
quoted(const char *s, size_t *len)
{
	char *out = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&out, &n);

	assert_non_null(f);
	json_string(f, s);
	assert_int_equal(fclose(f), 0);
	if (len != NULL)
		*len = n;
	return out;
}

static void
assert_quoted(const char *s, const char *want)
{
	char *got = quoted(s, NULL);

	assert_string_equal(got, want);
	free(got);
}

static void
test_plain(void **state)
{
	(void)state;
	assert_quoted("alice@example.org", "\"alice@example.org\"");
	assert_quoted("", "\"\"");
}

static void
test_null_is_empty(void **state)
{
	(void)state;
	assert_quoted(NULL, "\"\"");
}

static void
test_quote_and_backslash(void **state)
{
	(void)state;
	assert_quoted("say \"hi\"", "\"say \\\"hi\\\"\"");
	assert_quoted("a\\b", "\"a\\\\b\"");
	assert_quoted("\\\"", "\"\\\\\\\"\"");
	assert_quoted("/", "\"/\"");
}

/* Every byte below 0x20 as \u00XX, and nothing else of the line left. */
static void
test_control_characters(void **state)
{
	char in[2] = { 0, 0 }, want[16];
	int c;

	(void)state;
	for (c = 1; c < 0x20; c++) {
		in[0] = (char)c;
		snprintf(want, sizeof(want), "\"\\u%04x\"", c);
		assert_quoted(in, want);
	}
	assert_quoted("451 try\r\nlater\t!",
		      "\"451 try\\u000d\\u000alater\\u0009!\"");
	assert_quoted("\x1b[2J", "\"\\u001b[2J\"");
	/* DEL needs no escape in JSON, but a terminal reading it might. */
	assert_quoted("\x7f", "\"\\u007f\"");
}

/* An octet that is not part of a UTF-8 sequence: U+FFFD. */
static void
test_invalid_utf8_replaced(void **state)
{
	(void)state;
	assert_quoted("caf\xe9!", "\"caf\\ufffd!\"");
	assert_quoted("\xc3", "\"\\ufffd\"");
	assert_quoted("\xc3\xa9\xff", "\"\xc3\xa9\\ufffd\"");
	assert_quoted("\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"");
}

/* Valid UTF-8 is written unchanged. */
static void
test_utf8_kept(void **state)
{
	static const char s[] = "J\xc3\xb6rg <j\xc3\xb6rg@\xe4\xbe\x8b.jp> "
				"\xf0\x9f\x93\xa7";
	size_t n;
	char *got = quoted(s, &n);

	(void)state;
	assert_int_equal(n, strlen(s) + 2);
	assert_int_equal(got[0], '"');
	assert_memory_equal(got + 1, s, strlen(s));
	assert_int_equal(got[n - 1], '"');
	free(got);
}

/* Written at the stream's position, after what is already there. */
static void
test_appends(void **state)
{
	char *out = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&out, &n);

	(void)state;
	assert_non_null(f);
	fputs("{\"id\":", f);
	json_string(f, "0693A1B2");
	fputs(",\"e\":", f);
	json_string(f, "a\"b");
	fputc('}', f);
	assert_int_equal(fclose(f), 0);
	assert_string_equal(out, "{\"id\":\"0693A1B2\",\"e\":\"a\\\"b\"}");
	free(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_null_is_empty),
		cmocka_unit_test(test_quote_and_backslash),
		cmocka_unit_test(test_control_characters),
		cmocka_unit_test(test_utf8_kept),
		cmocka_unit_test(test_invalid_utf8_replaced),
		cmocka_unit_test(test_appends),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
