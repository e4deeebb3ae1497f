/* dns.h - DNS lookups through the system resolver, with DNSSEC status */
#ifndef DSMTP_DNS_H
#define DSMTP_DNS_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* Record types dsmtp asks for (their numbers on the wire). */
enum dns_type {
	DNS_A = 1,
	DNS_CNAME = 5,
	DNS_PTR = 12,
	DNS_MX = 15,
	DNS_TXT = 16,
	DNS_AAAA = 28,
	DNS_TLSA = 52
};

/* Response codes that matter to callers (RFC 1035, 2136). */
enum dns_rcode {
	DNS_NOERROR = 0,
	DNS_FORMERR = 1,
	DNS_SERVFAIL = 2,
	DNS_NXDOMAIN = 3,
	DNS_NOTIMP = 4,
	DNS_REFUSED = 5
};

/* Bounds on what one answer may hold. */
#define DNS_MAX_RRS 64
#define DNS_NAME_MAX 1025 /* presentation form, with the NUL */
#define DNS_TXT_MAX 8192  /* one record's joined strings */

/* One record of the requested type from the answer section. */
struct dns_rr {
	enum dns_type type;
	uint32_t ttl;
	uint16_t pref;                  /* MX */
	char *name;                     /* MX exchange, PTR/CNAME target; no dot
	                                 * at the end; "" for the root (null MX) */
	unsigned char addr[16];         /* A (4 bytes) or AAAA (16 bytes) */
	uint8_t usage, selector, mtype; /* TLSA */
	unsigned char *data;            /* TXT: the strings joined (NUL-ended);
	                                 * TLSA: the association data */
	size_t len;                     /* of data */
};

struct dns_answer {
	int rcode;       /* enum dns_rcode, or another code */
	int ad;          /* authenticated, and AD is trusted */
	char *canonical; /* the name after CNAMEs; NULL: none seen */
	struct dns_rr *rrs;
	size_t nrrs;
};

/* One resolver: its own state, so each worker has one. */
struct dns_resolver {
	void *state;  /* glibc's struct __res_state */
	int trust_ad; /* AD can be believed (see dns_open) */
};

/* Initialise from the system configuration (/etc/resolv.conf), with
 * EDNS0 and the DO bit; each query waits at most timeout seconds per try
 * and tries attempts times per server. AD is believed when resolv.conf
 * says "options trust-ad", or when every nameserver is on loopback (a
 * local validating resolver); otherwise answers never claim ad. Returns 0
 * or -1 with e set (ERR_OS). Release with dns_close. */
int dns_open(struct dns_resolver *r, unsigned timeout, unsigned attempts,
             struct err *e);
void dns_close(struct dns_resolver *r);

/* Ask for name (presentation form, A-labels) and type. Returns 0 when a
 * response came (look at a->rcode; NOERROR with no records is NODATA), or
 * -1 with e set: ERR_TEMP when no server answered in time or the answer
 * could not be read, ERR_DATA for a name that cannot be asked. Release a
 * with dns_answer_free. */
int dns_query(struct dns_resolver *r, const char *name, enum dns_type type,
              struct dns_answer *a, struct err *e);

/* Parse a response (pure, for dns_query and the fuzz target): the answer
 * section's records of type (following CNAMEs from qname), rcode, the AD
 * flag as the response carries it. Returns 0, or -1 with e set (ERR_TEMP:
 * not a well-formed response). */
int dns_parse(const unsigned char *msg, size_t len, const char *qname,
              enum dns_type type, struct dns_answer *a, struct err *e);
void dns_answer_free(struct dns_answer *a);

/* Something that answers DNS questions: the real resolver (dns_lookup_on)
 * or, in unit tests, a table. query returns what dns_query returns. */
struct dns_lookup {
	int (*query)(void *ctx, const char *name, enum dns_type type,
	             struct dns_answer *a, struct err *e);
	void *ctx;
};

/* A lookup that asks r (borrowed). */
void dns_lookup_on(struct dns_lookup *l, struct dns_resolver *r);

/* The PTR name of an address: "4.3.2.1.in-addr.arpa" for the 4 bytes of
 * an IPv4 address (v6 0), the nibbles under ip6.arpa for the 16 of an
 * IPv6 one. Caller frees. */
char *dns_reverse_name(int v6, const unsigned char *addr);

/* The name of a type ("MX") or rcode ("NXDOMAIN"), for logs and tools. */
const char *dns_type_name(enum dns_type type);
const char *dns_rcode_name(int rcode);

#endif
