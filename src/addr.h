/* addr.h - envelope addresses: checks and qualification */
#ifndef DSMTP_ADDR_H
#define DSMTP_ADDR_H

#include <stddef.h>

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

/* Check and normalise an envelope address for the wire: it must be an
 * RFC 5321 Mailbox, local@domain. The local part is a Dot-string or a
 * Quoted-string (RFC 6531: UTF-8 allowed, and it must be valid UTF-8);
 * '<' and '>' are refused even quoted, blanks outside quotes. The domain
 * is converted to A-labels (IDNA2008) and must then be a valid host name
 * (letters, digits, hyphens; labels of 1-63 octets) or an IPv4 or
 * "IPv6:" address literal. *utf8 is set to 1 when the local part is not
 * ASCII (SMTPUTF8 is then needed). *out is the result (caller frees).
 * Returns 0, or -1 with e set (ERR_DATA). The null sender "" stays "". */
int addr_normalize(const char *addr, char **out, int *utf8, struct err *e);

/* A host name for connecting: converted to A-labels and checked as
 * above. Caller frees; NULL with e set (ERR_CONFIG) when invalid. */
char *addr_host_ascii(const char *host, struct err *e);

/* 1 when s (of n bytes) is valid UTF-8. */
int addr_utf8_valid(const char *s, size_t n);

/* The host's mail domain: /etc/mailname when readable, else the FQDN, else
 * "localhost". Caller frees. */
char *addr_default_domain(void);
/* This host's name: gethostname, made fully qualified through the
 * resolver when it has no dot; "localhost" when there is none. Found once
 * per process. Caller frees. */
char *addr_host_fqdn(void);
/* configured (a qualify_domain), else addr_default_domain(). Caller
 * frees. */
char *addr_domain_or_default(const char *configured);

/* 1 when s holds no octet >= 0x80. */
int addr_is_ascii(const char *s);
/* "libidn2 2.3.3, GNU libunistring 1.0": the libraries addr uses, as
 * loaded at run time, for --version. */
const char *addr_libraries(void);

#endif
