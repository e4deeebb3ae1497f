/* checkdns_relay.c - the relay and the egress address for --check-dns
 *
 * Owns: connecting to the account's relay the way delivery does (without
 *       logging in) to see that it answers, speaks TLS under the
 *       account's policy and offers AUTH when the account logs in; and
 *       working out which address receivers see when --egress-ip is not
 *       given.
 * Not:  the DNS checks (checkdns.c), the SMTP dialogue (smtp). */

#include <config.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "checkdns.h"
#include "deliver.h"
#include "i18n.h"
#include "smtp.h"
#include "tls.h"
#include "xmalloc.h"

/* The address this host sends from towards the world: the source the
 * kernel picks for a UDP socket "connected" to a documentation address
 * (nothing is sent). NULL when there is no route. Caller frees. */
static char *
checkdns_local_egress(int family)
{
	struct sockaddr_storage to = { 0 }, me = { 0 };
	socklen_t len = sizeof(me);
	char ip[INET6_ADDRSTRLEN];
	int fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0), ok;

	if (family == AF_INET) {
		struct sockaddr_in *s = (struct sockaddr_in *)&to;

		s->sin_family = AF_INET;
		s->sin_port = htons(25);
		inet_pton(AF_INET, "198.51.100.1", &s->sin_addr);
	} else {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)&to;

		s->sin6_family = AF_INET6;
		s->sin6_port = htons(25);
		inet_pton(AF_INET6, "2001:db8::1", &s->sin6_addr);
	}
	ok = fd >= 0 &&
	     connect(fd, (struct sockaddr *)&to, family == AF_INET
	                                                 ? sizeof(struct sockaddr_in)
	                                                 : sizeof(struct sockaddr_in6)) == 0 &&
	     getsockname(fd, (struct sockaddr *)&me, &len) == 0 &&
	     inet_ntop(family, family == AF_INET
	                               ? (void *)&((struct sockaddr_in *)&me)->sin_addr
	                               : (void *)&((struct sockaddr_in6 *)&me)->sin6_addr,
	               ip, sizeof(ip)) != NULL;
	if (fd >= 0)
		close(fd);
	return ok ? xstrdup(ip) : NULL;
}

/* What the session says of TLS and AUTH, for the relay line. */
static void
checkdns_relay_session(struct check_report *r, const struct smtp_target *t,
                       const struct smtp_session *s, char *name)
{
	if (t->auth.enabled && s->caps.auth == NULL) {
		checkdns_add(r, CHECK_FAIL, name,
		             xasprintf(_("answers at %s but offers no AUTH "
		                         "(the account logs in)"),
		                       s->net.peer_ip),
		             xstrdup(_("dsmtp --serverinfo shows what it offers; "
		                       "a relay may offer AUTH only after "
		                       "STARTTLS (tls on)")));
		return;
	}
	if (s->net.tls == NULL) {
		checkdns_add(r, CHECK_WARN, name,
		             xasprintf(_("answers at %s, without TLS"),
		                       s->net.peer_ip),
		             xstrdup(_("set tls on: without it passwords and "
		                       "mail cross the network in clear")));
		return;
	}
	checkdns_add(r, CHECK_PASS, name,
	             xasprintf(_("answers at %s, %s, certificate accepted%s"),
	                       s->net.peer_ip, tls_version(s->net.tls),
	                       t->auth.enabled ? _(", offers AUTH") : ""),
	             NULL);
}

char *
checkdns_relay(struct check_report *r, const struct account *a)
{
	struct smtp_session s;
	struct smtp_target t;
	struct err e = { 0 };
	char *name, *peer = NULL;
	int wants_auth;

	deliver_target(a, "localhost", &t);
	name = xasprintf("relay %s:%d", t.host ? t.host : "?", t.port);
	if (t.host == NULL) {
		checkdns_add(r, CHECK_FAIL, name,
		             xstrdup(_("the account has no host")),
		             xstrdup(_("set host to your submission server")));
		return NULL;
	}
	wants_auth = t.auth.enabled;
	t.auth.enabled = 0; /* look, do not log in */
	if (smtp_open(&s, &t, &e) < 0) {
		checkdns_add(r, CHECK_FAIL, name, xstrdup(e.msg ? e.msg : "?"),
		             xstrdup(_("check host, port and the TLS settings; "
		                       "dsmtp --serverinfo shows the "
		                       "dialogue")));
		err_clear(&e);
		smtp_close(&s);
		return NULL;
	}
	t.auth.enabled = wants_auth;
	checkdns_relay_session(r, &t, &s, name);
	peer = s.net.peer_ip[0] ? xstrdup(s.net.peer_ip) : NULL;
	smtp_close(&s);
	return peer;
}

char *
checkdns_egress(const char *relay_ip, const char **how)
{
	char *ip;

	/* A relay out there sends the mail on: receivers see its address. */
	if (relay_ip != NULL && !checkdns_private(relay_ip)) {
		*how = _("the relay's address: mail leaves from there");
		return xstrdup(relay_ip);
	}
	/* A relay on this host or network: this host's way out. */
	*how = _("this host's address towards the world");
	ip = checkdns_local_egress(relay_ip != NULL && strchr(relay_ip, ':')
	                                   ? AF_INET6
	                                   : AF_INET);
	return ip;
}
