/* mtasts_cache.c - MTA-STS policies kept in the queue's directory
 *
 * Owns: the kept-policy file (one per domain: its TXT id, when it was
 *       fetched and last tried, the policy text), reading it back whole
 *       or not at all, replacing it by rename.
 * Not:  when to fetch or use a policy (mtasts_get), its syntax (mtasts). */

#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file.h"
#include "i18n.h"
#include "mtasts_get.h"
#include "xmalloc.h"

#define MTASTS_CACHE_MAGIC "dsmtp-mta-sts 1\n"

void
mtasts_cached_free(struct mtasts_cached *c)
{
	buf_free(&c->text);
	memset(c, 0, sizeof(*c));
}

/* "KEY VALUE\n" at *p: the value's start and length; *p moves past. */
static int
mtasts_cache_line(const char **p, const char *end, const char *key,
                  const char **v, size_t *n)
{
	size_t k = strlen(key);
	const char *nl = memchr(*p, '\n', (size_t)(end - *p));

	if (nl == NULL || (size_t)(nl - *p) <= k + 1 ||
	    memcmp(*p, key, k) != 0 || (*p)[k] != ' ')
		return -1;
	*v = *p + k + 1;
	*n = (size_t)(nl - *v);
	*p = nl + 1;
	return 0;
}

static int
mtasts_cache_time(const char **p, const char *end, const char *key,
                  time_t *t)
{
	const char *v;
	size_t n, i;
	long long x = 0;

	if (mtasts_cache_line(p, end, key, &v, &n) < 0 || n == 0 || n > 18)
		return -1;
	for (i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -1;
		x = x * 10 + (v[i] - '0');
	}
	*t = (time_t)x;
	return 0;
}

int
mtasts_cache_parse(const char *data, size_t len, struct mtasts_cached *c)
{
	const char *p = data, *end = data + len, *v;
	size_t n, m = strlen(MTASTS_CACHE_MAGIC), i;

	memset(c, 0, sizeof(*c));
	if (len < m || memcmp(p, MTASTS_CACHE_MAGIC, m) != 0)
		return -1;
	p += m;
	if (mtasts_cache_line(&p, end, "id", &v, &n) < 0 || n == 0 ||
	    n >= sizeof(c->id))
		return -1;
	for (i = 0; i < n; i++)
		if (!((v[i] >= '0' && v[i] <= '9') || (v[i] >= 'a' && v[i] <= 'z')
		      || (v[i] >= 'A' && v[i] <= 'Z')))
			return -1;
	memcpy(c->id, v, n);
	c->id[n] = '\0';
	if (mtasts_cache_time(&p, end, "fetched", &c->fetched) < 0 ||
	    mtasts_cache_time(&p, end, "tried", &c->tried) < 0 || p >= end ||
	    *p != '\n')
		return -1;
	p++;
	buf_append(&c->text, p, (size_t)(end - p));
	return 0;
}

/* The file of domain in dir; NULL for a name that is not a host name
 * (it could climb out of dir). Caller frees. */
static char *
mtasts_cache_path(const char *dir, const char *domain)
{
	const char *q;

	if (domain[0] == '\0' || domain[0] == '.' || strlen(domain) > 253)
		return NULL;
	for (q = domain; *q; q++)
		if (!((*q >= 'a' && *q <= 'z') || (*q >= '0' && *q <= '9') ||
		      *q == '-' || *q == '.'))
			return NULL;
	return xasprintf("%s/%s", dir, domain);
}

int
mtasts_cache_load(const char *dir, const char *domain, struct mtasts_cached *c)
{
	struct buf b = { 0 };
	char *path = mtasts_cache_path(dir, domain);
	int rc = -1;

	memset(c, 0, sizeof(*c));
	if (path != NULL &&
	    file_read(path, O_NOFOLLOW, MTASTS_MAX_POLICY + 256, &b, NULL) ==
	            FILE_OK)
		rc = mtasts_cache_parse(b.data ? b.data : "", b.len, c);
	if (rc < 0)
		mtasts_cached_free(c);
	buf_free(&b);
	free(path);
	return rc;
}

static int
mtasts_cache_write(int fd, const struct mtasts_cached *c)
{
	struct buf b = { 0 };
	int rc;

	buf_printf(&b, "%sid %s\nfetched %lld\ntried %lld\n\n",
	           MTASTS_CACHE_MAGIC, c->id, (long long)c->fetched,
	           (long long)c->tried);
	buf_append(&b, c->text.data ? c->text.data : "", c->text.len);
	rc = file_write_all(fd, b.data, b.len);
	buf_free(&b);
	return rc;
}

int
mtasts_cache_store(const char *dir, const char *domain,
                   const struct mtasts_cached *c, struct err *e)
{
	char *path = mtasts_cache_path(dir, domain), *tmp = NULL;
	int fd = -1, rc = -1;

	if (path == NULL) {
		err_set(e, ERR_DATA, _("%s is not a domain name"), domain);
		return -1;
	}
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		goto out;
	tmp = xasprintf("%s/.tmp.%ld", dir, (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
	          0600);
	if (fd < 0 || mtasts_cache_write(fd, c) < 0 || close(fd) < 0) {
		if (fd >= 0)
			(void)close(fd);
		(void)unlink(tmp);
		goto out;
	}
	rc = rename(tmp, path);
	if (rc < 0)
		(void)unlink(tmp);
out:
	if (rc < 0)
		err_set(e, ERR_OS, _("cannot keep the MTA-STS policy of %s in "
		                     "%s: %s"),
		        domain, dir, strerror(errno));
	free(tmp);
	free(path);
	return rc;
}

void
mtasts_cache_drop(const char *dir, const char *domain)
{
	char *path = mtasts_cache_path(dir, domain);

	if (path != NULL)
		(void)unlink(path);
	free(path);
}
