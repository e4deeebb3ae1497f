/* config_load.c - configuration files, account choice, typed access
 *
 * Owns: which files are read (dsmtp's, else msmtp's) and which may be used
 *       (owner, mode, size), the rules for files holding a password,
 *       choosing the account, typed views of validated values, and what
 *       this version cannot honour.
 * Not:  the grammar (config.c), reading a file whole (file.c). */

#include <config.h>

#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "config.h"
#include "file.h"
#include "i18n.h"
#include "log.h"
#include "secret.h"
#include "xmalloc.h"

/* The largest configuration file read. */
#define CONFIG_FILE_MAX (1024 * 1024)

/* Which file is read, which decides what a failure to read it means. */
enum config_kind {
	CONFIG_SYSTEM,   /* SYSCONFDIR/dsmtprc or msmtprc: missing is fine */
	CONFIG_IMPLICIT, /* the user's file found by name: may be skipped */
	CONFIG_EXPLICIT  /* -C FILE: must be there and usable */
};

/* A file anyone else may change could make dsmtp run their eval commands
 * as the caller (root included) and log to any file: like ssh, use only
 * files owned by the caller or root that no one else may write. Returns 0
 * or -1 with e set saying why. */
static int
config_trusted(const char *path, const struct stat *st, struct err *e)
{
	if (st->st_uid != geteuid() && st->st_uid != 0) {
		err_set(e, ERR_CONFIG,
			_("%s is not used: it belongs to uid %lu, neither you "
			  "nor root"), path, (unsigned long)st->st_uid);
		return -1;
	}
	if ((st->st_mode & 022) != 0) {
		err_set(e, ERR_CONFIG,
			_("%s is not used: others than its owner may change "
			  "it (chmod go-w)"), path);
		return -1;
	}
	return 0;
}

/* Read a whole configuration file. Returns 1 when read, 0 when it is
 * missing (not for -C) or, for an implicit user file, unusable (with a
 * warning: the system file still applies), -1 with e set; -2 with e set
 * for a system file the caller may not read (the system's mail keeps its
 * secrets from users: one with a file of their own goes on with it). */
static int
config_read_file(const char *path, enum config_kind kind, struct buf *out,
		 struct stat *st, struct err *e)
{
	enum file_result r = file_read(path, 0, CONFIG_FILE_MAX, out, st);
	int closed = r == FILE_ERRNO && errno == EACCES;

	if (r == FILE_MISSING && kind != CONFIG_EXPLICIT)
		return 0;
	if (r != FILE_OK && closed && kind == CONFIG_SYSTEM) {
		file_fail(e, ERR_CONFIG, path, r, CONFIG_FILE_MAX);
		return -2;
	}
	if (r != FILE_OK)
		file_fail(e, ERR_CONFIG, path, r, CONFIG_FILE_MAX);
	else if (config_trusted(path, st, e) == 0)
		return 1;
	if (kind != CONFIG_IMPLICIT)
		return -1;
	log_diag(_("warning: %s"), e->msg);
	err_clear(e);
	buf_wipe(out);
	return 0;
}

/* The password rules: a user file that holds one is private; a system
 * file that every user may read gets a warning. */
static int
config_check_password(const char *path, enum config_kind kind,
		      const struct stat *st, struct err *e)
{
	if (kind != CONFIG_SYSTEM &&
	    (st->st_uid != geteuid() || (st->st_mode & 077) != 0)) {
		err_set(e, ERR_CONFIG,
			_("%s holds a password, so it must be owned by you and "
			  "readable only by you (chmod 600)"), path);
		return -1;
	}
	if (kind == CONFIG_SYSTEM && (st->st_mode & 004) != 0)
		log_diag(_("warning: %s holds a password and every user may "
			   "read it (chmod o-r, and let a group read it)"),
			 path);
	return 0;
}

static int
config_load_file(struct config *c, const char *path, enum config_kind kind,
		 struct err *e)
{
	struct buf text = { 0 };
	struct stat st;
	int rc, has_password = 0;

	rc = config_read_file(path, kind, &text, &st, e);
	if (rc <= 0)
		goto out; /* -2 passed on: a system file closed to the caller */
	c->files = xrealloc(c->files, (c->nfiles + 1) * sizeof(char *));
	c->files[c->nfiles++] = xstrdup(path);
	if (config_parse_text(c, buf_cstr(&text), text.len, path,
			      &has_password, e) < 0) {
		rc = -1;
		goto out;
	}
	if (has_password) {
		secret_protect();
		if (config_check_password(path, kind, &st, e) < 0)
			rc = -1;
	}
out:
	buf_wipe(&text);
	return rc;
}

/* $XDG_CONFIG_HOME/<dir>/config when it exists, else ~/<dotfile>. */
static char *
config_user_path(const char *dir, const char *dotfile)
{
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	char *p;

	if (xdg != NULL && *xdg == '/') {
		p = xasprintf("%s/%s/config", xdg, dir);
		if (access(p, F_OK) == 0)
			return p;
		free(p);
	} else if (home != NULL) {
		p = xasprintf("%s/.config/%s/config", home, dir);
		if (access(p, F_OK) == 0)
			return p;
		free(p);
	}
	return home ? xasprintf("%s/%s", home, dotfile) : NULL;
}

/* Read a system file and a user file; 1 when either existed. A system
 * file closed to the caller is not an error here: it is kept in closed
 * (the first one), for when no file at all could be read. */
static int
config_load_pair(struct config *c, const char *sys, const char *user,
		 int user_explicit, struct err *closed, struct err *e)
{
	struct err shut = { 0 };
	int found = 0, rc;

	if (sys != NULL) {
		rc = config_load_file(c, sys, CONFIG_SYSTEM, &shut);
		if (rc == -1) {
			*e = shut;
			return -1;
		}
		if (rc == -2 && closed->cls == ERR_NONE)
			*closed = shut;
		else
			err_clear(&shut);
		found |= rc > 0;
	}
	if (user != NULL) {
		rc = config_load_file(c, user, user_explicit ? CONFIG_EXPLICIT
							     : CONFIG_IMPLICIT,
				      e);
		if (rc < 0)
			return -1;
		found |= rc;
	}
	return found;
}

void
config_search_paths(const struct config_sources *src, char *paths[4],
		    size_t *n)
{
	char *p;

	*n = 0;
	if (src->system_file != NULL)
		paths[(*n)++] = xstrdup(src->system_file);
	if ((p = config_user_path("dsmtp", ".dsmtprc")) != NULL)
		paths[(*n)++] = p;
	paths[(*n)++] = xstrdup(CONFIG_MSMTP_SYSTEM_FILE);
	if ((p = config_user_path("msmtp", ".msmtprc")) != NULL)
		paths[(*n)++] = p;
}

static void
config_searched(struct config *c, const char *path)
{
	if (path == NULL)
		return;
	c->searched = xrealloc(c->searched,
			       (c->nsearched + 1) * sizeof(*c->searched));
	c->searched[c->nsearched++] = xstrdup(path);
}

int
config_load(struct config *c, const struct config_sources *src,
	    struct err *e)
{
	struct err closed = { 0 };
	char *user = NULL, *msys = NULL;
	int rc;

	memset(c, 0, sizeof(*c));
	if (src->user_file != NULL)
		user = xstrdup(src->user_file);
	else
		user = config_user_path("dsmtp", ".dsmtprc");
	if (!src->user_file_explicit)
		config_searched(c, src->system_file);
	config_searched(c, user);
	rc = config_load_pair(c, src->system_file, user,
			      src->user_file_explicit, &closed, e);
	free(user);
	if (rc == 0 && !src->user_file_explicit) {
		/* No dsmtp file at all: an msmtp user's files work
		 * unchanged. */
		user = config_user_path("msmtp", ".msmtprc");
		msys = xstrdup(CONFIG_MSMTP_SYSTEM_FILE);
		config_searched(c, msys);
		config_searched(c, user);
		rc = config_load_pair(c, msys, user, 0, &closed, e);
		free(user);
		free(msys);
	}
	/* A system file the caller may not read matters only when they have
	 * no file of their own: then it is what went wrong. */
	if (rc == 0 && closed.cls != ERR_NONE) {
		*e = closed;
		return -1;
	}
	err_clear(&closed);
	return rc < 0 ? -1 : 0;
}

void
config_free(struct config *c)
{
	size_t i;
	int k;

	for (i = 0; i < c->naccounts; i++) {
		for (k = 0; k < CFG_NCMDS; k++) {
			xfree_secret(c->accounts[i]->val[k]);
			free(c->accounts[i]->origin[k]);
		}
		free(c->accounts[i]->name);
		free(c->accounts[i]->defined);
		free(c->accounts[i]);
	}
	for (k = 0; k < CFG_NCMDS; k++) {
		xfree_secret(c->defaults.val[k]);
		free(c->defaults.origin[k]);
	}
	free(c->defaults.name);
	free(c->defaults.defined);
	free(c->accounts);
	for (i = 0; i < c->nfiles; i++)
		free(c->files[i]);
	free(c->files);
	for (i = 0; i < c->nsearched; i++)
		free(c->searched[i]);
	free(c->searched);
	memset(c, 0, sizeof(*c));
}

static struct account *
config_match_from(const struct config *c, const char *addr)
{
	const char *pat, *plus = strchr(addr, '+'), *at = strrchr(addr, '@');
	char *plain = NULL;
	size_t i;

	/* As msmtp: joe+tag@example.org also matches from joe@example.org. */
	if (plus != NULL && at != NULL && plus < at)
		plain = xasprintf("%.*s%s", (int)(plus - addr), addr, at);
	for (i = 0; i < c->naccounts; i++) {
		pat = c->accounts[i]->val[CFG_FROM];
		if (pat != NULL && (fnmatch(pat, addr, FNM_CASEFOLD) == 0 ||
				    (plain != NULL &&
				     fnmatch(pat, plain, FNM_CASEFOLD) == 0))) {
			free(plain);
			return c->accounts[i];
		}
	}
	free(plain);
	return NULL;
}

/* "a, b and c" of n strings; caller frees. */
static char *
config_join(char *const *v, size_t n)
{
	struct buf b = { 0 };
	size_t i;

	for (i = 0; i < n; i++)
		buf_printf(&b, "%s%s", i == 0 ? "" : ", ", v[i]);
	return buf_steal(&b);
}

static void
config_none_found(const struct config *c, struct err *e)
{
	char *list = config_join(c->searched, c->nsearched);

	err_set(e, ERR_CONFIG, _("no configuration file found (looked for "
				 "%s); see dsmtprc(5)"),
		c->nsearched ? list : "-");
	free(list);
}

static void
config_no_such_account(const struct config *c, const char *name,
		       struct err *e)
{
	char **names = xcalloc(c->naccounts + 1, sizeof(*names));
	char *files = config_join(c->files, c->nfiles), *list;
	size_t i;

	for (i = 0; i < c->naccounts; i++)
		names[i] = c->accounts[i]->name;
	list = config_join(names, c->naccounts);
	err_set(e, ERR_CONFIG, _("account %s not found in %s; accounts: %s"),
		name, files, c->naccounts ? list : _("none"));
	free(list);
	free(files);
	free(names);
}

/* msmtp's old auto_from: the envelope from is USER@MAILDOMAIN (USER alone
 * without a maildomain), whatever from or -f say. */
static void
config_auto_from(struct account *a)
{
	const char *d = a->val[CFG_MAILDOMAIN];
	const char *origin = a->origin[CFG_AUTO_FROM];

	if (!config_bool(a, CFG_AUTO_FROM, 0))
		return;
	free(a->val[CFG_FROM]);
	free(a->origin[CFG_FROM]);
	a->val[CFG_FROM] = d && *d ? xasprintf("%%U@%s", d) : xstrdup("%U");
	a->origin[CFG_FROM] = xstrdup(origin);
	free(a->val[CFG_ALLOW_FROM_OVERRIDE]);
	free(a->origin[CFG_ALLOW_FROM_OVERRIDE]);
	a->val[CFG_ALLOW_FROM_OVERRIDE] = xstrdup("off");
	a->origin[CFG_ALLOW_FROM_OVERRIDE] = xstrdup(origin);
}

struct account *
config_choose(const struct config *c, const char *name, const char *env_from,
	      const char *header_from, int *by_header, struct err *e)
{
	struct account *a = NULL;

	*by_header = 0;
	/* Nothing read at all (text parsed by a caller counts as read). */
	if (c->nfiles == 0 && c->naccounts == 0 &&
	    c->defaults.val[CFG_HOST] == NULL) {
		config_none_found(c, e);
		return NULL;
	}
	if (name != NULL) {
		a = config_account(c, name);
		if (a == NULL)
			config_no_such_account(c, name, e);
		else
			config_auto_from(a);
		return a;
	}
	if (env_from != NULL && *env_from != '\0')
		a = config_match_from(c, env_from);
	else if (env_from == NULL && header_from != NULL) {
		a = config_match_from(c, header_from);
		*by_header = a != NULL;
	}
	if (a == NULL)
		a = config_account(c, "default");
	if (a == NULL && c->naccounts == 0 && c->defaults.val[CFG_HOST])
		a = (struct account *)&c->defaults;
	if (a == NULL)
		err_set(e, ERR_CONFIG,
			_("no account chosen: use -a, or define an account "
			  "named default"));
	else
		config_auto_from(a);
	return a;
}

const char *
config_str(const struct account *a, enum config_cmd cmd, const char *dflt)
{
	return a->val[cmd] != NULL ? a->val[cmd] : dflt;
}

int
config_bool(const struct account *a, enum config_cmd cmd, int dflt)
{
	const char *v = a->val[cmd];

	if (v == NULL)
		return dflt;
	return strcmp(v, "off") != 0;
}

long
config_num(const struct account *a, enum config_cmd cmd, long dflt)
{
	const char *v = a->val[cmd];

	if (v == NULL)
		return dflt;
	if (strcmp(v, "off") == 0)
		return 0;
	if (cmd == CFG_TIMEOUT || cmd == CFG_QUEUE_LIFETIME ||
	    cmd == CFG_DKIM_EXPIRE || cmd == CFG_QUEUE_DELAY_WARNING)
		return config_parse_duration(v);
	return config_parse_size(v);
}

int
config_timeout(const struct account *a)
{
	long t = config_num(a, CFG_TIMEOUT, 300);

	return t > 0 ? (int)t : 300;
}

static int
config_unsupported(const struct account *a, enum config_cmd cmd,
		   const char *what, struct err *e)
{
	char q[CONFIG_QUOTE_SIZE];
	const char *v = a->val[cmd] ? a->val[cmd] : "";

	config_quote(q, v, strlen(v));
	err_set(e, ERR_CONFIG, _("%s: %s %s: %s is not supported yet"),
		a->origin[cmd] ? a->origin[cmd] : "-", config_cmd_name(cmd),
		q, what);
	return -1;
}

int
config_check_supported(const struct account *a, struct err *e)
{
	const char *delivery = config_str(a, CFG_DELIVERY, NULL);

	if (delivery != NULL && strcmp(delivery, "relay") == 0 &&
	    a->val[CFG_HOST] == NULL && a->val[CFG_SOCKET] == NULL) {
		const char *name = a->name ? a->name : "defaults";
		char q[CONFIG_QUOTE_SIZE];

		config_quote(q, name, strlen(name));
		err_set(e, ERR_CONFIG,
			_("account %s has delivery relay but no host"), q);
		return -1;
	}
	/* ntlmdomain is accepted for msmtp's files; NTLM itself only fails
	 * when it would be used. */
	if (strcasecmp(config_str(a, CFG_AUTH, "off"), "ntlm") == 0)
		return config_unsupported(a, CFG_AUTH,
					  _("NTLM authentication"), e);
	return 0;
}
