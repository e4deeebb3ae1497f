/* fuzz_bs.c - libFuzzer target for the -bs SMTP server dialogue
 *
 * The input is what a client writes to dsmtp -bs on standard input. It
 * runs smtpd_stdio_run with an empty configuration (so a message that
 * gets through DATA fails at the account choice: nothing leaves the
 * process). Every line is also parsed as a MAIL and a RCPT argument.
 * Invariant: every reply line written is "NNN" then ' ' or '-', and ends
 * in CRLF, with no other CR or LF. */

#include <config.h>

#include <sys/stat.h>

#include "cli.h"
#include "config.h"
#include "fuzz.h"
#include "smtpd_stdio.h"

static void
fuzz_check_replies(int fd)
{
	struct stat st;
	char *out, *p, *end;

	if (fstat(fd, &st) < 0)
		abort();
	out = malloc((size_t)st.st_size + 1);
	if (out == NULL || pread(fd, out, (size_t)st.st_size, 0) !=
				   (ssize_t)st.st_size)
		abort();
	for (p = out, end = out + st.st_size; p < end;) {
		char *nl = memchr(p, '\n', (size_t)(end - p));

		if (nl == NULL || nl - p < 5 || nl[-1] != '\r' ||
		    memchr(p, '\r', (size_t)(nl - 1 - p)) != NULL)
			abort();
		if (p[0] < '2' || p[0] > '5' || p[1] < '0' || p[1] > '9' ||
		    p[2] < '0' || p[2] > '9' || (p[3] != ' ' && p[3] != '-'))
			abort();
		p = nl + 1;
	}
	free(out);
}

static void
fuzz_paths(const char *text)
{
	char *copy = strdup(text), *line, *save = NULL, *addr;
	const char *params;

	for (line = strtok_r(copy, "\r\n", &save); line != NULL;
	     line = strtok_r(NULL, "\r\n", &save)) {
		addr = NULL;
		if (smtpd_parse_path(line, "FROM", &addr, &params) == 0)
			free(addr);
		addr = NULL;
		if (smtpd_parse_path(line, "TO", &addr, &params) == 0)
			free(addr);
	}
	free(copy);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cli_opts cli = { 0 };
	struct config cfg = { 0 };
	int in = fuzz_memfd(data, size), out = fuzz_memfd("", 0);
	char *text = fuzz_cstr(data, size);

	cli.read_envelope_from = -1;
	smtpd_stdio_run(&cli, &cfg, in, out);
	fuzz_check_replies(out);
	fuzz_paths(text);
	free(text);
	close(in);
	close(out);
	return 0;
}
