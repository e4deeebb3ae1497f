/* spf_test.c - unit tests for spf.h
 *
 * Owns: the macro examples of RFC 7208 section 7.4, record selection,
 *       every mechanism with qualifiers and CIDR lengths, include and
 *       redirect semantics, the lookup and void-lookup limits, and the
 *       temperror/permerror cases. DNS answers come from a table (the
 *       dns_lookup seam); tests/integration/spf.py checks the same
 *       evaluator against pyspf over a real resolver.
 * Not:  --check-dns. */

#include <config.h>

#include <arpa/inet.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "spf.h"
#include "testdns.h"
#include "xmalloc.h"

static enum spf_result
check(const struct canned *c, size_t n, const char *ip, const char *domain,
      struct spf_verdict *v)
{
	struct table t = { c, n };
	struct dns_lookup l = { table_query, &t };
	struct spf_query q = { ip, domain, "alice@example.test",
			       "out.example.test" };

	return spf_check(&l, &q, v);
}

#define N(x) (sizeof(x) / sizeof((x)[0]))

static void
expands(const char *spec, const char *ip, const char *want)
{
	struct spf_query q = { ip, "email.example.com",
			       "strong-bad@email.example.com", "mx.example.org" };
	char *got = spf_expand(spec, &q, "email.example.com");

	if (want == NULL) {
		assert_null(got);
		return;
	}
	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static void
test_macros_rfc_examples(void **state)
{
	(void)state;
	expands("%{s}", "192.0.2.3", "strong-bad@email.example.com");
	expands("%{o}", "192.0.2.3", "email.example.com");
	expands("%{d}", "192.0.2.3", "email.example.com");
	expands("%{d4}", "192.0.2.3", "email.example.com");
	expands("%{d3}", "192.0.2.3", "email.example.com");
	expands("%{d2}", "192.0.2.3", "example.com");
	expands("%{d1}", "192.0.2.3", "com");
	expands("%{dr}", "192.0.2.3", "com.example.email");
	expands("%{d2r}", "192.0.2.3", "example.email");
	expands("%{l}", "192.0.2.3", "strong-bad");
	expands("%{l-}", "192.0.2.3", "strong.bad");
	expands("%{lr}", "192.0.2.3", "strong-bad");
	expands("%{lr-}", "192.0.2.3", "bad.strong");
	expands("%{l1r-}", "192.0.2.3", "strong");
	expands("%{ir}.%{v}._spf.%{d2}", "192.0.2.3",
		"3.2.0.192.in-addr._spf.example.com");
	expands("%{lr-}.lp._spf.%{d2}", "192.0.2.3",
		"bad.strong.lp._spf.example.com");
	expands("%{lr-}.lp.%{ir}.%{v}._spf.%{d2}", "192.0.2.3",
		"bad.strong.lp.3.2.0.192.in-addr._spf.example.com");
	expands("%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}", "192.0.2.3",
		"3.2.0.192.in-addr.strong.lp._spf.example.com");
	expands("%{d2}.trusted-domains.example.net", "192.0.2.3",
		"example.com.trusted-domains.example.net");
	expands("%{ir}.%{v}._spf.%{d2}", "2001:db8::cb01",
		"1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0."
		"2.ip6._spf.example.com");
	expands("%%%_%-", "192.0.2.3", "% %20");
	expands("%{L}", "192.0.2.3", "strong-bad");
	expands("%{h}", "192.0.2.3", "mx.example.org");
	/* Not macro-strings: exp-only letters, a zero count, a stray %. */
	expands("%{c}", "192.0.2.3", NULL);
	expands("%{d0}", "192.0.2.3", NULL);
	expands("%{x}", "192.0.2.3", NULL);
	expands("100%", "192.0.2.3", NULL);
	expands("%{d", "192.0.2.3", NULL);
}

static const struct canned zone[] = {
	{ "example.test", DNS_TXT, 0,
	  { "google-site-verification=abc",
	    "v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 a mx "
	    "include:_spf.example.test ~all" } },
	{ "example.test", DNS_A, 0, { "198.51.100.7" } },
	{ "example.test", DNS_MX, 0, { "10 mx.example.test" } },
	{ "mx.example.test", DNS_A, 0, { "198.51.100.25" } },
	{ "_spf.example.test", DNS_TXT, 0, { "v=spf1 ip4:203.0.113.0/28 -all" } },
	{ "strict.test", DNS_TXT, 0, { "v=spf1 a:host.strict.test/30 -all" } },
	{ "host.strict.test", DNS_A, 0, { "10.1.1.1" } },
	{ "two.test", DNS_TXT, 0, { "v=spf1 -all", "v=spf1 +all" } },
	{ "spf10.test", DNS_TXT, 0, { "v=spf10 +all" } },
	{ "redir.test", DNS_TXT, 0, { "v=spf1 redirect=_spf.example.test" } },
	{ "redirnone.test", DNS_TXT, 0, { "v=spf1 redirect=nothing.test" } },
	{ "incnone.test", DNS_TXT, 0, { "v=spf1 include:nothing.test -all" } },
	{ "bad.test", DNS_TXT, 0, { "v=spf1 ip4:1.2.3.4/33 -all" } },
	{ "unknown.test", DNS_TXT, 0, { "v=spf1 frob:x.test -all" } },
	{ "exists.test", DNS_TXT, 0, { "v=spf1 exists:%{ir}.wl.exists.test -all" } },
	{ "7.100.51.198.wl.exists.test", DNS_A, 0, { "127.0.0.2" } },
	{ "temp.test", DNS_TXT, 0, { "v=spf1 a:down.test -all" } },
	{ "down.test", DNS_A, -1, { NULL } },
	{ "servfail.test", DNS_TXT, 2, { NULL } },
	{ "voids.test", DNS_TXT, 0,
	  { "v=spf1 a:n1.test a:n2.test a:n3.test +all" } },
	{ "ptr.test", DNS_TXT, 0, { "v=spf1 ptr -all" } },
	{ "7.100.51.198.in-addr.arpa", DNS_PTR, 0,
	  { "liar.other.test", "host.ptr.test" } },
	{ "host.ptr.test", DNS_A, 0, { "198.51.100.7" } },
	{ "neutral.test", DNS_TXT, 0, { "v=spf1 ?all" } },
	{ "default.test", DNS_TXT, 0, { "v=spf1 ip4:10.0.0.1" } },
	{ "cidr.test", DNS_TXT, 0, { "v=spf1 mx/24 -all" } },
	{ "cidr.test", DNS_MX, 0, { "5 m.cidr.test" } },
	{ "m.cidr.test", DNS_A, 0, { "198.51.100.200" } },
	{ "twice.test", DNS_TXT, 0, { "v=spf1 redirect=a.test redirect=b.test" } },
};

static void
verdict(const char *ip, const char *domain, enum spf_result want,
	const char *mech)
{
	struct spf_verdict v;

	check(zone, N(zone), ip, domain, &v);
	if (v.result != want)
		fail_msg("%s for %s: %s, want %s (%s)", ip, domain,
			 spf_result_name(v.result), spf_result_name(want),
			 v.reason ? v.reason : "-");
	if (mech != NULL) {
		assert_non_null(v.mechanism);
		assert_string_equal(v.mechanism, mech);
	}
	spf_free(&v);
}

static void
test_mechanisms(void **state)
{
	(void)state;
	verdict("192.0.2.55", "example.test", SPF_PASS, "ip4:192.0.2.0/24");
	verdict("2001:db8:1::5", "example.test", SPF_PASS,
		"ip6:2001:db8::/32");
	verdict("198.51.100.7", "example.test", SPF_PASS, "a");
	verdict("198.51.100.25", "example.test", SPF_PASS, "mx");
	verdict("203.0.113.9", "example.test", SPF_PASS,
		"include:_spf.example.test");
	/* The include's -all does not end the outer record. */
	verdict("203.0.113.99", "example.test", SPF_SOFTFAIL, "~all");
	verdict("10.1.1.2", "strict.test", SPF_PASS, "a:host.strict.test/30");
	verdict("10.1.1.9", "strict.test", SPF_FAIL, "-all");
	verdict("198.51.100.7", "exists.test", SPF_PASS, NULL);
	verdict("198.51.100.8", "exists.test", SPF_FAIL, "-all");
	verdict("198.51.100.7", "ptr.test", SPF_PASS, "ptr");
	verdict("198.51.100.9", "ptr.test", SPF_FAIL, "-all");
	verdict("1.2.3.4", "neutral.test", SPF_NEUTRAL, "?all");
	verdict("1.2.3.4", "default.test", SPF_NEUTRAL, NULL);
	verdict("198.51.100.1", "cidr.test", SPF_PASS, "mx/24");
	verdict("203.0.113.5", "redir.test", SPF_PASS, NULL);
	verdict("198.51.100.7", "redir.test", SPF_FAIL, NULL);
}

static void
test_errors(void **state)
{
	(void)state;
	verdict("1.2.3.4", "two.test", SPF_PERMERROR, NULL);
	verdict("1.2.3.4", "spf10.test", SPF_NONE, NULL);
	verdict("1.2.3.4", "nothing.test", SPF_NONE, NULL);
	verdict("1.2.3.4", "redirnone.test", SPF_PERMERROR, NULL);
	verdict("1.2.3.4", "incnone.test", SPF_PERMERROR, NULL);
	verdict("1.2.3.4", "bad.test", SPF_PERMERROR, NULL);
	verdict("1.2.3.4", "unknown.test", SPF_PERMERROR, NULL);
	verdict("1.2.3.4", "temp.test", SPF_TEMPERROR, NULL);
	verdict("1.2.3.4", "servfail.test", SPF_TEMPERROR, NULL);
	verdict("1.2.3.4", "voids.test", SPF_PERMERROR, NULL);
	verdict("1.2.3.4", "twice.test", SPF_PERMERROR, NULL);
	verdict("not-an-ip", "example.test", SPF_PERMERROR, NULL);
	verdict("1.2.3.4", "localhost", SPF_NONE, NULL);
}

/* Eleven includes: one past the limit of ten DNS-querying terms. */
static void
test_lookup_limit(void **state)
{
	struct canned c[13];
	char names[13][32], recs[13][64];
	struct spf_verdict v;
	int i;

	(void)state;
	memset(c, 0, sizeof(c));
	for (i = 0; i < 12; i++) {
		snprintf(names[i], sizeof(names[i]), "l%d.test", i);
		if (i < 11)
			snprintf(recs[i], sizeof(recs[i]),
				 "v=spf1 include:l%d.test", i + 1);
		else
			snprintf(recs[i], sizeof(recs[i]), "v=spf1 +all");
		c[i].name = names[i];
		c[i].type = DNS_TXT;
		c[i].rrs[0] = recs[i];
	}
	assert_int_equal(check(c, 12, "1.2.3.4", "l0.test", &v),
			 SPF_PERMERROR);
	assert_non_null(strstr(v.reason, "more than 10"));
	spf_free(&v);
	assert_int_equal(check(c, 12, "1.2.3.4", "l2.test", &v), SPF_PASS);
	assert_int_equal(v.lookups, 9);
	spf_free(&v);
}

/* A record that includes itself ends at the limit, not in a loop. */
static void
test_include_loop(void **state)
{
	static const struct canned c[] = {
		{ "loop.test", DNS_TXT, 0, { "v=spf1 include:loop.test -all" } },
	};
	struct spf_verdict v;

	(void)state;
	assert_int_equal(check(c, 1, "1.2.3.4", "loop.test", &v),
			 SPF_PERMERROR);
	spf_free(&v);
}

static void
test_names(void **state)
{
	(void)state;
	assert_string_equal(spf_result_name(SPF_SOFTFAIL), "softfail");
	assert_string_equal(spf_result_name(SPF_PERMERROR), "permerror");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_macros_rfc_examples),
		cmocka_unit_test(test_mechanisms),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_lookup_limit),
		cmocka_unit_test(test_include_loop),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
