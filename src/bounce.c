/* bounce.c - delivery status notifications (RFC 3464)
 *
 * Owns: the text of a notification: its header fields, the part for
 *       people, the machine-readable message/delivery-status part, the
 *       returned header section or message, the Status: code of a reply.
 * Not:  deciding to bounce or when (the runner), queueing it (queue),
 *       the null-sender rule's enforcement at submission.
 *
 * The text is English on purpose: it goes to whoever sent the mail, in
 * a language the reporting host's locale says nothing about, and ASCII
 * keeps it deliverable through relays without 8BITMIME. */

#include <config.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "bounce.h"
#include "i18n.h"
#include "rfc5322.h"

/* The returned header section is cut here (its intake cap is far below). */
#define BOUNCE_HEADER_LIMIT (256 * 1024)
/* Diagnostic text kept per recipient, so no line nears 998 octets. */
#define BOUNCE_DIAG_MAX 800

int
bounce_wanted(const char *sender)
{
	return sender != NULL && sender[0] != '\0';
}

/* 1 when s starts with an enhanced code "C.N.N" (RFC 3463) of class c:
 * subject 1-3 digits, detail 1-3 digits, then a blank or the end. */
static size_t
bounce_enhanced(const char *s, char c)
{
	size_t i = 2, d;

	if (s[0] != c || s[1] != '.')
		return 0;
	for (d = 0; s[i] >= '0' && s[i] <= '9'; i++, d++)
		;
	if (d < 1 || d > 3 || s[i++] != '.')
		return 0;
	for (d = 0; s[i] >= '0' && s[i] <= '9'; i++, d++)
		;
	if (d < 1 || d > 3 || (s[i] != '\0' && s[i] != ' '))
		return 0;
	return i;
}

void
bounce_status(const char *reply, enum bounce_action action, char *out,
              size_t size)
{
	char cls = action == BOUNCE_FAILED    ? '5'
	           : action == BOUNCE_RELAYED ? '2'
	                                      : '4';
	size_t n;

	if (reply != NULL && (reply[0] == '4' || reply[0] == '5' ||
	                      (reply[0] == '2' && action == BOUNCE_RELAYED)) &&
	    reply[1] >= '0' && reply[1] <= '9' && reply[2] >= '0' &&
	    reply[2] <= '9' && (reply[3] == ' ' || reply[3] == '-')) {
		cls = reply[0];
		n = bounce_enhanced(reply + 4, cls);
		if (n > 0 && n < size && n <= 16) {
			memcpy(out, reply + 4, n);
			out[n] = '\0';
			return;
		}
	}
	/* No server said it (a null MX, a domain that does not exist): the
	 * reason may open with its own enhanced code. */
	if (reply != NULL && reply[0] == cls &&
	    (n = bounce_enhanced(reply, cls)) > 0 && n < size && n <= 16) {
		memcpy(out, reply, n);
		out[n] = '\0';
		return;
	}
	/* An expired message failed for good, whatever its last reply. */
	if (action == BOUNCE_EXPIRED)
		cls = '4';
	snprintf(out, size, "%c.0.0", cls);
}

static const char *
bounce_action_word(enum bounce_action a)
{
	return a == BOUNCE_DELAYED   ? "delayed"
	       : a == BOUNCE_RELAYED ? "relayed"
	                             : "failed";
}

static void
bounce_headers(const struct bounce_info *b, const char *boundary,
               struct buf *out)
{
	char date[64];
	static const char *const subjects[] = {
	        [BOUNCE_FAILED] = "Undelivered Mail Returned to Sender",
	        [BOUNCE_EXPIRED] = "Undelivered Mail Returned to Sender",
	        [BOUNCE_DELAYED] = "Delayed Mail (still being retried)",
	        [BOUNCE_RELAYED] = "Delivery Report: passed on to the relay",
	};

	rfc5322_date(b->now, date, sizeof(date));
	buf_printf(out, "From: Mail Delivery System <%s>\r\n", b->postmaster);
	buf_printf(out, "To: <%s>\r\n", b->sender);
	buf_printf(out, "Subject: %s\r\n", subjects[b->action]);
	buf_printf(out, "Date: %s\r\n", date);
	buf_printf(out, "Message-ID: <%s.dsn.%jd@%s>\r\n", b->queue_id,
	           (intmax_t)b->now, b->reporting_mta);
	buf_printf(out, "Auto-Submitted: auto-replied\r\n");
	buf_printf(out, "MIME-Version: 1.0\r\n");
	buf_printf(out,
	           "Content-Type: multipart/report; "
	           "report-type=delivery-status;\r\n\tboundary=\"%s\"\r\n",
	           boundary);
	buf_printf(out, "\r\nThis is a MIME-encapsulated message.\r\n\r\n");
}

/* Text without CR/LF/controls, at most max bytes (cut at a UTF-8 start). */
static void
bounce_clean(struct buf *out, const char *s, size_t max)
{
	size_t i, n = strlen(s);

	if (n > max) {
		n = max;
		while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--;
	}
	for (i = 0; i < n; i++)
		buf_append_char(out,
		                ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
		                        ? ' '
		                        : s[i]);
}

static void
bounce_human(const struct bounce_info *b, const char *boundary, struct buf *out)
{
	size_t i;

	buf_printf(out,
	           "--%s\r\nContent-Description: Notification\r\n"
	           "Content-Type: text/plain; charset=us-ascii\r\n\r\n",
	           boundary);
	buf_printf(out, "This is the mail system at %s.\r\n\r\n",
	           b->reporting_mta);
	if (b->action == BOUNCE_RELAYED)
		buf_append_str(out, "Your message was passed on for the "
		                    "recipients below to a relay\r\nthat "
		                    "does not report deliveries; this is the "
		                    "last report\r\nyou will get about "
		                    "them.\r\n\r\n");
	else if (b->action == BOUNCE_DELAYED)
		buf_append_str(out, "Your message could not be delivered to "
		                    "the recipients below yet.\r\nIt is "
		                    "still queued and will be retried; you "
		                    "need not send it again.\r\n\r\n");
	else if (b->action == BOUNCE_EXPIRED)
		buf_append_str(out, "Your message could not be delivered to "
		                    "the recipients below before it\r\n"
		                    "expired; delivery has stopped.\r\n\r\n");
	else
		buf_append_str(out, "Your message could not be delivered to "
		                    "the recipients below; the\r\nreceiving "
		                    "side refused it for good.\r\n\r\n");
	for (i = 0; i < b->nrcpts; i++) {
		buf_printf(out, "<%s>: ", b->rcpts[i].addr);
		bounce_clean(out,
		             b->rcpts[i].reply ? b->rcpts[i].reply : "no reply",
		             BOUNCE_DIAG_MAX);
		buf_append_str(out, "\r\n");
	}
	buf_append_str(out, "\r\n");
}

static void
bounce_status_part(const struct bounce_info *b, const char *boundary,
                   struct buf *out)
{
	char date[64], status[17];
	const struct bounce_rcpt *r;
	size_t i;

	rfc5322_date(b->arrival, date, sizeof(date));
	buf_printf(out,
	           "--%s\r\nContent-Description: Delivery report\r\n"
	           "Content-Type: message/delivery-status\r\n\r\n",
	           boundary);
	buf_printf(out, "Reporting-MTA: dns; %s\r\n", b->reporting_mta);
	buf_printf(out, "X-Dsmtp-Queue-ID: %s\r\n", b->queue_id);
	if (b->envid != NULL)
		buf_printf(out, "Original-Envelope-Id: %s\r\n", b->envid);
	buf_printf(out, "Arrival-Date: %s\r\n", date);
	for (i = 0; i < b->nrcpts; i++) {
		r = &b->rcpts[i];
		bounce_status(r->reply, b->action, status, sizeof(status));
		buf_printf(out, "\r\nFinal-Recipient: rfc822; %s\r\n", r->addr);
		buf_printf(out, "Action: %s\r\nStatus: %s\r\n",
		           bounce_action_word(b->action), status);
		if (r->remote_mta != NULL)
			buf_printf(out, "Remote-MTA: dns; %s\r\n",
			           r->remote_mta);
		if (r->reply != NULL) {
			buf_append_str(out, "Diagnostic-Code: smtp; ");
			bounce_clean(out, r->reply, BOUNCE_DIAG_MAX);
			buf_append_str(out, "\r\n");
		}
	}
	buf_append_str(out, "\r\n");
}

/* Read [offset, offset + n) of fd into out; 0, or -1. */
static int
bounce_read(int fd, off_t offset, size_t n, struct buf *out)
{
	char chunk[16384];
	ssize_t got;
	size_t want;

	while (n > 0) {
		want = n < sizeof(chunk) ? n : sizeof(chunk);
		got = pread(fd, chunk, want, offset);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return -1;
		buf_append(out, chunk, (size_t)got);
		offset += got;
		n -= (size_t)got;
	}
	return 0;
}

/* 1 when the n bytes at p are all 7-bit. */
static int
bounce_7bit(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)p[i] >= 0x80)
			return 0;
	return 1;
}

/* The original: whole (RET=FULL, small and 7-bit, so the notification
 * needs no 8BITMIME), or its header section up to the blank line. */
static int
bounce_original(const struct bounce_info *b, int fd, off_t offset, off_t size,
                const char *boundary, struct buf *out)
{
	struct buf body = {0};
	int whole = b->full && size <= BOUNCE_FULL_LIMIT;
	size_t n = (size_t)(size < BOUNCE_HEADER_LIMIT ? size
	                                               : BOUNCE_HEADER_LIMIT);
	const char *end;

	if (whole)
		n = (size_t)size;
	if (bounce_read(fd, offset, n, &body) < 0) {
		buf_free(&body);
		return -1;
	}
	if (whole && !bounce_7bit(body.data, body.len))
		whole = 0;
	buf_printf(out,
	           "--%s\r\nContent-Description: %s\r\n"
	           "Content-Type: %s\r\n\r\n",
	           boundary,
	           whole ? "Undelivered message"
	                 : "Undelivered message headers",
	           whole ? "message/rfc822" : "text/rfc822-headers");
	if (!whole) {
		end = body.len ? memmem(body.data, body.len, "\r\n\r\n", 4)
		               : NULL;
		if (end != NULL)
			body.len = (size_t)(end - body.data) + 2;
		else if (body.len > 0 && body.data[body.len - 1] != '\n') {
			if (body.data[body.len - 1] == '\r')
				body.len--;
			buf_append_str(&body, "\r\n");
		}
	}
	buf_append(out, body.data, body.len);
	buf_free(&body);
	buf_printf(out, "\r\n--%s--\r\n", boundary);
	return 0;
}

int
bounce_make(const struct bounce_info *b, int fd, off_t offset, off_t size,
            struct buf *out, struct err *e)
{
	unsigned char r[8];
	char boundary[64];

	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
		memset(r, 0x5a, sizeof(r));
	snprintf(boundary, sizeof(boundary),
	         "=_%s/%02x%02x%02x%02x%02x%02x%02x%02x", b->queue_id, r[0],
	         r[1], r[2], r[3], r[4], r[5], r[6], r[7]);
	bounce_headers(b, boundary, out);
	bounce_human(b, boundary, out);
	bounce_status_part(b, boundary, out);
	if (bounce_original(b, fd, offset, size, boundary, out) < 0) {
		err_set(e, ERR_IO, _("cannot read the message to return: %s"),
		        strerror(errno));
		return -1;
	}
	return 0;
}
