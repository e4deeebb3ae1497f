#!/usr/bin/python3
"""badinput.py - input dsmtp must refuse before it talks to any server:
NUL in the message, control characters in envelope addresses, no
recipients, unknown options, unusable config files.  Each refusal has the
sysexits code of spec section 5, nothing on stdout, exactly one line on
stderr, and the server sees no connection at all."""

import os
import sys

sys.dont_write_bytecode = True     # the source tree may be read-only
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..', 'lib'))
import dsmtptest as T                                    # noqa: E402
from smtpserver import SmtpServer                        # noqa: E402

MSG = b'To: to@example.org\nSubject: bad input\n\nbody\n'
RCPT = 'to@example.org'
SECRET_ACCOUNT = ['user someone', 'password s3cret-value']   # no AUTH


def refused(c, res, srv, *codes):
    c.exit(res, *codes)
    c.no_stdout(res)
    c.one_stderr_line(res)
    c.silent_server(srv)


def submit(c, argv, msg=MSG, codes=(T.EX_DATAERR,), extra=()):
    """dsmtp with a good config, argv and msg: must be refused."""
    with T.sandbox() as box, SmtpServer() as srv:
        res = T.sendmail(box, srv.port, argv, msg, extra)
        refused(c, res, srv, *codes)
    c.true(b's3cret' not in res.err, 'password shown on stderr')


def with_config(c, make_config, code=T.EX_CONFIG):
    """dsmtp -C <what make_config(box, port) returns>."""
    with T.sandbox() as box, SmtpServer() as srv:
        path = make_config(box, srv.port)
        res = T.run(['-C', path, '-oi', RCPT], MSG, box=box)
        refused(c, res, srv, code)
    c.true(b's3cret' not in res.err, 'password shown on stderr')


# -- message and envelope -------------------------------------------------

def nul_in_message(c):
    submit(c, ['-oi', RCPT], b'To: to@example.org\nSubject: x\n\nbo\0dy\n')


def nul_in_header(c):
    submit(c, ['-oi', '-t'], b'To: to@example.org\nSubject: x\0y\n\nbody\n')


ENVELOPE = (T.EX_DATAERR, T.EX_USAGE)
INJECT = '\r\nRCPT TO:<evil@example.org>'


def bad_sender(c, ctl):
    submit(c, ['-oi', '-f', 'sender@example.com' + ctl, RCPT],
           codes=ENVELOPE)


def bad_rcpt(c, ctl):
    submit(c, ['-oi', 'to@example.org' + ctl], codes=ENVELOPE)


def bad_glued_sender(c):
    submit(c, ['-oi', '-fsender@example.com\nx', RCPT], codes=ENVELOPE)


# -- usage ----------------------------------------------------------------

def no_recipients(c):
    submit(c, ['-oi'], codes=(T.EX_USAGE,))


def no_recipients_t(c):
    submit(c, ['-oi', '-t'], b'Subject: nobody\n\nbody\n',
           codes=(T.EX_USAGE,))


def unknown_option(c, opt):
    submit(c, [opt, '-oi', RCPT], codes=(T.EX_USAGE,))


# -- configuration --------------------------------------------------------

def missing_config(c):
    with_config(c, lambda box, port: os.path.join(box, 'no-such-file'))


def directory_config(c):
    with_config(c, lambda box, port: os.path.join(box, 'home'))


def unreadable_config(c):
    if os.geteuid() != 0:
        with_config(c, lambda box, port: T.write_config(box, port,
                                                        mode=0o000))
        return
    # Root reads any file: run dsmtp as nobody, from a directory nobody
    # may enter, on a file nobody may read.
    with T.sandbox() as box, SmtpServer() as srv:
        os.chmod(box, 0o755)
        path = T.write_config(box, srv.port, mode=0o000)
        os.chmod(os.path.dirname(path), 0o755)
        res = T.run(['-C', path, '-oi', RCPT], MSG, uid=65534,
                    env={'HOME': '/nonexistent', 'PATH': '/usr/bin:/bin'})
        refused(c, res, srv, T.EX_CONFIG)


def exposed_password(c, mode):
    with_config(c, lambda box, port: T.write_config(
        box, port, SECRET_ACCOUNT, mode=mode))


def private_password_works(c):
    """The control for exposed_password: with mode 0600 the same config
    is accepted and dsmtp gets as far as the server."""
    with T.sandbox() as box, SmtpServer() as srv:
        path = T.write_config(box, srv.port, SECRET_ACCOUNT + ['queue off'])
        res = T.run(['-C', path, '-oi', RCPT], MSG, box=box)
    c.true(res.code != T.EX_CONFIG, 'mode 0600 refused: %s' % T.short(res.err))
    c.true(srv.connections >= 1, 'never contacted the server')


TESTS = [
    ('NUL in the body: exit 65', nul_in_message),
    ('NUL in a header (-t): exit 65', nul_in_header),
    ('CR LF inside -f: exit 65/64', lambda c: bad_sender(c, INJECT)),
    ('LF inside -f: exit 65/64', lambda c: bad_sender(c, '\nx')),
    ('CR inside -f: exit 65/64', lambda c: bad_sender(c, '\rx')),
    ('LF inside glued -f: exit 65/64', bad_glued_sender),
    ('CR LF inside a recipient: exit 65/64', lambda c: bad_rcpt(c, INJECT)),
    ('LF inside a recipient: exit 65/64', lambda c: bad_rcpt(c, '\nx')),
    ('CR inside a recipient: exit 65/64', lambda c: bad_rcpt(c, '\rx')),
    ('control character (BEL) in a recipient: exit 65/64',
     lambda c: bad_rcpt(c, '\x07')),
    ('no recipients: exit 64', no_recipients),
    ('-t and no recipient headers: exit 64', no_recipients_t),
    ('unknown option -Z: exit 64', lambda c: unknown_option(c, '-Z')),
    ('unknown option --no-such-option: exit 64',
     lambda c: unknown_option(c, '--no-such-option')),
    ('missing -C file: exit 78', missing_config),
    ('-C names a directory: exit 78', directory_config),
    ('unreadable -C file: exit 78', unreadable_config),
    ('password in a group-readable config (0640): exit 78',
     lambda c: exposed_password(c, 0o640)),
    ('password in an other-readable config (0604): exit 78',
     lambda c: exposed_password(c, 0o604)),
    ('password in a world-readable config (0644): exit 78',
     lambda c: exposed_password(c, 0o644)),
    ('password in a 0600 config is accepted (control)',
     private_password_works),
]

if __name__ == '__main__':
    T.main(TESTS)
