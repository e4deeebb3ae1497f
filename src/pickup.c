/* pickup.c - handed-over submissions into the queue
 *
 * Owns: reading incoming/ (the helper's files), submitting each for its
 *       owner in a process of its own, and what happens to the file.
 * Not:  the helper (drop), the form (incoming), the submission's steps
 *       (submit), delivery (the runner). */

#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "aliases.h"
#include "bounce.h"
#include "buf.h"
#include "cli.h"
#include "drop.h"
#include "engine.h"
#include "file.h"
#include "i18n.h"
#include "ident.h"
#include "incoming.h"
#include "log.h"
#include "pickup.h"
#include "submit.h"
#include "xmalloc.h"

int
pickup_open(const struct queue *q)
{
	char *p = xasprintf("%s/%s", q->dir, DROP_INCOMING);
	int fd = open(p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	free(p);
	return fd;
}

/* The file's header (at most INCOMING_MAX_HEADER octets read); its
 * length, or -1 with e set. */
static ssize_t
pickup_header(int fd, struct incoming *inc, struct err *e)
{
	struct buf b = { 0 };
	ssize_t hlen;

	file_read_head(fd, INCOMING_MAX_HEADER, "\ndata\n", &b);
	hlen = incoming_parse(b.data ? b.data : "", b.len, inc, e);
	buf_free(&b);
	return hlen;
}

/* queue_writer: the notice's text. */
static int
pickup_write_notice(void *ctx, int fd, struct err *e)
{
	const struct buf *b = ctx;

	if (file_write_all(fd, b->data, b->len) == 0)
		return 0;
	err_set(e, ERR_TEMP, _("cannot write to the queue: %s"),
	        strerror(errno));
	return -1;
}

static const char *
pickup_reply_code(enum err_class cls)
{
	switch (cls) {
	case ERR_DATA:
		return "554 5.6.0";
	case ERR_USAGE:
		return "554 5.5.4";
	case ERR_NOUSER:
		return "550 5.1.1";
	default:
		return "554 5.0.0";
	}
}

/* The submission of uid was refused for good (why): queue a
 * notification of it (RFC 3464, the message's header section returned)
 * from the null sender to the address the user's mail goes out from, so
 * that a caller who was told "accepted" learns of it. */
static void
pickup_notify(const struct config *cfg, struct queue *q, int fd, off_t hlen,
              const struct cli_opts *cli, const char *id,
              const struct err *why)
{
	struct engine_names names;
	struct bounce_rcpt r[1];
	struct bounce_info bi = { 0 };
	struct queue_env env = { 0 };
	struct queue_rcpt to = { 0 };
	struct buf text = { 0 };
	struct passwd *pw = getpwuid(ident_uid());
	char *domain = addr_domain_or_default(
	        config_str(&cfg->defaults, CFG_QUALIFY_DOMAIN, NULL));
	char *reply = xasprintf("%s %s", pickup_reply_code(why->cls),
	                        why->msg ? why->msg : "refused");
	struct err e = { 0 };
	struct stat st = { 0 };

	to.addr = xasprintf("%s@%s", pw ? pw->pw_name : "postmaster", domain);
	r[0].addr = cli != NULL && cli->nrecipients > 0 ? cli->recipients[0]
	                                                 : to.addr;
	r[0].reply = reply;
	r[0].remote_mta = NULL;
	engine_names(&cfg->defaults, &names);
	bi.action = BOUNCE_FAILED;
	bi.reporting_mta = names.mta;
	bi.postmaster = names.postmaster;
	bi.sender = to.addr;
	bi.queue_id = id;
	bi.arrival = fstat(fd, &st) == 0 ? st.st_mtime : time(NULL);
	bi.now = time(NULL);
	bi.rcpts = r;
	bi.nrcpts = 1;
	queue_new_id(env.id);
	env.uid = ident_uid();
	env.from = (char *)"";
	env.rcpts = &to;
	env.nrcpts = 1;
	env.created = env.next_attempt = bi.now;
	env.dsn = 1;
	if (bounce_make(&bi, fd, hlen, st.st_size - hlen, &text, &e) < 0 ||
	    queue_commit(q, &env, pickup_write_notice, &text, &e) < 0)
		log_diag("%s", e.msg ? e.msg : "");
	else
		log_note(id, "status=refused notice=queued");
	err_clear(&e);
	buf_free(&text);
	engine_names_free(&names);
	free(to.addr);
	free(reply);
	free(domain);
}

/* 1 when a submission that failed with cls is refused for good (the
 * message or its command line is at fault): quarantined, notified. */
static int
pickup_refusal(enum err_class cls)
{
	return cls == ERR_USAGE || cls == ERR_DATA || cls == ERR_NOUSER;
}

/* The log line of a pickup that failed: refused (quarantined, the user
 * notified), or deferred (left in incoming/ for the next pickup: a key
 * the runner may not read, a configuration error to mend). */
static void
pickup_log(const char *id, uid_t uid, const struct err *e)
{
	struct buf b = { 0 };

	buf_printf(&b, "uid=%lu pickup=%s", (unsigned long)uid,
	           pickup_refusal(e->cls) ? "refused status=quarantined"
	                                  : "failed status=deferred");
	log_kv(&b, "reason", e->msg ? e->msg : "");
	log_note(id, buf_cstr(&b));
	buf_free(&b);
}

/* In the child: submit the file's message for uid; the exit code. */
static int
pickup_submit(const struct config *cfg, struct queue *q, int fd, uid_t uid,
              const char *id)
{
	struct incoming inc;
	struct cli_opts cli;
	struct err e = { 0 };
	char **argv = NULL;
	ssize_t hlen = -1;
	int rc = -1;

	memset(&cli, 0, sizeof(cli));
	ident_set(uid);
	hlen = pickup_header(fd, &inc, &e);
	if (hlen < 0 || incoming_check_args(inc.args, inc.nargs, &e) < 0)
		goto out;
	argv = xcalloc(inc.nargs + 2, sizeof(*argv));
	argv[0] = (char *)"sendmail";
	memcpy(argv + 1, inc.args, inc.nargs * sizeof(*argv));
	if (cli_parse((int)inc.nargs + 1, argv, &cli, &e) == 0 &&
	    lseek(fd, hlen, SEEK_SET) == hlen) {
		cli.deliver_mode = 'q';
		cli.queue_id = id;
		cli.verbose = 0;
		rc = submit_message(&cli, cfg, fd, NULL, &e);
	}
out:
	if (rc != 0 && e.cls == ERR_NONE)
		err_set(&e, ERR_IO, _("cannot read the handed-over message"));
	if (rc != 0) {
		log_diag(_("picking up %s (uid %lu): %s"), id,
		         (unsigned long)uid, e.msg ? e.msg : "");
		pickup_log(id, uid, &e);
		if (pickup_refusal(e.cls) && hlen >= 0)
			pickup_notify(cfg, q, fd, hlen, &cli, id, &e);
	}
	cli_free(&cli);
	free(argv);
	incoming_free(&inc);
	rc = rc == 0 ? EX_OK : err_exit_code(e.cls);
	err_clear(&e);
	return rc;
}

/* 1 when a child's exit status means the submission is refused for
 * good (pickup_refusal's classes). */
static int
pickup_refused(int status)
{
	if (!WIFEXITED(status))
		return 0;
	return WEXITSTATUS(status) == EX_USAGE ||
	       WEXITSTATUS(status) == EX_DATAERR ||
	       WEXITSTATUS(status) == EX_NOUSER;
}

static void
pickup_quarantine(struct queue *q, int incfd, const char *name, int status)
{
	char to[DROP_NAME_MAX + 8];

	(void)status;
	snprintf(to, sizeof(to), "in-%s", name);
	if (renameat(incfd, name, q->quarantine_fd, to) < 0)
		return;

}

/* fd: the file incoming/name, locked. */
static int
pickup_file(const struct config *cfg, struct queue *q, int incfd,
            const char *name, int fd, const struct stat *st)
{
	struct stat gone;
	int status = 0;
	pid_t pid;

	/* A pickup that died after the commit: the entry is there. */
	if (fstatat(q->entries_fd, name, &gone, AT_SYMLINK_NOFOLLOW) == 0)
		return unlinkat(incfd, name, 0) == 0;
	pid = fork();
	if (pid < 0)
		return 0;
	if (pid == 0)
		_exit(pickup_submit(cfg, q, fd, st->st_uid, name));
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == EX_OK)
		return unlinkat(incfd, name, 0) == 0;
	if (pickup_refused(status))
		pickup_quarantine(q, incfd, name, status);
	return 0;
}

/* One name of incoming/: 1 when taken. */
static int
pickup_one(const struct config *cfg, struct queue *q, int incfd,
           const char *name, time_t now)
{
	struct stat st;
	int fd, taken = 0;

	if (strncmp(name, DROP_TMP_PREFIX, strlen(DROP_TMP_PREFIX)) == 0) {
		if (fstatat(incfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    st.st_mtime + PICKUP_STALE < now)
			unlinkat(incfd, name, 0);
		return 0;
	}
	if (!queue_id_valid(name))
		return 0;
	fd = openat(incfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	                                 O_CLOEXEC);
	if (fd < 0)
		return 0;
	/* Locked first, then checked: a file another pickup took and
	 * removed meanwhile is linked nowhere. */
	if (flock(fd, LOCK_EX | LOCK_NB) == 0 && fstat(fd, &st) == 0 &&
	    S_ISREG(st.st_mode) && st.st_nlink == 1)
		taken = pickup_file(cfg, q, incfd, name, fd, &st);
	close(fd);
	return taken;
}

static int
pickup_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

size_t
pickup_run(const struct config *cfg, struct queue *q, int incfd)
{
	struct strlist names = { 0 };
	struct dirent *d;
	size_t i, taken = 0;
	time_t now = time(NULL);
	int dfd = openat(incfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *dir = dfd < 0 ? NULL : fdopendir(dfd);

	if (dir == NULL) {
		if (dfd >= 0)
			close(dfd);
		return 0;
	}
	while ((d = readdir(dir)) != NULL)
		if (d->d_name[0] != '.' || strncmp(d->d_name, DROP_TMP_PREFIX,
		                                   strlen(DROP_TMP_PREFIX)) == 0)
			strlist_add(&names, d->d_name);
	closedir(dir);
	if (names.n > 0)
		qsort(names.v, names.n, sizeof(*names.v), pickup_cmp);
	for (i = 0; i < names.n; i++)
		taken += (size_t)pickup_one(cfg, q, incfd, names.v[i], now);
	strlist_free(&names);
	return taken;
}
