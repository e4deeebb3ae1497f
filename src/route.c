/* route.c - where a recipient domain's mail goes: MX hosts and addresses
 *
 * Owns: MX lookup and its outcomes (null MX, NXDOMAIN, NODATA with the
 *       implicit MX, SERVFAIL), host order (preference, shuffled within a
 *       preference), address lookup per host (IPv6 then IPv4, limited by
 *       mx_address_family), address literals, the bounds on hosts and
 *       addresses per attempt, and grouping recipients by domain.
 * Not:  connecting and talking SMTP (deliver, smtp), TLS policy (dane,
 *       mtasts), retries (the runner). */

#include <config.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "i18n.h"
#include "route.h"
#include "xmalloc.h"

void
route_free(struct route_plan *p)
{
	size_t i;

	for (i = 0; i < p->nhosts; i++)
		free(p->hosts[i].name);
	free(p->hosts);
	free(p->reason);
	memset(p, 0, sizeof(*p));
}

static enum route_status
route_fail(struct route_plan *p, enum route_status s, const char *enhanced,
           char *reason)
{
	p->status = s;
	p->enhanced = enhanced;
	free(p->reason);
	p->reason = reason;
	return s;
}

static struct route_host *
route_add_host(struct route_plan *p, const char *name, uint16_t pref)
{
	struct route_host *h;

	p->hosts = xrealloc(p->hosts, (p->nhosts + 1) * sizeof(*p->hosts));
	h = &p->hosts[p->nhosts++];
	memset(h, 0, sizeof(*h));
	h->name = xstrdup(name);
	h->pref = pref;
	return h;
}

/* "[192.0.2.1]" or "[IPv6:2001:db8::1]". */
static enum route_status
route_literal(const char *domain, enum route_family family,
              struct route_plan *p)
{
	size_t n = strlen(domain);
	char text[64];
	struct route_addr a = {0};
	struct route_host *h;
	const char *inner = domain + 1;

	if (n < 3 || domain[n - 1] != ']' || n - 2 >= sizeof(text))
		goto bad;
	if (strncasecmp(inner, "IPv6:", 5) == 0) {
		memcpy(text, inner + 5, n - 7);
		text[n - 7] = '\0';
		a.family = AF_INET6;
	} else {
		memcpy(text, inner, n - 2);
		text[n - 2] = '\0';
		a.family = AF_INET;
	}
	if (inet_pton(a.family, text, a.addr) != 1)
		goto bad;
	if ((family == ROUTE_IPV4 && a.family != AF_INET) ||
	    (family == ROUTE_IPV6 && a.family != AF_INET6))
		return route_fail(p, ROUTE_PERM, "5.4.4",
		                  xasprintf(_("%s is of an address family "
		                              "mx_address_family excludes"),
		                            domain));
	h = route_add_host(p, domain, 0);
	h->addrs[0] = a;
	h->naddrs = 1;
	return ROUTE_OK;
bad:
	return route_fail(
	        p, ROUTE_PERM, "5.1.2",
	        xasprintf(_("%s is not a valid address literal"), domain));
}

static int
route_cmp_pref(const void *a, const void *b)
{
	const struct dns_rr *x = a, *y = b;

	return (int)x->pref - (int)y->pref;
}

/* Sort by preference; shuffle each run of equal preferences. */
static void
route_order(struct dns_rr *rrs, size_t n, unsigned (*rnd)(unsigned))
{
	size_t i, j, k, start;
	struct dns_rr tmp;

	if (n < 2)
		return;
	qsort(rrs, n, sizeof(*rrs), route_cmp_pref);
	if (rnd == NULL)
		return;
	for (start = 0; start < n; start = i) {
		for (i = start + 1; i < n && rrs[i].pref == rrs[start].pref;
		     i++)
			;
		for (j = i - 1; j > start; j--) {
			k = start + rnd((unsigned)(j - start + 1));
			tmp = rrs[j];
			rrs[j] = rrs[k];
			rrs[k] = tmp;
		}
	}
}

/* Add the addresses of one type for host h; -1 on a temporary failure. */
static int
route_addresses(const struct dns_lookup *l, struct route_host *h,
                enum dns_type type, size_t *total)
{
	struct dns_answer a;
	struct err e = {0};
	size_t i;
	int rc = 0;

	if (l->query(l->ctx, h->name, type, &a, &e) < 0) {
		err_clear(&e);
		return -1;
	}
	if (a.rcode != DNS_NOERROR && a.rcode != DNS_NXDOMAIN)
		rc = -1;
	for (i = 0; i < a.nrrs && h->naddrs < ROUTE_MAX_ADDRS_PER_HOST &&
	            *total < ROUTE_MAX_ADDRS;
	     i++) {
		h->addrs[h->naddrs].family =
		        type == DNS_AAAA ? AF_INET6 : AF_INET;
		memcpy(h->addrs[h->naddrs].addr, a.rrs[i].addr,
		       type == DNS_AAAA ? 16 : 4);
		h->addrs[h->naddrs].secure = a.ad;
		h->naddrs++;
		(*total)++;
	}
	dns_answer_free(&a);
	return rc;
}

/* Resolve every host; drop those without an address. */
static enum route_status
route_resolve(const struct dns_lookup *l, const char *domain,
              enum route_family family, struct route_plan *p)
{
	size_t i, kept = 0, total = 0;
	int temp = 0;

	for (i = 0; i < p->nhosts; i++) {
		struct route_host *h = &p->hosts[i];

		if (family != ROUTE_IPV4 &&
		    route_addresses(l, h, DNS_AAAA, &total) < 0)
			temp = 1;
		if (family != ROUTE_IPV6 &&
		    route_addresses(l, h, DNS_A, &total) < 0)
			temp = 1;
		if (h->naddrs == 0) {
			free(h->name);
			continue;
		}
		p->hosts[kept++] = *h;
	}
	p->nhosts = kept;
	if (kept > 0)
		return ROUTE_OK;
	if (temp)
		return route_fail(p, ROUTE_TEMP, "4.4.3",
		                  xasprintf(_("cannot look up the mail hosts "
		                              "of %s yet"),
		                            domain));
	return route_fail(p, ROUTE_PERM, "5.4.4",
	                  xasprintf(_("the mail hosts of %s have no %s "
	                              "address"),
	                            domain,
	                            family == ROUTE_IPV4   ? "IPv4"
	                            : family == ROUTE_IPV6 ? "IPv6"
	                                                   : "IP"));
}

/* The text of e, taken from it. */
static char *
route_take(struct err *e)
{
	char *m = e->msg ? e->msg : xstrdup("DNS lookup failed");

	e->msg = NULL;
	err_clear(e);
	return m;
}

/* The MX answer's outcome; ROUTE_OK with p->hosts filled (unresolved). */
static enum route_status
route_mx(const struct dns_lookup *l, const char *domain,
         unsigned (*rnd)(unsigned), struct route_plan *p)
{
	struct dns_answer a;
	struct err e = {0};
	size_t i;

	if (l->query(l->ctx, domain, DNS_MX, &a, &e) < 0)
		return route_fail(p, ROUTE_TEMP, "4.4.3", route_take(&e));
	if (a.rcode == DNS_NXDOMAIN) {
		dns_answer_free(&a);
		return route_fail(
		        p, ROUTE_PERM, "5.1.2",
		        xasprintf(_("the domain %s does not exist"), domain));
	}
	if (a.rcode != DNS_NOERROR) {
		route_fail(p, ROUTE_TEMP, "4.4.3",
		           xasprintf(_("the DNS answered %s for the mail "
		                       "hosts of %s"),
		                     dns_rcode_name(a.rcode), domain));
		dns_answer_free(&a);
		return ROUTE_TEMP;
	}
	p->mx_secure = a.ad;
	for (i = 0; i < a.nrrs; i++)
		if (a.rrs[i].name[0] == '\0') {
			dns_answer_free(&a);
			return route_fail(
			        p, ROUTE_PERM, "5.1.10",
			        xasprintf(_("%s accepts no mail (null "
			                    "MX)"),
			                  domain));
		}
	route_order(a.rrs, a.nrrs, rnd);
	for (i = 0; i < a.nrrs && p->nhosts < ROUTE_MAX_HOSTS; i++)
		route_add_host(p, a.rrs[i].name, a.rrs[i].pref);
	if (a.nrrs == 0) {
		p->implicit_mx = 1;
		route_add_host(p, domain, 0);
	}
	dns_answer_free(&a);
	return ROUTE_OK;
}

enum route_status
route_domain(const struct dns_lookup *l, const char *domain,
             enum route_family family, unsigned (*rnd)(unsigned n),
             struct route_plan *p)
{
	memset(p, 0, sizeof(*p));
	if (domain[0] == '[')
		return p->status = route_literal(domain, family, p);
	if (route_mx(l, domain, rnd, p) != ROUTE_OK)
		return p->status;
	return p->status = route_resolve(l, domain, family, p);
}

char *
route_domain_of(const char *addr)
{
	const char *at = strrchr(addr, '@');
	char *d;
	size_t i;

	if (at == NULL || at[1] == '\0')
		return NULL;
	d = xstrdup(at + 1);
	for (i = 0; d[i] != '\0'; i++)
		d[i] = (char)tolower((unsigned char)d[i]);
	return d;
}

struct route_key {
	char *domain;
	size_t index;
};

static int
route_cmp_key(const void *a, const void *b)
{
	const struct route_key *x = a, *y = b;
	int c;

	if (x->domain == NULL || y->domain == NULL)
		return x->domain == y->domain ? 0 : x->domain == NULL ? -1 : 1;
	c = strcmp(x->domain, y->domain);
	if (c != 0)
		return c;
	return x->index < y->index ? -1 : x->index > y->index;
}

void
route_group(const char *const *rcpts, size_t n, size_t *groups)
{
	struct route_key *k = xcalloc(n ? n : 1, sizeof(*k));
	size_t i, first = 0;

	for (i = 0; i < n; i++) {
		k[i].domain = route_domain_of(rcpts[i]);
		k[i].index = i;
	}
	qsort(k, n, sizeof(*k), route_cmp_key);
	for (i = 0; i < n; i++) {
		if (i == 0 || k[i].domain == NULL || k[first].domain == NULL ||
		    strcmp(k[i].domain, k[first].domain) != 0)
			first = i;
		groups[k[i].index] = k[first].index;
	}
	for (i = 0; i < n; i++)
		free(k[i].domain);
	free(k);
}
