/* fuzz_dane.c - libFuzzer target for DANE checks (dane.h)
 *
 * The input is a few TLSA records and the chain a server sent. The first
 * byte gives the counts: bits 0-2 records (0-7), bits 3-5 certificates
 * (0-7), bit 6 makes the first record an A record. Then each record:
 * usage, selector, matching type, a 2-byte big-endian length and that
 * many bytes of association data (a whole certificate fits); then each
 * certificate: a 2-byte length and its DER. A piece cut short by the end of the input is kept as far
 * as it goes. Every piece is an exact-sized copy, so reading past one is
 * caught. Invariants: no usable record means DANE_NONE_USABLE, a match
 * needs a usable record and a chain, the answer is one of the three. */

#include <config.h>

#include "dane.h"
#include "fuzz.h"

#define FUZZ_DANE_MAX 7

/* Up to n bytes from the input (fewer at its end), as a copy the caller
 * frees. */
static unsigned char *
fuzz_take(const uint8_t **data, size_t *size, size_t n, size_t *got)
{
	unsigned char *p;

	if (n > *size)
		n = *size;
	p = malloc(n > 0 ? n : 1);
	if (p == NULL)
		abort();
	memcpy(p, *data, n);
	*data += n;
	*size -= n;
	*got = n;
	return p;
}

static unsigned
fuzz_byte(const uint8_t **data, size_t *size)
{
	return fuzz_flags(data, size);
}

/* A 2-byte big-endian length. */
static size_t
fuzz_len(const uint8_t **data, size_t *size)
{
	size_t n = fuzz_byte(data, size) << 8;

	return n | fuzz_byte(data, size);
}

static void
fuzz_records(const uint8_t **data, size_t *size, struct dns_rr *rrs,
	     size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		memset(&rrs[i], 0, sizeof(rrs[i]));
		rrs[i].type = DNS_TLSA;
		rrs[i].usage = (uint8_t)fuzz_byte(data, size);
		rrs[i].selector = (uint8_t)fuzz_byte(data, size);
		rrs[i].mtype = (uint8_t)fuzz_byte(data, size);
		rrs[i].data = fuzz_take(data, size, fuzz_len(data, size),
					&rrs[i].len);
	}
}

static void
fuzz_chain(const uint8_t **data, size_t *size, struct dane_cert *chain,
	   size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		chain[i].der = fuzz_take(data, size, fuzz_len(data, size),
					 &chain[i].len);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dns_rr rrs[FUZZ_DANE_MAX];
	struct dane_cert chain[FUZZ_DANE_MAX];
	enum dane_result r;
	unsigned f = fuzz_flags(&data, &size);
	size_t n_rrs = f & 7, n = (f >> 3) & 7, i, usable;

	fuzz_records(&data, &size, rrs, n_rrs);
	if (n_rrs > 0 && (f & 0x40))
		rrs[0].type = DNS_A;
	fuzz_chain(&data, &size, chain, n);
	usable = dane_count_usable(rrs, n_rrs);
	r = dane_check(chain, n, rrs, n_rrs, "mx.example.test");
	if ((usable == 0) != (r == DANE_NONE_USABLE))
		abort();
	if (r == DANE_MATCH && n == 0)
		abort();
	if (r != DANE_NONE_USABLE && r != DANE_MATCH && r != DANE_NO_MATCH)
		abort();
	for (i = 0; i < n_rrs; i++)
		free(rrs[i].data);
	for (i = 0; i < n; i++)
		free((void *)chain[i].der);
	return 0;
}
