#!/usr/bin/python3
"""dns.py - src/dns.c against a real validating resolver.

The bed (tests/lib/dnsbed.py): unbound in a network namespace of its own,
serving example.test (unsigned), dane.test (DNSSEC-signed, one TLSA
record altered after signing) and a reverse zone; the namespace's
resolv.conf is the only thing that tells the module where to ask, as on a
real host.  tests/tools/dnsq prints what the module returns; dig is the
second opinion where one is useful.  Checked: MX, A, AAAA, TXT (several
strings joined), TLSA, PTR, CNAME following, null MX, NXDOMAIN, NODATA,
SERVFAIL for a bogus signature, the AD bit and when it is believed
(trust-ad, or every nameserver on loopback), and bounded time against a
dead and a silent server."""

import os
import sys
import time

sys.dont_write_bytecode = True     # the source tree may be read-only
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..', 'lib'))
import dsmtptest as T                                    # noqa: E402
import dnsbed                                            # noqa: E402

DNSQ = os.environ.get('DSMTP_DNSQ') or os.path.join(
    os.path.dirname(os.path.dirname(T.DSMTP)), 'tests', 'tools', 'dnsq')
DEFAULT_RESOLV = 'nameserver 127.0.0.1\noptions trust-ad edns0\n'
BED = {}


def bed(c):
    def prepare(state):
        state['bed'] = dnsbed.Bed().start()
    return dnsbed.shared(c, BED, prepare)['bed']


class Answer:
    def __init__(self, head, records):
        fields = dict(f.split('=', 1) for f in head.split()[2:])
        self.rcode, self.ad = fields['rcode'], fields['ad'] == '1'
        self.canonical = fields['canonical']
        self.records = records            # ['MX 10 mx1.example.test', ...]

    def values(self):
        """Records without their ttl, sorted."""
        return sorted(r.rsplit(' ttl=', 1)[0] for r in self.records)


class Route:
    def __init__(self, head):
        fields, _, reason = head.partition(' reason=')
        self.fields = dict(f.split('=', 1) for f in fields.split()[2:])
        self.reason = reason
        self.hosts = []                   # [[pref, name, addr...], ...]


def ask(c, *queries, resolv=DEFAULT_RESOLV):
    """Run dnsq TYPE NAME ... in the bed: (trust_ad, [Answer or error])."""
    b = bed(c)
    b.resolv_conf(resolv)
    argv = [DNSQ]
    for q in queries:
        argv += list(q)
    start = time.monotonic()
    res = b.run(argv, timeout=60)
    elapsed = time.monotonic() - start
    lines = res.stdout.decode().splitlines()
    c.need(lines and lines[0].startswith('trust_ad='),
           'dnsq printed %r, stderr %r' % (res.stdout, res.stderr))
    out, cur = [], None
    for line in lines[1:]:
        if ' ROUTE status=' in line:
            cur = Route(line)
            out.append(cur)
        elif line.startswith('host '):
            cur.hosts.append(line.split()[1:])
        elif ' rcode=' in line:
            cur = Answer(line, [])
            out.append(cur)
        elif ' error: ' in line:
            cur = None
            out.append(line.split(' error: ', 1)[1])
        else:
            c.need(cur is not None, 'record line out of place: %r' % line)
            cur.records.append(line)
    c.need(len(out) == len(queries), 'answers: %r' % lines)
    return lines[0] == 'trust_ad=1', out, elapsed


def one(c, qtype, name, **kw):
    _, out, _ = ask(c, (qtype, name), **kw)
    c.need(isinstance(out[0], Answer), 'no answer for %s %s: %s'
           % (qtype, name, out[0]))
    return out[0]


def dig_mx(c, name):
    res = bed(c).run(['dig', '+short', name, 'MX'])
    return sorted('MX %s %s' % (p, h.rstrip('.')) for p, h in
                  (line.split() for line in res.stdout.decode().splitlines()))


def test_mx(c):
    a = one(c, 'MX', 'example.test')
    c.eq(a.rcode, 'NOERROR', 'rcode')
    c.eq(a.values(), ['MX 10 mx1.example.test', 'MX 10 mx2.example.test',
                      'MX 20 mx3.example.test'], 'MX records')
    c.eq(a.values(), dig_mx(c, 'example.test'), 'dsmtp vs dig')
    c.true(not a.ad, 'an unsigned zone came back authenticated')
    c.true(all(r.endswith(' ttl=30') for r in a.records), 'ttl: %r'
           % a.records)


def test_addresses(c):
    _, (v4, v6), _ = ask(c, ('A', 'mx1.example.test'),
                         ('AAAA', 'mx1.example.test'))
    c.eq(v4.values(), ['A 127.0.0.2'], 'A')
    c.eq(v6.values(), ['AAAA ::1'], 'AAAA')


def test_null_mx(c):
    c.eq(one(c, 'MX', 'nullmx.example.test').values(), ['MX 0 .'],
         'null MX (RFC 7505)')


def test_nxdomain_nodata(c):
    _, (nx, nodata, a), _ = ask(c, ('A', 'nosuch.example.test'),
                                ('MX', 'nomx.example.test'),
                                ('A', 'nomx.example.test'))
    c.eq((nx.rcode, nx.values()), ('NXDOMAIN', []), 'a name that is not')
    c.eq((nodata.rcode, nodata.values()), ('NOERROR', []), 'NODATA')
    c.eq(a.values(), ['A 127.0.0.5'], 'the A record of the MX-less host')


def test_cname(c):
    a = one(c, 'MX', 'alias.example.test')
    c.eq(a.canonical, 'example.test', 'canonical name')
    c.eq(len(a.values()), 3, 'MX records through the CNAME')
    c.eq(one(c, 'MX', 'example.test').canonical, '-', 'no CNAME, no '
         'canonical name')


def test_txt(c):
    _, (spf, long_), _ = ask(c, ('TXT', 'spf.example.test'),
                             ('TXT', 'long.example.test'))
    c.eq(spf.values(), ['TXT "v=spf1 ip4:127.0.0.10 -all"'],
         'three strings joined')
    c.eq(long_.values(), ['TXT "%s"' % ''.join(dnsbed.LONG_TXT)],
         'a record over 255 octets')


def test_signed(c):
    _, (mx, tlsa), _ = ask(c, ('MX', 'dane.test'),
                           ('TLSA', '_25._tcp.mx1.dane.test'))
    c.true(mx.ad, 'the signed zone did not come back authenticated')
    c.eq(mx.values(), ['MX 10 mx1.dane.test'], 'MX')
    c.true(tlsa.ad, 'TLSA not authenticated')
    c.eq(tlsa.values(), ['TLSA 3 1 1 %s' % dnsbed.TLSA_HEX], 'TLSA')


def test_bogus(c):
    a = one(c, 'TLSA', '_25._tcp.mx4.dane.test')
    c.eq((a.rcode, a.values(), a.ad), ('SERVFAIL', [], False),
         'a record whose signature fails')


def test_ptr(c):
    c.eq(one(c, 'PTR', '10.0.0.127.in-addr.arpa').values(),
         ['PTR out.sender.test'], 'PTR')


def test_trust(c):
    far = 'nameserver %s\n' % dnsbed.FAR_RESOLVER
    trusted, (a,), _ = ask(c, ('MX', 'dane.test'), resolv=far)
    c.true(not trusted and not a.ad, 'AD believed from a resolver that is '
           'not on loopback, without trust-ad')
    trusted, (a,), _ = ask(c, ('MX', 'dane.test'),
                           resolv=far + 'options trust-ad\n')
    c.true(trusted and a.ad, 'trust-ad in resolv.conf is not honoured')
    trusted, (a,), _ = ask(c, ('MX', 'dane.test'),
                           resolv='nameserver 127.0.0.1\n')
    c.true(trusted and a.ad, 'a loopback resolver without trust-ad: AD '
           'not believed')


def test_dead_server(c):
    _, (err,), elapsed = ask(c, ('MX', 'example.test'),
                             resolv='nameserver 127.0.0.98\n')
    c.true(isinstance(err, str) and 'no DNS server answered' in err,
           'answer from a dead server: %r' % err)
    c.true(elapsed < 8, 'took %.1f s' % elapsed)


def test_silent_server(c):
    b = bed(c)
    silent = b.run_background(['/usr/bin/python3', '-c',
                               'import socket,time\n'
                               's=socket.socket(socket.AF_INET,'
                               'socket.SOCK_DGRAM)\n'
                               's.bind(("127.0.0.97",53))\n'
                               'time.sleep(60)\n'])
    try:
        time.sleep(0.3)
        _, (err,), elapsed = ask(c, ('MX', 'example.test'),
                                 resolv='nameserver 127.0.0.97\n')
    finally:
        silent.kill()
        silent.wait()
    c.true(isinstance(err, str), 'a silent server answered: %r' % err)
    # dnsq asks with 2 s per try and 2 tries: about 4 s.
    c.true(3 <= elapsed < 10, 'took %.1f s' % elapsed)


def route(c, domain, kind='ROUTE'):
    _, (r,), _ = ask(c, (kind, domain))
    return r


def test_route_mx(c):
    r = route(c, 'example.test')
    c.eq((r.fields['status'], r.fields['implicit']), ('ok', '0'), 'status')
    c.eq(sorted(h[:2] for h in r.hosts[:2]),
         [['10', 'mx1.example.test'], ['10', 'mx2.example.test']],
         'the two preference-10 hosts first')
    c.eq(r.hosts[2], ['20', 'mx3.example.test', '127.0.0.4'], 'then mx3')
    mx1 = [h for h in r.hosts if h[1] == 'mx1.example.test'][0]
    c.eq(mx1[2:], ['::1', '127.0.0.2'], 'IPv6 before IPv4')
    r4 = route(c, 'example.test', 'ROUTE4')
    mx1 = [h for h in r4.hosts if h[1] == 'mx1.example.test'][0]
    c.eq(mx1[2:], ['127.0.0.2'], 'mx_address_family ipv4')


def test_route_outcomes(c):
    for domain, status, enhanced in (
            ('nullmx.example.test', 'perm', '5.1.10'),
            ('nosuch.example.test', 'perm', '5.1.2'),
            ('bogus.dane.test', 'ok', '-')):
        r = route(c, domain)
        c.eq((r.fields['status'], r.fields['enhanced']), (status, enhanced),
             domain)
    r = route(c, 'nomx.example.test')
    c.eq((r.fields['implicit'], r.hosts), ('1', [['0', 'nomx.example.test',
                                                  '127.0.0.5']]),
         'no MX: the domain itself')
    r = route(c, 'cnamemx.example.test')
    c.eq(r.hosts, [['10', 'mxalias.example.test', '127.0.0.3']],
         'an MX host name that is a CNAME')
    r = route(c, 'dane.test')
    c.eq(r.fields['mx_secure'], '1', 'signed MX')
    _, (r,), _ = ask(c, ('ROUTE', 'example.test'),
                     resolv='nameserver 127.0.0.98\n')
    c.eq(r.fields['status'], 'temp', 'no resolver')


TESTS = [
    ('MX: every record, as dig sees them', test_mx),
    ('A and AAAA', test_addresses),
    ('null MX comes back as MX 0 .', test_null_mx),
    ('NXDOMAIN and NODATA', test_nxdomain_nodata),
    ('a CNAME is followed to the records', test_cname),
    ('TXT strings are joined, also past 255 octets', test_txt),
    ('signed zone: AD set, TLSA parsed', test_signed),
    ('bogus signature: SERVFAIL, no records', test_bogus),
    ('PTR', test_ptr),
    ('AD believed only with trust-ad or a loopback resolver', test_trust),
    ('dead server: an error, quickly', test_dead_server),
    ('silent server: an error within the per-try bound', test_silent_server),
    ('route: MX order, shuffled preferences, address families',
     test_route_mx),
    ('route: null MX, NXDOMAIN, implicit MX, CNAME host, no resolver',
     test_route_outcomes),
]

if __name__ == '__main__':
    T.main(TESTS)
