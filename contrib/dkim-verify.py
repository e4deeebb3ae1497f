#!/usr/bin/python3
"""dkim-verify.py - check every DKIM signature of a message with dkimpy.

Usage: dkim-verify.py MESSAGE RECORDS
RECORDS holds the lines `dsmtp --dkim-keygen` printed; they stand in for
the DNS, so the demo needs no name server. Prints one verdict a signature
and exits 1 when any fails.
"""
import re
import sys

import dkim


def load_records(path):
    """name -> TXT text, from zone-file lines NAME. IN TXT ( "..." ... )"""
    records = {}
    for line in open(path, encoding='ascii'):
        m = re.match(r'(\S+)\s+IN\s+TXT\s+\((.*)\)', line)
        if m:
            text = ''.join(re.findall(r'"([^"]*)"', m.group(2)))
            records[m.group(1).encode()] = text.encode()
    return records


def main():
    msg = open(sys.argv[1], 'rb').read()
    records = load_records(sys.argv[2])
    count = len(re.findall(rb'(?im)^dkim-signature:', msg))
    if count == 0:
        print('no DKIM-Signature found')
        return 1
    bad = 0
    d = dkim.DKIM(msg)
    for i in range(count):
        ok = d.verify(idx=i, dnsfunc=lambda name, timeout=5:
                      records.get(name))
        sel = d.selector.decode() if d.selector else '?'
        dom = d.domain.decode() if d.domain else '?'
        print('signature %d (d=%s s=%s): %s' % (i + 1, dom, sel,
                                               'pass' if ok else 'FAIL'))
        bad += not ok
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
