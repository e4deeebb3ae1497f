/* message.c - reading a message from standard input
 *
 * Owns: line-end normalisation, the lone-dot rule, the mbox "From " line,
 *       splitting header fields from the body, keeping the body in an
 *       unlinked temporary file while noting 8-bit bytes and long lines.
 * Not:  header fix-ups (message_hdr.c), the wire form (message_emit.c). */

#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "i18n.h"
#include "message.h"
#include "queue.h"
#include "rfc5322.h"
#include "xmalloc.h"

#define MESSAGE_LINE_MAX 998
#define MESSAGE_FLUSH (64 * 1024)
#define MESSAGE_FIELD_MAX (64 * 1024)

/* How a lone CR is read in the header section, decided by the first line
 * end: old Mac files end every line so, anything else has stray CRs. */
enum intake_cr {
	INTAKE_CR_UNDECIDED,
	INTAKE_CR_ENDS_LINE,   /* the first line ended in a lone CR */
	INTAKE_CR_IS_DATA      /* it ended in LF or CRLF */
};

struct intake {
	const struct message_intake *in;
	struct message *m;
	struct err *e;
	struct buf line;   /* header phase: the current line, no line end */
	struct buf out;    /* body phase: bytes not yet written */
	size_t header_bytes;
	size_t line_len;   /* body phase: length of the current line */
	int in_body;
	int first_line;
	int pending_cr;
	int held_dot;      /* body line so far is a single '.' held back */
	int utf8_need;     /* UTF-8 continuation bytes still expected */
	int done;          /* the lone-dot terminator was read */
	enum intake_cr cr; /* what a lone CR is in the header section */
	int failed;
};

static int
intake_tmpfile(const struct message_intake *in, struct err *e)
{
	const char *dir = in->tmpdir ? in->tmpdir : getenv("TMPDIR");
	char *tmpl;
	int fd;

	if (dir == NULL || *dir == '\0')
		dir = "/tmp";
	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0)
		return fd;
	tmpl = xasprintf("%s/dsmtp.XXXXXX", dir);
	fd = mkostemp(tmpl, O_CLOEXEC);
	if (fd >= 0)
		unlink(tmpl);
	else
		err_set(e, ERR_CANTCREAT, _("cannot create a file in %s: %s"),
			dir, strerror(errno));
	free(tmpl);
	return fd;
}

static void
intake_fail(struct intake *x, const char *msg)
{
	err_set(x->e, ERR_DATA, "%s", msg);
	x->failed = 1;
}

static int
intake_flush(struct intake *x)
{
	size_t off = 0;
	ssize_t n;

	while (off < x->out.len) {
		n = write(x->m->body_fd, x->out.data + off, x->out.len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err_set(x->e, ERR_IO, _("cannot store the message: %s"),
				strerror(errno));
			x->failed = 1;
			return -1;
		}
		off += (size_t)n;
	}
	x->m->body_size += (off_t)x->out.len;
	buf_reset(&x->out);
	return 0;
}

static void
intake_utf8(struct intake *x, unsigned char c)
{
	if (x->utf8_need > 0) {
		if ((c & 0xC0) == 0x80)
			x->utf8_need--;
		else
			x->m->body_utf8 = 0, x->utf8_need = 0;
		return;
	}
	if (c < 0x80)
		return;
	if (c >= 0xC2 && c <= 0xDF)
		x->utf8_need = 1;
	else if (c >= 0xE0 && c <= 0xEF)
		x->utf8_need = 2;
	else if (c >= 0xF0 && c <= 0xF4)
		x->utf8_need = 3;
	else
		x->m->body_utf8 = 0;
}

static void
body_char(struct intake *x, char c)
{
	if (x->held_dot) {
		buf_append_char(&x->out, '.');
		x->held_dot = 0;
	}
	if ((unsigned char)c >= 0x80)
		x->m->body_8bit = 1;
	intake_utf8(x, (unsigned char)c);
	x->line_len++;
	buf_append_char(&x->out, c);
	if (x->out.len >= MESSAGE_FLUSH)
		intake_flush(x);
}

static void
body_end_line(struct intake *x)
{
	if (x->held_dot && x->line_len == 1) {
		x->held_dot = 0;
		x->done = 1;
		return;
	}
	if (x->held_dot)
		buf_append_char(&x->out, '.'), x->held_dot = 0;
	if (x->line_len > MESSAGE_LINE_MAX)
		x->m->body_long_lines = 1;
	if (x->utf8_need > 0)
		x->m->body_utf8 = 0, x->utf8_need = 0;
	buf_append(&x->out, "\r\n", 2);
	x->line_len = 0;
	if (x->out.len >= MESSAGE_FLUSH)
		intake_flush(x);
}

static void
body_byte(struct intake *x, char c)
{
	if (x->line_len == 0 && c == '.' && !x->in->ignore_dots &&
	    !x->held_dot) {
		x->held_dot = 1;
		x->line_len = 1;
		return;
	}
	body_char(x, c);
}

static void
header_add_field(struct intake *x, const char *p, size_t n, size_t name)
{
	struct message *m = x->m;
	struct msg_field *f;

	m->fields = xrealloc(m->fields, (m->nfields + 1) * sizeof(*f));
	f = &m->fields[m->nfields++];
	f->text = xmalloc(n + 3);
	memcpy(f->text, p, n);
	memcpy(f->text + n, "\r\n", 3);
	f->len = n + 2;
	f->name_len = name;
}

static void
header_continue(struct intake *x, const char *p, size_t n)
{
	struct msg_field *f = &x->m->fields[x->m->nfields - 1];

	if (f->len + n > MESSAGE_FIELD_MAX) {
		intake_fail(x, _("a header field is longer than 64 KiB"));
		return;
	}

	f->text = xrealloc(f->text, f->len + n + 3);
	memcpy(f->text + f->len, p, n);
	memcpy(f->text + f->len + n, "\r\n", 3);
	f->len += n + 2;
}

/* A line that is not a header field starts the body. */
static void
header_to_body(struct intake *x, const char *p, size_t n)
{
	size_t i;

	x->in_body = 1;
	for (i = 0; i < n; i++)
		body_byte(x, p[i]);
	body_end_line(x);
}

/* Fold a header line over 998 octets at blanks (each new line starts
 * with the blank, so unfolding gives the line back); -1 when a stretch
 * of 998 octets has no blank. */
static int
header_fold(const char *p, size_t n, struct buf *out)
{
	size_t start = 0, cut, i;

	while (n - start > MESSAGE_LINE_MAX) {
		cut = 0;
		for (i = start + MESSAGE_LINE_MAX; i > start && !cut; i--)
			if (p[i] == ' ' || p[i] == '\t')
				cut = i;
		if (cut == 0) {
			buf_reset(out);
			return -1;
		}
		buf_append(out, p + start, cut - start);
		buf_append(out, "\r\n", 2);
		start = cut;
	}
	buf_append(out, p + start, n - start);
	return 0;
}

static void
header_end_line(struct intake *x)
{
	struct buf folded = { 0 };
	const char *p = buf_cstr(&x->line);
	size_t n = x->line.len, name;
	int unfoldable = 0;

	if (n > MESSAGE_LINE_MAX) {
		unfoldable = header_fold(p, n, &folded) < 0;
		p = unfoldable ? p : folded.data;
		n = unfoldable ? n : folded.len;
	}

	if (x->first_line && n >= 5 && memcmp(p, "From ", 5) == 0 &&
	    rfc5322_field_name(p, n) == 0) {
		x->first_line = 0;
		goto out;
	}
	x->first_line = 0;
	if (!x->in->ignore_dots && n == 1 && p[0] == '.') {
		x->done = 1;
	} else if (n == 0) {
		x->in_body = 1;
	} else if (unfoldable) {
		err_set(x->e, ERR_DATA,
			_("a header line is longer than 998 octets and has no "
			  "blank to fold it at"));
		x->failed = 1;
	} else if ((p[0] == ' ' || p[0] == '\t') && x->m->nfields > 0) {
		header_continue(x, p, n);
	} else if ((name = rfc5322_field_name(p, n)) > 0) {
		header_add_field(x, p, n, name);
	} else {
		header_to_body(x, x->line.data, x->line.len);
	}
	x->header_bytes += n + 2;
	if (x->header_bytes > x->in->max_header) {
		err_set(x->e, ERR_DATA, _("the header section is too large"));
		x->failed = 1;
	}
out:
	buf_free(&folded);
	buf_reset(&x->line);
}

static void
intake_end_line(struct intake *x)
{
	if (x->in_body)
		body_end_line(x);
	else
		header_end_line(x);
}

/* A line end in the header section: 1 when it ends the line, 0 when a
 * lone CR is data of the field (it becomes a blank, so it can never start
 * a field or a recipient), -1 when a file that ends lines with lone CRs
 * also has LF. */
static int
header_line_end(struct intake *x, int lone_cr)
{
	if (x->cr == INTAKE_CR_UNDECIDED)
		x->cr = lone_cr ? INTAKE_CR_ENDS_LINE : INTAKE_CR_IS_DATA;
	if (lone_cr)
		return x->cr == INTAKE_CR_ENDS_LINE;
	if (x->cr == INTAKE_CR_IS_DATA)
		return 1;
	intake_fail(x, _("the header section ends lines both with a lone CR "
			 "and with LF"));
	return -1;
}

/* A header byte: capped as it arrives, so one endless line costs no
 * more than the cap. */
static void
header_byte(struct intake *x, char c)
{
	if ((unsigned char)c >= 0x80)
		x->m->header_8bit = 1;
	if (x->line.len >= MESSAGE_FIELD_MAX) {
		intake_fail(x, _("a header field is longer than 64 KiB"));
		return;
	}
	if (x->header_bytes + x->line.len >= x->in->max_header) {
		intake_fail(x, _("the header section is too large"));
		return;
	}
	buf_append_char(&x->line, c);
}

/* Ends the line before c when it is due; 0 when c is to be taken. */
static int
intake_line_end(struct intake *x, int lone_cr)
{
	int end = x->in_body ? 1 : header_line_end(x, lone_cr);

	if (end < 0)
		return -1;
	if (end == 0)
		header_byte(x, ' ');
	else
		intake_end_line(x);
	return 0;
}

static void
intake_byte(struct intake *x, char c)
{
	if (x->pending_cr) {
		x->pending_cr = 0;
		if (intake_line_end(x, c != '\n') < 0 || c == '\n' ||
		    x->done || x->failed)
			return;
	}
	if (c == '\r')
		x->pending_cr = 1;
	else if (c == '\n')
		intake_line_end(x, 0);
	else if (x->in_body)
		body_byte(x, c);
	else
		header_byte(x, c);
}

/* The body's common case in bulk: bytes up to the next CR or LF in the
 * middle of a line. Returns how many bytes it took (0: use intake_byte). */
static size_t
body_span(struct intake *x, const char *p, size_t n)
{
	const char *lf, *cr;
	unsigned char high = 0;
	size_t len, i;

	if (!x->in_body || x->pending_cr || x->held_dot ||
	    (x->line_len == 0 && *p == '.'))
		return 0;
	lf = memchr(p, '\n', n);
	len = lf ? (size_t)(lf - p) : n;
	cr = memchr(p, '\r', len);
	if (cr != NULL)
		len = (size_t)(cr - p);
	for (i = 0; i < len; i++)
		high |= (unsigned char)p[i];
	if (high & 0x80) {
		x->m->body_8bit = 1;
		for (i = 0; i < len; i++)
			intake_utf8(x, (unsigned char)p[i]);
	} else if (x->utf8_need > 0 && len > 0) {
		x->m->body_utf8 = 0;
		x->utf8_need = 0;
	}
	buf_append(&x->out, p, len);
	x->line_len += len;
	/* A body line of any length is written as it comes. */
	if (x->out.len >= MESSAGE_FLUSH)
		intake_flush(x);
	return len;
}

/* Feed a chunk; stops at the terminator or a failure. */
static void
intake_chunk(struct intake *x, const char *p, size_t n)
{
	size_t i, span;

	if (memchr(p, '\0', n) != NULL) {
		err_set(x->e, ERR_DATA, _("the message contains a NUL byte"));
		x->failed = 1;
		return;
	}
	for (i = 0; i < n && !x->done && !x->failed; i++) {
		span = body_span(x, p + i, n - i);
		i += span;
		if (i < n)
			intake_byte(x, p[i]);
	}
}

static void
intake_finish(struct intake *x)
{
	if (x->pending_cr) {
		x->pending_cr = 0;
		intake_end_line(x);
	}
	if (x->done || x->failed)
		return;
	if (!x->in_body && x->line.len > 0)
		header_end_line(x);
	else if (x->in_body && (x->line_len > 0 || x->held_dot))
		body_end_line(x);
}

static int
intake_read_all(struct intake *x, int fd)
{
	char chunk[MESSAGE_FLUSH];
	size_t want = sizeof(chunk);
	ssize_t n;
	off_t total = 0, length = x->in->length;

	while (!x->done && !x->failed) {
		if (length > 0 && length - total < (off_t)want)
			want = (size_t)(length - total);
		if (length > 0 && want == 0)
			break;
		n = read(fd, chunk, want);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err_set(x->e, ERR_IO, _("cannot read the message: %s"),
				strerror(errno));
			return -1;
		}
		if (n == 0)
			break;
		total += n;
		if (x->in->max_size > 0 && total > x->in->max_size) {
			err_set(x->e, ERR_DATA,
				_("the message is larger than the limit of "
				  "%lld bytes"), (long long)x->in->max_size);
			return -1;
		}
		intake_chunk(x, chunk, (size_t)n);
	}
	if (!x->failed)
		intake_finish(x);
	return x->failed ? -1 : 0;
}

int
message_read(int fd, const struct message_intake *in, struct message *m,
	     struct err *e)
{
	struct intake x = { 0 };
	int rc;

	memset(m, 0, sizeof(*m));
	m->body_utf8 = 1;
	/* One id for the log lines and, when queued, the entry. */
	if (in->id != NULL && queue_id_valid(in->id))
		snprintf(m->id, sizeof(m->id), "%s", in->id);
	else
		queue_new_id(m->id);
	m->body_fd = intake_tmpfile(in, e);
	if (m->body_fd < 0)
		return -1;
	x.in = in;
	x.m = m;
	x.e = e;
	x.first_line = 1;
	rc = intake_read_all(&x, fd);
	if (rc == 0)
		rc = intake_flush(&x);
	buf_free(&x.line);
	buf_free(&x.out);
	if (!m->body_8bit)
		m->body_utf8 = 0;
	return rc;
}

void
message_free(struct message *m)
{
	size_t i;

	for (i = 0; i < m->nfields; i++)
		free(m->fields[i].text);
	free(m->fields);
	m->fields = NULL;
	free(m->mime_plan);
	m->mime_plan = NULL;
	m->mime_planned = 0;
	m->nfields = 0;
	if (m->body_fd >= 0)
		close(m->body_fd);
	m->body_fd = -1;
}
