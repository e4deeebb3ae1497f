/* fuzz_config.c - libFuzzer target for the configuration file parser
 *
 * The input is a dsmtprc. Every line that mentions "eval" (in any case)
 * is blanked first: eval runs its argument as a shell command, and a
 * fuzzer must never execute what it generates. The rest is parsed with
 * config_parse_text; the accounts are then chosen and read as dsmtp
 * does, and the whole text is tried as a duration and a size. */

#include <config.h>

#include <strings.h>

#include "config.h"
#include "fuzz.h"

/* Blank every line holding "eval" (a NUL ends nothing here: the
 * parser refuses NUL itself). */
static void
fuzz_drop_eval(char *t, size_t n)
{
	size_t start = 0, end, i;

	while (start < n) {
		for (end = start; end < n && t[end] != '\n'; end++)
			;
		for (i = start; i + 4 <= end; i++)
			if (strncasecmp(t + i, "eval", 4) == 0) {
				memset(t + start, ' ', end - start);
				break;
			}
		start = end + 1;
	}
}

static void
fuzz_account(const struct account *a)
{
	struct err e = { 0 };
	int cmd;

	for (cmd = 0; cmd < CFG_NCMDS; cmd++) {
		config_str(a, cmd, NULL);
		config_cmd_name(cmd);
		config_cmd_secret(cmd);
	}
	config_bool(a, CFG_TLS, 0);
	config_num(a, CFG_PORT, 25);
	config_num(a, CFG_TIMEOUT, 0);
	config_num(a, CFG_MAX_MESSAGE_SIZE, 0);
	config_check_supported(a, &e);
	err_clear(&e);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config c = { 0 };
	struct err e = { 0 };
	char *text = malloc(size ? size : 1), *s;
	int by_header, has_password;
	size_t i;

	if (text == NULL)
		abort();
	memcpy(text, data, size);
	fuzz_drop_eval(text, size);
	if (config_parse_text(&c, text, size, "fuzz", &has_password, &e) ==
	    0) {
		fuzz_account(&c.defaults);
		for (i = 0; i < c.naccounts; i++)
			fuzz_account(c.accounts[i]);
		config_choose(&c, NULL, "a@example.org", "b@example.net",
			      &by_header, &e);
		err_clear(&e);
		config_choose(&c, NULL, NULL, "b@example.net", &by_header, &e);
	}
	err_clear(&e);
	config_free(&c);
	s = fuzz_cstr(text, size);
	config_parse_duration(s);
	config_parse_size(s);
	free(s);
	free(text);
	return 0;
}
