"""dnsbed.py - a DNS test bed: unbound in a network namespace of its own.

Owns: the namespace (only lo: 127.0.0.0/8, ::1, and 192.0.2.53 for a
resolver whose address is not a loopback one), its resolv.conf
(/etc/netns/NAME/resolv.conf), the test zones (example.test unsigned,
dane.test signed offline with ldns-signzone, reverse 127.0.0.x), and one
validating unbound serving them as auth-zones, so every answer passes its
validator.  Unbound comes unpacked from tests/peers.sh (installed, it
would start a system resolver).  Runs the programs of a test inside the
namespace with `ip netns exec`.
Not: what the tests check (tests/integration/dns.py).

Needs root (ip netns), ldnsutils and the unpacked unbound.
"""

import contextlib
import ctypes
import os
import shutil
import signal
import subprocess
import tempfile
import time

CACHE = os.environ.get('DSMTP_PEERS_DIR') or os.path.join(
    os.environ.get('XDG_CACHE_HOME') or
    os.path.join(os.path.expanduser('~'), '.cache'), 'dsmtp-tests', 'peers')
UNBOUND = os.path.join(CACHE, 'unbound', 'usr', 'sbin', 'unbound')
FAR_RESOLVER = '192.0.2.53'       # on the namespace's lo, not 127/8
CLONE_NEWNET = 0x40000000

# A TLSA association (SHA-256 of some key; only the bytes matter here).
TLSA_HEX = ('8d02536c887482bc34ff54e41d2ba659bf85b341a0a20afadb5813dcfbcf286d')
LONG_TXT = ['a' * 255, 'b' * 255, 'c' * 100]

EXAMPLE_ZONE = '''$ORIGIN example.test.
$TTL 30
@        SOA ns hostmaster 1 3600 600 86400 30
@        NS  ns
ns       A   127.0.0.1
@        MX  10 mx1
@        MX  10 mx2
@        MX  20 mx3
mx1      A   127.0.0.2
mx1      AAAA ::1
mx2      A   127.0.0.3
mx3      A   127.0.0.4
nullmx   MX  0 .
nomx     A   127.0.0.5
alias    CNAME example.test.
cnamemx  MX  10 mxalias
mxalias  CNAME mx2
spf      TXT "v=spf1 " "ip4:127.0.0.10 " "-all"
long     TXT %s
''' % ' '.join('"%s"' % s for s in LONG_TXT)

DANE_ZONE = '''$ORIGIN dane.test.
$TTL 30
@        SOA ns hostmaster 1 3600 600 86400 30
@        NS  ns
ns       A   127.0.0.1
@        MX  10 mx1
mx1      A   127.0.0.11
_25._tcp.mx1 TLSA 3 1 1 %s
bogus    MX  10 mx4
mx4      A   127.0.0.14
_25._tcp.mx4 TLSA 3 1 1 %s
''' % (TLSA_HEX, TLSA_HEX)

SENDER_ZONE = '''$ORIGIN sender.test.
$TTL 30
@        SOA ns.example.test. hostmaster.example.test. 1 3600 600 86400 30
@        NS  ns.example.test.
@        MX  10 mx
@        TXT "v=spf1 mx a:out.sender.test include:_spf.sender.test -all"
mx       A   127.0.0.30
out      A   127.0.0.10
_spf     TXT "v=spf1 ip4:127.0.0.40/30 ip6:::1 -all"
soft     TXT "v=spf1 ip4:127.0.0.50 ~all"
neutral  TXT "v=spf1 ?all"
redir    TXT "v=spf1 redirect=sender.test"
macro    TXT "v=spf1 exists:%{ir}.%{l1r+}.wl.sender.test -all"
10.0.0.127.alice.wl A 127.0.0.2
ptr      TXT "v=spf1 ptr:sender.test -all"
two      TXT "v=spf1 -all"
two      TXT "v=spf1 +all"
voids    TXT "v=spf1 a:n1.sender.test a:n2.sender.test a:n3.sender.test +all"
bad      TXT "v=spf1 ip4:127.0.0.1/33 -all"
cidr     TXT "v=spf1 a:out.sender.test/24 -all"
''' + '\n'.join('l%d TXT "v=spf1 %s"' % (i, 'include:l%d.sender.test' % (i + 1)
                                          if i < 11 else '+all')
                   for i in range(12)) + '\n'

REVERSE_ZONE = '''$ORIGIN 0.0.127.in-addr.arpa.
$TTL 30
@        SOA ns.example.test. hostmaster.example.test. 1 3600 600 86400 30
@        NS  ns.example.test.
10       PTR out.sender.test.
2        PTR mx1.example.test.
'''


def problem():
    """Why the bed cannot run here, or None."""
    if os.geteuid() != 0:
        return 'needs root (network namespaces)'
    if not os.access(UNBOUND, os.X_OK):
        return 'unbound is not unpacked in %s: run tests/peers.sh' % CACHE
    for tool in ('ldns-keygen', 'ldns-signzone', 'ldns-key2ds', 'ip'):
        if not shutil.which(tool, path='/usr/bin:/bin:/usr/sbin:/sbin'):
            return '%s missing (tests/install-deps.sh installs it)' % tool
    return None


def shared(c, state, prepare):
    """The bed of a suite, made once: prepare(state) starts it and puts it
    in state['bed'] (and whatever else the suite needs in state).  When
    the bed cannot run here, or prepare fails, every test that asks is
    skipped (not root, or DSMTP_NO_APT=1) or fails with the reason.
    Returns state."""
    import atexit
    import dsmtptest as T
    if 'bed' not in state:
        why = problem()
        if why is None:
            try:
                prepare(state)
            except Exception as exc:
                why = 'the bed did not start: %s' % exc
            if isinstance(state.get('bed'), Bed):
                atexit.register(state['bed'].stop)
        if why is not None:
            state['bed'] = why
    b = state['bed']
    if isinstance(b, str):
        if b.startswith('needs root') or os.environ.get('DSMTP_NO_APT') == '1':
            c.skip(b)
        c.fail(b)
        raise T.Abort()
    return state


def _run(argv, cwd=None, **kw):
    return subprocess.run(argv, cwd=cwd, check=True, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, **kw).stdout


class Bed:
    """One namespace with its resolver; use as a context manager."""

    def __init__(self, zones=None, reverse_extra='', signed=None):
        """zones: more zones, {origin: zone text}; signed: those of them
        to sign, {origin: [(owner prefix, old, new)] to alter after
        signing}; reverse_extra: lines for the 0.0.127.in-addr.arpa zone
        (PTR records)."""
        self.zones = dict(zones or {})
        self.signed = dict(signed or {})
        self.reverse_extra = reverse_extra
        self.ns = 'dsmtp-dns-%d' % os.getpid()
        self.run_dir = tempfile.mkdtemp(prefix='dsmtp-dnsbed-')
        self.netns_etc = os.path.join('/etc/netns', self.ns)
        self.unbound = None

    # -- set-up ---------------------------------------------------------------
    def _sign_zone(self, origin, tamper=()):
        """Sign origin's zone file (origin.zone -> origin.signed); then
        change the records tamper names, [(owner prefix, old, new)], so
        their signatures fail (bogus).  Returns the zone's DS lines."""
        d = self.run_dir
        zsk = _run(['ldns-keygen', '-a', 'ECDSAP256SHA256', origin],
                   cwd=d).decode().strip()
        ksk = _run(['ldns-keygen', '-a', 'ECDSAP256SHA256', '-k', origin],
                   cwd=d).decode().strip()
        _run(['ldns-signzone', '-i', '20200101000000', '-e',
              '20400101000000', '-o', origin + '.', '-f',
              origin + '.signed', origin + '.zone', zsk, ksk], cwd=d)
        ds = _run(['ldns-key2ds', '-n', '-2', ksk + '.key'], cwd=d)
        path = os.path.join(d, origin + '.signed')
        with open(path) as f:
            lines = f.read().splitlines()
        out = []
        for line in lines:
            for owner, old, new in tamper:
                if line.startswith(owner) and '\tRRSIG\t' not in line:
                    line = line.replace(old, new)
            out.append(line)
        with open(path, 'w') as f:
            f.write('\n'.join(out) + '\n')
        return ds

    def _sign(self):
        # mx4's TLSA is changed after signing: its signature fails (bogus).
        ds = self._sign_zone('dane.test', [
            ('_25._tcp.mx4.', TLSA_HEX, '00' + TLSA_HEX[2:])])
        for origin, tamper in self.signed.items():
            ds += self._sign_zone(origin, tamper)
        with open(os.path.join(self.run_dir, 'dane.test.ds'), 'wb') as f:
            f.write(ds)

    def _write_zones(self):
        d = self.run_dir
        extra = [('%s.zone' % z, t) for z, t in self.zones.items()]
        for name, text in [('example.test.zone', EXAMPLE_ZONE),
                           ('sender.test.zone', SENDER_ZONE),
                           ('dane.test.zone', DANE_ZONE),
                           ('reverse.zone',
                            REVERSE_ZONE + self.reverse_extra)] + extra:
            with open(os.path.join(d, name), 'w') as f:
                f.write(text)
        self._sign()
        conf = ['server:',
                '  interface: 127.0.0.1', '  interface: ::1',
                '  interface: %s' % FAR_RESOLVER, '  port: 53',
                '  do-not-query-localhost: no', '  username: ""',
                '  chroot: ""', '  directory: "%s"' % d, '  pidfile: ""',
                '  use-syslog: no', '  logfile: "%s/unbound.log"' % d,
                '  verbosity: 1', '  module-config: "validator iterator"',
                '  trust-anchor-file: "%s/dane.test.ds"' % d,
                '  local-zone: "test." nodefault',
                '  local-zone: "127.in-addr.arpa." nodefault',
                '  local-zone: "2.0.192.in-addr.arpa." nodefault',
                '  local-zone: "100.51.198.in-addr.arpa." nodefault',
                '  cache-max-ttl: 30', '  ede: yes',
                '  access-control: 0.0.0.0/0 allow',
                '  access-control: ::/0 allow',
                'remote-control:', '  control-enable: no']
        for zone, fname in [('example.test', 'example.test.zone'),
                            ('sender.test', 'sender.test.zone'),
                            ('dane.test', 'dane.test.signed'),
                            ('0.0.127.in-addr.arpa', 'reverse.zone')] + [
                                (z, '%s.%s' % (z, 'signed' if z in self.signed
                                               else 'zone'))
                                for z in self.zones]:
            conf += ['auth-zone:', '  name: "%s"' % zone,
                     '  zonefile: "%s/%s"' % (d, fname),
                     '  for-downstream: no', '  for-upstream: yes']
        with open(os.path.join(d, 'unbound.conf'), 'w') as f:
            f.write('\n'.join(conf) + '\n')

    def _namespace(self):
        _run(['ip', 'netns', 'add', self.ns])
        _run(['ip', '-n', self.ns, 'link', 'set', 'lo', 'up'])
        _run(['ip', '-n', self.ns, 'addr', 'add', FAR_RESOLVER + '/32',
              'dev', 'lo'])
        os.makedirs(self.netns_etc, exist_ok=True)
        self.resolv_conf('nameserver 127.0.0.1\n'
                         'options trust-ad edns0 timeout:2 attempts:2\n')

    def resolv_conf(self, text):
        """Replace the namespace's resolv.conf (seen by the next exec)."""
        with open(os.path.join(self.netns_etc, 'resolv.conf'), 'w') as f:
            f.write(text)

    def start(self):
        self._write_zones()
        self._namespace()
        log = open(os.path.join(self.run_dir, 'unbound.out'), 'wb')
        self.unbound = subprocess.Popen(
            ['ip', 'netns', 'exec', self.ns, UNBOUND, '-d', '-c',
             os.path.join(self.run_dir, 'unbound.conf')],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.unbound.poll() is not None:
                raise RuntimeError('unbound exited: %s' % self.log())
            res = self.run(['dig', '+time=1', '+tries=1', '@127.0.0.1',
                            'example.test', 'SOA'], timeout=5)
            if b'status: NOERROR' in res.stdout:
                return self
            time.sleep(0.2)
        raise RuntimeError('unbound did not answer: %s' % self.log())

    def log(self):
        text = b''
        for name in ('unbound.out', 'unbound.log'):
            try:
                with open(os.path.join(self.run_dir, name), 'rb') as f:
                    text += f.read()[-2000:]
            except OSError:
                pass
        return text.decode('latin-1')

    # -- use --------------------------------------------------------------------
    def run(self, argv, timeout=30, **kw):
        """Run argv inside the namespace; a CompletedProcess."""
        return subprocess.run(['ip', 'netns', 'exec', self.ns] + list(argv),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              timeout=timeout, **kw)

    @contextlib.contextmanager
    def inside(self):
        """Within the block, this thread is in the namespace: sockets
        made there (servers, and the threads started there) stay in it."""
        libc = ctypes.CDLL(None, use_errno=True)
        own = os.open('/proc/thread-self/ns/net', os.O_RDONLY)
        target = os.open(os.path.join('/run/netns', self.ns), os.O_RDONLY)
        try:
            if libc.setns(target, CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), 'setns')
            yield self
        finally:
            libc.setns(own, CLONE_NEWNET)
            os.close(target)
            os.close(own)

    def run_background(self, argv):
        """Start argv inside the namespace; the caller ends it."""
        return subprocess.Popen(['ip', 'netns', 'exec', self.ns] +
                                list(argv), stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)

    # -- tear-down ----------------------------------------------------------------
    def stop(self):
        if self.unbound is not None and self.unbound.poll() is None:
            try:
                os.killpg(self.unbound.pid, signal.SIGTERM)
                self.unbound.wait(10)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                os.killpg(self.unbound.pid, signal.SIGKILL)
                self.unbound.wait()
        subprocess.run(['ip', 'netns', 'delete', self.ns],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(self.netns_etc, True)
        shutil.rmtree(self.run_dir, True)

    def __enter__(self):
        try:
            return self.start()
        except Exception:
            self.stop()
            raise

    def __exit__(self, *exc):
        self.stop()
