"""postfixpeer.py - Postfix as a test peer, run from an unpacked .deb.

Owns: where tests/peers.sh unpacked Debian's postfix package, the
environment its programs need (LD_LIBRARY_PATH), the queue directory a
private instance needs, and starting/stopping a private `master`.
Not: what an instance is configured to do (its suite writes main.cf's
service settings and master.cf).

Postfix is never installed: installing it would remove the user's MTA.
"""

import grp
import os
import pwd
import signal
import subprocess
import time

CACHE = os.environ.get('DSMTP_PEERS_DIR') or os.path.join(
    os.environ.get('XDG_CACHE_HOME') or
    os.path.join(os.path.expanduser('~'), '.cache'), 'dsmtp-tests', 'peers')
ROOT = os.path.join(CACHE, 'postfix')
LIBDIR = os.path.join(ROOT, 'usr', 'lib', 'postfix')
DAEMONS = os.path.join(LIBDIR, 'sbin')
SBIN = os.path.join(ROOT, 'usr', 'sbin')
OWNER, DROP = 'dsmtp-pf', 'dsmtp-pfdrop'
QUEUE_SUBDIRS = ('incoming', 'active', 'deferred', 'bounce', 'defer',
                 'flush', 'hold', 'corrupt', 'saved', 'trace', 'private')


def problem():
    """Why no private Postfix can run here, or None."""
    if not os.path.exists(os.path.join(DAEMONS, 'master')):
        return ('Postfix is not unpacked in %s: run tests/peers.sh'
                % CACHE)
    try:
        pwd.getpwnam(OWNER)
        grp.getgrnam(DROP)
    except KeyError:
        return 'no user %s / group %s: run tests/peers.sh as root' % (
            OWNER, DROP)
    return None


def env():
    """The environment for any program of the unpacked Postfix."""
    e = dict(os.environ)
    e['LD_LIBRARY_PATH'] = LIBDIR
    return e


def tool(name):
    """Path of a command-line program (smtp-sink, postconf, ...)."""
    return os.path.join(SBIN, name)


def main_cf(directory):
    """main.cf lines that make an instance in directory run from the
    unpacked tree as user dsmtp-pf; creates its queue directory."""
    owner = pwd.getpwnam(OWNER)
    drop = grp.getgrnam(DROP)
    queue = os.path.join(directory, 'queue')
    os.makedirs(queue, 0o755, exist_ok=True)
    os.mkdir(os.path.join(queue, 'pid'), 0o755)
    for sub in QUEUE_SUBDIRS:
        path = os.path.join(queue, sub)
        os.mkdir(path, 0o700)
        os.chown(path, owner.pw_uid, owner.pw_gid)
    for sub, mode in (('public', 0o710), ('maildrop', 0o1730)):
        path = os.path.join(queue, sub)
        os.mkdir(path)
        os.chown(path, owner.pw_uid, drop.gr_gid)
        os.chmod(path, mode)
    return [
        'command_directory = %s' % SBIN,
        'daemon_directory = %s' % DAEMONS,
        'shlib_directory = %s' % LIBDIR,
        'meta_directory = %s' % os.path.join(ROOT, 'etc', 'postfix'),
        'queue_directory = %s' % queue,
        'mail_owner = %s' % OWNER,
        'setgid_group = %s' % DROP,
        'import_environment = MAIL_CONFIG MAIL_DEBUG MAIL_LOGTAG TZ '
        'LANG=C LD_LIBRARY_PATH=%s' % LIBDIR,
        'maillog_file_prefixes = %s' % directory,
    ]


def start(conf_dir):
    """Start a private master in the foreground (-d) on conf_dir; the
    caller ends it with stop()."""
    return subprocess.Popen([os.path.join(DAEMONS, 'master'), '-c',
                             conf_dir, '-d'], env=env(),
                            stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT,
                            start_new_session=True)


def stop(proc, seconds=15):
    """End a master started by start() and every child it forked."""
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(seconds)
    except subprocess.TimeoutExpired:
        pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()
