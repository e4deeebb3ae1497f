/* dkim.c - DKIM canonicalisation and signatures
 *
 * Owns: simple and relaxed canonicalisation of body (streaming) and
 *       header fields, header selection for h=, the default h= list with
 *       over-signing, the DKIM-Signature field's tags and folding.
 * Not:  key storage and the signature algorithms (crypto.c), what goes
 *       on the wire (message_emit.c). */

#include <config.h>

#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dkim.h"
#include "rfc5322.h"
#include "xmalloc.h"

#define DKIM_FLUSH (64 * 1024)
#define DKIM_FOLD 76

void
dkim_body_init(struct dkim_body *b, enum dkim_canon canon)
{
	memset(b, 0, sizeof(*b));
	b->canon = canon;
	crypto_sha256_init(&b->hash);
}

static void
dkim_body_put(struct dkim_body *b, const char *p, size_t n)
{
	buf_append(&b->out, p, n);
	if (b->out.len >= DKIM_FLUSH) {
		crypto_sha256_update(&b->hash, b->out.data, b->out.len);
		buf_reset(&b->out);
	}
}

/* A content byte: write held-back empty lines and blanks first. */
static void
dkim_body_content(struct dkim_body *b, char c)
{
	if (!b->line_started) {
		for (; b->empty_lines > 0; b->empty_lines--)
			dkim_body_put(b, "\r\n", 2);
		b->line_started = 1;
	}
	if (b->pending_ws)
		dkim_body_put(b, " ", 1);
	b->pending_ws = 0;
	dkim_body_put(b, &c, 1);
	b->any = 1;
}

static void
dkim_body_eol(struct dkim_body *b)
{
	if (b->line_started)
		dkim_body_put(b, "\r\n", 2);
	else
		b->empty_lines++;
	b->line_started = 0;
	b->pending_ws = 0;
}

/* The common case in bulk: inside a line with nothing held back, the
 * bytes up to the next CR (relaxed: or blank) are copied as they are. */
static size_t
dkim_body_span(struct dkim_body *b, const char *p, size_t n)
{
	size_t k = 0;

	if (!b->line_started || b->pending_ws || b->pending_cr)
		return 0;
	if (b->canon == DKIM_RELAXED)
		/* A single SP between two other bytes stays as it is. */
		while (k < n && p[k] != '\r' && p[k] != '\t' &&
		       (p[k] != ' ' || (k + 1 < n && p[k + 1] != ' ' &&
					p[k + 1] != '\t' && p[k + 1] != '\r')))
			k++;
	else
		while (k < n && p[k] != '\r')
			k++;
	if (k > 0) {
		dkim_body_put(b, p, k);
		b->any = 1;
	}
	return k;
}

void
dkim_body_update(struct dkim_body *b, const char *p, size_t n)
{
	size_t i;
	char c;

	for (i = 0; i < n; i++) {
		i += dkim_body_span(b, p + i, n - i);
		if (i >= n)
			break;
		c = p[i];
		if (b->pending_cr) {
			b->pending_cr = 0;
			if (c == '\n') {
				dkim_body_eol(b);
				continue;
			}
			dkim_body_content(b, '\r');
		}
		if (c == '\r')
			b->pending_cr = 1;
		else if (b->canon == DKIM_RELAXED && (c == ' ' || c == '\t'))
			b->pending_ws = 1;
		else
			dkim_body_content(b, c);
	}
}

void
dkim_body_final(struct dkim_body *b, unsigned char out[32])
{
	if (b->pending_cr)
		dkim_body_content(b, '\r');
	if (b->line_started)
		dkim_body_eol(b);
	/* An empty body is one CRLF in simple, nothing in relaxed. */
	if (!b->any && b->canon == DKIM_SIMPLE)
		dkim_body_put(b, "\r\n", 2);
	crypto_sha256_update(&b->hash, b->out.data, b->out.len);
	crypto_sha256_final(&b->hash, out);
	buf_free(&b->out);
}

void
dkim_canon_header(enum dkim_canon canon, const char *f, size_t len,
		  struct buf *out)
{
	size_t i, name = rfc5322_field_name(f, len), start;
	int ws = 0;

	if (canon == DKIM_SIMPLE) {
		buf_append(out, f, len);
		return;
	}
	for (i = 0; i < name; i++)
		buf_append_char(out, (char)tolower((unsigned char)f[i]));
	buf_append_char(out, ':');
	i = rfc5322_value_offset(f, len);
	while (i < len && strchr(" \t\r\n", f[i]) != NULL)
		i++;
	start = out->len;
	for (; i < len; i++) {
		if (f[i] == '\r' || f[i] == '\n') {
			continue;
		} else if (f[i] == ' ' || f[i] == '\t') {
			ws = 1;
		} else {
			if (ws && out->len > start)
				buf_append_char(out, ' ');
			ws = 0;
			buf_append_char(out, f[i]);
		}
	}
	buf_append(out, "\r\n", 2);
}

void
dkim_header_input(enum dkim_canon canon, const struct msg_field *fields,
		  size_t nfields, char *const *names, size_t nnames,
		  const char *sig_field, struct buf *out)
{
	char *used = xcalloc(nfields ? nfields : 1, 1);
	size_t i, k, siglen = strlen(sig_field);
	struct buf sig = { 0 };

	for (k = 0; k < nnames; k++) {
		for (i = nfields; i-- > 0;) {
			if (used[i] ||
			    !rfc5322_field_is(fields[i].text,
					      fields[i].name_len, names[k]))
				continue;
			used[i] = 1;
			dkim_canon_header(canon, fields[i].text, fields[i].len,
					  out);
			break;
		}
	}
	/* The signature field itself, without its final CRLF. */
	dkim_canon_header(canon, sig_field, siglen, &sig);
	if (canon == DKIM_RELAXED || (siglen >= 2 &&
				      memcmp(sig_field + siglen - 2, "\r\n",
					     2) == 0))
		sig.len -= 2;
	buf_append(out, sig.data, sig.len);
	buf_free(&sig);
	free(used);
}

int
dkim_parse_canon(const char *s, enum dkim_canon *h, enum dkim_canon *b)
{
	const char *slash = strchr(s, '/');
	size_t hl = slash ? (size_t)(slash - s) : strlen(s);

	if (hl == 7 && strncasecmp(s, "relaxed", 7) == 0)
		*h = DKIM_RELAXED;
	else if (hl == 6 && strncasecmp(s, "simple", 6) == 0)
		*h = DKIM_SIMPLE;
	else
		return -1;
	if (slash == NULL) {
		*b = DKIM_SIMPLE; /* RFC 6376 3.5: body defaults to simple */
		return 0;
	}
	if (strcasecmp(slash + 1, "relaxed") == 0)
		*b = DKIM_RELAXED;
	else if (strcasecmp(slash + 1, "simple") == 0)
		*b = DKIM_SIMPLE;
	else
		return -1;
	return 0;
}

/* RFC 6376 5.4's list; the first group is over-signed (one name more than
 * the message has), so a field of that name added later breaks the
 * signature. */
static const char *const dkim_oversigned[] = {
	"From", "Reply-To", "Subject", "Date", "To", "Cc", "Message-ID",
	"In-Reply-To", "References", "MIME-Version", "Content-Type",
	"Content-Transfer-Encoding",
};
static const char *const dkim_signed[] = {
	"Sender", "Resent-Date", "Resent-From", "Resent-Sender", "Resent-To",
	"Resent-Cc", "Resent-Message-ID", "Content-ID", "Content-Description",
	"Content-Disposition", "List-Id", "List-Help", "List-Unsubscribe",
	"List-Unsubscribe-Post", "List-Subscribe", "List-Post", "List-Owner",
	"List-Archive",
};

static size_t
dkim_count(const struct msg_field *fields, size_t nfields, const char *name)
{
	size_t i, n = 0;

	for (i = 0; i < nfields; i++)
		n += rfc5322_field_is(fields[i].text, fields[i].name_len, name);
	return n;
}

static void
dkim_push(char ***v, size_t *n, const char *name, size_t times)
{
	for (; times > 0; times--) {
		*v = xrealloc(*v, (*n + 1) * sizeof(char *));
		(*v)[(*n)++] = xstrdup(name);
	}
}

char **
dkim_default_headers(const struct msg_field *fields, size_t nfields,
		     size_t *n)
{
	char **v = NULL;
	size_t i, c;

	*n = 0;
	for (i = 0; i < sizeof(dkim_oversigned) / sizeof(char *); i++) {
		c = dkim_count(fields, nfields, dkim_oversigned[i]);
		/* Over-sign what is there, and the identity fields always. */
		if (c > 0 || i < 7)
			dkim_push(&v, n, dkim_oversigned[i], c + 1);
	}
	for (i = 0; i < sizeof(dkim_signed) / sizeof(char *); i++)
		dkim_push(&v, n, dkim_signed[i],
			  dkim_count(fields, nfields, dkim_signed[i]));
	return v;
}

/* Append text, folding first when the line would grow past DKIM_FOLD. */
static void
dkim_fold_add(struct buf *f, size_t *col, const char *text)
{
	size_t len = strlen(text);

	if (*col + len > DKIM_FOLD && *col > 1) {
		buf_append_str(f, "\r\n\t");
		*col = 1;
		if (*text == ' ')
			text++, len--;
	}
	buf_append_str(f, text);
	*col += len;
}

/* The DKIM-Signature field with an empty b=, folded, no final CRLF. */
static void
dkim_field(const struct dkim_key *k, const struct dkim_params *p,
	   const unsigned char bh[32], char *const *names, size_t nnames,
	   struct buf *f)
{
	static const char *cn[] = { "simple", "relaxed" };
	struct buf t = { 0 };
	size_t col = 0, i;

	buf_printf(&t, "DKIM-Signature: v=1; a=%s; c=%s/%s;",
		   crypto_key_type(k->key) == CRYPTO_KEY_RSA ? "rsa-sha256"
							      : "ed25519-sha256",
		   cn[p->hcanon], cn[p->bcanon]);
	dkim_fold_add(f, &col, t.data);
	buf_reset(&t);
	buf_printf(&t, " d=%s;", p->domain);
	dkim_fold_add(f, &col, t.data);
	buf_reset(&t);
	buf_printf(&t, " s=%s;", k->selector);
	dkim_fold_add(f, &col, t.data);
	buf_reset(&t);
	buf_printf(&t, " t=%lld;", (long long)p->now);
	dkim_fold_add(f, &col, t.data);
	if (p->expire > 0) {
		/* config.c caps dkim_expire; other callers saturate. */
		long long x = (long long)p->expire > LLONG_MAX - (long long)p->now
				      ? LLONG_MAX
				      : (long long)p->now + p->expire;

		buf_reset(&t);
		buf_printf(&t, " x=%lld;", x);
		dkim_fold_add(f, &col, t.data);
	}
	for (i = 0; i < nnames; i++) {
		buf_reset(&t);
		buf_printf(&t, "%s%s%s", i ? "" : " h=", names[i],
			   i + 1 < nnames ? ":" : ";");
		dkim_fold_add(f, &col, t.data);
	}
	buf_reset(&t);
	buf_append_str(&t, " bh=");
	crypto_base64(&t, bh, 32);
	buf_append_char(&t, ';');
	dkim_fold_add(f, &col, t.data);
	dkim_fold_add(f, &col, " b=");
	buf_free(&t);
}

/* Append b= in folded pieces and the final CRLF. */
static void
dkim_add_b(struct buf *f, const struct buf *sig)
{
	struct buf b64 = { 0 };
	size_t i;

	crypto_base64(&b64, sig->data, sig->len);
	for (i = 0; i < b64.len; i += 64) {
		buf_append_str(f, "\r\n\t");
		buf_append(f, b64.data + i, b64.len - i < 64 ? b64.len - i : 64);
	}
	buf_append_str(f, "\r\n");
	buf_free(&b64);
}

struct dkim_sink_ctx {
	struct dkim_body body;
};

static int
dkim_sink(void *vctx, const char *p, size_t n)
{
	struct dkim_sink_ctx *c = vctx;

	dkim_body_update(&c->body, p, n);
	return 0;
}

static int
dkim_sign_one(const struct dkim_key *k, const struct dkim_params *p,
	      const unsigned char bh[32], const struct msg_field *fields,
	      size_t nfields, char *const *names, size_t nnames,
	      struct buf *out, struct err *e)
{
	struct buf field = { 0 }, input = { 0 }, sig = { 0 };
	int rc;

	dkim_field(k, p, bh, names, nnames, &field);
	dkim_header_input(p->hcanon, fields, nfields, names, nnames,
			  buf_cstr(&field), &input);
	rc = crypto_dkim_sign(k->key, input.data, input.len, &sig, e);
	if (rc == 0) {
		dkim_add_b(&field, &sig);
		buf_append(out, field.data, field.len);
	}
	buf_free(&field);
	buf_free(&input);
	buf_free(&sig);
	return rc;
}

int
dkim_sign(struct message *m, int qp, const struct dkim_key *keys,
	  size_t nkeys, const struct dkim_params *p, struct buf *out,
	  struct err *e)
{
	struct dkim_sink_ctx c;
	unsigned char bh[32];
	struct msg_field *fields = NULL;
	size_t nfields = 0, nnames = p->nheaders, i;
	char **names = (char **)p->headers;
	int rc;

	dkim_body_init(&c.body, p->bcanon);
	rc = message_emit_body(m, qp, dkim_sink, &c, e);
	dkim_body_final(&c.body, bh);
	if (rc < 0)
		return -1;
	message_wire_fields(m, qp, &fields, &nfields);
	if (names == NULL)
		names = dkim_default_headers(fields, nfields, &nnames);
	for (i = 0; i < nkeys && rc == 0; i++)
		rc = dkim_sign_one(&keys[i], p, bh, fields, nfields, names,
				   nnames, out, e);
	if (p->headers == NULL) {
		for (i = 0; i < nnames; i++)
			free(names[i]);
		free(names);
	}
	message_fields_free(fields, nfields);
	return rc;
}
