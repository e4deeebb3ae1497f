/* secret.c - password sources
 *
 * Owns: password, passwordeval, netrc files and the desktop keyring
 *       (through the dsmtp-keyring helper, which alone uses libsecret, and
 *       which helper that is); wiping what it read; making the process
 *       non-dumpable once a secret is in memory.
 * Not:  using the secret (sasl.c), running passwordeval (child.c); never
 *       logs one. */

#include <config.h>

#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "child.h"
#include "file.h"
#include "i18n.h"
#include "secret.h"
#include "xmalloc.h"

#define SECRET_OUTPUT_MAX CHILD_OUTPUT_MAX

static void
secret_read_all(int fd, struct buf *b)
{
	char chunk[4096];
	ssize_t n;

	while ((n = read(fd, chunk, sizeof(chunk))) > 0 ||
	       (n < 0 && errno == EINTR))
		if (n > 0 && b->len < SECRET_OUTPUT_MAX)
			buf_append(b, chunk, (size_t)n);
	xwipe(chunk, sizeof(chunk));
}

/* The first line of the command's error output, control characters
 * replaced (it may come from anything the command runs); when it wrote
 * nothing, the command and how it ended. */
static void
secret_eval_failed(const char *cmd, int status, struct buf *er,
		   struct err *e)
{
	char *line = xstrndup(buf_cstr(er), strcspn(buf_cstr(er), "\r\n"));
	char *p;

	for (p = line; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	if (line[0] != '\0')
		err_set(e, ERR_CONFIG, _("passwordeval failed: %s"), line);
	else if (WIFEXITED(status))
		err_set(e, ERR_CONFIG, _("passwordeval failed: '%.64s' exited "
					 "with status %d and wrote no error"),
			cmd, WEXITSTATUS(status));
	else
		err_set(e, ERR_CONFIG, _("passwordeval failed: '%.64s' was "
					 "killed by signal %d"),
			cmd, WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	free(line);
}

int
secret_eval(const char *cmd, int timeout_s, char **out, struct err *e)
{
	struct buf o = { 0 }, er = { 0 };
	int status = 0, rc = -1;

	*out = NULL;
	switch (child_run(cmd, timeout_s, SECRET_OUTPUT_MAX, &o, &er,
			  &status)) {
	case CHILD_NOT_RUN:
		err_set(e, ERR_OS, _("passwordeval: %s"), strerror(errno));
		break;
	case CHILD_TIMED_OUT:
		err_set(e, ERR_CONFIG, _("passwordeval did not finish within "
					 "%d seconds and was stopped"),
			timeout_s);
		break;
	case CHILD_TOO_MUCH:
		err_set(e, ERR_CONFIG, _("passwordeval wrote more than %d KiB "
					 "and was stopped"),
			SECRET_OUTPUT_MAX / 1024);
		break;
	case CHILD_EXITED:
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
			*out = xstrndup(buf_cstr(&o),
					strcspn(buf_cstr(&o), "\r\n"));
			rc = 0;
		} else {
			secret_eval_failed(cmd, status, &er, e);
		}
		break;
	}
	buf_wipe(&o);
	buf_free(&er);
	return rc;
}

/* The next netrc token from *p (quoted tokens allowed); NULL at end. */
static char *
secret_token(const char **p)
{
	const char *s = *p + strspn(*p, " \t\r\n");
	struct buf b = { 0 };

	if (*s == '\0')
		return NULL;
	if (*s == '"') {
		for (s++; *s && *s != '"'; s++)
			buf_append_char(&b, *s == '\\' && s[1] ? *++s : *s);
		s += *s == '"';
	} else {
		while (*s && strchr(" \t\r\n", *s) == NULL)
			buf_append_char(&b, *s++);
	}
	*p = s;
	return buf_steal(&b);
}

/* Walk the machine entries; a matching one's password is returned. */
static char *
secret_netrc_scan(const char *text, const char *host, const char *user)
{
	const char *p = text;
	char *tok, *found = NULL, *login = NULL, *pass = NULL;
	int match = 0, in_entry = 0;

	while (found == NULL && (tok = secret_token(&p)) != NULL) {
		if (strcmp(tok, "machine") == 0 || strcmp(tok, "default") == 0) {
			if (in_entry && match && pass &&
			    (user == NULL || (login && !strcmp(login, user))))
				found = xstrdup(pass);
			free(login);
			xfree_secret(pass);
			login = pass = NULL;
			in_entry = 1;
			if (strcmp(tok, "default") == 0) {
				match = 1;
			} else {
				char *m = secret_token(&p);

				match = m && strcasecmp(m, host) == 0;
				free(m);
			}
		} else if (strcmp(tok, "macdef") == 0) {
			/* A macro's body runs to the next empty line; it is
			 * text, not entries. */
			const char *end = strstr(p, "\n\n");
			const char *crlf = strstr(p, "\n\r\n");

			if (crlf != NULL && (end == NULL || crlf < end))
				end = crlf + 1;
			p = end ? end + 2 : p + strlen(p);
		} else if (strcmp(tok, "login") == 0) {
			free(login);
			login = secret_token(&p);
		} else if (strcmp(tok, "password") == 0) {
			xfree_secret(pass);
			pass = secret_token(&p);
		}
		xfree_secret(tok);
	}
	if (found == NULL && in_entry && match && pass &&
	    (user == NULL || (login && !strcmp(login, user))))
		found = xstrdup(pass);
	free(login);
	xfree_secret(pass);
	return found;
}

/* The largest netrc file read. */
#define SECRET_NETRC_MAX (1024 * 1024)

char *
secret_netrc(const char *path, const char *host, const char *user)
{
	struct buf text = { 0 };
	char *found = NULL;

	/* A fixed name, not the user's choice: no symlink is followed, and
	 * neither a device nor a FIFO is read. */
	if (file_read(path, O_NOFOLLOW, SECRET_NETRC_MAX, &text, NULL) ==
	    FILE_OK)
		found = secret_netrc_scan(buf_cstr(&text), host, user);
	buf_wipe(&text);
	return found;
}

/* The helper set by secret_set_helper, or NULL. */
static const char *secret_helper_override;

void
secret_set_helper(const char *path)
{
	secret_helper_override = path;
}

/* The keyring helper: the dsmtp-keyring beside the running binary when
 * there is one that only root or the caller can change (so the build
 * tree's tests need no hook that an installed binary would obey), else
 * the installed one in pkglibexecdir. */
static const char *secret_helper(void);

const char *
secret_keyring_helper(void)
{
#ifdef HAVE_LIBSECRET
	return secret_helper();
#else
	return NULL;
#endif
}

static const char *
secret_helper(void)
{
	static char path[PATH_MAX + 16];

	if (secret_helper_override != NULL)
		return secret_helper_override;
	if (path[0] == '\0')
		file_helper("dsmtp-keyring", LIBEXECDIR "/dsmtp-keyring", path,
		            sizeof(path));
	return path;
}

/* Run the helper with verb, host and user, feeding input (or nothing);
 * its exit status, with its first output line in *out. */
static int
secret_run_helper(const char *verb, const char *host, const char *user,
		  const char *input, char **out)
{
	char *const argv[] = { (char *)"dsmtp-keyring", (char *)verb,
			       (char *)host, (char *)user, NULL };
	int ip[2], op[2], status = 0;
	struct buf o = { 0 };
	pid_t pid;

	*out = NULL;
	if (access(secret_helper(), X_OK) < 0 || pipe2(ip, O_CLOEXEC) < 0)
		return -1;
	if (pipe2(op, O_CLOEXEC) < 0 || (pid = fork()) < 0) {
		close(ip[0]);
		close(ip[1]);
		return -1;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		/* dsmtp says what failed, in one line of its own. */
		if (null >= 0)
			dup2(null, STDERR_FILENO);
		dup2(ip[0], STDIN_FILENO);
		dup2(op[1], STDOUT_FILENO);
		execv(secret_helper(), argv);
		_exit(127);
	}
	close(ip[0]);
	close(op[1]);
	if (input != NULL && (write(ip[1], input, strlen(input)) < 0 ||
			      write(ip[1], "\n", 1) < 0))
		status = -1;
	close(ip[1]);
	secret_read_all(op[0], &o);
	close(op[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	*out = xstrndup(buf_cstr(&o), strcspn(buf_cstr(&o), "\r\n"));
	buf_wipe(&o);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Without a session bus there is no keyring to ask. */
static char *
secret_keyring(const char *host, const char *user)
{
	char *pw = NULL;

	if (getenv("DBUS_SESSION_BUS_ADDRESS") == NULL)
		return NULL;
	if (secret_run_helper("lookup", host, user ? user : "", NULL, &pw) !=
	    0) {
		xfree_secret(pw);
		return NULL;
	}
	return pw;
}

int
secret_store(const char *host, const char *user, const char *password,
	     struct err *e)
{
	char *out = NULL;
	int rc;

	secret_protect();
	rc = secret_run_helper("store", host, user, password, &out);

	xfree_secret(out);
	if (rc != 0) {
		err_set(e, ERR_UNAVAILABLE,
			_("cannot store the password in the keyring (%s)"),
			access(secret_helper(), X_OK) == 0
				? _("is a keyring service running?")
				: _("dsmtp was built without libsecret"));
		return -1;
	}
	return 0;
}

static char *
secret_home_netrc(void)
{
	const char *home = getenv("HOME");
	struct passwd *pw;

	if (home == NULL || *home == '\0') {
		pw = getpwuid(getuid());
		home = pw ? pw->pw_dir : NULL;
	}
	return home ? xasprintf("%s/.netrc", home) : NULL;
}

void
secret_protect(void)
{
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

int
secret_get(const struct account *a, const char *host, const char *user,
	   char **out, struct err *e)
{
	const char *pw = config_str(a, CFG_PASSWORD, NULL);
	const char *ev = config_str(a, CFG_PASSWORDEVAL, NULL);
	char *path;

	*out = NULL;
	secret_protect();
	if (pw != NULL) {
		*out = xstrdup(pw);
		return 0;
	}
	if (ev != NULL)
		return secret_eval(ev, config_timeout(a), out, e);
	path = secret_home_netrc();
	if (path != NULL)
		*out = secret_netrc(path, host, user);
	free(path);
	if (*out == NULL)
		*out = secret_netrc(SYSCONFDIR "/netrc", host, user);
	if (*out == NULL)
		*out = secret_keyring(host, user);
	return 0;
}
