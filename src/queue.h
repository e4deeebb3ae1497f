/* queue.h - the durable spool: entry format, commit, lock, load, list */
#ifndef DSMTP_QUEUE_H
#define DSMTP_QUEUE_H

#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "err.h"

/* The format version written in every entry's first line. */
#define QUEUE_FORMAT 1
/* Queue ids: 8 to 31 characters of [0-9A-Z]. */
#define QUEUE_ID_MAX 32
/* Where the id starts in an entry file: after "dsmtp-queue 1\nid ". */
#define QUEUE_ID_OFFSET 17
/* Bounds an entry's envelope may not pass (a larger one is refused when
 * written and taken for a foreign file when read). */
#define QUEUE_MAX_HEADER (4u << 20)
#define QUEUE_MAX_RCPTS 100000
#define QUEUE_MAX_VALUE 4096

enum queue_rcpt_state {
	QUEUE_RCPT_PENDING = 0, /* still to be delivered */
	QUEUE_RCPT_DONE,        /* accepted by the next hop */
	QUEUE_RCPT_BOUNCED      /* refused for good; a bounce is owed */
};

struct queue_rcpt {
	char *addr; /* the envelope address */
	enum queue_rcpt_state state;
	char *reply; /* last reply or reason; NULL: none */
	int relayed; /* in memory only: the attempt just made passed it to a
	              * relay that reports nothing (runq's "relayed"
	              * notification); never stored */
};

/* The envelope of one entry. Strings are owned by the struct (release
 * with queue_env_free); NULL means absent. No string may hold a control
 * character: queue_commit refuses one with ERR_DATA. */
struct queue_env {
	char id[QUEUE_ID_MAX];
	uid_t uid;     /* the submitting user */
	char *account; /* the account chosen at submission */
	char *from;    /* envelope sender, "" for the null sender */
	char *notify, *ret, *envid; /* DSN parameters */
	struct queue_rcpt *rcpts;
	size_t nrcpts;
	time_t created;
	unsigned attempts;   /* delivery attempts made so far */
	time_t next_attempt; /* not before this time under the schedule */
	int held;            /* --queue-hold: no run takes it until released */
	int dsn;             /* 0 mail; 1 a notification to its sender; 2 a
	                      * notice to the postmaster that one failed */
	int warned;          /* a delay warning was sent */
};

/* A spool directory: DIR/tmp (entries being written), DIR/entries
 * (committed mail) and DIR/quarantine (files that are not valid entries). */
struct queue {
	char *dir;
	uid_t owner;    /* the spool's owner: every entry is theirs (root
	                 * gives what it writes there to them) */
	gid_t group;
	int group_read; /* entries/ is readable by its group: so are the
	                 * entries (the system spool's, for dsmtp-drop
	                 * --list) */
	int entries_fd; /* O_DIRECTORY fds, for *at() calls */
	int tmp_fd;
	int quarantine_fd;
	unsigned unsynced; /* removals not yet made durable (queue_sync) */
};

/* Removals are made durable together: after this many, at queue_sync and
 * at queue_close. A crash of the system (not of dsmtp) in between may
 * bring back removed entries, whose mail is then delivered again, never
 * lost. One directory fsync per removal cost more than the delivery. */
#define QUEUE_SYNC_REMOVALS 64

/* A loaded entry: its envelope, and where its message bytes lie in fd.
 * While loaded with a lock, no other process can load it locked. */
struct queue_entry {
	struct queue_env env;
	int fd;            /* the entry file, read-only */
	off_t data_offset; /* first message byte */
	off_t data_size;   /* message bytes */
};

/* Writes the message bytes of a new entry to fd (at its current offset);
 * returns 0 or -1 with e set. */
typedef int (*queue_writer)(void *ctx, int fd, struct err *e);

/* Open (creating with mode 0700 where missing) the spool at dir. An
 * entry is valid only when owned by the spool's owner. Returns 0
 * or -1 with e set (ERR_CANTCREAT, ERR_OS). Release with queue_close. */
int queue_open(struct queue *q, const char *dir, struct err *e);
void queue_close(struct queue *q);

/* Add an entry: the envelope, then the bytes write() produces, then the
 * end marker; written under a temporary name, fsync'd, renamed into
 * entries/ without replacing anything, and the directory fsync'd. Only
 * after it returns 0 is the message durable. Should env->id name an
 * existing entry, the id's last characters are changed (env->id is
 * updated). Returns -1 with e set: ERR_DATA (an envelope field with a
 * control character, no recipient, a bad id, over a bound), ERR_IO,
 * ERR_CANTCREAT, or what write() set. Nothing is left behind on failure. */
int queue_commit(struct queue *q, struct queue_env *env, queue_writer write,
                 void *ctx, struct err *e);

/* Load entry id. With lock, take its lock without waiting: returns 1
 * (and loads nothing) when another process holds it. A file that is not a
 * complete entry of this format (torn, truncated, foreign, not a regular
 * file, linked elsewhere, owned by another user) is moved to quarantine/
 * and -1 returned with e set (ERR_DATA, naming the file and the reason).
 * Without lock nothing is moved (ERR_DATA only): another process may be
 * rewriting it. A file replaced or removed between open and check counts
 * as busy (1). Returns 0 with ent filled, or -1 (ERR_DATA, ERR_IO, or
 * ERR_OS when id does not exist). Release with queue_entry_free (which unlocks). */
int queue_load(struct queue *q, const char *id, int lock,
               struct queue_entry *ent, struct err *e);
void queue_entry_free(struct queue_entry *ent);

/* Rewrite a loaded, locked entry with ent->env as it is now (recipient
 * states, attempts, next attempt), keeping the message bytes; the new file
 * replaces the old atomically and carries the lock. Recipients that are
 * done are dropped from the file. Returns 0 or -1 with e set (the old
 * entry is then unchanged). */
int queue_update(struct queue *q, struct queue_entry *ent, struct err *e);

/* Remove a loaded, locked entry (every recipient done or bounced); durable
 * with the next queue_sync (QUEUE_SYNC_REMOVALS). */
int queue_remove(struct queue *q, struct queue_entry *ent, struct err *e);
/* Make the removals so far durable (fsync entries/). 0, or -1 with e set
 * (ERR_IO). */
int queue_sync(struct queue *q, struct err *e);

/* Remove what writers that died left in tmp/: files older than
 * QUEUE_TMP_STALE seconds at now whose lock nobody holds (a live writer
 * holds its file's lock until it is renamed). Returns how many went. */
#define QUEUE_TMP_STALE 600
size_t queue_sweep_tmp(struct queue *q, time_t now);

/* The ids of the committed entries, sorted (oldest first, as ids begin
 * with the time). Caller frees each and the array. Returns 0 or -1. */
int queue_list(struct queue *q, char ***ids, size_t *n, struct err *e);

/* Parse an entry's envelope from the start of an entry file's bytes.
 * Pure, for the reader and the fuzz target. Returns the length of the
 * envelope (the data follows it), or -1 with e set (ERR_DATA) and env
 * released. */
ssize_t queue_parse_env(const char *p, size_t len, struct queue_env *env,
                        struct err *e);
/* The envelope in entry form, ending with the "data" line; -1 with e set
 * (ERR_DATA) when a field may not be stored. Caller frees *out. */
int queue_format_env(const struct queue_env *env, char **out, size_t *len,
                     struct err *e);
void queue_env_free(struct queue_env *env);

/* A new queue id: the time (sortable), then random digits; 18
 * characters of [0-9A-F]. */
void queue_new_id(char id[QUEUE_ID_MAX]);

/* 1 when id is a well-formed queue id. */
int queue_id_valid(const char *id);

#endif
