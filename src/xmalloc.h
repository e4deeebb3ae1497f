/* xmalloc.h - allocators that never return NULL, and secret wiping */
#ifndef DSMTP_XMALLOC_H
#define DSMTP_XMALLOC_H

#include <stddef.h>

/* Allocate or resize; abort the process with a message on exhaustion.
 * Caller frees the result with free(). */
void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

/* printf into a new string; caller frees. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Overwrite n bytes at p so the compiler cannot elide it. */
void xwipe(void *p, size_t n);

/* Wipe a NUL-terminated secret and free it; NULL is fine. */
void xfree_secret(char *s);

/* Report an impossible state, naming the function, and abort. */
void xabort(const char *func, const char *what) __attribute__((noreturn));

#endif
