/* fuzz_dns.c - libFuzzer target for DNS responses
 *
 * The first byte chooses the record type asked for; the rest is the
 * response as a server (or anyone on the path) sent it. Invariants: no
 * more than DNS_MAX_RRS records, names without control characters, TXT
 * data within its cap and NUL-terminated, addresses of the right size. */

#include <config.h>

#include "dns.h"
#include "fuzz.h"

static const enum dns_type fuzz_types[] = { DNS_A, DNS_AAAA, DNS_MX,
					    DNS_TXT, DNS_TLSA, DNS_PTR,
					    DNS_CNAME };

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dns_answer a;
	struct err e = { 0 };
	enum dns_type t;
	unsigned char *copy;
	const char *p;
	size_t i;

	if (size < 1)
		return 0;
	t = fuzz_types[data[0] % (sizeof(fuzz_types) / sizeof(fuzz_types[0]))];
	copy = malloc(size);
	memcpy(copy, data + 1, size - 1);
	if (dns_parse(copy, size - 1, "example.test", t, &a, &e) == 0) {
		if (a.nrrs > DNS_MAX_RRS)
			abort();
		for (i = 0; i < a.nrrs; i++) {
			for (p = a.rrs[i].name; p != NULL && *p; p++)
				if ((unsigned char)*p < 0x20)
					abort();
			if (t == DNS_TXT && (a.rrs[i].len > DNS_TXT_MAX ||
					     a.rrs[i].data[a.rrs[i].len] != 0))
				abort();
		}
		dns_answer_free(&a);
	}
	err_clear(&e);
	free(copy);
	return 0;
}
