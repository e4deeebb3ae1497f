/* dkim.h - DKIM signing (RFC 6376, RFC 8463) */
#ifndef DSMTP_DKIM_H
#define DSMTP_DKIM_H

#include <stddef.h>
#include <time.h>

#include "buf.h"
#include "crypto.h"
#include "err.h"
#include "message.h"

enum dkim_canon {
	DKIM_SIMPLE,
	DKIM_RELAXED
};

/* Streaming body canonicaliser and hash: feed the body's wire bytes (CRLF
 * lines) in any pieces. */
struct dkim_body {
	enum dkim_canon canon;
	struct crypto_sha256 hash;
	struct buf out;        /* canonical bytes not yet hashed */
	size_t empty_lines;    /* empty lines held back (maybe trailing) */
	int line_started;      /* the current line has canonical content */
	int pending_ws;        /* relaxed: blanks seen, not yet written */
	int pending_cr;
	int any;               /* some content was written */
};

void dkim_body_init(struct dkim_body *b, enum dkim_canon canon);
void dkim_body_update(struct dkim_body *b, const char *p, size_t n);
/* Finish and write the SHA-256 of the canonical body. */
void dkim_body_final(struct dkim_body *b, unsigned char out[32]);

/* Append the canonical form of one header field (its whole text with
 * continuation lines and final CRLF) to out, ending in CRLF. */
void dkim_canon_header(enum dkim_canon canon, const char *field, size_t len,
		       struct buf *out);

/* The header hash input: the fields named in names (each name takes the
 * last instance not yet taken, bottom-up; a name with none left adds
 * nothing), then sig_field (the DKIM-Signature field with an empty b=,
 * no final CRLF) canonicalised without its final CRLF. */
void dkim_header_input(enum dkim_canon canon, const struct msg_field *fields,
		       size_t nfields, char *const *names, size_t nnames,
		       const char *sig_field, struct buf *out);

/* One signing key with its selector. */
struct dkim_key {
	char *selector;
	struct crypto_key *key;
};

struct dkim_params {
	const char *domain;        /* d= */
	enum dkim_canon hcanon, bcanon;
	time_t now;                /* t= */
	long expire;               /* x= is t= plus this (saturated); 0: none */
	char *const *headers;      /* h= names; NULL: the default list */
	size_t nheaders;
};

/* Sign m as it will go on the wire (qp: with quoted-printable body) with
 * every key, over one body hash pass. The DKIM-Signature fields, each
 * ending in CRLF, are appended to out. Returns 0 or -1 with e set. */
int dkim_sign(struct message *m, int qp, const struct dkim_key *keys,
	      size_t nkeys, const struct dkim_params *p, struct buf *out,
	      struct err *e);

/* The default h= list for these fields (RFC 6376 5.4): identity
 * headers over-signed. Caller frees each name and the array. */
char **dkim_default_headers(const struct msg_field *fields, size_t nfields,
			    size_t *n);

/* Parse "relaxed/simple" style text; -1 when invalid. */
int dkim_parse_canon(const char *s, enum dkim_canon *h, enum dkim_canon *b);

#endif
