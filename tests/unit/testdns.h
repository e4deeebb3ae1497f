/* testdns.h - a table of canned DNS answers behind the dns_lookup seam,
 * shared by the unit tests of the modules that ask the DNS (spf,
 * checkdns). Include once per test program, after cmocka.h. The real
 * resolver is proven by tests/integration/dns.py. */
#ifndef DSMTP_TESTDNS_H
#define DSMTP_TESTDNS_H

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dns.h"
#include "xmalloc.h"

/* A canned answer: rcode (-1: no answer) and records as text: TXT
 * strings, addresses, "PREF HOST" for MX, names for PTR. */
struct canned {
	const char *name;
	enum dns_type type;
	int rcode;
	const char *rrs[12];
};

struct table {
	const struct canned *c;
	size_t n;
};

static void
fill_rr(struct dns_rr *rr, enum dns_type type, const char *text)
{
	char host[128];
	unsigned pref;

	memset(rr, 0, sizeof(*rr));
	rr->type = type;
	switch (type) {
	case DNS_A:
	case DNS_AAAA:
		assert_int_equal(inet_pton(type == DNS_A ? AF_INET : AF_INET6,
					   text, rr->addr), 1);
		break;
	case DNS_MX:
		assert_int_equal(sscanf(text, "%u %127s", &pref, host), 2);
		rr->pref = (uint16_t)pref;
		rr->name = xstrdup(host);
		break;
	case DNS_TXT:
		rr->data = (unsigned char *)xstrdup(text);
		rr->len = strlen(text);
		break;
	default:
		rr->name = xstrdup(text);
	}
}

static int
table_query(void *ctx, const char *name, enum dns_type type,
	    struct dns_answer *a, struct err *e)
{
	const struct table *t = ctx;
	size_t i, k;

	memset(a, 0, sizeof(*a));
	for (i = 0; i < t->n; i++) {
		if (strcasecmp(t->c[i].name, name) != 0 || t->c[i].type != type)
			continue;
		if (t->c[i].rcode < 0) {
			err_set(e, ERR_TEMP, "no answer");
			return -1;
		}
		a->rcode = t->c[i].rcode;
		for (k = 0; k < 12 && t->c[i].rrs[k] != NULL; k++) {
			a->rrs = xrealloc(a->rrs, (k + 1) * sizeof(*a->rrs));
			fill_rr(&a->rrs[k], type, t->c[i].rrs[k]);
			a->nrrs = k + 1;
		}
		return 0;
	}
	/* Unknown names do not exist; known names lack other types. */
	for (i = 0; i < t->n; i++)
		if (strcasecmp(t->c[i].name, name) == 0)
			return 0;
	a->rcode = DNS_NXDOMAIN;
	return 0;
}

#endif
