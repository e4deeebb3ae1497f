/* fuzz_mtasts.c - libFuzzer target for MTA-STS policies and TXT records
 *
 * The input is a policy file as a policy host sent it (an exactly-sized
 * copy), and also a TXT record. Invariants: an accepted policy has a
 * known mode, max_age within a year, at most MTASTS_MAX_MX lower-case
 * patterns and at least one unless the mode is none; an id is 1 to 32
 * letters and digits. */

#include <config.h>

#include <ctype.h>

#include "fuzz.h"
#include "mtasts.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size ? size : 1), *txt = malloc(size + 1), *id;
	struct mtasts_policy p;
	size_t i, n;

	memcpy(copy, data, size);
	if (mtasts_parse_policy(copy, size, &p) == 0) {
		if (p.mode > MTASTS_ENFORCE || p.max_age < 0 ||
		    p.max_age > MTASTS_MAX_AGE || p.nmx > MTASTS_MAX_MX ||
		    (p.mode != MTASTS_NONE && p.nmx == 0))
			abort();
		for (i = 0; i < p.nmx; i++) {
			for (n = 0; p.mx[i][n]; n++)
				if (isupper((unsigned char)p.mx[i][n]))
					abort();
			(void)mtasts_mx_match(&p, p.mx[i][0] == '*'
							  ? p.mx[i] + 1
							  : p.mx[i]);
		}
		mtasts_policy_free(&p);
	}
	memcpy(txt, data, size);
	txt[size] = '\0';
	id = mtasts_txt_id(txt);
	if (id != NULL) {
		n = strlen(id);
		if (n < 1 || n > 32)
			abort();
		free(id);
	}
	free(txt);
	free(copy);
	return 0;
}
