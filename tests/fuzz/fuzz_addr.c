/* fuzz_addr.c - libFuzzer target for envelope addresses and IDN
 *
 * The input is one address as it comes from argv, a header or an alias.
 * Every addr.h function runs on it; header address lists are parsed too
 * and each address found goes through the same checks. Invariants: an
 * address addr_normalize accepts holds no control character, no '<' or
 * '>', no blank outside a quoted local part, and normalising it again
 * gives the same text (A-labels are stable). */

#include <config.h>

#include "addr.h"
#include "fuzz.h"
#include "rfc5322.h"

static void
fuzz_mailbox_ok(const char *a)
{
	const unsigned char *p;
	int quoted = 0;

	for (p = (const unsigned char *)a; *p; p++) {
		if (*p < 0x20 || *p == 0x7f || *p == '<' || *p == '>')
			abort();
		if (*p == '"')
			quoted = !quoted;
		else if (*p == '\\' && quoted && p[1] != '\0')
			p++;
		else if (*p == ' ' && !quoted)
			abort();
	}
}

static void
fuzz_one(const char *a)
{
	struct err e = { 0 };
	char *n = NULL, *again = NULL, *q, *s;
	int utf8, utf8_again;

	addr_check(a, "recipient", &e);
	err_clear(&e);
	q = addr_qualify(a, "example.org");
	s = addr_strip_angles(q);
	addr_domain(s);
	if (addr_normalize(s, &n, &utf8, &e) == 0) {
		fuzz_mailbox_ok(n);
		if (addr_normalize(n, &again, &utf8_again, &e) != 0 ||
		    strcmp(n, again) != 0 || utf8 != utf8_again)
			abort();
	}
	err_clear(&e);
	free(addr_host_ascii(a, &e));
	err_clear(&e);
	addr_utf8_valid(a, strlen(a));
	free(again);
	free(n);
	free(s);
	free(q);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *a = fuzz_cstr(data, size);
	struct rfc5322_addrs l = { 0 };
	size_t i;

	fuzz_one(a);
	rfc5322_parse_addrs(a, strlen(a), &l);
	for (i = 0; i < l.n && i < 64; i++)
		fuzz_one(l.v[i].addr);
	rfc5322_addrs_free(&l);
	free(a);
	return 0;
}
