/* dane.c - DANE for SMTP (RFC 7672): a server's chain against TLSA records
 *
 * Owns: which TLSA records are usable, the selector and matching
 *       arithmetic, DANE-EE (the leaf alone) and DANE-TA (an anchor in the
 *       chain, then a PKIX check of what is below it with the MX name).
 * Not:  looking the records up or deciding whether they were
 *       authenticated (dns, deliver_mx), the handshake (tls). */

#include <config.h>

#include <stdlib.h>
#include <string.h>

#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "dane.h"

/* The longest chain looked at: servers send a handful. */
#define DANE_MAX_CHAIN 16

int
dane_usable(const struct dns_rr *rr)
{
	if (rr->type != DNS_TLSA)
		return 0;
	if (rr->usage != DANE_USAGE_TA && rr->usage != DANE_USAGE_EE)
		return 0;
	if (rr->selector > 1)
		return 0;
	return (rr->mtype == 0 && rr->len > 0) ||
	       (rr->mtype == 1 && rr->len == 32) ||
	       (rr->mtype == 2 && rr->len == 64);
}

size_t
dane_count_usable(const struct dns_rr *rrs, size_t n)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		k += dane_usable(&rrs[i]) != 0;
	return k;
}

/* The bytes a selector picks from a certificate: all of it (0) or its
 * SubjectPublicKeyInfo (1). 0, or -1 when the certificate does not
 * parse. Free d->data with gnutls_free. */
static int
dane_selected(const struct dane_cert *c, unsigned selector,
              gnutls_datum_t *d)
{
	gnutls_datum_t in = { (unsigned char *)c->der, (unsigned)c->len };
	gnutls_x509_crt_t crt;
	gnutls_pubkey_t key;
	int rc = -1;

	d->data = NULL;
	d->size = 0;
	if (gnutls_x509_crt_init(&crt) < 0)
		return -1;
	if (gnutls_x509_crt_import(crt, &in, GNUTLS_X509_FMT_DER) < 0)
		goto out;
	if (selector == 0) {
		rc = gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_DER, d) < 0
		             ? -1 : 0;
		goto out;
	}
	if (gnutls_pubkey_init(&key) < 0)
		goto out;
	if (gnutls_pubkey_import_x509(key, crt, 0) == 0 &&
	    gnutls_pubkey_export2(key, GNUTLS_X509_FMT_DER, d) == 0)
		rc = 0;
	gnutls_pubkey_deinit(key);
out:
	gnutls_x509_crt_deinit(crt);
	return rc;
}

/* 1 when certificate c matches record rr. */
static int
dane_matches(const struct dane_cert *c, const struct dns_rr *rr)
{
	unsigned char digest[64];
	gnutls_datum_t d;
	int hit = 0;

	if (dane_selected(c, rr->selector, &d) < 0)
		return 0;
	if (rr->mtype == 0)
		hit = d.size == rr->len && memcmp(d.data, rr->data, d.size) == 0;
	else if (gnutls_hash_fast(rr->mtype == 1 ? GNUTLS_DIG_SHA256
	                                         : GNUTLS_DIG_SHA512,
	                          d.data, d.size, digest) == 0)
		hit = memcmp(digest, rr->data, rr->len) == 0;
	gnutls_free(d.data);
	return hit;
}

/* Import chain[0..n) into crts; how many were imported (all, or the
 * ones before the first that does not parse). */
static size_t
dane_import(const struct dane_cert *chain, size_t n, gnutls_x509_crt_t *crts)
{
	gnutls_datum_t in;
	size_t k;

	for (k = 0; k < n; k++) {
		in.data = (unsigned char *)chain[k].der;
		in.size = (unsigned)chain[k].len;
		if (gnutls_x509_crt_init(&crts[k]) < 0)
			break;
		if (gnutls_x509_crt_import(crts[k], &in, GNUTLS_X509_FMT_DER) <
		    0) {
			gnutls_x509_crt_deinit(crts[k]);
			break;
		}
	}
	return k;
}

/* 1 when chain[0..depth) verifies up to chain[depth] as the only anchor,
 * for host, dates checked. */
static int
dane_anchored(const struct dane_cert *chain, size_t depth, const char *host)
{
	gnutls_x509_crt_t crts[DANE_MAX_CHAIN];
	gnutls_x509_trust_list_t list;
	gnutls_typed_vdata_st name = { GNUTLS_DT_DNS_HOSTNAME,
		                       (unsigned char *)host, 0 };
	unsigned status = 1;
	size_t k, owned;
	int ok = 0;

	if (gnutls_x509_trust_list_init(&list, 0) < 0)
		return 0;
	owned = dane_import(chain, depth + 1, crts);
	if (owned == depth + 1 &&
	    gnutls_x509_trust_list_add_cas(list, &crts[depth], 1, 0) == 1) {
		owned = depth; /* the list holds the anchor now */
		/* DO_NOT_ALLOW_SAME: a leaf sent again above itself is
		 * in the list but anchors nothing (no depth 0 TA). */
		ok = gnutls_x509_trust_list_verify_crt2(
		             list, crts, (unsigned)depth, &name, 1,
		             GNUTLS_VERIFY_DO_NOT_ALLOW_SAME, &status,
		             NULL) == 0 &&
		     status == 0;
	}
	for (k = 0; k < owned; k++)
		gnutls_x509_crt_deinit(crts[k]);
	gnutls_x509_trust_list_deinit(list, 1);
	return ok;
}

enum dane_result
dane_check(const struct dane_cert *chain, size_t n, const struct dns_rr *rrs,
           size_t n_rrs, const char *host)
{
	size_t i, k;

	if (dane_count_usable(rrs, n_rrs) == 0)
		return DANE_NONE_USABLE;
	if (n > DANE_MAX_CHAIN)
		n = DANE_MAX_CHAIN;
	for (i = 0; i < n_rrs; i++) {
		if (!dane_usable(&rrs[i]))
			continue;
		if (rrs[i].usage == DANE_USAGE_EE) {
			if (n > 0 && dane_matches(&chain[0], &rrs[i]))
				return DANE_MATCH;
			continue;
		}
		for (k = 1; k < n; k++)
			if (dane_matches(&chain[k], &rrs[i]) &&
			    dane_anchored(chain, k, host))
				return DANE_MATCH;
	}
	return DANE_NO_MATCH;
}
