/* message_hdr.c - header field access and fix-ups
 *
 * Owns: finding, adding, replacing and removing fields; recipients from
 *       headers (-t); adding From/Date/Message-ID, removing Bcc,
 *       qualifying bare addresses in From, To, Cc, Reply-To and Sender.
 * Not:  reading input (message.c), address syntax (rfc5322.c). */

#include <config.h>

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "buf.h"
#include "i18n.h"
#include "message.h"
#include "rfc5322.h"
#include "xmalloc.h"

ssize_t
message_find(const struct message *m, const char *name, size_t from)
{
	size_t i;

	for (i = from; i < m->nfields; i++)
		if (rfc5322_field_is(m->fields[i].text, m->fields[i].name_len,
				     name))
			return (ssize_t)i;
	return -1;
}

const char *
message_value(const struct message *m, size_t i, size_t *len)
{
	const struct msg_field *f = &m->fields[i];
	size_t off = rfc5322_value_offset(f->text, f->len);

	*len = f->len - off;
	return f->text + off;
}

void
message_add(struct message *m, const char *name, const char *value)
{
	struct msg_field *f;

	m->fields = xrealloc(m->fields, (m->nfields + 1) * sizeof(*f));
	f = &m->fields[m->nfields++];
	f->text = xasprintf("%s: %s\r\n", name, value);
	f->len = strlen(f->text);
	f->name_len = strlen(name);
}

void
message_replace(struct message *m, size_t i, const char *line)
{
	struct msg_field *f = &m->fields[i];

	free(f->text);
	f->text = xasprintf("%s\r\n", line);
	f->len = strlen(f->text);
	f->name_len = rfc5322_field_name(f->text, f->len);
}

size_t
message_remove(struct message *m, const char *name)
{
	size_t i, kept = 0, removed = 0;

	for (i = 0; i < m->nfields; i++) {
		if (rfc5322_field_is(m->fields[i].text, m->fields[i].name_len,
				     name)) {
			free(m->fields[i].text);
			removed++;
		} else {
			m->fields[kept++] = m->fields[i];
		}
	}
	m->nfields = kept;
	return removed;
}

static void
message_field_addrs(const struct message *m, size_t i, struct strlist *out)
{
	struct rfc5322_addrs a = { 0 };
	const char *v;
	size_t len, k;

	v = message_value(m, i, &len);
	rfc5322_parse_addrs(v, len, &a);
	for (k = 0; k < a.n; k++)
		strlist_add(out, a.v[k].addr);
	rfc5322_addrs_free(&a);
}

void
message_header_rcpts(const struct message *m, struct strlist *out)
{
	static const char *plain[] = { "To", "Cc", "Bcc" };
	static const char *resent[] = { "Resent-To", "Resent-Cc",
					"Resent-Bcc" };
	const char **names = plain;
	size_t i, k, end = m->nfields;
	ssize_t first = -1;

	/* The first Resent- block is the one a resender put on top. */
	for (i = 0; i < m->nfields && first < 0; i++)
		if (m->fields[i].name_len > 7 &&
		    strncasecmp(m->fields[i].text, "Resent-", 7) == 0)
			first = (ssize_t)i;
	if (first >= 0) {
		names = resent;
		for (end = (size_t)first; end < m->nfields &&
					  m->fields[end].name_len > 7 &&
					  strncasecmp(m->fields[end].text,
						      "Resent-", 7) == 0;
		     end++)
			;
	}
	for (i = first >= 0 ? (size_t)first : 0; i < end; i++)
		for (k = 0; k < 3; k++)
			if (rfc5322_field_is(m->fields[i].text,
					     m->fields[i].name_len, names[k]))
				message_field_addrs(m, i, out);
}

char *
message_from_addr(const struct message *m)
{
	struct strlist l = { 0 };
	ssize_t i = message_find(m, "From", 0);
	char *a = NULL;

	if (i < 0)
		return NULL;
	message_field_addrs(m, (size_t)i, &l);
	if (l.n > 0)
		a = xstrdup(l.v[0]);
	strlist_free(&l);
	return a;
}

/* Qualify every bare address of field i, leaving the rest of it byte for
 * byte: "From: root (Cron Daemon)" -> "From: root@domain (Cron Daemon)",
 * "To: root, ops@example.org" -> "To: root@domain, ops@example.org". */
/* RFC 5322 2.1.1: no line of a message over 998 octets. */
#define MESSAGE_HDR_MAX_LINE 998

/* The length, without its CRLF, of the line of t[0..n) holding pos. */
static size_t
message_line_at(const char *t, size_t n, size_t pos)
{
	size_t start = pos, end = pos;

	while (start > 0 && t[start - 1] != '\n')
		start--;
	while (end < n && t[end] != '\r' && t[end] != '\n')
		end++;
	return end - start;
}

/* Field text with "@domain" after the address that ends at at, and, when
 * that line would pass 998 octets, a fold after the comma (or colon)
 * before the address, which starts at start. NULL when even the folded
 * line would be too long: the address is then left as it is. */
static char *
message_qualified(const struct msg_field *f, size_t off, size_t start,
		  size_t at, const char *domain, size_t *len)
{
	struct buf b = { 0 };
	size_t fold = start;

	buf_append(&b, f->text, at);
	buf_printf(&b, "@%s", domain);
	buf_append(&b, f->text + at, f->len - at);
	if (message_line_at(b.data, b.len, at) <= MESSAGE_HDR_MAX_LINE)
		goto done;
	while (fold > off && f->text[fold - 1] != ',')
		fold--;
	buf_reset(&b);
	buf_append(&b, f->text, fold);
	/* A blank after the comma becomes the fold's own blank. */
	buf_append_str(&b, f->text[fold] == ' ' || f->text[fold] == '\t'
				   ? "\r\n" : "\r\n ");
	buf_append(&b, f->text + fold, at - fold);
	buf_printf(&b, "@%s", domain);
	buf_append(&b, f->text + at, f->len - at);
	if (message_line_at(b.data, b.len, at + 2) > MESSAGE_HDR_MAX_LINE) {
		buf_free(&b);
		return NULL;
	}
done:
	*len = b.len;
	return buf_steal(&b);
}

static void
message_qualify_field(struct message *m, size_t i, const char *domain)
{
	struct rfc5322_addrs a = { 0 };
	struct msg_field *f = &m->fields[i];
	size_t len, off = rfc5322_value_offset(f->text, f->len), k, n;
	char *text;

	message_value(m, i, &len);
	rfc5322_parse_addrs(f->text + off, len, &a);
	for (k = a.n; k-- > 0;) {
		if (a.v[k].addr[0] == '\0' || strchr(a.v[k].addr, '@') != NULL)
			continue;
		text = message_qualified(f, off, off + a.v[k].start,
					 off + a.v[k].end, domain, &n);
		if (text == NULL)
			continue;
		free(f->text);
		f->text = text;
		f->len = n;
	}
	rfc5322_addrs_free(&a);
}

/* The address fields whose bare names are qualified (spec 4, item 2). */
static void
message_qualify_fields(struct message *m, const char *domain)
{
	static const char *const names[] = { "From", "To", "Cc", "Reply-To",
					     "Sender" };
	size_t i, k;

	for (i = 0; i < m->nfields; i++)
		for (k = 0; k < sizeof(names) / sizeof(names[0]); k++)
			if (rfc5322_field_is(m->fields[i].text,
					     m->fields[i].name_len, names[k]))
				message_qualify_field(m, i, domain);
}

/* A display name is quoted unless it is only atext and blanks. */
static void
message_append_name(struct buf *b, const char *name)
{
	const char *p;
	int quote = strpbrk(name, "()<>[]:;@\\,.\"") != NULL;

	/* Control characters (CR, LF: header injection) become blanks. */
	if (quote)
		buf_append_char(b, '"');
	for (p = name; *p; p++) {
		if (quote && (*p == '"' || *p == '\\'))
			buf_append_char(b, '\\');
		buf_append_char(b, (unsigned char)*p < 0x20 || *p == 0x7f
					   ? ' ' : *p);
	}
	if (quote)
		buf_append_char(b, '"');
}

static void
message_add_from(struct message *m, const struct message_fix *f)
{
	struct buf b = { 0 };

	if (f->full_name != NULL && *f->full_name != '\0') {
		message_append_name(&b, f->full_name);
		buf_printf(&b, " <%s>", f->env_from);
	} else {
		buf_append_str(&b, f->env_from);
	}
	message_add(m, "From", buf_cstr(&b));
	buf_free(&b);
}

static void
message_add_msgid(struct message *m, const char *domain)
{
	unsigned char r[8] = { 0 };
	char stamp[32], *v;
	time_t now = time(NULL);
	struct tm tm;

	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
		memcpy(r, &now, sizeof(r) < sizeof(now) ? sizeof(r)
							: sizeof(now));
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%d%H%M%S", &tm);
	v = xasprintf("<%s.%02x%02x%02x%02x%02x%02x%02x%02x@%s>", stamp, r[0],
		      r[1], r[2], r[3], r[4], r[5], r[6], r[7], domain);
	message_add(m, "Message-ID", v);
	free(v);
}

static int
message_fix_from(struct message *m, const struct message_fix *f,
		 struct err *e)
{
	ssize_t i = message_find(m, "From", 0);

	if (i >= 0 && message_find(m, "From", (size_t)i + 1) >= 0) {
		err_set(e, ERR_DATA,
			_("the message has more than one From header"));
		return -1;
	}
	if (f->set_from == 2 && i >= 0) {
		message_remove(m, "From");
		i = -1;
	}
	if (i < 0 && f->set_from > 0 && *f->env_from != '\0')
		message_add_from(m, f);
	return 0;
}

int
message_fix(struct message *m, const struct message_fix *f, struct err *e)
{
	char date[64];

	if (message_fix_from(m, f, e) < 0)
		return -1;
	if (f->remove_bcc) {
		message_remove(m, "Bcc");
		message_remove(m, "Resent-Bcc");
	}
	message_qualify_fields(m, f->domain);
	if (f->undisclosed) {
		message_remove(m, "To");
		message_remove(m, "Cc");
		message_remove(m, "Bcc");
		message_add(m, "To", "undisclosed-recipients:;");
	} else if (f->set_to != NULL && message_find(m, "To", 0) < 0) {
		message_add(m, "To", f->set_to);
	}
	if (f->set_date && message_find(m, "Date", 0) < 0) {
		rfc5322_date(time(NULL), date, sizeof(date));
		message_add(m, "Date", date);
	}
	if (f->set_msgid && message_find(m, "Message-ID", 0) < 0)
		message_add_msgid(m, f->domain);
	return 0;
}

int
message_headers_utf8(const struct message *m)
{
	size_t i;

	for (i = 0; i < m->nfields; i++)
		if (!addr_utf8_valid(m->fields[i].text, m->fields[i].len))
			return 0;
	return 1;
}
