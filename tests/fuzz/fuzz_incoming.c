/* fuzz_incoming.c - libFuzzer target for a handed-over submission's header
 *
 * The input is the start of an incoming/ file (an exactly-sized copy, not
 * NUL-terminated). Invariants: a header incoming_parse accepts holds no
 * control character in any word, formats again to exactly the bytes it
 * was parsed from, and incoming_check_args never crashes on its words. */

#include <config.h>

#include "fuzz.h"
#include "incoming.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size ? size : 1), *text = NULL;
	struct incoming in;
	struct err e = { 0 };
	size_t len, i, k;
	ssize_t n;

	memcpy(copy, data, size);
	n = incoming_parse(copy, size, &in, &e);
	if (n >= 0) {
		for (i = 0; i < in.nargs; i++)
			for (k = 0; in.args[i][k] != '\0'; k++)
				if ((unsigned char)in.args[i][k] < 0x20 ||
				    in.args[i][k] == 0x7f)
					abort();
		if (incoming_format(&in, &text, &len, &e) != 0 ||
		    len != (size_t)n || memcmp(text, copy, len) != 0)
			abort();
		free(text);
		(void)incoming_check_args(in.args, in.nargs, &e);
		incoming_free(&in);
	}
	err_clear(&e);
	free(copy);
	return 0;
}
