#!/usr/bin/python3
"""dkim.py - DKIM signing (spec section 3 dkim_* commands, 4 item 5, 6):
keys made here (certtool, openssl, dsmtp --dkim-keygen), a corpus of awkward
messages sent through dsmtp into the recording SMTP server, and what ARRIVED
verified by independent verifiers: dkimpy (python3-dkim), opendkim in test
mode (TestPublicKeys) and Mail::DKIM (libmail-dkim-perl, RSA only).  A
signature counts as good only when every verifier passes it; tampered copies
must fail with each of them."""

import atexit
import base64
import binascii
import hashlib
import logging
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True     # the source tree may be read-only
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..', 'lib'))
import dsmtptest as T                                    # noqa: E402
from smtpserver import SmtpServer                        # noqa: E402

EX_NOPERM = 77
DOMAIN = 'example.com'
# Every key is published under each of these (the corpus uses them all).
DOMAINS = ('example.com', 'example.org', 'signer.example.net',
           'football.example.com')
MAIN_KEYS = ('r2048', 'r4096', 'ed')          # the corpus: three signatures
PAIR_KEYS = ('r2048', 'ed')                   # canonicalisation runs
CANONS = ('relaxed/relaxed', 'relaxed/simple', 'simple/relaxed',
          'simple/simple')
# Default h= must cover these where present (spec section 3).
DEFAULT_SIGNED = ('from', 'to', 'cc', 'subject', 'date', 'message-id',
                  'reply-to', 'mime-version', 'content-type',
                  'content-transfer-encoding')
MEMORY_LIMIT_KB = 8 * 1024
FLAT_KB = 2 * 1024             # 10 MB vs a small message
BIG_BYTES = 10 * 1024 * 1024

# RFC 8463 Appendix A (see tests/data/dkim/rfc8463-vector.txt):
# the Ed25519 seed and the 1024-bit RSA key (PKCS#1), their DNS records and
# the message signed with both.
RFC_SEED_B64 = 'nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A='
RFC_ED_PUB = '11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo='
RFC_RSA_PEM = '''-----BEGIN RSA PRIVATE KEY-----
MIICXQIBAAKBgQDkHlOQoBTzWRiGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQi
Y/J16JYi0Qvx/byYzCNb3W91y3FutACDfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqM
KrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3Ip3G+2kryOTIKT+l/K4w3QIDAQAB
AoGAH0cxOhFZDgzXWhDhnAJDw5s4roOXN4OhjiXa8W7Y3rhX3FJqmJSPuC8N9vQm
6SVbaLAE4SG5mLMueHlh4KXffEpuLEiNp9Ss3O4YfLiQpbRqE7Tm5SxKjvvQoZZe
zHorimOaChRL2it47iuWxzxSiRMv4c+j70GiWdxXnxe4UoECQQDzJB/0U58W7RZy
6enGVj2kWF732CoWFZWzi1FicudrBFoy63QwcowpoCazKtvZGMNlPWnC7x/6o8Gc
uSe0ga2xAkEA8C7PipPm1/1fTRQvj1o/dDmZp243044ZNyxjg+/OPN0oWCbXIGxy
WvmZbXriOWoSALJTjExEgraHEgnXssuk7QJBALl5ICsYMu6hMxO73gnfNayNgPxd
WFV6Z7ULnKyV7HSVYF0hgYOHjeYe9gaMtiJYoo0zGN+L3AAtNP9huqkWlzECQE1a
licIeVlo1e+qJ6Mgqr0Q7Aa7falZ448ccbSFYEPD6oFxiOl9Y9se9iYHZKKfIcst
o7DUw1/hz2Ck4N5JrgUCQQCyKveNvjzkkd8HjYs0SwM0fPjK16//5qDZ2UiDGnOe
uEzxBDAr518Z8VFbR41in3W4Y3yCDgQlLlcETrS+zYcL
-----END RSA PRIVATE KEY-----
'''
RFC_RSA_PUB = ('MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWRiGs5V6NpP3'
               'idY6Wk08a5qhdR6wy5bdOKb2jLQiY/J16JYi0Qvx/byYzCNb3W91y3FutACD'
               'fzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqMKrM3rG4hstT5QjvHO9PzoxZyVYLz'
               'BfO2EeC3Ip3G+2kryOTIKT+l/K4w3QIDAQAB')

RFC_SIGNED = b'\r\n'.join([
    b'DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed;',
    b' d=football.example.com; i=@football.example.com;',
    b' q=dns/txt; s=brisbane; t=1528637909; h=from : to :',
    b' subject : date : message-id : from : subject : date;',
    b' bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;',
    b' b=/gCrinpcQOoIfuHNQIbq4pgh9kyIK3AQUdt9OdqQehSwhEIug4D11Bus',
    b' Fa3bT3FY5OsU7ZbnKELq+eXdp1Q1Dw==',
    b'DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed;',
    b' d=football.example.com; i=@football.example.com;',
    b' q=dns/txt; s=test; t=1528637909; h=from : to : subject :',
    b' date : message-id : from : subject : date;',
    b' bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;',
    b' b=F45dVWDfMbQDGHJFlXUNB2HKfbCeLRyhDXgFpEL8GwpsRe0IeIixNTe3',
    b' DhCVlUrSjV4BwcVcOF6+FF3Zo9Rpo1tFOeS9mPYQTnGdaSGsgeefOsk2Jz',
    b' dA+L10TeYt9BgDfQNZtKdN1WO//KgIqXP7OdEFE4LjFYNcUxZQ4FADY+8=',
    b'From: Joe SixPack <joe@football.example.com>',
    b'To: Suzie Q <suzie@shopping.example.net>',
    b'Subject: Is dinner ready?',
    b'Date: Fri, 11 Jul 2003 21:00:37 -0700 (PDT)',
    b'Message-ID: <20030712040037.46341.5F8J@football.example.com>',
    b'', b'Hi.', b'', b'We lost the game.  Are you hungry yet?', b'',
    b'Joe.', b''])

# Mail::DKIM with its DNS query replaced by a table read from a file; one
# process for the whole run: "KEYS<TAB>MESSAGE" in, one line per signature
# ("b<TAB>algorithm<TAB>result<TAB>detail") and "END" out.
MAILDKIM_PL = r'''
use strict; use warnings;
use Mail::DKIM::Verifier; use Mail::DKIM::DNS; use Net::DNS;
$| = 1;
my %txt;
{
    no warnings 'redefine';
    *Mail::DKIM::DNS::query = sub {
        my ($d, $t) = @_;
        $d = lc $d; $d =~ s/\.$//;
        my $v = $txt{$d};
        if (!defined $v || uc $t ne 'TXT') { $@ = 'NXDOMAIN'; return; }
        my @s = ($v =~ /(.{1,255})/gs);
        return Net::DNS::RR->new(name => $d, type => 'TXT', txtdata => [@s]);
    };
}
while (my $line = <STDIN>) {
    chomp $line;
    my ($keys, $msg) = split /\t/, $line, 2;
    my $ok = eval {
        %txt = ();
        open my $k, '<', $keys or die "$keys: $!\n";
        while (<$k>) {
            chomp;
            my ($n, $v) = split / /, $_, 2;
            next unless defined $v;
            $n = lc $n; $n =~ s/\.$//;
            $txt{$n} = $v;
        }
        close $k;
        my $dkim = Mail::DKIM::Verifier->new;
        open my $m, '<:raw', $msg or die "$msg: $!\n";
        my $buf;
        while (read($m, $buf, 65536)) { $dkim->PRINT($buf); }
        close $m;
        $dkim->CLOSE;
        for my $s ($dkim->signatures) {
            my $b = $s->get_tag('b') // ''; $b =~ s/\s+//g;
            my $d = $s->result_detail // ''; $d =~ s/[\t\r\n]/ /g;
            print join("\t", $b, $s->algorithm // '', $s->result // '', $d),
                "\n";
        }
        1;
    };
    if (!$ok) { my $e = $@; $e =~ s/[\t\r\n]/ /g; print "ERROR\t$e\n"; }
    print "END\n";
}
'''


# -- the run's scratch space and keys ----------------------------------------

class Run:
    """Scratch directory, published keys and verifier processes of one run;
    everything is removed or ended at exit."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix='dsmtp-dkim-')
        atexit.register(self.close)
        self.records = {}          # 'sel._domainkey.dom' -> TXT value
        self.files = {}            # selector -> key file
        self.algs = {}             # selector -> a= value it must produce
        self.setup_problems = None
        self.perl = None
        self.serial = 0

    def close(self):
        if self.perl is not None:
            try:
                self.perl.stdin.close()
                self.perl.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                self.perl.kill()
                self.perl.wait()
            self.perl = None
        shutil.rmtree(self.dir, ignore_errors=True)

    def path(self, name):
        return os.path.join(self.dir, name)

    def scratch(self, suffix):
        self.serial += 1
        return self.path('%04d%s' % (self.serial, suffix))

    # -- keys ------------------------------------------------------------
    def publish(self, sel, record, path=None, alg=None, domains=DOMAINS):
        for dom in domains:
            self.records['%s._domainkey.%s' % (sel, dom)] = record
        if path:
            self.files[sel] = path
            self.algs[sel] = alg
        with open(self.path('keys.tmp'), 'w') as f:
            for name, value in sorted(self.records.items()):
                f.write('%s %s\n' % (name, value))
        os.rename(self.path('keys.tmp'), self.path('keys'))
        with open(self.path('opendkim.conf'), 'w') as f:
            # opendkim verifies only the top three signatures by default.
            f.write('Mode v\nSyslog no\nMaximumSignaturesToVerify 20\n'
                    'TestPublicKeys %s\n' % self.path('keys'))

    def key_lines(self, c, sels):
        for s in sels:
            c.need(s in self.files, 'key %s was not made (see the key tests)'
                   % s)
        return ['dkim_key %s %s' % (s, self.files[s]) for s in sels]


RUN = Run()


def sh(argv, data=None, timeout=60):
    p = subprocess.run(argv, input=data, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def spki_der(path):
    """DER SubjectPublicKeyInfo of a private key file (openssl), or None."""
    code, out, _ = sh(['openssl', 'pkey', '-in', path, '-pubout',
                       '-outform', 'DER'])
    return out if code == 0 and out else None


def record_for(path, kind):
    der = spki_der(path)
    if der is None:
        return None
    if kind == 'rsa':
        return 'v=DKIM1; k=rsa; p=' + base64.b64encode(der).decode()
    return 'v=DKIM1; k=ed25519; p=' + base64.b64encode(der[-32:]).decode()


def make_keys(c):
    """RSA-2048 with certtool (bare PKCS#1 and with certtool's text in front
    of the PEM), RSA-4096 and Ed25519 with openssl genpkey (PKCS#8), the
    RFC 8463 keys (raw Ed25519 seed, 1024-bit PKCS#1 RSA) and a 512-bit key;
    each file 0600 and its record published."""
    if RUN.setup_problems is not None:
        return RUN.setup_problems
    todo = [
        ('r2048', 'rsa', ['certtool', '--generate-privkey', '--key-type=rsa',
                          '--bits=2048', '--no-text', '--outfile']),
        ('r2048txt', 'rsa', ['certtool', '--generate-privkey',
                             '--key-type=rsa', '--bits=2048', '--outfile']),
        ('r4096', 'rsa', ['openssl', 'genpkey', '-algorithm', 'RSA',
                          '-pkeyopt', 'rsa_keygen_bits:4096', '-out']),
        ('ed', 'ed25519', ['openssl', 'genpkey', '-algorithm', 'ed25519',
                           '-out']),
        ('r512', 'rsa', ['openssl', 'genpkey', '-algorithm', 'RSA',
                         '-pkeyopt', 'rsa_keygen_bits:512', '-out']),
    ]
    problems = []
    for sel, kind, argv in todo:
        path = RUN.path(sel + '.pem')
        try:
            code, _, err = sh(argv + [path], timeout=120)
        except (OSError, subprocess.TimeoutExpired) as e:
            code, err = -1, str(e).encode()
        if code != 0:
            problems.append('%s: %s failed: %s' % (sel, argv[0], T.short(err)))
            continue
        os.chmod(path, 0o600)
        rec = record_for(path, kind)
        if rec is None:
            problems.append('%s: openssl cannot read %s' % (sel, path))
            continue
        RUN.publish(sel, rec, path, kind + '-sha256')
    T.write_file(RUN.path('seed.b64'), RFC_SEED_B64 + '\n')
    RUN.publish('seed', 'v=DKIM1; k=ed25519; p=' + RFC_ED_PUB,
                RUN.path('seed.b64'), 'ed25519-sha256')
    T.write_file(RUN.path('r1024.pem'), RFC_RSA_PEM)
    RUN.publish('r1024', 'v=DKIM1; k=rsa; p=' + RFC_RSA_PUB,
                RUN.path('r1024.pem'), 'rsa-sha256')
    # The RFC 8463 message's own signatures.
    RUN.publish('brisbane', 'v=DKIM1; k=ed25519; p=' + RFC_ED_PUB,
                domains=('football.example.com',))
    RUN.publish('test', 'v=DKIM1; k=rsa; p=' + RFC_RSA_PUB,
                domains=('football.example.com',))
    if os.path.exists(RUN.path('r2048txt.pem')):
        with open(RUN.path('r2048txt.pem'), 'rb') as f:
            head = f.read(200)
        if head.startswith(b'-----BEGIN'):
            problems.append('certtool wrote no text before the PEM block: '
                            'the preamble case is not tested')
    RUN.setup_problems = problems
    return problems


def test_make_keys(c):
    start = time.monotonic()
    for p in make_keys(c):
        c.fail(p)
    c.true(time.monotonic() - start < 60, 'key generation took %.1f s'
           % (time.monotonic() - start))


# -- dsmtp --dkim-keygen and its TXT record -----------------------------------

def parse_txt_record(c, out):
    """(owner name, [character strings]) of the record in keygen output."""
    text = out.decode('utf-8', 'replace')
    m = re.search(r'^(\S+)\s+(?:\d+\s+)?IN\s+TXT\s+\((.*?)\)', text,
                  re.M | re.S)
    c.need(m is not None, 'no "NAME IN TXT ( ... )" record in the output: %s'
           % T.short(out))
    strings = re.findall(r'"((?:[^"\\]|\\.)*)"', m.group(2))
    rest = re.sub(r'"((?:[^"\\]|\\.)*)"', '', m.group(2))
    rest = re.sub(r';[^\n]*', '', rest)     # zone-file comments
    c.true(not rest.strip(), 'text between the strings of the record: %r'
           % rest.strip())
    return m.group(1), strings


def tags(value):
    """Tag=value list (RFC 6376 3.2) with folding whitespace removed."""
    out = {}
    for part in re.sub(r'\r?\n', '', value).split(';'):
        if '=' in part:
            k, v = part.split('=', 1)
            out[k.strip()] = v.strip()
    return out


def keygen(c, kind, sel):
    key = RUN.path('kg-%s.key' % kind)
    argv = ['--dkim-keygen', '--selector=' + sel, '--keygen-domain=' + DOMAIN]
    if kind == 'ed25519':
        argv.insert(1, '--key-type=ed25519')
    with T.sandbox() as box:
        res = T.run(argv + [key], box=box)
    c.exit(res, T.EX_OK)
    c.need(res.code == 0 and os.path.exists(key), 'no key file written')
    mode = stat.S_IMODE(os.stat(key).st_mode)
    c.eq(mode, 0o600, 'mode of the key file')
    name, strings = parse_txt_record(c, res.out)
    c.eq(name, '%s._domainkey.%s.' % (sel, DOMAIN), 'record owner name')
    for s in strings:
        c.true(len(s.encode()) <= 255, 'TXT string of %d octets: %s'
               % (len(s.encode()), T.short(s)))
    c.need(strings, 'no strings in the record')
    record = ''.join(strings)
    t = tags(record)
    c.eq(t.get('v'), 'DKIM1', 'v= of the record %r' % record)
    c.eq(t.get('k'), kind, 'k= of the record')
    c.need('p' in t, 'no p= in %r' % record)
    try:
        p = base64.b64decode(t['p'], validate=True)
    except binascii.Error as e:
        c.need(False, 'p= is not base64: %s' % e)
    return key, record, p, res


def test_keygen_rsa(c):
    key, record, p, res = keygen(c, 'rsa', 'kgrsa')
    # p= must be a SubjectPublicKeyInfo (not bare PKCS#1) of a 2048-bit key,
    # the public half of the key written to the file.
    code, text, err = sh(['openssl', 'pkey', '-pubin', '-inform', 'DER',
                          '-text', '-noout'], p)
    c.true(code == 0, 'openssl cannot read p= as a public key: %s'
           % T.short(err))
    c.true(b'(2048 bit)' in text, 'p= is not a 2048-bit key: %s'
           % T.short(text[:80]))
    c.true(p[:1] == b'\x30' and b'\x2a\x86\x48\x86\xf7\x0d\x01\x01\x01' in
           p[:24], 'p= has no rsaEncryption AlgorithmIdentifier: it is not '
           'a SubjectPublicKeyInfo: %s' % T.short(p[:24]))
    c.eq(p, spki_der(key), 'p= against the public key of the key file')
    c.true(len(strings_of(res.out)) >= 2,
           'a 2048-bit key record in a single string (over 255 octets?)')
    RUN.publish('kgrsa', record, key, 'rsa-sha256')


def strings_of(out):
    m = re.search(rb'\((.*?)\)', out, re.S)
    return re.findall(rb'"([^"]*)"', m.group(1)) if m else []


def test_keygen_ed25519(c):
    key, record, p, res = keygen(c, 'ed25519', 'kged')
    c.eq(len(p), 32, 'length of the decoded Ed25519 p= (raw key, not SPKI)')
    c.eq(p, ed25519_public(c, key), 'p= against the public key of the key '
         'file')
    RUN.publish('kged', record, key, 'ed25519-sha256')


def ed25519_public(c, path):
    """The raw public key of an Ed25519 key file: PEM (openssl) or the
    base64 of a 32-byte seed (python3-nacl)."""
    der = spki_der(path)
    if der is not None:
        return der[-32:]
    with open(path, 'rb') as f:
        try:
            seed = base64.b64decode(f.read().strip(), validate=True)
        except binascii.Error:
            seed = b''
    c.need(len(seed) == 32, 'the key file %s is neither PEM nor a base64 '
           'seed' % path)
    try:
        import nacl.signing
    except ImportError:
        raise T.Skip('python3-nacl is needed to read a raw Ed25519 seed')
    return bytes(nacl.signing.SigningKey(seed).verify_key)


def test_keygen_default_type(c):
    """--dkim-keygen without --key-type makes RSA-2048 (spec section 2)."""
    key = RUN.path('kg-default.key')
    with T.sandbox() as box:
        res = T.run(['--dkim-keygen', '--selector=dflt',
                     '--keygen-domain=' + DOMAIN, key], box=box)
    c.exit(res, T.EX_OK)
    _, strings = parse_txt_record(c, res.out)
    c.eq(tags(''.join(strings)).get('k'), 'rsa', 'k= of the default key')


# -- verifiers ----------------------------------------------------------------

class Sig:
    """One DKIM-Signature field of an arrived message."""

    def __init__(self, field):
        self.field = field
        self.tags = tags(field.split(b':', 1)[1].decode('latin-1'))
        self.b = re.sub(r'\s', '', self.tags.get('b', ''))
        self.h = [n.strip().lower() for n in
                  self.tags.get('h', '').split(':')]

    @property
    def label(self):
        return 'd=%s s=%s a=%s' % (self.tags.get('d'), self.tags.get('s'),
                                   self.tags.get('a'))

    @property
    def rsa(self):
        return self.tags.get('a', '').startswith('rsa')


def signatures(content):
    fields, _ = T.split_message(content)
    return [Sig(f) for f in T.fields_named(fields, 'dkim-signature')]


def dns_txt(name, timeout=5):
    key = name.decode() if isinstance(name, bytes) else name
    value = RUN.records.get(key.rstrip('.').lower())
    return value.encode() if value is not None else None


class _Collect(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.lines = []

    def emit(self, record):
        self.lines.append(record.getMessage())


def dkimpy():
    """The dkimpy module (python3-dkim); this file is dkim.py too, so its
    directory is kept off the path while importing."""
    here = os.path.dirname(os.path.abspath(__file__))
    saved = sys.path[:]
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or '.') != here]
    try:
        import dkim
        dkim.DKIM
    except (ImportError, AttributeError) as e:
        raise T.Skip('python3-dkim (dkimpy) is not importable by %s: %s'
                     % (sys.executable, e))
    finally:
        sys.path[:] = saved
    return dkim


def dkimpy_verify(content, sigs):
    """[(passed, detail)] per signature, from dkimpy run in this process."""
    dkim = dkimpy()
    out = []
    for i in range(len(sigs)):
        log = logging.getLogger('dkimpy-%d' % RUN.serial)
        RUN.serial += 1
        log.propagate = False
        log.setLevel(logging.DEBUG)
        h = _Collect()
        log.addHandler(h)
        try:
            ok = dkim.DKIM(content, logger=log).verify(idx=i, dnsfunc=dns_txt)
            detail = '' if ok else '; '.join(
                l for l in h.lines if not l.startswith(('sig:', 'hash'))
            )[-300:]
        except dkim.DKIMException as e:
            ok, detail = False, '%s: %s' % (type(e).__name__, e)
        log.removeHandler(h)
        out.append((ok, detail or 'no reason given'))
    return out


def dkimpy_cannot_parse(msg):
    """dkimpy's complaint when it cannot even parse msg (obsolete header
    syntax it does not take), else None."""
    dkim = dkimpy()
    try:
        dkim.DKIM(msg)
    except dkim.MessageFormatError as e:
        return str(e)
    return None


def reference_signed(content, sig):
    """content with dsmtp's signatures replaced by one that dkimpy makes
    with sig's key, c= and h=; None when that cannot be done or does not
    verify with dkimpy itself."""
    dkim = dkimpy()
    sel = sig.tags.get('s')
    if not sig.rsa or sel not in RUN.files:
        return None
    with open(RUN.files[sel], 'rb') as f:
        key = f.read()
    key = key[key.find(b'-----BEGIN'):]        # certtool's text before it
    fields, body = T.split_message(content)
    ours = {s.field for s in signatures(content) if s.tags.get('s') in
            RUN.files}
    bare = b''.join(f for f in fields if f not in ours) + b'\r\n' + body
    hc, _, bc = (sig.tags.get('c', 'simple') + '/simple').partition('/')
    try:
        ref = dkim.sign(bare, sel.encode(), sig.tags['d'].encode(), key,
                        canonicalize=(hc.encode(), bc.split('/')[0].encode()),
                        include_headers=[n.encode() for n in sig.h]) + bare
        ok = dkim.DKIM(ref).verify(idx=0, dnsfunc=dns_txt)
    except dkim.DKIMException:
        return None
    return ref if ok else None


def opendkim_excuse(content, failed):
    """A reason to SKIP opendkim when it also rejects the same message
    signed by dkimpy with the same key, c= and h= (a limitation of
    opendkim -t, e.g. it loses the exact whitespace after a header's colon
    under simple header canonicalisation); else None."""
    for sig in failed:
        ref = reference_signed(content, sig)
        if ref is None:
            continue
        rsig = signatures(ref)[0]
        ok, detail = opendkim_verify(ref, [rsig])[0]
        if not ok:
            return ('opendkim -t rejects this message even when dkimpy signs '
                    'it with the same key, c=%s and h= (%s); dsmtp\'s '
                    'signatures are judged by the other verifiers'
                    % (sig.tags.get('c'), detail[:120]))
        return None
    return None


def opendkim_verify(content, sigs):
    """[(passed, detail)] per signature, from the Authentication-Results
    header that opendkim -t -vvv prints (it exits 0 whatever happens)."""
    exe = shutil.which('opendkim') or '/usr/sbin/opendkim'
    if not os.access(exe, os.X_OK):
        raise T.Skip('opendkim is not installed (apt-get install opendkim '
                     'opendkim-tools)')
    msg = RUN.scratch('.eml')
    with open(msg, 'wb') as f:
        f.write(content)
    code, out, err = sh([exe, '-x', RUN.path('opendkim.conf'), '-vvv', '-t',
                         msg])
    os.unlink(msg)
    text = (out + err).decode('utf-8', 'replace')
    m = re.search(r"hname='Authentication-Results' hvalue='(.*?)'", text,
                  re.S)
    entries = []
    if m:
        for part in m.group(1).split(';'):
            part = ' '.join(part.split())
            r = re.match(r'dkim=(\S+)', part)
            b = re.search(r'header\.b=(\S+)', part)
            if r:
                entries.append((r.group(1), b.group(1) if b else '', part))
    res = []
    for s in sigs:
        mine = [e for e in entries if e[1] and s.b.startswith(e[1])]
        if len(mine) == 1:
            res.append((mine[0][0] == 'pass', mine[0][2]))
        else:
            res.append((False, 'no single verdict for b=%s... in: %s'
                        % (s.b[:12], T.short(text[-600:]))))
    return res


def maildkim_verify(content, sigs):
    """[(passed, detail)] per RSA signature (Mail::DKIM has no Ed25519)."""
    if RUN.perl is None:
        if sh(['perl', '-MMail::DKIM::Verifier', '-MNet::DNS', '-e1'])[0]:
            raise T.Skip('Mail::DKIM is not installed (apt-get install '
                         'libmail-dkim-perl)')
        script = RUN.path('maildkim.pl')
        with open(script, 'w') as f:
            f.write(MAILDKIM_PL)
        RUN.perl = subprocess.Popen(['perl', script], stdin=subprocess.PIPE,
                                    stdout=subprocess.PIPE,
                                    universal_newlines=True)
    msg = RUN.scratch('.eml')
    with open(msg, 'wb') as f:
        f.write(content)
    RUN.perl.stdin.write('%s\t%s\n' % (RUN.path('keys'), msg))
    RUN.perl.stdin.flush()
    lines = []
    while True:
        line = RUN.perl.stdout.readline()
        if not line:
            raise RuntimeError('the Mail::DKIM process ended')
        if line == 'END\n':
            break
        lines.append(line.rstrip('\n').split('\t'))
    os.unlink(msg)
    errors = [l for l in lines if l[0] == 'ERROR']
    res = []
    for s in sigs:
        mine = [l for l in lines if l[0] == s.b and len(l) == 4]
        if len(mine) == 1:
            res.append((mine[0][2] == 'pass', '%s (%s)' % (mine[0][2],
                                                           mine[0][3])))
        else:
            res.append((False, 'no single verdict for b=%s...: %s'
                        % (s.b[:12], T.short(errors or lines))))
    return res


VERIFIERS = (('dkimpy', dkimpy_verify, False),
             ('opendkim', opendkim_verify, False),
             ('Mail::DKIM', maildkim_verify, True))    # rsa only


def verdicts(name, content, sigs):
    fn, rsa_only = {v[0]: v[1:] for v in VERIFIERS}[name]
    if rsa_only:
        sigs = [s for s in sigs if s.rsa]
        if not sigs:
            raise T.Skip('%s cannot verify ed25519-sha256 (no RSA signature '
                         'here)' % name)
    return sigs, fn(content, sigs)


def expect_pass(c, name, content, what='', origin=None):
    """Every signature in content passes with verifier name.  origin is the
    message handed to dsmtp: a verifier that cannot parse even that (or
    opendkim rejecting a dkimpy-signed copy too) is a SKIP, not a pass."""
    sigs = signatures(content)
    c.need(sigs, 'no DKIM-Signature arrived')
    sigs, res = verdicts(name, content, sigs)
    failed = [s for s, (ok, _) in zip(sigs, res) if not ok]
    if failed and name == 'dkimpy' and origin is not None:
        why = dkimpy_cannot_parse(T.crlf(origin))
        if why:
            raise T.Skip('dkimpy cannot parse the input message itself: %s'
                         % why)
    if failed and name == 'opendkim':
        why = opendkim_excuse(content, failed)
        if why:
            raise T.Skip(why)
    for s, (ok, detail) in zip(sigs, res):
        c.true(ok, '%s%s rejects the signature %s: %s'
               % (what, name, s.label, detail))


def expect_fail(c, name, content, what):
    sigs = signatures(content)
    c.need(sigs, 'no DKIM-Signature in the %s message' % what)
    sigs, res = verdicts(name, content, sigs)
    for s, (ok, detail) in zip(sigs, res):
        c.true(not ok, '%s accepts the signature %s on the message with %s'
               % (name, s.label, what))


# -- sending through dsmtp ---------------------------------------------------

class Case:
    """One message sent once through dsmtp into a recording server; its
    checks share the run."""

    def __init__(self, name, msg, keys=MAIN_KEYS, argv=('-i',
                 'to@example.org'), extra=(), hide=(), check=None,
                 canon=None, domain=None, warn=False):
        self.name, self.msg, self.keys = name, msg, keys
        self.argv, self.extra, self.hide = list(argv), list(extra), hide
        self.check, self.canon, self.domain = check, canon, domain
        self.warn = warn
        self.done = None

    def run(self, c):
        if self.done is None:
            lines = ['qualify_domain ' + DOMAIN]
            lines += RUN.key_lines(c, self.keys)
            if self.canon:
                lines.append('dkim_canonicalization ' + self.canon)
            with T.sandbox() as box, SmtpServer(hide=self.hide) as srv:
                start = time.time()
                res = T.sendmail(box, srv.port, self.argv, self.msg,
                                 lines + self.extra, timeout=60)
                end = time.time()
                log = T.read_log(box)
            self.done = (res, srv, log, start, end)
        return self.done

    def get(self, c):
        res, srv, _, _, _ = self.run(c)
        c.need(res.code == 0 and len(srv.accepted) == 1,
               'want exit 0 and 1 accepted transaction, got exit %s and %d; '
               'stderr %s' % (res.code, len(srv.accepted), T.short(res.err)))
        return srv.accepted[0]

    def new_sigs(self, content):
        """The signatures dsmtp added (those not already in the input)."""
        old = T.fields_named(T.split_message(T.crlf(self.msg))[0],
                             'dkim-signature')
        return [s for s in signatures(content) if s.field not in old]


def check_sent(case, c):
    """Exit 0, the wire form, one signature per key with the configured
    tags, and the case's own checks of what arrived."""
    res, srv, log, start, end = case.run(c)
    c.exit(res, T.EX_OK)
    c.no_stdout(res)
    if case.warn:
        c.true(b'1024' in res.err, 'no warning about the 1024-bit key on '
               'stderr: %s' % T.short(res.err))
    else:
        c.eq(res.err, b'', 'standard error')
    txn = case.get(c)
    T.check_wire(c, txn.raw)
    fields, body = T.split_message(txn.content)
    new = case.new_sigs(txn.content)
    c.eq(len(new), len(case.keys), 'number of DKIM-Signature fields added')
    for sel in case.keys:
        mine = [s for s in new if s.tags.get('s') == sel]
        if c.eq(len(mine), 1, 'signatures with s=%s' % sel):
            check_tags(c, case, sel, mine[0], fields, start, end)
    if case.check:
        case.check(c, case, txn, fields, body)


def check_tags(c, case, sel, sig, fields, start, end):
    t = sig.tags
    what = 'signature for %s: ' % sel
    c.eq(t.get('v'), '1', what + 'v=')
    c.eq(t.get('a'), RUN.algs[sel], what + 'a=')
    c.eq(t.get('s'), sel, what + 's=')
    c.eq(t.get('d'), case.domain or DOMAIN, what + 'd=')
    canon = t.get('c', 'simple/simple')
    if '/' not in canon:
        canon += '/simple'
    c.eq(canon, case.canon or 'relaxed/relaxed', what + 'c=')
    c.true('l' not in t, what + 'has l=%s' % t.get('l'))
    c.true(t.get('bh') and sig.b, what + 'no bh= or b=')
    try:
        ts = int(t.get('t', ''))
        c.true(start - 5 <= ts <= end + 5, what + 't=%d is not the time of '
               'sending (%d..%d)' % (ts, start, end))
    except ValueError:
        c.fail(what + 'no numeric t=: %r' % t.get('t'))
    if not any(l.startswith('dkim_headers') for l in case.extra):
        nfrom = len(T.fields_named(fields, 'from'))
        c.true(sig.h.count('from') > nfrom, what + 'From is not over-signed:'
               ' h=%s' % ':'.join(sig.h))
        present = {T.field_name(f) for f in fields}
        missing = [n for n in DEFAULT_SIGNED if n in present and
                   n not in sig.h]
        c.true(not missing, what + 'h= lacks %s' % missing)
    if not any(l.startswith('dkim_expire') for l in case.extra):
        c.true('x' not in t, what + 'x= without dkim_expire')


def verify_case(case, name, c):
    txn = case.get(c)
    expect_pass(c, name, txn.content, origin=case.msg)


# -- the corpus ---------------------------------------------------------------

def body_is(want):
    def check(c, case, txn, fields, body):
        c.eq(body, want, 'body that arrived')
    return check


def kept(*names):
    """The named fields of the input arrived byte for byte (after CRLF)."""
    def check(c, case, txn, fields, body):
        orig, _ = T.split_message(T.crlf(case.msg))
        for n in names:
            c.eq(T.fields_named(fields, n), T.fields_named(orig, n),
                 '%s fields on the wire' % n)
    return check


def both(*checks):
    def check(*a):
        for ch in checks:
            ch(*a)
    return check


def crlf_body(msg):
    return T.split_message(T.crlf(msg))[1]


def qp_body(c, content):
    fields, body = T.split_message(content)
    cte = [T.field_value(f).lower() for f in
           T.fields_named(fields, 'content-transfer-encoding')]
    c.eq(cte, ['quoted-printable'], 'Content-Transfer-Encoding fields')
    return binascii.a2b_qp(body)


def decodes_to(want):
    def check(c, case, txn, fields, body):
        c.eq(qp_body(c, txn.content), want, 'decoded body')
    return check


def only_7bit(c, case, txn, fields, body):
    c.true(not T.is_8bit(body), '8-bit octets in the body sent to a server '
           'without 8BITMIME')
    c.true(str(txn.mail_params.get('BODY', '7BIT')).upper() == '7BIT',
           'BODY=%s to a server without 8BITMIME'
           % txn.mail_params.get('BODY'))


def no_bcc(c, case, txn, fields, body):
    c.eq(T.fields_named(fields, 'bcc'), [], 'Bcc fields on the wire')
    c.true('hidden@example.org' in txn.rcpt_addrs, 'the Bcc recipient got '
           'no RCPT: %s' % txn.rcpt_addrs)


def one_from(c, case, txn, fields, body):
    c.eq(len(T.fields_named(fields, 'from')), 1, 'From fields on the wire')


def old_sigs_kept(c, case, txn, fields, body):
    old = T.fields_named(T.split_message(case.msg)[0], 'dkim-signature')
    c.eq([f for f in T.fields_named(fields, 'dkim-signature') if f in old],
         old, 'the DKIM-Signature fields of the input, byte for byte')
    c.eq(body, T.split_message(case.msg)[1], 'body')


def big_body():
    line = b'%07d the quick brown fox jumps over the lazy dog  \t0123456789\n'
    n = BIG_BYTES // len(line % 0) + 1
    return b''.join(line % i for i in range(n))


BIG = None


def big_message():
    global BIG
    if BIG is None:
        BIG = (b'From: Big <big@example.com>\nTo: to@example.org\n'
               b'Subject: ten megabytes\n\n' + big_body())
    return BIG


def big_check(c, case, txn, fields, body):
    want = crlf_body(case.msg)
    c.eq(len(body), len(want), 'body length')
    c.true(hashlib.sha256(body).digest() == hashlib.sha256(want).digest(),
           'body differs from the input')


LONG = b''.join(b'%04d-abcdefghij ' % i for i in range(125))[:2000]
FROM = b'From: Sender <sender@example.com>\n'
TO = b'To: Rcpt <to@example.org>\n'

CORPUS = [
    ('folded and tab-folded headers',
     FROM + TO + b'Subject: a subject\n  folded once\n\tand folded\n'
     b'\t with a tab\nX-Folded:\n\tstarts folded\nReferences: <a@x>\n'
     b'\t<b@x>\n \t<c@x>\n\nbody\n',
     kept('subject', 'x-folded', 'references')),
    ('trailing whitespace in headers and body',
     FROM + TO + b'Subject: trailing   \nX-Tab:\tvalue\t\t\n\n'
     b'line with spaces   \nline with tab\t\n   \n\t\n\n\n',
     both(kept('subject', 'x-tab'),
          body_is(b'line with spaces   \r\nline with tab\t\r\n   \r\n\t\r\n'
                  b'\r\n\r\n'))),
    ('header syntax corners (empty value, no space after the colon, WSP)',
     FROM + TO + b'Subject:no space after the colon\nX-Empty:\n'
     b'Reply-To:reply@example.com\nX-Spaces:   lots \t of   space   \n'
     b'\nbody\n', kept('subject', 'x-empty', 'reply-to', 'x-spaces')),
    ('WSP before the colon ("Subject :", obsolete syntax)',
     FROM + TO + b'Subject : space before the colon\n\nbody\n',
     kept('subject')),
    ('body of blank lines only',
     FROM + TO + b'Subject: blank lines\n\n\n\n\n', body_is(b'\r\n\r\n\r\n')),
    ('empty body',
     FROM + TO + b'Subject: empty body\n\n', body_is(b'')),
    ('headers only, no blank line',
     FROM + TO + b'Subject: headers only\n', body_is(b'')),
    ('no final newline',
     FROM + TO + b'Subject: no final newline\n\nfirst\nlast line',
     body_is(b'first\r\nlast line\r\n')),
    ('bare LF line endings',
     FROM + TO + b'Subject: bare LF\n\none\ntwo\n\nfour\n',
     body_is(b'one\r\ntwo\r\n\r\nfour\r\n')),
    ('mixed line endings',
     b'From: Sender <sender@example.com>\r\nTo: to@example.org\n'
     b'Subject: mixed\r\n\r\none\r\ntwo\nthree\r\n\nfive\n',
     body_is(b'one\r\ntwo\r\nthree\r\n\r\nfive\r\n')),
    ('stray CR in header and body',
     FROM + TO + b'Subject: stray\rCR\nX-CR: a\r b\n\nbody\rwith CR\n'
     b'end CR\r\r\n\rstart\n', None),
    ('8-bit body (8BITMIME server)',
     FROM + TO + b'Subject: 8bit\nMIME-Version: 1.0\n'
     b'Content-Type: text/plain; charset=utf-8\n'
     b'Content-Transfer-Encoding: 8bit\n\n'
     b'Gr\xc3\xbc\xc3\x9fe aus K\xc3\xb6ln \xe2\x82\xac\nlatin1 \xe9\xe8\n',
     both(body_is(b'Gr\xc3\xbc\xc3\x9fe aus K\xc3\xb6ln \xe2\x82\xac\r\n'
                  b'latin1 \xe9\xe8\r\n'),
          lambda c, case, txn, *_: c.eq(
              str(txn.mail_params.get('BODY', '')).upper(), '8BITMIME',
              'BODY= for an 8-bit body'))),
    ('raw UTF-8 headers',
     b'From: J\xc3\xb6rg M\xc3\xbcller <jm@example.com>\n' + TO +
     b'Subject: Gr\xc3\xbc\xc3\x9fe \xe2\x9c\x93\n'
     b'X-Note: \xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\n\nbody\n',
     kept('from', 'subject', 'x-note')),
    ('body lines over 998 octets (re-encoded quoted-printable)',
     FROM + TO + b'Subject: long lines\n\nshort\n' + LONG + b'\n' +
     LONG.replace(b' ', b'  ') + b'  \nend\n',
     decodes_to(b'short\r\n' + LONG + b'\r\n' + LONG.replace(b' ', b'  ') +
                b'  \r\nend\r\n')),
    ('header over 998 octets (folded by dsmtp)',
     FROM + TO + b'Subject: long header\nReferences: ' +
     b' '.join(b'<%04d.abcdefghij@example.com>' % i for i in range(80)) +
     b'\n\nbody\n', body_is(b'body\r\n')),
    ('body lines ".", ".." and ".x" (-i)',
     FROM + TO + b'Subject: dots\n\n.\n..\n.x\n. \nend\n.\n',
     body_is(b'.\r\n..\r\n.x\r\n. \r\nend\r\n.\r\n')),
    ('Bcc removed before signing (-t)',
     FROM + TO + b'Bcc: Hidden <hidden@example.org>\nSubject: bcc\n\nb\n',
     no_bcc),
    ('duplicate header fields',
     b'Received: from a by b; Mon, 1 Jan 2024 00:00:00 +0000\n'
     b'Received: from c by d; Mon, 1 Jan 2024 00:00:01 +0000\n' + FROM + TO +
     b'Comments: first\nComments: second\nKeywords: a\nKeywords: b\n'
     b'X-Dup: 1\nX-Dup: 2\nX-Dup: 3\nSubject: dups\n\nbody\n',
     kept('received', 'comments', 'keywords', 'x-dup')),
    ('odd header-name case (fRoM:, sUbJeCt:)',
     b'fRoM: Odd <odd@example.org>\ntO: to@example.org\n'
     b'sUbJeCt: odd case\nmEsSaGe-iD: <odd.1@example.org>\n\nbody\n',
     both(one_from, kept('from', 'subject', 'message-id'))),
    ('already signed (RFC 8463 A.3; its signatures stay)',
     RFC_SIGNED, old_sigs_kept),
]
CORPUS_ARGV = {'Bcc removed before signing (-t)': ('-i', '-t')}
CORPUS_DOMAIN = {'odd header-name case (fRoM:, sUbJeCt:)': 'example.org',
                 'already signed (RFC 8463 A.3; its signatures stay)':
                 'football.example.com'}


def corpus_cases(prefix, keys, canon=None, hide=()):
    out = []
    for name, msg, check in CORPUS:
        out.append(Case('%s: %s' % (prefix, name), msg, keys=keys,
                        argv=CORPUS_ARGV.get(name, ('-i', 'to@example.org')),
                        check=check, canon=canon,
                        domain=CORPUS_DOMAIN.get(name), hide=hide))
    return out


class BigCase(Case):
    """The 10 MB message, built only when first run."""

    def run(self, c):
        if self.msg is None:
            self.msg = big_message()
        return Case.run(self, c)


def case_tests(case):
    out = [(case.name + ': sent and signed as configured',
            lambda c, k=case: check_sent(k, c))]
    for name, _, _ in VERIFIERS:
        out.append((case.name + ': %s verifies' % name,
                    lambda c, k=case, n=name: verify_case(k, n, c)))
    return out


# -- 8BITMIME not offered ----------------------------------------------------

UTF8_BODY = b'Gr\xc3\xbc\xc3\x9fe aus K\xc3\xb6ln \xe2\x82\xac =3D\nzwei\n'


def no8bit_cases():
    plain = FROM + TO + b'Subject: 8bit, no MIME headers\n\n' + UTF8_BODY
    mime = (FROM + TO + b'Subject: 8bit with MIME headers\nMIME-Version: 1.0'
            b'\nContent-Type: text/plain; charset=utf-8\n'
            b'Content-Transfer-Encoding: 8bit\n\n' + UTF8_BODY)
    long8 = (FROM + TO + b'Subject: 8bit and long\n\n' + LONG +
             b'\xc3\xa9\n' + UTF8_BODY)
    out = []
    for name, msg in (('8-bit body without MIME headers', plain),
                      ('8-bit body with Content-Transfer-Encoding: 8bit',
                       mime),
                      ('8-bit body with a 2000-octet line', long8)):
        out.append(Case('no 8BITMIME: ' + name, msg, hide=('8BITMIME',),
                        check=both(only_7bit, decodes_to(crlf_body(msg)))))
    return out


# -- single keys, options ----------------------------------------------------

STD = (FROM + TO + b'Subject: one key\nDate: Mon, 1 Jan 2024 00:00:00 +0000\n'
       b'Message-ID: <one.key@example.com>\n\nHello  there\n\nbye \n')


def key_cases():
    return [
        Case('RSA-2048 alone (certtool, PKCS#1)', STD, keys=('r2048',)),
        Case('RSA-2048 from certtool with its text before the PEM block',
             STD, keys=('r2048txt',)),
        Case('RSA-4096 alone (openssl, PKCS#8)', STD, keys=('r4096',)),
        Case('Ed25519 alone (openssl, PKCS#8)', STD, keys=('ed',)),
        Case('Ed25519 raw base64 seed (RFC 8463 key)', STD, keys=('seed',)),
        Case('RSA key from dsmtp --dkim-keygen', STD, keys=('kgrsa',)),
        Case('Ed25519 key from dsmtp --dkim-keygen', STD, keys=('kged',)),
        Case('both dsmtp --dkim-keygen keys', STD, keys=('kgrsa', 'kged')),
        Case('RSA-1024 (RFC 8463 key, PKCS#1): signs and warns', STD,
             keys=('r1024',), warn=True),
        Case('dkim_domain signer.example.net', STD, keys=PAIR_KEYS,
             extra=['dkim_domain signer.example.net'],
             domain='signer.example.net'),
        Case('dkim_headers "From, To:Subject  X-Dup"',
             FROM + TO + b'Subject: chosen\nX-Dup: 1\nX-Dup: 2\n'
             b'X-Other: unsigned\n\nbody\n', keys=PAIR_KEYS,
             extra=['dkim_headers From, To:Subject  X-Dup'],
             check=h_is(['from', 'to', 'subject', 'x-dup'])),
        Case('dkim_expire 3600', STD, keys=PAIR_KEYS,
             extra=['dkim_expire 3600'], check=x_is(3600)),
        Case('dkim_expire off', STD, keys=PAIR_KEYS,
             extra=['dkim_expire off'], check=x_is(None)),
        Case('no From header: d= from the From dsmtp adds',
             TO + b'Subject: no from\n\nbody\n', keys=PAIR_KEYS,
             argv=('-i', '-f', 'sender@example.com', 'to@example.org'),
             check=one_from),
    ]


def h_is(names):
    def check(c, case, txn, fields, body):
        for s in case.new_sigs(txn.content):
            got = []
            for n in s.h:
                if n not in got:
                    got.append(n)
            c.eq(got, names, 'h= of %s (repeats removed)' % s.label)
            c.true('x-other' not in s.h, 'X-Other signed')
    return check


def x_is(seconds):
    def check(c, case, txn, fields, body):
        for s in case.new_sigs(txn.content):
            if seconds is None:
                c.true('x' not in s.tags, 'x= with dkim_expire off: %s'
                       % s.tags.get('x'))
                continue
            try:
                c.eq(int(s.tags['x']) - int(s.tags['t']), seconds, 'x= - t=')
            except (KeyError, ValueError):
                c.fail('no numeric x= and t= in %s' % s.label)
    return check


# -- tampering ----------------------------------------------------------------

TAMPER = Case('tamper base', FROM + TO + b'Subject: original subject\n\n'
              b'The quick brown fox\njumps over the lazy dog.\n',
              keys=('r2048', 'r4096', 'ed'))


def tampered(content, how):
    fields, body = T.split_message(content)
    if how == 'one body byte changed':
        i = body.index(b'quick')
        return content[:len(content) - len(body)] + body[:i] + b'Quick' + \
            body[i + 5:]
    if how == 'a From field added above the signed one':
        i = [T.field_name(f) for f in fields].index('from')
        fields.insert(i, b'From: Mallory <mallory@example.com>\r\n')
    elif how == 'the Subject changed':
        i = [T.field_name(f) for f in fields].index('subject')
        fields[i] = b'Subject: changed subject\r\n'
    return b''.join(fields) + b'\r\n' + body


TAMPERINGS = ('one body byte changed',
              'a From field added above the signed one',
              'the Subject changed')


def tamper_test(name, how):
    def test(c):
        txn = TAMPER.get(c)
        expect_pass(c, name, txn.content, 'control: ')
        bad = tampered(txn.content, how)
        c.need(bad != txn.content, 'tampering changed nothing')
        expect_fail(c, name, bad, how)
    return test


# -- refusals ----------------------------------------------------------------

def refused(c, keys_lines, msg, code, what):
    with T.sandbox() as box, SmtpServer() as srv:
        res = T.sendmail(box, srv.port, ['-i', 'to@example.org'], msg,
                         ['qualify_domain ' + DOMAIN] + keys_lines)
        queued = os.listdir(os.path.join(box, 'queue')) if os.path.isdir(
            os.path.join(box, 'queue')) else []
        srv.settle()
    if code is None:
        c.true(res.code != 0, '%s: exit 0' % what)
    else:
        c.exit(res, code)
    c.true(res.err.strip(), 'nothing on stderr')
    c.eq(srv.transactions, [], 'transactions at the server')
    c.eq(srv.commands_named('DATA'), [], 'DATA commands')
    c.true(not [q for q in queued if not q.startswith('.')],
           'message queued: %s' % queued)
    return res


def test_two_from(c):
    lines = RUN.key_lines(c, PAIR_KEYS)
    refused(c, lines, b'From: a@example.com\nFrom: b@example.com\n' + TO +
            b'Subject: two From\n\nbody\n', None, 'two From fields')


def test_key_mode_0644(c):
    RUN.key_lines(c, ('r2048',))
    loose = RUN.path('r2048-0644.pem')
    shutil.copyfile(RUN.files['r2048'], loose)
    os.chmod(loose, 0o644)
    refused(c, ['dkim_key r2048 ' + loose], STD, EX_NOPERM,
            'key file mode 0644')


def test_key_mode_0640(c):
    RUN.key_lines(c, ('ed',))
    loose = RUN.path('ed-0640.pem')
    shutil.copyfile(RUN.files['ed'], loose)
    os.chmod(loose, 0o640)
    refused(c, ['dkim_key ed ' + loose], STD, EX_NOPERM,
            'key file mode 0640')


def test_key_512(c):
    lines = RUN.key_lines(c, ('r512',))
    refused(c, lines, STD, T.EX_CONFIG, '512-bit RSA key')


# -- log line and memory ------------------------------------------------------

LOGGED = Case('log', STD, keys=('r2048', 'ed'))


def test_log_line(c):
    TWO = LOGGED
    TWO.get(c)
    log = TWO.done[2]
    lines = [l for l in log.splitlines() if b'status=sent' in l]
    c.eq(len(lines), 1, 'status=sent lines in %s' % T.short(log))
    want = b'dkim=example.com/r2048,example.com/ed'
    c.true(any(re.search(re.escape(want) + rb'(\s|$)', l) for l in lines),
           'no %r in %s' % (want, T.short(lines)))


def test_log_line_domain(c):
    case = [k for k in KEY_CASES if k.domain == 'signer.example.net'][0]
    case.get(c)
    want = b'dkim=signer.example.net/r2048,signer.example.net/ed'
    c.true(re.search(re.escape(want) + rb'(\s|$)', case.done[2]),
           'no %r in %s' % (want, T.short(case.done[2])))


def sanitized():
    try:
        with open(T.DSMTP, 'rb') as f:
            return b'__asan_init' in f.read()
    except OSError:
        return False


def test_big_memory(c):
    """Streaming: a 10 MB message peaks where a small one does."""
    big = [k for k in MAIN if k.name.endswith('10 MB body')][0]
    res = big.run(c)[0]
    c.exit(res, T.EX_OK)
    small = LOGGED.run(c)[0]
    c.need(res.peak_kb > 0 and small.peak_kb > 0, 'no memory sample of '
           'dsmtp (%d, %d KiB)' % (res.peak_kb, small.peak_kb))
    growth = res.peak_kb - small.peak_kb
    if sanitized():
        c.true(growth < MEMORY_LIMIT_KB, 'sanitizer build: the 10 MB message'
               ' peaks at %d KiB, a small one at %d KiB'
               % (res.peak_kb, small.peak_kb))
    else:
        c.true(res.peak_kb < MEMORY_LIMIT_KB, 'peak memory (ru_maxrss) %d KiB '
               'for a 10 MB message, limit %d KiB (a small signed message: '
               '%d KiB)' % (res.peak_kb, MEMORY_LIMIT_KB, small.peak_kb))
        c.true(growth < FLAT_KB, 'not flat: the 10 MB message peaks at %d '
               'KiB, a small one at %d KiB' % (res.peak_kb, small.peak_kb))
    c.true(res.elapsed < 30, 'took %.1f s' % res.elapsed)


def test_stray_cr_headers(c):
    """A stray CR must not end the header section: every header field of
    the input still arrives as a header field (spec 4.2)."""
    case = [k for k in MAIN if 'stray CR' in k.name][0]
    txn = case.get(c)
    fields, body = T.split_message(txn.content)
    orig, _ = T.split_message(T.crlf(case.msg))
    names = [T.field_name(f) for f in fields]
    for n in [T.field_name(f) for f in orig]:
        c.true(n in names, 'the %s header field of the input is not a header'
               ' field on the wire' % n)
    c.true(not re.match(rb'(?i)[a-z-]+:', body), 'the body starts with what '
           'looks like a header field: %s' % T.short(body[:60]))


# -- the suite ----------------------------------------------------------------

MAIN = corpus_cases('RSA-2048+RSA-4096+Ed25519', MAIN_KEYS)
MAIN.append(BigCase('RSA-2048+RSA-4096+Ed25519: 10 MB body', None,
                    keys=MAIN_KEYS, check=big_check))
KEY_CASES = key_cases()


def tests():
    out = [('keys: RSA-2048 (certtool), RSA-4096, Ed25519 (openssl genpkey)',
            test_make_keys),
           ('--dkim-keygen: RSA-2048 key, 0600, SPKI p=, strings <= 255',
            test_keygen_rsa),
           ('--dkim-keygen --key-type=ed25519: 0600, 32-byte p=',
            test_keygen_ed25519),
           ('--dkim-keygen: RSA by default', test_keygen_default_type)]
    for case in MAIN:
        out += case_tests(case)
    out.append(('10 MB message: peak memory under 8 MiB and flat',
                test_big_memory))
    out.append(('stray CR in a header: later header fields stay header '
                'fields', test_stray_cr_headers))
    for canon in CANONS:
        for case in corpus_cases('%s, RSA-2048+Ed25519' % canon, PAIR_KEYS,
                                 canon=canon):
            out += case_tests(case)
    for case in no8bit_cases() + KEY_CASES:
        out += case_tests(case)
    for how in TAMPERINGS:
        for name, _, _ in VERIFIERS:
            out.append(('tampered (%s): %s rejects' % (how, name),
                        tamper_test(name, how)))
    out += [('two From fields: refused, nothing sent', test_two_from),
            ('key file mode 0644: exit 77, nothing sent', test_key_mode_0644),
            ('key file mode 0640: exit 77, nothing sent', test_key_mode_0640),
            ('512-bit RSA key: exit 78, nothing sent', test_key_512),
            ('logfile: dkim=example.com/r2048,example.com/ed',
             test_log_line),
            ('logfile: dkim= names the dkim_domain', test_log_line_domain)]
    return out


if __name__ == '__main__':
    # End through sys.exit so atexit removes the scratch directory and ends
    # the Mail::DKIM process.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    T.main(tests())
