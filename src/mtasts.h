/* mtasts.h - MTA-STS (RFC 8461): the TXT record, the policy, MX matching */
#ifndef DSMTP_MTASTS_H
#define DSMTP_MTASTS_H

#include <stddef.h>

/* A policy file is at most this long (RFC 8461 3.3 suggests 64 KiB). */
#define MTASTS_MAX_POLICY (64 * 1024)
#define MTASTS_MAX_MX 64
#define MTASTS_MAX_AGE 31557600L /* one year, RFC 8461 3.2 */

enum mtasts_mode { MTASTS_NONE, MTASTS_TESTING, MTASTS_ENFORCE };

struct mtasts_policy {
	enum mtasts_mode mode;
	long max_age;            /* seconds */
	char *mx[MTASTS_MAX_MX]; /* patterns, "mail.example.com" or
	                          * "*.example.net", lower case */
	size_t nmx;
};

/* The id of a _mta-sts TXT record ("v=STSv1; id=20160831085700Z;"):
 * v=STSv1 first, id of 1 to 32 letters and digits, other fields
 * ignored. Returns the id (caller frees), or NULL when txt is not an
 * STSv1 record. Pure. */
char *mtasts_txt_id(const char *txt);

/* The TXT records of an _mta-sts answer: their number that are STSv1
 * records in *n, and the id when that is exactly one (RFC 8461 3.1:
 * any other number means no policy), else NULL. Caller frees. */
struct dns_answer;
char *mtasts_answer_id(const struct dns_answer *a, size_t *n);

/* Parse a policy file (lines "key: value", CRLF or LF): version STSv1,
 * mode, max_age and (unless mode is none) at least one mx; unknown keys
 * are ignored. Returns 0, or -1 when it is not a valid policy (p is then
 * empty). Pure; release with mtasts_policy_free. */
int mtasts_parse_policy(const char *text, size_t len, struct mtasts_policy *p);
void mtasts_policy_free(struct mtasts_policy *p);

/* 1 when the MX host name host (no final dot) matches one of p's mx
 * patterns: equal ignoring case, or "*.d" matching exactly one more label
 * on the left of d. */
int mtasts_mx_match(const struct mtasts_policy *p, const char *host);

#endif
