#!/usr/bin/python3
"""daemon.py - `dsmtp --queue-daemon` against real servers on loopback: it
notices new entries at once, takes what is due when it starts (the clock
moved with faketime, never with sleeps), lets a hung relay hold only its
own entry, and stops cleanly on SIGTERM."""

import os
import shutil
import signal
import subprocess
import sys
import time

sys.dont_write_bytecode = True     # the source tree may be read-only
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..', 'lib'))
import dsmtptest as T                                    # noqa: E402
from smtpserver import SmtpServer, refused_port          # noqa: E402

MSG = (b'From: sender@example.com\nTo: a@example.org\nSubject: daemon\n\n'
       b'the body\n')
WAIT = 10     # seconds a check waits for what it expects


class Daemon:
    """dsmtp --queue-daemon on a config, in its own process group."""

    def __init__(self, box, cfg, prefix=()):
        env = T.sandbox_env(box)
        if prefix:
            env = T.faketime_env(env)
        self.proc = subprocess.Popen(
            list(prefix) + [T.DSMTP, '-C', cfg, '--queue-daemon'],
            env=env, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            start_new_session=True)

    def stop(self):
        """SIGTERM; (exit code, stdout, stderr)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            out, err = self.proc.communicate(timeout=WAIT * 3)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            out, err = self.proc.communicate()
            return None, out, err
        return self.proc.returncode, out, err

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait()
        return False


def until(cond, seconds=WAIT):
    """Poll cond() every 50 ms for up to seconds; its last value."""
    end = time.monotonic() + seconds
    while True:
        v = cond()
        if v or time.monotonic() > end:
            return v
        time.sleep(0.05)


def entries(box):
    d = os.path.join(box, 'queue', 'entries')
    return sorted(os.listdir(d)) if os.path.isdir(d) else []


def submit(box, cfg, argv):
    return T.run(['-C', cfg, '-oi'] + list(argv), MSG, box=box)


def notices_new_entries(c):
    with T.sandbox() as box, SmtpServer() as srv:
        cfg = T.write_config(box, srv.port)
        with Daemon(box, cfg) as d:
            time.sleep(0.3)        # let it start watching
            for i in range(3):
                c.exit(submit(box, cfg, ['-odq', 'n%d@example.org' % i]), 0)
            got = until(lambda: len(srv.accepted) >= 3)
            code, out, err = d.stop()
        c.true(got, 'the daemon delivered the -odq entries: %d of 3'
               % len(srv.accepted))
        c.eq(entries(box), [], 'entries left')
        c.eq(code, 0, 'exit status after SIGTERM')
        c.eq(out, b'', 'standard output')
        log = T.read_log(box).decode()
        c.true('status=stopped' in log, 'the log says it stopped: %s'
               % log[-300:])


def takes_due_entries(c):
    faketime = shutil.which('faketime')
    if not faketime:
        c.skip('faketime is not installed')
    with T.sandbox() as box:
        sock = refused_port()
        port = sock.getsockname()[1]
        cfg = T.write_config(box, port, ['timeout 5'])
        c.exit(submit(box, cfg, ['later@example.org']), 0)
        c.need(len(entries(box)) == 1, 'deferred at submission')
        sock.close()
        with SmtpServer(port=port) as srv:
            with Daemon(box, cfg, [faketime, '-f', '+3m']) as d:
                got = until(lambda: len(srv.accepted) >= 1)
                d.stop()
        c.true(got, 'the due entry was delivered when the daemon started')
        c.eq([t.rcpt_addrs for t in srv.accepted], [['later@example.org']],
             'delivered once')


def not_due_waits(c):
    with T.sandbox() as box:
        sock = refused_port()
        port = sock.getsockname()[1]
        cfg = T.write_config(box, port, ['timeout 5'])
        submit(box, cfg, ['later@example.org'])
        sock.close()
        with SmtpServer(port=port) as srv:
            with Daemon(box, cfg) as d:
                time.sleep(1.5)
                d.stop()
            srv.settle()
        c.eq(srv.connections, 0, 'connections before the backoff passed')
        c.eq(len(entries(box)), 1, 'still queued')


def hung_relay(c):
    with T.sandbox() as box, SmtpServer(mode='silent') as hung, \
            SmtpServer() as good:
        cfg = T.write_config(box, good.port, [
            'timeout 20', '', 'account hung', 'host 127.0.0.1',
            'port %d' % hung.port, 'timeout 20'])
        submit(box, cfg, ['-odq', '-a', 'hung', 'stuck@example.org'])
        time.sleep(0.01)
        for i in range(3):
            submit(box, cfg, ['-odq', 'fine%d@example.org' % i])
        with Daemon(box, cfg) as d:
            got = until(lambda: len(good.accepted) >= 3, seconds=8)
            left = entries(box)
            d.stop()
        c.true(got, 'the other entries went out while one relay hung: %d'
               % len(good.accepted))
        c.eq(len(left), 1, 'only the hung entry was still queued')


def news_while_hung(c):
    """An entry that arrives while workers wait on a hung relay gets a
    worker of its own at once."""
    with T.sandbox() as box, SmtpServer(mode='silent') as hung, \
            SmtpServer() as good:
        cfg = T.write_config(box, good.port, [
            'timeout 20', '', 'account hung', 'host 127.0.0.1',
            'port %d' % hung.port, 'timeout 20'])
        for i in range(4):
            submit(box, cfg, ['-odq', '-a', 'hung', 'stuck%d@example.org' % i])
        with Daemon(box, cfg) as d:
            until(lambda: hung.connections >= 1, seconds=5)
            submit(box, cfg, ['-odq', 'news@example.org'])
            got = until(lambda: len(good.accepted) >= 1, seconds=8)
            d.stop()
        c.true(got, 'the new entry went out while the hung relay waited')


TESTS = [
    ('notices new entries at once; SIGTERM: exit 0, logged',
     notices_new_entries),
    ('takes the entries that are due when it starts (faketime)',
     takes_due_entries),
    ('leaves an entry alone until its backoff has passed', not_due_waits),
    ('a hung relay holds only its own entry', hung_relay),
    ('a new entry is delivered while workers wait on a hung relay',
     news_while_hung),
]

if __name__ == '__main__':
    T.main(TESTS)
