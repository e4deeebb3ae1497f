#!/usr/bin/python3
"""msmtp_pcli.py - msmtp's command line, with msmtp as the oracle.

The long options that mirror configuration commands (--tls, --auth,
--timeout, --domain, -X ...), msmtp's spellings of -N, -R, -B and -o, --host
reading no file, and an explicit --read-envelope-from (issue 8 items 3.9
and 3.10).  Each case runs msmtp and dsmtp with the same file and arguments
against the same recording server (msmtp.py's agree() and fail_alike())."""

import os
import sys

sys.dont_write_bytecode = True     # the source tree may be read-only
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, '..', 'lib'))
import dsmtptest as T                                    # noqa: E402
import msmtp as M                                        # noqa: E402
from smtpserver import SmtpServer                        # noqa: E402

CAROL = (b'From: Carol <carol@example.net>\nTo: bob@example.net\n'
         b'Subject: envelope from the header\n\nhi\n')


def usage_alike(c, argv):
    """Both refuse the command line with EX_USAGE and send nothing."""
    (mres, mtx), (dres, dtx) = M.both(c, argv, M.MSG)
    c.eq(mres.code, T.EX_USAGE, 'msmtp exit code (%s)' % T.short(mres.err))
    c.eq(dres.code, mres.code, 'dsmtp exit code (%s)' % T.short(dres.err))
    c.eq(dtx, [], 'messages dsmtp delivered')
    c.one_stderr_line(M.without_domain_warning(dres))


def same_helo(c, argv):
    """--domain is the EHLO name, as in msmtp."""
    (_, mtx), (_, dtx) = M.agree(c, argv)
    c.need(mtx and dtx, 'both delivered')
    c.eq(dtx[0].helo_name, mtx[0].helo_name, 'EHLO name (dsmtp vs msmtp)')
    c.eq(dtx[0].helo_name, 'ehlo.example', 'EHLO name')


def host_reads_no_file(c):
    """--host: only the command line counts; the file's defaults (tls on,
    which this server cannot do) are not read, as in msmtp."""
    out = []
    for prog in ('msmtp', 'dsmtp'):
        with SmtpServer() as srv, T.sandbox() as box:
            cfg = T.write_file(os.path.join(box, 'rc'), 'defaults\ntls on\n'
                               'syslog off\naccount default\nhost 127.0.0.2'
                               '\nport 1\n')
            argv = ['-C', cfg, '--host=127.0.0.1', '--port=%d' % srv.port,
                    '--syslog=off', '-f', M.FROM, 'bob@example.net']
            res = (M.run_msmtp(box, argv, M.MSG) if prog == 'msmtp' else
                   M.run_dsmtp(argv, M.MSG, box))
            srv.settle()
            out.append((res, M.envelope(srv.transactions)))
    (mres, menv), (dres, denv) = out
    c.eq(mres.code, 0, 'msmtp exit code (%s)' % T.short(mres.err))
    c.eq(dres.code, 0, 'dsmtp exit code (%s)' % T.short(dres.err))
    c.eq(denv, menv, 'envelope (dsmtp vs msmtp)')


def logfile_x(c):
    """-X FILE is msmtp's --logfile: both write a line there."""
    for prog in ('msmtp', 'dsmtp'):
        with SmtpServer() as srv, T.sandbox() as box:
            cfg = M.config(box, srv.port)
            log = os.path.join(box, 'x.log')
            argv = ['-C', cfg, '-X', log, 'bob@example.net']
            res = (M.run_msmtp(box, argv, M.MSG) if prog == 'msmtp' else
                   M.run_dsmtp(argv, M.MSG, box))
            c.eq(res.code, 0, '%s exit code (%s)' % (prog, T.short(res.err)))
            c.true(os.path.exists(log) and os.path.getsize(log) > 0,
                   '%s wrote its log line to the -X file' % prog)
            c.true(not os.path.exists(os.path.join(box, 'log')),
                   '%s left the file\'s logfile alone' % prog)


def keygen_old_domain(c):
    """dsmtp only: --dkim-keygen with the old --domain is refused, not a
    record for another domain; --keygen-domain names it."""
    with T.sandbox() as box:
        key = os.path.join(box, 'k.pem')
        res = T.run(['--dkim-keygen', '--key-type=ed25519',
                     '--domain=example.net', key], box=box)
        c.exit(res, T.EX_USAGE)
        c.one_stderr_line(res)
        c.true(b'--keygen-domain' in res.err, 'the message names '
               '--keygen-domain: %s' % T.short(res.err))
        c.true(not os.path.exists(key), 'no key file was made')
        res = T.run(['--dkim-keygen', '--key-type=ed25519',
                     '--keygen-domain=example.net', key], box=box)
        c.exit(res, T.EX_OK)
        c.true(b'example.net' in res.out, 'the record names example.net')


TESTS = [
    # 3.10: options mirroring configuration commands
    ('--tls=off overrides the account\'s tls on',
     lambda c: M.agree(c, ['--tls=off', 'bob@example.net'],
                       account=['tls on'])),
    ('--tls off: "off" is a recipient and tls is on, as in msmtp',
     lambda c: M.fail_alike(c, ['--tls', 'off', 'bob@example.net'])),
    ('--tls-starttls=off --tls=off after tls on in the file',
     lambda c: M.agree(c, ['--tls-starttls=off', '--tls=off',
                           'bob@example.net'], account=['tls on'])),
    ('--auth=off overrides the account\'s auth on',
     lambda c: M.agree(c, ['--auth=off', 'bob@example.net'],
                       account=['auth on', 'user u', 'password p'])),
    ('--auth alone turns authentication on: both fail without AUTH',
     lambda c: M.fail_alike(c, ['--auth', '--user=u', 'bob@example.net'])),
    ('--timeout, --protocol, --set-date-header, --remove-bcc-headers',
     lambda c: M.agree(c, ['--timeout=20', '--protocol=smtp',
                           '--set-date-header=auto', '--set-msgid-header',
                           '--remove-bcc-headers=on', '--undisclosed-'
                           'recipients=off', '--set-from-header=auto',
                           'bob@example.net'], M.BARE)),
    ('--set-from-header=off: no From added',
     lambda c: M.agree(c, ['--set-from-header=off', 'bob@example.net'],
                       M.BARE)),
    ('--undisclosed-recipients: To replaced',
     lambda c: M.agree(c, ['--undisclosed-recipients', '-t'],
                       b'Subject: u\nTo: bob@example.net\n\nbody\n',
                       added=[b'To: undisclosed-recipients:;\r\n'])),
    ('--dsn-notify and --dsn-return',
     lambda c: M.agree(c, ['--dsn-notify=success,delay',
                           '--dsn-return=headers', 'bob@example.net'])),
    ('--domain is the EHLO name',
     lambda c: same_helo(c, ['--domain=ehlo.example', 'bob@example.net'])),
    ('--read-recipients is -t',
     lambda c: M.agree(c, ['--read-recipients'], M.MSG)),
    ('-d is accepted (debug output)',
     lambda c: M.agree(c, ['-d', 'bob@example.net'])),
    ('--host ignores the configuration files',
     host_reads_no_file),
    ('-X FILE is the log file',
     logfile_x),
    ('--timeout=abc: both refuse the command line',
     lambda c: usage_alike(c, ['--timeout=abc', 'bob@example.net'])),
    ('--tls=maybe: both refuse the command line',
     lambda c: usage_alike(c, ['--tls=maybe', 'bob@example.net'])),
    ('--tls= (empty): both refuse the command line',
     lambda c: usage_alike(c, ['--tls=', 'bob@example.net'])),
    ('--port=x: both refuse the command line',
     lambda c: usage_alike(c, ['--port=x', 'bob@example.net'])),
    ('--protocol=x: both refuse the command line',
     lambda c: usage_alike(c, ['--protocol=x', 'bob@example.net'])),
    ('-N bogus: both refuse the command line',
     lambda c: usage_alike(c, ['-N', 'bogus', 'bob@example.net'])),
    # msmtp's spellings of sendmail options
    ('-N off unsets the account\'s dsn_notify',
     lambda c: M.agree(c, ['-N', 'off', 'bob@example.net'],
                       account=['dsn_notify failure'])),
    ('-R headers', lambda c: M.agree(c, ['-R', 'headers', 'bob@example.net'])),
    ('-R off unsets the account\'s dsn_return',
     lambda c: M.agree(c, ['-R', 'off', 'bob@example.net'],
                       account=['dsn_return full'])),
    ('-B takes any value',
     lambda c: M.agree(c, ['-B', 'BINARYMIME', 'bob@example.net'])),
    ('-o X VALUE: the next word is the value, not a recipient',
     lambda c: M.agree(c, ['-o', 'i', 'bob@example.net'])),
    ('--dkim-keygen: --domain refused, --keygen-domain names the domain',
     keygen_old_domain),
    # 3.9: an explicit --read-envelope-from
    ('--read-envelope-from: the From address is the envelope sender',
     lambda c: M.agree(c, ['--read-envelope-from', 'bob@example.net'],
                       CAROL)),
    ('--read-envelope-from with -a: still the From address',
     lambda c: M.agree(c, ['--read-envelope-from', '-a', 'work',
                           'bob@example.net'], CAROL,
                       extra_accounts=[('work', ['from work@example.com'])])),
    ('--read-envelope-from and -f: both refuse the command line',
     lambda c: usage_alike(c, ['--read-envelope-from', '-f',
                               'other@example.org', 'bob@example.net'])),
    ('--read-envelope-from without a From header: both refuse',
     lambda c: M.fail_alike(c, ['--read-envelope-from', 'bob@example.net'],
                            M.BARE)),
    ('--read-envelope-from with -t',
     lambda c: M.agree(c, ['--read-envelope-from', '-t'], CAROL)),
    ('no --read-envelope-from: the account\'s from, as msmtp',
     lambda c: M.agree(c, ['-a', 'work', 'bob@example.net'], CAROL,
                       extra_accounts=[('work', ['from work@example.com'])])),
]


if __name__ == '__main__':
    T.main(M.suite(TESTS))
