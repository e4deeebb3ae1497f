/* dnsrec.c - DNS records to publish
 *
 * Owns: the text of the TXT records dsmtp prints (DKIM keys), split for
 *       DNS's 255-octet string limit.
 * Not:  looking records up. */

#include <config.h>

#include <string.h>

#include "dnsrec.h"

#define DNSREC_STRING_MAX 255

void
dnsrec_strings(struct buf *out, const char *text)
{
	size_t len = strlen(text), i, n;

	for (i = 0; i < len; i += n) {
		n = len - i < DNSREC_STRING_MAX ? len - i : DNSREC_STRING_MAX;
		buf_printf(out, "%s\"%.*s\"", i ? " " : "", (int)n, text + i);
	}
}

int
dnsrec_dkim(struct buf *out, const char *selector, const char *domain,
	    struct crypto_key *key, struct err *e)
{
	struct buf txt = { 0 };
	int rc;

	buf_printf(&txt, "v=DKIM1; k=%s; p=",
		   crypto_key_type(key) == CRYPTO_KEY_RSA ? "rsa" : "ed25519");
	rc = crypto_key_dns(key, &txt, e);
	if (rc == 0) {
		buf_printf(out, "%s._domainkey.%s. IN TXT ( ", selector,
			   domain);
		dnsrec_strings(out, txt.data);
		buf_append_str(out, " )\n");
	}
	buf_free(&txt);
	return rc;
}
