/* rfc5322.c - header field and address-list parsing
 *
 * Owns: recognising header fields, extracting addresses from address-list
 *       values with their positions, RFC 5322 dates.
 * Not:  I/O, qualification or aliases (addr.c). Pure functions only:
 *       every input here may come from an untrusted message. */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "rfc5322.h"
#include "xmalloc.h"

size_t
rfc5322_field_name(const char *line, size_t len)
{
	size_t i = 0, name;

	while (i < len && line[i] > 32 && line[i] < 127 && line[i] != ':')
		i++;
	name = i;
	if (name == 0)
		return 0;
	/* Obsolete syntax allows blanks before the colon. */
	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	return i < len && line[i] == ':' ? name : 0;
}

int
rfc5322_field_is(const char *line, size_t nlen, const char *name)
{
	return strlen(name) == nlen && strncasecmp(line, name, nlen) == 0;
}

size_t
rfc5322_value_offset(const char *line, size_t len)
{
	const char *colon = memchr(line, ':', len);

	return colon ? (size_t)(colon - line) + 1 : len;
}

/* Skip a quoted string or comment starting at v[i]; returns the index
 * after it (or len when unterminated). */
static size_t
rfc5322_skip(const char *v, size_t len, size_t i)
{
	int depth = 0;

	if (v[i] == '[') { /* a domain literal may hold ':' and ',' */
		for (i++; i < len; i++) {
			if (v[i] == '\\' && i + 1 < len)
				i++;
			else if (v[i] == ']')
				return i + 1;
		}
		return len;
	}
	if (v[i] == '"') {
		for (i++; i < len; i++) {
			if (v[i] == '\\' && i + 1 < len)
				i++;
			else if (v[i] == '"')
				return i + 1;
		}
		return len;
	}
	for (; i < len; i++) {
		if (v[i] == '\\' && i + 1 < len)
			i++;
		else if (v[i] == '(')
			depth++;
		else if (v[i] == ')' && --depth == 0)
			return i + 1;
	}
	return len;
}

static int
rfc5322_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Add the addr-spec found in v[s, e): the text without comments and
 * folding, trimmed. Its span is that of the first to the last kept byte. */
static void
rfc5322_add(const char *v, size_t s, size_t e, struct rfc5322_addrs *out)
{
	struct buf b = { 0 };
	size_t i, first = e, last = s, q;

	for (i = s; i < e;) {
		if (v[i] == '(') {
			i = rfc5322_skip(v, e, i);
		} else if (rfc5322_is_space(v[i])) {
			i++;
		} else {
			q = v[i] == '"' ? rfc5322_skip(v, e, i) : i + 1;
			if (first == e)
				first = i;
			buf_append(&b, v + i, q - i);
			last = q;
			i = q;
		}
	}
	if (b.len == 0) {
		buf_free(&b);
		return;
	}
	out->v = xrealloc(out->v, (out->n + 1) * sizeof(out->v[0]));
	out->v[out->n].addr = buf_steal(&b);
	out->v[out->n].start = first;
	out->v[out->n].end = last;
	out->n++;
}

/* One mailbox in v[s, e): "Name <addr>" or a bare addr-spec. */
static void
rfc5322_mailbox(const char *v, size_t s, size_t e, struct rfc5322_addrs *out)
{
	size_t i, lt = e, gt = e, colon;

	for (i = s; i < e; i++) {
		if (v[i] == '"' || v[i] == '(') {
			i = rfc5322_skip(v, e, i) - 1;
		} else if (v[i] == '<' && lt == e) {
			lt = i;
		} else if (v[i] == '>' && lt != e) {
			gt = i;
			break;
		}
	}
	if (lt == e) {
		rfc5322_add(v, s, e, out);
		return;
	}
	/* Drop an obsolete source route "<@a,@b:user@c>". */
	colon = lt + 1;
	if (colon < gt && v[colon] == '@') {
		while (colon < gt && v[colon] != ':')
			colon++;
		if (colon < gt)
			lt = colon;
	}
	rfc5322_add(v, lt + 1, gt, out);
}

void
rfc5322_parse_addrs(const char *v, size_t len, struct rfc5322_addrs *out)
{
	size_t i, start = 0;
	int angle = 0;

	for (i = 0; i <= len; i++) {
		if (i < len && (v[i] == '"' || v[i] == '(' || v[i] == '[')) {
			i = rfc5322_skip(v, len, i) - 1;
			continue;
		}
		if (i < len && v[i] == '<')
			angle = 1;
		else if (i < len && v[i] == '>')
			angle = 0;
		if (i < len && angle)
			continue;
		if (i < len && v[i] == ':') {
			start = i + 1; /* a group's display name ends here */
		} else if (i == len || v[i] == ',' || v[i] == ';') {
			rfc5322_mailbox(v, start, i, out);
			start = i + 1;
		}
	}
}

void
rfc5322_addrs_free(struct rfc5322_addrs *a)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		free(a->v[i].addr);
	free(a->v);
	a->v = NULL;
	a->n = 0;
}

void
rfc5322_date(time_t t, char *out, size_t size)
{
	static const char days[7][4] = { "Sun", "Mon", "Tue", "Wed",
					 "Thu", "Fri", "Sat" };
	static const char months[12][4] = { "Jan", "Feb", "Mar", "Apr",
					    "May", "Jun", "Jul", "Aug",
					    "Sep", "Oct", "Nov", "Dec" };
	struct tm tm;
	long off;

	localtime_r(&t, &tm);
	off = tm.tm_gmtoff / 60;
	snprintf(out, size, "%s, %d %s %d %02d:%02d:%02d %c%02ld%02ld",
		 days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon],
		 tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 off < 0 ? '-' : '+', labs(off) / 60, labs(off) % 60);
}
