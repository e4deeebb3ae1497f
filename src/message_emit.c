/* message_emit.c - the wire form of a message
 *
 * Owns: producing header fields and body as they go on the wire (before
 *       dot-stuffing), and the quoted-printable re-encoding that keeps
 *       8-bit bytes and long lines off servers that cannot take them.
 * Not:  dot-stuffing and sockets (smtp.c), reading input (message.c). */

#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "buf.h"
#include "i18n.h"
#include "message.h"
#include "message_int.h"
#include "rfc5322.h"
#include "xmalloc.h"

#define EMIT_CHUNK (64 * 1024)
#define QP_LINE 76


off_t
message_size(const struct message *m)
{
	off_t n = 2 + m->body_size;
	size_t i;

	for (i = 0; i < m->nfields; i++)
		n += (off_t)m->fields[i].len;
	return n;
}

int
message_needs_qp(const struct message *m, int have_8bitmime)
{
	return m->body_long_lines || (m->body_8bit && !have_8bitmime);
}

/* Room for n more output bytes on this line, else a soft line break. */
static void
qp_room(struct message_qp *q, size_t n)
{
	if (q->col + n > QP_LINE - 1) {
		buf_append(&q->out, "=\r\n", 3);
		q->col = 0;
	}
}

static void
qp_put(struct message_qp *q, unsigned char c, int literal)
{
	static const char hex[] = "0123456789ABCDEF";
	char enc[3] = { '=', hex[c >> 4], hex[c & 15] };

	qp_room(q, literal ? 1 : 3);
	if (literal)
		buf_append_char(&q->out, (char)c);
	else
		buf_append(&q->out, enc, 3);
	q->col += literal ? 1 : 3;
}

static void
qp_flush_ws(struct message_qp *q, int at_eol)
{
	if (q->pending_ws)
		qp_put(q, (unsigned char)q->pending_ws, !at_eol);
	q->pending_ws = 0;
}

void
message_qp_byte(struct message_qp *q, unsigned char c)
{
	if (q->pending_cr) {
		q->pending_cr = 0;
		if (c == '\n') {
			qp_flush_ws(q, 1);
			buf_append(&q->out, "\r\n", 2);
			q->col = 0;
			return;
		}
		qp_flush_ws(q, 0);
		qp_put(q, '\r', 0);
	}
	if (c == '\r') {
		q->pending_cr = 1;
		return;
	}
	qp_flush_ws(q, 0);
	if (c == ' ' || c == '\t')
		q->pending_ws = (char)c;
	else
		qp_put(q, c, c >= 33 && c <= 126 && c != '=' &&
				     !(q->col == 0 && c == '.'));
}

static int
emit_field_skipped(const struct msg_field *f, int qp)
{
	return qp && f->name_len == 25 &&
	       strncasecmp(f->text, "Content-Transfer-Encoding", 25) == 0;
}

static void
emit_push(struct msg_field **v, size_t *n, const char *text)
{
	struct msg_field *f;

	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	f = &(*v)[(*n)++];
	f->text = xstrdup(text);
	f->len = strlen(text);
	f->name_len = rfc5322_field_name(text, f->len);
}

void
message_wire_fields(const struct message *m, int qp, struct msg_field **out,
		    size_t *n)
{
	char ct[80];
	size_t i;

	*out = NULL;
	*n = 0;
	for (i = 0; i < m->nfields; i++)
		if (!emit_field_skipped(&m->fields[i], qp))
			emit_push(out, n, m->fields[i].text);
	/* A multipart's parts say their own encoding; the top is 7bit. */
	if (!qp || message_mime_top(m) == 1)
		return;
	if (message_find(m, "MIME-Version", 0) < 0)
		emit_push(out, n, "MIME-Version: 1.0\r\n");
	if (message_find(m, "Content-Type", 0) < 0) {
		snprintf(ct, sizeof(ct),
			 "Content-Type: text/plain; charset=%s\r\n",
			 m->body_utf8 || !m->body_8bit ? "utf-8"
						       : "unknown-8bit");
		emit_push(out, n, ct);
	}
	emit_push(out, n, "Content-Transfer-Encoding: quoted-printable\r\n");
}

void
message_fields_free(struct msg_field *f, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(f[i].text);
	free(f);
}

static int
emit_headers(struct message *m, int qp, message_sink sink, void *ctx)
{
	struct msg_field *f;
	size_t n, i;
	int rc = 0;

	message_wire_fields(m, qp, &f, &n);
	for (i = 0; i < n && rc == 0; i++)
		rc = sink(ctx, f[i].text, f[i].len);
	message_fields_free(f, n);
	return rc == 0 ? sink(ctx, "\r\n", 2) : rc;
}

ssize_t
message_body_pread(const struct message *m, char *p, size_t n, off_t off,
		   struct err *e)
{
	ssize_t got;

	do
		got = pread(m->body_fd, p, n, off);
	while (got < 0 && errno == EINTR);
	if (got > 0)
		return got;
	err_set(e, ERR_IO, _("cannot read the stored message: %s"),
		got < 0 ? strerror(errno) : _("truncated"));
	return -1;
}

int
message_emit_body(struct message *m, int qp, message_sink sink, void *ctx,
	  struct err *e)
{
	char *chunk;
	struct message_qp q = { 0 };
	off_t off = 0;
	ssize_t n, i;
	int rc = 0;

	if (qp && message_mime_top(m) == 1)
		return message_mime_emit_body(m, sink, ctx, e);
	chunk = xmalloc(EMIT_CHUNK);
	while (rc == 0 && off < m->body_size) {
		n = message_body_pread(m, chunk, EMIT_CHUNK, off, e);
		if (n < 0) {
			rc = -1;
			break;
		}
		off += n;
		if (!qp) {
			rc = sink(ctx, chunk, (size_t)n);
			continue;
		}
		for (i = 0; i < n; i++)
			message_qp_byte(&q, (unsigned char)chunk[i]);
		rc = sink(ctx, q.out.data, q.out.len);
		buf_reset(&q.out);
	}
	free(chunk);
	buf_free(&q.out);
	return rc;
}

int
message_check_qp(struct message *m, struct err *e)
{
	switch (message_mime_top(m)) {
	case 0:
		return 0;
	case 1:
		return message_mime_check(m, e);
	default:
		err_set(e, ERR_UNAVAILABLE,
			_("the message has 8-bit data or lines over 998 "
			  "octets in a MIME body that cannot be re-encoded (a "
			  "multipart without a boundary, or message/partial or "
			  "external-body)"));
		return -1;
	}
}

int
message_emit(struct message *m, int qp, const char *prefix,
	     message_sink sink, void *ctx, struct err *e)
{
	if (prefix != NULL && *prefix != '\0' &&
	    sink(ctx, prefix, strlen(prefix)) < 0)
		return -1;
	if (emit_headers(m, qp, sink, ctx) < 0)
		return -1;
	return message_emit_body(m, qp, sink, ctx, e);
}
