/* message_int.h - shared by the message_*.c files only */
#ifndef DSMTP_MESSAGE_INT_H
#define DSMTP_MESSAGE_INT_H

#include <sys/types.h>

#include "buf.h"
#include "message.h"

/* Quoted-printable encoder state (message_emit.c). */
struct message_qp {
	struct buf out;
	size_t col;      /* length of the current output line */
	char pending_ws; /* a blank held back until we know it is not last */
	int pending_cr;
};

/* Encode one byte of CRLF text into q->out. */
void message_qp_byte(struct message_qp *q, unsigned char c);

/* Read up to n bytes of the stored body at off; the count (> 0), or -1
 * with e set (ERR_IO, also for a body shorter than body_size). */
ssize_t message_body_pread(const struct message *m, char *p, size_t n,
			   off_t off, struct err *e);

/* What the top-level Content-Type asks of a quoted-printable re-encoding
 * (message_mime.c): 0 a single part (the body is encoded whole), 1 a
 * multipart or message/rfc822 body (its parts are encoded one by one),
 * -1 a body that cannot be re-encoded. */
int message_mime_top(const struct message *m);

/* For message_mime_top() == 1: 0 when every part that needs it can be
 * re-encoded, else -1 with e set (ERR_UNAVAILABLE). Reads the body once
 * and keeps the plan in m. */
int message_mime_check(struct message *m, struct err *e);

/* For message_mime_top() == 1: the body with the parts that have 8-bit
 * bytes or long lines re-encoded as quoted-printable, boundaries, nested
 * multiparts and message/rfc822 parts kept. Returns 0, or -1 (a sink
 * failure leaves e to the sink; a read failure sets e). */
int message_mime_emit_body(struct message *m, message_sink sink, void *ctx,
			   struct err *e);

#endif
