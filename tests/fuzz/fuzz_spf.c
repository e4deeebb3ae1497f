/* fuzz_spf.c - libFuzzer target for SPF records and macros
 *
 * The input is the TXT record every name answers (a hostile domain owner
 * chooses it, and any include: or redirect= lands on the same text), and
 * the macro-string spf_expand is given. Every A or AAAA lookup answers an
 * address, MX and PTR one name. Invariants: the evaluation ends, within
 * the lookup limit plus the one that tripped it, with a known result. */

#include <config.h>

#include <arpa/inet.h>

#include "fuzz.h"
#include "spf.h"

static int
fuzz_query(void *ctx, const char *name, enum dns_type type,
	   struct dns_answer *a, struct err *e)
{
	const char *rec = ctx;

	(void)name;
	(void)e;
	memset(a, 0, sizeof(*a));
	a->rrs = calloc(1, sizeof(*a->rrs));
	a->nrrs = 1;
	a->rrs[0].type = type;
	switch (type) {
	case DNS_TXT:
		a->rrs[0].data = (unsigned char *)strdup(rec);
		a->rrs[0].len = strlen(rec);
		break;
	case DNS_A:
		inet_pton(AF_INET, "192.0.2.1", a->rrs[0].addr);
		break;
	case DNS_AAAA:
		inet_pton(AF_INET6, "2001:db8::1", a->rrs[0].addr);
		break;
	default:
		a->rrs[0].name = strdup("mx.fuzz.test");
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 8);
	struct spf_query q = { "192.0.2.1", "fuzz.test", "a.b@fuzz.test",
			       "helo.fuzz.test" };
	struct dns_lookup l = { fuzz_query, text };
	struct spf_verdict v;
	char *x;

	memcpy(text, "v=spf1 ", 7);
	memcpy(text + 7, data, size);
	text[size + 7] = '\0';
	if (strlen(text) == size + 7) {
		spf_check(&l, &q, &v);
		if (v.result > SPF_PERMERROR ||
		    v.lookups > SPF_MAX_LOOKUPS + 1)
			abort();
		spf_free(&v);
		q.ip = "2001:db8::7";
		spf_check(&l, &q, &v);
		spf_free(&v);
		x = spf_expand(text + 7, &q, "fuzz.test");
		free(x);
	}
	free(text);
	return 0;
}
