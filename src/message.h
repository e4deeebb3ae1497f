/* message.h - message intake, header fix-ups and the wire form */
#ifndef DSMTP_MESSAGE_H
#define DSMTP_MESSAGE_H

#include <stddef.h>
#include <sys/types.h>

#include "aliases.h"
#include "err.h"

/* One header field: its whole text with continuation lines, each line
 * ending in CRLF. */
struct msg_field {
	char *text;
	size_t len;
	size_t name_len;
};

struct message {
	struct msg_field *fields;
	size_t nfields;
	int body_fd;          /* CRLF lines, not dot-stuffed; -1 when none */
	off_t body_size;
	int body_8bit;        /* some body byte >= 0x80 */
	int body_utf8;        /* the 8-bit body is valid UTF-8 */
	int body_long_lines;  /* some body line is over 998 octets */
	int header_8bit;      /* some header byte >= 0x80 */
	char id[32];          /* our id for logs */
	/* Which MIME parts a quoted-printable re-encoding changes, in the
	 * order they come (message_mime.c); made on first use. */
	unsigned char *mime_plan;  /* 1: re-encode that part */
	size_t mime_nparts;
	int mime_planned;     /* 0 not yet, 1 made, -1 a part cannot be */
};

struct message_intake {
	int ignore_dots;      /* -i: a lone "." does not end input */
	size_t max_header;    /* cap on the header section */
	off_t max_size;       /* cap on the whole message, 0: none */
	const char *tmpdir;   /* where the body is kept; NULL: $TMPDIR, /tmp */
	off_t length;         /* read at most this many bytes; 0: to EOF */
	const char *id;       /* the message's id; NULL: a new one */
};

/* Read a message from fd: drop a leading mbox "From " line, accept LF,
 * CRLF, mixed and lone CR line ends, end at a lone "." unless ignore_dots,
 * add a final line end. NUL bytes are refused. Returns 0 or -1 with e set
 * (ERR_DATA for bad input, ERR_IO, ERR_CANTCREAT). Release with
 * message_free. */
int message_read(int fd, const struct message_intake *in, struct message *m,
		 struct err *e);
void message_free(struct message *m);

/* Index of the first field called name at or after from, or -1. */
ssize_t message_find(const struct message *m, const char *name, size_t from);
/* The value of field i (after the colon, CRLF included). Borrows. */
const char *message_value(const struct message *m, size_t i, size_t *len);
/* Append a field "name: value\r\n". */
void message_add(struct message *m, const char *name, const char *value);
/* Replace field i with "name: value\r\n" text given whole (no CRLF). */
void message_replace(struct message *m, size_t i, const char *line);
/* Remove every field called name; returns how many were removed. */
size_t message_remove(struct message *m, const char *name);

/* Recipients from the header fields for -t: To, Cc and Bcc, or the first
 * Resent- block's Resent-To/Cc/Bcc when one is present. Added to out. */
void message_header_rcpts(const struct message *m, struct strlist *out);

/* The first address of the (first) From field, or NULL. Caller frees. */
char *message_from_addr(const struct message *m);

/* What message_fix needs to know. */
struct message_fix {
	const char *env_from;   /* qualified envelope sender */
	const char *full_name;  /* for an added From; NULL: none */
	const char *domain;     /* qualify domain, also for Message-ID */
	int set_from;           /* 0 off, 1 auto (when missing), 2 always */
	int set_date;
	int set_msgid;
	int remove_bcc;
	int undisclosed;        /* replace To/Cc with undisclosed-recipients */
	const char *set_to;     /* add "To: <set_to>" when no To; NULL: no */
};

/* Apply the header fix-ups of spec section 4 item 2: remove Bcc and
 * Resent-Bcc, add From/Date/Message-ID where missing, qualify bare names
 * in From, To, Cc, Reply-To and Sender (the rest of each field unchanged).
 * Returns 0, or -1 with e set (ERR_DATA: more than one From). */
int message_fix(struct message *m, const struct message_fix *f,
		struct err *e);

/* Where the wire bytes go. Returns 0, or -1 to stop. */
typedef int (*message_sink)(void *ctx, const char *p, size_t n);

/* 1 when the body must be re-encoded as quoted-printable for a server
 * that has 8BITMIME (have_8bitmime) or not. */
int message_needs_qp(const struct message *m, int have_8bitmime);

/* 0 when the body can be re-encoded as quoted-printable: a single part
 * whole, a multipart or message/rfc822 body part by part (the parts with
 * 8-bit bytes or long lines). -1 with e set (ERR_UNAVAILABLE) when a part
 * that needs it cannot be (signed or encrypted, already base64 or
 * quoted-printable, a preamble or part header) or for other message/
 * types. Reads a MIME body once and keeps the plan in m. */
int message_check_qp(struct message *m, struct err *e);

/* Produce the message as it goes on the wire (CRLF, not dot-stuffed):
 * prefix (extra header fields such as DKIM-Signature, each ending in CRLF;
 * NULL for none), the fields, a blank line, the body; with qp the body is
 * quoted-printable and the MIME fields say so (for a multipart or
 * message/rfc822 body, each part that needs it). Returns 0, or -1 (a sink
 * failure leaves e to the sink; a read failure sets e). */
int message_emit(struct message *m, int qp, const char *prefix,
		 message_sink sink, void *ctx, struct err *e);
/* Only the body part of message_emit. */
int message_emit_body(struct message *m, int qp, message_sink sink,
		      void *ctx, struct err *e);
/* The header fields as message_emit sends them (copies; free with
 * message_fields_free). */
void message_wire_fields(const struct message *m, int qp,
			 struct msg_field **out, size_t *n);
void message_fields_free(struct msg_field *f, size_t n);

/* 1 when the header fields are valid UTF-8 (8-bit headers written as
 * RFC 6532 wants them). */
int message_headers_utf8(const struct message *m);

/* Size of the wire form without re-encoding or signatures. */
off_t message_size(const struct message *m);

#endif
