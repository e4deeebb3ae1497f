/* fuzz_session.c - libFuzzer target for a whole SMTP client session
 *
 * The first input byte chooses the client's settings (AUTH and its
 * mechanism, DSN parameters, SMTPUTF8, STARTTLS, one or two recipients);
 * the rest is everything the server says. A thread plays the server on a
 * Unix socket: it sends those bytes at once, closes its side for writing
 * and reads whatever dsmtp sends until dsmtp hangs up. dsmtp runs
 * smtp_open (greeting, EHLO/HELO, STARTTLS, AUTH), smtp_send and
 * smtp_close, as a delivery does. */

#include <config.h>

#include <pthread.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "fuzz.h"
#include "message.h"
#include "sasl.h"
#include "smtp.h"

static const char fuzz_msg[] = "From: a@example.org\nTo: b@example.org\n"
			       "Subject: fuzz\n\nbody\n.dot\n";

static char fuzz_dir[64], fuzz_path[96];
static int fuzz_listen = -1;

struct fuzz_server {
	const uint8_t *data;
	size_t size;
};

static void
fuzz_cleanup(void)
{
	unlink(fuzz_path);
	rmdir(fuzz_dir);
}

static void
fuzz_setup(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };

	snprintf(fuzz_dir, sizeof(fuzz_dir), "/tmp/dsmtp-fuzz-XXXXXX");
	if (mkdtemp(fuzz_dir) == NULL)
		abort();
	snprintf(fuzz_path, sizeof(fuzz_path), "%s/s", fuzz_dir);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", fuzz_path);
	fuzz_listen = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fuzz_listen < 0 ||
	    bind(fuzz_listen, (struct sockaddr *)&sun, sizeof(sun)) < 0 ||
	    listen(fuzz_listen, 4) < 0)
		abort();
	atexit(fuzz_cleanup);
}

static void *
fuzz_serve(void *arg)
{
	const struct fuzz_server *srv = arg;
	char sink[4096];
	size_t off = 0;
	ssize_t n;
	int fd = accept4(fuzz_listen, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return NULL;
	while (off < srv->size &&
	       (n = write(fd, srv->data + off, srv->size - off)) > 0)
		off += (size_t)n;
	shutdown(fd, SHUT_WR);
	while (read(fd, sink, sizeof(sink)) > 0)
		;
	close(fd);
	return NULL;
}

static const int fuzz_mechs[] = {
	SASL_NONE,     SASL_PLAIN,  SASL_LOGIN,       SASL_CRAM_MD5,
	SASL_SCRAM_SHA_256, SASL_XOAUTH2, SASL_OAUTHBEARER, SASL_EXTERNAL,
};

static void
fuzz_target(struct smtp_target *t, unsigned f)
{
	memset(t, 0, sizeof(*t));
	t->host = "relay.example";
	t->port = 25;
	t->socket_path = fuzz_path;
	t->timeout = 5;
	t->helo = "client.example";
	t->tls = (f & 0x40) ? SMTP_TLS_STARTTLS : SMTP_TLS_OFF;
	t->tls_policy.host = "relay.example";
	t->tls_policy.certcheck = 0;
	t->tls_policy.timeout_ms = 5000;
	t->auth.enabled = f & 1;
	t->auth.mech = fuzz_mechs[(f >> 1) & 7];
	t->auth.user = "user";
	t->auth.secret = "pencil";
	t->auth.host = "relay.example";
	t->auth.port = 25;
}

static void
fuzz_transaction(struct smtp_session *s, unsigned f)
{
	struct smtp_rcpt rcpts[2] = { { .addr = "b@example.org" },
				      { .addr = "c@example.org" } };
	struct smtp_envelope env = { 0 };
	struct message m = { 0 };
	struct message_intake in = { 0 };
	struct err e = { 0 };
	char *last = NULL;
	int fd = fuzz_memfd(fuzz_msg, sizeof(fuzz_msg) - 1);

	in.max_header = 65536;
	in.tmpdir = "/tmp";
	m.body_fd = -1;
	if (message_read(fd, &in, &m, &e) < 0)
		abort();
	close(fd);
	env.from = (f & 0x10) ? "" : "a@example.org";
	env.rcpts = rcpts;
	env.nrcpts = (f & 0x80) ? 2 : 1;
	env.notify = (f & 0x10) ? "FAILURE,DELAY" : NULL;
	env.ret = (f & 0x10) ? "HDRS" : NULL;
	env.envid = (f & 0x10) ? "id+2B1" : NULL;
	env.utf8_required = (f & 0x20) != 0;
	smtp_send(s, &m, &env, &last, &e);
	free(last);
	free(rcpts[0].reply);
	free(rcpts[1].reply);
	message_free(&m);
	err_clear(&e);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_server srv;
	struct smtp_target t;
	struct smtp_session s;
	struct err e = { 0 };
	pthread_t th;
	unsigned f = fuzz_flags(&data, &size);

	if (fuzz_listen < 0)
		fuzz_setup();
	srv.data = data;
	srv.size = size;
	if (pthread_create(&th, NULL, fuzz_serve, &srv) != 0)
		abort();
	fuzz_target(&t, f);
	if (smtp_open(&s, &t, &e) == 0)
		fuzz_transaction(&s, f);
	smtp_close(&s);
	err_clear(&e);
	pthread_join(th, NULL);
	return 0;
}
