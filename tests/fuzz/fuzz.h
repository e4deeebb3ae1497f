/* fuzz.h - small helpers shared by the libFuzzer targets
 *
 * Owns: turning fuzz input into what the code under test reads (a file
 *       descriptor, a C string, exactly-sized copies).
 * Not:  the targets themselves (fuzz_*.c). */
#ifndef DSMTP_FUZZ_H
#define DSMTP_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A file descriptor reading n bytes of p from the start; aborts when the
 * kernel refuses (that is no finding). Caller closes. */
static inline int
fuzz_memfd(const void *p, size_t n)
{
	int fd = memfd_create("fuzz", MFD_CLOEXEC);
	const char *c = p;
	ssize_t w;

	if (fd < 0) {
		perror("fuzz_memfd: memfd_create");
		abort();
	}
	while (n > 0) {
		w = write(fd, c, n);
		if (w <= 0) {
			perror("fuzz_memfd: write");
			abort();
		}
		c += w;
		n -= (size_t)w;
	}
	if (lseek(fd, 0, SEEK_SET) != 0)
		abort();
	return fd;
}

/* A NUL-terminated copy of p (n bytes; a NUL inside ends the string
 * early). Caller frees. */
static inline char *
fuzz_cstr(const void *p, size_t n)
{
	char *s = malloc(n + 1);

	if (s == NULL)
		abort();
	memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

/* Take the first byte of the input as option bits (0 when empty). */
static inline unsigned
fuzz_flags(const uint8_t **data, size_t *size)
{
	unsigned f = 0;

	if (*size > 0) {
		f = **data;
		(*data)++;
		(*size)--;
	}
	return f;
}

#endif
