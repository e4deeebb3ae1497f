/* net.h - connections with timeouts and bounded line reads */
#ifndef DSMTP_NET_H
#define DSMTP_NET_H

#include <limits.h>
#include <stddef.h>

#include "buf.h"
#include "err.h"
#include "tls.h"

/* Times are milliseconds in long long, saturating at NET_MS_MAX, so no
 * sum of a clock reading and a configured duration can overflow. */
#define NET_MS_MAX (LLONG_MAX / 4)

struct net {
	int fd;
	long long timeout_ms; /* for connect, each whole reply, each write */
	long long budget_ms;  /* for the whole connection; 0: none */
	long long budget_end; /* net_now_ms() when the budget ends; 0: none */
	long long deadline;   /* of the reply being read (net_arm); 0: none */
	struct buf in;       /* received, not yet consumed */
	struct buf out;      /* queued for sending */
	char peer_ip[64];    /* numeric address of the peer, or "" */
	int peer_port;
	int broken;          /* a read or write failed: do not talk on */
	int eof;             /* the peer closed its side */
	struct tls_session *tls; /* NULL: plain */
};

/* The monotonic clock in milliseconds. */
long long net_now_ms(void);
/* a + b, both taken as at least 0, saturating at NET_MS_MAX. */
long long net_ms_add(long long a, long long b);
/* s seconds in milliseconds, saturating at NET_MS_MAX; 0 when s <= 0. */
long long net_ms_from_s(long long s);
/* A poll() timeout for deadline at time now: 0 when it has passed, at
 * most INT_MAX (the caller waits again while the deadline lies ahead). */
int net_poll_timeout(long long deadline, long long now);
/* Wait until fd is ready for events or the deadline (net_now_ms() time)
 * passes, restarting after signals. Returns >0 ready, 0 at the deadline,
 * -1 with errno set. */
int net_wait_fd(int fd, short events, long long deadline);

/* 1 when host is an IPv4 or IPv6 address, not a name. */
int net_is_address(const char *host);

/* Connect to host:port (or, when socket_path is set, to that Unix
 * socket), trying every address, binding to source_ip when set. Sets
 * TCP_NODELAY. Failures are ERR_TEMP with a message naming the host.
 * timeout_s <= 0 means 300 seconds. budget_ms > 0 bounds the whole life
 * of the connection from now on: connecting, TLS, every read and write
 * (0: no bound beyond timeout_s for each of them). */
int net_connect(struct net *n, const char *host, int port,
		const char *source_ip, const char *socket_path, long timeout_s,
		long long budget_ms, struct err *e);

/* Bound the rest of the connection's life anew: budget_ms from now (0:
 * no bound beyond the timeout), as net_connect's budget. For a connection
 * kept for the next message. */
void net_set_budget(struct net *n, long long budget_ms);

/* Over n, connected to the SOCKS5 proxy named proxy (for messages), ask
 * for a connection to host:port (RFC 1928 CONNECT, no authentication;
 * host is sent as a name, even an address literal, and resolved by the
 * proxy, never here). Afterwards n talks to host; its peer_ip is cleared
 * (the proxy alone knows the address). Returns
 * 0, or -1 with e set: ERR_TEMP (I/O, timeouts, the proxy could not
 * connect), ERR_UNAVAILABLE (the proxy wants authentication),
 * ERR_PROTOCOL (not SOCKS5), ERR_CONFIG (a name over 255 bytes). */
int net_socks5(struct net *n, const char *proxy, const char *host, int port,
	       struct err *e);

/* Start TLS on the connection, the handshake within the timeout (and the
 * budget). Refused (ERR_TEMP, as every TLS failure) when the server
 * already sent bytes we have not asked for: after STARTTLS they would be
 * plaintext injected into the TLS session. Other failures as tls_start. */
int net_starttls(struct net *n, const struct tls_policy *p, struct err *e);

/* Start the deadline for one reply: the timeout from now, or the end of
 * the budget when that is sooner. Every net_read_line until the next
 * net_arm shares it, so a reply trickled byte by byte ends in time. */
void net_arm(struct net *n);

/* Read one line (CRLF or LF ended; the end is not stored) into line,
 * waiting until the armed deadline (unarmed: the timeout from each wait).
 * A line longer than max is ERR_PROTOCOL; end of file or a timeout is
 * ERR_TEMP. */
int net_read_line(struct net *n, struct buf *line, size_t max,
		  struct err *e);

/* Wait for more bytes from the peer into n->in (the caller consumes
 * them), until the armed deadline. Returns 1 when some came, 0 at the end
 * of the stream, -1 with e set (ERR_TEMP). */
int net_read_more(struct net *n, struct err *e);

/* Queue bytes for sending; sends when enough is queued. */
int net_write(struct net *n, const void *p, size_t len, struct err *e);
/* Send everything queued, all of it within one timeout (and the budget). */
int net_flush(struct net *n, struct err *e);
/* Take in what the peer has sent so far, without waiting; 1 when
 * received bytes are waiting to be read. An error or end of file found
 * here is left for the next read to report. */
int net_pending(struct net *n);
/* Throw away received bytes not yet read. */
void net_discard_input(struct net *n);
void net_close(struct net *n);

#endif
