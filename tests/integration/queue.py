#!/usr/bin/python3
"""queue.py - `queue on` (the default): what dsmtp accepts is durable and
delivered later when the relay cannot take it now; -q, --queue-run, -qI,
-qR, -qS, -odq, mailq/--queue-list, --queue-hold/-release/-remove, and
bounces, against real servers on loopback. Time moves with faketime, never
with sleeps."""

import json
import os
import shutil
import subprocess
import sys
import threading

sys.dont_write_bytecode = True     # the source tree may be read-only
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..', 'lib'))
import dsmtptest as T                                    # noqa: E402
from smtpserver import SmtpServer, refused_port          # noqa: E402

MSG = (b'From: sender@example.com\nTo: a@example.org\nSubject: queued\n\n'
       b'the body\n')
ARGV = ['-oi', '-f', 'sender@example.com', 'a@example.org']
EXTRA = ['timeout 5']


class Spool:
    """A sandbox whose config names a port; the server may come later."""

    def __init__(self, box, extra=()):
        self.box = box
        self.sock = refused_port()
        self.port = self.sock.getsockname()[1]
        self.cfg = T.write_config(box, self.port, EXTRA + list(extra))
        self.dir = os.path.join(box, 'queue')

    def run(self, argv, stdin=b'', **kw):
        return T.run(['-C', self.cfg] + list(argv), stdin, box=self.box, **kw)

    def server(self, **kw):
        """Free the port and listen on it."""
        if self.sock is not None:
            self.sock.close()
            self.sock = None
        return SmtpServer(port=self.port, **kw)

    def listing(self):
        res = self.run(['--queue-list', '--json'])
        return json.loads(res.out)['entries']

    def ids(self):
        return [e['id'] for e in self.listing()]

    def entry_files(self):
        return sorted(os.listdir(os.path.join(self.dir, 'entries')))


def quiet_success(c, res):
    c.exit(res, 0)
    c.no_stdout(res)
    c.eq(res.err, b'', 'standard error without -v')


def bodies(srv):
    return [T.split_message(t.content)[1] for t in srv.accepted]


# -- submission ---------------------------------------------------------------

def relay_down(c):
    with T.sandbox() as box:
        sp = Spool(box)
        res = sp.run(ARGV + ['b@example.org'], MSG)
        quiet_success(c, res)
        ents = sp.listing()
        c.need(len(ents) == 1, 'one entry in the queue, got %s' % ents)
        ent = ents[0]
        c.eq(ent['sender'], 'sender@example.com', 'queued sender')
        c.eq([r['address'] for r in ent['recipients']],
             ['a@example.org', 'b@example.org'], 'queued recipients')
        c.true('refused' in ent['recipients'][0]['reply'],
               'last error kept: %r' % ent['recipients'][0]['reply'])
        log = T.read_log(box).decode()
        c.true('id=%s ' % ent['id'] in log and 'status=deferred' in log,
               'log names the queue id and status=deferred: %s' % log)
        text = sp.run(['-bp']).out.decode()
        c.true(ent['id'] in text and 'b@example.org' in text and
               'refused' in text, 'mailq shows id, recipient, error: %s'
               % text)
        with sp.server() as srv:
            run = sp.run(['-q'])
            srv.settle()
        quiet_success(c, run)
        c.eq([t.rcpt_addrs for t in srv.accepted],
             [['a@example.org', 'b@example.org']], 'delivered once by -q')
        c.true(bodies(srv) and bodies(srv)[0] == b'the body\r\n',
               'the body arrived: %s' % T.short(bodies(srv)))
        c.eq(sp.ids(), [], 'queue after delivery')
        log = T.read_log(box).decode()
        c.true('id=%s ' % ent['id'] in log.split('status=sent')[0]
               .splitlines()[-1] and 'attempt=2' in log,
               'status=sent attempt=2 under the same id: %s' % log)


def verbose_says_queued(c):
    with T.sandbox() as box:
        sp = Spool(box)
        res = sp.run(['-v'] + ARGV, MSG)
        c.exit(res, 0)
        ids = sp.ids()
        c.need(len(ids) == 1, 'one entry')
        c.true(('queued as %s' % ids[0]).encode() in res.err,
               '-v names the queue id: %s' % T.short(res.err[-300:]))


def delivered_at_once(c):
    with T.sandbox() as box:
        sp = Spool(box)
        with sp.server() as srv:
            res = sp.run(ARGV, MSG)
            srv.settle()
        quiet_success(c, res)
        c.eq(len(srv.accepted), 1, 'messages delivered at once')
        c.eq(sp.entry_files(), [], 'entries left')
        c.eq(os.listdir(os.path.join(sp.dir, 'tmp')), [], 'temporaries')


def partial_4xx(c):
    with T.sandbox() as box:
        sp = Spool(box)
        with sp.server(rcpt_replies={'later@example.org':
                                     '451 4.2.0 try later'}) as srv:
            res = sp.run(ARGV + ['later@example.org'], MSG)
            srv.settle()
        quiet_success(c, res)
        c.eq([t.rcpt_addrs for t in srv.accepted], [['a@example.org']],
             'first attempt')
        ents = sp.listing()
        c.need(len(ents) == 1, 'one entry left')
        c.eq([r['address'] for r in ents[0]['recipients']],
             ['later@example.org'], 'only the deferred recipient is kept')
        with sp.server() as srv2:
            sp.run(['-q'])
            srv2.settle()
        c.eq([t.rcpt_addrs for t in srv2.accepted], [['later@example.org']],
             'the retry carries only the deferred recipient')
        c.eq(sp.ids(), [], 'queue after the retry')


def perm_bounces(c):
    with T.sandbox() as box:
        sp = Spool(box)
        with sp.server(rcpt_replies={'bad@example.org':
                                     '550 5.1.1 no such user'}) as srv:
            res = sp.run(ARGV + ['bad@example.org'], MSG)
            srv.settle()
        quiet_success(c, res)
        c.need(len(srv.accepted) == 2, 'the message and its bounce, got %d'
               % len(srv.accepted))
        dsn = srv.accepted[1]
        c.eq((dsn.mail_from, dsn.rcpt_addrs), ('', ['sender@example.com']),
             'bounce envelope: null sender to the sender')
        text = dsn.content.decode('utf-8', 'replace')
        for want in ('multipart/report', 'report-type=delivery-status',
                     'Final-Recipient: rfc822; bad@example.org',
                     'Action: failed', 'Status: 5.1.1',
                     'Remote-MTA: dns; 127.0.0.1',
                     '550 5.1.1 no such user', 'Subject: queued'):
            c.true(want in text, 'bounce holds %r' % want)
        c.true('a@example.org' not in text.split('message/delivery-status')
               [1].split('text/rfc822-headers')[0],
               'the delivered recipient is not reported')
        c.eq(sp.ids(), [], 'queue after the bounce')


def relayed_notice(c, hide):
    """-N success: a relay that takes DSN gets NOTIFY and reports itself
    (no notification from dsmtp); one that takes none gets the message
    without it, and dsmtp reports the success as "relayed" (RFC 3461
    6.2.1), once, to the sender."""
    with T.sandbox() as box:
        sp = Spool(box)
        with sp.server(hide=hide) as srv:
            res = sp.run(['-N', 'success,failure'] + ARGV, MSG)
            srv.settle()
        quiet_success(c, res)
        if not hide:
            c.eq(len(srv.accepted), 1, 'only the message')
            c.true(b'NOTIFY=SUCCESS,FAILURE' in b''.join(srv.commands),
                   'NOTIFY passed to the relay')
            return
        c.need(len(srv.accepted) == 2, 'the message and a report, got %d'
               % len(srv.accepted))
        dsn = srv.accepted[1]
        c.eq((dsn.mail_from, dsn.rcpt_addrs), ('', ['sender@example.com']),
             'the report\'s envelope')
        text = dsn.content.decode('utf-8', 'replace')
        for want in ('report-type=delivery-status', 'Action: relayed',
                     'Status: 2.0.0', 'Final-Recipient: rfc822; a@example.org',
                     'Remote-MTA: dns; 127.0.0.1'):
            c.true(want in text, 'the report holds %r: %s'
                   % (want, T.short(dsn.content)))
        c.eq(sp.ids(), [], 'queue')


def null_sender_notice(c):
    with T.sandbox() as box:
        sp = Spool(box)
        with sp.server(rcpt_replies={'bad@example.org':
                                     '550 5.1.1 no such user'}) as srv:
            res = sp.run(['-oi', '-f', '<>', 'bad@example.org'], MSG)
            srv.settle()
        c.exit(res, 0)
        c.eq([(t.mail_from, t.rcpt_addrs) for t in srv.accepted],
             [('', ['root@%s' % T.QUALIFY_DEFAULT])],
             'no bounce to <>: a notice to the postmaster (root)')
        c.eq(sp.ids(), [], 'queue')


def notify_never(c):
    with T.sandbox() as box:
        sp = Spool(box)
        with sp.server(rcpt_replies={'bad@example.org':
                                     '550 5.1.1 no such user'}) as srv:
            res = sp.run(['-N', 'never'] + ARGV[:-1] + ['bad@example.org'],
                         MSG)
            srv.settle()
        c.exit(res, 0)
        c.eq(srv.accepted, [], 'no notification with NOTIFY=NEVER')
        c.eq(sp.ids(), [], 'queue')


REFUSE_ALL = {'bad@example.org': '550 5.1.1 no such user',
              'sender@example.com': '550 5.1.1 sender unknown here',
              'pm@example.org': '550 5.1.1 no postmaster either'}


def double_bounce(c):
    replies = dict(REFUSE_ALL)
    del replies['pm@example.org']
    with T.sandbox() as box:
        sp = Spool(box, ['double_bounce_to pm@example.org'])
        with sp.server(rcpt_replies=replies) as srv:
            res = sp.run(ARGV[:-1] + ['bad@example.org'], MSG)
            srv.settle()
        c.exit(res, 0)
        with sp.server(rcpt_replies=replies) as srv2:
            sp.run(['-q'])
            srv2.settle()
        got = [(t.mail_from, t.rcpt_addrs) for t in srv2.accepted]
        c.eq(got, [('', ['pm@example.org'])],
             'the failed notification reaches double_bounce_to')
        c.true(srv2.accepted and b'sender unknown here' in
               srv2.accepted[0].content, 'the notice says why')
        c.eq(sp.ids(), [], 'queue')


def double_bounce_kept(c):
    with T.sandbox() as box:
        sp = Spool(box, ['double_bounce_to pm@example.org'])
        with sp.server(rcpt_replies=REFUSE_ALL) as srv:
            sp.run(ARGV[:-1] + ['bad@example.org'], MSG)
            for _ in range(3):
                sp.run(['-q'])
            srv.settle()
            before = len(srv.commands)
            sp.run(['-q'])
            srv.settle()
            after = len(srv.commands)
        c.eq(srv.accepted, [], 'nothing could be delivered')
        ents = sp.listing()
        c.eq([e['held'] for e in ents], [True],
             'one entry left, held for the postmaster: %s' % ents)
        c.eq(after, before, 'a further run does not try it (no loop)')
        c.true('status=held' in T.read_log(box).decode(), 'logged')
        # The postmaster mends the address: released, it is tried again.
        c.exit(sp.run(['--queue-release=' + ents[0]['id']]), 0)
        with sp.server() as srv2:
            sp.run(['--queue-run'])
            srv2.settle()
        c.eq([(t.mail_from, t.rcpt_addrs) for t in srv2.accepted],
             [('', ['pm@example.org'])], 'released: the notice goes out')
        c.eq(sp.ids(), [], 'queue after the release')


def queue_only(c):
    with T.sandbox() as box:
        sp = Spool(box)
        with sp.server() as srv:
            res = sp.run(['-odq'] + ARGV, MSG)
            c.silent_server(srv)
            quiet_success(c, res)
            ids = sp.ids()
            c.need(len(ids) == 1, 'one entry after -odq')
            one = sp.run(['-qI' + ids[0]])
            srv.settle()
        c.exit(one, 0)
        c.eq(len(srv.accepted), 1, 'delivered by -qI')
        c.eq(sp.ids(), [], 'queue')


def bs_commits(c):
    dialogue = (b'EHLO client.test\r\nMAIL FROM:<sender@example.com>\r\n'
                b'RCPT TO:<a@example.org>\r\nDATA\r\n' +
                T.crlf(MSG) + b'.\r\nQUIT\r\n')
    with T.sandbox() as box:
        sp = Spool(box)
        res = sp.run(['-bs'], dialogue)
        c.exit(res, 0)
        replies = res.out.decode().split('\r\n')
        c.true(any(r.startswith('250 ') and 'queued' in r.lower()
                   or r.startswith('250 2.0.0') for r in replies[-4:]),
               '250 after the final dot: %s' % replies)
        c.eq(len(sp.ids()), 1, 'entries committed')


# -- the runner ---------------------------------------------------------------

def faketime():
    return shutil.which('faketime')


def run_at(sp, offset, argv):
    """Run dsmtp argv with the clock moved by offset (faketime)."""
    env = T.faketime_env(T.sandbox_env(sp.box))
    return subprocess.run([faketime(), '-f', offset, T.DSMTP, '-C', sp.cfg] +
                          list(argv), env=env, capture_output=True,
                          timeout=60)


def schedule(c):
    if not faketime():
        c.skip('faketime is not installed')
    with T.sandbox() as box:
        sp = Spool(box)
        sp.run(ARGV, MSG)
        with sp.server() as srv:
            r = sp.run(['--queue-run'])
            c.exit(r, 0)
            srv.settle()
            c.eq(srv.connections, 0, 'connections by --queue-run before the '
                 'first backoff has passed')
            r = run_at(sp, '+90s', ['--queue-run'])
            srv.settle()
        c.eq(r.returncode, 0, 'exit of --queue-run 90 s later')
        c.eq(len(srv.accepted), 1, 'delivered once the backoff passed')


def backoff_grows(c):
    if not faketime():
        c.skip('faketime is not installed')
    with T.sandbox() as box:
        sp = Spool(box)
        sp.run(ARGV, MSG)
        nexts = []
        for off in ('+2m', '+10m'):
            run_at(sp, off, ['--queue-run'])
            nexts.append(sp.listing()[0]['next_attempt'])
        ent = sp.listing()[0]
        c.eq(ent['attempts'], 3, 'attempts after two due runs')
        c.true(nexts[1] - nexts[0] > 5 * 60,
               'the wait grows: next attempts %s' % nexts)


def expiry(c):
    if not faketime():
        c.skip('faketime is not installed')
    with T.sandbox() as box:
        sp = Spool(box, ['queue_lifetime 1d'])
        sp.run(ARGV, MSG)
        with sp.server() as srv:
            r = run_at(sp, '+2d', ['--queue-run'])
            srv.settle()
        c.eq(r.returncode, 0, 'exit')
        c.need(len(srv.accepted) == 1, 'only the bounce is sent, got %s' %
               [t.rcpt_addrs for t in srv.accepted])
        dsn = srv.accepted[0]
        c.eq((dsn.mail_from, dsn.rcpt_addrs), ('', ['sender@example.com']),
             'expiry notice envelope')
        c.true(b'Action: failed' in dsn.content, 'expired: Action failed')
        c.true(b'Remote-MTA' not in dsn.content,
               'no Remote-MTA for a relay that never answered')
        c.true('status=expired' in T.read_log(box).decode(),
               'log says status=expired')
        c.eq(sp.ids(), [], 'queue')


def expiry_log_quoted(c):
    """An address with a space and quotes cannot add a key=value of its
    own to the expiry line."""
    if not faketime():
        c.skip('faketime is not installed')
    with T.sandbox() as box:
        sp = Spool(box, ['queue_lifetime 1d'])
        c.exit(sp.run(['-oi', '-f', '"x status=sent to=v@x"@example.com',
                       'a@example.org'], MSG), 0)
        run_at(sp, '+2d', ['--queue-run'])
        line = [l for l in T.read_log(box).decode().splitlines()
                if 'status=expired' in l]
        c.need(len(line) == 1, 'one expiry line: %s' % line)
        c.true('from="\\"x status=sent to=v@x\\"@example.com"' in line[0],
               'the sender is quoted: %s' % line[0])
        rest = line[0].replace('"\\"x status=sent to=v@x\\"@example.com"',
                               '')
        c.eq(rest.count('status='), 1, 'one status outside the quotes')


def notes_log_where_defaults_say(c):
    """A run's own notes (here: expiry) go to the defaults' log, not to
    that of the account whose entry was tried just before."""
    if not faketime():
        c.skip('faketime is not installed')
    with T.sandbox() as box:
        other = os.path.join(box, 'other.log')
        sp = Spool(box, ['queue_lifetime 1d', '', 'account other',
                         'host 127.0.0.1', 'port %d' % 1,
                         'logfile ' + other, 'queue_lifetime 30d'])
        c.exit(sp.run(['-oi', '-a', 'other', 'o@example.org'], MSG), 0)
        c.exit(sp.run(ARGV, MSG), 0)
        run_at(sp, '+2d', ['--queue-run'])
        with open(other) as f:
            text = f.read()
        c.true('status=expired' not in text,
               'no expiry note in the other account\'s log: %s' % text)
        c.true('status=expired' in T.read_log(box).decode(),
               'the expiry note is in the defaults\' log')


def delay_warning(c):
    if not faketime():
        c.skip('faketime is not installed')
    with T.sandbox() as box:
        sp = Spool(box, ['queue_delay_warning 1h'])
        sp.run(ARGV, MSG)
        with sp.server(rcpt_replies={'a@example.org':
                                     '451 4.2.0 mailbox busy'}) as srv:
            run_at(sp, '+90m', ['--queue-run'])
            run_at(sp, '+5h', ['--queue-run'])
            srv.settle()
        got = [(t.mail_from, t.rcpt_addrs) for t in srv.accepted]
        c.eq(got, [('', ['sender@example.com'])], 'one warning, not two')
        c.true(srv.accepted and b'Action: delayed' in srv.accepted[0].content
               and b'mailbox busy' in srv.accepted[0].content,
               'a delay notice with the last reply')
        c.eq(len(sp.ids()), 1, 'the message itself is still queued')


def flush_ignores_backoff(c):
    with T.sandbox() as box:
        sp = Spool(box)
        sp.run(ARGV, MSG)
        with sp.server() as srv:
            sp.run(['--queue-flush'])
            srv.settle()
        c.eq(len(srv.accepted), 1, 'delivered by --queue-flush at once')


def filters(c):
    with T.sandbox() as box:
        sp = Spool(box)
        sp.run(['-oi', '-f', 'x@example.com', 'one@example.org'], MSG)
        sp.run(['-oi', '-f', 'y@other.test', 'two@example.net'], MSG)
        with sp.server() as srv:
            sp.run(['-qRexample.net'])
            srv.settle()
            got = [t.rcpt_addrs for t in srv.accepted]
            sp.run(['-qSx@example'])
            srv.settle()
        c.eq(got, [['two@example.net']], '-qR delivers only that domain')
        c.eq([t.rcpt_addrs for t in srv.accepted][1:], [['one@example.org']],
             '-qS delivers only that sender')


def hold_release_remove(c):
    with T.sandbox() as box:
        sp = Spool(box)
        sp.run(ARGV, MSG)
        sp.run(['-oi', 'gone@example.org'], MSG)
        keep, gone = sp.ids()
        c.exit(sp.run(['--queue-hold=' + keep]), 0)
        c.true(sp.listing()[0]['held'], 'held in the listing')
        c.exit(sp.run(['--queue-remove', gone]), 0)
        c.eq(sp.ids(), [keep], 'after --queue-remove')
        with sp.server() as srv:
            sp.run(['-q'])
            srv.settle()
            c.eq(srv.accepted, [], 'a held entry is not delivered by -q')
            c.exit(sp.run(['--queue-release=' + keep]), 0)
            sp.run(['-q'])
            srv.settle()
        c.eq([t.rcpt_addrs for t in srv.accepted], [['a@example.org']],
             'delivered after release; the removed one never')


def bad_ids(c):
    with T.sandbox() as box:
        sp = Spool(box)
        for arg, what in (('--queue-remove=../../etc', 'malformed'),
                          ('--queue-hold=0123456789ABCDEF00', 'unknown')):
            res = sp.run([arg])
            c.exit(res, T.EX_USAGE)
            c.no_stdout(res)
            c.one_stderr_line(res)


def empty_listing(c):
    with T.sandbox() as box:
        sp = Spool(box)
        res = sp.run(['-bp'])
        c.exit(res, 0)
        c.true(b'Mail queue is empty' in res.out, 'mailq: %r' % res.out)
        res = T.run(['-C', sp.cfg], b'', box=box, argv0='mailq')
        c.true(b'Mail queue is empty' in res.out, 'as mailq: %r' % res.out)
        c.eq(sp.listing(), [], '--json')


def broken_entry(c):
    with T.sandbox() as box:
        sp = Spool(box)
        sp.run(ARGV, MSG)
        (good,) = sp.ids()
        junk = os.path.join(sp.dir, 'entries', '0123456789ABCDEF99')
        with open(junk, 'wb') as f:
            f.write(b'dsmtp-queue 1\nid 0123456789ABCDEF99\nrcpt pen')
        with sp.server() as srv:
            sp.run(['-q'])
            srv.settle()
        c.eq(len(srv.accepted), 1, 'the good entry is delivered')
        c.true(os.path.exists(os.path.join(sp.dir, 'quarantine',
                                           '0123456789ABCDEF99')),
               'the torn file is in quarantine')
        c.eq(sp.entry_files(), [], 'entries left')


def two_runners(c):
    with T.sandbox() as box:
        sp = Spool(box)
        for i in range(6):
            sp.run(['-oi', 'r%d@example.org' % i], MSG)
        c.need(len(sp.ids()) == 6, 'six entries')
        with sp.server(eod_delay=0.2) as srv:
            results = []
            ts = [threading.Thread(target=lambda: results.append(
                sp.run(['-q']))) for _ in range(2)]
            for t in ts:
                t.start()
            for t in ts:
                t.join()
            srv.settle()
        got = sorted(a for t in srv.accepted for a in t.rcpt_addrs)
        c.eq(got, ['r%d@example.org' % i for i in range(6)],
             'each message delivered exactly once by two runners')
        c.eq([r.code for r in results], [0, 0], 'exit codes')


def shared_run(c):
    """A run over a large spool is shared by helper processes (one per
    250 entries, 4 at most): every message delivered exactly once, the
    figures of -v summed over them, nothing left."""
    n = 520
    with T.sandbox() as box:
        sp = Spool(box)
        items = list(range(n))
        lock = threading.Lock()

        def fill():
            while True:
                with lock:
                    if not items:
                        return
                    i = items.pop()
                sp.run(['-oi', '-odq', 's%d@example.org' % i], MSG)
        ts = [threading.Thread(target=fill) for _ in range(8)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        c.need(len(sp.entry_files()) == n, '%d entries' % n)
        with sp.server() as srv:
            res = sp.run(['-q', '-v'], timeout=120)
            srv.settle()
        got = sorted(a for t in srv.accepted for a in t.rcpt_addrs)
        c.exit(res, 0)
        c.eq(got, sorted('s%d@example.org' % i for i in range(n)),
             'each message delivered exactly once')
        c.eq(srv.open_peak, 3, 'three processes with a connection open '
             'at once')
        c.true(b'queue run: %d entries tried' % n in res.err,
               'the figures are summed: %r' % res.err[-300:])
        c.eq(sp.entry_files(), [], 'entries left')


def one_connection(c):
    with T.sandbox() as box:
        sp = Spool(box)
        for i in range(5):
            sp.run(['-oi', 'm%d@example.org' % i], MSG)
        with sp.server(rcpt_replies={'m2@example.org':
                                     '550 5.1.1 no such user'}) as srv:
            res = sp.run(['-q'])
            srv.settle()
        c.exit(res, 0)
        got = sorted(a for t in srv.accepted for a in t.rcpt_addrs)
        c.eq(got, ['m0@example.org', 'm1@example.org', 'm3@example.org',
                   'm4@example.org', 'root@' + T.QUALIFY_DEFAULT],
             'four messages and the bounce for m2')
        c.eq(srv.connections, 1, 'connections for six messages')
        c.true(len(srv.commands_named('RSET')) >= 5,
               'RSET before each reuse: %d' % len(srv.commands_named('RSET')))


def session_refused_waits(c):
    """queue on: a relay that will not open a session (here: auth on,
    and it offers no AUTH; the same for refused credentials) is the
    administrator's to mend: the mail waits, logged as deferred."""
    with T.sandbox() as box:
        sp = Spool(box, ['auth on', 'user ann', 'password secret'])
        with sp.server() as srv:
            res = sp.run(ARGV, MSG)
            srv.settle()
        quiet_success(c, res)
        c.eq(srv.accepted, [], 'nothing delivered')
        c.eq(len(sp.ids()), 1, 'still queued')
        log = T.read_log(box).decode()
        c.true('status=deferred' in log and 'status=bounced' not in log,
               'logged as deferred: %s' % log)


def relay_misbehaves(c, mode=None, extra=(), hide=()):
    """The relay fails in some way at the first attempt: exit 0, the mail
    is kept, and -q delivers it once the relay behaves."""
    with T.sandbox() as box:
        sp = Spool(box, list(extra))
        kw = {'mode': mode} if mode else {}
        with sp.server(hide=hide, **kw) as bad:
            res = sp.run(ARGV, MSG)
            bad.settle()
        quiet_success(c, res)
        c.eq(bad.accepted, [], 'nothing taken by the failing relay')
        c.eq(len(sp.ids()), 1, 'kept in the queue')
        with sp.server() as good:
            sp.run(['-q'] + (['--tls=off'] if extra else []))
            good.settle()
        c.eq([t.rcpt_addrs for t in good.accepted], [['a@example.org']],
             'delivered once the relay behaves')
        c.eq(sp.ids(), [], 'queue')


def spool_unwritable(c):
    with T.sandbox() as box:
        blocker = os.path.join(box, 'file')
        T.write_file(blocker, 'x')
        sp = Spool(box, ['queue_dir %s/sub' % blocker])
        with sp.server() as srv:
            res = sp.run(ARGV, MSG)
            srv.settle()
        c.exit(res, 0)
        c.eq(len(srv.accepted), 1, 'delivered without the queue')
        c.true(b'without the queue' in res.err, 'says so: %r' % res.err)
        sp2 = Spool(box, ['queue_dir %s/sub' % blocker])
        res = sp2.run(ARGV, MSG)
        c.exit(res, T.EX_TEMPFAIL)


def cli_settings_go_at_once(c):
    """--port, --tls... change the account for this submission only; a
    retry would use the file's account, so such mail is not queued."""
    with T.sandbox() as box:
        sp = Spool(box)
        res = sp.run(['--tls=off', '--port=%d' % sp.port] + ARGV, MSG)
        c.exit(res, T.EX_TEMPFAIL)
        c.true(not os.path.isdir(os.path.join(sp.dir, 'entries')) or
               sp.entry_files() == [], 'nothing queued')
        res = sp.run(['--logfile=%s/other.log' % box] + ARGV, MSG)
        c.exit(res, 0)
        c.eq(len(sp.ids()), 1, '--logfile alone: queued as usual')


def queue_off_is_synchronous(c):
    with T.sandbox() as box:
        sp = Spool(box, ['queue off'])
        res = sp.run(ARGV, MSG)
        c.exit(res, T.EX_TEMPFAIL)
        c.true(not os.path.exists(os.path.join(sp.dir, 'entries')) or
               sp.entry_files() == [], 'nothing queued with queue off')


TESTS = [
    ('a run over 520 entries shared by three processes: each message once',
     shared_run),
    ('relay down: exit 0, silent, queued with the error; -q delivers once',
     relay_down),
    ('-v says the message is queued, with its id', verbose_says_queued),
    ('relay up: delivered at once, nothing left in the spool',
     delivered_at_once),
    ('4xx for one recipient: only that one stays queued, retried alone',
     partial_4xx),
    ('5xx for one recipient: exit 0 and an RFC 3464 bounce to the sender',
     perm_bounces),
    ('5xx with the null sender: a notice to root, never to <>',
     null_sender_notice),
    ('-N never: no notification for a 5xx', notify_never),
    ('a notification that fails goes to double_bounce_to', double_bounce),
    ('when that fails too: kept, held and logged, never looping; '
     'released, it is tried again',
     double_bounce_kept),
    ('-odq queues without connecting; -qI<id> delivers it', queue_only),
    ('-bs: 250 after the commit with the relay down', bs_commits),
    ('--queue-run waits for the backoff (faketime)', schedule),
    ('the backoff grows from attempt to attempt (faketime)', backoff_grows),
    ('queue_lifetime passed: expiry bounce, status=expired (faketime)',
     expiry),
    ('the expiry log line quotes the addresses (faketime)',
     expiry_log_quoted),
    ('a run\'s notes go to the defaults\' log (faketime)',
     notes_log_where_defaults_say),
    ('queue_delay_warning: one delay notice to the sender (faketime)',
     delay_warning),
    ('--queue-flush ignores the backoff', flush_ignores_backoff),
    ('-qR<domain> and -qS<sender> take only their entries', filters),
    ('--queue-hold keeps an entry from -q; release and remove',
     hold_release_remove),
    ('malformed or unknown queue id: exit 64, one line', bad_ids),
    ('mailq on an empty queue; mailq as argv[0]', empty_listing),
    ('a torn entry is quarantined, the rest delivered', broken_entry),
    ('two runners at once: every message exactly once', two_runners),
    ('-q carries many messages over one connection (RSET between)',
     one_connection),
    ('-N success through a relay without DSN: a "relayed" report',
     lambda c: relayed_notice(c, ('DSN',))),
    ('-N success through a relay with DSN: NOTIFY passed on, no report',
     lambda c: relayed_notice(c, ())),
    ('queue on: a relay that refuses the session: deferred, kept',
     session_refused_waits),
    ('the relay closes the connection in DATA: kept, delivered later',
     lambda c: relay_misbehaves(c, 'close-in-data')),
    ('421 greeting: kept, delivered later',
     lambda c: relay_misbehaves(c, 'greet421')),
    ('STARTTLS required but not offered: kept, not sent in clear',
     lambda c: relay_misbehaves(c, extra=['tls on', 'tls_starttls on'],
                                hide=('STARTTLS',))),
    ('spool cannot be written: delivered without it, else 75',
     spool_unwritable),
    ('--port/--tls on the command line: delivered at once, never queued',
     cli_settings_go_at_once),
    ('queue off: 75, nothing queued', queue_off_is_synchronous),
]

if __name__ == '__main__':
    T.main(TESTS)
