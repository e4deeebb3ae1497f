/* log.c - everything dsmtp tells people and syslog
 *
 * Owns: stderr diagnostics, the -v transcript with redaction, syslog and
 *       logfile delivery lines (key=value), keeping control characters
 *       from peers out of all of them.
 * Not:  deciding what failed (callers), exit codes (main). */

#include <config.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <time.h>

#include <unistr.h>

#include "buf.h"
#include "i18n.h"
#include "log.h"
#include "xmalloc.h"

static int log_verbose_on;
static int log_syslog_facility = -1;
static char *log_file_path;
static char *log_time_format;

/* Octets of the character at p (n > 0 of them left); *bad is set when
 * they are a control character: C0, DEL, C1 encoded in UTF-8, or a lone
 * octet 0x80-0x9f (a C1 control for an 8-bit terminal). Other octets
 * outside valid UTF-8 pass, one at a time: terminals show them as text. */
static size_t
log_char(const unsigned char *p, size_t n, int *bad)
{
	ucs4_t uc;
	int k;

	*bad = *p < 0x20 || *p == 0x7f;
	if (*p < 0x80)
		return 1;
	k = u8_mbtoucr(&uc, p, n);
	if (k > 0) {
		*bad = uc < 0xa0;
		return (size_t)k;
	}
	*bad = *p < 0xa0;
	return 1;
}

/* Append s with each control character replaced: by '?', or with escape
 * set by "\xNN" per octet. */
static void
log_clean(struct buf *b, const char *s, size_t n, int escape)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t k, i;
	int bad;

	while (n > 0) {
		k = log_char(p, n, &bad);
		if (!bad)
			buf_append(b, p, k);
		else if (!escape)
			buf_append_char(b, '?');
		else
			for (i = 0; i < k; i++)
				buf_printf(b, "\\x%02x", p[i]);
		p += k;
		n -= k;
	}
}

void
log_printable(struct buf *b, const char *s, size_t n)
{
	log_clean(b, s, n, 0);
}

void
log_diag(const char *fmt, ...)
{
	va_list ap;
	struct buf text = { 0 }, b = { 0 };

	va_start(ap, fmt);
	buf_vprintf(&text, fmt, ap);
	va_end(ap);
	buf_append_str(&b, "dsmtp: ");
	log_printable(&b, text.data, text.len);
	buf_append_char(&b, '\n');
	fwrite(b.data, 1, b.len, stderr);
	fflush(stderr);
	buf_free(&text);
	buf_free(&b);
}

void
log_set_verbose(int on)
{
	log_verbose_on = on;
}

int
log_verbose(void)
{
	return log_verbose_on;
}

/* Length of the part of an AUTH command that may be shown: "AUTH MECH". */
static size_t
log_auth_visible(const char *line, size_t len)
{
	size_t i;

	if (len < 5 || strncasecmp(line, "AUTH ", 5) != 0)
		return len;
	for (i = 5; i < len && line[i] != ' '; i++)
		;
	return i;
}

void
log_transcript(char dir, const char *line, size_t len)
{
	struct buf b = { 0 };
	size_t show;

	if (!log_verbose_on)
		return;
	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	show = dir == '>' ? log_auth_visible(line, len) : len;
	buf_append_str(&b, dir == '>' ? "--> " : "<-- ");
	log_printable(&b, line, show);
	if (show < len)
		buf_append_str(&b, " <redacted>");
	buf_append_char(&b, '\n');
	fwrite(b.data, 1, b.len, stderr);
	buf_free(&b);
}

void
log_open(const struct log_config *cfg)
{
	log_close();
	if (cfg->syslog_facility >= 0) {
		log_syslog_facility = cfg->syslog_facility;
		openlog("dsmtp", LOG_PID, log_syslog_facility);
	}
	if (cfg->logfile != NULL)
		log_file_path = xstrdup(cfg->logfile);
	log_time_format = xstrdup(cfg->time_format ? cfg->time_format
						   : "%b %d %H:%M:%S");
}

void
log_close(void)
{
	if (log_syslog_facility >= 0)
		closelog();
	log_syslog_facility = -1;
	free(log_file_path);
	log_file_path = NULL;
	free(log_time_format);
	log_time_format = NULL;
}

int
log_facility(const char *name)
{
	static const struct {
		const char *name;
		int value;
	} map[] = {
		{ "mail", LOG_MAIL },     { "user", LOG_USER },
		{ "daemon", LOG_DAEMON }, { "local0", LOG_LOCAL0 },
		{ "local1", LOG_LOCAL1 }, { "local2", LOG_LOCAL2 },
		{ "local3", LOG_LOCAL3 }, { "local4", LOG_LOCAL4 },
		{ "local5", LOG_LOCAL5 }, { "local6", LOG_LOCAL6 },
		{ "local7", LOG_LOCAL7 },
	};
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcasecmp(name, map[i].name) == 0 ||
		    (strncasecmp(name, "LOG_", 4) == 0 &&
		     strcasecmp(name + 4, map[i].name) == 0))
			return map[i].value;
	return -1;
}

/* Append value, quoted when it holds spaces, quotes or '=', with control
 * characters escaped so one record stays one line. */
static void
log_append_value(struct buf *b, const char *v)
{
	int quote = *v == '\0' || strpbrk(v, " \t\"=\\") != NULL;
	size_t n;

	if (quote)
		buf_append_char(b, '"');
	while (*v) {
		n = strcspn(v, "\"\\");
		log_clean(b, v, n, 1);
		v += n;
		if (*v)
			buf_printf(b, "\\%c", *v++);
	}
	if (quote)
		buf_append_char(b, '"');
}

void
log_kv(struct buf *b, const char *key, const char *value)
{
	if (b->len > 0)
		buf_append_char(b, ' ');
	buf_printf(b, "%s=", key);
	log_append_value(b, value);
}

char *
log_format(const struct log_record *r)
{
	struct buf b = { 0 }, v = { 0 };
	size_t i;

	log_kv(&b, "id", r->id ? r->id : "none");
	log_kv(&b, "from", r->from && *r->from ? r->from : "<>");
	for (i = 0; i < r->nto; i++)
		buf_printf(&v, "%s%s", i ? "," : "", r->to[i]);
	log_kv(&b, "to", buf_cstr(&v));
	buf_reset(&v);
	if (r->relay_host != NULL) {
		buf_append_str(&v, r->relay_host);
		if (r->relay_ip != NULL)
			buf_printf(&v, "[%s]", r->relay_ip);
		buf_printf(&v, ":%d", r->relay_port);
		log_kv(&b, "relay", buf_cstr(&v));
	}
	log_kv(&b, "tls", r->tls ? r->tls : "none");
	if (r->tls_policy != NULL) {
		log_kv(&b, "tls_policy", r->tls_policy);
		log_kv(&b, "verified", r->verified ? "yes" : "no");
	}
	log_kv(&b, "auth", r->auth ? r->auth : "none");
	if (r->dkim != NULL)
		log_kv(&b, "dkim", r->dkim);
	buf_printf(&b, " size=%lld delay=%.2f attempt=%d", r->size, r->delay,
		   r->attempt);
	log_kv(&b, "status", r->status);
	if (r->smtp != NULL)
		log_kv(&b, "smtp", r->smtp);
	buf_free(&v);
	return buf_steal(&b);
}

static void
log_to_file(const char *line)
{
	static int complained;
	char stamp[128];
	time_t now = time(NULL);
	struct tm tm;
	FILE *f;

	/* msmtp's "logfile -" means standard output; in dsmtp standard
	 * output must stay clean, so it means standard error. */
	f = strcmp(log_file_path, "-") == 0 ? stderr : fopen(log_file_path, "a");
	if (f == NULL) {
		if (!complained)
			log_diag(_("cannot open logfile %s: %s"), log_file_path,
				 strerror(errno));
		complained = 1;
		return;
	}
	localtime_r(&now, &tm);
	/* The format is the user's logfile_time_format, as in msmtp. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	if (strftime(stamp, sizeof(stamp), log_time_format, &tm) == 0)
		stamp[0] = '\0';
#pragma GCC diagnostic pop
	fprintf(f, "%s %s\n", stamp, line);
	if (f == stderr)
		fflush(f);
	else
		fclose(f);
}

void
log_note(const char *id, const char *what)
{
	struct buf b = { 0 };

	log_kv(&b, "id", id ? id : "none");
	buf_append_char(&b, ' ');
	log_clean(&b, what, strlen(what), 1);
	if (log_syslog_facility >= 0)
		syslog(log_syslog_facility | LOG_INFO, "%s", b.data);
	if (log_file_path != NULL)
		log_to_file(b.data);
	buf_free(&b);
}

void
log_delivery(const struct log_record *r)
{
	char *line = log_format(r);
	int prio = strcmp(r->status, "sent") == 0 ? LOG_INFO : LOG_ERR;

	if (log_syslog_facility >= 0)
		syslog(log_syslog_facility | prio, "%s", line);
	if (log_file_path != NULL)
		log_to_file(line);
	free(line);
}
