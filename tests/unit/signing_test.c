/* signing_test.c - unit tests for signing.h
 *
 * Owns: turning an account's dkim_* settings into keys and parameters
 *       (domain choice, canonicalisation, expiry, h= list, key file
 *       checks, the weak-key warning), and the DKIM-Signature fields
 *       signing_sign produces: their shape (CRLF, line length, tags) and
 *       that each b= verifies with the published key.
 * Not:  canonicalisation against the RFC vectors (dkim_test.c), key
 *       formats (crypto_test.c). */

#include <config.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>

#include "buf.h"
#include "crypto.h"
#include "dkim.h"
#include "err.h"
#include "message.h"
#include "signing.h"
#include "xmalloc.h"
/* tests/unit sees autoconf's config.h first. */
#include "../../src/config.h"
#include "testkeys.h"

/* RFC 8463 Appendix A's 1024-bit RSA key: accepted with a warning. */
static const char rsa1024_pkcs1[] =
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

static const char message_text[] =
	"From: Ann Example <ann@example.org>\n"
	"To: bob@example.net\n"
	"Subject: a test of   DKIM\n"
	"Date: Mon, 1 Jan 2024 10:00:00 +0000\n"
	"Message-ID: <1@example.org>\n"
	"\n"
	"Hello,  Bob.\n"
	"\n"
	"\n";

static char tmpdir[64];
static char rsa_path[128], ed_path[128], weak_path[128], open_path[128];

static void
write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f;

	unlink(path);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, mode), 0);
}

static int
setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/signing_test.XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	snprintf(rsa_path, sizeof(rsa_path), "%s/rsa.pem", tmpdir);
	snprintf(ed_path, sizeof(ed_path), "%s/ed.pem", tmpdir);
	snprintf(weak_path, sizeof(weak_path), "%s/weak.pem", tmpdir);
	snprintf(open_path, sizeof(open_path), "%s/open.pem", tmpdir);
	write_file(rsa_path, rsa2048_pkcs8, 0600);
	write_file(ed_path, ed_pkcs8, 0600);
	write_file(weak_path, rsa1024_pkcs1, 0600);
	write_file(open_path, ed_pkcs8, 0644);
	return 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static struct config cfg;

/* Account "a" from configuration text (printf-style). */
static const struct account *
account_from(const char *fmt, ...)
{
	struct err e = { 0 };
	struct buf text = { 0 };
	struct account *a;
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(&text, fmt, ap);
	va_end(ap);
	config_free(&cfg);
	memset(&cfg, 0, sizeof(cfg));
	if (config_parse_text(&cfg, text.data, text.len, "rc", NULL, &e) != 0)
		fail_msg("config_parse_text: %s", e.msg ? e.msg : "");
	buf_free(&text);
	a = config_account(&cfg, "a");
	assert_non_null(a);
	return a;
}

static int
cfg_teardown(void **state)
{
	(void)state;
	config_free(&cfg);
	memset(&cfg, 0, sizeof(cfg));
	return 0;
}

/* The two-key account most tests use; extra lines appended. */
static const struct account *
two_keys(const char *extra)
{
	return account_from("account a\nhost mail.example.org\n"
			    "dkim_key s1 %s\ndkim_key s2 %s\n%s",
			    rsa_path, ed_path, extra);
}

static void
setup_ok(struct signing *s, const struct account *a, const char *from)
{
	struct err e = { 0 };

	if (signing_setup(s, a, from, &e) != 0)
		fail_msg("signing_setup: %s", e.msg ? e.msg : "");
	assert_int_equal(e.cls, ERR_NONE);
}

/* ---- setup ---- */

static void
test_setup_no_key(void **state)
{
	struct signing s;
	struct message m = { 0 };
	struct buf out = { 0 };
	struct err e = { 0 };

	(void)state;
	setup_ok(&s, account_from("account a\nhost mail.example.org\n"
				  "dkim_domain example.org\n"),
		 "example.org");
	assert_int_equal(s.nkeys, 0);
	assert_null(s.summary);
	/* Signs nothing, and needs no message for it. */
	assert_int_equal(signing_sign(&s, &m, 0, &out, &e), 0);
	assert_int_equal(out.len, 0);
	assert_int_equal(signing_sign(NULL, &m, 0, &out, &e), 0);
	assert_int_equal(out.len, 0);
	signing_free(&s);
	/* No From domain is fine when nothing is signed. */
	setup_ok(&s, account_from("account a\nhost h\n"), NULL);
	assert_int_equal(s.nkeys, 0);
	signing_free(&s);
}

static void
test_setup_two_keys(void **state)
{
	struct signing s;

	(void)state;
	setup_ok(&s, two_keys(""), "example.org");
	assert_int_equal(s.nkeys, 2);
	assert_string_equal(s.keys[0].selector, "s1");
	assert_string_equal(s.keys[1].selector, "s2");
	assert_int_equal(crypto_key_type(s.keys[0].key), CRYPTO_KEY_RSA);
	assert_int_equal(crypto_key_bits(s.keys[0].key), 2048);
	assert_int_equal(crypto_key_type(s.keys[1].key), CRYPTO_KEY_ED25519);
	assert_string_equal(s.summary, "example.org/s1,example.org/s2");
	assert_string_equal(s.domain, "example.org");
	assert_string_equal(s.params.domain, "example.org");
	/* Defaults: relaxed/relaxed, no x=, the default h= list. */
	assert_int_equal(s.params.hcanon, DKIM_RELAXED);
	assert_int_equal(s.params.bcanon, DKIM_RELAXED);
	assert_int_equal(s.params.expire, 0);
	assert_null(s.params.headers);
	assert_int_equal(s.params.nheaders, 0);
	signing_free(&s);
	assert_int_equal(s.nkeys, 0);
	assert_null(s.summary);
}

static void
test_setup_settings(void **state)
{
	struct signing s;

	(void)state;
	setup_ok(&s, two_keys("dkim_canonicalization simple/relaxed\n"
			      "dkim_expire 1h30m\n"), "example.org");
	assert_int_equal(s.params.hcanon, DKIM_SIMPLE);
	assert_int_equal(s.params.bcanon, DKIM_RELAXED);
	assert_int_equal(s.params.expire, 5400);
	signing_free(&s);
	setup_ok(&s, two_keys("dkim_canonicalization relaxed\n"
			      "dkim_expire 7d\n"), "example.org");
	assert_int_equal(s.params.hcanon, DKIM_RELAXED);
	assert_int_equal(s.params.bcanon, DKIM_SIMPLE);
	assert_int_equal(s.params.expire, 7 * 86400);
	signing_free(&s);
	setup_ok(&s, two_keys("dkim_canonicalization simple/simple\n"
			      "dkim_expire off\n"), "example.org");
	assert_int_equal(s.params.hcanon, DKIM_SIMPLE);
	assert_int_equal(s.params.bcanon, DKIM_SIMPLE);
	assert_int_equal(s.params.expire, 0);
	signing_free(&s);
}

static void
test_setup_domain(void **state)
{
	struct signing s;
	struct err e = { 0 };

	(void)state;
	/* dkim_domain beats the From domain. */
	setup_ok(&s, two_keys("dkim_domain example.org\n"), "from.example");
	assert_string_equal(s.domain, "example.org");
	assert_string_equal(s.summary, "example.org/s1,example.org/s2");
	signing_free(&s);
	setup_ok(&s, two_keys(""), "from.example");
	assert_string_equal(s.domain, "from.example");
	assert_string_equal(s.summary, "from.example/s1,from.example/s2");
	signing_free(&s);
	setup_ok(&s, two_keys("dkim_domain example.org\n"), NULL);
	assert_string_equal(s.domain, "example.org");
	signing_free(&s);
	/* Neither: the message cannot be signed. */
	assert_int_equal(signing_setup(&s, two_keys(""), NULL, &e), -1);
	assert_int_equal(e.cls, ERR_DATA);
	err_clear(&e);
	signing_free(&s);
	assert_int_equal(signing_setup(&s, two_keys(""), "", &e), -1);
	assert_int_equal(e.cls, ERR_DATA);
	err_clear(&e);
	signing_free(&s);
}

static void
test_setup_key_errors(void **state)
{
	struct signing s;
	struct err e = { 0 };

	(void)state;
	/* Readable by others: refused. */
	assert_int_equal(signing_setup(&s, account_from(
					       "account a\nhost h\n"
					       "dkim_key s1 %s\n", open_path),
				       "example.org", &e), -1);
	assert_int_equal(e.cls, ERR_NOPERM);
	assert_non_null(strstr(e.msg, open_path));
	err_clear(&e);
	signing_free(&s);
	/* The same as the second key of two. */
	assert_int_equal(signing_setup(&s, account_from(
					       "account a\nhost h\n"
					       "dkim_key s1 %s\n"
					       "dkim_key s2 %s\n", ed_path,
					       open_path),
				       "example.org", &e), -1);
	assert_int_equal(e.cls, ERR_NOPERM);
	err_clear(&e);
	signing_free(&s);
	/* Missing. */
	assert_int_equal(signing_setup(&s, account_from(
					       "account a\nhost h\n"
					       "dkim_key s1 %s/nosuch.pem\n",
					       tmpdir),
				       "example.org", &e), -1);
	assert_int_equal(e.cls, ERR_CONFIG);
	err_clear(&e);
	signing_free(&s);
}

/* A key under 2048 bits is used, with a warning on stderr. */
static void
test_setup_weak_key_warns(void **state)
{
	struct signing s;
	char path[128], text[512] = { 0 };
	int fd, saved;
	ssize_t n;

	(void)state;
	snprintf(path, sizeof(path), "%s/stderr", tmpdir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	dup2(fd, STDERR_FILENO);
	setup_ok(&s, account_from("account a\nhost h\ndkim_key old %s\n"
				  "dkim_key s2 %s\n", weak_path, ed_path),
		 "example.org");
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	n = pread(fd, text, sizeof(text) - 1, 0);
	close(fd);
	assert_true(n > 0);
	assert_int_equal(s.nkeys, 2);
	assert_non_null(strstr(text, weak_path));
	assert_non_null(strstr(text, "1024"));
	/* One warning, for the weak key only. */
	assert_null(strstr(text, ed_path));
	assert_ptr_equal(strchr(text, '\n'), text + strlen(text) - 1);
	signing_free(&s);
}

static void
check_headers(const char *list, const char *const *want, size_t nwant)
{
	struct signing s;
	size_t i;

	setup_ok(&s, two_keys(list), "example.org");
	assert_int_equal(s.nheaders, nwant);
	assert_int_equal(s.params.nheaders, nwant);
	assert_ptr_equal(s.params.headers, s.headers);
	for (i = 0; i < nwant; i++)
		assert_string_equal(s.headers[i], want[i]);
	signing_free(&s);
}

static void
test_setup_headers(void **state)
{
	static const char *const five[] = { "From", "To", "Subject", "Date",
					    "Message-ID" };
	static const char *const two[] = { "from", "subject" };

	(void)state;
	check_headers("dkim_headers From:To:Subject:Date:Message-ID\n", five,
		      5);
	check_headers("dkim_headers From, To Subject\tDate,Message-ID\n",
		      five, 5);
	check_headers("dkim_headers From : To ,, Subject::Date ,Message-ID\n",
		      five, 5);
	/* Used as given: case kept, nothing added. */
	check_headers("dkim_headers from:subject\n", two, 2);
}

/* ---- signatures ---- */

static void
load_message(struct message *m)
{
	struct message_intake in = { 0 };
	struct err e = { 0 };
	int fds[2];

	assert_int_equal(pipe(fds), 0);
	assert_int_equal(write(fds[1], message_text, strlen(message_text)),
			 (ssize_t)strlen(message_text));
	close(fds[1]);
	in.ignore_dots = 1;
	in.max_header = 65536;
	assert_int_equal(message_read(fds[0], &in, m, &e), 0);
	close(fds[0]);
}

struct tag {
	char name[8];
	char *value;   /* unfolded, whitespace removed */
};

/* Split one field's tag list; returns the count. */
static size_t
parse_tags(const char *field, struct tag *tags, size_t max)
{
	const char *p = strchr(field, ':') + 1, *end, *eq;
	size_t n = 0, i, nl;
	struct buf v = { 0 };

	while (*p) {
		end = p + strcspn(p, ";");
		eq = memchr(p, '=', (size_t)(end - p));
		assert_non_null(eq);
		assert_true(n < max);
		p += strspn(p, " \t\r\n");
		nl = 0;
		for (i = 0; p + i < eq; i++)
			if (strchr(" \t\r\n", p[i]) == NULL &&
			    nl + 1 < sizeof(tags[n].name))
				tags[n].name[nl++] = p[i];
		tags[n].name[nl] = '\0';
		for (i = 1; eq + i < end; i++)
			if (strchr(" \t\r\n", eq[i]) == NULL)
				buf_append_char(&v, eq[i]);
		tags[n++].value = buf_steal(&v);
		p = *end ? end + 1 : end;
		p += strspn(p, " \t\r\n");
	}
	return n;
}

static const char *
tag(const struct tag *tags, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(tags[i].name, name) == 0)
			return tags[i].value;
	return NULL;
}

static void
free_tags(struct tag *tags, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(tags[i].value);
}

/* Split out into its DKIM-Signature fields (copies in fields[]). */
static size_t
split_fields(const char *out, char **fields, size_t max)
{
	const char *p = out, *next;
	size_t n = 0;

	while (*p) {
		if (strncmp(p, "DKIM-Signature: ", 16) != 0)
			fail_msg("not a DKIM-Signature field: %.40s", p);
		next = p;
		do {
			next = strstr(next, "\r\n");
			assert_non_null(next);
			next += 2;
		} while (*next == ' ' || *next == '\t');
		assert_true(n < max);
		fields[n++] = xstrndup(p, (size_t)(next - p));
		p = next;
	}
	return n;
}

/* Every line at most 78 octets, CRLF only, continuation lines folded
 * with white space. */
static void
check_lines(const char *field)
{
	const char *p = field, *eol;

	assert_true(strlen(field) > 2);
	assert_string_equal(field + strlen(field) - 2, "\r\n");
	while (*p) {
		eol = strstr(p, "\r\n");
		assert_non_null(eol);
		if ((size_t)(eol - p) > 78)
			fail_msg("line of %zu octets: %.*s", (size_t)(eol - p),
				 (int)(eol - p), p);
		assert_null(memchr(p, '\n', (size_t)(eol - p)));
		assert_null(memchr(p, '\r', (size_t)(eol - p)));
		if (p != field)
			assert_true(*p == ' ' || *p == '\t');
		p = eol + 2;
	}
}

/* Verify b= with GnuTLS against the key's published public key: the
 * signed data is the h= fields and this field with b= emptied. */
static void
check_signature(const char *field, const struct tag *tags, size_t ntags,
		struct message *m, enum dkim_canon hcanon,
		struct crypto_key *key)
{
	struct msg_field *fields = NULL;
	size_t nfields = 0, nnames = 0;
	char *names[64], *h = xstrdup(tag(tags, ntags, "h")), *tok, *save;
	const char *b;
	char *unsigned_field;
	struct buf input = { 0 }, sig = { 0 }, pub = { 0 }, raw = { 0 };
	struct err e = { 0 };
	gnutls_pubkey_t pk;
	gnutls_datum_t d, s;
	unsigned char digest[32];
	int rc;

	for (tok = strtok_r(h, ":", &save); tok != NULL;
	     tok = strtok_r(NULL, ":", &save)) {
		assert_true(nnames < 64);
		names[nnames++] = tok;
	}
	/* b= is the last tag: keep the field up to "b=". */
	b = field + strlen(field);
	while (b > field && !((b[0] == 'b' && b[1] == '=') &&
			      (b[-1] == ' ' || b[-1] == '\t' || b[-1] == ';')))
		b--;
	assert_true(b > field);
	unsigned_field = xstrndup(field, (size_t)(b - field) + 2);
	message_wire_fields(m, 0, &fields, &nfields);
	dkim_header_input(hcanon, fields, nfields, names, nnames,
			  unsigned_field, &input);
	assert_int_equal(crypto_unbase64(tag(tags, ntags, "b"), &sig), 0);
	assert_int_equal(crypto_key_dns(key, &pub, &e), 0);
	assert_int_equal(crypto_unbase64(pub.data, &raw), 0);
	assert_int_equal(gnutls_pubkey_init(&pk), 0);
	d.data = (unsigned char *)raw.data;
	d.size = (unsigned)raw.len;
	s.data = (unsigned char *)sig.data;
	s.size = (unsigned)sig.len;
	if (crypto_key_type(key) == CRYPTO_KEY_RSA) {
		assert_int_equal(gnutls_pubkey_import(pk, &d,
						      GNUTLS_X509_FMT_DER), 0);
		d.data = (unsigned char *)input.data;
		d.size = (unsigned)input.len;
		rc = gnutls_pubkey_verify_data2(pk, GNUTLS_SIGN_RSA_SHA256, 0,
						&d, &s);
	} else {
		assert_int_equal(gnutls_pubkey_import_ecc_raw(
					 pk, GNUTLS_ECC_CURVE_ED25519, &d,
					 NULL), 0);
		crypto_sha256(input.data, input.len, digest);
		d.data = digest;
		d.size = sizeof(digest);
		rc = gnutls_pubkey_verify_data2(pk, GNUTLS_SIGN_EDDSA_ED25519,
						0, &d, &s);
	}
	gnutls_pubkey_deinit(pk);
	message_fields_free(fields, nfields);
	free(unsigned_field);
	free(h);
	buf_free(&input);
	buf_free(&sig);
	buf_free(&pub);
	buf_free(&raw);
	if (rc < 0)
		fail_msg("b= does not verify: %s", gnutls_strerror(rc));
}

/* The body hash bh= must have, computed here from the stored body. */
static char *
body_hash(struct message *m, enum dkim_canon c)
{
	struct dkim_body b;
	unsigned char h[32];
	struct buf out = { 0 };
	char *body = malloc((size_t)m->body_size + 1);

	assert_non_null(body);
	assert_int_equal(pread(m->body_fd, body, (size_t)m->body_size, 0),
			 (ssize_t)m->body_size);
	dkim_body_init(&b, c);
	dkim_body_update(&b, body, (size_t)m->body_size);
	dkim_body_final(&b, h);
	crypto_base64(&out, h, 32);
	free(body);
	return buf_steal(&out);
}

/* Sign the test message with the two-key account plus extra settings and
 * check both fields. */
static void
check_sign(const char *extra, long expire, const char *want_c,
	   const char *want_h)
{
	struct signing s;
	struct message m;
	struct buf out = { 0 };
	struct err e = { 0 };
	struct tag tags[32];
	char *fields[4], *bh;
	const char *algs[] = { "rsa-sha256", "ed25519-sha256" };
	const char *sels[] = { "s1", "s2" };
	size_t nf, nt, i;
	time_t before = time(NULL), after;
	long long t;

	setup_ok(&s, two_keys(extra), "example.org");
	load_message(&m);
	if (signing_sign(&s, &m, 0, &out, &e) != 0)
		fail_msg("signing_sign: %s", e.msg ? e.msg : "");
	after = time(NULL);
	nf = split_fields(buf_cstr(&out), fields, 4);
	assert_int_equal(nf, 2);
	bh = body_hash(&m, s.params.bcanon);
	for (i = 0; i < nf; i++) {
		check_lines(fields[i]);
		nt = parse_tags(fields[i], tags, 32);
		assert_string_equal(tag(tags, nt, "v"), "1");
		assert_string_equal(tag(tags, nt, "a"), algs[i]);
		assert_string_equal(tag(tags, nt, "c"), want_c);
		assert_string_equal(tag(tags, nt, "d"), "example.org");
		assert_string_equal(tag(tags, nt, "s"), sels[i]);
		assert_non_null(tag(tags, nt, "t"));
		t = atoll(tag(tags, nt, "t"));
		assert_true(t >= (long long)before && t <= (long long)after);
		if (expire > 0) {
			assert_non_null(tag(tags, nt, "x"));
			assert_int_equal(atoll(tag(tags, nt, "x")), t + expire);
		} else {
			assert_null(tag(tags, nt, "x"));
		}
		/* l= invites appended content; never used. */
		assert_null(tag(tags, nt, "l"));
		assert_string_equal(tag(tags, nt, "bh"), bh);
		if (want_h != NULL)
			assert_string_equal(tag(tags, nt, "h"), want_h);
		/* b= comes last. */
		assert_string_equal(tags[nt - 1].name, "b");
		check_signature(fields[i], tags, nt, &m, s.params.hcanon,
				s.keys[i].key);
		free_tags(tags, nt);
		free(fields[i]);
	}
	free(bh);
	buf_free(&out);
	message_free(&m);
	signing_free(&s);
}

static void
test_sign_defaults(void **state)
{
	(void)state;
	/* The default list over-signs the identity fields. */
	check_sign("", 0, "relaxed/relaxed",
		   "From:From:Reply-To:Subject:Subject:Date:Date:To:To:Cc:"
		   "Message-ID:Message-ID");
}

static void
test_sign_expire(void **state)
{
	(void)state;
	check_sign("dkim_expire 2d\n", 2 * 86400, "relaxed/relaxed", NULL);
}

/* A caller's huge expiry saturates: x= is never before t=. */
static void
test_sign_expire_saturates(void **state)
{
	struct signing s;
	struct message m;
	struct buf out = { 0 };
	struct err e = { 0 };
	struct tag tags[32];
	char *fields[4];
	size_t nf, nt, i;

	(void)state;
	setup_ok(&s, two_keys(""), "example.org");
	s.params.expire = LONG_MAX;
	load_message(&m);
	if (signing_sign(&s, &m, 0, &out, &e) != 0)
		fail_msg("signing_sign: %s", e.msg ? e.msg : "");
	nf = split_fields(buf_cstr(&out), fields, 4);
	assert_int_equal(nf, 2);
	for (i = 0; i < nf; i++) {
		nt = parse_tags(fields[i], tags, 32);
		assert_non_null(tag(tags, nt, "x"));
		assert_true(tag(tags, nt, "x")[0] != '-');
		assert_true(strtoull(tag(tags, nt, "x"), NULL, 10) >=
			    strtoull(tag(tags, nt, "t"), NULL, 10));
		free_tags(tags, nt);
		free(fields[i]);
	}
	buf_free(&out);
	message_free(&m);
	signing_free(&s);
}

static void
test_sign_settings(void **state)
{
	(void)state;
	check_sign("dkim_canonicalization simple/simple\n"
		   "dkim_headers From, To Subject\n", 0, "simple/simple",
		   "From:To:Subject");
	check_sign("dkim_canonicalization relaxed/simple\n"
		   "dkim_domain example.org\n", 0, "relaxed/simple", NULL);
}

/* A long h= list and a long selector still fold to 78 octets. */
static void
test_sign_folding(void **state)
{
	struct signing s;
	struct message m;
	struct buf out = { 0 }, extra = { 0 };
	struct err e = { 0 };
	char *fields[4];
	size_t nf, i;

	(void)state;
	buf_append_str(&extra, "dkim_headers ");
	for (i = 0; i < 30; i++)
		buf_printf(&extra, "%sX-Header-Number-%zu", i ? ":" : "", i);
	buf_append_str(&extra, "\n");
	setup_ok(&s, account_from("account a\nhost h\n"
				  "dkim_key selector-with-a-long-name-2024 %s\n"
				  "dkim_key s2 %s\n%s", rsa_path, ed_path,
				  extra.data), "example.org");
	load_message(&m);
	assert_int_equal(signing_sign(&s, &m, 0, &out, &e), 0);
	nf = split_fields(buf_cstr(&out), fields, 4);
	assert_int_equal(nf, 2);
	for (i = 0; i < nf; i++) {
		check_lines(fields[i]);
		free(fields[i]);
	}
	buf_free(&out);
	buf_free(&extra);
	message_free(&m);
	signing_free(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_setup_no_key, cfg_teardown),
		cmocka_unit_test_teardown(test_setup_two_keys, cfg_teardown),
		cmocka_unit_test_teardown(test_setup_settings, cfg_teardown),
		cmocka_unit_test_teardown(test_setup_domain, cfg_teardown),
		cmocka_unit_test_teardown(test_setup_key_errors, cfg_teardown),
		cmocka_unit_test_teardown(test_setup_weak_key_warns,
					  cfg_teardown),
		cmocka_unit_test_teardown(test_setup_headers, cfg_teardown),
		cmocka_unit_test_teardown(test_sign_defaults, cfg_teardown),
		cmocka_unit_test_teardown(test_sign_expire, cfg_teardown),
		cmocka_unit_test_teardown(test_sign_expire_saturates,
					  cfg_teardown),
		cmocka_unit_test_teardown(test_sign_settings, cfg_teardown),
		cmocka_unit_test_teardown(test_sign_folding, cfg_teardown),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
