#!/usr/bin/python3
"""msmtp.py - msmtp itself is the oracle for dsmtp's msmtp compatibility.

Each case is an msmtprc file, a command line and a message.  Debian's
msmtp and dsmtp run with the same file and arguments against the same
recording server (tests/lib/smtpserver.py), one after the other, and must
agree on: success or failure (and, for a failure, that nothing was sent),
the envelope (MAIL FROM and its RET/ENVID/BODY parameters, every RCPT and
its NOTIFY), and the message as it arrived: every header field the caller
wrote, in order and byte for byte, the names of the fields each added
(Date, Message-ID, From), and the body.  What dsmtp does differently on
purpose (the manual's "Differences from msmtp") is kept out of these
cases: each sets `from`, `syslog off` and a log file of its own.

Needs Debian's msmtp package (not msmtp-mta), which tests/install-deps.sh
installs; it provides no mail-transport-agent."""

import os
import shutil
import subprocess
import sys

sys.dont_write_bytecode = True     # the source tree may be read-only
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..', 'lib'))
import dsmtptest as T                                    # noqa: E402
from smtpserver import SmtpServer                        # noqa: E402

MSMTP = shutil.which('msmtp', path='/usr/bin:/bin') or 'msmtp'
# Fields either program adds when the caller left them out; their values
# differ by nature (time, random ids), so only their presence is compared.
ADDED = ('date', 'message-id', 'from')
FROM = 'alice@example.org'
MSG = (b'From: Alice <alice@example.org>\nTo: Bob <bob@example.net>\n'
       b'Subject: msmtp parity\nDate: Mon, 30 Nov 2026 10:00:00 +0000\n'
       b'Message-ID: <parity.1@example.org>\n\nHello Bob,\n.leading dot\n'
       b'\nlast line\n')
BARE = b'To: bob@example.net\nSubject: nothing added by me\n\nhi\n'


def config(box, port, account=(), extra_accounts=()):
    """The shared msmtprc: defaults, account default at port, and more."""
    lines = ['defaults', 'syslog off', 'auth off', 'tls off',
             'logfile %s' % os.path.join(box, 'log'),
             '', 'account default', 'host 127.0.0.1', 'port %d' % port,
             'from %s' % FROM]
    lines += list(account)
    for name, body in extra_accounts:
        lines += ['', 'account %s' % name, 'host 127.0.0.1',
                  'port %d' % port] + list(body)
    return T.write_file(os.path.join(box, 'msmtprc'),
                        '\n'.join(lines) + '\n')


def run_msmtp(box, argv, stdin):
    env = T.sandbox_env(box)
    try:
        res = subprocess.run([MSMTP] + argv, input=stdin, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             timeout=30)
    except subprocess.TimeoutExpired:
        return None
    return T.Result(res.returncode, res.stdout, res.stderr, 0.0, 0)


def run_dsmtp(argv, stdin, box):
    """dsmtp as the comparison runs it: with --queue=off, whose outcome and
    exit codes are msmtp's (with the queue on, dsmtp keeps what msmtp
    would fail on, and exits 0)."""
    return T.run(['--queue=off'] + list(argv), stdin, box=box)


def both(c, argv, stdin, account=(), extra_accounts=(), **server):
    """Run msmtp, then dsmtp: [(result, transactions)] for each."""
    out = []
    for prog in ('msmtp', 'dsmtp'):
        with SmtpServer(**server) as srv, T.sandbox() as box:
            cfg = config(box, srv.port, account, extra_accounts)
            args = ['-C', cfg] + list(argv)
            res = (run_msmtp(box, args, stdin) if prog == 'msmtp' else
                   run_dsmtp(args, stdin, box))
            c.need(res is not None, '%s did not end within 30 s' % prog)
            srv.settle()
            out.append((res, list(srv.transactions)))
    return out


def envelope(txns):
    # SIZE= and BODY= are left out: dsmtp declares the size (RFC 1870)
    # and an 8-bit body (RFC 6152), msmtp does neither (see the manual's
    # "Differences from msmtp").
    return [(t.mail_from, sorted((k, v) for k, v in t.mail_params.items()
                                 if k not in ('SIZE', 'BODY')),
             [(a, sorted(p.items())) for a, p in t.rcpts]) for t in txns]


def message_parts(txn, extra_added=()):
    """(fields the caller wrote, fields added, body).  Where each program
    puts what it adds differs (msmtp at the top, dsmtp at the end): only
    the order of the caller's fields counts."""
    fields, body = T.split_message(txn.content)
    kept, added = [], []
    for f in fields:
        name = T.field_name(f).lower()
        (added if name in ADDED or f in extra_added else kept).append(f)
    return kept, sorted(T.field_name(f).lower() for f in added), body


def agree(c, argv, stdin=MSG, account=(), extra_accounts=(), added=(),
          **server):
    """msmtp and dsmtp agree on outcome, envelope and message; added
    names whole fields (bytes) that either program adds."""
    (mres, mtx), (dres, dtx) = both(c, argv, stdin, account,
                                    extra_accounts, **server)
    c.true((mres.code == 0) == (dres.code == 0),
           'msmtp exited %d, dsmtp %d; msmtp stderr: %s; dsmtp stderr: %s'
           % (mres.code, dres.code, T.short(mres.err), T.short(dres.err)))
    c.no_stdout(dres)
    c.eq(envelope(dtx), envelope(mtx), 'envelope (dsmtp vs msmtp)')
    c.eq(len(dtx), len(mtx), 'transactions')
    for m, d in zip(mtx, dtx):
        mk, ma, mb = message_parts(m, added)
        dk, da, db = message_parts(d, added)
        c.eq(dk, mk, 'header fields the caller wrote')
        c.eq(da, ma, 'names of the header fields added')
        c.eq(db, mb, 'body')
    return (mres, mtx), (dres, dtx)


def without_domain_warning(res):
    """res without dsmtp's warning about a qualify domain with no dot: the
    shared file cannot set qualify_domain (msmtp does not know it), and a
    test machine may be called "vm"."""
    lines = [l for l in res.err.split(b'\n')
             if b'warning: the qualify domain' not in l]
    return T.Result(res.code, res.out, b'\n'.join(lines), res.elapsed,
                    res.peak_kb)


def fail_alike(c, argv, stdin=MSG, account=(), **server):
    """Both refuse: non-zero exit, and no message reached the server."""
    (mres, mtx), (dres, dtx) = both(c, argv, stdin, account, **server)
    c.true(mres.code != 0, 'msmtp exited 0: the case is not a failure')
    c.true(dres.code != 0, 'dsmtp exited 0 where msmtp failed (%d: %s)'
           % (mres.code, T.short(mres.err)))
    c.eq([t for t in dtx if t.accepted], [], 'messages dsmtp delivered')
    c.one_stderr_line(without_domain_warning(dres))


TESTS = [
    ('argv recipient: same envelope and bytes',
     lambda c: agree(c, ['bob@example.net'])),
    ('several argv recipients',
     lambda c: agree(c, ['bob@example.net', 'carol@example.net',
                         'dave@example.org'])),
    ('-f overrides the account from',
     lambda c: agree(c, ['-f', 'other@example.org', 'bob@example.net'])),
    ('--from= overrides the account from',
     lambda c: agree(c, ['--from=other@example.org', 'bob@example.net'])),
    ('-t: recipients from To, Cc and Bcc; Bcc removed',
     lambda c: agree(c, ['-t'], b'From: alice@example.org\nTo: bob@example.'
                     b'net\nCc: Carol <carol@example.net>, dave@example.org'
                     b'\nBcc: eve@example.org\nSubject: t\n\nbody\n')),
    ('-t with an argv recipient too',
     lambda c: agree(c, ['-t', 'frank@example.org'],
                     b'To: bob@example.net\nSubject: t\n\nbody\n')),
    ('missing Date, Message-ID and From are added by both',
     lambda c: agree(c, ['bob@example.net'], BARE)),
    ('dsn_notify and dsn_return in the account',
     lambda c: agree(c, ['bob@example.net'],
                     account=['dsn_notify failure,delay',
                              'dsn_return headers'])),
    ('-N and -R on the command line',
     lambda c: agree(c, ['-N', 'success', '-R', 'full', 'bob@example.net'])),
    ('-a chooses the account',
     lambda c: agree(c, ['-a', 'work', 'bob@example.net'],
                     extra_accounts=[('work', ['from work@example.com'])])),
    ('--account= chooses the account',
     lambda c: agree(c, ['--account=work', 'bob@example.net'],
                     extra_accounts=[('work', ['from work@example.com'])])),
    ('-f joe+tag@ chooses the account whose from is joe@',
     lambda c: agree(c, ['-f', 'joe+tag@example.com', 'bob@example.net'],
                     extra_accounts=[('work', ['from joe@example.com',
                                               'dsn_notify success'])])),
    ('account chosen by -f matching its from',
     lambda c: agree(c, ['-f', 'work@example.com', 'bob@example.net'],
                     extra_accounts=[('work', ['from work@example.com'])])),
    ('8-bit body to an 8BITMIME server: bytes unchanged',
     lambda c: agree(c, ['bob@example.net'],
                     b'Subject: 8bit\nContent-Type: text/plain; '
                     b'charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n'
                     b'r\xc3\xa4ksm\xc3\xb6rg\xc3\xa5s\n')),
    ('CRLF input: same bytes',
     lambda c: agree(c, ['bob@example.net'], MSG.replace(b'\n', b'\r\n'))),
    ('set_from_header off: no From added',
     lambda c: agree(c, ['bob@example.net'], BARE,
                     account=['set_from_header off'])),
    ('undisclosed_recipients on: To and Cc replaced, Bcc gone',
     lambda c: agree(c, ['-t'], b'Subject: u\nTo: bob@example.net\n'
                     b'Cc: c@example.net\nBcc: d@example.net\nX-A: 1\n\n'
                     b'body\n', account=['undisclosed_recipients on'],
                     added=[b'To: undisclosed-recipients:;\r\n'])),
    ('server refuses MAIL: both fail, nothing delivered',
     lambda c: fail_alike(c, ['bob@example.net'],
                          mail_reply='550 5.7.1 sender refused')),
    ('server refuses the message after DATA: both fail',
     lambda c: fail_alike(c, ['bob@example.net'],
                          eod_reply='554 5.6.0 content refused')),
    ('unknown account: both fail before connecting',
     lambda c: fail_alike(c, ['-a', 'nosuch', 'bob@example.net'])),
    ('unknown configuration command: both refuse the file',
     lambda c: fail_alike(c, ['bob@example.net'],
                          account=['no_such_command on'])),
]


def suite(tests):
    """tests, or one failing test saying msmtp is missing: every msmtp*.py
    suite needs msmtp as its oracle."""
    if not os.access(MSMTP, os.X_OK):
        return [('msmtp is installed (Debian package msmtp)',
                 lambda c: c.fail('%s not found: tests/install-deps.sh '
                                  'installs it' % MSMTP))]
    return tests


if __name__ == '__main__':
    T.main(suite(TESTS))
