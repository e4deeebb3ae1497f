#!/usr/bin/python3
"""secrets.py - where dsmtp finds the relay password: `password`,
`passwordeval`, ~/.netrc, the system netrc, the desktop keyring (through
dsmtp-keyring and a real gnome-keyring-daemon in a private D-Bus session),
and `--store-password`.  The server is authserver.py (STARTTLS, PLAIN), so
each test asserts the exact password that arrived.

Contract (spec section 3, msmtp's meaning): the sources are tried in this
order: password, passwordeval (first line of its output; a failure is 78
with the command's stderr in the message), $HOME/.netrc, SYSCONFDIR/netrc
(only when readable), the keyring (msmtp's libsecret attributes host,
service=smtp, user).  No password found: 78.  `dsmtp --store-password -a
ACCOUNT` stores the first line of stdin for the account's host and user.

The system netrc is put in place inside a private mount namespace (an
overlay on SYSCONFDIR), never on the machine itself."""

import atexit
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
import tlsca                                             # noqa: E402
from authserver import AuthServer                        # noqa: E402

EX_CONFIG = 78
NOBODY = 65534
# dsmtp runs the dsmtp-keyring beside its own binary when only root or
# the caller can change it (the build tree), else the installed one.
HELPER = os.path.join(os.path.dirname(T.DSMTP), 'dsmtp-keyring')
BODY = b'secret sources body\n'
MSG = (b'From: sender@example.com\nTo: rcpt@example.org\nSubject: pw\n\n' +
       BODY)
ARGV = ['-oi', '-f', 'sender@example.com', 'rcpt@example.org']

_pki = []


def pki():
    if not _pki:
        d = tempfile.mkdtemp(prefix='dsmtp-secrets-pki-')
        os.chmod(d, 0o755)          # dsmtp also runs as uid 65534
        atexit.register(shutil.rmtree, d, True)
        _pki.append(tlsca.make_pki(d))
    return _pki[0]


def server(password):
    return AuthServer(tls='starttls', cert=pki().good, mechs=('PLAIN',),
                      users={'alice': password})


def conf(box, port, extra=(), user='alice'):
    lines = ['queue off', 'timeout 5', 'tls on',
             'tls_trust_file %s' % pki().ca.cert, 'auth plain']
    if user:
        lines.append('user %s' % user)
    return T.write_config(box, port, lines + list(extra))


def env(box, bus=None):
    e = T.sandbox_env(box)
    e.pop('DBUS_SESSION_BUS_ADDRESS', None)
    if bus:
        e.update(bus)
    return e


def netrc(box, text):
    T.write_file(os.path.join(box, 'home', '.netrc'), text)


def run(box, port, extra=(), bus=None, argv=ARGV, stdin=MSG):
    cfg = conf(box, port, extra)
    return T.run(['-C', cfg] + list(argv), stdin, env=env(box, bus))


def got(c, srv, res, password):
    """Delivered, and the server saw exactly this password."""
    c.exit(res, 0)
    c.eq([(a.secret, a.ok) for a in srv.auths], [(password, True)],
         'password the server got, accepted')
    c.eq(len(srv.transactions), 1, 'transactions')


def no_password(c, srv, res, why=b'password'):
    c.exit(res, EX_CONFIG)
    c.no_stdout(res)
    c.one_stderr_line(res)
    c.true(why in res.err, 'stderr does not say %r: %s' % (why,
                                                          T.short(res.err)))
    c.eq(srv.commands_named('AUTH'), [], 'AUTH commands')
    c.eq(srv.transactions, [], 'transactions')


# -- password and passwordeval ------------------------------------------------

def plain_password(c):
    with server('from-config') as srv, T.sandbox() as box:
        res = run(box, srv.port, ['password from-config'])
    got(c, srv, res, 'from-config')


def passwordeval(c, command, want):
    with server(want) as srv, T.sandbox() as box:
        cmd = command(box) if callable(command) else command
        res = run(box, srv.port, ['passwordeval %s' % cmd])
    got(c, srv, res, want)


def eval_script(box):
    """A script (no shell syntax in the command line) printing two lines."""
    path = os.path.join(box, 'pass.sh')
    T.write_file(path, '#!/bin/sh\necho script-first\necho script-second\n',
                 0o700)
    return path


def eval_fails(c):
    with server('never') as srv, T.sandbox() as box:
        script = os.path.join(box, 'gpg.sh')
        T.write_file(script, '#!/bin/sh\necho "gpg: decryption failed: '
                             'No secret key" >&2\nexit 2\n', 0o700)
        res = run(box, srv.port, ['passwordeval %s' % script])
    no_password(c, srv, res, b'gpg: decryption failed: No secret key')


def eval_missing(c):
    with server('never') as srv, T.sandbox() as box:
        res = run(box, srv.port, ['passwordeval /nonexistent/pass-cmd'])
    no_password(c, srv, res)


def password_beats_eval(c):
    with server('from-config') as srv, T.sandbox() as box:
        res = run(box, srv.port, ['passwordeval echo from-eval',
                                  'password from-config'])
    got(c, srv, res, 'from-config')


def eval_beats_netrc(c):
    with server('from-eval') as srv, T.sandbox() as box:
        netrc(box, 'machine 127.0.0.1 login alice password from-netrc\n')
        res = run(box, srv.port, ['passwordeval echo from-eval'])
    got(c, srv, res, 'from-eval')


# -- ~/.netrc -----------------------------------------------------------------

def home_netrc(c, text, want):
    with server(want or 'never') as srv, T.sandbox() as box:
        netrc(box, text)
        res = run(box, srv.port)
    if want:
        got(c, srv, res, want)
    else:
        no_password(c, srv, res)


def nothing_anywhere(c):
    with server('never') as srv, T.sandbox() as box:
        res = run(box, srv.port)
    no_password(c, srv, res)


# -- the system netrc, in a private mount namespace ---------------------------

def system_netrc_path():
    with open(T.DSMTP, 'rb') as f:
        m = re.search(rb'(/[\x21-\x7e]*)/netrc\x00', f.read())
    return m.group(1).decode() + '/netrc' if m else None


OVERLAY = r'''
mount -t tmpfs tmpfs "$1" || exit 99
mkdir "$1/u" "$1/w" && chmod 755 "$1/u" || exit 99
printf '%s' "$2" > "$1/u/netrc" && chmod "$3" "$1/u/netrc" || exit 99
mount -t overlay overlay -o "lowerdir=$4,upperdir=$1/u,workdir=$1/w" "$4" \
    || exit 99
shift 4
exec "$@"
'''


def with_system_netrc(c, box, port, text, mode=0o644, uid=None, bus=None):
    """Run dsmtp with SYSCONFDIR/netrc holding text (in a mount namespace
    of its own; the machine's SYSCONFDIR is not touched)."""
    path = system_netrc_path()
    if path is None:
        c.skip('cannot find the system netrc path in %s' % T.DSMTP)
    if os.path.exists(path):
        c.skip('%s exists on this machine' % path)
    sysconf = os.path.dirname(path)
    if os.geteuid() != 0 or not shutil.which('unshare') or \
            not os.path.isdir(sysconf):
        c.skip('needs root, unshare and %s for a private system netrc'
               % sysconf)
    cfg = conf(box, port)
    mnt = os.path.join(box, 'ovl')
    os.mkdir(mnt)
    argv = ['unshare', '-m', '--propagation', 'private', 'sh', '-c',
            OVERLAY, 'sh', mnt, text, '%o' % mode, sysconf]
    if uid is not None:
        for root, dirs, files in os.walk(box):
            for n in [root] + [os.path.join(root, x) for x in dirs + files]:
                os.lchown(n, uid, uid)
        argv += ['setpriv', '--reuid=%d' % uid, '--regid=%d' % uid,
                 '--clear-groups', '--']
    argv += [T.DSMTP, '-C', cfg] + ARGV
    start = time.monotonic()
    p = subprocess.run(argv, input=MSG, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, env=env(box, bus), timeout=60)
    if p.returncode == 99:
        c.skip('no private overlay on %s here: %s' % (sysconf, p.stderr))
    return T.Result(p.returncode, p.stdout, p.stderr,
                    time.monotonic() - start, 0)


def system_netrc(c):
    with server('from-system') as srv, T.sandbox() as box:
        res = with_system_netrc(
            c, box, srv.port,
            'machine 127.0.0.1 login alice password from-system\n')
    got(c, srv, res, 'from-system')


def home_beats_system(c):
    with server('from-home') as srv, T.sandbox() as box:
        netrc(box, 'machine 127.0.0.1 login alice password from-home\n')
        res = with_system_netrc(
            c, box, srv.port,
            'machine 127.0.0.1 login alice password from-system\n')
    got(c, srv, res, 'from-home')


def system_netrc_as_user(c, mode, want):
    """dsmtp runs as uid 65534; the system netrc is root's, mode 644 (used)
    or 600 (not readable: skipped quietly, so no password is found)."""
    with server(want or 'never') as srv, T.sandbox() as box:
        res = with_system_netrc(
            c, box, srv.port,
            'machine 127.0.0.1 login alice password from-system\n', mode,
            uid=NOBODY)
    if want:
        got(c, srv, res, want)
    else:
        no_password(c, srv, res)
        c.true(b'ermission denied' not in res.err,
               'an unreadable system netrc is an error: %s' % T.short(
                   res.err))


# -- the keyring --------------------------------------------------------------

class Keyring:
    """A private D-Bus session with an unlocked gnome-keyring-daemon whose
    keyrings live under box/home."""

    TOOLS = ('dbus-run-session', 'gnome-keyring-daemon', 'secret-tool')

    def __init__(self, c, box):
        missing = [t for t in self.TOOLS if not shutil.which(t)]
        if missing:
            c.skip('missing %s (packages dbus, gnome-keyring, '
                   'libsecret-tools)' % ', '.join(missing))
        c.need(os.access(HELPER, os.X_OK), 'no keyring helper beside '
               'dsmtp: %s' % HELPER)
        self.box = box
        runtime = os.path.join(box, 'runtime')
        os.mkdir(runtime, 0o700)
        self.env = {k: v for k, v in os.environ.items()
                    if not k.startswith(('DBUS_', 'XDG_', 'GNOME_KEYRING'))}
        self.env.update(HOME=os.path.join(box, 'home'),
                        XDG_RUNTIME_DIR=runtime, LC_ALL='C')
        self.proc = subprocess.Popen(
            ['dbus-run-session', '--', 'sh', '-c',
             'printf test | gnome-keyring-daemon --unlock '
             '--components=secrets >/dev/null 2>&1; '
             'echo "$DBUS_SESSION_BUS_ADDRESS"; exec cat >/dev/null'],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL, env=self.env, start_new_session=True)
        address = self.proc.stdout.readline().decode().strip()
        if not address:
            self.close()
            c.fail('no D-Bus session')
            raise T.Abort()
        self.bus = {'DBUS_SESSION_BUS_ADDRESS': address,
                    'XDG_RUNTIME_DIR': runtime}
        self.env.update(self.bus)

    def tool(self, *argv, stdin=b''):
        return subprocess.run(['secret-tool'] + list(argv), input=stdin,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              env=self.env, timeout=30)

    def store(self, password, user='alice', host='127.0.0.1'):
        r = self.tool('store', '--label=x', 'host', host, 'service', 'smtp',
                      'user', user, stdin=password.encode())
        if r.returncode != 0:
            raise RuntimeError('secret-tool store: %r' % r.stderr)

    def lookup(self, user='alice', host='127.0.0.1'):
        return self.tool('lookup', 'host', host, 'service', 'smtp', 'user',
                         user)

    def close(self):
        """End the session; then end, by pid, any process still on its bus
        (gnome-keyring-daemon leaves with the bus; this makes sure)."""
        try:
            self.proc.stdin.close()
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, 9)
            self.proc.wait()
        self.proc.stdout.close()
        marker = ('DBUS_SESSION_BUS_ADDRESS=%s' % self.bus.get(
            'DBUS_SESSION_BUS_ADDRESS', '\0')).encode() \
            if hasattr(self, 'bus') else None
        if marker:
            deadline = time.monotonic() + 3
            while True:
                left = on_bus(marker)
                if not left or time.monotonic() > deadline:
                    break
                time.sleep(0.05)
            for pid in left:
                try:
                    os.kill(pid, 9)
                except ProcessLookupError:
                    pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def on_bus(marker):
    pids = []
    for d in os.listdir('/proc'):
        if not d.isdigit():
            continue
        try:
            with open('/proc/%s/environ' % d, 'rb') as f:
                if marker + b'\0' in f.read() + b'\0':
                    pids.append(int(d))
        except OSError:
            pass
    return pids


def keyring_lookup(c):
    with server('from-keyring') as srv, T.sandbox() as box, \
            Keyring(c, box) as k:
        k.store('from-keyring')
        k.store('other-users-pw', user='bob')
        res = run(box, srv.port, bus=k.bus)
    got(c, srv, res, 'from-keyring')


def keyring_other_user(c):
    with server('never') as srv, T.sandbox() as box, Keyring(c, box) as k:
        k.store('bobs-pw', user='bob')
        k.store('other-host-pw', host='mail.example.net')
        res = run(box, srv.port, bus=k.bus)
    no_password(c, srv, res)


def netrc_beats_keyring(c):
    with server('from-netrc') as srv, T.sandbox() as box, \
            Keyring(c, box) as k:
        k.store('from-keyring')
        netrc(box, 'machine 127.0.0.1 login alice password from-netrc\n')
        res = run(box, srv.port, bus=k.bus)
    got(c, srv, res, 'from-netrc')


def system_beats_keyring(c):
    with server('from-system') as srv, T.sandbox() as box, \
            Keyring(c, box) as k:
        k.store('from-keyring')
        res = with_system_netrc(
            c, box, srv.port,
            'machine 127.0.0.1 login alice password from-system\n',
            bus=k.bus)
    got(c, srv, res, 'from-system')


def store_password(c):
    with server('stored-pw') as srv, T.sandbox() as box, \
            Keyring(c, box) as k:
        cfg = conf(box, srv.port)
        res = T.run(['-C', cfg, '--store-password', '-a', 'default'],
                    b'stored-pw\nsecond line\n', env=env(box, k.bus))
        c.exit(res, 0)
        c.no_stdout(res)
        look = k.lookup()
        c.eq((look.returncode, look.stdout.rstrip(b'\n')), (0, b'stored-pw'),
             'secret-tool lookup host 127.0.0.1 service smtp user alice')
        sent = run(box, srv.port, bus=k.bus)
    got(c, srv, sent, 'stored-pw')


def store_password_no_keyring(c):
    """Without a keyring service --store-password fails, and says so."""
    with T.sandbox() as box:
        cfg = conf(box, 9)
        res = T.run(['-C', cfg, '--store-password', '-a', 'default'],
                    b'pw\n', env=env(box))
    c.true(res.code not in (0,), '--store-password without a keyring '
           'service exited 0')
    c.one_stderr_line(res)


# -- which helper runs --------------------------------------------------------

FAKE_HELPER = '#!/bin/sh\n[ "$1" = lookup ] && echo from-fake-helper\n'
NO_BUS = {'DBUS_SESSION_BUS_ADDRESS': 'unix:path=/nonexistent/bus'}


def env_helper_ignored(c):
    """DSMTP_KEYRING_HELPER was a test hook an installed binary obeyed: any
    program named there got the password to store, or gave one."""
    with server('from-fake-helper') as srv, T.sandbox() as box:
        fake = T.write_file(os.path.join(box, 'fake'), FAKE_HELPER, 0o755)
        cfg = conf(box, srv.port)
        e = env(box, NO_BUS)
        e['DSMTP_KEYRING_HELPER'] = fake
        res = T.run(['-C', cfg] + ARGV, MSG, env=e)
    no_password(c, srv, res)


def helper_beside_binary(c, mode, want):
    """A copy of dsmtp with a stand-in dsmtp-keyring of mode beside it."""
    with server(want or 'never') as srv, T.sandbox() as box:
        bindir = os.path.join(box, 'bin')
        os.mkdir(bindir, 0o755)
        exe = os.path.join(bindir, 'dsmtp')
        shutil.copy2(T.DSMTP, exe)
        T.write_file(os.path.join(bindir, 'dsmtp-keyring'), FAKE_HELPER,
                     mode)
        cfg = conf(box, srv.port)
        start = time.monotonic()
        p = subprocess.run([exe, '-C', cfg] + ARGV, input=MSG,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           env=env(box, NO_BUS), timeout=60)
        res = T.Result(p.returncode, p.stdout, p.stderr,
                       time.monotonic() - start, 0)
    if want:
        got(c, srv, res, want)
    else:
        no_password(c, srv, res)


TESTS = [
    ('password: used', plain_password),
    ('passwordeval: its output is the password',
     lambda c: passwordeval(c, 'echo from-eval', 'from-eval')),
    ('passwordeval with shell syntax: first line only',
     lambda c: passwordeval(c, "printf 'line-one\\nline-two\\n'",
                            'line-one')),
    ('passwordeval of a script printing two lines: first line only',
     lambda c: passwordeval(c, eval_script, 'script-first')),
    ('passwordeval output ending in CRLF: CRLF removed',
     lambda c: passwordeval(c, "printf 'crlf-pw\\r\\n'", 'crlf-pw')),
    ('passwordeval fails: 78 with its stderr in the message', eval_fails),
    ('passwordeval command missing: 78', eval_missing),
    ('password beats passwordeval', password_beats_eval),
    ('passwordeval beats ~/.netrc', eval_beats_netrc),
    ('~/.netrc machine/login: used',
     lambda c: home_netrc(c, 'machine mail.example.net login alice password '
                             'x\nmachine 127.0.0.1 login alice password '
                             'from-netrc\n', 'from-netrc')),
    ('~/.netrc on one line with a default entry after the machine',
     lambda c: home_netrc(c, 'machine 127.0.0.1 login alice password '
                             'one-line default login alice password dflt\n',
                          'one-line')),
    ('~/.netrc default entry: used',
     lambda c: home_netrc(c, 'default login alice password from-default\n',
                          'from-default')),
    ('~/.netrc for another login only: 78',
     lambda c: home_netrc(c, 'machine 127.0.0.1 login bob password b\n',
                          None)),
    ('~/.netrc for another host only: 78',
     lambda c: home_netrc(c, 'machine 127.0.0.2 login alice password a\n',
                          None)),
    ('no password anywhere: 78, no AUTH sent', nothing_anywhere),
    ('system netrc: used when there is no ~/.netrc', system_netrc),
    ('~/.netrc beats the system netrc', home_beats_system),
    ('system netrc readable by the user (644): used',
     lambda c: system_netrc_as_user(c, 0o644, 'from-system')),
    ('system netrc not readable by the user (600): skipped, 78',
     lambda c: system_netrc_as_user(c, 0o600, None)),
    ('keyring (secret-tool store host/service/user): found', keyring_lookup),
    ('keyring entries for another user or host: not used, 78',
     keyring_other_user),
    ('~/.netrc beats the keyring', netrc_beats_keyring),
    ('system netrc beats the keyring', system_beats_keyring),
    ('--store-password: secret-tool finds it, delivery uses it',
     store_password),
    ('--store-password without a keyring service: fails',
     store_password_no_keyring),
    ('DSMTP_KEYRING_HELPER is not obeyed', env_helper_ignored),
    ('a dsmtp-keyring beside the binary (0755) is the helper',
     lambda c: helper_beside_binary(c, 0o755, 'from-fake-helper')),
    ('a group-writable dsmtp-keyring beside the binary is not used',
     lambda c: helper_beside_binary(c, 0o775, None)),
]

if __name__ == '__main__':
    T.main(TESTS)
