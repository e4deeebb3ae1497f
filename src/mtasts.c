/* mtasts.c - MTA-STS (RFC 8461): the TXT record, the policy, MX matching
 *
 * Owns: the syntax of the _mta-sts TXT record and of the policy file,
 *       and which MX host names a policy allows.
 * Not:  fetching the policy over HTTPS, the cache, or what delivery does
 *       with a mode (their modules). Pure, a fuzz target. */

#include <config.h>

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dns.h"
#include "mtasts.h"
#include "xmalloc.h"

static const char *
mtasts_skip_wsp(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

char *
mtasts_txt_id(const char *txt)
{
	const char *p = mtasts_skip_wsp(txt), *end;
	size_t n;

	if (strncmp(p, "v=STSv1", 7) != 0)
		return NULL;
	p = mtasts_skip_wsp(p + 7);
	while (*p == ';') {
		p = mtasts_skip_wsp(p + 1);
		if (strncmp(p, "id=", 3) == 0) {
			p += 3;
			for (end = p; isalnum((unsigned char)*end); end++)
				;
			n = (size_t)(end - p);
			end = mtasts_skip_wsp(end);
			if (n < 1 || n > 32 || (*end != ';' && *end != '\0'))
				return NULL;
			return xstrndup(p, n);
		}
		p += strcspn(p, ";");
	}
	return NULL;
}

char *
mtasts_answer_id(const struct dns_answer *a, size_t *n)
{
	char *id = NULL, *one;
	size_t i;

	*n = 0;
	for (i = 0; i < a->nrrs; i++) {
		if (a->rrs[i].type != DNS_TXT ||
		    (one = mtasts_txt_id((const char *)a->rrs[i].data)) == NULL)
			continue;
		(*n)++;
		free(id);
		id = one;
	}
	if (*n != 1) {
		free(id);
		id = NULL;
	}
	return id;
}

void
mtasts_policy_free(struct mtasts_policy *p)
{
	size_t i;

	for (i = 0; i < p->nmx; i++)
		free(p->mx[i]);
	memset(p, 0, sizeof(*p));
}

/* A pattern: a host name, or "*." and a host name; lower-cased copy, or
 * NULL when it is neither. */
static char *
mtasts_pattern(const char *v, size_t n)
{
	char *s = xstrndup(v, n);
	size_t i = (n > 2 && s[0] == '*' && s[1] == '.') ? 2 : 0, label = 0;

	if (n == i || n > 253)
		goto bad;
	for (; i < n; i++) {
		if (s[i] == '.') {
			if (label == 0)
				goto bad;
			label = 0;
			continue;
		}
		if (!isalnum((unsigned char)s[i]) && s[i] != '-')
			goto bad;
		s[i] = (char)tolower((unsigned char)s[i]);
		if (++label > 63)
			goto bad;
	}
	if (label == 0)
		goto bad;
	return s;
bad:
	free(s);
	return NULL;
}

/* One "key: value" line; 0, or -1 when it breaks the policy. seen has
 * bit 1 version, 2 mode, 4 max_age. */
static int
mtasts_line(struct mtasts_policy *p, const char *k, size_t kn, const char *v,
            size_t vn, int *seen)
{
	char *end, num[16];

	if (kn == 7 && strncmp(k, "version", 7) == 0) {
		*seen |= 1;
		return vn == 5 && strncmp(v, "STSv1", 5) == 0 ? 0 : -1;
	}
	if (kn == 4 && strncmp(k, "mode", 4) == 0) {
		*seen |= 2;
		if (vn == 7 && strncmp(v, "enforce", 7) == 0)
			p->mode = MTASTS_ENFORCE;
		else if (vn == 7 && strncmp(v, "testing", 7) == 0)
			p->mode = MTASTS_TESTING;
		else if (vn == 4 && strncmp(v, "none", 4) == 0)
			p->mode = MTASTS_NONE;
		else
			return -1;
		return 0;
	}
	if (kn == 7 && strncmp(k, "max_age", 7) == 0) {
		if (vn == 0 || vn > 10 || !isdigit((unsigned char)v[0]))
			return -1;
		memcpy(num, v, vn);
		num[vn] = '\0';
		errno = 0;
		p->max_age = strtol(num, &end, 10);
		*seen |= 4;
		return (*end != '\0' || errno || p->max_age > MTASTS_MAX_AGE)
		               ? -1
		               : 0;
	}
	if (kn == 2 && strncmp(k, "mx", 2) == 0) {
		if (p->nmx >= MTASTS_MAX_MX)
			return -1;
		p->mx[p->nmx] = mtasts_pattern(v, vn);
		return p->mx[p->nmx] ? (p->nmx++, 0) : -1;
	}
	return 0; /* an extension: ignored */
}

int
mtasts_parse_policy(const char *text, size_t len, struct mtasts_policy *p)
{
	const char *line = text, *end = text + len, *nl, *colon, *v, *ve;
	int seen = 0;

	memset(p, 0, sizeof(*p));
	if (len > MTASTS_MAX_POLICY || memchr(text, '\0', len) != NULL)
		return -1;
	for (; line < end; line = nl + 1) {
		nl = memchr(line, '\n', (size_t)(end - line));
		if (nl == NULL)
			nl = end;
		ve = nl > line && nl[-1] == '\r' ? nl - 1 : nl;
		if (ve == line)
			continue;
		colon = memchr(line, ':', (size_t)(ve - line));
		if (colon == NULL)
			goto bad;
		/* Bounded: the text need not end with a NUL. */
		for (v = colon + 1; v < ve && (*v == ' ' || *v == '\t'); v++)
			;
		while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
			ve--;
		if (mtasts_line(p, line, (size_t)(colon - line), v,
		                (size_t)(ve - v), &seen) < 0)
			goto bad;
		if (nl == end)
			break;
	}
	if (seen != 7 || (p->mode != MTASTS_NONE && p->nmx == 0))
		goto bad;
	return 0;
bad:
	mtasts_policy_free(p);
	return -1;
}

int
mtasts_mx_match(const struct mtasts_policy *p, const char *host)
{
	const char *dot;
	size_t i;

	for (i = 0; i < p->nmx; i++) {
		if (strncmp(p->mx[i], "*.", 2) != 0) {
			if (strcasecmp(p->mx[i], host) == 0)
				return 1;
			continue;
		}
		dot = strchr(host, '.');
		if (dot != NULL && dot != host &&
		    strcasecmp(dot + 1, p->mx[i] + 2) == 0)
			return 1;
	}
	return 0;
}
