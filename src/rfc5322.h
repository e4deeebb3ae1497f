/* rfc5322.h - pure parsing of header fields and address lists */
#ifndef DSMTP_RFC5322_H
#define DSMTP_RFC5322_H

#include <stddef.h>
#include <time.h>

/* One address found in an address-list header value. */
struct rfc5322_addr {
	char *addr;    /* the addr-spec, comments and angle brackets removed */
	size_t start;  /* its span in the parsed value: [start, end) */
	size_t end;
};

struct rfc5322_addrs {
	struct rfc5322_addr *v;
	size_t n;
};

/* If line[0..len) starts a header field ("Name:"), return the length of
 * the name (without the colon and any blanks before it); else 0. A name
 * is printable US-ASCII other than ':' (RFC 5322 3.6.8). */
size_t rfc5322_field_name(const char *line, size_t len);

/* 1 when the field in line (of name length nlen) is called name, ignoring
 * case. */
int rfc5322_field_is(const char *line, size_t nlen, const char *name);

/* Offset of the value of a field line: just after the colon. */
size_t rfc5322_value_offset(const char *line, size_t len);

/* Parse an address-list value (To, Cc, Bcc, From, Resent-*): mailboxes,
 * "Name <addr>", "addr (comment)", groups, quoted strings, folding, empty
 * elements ("root,"). Addresses are appended to out; caller frees with
 * rfc5322_addrs_free. Never fails: what cannot be parsed is skipped. */
void rfc5322_parse_addrs(const char *value, size_t len,
			 struct rfc5322_addrs *out);
void rfc5322_addrs_free(struct rfc5322_addrs *a);

/* Format t as an RFC 5322 date in local time ("Mon, 23 Nov 2026 08:11:13
 * +0000"), independent of the locale. out must hold 64 bytes. */
void rfc5322_date(time_t t, char *out, size_t size);

#endif
