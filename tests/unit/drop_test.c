/* drop_test.c - unit tests for drop.h
 *
 * Owns: the set-group-ID helper's steps in a real temporary directory:
 *       the temporary file (mode, name, nothing followed or replaced),
 *       copying and checking a stream read from a file or through a pipe
 *       in small reads, publishing under a queue id, the words and the
 *       exit codes.
 * Not:  the helper's process and privileges (privsplit.py runs
 *       dsmtp-drop), the header's form (incoming_test). */

#include <config.h>

#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "buf.h"
#include "drop.h"
#include "file.h"
#include "incoming.h"
#include "queue.h"
#include "xmalloc.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define HEADER "dsmtp-incoming 1\narg -oi\narg r@example.org\ndata\n"
#define HLEN (sizeof(HEADER) - 1)
#define MSG "Subject: drop\r\n\r\nbody\r\n"

/* The seam: while fixed_ids is set, queue_new_id's clock stands still and
 * its two random octets count up from fixed_next, so that the test knows
 * the names drop_create and drop_publish will try. Otherwise both are
 * the kernel's. */
static int fixed_ids;
static unsigned fixed_next;

int
clock_gettime(clockid_t clk, struct timespec *ts)
{
	if (fixed_ids && clk == CLOCK_REALTIME) {
		ts->tv_sec = 0x123456789;
		ts->tv_nsec = 0;
		return 0;
	}
	return (int)syscall(SYS_clock_gettime, clk, ts);
}

ssize_t
getrandom(void *p, size_t n, unsigned int flags)
{
	unsigned char *c = p;

	if (!fixed_ids || n != 2)
		return syscall(SYS_getrandom, p, n, flags);
	c[0] = (unsigned char)(fixed_next >> 8);
	c[1] = (unsigned char)fixed_next;
	fixed_next++;
	return 2;
}

/* The queue id the seam gives for the random part k, with prefix. */
static void
fixed_name(char *name, size_t len, const char *prefix, unsigned k)
{
	snprintf(name, len, "%s12345678900000%04X", prefix, k);
}

struct dir {
	char path[64];
	int fd; /* O_PATH, as the helper holds incoming/ */
};

static int
setup(void **state)
{
	struct dir *d = xcalloc(1, sizeof(*d));

	strcpy(d->path, "/tmp/dsmtp-drop-test.XXXXXX");
	assert_non_null(mkdtemp(d->path));
	d->fd = open(d->path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(d->fd >= 0);
	*state = d;
	return 0;
}

static int
teardown(void **state)
{
	struct dir *d = *state;
	char *cmd = xasprintf("rm -rf '%s'", d->path);

	fixed_ids = 0;
	close(d->fd);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(d);
	return 0;
}

/* The contents of d's file name (no link followed), into out. */
static void
slurp(const struct dir *d, const char *name, struct buf *out)
{
	char *path = xasprintf("%s/%s", d->path, name);

	buf_reset(out);
	assert_int_equal(file_read(path, O_NOFOLLOW, 64u << 20, out, NULL),
	                 FILE_OK);
	free(path);
}

/* How many names d holds (besides . and ..). */
static size_t
entries(const struct dir *d)
{
	DIR *dir = opendir(d->path);
	struct dirent *de;
	size_t n = 0;

	assert_non_null(dir);
	while ((de = readdir(dir)) != NULL)
		n += strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
	closedir(dir);
	return n;
}

/* A new file name in d holding text. */
static void
put(const struct dir *d, const char *name, const char *text)
{
	int fd = openat(d->fd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	                0600);

	assert_true(fd >= 0);
	assert_int_equal(file_write_all(fd, text, strlen(text)), 0);
	close(fd);
}

/* 1 when d's name is a symbolic link. */
static int
is_link(const struct dir *d, const char *name)
{
	struct stat st;

	return fstatat(d->fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	       S_ISLNK(st.st_mode);
}

static int
exists(const struct dir *d, const char *name)
{
	return faccessat(d->fd, name, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

/* A file in d holding p (n octets), open for reading at its start. */
static int
in_file(const struct dir *d, const void *p, size_t n)
{
	char *path = xasprintf("%s/in.XXXXXX", d->path);
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(file_write_all(fd, p, n), 0);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	free(path);
	return fd;
}

/* A pipe's reading end; a child writes p (n octets) into it, step octets
 * a write (0: all at once), and exits (or dies of SIGPIPE when the reader
 * stops early). The pipe is in packet mode: each read(2) returns at most
 * one write, so the reader gets the stream in pieces of step octets. */
static int
in_pipe(const void *p, size_t n, size_t step, pid_t *pid)
{
	const char *c = p;
	int fds[2];
	size_t k;

	assert_int_equal(pipe2(fds, O_DIRECT | O_CLOEXEC), 0);
	*pid = fork();
	assert_true(*pid >= 0);
	if (*pid == 0) {
		close(fds[0]);
		for (; n > 0; c += k, n -= k) {
			k = step == 0 || step > n ? n : step;
			if (file_write_all(fds[1], c, k) < 0)
				_exit(1);
		}
		_exit(0);
	}
	close(fds[1]);
	return fds[0];
}

static void
reap(pid_t pid)
{
	int status;

	assert_int_equal(waitpid(pid, &status, 0), pid);
}

/* drop_copy from in (closed afterwards) into a new file drop_create
 * makes in d; what it left there goes to out. */
static enum drop_result
copy(const struct dir *d, int in, off_t max, struct buf *out)
{
	char name[DROP_NAME_MAX];
	enum drop_result r;
	int fd = drop_create(d->fd, name);

	assert_true(fd >= 0);
	r = drop_copy(in, fd, max);
	close(fd);
	close(in);
	slurp(d, name, out);
	assert_int_equal(unlinkat(d->fd, name, 0), 0);
	return r;
}

/* HEADER, the message m (n octets), then the trailer t (NULL: the honest
 * one), into s. */
static void
stream(struct buf *s, const char *m, size_t n, const char *t)
{
	buf_reset(s);
	buf_append_str(s, HEADER);
	buf_append(s, m, n);
	if (t == NULL)
		buf_printf(s, "\nend %zu\n", n);
	else
		buf_append_str(s, t);
}

/* The stream s (n octets) read from a file, then through a pipe in pieces
 * of 1, 2, 3, 7 and 64 octets and whole: drop_copy gives want every time,
 * and on DROP_OK leaves exactly the first keep octets of s. */
static void
check_stream(const struct dir *d, const char *s, size_t n, off_t max,
             enum drop_result want, size_t keep)
{
	static const size_t steps[] = { 1, 2, 3, 7, 64, 0 };
	struct buf out = { 0 };
	size_t i;
	pid_t pid;

	for (i = 0; i <= N(steps); i++) {
		if (i == N(steps)) {
			assert_int_equal(copy(d, in_file(d, s, n), max, &out),
			                 want);
		} else {
			assert_int_equal(copy(d, in_pipe(s, n, steps[i], &pid),
			                      max, &out), want);
			reap(pid);
		}
		if (want == DROP_OK) {
			assert_int_equal(out.len, keep);
			assert_memory_equal(out.data, s, keep);
		}
	}
	buf_free(&out);
}

/* The premise of in_pipe's pieces: one read, one write. */
static void
test_pipe_packets(void **state)
{
	char b[64];
	pid_t pid;
	int in = in_pipe("abcdefg", 7, 3, &pid);

	(void)state;
	assert_int_equal(read(in, b, sizeof(b)), 3);
	assert_int_equal(read(in, b, sizeof(b)), 3);
	assert_int_equal(read(in, b, sizeof(b)), 1);
	assert_int_equal(read(in, b, sizeof(b)), 0);
	close(in);
	reap(pid);
}

/* drop_create under the umask mask gives a file of mode want. */
static void
create_mode(const struct dir *d, mode_t mask, mode_t want)
{
	char name[DROP_NAME_MAX];
	struct stat st;
	mode_t old = umask(mask);
	int fd = drop_create(d->fd, name);

	umask(old);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, want);
	assert_int_equal(st.st_size, 0);
	assert_int_equal(st.st_uid, geteuid());
	assert_int_equal(fcntl(fd, F_GETFL) & O_ACCMODE, O_WRONLY);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	assert_int_equal(strncmp(name, DROP_TMP_PREFIX, 4), 0);
	assert_true(queue_id_valid(name + strlen(DROP_TMP_PREFIX)));
	close(fd);
}

static void
test_create_mode(void **state)
{
	const struct dir *d = *state;

	create_mode(d, 022, 0640);
	create_mode(d, 077, 0600);
	create_mode(d, 027, 0640); /* the helper's own */
	create_mode(d, 0, 0640);   /* never more than 0640 */
	assert_int_equal(entries(d), 4);
}

static void
test_create_unique(void **state)
{
	const struct dir *d = *state;
	char names[64][DROP_NAME_MAX];
	size_t i, k;
	int fd;

	for (i = 0; i < N(names); i++) {
		fd = drop_create(d->fd, names[i]);
		assert_true(fd >= 0);
		close(fd);
		for (k = 0; k < i; k++)
			assert_string_not_equal(names[k], names[i]);
	}
	assert_int_equal(entries(d), N(names));
}

/* A symbolic link planted under the name drop_create tries first (one
 * dangling, one to a file) is neither followed nor replaced: it takes the
 * next name. */
static void
test_create_skips_links(void **state)
{
	const struct dir *d = *state;
	char name[DROP_NAME_MAX], planted[2][DROP_NAME_MAX], want[DROP_NAME_MAX];
	struct buf b = { 0 };
	int fd;

	fixed_name(planted[0], DROP_NAME_MAX, DROP_TMP_PREFIX, 0);
	fixed_name(planted[1], DROP_NAME_MAX, DROP_TMP_PREFIX, 1);
	fixed_name(want, DROP_NAME_MAX, DROP_TMP_PREFIX, 2);
	assert_int_equal(symlinkat("victim", d->fd, planted[0]), 0);
	assert_int_equal(symlinkat("target", d->fd, planted[1]), 0);
	put(d, "target", "keep\n");
	fixed_ids = 1;
	fixed_next = 0;
	fd = drop_create(d->fd, name);
	fixed_ids = 0;
	assert_true(fd >= 0);
	assert_string_equal(name, want);
	assert_int_equal(file_write_all(fd, "new", 3), 0);
	close(fd);
	assert_false(exists(d, "victim"));
	slurp(d, "target", &b);
	assert_string_equal(b.data, "keep\n");
	assert_true(is_link(d, planted[0]) && is_link(d, planted[1]));
	slurp(d, want, &b);
	assert_string_equal(b.data, "new");
	buf_free(&b);
}

/* When every name it tries is taken, drop_create gives up: -1, EEXIST,
 * nothing created. */
static void
test_create_gives_up(void **state)
{
	const struct dir *d = *state;
	char name[DROP_NAME_MAX];
	unsigned k;

	for (k = 0; k < 1000; k++) {
		fixed_name(name, DROP_NAME_MAX, DROP_TMP_PREFIX, k);
		assert_int_equal(symlinkat("victim", d->fd, name), 0);
	}
	fixed_ids = 1;
	fixed_next = 0;
	errno = 0;
	assert_int_equal(drop_create(d->fd, name), -1);
	assert_int_equal(errno, EEXIST);
	fixed_ids = 0;
	assert_int_equal(entries(d), 1000);
	assert_false(exists(d, "victim"));
}

static void
test_copy_good(void **state)
{
	static const char *const msgs[] = {
		MSG,
		"",                          /* empty */
		"no newline at the end",
		"\n",
		"\nend 0\n",                 /* a trailer's look-alike */
		"data\nend 3\nx\r\nend 5\r\n",
		"dsmtp-incoming 1\ndata\n",  /* a header's look-alike */
	};
	static const char bare[] = "dsmtp-incoming 1\ndata\na\0\xff\n\nend 4\n";
	const struct dir *d = *state;
	struct buf s = { 0 };
	size_t i;

	for (i = 0; i < N(msgs); i++) {
		stream(&s, msgs[i], strlen(msgs[i]), NULL);
		check_stream(d, s.data, s.len, DROP_MAX_MESSAGE, DROP_OK,
		             HLEN + strlen(msgs[i]));
	}
	/* A header of the magic and the data line only, a NUL and 8-bit
	 * octets in the message. */
	check_stream(d, bare, sizeof(bare) - 1, DROP_MAX_MESSAGE, DROP_OK, 26);
	buf_free(&s);
}

/* The message "abcdefg" (7 octets) with a trailer that does not fit. */
static void
test_copy_bad_trailer(void **state)
{
	static const char *const trailers[] = {
		"",                 /* none */
		"\n",
		"\nend 7",          /* cut short of its LF */
		"\nend 8\n",        /* one too many */
		"\nend 6\n",        /* one too few */
		"\nend 007\n",      /* leading zeros */
		"\nend 07\n",
		"\nend +7\n",
		"\nend  7\n",
		"\nend 7 \n",
		"\nend 7\r\n",
		"\r\nend 7\n",      /* then the CR is the message's: 8 */
		"end 7\n",          /* no LF before it */
		"\nend 7\n\n",      /* something after it */
		"\nend 7\nx",
		"\nEND 7\n",
		"\nend 7\nend 7\n",
		"\nend\n",
		"\nend \n",
		"\nend 18446744073709551623\n", /* 2^64 + 7 */
		"\nend 99999999999999999999999999\n",
		/* Digits up to the last octet kept: nothing read past them
		 * (under ASan). */
		"\nend 123456789012345678901",
	};
	const struct dir *d = *state;
	struct buf s = { 0 };
	size_t i;

	for (i = 0; i < N(trailers); i++) {
		stream(&s, "abcdefg", 7, trailers[i]);
		check_stream(d, s.data, s.len, DROP_MAX_MESSAGE,
		             DROP_TRUNCATED, 0);
	}
	stream(&s, "", 0, "\nend 00\n");
	check_stream(d, s.data, s.len, DROP_MAX_MESSAGE, DROP_TRUNCATED, 0);
	/* The header's LF is not the trailer's: not even when the size it
	 * names is the message's -1 octets as an unsigned number. */
	stream(&s, "", 0, "end 0\n");
	check_stream(d, s.data, s.len, DROP_MAX_MESSAGE, DROP_TRUNCATED, 0);
	stream(&s, "", 0, "end 18446744073709551615\n");
	check_stream(d, s.data, s.len, DROP_MAX_MESSAGE, DROP_TRUNCATED, 0);
	buf_free(&s);
}

/* Streams that end before the header does, or with it. */
static void
test_copy_cut_short(void **state)
{
	static const char *const streams[] = {
		"",
		"dsmtp-incoming 1\n",
		"dsmtp-incoming 1\narg -oi\n",
		"dsmtp-incoming 1\ndata",
		HEADER,
	};
	const struct dir *d = *state;
	size_t i;

	for (i = 0; i < N(streams); i++)
		check_stream(d, streams[i], strlen(streams[i]),
		             DROP_MAX_MESSAGE, DROP_TRUNCATED, 0);
}

static void
test_copy_bad_header(void **state)
{
	static const char *const headers[] = {
		"dsmtp-incoming 1\narg a\x01" "b\ndata\n",   /* a control char */
		"dsmtp-incoming 1\narg a\x7f" "b\ndata\n",
		"dsmtp-incoming 1\narg a\x1b[2J\ndata\n",
		"dsmtp-incoming 1\narg a\rb\ndata\n",
		"arg -oi\narg r@example.org\ndata\n",     /* no magic */
		"dsmtp-incoming 2\narg r@example.org\ndata\n",
		"dsmtp-incoming 1 \ndata\n",
		"dsmtp-incoming 1\nrcpt r@example.org\ndata\n",
		"dsmtp-incoming 1\narg\ndata\n",
		"data\n",
		"\ndata\n",
	};
	static const char nul[] = "dsmtp-incoming 1\narg a\0b\ndata\nx\nend 1\n";
	const struct dir *d = *state;
	struct buf s = { 0 };
	size_t i;

	for (i = 0; i < N(headers); i++) {
		buf_reset(&s);
		buf_printf(&s, "%s%s\nend %zu\n", headers[i], MSG,
		           strlen(MSG));
		check_stream(d, s.data, s.len, DROP_MAX_MESSAGE,
		             DROP_BAD_FORM, 0);
	}
	/* A NUL in a word would cut it short of what the file says. */
	check_stream(d, nul, sizeof(nul) - 1, DROP_MAX_MESSAGE, DROP_BAD_FORM,
	             0);
	buf_free(&s);
}

/* A well-formed header of exactly len octets, into s: the magic, "arg"
 * lines of up to 4000 'a's, and the data line (unless !data). */
static void
long_header(struct buf *s, size_t len, int data)
{
	size_t left, w;
	char *word = xmalloc(4001);

	memset(word, 'a', 4000);
	buf_reset(s);
	buf_append_str(s, "dsmtp-incoming 1\n");
	for (left = len - s->len - (data ? 5 : 0); left > 0; left -= w + 5) {
		/* No remainder of 1-4 octets: a line is at least 5. */
		w = left >= 4010 ? 4000 : left <= 4005 ? left - 5 : left - 10;
		word[w] = '\0';
		buf_printf(s, "arg %s\n", word);
		word[w] = 'a';
	}
	if (data)
		buf_append_str(s, "data\n");
	assert_int_equal(s->len, len);
	free(word);
}

/* How far drop_copy (under max, with result want) reads into the stream
 * s from a file before it stops. */
static off_t
read_before(const struct dir *d, const struct buf *s, off_t max,
            enum drop_result want)
{
	int in = in_file(d, s->data, s->len);
	int out = open("/dev/null", O_WRONLY | O_CLOEXEC);
	off_t pos;

	assert_int_equal(drop_copy(in, out, max), want);
	pos = lseek(in, 0, SEEK_CUR);
	close(out);
	close(in);
	return pos;
}

/* The header's bound is incoming's: INCOMING_MAX_HEADER octets are taken,
 * one more is not, and a header that never ends is not read for ever. */
static void
test_copy_header_bound(void **state)
{
	const struct dir *d = *state;
	struct buf s = { 0 }, out = { 0 };
	pid_t pid;

	long_header(&s, INCOMING_MAX_HEADER, 1);
	buf_append_str(&s, MSG "\nend 23\n");
	assert_int_equal(copy(d, in_file(d, s.data, s.len), DROP_MAX_MESSAGE,
	                      &out), DROP_OK);
	assert_int_equal(out.len, INCOMING_MAX_HEADER + 23);
	assert_memory_equal(out.data, s.data, out.len);
	assert_int_equal(copy(d, in_pipe(s.data, s.len, 0, &pid),
	                      DROP_MAX_MESSAGE, &out), DROP_OK);
	reap(pid);
	assert_int_equal(out.len, INCOMING_MAX_HEADER + 23);

	long_header(&s, INCOMING_MAX_HEADER + 1, 1);
	buf_append_str(&s, MSG "\nend 23\n");
	assert_int_equal(copy(d, in_file(d, s.data, s.len), DROP_MAX_MESSAGE,
	                      &out), DROP_BAD_FORM);

	/* 4 MiB of "arg" lines and no data line: read no further than the
	 * bound and a read or two. */
	long_header(&s, 4u << 20, 0);
	assert_true(read_before(d, &s, DROP_MAX_MESSAGE, DROP_BAD_FORM) <=
	            INCOMING_MAX_HEADER + 65536);
	assert_int_equal(copy(d, in_pipe(s.data, s.len, 0, &pid),
	                      DROP_MAX_MESSAGE, &out), DROP_BAD_FORM);
	reap(pid);
	buf_free(&out);
	buf_free(&s);
}

/* A message of n 'x's with an honest trailer, under a max of 1000. */
static void
check_sized(const struct dir *d, size_t n, enum drop_result want)
{
	struct buf s = { 0 };
	char *m = xmalloc(n + 1);

	memset(m, 'x', n);
	stream(&s, m, n, NULL);
	check_stream(d, s.data, s.len, 1000, want, HLEN + n);
	buf_free(&s);
	free(m);
}

static void
test_copy_max(void **state)
{
	const struct dir *d = *state;

	check_sized(d, 999, DROP_OK);
	check_sized(d, 1000, DROP_OK); /* exactly max */
	check_sized(d, 1001, DROP_TOO_LARGE);
	check_sized(d, 1026, DROP_TOO_LARGE);
	check_sized(d, 5000, DROP_TOO_LARGE);
	check_sized(d, 100000, DROP_TOO_LARGE);
}

/* A stream that goes on past max with no trailer is refused as too large,
 * long before its end. */
static void
test_copy_goes_on(void **state)
{
	const struct dir *d = *state;
	size_t n = 4u << 20;
	struct buf s = { 0 }, out = { 0 };
	char *m = xmalloc(n);
	pid_t pid;

	memset(m, 'x', n);
	stream(&s, m, n, "");
	assert_int_equal(copy(d, in_file(d, s.data, s.len), 1000, &out),
	                 DROP_TOO_LARGE);
	assert_true(out.len < 256 * 1024);
	assert_true(read_before(d, &s, 1000, DROP_TOO_LARGE) < 256 * 1024);
	assert_int_equal(copy(d, in_pipe(s.data, s.len, 0, &pid), 1000, &out),
	                 DROP_TOO_LARGE);
	reap(pid);
	assert_true(out.len < 256 * 1024);
	assert_int_equal(copy(d, in_pipe(s.data, s.len, 0, &pid),
	                      DROP_MAX_MESSAGE, &out), DROP_TRUNCATED);
	reap(pid);
	buf_free(&out);
	buf_free(&s);
	free(m);
}

/* Failing reads and writes: io, and full when the disk is. */
static void
test_copy_errors(void **state)
{
	const struct dir *d = *state;
	struct buf s = { 0 };
	int in, out;

	stream(&s, MSG, strlen(MSG), NULL);
	in = open(d->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	out = open("/dev/null", O_WRONLY | O_CLOEXEC);
	assert_int_equal(drop_copy(in, out, 1000), DROP_IO);
	close(in);
	close(out);
	in = in_file(d, s.data, s.len);
	out = open("/dev/null", O_RDONLY | O_CLOEXEC);
	assert_int_equal(drop_copy(in, out, 1000), DROP_IO);
	close(in);
	close(out);
	in = in_file(d, s.data, s.len);
	out = open("/dev/full", O_WRONLY | O_CLOEXEC);
	assert_true(out >= 0);
	assert_int_equal(drop_copy(in, out, 1000), DROP_FULL);
	close(in);
	close(out);
	buf_free(&s);
}

/* A file made by drop_create and filled with text; its inode into ino. */
static int
filled(const struct dir *d, char name[DROP_NAME_MAX], const char *text,
       ino_t *ino)
{
	struct stat st;
	int fd = drop_create(d->fd, name);

	assert_true(fd >= 0);
	assert_int_equal(file_write_all(fd, text, strlen(text)), 0);
	assert_int_equal(fstat(fd, &st), 0);
	*ino = st.st_ino;
	return fd;
}

static void
test_publish(void **state)
{
	const struct dir *d = *state;
	char tmp[DROP_NAME_MAX], id[QUEUE_ID_MAX];
	struct buf b = { 0 };
	struct stat st;
	ino_t ino;
	int fd = filled(d, tmp, HEADER MSG, &ino);

	assert_int_equal(drop_publish(d->fd, fd, tmp, id), DROP_OK);
	close(fd);
	assert_true(queue_id_valid(id));
	assert_false(exists(d, tmp));
	assert_int_equal(fstatat(d->fd, id, &st, AT_SYMLINK_NOFOLLOW), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_ino, ino);
	slurp(d, id, &b);
	assert_string_equal(b.data, HEADER MSG);
	assert_int_equal(entries(d), 1);
	buf_free(&b);
}

/* The queue ids it tries first are taken (a file, a symbolic link): both
 * stay as they were, and it takes the next. */
static void
test_publish_no_replace(void **state)
{
	const struct dir *d = *state;
	char tmp[DROP_NAME_MAX], id[QUEUE_ID_MAX], taken[2][QUEUE_ID_MAX];
	char want[QUEUE_ID_MAX];
	struct buf b = { 0 };
	ino_t ino;
	int fd;

	fixed_name(taken[0], QUEUE_ID_MAX, "", 0);
	fixed_name(taken[1], QUEUE_ID_MAX, "", 1);
	fixed_name(want, QUEUE_ID_MAX, "", 2);
	put(d, taken[0], "old");
	assert_int_equal(symlinkat("victim", d->fd, taken[1]), 0);
	fd = filled(d, tmp, "new", &ino);
	fixed_ids = 1;
	fixed_next = 0;
	assert_int_equal(drop_publish(d->fd, fd, tmp, id), DROP_OK);
	fixed_ids = 0;
	close(fd);
	assert_string_equal(id, want);
	slurp(d, taken[0], &b);
	assert_string_equal(b.data, "old");
	assert_true(is_link(d, taken[1]));
	assert_false(exists(d, "victim"));
	assert_false(exists(d, tmp));
	slurp(d, want, &b);
	assert_string_equal(b.data, "new");
	assert_int_equal(entries(d), 3);
	buf_free(&b);
}

static void
test_publish_gone(void **state)
{
	const struct dir *d = *state;
	char tmp[DROP_NAME_MAX], id[QUEUE_ID_MAX];
	ino_t ino;
	int fd = filled(d, tmp, "x", &ino);

	assert_int_equal(unlinkat(d->fd, tmp, 0), 0);
	assert_int_equal(drop_publish(d->fd, fd, tmp, id), DROP_IO);
	close(fd);
	assert_int_equal(entries(d), 0);
}

static void
test_words(void **state)
{
	static const struct {
		enum drop_result r;
		const char *word;
		int code;
	} t[] = {
		{ DROP_OK, "ok", 0 },
		{ DROP_BAD_FORM, "bad-form", 65 },
		{ DROP_TRUNCATED, "truncated", 65 },
		{ DROP_TOO_LARGE, "too-large", 65 },
		{ DROP_FULL, "full", 75 },
		{ DROP_IO, "io", 75 },
		{ DROP_NO_SPOOL, "no-spool", 78 },
		{ DROP_USAGE, "usage", 64 },
	};
	static const char *const unknown[] = {
		"", "OK", "okay", "bad", "io\n", " ok", "12345678900000ABCD",
	};
	size_t i;

	(void)state;
	for (i = 0; i < N(t); i++) {
		assert_int_equal(t[i].r, i); /* every value, in order */
		assert_string_equal(drop_word(t[i].r), t[i].word);
		assert_int_equal(drop_from_word(drop_word(t[i].r)), t[i].r);
		assert_int_equal(drop_exit_code(t[i].r), t[i].code);
	}
	for (i = 0; i < N(unknown); i++)
		assert_int_equal(drop_from_word(unknown[i]), DROP_IO);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pipe_packets),
		cmocka_unit_test_setup_teardown(test_create_mode, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_create_unique, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_create_skips_links, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_create_gives_up, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_copy_good, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_copy_bad_trailer, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_copy_cut_short, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_copy_bad_header, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_copy_header_bound, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_copy_max, setup, teardown),
		cmocka_unit_test_setup_teardown(test_copy_goes_on, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_copy_errors, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_publish, setup, teardown),
		cmocka_unit_test_setup_teardown(test_publish_no_replace, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_publish_gone, setup,
		                                teardown),
		cmocka_unit_test(test_words),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
