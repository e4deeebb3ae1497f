/* crypto_test.c - unit tests for crypto.h
 *
 * Owns: base64 against RFC 4648 section 10, SHA-256, HMAC-SHA-256 (RFC
 *       4231), HMAC-MD5 (RFC 2202) and PBKDF2-HMAC-SHA-256 (RFC 7914
 *       section 11) known answers, key parsing and loading (formats,
 *       refusals, the permission rule), key generation, and signatures
 *       checked with GnuTLS's own verifier against the published key.
 * Not:  DKIM tags and canonicalisation (dkim_test.c). */

#include <config.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>

#include "buf.h"
#include "crypto.h"
#include "spool.h"
#include "err.h"
#include "testkeys.h"

/* The same RSA key as testkeys.h's rsa2048_pkcs8, written as PKCS#1. */
static const char rsa2048_pkcs1[] =
	"-----BEGIN RSA PRIVATE KEY-----\n"
	"MIIEpAIBAAKCAQEAz1U0JSGM2tSteJlmIwjfq3hJZHYYnNLtxZ+CsMkg2HlPycTy\n"
	"wTcBQ+Jp9ZhXOSSkwRyu+DjNEhRY0YVl7A4PntMwUm9u/CnOATBLllI8hCNNmkth\n"
	"zSFQ4dgc8ScFaR+XTuVHWP0WltHDmktSDf51F7j7OQ0SHp9DSQ6pPpk60CYoqN+B\n"
	"8SOgepGkrBQdf8M/2yepz8Yt1x3iHpxPZcWeNm3DqZJLYYa46QEU8mjxgjg5uZ3Y\n"
	"HSm2/mNDUJc+GQ3QqSn39UChk6g8AZqBUBI9dRXxV7lzj7TuExm2/jbdH8LDW4RC\n"
	"VME/R8xV+X8yQF0kIvnUGwevp72xgO2dGDPCIwIDAQABAoIBAQC6041EdEIHoqOa\n"
	"S6hUo5dhXOfNhflRv2QQs1bB1MsrJc13BGi3IMicEjbm3tqiHFn1xdIIzK5Fv131\n"
	"lx4rotQCi008yzsYMNd4DLvf/cSYUXOJOKotfPr0N5iE2WOvwY7HwiUTlCO5zdVT\n"
	"gNG02HlM4hxG4XdVbq/j8jkhtlPf4RH/MnlLqwCDoKhna6GrtMAdFHJYq57KAOXf\n"
	"aznc6dBT1gQE0zSeSErPrBvZD9Ka7+zdXKi8BKTkTwEVG2iA0ypNsZd9QSEmNJsM\n"
	"MbxiqAdTsMRXuvY+gGcTxpQrd/mEv63hSY7x+vu5Ug+AaWEMmaAoW3yy1JUqhbAT\n"
	"XfOOMKLRAoGBANNm7n6Uva1oYqT5E1pipU5hlcibHAFTG5zwYfp+zWbkLU29bL09\n"
	"qFxVih8qfl3gq9F9Hwd1g0lyBH8DPK1ixNo0HBHmZ7cQln2IbnUSJHd/VjR9nygD\n"
	"UJ0Xh9TuxSnZCBokDrT7CW59+B1uM+hIrY1Tq8rGcQJV+nbnktgahtT7AoGBAPsS\n"
	"gajKVd224VsEzrk5aeRo/HuV45NARtl8ejtXweybErBI0ow/em2EY1rvoVFOts7f\n"
	"nNWIeLh+zn1Ue40yBeVykiGFZG4aHxX87eHaZ8jdlwYWsfmPRHgnB3W9FGHOfFSa\n"
	"YXM0P0H+fIjRB+Q/ifnR5ysEENlFWjDPfTypJK75AoGAPdy/KdeI8fe79h7VJPv8\n"
	"98TiugN53IFfcTt+0HjOzq8y+q7V5ULnw61cb+ZVeE9IuFLvA5XFx3ZQDoL5/JsM\n"
	"k/XvyOUtsIpwH2gPOr8GYNmodk/UhTcDHhVGsG72z1otXsjybM+RYP4H30Tid7Tc\n"
	"5KB5gysy4sYaNzVo6UhJ8IUCgYEAlzyFl9wRrxU7WC1kLNS1wZ2wAO3AAPIl+1ns\n"
	"8xQgv1qF/mRPV6XhJFkr1BomjSiiG6k8+q9TMKdJ0Nrz9ZBdVuIVvlVwspXPhdou\n"
	"nO6Ht8oq78L5//7Z2pp/9t8niObto7S+4LtnI2SdNXjcjRPtE+vpmNLBJ2+MLXy+\n"
	"zqyAaVkCgYBSDP3UjyefObcLqlXBzbuKdC/3Nf8JZdp+KpMfBPZhAmifhtaGYnkG\n"
	"bl9Wy43ieMoDf0R1Frt5iiMZjtmm/vzYY1FMK51LNgP2Ck2z1/p+MeeXsNewMMAN\n"
	"4hfYZkXdFHrfbB2COkmkf2UzouUG3utfsvYcAy0S1/Zj7Me77YSEwg==\n"
	"-----END RSA PRIVATE KEY-----\n";

/* Its public key as DER SubjectPublicKeyInfo, base64 (openssl pkey
 * -pubout -outform DER). */
static const char rsa512_pkcs1[] =
	"-----BEGIN RSA PRIVATE KEY-----\n"
	"MIIBOwIBAAJBAMWfe+EDebC10X8u67SeQBW/ZpxhVtVOW3PFKOpbwhNdXFq48dvV\n"
	"MGKrWKIQ16e/g72092EVN5tWiRsB1wxzSx0CAwEAAQJAU3SSP+fT0Ag4PFl4OIJL\n"
	"1eNKVefVX6cDf9RW/wFY6AvZxGaNLppZQ3l09ZABwTDKuzABcrtNKN/m1ONMI488\n"
	"EQIhAP3LX7aOsGK63JxNfIDmU5KDALXnTLBVS4Tejml3HWunAiEAx1ckrXio2yS6\n"
	"3OYp7zg9npwGUJ7GpHbyVy6ObaGDm5sCIQCkKiFHXRULSAPbtuOKHXKBmuuivnME\n"
	"vKeU0sEbx0jokQIhAKd+joAAIYm5bBXOg6/Qxt3t5dR6BRkOJQSiRuTRUL8/AiBM\n"
	"4Ujc3GPYBgVSubzFcN1me+/FzPQ8owyTLZG0+H3aDw==\n"
	"-----END RSA PRIVATE KEY-----\n";

/* An ECDSA P-256 key: a valid key of a type DKIM signing does not use. */
static const char p256_pkcs8[] =
	"-----BEGIN PRIVATE KEY-----\n"
	"MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgEIYSEqGbGp3jOznB\n"
	"ul1tGHzfj9Pp3bboadFk/EkUfj2hRANCAARvOQk5/9QlBnPaCJ73dMBagf3ZcFWL\n"
	"TDcZ2tJ00KVUZV6OxIKNtF6BScFSo5dZbQdWYvmUwevMViZpnfsN/mzK\n"
	"-----END PRIVATE KEY-----\n";

static const char ed_seed_b64[] =
	"nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=\n";
static const unsigned char ed_pub[32] = {
	0xd7, 0x5a, 0x98, 0x01, 0x82, 0xb1, 0x0a, 0xb7, 0xd5, 0x4b, 0xfe,
	0xd3, 0xc9, 0x64, 0x07, 0x3a, 0x0e, 0xe1, 0x72, 0xf3, 0xda, 0xa6,
	0x23, 0x25, 0xaf, 0x02, 0x1a, 0x68, 0xf7, 0x07, 0x51, 0x1a
};

static char tmpdir[64];

static int
setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/crypto_test.XXXXXX");
	return mkdtemp(tmpdir) != NULL ? 0 : -1;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* tmpdir/name; static storage, one at a time. */
static const char *
tmp_path(const char *name)
{
	static char path[128];

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	return path;
}

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

static void
hex(const unsigned char *p, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
}

static void
assert_hex(const unsigned char *p, size_t n, const char *want)
{
	char got[256];

	assert_true(2 * n < sizeof(got));
	hex(p, n, got);
	assert_string_equal(got, want);
}

/* Check a DKIM signature made by key over data with GnuTLS's verifier,
 * using the public key crypto_key_dns publishes; 1 when it verifies. */
static int
verifies(struct crypto_key *key, const char *data,
		const struct buf *sig)
{
	struct buf p = { 0 }, raw = { 0 };
	struct err e = { 0 };
	gnutls_pubkey_t pub;
	gnutls_datum_t d, s = { (unsigned char *)sig->data,
				(unsigned)sig->len };
	unsigned char digest[CRYPTO_SHA256_LEN];
	int rc;

	assert_int_equal(crypto_key_dns(key, &p, &e), 0);
	assert_int_equal(crypto_unbase64(p.data, &raw), 0);
	d.data = (unsigned char *)raw.data;
	d.size = (unsigned)raw.len;
	assert_int_equal(gnutls_pubkey_init(&pub), 0);
	if (crypto_key_type(key) == CRYPTO_KEY_RSA) {
		assert_int_equal(gnutls_pubkey_import(pub, &d,
						      GNUTLS_X509_FMT_DER), 0);
		d.data = (unsigned char *)data;
		d.size = (unsigned)strlen(data);
		rc = gnutls_pubkey_verify_data2(pub, GNUTLS_SIGN_RSA_SHA256, 0,
						&d, &s);
	} else {
		assert_int_equal(raw.len, 32);
		assert_int_equal(gnutls_pubkey_import_ecc_raw(
					 pub, GNUTLS_ECC_CURVE_ED25519, &d,
					 NULL), 0);
		/* RFC 8463: Ed25519 signs the SHA-256 of the input. */
		crypto_sha256(data, strlen(data), digest);
		d.data = digest;
		d.size = sizeof(digest);
		rc = gnutls_pubkey_verify_data2(pub, GNUTLS_SIGN_EDDSA_ED25519,
						0, &d, &s);
	}
	gnutls_pubkey_deinit(pub);
	buf_free(&p);
	buf_free(&raw);
	return rc >= 0;
}

/* Sign a fixed text with key and verify it; a changed text must not
 * verify, so the check above cannot pass vacuously. */
static void
assert_signs(struct crypto_key *key)
{
	struct buf sig = { 0 };
	struct err e = { 0 };

	assert_int_equal(crypto_dkim_sign(key, "hello\r\n", 7, &sig, &e), 0);
	assert_int_equal(e.cls, ERR_NONE);
	if (crypto_key_type(key) == CRYPTO_KEY_RSA)
		assert_int_equal(sig.len, crypto_key_bits(key) / 8);
	else
		assert_int_equal(sig.len, 64);
	assert_true(verifies(key, "hello\r\n", &sig));
	assert_false(verifies(key, "hello\n", &sig));
	sig.data[sig.len / 2] ^= 1;
	assert_false(verifies(key, "hello\r\n", &sig));
	buf_free(&sig);
}

/* ---- base64 ---- */

static const struct {
	const char *plain, *b64;
} rfc4648[] = {
	{ "", "" },
	{ "f", "Zg==" },
	{ "fo", "Zm8=" },
	{ "foo", "Zm9v" },
	{ "foob", "Zm9vYg==" },
	{ "fooba", "Zm9vYmE=" },
	{ "foobar", "Zm9vYmFy" },
};

static void
test_base64_rfc4648(void **state)
{
	struct buf b = { 0 };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rfc4648) / sizeof(rfc4648[0]); i++) {
		buf_reset(&b);
		crypto_base64(&b, rfc4648[i].plain, strlen(rfc4648[i].plain));
		assert_string_equal(buf_cstr(&b), rfc4648[i].b64);
		buf_reset(&b);
		assert_int_equal(crypto_unbase64(rfc4648[i].b64, &b), 0);
		assert_int_equal(b.len, strlen(rfc4648[i].plain));
		assert_memory_equal(buf_cstr(&b), rfc4648[i].plain, b.len);
	}
	/* crypto_base64 appends. */
	buf_reset(&b);
	buf_append_str(&b, "x:");
	crypto_base64(&b, "foo", 3);
	assert_string_equal(b.data, "x:Zm9v");
	buf_free(&b);
}

/* Every byte value survives a round trip, and the output alphabet is the
 * standard one (not base64url). */
static void
test_base64_binary(void **state)
{
	unsigned char all[256];
	struct buf b = { 0 }, back = { 0 };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(all); i++)
		all[i] = (unsigned char)(255 - i);
	crypto_base64(&b, all, sizeof(all));
	assert_int_equal(b.len, 344);
	assert_null(strchr(b.data, '\n'));
	assert_null(strchr(b.data, '-'));
	assert_null(strchr(b.data, '_'));
	assert_non_null(strchr(b.data, '+'));
	assert_non_null(strchr(b.data, '/'));
	assert_int_equal(crypto_unbase64(b.data, &back), 0);
	assert_int_equal(back.len, sizeof(all));
	assert_memory_equal(back.data, all, sizeof(all));
	buf_free(&b);
	buf_free(&back);
}

static void
test_unbase64_whitespace(void **state)
{
	struct buf b = { 0 };

	(void)state;
	assert_int_equal(crypto_unbase64(" Zm9v\r\n\tYmFy \n", &b), 0);
	assert_string_equal(buf_cstr(&b), "foobar");
	buf_reset(&b);
	assert_int_equal(crypto_unbase64("Zm9v\nYg==\n", &b), 0);
	assert_string_equal(buf_cstr(&b), "foob");
	buf_free(&b);
}

static int
unbase64_refuses(const char *s)
{
	struct buf b = { 0 };
	int rc = crypto_unbase64(s, &b);

	buf_free(&b);
	return rc == -1;
}

static void
check_unbase64_bad(const char *s)
{
	if (!unbase64_refuses(s))
		fail_msg("unbase64 accepted \"%s\"", s);
}

static void
test_unbase64_bad(void **state)
{
	(void)state;
	check_unbase64_bad("Zm9v!");
	check_unbase64_bad("Zm9v*YmFy");
	check_unbase64_bad("Zm9-");        /* base64url */
	check_unbase64_bad("Zm9_");
	check_unbase64_bad("Zg=Zg==");     /* data after padding */
	check_unbase64_bad("=Zm9v");
	check_unbase64_bad("Zg===");       /* three pad characters */
	check_unbase64_bad("====");
	check_unbase64_bad("Zm9v\x80");    /* 8-bit byte */
}

/* Inputs no encoder produces: "Z" (one character: 6 bits, no byte),
 * "Zm9vY" (5 characters), "Zm9vYg=" (one '=' short). Regression:
 * crypto_unbase64 used to ignore leftover bits and accept all three. */
static void
test_unbase64_truncated(void **state)
{
	static const char *const bad[] = { "Z", "Zm9vY", "Zm9vYg=" };
	struct buf accepted = { 0 };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (!unbase64_refuses(bad[i]))
			buf_printf(&accepted, " \"%s\"", bad[i]);
	if (accepted.len > 0) {
		fprintf(stderr, "unbase64 accepted%s\n", accepted.data);
		buf_free(&accepted);
		fail();
	}
}

/* ---- digests and MACs ---- */

static void
test_sha256(void **state)
{
	unsigned char out[CRYPTO_SHA256_LEN];
	struct crypto_sha256 h;
	const char *msg = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnop"
			  "nopq";
	size_t i;

	(void)state;
	crypto_sha256("abc", 3, out);
	assert_hex(out, 32, "ba7816bf8f01cfea414140de5dae2223"
			    "b00361a396177a9cb410ff61f20015ad");
	crypto_sha256("", 0, out);
	assert_hex(out, 32, "e3b0c44298fc1c149afbf4c8996fb924"
			    "27ae41e4649b934ca495991b7852b855");
	/* FIPS 180-2's two-block message, fed a byte at a time. */
	crypto_sha256_init(&h);
	for (i = 0; msg[i]; i++)
		crypto_sha256_update(&h, msg + i, 1);
	crypto_sha256_update(&h, "", 0);
	crypto_sha256_final(&h, out);
	assert_null(h.hd);
	assert_hex(out, 32, "248d6a61d20638b8e5c026930c3e6039"
			    "a33ce45964ff2167f6ecedd419db06c1");
}

static void
test_hmac_sha256_rfc4231(void **state)
{
	unsigned char out[32], key[20];
	const char *data = "what do ya want for nothing?";

	(void)state;
	/* Test case 2. */
	crypto_hmac_sha256("Jefe", 4, data, strlen(data), out);
	assert_hex(out, 32, "5bdcc146bf60754e6a042426089575c7"
			    "5a003f089d2739839dec58b964ec3843");
	/* Test case 1. */
	memset(key, 0x0b, sizeof(key));
	crypto_hmac_sha256(key, sizeof(key), "Hi There", 8, out);
	assert_hex(out, 32, "b0344c61d8db38535ca8afceaf0bf12b"
			    "881dc200c9833da726e9376c2e32cff7");
}

static void
test_hmac_md5_rfc2202(void **state)
{
	unsigned char out[16], key[16];
	const char *data = "what do ya want for nothing?";

	(void)state;
	crypto_hmac_md5("Jefe", 4, data, strlen(data), out);
	assert_hex(out, 16, "750c783e6ab0b503eaa86e310a5db738");
	memset(key, 0x0b, sizeof(key));
	crypto_hmac_md5(key, sizeof(key), "Hi There", 8, out);
	assert_hex(out, 16, "9294727a3638bb1c13f48ef8158bfc9d");
}

static void
test_pbkdf2_rfc7914(void **state)
{
	unsigned char out[64];

	(void)state;
	assert_int_equal(crypto_pbkdf2_sha256("passwd", 6, "salt", 4, 1, out,
					      sizeof(out)), 0);
	assert_hex(out, 64,
		   "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57"
		   "c20dacbc49ca9cccf179b645991664b39d77ef317c71b845b1e30bd5"
		   "09112041d3a19783");
	assert_int_equal(crypto_pbkdf2_sha256("Password", 8, "NaCl", 4, 80000,
					      out, sizeof(out)), 0);
	assert_hex(out, 64,
		   "4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff0887"
		   "6b34ab56a1d425a1225833549adb841b51c9b3176a272bdebba1d078"
		   "478f62b397f33c8d");
	/* A shorter output is a prefix of the longer one. */
	memset(out, 0, sizeof(out));
	assert_int_equal(crypto_pbkdf2_sha256("passwd", 6, "salt", 4, 1, out,
					      32), 0);
	assert_hex(out, 32, "55ac046e56e3089fec1691c22544b605"
			    "f94185216dde0465e68b9d57c20dacbc");
}

static void
test_random(void **state)
{
	unsigned char a[64], b[64], zero[64];

	(void)state;
	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));
	memset(zero, 0, sizeof(zero));
	crypto_random(a, sizeof(a));
	crypto_random(b, sizeof(b));
	assert_memory_not_equal(a, zero, sizeof(a));
	assert_memory_not_equal(b, zero, sizeof(b));
	assert_memory_not_equal(a, b, sizeof(a));
	crypto_random(a, 0);
}

/* ---- keys ---- */

static struct crypto_key *
parse_ok(const char *text, enum crypto_key_type type, unsigned bits)
{
	struct crypto_key *k = NULL;
	struct err e = { 0 };

	if (crypto_key_parse(text, strlen(text), "test", &k, &e) != 0)
		fail_msg("crypto_key_parse: %s", e.msg ? e.msg : "");
	assert_non_null(k);
	assert_int_equal(crypto_key_type(k), type);
	assert_int_equal(crypto_key_bits(k), bits);
	return k;
}

static void
assert_dns(struct crypto_key *k, const char *want)
{
	struct buf p = { 0 };
	struct err e = { 0 };

	assert_int_equal(crypto_key_dns(k, &p, &e), 0);
	assert_string_equal(p.data, want);
	buf_free(&p);
}

static void
test_parse_rsa(void **state)
{
	struct crypto_key *k;

	(void)state;
	k = parse_ok(rsa2048_pkcs8, CRYPTO_KEY_RSA, 2048);
	assert_dns(k, rsa2048_spki);
	assert_signs(k);
	crypto_key_free(k);
	/* PKCS#1 is the same key. */
	k = parse_ok(rsa2048_pkcs1, CRYPTO_KEY_RSA, 2048);
	assert_dns(k, rsa2048_spki);
	assert_signs(k);
	crypto_key_free(k);
}

static void
test_parse_ed25519(void **state)
{
	struct crypto_key *k;
	struct buf p = { 0 }, pem = { 0 }, seed = { 0 };

	(void)state;
	crypto_base64(&p, ed_pub, sizeof(ed_pub));
	k = parse_ok(ed_pkcs8, CRYPTO_KEY_ED25519, 256);
	assert_dns(k, p.data);
	assert_signs(k);
	crypto_key_free(k);
	/* The raw seed, with and without a final newline. */
	k = parse_ok(ed_seed_b64, CRYPTO_KEY_ED25519, 256);
	assert_dns(k, p.data);
	assert_signs(k);
	crypto_key_free(k);
	buf_append(&seed, ed_seed_b64, strlen(ed_seed_b64) - 1);
	k = parse_ok(seed.data, CRYPTO_KEY_ED25519, 256);
	assert_dns(k, p.data);
	crypto_key_free(k);
	/* Text around the PEM block, as openssl writes with -text. */
	buf_printf(&pem, "Private-Key:\n    garbage: 00\n%s", ed_pkcs8);
	k = parse_ok(pem.data, CRYPTO_KEY_ED25519, 256);
	crypto_key_free(k);
	buf_free(&p);
	buf_free(&pem);
	buf_free(&seed);
}

static void
check_refused(const char *text, const char *what)
{
	struct crypto_key *k = (struct crypto_key *)&k;
	struct err e = { 0 };

	if (crypto_key_parse(text, strlen(text), "bad.key", &k, &e) != -1)
		fail_msg("accepted %s", what);
	assert_null(k);
	assert_int_equal(e.cls, ERR_CONFIG);
	assert_non_null(e.msg);
	assert_non_null(strstr(e.msg, "bad.key"));
	err_clear(&e);
}

static void
test_parse_junk(void **state)
{
	struct buf b = { 0 };
	unsigned char raw[33];

	(void)state;
	check_refused("hello", "a word");
	check_refused("", "nothing");
	check_refused("-----BEGIN PRIVATE KEY-----\nAAAA\n"
		      "-----END PRIVATE KEY-----\n", "a broken PEM");
	/* Base64 of 31 and 33 bytes is not an Ed25519 seed. */
	memset(raw, 7, sizeof(raw));
	crypto_base64(&b, raw, 31);
	check_refused(b.data, "a 31-byte seed");
	buf_reset(&b);
	crypto_base64(&b, raw, 33);
	check_refused(b.data, "a 33-byte seed");
	/* A certificate is not a private key. */
	check_refused("-----BEGIN CERTIFICATE-----\nMIIB\n"
		      "-----END CERTIFICATE-----\n", "a certificate");
	buf_free(&b);
}

static void
test_parse_other_types(void **state)
{
	(void)state;
	check_refused(p256_pkcs8, "an ECDSA key");
}

static void
test_parse_rsa_too_small(void **state)
{
	struct crypto_key *k = NULL;
	struct err e = { 0 };

	(void)state;
	assert_int_equal(crypto_key_parse(rsa512_pkcs1, strlen(rsa512_pkcs1),
					  "small.key", &k, &e), -1);
	assert_null(k);
	assert_int_equal(e.cls, ERR_CONFIG);
	assert_non_null(strstr(e.msg, "512"));
	err_clear(&e);
}

static void
test_load_permissions(void **state)
{
	const char *path = tmp_path("key.pem");
	struct crypto_key *k = NULL;
	struct err e = { 0 };
	static const mode_t bad[] = { 0644, 0640, 0604, 0660, 0602 };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		write_file(path, ed_pkcs8, bad[i]);
		assert_int_equal(crypto_key_load(path, &k, &e), -1);
		assert_null(k);
		assert_int_equal(e.cls, ERR_NOPERM);
		assert_non_null(strstr(e.msg, path));
		err_clear(&e);
	}
	write_file(path, ed_pkcs8, 0600);
	assert_int_equal(crypto_key_load(path, &k, &e), 0);
	assert_int_equal(crypto_key_type(k), CRYPTO_KEY_ED25519);
	crypto_key_free(k);
	write_file(path, rsa2048_pkcs1, 0400);
	assert_int_equal(crypto_key_load(path, &k, &e), 0);
	assert_int_equal(crypto_key_bits(k), 2048);
	crypto_key_free(k);
	/* The small key is refused from a file too, for its size. */
	write_file(path, rsa512_pkcs1, 0600);
	assert_int_equal(crypto_key_load(path, &k, &e), -1);
	assert_int_equal(e.cls, ERR_CONFIG);
	err_clear(&e);
	unlink(path);
}

/* Root's key that the dsmtp group (the queue daemon) may read, 0640
 * root:dsmtp, is taken; any other group, or anything wider, is not. */
static void
test_load_group_dsmtp(void **state)
{
	const char *path = tmp_path("key.pem");
	const struct group *g = getgrnam(SPOOL_GROUP);
	struct crypto_key *k = NULL;
	struct err e = { 0 };
	static const mode_t bad[] = { 0644, 0660, 0650, 0641, 0604 };
	size_t i;

	(void)state;
	if (g == NULL || geteuid() != 0)
		skip(); /* tests/peers.sh makes the group, as root */
	write_file(path, ed_pkcs8, 0640);
	assert_int_equal(chown(path, 0, g->gr_gid), 0);
	assert_int_equal(crypto_key_load(path, &k, &e), 0);
	crypto_key_free(k);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(chmod(path, bad[i]), 0);
		assert_int_equal(crypto_key_load(path, &k, &e), -1);
		assert_int_equal(e.cls, ERR_NOPERM);
		err_clear(&e);
	}
	/* The right mode, another group: refused. */
	assert_int_equal(chmod(path, 0640), 0);
	assert_int_equal(chown(path, 0, g->gr_gid == 0 ? 1 : 0), 0);
	assert_int_equal(crypto_key_load(path, &k, &e), -1);
	err_clear(&e);
	unlink(path);
}

static void
test_load_missing(void **state)
{
	struct crypto_key *k = NULL;
	struct err e = { 0 };

	(void)state;
	assert_int_equal(crypto_key_load(tmp_path("nosuch.pem"), &k, &e), -1);
	assert_null(k);
	assert_int_equal(e.cls, ERR_CONFIG);
	assert_non_null(strstr(e.msg, "nosuch.pem"));
	err_clear(&e);
}

static void
check_keygen(enum crypto_key_type type, unsigned bits, const char *name)
{
	const char *path = tmp_path(name);
	struct crypto_key *k = NULL, *again = NULL, *loaded = NULL;
	struct buf p1 = { 0 }, p2 = { 0 };
	struct err e = { 0 };
	struct stat st;
	char head[32] = { 0 };
	FILE *f;

	unlink(path);
	if (crypto_keygen(type, bits, path, &k, &e) != 0)
		fail_msg("crypto_keygen: %s", e.msg ? e.msg : "");
	assert_non_null(k);
	assert_int_equal(crypto_key_type(k), type);
	assert_int_equal(crypto_key_bits(k), type == CRYPTO_KEY_RSA ? bits
								    : 256);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(head, sizeof(head), f));
	fclose(f);
	assert_string_equal(head, "-----BEGIN PRIVATE KEY-----\n");
	assert_signs(k);

	/* What was written is the key that was returned. */
	assert_int_equal(crypto_key_load(path, &loaded, &e), 0);
	assert_int_equal(crypto_key_dns(k, &p1, &e), 0);
	assert_int_equal(crypto_key_dns(loaded, &p2, &e), 0);
	assert_string_equal(p1.data, p2.data);

	/* Never overwrites. */
	assert_int_equal(crypto_keygen(type, bits, path, &again, &e), -1);
	assert_int_equal(e.cls, ERR_CANTCREAT);
	assert_null(again);
	err_clear(&e);
	crypto_key_free(loaded);
	assert_int_equal(crypto_key_load(path, &loaded, &e), 0);
	buf_reset(&p2);
	assert_int_equal(crypto_key_dns(loaded, &p2, &e), 0);
	assert_string_equal(p1.data, p2.data);

	crypto_key_free(k);
	crypto_key_free(loaded);
	buf_free(&p1);
	buf_free(&p2);
	unlink(path);
}

static void
test_keygen_ed25519(void **state)
{
	(void)state;
	check_keygen(CRYPTO_KEY_ED25519, 0, "ed.pem");
}

static void
test_keygen_rsa(void **state)
{
	(void)state;
	check_keygen(CRYPTO_KEY_RSA, 1024, "rsa.pem");
}

/* Two generated keys differ. */
static void
test_keygen_fresh(void **state)
{
	struct crypto_key *a = NULL, *b = NULL;
	struct buf pa = { 0 }, pb = { 0 };
	struct err e = { 0 };
	char path[128];

	(void)state;
	snprintf(path, sizeof(path), "%s", tmp_path("a.pem"));
	assert_int_equal(crypto_keygen(CRYPTO_KEY_ED25519, 0, path, &a, &e),
			 0);
	unlink(path);
	assert_int_equal(crypto_keygen(CRYPTO_KEY_ED25519, 0, path, &b, &e),
			 0);
	unlink(path);
	assert_int_equal(crypto_key_dns(a, &pa, &e), 0);
	assert_int_equal(crypto_key_dns(b, &pb, &e), 0);
	assert_string_not_equal(pa.data, pb.data);
	crypto_key_free(a);
	crypto_key_free(b);
	buf_free(&pa);
	buf_free(&pb);
}

static void
test_keygen_unwritable(void **state)
{
	struct crypto_key *k = NULL;
	struct err e = { 0 };

	(void)state;
	assert_int_equal(crypto_keygen(CRYPTO_KEY_ED25519, 0,
				       tmp_path("nodir/key.pem"), &k, &e), -1);
	assert_null(k);
	assert_int_equal(e.cls, ERR_CANTCREAT);
	assert_non_null(strstr(e.msg, "nodir/key.pem"));
	err_clear(&e);
}

/* A refused size leaves no file. Regression: crypto_keygen(CRYPTO_KEY_RSA,
 * 512, path) used to write the key and only then refuse it, leaving a key
 * file the caller was told was not made (and a retry failing with "File
 * exists"). */
static void
test_keygen_refused_leaves_no_file(void **state)
{
	const char *path = tmp_path("small.pem");
	struct crypto_key *k = NULL;
	struct err e = { 0 };

	(void)state;
	unlink(path);
	assert_int_equal(crypto_keygen(CRYPTO_KEY_RSA, 512, path, &k, &e), -1);
	assert_null(k);
	err_clear(&e);
	if (access(path, F_OK) == 0) {
		unlink(path);
		fail_msg("a refused 512-bit key was left at %s", path);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_base64_rfc4648),
		cmocka_unit_test(test_base64_binary),
		cmocka_unit_test(test_unbase64_whitespace),
		cmocka_unit_test(test_unbase64_bad),
		cmocka_unit_test(test_unbase64_truncated),
		cmocka_unit_test(test_sha256),
		cmocka_unit_test(test_hmac_sha256_rfc4231),
		cmocka_unit_test(test_hmac_md5_rfc2202),
		cmocka_unit_test(test_pbkdf2_rfc7914),
		cmocka_unit_test(test_random),
		cmocka_unit_test(test_parse_rsa),
		cmocka_unit_test(test_parse_ed25519),
		cmocka_unit_test(test_parse_junk),
		cmocka_unit_test(test_parse_other_types),
		cmocka_unit_test(test_parse_rsa_too_small),
		cmocka_unit_test(test_load_permissions),
		cmocka_unit_test(test_load_group_dsmtp),
		cmocka_unit_test(test_load_missing),
		cmocka_unit_test(test_keygen_ed25519),
		cmocka_unit_test(test_keygen_rsa),
		cmocka_unit_test(test_keygen_fresh),
		cmocka_unit_test(test_keygen_unwritable),
		cmocka_unit_test(test_keygen_refused_leaves_no_file),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
