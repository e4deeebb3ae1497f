/* message_mime.c - quoted-printable re-encoding part by part
 *
 * Owns: walking a multipart or message/rfc822 body line by line (RFC 2046
 *       boundaries, nested multiparts, encapsulated messages) in bounded
 *       memory, finding the single parts with 8-bit bytes or lines over
 *       998 octets, and writing the body again with those parts
 *       quoted-printable and their Content-Transfer-Encoding changed.
 * Not:  parsing header values (mime.c), the encoder itself and the top
 *       header fields (message_emit.c).
 *
 * The body is read twice: a first walk makes the plan (which parts to
 * re-encode, whether some part that needs it cannot be), the second
 * writes. Both walks see the same parts in the same order. */

#include <config.h>

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "buf.h"
#include "i18n.h"
#include "message.h"
#include "message_int.h"
#include "mime.h"
#include "rfc5322.h"
#include "xmalloc.h"

#define MIME_CHUNK (64 * 1024)
#define MIME_DEPTH 32
#define MIME_HDR_MAX (64 * 1024)
#define MIME_LINE_MAX 998

enum mw_state {
	MW_HEADERS,   /* a part's (or encapsulated message's) header */
	MW_PART,      /* the body of a single part */
	MW_VERBATIM   /* preamble, epilogue, inside signed/encrypted */
};

struct mw_level {
	char boundary[MIME_BOUNDARY_MAX + 1]; /* "": message/rfc822 level */
	int opaque;   /* multipart/signed or encrypted: parts untouched */
	int digest;   /* multipart/digest: parts default to message/rfc822 */
};

struct mw {
	struct message *m;
	int writing;            /* 0: making the plan, 1: writing */
	message_sink sink;
	void *ctx;
	struct mw_level lv[MIME_DEPTH];
	size_t depth;
	enum mw_state st;
	struct buf hdr;         /* the header being read */
	int hdr_message;        /* it is an encapsulated message's */
	size_t part;            /* index of the current single part */
	int encode;             /* writing: the current part is re-encoded */
	int can;                /* planning: it could be */
	int need;               /* planning: it has 8-bit bytes, long lines */
	size_t line_len;        /* octets of the current line so far */
	int line_high;          /* the current line has an 8-bit byte */
	struct message_qp q;
	struct buf out;         /* writing: not yet given to the sink */
	struct buf plan;        /* planning: one byte per single part */
	int stuck;              /* planning: a part cannot be re-encoded */
	int failed;             /* the sink failed */
};

static void
mw_put(struct mw *w, const char *p, size_t n)
{
	if (!w->writing || n == 0)
		return;
	buf_append(&w->out, p, n);
	if (w->out.len >= MIME_CHUNK && !w->failed) {
		w->failed = w->sink(w->ctx, w->out.data, w->out.len) < 0;
		buf_reset(&w->out);
	}
}

/* The end of the current single part (at a delimiter or the end). */
static void
mw_part_end(struct mw *w)
{
	if (w->st != MW_PART)
		return;
	if (!w->writing) {
		buf_append_char(&w->plan, (char)(w->need && w->can));
		if (w->need && !w->can)
			w->stuck = 1;
	} else if (w->encode) {
		mw_put(w, w->q.out.data, w->q.out.len);
		buf_reset(&w->q.out);
	}
	w->part++;
}

static void
mw_push(struct mw *w, const char *boundary, const struct mime_type *t)
{
	struct mw_level *l = &w->lv[w->depth++];

	memset(l, 0, sizeof(*l));
	if (boundary != NULL)
		memcpy(l->boundary, boundary, strlen(boundary) + 1);
	l->opaque = t != NULL && (strcmp(t->subtype, "signed") == 0 ||
				  strcmp(t->subtype, "encrypted") == 0);
	l->digest = t != NULL && strcmp(t->subtype, "digest") == 0;
}

/* The part's header with its Content-Transfer-Encoding made
 * quoted-printable (and MIME-Version added to an encapsulated
 * message's). */
static void
mw_put_encoded_hdr(struct mw *w, int blank)
{
	const char *h = w->hdr.data ? w->hdr.data : "";
	size_t len = w->hdr.len, vlen, start = len, end = len;

	if (mime_hdr_value(h, len, "Content-Transfer-Encoding", &vlen, &start,
			   &end) == NULL)
		start = end = blank ? len - 2 : len; /* before the empty line */
	mw_put(w, h, start);
	if (w->hdr_message &&
	    mime_hdr_value(h, len, "MIME-Version", &vlen, NULL, NULL) == NULL)
		mw_put(w, "MIME-Version: 1.0\r\n", 19);
	mw_put(w, "Content-Transfer-Encoding: quoted-printable\r\n", 45);
	mw_put(w, h + end, len - end);
	if (!blank)
		mw_put(w, "\r\n", 2);
}

/* The type of the part whose header is in w->hdr. */
static void
mw_part_type(struct mw *w, struct mime_type *t, enum mime_cte *cte)
{
	const char *v;
	size_t vlen;
	int digest = w->depth > 0 && w->lv[w->depth - 1].digest &&
		     !w->hdr_message;

	v = mime_hdr_value(w->hdr.data, w->hdr.len, "Content-Type", &vlen,
			   NULL, NULL);
	if (v == NULL || mime_parse_type(v, vlen, t) < 0) {
		v = digest ? "message/rfc822" : "text/plain";
		mime_parse_type(v, strlen(v), t);
	}
	v = mime_hdr_value(w->hdr.data, w->hdr.len,
			   "Content-Transfer-Encoding", &vlen, NULL, NULL);
	*cte = v ? mime_parse_cte(v, vlen) : MIME_CTE_7BIT;
}

/* A header section is complete, with its empty line (blank) or ended by
 * a line that is not a field: say what follows it. */
static void
mw_headers_done(struct mw *w, int blank)
{
	struct mime_type t;
	enum mime_cte cte;
	int room = w->depth < MIME_DEPTH;

	mw_part_type(w, &t, &cte);
	if (room && strcmp(t.type, "multipart") == 0 && t.boundary[0]) {
		mw_push(w, t.boundary, &t);
		w->st = MW_VERBATIM;
	} else if (room && strcmp(t.type, "message") == 0 &&
		   (strcmp(t.subtype, "rfc822") == 0 ||
		    strcmp(t.subtype, "global") == 0)) {
		mw_push(w, NULL, NULL);
		w->st = MW_HEADERS;
	} else {
		/* Only a leaf type may be quoted-printable (RFC 2045 6.4). */
		w->st = MW_PART;
		w->can = (cte == MIME_CTE_7BIT || cte == MIME_CTE_8BIT ||
			  cte == MIME_CTE_BINARY) &&
			 strcmp(t.type, "multipart") != 0 &&
			 strcmp(t.type, "message") != 0;
		w->need = 0;
		w->encode = w->writing && w->part < w->m->mime_nparts &&
			    w->m->mime_plan[w->part];
	}
	if (w->encode && w->st == MW_PART)
		mw_put_encoded_hdr(w, blank);
	else
		mw_put(w, w->hdr.data, w->hdr.len);
	/* The header an encapsulated message starts after must end with
	 * its empty line, or fields added to that message's would join it. */
	if (!blank && w->st == MW_HEADERS)
		mw_put(w, "\r\n", 2);
	w->hdr_message = w->st == MW_HEADERS;
	buf_reset(&w->hdr);
}

/* A whole line that may be a delimiter of an enclosing multipart: 1 when
 * it was one (and is written). */
static int
mw_delimiter(struct mw *w, const char *p, size_t n)
{
	size_t k = w->depth;
	int kind = 0;

	if (n < 4 || p[0] != '-' || p[1] != '-' ||
	    n > MIME_BOUNDARY_MAX + 40)
		return 0;
	while (k > 0 && kind == 0) {
		k--;
		if (w->lv[k].boundary[0])
			kind = mime_delimiter(p, n - 2, w->lv[k].boundary);
	}
	if (kind == 0)
		return 0;
	mw_part_end(w);
	if (w->st == MW_HEADERS && w->writing)
		mw_put(w, w->hdr.data, w->hdr.len);
	buf_reset(&w->hdr);
	w->depth = k + 1;
	w->hdr_message = 0;
	w->st = kind == 2 || w->lv[k].opaque ? MW_VERBATIM : MW_HEADERS;
	mw_put(w, p, n);
	return 1;
}

/* A header line, or a piece of one; a header over the cap is given up:
 * written as it is, and what follows is an untouchable part. */
static void
mw_header_piece(struct mw *w, const char *p, size_t n, int eol)
{
	if (w->hdr.len + n > MIME_HDR_MAX) {
		mw_put(w, w->hdr.data, w->hdr.len);
		mw_put(w, p, n);
		buf_reset(&w->hdr);
		w->st = MW_PART;
		w->can = 0;
		w->need = 1;
		w->encode = 0;
		return;
	}
	buf_append(&w->hdr, p, n);
	if (eol && w->line_len == 0 && n == 2)
		mw_headers_done(w, 1);
}

/* At the start of a line in a header: 1 when the line is not a field, a
 * continuation (even of nothing) or the empty line, so that the body
 * starts with it (as RFC 5322 readers take it). */
static int
mw_header_ends(const struct mw *w, const char *p, size_t n)
{
	if (w->line_len > 0 || (n == 2 && p[0] == '\r'))
		return 0;
	return p[0] != ' ' && p[0] != '\t' && rfc5322_field_name(p, n) == 0;
}

static void
mw_part_piece(struct mw *w, const char *p, size_t n)
{
	size_t i;

	if (!w->encode) {
		mw_put(w, p, n);
		return;
	}
	for (i = 0; i < n; i++)
		message_qp_byte(&w->q, (unsigned char)p[i]);
	if (w->q.out.len >= MIME_CHUNK) {
		mw_put(w, w->q.out.data, w->q.out.len);
		buf_reset(&w->q.out);
	}
}

/* One piece of a line (the whole line when eol and line_len is 0). */
static void
mw_piece(struct mw *w, const char *p, size_t n, int eol)
{
	size_t i;
	int high = 0;

	if (eol && w->line_len == 0 && mw_delimiter(w, p, n))
		return;
	for (i = 0; i < n && !high; i++)
		high = (unsigned char)p[i] >= 0x80;
	w->line_high |= high;
	while (w->st == MW_HEADERS && mw_header_ends(w, p, n))
		mw_headers_done(w, 0);
	if (w->st == MW_HEADERS)
		mw_header_piece(w, p, n, eol);
	else if (w->st == MW_PART)
		mw_part_piece(w, p, n);
	else
		mw_put(w, p, n);
	w->line_len += n;
	if (!eol)
		return;
	/* Only single parts can be re-encoded; a header that is still
	 * being read counts as its part's. */
	if (w->line_high || w->line_len - 2 > MIME_LINE_MAX) {
		if (w->st == MW_PART)
			w->need = 1;
		else
			w->stuck = 1;
	}
	w->line_len = 0;
	w->line_high = 0;
}

/* Split a chunk of the stored body (CRLF lines) into pieces of lines. */
static void
mw_chunk(struct mw *w, const char *p, size_t n)
{
	const char *lf;
	size_t len;

	while (n > 0 && !w->failed) {
		lf = memchr(p, '\n', n);
		len = lf ? (size_t)(lf - p) + 1 : n;
		mw_piece(w, p, len, lf != NULL);
		p += len;
		n -= len;
	}
}

static void
mw_start(struct mw *w, struct message *m, int writing)
{
	struct mime_type t;
	const char *v;
	size_t len;
	ssize_t i = message_find(m, "Content-Type", 0);

	memset(w, 0, sizeof(*w));
	w->m = m;
	w->writing = writing;
	if (i < 0)
		xabort("mw_start", "no Content-Type");
	v = message_value(m, (size_t)i, &len);
	mime_parse_type(v, len, &t);
	if (strcmp(t.type, "multipart") == 0) {
		mw_push(w, t.boundary, &t);
		w->st = MW_VERBATIM;
	} else {
		mw_push(w, NULL, NULL);
		w->st = MW_HEADERS;
		w->hdr_message = 1;
	}
}

/* Walk the whole body; -1 on a read or sink failure. */
static int
mw_run(struct mw *w, struct err *e)
{
	char *chunk = xmalloc(MIME_CHUNK);
	struct message *m = w->m;
	off_t off = 0;
	ssize_t n;
	int rc = 0;

	while (rc == 0 && off < m->body_size && !w->failed) {
		n = message_body_pread(m, chunk, MIME_CHUNK, off, e);
		if (n < 0) {
			rc = -1;
			break;
		}
		off += n;
		mw_chunk(w, chunk, (size_t)n);
	}
	if (w->st == MW_HEADERS)
		mw_put(w, w->hdr.data, w->hdr.len);
	mw_part_end(w);
	if (rc == 0 && w->writing && !w->failed && w->out.len > 0)
		w->failed = w->sink(w->ctx, w->out.data, w->out.len) < 0;
	free(chunk);
	buf_free(&w->hdr);
	buf_free(&w->out);
	buf_free(&w->q.out);
	return rc < 0 || w->failed ? -1 : 0;
}

int
message_mime_top(const struct message *m)
{
	ssize_t i = message_find(m, "Content-Type", 0);
	struct mime_type t;
	const char *v;
	size_t len;

	if (i < 0)
		return 0;
	v = message_value(m, (size_t)i, &len);
	if (mime_parse_type(v, len, &t) < 0)
		return 0;
	if (strcmp(t.type, "multipart") == 0)
		return t.boundary[0] ? 1 : -1;
	if (strcmp(t.type, "message") != 0)
		return 0;
	return strcmp(t.subtype, "rfc822") == 0 ||
			       strcmp(t.subtype, "global") == 0
		       ? 1
		       : -1;
}

static int
mime_plan(struct message *m, struct err *e)
{
	struct mw w;

	if (m->mime_planned != 0)
		return 0;
	mw_start(&w, m, 0);
	if (mw_run(&w, e) < 0) {
		buf_free(&w.plan);
		return -1;
	}
	free(m->mime_plan);
	m->mime_nparts = w.plan.len;
	m->mime_plan = (unsigned char *)buf_steal(&w.plan);
	m->mime_planned = w.stuck ? -1 : 1;
	return 0;
}

int
message_mime_check(struct message *m, struct err *e)
{
	if (mime_plan(m, e) < 0)
		return -1;
	if (m->mime_planned > 0)
		return 0;
	err_set(e, ERR_UNAVAILABLE,
		_("the message has 8-bit data or lines over 998 octets in a "
		  "MIME part that dsmtp cannot re-encode (signed or encrypted, "
		  "already encoded, a part header, preamble or epilogue)"));
	return -1;
}

int
message_mime_emit_body(struct message *m, message_sink sink, void *ctx,
		       struct err *e)
{
	struct mw w;

	if (mime_plan(m, e) < 0)
		return -1;
	mw_start(&w, m, 1);
	w.sink = sink;
	w.ctx = ctx;
	return mw_run(&w, e);
}
