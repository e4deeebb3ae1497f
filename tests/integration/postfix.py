#!/usr/bin/python3
"""postfix.py - end to end: dsmtp submits to a real Postfix (its own
instance, configured here in a private directory) over STARTTLS and
implicit TLS with Cyrus SASL AUTH (sasldb), and the message must land in
a virtual mailbox with a Received header saying ESMTPSA.

The instance: Debian's Postfix unpacked by tests/peers.sh (never
installed: it would replace the user's MTA), its `master -c DIR -d` with
its own queue_directory,
data_directory, maillog_file and virtual mailbox base under DIR, listening
only on 127.0.0.1 on two free high ports (submission with STARTTLS
required, and smtps), with a certificate from the test CA.  /etc/postfix
is only read (Postfix's own meta files), never written.  The instance is
stopped at the end, and any of its processes still there are ended by pid.

Needs root, tests/peers.sh's unpacked Postfix and the packages sasl2-bin
(saslpasswd2), libsasl2-modules and libsasl2-modules-db."""

import atexit
import os
import pwd
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True     # the source tree may be read-only
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..', 'lib'))
import dsmtptest as T                                    # noqa: E402
import postfixpeer                                       # noqa: E402
import tlsca                                             # noqa: E402
from authserver import free_port                         # noqa: E402

EX_NOPERM = 77
USER, PASSWORD, REALM = 'alice', 'Pf-s3cret!word', 'mail.test'
RCPT = 'bob@example.org'
MECHS = 'PLAIN LOGIN CRAM-MD5 SCRAM-SHA-256'
DELIVERY_WAIT = 30


def which(tool):
    return shutil.which(tool, path=os.environ.get('PATH', '') +
                        ':/usr/sbin:/sbin') or tool


class Postfix:
    """One private Postfix instance: .submission and .smtps ports."""

    def __init__(self):
        self.dir = None
        self.started = False
        self.problem = None
        self.master = None

    # -- set-up -----------------------------------------------------------
    def start(self):
        if os.geteuid() != 0:
            self.problem = 'needs root (Postfix drops to its own user)'
            return
        self.problem = postfixpeer.problem()
        if self.problem is None and not shutil.which(
                'saslpasswd2', path='/usr/sbin:/usr/bin'):
            self.problem = 'saslpasswd2 missing (package sasl2-bin)'
        if self.problem:
            return
        self.dir = d = tempfile.mkdtemp(prefix='dsmtp-pf-')
        os.chmod(d, 0o755)
        self.conf = os.path.join(d, 'conf')
        self.maildir = os.path.join(d, 'mail')
        self.maillog = os.path.join(d, 'maillog')
        pw = pwd.getpwnam(postfixpeer.OWNER)
        self.base = postfixpeer.main_cf(d)
        for sub in ('conf', 'conf/sasl', 'data', 'mail', 'pki'):
            os.mkdir(os.path.join(d, sub), 0o755)
        for sub in ('data', 'mail'):
            os.chown(os.path.join(d, sub), pw.pw_uid, pw.pw_gid)
        self.pki = tlsca.make_pki(os.path.join(d, 'pki'))
        self.sasldb(pw)
        for attempt in range(3):
            self.submission, self.smtps = free_port(), free_port()
            if self.submission == self.smtps:
                continue
            self.write_config(pw)
            self.master = postfixpeer.start(self.conf)
            self.started = True
            if self.wait_listening():
                return
            self.problem = 'postfix master did not listen: %s\n%s' % (
                self.master_output(), self.log_tail())
            self.stop(remove=False)
        # keep self.problem

    def sasldb(self, pw):
        path = os.path.join(self.dir, 'sasldb2')
        res = subprocess.run([which('saslpasswd2'), '-f', path, '-c', '-p',
                              '-u', REALM, USER], input=PASSWORD.encode(),
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        if res.returncode != 0:
            raise RuntimeError('saslpasswd2: %r' % res.stdout)
        os.chown(path, 0, pw.pw_gid)
        os.chmod(path, 0o640)
        sasl = ('pwcheck_method: auxprop\nauxprop_plugin: sasldb\n'
                'sasldb_path: %s\nmech_list: %s\n' % (path, MECHS))
        # Postfix reads $cyrus_sasl_config_path/smtpd.conf; Debian's build
        # looks in $config_directory/sasl/: write both.
        for p in ('smtpd.conf', 'sasl/smtpd.conf'):
            T.write_file(os.path.join(self.conf, p), sasl, 0o644)

    def write_config(self, pw):
        d, g = self.dir, self.pki.good
        main = '\n'.join(self.base + [
            'compatibility_level = 3.6',
            'data_directory = %s/data' % d,
            'myhostname = mail.test',
            'mydomain = mail.test',
            'myorigin = mail.test',
            'mydestination =',
            'inet_interfaces = 127.0.0.1',
            'inet_protocols = ipv4',
            'mynetworks = 127.0.0.1/32',
            'alias_maps =',
            'alias_database =',
            'local_recipient_maps =',
            'smtpd_peername_lookup = no',
            'smtpd_relay_restrictions = permit_sasl_authenticated, reject',
            'smtpd_recipient_restrictions = permit_sasl_authenticated, '
            'reject',
            'virtual_mailbox_domains = example.org',
            'virtual_mailbox_base = %s' % self.maildir,
            'virtual_mailbox_maps = texthash:%s/vmailbox' % self.conf,
            'virtual_uid_maps = static:%d' % pw.pw_uid,
            'virtual_gid_maps = static:%d' % pw.pw_gid,
            'virtual_minimum_uid = 1',
            'maillog_file = %s' % self.maillog,
            'smtpd_tls_cert_file = %s' % g.chain,
            'smtpd_tls_key_file = %s' % g.key,
            'smtpd_tls_security_level = encrypt',
            'smtpd_tls_auth_only = yes',
            'smtpd_tls_received_header = yes',
            'smtpd_sasl_auth_enable = yes',
            'smtpd_sasl_type = cyrus',
            'smtpd_sasl_path = smtpd',
            'cyrus_sasl_config_path = %s' % self.conf,
            'smtpd_sasl_security_options = noanonymous',
            'smtpd_sasl_authenticated_header = yes',
            'biff = no',
            'smtputf8_enable = no',
        ]) + '\n'
        master = '\n'.join([
            '127.0.0.1:%d inet n - n - - smtpd' % self.submission,
            '127.0.0.1:%d inet n - n - - smtpd' % self.smtps,
            '  -o smtpd_tls_wrappermode=yes',
            'cleanup unix n - n - 0 cleanup',
            'qmgr unix n - n 300 1 qmgr',
            'tlsmgr unix - - n 1000? 1 tlsmgr',
            'rewrite unix - - n - - trivial-rewrite',
            'bounce unix - - n - 0 bounce',
            'defer unix - - n - 0 bounce',
            'trace unix - - n - 0 bounce',
            'verify unix - - n - 1 verify',
            'flush unix n - n 1000? 0 flush',
            'proxymap unix - - n - - proxymap',
            'showq unix n - n - - showq',
            'error unix - - n - - error',
            'retry unix - - n - - error',
            'discard unix - - n - - discard',
            'virtual unix - n n - - virtual',
            'anvil unix - - n - 1 anvil',
            'scache unix - - n - 1 scache',
            'postlog unix-dgram n - n - 1 postlogd',
        ]) + '\n'
        T.write_file(os.path.join(self.conf, 'main.cf'), main, 0o644)
        T.write_file(os.path.join(self.conf, 'master.cf'), master, 0o644)
        T.write_file(os.path.join(self.conf, 'vmailbox'),
                     '%s bob/\n' % RCPT, 0o644)

    def wait_listening(self, seconds=20):
        import socket
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and self.master.poll() is None:
            ok = 0
            for port in (self.submission, self.smtps):
                try:
                    socket.create_connection(('127.0.0.1', port), 1).close()
                    ok += 1
                except OSError:
                    pass
            if ok == 2:
                return True
            time.sleep(0.1)
        return False

    # -- results ------------------------------------------------------------
    def master_output(self):
        if self.master.poll() is None:
            return '(master still running)'
        out = self.master.stdout.read().decode('latin-1')
        return 'master exited %d: %s' % (self.master.returncode, out[-1000:])

    def log_tail(self, n=20):
        try:
            with open(self.maillog, 'rb') as f:
                return b'\n'.join(f.read().splitlines()[-n:]).decode(
                    'latin-1')
        except OSError:
            return '(no maillog)'

    def log(self):
        try:
            with open(self.maillog, 'rb') as f:
                return f.read().decode('latin-1')
        except OSError:
            return ''

    def find(self, marker, wait=DELIVERY_WAIT):
        """The delivered message (bytes) holding marker, waiting for it."""
        deadline = time.monotonic() + wait
        new = os.path.join(self.maildir, 'bob', 'new')
        while True:
            for name in (os.listdir(new) if os.path.isdir(new) else []):
                with open(os.path.join(new, name), 'rb') as f:
                    data = f.read()
                if marker in data:
                    return data
            if time.monotonic() > deadline:
                return None
            time.sleep(0.1)

    # -- tear-down ------------------------------------------------------------
    def own_pids(self):
        """Processes that belong to this instance: working directory or
        executable arguments inside its directory."""
        pids = []
        for p in os.listdir('/proc'):
            if not p.isdigit() or int(p) == os.getpid():
                continue
            try:
                cwd = os.readlink('/proc/%s/cwd' % p)
                with open('/proc/%s/stat' % p) as f:
                    state = f.read().rsplit(')', 1)[1].split()[0]
            except OSError:
                continue
            if state != 'Z' and (cwd == self.dir or
                                 cwd.startswith(self.dir + '/')):
                pids.append(int(p))
        return pids

    def stop(self, remove=True):
        if self.dir is None:
            return
        if self.started:
            postfixpeer.stop(self.master)
            deadline = time.monotonic() + 15
            while self.own_pids() and time.monotonic() < deadline:
                time.sleep(0.1)
            for pid in self.own_pids():
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            self.started = False
        if remove:
            shutil.rmtree(self.dir, True)
            self.dir = None


PF = Postfix()


def postfix(c):
    if not PF.started and PF.problem is None:
        atexit.register(PF.stop)
        PF.start()
    if PF.problem:
        # Without apt (DSMTP_NO_APT=1) the unpacked peer may be missing.
        no_apt = os.environ.get('DSMTP_NO_APT') == '1' and \
            PF.problem.startswith(('Postfix is not unpacked', 'no user'))
        if PF.problem.startswith('needs root') or no_apt:
            c.skip(PF.problem)
        c.fail(PF.problem)
        raise T.Abort()
    return PF


def message(tag):
    mid = '<%s.%d@dsmtp.test>' % (tag, os.getpid())
    return mid.encode(), ('From: sender@example.com\nTo: %s\nSubject: pf %s\n'
                          'Message-ID: %s\n\nbody of %s\n.leading dot\n'
                          % (RCPT, tag, mid, tag)).encode()


def send(pf, tag, extra, port=None, verbose=False):
    mid, msg = message(tag)
    with T.sandbox() as box:
        cfg = T.write_config(box, port or pf.submission, [
            'queue off', 'timeout 20', 'tls on',
            'tls_trust_file %s' % pf.pki.ca.cert, 'user %s' % USER,
            'password %s' % PASSWORD] + list(extra))
        res = T.run(['-C', cfg] + (['-v'] if verbose else []) +
                    ['-oi', '-f', 'sender@example.com', RCPT], msg, box=box,
                    timeout=60)
        return mid, msg, res, T.read_log(box)


def received(data):
    fields, _ = T.split_message(data.replace(b'\n', b'\r\n'))
    return [T.field_value(f) for f in T.fields_named(fields, 'Received')]


def arrived(c, pf, tag, extra, mech, port=None):
    mid, msg, res, log = send(pf, tag, extra, port)
    c.exit(res, 0)
    c.no_stdout(res)
    data = pf.find(mid)
    c.need(data is not None, 'message %s not delivered within %d s; '
           'maillog:\n%s' % (mid.decode(), DELIVERY_WAIT, pf.log_tail()))
    rec = received(data)
    c.need(rec, 'no Received header in %s' % T.short(data))
    top = rec[0]
    c.true(re.search(r'\bwith ESMTPSA\b', top), 'Received header does not '
           'say ESMTPSA: %s' % top)
    c.true('using TLSv1.3' in top, 'Received header does not say TLSv1.3: '
           '%s' % top)
    c.true('(Authenticated sender: %s)' % USER in top,
           'Received header lacks the SASL user: %s' % top)
    body = data.split(b'\n\n', 1)[1]
    c.eq(body, ('body of %s\n.leading dot\n' % tag).encode(),
         'body as delivered')
    m = re.search(r'by mail\.test \(Postfix\) with ESMTPSA id (\w+)', top)
    qid = m.group(1) if m else '?'
    c.true(re.search(r': %s: client=\S+, sasl_method=%s, sasl_username=%s'
                     % (qid, re.escape(mech), USER), pf.log()),
           'maillog lacks sasl_method=%s for %s:\n%s' % (mech, qid,
                                                         pf.log_tail()))
    for key, value in (('tls', 'TLSv1.3'), ('auth', mech)):
        want = ('%s=%s' % (key, value)).encode()
        c.true(want in log.split(), 'dsmtp log lacks %s: %s' % (
            want.decode(), T.short(log)))


def starttls_auth_on(c):
    pf = postfix(c)
    arrived(c, pf, 'auth-on', ['auth on'], 'SCRAM-SHA-256')


def forced(c, name, mech):
    pf = postfix(c)
    arrived(c, pf, 'auth-' + name, ['auth %s' % name], mech)


def implicit_tls(c):
    pf = postfix(c)
    arrived(c, pf, 'smtps', ['auth on', 'tls_starttls off'],
            'SCRAM-SHA-256', port=pf.smtps)


def pinned(c):
    pf = postfix(c)
    arrived(c, pf, 'pinned', ['auth plain', 'tls_trust_file system',
                              'tls_fingerprint %s' % pf.pki.good.sha256],
            'PLAIN')


def wrong_password(c):
    pf = postfix(c)
    mid, msg, res, log = send(pf, 'wrong', ['auth plain',
                                            'password not-' + PASSWORD])
    c.exit(res, EX_NOPERM)
    c.no_stdout(res)
    c.one_stderr_line(res)
    c.true(b'535' in res.err, 'stderr lacks the 535 reply: %s'
           % T.short(res.err))
    c.true(re.search(r'SASL PLAIN authentication failed', pf.log()),
           'Postfix did not log the failed login:\n' + pf.log_tail())
    c.true(pf.find(mid, wait=1) is None, 'the message was delivered')


def untrusted(c):
    """dsmtp does not trust Postfix without the test CA: 75, and Postfix
    sees no mail and no AUTH."""
    pf = postfix(c)
    before = pf.log().count('sasl_method=')
    mid, msg, res, log = send(pf, 'untrusted', ['auth plain',
                                                'tls_trust_file system'])
    c.exit(res, 75)
    c.eq(pf.log().count('sasl_method='), before, 'logins at Postfix')
    c.true(pf.find(mid, wait=1) is None, 'the message was delivered')


TESTS = [
    ('Postfix submission, STARTTLS, auth on (SCRAM-SHA-256): delivered, '
     'Received ... with ESMTPSA', starttls_auth_on),
    ('Postfix, auth plain: delivered with ESMTPSA',
     lambda c: forced(c, 'plain', 'PLAIN')),
    ('Postfix, auth login: delivered with ESMTPSA',
     lambda c: forced(c, 'login', 'LOGIN')),
    ('Postfix, auth cram-md5: delivered with ESMTPSA',
     lambda c: forced(c, 'cram-md5', 'CRAM-MD5')),
    ('Postfix smtps (implicit TLS), auth on: delivered with ESMTPSA',
     implicit_tls),
    ('Postfix certificate pinned with tls_fingerprint: delivered', pinned),
    ('Postfix refuses a wrong password: 77, nothing delivered',
     wrong_password),
    ('Postfix certificate not trusted: 75, no login', untrusted),
]


def _term(*_):
    sys.exit(1)         # runs atexit: the instance is stopped


if __name__ == '__main__':
    signal.signal(signal.SIGTERM, _term)
    signal.signal(signal.SIGHUP, _term)
    try:
        T.main(TESTS)
    finally:
        PF.stop()
