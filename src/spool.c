/* spool.c - where an account's queue lives
 *
 * Owns: the choice of queue directory (queue_dir, the system spool, the
 *       user's state directory) and whether an account queues at all.
 * Not:  the spool's contents (queue.c). */

#include <config.h>

#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spool.h"
#include "xmalloc.h"

int
spool_wanted(const struct account *a)
{
	return config_bool(a, CFG_QUEUE, 1);
}

int
spool_is_system_runner(void)
{
	/* Asked for every entry mailq lists: the spool's owner is looked
	 * up once per process. */
	static int known, runner;
	struct stat st;

	if (getuid() == 0)
		return 1;
	if (!known) {
		runner = stat(SPOOL_SYSTEM_DIR, &st) == 0 &&
		         st.st_uid == getuid();
		known = 1;
	}
	return runner;
}

char *
spool_dir(const struct account *a)
{
	const char *d = config_str(a, CFG_QUEUE_DIR, NULL);
	const char *home;
	struct passwd *pw;

	if (d != NULL && *d != '\0')
		return xstrdup(d);
	if (spool_is_system_runner())
		return xstrdup(SPOOL_SYSTEM_DIR);
	d = getenv("XDG_STATE_HOME");
	if (d != NULL && *d == '/')
		return xasprintf("%s/dsmtp/queue", d);
	home = getenv("HOME");
	if ((home == NULL || *home != '/') && (pw = getpwuid(getuid())))
		home = pw->pw_dir;
	return xasprintf("%s/.local/state/dsmtp/queue", home ? home : "");
}

/* mkdir -p for the directories above dir: mode 0700 above a user's
 * spool (the XDG rule for state), 0755 above the system's (a
 * /usr/local/var/spool that install did not make). */
static void
spool_make_parents(const char *dir, mode_t mode)
{
	char *p = xstrdup(dir), *s;

	for (s = strchr(p + 1, '/'); s != NULL; s = strchr(s + 1, '/')) {
		*s = '\0';
		(void)mkdir(p, mode);
		*s = '/';
	}
	free(p);
}

int
spool_open(struct queue *q, const struct account *a, struct err *e)
{
	char *dir = spool_dir(a);
	int rc;

	/* The directories above are made only when the spool cannot be
	 * opened: every submission opens it. */
	rc = queue_open(q, dir, e);
	if (rc < 0 && e->cls == ERR_CANTCREAT) {
		err_clear(e);
		spool_make_parents(dir, strcmp(dir, SPOOL_SYSTEM_DIR) == 0
						? 0755 : 0700);
		rc = queue_open(q, dir, e);
	}
	free(dir);
	return rc;
}
