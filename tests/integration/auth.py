#!/usr/bin/python3
"""auth.py - SMTP AUTH against authserver.py, a server that checks every
mechanism itself (PLAIN, LOGIN, CRAM-MD5, SCRAM-SHA-256, SCRAM-SHA-256-PLUS
with tls-exporter or tls-unique channel binding, XOAUTH2, OAUTHBEARER,
EXTERNAL with a client certificate).

Contract (msmtp's meaning, spec sections 3-5): `auth on` picks the
strongest offered mechanism (SCRAM-SHA-256-PLUS, SCRAM-SHA-256, CRAM-MD5,
PLAIN, LOGIN; EXTERNAL when tls_cert_file is set and it is offered);
without TLS only SCRAM and CRAM-MD5 are chosen (else 69), while an explicit
`auth plain` is allowed.  `auth MECH` forces one.  535 = 77, mechanism not
offered = 69, `auth on` without `user` = 78.  Secrets never appear in the
-v transcript, on stderr or in the logfile; the log says auth=MECH."""

import atexit
import base64
import os
import shutil
import ssl
import sys
import tempfile

sys.dont_write_bytecode = True     # the source tree may be read-only
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..', 'lib'))
import dsmtptest as T                                    # noqa: E402
import tlsca                                             # noqa: E402
from authserver import AuthServer, ALL_MECHS             # noqa: E402

EX_UNAVAILABLE, EX_NOPERM, EX_CONFIG = 69, 77, 78
PASSWORD = 'Corr3ct-h0rse:battery'
TOKEN = 'ya29.' + 'tok3n-' * 8
LONG_TOKEN = 'ya29.' + ''.join('%04x' % i for i in range(500))   # 2005
USERS = {'alice': PASSWORD}
CLIENT_CN = 'dsmtp client alice'
BODY = b'authenticated body line\n'
MSG = (b'From: sender@example.com\nTo: rcpt@example.org\nSubject: auth\n\n' +
       BODY)
ARGV = ['-oi', '-f', 'sender@example.com', 'rcpt@example.org']
NON_OAUTH = ('SCRAM-SHA-256-PLUS', 'SCRAM-SHA-256', 'CRAM-MD5', 'PLAIN',
             'LOGIN')

_pki = []


def pki():
    if not _pki:
        d = tempfile.mkdtemp(prefix='dsmtp-auth-pki-')
        atexit.register(shutil.rmtree, d, True)
        _pki.append(tlsca.make_pki(d))
    return _pki[0]


def server(mechs=ALL_MECHS, tls='starttls', tokens=None, **kw):
    p = pki()
    kw.setdefault('users', USERS)
    kw.setdefault('client_ca', p.ca.cert)
    kw.setdefault('external', {'alice': CLIENT_CN})
    return AuthServer(tls=tls, cert=p.good, mechs=tuple(mechs),
                      tokens=tokens if tokens is not None
                      else {'alice': TOKEN}, **kw)


def tls_conf():
    return ['tls on', 'tls_trust_file %s' % pki().ca.cert]


def client_cert_conf():
    p = pki()
    return ['tls_cert_file %s' % p.client.cert,
            'tls_key_file %s' % p.client.key]


def auth_conf(auth='on', password=PASSWORD, user='alice', tls=True):
    lines = tls_conf() if tls else ['tls off']
    lines.append('auth %s' % auth)
    if user is not None:
        lines.append('user %s' % user)
    if password is not None:
        lines.append('password %s' % password)
    return lines


class Run:
    """One dsmtp run: result and the logfile."""

    def __init__(self, srv, extra, verbose=True):
        with T.sandbox() as box:
            cfg = T.write_config(box, srv.port, ['queue off', 'timeout 5'] +
                                 list(extra))
            self.res = T.run(['-C', cfg] + (['-v'] if verbose else []) +
                             ARGV, MSG, box=box)
            self.log = T.read_log(box)


def authed(c, srv, run, mech, user='alice'):
    """Delivered once, after a successful AUTH mech, logged auth=mech."""
    c.exit(run.res, 0)
    c.eq([(a.mech, a.ok, a.reason) for a in srv.auths], [(mech, True, '')],
         'AUTH attempts at the server (mechanism, accepted, why not)')
    c.need(len(srv.transactions) == 1, 'want one transaction, got %d' %
           len(srv.transactions))
    t = srv.transactions[0]
    c.eq((t.auth_mech, t.auth_user), (mech, user),
         'login the message arrived under')
    c.true(t.content.endswith(T.crlf(BODY)), 'body did not arrive')
    want = ('auth=%s' % mech).encode()
    c.true(want in run.log.split(), 'logfile lacks %s: %s' % (
        want.decode(), T.short(run.log)))
    return t


def refused(c, srv, run, code, auth_sent=True):
    c.exit(run.res, code)
    c.no_stdout(run.res)
    c.eq(srv.transactions, [], 'transactions')
    c.eq(srv.commands_named('MAIL'), [], 'MAIL commands after a failed AUTH')
    if not auth_sent:
        c.eq(srv.commands_named('AUTH'), [], 'AUTH commands')
    c.true(run.res.elapsed < 5, 'took %.1f s' % run.res.elapsed)


def secrets_absent(c, srv, run, secrets=(PASSWORD,)):
    """No secret, and nothing the client sent inside AUTH, appears in
    dsmtp's stdout, stderr (the -v transcript) or logfile."""
    sent = [l for a in srv.auths for l in a.lines if len(l) > 3]
    # also every base64 rendering of each secret at the 3 alignments
    variants = []
    for s in secrets:
        raw = s.encode()
        for pad in (b'', b'\0', b'\0\0'):
            enc = base64.b64encode(pad + raw)[4 if pad else 0:-4]
            if len(enc) > 8:
                variants.append(enc)
    for where, data in (('stdout', run.res.out), ('stderr', run.res.err),
                        ('logfile', run.log)):
        for s in secrets:
            c.true(s.encode() not in data, 'secret %s... in %s' % (
                s[:6], where))
        for v in variants:
            c.true(v not in data, 'base64 of a secret in %s' % where)
        for l in sent:
            c.true(l.encode() not in data,
                   'AUTH line %s... sent by dsmtp is shown in %s' % (
                       l[:10], where))


# -- every mechanism, forced --------------------------------------------------

def forced(c, name, mech, secret=PASSWORD, extra=(), user='alice'):
    with server() as srv:
        run = Run(srv, auth_conf(name, secret) + list(extra))
    authed(c, srv, run, mech, user)
    secrets_absent(c, srv, run, [secret] if secret else [])
    return srv


def forced_plain(c):
    srv = forced(c, 'plain', 'PLAIN')
    c.eq([a.secret for a in srv.auths], [PASSWORD], 'password the server got')


def forced_external(c):
    with server() as srv:
        run = Run(srv, auth_conf('external', None) + client_cert_conf())
    t = authed(c, srv, run, 'EXTERNAL')
    c.eq(t.client_cert, CLIENT_CN, 'client certificate')
    c.eq([a.authzid for a in srv.auths], ['alice'], 'authorization id')


def forced_scram_plus_tls12(c):
    with server(tls_max=ssl.TLSVersion.TLSv1_2) as srv:
        run = Run(srv, auth_conf('scram-sha-256-plus'))
    authed(c, srv, run, 'SCRAM-SHA-256-PLUS')
    c.eq([(a.cb_flag, a.cb_ok) for a in srv.auths], [('p=tls-unique', True)],
         'channel binding (gs2 flag, data equal to the server\'s)')


# -- wrong credentials --------------------------------------------------------

def wrong(c, name, mech, secret='wrong-' + PASSWORD, extra=(),
          external=None):
    kw = {} if external is None else {'external': external}
    with server(**kw) as srv:
        run = Run(srv, auth_conf(name, secret) + list(extra))
    refused(c, srv, run, EX_NOPERM)
    c.one_stderr_line(T.Result(0, b'', not_transcript(run.res.err), 0, 0))
    # A 535 is final for a synchronous caller (queue off): the log must
    # not call it deferred. (Queued mail waits instead: queue.py.)
    c.true(b'status=bounced' in run.log and b'status=deferred' not in run.log,
           'logged as %s' % T.short(run.log))
    c.eq([(a.mech, a.ok) for a in srv.auths], [(mech, False)],
         'AUTH attempts (mechanism, accepted)')
    secrets_absent(c, srv, run, [secret] if secret else [])


def not_transcript(err):
    """stderr without the -v transcript: the lines not starting with the
    transcript's arrows."""
    keep = [l for l in err.split(b'\n')
            if l and not l.startswith((b'--> ', b'<-- '))]
    return b'\n'.join(keep) + b'\n'


# -- what `auth on` picks -----------------------------------------------------

def picks(c, offered, mech, extra=(), password=PASSWORD, tls=True):
    with server(mechs=offered, tls='starttls' if tls else 'none') as srv:
        run = Run(srv, auth_conf('on', password, tls=tls) + list(extra))
    authed(c, srv, run, mech)
    secrets_absent(c, srv, run, [password] if password else [])
    return srv


def picks_plus(c):
    srv = picks(c, ALL_MECHS, 'SCRAM-SHA-256-PLUS')
    c.eq([(a.cb_flag, a.cb_ok) for a in srv.auths],
         [('p=tls-exporter', True)],
         'TLS 1.3 channel binding (gs2 flag, data equal to the server\'s)')


def picks_plus_tls12(c):
    with server(tls_max=ssl.TLSVersion.TLSv1_2) as srv:
        run = Run(srv, auth_conf('on'))
    authed(c, srv, run, 'SCRAM-SHA-256-PLUS')
    c.eq([(a.cb_flag, a.cb_ok) for a in srv.auths], [('p=tls-unique', True)],
         'TLS 1.2 channel binding (gs2 flag, data equal to the server\'s)')


def picks_scram_flag_y(c):
    """Under TLS, SCRAM-SHA-256 without -PLUS on offer: the client can bind
    but the server does not; RFC 5802 6 wants flag 'y'."""
    srv = picks(c, ('PLAIN', 'SCRAM-SHA-256', 'LOGIN'), 'SCRAM-SHA-256')
    c.eq([a.cb_flag for a in srv.auths], ['y'], 'gs2 channel binding flag')


def forced_scram_only(c):
    with server(mechs=('SCRAM-SHA-256',)) as srv:
        run = Run(srv, auth_conf('scram-sha-256'))
    authed(c, srv, run, 'SCRAM-SHA-256')
    secrets_absent(c, srv, run)


def forced_scram_with_plus_offered(c):
    """`auth scram-sha-256` while the server also offers -PLUS: the client
    must not claim 'y' (the server would take it as a downgrade attack,
    RFC 5802 6), so the login must succeed."""
    with server(mechs=('SCRAM-SHA-256-PLUS', 'SCRAM-SHA-256')) as srv:
        run = Run(srv, auth_conf('scram-sha-256'))
    authed(c, srv, run, 'SCRAM-SHA-256')
    c.eq([a.cb_flag for a in srv.auths], ['n'], 'gs2 channel binding flag')


def picks_external(c):
    with server(mechs=('PLAIN', 'EXTERNAL', 'SCRAM-SHA-256-PLUS')) as srv:
        run = Run(srv, auth_conf('on', None) + client_cert_conf())
    t = authed(c, srv, run, 'EXTERNAL')
    c.eq(t.client_cert, CLIENT_CN, 'client certificate')


def picks_nothing(c, offered, tls=True):
    with server(mechs=offered, tls='starttls' if tls else 'none') as srv:
        run = Run(srv, auth_conf('on', tls=tls))
    refused(c, srv, run, EX_UNAVAILABLE, auth_sent=False)
    c.true(PASSWORD.encode() not in srv.wire_bytes(),
           'the password reached the server')
    secrets_absent(c, srv, run)


def no_auth_offered(c):
    with server(mechs=(), require_auth=False) as srv:
        run = Run(srv, auth_conf('on'))
    refused(c, srv, run, EX_UNAVAILABLE, auth_sent=False)


def forced_not_offered(c):
    with server(mechs=('PLAIN', 'LOGIN')) as srv:
        run = Run(srv, auth_conf('cram-md5'))
    refused(c, srv, run, EX_UNAVAILABLE)


def no_user(c):
    with server() as srv:
        run = Run(srv, auth_conf('on', user=None))
    c.exit(run.res, EX_CONFIG)
    c.eq(srv.commands_named('AUTH'), [], 'AUTH commands')
    c.eq(srv.transactions, [], 'transactions')


# -- without TLS --------------------------------------------------------------

def clear_picks(c, offered, mech, flag=None):
    srv = picks(c, offered, mech, tls=False)
    c.eq(srv.tls_sessions, [], 'TLS sessions')
    c.true(PASSWORD.encode() not in srv.wire_bytes(),
           'the password crossed the wire in clear')
    if flag:
        c.eq([a.cb_flag for a in srv.auths], [flag], 'gs2 flag without TLS')


def clear_explicit_plain(c):
    with server(mechs=('PLAIN', 'LOGIN'), tls='none') as srv:
        run = Run(srv, auth_conf('plain', tls=False))
    authed(c, srv, run, 'PLAIN')
    c.eq([a.secret for a in srv.auths], [PASSWORD], 'password the server got')
    secrets_absent(c, srv, run)


def plain_only_after_starttls(c):
    """The server offers PLAIN before STARTTLS too: AUTH still comes only
    after TLS is up."""
    with server(mechs=('PLAIN',), mechs_before_tls=('PLAIN', 'LOGIN')) as srv:
        run = Run(srv, auth_conf('on'))
    authed(c, srv, run, 'PLAIN')
    c.eq(srv.commands_named('AUTH', clear=True), [], 'AUTH sent in clear')
    c.eq([a.tls for a in srv.auths], ['TLSv1.3'], 'TLS under AUTH')


# -- secrets in the transcript ------------------------------------------------

def transcript(c, name, mech, secret, verb_line, extra=()):
    with server() as srv:
        run = Run(srv, auth_conf(name, secret) + list(extra))
    authed(c, srv, run, mech)
    secrets_absent(c, srv, run, [secret])
    err = run.res.err
    c.true(verb_line in err, '-v transcript lacks %r:\n%s' % (
        verb_line, err.decode('latin-1')))
    continuations = [l for a in srv.auths for l in a.lines][
        0 if b'<redacted>' not in verb_line else 1:]
    shown = err.count(b'--> <redacted>')
    c.eq(shown, len(continuations),
         'redacted continuation lines in the transcript (one per line the '
         'client sent after the AUTH command)')


def failed_transcript(c):
    with server() as srv:
        run = Run(srv, auth_conf('login', 'Wr0ng-pa55word!'))
    refused(c, srv, run, EX_NOPERM)
    secrets_absent(c, srv, run, ['Wr0ng-pa55word!'])


# -- OAuth and SCRAM details --------------------------------------------------

def long_token(c, name, mech):
    with server(tokens={'alice': LONG_TOKEN}) as srv:
        run = Run(srv, auth_conf(name, LONG_TOKEN))
    authed(c, srv, run, mech)
    c.eq([len(a.secret or '') for a in srv.auths], [len(LONG_TOKEN)],
         'length of the token the server got')
    c.eq([a.secret == LONG_TOKEN for a in srv.auths], [True],
         'token arrived intact')
    secrets_absent(c, srv, run, [LONG_TOKEN])
    return srv


def oauthbearer_fields(c):
    srv = long_token(c, 'oauthbearer', 'OAUTHBEARER')
    kv = srv.auths[0].kv or {}
    c.eq((kv.get('host'), kv.get('port'), srv.auths[0].authzid),
         ('127.0.0.1', str(srv.port), 'alice'),
         'OAUTHBEARER host, port and a= (RFC 7628)')


def wrong_oauth(c, name, mech):
    with server() as srv:
        run = Run(srv, auth_conf(name, 'not-the-token'))
    refused(c, srv, run, EX_NOPERM)
    c.eq([(a.mech, a.reason) for a in srv.auths], [(mech, 'wrong token')],
         'AUTH attempts (OAUTHBEARER must answer the error challenge with '
         '%x01)')


def scram_bad_server_signature(c):
    """The server cannot prove it knows the password: no mail goes out."""
    with server(mechs=('SCRAM-SHA-256-PLUS',),
                scram_bad_signature=True) as srv:
        run = Run(srv, auth_conf('on'))
    c.true(run.res.code != 0, 'exit status 0 after a wrong SCRAM server '
           'signature')
    c.eq(srv.transactions, [], 'transactions')
    c.eq(srv.commands_named('MAIL'), [], 'MAIL commands')


TESTS = [
    ('auth plain: accepted, logged auth=PLAIN', forced_plain),
    ('auth login: accepted', lambda c: forced(c, 'login', 'LOGIN')),
    ('auth cram-md5: accepted', lambda c: forced(c, 'cram-md5', 'CRAM-MD5')),
    ('auth scram-sha-256 (server offers only it): accepted',
     forced_scram_only),
    ('auth scram-sha-256 while -PLUS is offered too: accepted (flag n)',
     forced_scram_with_plus_offered),
    ('auth scram-sha-256-plus: accepted',
     lambda c: forced(c, 'scram-sha-256-plus', 'SCRAM-SHA-256-PLUS')),
    ('auth scram-sha-256-plus under TLS 1.2: tls-unique binding checked',
     forced_scram_plus_tls12),
    ('auth xoauth2: accepted', lambda c: forced(c, 'xoauth2', 'XOAUTH2',
                                                TOKEN)),
    ('auth oauthbearer: accepted',
     lambda c: forced(c, 'oauthbearer', 'OAUTHBEARER', TOKEN)),
    ('auth external with a client certificate: accepted', forced_external),
    ('auth plain, wrong password: 535 -> 77',
     lambda c: wrong(c, 'plain', 'PLAIN')),
    ('auth login, wrong password: 535 -> 77',
     lambda c: wrong(c, 'login', 'LOGIN')),
    ('auth cram-md5, wrong password: 535 -> 77',
     lambda c: wrong(c, 'cram-md5', 'CRAM-MD5')),
    ('auth on (SCRAM-SHA-256-PLUS), wrong password: 535 -> 77',
     lambda c: wrong(c, 'on', 'SCRAM-SHA-256-PLUS')),
    ('auth xoauth2, wrong token: 77', lambda c: wrong_oauth(c, 'xoauth2',
                                                            'XOAUTH2')),
    ('auth oauthbearer, wrong token: 77',
     lambda c: wrong_oauth(c, 'oauthbearer', 'OAUTHBEARER')),
    ('auth external, certificate not allowed for the user: 77',
     lambda c: wrong(c, 'external', 'EXTERNAL', secret=None,
                     extra=client_cert_conf(),
                     external={'alice': 'someone else'})),
    ('auth on, everything offered: SCRAM-SHA-256-PLUS (tls-exporter)',
     picks_plus),
    ('auth on under TLS 1.2: SCRAM-SHA-256-PLUS with tls-unique',
     picks_plus_tls12),
    ('auth on: SCRAM-SHA-256 over CRAM-MD5, PLAIN, LOGIN (any order)',
     lambda c: picks(c, ('LOGIN', 'PLAIN', 'CRAM-MD5', 'SCRAM-SHA-256'),
                     'SCRAM-SHA-256')),
    ('auth on under TLS, no -PLUS offered: SCRAM flag y',
     picks_scram_flag_y),
    ('auth on: CRAM-MD5 over PLAIN and LOGIN',
     lambda c: picks(c, ('LOGIN', 'PLAIN', 'CRAM-MD5'), 'CRAM-MD5')),
    ('auth on: PLAIN over LOGIN',
     lambda c: picks(c, ('LOGIN', 'PLAIN'), 'PLAIN')),
    ('auth on: LOGIN when it is all there is',
     lambda c: picks(c, ('LOGIN',), 'LOGIN')),
    ('auth on with tls_cert_file: EXTERNAL when offered, no password needed',
     picks_external),
    ('auth on never picks XOAUTH2/OAUTHBEARER: 69, no AUTH sent',
     lambda c: picks_nothing(c, ('XOAUTH2', 'OAUTHBEARER'))),
    ('auth on, server offers no AUTH: 69', no_auth_offered),
    ('auth cram-md5 when only PLAIN LOGIN are offered: 69',
     forced_not_offered),
    ('auth on without user: 78, nothing sent', no_user),
    ('no TLS, PLAIN and LOGIN offered: 69, PLAIN never sent',
     lambda c: picks_nothing(c, ('PLAIN', 'LOGIN'), tls=False)),
    ('no TLS: CRAM-MD5 chosen over PLAIN',
     lambda c: clear_picks(c, ('PLAIN', 'LOGIN', 'CRAM-MD5'), 'CRAM-MD5')),
    ('no TLS: SCRAM-SHA-256 chosen (flag n), -PLUS impossible',
     lambda c: clear_picks(c, ('SCRAM-SHA-256-PLUS', 'PLAIN',
                               'SCRAM-SHA-256'), 'SCRAM-SHA-256', 'n')),
    ('no TLS, explicit auth plain: allowed', clear_explicit_plain),
    ('PLAIN offered before STARTTLS: AUTH only after TLS',
     plain_only_after_starttls),
    ('-v: AUTH PLAIN <redacted>, no secret anywhere',
     lambda c: transcript(c, 'plain', 'PLAIN', PASSWORD,
                          b'--> AUTH PLAIN <redacted>')),
    ('-v: LOGIN continuation lines <redacted>, no secret anywhere',
     lambda c: transcript(c, 'login', 'LOGIN', PASSWORD,
                          b'--> AUTH LOGIN\n')),
    ('-v: SCRAM lines <redacted>, no secret anywhere',
     lambda c: transcript(c, 'on', 'SCRAM-SHA-256-PLUS', PASSWORD,
                          b'--> AUTH SCRAM-SHA-256-PLUS <redacted>')),
    ('-v: XOAUTH2 token <redacted>',
     lambda c: transcript(c, 'xoauth2', 'XOAUTH2', TOKEN,
                          b'--> AUTH XOAUTH2 <redacted>')),
    ('-v, wrong password: no secret anywhere', failed_transcript),
    ('XOAUTH2 with a 2005-character token', lambda c: long_token(
        c, 'xoauth2', 'XOAUTH2')),
    ('OAUTHBEARER with a 2005-character token; host, port, a=',
     oauthbearer_fields),
    ('SCRAM server signature wrong: not delivered',
     scram_bad_server_signature),
]

if __name__ == '__main__':
    T.main(TESTS)
