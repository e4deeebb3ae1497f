/* deliver_mx_int.h - within direct delivery: what deliver_mx.c and
 * deliver_mx_route.c share */
#ifndef DSMTP_DELIVER_MX_INT_H
#define DSMTP_DELIVER_MX_INT_H

#include <time.h>

#include "deliver_int.h"
#include "dns.h"
#include "mtasts.h"
#include "route.h"

/* Connections kept open between messages of one queue run: one per MX
 * address, EHLO name and policy (a run to 20 domains keeps all 20). */
#define DELIVER_MX_CONNS 32
/* Domains whose route and MTA-STS policy a run keeps, and for how long
 * (a queue run asks the DNS once per domain, not once per message). */
#define DELIVER_MX_ROUTES 64
#define DELIVER_MX_ROUTE_SECONDS 60
/* Seconds per DNS query and tries per server. */
#define DELIVER_MX_DNS_TIMEOUT 5
#define DELIVER_MX_DNS_TRIES 2

struct deliver_mx_conn {
	struct smtp_session s;
	char ip[64];       /* "": the slot is free */
	char *name, *helo; /* the MX host, the EHLO name */
	const char *policy; /* static: the policy it was opened under */
	int verified;
	unsigned uses;
	unsigned long last; /* for replacing the least recently used */
	long long idle;     /* net_now_ms() when its last transaction ended */
};

/* How long a kept connection may idle and still take the next message
 * without an RSET first. */
#define DELIVER_MX_FRESH_MS 2000

/* A domain's route and MTA-STS policy, as found at a time. */
struct deliver_mx_route {
	char *domain;       /* A-labels; NULL: the slot is free */
	enum route_family family;
	int sts_on;         /* mta_sts was on when it was found */
	struct route_plan plan;
	struct mtasts_policy sts;
	time_t until;
	unsigned long last;
};

struct deliver_mx {
	struct dns_resolver dns;
	int dns_ready; /* 1 open, -1 could not be opened */
	struct deliver_mx_conn conns[DELIVER_MX_CONNS];
	struct deliver_mx_route routes[DELIVER_MX_ROUTES];
	unsigned long tick;
	char ehlo_checked[64]; /* the egress address whose reverse DNS was
	                        * checked against the EHLO name */
};

/* One domain's recipients within a job. */
struct deliver_mx_group {
	const char *domain; /* NULL: the address has none */
	size_t *idx;        /* into the job's recipients and results */
	size_t n;
};

/* Deliver g's recipients (every one of them ends with a result in res,
 * logged). */
void deliver_mx_group_run(struct deliver_mx *mx, const struct account *a,
                          const struct deliver_job *j, const char *helo,
                          const struct deliver_mx_group *g,
                          struct smtp_rcpt *res);

/* Groups to deliver at once, each in a process of its own
 * (deliver_mx_par.c), at most this many at a time. */
#define DELIVER_MX_PARALLEL 4

/* Deliver gs[0..ng) in parallel processes, DELIVER_MX_PARALLEL at a
 * time; their results come back into res. */
void deliver_mx_parallel(struct deliver_mx *mx, const struct account *a,
                         const struct deliver_job *j, const char *helo,
                         const struct deliver_mx_group *gs, size_t ng,
                         struct smtp_rcpt *res);

/* mx's resolver, opened on first use (-v says once when DNSSEC answers
 * are not believed); NULL with e set when it cannot be opened. */
struct dns_resolver *deliver_mx_dns(struct deliver_mx *mx, struct err *e);

/* In a forked process: let go of the connections and the resolver mx
 * shares with its parent, without a word on them (the next
 * deliver_mx_dns opens its own). */
void deliver_mx_forget(struct deliver_mx *mx);

/* The route of domain (A-labels, or an address literal) for account a,
 * and its MTA-STS policy (mode none for a literal, with mta_sts off, or
 * when it has none; the policy kept in the queue's directory when that
 * exists): found through mx's resolver, or as found less than
 * DELIVER_MX_ROUTE_SECONDS ago. Borrowed from mx until the next call. */
const struct deliver_mx_route *deliver_mx_route(struct deliver_mx *mx,
                                                const struct account *a,
                                                const struct deliver_job *j,
                                                const char *domain);
/* Release the kept routes. */
void deliver_mx_routes_free(struct deliver_mx *mx);

/* Receivers check that the EHLO name helo is the forward-confirmed
 * reverse DNS name of the address mail comes from (connection k's local
 * address): warn in the log (and with -v) once per egress address when
 * it is not. A private address is not judged: behind NAT receivers see
 * another one (--check-dns finds it). */
void deliver_mx_check_ehlo(struct deliver_mx *mx, const struct deliver_job *j,
                           const struct deliver_mx_conn *k, const char *helo);

#endif
