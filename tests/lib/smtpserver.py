#!/usr/bin/python3
"""smtpserver.py - a recording SMTP server for dsmtp's integration tests.

Owns: a real SMTP peer on 127.0.0.1 that records every transaction (HELO
name, MAIL FROM and its ESMTP parameters, each RCPT with its parameters,
the DATA bytes exactly as they arrived and unstuffed), injects replies, and
misbehaves on demand (silence, garbage, reply floods, a close during DATA,
a 421 greeting).  The normal mode is aiosmtpd; misbehaving ones are plain
asyncio protocols.

As a module:

    with SmtpServer(hide=['8BITMIME'], rcpt_replies={'bad@x': '550 no'}) as s:
        run dsmtp against s.host, s.port
    s.transactions[0].raw ...

As a script (runs until SIGTERM or SIGINT):

    /usr/bin/python3 smtpserver.py --dir DIR --port-file F [--mode MODE] ...

Run with Debian's /usr/bin/python3 (python3-aiosmtpd 1.4.3).
`smtpserver.py --self-test` checks the server itself with smtplib (TAP).
"""

import argparse
import asyncio
import dataclasses
import json
import logging
import os
import signal
import sys
import threading

from aiosmtpd.smtp import SMTP

MODES = ('normal', 'silent', 'garbage', 'garbage-ehlo', 'flood-lines',
         'flood-line', 'close-in-data', 'greet421')
DEFAULT_EXTENSIONS = ('8BITMIME', 'SIZE', 'PIPELINING', 'DSN',
                      'ENHANCEDSTATUSCODES')
ALL_EXTENSIONS = DEFAULT_EXTENSIONS + ('SMTPUTF8',)
DEFAULT_SIZE = 50 * 1024 * 1024
FLOOD_BYTES = 10 * 1024 * 1024
RECORD_LIMIT = 64 * 1024 * 1024     # DATA bytes kept per transaction
HOSTNAME = 'smtpserver.test'

# Which ESMTP parameter needs which advertised extension.
MAIL_PARAMS = {'SIZE': 'SIZE', 'BODY': '8BITMIME', 'SMTPUTF8': 'SMTPUTF8',
               'RET': 'DSN', 'ENVID': 'DSN'}
RCPT_PARAMS = {'NOTIFY': 'DSN', 'ORCPT': 'DSN'}

logging.getLogger('mail.log').setLevel(logging.ERROR)


@dataclasses.dataclass
class Options:
    """What the server advertises, which replies it injects, how it acts."""
    mode: str = 'normal'
    extensions: tuple = DEFAULT_EXTENSIONS
    size: int = DEFAULT_SIZE
    reject_ehlo: bool = False
    mail_reply: str = None
    data_reply: str = None
    eod_reply: str = None
    rcpt_replies: dict = dataclasses.field(default_factory=dict)
    eod_delay: float = 0.0        # seconds to wait before the DATA reply
    hang_up_on_mail: int = 0      # close, unanswered, at the Nth MAIL of a
                                  # connection (a server that dropped a
                                  # kept connection unseen); 0: never

    def offers(self, ext):
        return ext in self.extensions


@dataclasses.dataclass
class Transaction:
    """One transaction that reached the end of DATA."""
    helo_verb: str = None         # 'EHLO' or 'HELO'
    helo_name: str = None
    mail_from: str = None         # without angle brackets; '' = null sender
    mail_params: dict = dataclasses.field(default_factory=dict)
    rcpts: list = dataclasses.field(default_factory=list)     # (addr, params)
    refused_rcpts: list = dataclasses.field(default_factory=list)
    raw: bytes = b''              # DATA as on the wire, up to the final CRLF
    content: bytes = b''          # raw with dot-stuffing removed
    reply: str = '250 2.0.0 OK'   # what the server answered after DATA

    @property
    def accepted(self):
        return self.reply.startswith('2')

    @property
    def rcpt_addrs(self):
        return [a for a, _ in self.rcpts]


def unstuff(raw):
    """Undo SMTP dot-stuffing of CRLF-delimited lines (RFC 5321 4.5.2)."""
    lines = raw.split(b'\r\n')
    return b'\r\n'.join(l[1:] if l.startswith(b'.') else l for l in lines)


def parse_path(arg, keyword):
    """Split 'FROM:<a@b> K=V ...' into (address, {K: V}); None if bad."""
    if not arg or arg[:len(keyword)].upper() != keyword:
        return None
    rest = arg[len(keyword):].strip()
    if rest.startswith('<'):
        end = rest.find('>')
        if end < 0:
            return None
        addr, rest = rest[1:end], rest[end + 1:]
    else:
        addr, _, rest = rest.partition(' ')
    params = {}
    for word in rest.split():
        key, eq, value = word.partition('=')
        params[key.upper()] = value if eq else True
    return addr, params


def unsupported(params, table, opts):
    """The first parameter whose extension the server did not offer."""
    for key in params:
        if key not in table or not opts.offers(table[key]):
            return key
    return None


class RecordingSMTP(SMTP):
    """aiosmtpd's SMTP with recording, injected replies and raw DATA."""

    def __init__(self, server, **kw):
        self.srv = server
        self.opts = server.opts
        size = self.opts.size if self.opts.offers('SIZE') else None
        super().__init__(_Handler(), hostname=HOSTNAME, data_size_limit=size,
                         enable_SMTPUTF8=self.opts.offers('SMTPUTF8'), **kw)
        self.txn = Transaction()
        self.helo = (None, None)

    def connection_made(self, transport):
        self.srv.note_connection(transport)
        super().connection_made(transport)

    def connection_lost(self, exc):
        self.srv.note_closed()
        super().connection_lost(exc)

    async def push(self, status):
        if isinstance(status, str):
            status = status.encode('utf-8')
        await super().push(status)

    def _set_rset_state(self):
        super()._set_rset_state()
        self.txn = Transaction(helo_verb=self.helo[0], helo_name=self.helo[1])

    async def _handle_client(self):
        # Record each command line before aiosmtpd parses it.
        reader = self._reader
        orig = reader.readuntil

        async def readuntil(sep=b'\n'):
            line = await orig(sep)
            self.srv.commands.append(line)
            return line
        reader.readuntil = readuntil
        await super()._handle_client()

    async def smtp_EHLO(self, hostname):
        if not hostname:
            return await self.push('501 5.5.4 Syntax: EHLO hostname')
        if self.opts.reject_ehlo:
            return await self.push('502 5.5.1 EHLO not implemented')
        self.helo = ('EHLO', hostname)
        self._set_rset_state()
        self.session.extended_smtp = True
        self.session.host_name = hostname
        lines = [HOSTNAME] + [('SIZE %d' % self.opts.size) if e == 'SIZE'
                              else e for e in self.opts.extensions]
        for line in lines[:-1]:
            await self.push('250-' + line)
        await self.push('250 ' + lines[-1])

    async def smtp_HELO(self, hostname):
        if not hostname:
            return await self.push('501 Syntax: HELO hostname')
        self.helo = ('HELO', hostname)
        self._set_rset_state()
        self.session.extended_smtp = False
        self.session.host_name = hostname
        await self.push('250 ' + HOSTNAME)

    async def smtp_MAIL(self, arg):
        if await self.check_helo_needed():
            return
        if self.txn.mail_from is not None:
            return await self.push('503 5.5.1 Error: nested MAIL command')
        parsed = parse_path(arg, 'FROM:')
        if parsed is None:
            return await self.push('501 5.5.4 Syntax: MAIL FROM:<address>')
        addr, params = parsed
        bad = self.check_params(params, MAIL_PARAMS)
        if bad:
            return await self.push(bad)
        self.mails = getattr(self, 'mails', 0) + 1
        if self.opts.hang_up_on_mail == self.mails:
            self.transport.close()
            return
        if self.opts.mail_reply:
            return await self.push(self.opts.mail_reply)
        self.txn.mail_from, self.txn.mail_params = addr, params
        await self.push('250 2.1.0 OK')

    def check_params(self, params, table):
        """The error reply for parameters the server cannot take, or None."""
        if params and not self.session.extended_smtp:
            return '501 5.5.4 Parameters need EHLO'
        key = unsupported(params, table, self.opts)
        if key:
            return '555 5.5.4 %s parameter not recognized' % key
        body = params.get('BODY')
        if body is not None and str(body).upper() not in ('7BIT', '8BITMIME'):
            return '501 5.5.4 BODY can only be 7BIT or 8BITMIME'
        size = params.get('SIZE')
        if size is not None and self.data_size_limit:
            if not str(size).isdigit():
                return '501 5.5.4 Bad SIZE'
            if int(size) > self.data_size_limit:
                return '552 5.3.4 Message size exceeds fixed maximum'
        return None

    async def smtp_RCPT(self, arg):
        if await self.check_helo_needed():
            return
        if self.txn.mail_from is None:
            return await self.push('503 5.5.1 Error: need MAIL command')
        parsed = parse_path(arg, 'TO:')
        if parsed is None or not parsed[0]:
            return await self.push('501 5.5.4 Syntax: RCPT TO:<address>')
        addr, params = parsed
        bad = self.check_params(params, RCPT_PARAMS)
        if bad:
            return await self.push(bad)
        reply = self.opts.rcpt_replies.get(addr.lower())
        if reply and not reply.startswith('2'):
            self.txn.refused_rcpts.append((addr, params, reply))
            return await self.push(reply)
        self.txn.rcpts.append((addr, params))
        await self.push(reply or '250 2.1.5 OK')

    async def smtp_RSET(self, arg):
        self._set_rset_state()
        await self.push('250 2.0.0 OK')

    async def smtp_DATA(self, arg):
        if await self.check_helo_needed():
            return
        if not self.txn.rcpts:
            return await self.push('503 5.5.1 Error: need RCPT command')
        if self.opts.data_reply:
            return await self.push(self.opts.data_reply)
        await self.push('354 End data with <CR><LF>.<CR><LF>')
        if self.opts.mode == 'close-in-data':
            return await self.close_in_data()
        raw = await self.read_data()
        txn = self.txn
        txn.raw, txn.content = raw, unstuff(raw)
        txn.reply = self.opts.eod_reply or '250 2.0.0 OK queued'
        if self.opts.eod_delay:
            await asyncio.sleep(self.opts.eod_delay)
        self.srv.record(txn)
        self._set_rset_state()
        await self.push(txn.reply)

    async def read_data(self):
        """Read DATA up to CRLF.CRLF; return the bytes before '.CRLF'."""
        buf = bytearray(b'\r\n')    # lets a leading '.\r\n' end the data
        kept = 0
        while True:
            chunk = await self._reader.read(65536)
            if not chunk:
                raise ConnectionResetError('EOF in DATA')
            start = max(0, len(buf) - 4)
            buf += chunk
            end = buf.find(b'\r\n.\r\n', start)
            if end >= 0:
                break
            if len(buf) > RECORD_LIMIT:     # stop keeping, keep reading
                kept += len(buf) - 6
                del buf[:-6]
        rest = bytes(buf[end + 5:])
        if rest:                            # pipelined commands after DATA
            self._reader._buffer[:0] = rest
        return bytes(buf[2:end + 2]) if not kept else b''

    async def close_in_data(self):
        chunk = await self._reader.read(4096)
        self.srv.partial.append(chunk)
        self.transport.close()


class _Handler:
    """aiosmtpd wants a handler; all work happens in RecordingSMTP."""


class Misbehaving(asyncio.Protocol):
    """The modes in which the peer is not a usable SMTP server."""

    GREETING = b'220 ' + HOSTNAME.encode() + b' ESMTP\r\n'

    def __init__(self, server):
        self.srv = server
        self.mode = server.opts.mode
        self.transport = None
        self.buf = b''

    def connection_made(self, transport):
        self.transport = transport
        self.srv.note_connection(transport)
        if self.mode == 'greet421':
            transport.write(b'421 4.3.2 Service not available\r\n')
            transport.close()
        elif self.mode == 'garbage':
            transport.write(b'SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n')
        elif self.mode == 'flood-line':
            transport.write(b'220 ' + b'x' * FLOOD_BYTES)   # no CRLF, ever
        elif self.mode in ('garbage-ehlo', 'flood-lines'):
            transport.write(self.GREETING)
        # 'silent': accept and say nothing

    def data_received(self, data):
        self.buf += data
        while b'\n' in self.buf:
            line, self.buf = self.buf.split(b'\n', 1)
            self.srv.commands.append(line + b'\n')
            self.answer(line)

    def answer(self, line):
        if self.mode in ('garbage', 'garbage-ehlo'):
            self.transport.write(b'HTTP/1.1 400 Bad Request\r\n'
                                 b'Content-Type: text/html\r\n\r\n'
                                 b'<html>nope</html>\r\n')
        elif self.mode == 'flood-lines' and line[:4].upper() in (b'EHLO',
                                                                 b'HELO'):
            # An endless multi-line reply: 10 MB of continuation lines and
            # never the final line.
            one = b'250-' + b'F' * 70 + b'\r\n'
            self.transport.write(one * (FLOOD_BYTES // len(one)))


class SmtpServer:
    """A server on 127.0.0.1 in a background thread with its own loop."""

    def __init__(self, mode='normal', hide=(), show=(), port=0,
                 host='127.0.0.1', on_record=None, **kw):
        if mode not in MODES:
            raise ValueError('unknown mode %r' % mode)
        ext = tuple(e for e in DEFAULT_EXTENSIONS if e not in hide)
        ext += tuple(e for e in show if e not in ext)
        self.opts = Options(mode=mode, extensions=ext, **kw)
        self.opts.rcpt_replies = {k.lower(): v for k, v in
                                  self.opts.rcpt_replies.items()}
        self.host, self.port = host, port
        self.on_record = on_record
        self.transactions = []      # every transaction that finished DATA
        self.commands = []          # every command line received (bytes)
        self.partial = []           # DATA bytes read before close-in-data
        self.connections = 0
        self._transports = set()
        self.open_now = 0           # connections open at this moment
        self.open_peak = 0          # the most that were open at once
        self._loop = self._thread = self._server = None

    # -- results ---------------------------------------------------------
    @property
    def accepted(self):
        return [t for t in self.transactions if t.accepted]

    def record(self, txn):
        self.transactions.append(txn)
        if self.on_record:
            self.on_record(txn, len(self.transactions))

    def note_connection(self, transport):
        self.connections += 1
        self._transports.add(transport)
        self.open_now += 1
        self.open_peak = max(self.open_peak, self.open_now)

    def note_closed(self):
        self.open_now -= 1

    def commands_named(self, verb):
        verb = verb.upper().encode()
        return [c for c in self.commands if c[:len(verb)].upper() == verb]

    # -- life cycle ------------------------------------------------------
    def _factory(self):
        if self.opts.mode in ('normal', 'close-in-data'):
            return RecordingSMTP(self, loop=self._loop)
        return Misbehaving(self)

    def start(self):
        self._loop = asyncio.new_event_loop()
        ready = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(ready,),
                                        daemon=True)
        self._thread.start()
        ready.wait()
        if isinstance(self._server, BaseException):
            raise self._server
        return self

    def _run(self, ready):
        asyncio.set_event_loop(self._loop)
        try:
            self._server = self._loop.run_until_complete(
                self._loop.create_server(self._factory, self.host, self.port))
            self.port = self._server.sockets[0].getsockname()[1]
        except Exception as e:     # reported by start()
            self._server = e
            ready.set()
            return
        ready.set()
        self._loop.run_forever()
        self._loop.close()

    def settle(self, seconds=0.05):
        """Let the loop accept and read what clients already sent."""
        fut = asyncio.run_coroutine_threadsafe(asyncio.sleep(seconds),
                                               self._loop)
        fut.result(timeout=10)

    async def _shutdown(self):
        self._server.close()
        for t in list(self._transports):
            t.abort()
        await asyncio.sleep(0)
        tasks = [t for t in asyncio.all_tasks()
                 if t is not asyncio.current_task()]
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def stop(self):
        if self._thread is None:
            return
        self.settle()
        asyncio.run_coroutine_threadsafe(self._shutdown(),
                                         self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._thread = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False


def refused_port():
    """A socket bound on 127.0.0.1 that does not listen: connecting to its
    port is refused, and no parallel test can take the port meanwhile.
    The caller closes it."""
    import socket
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(('127.0.0.1', 0))
    return s


# -- script mode ----------------------------------------------------------

def _write_txn(directory, txn, n):
    base = os.path.join(directory, 'txn-%04d' % n)
    meta = dataclasses.asdict(txn)
    del meta['raw'], meta['content']
    with open(base + '.raw', 'wb') as f:
        f.write(txn.raw)
    with open(base + '.eml', 'wb') as f:
        f.write(txn.content)
    with open(base + '.json.tmp', 'w') as f:
        json.dump(meta, f, indent=1)
    os.rename(base + '.json.tmp', base + '.json')   # .json last: complete


def _write_port(path, port):
    with open(path + '.tmp', 'w') as f:
        f.write('%d\n' % port)
    os.rename(path + '.tmp', path)


def _reply_map(items):
    out = {}
    for item in items:
        addr, eq, reply = item.partition('=')
        if not eq:
            raise SystemExit('--rcpt-reply wants ADDR=CODE TEXT')
        out[addr] = reply
    return out


def _parse_args(argv):
    p = argparse.ArgumentParser(description='recording SMTP test server')
    p.add_argument('--dir', help='write txn-N.{json,raw,eml} here')
    p.add_argument('--port-file', help='write the chosen port here')
    p.add_argument('--port', type=int, default=0)
    p.add_argument('--host', default='127.0.0.1', help='address to listen on')
    p.add_argument('--mode', choices=MODES, default='normal')
    p.add_argument('--hide', action='append', default=[],
                   choices=ALL_EXTENSIONS, help='do not advertise EXT')
    p.add_argument('--show', action='append', default=[],
                   choices=ALL_EXTENSIONS, help='advertise EXT too')
    p.add_argument('--size', type=int, default=DEFAULT_SIZE)
    p.add_argument('--reject-ehlo', action='store_true')
    p.add_argument('--mail-reply', help="e.g. '451 4.3.0 later'")
    p.add_argument('--data-reply', help='reply to DATA instead of 354')
    p.add_argument('--eod-reply', help='reply after the final dot')
    p.add_argument('--rcpt-reply', action='append', default=[],
                   metavar='ADDR=REPLY')
    p.add_argument('--self-test', action='store_true')
    return p.parse_args(argv)


def main(argv):
    a = _parse_args(argv)
    if a.self_test:
        return self_test()
    record = (lambda t, n: _write_txn(a.dir, t, n)) if a.dir else None
    srv = SmtpServer(mode=a.mode, hide=a.hide, show=a.show, port=a.port,
                     host=a.host,
                     size=a.size, reject_ehlo=a.reject_ehlo,
                     mail_reply=a.mail_reply, data_reply=a.data_reply,
                     eod_reply=a.eod_reply,
                     rcpt_replies=_reply_map(a.rcpt_reply), on_record=record)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    with srv:
        if a.port_file:
            _write_port(a.port_file, srv.port)
        print(srv.port, flush=True)
        while not stop.wait(3600):
            pass
    return 0


# -- self test (smtplib against the server) -------------------------------

def _st_record():
    import smtplib
    with SmtpServer(show=['SMTPUTF8']) as s:
        with smtplib.SMTP(s.host, s.port) as c:
            c.ehlo('client.test')
            assert c.has_extn('dsn') and c.has_extn('smtputf8'), c.esmtp_features
            c.mail('a@example.com', ['BODY=8BITMIME', 'RET=HDRS',
                                     'ENVID=Ab+2Bc'])
            c.rcpt('b@example.org', ['NOTIFY=FAILURE,DELAY'])
            c.data(b'Subject: x\r\n\r\n.dot\r\n\xc3\xbc\r\n')
    t = s.transactions[0]
    assert (t.helo_verb, t.helo_name) == ('EHLO', 'client.test'), t
    assert t.mail_from == 'a@example.com', t
    assert t.mail_params == {'BODY': '8BITMIME', 'RET': 'HDRS',
                             'ENVID': 'Ab+2Bc'}, t.mail_params
    assert t.rcpts == [('b@example.org', {'NOTIFY': 'FAILURE,DELAY'})], t
    assert t.raw == b'Subject: x\r\n\r\n..dot\r\n\xc3\xbc\r\n', t.raw
    assert t.content == b'Subject: x\r\n\r\n.dot\r\n\xc3\xbc\r\n', t


def _st_inject():
    import smtplib
    reps = {'bad@example.org': '550 5.1.1 no such user',
            'later@example.org': '451 4.2.0 later'}
    with SmtpServer(hide=['DSN', '8BITMIME'], rcpt_replies=reps,
                    eod_reply='554 5.6.0 no thanks') as s:
        with smtplib.SMTP(s.host, s.port) as c:
            c.ehlo('x')
            assert not c.has_extn('8bitmime') and not c.has_extn('dsn')
            assert c.mail('a@x', ['BODY=8BITMIME'])[0] == 555
            assert c.mail('a@x', ['RET=FULL'])[0] == 555
            assert c.mail('<>')[0] == 250
            assert c.rcpt('bad@example.org')[0] == 550
            assert c.rcpt('later@example.org')[0] == 451
            assert c.rcpt('ok@example.org')[0] == 250
            assert c.data(b'x\r\n')[0] == 554
    t = s.transactions[0]
    assert t.mail_from == '' and t.rcpt_addrs == ['ok@example.org'], t
    assert not s.accepted and len(t.refused_rcpts) == 2


def _st_helo_fallback():
    import smtplib
    with SmtpServer(reject_ehlo=True, mail_reply='451 4.3.0 busy') as s:
        with smtplib.SMTP(s.host, s.port) as c:
            assert c.ehlo('x')[0] == 502
            assert c.helo('h')[0] == 250
            assert c.mail('a@x')[0] == 451
    assert s.commands_named('HELO') == [b'helo h\r\n'], s.commands


def _st_misbehaving():
    import socket
    for mode, want in (('greet421', b'421 '), ('garbage', b'SSH-'),
                       ('flood-line', b'220 xxxx')):
        with SmtpServer(mode=mode) as s:
            with socket.create_connection((s.host, s.port), 5) as c:
                assert c.recv(8).startswith(want), mode
    with SmtpServer(mode='flood-lines') as s:
        with socket.create_connection((s.host, s.port), 5) as c:
            c.sendall(b'EHLO x\r\n')
            got = 0
            while got < FLOOD_BYTES - 100:
                got += len(c.recv(1 << 20))
    with SmtpServer(mode='silent') as s:
        with socket.create_connection((s.host, s.port), 5) as c:
            c.settimeout(0.3)
            try:
                c.recv(10)
                raise AssertionError('silent server spoke')
            except socket.timeout:
                pass
    assert s.connections == 1


def _st_close_in_data():
    import smtplib
    with SmtpServer(mode='close-in-data') as s:
        c = smtplib.SMTP(s.host, s.port)
        c.ehlo('x')
        c.mail('a@x')
        c.rcpt('b@y')
        try:
            c.data(b'x' * 100 + b'\r\n' * 300000)
            raise AssertionError('DATA survived')
        except (smtplib.SMTPServerDisconnected, OSError):
            pass
        c.close()
    assert s.partial and not s.transactions


def self_test():
    tests = [_st_record, _st_inject, _st_helo_fallback, _st_misbehaving,
             _st_close_in_data]
    print('1..%d' % len(tests))
    failed = 0
    for n, fn in enumerate(tests, 1):
        try:
            fn()
            print('ok %d - %s' % (n, fn.__name__))
        except Exception as e:
            failed += 1
            print('not ok %d - %s\n# %r' % (n, fn.__name__, e))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
