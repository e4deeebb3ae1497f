/* fuzz_aliases.c - libFuzzer target for the aliases file
 *
 * The first input byte sets lenient parsing; the rest is an aliases file,
 * handed to aliases_parse in a buffer of exactly its size with no NUL
 * after it (callers need not terminate the text). Each entry's name, a
 * bare name and "default" are then expanded as recipients are. */

#include <config.h>

#include "aliases.h"
#include "fuzz.h"

static void
fuzz_expand(const struct aliases *al, const char *name)
{
	struct strlist out = { 0 };
	struct err e = { 0 };

	aliases_expand(al, name, "example.org", &out, &e);
	strlist_free(&out);
	err_clear(&e);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned f = fuzz_flags(&data, &size);
	struct aliases al = { 0 };
	struct err e = { 0 };
	char *text = malloc(size ? size : 1);
	size_t i;

	if (text == NULL)
		abort();
	memcpy(text, data, size);
	al.lenient = f & 1;
	if (aliases_parse(&al, text, size, "fuzz", &e) == 0) {
		for (i = 0; i < al.n && i < 16; i++)
			fuzz_expand(&al, al.v[i].name);
		fuzz_expand(&al, "nobody-else");
		fuzz_expand(&al, "default");
		fuzz_expand(&al, "a@example.net");
	}
	aliases_free(&al);
	err_clear(&e);
	free(text);
	return 0;
}
