/* fuzz_canon.c - libFuzzer target for the DKIM canonicalisers and the
 * header parsers that feed them.
 *
 * The input is split at its first NUL: what comes before is taken as one
 * header field, what comes after as body bytes. Every canonicalisation is
 * run; the relaxed and simple body hashes must agree with feeding the same
 * bytes in two pieces (streaming must not depend on chunk boundaries). */

#include <config.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "dkim.h"
#include "rfc5322.h"

static void
fuzz_body(enum dkim_canon c, const char *p, size_t n)
{
	struct dkim_body whole, split;
	unsigned char a[32], b[32];

	dkim_body_init(&whole, c);
	dkim_body_update(&whole, p, n);
	dkim_body_final(&whole, a);
	dkim_body_init(&split, c);
	dkim_body_update(&split, p, n / 2);
	dkim_body_update(&split, p + n / 2, n - n / 2);
	dkim_body_final(&split, b);
	if (memcmp(a, b, sizeof(a)) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data;
	const char *nul = memchr(p, '\0', size);
	size_t hlen = nul ? (size_t)(nul - p) : size;
	struct rfc5322_addrs addrs = { 0 };
	struct buf out = { 0 };

	dkim_canon_header(DKIM_RELAXED, p, hlen, &out);
	dkim_canon_header(DKIM_SIMPLE, p, hlen, &out);
	rfc5322_parse_addrs(p, hlen, &addrs);
	rfc5322_addrs_free(&addrs);
	rfc5322_field_name(p, hlen);
	if (nul != NULL) {
		fuzz_body(DKIM_RELAXED, nul + 1, size - hlen - 1);
		fuzz_body(DKIM_SIMPLE, nul + 1, size - hlen - 1);
	}
	buf_free(&out);
	return 0;
}
