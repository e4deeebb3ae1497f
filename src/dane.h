/* dane.h - DANE for SMTP (RFC 7672): a server's chain against TLSA records */
#ifndef DSMTP_DANE_H
#define DSMTP_DANE_H

#include <stddef.h>

#include "dns.h"

/* TLSA usages, selectors and matching types this check knows. */
enum {
	DANE_USAGE_TA = 2, /* DANE-TA: a trust anchor of the chain */
	DANE_USAGE_EE = 3  /* DANE-EE: the server's own certificate or key */
};

enum dane_result {
	DANE_NONE_USABLE = 0, /* no record this check can use: TLS is still
	                       * required, unauthenticated (RFC 7672 2.2) */
	DANE_MATCH,           /* authenticated */
	DANE_NO_MATCH         /* usable records, none matched: defer */
};

/* A server's certificate chain as it sent it, leaf first (DER). */
struct dane_cert {
	const unsigned char *der;
	size_t len;
};

/* 1 when rr is a TLSA record RFC 7672 lets SMTP use and this check
 * implements: usage DANE-TA(2) or DANE-EE(3), selector Cert(0) or
 * SPKI(1), matching Full(0), SHA2-256(1, 32 bytes) or SHA2-512(2, 64
 * bytes). Records of other types or usages are ignored. */
int dane_usable(const struct dns_rr *rr);

/* How many of rrs[0..n) are usable. */
size_t dane_count_usable(const struct dns_rr *rrs, size_t n);

/* Check chain[0..n) against the usable records of rrs[0..n_rrs): a
 * DANE-EE record matches the leaf alone (its names and dates are not
 * looked at); a DANE-TA record matches a certificate of the chain above
 * the leaf, which then anchors a PKIX check of the certificates below it
 * with host (the MX name, A-labels) as the name and the dates checked.
 * Pure (GnuTLS for parsing and hashing). */
enum dane_result dane_check(const struct dane_cert *chain, size_t n,
                            const struct dns_rr *rrs, size_t n_rrs,
                            const char *host);

#endif
