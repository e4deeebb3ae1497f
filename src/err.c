/* err.c - error records
 *
 * Owns: struct err and the class to sysexits mapping; error text is one
 *       printable line (peers' text is quoted into it).
 * Not:  printing (log.c), choosing to exit (main.c). */

#include <config.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sysexits.h>

#include "buf.h"
#include "err.h"
#include "log.h"
#include "xmalloc.h"

/* Replace e's text by b's, control characters made '?'. Frees b. */
static void
err_take(struct err *e, struct buf *b)
{
	struct buf clean = { 0 };

	log_printable(&clean, buf_cstr(b), b->len);
	buf_free(b);
	free(e->msg);
	e->msg = buf_steal(&clean);
}

void
err_set(struct err *e, enum err_class cls, const char *fmt, ...)
{
	va_list ap;
	struct buf b = { 0 };

	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	err_take(e, &b);
	e->cls = cls;
}

void
err_prefix(struct err *e, const char *fmt, ...)
{
	va_list ap;
	struct buf b = { 0 };

	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	buf_printf(&b, ": %s", e->msg ? e->msg : "");
	err_take(e, &b);
}

void
err_clear(struct err *e)
{
	free(e->msg);
	e->msg = NULL;
	e->cls = ERR_NONE;
}

int
err_exit_code(enum err_class cls)
{
	static const int codes[] = {
		[ERR_NONE] = EX_OK,
		[ERR_USAGE] = EX_USAGE,
		[ERR_DATA] = EX_DATAERR,
		[ERR_NOUSER] = EX_NOUSER,
		[ERR_UNAVAILABLE] = EX_UNAVAILABLE,
		[ERR_SOFTWARE] = EX_SOFTWARE,
		[ERR_OS] = EX_OSERR,
		[ERR_CANTCREAT] = EX_CANTCREAT,
		[ERR_IO] = EX_IOERR,
		[ERR_TEMP] = EX_TEMPFAIL,
		[ERR_PROTOCOL] = EX_PROTOCOL,
		[ERR_NOPERM] = EX_NOPERM,
		[ERR_CONFIG] = EX_CONFIG,
	};

	if ((unsigned)cls >= sizeof(codes) / sizeof(codes[0]))
		return EX_SOFTWARE;
	return codes[cls];
}
