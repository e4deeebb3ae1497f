/* json.h - writing JSON for scripts (--json outputs) */
#ifndef DSMTP_JSON_H
#define DSMTP_JSON_H

#include <stdio.h>

/* Write s as a JSON string, quotes included; NULL as "". Control
 * characters are escaped as \u00XX; other bytes are written as they are
 * (dsmtp's strings are UTF-8 or ASCII). */
void json_string(FILE *out, const char *s);

#endif
