/* tls_test.c - unit tests for tls.h
 *
 * Owns: fingerprint parsing, and real handshakes against a small GnuTLS
 *       server in a child process on a socketpair, with a CA and server
 *       certificate made by certtool at test time: trust, host name,
 *       untrusted CA, certcheck off, SHA-256 pins, the TLS 1.2 floor,
 *       version names, channel binding (compared with the server's),
 *       the chain description, SNI, reads, writes, timeouts, deadlines
 *       and close_notify.
 * Not:  when TLS is used (smtp_test.c), sockets (net.c). */

#include <config.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "buf.h"
#include "err.h"
#include "net.h"
#include "tls.h"

#define HOST "mail.example.test"

static char tmpdir[64];
static char ca_pem[128], other_pem[128], srv_pem[128], srv_key[128];
static char missing_pem[128], crl_pem[128], cli_pem[128], cli_key[128];
static char empty_pem[128];
static char fingerprint[32 * 3];   /* the server certificate's, AA:BB:.. */
static int have_certs;

/* ---- fixtures ---- */

static int
run(const char *fmt, ...)
{
	struct buf cmd = { 0 };
	va_list ap;
	int rc;

	buf_append_str(&cmd, "(");
	va_start(ap, fmt);
	buf_vprintf(&cmd, fmt, ap);
	va_end(ap);
	buf_printf(&cmd, ") >/dev/null 2>&1");
	rc = system(cmd.data);
	buf_free(&cmd);
	return rc;
}

static int
write_text(const char *name, const char *text)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	if (f == NULL)
		return -1;
	fputs(text, f);
	return fclose(f);
}

/* The SHA-256 of the server certificate, as tls_fingerprint wants it. */
static int
compute_fingerprint(void)
{
	gnutls_datum_t pem = { NULL, 0 };
	gnutls_x509_crt_t crt;
	unsigned char fp[32];
	size_t len = sizeof(fp), i;
	int rc;

	if (gnutls_load_file(srv_pem, &pem) < 0)
		return -1;
	gnutls_x509_crt_init(&crt);
	rc = gnutls_x509_crt_import(crt, &pem, GNUTLS_X509_FMT_PEM);
	if (rc == 0)
		rc = gnutls_x509_crt_get_fingerprint(crt, GNUTLS_DIG_SHA256, fp,
						     &len);
	gnutls_x509_crt_deinit(crt);
	gnutls_free(pem.data);
	if (rc < 0 || len != 32)
		return -1;
	for (i = 0; i < 32; i++)
		sprintf(fingerprint + 3 * i, "%02X%s", fp[i],
			i < 31 ? ":" : "");
	return 0;
}

static int
make_certs(void)
{
	if (run("command -v certtool") != 0)
		return -1;
	if (write_text("ca.tmpl", "cn = \"dsmtp test CA\"\nca\n"
				  "cert_signing_key\nexpiration_days = 30\n") ||
	    write_text("other.tmpl", "cn = \"some other CA\"\nca\n"
				     "cert_signing_key\n"
				     "expiration_days = 30\n") ||
	    write_text("srv.tmpl", "cn = \"" HOST "\"\n"
				   "dns_name = \"" HOST "\"\n"
				   "tls_www_server\nsigning_key\n"
				   "encryption_key\nexpiration_days = 30\n") ||
	    write_text("cli.tmpl", "cn = \"dsmtp client\"\n"
				   "tls_www_client\nsigning_key\n"
				   "expiration_days = 30\n") ||
	    write_text("crl.tmpl", "crl_next_update = 30\ncrl_number = 1\n") ||
	    write_text("empty.pem", "no certificates here\n"))
		return -1;
	if (run("cd '%s' && "
		"certtool --generate-privkey --key-type=ecdsa --outfile ca.key"
		" && certtool --generate-self-signed --load-privkey ca.key "
		"--template ca.tmpl --outfile ca.pem && "
		"certtool --generate-privkey --key-type=ecdsa "
		"--outfile other.key && certtool --generate-self-signed "
		"--load-privkey other.key --template other.tmpl "
		"--outfile other.pem && "
		"certtool --generate-privkey --key-type=ecdsa --outfile srv.key"
		" && certtool --generate-certificate --load-privkey srv.key "
		"--load-ca-certificate ca.pem --load-ca-privkey ca.key "
		"--template srv.tmpl --outfile srv.pem && "
		"certtool --generate-privkey --key-type=ecdsa --outfile cli.key"
		" && certtool --generate-certificate --load-privkey cli.key "
		"--load-ca-certificate ca.pem --load-ca-privkey ca.key "
		"--template cli.tmpl --outfile cli.pem && "
		"certtool --generate-crl --load-ca-privkey ca.key "
		"--load-ca-certificate ca.pem --load-certificate srv.pem "
		"--template crl.tmpl --outfile crl.pem", tmpdir) != 0)
		return -1;
	return compute_fingerprint();
}

static int
setup(void **state)
{
	(void)state;
	signal(SIGPIPE, SIG_IGN);
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/tls_test.XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	snprintf(ca_pem, sizeof(ca_pem), "%s/ca.pem", tmpdir);
	snprintf(other_pem, sizeof(other_pem), "%s/other.pem", tmpdir);
	snprintf(srv_pem, sizeof(srv_pem), "%s/srv.pem", tmpdir);
	snprintf(srv_key, sizeof(srv_key), "%s/srv.key", tmpdir);
	snprintf(missing_pem, sizeof(missing_pem), "%s/missing.pem", tmpdir);
	snprintf(crl_pem, sizeof(crl_pem), "%s/crl.pem", tmpdir);
	snprintf(cli_pem, sizeof(cli_pem), "%s/cli.pem", tmpdir);
	snprintf(cli_key, sizeof(cli_key), "%s/cli.key", tmpdir);
	snprintf(empty_pem, sizeof(empty_pem), "%s/empty.pem", tmpdir);
	have_certs = make_certs() == 0;
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	return run("rm -rf '%s'", tmpdir) == 0 ? 0 : -1;
}

/* ---- the server ---- */

/* Exit codes of the server child. */
enum {
	SRV_CLEAN = 0,      /* handshake, then close_notify from the client */
	SRV_HANDSHAKE = 1,  /* the handshake failed */
	SRV_ABRUPT = 2,     /* the connection ended without close_notify */
	SRV_SETUP = 3
};

static void
hex(const unsigned char *p, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
	out[2 * n] = '\0';
}

/* The CN of the client's certificate, or "-". */
static void
client_cn(gnutls_session_t s, char *cn, size_t size)
{
	const gnutls_datum_t *chain;
	gnutls_x509_crt_t crt;
	unsigned n = 0;

	snprintf(cn, size, "-");
	chain = gnutls_certificate_get_peers(s, &n);
	if (chain == NULL || n == 0 || gnutls_x509_crt_init(&crt) < 0)
		return;
	if (gnutls_x509_crt_import(crt, &chain[0], GNUTLS_X509_FMT_DER) < 0 ||
	    gnutls_x509_crt_get_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0,
					  0, cn, &size) < 0)
		snprintf(cn, size, "?");
	gnutls_x509_crt_deinit(crt);
}

/* After the handshake: send "SNI CBHEX CLIENTCN\n" ("-" for none), then
 * echo what comes until the client closes. */
static int
serve_session(gnutls_session_t s)
{
	char name[256], line[640], cbhex[130] = "-", buf[1024], cn[128];
	size_t len = sizeof(name);
	unsigned type;
	gnutls_datum_t cb = { NULL, 0 };
	gnutls_channel_binding_t kind =
		gnutls_protocol_get_version(s) == GNUTLS_TLS1_3
			? GNUTLS_CB_TLS_EXPORTER : GNUTLS_CB_TLS_UNIQUE;
	ssize_t n;

	if (gnutls_server_name_get(s, name, &len, &type, 0) < 0)
		strcpy(name, "-");
	if (gnutls_session_channel_binding(s, kind, &cb) == 0 &&
	    cb.size <= 64)
		hex(cb.data, cb.size, cbhex);
	gnutls_free(cb.data);
	client_cn(s, cn, sizeof(cn));
	snprintf(line, sizeof(line), "%s %s %s\n", name, cbhex, cn);
	if (gnutls_record_send(s, line, strlen(line)) < 0)
		return SRV_ABRUPT;
	for (;;) {
		do
			n = gnutls_record_recv(s, buf, sizeof(buf));
		while (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED);
		if (n == 0)
			return SRV_CLEAN;
		if (n < 0)
			return SRV_ABRUPT;
		if (gnutls_record_send(s, buf, (size_t)n) < 0)
			return SRV_ABRUPT;
	}
}

/* The server reports its exit code through this pipe too: under
 * valgrind a child's exit status may be valgrind's own. */
static int result_fd = -1;

static void
server_exit(int code)
{
	char c = (char)code;

	if (write(result_fd, &c, 1) != 1)
		code = SRV_SETUP;
	_exit(code);
}

static void
server(int fd, const char *prio)
{
	gnutls_certificate_credentials_t cred;
	gnutls_session_t s;
	int rc, code = SRV_SETUP;

	gnutls_certificate_allocate_credentials(&cred);
	if (gnutls_certificate_set_x509_key_file(cred, srv_pem, srv_key,
						 GNUTLS_X509_FMT_PEM) < 0)
		server_exit(SRV_SETUP);
	gnutls_init(&s, GNUTLS_SERVER);
	if (gnutls_priority_set_direct(s, prio ? prio : "NORMAL", NULL) == 0) {
		gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, cred);
		gnutls_certificate_server_set_request(s, GNUTLS_CERT_REQUEST);
		gnutls_transport_set_int(s, fd);
		gnutls_handshake_set_timeout(s, 20000);
		do
			rc = gnutls_handshake(s);
		while (rc < 0 && !gnutls_error_is_fatal(rc));
		code = rc < 0 ? SRV_HANDSHAKE : serve_session(s);
		if (code == SRV_CLEAN)
			gnutls_bye(s, GNUTLS_SHUT_WR);
	}
	gnutls_deinit(s);
	gnutls_certificate_free_credentials(cred);
	close(fd);
	server_exit(code);
}

struct conn {
	pid_t pid;
	int fd;      /* the client's end, non-blocking */
	int result;  /* the server's exit code comes here */
};

static void
conn_open(struct conn *c, const char *server_prio)
{
	int sv[2], rp[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(pipe(rp), 0);
	fflush(NULL);
	c->pid = fork();
	assert_true(c->pid >= 0);
	if (c->pid == 0) {
		close(sv[0]);
		close(rp[0]);
		result_fd = rp[1];
		server(sv[1], server_prio);
	}
	close(sv[1]);
	close(rp[1]);
	c->fd = sv[0];
	c->result = rp[0];
	assert_int_equal(fcntl(c->fd, F_SETFL,
			       fcntl(c->fd, F_GETFL) | O_NONBLOCK), 0);
}

/* Close our end and return the server's exit code. */
static int
conn_close(struct conn *c)
{
	int status = 0;
	char code = -1;

	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	if (read(c->result, &code, 1) != 1)
		code = -1;
	close(c->result);
	assert_int_equal(waitpid(c->pid, &status, 0), c->pid);
	assert_true(WIFEXITED(status));
	return code;
}

static void
policy(struct tls_policy *p, const char *trust, const char *host)
{
	memset(p, 0, sizeof(*p));
	p->host = host;
	p->trust_file = trust;
	p->certcheck = 1;
	p->timeout_ms = 20000;
}

/* Handshake with p; on success the session, else NULL with e set. The
 * server is reaped on failure (want its code there). */
static struct tls_session *
start(struct conn *c, const struct tls_policy *p, const char *server_prio,
      struct err *e)
{
	struct tls_session *t;

	conn_open(c, server_prio);
	t = tls_start(c->fd, p, e);
	if (t == NULL)
		conn_close(c);
	return t;
}

/* Expect tls_start to fail with class cls. */
static void
check_refused(const struct tls_policy *p, enum err_class cls)
{
	struct conn c;
	struct err e = { 0 };
	struct tls_session *t;
	enum err_class got;
	int named;

	if (!have_certs)
		skip();
	t = start(&c, p, NULL, &e);
	if (t != NULL) {
		tls_close(t);
		conn_close(&c);
		fail_msg("handshake succeeded");
	}
	/* Cleared before asserting: a leak here would show in every later
	 * server child under valgrind. */
	got = e.cls;
	named = e.msg != NULL && strncmp(e.msg, "TLS", 3) == 0;
	if (got != cls)
		fprintf(stderr, "%s\n", e.msg ? e.msg : "");
	err_clear(&e);
	assert_int_equal(got, cls);
	assert_true(named);
}

/* Read one line (up to '\n') from the session. */
static void
read_line(struct tls_session *t, struct buf *line)
{
	struct err e = { 0 };
	char ch;
	ssize_t n;

	buf_reset(line);
	for (;;) {
		n = tls_read(t, &ch, 1, &e);
		if (n != 1)
			fail_msg("tls_read: %zd %s", n, e.msg ? e.msg : "");
		if (ch == '\n')
			break;
		buf_append_char(line, ch);
	}
	buf_cstr(line);
}

/* A full session: handshake, the server's SNI and binding line, an
 * echo, the chain description, close_notify. */
static void
check_session(const struct tls_policy *p, const char *server_prio,
	      const char *want_version)
{
	struct conn c;
	struct err e = { 0 };
	struct tls_session *t;
	struct buf line = { 0 }, cb = { 0 }, desc = { 0 }, want = { 0 };
	const char *type = NULL, *v;
	char cbhex[130], echo[16];
	size_t got = 0;
	ssize_t n;

	if (!have_certs)
		skip();
	t = start(&c, p, server_prio, &e);
	if (t == NULL)
		fail_msg("tls_start: %s", e.msg ? e.msg : "");
	assert_int_equal(e.cls, ERR_NONE);

	v = tls_version(t);
	if (want_version != NULL)
		assert_string_equal(v, want_version);
	else if (strcmp(v, "TLSv1.2") != 0 && strcmp(v, "TLSv1.3") != 0)
		fail_msg("version %s", v);
	assert_true(strlen(tls_cipher(t)) > 3);

	/* Channel binding: the server's own value, of the right kind. */
	assert_int_equal(tls_channel_binding(t, &cb, &type), 0);
	assert_non_null(type);
	if (strcmp(v, "TLSv1.3") == 0) {
		assert_string_equal(type, "tls-exporter");
		assert_int_equal(cb.len, 32);
	} else {
		assert_string_equal(type, "tls-unique");
		assert_int_equal(cb.len, 12);
	}
	hex((unsigned char *)cb.data, cb.len, cbhex);
	read_line(t, &line);
	/* SNI is the policy's host name; the binding is the server's; the
	 * client certificate when one is configured. */
	buf_printf(&want, "%s %s %s", p->host, cbhex,
		   p->cert_file != NULL ? "dsmtp client" : "-");
	assert_string_equal(line.data, want.data);

	/* Echo. */
	assert_int_equal(tls_write(t, "ping\r\n", 6, &e), 0);
	while (got < 6) {
		n = tls_read(t, echo + got, sizeof(echo) - got, &e);
		assert_true(n > 0);
		got += (size_t)n;
	}
	assert_memory_equal(echo, "ping\r\n", 6);
	assert_false(tls_pending(t));

	tls_describe_chain(t, &desc);
	assert_non_null(strstr(desc.data, "CN=" HOST));
	assert_non_null(strstr(desc.data, "CN=dsmtp test CA"));
	assert_non_null(strstr(desc.data, "SHA-256: "));
	assert_non_null(strstr(desc.data, fingerprint));

	tls_close(t);
	/* The server saw close_notify, not a cut connection. */
	assert_int_equal(conn_close(&c), SRV_CLEAN);
	buf_free(&line);
	buf_free(&cb);
	buf_free(&desc);
	buf_free(&want);
}

/* ---- tests ---- */

static const char good_fp[] =
	"00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:"
	"a0:b1:c2:d3:e4:f5:06:17:28:39:4a:5b:6c:7d:8e:9f";

static void
test_fingerprint_good(void **state)
{
	unsigned char out[32];
	static const unsigned char want[32] = {
		0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
		0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff,
		0xa0, 0xb1, 0xc2, 0xd3, 0xe4, 0xf5, 0x06, 0x17,
		0x28, 0x39, 0x4a, 0x5b, 0x6c, 0x7d, 0x8e, 0x9f
	};

	(void)state;
	assert_int_equal(tls_parse_fingerprint(good_fp, out), 32);
	assert_memory_equal(out, want, 32);
}

static int
fp_refused(const char *s)
{
	unsigned char out[32];

	return tls_parse_fingerprint(s, out) == -1;
}

/* The first k pairs of good_fp, parsed: what tls_parse_fingerprint says. */
static int
fp_pairs(size_t k, unsigned char out[32])
{
	char s[sizeof(good_fp)];

	memcpy(s, good_fp, k * 3 - 1);
	s[k * 3 - 1] = '\0';
	return tls_parse_fingerprint(s, out);
}

/* SHA-1 (20 pairs) and MD5 (16 pairs) pins, as msmtp still takes. */
static void
test_fingerprint_weak(void **state)
{
	unsigned char out[32];
	char s[sizeof(good_fp)];
	size_t k;

	(void)state;
	assert_int_equal(fp_pairs(20, out), 20);
	assert_int_equal(out[0], 0x00);
	assert_int_equal(out[16], 0xa0);
	assert_int_equal(out[19], 0xd3);
	assert_int_equal(fp_pairs(16, out), 16);
	assert_int_equal(out[15], 0xff);
	/* Every other length stays refused. */
	for (k = 1; k < 32; k++)
		if (k != 16 && k != 20)
			assert_int_equal(fp_pairs(k, out), -1);
	/* A trailing ':' after 20 pairs; a bad digit in a SHA-1 pin. */
	memcpy(s, good_fp, 20 * 3);
	s[20 * 3] = '\0';
	assert_true(fp_refused(s));
	s[20 * 3 - 1] = '\0';
	s[57] = 'g';
	assert_true(fp_refused(s));
}

/* good_fp with the character at i replaced by c. */
static int
fp_refused_with(size_t i, char c)
{
	char s[sizeof(good_fp)];

	memcpy(s, good_fp, sizeof(good_fp));
	s[i] = c;
	return fp_refused(s);
}

static void
test_fingerprint_bad(void **state)
{
	char s[sizeof(good_fp) + 3];

	(void)state;
	/* Wrong length: 31 and 33 pairs, a trailing ':', empty. */
	assert_true(fp_refused(good_fp + 3));
	snprintf(s, sizeof(s), "%s:00", good_fp);
	assert_true(fp_refused(s));
	snprintf(s, sizeof(s), "%s:", good_fp);
	assert_true(fp_refused(s));
	assert_true(fp_refused(""));
	/* A separator that is not ':' (first, middle, last). */
	assert_true(fp_refused_with(2, '-'));
	assert_true(fp_refused_with(47, ' '));
	assert_true(fp_refused_with(92, '.'));
	/* Non-hex first digits. */
	assert_true(fp_refused_with(0, 'G'));
	assert_true(fp_refused_with(93, 'z'));
	assert_true(fp_refused_with(48, ':'));
	/* Without colons at all: 64 hex digits. */
	assert_true(fp_refused("00112233445566778899AABBCCDDEEFF"
			       "A0B1C2D3E4F5061728394A5B6C7D8E9F"));
}

/* Pairs that are not two hex digits. Regression: each pair was read with
 * sscanf("%2x"), which stops at the first non-hex character, skips
 * leading white space and accepts a sign, so good_fp with its first pair
 * replaced by "0g", "1 ", "+1", " 1" or "-1" was accepted. */
static void
test_fingerprint_not_hex(void **state)
{
	struct buf accepted = { 0 };
	static const char *const pairs[] = { "0g", "1 ", "+1", " 1", "-1",
					     "\t1", "9z" };
	char s[sizeof(good_fp)];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		memcpy(s, good_fp, sizeof(good_fp));
		memcpy(s, pairs[i], 2);
		if (!fp_refused(s))
			buf_printf(&accepted, " \"%s\"", pairs[i]);
	}
	if (accepted.len > 0) {
		fprintf(stderr, "accepted as a pair:%s\n", accepted.data);
		buf_free(&accepted);
		fail();
	}
}

static void
test_trusted(void **state)
{
	struct tls_policy p;

	(void)state;
	policy(&p, ca_pem, HOST);
	check_session(&p, NULL, NULL);
}

static void
test_tls13(void **state)
{
	struct tls_policy p;

	(void)state;
	policy(&p, ca_pem, HOST);
	check_session(&p, "NORMAL:-VERS-ALL:+VERS-TLS1.3", "TLSv1.3");
}

static void
test_tls12(void **state)
{
	struct tls_policy p;

	(void)state;
	policy(&p, ca_pem, HOST);
	check_session(&p, "NORMAL:-VERS-ALL:+VERS-TLS1.2", "TLSv1.2");
	/* Or limited on our side. */
	p.priorities = "NORMAL:-VERS-TLS1.3";
	check_session(&p, NULL, "TLSv1.2");
}

/* Host names compare without case. */
static void
test_host_case(void **state)
{
	struct tls_policy p;

	(void)state;
	policy(&p, ca_pem, "MAIL.Example.TEST");
	if (!have_certs)
		skip();
	{
		struct conn c;
		struct err e = { 0 };
		struct tls_session *t = start(&c, &p, NULL, &e);

		if (t == NULL)
			fail_msg("tls_start: %s", e.msg ? e.msg : "");
		tls_close(t);
		conn_close(&c);
	}
}

static void
test_wrong_host(void **state)
{
	struct tls_policy p;

	(void)state;
	policy(&p, ca_pem, "other.example.test");
	check_refused(&p, ERR_TEMP);
	policy(&p, ca_pem, "example.test");
	check_refused(&p, ERR_TEMP);
}

static void
test_untrusted_ca(void **state)
{
	struct tls_policy p;

	(void)state;
	policy(&p, other_pem, HOST);
	check_refused(&p, ERR_TEMP);
}

static void
test_certcheck_off(void **state)
{
	struct tls_policy p;

	(void)state;
	policy(&p, other_pem, "other.example.test");
	p.certcheck = 0;
	check_session(&p, NULL, NULL);
	/* Even with an unreadable trust file. */
	policy(&p, missing_pem, HOST);
	p.certcheck = 0;
	check_session(&p, NULL, NULL);
}

static void
test_pin(void **state)
{
	struct tls_policy p;
	char lower[sizeof(fingerprint)];
	size_t i;

	(void)state;
	if (!have_certs)
		skip();
	/* The pin replaces the CA and name checks. */
	policy(&p, other_pem, "other.example.test");
	p.fingerprint = fingerprint;
	check_session(&p, NULL, NULL);
	for (i = 0; i < sizeof(fingerprint); i++)
		lower[i] = (char)(fingerprint[i] >= 'A' && fingerprint[i] <= 'F'
					  ? fingerprint[i] + 32
					  : fingerprint[i]);
	p.fingerprint = lower;
	check_session(&p, NULL, NULL);
}

static void
test_pin_wrong(void **state)
{
	struct tls_policy p;
	char wrong[sizeof(fingerprint)];

	(void)state;
	if (!have_certs)
		skip();
	memcpy(wrong, fingerprint, sizeof(wrong));
	wrong[0] = wrong[0] == '0' ? '1' : '0';
	/* Wrong even where the CA and name would pass. */
	policy(&p, ca_pem, HOST);
	p.fingerprint = wrong;
	check_refused(&p, ERR_TEMP);
	/* An unrelated fingerprint. */
	p.fingerprint = good_fp;
	check_refused(&p, ERR_TEMP);
}

/* A CRL that revokes the server's certificate. */
static void
test_crl(void **state)
{
	struct tls_policy p;

	(void)state;
	policy(&p, ca_pem, HOST);
	p.crl_file = crl_pem;
	check_refused(&p, ERR_TEMP);
	/* A CRL that cannot be read. */
	if (!have_certs)
		skip();
	p.crl_file = missing_pem;
	check_refused(&p, ERR_CONFIG);
}

static void
test_client_cert(void **state)
{
	struct tls_policy p;

	(void)state;
	policy(&p, ca_pem, HOST);
	p.cert_file = cli_pem;
	p.key_file = cli_key;
	check_session(&p, NULL, NULL);
	check_session(&p, "NORMAL:-VERS-TLS1.3", "TLSv1.2");
	/* A key file that is not there. */
	p.key_file = missing_pem;
	check_refused(&p, ERR_CONFIG);
}

/* BUG: a trust file that holds no certificate (a typo'd path to the
 * wrong file, here one line of text) is taken as an empty trust list:
 * gnutls_certificate_set_x509_trust_file returns 0, not an error, so the
 * failure shows as the server being untrusted (ERR_TEMP) rather than as
 * an unusable local file (ERR_CONFIG, tls.h). */
static void
test_trust_file_without_certs(void **state)
{
	struct tls_policy p;

	(void)state;
	policy(&p, empty_pem, HOST);
	check_refused(&p, ERR_CONFIG);
}

static void
test_missing_trust_file(void **state)
{
	struct tls_policy p;
	struct err e = { 0 };
	struct tls_session *t;
	int sv[2];

	(void)state;
	/* Refused before a byte is sent: no server needed. */
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	policy(&p, missing_pem, HOST);
	t = tls_start(sv[0], &p, &e);
	assert_null(t);
	assert_int_equal(e.cls, ERR_CONFIG);
	assert_non_null(strstr(e.msg, "missing.pem"));
	err_clear(&e);
	close(sv[0]);
	close(sv[1]);
}

/* A refused priority string is ERR_CONFIG. Regression: tls_setup failing
 * after gnutls_init made tls_start call tls_close, whose gnutls_bye on a
 * session that never started a handshake crashed in gnutls_alert_send
 * (SIGSEGV). Shown by tls_priorities "NO-SUCH-PRIORITY", and by a string
 * the TLS 1.2 floor leaves without any version,
 * "NORMAL:-VERS-ALL:+VERS-TLS1.1". */
static void
test_bad_priorities(void **state)
{
	static const char *const prios[] = {
		"NO-SUCH-PRIORITY", "NORMAL:-VERS-ALL:+VERS-TLS1.1"
	};
	struct tls_policy p;
	struct err e = { 0 };
	struct tls_session *t;
	size_t i;
	int sv[2];

	(void)state;
	for (i = 0; i < sizeof(prios) / sizeof(prios[0]); i++) {
		assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
		policy(&p, ca_pem, HOST);
		p.priorities = prios[i];
		t = tls_start(sv[0], &p, &e);
		close(sv[0]);
		close(sv[1]);
		assert_null(t);
		assert_int_equal(e.cls, ERR_CONFIG);
		assert_non_null(strstr(e.msg, "tls_priorities"));
		err_clear(&e);
	}
}

/* The version a plain GnuTLS client with "NORMAL" negotiates with a
 * server using server_prio; GNUTLS_VERSION_UNKNOWN when it cannot. */
static gnutls_protocol_t
plain_client_version(const char *server_prio)
{
	gnutls_certificate_credentials_t cred;
	gnutls_session_t s;
	gnutls_protocol_t v = GNUTLS_VERSION_UNKNOWN;
	struct conn c;
	int rc;

	conn_open(&c, server_prio);
	fcntl(c.fd, F_SETFL, fcntl(c.fd, F_GETFL) & ~O_NONBLOCK);
	gnutls_certificate_allocate_credentials(&cred);
	gnutls_init(&s, GNUTLS_CLIENT);
	gnutls_priority_set_direct(s, "NORMAL", NULL);
	gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, cred);
	gnutls_transport_set_int(s, c.fd);
	do
		rc = gnutls_handshake(s);
	while (rc < 0 && !gnutls_error_is_fatal(rc));
	if (rc == 0) {
		v = gnutls_protocol_get_version(s);
		gnutls_bye(s, GNUTLS_SHUT_WR);
	}
	gnutls_deinit(s);
	gnutls_certificate_free_credentials(cred);
	conn_close(&c);
	return v;
}

/* A server that speaks only TLS 1.0 and 1.1 is refused, although GnuTLS's
 * NORMAL would talk TLS 1.1 to it. */
static void
test_floor(void **state)
{
	static const char old[] = "NORMAL:-VERS-ALL:+VERS-TLS1.1:+VERS-TLS1.0";
	struct tls_policy p;

	(void)state;
	policy(&p, ca_pem, HOST);
	if (!have_certs)
		skip();
	/* Without the floor this server would be accepted. */
	if (plain_client_version(old) != GNUTLS_TLS1_1)
		skip();
	{
		struct conn c;
		struct err e = { 0 };
		struct tls_session *t;

		t = start(&c, &p, old, &e);
		if (t != NULL)
			fail_msg("negotiated %s", tls_version(t));
		assert_int_equal(e.cls, ERR_TEMP);
		err_clear(&e);
	}
}

/* tls_read with timeout_ms fails (ERR_TEMP) after min_ms to max_ms; with
 * deadline_ms > 0 a deadline that far ahead is set first. */
static void
read_fails_in(long long timeout_ms, long long deadline_ms, long long min_ms,
	      long long max_ms)
{
	struct tls_policy p;
	struct conn c;
	struct err e = { 0 };
	struct tls_session *t;
	struct buf line = { 0 };
	char ch;
	long long t0, took;

	if (!have_certs)
		skip();
	policy(&p, ca_pem, HOST);
	p.timeout_ms = timeout_ms;
	t = start(&c, &p, NULL, &e);
	if (t == NULL)
		fail_msg("tls_start: %s", e.msg ? e.msg : "");
	read_line(t, &line);
	t0 = net_now_ms();
	/* Nothing is there: tls_read_ready returns at once. */
	assert_int_equal(tls_read_ready(t, &ch, 1), 0);
	if (deadline_ms > 0)
		tls_set_deadline(t, t0 + deadline_ms);
	assert_int_equal(tls_read(t, &ch, 1, &e), -1);
	assert_int_equal(e.cls, ERR_TEMP);
	took = net_now_ms() - t0;
	if (took < min_ms || took > max_ms)
		fail_msg("tls_read gave up after %lld ms", took);
	err_clear(&e);
	tls_close(t);
	conn_close(&c);
	buf_free(&line);
}

/* tls_read waits up to the timeout, then fails. */
static void
test_read_timeout(void **state)
{
	(void)state;
	read_fails_in(1500, 0, 1400, 10000);
}

/* A deadline set for the session ends a read long before its timeout. */
static void
test_read_deadline(void **state)
{
	(void)state;
	read_fails_in(60000, 300, 250, 3000);
}

/* A connection cut without close_notify reads as end of stream. */
static void
test_read_eof(void **state)
{
	struct tls_policy p;
	struct conn c;
	struct err e = { 0 };
	struct tls_session *t;
	struct buf line = { 0 };
	char ch;

	(void)state;
	if (!have_certs)
		skip();
	policy(&p, ca_pem, HOST);
	t = start(&c, &p, NULL, &e);
	if (t == NULL)
		fail_msg("tls_start: %s", e.msg ? e.msg : "");
	read_line(t, &line);
	/* Cut the connection under the session: the server's next read
	 * ends, it exits, and our read sees the end. */
	shutdown(c.fd, SHUT_WR);
	assert_int_equal(tls_read(t, &ch, 1, &e), 0);
	tls_close(t);
	assert_int_equal(conn_close(&c), SRV_ABRUPT);
	buf_free(&line);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fingerprint_good),
		cmocka_unit_test(test_fingerprint_weak),
		cmocka_unit_test(test_fingerprint_bad),
		cmocka_unit_test(test_fingerprint_not_hex),
		cmocka_unit_test(test_trusted),
		cmocka_unit_test(test_tls13),
		cmocka_unit_test(test_tls12),
		cmocka_unit_test(test_host_case),
		cmocka_unit_test(test_wrong_host),
		cmocka_unit_test(test_untrusted_ca),
		cmocka_unit_test(test_certcheck_off),
		cmocka_unit_test(test_pin),
		cmocka_unit_test(test_pin_wrong),
		cmocka_unit_test(test_crl),
		cmocka_unit_test(test_client_cert),
		cmocka_unit_test(test_trust_file_without_certs),
		cmocka_unit_test(test_missing_trust_file),
		cmocka_unit_test(test_floor),
		cmocka_unit_test(test_read_timeout),
		cmocka_unit_test(test_read_deadline),
		cmocka_unit_test(test_read_eof),
		/* Last: should it crash again, what it leaks would show in
		 * every later server child under valgrind. */
		cmocka_unit_test(test_bad_priorities),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
