/* handover.c - a user's message to the system's mail, through dsmtp-drop
 *
 * Owns: when a submission goes through the helper, and feeding it the
 *       stream drop.h describes.
 * Not:  the helper (drop, drop_main.c), picking up (pickup), the
 *       submission's own steps (submit, run later by the pickup). */

#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "config.h"
#include "drop.h"
#include "file.h"
#include "handover.h"
#include "i18n.h"
#include "incoming.h"
#include "log.h"
#include "xmalloc.h"

const char *
handover_helper_path(void)
{
	static char path[PATH_MAX + 16];

	if (path[0] == '\0')
		file_helper("dsmtp-drop", LIBEXECDIR "/dsmtp-drop", path,
		            sizeof(path));
	return path;
}

static int
handover_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/* 1 when the system file that config_load would read is there but the
 * caller may not open it. */
static int
handover_system_closed(void)
{
	const char *sys = handover_exists(CONFIG_SYSTEM_FILE)
	                          ? CONFIG_SYSTEM_FILE
	                          : CONFIG_MSMTP_SYSTEM_FILE;
	int fd = open(sys, O_RDONLY | O_CLOEXEC | O_NONBLOCK);

	if (fd >= 0) {
		close(fd);
		return 0;
	}
	return errno == EACCES;
}

int
handover_wanted(const struct cli_opts *cli)
{
	struct config_sources src = { CONFIG_SYSTEM_FILE, NULL, 0 };
	char *paths[4];
	size_t n, i;
	int own = 0;

	if (geteuid() == 0 || cli->config_file != NULL || cli->host != NULL)
		return 0;
	config_search_paths(&src, paths, &n);
	for (i = 0; i < n; i++) {
		if (strcmp(paths[i], CONFIG_SYSTEM_FILE) != 0 &&
		    strcmp(paths[i], CONFIG_MSMTP_SYSTEM_FILE) != 0 &&
		    handover_exists(paths[i]))
			own = 1;
		free(paths[i]);
	}
	return !own && handover_system_closed() &&
	       access(handover_helper_path(), X_OK) == 0;
}

/* Where a line "." (LF or CRLF) ends in p[0..n), given the state st
 * carried from the previous chunk (0 mid-line, 1 at a line's start, 2
 * after a lone ".", 3 after ".\r"): the offset just past it, or -1. */
static ssize_t
handover_dot_end(const char *p, ssize_t n, int *st)
{
	ssize_t i;

	for (i = 0; i < n; i++) {
		if (p[i] == '\n') {
			if (*st >= 2)
				return i + 1;
			*st = 1;
		} else if (p[i] == '.' && *st == 1) {
			*st = 2;
		} else if (p[i] == '\r' && *st == 2) {
			*st = 3;
		} else {
			*st = 0;
		}
	}
	return -1;
}

/* The message from in to out: to the end, or, unless ignore_dots, to a
 * line holding only "." (passed on: the pickup's reader stops there too;
 * dsmtp only stops reading, as sendmail does). *size counts what was
 * written. 0, or -1 with e set. */
static int
handover_copy(int in, int out, int ignore_dots, off_t *size, struct err *e)
{
	char chunk[65536];
	ssize_t n, end;
	int st = 1;

	for (*size = 0;;) {
		n = read(in, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err_set(e, ERR_IO, _("cannot read the message: %s"),
			        strerror(errno));
			return -1;
		}
		end = n == 0 || ignore_dots ? -1 : handover_dot_end(chunk, n,
		                                                     &st);
		if (end >= 0)
			n = end;
		if (n > 0 && file_write_all(out, chunk, (size_t)n) < 0) {
			err_set(e, ERR_TEMP, _("the system's queue helper %s "
			                       "stopped reading the message"),
			        handover_helper_path());
			return -1;
		}
		*size += n;
		if (*size > DROP_MAX_MESSAGE) {
			err_set(e, ERR_DATA, _("the message is larger than %lld "
			                       "MiB, the most the system's queue "
			                       "takes from a user"),
			        (long long)(DROP_MAX_MESSAGE >> 20));
			return -1;
		}
		if (n == 0 || end >= 0)
			return 0;
	}
}

/* Header, message and trailer to the helper's input. */
static int
handover_feed(int to, const char *head, size_t hlen, int fd, int ignore_dots,
              struct err *e)
{
	char trailer[40];
	off_t size;

	if (file_write_all(to, head, hlen) < 0) {
		err_set(e, ERR_TEMP, _("the system's queue helper %s stopped "
		                       "reading the message"),
		        handover_helper_path());
		return -1;
	}
	if (handover_copy(fd, to, ignore_dots, &size, e) < 0)
		return -1;
	snprintf(trailer, sizeof(trailer), "\nend %lld\n", (long long)size);
	file_write_all(to, trailer, strlen(trailer)); /* the helper judges */
	return 0;
}

/* Start the helper with arg (NULL: none) and no environment, its
 * standard output a pipe read from *from and, when to is not NULL, its
 * standard input a pipe written to *to. Its pid, or -1 with e set. */
static pid_t
handover_spawn(const char *arg, int *to, int *from, struct err *e)
{
	char *const argv[] = { (char *)"dsmtp-drop", (char *)arg, NULL };
	char *const envp[] = { NULL };
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, i, saved;
	pid_t pid = -1;

	if ((to == NULL || pipe2(in, O_CLOEXEC) == 0) &&
	    pipe2(out, O_CLOEXEC) == 0)
		pid = fork();
	if (pid == 0) {
		if (to != NULL)
			dup2(in[0], STDIN_FILENO);
		dup2(out[1], STDOUT_FILENO);
		execve(handover_helper_path(), argv, envp);
		_exit(127);
	}
	if (pid < 0) {
		saved = errno;
		for (i = 0; i < 2; i++) {
			if (in[i] >= 0)
				close(in[i]);
			if (out[i] >= 0)
				close(out[i]);
		}
		err_set(e, ERR_TEMP, _("cannot run %s: %s"),
		        handover_helper_path(), strerror(saved));
		return -1;
	}
	if (to != NULL) {
		close(in[0]);
		*to = in[1];
	}
	close(out[1]);
	*from = out[0];
	return pid;
}

/* What the helper said (an id, or the word for its failure) and how it
 * ended; 0 with id filled, or -1 with e set. */
static int
handover_result(int from, pid_t pid, char id[QUEUE_ID_MAX], struct err *e)
{
	char out[64] = "";
	ssize_t n, got = 0;
	int status = 0;

	while (got < (ssize_t)sizeof(out) - 1 &&
	       ((n = read(from, out + got, sizeof(out) - 1 - (size_t)got)) >
	                0 ||
	        (n < 0 && errno == EINTR)))
		got += n > 0 ? n : 0;
	out[strcspn(out, "\n")] = '\0';
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
	    queue_id_valid(out)) {
		memcpy(id, out, strlen(out) + 1); /* valid: < QUEUE_ID_MAX */
		return 0;
	}
	switch (WIFEXITED(status) ? drop_from_word(out) : DROP_IO) {
	case DROP_TOO_LARGE:
		err_set(e, ERR_DATA, _("the message is larger than %lld MiB, "
		                       "the most the system's queue takes "
		                       "from a user"),
		        (long long)(DROP_MAX_MESSAGE >> 20));
		break;
	case DROP_FULL:
		err_set(e, ERR_TEMP, _("the system's queue is full"));
		break;
	case DROP_NO_SPOOL:
		err_set(e, ERR_CONFIG, _("the system's queue %s cannot take "
		                         "mail (make install-system sets it "
		                         "up)"),
		        SPOOLDIR "/" DROP_INCOMING);
		break;
	default:
		err_set(e, ERR_TEMP, _("the system's queue helper %s failed "
		                       "(%s)"),
		        handover_helper_path(), out[0] ? out : "no answer");
	}
	return -1;
}

int
handover_submit(char *const *args, size_t nargs, int fd, int ignore_dots,
                char id[QUEUE_ID_MAX], struct err *e)
{
	struct incoming inc = { (char **)args, nargs };
	struct err scratch = { 0 };
	int to, from, rc;
	size_t hlen;
	char *head;
	pid_t pid;

	if (incoming_check_args(args, nargs, e) < 0 ||
	    incoming_format(&inc, &head, &hlen, e) < 0)
		return -1;
	pid = handover_spawn(NULL, &to, &from, e);
	if (pid < 0) {
		free(head);
		return -1;
	}
	rc = handover_feed(to, head, hlen, fd, ignore_dots, e);
	free(head);
	close(to);
	if (rc < 0) {
		/* Nothing was published: the helper saw no trailer. */
		kill(pid, SIGTERM);
		handover_result(from, pid, id, &scratch);
		err_clear(&scratch);
	} else {
		rc = handover_result(from, pid, id, e);
	}
	close(from);
	if (rc == 0 && log_verbose())
		log_diag(_("queued as %s in the system's queue"), id);
	return rc;
}

int
handover_envelope(void *ctx, int fd, const struct submit_envelope *env,
                  struct err *e)
{
	char **args = xcalloc(env->rcpts->n + 5, sizeof(*args));
	char id[QUEUE_ID_MAX];
	size_t n = 0, i;
	int rc;

	(void)ctx;
	args[n++] = (char *)"-oi"; /* the dialogue's data is taken whole */
	args[n++] = xasprintf("-f<%s>", env->from);
	args[n++] = (char *)"--";
	for (i = 0; i < env->rcpts->n; i++)
		args[n++] = env->rcpts->v[i];
	rc = handover_submit(args, n, fd, 1, id, e);
	free(args[1]);
	free(args);
	if (rc == 0) {
		if (env->delivered != NULL)
			*env->delivered += env->rcpts->n;
		if (env->queue_id != NULL)
			strcpy(env->queue_id, id);
	}
	return rc;
}

/* The message size of an entry file fsize octets long whose envelope is
 * envlen octets: what is left once the end marker "\nend SIZE ID\n" is
 * taken off. */
static off_t
handover_data_size(off_t fsize, off_t envlen, const char *id)
{
	off_t size, digits, pow;

	for (digits = 1, pow = 10; digits < 20; digits++, pow *= 10) {
		size = fsize - envlen - (off_t)(6 + strlen(id) + 1) - digits;
		if (size >= 0 && size < pow && (digits == 1 || size >= pow / 10))
			return size;
	}
	return 0;
}

/* Each "entry FILESIZE ENVLEN" record of the helper's output in b. */
static void
handover_each(const struct buf *b,
              void (*each)(const struct queue_entry *, void *), void *ctx)
{
	struct queue_entry ent;
	struct err e = { 0 };
	long long fsize;
	size_t pos = 0, envlen;
	const char *nl;
	int used;

	while (pos < b->len &&
	       (nl = memchr(b->data + pos, '\n', b->len - pos)) != NULL &&
	       sscanf(b->data + pos, "entry %lld %zu%n", &fsize, &envlen,
	              &used) == 2 &&
	       b->data + pos + used == nl &&
	       envlen <= b->len - (size_t)(nl + 1 - b->data)) {
		pos = (size_t)(nl + 1 - b->data);
		memset(&ent, 0, sizeof(ent));
		ent.fd = -1;
		if (queue_parse_env(b->data + pos, envlen, &ent.env, &e) ==
		    (ssize_t)envlen) {
			ent.data_size = handover_data_size(
			        (off_t)fsize, (off_t)envlen, ent.env.id);
			each(&ent, ctx);
			queue_env_free(&ent.env);
		}
		err_clear(&e);
		pos += envlen;
	}
}

int
handover_list(void (*each)(const struct queue_entry *, void *), void *ctx,
              struct err *e)
{
	struct buf b = { 0 };
	char chunk[65536];
	int from, status = 0;
	ssize_t n;
	pid_t pid = handover_spawn("--list", NULL, &from, e);

	if (pid < 0)
		return -1;
	while ((n = read(from, chunk, sizeof(chunk))) > 0 ||
	       (n < 0 && errno == EINTR))
		if (n > 0)
			buf_append(&b, chunk, (size_t)n);
	close(from);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		handover_each(&b, each, ctx);
	else
		err_set(e, ERR_TEMP, _("the system's queue helper %s failed "
		                       "(%s)"), handover_helper_path(), "--list");
	buf_free(&b);
	return e->cls == ERR_NONE ? 0 : -1;
}
