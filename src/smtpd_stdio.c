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
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <unistd.h>

#include "addr.h"
#include "buf.h"
#include "log.h"
#include "smtpd_stdio.h"
#include "submit.h"
#include "xmalloc.h"

#define SMTPD_LINE_MAX 4096

struct smtpd {
	int in, out;
	struct buf inbuf;
	int eof;
	int write_failed;
	const struct cli_opts *cli;
	const struct config *cfg;
	char *from;          /* NULL: no MAIL yet */
	struct strlist rcpts;
	char *host;
};

static void
smtpd_reply(struct smtpd *d, const char *text)
{
	size_t len = strlen(text), off = 0;
	ssize_t n;

	while (off < len && !d->write_failed) {
		n = write(d->out, text + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			d->write_failed = 1;
		else
			off += (size_t)n;
	}
}

/* Read one line (without its end) into line; 0, or -1 at end of input.
 * An over-long line is cut and flagged with *toolong. */
static int
smtpd_line(struct smtpd *d, struct buf *line, int *toolong)
{
	char chunk[4096], *nl;
	ssize_t n;
	size_t len;

	*toolong = 0;
	while ((nl = memchr(d->inbuf.data ? d->inbuf.data : "", '\n',
			    d->inbuf.len)) == NULL) {
		if (d->eof)
			return -1;
		n = read(d->in, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			d->eof = 1;
		else
			buf_append(&d->inbuf, chunk, (size_t)n);
	}
	len = (size_t)(nl - d->inbuf.data);
	buf_reset(line);
	buf_append(line, d->inbuf.data, len && nl[-1] == '\r' ? len - 1 : len);
	buf_consume(&d->inbuf, len + 1);
	if (line->len > SMTPD_LINE_MAX)
		*toolong = 1;
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

/* Copy the data lines, unstuffed, into a temporary file; -1 when input
 * ended before the final dot. */
static int
smtpd_collect(struct smtpd *d, int fd)
{
	struct buf line = { 0 };
	int toolong, rc = -1;
	const char *p;

	while (smtpd_line(d, &line, &toolong) == 0) {
		p = buf_cstr(&line);
		if (line.len == 1 && p[0] == '.') {
			rc = 0;
			break;
		}
		if (p[0] == '.')
			p++;
		if (write(fd, p, strlen(p)) < 0 || write(fd, "\r\n", 2) < 0)
			break;
	}
	buf_free(&line);
	return rc;
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

static void
smtpd_data(struct smtpd *d)
{
	struct submit_envelope env = { d->from, &d->rcpts };
	struct err e = { 0 };
	char *reply;
	int fd;

	if (d->rcpts.n == 0) {
		smtpd_reply(d, "503 5.5.1 RCPT first\r\n");
		return;
	}
	fd = open("/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	smtpd_reply(d, "354 End data with <CR><LF>.<CR><LF>\r\n");
	if (smtpd_collect(d, fd < 0 ? open("/dev/null", O_WRONLY) : fd) < 0) {
		if (fd >= 0)
			close(fd);
		return;
	}
	if (fd < 0 || lseek(fd, 0, SEEK_SET) < 0) {
		smtpd_reply(d, "451 4.3.0 Cannot store the message\r\n");
	} else if (submit_message(d->cli, d->cfg, fd, &env, &e) == 0) {
		smtpd_reply(d, "250 2.0.0 Ok: delivered\r\n");
	} else {
		reply = xasprintf("%s %s\r\n", smtpd_failure_reply(&e),
				  e.msg ? e.msg : "failed");
		reply[strcspn(reply, "\r\n")] = '\0';
		log_diag("%s", e.msg ? e.msg : "failed");
		smtpd_reply(d, reply);
		smtpd_reply(d, "\r\n");
		free(reply);
	}
	if (fd >= 0)
		close(fd);
	err_clear(&e);
	smtpd_reset(d);
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

int
smtpd_stdio_run(const struct cli_opts *cli, const struct config *cfg,
		int in_fd, int out_fd)
{
	struct smtpd d = { 0 };
	struct buf line = { 0 };
	char *greeting;
	int toolong, quit = 0;

	d.in = in_fd;
	d.out = out_fd;
	d.cli = cli;
	d.cfg = cfg;
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
	buf_free(&d.inbuf);
	free(d.host);
	return d.write_failed ? EX_IOERR : 0;
}
