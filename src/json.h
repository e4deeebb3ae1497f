/* json.h - writing JSON for scripts (--json outputs) */
#ifndef DSMTP_JSON_H
#define DSMTP_JSON_H

#include <stdio.h>

/* Write s as a JSON string, quotes included; NULL as "". Control
 * characters and DEL are escaped as \u00XX, UTF-8 sequences kept, and
 * each octet that is not part of one written as \ufffd. */
void json_string(FILE *out, const char *s);

#endif
