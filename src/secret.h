/* secret.h - where a relay password comes from */
#ifndef DSMTP_SECRET_H
#define DSMTP_SECRET_H

#include "config.h"
#include "err.h"

/* The password (or OAuth token) for user at host, from the first source
 * that has one: the account's password, its passwordeval command (first
 * line of output), ~/.netrc, the system netrc, the desktop keyring
 * (libsecret, msmtp's attributes: host, service=smtp, user). *out is NULL
 * when no source has one; else the caller frees it with xfree_secret.
 * Returns 0, or -1 with e set (ERR_CONFIG: passwordeval failed, with its
 * error output). */
int secret_get(const struct account *a, const char *host, const char *user,
	       char **out, struct err *e);

/* Look host/user up in a netrc file; NULL when absent. Caller frees with
 * xfree_secret. */
char *secret_netrc(const char *path, const char *host, const char *user);

/* Store a password in the desktop keyring for host/user (msmtp's
 * attributes, so msmtp finds it too). ERR_UNAVAILABLE without libsecret. */
int secret_store(const char *host, const char *user, const char *password,
		 struct err *e);

/* Run cmd and return the first line of its output (caller frees with
 * xfree_secret). A command without shell syntax runs without a shell.
 * The command's process group is killed when it runs longer than
 * timeout_s seconds or writes more than CHILD_OUTPUT_MAX octets (an
 * ERR_CONFIG failure that says so). */
int secret_eval(const char *cmd, int timeout_s, char **out, struct err *e);

/* The keyring helper is the dsmtp-keyring beside the running binary when
 * only root or the caller can change it and its directory (the build
 * tree), else pkglibexecdir's. Unit tests, which are other binaries, set
 * their own with this (NULL: back to the usual choice). Borrows path. */
void secret_set_helper(const char *path);
/* The keyring helper this run would use (borrowed), or NULL when dsmtp
 * was built without libsecret. For --version. */
const char *secret_keyring_helper(void);

/* Keep secrets out of core files and away from other processes of the
 * same user (ptrace, /proc/PID/mem): the process is non-dumpable for the
 * rest of its run. Called once a secret is in memory; harmless again. */
void secret_protect(void);

#endif
