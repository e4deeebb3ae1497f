/* deliver_mx.c - direct delivery: each recipient domain to its MX hosts
 *
 * Owns: grouping a job's recipients by domain, each domain's route, the
 *       TLS policy of each MX host (DANE from authenticated TLSA records,
 *       else mx_tls), trying hosts and addresses in order until every
 *       recipient has a final answer or none is left to try, the
 *       connections kept for the next message, and the log line of each
 *       transaction.
 * Not:  the DNS rules (route, dns), the TLSA match (dane), SMTP (smtp),
 *       retries and bounces (the runner). */

#include <config.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "dane.h"
#include "deliver_mx_int.h"
#include "i18n.h"
#include "log.h"
#include "xmalloc.h"

/* How one MX host is to be talked to. */
struct deliver_mx_policy {
	const char *name;      /* for the log: opportunistic, verify, dane,
	                        * encrypt (TLSA present, none usable) */
	int tls;               /* SMTP_TLS_* */
	int certcheck;
	struct dns_answer tlsa; /* DANE's records (nrrs 0: none) */
	char *refuse;          /* set: this host is not used, and why */
};


int
deliver_is_mx(const struct account *a)
{
	const char *d = config_str(a, CFG_DELIVERY, NULL);

	if (d != NULL)
		return strcmp(d, "mx") == 0;
	return a->val[CFG_HOST] == NULL && a->val[CFG_SOCKET] == NULL;
}

static void
deliver_mx_conn_drop(struct deliver_mx_conn *k)
{
	smtp_close(&k->s);
	free(k->name);
	free(k->helo);
	memset(k, 0, sizeof(*k));
	k->s.net.fd = -1;
}

void
deliver_mx_close(struct deliver_mx *mx)
{
	size_t i;

	if (mx == NULL)
		return;
	for (i = 0; i < DELIVER_MX_CONNS; i++)
		if (mx->conns[i].ip[0] != '\0')
			deliver_mx_conn_drop(&mx->conns[i]);
	deliver_mx_routes_free(mx);
	if (mx->dns_ready > 0)
		dns_close(&mx->dns);
	free(mx);
}

static struct deliver_mx *
deliver_mx_state(struct deliver_conn *c)
{
	size_t i;

	if (c->mx == NULL) {
		c->mx = xcalloc(1, sizeof(*c->mx));
		for (i = 0; i < DELIVER_MX_CONNS; i++)
			c->mx->conns[i].s.net.fd = -1;
	}
	return c->mx;
}

struct dns_resolver *
deliver_mx_dns(struct deliver_mx *mx, struct err *e)
{
	if (mx->dns_ready == 0) {
		mx->dns_ready = dns_open(&mx->dns, DELIVER_MX_DNS_TIMEOUT,
		                         DELIVER_MX_DNS_TRIES, e) == 0 ? 1 : -1;
		/* Said once per resolver, not once per message. */
		if (mx->dns_ready > 0 && !mx->dns.trust_ad && log_verbose())
			log_diag(_("DNSSEC is not in effect: the resolver is "
			           "not trusted to validate (no \"options "
			           "trust-ad\" and a nameserver off this host), "
			           "so DANE is not used"));
	}
	if (mx->dns_ready < 0) {
		if (e->cls == ERR_NONE)
			err_set(e, ERR_TEMP, _("the resolver cannot be used"));
		return NULL;
	}
	return &mx->dns;
}

/* -- TLS policy ---------------------------------------------------------- */

static void
deliver_mx_policy_free(struct deliver_mx_policy *p)
{
	dns_answer_free(&p->tlsa);
	free(p->refuse);
	memset(p, 0, sizeof(*p));
}

/* 1 when some address of h came from an authenticated answer. */
static int
deliver_mx_secure(const struct route_host *h)
{
	size_t i;

	for (i = 0; i < h->naddrs; i++)
		if (h->addrs[i].secure)
			return 1;
	return 0;
}

/* DANE for h (RFC 7672 2.2): its TLSA records when the MX answer that
 * named it (mx_secure), its address records and they are authenticated;
 * an MX host named by an answer that was not is not trusted to be the
 * domain's, so DANE is not used for it, as Postfix does. 1 when DANE
 * applies (p filled), 0 when not, -1 when the lookup failed (p->refuse:
 * the host is deferred, never tried without DANE). */
static int
deliver_mx_dane(struct dns_resolver *r, int mx_secure,
                const struct route_host *h, struct deliver_mx_policy *p)
{
	struct err e = { 0 };
	char *name;
	int rc;

	if (!r->trust_ad || !mx_secure || !deliver_mx_secure(h))
		return 0;
	name = xasprintf("_25._tcp.%s", h->name);
	rc = dns_query(r, name, DNS_TLSA, &p->tlsa, &e);
	free(name);
	if (rc < 0 || (p->tlsa.rcode != DNS_NOERROR &&
	               p->tlsa.rcode != DNS_NXDOMAIN)) {
		p->refuse = xasprintf(
		        _("the TLSA records of %s cannot be looked up (%s); "
		          "it is not used without them"),
		        h->name, rc < 0 ? e.msg : dns_rcode_name(p->tlsa.rcode));
		err_clear(&e);
		return -1;
	}
	if (p->tlsa.rcode != DNS_NOERROR || !p->tlsa.ad || p->tlsa.nrrs == 0) {
		dns_answer_free(&p->tlsa);
		return 0;
	}
	p->tls = SMTP_TLS_STARTTLS;
	p->certcheck = 0;
	p->name = dane_count_usable(p->tlsa.rrs, p->tlsa.nrrs) > 0 ? "dane"
	                                                          : "encrypt";
	return 1;
}

/* MTA-STS for host h of a domain whose policy is sts (RFC 8461 4.1):
 * enforce uses only the hosts it names, with a certificate valid for
 * the MX name. 1 when it decided p, 0 when not. */
static int
deliver_mx_sts(const struct deliver_job *j, const struct mtasts_policy *sts,
               const struct route_host *h, struct deliver_mx_policy *p)
{
	struct buf b = { 0 };

	if (sts->mode == MTASTS_NONE)
		return 0;
	if (mtasts_mx_match(sts, h->name)) {
		if (sts->mode != MTASTS_ENFORCE)
			return 0;
		p->name = "mta-sts";
		p->tls = SMTP_TLS_STARTTLS;
		p->certcheck = 1;
		return 1;
	}
	if (sts->mode == MTASTS_ENFORCE) {
		p->refuse = xasprintf(_("%s is not an MX host the MTA-STS "
		                        "policy allows"),
		                      h->name);
		return 1;
	}
	/* testing: noted, delivered as without a policy. */
	log_kv(&b, "mta_sts", "testing");
	log_kv(&b, "mx", h->name);
	log_kv(&b, "result", "not-in-policy");
	log_note(j->m->id, buf_cstr(&b));
	buf_free(&b);
	return 0;
}

/* The policy for MX host h of account a (DANE first, then MTA-STS, then
 * mx_tls). */
static void
deliver_mx_policy(struct dns_resolver *r, const struct account *a,
                  const struct deliver_job *j,
                  const struct mtasts_policy *sts, int mx_secure,
                  const struct route_host *h, struct deliver_mx_policy *p)
{
	const char *want = config_str(a, CFG_MX_TLS, "opportunistic");

	memset(p, 0, sizeof(*p));
	if (deliver_mx_dane(r, mx_secure, h, p) != 0 ||
	    deliver_mx_sts(j, sts, h, p))
		return;
	if (strcmp(want, "dane") == 0) {
		p->refuse = xasprintf(_("%s has no authenticated TLSA records "
		                        "and mx_tls dane requires them"),
		                      h->name);
		return;
	}
	if (strcmp(want, "verify") == 0) {
		p->name = "verify";
		p->tls = SMTP_TLS_STARTTLS;
		p->certcheck = 1;
		return;
	}
	p->name = "opportunistic";
	p->tls = SMTP_TLS_OPPORTUNISTIC;
}

/* -- one address ----------------------------------------------------------- */

static void
deliver_mx_target(const struct account *a, const char *ip, const char *name,
                  const char *helo, const struct deliver_mx_policy *p,
                  long long budget, struct smtp_target *t)
{
	struct tls_policy *tp = &t->tls_policy;

	memset(t, 0, sizeof(*t));
	t->host = ip;
	t->name = name;
	t->port = 25;
	t->source_ip = config_str(a, CFG_SOURCE_IP, NULL);
	t->timeout = config_timeout(a);
	t->budget_ms = budget;
	t->helo = helo;
	t->tls = p->tls;
	tp->host = name;
	tp->trust_file = config_str(a, CFG_TLS_TRUST_FILE, NULL);
	tp->crl_file = config_str(a, CFG_TLS_CRL_FILE, NULL);
	tp->certcheck = p->certcheck;
	tp->priorities = config_str(a, CFG_TLS_PRIORITIES, NULL);
	tp->timeout_ms = net_ms_from_s(t->timeout);
	if (p->tlsa.nrrs > 0 && strcmp(p->name, "dane") == 0) {
		tp->tlsa = p->tlsa.rrs;
		tp->ntlsa = p->tlsa.nrrs;
	}
}

/* A connection whose last transaction ended a moment ago and on which
 * the server has said nothing since takes the next MAIL at once (RFC
 * 5321 4.1.4: no RSET is needed after a completed transaction); one that
 * idled longer is asked with RSET whether it still answers. */
static int
deliver_mx_fresh(struct deliver_mx_conn *k, long long budget)
{
	if (net_now_ms() - k->idle > DELIVER_MX_FRESH_MS ||
	    net_pending(&k->s.net) || k->s.net.eof || k->s.net.broken)
		return 0;
	net_set_budget(&k->s.net, budget);
	return 1;
}

/* A kept connection to ip for name, helo and policy, readied for another
 * message; NULL when there is none that still answers. */
static struct deliver_mx_conn *
deliver_mx_reuse(struct deliver_mx *mx, const char *ip, const char *name,
                 const char *helo, const char *policy, long long budget)
{
	struct deliver_mx_conn *k;
	struct err e = { 0 };
	size_t i;

	for (i = 0; i < DELIVER_MX_CONNS; i++) {
		k = &mx->conns[i];
		if (k->ip[0] == '\0' || strcmp(k->ip, ip) != 0 ||
		    strcasecmp(k->name, name) != 0 ||
		    strcmp(k->helo, helo) != 0 || k->policy != policy)
			continue;
		if (k->uses < DELIVER_CONN_USES &&
		    (deliver_mx_fresh(k, budget) ||
		     smtp_reuse(&k->s, budget, &e) == 0)) {
			k->last = ++mx->tick;
			return k;
		}
		err_clear(&e);
		deliver_mx_conn_drop(k);
	}
	return NULL;
}

/* A free slot (the least recently used one emptied when all are taken). */
static struct deliver_mx_conn *
deliver_mx_slot(struct deliver_mx *mx)
{
	struct deliver_mx_conn *k = &mx->conns[0];
	size_t i;

	for (i = 0; i < DELIVER_MX_CONNS; i++) {
		if (mx->conns[i].ip[0] == '\0')
			return &mx->conns[i];
		if (mx->conns[i].last < k->last)
			k = &mx->conns[i];
	}
	deliver_mx_conn_drop(k);
	return k;
}

/* Open a connection in slot k; an opportunistic handshake that fails is
 * tried once more in clear (RFC 7435: better than not at all). */
static int
deliver_mx_open(struct deliver_mx *mx, struct deliver_mx_conn *k,
                struct smtp_target *t, const struct deliver_mx_policy *p,
                struct err *e)
{
	int rc = smtp_open(&k->s, t, e);

	if (rc < 0 && k->s.tls_failed && t->tls == SMTP_TLS_OPPORTUNISTIC) {
		if (log_verbose())
			log_diag(_("%s; trying %s again without TLS"),
			         e->msg ? e->msg : "", t->name);
		smtp_close(&k->s);
		err_clear(e);
		t->tls = SMTP_TLS_OFF;
		rc = smtp_open(&k->s, t, e);
	}
	if (rc < 0) {
		smtp_close(&k->s);
		return -1;
	}
	snprintf(k->ip, sizeof(k->ip), "%s", t->host);
	k->name = xstrdup(t->name);
	k->helo = xstrdup(t->helo);
	k->policy = p->name;
	k->verified = k->s.net.tls != NULL && tls_verified(k->s.net.tls);
	k->uses = 0;
	k->last = ++mx->tick;
	k->idle = net_now_ms();
	return 0;
}

/* The recipients of g not yet finished, as a job of their own: rcpts
 * gets their addresses, sub their result slots (copied back with
 * deliver_mx_merge). 0 when none is left. */
static size_t
deliver_mx_pending(const struct deliver_mx_group *g, const struct smtp_rcpt *res,
                   struct strlist *rcpts, struct smtp_rcpt *sub, size_t *map)
{
	size_t i, n = 0;

	for (i = 0; i < g->n; i++) {
		const struct smtp_rcpt *r = &res[g->idx[i]];

		if (r->cls == SMTP_DONE || r->cls == SMTP_PERM)
			continue;
		strlist_add(rcpts, r->addr);
		memset(&sub[n], 0, sizeof(sub[n]));
		sub[n].addr = r->addr;
		map[n++] = g->idx[i];
	}
	return n;
}

static void
deliver_mx_merge(struct smtp_rcpt *res, struct smtp_rcpt *sub,
                 const size_t *map, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		struct smtp_rcpt *r = &res[map[i]];

		free(r->reply);
		r->reply = sub[i].reply;
		r->cls = sub[i].cls == SMTP_PENDING ? SMTP_TEMP : sub[i].cls;
		r->notify_dropped = sub[i].notify_dropped;
	}
}

/* Every recipient of sub[0..n) ends in class cls with reply why. */
static void
deliver_mx_all(struct smtp_rcpt *sub, size_t n, enum smtp_class cls,
               const char *why)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(sub[i].reply);
		sub[i].cls = cls;
		sub[i].reply = xstrdup(why);
	}
}

/* Log sub's outcomes of classes from..to, one line per class. */
static void
deliver_mx_log(const struct deliver_job *sj, const struct smtp_rcpt *sub,
               const char *name, const struct deliver_mx_conn *k,
               const char *policy, double start, int from, int to)
{
	static const struct net none = { .fd = -1 };
	struct deliver_hop hop = { 0 };
	int cls;

	hop.name = name;
	hop.port = 25;
	hop.conn = k != NULL ? &k->s.net : &none;
	hop.policy = policy;
	hop.verified = k != NULL && k->verified;
	for (cls = from; cls <= to; cls++)
		if (cls != SMTP_TEMP || from == to)
			deliver_log(sj, &hop, sub, (enum smtp_class)cls,
			            deliver_now() - start);
}

/* A new connection to ip for MX host name under policy p; NULL with e
 * set when none could be had. */
static struct deliver_mx_conn *
deliver_mx_connect(struct deliver_mx *mx, const struct account *a,
                   const char *ip, const char *name, const char *helo,
                   const struct deliver_mx_policy *p, long long budget,
                   struct err *e)
{
	struct deliver_mx_conn *k = deliver_mx_slot(mx);
	struct smtp_target t;

	deliver_mx_target(a, ip, name, helo, p, budget, &t);
	if (deliver_mx_open(mx, k, &t, p, e) < 0)
		return NULL;
	return k;
}

/* 1 when no recipient of sub[0..n) got an answer of its own: the
 * transaction failed as a whole, temporarily. */
static int
deliver_mx_unanswered(struct smtp_rcpt *sub, size_t n, const struct err *e)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (sub[i].cls == SMTP_DONE || sub[i].cls == SMTP_PERM)
			return 0;
	return e->cls == ERR_TEMP;
}

static void
deliver_mx_reset(struct smtp_rcpt *sub, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(sub[i].reply);
		sub[i].reply = NULL;
		sub[i].cls = SMTP_PENDING;
		sub[i].again = sub[i].notify_dropped = 0;
	}
}

/* The transaction of sj over k. */
static int
deliver_mx_send(struct deliver_mx *mx, struct deliver_mx_conn *k,
                const struct deliver_job *sj, const char *helo,
                struct smtp_rcpt *sub, struct err *e)
{
	struct smtp_envelope env;
	char *last = NULL;
	int rc;

	if (k->uses++ == 0)
		deliver_mx_check_ehlo(mx, sj, k, helo);
	deliver_envelope(sj, sub, &env);
	rc = smtp_send(&k->s, sj->m, &env, &last, e);
	free(last);
	k->idle = net_now_ms();
	return rc;
}

/* One transaction for the pending recipients of g through address ip of
 * MX host name under policy p. 0 when a session was had (the recipients
 * got their answers), -1 when none (they are temporary, with why). The
 * final answers are logged here; temporary ones once the domain has no
 * host left to try (deliver_mx_domain). A kept connection that fails
 * before any recipient was answered (the server may have closed it while
 * it waited) is given up for a new one, once. */
static int
deliver_mx_try(struct deliver_mx *mx, const struct account *a,
               const struct deliver_job *j, const char *helo,
               const char *ip, const char *name,
               const struct deliver_mx_policy *p,
               const struct deliver_mx_group *g, struct smtp_rcpt *res)
{
	struct smtp_rcpt *sub = xcalloc(g->n, sizeof(*sub));
	size_t *map = xcalloc(g->n, sizeof(*map));
	struct strlist rcpts = { 0 };
	struct deliver_job sj = *j;
	struct deliver_mx_conn *k;
	struct err e = { 0 };
	long long budget = smtp_budget_ms(config_timeout(a),
	                                  (long long)message_size(j->m));
	double start = deliver_now();
	size_t n = deliver_mx_pending(g, res, &rcpts, sub, map);
	int rc = -1, kept;

	sj.rcpts = &rcpts;
	k = deliver_mx_reuse(mx, ip, name, helo, p->name, budget);
	kept = k != NULL;
	if (k == NULL)
		k = deliver_mx_connect(mx, a, ip, name, helo, p, budget, &e);
	if (k != NULL)
		rc = deliver_mx_send(mx, k, &sj, helo, sub, &e);
	if (k != NULL && rc < 0 && kept && deliver_mx_unanswered(sub, n, &e)) {
		deliver_mx_conn_drop(k);
		deliver_mx_reset(sub, n);
		err_clear(&e);
		k = deliver_mx_connect(mx, a, ip, name, helo, p, budget, &e);
		if (k != NULL)
			rc = deliver_mx_send(mx, k, &sj, helo, sub, &e);
	}
	if (k != NULL) {
		deliver_mx_log(&sj, sub, name, k, p->name, start, SMTP_DONE,
		               SMTP_PERM);
		/* After a failed transaction the dialogue's state is unknown. */
		if (rc < 0)
			deliver_mx_conn_drop(k);
	} else {
		deliver_mx_all(sub, n, SMTP_TEMP, e.msg ? e.msg : "");
		if (log_verbose())
			log_diag("%s", e.msg ? e.msg : "");
	}
	deliver_mx_merge(res, sub, map, n);
	err_clear(&e);
	strlist_free(&rcpts);
	free(map);
	free(sub);
	return k != NULL ? 0 : -1;
}

/* -- one domain ------------------------------------------------------------ */

/* 1 while some recipient of g may still be delivered by another host. */
static int
deliver_mx_open_rcpts(const struct deliver_mx_group *g,
                      const struct smtp_rcpt *res)
{
	size_t i;

	for (i = 0; i < g->n; i++)
		if (res[g->idx[i]].cls == SMTP_PENDING ||
		    res[g->idx[i]].cls == SMTP_TEMP)
			return 1;
	return 0;
}

/* The open recipients of g: all end in cls with why (why NULL: they keep
 * their replies and stay temporary), logged with name as the relay (NULL:
 * none was reached). */
static void
deliver_mx_fail(const struct deliver_job *j, const struct deliver_mx_group *g,
                struct smtp_rcpt *res, enum smtp_class cls, const char *why,
                const char *name)
{
	struct smtp_rcpt *sub = xcalloc(g->n, sizeof(*sub));
	size_t *map = xcalloc(g->n, sizeof(*map));
	struct strlist rcpts = { 0 };
	struct deliver_job sj = *j;
	size_t i, n = deliver_mx_pending(g, res, &rcpts, sub, map);

	sj.rcpts = &rcpts;
	for (i = 0; i < n; i++)
		sub[i].reply = xstrdup(why ? why : res[map[i]].reply
		                                   ? res[map[i]].reply : "");
	if (why != NULL)
		deliver_mx_all(sub, n, cls, why);
	else
		for (i = 0; i < n; i++)
			sub[i].cls = SMTP_TEMP;
	deliver_mx_log(&sj, sub, name, NULL, NULL, deliver_now(), sub[0].cls,
	               sub[0].cls);
	deliver_mx_merge(res, sub, map, n);
	strlist_free(&rcpts);
	free(map);
	free(sub);
}

/* A host that is not used: its open recipients take why as their reply. */
static void
deliver_mx_refused(const struct deliver_mx_group *g, struct smtp_rcpt *res,
                   const char *why)
{
	size_t i;

	for (i = 0; i < g->n; i++) {
		struct smtp_rcpt *r = &res[g->idx[i]];

		if (r->cls == SMTP_DONE || r->cls == SMTP_PERM)
			continue;
		free(r->reply);
		r->reply = xstrdup(why);
		r->cls = SMTP_TEMP;
	}
}

/* Each host of plan in turn, each of its addresses, while recipients of g
 * are open. The last failure stays the open recipients' temporary reply.
 * Returns the name of the last host tried (borrowed from plan). */
static const char *
deliver_mx_hosts(struct deliver_mx *mx, const struct account *a,
                 const struct deliver_job *j, const char *helo,
                 const struct route_plan *plan,
                 const struct mtasts_policy *sts,
                 const struct deliver_mx_group *g, struct smtp_rcpt *res)
{
	struct deliver_mx_policy p;
	char ip[INET6_ADDRSTRLEN];
	const char *last = NULL;
	size_t h, i;

	for (h = 0; h < plan->nhosts && deliver_mx_open_rcpts(g, res); h++) {
		const struct route_host *host = &plan->hosts[h];

		last = host->name;
		deliver_mx_policy(&mx->dns, a, j, sts, plan->mx_secure, host,
		                  &p);
		if (p.refuse != NULL)
			deliver_mx_refused(g, res, p.refuse);
		for (i = 0; p.refuse == NULL && i < host->naddrs &&
		            deliver_mx_open_rcpts(g, res);
		     i++) {
			inet_ntop(host->addrs[i].family, host->addrs[i].addr, ip,
			          sizeof(ip));
			(void)deliver_mx_try(mx, a, j, helo, ip, host->name, &p,
			                     g, res);
		}
		deliver_mx_policy_free(&p);
	}
	return last;
}

/* The route of g's domain in A-labels (address literals as they are). */
static char *
deliver_mx_ascii(const char *domain, struct err *e)
{
	if (domain[0] == '[')
		return xstrdup(domain);
	return addr_host_ascii(domain, e);
}

static void
deliver_mx_domain(struct deliver_mx *mx, const struct account *a,
                  const struct deliver_job *j, const char *helo,
                  const struct deliver_mx_group *g, struct smtp_rcpt *res)
{
	const struct deliver_mx_route *r;
	struct err e = { 0 };
	char *ascii = deliver_mx_ascii(g->domain, &e), *why;
	const char *last;

	if (ascii == NULL) {
		why = xasprintf("5.1.2 %s", e.msg ? e.msg : g->domain);
		deliver_mx_fail(j, g, res, SMTP_PERM, why, NULL);
		free(why);
		err_clear(&e);
		return;
	}
	r = deliver_mx_route(mx, a, j, ascii);
	if (r->plan.status == ROUTE_OK) {
		last = deliver_mx_hosts(mx, a, j, helo, &r->plan, &r->sts, g,
		                        res);
		if (deliver_mx_open_rcpts(g, res))
			deliver_mx_fail(j, g, res, SMTP_TEMP, NULL, last);
	} else {
		why = xasprintf("%s %s",
		                r->plan.enhanced ? r->plan.enhanced : "4.4.3",
		                r->plan.reason ? r->plan.reason : "");
		deliver_mx_fail(j, g, res,
		                r->plan.status == ROUTE_PERM ? SMTP_PERM
		                                             : SMTP_TEMP,
		                why, NULL);
		free(why);
	}
	free(ascii);
}

/* -- the job ---------------------------------------------------------------- */

void
deliver_mx_group_run(struct deliver_mx *mx, const struct account *a,
                     const struct deliver_job *j, const char *helo,
                     const struct deliver_mx_group *g, struct smtp_rcpt *res)
{
	if (g->domain == NULL)
		deliver_mx_fail(j, g, res, SMTP_PERM,
		                _("5.1.3 the address has no domain to deliver "
		                  "to"),
		                NULL);
	else
		deliver_mx_domain(mx, a, j, helo, g, res);
}

void
deliver_mx_forget(struct deliver_mx *mx)
{
	size_t i;

	for (i = 0; i < DELIVER_MX_CONNS; i++) {
		struct deliver_mx_conn *k = &mx->conns[i];

		if (k->ip[0] == '\0')
			continue;
		k->s.net.broken = 1; /* no QUIT */
		if (k->s.net.tls != NULL)
			tls_abandon(k->s.net.tls);
		deliver_mx_conn_drop(k);
	}
	if (mx->dns_ready > 0)
		dns_close(&mx->dns);
	mx->dns_ready = 0;
}

/* The recipients of j by domain (groups[0..*ng), each with its indexes;
 * release with deliver_mx_groups_free). */
static struct deliver_mx_group *
deliver_mx_groups(const struct deliver_job *j, size_t *ng)
{
	size_t n = j->rcpts->n, *first = xcalloc(n, sizeof(*first)), i, k;
	struct deliver_mx_group *gs = xcalloc(n, sizeof(*gs));

	route_group((const char *const *)j->rcpts->v, n, first);
	*ng = 0;
	for (i = 0; i < n; i++) {
		struct deliver_mx_group *g = &gs[*ng];

		if (first[i] != i)
			continue;
		g->idx = xcalloc(n - i, sizeof(*g->idx));
		for (k = i; k < n; k++)
			if (first[k] == i)
				g->idx[g->n++] = k;
		g->domain = route_domain_of(j->rcpts->v[i]);
		(*ng)++;
	}
	free(first);
	return gs;
}

static void
deliver_mx_groups_free(struct deliver_mx_group *gs, size_t ng)
{
	size_t i;

	for (i = 0; i < ng; i++) {
		free((char *)gs[i].domain);
		free(gs[i].idx);
	}
	free(gs);
}

int
deliver_mx_run(struct deliver_conn *c, const struct account *a,
               const struct deliver_job *j, struct smtp_rcpt *res,
               struct err *e)
{
	struct deliver_mx *mx = deliver_mx_state(c);
	struct deliver_mx_group *gs;
	size_t i, ng;
	char *helo;

	if (deliver_mx_dns(mx, e) == NULL) {
		for (i = 0; i < j->rcpts->n; i++) {
			res[i].cls = SMTP_TEMP;
			res[i].reply = xstrdup(e->msg ? e->msg : "");
		}
		return -1;
	}
	helo = a->val[CFG_DOMAIN] ? xstrdup(a->val[CFG_DOMAIN])
	                          : addr_host_fqdn();
	gs = deliver_mx_groups(j, &ng);
	if (c->parallel && ng > 1)
		deliver_mx_parallel(mx, a, j, helo, gs, ng, res);
	else
		for (i = 0; i < ng; i++)
			deliver_mx_group_run(mx, a, j, helo, &gs[i], res);
	deliver_mx_groups_free(gs, ng);
	free(helo);
	return 0;
}
