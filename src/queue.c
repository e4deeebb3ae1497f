/* queue.c - durable on-disk spool
 *
 * Owns: the spool layout (tmp/, entries/, quarantine/), writing an entry
 *       durably (temporary name, fsync, rename without replacing, fsync
 *       of the directory), the end marker that makes an entry
 *       self-validating, per-entry locks, loading, rewriting, removing
 *       and listing entries, and moving what is not an entry aside.
 * Not:  the envelope text (queue_format.c), retry policy and bounces
 *       (the runner), delivery.
 *
 * An entry file is the envelope (queue_format.c), the message bytes, and
 * the end marker "\nend SIZE ID\n": a file whose marker does not match
 * its length and id is torn, truncated or foreign, and never taken for
 * mail. Locks are flock() on the entry file; a rewrite takes the lock on
 * the new file before it replaces the old one. */

#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file.h"
#include "i18n.h"
#include "queue.h"
#include "xmalloc.h"

/* The end marker's longest form: "\nend " + 20 digits + " " + id + "\n". */
#define QUEUE_TRAILER_MAX (5 + 20 + 1 + QUEUE_ID_MAX + 1)

/* Root working in a spool that belongs to another user (the dsmtp user
 * of the system spool) gives what it makes to that user, so that the
 * queue daemon running as that user can take it. */
static int
queue_give(const struct queue *q, int fd, int dirfd, const char *name)
{
	if (geteuid() != 0 || q->owner == 0)
		return 0;
	if (fd >= 0)
		return fchown(fd, q->owner, q->group);
	return fchownat(dirfd, name, q->owner, q->group, AT_SYMLINK_NOFOLLOW);
}

static int
queue_subdir(const struct queue *q, int dirfd, const char *name,
             struct err *e)
{
	int fd;

	if (mkdirat(dirfd, name, 0700) == 0) {
		if (queue_give(q, -1, dirfd, name) < 0) {
			err_set(e, ERR_CANTCREAT, _("cannot give %s/%s to its "
			                            "owner: %s"),
			        q->dir, name, strerror(errno));
			return -1;
		}
	} else if (errno != EEXIST) {
		err_set(e, ERR_CANTCREAT, _("cannot create %s/%s: %s"), q->dir,
		        name, strerror(errno));
		return -1;
	}
	fd = openat(dirfd, name,
	            O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		err_set(e, ERR_OS, _("cannot open %s/%s: %s"), q->dir, name,
		        strerror(errno));
	return fd;
}

int
queue_open(struct queue *q, const char *dir, struct err *e)
{
	struct stat st;
	int top;

	memset(q, 0, sizeof(*q));
	q->entries_fd = q->tmp_fd = q->quarantine_fd = -1;
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		err_set(e, ERR_CANTCREAT, _("cannot create the queue %s: %s"),
		        dir, strerror(errno));
		return -1;
	}
	top = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (top < 0) {
		err_set(e, ERR_OS, _("cannot open the queue %s: %s"), dir,
		        strerror(errno));
		return -1;
	}
	q->dir = xstrdup(dir);
	if (fstat(top, &st) == 0) {
		q->owner = st.st_uid;
		q->group = st.st_gid;
	}
	q->entries_fd = queue_subdir(q, top, "entries", e);
	if (q->entries_fd >= 0 && fstat(q->entries_fd, &st) == 0)
		q->group_read = (st.st_mode & S_IRGRP) != 0;
	q->tmp_fd = q->entries_fd < 0 ? -1 : queue_subdir(q, top, "tmp", e);
	q->quarantine_fd =
	        q->tmp_fd < 0 ? -1 : queue_subdir(q, top, "quarantine", e);
	close(top);
	if (q->quarantine_fd < 0) {
		queue_close(q);
		return -1;
	}
	return 0;
}

void
queue_close(struct queue *q)
{
	struct err e = { 0 };

	(void)queue_sync(q, &e);
	err_clear(&e);
	if (q->entries_fd >= 0)
		close(q->entries_fd);
	if (q->tmp_fd >= 0)
		close(q->tmp_fd);
	if (q->quarantine_fd >= 0)
		close(q->quarantine_fd);
	free(q->dir);
	memset(q, 0, sizeof(*q));
	q->entries_fd = q->tmp_fd = q->quarantine_fd = -1;
}

/* -- writing --------------------------------------------------------------- */

/* A new temporary file in tmp/, open for writing and locked; its name in
 * name. -1 with e set. */
static int
queue_tmp_create(struct queue *q, char *name, size_t size, struct err *e)
{
	unsigned char r[8];
	int fd, tries;

	for (tries = 0; tries < 16; tries++) {
		if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
			xabort(__func__, "getrandom failed");
		snprintf(name, size, "t%02x%02x%02x%02x%02x%02x%02x%02x", r[0],
		         r[1], r[2], r[3], r[4], r[5], r[6], r[7]);
		fd = openat(q->tmp_fd, name,
		            O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		            0600);
		if (fd >= 0 && (queue_give(q, fd, -1, NULL) < 0 ||
		                (q->group_read && fchmod(fd, 0640) < 0))) {
			unlinkat(q->tmp_fd, name, 0);
			close(fd);
			break;
		}
		if (fd >= 0) {
			flock(fd, LOCK_EX);
			return fd;
		}
		if (errno != EEXIST)
			break;
	}
	err_set(e, ERR_CANTCREAT, _("cannot create a file in %s/tmp: %s"),
	        q->dir, strerror(errno));
	return -1;
}

/* Append the end marker and make the file durable; -1 with e set. */
static int
queue_finish(struct queue *q, int fd, off_t data_size, const char *id,
             struct err *e)
{
	char trailer[QUEUE_TRAILER_MAX + 1];
	int n;

	n = snprintf(trailer, sizeof(trailer), "\nend %jd %s\n",
	             (intmax_t)data_size, id);
	if (n < 0 || (size_t)n >= sizeof(trailer) ||
	    file_write_all(fd, trailer, (size_t)n) < 0 || fsync(fd) < 0) {
		err_set(e, ERR_IO, _("cannot write to the queue %s: %s"),
		        q->dir, strerror(errno));
		return -1;
	}
	return 0;
}

/* Bytes written to fd since offset start; -1 on error. */
static off_t
queue_written_since(int fd, off_t start)
{
	off_t end = lseek(fd, 0, SEEK_CUR);

	return end < start ? -1 : end - start;
}

static void
queue_new_suffix(char *id)
{
	static const char digits[] = "0123456789ABCDEF";
	unsigned char r[2];
	size_t n = strlen(id);

	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
		xabort(__func__, "getrandom failed");
	id[n - 2] = digits[r[0] & 15];
	id[n - 1] = digits[r[1] & 15];
}

/* Move tmp/name to entries/id without replacing an entry: 0, 1 when id
 * is taken, -1 with e set. Then fsync entries/. */
static int
queue_publish(struct queue *q, const char *name, const char *id, struct err *e)
{
	if (renameat2(q->tmp_fd, name, q->entries_fd, id, RENAME_NOREPLACE) <
	    0) {
		if (errno == EEXIST)
			return 1;
		err_set(e, ERR_IO, _("cannot commit to the queue %s: %s"),
		        q->dir, strerror(errno));
		return -1;
	}
	if (fsync(q->entries_fd) < 0) {
		/* Durable or not, nobody can tell: take it back, so that the
		 * caller's failure (and its fallback) never makes a copy. */
		err_set(e, ERR_IO, _("cannot commit to the queue %s: %s"),
		        q->dir, strerror(errno));
		unlinkat(q->entries_fd, id, 0);
		return -1;
	}
	return 0;
}

/* The envelope of env in a new locked temporary file; the fd, -1. */
static int
queue_start_file(struct queue *q, const struct queue_env *env, char *name,
                 size_t size, off_t *data_offset, struct err *e)
{
	char *text;
	size_t len;
	int fd;

	if (queue_format_env(env, &text, &len, e) < 0)
		return -1;
	fd = queue_tmp_create(q, name, size, e);
	if (fd >= 0 && file_write_all(fd, text, len) < 0) {
		err_set(e, ERR_IO, _("cannot write to the queue %s: %s"),
		        q->dir, strerror(errno));
		unlinkat(q->tmp_fd, name, 0);
		close(fd);
		fd = -1;
	}
	free(text);
	*data_offset = (off_t)len;
	return fd;
}

int
queue_commit(struct queue *q, struct queue_env *env, queue_writer write_fn,
             void *ctx, struct err *e)
{
	char name[32];
	off_t offset, size;
	int fd, rc = -1, tries;

	fd = queue_start_file(q, env, name, sizeof(name), &offset, e);
	if (fd < 0)
		return -1;
	if (write_fn(ctx, fd, e) < 0)
		goto out;
	size = queue_written_since(fd, offset);
	if (size < 0 || queue_finish(q, fd, size, env->id, e) < 0)
		goto out;
	for (tries = 0; tries < 8; tries++) {
		rc = queue_publish(q, name, env->id, e);
		if (rc != 1)
			break;
		/* Taken: a new id, in the envelope and the end marker. */
		queue_new_suffix(env->id);
		if (pwrite(fd, env->id, strlen(env->id), QUEUE_ID_OFFSET) !=
		            (ssize_t)strlen(env->id) ||
		    ftruncate(fd, offset + size) < 0 ||
		    lseek(fd, 0, SEEK_END) < 0 ||
		    queue_finish(q, fd, size, env->id, e) < 0) {
			rc = -1;
			break;
		}
	}
out:
	if (rc != 0) {
		if (rc == 1)
			err_set(e, ERR_CANTCREAT, _("no free queue id"));
		unlinkat(q->tmp_fd, name, 0);
		rc = -1;
	}
	close(fd);
	return rc;
}

/* A file of tmp/ that a dead writer left; 1 when removed. */
static int
queue_sweep_one(struct queue *q, const char *name, time_t now)
{
	struct stat st;
	int fd, gone = 0;

	fd = openat(q->tmp_fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	                                     O_CLOEXEC);
	if (fd < 0)
		return 0;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    st.st_mtime + QUEUE_TMP_STALE < now &&
	    flock(fd, LOCK_EX | LOCK_NB) == 0)
		gone = unlinkat(q->tmp_fd, name, 0) == 0;
	close(fd);
	return gone;
}

size_t
queue_sweep_tmp(struct queue *q, time_t now)
{
	int fd = dup(q->tmp_fd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;
	size_t n = 0;

	if (d == NULL) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	rewinddir(d);
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] == 't')
			n += (size_t)queue_sweep_one(q, de->d_name, now);
	closedir(d);
	return n;
}

/* -- reading ----------------------------------------------------------------
 */

/* Move entries/name aside, keeping its name when quarantine/ has none. */
static void
queue_quarantine(struct queue *q, const char *name)
{
	char alt[QUEUE_ID_MAX + 24];

	if (renameat2(q->entries_fd, name, q->quarantine_fd, name,
	              RENAME_NOREPLACE) == 0)
		return;
	/* When it cannot be moved either, it stays: every load refuses it
	 * again, and nothing that might be mail is ever deleted. */
	snprintf(alt, sizeof(alt), "%.31s.%jd", name, (intmax_t)time(NULL));
	if (renameat(q->entries_fd, name, q->quarantine_fd, alt) == 0)
		fsync(q->entries_fd);
}

/* Read len bytes at offset; 0, or -1. */
static int
queue_pread_all(int fd, char *p, size_t len, off_t offset)
{
	ssize_t n;

	while (len > 0) {
		n = pread(fd, p, len, offset);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
		offset += n;
	}
	return 0;
}

/* Check the end marker against the file size and the envelope's id. */
static int
queue_check_trailer(int fd, off_t file_size, struct queue_entry *ent)
{
	char tail[QUEUE_TRAILER_MAX + 1], id[QUEUE_ID_MAX + 1];
	size_t n = QUEUE_TRAILER_MAX;
	intmax_t size;
	char *at = NULL, *p, end;

	if (file_size - ent->data_offset < 7)
		return -1;
	if ((off_t)n > file_size - ent->data_offset)
		n = (size_t)(file_size - ent->data_offset);
	if (queue_pread_all(fd, tail, n, file_size - (off_t)n) < 0)
		return -1;
	tail[n] = '\0';
	for (p = tail; (p = memmem(p, n - (size_t)(p - tail), "\nend ", 5));
	     p++)
		at = p;
	if (at == NULL ||
	    sscanf(at, "\nend %jd %32[0-9A-Z]%c", &size, id, &end) != 3 ||
	    end != '\n' || at + strlen(at) != tail + n ||
	    strcmp(id, ent->env.id) != 0 || size < 0 ||
	    ent->data_offset + size + (off_t)(tail + n - at) != file_size)
		return -1;
	ent->data_size = (off_t)size;
	return 0;
}

/* Parse the envelope at the start of fd: its length, or -1. The head is
 * read 64 KiB first and doubled while the envelope does not end in it, up
 * to QUEUE_MAX_HEADER, so memory follows the envelope, not the message. */
static ssize_t
queue_read_env(int fd, off_t file_size, struct queue_env *env)
{
	size_t max = file_size < (off_t)QUEUE_MAX_HEADER ? (size_t)file_size
	                                                 : QUEUE_MAX_HEADER;
	size_t len = max < 65536 ? max : 65536;
	struct err pe = {0};
	ssize_t off = -1;
	char *head;

	for (;;) {
		head = xmalloc(len + 1);
		if (queue_pread_all(fd, head, len, 0) == 0)
			off = queue_parse_env(head, len, env, &pe);
		free(head);
		err_clear(&pe);
		if (off >= 0 || len == max)
			return off;
		len = len * 2 < max ? len * 2 : max;
	}
}

/* Parse and check the open entry fd: 0, or -1 with the reason in why. */
static int
queue_read_entry(int fd, const struct stat *st, const char *name,
                 struct queue_entry *ent, const char **why)
{
	ssize_t off;

	*why = _("not a complete entry");
	off = queue_read_env(fd, st->st_size, &ent->env);
	if (off < 0)
		return -1;
	ent->data_offset = (off_t)off;
	if (strcmp(ent->env.id, name) != 0) {
		*why = _("its id is not its name");
		return -1;
	}
	if (queue_check_trailer(fd, st->st_size, ent) < 0) {
		*why = _("torn or truncated: the end marker does not match");
		return -1;
	}
	return 0;
}

/* 0 when fd is a regular file of ours, linked once, still entries/name. */
static int
queue_check_file(struct queue *q, int fd, const char *name, struct stat *st,
                 const char **why)
{
	struct stat now;

	/* First whether the name is still this file: a rewrite renames a
	 * new file over it, and the old one (now linked nowhere) must not
	 * make the new one look broken. */
	if (fstat(fd, st) < 0)
		return 1;
	if (st->st_nlink == 0 ||
	    fstatat(q->entries_fd, name, &now, AT_SYMLINK_NOFOLLOW) < 0 ||
	    now.st_ino != st->st_ino || now.st_dev != st->st_dev)
		return 1; /* replaced or removed meanwhile */
	if (!S_ISREG(st->st_mode) || st->st_nlink != 1) {
		*why = _("not a regular file linked once");
		return -1;
	}
	if (st->st_uid != q->owner) {
		*why = _("owned by another user");
		return -1;
	}
	return 0;
}

/* Open entries/id without following a link or blocking on a FIFO; a
 * symbolic link there is moved aside. -1 with e set. */
static int
queue_open_entry(struct queue *q, const char *id, struct err *e)
{
	int fd;

	if (!queue_id_valid(id)) {
		err_set(e, ERR_USAGE, _("%s is not a queue id"), id);
		return -1;
	}
	fd = openat(q->entries_fd, id,
	            O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd >= 0)
		return fd;
	if (errno == ELOOP) {
		queue_quarantine(q, id);
		err_set(e, ERR_DATA, _("%s/entries/%s moved to quarantine: %s"),
		        q->dir, id, _("a symbolic link"));
	} else {
		err_set(e, errno == ENOENT ? ERR_OS : ERR_IO,
		        _("cannot open queue entry %s: %s"), id,
		        strerror(errno));
	}
	return -1;
}

int
queue_load(struct queue *q, const char *id, int lock, struct queue_entry *ent,
           struct err *e)
{
	const char *why = NULL;
	struct stat st;
	int fd, rc;

	memset(ent, 0, sizeof(*ent));
	ent->fd = -1;
	fd = queue_open_entry(q, id, e);
	if (fd < 0)
		return -1;
	if (lock && flock(fd, LOCK_EX | LOCK_NB) < 0) {
		close(fd);
		return 1;
	}
	rc = queue_check_file(q, fd, id, &st, &why);
	if (rc == 0)
		rc = queue_read_entry(fd, &st, id, ent, &why);
	if (rc != 0) {
		queue_env_free(&ent->env);
		close(fd);
		if (rc > 0)
			return 1;
		/* Only with the lock: then the name is still this file (a
		 * rewrite takes the lock first, a commit never replaces). */
		if (!lock) {
			err_set(e, ERR_DATA, _("%s/entries/%s: %s"), q->dir, id,
			        why);
			return -1;
		}
		queue_quarantine(q, id);
		err_set(e, ERR_DATA, _("%s/entries/%s moved to quarantine: %s"),
		        q->dir, id, why);
		return -1;
	}
	ent->fd = fd;
	return 0;
}

void
queue_entry_free(struct queue_entry *ent)
{
	queue_env_free(&ent->env);
	if (ent->fd >= 0)
		close(ent->fd);
	ent->fd = -1;
}

/* -- rewriting, removing, listing ---------------------------------------- */

/* Copy ent's message bytes to fd; 0, or -1. */
static int
queue_copy_data(const struct queue_entry *ent, int fd)
{
	off_t in = ent->data_offset, left = ent->data_size;
	char chunk[65536];
	ssize_t n;

	while (left > 0) {
		n = copy_file_range(ent->fd, &in, fd, NULL, (size_t)left, 0);
		if (n < 0 && (errno == EXDEV || errno == EINVAL ||
		              errno == ENOSYS || errno == EOPNOTSUPP)) {
			n = left < (off_t)sizeof(chunk)
			            ? (ssize_t)left
			            : (ssize_t)sizeof(chunk);
			if (queue_pread_all(ent->fd, chunk, (size_t)n, in) <
			            0 ||
			    file_write_all(fd, chunk, (size_t)n) < 0)
				return -1;
			in += n;
		} else if (n <= 0) {
			return -1;
		}
		left -= n;
	}
	return 0;
}

int
queue_update(struct queue *q, struct queue_entry *ent, struct err *e)
{
	char name[32];
	off_t offset;
	int fd;

	fd = queue_start_file(q, &ent->env, name, sizeof(name), &offset, e);
	if (fd < 0)
		return -1;
	if (queue_copy_data(ent, fd) < 0) {
		err_set(e, ERR_IO, _("cannot write to the queue %s: %s"),
		        q->dir, strerror(errno));
		goto fail;
	}
	if (queue_finish(q, fd, ent->data_size, ent->env.id, e) < 0)
		goto fail;
	if (renameat(q->tmp_fd, name, q->entries_fd, ent->env.id) < 0) {
		err_set(e, ERR_IO, _("cannot commit to the queue %s: %s"),
		        q->dir, strerror(errno));
		goto fail;
	}
	/* Renamed: the rewrite is what the name holds now, whatever
	 * fsync says; reporting "unchanged" would be false. */
	(void)fsync(q->entries_fd);
	close(ent->fd);
	ent->fd = fd;
	ent->data_offset = offset;
	return 0;
fail:
	unlinkat(q->tmp_fd, name, 0);
	close(fd);
	return -1;
}

int
queue_sync(struct queue *q, struct err *e)
{
	if (q->unsynced == 0 || q->entries_fd < 0)
		return 0;
	q->unsynced = 0;
	if (fsync(q->entries_fd) < 0) {
		err_set(e, ERR_IO, _("cannot sync the queue %s: %s"), q->dir,
		        strerror(errno));
		return -1;
	}
	return 0;
}

int
queue_remove(struct queue *q, struct queue_entry *ent, struct err *e)
{
	if (unlinkat(q->entries_fd, ent->env.id, 0) < 0) {
		err_set(e, ERR_IO, _("cannot remove queue entry %s: %s"),
		        ent->env.id, strerror(errno));
		return -1;
	}
	if (++q->unsynced >= QUEUE_SYNC_REMOVALS)
		return queue_sync(q, e);
	return 0;
}

static int
queue_cmp_ids(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
queue_list(struct queue *q, char ***ids, size_t *n, struct err *e)
{
	/* A description of its own: a dup would share the offset with
	 * every process forked after queue_open (a shared run's helpers). */
	int fd = openat(q->entries_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	struct dirent *de;
	size_t cap = 0;

	*ids = NULL;
	*n = 0;
	if (d == NULL) {
		if (fd >= 0)
			close(fd);
		err_set(e, ERR_OS, _("cannot read the queue %s: %s"), q->dir,
		        strerror(errno));
		return -1;
	}
	rewinddir(d);
	while ((de = readdir(d)) != NULL) {
		if (!queue_id_valid(de->d_name))
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			*ids = xrealloc(*ids, cap * sizeof(**ids));
		}
		(*ids)[(*n)++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (*n > 0)
		qsort(*ids, *n, sizeof(**ids), queue_cmp_ids);
	return 0;
}
