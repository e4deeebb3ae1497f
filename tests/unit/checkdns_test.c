/* checkdns_test.c - unit tests for checkdns.h
 *
 * Owns: every verdict of the DKIM, SPF, DMARC and reverse-DNS checks and
 *       the fix each failure proposes, the organisational domain, the
 *       text and JSON report. DNS answers come from a table
 *       (testdns.h); the DNS bed proves the real lookups.
 * Not:  choosing what to check (main). */

#include <config.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>

#include <cmocka.h>

#include "buf.h"
#include "checkdns.h"
#include "testdns.h"
#include "testkeys.h"

#define N(x) (sizeof(x) / sizeof((x)[0]))

static struct crypto_key *
rsa_key(void)
{
	struct crypto_key *k = NULL;
	struct err e = { 0 };

	assert_int_equal(crypto_key_parse(rsa2048_pkcs8, sizeof(rsa2048_pkcs8)
					  - 1, "rsa", &k, &e), 0);
	return k;
}

/* The configured key's record text ("v=DKIM1; k=rsa; p=..."). */
static char *
record_of(struct crypto_key *k, const char *extra)
{
	struct buf b = { 0 };
	struct err e = { 0 };

	buf_printf(&b, "v=DKIM1; k=rsa;%s p=", extra);
	assert_int_equal(crypto_key_dns(k, &b, &e), 0);
	return buf_steal(&b);
}

static const struct check_item *
only(const struct check_report *r, size_t want_n)
{
	assert_int_equal(r->n, want_n);
	return &r->items[0];
}

static void
dkim_case(const char *txt, enum check_level want, const char *found_has)
{
	struct crypto_key *k = rsa_key();
	struct canned c[] = {
		{ "s1._domainkey.example.test", DNS_TXT, 0, { txt } },
	};
	struct table t = { c, txt ? 1 : 0 };
	struct dns_lookup l = { table_query, &t };
	struct check_report r = { 0 };
	const struct check_item *it;

	checkdns_dkim(&r, &l, "s1", "example.test", k);
	it = only(&r, 1);
	if (it->level != want || strstr(it->found, found_has) == NULL)
		fail_msg("%s: level %d, found %s", txt ? txt : "(none)",
			 it->level, it->found);
	assert_string_equal(it->name, "dkim s1._domainkey.example.test");
	if (want == CHECK_PASS)
		assert_null(it->fix);
	else
		assert_non_null(strstr(it->fix, "s1._domainkey.example.test. "
						"IN TXT"));
	checkdns_free(&r);
	crypto_key_free(k);
}

static void
test_dkim(void **state)
{
	struct crypto_key *k = rsa_key();
	char *good = record_of(k, ""), *testing = record_of(k, " t=y;");
	char *other;

	(void)state;
	dkim_case(good, CHECK_PASS, "matches");
	dkim_case(testing, CHECK_WARN, "t=y");
	dkim_case(NULL, CHECK_FAIL, "no TXT record");
	dkim_case("v=spf1 -all", CHECK_FAIL, "not a DKIM key record");
	dkim_case("just text", CHECK_FAIL, "no DKIM key record");
	dkim_case("v=DKIM1; k=ed25519; p=AAAA", CHECK_FAIL, "k=ed25519");
	dkim_case("v=DKIM1; p=", CHECK_FAIL, "revoked");
	other = xstrdup(good);
	other[strlen(other) - 6] ^= 1;              /* another key */
	dkim_case(other, CHECK_FAIL, "not the configured key");
	free(good);
	free(testing);
	free(other);
	crypto_key_free(k);
}

static void
spf_case(const char *ip, const char *record, enum check_level want,
	 const char *fix_has)
{
	struct canned c[] = {
		{ "example.test", DNS_TXT, 0, { record } },
		{ "example.test", DNS_A, 0, { "192.0.2.10" } },
	};
	struct table t = { c, N(c) };
	struct dns_lookup l = { table_query, &t };
	struct check_report r = { 0 };
	const struct check_item *it;

	checkdns_spf(&r, &l, ip, "example.test", "out.example.test",
		     "envelope domain", 1);
	it = only(&r, 1);
	if (it->level != want)
		fail_msg("%s %s: level %d, found %s", ip, record ? record : "-",
			 it->level, it->found);
	if (fix_has == NULL)
		assert_null(it->fix);
	else if (strstr(it->fix, fix_has) == NULL)
		fail_msg("fix %s lacks %s", it->fix, fix_has);
	checkdns_free(&r);
}

static void
test_spf(void **state)
{
	(void)state;
	spf_case("192.0.2.10", "v=spf1 a -all", CHECK_PASS, NULL);
	spf_case("192.0.2.10", "v=spf1 a ~all", CHECK_WARN, "-all");
	spf_case("192.0.2.99", "v=spf1 a -all", CHECK_FAIL,
		 "example.test. IN TXT \"v=spf1 ip4:192.0.2.99 a -all\"");
	spf_case("2001:db8::9", NULL, CHECK_FAIL,
		 "\"v=spf1 ip6:2001:db8::9 -all\"");
	spf_case("192.0.2.10", "v=spf1 ip4:1.2.3.4/33 -all", CHECK_FAIL,
		 "10 DNS lookups");
}

static void
dmarc_case(const struct canned *c, size_t n, const char *from,
	   const char *dkim, const char *env, enum check_level l0,
	   enum check_level l1, size_t items)
{
	struct table t = { c, n };
	struct dns_lookup l = { table_query, &t };
	struct check_report r = { 0 };

	checkdns_dmarc(&r, &l, from, dkim, env);
	assert_int_equal(r.n, items);
	if (r.items[0].level != l0)
		fail_msg("%s: level %d (%s)", from, r.items[0].level,
			 r.items[0].found);
	if (items > 1 && r.items[1].level != l1)
		fail_msg("%s alignment: level %d (%s)", from, r.items[1].level,
			 r.items[1].found);
	checkdns_free(&r);
}

static void
test_dmarc(void **state)
{
	static const struct canned c[] = {
		{ "_dmarc.example.org", DNS_TXT, 0,
		  { "v=DMARC1; p=quarantine; rua=mailto:d@example.org" } },
		{ "_dmarc.none.test", DNS_TXT, 0, { "v=DMARC1; p=none" } },
		{ "_dmarc.strict.test", DNS_TXT, 0,
		  { "v=DMARC1; p=reject; adkim=s; aspf=s" } },
		{ "_dmarc.bad.test", DNS_TXT, 0, { "v=DMARC1; p=maybe" } },
	};

	(void)state;
	/* Found at the organisational domain; both aligned (relaxed). */
	dmarc_case(c, N(c), "mail.example.org", "example.org",
		   "bounce.example.org", CHECK_PASS, CHECK_PASS, 2);
	dmarc_case(c, N(c), "none.test", "none.test", "none.test",
		   CHECK_WARN, CHECK_PASS, 2);
	/* Strict: a subdomain does not align; one of two is a warning. */
	dmarc_case(c, N(c), "strict.test", "strict.test", "mail.strict.test",
		   CHECK_PASS, CHECK_WARN, 2);
	dmarc_case(c, N(c), "strict.test", "other.test", "mail.strict.test",
		   CHECK_PASS, CHECK_FAIL, 2);
	dmarc_case(c, N(c), "bad.test", "bad.test", "bad.test", CHECK_FAIL,
		   CHECK_PASS, 2);
	dmarc_case(c, N(c), "nothing.test", "nothing.test", "nothing.test",
		   CHECK_FAIL, CHECK_PASS, 1);
}

static void
test_org_domain(void **state)
{
	char *d;

	(void)state;
	d = checkdns_org_domain("mail.example.co.uk");
	assert_string_equal(d, "example.co.uk");
	free(d);
	d = checkdns_org_domain("a.b.example.org");
	assert_string_equal(d, "example.org");
	free(d);
}

static void
ptr_case(const char *ip, const char *ehlo, enum check_level want,
	 const char *found_has)
{
	static const struct canned c[] = {
		{ "10.2.0.192.in-addr.arpa", DNS_PTR, 0, { "out.example.test" } },
		{ "out.example.test", DNS_A, 0, { "192.0.2.10" } },
		{ "11.2.0.192.in-addr.arpa", DNS_PTR, 0, { "liar.example.test" } },
		{ "liar.example.test", DNS_A, 0, { "192.0.2.99" } },
	};
	struct table t = { c, N(c) };
	struct dns_lookup l = { table_query, &t };
	struct check_report r = { 0 };
	const struct check_item *it;

	checkdns_ptr(&r, &l, ip, ehlo);
	it = only(&r, 1);
	if (it->level != want || strstr(it->found, found_has) == NULL)
		fail_msg("%s: level %d, %s", ip, it->level, it->found);
	checkdns_free(&r);
}

static void
test_ptr(void **state)
{
	(void)state;
	ptr_case("192.0.2.10", "out.example.test", CHECK_PASS, "confirmed");
	ptr_case("192.0.2.10", "vm", CHECK_WARN, "EHLO name is vm");
	ptr_case("192.0.2.11", "out.example.test", CHECK_FAIL,
		 "does not resolve back");
	ptr_case("192.0.2.12", "out.example.test", CHECK_FAIL, "no PTR");
}

static void
test_report(void **state)
{
	struct check_report r = { 0 };
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	spf_case("192.0.2.10", "v=spf1 a -all", CHECK_PASS, NULL);
	r.items = calloc(2, sizeof(*r.items));
	r.n = 2;
	r.items[0] = (struct check_item){ CHECK_PASS, strdup("a"),
					  strdup("fine"), NULL };
	r.items[1] = (struct check_item){ CHECK_FAIL, strdup("b \"q\""),
					  strdup("bad"), strdup("do x") };
	assert_true(checkdns_failed(&r));
	f = open_memstream(&text, &len);
	checkdns_print(&r, f, 0);
	fclose(f);
	assert_string_equal(text, "pass  a: fine\nfail  b \"q\": bad\n"
				  "      fix: do x\n");
	free(text);
	f = open_memstream(&text, &len);
	checkdns_print(&r, f, 1);
	fclose(f);
	assert_non_null(strstr(text, "\"failed\": true"));
	assert_non_null(strstr(text, "{\"check\": \"b \\\"q\\\"\", \"result\": "
				     "\"fail\", \"found\": \"bad\", \"fix\": "
				     "\"do x\"}"));
	assert_non_null(strstr(text, "\"fix\": null"));
	free(text);
	checkdns_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dkim),
		cmocka_unit_test(test_spf),
		cmocka_unit_test(test_dmarc),
		cmocka_unit_test(test_org_domain),
		cmocka_unit_test(test_ptr),
		cmocka_unit_test(test_report),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
