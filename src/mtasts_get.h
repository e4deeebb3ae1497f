/* mtasts_get.h - the MTA-STS policy in force for a recipient domain:
 * discovery (TXT), the HTTPS fetch, the cache in the queue's directory */
#ifndef DSMTP_MTASTS_GET_H
#define DSMTP_MTASTS_GET_H

#include <stddef.h>
#include <time.h>

#include "buf.h"
#include "dns.h"
#include "err.h"
#include "mtasts.h"

/* Where policies come from and are kept. Strings borrowed. */
struct mtasts_source {
	struct dns_resolver *dns;
	const char *cache_dir;   /* NULL: nothing is kept */
	const char *trust_file;  /* CAs for the policy host; NULL: system */
	const char *source_ip;
	long timeout_s;          /* for the whole fetch */
	time_t now;
};

/* A kept policy. */
struct mtasts_cached {
	char id[33];       /* the TXT record's id it was fetched under */
	time_t fetched;    /* when it was fetched */
	time_t tried;      /* when a refresh was last attempted */
	struct buf text;   /* the policy file */
};

/* A kept policy is refreshed once half its max_age has passed, or when
 * the TXT id changes; after a failed refresh the next waits this many
 * seconds. */
#define MTASTS_RETRY_SECONDS 300

/* The policy in force for domain (A-labels, lower case) into p (release
 * with mtasts_policy_free): MTASTS_NONE when it has none, or none can be
 * had now: MTA-STS never makes mail wait by itself (RFC 8461 5.1). A kept
 * policy is used until its max_age, also when discovery or a refresh
 * fails; a new TXT id, or half the max_age gone, fetches it anew; a
 * policy of mode none drops the kept one. *note (caller frees; NULL when
 * nothing went wrong) says what failed, for the log. */
void mtasts_get(const struct mtasts_source *s, const char *domain,
                struct mtasts_policy *p, char **note);

/* Fetch https://mta-sts.DOMAIN/.well-known/mta-sts.txt into text: the
 * certificate checked for that name, 200 and text/plain only (no
 * redirect is followed), at most MTASTS_MAX_POLICY bytes, all within
 * s->timeout_s. Returns 0, or -1 with e set (ERR_TEMP). */
int mtasts_fetch(const struct mtasts_source *s, const char *domain,
                 struct buf *text, struct err *e);

/* The kept policy of domain in dir: 0, or -1 when there is none that
 * reads back whole. Release with mtasts_cached_free. */
int mtasts_cache_load(const char *dir, const char *domain,
                      struct mtasts_cached *c);
/* Keep c for domain in dir (the directory made 0700 when missing),
 * replacing the old one at once (rename). 0, or -1 with e set. */
int mtasts_cache_store(const char *dir, const char *domain,
                       const struct mtasts_cached *c, struct err *e);
/* Forget domain's kept policy. */
void mtasts_cache_drop(const char *dir, const char *domain);
void mtasts_cached_free(struct mtasts_cached *c);

/* Parse a kept policy file (pure, for mtasts_cache_load and the fuzz
 * target): "dsmtp-mta-sts 1", "id ID", "fetched N", "tried N", an empty
 * line, the policy text. 0, or -1 when it is not one. */
int mtasts_cache_parse(const char *data, size_t len, struct mtasts_cached *c);

#endif
