#!/usr/bin/python3
"""msmtp_net.py - msmtp parity of the relay connection (issue 8, items 3.3
and 3.5): a SOCKS5 proxy (proxy_host, proxy_port), LMTP (protocol lmtp),
SHA-1 and MD5 pins (tls_fingerprint), half a client certificate
(tls_cert_file without tls_key_file, or the reverse).

Each case runs Debian's msmtp and dsmtp with the same msmtprc (msmtp.py's
config()) against real peers on 127.0.0.1: the recording SMTP server
(smtpserver.py) behind a SOCKS5 proxy of our own (socks5.py, which
resolves names from its own table, so a request for a name proves that the
client did not resolve it), aiosmtpd's LMTP server answering each
recipient after the message, and the TLS server of authserver.py with the
test CA (tlsca.py)."""

import asyncio
import hashlib
import os
import ssl
import sys
import threading

sys.dont_write_bytecode = True     # the source tree may be read-only
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'lib'))
sys.path.insert(0, HERE)
import dsmtptest as T                                    # noqa: E402
import msmtp as M                                        # noqa: E402
from authserver import AuthServer                        # noqa: E402
from smtpserver import SmtpServer, refused_port          # noqa: E402
from socks5 import Socks5Proxy                           # noqa: E402
from tls import pki                                      # noqa: E402

from aiosmtpd.lmtp import LMTP                           # noqa: E402

EX_UNAVAILABLE, EX_TEMPFAIL, EX_CONFIG = 69, 75, 78
# Only the proxy knows this name: it is in no resolver.
RELAY = 'relay.socks5.test'


def run(prog, box, argv, stdin):
    if prog == 'msmtp':
        return M.run_msmtp(box, argv, stdin)
    return M.run_dsmtp(argv, stdin, box)


def log_of(box):
    """The log file that msmtp.py's config() names."""
    path = os.path.join(box, 'log')
    return open(path, 'rb').read() if os.path.exists(path) else b''


def both_refuse(c, box, cfg, code, says):
    """msmtp and dsmtp with cfg both end with status code, dsmtp with one
    line on stderr that contains says."""
    mres = M.run_msmtp(box, ['-C', cfg, 'bob@example.net'], M.MSG)
    dres = M.run_dsmtp(['-C', cfg, 'bob@example.net'], M.MSG, box)
    c.eq(mres.code, code, 'msmtp\'s exit status')
    c.exit(dres, code)
    c.no_stdout(dres)
    res = M.without_domain_warning(dres)
    c.one_stderr_line(res)
    c.true(says in res.err, 'stderr: %s' % T.short(res.err))


# -- SOCKS5 -------------------------------------------------------------------

def via_proxy(c, account=(), argv=('bob@example.net',), **proxy):
    """msmtp, then dsmtp, through a SOCKS5 proxy to the recording server:
    [(result, transactions, proxy requests, log)] for each."""
    out = []
    for prog in ('msmtp', 'dsmtp'):
        with SmtpServer() as srv, \
                Socks5Proxy(names={RELAY: ('127.0.0.1', srv.port)},
                            **proxy) as p, T.sandbox() as box:
            cfg = M.config(box, srv.port, ['host ' + RELAY,
                                           'proxy_host 127.0.0.1',
                                           'proxy_port %d' % p.port] +
                           list(account))
            res = run(prog, box, ['-C', cfg] + list(argv), M.MSG)
            c.need(res is not None, '%s did not end within 30 s' % prog)
            srv.settle()
            # The port the proxy was asked for is the configured one.
            c.true(all(r.port == srv.port for r in p.requests),
                   'ports %s asked the proxy for: %s, want %d'
                   % (prog, [r.port for r in p.requests], srv.port))
            out.append((res, list(srv.transactions),
                        [(r.atyp, r.host, r.methods) for r in p.requests],
                        log_of(box)))
    return out


def proxy_delivers(c):
    (mres, mtx, mreq, _), (dres, dtx, dreq, dlog) = via_proxy(c)
    c.exit(mres, 0)
    c.exit(dres, 0)
    c.no_stdout(dres)
    c.eq([r[:2] for r in dreq], [('domain', RELAY)],
         'what dsmtp asked the proxy for (the name, not an address)')
    c.eq(dreq, mreq, 'proxy requests (dsmtp vs msmtp)')
    c.eq(M.envelope(dtx), M.envelope(mtx), 'envelope (dsmtp vs msmtp)')
    c.eq(len(dtx), 1, 'transactions through the proxy')
    for m, d in zip(mtx, dtx):
        c.eq(M.message_parts(d), M.message_parts(m), 'message')
    c.true(b'relay=' + RELAY.encode() + b':' in dlog,
           'the log names the relay, without the proxy\'s address: %s'
           % T.short(dlog))


def proxy_address_literal(c):
    """host 127.0.0.1: still asked for as a name, as msmtp does."""
    (mres, _, mreq, _), (dres, dtx, dreq, _) = via_proxy(
        c, account=['host 127.0.0.1'])
    c.exit(mres, 0)
    c.exit(dres, 0)
    c.eq(dreq, mreq, 'proxy requests (dsmtp vs msmtp)')
    c.eq([r[:2] for r in dreq], [('domain', '127.0.0.1')],
         'what dsmtp asked the proxy for')
    c.eq(len(dtx), 1, 'transactions through the proxy')


def proxy_fails(c, want, **proxy):
    """Both fail, nothing arrives; dsmtp says so in one line naming the
    proxy."""
    (mres, mtx, _, _), (dres, dtx, dreq, _) = via_proxy(c, **proxy)
    c.true(mres.code != 0, 'msmtp exited 0: the case is not a failure')
    c.exit(dres, want)
    c.no_stdout(dres)
    c.eq(mtx + dtx, [], 'transactions at the server')
    res = M.without_domain_warning(dres)
    c.one_stderr_line(res)
    c.true(b'proxy 127.0.0.1' in res.err, 'the proxy is named: %s'
           % T.short(res.err))


def proxy_down(c):
    """Nobody listens at proxy_port: 75, as for a relay that is down."""
    sock = refused_port()
    port = sock.getsockname()[1]
    with sock, SmtpServer() as srv, T.sandbox() as box:
        cfg = M.config(box, srv.port, ['host ' + RELAY,
                                       'proxy_host 127.0.0.1',
                                       'proxy_port %d' % port])
        both_refuse(c, box, cfg, EX_TEMPFAIL, b'SOCKS proxy')
        c.silent_server(srv)


def proxy_tls(c):
    """STARTTLS through the proxy: the certificate is checked against the
    relay's name, which only the proxy resolves."""
    p = pki()
    with AuthServer(tls='starttls', cert=p.good) as srv, \
            Socks5Proxy(names={'mail.test': ('127.0.0.1', srv.port)}) as px, \
            T.sandbox() as box:
        cfg = M.config(box, srv.port, ['host mail.test', 'tls on',
                                       'tls_trust_file %s' % p.ca.cert,
                                       'proxy_host 127.0.0.1',
                                       'proxy_port %d' % px.port])
        dres = M.run_dsmtp(['-C', cfg, 'bob@example.net'], M.MSG, box)
        mres = M.run_msmtp(box, ['-C', cfg, 'bob@example.net'], M.MSG)
    c.exit(mres, 0)
    c.exit(dres, 0)
    c.eq([(r.atyp, r.host) for r in px.requests],
         [('domain', 'mail.test')] * 2, 'proxy requests (dsmtp, msmtp)')
    c.eq(len(srv.transactions), 2, 'messages delivered over TLS')
    c.true(all(s.version for s in srv.tls_sessions),
           'every session used TLS')


def socket_beats_proxy(c):
    """socket overrides proxy_host, as in msmtp's manual: the proxy is
    never asked."""
    with Socks5Proxy() as px, T.sandbox() as box:
        sock = os.path.join(box, 'none.sock')
        cfg = M.config(box, 25, ['proxy_host 127.0.0.1',
                                 'proxy_port %d' % px.port,
                                 'socket %s' % sock])
        dres = M.run_dsmtp(['-C', cfg, 'bob@example.net'], M.MSG, box)
    c.exit(dres, EX_TEMPFAIL)
    c.eq(px.connections, 0, 'connections to the proxy')
    c.true(sock.encode() in dres.err, 'names the socket: %s'
           % T.short(dres.err))


# -- LMTP ---------------------------------------------------------------------

class LmtpHandler:
    """Refuses some recipients at RCPT, answers each accepted one after the
    message from after_data (default 250), and records what arrived."""

    def __init__(self, at_rcpt, after_data):
        self.at_rcpt, self.after_data = at_rcpt, after_data
        self.messages = []          # (mail_from, rcpts, content)

    async def handle_RCPT(self, server, session, envelope, address, opts):
        if address in self.at_rcpt:
            return self.at_rcpt[address]
        envelope.rcpt_tos.append(address)
        return '250 2.1.5 OK'

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos),
                              envelope.original_content))
        # aiosmtpd's LMTP: one status line per recipient, CRLF joined.
        return '\r\n'.join(self.after_data.get(
            r, '250 2.0.0 <%s> delivered' % r) for r in envelope.rcpt_tos)


class LmtpServer:
    """aiosmtpd's LMTP class on 127.0.0.1 in a thread of its own."""

    def __init__(self, at_rcpt=None, after_data=None):
        self.handler = LmtpHandler(at_rcpt or {}, after_data or {})
        self.commands = []
        self.port = None

    def __enter__(self):
        self.loop = asyncio.new_event_loop()
        ready = threading.Event()

        def serve():
            asyncio.set_event_loop(self.loop)
            self.server = self.loop.run_until_complete(
                self.loop.create_server(self._protocol, '127.0.0.1', 0))
            self.port = self.server.sockets[0].getsockname()[1]
            ready.set()
            self.loop.run_forever()
        self.thread = threading.Thread(target=serve, daemon=True)
        self.thread.start()
        ready.wait(10)
        return self

    def _protocol(self):
        proto = LMTP(self.handler, hostname='lmtp.test', loop=self.loop)
        outer = self

        orig = proto._handle_client

        async def recording():
            reader = proto._reader
            readuntil = reader.readuntil

            async def rec(sep=b'\n'):
                line = await readuntil(sep)
                outer.commands.append(line)
                return line
            reader.readuntil = rec
            await orig()
        proto._handle_client = recording
        return proto

    def __exit__(self, *exc):
        async def shutdown():
            self.server.close()
            await self.server.wait_closed()
        asyncio.run_coroutine_threadsafe(asyncio.sleep(0.05),
                                         self.loop).result(10)
        asyncio.run_coroutine_threadsafe(shutdown(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        return False

    def verbs(self):
        return [c.split(b' ', 1)[0].strip().upper() for c in self.commands]


RCPTS = ['ok@example.net', 'gone@example.net', 'full@example.net']
AFTER = {'gone@example.net': '550 5.1.1 <gone@example.net> no such user',
         'full@example.net': '452 4.2.2 <full@example.net> mailbox full'}


def via_lmtp(c, rcpts, at_rcpt=None, after_data=None, account=()):
    """msmtp, then dsmtp, against an LMTP server: [(result, server, log)]."""
    out = []
    for prog in ('msmtp', 'dsmtp'):
        with LmtpServer(at_rcpt, after_data) as srv, T.sandbox() as box:
            cfg = M.config(box, srv.port, ['protocol lmtp'] + list(account))
            res = run(prog, box, ['-C', cfg] + rcpts, M.MSG)
            c.need(res is not None, '%s did not end within 30 s' % prog)
            log = log_of(box)
        out.append((res, srv, log))
    return out


def log_lines(log, status):
    return [l for l in log.split(b'\n') if b'status=%s ' % status in l
            or l.endswith(b'status=%s' % status)]


def lmtp_delivers(c):
    (mres, msrv, _), (dres, dsrv, dlog) = via_lmtp(c, RCPTS[:1])
    c.exit(mres, 0)
    c.exit(dres, 0)
    c.no_stdout(dres)
    c.eq(dsrv.verbs()[:1], [b'LHLO'], 'dsmtp\'s first command')
    c.eq(b'EHLO' in dsrv.verbs() or b'HELO' in dsrv.verbs(), False,
         'EHLO or HELO said to an LMTP server')
    c.eq([m[:2] for m in dsrv.handler.messages],
         [m[:2] for m in msrv.handler.messages], 'envelope (dsmtp, msmtp)')
    c.eq(len(dsrv.handler.messages), 1, 'messages at the LMTP server')
    c.eq(len(log_lines(dlog, b'sent')), 1, 'sent lines in the log')


def lmtp_per_recipient(c):
    """One accepted, one refused (550), one deferred (452) after the
    message: the first delivered, exit 75 (one may still get it later),
    a log line for each outcome naming its recipient and reply."""
    (mres, msrv, _), (dres, dsrv, dlog) = via_lmtp(c, RCPTS,
                                                   after_data=AFTER)
    c.true(mres.code != 0, 'msmtp exited 0')
    c.exit(dres, EX_TEMPFAIL)
    c.no_stdout(dres)
    c.eq([m[1] for m in dsrv.handler.messages], [RCPTS],
         'recipients the LMTP server took the message for')
    sent, deferred, bounced = (log_lines(dlog, s) for s in
                               (b'sent', b'deferred', b'bounced'))
    c.eq(len(sent), 1, 'sent lines in the log')
    c.eq(len(deferred), 1, 'deferred lines in the log')
    c.eq(len(bounced), 1, 'bounced lines in the log')
    c.true(sent and b'to=ok@example.net ' in sent[0], 'sent: %s'
           % T.short(sent))
    c.true(deferred and b'to=full@example.net ' in deferred[0] and
           b'452' in deferred[0], 'deferred: %s' % T.short(deferred))
    c.true(bounced and b'to=gone@example.net ' in bounced[0] and
           b'550 5.1.1' in bounced[0], 'bounced: %s' % T.short(bounced))
    res = M.without_domain_warning(dres)
    c.one_stderr_line(res)
    c.true(b'1 of 3' in res.err, 'says one of three got it: %s'
           % T.short(res.err))


def lmtp_all_refused_after_data(c):
    """Each recipient refused for good after the message: 67, as a
    recipient refused at RCPT (msmtp fails too)."""
    after = {r: '550 5.1.1 <%s> no such user' % r for r in RCPTS[:2]}
    (mres, _, _), (dres, _, dlog) = via_lmtp(c, RCPTS[:2], after_data=after)
    c.true(mres.code != 0, 'msmtp exited 0')
    c.exit(dres, 67)
    c.eq(len(log_lines(dlog, b'bounced')), 1, 'bounced lines in the log')
    c.eq(log_lines(dlog, b'sent'), [], 'sent lines in the log')


def lmtp_refused_at_rcpt(c):
    """One refused at RCPT: the replies after the message are for the two
    accepted ones only, in order."""
    at_rcpt = {'gone@example.net': '550 5.1.1 no such user'}
    after = {'full@example.net': '452 4.2.2 mailbox full'}
    _, (dres, dsrv, dlog) = via_lmtp(c, RCPTS, at_rcpt, after)
    c.exit(dres, EX_TEMPFAIL)
    c.eq([m[1] for m in dsrv.handler.messages],
         [['ok@example.net', 'full@example.net']], 'accepted recipients')
    sent, deferred, bounced = (log_lines(dlog, s) for s in
                               (b'sent', b'deferred', b'bounced'))
    c.true(len(sent) == 1 and b'to=ok@example.net ' in sent[0],
           'sent: %s' % T.short(sent))
    c.true(len(deferred) == 1 and b'to=full@example.net ' in deferred[0],
           'deferred: %s' % T.short(deferred))
    c.true(len(bounced) == 1 and b'to=gone@example.net ' in bounced[0],
           'bounced: %s' % T.short(bounced))


def lmtp_needs_port(c):
    """protocol lmtp has no default port: both refuse the account (78)."""
    with T.sandbox() as box:
        lines = ['defaults', 'syslog off', 'logfile %s' %
                 os.path.join(box, 'log'), '', 'account default',
                 'host 127.0.0.1', 'from %s' % M.FROM, 'protocol lmtp']
        cfg = T.write_file(os.path.join(box, 'msmtprc'),
                           '\n'.join(lines) + '\n')
        both_refuse(c, box, cfg, EX_CONFIG, b'protocol lmtp needs a port')


# -- TLS: weak pins, half a client certificate --------------------------------

def pin_of(cert, algo):
    with open(cert.cert) as f:
        der = ssl.PEM_cert_to_DER_cert(f.read())
    h = hashlib.new(algo, der).hexdigest().upper()
    return ':'.join(h[i:i + 2] for i in range(0, len(h), 2))


def tls_both(c, account, cert='self_signed'):
    """msmtp, then dsmtp, with TLS to authserver: [(result, server)]."""
    out = []
    for prog in ('msmtp', 'dsmtp'):
        with AuthServer(tls='starttls', cert=getattr(pki(), cert)) as srv, \
                T.sandbox() as box:
            cfg = M.config(box, srv.port, ['tls on'] + list(account))
            res = run(prog, box, ['-C', cfg, 'bob@example.net'], M.MSG)
            c.need(res is not None, '%s did not end within 30 s' % prog)
        out.append((res, srv))
    return out


def weak_pin(c, algo, name):
    """A SHA-1 or MD5 pin of the self-signed certificate: delivered, with
    a warning that it is weak."""
    fp = pin_of(pki().self_signed, algo)
    (mres, msrv), (dres, dsrv) = tls_both(c, ['tls_fingerprint ' + fp])
    c.exit(mres, 0)
    c.exit(dres, 0)
    c.no_stdout(dres)
    c.eq(len(dsrv.transactions), len(msrv.transactions),
         'messages delivered (dsmtp vs msmtp)')
    c.eq(len(dsrv.transactions), 1, 'messages dsmtp delivered')
    res = M.without_domain_warning(dres)
    c.one_stderr_line(res)
    c.true(b'weak' in res.err and name.encode() in res.err,
           'warns that %s is weak: %s' % (name, T.short(res.err)))


def weak_pin_wrong(c, algo):
    """A SHA-1 or MD5 pin of another certificate: refused (75), nothing
    sent."""
    fp = pin_of(pki().good, algo)
    (mres, msrv), (dres, dsrv) = tls_both(c, ['tls_fingerprint ' + fp])
    c.true(mres.code != 0, 'msmtp exited 0')
    c.exit(dres, EX_TEMPFAIL)
    c.eq(dsrv.transactions + msrv.transactions, [], 'messages delivered')
    c.true(b'does not match tls_fingerprint' in dres.err, 'stderr: %s'
           % T.short(dres.err))


def sha256_pin_no_warning(c):
    (_, _), (dres, dsrv) = tls_both(
        c, ['tls_fingerprint ' + pki().self_signed.sha256])
    c.exit(dres, 0)
    c.eq(M.without_domain_warning(dres).err, b'', 'stderr')


def half_client_cert(c, have, missing):
    """Only one of tls_cert_file and tls_key_file: both refuse (78),
    before connecting, naming what is missing."""
    p = pki()
    path = p.client.cert if have == 'tls_cert_file' else p.client.key
    (mres, msrv), (dres, dsrv) = tls_both(
        c, ['tls_trust_file %s' % p.ca.cert, '%s %s' % (have, path)],
        cert='good')
    c.eq(mres.code, EX_CONFIG, 'msmtp\'s exit status')
    c.exit(dres, EX_CONFIG)
    c.no_stdout(dres)
    c.eq(dsrv.connections, 0, 'connections dsmtp made')
    res = M.without_domain_warning(dres)
    c.one_stderr_line(res)
    c.true(('%s requires %s' % (have, missing)).encode() in res.err,
           'stderr: %s' % T.short(res.err))
    c.true(b'msmtprc:' in res.err, 'names the file and line: %s'
           % T.short(res.err))


TESTS = [
    ('SOCKS5: delivered through the proxy, which got the name (as msmtp)',
     proxy_delivers),
    ('SOCKS5: an address literal host is asked for as a name (as msmtp)',
     proxy_address_literal),
    ('SOCKS5: the proxy cannot connect: 75, one line naming it',
     lambda c: proxy_fails(c, EX_TEMPFAIL, reply=5)),
    ('SOCKS5: the proxy wants authentication: 69',
     lambda c: proxy_fails(c, EX_UNAVAILABLE, auth_only=True)),
    ('SOCKS5: nobody at proxy_port: 75, as msmtp',
     proxy_down),
    ('SOCKS5: STARTTLS checks the relay\'s name through the proxy',
     proxy_tls),
    ('SOCKS5: socket wins over proxy_host',
     socket_beats_proxy),
    ('SOCKS5: an empty proxy_host means no proxy (as msmtp)',
     lambda c: M.agree(c, ['bob@example.net'],
                       account=['proxy_host', 'proxy_port 9'])),
    ('LMTP: LHLO, delivered (as msmtp)',
     lmtp_delivers),
    ('LMTP: per-recipient replies after the message: 250, 550, 452',
     lmtp_per_recipient),
    ('LMTP: every recipient refused after the message: 67',
     lmtp_all_refused_after_data),
    ('LMTP: one refused at RCPT, the rest answered after the message',
     lmtp_refused_at_rcpt),
    ('LMTP: no port: 78 (as msmtp)',
     lmtp_needs_port),
    ('tls_fingerprint SHA-1: delivered with a warning (as msmtp)',
     lambda c: weak_pin(c, 'sha1', 'SHA-1')),
    ('tls_fingerprint MD5: delivered with a warning (as msmtp)',
     lambda c: weak_pin(c, 'md5', 'MD5')),
    ('tls_fingerprint SHA-1 of another certificate: 75',
     lambda c: weak_pin_wrong(c, 'sha1')),
    ('tls_fingerprint MD5 of another certificate: 75',
     lambda c: weak_pin_wrong(c, 'md5')),
    ('tls_fingerprint SHA-256: no warning',
     sha256_pin_no_warning),
    ('tls_cert_file without tls_key_file: 78 (as msmtp)',
     lambda c: half_client_cert(c, 'tls_cert_file', 'tls_key_file')),
    ('tls_key_file without tls_cert_file: 78 (as msmtp)',
     lambda c: half_client_cert(c, 'tls_key_file', 'tls_cert_file')),
]


if __name__ == '__main__':
    T.main(M.suite(TESTS))
