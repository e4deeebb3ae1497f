/* route.h - where a recipient domain's mail goes: MX hosts and addresses */
#ifndef DSMTP_ROUTE_H
#define DSMTP_ROUTE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "dns.h"
#include "err.h"

/* Bounds per delivery attempt (Postfix's smtp_mx_address_limit is 5 hosts;
 * we also bound the addresses, so one attempt has a bounded cost). */
#define ROUTE_MAX_HOSTS 5
#define ROUTE_MAX_ADDRS_PER_HOST 4
#define ROUTE_MAX_ADDRS 10

enum route_family { ROUTE_ANY, ROUTE_IPV4, ROUTE_IPV6 };

/* How a domain's route came out. */
enum route_status {
	ROUTE_OK = 0, /* hosts to try */
	ROUTE_TEMP,   /* try later: SERVFAIL, no answer, no usable address
	               * yet */
	ROUTE_PERM    /* bounce: NXDOMAIN, null MX, no address at all */
};

struct route_addr {
	int family; /* AF_INET or AF_INET6 */
	unsigned char addr[16];
	int secure; /* its A/AAAA answer was authenticated */
};

struct route_host {
	char *name; /* the MX exchange (or the domain itself) */
	uint16_t pref;
	struct route_addr addrs[ROUTE_MAX_ADDRS_PER_HOST];
	size_t naddrs;
};

struct route_plan {
	enum route_status status;
	char *reason;             /* for logs and bounces, when not OK */
	const char *enhanced;     /* RFC 3463 code for the reason, or NULL */
	int implicit_mx;          /* no MX: the domain's own addresses */
	int mx_secure;            /* the MX answer was authenticated */
	struct route_host *hosts; /* in the order to try */
	size_t nhosts;
};

/* The route to domain (A-labels, or an address literal "[192.0.2.1]" /
 * "[IPv6:2001:db8::1]"): MX hosts by preference, shuffled within one
 * preference with rnd (rnd(n) gives 0..n-1; NULL: no shuffle), following
 * CNAMEs; no MX falls back to the domain's own A/AAAA (RFC 5321 5.1);
 * null MX (RFC 7505) and NXDOMAIN are permanent; SERVFAIL and silence are
 * temporary. Each host's IPv6 addresses come before its IPv4 ones,
 * limited to family. At most ROUTE_MAX_HOSTS hosts and ROUTE_MAX_ADDRS
 * addresses in all. Fills p (release with route_free); returns p->status.
 */
enum route_status route_domain(const struct dns_lookup *l, const char *domain,
                               enum route_family family,
                               unsigned (*rnd)(unsigned n),
                               struct route_plan *p);
void route_free(struct route_plan *p);

/* The domain of an envelope address (after the last '@'), lower-cased;
 * caller frees. NULL when there is none. */
char *route_domain_of(const char *addr);

/* Group recipients by domain: groups[i] is the index of the first
 * recipient with the same domain as recipient i (so equal values mean one
 * transaction). Recipients without a domain get their own group. */
void route_group(const char *const *rcpts, size_t n, size_t *groups);

#endif
