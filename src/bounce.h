/* bounce.h - delivery status notifications (RFC 3464) */
#ifndef DSMTP_BOUNCE_H
#define DSMTP_BOUNCE_H

#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "buf.h"
#include "err.h"

/* What happened to the recipients a notification reports. */
enum bounce_action {
	BOUNCE_FAILED,  /* refused for good */
	BOUNCE_EXPIRED, /* refused temporarily until queue_lifetime ran out */
	BOUNCE_DELAYED, /* still queued; a warning, not a failure */
	BOUNCE_RELAYED  /* passed to a relay that reports no delivery
	                 * (NOTIFY=SUCCESS, RFC 3461 6.2.1); a success */
};

struct bounce_rcpt {
	const char *addr;       /* the envelope recipient */
	const char *reply;      /* last reply ("550 5.1.1 text") or reason */
	const char *remote_mta; /* host that replied; NULL: none */
};

/* Everything is borrowed. */
struct bounce_info {
	enum bounce_action action;
	const char *reporting_mta; /* this host's name */
	const char *postmaster;    /* From: address of the notification */
	const char *sender;        /* the original envelope sender (To:) */
	const char *queue_id;
	const char *envid; /* the original ENVID, or NULL */
	time_t arrival;    /* when the message was accepted */
	time_t now;        /* the notification's Date */
	const struct bounce_rcpt *rcpts;
	size_t nrcpts;
	int full; /* RET=FULL: return the whole message */
};

/* Largest message returned whole under RET=FULL; a larger one is
 * returned as its header section. */
#define BOUNCE_FULL_LIMIT (1024 * 1024)

/* 1 when a notification may be sent for a message from sender: never for
 * the null sender (a bounce of a bounce). */
int bounce_wanted(const char *sender);

/* The status code of a reply for the Status: field: the reply's enhanced
 * code when it has a valid one of the right class, else "C.0.0" from its
 * first digit (4 or 5; "4.0.0" when the reply has none). Writes at most
 * 16 bytes to out. */
void bounce_status(const char *reply, enum bounce_action action, char *out,
                   size_t size);

/* The notification as a message (CRLF lines, none over 998 octets):
 * headers, a text part, the message/delivery-status part, and the
 * original's header section (text/rfc822-headers) or, with full and a
 * message of at most BOUNCE_FULL_LIMIT bytes, the whole of it
 * (message/rfc822). The original is read from fd at [offset, offset +
 * size). Appends to out. Returns 0, or -1 with e set (ERR_IO). */
int bounce_make(const struct bounce_info *b, int fd, off_t offset, off_t size,
                struct buf *out, struct err *e);

#endif
