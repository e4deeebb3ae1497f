/* smtpd_stdio.c - sendmail -bs: an SMTP server on stdin and stdout
 *
 * Owns: the server side of the dialogue used by Alpine, Symfony and
 *       Laravel: greeting, EHLO/HELO, MAIL, RCPT, DATA with
 *       dot-unstuffing, RSET, NOOP, VRFY, QUIT, several transactions.
 * Not:  what happens to an accepted message (submit.c). */

#include <config.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <unistd.h>

#include "addr.h"
#include "bounce.h"
#include "buf.h"
#include "i18n.h"
#include "log.h"
#include "queue.h"
#include "smtpd_stdio.h"
#include "submit.h"
#include "xmalloc.h"

/* RFC 5321 4.5.3.1.4: a command line is at most 512 octets with CRLF. */
#define SMTPD_CMD_MAX 512
#define SMTPD_IN (64 * 1024)

struct smtpd {
	int in, out;
	char ibuf[SMTPD_IN];  /* read ahead: pipelined commands, data */
	size_t ipos, ilen;
	int eof;
	int write_failed;
	smtpd_submit_fn submit;
	void *ctx;
	char *from;          /* NULL: no MAIL yet */
	struct strlist rcpts;
	char *host;
};

/* Write all of p; -1 when the descriptor fails. */
static int
smtpd_write_all(int fd, const char *p, size_t len)
{
	size_t off = 0;
	ssize_t n;

	while (off < len) {
		n = write(fd, p + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		off += (size_t)n;
	}
	return 0;
}

static void
smtpd_reply(struct smtpd *d, const char *text)
{
	if (!d->write_failed &&
	    smtpd_write_all(d->out, text, strlen(text)) < 0)
		d->write_failed = 1;
}

/* Read until want bytes, an LF, the end of input or a full buffer is at
 * hand; returns the bytes at hand. */
static size_t
smtpd_fill(struct smtpd *d, size_t want)
{
	ssize_t n;

	while (d->ilen - d->ipos < want && !d->eof &&
	       memchr(d->ibuf + d->ipos, '\n', d->ilen - d->ipos) == NULL) {
		memmove(d->ibuf, d->ibuf + d->ipos, d->ilen - d->ipos);
		d->ilen -= d->ipos;
		d->ipos = 0;
		n = read(d->in, d->ibuf + d->ilen, sizeof(d->ibuf) - d->ilen);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			d->eof = 1;
		else
			d->ilen += (size_t)n;
	}
	return d->ilen - d->ipos;
}

/* The next piece of the current line, its LF included when *eol; a line
 * of any length comes in pieces of at most the buffer. 0 at the end of
 * input. Borrows *p until the next call. */
static size_t
smtpd_piece(struct smtpd *d, const char **p, int *eol)
{
	size_t avail = smtpd_fill(d, 1), len;
	const char *nl;

	*p = d->ibuf + d->ipos;
	nl = memchr(*p, '\n', avail);
	len = nl ? (size_t)(nl - *p) + 1 : avail;
	*eol = nl != NULL;
	d->ipos += len;
	return len;
}

/* Read one command line (without its end) into line; 0, or -1 at end of
 * input. A line over SMTPD_CMD_MAX is read to its end but not kept, and
 * flagged with *toolong. */
static int
smtpd_line(struct smtpd *d, struct buf *line, int *toolong)
{
	const char *p;
	size_t n;
	int eol = 0;

	*toolong = 0;
	buf_reset(line);
	while (!eol) {
		n = smtpd_piece(d, &p, &eol);
		if (n == 0)
			return -1;
		if (line->len + n > SMTPD_CMD_MAX)
			*toolong = 1;
		else
			buf_append(line, p, n);
	}
	if (*toolong)
		buf_reset(line);
	while (line->len > 0 && (line->data[line->len - 1] == '\n' ||
				 line->data[line->len - 1] == '\r'))
		line->len--;
	buf_cstr(line);
	line->data[line->len] = '\0';
	return 0;
}

int
smtpd_parse_path(const char *arg, const char *keyword, char **addr,
		 const char **params)
{
	size_t klen = strlen(keyword);
	const char *p = arg, *lt, *gt;

	if (strncasecmp(p, keyword, klen) != 0)
		return -1;
	p += klen;
	p += strspn(p, " ");
	lt = p;
	if (*lt != '<' || (gt = strchr(lt, '>')) == NULL)
		return -1;
	*addr = xstrndup(lt + 1, (size_t)(gt - lt - 1));
	*params = gt + 1 + strspn(gt + 1, " ");
	return 0;
}

static void
smtpd_reset(struct smtpd *d)
{
	free(d->from);
	d->from = NULL;
	strlist_free(&d->rcpts);
}

static void
smtpd_mail(struct smtpd *d, const char *arg)
{
	const char *params;
	char *addr = NULL;
	struct err e = { 0 };

	if (d->from != NULL) {
		smtpd_reply(d, "503 5.5.1 MAIL already given\r\n");
	} else if (smtpd_parse_path(arg, "FROM:", &addr, &params) < 0) {
		smtpd_reply(d, "501 5.5.4 Syntax: MAIL FROM:<address>\r\n");
	} else if (addr_check(addr, "sender", &e) < 0) {
		smtpd_reply(d, "553 5.1.7 Invalid sender address\r\n");
	} else {
		d->from = addr;
		addr = NULL;
		smtpd_reply(d, "250 2.1.0 Ok\r\n");
	}
	free(addr);
	err_clear(&e);
}

static void
smtpd_rcpt(struct smtpd *d, const char *arg)
{
	const char *params;
	char *addr = NULL;
	struct err e = { 0 };

	if (d->from == NULL) {
		smtpd_reply(d, "503 5.5.1 MAIL first\r\n");
	} else if (smtpd_parse_path(arg, "TO:", &addr, &params) < 0 ||
		   *addr == '\0') {
		smtpd_reply(d, "501 5.5.4 Syntax: RCPT TO:<address>\r\n");
	} else if (addr_check(addr, "recipient", &e) < 0) {
		smtpd_reply(d, "553 5.1.3 Invalid recipient address\r\n");
	} else {
		strlist_add(&d->rcpts, addr);
		smtpd_reply(d, "250 2.1.5 Ok\r\n");
	}
	free(addr);
	err_clear(&e);
}

/* Where the data lines go: a temporary file written in pieces. */
struct smtpd_sink {
	int fd;              /* -1: discard (the file could not be made) */
	struct buf pending;
	int failed;          /* a write failed */
	int nul;             /* a NUL byte arrived */
};

static void
smtpd_sink_flush(struct smtpd_sink *k)
{
	if (k->fd >= 0 && !k->failed &&
	    smtpd_write_all(k->fd, k->pending.data, k->pending.len) < 0)
		k->failed = 1;
	buf_reset(&k->pending);
}

static void
smtpd_sink_put(struct smtpd_sink *k, const char *p, size_t n)
{
	if (memchr(p, '\0', n) != NULL)
		k->nul = 1;
	buf_append(&k->pending, p, n);
	if (k->pending.len >= SMTPD_IN)
		smtpd_sink_flush(k);
}

/* 1 when the line at hand is the lone dot (taken), 0 when not (a
 * leading dot of a stuffed line taken), -1 at the end of input. */
static int
smtpd_dot(struct smtpd *d)
{
	size_t avail = smtpd_fill(d, 3);
	const char *p = d->ibuf + d->ipos;

	if (avail == 0)
		return -1;
	if (p[0] != '.')
		return 0;
	if ((avail >= 2 && p[1] == '\n') ||
	    (avail >= 3 && p[1] == '\r' && p[2] == '\n')) {
		d->ipos += p[1] == '\n' ? 2 : 3;
		return 1;
	}
	d->ipos++;
	return 0;
}

/* Copy the data lines, unstuffed, as they come (the line ends as sent:
 * message_read takes CRLF and LF alike); -1 when input ended before the
 * final dot. */
static int
smtpd_collect(struct smtpd *d, struct smtpd_sink *k)
{
	const char *p;
	size_t n;
	int eol, dot;

	while ((dot = smtpd_dot(d)) == 0) {
		eol = 0;
		while (!eol) {
			n = smtpd_piece(d, &p, &eol);
			if (n == 0)
				return -1;
			smtpd_sink_put(k, p, n);
		}
	}
	smtpd_sink_flush(k);
	return dot > 0 ? 0 : -1;
}

static const char *
smtpd_failure_reply(const struct err *e)
{
	switch (e->cls) {
	case ERR_TEMP:
	case ERR_CONFIG:
	case ERR_OS:
	case ERR_IO:
	case ERR_CANTCREAT:
	case ERR_SOFTWARE:
	case ERR_PROTOCOL:
		return "451 4.3.0";
	default:
		return "554 5.0.0";
	}
}

/* The reply code for a failure: the relay's own code and enhanced code
 * when the failure quotes a relay reply of the same class ("550 5.1.1"
 * stays 5.1.1: a client that reads enhanced codes learns the real
 * reason), else smtpd_failure_reply's generic one. */
static void
smtpd_failure_code(const struct err *e, char *out, size_t size)
{
	const char *base = smtpd_failure_reply(e), *p;
	char enh[17];

	snprintf(out, size, "%s", base);
	for (p = e->msg; p != NULL && *p != '\0'; p++) {
		if ((p != e->msg && p[-1] != ' ' && p[-1] != ':') ||
		    p[0] != base[0] || !isdigit((unsigned char)p[1]) ||
		    !isdigit((unsigned char)p[2]) || p[3] != ' ')
			continue;
		bounce_status(p, base[0] == '5' ? BOUNCE_FAILED
						: BOUNCE_DELAYED, enh,
			      sizeof(enh));
		if (strcmp(enh + 1, ".0.0") != 0) {
			snprintf(out, size, "%.3s %s", p, enh);
			return;
		}
	}
}

/* A reply line from text cut at its first line end and at about 400
 * octets, so that it stays within RFC 5321's 512. */
static void
smtpd_reply_text(struct smtpd *d, const char *code, const char *text)
{
	char *r = xasprintf("%s %.400s", code, text);

	r[strcspn(r, "\r\n")] = '\0';
	smtpd_reply(d, r);
	smtpd_reply(d, "\r\n");
	free(r);
}

/* Some recipients were delivered, others not: the message is out, so
 * the truthful answer is 250 (a 5xx would make the client send it again
 * to those who have it). The ones left out are named in the reply, on
 * stderr and in the log. */
static void
smtpd_partial(struct smtpd *d, size_t delivered, const struct strlist *l)
{
	struct buf b = { 0 };
	size_t i;

	buf_printf(&b, "2.0.0 Ok: delivered to %zu of %zu recipients; "
		   "not delivered:", delivered, delivered + l->n);
	for (i = 0; i < l->n; i++) {
		log_diag(_("not delivered to %s"), l->v[i]);
		buf_printf(&b, "%s %.*s", i ? "," : "",
			   (int)strcspn(l->v[i], ":"), l->v[i]);
	}
	smtpd_reply_text(d, "250", buf_cstr(&b));
	buf_free(&b);
}

/* Hand the stored message to the submit function and answer its
 * outcome. */
static void
smtpd_deliver(struct smtpd *d, int fd)
{
	struct strlist refused = { 0 };
	size_t delivered = 0;
	char id[QUEUE_ID_MAX] = "", line[QUEUE_ID_MAX + 32];
	struct submit_envelope env = { d->from, &d->rcpts, &delivered,
				       &refused, id };
	struct err e = { 0 };

	if (d->submit(d->ctx, fd, &env, &e) == 0) {
		/* Committed: delivered now or later, the queue's to say. */
		snprintf(line, sizeof(line), "250 2.0.0 Ok: %s%s\r\n",
			 *id ? "queued as " : "delivered", id);
		smtpd_reply(d, line);
	} else if (delivered > 0 && e.cls != ERR_NONE && refused.n > 0) {
		smtpd_partial(d, delivered, &refused);
	} else {
		char code[32];

		smtpd_failure_code(&e, code, sizeof(code));
		log_diag("%s", e.msg ? e.msg : "failed");
		smtpd_reply_text(d, code, e.msg ? e.msg : "failed");
	}
	strlist_free(&refused);
	err_clear(&e);
}

static void
smtpd_data(struct smtpd *d)
{
	struct smtpd_sink k = { -1, { 0 }, 0, 0 };

	if (d->rcpts.n == 0) {
		smtpd_reply(d, "503 5.5.1 RCPT first\r\n");
		return;
	}
	k.fd = open("/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	smtpd_reply(d, "354 End data with <CR><LF>.<CR><LF>\r\n");
	if (smtpd_collect(d, &k) < 0)
		goto out;
	if (k.nul)
		smtpd_reply(d, "554 5.6.0 NUL bytes are not allowed in a "
			       "message\r\n");
	else if (k.fd < 0 || k.failed || lseek(k.fd, 0, SEEK_SET) < 0)
		smtpd_reply(d, "451 4.3.0 Cannot store the message\r\n");
	else
		smtpd_deliver(d, k.fd);
	smtpd_reset(d);
out:
	if (k.fd >= 0)
		close(k.fd);
	buf_free(&k.pending);
}

static void
smtpd_hello(struct smtpd *d, const char *verb)
{
	char *r;

	smtpd_reset(d);
	if (strcasecmp(verb, "HELO") == 0)
		r = xasprintf("250 %s\r\n", d->host);
	else
		r = xasprintf("250-%s\r\n250-PIPELINING\r\n250-8BITMIME\r\n"
			      "250-ENHANCEDSTATUSCODES\r\n250-SMTPUTF8\r\n"
			      "250 SIZE\r\n",
			      d->host);
	smtpd_reply(d, r);
	free(r);
}

/* Handle one command line; returns 1 after QUIT. */
static int
smtpd_command(struct smtpd *d, const char *line)
{
	size_t vlen = strcspn(line, " ");
	char verb[16];
	const char *arg = line + vlen + strspn(line + vlen, " ");

	if (vlen >= sizeof(verb))
		vlen = sizeof(verb) - 1;
	memcpy(verb, line, vlen);
	verb[vlen] = '\0';
	if (strcasecmp(verb, "EHLO") == 0 || strcasecmp(verb, "HELO") == 0)
		smtpd_hello(d, verb);
	else if (strcasecmp(verb, "MAIL") == 0)
		smtpd_mail(d, arg);
	else if (strcasecmp(verb, "RCPT") == 0)
		smtpd_rcpt(d, arg);
	else if (strcasecmp(verb, "DATA") == 0)
		smtpd_data(d);
	else if (strcasecmp(verb, "RSET") == 0)
		smtpd_reset(d), smtpd_reply(d, "250 2.0.0 Ok\r\n");
	else if (strcasecmp(verb, "NOOP") == 0)
		smtpd_reply(d, "250 2.0.0 Ok\r\n");
	else if (strcasecmp(verb, "VRFY") == 0)
		smtpd_reply(d, "252 2.5.2 Cannot VRFY; send some mail\r\n");
	else if (strcasecmp(verb, "QUIT") == 0) {
		smtpd_reply(d, "221 2.0.0 Bye\r\n");
		return 1;
	} else
		smtpd_reply(d, "500 5.5.2 Command not recognised\r\n");
	return 0;
}

void
smtpd_stdio_refuse(int out_fd, const struct err *e)
{
	struct smtpd d = { 0 };

	d.out = out_fd;
	smtpd_reply_text(&d, "554 5.3.5", e->msg ? e->msg : "not configured");
}

int
smtpd_stdio_serve(smtpd_submit_fn submit, void *ctx, int in_fd, int out_fd)
{
	struct smtpd d = { 0 };
	struct buf line = { 0 };
	char *greeting;
	int toolong, quit = 0;

	d.in = in_fd;
	d.out = out_fd;
	d.submit = submit;
	d.ctx = ctx;
	d.host = addr_default_domain();
	greeting = xasprintf("220 %s ESMTP dsmtp\r\n", d.host);
	smtpd_reply(&d, greeting);
	free(greeting);
	while (!quit && !d.write_failed && smtpd_line(&d, &line, &toolong) == 0)
		if (toolong)
			smtpd_reply(&d, "500 5.5.6 Line too long\r\n");
		else
			quit = smtpd_command(&d, buf_cstr(&line));
	smtpd_reset(&d);
	buf_free(&line);
	free(d.host);
	return d.write_failed ? EX_IOERR : 0;
}

struct smtpd_config {
	const struct cli_opts *cli;
	const struct config *cfg;
};

static int
smtpd_submit_configured(void *ctx, int fd, const struct submit_envelope *env,
			struct err *e)
{
	const struct smtpd_config *k = ctx;

	return submit_message(k->cli, k->cfg, fd, env, e);
}

int
smtpd_stdio_run(const struct cli_opts *cli, const struct config *cfg,
		int in_fd, int out_fd)
{
	struct smtpd_config k = { cli, cfg };

	return smtpd_stdio_serve(smtpd_submit_configured, &k, in_fd, out_fd);
}
