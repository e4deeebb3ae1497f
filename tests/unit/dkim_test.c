/* dkim_test.c - DKIM canonicalisation and signatures against RFC 8463
 * Appendix A and the body-hash values in tests/data/dkim. */

#include <config.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "crypto.h"
#include "dkim.h"
#include "message.h"
#include "xmalloc.h"

static const char vector_msg[] =
	"From: Joe SixPack <joe@football.example.com>\r\n"
	"To: Suzie Q <suzie@shopping.example.net>\r\n"
	"Subject: Is dinner ready?\r\n"
	"Date: Fri, 11 Jul 2003 21:00:37 -0700 (PDT)\r\n"
	"Message-ID: <20030712040037.46341.5F8J@football.example.com>\r\n"
	"\r\n"
	"Hi.\r\n"
	"\r\n"
	"We lost the game.  Are you hungry yet?\r\n"
	"\r\n"
	"Joe.\r\n";

static const char ed_key[] =
	"-----BEGIN PRIVATE KEY-----\n"
	"MC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g\n"
	"-----END PRIVATE KEY-----\n";

static const char ed_seed[] = "nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=\n";

static const char rsa_key[] =
	"-----BEGIN RSA PRIVATE KEY-----\n"
	"MIICXQIBAAKBgQDkHlOQoBTzWRiGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQi\n"
	"Y/J16JYi0Qvx/byYzCNb3W91y3FutACDfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqM\n"
	"KrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3Ip3G+2kryOTIKT+l/K4w3QIDAQAB\n"
	"AoGAH0cxOhFZDgzXWhDhnAJDw5s4roOXN4OhjiXa8W7Y3rhX3FJqmJSPuC8N9vQm\n"
	"6SVbaLAE4SG5mLMueHlh4KXffEpuLEiNp9Ss3O4YfLiQpbRqE7Tm5SxKjvvQoZZe\n"
	"zHorimOaChRL2it47iuWxzxSiRMv4c+j70GiWdxXnxe4UoECQQDzJB/0U58W7RZy\n"
	"6enGVj2kWF732CoWFZWzi1FicudrBFoy63QwcowpoCazKtvZGMNlPWnC7x/6o8Gc\n"
	"uSe0ga2xAkEA8C7PipPm1/1fTRQvj1o/dDmZp243044ZNyxjg+/OPN0oWCbXIGxy\n"
	"WvmZbXriOWoSALJTjExEgraHEgnXssuk7QJBALl5ICsYMu6hMxO73gnfNayNgPxd\n"
	"WFV6Z7ULnKyV7HSVYF0hgYOHjeYe9gaMtiJYoo0zGN+L3AAtNP9huqkWlzECQE1a\n"
	"licIeVlo1e+qJ6Mgqr0Q7Aa7falZ448ccbSFYEPD6oFxiOl9Y9se9iYHZKKfIcst\n"
	"o7DUw1/hz2Ck4N5JrgUCQQCyKveNvjzkkd8HjYs0SwM0fPjK16//5qDZ2UiDGnOe\n"
	"uEzxBDAr518Z8VFbR41in3W4Y3yCDgQlLlcETrS+zYcL\n"
	"-----END RSA PRIVATE KEY-----\n";

static const char vector_bh[] = "2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=";
static const char ed_b[] = "/gCrinpcQOoIfuHNQIbq4pgh9kyIK3AQUdt9OdqQehSwh"
			   "EIug4D11BusFa3bT3FY5OsU7ZbnKELq+eXdp1Q1Dw==";
static const char rsa_b[] =
	"F45dVWDfMbQDGHJFlXUNB2HKfbCeLRyhDXgFpEL8GwpsRe0IeIixNTe3DhCVlUrSjV4B"
	"wcVcOF6+FF3Zo9Rpo1tFOeS9mPYQTnGdaSGsgeefOsk2JzdA+L10TeYt9BgDfQNZtKdN"
	"1WO//KgIqXP7OdEFE4LjFYNcUxZQ4FADY+8=";

static char *vector_names[] = { "from", "to", "subject", "date",
				"message-id", "from", "subject", "date" };

/* Read text into a struct message through the real intake. */
static void
load_message(const char *text, struct message *m)
{
	struct message_intake in = { 0 };
	struct err e = { 0 };
	int fds[2];

	assert_int_equal(pipe(fds), 0);
	assert_int_equal(write(fds[1], text, strlen(text)),
			 (ssize_t)strlen(text));
	close(fds[1]);
	in.ignore_dots = 1;
	in.max_header = 65536;
	assert_int_equal(message_read(fds[0], &in, m, &e), 0);
	close(fds[0]);
}

static char *
body_hash(enum dkim_canon c, const char *body, size_t len)
{
	struct dkim_body b;
	unsigned char h[32];
	struct buf out = { 0 };

	dkim_body_init(&b, c);
	dkim_body_update(&b, body, len);
	dkim_body_final(&b, h);
	crypto_base64(&out, h, 32);
	return buf_steal(&out);
}

static void
check_bh(enum dkim_canon c, const char *body, const char *want)
{
	char *got = body_hash(c, body, strlen(body));

	assert_string_equal(got, want);
	free(got);
}

static void
test_body_hash_values(void **state)
{
	(void)state;
	check_bh(DKIM_SIMPLE, "", "frcCV1k9oG9oKj3dpUqdJg1PxRT2RSN/XKdLCPjaYaY=");
	check_bh(DKIM_RELAXED, "",
		 "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
	check_bh(DKIM_SIMPLE, "abc",
		 "VSuraGTHp7aaUC7RhUuSRcDhow8AiqoLKB2mJYX9sCU=");
	check_bh(DKIM_SIMPLE, "abc\r\n\r\n\r\n",
		 "VSuraGTHp7aaUC7RhUuSRcDhow8AiqoLKB2mJYX9sCU=");
	check_bh(DKIM_RELAXED, "abc",
		 "VSuraGTHp7aaUC7RhUuSRcDhow8AiqoLKB2mJYX9sCU=");
	check_bh(DKIM_RELAXED, "abc\r\n\r\n\r\n",
		 "VSuraGTHp7aaUC7RhUuSRcDhow8AiqoLKB2mJYX9sCU=");
	/* The vector's body, and its simple form from the data README. */
	check_bh(DKIM_RELAXED, strstr(vector_msg, "\r\n\r\n") + 4, vector_bh);
	check_bh(DKIM_SIMPLE, strstr(vector_msg, "\r\n\r\n") + 4,
		 "4bLNXImK9drULnmePzZNEBleUanJCX5PIsDIFoH4KTQ=");
}

/* Feeding a body in one-byte pieces gives the same hash. */
static void
test_body_hash_pieces(void **state)
{
	const char *body = "a  b \t\r\n \r\nc\t\r\n\r\n\r\n";
	struct dkim_body b;
	unsigned char h[32];
	struct buf out = { 0 };
	char *whole;
	size_t i;

	(void)state;
	whole = body_hash(DKIM_RELAXED, body, strlen(body));
	dkim_body_init(&b, DKIM_RELAXED);
	for (i = 0; body[i]; i++)
		dkim_body_update(&b, body + i, 1);
	dkim_body_final(&b, h);
	crypto_base64(&out, h, 32);
	assert_string_equal(out.data, whole);
	buf_free(&out);
	free(whole);
}

static void
test_canon_header_relaxed(void **state)
{
	struct buf out = { 0 };
	const char *f = "SubJect :  Is \t dinner\r\n   ready?  \r\n";

	(void)state;
	dkim_canon_header(DKIM_RELAXED, f, strlen(f), &out);
	assert_string_equal(out.data, "subject:Is dinner ready?\r\n");
	buf_reset(&out);
	dkim_canon_header(DKIM_SIMPLE, f, strlen(f), &out);
	assert_string_equal(out.data, f);
	buf_free(&out);
}

/* Sign the vector with its exact tag list and compare b= bit for bit. */
static void
check_vector(const char *pem, size_t pemlen, const char *alg,
	     const char *sel, const char *want)
{
	struct message m;
	struct crypto_key *k = NULL;
	struct buf field = { 0 }, input = { 0 }, sig = { 0 }, b64 = { 0 };
	struct err e = { 0 };

	load_message(vector_msg, &m);
	assert_int_equal(crypto_key_parse(pem, pemlen, "vector", &k, &e), 0);
	buf_printf(&field,
		   "DKIM-Signature: v=1; a=%s; c=relaxed/relaxed;\r\n"
		   " d=football.example.com; i=@football.example.com;\r\n"
		   " q=dns/txt; s=%s; t=1528637909; h=from : to :\r\n"
		   " subject : date : message-id : from : subject : date;\r\n"
		   " bh=%s;\r\n b=", alg, sel, vector_bh);
	dkim_header_input(DKIM_RELAXED, m.fields, m.nfields, vector_names, 8,
			  field.data, &input);
	assert_int_equal(crypto_dkim_sign(k, input.data, input.len, &sig, &e),
			 0);
	crypto_base64(&b64, sig.data, sig.len);
	assert_string_equal(b64.data, want);
	buf_free(&field);
	buf_free(&input);
	buf_free(&sig);
	buf_free(&b64);
	crypto_key_free(k);
	message_free(&m);
}

static void
test_rfc8463_ed25519(void **state)
{
	(void)state;
	check_vector(ed_key, strlen(ed_key), "ed25519-sha256", "brisbane",
		     ed_b);
	/* The raw seed form of the same key signs the same. */
	check_vector(ed_seed, strlen(ed_seed), "ed25519-sha256", "brisbane",
		     ed_b);
}

static void
test_rfc8463_rsa(void **state)
{
	(void)state;
	check_vector(rsa_key, strlen(rsa_key), "rsa-sha256", "test", rsa_b);
}

static void
test_dns_records(void **state)
{
	struct crypto_key *k = NULL;
	struct err e = { 0 };
	struct buf p = { 0 };

	(void)state;
	assert_int_equal(crypto_key_parse(ed_key, strlen(ed_key), "ed", &k,
					  &e), 0);
	assert_int_equal(crypto_key_dns(k, &p, &e), 0);
	assert_string_equal(p.data,
			    "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=");
	crypto_key_free(k);
	buf_reset(&p);
	assert_int_equal(crypto_key_parse(rsa_key, strlen(rsa_key), "rsa", &k,
					  &e), 0);
	assert_int_equal(crypto_key_bits(k), 1024);
	assert_int_equal(crypto_key_dns(k, &p, &e), 0);
	assert_string_equal(p.data,
			    "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWR"
			    "iGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQiY/J16JYi0Qvx"
			    "/byYzCNb3W91y3FutACDfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHv"
			    "qMKrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3Ip3G+2kryOTI"
			    "KT+l/K4w3QIDAQAB");
	crypto_key_free(k);
	buf_free(&p);
}

static void
test_bad_keys(void **state)
{
	struct crypto_key *k = NULL;
	struct err e = { 0 };

	(void)state;
	assert_int_equal(crypto_key_parse("hello", 5, "junk", &k, &e), -1);
	assert_int_equal(e.cls, ERR_CONFIG);
	assert_null(k);
	err_clear(&e);
}

/* The default h= list over-signs the identity fields. */
static void
test_default_headers(void **state)
{
	struct message m;
	char **names;
	size_t n, i, from = 0, subject = 0, replyto = 0;

	(void)state;
	load_message(vector_msg, &m);
	names = dkim_default_headers(m.fields, m.nfields, &n);
	for (i = 0; i < n; i++) {
		from += strcmp(names[i], "From") == 0;
		subject += strcmp(names[i], "Subject") == 0;
		replyto += strcmp(names[i], "Reply-To") == 0;
		assert_true(strcasecmp(names[i], "Return-Path") != 0);
		assert_true(strcasecmp(names[i], "Received") != 0);
		assert_true(strcasecmp(names[i], "Bcc") != 0);
		free(names[i]);
	}
	free(names);
	assert_int_equal(from, 2);
	assert_int_equal(subject, 2);
	assert_int_equal(replyto, 1);
	message_free(&m);
}

static void
test_parse_canon(void **state)
{
	enum dkim_canon h, b;

	(void)state;
	assert_int_equal(dkim_parse_canon("relaxed/simple", &h, &b), 0);
	assert_int_equal(h, DKIM_RELAXED);
	assert_int_equal(b, DKIM_SIMPLE);
	assert_int_equal(dkim_parse_canon("simple", &h, &b), 0);
	assert_int_equal(h, DKIM_SIMPLE);
	assert_int_equal(b, DKIM_SIMPLE);
	assert_int_equal(dkim_parse_canon("relaxed/odd", &h, &b), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_body_hash_values),
		cmocka_unit_test(test_body_hash_pieces),
		cmocka_unit_test(test_canon_header_relaxed),
		cmocka_unit_test(test_rfc8463_ed25519),
		cmocka_unit_test(test_rfc8463_rsa),
		cmocka_unit_test(test_dns_records),
		cmocka_unit_test(test_bad_keys),
		cmocka_unit_test(test_default_headers),
		cmocka_unit_test(test_parse_canon),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
