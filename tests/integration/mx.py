#!/usr/bin/python3
"""mx.py - direct delivery to MX hosts (issue 11), against a real
validating resolver and real SMTP servers.

The DNS bed (tests/lib/dnsbed.py) gets an unsigned zone mx.test with one
name per situation (preference order, shuffling, a host down, a 421
greeting, no MX, a null MX, CNAMEs, 4xx and 5xx recipients, IPv6, TLS)
and a DNSSEC-signed zone dsec.test for DANE (DANE-EE and DANE-TA
matches, a mismatch, a DANE-TA certificate for another name, a bogus
TLSA record, records present but none usable, an MX in the signed zone
whose host is in the unsigned one).  The servers listen on 127.0.x.y:25
inside the bed's namespace, and dsmtp runs there (ip netns exec, so the
namespace's resolv.conf is the system resolver it reads).  openssl
s_client -dane_tlsa_rrdata is the second opinion on the DANE verdicts."""

import atexit
import contextlib
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True     # the source tree may be read-only
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..', 'lib'))
import dsmtptest as T                                    # noqa: E402
import http.server                                       # noqa: E402
import ssl                                               # noqa: E402
import threading                                         # noqa: E402
import dnsbed                                            # noqa: E402
import tlsca                                             # noqa: E402
from authserver import AuthServer                        # noqa: E402
from smtpserver import SmtpServer                        # noqa: E402

SOA = ('$TTL 30\n@ SOA ns.example.test. hostmaster.example.test. 1 3600 '
       '600 86400 30\n@ NS ns.example.test.\n')
FROM = 'alice@sender.test'
BOUNCE_MX = '127.0.0.30'           # sender.test's MX in the bed
MSG = b'From: alice@sender.test\nSubject: direct\n\nbody\n'
STATE = {}

MX_ZONE = '''$ORIGIN mx.test.
''' + SOA + '''
order       MX 10 p1.order
order       MX 20 p2.order
p1.order    A 127.0.1.1
p2.order    A 127.0.1.2
shuf        MX 10 s1.shuf
shuf        MX 10 s2.shuf
shuf        MX 10 s3.shuf
shuf        MX 20 s4.shuf
s1.shuf     A 127.0.1.11
s2.shuf     A 127.0.1.12
s3.shuf     A 127.0.1.13
s4.shuf     A 127.0.1.14
down        MX 10 d1.down
down        MX 20 d2.down
d1.down     A 127.0.1.21
d2.down     A 127.0.1.22
busy        MX 10 b1.busy
busy        MX 20 b2.busy
b1.busy     A 127.0.1.31
b2.busy     A 127.0.1.32
nomx        A 127.0.1.41
null        MX 0 .
www.cn      CNAME real.cn
real.cn     MX 10 p1.order
cnmx        MX 10 alias.cnmx
alias.cnmx  CNAME p2.order
r4          MX 10 t1.r4
r4          MX 20 t2.r4
t1.r4       A 127.0.1.51
t2.r4       A 127.0.1.52
r5          MX 10 f1.r5
r5          MX 20 f2.r5
f1.r5       A 127.0.1.61
f2.r5       A 127.0.1.62
mixa        MX 10 m.mixa
m.mixa      A 127.0.1.71
mixb        MX 10 m.mixb
m.mixb      A 127.0.1.72
six         MX 10 h.six
h.six       AAAA ::1
h.six       A 127.0.1.81
tls         MX 10 t.tls
t.tls       A 127.0.1.91
badtls      MX 10 x.badtls
x.badtls    A 127.0.1.92
h.ins       A 127.0.2.7
hosted      MX 10 ee.dsec.test.
_25._tcp.h.ins TLSA 3 1 1 {wrong}
sts         MX 10 good.sts
sts         MX 20 rogue.sts
good.sts    A 127.0.1.101
rogue.sts   A 127.0.1.102
_mta-sts.sts TXT "v=STSv1; id=one;"
mta-sts.sts A 127.0.3.1
stt         MX 10 rogue.sts
_mta-sts.stt TXT "v=STSv1; id=t1;"
mta-sts.stt A 127.0.3.1
rd          MX 10 rogue.sts
_mta-sts.rd TXT "v=STSv1; id=r1;"
mta-sts.rd  A 127.0.3.1
nohttps     MX 10 good.sts
nohttps     MX 20 rogue.sts
_mta-sts.nohttps TXT "v=STSv1; id=x1;"
mta-sts.nohttps A 127.0.3.9
ehlo        MX 10 m.ehlo
m.ehlo      A 192.0.2.25
egress      A 192.0.2.60
nn          MX 10 rogue.sts
_mta-sts.nn TXT "v=STSv1; id=n1;"
mta-sts.nn  A 127.0.3.1
'''

DSEC_ZONE = '''$ORIGIN dsec.test.
''' + SOA.replace('example.test.', 'dsec.test.') + '''
ns          A 127.0.0.1
ee          MX 10 ee
ee          A 127.0.2.1
_25._tcp.ee TLSA 3 1 1 {ee}
ta          MX 10 ta
ta          A 127.0.2.2
_25._tcp.ta TLSA 2 0 1 {ca}
tn          MX 10 tn
tn          A 127.0.2.3
_25._tcp.tn TLSA 2 0 1 {ca}
mm          MX 10 mm
mm          A 127.0.2.4
_25._tcp.mm TLSA 3 1 1 {wrong}
bg          MX 10 bg
bg          A 127.0.2.5
_25._tcp.bg TLSA 3 1 1 {bg}
un          MX 10 un
un          A 127.0.2.6
_25._tcp.un TLSA 1 1 1 {wrong}
ins         MX 10 h.ins.mx.test.
sf          MX 10 sf
sf          A 127.0.2.8
'''

WRONG = 'ab' * 32


def spki_sha256(cert_pem):
    """The 3 1 1 association of a certificate: SHA-256 of its key's DER."""
    pub = subprocess.run(['openssl', 'x509', '-pubkey', '-noout', '-in',
                          cert_pem], check=True, capture_output=True).stdout
    der = subprocess.run(['openssl', 'pkey', '-pubin', '-outform', 'DER'],
                         input=pub, check=True, capture_output=True).stdout
    return hashlib.sha256(der).hexdigest()


def cert_sha256(cert_pem):
    """The 2 0 1 association: SHA-256 of the whole certificate's DER."""
    der = subprocess.run(['openssl', 'x509', '-outform', 'DER', '-in',
                          cert_pem], check=True, capture_output=True).stdout
    return hashlib.sha256(der).hexdigest()


def make_certs(box):
    d = os.path.join(box, 'pki')
    os.mkdir(d)
    ca = tlsca.CA(d, 'ca', 'dsmtp MX test CA')
    return {
        'ca': ca,
        # DANE-EE ignores names: this one names neither host.
        'ee': ca.issue('ee', 'somewhere.else', ('somewhere.else',)),
        'ta': ca.issue('ta', 'ta.dsec.test', ('ta.dsec.test',)),
        'tn': ca.issue('tn', 'other.dsec.test', ('other.dsec.test',)),
        'mm': ca.issue('mm', 'mm.dsec.test', ('mm.dsec.test',)),
        'bg': ca.issue('bg', 'bg.dsec.test', ('bg.dsec.test',)),
        'tls': ca.issue('tls', 't.tls.mx.test', ('t.tls.mx.test',)),
        'wrongname': ca.issue('wn', 'nothere.test', ('nothere.test',)),
        'good.sts': ca.issue('gs', 'good.sts.mx.test', ('good.sts.mx.test',)),
        'policy': ca.issue('policy', 'mta-sts.sts.mx.test', tuple(
            'mta-sts.%s.mx.test' % d for d in ('sts', 'stt', 'rd', 'nn'))),
    }


def prepare(state):
    box = state['box'] = tempfile.mkdtemp(prefix='dsmtp-mx-')
    atexit.register(shutil.rmtree, box, True)
    os.chmod(box, 0o755)
    certs = state['certs'] = make_certs(box)
    bg = spki_sha256(certs['bg'].cert)
    zones = {
        'mx.test': MX_ZONE.format(wrong=WRONG),
        'dsec.test': DSEC_ZONE.format(
            ee=spki_sha256(certs['ee'].cert), ca=cert_sha256(certs['ca'].cert),
            wrong=WRONG, bg=bg),
    }
    # bg's TLSA and sf's MX are changed after signing: their signatures
    # fail (bogus: the resolver answers SERVFAIL).
    signed = {'dsec.test': [('_25._tcp.bg.', bg, '00' + bg[2:]),
                            ('sf.dsec.test.', '\tMX\t10 ', '\tMX\t20 ')]}
    zones['2.0.192.in-addr.arpa'] = ('$ORIGIN 2.0.192.in-addr.arpa.\n' + SOA +
                                     '60 PTR egress.mx.test.\n'
                                     '61 PTR ghost.mx.test.\n')
    b = state['bed'] = dnsbed.Bed(zones, signed=signed).start()
    # TEST-NET addresses (public to dsmtp's eyes) for the reverse DNS
    # check of the egress address; 192.0.2.53 is the bed's own.
    for ip in ('192.0.2.25', '192.0.2.60', '192.0.2.61', '192.0.2.62'):
        subprocess.run(['ip', '-n', b.ns, 'addr', 'add', ip + '/32', 'dev',
                        'lo'], check=True, capture_output=True)


def setup(c):
    return dnsbed.shared(c, STATE, prepare)


@contextlib.contextmanager
def servers(c, specs):
    """Start servers in the namespace: specs is a list of (address, kind,
    options), kind 'smtp' (SmtpServer) or 'tls' (AuthServer); all listen
    on port 25. Yields them in order."""
    st = setup(c)
    started = []
    try:
        with st['bed'].inside():
            for addr, kind, kw in specs:
                cls = AuthServer if kind == 'tls' else SmtpServer
                started.append(cls(host=addr, port=25, **kw).start())
        yield started
    finally:
        for s in started:
            s.stop()


@contextlib.contextmanager
def sandbox():
    """A box like T.sandbox's, kept until the suite ends (the log is read
    after the servers stop)."""
    box = tempfile.mkdtemp(prefix='dsmtp-mx-case-')
    atexit.register(shutil.rmtree, box, True)
    for sub in ('home', 'xdg-config', 'xdg-state'):
        os.mkdir(os.path.join(box, sub), 0o700)
    yield box


def config(box, extra=()):
    lines = ['defaults', 'syslog off', 'qualify_domain sender.test',
             'logfile %s' % os.path.join(box, 'dsmtp.log'),
             'queue_dir %s' % os.path.join(box, 'queue'),
             'timeout 5', '', 'account default', 'from %s' % FROM,
             'domain out.sender.test'] + list(extra)
    return T.write_file(os.path.join(box, 'dsmtprc'), '\n'.join(lines) + '\n')


def send(c, box, rcpts, extra=('queue off',), argv=(), msg=MSG, timeout=60):
    st = setup(c)
    cfg = config(box, extra)
    return T.run(['-C', cfg, '-f', FROM] + list(argv) + list(rcpts), msg,
                 box=box, timeout=timeout,
                 prefix=['ip', 'netns', 'exec', st['bed'].ns])


def run_queue(c, box, extra=(), argv=('-q',)):
    st = setup(c)
    cfg = config(box, extra)
    return T.run(['-C', cfg] + list(argv), b'', box=box, timeout=120,
                 prefix=['ip', 'netns', 'exec', st['bed'].ns])


def log_lines(box):
    return [line for line in T.read_log(box).decode().splitlines()
            if ' status=' in line]


def entries(box):
    d = os.path.join(box, 'queue', 'entries')
    return os.listdir(d) if os.path.isdir(d) else []


def rcpts_of(srv):
    srv_settle(srv)
    return [t.rcpt_addrs if hasattr(t, 'rcpt_addrs') else t.rcpts
            for t in srv.transactions]


def srv_settle(srv):
    """Let a running server finish reading (a stopped one has)."""
    loop = getattr(srv, '_loop', None)
    if loop is not None and not loop.is_closed():
        srv.settle()
    elif loop is None and not srv._stop.is_set():
        time.sleep(0.1)


# -- routing -------------------------------------------------------------------

def preference_order(c):
    with sandbox() as box, servers(c, [
            ('127.0.1.1', 'smtp', {}), ('127.0.1.2', 'smtp', {})]) as (p1, p2):
        res = send(c, box, ['bob@order.mx.test'])
    c.exit(res, T.EX_OK)
    c.no_stdout(res)
    c.eq(rcpts_of(p1), [['bob@order.mx.test']], 'the preference 10 host')
    c.eq(rcpts_of(p2), [], 'the backup MX')
    c.eq(p1.transactions[0].helo_name if p1.transactions else None,
         'out.sender.test', 'EHLO is the account\'s domain')
    lines = log_lines(box)
    c.true(len(lines) == 1 and 'relay=p1.order.mx.test[127.0.1.1]:25' in
           lines[0] and 'status=sent' in lines[0] and
           'tls_policy=opportunistic' in lines[0], 'log: %s' % lines)


def shuffled(c):
    """Hosts of one preference are shuffled: 24 messages go to more than
    one of them, never to the backup."""
    with sandbox() as box, servers(c, [
            ('127.0.1.%d' % i, 'smtp', {}) for i in (11, 12, 13, 14)]) as s:
        for _ in range(24):
            res = send(c, box, ['bob@shuf.mx.test'])
            if res.code != T.EX_OK:
                break
        counts = [len(rcpts_of(x)) for x in s]
    c.exit(res, T.EX_OK)
    c.eq(sum(counts[:3]), 24, 'every message reached a preference 10 host')
    c.eq(counts[3], 0, 'the backup got nothing')
    c.true(sum(1 for n in counts[:3] if n > 0) >= 2,
           'more than one host used: %s' % counts)


def first_down(c):
    with sandbox() as box, servers(c, [('127.0.1.22', 'smtp', {})]) as (d2,):
        res = send(c, box, ['bob@down.mx.test'])
    c.exit(res, T.EX_OK)
    c.eq(rcpts_of(d2), [['bob@down.mx.test']], 'the second MX took it')
    lines = log_lines(box)
    c.true(len(lines) == 1 and 'd2.down.mx.test' in lines[0],
           'one line, for the host that took it: %s' % lines)


def first_421(c):
    with sandbox() as box, servers(c, [
            ('127.0.1.31', 'smtp', {'mode': 'greet421'}),
            ('127.0.1.32', 'smtp', {})]) as (b1, b2):
        res = send(c, box, ['bob@busy.mx.test'])
    c.exit(res, T.EX_OK)
    c.eq(rcpts_of(b2), [['bob@busy.mx.test']], 'the second MX after a 421')


def all_down_queued(c):
    """Nobody answers: the message waits in the queue (exit 0), and the
    run after the hosts are back delivers it."""
    with sandbox() as box:
        res = send(c, box, ['bob@order.mx.test'], extra=())
        c.exit(res, T.EX_OK)
        c.eq(len(entries(box)), 1, 'queued')
        c.true(any('status=deferred' in x for x in log_lines(box)),
               'deferred in the log: %s' % log_lines(box))
        with servers(c, [('127.0.1.1', 'smtp', {})]) as (p1,):
            res = run_queue(c, box)
            got = rcpts_of(p1)
        c.exit(res, T.EX_OK)
        c.eq(got, [['bob@order.mx.test']], 'delivered by the queue run')
        c.eq(entries(box), [], 'nothing left queued')


def no_mx(c):
    with sandbox() as box, servers(c, [('127.0.1.41', 'smtp', {})]) as (s,):
        res = send(c, box, ['bob@nomx.mx.test'])
    c.exit(res, T.EX_OK)
    c.eq(rcpts_of(s), [['bob@nomx.mx.test']], 'the domain\'s own address')


def null_mx(c):
    with sandbox() as box, servers(c, [(BOUNCE_MX, 'smtp', {})]) as (b,):
        res = send(c, box, ['bob@null.mx.test'])
        c.exit(res, T.EX_NOUSER)
        c.one_stderr_line(res)
        c.true(b'null MX' in res.err, 'says why: %r' % res.err)
        lines = log_lines(box)
        c.true(len(lines) == 1 and 'status=bounced' in lines[0] and
               '5.1.10' in lines[0] and 'relay=' not in lines[0],
               'bounced without a connection: %s' % lines)
        # Queued: the bounce goes to the sender's own MX, from <>.
        res = send(c, box, ['bob@null.mx.test'], extra=())
        c.exit(res, T.EX_OK)
        got = b.transactions
        srv_settle(b)
    c.eq(entries(box), [], 'nothing kept')
    c.true(len(got) == 1 and got[0].mail_from == '' and
           got[0].rcpt_addrs == [FROM] and b'5.1.10' in got[0].raw,
           'a bounce with 5.1.10 reached the sender\'s MX: %s'
           % [(t.mail_from, t.rcpt_addrs) for t in got])


def cnames(c):
    with sandbox() as box, servers(c, [
            ('127.0.1.1', 'smtp', {}), ('127.0.1.2', 'smtp', {})]) as (p1, p2):
        res = send(c, box, ['a@www.cn.mx.test', 'b@cnmx.mx.test'])
    c.exit(res, T.EX_OK)
    c.eq(rcpts_of(p1), [['a@www.cn.mx.test']], 'a CNAME\'d domain')
    c.eq(rcpts_of(p2), [['b@cnmx.mx.test']], 'a CNAME\'d MX host')


def nxdomain(c):
    with sandbox() as box:
        res = send(c, box, ['bob@nosuch.mx.test'])
    c.exit(res, T.EX_NOUSER)
    c.true(b'does not exist' in res.err, 'says why: %r' % res.err)


def servfail(c):
    """A bogus MX answer (the resolver says SERVFAIL): temporary."""
    with sandbox() as box:
        res = send(c, box, ['bob@sf.dsec.test'])
    c.exit(res, T.EX_TEMPFAIL)
    c.true(b'SERVFAIL' in res.err, 'says why: %r' % res.err)


def resolver_silent(c):
    """A resolver that never answers: temporary, in bounded time."""
    st = setup(c)
    b = st['bed']
    with b.inside():
        import socket
        silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        silent.bind(('127.0.0.99', 53))
    try:
        b.resolv_conf('nameserver 127.0.0.99\noptions timeout:1 '
                      'attempts:1\n')
        with sandbox() as box:
            res = send(c, box, ['bob@order.mx.test'])
    finally:
        b.resolv_conf('nameserver 127.0.0.1\n'
                      'options trust-ad edns0 timeout:2 attempts:2\n')
        silent.close()
    c.exit(res, T.EX_TEMPFAIL)
    c.true(res.elapsed < 30, 'gave up in %.1f s' % res.elapsed)


def rcpt_4xx_next_host(c):
    """A 4xx for a recipient moves it to the next host."""
    with sandbox() as box, servers(c, [
            ('127.0.1.51', 'smtp', {'rcpt_replies': {
                'bob@r4.mx.test': '451 4.3.0 try later'}}),
            ('127.0.1.52', 'smtp', {})]) as (t1, t2):
        res = send(c, box, ['bob@r4.mx.test'])
    c.exit(res, T.EX_OK)
    c.eq(rcpts_of(t2), [['bob@r4.mx.test']], 'the second MX took it')


def rcpt_5xx_final(c):
    """A 5xx for a recipient is final: no other host is asked."""
    with sandbox() as box, servers(c, [
            ('127.0.1.61', 'smtp', {'rcpt_replies': {
                'bob@r5.mx.test': '550 5.1.1 no such user'}}),
            ('127.0.1.62', 'smtp', {})]) as (f1, f2):
        res = send(c, box, ['bob@r5.mx.test'])
        f2.settle()
    c.exit(res, T.EX_NOUSER)
    c.eq(f2.connections, 0, 'the second MX was not contacted')
    c.true(b'5.1.1' in res.err, 'the server\'s reply: %r' % res.err)


def mixed_domains(c):
    """Two domains, one transaction each with all their recipients;
    2xx, 4xx and 5xx per recipient: the accepted ones are done, the 4xx
    one stays queued, the 5xx one bounces to the sender."""
    rcpts = ['ok1@mixa.mx.test', 'later@mixa.mx.test', 'no@mixa.mx.test',
             'ok2@mixb.mx.test', 'ok3@mixb.mx.test']
    with sandbox() as box, servers(c, [
            ('127.0.1.71', 'smtp', {'rcpt_replies': {
                'later@mixa.mx.test': '452 4.2.2 mailbox full',
                'no@mixa.mx.test': '550 5.1.1 no such user'}}),
            ('127.0.1.72', 'smtp', {}), (BOUNCE_MX, 'smtp', {})]) as (
                a, b, bounce):
        res = send(c, box, rcpts, extra=())
        got_a, got_b = rcpts_of(a), rcpts_of(b)
        bounces = rcpts_of(bounce)
        left = entries(box)
    c.exit(res, T.EX_OK)
    c.eq(got_a, [['ok1@mixa.mx.test']], 'mixa: one transaction, one taken')
    c.eq(len(a.commands_named('MAIL')), 1, 'mixa: one MAIL')
    c.eq(got_b, [['ok2@mixb.mx.test', 'ok3@mixb.mx.test']],
         'mixb: one transaction with both')
    c.eq(bounces, [[FROM]], 'a bounce for no@')
    c.eq(len(left), 1, 'the message stays queued for later@')
    text = T.read_log(box).decode()
    c.true(re.search(r'to=later@mixa\.mx\.test .*status=deferred', text)
           and re.search(r'to=no@mixa\.mx\.test .*status=bounced', text),
           'log: %s' % text)


def literals(c):
    with sandbox() as box, servers(c, [
            ('127.0.1.1', 'smtp', {}), ('::1', 'smtp', {})]) as (v4, v6):
        res = send(c, box, ['a@[127.0.1.1]', 'b@[IPv6:::1]'])
    c.exit(res, T.EX_OK)
    c.eq(rcpts_of(v4), [['a@[127.0.1.1]']], 'an IPv4 literal')
    c.eq(rcpts_of(v6), [['b@[IPv6:::1]']], 'an IPv6 literal')


def address_family(c):
    """h.six has ::1 and 127.0.1.81: IPv6 first; ipv4 only with
    mx_address_family ipv4."""
    with sandbox() as box, servers(c, [
            ('::1', 'smtp', {}), ('127.0.1.81', 'smtp', {})]) as (v6, v4):
        res = send(c, box, ['a@six.mx.test'])
        res4 = send(c, box, ['b@six.mx.test'],
                    extra=('queue off', 'mx_address_family ipv4'))
    c.exit(res, T.EX_OK)
    c.exit(res4, T.EX_OK)
    c.eq(rcpts_of(v6), [['a@six.mx.test']], 'IPv6 first')
    c.eq(rcpts_of(v4), [['b@six.mx.test']], 'ipv4 only')


def connection_reuse(c):
    """A queue run carries several messages to one host over one
    connection."""
    with sandbox() as box, servers(c, [('127.0.1.1', 'smtp', {})]) as (p1,):
        for i in range(5):
            res = send(c, box, ['u%d@order.mx.test' % i], extra=(),
                       argv=['-odq'])
            c.exit(res, T.EX_OK)
        res = run_queue(c, box)
        got = rcpts_of(p1)
    c.exit(res, T.EX_OK)
    c.eq(len(got), 5, 'five messages delivered')
    c.eq(p1.connections, 1, 'over one connection')


def kept_connection_dropped(c):
    """A kept connection the server dropped unseen (it hangs up at the
    second MAIL): the message goes over a new connection at once, nothing
    is deferred."""
    with sandbox() as box, servers(c, [('127.0.1.1', 'smtp', {
            'hang_up_on_mail': 2})]) as (p1,):
        for i in range(3):
            res = send(c, box, ['u%d@order.mx.test' % i], extra=(),
                       argv=['-odq'])
        res = run_queue(c, box)
        got = rcpts_of(p1)
        text = T.read_log(box).decode()
    c.exit(res, T.EX_OK)
    c.eq(len(got), 3, 'all three delivered')
    c.true(p1.connections >= 2, 'a new connection: %d' % p1.connections)
    c.true('status=deferred' not in text, 'nothing deferred: %s' % text)
    c.eq(entries(box), [], 'nothing left queued')


def parallel_domains(c):
    """A submission delivers the domains of a message at once: one whose
    MX never answers does not hold up the other (it is listed first)."""
    arrived = []
    with sandbox() as box, servers(c, [
            ('127.0.1.41', 'smtp', {'mode': 'silent'}),
            ('127.0.1.1', 'smtp', {
                'on_record': lambda t, n: arrived.append(time.monotonic())})
    ]) as (silent, p1):
        t0 = time.monotonic()
        res = send(c, box, ['a@nomx.mx.test', 'b@order.mx.test'],
                   extra=('queue off', 'timeout 3'))
        queued = send(c, box, ['c@nomx.mx.test', 'd@order.mx.test'],
                      extra=('timeout 3',))
        got = rcpts_of(p1)
    c.exit(res, T.EX_TEMPFAIL)
    c.exit(queued, T.EX_OK)
    c.eq(got, [['b@order.mx.test'], ['d@order.mx.test']],
         'the answering domain got both')
    c.eq(len(entries(box)), 1, 'queued for the silent one')
    c.true(res.elapsed >= 3, 'the silent one was waited for: %.1f s'
           % res.elapsed)
    c.true(arrived and arrived[0] - t0 < 2.0,
           'delivered before the silent MX timed out: %s s after the start'
           % ['%.2f' % (a - t0) for a in arrived])


def ehlo_reverse_dns(c):
    """The EHLO name against the egress address's reverse DNS: nothing
    said when it is the forward-confirmed PTR name; else one warning in
    the log (and with -v), the mail delivered all the same."""
    with sandbox() as box, servers(c, [('192.0.2.25', 'smtp', {})]) as (m,):
        good = send(c, box, ['a@ehlo.mx.test'], argv=['-v'], extra=(
            'queue off', 'source_ip 192.0.2.60', 'domain egress.mx.test'))
        good_log = T.read_log(box).decode()
        other = send(c, box, ['b@ehlo.mx.test'], argv=['-v'], extra=(
            'queue off', 'source_ip 192.0.2.60'))
        ghost = send(c, box, ['c@ehlo.mx.test'], extra=(
            'queue off', 'source_ip 192.0.2.61', 'domain egress.mx.test'))
        none = send(c, box, ['d@ehlo.mx.test'], extra=(
            'queue off', 'source_ip 192.0.2.62', 'domain egress.mx.test'))
        text = T.read_log(box).decode()
        got = rcpts_of(m)
    for res in (good, other, ghost, none):
        c.exit(res, T.EX_OK)
    c.eq(len(got), 4, 'all delivered')
    c.true('warning=' not in good_log and b'reverse DNS' not in good.err,
           'nothing said for a confirmed name: %s %r' % (good_log, good.err))
    c.true(b'reverse DNS' in other.err and b'out.sender.test' in other.err,
           '-v warns of the other EHLO name: %r' % other.err)
    c.true(re.search(r'warning="PTR egress\.mx\.test \(forward-confirmed\), '
                     r'but the EHLO name is out\.sender\.test" '
                     r'egress=192\.0\.2\.60', text) and
           'ghost.mx.test does not resolve back to 192.0.2.61' in text and
           '192.0.2.62 has no PTR record' in text, 'the log: %s' % text)


def relay_down_fallback_mx(c):
    """fallback_mx on: when the relay (and its fallback_hosts) cannot be
    reached, the recipients' MX hosts; without it the mail waits."""
    with sandbox() as box, servers(c, [('127.0.1.1', 'smtp', {})]) as (p1,):
        relay = ('queue off', 'host 127.0.0.1', 'port 9',
                 'fallback_hosts 127.0.0.1:10')
        off = send(c, box, ['a@order.mx.test'], extra=relay)
        on = send(c, box, ['b@order.mx.test'], argv=['-v'],
                  extra=relay + ('fallback_mx on',))
        got = rcpts_of(p1)
        lines = log_lines(box)
    c.exit(off, T.EX_TEMPFAIL)
    c.exit(on, T.EX_OK)
    c.eq(got, [['b@order.mx.test']], 'delivered to the MX by fallback_mx')
    c.true(b'delivering to the MX hosts instead' in on.err,
           '-v says so: %r' % on.err)
    c.true(lines and 'relay=p1.order.mx.test' in lines[-1], 'log: %s' % lines)


# -- TLS ---------------------------------------------------------------------

def opportunistic(c):
    """STARTTLS is used when offered, with no certificate check."""
    st = setup(c)
    with sandbox() as box, servers(c, [
            ('127.0.1.91', 'tls', {'tls': 'starttls',
                                   'cert': st['certs']['wrongname']})]) as (
                s,):
        res = send(c, box, ['bob@tls.mx.test'])
        time.sleep(0.2)
    c.exit(res, T.EX_OK)
    c.true(len(s.transactions) == 1 and s.transactions[0].tls,
           'delivered over TLS: %s' % [t.tls for t in s.transactions])
    lines = log_lines(box)
    c.true(lines and 'tls=TLSv1.3' in lines[0] and
           'tls_policy=opportunistic verified=no' in lines[0],
           'log: %s' % lines)


def opportunistic_fallback(c):
    """A handshake that fails: the same host again, in clear."""
    with sandbox() as box, servers(c, [
            ('127.0.1.92', 'tls', {'tls': 'starttls',
                                   'cert': setup(c)['certs']['tls'],
                                   'starttls_mode': 'garbage'})]) as (s,):
        res = send(c, box, ['bob@badtls.mx.test'])
        time.sleep(0.2)
    c.exit(res, T.EX_OK)
    c.true(len(s.transactions) == 1 and not s.transactions[0].tls,
           'delivered in clear after the failed handshake')
    lines = log_lines(box)
    c.true(lines and 'tls=none' in lines[0], 'log: %s' % lines)


def verify_policy(c):
    """mx_tls verify: a certificate for the MX name from a trusted CA, or
    the mail waits."""
    st = setup(c)
    ca = st['certs']['ca'].cert
    with sandbox() as box:
        with servers(c, [('127.0.1.91', 'tls', {
                'tls': 'starttls', 'cert': st['certs']['tls']})]) as (s,):
            ok = send(c, box, ['a@tls.mx.test'], extra=(
                'queue off', 'mx_tls verify', 'tls_trust_file %s' % ca))
            untrusted = send(c, box, ['b@tls.mx.test'],
                             extra=('queue off', 'mx_tls verify'))
        with servers(c, [('127.0.1.91', 'tls', {
                'tls': 'starttls', 'cert': st['certs']['wrongname']})]):
            wrong = send(c, box, ['c@tls.mx.test'], extra=(
                'queue off', 'mx_tls verify', 'tls_trust_file %s' % ca))
        with servers(c, [('127.0.1.91', 'smtp', {})]) as (plain,):
            clear = send(c, box, ['d@tls.mx.test'], extra=(
                'queue off', 'mx_tls verify', 'tls_trust_file %s' % ca))
            got_plain = rcpts_of(plain)
        lines = log_lines(box)
    c.exit(ok, T.EX_OK)
    c.true(lines and 'tls_policy=verify verified=yes' in lines[0],
           'log: %s' % lines[:1])
    c.exit(untrusted, T.EX_TEMPFAIL)
    c.exit(wrong, T.EX_TEMPFAIL)
    c.true(b'not for t.tls.mx.test' in wrong.err, 'names the MX: %r'
           % wrong.err)
    c.exit(clear, T.EX_TEMPFAIL)
    c.eq(got_plain, [], 'nothing sent in clear')


# -- DANE ----------------------------------------------------------------------

def openssl_dane(c, ip, host, rrdata):
    """openssl's verdict on the server at ip:25 for TLSA rrdata."""
    b = setup(c)['bed']
    res = b.run(['openssl', 's_client', '-connect', '%s:25' % ip,
                 '-starttls', 'smtp', '-dane_tlsa_domain', host,
                 '-dane_ee_no_namechecks',
                 '-dane_tlsa_rrdata', rrdata, '-verify_return_error',
                 '-brief'], input=b'QUIT\r\n', timeout=30)
    text = (res.stdout + res.stderr).decode('latin-1')
    return 'Verification: OK' in text or 'Verified peername' in text


def dane_match(c):
    st = setup(c)
    certs = st['certs']
    with sandbox() as box, servers(c, [
            ('127.0.2.1', 'tls', {'tls': 'starttls', 'cert': certs['ee']}),
            ('127.0.2.2', 'tls', {'tls': 'starttls', 'cert': certs['ta']})]) \
            as (ee, ta):
        res = send(c, box, ['a@ee.dsec.test', 'b@ta.dsec.test'])
        oracle_ee = openssl_dane(c, '127.0.2.1', 'ee.dsec.test', '3 1 1 %s'
                                 % spki_sha256(certs['ee'].cert))
        oracle_ta = openssl_dane(c, '127.0.2.2', 'ta.dsec.test', '2 0 1 %s'
                                 % cert_sha256(certs['ca'].cert))
        time.sleep(0.2)
    c.exit(res, T.EX_OK)
    c.true(oracle_ee and oracle_ta, 'openssl agrees: EE %s, TA %s'
           % (oracle_ee, oracle_ta))
    c.eq([len(ee.transactions), len(ta.transactions)], [1, 1], 'both sent')
    lines = log_lines(box)
    c.true(len(lines) == 2 and all('tls_policy=dane verified=yes' in x
                                   for x in lines), 'log: %s' % lines)


def dane_mismatch(c):
    """No TLSA record matches (mm), or a DANE-TA chain for another name
    (tn): deferred, never sent."""
    st = setup(c)
    certs = st['certs']
    with sandbox() as box, servers(c, [
            ('127.0.2.4', 'tls', {'tls': 'starttls', 'cert': certs['mm']}),
            ('127.0.2.3', 'tls', {'tls': 'starttls', 'cert': certs['tn']})]) \
            as (mm, tn):
        res_mm = send(c, box, ['a@mm.dsec.test'])
        res_tn = send(c, box, ['b@tn.dsec.test'])
        oracle_mm = openssl_dane(c, '127.0.2.4', 'mm.dsec.test',
                                 '3 1 1 %s' % WRONG)
        oracle_tn = openssl_dane(c, '127.0.2.3', 'tn.dsec.test', '2 0 1 %s'
                                 % cert_sha256(certs['ca'].cert))
        time.sleep(0.2)
    c.exit(res_mm, T.EX_TEMPFAIL)
    c.exit(res_tn, T.EX_TEMPFAIL)
    c.true(b'TLSA' in res_mm.err, 'says why: %r' % res_mm.err)
    c.true(not oracle_mm and not oracle_tn, 'openssl agrees: %s %s'
           % (oracle_mm, oracle_tn))
    c.eq([len(mm.transactions), len(tn.transactions)], [0, 0], 'not sent')


def dane_bogus(c):
    """A TLSA answer that fails validation: the host is deferred, never
    tried without DANE (no connection at all)."""
    st = setup(c)
    with sandbox() as box, servers(c, [
            ('127.0.2.5', 'tls', {'tls': 'starttls',
                                  'cert': st['certs']['bg']})]) as (bg,):
        res = send(c, box, ['a@bg.dsec.test'])
        time.sleep(0.2)
    c.exit(res, T.EX_TEMPFAIL)
    c.true(b'TLSA' in res.err, 'says why: %r' % res.err)
    c.eq(bg.connections, 0, 'no connection')


def dane_unusable(c):
    """TLSA records, none usable (PKIX-EE): TLS is required, not
    authenticated; a server without STARTTLS gets nothing."""
    st = setup(c)
    with sandbox() as box:
        with servers(c, [('127.0.2.6', 'smtp', {})]) as (plain,):
            res = send(c, box, ['a@un.dsec.test'])
            got = rcpts_of(plain)
        with servers(c, [('127.0.2.6', 'tls', {
                'tls': 'starttls', 'cert': st['certs']['wrongname']})]) as (s,):
            res2 = send(c, box, ['b@un.dsec.test'])
            time.sleep(0.2)
        lines = log_lines(box)
    c.exit(res, T.EX_TEMPFAIL)
    c.eq(got, [], 'nothing in clear')
    c.exit(res2, T.EX_OK)
    c.true(any('tls_policy=encrypt verified=no' in x for x in lines),
           'log: %s' % lines)


def dane_insecure_host(c):
    """An MX in the signed zone whose host is in an unsigned one: its TLSA
    records (which match nothing) are not used.  An MX answer that is not
    authenticated, naming a host whose records are: no DANE either (the
    MX name itself is not trusted)."""
    st = setup(c)
    with sandbox() as box, servers(c, [
            ('127.0.2.7', 'tls', {'tls': 'starttls',
                                  'cert': st['certs']['wrongname']}),
            ('127.0.2.1', 'tls', {'tls': 'starttls',
                                  'cert': st['certs']['ee']})]) as (s, ee):
        res = send(c, box, ['a@ins.dsec.test'])
        hosted = send(c, box, ['b@hosted.mx.test'])
        time.sleep(0.2)
        lines = log_lines(box)
    c.exit(res, T.EX_OK)
    c.exit(hosted, T.EX_OK)
    c.true(len(lines) == 2 and all('tls_policy=opportunistic' in x
                                   for x in lines), 'log: %s' % lines)
    c.eq(len(ee.transactions), 1, 'the host with DANE records took b@')


def dane_required(c):
    """mx_tls dane: a host without DANE records is not used."""
    with sandbox() as box, servers(c, [('127.0.1.1', 'smtp', {})]) as (p1,):
        res = send(c, box, ['a@order.mx.test'],
                   extra=('queue off', 'mx_tls dane'))
        got = rcpts_of(p1)
    c.exit(res, T.EX_TEMPFAIL)
    c.eq(got, [], 'not sent')
    c.true(b'mx_tls dane' in res.err, 'says why: %r' % res.err)


# -- MTA-STS -----------------------------------------------------------------

POLICY = 'version: STSv1\r\nmode: %s\r\nmx: good.sts.mx.test\r\nmax_age: 86400\r\n'
POLICIES = {
    'mta-sts.sts.mx.test': (200, POLICY % 'enforce'),
    'mta-sts.stt.mx.test': (200, POLICY % 'testing'),
    'mta-sts.rd.mx.test': (301, ''),
    'mta-sts.nn.mx.test': (200, 'version: STSv1\nmode: none\nmax_age: 86400\n'),
}


class PolicyHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        host = (self.headers.get('Host') or '').lower()
        self.server.requests.append((host, self.path))
        status, body = POLICIES.get(host, (404, ''))
        if self.path != '/.well-known/mta-sts.txt':
            status, body = 404, ''
        data = body.encode()
        self.send_response(status)
        if status == 301:
            self.send_header('Location', 'https://%s/elsewhere.txt' % host)
        self.send_header('Content-Type', 'text/plain')
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@contextlib.contextmanager
def policy_server(c):
    """The HTTPS policy host of the mta-sts.* names, on 127.0.3.1:443."""
    st = setup(c)
    cert = st['certs']['policy']
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert.chain, cert.key)
    with st['bed'].inside():
        srv = http.server.ThreadingHTTPServer(('127.0.3.1', 443),
                                              PolicyHandler)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    srv.requests = []
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    try:
        yield srv
    finally:
        srv.shutdown()
        srv.server_close()


def sts_config(extra=()):
    ca = STATE['certs']['ca'].cert
    return ('queue off', 'tls_trust_file %s' % ca) + tuple(extra)


def queue_dir_ready(box):
    os.makedirs(os.path.join(box, 'queue'), exist_ok=True)
    return os.path.join(box, 'queue', 'mta-sts')


def write_cache(box, domain, policy_id, text, age=10):
    d = queue_dir_ready(box)
    os.makedirs(d, exist_ok=True)
    now = int(time.time())
    T.write_file(os.path.join(d, domain), 'dsmtp-mta-sts 1\nid %s\nfetched '
                 '%d\ntried %d\n\n%s' % (policy_id, now - age, now - age,
                                            text))


def sts_enforce(c):
    """enforce: the host the policy names, with a verified certificate;
    the policy is kept in the queue's directory; curl fetches the same."""
    st = setup(c)
    with sandbox() as box, policy_server(c) as web, servers(c, [
            ('127.0.1.101', 'tls', {'tls': 'starttls',
                                    'cert': st['certs']['good.sts']}),
            ('127.0.1.102', 'smtp', {})]) as (good, rogue):
        cache = queue_dir_ready(box)
        res = send(c, box, ['a@sts.mx.test'], extra=sts_config())
        fetches = list(web.requests)
        curl = st['bed'].run(['curl', '-sS', '--max-redirs', '0',
                              '--cacert', st['certs']['ca'].cert,
                              'https://mta-sts.sts.mx.test/.well-known/'
                              'mta-sts.txt'])
        time.sleep(0.2)
        lines = log_lines(box)
    c.exit(res, T.EX_OK)
    c.eq(len(good.transactions), 1, 'the policy\'s host took it')
    c.true(lines and 'tls_policy=mta-sts verified=yes' in lines[0],
           'log: %s' % lines)
    c.eq(curl.stdout.decode(), POLICY % 'enforce', 'curl gets the same policy')
    path = os.path.join(cache, 'sts.mx.test')
    c.true(os.path.exists(path) and 'id one' in open(path).read() and
           'mode: enforce' in open(path).read(), 'the policy is kept')
    c.eq(fetches, [('mta-sts.sts.mx.test', '/.well-known/mta-sts.txt')],
         'one fetch')


def sts_enforce_other_host(c):
    """enforce: the host the policy names is down, the other MX is not in
    the policy: the mail waits, the other MX is not contacted."""
    with sandbox() as box, policy_server(c), servers(c, [
            ('127.0.1.102', 'smtp', {})]) as (rogue,):
        queue_dir_ready(box)
        res = send(c, box, ['a@sts.mx.test'], extra=sts_config())
        rogue.settle()
    c.exit(res, T.EX_TEMPFAIL)
    c.eq(rogue.connections, 0, 'the MX outside the policy was not used')
    c.true(b'MTA-STS' in res.err, 'says why: %r' % res.err)


def sts_bad_certificate(c):
    st = setup(c)
    with sandbox() as box, policy_server(c), servers(c, [
            ('127.0.1.101', 'tls', {'tls': 'starttls',
                                    'cert': st['certs']['wrongname']})]) as (
                good,):
        queue_dir_ready(box)
        res = send(c, box, ['a@sts.mx.test'], extra=sts_config())
        time.sleep(0.2)
    c.exit(res, T.EX_TEMPFAIL)
    c.eq(len(good.transactions), 0, 'not sent without a valid certificate')


def sts_testing(c):
    """testing: delivered as without a policy; the log notes the host
    outside it."""
    with sandbox() as box, policy_server(c), servers(c, [
            ('127.0.1.102', 'smtp', {})]) as (rogue,):
        res = send(c, box, ['a@stt.mx.test'], extra=sts_config())
        got = rcpts_of(rogue)
        text = T.read_log(box).decode()
    c.exit(res, T.EX_OK)
    c.eq(got, [['a@stt.mx.test']], 'delivered')
    c.true('mta_sts=testing mx=rogue.sts.mx.test result=not-in-policy' in
           text, 'noted: %s' % text)


def sts_redirect(c):
    """A policy host that redirects: no policy (curl without -L sees the
    same 301), delivered as without one, noted."""
    st = setup(c)
    with sandbox() as box, policy_server(c) as web, servers(c, [
            ('127.0.1.102', 'smtp', {})]) as (rogue,):
        res = send(c, box, ['a@rd.mx.test'], extra=sts_config())
        got = rcpts_of(rogue)
        curl = st['bed'].run(['curl', '-sS', '-o', '/dev/null', '-w',
                              '%{http_code}', '--cacert',
                              st['certs']['ca'].cert,
                              'https://mta-sts.rd.mx.test/.well-known/'
                              'mta-sts.txt'])
        text = T.read_log(box).decode()
        requests = list(web.requests)
    c.exit(res, T.EX_OK)
    c.eq(got, [['a@rd.mx.test']], 'delivered')
    c.eq(curl.stdout, b'301', 'curl sees the redirect')
    c.eq([r for r in requests if r[1] != '/.well-known/mta-sts.txt'], [],
         'the redirect was not followed')
    c.true('mta_sts=unavailable' in text and 'redirect' in text,
           'noted: %s' % text)


def sts_id_changed(c):
    """A kept policy is used while the TXT id is the same (no fetch); a
    new id fetches the policy anew."""
    stale = 'version: STSv1\nmode: enforce\nmx: nowhere.test\nmax_age: 86400\n'
    st = setup(c)
    with sandbox() as box, policy_server(c) as web, servers(c, [
            ('127.0.1.101', 'tls', {'tls': 'starttls',
                                    'cert': st['certs']['good.sts']})]) as (
                good,):
        write_cache(box, 'sts.mx.test', 'one', stale)
        same = send(c, box, ['a@sts.mx.test'], extra=sts_config())
        fetched_same = len(web.requests)
        write_cache(box, 'sts.mx.test', 'old', stale)
        changed = send(c, box, ['b@sts.mx.test'], extra=sts_config())
        kept = open(os.path.join(box, 'queue', 'mta-sts',
                                 'sts.mx.test')).read()
        time.sleep(0.2)
    c.exit(same, T.EX_TEMPFAIL)
    c.eq(fetched_same, 0, 'the kept policy, no fetch')
    c.exit(changed, T.EX_OK)
    c.true('id one' in kept and 'good.sts.mx.test' in kept,
           'the new policy is kept: %r' % kept)


def sts_refresh_fails(c):
    """The policy host is down when a refresh is due: the kept policy
    stays in force."""
    policy = 'version: STSv1\nmode: enforce\nmx: good.sts.mx.test\nmax_age: 86400\n'
    with sandbox() as box, servers(c, [('127.0.1.102', 'smtp', {})]) as (
            rogue,):
        write_cache(box, 'nohttps.mx.test', 'x0', policy)
        res = send(c, box, ['a@nohttps.mx.test'], extra=sts_config())
        rogue.settle()
    c.exit(res, T.EX_TEMPFAIL)
    c.eq(rogue.connections, 0, 'the kept policy still refuses the other MX')


def sts_off_and_none(c):
    """mta_sts off ignores a policy; a policy of mode none drops the kept
    one."""
    stale = 'version: STSv1\nmode: enforce\nmx: nowhere.test\nmax_age: 86400\n'
    with sandbox() as box, policy_server(c), servers(c, [
            ('127.0.1.102', 'smtp', {})]) as (rogue,):
        write_cache(box, 'sts.mx.test', 'one', stale)
        off = send(c, box, ['a@sts.mx.test'],
                   extra=sts_config(['mta_sts off']))
        write_cache(box, 'nn.mx.test', 'old', stale)
        none = send(c, box, ['b@nn.mx.test'], extra=sts_config())
        gone = not os.path.exists(os.path.join(box, 'queue', 'mta-sts',
                                               'nn.mx.test'))
        got = rcpts_of(rogue)
    c.exit(off, T.EX_OK)
    c.exit(none, T.EX_OK)
    c.eq(got, [['a@sts.mx.test'], ['b@nn.mx.test']], 'both delivered')
    c.true(gone, 'mode none dropped the kept policy')


TESTS = [
    ('hosts in preference order; EHLO the account\'s domain; the log line',
     preference_order),
    ('hosts of one preference shuffled, the backup unused', shuffled),
    ('the first MX down: the next one', first_down),
    ('the first MX greets 421: the next one', first_421),
    ('every MX down: queued, delivered by the next run', all_down_queued),
    ('no MX: the domain\'s address', no_mx),
    ('null MX: bounced (5.1.10), no connection; the bounce reaches the '
     'sender\'s MX', null_mx),
    ('a CNAME\'d domain and a CNAME\'d MX host', cnames),
    ('NXDOMAIN: permanent', nxdomain),
    ('SERVFAIL: temporary', servfail),
    ('a silent resolver: temporary, in bounded time', resolver_silent),
    ('a 4xx recipient: the next MX', rcpt_4xx_next_host),
    ('a 5xx recipient: final, no other MX asked', rcpt_5xx_final),
    ('two domains, one transaction each; 2xx/4xx/5xx per recipient',
     mixed_domains),
    ('address literals, IPv4 and IPv6', literals),
    ('IPv6 first; mx_address_family ipv4', address_family),
    ('a queue run reuses the connection to a host', connection_reuse),
    ('a kept connection dropped by the server: a new one at once',
     kept_connection_dropped),
    ('the domains of a message at once: a silent MX holds up no other',
     parallel_domains),
    ('the EHLO name against the egress address\'s reverse DNS',
     ehlo_reverse_dns),
    ('fallback_mx: the MX hosts when every relay is down',
     relay_down_fallback_mx),
    ('opportunistic TLS: STARTTLS without a certificate check',
     opportunistic),
    ('opportunistic TLS: a failed handshake, then in clear',
     opportunistic_fallback),
    ('mx_tls verify: trusted, untrusted, wrong name, no STARTTLS',
     verify_policy),
    ('DANE-EE and DANE-TA match (openssl agrees)', dane_match),
    ('DANE mismatch and a DANE-TA name mismatch: deferred (openssl agrees)',
     dane_mismatch),
    ('a bogus TLSA answer: deferred, no connection', dane_bogus),
    ('TLSA present but unusable: TLS required, unauthenticated',
     dane_unusable),
    ('an insecure MX host, an insecure MX answer: no DANE',
     dane_insecure_host),
    ('mx_tls dane without DANE records: deferred', dane_required),
    ('MTA-STS enforce: the policy\'s host, verified; kept; curl agrees',
     sts_enforce),
    ('MTA-STS enforce: an MX outside the policy is not used', sts_enforce_other_host),
    ('MTA-STS enforce: a bad certificate defers', sts_bad_certificate),
    ('MTA-STS testing: delivered, noted', sts_testing),
    ('MTA-STS: a redirecting policy host means no policy', sts_redirect),
    ('MTA-STS: the kept policy while the id is the same; a new id fetches',
     sts_id_changed),
    ('MTA-STS: a failed refresh keeps the policy', sts_refresh_fails),
    ('MTA-STS: mta_sts off; mode none drops the kept policy', sts_off_and_none),
]

if __name__ == '__main__':
    T.main(TESTS)
