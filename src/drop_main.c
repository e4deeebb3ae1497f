/* drop_main.c - dsmtp-drop, the set-group-ID helper (group dsmtp)
 *
 * Owns: the helper's process: no arguments, no environment, fds 0-2,
 *       no core file, and the group dsmtp held only to create the file in
 *       incoming/ and to rename it into place.
 * Not:  the steps themselves (drop.c).
 *
 * Standard input: the stream drop.h describes; standard output: the
 * queue id and a newline, or one word saying what failed (drop_word),
 * with the matching sysexits code. Nothing on standard error. The one
 * other form, `dsmtp-drop --list`, writes the caller's own entries of the
 * system spool (drop_list) for their mailq. */

#include <config.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "drop.h"
#include "file.h"

#define DROP_DIR SPOOLDIR "/" DROP_INCOMING

static void
drop_sane_process(void)
{
	file_sane_fds();
	clearenv();
	umask(027);
	setrlimit(RLIMIT_CORE, &(struct rlimit){ 0, 0 });
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

/* Every way out: the group dropped for good, then the one word. */
static int
drop_done(enum drop_result r, const char *id)
{
	gid_t user = getgid();

	if (setresgid(user, user, user) < 0)
		r = DROP_IO;
	printf("%s\n", r == DROP_OK ? id : drop_word(r));
	fflush(stdout);
	return drop_exit_code(r);
}

/* --list: the caller's own entries of the system spool (drop_list), for
 * their mailq; the group is dropped when they are written. */
static int
drop_list_mine(void)
{
	gid_t user = getgid();
	int dirfd = open(SPOOLDIR "/entries", O_RDONLY | O_DIRECTORY |
	                                            O_NOFOLLOW | O_CLOEXEC);
	long n = dirfd < 0 ? -1 : drop_list(dirfd, getuid(), STDOUT_FILENO);

	if (setresgid(user, user, user) < 0 || n < 0)
		return EX_TEMPFAIL;
	return EX_OK;
}

int
main(int argc, char **argv)
{
	gid_t user = getgid(), group = getegid();
	char tmp[DROP_NAME_MAX], id[QUEUE_ID_MAX] = "";
	enum drop_result r;
	int dirfd, fd;

	drop_sane_process();
	if (argc == 2 && strcmp(argv[1], "--list") == 0)
		return drop_list_mine();
	if (argc != 1)
		return drop_done(DROP_USAGE, id);
	dirfd = open(DROP_DIR, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	fd = dirfd < 0 ? -1 : drop_create(dirfd, tmp);
	if (fd < 0 || setresgid(-1, user, -1) < 0)
		return drop_done(DROP_NO_SPOOL, id);
	/* The user's own rights while reading what the user sent. */
	r = drop_copy(STDIN_FILENO, fd, DROP_MAX_MESSAGE);
	if (setresgid(-1, group, -1) < 0)
		return drop_done(DROP_IO, id);
	if (r == DROP_OK)
		r = drop_publish(dirfd, fd, tmp, id);
	if (r != DROP_OK)
		unlinkat(dirfd, tmp, 0);
	return drop_done(r, id);
}
