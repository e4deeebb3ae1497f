/* json.c - writing JSON for scripts
 *
 * Owns: JSON string quoting.
 * Not:  the shape of any report (its caller's). */

#include <config.h>

#include <string.h>
#include <unistr.h>

#include "json.h"

void
json_string(FILE *out, const char *s)
{
	const uint8_t *p = (const uint8_t *)(s ? s : "");
	size_t left = strlen((const char *)p);
	ucs4_t uc;
	int n;

	fputc('"', out);
	while (left > 0) {
		n = *p < 0x80 ? 1 : u8_mbtoucr(&uc, p, left);
		if (n < 0) { /* not UTF-8: U+FFFD, so the JSON stays valid */
			fputs("\\ufffd", out);
			n = 1;
		} else if (*p == '"' || *p == '\\') {
			fprintf(out, "\\%c", *p);
		} else if (*p < 0x20 || *p == 0x7f) {
			fprintf(out, "\\u%04x", *p);
		} else {
			fwrite(p, 1, (size_t)n, out);
		}
		p += n;
		left -= (size_t)n;
	}
	fputc('"', out);
}
