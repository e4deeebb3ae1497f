/* log.h - diagnostics, -v transcripts, and delivery log lines */
#ifndef DSMTP_LOG_H
#define DSMTP_LOG_H

#include <stddef.h>

/* Where delivery lines go. syslog_facility < 0 means no syslog. */
struct log_config {
	int syslog_facility;
	const char *logfile;     /* NULL: none */
	const char *time_format; /* strftime format for logfile lines */
};

/* One delivery attempt to one destination (spec section 6). Pointers are
 * borrowed; NULL strings are logged as "none" or omitted as noted. */
struct log_record {
	const char *id;
	const char *from;
	const char *const *to;
	size_t nto;
	const char *relay_host;
	const char *relay_ip;   /* omitted when NULL */
	int relay_port;
	const char *tls;        /* "none" when NULL */
	const char *tls_policy; /* MX delivery: which policy applied
	                         * (opportunistic, verify, dane, mta-sts);
	                         * omitted with verified when NULL */
	int verified;           /* the server was authenticated */
	const char *auth;       /* "none" when NULL */
	const char *dkim;       /* omitted when NULL */
	long long size;
	double delay;
	int attempt;
	const char *status;     /* sent, deferred, bounced, expired */
	const char *smtp;       /* last reply, omitted when NULL */
};

/* Append s (n octets) to b with every control character replaced by
 * '?': C0 (TAB, CR and LF included), DEL, C1 (U+0080-U+009F in UTF-8)
 * and lone octets 0x80-0x9f outside a valid UTF-8 sequence. Text quoted
 * from a peer thus cannot drive the terminal (ESC, CSI, OSC, BEL) or
 * start a new line. Other text, valid UTF-8 included, is kept. */
struct buf;
void log_printable(struct buf *b, const char *s, size_t n);

/* Print "dsmtp: <text>" and a newline on stderr, text made printable as
 * log_printable does. */
void log_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Turn the -v protocol transcript on stderr on or off. */
void log_set_verbose(int on);
int log_verbose(void);
/* Show one protocol line in the transcript when verbose. dir is '<' for
 * received, '>' for sent. AUTH arguments are shown as <redacted>; control
 * characters as '?' (log_printable). */
void log_transcript(char dir, const char *line, size_t len);

/* Open the destinations; may be called again to change them. A logfile
 * that cannot be opened is reported on stderr once and then ignored. */
void log_open(const struct log_config *cfg);
void log_close(void);

/* Format r as key=value pairs into out (NUL-terminated, caller frees).
 * Control characters in values (as log_printable defines them) are
 * written as \xNN, one per octet. */
char *log_format(const struct log_record *r);
/* Append " key=value" to b (no space when b is empty), the value quoted
 * and escaped as log_format does, so it can add no key of its own. */
void log_kv(struct buf *b, const char *key, const char *value);
/* Send r to syslog and/or the logfile. */
void log_delivery(const struct log_record *r);

/* Log "id=<id> <what>" (what: key=value pairs) to syslog and the logfile,
 * for events that are not a delivery attempt; control characters in what
 * are written as \xNN. */
void log_note(const char *id, const char *what);

/* Map a syslog facility name (mail, user, local0..7, daemon) to its value,
 * -1 when unknown. */
int log_facility(const char *name);

#endif
