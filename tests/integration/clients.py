#!/usr/bin/python3
"""clients.py - replay every captured real caller (data/clients) through
dsmtp into a recording SMTP server and check envelope, headers and the
exact bytes on the wire against the spec (sections 1, 3 and 4)."""

import binascii
import glob
import os
import re
import sys

sys.dont_write_bytecode = True     # the source tree may be read-only
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..', 'lib'))
import dsmtptest as T                                    # noqa: E402
from smtpserver import SmtpServer                        # noqa: E402

QUALIFY = 'example.net'
ALIASES = {'root': ['admin@example.org'], 'logcheck': ['root']}
ALIASES_FILE = 'root: admin@example.org\nlogcheck: root\n'
OPT_WITH_ARG = set('fFrNRVBCOhLXep')


# -- the oracle: what the spec says dsmtp must do with a capture --------------

def load_capture(name):
    base = os.path.join(T.CLIENTS_DIR, name)
    with open(base + '.argv', encoding='utf-8') as f:
        argv = [l.rstrip('\n')[1:-1] for l in f if l.strip()]
    with open(base + '.stdin', 'rb') as f:
        stdin = f.read()
    return os.path.basename(argv[0]), argv[1:], stdin


def parse_argv(args):
    """({option: value}, [recipient arguments]) for a sendmail argv."""
    opts, i = {}, 0
    while i < len(args):
        a = args[i]
        if a == '--':
            return opts, args[i + 1:]
        if not a.startswith('-') or a == '-':
            return opts, args[i:]
        if a[1] in OPT_WITH_ARG:
            glued = a[2:]
            opts[a[1]] = glued if glued else args[i + 1]
            i += 1 if glued else 2
        else:
            opts[a] = True
            i += 1
    return opts, []


def resolve(addr, seen=()):
    """Aliases applied recursively, then bare names qualified."""
    if '@' in addr:
        return [addr]
    if addr in ALIASES and addr not in seen:
        return [r for t in ALIASES[addr] for r in resolve(t, seen + (addr,))]
    return [addr + '@' + QUALIFY]


def split_list(text):
    """Split an address list at commas outside quotes, <> and comments."""
    parts, cur, quote, depth = [], '', False, 0
    for ch in text:
        if ch == '"' and not depth:
            quote = not quote
        elif not quote and ch in '(<':
            depth += 1
        elif not quote and ch in ')>':
            depth -= 1
        elif ch == ',' and not quote and not depth:
            parts.append(cur)
            cur = ''
            continue
        cur += ch
    return parts + [cur]


def addr_of(mailbox):
    """The addr-spec of one mailbox: '"N" <a@b>', 'a@b (c)', 'root'."""
    if '<' in mailbox:
        return mailbox[mailbox.rindex('<') + 1:].split('>')[0].strip()
    return re.sub(r'\([^)]*\)', '', mailbox).strip().strip('"')


def addresses(values):
    """Every address in a list of address-list strings (our own parser:
    Python 3.11's email.utils.getaddresses loses 'root,')."""
    return [a for v in values for a in map(addr_of, split_list(v)) if a]


def expected_rcpts(argv, fields):
    opts, args = parse_argv(argv)
    rcpts = addresses(args)
    if '-t' in opts:
        names = ('to', 'cc', 'bcc')
        if any(T.field_name(f).startswith('resent-') for f in fields):
            names = ('resent-to', 'resent-cc', 'resent-bcc')
        rcpts += addresses([T.field_value(f) for f in fields
                            if T.field_name(f) in names])
    return sorted(r for a in rcpts for r in resolve(a))


def expected_sender(argv):
    opts, _ = parse_argv(argv)
    sender = opts.get('f', opts.get('r'))
    return resolve(sender)[0] if sender else T.LOGIN + '@' + QUALIFY


def from_address(fields):
    found = T.fields_named(fields, 'from')
    got = addresses([T.field_value(f) for f in found])
    return got[0] if len(got) == 1 else None


# -- running ------------------------------------------------------------------

def client_config(box):
    aliases = T.write_file(os.path.join(box, 'aliases'), ALIASES_FILE, 0o644)
    return ['qualify_domain ' + QUALIFY, 'aliases ' + aliases]


def replay(name, hide=(), stdin=None):
    """Run capture name through dsmtp; (result, server, box log)."""
    argv0, argv, data = load_capture(name)
    with T.sandbox() as box, SmtpServer(hide=hide) as srv:
        res = T.sendmail(box, srv.port, argv, data if stdin is None else stdin,
                         client_config(box), argv0=argv0)
        log = T.read_log(box)
    return res, srv, log


class Replay:
    """One dsmtp run per capture, shared by that capture's checks."""

    def __init__(self, name):
        self.name, self.done = name, None
        _, self.argv, self.stdin = load_capture(name)
        self.orig_fields, self.orig_body = T.split_message(T.crlf(self.stdin))

    def get(self, c):
        if self.done is None:
            self.done = replay(self.name)
        res, srv, _ = self.done
        txns = srv.accepted
        c.need(len(txns) == 1, 'want 1 accepted transaction, got %d; exit %s,'
               ' stderr %s' % (len(txns), res.code, T.short(res.err)))
        return res, txns[0]


# -- checks per capture -----------------------------------------------------

def check_exit(rp, c):
    if rp.done is None:
        rp.done = replay(rp.name)
    res, srv, _ = rp.done
    c.exit(res, T.EX_OK)
    c.no_stdout(res)
    c.eq(len(srv.accepted), 1, 'transactions accepted by the server')


def check_envelope(rp, c):
    res, txn = rp.get(c)
    c.eq(txn.mail_from, expected_sender(rp.argv), 'MAIL FROM')
    c.eq(sorted(txn.rcpt_addrs), expected_rcpts(rp.argv, rp.orig_fields),
         'RCPT TO addresses')
    if T.is_8bit(rp.stdin):
        c.eq(str(txn.mail_params.get('BODY', '')).upper(), '8BITMIME',
             'BODY= for an 8-bit message to an 8BITMIME server')
    check_dsn(rp, c, txn)


def check_dsn(rp, c, txn):
    opts, _ = parse_argv(rp.argv)
    if 'R' in opts:
        c.eq(str(txn.mail_params.get('RET', '')).upper(), opts['R'].upper(),
             'MAIL FROM RET= (server offers DSN)')
    if 'N' in opts:
        notify = [str(p.get('NOTIFY', '')).upper() for _, p in txn.rcpts]
        c.eq(notify, [opts['N'].upper()] * len(txn.rcpts),
             'RCPT NOTIFY= (server offers DSN)')


def check_headers(rp, c):
    res, txn = rp.get(c)
    fields, _ = T.split_message(txn.content)
    for name in ('bcc', 'resent-bcc'):
        c.eq(T.fields_named(fields, name), [], name + ' header on the wire')
    for name in ('from', 'date', 'message-id'):
        c.eq(len(T.fields_named(fields, name)), 1, 'number of %s headers'
             % name)
    kept = [f for f in rp.orig_fields
            if T.field_name(f) not in ('bcc', 'resent-bcc')
            and not (T.field_name(f) in QUALIFIED and bare(f))]
    missing = not_in_order(kept, fields)
    c.true(not missing, 'header fields not kept byte for byte, in order: %s'
           % T.short(missing))
    check_from(rp, c, txn, fields)
    check_qualified(rp, c, fields)


# Address fields whose bare names dsmtp qualifies (spec 4, item 2).
QUALIFIED = ('from', 'to', 'cc', 'reply-to', 'sender')


def bare(field):
    return any('@' not in a for a in addresses([T.field_value(field)]))


def bare_from(field):
    addrs = addresses([T.field_value(field)])
    return len(addrs) == 1 and '@' not in addrs[0]


def check_qualified(rp, c, fields):
    """A field with bare names arrives with exactly '@QUALIFY' added after
    each of them and nothing else changed."""
    suffix = ('@' + QUALIFY).encode()
    for f in rp.orig_fields:
        name = T.field_name(f)
        if name not in QUALIFIED or name == 'from' or not bare(f):
            continue
        want = [a if '@' in a else a + '@' + QUALIFY
                for a in addresses([T.field_value(f)])]
        match = [g for g in T.fields_named(fields, name)
                 if g.replace(suffix, b'') == f and
                 addresses([T.field_value(g)]) == want]
        c.true(match, '%s not qualified as %s: %s' % (
            T.short(f), want, T.short(T.fields_named(fields, name))))


def not_in_order(want, got):
    """The fields of want that are not found in got in the same order."""
    missing, pos = [], 0
    for f in want:
        try:
            pos = got.index(f, pos) + 1
        except ValueError:
            missing.append(f)
    return missing


def check_from(rp, c, txn, fields):
    orig = T.fields_named(rp.orig_fields, 'from')
    got = from_address(fields)
    if not orig:
        c.eq(got, txn.mail_from, 'address of the added From header')
    elif bare_from(orig[0]):
        addr = addresses([T.field_value(orig[0])])[0]
        c.eq(got, addr + '@' + QUALIFY, 'bare From address qualified')
        rest = T.field_value(orig[0]).replace(addr, '', 1).strip()
        new = T.field_value(T.fields_named(fields, 'from')[0]) if got else ''
        c.true(rest in new, 'From lost its comment/name %r: %r' % (rest, new))


def check_body(rp, c):
    res, txn = rp.get(c)
    T.check_wire(c, txn.raw)
    _, body = T.split_message(txn.content)
    c.eq(body, rp.orig_body, 'body (after LF->CRLF)')
    c.eq(txn.raw, stuff(txn.content), 'dot-stuffing on the wire')
    dots = [l for l in rp.orig_body.split(b'\r\n') if l.startswith(b'.')]
    for line in dots:
        c.true(b'\r\n.' + line + b'\r\n' in txn.raw,
               'body line %r not dot-stuffed on the wire' % line)


def stuff(content):
    return b'\r\n'.join(b'.' + l if l.startswith(b'.') else l
                        for l in content.split(b'\r\n'))


# -- without 8BITMIME: quoted-printable ---------------------------------------

def decoded_body(c, content):
    """The body of content decoded per its Content-Transfer-Encoding;
    fails c unless that is exactly one quoted-printable header."""
    fields, body = T.split_message(content)
    cte = [T.field_value(f).lower() for f in
           T.fields_named(fields, 'content-transfer-encoding')]
    c.eq(cte, ['quoted-printable'], 'Content-Transfer-Encoding headers')
    return binascii.a2b_qp(body)


def check_7bit(name, c):
    res, srv, _ = replay(name, hide=('8BITMIME',))
    c.exit(res, T.EX_OK)
    c.no_stdout(res)
    if not c.eq(len(srv.accepted), 1, 'transactions accepted'):
        return
    txn = srv.accepted[0]
    c.true('BODY' not in txn.mail_params or txn.mail_params['BODY'] == '7BIT',
           'BODY=%s sent to a server without 8BITMIME'
           % txn.mail_params.get('BODY'))
    T.check_wire(c, txn.raw)
    _, body = T.split_message(txn.content)
    c.true(not T.is_8bit(body), '8-bit octets in the body: %s' % T.short(
        [l for l in body.split(b'\r\n') if T.is_8bit(l)]))
    _, orig_body = T.split_message(T.crlf(load_capture(name)[2]))
    c.eq(decoded_body(c, txn.content), orig_body, 'decoded body')


# -- long lines ---------------------------------------------------------------

LONG = b''.join(b'%04d-abcdefghij ' % i for i in range(125))[:2000]


def check_long_body_line(c):
    msg = (b'To: to@example.org\nSubject: long line\n\nshort\n' + LONG +
           b'\nend\n')
    with T.sandbox() as box, SmtpServer() as srv:
        res = T.sendmail(box, srv.port, ['-i', '-t'], msg, client_config(box))
    c.exit(res, T.EX_OK)
    if not c.eq(len(srv.accepted), 1, 'transactions accepted'):
        return
    txn = srv.accepted[0]
    T.check_wire(c, txn.raw)
    c.eq(decoded_body(c, txn.content), b'short\r\n' + LONG + b'\r\nend\r\n',
         'decoded body')


def check_long_header_line(c):
    refs = b' '.join(b'<%04d.abcdefghij@example.com>' % i for i in range(80))
    msg = (b'To: to@example.org\nSubject: long header\nReferences: ' + refs +
           b'\n\nbody\n')
    with T.sandbox() as box, SmtpServer() as srv:
        res = T.sendmail(box, srv.port, ['-i', '-t'], msg, client_config(box))
    c.exit(res, T.EX_OK)
    if not c.eq(len(srv.accepted), 1, 'transactions accepted'):
        return
    txn = srv.accepted[0]
    T.check_wire(c, txn.raw)
    fields, _ = T.split_message(txn.content)
    got = [re.sub(rb'\r\n(?=[ \t])', b'', f) for f in
           T.fields_named(fields, 'references')]
    c.eq(got, [b'References: ' + refs + b'\r\n'],
         'References header after unfolding')


# -- account choice and logging -----------------------------------------------

def two_servers(c, name, account_lines):
    """Replay name with account default -> server A and an extra account
    -> server B; returns (result, A, B)."""
    argv0, argv, data = load_capture(name)
    with T.sandbox() as box, SmtpServer() as a, SmtpServer() as b:
        extra = client_config(box) + ['', 'account other', 'host 127.0.0.1',
                                      'port %d' % b.port] + account_lines
        res = T.sendmail(box, a.port, argv, data, extra, argv0=argv0)
    c.exit(res, T.EX_OK)
    c.eq((len(a.accepted), len(b.accepted)), (0, 1),
         'messages at (default, other) account')
    return res, a, b


def check_account_by_from_header(c):
    _, _, b = two_servers(c, 'cron-debian-mailfrom.1',
                          ['from *@example.com'])
    if b.accepted:
        c.eq(b.accepted[0].mail_from, 'cron@example.com',
             'envelope sender taken from the From header that chose the '
             'account (glob from)')


def check_account_by_f(c):
    _, _, b = two_servers(c, 'mutt-envfrom.1', ['from mu@example.com'])
    if b.accepted:
        c.eq(b.accepted[0].mail_from, 'mu@example.com', 'MAIL FROM')


def check_logfile(c):
    res, srv, log = replay('bsdmailx-r.1')
    c.exit(res, T.EX_OK)
    lines = [l for l in log.splitlines() if b'status=sent' in l]
    c.eq(len(lines), 1, 'status=sent lines in the logfile %s' % T.short(log))
    for key in (b'from=sender@example.com', b'to=', b'to@example.org',
                b'relay=', b':%d' % srv.port, b'size=', b'smtp="250'):
        c.true(any(key in l for l in lines), 'log line lacks %r' % key)


# -- the suite ----------------------------------------------------------------

def capture_names():
    names = sorted(os.path.basename(p)[:-5] for p in
                   glob.glob(os.path.join(T.CLIENTS_DIR, '*.argv')))
    if not names:
        raise SystemExit('no captures in %s' % T.CLIENTS_DIR)
    return names


def tests():
    out = []
    names = capture_names()
    for name in names:
        rp = Replay(name)
        out += [(name + ': exit 0, nothing on stdout',
                 lambda c, rp=rp: check_exit(rp, c)),
                (name + ': envelope and ESMTP parameters',
                 lambda c, rp=rp: check_envelope(rp, c)),
                (name + ': headers', lambda c, rp=rp: check_headers(rp, c)),
                (name + ': body and wire format',
                 lambda c, rp=rp: check_body(rp, c))]
    for name in names:
        _, _, data = load_capture(name)
        if T.is_8bit(T.split_message(T.crlf(data))[1]):
            out.append((name + ': no 8BITMIME -> quoted-printable',
                        lambda c, n=name: check_7bit(n, c)))
    out += [('2000-octet body line: no wire line over 998 octets',
             check_long_body_line),
            ('2000-octet header line: folded, no wire line over 998 octets',
             check_long_header_line),
            ('From header picks the account (glob from)',
             check_account_by_from_header),
            ('-f picks the account', check_account_by_f),
            ('logfile line for a sent message', check_logfile)]
    return out


if __name__ == '__main__':
    T.main(tests())
