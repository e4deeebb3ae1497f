#!/usr/bin/python3
"""install.py - what installing dsmtp leaves behind (issue 10 item 5,
issue 13): make install-sendmail-links makes the four program links and
the mailq(1), newaliases(1) and sendmail(8) manual links, and
uninstall-sendmail-links takes every one of them away again (into a
DESTDIR); make install-system refuses a DESTDIR (it changes the machine);
contrib's sysusers.d and tmpfiles.d files, applied by systemd's own tools
to a scratch root, give the spool the owners and modes install-system.sh
gives it."""

import os
import shutil
import stat
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True     # the source tree may be read-only
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'lib'))
import dsmtptest as T                                    # noqa: E402

SRC = os.path.abspath(os.path.join(HERE, '..', '..'))
BUILD = os.path.dirname(os.path.dirname(os.path.abspath(T.DSMTP)))
BIN_LINKS = ('/usr/sbin/sendmail', '/usr/lib/sendmail', '/usr/bin/mailq',
             '/usr/bin/newaliases')
MAN_LINKS = {'man1/mailq.1': 'dsmtp.1', 'man1/newaliases.1': 'dsmtp.1',
             'man8/sendmail.8': '../man1/dsmtp.1'}


def make(target, **var):
    args = ['make', '-s', '-C', BUILD, target] + ['%s=%s' % kv
                                                  for kv in var.items()]
    return subprocess.run(args, capture_output=True, text=True)


def sendmail_links(c):
    with tempfile.TemporaryDirectory() as d:
        res = make('install-sendmail-links', DESTDIR=d, bindir='/usr/bin',
                   mandir='/usr/share/man')
        c.eq(res.returncode, 0, 'install-sendmail-links: %s' % res.stderr)
        c.eq({l: os.readlink(d + l) for l in BIN_LINKS if
              os.path.islink(d + l)},
             {l: '/usr/bin/dsmtp' for l in BIN_LINKS}, 'program links')
        man = os.path.join(d, 'usr/share/man')
        c.eq({l: os.readlink(os.path.join(man, l)) for l in MAN_LINKS
              if os.path.islink(os.path.join(man, l))}, MAN_LINKS,
             'manual links')
        # Each manual link, followed, reaches dsmtp.1 beside it.
        for l, to in MAN_LINKS.items():
            c.eq(os.path.normpath(os.path.join(os.path.dirname(l), to)),
                 'man1/dsmtp.1', '%s leads to' % l)
        res = make('uninstall-sendmail-links', DESTDIR=d, bindir='/usr/bin',
                   mandir='/usr/share/man')
        c.eq(res.returncode, 0, 'uninstall-sendmail-links: %s' % res.stderr)
        left = [os.path.join(r, f) for r, _, fs in os.walk(d) for f in fs]
        c.eq(left, [], 'files left after the uninstall')


def reinstall_keeps_spool(c):
    """make install makes the spool 0700 where there is none, and leaves
    one that is there (install-system's 0750 dsmtp) as it is."""
    with tempfile.TemporaryDirectory() as d:
        spool = os.path.join(d, 'spool')
        res = make('install-data-local', DESTDIR='', spooldir=spool)
        c.eq(res.returncode, 0, 'first install: %s' % res.stderr)
        c.eq(stat.S_IMODE(os.stat(spool).st_mode), 0o700, 'a new spool')
        os.chmod(spool, 0o750)
        res = make('install-data-local', DESTDIR='', spooldir=spool)
        c.eq(res.returncode, 0, 'second install: %s' % res.stderr)
        c.eq(stat.S_IMODE(os.stat(spool).st_mode), 0o750,
             'the spool after installing again')


def install_system_destdir(c):
    with tempfile.TemporaryDirectory() as d:
        res = make('install-system', DESTDIR=d)
        c.true(res.returncode != 0, 'install-system with DESTDIR ran')
        c.true('not with DESTDIR' in res.stderr, 'says why: %r'
               % res.stderr)
        c.eq(os.listdir(d), [], 'files made in DESTDIR')


def systemd_files(c):
    tools = [shutil.which(t) for t in ('systemd-sysusers',
                                       'systemd-tmpfiles')]
    if not all(tools) or os.geteuid() != 0:
        c.skip('needs root, systemd-sysusers and systemd-tmpfiles')
    with tempfile.TemporaryDirectory() as root:
        os.makedirs(os.path.join(root, 'etc'))
        for f in ('passwd', 'group', 'shadow', 'gshadow'):
            open(os.path.join(root, 'etc', f), 'w').close()
        res = subprocess.run([tools[0], '--root', root, os.path.join(
            SRC, 'contrib', 'sysusers.d', 'dsmtp.conf')],
            capture_output=True, text=True)
        c.eq(res.returncode, 0, 'systemd-sysusers: %s' % res.stderr)
        with open(os.path.join(root, 'etc', 'passwd')) as f:
            users = {l.split(':')[0]: l.split(':') for l in f if ':' in l}
        c.need('dsmtp' in users, 'the user dsmtp: %r' % users)
        uid, gid = int(users['dsmtp'][2]), int(users['dsmtp'][3])
        c.eq(users['dsmtp'][5], '/var/spool/dsmtp', 'its home')
        c.true(uid < 1000, 'a system uid: %d' % uid)
        res = subprocess.run([tools[1], '--root', root, '--create',
                              os.path.join(SRC, 'contrib', 'tmpfiles.d',
                                           'dsmtp.conf')],
                             capture_output=True, text=True)
        c.eq(res.returncode, 0, 'systemd-tmpfiles: %s' % res.stderr)
        want = {'': 0o750, 'entries': 0o750, 'tmp': 0o700,
                'quarantine': 0o700, 'incoming': 0o730}
        for sub, mode in want.items():
            st = os.stat(os.path.join(root, 'var/spool/dsmtp', sub))
            c.eq((stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid),
                 (mode, uid, gid), 'spool %s: mode, owner, group'
                 % (sub or '.'))
    # The same modes as the script that make install-system runs.
    with open(os.path.join(SRC, 'contrib', 'install-system.sh')) as f:
        script = f.read()
    for mode in ('0750 "$spool"', '0700 "$spool/$d"',
                 '0750 "$spool/entries"', '0730 "$spool/incoming"'):
        c.true(mode in script, 'install-system.sh: %s' % mode)


TESTS = [
    ('install-sendmail-links: program and manual links, all removed by '
     'uninstall-sendmail-links', sendmail_links),
    ('make install leaves a spool that is there as it is',
     reinstall_keeps_spool),
    ('install-system refuses DESTDIR', install_system_destdir),
    ('sysusers.d and tmpfiles.d give the spool install-system\'s owners and '
     'modes', systemd_files),
]

if __name__ == '__main__':
    T.main(TESTS)
