/* checkdns.c - the checks of --check-dns: what receivers will look up
 *
 * Owns: the DKIM, SPF, DMARC and reverse-DNS checks, their verdicts
 *       (pass, warn, fail) and the exact record to publish or change;
 *       the organisational domain (libpsl); the report's text and JSON.
 * Not:  DNS transport (dns), SPF evaluation (spf), the tag-list syntax
 *       (taglist), choosing which domains and address to check (main). */

#include <config.h>

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libpsl.h>

#include "buf.h"
#include "checkdns.h"
#include "dnsrec.h"
#include "i18n.h"
#include "spf.h"
#include "taglist.h"
#include "xmalloc.h"

void
checkdns_add(struct check_report *r, enum check_level level, char *name,
             char *found, char *fix)
{
	struct check_item *it;

	r->items = xrealloc(r->items, (r->n + 1) * sizeof(*r->items));
	it = &r->items[r->n++];
	it->level = level;
	it->name = name;
	it->found = found;
	it->fix = fix;
}

/* The TXT records of name, joined strings each; -1 when the lookup
 * failed (reason in *why, caller frees). */
static int
checkdns_txt(const struct dns_lookup *l, const char *name, struct dns_answer *a,
             char **why)
{
	struct err e = {0};

	*why = NULL;
	if (l->query(l->ctx, name, DNS_TXT, a, &e) < 0) {
		*why = xstrdup(e.msg ? e.msg : "DNS lookup failed");
		err_clear(&e);
		return -1;
	}
	if (a->rcode != DNS_NOERROR && a->rcode != DNS_NXDOMAIN) {
		*why = xasprintf(_("the DNS answered %s for %s"),
		                 dns_rcode_name(a->rcode), name);
		dns_answer_free(a);
		return -1;
	}
	return 0;
}

/* -- DKIM -------------------------------------------------------------------
 */

/* The key record dsmtp would publish for key, one line. */
static char *
checkdns_dkim_record(const char *selector, const char *domain,
                     struct crypto_key *key)
{
	struct buf b = {0};
	struct err e = {0};

	if (dnsrec_dkim(&b, selector, domain, key, &e) < 0) {
		err_clear(&e);
		buf_free(&b);
		return xstrdup("?");
	}
	if (b.len > 0 && b.data[b.len - 1] == '\n')
		b.data[--b.len] = '\0';
	return buf_steal(&b);
}

/* p= without blanks; caller frees. */
static char *
checkdns_squeeze(const char *s)
{
	struct buf b = {0};

	for (; *s; s++)
		if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n')
			buf_append_char(&b, *s);
	return buf_steal(&b);
}

/* Judge one parsed key record; the level, with *found and *why set. */
static enum check_level
checkdns_dkim_judge(const struct taglist *t, struct crypto_key *key,
                    char **found)
{
	const char *v = taglist_get(t, "v"), *k = taglist_get(t, "k");
	const char *p = taglist_get(t, "p"), *flags = taglist_get(t, "t");
	int rsa = crypto_key_type(key) == CRYPTO_KEY_RSA;
	struct buf want = {0};
	struct err e = {0};
	char *got;
	int same;

	if ((v != NULL && strcmp(v, "DKIM1") != 0) || p == NULL) {
		*found = xstrdup(_("not a DKIM key record (v=DKIM1 and p= "
		                   "needed)"));
		return CHECK_FAIL;
	}
	if (strcmp(k ? k : "rsa", rsa ? "rsa" : "ed25519") != 0) {
		*found = xasprintf(_("k=%s, but the configured key is %s"),
		                   k ? k : "rsa", rsa ? "rsa" : "ed25519");
		return CHECK_FAIL;
	}
	got = checkdns_squeeze(p);
	same = crypto_key_dns(key, &want, &e) == 0 &&
	       strcmp(got, buf_cstr(&want)) == 0;
	err_clear(&e);
	buf_free(&want);
	if (!same) {
		*found = xstrdup(got[0] ? _("the published key is not the "
		                            "configured key")
		                        : _("the key is revoked (empty p=)"));
		free(got);
		return CHECK_FAIL;
	}
	free(got);
	if (flags != NULL && strchr(flags, 'y') != NULL) {
		*found = xstrdup(_("the key matches, but t=y: receivers treat "
		                   "signatures as a test"));
		return CHECK_WARN;
	}
	if (rsa && crypto_key_bits(key) < 2048) {
		*found =
		        xasprintf(_("the key matches, but RSA %u bits is weak: "
		                    "use 2048 or more"),
		                  crypto_key_bits(key));
		return CHECK_WARN;
	}
	*found = xasprintf(_("the published key matches the configured %s "
	                     "key"),
	                   rsa ? "RSA" : "Ed25519");
	return CHECK_PASS;
}

void
checkdns_dkim(struct check_report *r, const struct dns_lookup *l,
              const char *selector, const char *domain, struct crypto_key *key)
{
	char *name = xasprintf("%s._domainkey.%s", selector, domain);
	char *found = NULL, *why;
	enum check_level level = CHECK_FAIL;
	struct dns_answer a;
	struct taglist t;
	size_t i;

	if (checkdns_txt(l, name, &a, &why) < 0) {
		found = why;
	} else {
		for (i = 0; i < a.nrrs && found == NULL; i++) {
			if (taglist_parse((const char *)a.rrs[i].data, &t) < 0)
				continue;
			level = checkdns_dkim_judge(&t, key, &found);
			taglist_free(&t);
		}
		if (found == NULL)
			found = xstrdup(a.nrrs ? _("no DKIM key record there")
			                       : _("no TXT record"));
		dns_answer_free(&a);
	}
	checkdns_add(r, level, xasprintf("dkim %s", name), found,
	             level == CHECK_PASS
	                     ? NULL
	                     : checkdns_dkim_record(selector, domain, key));
	free(name);
}

/* -- SPF --------------------------------------------------------------------
 */

/* The term that authorises ip: ip4:A or ip6:A. */
static char *
checkdns_ip_term(const char *ip)
{
	return xasprintf("%s:%s", strchr(ip, ':') ? "ip6" : "ip4", ip);
}

/* The record with the term for ip added after "v=spf1". */
static char *
checkdns_spf_fix(const char *domain, const char *record, const char *ip)
{
	char *term = checkdns_ip_term(ip), *fix;

	if (record == NULL)
		fix = xasprintf("%s. IN TXT \"v=spf1 %s -all\"", domain, term);
	else
		fix = xasprintf("%s. IN TXT \"v=spf1 %s%s\"", domain, term,
		                record + 6);
	free(term);
	return fix;
}

/* A pass through a record ending in ~all or ?all. */
static int
checkdns_spf_soft_end(const char *record)
{
	size_t n = record ? strlen(record) : 0;

	return n >= 4 && (strcmp(record + n - 4, "~all") == 0 ||
	                  strcmp(record + n - 4, "?all") == 0);
}

void
checkdns_spf(struct check_report *r, const struct dns_lookup *l, const char *ip,
             const char *domain, const char *helo, const char *what,
             int required)
{
	char *sender = xasprintf("postmaster@%s", domain), *found, *fix = NULL;
	struct spf_query q = {ip, domain, sender, helo};
	enum check_level level = CHECK_FAIL;
	struct spf_verdict v;

	spf_check(l, &q, &v);
	if (v.result == SPF_PASS) {
		level = checkdns_spf_soft_end(v.record) ? CHECK_WARN
		                                        : CHECK_PASS;
		found = xasprintf(_("%s may send for %s (%s)"), ip, domain,
		                  v.mechanism ? v.mechanism : "?");
		if (level == CHECK_WARN)
			fix = xstrdup(_("end the record with -all once every "
			                "sender is listed"));
	} else if (v.result == SPF_TEMPERROR) {
		found = xasprintf(_("temporary error: %s"),
		                  v.reason ? v.reason : "?");
	} else if (v.result == SPF_PERMERROR) {
		found = xasprintf(_("the record is broken: %s"),
		                  v.reason ? v.reason : "?");
		fix = xstrdup(_("fix the record (at most 10 DNS lookups, one "
		                "v=spf1 record)"));
	} else {
		found = v.record ? xasprintf(_("%s is not allowed to send for "
		                               "%s (%s)"),
		                             ip, domain,
		                             spf_result_name(v.result))
		                 : xasprintf(_("%s has no SPF record"), domain);
		fix = checkdns_spf_fix(domain, v.record, ip);
		if (v.record == NULL && !required)
			level = CHECK_WARN;
	}
	checkdns_add(r, level, xasprintf("spf %s (%s)", domain, what), found,
	             fix);
	spf_free(&v);
	free(sender);
}

/* -- DMARC --------------------------------------------------------------------
 */

char *
checkdns_org_domain(const char *domain)
{
	const psl_ctx_t *psl = psl_builtin();
	psl_ctx_t *latest = psl_latest(NULL);
	const char *org;
	char *out;

	org = psl_registrable_domain(latest ? latest : psl, domain);
	out = xstrdup(org ? org : domain);
	psl_free(latest);
	return out;
}

/* The DMARC record for domain (or its organisational domain): 0 with t
 * parsed and *where set, 1 when there is none, -1 on a lookup error or a
 * record that does not parse (reason in *why). */
static int
checkdns_dmarc_record(const struct dns_lookup *l, const char *domain,
                      struct taglist *t, char **where, char **why)
{
	char *org = checkdns_org_domain(domain), *name;
	const char *domains[2] = {domain, org};
	struct dns_answer a;
	size_t i, k;
	int rc = 1;

	for (k = 0; k < 2 && rc == 1; k++) {
		if (k == 1 && strcasecmp(org, domain) == 0)
			break;
		name = xasprintf("_dmarc.%s", domains[k]);
		if (checkdns_txt(l, name, &a, why) < 0) {
			free(name);
			rc = -1;
			break;
		}
		for (i = 0; i < a.nrrs && rc == 1; i++) {
			const char *txt = (const char *)a.rrs[i].data;

			if (strncmp(txt, "v=DMARC1", 8) != 0)
				continue;
			rc = taglist_parse(txt, t) == 0 ? 0 : -1;
			if (rc < 0)
				*why = xasprintf(_("%s does not parse"), name);
			else
				*where = xstrdup(name);
		}
		dns_answer_free(&a);
		free(name);
	}
	free(org);
	return rc;
}

/* 1 when a aligns with the From domain b: equal (strict), or with the
 * same organisational domain (relaxed). */
static int
checkdns_aligned(const char *a, const char *b, const char *mode)
{
	char *oa, *ob;
	int same;

	if (a == NULL)
		return 0;
	if (strcasecmp(a, b) == 0)
		return 1;
	if (mode != NULL && strcmp(mode, "s") == 0)
		return 0;
	oa = checkdns_org_domain(a);
	ob = checkdns_org_domain(b);
	same = strcasecmp(oa, ob) == 0;
	free(oa);
	free(ob);
	return same;
}

static void
checkdns_alignment(struct check_report *r, const struct taglist *t,
                   const char *from, const char *dkim, const char *env)
{
	int dk = checkdns_aligned(dkim, from, taglist_get(t, "adkim"));
	int sp = checkdns_aligned(env, from, taglist_get(t, "aspf"));

	checkdns_add(
	        r, dk || sp ? (dk && sp ? CHECK_PASS : CHECK_WARN) : CHECK_FAIL,
	        xasprintf("dmarc alignment %s", from),
	        xasprintf(_("DKIM d=%s %s, envelope domain %s %s"),
	                  dkim ? dkim : "-",
	                  dk ? _("aligned") : _("not aligned"), env ? env : "-",
	                  sp ? _("aligned") : _("not aligned")),
	        dk && sp ? NULL
	                 : xasprintf(_("set dkim_domain and the envelope "
	                               "sender's domain to %s (or a "
	                               "subdomain of it)"),
	                             from));
}

void
checkdns_dmarc(struct check_report *r, const struct dns_lookup *l,
               const char *from_domain, const char *dkim_domain,
               const char *env_domain)
{
	char *where = NULL, *why = NULL, *name;
	const char *p;
	struct taglist t;
	int rc = checkdns_dmarc_record(l, from_domain, &t, &where, &why);

	name = xasprintf("dmarc %s", from_domain);
	if (rc != 0) {
		checkdns_add(
		        r, CHECK_FAIL, name,
		        rc < 0 ? why : xstrdup(_("no DMARC record")),
		        xasprintf("_dmarc.%s. IN TXT \"v=DMARC1; p=none; "
		                  "rua=mailto:postmaster@%s\" (%s)",
		                  from_domain, from_domain,
		                  _("start with p=none, then quarantine")));
		return;
	}
	p = taglist_get(&t, "p");
	if (p == NULL || (strcmp(p, "none") && strcmp(p, "quarantine") &&
	                  strcmp(p, "reject")))
		checkdns_add(
		        r, CHECK_FAIL, name,
		        xasprintf(_("%s has no valid p="), where),
		        xstrdup(_("add p=none, p=quarantine or p=reject")));
	else if (strcmp(p, "none") == 0)
		checkdns_add(
		        r, CHECK_WARN, name,
		        xasprintf(_("%s: p=none, nothing is enforced"), where),
		        xstrdup(_("once reports look clean, change to "
		                  "p=quarantine")));
	else
		checkdns_add(r, CHECK_PASS, name,
		             xasprintf("%s: p=%s", where, p), NULL);
	checkdns_alignment(r, &t, from_domain, dkim_domain, env_domain);
	taglist_free(&t);
	free(where);
}

/* -- reverse DNS --------------------------------------------------------------
 */

/* The PTR name of ip (text), or NULL when it is not an address. */
static char *
checkdns_reverse(const char *ip)
{
	unsigned char a[16];

	if (inet_pton(AF_INET, ip, a) == 1)
		return dns_reverse_name(0, a);
	if (inet_pton(AF_INET6, ip, a) == 1)
		return dns_reverse_name(1, a);
	return NULL;
}

/* 1 when name has ip among its addresses. */
static int
checkdns_confirms(const struct dns_lookup *l, const char *name, const char *ip)
{
	int v6 = strchr(ip, ':') != NULL;
	unsigned char want[16];
	struct dns_answer a;
	struct err e = {0};
	size_t i;
	int hit = 0;

	inet_pton(v6 ? AF_INET6 : AF_INET, ip, want);
	if (l->query(l->ctx, name, v6 ? DNS_AAAA : DNS_A, &a, &e) < 0) {
		err_clear(&e);
		return 0;
	}
	for (i = 0; i < a.nrrs && !hit; i++)
		hit = memcmp(a.rrs[i].addr, want, v6 ? 16 : 4) == 0;
	dns_answer_free(&a);
	return hit;
}

void
checkdns_ptr(struct check_report *r, const struct dns_lookup *l, const char *ip,
             const char *ehlo)
{
	char *rev = checkdns_reverse(ip), *name = xasprintf("ptr %s", ip);
	const char *confirmed = NULL;
	struct dns_answer a = {0};
	struct err e = {0};
	size_t i;

	if (rev == NULL || l->query(l->ctx, rev, DNS_PTR, &a, &e) < 0 ||
	    a.nrrs == 0) {
		checkdns_add(r, CHECK_FAIL, name,
		             xasprintf(_("%s has no PTR record"), ip),
		             xasprintf(_("ask whoever runs %s (the hosting "
		                         "provider) to set its PTR to %s, and "
		                         "publish %s A %s"),
		                       ip, ehlo, ehlo, ip));
		goto out;
	}
	for (i = 0; i < a.nrrs && confirmed == NULL; i++)
		if (checkdns_confirms(l, a.rrs[i].name, ip))
			confirmed = a.rrs[i].name;
	if (confirmed == NULL)
		checkdns_add(r, CHECK_FAIL, name,
		             xasprintf(_("PTR %s does not resolve back to %s"),
		                       a.rrs[0].name, ip),
		             xasprintf(_("publish %s A %s (or fix the PTR)"),
		                       a.rrs[0].name, ip));
	else if (strcasecmp(confirmed, ehlo) != 0)
		checkdns_add(r, CHECK_WARN, name,
		             xasprintf(_("PTR %s (forward-confirmed), but the "
		                         "EHLO name is %s"),
		                       confirmed, ehlo),
		             xasprintf(_("set domain %s in the account"),
		                       confirmed));
	else
		checkdns_add(r, CHECK_PASS, name,
		             xasprintf(_("PTR %s, forward-confirmed, the EHLO "
		                         "name"),
		                       confirmed),
		             NULL);
out:
	err_clear(&e);
	dns_answer_free(&a);
	free(rev);
}
