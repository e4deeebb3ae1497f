/* drop.c - the set-group-ID helper's steps
 *
 * Owns: the temporary file in incoming/, copying and checking the stream
 *       (header, size, trailer), publishing the file under a queue id.
 * Not:  privileges, the environment or fds (drop_main.c), what the
 *       header's words may ask for (pickup), the form (incoming). */

#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "buf.h"
#include "drop.h"
#include "err.h"
#include "file.h"
#include "incoming.h"

/* The longest trailer: "\nend " and 20 digits and "\n". */
#define DROP_TRAILER_MAX 26

static const char *const drop_words[] = {
	[DROP_OK] = "ok",
	[DROP_BAD_FORM] = "bad-form",
	[DROP_TRUNCATED] = "truncated",
	[DROP_TOO_LARGE] = "too-large",
	[DROP_FULL] = "full",
	[DROP_IO] = "io",
	[DROP_NO_SPOOL] = "no-spool",
	[DROP_USAGE] = "usage",
};

const char *
drop_word(enum drop_result r)
{
	return drop_words[r];
}

enum drop_result
drop_from_word(const char *w)
{
	size_t i;

	for (i = 0; i < sizeof(drop_words) / sizeof(drop_words[0]); i++)
		if (strcmp(w, drop_words[i]) == 0)
			return (enum drop_result)i;
	return DROP_IO;
}

int
drop_exit_code(enum drop_result r)
{
	switch (r) {
	case DROP_OK:
		return EX_OK;
	case DROP_BAD_FORM:
	case DROP_TRUNCATED:
	case DROP_TOO_LARGE:
		return EX_DATAERR;
	case DROP_USAGE:
		return EX_USAGE;
	case DROP_NO_SPOOL:
		return EX_CONFIG;
	default:
		return EX_TEMPFAIL;
	}
}

int
drop_create(int dirfd, char name[DROP_NAME_MAX])
{
	char id[QUEUE_ID_MAX];
	int fd, tries;

	for (tries = 0; tries < 100; tries++) {
		queue_new_id(id);
		snprintf(name, DROP_NAME_MAX, "%s%s", DROP_TMP_PREFIX, id);
		fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL |
		                                 O_NOFOLLOW | O_CLOEXEC, 0640);
		if (fd >= 0 || errno != EEXIST)
			return fd;
	}
	return -1;
}

static enum drop_result
drop_errno(void)
{
	return errno == ENOSPC || errno == EDQUOT ? DROP_FULL : DROP_IO;
}

/* Read the header (up to its "data" line) into b; what was read beyond
 * it stays in b too. The header's length, or -1 (r set). */
static ssize_t
drop_header(int in, struct buf *b, enum drop_result *r)
{
	struct incoming inc;
	struct err e = { 0 };
	ssize_t hlen, n;
	char chunk[8192];

	for (;;) {
		/* "data\n" at the start of a line ends the header. */
		if ((b->len >= 5 && memcmp(b->data, "data\n", 5) == 0) ||
		    memmem(b->data ? b->data : "", b->len, "\ndata\n", 6))
			break;
		if (b->len > INCOMING_MAX_HEADER) {
			*r = DROP_BAD_FORM;
			return -1;
		}
		n = read(in, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			*r = n == 0 ? DROP_TRUNCATED : DROP_IO;
			return -1;
		}
		buf_append(b, chunk, (size_t)n);
	}
	hlen = incoming_parse(b->data, b->len, &inc, &e);
	incoming_free(&inc);
	err_clear(&e);
	if (hlen < 0)
		*r = DROP_BAD_FORM;
	return hlen;
}

/* 1 when the last octets of the stream, tail (tlen of them, the stream
 * total octets long with a header of hlen), are a trailer that counts
 * exactly the message between; *msg gets the message's length. */
static int
drop_trailer_ok(const char *tail, size_t tlen, off_t total, off_t hlen,
                off_t *msg)
{
	const char *p;
	char *end;
	uintmax_t size;
	size_t k;

	if (tlen < 7 || tail[tlen - 1] != '\n')
		return 0;
	for (k = tlen - 1; k > 0 && tail[k - 1] != '\n'; k--)
		;
	if (k == 0)
		return 0;
	p = tail + k; /* "end SIZE\n", after its LF */
	if (strncmp(p, "end ", 4) != 0 || p[4] < '0' || p[4] > '9' ||
	    (p[4] == '0' && p[5] != '\n'))
		return 0;
	errno = 0;
	size = strtoumax(p + 4, &end, 10);
	if (errno != 0 || *end != '\n')
		return 0;
	*msg = total - hlen - (off_t)(tlen - k + 1);
	return *msg >= 0 && (uintmax_t)*msg == size;
}

/* Keep the last DROP_TRAILER_MAX octets seen in tail. */
static void
drop_keep_tail(char *tail, size_t *tlen, const char *p, size_t n)
{
	size_t keep;

	if (n >= DROP_TRAILER_MAX) {
		memcpy(tail, p + n - DROP_TRAILER_MAX, DROP_TRAILER_MAX);
		*tlen = DROP_TRAILER_MAX;
		return;
	}
	keep = *tlen + n > DROP_TRAILER_MAX ? DROP_TRAILER_MAX - n : *tlen;
	memmove(tail, tail + *tlen - keep, keep);
	memcpy(tail + keep, p, n);
	*tlen = keep + n;
}

enum drop_result
drop_copy(int in, int out, off_t max)
{
	struct buf b = { 0 };
	enum drop_result r = DROP_OK;
	char chunk[65536], tail[DROP_TRAILER_MAX];
	size_t tlen = 0;
	off_t total, msg;
	ssize_t hlen, n;

	hlen = drop_header(in, &b, &r);
	if (hlen < 0)
		goto out;
	total = (off_t)b.len;
	/* What came with the header counts against max as well, so the
	 * verdict does not depend on how the stream was cut into reads. */
	if (total - hlen > max + DROP_TRAILER_MAX) {
		r = DROP_TOO_LARGE;
		goto out;
	}
	drop_keep_tail(tail, &tlen, b.data, b.len);
	if (file_write_all(out, b.data, b.len) < 0)
		goto io;
	for (;;) {
		n = read(in, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto io;
		if (n == 0)
			break;
		total += n;
		if (total - hlen > max + DROP_TRAILER_MAX) {
			r = DROP_TOO_LARGE;
			goto out;
		}
		drop_keep_tail(tail, &tlen, chunk, (size_t)n);
		if (file_write_all(out, chunk, (size_t)n) < 0)
			goto io;
	}
	if (!drop_trailer_ok(tail, tlen, total, hlen, &msg))
		r = DROP_TRUNCATED;
	else if (msg > max)
		r = DROP_TOO_LARGE;
	else if (ftruncate(out, hlen + msg) < 0)
		goto io;
	goto out;
io:
	r = drop_errno();
out:
	buf_free(&b);
	return r;
}

enum drop_result
drop_publish(int dirfd, int fd, const char *tmp, char id[QUEUE_ID_MAX])
{
	int tries;

	if (fsync(fd) < 0)
		return drop_errno();
	for (tries = 0; tries < 100; tries++) {
		queue_new_id(id);
		if (renameat2(dirfd, tmp, dirfd, id, RENAME_NOREPLACE) == 0)
			return syncfs(fd) < 0 ? drop_errno() : DROP_OK;
		if (errno != EEXIST)
			return drop_errno();
	}
	return DROP_IO;
}

/* The envelope at the start of fd (at most QUEUE_MAX_HEADER octets):
 * its length, parsed into env; -1 when it is not an entry's. */
static ssize_t
drop_envelope(int fd, struct buf *b, struct queue_env *env)
{
	struct err e = { 0 };
	ssize_t len;

	file_read_head(fd, QUEUE_MAX_HEADER, "\ndata\n", b);
	len = queue_parse_env(b->data ? b->data : "", b->len, env, &e);
	err_clear(&e);
	return len;
}

/* One name of entries/: 1 written, 0 passed by, -1 out failed. */
static int
drop_list_one(int dirfd, const char *name, uid_t uid, int out)
{
	struct queue_env env;
	struct buf b = { 0 };
	struct stat st;
	char head[64];
	ssize_t len;
	int fd, rc = 0;

	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	                                 O_CLOEXEC);
	if (fd < 0)
		return 0;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    (len = drop_envelope(fd, &b, &env)) >= 0) {
		if (env.uid == uid) {
			snprintf(head, sizeof(head), "entry %lld %zd\n",
			         (long long)st.st_size, len);
			rc = file_write_all(out, head, strlen(head)) < 0 ||
			                     file_write_all(out, b.data,
			                                    (size_t)len) < 0
			             ? -1
			             : 1;
		}
		queue_env_free(&env);
	}
	buf_free(&b);
	close(fd);
	return rc;
}

long
drop_list(int dirfd, uid_t uid, int out)
{
	int dfd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *dir = dfd < 0 ? NULL : fdopendir(dfd);
	struct dirent *d;
	long n = 0;
	int rc;

	if (dir == NULL) {
		if (dfd >= 0)
			close(dfd);
		return 0;
	}
	while ((d = readdir(dir)) != NULL) {
		if (!queue_id_valid(d->d_name))
			continue;
		rc = drop_list_one(dirfd, d->d_name, uid, out);
		if (rc < 0) {
			n = -1;
			break;
		}
		n += rc;
	}
	closedir(dir);
	return n;
}
