#!/usr/bin/python3
"""privsplit.py - the system's mail with real users (issue 10, items 5
and 6). www-data and a second user submit to a system configuration they
may not read (0640 root:dsmtp: a relay password, a DKIM key of the same
mode) through the set-group-ID helper dsmtp-drop; runs as the dsmtp user
(-q, and --queue-daemon) pick their mail up and deliver it, signed and
authenticated, to a real server on loopback. The users cannot read the
configuration, the key, the spool or each other's mail; links and FIFOs
planted in incoming/ are not followed; the helper refuses arguments, a
stream cut short, a bad header and a message over its limit, whatever
environment and descriptors it is started with.

Everything runs in a private mount namespace: overlays (their upper
layers on a tmpfs) over /etc and over the directories holding the
compiled configuration file and spool, and a tmpfs for the installed
binaries, so the users, the group and every file the test makes vanish
with it; nothing of the machine is changed."""

import base64
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True     # the source tree may be read-only
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'lib'))
import dsmtptest as T                                    # noqa: E402
from authserver import AuthServer                        # noqa: E402

INNER = 'DSMTP_PRIVSPLIT_INNER'
USERS = {'ann': 'relay-secret-9f3'}
ALICE = 'dsmtp-alice'
MSG = b'Subject: from the web\n\nhello from PHP\n'
SRC = os.path.join(HERE, '..', '..')


class Bed:
    """The namespace's set-up, made once: paths, users, installed
    binaries, the spool as make install-system leaves it."""

    def __init__(self):
        out = subprocess.run([T.DSMTP, '--version'], capture_output=True,
                             text=True, env={'LC_ALL': 'C'}).stdout
        self.conf = re.search(r'^System configuration file: (.*)$', out,
                              re.M).group(1)
        self.spool = re.search(r'^System queue: (.*)$', out, re.M).group(1)
        for d in {'/etc', self.existing(os.path.dirname(self.conf)),
                  self.existing(os.path.dirname(self.spool))}:
            overlay(d)
        shutil.rmtree(self.spool, ignore_errors=True)
        os.makedirs(os.path.dirname(self.conf), exist_ok=True)
        self.bin = tempfile.mkdtemp(prefix='dsmtp-privsplit-')
        mount(['-t', 'tmpfs', '-o', 'mode=0755', 'tmpfs', self.bin])
        for name in ('dsmtp', 'dsmtp-drop'):
            shutil.copy(os.path.join(os.path.dirname(T.DSMTP), name),
                        os.path.join(self.bin, name))
        self.dsmtp = os.path.join(self.bin, 'dsmtp')
        self.helper = os.path.join(self.bin, 'dsmtp-drop')
        for user in ('www-data', ALICE):
            if subprocess.run(['id', user], capture_output=True).returncode:
                subprocess.run(['useradd', '--no-create-home', '--home-dir',
                                '/nonexistent', '--shell', '/bin/sh', user],
                               check=True)
        self.key = os.path.join(os.path.dirname(self.conf), 'dsmtp-test.pem')
        subprocess.run(['openssl', 'genpkey', '-algorithm', 'ed25519',
                        '-out', self.key], check=True, capture_output=True)
        der = subprocess.run(['openssl', 'pkey', '-in', self.key, '-pubout',
                              '-outform', 'DER'], check=True,
                             capture_output=True).stdout
        self.record = b'v=DKIM1; k=ed25519; p=' + base64.b64encode(der[-32:])
        self.write_config(1)
        res = subprocess.run(['sh', os.path.join(SRC, 'contrib',
                                                 'install-system.sh'),
                              self.spool, self.conf, self.helper],
                             capture_output=True, text=True)
        if res.returncode != 0:
            raise RuntimeError('install-system.sh: %s' % res.stderr)
        subprocess.run(['chgrp', 'dsmtp', self.key], check=True)
        os.chmod(self.key, 0o640)
        self.log = os.path.join(self.bin, 'dsmtp.log')
        open(self.log, 'w').close()
        shutil.chown(self.log, 'dsmtp', 'dsmtp')

    @staticmethod
    def existing(d):
        while not os.path.isdir(d):
            d = os.path.dirname(d)
        return d

    def write_config(self, port):
        text = '\n'.join([
            'defaults', 'syslog off', 'qualify_domain example.com',
            'logfile %s' % os.path.join(self.bin, 'dsmtp.log'), '',
            'account default', 'host 127.0.0.1', 'port %d' % port,
            'tls off', 'auth plain', 'user ann',
            'password %s' % USERS['ann'], 'dkim_key sel %s' % self.key,
            'timeout 5', '']) + '\n'
        with open(self.conf, 'w') as f:
            f.write(text)
        if os.path.exists(self.spool):
            shutil.chown(self.conf, 'root', 'dsmtp')
            os.chmod(self.conf, 0o640)

    def incoming(self):
        return sorted(os.listdir(os.path.join(self.spool, 'incoming')))

    def entries(self):
        return sorted(os.listdir(os.path.join(self.spool, 'entries')))


_bed = []


def bed(c):
    if os.environ.get(INNER) != '1':
        c.skip('needs root and unshare for a private mount namespace')
    if not _bed:
        _bed.append(Bed())
    return _bed[0]


def mount(args):
    subprocess.run(['mount'] + args, check=True)


def overlay(d):
    """Writes under d go to a tmpfs from now on (this namespace only)."""
    t = tempfile.mkdtemp(prefix='dsmtp-overlay-')
    mount(['-t', 'tmpfs', 'tmpfs', t])
    os.mkdir(os.path.join(t, 'u'))
    os.mkdir(os.path.join(t, 'w'))
    mount(['-t', 'overlay', 'overlay', '-o', 'lowerdir=%s,upperdir=%s,'
           'workdir=%s' % (d, os.path.join(t, 'u'), os.path.join(t, 'w')), d])


def as_user(user, argv, stdin=b'', env=None, timeout=30, **kw):
    """Run argv as user (its own groups only), with a login's environment
    (plus env); CompletedProcess with bytes."""
    import pwd
    pw = pwd.getpwnam(user)
    base = {'PATH': '/usr/bin:/bin', 'HOME': pw.pw_dir, 'LOGNAME': user,
            'USER': user}
    base.update(env or {})
    return subprocess.run(argv, input=stdin, capture_output=True,
                          env=base, user=pw.pw_uid, group=pw.pw_gid,
                          extra_groups=[], timeout=timeout, **kw)


def server():
    return AuthServer(tls='none', mechs=('PLAIN',), users=USERS)


def dkim_verifies(b, content):
    saved = sys.path[:]     # dkim.py beside this file is not dkimpy
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or '.') != HERE]
    sys.modules.pop('dkim', None)
    try:
        import dkim
        return dkim.verify(content, dnsfunc=lambda name, timeout=5: (
            b.record if name.startswith(b'sel._domainkey.example.com')
            else None))
    finally:
        sys.path[:] = saved


def submit_then_run(c):
    """www-data submits (exit 0, nothing said); its mail waits in
    incoming/, owned by www-data; a run as the dsmtp user delivers it
    authenticated and signed, from www-data's address."""
    b = bed(c)
    with server() as srv:
        b.write_config(srv.port)
        res = as_user('www-data', [b.dsmtp, '-oi', 'rcpt@example.org'], MSG)
        c.eq((res.returncode, res.stdout, res.stderr), (0, b'', b''),
             'exit, stdout, stderr of the submission')
        names = b.incoming()
        c.eq(len(names), 1, 'files in incoming/')
        st = os.stat(os.path.join(b.spool, 'incoming', names[0]))
        import pwd
        c.eq(st.st_uid, pwd.getpwnam('www-data').pw_uid,
             'the file belongs to www-data')
        c.eq(stat.S_IMODE(st.st_mode), 0o640, 'its mode')
        run = as_user('dsmtp', [b.dsmtp, '-q'])
        c.eq(run.returncode, 0, 'dsmtp -q as the dsmtp user: %s'
             % T.short(run.stderr))
    c.need(len(srv.transactions) == 1, 'one message at the relay, got %d'
           % len(srv.transactions))
    t = srv.transactions[0]
    c.eq((t.mail_from, t.rcpts), ('www-data@example.com',
                                  ['rcpt@example.org']), 'envelope')
    c.eq([a.user for a in srv.auths], ['ann'], 'authenticated as')
    c.true(re.search(rb'\r\nFrom: [^\r]*www-data@example\.com', t.content),
           'From: %s' % T.short(t.content))
    c.true(dkim_verifies(b, t.content), 'dkimpy verifies the signature')
    c.eq((b.incoming(), b.entries()), ([], []), 'incoming/ and entries/')


def daemon_picks_up(c):
    """The queue daemon, as the dsmtp user, notices a handed-over
    message at once and delivers it."""
    b = bed(c)
    with server() as srv:
        b.write_config(srv.port)
        import pwd
        pw = pwd.getpwnam('dsmtp')
        d = subprocess.Popen([b.dsmtp, '--queue-daemon'],
                             env={'PATH': '/usr/bin:/bin', 'HOME': '/'},
                             user=pw.pw_uid, group=pw.pw_gid,
                             extra_groups=[], stderr=subprocess.PIPE)
        try:
            time.sleep(0.5)
            res = as_user(ALICE, [b.dsmtp, '-t'],
                          b'To: bob@example.org\nSubject: cron\n\nout\n')
            c.eq(res.returncode, 0, 'alice submits: %s' % T.short(res.stderr))
            end = time.monotonic() + 10
            while not srv.transactions and time.monotonic() < end:
                time.sleep(0.05)
            took = 10 - (end - time.monotonic())
        finally:
            d.terminate()
            d.wait(timeout=20)
    c.eq([t.rcpts for t in srv.transactions], [['bob@example.org']],
         'delivered by the daemon')
    c.true(took < 5, 'delivered %.2f s after the submission' % took)
    c.eq((b.incoming(), b.entries()), ([], []), 'incoming/ and entries/')


def users_see_nothing(c):
    """www-data can read neither the configuration, nor the key, nor the
    spool, nor alice's queued mail, and cannot list incoming/."""
    b = bed(c)
    b.write_config(1)                   # the relay is down: mail waits
    res = as_user(ALICE, [b.dsmtp, '-oi', 'carol@example.org'],
                  b'Subject: private\n\nalice secret words\n')
    c.eq(res.returncode, 0, 'alice submits')
    run = as_user('dsmtp', [b.dsmtp, '-q'])
    c.eq(run.returncode, 0, 'a run (the relay is down)')
    c.eq(len(b.entries()), 1, 'alice\'s mail queued')
    probe = ('import sys\nfor p in sys.argv[1:]:\n'
             '    try:\n        open(p).read(); print("read", p)\n'
             '    except OSError as e: print("no", p, e.errno)\n'
             'import os\nfor d in sys.argv[1:]:\n'
             '    try: os.listdir(d); print("listed", d)\n'
             '    except OSError: pass\n')
    targets = [b.conf, b.key, os.path.join(b.spool, 'incoming'),
               os.path.join(b.spool, 'entries'),
               os.path.join(b.spool, 'entries', b.entries()[0])]
    out = as_user('www-data', ['/usr/bin/python3', '-c', probe] + targets)
    said = out.stdout.decode()
    c.eq([l for l in said.splitlines() if l.startswith(('read', 'listed'))],
         [], 'what www-data could read or list')
    q = as_user('www-data', [b.dsmtp, '-bp'])
    c.true(b'carol' not in q.stdout and b'alice' not in q.stdout,
           'mailq as www-data: %s' % T.short(q.stdout))
    rm = as_user('www-data', [b.dsmtp, '--queue-remove=' + b.entries()[0]])
    c.true(rm.returncode != 0, 'www-data removed alice\'s entry')
    c.eq(len(b.entries()), 1, 'alice\'s entry is still there')
    with server() as srv:
        b.write_config(srv.port)
        as_user('dsmtp', [b.dsmtp, '-q'])
    c.eq([t.rcpts for t in srv.transactions], [['carol@example.org']],
         'delivered once the relay is up')


def root_mail_shared(c):
    """root (cron's own mail) reads the configuration and writes to the
    same spool itself: its entry belongs to the dsmtp user, whose run
    takes it."""
    b = bed(c)
    b.write_config(1)                   # the relay is down: mail waits
    res = subprocess.run([b.dsmtp, '-oi', 'root@example.org'], input=MSG,
                         capture_output=True,
                         env={'PATH': '/usr/bin:/bin', 'HOME': '/nonexistent'})
    c.eq((res.returncode, res.stderr), (0, b''), 'root submits')
    c.eq(b.incoming(), [], 'nothing handed over')
    ids = b.entries()
    c.eq(len(ids), 1, 'root\'s entry')
    import pwd
    st = os.stat(os.path.join(b.spool, 'entries', ids[0]))
    c.eq(st.st_uid, pwd.getpwnam('dsmtp').pw_uid, 'the entry\'s owner')
    with server() as srv:
        b.write_config(srv.port)
        run = as_user('dsmtp', [b.dsmtp, '-q'])
    c.eq(run.returncode, 0, 'run as dsmtp: %s' % T.short(run.stderr))
    c.eq([t.rcpts for t in srv.transactions], [['root@example.org']],
         'delivered by the dsmtp user\'s run')
    c.eq(b.entries(), [], 'entries/')


def bs_handed_over(c):
    """-bs (Symfony Mailer's default) by www-data: the dialogue answers
    250 once the helper made the message durable; the run delivers it
    with the dialogue's envelope."""
    b = bed(c)
    dialogue = (b'EHLO web.example\r\nMAIL FROM:<shop@example.com>\r\n'
                b'RCPT TO:<buyer@example.org>\r\nRCPT TO:<copy@example.org>'
                b'\r\nDATA\r\nSubject: order\r\n\r\n..dotted line\r\n'
                b'thanks\r\n.\r\nQUIT\r\n')
    with server() as srv:
        b.write_config(srv.port)
        res = as_user('www-data', [b.dsmtp, '-bs'], dialogue)
        c.eq(res.returncode, 0, '-bs exit: %s' % T.short(res.stderr))
        replies = re.findall(rb'^(\d{3})[ -]', res.stdout, re.M)
        c.true(b'354' in replies and re.search(
            rb'^250 2\.0\.0 Ok: queued as [0-9A-F]+\r$', res.stdout, re.M),
            'the dialogue: %s' % T.short(res.stdout))
        c.eq(len(b.incoming()), 1, 'handed over')
        run = as_user('dsmtp', [b.dsmtp, '-q'])
        c.eq(run.returncode, 0, 'run: %s' % T.short(run.stderr))
    c.need(len(srv.transactions) == 1, 'one message at the relay')
    t = srv.transactions[0]
    c.eq((t.mail_from, t.rcpts), ('shop@example.com', ['buyer@example.org',
                                                       'copy@example.org']),
         'envelope')
    c.true(b'\r\n.dotted line\r\nthanks\r\n' in t.content,
           'the body, dot-unstuffed once: %s' % T.short(t.content))


def own_mailq(c):
    """mailq (and --queue-list --json) by a user of the system's mail
    shows their own entries of the system spool, through the helper, and
    no one else's."""
    b = bed(c)
    b.write_config(1)                   # the relay is down: mail waits
    for user, rcpt in (('www-data', 'web-order@example.org'),
                       (ALICE, 'alice-friend@example.org')):
        res = as_user(user, [b.dsmtp, '-oi', rcpt], MSG)
        c.eq(res.returncode, 0, '%s submits' % user)
    as_user('dsmtp', [b.dsmtp, '-q'])
    c.eq(len(b.entries()), 2, 'both queued')
    try:
        q = as_user('www-data', [b.dsmtp, '-bp'])
        c.eq(q.returncode, 0, 'mailq: %s' % T.short(q.stderr))
        out = q.stdout.decode()
        c.true('web-order@example.org' in out and 'www-data@example.com'
               in out, 'www-data\'s entry listed: %r' % out)
        c.true('alice' not in out, 'alice\'s entry listed to www-data')
        c.true(re.search(r'-- \d+ Kbytes in 1 Request\.', out),
               'one request: %r' % out)
        j = as_user(ALICE, [b.dsmtp, '--queue-list', '--json'])
        import json
        got = json.loads(j.stdout)['entries']
        c.eq([[r['address'] for r in e['recipients']] for e in got],
             [['alice-friend@example.org']], 'alice\'s --json')
        r = subprocess.run([b.dsmtp, '--queue-list', '--json'],
                           capture_output=True, env={'PATH': '/usr/bin:/bin',
                                                     'HOME': '/nonexistent'})
        sizes = {e['id']: e['size'] for e in json.loads(r.stdout)['entries']}
        c.eq(len(sizes), 2, 'root lists both')
        c.eq([(e['id'], e['size']) for e in got],
             [(e['id'], sizes.get(e['id'])) for e in got],
             'alice\'s size is the one root sees')
        st = os.stat(os.path.join(b.spool, 'entries', b.entries()[0]))
        c.eq(stat.S_IMODE(st.st_mode), 0o640, 'entry mode')
    finally:
        for n in b.entries():
            os.unlink(os.path.join(b.spool, 'entries', n))


def refused_pickup_notifies(c):
    """A handed-over submission the system refuses (-t and no recipient
    in the header): the caller was told 0, so the file is kept in
    quarantine/ and a notification (RFC 3464, from <>) goes to the
    user's address with the reason."""
    b = bed(c)
    with server() as srv:
        b.write_config(srv.port)
        res = as_user('www-data', [b.dsmtp, '-t'],
                      b'Subject: nobody to send to\n\nlost?\n')
        c.eq(res.returncode, 0, 'the handover')
        run = as_user('dsmtp', [b.dsmtp, '-q'])
        c.eq(run.returncode, 0, 'run: %s' % T.short(run.stderr))
    quarantined = os.listdir(os.path.join(b.spool, 'quarantine'))
    c.eq([n[:3] for n in quarantined], ['in-'], 'kept in quarantine')
    c.need(len(srv.transactions) == 1, 'one notification at the relay, '
           'got %d' % len(srv.transactions))
    t = srv.transactions[0]
    c.eq((t.mail_from, t.rcpts), ('', ['www-data@example.com']),
         'the notification\'s envelope')
    c.true(b'multipart/report' in t.content and
           b'report-type=delivery-status' in t.content,
           'a delivery status notification: %s' % T.short(t.content))
    c.true(b'recipient' in t.content and b'Subject: nobody to send to'
           in t.content, 'the reason and the original header: %s'
           % T.short(t.content))
    with open(b.log) as f:
        log = f.read()
    c.true(re.search(r'pickup=refused status=quarantined reason="[^"]*'
                     r'recipient', log), 'the log line: %s' % log[-600:])
    for n in quarantined:
        os.unlink(os.path.join(b.spool, 'quarantine', n))
    c.eq((b.incoming(), b.entries()), ([], []), 'incoming/ and entries/')


def own_file_wins(c):
    """A user with a file of their own keeps today's behaviour: the
    system file closed to them is passed by, their file and their own
    queue are used, nothing is handed over."""
    b = bed(c)
    home = tempfile.mkdtemp(prefix='dsmtp-www-home-')
    shutil.chown(home, 'www-data', 'www-data')
    with AuthServer(tls='none') as srv:
        rc = os.path.join(home, '.dsmtprc')
        with open(rc, 'w') as f:
            f.write('defaults\nsyslog off\nqualify_domain example.net\n\n'
                    'account default\nhost 127.0.0.1\nport %d\n'
                    'tls off\n' % srv.port)
        os.chmod(rc, 0o600)
        shutil.chown(rc, 'www-data', 'www-data')
        res = as_user('www-data', [b.dsmtp, '-oi', 'own@example.org'], MSG,
                      env={'HOME': home})
    shutil.rmtree(home)
    c.eq((res.returncode, res.stderr), (0, b''), 'exit, stderr')
    c.eq([(t.mail_from, t.rcpts) for t in srv.transactions],
         [('www-data@example.net', ['own@example.org'])],
         'delivered with the user\'s own account')
    c.eq([a.user for a in srv.auths], [], 'no AUTH (the system\'s '
         'password was not used)')
    c.eq((b.incoming(), b.entries()), ([], []), 'nothing in the system '
         'spool')


def options_refused(c):
    """Options that would make the system's runs read or reach something
    for the user are refused at once (64), nothing handed over."""
    b = bed(c)
    for argv in (['--tls-trust-file=/etc/shadow'], ['--logfile=/tmp/x'],
                 ['--passwordeval=id']):
        res = as_user('www-data', [b.dsmtp] + argv + ['-oi', 'r@example.org'],
                      MSG)
        c.eq(res.returncode, T.EX_USAGE, '%s: exit (%s)'
             % (argv, T.short(res.stderr)))
    c.eq(b.incoming(), [], 'files in incoming/')


def planted_files(c):
    """A symbolic link, a hard link and a FIFO in incoming/ (as root could
    leave them) are never followed or read by the pickup."""
    b = bed(c)
    inc = os.path.join(b.spool, 'incoming')
    victim = os.path.join(b.spool, 'tmp', 'victim')
    T.write_file(victim, 'dsmtp-incoming 1\narg r@example.org\ndata\n'
                 'Subject: planted\n\nx\n')
    names = ('0000000000000000AA', '0000000000000000AB',
             '0000000000000000AC')
    try:
        os.symlink('/etc/shadow', os.path.join(inc, names[0]))
        os.link(victim, os.path.join(inc, names[1]))
        os.mkfifo(os.path.join(inc, names[2]))
        with server() as srv:
            b.write_config(srv.port)
            run = as_user('dsmtp', [b.dsmtp, '-q'], timeout=20)
        c.eq(run.returncode, 0, 'the run ends: %s' % T.short(run.stderr))
        c.eq(srv.transactions, [], 'nothing delivered')
        c.eq(b.entries(), [], 'entries/')
    finally:
        for n in names:
            if os.path.lexists(os.path.join(inc, n)):
                os.unlink(os.path.join(inc, n))
        os.unlink(victim)


def helper_refuses(c):
    """dsmtp-drop, run by a user directly: arguments, a stream without
    its trailer, a header with a control character, a message over the
    limit are refused with a sysexits code and leave no file; a hostile
    environment and closed descriptors change nothing."""
    b = bed(c)
    head = b'dsmtp-incoming 1\narg -oi\narg r@example.org\ndata\n'
    good = head + MSG + b'\nend %d\n' % len(MSG)
    cases = [
        ('an argument', ['x'], good, 64, None),
        ('no trailer', [], head + MSG, 65, None),
        ('a trailer that miscounts', [], head + MSG + b'\nend 3\n', 65, None),
        ('a control character in a word', [],
         b'dsmtp-incoming 1\narg -oi\x1b\ndata\n' + MSG + b'\nend %d\n'
         % len(MSG), 65, None),
        ('a hostile environment', [], good, 0,
         {'LD_PRELOAD': '/nonexistent.so', 'TMPDIR': '/etc', 'HOME': '/etc',
          'XDG_STATE_HOME': '/etc', 'LANG': 'xx_XX.UTF-8',
          'LOCPATH': '/tmp', 'GCONV_PATH': '/tmp'}),
    ]
    for what, args, stream, code, env in cases:
        res = as_user('www-data', [b.helper] + args, stream, env=env)
        c.eq(res.returncode, code, '%s: exit (said %r)' % (what, res.stdout))
        c.eq(res.stderr, b'', '%s: stderr' % what)
        if code == 0:
            c.eq(len(b.incoming()), 1, '%s: the file' % what)
            for n in b.incoming():
                os.unlink(os.path.join(b.spool, 'incoming', n))
        else:
            c.eq(b.incoming(), [], '%s: files left' % what)
    huge = as_user('www-data', [b.helper] + ['a'] * 100000, good)
    c.eq(huge.returncode, 64, 'a huge argv')
    closed = as_user('www-data', ['/bin/sh', '-c', 'exec "$0" <&- >&- 2>&-',
                                  b.helper])
    # glibc opens closed standard descriptors of a set-group-ID program
    # on /dev/null the wrong way round (fd 0 for writing): reading fails.
    c.true(closed.returncode in (65, 75), 'closed descriptors: exit %d'
           % closed.returncode)
    big = subprocess.Popen(['/bin/sh', '-c', 'head -c 270000000 /dev/zero '
                            '| tr "\\0" x | "$0"', b.helper],
                           stdout=subprocess.PIPE, user='www-data',
                           group='www-data', extra_groups=[])
    out = big.communicate(timeout=120)[0]
    c.eq(big.returncode, 65, 'over the limit: exit (said %r)' % out)
    c.eq(b.incoming(), [], 'files left after the refusals')
    c.eq([n for n in os.listdir(os.path.join(b.spool, 'incoming'))], [],
         'temporaries left')


TESTS = [
    ('www-data submits through the helper; a run as dsmtp delivers, '
     'signed and authenticated', submit_then_run),
    ('the daemon as dsmtp picks up a user\'s mail at once', daemon_picks_up),
    ('users read nothing of the configuration, the key, the spool, '
     'each other\'s mail', users_see_nothing),
    ('root\'s own mail shares the spool; the dsmtp user delivers it',
     root_mail_shared),
    ('-bs by www-data: 250 after the handover, delivered by the run',
     bs_handed_over),
    ('a user\'s mailq shows their own entries of the system queue, no '
     'one else\'s', own_mailq),
    ('a refused handed-over submission: kept in quarantine, the user '
     'notified', refused_pickup_notifies),
    ('a user with a file of their own: the closed system file is passed '
     'by', own_file_wins),
    ('options that reach beyond the message are refused', options_refused),
    ('links and FIFOs planted in incoming/ are not followed', planted_files),
    ('the helper refuses arguments, torn streams, bad headers, big '
     'messages', helper_refuses),
]

if __name__ == '__main__':
    T.private_mounts(INNER)
    T.main(TESTS)
