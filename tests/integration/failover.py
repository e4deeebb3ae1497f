#!/usr/bin/python3
"""failover.py - fallback_hosts (issue 11 item 3): relays tried in order
when the account's host cannot be reached or will not open a session (a
refused connection, a 421 greeting, a TLS failure), with the account's
other settings; never for a recipient the relay refused, for refused
credentials or for a configuration error. Real servers on loopback; the
first relay is a port nobody listens on, or a server that greets 421."""

import os
import sys

sys.dont_write_bytecode = True     # the source tree may be read-only
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..', 'lib'))
import dsmtptest as T                                    # noqa: E402
from authserver import free_port                         # noqa: E402
from smtpserver import SmtpServer                        # noqa: E402

MSG = b'From: sender@example.com\nSubject: failover\n\nbody\n'
ARGV = ['-oi', '-f', 'sender@example.com', 'a@example.org']


def send(box, port, fallback, extra=(), argv=ARGV):
    cfg = T.write_config(box, port, ['queue off', 'timeout 5',
                                     'fallback_hosts %s' % fallback] +
                         list(extra))
    return T.run(['-C', cfg] + list(argv), MSG, box=box)


def unreachable_first(c):
    with T.sandbox() as box, SmtpServer() as good:
        res = send(box, free_port(), '127.0.0.1:%d' % good.port,
                   argv=['-v'] + ARGV)
        good.settle()
        log = T.read_log(box).decode()
    c.exit(res, T.EX_OK)
    c.eq([t.rcpt_addrs for t in good.accepted], [['a@example.org']],
         'delivered by the fallback')
    c.true(('relay=127.0.0.1[127.0.0.1]:%d' % good.port) in log,
           'the log names the relay that took it: %s' % log)
    c.true(b'trying 127.0.0.1:%d' % good.port in res.err,
           '-v says which relay is tried next: %r' % res.err)


def greeting_421(c):
    with T.sandbox() as box, SmtpServer(mode='greet421') as busy, \
            SmtpServer() as good:
        res = send(box, busy.port, 'localhost.invalid:1 127.0.0.1:%d'
                   % good.port)
        good.settle()
    c.exit(res, T.EX_OK)
    c.eq(len(good.accepted), 1, 'the third relay took it after a 421 and '
         'a name that does not resolve')


def all_down(c):
    with T.sandbox() as box:
        res = send(box, free_port(), '127.0.0.1:%d,127.0.0.1:%d'
                   % (free_port(), free_port()))
    c.exit(res, T.EX_TEMPFAIL)
    c.one_stderr_line(res)


def refused_recipient_stays(c):
    """A 5xx for a recipient is the relay's verdict on the mail: no
    other relay is asked."""
    with T.sandbox() as box, SmtpServer(rcpt_replies={
            'a@example.org': '550 5.1.1 no such user'}) as first, \
            SmtpServer() as other:
        res = send(box, first.port, '127.0.0.1:%d' % other.port)
        other.settle()
    c.exit(res, T.EX_NOUSER)
    c.eq(other.accepted, [], 'the fallback was asked')


def bad_port(c):
    with T.sandbox() as box:
        res = send(box, free_port(), '127.0.0.1:99999')
    c.exit(res, T.EX_CONFIG)
    c.true(b'fallback_hosts' in res.err and b'99999' in res.err,
           'names the setting: %r' % res.err)


def queued_mail_fails_over(c):
    """With the queue: the first attempt goes to the fallback at once."""
    with T.sandbox() as box, SmtpServer() as good:
        cfg = T.write_config(box, free_port(), [
            'timeout 5', 'fallback_hosts 127.0.0.1:%d' % good.port])
        res = T.run(['-C', cfg] + ARGV, MSG, box=box)
        good.settle()
        entries = os.listdir(os.path.join(box, 'queue', 'entries'))
    c.exit(res, T.EX_OK)
    c.eq(len(good.accepted), 1, 'delivered by the fallback')
    c.eq(entries, [], 'nothing left queued')


TESTS = [
    ('the host refuses connections: the fallback delivers, -v and the log '
     'say so', unreachable_first),
    ('a 421 greeting, then a name that does not resolve: the next one '
     'delivers', greeting_421),
    ('every relay down: 75, one line', all_down),
    ('a recipient refused by the relay: no fallback asked', refused_recipient_stays),
    ('a bad port in fallback_hosts: 78, naming it', bad_port),
    ('queued mail: the first attempt fails over too', queued_mail_fails_over),
]

if __name__ == '__main__':
    T.main(TESTS)
