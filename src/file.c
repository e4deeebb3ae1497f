/* file.c - reading a small local file whole, with a cap
 *
 * Owns: the rule that a file dsmtp reads whole (configuration, aliases,
 *       netrc) is a regular file under a size cap, read without blocking
 *       on a FIFO, its buffer wiped of what passed through; where a
 *       helper program is found; the standard descriptors kept open.
 * Not:  what the file means, who may own it (config_load.c). */

#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "file.h"
#include "i18n.h"
#include "xmalloc.h"

/* Read fd to its end into out; FILE_TOO_BIG past max. */
static enum file_result
file_read_fd(int fd, size_t max, struct buf *out)
{
	char chunk[8192];
	size_t got = 0;
	ssize_t n;
	enum file_result r = FILE_OK;

	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = FILE_ERRNO;
			break;
		}
		/* The file may have grown since fstat. */
		if ((size_t)n > max - got) {
			r = FILE_TOO_BIG;
			break;
		}
		got += (size_t)n;
		buf_append(out, chunk, (size_t)n);
	}
	xwipe(chunk, sizeof(chunk));
	return r;
}

enum file_result
file_read(const char *path, int flags, size_t max, struct buf *out,
	  struct stat *st)
{
	struct stat local;
	enum file_result r;
	int fd, saved;

	if (st == NULL)
		st = &local;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | flags);
	if (fd < 0)
		return errno == ENOENT ? FILE_MISSING : FILE_ERRNO;
	if (fstat(fd, st) < 0)
		r = FILE_ERRNO;
	else if (!S_ISREG(st->st_mode))
		r = FILE_NOT_REGULAR;
	else if (st->st_size < 0 || (unsigned long long)st->st_size > max)
		r = FILE_TOO_BIG;
	else
		r = file_read_fd(fd, max, out);
	saved = errno;
	close(fd);
	errno = saved;
	return r;
}

void
file_fail(struct err *e, enum err_class cls, const char *path,
	  enum file_result r, size_t max)
{
	switch (r) {
	case FILE_OK:
		break;
	case FILE_MISSING:
	case FILE_ERRNO:
		err_set(e, cls, _("cannot read %s: %s"), path,
			strerror(r == FILE_MISSING ? ENOENT : errno));
		break;
	case FILE_NOT_REGULAR:
		err_set(e, cls, _("%s is not a regular file"), path);
		break;
	case FILE_TOO_BIG:
		err_set(e, cls, _("%s is larger than %zu KiB"), path,
			max / 1024);
		break;
	}
}

int
file_read_exact(int fd, void *p, size_t n)
{
	char *c = p;
	ssize_t r;

	while (n > 0) {
		r = read(fd, c, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		c += r;
		n -= (size_t)r;
	}
	return 0;
}

int
file_write_all(int fd, const void *p, size_t n)
{
	const char *c = p;
	ssize_t w;

	while (n > 0) {
		w = write(fd, c, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (w == 0)
				errno = EIO;
			return -1;
		}
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Nobody but root and the caller may change path: it is a directory (or,
 * with dir 0, a regular file, not a symlink) they own, not writable by
 * group or others. */
static int
file_private(const char *path, int dir)
{
	struct stat st;

	if (lstat(path, &st) < 0 ||
	    !(dir ? S_ISDIR(st.st_mode) : S_ISREG(st.st_mode)))
		return 0;
	return (st.st_uid == 0 || st.st_uid == geteuid()) &&
	       (st.st_mode & 022) == 0;
}

const char *
file_helper(const char *name, const char *installed, char *path, size_t len)
{
	char self[PATH_MAX], *slash;
	ssize_t n;

	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	slash = n > 0 ? memrchr(self, '/', (size_t)n) : NULL;
	if (slash != NULL && slash > self) {
		*slash = '\0';
		snprintf(path, len, "%s/%s", self, name);
		if (file_private(self, 1) && file_private(path, 0))
			return path;
	}
	snprintf(path, len, "%s", installed);
	return path;
}

void
file_sane_fds(void)
{
	int fd;

	while ((fd = open("/dev/null", O_RDWR)) >= 0 && fd <= 2)
		;
	if (fd > 2)
		close(fd);
}

void
file_read_head(int fd, size_t max, const char *until, struct buf *b)
{
	char chunk[8192];
	ssize_t n;

	while (b->len <= max &&
	       (n = pread(fd, chunk, sizeof(chunk), (off_t)b->len)) > 0) {
		buf_append(b, chunk, (size_t)n);
		if (memmem(b->data, b->len, until, strlen(until)) != NULL)
			break;
	}
}
