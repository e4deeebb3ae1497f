/* checkdns_to.c - --check-dns about mail's other ends: the sending
 * domain's own MX, and (--to) what direct delivery to a recipient domain
 * meets there
 *
 * Owns: the MX, TLSA, MTA-STS and DNSSEC lines of the report.
 * Not:  the routing rules (route), the records' parsers (dns, mtasts),
 *       delivery (deliver). */

#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "checkdns.h"
#include "i18n.h"
#include "mtasts.h"
#include "mtasts_get.h"
#include "route.h"
#include "xmalloc.h"

static int
checkdns_ask(const struct dns_lookup *l, const char *name,
             enum dns_type type, struct dns_answer *a)
{
	struct err e = { 0 };
	int rc;

	memset(a, 0, sizeof(*a));
	rc = l->query(l->ctx, name, type, a, &e);
	err_clear(&e);
	return rc;
}

static size_t
checkdns_count(const struct dns_answer *a, enum dns_type type)
{
	size_t i, n = 0;

	for (i = 0; i < a->nrrs; i++)
		n += a->rrs[i].type == type;
	return n;
}

void
checkdns_own_mx(struct check_report *r, const struct dns_lookup *l,
                const char *domain)
{
	struct dns_answer a;
	struct buf b = { 0 };
	char *why = NULL;
	size_t i;

	if (checkdns_ask(l, domain, DNS_MX, &a) < 0 || a.rcode != DNS_NOERROR ||
	    checkdns_count(&a, DNS_MX) == 0)
		why = xasprintf(_("%s has no MX: bounces and replies to its "
		                  "addresses have nowhere to go"),
		                domain);
	for (i = 0; why == NULL && i < a.nrrs; i++)
		if (a.rrs[i].type == DNS_MX)
			buf_printf(&b, "%s%s (%u)", b.len ? ", " : "",
			           *a.rrs[i].name ? a.rrs[i].name : ".",
			           (unsigned)a.rrs[i].pref);
	if (why == NULL && strcmp(buf_cstr(&b), ". (0)") == 0)
		why = xasprintf(_("%s has a null MX: it takes no mail, so "
		                  "nobody can reply or bounce to it"),
		                domain);
	if (why != NULL)
		checkdns_add(r, CHECK_WARN, xasprintf("mx %s", domain), why,
		             xasprintf("%s. IN MX 10 mail.%s.", domain, domain));
	else
		checkdns_add(r, CHECK_PASS, xasprintf("mx %s", domain),
		             xstrdup(buf_cstr(&b)), NULL);
	buf_free(&b);
	dns_answer_free(&a);
}

/* The TLSA records of host's port 25 (RFC 7672). */
static void
checkdns_tlsa(struct check_report *r, const struct dns_lookup *l,
              const char *host)
{
	char *q = xasprintf("_25._tcp.%s", host);
	char *name = xasprintf("tlsa %s", host);
	struct dns_answer a;
	size_t n;

	if (checkdns_ask(l, q, DNS_TLSA, &a) < 0 || a.rcode == DNS_SERVFAIL) {
		checkdns_add(r, CHECK_FAIL, name,
		             xasprintf(_("%s does not validate (SERVFAIL): a "
		                         "sender that uses DANE defers mail to "
		                         "%s"),
		                       q, host),
		             xstrdup(_("the owner of the zone must mend its "
		                       "DNSSEC signatures or TLSA records")));
	} else if ((n = checkdns_count(&a, DNS_TLSA)) == 0) {
		checkdns_add(r, CHECK_PASS, name,
		             xstrdup(_("no TLSA records: no DANE")), NULL);
	} else if (!a.ad) {
		checkdns_add(r, CHECK_WARN, name,
		             xasprintf(_("%zu TLSA record(s), but the answer "
		                         "is not authenticated: DANE cannot be "
		                         "used"),
		                       n),
		             xstrdup(_("the zone is unsigned, or this "
		                       "resolver's DNSSEC answers are not "
		                       "believed (see the dnssec line)")));
	} else {
		checkdns_add(r, CHECK_PASS, name,
		             xasprintf(_("%zu TLSA record(s), authenticated: "
		                         "DANE applies (mx_tls dane)"),
		                       n),
		             NULL);
	}
	dns_answer_free(&a);
	free(q);
}

/* The MX hosts of p that policy pol does not name. */
static void
checkdns_sts_hosts(struct check_report *r, const char *domain,
                   const struct mtasts_policy *pol,
                   const struct route_plan *p)
{
	size_t i;

	for (i = 0; i < p->nhosts; i++)
		if (!mtasts_mx_match(pol, p->hosts[i].name))
			checkdns_add(r, CHECK_WARN,
			             xasprintf("mta-sts %s", p->hosts[i].name),
			             xasprintf(_("%s is an MX host of %s but not "
			                         "in its MTA-STS policy: senders "
			                         "that enforce it do not use it"),
			                       p->hosts[i].name, domain),
			             xasprintf(_("add mx: %s to the policy"),
			                       p->hosts[i].name));
}

/* The policy that the one record announces, fetched as delivery does;
 * takes name. */
static void
checkdns_sts_policy(struct check_report *r, const char *domain,
                    const char *id, const struct route_plan *p,
                    const char *trust_file, char *name)
{
	static const char *const modes[] = { "none", "testing", "enforce" };
	struct mtasts_source src = { 0 };
	struct mtasts_policy pol = { 0 };
	struct buf text = { 0 }, mx = { 0 };
	struct err e = { 0 };
	size_t i;

	src.trust_file = trust_file;
	src.timeout_s = 30;
	if (mtasts_fetch(&src, domain, &text, &e) < 0 ||
	    mtasts_parse_policy(text.data ? text.data : "", text.len, &pol) <
	            0) {
		checkdns_add(r, CHECK_WARN, name,
		             xasprintf(_("policy id %s, but the policy cannot "
		                         "be had: %s"),
		                       id, e.msg ? e.msg : _("it does not parse")),
		             xasprintf(_("serve the policy at https://mta-sts.%s"
		                         "/.well-known/mta-sts.txt (text/plain, "
		                         "a valid certificate for mta-sts.%s), or "
		                         "remove the TXT record"),
		                       domain, domain));
		goto out;
	}
	for (i = 0; i < pol.nmx; i++)
		buf_printf(&mx, "%s%s", i ? ", " : "", pol.mx[i]);
	checkdns_add(r, CHECK_PASS, name,
	             xasprintf(_("policy id %s: mode %s, max_age %ld, mx %s"),
	                       id, modes[pol.mode], pol.max_age,
	                       mx.len ? buf_cstr(&mx) : "-"),
	             NULL);
	if (pol.mode != MTASTS_NONE)
		checkdns_sts_hosts(r, domain, &pol, p);
out:
	err_clear(&e);
	mtasts_policy_free(&pol);
	buf_free(&text);
	buf_free(&mx);
}

static void
checkdns_mtasts(struct check_report *r, const struct dns_lookup *l,
                const char *domain, const struct route_plan *p,
                const char *trust_file)
{
	char *q = xasprintf("_mta-sts.%s", domain);
	char *name = xasprintf("mta-sts %s", domain), *id = NULL;
	struct dns_answer a;
	size_t n = 0;

	if (checkdns_ask(l, q, DNS_TXT, &a) == 0)
		id = mtasts_answer_id(&a, &n);
	if (n == 0)
		checkdns_add(r, CHECK_PASS, name,
		             xstrdup(_("no MTA-STS record")), NULL);
	else if (n > 1)
		checkdns_add(r, CHECK_WARN, name,
		             xasprintf(_("%zu MTA-STS records: senders take "
		                         "that as no policy (RFC 8461)"),
		                       n),
		             xasprintf(_("keep one TXT record at %s"), q));
	else
		checkdns_sts_policy(r, domain, id, p, trust_file, name);
	free(id);
	dns_answer_free(&a);
	free(q);
}

/* Whether DNSSEC answers are believed here, and the domain's MX answer
 * was authenticated. */
static void
checkdns_dnssec(struct check_report *r, const struct route_plan *p,
                int trust_ad)
{
	if (!trust_ad)
		checkdns_add(r, CHECK_WARN, xstrdup("dnssec"),
		             xstrdup(_("this resolver's authenticated-data bits "
		                       "are not believed (no options trust-ad, "
		                       "and not every nameserver is on "
		                       "loopback): DANE cannot be used")),
		             xstrdup(_("use a validating resolver on 127.0.0.1 "
		                       "(unbound), or add options trust-ad to "
		                       "/etc/resolv.conf when the way to the "
		                       "resolver is trusted")));
	else
		checkdns_add(r, CHECK_PASS, xstrdup("dnssec"),
		             xstrdup(p->mx_secure
		                             ? _("validation in effect; the MX "
		                                 "answer was authenticated")
		                             : _("validation in effect; the "
		                                 "domain's zone is not signed")),
		             NULL);
}

void
checkdns_recipient(struct check_report *r, const struct dns_lookup *l,
                   const char *domain, int trust_ad, const char *trust_file)
{
	struct route_plan p;
	struct buf b = { 0 };
	char *name = xasprintf("mx %s", domain);
	size_t i;

	if (route_domain(l, domain, ROUTE_ANY, NULL, &p) != ROUTE_OK) {
		checkdns_add(r, p.status == ROUTE_PERM ? CHECK_FAIL : CHECK_WARN,
		             name, xstrdup(p.reason ? p.reason : "?"),
		             xstrdup(p.status == ROUTE_PERM
		                             ? _("no mail can be delivered to "
		                                 "this domain")
		                             : _("try again later; a lasting "
		                                 "failure is the zone owner's to "
		                                 "mend")));
		route_free(&p);
		return;
	}
	for (i = 0; i < p.nhosts; i++)
		buf_printf(&b, "%s%s (%u)", i ? ", " : "", p.hosts[i].name,
		           (unsigned)p.hosts[i].pref);
	if (p.implicit_mx)
		checkdns_add(r, CHECK_WARN, name,
		             xasprintf(_("no MX: mail goes to the domain's own "
		                         "address (%s)"),
		                       buf_cstr(&b)),
		             xasprintf("%s. IN MX 10 mail.%s.", domain, domain));
	else
		checkdns_add(r, CHECK_PASS, name, xstrdup(buf_cstr(&b)), NULL);
	buf_free(&b);
	for (i = 0; i < p.nhosts; i++)
		checkdns_tlsa(r, l, p.hosts[i].name);
	checkdns_mtasts(r, l, domain, &p, trust_file);
	checkdns_dnssec(r, &p, trust_ad);
	route_free(&p);
}
