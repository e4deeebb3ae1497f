/* queue_format.c - the text of a spool entry's envelope
 *
 * Owns: the envelope records of an entry (format version, id, submitting
 *       uid, times, attempts, account, sender, DSN parameters, recipients
 *       with state and last reply), their validation, and parsing them
 *       back (a fuzz target; no I/O); new queue ids.
 * Not:  files, locks, the message bytes or the end marker (queue.c).
 *
 * An envelope is lines "key value" ending in LF; the first line is
 * "dsmtp-queue 1", the last "data". No value holds a control character,
 * so no field can add a record, and nothing in it is ever executed. */

#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "buf.h"
#include "i18n.h"
#include "queue.h"
#include "xmalloc.h"

#define QUEUE_MAGIC_LINE "dsmtp-queue 1"

static const char *const queue_state_names[] = {
        [QUEUE_RCPT_PENDING] = "pending",
        [QUEUE_RCPT_DONE] = "done",
        [QUEUE_RCPT_BOUNCED] = "bounced",
};

void
queue_new_id(char id[QUEUE_ID_MAX])
{
	unsigned char r[2];
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
		xabort(__func__, "getrandom failed");
	snprintf(id, QUEUE_ID_MAX, "%09llX%05lX%02X%02X",
		 (unsigned long long)ts.tv_sec & 0xFFFFFFFFFULL,
		 (unsigned long)(ts.tv_nsec / 10000) & 0xFFFFF, r[0], r[1]);
}

int
queue_id_valid(const char *id)
{
	size_t n = 0;

	for (; id[n] != '\0'; n++)
		if (!((id[n] >= '0' && id[n] <= '9') ||
		      (id[n] >= 'A' && id[n] <= 'Z')))
			return 0;
	return n >= 8 && n < QUEUE_ID_MAX;
}

/* 1 when s may be stored as a value: bounded, no control character. */
static int
queue_value_ok(const char *s)
{
	size_t n;

	for (n = 0; s[n] != '\0'; n++)
		if ((unsigned char)s[n] < 0x20 || s[n] == 0x7f ||
		    ((unsigned char)s[n] == 0xc2 &&
		     (unsigned char)s[n + 1] >= 0x80 &&
		     (unsigned char)s[n + 1] <= 0x9f))
			return 0;
	return n <= QUEUE_MAX_VALUE;
}

/* Append "key value\n" when value is set; 0, or -1 when it may not be. */
static int
queue_put(struct buf *b, const char *key, const char *value)
{
	if (value == NULL)
		return 0;
	if (!queue_value_ok(value))
		return -1;
	buf_printf(b, "%s %s\n", key, value);
	return 0;
}

/* "key N" for a mark that is set (1 to 9); nothing for 0. */
static int
queue_put_mark(struct buf *b, const char *key, int v)
{
	if (v < 0 || v > 9)
		return -1;
	if (v > 0)
		buf_printf(b, "%s %d\n", key, v);
	return 0;
}

/* The recipients; replies cut to reply_max octets (0: left out), so that
 * the last errors, which are only information, never keep an entry from
 * being written. */
static int
queue_put_rcpts(struct buf *b, const struct queue_env *env, size_t reply_max,
                size_t *kept)
{
	const struct queue_rcpt *r;
	size_t i, n;

	*kept = 0;
	for (i = 0; i < env->nrcpts; i++) {
		r = &env->rcpts[i];
		if (r->state == QUEUE_RCPT_DONE)
			continue;
		if (r->addr == NULL || r->addr[0] == '\0' ||
		    !queue_value_ok(r->addr) ||
		    (r->state != QUEUE_RCPT_PENDING &&
		     r->state != QUEUE_RCPT_BOUNCED))
			return -1;
		buf_printf(b, "rcpt %s %s\n", queue_state_names[r->state],
		           r->addr);
		if (r->reply != NULL && !queue_value_ok(r->reply))
			return -1;
		if (r->reply != NULL && reply_max > 0) {
			n = strlen(r->reply) < reply_max ? strlen(r->reply)
			                                 : reply_max;
			while (n > 0 && n < strlen(r->reply) &&
			       ((unsigned char)r->reply[n] & 0xC0) == 0x80)
				n--; /* not in a UTF-8 sequence */
			buf_printf(b, "reply %.*s\n", (int)n, r->reply);
		}
		(*kept)++;
	}
	return 0;
}

/* The envelope with replies cut to reply_max (see queue_put_rcpts); 1
 * when it is over QUEUE_MAX_HEADER, -1 when a field may not be stored. */
static int
queue_format_with(const struct queue_env *env, size_t reply_max,
                  struct buf *b)
{
	size_t kept;

	buf_free(b);
	buf_printf(b,
	           "%s\nid %s\nuid %ju\ncreated %jd\nattempts %u\n"
	           "next %jd\n",
	           QUEUE_MAGIC_LINE, env->id, (uintmax_t)env->uid,
	           (intmax_t)env->created, env->attempts,
	           (intmax_t)env->next_attempt);
	if (queue_put(b, "account", env->account) < 0 ||
	    queue_put(b, "from", env->from) < 0 ||
	    queue_put(b, "notify", env->notify) < 0 ||
	    queue_put(b, "ret", env->ret) < 0 ||
	    queue_put(b, "envid", env->envid) < 0 ||
	    queue_put_mark(b, "held", env->held) < 0 ||
	    queue_put_mark(b, "warned", env->warned) < 0 ||
	    queue_put_mark(b, "dsn", env->dsn) < 0 ||
	    queue_put_rcpts(b, env, reply_max, &kept) < 0 || kept == 0)
		return -1;
	buf_append_str(b, "data\n");
	return b->len > QUEUE_MAX_HEADER ? 1 : 0;
}

int
queue_format_env(const struct queue_env *env, char **out, size_t *len,
                 struct err *e)
{
	/* Whole replies, then shorter ones, then none: an entry with many
	 * recipients must stay writable (else delivered recipients would
	 * stay pending and get the message again). */
	static const size_t reply_max[] = { QUEUE_MAX_VALUE, 200, 0 };
	struct buf b = {0};
	size_t i;
	int rc = -1;

	if (!queue_id_valid(env->id) || env->from == NULL ||
	    env->nrcpts > QUEUE_MAX_RCPTS)
		goto bad;
	for (i = 0; i < 3; i++)
		if ((rc = queue_format_with(env, reply_max[i], &b)) <= 0)
			break;
	if (rc != 0)
		goto bad;
	*len = b.len;
	*out = buf_steal(&b);
	return 0;
bad:
	buf_free(&b);
	err_set(e, ERR_DATA,
	        _("the envelope cannot be queued: a field is "
	          "empty, too long or holds a control "
	          "character"));
	return -1;
}

void
queue_env_free(struct queue_env *env)
{
	size_t i;

	for (i = 0; i < env->nrcpts; i++) {
		free(env->rcpts[i].addr);
		free(env->rcpts[i].reply);
	}
	free(env->rcpts);
	free(env->account);
	free(env->from);
	free(env->notify);
	free(env->ret);
	free(env->envid);
	memset(env, 0, sizeof(*env));
}

/* -- parsing ------------------------------------------------------------- */

/* Which records a parse has seen, to require each once. */
enum {
	SEEN_ID = 1 << 0,
	SEEN_UID = 1 << 1,
	SEEN_CREATED = 1 << 2,
	SEEN_ATTEMPTS = 1 << 3,
	SEEN_NEXT = 1 << 4,
	SEEN_FROM = 1 << 5,
	SEEN_ACCOUNT = 1 << 6,
	SEEN_NOTIFY = 1 << 7,
	SEEN_RET = 1 << 8,
	SEEN_ENVID = 1 << 9,
	SEEN_HELD = 1 << 10,
	SEEN_DSN = 1 << 11,
	SEEN_WARNED = 1 << 12,
	SEEN_REQUIRED = SEEN_ID | SEEN_UID | SEEN_CREATED | SEEN_ATTEMPTS |
	                SEEN_NEXT | SEEN_FROM
};

/* A decimal number in [0, max]; 0, or -1. */
static int
queue_number(const char *s, uintmax_t max, uintmax_t *out)
{
	char *end;

	if (s[0] < '0' || s[0] > '9' || (s[0] == '0' && s[1] != '\0'))
		return -1;
	errno = 0;
	*out = strtoumax(s, &end, 10);
	return (errno != 0 || *end != '\0' || *out > max) ? -1 : 0;
}

static int
queue_parse_rcpt(struct queue_env *env, const char *value)
{
	const char *sp = strchr(value, ' ');
	struct queue_rcpt *r;
	size_t n;

	if (sp == NULL || sp[1] == '\0' || env->nrcpts >= QUEUE_MAX_RCPTS)
		return -1;
	n = (size_t)(sp - value);
	env->rcpts =
	        xrealloc(env->rcpts, (env->nrcpts + 1) * sizeof(*env->rcpts));
	r = &env->rcpts[env->nrcpts++];
	memset(r, 0, sizeof(*r));
	r->addr = xstrdup(sp + 1);
	if (n == 7 && memcmp(value, "pending", 7) == 0)
		r->state = QUEUE_RCPT_PENDING;
	else if (n == 7 && memcmp(value, "bounced", 7) == 0)
		r->state = QUEUE_RCPT_BOUNCED;
	else
		return -1;
	return 0;
}

/* Set a string once; -1 when it was seen before. */
static int
queue_once(char **field, int *seen, int bit, const char *value)
{
	if (*seen & bit)
		return -1;
	*seen |= bit;
	*field = xstrdup(value);
	return 0;
}

static int
queue_parse_number(const char *value, uintmax_t max, int *seen, int bit,
                   uintmax_t *out)
{
	if (*seen & bit)
		return -1;
	*seen |= bit;
	return queue_number(value, max, out);
}

/* A mark (held, warned, dsn): 1 to max, written only when set, so 0 is
 * never a value; 0, or -1. */
static int
queue_parse_mark(const char *value, uintmax_t max, int *seen, int bit,
                 int *out)
{
	uintmax_t v;

	if (queue_parse_number(value, max, seen, bit, &v) < 0 || v == 0)
		return -1;
	*out = (int)v;
	return 0;
}

/* One record; 0, or -1 when it is not one this format has. */
static int
queue_parse_record(struct queue_env *env, const char *key, const char *value,
                   int *seen)
{
	uintmax_t v;

	if (strcmp(key, "rcpt") == 0)
		return queue_parse_rcpt(env, value);
	if (strcmp(key, "reply") == 0) {
		if (env->nrcpts == 0 || env->rcpts[env->nrcpts - 1].reply)
			return -1;
		env->rcpts[env->nrcpts - 1].reply = xstrdup(value);
		return 0;
	}
	if (strcmp(key, "id") == 0) {
		if ((*seen & SEEN_ID) || !queue_id_valid(value))
			return -1;
		*seen |= SEEN_ID;
		strcpy(env->id, value);
		return 0;
	}
	if (strcmp(key, "uid") == 0) {
		if (queue_parse_number(value, (uid_t)-2, seen, SEEN_UID, &v))
			return -1;
		env->uid = (uid_t)v;
		return 0;
	}
	if (strcmp(key, "created") == 0 || strcmp(key, "next") == 0) {
		int bit = key[0] == 'c' ? SEEN_CREATED : SEEN_NEXT;

		if (queue_parse_number(value, INT64_MAX / 2, seen, bit, &v))
			return -1;
		*(bit == SEEN_CREATED ? &env->created : &env->next_attempt) =
		        (time_t)v;
		return 0;
	}
	if (strcmp(key, "attempts") == 0) {
		if (queue_parse_number(value, 1000000, seen, SEEN_ATTEMPTS, &v))
			return -1;
		env->attempts = (unsigned)v;
		return 0;
	}
	if (strcmp(key, "held") == 0)
		return queue_parse_mark(value, 1, seen, SEEN_HELD, &env->held);
	if (strcmp(key, "warned") == 0)
		return queue_parse_mark(value, 1, seen, SEEN_WARNED,
		                        &env->warned);
	if (strcmp(key, "dsn") == 0)
		return queue_parse_mark(value, 2, seen, SEEN_DSN, &env->dsn);
	if (strcmp(key, "from") == 0)
		return queue_once(&env->from, seen, SEEN_FROM, value);
	if (strcmp(key, "account") == 0)
		return queue_once(&env->account, seen, SEEN_ACCOUNT, value);
	if (strcmp(key, "notify") == 0)
		return queue_once(&env->notify, seen, SEEN_NOTIFY, value);
	if (strcmp(key, "ret") == 0)
		return queue_once(&env->ret, seen, SEEN_RET, value);
	if (strcmp(key, "envid") == 0)
		return queue_once(&env->envid, seen, SEEN_ENVID, value);
	return -1;
}

/* The next line of p[0..len) from *pos, copied into line (without LF);
 * 0, or -1 when there is none or it is too long or holds a control
 * character. */
static int
queue_next_line(const char *p, size_t len, size_t *pos, char *line, size_t size)
{
	const char *nl = memchr(p + *pos, '\n', len - *pos);
	size_t n, i;

	if (nl == NULL)
		return -1;
	n = (size_t)(nl - (p + *pos));
	if (n >= size)
		return -1;
	for (i = 0; i < n; i++)
		if ((unsigned char)p[*pos + i] < 0x20 || p[*pos + i] == 0x7f)
			return -1;
	memcpy(line, p + *pos, n);
	line[n] = '\0';
	*pos += n + 1;
	return 0;
}

ssize_t
queue_parse_env(const char *p, size_t len, struct queue_env *env, struct err *e)
{
	char line[QUEUE_MAX_VALUE + 16], *sp;
	size_t pos = 0;
	int seen = 0;

	memset(env, 0, sizeof(*env));
	if (len > QUEUE_MAX_HEADER)
		len = QUEUE_MAX_HEADER;
	if (queue_next_line(p, len, &pos, line, sizeof(line)) < 0 ||
	    strcmp(line, QUEUE_MAGIC_LINE) != 0)
		goto bad;
	for (;;) {
		if (queue_next_line(p, len, &pos, line, sizeof(line)) < 0)
			goto bad;
		if (strcmp(line, "data") == 0)
			break;
		sp = strchr(line, ' ');
		if (sp == NULL)
			goto bad;
		*sp = '\0';
		if (queue_parse_record(env, line, sp + 1, &seen) < 0)
			goto bad;
	}
	if ((seen & SEEN_REQUIRED) != SEEN_REQUIRED || env->nrcpts == 0)
		goto bad;
	return (ssize_t)pos;
bad:
	queue_env_free(env);
	err_set(e, ERR_DATA, _("not a queue entry of format %d"), QUEUE_FORMAT);
	return -1;
}
