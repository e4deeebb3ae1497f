/* file.h - reading a small local file whole, with a cap */
#ifndef DSMTP_FILE_H
#define DSMTP_FILE_H

#include <stddef.h>
#include <sys/stat.h>

#include "buf.h"
#include "err.h"

enum file_result {
	FILE_OK,
	FILE_MISSING,     /* it does not exist */
	FILE_ERRNO,       /* open, fstat or read failed: errno is set */
	FILE_NOT_REGULAR, /* a directory, FIFO, device... */
	FILE_TOO_BIG      /* more than max octets */
};

/* Read the regular file at path into out (appended), if it holds at most
 * max octets. It is opened with O_RDONLY | O_CLOEXEC | O_NONBLOCK (a FIFO
 * cannot block) plus flags (O_NOFOLLOW, say); st (may be NULL) receives
 * its status. On failure out may hold part of the file: wipe it. */
enum file_result file_read(const char *path, int flags, size_t max,
			   struct buf *out, struct stat *st);

/* Describe a failed file_read of path (read with max) in e, of class
 * cls: "cannot read PATH: reason", "PATH is not a regular file", "PATH is
 * larger than N KiB". */
void file_fail(struct err *e, enum err_class cls, const char *path,
	       enum file_result r, size_t max);

/* Write all n bytes of p to fd, going on after EINTR and short writes.
 * Returns 0, or -1 with errno set. */
int file_write_all(int fd, const void *p, size_t n);

/* Read exactly n bytes from fd into p, going on after EINTR and short
 * reads. Returns 0, or -1 at the end of the file first or with errno set. */
int file_read_exact(int fd, void *p, size_t n);

/* Read fd from its start (pread: its offset is left alone) into b until
 * the bytes hold until or more than max octets were read, or the file
 * ends: the head of a file whose header ends in a known line. */
void file_read_head(int fd, size_t max, const char *until, struct buf *b);

/* Make sure fds 0-2 are open (on /dev/null where they were closed), so
 * that no file opened later becomes standard output. */
void file_sane_fds(void);

/* Where the helper program name lives: beside the running binary when
 * there is one there that only root or the caller can change, in a
 * directory only they can change (so the build tree's tests need no hook
 * an installed binary would obey), else installed (its installed path).
 * Written to path (len octets); returns path. */
const char *file_helper(const char *name, const char *installed, char *path,
                        size_t len);

#endif
