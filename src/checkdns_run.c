/* checkdns_run.c - which checks --check-dns runs for an account
 *
 * Owns: deriving the sending domain (from / dkim_domain), the envelope
 *       domain, the EHLO name and the address receivers see from an
 *       account and the options, refusing to judge a private address as
 *       if receivers saw it, and running the checks in order.
 * Not:  the checks themselves (checkdns.c), the command line (cli, main).
 */

#include <config.h>

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "checkdns.h"
#include "deliver.h"
#include "i18n.h"
#include "signing.h"
#include "xmalloc.h"

/* The domain of the account's from (an address, or a pattern such as
 * "*@work.example"), else the qualify domain. Caller frees. */
static char *
checkdns_from_domain(const struct account *a)
{
	const char *from = config_str(a, CFG_FROM, NULL);
	const char *at = from ? strrchr(from, '@') : NULL;

	if (at != NULL && at[1] != '\0' && strpbrk(at + 1, "*?[") == NULL)
		return xstrdup(at + 1);
	return addr_domain_or_default(a->val[CFG_QUALIFY_DOMAIN]);
}

/* 1 for an address receivers never see: RFC 1918, loopback, link-local,
 * CGNAT (RFC 6598), IPv6 unique-local and link-local. */
int
checkdns_private(const char *ip)
{
	unsigned char a[16];

	if (inet_pton(AF_INET, ip, a) == 1)
		return a[0] == 10 || a[0] == 127 ||
		       (a[0] == 172 && (a[1] & 0xf0) == 16) ||
		       (a[0] == 192 && a[1] == 168) ||
		       (a[0] == 169 && a[1] == 254) ||
		       (a[0] == 100 && (a[1] & 0xc0) == 64);
	if (inet_pton(AF_INET6, ip, a) == 1)
		return (a[0] & 0xfe) == 0xfc ||
		       (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) ||
		       (memcmp(a, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\1", 16) == 0);
	return 0;
}

static void
checkdns_dkim_all(struct check_report *r, const struct dns_lookup *l,
                  const struct account *a, const char *from_domain,
                  char **dkim_domain)
{
	struct signing s = {0};
	struct err e = {0};
	size_t i;

	*dkim_domain = NULL;
	if (signing_setup(&s, a, from_domain, &e) < 0) {
		checkdns_add(
		        r, CHECK_FAIL, xstrdup("dkim"),
		        xstrdup(e.msg ? e.msg : "?"),
		        xstrdup(_("fix the dkim_key lines of the account")));
		err_clear(&e);
		return;
	}
	if (s.nkeys == 0) {
		checkdns_add(
		        r, CHECK_WARN, xstrdup("dkim"),
		        xstrdup(_("the account signs nothing (no dkim_key)")),
		        xstrdup(_("make a key with dsmtp --dkim-keygen and add "
		                  "dkim_key SELECTOR FILE to the account")));
	}
	for (i = 0; i < s.nkeys; i++)
		checkdns_dkim(r, l, s.keys[i].selector, s.domain,
		              s.keys[i].key);
	*dkim_domain = s.nkeys ? xstrdup(s.domain) : NULL;
	signing_free(&s);
}

void
checkdns_account(struct check_report *r, const struct dns_lookup *l,
                 const struct account *a, const struct checkdns_options *o)
{
	int mx = deliver_is_mx(a);
	char *from = checkdns_from_domain(a), *dkim = NULL;
	/* The EHLO name delivery uses; direct delivery has no relay. */
	char *ehlo = mx ? (a->val[CFG_DOMAIN] ? xstrdup(a->val[CFG_DOMAIN])
	                                      : addr_host_fqdn())
	                : addr_domain_or_default(a->val[CFG_DOMAIN]);
	char *relay = mx ? NULL : checkdns_relay(r, a), *found = NULL;
	const char *egress = o->egress_ip, *how = NULL;

	checkdns_dkim_all(r, l, a, from, &dkim);
	if (egress == NULL)
		egress = found = checkdns_egress(relay, &how);
	if (egress == NULL || checkdns_private(egress)) {
		checkdns_add(
		        r, CHECK_WARN, xstrdup("egress"),
		        egress ? xasprintf(_("%s is a private address: "
		                             "receivers never see it"),
		                           egress)
		               : xstrdup(_("the address receivers see is "
		                           "not known")),
		        xstrdup(_("give the public address mail leaves from "
		                  "with --egress-ip ADDR (behind NAT, or your "
		                  "relay's address)")));
	} else {
		if (found != NULL)
			checkdns_add(r, CHECK_PASS, xstrdup("egress"),
			             xasprintf("%s (%s)", found, how), NULL);
		checkdns_spf(r, l, egress, from, ehlo, _("envelope domain"),
		             1);
		if (strcasecmp(ehlo, from) != 0)
			checkdns_spf(r, l, egress, ehlo, ehlo, _("EHLO name"),
			             0);
		checkdns_ptr(r, l, egress, ehlo);
	}
	free(found);
	free(relay);
	checkdns_dmarc(r, l, from, dkim, from);
	checkdns_own_mx(r, l, from);
	if (o->to != NULL)
		checkdns_recipient(r, l, o->to, o->trust_ad,
		                   config_str(a, CFG_TLS_TRUST_FILE, NULL));
	if (strchr(ehlo, '.') == NULL) {
		checkdns_add(r, CHECK_FAIL, xasprintf("ehlo %s", ehlo),
		             xstrdup(_("the EHLO name is not a fully qualified "
		                       "domain name")),
		             xstrdup(_("set domain to the name the PTR of your "
		                       "address gives")));
	}
	free(dkim);
	free(ehlo);
	free(from);
}
