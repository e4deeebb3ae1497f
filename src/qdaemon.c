/* qdaemon.c - --queue-daemon: the queue runner that stays
 *
 * Owns: watching the spools, when queue runs start, the pool of worker
 *       processes, and stopping cleanly.
 * Not:  what a run does (qcmd_run, runq), delivery (engine). */

#include <config.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "engine.h"
#include "i18n.h"
#include "log.h"
#include "qcmd.h"
#include "qdaemon.h"
#include "xmalloc.h"

static volatile sig_atomic_t qdaemon_stop;

static void
qdaemon_on_signal(int sig)
{
	(void)sig;
	qdaemon_stop = 1;
}

static void
qdaemon_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = qdaemon_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
}

/* An inotify descriptor watching every spool's entries/; -1 with e set
 * when none can be watched. */
static int
qdaemon_watch(const struct strlist *dirs, struct err *e)
{
	int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC), n = 0;
	size_t i;
	char *p;

	for (i = 0; fd >= 0 && i < dirs->n; i++) {
		p = xasprintf("%s/entries", dirs->v[i]);
		if (inotify_add_watch(fd, p, IN_MOVED_TO | IN_CLOSE_WRITE) >= 0)
			n++;
		else
			log_diag(_("cannot watch %s: %s"), p, strerror(errno));
		free(p);
	}
	if (fd >= 0 && n > 0)
		return fd;
	err_set(e, ERR_OS, _("--queue-daemon: no spool to watch"));
	if (fd >= 0)
		close(fd);
	return -1;
}

/* Read what inotify has; 1 when something arrived. */
static int
qdaemon_drain(int fd)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	int any = 0;

	while (read(fd, buf, sizeof(buf)) > 0)
		any = 1;
	return any;
}

/* A worker: one run of the due entries, then exit. */
static pid_t
qdaemon_spawn(const struct cli_opts *cli, const struct config *cfg)
{
	struct cli_opts wo = *cli;
	struct err e = { 0 };
	pid_t pid = fork();

	if (pid != 0)
		return pid;
	signal(SIGINT, SIG_IGN);
	wo.queue_due = 1;
	qcmd_stop_on(SIGTERM);
	_exit(qcmd_run(&wo, cfg, &e) < 0 ? 1 : 0);
}

struct qdaemon_pool {
	pid_t pid[QDAEMON_WORKERS];
	int n;
};

static void
qdaemon_reap(struct qdaemon_pool *p, int block)
{
	pid_t pid;
	int i, status;

	while (p->n > 0 && (pid = waitpid(-1, &status, block ? 0 : WNOHANG)) > 0)
		for (i = 0; i < p->n; i++)
			if (p->pid[i] == pid) {
				p->pid[i] = p->pid[--p->n];
				break;
			}
}

static void
qdaemon_fill(struct qdaemon_pool *p, const struct cli_opts *cli,
             const struct config *cfg)
{
	pid_t pid;

	while (p->n < QDAEMON_WORKERS) {
		pid = qdaemon_spawn(cli, cfg);
		if (pid < 0) {
			log_diag(_("cannot start a queue run: %s"),
			         strerror(errno));
			return;
		}
		/* Several runs over one spool share it out: each entry's
		 * lock lets one take it, the others pass it by. */
		p->pid[p->n++] = pid;
	}
}

static void
qdaemon_finish(struct qdaemon_pool *p)
{
	int i;

	for (i = 0; i < p->n; i++)
		kill(p->pid[i], SIGTERM);
	qdaemon_reap(p, 1);
}

int
qdaemon_run(const struct cli_opts *cli, const struct config *cfg,
            struct err *e)
{
	struct qdaemon_pool pool = { { 0 }, 0 };
	struct strlist dirs = { 0 };
	struct pollfd pfd;
	time_t last = 0, now;
	int fd, want = 1, timeout;

	qcmd_spools(cfg, 1, &dirs);
	fd = qdaemon_watch(&dirs, e);
	strlist_free(&dirs);
	if (fd < 0)
		return -1;
	engine_log_open(&cfg->defaults);
	log_note("-", "status=started daemon=queue");
	qdaemon_signals();
	while (!qdaemon_stop) {
		now = time(NULL);
		if (now - last >= QDAEMON_PERIOD || now < last)
			want = 1;
		if (want && pool.n < QDAEMON_WORKERS) {
			qdaemon_fill(&pool, cli, cfg);
			want = 0;
			last = now;
		}
		timeout = pool.n > 0 ? 250 : (int)(QDAEMON_PERIOD - (now - last)) * 1000;
		pfd.fd = fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, timeout < 0 ? 0 : timeout) > 0)
			want |= qdaemon_drain(fd);
		qdaemon_reap(&pool, 0);
	}
	qdaemon_finish(&pool);
	close(fd);
	log_note("-", "status=stopped daemon=queue");
	return 0;
}
