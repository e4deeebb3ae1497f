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
import shutil
import stat
import subprocess
import sys
import time

sys.dont_write_bytecode = True     # the source tree may be read-only
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..', 'lib'))
import dsmtptest as T                                    # noqa: E402
from smtpserver import SmtpServer                        # noqa: E402

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
]

if __name__ == '__main__':
    T.main(TESTS)
