/* addr.h - envelope addresses: checks and qualification */
#ifndef DSMTP_ADDR_H
#define DSMTP_ADDR_H

#include "err.h"

/* Check an envelope address taken from argv or a header: no control
 * characters (CR, LF, TAB, DEL, ...), not over 998 octets.
 * what names the source for the message ("recipient", "sender").
 * Returns 0, or -1 with e set to ERR_DATA. */
int addr_check(const char *addr, const char *what, struct err *e);

/* Return addr with "@domain" added when it has no '@'; the null sender ""
 * stays empty. Caller frees. */
char *addr_qualify(const char *addr, const char *domain);

/* Strip one level of angle brackets: "<a@b>" -> "a@b". Caller frees. */
char *addr_strip_angles(const char *addr);

/* The domain part of addr (after the last '@'), or "" when none. Borrows
 * from addr. */
const char *addr_domain(const char *addr);

/* The host's mail domain: /etc/mailname when readable, else the FQDN, else
 * "localhost". Caller frees. */
char *addr_default_domain(void);

#endif
