/* sasl.h - SASL client mechanisms as pure steps (no I/O) */
#ifndef DSMTP_SASL_H
#define DSMTP_SASL_H

#include <stddef.h>

#include "buf.h"
#include "err.h"

enum sasl_mech {
	SASL_NONE = 0,
	SASL_EXTERNAL,
	SASL_LOGIN,
	SASL_PLAIN,
	SASL_CRAM_MD5,
	SASL_SCRAM_SHA_256,
	SASL_SCRAM_SHA_256_PLUS,
	SASL_XOAUTH2,
	SASL_OAUTHBEARER
};

/* One authentication exchange. Secrets inside are wiped by sasl_free. */
struct sasl {
	enum sasl_mech mech;
	char *user;
	char *secret;       /* password or OAuth token */
	char *host;         /* OAUTHBEARER host= */
	int port;
	int step;
	struct buf cb;      /* channel binding data (SCRAM-PLUS) */
	const char *cb_type;
	int cb_offered;     /* the server offers -PLUS, we can too (SCRAM) */
	char *gs2;          /* SCRAM gs2 header */
	char *nonce;        /* SCRAM client nonce */
	char *first_bare;   /* SCRAM client-first-message-bare */
	unsigned char server_sig[32];
	int done;           /* server signature checked (SCRAM) */
};

/* Mechanism by name (case-insensitive, "SCRAM-SHA-256-PLUS"...). */
enum sasl_mech sasl_mech_by_name(const char *name);
const char *sasl_mech_name(enum sasl_mech m);
/* 1 when m is in the space-separated list offered. */
int sasl_offered(const char *offered, enum sasl_mech m);

/* 1 when the mechanism sends the secret itself (PLAIN, LOGIN, the OAuth
 * tokens) rather than a proof. */
int sasl_mech_reveals(enum sasl_mech m);

/* Choose for "auth on": the strongest of the server's mechanisms (a
 * space-separated list) that dsmtp can use with what it has: SCRAM-PLUS
 * when channel binding data exists, SCRAM, CRAM-MD5, PLAIN, LOGIN;
 * EXTERNAL when have_cert; with tls 0 only mechanisms that do not reveal
 * the password. SASL_NONE when nothing fits. */
enum sasl_mech sasl_choose(const char *offered, int tls, int have_cb,
			   int have_cert);

/* Start: copies user and secret. */
void sasl_init(struct sasl *s, enum sasl_mech m, const char *user,
	       const char *secret, const char *host, int port);
void sasl_free(struct sasl *s);

/* The initial response (base64, "=" for an empty one) for the AUTH
 * command, appended to out; returns 0 when there is one, 1 when the
 * mechanism waits for a challenge first (LOGIN, CRAM-MD5). */
int sasl_initial(struct sasl *s, struct buf *out, struct err *e);

/* Answer a 334 challenge (its base64 text) with the base64 response
 * appended to out. Returns 0, or -1 with e set (ERR_PROTOCOL: a bad
 * challenge, or a SCRAM server signature that does not match). */
int sasl_step(struct sasl *s, const char *challenge, struct buf *out,
	      struct err *e);

/* After 235: 0 when the exchange is complete (for SCRAM: the server
 * proved it knows the password), else -1 with e set. */
int sasl_finish(struct sasl *s, struct err *e);

#endif
