/* fuzz_reply.c - libFuzzer target for the SMTP reply parser
 *
 * The input is what a server sends: it is written into one end of a
 * socket pair and read back with smtp_read_reply until the parser gives
 * up, as dsmtp reads a relay. Every reply's lines are also parsed as EHLO
 * keywords. Invariants: a reply that parsed has a three-digit code, its
 * first line text has no line end, and the enhanced code is short. */

#include <config.h>

#include <sys/socket.h>

#include "fuzz.h"
#include "smtp.h"

static void
fuzz_caps(const struct smtp_reply *r)
{
	struct smtp_caps caps = { 0 };
	struct buf all = { 0 };
	char *line, *save = NULL;

	buf_append(&all, r->all.data, r->all.len);
	for (line = strtok_r((char *)buf_cstr(&all), "\n", &save);
	     line != NULL; line = strtok_r(NULL, "\n", &save))
		smtp_parse_cap(&caps, line);
	free(caps.auth);
	buf_free(&all);
}

static void
fuzz_check(const struct smtp_reply *r)
{
	if (r->code < 100 || r->code > 999)
		abort();
	if (r->text.len > 0 && memchr(r->text.data, '\n', r->text.len))
		abort();
	if (memchr(r->enhanced, '\0', sizeof(r->enhanced)) == NULL)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct net n = { 0 };
	struct smtp_reply r = { 0 };
	struct err e = { 0 };
	int sv[2], replies = 0;

	if (size > 65536) /* more than the socket buffer holds */
		return 0;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		abort();
	if (size > 0 && write(sv[1], data, size) != (ssize_t)size)
		abort();
	close(sv[1]);
	n.fd = sv[0];
	n.timeout_ms = 2000;
	while (replies++ < 1000 && smtp_read_reply(&n, &r, &e) == 0) {
		fuzz_check(&r);
		fuzz_caps(&r);
	}
	smtp_reply_free(&r);
	err_clear(&e);
	net_close(&n);
	return 0;
}
