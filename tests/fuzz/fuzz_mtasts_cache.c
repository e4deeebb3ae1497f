/* fuzz_mtasts_cache.c - libFuzzer target for kept MTA-STS policy files
 *
 * The input is a file from the cache directory (an exactly-sized copy).
 * Invariants: an accepted file has an id of 1 to 32 letters and digits,
 * times that are not negative, and the text is what follows the head. */

#include <config.h>

#include "fuzz.h"
#include "mtasts_get.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size ? size : 1);
	struct mtasts_cached c;
	size_t i, n;

	memcpy(copy, data, size);
	if (mtasts_cache_parse(copy, size, &c) == 0) {
		n = strlen(c.id);
		if (n < 1 || n > 32)
			abort();
		for (i = 0; i < n; i++)
			if (!((c.id[i] >= '0' && c.id[i] <= '9') ||
			      (c.id[i] >= 'a' && c.id[i] <= 'z') ||
			      (c.id[i] >= 'A' && c.id[i] <= 'Z')))
				abort();
		if (c.fetched < 0 || c.tried < 0 || c.text.len > size ||
		    (c.text.len > 0 &&
		     memcmp(c.text.data, copy + size - c.text.len,
		            c.text.len) != 0))
			abort();
		mtasts_cached_free(&c);
	}
	free(copy);
	return 0;
}
