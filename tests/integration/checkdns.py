#!/usr/bin/python3
"""checkdns.py - `dsmtp --check-dns` against a real validating resolver.

The DNS bed (tests/lib/dnsbed.py) gets one zone per situation: a good
set-up, a missing DKIM record, another key published, t=y, SPF not
covering the egress address, SPF over the lookup limit, two SPF records,
no DMARC, DMARC p=none, a DKIM domain not aligned with From; and PTR
records for a confirmed name, a PTR that does not resolve back, and a
name that is not the EHLO name.  dsmtp runs inside the namespace with
--egress-ip and the account of each case; every line of its report and
its exit status are checked, and --json must say the same.

The relay check: recording relays run inside the namespace too (plain on
127.0.0.1 and on a TEST-NET address the namespace holds, and one with
STARTTLS and AUTH under a test CA), and the namespace has a default route
through a veth pair (both ends inside) holding the egress address, so the address
dsmtp finds when --egress-ip is not given can be checked: a relay's own
public address, else this host's way out."""

import atexit
import json
import os
import re
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True     # the source tree may be read-only
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..', 'lib'))
import dsmtptest as T                                    # noqa: E402
import dnsbed                                            # noqa: E402

# Egress addresses are data for the checks, never connected to: TEST-NET-1
# (RFC 5737), which is not private, with its reverse zone in the bed.
EGRESS = '192.0.2.60'              # PTR out.good.test, A back
PUBLIC_RELAY = '192.0.2.70'        # a relay "out there": mail leaves from it
LIB = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'lib')
TLS_RELAY = """
import os, sys, time
sys.path.insert(0, sys.argv[1])
import tlsca
from authserver import AuthServer
p = tlsca.make_pki(sys.argv[2])
with AuthServer(tls='starttls', cert=p.good, mechs=('PLAIN',),
                users={'ann': 'pw'}) as s:
    with open(os.path.join(sys.argv[2], 'port'), 'w') as f:
        f.write('%d %s' % (s.port, p.ca.cert))
    time.sleep(3600)
"""
SOA = ('$TTL 30\n@ SOA ns.example.test. hostmaster.example.test. 1 3600 '
       '600 86400 30\n@ NS ns.example.test.\n')
STATE = {}


def key_record(path):
    """The TXT data of the key --dkim-keygen made at path (its p=)."""
    res = T.run(['--dkim-keygen', path, '--selector', 's1'], b'')
    if res.code != 0:
        raise RuntimeError('--dkim-keygen: %r' % res.err)
    strings = re.findall(r'"([^"]*)"', res.out.decode())
    return ''.join(strings)


def txt(data):
    """data as a TXT record's strings of at most 255 octets."""
    return ' '.join('"%s"' % data[i:i + 255]
                    for i in range(0, len(data), 255))


def zone(name, dkim=None, spf='v=spf1 ip4:%s -all' % EGRESS,
         dmarc='v=DMARC1; p=quarantine', extra=''):
    z = '$ORIGIN %s.\n' % name + SOA
    if dkim:
        z += 's1._domainkey TXT %s\n' % txt(dkim)
    for s in ([spf] if isinstance(spf, str) else spf or []):
        z += '@ TXT "%s"\n' % s
    if dmarc:
        z += '_dmarc TXT "%s"\n' % dmarc
    return z + 'out A %s\n' % EGRESS + extra


def prepare(state):
    box = state['box'] = tempfile.mkdtemp(prefix='dsmtp-checkdns-')
    os.chmod(box, 0o755)
    key, other = os.path.join(box, 'k1.pem'), os.path.join(box, 'k2.pem')
    good, bad = key_record(key), key_record(other)
    chain = ''.join('l%d TXT "v=spf1 include:l%d.manyspf.test"\n'
                    % (i, i + 1) for i in range(11)) + 'l11 TXT "v=spf1 +all"\n'
    zones = {
        'good.test': zone('good.test', good, extra='other-name A '
                          '192.0.2.63\nliar A 192.0.2.99\n'),
        'nodkim.test': zone('nodkim.test'),
        'mismatch.test': zone('mismatch.test', bad),
        'testmode.test': zone('testmode.test', good.replace('v=DKIM1;',
                                                            'v=DKIM1; t=y;')),
        'nospf.test': zone('nospf.test', good, spf='v=spf1 ip4:192.0.2.99 '
                           '-all'),
        'manyspf.test': zone('manyspf.test', good,
                             spf='v=spf1 include:l0.manyspf.test -all',
                             extra=chain),
        'twospf.test': zone('twospf.test', good, spf=[
            'v=spf1 ip4:%s -all' % EGRESS, 'v=spf1 -all']),
        'nodmarc.test': zone('nodmarc.test', good, dmarc=None),
        'pnone.test': zone('pnone.test', good, dmarc='v=DMARC1; p=none'),
        'other.test': zone('other.test', good),
        'sts.test': zone('sts.test', good, extra='@ MX 10 out\n'
                         '_mta-sts TXT "v=STSv1; id=20261201T000000;"\n'),
        'sts2.test': zone('sts2.test', good, extra='@ MX 10 out\n'
                          '_mta-sts TXT "v=STSv1; id=a1;"\n'
                          '_mta-sts TXT "v=STSv1; id=b2;"\n'),
        '2.0.192.in-addr.arpa': '$ORIGIN 2.0.192.in-addr.arpa.\n' + SOA +
        '60 PTR out.good.test.\n62 PTR liar.good.test.\n'
        '63 PTR other-name.good.test.\n',
    }
    state['key'] = key
    state['bed'] = dnsbed.Bed(zones).start()
    relays(state['bed'], box)


def setup(c):
    return dnsbed.shared(c, STATE, prepare)


def wait_file(path, proc, what):
    end = time.monotonic() + 20
    while time.monotonic() < end:
        if os.path.exists(path) and os.path.getsize(path) > 0:
            with open(path) as f:
                return f.read().split()
        if proc.poll() is not None:
            raise RuntimeError('%s exited' % what)
        time.sleep(0.05)
    raise RuntimeError('%s did not start' % what)


def relays(b, box):
    """The egress route and the relays inside the namespace."""
    ns = ['ip', '-n', b.ns]
    for cmd in (['link', 'add', 'eg0', 'type', 'veth', 'peer', 'name', 'eg1'],
                ['link', 'set', 'eg0', 'up'], ['link', 'set', 'eg1', 'up'],
                ['addr', 'add', EGRESS + '/24', 'dev', 'eg0'],
                ['addr', 'add', PUBLIC_RELAY + '/32', 'dev', 'eg0'],
                ['route', 'add', 'default', 'dev', 'eg0', 'src', EGRESS]):
        subprocess.run(ns + cmd, check=True, capture_output=True)
    for name, host in (('local', '127.0.0.1'), ('public', PUBLIC_RELAY)):
        pf = os.path.join(box, 'relay-%s.port' % name)
        proc = b.run_background(['/usr/bin/python3', os.path.join(
            LIB, 'smtpserver.py'), '--host', host, '--port-file', pf])
        atexit.register(proc.terminate)
        STATE[name] = (host, int(wait_file(pf, proc, 'the %s relay'
                                           % name)[0]))
    d = os.path.join(box, 'tls')
    os.mkdir(d)
    proc = b.run_background(['/usr/bin/python3', '-c', TLS_RELAY, LIB, d])
    atexit.register(proc.terminate)
    port, ca = wait_file(os.path.join(d, 'port'), proc, 'the TLS relay')
    STATE['tls'] = ('127.0.0.1', int(port), ca)


def check_dns(c, domain, egress=EGRESS, extra=(), json_out=False,
              relay='local', to=None,
              resolv='nameserver 127.0.0.1\noptions trust-ad edns0\n'):
    """Run dsmtp --check-dns for an account of domain in the bed, its
    relay one of the bed's (or a port nobody listens on: 'down'):
    (exit status, {name: (level, found, fix)}, raw output)."""
    st = setup(c)
    d = os.path.join(st['box'], domain)
    os.makedirs(d, exist_ok=True)
    host, port = ('127.0.0.1', 9) if relay == 'down' else st[relay][:2]
    lines = ['defaults', 'syslog off', 'account default',
             'host %s' % host, 'port %d' % port, 'timeout 5',
             'from alice@%s' % domain,
             'qualify_domain %s' % domain, 'domain out.good.test',
             'dkim_key s1 %s' % st['key']] + list(extra)
    cfg = T.write_file(os.path.join(d, 'rc'), '\n'.join(lines) + '\n')
    argv = [T.DSMTP, '-C', cfg, '--check-dns']
    if egress:
        argv += ['--egress-ip', egress]
    if json_out:
        argv.append('--json')
    if to:
        argv.append('--to=%s' % to)
    b = st['bed']
    b.resolv_conf(resolv)
    res = b.run(argv, timeout=60, env=dict(T.sandbox_env(d), LC_ALL='C'))
    items, last = {}, None
    for line in res.stdout.decode().splitlines():
        m = re.match(r'^(pass|warn|fail)  (.+?): (.*)$', line)
        if m:
            last = m.group(2)
            items[last] = [m.group(1), m.group(3), None]
        elif line.startswith('      fix: ') and last:
            items[last][2] = line[11:]
    return res.returncode, items, res


def level(c, items, name, want, what):
    got = items.get(name, ['missing'])[0]
    c.true(got == want, '%s: %s is %s, want %s (report: %r)' % (
        what, name, got, want, items))


def test_good(c):
    code, items, res = check_dns(c, 'good.test')
    c.eq(code, 0, 'exit status (stderr %r)' % res.stderr)
    for name in ('dkim s1._domainkey.good.test',
                 'spf good.test (envelope domain)', 'ptr %s' % EGRESS,
                 'dmarc good.test', 'dmarc alignment good.test'):
        level(c, items, name, 'pass', 'a good set-up')
    c.eq(res.stderr, b'', 'stderr')


def relay_found(c, relay, want_ip, how):
    """No --egress-ip: the address receivers see is found (the relay's
    own public address, else this host's way out) and checked."""
    code, items, res = check_dns(c, 'good.test', egress=None, relay=relay)
    level(c, items, 'egress', 'pass', 'the address found')
    found = items.get('egress', ['', ''])[1]
    c.true(found.startswith(want_ip) and how in found,
           'egress: %r, want %s (%s)' % (found, want_ip, how))
    spf = items.get('spf good.test (envelope domain)', ['missing'])[0]
    c.eq(spf, 'pass' if want_ip == EGRESS else 'fail',
         'SPF judged for %s' % want_ip)


def relay_plain(c):
    code, items, res = check_dns(c, 'good.test')
    name = 'relay 127.0.0.1:%d' % STATE['local'][1]
    level(c, items, name, 'warn', 'a relay without TLS')
    c.true('tls on' in (items.get(name, [0, 0, ''])[2] or ''),
           'the fix says tls on: %r' % items.get(name))
    c.eq(code, 0, 'exit status (a warning only)')


def relay_tls(c):
    st = setup(c)
    host, port, ca = st['tls']
    code, items, res = check_dns(
        c, 'good.test', relay='tls',
        extra=['tls on', 'tls_trust_file %s' % ca, 'auth plain',
               'user ann', 'password pw'])
    name = 'relay 127.0.0.1:%d' % port
    level(c, items, name, 'pass', 'STARTTLS and AUTH')
    c.true('TLSv1.3' in items.get(name, [0, ''])[1] and 'AUTH' in
           items.get(name, [0, ''])[1], 'found: %r' % items.get(name))
    c.eq(code, 0, 'exit status')


def relay_untrusted(c):
    """The account's TLS policy is applied: a certificate the account
    does not trust fails the relay check."""
    code, items, res = check_dns(c, 'good.test', relay='tls',
                                 extra=['tls on'])
    level(c, items, 'relay 127.0.0.1:%d' % STATE['tls'][1], 'fail',
          'an untrusted certificate')
    c.eq(code, 1, 'exit status')


def recipient(c, to, want, resolv=None):
    """--to: each (check, level, text in what was found) of want."""
    kw = {'resolv': resolv} if resolv else {}
    code, items, res = check_dns(c, 'good.test', to=to, **kw)
    for name, lvl, has in want:
        level(c, items, name, lvl, '--to %s' % to)
        c.true(has in items.get(name, ['', ''])[1], '%s: %r lacks %r'
               % (name, items.get(name), has))
    c.eq(code, 1 if any(v[0] == 'fail' for v in items.values()) else 0,
         'exit status')


def own_mx(c):
    code, items, res = check_dns(c, 'good.test')
    level(c, items, 'mx good.test', 'warn', 'a sending domain without MX')
    c.true('IN MX 10 mail.good.test.' in (items.get('mx good.test',
                                                    [0, 0, ''])[2] or ''),
           'the record to publish: %r' % items.get('mx good.test'))
    code, items, res = check_dns(c, 'sts.test')
    level(c, items, 'mx sts.test', 'pass', 'a sending domain with an MX')


def direct_delivery(c):
    """An account that delivers to MX hosts has no relay to check; its
    EHLO name is its domain."""
    code, items, res = check_dns(c, 'good.test', extra=['delivery mx'])
    c.eq([k for k in items if k.startswith('relay')], [],
         'no relay check: %s' % sorted(items))
    level(c, items, 'ptr %s' % EGRESS, 'pass', 'the EHLO name out.good.test')


def test_json(c):
    code, items, res = check_dns(c, 'nodmarc.test', json_out=True)
    c.eq(code, 1, 'exit status')
    doc = json.loads(res.stdout)
    got = {i['check']: i['result'] for i in doc['items']}
    c.eq(doc['failed'], True, 'failed')
    c.eq(got.get('dmarc nodmarc.test'), 'fail', 'dmarc in JSON')
    c.eq(got.get('dkim s1._domainkey.nodmarc.test'), 'pass', 'dkim in JSON')


def failing(c, domain, name, lvl, fix_has=None, found_has=None, **kw):
    code, items, _ = check_dns(c, domain, **kw)
    level(c, items, name, lvl, domain)
    c.eq(code, 1 if any(v[0] == 'fail' for v in items.values()) else 0,
         'exit status')
    if lvl == 'fail':
        c.eq(code, 1, 'exit status with a failure')
    it = items.get(name, [None, '', ''])
    if fix_has:
        c.true(it[2] and fix_has in it[2], 'fix %r lacks %r' % (it[2],
                                                              fix_has))
    if found_has:
        c.true(found_has in it[1], 'found %r lacks %r' % (it[1], found_has))


TESTS = [
    ('delivery mx: no relay check, the EHLO name is the domain',
     direct_delivery),
    ('a good set-up: every check passes, exit 0', test_good),
    ('DKIM record missing: fail, with the record to publish',
     lambda c: failing(c, 'nodkim.test', 'dkim s1._domainkey.nodkim.test',
                       'fail', 's1._domainkey.nodkim.test. IN TXT')),
    ('DKIM record of another key: fail',
     lambda c: failing(c, 'mismatch.test',
                       'dkim s1._domainkey.mismatch.test', 'fail',
                       found_has='not the configured key')),
    ('DKIM t=y: warn',
     lambda c: failing(c, 'testmode.test',
                       'dkim s1._domainkey.testmode.test', 'warn')),
    ('SPF not covering the egress address: fail, ip4: to add',
     lambda c: failing(c, 'nospf.test', 'spf nospf.test (envelope domain)',
                       'fail', 'ip4:%s' % EGRESS)),
    ('SPF with 11 lookups: fail',
     lambda c: failing(c, 'manyspf.test',
                       'spf manyspf.test (envelope domain)', 'fail',
                       found_has='10 DNS lookups')),
    ('two SPF records: fail',
     lambda c: failing(c, 'twospf.test', 'spf twospf.test (envelope domain)',
                       'fail', found_has='more than one SPF record')),
    ('no DMARC: fail, with a starting record',
     lambda c: failing(c, 'nodmarc.test', 'dmarc nodmarc.test', 'fail',
                       '_dmarc.nodmarc.test. IN TXT "v=DMARC1; p=none')),
    ('DMARC p=none: warn',
     lambda c: failing(c, 'pnone.test', 'dmarc pnone.test', 'warn')),
    ('DKIM d= not aligned with From: warn',
     lambda c: failing(c, 'good.test', 'dmarc alignment good.test', 'warn',
                       extra=['dkim_domain other.test'])),
    ('no PTR: fail',
     lambda c: failing(c, 'good.test', 'ptr 192.0.2.61', 'fail',
                       egress='192.0.2.61', found_has='no PTR')),
    ('PTR not resolving back: fail',
     lambda c: failing(c, 'good.test', 'ptr 192.0.2.62', 'fail',
                       egress='192.0.2.62',
                       found_has='does not resolve back')),
    ('PTR name not the EHLO name: warn',
     lambda c: failing(c, 'good.test', 'ptr 192.0.2.63', 'warn',
                       egress='192.0.2.63',
                       fix_has='set domain other-name.good.test')),
    ('a private egress address is not judged: warn',
     lambda c: failing(c, 'good.test', 'egress', 'warn',
                       egress='10.1.2.3', fix_has='--egress-ip')),
    ('--json says the same', test_json),
    ('a relay without TLS: warn, tls on', relay_plain),
    ('a relay with STARTTLS and AUTH under the account\'s trust: pass',
     relay_tls),
    ('a relay whose certificate the account does not trust: fail',
     relay_untrusted),
    ('the relay does not answer: fail',
     lambda c: failing(c, 'good.test', 'relay 127.0.0.1:9', 'fail',
                       relay='down', fix_has='--serverinfo')),
    ('a relay that offers no AUTH while the account logs in: fail',
     lambda c: failing(c, 'good.test', 'relay 127.0.0.1:%d'
                       % setup(c)['local'][1], 'fail',
                       extra=['auth plain', 'user ann', 'password pw'],
                       found_has='offers no AUTH')),
    ('no --egress-ip, relay on this host: this host\'s way out is judged',
     lambda c: relay_found(c, 'local', EGRESS, 'this host')),
    ('no --egress-ip, relay out there: its address is judged',
     lambda c: relay_found(c, 'public', PUBLIC_RELAY, 'relay')),
    ('the sending domain without an MX: warn, with the record', own_mx),
    ('--to: MX hosts in order, no TLSA, no MTA-STS, unsigned zone',
     lambda c: recipient(c, 'example.test', [
         ('mx example.test', 'pass', 'mx3.example.test (20)'),
         ('tlsa mx1.example.test', 'pass', 'no TLSA'),
         ('mta-sts example.test', 'pass', 'no MTA-STS'),
         ('dnssec', 'pass', 'not signed')])),
    ('--to: TLSA in a signed zone, authenticated: DANE applies',
     lambda c: recipient(c, 'dane.test', [
         ('tlsa mx1.dane.test', 'pass', 'DANE applies'),
         ('dnssec', 'pass', 'authenticated')])),
    ('--to: a TLSA answer that does not validate: fail',
     lambda c: recipient(c, 'bogus.dane.test', [
         ('tlsa mx4.dane.test', 'fail', 'SERVFAIL')])),
    ('--to: AD not believed (no trust-ad, resolver not on loopback): warn',
     lambda c: recipient(c, 'dane.test', [
         ('tlsa mx1.dane.test', 'warn', 'not authenticated'),
         ('dnssec', 'warn', 'not believed')],
         resolv='nameserver %s\noptions edns0\n' % dnsbed.FAR_RESOLVER)),
    ('--to: a null MX fails',
     lambda c: recipient(c, 'nullmx.example.test', [
         ('mx nullmx.example.test', 'fail', 'null MX')])),
    ('--to: a domain that does not exist fails',
     lambda c: recipient(c, 'nothere.example.test', [
         ('mx nothere.example.test', 'fail', '')])),
    ('--to: an MTA-STS record whose policy cannot be fetched: warn; two '
     'records: warn',
     lambda c: (recipient(c, 'sts.test', [
         ('mta-sts sts.test', 'warn', 'policy id 20261201T000000, but the '
          'policy cannot be had')]),
         recipient(c, 'sts2.test', [
             ('mta-sts sts2.test', 'warn', '2 MTA-STS records')]))),
]

if __name__ == '__main__':
    T.main(TESTS)
