/* json.c - writing JSON for scripts
 *
 * Owns: JSON string quoting.
 * Not:  the shape of any report (its caller's). */

#include <config.h>

#include "json.h"

void
json_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (; s != NULL && *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(out, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(out, "\\u%04x", (unsigned char)*s);
		else
			fputc(*s, out);
	}
	fputc('"', out);
}
