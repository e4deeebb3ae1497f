#!/usr/bin/python3
"""hints.py - a misconfigured account gets an error that says what to
change (issue 8 item 4.1): STARTTLS towards a port that waits for a TLS
handshake (no greeting), implicit TLS towards a port that greets in plain
text, and auth on where the server offers AUTH only after STARTTLS.  Each
against a real server on loopback; one line on stderr, nothing sent."""

import os
import sys

sys.dont_write_bytecode = True     # the source tree may be read-only
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..', 'lib'))
import dsmtptest as T                                    # noqa: E402
from smtpserver import SmtpServer                        # noqa: E402

MSG = b'Subject: hint\n\nbody\n'
ARGV = ['-oi', '-f', 'a@example.org', 'b@example.org']


def run(srv, extra):
    with T.sandbox() as box:
        cfg = T.write_config(box, srv.port, ['queue off'] + list(extra))
        return T.run(['-C', cfg] + ARGV, MSG, box=box, timeout=60)


def hint(c, res, code, words):
    c.exit(res, code)
    c.no_stdout(res)
    c.one_stderr_line(res)
    for w in words:
        c.true(w.encode() in res.err, 'stderr lacks %r: %s' % (w, T.short(
            res.err)))


def starttls_to_implicit(c):
    """A server that says nothing (as a port 465 server waiting for the
    handshake does): the error suggests tls_starttls off."""
    with SmtpServer(mode='silent') as srv:
        res = run(srv, ['tls on', 'tls_starttls on', 'timeout 2',
                        'tls_trust_file system'])
        srv.settle()
    hint(c, res, T.EX_TEMPFAIL, ['no greeting', 'tls_starttls off'])


def implicit_to_starttls(c):
    """Implicit TLS towards a server that greets in plain text: the error
    suggests tls_starttls on."""
    with SmtpServer() as srv:
        res = run(srv, ['tls on', 'tls_starttls off', 'timeout 5',
                        'tls_trust_file system'])
        srv.settle()
        c.eq(srv.transactions, [], 'transactions')
    hint(c, res, T.EX_TEMPFAIL, ['STARTTLS port', 'tls_starttls on'])


def auth_after_starttls(c):
    """auth on, tls off, and a server that lists STARTTLS but no AUTH (it
    offers AUTH only once encrypted): the error says set tls on."""
    with SmtpServer(show=['STARTTLS']) as srv:
        res = run(srv, ['tls off', 'auth on', 'user u', 'password p'])
        srv.settle()
        c.eq(srv.transactions, [], 'transactions')
    hint(c, res, T.EX_UNAVAILABLE, ['only after STARTTLS', 'tls on'])


def passwordeval_silent(c):
    """A passwordeval command that fails and writes nothing: the error
    names the command and its exit status (it used to end in ': ')."""
    with SmtpServer() as srv:
        res = run(srv, ['auth plain', 'user u', 'passwordeval false'])
        srv.settle()
    hint(c, res, T.EX_CONFIG, ["'false' exited with status 1"])


TESTS = [
    ('STARTTLS towards an implicit-TLS port: try tls_starttls off',
     starttls_to_implicit),
    ('implicit TLS towards a STARTTLS port: try tls_starttls on',
     implicit_to_starttls),
    ('auth on where AUTH comes only after STARTTLS: set tls on',
     auth_after_starttls),
    ('passwordeval failing silently: the command and its status',
     passwordeval_silent),
]

if __name__ == '__main__':
    T.main(TESTS)
