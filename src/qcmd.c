/* qcmd.c - the queue commands: run, list, remove, hold, release
 *
 * Owns: which spools the configuration names, the command-line queue
 *       operations over them, and the mailq listing (text and JSON).
 * Not:  what a run does to an entry (runq), delivery (engine), the
 *       spool format (queue).
 *
 * The mailq text keeps sendmail's and Postfix's shape and words (column
 * headings, "Mail queue is empty", the "-- N Kbytes in M Requests."
 * footer), untranslated: monitoring scripts read them. */

#include <config.h>

#include <dirent.h>
#include <fcntl.h>
#include <sys/wait.h>

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "engine.h"
#include "file.h"
#include "i18n.h"
#include "json.h"
#include "log.h"
#include "qcmd.h"
#include "queue.h"
#include "runq.h"
#include "runq_policy.h"
#include "handover.h"
#include "pickup.h"
#include "spool.h"
#include "xmalloc.h"

void
qcmd_spools(const struct config *cfg, int create, struct strlist *dirs)
{
	const struct account *a;
	struct err e = { 0 };
	struct queue q;
	struct stat st;
	size_t i;
	char *d;

	for (i = 0; i <= cfg->naccounts; i++) {
		a = i == 0 ? &cfg->defaults : cfg->accounts[i - 1];
		if (create && spool_open(&q, a, &e) == 0)
			queue_close(&q);
		err_clear(&e);
		d = spool_dir(a);
		if (stat(d, &st) == 0 && S_ISDIR(st.st_mode))
			strlist_add_unique(dirs, d);
		free(d);
	}
}

static volatile sig_atomic_t qcmd_stopping;

static void
qcmd_on_stop(int sig)
{
	(void)sig;
	qcmd_stopping = 1;
}

void
qcmd_stop_on(int sig)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = qcmd_on_stop;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sigaction(sig, &sa, NULL);
}

static int
qcmd_mine(const struct queue_env *env)
{
	return spool_is_system_runner() || env->uid == getuid();
}

static void
qcmd_options(const struct cli_opts *cli, const struct config *cfg,
             const struct engine_names *names, struct runq_options *o)
{
	memset(o, 0, sizeof(*o));
	o->flush = !cli->queue_due;
	o->now = time(NULL);
	o->lifetime = RUNQ_DEFAULT_LIFETIME;
	o->lifetime_of = engine_lifetime;
	o->delay_warning_of = engine_delay_warning;
	o->remote_mta_of = engine_remote_mta;
	o->lifetime_ctx = (void *)cfg;
	o->only_id = cli->queue_id;
	o->only_domain = cli->queue_domain;
	o->only_sender = cli->queue_sender;
	o->stop = &qcmd_stopping;
	o->live_clock = 1;
	o->reporting_mta = names->mta;
	o->postmaster = names->postmaster;
	o->notice_to = (const char *const *)names->notice.v;
	o->nnotice_to = names->notice.n;
}

static void
qcmd_add_stats(struct runq_stats *sum, const struct runq_stats *st)
{
	sum->tried += st->tried;
	sum->delivered += st->delivered;
	sum->deferred += st->deferred;
	sum->bounced += st->bounced;
	sum->expired += st->expired;
	sum->busy += st->busy;
	sum->broken += st->broken;
	sum->held += st->held;
}

/* What users handed over to q (the system spool), into its entries. */
static void
qcmd_pickup_queue(const struct config *cfg, struct queue *q)
{
	int fd = pickup_open(q);

	if (fd >= 0) {
		pickup_run(cfg, q, fd);
		close(fd);
	}
}

void
qcmd_pickup(const struct config *cfg)
{
	struct strlist dirs = { 0 };
	struct err e = { 0 };
	struct queue q;
	size_t i;

	qcmd_spools(cfg, 0, &dirs);
	for (i = 0; i < dirs.n; i++) {
		if (queue_open(&q, dirs.v[i], &e) < 0) {
			err_clear(&e);
			continue;
		}
		qcmd_pickup_queue(cfg, &q);
		queue_close(&q);
	}
	strlist_free(&dirs);
}

/* A run over a large spool is shared: one more process for every
 * QCMD_ENTRIES_PER_WORKER entries, QCMD_WORKERS in all at most, each
 * taking the entries whose ids hash to it (runq_options.share); an entry
 * another runner has locked is passed by as ever. */
#define QCMD_WORKERS 4
#define QCMD_ENTRIES_PER_WORKER 250

/* How many processes the run over q takes. */
static int
qcmd_workers(struct queue *q, const struct runq_options *o)
{
	DIR *d;
	struct dirent *de;
	size_t n = 0;
	int fd;

	if (o->only_id != NULL ||
	    (fd = openat(q->entries_fd, ".", O_RDONLY | O_DIRECTORY |
	                                          O_CLOEXEC)) < 0)
		return 1;
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return 1;
	}
	while ((de = readdir(d)) != NULL &&
	       n < QCMD_WORKERS * QCMD_ENTRIES_PER_WORKER)
		n += de->d_name[0] != '.';
	closedir(d);
	return 1 + (int)(n / QCMD_ENTRIES_PER_WORKER) > QCMD_WORKERS
	               ? QCMD_WORKERS
	               : 1 + (int)(n / QCMD_ENTRIES_PER_WORKER);
}

/* One helper process of a shared run: share k of o; its figures go back
 * through fd. */
static void
qcmd_helper(struct queue *q, const struct runq_options *o, unsigned k,
            struct engine *g, int fd)
{
	struct runq_options mine = *o;
	struct runq_stats st;
	struct err e = { 0 };
	int rc;

	memset(&st, 0, sizeof(st));
	mine.share = k;
	rc = runq_run(q, &mine, engine_deliver, g, &st, &e);
	if (rc < 0 && e.msg != NULL)
		log_diag("%s", e.msg);
	deliver_conn_close(g->conn);
	queue_close(q);
	if (file_write_all(fd, &st, sizeof(st)) < 0)
		rc = -1;
	_exit(rc < 0 ? 1 : 0);
}

/* The end of helper k of a shared run: its figures added to st. */
static void
qcmd_helper_done(pid_t pid, int fd, struct runq_stats *st)
{
	struct runq_stats one;

	memset(&one, 0, sizeof(one));
	if (file_read_exact(fd, &one, sizeof(one)) == 0)
		qcmd_add_stats(st, &one);
	close(fd);
	(void)waitpid(pid, NULL, 0);
}

/* runq_run over q by as many processes as qcmd_workers says; st sums
 * what they all did. A helper that cannot be started leaves its share to
 * this process. */
static int
qcmd_run_shared(struct queue *q, const struct runq_options *o,
                struct engine *g, int alone, struct runq_stats *st,
                struct err *e)
{
	pid_t pid[QCMD_WORKERS];
	int fds[QCMD_WORKERS], p[2], rc;
	unsigned n = alone ? 1 : (unsigned)qcmd_workers(q, o), k;
	struct runq_options mine = *o;
	struct runq_stats one;

	mine.shares = n;
	for (k = 1; k < n; k++) {
		pid[k] = -1;
		if (pipe(p) < 0)
			continue;
		if ((pid[k] = fork()) == 0) {
			close(p[0]);
			qcmd_helper(q, &mine, k, g, p[1]);
		}
		close(p[1]);
		if (pid[k] < 0)
			close(p[0]);
		fds[k] = p[0];
	}
	mine.share = 0;
	rc = runq_run(q, &mine, engine_deliver, g, st, e);
	for (k = 1; k < n; k++) {
		if (pid[k] > 0) {
			qcmd_helper_done(pid[k], fds[k], st);
			continue;
		}
		mine.share = k;
		if (rc == 0 &&
		    (rc = runq_run(q, &mine, engine_deliver, g, &one, e)) == 0)
			qcmd_add_stats(st, &one);
	}
	return rc;
}

int
qcmd_run(const struct cli_opts *cli, const struct config *cfg,
         struct err *e)
{
	struct deliver_conn conn = { 0 };
	struct engine g = { cfg, NULL, NULL, NULL, &conn };
	struct strlist dirs = { 0 };
	struct runq_stats st, sum = { 0 };
	struct engine_names names;
	struct runq_options o;
	struct queue q;
	size_t i;
	int rc = 0;

	/* Each attempt logs where its account says; expiry, where the
	 * defaults do. */
	engine_log_open(&cfg->defaults);
	engine_names(&cfg->defaults, &names);
	qcmd_options(cli, cfg, &names, &o);
	qcmd_spools(cfg, 0, &dirs);
	for (i = 0; i < dirs.n && rc == 0 && !qcmd_stopping; i++) {
		if ((rc = queue_open(&q, dirs.v[i], e)) < 0)
			break;
		if (o.only_id == NULL)
			qcmd_pickup_queue(cfg, &q);
		rc = qcmd_run_shared(&q, &o, &g, cli->queue_alone, &st, e);
		qcmd_add_stats(&sum, &st);
		queue_close(&q);
	}
	if (rc == 0 && log_verbose())
		log_diag(_("queue run: %zu entries tried (%zu busy, %zu held, "
		           "%zu broken); recipients: %zu delivered, %zu "
		           "deferred, %zu bounced, %zu expired"),
		         sum.tried, sum.busy, sum.held, sum.broken,
		         sum.delivered, sum.deferred, sum.bounced, sum.expired);
	deliver_conn_close(&conn);
	engine_names_free(&names);
	strlist_free(&dirs);
	return rc;
}

/* -- listing ---------------------------------------------------------------- */

static const char *const qcmd_states[] = { "pending", "done", "bounced" };

/* s as the terminal may show it (log_printable): the spool refuses
 * control characters, but mailq is what root reads of users' mail. */
static void
qcmd_put(FILE *out, const char *s)
{
	struct buf b = { 0 };

	log_printable(&b, s, strlen(s));
	if (b.len > 0)
		fwrite(b.data, 1, b.len, out);
	buf_free(&b);
}

static void
qcmd_print_text(const struct queue_entry *ent, FILE *out)
{
	const struct queue_env *env = &ent->env;
	char when[64];
	struct tm tm;
	size_t i;

	localtime_r(&env->created, &tm);
	strftime(when, sizeof(when), "%a %b %e %H:%M:%S", &tm);
	fprintf(out, "%-18s%c %8lld %s  ", env->id, env->held ? '!' : ' ',
	        (long long)ent->data_size, when);
	qcmd_put(out, *env->from ? env->from : "<>");
	fputc('\n', out);
	for (i = 0; i < env->nrcpts; i++) {
		if (env->rcpts[i].state == QUEUE_RCPT_DONE)
			continue;
		if (env->rcpts[i].reply != NULL) {
			fprintf(out, "%49s(", "");
			qcmd_put(out, env->rcpts[i].reply);
			fputs(")\n", out);
		}
		fprintf(out, "%49s", "");
		qcmd_put(out, env->rcpts[i].addr);
		fputc('\n', out);
	}
	fputc('\n', out);
}

static void
qcmd_print_json(const struct queue_entry *ent, int first, FILE *out)
{
	const struct queue_env *env = &ent->env;
	size_t i;

	fputs(first ? "\n" : ",\n", out);
	fputs("{\"id\":", out);
	json_string(out, env->id);
	fprintf(out, ",\"size\":%lld,\"arrival\":%lld,\"uid\":%lu,"
	             "\"attempts\":%u,\"next_attempt\":%lld,\"held\":%s,"
	             "\"sender\":",
	        (long long)ent->data_size, (long long)env->created,
	        (unsigned long)env->uid, env->attempts,
	        (long long)env->next_attempt, env->held ? "true" : "false");
	json_string(out, env->from);
	fputs(",\"account\":", out);
	json_string(out, env->account);
	fputs(",\"recipients\":[", out);
	for (i = 0; i < env->nrcpts; i++) {
		fputs(i ? ",{\"address\":" : "{\"address\":", out);
		json_string(out, env->rcpts[i].addr);
		fputs(",\"state\":", out);
		json_string(out, qcmd_states[env->rcpts[i].state]);
		fputs(",\"reply\":", out);
		json_string(out, env->rcpts[i].reply);
		fputc('}', out);
	}
	fputs("]}", out);
}

struct qcmd_tally {
	size_t n;
	long long bytes;
	int json;
	FILE *out;
};

static void
qcmd_show(const struct queue_entry *ent, void *ctx)
{
	struct qcmd_tally *t = ctx;

	if (t->json)
		qcmd_print_json(ent, t->n == 0, t->out);
	else
		qcmd_print_text(ent, t->out);
	t->n++;
	t->bytes += ent->data_size;
}

/* Every entry of one spool that the caller may see. */
static int
qcmd_list_dir(const char *dir, struct qcmd_tally *t, struct err *e)
{
	struct queue q;
	struct queue_entry ent;
	struct err le = { 0 };
	char **ids;
	size_t n, i;

	if (queue_open(&q, dir, e) < 0)
		return -1;
	if (queue_list(&q, &ids, &n, e) < 0) {
		queue_close(&q);
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (queue_load(&q, ids[i], 0, &ent, &le) == 0) {
			if (qcmd_mine(&ent.env))
				qcmd_show(&ent, t);
			queue_entry_free(&ent);
		}
		err_clear(&le);
		free(ids[i]);
	}
	free(ids);
	queue_close(&q);
	return 0;
}

int
qcmd_list(const struct cli_opts *cli, const struct config *cfg, FILE *out,
          struct err *e)
{
	struct strlist dirs = { 0 };
	struct qcmd_tally t = { 0, 0, cli->json, out };
	size_t i;
	int rc = 0;

	qcmd_spools(cfg, 0, &dirs);
	if (cli->json)
		fputs("{\"entries\":[", out);
	else
		fputs("-Queue ID-         --Size-- ----Arrival Time---- "
		      "-Sender/Recipient-------\n", out);
	for (i = 0; i < dirs.n && rc == 0; i++)
		rc = qcmd_list_dir(dirs.v[i], &t, e);
	/* A user of the system's mail: their entries there, through the
	 * helper (they may not read the system spool). */
	if (rc == 0 && handover_wanted(cli))
		rc = handover_list(qcmd_show, &t, e);
	if (cli->json)
		fputs("\n]}\n", out);
	else if (t.n == 0)
		fputs("Mail queue is empty\n", out);
	else
		fprintf(out, "-- %lld Kbytes in %zu Request%s.\n",
		        (t.bytes + 1023) / 1024, t.n, t.n == 1 ? "" : "s");
	strlist_free(&dirs);
	return rc;
}

/* -- remove, hold, release ------------------------------------------------- */

static int
qcmd_act(struct queue *q, struct queue_entry *ent, char what,
         struct err *e)
{
	const char *note = what == 'r'   ? "status=removed"
	                   : what == 'h' ? "status=held"
	                                 : "status=released";
	size_t i;
	int rc;

	if (what == 'r') {
		rc = queue_remove(q, ent, e);
	} else {
		ent->env.held = what == 'h';
		/* Released: due now, and what was kept for the postmaster
		 * (a notice nobody took) is tried again. */
		for (i = 0; what == 'l' && i < ent->env.nrcpts; i++)
			if (ent->env.rcpts[i].state == QUEUE_RCPT_BOUNCED)
				ent->env.rcpts[i].state = QUEUE_RCPT_PENDING;
		if (what == 'l')
			ent->env.next_attempt = time(NULL);
		rc = queue_update(q, ent, e);
	}
	if (rc == 0)
		log_note(ent->env.id, note);
	return rc;
}

/* Load entry id, locked, from the first spool that has it (q is then
 * open); -1 with e set when none has it, it is busy or it is broken. */
static int
qcmd_find(const struct strlist *dirs, const char *id, struct queue *q,
          struct queue_entry *ent, struct err *e)
{
	struct err le = { 0 };
	size_t i;
	int rc;

	for (i = 0; i < dirs->n; i++) {
		if (queue_open(q, dirs->v[i], &le) < 0) {
			err_clear(&le);
			continue;
		}
		rc = queue_load(q, id, 1, ent, &le);
		if (rc == 0)
			return 0;
		if (rc == 1)
			err_set(e, ERR_TEMP, _("queue entry %s is being "
			                       "delivered; try again"), id);
		else if (le.cls == ERR_DATA)
			err_set(e, ERR_DATA, "%s", le.msg ? le.msg : "");
		err_clear(&le);
		queue_close(q);
		if (e->cls != ERR_NONE)
			return -1;
	}
	err_set(e, ERR_USAGE, _("no queue entry %s"), id);
	return -1;
}

int
qcmd_control(const struct cli_opts *cli, const struct config *cfg,
             struct err *e)
{
	struct strlist dirs = { 0 };
	struct queue_entry ent;
	struct queue q;
	int rc;

	if (!queue_id_valid(cli->queue_id)) {
		err_set(e, ERR_USAGE, _("%s is not a queue id"), cli->queue_id);
		return -1;
	}
	engine_log_open(&cfg->defaults);
	qcmd_spools(cfg, 0, &dirs);
	rc = qcmd_find(&dirs, cli->queue_id, &q, &ent, e);
	strlist_free(&dirs);
	if (rc < 0)
		return -1;
	if (qcmd_mine(&ent.env)) {
		rc = qcmd_act(&q, &ent, cli->queue_ctl, e);
	} else {
		err_set(e, ERR_NOPERM, _("queue entry %s is not yours"),
		        cli->queue_id);
		rc = -1;
	}
	queue_entry_free(&ent);
	queue_close(&q);
	return rc;
}
