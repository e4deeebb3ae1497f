/* dnsrec_test.c - unit tests for dnsrec.h
 *
 * Owns: splitting TXT text into strings of at most 255 octets (at and
 *       around the limit), the zone-file line for RSA and Ed25519 DKIM
 *       keys.
 * Not:  the public key encodings themselves (crypto_test.c). */

#include <config.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "crypto.h"
#include "dnsrec.h"
#include "err.h"
#include "testkeys.h"

/* Split "\"a\" \"b\"" back into its strings: their lengths go to lens
 * (at most max), the joined text to joined. Fails the test when the
 * syntax is not exactly quoted strings separated by one blank. */
static size_t
parse_strings(const char *s, size_t slen, size_t *lens, size_t max,
	      struct buf *joined)
{
	size_t n = 0, i = 0, start;

	while (i < slen) {
		if (n > 0) {
			assert_int_equal(s[i], ' ');
			i++;
		}
		assert_true(i < slen);
		assert_int_equal(s[i], '"');
		start = ++i;
		while (i < slen && s[i] != '"')
			i++;
		assert_true(i < slen);
		assert_true(n < max);
		lens[n++] = i - start;
		buf_append(joined, s + start, i - start);
		i++;
	}
	return n;
}

/* dnsrec_strings of len copies of a cycling pattern must give strings of
 * the lengths in want (n of them) that join back to the input. */
static void
check_split(size_t len, const size_t *want, size_t nwant)
{
	char *text = malloc(len + 1);
	struct buf out = { 0 }, joined = { 0 };
	size_t lens[16], n, i;

	assert_non_null(text);
	for (i = 0; i < len; i++)
		text[i] = (char)('a' + i % 26);
	text[len] = '\0';
	buf_append_str(&out, "X");
	dnsrec_strings(&out, text);
	/* Appends after what was there. */
	assert_int_equal(out.data[0], 'X');
	n = parse_strings(out.data + 1, out.len - 1, lens, 16, &joined);
	assert_int_equal(n, nwant);
	for (i = 0; i < n; i++) {
		assert_true(lens[i] <= 255);
		assert_int_equal(lens[i], want[i]);
	}
	assert_int_equal(joined.len, len);
	assert_memory_equal(joined.data, text, len);
	free(text);
	buf_free(&out);
	buf_free(&joined);
}

static void
test_strings_254(void **state)
{
	static const size_t want[] = { 254 };

	(void)state;
	check_split(254, want, 1);
}

static void
test_strings_255(void **state)
{
	static const size_t want[] = { 255 };

	(void)state;
	check_split(255, want, 1);
}

static void
test_strings_256(void **state)
{
	static const size_t want[] = { 255, 1 };

	(void)state;
	check_split(256, want, 2);
}

static void
test_strings_600(void **state)
{
	static const size_t want[] = { 255, 255, 90 };

	(void)state;
	check_split(600, want, 3);
}

static void
test_strings_510(void **state)
{
	static const size_t want[] = { 255, 255 };

	(void)state;
	check_split(510, want, 2);
}

static void
test_strings_short(void **state)
{
	struct buf out = { 0 };

	(void)state;
	dnsrec_strings(&out, "v=DKIM1; k=ed25519; p=abc");
	assert_string_equal(out.data, "\"v=DKIM1; k=ed25519; p=abc\"");
	buf_free(&out);
}

/* The record for key: the expected owner name and text. */
static void
check_record(const char *pem, const char *sel, const char *dom,
	     const char *want_text, size_t want_strings)
{
	struct crypto_key *k = NULL;
	struct buf out = { 0 }, joined = { 0 }, head = { 0 };
	struct err e = { 0 };
	size_t lens[8], n, i, inner;

	assert_int_equal(crypto_key_parse(pem, strlen(pem), "k", &k, &e), 0);
	assert_int_equal(dnsrec_dkim(&out, sel, dom, k, &e), 0);
	assert_int_equal(e.cls, ERR_NONE);
	buf_printf(&head, "%s._domainkey.%s. IN TXT ( ", sel, dom);
	assert_true(out.len > head.len + 3);
	assert_memory_equal(out.data, head.data, head.len);
	assert_string_equal(out.data + out.len - 3, " )\n");
	/* One line. */
	assert_ptr_equal(strchr(out.data, '\n'), out.data + out.len - 1);
	inner = out.len - head.len - 3;
	n = parse_strings(out.data + head.len, inner, lens, 8, &joined);
	assert_int_equal(n, want_strings);
	for (i = 0; i < n; i++)
		assert_true(lens[i] <= 255);
	for (i = 0; i + 1 < n; i++)
		assert_int_equal(lens[i], 255);
	assert_string_equal(buf_cstr(&joined), want_text);
	crypto_key_free(k);
	buf_free(&out);
	buf_free(&joined);
	buf_free(&head);
}

static void
test_dkim_rsa2048(void **state)
{
	struct buf want = { 0 };

	(void)state;
	buf_printf(&want, "v=DKIM1; k=rsa; p=%s", rsa2048_spki);
	/* 18 + 392 octets: two strings. */
	assert_int_equal(want.len, 410);
	check_record(rsa2048_pkcs8, "s2048", "example.org", want.data, 2);
	buf_free(&want);
}

static void
test_dkim_ed25519(void **state)
{
	(void)state;
	check_record(ed_pkcs8, "brisbane", "football.example.com",
		     "v=DKIM1; k=ed25519; "
		     "p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=", 1);
}

/* The exact line for the Ed25519 key, as the manual shows it. */
static void
test_dkim_ed25519_line(void **state)
{
	struct crypto_key *k = NULL;
	struct buf out = { 0 };
	struct err e = { 0 };

	(void)state;
	assert_int_equal(crypto_key_parse(ed_pkcs8, strlen(ed_pkcs8), "k", &k,
					  &e), 0);
	buf_append_str(&out, "; before\n");
	assert_int_equal(dnsrec_dkim(&out, "ed2026", "example.org", k, &e), 0);
	assert_string_equal(out.data,
			    "; before\n"
			    "ed2026._domainkey.example.org. IN TXT ( "
			    "\"v=DKIM1; k=ed25519; "
			    "p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\" "
			    ")\n");
	crypto_key_free(k);
	buf_free(&out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strings_254),
		cmocka_unit_test(test_strings_255),
		cmocka_unit_test(test_strings_256),
		cmocka_unit_test(test_strings_510),
		cmocka_unit_test(test_strings_600),
		cmocka_unit_test(test_strings_short),
		cmocka_unit_test(test_dkim_rsa2048),
		cmocka_unit_test(test_dkim_ed25519),
		cmocka_unit_test(test_dkim_ed25519_line),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
