#!/usr/bin/python3
"""socks5.py - a small SOCKS5 proxy (RFC 1928) for dsmtp's tests.

Owns: a real SOCKS5 server on 127.0.0.1 that offers only "no
authentication", takes CONNECT requests with a domain name, an IPv4 or
an IPv6 address, records each request as it was asked, and relays bytes
both ways.  Names are resolved from a table the test gives (names=), never
through the system, so a request for a name proves the client did not
resolve it itself; an address literal asked for as a name is connected
to, as real proxies do.  On demand it refuses: `reply=5` answers every CONNECT
with that reply code, `auth_only=True` offers only user/password (the
client must give up).

    with Socks5Proxy(names={'relay.test': ('127.0.0.1', smtp.port)}) as p:
        run the client with proxy 127.0.0.1:p.port
    p.requests  ->  [Request(atyp='domain', host='relay.test', port=25)]

`socks5.py --self-test` checks the proxy with a plain socket client (TAP).
"""

import dataclasses
import ipaddress
import select
import socket
import struct
import sys
import threading

ATYPES = {1: 'ipv4', 3: 'domain', 4: 'ipv6'}


@dataclasses.dataclass
class Request:
    atyp: str        # 'domain', 'ipv4' or 'ipv6'
    host: str        # the name or the address, as asked
    port: int
    methods: bytes   # the methods the client offered


def _is_address(host):
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return False


def _recv_exact(sock, n):
    data = b''
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise EOFError('client closed')
        data += chunk
    return data


class Socks5Proxy:
    """The proxy in background threads; a context manager."""

    def __init__(self, names=None, reply=0, auth_only=False):
        self.names = dict(names or {})
        self.reply = reply
        self.auth_only = auth_only
        self.requests = []
        self.connections = 0
        self._lsock = None
        self._threads = []
        self._socks = []
        self._stop = threading.Event()
        self.port = None

    # -- life cycle ------------------------------------------------------
    def start(self):
        self._lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._lsock.bind(('127.0.0.1', 0))
        self._lsock.listen(8)
        self._lsock.settimeout(0.2)
        self.port = self._lsock.getsockname()[1]
        t = threading.Thread(target=self._accept_loop, daemon=True)
        t.start()
        self._threads.append(t)
        return self

    def stop(self):
        self._stop.set()
        for t in self._threads:
            t.join(timeout=5)
        for s in self._socks:
            try:
                s.close()
            except OSError:
                pass
        self._lsock.close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False

    # -- serving ---------------------------------------------------------
    def _accept_loop(self):
        while not self._stop.is_set():
            try:
                conn, _ = self._lsock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            self.connections += 1
            self._socks.append(conn)
            t = threading.Thread(target=self._serve, args=(conn,),
                                 daemon=True)
            t.start()
            self._threads.append(t)

    def _serve(self, conn):
        try:
            upstream = self._negotiate(conn)
            if upstream is not None:
                self._socks.append(upstream)
                self._relay(conn, upstream)
        except (EOFError, OSError):
            pass
        finally:
            conn.close()

    def _negotiate(self, conn):
        ver, nmethods = _recv_exact(conn, 2)
        methods = _recv_exact(conn, nmethods)
        if ver != 5:
            return None
        if self.auth_only or 0 not in methods:
            conn.sendall(b'\x05\xff')
            return None
        conn.sendall(b'\x05\x00')
        ver, cmd, _rsv, atyp = _recv_exact(conn, 4)
        host = self._read_address(conn, atyp)
        port = struct.unpack('!H', _recv_exact(conn, 2))[0]
        self.requests.append(Request(ATYPES.get(atyp, str(atyp)), host, port,
                                     methods))
        if cmd != 1:
            return self._answer(conn, 7)
        if self.reply != 0:
            return self._answer(conn, self.reply)
        target = self.names.get(host, (host, port))
        if atyp == 3 and host not in self.names and not _is_address(host):
            return self._answer(conn, 4)          # host unreachable
        try:
            upstream = socket.create_connection(target, timeout=5)
        except OSError:
            return self._answer(conn, 5)
        self._answer(conn, 0)
        return upstream

    @staticmethod
    def _read_address(conn, atyp):
        if atyp == 1:
            return str(ipaddress.IPv4Address(_recv_exact(conn, 4)))
        if atyp == 4:
            return str(ipaddress.IPv6Address(_recv_exact(conn, 16)))
        if atyp == 3:
            n = _recv_exact(conn, 1)[0]
            return _recv_exact(conn, n).decode('ascii', 'replace')
        raise EOFError('bad address type %d' % atyp)

    @staticmethod
    def _answer(conn, rep):
        conn.sendall(bytes([5, rep, 0, 1, 127, 0, 0, 1]) +
                     struct.pack('!H', 1080))
        return None

    def _relay(self, a, b):
        a.settimeout(None)
        b.settimeout(None)
        peers = {a: b, b: a}
        while not self._stop.is_set():
            ready, _, _ = select.select([a, b], [], [], 0.2)
            for s in ready:
                data = s.recv(65536)
                if not data:
                    return
                peers[s].sendall(data)


# -- self test --------------------------------------------------------------

def _echo_server():
    lsock = socket.socket()
    lsock.bind(('127.0.0.1', 0))
    lsock.listen(1)

    def run():
        conn, _ = lsock.accept()
        conn.sendall(b'hello\n')
        conn.sendall(conn.recv(100))
        conn.close()
        lsock.close()
    threading.Thread(target=run, daemon=True).start()
    return lsock.getsockname()[1]


def _connect(port, request):
    s = socket.create_connection(('127.0.0.1', port), timeout=5)
    s.sendall(b'\x05\x01\x00')
    method = _recv_exact(s, 2)
    s.sendall(request)
    return s, method, _recv_exact(s, 10)


def self_test():
    results = []
    echo = _echo_server()
    with Socks5Proxy(names={'relay.test': ('127.0.0.1', echo)}) as p:
        s, method, rep = _connect(p.port, b'\x05\x01\x00\x03\x0arelay.test'
                                  + struct.pack('!H', 25))
        results.append(('method none chosen', method == b'\x05\x00'))
        results.append(('CONNECT by name succeeds', rep[1] == 0))
        results.append(('relayed greeting', _recv_exact(s, 6) == b'hello\n'))
        s.sendall(b'ping')
        results.append(('relayed both ways', _recv_exact(s, 4) == b'ping'))
        s.close()
        results.append(('request recorded', p.requests and
                        p.requests[0].atyp == 'domain' and
                        p.requests[0].host == 'relay.test'))
        s, _, rep = _connect(p.port, b'\x05\x01\x00\x03\x07nowhere' +
                             struct.pack('!H', 25))
        results.append(('unknown name: host unreachable', rep[1] == 4))
        s.close()
    with Socks5Proxy(reply=5) as p:
        s, _, rep = _connect(p.port, b'\x05\x01\x00\x01\x7f\x00\x00\x01' +
                             struct.pack('!H', 25))
        results.append(('forced reply code', rep[1] == 5))
        results.append(('IPv4 request recorded',
                        p.requests[0].host == '127.0.0.1'))
        s.close()
    print('1..%d' % len(results))
    bad = 0
    for i, (name, ok) in enumerate(results, 1):
        print('%sok %d - %s' % ('' if ok else 'not ', i, name))
        bad += not ok
    return 1 if bad else 0


if __name__ == '__main__':
    if sys.argv[1:] == ['--self-test']:
        sys.exit(self_test())
    sys.exit('usage: socks5.py --self-test')
