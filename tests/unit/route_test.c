/* route_test.c - unit tests for route.h
 *
 * Owns: host order and shuffling, null MX, NXDOMAIN, NODATA (implicit
 *       MX), SERVFAIL and silence, address families and their order, the
 *       bounds on hosts and addresses, address literals, grouping by
 *       domain. DNS answers come from a table (the seam dns_lookup);
 *       tests/integration/dns.py proves the resolver itself.
 * Not:  delivery. */

#include <config.h>

#include <arpa/inet.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "route.h"
#include "xmalloc.h"

/* One canned answer: for name and type, rcode (or -1: no answer at all)
 * and up to 8 records: MX as "PREF HOST", A/AAAA as addresses. */
struct canned {
	const char *name;
	enum dns_type type;
	int rcode;
	int ad;
	const char *rrs[8];
};

struct table {
	const struct canned *c;
	size_t n;
	int queries;
	char asked[64][80];
};

static int
table_query(void *ctx, const char *name, enum dns_type type,
	    struct dns_answer *a, struct err *e)
{
	struct table *t = ctx;
	const struct canned *c;
	struct dns_rr *rr;
	size_t i, k;

	snprintf(t->asked[t->queries++ % 64], 80, "%s %s",
		 dns_type_name(type), name);
	memset(a, 0, sizeof(*a));
	for (i = 0; i < t->n; i++) {
		c = &t->c[i];
		if (strcmp(c->name, name) != 0 || c->type != type)
			continue;
		if (c->rcode < 0) {
			err_set(e, ERR_TEMP, "no DNS server answered");
			return -1;
		}
		a->rcode = c->rcode;
		a->ad = c->ad;
		for (k = 0; k < 8 && c->rrs[k] != NULL; k++) {
			a->rrs = xrealloc(a->rrs, (k + 1) * sizeof(*a->rrs));
			rr = &a->rrs[k];
			memset(rr, 0, sizeof(*rr));
			rr->type = type;
			if (type == DNS_MX) {
				char host[64];
				unsigned pref;

				assert_int_equal(sscanf(c->rrs[k], "%u %63s",
							&pref, host), 2);
				rr->pref = (uint16_t)pref;
				rr->name = xstrdup(strcmp(host, ".") ? host
								    : "");
			} else {
				assert_int_equal(inet_pton(type == DNS_A
								   ? AF_INET
								   : AF_INET6,
							   c->rrs[k], rr->addr),
						 1);
			}
			a->nrrs = k + 1;
		}
		return 0;
	}
	a->rcode = DNS_NOERROR;     /* anything else: NODATA */
	return 0;
}

static enum route_status
route(const struct canned *c, size_t n, const char *domain,
      enum route_family f, unsigned (*rnd)(unsigned), struct route_plan *p,
      struct table *t)
{
	struct dns_lookup l = { table_query, t };

	memset(t, 0, sizeof(*t));
	t->c = c;
	t->n = n;
	return route_domain(&l, domain, f, rnd, p);
}

static unsigned
rnd_last(unsigned n)
{
	return n - 1;   /* Fisher-Yates keeps the order */
}

static unsigned
rnd_first(unsigned n)
{
	(void)n;
	return 0;       /* every swap goes to the front: order changes */
}

static const struct canned example[] = {
	{ "example.test", DNS_MX, 0, 1,
	  { "20 mx3.example.test", "10 mx1.example.test",
	    "10 mx2.example.test", "30 mx4.example.test" } },
	{ "mx1.example.test", DNS_A, 0, 0, { "127.0.0.2" } },
	{ "mx1.example.test", DNS_AAAA, 0, 0, { "::1" } },
	{ "mx2.example.test", DNS_A, 0, 0, { "127.0.0.3" } },
	{ "mx3.example.test", DNS_A, 0, 1, { "127.0.0.4" } },
	{ "mx4.example.test", DNS_A, 3, 0, { NULL } },
};
#define N(x) (sizeof(x) / sizeof((x)[0]))

static void
test_order_and_addresses(void **state)
{
	struct route_plan p;
	struct table t;
	char text[64];

	(void)state;
	assert_int_equal(route(example, N(example), "example.test", ROUTE_ANY,
			       rnd_last, &p, &t), ROUTE_OK);
	assert_true(p.mx_secure);
	assert_false(p.implicit_mx);
	/* mx4 has no address (NXDOMAIN) and is dropped. */
	assert_int_equal(p.nhosts, 3);
	assert_string_equal(p.hosts[0].name, "mx1.example.test");
	assert_string_equal(p.hosts[1].name, "mx2.example.test");
	assert_string_equal(p.hosts[2].name, "mx3.example.test");
	/* IPv6 before IPv4. */
	assert_int_equal(p.hosts[0].naddrs, 2);
	assert_int_equal(p.hosts[0].addrs[0].family, AF_INET6);
	assert_int_equal(p.hosts[0].addrs[1].family, AF_INET);
	inet_ntop(AF_INET, p.hosts[0].addrs[1].addr, text, sizeof(text));
	assert_string_equal(text, "127.0.0.2");
	assert_false(p.hosts[0].addrs[1].secure);
	assert_true(p.hosts[2].addrs[0].secure);
	route_free(&p);

	/* Shuffled within a preference, never across. */
	route(example, N(example), "example.test", ROUTE_ANY, rnd_first, &p,
	      &t);
	assert_string_equal(p.hosts[0].name, "mx2.example.test");
	assert_string_equal(p.hosts[1].name, "mx1.example.test");
	assert_string_equal(p.hosts[2].name, "mx3.example.test");
	route_free(&p);
}

static void
test_family(void **state)
{
	struct route_plan p;
	struct table t;
	int i;

	(void)state;
	route(example, N(example), "example.test", ROUTE_IPV4, NULL, &p, &t);
	assert_int_equal(p.hosts[0].naddrs, 1);
	assert_int_equal(p.hosts[0].addrs[0].family, AF_INET);
	for (i = 0; i < t.queries; i++)
		assert_null(strstr(t.asked[i], "AAAA"));
	route_free(&p);
	/* Only mx1 has IPv6. */
	route(example, N(example), "example.test", ROUTE_IPV6, NULL, &p, &t);
	assert_int_equal(p.nhosts, 1);
	assert_string_equal(p.hosts[0].name, "mx1.example.test");
	route_free(&p);
}

static void
test_null_mx_and_nxdomain(void **state)
{
	static const struct canned c[] = {
		{ "nullmx.test", DNS_MX, 0, 0, { "0 ." } },
		{ "gone.test", DNS_MX, 3, 0, { NULL } },
	};
	struct route_plan p;
	struct table t;

	(void)state;
	assert_int_equal(route(c, N(c), "nullmx.test", ROUTE_ANY, NULL, &p,
			       &t), ROUTE_PERM);
	assert_string_equal(p.enhanced, "5.1.10");
	assert_non_null(strstr(p.reason, "null MX"));
	assert_int_equal(t.queries, 1);     /* no address lookups */
	route_free(&p);
	assert_int_equal(route(c, N(c), "gone.test", ROUTE_ANY, NULL, &p, &t),
			 ROUTE_PERM);
	assert_string_equal(p.enhanced, "5.1.2");
	assert_int_equal(t.queries, 1);
	route_free(&p);
}

static void
test_temporary(void **state)
{
	static const struct canned c[] = {
		{ "servfail.test", DNS_MX, 2, 0, { NULL } },
		{ "silent.test", DNS_MX, -1, 0, { NULL } },
		{ "flaky.test", DNS_MX, 0, 0, { "10 mx.flaky.test" } },
		{ "mx.flaky.test", DNS_A, 2, 0, { NULL } },
		{ "mx.flaky.test", DNS_AAAA, 2, 0, { NULL } },
		{ "noaddr.test", DNS_MX, 0, 0, { "10 mx.noaddr.test" } },
	};
	struct route_plan p;
	struct table t;

	(void)state;
	assert_int_equal(route(c, N(c), "servfail.test", ROUTE_ANY, NULL, &p,
			       &t), ROUTE_TEMP);
	assert_non_null(strstr(p.reason, "SERVFAIL"));
	route_free(&p);
	assert_int_equal(route(c, N(c), "silent.test", ROUTE_ANY, NULL, &p,
			       &t), ROUTE_TEMP);
	assert_string_equal(p.reason, "no DNS server answered");
	route_free(&p);
	assert_int_equal(route(c, N(c), "flaky.test", ROUTE_ANY, NULL, &p,
			       &t), ROUTE_TEMP);
	route_free(&p);
	/* NODATA for both address types of the only MX: permanent. */
	assert_int_equal(route(c, N(c), "noaddr.test", ROUTE_ANY, NULL, &p,
			       &t), ROUTE_PERM);
	assert_string_equal(p.enhanced, "5.4.4");
	route_free(&p);
}

static void
test_implicit_mx(void **state)
{
	static const struct canned c[] = {
		{ "nomx.test", DNS_A, 0, 0, { "127.0.0.5" } },
	};
	struct route_plan p;
	struct table t;

	(void)state;
	assert_int_equal(route(c, N(c), "nomx.test", ROUTE_ANY, NULL, &p, &t),
			 ROUTE_OK);
	assert_true(p.implicit_mx);
	assert_int_equal(p.nhosts, 1);
	assert_string_equal(p.hosts[0].name, "nomx.test");
	assert_int_equal(p.hosts[0].naddrs, 1);
	route_free(&p);
}

static void
test_bounds(void **state)
{
	static const struct canned c[] = {
		{ "big.test", DNS_MX, 0, 0,
		  { "1 a.big.test", "2 b.big.test", "3 c.big.test",
		    "4 d.big.test", "5 e.big.test", "6 f.big.test",
		    "7 g.big.test", "8 h.big.test" } },
		{ "a.big.test", DNS_A, 0, 0,
		  { "10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5",
		    "10.0.0.6" } },
		{ "b.big.test", DNS_A, 0, 0,
		  { "10.0.1.1", "10.0.1.2", "10.0.1.3", "10.0.1.4" } },
		{ "c.big.test", DNS_A, 0, 0,
		  { "10.0.2.1", "10.0.2.2", "10.0.2.3", "10.0.2.4" } },
		{ "d.big.test", DNS_A, 0, 0, { "10.0.3.1" } },
	};
	struct route_plan p;
	struct table t;
	size_t i, total = 0;

	(void)state;
	route(c, N(c), "big.test", ROUTE_ANY, NULL, &p, &t);
	assert_int_equal(p.hosts[0].naddrs, ROUTE_MAX_ADDRS_PER_HOST);
	for (i = 0; i < p.nhosts; i++)
		total += p.hosts[i].naddrs;
	assert_int_equal(total, ROUTE_MAX_ADDRS);
	assert_true(p.nhosts <= ROUTE_MAX_HOSTS);
	/* f, g, h are past the host bound: never looked up. */
	for (i = 0; i < (size_t)t.queries; i++)
		assert_null(strstr(t.asked[i], "f.big.test"));
	route_free(&p);
}

static void
test_literals(void **state)
{
	struct route_plan p;
	struct table t;
	char text[64];

	(void)state;
	assert_int_equal(route(NULL, 0, "[192.0.2.1]", ROUTE_ANY, NULL, &p,
			       &t), ROUTE_OK);
	assert_int_equal(t.queries, 0);
	inet_ntop(AF_INET, p.hosts[0].addrs[0].addr, text, sizeof(text));
	assert_string_equal(text, "192.0.2.1");
	route_free(&p);
	assert_int_equal(route(NULL, 0, "[IPv6:2001:db8::1]", ROUTE_ANY, NULL,
			       &p, &t), ROUTE_OK);
	assert_int_equal(p.hosts[0].addrs[0].family, AF_INET6);
	route_free(&p);
	assert_int_equal(route(NULL, 0, "[IPv6:2001:db8::1]", ROUTE_IPV4,
			       NULL, &p, &t), ROUTE_PERM);
	route_free(&p);
	assert_int_equal(route(NULL, 0, "[300.1.1.1]", ROUTE_ANY, NULL, &p,
			       &t), ROUTE_PERM);
	assert_string_equal(p.enhanced, "5.1.2");
	route_free(&p);
	assert_int_equal(route(NULL, 0, "[192.0.2.1", ROUTE_ANY, NULL, &p,
			       &t), ROUTE_PERM);
	route_free(&p);
}

static void
test_group(void **state)
{
	const char *r[] = { "a@X.test", "b@y.test", "c@x.TEST", "local",
			    "d@y.test", "e@z.test" };
	size_t g[6];
	char *d;

	(void)state;
	route_group(r, 6, g);
	assert_int_equal(g[0], 0);
	assert_int_equal(g[1], 1);
	assert_int_equal(g[2], 0);
	assert_int_equal(g[3], 3);
	assert_int_equal(g[4], 1);
	assert_int_equal(g[5], 5);
	d = route_domain_of("\"a@b\"@Example.TEST");
	assert_string_equal(d, "example.test");
	free(d);
	assert_null(route_domain_of("nobody"));
	assert_null(route_domain_of("x@"));
	route_group(r, 0, g);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order_and_addresses),
		cmocka_unit_test(test_family),
		cmocka_unit_test(test_null_mx_and_nxdomain),
		cmocka_unit_test(test_temporary),
		cmocka_unit_test(test_implicit_mx),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_literals),
		cmocka_unit_test(test_group),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
