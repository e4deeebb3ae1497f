/* drop.h - the set-group-ID helper's steps: one handed-over submission
 * from a user into the system spool's incoming/ directory
 *
 * A user who cannot read the system's configuration (its secrets are
 * root's and the dsmtp group's) submits through dsmtp-drop, which runs
 * with the group dsmtp only to create a file in incoming/ and to rename
 * it into place; the file's owner, set by the kernel, is the submitting
 * user. The stream the helper reads: an incoming header (incoming.h), the
 * message, and the trailer "\nend SIZE\n" (SIZE: the message's octets),
 * so a writer that died half-way never leaves mail behind. */
#ifndef DSMTP_DROP_H
#define DSMTP_DROP_H

#include <sys/types.h>

#include "queue.h"

/* The largest message the helper takes from a user (the system spool is
 * shared: one user may not fill it). */
#define DROP_MAX_MESSAGE ((off_t)256 << 20)
/* The spool's directory of handed-over submissions. */
#define DROP_INCOMING "incoming"
/* Temporary names in incoming/ start with this; pickup ignores them. */
#define DROP_TMP_PREFIX ".in."
#define DROP_NAME_MAX (QUEUE_ID_MAX + 8)

enum drop_result {
	DROP_OK = 0,
	DROP_BAD_FORM,  /* the header is not an incoming header */
	DROP_TRUNCATED, /* no trailer, or one that does not fit */
	DROP_TOO_LARGE, /* over DROP_MAX_MESSAGE */
	DROP_FULL,      /* the spool's filesystem is full */
	DROP_IO,        /* reading or writing failed */
	DROP_NO_SPOOL,  /* incoming/ cannot be used */
	DROP_USAGE      /* the helper was given arguments */
};

/* The one word the helper prints on its standard output for r (its
 * caller tells the user in the user's language), and back; the sysexits
 * code it exits with. */
const char *drop_word(enum drop_result r);
enum drop_result drop_from_word(const char *w);
int drop_exit_code(enum drop_result r);

/* Create a new temporary file in dirfd, mode 0640 (the umask's bits
 * cleared), never following or replacing anything; its name goes to
 * name. Returns the fd (O_WRONLY) or -1 with errno set. */
int drop_create(int dirfd, char name[DROP_NAME_MAX]);

/* Copy the stream on in to out: the header, checked with incoming_parse
 * (at most INCOMING_MAX_HEADER), then the message (at most max octets),
 * then the trailer, which is checked and cut off: out holds header and
 * message only. */
enum drop_result drop_copy(int in, int out, off_t max);

/* Make the copy durable and visible: fsync fd, rename tmp to a new queue
 * id (into id) without replacing an existing file, then sync the
 * filesystem (the helper cannot open incoming/ to fsync it). */
enum drop_result drop_publish(int dirfd, int fd, const char *tmp,
                              char id[QUEUE_ID_MAX]);

/* dsmtp-drop --list: for each entry in dirfd (the system spool's
 * entries/, readable by the group dsmtp) whose envelope names uid as its
 * submitter, write to out "entry FILESIZE ENVLEN\n" and then the entry's
 * envelope as it is in the file (ENVLEN octets, through its "data"
 * line). Files that are not entries are passed by. Returns how many were
 * written, or -1 when out fails. */
long drop_list(int dirfd, uid_t uid, int out);

#endif
