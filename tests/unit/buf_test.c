/* buf_test.c - unit tests for buf.h
 *
 * Owns: append, printf growth, consume, steal, cstr on an empty buffer,
 *       reset and wipe, and the NUL-termination invariant.
 * Not:  what callers store in buffers. */

#include <config.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"

/* data is NUL-terminated after any buf_* call. */
static void
assert_terminated(const struct buf *b)
{
	assert_non_null(b->data);
	assert_true(b->cap > b->len);
	assert_int_equal(b->data[b->len], '\0');
}

static void
test_buf_zero_is_empty(void **state)
{
	struct buf b = { 0 };
	struct buf c;

	(void)state;
	assert_int_equal(b.len, 0);
	buf_init(&c);
	assert_null(c.data);
	assert_int_equal(c.len, 0);
	assert_int_equal(c.cap, 0);
	buf_free(&b);
	buf_free(&c);
}

static void
test_buf_append(void **state)
{
	struct buf b = { 0 };

	(void)state;
	buf_append(&b, "abc", 3);
	assert_int_equal(b.len, 3);
	assert_terminated(&b);
	assert_string_equal(b.data, "abc");
	buf_append_str(&b, "def");
	buf_append_char(&b, 'g');
	assert_int_equal(b.len, 7);
	assert_terminated(&b);
	assert_string_equal(b.data, "abcdefg");
	buf_append(&b, "", 0);
	assert_int_equal(b.len, 7);
	assert_terminated(&b);
	buf_free(&b);
}

static void
test_buf_append_nothing_terminates(void **state)
{
	struct buf b = { 0 };

	(void)state;
	buf_append(&b, "", 0);
	assert_int_equal(b.len, 0);
	assert_terminated(&b);
	assert_string_equal(b.data, "");
	buf_free(&b);
}

static void
test_buf_append_binary(void **state)
{
	struct buf b = { 0 };
	const char bin[] = { 'a', '\0', 'b', '\0', 'c' };

	(void)state;
	buf_append(&b, bin, sizeof(bin));
	assert_int_equal(b.len, sizeof(bin));
	assert_memory_equal(b.data, bin, sizeof(bin));
	assert_terminated(&b);
	buf_free(&b);
}

static void
test_buf_append_grows(void **state)
{
	struct buf b = { 0 };
	size_t i;

	(void)state;
	for (i = 0; i < 100000; i++)
		buf_append_char(&b, (char)('a' + i % 26));
	assert_int_equal(b.len, 100000);
	assert_terminated(&b);
	for (i = 0; i < 100000; i++)
		if (b.data[i] != (char)('a' + i % 26))
			fail_msg("byte %zu is wrong", i);
	buf_free(&b);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, 0);
}

static void
test_buf_printf(void **state)
{
	struct buf b = { 0 };

	(void)state;
	buf_printf(&b, "%s=%d", "port", 587);
	assert_string_equal(b.data, "port=587");
	assert_int_equal(b.len, 8);
	buf_printf(&b, " %c%s", 'x', "yz");
	assert_string_equal(b.data, "port=587 xyz");
	assert_int_equal(b.len, 12);
	assert_terminated(&b);
	buf_printf(&b, "%s", "");
	assert_int_equal(b.len, 12);
	buf_free(&b);
}

static void
test_buf_printf_growth(void **state)
{
	struct buf b = { 0 };
	char *big = malloc(20001);
	size_t i;

	(void)state;
	assert_non_null(big);
	memset(big, 'q', 20000);
	big[20000] = '\0';
	buf_append_str(&b, "<");
	buf_printf(&b, "%s>%d", big, 42);
	assert_int_equal(b.len, 1 + 20000 + 1 + 2);
	assert_terminated(&b);
	assert_int_equal(b.data[0], '<');
	assert_memory_equal(b.data + 1, big, 20000);
	assert_string_equal(b.data + 20001, ">42");
	/* Many small printfs across several growth steps. */
	buf_reset(&b);
	for (i = 0; i < 5000; i++)
		buf_printf(&b, "%04zu", i);
	assert_int_equal(b.len, 20000);
	assert_memory_equal(b.data + 4 * 1234, "1234", 4);
	assert_terminated(&b);
	free(big);
	buf_free(&b);
}

static void
vprintf_helper(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
vprintf_helper(struct buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(b, fmt, ap);
	va_end(ap);
}

static void
test_buf_vprintf(void **state)
{
	struct buf b = { 0 };

	(void)state;
	buf_append_str(&b, "a");
	vprintf_helper(&b, "%d-%s", -5, "b");
	assert_string_equal(b.data, "a-5-b");
	assert_int_equal(b.len, 5);
	buf_free(&b);
}

static void
test_buf_consume(void **state)
{
	struct buf b = { 0 };

	(void)state;
	buf_append_str(&b, "hello world");
	buf_consume(&b, 6);
	assert_int_equal(b.len, 5);
	assert_string_equal(b.data, "world");
	assert_terminated(&b);
	buf_consume(&b, 0);
	assert_string_equal(b.data, "world");
	buf_consume(&b, 5);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.data, "");
	buf_append_str(&b, "xy");
	buf_consume(&b, 100);
	assert_int_equal(b.len, 0);
	assert_terminated(&b);
	buf_free(&b);
}

static void
test_buf_consume_empty(void **state)
{
	struct buf b = { 0 };

	(void)state;
	buf_consume(&b, 0);
	assert_int_equal(b.len, 0);
	buf_consume(&b, 3);
	assert_int_equal(b.len, 0);
	assert_string_equal(buf_cstr(&b), "");
	buf_free(&b);
}

static void
test_buf_cstr_empty(void **state)
{
	struct buf b = { 0 };
	const char *s;

	(void)state;
	s = buf_cstr(&b);
	assert_non_null(s);
	assert_string_equal(s, "");
	assert_int_equal(b.len, 0);
	buf_free(&b);
}

static void
test_buf_cstr_borrows(void **state)
{
	struct buf b = { 0 };

	(void)state;
	buf_append_str(&b, "abc");
	assert_ptr_equal(buf_cstr(&b), b.data);
	assert_string_equal(buf_cstr(&b), "abc");
	buf_free(&b);
}

static void
test_buf_reset_keeps_storage(void **state)
{
	struct buf b = { 0 };
	size_t cap;

	(void)state;
	buf_append_str(&b, "some text");
	cap = b.cap;
	buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, cap);
	assert_string_equal(b.data, "");
	buf_append_str(&b, "new");
	assert_string_equal(b.data, "new");
	buf_free(&b);
}

static void
test_buf_steal(void **state)
{
	struct buf b = { 0 };
	char *s;

	(void)state;
	buf_append_str(&b, "mine now");
	s = buf_steal(&b);
	assert_non_null(s);
	assert_string_equal(s, "mine now");
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, 0);
	free(s);
	/* Reusable afterwards. */
	buf_append_str(&b, "again");
	assert_string_equal(b.data, "again");
	buf_free(&b);
}

static void
test_buf_steal_empty(void **state)
{
	struct buf b = { 0 };
	char *s;

	(void)state;
	s = buf_steal(&b);
	assert_non_null(s);
	assert_string_equal(s, "");
	assert_int_equal(b.len, 0);
	free(s);
}

static void
test_buf_wipe(void **state)
{
	struct buf b = { 0 };

	(void)state;
	buf_append_str(&b, "password123");
	buf_wipe(&b);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, 0);
	/* Empty and reusable afterwards. */
	buf_append_str(&b, "x");
	assert_string_equal(b.data, "x");
	buf_wipe(&b);
	/* Wiping an empty buffer is harmless. */
	buf_wipe(&b);
	assert_null(b.data);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf_zero_is_empty),
		cmocka_unit_test(test_buf_append),
		cmocka_unit_test(test_buf_append_nothing_terminates),
		cmocka_unit_test(test_buf_append_binary),
		cmocka_unit_test(test_buf_append_grows),
		cmocka_unit_test(test_buf_printf),
		cmocka_unit_test(test_buf_printf_growth),
		cmocka_unit_test(test_buf_vprintf),
		cmocka_unit_test(test_buf_consume),
		cmocka_unit_test(test_buf_consume_empty),
		cmocka_unit_test(test_buf_cstr_empty),
		cmocka_unit_test(test_buf_cstr_borrows),
		cmocka_unit_test(test_buf_reset_keeps_storage),
		cmocka_unit_test(test_buf_steal),
		cmocka_unit_test(test_buf_steal_empty),
		cmocka_unit_test(test_buf_wipe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
