/* deliver_mx_route.c - direct delivery's view of the DNS within a run
 *
 * Owns: the routes and MTA-STS policies of recipient domains as a run
 *       keeps them (a minute, 64 domains), the order of hosts of one
 *       preference (random), mx_address_family, and the check of the
 *       EHLO name against the egress address's reverse DNS.
 * Not:  the routing rules (route), MTA-STS itself (mtasts_get), the
 *       delivery (deliver_mx). */

#include <config.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>

#include "checkdns.h"
#include "crypto.h"
#include "deliver_mx_int.h"
#include "i18n.h"
#include "log.h"
#include "mtasts_get.h"
#include "spool.h"
#include "xmalloc.h"

static unsigned
deliver_mx_random(unsigned n)
{
	unsigned v;

	crypto_random(&v, sizeof(v));
	return n ? v % n : 0;
}

static enum route_family
deliver_mx_family(const struct account *a)
{
	const char *f = config_str(a, CFG_MX_ADDRESS_FAMILY, "any");

	return strcmp(f, "ipv4") == 0   ? ROUTE_IPV4
	       : strcmp(f, "ipv6") == 0 ? ROUTE_IPV6
	                                : ROUTE_ANY;
}

/* The MTA-STS policy of domain into sts. */
static void
deliver_mx_sts_policy(struct deliver_mx *mx, const struct account *a,
                      const struct deliver_job *j, const char *domain,
                      struct mtasts_policy *sts)
{
	struct mtasts_source src = { 0 };
	struct buf b = { 0 };
	struct stat st;
	char *spool = spool_dir(a), *dir = NULL, *note = NULL;

	memset(sts, 0, sizeof(*sts));
	if (domain[0] == '[' || !config_bool(a, CFG_MTA_STS, 1))
		goto out;
	if (stat(spool, &st) == 0 && S_ISDIR(st.st_mode))
		dir = xasprintf("%s/mta-sts", spool);
	src.dns = &mx->dns;
	src.cache_dir = dir;
	src.trust_file = config_str(a, CFG_TLS_TRUST_FILE, NULL);
	src.source_ip = config_str(a, CFG_SOURCE_IP, NULL);
	src.timeout_s = config_timeout(a);
	src.now = time(NULL);
	mtasts_get(&src, domain, sts, &note);
	if (note != NULL) {
		if (log_verbose())
			log_diag("%s", note);
		log_kv(&b, "mta_sts", "unavailable");
		log_kv(&b, "domain", domain);
		log_kv(&b, "reason", note);
		log_note(j->m->id, buf_cstr(&b));
	}
out:
	buf_free(&b);
	free(note);
	free(dir);
	free(spool);
}

static void
deliver_mx_route_drop(struct deliver_mx_route *r)
{
	free(r->domain);
	route_free(&r->plan);
	mtasts_policy_free(&r->sts);
	memset(r, 0, sizeof(*r));
}

void
deliver_mx_routes_free(struct deliver_mx *mx)
{
	size_t i;

	for (i = 0; i < DELIVER_MX_ROUTES; i++)
		if (mx->routes[i].domain != NULL)
			deliver_mx_route_drop(&mx->routes[i]);
}

/* The kept route of domain for these settings, still in time; NULL. */
static struct deliver_mx_route *
deliver_mx_route_kept(struct deliver_mx *mx, const char *domain,
                      enum route_family family, int sts_on, time_t now)
{
	struct deliver_mx_route *r;
	size_t i;

	for (i = 0; i < DELIVER_MX_ROUTES; i++) {
		r = &mx->routes[i];
		if (r->domain == NULL || strcmp(r->domain, domain) != 0)
			continue;
		if (r->family == family && r->sts_on == sts_on && now < r->until)
			return r;
		deliver_mx_route_drop(r);
	}
	return NULL;
}

/* A free slot, the least recently used one emptied when all are taken. */
static struct deliver_mx_route *
deliver_mx_route_slot(struct deliver_mx *mx)
{
	struct deliver_mx_route *r = &mx->routes[0];
	size_t i;

	for (i = 0; i < DELIVER_MX_ROUTES; i++) {
		if (mx->routes[i].domain == NULL)
			return &mx->routes[i];
		if (mx->routes[i].last < r->last)
			r = &mx->routes[i];
	}
	deliver_mx_route_drop(r);
	return r;
}

const struct deliver_mx_route *
deliver_mx_route(struct deliver_mx *mx, const struct account *a,
                 const struct deliver_job *j, const char *domain)
{
	enum route_family family = deliver_mx_family(a);
	int sts_on = config_bool(a, CFG_MTA_STS, 1);
	time_t now = time(NULL);
	struct deliver_mx_route *r;
	struct dns_lookup l;

	r = deliver_mx_route_kept(mx, domain, family, sts_on, now);
	if (r == NULL) {
		r = deliver_mx_route_slot(mx);
		r->domain = xstrdup(domain);
		r->family = family;
		r->sts_on = sts_on;
		r->until = now + DELIVER_MX_ROUTE_SECONDS;
		dns_lookup_on(&l, &mx->dns);
		if (route_domain(&l, domain, family, deliver_mx_random,
		                 &r->plan) == ROUTE_OK)
			deliver_mx_sts_policy(mx, a, j, domain, &r->sts);
	}
	r->last = ++mx->tick;
	return r;
}

/* The egress address of connection k, "" when unknown. */
static void
deliver_mx_local(const struct deliver_mx_conn *k, char *ip, size_t n)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	const void *a = NULL;

	ip[0] = '\0';
	if (getsockname(k->s.net.fd, (struct sockaddr *)&ss, &len) < 0)
		return;
	if (ss.ss_family == AF_INET)
		a = &((struct sockaddr_in *)&ss)->sin_addr;
	else if (ss.ss_family == AF_INET6)
		a = &((struct sockaddr_in6 *)&ss)->sin6_addr;
	if (a == NULL || inet_ntop(ss.ss_family, a, ip, (socklen_t)n) == NULL)
		ip[0] = '\0';
}

void
deliver_mx_check_ehlo(struct deliver_mx *mx, const struct deliver_job *j,
                      const struct deliver_mx_conn *k, const char *helo)
{
	struct check_report r = { 0 };
	struct dns_lookup l;
	struct buf b = { 0 };
	char ip[64];

	deliver_mx_local(k, ip, sizeof(ip));
	if (ip[0] == '\0' || strcmp(ip, mx->ehlo_checked) == 0 ||
	    checkdns_private(ip))
		return;
	snprintf(mx->ehlo_checked, sizeof(mx->ehlo_checked), "%s", ip);
	dns_lookup_on(&l, &mx->dns);
	checkdns_ptr(&r, &l, ip, helo);
	if (r.n > 0 && r.items[0].level != CHECK_PASS) {
		if (log_verbose())
			log_diag(_("warning: reverse DNS: %s"), r.items[0].found);
		log_kv(&b, "warning", r.items[0].found);
		log_kv(&b, "egress", ip);
		log_kv(&b, "ehlo", helo);
		log_note(j->m->id, buf_cstr(&b));
	}
	buf_free(&b);
	checkdns_free(&r);
}
