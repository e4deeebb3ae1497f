/* mtasts_get.c - the MTA-STS policy in force for a recipient domain
 *
 * Owns: discovery (the _mta-sts TXT record), fetching the policy over
 *       HTTPS (RFC 8461 3.3: the certificate checked, 200 text/plain
 *       only, no redirects, bounded in size and time), and the rules that
 *       choose between the kept policy and a new one.
 * Not:  the syntax of records and policies (mtasts), the kept-policy
 *       file (mtasts_cache), what delivery does with a mode (deliver_mx).
 */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "i18n.h"
#include "mtasts_get.h"
#include "net.h"
#include "xmalloc.h"

#define MTASTS_PATH "/.well-known/mta-sts.txt"

/* Send the request and read the response whole (bounded). */
static int
mtasts_exchange(struct net *n, const char *host, struct http_response *r,
                struct err *e)
{
	struct buf req = { 0 };
	enum http_state st = HTTP_MORE;
	int rc;

	buf_printf(&req, "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: "
	                 "dsmtp/%s\r\nAccept: text/plain\r\nConnection: "
	                 "close\r\n\r\n",
	           MTASTS_PATH, host, PACKAGE_VERSION);
	rc = net_write(n, req.data, req.len, e);
	if (rc == 0)
		rc = net_flush(n, e);
	buf_free(&req);
	net_arm(n);
	while (rc == 0 && st == HTTP_MORE) {
		if ((rc = net_read_more(n, e)) < 0)
			break;
		st = http_parse(n->in.data ? n->in.data : "", n->in.len,
		                rc == 0, MTASTS_MAX_POLICY, r);
		rc = 0;
	}
	if (rc == 0 && st == HTTP_BAD) {
		err_set(e, ERR_TEMP, _("%s: not a usable HTTP response (%s)"),
		        host, r->why);
		rc = -1;
	}
	return rc;
}

/* A response that is a policy: 200, text/plain. */
static int
mtasts_usable(const char *host, const struct http_response *r, struct err *e)
{
	if (r->status / 100 == 3) {
		err_set(e, ERR_TEMP, _("%s redirects the policy (HTTP %d), and "
		                       "redirects are not followed"),
		        host, r->status);
		return -1;
	}
	if (r->status != 200) {
		err_set(e, ERR_TEMP, _("%s answered HTTP %d for the policy"),
		        host, r->status);
		return -1;
	}
	if (strcmp(r->content_type, "text/plain") != 0) {
		err_set(e, ERR_TEMP, _("%s served the policy as %s, not "
		                       "text/plain"),
		        host, r->content_type[0] ? r->content_type : "?");
		return -1;
	}
	return 0;
}

int
mtasts_fetch(const struct mtasts_source *s, const char *domain,
             struct buf *text, struct err *e)
{
	char *host = xasprintf("mta-sts.%s", domain);
	struct http_response r = { 0 };
	struct tls_policy tp = { 0 };
	struct net n;
	long long budget = net_ms_from_s(s->timeout_s > 0 ? s->timeout_s : 60);
	int rc;

	tp.host = host;
	tp.trust_file = s->trust_file;
	tp.certcheck = 1;
	rc = net_connect(&n, host, 443, s->source_ip, NULL, s->timeout_s,
	                 budget, e);
	if (rc == 0)
		rc = net_starttls(&n, &tp, e);
	if (rc == 0)
		rc = mtasts_exchange(&n, host, &r, e);
	if (rc == 0)
		rc = mtasts_usable(host, &r, e);
	if (rc == 0)
		buf_append(text, r.body.data ? r.body.data : "", r.body.len);
	http_response_free(&r);
	net_close(&n);
	free(host);
	return rc;
}

/* The id of domain's one STSv1 TXT record; NULL when there is none (or
 * not exactly one: RFC 8461 3.1), or discovery failed. */
static char *
mtasts_discover(const struct mtasts_source *s, const char *domain)
{
	struct dns_answer a = { 0 };
	struct err e = { 0 };
	char *name = xasprintf("_mta-sts.%s", domain), *id = NULL;
	size_t n;

	if (dns_query(s->dns, name, DNS_TXT, &a, &e) == 0 &&
	    a.rcode == DNS_NOERROR)
		id = mtasts_answer_id(&a, &n);
	err_clear(&e);
	dns_answer_free(&a);
	free(name);
	return id;
}

/* c's policy into p when it is still within its max_age. */
static int
mtasts_kept(const struct mtasts_source *s, const struct mtasts_cached *c,
            struct mtasts_policy *p)
{
	if (mtasts_parse_policy(c->text.data ? c->text.data : "", c->text.len,
	                        p) < 0)
		return 0;
	if (s->now - c->fetched < p->max_age)
		return 1;
	mtasts_policy_free(p);
	return 0;
}

/* Fetch anew under id; the kept c is replaced (or dropped for mode
 * none). 0 with p filled, or -1 with *note set. */
static int
mtasts_refresh(const struct mtasts_source *s, const char *domain,
               const char *id, struct mtasts_cached *c,
               struct mtasts_policy *p, char **note)
{
	struct mtasts_cached fresh;
	struct err e = { 0 };

	memset(&fresh, 0, sizeof(fresh));
	if (mtasts_fetch(s, domain, &fresh.text, &e) < 0 ||
	    mtasts_parse_policy(fresh.text.data ? fresh.text.data : "",
	                        fresh.text.len, p) < 0) {
		*note = xasprintf(_("the MTA-STS policy of %s cannot be "
		                    "fetched: %s"),
		                  domain, e.msg ? e.msg : _("it does not parse"));
		err_clear(&e);
		mtasts_cached_free(&fresh);
		return -1;
	}
	snprintf(fresh.id, sizeof(fresh.id), "%s", id);
	fresh.fetched = fresh.tried = s->now;
	if (s->cache_dir != NULL && p->mode == MTASTS_NONE)
		mtasts_cache_drop(s->cache_dir, domain);
	else if (s->cache_dir != NULL &&
	         mtasts_cache_store(s->cache_dir, domain, &fresh, &e) < 0) {
		*note = xstrdup(e.msg);
		err_clear(&e);
	}
	mtasts_cached_free(c);
	*c = fresh;
	return 0;
}

/* A failed refresh is remembered, so the next try waits. */
static void
mtasts_note_try(const struct mtasts_source *s, const char *domain,
                struct mtasts_cached *c)
{
	struct err e = { 0 };

	c->tried = s->now;
	if (s->cache_dir != NULL && c->id[0] != '\0')
		(void)mtasts_cache_store(s->cache_dir, domain, c, &e);
	err_clear(&e);
}

void
mtasts_get(const struct mtasts_source *s, const char *domain,
           struct mtasts_policy *p, char **note)
{
	struct mtasts_cached c;
	char *id = mtasts_discover(s, domain);
	int kept;

	*note = NULL;
	memset(p, 0, sizeof(*p));
	if (s->cache_dir == NULL ||
	    mtasts_cache_load(s->cache_dir, domain, &c) < 0)
		memset(&c, 0, sizeof(c));
	kept = c.id[0] != '\0' && mtasts_kept(s, &c, p);
	/* Fresh enough, or nothing to fetch under: what is kept. */
	if (id == NULL || (kept && strcmp(c.id, id) == 0 &&
	                   s->now - c.fetched < p->max_age / 2) ||
	    (kept && c.tried > c.fetched &&
	     s->now - c.tried < MTASTS_RETRY_SECONDS))
		goto out;
	if (kept)
		mtasts_policy_free(p);
	if (mtasts_refresh(s, domain, id, &c, p, note) == 0)
		goto out;
	if (kept) {
		mtasts_note_try(s, domain, &c);
		(void)mtasts_kept(s, &c, p);
	}
out:
	mtasts_cached_free(&c);
	free(id);
}
