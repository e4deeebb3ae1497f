/* tls.h - TLS client sessions (GnuTLS) */
#ifndef DSMTP_TLS_H
#define DSMTP_TLS_H

#include <stddef.h>
#include <sys/types.h>

#include "buf.h"
#include "dns.h"
#include "err.h"

/* How to check the server and what to present. Strings are borrowed. */
struct tls_policy {
	const char *host;         /* name to check and send as SNI */
	const char *trust_file;   /* PEM CAs; "system" or NULL: system store */
	const char *crl_file;
	const char *fingerprint;  /* SHA-256 (or SHA-1, MD5: weak, a warning
				   * on stderr) of the server certificate,
				   * hex pairs with ':'; replaces CA checks */
	int certcheck;            /* 0: accept any certificate (insecure) */
	const char *cert_file;    /* client certificate, with key_file */
	const char *key_file;
	const char *priorities;   /* GnuTLS priority string, NULL: default */
	long long timeout_ms;     /* for the whole handshake; <= 0: 300 s */
	const struct dns_rr *tlsa; /* DANE (RFC 7672): authenticate by these
				   * records (dane_check) instead of the
				   * CAs; certcheck should then be 0. NULL:
				   * no DANE */
	size_t ntlsa;
};

struct tls_session;

/* Handshake over the connected non-blocking socket fd. Returns the
 * session, or NULL with e set: ERR_TEMP for network trouble and for a
 * server that fails the handshake or the certificate checks (the message
 * is not sent in clear), and for TLSA records that are usable but match
 * nothing; ERR_CONFIG for unusable local files. */
struct tls_session *tls_start(int fd, const struct tls_policy *p,
			      struct err *e);
/* Set when tls_read and tls_write give up: deadline is a net_now_ms()
 * time (net.h); 0, the default, means the timeout from each call's
 * start. */
void tls_set_deadline(struct tls_session *t, long long deadline);
/* Read up to n bytes: >0 read, 0 end of stream, -1 error (e set);
 * waits up to the deadline. */
ssize_t tls_read(struct tls_session *t, void *p, size_t n, struct err *e);
/* Read up to n bytes that are already there, without waiting: >0 read,
 * 0 nothing complete yet (an error or end of stream is left for the next
 * tls_read). */
ssize_t tls_read_ready(struct tls_session *t, void *p, size_t n);
/* Write all n bytes by the deadline or fail with e set. */
int tls_write(struct tls_session *t, const void *p, size_t n, struct err *e);
/* 1 when decrypted bytes are waiting. */
int tls_pending(struct tls_session *t);
/* 1 when the server was authenticated: its chain passed the CA and name
 * checks (whether or not the policy asked for them), matched the pinned
 * fingerprint, or matched a TLSA record. */
int tls_verified(struct tls_session *t);
/* Let tls_close send nothing: the connection is another process's too
 * (a copy made by fork). */
void tls_abandon(struct tls_session *t);
/* Send close_notify (best effort) and free. */
void tls_close(struct tls_session *t);

/* "TLSv1.3" etc., and the cipher suite name; borrowed. */
const char *tls_version(struct tls_session *t);
/* "GnuTLS 3.7.9": the library as loaded at run time, for --version. */
const char *tls_library(void);
const char *tls_cipher(struct tls_session *t);
/* Append a description of the server's certificate chain (subject,
 * issuer, validity, SHA-256 fingerprint per certificate) to out. */
void tls_describe_chain(struct tls_session *t, struct buf *out);
/* Channel binding data for SCRAM-*-PLUS ("tls-exporter" for TLS 1.3,
 * "tls-unique" before); appended to out with its type name in *type.
 * Returns -1 when none is available. */
int tls_channel_binding(struct tls_session *t, struct buf *out,
			const char **type);

/* Parse "AA:BB:..." (32 pairs for SHA-256; 20 for SHA-1 and 16 for MD5,
 * which msmtp still takes) into out; returns the number of bytes (32, 20
 * or 16), or -1 when malformed. */
int tls_parse_fingerprint(const char *s, unsigned char out[32]);

#endif
