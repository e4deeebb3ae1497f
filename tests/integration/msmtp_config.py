#!/usr/bin/python3
"""msmtp_config.py - msmtp's configuration commands, msmtp as the oracle.

Issue 8 section 3 (items 3.1, 3.2, 3.4, 3.6, 3.8): the commands dsmtp used
to refuse (ntlmdomain, auto_from, maildomain, add_missing_*_header and the
old names), an empty argument unsetting a value, domain's %H and %M, an
account defined twice, eval's first line, and comments in the aliases
file.  Each case runs msmtp and dsmtp with the same file (msmtp.py's
config(), agree() and fail_alike()); what msmtp cannot show (a refusal
that is dsmtp's own) is checked on dsmtp alone."""

import os
import sys

sys.dont_write_bytecode = True     # the source tree may be read-only
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..', 'lib'))
import dsmtptest as T                                    # noqa: E402
import msmtp as M                                        # noqa: E402
from smtpserver import SmtpServer                        # noqa: E402

RCPT = ['bob@example.net']
FP = ':'.join(['AB'] * 32)


def helo_names(c, account, **server):
    """The EHLO names msmtp and dsmtp sent, with the same account."""
    (mres, mtx), (dres, dtx) = M.both(c, RCPT, M.MSG, account, (), **server)
    c.eq(dres.code, mres.code, 'exit code (dsmtp vs msmtp); dsmtp: %s'
         % T.short(dres.err))
    return [t.helo_name for t in mtx], [t.helo_name for t in dtx]


def domain_expands(c, pattern):
    mnames, dnames = helo_names(c, ['domain %s' % pattern])
    c.need(mnames, 'msmtp sent no message')
    c.eq(dnames, mnames, 'EHLO name for domain %s' % pattern)


def domain_mailname(c):
    if os.path.exists('/etc/mailname'):
        domain_expands(c, 'm.%M')
    else:
        # msmtp refuses %M without /etc/mailname; so must dsmtp.
        M.fail_alike(c, RCPT, account=['domain %M'])


def dsmtp_alone(c, account, stdin=M.MSG, argv=RCPT):
    """Run dsmtp only with msmtp.py's shared file plus account."""
    with SmtpServer() as srv, T.sandbox() as box:
        cfg = M.config(box, srv.port, account)
        res = M.run_dsmtp(['-C', cfg] + list(argv), stdin, box)
        srv.settle()
        return res, list(srv.transactions)


def refused(c, account, what):
    res, txns = dsmtp_alone(c, account)
    c.eq(res.code, 78, 'exit code (EX_CONFIG); stderr: %s' % T.short(res.err))
    c.eq(txns, [], 'transactions')
    c.one_stderr_line(M.without_domain_warning(res))
    c.true(what.encode() in res.err, 'stderr names %s: %s'
           % (what, T.short(res.err)))


def aliases_file(box, text):
    return T.write_file(os.path.join(box, 'aliases'), text)


def aliases_comment(c):
    """msmtp and dsmtp read 'bob: a, b # comment' as bob: a, b."""
    out = []
    for prog in ('msmtp', 'dsmtp'):
        with SmtpServer() as srv, T.sandbox() as box:
            al = aliases_file(box, 'bob: b1@example.net, b2@example.net '
                              '# Bob at work\n# a comment line\n'
                              'carol: c@example.net#home\n')
            cfg = M.config(box, srv.port, ['aliases %s' % al])
            # msmtp 1.8.23 leaves the recipient after an expanded alias
            # unexpanded (its own bug): z@ takes that place.
            args = ['-C', cfg, 'bob', 'z@example.org', 'carol']
            res = (M.run_msmtp(box, args, M.MSG) if prog == 'msmtp'
                   else M.run_dsmtp(args, M.MSG, box))
            srv.settle()
            out.append((res, [sorted(a for a, _ in t.rcpts)
                              for t in srv.transactions]))
    (mres, mr), (dres, dr) = out
    c.eq(mres.code, 0, 'msmtp exit; stderr: %s' % T.short(mres.err))
    c.eq(dres.code, 0, 'dsmtp exit; stderr: %s' % T.short(dres.err))
    c.eq(dr, mr, 'recipients (dsmtp vs msmtp)')
    c.eq(dr, [['b1@example.net', 'b2@example.net', 'c@example.net',
               'z@example.org']],
         'recipients')


def aliases_empty_disables(c):
    """'aliases' with an empty argument turns the defaults' file off."""
    with SmtpServer() as srv, T.sandbox() as box:
        al = aliases_file(box, 'bob@example.net: other@example.org\n'
                          'bob: other@example.org\n')
        cfg = M.config(box, srv.port, ['aliases'])
        text = open(cfg).read().replace('defaults\n', 'defaults\naliases %s\n'
                                        % al, 1)
        T.write_file(cfg, text)
        res = M.run_dsmtp(['-C', cfg, 'bob@example.net'], M.MSG, box)
        srv.settle()
        c.eq(res.code, 0, 'exit code; stderr: %s' % T.short(res.err))
        c.eq([[a for a, _ in t.rcpts] for t in srv.transactions],
             [['bob@example.net']], 'recipients (no alias applied)')


def twice_refused(c):
    """Both refuse a file defining account default twice (the second a
    working one): nothing is sent."""
    (mres, mtx), (dres, dtx) = M.both(c, RCPT, M.MSG, (),
                                      [('default', [])])
    c.true(mres.code != 0, 'msmtp exited 0: the case is not a failure')
    c.eq(dres.code, 78, 'dsmtp exit code; stderr: %s' % T.short(dres.err))
    c.eq(dtx, [], 'transactions')


def twice_names_both(c):
    with SmtpServer() as srv, T.sandbox() as box:
        cfg = M.config(box, srv.port, ['', 'account default',
                                       'host 127.0.0.1'])
        lines = [i + 1 for i, l in enumerate(open(cfg).read().split('\n'))
                 if l == 'account default']
        res = M.run_dsmtp(['-C', cfg] + RCPT, M.MSG, box)
        srv.settle()
        c.eq(res.code, 78, 'exit code; stderr: %s' % T.short(res.err))
        c.eq(list(srv.transactions), [], 'transactions')
        for n in lines:
            c.true(('%s:%d' % (cfg, n)).encode() in res.err,
                   'stderr names line %d: %s' % (n, T.short(res.err)))


TESTS = [
    # 3.1: commands dsmtp used to refuse.
    ('ntlmdomain is accepted (auth off)',
     lambda c: M.agree(c, RCPT, account=['ntlmdomain CORP'])),
    ('auth ntlm: refused with a clear error, nothing sent',
     lambda c: refused(c, ['auth ntlm', 'user u', 'password p'], 'NTLM')),
    ('auto_from on + maildomain: envelope and From are USER@maildomain',
     lambda c: M.agree(c, RCPT, M.BARE,
                       account=['auto_from on', 'maildomain d.example'])),
    ('auto_from on + maildomain: -f does not change it',
     lambda c: M.agree(c, ['-f', 'given@example.org'] + RCPT, M.BARE,
                       account=['auto_from', 'maildomain d.example'])),
    ('auto_from off: from applies',
     lambda c: M.agree(c, RCPT, M.BARE,
                       account=['auto_from off', 'maildomain d.example'])),
    ('add_missing_from_header off: no From added',
     lambda c: M.agree(c, RCPT, M.BARE,
                       account=['add_missing_from_header off'])),
    ('add_missing_date_header off: no Date added',
     lambda c: M.agree(c, RCPT, M.BARE,
                       account=['add_missing_date_header off'])),
    ('add_missing_*_header on: both added',
     lambda c: M.agree(c, RCPT, M.BARE,
                       account=['add_missing_from_header on',
                                'add_missing_date_header'])),
    ('connect_timeout is timeout',
     lambda c: M.agree(c, RCPT, account=['connect_timeout 30'])),
    ('keepbcc: -t keeps the Bcc header',
     lambda c: M.agree(c, ['-t'], b'To: bob@example.net\nBcc: eve@example.'
                       b'org\nSubject: k\n\nbody\n', account=['keepbcc'])),
    ('keepbcc off: -t removes it',
     lambda c: M.agree(c, ['-t'], b'To: bob@example.net\nBcc: eve@example.'
                       b'org\nSubject: k\n\nbody\n',
                       account=['keepbcc off'])),
    ('tls_nocertcheck and tls_nostarttls are accepted',
     lambda c: M.agree(c, RCPT,
                       account=['tls_nocertcheck', 'tls_nostarttls'])),
    ('tls_nocertcheck takes no argument',
     lambda c: M.fail_alike(c, RCPT, account=['tls_nocertcheck on'])),
    ('tls_force_sslv3 off is accepted',
     lambda c: M.agree(c, RCPT, account=['tls_force_sslv3 off'])),
    ('tls_force_sslv3 on: refused (SSLv3), nothing sent',
     lambda c: refused(c, ['tls_force_sslv3 on'], 'SSLv3')),
    # 3.2: an empty argument unsets.
    ('empty source_ip, proxy_host, proxy_port unset what was set',
     lambda c: M.agree(c, RCPT, account=[
         'source_ip 203.0.113.77', 'proxy_host 127.0.0.1', 'proxy_port 9',
         'source_ip', 'proxy_host', 'proxy_port'])),
    ('empty tls_* settings are accepted and unset',
     lambda c: M.agree(c, RCPT, account=[
         'tls_fingerprint %s' % FP, 'tls_crl_file /nonexistent/crl',
         'tls_fingerprint', 'tls_crl_file', 'tls_host_override',
         'tls_priorities', 'tls_trust_file', 'tls_key_file', 'tls_cert_file',
         'tls_min_dh_prime_bits'])),
    ('empty user, password, passwordeval, logfile_time_format',
     lambda c: M.agree(c, RCPT, account=[
         'user', 'password', 'passwordeval', 'logfile_time_format'])),
    ('empty set_*_header means auto',
     lambda c: M.agree(c, RCPT, M.BARE, account=[
         'set_from_header', 'set_date_header', 'set_msgid_header'])),
    ('empty dsn_notify is refused as by msmtp',
     lambda c: M.fail_alike(c, RCPT, account=['dsn_notify'])),
    ('empty aliases turns the defaults\' aliases file off',
     aliases_empty_disables),
    # 3.4
    ('domain %H is the host name in EHLO',
     lambda c: domain_expands(c, 'mx.%H.example')),
    ('domain %M is /etc/mailname (refused without it)', domain_mailname),
    # 3.6
    ('an account defined twice is refused', twice_refused),
    ('an account defined twice: both lines named', twice_names_both),
    ('eval with no argument is refused as by msmtp',
     lambda c: M.fail_alike(c, RCPT, account=['eval'])),
    ('eval uses the first line of the output only',
     lambda c: M.agree(c, RCPT, M.BARE, account=[
         "eval printf 'from eval@example.org\\nbogus_command x\\n'"])),
    # 3.8
    ('aliases: a # comment after an entry is stripped', aliases_comment),
]


if __name__ == '__main__':
    T.main(M.suite(TESTS))
