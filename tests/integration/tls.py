#!/usr/bin/python3
"""tls.py - dsmtp's relay TLS against a real TLS server (authserver.py with
certificates from a test CA made by tlsca.py): STARTTLS and implicit TLS,
trust files, CRLs, pinning, tls_host_override and SNI, client
certificates, TLS versions, --serverinfo.

Contract (msmtp's meaning, spec sections 3-5): `tls on` with
`tls_starttls on` (the default) requires STARTTLS; `tls_starttls off` is
implicit TLS on port 465 by default; TLS 1.2 is the floor.  Every TLS
failure is exit 75 with nothing sent in clear (queue off), data the
server pipelines after its 220 reply to STARTTLS included."""

import atexit
import json
import os
import shutil
import ssl
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True     # the source tree may be read-only
LIB = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'lib')
sys.path.insert(0, LIB)
import dsmtptest as T                                    # noqa: E402
import tlsca                                             # noqa: E402
from authserver import AuthServer                        # noqa: E402

EX_TEMPFAIL, EX_PROTOCOL = 75, 76
BODY = b'hello over TLS, line two\n'
MSG = (b'From: sender@example.com\nTo: rcpt@example.org\nSubject: tls\n\n' +
       BODY)
ARGV = ['-oi', '-f', 'sender@example.com', 'rcpt@example.org']
USERS = {'alice': 'tls-suite-pw'}

_pki = []


def pki():
    """The test CA and certificates, made once per run."""
    if not _pki:
        d = tempfile.mkdtemp(prefix='dsmtp-tls-pki-')
        atexit.register(shutil.rmtree, d, True)
        _pki.append(tlsca.make_pki(d))
    return _pki[0]


def server(cert='good', tls='starttls', **kw):
    p = pki()
    return AuthServer(tls=tls, cert=getattr(p, cert), **kw)


def trust(*more):
    return ['tls on', 'tls_trust_file %s' % pki().ca.cert] + list(more)


def send(srv, extra, argv=ARGV, msg=MSG, cli=()):
    """Run dsmtp (queue off) against srv; (result, logfile bytes)."""
    with T.sandbox() as box:
        cfg = T.write_config(box, srv.port, ['queue off', 'timeout 5'] +
                             list(extra))
        res = T.run(['-C', cfg] + list(cli) + list(argv), msg, box=box)
        return res, T.read_log(box)


def failed_with(c, res, code):
    c.exit(res, code)
    c.no_stdout(res)
    c.one_stderr_line(res)


def nothing_sent(c, srv):
    """No transaction, and no envelope, data or AUTH command at all."""
    c.eq(srv.transactions, [], 'transactions at the server')
    for verb in ('MAIL', 'RCPT', 'DATA', 'AUTH', 'BDAT'):
        c.eq(srv.commands_named(verb), [], '%s commands at the server' % verb)
    c.true(BODY.rstrip() not in srv.wire_bytes(),
           'the message body reached the server')


def delivered_over_tls(c, srv, version='TLSv1.3', how='starttls'):
    c.need(len(srv.transactions) == 1, 'want one transaction, got %d; TLS '
           'sessions %s; server errors %s' % (len(srv.transactions),
                                              srv.tls_sessions, srv.errors))
    t = srv.transactions[0]
    c.eq(t.tls, version, 'TLS version the message arrived under')
    c.eq((t.mail_from, t.rcpts), ('sender@example.com', ['rcpt@example.org']),
         'envelope')
    c.true(t.content.endswith(T.crlf(BODY)),
           'the body did not arrive: %s' % T.short(t.content[-80:]))
    c.eq([s.how for s in srv.tls_sessions], [how], 'TLS sessions')
    if how == 'starttls':
        c.eq([l.split(b' ')[0].rstrip(b'\r\n').upper()
              for l in srv.clear_commands()], [b'EHLO', b'STARTTLS'],
             'commands sent in clear')
    else:
        c.eq(srv.clear_commands(), [], 'commands sent in clear')
    return t


def log_says(c, log, key, value):
    want = ('%s=%s' % (key, value)).encode()
    c.true(want in log.split(), 'logfile lacks %s: %s' % (want.decode(),
                                                          T.short(log)))


# -- good chains ----------------------------------------------------------

def starttls_good(c):
    with server() as srv:
        res, log = send(srv, trust())
    c.exit(res, 0)
    c.no_stdout(res)
    delivered_over_tls(c, srv)
    log_says(c, log, 'tls', 'TLSv1.3')


def implicit_good(c):
    with server(tls='implicit') as srv:
        res, log = send(srv, trust('tls_starttls off'))
    c.exit(res, 0)
    delivered_over_tls(c, srv, how='implicit')
    log_says(c, log, 'tls', 'TLSv1.3')


def implicit_default_port(c):
    """tls_starttls off without a port goes to 465: checked in a private
    network namespace where this test owns port 465."""
    if os.geteuid() != 0 or not shutil.which('unshare'):
        c.skip('needs root and unshare for a private port 465')
    res = subprocess.run(['unshare', '-n', '/usr/bin/python3', '-B',
                          os.path.abspath(__file__), '--netns-465', pki().dir],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         timeout=60)
    if res.returncode == 99:
        c.skip('no private network namespace here: %s' % res.stderr[-200:])
    c.need(res.returncode == 0, 'namespace child failed: %s' % T.short(
        res.stderr))
    got = json.loads(res.stdout.decode())
    c.eq(got['code'], 0, 'exit status (stderr %r)' % got['err'])
    c.eq(got['txns'], [['TLSv1.3', ['rcpt@example.org']]],
         'transactions on 127.0.0.1:465 (TLS version, recipients)')
    c.eq(got['how'], ['implicit'], 'TLS sessions on port 465')


def netns_465_child(pki_dir):
    """In `unshare -n`: bring up lo, serve implicit TLS on 465, run dsmtp
    with no port.  Prints JSON; exit 99 when the namespace is unusable."""
    try:
        if subprocess.run(['ip', 'link', 'set', 'lo', 'up']).returncode:
            sys.exit(99)
    except OSError:             # no iproute2
        sys.exit(99)
    ca = os.path.join(pki_dir, 'ca.pem')
    good = tlsca.Cert('good', os.path.join(pki_dir, 'good.pem'),
                      os.path.join(pki_dir, 'good.key'),
                      os.path.join(pki_dir, 'good-chain.pem'), 'mail.test')
    with AuthServer(port=465, tls='implicit', cert=good) as srv:
        with T.sandbox() as box:
            cfg = T.write_file(os.path.join(box, 'rc'), '\n'.join([
                'defaults', 'syslog off', 'queue off', 'timeout 5',
                'account default', 'host 127.0.0.1', 'tls on',
                'tls_starttls off', 'tls_trust_file ' + ca]) + '\n')
            res = T.run(['-C', cfg] + ARGV, MSG, box=box)
    print(json.dumps({'code': res.code, 'err': res.err.decode('latin-1'),
                      'txns': [[t.tls, t.rcpts] for t in srv.transactions],
                      'how': [s.how for s in srv.tls_sessions]}))


def crl_not_listed(c):
    with server() as srv:
        res, _ = send(srv, trust('tls_crl_file %s' % pki().empty_crl))
    c.exit(res, 0)
    delivered_over_tls(c, srv)


def tls12_server(c):
    with server(tls_max=ssl.TLSVersion.TLSv1_2) as srv:
        res, log = send(srv, trust())
    c.exit(res, 0)
    delivered_over_tls(c, srv, version='TLSv1.2')
    log_says(c, log, 'tls', 'TLSv1.2')


def priorities_no_tls13(c):
    with server() as srv:
        res, log = send(srv, trust('tls_priorities NORMAL:-VERS-TLS1.3'))
    c.exit(res, 0)
    delivered_over_tls(c, srv, version='TLSv1.2')
    log_says(c, log, 'tls', 'TLSv1.2')


# -- refusals --------------------------------------------------------------

def refused_cert(c, cert, tls='starttls', extra=()):
    with server(cert=cert, tls=tls) as srv:
        more = ['tls_starttls off'] if tls == 'implicit' else []
        res, log = send(srv, trust(*more) + list(extra))
    failed_with(c, res, EX_TEMPFAIL)
    nothing_sent(c, srv)
    c.true(b'status=sent' not in log, 'logged as sent: %s' % T.short(log))
    if cert == 'wrong_name':
        # The error names what the certificate is for (issue 8 item 4.1).
        c.true(b'is not for 127.0.0.1 but for wrong.example' in res.err and
               b'tls_host_override' in res.err,
               'the names of the certificate: %s' % T.short(res.err))


def untrusted_waits_in_queue(c):
    """queue on: a certificate that fails the checks is the administrator's
    to mend (a trust file, a renewed certificate), as Postfix defers it:
    exit 0, the mail kept and logged deferred, never bounced; the next
    run after the mend delivers it over TLS."""
    with T.sandbox() as box:
        with server(cert='untrusted') as bad:
            cfg = T.write_config(box, bad.port, ['timeout 5'] + trust())
            res = T.run(['-C', cfg] + ARGV, MSG, box=box)
        c.exit(res, T.EX_OK)
        c.eq(res.err, b'', 'stderr')
        nothing_sent(c, bad)
        entries = os.listdir(os.path.join(box, 'queue', 'entries'))
        c.eq(len(entries), 1, 'entries kept')
        log = T.read_log(box)
        c.true(b'status=deferred' in log and b'status=bounced' not in log,
               'logged deferred: %s' % T.short(log))
        with server(cert='good') as good:
            cfg = T.write_config(box, good.port, ['timeout 5'] + trust())
            res = T.run(['-C', cfg, '-q'], b'', box=box)
            c.exit(res, T.EX_OK)
        delivered_over_tls(c, good)
        c.eq(os.listdir(os.path.join(box, 'queue', 'entries')), [],
             'entries after the run')


def system_trust(c):
    """tls_trust_file system: the test CA is not in the system store."""
    with server() as srv:
        res, _ = send(srv, ['tls on', 'tls_trust_file system'])
    failed_with(c, res, EX_TEMPFAIL)
    nothing_sent(c, srv)


def certcheck_off(c, cert, tls='starttls'):
    with server(cert=cert, tls=tls) as srv:
        more = ['tls_starttls off'] if tls == 'implicit' else []
        res, _ = send(srv, ['tls on', 'tls_certcheck off'] + more)
    c.exit(res, 0)
    delivered_over_tls(c, srv, how=tls)


def pin(c, cert, pinned, want):
    with server(cert=cert) as srv:
        res, _ = send(srv, ['tls on', 'tls_fingerprint %s'
                            % getattr(pki(), pinned).sha256])
    if want == 0:
        c.exit(res, 0)
        delivered_over_tls(c, srv)
    else:
        failed_with(c, res, want)
        nothing_sent(c, srv)


def pin_beats_trust_file(c):
    """A trusted chain with the wrong pin is still refused."""
    with server() as srv:
        res, _ = send(srv, trust('tls_fingerprint %s'
                                 % pki().self_signed.sha256))
    failed_with(c, res, EX_TEMPFAIL)
    nothing_sent(c, srv)


def host_override(c):
    """Certificate only for other.test; host 127.0.0.1; the override name
    is the one checked and sent as SNI."""
    with server(cert='other_name') as srv:
        res, _ = send(srv, trust('tls_host_override other.test'))
    c.exit(res, 0)
    delivered_over_tls(c, srv)
    c.eq([s.sni for s in srv.tls_sessions], ['other.test'], 'SNI sent')


def host_override_checked(c):
    """The override replaces the host in the name check: a certificate for
    127.0.0.1 and mail.test does not match other.test."""
    with server() as srv:
        res, _ = send(srv, trust('tls_host_override other.test'))
    failed_with(c, res, EX_TEMPFAIL)
    nothing_sent(c, srv)
    c.eq([s.sni for s in srv.tls_sessions], ['other.test'], 'SNI sent')


def no_sni_for_ip(c):
    """RFC 6066 3: a literal IP address is never sent as SNI."""
    with server() as srv:
        res, _ = send(srv, trust())
    c.exit(res, 0)
    c.eq([s.sni for s in srv.tls_sessions], [None],
         'SNI sent for host 127.0.0.1')


def starttls_missing(c):
    with server(offer_starttls=False) as srv:
        res, _ = send(srv, trust())
    failed_with(c, res, EX_TEMPFAIL)
    nothing_sent(c, srv)
    c.eq(srv.commands_named('STARTTLS'), [], 'STARTTLS sent anyway')


def starttls_refused(c, reply):
    with server(starttls_reply=reply) as srv:
        res, _ = send(srv, trust())
    failed_with(c, res, EX_TEMPFAIL)
    nothing_sent(c, srv)
    c.eq(len(srv.commands_named('STARTTLS')), 1, 'STARTTLS commands')


def handshake_broken(c, mode):
    with server(starttls_mode=mode) as srv:
        res, _ = send(srv, trust())
    failed_with(c, res, EX_TEMPFAIL)
    nothing_sent(c, srv)
    c.true(res.elapsed < 8, 'took %.1f s with timeout 5' % res.elapsed)


def injection(c):
    """'220 go ahead\\r\\n250 injected\\r\\n' in one write: the 250 must not
    be read as the first reply under TLS."""
    with server(starttls_mode='inject') as srv:
        res, _ = send(srv, trust())
    failed_with(c, res, EX_TEMPFAIL)
    nothing_sent(c, srv)


def tls11_server(c):
    """The server speaks TLS 1.1 only; gnutls-cli (the same library as
    dsmtp) proves it can connect when allowed, so dsmtp's refusal is its
    own floor."""
    try:
        srv = server(tls_min=ssl.TLSVersion.TLSv1_1,
                     tls_max=ssl.TLSVersion.TLSv1_1,
                     ciphers='DEFAULT:@SECLEVEL=0')
    except (ValueError, ssl.SSLError) as e:
        c.skip('Python ssl cannot be limited to TLS 1.1 here: %s' % e)
    with srv:
        try:
            subprocess.run(['gnutls-cli', '--starttls-proto=smtp',
                            '--insecure', '--priority', 'NORMAL:+VERS-TLS1.1',
                            '-p', str(srv.port), '127.0.0.1'],
                           input=b'QUIT\r\n', stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, timeout=20)
        except (OSError, subprocess.TimeoutExpired) as e:
            c.skip('gnutls-cli probe failed: %s' % e)
        if [s.version for s in srv.tls_sessions] != ['TLSv1.1']:
            c.skip('this Python/OpenSSL cannot serve TLS 1.1 (probe: %s)'
                   % srv.tls_sessions)
        res, _ = send(srv, trust())
        res2, _ = send(srv, trust('tls_priorities NORMAL:+VERS-TLS1.1'))
    failed_with(c, res, EX_TEMPFAIL)
    failed_with(c, res2, EX_TEMPFAIL)
    nothing_sent(c, srv)
    c.eq([s.version for s in srv.tls_sessions[1:]], [None, None],
         'TLS sessions dsmtp established (tls_priorities must not lower '
         'the floor)')


def client_cert(c):
    p = pki()
    with server(client_ca=p.ca.cert, require_client_cert=True) as srv:
        res, _ = send(srv, trust('tls_cert_file %s' % p.client.cert,
                                 'tls_key_file %s' % p.client.key))
    c.exit(res, 0)
    t = delivered_over_tls(c, srv)
    c.eq(t.client_cert, 'dsmtp client alice', 'client certificate seen')


def client_cert_missing(c):
    p = pki()
    with server(client_ca=p.ca.cert, require_client_cert=True) as srv:
        res, _ = send(srv, trust())
    failed_with(c, res, EX_TEMPFAIL)
    nothing_sent(c, srv)


# -- --serverinfo -------------------------------------------------------------

def cert_sections(out):
    """--serverinfo's certificate blocks as dicts of their lowercased
    'key: value' lines, in order."""
    certs = []
    for line in out.splitlines():
        if line.strip().lower().startswith('certificate ') and \
                line.rstrip().endswith(':'):
            certs.append({})
        elif certs and ': ' in line and line.startswith('    '):
            key, value = line.strip().split(': ', 1)
            certs[-1].setdefault(key.lower(), value)
    return certs


def serverinfo(c, tls='starttls', opt='--serverinfo'):
    p = pki()
    more = ['tls_starttls off'] if tls == 'implicit' else []
    with server(tls=tls, mechs=('SCRAM-SHA-256', 'PLAIN'),
                users=USERS) as srv:
        with T.sandbox() as box:
            cfg = T.write_config(box, srv.port, ['timeout 5'] + trust(*more))
            res = T.run(['-C', cfg, opt], b'', box=box)
    c.exit(res, 0)
    out = res.out.decode('utf-8', 'replace')
    c.true('TLSv1.3' in out, 'no TLS version in:\n' + out)
    certs = cert_sections(out)
    c.need(len(certs) == 2, 'want 2 certificates (server, CA) in:\n' + out)
    ca_fp = tlsca._fingerprint(p.ca.cert)[0]
    for n, (sect, cn, fp, cert) in enumerate(
            ((certs[0], 'CN=mail.test', p.good.sha256, p.good.cert),
             (certs[1], 'CN=dsmtp test CA', ca_fp, p.ca.cert)), 1):
        c.true(cn in sect.get('subject', ''),
               'certificate %d: subject %r lacks %s' % (n, sect.get(
                   'subject'), cn))
        c.true('CN=dsmtp test CA' in sect.get('issuer', ''),
               'certificate %d: issuer %r' % (n, sect.get('issuer')))
        c.eq(sect.get('sha-256'), fp, 'certificate %d: SHA-256' % n)
        start, end = tlsca.validity(cert)
        for key, when in (('valid from', start), ('valid until', end)):
            c.true(when.strftime('%Y-%m-%d %H:%M:%S') in
                   sect.get(key, ''), 'certificate %d: %s %r, want %s' % (
                       n, key, sect.get(key), when))
    c.true('AUTH SCRAM-SHA-256 PLAIN' in out, 'capabilities after TLS (AUTH)'
           ' not shown:\n' + out)
    c.true('SIZE' in out and '8BITMIME' in out, 'capabilities not shown')
    c.eq(srv.transactions, [], 'transactions')
    for verb in ('MAIL', 'AUTH'):
        c.eq(srv.commands_named(verb), [], verb + ' commands')


def serverinfo_pin_discovery(c):
    """With tls_certcheck off, --serverinfo shows a self-signed server's
    fingerprint: the value to put into tls_fingerprint."""
    p = pki()
    with server(cert='self_signed') as srv:
        with T.sandbox() as box:
            cfg = T.write_config(box, srv.port, ['timeout 5', 'tls on',
                                                 'tls_certcheck off'])
            res = T.run(['-C', cfg, '-S'], b'', box=box)
    c.exit(res, 0)
    c.true(p.self_signed.sha256.encode() in res.out,
           'fingerprint %s not in %s' % (p.self_signed.sha256,
                                         T.short(res.out)))


def serverinfo_untrusted(c):
    with server(cert='untrusted') as srv:
        with T.sandbox() as box:
            cfg = T.write_config(box, srv.port, ['timeout 5'] + trust())
            res = T.run(['-C', cfg, '--serverinfo'], b'', box=box)
    c.exit(res, EX_TEMPFAIL)
    nothing_sent(c, srv)


TESTS = [
    ('STARTTLS, good chain: delivered over TLS 1.3, logged tls=TLSv1.3',
     starttls_good),
    ('implicit TLS (tls_starttls off), good chain: delivered over TLS',
     implicit_good),
    ('implicit TLS without port goes to 465', implicit_default_port),
    ('tls_crl_file that does not list the certificate: delivered',
     crl_not_listed),
    ('TLS 1.2-only server: delivered, logged tls=TLSv1.2', tls12_server),
    ('tls_priorities NORMAL:-VERS-TLS1.3: TLS 1.2 used', priorities_no_tls13),
    ('STARTTLS, certificate for another name: 75, nothing sent',
     lambda c: refused_cert(c, 'wrong_name')),
    ('STARTTLS, expired certificate: 75, nothing sent',
     lambda c: refused_cert(c, 'expired')),
    ('STARTTLS, certificate not yet valid: 75, nothing sent',
     lambda c: refused_cert(c, 'not_yet')),
    ('STARTTLS, self-signed certificate: 75, nothing sent',
     lambda c: refused_cert(c, 'self_signed')),
    ('STARTTLS, certificate from an untrusted CA: 75, nothing sent',
     lambda c: refused_cert(c, 'untrusted')),
    ('queue on: an untrusted certificate is deferred, kept, not bounced',
     untrusted_waits_in_queue),
    ('STARTTLS, certificate revoked by tls_crl_file: 75, nothing sent',
     lambda c: refused_cert(c, 'revoked',
                            extra=['tls_crl_file %s' % pki().crl])),
    ('implicit TLS, wrong name: 75, nothing sent',
     lambda c: refused_cert(c, 'wrong_name', tls='implicit')),
    ('implicit TLS, expired: 75, nothing sent',
     lambda c: refused_cert(c, 'expired', tls='implicit')),
    ('implicit TLS, self-signed: 75, nothing sent',
     lambda c: refused_cert(c, 'self_signed', tls='implicit')),
    ('tls_trust_file system does not trust the test CA: 75', system_trust),
    ('tls_certcheck off accepts a wrong name',
     lambda c: certcheck_off(c, 'wrong_name')),
    ('tls_certcheck off accepts an expired certificate',
     lambda c: certcheck_off(c, 'expired')),
    ('tls_certcheck off accepts a self-signed certificate',
     lambda c: certcheck_off(c, 'self_signed')),
    ('tls_certcheck off accepts an untrusted CA (implicit TLS)',
     lambda c: certcheck_off(c, 'untrusted', tls='implicit')),
    ('tls_fingerprint of a self-signed certificate: delivered',
     lambda c: pin(c, 'self_signed', 'self_signed', 0)),
    ('tls_fingerprint replaces CA and name checks (expired, pinned)',
     lambda c: pin(c, 'expired', 'expired', 0)),
    ('tls_fingerprint mismatch: 75, nothing sent',
     lambda c: pin(c, 'self_signed', 'good', EX_TEMPFAIL)),
    ('tls_fingerprint mismatch with a trusted chain: 75',
     pin_beats_trust_file),
    ('tls_host_override: its name is checked and sent as SNI',
     host_override),
    ('tls_host_override naming another host than the certificate: 75',
     host_override_checked),
    ('certificate only for other.test without override: 75',
     lambda c: refused_cert(c, 'other_name')),
    ('no SNI for an IP address host (RFC 6066)', no_sni_for_ip),
    ('server does not offer STARTTLS: 75, nothing sent in clear',
     starttls_missing),
    ('STARTTLS refused with 454: 75, nothing sent in clear',
     lambda c: starttls_refused(c, '454 4.7.0 TLS not available')),
    ('STARTTLS refused with 554: 75, nothing sent in clear',
     lambda c: starttls_refused(c, '554 5.7.3 TLS not possible')),
    ('STARTTLS 220, ClientHello answered with text: 75, nothing sent',
     lambda c: handshake_broken(c, 'garbage')),
    ('STARTTLS 220, ClientHello answered with a fatal alert: 75',
     lambda c: handshake_broken(c, 'alert')),
    ('STARTTLS 220 then the server closes: 75, nothing sent',
     lambda c: handshake_broken(c, 'close')),
    ('data injected after the 220 to STARTTLS: 75, nothing sent',
     injection),
    ('TLS 1.1-only server refused (also with tls_priorities +VERS-TLS1.1)',
     tls11_server),
    ('client certificate (tls_cert_file, tls_key_file) presented',
     client_cert),
    ('server requires a client certificate, none configured: 75',
     client_cert_missing),
    ('--serverinfo over STARTTLS: session, certificate, capabilities',
     serverinfo),
    ('-S over implicit TLS: session, certificate, capabilities',
     lambda c: serverinfo(c, tls='implicit', opt='-S')),
    ('-S with tls_certcheck off shows a self-signed fingerprint',
     serverinfo_pin_discovery),
    ('--serverinfo with an untrusted certificate: 75',
     serverinfo_untrusted),
]

if __name__ == '__main__':
    if sys.argv[1:2] == ['--netns-465']:
        netns_465_child(sys.argv[2])
        sys.exit(0)
    T.main(TESTS)
