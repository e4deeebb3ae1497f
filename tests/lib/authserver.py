#!/usr/bin/python3
"""authserver.py - an SMTP submission server with TLS and real SASL checks,
for dsmtp's TLS and AUTH suites.

Owns: a real SMTP peer on 127.0.0.1 (one thread per connection, blocking
sockets, Python's ssl) that speaks STARTTLS or implicit TLS with a test
certificate, asks for and verifies client certificates, and checks every
AUTH mechanism itself: PLAIN, LOGIN, CRAM-MD5, SCRAM-SHA-256 and
SCRAM-SHA-256-PLUS (RFC 5802/7677: the client proof is verified and v= is
sent; for -PLUS the channel binding must equal the server's own
tls-unique (TLS 1.2) or tls-exporter (TLS 1.3, RFC 9266, computed from
the session's exporter secret)), XOAUTH2, OAUTHBEARER (RFC 7628) and
EXTERNAL (a verified client certificate).  A refused login answers 535 at
once.  It records every command line with whether TLS was up, every TLS
session (version, cipher, SNI, client certificate, handshake failure),
every AUTH attempt and every transaction (envelope and DATA bytes, with
the TLS version and the login it arrived under).

    with AuthServer(tls='starttls', cert=pki.good, users={'alice': 'pw'},
                    mechs=('PLAIN',)) as s:
        run dsmtp against s.port
    s.transactions[0].tls, s.auths[0].mech, s.clear_commands() ...

Misbehaviour on demand: STARTTLS not offered or refused, garbage or a
close instead of a handshake, data injected after the 220 reply to
STARTTLS (one write: "220 go ahead\\r\\n250 injected\\r\\n"), a wrong SCRAM
server signature, TLS versions limited (1.1 only, 1.2 only).

Run with Debian's /usr/bin/python3.  It does not import the standard
module `secrets`: the suite tests/integration/secrets.py shadows it.
`authserver.py --self-test` checks the server with smtplib, the RFC 7677
test vector and OpenSSL's own exporter (TAP).
"""

import base64
import dataclasses
import hashlib
import hmac
import os
import select
import socket
import ssl
import sys
import tempfile
import threading
import time

HOSTNAME = 'authserver.test'
LINE_MAX = 100000               # AUTH lines with long tokens fit
IO_TIMEOUT = 30
SCRAM_ITERATIONS = 4096
OK_AUTH = '235 2.7.0 Authentication successful'
BAD_AUTH = '535 5.7.8 Authentication credentials invalid'
CANCELLED = '501 5.7.0 Authentication cancelled'
INJECTED = b'220 go ahead\r\n250 injected\r\n'

ALL_MECHS = ('SCRAM-SHA-256-PLUS', 'SCRAM-SHA-256', 'CRAM-MD5', 'PLAIN',
             'LOGIN', 'XOAUTH2', 'OAUTHBEARER', 'EXTERNAL')


@dataclasses.dataclass
class Options:
    tls: str = 'none'               # 'none', 'starttls', 'implicit'
    cert: object = None             # tlsca.Cert (chain and key)
    offer_starttls: bool = True
    starttls_reply: str = '220 2.0.0 Ready to start TLS'
    starttls_mode: str = 'normal'   # 'normal', 'inject', 'garbage', 'alert',
                                    # 'close'
    tls_min: object = None          # ssl.TLSVersion
    tls_max: object = None
    ciphers: str = None
    client_ca: str = None           # ask for client certificates
    require_client_cert: bool = False
    mechs: tuple = ()               # offered once the session is secure
    mechs_before_tls: tuple = ()    # offered in clear on a STARTTLS server
    users: dict = dataclasses.field(default_factory=dict)   # user: password
    tokens: dict = dataclasses.field(default_factory=dict)  # user: token
    external: dict = dataclasses.field(default_factory=dict)  # authzid: CN
    require_auth: bool = None       # default: when mechs are offered
    scram_bad_signature: bool = False
    extensions: tuple = ('PIPELINING', '8BITMIME', 'ENHANCEDSTATUSCODES',
                         'SIZE 52428800')


@dataclasses.dataclass
class TlsInfo:
    """One TLS handshake the server attempted."""
    version: str = None             # 'TLSv1.3' ... None: it failed
    cipher: str = None
    sni: str = None
    client_cert: str = None         # CN of a verified client certificate
    error: str = None               # why the handshake failed
    how: str = None                 # 'starttls' or 'implicit'


@dataclasses.dataclass
class Auth:
    """One AUTH command and its outcome."""
    mech: str
    tls: str = None                 # TLS version, None in clear
    ok: bool = False
    user: str = None
    authzid: str = None
    reason: str = ''
    cb_flag: str = None             # SCRAM gs2 flag: 'n', 'y', 'p=TYPE'
    cb_ok: bool = None              # -PLUS: the binding data matched
    kv: dict = None                 # OAUTHBEARER key/value pairs
    secret: str = None              # the password/token the client sent
    lines: list = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class Txn:
    """One transaction that reached the end of DATA."""
    helo: str = None
    mail_from: str = None
    mail_params: str = ''
    rcpts: list = dataclasses.field(default_factory=list)
    raw: bytes = b''
    content: bytes = b''
    tls: str = None                 # TLS version, None: in clear
    cipher: str = None
    sni: str = None
    client_cert: str = None
    auth_mech: str = None
    auth_user: str = None


def b64(data):
    return base64.b64encode(data if isinstance(data, bytes)
                            else data.encode()).decode()


def unb64(text):
    if text == '=':
        return b''
    return base64.b64decode(text.encode(), validate=True)


def unstuff(raw):
    lines = raw.split(b'\r\n')
    return b'\r\n'.join(l[1:] if l.startswith(b'.') else l for l in lines)


# -- TLS 1.3 exporter (RFC 8446 7.5) for tls-exporter (RFC 9266) -------------

def _hkdf_expand(secret, info, length, hname):
    out, t, i = b'', b'', 1
    while len(out) < length:
        t = hmac.new(secret, t + info + bytes([i]), hname).digest()
        out += t
        i += 1
    return out[:length]


def _expand_label(secret, label, context, length, hname):
    full = b'tls13 ' + label
    info = (length.to_bytes(2, 'big') + bytes([len(full)]) + full +
            bytes([len(context)]) + context)
    return _hkdf_expand(secret, info, length, hname)


def tls13_exporter(exporter_secret, hname, label, context, length):
    hlen = hashlib.new(hname).digest_size
    derived = _expand_label(exporter_secret, label,
                            hashlib.new(hname, b'').digest(), hlen, hname)
    return _expand_label(derived, b'exporter',
                         hashlib.new(hname, context).digest(), length, hname)


def tls_exporter_binding(exporter_secret, cipher_name):
    hname = 'sha384' if cipher_name.endswith('SHA384') else 'sha256'
    return tls13_exporter(exporter_secret, hname,
                          b'EXPORTER-Channel-Binding', b'', 32)


# -- SCRAM-SHA-256 (RFC 5802, RFC 7677) ---------------------------------------

def scram_keys(password, salt, iterations):
    salted = hashlib.pbkdf2_hmac('sha256', password.encode(), salt,
                                 iterations)
    client_key = hmac.new(salted, b'Client Key', 'sha256').digest()
    server_key = hmac.new(salted, b'Server Key', 'sha256').digest()
    return hashlib.sha256(client_key).digest(), server_key


def scram_check_proof(stored_key, auth_message, proof):
    sig = hmac.new(stored_key, auth_message.encode(), 'sha256').digest()
    if len(proof) != len(sig):
        return False
    client_key = bytes(a ^ b for a, b in zip(proof, sig))
    return hmac.compare_digest(hashlib.sha256(client_key).digest(),
                               stored_key)


def scram_server_signature(server_key, auth_message):
    return hmac.new(server_key, auth_message.encode(), 'sha256').digest()


def scram_attrs(msg):
    out = {}
    for part in msg.split(','):
        if len(part) >= 2 and part[1] == '=':
            out.setdefault(part[0], part[2:])
    return out


def saslname(name):
    return name.replace('=2C', ',').replace('=3D', '=')


class AuthFailed(Exception):
    pass


class Cancelled(Exception):
    pass


# -- one connection -------------------------------------------------------

class Conn:
    def __init__(self, server, sock):
        self.srv = server
        self.opts = server.opts
        self.sock = sock
        self.buf = b''
        self.tls = None             # TlsInfo once TLS is up
        self.cb = None              # (type, data) channel binding
        self.helo = None
        self.auth = None            # successful Auth
        self.txn = None

    # -- I/O -------------------------------------------------------------
    def send(self, text):
        data = text.encode() + b'\r\n' if isinstance(text, str) else text
        self.sock.sendall(data)

    def readline(self):
        while b'\n' not in self.buf:
            if len(self.buf) > LINE_MAX:
                raise ConnectionError('line too long')
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError()
            self.buf += chunk
        line, self.buf = self.buf.split(b'\n', 1)
        line += b'\n'
        self.srv.note_command(line, self.tls)
        return line

    def reply_line(self):
        """A client response inside AUTH (without CRLF, as str)."""
        line = self.readline().rstrip(b'\r\n').decode('utf-8', 'replace')
        return line

    # -- TLS -------------------------------------------------------------
    def start_tls(self, how):
        info = TlsInfo(how=how)
        self.srv.tls_sessions.append(info)
        ctx = self.srv.context(info)
        self.sock.settimeout(IO_TIMEOUT)
        with self.srv.handshake_lock:
            try:
                tsock = ctx.wrap_socket(self.sock, server_side=True)
            except (ssl.SSLError, OSError) as e:
                info.error = '%s: %s' % (type(e).__name__, e)
                return False
            info.version = tsock.version()
            info.cipher = tsock.cipher()[0]
            cert = tsock.getpeercert()
            if cert:
                info.client_cert = dict(x[0] for x in cert['subject']).get(
                    'commonName')
            if info.version == 'TLSv1.3':
                secret = self.srv.last_exporter_secret()
                if secret is not None:
                    self.cb = ('tls-exporter',
                               tls_exporter_binding(secret, info.cipher))
            else:
                self.cb = ('tls-unique', tsock.get_channel_binding(
                    'tls-unique'))
        self.sock = tsock
        self.tls = info
        self.buf = b''
        return True

    # -- the dialogue ----------------------------------------------------
    def run(self):
        if self.opts.tls == 'implicit' and not self.start_tls('implicit'):
            return
        self.send('220 %s ESMTP authserver' % HOSTNAME)
        while True:
            line = self.readline()
            text = line.rstrip(b'\r\n').decode('utf-8', 'replace')
            verb, _, arg = text.partition(' ')
            verb = verb.upper()
            fn = getattr(self, 'cmd_' + verb, None)
            if fn is None:
                self.send('502 5.5.2 Command not recognized')
                continue
            if fn(arg) == 'close':
                return

    def secure(self):
        return self.opts.tls == 'none' or self.tls is not None

    def offered_mechs(self):
        if self.opts.tls == 'starttls' and self.tls is None:
            return tuple(self.opts.mechs_before_tls)
        return tuple(self.opts.mechs)

    def cmd_EHLO(self, arg):
        if not arg:
            return self.send('501 5.5.4 Syntax: EHLO hostname')
        self.helo, self.txn, self.auth = arg, None, self.auth
        lines = [HOSTNAME] + list(self.opts.extensions)
        if (self.opts.tls == 'starttls' and self.tls is None and
                self.opts.offer_starttls):
            lines.append('STARTTLS')
        mechs = self.offered_mechs()
        if mechs and self.auth is None:
            lines.append('AUTH ' + ' '.join(mechs))
        for l in lines[:-1]:
            self.send('250-' + l)
        self.send('250 ' + lines[-1])

    def cmd_HELO(self, arg):
        self.helo, self.txn = arg, None
        self.send('250 ' + HOSTNAME)

    def cmd_NOOP(self, arg):
        self.send('250 2.0.0 OK')

    def cmd_RSET(self, arg):
        self.txn = None
        self.send('250 2.0.0 OK')

    def cmd_QUIT(self, arg):
        self.send('221 2.0.0 Bye')
        return 'close'

    def cmd_STARTTLS(self, arg):
        if (self.opts.tls != 'starttls' or self.tls is not None or
                not self.opts.offer_starttls):
            return self.send('502 5.5.1 STARTTLS not offered')
        mode = self.opts.starttls_mode
        if mode == 'inject':
            self.send(INJECTED)             # one write
        else:
            self.send(self.opts.starttls_reply)
        if not self.opts.starttls_reply.startswith('220'):
            return None
        if mode in ('garbage', 'alert'):
            # Wait for the ClientHello, then answer with something that is
            # not a ServerHello: plain text, or a fatal handshake_failure
            # alert record.
            self.sock.recv(65536)
            self.send(b'this is not a TLS handshake\r\n' * 4
                      if mode == 'garbage' else
                      b'\x15\x03\x03\x00\x02\x02\x28')
            return 'close'
        if mode == 'close':
            return 'close'
        self.buf = b''      # nothing the client pipelined survives
        if not self.start_tls('starttls'):
            return 'close'
        self.helo, self.auth, self.txn = None, None, None
        return None

    # -- AUTH --------------------------------------------------------------
    def cmd_AUTH(self, arg):
        if self.helo is None:
            return self.send('503 5.5.1 EHLO first')
        if self.auth is not None:
            return self.send('503 5.5.1 Already authenticated')
        mech, _, initial = arg.partition(' ')
        mech = mech.upper()
        a = Auth(mech=mech, tls=self.tls.version if self.tls else None)
        self.srv.auths.append(a)
        if mech not in self.offered_mechs():
            a.reason = 'not offered'
            return self.send('504 5.5.4 Unrecognized authentication type')
        try:
            fn = getattr(self, 'auth_' + mech.replace('-', '_'))
            fn(a, initial.strip() or None)
        except Cancelled:
            a.reason = a.reason or 'cancelled'
            return self.send(CANCELLED)
        except AuthFailed as e:
            a.reason = str(e)
            return self.send(BAD_AUTH)
        except (ValueError, UnicodeError) as e:
            a.reason = 'malformed: %s' % e
            return self.send('501 5.5.2 Cannot decode response')
        a.ok = True
        self.auth = a
        self.send(OK_AUTH)

    def challenge(self, a, data):
        """Send a 334 challenge (raw bytes), return the decoded answer."""
        self.send('334 ' + b64(data))
        line = self.reply_line()
        a.lines.append(line)
        if line == '*':
            raise Cancelled()
        return unb64(line)

    def first(self, a, initial, prompt=b''):
        if initial is not None:
            a.lines.append(initial)
            return unb64(initial)
        return self.challenge(a, prompt)

    def check_password(self, a, user, password):
        a.user, a.secret = user, password
        want = self.opts.users.get(user)
        if want is None or not hmac.compare_digest(want.encode(),
                                                   password.encode()):
            raise AuthFailed('wrong password' if want else 'unknown user')

    def auth_PLAIN(self, a, initial):
        data = self.first(a, initial).decode('utf-8')
        parts = data.split('\0')
        if len(parts) != 3:
            raise AuthFailed('PLAIN message has %d parts' % len(parts))
        a.authzid = parts[0]
        if parts[0] and parts[0] != parts[1]:
            a.user = parts[1]
            raise AuthFailed('authzid %r not allowed' % parts[0])
        self.check_password(a, parts[1], parts[2])

    def auth_LOGIN(self, a, initial):
        user = self.first(a, initial, b'Username:').decode('utf-8')
        password = self.challenge(a, b'Password:').decode('utf-8')
        self.check_password(a, user, password)

    def auth_CRAM_MD5(self, a, initial):
        if initial is not None:
            raise ValueError('CRAM-MD5 takes no initial response')
        chal = ('<%d.%d@%s>' % (int.from_bytes(os.urandom(4), 'big'),
                                time.time(), HOSTNAME)).encode()
        user, _, digest = self.challenge(a, chal).decode().rpartition(' ')
        a.user = user
        want = self.opts.users.get(user)
        if want is None:
            raise AuthFailed('unknown user')
        good = hmac.new(want.encode(), chal, 'md5').hexdigest()
        if not hmac.compare_digest(good, digest):
            raise AuthFailed('wrong CRAM-MD5 digest')

    def auth_SCRAM_SHA_256(self, a, initial):
        self.scram(a, initial, plus=False)

    def auth_SCRAM_SHA_256_PLUS(self, a, initial):
        self.scram(a, initial, plus=True)

    def scram(self, a, initial, plus):
        first = self.first(a, initial).decode('utf-8')
        flag, authzid, bare = first.split(',', 2)
        a.cb_flag = flag
        a.authzid = authzid[2:] if authzid.startswith('a=') else None
        attrs = scram_attrs(bare)
        if not bare.startswith('n=') or 'r' not in attrs or 'm' in attrs:
            raise AuthFailed('bad client-first-message %r' % bare)
        user = saslname(attrs['n'])
        a.user = user
        if plus:
            want = 'p=' + (self.cb[0] if self.cb else '?')
            if flag != want:
                raise AuthFailed('gs2 flag %r, want %r' % (flag, want))
        elif flag.startswith('p='):
            raise AuthFailed('channel binding with a non-PLUS mechanism')
        elif flag == 'y' and 'SCRAM-SHA-256-PLUS' in self.offered_mechs():
            raise AuthFailed("gs2 flag 'y' although the server offers "
                             "SCRAM-SHA-256-PLUS (downgrade, RFC 5802 6)")
        elif flag not in ('n', 'y'):
            raise AuthFailed('bad gs2 flag %r' % flag)
        password = self.opts.users.get(user)
        salt = hashlib.sha256(b'salt:' + user.encode()).digest()[:16]
        stored, server_key = scram_keys(password or os.urandom(8).hex(),
                                        salt, SCRAM_ITERATIONS)
        nonce = attrs['r'] + b64(os.urandom(18))
        server_first = 'r=%s,s=%s,i=%d' % (nonce, b64(salt),
                                          SCRAM_ITERATIONS)
        final = self.challenge(a, server_first.encode()).decode('utf-8')
        if ',p=' not in final:
            raise AuthFailed('client-final-message without proof')
        without_proof, proof = final.rsplit(',p=', 1)
        fattrs = scram_attrs(without_proof)
        gs2_header = (flag + ',' + authzid + ',').encode()
        cbind = gs2_header + (self.cb[1] if plus and self.cb else b'')
        if plus:
            a.cb_ok = fattrs.get('c') == b64(cbind)
        if fattrs.get('c') != b64(cbind):
            raise AuthFailed('channel binding c=%r, want %r' % (
                fattrs.get('c'), b64(cbind)))
        if fattrs.get('r') != nonce:
            raise AuthFailed('nonce changed')
        auth_message = bare + ',' + server_first + ',' + without_proof
        if password is None:
            raise AuthFailed('unknown user')
        if not scram_check_proof(stored, auth_message, unb64(proof)):
            raise AuthFailed('wrong SCRAM proof')
        sig = scram_server_signature(server_key, auth_message)
        if self.opts.scram_bad_signature:
            sig = bytes(b ^ 0x55 for b in sig)
        last = self.challenge(a, ('v=' + b64(sig)).encode())
        if last not in (b'',):
            raise AuthFailed('unexpected answer to server-final %r' % last)

    def check_token(self, a, user, token):
        a.user, a.secret = user, token
        want = self.opts.tokens.get(user)
        if want is None or not hmac.compare_digest(want.encode(),
                                                   token.encode()):
            return False
        return True

    def auth_XOAUTH2(self, a, initial):
        data = self.first(a, initial).decode('utf-8')
        fields = dict(f.split('=', 1) for f in data.split('\x01') if f)
        token = fields.get('auth', '')
        if not data.endswith('\x01\x01') or not token.startswith('Bearer '):
            raise AuthFailed('malformed XOAUTH2 message %r' % data[:60])
        if not self.check_token(a, fields.get('user', ''), token[7:]):
            # Google's way: an error challenge, an empty answer, then 535.
            self.challenge(a, b'{"status":"401","schemes":"bearer",'
                              b'"scope":"https://mail.google.com/"}')
            raise AuthFailed('wrong token')

    def auth_OAUTHBEARER(self, a, initial):
        data = self.first(a, initial).decode('utf-8')
        gs2, sep, rest = data.partition('\x01')
        if not sep or not rest.endswith('\x01\x01'):
            raise AuthFailed('malformed OAUTHBEARER message %r' % data[:60])
        flag, authzid = (gs2.split(',') + ['', ''])[:2]
        if flag != 'n' or not gs2.endswith(','):
            raise AuthFailed('bad gs2 header %r' % gs2)
        a.authzid = authzid[2:] if authzid.startswith('a=') else ''
        a.kv = dict(f.split('=', 1) for f in rest.split('\x01') if f)
        token = a.kv.get('auth', '')
        if not token.startswith('Bearer ') or not self.check_token(
                a, a.authzid, token[7:]):
            answer = self.challenge(a, b'{"status":"invalid_token"}')
            if answer != b'\x01':
                raise AuthFailed('wrong token; answer to the error %r'
                                 % answer)
            raise AuthFailed('wrong token')

    def auth_EXTERNAL(self, a, initial):
        authzid = self.first(a, initial).decode('utf-8')
        a.authzid = authzid
        cn = self.tls.client_cert if self.tls else None
        if cn is None:
            raise AuthFailed('no verified client certificate')
        if authzid and self.opts.external.get(authzid) != cn:
            raise AuthFailed('authzid %r not allowed for %r' % (authzid, cn))
        a.user = authzid or cn

    # -- mail ----------------------------------------------------------------
    def need_auth(self):
        req = self.opts.require_auth
        if req is None:
            req = bool(self.opts.mechs)
        return req and self.auth is None

    def cmd_MAIL(self, arg):
        if self.helo is None:
            return self.send('503 5.5.1 EHLO first')
        if self.need_auth():
            return self.send('530 5.7.0 Authentication required')
        if not arg.upper().startswith('FROM:'):
            return self.send('501 5.5.4 Syntax: MAIL FROM:<address>')
        path = arg[5:].strip()
        addr, _, params = path.partition(' ')
        t = self.txn = Txn(helo=self.helo, mail_from=addr.strip('<>'),
                           mail_params=params)
        if self.tls:
            t.tls, t.cipher = self.tls.version, self.tls.cipher
            t.sni, t.client_cert = self.tls.sni, self.tls.client_cert
        if self.auth:
            t.auth_mech, t.auth_user = self.auth.mech, self.auth.user
        self.send('250 2.1.0 OK')

    def cmd_RCPT(self, arg):
        if self.txn is None:
            return self.send('503 5.5.1 MAIL first')
        addr = arg[3:].strip().split(' ')[0].strip('<>')
        self.txn.rcpts.append(addr)
        self.send('250 2.1.5 OK')

    def cmd_DATA(self, arg):
        if self.txn is None or not self.txn.rcpts:
            return self.send('503 5.5.1 RCPT first')
        self.send('354 End data with <CR><LF>.<CR><LF>')
        lines = []
        while True:
            line = self.readline_data()
            if line == b'.\r\n':
                break
            lines.append(line)
        raw = b''.join(lines)
        self.txn.raw, self.txn.content = raw, unstuff(raw)
        self.srv.transactions.append(self.txn)
        self.txn = None
        self.send('250 2.0.0 OK queued')

    def readline_data(self):
        while b'\n' not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError()
            self.buf += chunk
        line, self.buf = self.buf.split(b'\n', 1)
        return line + b'\n'


# -- the server ------------------------------------------------------------

class AuthServer:
    def __init__(self, port=0, host='127.0.0.1', **kw):
        self.opts = Options(**kw)
        if self.opts.tls not in ('none', 'starttls', 'implicit'):
            raise ValueError('tls must be none, starttls or implicit')
        self.host, self.port = host, port
        self.commands = []          # (line bytes, TLS version or None)
        self.tls_sessions = []      # TlsInfo
        self.auths = []             # Auth
        self.transactions = []      # Txn
        self.connections = 0
        self.errors = []            # exceptions in connection threads
        self.handshake_lock = threading.Lock()
        self._lock = threading.Lock()
        self._tmp = tempfile.mkdtemp(prefix='authserver-')
        self._keylog = os.path.join(self._tmp, 'keylog')
        self._listener = None
        self._threads = []
        self._socks = []
        self._stop = threading.Event()

    # -- results -------------------------------------------------------
    def note_command(self, line, tls):
        with self._lock:
            self.commands.append((line, tls.version if tls else None))

    def clear_commands(self):
        """Command lines that arrived before TLS was up."""
        return [c for c, t in self.commands if t is None]

    def commands_named(self, verb, clear=None):
        verb = verb.upper().encode()
        return [c for c, t in self.commands
                if c[:len(verb)].upper() == verb and
                (clear is None or clear == (t is None))]

    def wire_bytes(self):
        return b''.join(c for c, _ in self.commands)

    # -- TLS -----------------------------------------------------------
    def context(self, info):
        o = self.opts
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(o.cert.chain, o.cert.key)
        if o.ciphers:
            ctx.set_ciphers(o.ciphers)
        if o.tls_min is not None:
            ctx.minimum_version = o.tls_min
        if o.tls_max is not None:
            ctx.maximum_version = o.tls_max
        if o.client_ca:
            ctx.load_verify_locations(o.client_ca)
            ctx.verify_mode = (ssl.CERT_REQUIRED if o.require_client_cert
                               else ssl.CERT_OPTIONAL)
        ctx.keylog_filename = self._keylog

        def sni(sslobj, name, c):
            info.sni = name
        ctx.sni_callback = sni
        return ctx

    def last_exporter_secret(self):
        try:
            with open(self._keylog) as f:
                lines = [l.split() for l in f
                         if l.startswith('EXPORTER_SECRET ')]
        except OSError:
            return None
        return bytes.fromhex(lines[-1][2]) if lines else None

    # -- life cycle ----------------------------------------------------
    def start(self):
        if self.opts.tls != 'none' and self.opts.cert is None:
            raise ValueError('TLS needs cert=')
        ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind((self.host, self.port))
        ls.listen(16)
        self.port = ls.getsockname()[1]
        self._listener = ls
        t = threading.Thread(target=self._accept, daemon=True)
        t.start()
        self._threads.append(t)
        return self

    def _accept(self):
        while not self._stop.is_set():
            r, _, _ = select.select([self._listener], [], [], 0.1)
            if not r:
                continue
            try:
                sock, _ = self._listener.accept()
            except OSError:
                continue
            sock.settimeout(IO_TIMEOUT)
            with self._lock:
                self.connections += 1
                self._socks.append(sock)
            t = threading.Thread(target=self._serve, args=(sock,),
                                 daemon=True)
            t.start()
            self._threads.append(t)

    def _serve(self, sock):
        c = Conn(self, sock)
        try:
            c.run()
        except (EOFError, ConnectionError, socket.timeout, ssl.SSLError,
                OSError):
            pass
        except Exception:          # a bug in the server: make it visible
            import traceback
            self.errors.append(traceback.format_exc())
        finally:
            for s in (c.sock, sock):
                try:
                    s.close()
                except OSError:
                    pass

    def stop(self):
        self._stop.set()
        deadline = time.monotonic() + 10
        # Let connection threads finish reading what the client sent.
        for t in self._threads[1:]:
            t.join(max(0, min(2, deadline - time.monotonic())))
        with self._lock:
            for s in self._socks:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
        for t in self._threads:
            t.join(max(0, deadline - time.monotonic()))
        if self._listener:
            self._listener.close()
        try:
            os.unlink(self._keylog)
        except OSError:
            pass
        try:
            os.rmdir(self._tmp)
        except OSError:
            pass

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False


def free_port():
    """A port that was free a moment ago (for servers started elsewhere)."""
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()
    return port


# -- self test ---------------------------------------------------------------

def _st_rfc7677():
    # RFC 7677 section 3: user "user", password "pencil".
    salt = base64.b64decode('W22ZaJ0SNY7soEsUEjb6gQ==')
    stored, server_key = scram_keys('pencil', salt, 4096)
    bare = 'n=user,r=rOprNGfwEbeRWgbNEkqO'
    sfirst = ('r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,'
              's=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096')
    cfinal = 'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0'
    proof = base64.b64decode('dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=')
    am = bare + ',' + sfirst + ',' + cfinal
    assert scram_check_proof(stored, am, proof)
    assert not scram_check_proof(stored, am + 'x', proof)
    assert b64(scram_server_signature(server_key, am)) == \
        '6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4='


def _st_smtplib(pki):
    import smtplib
    users = {'alice': 's3cret'}
    for mech in ('PLAIN', 'LOGIN', 'CRAM-MD5'):
        with AuthServer(tls='starttls', cert=pki.good, mechs=(mech,),
                        users=users) as s:
            ctx = ssl.create_default_context(cafile=pki.ca.cert)
            with smtplib.SMTP(s.host, s.port) as c:
                c.starttls(context=ctx)
                c.ehlo('client.test')
                try:
                    c.login('alice', 'wrong')
                    raise AssertionError('wrong password accepted')
                except smtplib.SMTPAuthenticationError as e:
                    assert e.smtp_code == 535, e
                c.login('alice', 's3cret')
                c.sendmail('a@x.test', ['b@y.test'],
                           b'Subject: t\r\n\r\nhi\r\n')
        assert [a.ok for a in s.auths] == [False, True], (mech, s.auths)
        t = s.transactions[0]
        assert t.tls == 'TLSv1.3' and t.auth_mech == mech, t
        assert t.auth_user == 'alice' and t.content.endswith(b'hi\r\n'), t
        assert s.tls_sessions[0].sni == 'mail.test' or \
            s.tls_sessions[0].sni is None


def _st_exporter(pki):
    """The exporter computed from the key log equals OpenSSL's own (via
    pyOpenSSL, when installed)."""
    try:
        from OpenSSL import SSL
    except ImportError:
        return 'pyOpenSSL missing: exporter cross-check skipped'
    got = {}
    with AuthServer(tls='implicit', cert=pki.good, mechs=('PLAIN',)) as s:
        orig = Conn.start_tls

        def spy(self, how):
            ok = orig(self, how)
            got['cb'] = self.cb
            return ok
        Conn.start_tls = spy
        try:
            ctx = SSL.Context(SSL.TLS_METHOD)
            sock = socket.create_connection((s.host, s.port))
            c = SSL.Connection(ctx, sock)
            c.set_connect_state()
            c.do_handshake()
            mine = c.export_keying_material(b'EXPORTER-Channel-Binding', 32,
                                            b'')
            c.recv(100)
            c.shutdown()
            sock.close()
        finally:
            Conn.start_tls = orig
    assert got['cb'] == ('tls-exporter', mine), (got, mine)


def self_test():
    import tlsca
    tests = [('rfc7677 vector', lambda p: _st_rfc7677()),
             ('smtplib PLAIN/LOGIN/CRAM-MD5 over STARTTLS', _st_smtplib),
             ('tls-exporter equals OpenSSL', _st_exporter)]
    print('1..%d' % len(tests))
    bad = 0
    with tempfile.TemporaryDirectory() as d:
        pki = tlsca.make_pki(d)
        for n, (name, fn) in enumerate(tests, 1):
            try:
                note = fn(pki)
                print('ok %d - %s%s' % (n, name,
                                        ' # SKIP ' + note if note else ''))
            except Exception:
                import traceback
                bad += 1
                print('not ok %d - %s' % (n, name))
                for l in traceback.format_exc().splitlines():
                    print('# ' + l)
    return 1 if bad else 0


if __name__ == '__main__':
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    if sys.argv[1:] == ['--self-test']:
        sys.exit(self_test())
    print(__doc__)
