/* net.c - TCP and Unix-socket connections
 *
 * Owns: name resolution for a relay host, non-blocking connect with a
 *       timeout, buffered reads and writes with a deadline for each
 *       whole reply and write and a budget for the connection, overflow-
 *       safe time arithmetic, the cap on a received line, noticing data
 *       nobody asked for, CONNECT through a SOCKS5 proxy (RFC 1928).
 * Not:  SMTP (smtp.c), TLS (tls.c). */

#include <config.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "i18n.h"
#include "net.h"
#include "xmalloc.h"

#define NET_SEND_AT (64 * 1024)
#define NET_READ_CHUNK 4096

long long
net_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

long long
net_ms_add(long long a, long long b)
{
	a = a < 0 ? 0 : a > NET_MS_MAX ? NET_MS_MAX : a;
	b = b < 0 ? 0 : b > NET_MS_MAX ? NET_MS_MAX : b;
	return a > NET_MS_MAX - b ? NET_MS_MAX : a + b;
}

long long
net_ms_from_s(long long s)
{
	if (s <= 0)
		return 0;
	return s > NET_MS_MAX / 1000 ? NET_MS_MAX : s * 1000;
}

int
net_poll_timeout(long long deadline, long long now)
{
	if (deadline <= now)
		return 0;
	/* now may be negative only in a test; the difference still fits */
	if (now < 0 || deadline - now > INT_MAX)
		return INT_MAX;
	return (int)(deadline - now);
}

int
net_wait_fd(int fd, short events, long long deadline)
{
	struct pollfd p = { .fd = fd, .events = events };
	long long now;
	int rc;

	for (;;) {
		now = net_now_ms();
		if (now >= deadline)
			return 0;
		rc = poll(&p, 1, net_poll_timeout(deadline, now));
		if (rc > 0)
			return rc;
		if (rc < 0 && errno != EINTR)
			return -1;
	}
}

/* The end of one wait from now: the timeout, or the budget's end. */
static long long
net_deadline(const struct net *n)
{
	long long d = net_ms_add(net_now_ms(), n->timeout_ms);

	return n->budget_end > 0 && n->budget_end < d ? n->budget_end : d;
}

void
net_arm(struct net *n)
{
	n->deadline = net_deadline(n);
}

/* e says which limit ran out, the budget or the timeout. */
static int
net_timed_out(const struct net *n, long long deadline, struct err *e)
{
	if (n->budget_end > 0 && deadline >= n->budget_end)
		err_set(e, ERR_TEMP, _("the delivery took longer than its "
				       "time limit (%lld s)"),
			n->budget_ms / 1000);
	else
		err_set(e, ERR_TEMP, _("no answer from the server within the "
				       "timeout (%lld s)"),
			n->timeout_ms / 1000);
	return -1;
}

/* Finish a non-blocking connect; returns 0 or an errno value. */
static int
net_finish_connect(int fd, long long deadline)
{
	int err = 0;
	socklen_t len = sizeof(err);
	int rc = net_wait_fd(fd, POLLOUT, deadline);

	if (rc == 0)
		return ETIMEDOUT;
	if (rc < 0)
		return errno;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		return errno;
	return err;
}

static int
net_bind_source(int fd, const struct addrinfo *ai, const char *source_ip)
{
	struct addrinfo hints = { 0 }, *res = NULL;
	int rc;

	hints.ai_family = ai->ai_family;
	hints.ai_flags = AI_NUMERICHOST | AI_PASSIVE;
	if (getaddrinfo(source_ip, NULL, &hints, &res) != 0)
		return EADDRNOTAVAIL;
	rc = bind(fd, res->ai_addr, res->ai_addrlen) < 0 ? errno : 0;
	freeaddrinfo(res);
	return rc;
}

static int
net_try(struct net *n, const struct addrinfo *ai, const char *source_ip)
{
	int fd, one = 1, err;

	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK |
					   SOCK_CLOEXEC, ai->ai_protocol);
	if (fd < 0)
		return errno;
	err = source_ip ? net_bind_source(fd, ai, source_ip) : 0;
	if (err == 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) < 0)
		err = errno == EINPROGRESS
			      ? net_finish_connect(fd, net_deadline(n)) : errno;
	if (err != 0) {
		close(fd);
		return err;
	}
	if (ai->ai_family != AF_UNIX)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	getnameinfo(ai->ai_addr, ai->ai_addrlen, n->peer_ip,
		    sizeof(n->peer_ip), NULL, 0, NI_NUMERICHOST);
	n->fd = fd;
	return 0;
}

static int
net_connect_unix(struct net *n, const char *path, struct err *e)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct addrinfo ai = { 0 };
	int err;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		err_set(e, ERR_CONFIG, _("socket path too long: %s"), path);
		return -1;
	}
	strcpy(sun.sun_path, path);
	ai.ai_family = AF_UNIX;
	ai.ai_socktype = SOCK_STREAM;
	ai.ai_addr = (struct sockaddr *)&sun;
	ai.ai_addrlen = sizeof(sun);
	err = net_try(n, &ai, NULL);
	if (err != 0) {
		err_set(e, ERR_TEMP, _("cannot connect to %s: %s"), path,
			strerror(err));
		return -1;
	}
	return 0;
}

void
net_set_budget(struct net *n, long long budget_ms)
{
	n->budget_ms = budget_ms > 0 ? budget_ms : 0;
	n->budget_end = budget_ms > 0 ? net_ms_add(net_now_ms(), budget_ms) : 0;
}

int
net_is_address(const char *host)
{
	unsigned char buf[16];

	return inet_pton(AF_INET, host, buf) == 1 ||
	       inet_pton(AF_INET6, host, buf) == 1;
}

int
net_connect(struct net *n, const char *host, int port, const char *source_ip,
	    const char *socket_path, long timeout_s, long long budget_ms,
	    struct err *e)
{
	struct addrinfo hints = { 0 }, *res = NULL, *ai;
	char service[16];
	int rc, err = ECONNREFUSED;

	memset(n, 0, sizeof(*n));
	n->fd = -1;
	n->timeout_ms = net_ms_from_s(timeout_s > 0 ? timeout_s : 300);
	net_set_budget(n, budget_ms);
	n->peer_port = port;
	if (socket_path != NULL)
		return net_connect_unix(n, socket_path, e);
	hints.ai_socktype = SOCK_STREAM;
	/* An address is connected to as given: AI_ADDRCONFIG would refuse
	 * ::1 on a host whose only IPv6 address is ::1. */
	hints.ai_flags = net_is_address(host) ? AI_NUMERICHOST : AI_ADDRCONFIG;
	snprintf(service, sizeof(service), "%d", port);
	rc = getaddrinfo(host, service, &hints, &res);
	if (rc != 0) {
		err_set(e, ERR_TEMP, _("cannot resolve %s: %s"), host,
			gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next)
		if ((err = net_try(n, ai, source_ip)) == 0)
			break;
	freeaddrinfo(res);
	if (n->fd < 0) {
		err_set(e, ERR_TEMP, _("cannot connect to %s port %d: %s"),
			host, port, strerror(err));
		return -1;
	}
	return 0;
}

static int
net_fill_tls(struct net *n, long long deadline, struct err *e)
{
	char chunk[NET_READ_CHUNK];
	ssize_t r;

	tls_set_deadline(n->tls, deadline);
	r = tls_read(n->tls, chunk, sizeof(chunk), e);
	if (r > 0) {
		buf_append(&n->in, chunk, (size_t)r);
		return 0;
	}
	n->broken = 1;
	n->eof = r == 0;
	if (r == 0)
		err_set(e, ERR_TEMP, _("the server closed the connection"));
	else if (net_now_ms() >= deadline)
		net_timed_out(n, deadline, e);
	return -1;
}

/* Read what arrives until the deadline (the armed one, else the timeout
 * from now): at least one byte, or -1 with e set. */
static int
net_fill(struct net *n, struct err *e)
{
	char chunk[NET_READ_CHUNK];
	long long deadline = n->deadline > 0 ? n->deadline : net_deadline(n);
	ssize_t r;

	if (n->tls != NULL)
		return net_fill_tls(n, deadline, e);
	for (;;) {
		r = read(n->fd, chunk, sizeof(chunk));
		if (r > 0) {
			buf_append(&n->in, chunk, (size_t)r);
			return 0;
		}
		if (r < 0 && errno == EINTR)
			continue;
		n->broken = 1;
		if (r == 0) {
			n->eof = 1;
			err_set(e, ERR_TEMP,
				_("the server closed the connection"));
			return -1;
		}
		if (errno != EAGAIN && errno != EWOULDBLOCK) {
			err_set(e, ERR_TEMP, _("cannot read from the server: "
					       "%s"), strerror(errno));
			return -1;
		}
		if (net_wait_fd(n->fd, POLLIN, deadline) <= 0)
			return net_timed_out(n, deadline, e);
		n->broken = 0;
	}
}

int
net_read_line(struct net *n, struct buf *line, size_t max, struct err *e)
{
	char *nl;
	size_t len;

	while ((nl = memchr(n->in.data ? n->in.data : "", '\n', n->in.len)) ==
	       NULL) {
		if (n->in.len > max) {
			err_set(e, ERR_PROTOCOL,
				_("the server sent a line over %zu bytes"),
				max);
			return -1;
		}
		if (net_fill(n, e) < 0)
			return -1;
	}
	len = (size_t)(nl - n->in.data);
	if (len > max) {
		err_set(e, ERR_PROTOCOL,
			_("the server sent a line over %zu bytes"), max);
		return -1;
	}
	buf_reset(line);
	buf_append(line, n->in.data, len > 0 && nl[-1] == '\r' ? len - 1
							       : len);
	buf_consume(&n->in, len + 1);
	return 0;
}

int
net_read_more(struct net *n, struct err *e)
{
	if (n->eof)
		return 0;
	if (net_fill(n, e) == 0)
		return 1;
	if (!n->eof)
		return -1;
	err_clear(e);
	return 0;
}

/* Wait for exactly len bytes into p (the armed deadline applies). */
static int
net_read_exact(struct net *n, unsigned char *p, size_t len, struct err *e)
{
	while (n->in.len < len)
		if (net_fill(n, e) < 0)
			return -1;
	memcpy(p, n->in.data, len);
	buf_consume(&n->in, len);
	return 0;
}

/* The text of a SOCKS5 reply code (RFC 1928 section 6). */
static const char *
net_socks5_reason(int rep)
{
	static const char *const reasons[] = {
		NULL,
		N_("general SOCKS server failure"),
		N_("connection not allowed by ruleset"),
		N_("network unreachable"),
		N_("host unreachable"),
		N_("connection refused"),
		N_("TTL expired"),
		N_("command not supported"),
		N_("address type not supported"),
	};

	if (rep > 0 && rep < (int)(sizeof(reasons) / sizeof(reasons[0])))
		return _(reasons[rep]);
	return _("unknown error");
}

/* The CONNECT request for host:port, always by name (as msmtp asks, an
 * address literal too): the proxy resolves it, so no DNS query leaves
 * this host. */
static void
net_socks5_request(struct buf *b, const char *host, int port)
{
	buf_append(b, "\x05\x01\x00\x03", 4);
	buf_append_char(b, (char)strlen(host));
	buf_append_str(b, host);
	buf_append_char(b, (char)(port >> 8 & 0xff));
	buf_append_char(b, (char)(port & 0xff));
}

static int
net_socks5_bad(const char *proxy, struct err *e)
{
	err_set(e, ERR_PROTOCOL, _("the proxy %s does not speak SOCKS5"),
		proxy);
	return -1;
}

/* Read the reply to CONNECT, the bound address skipped. */
static int
net_socks5_reply(struct net *n, const char *proxy, const char *host,
		 int port, struct err *e)
{
	unsigned char r[4], skip[256 + 2];
	size_t len;

	net_arm(n);
	if (net_read_exact(n, r, 4, e) < 0)
		return -1;
	if (r[0] != 5)
		return net_socks5_bad(proxy, e);
	if (r[1] != 0) {
		err_set(e, ERR_TEMP, _("the proxy %s cannot connect to %s port "
				       "%d: %s"), proxy, host, port,
			net_socks5_reason(r[1]));
		return -1;
	}
	if (r[3] == 1)
		len = 4;
	else if (r[3] == 4)
		len = 16;
	else if (r[3] == 3 && net_read_exact(n, skip, 1, e) == 0)
		len = skip[0];
	else
		return r[3] == 3 ? -1 : net_socks5_bad(proxy, e);
	return net_read_exact(n, skip, len + 2, e);
}

int
net_socks5(struct net *n, const char *proxy, const char *host, int port,
	   struct err *e)
{
	struct buf req = { 0 };
	unsigned char r[2];
	int rc;

	if (strlen(host) > 255) {
		err_set(e, ERR_CONFIG, _("host name too long for a SOCKS "
					 "proxy: %s"), host);
		return -1;
	}
	/* The relay's address is the proxy's secret. */
	n->peer_ip[0] = '\0';
	n->peer_port = port;
	/* No authentication: the only method offered. */
	rc = net_write(n, "\x05\x01\x00", 3, e) < 0 || net_flush(n, e) < 0
		     ? -1 : 0;
	net_arm(n);
	if (rc == 0 && (rc = net_read_exact(n, r, 2, e)) == 0 && r[0] != 5)
		rc = net_socks5_bad(proxy, e);
	if (rc == 0 && r[1] != 0) {
		err_set(e, ERR_UNAVAILABLE, _("the proxy %s wants "
					      "authentication, which dsmtp "
					      "does not offer"), proxy);
		rc = -1;
	}
	if (rc == 0) {
		net_socks5_request(&req, host, port);
		rc = net_write(n, req.data, req.len, e) < 0 ||
				     net_flush(n, e) < 0
			     ? -1 : net_socks5_reply(n, proxy, host, port, e);
	}
	buf_free(&req);
	n->deadline = 0;
	return rc;
}

int
net_flush(struct net *n, struct err *e)
{
	long long deadline = net_deadline(n);
	size_t off = 0;
	ssize_t w;
	int rc = 0;

	if (n->tls != NULL) {
		tls_set_deadline(n->tls, deadline);
		rc = tls_write(n->tls, n->out.data, n->out.len, e);
		n->broken |= rc < 0;
	}
	while (n->tls == NULL && off < n->out.len) {
		w = send(n->fd, n->out.data + off, n->out.len - off,
			 MSG_NOSIGNAL);
		if (w > 0) {
			off += (size_t)w;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) &&
		    net_wait_fd(n->fd, POLLOUT, deadline) > 0)
			continue;
		n->broken = 1;
		err_set(e, ERR_TEMP, _("cannot send to the server: %s"),
			w < 0 && errno != EAGAIN && errno != EWOULDBLOCK
				? strerror(errno) : _("timed out"));
		rc = -1;
		break;
	}
	buf_reset(&n->out);
	return rc;
}

int
net_write(struct net *n, const void *p, size_t len, struct err *e)
{
	buf_append(&n->out, p, len);
	if (n->out.len >= NET_SEND_AT)
		return net_flush(n, e);
	return 0;
}

int
net_pending(struct net *n)
{
	char chunk[NET_READ_CHUNK];
	ssize_t r;

	if (n->in.len > 0 || n->fd < 0 || n->broken)
		return n->in.len > 0;
	if (n->tls != NULL)
		r = tls_read_ready(n->tls, chunk, sizeof(chunk));
	else
		while ((r = recv(n->fd, chunk, sizeof(chunk), MSG_DONTWAIT)) <
			       0 && errno == EINTR)
			;
	if (r > 0)
		buf_append(&n->in, chunk, (size_t)r);
	else if (r == 0 && n->tls == NULL)
		n->eof = 1;
	return n->in.len > 0;
}

int
net_starttls(struct net *n, const struct tls_policy *p, struct err *e)
{
	struct tls_policy q = *p;
	long long left = net_deadline(n) - net_now_ms();

	if (net_pending(n)) {
		err_set(e, ERR_TEMP,
			_("TLS: the server sent data before the handshake; "
			  "refusing it (possible command injection)"));
		return -1;
	}
	/* The handshake gets what is left of the timeout or the budget. */
	q.timeout_ms = left > 0 ? left : 1;
	n->tls = tls_start(n->fd, &q, e);
	return n->tls != NULL ? 0 : -1;
}

void
net_discard_input(struct net *n)
{
	buf_reset(&n->in);
}

void
net_close(struct net *n)
{
	tls_close(n->tls);
	n->tls = NULL;
	if (n->fd >= 0)
		close(n->fd);
	n->fd = -1;
	buf_free(&n->in);
	buf_free(&n->out);
}
