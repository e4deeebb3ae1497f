#!/usr/bin/python3
"""tests/package/run.py - the Debian packages (issue 13), built from this
tree and installed in a throwaway Debian 12 chroot made with mmdebstrap,
never on this machine: dpkg-buildpackage builds dsmtp and dsmtp-mta,
lintian finds no error, and in the chroot dsmtp-mta is the MTA
(bsd-mailx pulls no other), its maintainer scripts set up the system
queue and run twice without change, `mail` as an unprivileged user
reaches a recording relay on loopback, mailq lists a message while the
relay is down and it goes once the relay is back, an upgrade to a
rebuilt package keeps a queued message, removing dsmtp-mta takes the
links and keeps the queue, and purging leaves no file behind.

Run by tests/run-all.sh once (not by make check: building the packages
and the chroot takes minutes, and the result does not depend on which
build of the tree runs the tests). TAP on stdout. Needs root (it works in
a private mount namespace), dpkg-buildpackage, lintian and mmdebstrap
(tests/install-deps.sh installs them) and apt's network (the chroot is
cached in ~/.cache/dsmtp-tests for a week)."""

import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True     # the source tree may be read-only
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'lib'))
import dsmtptest as T                                    # noqa: E402
from authserver import free_port                         # noqa: E402
from smtpserver import SmtpServer                        # noqa: E402

SRC = os.path.abspath(os.path.join(HERE, '..', '..'))
INNER = 'DSMTP_PACKAGE_INNER'
CACHE = os.path.join(os.path.expanduser('~'), '.cache', 'dsmtp-tests')
CHROOT_TAR = os.path.join(CACHE, 'bookworm-apt.tar')
CHROOT_MAX_AGE = 7 * 86400
# What changes in a chroot whatever is installed and purged: apt's and
# dpkg's own state, caches, logs, and the backups useradd/userdel leave.
VOLATILE = ('proc/', 'sys/', 'dev/', 'run/', 'tmp/', 'var/lib/apt/',
            'var/lib/dpkg/', 'var/cache/', 'var/log/', 'var/tmp/',
            'etc/passwd-', 'etc/group-', 'etc/shadow-', 'etc/gshadow-',
            'etc/ld.so.cache', 'etc/resolv.conf', 'var/lib/systemd/',
            'var/lib/ucf/', 'etc/subuid', 'etc/subgid', 'var/mail/')
MTAS = ('exim4', 'postfix', 'nullmailer', 'dma', 'msmtp-mta', 'opensmtpd',
        'sendmail-bin', 'courier-mta', 'masqmail', 'ssmtp')


class Bed:
    """The packages and the chroot, made once."""

    def __init__(self):
        self.work = tempfile.mkdtemp(prefix='dsmtp-package-')
        self.root = os.path.join(self.work, 'chroot')
        self.debs = []
        self.build_log = ''
        self.port = free_port()

    def build(self):
        src = os.path.join(self.work, 'dsmtp-src')
        shutil.copytree(SRC, src, symlinks=True, ignore=copy_ignore)
        env = dict(os.environ, DEB_BUILD_OPTIONS='nocheck parallel=%d'
                   % (os.cpu_count() or 2), LC_ALL='C')
        res = subprocess.run(['dpkg-buildpackage', '-us', '-uc', '-b'],
                             cwd=src, capture_output=True, text=True,
                             env=env)
        self.build_log = res.stdout[-3000:] + res.stderr[-3000:]
        self.debs = sorted(glob.glob(os.path.join(self.work, '*.deb')))
        self.changes = glob.glob(os.path.join(self.work, '*.changes'))
        return res.returncode

    def chroot(self):
        os.makedirs(CACHE, exist_ok=True)
        fresh = (os.path.exists(CHROOT_TAR) and
                 time.time() - os.stat(CHROOT_TAR).st_mtime < CHROOT_MAX_AGE)
        if not fresh:
            # mmdebstrap picks its output format by the name's ending
            tmp = CHROOT_TAR[:-len('.tar')] + '.new.tar'
            args = ['mmdebstrap', '--quiet', '--variant=apt', 'bookworm',
                    tmp]
            sources = '/etc/apt/sources.list.d/debian.sources'
            if os.path.exists(sources):
                args.append(sources)   # apt's own configuration here
            subprocess.run(args, check=True, capture_output=True)
            os.replace(tmp, CHROOT_TAR)
        os.mkdir(self.root)
        subprocess.run(['tar', '-C', self.root, '-xf', CHROOT_TAR],
                       check=True)
        shutil.copy('/etc/resolv.conf', os.path.join(self.root, 'etc'))
        subprocess.run(['mount', '-t', 'proc', 'proc',
                        os.path.join(self.root, 'proc')], check=True)
        os.makedirs(os.path.join(self.root, 'debs'))
        for d in self.debs:
            shutil.copy(d, os.path.join(self.root, 'debs'))
        res = self.run(['apt-get', 'update', '-q'])
        if res.returncode != 0:
            raise RuntimeError('apt-get update in the chroot: %s'
                               % res.stderr.decode()[-500:])

    def run(self, argv, stdin=b'', user=None, timeout=600):
        pre = ['chroot', self.root]
        if user:
            pre += ['setpriv', '--reuid', user, '--regid',
                    'nogroup' if user == 'nobody' else user,
                    '--clear-groups']
        env = {'PATH': '/usr/sbin:/usr/bin:/sbin:/bin', 'LC_ALL': 'C',
               'DEBIAN_FRONTEND': 'noninteractive', 'HOME': '/root'}
        return subprocess.run(pre + argv, input=stdin, capture_output=True,
                              env=env, timeout=timeout)

    def files(self):
        """Every path in the chroot but the volatile ones."""
        out = set()
        for top, dirs, names in os.walk(self.root):
            rel = os.path.relpath(top, self.root)
            rel = '' if rel == '.' else rel + '/'
            if rel.startswith(VOLATILE) or rel == 'debs/':
                dirs[:] = []
                continue
            for n in names + dirs:
                p = rel + n
                if not p.startswith(VOLATILE) and p != 'debs':
                    out.add(p)
        return out

    def write_config(self):
        path = os.path.join(self.root, 'etc', 'dsmtprc')
        with open(path, 'w') as f:
            f.write('defaults\nsyslog off\nqualify_domain example.com\n\n'
                    'account default\nhost 127.0.0.1\nport %d\ntls off\n'
                    % self.port)

    def queued(self):
        d = os.path.join(self.root, 'var/spool/dsmtp/entries')
        return sorted(os.listdir(d)) if os.path.isdir(d) else []

    def queue_run(self):
        return self.run(['dsmtp', '-q'], user='dsmtp')

    def mail_while_down(self, c, word, what):
        """`mail` as nobody with the relay down, then a run: one more
        entry waits in the queue."""
        before = len(self.queued())
        res = self.run(['sh', '-c', 'echo %s | mail -s %s root'
                        % (word, word)], user='nobody')
        c.eq(res.returncode, 0, 'mail with the relay down')
        self.queue_run()
        c.eq(len(self.queued()), before + 1, 'queued %s' % what)


def copy_ignore(top, names):
    """What a copy of the tree leaves out: git, build directories (those
    of run-all, make check and bench; not build-aux) and products."""
    return [n for n in names if n in ('.git', 'autom4te.cache') or
            (n.startswith('build') and n != 'build-aux') or
            n.endswith(('.o', '.a')) or
            (top == SRC and n in ('config.status', 'config.log'))]


_bed = []


def bed(c):
    if os.environ.get(INNER) != '1':
        c.skip('needs root and unshare for a private mount namespace')
    for tool in ('dpkg-buildpackage', 'mmdebstrap', 'lintian'):
        if not shutil.which(tool):
            c.skip('%s is not installed (tests/install-deps.sh installs it)'
                   % tool)
    if not _bed:
        _bed.append(Bed())
    return _bed[0]


def mta_lines(text):
    return [l for l in text.splitlines() if l.startswith('Inst ') and
            any(l.split()[1].startswith(m) for m in MTAS)]


# -- the tests, in order: each builds on the state the one before left ------

def build(c):
    b = bed(c)
    rc = b.build()
    c.eq(rc, 0, 'dpkg-buildpackage: %s' % b.build_log)
    names = sorted(os.path.basename(d).split('_')[0] for d in b.debs)
    c.eq(names, ['dsmtp', 'dsmtp-mta'], 'the binary packages')
    mta = [d for d in b.debs if '/dsmtp-mta_' in d]
    c.need(mta, 'no dsmtp-mta package')
    info = subprocess.run(['dpkg-deb', '-f', mta[0], 'Provides', 'Conflicts',
                           'Replaces'], capture_output=True, text=True).stdout
    for field in ('Provides', 'Conflicts', 'Replaces'):
        c.true(re.search(r'^%s:.*\bmail-transport-agent\b' % field, info,
                         re.M), '%s: %r' % (field, info))
    for d in b.debs:
        listing = subprocess.run(['dpkg-deb', '-c', d], capture_output=True,
                                 text=True).stdout
        c.eq([l for l in listing.splitlines() if re.match(r'^\S*[sS]', l)],
             [], 'set-user/group-ID files in %s' % os.path.basename(d))


def lintian(c):
    b = bed(c)
    c.need(b.changes, 'no .changes file (the build failed)')
    res = subprocess.run(['lintian', '--no-tag-display-limit', b.changes[0]],
                         capture_output=True, text=True, timeout=900)
    errors = [l for l in res.stdout.splitlines() if l.startswith('E:')]
    c.eq(errors, [], 'lintian errors')
    print('# lintian: %d warnings' % len([l for l in res.stdout.splitlines()
                                         if l.startswith('W:')]))


def install(c):
    b = bed(c)
    c.need(len(b.debs) == 2, 'no packages to install')
    b.chroot()
    b.before = b.files()
    res = b.run(['apt-get', 'install', '-y', '-q',
                 '--no-install-recommends'] +
                ['/debs/' + os.path.basename(d) for d in b.debs])
    c.eq(res.returncode, 0, 'apt-get install: %s' % T.short(res.stdout[-2000:]
                                                           + res.stderr))
    over = b.run(['dpkg-statoverride', '--list']).stdout.decode()
    c.true(re.search(r'^root dsmtp 2755 /usr/libexec/dsmtp/dsmtp-drop$',
                     over, re.M), 'the helper\'s statoverride: %r' % over)
    st = os.stat(os.path.join(b.root, 'usr/libexec/dsmtp/dsmtp-drop'))
    c.eq(oct(st.st_mode & 0o7777), oct(0o2755), 'the helper\'s mode')
    c.true(os.path.realpath(os.path.join(b.root, 'usr/sbin/sendmail')) ==
           os.path.join(b.root, 'usr/bin/dsmtp'), 'sendmail leads to dsmtp')
    b.state = state(b)
    c.eq(b.state['/etc/dsmtprc'], ('0o640 root dsmtp',), '/etc/dsmtprc')
    c.eq(b.state['spool'], {'': '0o750', 'entries': '0o750', 'tmp': '0o700',
                            'quarantine': '0o700', 'incoming': '0o730'},
         'the spool\'s modes')
    again = b.run(['/var/lib/dpkg/info/dsmtp-mta.postinst', 'configure',
                   '0.1.0'])
    c.eq(again.returncode, 0, 'postinst again: %s' % T.short(again.stderr))
    c.eq(state(b), b.state, 'what a second postinst run changed')


def state(b):
    out = {}
    st = os.stat(os.path.join(b.root, 'etc/dsmtprc'))
    names = {}
    with open(os.path.join(b.root, 'etc/passwd')) as f:
        for l in f:
            p = l.split(':')
            names[int(p[2])] = p[0]
    groups = {}
    with open(os.path.join(b.root, 'etc/group')) as f:
        for l in f:
            p = l.split(':')
            groups[int(p[2])] = p[0]
    out['/etc/dsmtprc'] = ('%s %s %s' % (oct(st.st_mode & 0o7777),
                                         names.get(st.st_uid),
                                         groups.get(st.st_gid)),)
    spool = {}
    for sub in ('', 'entries', 'tmp', 'quarantine', 'incoming'):
        p = os.path.join(b.root, 'var/spool/dsmtp', sub)
        s = os.stat(p)
        spool[sub] = oct(s.st_mode & 0o7777)
        if names.get(s.st_uid) != 'dsmtp' or groups.get(s.st_gid) != 'dsmtp':
            spool[sub] += ' not dsmtp:dsmtp'
    out['spool'] = spool
    out['users'] = sorted(v for v in names.values() if v == 'dsmtp')
    return out


def no_other_mta(c):
    b = bed(c)
    sim = b.run(['apt-get', '-s', 'install', 'bsd-mailx'])
    c.eq(sim.returncode, 0, 'apt-get -s: %s' % T.short(sim.stderr))
    c.eq(mta_lines(sim.stdout.decode()), [], 'MTAs bsd-mailx would pull')
    res = b.run(['apt-get', 'install', '-y', '-q', '--no-install-recommends',
                 'bsd-mailx'])
    c.eq(res.returncode, 0, 'apt-get install bsd-mailx: %s'
         % T.short(res.stderr))


def mail_as_user(c):
    b = bed(c)
    b.write_config()
    with SmtpServer(port=b.port) as srv:
        res = b.run(['sh', '-c', 'echo body | mail -s test root'],
                    user='nobody')
        c.eq((res.returncode, res.stderr), (0, b''), 'mail as nobody')
        run = b.queue_run()
        c.eq(run.returncode, 0, 'dsmtp -q as dsmtp: %s' % T.short(run.stderr))
        srv.settle()
    c.eq([(t.mail_from, t.rcpt_addrs) for t in srv.accepted],
         [('nobody@example.com', ['root@example.com'])], 'at the relay')
    c.true(srv.accepted and b'Subject: test' in srv.accepted[0].content,
           'the message')


def queue_while_down(c):
    b = bed(c)
    b.mail_while_down(c, 'later', 'while down')
    q = b.run(['mailq'])
    c.true(b'root@example.com' in q.stdout and b'1 Request' in q.stdout,
           'mailq: %s' % T.short(q.stdout))
    with SmtpServer(port=b.port) as srv:
        b.queue_run()
        srv.settle()
    c.eq([t.rcpt_addrs for t in srv.accepted], [['root@example.com']],
         'delivered once the relay is back')
    c.eq(b.queued(), [], 'the queue')


def repack(deb, version, out):
    d = tempfile.mkdtemp(dir=os.path.dirname(out))
    subprocess.run(['dpkg-deb', '-R', deb, d], check=True)
    ctl = os.path.join(d, 'DEBIAN', 'control')
    with open(ctl) as f:
        text = f.read()
    text = re.sub(r'^Version: .*$', 'Version: %s' % version, text, flags=re.M)
    with open(ctl, 'w') as f:
        f.write(text)
    subprocess.run(['dpkg-deb', '--root-owner-group', '-b', d, out],
                   check=True, capture_output=True)
    shutil.rmtree(d)


def upgrade_keeps_queue(c):
    b = bed(c)
    b.mail_while_down(c, 'kept', 'before the upgrade')
    ids = b.queued()
    ver = subprocess.run(['dpkg-deb', '-f', b.debs[0], 'Version'],
                         capture_output=True, text=True).stdout.strip()
    new = []
    for d in b.debs:
        name = os.path.basename(d).split('_')[0]
        out = os.path.join(b.root, 'debs', '%s_%s+up1_new.deb' % (name, ver))
        repack(d, ver + '+up1', out)
        new.append('/debs/' + os.path.basename(out))
    res = b.run(['apt-get', 'install', '-y', '-q',
                 '--no-install-recommends'] + new)
    c.eq(res.returncode, 0, 'the upgrade: %s' % T.short(res.stderr))
    got = b.run(['dpkg-query', '-W', '-f', '${Version}', 'dsmtp-mta'])
    c.eq(got.stdout.decode(), ver + '+up1', 'dsmtp-mta\'s version')
    c.eq(b.queued(), ids, 'the queue after the upgrade')
    with SmtpServer(port=b.port) as srv:
        b.queue_run()
        srv.settle()
    c.eq([t.rcpt_addrs for t in srv.accepted], [['root@example.com']],
         'delivered after the upgrade')


def remove_and_purge(c):
    b = bed(c)
    b.mail_while_down(c, 'stays', 'before the removal')
    res = b.run(['apt-get', 'remove', '-y', '-q', 'dsmtp-mta'])
    c.eq(res.returncode, 0, 'remove: %s' % T.short(res.stderr))
    for link in ('usr/sbin/sendmail', 'usr/lib/sendmail', 'usr/bin/mailq',
                 'usr/bin/newaliases'):
        c.true(not os.path.lexists(os.path.join(b.root, link)),
               '%s after the removal' % link)
    c.eq(len(b.queued()), 1, 'the queue after the removal')
    res = b.run(['apt-get', 'purge', '-y', '-q', 'dsmtp-mta', 'dsmtp',
                 'bsd-mailx'])
    c.eq(res.returncode, 0, 'purge: %s' % T.short(res.stderr))
    said = res.stdout + res.stderr
    c.true(re.search(rb'warning: purging deletes the queue', said) and
           re.search(rb'\b1 message', said),
           'the purge warns of the queued message: %s'
           % T.short(said[-800:]))
    b.run(['apt-get', 'autoremove', '--purge', '-y', '-q'])
    left = sorted(b.files() - b.before)
    c.eq(left, [], 'files left after the purge')
    c.eq(state_users(b), [], 'the dsmtp user and group')


def state_users(b):
    found = []
    for f in ('etc/passwd', 'etc/group'):
        with open(os.path.join(b.root, f)) as fh:
            found += [l.split(':')[0] for l in fh
                      if l.split(':')[0] == 'dsmtp']
    return found


TESTS = [
    ('dpkg-buildpackage builds dsmtp and dsmtp-mta (the MTA, no '
     'set-ID file)', build),
    ('lintian finds no error', lintian),
    ('apt install in a chroot: statoverride, modes, user; postinst twice '
     'changes nothing', install),
    ('bsd-mailx pulls no other MTA', no_other_mta),
    ('mail as an unprivileged user reaches the relay', mail_as_user),
    ('mailq lists mail while the relay is down; it goes when it is back',
     queue_while_down),
    ('an upgrade to a rebuilt package keeps a queued message',
     upgrade_keeps_queue),
    ('remove keeps the queue, takes the links; purge leaves nothing',
     remove_and_purge),
]

if __name__ == '__main__':
    T.private_mounts(INNER)
    try:
        T.main(TESTS)
    finally:
        for b in _bed:
            subprocess.run(['umount', '-l', os.path.join(b.root, 'proc')],
                           capture_output=True)
            shutil.rmtree(b.work, ignore_errors=True)
