/* tls.c - TLS client sessions
 *
 * Owns: GnuTLS credentials and sessions, TLS 1.2 as the floor, trust
 *       (system store, a trust file, CRLs), the server name check and SNI,
 *       pinning (SHA-256; SHA-1 and MD5 with a warning), client
 *       certificates, session descriptions for --serverinfo, channel
 *       binding data for SCRAM-PLUS.
 * Not:  when to use TLS (smtp.c), sockets (net.c). */

#include <config.h>

#include <arpa/inet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "buf.h"
#include "dane.h"
#include "i18n.h"
#include "log.h"
#include "net.h"
#include "tls.h"
#include "xmalloc.h"

/* Never below TLS 1.2, whatever the user's priority string says. */
#define TLS_FLOOR ":-VERS-SSL3.0:-VERS-TLS1.0:-VERS-TLS1.1"

/* The longest chain handed to the DANE check. */
#define TLS_DANE_CHAIN 16

struct tls_session {
	gnutls_session_t s;
	int established;        /* the handshake completed */
	gnutls_certificate_credentials_t cred;
	int fd;
	long long timeout_ms;
	long long deadline;     /* 0: the timeout from each call's start */
	int verified;           /* tls_verified */
};

static int
tls_fail(struct err *e, enum err_class cls, const char *what, int rc)
{
	err_set(e, cls, _("TLS: %s: %s"), what, gnutls_strerror(rc));
	return -1;
}

static int
tls_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
tls_parse_fingerprint(const char *s, unsigned char out[32])
{
	size_t i, n = (strlen(s) + 1) / 3;
	int hi, lo;

	if (strlen(s) != n * 3 - 1 || (n != 16 && n != 20 && n != 32))
		return -1;
	for (i = 0; i < n; i++) {
		hi = tls_hex(s[i * 3]);
		lo = tls_hex(s[i * 3 + 1]);
		if (hi < 0 || lo < 0 || (i < n - 1 && s[i * 3 + 2] != ':'))
			return -1;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return (int)n;
}

/* The digest of a pin of len bytes. */
static gnutls_digest_algorithm_t
tls_pin_digest(int len)
{
	return len == 16 ? GNUTLS_DIG_MD5
			 : len == 20 ? GNUTLS_DIG_SHA1 : GNUTLS_DIG_SHA256;
}

/* SHA-1 and MD5 pins still work, as in msmtp, but say they are weak. */
static void
tls_warn_weak_pin(const char *fingerprint)
{
	unsigned char pin[32];
	int len = tls_parse_fingerprint(fingerprint, pin);

	if (len == 16 || len == 20)
		log_diag(_("warning: tls_fingerprint is %s, which is weak; pin "
			   "the SHA-256 fingerprint instead (--serverinfo "
			   "shows it)"), len == 16 ? "MD5" : "SHA-1");
}

static int
tls_credentials(struct tls_session *t, const struct tls_policy *p,
		struct err *e)
{
	int rc = gnutls_certificate_allocate_credentials(&t->cred);

	if (rc < 0)
		return tls_fail(e, ERR_SOFTWARE, "credentials", rc);
	if (p->trust_file == NULL || strcmp(p->trust_file, "system") == 0)
		rc = gnutls_certificate_set_x509_system_trust(t->cred);
	else
		rc = gnutls_certificate_set_x509_trust_file(
			t->cred, p->trust_file, GNUTLS_X509_FMT_PEM);
	/* GnuTLS returns how many certificates it loaded: none is an
	 * unusable trust file, not an untrusted server. */
	if (rc == 0 && p->certcheck && p->fingerprint == NULL) {
		err_set(e, ERR_CONFIG, _("TLS: %s holds no certificates"),
			p->trust_file ? p->trust_file : "system trust");
		return -1;
	}
	if (rc < 0 && p->certcheck && p->fingerprint == NULL)
		return tls_fail(e, ERR_CONFIG, p->trust_file ? p->trust_file
							     : "system trust",
				rc);
	if (p->crl_file != NULL &&
	    (rc = gnutls_certificate_set_x509_crl_file(
		     t->cred, p->crl_file, GNUTLS_X509_FMT_PEM)) < 0)
		return tls_fail(e, ERR_CONFIG, p->crl_file, rc);
	if (p->cert_file != NULL && p->key_file != NULL &&
	    (rc = gnutls_certificate_set_x509_key_file(
		     t->cred, p->cert_file, p->key_file,
		     GNUTLS_X509_FMT_PEM)) < 0)
		return tls_fail(e, ERR_CONFIG, p->cert_file, rc);
	return 0;
}

static int
tls_setup(struct tls_session *t, const struct tls_policy *p, struct err *e)
{
	const char *errpos = NULL;
	char *prio;
	/* No session tickets: dsmtp never resumes, and a ticket the server
	 * sends after the handshake costs a delayed-ACK wait (~40 ms). */
	int rc = gnutls_init(&t->s, GNUTLS_CLIENT | GNUTLS_NONBLOCK |
					    GNUTLS_NO_TICKETS);

	if (rc < 0)
		return tls_fail(e, ERR_SOFTWARE, "init", rc);
	prio = xasprintf("%s%s", p->priorities ? p->priorities : "NORMAL",
			 TLS_FLOOR);
	rc = gnutls_priority_set_direct(t->s, prio, &errpos);
	free(prio);
	if (rc < 0)
		return tls_fail(e, ERR_CONFIG, "tls_priorities", rc);
	/* RFC 6066: SNI carries host names, never address literals. */
	if (p->host != NULL && !net_is_address(p->host))
		gnutls_server_name_set(t->s, GNUTLS_NAME_DNS, p->host,
				       strlen(p->host));
	gnutls_credentials_set(t->s, GNUTLS_CRD_CERTIFICATE, t->cred);
	if (p->certcheck && p->fingerprint == NULL)
		gnutls_session_set_verify_cert(t->s, p->host, 0);
	gnutls_transport_set_int(t->s, t->fd);
	/* tls_handshake keeps the deadline: GnuTLS's unsigned milliseconds
	 * cannot hold every timeout, and its clock would be a second one. */
	gnutls_handshake_set_timeout(t->s, GNUTLS_INDEFINITE_TIMEOUT);
	return 0;
}

/* The deadline of one call that starts now. */
static long long
tls_deadline(const struct tls_session *t)
{
	return t->deadline > 0 ? t->deadline
			       : net_ms_add(net_now_ms(), t->timeout_ms);
}

/* Wait until the socket is ready in the direction GnuTLS needs. */
static int
tls_wait(struct tls_session *t, long long deadline)
{
	short events = gnutls_record_get_direction(t->s) ? POLLOUT : POLLIN;

	return net_wait_fd(t->fd, events, deadline) > 0 ? 0 : -1;
}

static int
tls_check_pin(struct tls_session *t, const char *fingerprint, struct err *e)
{
	unsigned char want[32], got[32];
	size_t size = sizeof(got);
	const gnutls_datum_t *chain;
	unsigned n = 0;
	int len = tls_parse_fingerprint(fingerprint, want);

	chain = gnutls_certificate_get_peers(t->s, &n);
	if (len < 0 || chain == NULL || n == 0 ||
	    gnutls_fingerprint(tls_pin_digest(len), &chain[0], got, &size) <
		    0 ||
	    size != (size_t)len || memcmp(want, got, size) != 0) {
		err_set(e, ERR_TEMP, _("TLS: the server's certificate does not "
				       "match tls_fingerprint"));
		return -1;
	}
	return 0;
}

/* The names the server's certificate holds (DNS subject alternative
 * names, else its CN), for the error that says they are not host. */
static void
tls_name_mismatch(struct tls_session *t, const char *host, const char *why,
		  struct err *e)
{
	const gnutls_datum_t *certs;
	unsigned int n = 0, i;
	gnutls_x509_crt_t crt;
	struct buf names = { 0 };
	char name[256];
	size_t len;
	int type;

	certs = gnutls_certificate_get_peers(t->s, &n);
	if (certs != NULL && n > 0 && gnutls_x509_crt_init(&crt) == 0) {
		if (gnutls_x509_crt_import(crt, &certs[0],
					   GNUTLS_X509_FMT_DER) == 0) {
			for (i = 0; names.len < 400; i++) {
				len = sizeof(name);
				type = gnutls_x509_crt_get_subject_alt_name(
					crt, i, name, &len, NULL);
				if (type < 0)
					break;
				if (type == GNUTLS_SAN_DNSNAME)
					buf_printf(&names, "%s%.*s",
						   names.len ? ", " : "",
						   (int)len, name);
			}
			len = sizeof(name);
			if (names.len == 0 &&
			    gnutls_x509_crt_get_dn_by_oid(
				    crt, GNUTLS_OID_X520_COMMON_NAME, 0, 0,
				    name, &len) == 0)
				buf_printf(&names, "%.*s", (int)len, name);
		}
		gnutls_x509_crt_deinit(crt);
	}
	err_set(e, ERR_TEMP, _("TLS: the server's certificate is not for %s "
			       "but for %s (%s); set tls_host_override or fix "
			       "host"),
		host, names.len ? buf_cstr(&names) : "?", why ? why : "");
	buf_free(&names);
}

/* The server's chain against p's TLSA records. */
static int
tls_check_dane(struct tls_session *t, const struct tls_policy *p,
	       struct err *e)
{
	struct dane_cert chain[TLS_DANE_CHAIN];
	const gnutls_datum_t *peers;
	unsigned n = 0, i;
	enum dane_result r;

	peers = gnutls_certificate_get_peers(t->s, &n);
	for (i = 0; peers != NULL && i < n && i < TLS_DANE_CHAIN; i++) {
		chain[i].der = peers[i].data;
		chain[i].len = peers[i].size;
	}
	r = dane_check(chain, i, p->tlsa, p->ntlsa, p->host ? p->host : "");
	if (r == DANE_NO_MATCH) {
		err_set(e, ERR_TEMP, _("TLS: no TLSA record of %s matches its "
				       "certificate (DANE)"),
			p->host ? p->host : "?");
		return -1;
	}
	t->verified = r == DANE_MATCH;
	return 0;
}

/* After the handshake: the pin, the TLSA records, or (when the policy
 * did not insist) whether the chain would have passed the CA checks. */
static int
tls_authenticate(struct tls_session *t, const struct tls_policy *p,
		 struct err *e)
{
	unsigned status = 1;

	if (p->fingerprint != NULL) {
		if (tls_check_pin(t, p->fingerprint, e) < 0)
			return -1;
		t->verified = 1;
		return 0;
	}
	if (p->tlsa != NULL)
		return tls_check_dane(t, p, e);
	if (p->certcheck) {
		t->verified = 1;
		return 0;
	}
	if (p->host != NULL &&
	    gnutls_certificate_verify_peers3(t->s, p->host, &status) == 0)
		t->verified = status == 0;
	return 0;
}

static int
tls_handshake(struct tls_session *t, const struct tls_policy *p,
	      struct err *e)
{
	int rc;
	unsigned status;
	gnutls_datum_t why = { NULL, 0 };
	long long deadline = tls_deadline(t);

	do {
		rc = gnutls_handshake(t->s);
		if (rc == GNUTLS_E_AGAIN || rc == GNUTLS_E_INTERRUPTED) {
			if (tls_wait(t, deadline) < 0)
				return tls_fail(e, ERR_TEMP, _("handshake"),
						GNUTLS_E_TIMEDOUT);
			continue;
		}
	} while (rc < 0 && !gnutls_error_is_fatal(rc));
	if (rc == GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR) {
		status = gnutls_session_get_verify_cert_status(t->s);
		gnutls_certificate_verification_status_print(
			status, GNUTLS_CRT_X509, &why, 0);
		while (why.data && why.size > 0 && why.data[why.size - 1] == ' ')
			why.data[--why.size] = '\0';
		if (status & GNUTLS_CERT_UNEXPECTED_OWNER)
			tls_name_mismatch(t, p->host, (char *)why.data, e);
		else
			err_set(e, ERR_TEMP, _("TLS: the server's certificate is "
					       "not trusted: %s"),
				why.data ? (char *)why.data : "");
		gnutls_free(why.data);
		return -1;
	}
	if (rc < 0)
		return tls_fail(e, ERR_TEMP, _("handshake"), rc);
	return tls_authenticate(t, p, e);
}

struct tls_session *
tls_start(int fd, const struct tls_policy *p, struct err *e)
{
	struct tls_session *t = xcalloc(1, sizeof(*t));

	t->fd = fd;
	t->timeout_ms = p->timeout_ms > 0 ? p->timeout_ms : 300000;
	if (p->fingerprint != NULL)
		tls_warn_weak_pin(p->fingerprint);
	if (tls_credentials(t, p, e) < 0 || tls_setup(t, p, e) < 0 ||
	    tls_handshake(t, p, e) < 0) {
		tls_close(t);
		return NULL;
	}
	t->established = 1;
	return t;
}

int
tls_verified(struct tls_session *t)
{
	return t->verified;
}

void
tls_set_deadline(struct tls_session *t, long long deadline)
{
	t->deadline = deadline;
}

ssize_t
tls_read(struct tls_session *t, void *p, size_t n, struct err *e)
{
	long long deadline = tls_deadline(t);
	ssize_t r;

	for (;;) {
		r = gnutls_record_recv(t->s, p, n);
		if (r >= 0)
			return r;
		if (r == GNUTLS_E_PREMATURE_TERMINATION)
			return 0;
		if (r != GNUTLS_E_AGAIN && r != GNUTLS_E_INTERRUPTED) {
			tls_fail(e, ERR_TEMP, _("read"), (int)r);
			return -1;
		}
		if (tls_wait(t, deadline) < 0) {
			err_set(e, ERR_TEMP,
				_("no answer from the server within the timeout "
				  "(%lld s)"), t->timeout_ms / 1000);
			return -1;
		}
	}
}

ssize_t
tls_read_ready(struct tls_session *t, void *p, size_t n)
{
	struct pollfd pfd = { .fd = t->fd, .events = POLLIN };
	ssize_t r;

	if (gnutls_record_check_pending(t->s) == 0 && poll(&pfd, 1, 0) <= 0)
		return 0;
	do
		r = gnutls_record_recv(t->s, p, n);
	while (r == GNUTLS_E_INTERRUPTED);
	return r > 0 ? r : 0;
}

int
tls_write(struct tls_session *t, const void *p, size_t n, struct err *e)
{
	const char *c = p;
	long long deadline = tls_deadline(t);
	ssize_t w;

	while (n > 0) {
		w = gnutls_record_send(t->s, c, n);
		if (w > 0) {
			c += w;
			n -= (size_t)w;
			continue;
		}
		if (w != GNUTLS_E_AGAIN && w != GNUTLS_E_INTERRUPTED)
			return tls_fail(e, ERR_TEMP, _("write"), (int)w);
		if (tls_wait(t, deadline) < 0) {
			err_set(e, ERR_TEMP, _("cannot send to the server: %s"),
				_("timed out"));
			return -1;
		}
	}
	return 0;
}

int
tls_pending(struct tls_session *t)
{
	return gnutls_record_check_pending(t->s) > 0;
}

void
tls_abandon(struct tls_session *t)
{
	t->established = 0;
}

void
tls_close(struct tls_session *t)
{
	if (t == NULL)
		return;
	if (t->s != NULL) {
		if (t->established)
			gnutls_bye(t->s, GNUTLS_SHUT_WR);
		gnutls_deinit(t->s);
	}
	if (t->cred != NULL)
		gnutls_certificate_free_credentials(t->cred);
	free(t);
}

const char *
tls_library(void)
{
	static char text[64];

	snprintf(text, sizeof(text), "GnuTLS %s", gnutls_check_version(NULL));
	return text;
}

const char *
tls_version(struct tls_session *t)
{
	const char *v = gnutls_protocol_get_name(gnutls_protocol_get_version(
		t->s));

	if (v == NULL)
		return "TLS";
	if (strncmp(v, "TLS1.", 5) == 0) {
		static char name[16];

		snprintf(name, sizeof(name), "TLSv%s", v + 3);
		return name;
	}
	return v;
}

const char *
tls_cipher(struct tls_session *t)
{
	static char desc[256];
	char *d = gnutls_session_get_desc(t->s);

	snprintf(desc, sizeof(desc), "%s", d ? d : "?");
	gnutls_free(d);
	return desc;
}

static void
tls_describe_cert(const gnutls_datum_t *der, struct buf *out)
{
	gnutls_x509_crt_t crt;
	unsigned char fp[32];
	size_t fplen = sizeof(fp), i;
	char name[1024], when[64];
	size_t nlen;
	time_t t;
	struct tm tm;

	if (gnutls_x509_crt_init(&crt) < 0)
		return;
	if (gnutls_x509_crt_import(crt, der, GNUTLS_X509_FMT_DER) == 0) {
		nlen = sizeof(name);
		if (gnutls_x509_crt_get_dn(crt, name, &nlen) == 0)
			buf_printf(out, "    %s: %s\n", _("subject"), name);
		nlen = sizeof(name);
		if (gnutls_x509_crt_get_issuer_dn(crt, name, &nlen) == 0)
			buf_printf(out, "    %s: %s\n", _("issuer"), name);
		t = gnutls_x509_crt_get_activation_time(crt);
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC",
			 gmtime_r(&t, &tm));
		buf_printf(out, "    %s: %s\n", _("valid from"), when);
		t = gnutls_x509_crt_get_expiration_time(crt);
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC",
			 gmtime_r(&t, &tm));
		buf_printf(out, "    %s: %s\n", _("valid until"), when);
	}
	if (gnutls_fingerprint(GNUTLS_DIG_SHA256, der, fp, &fplen) == 0) {
		buf_printf(out, "    SHA-256: ");
		for (i = 0; i < fplen; i++)
			buf_printf(out, "%02X%s", fp[i],
				   i + 1 < fplen ? ":" : "\n");
	}
	gnutls_x509_crt_deinit(crt);
}

void
tls_describe_chain(struct tls_session *t, struct buf *out)
{
	const gnutls_datum_t *chain;
	unsigned n = 0, i;

	chain = gnutls_certificate_get_peers(t->s, &n);
	for (i = 0; chain != NULL && i < n; i++) {
		buf_printf(out, "  %s %u:\n", _("certificate"), i + 1);
		tls_describe_cert(&chain[i], out);
	}
}

int
tls_channel_binding(struct tls_session *t, struct buf *out,
		    const char **type)
{
	gnutls_datum_t cb = { NULL, 0 };
	int v13 = gnutls_protocol_get_version(t->s) == GNUTLS_TLS1_3;
	int rc;

	*type = v13 ? "tls-exporter" : "tls-unique";
	rc = gnutls_session_channel_binding(
		t->s, v13 ? GNUTLS_CB_TLS_EXPORTER : GNUTLS_CB_TLS_UNIQUE, &cb);
	if (rc < 0)
		return -1;
	buf_append(out, cb.data, cb.size);
	gnutls_free(cb.data);
	return 0;
}
