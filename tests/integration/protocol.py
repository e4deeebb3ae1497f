#!/usr/bin/python3
"""protocol.py - dsmtp against hostile or strict SMTP servers, scripted
byte by byte over raw sockets on 127.0.0.1 (a thread per server).

Contract: every reply and every write has a deadline for the whole of it
(the account's timeout), and a delivery a total budget, so a server that
trickles bytes cannot hold dsmtp; data a server sends before anything
asked for it is a protocol error (76) and nothing more is said; 452 "too
many recipients" sends the rest in a following transaction on the same
connection, never a duplicate; every reply class is one outcome in the
log and the exit code alike (2xx sent/0, 4xx deferred/75, 5xx 69 or 67,
anything else 76); every TLS failure, STARTTLS injection included, is 75.
"""

import os
import socket
import sys
import threading
import time

sys.dont_write_bytecode = True     # the source tree may be read-only
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..', 'lib'))
import dsmtptest as T                                    # noqa: E402

MSG = (b'From: sender@example.com\nTo: a@example.org\nSubject: protocol\n\n'
       b'body line\n')
FROM = 'sender@example.com'
GREETING = b'220 proto.test ESMTP\r\n'


class Gone(Exception):
    """The client closed the connection, or the test is over."""


class Peer:
    """One accepted connection: line reads and writes, all recorded."""

    def __init__(self, conn, server):
        self.conn, self.server, self.pending = conn, server, b''
        conn.settimeout(30)

    def send(self, data):
        if self.server.stop.is_set():
            raise Gone()
        try:
            self.conn.sendall(data)
        except OSError as ex:
            raise Gone() from ex

    def trickle(self, data, pause):
        """Send data one byte at a time, pause seconds apart."""
        for i in range(len(data)):
            self.send(data[i:i + 1])
            if self.server.stop.wait(pause):
                raise Gone()

    def line(self):
        while b'\n' not in self.pending:
            try:
                chunk = self.conn.recv(65536)
            except OSError as ex:
                raise Gone() from ex
            if not chunk:
                raise Gone()
            self.pending += chunk
        line, _, self.pending = self.pending.partition(b'\n')
        line = line.rstrip(b'\r')
        self.server.lines.append(line)
        return line

    def data(self):
        """The DATA lines up to the final dot, unstuffed."""
        lines = []
        while True:
            line = self.line()
            if line == b'.':
                return lines
            lines.append(line[1:] if line.startswith(b'.') else line)


class Scripted:
    """A server on 127.0.0.1 whose one connection runs script(peer)."""

    def __init__(self, script):
        self.script, self.lines, self.txns = script, [], []
        self.stop, self.connections = threading.Event(), 0
        self.sock = socket.socket()
        self.sock.bind(('127.0.0.1', 0))
        self.sock.listen(4)
        self.sock.settimeout(30)
        self.port = self.sock.getsockname()[1]
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        try:
            conn, _ = self.sock.accept()
        except OSError:
            return
        self.connections += 1
        with conn:
            try:
                self.script(Peer(conn, self))
            except Gone:
                pass

    def commands(self, verb):
        v = verb.encode()
        return [l for l in self.lines if l[:len(v)].upper() == v]

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join(10)
        self.sock.close()


def ehlo_reply(ext):
    lines = [b'proto.test'] + [e.encode() for e in ext]
    return b''.join(b'250%s%s\r\n' % (b' ' if i == len(lines) - 1 else b'-',
                                      l) for i, l in enumerate(lines))


def serve(p, ext=('PIPELINING', 'ENHANCEDSTATUSCODES'), rcpt_limit=0,
          eod=(), delay=0, greeting=GREETING, after=None):
    """A plain SMTP server: ext offered, at most rcpt_limit recipients per
    transaction (452 4.5.3 after; -1: to every RCPT), eod the replies to the final dots in
    turn (then 250), delay seconds before each reply, after: {verb: bytes
    sent right after that verb's reply}."""
    after = after or {}
    p.send(greeting)
    txn = None
    while True:
        line = p.line()
        verb = line[:4].upper().decode('latin-1')
        if delay and p.server.stop.wait(delay):
            raise Gone()
        if verb == 'DATA' and txn is not None and txn['rcpts']:
            p.send(b'354 go ahead\r\n' + after.get('DATA', b''))
            txn['data'] = p.data()
            n = sum(1 for t in p.server.txns if t['data'] is not None)
            p.send(eod[n - 1] if n <= len(eod) else b'250 2.0.0 queued\r\n')
            txn = None
            continue
        if verb == 'MAIL':
            txn = {'from': line[10:].decode(), 'rcpts': [], 'data': None}
            p.server.txns.append(txn)
        elif verb == 'RSET':
            txn = None
        out = answer(line, verb, txn, ext, rcpt_limit)
        p.send(out + after.get(verb, b''))      # in one write
        if verb == 'QUIT':
            return


def answer(line, verb, txn, ext, rcpt_limit):
    """serve's reply to one command other than an accepted DATA."""
    if verb == 'EHLO':
        return ehlo_reply(ext)
    if verb == 'HELO':
        return b'250 proto.test\r\n'
    if verb in ('MAIL', 'RSET'):
        return b'250 2.1.0 ok\r\n'
    if verb == 'RCPT' and txn is not None:
        if rcpt_limit and len(txn['rcpts']) >= rcpt_limit:
            return b'452 4.5.3 too many recipients\r\n'
        txn['rcpts'].append(line[8:].strip(b'<>').decode())
        return b'250 2.1.5 ok\r\n'
    if verb == 'QUIT':
        return b'221 2.0.0 bye\r\n'
    return b'503 5.5.1 bad sequence\r\n'


def run(srv, rcpts=('a@example.org',), extra=(), timeout_cfg=5, watchdog=60,
        msg=MSG):
    """dsmtp (queue off) against srv; (result, log lines as str)."""
    with T.sandbox() as box:
        cfg = T.write_config(box, srv.port, ['queue off',
                                             'timeout %d' % timeout_cfg] +
                             list(extra))
        res = T.run(['-C', cfg, '-oi', '-f', FROM] + list(rcpts), msg,
                    box=box, timeout=watchdog)
        log = T.read_log(box).decode('utf-8', 'replace').splitlines()
    return res, log


def failed_with(c, res, code):
    c.exit(res, code)
    c.no_stdout(res)
    c.one_stderr_line(res)


def statuses(log):
    """{recipient: status} from the log lines (to= is comma-separated)."""
    out = {}
    for line in log:
        fields = dict(f.split('=', 1) for f in line.split() if '=' in f)
        for to in fields.get('to', '').strip('"').split(','):
            if to:
                out.setdefault(to, []).append(fields.get('status'))
    return out


def no_status_sent(c, log):
    c.true(not any('status=sent' in l for l in log),
           'a log line says status=sent: %s' % T.short(log))


# -- item 7: deadlines ------------------------------------------------------

def gave_up(c, script, timeout, most):
    """Against script with timeout seconds dsmtp ends with 75 after about
    the timeout, within most seconds, before MAIL."""
    with Scripted(script) as srv:
        res, log = run(srv, timeout_cfg=timeout)
    failed_with(c, res, T.EX_TEMPFAIL)
    c.true(timeout - 0.5 < res.elapsed < most, 'took %.1f s with timeout %d'
           % (res.elapsed, timeout))
    c.eq(srv.commands('MAIL'), [], 'MAIL commands')
    no_status_sent(c, log)


def trickle_greeting(c):
    def script(p):
        p.trickle(GREETING, 2)
        serve(p, greeting=b'')
    gave_up(c, script, 5, 8)


def trickle_ehlo(c):
    """A multi-line EHLO reply, each line quick but the whole slow."""
    def script(p):
        p.send(GREETING)
        p.line()
        for i in range(40):
            p.send(b'250-X-LINE%d\r\n' % i)
            if p.server.stop.wait(0.5):
                raise Gone()
        p.send(b'250 HELP\r\n')
        serve(p, greeting=b'')
    gave_up(c, script, 3, 6)


def budget(c):
    """Every reply within the timeout, the whole beyond the budget (ten
    times the timeout for a small message)."""
    rcpts = ['r%d@example.org' % i for i in range(20)]
    with Scripted(lambda p: serve(p, ext=(), delay=0.8)) as srv:
        res, log = run(srv, rcpts, timeout_cfg=1)
    failed_with(c, res, T.EX_TEMPFAIL)
    c.true(9 < res.elapsed < 13, 'took %.1f s with timeout 1 (budget 10 s)'
           % res.elapsed)
    c.eq(srv.commands('DATA'), [], 'DATA commands')
    no_status_sent(c, log)


def huge_timeout(c):
    """timeout 1d, the largest accepted: no overflow in the deadline and
    budget arithmetic (UBSan builds abort on one), a normal delivery; 25d
    is refused as a configuration error before anything is sent."""
    with Scripted(serve) as srv:
        with T.sandbox() as box:
            cfg = T.write_config(box, srv.port, ['queue off', 'timeout 1d'])
            res = T.run(['-C', cfg, '-oi', '-f', FROM, 'a@example.org'],
                        MSG, box=box)
            cfg = T.write_config(box, srv.port, ['queue off',
                                                 'timeout 25d'])
            big = T.run(['-C', cfg, '-oi', '-f', FROM, 'a@example.org'],
                        MSG, box=box)
    c.exit(res, T.EX_OK)
    c.eq(res.err, b'', 'standard error')
    c.eq([t['rcpts'] for t in srv.txns], [['a@example.org']], 'recipients')
    c.exit(big, T.EX_CONFIG)
    c.true(b'timeout' in big.err, 'the refusal names timeout: %s'
           % T.short(big.err))


# -- item 8: replies nobody asked for ---------------------------------------

def early_replies(c):
    """220 and four unsolicited replies in one write, then a server that
    refuses everything."""
    def script(p):
        p.send(GREETING + b'250 ok\r\n250 ok\r\n250 ok\r\n354 go\r\n')
        while True:
            p.line()
            p.send(b'554 5.5.1 no\r\n')
    with Scripted(script) as srv:
        res, log = run(srv)
    failed_with(c, res, T.EX_PROTOCOL)
    no_status_sent(c, log)
    c.eq([l for l in srv.lines if not l.upper().startswith(b'QUIT')], [],
         'commands after the unsolicited replies')


def extra_after(c, verb, ext, forbidden):
    with Scripted(lambda p: serve(p, ext=ext, after={verb: b'250 extra\r\n'})
                  ) as srv:
        res, log = run(srv)
    failed_with(c, res, T.EX_PROTOCOL)
    no_status_sent(c, log)
    for f in forbidden:
        c.eq(srv.commands(f), [], '%s commands' % f)
    c.true(b'body line' not in srv.lines, 'the body reached the server')


# -- item 9: too many recipients ---------------------------------------------

RCPTS5 = ['r%d@example.org' % i for i in range(1, 6)]


def too_many(c, ext):
    with Scripted(lambda p: serve(p, ext=ext, rcpt_limit=2)) as srv:
        res, log = run(srv, RCPTS5)
    c.exit(res, T.EX_OK)
    c.eq(res.err, b'', 'standard error')
    c.eq([t['rcpts'] for t in srv.txns],
         [RCPTS5[0:2], RCPTS5[2:4], RCPTS5[4:5]], 'recipients per transaction')
    c.eq([t['from'] for t in srv.txns], ['<%s>' % FROM] * 3, 'MAIL FROM')
    c.true(all(t['data'] and b'body line' in t['data'] for t in srv.txns),
           'every transaction carried the message')
    c.eq(srv.connections, 1, 'connections')
    c.eq(statuses(log), {r: ['sent'] for r in RCPTS5}, 'logged statuses')


def too_many_then_451(c):
    eod = (b'250 2.0.0 queued\r\n', b'451 4.3.0 try later\r\n')
    with Scripted(lambda p: serve(p, rcpt_limit=2, eod=eod)) as srv:
        res, log = run(srv, RCPTS5)
    failed_with(c, res, T.EX_TEMPFAIL)
    c.true(b'delivered to 2 of 5 recipients' in res.err,
           'stderr does not say 2 of 5 got it: %s' % res.err)
    c.eq([t['rcpts'] for t in srv.txns], [RCPTS5[0:2], RCPTS5[2:4]],
         'recipients per transaction (no third after the 451)')
    want = {r: ['deferred'] for r in RCPTS5}
    want.update({r: ['sent'] for r in RCPTS5[:2]})
    c.eq(statuses(log), want, 'logged statuses')


def too_many_none(c):
    """452 to the first RCPT: a plain temporary failure, one try."""
    with Scripted(lambda p: serve(p, rcpt_limit=-1)) as srv:
        res, log = run(srv, RCPTS5[:2])
    failed_with(c, res, T.EX_TEMPFAIL)
    c.eq(len(srv.commands('MAIL')), 1, 'MAIL commands')
    c.eq(statuses(log), {r: ['deferred'] for r in RCPTS5[:2]},
         'logged statuses')


# -- item 10: one outcome per reply class ------------------------------------

def eod_class(c, reply, code, status):
    with Scripted(lambda p: serve(p, eod=(reply,))) as srv:
        res, log = run(srv)
    if code == T.EX_OK:
        c.exit(res, code)
        c.eq(res.err, b'', 'standard error')
    else:
        failed_with(c, res, code)
    c.eq(statuses(log), {'a@example.org': [status]}, 'logged status')
    c.eq(len(srv.commands('MAIL')), 1, 'MAIL commands')


def answering(ext, replies):
    """A script: EHLO offers ext, a command whose verb is a key of replies
    gets that reply, QUIT 221, anything else 250."""
    def script(p):
        p.send(GREETING)
        while True:
            words = p.line().upper().split()
            verb = words[0].decode('latin-1') if words else ''
            if verb == 'EHLO':
                p.send(ehlo_reply(ext))
            elif verb == 'QUIT':
                p.send(b'221 bye\r\n')
                return
            else:
                p.send(replies.get(verb, b'250 ok\r\n'))
    return script


def rcpt_3xx(c):
    with Scripted(answering((), {'RCPT': b'354 what\r\n'})) as srv:
        res, log = run(srv)
    failed_with(c, res, T.EX_PROTOCOL)
    no_status_sent(c, log)
    c.eq(srv.commands('DATA'), [], 'DATA commands')


def auth_250(c):
    """250 where AUTH ends with 235 or a 4xx/5xx: not SMTP there."""
    with Scripted(answering(('AUTH PLAIN',),
                            {'AUTH': b'250 2.0.0 fine\r\n'})) as srv:
        res, log = run(srv, extra=['auth plain', 'user u',
                                   'password protocol-pw'])
    failed_with(c, res, T.EX_PROTOCOL)
    c.eq(srv.commands('MAIL'), [], 'MAIL commands')


# -- item 11: STARTTLS injection ----------------------------------------------

def starttls_injection(c):
    inject = b'220 2.0.0 go ahead\r\n250 injected\r\n'
    with Scripted(answering(('STARTTLS',), {'STARTTLS': inject})) as srv:
        res, log = run(srv, extra=['tls on', 'tls_certcheck off'])
    failed_with(c, res, T.EX_TEMPFAIL)
    c.true(b'TLS' in res.err, 'stderr does not name TLS: %s' % res.err)
    for verb in ('MAIL', 'RCPT', 'DATA', 'AUTH'):
        c.eq(srv.commands(verb), [], '%s commands' % verb)
    no_status_sent(c, log)


TESTS = [
    ('greeting trickled 1 byte/2 s, timeout 5: exit 75 in 5-8 s',
     trickle_greeting),
    ('EHLO reply of 40 lines at 0.5 s each, timeout 3: exit 75 in 3-6 s',
     trickle_ehlo),
    ('each reply in 0.8 s, timeout 1, 20 RCPTs: budget 10 s ends it (75)',
     budget),
    ('timeout 1d: no overflow, delivered; 25d refused', huge_timeout),
    ('220 plus unsolicited 250/250/250/354: exit 76, nothing said',
     early_replies),
    ('an extra reply after the EHLO reply: 76 before MAIL',
     lambda c: extra_after(c, 'EHLO', ('PIPELINING',), ('MAIL',))),
    ('an extra reply after 354 (PIPELINING): 76, the body is not sent',
     lambda c: extra_after(c, 'DATA', ('PIPELINING',), ())),
    ('an extra reply after MAIL (no PIPELINING): 76 before RCPT',
     lambda c: extra_after(c, 'MAIL', (), ('RCPT',))),
    ('452 after 2 RCPTs (PIPELINING): 3 transactions, exit 0, no duplicate',
     lambda c: too_many(c, ('PIPELINING',))),
    ('452 after 2 RCPTs (no PIPELINING): 3 transactions, exit 0',
     lambda c: too_many(c, ())),
    ('452 then 451 on the second dot: 75, first two logged sent, rest '
     'deferred', too_many_then_451),
    ('452 to the first RCPT: one transaction, 75', too_many_none),
    ('354 to the final dot: exit 76, logged deferred',
     lambda c: eod_class(c, b'354 more?\r\n', T.EX_PROTOCOL, 'deferred')),
    ('250 to the final dot: exit 0, logged sent',
     lambda c: eod_class(c, b'250 2.0.0 ok\r\n', T.EX_OK, 'sent')),
    ('451 to the final dot: exit 75, logged deferred',
     lambda c: eod_class(c, b'451 4.3.0 later\r\n', T.EX_TEMPFAIL,
                         'deferred')),
    ('554 to the final dot: exit 69, logged bounced',
     lambda c: eod_class(c, b'554 5.6.0 no\r\n', T.EX_UNAVAILABLE,
                         'bounced')),
    ('354 to RCPT: exit 76, no DATA', rcpt_3xx),
    ('250 to AUTH: exit 76, no MAIL', auth_250),
    ('data after 220 to STARTTLS: 75 like every TLS failure, nothing sent',
     starttls_injection),
]

if __name__ == '__main__':
    T.main(TESTS)
