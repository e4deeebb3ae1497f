#!/usr/bin/python3
"""spf.py - dsmtp's SPF evaluator (src/spf.c) against pyspf and libspf2's
spfquery, over a real resolver.

Both ask the same validating unbound in the DNS test bed
(tests/lib/dnsbed.py, zone sender.test) for the same questions: records
with mx, a, include, ip4/ip6 with CIDR lengths, ~all, ?all, redirect,
exists with macros, ptr, two SPF records, three void lookups, a bad
length, a chain of eleven includes.  The results must be equal, case by
case; the expected result is also stated, so an oracle that changes its
mind is noticed too."""

import atexit
import json
import os
import re
import shutil
import sys

sys.dont_write_bytecode = True     # the source tree may be read-only
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..', 'lib'))
import dsmtptest as T                                    # noqa: E402
import dnsbed                                            # noqa: E402
from dns import DNSQ, bed                                # noqa: E402

# (client IP, envelope sender, HELO, the result RFC 7208 gives)
CASES = [
    ('127.0.0.10', 'alice@sender.test', 'out.sender.test', 'pass'),
    ('127.0.0.30', 'alice@sender.test', 'mx.sender.test', 'pass'),
    ('127.0.0.41', 'bob@sender.test', 'x.test', 'pass'),
    ('::1', 'bob@sender.test', 'x.test', 'pass'),
    ('127.0.0.99', 'bob@sender.test', 'x.test', 'fail'),
    ('127.0.0.50', 'bob@soft.sender.test', 'x.test', 'pass'),
    ('127.0.0.51', 'bob@soft.sender.test', 'x.test', 'softfail'),
    ('127.0.0.51', 'bob@neutral.sender.test', 'x.test', 'neutral'),
    ('127.0.0.30', 'bob@redir.sender.test', 'x.test', 'pass'),
    ('127.0.0.31', 'bob@redir.sender.test', 'x.test', 'fail'),
    ('127.0.0.10', 'alice@macro.sender.test', 'x.test', 'pass'),
    ('127.0.0.10', 'carol@macro.sender.test', 'x.test', 'fail'),
    ('127.0.0.10', 'bob@ptr.sender.test', 'x.test', 'pass'),
    ('127.0.0.11', 'bob@ptr.sender.test', 'x.test', 'fail'),
    ('127.0.0.10', 'bob@two.sender.test', 'x.test', 'permerror'),
    ('127.0.0.10', 'bob@voids.sender.test', 'x.test', 'permerror'),
    ('127.0.0.10', 'bob@bad.sender.test', 'x.test', 'permerror'),
    ('127.0.0.200', 'bob@cidr.sender.test', 'x.test', 'pass'),
    ('127.0.1.10', 'bob@cidr.sender.test', 'x.test', 'fail'),
    ('127.0.0.10', 'bob@l0.sender.test', 'x.test', 'permerror'),
    ('127.0.0.10', 'bob@l2.sender.test', 'x.test', 'pass'),
    ('127.0.0.10', 'bob@nothing.sender.test', 'x.test', 'none'),
]

PYSPF = '''
import json, sys, spf
out = []
for ip, s, h in json.loads(sys.argv[1]):
    out.append(spf.check2(i=ip, s=s, h=h)[0])
print(json.dumps(out))
'''


def results(c):
    b = bed(c)
    b.resolv_conf('nameserver 127.0.0.1\noptions trust-ad edns0\n')
    argv = [DNSQ]
    for ip, s, h, _ in CASES:
        argv += ['SPF', '%s,%s,%s' % (ip, s, h)]
    ours = b.run(argv, timeout=120)
    lines = [l for l in ours.stdout.decode().splitlines() if ' SPF ' in l]
    c.need(len(lines) == len(CASES), 'dnsq: %r %r' % (ours.stdout,
                                                      ours.stderr))
    mine = [re.search(r' SPF result=(?P<result>\S+) lookups=(?P<lookups>\d+)'
                      r' mechanism=(?P<mechanism>.*) reason=', l).groupdict()
            for l in lines]
    theirs = b.run(['/usr/bin/python3', '-c', PYSPF,
                    json.dumps([case[:3] for case in CASES])], timeout=120)
    c.need(theirs.returncode == 0, 'pyspf: %r' % theirs.stderr)
    return mine, json.loads(theirs.stdout)


def test_against_pyspf(c):
    mine, theirs = results(c)
    for (ip, s, h, want), m, t in zip(CASES, mine, theirs):
        c.eq(m['result'], t, '%s from %s: dsmtp vs pyspf' % (s, ip))
        c.eq(m['result'], want, '%s from %s: dsmtp vs RFC 7208' % (s, ip))
    limit = mine[[i for i, k in enumerate(CASES) if 'l0.' in k[1]][0]]
    c.eq(limit['lookups'], '11', 'lookups counted when the limit is hit')


# The same records and cases with addresses that are not loopback
# (TEST-NET-2, RFC 5737): libspf2 lets every loopback client pass, so it
# can judge only these.
def public(text):
    for a, b in (('sender.test', 'pub.test'), ('127.0.1.', '198.51.101.'),
                 ('127.0.0.', '198.51.100.'), ('ip6:::1', 'ip6:2001:db8::1'),
                 ('10.0.0.127.alice', '10.100.51.198.alice')):
        text = text.replace(a, b)
    return text


PUB_ZONES = {
    'pub.test': public(dnsbed.SENDER_ZONE),
    '100.51.198.in-addr.arpa': '$ORIGIN 100.51.198.in-addr.arpa.\n'
    '$TTL 30\n@ SOA ns.example.test. hostmaster.example.test. 1 3600 600 '
    '86400 30\n@ NS ns.example.test.\n10 PTR out.pub.test.\n',
}
PUB_CASES = [(('2001:db8::1' if ip == '::1' else public(ip)), public(s),
              public(h), want) for ip, s, h, want in CASES]
PUB_BED = {}


def pub_bed(c):
    if 'bed' not in PUB_BED:
        why = dnsbed.problem()
        if why is not None:
            c.skip(why)
        PUB_BED['bed'] = dnsbed.Bed(zones=PUB_ZONES)
        PUB_BED['bed'].ns += '-pub'
        PUB_BED['bed'].netns_etc += '-pub'
        PUB_BED['bed'].start()
        atexit.register(PUB_BED['bed'].stop)
    return PUB_BED['bed']


def ours(b, cases):
    b.resolv_conf('nameserver 127.0.0.1\noptions trust-ad edns0\n')
    argv = [DNSQ]
    for ip, s, h, _ in cases:
        argv += ['SPF', '%s,%s,%s' % (ip, s, h)]
    res = b.run(argv, timeout=120)
    return [re.search(r' SPF result=(\S+)', l).group(1)
            for l in res.stdout.decode().splitlines() if ' SPF ' in l]


# Where libspf2 1.2.10 (Debian 12's spfquery) is known to answer against
# RFC 7208, and what it answers: pyspf and dsmtp give the RFC's result.
LIBSPF2_WRONG = {
    # the void lookup limit (RFC 7208 4.6.4) came after libspf2
    'bob@voids.pub.test': 'pass',
    # the 10-lookup limit is not applied across a chain of includes (4.6.4)
    'bob@l0.pub.test': 'pass',
    # %{l1r+} of a local part without "+" must be the local part whole
    # (7.3: no delimiter, one part); libspf2 expands it to something else
    'alice@macro.pub.test': 'fail',
}


def spfquery(b, ip, s, h):
    """libspf2's verdict: the first line spfquery prints after its error
    block (StartError ... EndError), if any."""
    res = b.run(['spfquery', '-ip', ip, '-sender', s, '-helo', h],
                timeout=60)
    lines, skip = [], False
    for line in res.stdout.decode().splitlines():
        if line == 'StartError':
            skip = True
        elif line == 'EndError':
            skip = False
        elif not skip and line.strip():
            lines.append(line.strip())
    # A record it cannot compile is "(invalid)" here: RFC 7208's
    # permerror.
    if lines and lines[0] == '(invalid)':
        return 'permerror'
    return lines[0] if lines else 'no output: %r' % res.stderr


def test_against_libspf2(c):
    if not shutil.which('spfquery'):
        c.skip('spfquery (libspf2) is not installed')
    b = pub_bed(c)
    mine = ours(b, PUB_CASES)
    c.need(len(mine) == len(PUB_CASES), 'dnsq gave %d results' % len(mine))
    for (ip, s, h, want), m in zip(PUB_CASES, mine):
        got = spfquery(b, ip, s, h)
        c.eq(m, want, '%s from %s: dsmtp vs RFC 7208' % (s, ip))
        if s in LIBSPF2_WRONG:
            c.eq(got, LIBSPF2_WRONG[s], '%s from %s: libspf2\'s known '
                 'deviation (if this changed, look again)' % (s, ip))
        else:
            c.eq(m, got, '%s from %s: dsmtp vs libspf2' % (s, ip))


TESTS = [
    ('SPF: %d cases, the same result as pyspf' % len(CASES),
     test_against_pyspf),
    ('SPF: the same cases, the same result as libspf2\'s spfquery (but '
     'for its three known deviations from RFC 7208)',
     test_against_libspf2),
]

if __name__ == '__main__':
    T.main(TESTS)
