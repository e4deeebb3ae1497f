/* deliver_mx_par.c - the domains of one message delivered at once
 *
 * Owns: a process per recipient domain (DELIVER_MX_PARALLEL at a time),
 *       what it sends back (each recipient's result), and what a process
 *       that ended without saying leaves (temporary failures).
 * Not:  delivering one domain (deliver_mx), which domains (the caller). */

#include <config.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "deliver_mx_int.h"
#include "file.h"
#include "i18n.h"
#include "xmalloc.h"

/* One recipient's result on the pipe, then len bytes of its reply. */
struct deliver_mx_wire {
	uint32_t idx;
	int32_t cls;
	int32_t dropped;
	uint32_t len;
};

/* The longest reply that comes back (the runner keeps 1,000). */
#define DELIVER_MX_WIRE_REPLY 4096

/* In the child: deliver g, write its results to fd, exit. */
static void
deliver_mx_child(struct deliver_mx *mx, const struct account *a,
                 const struct deliver_job *j, const char *helo,
                 const struct deliver_mx_group *g, struct smtp_rcpt *res,
                 int fd)
{
	struct deliver_mx_wire w;
	struct err e = { 0 };
	size_t i;
	int rc = 0;

	deliver_mx_forget(mx);
	if (deliver_mx_dns(mx, &e) != NULL)
		deliver_mx_group_run(mx, a, j, helo, g, res);
	for (i = 0; i < g->n; i++)
		if (res[g->idx[i]].cls == SMTP_PENDING) {
			res[g->idx[i]].cls = SMTP_TEMP;
			res[g->idx[i]].reply = xstrdup(e.msg ? e.msg : "");
		}
	err_clear(&e);
	for (i = 0; i < g->n && rc == 0; i++) {
		const struct smtp_rcpt *r = &res[g->idx[i]];
		size_t len = r->reply ? strlen(r->reply) : 0;

		w.idx = (uint32_t)g->idx[i];
		w.cls = (int32_t)r->cls;
		w.dropped = r->notify_dropped;
		w.len = (uint32_t)(len < DELIVER_MX_WIRE_REPLY
		                           ? len : DELIVER_MX_WIRE_REPLY);
		rc = file_write_all(fd, &w, sizeof(w));
		if (rc == 0)
			rc = file_write_all(fd, r->reply ? r->reply : "", w.len);
	}
	close(fd);
	deliver_mx_close(mx); /* QUIT on its own connections */
	_exit(rc == 0 ? 0 : 1);
}

/* 1 when idx is one of g's recipients. */
static int
deliver_mx_member(const struct deliver_mx_group *g, size_t idx)
{
	size_t i;

	for (i = 0; i < g->n; i++)
		if (g->idx[i] == idx)
			return 1;
	return 0;
}

/* The results of g's process from fd into res; then whatever it left
 * out ends temporarily. */
static void
deliver_mx_collect(const struct deliver_mx_group *g, struct smtp_rcpt *res,
                   int fd)
{
	struct deliver_mx_wire w;
	char reply[DELIVER_MX_WIRE_REPLY + 1];
	size_t i;

	while (file_read_exact(fd, &w, sizeof(w)) == 0 &&
	       w.len <= DELIVER_MX_WIRE_REPLY &&
	       file_read_exact(fd, reply, w.len) == 0) {
		if (!deliver_mx_member(g, w.idx) || w.cls < SMTP_DONE ||
		    w.cls > SMTP_PERM)
			break;
		reply[w.len] = '\0';
		free(res[w.idx].reply);
		res[w.idx].reply = xstrdup(reply);
		res[w.idx].cls = (enum smtp_class)w.cls;
		res[w.idx].notify_dropped = w.dropped != 0;
	}
	for (i = 0; i < g->n; i++)
		if (res[g->idx[i]].cls == SMTP_PENDING) {
			res[g->idx[i]].cls = SMTP_TEMP;
			res[g->idx[i]].reply = xasprintf(
			        _("the delivery to %s ended early"),
			        g->domain ? g->domain : "?");
		}
}

void
deliver_mx_parallel(struct deliver_mx *mx, const struct account *a,
                    const struct deliver_job *j, const char *helo,
                    const struct deliver_mx_group *gs, size_t ng,
                    struct smtp_rcpt *res)
{
	pid_t pid[DELIVER_MX_PARALLEL];
	int fd[DELIVER_MX_PARALLEL], p[2];
	size_t start, k, n;

	for (start = 0; start < ng; start += n) {
		n = ng - start < DELIVER_MX_PARALLEL ? ng - start
		                                     : DELIVER_MX_PARALLEL;
		for (k = 0; k < n; k++) {
			pid[k] = -1;
			fd[k] = -1;
			if (pipe(p) < 0)
				continue;
			if ((pid[k] = fork()) == 0) {
				close(p[0]);
				deliver_mx_child(mx, a, j, helo, &gs[start + k],
				                 res, p[1]);
			}
			close(p[1]);
			fd[k] = p[0];
		}
		for (k = 0; k < n; k++) {
			if (pid[k] > 0) {
				deliver_mx_collect(&gs[start + k], res, fd[k]);
				(void)waitpid(pid[k], NULL, 0);
			} else {
				/* No process: this one delivers it. */
				deliver_mx_group_run(mx, a, j, helo,
				                     &gs[start + k], res);
			}
			if (fd[k] >= 0)
				close(fd[k]);
		}
	}
}
