/* err.h - failure classes and the error record modules fill in */
#ifndef DSMTP_ERR_H
#define DSMTP_ERR_H

/* The class of a failure; main maps each to a sysexits code. */
enum err_class {
	ERR_NONE = 0,
	ERR_USAGE,       /* bad command line */
	ERR_DATA,        /* bad message or address */
	ERR_NOUSER,      /* a recipient was refused permanently */
	ERR_UNAVAILABLE, /* permanent server or feature failure */
	ERR_SOFTWARE,    /* internal error */
	ERR_OS,          /* system call failed */
	ERR_CANTCREAT,   /* cannot create a file */
	ERR_IO,          /* read/write error */
	ERR_TEMP,        /* temporary failure, not queued */
	ERR_PROTOCOL,    /* the peer broke the protocol */
	ERR_NOPERM,      /* permission denied */
	ERR_CONFIG       /* bad configuration */
};

/* One failure: its class and one line of text for people (translated,
 * never holding a secret). A zero-initialised record means no error. */
struct err {
	enum err_class cls;
	char *msg;
};

/* Record a failure, replacing any earlier one; the text is formatted,
 * then control characters (log_printable in log.h) become '?', so text
 * quoted from a peer keeps the message one harmless line. */
void err_set(struct err *e, enum err_class cls, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Prefix the current message with "context: ". */
void err_prefix(struct err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Forget the failure and free its text. */
void err_clear(struct err *e);
/* The sysexits code for a class (EX_OK for ERR_NONE). */
int err_exit_code(enum err_class cls);

#endif
