"""dsmtptest.py - a small TAP harness and helpers for dsmtp's test suites.

Owns: TAP output (trailing plan, "not ok" with "# " diagnostics, SKIP),
soft assertions, running the dsmtp binary in a private sandbox (its own
HOME, XDG dirs and config), and checks on what arrived at the server.

A suite is a list of (name, function) pairs handed to main().  Each function
takes a Check and records every problem it finds; an exception inside it is
reported as "not ok" with the traceback.  A crash of the suite itself ends
without a plan, which automake's TAP driver counts as an error.
"""

import contextlib
import dataclasses
import os
import shutil
import pwd
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback

LIB = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(LIB))          # the repository
CLIENTS_DIR = os.path.join(TOP, 'tests', 'data', 'clients')
DSMTP = os.environ.get('DSMTP') or os.path.join(TOP, 'src', 'dsmtp')
LOGIN = pwd.getpwuid(os.getuid()).pw_name

EX_OK, EX_USAGE, EX_DATAERR, EX_NOUSER = 0, 64, 65, 67
EX_UNAVAILABLE, EX_SOFTWARE, EX_TEMPFAIL, EX_PROTOCOL = 69, 70, 75, 76
EX_CONFIG = 78
QUALIFY_DEFAULT = 'qualify.example'     # write_config's qualify_domain
MAX_LINE = 998


class Skip(Exception):
    """Raised by a test that cannot run here; the reason is the message."""


class Abort(Exception):
    """Raised by Check.need: the test already failed and cannot go on."""


# -- TAP --------------------------------------------------------------------

class Tap:
    def __init__(self, out=sys.stdout):
        self.out, self.n, self.failed = out, 0, 0

    def emit(self, text):
        self.out.write(text + '\n')
        self.out.flush()

    def result(self, name, problems=(), skip=None):
        self.n += 1
        name = name.replace('#', '\\#')
        if skip is not None:
            self.emit('ok %d - %s # SKIP %s' % (self.n, name, skip))
            return
        self.emit('%s %d - %s' % ('not ok' if problems else 'ok', self.n,
                                  name))
        for p in problems:
            self.diag(p)
        self.failed += bool(problems)

    def diag(self, text):
        for line in str(text).splitlines() or ['']:
            self.emit('# ' + line)

    def plan(self):
        self.emit('1..%d' % self.n)


class Check:
    """Soft assertions: each failure is noted and the test goes on."""

    def __init__(self):
        self.problems = []

    def fail(self, what):
        self.problems.append(what)
        return False

    def true(self, cond, what):
        return True if cond else self.fail(what)

    def eq(self, got, want, what):
        if got == want:
            return True
        return self.fail('%s:\n  got:  %s\n  want: %s' % (what, short(got),
                                                          short(want)))

    def exit(self, res, *codes):
        """The exit status is one of codes; shows stderr when it is not."""
        if res.code in codes:
            return True
        return self.fail('exit status %s, want %s; stderr: %s' % (
            res.code, ' or '.join(map(str, codes)), short(res.err)))

    def no_stdout(self, res):
        return self.eq(res.out, b'', 'standard output')

    def one_stderr_line(self, res):
        lines = res.err.split(b'\n')
        ok = res.err.endswith(b'\n') and len(lines) == 2 and lines[0].strip()
        return self.true(ok, 'want exactly one line on stderr, got %s'
                         % short(res.err))

    def silent_server(self, srv):
        srv.settle()
        return self.true(srv.connections == 0 and not srv.commands,
                         'server was contacted: %d connection(s), commands %s'
                         % (srv.connections, short(srv.commands)))

    def need(self, cond, what):
        """Like true(), but ends the test when cond is false."""
        if not cond:
            self.fail(what)
            raise Abort()

    def skip(self, reason):
        raise Skip(reason)


def short(value, limit=600):
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + '...(%d chars)' % (
        len(text))


def run_one(tap, name, fn):
    c = Check()
    try:
        fn(c)
    except Skip as s:
        return tap.result(name, skip=str(s))
    except Abort:
        pass
    except Exception:
        c.problems.append('exception in test:\n' + traceback.format_exc())
    tap.result(name, c.problems)


def private_mounts(flag):
    """Run the calling script again in a private mount namespace (root and
    unshare needed) unless flag is set in the environment, which says it
    runs there already; without root or unshare it goes on as it is (its
    tests then skip)."""
    if (os.environ.get(flag) != '1' and os.geteuid() == 0 and
            shutil.which('unshare')):
        env = dict(os.environ, **{flag: '1'})
        os.execvpe('unshare', ['unshare', '-m', '--propagation', 'private',
                               sys.executable,
                               os.path.abspath(sys.argv[0])], env)


def main(tests):
    """Run (name, fn) pairs as one TAP stream; exit 0 once the plan is out."""
    tap = Tap()
    if not os.access(DSMTP, os.X_OK):
        tap.emit('Bail out! no dsmtp binary at %s (set DSMTP)' % DSMTP)
        sys.exit(1)
    for name, fn in tests:
        run_one(tap, name, fn)
    tap.plan()
    sys.exit(0)


# -- sandbox and config -------------------------------------------------------

@contextlib.contextmanager
def sandbox():
    """A private directory with home/, xdg-config/, xdg-state/ inside."""
    with tempfile.TemporaryDirectory(prefix='dsmtp-test-') as d:
        for sub in ('home', 'xdg-config', 'xdg-state'):
            os.mkdir(os.path.join(d, sub), 0o700)
        yield d


def write_file(path, text, mode=0o600):
    data = text.encode() if isinstance(text, str) else text
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, 'wb') as f:
        f.write(data)
    os.chmod(path, mode)
    return path


def write_config(box, port, extra=(), mode=0o600, name='dsmtprc'):
    """An msmtp-syntax config for account default at 127.0.0.1:port, with
    its log and queue inside box; extra lines go into the account."""
    # A dotted qualify domain, as on a properly set-up host: without one
    # (a machine called "vm") dsmtp warns on stderr.
    lines = ['defaults',
             'syslog off',
             'qualify_domain %s' % QUALIFY_DEFAULT,
             'logfile %s' % os.path.join(box, 'dsmtp.log'),
             'queue_dir %s' % os.path.join(box, 'queue'),
             '',
             'account default',
             'host 127.0.0.1',
             'port %d' % port]
    lines += list(extra)
    return write_file(os.path.join(box, name), '\n'.join(lines) + '\n', mode)


def read_log(box):
    try:
        with open(os.path.join(box, 'dsmtp.log'), 'rb') as f:
            return f.read()
    except OSError:
        return b''


# -- running dsmtp ------------------------------------------------------------

@dataclasses.dataclass
class Result:
    code: int            # exit status, or -signal
    out: bytes
    err: bytes
    elapsed: float       # seconds
    peak_kb: int         # dsmtp's ru_maxrss in KiB (0: it never ended)
    timed_out: bool = False


def faketime_env(env):
    """env for dsmtp run under faketime, which preloads its library: an
    ASan build must be told not to insist on coming first."""
    opts = env.get('ASAN_OPTIONS', '')
    env['ASAN_OPTIONS'] = (opts + ':' if opts else '') + \
        'verify_asan_link_order=0'
    return env


def sandbox_env(box):
    env = {k: v for k, v in os.environ.items()
           if k not in ('NAME', 'MAILRC', 'EMAIL', 'LANGUAGE')}
    env.update(HOME=os.path.join(box, 'home'),
               XDG_CONFIG_HOME=os.path.join(box, 'xdg-config'),
               XDG_STATE_HOME=os.path.join(box, 'xdg-state'),
               LOGNAME=LOGIN, USER=LOGIN, LC_ALL='C')
    return env


def _pump_in(pipe, data):
    try:
        pipe.write(data)
    except (BrokenPipeError, ConnectionResetError):
        pass        # dsmtp may refuse before reading all of its input
    finally:
        try:
            pipe.close()
        except OSError:
            pass


def _pump_out(pipe, sink):
    sink.append(pipe.read())
    pipe.close()


def _kill_group(proc, flag):
    flag.append(True)
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _peakrss():
    """The launcher that reports dsmtp's exact peak RSS (tests/tools/peakrss.c,
    built by make check)."""
    build = os.path.dirname(os.path.dirname(DSMTP))
    path = os.environ.get('DSMTP_PEAKRSS') or os.path.join(
        build, 'tests', 'tools', 'peakrss')
    if not os.access(path, os.X_OK):
        raise RuntimeError('%s is missing: run the suites through make check'
                           % path)
    return path


def run(argv, stdin=b'', box=None, timeout=30, argv0='sendmail', env=None,
        uid=None, prefix=()):
    """Run DSMTP with argv (argv0 as its name) and stdin bytes, measuring
    its exact peak memory (ru_maxrss through tests/tools/peakrss).  Kills its
    process group after timeout seconds.
    With uid (when running as root), dsmtp runs as that user and group.
    prefix: a command that runs it (e.g. ip netns exec NAME)."""
    ids = {} if uid is None else {'user': uid, 'group': uid,
                                  'extra_groups': []}
    peakfile = tempfile.NamedTemporaryFile(prefix='dsmtp-peak-')
    if uid is not None:
        os.chown(peakfile.name, uid, -1)
    proc = subprocess.Popen(list(prefix) +
                            [_peakrss(), peakfile.name, DSMTP, argv0] +
                            list(argv), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True,
                            env=env or (sandbox_env(box) if box else None),
                            **ids)
    out, err, killed = [], [], []
    threads = [threading.Thread(target=_pump_in, args=(proc.stdin, stdin)),
               threading.Thread(target=_pump_out, args=(proc.stdout, out)),
               threading.Thread(target=_pump_out, args=(proc.stderr, err))]
    start = time.monotonic()
    watchdog = threading.Timer(timeout, _kill_group, (proc, killed))
    watchdog.daemon = True
    watchdog.start()
    for t in threads:
        t.start()
    proc.wait()
    elapsed = time.monotonic() - start
    watchdog.cancel()
    for t in threads:
        t.join()
    code = proc.returncode
    if code > 128 and code - 128 < 65:      # peakrss: killed by a signal
        code = -(code - 128)
    with peakfile:
        text = peakfile.read().strip()
    return Result(code, out[0], err[0], elapsed, int(text or 0),
                  bool(killed))


def sendmail(box, port, argv, stdin, extra=(), **kw):
    """Write a config for port and run dsmtp -C config argv."""
    cfg = write_config(box, port, extra)
    return run(['-C', cfg] + list(argv), stdin, box=box, **kw)


# -- what arrived -------------------------------------------------------------

def crlf(data):
    """data with every LF, CRLF or mixed line ending made CRLF and a final
    CRLF added where missing: the form dsmtp must put on the wire."""
    lines = data.split(b'\n')
    if lines[-1] == b'':
        lines.pop()
    return b''.join((l[:-1] if l.endswith(b'\r') else l) + b'\r\n'
                    for l in lines)


def split_message(data):
    """(header fields, body) of a CRLF message.  A field is its full bytes,
    continuation lines included, with the final CRLF."""
    head, sep, body = data.partition(b'\r\n\r\n')
    if not sep:
        head, body = data, b''
    fields = []
    for line in (head + b'\r\n').split(b'\r\n')[:-1]:
        if line[:1] in (b' ', b'\t') and fields:
            fields[-1] += line + b'\r\n'
        else:
            fields.append(line + b'\r\n')
    return fields, body


def field_name(field):
    return field.split(b':', 1)[0].strip().lower().decode('latin-1')


def fields_named(fields, name):
    return [f for f in fields if field_name(f) == name.lower()]


def field_value(field):
    """The unfolded value of a field as str (latin-1 keeps all bytes)."""
    value = field.split(b':', 1)[1]
    return value.replace(b'\r\n', b'').strip().decode('latin-1')


def check_wire(c, raw, what='wire'):
    """The DATA bytes are CRLF lines only, none over 998 octets, end in
    CRLF (or are empty).  raw is still dot-stuffed."""
    if raw and not raw.endswith(b'\r\n'):
        c.fail('%s: does not end with CRLF: %s' % (what, short(raw[-40:])))
    lines = raw.split(b'\r\n')
    for n, line in enumerate(lines, 1):
        if b'\r' in line or b'\n' in line:
            c.fail('%s line %d: bare CR or LF: %s' % (what, n, short(line)))
            break
    long_ = [len(l) for l in lines if len(l) > MAX_LINE]
    c.true(not long_, '%s: %d line(s) over %d octets, longest %d' % (
        what, len(long_), MAX_LINE, max(long_ or [0])))


def is_8bit(data):
    return any(b > 127 for b in data)
