/* dnsrec.h - DNS records dsmtp tells people to publish */
#ifndef DSMTP_DNSREC_H
#define DSMTP_DNSREC_H

#include "buf.h"
#include "crypto.h"
#include "err.h"

/* Append the zone-file line for a DKIM key:
 *   SEL._domainkey.DOMAIN. IN TXT ( "v=DKIM1; k=rsa; p=..." "..." )
 * with the text split into strings of at most 255 octets. */
int dnsrec_dkim(struct buf *out, const char *selector, const char *domain,
		struct crypto_key *key, struct err *e);

/* Split text into quoted strings of at most 255 octets, separated by a
 * blank, appended to out. */
void dnsrec_strings(struct buf *out, const char *text);

#endif
