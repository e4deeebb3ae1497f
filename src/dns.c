/* dns.c - DNS lookups through the system resolver, with DNSSEC status
 *
 * Owns: building a query with EDNS0 and the DO bit, sending it through
 *       glibc's resolver (res_nmkquery, res_nsend) on a per-resolver
 *       state, parsing the response (rcode, AD, the answer's records of
 *       the asked type after CNAMEs), and the rule for when AD is
 *       believed.
 * Not:  what the records mean: MX routing, DANE, SPF and the checks
 *       (their modules).
 *
 * No test hook: the tests change the system resolver itself, inside a
 * network namespace with its own resolv.conf. */

#include <config.h>

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <errno.h>
#include <netinet/in.h>
#include <resolv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "dns.h"
#include "i18n.h"
#include "xmalloc.h"

/* The EDNS0 UDP payload size we offer (the DNS flag day value). */
#define DNS_EDNS_PAYLOAD 1232
#define DNS_ANSWER_MAX 65536
#define DNS_CNAME_HOPS 8

static int
dns_loopback_servers(const struct __res_state *s)
{
	const struct sockaddr_in6 *v6;
	int i;

	if (s->nscount <= 0)
		return 0;
	for (i = 0; i < s->nscount && i < MAXNS; i++) {
		v6 = s->_u._ext.nsaddrs[i];
		if (v6 != NULL && v6->sin6_family == AF_INET6) {
			if (!IN6_IS_ADDR_LOOPBACK(&v6->sin6_addr))
				return 0;
		} else if (s->nsaddr_list[i].sin_family != AF_INET ||
		           (ntohl(s->nsaddr_list[i].sin_addr.s_addr) >> 24) !=
		                   127) {
			return 0;
		}
	}
	return 1;
}

int
dns_open(struct dns_resolver *r, unsigned timeout, unsigned attempts,
         struct err *e)
{
	struct __res_state *s = xcalloc(1, sizeof(*s));

	if (res_ninit(s) != 0) {
		free(s);
		err_set(e, ERR_OS, _("cannot read the resolver configuration"));
		return -1;
	}
	s->retrans = (int)(timeout > 0 && timeout < 60 ? timeout : 5);
	s->retry = (int)(attempts > 0 && attempts < 5 ? attempts : 2);
	r->trust_ad = (s->options & RES_TRUSTAD) || dns_loopback_servers(s);
	if (r->trust_ad)
		s->options |= RES_TRUSTAD;
	r->state = s;
	return 0;
}

void
dns_close(struct dns_resolver *r)
{
	if (r->state != NULL) {
		res_nclose(r->state);
		free(r->state);
	}
	r->state = NULL;
}

/* -- parsing -------------------------------------------------------------- */

/* The presentation form of a (compressed) name at p, without the final
 * dot; 0, or -1. */
static int
dns_expand(const unsigned char *msg, const unsigned char *eom,
           const unsigned char *p, char *out, size_t size)
{
	size_t n;

	if (ns_name_uncompress(msg, eom, p, out, size) < 0)
		return -1;
	n = strlen(out);
	if (n > 0 && out[n - 1] == '.')
		out[n - 1] = '\0';
	return 0;
}

static int
dns_parse_txt(struct dns_rr *rr, const unsigned char *d, size_t len)
{
	size_t i = 0, n;

	rr->data = xmalloc(len + 1);
	rr->len = 0;
	while (i < len) {
		n = d[i++];
		if (n > len - i)
			return -1;
		memcpy(rr->data + rr->len, d + i, n);
		rr->len += n;
		i += n;
	}
	rr->data[rr->len] = '\0';
	return rr->len > DNS_TXT_MAX ? -1 : 0;
}

/* Fill rr from one record's data; 0, or -1 when it is malformed. */
static int
dns_parse_rdata(struct dns_rr *rr, const ns_msg *h, const ns_rr *r)
{
	const unsigned char *d = ns_rr_rdata(*r), *msg = ns_msg_base(*h);
	const unsigned char *eom = ns_msg_end(*h);
	size_t len = ns_rr_rdlen(*r);
	char name[DNS_NAME_MAX];

	switch (rr->type) {
	case DNS_A:
	case DNS_AAAA:
		if (len != (rr->type == DNS_A ? 4u : 16u))
			return -1;
		memcpy(rr->addr, d, len);
		return 0;
	case DNS_MX:
		if (len < 3 ||
		    dns_expand(msg, eom, d + 2, name, sizeof(name)) < 0)
			return -1;
		rr->pref = (uint16_t)(d[0] << 8 | d[1]);
		rr->name = xstrdup(name);
		return 0;
	case DNS_CNAME:
	case DNS_PTR:
		if (dns_expand(msg, eom, d, name, sizeof(name)) < 0)
			return -1;
		rr->name = xstrdup(name);
		return 0;
	case DNS_TXT:
		return dns_parse_txt(rr, d, len);
	case DNS_TLSA:
		if (len < 3)
			return -1;
		rr->usage = d[0];
		rr->selector = d[1];
		rr->mtype = d[2];
		rr->len = len - 3;
		rr->data = xmalloc(rr->len + 1);
		memcpy(rr->data, d + 3, rr->len);
		return 0;
	}
	return -1;
}

/* Where the CNAME chain from qname ends in the answer section. */
static void
dns_follow_cnames(ns_msg *h, const char *qname, char *out, size_t size)
{
	char target[DNS_NAME_MAX];
	int hops, i, moved;
	ns_rr r;

	snprintf(out, size, "%s", qname);
	for (hops = 0; hops < DNS_CNAME_HOPS; hops++) {
		moved = 0;
		for (i = 0; i < ns_msg_count(*h, ns_s_an); i++) {
			if (ns_parserr(h, ns_s_an, i, &r) < 0)
				return;
			if (ns_rr_type(r) != ns_t_cname ||
			    strcasecmp(ns_rr_name(r), out) != 0 ||
			    dns_expand(ns_msg_base(*h), ns_msg_end(*h),
			               ns_rr_rdata(r), target,
			               sizeof(target)) < 0)
				continue;
			snprintf(out, size, "%s", target);
			moved = 1;
			break;
		}
		if (!moved)
			return;
	}
}

static int
dns_collect(ns_msg *h, const char *owner, enum dns_type type,
            struct dns_answer *a)
{
	struct dns_rr *rr;
	int i;
	ns_rr r;

	for (i = 0; i < ns_msg_count(*h, ns_s_an); i++) {
		if (ns_parserr(h, ns_s_an, i, &r) < 0)
			return -1;
		if ((int)ns_rr_type(r) != (int)type ||
		    ns_rr_class(r) != ns_c_in ||
		    strcasecmp(ns_rr_name(r), owner) != 0)
			continue;
		if (a->nrrs >= DNS_MAX_RRS)
			break;
		a->rrs = xrealloc(a->rrs, (a->nrrs + 1) * sizeof(*a->rrs));
		rr = &a->rrs[a->nrrs++];
		memset(rr, 0, sizeof(*rr));
		rr->type = type;
		rr->ttl = ns_rr_ttl(r);
		if (dns_parse_rdata(rr, h, &r) < 0)
			return -1;
	}
	return 0;
}

int
dns_parse(const unsigned char *msg, size_t len, const char *qname,
          enum dns_type type, struct dns_answer *a, struct err *e)
{
	char owner[DNS_NAME_MAX], asked[DNS_NAME_MAX];
	size_t n;
	ns_msg h;

	memset(a, 0, sizeof(*a));
	/* Owner names compare without the root's final dot. */
	snprintf(asked, sizeof(asked), "%s", qname);
	n = strlen(asked);
	if (n > 1 && asked[n - 1] == '.')
		asked[n - 1] = '\0';
	qname = asked;
	if (len > DNS_ANSWER_MAX || ns_initparse(msg, (int)len, &h) < 0 ||
	    !ns_msg_getflag(h, ns_f_qr))
		goto bad;
	a->rcode = ns_msg_getflag(h, ns_f_rcode);
	a->ad = ns_msg_getflag(h, ns_f_ad);
	dns_follow_cnames(&h, qname, owner, sizeof(owner));
	if (strcasecmp(owner, qname) != 0)
		a->canonical = xstrdup(owner);
	if (dns_collect(&h, owner, type, a) < 0)
		goto bad;
	return 0;
bad:
	dns_answer_free(a);
	err_set(e, ERR_TEMP, _("malformed DNS response for %s"), qname);
	return -1;
}

void
dns_answer_free(struct dns_answer *a)
{
	size_t i;

	for (i = 0; i < a->nrrs; i++) {
		free(a->rrs[i].name);
		free(a->rrs[i].data);
	}
	free(a->rrs);
	free(a->canonical);
	memset(a, 0, sizeof(*a));
}

/* -- querying ---------------------------------------------------------------
 */

/* 1 when name can be asked: LDH-ish ASCII, no blank or control, <= 253. */
static int
dns_name_ok(const char *name)
{
	size_t n;

	for (n = 0; name[n] != '\0'; n++)
		if ((unsigned char)name[n] <= 0x20 ||
		    (unsigned char)name[n] >= 0x7f)
			return 0;
	return n > 0 && n <= 253;
}

/* Append an OPT record (EDNS0, DO set) to the query of qlen bytes. */
static int
dns_add_opt(unsigned char *q, int qlen, size_t size)
{
	static const unsigned char opt[11] = {0,
	                                      0,
	                                      41,
	                                      DNS_EDNS_PAYLOAD >> 8,
	                                      DNS_EDNS_PAYLOAD & 0xff,
	                                      0,
	                                      0,
	                                      0x80,
	                                      0,
	                                      0,
	                                      0};
	unsigned arcount;

	if (qlen < 12 || (size_t)qlen + sizeof(opt) > size)
		return -1;
	memcpy(q + qlen, opt, sizeof(opt));
	arcount = (unsigned)(q[10] << 8 | q[11]) + 1;
	q[10] = (unsigned char)(arcount >> 8);
	q[11] = (unsigned char)arcount;
	return qlen + (int)sizeof(opt);
}

/* res_nsend gives up on SERVFAIL, NOTIMP and REFUSED as on silence, but
 * leaves the last response in the buffer: its rcode when it is the
 * response to query q, else -1. */
static int
dns_failed_rcode(const unsigned char *q, const unsigned char *ans)
{
	if (ans[0] != q[0] || ans[1] != q[1] || !(ans[2] & 0x80))
		return -1;
	switch (ans[3] & 0x0f) {
	case DNS_SERVFAIL:
	case DNS_NOTIMP:
	case DNS_REFUSED:
		return ans[3] & 0x0f;
	}
	return -1;
}

int
dns_query(struct dns_resolver *r, const char *name, enum dns_type type,
          struct dns_answer *a, struct err *e)
{
	unsigned char q[NS_PACKETSZ + 16], *ans;
	int qlen, n, rc;

	memset(a, 0, sizeof(*a));
	if (!dns_name_ok(name)) {
		err_set(e, ERR_DATA, _("%s cannot be looked up in the DNS"),
		        name);
		return -1;
	}
	qlen = res_nmkquery(r->state, ns_o_query, name, ns_c_in, (int)type,
	                    NULL, 0, NULL, q, NS_PACKETSZ);
	if (qlen > 0)
		qlen = dns_add_opt(q, qlen, sizeof(q));
	if (qlen <= 0) {
		err_set(e, ERR_DATA, _("%s cannot be looked up in the DNS"),
		        name);
		return -1;
	}
	ans = xcalloc(1, DNS_ANSWER_MAX);
	n = res_nsend(r->state, q, qlen, ans, DNS_ANSWER_MAX);
	if (n < 0) {
		rc = dns_failed_rcode(q, ans);
		free(ans);
		if (rc >= 0) {
			a->rcode = rc;
			return 0;
		}
		err_set(e, ERR_TEMP, _("no DNS server answered for %s %s"),
		        dns_type_name(type), name);
		return -1;
	}
	rc = dns_parse(ans, (size_t)n, name, type, a, e);
	free(ans);
	if (rc == 0 && !r->trust_ad)
		a->ad = 0;
	return rc;
}

static int
dns_lookup_query(void *ctx, const char *name, enum dns_type type,
                 struct dns_answer *a, struct err *e)
{
	return dns_query(ctx, name, type, a, e);
}

void
dns_lookup_on(struct dns_lookup *l, struct dns_resolver *r)
{
	l->query = dns_lookup_query;
	l->ctx = r;
}

char *
dns_reverse_name(int v6, const unsigned char *a)
{
	struct buf b = {0};
	int i;

	if (!v6) {
		buf_printf(&b, "%u.%u.%u.%u.in-addr.arpa", a[3], a[2], a[1],
		           a[0]);
		return buf_steal(&b);
	}
	for (i = 15; i >= 0; i--)
		buf_printf(&b, "%x.%x.", a[i] & 15, a[i] >> 4);
	buf_append_str(&b, "ip6.arpa");
	return buf_steal(&b);
}

const char *
dns_type_name(enum dns_type type)
{
	switch (type) {
	case DNS_A:
		return "A";
	case DNS_CNAME:
		return "CNAME";
	case DNS_PTR:
		return "PTR";
	case DNS_MX:
		return "MX";
	case DNS_TXT:
		return "TXT";
	case DNS_AAAA:
		return "AAAA";
	case DNS_TLSA:
		return "TLSA";
	}
	return "?";
}

const char *
dns_rcode_name(int rcode)
{
	static const char *const names[] = {"NOERROR",  "FORMERR", "SERVFAIL",
	                                    "NXDOMAIN", "NOTIMP",  "REFUSED"};

	return rcode >= 0 && rcode < 6 ? names[rcode] : "OTHER";
}
