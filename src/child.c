/* child.c - running a configured command with a deadline
 *
 * Owns: starting eval and passwordeval commands (no shell unless needed),
 *       their process group, bounded output, the deadline and killing
 *       the group when it passes.
 * Not:  what the output means (config.c reads configuration, secret.c a
 *       password). */

#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "child.h"
#include "xmalloc.h"

/* Split a command into words when it has no shell syntax; else NULL. */
static char **
child_words(const char *cmd)
{
	char **argv = NULL, *copy, *tok, *save = NULL;
	size_t n = 0;

	if (strpbrk(cmd, "|&;<>()$`\\\"'*?[]#~=%{}\n") != NULL)
		return NULL;
	copy = xstrdup(cmd);
	for (tok = strtok_r(copy, " \t", &save); tok != NULL;
	     tok = strtok_r(NULL, " \t", &save)) {
		argv = xrealloc(argv, (n + 2) * sizeof(char *));
		argv[n++] = xstrdup(tok);
		argv[n] = NULL;
	}
	free(copy);
	return argv;
}

static void
child_exec(const char *cmd, int out, int errfd)
{
	char **argv = child_words(cmd);
	int null = open("/dev/null", O_RDONLY);

	/* A group of its own, so the deadline ends what it started too. */
	setpgid(0, 0);
	/* Not dsmtp's stdin: under -bs that is the SMTP session. */
	if (null >= 0)
		dup2(null, STDIN_FILENO);
	dup2(out, STDOUT_FILENO);
	dup2(errfd, STDERR_FILENO);
	if (argv != NULL && argv[0] != NULL)
		execvp(argv[0], argv);
	else
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
	fprintf(stderr, "%s: %s\n", cmd, strerror(errno));
	_exit(127);
}

static long long
child_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Read stdout and stderr together (a chatty stderr cannot block the
 * child while we wait on stdout) until both end, the deadline passes or
 * stdout passes max. */
static enum child_outcome
child_read(int fds[2], long long deadline, size_t max, struct buf *out,
	   struct buf *errout)
{
	struct pollfd p[2] = { { .fd = fds[0], .events = POLLIN },
			       { .fd = fds[1], .events = POLLIN } };
	struct buf *dst[2] = { out, errout };
	char chunk[4096];
	long long left;
	ssize_t n;
	int open_fds = 2, i, ready, rc = CHILD_EXITED;

	while (open_fds > 0 && rc == CHILD_EXITED) {
		left = deadline - child_now_ms();
		ready = left > 0 ? poll(p, 2, (int)left) : 0;
		if (ready < 0 && errno == EINTR)
			continue;
		if (ready <= 0) {
			rc = CHILD_TIMED_OUT;
			break;
		}
		for (i = 0; i < 2; i++) {
			if (p[i].fd < 0 || p[i].revents == 0)
				continue;
			n = read(p[i].fd, chunk, sizeof(chunk));
			if (n > 0 && i == 0 && out->len + (size_t)n > max)
				rc = CHILD_TOO_MUCH;
			else if (n > 0 && dst[i]->len < max)
				buf_append(dst[i], chunk, (size_t)n);
			if (n == 0 || (n < 0 && errno != EINTR)) {
				p[i].fd = -1;
				open_fds--;
			}
		}
	}
	xwipe(chunk, sizeof(chunk));
	return (enum child_outcome)rc;
}

enum child_outcome
child_run(const char *cmd, int timeout_s, size_t max, struct buf *out,
	  struct buf *errout, int *status)
{
	int op[2] = { -1, -1 }, ep[2] = { -1, -1 }, fds[2], i, saved = 0;
	enum child_outcome rc = CHILD_NOT_RUN;
	pid_t pid = -1;

	*status = 0;
	if (pipe2(op, O_CLOEXEC) == 0 && pipe2(ep, O_CLOEXEC) == 0 &&
	    (pid = fork()) == 0)
		child_exec(cmd, op[1], ep[1]);
	if (pid < 0)
		saved = errno;
	if (pid > 0) {
		setpgid(pid, pid); /* whichever of the two runs first */
		close(op[1]);
		close(ep[1]);
		op[1] = ep[1] = -1;
		fds[0] = op[0];
		fds[1] = ep[0];
		rc = child_read(fds, child_now_ms() + timeout_s * 1000LL, max,
				out, errout);
		if (rc != CHILD_EXITED)
			kill(-pid, SIGKILL);
		while (waitpid(pid, status, 0) < 0 && errno == EINTR)
			;
	}
	for (i = 0; i < 2; i++) {
		if (op[i] >= 0)
			close(op[i]);
		if (ep[i] >= 0)
			close(ep[i]);
	}
	if (saved != 0)
		errno = saved;
	return rc;
}
