/* buf.h - growable byte buffers */
#ifndef DSMTP_BUF_H
#define DSMTP_BUF_H

#include <stdarg.h>
#include <stddef.h>

/* A growable byte string. data is always NUL-terminated after any buf_*
 * call (the NUL is not counted in len), so it may be used as a C string
 * when it holds no NUL bytes. Zero-initialised means empty. */
struct buf {
	char *data;
	size_t len;
	size_t cap;
};

void buf_init(struct buf *b);
/* Release the storage; the buffer is empty and reusable afterwards. */
void buf_free(struct buf *b);
/* Like buf_free, but wipes the contents first (secrets). */
void buf_wipe(struct buf *b);
/* Set len to 0, keeping the storage. */
void buf_reset(struct buf *b);
void buf_append(struct buf *b, const void *p, size_t n);
void buf_append_str(struct buf *b, const char *s);
void buf_append_char(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void buf_vprintf(struct buf *b, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
/* Remove the first n bytes. */
void buf_consume(struct buf *b, size_t n);
/* The contents as a C string (never NULL); borrows. */
const char *buf_cstr(struct buf *b);
/* Hand the storage to the caller (caller frees); the buffer is empty. */
char *buf_steal(struct buf *b);

#endif
