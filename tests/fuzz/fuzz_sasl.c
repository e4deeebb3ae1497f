/* fuzz_sasl.c - libFuzzer target for the SASL client steps
 *
 * The first input byte picks the mechanism and whether channel binding
 * data exists; the rest is split at line ends into the server's 334
 * challenges (base64 text, as the server sends it), each answered with
 * sasl_step until one is refused; then sasl_finish as after a 235. The
 * whole text is also tried as an offered-mechanism list. Invariant:
 * every response is base64 (or "=" / empty) on one line. */

#include <config.h>

#include "fuzz.h"
#include "sasl.h"

static const enum sasl_mech fuzz_mechs[] = {
	SASL_PLAIN,    SASL_LOGIN,	     SASL_CRAM_MD5,
	SASL_SCRAM_SHA_256, SASL_SCRAM_SHA_256_PLUS, SASL_XOAUTH2,
	SASL_OAUTHBEARER, SASL_EXTERNAL,
};

static void
fuzz_check(const struct buf *out)
{
	size_t i;

	for (i = 0; i < out->len; i++) {
		unsigned char c = (unsigned char)out->data[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		      (c >= '0' && c <= '9') || c == '+' || c == '/' ||
		      c == '='))
			abort();
	}
}

static void
fuzz_offered(const char *text, unsigned f)
{
	size_t i;

	sasl_choose(text, f & 1, f & 2, f & 4);
	for (i = 0; i < sizeof(fuzz_mechs) / sizeof(fuzz_mechs[0]); i++)
		sasl_offered(text, fuzz_mechs[i]);
	sasl_mech_by_name(text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned f = fuzz_flags(&data, &size);
	char *text = fuzz_cstr(data, size), *line, *save = NULL;
	struct sasl s = { 0 };
	struct buf out = { 0 };
	struct err e = { 0 };
	int rc;

	fuzz_offered(text, f >> 3);
	sasl_init(&s, fuzz_mechs[f & 7], "user", "pencil", "relay.example",
		  587);
	if (f & 8) {
		buf_append(&s.cb, "0123456789abcdef0123456789abcdef", 32);
		s.cb_type = "tls-exporter";
		s.cb_offered = 1;
	}
	rc = sasl_initial(&s, &out, &e) < 0 ? -1 : 0;
	fuzz_check(&out);
	for (line = strtok_r(text, "\r\n", &save); line != NULL && rc == 0;
	     line = strtok_r(NULL, "\r\n", &save)) {
		buf_reset(&out);
		rc = sasl_step(&s, line, &out, &e);
		if (rc == 0)
			fuzz_check(&out);
	}
	if (rc == 0)
		sasl_finish(&s, &e);
	sasl_free(&s);
	buf_free(&out);
	err_clear(&e);
	free(text);
	return 0;
}
