/* checkdns.h - the checks of --check-dns: what receivers will look up */
#ifndef DSMTP_CHECKDNS_H
#define DSMTP_CHECKDNS_H

#include <stddef.h>
#include <stdio.h>

#include "config.h"
#include "crypto.h"
#include "dns.h"

enum check_level { CHECK_PASS, CHECK_WARN, CHECK_FAIL };

/* One line of the report: what was checked, what was found, and for
 * anything but a pass the exact record to publish or the change to make.
 * Strings are owned by the report. */
struct check_item {
	enum check_level level;
	char *name; /* "dkim mail2026._domainkey.example.org" */
	char *found;
	char *fix; /* NULL for a pass */
};

struct check_report {
	struct check_item *items;
	size_t n;
};

/* DKIM: the TXT record of selector._domainkey.domain (CNAMEs followed)
 * exists, is a DKIM key record, holds the public half of key, is not in
 * test mode (t=y warns); RSA under 2048 bits warns. A failure's fix is the
 * record --dkim-keygen prints. */
void checkdns_dkim(struct check_report *r, const struct dns_lookup *l,
                   const char *selector, const char *domain,
                   struct crypto_key *key);

/* SPF: check_host() for ip and domain (the envelope domain, or the EHLO
 * name: what says which). A pass whose record ends in ~all or ?all warns;
 * no record at all fails when required (the envelope domain), else warns
 * (the EHLO name, which receivers check for bounces); anything else fails,
 * with the record to publish or the term to add. */
void checkdns_spf(struct check_report *r, const struct dns_lookup *l,
                  const char *ip, const char *domain, const char *helo,
                  const char *what, int required);

/* DMARC: the record at _dmarc.from_domain, else at the organisational
 * domain's (public suffix list); parses; p=none warns; DKIM's d= and the
 * envelope domain are aligned with the From domain (relaxed or strict as
 * adkim/aspf say): one aligned is enough, none fails. */
void checkdns_dmarc(struct check_report *r, const struct dns_lookup *l,
                    const char *from_domain, const char *dkim_domain,
                    const char *env_domain);

/* Reverse DNS: ip has a PTR, a PTR name resolves back to ip
 * (forward-confirmed), and that name is the EHLO name (warn if not). */
void checkdns_ptr(struct check_report *r, const struct dns_lookup *l,
                  const char *ip, const char *ehlo);

/* The organisational domain of domain (RFC 7489 3.2, by the public
 * suffix list); caller frees. */
char *checkdns_org_domain(const char *domain);

/* The sending domain's own MX: warn when it has none (bounces and
 * replies need one). */
void checkdns_own_mx(struct check_report *r, const struct dns_lookup *l,
                     const char *domain);

/* --to: a recipient domain as direct delivery meets it: its route (MX
 * hosts, or a null MX or NXDOMAIN: fail), the TLSA records of each host
 * (an answer that does not validate fails; records in an answer that is
 * not authenticated warn), its MTA-STS record and the policy it announces
 * (fetched as delivery does, the certificate checked against trust_file
 * or the system's CAs; one that cannot be had, or leaves out an MX host,
 * warns), and whether DNSSEC answers are believed here (trust_ad). */
void checkdns_recipient(struct check_report *r, const struct dns_lookup *l,
                        const char *domain, int trust_ad,
                        const char *trust_file);

/* What --check-dns was told. */
struct checkdns_options {
	const char *egress_ip; /* the address receivers see, or NULL */
	int json;
	const char *to;        /* --to: a recipient domain, or NULL */
	int trust_ad;          /* the resolver's AD bits are believed */
};

/* Every check for account a: DKIM for each dkim_key, SPF for the envelope
 * domain and the EHLO name and reverse DNS for the egress address (when
 * it is known and public; else a warning says to give --egress-ip),
 * DMARC for the From domain, and that the EHLO name is a FQDN. */
void checkdns_account(struct check_report *r, const struct dns_lookup *l,
                      const struct account *a,
                      const struct checkdns_options *o);

/* The relay: connect to the account's host as delivery does, without
 * logging in; fail when it cannot be reached or set up under the
 * account's TLS policy, or offers no AUTH while the account logs in;
 * warn without TLS. Its address, or NULL when not reached. Caller
 * frees. */
char *checkdns_relay(struct check_report *r, const struct account *a);

/* The address receivers see when --egress-ip is not given: a relay's
 * own (public) address, else this host's source address towards the
 * world; *how says which. NULL when there is none. Caller frees. */
char *checkdns_egress(const char *relay_ip, const char **how);

/* 1 for an address receivers never see (RFC 1918, loopback, link-local,
 * RFC 6598, IPv6 unique-local and link-local). */
int checkdns_private(const char *ip);

/* Add an item to r; takes ownership of the strings (fix may be NULL). */
void checkdns_add(struct check_report *r, enum check_level level, char *name,
                  char *found, char *fix);

/* 1 when some item failed. */
int checkdns_failed(const struct check_report *r);

/* One line per item ("pass  NAME: FOUND", then "      fix: FIX"), or with
 * json one JSON object with an "items" array. */
void checkdns_print(const struct check_report *r, FILE *out, int json);
void checkdns_free(struct check_report *r);

#endif
