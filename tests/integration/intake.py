#!/usr/bin/python3
"""intake.py - message intake and the -bs server against hostile input
(issue 9): a stray CR in the header section creates no field and no
recipient; one endless line costs bounded memory and time, on stdin and in
-bs; -bs refuses NUL in DATA, caps command lines, answers partial delivery
truthfully; multipart messages with long lines or 8-bit data are
re-encoded per part.  What arrives at a recording server is checked byte
for byte where it matters; peak memory is dsmtp's ru_maxrss from
os.wait4()."""

import base64
import email
import email.policy
import os
import subprocess
import sys
import tempfile
import threading

sys.dont_write_bytecode = True     # the source tree may be read-only
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..', 'lib'))
import dsmtptest as T                                    # noqa: E402
from smtpserver import SmtpServer                        # noqa: E402

MiB = 1024 * 1024
PEAK_MAX_KB = 16 * 1024
BIG = 1 << 31                      # a SIZE the server offers
EXTRA = ['queue off', 'timeout 30']

# Linux carries a parent's peak RSS into a forked child's ru_maxrss across
# execve, so dsmtp is forked by a tiny interpreter (about 5 MiB) that
# reads its ru_maxrss from os.wait4() and writes it to a file.
SPAWN = r'''
import os, sys
out, exe, argv = sys.argv[1], sys.argv[2], sys.argv[3:]
pid = os.fork()
if pid == 0:
    try:
        os.execv(exe, argv)
    finally:
        os._exit(127)
_, st, ru = os.wait4(pid, 0)
with open(out, 'w') as f:
    f.write('%d %d %f\n' % (os.waitstatus_to_exitcode(st), ru.ru_maxrss,
                            ru.ru_utime + ru.ru_stime))
'''


class Measured:
    """dsmtp (argv) under the spawner, its stdin/stdout as pipes."""

    def __init__(self, box, argv, timeout=90):
        fd, self.stats = tempfile.mkstemp(dir=box, prefix='rusage.')
        os.close(fd)
        self.errf = tempfile.TemporaryFile(dir=box)
        self.proc = subprocess.Popen(
            ['/usr/bin/python3', '-S', '-I', '-c', SPAWN, self.stats,
             T.DSMTP, 'sendmail'] + list(argv),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=self.errf, start_new_session=True,
            env=T.sandbox_env(box))
        # Nothing may hang the suite: the whole group goes at the deadline.
        self.timer = threading.Timer(timeout, self.kill)
        self.timer.daemon = True
        self.timer.start()

    def kill(self):
        try:
            os.killpg(self.proc.pid, 9)
        except ProcessLookupError:
            pass

    def finish(self):
        """(exit code, peak KiB, CPU seconds, stdout rest, stderr)."""
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        out = self.proc.stdout.read()
        self.proc.wait()
        self.timer.cancel()
        self.errf.seek(0)
        err = self.errf.read()
        self.errf.close()
        with open(self.stats) as f:
            fields = f.read().split()
        if len(fields) != 3:
            return (-1, 0, 0.0, out, err)
        return (int(fields[0]), int(fields[1]), float(fields[2]), out, err)


def feed(pipe, chunks):
    try:
        for ch in chunks:
            pipe.write(ch)
        pipe.close()
    except (BrokenPipeError, ConnectionResetError):
        pass


def submit_measured(box, port, argv, chunks, extra=()):
    cfg = T.write_config(box, port, EXTRA + list(extra))
    m = Measured(box, ['-C', cfg] + list(argv))
    t = threading.Thread(target=feed, args=(m.proc.stdin, chunks))
    t.start()
    t.join()
    return m.finish()


def one_line(head, size, tail=b'\n'):
    """head, then size octets of one line (no blank), then tail."""
    yield head
    piece = b'x' * MiB
    left = size
    while left > 0:
        yield piece[:min(left, MiB)]
        left -= min(left, MiB)
    yield tail


def qp_decode(data):
    import quopri
    return quopri.decodestring(data)


# -- item 2: a stray CR in the header section -------------------------------

def stray_cr_no_recipient(c):
    msg = (b'From: a@example.com\nTo: r@example.com\n'
           b'Subject: hi\rBcc: victim@x.example\n\nhi\n')
    with T.sandbox() as box, SmtpServer() as srv:
        res = T.sendmail(box, srv.port, ['-t', '-oi'], msg, EXTRA)
    c.exit(res, 0)
    c.no_stdout(res)
    c.need(len(srv.accepted) == 1, 'one message at the relay: %d'
           % len(srv.accepted))
    t = srv.accepted[0]
    c.eq(t.rcpt_addrs, ['r@example.com'], 'RCPT TO at the relay')
    fields, body = T.split_message(t.content)
    c.eq(T.fields_named(fields, 'Subject'),
         [b'Subject: hi Bcc: victim@x.example\r\n'], 'Subject field')
    c.eq(T.fields_named(fields, 'Bcc'), [], 'Bcc field')
    c.eq(body, b'hi\r\n', 'body')


def cr_then_lf_refused(c):
    msg = b'Subject: x\rBcc: victim@x.example\nTo: r@example.com\n\nhi\n'
    with T.sandbox() as box, SmtpServer() as srv:
        res = T.sendmail(box, srv.port, ['-t', '-oi'], msg, EXTRA)
        c.exit(res, T.EX_DATAERR)
        c.no_stdout(res)
        c.one_stderr_line(res)
        c.silent_server(srv)


# -- item 14: one endless line ----------------------------------------------

def peak_ok(c, peak, what):
    c.true(0 < peak < PEAK_MAX_KB, '%s: peak RSS %d KiB, want under %d'
           % (what, peak, PEAK_MAX_KB))


def long_body_line(c):
    size = 200 * MiB
    with T.sandbox() as box, SmtpServer(size=BIG) as srv:
        code, peak, cpu, out, err = submit_measured(
            box, srv.port, ['-oi', 'r@example.org'],
            one_line(b'Subject: long\n\n', size))
    c.eq(code, 0, 'exit status (stderr %s)' % T.short(err))
    c.eq(out, b'', 'standard output')
    peak_ok(c, peak, '200 MB body line')
    c.eq(len(srv.accepted), 1, 'messages at the relay')
    if srv.accepted:
        sz = int(srv.accepted[0].mail_params.get('SIZE', 0))
        c.true(sz >= size, 'SIZE=%d for a %d-octet body' % (sz, size))


def long_body_line_exact(c):
    line = bytes(range(33, 127)) * 40000          # 3.7 MB, no blank
    msg = b'Subject: long\n\nshort\n' + line + b'\nend\n'
    with T.sandbox() as box, SmtpServer() as srv:
        res = T.sendmail(box, srv.port, ['-oi', 'r@example.org'], msg, EXTRA)
    c.exit(res, 0)
    c.need(len(srv.accepted) == 1, 'one message at the relay')
    t = srv.accepted[0]
    T.check_wire(c, t.raw)
    fields, body = T.split_message(t.content)
    c.eq(T.fields_named(fields, 'Content-Transfer-Encoding'),
         [b'Content-Transfer-Encoding: quoted-printable\r\n'], 'CTE')
    c.eq(qp_decode(body), b'short\r\n' + line + b'\r\nend\r\n',
         'body after quoted-printable decoding')


def long_header_line(c):
    with T.sandbox() as box, SmtpServer(size=BIG) as srv:
        code, peak, cpu, out, err = submit_measured(
            box, srv.port, ['-oi', 'r@example.org'],
            one_line(b'Subject: ', 200 * MiB, b'\n\nbody\n'))
        srv.settle()
        c.eq(code, T.EX_DATAERR, 'exit status (stderr %s)' % T.short(err))
        c.true(b'64 KiB' in err and err.count(b'\n') == 1,
               'one line on stderr naming the cap: %s' % T.short(err))
        c.true(srv.connections == 0, 'server contacted')
    peak_ok(c, peak, '200 MB header line')


def folded_header_over_cap(c):
    head = b'Subject: x\n' + b' word word word word word word\n' * 3000
    with T.sandbox() as box, SmtpServer() as srv:
        res = T.sendmail(box, srv.port, ['-oi', 'r@example.org'],
                         head + b'\nbody\n', EXTRA)
        c.exit(res, T.EX_DATAERR)
        c.one_stderr_line(res)
        c.silent_server(srv)


# -- -bs ----------------------------------------------------------------------

class Bs:
    """dsmtp -bs under the spawner, spoken to over its pipes."""

    def __init__(self, box, port, extra=()):
        cfg = T.write_config(box, port, EXTRA + list(extra))
        self.m = Measured(box, ['-C', cfg, '-bs'])
        self.out = self.m.proc.stdout

    def send(self, data):
        self.m.proc.stdin.write(data)
        self.m.proc.stdin.flush()

    def reply(self):
        """(code, text of the last line)."""
        while True:
            line = self.out.readline()
            if not line:
                return (0, b'')
            if line[3:4] != b'-':
                return (int(line[:3]), line[4:].rstrip(b'\r\n'))

    def cmd(self, line):
        self.send(line + b'\r\n')
        return self.reply()

    def finish(self):
        return self.m.finish()


def bs_ok(c, got, want, what):
    c.true(got[0] == want, '%s: got %r, want %d' % (what, got, want))


def bs_start(c, s, frm=b'a@example.com', rcpts=(b'r@example.org',),
             first=True):
    if first:
        bs_ok(c, s.reply(), 220, 'greeting')
        bs_ok(c, s.cmd(b'EHLO client.example'), 250, 'EHLO')
    bs_ok(c, s.cmd(b'MAIL FROM:<' + frm + b'>'), 250, 'MAIL')
    for r in rcpts:
        bs_ok(c, s.cmd(b'RCPT TO:<' + r + b'>'), 250, 'RCPT')
    bs_ok(c, s.cmd(b'DATA'), 354, 'DATA')


def bs_nul(c):
    with T.sandbox() as box, SmtpServer() as srv:
        s = Bs(box, srv.port)
        bs_start(c, s)
        got = s.cmd(b'Subject: nul\r\n\r\nbefore\0after\r\n.')
        c.eq(got[0], 554, 'reply to a message with NUL: %r' % (got,))
        srv.settle()
        c.eq(srv.connections, 0, 'connections to the relay')
        bs_start(c, s, first=False)
        bs_ok(c, s.cmd(b'Subject: ok\r\n\r\nclean\r\n.'), 250,
              'the next message')
        bs_ok(c, s.cmd(b'QUIT'), 221, 'QUIT')
        code = s.finish()[0]
    c.eq(code, 0, 'exit status')
    c.eq([T.split_message(t.content)[1] for t in srv.accepted],
         [b'clean\r\n'], 'bodies at the relay')


def bs_long_command(c):
    with T.sandbox() as box, SmtpServer() as srv:
        s = Bs(box, srv.port)
        bs_ok(c, s.reply(), 220, 'greeting')
        got = s.cmd(b'NOOP ' + b'x' * 505)            # 512 with CRLF
        bs_ok(c, got, 250, 'a 512-octet command line')
        got = s.cmd(b'NOOP ' + b'x' * 506)
        c.true(got[0] == 500 and b'too long' in got[1].lower(),
               'a 513-octet command line: %r' % (got,))
        w = threading.Thread(target=feed, args=(
            s.m.proc.stdin, [b'MAIL FROM:<a@example.com> ' + b'x' * MiB
                             for _ in range(100)] + [b'\r\nQUIT\r\n']))
        w.start()
        got = s.reply()
        c.true(got[0] == 500, 'a 100 MB command line: %r' % (got,))
        bs_ok(c, s.reply(), 221, 'QUIT after it')
        w.join()
        code, peak, cpu, _, err = s.finish()
    c.eq(code, 0, 'exit status (stderr %s)' % T.short(err))
    peak_ok(c, peak, '100 MB command line')
    c.true(cpu < 5, 'CPU for a 100 MB command line: %.1f s' % cpu)


def bs_long_data_line(c):
    size = 100 * MiB
    with T.sandbox() as box, SmtpServer(size=BIG) as srv:
        s = Bs(box, srv.port)
        bs_start(c, s)
        feed_to = s.m.proc.stdin
        for ch in one_line(b'Subject: long\r\n\r\nfirst\r\n', size,
                           b'\r\n.\r\n'):
            feed_to.write(ch)
        feed_to.flush()
        got = s.reply()
        c.eq(got[0], 250, 'reply to a 100 MB line: %r' % (got,))
        bs_ok(c, s.cmd(b'QUIT'), 221, 'QUIT')
        code, peak, cpu, _, err = s.finish()
    c.eq(code, 0, 'exit status (stderr %s)' % T.short(err))
    peak_ok(c, peak, '100 MB DATA line')
    c.true(cpu < 20, 'CPU for a 100 MB DATA line: %.1f s' % cpu)
    c.eq(len(srv.accepted), 1, 'messages at the relay')


def bs_partial(c):
    reps = {'bad@example.org': '550 5.1.1 no such user'}
    with T.sandbox() as box, SmtpServer(rcpt_replies=reps) as srv:
        s = Bs(box, srv.port)
        bs_start(c, s, rcpts=(b'good@example.org', b'bad@example.org'))
        got = s.cmd(b'Subject: partial\r\n\r\nonce\r\n.')
        c.eq(got[0], 250, 'reply to a partly delivered message: %r'
             % (got,))
        c.true(b'bad@example.org' in got[1] and b'1 of 2' in got[1],
               'the reply names the refused recipient: %r' % (got,))
        bs_start(c, s, rcpts=(b'bad@example.org',), first=False)
        got = s.cmd(b'Subject: none\r\n\r\nnever\r\n.')
        c.true(got[0] // 100 == 5, 'nobody took it: %r' % (got,))
        bs_ok(c, s.cmd(b'QUIT'), 221, 'QUIT')
        code, _, _, _, err = s.finish()
    c.eq(code, 0, 'exit status')
    c.true(b'bad@example.org' in err, 'stderr names the refused recipient: '
           '%s' % T.short(err))
    c.eq([(t.rcpt_addrs, T.split_message(t.content)[1])
          for t in srv.accepted],
         [(['good@example.org'], b'once\r\n')], 'what the relay took')

# -- item 19: multipart bodies re-encoded part by part -----------------------

LONG = b' '.join(b'w%d' % i for i in range(400)) + b' \xc3\xa9' * 300
UTF8 = 'Gr\u00fc\u00dfe aus K\u00f6ln \u20ac\n'.encode()
PNG = base64.encodebytes(bytes(range(256)) * 4)


def nested_mime():
    """A multipart/mixed with an 8-bit text part, a nested alternative
    whose plain part has a 2,700-octet line, a forwarded message with an
    8-bit body, a base64 attachment; preamble and epilogue."""
    return (b'From: a@example.com\nTo: r@example.org\nSubject: mime\n'
            b'MIME-Version: 1.0\n'
            b'Content-Type: multipart/mixed; boundary="=_outer"\n'
            b'Content-Transfer-Encoding: 8bit\n\n'
            b'This is a MIME message.\n'
            b'--=_outer\nContent-Type: text/plain; charset=utf-8\n'
            b'Content-Transfer-Encoding: 8bit\n\n' + UTF8 +
            b'--=_outer\nContent-Type: multipart/alternative; '
            b'boundary=inner\n\n--inner\n'
            b'Content-Type: text/plain; charset=utf-8\n\n' + LONG +
            b'\nsecond line\n--inner\nContent-Type: text/html\n\n'
            b'<p>short</p>\n--inner--\n'
            b'--=_outer\nContent-Type: message/rfc822\n\n'
            b'From: b@example.com\nSubject: fwd\n'
            b'Content-Type: text/plain; charset=utf-8\n\n' + UTF8 +
            b'--=_outer\nContent-Type: image/png\n'
            b'Content-Transfer-Encoding: base64\n\n' + PNG +
            b'--=_outer--\nepilogue\n')


def leaves(msg):
    """(content type, decoded payload) of every single part, in order,
    through message/rfc822 parts."""
    out = []
    for part in msg.walk():
        if part.is_multipart():
            continue
        out.append((part.get_content_type(),
                    part.get_payload(decode=True)))
    return out


def parse(data):
    return email.message_from_bytes(data, policy=email.policy.compat32)


def mime_arrives(c, hide):
    msg = nested_mime()
    with T.sandbox() as box, SmtpServer(hide=hide) as srv:
        res = T.sendmail(box, srv.port, ['-oi', 'r@example.org'], msg, EXTRA)
    c.exit(res, 0)
    c.need(len(srv.accepted) == 1, 'one message at the relay')
    t = srv.accepted[0]
    T.check_wire(c, t.raw)
    c.true(not T.is_8bit(t.raw), 'an 8-bit byte went on the wire')
    c.eq(t.mail_params.get('BODY'), None, 'BODY= for a 7-bit body')
    want = leaves(parse(T.crlf(msg)))
    got = leaves(parse(t.content))
    c.eq(len(got), 5, 'single parts at the relay')
    c.eq(got, want, 'every part decodes to what was sent')
    body = T.split_message(t.content)[1]
    for line in (b'This is a MIME message.', b'--=_outer', b'--inner',
                 b'--inner--', b'--=_outer--', b'epilogue'):
        c.true(b'\r\n' + line + b'\r\n' in b'\r\n' + body,
               'line %r kept' % line)
    c.true(PNG.replace(b'\n', b'\r\n') in body, 'base64 part untouched')
    c.true(b'<p>short</p>\r\n--inner--' in body, 'html part untouched')
    fields, _ = T.split_message(t.content)
    c.eq(T.fields_named(fields, 'Content-Transfer-Encoding'), [],
         'top-level Content-Transfer-Encoding (7bit now)')


def mime_dkim(c):
    """The re-encoded parts are what is signed: dkimpy verifies."""
    here = os.path.dirname(os.path.abspath(__file__))
    saved = sys.path[:]     # dkim.py beside this file is not dkimpy
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or '.') != here]
    sys.modules.pop('dkim', None)
    try:
        import dkim
        dkim.verify
    except (ImportError, AttributeError):
        c.skip('python3-dkim (dkimpy) is not installed')
    finally:
        sys.path[:] = saved
    with T.sandbox() as box, SmtpServer(hide=('8BITMIME',)) as srv:
        key = os.path.join(box, 'ed.pem')
        gen = subprocess.run(['openssl', 'genpkey', '-algorithm', 'ed25519',
                              '-out', key], capture_output=True)
        der = subprocess.run(['openssl', 'pkey', '-in', key, '-pubout',
                              '-outform', 'DER'], capture_output=True)
        c.need(gen.returncode == 0 and der.returncode == 0,
               'openssl could not make an Ed25519 key')
        os.chmod(key, 0o600)
        record = b'v=DKIM1; k=ed25519; p=' + base64.b64encode(
            der.stdout[-32:])
        res = T.sendmail(box, srv.port, ['-oi', 'r@example.org'],
                         nested_mime(), EXTRA + ['dkim_key ed ' + key])
    c.exit(res, 0)
    c.need(len(srv.accepted) == 1, 'one message at the relay')
    content = srv.accepted[0].content
    c.true(b'quoted-printable' in content, 'parts re-encoded')
    c.true(dkim.verify(content, dnsfunc=lambda name, timeout=5: (
        record if name.startswith(b'ed._domainkey.example.com') else None)),
        'dkimpy does not verify the signature')


def mime_signed_refused(c):
    msg = (b'To: r@example.org\nSubject: signed\nMIME-Version: 1.0\n'
           b'Content-Type: multipart/signed; boundary=s; '
           b'protocol="application/pgp-signature"\n\n'
           b'--s\nContent-Type: text/plain\n\n' + b'x' * 2000 + b'\n'
           b'--s\nContent-Type: application/pgp-signature\n\nsig\n--s--\n')
    with T.sandbox() as box, SmtpServer() as srv:
        res = T.sendmail(box, srv.port, ['-oi', 'r@example.org'], msg, EXTRA)
        c.exit(res, T.EX_UNAVAILABLE)
        c.one_stderr_line(res)
        c.true(b'8BITMIME' not in res.err and b'signed' in res.err,
               'the reason, not 8BITMIME: %s' % T.short(res.err))
        c.eq(srv.transactions, [], 'transactions at the relay')


TESTS = [
    ('-t: a stray CR in the header adds no field and no recipient',
     stray_cr_no_recipient),
    ('lone-CR line ends mixed with LF in the header are refused',
     cr_then_lf_refused),
    ('a 200 MB body line in bounded memory', long_body_line),
    ('a 3.7 MB body line arrives exactly (quoted-printable)',
     long_body_line_exact),
    ('a 200 MB header line is refused in bounded memory', long_header_line),
    ('a folded header field over 64 KiB is refused', folded_header_over_cap),
    ('-bs: NUL in DATA is refused with 554', bs_nul),
    ('-bs: command lines capped at 512 octets, bounded cost',
     bs_long_command),
    ('-bs: a 100 MB DATA line in bounded memory and time',
     bs_long_data_line),
    ('-bs: partial delivery is answered 250 naming the refused',
     bs_partial),
    ('multipart with a long line to an 8BITMIME relay: parts re-encoded',
     lambda c: mime_arrives(c, ())),
    ('multipart with 8-bit parts to a 7-bit relay: parts re-encoded',
     lambda c: mime_arrives(c, ('8BITMIME',))),
    ('re-encoded multipart: the DKIM signature verifies', mime_dkim),
    ('multipart/signed that needs re-encoding is refused, says why',
     mime_signed_refused),
]

if __name__ == '__main__':
    T.main(TESTS)
