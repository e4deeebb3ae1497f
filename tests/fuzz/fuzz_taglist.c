/* fuzz_taglist.c - libFuzzer target for DKIM key and DMARC records
 *
 * The input is a TXT record's joined strings. Invariants: a parse that
 * succeeds has at most TAGLIST_MAX tags, each with a valid name given
 * once and a value without blanks at either end; a failed parse leaves
 * nothing. */

#include <config.h>

#include "fuzz.h"
#include "taglist.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	struct taglist t;
	size_t i, k, n;

	memcpy(text, data, size);
	text[size] = '\0';
	if (taglist_parse(text, &t) == 0) {
		if (t.n == 0 || t.n > TAGLIST_MAX)
			abort();
		for (i = 0; i < t.n; i++) {
			n = strlen(t.tags[i].value);
			if (n > 0 && (t.tags[i].value[0] == ' ' ||
				      t.tags[i].value[n - 1] == ' '))
				abort();
			for (k = i + 1; k < t.n; k++)
				if (strcmp(t.tags[i].name, t.tags[k].name) == 0)
					abort();
		}
		taglist_free(&t);
	} else if (t.n != 0) {
		abort();
	}
	free(text);
	return 0;
}
