#!/usr/bin/python3
"""errors.py - dsmtp against servers that refuse, fail or misbehave, with
`queue off`: the failure must come back as the sysexits code of spec
section 5, with one line on stderr, quickly and in bounded memory."""

import os
import sys

sys.dont_write_bytecode = True     # the source tree may be read-only
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..', 'lib'))
import dsmtptest as T                                    # noqa: E402
from smtpserver import SmtpServer, refused_port          # noqa: E402

MSG = (b'From: sender@example.com\nTo: a@example.org\nSubject: errors\n\n'
       b'body\n')
ARGV = ['-oi', '-f', 'sender@example.com', 'a@example.org']
BIG = (b'From: sender@example.com\nTo: a@example.org\nSubject: big\n\n' +
       (b'0123456789' * 7 + b'\n') * 40000)         # about 2.8 MB
FLOOD_SLACK_KB = 5 * 1024     # half the 10 MB flood


def send(srv_or_port, argv=ARGV, msg=MSG, timeout_cfg=5, watchdog=30):
    """Run dsmtp (queue off) against a server or a bare port number."""
    port = srv_or_port if isinstance(srv_or_port, int) else srv_or_port.port
    extra = ['queue off', 'timeout %d' % timeout_cfg]
    with T.sandbox() as box:
        return T.sendmail(box, port, argv, msg, extra, timeout=watchdog)


def failed_with(c, res, *codes):
    """The usual shape of a failure: code, nothing on stdout, one line on
    stderr."""
    c.exit(res, *codes)
    c.no_stdout(res)
    c.one_stderr_line(res)


def delivered_to(c, srv, want):
    got = [t.rcpt_addrs for t in srv.accepted]
    c.eq(got, [want], 'recipients of the messages the server accepted')


# -- refusals ---------------------------------------------------------------

def rcpt_5xx(c):
    with SmtpServer(rcpt_replies={'bad@example.org':
                                  '550 5.1.1 <bad@example.org>: no such user'}
                    ) as srv:
        res = send(srv, ARGV + ['bad@example.org', 'b@example.org'])
    failed_with(c, res, T.EX_NOUSER)
    delivered_to(c, srv, ['a@example.org', 'b@example.org'])


def rcpt_4xx(c):
    with SmtpServer(rcpt_replies={'later@example.org':
                                  '451 4.2.0 try again later'}) as srv:
        res = send(srv, ARGV + ['later@example.org'])
    failed_with(c, res, T.EX_TEMPFAIL)
    delivered_to(c, srv, ['a@example.org'])


def mail_reply(c, reply, code):
    with SmtpServer(mail_reply=reply) as srv:
        res = send(srv)
    failed_with(c, res, code)
    c.eq(srv.transactions, [], 'transactions at the server')


def eod_reply(c, reply, code):
    with SmtpServer(eod_reply=reply) as srv:
        res = send(srv)
    failed_with(c, res, code)
    c.eq(len(srv.transactions), 1, 'messages that reached the end of DATA')


def data_reply(c):
    with SmtpServer(data_reply='554 5.5.1 no valid recipients') as srv:
        res = send(srv)
    failed_with(c, res, T.EX_UNAVAILABLE)


# -- broken peers ---------------------------------------------------------

def close_in_data(c):
    with SmtpServer(mode='close-in-data') as srv:
        res = send(srv, msg=BIG)
    failed_with(c, res, T.EX_TEMPFAIL)
    c.true(srv.partial, 'the server never got into DATA')


def never_answers(c):
    with SmtpServer(mode='silent') as srv:
        res = send(srv, timeout_cfg=2, watchdog=30)
    failed_with(c, res, T.EX_TEMPFAIL)
    c.true(res.elapsed < 8, 'took %.1f s with timeout 2' % res.elapsed)
    c.eq(srv.connections, 1, 'connections')


def garbage(c, mode):
    with SmtpServer(mode=mode) as srv:
        res = send(srv)
    failed_with(c, res, T.EX_PROTOCOL)
    c.true(res.elapsed < 8, 'took %.1f s' % res.elapsed)


def flood(c, mode):
    with SmtpServer(mode='silent') as quiet:       # dsmtp waits: sampled
        base = send(quiet, timeout_cfg=1)
    c.need(base.peak_kb > 0, 'no memory sample of a waiting dsmtp')
    with SmtpServer(mode=mode) as srv:
        res = send(srv)
    failed_with(c, res, T.EX_PROTOCOL)
    c.true(res.elapsed < 10, 'took %.1f s' % res.elapsed)
    c.true(res.peak_kb < base.peak_kb + FLOOD_SLACK_KB,
           'peak memory %d KiB; connected and waiting it takes %d KiB'
           % (res.peak_kb, base.peak_kb))


def greet421(c):
    with SmtpServer(mode='greet421') as srv:
        res = send(srv)
    failed_with(c, res, T.EX_TEMPFAIL)


def refused(c):
    sock = refused_port()
    try:
        res = send(sock.getsockname()[1])
    finally:
        sock.close()
    failed_with(c, res, T.EX_TEMPFAIL)


# -- recoverable ----------------------------------------------------------

def helo_fallback(c):
    with SmtpServer(reject_ehlo=True) as srv:
        res = send(srv)
    c.exit(res, T.EX_OK)
    c.no_stdout(res)
    c.eq(len(srv.commands_named('EHLO')), 1, 'EHLO commands')
    c.need(len(srv.accepted) == 1, 'no message delivered after HELO')
    txn = srv.accepted[0]
    c.eq(txn.helo_verb, 'HELO', 'greeting used')
    c.eq((txn.mail_from, txn.mail_params, txn.rcpt_addrs),
         ('sender@example.com', {}, ['a@example.org']),
         'envelope (no ESMTP parameters after HELO)')


TESTS = [
    ('5xx on one RCPT: others delivered, exit 67 (EX_NOUSER)', rcpt_5xx),
    ('4xx on one RCPT: others delivered, exit 75 (EX_TEMPFAIL)', rcpt_4xx),
    ('4xx on MAIL: exit 75 (EX_TEMPFAIL)',
     lambda c: mail_reply(c, '451 4.3.0 try again later', T.EX_TEMPFAIL)),
    ('5xx on MAIL: exit 69 (EX_UNAVAILABLE)',
     lambda c: mail_reply(c, '550 5.7.1 sender refused', T.EX_UNAVAILABLE)),
    ('5xx on DATA: exit 69 (EX_UNAVAILABLE)', data_reply),
    ('4xx after the final dot: exit 75 (EX_TEMPFAIL)',
     lambda c: eod_reply(c, '451 4.3.0 queue full', T.EX_TEMPFAIL)),
    ('5xx after the final dot: exit 69 (EX_UNAVAILABLE)',
     lambda c: eod_reply(c, '554 5.6.0 content rejected', T.EX_UNAVAILABLE)),
    ('server closes the connection in DATA: exit 75', close_in_data),
    ('server never answers (timeout 2): exit 75 within seconds',
     never_answers),
    ('garbage greeting (SSH banner): exit 76 (EX_PROTOCOL)',
     lambda c: garbage(c, 'garbage')),
    ('garbage replies after a good greeting: exit 76',
     lambda c: garbage(c, 'garbage-ehlo')),
    ('10 MB multi-line EHLO reply: exit 76, fast, bounded memory',
     lambda c: flood(c, 'flood-lines')),
    ('10 MB greeting line: exit 76, fast, bounded memory',
     lambda c: flood(c, 'flood-line')),
    ('421 greeting: exit 75', greet421),
    ('connection refused: exit 75', refused),
    ('EHLO rejected: HELO fallback delivers', helo_fallback),
]

if __name__ == '__main__':
    T.main(TESTS)
