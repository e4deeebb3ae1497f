/* fuzz_message.c - libFuzzer target for message intake and the wire form
 *
 * The first input byte sets -i and the header fix-ups; the rest is the
 * message on standard input. It is read with message_read, its -t
 * recipients and From address taken, fixed up, and emitted as 7bit/8bit
 * and (where allowed) quoted-printable. Invariants: the wire form has
 * CRLF line ends only (no bare CR or LF) and ends in CRLF; header lines
 * (and with quoted-printable every line) are at most 998 octets; without
 * re-encoding its size is message_size. */

#include <config.h>

#include "buf.h"
#include "fuzz.h"
#include "message.h"

static int
fuzz_sink(void *ctx, const char *p, size_t n)
{
	buf_append(ctx, p, n);
	return 0;
}

static void
fuzz_check_wire(const struct buf *w, int qp)
{
	size_t i, col = 0;
	int body = 0;

	if (w->len < 2 || w->data[w->len - 2] != '\r' ||
	    w->data[w->len - 1] != '\n')
		abort();
	for (i = 0; i < w->len; i++) {
		char c = w->data[i];

		if (c == '\r' && (i + 1 == w->len || w->data[i + 1] != '\n'))
			abort();
		if (c == '\n' && (i == 0 || w->data[i - 1] != '\r'))
			abort();
		if (c != '\n') {
			col++;
			continue;
		}
		/* col counts the CR: a line of 998 octets has col 999. */
		if ((!body || qp) && col > 999)
			abort();
		body |= col == 1;
		col = 0;
	}
}

static void
fuzz_emit(struct message *m, int qp)
{
	struct buf w = { 0 };
	struct err e = { 0 };

	if (message_emit(m, qp, NULL, fuzz_sink, &w, &e) == 0) {
		fuzz_check_wire(&w, qp);
		if (!qp && (off_t)w.len != message_size(m))
			abort();
	}
	err_clear(&e);
	buf_free(&w);
}

static void
fuzz_fix(struct message *m, unsigned f)
{
	struct message_fix fix = { 0 };
	struct err e = { 0 };

	fix.env_from = "sender@example.org";
	fix.full_name = (f & 2) ? "Fuzz \"Q\" Tester" : NULL;
	fix.domain = "example.org";
	fix.set_from = (f >> 2) % 3;
	fix.set_date = f & 8;
	fix.set_msgid = f & 16;
	fix.remove_bcc = f & 32;
	fix.undisclosed = f & 64;
	fix.set_to = (f & 128) ? "undisclosed-recipients:;" : NULL;
	message_fix(m, &fix, &e);
	err_clear(&e);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned f = fuzz_flags(&data, &size);
	struct message_intake in = { 0 };
	struct message m = { 0 };
	struct strlist rcpts = { 0 };
	struct msg_field *wf = NULL;
	struct err e = { 0 };
	size_t nwf = 0;
	int fd = fuzz_memfd(data, size);

	in.ignore_dots = f & 1;
	in.max_header = 65536;
	in.tmpdir = "/tmp";
	m.body_fd = -1;
	if (message_read(fd, &in, &m, &e) == 0) {
		message_header_rcpts(&m, &rcpts);
		free(message_from_addr(&m));
		fuzz_fix(&m, f);
		message_headers_utf8(&m);
		fuzz_emit(&m, 0);
		if (message_check_qp(&m, &e) == 0)
			fuzz_emit(&m, 1);
		message_needs_qp(&m, 1);
		message_wire_fields(&m, 1, &wf, &nwf);
		message_fields_free(wf, nwf);
	}
	close(fd);
	strlist_free(&rcpts);
	message_free(&m);
	err_clear(&e);
	return 0;
}
