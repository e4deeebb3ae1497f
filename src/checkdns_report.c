/* checkdns_report.c - the --check-dns report as text or JSON
 *
 * Owns: printing and releasing a check_report.
 * Not:  the checks (checkdns.c). */

#include <config.h>

#include <stdlib.h>

#include "checkdns.h"
#include "json.h"

static const char *const checkdns_words[] = {"pass", "warn", "fail"};

int
checkdns_failed(const struct check_report *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (r->items[i].level == CHECK_FAIL)
			return 1;
	return 0;
}

static void
checkdns_print_json(const struct check_report *r, FILE *out)
{
	const struct check_item *it;
	size_t i;

	fprintf(out, "{\"failed\": %s, \"items\": [",
	        checkdns_failed(r) ? "true" : "false");
	for (i = 0; i < r->n; i++) {
		it = &r->items[i];
		fprintf(out, "%s\n  {\"check\": ", i ? "," : "");
		json_string(out, it->name);
		fprintf(out, ", \"result\": \"%s\", \"found\": ",
		        checkdns_words[it->level]);
		json_string(out, it->found);
		fputs(", \"fix\": ", out);
		if (it->fix)
			json_string(out, it->fix);
		else
			fputs("null", out);
		fputc('}', out);
	}
	fputs("\n]}\n", out);
}

void
checkdns_print(const struct check_report *r, FILE *out, int json)
{
	size_t i;

	if (json) {
		checkdns_print_json(r, out);
		return;
	}
	for (i = 0; i < r->n; i++) {
		fprintf(out, "%s  %s: %s\n", checkdns_words[r->items[i].level],
		        r->items[i].name, r->items[i].found);
		if (r->items[i].fix != NULL)
			fprintf(out, "      fix: %s\n", r->items[i].fix);
	}
}

void
checkdns_free(struct check_report *r)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		free(r->items[i].name);
		free(r->items[i].found);
		free(r->items[i].fix);
	}
	free(r->items);
	r->items = NULL;
	r->n = 0;
}
