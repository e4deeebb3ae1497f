/* dane_test.c - unit tests for dane.h
 *
 * Owns: which TLSA records are usable, DANE-EE (the leaf alone, names and
 *       dates ignored), DANE-TA (an anchor above the leaf, then the MX
 *       name and the dates checked), unusable-only record sets, broken
 *       chains. The certificates are made at run time with GnuTLS (a
 *       root, an intermediate, leaves below it); the association data is
 *       computed here from the keys and the DER, not through dane.c.
 * Not:  the TLSA lookup or the handshake (tests/integration/mx.py). */

#include <config.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "dane.h"
#include "xmalloc.h"

#define HOST "mx.example.test"
#define DAY (24 * 60 * 60)

enum { ROOT, INTER, LEAF, EXPIRED, OTHER, NCERTS };

/* What each certificate is: its name, issuer and validity. */
struct spec {
	const char *cn;
	const char *dns; /* subjectAltName, or NULL for a CA */
	int issuer;      /* index into the table, or -1: self-signed */
	long from, to;   /* days from now */
};

static const struct spec specs[NCERTS] = {
	[ROOT] = { "Test Root CA", NULL, -1, -1, 3650 },
	[INTER] = { "Test Intermediate CA", NULL, ROOT, -1, 3650 },
	[LEAF] = { HOST, HOST, INTER, -1, 365 },
	[EXPIRED] = { HOST, HOST, INTER, -30, -1 },
	[OTHER] = { "other.example.test", "other.example.test", INTER, -1,
		    365 },
};

static gnutls_x509_privkey_t keys[NCERTS];
static gnutls_x509_crt_t crts[NCERTS];
static gnutls_datum_t der[NCERTS];  /* the certificates */
static gnutls_datum_t spki[NCERTS]; /* their keys, from the private key */

static void
make_key(int i)
{
	gnutls_privkey_t pk;
	gnutls_pubkey_t pub;

	assert_int_equal(gnutls_x509_privkey_init(&keys[i]), 0);
	assert_int_equal(gnutls_x509_privkey_generate(
				 keys[i], GNUTLS_PK_ECDSA,
				 GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1),
				 0),
			 0);
	assert_int_equal(gnutls_privkey_init(&pk), 0);
	assert_int_equal(gnutls_privkey_import_x509(pk, keys[i], 0), 0);
	assert_int_equal(gnutls_pubkey_init(&pub), 0);
	assert_int_equal(gnutls_pubkey_import_privkey(pub, pk, 0, 0), 0);
	assert_int_equal(gnutls_pubkey_export2(pub, GNUTLS_X509_FMT_DER,
					       &spki[i]),
			 0);
	gnutls_pubkey_deinit(pub);
	gnutls_privkey_deinit(pk);
}

static void
make_cert(int i)
{
	const struct spec *s = &specs[i];
	int ca = s->dns == NULL;
	int by = s->issuer < 0 ? i : s->issuer;
	unsigned char serial[2] = { 0x10, (unsigned char)(i + 1) };
	unsigned char id[64];
	size_t idlen = sizeof(id);
	time_t now = time(NULL);
	gnutls_x509_crt_t c;

	make_key(i);
	assert_int_equal(gnutls_x509_crt_init(&c), 0);
	crts[i] = c;
	assert_int_equal(gnutls_x509_crt_set_version(c, 3), 0);
	assert_int_equal(gnutls_x509_crt_set_serial(c, serial, 2), 0);
	assert_int_equal(gnutls_x509_crt_set_activation_time(
				 c, now + s->from * DAY),
			 0);
	assert_int_equal(gnutls_x509_crt_set_expiration_time(c,
							     now + s->to * DAY),
			 0);
	assert_int_equal(gnutls_x509_crt_set_dn_by_oid(
				 c, GNUTLS_OID_X520_COMMON_NAME, 0, s->cn,
				 (unsigned)strlen(s->cn)),
			 0);
	assert_int_equal(gnutls_x509_crt_set_key(c, keys[i]), 0);
	assert_int_equal(gnutls_x509_crt_set_basic_constraints(c, ca, -1), 0);
	assert_int_equal(gnutls_x509_crt_set_key_usage(
				 c, ca ? GNUTLS_KEY_KEY_CERT_SIGN |
						 GNUTLS_KEY_CRL_SIGN
				       : GNUTLS_KEY_DIGITAL_SIGNATURE),
			 0);
	if (!ca)
		assert_int_equal(gnutls_x509_crt_set_subject_alt_name(
					 c, GNUTLS_SAN_DNSNAME, s->dns,
					 (unsigned)strlen(s->dns),
					 GNUTLS_FSAN_SET),
				 0);
	assert_int_equal(gnutls_x509_crt_get_key_id(c, 0, id, &idlen), 0);
	assert_int_equal(gnutls_x509_crt_set_subject_key_id(c, id, idlen), 0);
	assert_int_equal(gnutls_x509_crt_sign2(c, crts[by], keys[by],
					       GNUTLS_DIG_SHA256, 0),
			 0);
	assert_int_equal(gnutls_x509_crt_export2(c, GNUTLS_X509_FMT_DER,
						 &der[i]),
			 0);
}

/* The oracle for selector 1 holds only when the key's DER is the one the
 * certificate carries. */
static void
check_spki(int i)
{
	const unsigned char *p = der[i].data;
	size_t k;

	for (k = 0; k + spki[i].size <= der[i].size; k++)
		if (memcmp(p + k, spki[i].data, spki[i].size) == 0)
			return;
	fail_msg("certificate %d does not hold its SubjectPublicKeyInfo", i);
}

static int
setup(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < NCERTS; i++) {
		make_cert(i);
		check_spki(i);
	}
	return 0;
}

static int
teardown(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < NCERTS; i++) {
		gnutls_free(der[i].data);
		gnutls_free(spki[i].data);
		gnutls_x509_crt_deinit(crts[i]);
		gnutls_x509_privkey_deinit(keys[i]);
	}
	return 0;
}

/* A TLSA record "usage selector mtype" for certificate i (caller frees
 * data with rr_free). */
static struct dns_rr
tlsa(int i, unsigned usage, unsigned selector, unsigned mtype)
{
	const gnutls_datum_t *d = selector == 0 ? &der[i] : &spki[i];
	struct dns_rr rr;

	memset(&rr, 0, sizeof(rr));
	rr.type = DNS_TLSA;
	rr.usage = (uint8_t)usage;
	rr.selector = (uint8_t)selector;
	rr.mtype = (uint8_t)mtype;
	if (mtype == 0) {
		rr.len = d->size;
		rr.data = xmalloc(rr.len);
		memcpy(rr.data, d->data, rr.len);
		return rr;
	}
	rr.len = mtype == 1 ? 32 : 64;
	rr.data = xmalloc(rr.len);
	assert_int_equal(gnutls_hash_fast(mtype == 1 ? GNUTLS_DIG_SHA256
						     : GNUTLS_DIG_SHA512,
					  d->data, d->size, rr.data),
			 0);
	return rr;
}

static void
rr_free(struct dns_rr *rrs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(rrs[i].data);
}

/* chain: certificate indices, leaf first, ended by -1. */
static enum dane_result
check(const int *chain, struct dns_rr *rrs, size_t n_rrs, const char *host)
{
	struct dane_cert c[24];
	size_t n;

	for (n = 0; chain[n] >= 0; n++) {
		assert_true(n < 24);
		c[n].der = der[chain[n]].data;
		c[n].len = der[chain[n]].size;
	}
	return dane_check(c, n, rrs, n_rrs, host);
}

/* One record against chain; the record is freed. */
static enum dane_result
check1(const int *chain, struct dns_rr rr, const char *host)
{
	enum dane_result r = check(chain, &rr, 1, host);

	rr_free(&rr, 1);
	return r;
}

static const int just_leaf[] = { LEAF, -1 };
static const int leaf_inter[] = { LEAF, INTER, -1 };
static const int full[] = { LEAF, INTER, ROOT, -1 };

/* usage, selector, mtype, data length, type: usable or not. */
static const struct {
	enum dns_type type;
	unsigned usage, selector, mtype;
	size_t len;
	int usable;
} usable_cases[] = {
	{ DNS_TLSA, 3, 1, 1, 32, 1 },  { DNS_TLSA, 3, 0, 1, 32, 1 },
	{ DNS_TLSA, 2, 1, 1, 32, 1 },  { DNS_TLSA, 2, 0, 2, 64, 1 },
	{ DNS_TLSA, 3, 1, 2, 64, 1 },  { DNS_TLSA, 3, 0, 0, 1, 1 },
	{ DNS_TLSA, 2, 1, 0, 91, 1 },  { DNS_TLSA, 3, 0, 0, 0, 0 },
	{ DNS_TLSA, 0, 1, 1, 32, 0 },  { DNS_TLSA, 1, 1, 1, 32, 0 },
	{ DNS_TLSA, 4, 1, 1, 32, 0 },  { DNS_TLSA, 255, 1, 1, 32, 0 },
	{ DNS_TLSA, 3, 2, 1, 32, 0 },  { DNS_TLSA, 2, 255, 1, 32, 0 },
	{ DNS_TLSA, 3, 1, 3, 32, 0 },  { DNS_TLSA, 3, 1, 255, 64, 0 },
	{ DNS_TLSA, 3, 1, 1, 31, 0 },  { DNS_TLSA, 3, 1, 1, 33, 0 },
	{ DNS_TLSA, 3, 1, 1, 64, 0 },  { DNS_TLSA, 2, 1, 2, 63, 0 },
	{ DNS_TLSA, 2, 1, 2, 65, 0 },  { DNS_TLSA, 3, 1, 2, 32, 0 },
	{ DNS_TLSA, 3, 1, 1, 0, 0 },   { DNS_A, 3, 1, 1, 32, 0 },
	{ DNS_TXT, 2, 0, 0, 4, 0 },
};
#define N_USABLE_CASES (sizeof(usable_cases) / sizeof(usable_cases[0]))

static void
test_usable(void **state)
{
	static unsigned char zeros[128];
	struct dns_rr rrs[N_USABLE_CASES];
	size_t i, want = 0;

	(void)state;
	memset(rrs, 0, sizeof(rrs));
	for (i = 0; i < N_USABLE_CASES; i++) {
		rrs[i].type = usable_cases[i].type;
		rrs[i].usage = (uint8_t)usable_cases[i].usage;
		rrs[i].selector = (uint8_t)usable_cases[i].selector;
		rrs[i].mtype = (uint8_t)usable_cases[i].mtype;
		rrs[i].len = usable_cases[i].len;
		rrs[i].data = zeros;
		if (dane_usable(&rrs[i]) != usable_cases[i].usable)
			fail_msg("case %zu (%u %u %u, %zu bytes, type %d): "
				 "usable %d, want %d",
				 i, usable_cases[i].usage,
				 usable_cases[i].selector, usable_cases[i].mtype,
				 usable_cases[i].len, usable_cases[i].type,
				 dane_usable(&rrs[i]), usable_cases[i].usable);
		want += usable_cases[i].usable;
	}
	assert_int_equal(want, 7);
	assert_int_equal(dane_count_usable(rrs, N_USABLE_CASES), want);
	assert_int_equal(dane_count_usable(rrs, 1), 1);
	assert_int_equal(dane_count_usable(rrs + 7, 3), 0);
	assert_int_equal(dane_count_usable(rrs, 0), 0);
}

static void
test_ee_match(void **state)
{
	(void)state;
	assert_int_equal(check1(just_leaf, tlsa(LEAF, 3, 1, 1), HOST),
			 DANE_MATCH);
	assert_int_equal(check1(just_leaf, tlsa(LEAF, 3, 0, 1), HOST),
			 DANE_MATCH);
	assert_int_equal(check1(just_leaf, tlsa(LEAF, 3, 1, 2), HOST),
			 DANE_MATCH);
	assert_int_equal(check1(just_leaf, tlsa(LEAF, 3, 0, 2), HOST),
			 DANE_MATCH);
	assert_int_equal(check1(just_leaf, tlsa(LEAF, 3, 0, 0), HOST),
			 DANE_MATCH);
	assert_int_equal(check1(just_leaf, tlsa(LEAF, 3, 1, 0), HOST),
			 DANE_MATCH);
	/* The rest of the chain does not matter to DANE-EE. */
	assert_int_equal(check1(full, tlsa(LEAF, 3, 1, 1), HOST), DANE_MATCH);
}

static void
test_ee_ignores_name_and_dates(void **state)
{
	static const int other[] = { OTHER, INTER, -1 };
	static const int expired[] = { EXPIRED, -1 };

	(void)state;
	assert_int_equal(check1(other, tlsa(OTHER, 3, 1, 1), HOST),
			 DANE_MATCH);
	assert_int_equal(check1(expired, tlsa(EXPIRED, 3, 0, 1), HOST),
			 DANE_MATCH);
	assert_int_equal(check1(expired, tlsa(EXPIRED, 3, 1, 1), "anything"),
			 DANE_MATCH);
}

static void
test_ee_no_match(void **state)
{
	struct dns_rr rr;

	(void)state;
	rr = tlsa(LEAF, 3, 1, 1);
	rr.data[31] ^= 1;
	assert_int_equal(check1(just_leaf, rr, HOST), DANE_NO_MATCH);
	rr = tlsa(LEAF, 3, 1, 2);
	rr.data[0] ^= 0x80;
	assert_int_equal(check1(just_leaf, rr, HOST), DANE_NO_MATCH);
	/* Full data must be all of it, not a prefix. */
	rr = tlsa(LEAF, 3, 0, 0);
	rr.len--;
	assert_int_equal(check1(just_leaf, rr, HOST), DANE_NO_MATCH);
	rr = tlsa(LEAF, 3, 1, 0);
	rr.data[rr.len - 1] ^= 1;
	assert_int_equal(check1(just_leaf, rr, HOST), DANE_NO_MATCH);
	/* The selector is honoured: the key's hash under selector 0. */
	rr = tlsa(LEAF, 3, 1, 1);
	rr.selector = 0;
	assert_int_equal(check1(just_leaf, rr, HOST), DANE_NO_MATCH);
	/* The matching type is honoured: SHA-512 is not SHA-256's. */
	rr = tlsa(LEAF, 3, 1, 2);
	rr.mtype = 1;
	rr.len = 32;
	assert_int_equal(check1(just_leaf, rr, HOST), DANE_NO_MATCH);
	/* An EE record for a certificate other than the leaf. */
	assert_int_equal(check1(full, tlsa(ROOT, 3, 1, 1), HOST),
			 DANE_NO_MATCH);
	assert_int_equal(check1(full, tlsa(INTER, 3, 0, 1), HOST),
			 DANE_NO_MATCH);
	assert_int_equal(check1(just_leaf, tlsa(OTHER, 3, 1, 1), HOST),
			 DANE_NO_MATCH);
}

static void
test_ta_match(void **state)
{
	(void)state;
	assert_int_equal(check1(leaf_inter, tlsa(INTER, 2, 0, 1), HOST),
			 DANE_MATCH);
	assert_int_equal(check1(leaf_inter, tlsa(INTER, 2, 1, 2), HOST),
			 DANE_MATCH);
	assert_int_equal(check1(full, tlsa(ROOT, 2, 1, 1), HOST), DANE_MATCH);
	assert_int_equal(check1(full, tlsa(ROOT, 2, 0, 0), HOST), DANE_MATCH);
	assert_int_equal(check1(full, tlsa(INTER, 2, 0, 1), HOST),
			 DANE_MATCH);
}

static void
test_ta_wrong_host(void **state)
{
	static const int other[] = { OTHER, INTER, -1 };

	(void)state;
	assert_int_equal(check1(leaf_inter, tlsa(INTER, 2, 0, 1),
				"wrong.example.test"),
			 DANE_NO_MATCH);
	assert_int_equal(check1(full, tlsa(ROOT, 2, 1, 1), "example.test"),
			 DANE_NO_MATCH);
	assert_int_equal(check1(other, tlsa(INTER, 2, 0, 1), HOST),
			 DANE_NO_MATCH);
}

static void
test_ta_not_the_leaf(void **state)
{
	static const int leaf_leaf[] = { LEAF, LEAF, -1 };

	(void)state;
	assert_int_equal(check1(leaf_inter, tlsa(LEAF, 2, 0, 1), HOST),
			 DANE_NO_MATCH);
	assert_int_equal(check1(just_leaf, tlsa(LEAF, 2, 1, 1), HOST),
			 DANE_NO_MATCH);
	/* The leaf sent twice is still not a trust anchor. */
	assert_int_equal(check1(leaf_leaf, tlsa(LEAF, 2, 0, 1), HOST),
			 DANE_NO_MATCH);
}

static void
test_ta_chain_must_verify(void **state)
{
	static const int skip_inter[] = { LEAF, ROOT, -1 };
	static const int expired[] = { EXPIRED, INTER, -1 };

	(void)state;
	/* The anchor must issue what is below it. */
	assert_int_equal(check1(skip_inter, tlsa(ROOT, 2, 0, 1), HOST),
			 DANE_NO_MATCH);
	/* The anchor must be in the chain the server sent. */
	assert_int_equal(check1(leaf_inter, tlsa(ROOT, 2, 1, 1), HOST),
			 DANE_NO_MATCH);
	/* Dates count under DANE-TA. */
	assert_int_equal(check1(expired, tlsa(INTER, 2, 0, 1), HOST),
			 DANE_NO_MATCH);
}

static void
test_none_usable(void **state)
{
	struct dns_rr rrs[3];

	(void)state;
	rrs[0] = tlsa(LEAF, 1, 1, 1);
	rrs[1] = tlsa(LEAF, 3, 1, 1);
	rrs[1].mtype = 3;
	rrs[2] = tlsa(LEAF, 3, 1, 1);
	rrs[2].type = DNS_A;
	assert_int_equal(check(just_leaf, rrs, 3, HOST), DANE_NONE_USABLE);
	assert_int_equal(check(leaf_inter, rrs, 3, HOST), DANE_NONE_USABLE);
	assert_int_equal(check(just_leaf, rrs, 0, HOST), DANE_NONE_USABLE);
	rr_free(rrs, 3);
}

static void
test_unusable_not_used(void **state)
{
	struct dns_rr rrs[4];

	(void)state;
	/* Records that would match were they usable, beside a usable one
	 * that does not: PKIX-TA, PKIX-EE, a matching type 0 cut short. */
	rrs[0] = tlsa(INTER, 0, 0, 1);
	rrs[1] = tlsa(LEAF, 1, 1, 1);
	rrs[2] = tlsa(LEAF, 3, 1, 1);
	rrs[2].len = 31;
	rrs[3] = tlsa(OTHER, 3, 1, 1);
	assert_int_equal(check(leaf_inter, rrs, 4, HOST), DANE_NO_MATCH);
	rr_free(rrs, 4);
}

static void
test_any_record_matches(void **state)
{
	struct dns_rr rrs[3];

	(void)state;
	/* A failing TA and a wrong EE before the right EE. */
	rrs[0] = tlsa(ROOT, 2, 0, 1);
	rrs[1] = tlsa(OTHER, 3, 1, 1);
	rrs[2] = tlsa(LEAF, 3, 1, 1);
	assert_int_equal(check(just_leaf, rrs, 3, HOST), DANE_MATCH);
	assert_int_equal(check(leaf_inter, rrs, 3, HOST), DANE_MATCH);
	assert_int_equal(check(just_leaf, rrs + 2, 1, HOST), DANE_MATCH);
	assert_int_equal(check(just_leaf, rrs, 2, HOST), DANE_NO_MATCH);
	rrs[2].data[0] ^= 1;
	assert_int_equal(check(leaf_inter, rrs, 3, HOST), DANE_NO_MATCH);
	/* The same set, once the server sends the root too. */
	assert_int_equal(check(full, rrs, 3, HOST), DANE_MATCH);
	rr_free(rrs, 3);
}

static void
test_empty_chain(void **state)
{
	struct dns_rr rrs[2];

	(void)state;
	rrs[0] = tlsa(LEAF, 3, 1, 1);
	rrs[1] = tlsa(INTER, 2, 0, 1);
	assert_int_equal(dane_check(NULL, 0, rrs, 2, HOST), DANE_NO_MATCH);
	rr_free(rrs, 2);
}

static void
test_garbage_chain(void **state)
{
	static const unsigned char junk[] = "\x30\x82\xff\xff not DER at all";
	struct dane_cert c[3];
	struct dns_rr rrs[3];

	(void)state;
	rrs[0] = tlsa(LEAF, 3, 1, 1);
	rrs[1] = tlsa(LEAF, 3, 0, 0);
	rrs[2] = tlsa(INTER, 2, 0, 1);
	c[0].der = junk;
	c[0].len = sizeof(junk) - 1;
	assert_int_equal(dane_check(c, 1, rrs, 3, HOST), DANE_NO_MATCH);
	c[1].der = der[INTER].data;
	c[1].len = der[INTER].size;
	assert_int_equal(dane_check(c, 2, rrs, 3, HOST), DANE_NO_MATCH);
	/* Junk between the leaf and its anchor. */
	c[0].der = der[LEAF].data;
	c[0].len = der[LEAF].size;
	c[1].der = junk;
	c[1].len = sizeof(junk) - 1;
	c[2].der = der[INTER].data;
	c[2].len = der[INTER].size;
	assert_int_equal(dane_check(c, 3, rrs + 2, 1, HOST), DANE_NO_MATCH);
	/* The leaf cut short. */
	c[0].len = der[LEAF].size - 1;
	assert_int_equal(dane_check(c, 1, rrs, 2, HOST), DANE_NO_MATCH);
	c[0].len = 0;
	assert_int_equal(dane_check(c, 1, rrs, 2, HOST), DANE_NO_MATCH);
	rr_free(rrs, 3);
}

static void
test_long_chain(void **state)
{
	int chain[23];
	size_t i;

	(void)state;
	chain[0] = LEAF;
	for (i = 1; i < 22; i++)
		chain[i] = INTER;
	chain[22] = -1;
	assert_int_equal(check1(chain, tlsa(INTER, 2, 0, 1), HOST),
			 DANE_MATCH);
	chain[21] = ROOT;
	assert_int_equal(check1(chain, tlsa(LEAF, 3, 1, 1), HOST), DANE_MATCH);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_usable),
		cmocka_unit_test(test_ee_match),
		cmocka_unit_test(test_ee_ignores_name_and_dates),
		cmocka_unit_test(test_ee_no_match),
		cmocka_unit_test(test_ta_match),
		cmocka_unit_test(test_ta_wrong_host),
		cmocka_unit_test(test_ta_not_the_leaf),
		cmocka_unit_test(test_ta_chain_must_verify),
		cmocka_unit_test(test_none_usable),
		cmocka_unit_test(test_unusable_not_used),
		cmocka_unit_test(test_any_record_matches),
		cmocka_unit_test(test_empty_chain),
		cmocka_unit_test(test_garbage_chain),
		cmocka_unit_test(test_long_chain),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
