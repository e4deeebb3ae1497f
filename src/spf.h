/* spf.h - Sender Policy Framework evaluation (RFC 7208 check_host) */
#ifndef DSMTP_SPF_H
#define DSMTP_SPF_H

#include <stddef.h>

#include "dns.h"

enum spf_result {
	SPF_NONE,
	SPF_NEUTRAL,
	SPF_PASS,
	SPF_FAIL,
	SPF_SOFTFAIL,
	SPF_TEMPERROR,
	SPF_PERMERROR
};

/* RFC 7208 4.6.4: DNS-querying terms and void lookups per evaluation. */
#define SPF_MAX_LOOKUPS 10
#define SPF_MAX_VOID 2
#define SPF_MAX_MX_NAMES 10

/* The question: is ip (text, IPv4 or IPv6) allowed to send for domain,
 * with envelope sender (may be "" or a bare local part) and HELO name. */
struct spf_query {
	const char *ip;
	const char *domain;
	const char *sender;
	const char *helo;
};

/* The verdict and how it came about. */
struct spf_verdict {
	enum spf_result result;
	char *record;    /* the domain's SPF record, NULL: none */
	char *mechanism; /* the term that matched, NULL: none (default) */
	char *reason;    /* for temperror, permerror and none */
	int lookups;     /* DNS-querying terms used */
	int void_lookups;
};

/* check_host() for q through l. Fills v (release with spf_free); returns
 * v->result. Never fails otherwise: DNS trouble is SPF_TEMPERROR, a bad
 * record SPF_PERMERROR. */
enum spf_result spf_check(const struct dns_lookup *l, const struct spf_query *q,
                          struct spf_verdict *v);
void spf_free(struct spf_verdict *v);

/* "pass", "fail", ... as RFC 7208 names the results. */
const char *spf_result_name(enum spf_result r);

/* Expand the macros of a domain-spec (RFC 7208 section 7) for q and the
 * domain being checked; NULL when the text is not a valid macro-string.
 * Pure, for the evaluator and its tests. Caller frees. */
char *spf_expand(const char *spec, const struct spf_query *q,
                 const char *domain);

#endif
