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

static const char rsa2048_pkcs8[] =
	"-----BEGIN PRIVATE KEY-----\n"
	"MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQDPVTQlIYza1K14\n"
	"mWYjCN+reElkdhic0u3Fn4KwySDYeU/JxPLBNwFD4mn1mFc5JKTBHK74OM0SFFjR\n"
	"hWXsDg+e0zBSb278Kc4BMEuWUjyEI02aS2HNIVDh2BzxJwVpH5dO5UdY/RaW0cOa\n"
	"S1IN/nUXuPs5DRIen0NJDqk+mTrQJiio34HxI6B6kaSsFB1/wz/bJ6nPxi3XHeIe\n"
	"nE9lxZ42bcOpkkthhrjpARTyaPGCODm5ndgdKbb+Y0NQlz4ZDdCpKff1QKGTqDwB\n"
	"moFQEj11FfFXuXOPtO4TGbb+Nt0fwsNbhEJUwT9HzFX5fzJAXSQi+dQbB6+nvbGA\n"
	"7Z0YM8IjAgMBAAECggEBALrTjUR0Qgeio5pLqFSjl2Fc582F+VG/ZBCzVsHUyysl\n"
	"zXcEaLcgyJwSNube2qIcWfXF0gjMrkW/XfWXHiui1AKLTTzLOxgw13gMu9/9xJhR\n"
	"c4k4qi18+vQ3mITZY6/BjsfCJROUI7nN1VOA0bTYeUziHEbhd1Vur+PyOSG2U9/h\n"
	"Ef8yeUurAIOgqGdroau0wB0UclirnsoA5d9rOdzp0FPWBATTNJ5ISs+sG9kP0prv\n"
	"7N1cqLwEpORPARUbaIDTKk2xl31BISY0mwwxvGKoB1OwxFe69j6AZxPGlCt3+YS/\n"
	"reFJjvH6+7lSD4BpYQyZoChbfLLUlSqFsBNd844wotECgYEA02bufpS9rWhipPkT\n"
	"WmKlTmGVyJscAVMbnPBh+n7NZuQtTb1svT2oXFWKHyp+XeCr0X0fB3WDSXIEfwM8\n"
	"rWLE2jQcEeZntxCWfYhudRIkd39WNH2fKANQnReH1O7FKdkIGiQOtPsJbn34HW4z\n"
	"6EitjVOrysZxAlX6dueS2BqG1PsCgYEA+xKBqMpV3bbhWwTOuTlp5Gj8e5Xjk0BG\n"
	"2Xx6O1fB7JsSsEjSjD96bYRjWu+hUU62zt+c1Yh4uH7OfVR7jTIF5XKSIYVkbhof\n"
	"Ffzt4dpnyN2XBhax+Y9EeCcHdb0UYc58VJphczQ/Qf58iNEH5D+J+dHnKwQQ2UVa\n"
	"MM99PKkkrvkCgYA93L8p14jx97v2HtUk+/z3xOK6A3ncgV9xO37QeM7OrzL6rtXl\n"
	"QufDrVxv5lV4T0i4Uu8DlcXHdlAOgvn8mwyT9e/I5S2winAfaA86vwZg2ah2T9SF\n"
	"NwMeFUawbvbPWi1eyPJsz5Fg/gffROJ3tNzkoHmDKzLixho3NWjpSEnwhQKBgQCX\n"
	"PIWX3BGvFTtYLWQs1LXBnbAA7cAA8iX7WezzFCC/WoX+ZE9XpeEkWSvUGiaNKKIb\n"
	"qTz6r1Mwp0nQ2vP1kF1W4hW+VXCylc+F2i6c7oe3yirvwvn//tnamn/23yeI5u2j\n"
	"tL7gu2cjZJ01eNyNE+0T6+mY0sEnb4wtfL7OrIBpWQKBgFIM/dSPJ585twuqVcHN\n"
	"u4p0L/c1/wll2n4qkx8E9mECaJ+G1oZieQZuX1bLjeJ4ygN/RHUWu3mKIxmO2ab+\n"
	"/NhjUUwrnUs2A/YKTbPX+n4x55ew17AwwA3iF9hmRd0Uet9sHYI6SaR/ZTOi5Qbe\n"
	"61+y9hwDLRLX9mPsx7vthITC\n"
	"-----END PRIVATE KEY-----\n";

/* Its DER SubjectPublicKeyInfo, base64 (392 characters). */
static const char rsa2048_spki[] =
	"MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAz1U0JSGM2tSteJlmIwjfq3hJ"
	"ZHYYnNLtxZ+CsMkg2HlPycTywTcBQ+Jp9ZhXOSSkwRyu+DjNEhRY0YVl7A4PntMwUm9u"
	"/CnOATBLllI8hCNNmkthzSFQ4dgc8ScFaR+XTuVHWP0WltHDmktSDf51F7j7OQ0SHp9D"
	"SQ6pPpk60CYoqN+B8SOgepGkrBQdf8M/2yepz8Yt1x3iHpxPZcWeNm3DqZJLYYa46QEU"
	"8mjxgjg5uZ3YHSm2/mNDUJc+GQ3QqSn39UChk6g8AZqBUBI9dRXxV7lzj7TuExm2/jbd"
	"H8LDW4RCVME/R8xV+X8yQF0kIvnUGwevp72xgO2dGDPCIwIDAQAB";

/* RFC 8463 Appendix A's key; its p= is given there. */
static const char ed_pkcs8[] =
	"-----BEGIN PRIVATE KEY-----\n"
	"MC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g\n"
	"-----END PRIVATE KEY-----\n";

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
