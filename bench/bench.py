#!/usr/bin/env python3
"""Helpers for bench/run.sh: message generation, per-message runs, report.

Subcommands:
  genmsg SIZE FILE            write a test message of exactly SIZE bytes
  freeport                    print a free TCP port on 127.0.0.1
  sinkcount LOGFILE           print the last "mesg=N" counter of smtp-sink -c
  permsg --runs N --warmup W --input MSG --json OUT --time GNU_TIME
         [--timeout SEC] [--order fixed|alternate]
         -- LABEL CMD... [--| CMD...] --- LABEL CMD... ...
                              run the commands interleaved (A B A B ..., or
                              with alternate A B C, C B A, ...); "--|" makes
                              a pipeline of the peer's commands
  floor RUNS                  median cost of spawning /bin/true
  report --permsg-2k J --permsg-50m J --loop TSV --loop-n N
                              print the table of the plain group
  report-dkim --permsg-2k J --permsg-50m J
                              print the table of the dkim group
  report-tls --permsg-2k J    print the table of the tls group
  capture --port-file F --dir D --count N --timeout SEC
                              SMTP server on 127.0.0.1 storing N messages
  dkimverify --txt SEL=FILE... --expect MSG=N...
                              verify DKIM signatures with dkimpy
  pflog MAILLOG               count AUTH / TLS / delivered lines of Postfix
  qsubmit --procs P (--per N | --total N | --items FILE) --label L --out JSONL
          --errdir DIR [--input MSG] [--timeout SEC] -- CMD...
                              P concurrent submitters, each running CMD
                              sequentially; "{}" in CMD is an item of FILE
  qflush --label L --out JSONL --sink-log LOG --expect N --empty DIR...
         [--ignore NAME...] [--user U --cwd DIR] [--cpu-complete no]
         --stderr FILE -- CMD...
                              time a queue flush until CMD has exited, the
                              sink has N more messages and DIRs are empty
  sinkstat LOGFILE            print smtp-sink's message and session counters
  qids LISTJSON N HELD        ids from --queue-list --json (exit 1 unless N
                              entries, HELD of them held)
  report-queue --enqueue J --fill J --flush J --memfill J --hold J --mem J
               --peers LIST --skipped TEXT
                              print the tables of the queue group
  mxbed DOMAINS               start the DNS bed of tests/lib/dnsbed.py with
                              d1..dDOMAINS.bench.test, each with one MX at
                              127.0.4.N; print the namespace's name and keep
                              it until standard input closes
  report-mx --flush JSONL --messages N --domains D
                              print the table of the mx group

Wall time and user+sys CPU of each submission come from a direct
posix_spawn() + wait4() (nanosecond wall clock, microsecond rusage).
Peak RSS comes from a second, interleaved pass under GNU time -v, because
a process spawned from this (larger) Python interpreter would inherit its
RSS high-water mark, and GNU time prints CPU seconds with only two
decimals.  Every exit status is checked; a failing submission aborts the
benchmark with status 1.
"""

import json
import os
import random
import re
import signal
import socket
import statistics
import sys
import tempfile
import threading
import time

# ---------------------------------------------------------------- messages

WORDS = (
    "the of and to in is that for it as was with be by on not he this are "
    "or his from at which but have an they you were her she there one all "
    "we can their has been if more when will would who so no report budget "
    "meeting quarter review schedule project release server backup invoice "
    "customer delivery status update minutes agenda draft attached please "
    "thanks regards tomorrow morning afternoon colleague department office "
    "network storage migration deadline proposal contract approval summary"
).split()


def _text_lines(rng, n, width=76):
    """n lines of plain text, each at most `width` characters."""
    out = []
    line = []
    length = 0
    while len(out) < n:
        w = rng.choice(WORDS)
        if length + len(w) + (1 if line else 0) > width:
            text = " ".join(line)
            out.append(text[0].upper() + text[1:])
            line, length = [], 0
        length += len(w) + (1 if line else 0)
        line.append(w)
    return out


def _headers(size):
    return (
        "Date: Mon, 03 Mar 2025 10:15:42 +0100\n"
        "From: Bench Sender <bench@example.net>\n"
        "To: Bench Recipient <rcpt@example.org>\n"
        "Subject: Quarterly report draft and meeting notes (%d bytes)\n"
        "Message-ID: <20250303101542.bench.%d@example.net>\n"
        "MIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=us-ascii\n"
        "Content-Transfer-Encoding: 7bit\n"
        "User-Agent: dsmtp-bench\n"
        "\n" % (size, size)
    )


def genmsg(size, path):
    """Write a message of exactly `size` bytes (LF line ends, 7-bit text)."""
    rng = random.Random(5321)
    head = _headers(size).encode()
    if size < len(head) + 2:
        raise SystemExit("message size %d too small" % size)
    pool = [(l + "\n").encode() for l in _text_lines(rng, 4096)]
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(head)
        left = size - len(head)
        chunk = []
        chunk_len = 0
        while left > 0:
            line = rng.choice(pool)
            if len(line) >= left:
                # last line: cut or pad to fit, keep it newline-terminated
                line = line[: left - 1].ljust(left - 1, b"x") + b"\n"
            chunk.append(line)
            chunk_len += len(line)
            left -= len(line)
            if chunk_len >= 1 << 20:
                f.write(b"".join(chunk))
                chunk, chunk_len = [], 0
        f.write(b"".join(chunk))
    os.replace(tmp, path)
    got = os.path.getsize(path)
    if got != size:
        raise SystemExit("genmsg: wrote %d bytes, wanted %d" % (got, size))


# ---------------------------------------------------------------- running

class SubmissionFailed(Exception):
    pass


def _spawn(stages, stdin_path, err_path, timeout):
    """Run a pipeline with stdin from a file and stdout to /dev/null.

    stages is a list of argv lists (usually one); stage k's stdout feeds
    stage k+1's stdin, and every stage's stderr goes to err_path.  Wall time
    runs from the first posix_spawn() to the last wait4().  Returns
    (wall_s, [rusage per stage], [status per stage])."""
    fd_in = os.open(stdin_path, os.O_RDONLY)
    fd_err = os.open(err_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    fd_null = os.open(os.devnull, os.O_WRONLY)
    # os.pipe() gives close-on-exec descriptors: a child holds only the ends
    # dup2()ed onto its 0 and 1, so EOF arrives when the writer exits.
    pipes = [os.pipe() for _ in stages[1:]]
    pids = []
    try:
        t0 = time.perf_counter_ns()
        for k, argv in enumerate(stages):
            src = fd_in if k == 0 else pipes[k - 1][0]
            dst = fd_null if k == len(stages) - 1 else pipes[k][1]
            pids.append(os.posix_spawn(
                argv[0], argv, os.environ,
                file_actions=[
                    (os.POSIX_SPAWN_DUP2, src, 0),
                    (os.POSIX_SPAWN_DUP2, dst, 1),
                    (os.POSIX_SPAWN_DUP2, fd_err, 2),
                ],
            ))
    finally:
        for fd in [fd_in, fd_err, fd_null] + [fd for pp in pipes for fd in pp]:
            os.close(fd)
        if len(pids) < len(stages):  # a later stage failed to start
            for pid in pids:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
    timed_out = []

    def kill():
        timed_out.append(True)
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    watchdog = threading.Timer(timeout, kill)
    watchdog.start()
    statuses, rusages = {}, {}
    try:
        while len(statuses) < len(pids):
            pid, status, ru = os.wait4(-1, 0)
            if pid in pids:
                statuses[pid], rusages[pid] = status, ru
    finally:
        watchdog.cancel()
    wall = (time.perf_counter_ns() - t0) / 1e9
    if timed_out:
        raise SubmissionFailed("%s: timed out after %ds"
                               % (" | ".join(a[0] for a in stages), timeout))
    return wall, [rusages[p] for p in pids], [statuses[p] for p in pids]


def _describe_status(status):
    if os.WIFEXITED(status):
        return "exit status %d" % os.WEXITSTATUS(status)
    if os.WIFSIGNALED(status):
        return "killed by signal %d" % os.WTERMSIG(status)
    return "status %#x" % status


def _read(path, limit=2000):
    try:
        with open(path, "rb") as f:
            return f.read(limit).decode("utf-8", "replace")
    except OSError:
        return ""


def _cmdline(stages):
    return " | ".join(" ".join(argv) for argv in stages)


def _check(label, stages, statuses, err_path):
    """Every stage of the pipeline must exit with status 0."""
    bad = [(argv, st) for argv, st in zip(stages, statuses)
           if not (os.WIFEXITED(st) and os.WEXITSTATUS(st) == 0)]
    if not bad:
        return
    raise SubmissionFailed(
        "%s submission failed (%s)\n  command: %s\n  stderr: %s"
        % (label, "; ".join("%s: %s" % (os.path.basename(a[0]), _describe_status(st))
                            for a, st in bad),
           _cmdline(stages), _read(err_path).strip() or "(empty)"))


def _parse_gnu_time(path):
    text = _read(path, 100000)
    rss = re.search(r"Maximum resident set size \(kbytes\):\s*(\d+)", text)
    ex = re.search(r"Exit status:\s*(\d+)", text)
    if not rss or not ex:
        raise SubmissionFailed("cannot parse GNU time output:\n" + text)
    return int(rss.group(1)), int(ex.group(1))


def _parse_peers(tokens):
    """LABEL CMD... [--| CMD...] --- LABEL CMD... -> [(label, [argv, ...])]"""
    peers, cur = [], []
    for a in tokens + ["---"]:
        if a != "---":
            cur.append(a)
            continue
        if len(cur) < 2:
            raise SystemExit("permsg: a peer needs a label and a command")
        stages, argv = [], []
        for b in cur[1:]:
            if b == "--|":
                stages.append(argv)
                argv = []
            else:
                argv.append(b)
        stages.append(argv)
        if any(not st for st in stages):
            raise SystemExit("permsg: empty pipeline stage in %r" % cur[0])
        peers.append((cur[0], stages))
        cur = []
    return peers


def permsg(args):
    opts = {"--runs": None, "--warmup": "1", "--input": None, "--json": None,
            "--time": "/usr/bin/time", "--timeout": "600", "--order": "fixed"}
    i = 0
    while i < len(args) and args[i] != "--":
        if args[i] not in opts or i + 1 >= len(args):
            raise SystemExit("permsg: bad argument %r" % args[i])
        opts[args[i]] = args[i + 1]
        i += 2
    peers = _parse_peers(args[i + 1:])
    if None in opts.values() or opts["--order"] not in ("fixed", "alternate"):
        raise SystemExit("permsg: usage error")
    runs = int(opts["--runs"])
    warmup = int(opts["--warmup"])
    timeout = int(opts["--timeout"])
    msg = opts["--input"]
    gtime = opts["--time"]
    tmpdir = tempfile.mkdtemp(prefix="permsg.", dir=os.path.dirname(opts["--json"]))
    err_path = os.path.join(tmpdir, "stderr")
    time_paths = [os.path.join(tmpdir, "time.%d" % k)
                  for k in range(max(len(st) for _, st in peers))]

    res = {label: {"argv": stages, "wall_s": [], "cpu_s": [], "user_s": [],
                   "sys_s": [], "rss_kib": [], "rss_stage_kib": [],
                   "stderr_on_success": []}
           for label, stages in peers}
    submissions = 0
    for rnd in range(warmup + runs):
        counted = rnd >= warmup
        # fixed: A B C, A B C, ...; alternate: A B C, C B A, A B C, ...
        order = peers if (opts["--order"] == "fixed" or rnd % 2 == 0) else peers[::-1]
        # pass 1: wall + CPU, direct spawn
        for label, stages in order:
            wall, rus, statuses = _spawn(stages, msg, err_path, timeout)
            submissions += 1
            _check(label, stages, statuses, err_path)
            noise = _read(err_path).strip()
            if noise:
                res[label]["stderr_on_success"].append(noise)
            if counted:
                r = res[label]
                u = sum(ru.ru_utime for ru in rus)
                s = sum(ru.ru_stime for ru in rus)
                r["wall_s"].append(wall)
                r["user_s"].append(u)
                r["sys_s"].append(s)
                r["cpu_s"].append(u + s)
        # pass 2: peak RSS, each stage under its own GNU time -v
        for label, stages in order:
            tstages = [[gtime, "-v", "-o", time_paths[k], "--"] + argv
                       for k, argv in enumerate(stages)]
            _, _, statuses = _spawn(tstages, msg, err_path, timeout)
            submissions += 1
            _check(label, stages, statuses, err_path)
            rss = []
            for k, argv in enumerate(stages):
                kib, ex = _parse_gnu_time(time_paths[k])
                if ex != 0:
                    raise SubmissionFailed("%s: GNU time reports exit status %d for %s"
                                           % (label, ex, argv[0]))
                rss.append(kib)
            if counted:
                res[label]["rss_kib"].append(max(rss))
                res[label]["rss_stage_kib"].append(rss)
    for f in [err_path] + time_paths:
        if os.path.exists(f):
            os.unlink(f)
    os.rmdir(tmpdir)
    out = {"input": msg, "input_bytes": os.path.getsize(msg), "runs": runs,
           "warmup": warmup, "order": opts["--order"],
           "submissions": submissions, "peers": res}
    with open(opts["--json"], "w") as f:
        json.dump(out, f, indent=1)


# ---------------------------------------------------------------- report

def _med(xs):
    return statistics.median(xs) if xs else float("nan")


def _size_tag(n):
    if n % (1 << 20) == 0:
        return "%d MiB" % (n >> 20)
    if n % 1024 == 0:
        return "%d KB" % (n >> 10)
    return "%d B" % n


def floor(args):
    """Median wall and CPU of spawning /bin/true: the cost of any process."""
    runs = int(args[0])
    walls, cpus = [], []
    for _ in range(runs):
        wall, (ru,), statuses = _spawn([["/bin/true"]], os.devnull, os.devnull, 60)
        _check("/bin/true", [["/bin/true"]], statuses, os.devnull)
        walls.append(wall)
        cpus.append(ru.ru_utime + ru.ru_stime)
    print("%.2f ms wall, %.2f ms CPU (median of %d)"
          % (_med(walls) * 1e3, _med(cpus) * 1e3, runs))


def _verdict(ok):
    return "-" if ok is None else ("met" if ok else "NOT MET")


def _table(head, body, left=None):
    """Print rows as a Markdown-style table; figure, target and status
    columns (and those in `left`) left-aligned, numbers right-aligned."""
    n = len(head)
    left = set(left or (0, n - 2, n - 1))
    widths = [max(len(str(r[i])) for r in [head] + body) for i in range(n)]

    def line(r):
        cells = [str(r[i]).ljust(widths[i]) if i in left else str(r[i]).rjust(widths[i])
                 for i in range(n)]
        return "| " + " | ".join(cells) + " |"

    print(line(head))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in body:
        print(line(r))


def _targets_met(verdicts):
    verdicts = [v for v in verdicts if v is not None]
    print()
    print("targets met: %d of %d" % (sum(verdicts), len(verdicts)))


def _spread_line(tag, label, p, width=5):
    w = sorted(x * 1e3 for x in p["wall_s"])
    c = sorted(x * 1e3 for x in p["cpu_s"])
    u = _med(p["user_s"]) * 1e3
    s = _med(p["sys_s"]) * 1e3
    r = [x / 1024 for x in p["rss_kib"]]
    print("  %-6s %-*s wall %.2f / %.2f / %.2f ms; cpu %.2f / %.2f / %.2f ms "
          "(median user %.2f, sys %.2f); rss %.2f-%.2f MiB; n=%d"
          % (tag, width, label, w[0], _med(w), w[-1], c[0], _med(c), c[-1],
             u, s, min(r), max(r), len(w)))


def _noise_line(tag, label, p):
    noise = p["stderr_on_success"]
    if noise:
        print("  note: %s wrote to stderr on %d successful %s runs, e.g.: %s"
              % (label, len(noise), tag, noise[0].splitlines()[0]))


def report(args):
    opts = {}
    for i in range(0, len(args), 2):
        opts[args[i]] = args[i + 1]
    small = json.load(open(opts["--permsg-2k"]))
    big = json.load(open(opts["--permsg-50m"]))
    loop_n = int(opts["--loop-n"])
    loops = {}
    for line in open(opts["--loop"]):
        label, n, secs = line.split()
        d = loops.setdefault(label, [0, 0.0])
        d[0] += int(n)
        d[1] += float(secs)
    A, B = "dsmtp", "msmtp"

    rows = []  # (figure, a, b, fmt, target text, verdict or None)

    def ratio(a, b):
        return a / b if b else float("nan")

    def permsg_rows(data, tag, wall_target=None, rss_target_mib=None):
        pa, pb = data["peers"][A], data["peers"][B]
        wa, wb = _med(pa["wall_s"]) * 1e3, _med(pb["wall_s"]) * 1e3
        r = ratio(wa, wb)
        rows.append(("%s wall, median (ms)" % tag, wa, wb, "%.2f",
                     "<= %.2fx" % wall_target if wall_target else "",
                     (r <= wall_target) if wall_target else None))
        ca, cb = _med(pa["cpu_s"]) * 1e3, _med(pb["cpu_s"]) * 1e3
        rows.append(("%s user+sys CPU, median (ms)" % tag, ca, cb, "%.2f", "", None))
        ra, rb = max(pa["rss_kib"]) / 1024, max(pb["rss_kib"]) / 1024
        rows.append(("%s peak RSS (MiB)" % tag, ra, rb, "%.2f",
                     "dsmtp < %g MiB" % rss_target_mib if rss_target_mib else "",
                     (ra < rss_target_mib) if rss_target_mib else None))

    tag_small, tag_big = _size_tag(small["input_bytes"]), _size_tag(big["input_bytes"])
    permsg_rows(small, tag_small, wall_target=0.3)
    permsg_rows(big, tag_big, wall_target=0.15, rss_target_mib=8)
    la, lb = loops[A], loops[B]
    rows.append(("%s x %s sequential, total (s)" % (format(la[0], ","), tag_small),
                 la[1], lb[1], "%.2f", "", None))
    rate_a, rate_b = la[0] / la[1], lb[0] / lb[1]
    rows.append(("%s x %s sequential rate (msg/s)" % (format(la[0], ","), tag_small),
                 rate_a, rate_b, "%.1f", ">= 3.00x",
                 ratio(rate_a, rate_b) >= 3.0))

    head = ("figure", "dsmtp", "msmtp", "dsmtp/msmtp", "target", "status")
    body = []
    for fig, a, b, fmt, tgt, ok in rows:
        body.append((fig, fmt % a, fmt % b, "%.3fx" % ratio(a, b), tgt or "-",
                     _verdict(ok)))
    _table(head, body)
    _targets_met([ok for *_, ok in rows])

    print()
    print("spread (min / median / max) per figure:")
    for data, tag in ((small, tag_small), (big, tag_big)):
        for label in (A, B):
            _spread_line(tag, label, data["peers"][label])
    for label in (A, B):
        n, secs = loops[label]
        print("  loop   %-5s %d messages in %.2f s = %.2f ms per message"
              % (label, n, secs, secs / n * 1e3))
    for data, tag in ((small, tag_small), (big, tag_big)):
        for label in (A, B):
            _noise_line(tag, label, data["peers"][label])


def _opts(args, names):
    opts = {}
    for i in range(0, len(args), 2):
        if args[i] not in names or i + 1 >= len(args):
            raise SystemExit("bad argument %r" % args[i])
        opts[args[i]] = args[i + 1]
    missing = [n for n in names if n not in opts]
    if missing:
        raise SystemExit("missing %s" % ", ".join(missing))
    return opts


DKIM_SIGN, DKIM_PLAIN, DKIM_GLUE = "dsmtp-sign", "dsmtp-nosign", "dkimsign+msmtp"


def report_dkim(args):
    """DKIM group: dsmtp signing vs the same dsmtp not signing, same run."""
    opts = _opts(args, ("--permsg-2k", "--permsg-50m"))
    small = json.load(open(opts["--permsg-2k"]))
    big = json.load(open(opts["--permsg-50m"]))
    tag_small, tag_big = _size_tag(small["input_bytes"]), _size_tag(big["input_bytes"])
    # (size tag, wall delta target in ms, RSS target for signing in MiB)
    specs = ((small, tag_small, 3.0, None), (big, tag_big, 150.0, 8.0))

    def paired(p, q, key):
        # The runs are interleaved round by round, so run i of one peer
        # and run i of the other had the same surroundings.
        return [(a - b) * 1e3 for a, b in zip(p[key], q[key])]

    rows, verdicts = [], []
    for data, tag, wall_ms, rss_mib in specs:
        sg, pl, gl = (data["peers"][k] for k in (DKIM_SIGN, DKIM_PLAIN, DKIM_GLUE))
        dw = _med(paired(sg, pl, "wall_s"))
        ok = dw <= wall_ms
        verdicts.append(ok)
        rows.append(("%s wall, median (ms)" % tag,
                     "%.2f" % (_med(sg["wall_s"]) * 1e3),
                     "%.2f" % (_med(pl["wall_s"]) * 1e3), "%+.2f" % dw,
                     "%.2f" % (_med(gl["wall_s"]) * 1e3),
                     "delta <= +%g ms" % wall_ms, _verdict(ok)))
        rows.append(("%s user+sys CPU, median (ms)" % tag,
                     "%.2f" % (_med(sg["cpu_s"]) * 1e3),
                     "%.2f" % (_med(pl["cpu_s"]) * 1e3),
                     "%+.2f" % _med(paired(sg, pl, "cpu_s")),
                     "%.2f" % (_med(gl["cpu_s"]) * 1e3), "-", "-"))
        rs, rp, rg = (max(p["rss_kib"]) / 1024 for p in (sg, pl, gl))
        ok = (rs < rss_mib) if rss_mib else None
        verdicts.append(ok)
        rows.append(("%s peak RSS (MiB)" % tag, "%.2f" % rs, "%.2f" % rp,
                     "%+.2f" % (rs - rp), "%.2f" % rg,
                     "signing < %g MiB" % rss_mib if rss_mib else "-", _verdict(ok)))
    head = ("figure", "dsmtp signing", "dsmtp not signing", "delta",
            "dkimsign+msmtp", "target", "status")
    _table(head, rows)
    _targets_met(verdicts)

    print()
    print("delta = signing - not signing, per interleaved round; the table gives "
          "the median of those differences")
    print("dkimsign+msmtp = dkimsign (RSA key only) | msmtp: wall from the first "
          "spawn to the last exit, CPU of both processes, RSS of the larger one")
    print()
    print("spread (min / median / max) per figure:")
    for data, tag, _, _ in specs:
        for label in (DKIM_SIGN, DKIM_PLAIN, DKIM_GLUE):
            _spread_line(tag, label, data["peers"][label], width=14)
        sg, pl = data["peers"][DKIM_SIGN], data["peers"][DKIM_PLAIN]
        d = sorted(paired(sg, pl, "wall_s"))
        c = sorted(paired(sg, pl, "cpu_s"))
        print("  %-6s %-14s wall %+.2f / %+.2f / %+.2f ms; cpu %+.2f / %+.2f / %+.2f ms; "
              "difference of the medians: wall %+.2f ms, cpu %+.2f ms"
              % (tag, "delta", d[0], _med(d), d[-1], c[0], _med(c), c[-1],
                 (_med(sg["wall_s"]) - _med(pl["wall_s"])) * 1e3,
                 (_med(sg["cpu_s"]) - _med(pl["cpu_s"])) * 1e3))
        st = data["peers"][DKIM_GLUE]["rss_stage_kib"]
        print("  %-6s %-14s peak RSS by process: dkimsign %.2f MiB, msmtp %.2f MiB"
              % (tag, DKIM_GLUE, max(x[0] for x in st) / 1024,
                 max(x[1] for x in st) / 1024))
    for data, tag, _, _ in specs:
        for label in (DKIM_SIGN, DKIM_PLAIN, DKIM_GLUE):
            _noise_line(tag, label, data["peers"][label])


def report_tls(args):
    """TLS group: 2 KB over STARTTLS + AUTH PLAIN, dsmtp vs msmtp."""
    opts = _opts(args, ("--permsg-2k",))
    data = json.load(open(opts["--permsg-2k"]))
    tag = _size_tag(data["input_bytes"])
    pa, pb = data["peers"]["dsmtp"], data["peers"]["msmtp"]
    rows = []
    wa, wb = _med(pa["wall_s"]) * 1e3, _med(pb["wall_s"]) * 1e3
    ok = wa / wb <= 0.6
    rows.append(("%s STARTTLS+AUTH PLAIN wall, median (ms)" % tag, "%.2f" % wa,
                 "%.2f" % wb, "%.3fx" % (wa / wb), "<= 0.60x", _verdict(ok)))
    ca, cb = _med(pa["cpu_s"]) * 1e3, _med(pb["cpu_s"]) * 1e3
    rows.append(("%s STARTTLS+AUTH PLAIN user+sys CPU, median (ms)" % tag,
                 "%.2f" % ca, "%.2f" % cb, "%.3fx" % (ca / cb), "-", "-"))
    ra, rb = max(pa["rss_kib"]) / 1024, max(pb["rss_kib"]) / 1024
    rows.append(("%s STARTTLS+AUTH PLAIN peak RSS (MiB)" % tag, "%.2f" % ra,
                 "%.2f" % rb, "%.3fx" % (ra / rb), "-", "-"))
    _table(("figure", "dsmtp", "msmtp", "dsmtp/msmtp", "target", "status"), rows)
    _targets_met([ok])
    print()
    print("spread (min / median / max) per figure:")
    for label, p in (("dsmtp", pa), ("msmtp", pb)):
        _spread_line(tag, label, p)
    for label, p in (("dsmtp", pa), ("msmtp", pb)):
        _noise_line(tag, label, p)


# ---------------------------------------------------------------- DKIM check

def capture(args):
    """Minimal SMTP server on 127.0.0.1 that stores N messages, then exits.

    Used once before the DKIM measurements, to check that the signatures
    being timed are there and verify.  Writes the port to --port-file when
    it listens; message k goes to DIR/msg-k.eml (CRLF, dot-unstuffed)."""
    opts = _opts(args, ("--port-file", "--dir", "--count", "--timeout"))
    count, timeout = int(opts["--count"]), float(opts["--timeout"])
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.bind(("127.0.0.1", 0))
    srv.listen(4)
    srv.settimeout(timeout)
    tmp = opts["--port-file"] + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.getsockname()[1])
    os.replace(tmp, opts["--port-file"])
    stored = 0
    while stored < count:
        conn, _ = srv.accept()
        conn.settimeout(timeout)
        with conn, conn.makefile("rb") as rf:
            def say(text):
                conn.sendall(text.encode() + b"\r\n")
            say("220 capture ESMTP")
            while True:
                line = rf.readline()
                if not line:
                    break
                verb = line[:4].upper()
                if verb == b"EHLO":
                    say("250-capture\r\n250-8BITMIME\r\n250 ENHANCEDSTATUSCODES")
                elif verb in (b"HELO", b"MAIL", b"RCPT", b"RSET", b"NOOP"):
                    say("250 2.0.0 ok")
                elif verb == b"DATA":
                    say("354 go ahead")
                    body = []
                    while True:
                        l = rf.readline()
                        if not l or l == b".\r\n":
                            break
                        body.append(l[1:] if l.startswith(b".") else l)
                    stored += 1
                    with open(os.path.join(opts["--dir"], "msg-%d.eml" % stored), "wb") as f:
                        f.write(b"".join(body))
                    say("250 2.0.0 stored")
                elif verb == b"QUIT":
                    say("221 2.0.0 bye")
                    break
                else:
                    say("502 5.5.2 not here")
    srv.close()


def dkimverify(args):
    """Verify every DKIM-Signature of each message with dkimpy.

    --txt SELECTOR=FILE (repeatable): FILE holds `dsmtp --dkim-keygen` output,
    whose quoted strings make the TXT record of SELECTOR._domainkey.DOMAIN.
    --expect FILE=N (repeatable): FILE must carry N signatures.
    Exit 0: all present and valid; 2: one or more did not verify; 1: error,
    including a missing signature."""
    import dkim  # python3-dkim; imported here so the rest needs no package
    records, expect = {}, []
    i = 0
    while i < len(args):
        if args[i] == "--txt":
            sel, path = args[i + 1].split("=", 1)
            text = open(path).read()
            rec = "".join(re.findall(r'"([^"]*)"', text))
            if not rec.startswith("v=DKIM1"):
                raise SystemExit("dkimverify: no DKIM record in %s" % path)
            records[sel] = rec.encode()
        elif args[i] == "--expect":
            path, n = args[i + 1].rsplit("=", 1)
            expect.append((path, int(n)))
        else:
            raise SystemExit("dkimverify: bad argument %r" % args[i])
        i += 2

    def dnsfunc(name, timeout=5):
        name = name.decode() if isinstance(name, bytes) else name
        sel = name.split("._domainkey.", 1)[0]
        return records.get(sel)

    failed = False
    for path, n in expect:
        msg = open(path, "rb").read()
        d = dkim.DKIM(msg)
        sigs = [v for k, v in d.headers if k.lower() == b"dkim-signature"]
        if len(sigs) != n:
            print("  %s: %d DKIM-Signature fields, expected %d"
                  % (os.path.basename(path), len(sigs), n))
            sys.exit(1)
        res = []
        for idx, sig in enumerate(sigs):
            tags = dict(t.strip().split(b"=", 1) for t in
                        re.sub(rb"\s+", b"", sig).split(b";") if b"=" in t)
            try:
                ok = d.verify(idx=idx, dnsfunc=dnsfunc)
            except Exception as e:  # dkimpy raises on malformed input
                ok = False
                print("  %s: signature %d: %s" % (os.path.basename(path), idx, e))
            failed |= not ok
            res.append("%s/%s %s %s" % (tags.get(b"d", b"?").decode(),
                                         tags.get(b"s", b"?").decode(),
                                         tags.get(b"a", b"?").decode(),
                                         "verified" if ok else "DID NOT VERIFY"))
        print("  %s" % "; ".join(res))
    sys.exit(2 if failed else 0)


# ---------------------------------------------------------------- Postfix log

def pflog(args):
    """Count, in a Postfix log, what the TLS group relies on:
    prints `sasl=N tls=N sent=N` plus the first TLS parameters seen."""
    text = _read(args[0], 1 << 30)
    sasl = len(re.findall(r"postfix/smtpd\[\d+\]: \w+: client=.*sasl_method=PLAIN", text))
    tls = re.findall(r"TLS connection established from [^:]+: (.*)", text)
    sent = len(re.findall(r"postfix/discard\[\d+\]: \w+: .*status=sent", text))
    print("sasl=%d tls=%d sent=%d" % (sasl, len(tls), sent))
    if tls:
        print(tls[-1])


# ---------------------------------------------------------------- queue group

def _qopts(args, defaults, multi=()):
    """--name VALUE pairs up to "--" (the command after it).  defaults
    maps every accepted name to its default (None: required); names in
    multi may repeat and collect into a list."""
    opts = {k: ([] if k in multi else v) for k, v in defaults.items()}
    i = 0
    while i < len(args) and args[i] != "--":
        name = args[i]
        if name not in defaults or i + 1 >= len(args):
            raise SystemExit("bad argument %r" % name)
        if name in multi:
            opts[name].append(args[i + 1])
        else:
            opts[name] = args[i + 1]
        i += 2
    missing = [k for k, v in opts.items() if v is None]
    if missing:
        raise SystemExit("missing %s" % ", ".join(missing))
    return opts, args[i + 1:]


def _append_json(path, obj):
    with open(path, "a") as f:
        f.write(json.dumps(obj) + "\n")


def _load_jsonl(path):
    with open(path) as f:
        return [json.loads(l) for l in f if l.strip()]


def _sink_tail(path):
    """(messages, sessions) from the last counters smtp-sink -c printed.
    Reads only the end of the log, so it can be polled cheaply."""
    with open(path, "rb") as f:
        f.seek(0, os.SEEK_END)
        f.seek(max(0, f.tell() - 512))
        text = f.read().decode("ascii", "replace")
    m = re.findall(r"sess=(\d+) quit=\d+ mesg=(\d+)", text)
    return (int(m[-1][1]), int(m[-1][0])) if m else (0, 0)


def _submit_worker(argv, items, msg, go_r, res_w, err_path, timeout):
    """One submitter: waits for the start, then runs argv once per item
    (sequentially, each with stdin from msg), checking every status.
    Reports a JSON object on res_w and exits."""

    def report(obj, code):
        os.write(res_w, json.dumps(obj).encode())
        os._exit(code)

    class Late(Exception):
        pass

    def alarm(signum, frame):
        raise Late()

    signal.signal(signal.SIGALRM, alarm)
    fd_err = os.open(err_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    fd_null = os.open(os.devnull, os.O_WRONLY)
    noisy, noise = 0, None
    os.read(go_r, 1)  # EOF when the parent starts the clock
    t0 = time.perf_counter()
    for item in items:
        a = argv if item is None else [x.replace("{}", item) for x in argv]
        before = os.fstat(fd_err).st_size
        fd_in = os.open(msg, os.O_RDONLY)
        try:
            pid = os.posix_spawn(a[0], a, os.environ, file_actions=[
                (os.POSIX_SPAWN_DUP2, fd_in, 0),
                (os.POSIX_SPAWN_DUP2, fd_null, 1),
                (os.POSIX_SPAWN_DUP2, fd_err, 2)])
        except OSError as e:
            report({"error": "cannot start %s: %s" % (a[0], e)}, 1)
        os.close(fd_in)
        signal.alarm(timeout)
        try:
            _, status = os.waitpid(pid, 0)
        except Late:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            report({"error": "timed out after %ds: %s" % (timeout, " ".join(a))}, 1)
        signal.alarm(0)
        after = os.fstat(fd_err).st_size
        if not (os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0):
            tail = _read_range(err_path, before, after)
            report({"error": "%s\n  command: %s\n  stderr: %s"
                    % (_describe_status(status), " ".join(a),
                       tail.strip() or "(empty)")}, 1)
        if after > before:
            noisy += 1
            if noise is None:
                noise = _read_range(err_path, before, after).strip()
    report({"n": len(items), "secs": time.perf_counter() - t0,
            "noisy": noisy, "noise": noise}, 0)


def _read_range(path, start, end):
    with open(path, "rb") as f:
        f.seek(start)
        return f.read(min(end - start, 2000)).decode("utf-8", "replace")


def qsubmit(args):
    """PROCS concurrent submitters, each running CMD sequentially: --per N
    times each, --total N times in all, or once per line of --items FILE
    ("{}" in CMD is the line; the lines are dealt out round-robin).  Wall time runs from the start signal
    (all submitters already forked and waiting) to the last one's exit;
    one JSON line is appended to --out."""
    opts, argv = _qopts(args, {"--procs": None, "--per": "0", "--total": "0",
                               "--items": "",
                               "--input": os.devnull, "--label": None,
                               "--out": None, "--errdir": None,
                               "--timeout": "600"})
    procs, per, total = int(opts["--procs"]), int(opts["--per"]), int(opts["--total"])
    if not argv or procs < 1:
        raise SystemExit("qsubmit: usage error")
    if opts["--items"]:
        with open(opts["--items"]) as f:
            lines = [l.strip() for l in f if l.strip()]
        shares = [lines[k::procs] for k in range(procs)]
    elif total:
        shares = [[None] * (total // procs + (k < total % procs)) for k in range(procs)]
    else:
        shares = [[None] * per for _ in range(procs)]
    go_r, go_w = os.pipe()
    workers = []
    for k in range(procs):
        res_r, res_w = os.pipe()
        err_path = os.path.join(opts["--errdir"], "%s.%d.err" % (opts["--label"], k))
        pid = os.fork()
        if pid == 0:
            try:
                os.close(go_w)
                os.close(res_r)
                _submit_worker(argv, shares[k], opts["--input"], go_r, res_w,
                               err_path, int(opts["--timeout"]))
            finally:
                os._exit(1)
        os.close(res_w)
        workers.append((pid, res_r))
    os.close(go_r)
    t0 = time.perf_counter()
    os.close(go_w)  # every submitter's read returns now
    results, failed = [], []
    for pid, res_r in workers:
        chunks = []
        while True:
            b = os.read(res_r, 65536)
            if not b:
                break
            chunks.append(b)
        os.close(res_r)
        _, status = os.waitpid(pid, 0)
        try:
            r = json.loads(b"".join(chunks) or b"{}")
        except ValueError:
            r = {}
        if status != 0 or "error" in r or "n" not in r:
            failed.append(r.get("error", "submitter died (%s)" % _describe_status(status)))
        results.append(r)
    wall = time.perf_counter() - t0
    if failed:
        raise SubmissionFailed("%s submission failed (%s)"
                               % (opts["--label"], failed[0]))
    n = sum(r["n"] for r in results)
    noise = [r["noise"] for r in results if r["noise"]]
    _append_json(opts["--out"], {
        "label": opts["--label"], "procs": procs, "submissions": n,
        "wall_s": wall, "rate": n / wall if wall else float("nan"),
        "worker_s": [r["secs"] for r in results],
        "noisy": sum(r["noisy"] for r in results),
        "noise": noise[0] if noise else None})
    print("%d submissions in %.2f s (%.0f msg/s)" % (n, wall, n / wall))


def _dir_files(paths, ignore):
    n = 0
    for d in paths:
        with os.scandir(d) as it:
            n += sum(1 for e in it if e.name not in ignore and not e.is_dir())
    return n


def _subreaper():
    """Orphaned descendants (dma -q's per-message processes outlive it)
    are re-parented to this process, so that it can wait for them, count
    their CPU time and make sure that none is left."""
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(36, 1, 0, 0, 0) != 0:  # PR_SET_CHILD_SUBREAPER
        raise SystemExit("prctl(PR_SET_CHILD_SUBREAPER): %s"
                         % os.strerror(ctypes.get_errno()))


def _reap(state):
    """Collect every exited descendant; note the main command's status."""
    while True:
        try:
            pid, status, ru = os.wait4(-1, os.WNOHANG)
        except ChildProcessError:
            state["none_left"] = True
            return
        if pid == 0:
            return
        state["cpu"] += ru.ru_utime + ru.ru_stime
        if pid == state["main"]:
            state["status"] = status
        elif not (os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0):
            state["bad"].append(_describe_status(status))


def qflush(args):
    """Run a queue flush (CMD) and time it until it is over: CMD has
    exited with status 0, smtp-sink has counted --expect more messages and
    the --empty directories hold no files (dma -q leaves one process per
    message running when it exits).  Polls every 10 ms.  CMD runs in a
    session of its own, with this process as subreaper: CPU time is that
    of every process of the flush, and none is left running.  Appends one
    JSON line to --out."""
    opts, argv = _qopts(args, {"--label": None, "--out": None, "--sink-log": None,
                               "--expect": None, "--empty": None, "--ignore": None,
                               "--user": "", "--cwd": "", "--stderr": None,
                               "--cpu-complete": "yes", "--timeout": "1800"},
                        multi=("--empty", "--ignore"))
    import subprocess
    expect, timeout = int(opts["--expect"]), float(opts["--timeout"])
    label = opts["--label"]
    _subreaper()
    m0, s0 = _sink_tail(opts["--sink-log"])
    kw = {}
    if opts["--user"]:
        kw = {"user": opts["--user"], "group": opts["--user"], "extra_groups": []}
    err = open(opts["--stderr"], "wb")
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=err, stderr=err,
                            cwd=opts["--cwd"] or None, start_new_session=True, **kw)
    proc.returncode = 0  # reaped by _reap; keep Popen from waiting itself
    err.close()
    st = {"main": proc.pid, "status": None, "cpu": 0.0, "none_left": False, "bad": []}
    exited = end = None
    try:
        while end is None:
            now = time.perf_counter()
            _reap(st)
            if exited is None and st["status"] is not None:
                exited = now
                if not (os.WIFEXITED(st["status"]) and os.WEXITSTATUS(st["status"]) == 0):
                    raise SubmissionFailed(
                        "%s failed (%s)\n  command: %s\n  output: %s"
                        % (label, _describe_status(st["status"]), " ".join(argv),
                           _read(opts["--stderr"]).strip()[-1500:]))
            if exited is not None and _sink_tail(opts["--sink-log"])[0] - m0 >= expect \
                    and _dir_files(opts["--empty"], opts["--ignore"]) == 0:
                end = now
                break
            if now - t0 > timeout:
                m, _ = _sink_tail(opts["--sink-log"])
                raise SubmissionFailed(
                    "%s: not done after %.0f s (command %s, smtp-sink counted %d of %d, "
                    "%d files left in the spool)"
                    % (label, timeout, "exited" if exited else "still running",
                       m - m0, expect, _dir_files(opts["--empty"], opts["--ignore"])))
            time.sleep(0.01)
        # The flush is over; its last processes are exiting.
        limit = time.perf_counter() + 10
        while not st["none_left"] and time.perf_counter() < limit:
            _reap(st)
            time.sleep(0.01)
        if not st["none_left"]:
            raise SubmissionFailed("%s: processes still running 10 s after the flush was over"
                                   % label)
        if st["bad"]:
            raise SubmissionFailed("%s: %d of the flush's other processes failed (%s)"
                                   % (label, len(st["bad"]), st["bad"][0]))
    finally:
        if not st["none_left"]:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    time.sleep(0.5)  # a message delivered twice would show up now
    m, s = _sink_tail(opts["--sink-log"])
    wall = end - t0
    _append_json(opts["--out"], {
        "label": label, "messages": expect, "wall_s": wall,
        "cmd_exit_s": exited - t0, "rate": expect / wall,
        "delivered": m - m0, "sessions": s - s0, "cpu_s": st["cpu"],
        "cpu_complete": opts["--cpu-complete"] == "yes",
        "output_bytes": os.path.getsize(opts["--stderr"])})
    print("%d messages in %.2f s (%.0f msg/s), %.2f s CPU%s; smtp-sink: %d messages, %d sessions"
          % (expect, wall, expect / wall, st["cpu"],
             "" if opts["--cpu-complete"] == "yes" else " (incomplete)", m - m0, s - s0))


def qids(args):
    """qids LISTJSON N HELD: print the ids `--queue-list --json` gave;
    exit 1 unless there are N entries of which HELD are held."""
    path, n, held = args[0], int(args[1]), int(args[2])
    with open(path) as f:
        entries = json.load(f)["entries"]
    got_held = sum(1 for e in entries if e.get("held"))
    if len(entries) != n or got_held != held:
        print("qids: %d entries (%d held), expected %d (%d held)"
              % (len(entries), got_held, n, held), file=sys.stderr)
        sys.exit(1)
    for e in entries:
        print(e["id"])


QUEUE_PEERS = ("dsmtp", "dma", "nullmailer")


def _by_label(rows):
    out = {}
    for r in rows:
        out.setdefault(r["label"], []).append(r)
    return out


def report_queue(args):
    """Queue group: enqueue rates, flush, memory of the queue commands."""
    opts = _opts(args, ("--enqueue", "--fill", "--flush", "--memfill", "--hold",
                        "--mem", "--peers", "--skipped"))
    present = opts["--peers"].split()
    enq = _by_label(_load_jsonl(opts["--enqueue"]))
    fill = _by_label(_load_jsonl(opts["--fill"]))
    flush = {r["label"]: r for r in _load_jsonl(opts["--flush"])}
    memfill = _load_jsonl(opts["--memfill"])[0]
    hold = _load_jsonl(opts["--hold"])[0]
    mem = json.load(open(opts["--mem"]))["peers"]
    e0 = next(iter(enq.values()))[0]
    per = e0["submissions"] // e0["procs"]
    rounds = len(enq["dsmtp"])
    nflush = flush["dsmtp"]["messages"]

    def cells(get, fmt):
        return [fmt % get(p) if p in present else "skipped" for p in QUEUE_PEERS]

    def ratios(get, use=True):
        if not use:
            return ["-", "-"]
        return ["%.2fx" % (get("dsmtp") / get(p)) if p in present and get(p) else "-"
                for p in QUEUE_PEERS[1:]]

    def enq_rate(p):
        return _med([r["rate"] for r in enq[p]])

    rows, verdicts = [], []
    rows.append(["%d x %d x 2 KB enqueue, %d concurrent, median of %d rounds (msg/s)"
                 % (e0["procs"], per, e0["procs"], rounds)]
                + cells(enq_rate, "%.0f") + ratios(enq_rate) + ["-", "-"])
    rows.append(["%s x 2 KB enqueue into an empty spool, %d concurrent (msg/s)"
                 % (format(nflush, ","), e0["procs"])]
                + cells(lambda p: fill[p][0]["rate"], "%.0f")
                + ratios(lambda p: fill[p][0]["rate"]) + ["-", "-"])
    ok = flush["dsmtp"]["rate"] >= 1000
    verdicts.append(ok)
    rows.append(["flush of %s queued 2 KB to smtp-sink (msg/s)" % format(nflush, ",")]
                + cells(lambda p: flush[p]["rate"], "%.0f")
                + ratios(lambda p: flush[p]["rate"]) + ["dsmtp >= 1000", _verdict(ok)])
    rows.append(["flush: wall (s)"] + cells(lambda p: flush[p]["wall_s"], "%.2f")
                + ratios(lambda p: flush[p]["wall_s"]) + ["-", "-"])
    def cpu(p):
        return flush[p]["cpu_s"] if flush[p]["cpu_complete"] else float("nan")

    rows.append(["flush: CPU, all its processes (s)"]
                + [c.replace("nan", "n/a") for c in cells(cpu, "%.2f")]
                + [c if "nan" not in c else "-" for c in ratios(cpu)] + ["-", "-"])
    rows.append(["flush: SMTP sessions (smtp-sink)"]
                + cells(lambda p: flush[p]["sessions"], "%d") + ratios(None, False) + ["-", "-"])
    rows.append(["flush: messages smtp-sink counted"]
                + cells(lambda p: flush[p]["delivered"], "%d") + ratios(None, False) + ["-", "-"])
    head = ["figure", "dsmtp", "dma", "nullmailer", "dsmtp/dma", "dsmtp/nullmailer",
            "target", "status"]
    _table(head, rows)
    print("dsmtp/PEER: above 1 in the msg/s rows, below 1 in the wall and CPU rows: dsmtp is faster")

    print()
    lst, run = mem["list"], mem["run"]
    n = memfill["submissions"]
    mrows = []
    for label, p, what in (("--queue-list", lst, "--queue-list"),
                           ("--queue-run", run, "--queue-run, nothing due")):
        rss = max(p["rss_kib"]) / 1024
        ok = rss < 32
        verdicts.append(ok)
        mrows.append(["%s, %s entries: peak RSS (MiB)" % (what, format(n, ",")),
                      "%.2f" % rss, "< 32 MiB", _verdict(ok)])
        mrows.append(["%s: wall, median (s)" % label, "%.3f" % _med(p["wall_s"]), "-", "-"])
        mrows.append(["%s: user+sys CPU, median (s)" % label, "%.3f" % _med(p["cpu_s"]),
                      "-", "-"])
    _table(["figure", "dsmtp", "target", "status"], mrows)
    _targets_met(verdicts)

    print()
    print("enqueue rate per round (min / median / max, msg/s):")
    for p in present:
        r = sorted(x["rate"] for x in enq[p])
        print("  %-10s %.0f / %.0f / %.0f over %d rounds of %d messages"
              % (p, r[0], _med(r), r[-1], len(r), enq[p][0]["submissions"]))
    for p in present:
        f = flush[p]
        print("  flush %-10s done after %.2f s, the command itself exited after %.2f s; "
              "%d bytes of output" % (p, f["wall_s"], f["cmd_exit_s"], f["output_bytes"]))
        if not f["cpu_complete"]:
            print("  flush %-10s CPU n/a: it ignores SIGCHLD, so the kernel discards the CPU "
                  "time of its per-message processes (%.2f s counted)" % (p, f["cpu_s"]))
        if f["delivered"] != f["messages"]:
            print("  NOTE: %s: smtp-sink counted %d messages for %d queued (%s)"
                  % (p, f["delivered"], f["messages"],
                     "duplicates" if f["delivered"] > f["messages"] else "missing"))
    print("  memory set-up: %d x dsmtp -odq at %.0f msg/s, %d x --queue-hold=ID at %.0f/s"
          % (memfill["submissions"], memfill["rate"], hold["submissions"], hold["rate"]))
    for label, p in (("--queue-list", lst), ("--queue-run", run)):
        r = [x / 1024 for x in p["rss_kib"]]
        w = sorted(p["wall_s"])
        print("  %-12s rss %.2f-%.2f MiB; wall %.2f / %.2f / %.2f s; n=%d"
              % (label, min(r), max(r), w[0], _med(w), w[-1], len(w)))
    for p in present:
        noisy = sum(x["noisy"] for x in enq[p] + fill[p])
        if noisy:
            ex = next(x["noise"] for x in enq[p] + fill[p] if x["noise"])
            print("  note: %s wrote to stderr on %d successful submissions, e.g.: %s"
                  % (p, noisy, ex.splitlines()[0]))
    for label, p in (("--queue-list", lst), ("--queue-run", run)):
        _noise_line("memory", label, p)
    if opts["--skipped"]:
        print("  skipped: dma and nullmailer: %s" % opts["--skipped"])


def mxbed(args):
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                    "..", "tests", "lib"))
    import dnsbed
    n = int(args[0])
    zone = ("$ORIGIN bench.test.\n$TTL 300\n@ SOA ns.example.test. "
            "hostmaster.example.test. 1 3600 600 86400 300\n"
            "@ NS ns.example.test.\n")
    for i in range(1, n + 1):
        zone += "d%d MX 10 mx.d%d\nmx.d%d A 127.0.4.%d\n" % (i, i, i, i)
    why = dnsbed.problem()
    if why:
        raise SubmissionFailed("the DNS bed cannot run: %s" % why)
    bed = dnsbed.Bed({"bench.test": zone}).start()
    try:
        print(bed.ns, flush=True)
        sys.stdin.read()
    finally:
        bed.stop()


def report_mx(args):
    opts, _ = _qopts(args, {"--flush": None, "--messages": None, "--domains": None})
    runs = {}
    for line in open(opts["--flush"]):
        r = json.loads(line)
        runs.setdefault(r["label"], []).append(r["wall_s"])
    n = int(opts["--messages"])
    print("  flush of %s messages to %s domains (one MX host each), by one queue run:"
          % (n, opts["--domains"]))
    print("  %-8s %6s %10s %12s   %s" % ("peer", "runs", "median s", "messages/s", "all runs (s)"))
    med = {}
    for label, walls in runs.items():
        m = statistics.median(walls)
        med[label] = m
        print("  %-8s %6d %10.2f %12.0f   %s" % (label, len(walls), m, n / m,
                                              " ".join("%.2f" % w for w in walls)))
    if "dsmtp" in med and "dma" in med:
        print("  dsmtp delivers %.1fx dma's rate (target: at least 5x)"
              % (med["dma"] / med["dsmtp"]))


def sinkstat(path):
    m, s = _sink_tail(path)
    print("%d %d" % (m, s))


# ---------------------------------------------------------------- misc

def freeport():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    print(s.getsockname()[1])
    s.close()


def sinkcount(path):
    data = open(path, "rb").read().decode("ascii", "replace")
    counts = re.findall(r"mesg=(\d+)", data)
    print(counts[-1] if counts else 0)


def main():
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    cmd, args = sys.argv[1], sys.argv[2:]
    try:
        if cmd == "genmsg":
            genmsg(int(args[0]), args[1])
        elif cmd == "freeport":
            freeport()
        elif cmd == "sinkcount":
            sinkcount(args[0])
        elif cmd == "permsg":
            permsg(args)
        elif cmd == "floor":
            floor(args)
        elif cmd == "report":
            report(args)
        elif cmd == "report-dkim":
            report_dkim(args)
        elif cmd == "report-tls":
            report_tls(args)
        elif cmd == "capture":
            capture(args)
        elif cmd == "dkimverify":
            dkimverify(args)
        elif cmd == "pflog":
            pflog(args)
        elif cmd == "qsubmit":
            qsubmit(args)
        elif cmd == "qflush":
            qflush(args)
        elif cmd == "qids":
            qids(args)
        elif cmd == "sinkstat":
            sinkstat(args[0])
        elif cmd == "report-queue":
            report_queue(args)
        elif cmd == "mxbed":
            mxbed(args)
        elif cmd == "report-mx":
            report_mx(args)
        else:
            raise SystemExit("unknown subcommand %r" % cmd)
    except SubmissionFailed as e:
        print("bench: FAILED: %s" % e, file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
