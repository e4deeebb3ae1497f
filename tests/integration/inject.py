#!/usr/bin/python3
"""inject.py - what a caller or a hostile server must not be able to
inject (issue 9 items 1 and 6).

Envelope addresses: an address from -f, -r, the account's from, the From
header (read_envelope_from), argv, -t headers or aliases that is not an
RFC 5321 Mailbox (ESMTP parameters after a '>', blanks, brackets, bad
address literals) is refused with 65 and one line on stderr before any
server is contacted.  Valid but unusual addresses (quoted local parts)
still go out unchanged.

Server text: a raw-socket server whose replies carry terminal escapes
(CSI, OSC titles, BEL, 8-bit and UTF-8 C1 controls, DEL) must not get any
of those octets onto dsmtp's stderr (errors and the -v transcript) or into
its log file; the readable part of the text is still shown."""

import os
import re
import socket
import sys
import threading

sys.dont_write_bytecode = True     # the source tree may be read-only
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..', 'lib'))
import dsmtptest as T                                    # noqa: E402
from smtpserver import SmtpServer                        # noqa: E402

MSG = b'To: to@example.org\nSubject: inject\n\nbody\n'
RCPT = 'to@example.org'
ISSUE_F = 'a@example.org> RET=HDRS ENVID=@example.org'


# -- item 1: envelope addresses ------------------------------------------

def refused(c, res, srv):
    c.exit(res, T.EX_DATAERR)
    c.no_stdout(res)
    c.one_stderr_line(res)
    c.silent_server(srv)


def submit(c, argv, msg=MSG, extra=(), files=()):
    """dsmtp with argv and msg must refuse with 65 and send nothing.
    files: (name, text) written into the sandbox first; '%BOX%' in argv,
    extra or the text is replaced by the sandbox path."""
    with T.sandbox() as box, SmtpServer() as srv:
        fix = (lambda s: s.replace('%BOX%', box))
        for name, text in files:
            T.write_file(os.path.join(box, name), fix(text))
        res = T.sendmail(box, srv.port, [fix(a) for a in argv], msg,
                         [fix(x) for x in extra])
        refused(c, res, srv)
    return res


def sender_issue(c):
    res = submit(c, ['-oi', '-f', ISSUE_F, RCPT])
    c.true(b'RET=HDRS' in res.err and b'sender' in res.err,
           'the error does not name the sender address: %s'
           % T.short(res.err))


def sender_bracketed(c):
    submit(c, ['-oi', '-f', '<a@example.org> SIZE=1 RET=FULL>', RCPT])


def sender_glued_r(c):
    submit(c, ['-oi', '-r' + ISSUE_F, RCPT])


def sender_blank(c):
    submit(c, ['-oi', '-f', 'john doe@example.org', RCPT])


def sender_literal(c):
    submit(c, ['-oi', '-f', 'a@[x> RET=HDRS ENVID=]', RCPT])


def sender_config_from(c):
    submit(c, ['-oi', RCPT], extra=['from ' + ISSUE_F])


def sender_read_envelope_from(c):
    msg = (b'From: "A" <a@example.org> RET=HDRS ENVID=@example.org>\n'
           b'To: to@example.org\nSubject: x\n\nbody\n')
    with T.sandbox() as box, SmtpServer() as srv:
        res = T.sendmail(box, srv.port, ['-oi', '--read-envelope-from',
                                         RCPT], msg)
        srv.settle()
        mails = srv.commands_named('MAIL')
    # Either refused, or the header's address was not used as it is.
    c.true(not any(b'RET=HDRS' in m or b'ENVID' in m for m in mails),
           'parameters injected from the From header: %s' % T.short(mails))
    if res.code != T.EX_OK:
        c.exit(res, T.EX_DATAERR)


def rcpt_argv(c, rcpt):
    res = submit(c, ['-oi', rcpt])
    c.true(b'recipient' in res.err, 'the error does not say recipient: %s'
           % T.short(res.err))


def rcpt_header(c, field):
    submit(c, ['-oi', '-t'], b'To: ' + field + b'\nSubject: x\n\nbody\n')


def rcpt_parsed(c, argv, msg=MSG):
    """Where the RFC 5322 list parser makes a Mailbox out of the text (it
    drops blanks and ends at '>'), it is sent as that and nothing else:
    every RCPT is "RCPT TO:<mailbox>" with no blank and no parameter."""
    with T.sandbox() as box, SmtpServer() as srv:
        res = T.sendmail(box, srv.port, ['-oi'] + argv, msg)
        srv.settle()
        rcpts = srv.commands_named('RCPT')
    if res.code != T.EX_OK:
        c.exit(res, T.EX_DATAERR)
    c.true(all(re.fullmatch(rb'RCPT TO:<[^<> ]+>\r\n', r) for r in rcpts),
           'RCPT with more than a Mailbox: %s' % T.short(rcpts))


def rcpt_alias(c):
    submit(c, ['-oi', 'bob'], extra=['aliases %BOX%/aliases'],
           files=[('aliases', 'bob: b@example.org> NOTIFY=NEVER\n')])


def quoted_local_part_goes_out(c):
    """The control: a quoted local part with a blank is a Mailbox and is
    sent unchanged, as sender and as recipient."""
    q = '"john doe"@example.org'
    with T.sandbox() as box, SmtpServer() as srv:
        res = T.sendmail(box, srv.port, ['-oi', '-f', q, q], MSG)
        srv.settle()
        mails, rcpts = srv.commands_named('MAIL'), srv.commands_named('RCPT')
    c.exit(res, T.EX_OK)
    c.true(any(m.startswith(b'MAIL FROM:<"john doe"@example.org>')
               for m in mails), 'MAIL: %s' % T.short(mails))
    c.true(any(r.startswith(b'RCPT TO:<"john doe"@example.org>')
               for r in rcpts), 'RCPT: %s' % T.short(rcpts))


# -- item 6: a hostile server's text -------------------------------------

ESC_TEXT = (b'\x1b[2J\x1b]0;pwned\x07 \x9b31m \xc2\x9b1m '
            b'\xc2\x9d2;t\x07 \x7f\x08\x0e')
GREETING = b'220 evil.example ESMTP ' + ESC_TEXT + b'\r\n'
EHLO = (b'250-evil.example ' + ESC_TEXT + b'\r\n250-8BITMIME\r\n'
        b'250 HELP ' + ESC_TEXT + b'\r\n')


class HostileServer:
    """A raw-socket server on 127.0.0.1 that answers each command line
    from a script: {verb: reply bytes}; the greeting first."""

    def __init__(self, greeting, replies):
        self.greeting, self.replies = greeting, replies
        self.sock = socket.socket()
        self.sock.bind(('127.0.0.1', 0))
        self.sock.listen(4)
        self.port = self.sock.getsockname()[1]
        self.commands = []
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        try:
            socket.create_connection(('127.0.0.1', self.port), 1).close()
        except OSError:
            pass
        self.stop = True
        self.thread.join(10)
        self.sock.close()
        return False

    stop = False

    def _serve(self):
        while not self.stop:
            conn, _ = self.sock.accept()
            if self.stop:
                conn.close()
                break
            conn.settimeout(20)
            try:
                self._session(conn)
            except OSError:
                pass
            conn.close()

    def _session(self, conn):
        conn.sendall(self.greeting)
        buf = b''
        while True:
            data = conn.recv(4096)
            if not data:
                return
            buf += data
            while b'\n' in buf:
                line, buf = buf.split(b'\n', 1)
                line = line.rstrip(b'\r')
                self.commands.append(line)
                verb = line.split(b' ', 1)[0].split(b':', 1)[0].upper()
                conn.sendall(self.replies.get(verb.decode('latin-1'),
                                              b'250 ok\r\n'))
                if verb == b'QUIT':
                    return


def no_controls(c, what, data):
    """data (stderr or the log) holds no C0 control but LF, no DEL and no
    C1 control, neither in UTF-8 nor as a lone octet 0x80-0x9f."""
    text = data.decode('utf-8', 'surrogateescape')
    bad = [ch for ch in text if (ord(ch) < 0x20 and ch != '\n') or
           0x7f <= ord(ch) <= 0x9f or 0xdc80 <= ord(ch) <= 0xdc9f]
    c.true(not bad, '%s holds control characters %s: %s'
           % (what, T.short(bad), T.short(data)))


def hostile(c, greeting, replies, code, want_text, argv=('-v',)):
    with T.sandbox() as box, HostileServer(greeting, replies) as srv:
        res = T.sendmail(box, srv.port, list(argv) + ['-oi', RCPT], MSG,
                         ['queue off'])
        log = T.read_log(box)
    c.exit(res, *code)
    c.no_stdout(res)
    no_controls(c, 'stderr', res.err)
    no_controls(c, 'log file', log)
    c.true(want_text in res.err, 'the server text %r is not shown: %s'
           % (want_text, T.short(res.err)))
    return res, log


def hostile_mail_5xx(c):
    res, log = hostile(c, GREETING, {
        'EHLO': EHLO,
        'MAIL': b'550 5.7.1 ' + ESC_TEXT + b' go away\r\n'},
        (T.EX_UNAVAILABLE,), b'go away')
    c.true(b'<-- 220 evil.example' in res.err, 'no -v transcript: %s'
           % T.short(res.err))


def hostile_rcpt_4xx(c):
    _, log = hostile(c, GREETING, {
        'EHLO': EHLO,
        'RCPT': b'451 4.3.0 ' + ESC_TEXT + b' later\r\n'},
        (T.EX_TEMPFAIL,), b'later', argv=())
    c.true(b'later' in log, 'the reply is not in the log: %s' % T.short(log))


def hostile_rcpt_4xx_queued(c):
    """queue on: the hostile reply is kept as the last error; neither the
    spool, mailq nor its JSON carries the escapes."""
    with T.sandbox() as box, HostileServer(GREETING, {
            'EHLO': EHLO,
            'RCPT': b'451 4.3.0 ' + ESC_TEXT + b' later\r\n'}) as srv:
        cfg = T.write_config(box, srv.port)
        res = T.run(['-C', cfg, '-oi', RCPT], MSG, box=box)
        text = T.run(['-C', cfg, '-bp'], box=box).out
        js = T.run(['-C', cfg, '--queue-list', '--json'], box=box).out
    c.exit(res, 0)
    c.eq(res.err, b'', 'stderr')
    c.true(b'later' in text, 'mailq shows the reply: %s' % T.short(text))
    no_controls(c, 'mailq', text)
    no_controls(c, 'mailq --json', js)


def hostile_greeting_554(c):
    hostile(c, b'554 5.3.2 ' + ESC_TEXT + b' closed\r\n', {},
            (T.EX_UNAVAILABLE, T.EX_TEMPFAIL, T.EX_PROTOCOL), b'closed',
            argv=())


def hostile_not_smtp(c):
    hostile(c, GREETING, {'EHLO': b'\x1b[2J\x1b]0;x\x07 nonsense\r\n'},
            (T.EX_PROTOCOL,), b'nonsense', argv=())


def hostile_data_5xx(c):
    _, log = hostile(c, GREETING, {
        'EHLO': EHLO,
        'DATA': b'554 5.6.0 ' + ESC_TEXT + b' no thanks\r\n'},
        (T.EX_UNAVAILABLE,), b'no thanks')
    c.true(b'no thanks' in log, 'the reply is not in the log: %s'
           % T.short(log))


TESTS = [
    ('-f with ESMTP parameters after ">" (issue 9): exit 65, nothing sent',
     sender_issue),
    ('-f <addr> with parameters inside the brackets: exit 65',
     sender_bracketed),
    ('-r glued, with parameters: exit 65', sender_glued_r),
    ('-f with a blank outside quotes: exit 65', sender_blank),
    ('-f with a forged address literal: exit 65', sender_literal),
    ('account from with parameters: exit 65', sender_config_from),
    ('From header with parameters and --read-envelope-from: not injected',
     sender_read_envelope_from),
    ('argv recipient with parameters: exit 65',
     lambda c: rcpt_argv(c, 'b@example.org> NOTIFY=NEVER ORCPT=rfc822;b@x')),
    ('argv recipient with a blank: no blank on the wire',
     lambda c: rcpt_parsed(c, ['b c@example.org'])),
    ('argv recipient with a forged literal: exit 65',
     lambda c: rcpt_argv(c, 'b@[x> NOTIFY=NEVER]')),
    ('-t recipient with parameters in quotes: exit 65',
     lambda c: rcpt_header(c, b'"b> NOTIFY=NEVER"@example.org')),
    ('-t recipient with parameters after ">": not on the wire',
     lambda c: rcpt_parsed(c, ['-t'], b'To: <b@example.org> NOTIFY=NEVER>\n'
                           b'Subject: x\n\nbody\n')),
    ('alias target with parameters: exit 65', rcpt_alias),
    ('quoted local part with a blank is sent unchanged (control)',
     quoted_local_part_goes_out),
    ('hostile 550 to MAIL: no escapes on stderr (-v) or in the log',
     hostile_mail_5xx),
    ('hostile 451 to RCPT: no escapes on stderr or in the log',
     hostile_rcpt_4xx),
    ('hostile 451 to RCPT, queued: no escapes in mailq or its JSON',
     hostile_rcpt_4xx_queued),
    ('hostile 554 greeting: no escapes on stderr or in the log',
     hostile_greeting_554),
    ('hostile non-SMTP reply: no escapes on stderr',
     hostile_not_smtp),
    ('hostile 554 to DATA: no escapes on stderr (-v) or in the log',
     hostile_data_5xx),
]

if __name__ == '__main__':
    T.main(TESTS)
