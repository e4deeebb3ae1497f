/* net.h - connections with timeouts and bounded line reads */
#ifndef DSMTP_NET_H
#define DSMTP_NET_H

#include <stddef.h>

#include "buf.h"
#include "err.h"
#include "tls.h"

struct net {
	int fd;
	int timeout_ms;      /* for connect and every read and write */
	struct buf in;       /* received, not yet consumed */
	struct buf out;      /* queued for sending */
	char peer_ip[64];    /* numeric address of the peer, or "" */
	int peer_port;
	int broken;          /* a read or write failed: do not talk on */
	struct tls_session *tls; /* NULL: plain */
};

/* Connect to host:port (or, when socket_path is set, to that Unix
 * socket), trying every address, binding to source_ip when set. Sets
 * TCP_NODELAY. Failures are ERR_TEMP with a message naming the host.
 * timeout_s <= 0 means 300 seconds. */
int net_connect(struct net *n, const char *host, int port,
		const char *source_ip, const char *socket_path, int timeout_s,
		struct err *e);

/* Start TLS on the connection. Refused (ERR_PROTOCOL) when the server
 * already sent bytes we have not read: after STARTTLS they would be
 * plaintext injected into the TLS session. Other failures as tls_start. */
int net_starttls(struct net *n, const struct tls_policy *p, struct err *e);

/* Read one line (CRLF or LF ended; the end is not stored) into line.
 * A line longer than max is ERR_PROTOCOL; end of file or a timeout is
 * ERR_TEMP. */
int net_read_line(struct net *n, struct buf *line, size_t max,
		  struct err *e);

/* Queue bytes for sending; sends when enough is queued. */
int net_write(struct net *n, const void *p, size_t len, struct err *e);
/* Send everything queued. */
int net_flush(struct net *n, struct err *e);
/* 1 when received bytes are waiting to be read. */
int net_pending(const struct net *n);
/* Throw away received bytes not yet read. */
void net_discard_input(struct net *n);
void net_close(struct net *n);

#endif
