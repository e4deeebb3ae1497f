#!/usr/bin/python3
"""limits.py - bounded cost and trust for what dsmtp reads locally: its
configuration files (who may own them, what an error may quote, the range
of every number), eval and passwordeval (deadline, output cap), aliases
(memoised expansion with a cap, recipient de-duplication in linear time),
file size caps and regular-file checks, and --dkim-keygen on a full disk.

Time limits here are correctness bounds with wide margins (a defect took
seconds to minutes, the fixed code takes milliseconds), not benchmarks.
Tests that need root (chown, tmpfs, setpriv) skip without it."""

import os
import re
import shutil
import stat
import subprocess
import sys
import time

sys.dont_write_bytecode = True     # the source tree may be read-only
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..', 'lib'))
import dsmtptest as T                                    # noqa: E402
from smtpserver import SmtpServer, refused_port          # noqa: E402

MSG = b'From: sender@example.com\nTo: a@example.org\nSubject: limits\n\nhi\n'
ARGV = ['-oi', '-f', 'sender@example.com', 'a@example.org']
NOBODY = 65534
SHADOW = 'root:$6$saltsalt$SECRETHASHSECRETHASH:19000:0:99999:7:::\n'


def refused(c, res, code=T.EX_CONFIG, says=None):
    c.exit(res, code)
    c.no_stdout(res)
    c.one_stderr_line(res)
    if says is not None:
        c.true(says.encode() in res.err, 'stderr does not say %r: %s'
               % (says, T.short(res.err)))


def send(box, port, extra, argv=ARGV, msg=MSG, **kw):
    return T.sendmail(box, port, argv, msg, ['queue off'] + list(extra), **kw)


def need_root(c):
    if os.geteuid() != 0:
        c.skip('needs root')


# -- item 4: errors quote no file content ------------------------------------

def config_symlink_to_shadow(c):
    with T.sandbox() as box:
        shadow = T.write_file(os.path.join(box, 'shadow'), SHADOW, 0o640)
        link = os.path.join(box, 'rc')
        os.symlink(shadow, link)
        res = T.run(['-C', link] + ARGV, MSG, box=box)
    refused(c, res)
    c.true(b'SECRETHASH' not in res.err and b'$6$' not in res.err,
           'the file content is quoted: %s' % T.short(res.err))


def config_error_control_chars(c):
    with T.sandbox() as box:
        cfg = T.write_file(os.path.join(box, 'rc'),
                           'account default\nhost x\n'
                           'account b : \x1b]0;owned\x07\x1b[2J\n')
        res = T.run(['-C', cfg] + ARGV, MSG, box=box)
    refused(c, res)
    c.true(not any(b < 0x20 and b != 0x0a for b in res.err),
           'control characters on stderr: %s' % T.short(res.err))


# -- item 20: numbers out of range -------------------------------------------

def number_out_of_range(c, line, name):
    with T.sandbox() as box, SmtpServer() as srv:
        res = send(box, srv.port, [line])
        c.silent_server(srv)
    refused(c, res, says=name)


# -- item 18: eval and passwordeval have a deadline --------------------------

def passwordeval_timeout(c):
    with T.sandbox() as box, SmtpServer() as srv:
        res = send(box, srv.port, ['timeout 2', 'auth plain', 'user u',
                                   'passwordeval sleep 30'], timeout=60)
    refused(c, res, says='2 seconds')
    c.true(res.elapsed < 15, 'passwordeval sleep 30 with timeout 2 took '
           '%.1f s' % res.elapsed)
    c.eq(srv.transactions, [], 'transactions')


def passwordeval_endless_output(c):
    with T.sandbox() as box, SmtpServer() as srv:
        res = send(box, srv.port, ['timeout 20', 'auth plain', 'user u',
                                   'passwordeval yes'], timeout=60)
    refused(c, res, says='KiB')
    c.true(res.elapsed < 15, 'passwordeval yes took %.1f s' % res.elapsed)
    c.true(res.peak_kb < 64 * 1024, 'peak memory %d kB' % res.peak_kb)


def eval_timeout(c):
    with T.sandbox() as box, SmtpServer() as srv:
        cfg = T.write_file(os.path.join(box, 'rc'),
                           'defaults\ntimeout 2\naccount default\n'
                           'eval sleep 30\nhost 127.0.0.1\n')
        res = T.run(['-C', cfg] + ARGV, MSG, box=box, timeout=60)
        c.silent_server(srv)
    refused(c, res, says='2 seconds')
    c.true(res.elapsed < 15, 'eval sleep 30 took %.1f s' % res.elapsed)


def eval_endless_output(c):
    with T.sandbox() as box, SmtpServer() as srv:
        cfg = T.write_file(os.path.join(box, 'rc'),
                           'account default\neval yes host 127.0.0.1\n')
        res = T.run(['-C', cfg] + ARGV, MSG, box=box, timeout=60)
    refused(c, res, says='KiB')
    c.true(res.elapsed < 15, 'eval yes took %.1f s' % res.elapsed)
    c.true(res.peak_kb < 64 * 1024, 'peak memory %d kB' % res.peak_kb)


# -- items 3, 22, 23: whose configuration files are used ---------------------

def user_config_of_another(c, owner, mode):
    """As root, XDG_CONFIG_HOME points at a config dsmtp must not use: its
    eval would run as root and its logfile be appended to as root."""
    need_root(c)
    with T.sandbox() as box, SmtpServer() as srv:
        marker = os.path.join(box, 'eval-ran')
        log = os.path.join(box, 'other.log')
        d = os.path.join(box, 'xdg-config', 'dsmtp')
        os.makedirs(d)
        rc = T.write_file(os.path.join(d, 'config'),
                          'defaults\nlogfile %s\neval touch %s\n'
                          'account default\nhost 127.0.0.1\nport %d\n'
                          % (log, marker, srv.port), mode)
        os.chown(rc, owner, owner)
        res = T.run(ARGV, MSG, box=box)
        c.eq(srv.transactions, [], 'transactions')
        c.true(not os.path.exists(marker), 'its eval ran as root')
        c.true(not os.path.exists(log), 'its logfile was written as root')
    c.true(res.code != 0, 'delivered with a refused config')
    c.no_stdout(res)
    c.true(rc.encode() in res.err, 'stderr does not name %s: %s'
           % (rc, T.short(res.err)))


def sysconf_dir():
    with open(T.DSMTP, 'rb') as f:
        m = re.search(rb'(/[\x21-\x7e]*)/dsmtprc\x00', f.read())
    return m.group(1).decode() if m else None


# Put a dsmtprc in SYSCONFDIR for one command, in a mount namespace of its
# own (an overlay; the machine's directory is not touched).
SYSRC = r'''
mount -t tmpfs tmpfs "$1" || exit 99
mkdir "$1/u" "$1/w" && chmod 755 "$1/u" || exit 99
cp "$2" "$1/u/dsmtprc" && chmod "$3" "$1/u/dsmtprc" || exit 99
mount -t overlay overlay -o "lowerdir=$4,upperdir=$1/u,workdir=$1/w" "$4" \
    || exit 99
shift 4
exec "$@"
'''


def with_system_rc(c, box, text, mode, argv, uid=None, env=None, stdin=MSG):
    """Run dsmtp argv with SYSCONFDIR/dsmtprc holding text (root's, mode),
    as uid when given."""
    need_root(c)
    sysconf = sysconf_dir()
    if sysconf is None or not os.path.isdir(sysconf):
        c.skip('no SYSCONFDIR found in %s' % T.DSMTP)
    if os.path.exists(os.path.join(sysconf, 'dsmtprc')) or \
            not shutil.which('unshare') or not shutil.which('setpriv'):
        c.skip('%s/dsmtprc exists, or no unshare/setpriv' % sysconf)
    src = T.write_file(os.path.join(box, 'sysrc'), text)
    mnt = os.path.join(box, 'ovl')
    os.mkdir(mnt)
    cmd = ['unshare', '-m', '--propagation', 'private', 'sh', '-c', SYSRC,
           'sh', mnt, src, '%o' % mode, sysconf]
    if uid is not None:
        cmd += ['setpriv', '--reuid=%d' % uid, '--regid=%d' % uid,
                '--clear-groups', '--']
    cmd += [T.DSMTP] + list(argv)
    env = env or T.sandbox_env(box)
    start = time.monotonic()
    p = subprocess.run(cmd, input=stdin, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, env=env, timeout=60)
    if p.returncode == 99:
        c.skip('no private overlay on %s here: %s' % (sysconf, p.stderr))
    return T.Result(p.returncode, p.stdout, p.stderr,
                    time.monotonic() - start, 0)


def system_rc(port, extra=()):
    return '\n'.join(['defaults', 'syslog off', 'queue off', 'timeout 5',
                      'qualify_domain %s' % T.QUALIFY_DEFAULT,
                      'account default', 'host 127.0.0.1',
                      'port %d' % port] + list(extra)) + '\n'


def unreadable_user_config(c):
    """As nobody with HOME=/root: the user file cannot be read, so the
    system file applies, with a warning (it used to be 78, no mail)."""
    if not os.path.isdir('/root') or os.stat('/root').st_mode & 0o005:
        c.skip('/root is not closed to other users here')
    with T.sandbox() as box, SmtpServer() as srv:
        os.chmod(box, 0o755)
        env = T.sandbox_env(box)
        env.update(HOME='/root', USER='nobody', LOGNAME='nobody')
        env.pop('XDG_CONFIG_HOME')
        res = with_system_rc(c, box, system_rc(srv.port), 0o644, ARGV,
                             uid=NOBODY, env=env)
        srv.settle()
        got = [t.rcpt_addrs for t in srv.accepted]
    c.exit(res, 0)
    c.eq(got, [['a@example.org']], 'recipients the server accepted')
    c.one_stderr_line(res)
    c.true(b'warning' in res.err and b'/root/' in res.err,
           'no warning naming the unreadable file: %s' % T.short(res.err))


def world_readable_system_password(c):
    with T.sandbox() as box, SmtpServer() as srv:
        res = with_system_rc(c, box, system_rc(srv.port, [
            'user u', 'password sys-s3cret']), 0o644, ARGV)
        srv.settle()
        got = len(srv.accepted)
    c.exit(res, 0)
    c.eq(got, 1, 'messages accepted')
    c.true(b'warning' in res.err and b'password' in res.err,
           'no warning about a world-readable password: %s'
           % T.short(res.err))
    c.true(b'sys-s3cret' not in res.err, 'the password is shown')


def proc_owner_while_waiting(c, extra):
    """Run dsmtp as nobody against a server that never greets; the owner
    of /proc/PID/environ while it waits: root when it is not dumpable."""
    need_root(c)
    with T.sandbox() as box, SmtpServer(mode='silent') as srv:
        os.chmod(box, 0o755)
        rc = T.write_config(box, srv.port, ['queue off', 'timeout 10'] +
                            list(extra))
        os.chown(rc, NOBODY, NOBODY)
        p = subprocess.Popen([T.DSMTP, '-C', rc] + ARGV,
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, user=NOBODY,
                             group=NOBODY, extra_groups=[],
                             env=T.sandbox_env(box))
        try:
            p.stdin.write(MSG)
            p.stdin.close()
            deadline = time.monotonic() + 8
            while srv.connections == 0 and time.monotonic() < deadline:
                time.sleep(0.02)
            c.need(srv.connections == 1, 'dsmtp did not connect')
            owner = os.stat('/proc/%d/environ' % p.pid).st_uid
        finally:
            p.kill()
            p.wait()
            p.stdout.close()
            p.stderr.close()
    return owner


def not_dumpable_with_password(c):
    c.eq(proc_owner_while_waiting(c, []), NOBODY,
         'owner of /proc/PID without a secret (the control)')
    c.eq(proc_owner_while_waiting(c, ['user u', 'password pw-s3cret']), 0,
         'owner of /proc/PID with a password loaded (0: not dumpable)')


# -- items 15, 16, 17: aliases and recipients in bounded cost ----------------

def with_aliases(c, text, rcpts, extra=(), timeout=60):
    """Deliver to rcpts with an aliases file holding text."""
    with T.sandbox() as box, SmtpServer() as srv:
        path = T.write_file(os.path.join(box, 'aliases'), text)
        res = send(box, srv.port, ['aliases %s' % path,
                                   'qualify_domain example.net'] +
                   list(extra), ['-oi', '-f', 'sender@example.com'] +
                   list(rcpts), timeout=timeout)
        srv.settle()
        got = [t.rcpt_addrs for t in srv.accepted]
    return res, got


def aliases_diamond(c):
    """Every level's two names lead to both of the next level's: 2^24
    paths to one address (8-11 s before)."""
    lines = ['a%d: a%d, b%d\nb%d: a%d, b%d' % (i, i + 1, i + 1, i, i + 1,
                                               i + 1) for i in range(24)]
    text = '\n'.join(lines) + '\na24: end@example.org\nb24: end@example.org\n'
    res, got = with_aliases(c, text, ['a0'])
    c.exit(res, 0)
    c.eq(got, [['end@example.org']], 'recipients the server accepted')
    c.true(res.elapsed < 2, 'a 24-level diamond took %.1f s' % res.elapsed)


def aliases_default_bare_names(c):
    """default: with bare names that are unknown too (1.2 s per recipient
    with 9 names, 11.8 s with 10)."""
    names = ['n%d' % i for i in range(1, 12)]
    res, got = with_aliases(c, 'default: %s\n' % ', '.join(names),
                            ['someone', 'other'])
    c.exit(res, 0)
    c.eq(got, [[n + '@example.net' for n in names]],
         'recipients the server accepted')
    c.true(res.elapsed < 2, 'took %.1f s' % res.elapsed)


def aliases_expansion_cap(c):
    targets = ', '.join('x%d@example.org' % i for i in range(10001))
    res, got = with_aliases(c, 'big: %s\n' % targets, ['big'])
    refused(c, res, T.EX_DATAERR, says='10000')
    c.eq(got, [], 'messages accepted')


def aliases_not_regular(c, path, says):
    with T.sandbox() as box, SmtpServer() as srv:
        res = send(box, srv.port, ['aliases %s' % path], timeout=60)
        c.silent_server(srv)
    refused(c, res, says=says)
    c.true(res.elapsed < 10, 'took %.1f s' % res.elapsed)
    c.true(res.peak_kb < 64 * 1024, 'peak memory %d kB' % res.peak_kb)


def aliases_fifo(c):
    with T.sandbox() as box:
        fifo = os.path.join(box, 'fifo')
        os.mkfifo(fifo)
        aliases_not_regular(c, fifo, 'not a regular file')


def aliases_sparse_1g(c):
    with T.sandbox() as box:
        path = os.path.join(box, 'aliases')
        with open(path, 'wb') as f:
            f.truncate(1024 * 1024 * 1024)
        aliases_not_regular(c, path, 'larger than')


def lists(addrs, n=50):
    """addrs as argv address lists of n (an argument is at most 998
    octets)."""
    return [','.join(addrs[i:i + n]) for i in range(0, len(addrs), n)]


def dkim_key_fifo(c):
    """A dkim_key on a FIFO used to block for ever."""
    with T.sandbox() as box, SmtpServer() as srv:
        fifo = os.path.join(box, 'key.pem')
        os.mkfifo(fifo, 0o600)
        res = send(box, srv.port, ['dkim_key s1 %s' % fifo,
                                   'dkim_domain example.com'], timeout=30)
        c.silent_server(srv)
    refused(c, res, says='not a regular file')
    c.true(res.elapsed < 10, 'took %.1f s' % res.elapsed)


def dedupe_correct(c):
    rcpts = ['r%d@example.org' % (i % 500) for i in range(1000)]
    rcpts += ['R%d@EXAMPLE.ORG' % i for i in range(0, 500, 3)]
    res, got = with_aliases(c, '', lists(rcpts))
    c.exit(res, 0)
    c.eq(got, [['r%d@example.org' % i for i in range(500)]],
         'recipients the server accepted (each once, first spelling)')


def dedupe_100000(c):
    """100,000 argv recipients (as lists of 80): 17 s of CPU before. The
    relay's port refuses connections, so this measures dsmtp alone."""
    import resource
    sock = refused_port()
    args = lists(['u%d@x.io' % i for i in range(100000)], 80)
    with T.sandbox() as box:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        res = send(box, sock.getsockname()[1], ['timeout 5'],
                   ['-oi', '-f', 'sender@example.com'] + args, timeout=120)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    sock.close()
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime -
                                                before.ru_stime)
    c.exit(res, T.EX_TEMPFAIL, T.EX_UNAVAILABLE)
    c.true(cpu < 5, '100,000 recipients took %.1f s of CPU' % cpu)


# -- item 24: --dkim-keygen on a full disk -----------------------------------

FULL_DISK = r'''
mount -t tmpfs -o size=8k tmpfs "$1" || exit 99
head -c 1048576 /dev/zero > "$1/fill" 2>/dev/null
"$2" --dkim-keygen "$1/key.pem" >/dev/null 2>"$1/../err"
echo "rc=$?"
ls -a "$1"
'''


def keygen_disk_full(c):
    need_root(c)
    if not shutil.which('unshare'):
        c.skip('needs unshare')
    with T.sandbox() as box:
        d = os.path.join(box, 'small')
        os.mkdir(d)
        p = subprocess.run(['unshare', '-m', '--propagation', 'private',
                            'sh', '-c', FULL_DISK, 'sh', d, T.DSMTP],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=120)
        if p.returncode == 99:
            c.skip('no tmpfs here: %r' % p.stderr)
        with open(os.path.join(box, 'err'), 'rb') as f:
            err = f.read()
    out = p.stdout.decode().split()
    c.true(out and out[0] != 'rc=0', '--dkim-keygen on a full disk '
           'exited 0: %r' % p.stdout)
    c.eq(sorted(out[1:]), ['.', '..', 'fill'],
         'files left on the full disk (no key.pem, no temporary)')
    c.true(b'key.pem' in err, 'stderr does not name the key: %r' % err)


def keygen_no_overwrite(c):
    with T.sandbox() as box:
        key = T.write_file(os.path.join(box, 'key.pem'), 'old key\n')
        res = T.run(['--dkim-keygen', key], b'', box=box)
        with open(key) as f:
            kept = f.read()
        made = T.run(['--dkim-keygen', os.path.join(box, 'new.pem')], b'',
                     box=box)
        left = sorted(os.listdir(box))
        mode = stat.S_IMODE(os.stat(os.path.join(box, 'new.pem')).st_mode) \
            if 'new.pem' in left else None
    c.true(res.code != 0, 'overwrote an existing key file')
    c.eq(kept, 'old key\n', 'the existing file')
    c.exit(made, 0)
    c.eq(mode, 0o600, 'mode of the new key')
    c.eq([n for n in left if '.tmp' in n], [], 'temporary files left')


TESTS = [
    ('-C on a symlink to a shadow file: 78, no content quoted',
     config_symlink_to_shadow),
    ('config error with terminal escapes: none reach stderr',
     config_error_control_chars),
    ('timeout 25d: 78, no connection',
     lambda c: number_out_of_range(c, 'timeout 25d', 'timeout')),
    ('timeout of 20 digits: 78',
     lambda c: number_out_of_range(c, 'timeout 99999999999999999999',
                                   'timeout')),
    ('dkim_expire beyond ten years: 78',
     lambda c: number_out_of_range(c, 'dkim_expire 99999999999w',
                                   'dkim_expire')),
    ('max_message_size beyond 1024G: 78',
     lambda c: number_out_of_range(c, 'max_message_size 9999999999999G',
                                   'max_message_size')),
    ('passwordeval sleep 30, timeout 2: 78 within seconds',
     passwordeval_timeout),
    ('passwordeval yes: 78, bounded time and memory',
     passwordeval_endless_output),
    ('eval sleep 30, timeout 2: 78 within seconds', eval_timeout),
    ('eval yes: 78, bounded time and memory', eval_endless_output),
    ('as root, a user config owned by uid 65534: not used, eval not run',
     lambda c: user_config_of_another(c, NOBODY, 0o600)),
    ('as root, a user config of mode 0664: not used, eval not run',
     lambda c: user_config_of_another(c, 0, 0o664)),
    ('unreadable user config (nobody, HOME=/root): system file, warning',
     unreadable_user_config),
    ('world-readable system dsmtprc with a password: warning, delivered',
     world_readable_system_password),
    ('a password in memory: dsmtp is not dumpable',
     not_dumpable_with_password),
    ('aliases: a 24-level diamond expands in under 2 s', aliases_diamond),
    ('aliases: default: with 11 unknown bare names, under 2 s',
     aliases_default_bare_names),
    ('aliases: an expansion to 10001 addresses is refused (65)',
     aliases_expansion_cap),
    ('aliases /dev/zero: 78 at once, bounded memory',
     lambda c: aliases_not_regular(c, '/dev/zero', 'not a regular file')),
    ('aliases on a FIFO: 78 at once', aliases_fifo),
    ('aliases: a 1 GB sparse file: 78 at once, bounded memory',
     aliases_sparse_1g),
    ('dkim_key on a FIFO: 78 at once', dkim_key_fifo),
    ('recipients de-duplicated ignoring case, first spelling kept',
     dedupe_correct),
    ('100,000 recipients: de-duplicated in under 5 s of CPU', dedupe_100000),
    ('--dkim-keygen on a full disk: fails, leaves no file', keygen_disk_full),
    ('--dkim-keygen never replaces a file; new key 0600, no temporary',
     keygen_no_overwrite),
]

if __name__ == '__main__':
    T.main(TESTS)
