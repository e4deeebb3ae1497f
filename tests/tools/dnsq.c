/* dnsq.c - ask the dns module what a test's resolver answers
 *
 * Owns: a command line over dns_open/dns_query for the DNS test bed
 *       (tests/integration/dns.py), printing what the module returned.
 * Not:  any DNS logic of its own: it is a window on src/dns.c.
 *
 * Usage: dnsq TYPE NAME [TYPE NAME...]   (TYPE: A AAAA MX TXT TLSA PTR
 * CNAME). Per query, a line "NAME TYPE rcode=R ad=0|1 canonical=N|-",
 * then one line per record; "error: TEXT" when no response came. Exit 0
 * when every query got a response.
 * TYPE ROUTE (or ROUTE4, ROUTE6) prints route_domain's plan for NAME
 * instead: "NAME ROUTE status=ok|temp|perm enhanced=E implicit=0|1
 * mx_secure=0|1 reason=...", then "host PREF NAME ADDR..." lines.
 * TYPE SPF with NAME "IP,SENDER,HELO" prints spf_check's verdict for the
 * sender's domain: "NAME SPF result=R lookups=N mechanism=M reason=...". */

#include <config.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "dns.h"
#include "route.h"
#include "spf.h"

static int
dnsq_type(const char *s, enum dns_type *t)
{
	static const enum dns_type all[] = {
	        DNS_A, DNS_AAAA, DNS_MX, DNS_TXT, DNS_TLSA, DNS_PTR, DNS_CNAME};
	size_t i;

	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (strcmp(s, dns_type_name(all[i])) == 0) {
			*t = all[i];
			return 0;
		}
	return -1;
}

static void
dnsq_print(const struct dns_rr *rr)
{
	char text[INET6_ADDRSTRLEN];
	size_t i;

	printf("%s", dns_type_name(rr->type));
	switch (rr->type) {
	case DNS_A:
	case DNS_AAAA:
		inet_ntop(rr->type == DNS_A ? AF_INET : AF_INET6, rr->addr,
		          text, sizeof(text));
		printf(" %s", text);
		break;
	case DNS_MX:
		printf(" %u %s", rr->pref, rr->name[0] ? rr->name : ".");
		break;
	case DNS_TXT:
		printf(" \"");
		for (i = 0; i < rr->len; i++)
			printf(rr->data[i] >= 0x20 && rr->data[i] < 0x7f &&
			                       rr->data[i] != '"' &&
			                       rr->data[i] != '\\'
			               ? "%c"
			               : "\\%03u",
			       rr->data[i]);
		printf("\"");
		break;
	case DNS_TLSA:
		printf(" %u %u %u ", rr->usage, rr->selector, rr->mtype);
		for (i = 0; i < rr->len; i++)
			printf("%02x", rr->data[i]);
		break;
	default:
		printf(" %s", rr->name);
	}
	printf(" ttl=%u\n", (unsigned)rr->ttl);
}

static void
dnsq_route(struct dns_resolver *r, const char *name, enum route_family f)
{
	static const char *const status[] = {"ok", "temp", "perm"};
	struct dns_lookup l;
	struct route_plan p;
	char text[INET6_ADDRSTRLEN];
	size_t i, k;

	dns_lookup_on(&l, r);
	route_domain(&l, name, f, NULL, &p);
	printf("%s ROUTE status=%s enhanced=%s implicit=%d mx_secure=%d "
	       "reason=%s\n",
	       name, status[p.status], p.enhanced ? p.enhanced : "-",
	       p.implicit_mx, p.mx_secure, p.reason ? p.reason : "-");
	for (i = 0; i < p.nhosts; i++) {
		printf("host %u %s", p.hosts[i].pref, p.hosts[i].name);
		for (k = 0; k < p.hosts[i].naddrs; k++) {
			inet_ntop(p.hosts[i].addrs[k].family,
			          p.hosts[i].addrs[k].addr, text, sizeof(text));
			printf(" %s", text);
		}
		printf("\n");
	}
	route_free(&p);
}

static void
dnsq_spf(struct dns_resolver *r, const char *arg)
{
	char ip[64], sender[256], helo[256];
	struct spf_verdict v;
	struct spf_query q = {ip, NULL, sender, helo};
	struct dns_lookup l;
	const char *at;

	if (sscanf(arg, "%63[^,],%255[^,],%255s", ip, sender, helo) != 3) {
		printf("%s SPF error: want IP,SENDER,HELO\n", arg);
		return;
	}
	at = strrchr(sender, '@');
	q.domain = at ? at + 1 : helo;
	dns_lookup_on(&l, r);
	spf_check(&l, &q, &v);
	printf("%s SPF result=%s lookups=%d mechanism=%s reason=%s\n", arg,
	       spf_result_name(v.result), v.lookups,
	       v.mechanism ? v.mechanism : "-", v.reason ? v.reason : "-");
	spf_free(&v);
}

int
main(int argc, char **argv)
{
	struct dns_resolver r;
	struct dns_answer a;
	struct err e = {0};
	enum dns_type t;
	int i, rc = 0;
	size_t k;

	if (argc < 3 || argc % 2 == 0) {
		fputs("usage: dnsq TYPE NAME [TYPE NAME...]\n", stderr);
		return 64;
	}
	if (dns_open(&r, 2, 2, &e) < 0) {
		printf("error: %s\n", e.msg);
		return 1;
	}
	printf("trust_ad=%d\n", r.trust_ad);
	for (i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "SPF") == 0) {
			dnsq_spf(&r, argv[i + 1]);
			continue;
		}
		if (strncmp(argv[i], "ROUTE", 5) == 0) {
			dnsq_route(&r, argv[i + 1],
			           argv[i][5] == '4'   ? ROUTE_IPV4
			           : argv[i][5] == '6' ? ROUTE_IPV6
			                               : ROUTE_ANY);
			continue;
		}
		if (dnsq_type(argv[i], &t) < 0) {
			fprintf(stderr, "dnsq: unknown type %s\n", argv[i]);
			return 64;
		}
		if (dns_query(&r, argv[i + 1], t, &a, &e) < 0) {
			printf("%s %s error: %s\n", argv[i + 1], argv[i],
			       e.msg);
			err_clear(&e);
			rc = 1;
			continue;
		}
		printf("%s %s rcode=%s ad=%d canonical=%s\n", argv[i + 1],
		       argv[i], dns_rcode_name(a.rcode), a.ad,
		       a.canonical ? a.canonical : "-");
		for (k = 0; k < a.nrrs; k++)
			dnsq_print(&a.rrs[k]);
		dns_answer_free(&a);
	}
	dns_close(&r);
	return rc;
}
