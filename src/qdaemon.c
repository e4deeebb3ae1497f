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
#include "queue.h"
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

/* Entries that arrived and wait for a worker of their own; when more
 * came than fit, a run over the whole spool takes them instead. Files in
 * a spool's incoming/ (what users handed over) ask for a pickup. */
struct qdaemon_news {
	char id[QDAEMON_NEWS][QUEUE_ID_MAX];
	int n;
	int overflow;
	int in_wd[QDAEMON_NEWS]; /* the watches of incoming/ */
	int nin;
	int pickup;
};

/* An inotify descriptor watching every spool's entries/ (and incoming/,
 * where there is one: nw->in_wd); -1 with e set when none can be
 * watched. */
static int
qdaemon_watch(const struct strlist *dirs, struct qdaemon_news *nw,
              struct err *e)
{
	int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC), n = 0, wd;
	size_t i;
	char *p;

	for (i = 0; fd >= 0 && i < dirs->n; i++) {
		p = xasprintf("%s/entries", dirs->v[i]);
		/* An entry arrives renamed from tmp/ while its writer still
		 * holds its lock: the close that ends the commit (and lets the
		 * lock go) is the news that counts. A rewrite makes news too;
		 * its next attempt lies ahead, so that worker ends at once. */
		if (inotify_add_watch(fd, p, IN_MOVED_TO | IN_CLOSE_WRITE) >= 0)
			n++;
		else
			log_diag(_("cannot watch %s: %s"), p, strerror(errno));
		free(p);
		p = xasprintf("%s/incoming", dirs->v[i]);
		wd = inotify_add_watch(fd, p, IN_MOVED_TO | IN_ONLYDIR);
		if (wd >= 0 && nw->nin < QDAEMON_NEWS)
			nw->in_wd[nw->nin++] = wd;
		free(p);
	}
	if (fd >= 0 && n > 0)
		return fd;
	err_set(e, ERR_OS, _("--queue-daemon: no spool to watch"));
	if (fd >= 0)
		close(fd);
	return -1;
}

static int
qdaemon_is_incoming(const struct qdaemon_news *nw, int wd)
{
	int i;

	for (i = 0; i < nw->nin; i++)
		if (nw->in_wd[i] == wd)
			return 1;
	return 0;
}

static void
qdaemon_note(struct qdaemon_news *nw, const char *name)
{
	int i;

	if (!queue_id_valid(name))
		return;
	for (i = 0; i < nw->n; i++)
		if (strcmp(nw->id[i], name) == 0)
			return;
	if (nw->n == QDAEMON_NEWS) {
		nw->overflow = 1;
		return;
	}
	snprintf(nw->id[nw->n++], QUEUE_ID_MAX, "%s", name);
}

/* Read what inotify has: the names of the entries that arrived. */
static void
qdaemon_drain(int fd, struct qdaemon_news *nw)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	const struct inotify_event *ev;
	ssize_t n, off;

	while ((n = read(fd, buf, sizeof(buf))) > 0)
		for (off = 0; off + (ssize_t)sizeof(*ev) <= n;
		     off += (ssize_t)sizeof(*ev) + ev->len) {
			ev = (const struct inotify_event *)(buf + off);
			if (ev->mask & IN_Q_OVERFLOW)
				nw->overflow = nw->pickup = 1;
			else if (qdaemon_is_incoming(nw, ev->wd))
				nw->pickup = 1;
			else if (ev->len > 0)
				qdaemon_note(nw, ev->name);
		}
}

/* A worker: one run of the due entries (only id when set), then exit. */
static pid_t
qdaemon_spawn(const struct cli_opts *cli, const struct config *cfg,
              const char *id)
{
	struct cli_opts wo = *cli;
	struct err e = { 0 };
	pid_t pid = fork();

	if (pid != 0)
		return pid;
	signal(SIGINT, SIG_IGN);
	wo.queue_due = 1;
	wo.queue_alone = 1;
	wo.queue_id = id;
	qcmd_stop_on(SIGTERM);
	_exit(qcmd_run(&wo, cfg, &e) < 0 ? 1 : 0);
}

/* The workers: runs over the whole spool, and workers for one new entry
 * each, QDAEMON_WORKERS of either kind, so that new mail has workers of
 * its own while runs wait on a slow relay. */
struct qdaemon_pool {
	pid_t pid[2 * QDAEMON_WORKERS];
	int one[2 * QDAEMON_WORKERS]; /* for one entry */
	int n, nruns, nones;
};

static void
qdaemon_reap(struct qdaemon_pool *p, int block)
{
	pid_t pid;
	int i, status;

	while (p->n > 0 && (pid = waitpid(-1, &status, block ? 0 : WNOHANG)) > 0)
		for (i = 0; i < p->n; i++)
			if (p->pid[i] == pid) {
				*(p->one[i] ? &p->nones : &p->nruns) -= 1;
				p->n--;
				p->pid[i] = p->pid[p->n];
				p->one[i] = p->one[p->n];
				break;
			}
}

static int
qdaemon_room(const struct qdaemon_pool *p, const char *id)
{
	return (id != NULL ? p->nones : p->nruns) < QDAEMON_WORKERS;
}

/* Start workers while there is room: runs over the whole spool (id
 * NULL) until their places are full, or one for entry id. */
static void
qdaemon_fill(struct qdaemon_pool *p, const struct cli_opts *cli,
             const struct config *cfg, const char *id)
{
	pid_t pid;

	while (qdaemon_room(p, id)) {
		pid = qdaemon_spawn(cli, cfg, id);
		if (pid < 0) {
			log_diag(_("cannot start a queue run: %s"),
			         strerror(errno));
			return;
		}
		/* Several runs over one spool share it out: each entry's
		 * lock lets one take it, the others pass it by. */
		p->pid[p->n] = pid;
		p->one[p->n++] = id != NULL;
		*(id != NULL ? &p->nones : &p->nruns) += 1;
		if (id != NULL)
			return;
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

/* What to start now: everything due (at start, every QDAEMON_PERIOD, when
 * too much arrived at once), else a worker for each new entry while
 * there is room. */
static void
qdaemon_start(struct qdaemon_pool *p, struct qdaemon_news *nw, int *full,
              const struct cli_opts *cli, const struct config *cfg)
{
	int i, k;

	/* Runs over the whole spool in every free place (a worker held up
	 * by a slow relay keeps only its own); they take the news too. */
	if ((*full || nw->overflow) && qdaemon_room(p, NULL)) {
		qdaemon_fill(p, cli, cfg, NULL);
		*full = 0;
		nw->n = nw->overflow = 0;
		return;
	}
	for (i = 0; i < nw->n && qdaemon_room(p, nw->id[i]); i++)
		qdaemon_fill(p, cli, cfg, nw->id[i]);
	for (k = 0; i < nw->n; i++, k++)
		memcpy(nw->id[k], nw->id[i], QUEUE_ID_MAX);
	nw->n = k;
}

int
qdaemon_run(const struct cli_opts *cli, const struct config *cfg,
            struct err *e)
{
	struct qdaemon_pool pool = { .n = 0 };
	struct qdaemon_news news = { .n = 0 };
	struct strlist dirs = { 0 };
	struct pollfd pfd;
	time_t last = 0, now;
	int fd, full = 1, timeout;

	qcmd_spools(cfg, 1, &dirs);
	fd = qdaemon_watch(&dirs, &news, e);
	strlist_free(&dirs);
	if (fd < 0)
		return -1;
	engine_log_open(&cfg->defaults);
	log_note("-", "status=started daemon=queue");
	qdaemon_signals();
	while (!qdaemon_stop) {
		now = time(NULL);
		if (now - last >= QDAEMON_PERIOD || now < last) {
			full = 1;
			last = now;
		}
		/* Picked up, a user's message lands in entries/: news. */
		if (news.pickup) {
			news.pickup = 0;
			qcmd_pickup(cfg);
		}
		qdaemon_start(&pool, &news, &full, cli, cfg);
		timeout = pool.n > 0 || news.n > 0 || full || news.pickup
		                  ? 250
		                  : (int)(QDAEMON_PERIOD - (now - last)) * 1000;
		pfd.fd = fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, timeout < 0 ? 0 : timeout) > 0)
			qdaemon_drain(fd, &news);
		qdaemon_reap(&pool, 0);
	}
	qdaemon_finish(&pool);
	close(fd);
	log_note("-", "status=stopped daemon=queue");
	return 0;
}
