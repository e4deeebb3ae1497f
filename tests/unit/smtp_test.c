/* smtp_test.c - unit tests for smtp.h
 *
 * Owns: EHLO keyword parsing, xtext, and reading replies from a socketpair
 *       the test writes to (single and multi-line replies, enhanced codes,
 *       and every way a reply can be broken, a reply trickled past its
 *       deadline), the deadline of a whole write, the overflow-safe time
 *       arithmetic of net.h, the session budget, "too many recipients",
 *       data nobody asked for, the SOCKS5 exchange (net_socks5).
 * Not:  whole sessions against a server (tests/integration). */

#include <config.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "buf.h"
#include "err.h"
#include "net.h"
#include "smtp.h"

/* A connection whose other end the test holds. */
struct pair {
	struct net n;
	int peer;
};

static void
pair_open(struct pair *p, int timeout_ms)
{
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	memset(&p->n, 0, sizeof(p->n));
	p->n.fd = sv[0];
	p->n.timeout_ms = timeout_ms;
	/* Non-blocking, so a reader that waits too long meets the timeout
	 * instead of hanging the test. */
	assert_int_equal(fcntl(sv[0], F_SETFL,
			       fcntl(sv[0], F_GETFL) | O_NONBLOCK), 0);
	p->peer = sv[1];
}

static void
pair_send(struct pair *p, const char *s, size_t len)
{
	ssize_t w;

	while (len > 0) {
		w = write(p->peer, s, len);
		assert_true(w > 0);
		s += w;
		len -= (size_t)w;
	}
}

static void
pair_send_str(struct pair *p, const char *s)
{
	pair_send(p, s, strlen(s));
}

static void
pair_hangup(struct pair *p)
{
	if (p->peer >= 0)
		close(p->peer);
	p->peer = -1;
}

static void
pair_close(struct pair *p)
{
	pair_hangup(p);
	net_close(&p->n);
}

/* Read one reply from text (the peer then hangs up) and expect success. */
static void
reply_ok(const char *text, struct smtp_reply *r)
{
	struct pair p;
	struct err e = { 0 };

	pair_open(&p, 2000);
	pair_send_str(&p, text);
	pair_hangup(&p);
	memset(r, 0, sizeof(*r));
	if (smtp_read_reply(&p.n, r, &e) != 0)
		fail_msg("smtp_read_reply failed: %s", e.msg ? e.msg : "");
	assert_int_equal(e.cls, ERR_NONE);
	pair_close(&p);
}

/* Reading a reply from what the peer sends must fail with cls. */
static void
reply_fails(const char *text, size_t len, int hangup, enum err_class cls)
{
	struct pair p;
	struct smtp_reply r = { 0 };
	struct err e = { 0 };

	pair_open(&p, 2000);
	pair_send(&p, text, len);
	if (hangup)
		pair_hangup(&p);
	if (smtp_read_reply(&p.n, &r, &e) != -1)
		fail_msg("smtp_read_reply accepted: %.80s", text);
	if (e.cls != cls)
		fail_msg("class %d, want %d (%s) for: %.80s", e.cls, cls,
			 e.msg ? e.msg : "", text);
	assert_non_null(e.msg);
	err_clear(&e);
	smtp_reply_free(&r);
	pair_close(&p);
}

static void
reply_fails_str(const char *text, enum err_class cls)
{
	reply_fails(text, strlen(text), 1, cls);
}

static void
test_reply_single_line(void **state)
{
	struct smtp_reply r;

	(void)state;
	reply_ok("220 mail.example.org ESMTP ready\r\n", &r);
	assert_int_equal(r.code, 220);
	assert_string_equal(buf_cstr(&r.text), "mail.example.org ESMTP ready");
	assert_string_equal(buf_cstr(&r.all), "mail.example.org ESMTP ready");
	assert_string_equal(r.enhanced, "");
	smtp_reply_free(&r);
	assert_int_equal(r.code, 0);
}

static void
test_reply_multi_line(void **state)
{
	struct smtp_reply r;

	(void)state;
	reply_ok("250-mail.example.org\r\n250-PIPELINING\r\n"
		 "250-SIZE 10240000\r\n250 8BITMIME\r\n", &r);
	assert_int_equal(r.code, 250);
	assert_string_equal(buf_cstr(&r.text), "mail.example.org");
	assert_string_equal(buf_cstr(&r.all), "mail.example.org\nPIPELINING\n"
					      "SIZE 10240000\n8BITMIME");
	smtp_reply_free(&r);
}

static void
test_reply_enhanced(void **state)
{
	struct smtp_reply r;

	(void)state;
	reply_ok("550 5.1.1 <nobody@example.org>: Recipient address "
		 "rejected\r\n", &r);
	assert_int_equal(r.code, 550);
	assert_string_equal(r.enhanced, "5.1.1");
	assert_non_null(strstr(buf_cstr(&r.text),
			       "Recipient address rejected"));
	smtp_reply_free(&r);
	reply_ok("250 2.0.0 Ok: queued as 4XyZ\r\n", &r);
	assert_string_equal(r.enhanced, "2.0.0");
	smtp_reply_free(&r);
	reply_ok("451-4.7.1 Greylisted, see\r\n451 4.7.1 https://x.example\r\n",
		 &r);
	assert_int_equal(r.code, 451);
	assert_string_equal(r.enhanced, "4.7.1");
	smtp_reply_free(&r);
	reply_ok("421 4.3.2\r\n", &r);
	assert_string_equal(r.enhanced, "4.3.2");
	smtp_reply_free(&r);
	/* Not enhanced codes. */
	reply_ok("250 ok 1.2\r\n", &r);
	assert_string_equal(r.enhanced, "");
	smtp_reply_free(&r);
	reply_ok("250 1.2.3 wrong class digit\r\n", &r);
	assert_string_equal(r.enhanced, "");
	smtp_reply_free(&r);
	reply_ok("250 2.0. broken\r\n", &r);
	assert_string_equal(r.enhanced, "");
	smtp_reply_free(&r);
}

static void
test_reply_bare_code_and_lf(void **state)
{
	struct smtp_reply r;

	(void)state;
	reply_ok("250\r\n", &r);
	assert_int_equal(r.code, 250);
	assert_string_equal(buf_cstr(&r.text), "");
	smtp_reply_free(&r);
	reply_ok("354 go ahead\n", &r);
	assert_int_equal(r.code, 354);
	assert_string_equal(buf_cstr(&r.text), "go ahead");
	smtp_reply_free(&r);
	reply_ok("250-first\n250 second\n", &r);
	assert_string_equal(buf_cstr(&r.all), "first\nsecond");
	smtp_reply_free(&r);
}

static void
test_reply_sequence(void **state)
{
	struct pair p;
	struct smtp_reply r = { 0 };
	struct err e = { 0 };

	(void)state;
	pair_open(&p, 2000);
	/* Pipelined replies arrive together; each read takes one. */
	pair_send_str(&p, "250 2.1.0 Ok\r\n250-2.1.5 Ok\r\n250 2.1.5 more\r\n"
			  "354 End data with <CR><LF>.<CR><LF>\r\n");
	assert_int_equal(smtp_read_reply(&p.n, &r, &e), 0);
	assert_int_equal(r.code, 250);
	assert_string_equal(buf_cstr(&r.all), "2.1.0 Ok");
	assert_int_equal(smtp_read_reply(&p.n, &r, &e), 0);
	assert_int_equal(r.code, 250);
	assert_string_equal(r.enhanced, "2.1.5");
	assert_string_equal(buf_cstr(&r.all), "2.1.5 Ok\n2.1.5 more");
	assert_int_equal(smtp_read_reply(&p.n, &r, &e), 0);
	assert_int_equal(r.code, 354);
	assert_string_equal(r.enhanced, "");
	assert_string_equal(buf_cstr(&r.text),
			    "End data with <CR><LF>.<CR><LF>");
	assert_int_equal(e.cls, ERR_NONE);
	/* Nothing more: the peer is still there, so this times out. */
	p.n.timeout_ms = 100;
	assert_int_equal(smtp_read_reply(&p.n, &r, &e), -1);
	assert_int_equal(e.cls, ERR_TEMP);
	err_clear(&e);
	smtp_reply_free(&r);
	pair_close(&p);
}

static void
test_reply_split_writes(void **state)
{
	struct pair p;
	struct smtp_reply r = { 0 };
	struct err e = { 0 };
	pid_t pid;
	int status;

	(void)state;
	pair_open(&p, 5000);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* The reply trickles in, split inside lines. */
		static const char *const parts[] = { "25", "0-a\r", "\n250",
						     " b\r\n" };
		size_t i;

		for (i = 0; i < 4; i++) {
			usleep(20000);
			if (write(p.peer, parts[i], strlen(parts[i])) < 0)
				_exit(1);
		}
		_exit(0);
	}
	pair_hangup(&p);
	assert_int_equal(smtp_read_reply(&p.n, &r, &e), 0);
	assert_int_equal(r.code, 250);
	assert_string_equal(buf_cstr(&r.all), "a\nb");
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	smtp_reply_free(&r);
	pair_close(&p);
}

static void
test_reply_mismatched_codes(void **state)
{
	(void)state;
	reply_fails_str("250-a\r\n251 b\r\n", ERR_PROTOCOL);
	reply_fails_str("250-a\r\n250-b\r\n550 c\r\n", ERR_PROTOCOL);
}

static void
test_reply_garbage(void **state)
{
	(void)state;
	reply_fails_str("hello\r\n", ERR_PROTOCOL);
	reply_fails_str("\r\n", ERR_PROTOCOL);
	reply_fails_str("25 ok\r\n", ERR_PROTOCOL);
	reply_fails_str("2x0 ok\r\n", ERR_PROTOCOL);
	reply_fails_str("250xok\r\n", ERR_PROTOCOL);
	reply_fails_str("650 no such class\r\n", ERR_PROTOCOL);
	reply_fails_str("150 no such class\r\n", ERR_PROTOCOL);
	reply_fails_str("+OK POP3 server ready\r\n", ERR_PROTOCOL);
	reply_fails_str("HTTP/1.1 400 Bad Request\r\n", ERR_PROTOCOL);
	reply_fails_str("SSH-2.0-OpenSSH_9.2p1\r\n", ERR_PROTOCOL);
	reply_fails_str("250-ok\r\nsomething else\r\n", ERR_PROTOCOL);
	/* A TLS alert where plain text was expected. */
	reply_fails("\x15\x03\x03\x00\x02\x02\x28\n", 8, 1, ERR_PROTOCOL);
}

static void
test_reply_line_too_long(void **state)
{
	struct buf b = { 0 };
	size_t i;

	(void)state;
	buf_append_str(&b, "250 ");
	for (i = 0; i < 100000; i++)
		buf_append_char(&b, 'a');
	/* Whole, and cut off with the peer still there: neither may wait
	 * for the end of the line. */
	buf_append_str(&b, "\r\n");
	reply_fails(b.data, b.len, 1, ERR_PROTOCOL);
	reply_fails(b.data, b.len - 2, 0, ERR_PROTOCOL);
	buf_reset(&b);
	buf_append_str(&b, "250-short\r\n250 ");
	for (i = 0; i < 20000; i++)
		buf_append_char(&b, 'b');
	buf_append_str(&b, "\r\n");
	reply_fails(b.data, b.len, 1, ERR_PROTOCOL);
	buf_free(&b);
}

static void
test_reply_too_many_lines(void **state)
{
	struct buf b = { 0 };
	struct smtp_reply r;
	size_t i;

	(void)state;
	/* A long but sane EHLO reply is fine. */
	buf_append_str(&b, "250-mail.example.org\r\n");
	for (i = 0; i < 40; i++)
		buf_printf(&b, "250-X-KEYWORD-%zu\r\n", i);
	buf_append_str(&b, "250 HELP\r\n");
	reply_ok(b.data, &r);
	assert_int_equal(r.code, 250);
	smtp_reply_free(&r);
	/* An endless one is not. */
	buf_reset(&b);
	for (i = 0; i < 5000; i++)
		buf_append_str(&b, "250-x\r\n");
	buf_append_str(&b, "250 end\r\n");
	reply_fails(b.data, b.len, 1, ERR_PROTOCOL);
	reply_fails(b.data, b.len - 9, 0, ERR_PROTOCOL);
	buf_free(&b);
}

static void
test_reply_eof(void **state)
{
	(void)state;
	reply_fails_str("", ERR_TEMP);
	reply_fails_str("250-first line\r\n", ERR_TEMP);
	reply_fails_str("250 no line end", ERR_TEMP);
}

static void
test_reply_timeout(void **state)
{
	struct pair p;
	struct smtp_reply r = { 0 };
	struct err e = { 0 };

	(void)state;
	pair_open(&p, 100);
	pair_send_str(&p, "250-waiting\r\n");
	assert_int_equal(smtp_read_reply(&p.n, &r, &e), -1);
	assert_int_equal(e.cls, ERR_TEMP);
	err_clear(&e);
	smtp_reply_free(&r);
	pair_close(&p);
}

/* A reply whose every byte comes within the timeout, the whole not: the
 * deadline is the whole reply's. */
static void
test_reply_trickled(void **state)
{
	static const char text[] = "250-trickled slowly\r\n250 end\r\n";
	struct pair p;
	struct smtp_reply r = { 0 };
	struct err e = { 0 };
	long long t0;
	pid_t pid;
	size_t i;

	(void)state;
	pair_open(&p, 600);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p.n.fd);
		for (i = 0; i < sizeof(text) - 1; i++) {
			if (write(p.peer, text + i, 1) != 1)
				_exit(0);
			usleep(150 * 1000);
		}
		_exit(0);
	}
	pair_hangup(&p);
	t0 = net_now_ms();
	assert_int_equal(smtp_read_reply(&p.n, &r, &e), -1);
	assert_int_equal(e.cls, ERR_TEMP);
	assert_true(net_now_ms() - t0 < 1500);
	err_clear(&e);
	smtp_reply_free(&r);
	pair_close(&p);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/* A peer that reads slowly but steadily: the whole write has one
 * deadline, not one per wait. */
static void
test_flush_deadline(void **state)
{
	static char block[1024 * 1024];
	char sink[4096];
	struct pair p;
	struct err e = { 0 };
	int small = 4096;
	long long t0;
	pid_t pid;

	(void)state;
	pair_open(&p, 500);
	assert_int_equal(setsockopt(p.n.fd, SOL_SOCKET, SO_SNDBUF, &small,
				    sizeof(small)), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p.n.fd);   /* so that our close ends the reads */
		/* about 40 kB/s: the block would take 25 s */
		while (read(p.peer, sink, sizeof(sink)) > 0)
			usleep(100 * 1000);
		_exit(0);
	}
	pair_hangup(&p);
	memset(block, 'x', sizeof(block));
	t0 = net_now_ms();
	assert_int_equal(net_write(&p.n, block, sizeof(block), &e), -1);
	assert_int_equal(e.cls, ERR_TEMP);
	assert_true(net_now_ms() - t0 < 3000);
	err_clear(&e);
	pair_close(&p);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/* The budget ends a read sooner than the timeout would. */
static void
test_reply_budget(void **state)
{
	struct pair p;
	struct smtp_reply r = { 0 };
	struct err e = { 0 };
	long long t0;

	(void)state;
	pair_open(&p, 60000);
	t0 = net_now_ms();
	p.n.budget_ms = 300;
	p.n.budget_end = t0 + 300;
	pair_send_str(&p, "250-waiting\r\n");
	assert_int_equal(smtp_read_reply(&p.n, &r, &e), -1);
	assert_int_equal(e.cls, ERR_TEMP);
	assert_true(net_now_ms() - t0 < 2000);
	assert_non_null(strstr(e.msg, "time limit"));
	err_clear(&e);
	smtp_reply_free(&r);
	pair_close(&p);
}

static void
test_ms_arithmetic(void **state)
{
	(void)state;
	assert_true(net_ms_add(1, 2) == 3);
	assert_true(net_ms_add(-5, 2) == 2);
	assert_true(net_ms_add(NET_MS_MAX, 1) == NET_MS_MAX);
	assert_true(net_ms_add(LLONG_MAX, LLONG_MAX) == NET_MS_MAX);
	assert_true(net_ms_add(NET_MS_MAX - 1, 1) == NET_MS_MAX);
	assert_true(net_ms_from_s(0) == 0);
	assert_true(net_ms_from_s(-3) == 0);
	assert_true(net_ms_from_s(5) == 5000);
	/* timeout 25d: past INT_MAX milliseconds */
	assert_true(net_ms_from_s(25LL * 86400) == 2160000000LL);
	assert_true(net_ms_from_s(LLONG_MAX) == NET_MS_MAX);
	assert_int_equal(net_poll_timeout(100, 100), 0);
	assert_int_equal(net_poll_timeout(100, 200), 0);
	assert_int_equal(net_poll_timeout(1100, 100), 1000);
	assert_int_equal(net_poll_timeout(NET_MS_MAX, 0), INT_MAX);
	assert_int_equal(net_poll_timeout(NET_MS_MAX, -NET_MS_MAX), INT_MAX);
	assert_int_equal(net_poll_timeout(3000000000LL, 1000), INT_MAX);
}

static void
test_budget(void **state)
{
	(void)state;
	assert_true(smtp_budget_ms(5, 0) == 50000);
	assert_true(smtp_budget_ms(0, 0) == 3000000);
	assert_true(smtp_budget_ms(-1, 0) == 3000000);
	assert_true(smtp_budget_ms(300, 100000) == 3010000);
	assert_true(smtp_budget_ms(1, -7) == 10000);
	assert_true(smtp_budget_ms(LONG_MAX, LLONG_MAX) == NET_MS_MAX);
	assert_true(smtp_budget_ms(25L * 86400, 0) == 21600000000LL);
}

static int
too_many(int code, const char *enhanced)
{
	struct smtp_reply r = { 0 };

	r.code = code;
	snprintf(r.enhanced, sizeof(r.enhanced), "%s", enhanced);
	return smtp_too_many(&r);
}

static void
test_too_many(void **state)
{
	(void)state;
	assert_true(too_many(452, ""));
	assert_true(too_many(452, "4.5.3"));
	assert_true(too_many(552, "5.5.3"));
	assert_false(too_many(452, "4.3.1"));   /* out of storage */
	assert_false(too_many(451, "4.5.3"));
	assert_false(too_many(552, ""));
	assert_false(too_many(550, "5.5.3"));
	assert_false(too_many(250, ""));
}

/* net_pending sees what the peer sent without a read having asked. */
static void
test_pending(void **state)
{
	struct pair p;

	(void)state;
	pair_open(&p, 1000);
	assert_false(net_pending(&p.n));
	pair_send_str(&p, "250 early\r\n");
	assert_true(net_pending(&p.n));
	assert_true(net_pending(&p.n));
	net_discard_input(&p.n);
	assert_false(net_pending(&p.n));
	pair_hangup(&p);
	assert_false(net_pending(&p.n));   /* end of file is no data */
	pair_close(&p);
}

/* net_socks5 over a pair whose peer has already written answer (then
 * hung up): the class it ends with, and what it sent in *sent. */
static enum err_class
socks5_run(const char *answer, size_t len, const char *host,
	   struct buf *sent, struct pair *p)
{
	struct err e = { 0 };
	char chunk[512];
	ssize_t r;
	enum err_class cls;

	pair_open(p, 2000);
	strcpy(p->n.peer_ip, "192.0.2.1");
	pair_send(p, answer, len);
	shutdown(p->peer, SHUT_WR);
	if (net_socks5(&p->n, "proxy.test", host, 2525, &e) == 0)
		assert_int_equal(e.cls, ERR_NONE);
	else
		assert_non_null(e.msg);
	cls = e.cls;
	err_clear(&e);
	while ((r = recv(p->peer, chunk, sizeof(chunk), MSG_DONTWAIT)) > 0)
		buf_append(sent, chunk, (size_t)r);
	return cls;
}

#define SOCKS5_OK "\x05\x00\x05\x00\x00"

static void
test_socks5(void **state)
{
	static const struct {
		const char *answer;
		size_t len;
		enum err_class cls;
	} cases[] = {
		/* Bound address as IPv4, then the server's greeting. */
		{ SOCKS5_OK "\x01\x7f\x00\x00\x01\x04\x38" "220 hi\r\n", 20,
		  ERR_NONE },
		/* As a name, and as IPv6. */
		{ SOCKS5_OK "\x03\x04" "abcd\x04\x38", 13, ERR_NONE },
		{ SOCKS5_OK "\x04" "0123456789abcdef\x04\x38", 24, ERR_NONE },
		{ "\x05\xff", 2, ERR_UNAVAILABLE },   /* wants authentication */
		{ "\x04\x00", 2, ERR_PROTOCOL },      /* not SOCKS5 */
		{ "\x05\x00\x05\x05\x00\x01", 6, ERR_TEMP }, /* refused */
		{ SOCKS5_OK "\x09\x00\x00", 8, ERR_PROTOCOL }, /* bad type */
		{ SOCKS5_OK "\x01\x7f\x00", 8, ERR_TEMP }, /* cut short */
		{ "", 0, ERR_TEMP },
	};
	static const char want[] = "\x05\x01\x00\x05\x01\x00\x03\x0b"
				   "relay.test.\x09\xdd";
	struct pair p;
	struct buf sent = { 0 }, line = { 0 };
	struct err e = { 0 };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		buf_reset(&sent);
		if (socks5_run(cases[i].answer, cases[i].len, "relay.test.",
			       &sent, &p) != cases[i].cls)
			fail_msg("case %zu: wrong class", i);
		if (cases[i].cls == ERR_NONE) {
			/* Asked by name, the port in network order. */
			assert_int_equal(sent.len, sizeof(want) - 1);
			assert_memory_equal(sent.data, want, sent.len);
			assert_string_equal(p.n.peer_ip, "");
			assert_int_equal(p.n.peer_port, 2525);
		}
		if (i == 0) {
			assert_int_equal(net_read_line(&p.n, &line, 512, &e), 0);
			assert_string_equal(buf_cstr(&line), "220 hi");
		}
		pair_close(&p);
	}
	buf_free(&sent);
	buf_free(&line);
}

/* A name over 255 bytes: refused before anything is sent. */
static void
test_socks5_long_name(void **state)
{
	struct pair p;
	struct buf sent = { 0 };
	char host[257];

	(void)state;
	memset(host, 'a', sizeof(host) - 1);
	host[sizeof(host) - 1] = '\0';
	assert_int_equal(socks5_run("", 0, host, &sent, &p), ERR_CONFIG);
	assert_int_equal(sent.len, 0);
	pair_close(&p);
	host[255] = '\0';
	assert_int_equal(socks5_run("", 0, host, &sent, &p), ERR_TEMP);
	assert_true(sent.len > 0);
	pair_close(&p);
	buf_free(&sent);
}

static void
test_reply_reused(void **state)
{
	struct pair p;
	struct smtp_reply r = { 0 };
	struct err e = { 0 };

	(void)state;
	pair_open(&p, 2000);
	pair_send_str(&p, "550-5.7.1 first\r\n550 5.7.1 reply\r\n250 ok\r\n");
	pair_hangup(&p);
	assert_int_equal(smtp_read_reply(&p.n, &r, &e), 0);
	assert_int_equal(smtp_read_reply(&p.n, &r, &e), 0);
	/* Nothing of the first reply is left. */
	assert_int_equal(r.code, 250);
	assert_string_equal(r.enhanced, "");
	assert_string_equal(buf_cstr(&r.text), "ok");
	assert_string_equal(buf_cstr(&r.all), "ok");
	smtp_reply_free(&r);
	pair_close(&p);
}

static void
test_cap_keywords(void **state)
{
	struct smtp_caps c;

	(void)state;
	memset(&c, 0, sizeof(c));
	smtp_parse_cap(&c, "PIPELINING");
	assert_int_equal(c.pipelining, 1);
	assert_int_equal(c.eightbitmime + c.dsn + c.enhanced + c.smtputf8 +
			 c.starttls, 0);
	smtp_parse_cap(&c, "8BITMIME");
	assert_int_equal(c.eightbitmime, 1);
	smtp_parse_cap(&c, "DSN");
	assert_int_equal(c.dsn, 1);
	smtp_parse_cap(&c, "ENHANCEDSTATUSCODES");
	assert_int_equal(c.enhanced, 1);
	smtp_parse_cap(&c, "SMTPUTF8");
	assert_int_equal(c.smtputf8, 1);
	assert_int_equal(c.starttls, 0);
	smtp_parse_cap(&c, "STARTTLS");
	assert_int_equal(c.starttls, 1);
	assert_int_equal(c.size, 0);
	assert_null(c.auth);
}

static void
test_cap_case_insensitive(void **state)
{
	struct smtp_caps c;

	(void)state;
	memset(&c, 0, sizeof(c));
	smtp_parse_cap(&c, "pipelining");
	smtp_parse_cap(&c, "8bitmime");
	smtp_parse_cap(&c, "StartTLS");
	assert_int_equal(c.pipelining, 1);
	assert_int_equal(c.eightbitmime, 1);
	assert_int_equal(c.starttls, 1);
}

static void
test_cap_unknown(void **state)
{
	struct smtp_caps c, zero;

	(void)state;
	memset(&c, 0, sizeof(c));
	memset(&zero, 0, sizeof(zero));
	smtp_parse_cap(&c, "CHUNKING");
	smtp_parse_cap(&c, "VRFY");
	smtp_parse_cap(&c, "X-EXPS GSSAPI NTLM");
	smtp_parse_cap(&c, "PIPELININGX");
	smtp_parse_cap(&c, "SIZEX 100");
	smtp_parse_cap(&c, "");
	smtp_parse_cap(&c, "A-VERY-LONG-KEYWORD-THAT-GOES-ON-AND-ON-AND-ON x");
	assert_memory_equal(&c, &zero, sizeof(c));
}

static void
test_cap_size(void **state)
{
	struct smtp_caps c;

	(void)state;
	memset(&c, 0, sizeof(c));
	smtp_parse_cap(&c, "SIZE 35882577");
	assert_int_equal(c.size, 35882577);
	smtp_parse_cap(&c, "SIZE 52428800000");
	assert_true(c.size == 52428800000LL);
	memset(&c, 0, sizeof(c));
	smtp_parse_cap(&c, "SIZE");
	assert_int_equal(c.size, 0);
	smtp_parse_cap(&c, "SIZE 0");
	assert_int_equal(c.size, 0);
}

static void
test_cap_auth(void **state)
{
	struct smtp_caps c;

	(void)state;
	memset(&c, 0, sizeof(c));
	smtp_parse_cap(&c, "AUTH PLAIN LOGIN CRAM-MD5");
	assert_non_null(c.auth);
	assert_string_equal(c.auth, "PLAIN LOGIN CRAM-MD5");
	/* The old "AUTH=" form, and a later line replacing the list. */
	smtp_parse_cap(&c, "AUTH=LOGIN PLAIN");
	assert_string_equal(c.auth, "LOGIN PLAIN");
	free(c.auth);
	memset(&c, 0, sizeof(c));
	smtp_parse_cap(&c, "AUTH");
	assert_null(c.auth);
	smtp_parse_cap(&c, "auth scram-sha-256 xoauth2");
	assert_non_null(c.auth);
	assert_string_equal(c.auth, "scram-sha-256 xoauth2");
	free(c.auth);
}

static void
check_xtext(const char *in, const char *want)
{
	struct buf b = { 0 };

	buf_append_str(&b, "ENVID=");
	smtp_xtext(&b, in);
	assert_string_equal(buf_cstr(&b) + 6, want);
	assert_memory_equal(b.data, "ENVID=", 6);
	buf_free(&b);
}

static void
test_xtext(void **state)
{
	(void)state;
	check_xtext("", "");
	check_xtext("plain@example.org", "plain@example.org");
	check_xtext("a+b=c d", "a+2Bb+3Dc+20d");
	check_xtext("!~", "!~");
	check_xtext("tab\there", "tab+09here");
	check_xtext("del\x7f", "del+7F");
	check_xtext("caf\xc3\xa9", "caf+C3+A9");
	check_xtext("<id@host>", "<id@host>");
	check_xtext("cr\r\nlf", "cr+0D+0Alf");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reply_single_line),
		cmocka_unit_test(test_reply_multi_line),
		cmocka_unit_test(test_reply_enhanced),
		cmocka_unit_test(test_reply_bare_code_and_lf),
		cmocka_unit_test(test_reply_sequence),
		cmocka_unit_test(test_reply_split_writes),
		cmocka_unit_test(test_reply_mismatched_codes),
		cmocka_unit_test(test_reply_garbage),
		cmocka_unit_test(test_reply_line_too_long),
		cmocka_unit_test(test_reply_too_many_lines),
		cmocka_unit_test(test_reply_eof),
		cmocka_unit_test(test_reply_timeout),
		cmocka_unit_test(test_reply_trickled),
		cmocka_unit_test(test_flush_deadline),
		cmocka_unit_test(test_reply_budget),
		cmocka_unit_test(test_ms_arithmetic),
		cmocka_unit_test(test_budget),
		cmocka_unit_test(test_too_many),
		cmocka_unit_test(test_pending),
		cmocka_unit_test(test_reply_reused),
		cmocka_unit_test(test_cap_keywords),
		cmocka_unit_test(test_cap_case_insensitive),
		cmocka_unit_test(test_cap_unknown),
		cmocka_unit_test(test_cap_size),
		cmocka_unit_test(test_cap_auth),
		cmocka_unit_test(test_xtext),
		cmocka_unit_test(test_socks5),
		cmocka_unit_test(test_socks5_long_name),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
