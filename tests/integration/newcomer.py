#!/usr/bin/python3
"""newcomer.py - what a new user and an msmtp user meet first: the
message when there is no configuration at all (which files were looked
for), an account name that is not there (which file, which accounts),
and msmtp's system file at /etc/msmtprc whatever dsmtp's own sysconfdir
is (issue 8, section 2); and the test set-up installs nothing that would
take the place of the machine's own MTA (issue 8, section 1)."""

import os
import re
import subprocess
import sys

sys.dont_write_bytecode = True     # the source tree may be read-only
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..', 'lib'))
import dsmtptest as T                                    # noqa: E402
from smtpserver import SmtpServer                        # noqa: E402

MSG = b'Subject: hello\n\nhi\n'
APT_CLOSURE = ['apt-cache', 'depends', '--recurse', '--no-recommends',
               '--no-suggests', '--no-conflicts', '--no-breaks',
               '--no-replaces', '--no-enhances']


def no_configuration(c):
    with T.sandbox() as box:
        res = T.run(['-oi', 'a@example.org'], MSG, box=box)
    c.exit(res, T.EX_CONFIG)
    c.one_stderr_line(res)
    err = res.err.decode()
    c.true('no configuration file found' in err, 'stderr: %r' % err)
    for path in ('/etc/msmtprc', '.dsmtprc', '.msmtprc'):
        c.true(path in err, '%s is not named: %r' % (path, err))
    # The order is the order they are read in.
    names = re.findall(r'(\S+rc)\b', err)
    c.true(names and names[0].endswith('/dsmtprc'), 'order: %r' % names)


def account_typo(c):
    with T.sandbox() as box, SmtpServer() as srv:
        cfg = T.write_file(os.path.join(box, 'rc'),
                           'defaults\nsyslog off\n\naccount work\nhost '
                           '127.0.0.1\nport %d\n\naccount home\nhost '
                           '127.0.0.1\nport %d\n' % (srv.port, srv.port))
        res = T.run(['-C', cfg, '-a', 'wrok', '-oi', 'a@example.org'], MSG,
                    box=box)
        c.silent_server(srv)
    c.exit(res, T.EX_CONFIG)
    c.one_stderr_line(res)
    err = res.err.decode()
    c.true('wrok' in err and cfg in err and 'work, home' in err,
           'want the name, the file and the accounts: %r' % err)


def msmtp_system_file(c):
    """--version lists /etc/msmtprc as msmtp's system file even though this
    build's own system file is under its sysconfdir."""
    with T.sandbox() as box:
        res = T.run(['--version'], b'', box=box)
    c.exit(res, T.EX_OK)
    out = res.out.decode()
    c.true(re.search(r'^msmtp system configuration file: /etc/msmtprc$',
                     out, re.M), '--version: %r' % out)


BAD = 'account default\nhost 127.0.0.1\nno_such_command on\n'


def bs_config_error(c):
    """-bs with a broken file: a 554 greeting with the reason (Symfony and
    Laravel log it), then exit 78."""
    with T.sandbox() as box:
        cfg = T.write_file(os.path.join(box, 'rc'), BAD)
        res = T.run(['-C', cfg, '-bs'], b'EHLO client\r\nQUIT\r\n', box=box)
    c.exit(res, T.EX_CONFIG)
    first = res.out.split(b'\r\n')[0]
    c.true(first.startswith(b'554 5.3.5 ') and b'no_such_command' in first,
           'greeting: %s' % T.short(res.out))


def t_config_error_reads_input(c):
    """-t with a broken file reads all of its input before refusing: the
    writer (cron, PHP) sees exit 78 and the reason, not a broken pipe."""
    with T.sandbox() as box:
        cfg = T.write_file(os.path.join(box, 'rc'), BAD)
        proc = subprocess.Popen([T.DSMTP, '-C', cfg, '-t'],
                                stdin=subprocess.PIPE,
                                stderr=subprocess.PIPE,
                                stdout=subprocess.DEVNULL,
                                env=T.sandbox_env(box))
        broken = False
        try:
            proc.stdin.write(b'To: a@example.org\n\n' +
                             b'x' * (4 << 20) + b'\n')
            proc.stdin.close()
        except BrokenPipeError:
            broken = True
        err = proc.stderr.read()
        code = proc.wait(30)
    c.true(not broken, 'dsmtp closed its input before reading it')
    c.eq(code, T.EX_CONFIG, 'exit status')
    c.true(err.count(b'\n') == 1 and b'no_such_command' in err,
           'stderr: %s' % T.short(err))


def dotless_domain(c):
    """A qualify domain without a dot (a host called "vm"): one warning on
    stderr and in the log, and the message still goes; none with a dotted
    domain."""
    out = {}
    for dom in ('vm', 'mail.example.org'):
        with T.sandbox() as box, SmtpServer() as srv:
            cfg = T.write_config(box, srv.port, ['qualify_domain ' + dom])
            res = T.run(['-C', cfg, '-oi', 'a@example.org'], MSG, box=box)
            srv.settle()
            out[dom] = (res, T.read_log(box), len(srv.accepted))
    res, log, n = out['vm']
    c.exit(res, T.EX_OK)
    c.eq(n, 1, 'messages delivered with the dotless domain')
    c.one_stderr_line(res)
    c.true(b'qualify domain vm has no dot' in res.err and
           b'/etc/mailname' in res.err, 'stderr: %s' % T.short(res.err))
    c.true(b'warning="qualify domain vm has no dot"' in log,
           'log: %s' % T.short(log))
    res, log, n = out['mail.example.org']
    c.eq(res.err, b'', 'stderr with a dotted domain')
    c.true(b'warning=' not in log, 'log: %s' % T.short(log))


def alias_to_program(c):
    """An alias leading to |program: only that recipient fails (67, one
    line); the others get the message. It used to refuse the whole message
    (65), so root's mail from cron was lost."""
    with T.sandbox() as box, SmtpServer() as srv:
        al = T.write_file(os.path.join(box, 'aliases'),
                          'root: admin@example.org\nprog: |/bin/cat\n')
        cfg = T.write_config(box, srv.port, ['aliases ' + al, 'queue off'])
        res = T.run(['-C', cfg, '-oi', 'root', 'prog'], MSG, box=box)
        srv.settle()
        got = [t.rcpt_addrs for t in srv.accepted]
    c.exit(res, T.EX_NOUSER)
    c.one_stderr_line(res)
    c.true(b'|/bin/cat' in res.err, 'stderr: %s' % T.short(res.err))
    c.eq(got, [['admin@example.org']], 'delivered')


def pretend(c):
    """-P: every effective value, defaults included, where each came from,
    why the account was chosen, secrets hidden."""
    with T.sandbox() as box:
        rc = T.write_file(os.path.join(box, 'rc'),
                          'defaults\nsyslog off\n\naccount work\nhost '
                          'smtp.work.example\nfrom *@work.example\npassword '
                          'Pretend-s3cret\ntls on\n\naccount default : work\n'
                          'host mail.example.org\n')
        res = T.run(['-C', rc, '-P'], b'', box=box)
        sel = T.run(['-C', rc, '-P', '-a', 'work', '--port=2525'], b'',
                    box=box)
    c.exit(res, T.EX_OK)
    out = res.out.decode()
    for line in ('# account default: the account named default',
                 'host mail.example.org  # %s:11' % rc,
                 'tls on  # %s:8' % rc,
                 'from *@work.example  # %s:6' % rc,
                 'password <hidden>  # %s:7' % rc,
                 'syslog off  # %s:2' % rc,
                 'port 25  # default', 'timeout 300  # default',
                 'aliases /etc/aliases  # default',
                 'tls_starttls on  # default'):
        c.true(line in out.splitlines(), '%r not in -P output:\n%s'
               % (line, out))
    c.true('Pretend-s3cret' not in out, 'the password is shown')
    c.exit(sel, T.EX_OK)
    c.true('# account work: chosen with -a' in sel.out.decode() and
           'port 2525  # --port' in sel.out.decode(),
           '-a work --port=2525: %s' % T.short(sel.out))


def mta_providers():
    """The packages apt knows that provide mail-transport-agent."""
    out = subprocess.run(['apt-cache', 'showpkg', 'mail-transport-agent'],
                         capture_output=True, text=True).stdout
    rev = out.split('Reverse Provides:', 1)[-1] if 'Reverse Provides:' \
        in out else ''
    return {line.split()[0] for line in rev.splitlines() if line.strip()}


def closure(packages):
    """Every package apt would consider for installing packages: their
    dependencies, recursively, each alternative included."""
    out = subprocess.run(APT_CLOSURE + packages, capture_output=True,
                         text=True).stdout
    return {line.strip().strip('<>') for line in out.splitlines()
            if line and not line.startswith(' ')}


def setup_keeps_mta(c):
    """Every package tests/install-deps.sh asks for, and all they depend
    on, provides no mail-transport-agent: installing them cannot remove
    or replace exim4, dma, msmtp-mta or Postfix. bsd-mailx (which depends
    on an MTA) is the control: the same check finds the MTA it pulls."""
    if os.environ.get('DSMTP_NO_APT') == '1':
        c.skip('DSMTP_NO_APT=1: apt is not used')
    src = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..',
                       'install-deps.sh')
    with open(src) as f:
        m = re.search(r'^packages="([^"]*)"', f.read(), re.M)
    packages = m.group(1).split()
    providers = mta_providers()
    c.true({'exim4-daemon-light', 'postfix'} <= providers,
           'apt has no package lists (run apt-get update): %r'
           % sorted(providers))
    c.true(closure(['bsd-mailx']) & providers, 'control: bsd-mailx pulls '
           'no MTA?')
    got = closure(packages)
    c.true(len(got) > len(packages), 'closure of %d packages: %d'
           % (len(packages), len(got)))
    c.eq(sorted(got & providers), [], 'MTAs among the test dependencies')


TESTS = [
    ('no configuration: says so and lists the files looked for',
     no_configuration),
    ('an unknown account: names the file and the accounts', account_typo),
    ('msmtp\'s system file is /etc/msmtprc', msmtp_system_file),
    ('-bs with a configuration error greets 554 with the reason',
     bs_config_error),
    ('-t with a configuration error reads its input first',
     t_config_error_reads_input),
    ('a qualify domain without a dot: one warning, the mail still goes',
     dotless_domain),
    ('an alias to |program fails only that recipient', alias_to_program),
    ('-P: every value, its origin, why the account', pretend),
    ('the test set-up installs no package that provides an MTA',
     setup_keeps_mta),
]

if __name__ == '__main__':
    T.main(TESTS)
