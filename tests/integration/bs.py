#!/usr/bin/python3
"""bs.py - `dsmtp -bs` (the SMTP dialogue on stdin/stdout that Alpine,
Symfony and Laravel use), driven by Python's smtplib over a pair of pipes,
and by swaks --pipe where installed; what the relay receives is checked."""

import os
import shutil
import smtplib
import subprocess
import sys
import threading

sys.dont_write_bytecode = True     # the source tree may be read-only
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..', 'lib'))
import dsmtptest as T                                    # noqa: E402
from smtpserver import SmtpServer                        # noqa: E402

WATCHDOG = 30
EXTRA = ['queue off', 'timeout 10']


class PipeSock:
    """Enough of a socket for smtplib: writes go to dsmtp's stdin, replies
    come from its stdout."""

    def __init__(self, proc):
        self.proc = proc

    def sendall(self, data):
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def makefile(self, mode):
        return self.proc.stdout

    def close(self):
        if not self.proc.stdin.closed:
            self.proc.stdin.close()


class Session:
    """dsmtp -bs as a child process with an smtplib client on its pipes."""

    def __init__(self, box, port, argv=('-bs',)):
        cfg = T.write_config(box, port, EXTRA)
        self.proc = subprocess.Popen(
            ['sendmail', '-C', cfg] + list(argv), executable=T.DSMTP,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, start_new_session=True,
            env=T.sandbox_env(box))
        self.err = []
        self.errt = threading.Thread(target=lambda: self.err.append(
            self.proc.stderr.read()))
        self.errt.start()
        self.timer = threading.Timer(WATCHDOG, self.proc.kill)
        self.timer.daemon = True
        self.timer.start()
        self.result = None
        self.smtp = smtplib.SMTP()
        self.smtp.sock = PipeSock(self.proc)
        try:
            self.greeting = self.smtp.getreply()
        except Exception:
            self.__exit__()
            raise

    def finish(self):
        """Close our side, reap dsmtp; (exit code, stderr)."""
        if self.result is None:
            self.smtp.close()
            code = self.proc.wait()
            self.timer.cancel()
            self.errt.join()
            self.proc.stderr.close()
            self.result = (code, self.err[0])
        return self.result

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.proc.poll() is None:
            self.proc.kill()
        self.finish()
        return False


def ok(c, reply, want, what):
    c.true(reply[0] == want, '%s: got %r, want %d' % (what, reply, want))


def body_of(txn):
    return T.split_message(txn.content)[1]


# -- the tests ----------------------------------------------------------------

BODY1 = b'.leading dot\r\nplain\r\n..two dots\r\n'
BODY2 = b'second\r\n.\r\nafter a lone dot\r\n'


def dialogue(c, s):
    """Two transactions, an RSET'd one between them, NOOP, QUIT."""
    m = s.smtp
    ok(c, s.greeting, 220, 'greeting')
    ok(c, m.ehlo('client.example'), 250, 'EHLO')
    ok(c, m.noop(), 250, 'NOOP')
    ok(c, m.mail('alice@example.com'), 250, 'MAIL 1')
    ok(c, m.rcpt('bob@example.org'), 250, 'RCPT 1')
    ok(c, m.data(b'Subject: one\r\nTo: bob@example.org\r\n\r\n' + BODY1),
       250, 'DATA 1')
    ok(c, m.mail('mallory@example.com'), 250, 'MAIL (reset)')
    ok(c, m.rcpt('trent@example.org'), 250, 'RCPT (reset)')
    ok(c, m.rset(), 250, 'RSET')
    ok(c, m.mail('carol@example.com'), 250, 'MAIL 2')
    ok(c, m.rcpt('dave@example.org'), 250, 'RCPT 2a')
    ok(c, m.rcpt('erin@example.org'), 250, 'RCPT 2b')
    ok(c, m.data(b'Subject: two\r\n\r\n' + BODY2), 250, 'DATA 2')
    ok(c, m.docmd('QUIT'), 221, 'QUIT')


def two_transactions(c):
    with T.sandbox() as box, SmtpServer() as srv:
        with Session(box, srv.port) as s:
            dialogue(c, s)
            code, err = s.finish()
    c.eq(code, 0, 'exit status (stderr %s)' % T.short(err))
    got = [(t.mail_from, t.rcpt_addrs) for t in srv.accepted]
    c.need(got == [('alice@example.com', ['bob@example.org']),
                   ('carol@example.com', ['dave@example.org',
                                          'erin@example.org'])],
           'envelopes at the relay: %s' % T.short(got))
    one, two = srv.accepted
    c.eq(body_of(one), BODY1, 'body 1 at the relay (unstuffed)')
    c.eq(body_of(two), BODY2, 'body 2 at the relay (unstuffed)')
    c.true(b'\r\n..leading dot\r\n' in one.raw and
           b'\r\n...two dots\r\n' in one.raw,
           'body 1 not dot-stuffed again on the wire: %s' % T.short(one.raw))
    c.true(b'\r\n..\r\n' in two.raw, 'lone dot not stuffed on the wire')
    for t in (one, two):
        T.check_wire(c, t.raw)


def one_message(c, argv):
    with T.sandbox() as box, SmtpServer() as srv:
        with Session(box, srv.port, argv) as s:
            m = s.smtp
            ok(c, s.greeting, 220, 'greeting')
            ok(c, m.ehlo('client.example'), 250, 'EHLO')
            ok(c, m.mail('app@example.com'), 250, 'MAIL')
            ok(c, m.rcpt('user@example.org'), 250, 'RCPT')
            ok(c, m.data(b'Subject: app\r\n\r\n.x\r\n'), 250, 'DATA')
            ok(c, m.docmd('QUIT'), 221, 'QUIT')
            code, err = s.finish()
    c.eq(code, 0, 'exit status (stderr %s)' % T.short(err))
    c.eq([(t.mail_from, t.rcpt_addrs, body_of(t)) for t in srv.accepted],
         [('app@example.com', ['user@example.org'], b'.x\r\n')],
         'messages at the relay')


def swaks(c):
    tool = shutil.which('swaks')
    if not tool:
        c.skip('swaks not installed')
    with T.sandbox() as box, SmtpServer() as srv:
        cfg = T.write_config(box, srv.port, EXTRA)
        cmd = '%s -C %s -bs' % (T.DSMTP, cfg)
        p = subprocess.run([tool, '--pipe', cmd, '--from', 'sw@example.com',
                            '--to', 'aks@example.org', '--body', '.dot\n'],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           env=T.sandbox_env(box), timeout=WATCHDOG)
    c.eq(p.returncode, 0, 'swaks exit status; transcript:\n%s'
         % p.stdout.decode('utf-8', 'replace')[-1500:])
    got = [(t.mail_from, t.rcpt_addrs) for t in srv.accepted]
    c.eq(got, [('sw@example.com', ['aks@example.org'])], 'envelopes')
    if srv.accepted:
        c.true(b'\r\n..dot\r\n' in srv.accepted[0].raw, 'dot not stuffed')


def relay_code(c, replies, want, what):
    """The relay refuses; dsmtp's reply to the final dot carries the
    relay's own code and enhanced code (not a generic 5.0.0)."""
    with T.sandbox() as box, SmtpServer(**replies) as srv:
        with Session(box, srv.port) as s:
            m = s.smtp
            ok(c, m.ehlo('client.example'), 250, 'EHLO')
            ok(c, m.mail('app@example.com'), 250, 'MAIL')
            ok(c, m.rcpt('user@example.org'), 250, 'RCPT')
            code, text = m.data(b'Subject: x\r\n\r\nbody\r\n')
            m.docmd('QUIT')
            s.finish()
    c.eq((code, text.split()[0]), want, what + ' (reply %r)' % text)


TESTS = [
    ('-bs: two transactions, RSET, NOOP, dot-stuffing, QUIT',
     two_transactions),
    ('-bs -odb -oem (Alpine): one message', lambda c: one_message(
        c, ['-bs', '-odb', '-oem'])),
    ('-bs -i (Symfony): one message', lambda c: one_message(
        c, ['-bs', '-i'])),
    ('-bs driven by swaks --pipe', swaks),
    ('-bs: a relay 550 5.1.1 stays 550 5.1.1', lambda c: relay_code(
        c, {'rcpt_replies': {'user@example.org':
                             '550 5.1.1 <user@example.org>: unknown'}},
        (550, b'5.1.1'), 'refused recipient')),
    ('-bs: a relay 552 5.3.4 after DATA stays 552 5.3.4', lambda c:
     relay_code(c, {'eod_reply': '552 5.3.4 message too big'},
                (552, b'5.3.4'), 'refused message')),
    ('-bs: a relay 451 4.7.1 stays 451 4.7.1', lambda c: relay_code(
        c, {'rcpt_replies': {'user@example.org': '451 4.7.1 greylisted'}},
        (451, b'4.7.1'), 'deferred recipient')),
]

if __name__ == '__main__':
    T.main(TESTS)
