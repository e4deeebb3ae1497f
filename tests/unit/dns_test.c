/* dns_test.c - unit tests for dns.h's pure parts
 *
 * Owns: dns_parse on responses built here byte by byte: MX with name
 *       compression, null MX, TXT strings, TLSA, CNAME chains (and a CNAME
 *       loop), owner and class filtering, the record cap, and refusals of
 *       malformed responses; names of types and rcodes.
 * Not:  sending queries (tests/integration/dns.py, against a real
 *       resolver). */

#include <config.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dns.h"

/* A response under construction. */
struct pkt {
	unsigned char b[4096];
	size_t n;
	unsigned an;
};

static void
put(struct pkt *p, const void *d, size_t n)
{
	assert_true(p->n + n <= sizeof(p->b));
	memcpy(p->b + p->n, d, n);
	p->n += n;
}

static void
put16(struct pkt *p, unsigned v)
{
	unsigned char b[2] = { (unsigned char)(v >> 8), (unsigned char)v };

	put(p, b, 2);
}

/* A name in wire form from "a.b.c" (no compression). */
static void
put_name(struct pkt *p, const char *name)
{
	const char *dot;
	unsigned char len;

	while (*name != '\0') {
		dot = strchr(name, '.');
		len = (unsigned char)(dot ? (size_t)(dot - name) : strlen(name));
		put(p, &len, 1);
		put(p, name, len);
		name += len + (dot != NULL);
	}
	put(p, "", 1);
}

/* Header and question for qname/qtype, with flags (QR set by default). */
static void
start(struct pkt *p, const char *qname, unsigned qtype, unsigned flags)
{
	memset(p, 0, sizeof(*p));
	put16(p, 0x1234);
	put16(p, flags);
	put16(p, 1);
	put16(p, 0);    /* ancount, set by finish() */
	put16(p, 0);
	put16(p, 0);
	put_name(p, qname);
	put16(p, qtype);
	put16(p, 1);
}

/* Start of one answer record; the caller writes rdlen and rdata. */
static void
rr(struct pkt *p, const char *owner, unsigned type)
{
	if (owner == NULL) {            /* compressed: the question's name */
		put16(p, 0xc00c);
	} else {
		put_name(p, owner);
	}
	put16(p, type);
	put16(p, 1);
	put16(p, 0);
	put16(p, 300);
	p->an++;
}

static void
finish(struct pkt *p)
{
	p->b[6] = (unsigned char)(p->an >> 8);
	p->b[7] = (unsigned char)p->an;
}

static void
mx(struct pkt *p, const char *owner, unsigned pref, const char *host)
{
	struct pkt name = { .n = 0 };

	put_name(&name, host);
	rr(p, owner, DNS_MX);
	put16(p, (unsigned)name.n + 2);
	put16(p, pref);
	put(p, name.b, name.n);
}

static void
parse_ok(struct pkt *p, const char *qname, enum dns_type t,
	 struct dns_answer *a)
{
	struct err e = { 0 };

	finish(p);
	assert_int_equal(dns_parse(p->b, p->n, qname, t, a, &e), 0);
}

static void
test_mx_with_compression(void **state)
{
	struct dns_answer a;
	struct pkt p;

	(void)state;
	start(&p, "example.test", DNS_MX, 0x8180 | 0x20);
	mx(&p, NULL, 10, "mx1.example.test");
	/* mx2 by a pointer into the question: "mx2" + pointer to offset 12 */
	rr(&p, NULL, DNS_MX);
	put16(&p, 2 + 4 + 2);
	put16(&p, 20);
	put(&p, "\3mx2", 4);
	put16(&p, 0xc00c);
	parse_ok(&p, "example.test.", DNS_MX, &a);
	assert_int_equal(a.rcode, DNS_NOERROR);
	assert_int_equal(a.ad, 1);
	assert_null(a.canonical);
	assert_int_equal(a.nrrs, 2);
	assert_int_equal(a.rrs[0].pref, 10);
	assert_string_equal(a.rrs[0].name, "mx1.example.test");
	assert_int_equal(a.rrs[0].ttl, 300);
	assert_int_equal(a.rrs[1].pref, 20);
	assert_string_equal(a.rrs[1].name, "mx2.example.test");
	dns_answer_free(&a);
}

static void
test_null_mx(void **state)
{
	struct dns_answer a;
	struct pkt p;

	(void)state;
	start(&p, "nullmx.test", DNS_MX, 0x8180);
	rr(&p, NULL, DNS_MX);
	put16(&p, 3);
	put16(&p, 0);
	put(&p, "", 1);
	parse_ok(&p, "nullmx.test", DNS_MX, &a);
	assert_int_equal(a.nrrs, 1);
	assert_string_equal(a.rrs[0].name, "");
	assert_int_equal(a.ad, 0);
	dns_answer_free(&a);
}

static void
test_txt_and_tlsa(void **state)
{
	static const unsigned char txt[] = "\7v=spf1 \4-all";
	static const unsigned char tlsa[] = { 3, 1, 1, 0xde, 0xad, 0xbe, 0xef };
	struct dns_answer a;
	struct pkt p;

	(void)state;
	start(&p, "t.test", DNS_TXT, 0x8180);
	rr(&p, NULL, DNS_TXT);
	put16(&p, sizeof(txt) - 1);
	put(&p, txt, sizeof(txt) - 1);
	parse_ok(&p, "t.test", DNS_TXT, &a);
	assert_int_equal(a.nrrs, 1);
	assert_string_equal((char *)a.rrs[0].data, "v=spf1 -all");
	assert_int_equal(a.rrs[0].len, 11);
	dns_answer_free(&a);

	start(&p, "_25._tcp.mx.test", DNS_TLSA, 0x81a0);
	rr(&p, NULL, DNS_TLSA);
	put16(&p, sizeof(tlsa));
	put(&p, tlsa, sizeof(tlsa));
	parse_ok(&p, "_25._tcp.mx.test", DNS_TLSA, &a);
	assert_int_equal(a.rrs[0].usage, 3);
	assert_int_equal(a.rrs[0].selector, 1);
	assert_int_equal(a.rrs[0].mtype, 1);
	assert_int_equal(a.rrs[0].len, 4);
	assert_memory_equal(a.rrs[0].data, tlsa + 3, 4);
	dns_answer_free(&a);
}

static void
cname(struct pkt *p, const char *owner, const char *target)
{
	struct pkt name = { .n = 0 };

	put_name(&name, target);
	rr(p, owner, DNS_CNAME);
	put16(p, (unsigned)name.n);
	put(p, name.b, name.n);
}

static void
test_cname_chain(void **state)
{
	struct dns_answer a;
	struct pkt p;

	(void)state;
	start(&p, "alias.test", DNS_MX, 0x8180);
	cname(&p, "alias.test", "middle.test");
	cname(&p, "middle.test", "real.test");
	mx(&p, "real.test", 5, "mx.real.test");
	mx(&p, "other.test", 5, "mx.other.test");  /* not on the chain */
	parse_ok(&p, "alias.test", DNS_MX, &a);
	assert_string_equal(a.canonical, "real.test");
	assert_int_equal(a.nrrs, 1);
	assert_string_equal(a.rrs[0].name, "mx.real.test");
	dns_answer_free(&a);

	/* A loop ends; nothing of the asked type is found. */
	start(&p, "a.test", DNS_MX, 0x8180);
	cname(&p, "a.test", "b.test");
	cname(&p, "b.test", "a.test");
	parse_ok(&p, "a.test", DNS_MX, &a);
	assert_int_equal(a.nrrs, 0);
	dns_answer_free(&a);
}

static void
test_rcode_and_filtering(void **state)
{
	struct dns_answer a;
	struct pkt p;

	(void)state;
	start(&p, "gone.test", DNS_A, 0x8183);
	parse_ok(&p, "gone.test", DNS_A, &a);
	assert_int_equal(a.rcode, DNS_NXDOMAIN);
	assert_int_equal(a.nrrs, 0);
	dns_answer_free(&a);

	start(&p, "h.test", DNS_A, 0x8180);
	rr(&p, NULL, DNS_AAAA);             /* another type */
	put16(&p, 16);
	put(&p, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\1", 16);
	rr(&p, NULL, DNS_A);
	put16(&p, 4);
	put(&p, "\177\0\0\2", 4);
	parse_ok(&p, "H.TEST", DNS_A, &a);  /* names compare without case */
	assert_int_equal(a.nrrs, 1);
	assert_memory_equal(a.rrs[0].addr, "\177\0\0\2", 4);
	dns_answer_free(&a);
}

static void
test_record_cap(void **state)
{
	struct dns_answer a;
	struct pkt p;
	int i;

	(void)state;
	start(&p, "many.test", DNS_A, 0x8180);
	for (i = 0; i < DNS_MAX_RRS + 10; i++) {
		rr(&p, NULL, DNS_A);
		put16(&p, 4);
		put(&p, "\1\2\3\4", 4);
	}
	parse_ok(&p, "many.test", DNS_A, &a);
	assert_int_equal(a.nrrs, DNS_MAX_RRS);
	dns_answer_free(&a);
}

static void
parse_fails(struct pkt *p, const char *qname, enum dns_type t)
{
	struct dns_answer a;
	struct err e = { 0 };

	finish(p);
	assert_int_equal(dns_parse(p->b, p->n, qname, t, &a, &e), -1);
	assert_int_equal(e.cls, ERR_TEMP);
	assert_null(a.rrs);
	err_clear(&e);
}

static void
test_malformed(void **state)
{
	struct pkt p;
	size_t n;

	(void)state;
	/* A query, not a response. */
	start(&p, "q.test", DNS_A, 0x0100);
	parse_fails(&p, "q.test", DNS_A);
	/* An A record of 3 bytes. */
	start(&p, "q.test", DNS_A, 0x8180);
	rr(&p, NULL, DNS_A);
	put16(&p, 3);
	put(&p, "\1\2\3", 3);
	parse_fails(&p, "q.test", DNS_A);
	/* A TXT string longer than its record. */
	start(&p, "q.test", DNS_TXT, 0x8180);
	rr(&p, NULL, DNS_TXT);
	put16(&p, 3);
	put(&p, "\011ab", 3);
	parse_fails(&p, "q.test", DNS_TXT);
	/* Every truncation of a good response fails or yields less. */
	start(&p, "q.test", DNS_MX, 0x8180);
	mx(&p, NULL, 10, "mx.q.test");
	finish(&p);
	for (n = 0; n < p.n; n++) {
		struct dns_answer a;
		struct err e = { 0 };

		if (dns_parse(p.b, n, "q.test", DNS_MX, &a, &e) == 0) {
			assert_int_equal(a.nrrs, 0);
			dns_answer_free(&a);
		}
		err_clear(&e);
	}
}

static void
test_reverse_name(void **state)
{
	static const unsigned char v4[4] = { 192, 0, 2, 10 };
	static const unsigned char v6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
					      0, 0, 0, 0, 0, 0, 0xcb, 0x01 };
	char *n;

	(void)state;
	n = dns_reverse_name(0, v4);
	assert_string_equal(n, "10.2.0.192.in-addr.arpa");
	free(n);
	n = dns_reverse_name(1, v6);
	assert_string_equal(n, "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0."
			       "8.b.d.0.1.0.0.2.ip6.arpa");
	free(n);
}

static void
test_names(void **state)
{
	(void)state;
	assert_string_equal(dns_type_name(DNS_TLSA), "TLSA");
	assert_string_equal(dns_type_name((enum dns_type)99), "?");
	assert_string_equal(dns_rcode_name(DNS_SERVFAIL), "SERVFAIL");
	assert_string_equal(dns_rcode_name(9), "OTHER");
	assert_string_equal(dns_rcode_name(-1), "OTHER");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mx_with_compression),
		cmocka_unit_test(test_null_mx),
		cmocka_unit_test(test_txt_and_tlsa),
		cmocka_unit_test(test_cname_chain),
		cmocka_unit_test(test_rcode_and_filtering),
		cmocka_unit_test(test_record_cap),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_reverse_name),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
