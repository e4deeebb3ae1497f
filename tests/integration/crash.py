#!/usr/bin/python3
"""crash.py - kill -9 dsmtp at random moments of submissions and of queue
runs (hundreds of trials against a real server on loopback that takes a
little while to answer the end of DATA), then run the queue to the end:
every message dsmtp accepted (exit 0) arrives; a second copy only after
its submission was killed (after the end of DATA, before the entry was
removed), in queue runs at most one extra copy per killed run (the entry
in flight); and no torn entry is ever taken for mail. A spool on a full filesystem (a tiny tmpfs in a private mount
namespace) gives a clear error and exit 75, with nothing left behind.

Figures (kills, copies that arrived twice) are printed as TAP comments."""

import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time

sys.dont_write_bytecode = True     # the source tree may be read-only
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..', 'lib'))
import dsmtptest as T                                    # noqa: E402
from smtpserver import SmtpServer                        # noqa: E402

TRIALS = int(os.environ.get('DSMTP_CRASH_TRIALS', '260'))
SUBJECT = re.compile(rb'Subject: trial-(\d+)\r\n')


def message(n):
    return (b'From: sender@example.com\nTo: a@example.org\n'
            b'Subject: trial-%d\n\n' % n + b'body line\n' * 40)


def start(box, cfg, argv, n):
    proc = subprocess.Popen(
        [T.DSMTP, '-C', cfg] + list(argv), env=T.sandbox_env(box),
        stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    if n is not None:
        try:
            proc.stdin.write(message(n))
        except BrokenPipeError:
            pass
    proc.stdin.close()
    return proc


def kill_later(proc, delay):
    """SIGKILL proc after delay seconds unless it ended; True if killed."""
    end = time.monotonic() + delay
    while time.monotonic() < end:
        if proc.poll() is not None:
            return False
        time.sleep(0.0005)
    if proc.poll() is not None:
        return False
    proc.kill()
    proc.wait()
    return True


def copies(srv):
    """{trial number: how many times it arrived}"""
    got = {}
    for t in srv.accepted:
        m = SUBJECT.search(t.content)
        if m:
            k = int(m.group(1))
            got[k] = got.get(k, 0) + 1
    return got


def flush(box, cfg, srv):
    """Run the queue until it is empty (or 5 rounds)."""
    for _ in range(5):
        res = T.run(['-C', cfg, '-q'], box=box, timeout=120)
        srv.settle()
        if not os.listdir(os.path.join(box, 'queue', 'entries')):
            return res
    return res


def spool_state(box):
    q = os.path.join(box, 'queue')
    return {d: sorted(os.listdir(os.path.join(q, d)))
            for d in ('entries', 'quarantine') if
            os.path.isdir(os.path.join(q, d))}


def check_outcome(c, srv, accepted, killed, state, kills=None):
    """Nothing accepted lost; a message arrives twice only when its own
    submission was killed; with kills (queue runs), the extra copies in
    all are at most one per killed run (the entry in flight), never more.
    The messages that arrived more than once."""
    got = copies(srv)
    lost = sorted(n for n in accepted if got.get(n, 0) == 0)
    extra = sum(k - 1 for k in got.values() if k > 1)
    more = sorted(n for n, k in got.items() if k > 1)
    c.eq(lost, [], 'accepted (exit 0) but never delivered')
    if kills is None:
        c.eq([n for n in more if got[n] > 2 or n not in killed], [],
             'delivered more than twice, or twice without a kill')
    else:
        c.true(extra <= kills, '%d extra copies after %d killed runs'
               % (extra, kills))
    c.eq(state.get('entries', []), [], 'entries left after the final run')
    c.eq(state.get('quarantine', []), [], 'files quarantined (torn entries)')
    return more


def calibrate(box, cfg, srv):
    """How long a whole submission takes here (this build, this machine,
    the slowest answer at the end of DATA): kills are spread over it."""
    srv.opts.eod_delay = 0.02
    took = []
    for n in range(3):
        t0 = time.monotonic()
        proc = start(box, cfg, ['-oi', 'a@example.org'], 100000 + n)
        proc.wait()
        took.append(time.monotonic() - t0)
    return max(took)


class Span:
    """The window kills are drawn from. It starts at the calibrated length
    of a whole submission and follows the machine's speed during the run
    (other suites load it in parallel): a kill widens it a little, a run
    that finished narrows it, so about half the trials end in a kill at
    any load, and the kills stay spread over the whole submission."""

    def __init__(self, value):
        self.value = value

    def killed(self, was_killed):
        self.value *= 1.04 if was_killed else 1 / 1.04
        return was_killed


def submissions(c):
    rnd = random.Random(1)
    accepted, killed = set(), set()
    with T.sandbox() as box, SmtpServer(eod_delay=0.01) as srv:
        cfg = T.write_config(box, srv.port, ['timeout 10'])
        span = Span(calibrate(box, cfg, srv) * 1.2)
        for n in range(TRIALS):
            srv.opts.eod_delay = rnd.choice((0, 0.005, 0.02))
            proc = start(box, cfg, ['-oi', 'a@example.org'], n)
            if span.killed(kill_later(proc, rnd.uniform(0, span.value))):
                killed.add(n)
            elif proc.returncode == 0:
                accepted.add(n)
            else:
                c.fail('trial %d exited %d without a kill'
                       % (n, proc.returncode))
        srv.opts.eod_delay = 0
        flush(box, cfg, srv)
        state = spool_state(box)
        twice = check_outcome(c, srv, accepted, killed, state)
        leftovers = len(os.listdir(os.path.join(box, 'queue', 'tmp')))
    print('# submissions: %d trials, %d killed, %d accepted, %d delivered '
          'twice, %d temporaries left for the sweep'
          % (TRIALS, len(killed), len(accepted), len(twice), leftovers))
    c.true(len(killed) > TRIALS // 5 and len(accepted) > TRIALS // 5,
           'kills fell at many moments: %d killed, %d accepted'
           % (len(killed), len(accepted)))


def queue_runs(c, seed):
    """40 queued messages, runs killed at random until the queue is empty,
    then a last run; the number of runs killed."""
    rnd = random.Random(seed)
    n_msgs = 40
    killed_runs = runs = 0
    with T.sandbox() as box, SmtpServer(eod_delay=0.005) as srv:
        cfg = T.write_config(box, srv.port, ['timeout 10'])
        span = calibrate(box, cfg, srv) * 1.5
        for n in range(n_msgs):
            c.exit(T.run(['-C', cfg, '-odq', '-oi', 'a@example.org'],
                         message(n), box=box), 0)
        while (os.listdir(os.path.join(box, 'queue', 'entries')) and
               runs < 400):
            srv.opts.eod_delay = rnd.choice((0.002, 0.01, 0.03))
            proc = start(box, cfg, ['-q'], None)
            killed_runs += kill_later(proc, rnd.uniform(0, span))
            runs += 1
        srv.opts.eod_delay = 0
        flush(box, cfg, srv)
        twice = check_outcome(c, srv, set(range(n_msgs)),
                              set(range(n_msgs)), spool_state(box),
                              kills=killed_runs)
    print('# queue runs: %d runs over %d messages, %d killed; %d messages '
          'delivered twice' % (runs, n_msgs, killed_runs, len(twice)))
    return killed_runs


def queue_runs_many(c):
    """Rounds of queue_runs until TRIALS runs in all have been killed."""
    kills = rounds = 0
    while kills < TRIALS and rounds < 30:
        kills += queue_runs(c, rounds)
        rounds += 1
    c.true(kills >= TRIALS, 'runs killed: %d, want %d' % (kills, TRIALS))


def full_spool(c):
    unshare = shutil.which('unshare')
    if os.geteuid() != 0 or not unshare:
        c.skip('needs root and unshare for a private tmpfs')
    with T.sandbox() as box:
        q = os.path.join(box, 'queue')
        os.mkdir(q)
        out = os.path.join(box, 'listing')
        cfg = T.write_config(box, 1, ['timeout 5'])
        big = b'Subject: big\n\n' + (b'x' * 70 + b'\n') * 2000
        script = ('mount -t tmpfs -o size=64k tmpfs "$1" || exit 99; '
                  '"$2" -C "$3" -oi a@example.org; rc=$?; '
                  'ls -A "$1/entries" "$1/tmp" >"$4"; exit $rc')
        proc = subprocess.run(
            [unshare, '-m', '--propagation', 'private', 'sh', '-c', script,
             'sh', q, T.DSMTP, cfg, out],
            input=big, env=T.sandbox_env(box), capture_output=True,
            timeout=60)
        if proc.returncode == 99:
            c.skip('cannot mount a tmpfs here')
        with open(out) as f:
            listing = f.read()
        c.eq(proc.returncode, T.EX_TEMPFAIL, 'exit status (spool full, '
             'relay down)')
        c.true(b'No space' in proc.stderr,
               'says the spool is full: %s' % T.short(proc.stderr))
        c.eq([l for l in listing.split('\n') if l and not l.endswith(':')],
             [], 'files in entries/ and tmp/ after the failed commit')


TESTS = [
    ('kill -9 at random moments of %d submissions: nothing accepted is '
     'lost, at most two copies, and only after a kill' % TRIALS,
     submissions),
    ('kill -9 at random moments of queue runs: every message arrives, '
     'an extra copy only for the entry in flight', queue_runs_many),
    ('full spool filesystem, relay down: exit 75, a clear error, no '
     'partial entry left', full_spool),
]

if __name__ == '__main__':
    T.main(TESTS)
