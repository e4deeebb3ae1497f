#!/usr/bin/python3
"""tlsca.py - test certificates for dsmtp's TLS and AUTH suites.

Owns: making, at test time and with certtool (gnutls-bin), a private test
CA and the certificates the suites need, in a directory the caller owns:

    pki = make_pki(directory)
    pki.ca.cert                  the test CA (trust file)
    pki.good                     127.0.0.1, localhost, mail.test, by the CA
    pki.wrong_name               only wrong.example, by the CA
    pki.expired                  the good names, valid 2019-2020, by the CA
    pki.not_yet                  the good names, valid from 2090, by the CA
    pki.self_signed              the good names, signed by itself
    pki.untrusted                the good names, by another CA
    pki.revoked                  the good names, by the CA, in pki.crl
    pki.other_name               only other.test, by the CA (host override)
    pki.client                   a client certificate by the CA
    pki.crl                      the CA's CRL revoking pki.revoked

Each certificate is a Cert: .cert (PEM of the leaf), .key, .chain (leaf
then its issuer, for servers), .sha256 ("AA:BB:..." of the DER leaf),
.subject (the CN).  Nothing here starts a process that outlives a call.
`tlsca.py --self-test` checks the result with openssl verify (TAP).
"""

import dataclasses
import hashlib
import os
import ssl
import subprocess
import sys

GOOD_DNS = ('localhost', 'mail.test')
GOOD_IPS = ('127.0.0.1',)
CERTTOOL = 'certtool'


@dataclasses.dataclass
class Cert:
    name: str            # file stem
    cert: str            # PEM file of the certificate alone
    key: str             # PEM private key
    chain: str           # PEM: the certificate and its issuer (if any)
    subject: str         # the CN
    sha256: str = ''     # AA:BB:... over the DER certificate
    der: bytes = b''


def _run(argv):
    res = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if res.returncode != 0:
        raise RuntimeError('%s failed (%d): %s' % (
            ' '.join(argv), res.returncode,
            res.stderr.decode('utf-8', 'replace')[-2000:]))
    return res.stdout


def _template(path, lines):
    with open(path, 'w') as f:
        f.write('\n'.join(lines) + '\n')
    return path


def _fingerprint(pem_path):
    with open(pem_path) as f:
        der = ssl.PEM_cert_to_DER_cert(f.read())
    digest = hashlib.sha256(der).hexdigest().upper()
    return ':'.join(digest[i:i + 2] for i in range(0, 64, 2)), der


class CA:
    """A certification authority in directory d (files ca-NAME.*)."""

    _serial = 1

    def __init__(self, d, name='ca', cn='dsmtp test CA'):
        self.dir = d
        self.name = name
        self.key = os.path.join(d, name + '.key')
        self.cert = os.path.join(d, name + '.pem')
        _genkey(self.key)
        tmpl = _template(os.path.join(d, name + '.tmpl'), [
            'cn = "%s"' % cn, 'organization = "dsmtp tests"',
            'serial = %d' % self._next_serial(), 'expiration_days = 3650',
            'ca', 'cert_signing_key', 'crl_signing_key'])
        _run([CERTTOOL, '--generate-self-signed', '--no-text',
              '--load-privkey', self.key, '--template', tmpl,
              '--outfile', self.cert])

    @classmethod
    def _next_serial(cls):
        cls._serial += 1
        return cls._serial

    def issue(self, stem, cn, dns=(), ips=(), client=False, start=None,
              end=None, days=3650):
        """A certificate for cn signed by this CA.  start/end are
        'YYYY-MM-DD HH:MM:SS' UTC strings; else valid now for days."""
        c = _cert_files(self.dir, stem, cn)
        _genkey(c.key)
        tmpl = _template(os.path.join(self.dir, stem + '.tmpl'),
                         _leaf_template(cn, dns, ips, client, start, end,
                                        days, self._next_serial()))
        _run([CERTTOOL, '--generate-certificate', '--no-text',
              '--load-privkey', c.key, '--load-ca-certificate', self.cert,
              '--load-ca-privkey', self.key, '--template', tmpl,
              '--outfile', c.cert])
        _finish(c, [c.cert, self.cert])
        return c

    def crl(self, stem, revoked):
        """A CRL of this CA listing the revoked Certs."""
        path = os.path.join(self.dir, stem + '.crl')
        tmpl = _template(os.path.join(self.dir, stem + '.tmpl'),
                         ['crl_next_update = 3650', 'crl_number = 7'])
        argv = [CERTTOOL, '--generate-crl', '--no-text',
                '--load-ca-privkey', self.key, '--load-ca-certificate',
                self.cert, '--template', tmpl, '--outfile', path]
        if revoked:
            bundle = os.path.join(self.dir, stem + '-revoked.pem')
            with open(bundle, 'w') as out:
                for r in revoked:
                    with open(r.cert) as f:
                        out.write(f.read())
            argv += ['--load-certificate', bundle]
        _run(argv)
        return path


def _genkey(path):
    _run([CERTTOOL, '--generate-privkey', '--no-text', '--key-type=ecdsa',
          '--curve=secp256r1', '--outfile', path])
    os.chmod(path, 0o600)


def _cert_files(d, stem, cn):
    return Cert(name=stem, cert=os.path.join(d, stem + '.pem'),
                key=os.path.join(d, stem + '.key'),
                chain=os.path.join(d, stem + '-chain.pem'), subject=cn)


def _leaf_template(cn, dns, ips, client, start, end, days, serial):
    lines = ['cn = "%s"' % cn, 'organization = "dsmtp tests"',
             'serial = %d' % serial, 'signing_key', 'encryption_key']
    lines += ['dns_name = "%s"' % n for n in dns]
    lines += ['ip_address = "%s"' % ip for ip in ips]
    lines.append('tls_www_client' if client else 'tls_www_server')
    if start or end:
        lines += ['activation_date = "%s"' % start,
                  'expiration_date = "%s"' % end]
    else:
        lines.append('expiration_days = %d' % days)
    return lines


def _finish(c, parts):
    with open(c.chain, 'w') as out:
        for p in parts:
            with open(p) as f:
                out.write(f.read())
    c.sha256, c.der = _fingerprint(c.cert)


def validity(cert):
    """(notBefore, notAfter) of a PEM certificate as datetime (UTC)."""
    import datetime
    out = _run(['openssl', 'x509', '-noout', '-dates', '-in', cert.cert
                if isinstance(cert, Cert) else cert]).decode()
    dates = dict(l.split('=', 1) for l in out.splitlines() if '=' in l)
    fmt = '%b %d %H:%M:%S %Y %Z'
    return tuple(datetime.datetime.strptime(' '.join(dates[k].split()), fmt)
                 for k in ('notBefore', 'notAfter'))


def self_signed(d, stem, cn, dns=GOOD_DNS, ips=GOOD_IPS):
    c = _cert_files(d, stem, cn)
    _genkey(c.key)
    tmpl = _template(os.path.join(d, stem + '.tmpl'),
                     _leaf_template(cn, dns, ips, False, None, None, 3650,
                                    CA._next_serial()))
    _run([CERTTOOL, '--generate-self-signed', '--no-text', '--load-privkey',
          c.key, '--template', tmpl, '--outfile', c.cert])
    _finish(c, [c.cert])
    return c


@dataclasses.dataclass
class Pki:
    dir: str
    ca: CA
    other_ca: CA
    good: Cert
    wrong_name: Cert
    expired: Cert
    not_yet: Cert
    self_signed: Cert
    untrusted: Cert
    revoked: Cert
    other_name: Cert
    client: Cert
    crl: str
    empty_crl: str


def make_pki(d):
    """Every certificate the suites use, made in directory d (about a
    second with ECDSA keys)."""
    ca = CA(d, 'ca', 'dsmtp test CA')
    other = CA(d, 'other-ca', 'some other CA')
    good = ca.issue('good', 'mail.test', GOOD_DNS, GOOD_IPS)
    revoked = ca.issue('revoked', 'mail.test', GOOD_DNS, GOOD_IPS)
    return Pki(
        dir=d, ca=ca, other_ca=other, good=good,
        wrong_name=ca.issue('wrong-name', 'wrong.example',
                            ('wrong.example',)),
        expired=ca.issue('expired', 'mail.test', GOOD_DNS, GOOD_IPS,
                         start='2019-01-01 00:00:00',
                         end='2020-01-01 00:00:00'),
        not_yet=ca.issue('not-yet', 'mail.test', GOOD_DNS, GOOD_IPS,
                         start='2090-01-01 00:00:00',
                         end='2095-01-01 00:00:00'),
        self_signed=self_signed(d, 'self-signed', 'mail.test'),
        untrusted=other.issue('untrusted', 'mail.test', GOOD_DNS, GOOD_IPS),
        revoked=revoked,
        other_name=ca.issue('other-name', 'other.test', ('other.test',)),
        client=ca.issue('client', 'dsmtp client alice', client=True),
        crl=ca.crl('ca-crl', [revoked]),
        empty_crl=ca.crl('ca-empty-crl', []))


# -- self test --------------------------------------------------------------

def _verify(ca, cert, extra=()):
    res = subprocess.run(['openssl', 'verify', '-CAfile', ca] + list(extra) +
                         [cert], stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT)
    return res.returncode == 0, res.stdout.decode()


def self_test():
    import tempfile
    checks = []
    with tempfile.TemporaryDirectory() as d:
        p = make_pki(d)
        ca = p.ca.cert
        checks.append(('good verifies', _verify(ca, p.good.cert)[0]))
        checks.append(('good for 127.0.0.1', _verify(
            ca, p.good.cert, ['-verify_ip', '127.0.0.1'])[0]))
        checks.append(('good for mail.test', _verify(
            ca, p.good.cert, ['-verify_hostname', 'mail.test'])[0]))
        checks.append(('wrong name not for 127.0.0.1', not _verify(
            ca, p.wrong_name.cert, ['-verify_ip', '127.0.0.1'])[0]))
        checks.append(('expired refused', 'expired' in _verify(
            ca, p.expired.cert)[1]))
        checks.append(('not yet valid refused', 'not yet valid' in _verify(
            ca, p.not_yet.cert)[1]))
        checks.append(('self-signed refused',
                       not _verify(ca, p.self_signed.cert)[0]))
        checks.append(('other CA refused',
                       not _verify(ca, p.untrusted.cert)[0]))
        checks.append(('revoked refused with CRL', 'revoked' in _verify(
            ca, p.revoked.cert, ['-crl_check', '-CRLfile', p.crl])[1]))
        checks.append(('client verifies', _verify(
            ca, p.client.cert, ['-purpose', 'sslclient'])[0]))
        checks.append(('fingerprint shape', len(p.good.sha256) == 95))
    print('1..%d' % len(checks))
    bad = 0
    for n, (name, ok) in enumerate(checks, 1):
        print('%s %d - %s' % ('ok' if ok else 'not ok', n, name))
        bad += not ok
    return 1 if bad else 0


if __name__ == '__main__':
    if sys.argv[1:] == ['--self-test']:
        sys.exit(self_test())
    print(__doc__)
