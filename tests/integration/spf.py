#!/usr/bin/python3
"""spf.py - dsmtp's SPF evaluator (src/spf.c) against pyspf, over a real
resolver.

Both ask the same validating unbound in the DNS test bed
(tests/lib/dnsbed.py, zone sender.test) for the same questions: records
with mx, a, include, ip4/ip6 with CIDR lengths, ~all, ?all, redirect,
exists with macros, ptr, two SPF records, three void lookups, a bad
length, a chain of eleven includes.  The results must be equal, case by
case; the expected result is also stated, so an oracle that changes its
mind is noticed too."""

import json
import os
import re
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


TESTS = [
    ('SPF: %d cases, the same result as pyspf' % len(CASES),
     test_against_pyspf),
]

if __name__ == '__main__':
    T.main(TESTS)
