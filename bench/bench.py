#!/usr/bin/env python3
"""Helpers for bench/run.sh: message generation, per-message runs, report.

Subcommands:
  genmsg SIZE FILE            write a test message of exactly SIZE bytes
  freeport                    print a free TCP port on 127.0.0.1
  sinkcount LOGFILE           print the last "mesg=N" counter of smtp-sink -c
  permsg --runs N --warmup W --input MSG --json OUT --time GNU_TIME
         [--timeout SEC] -- LABEL CMD... --- LABEL CMD...
                              run the commands interleaved (A B A B ...)
  floor RUNS                  median cost of spawning /bin/true
  report --permsg-2k J --permsg-50m J --loop TSV --loop-n N
                              print the result table

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


def _spawn(argv, stdin_path, err_path, timeout):
    """Run argv with stdin from a file; return (wall_s, rusage, status)."""
    fd_in = os.open(stdin_path, os.O_RDONLY)
    fd_err = os.open(err_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    fd_null = os.open(os.devnull, os.O_WRONLY)
    try:
        t0 = time.perf_counter_ns()
        pid = os.posix_spawn(
            argv[0], argv, os.environ,
            file_actions=[
                (os.POSIX_SPAWN_DUP2, fd_in, 0),
                (os.POSIX_SPAWN_DUP2, fd_null, 1),
                (os.POSIX_SPAWN_DUP2, fd_err, 2),
            ],
        )
    finally:
        os.close(fd_in)
        os.close(fd_err)
        os.close(fd_null)
    timed_out = []

    def kill():
        timed_out.append(True)
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    watchdog = threading.Timer(timeout, kill)
    watchdog.start()
    try:
        _, status, ru = os.wait4(pid, 0)
    finally:
        watchdog.cancel()
    if timed_out:
        raise SubmissionFailed("%s: timed out after %ds" % (argv[0], timeout))
    wall = (time.perf_counter_ns() - t0) / 1e9
    return wall, ru, status


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


def _check(label, argv, status, err_path):
    if os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0:
        return
    raise SubmissionFailed(
        "%s submission failed (%s)\n  command: %s\n  stderr: %s"
        % (label, _describe_status(status), " ".join(argv),
           _read(err_path).strip() or "(empty)"))


def _parse_gnu_time(path):
    text = _read(path, 100000)
    rss = re.search(r"Maximum resident set size \(kbytes\):\s*(\d+)", text)
    ex = re.search(r"Exit status:\s*(\d+)", text)
    if not rss or not ex:
        raise SubmissionFailed("cannot parse GNU time output:\n" + text)
    return int(rss.group(1)), int(ex.group(1))


def permsg(args):
    opts = {"--runs": None, "--warmup": "1", "--input": None, "--json": None,
            "--time": "/usr/bin/time", "--timeout": "600"}
    i = 0
    while i < len(args) and args[i] != "--":
        if args[i] not in opts or i + 1 >= len(args):
            raise SystemExit("permsg: bad argument %r" % args[i])
        opts[args[i]] = args[i + 1]
        i += 2
    peers = []
    cur = []
    for a in args[i + 1:]:
        if a == "---":
            peers.append(cur)
            cur = []
        else:
            cur.append(a)
    peers.append(cur)
    if any(len(p) < 2 for p in peers) or None in opts.values():
        raise SystemExit("permsg: usage error")
    runs = int(opts["--runs"])
    warmup = int(opts["--warmup"])
    timeout = int(opts["--timeout"])
    msg = opts["--input"]
    gtime = opts["--time"]
    tmpdir = tempfile.mkdtemp(prefix="permsg.", dir=os.path.dirname(opts["--json"]))
    err_path = os.path.join(tmpdir, "stderr")
    time_path = os.path.join(tmpdir, "time")

    res = {p[0]: {"argv": p[1:], "wall_s": [], "cpu_s": [], "user_s": [],
                  "sys_s": [], "rss_kib": [], "stderr_on_success": []}
           for p in peers}
    submissions = 0
    for rnd in range(warmup + runs):
        counted = rnd >= warmup
        # pass 1: wall + CPU, direct spawn, A B A B ...
        for p in peers:
            label, argv = p[0], p[1:]
            wall, ru, status = _spawn(argv, msg, err_path, timeout)
            submissions += 1
            _check(label, argv, status, err_path)
            noise = _read(err_path).strip()
            if noise:
                res[label]["stderr_on_success"].append(noise)
            if counted:
                r = res[label]
                r["wall_s"].append(wall)
                r["user_s"].append(ru.ru_utime)
                r["sys_s"].append(ru.ru_stime)
                r["cpu_s"].append(ru.ru_utime + ru.ru_stime)
        # pass 2: peak RSS under GNU time -v, A B A B ...
        for p in peers:
            label, argv = p[0], p[1:]
            targv = [gtime, "-v", "-o", time_path, "--"] + argv
            _, _, status = _spawn(targv, msg, err_path, timeout)
            submissions += 1
            _check(label, argv, status, err_path)
            rss, ex = _parse_gnu_time(time_path)
            if ex != 0:
                raise SubmissionFailed("%s: GNU time reports exit status %d"
                                       % (label, ex))
            if counted:
                res[label]["rss_kib"].append(rss)
    for f in (err_path, time_path):
        if os.path.exists(f):
            os.unlink(f)
    os.rmdir(tmpdir)
    out = {"input": msg, "input_bytes": os.path.getsize(msg), "runs": runs,
           "warmup": warmup, "submissions": submissions, "peers": res}
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
        wall, ru, status = _spawn(["/bin/true"], os.devnull, os.devnull, 60)
        _check("/bin/true", ["/bin/true"], status, os.devnull)
        walls.append(wall)
        cpus.append(ru.ru_utime + ru.ru_stime)
    print("%.2f ms wall, %.2f ms CPU (median of %d)"
          % (_med(walls) * 1e3, _med(cpus) * 1e3, runs))


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
                     "-" if ok is None else ("met" if ok else "NOT MET")))
    widths = [max(len(str(r[i])) for r in [head] + body) for i in range(6)]

    def line(r):
        cells = [str(r[0]).ljust(widths[0])]
        cells += [str(r[i]).rjust(widths[i]) for i in (1, 2, 3)]
        cells += [str(r[i]).ljust(widths[i]) for i in (4, 5)]
        return "| " + " | ".join(cells) + " |"

    sep = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    print(line(head))
    print(sep)
    for r in body:
        print(line(r))
    verdicts = [ok for *_, ok in rows if ok is not None]
    print()
    print("targets met: %d of %d" % (sum(verdicts), len(verdicts)))

    print()
    print("spread (min / median / max) per figure:")
    for data, tag in ((small, tag_small), (big, tag_big)):
        for label in (A, B):
            p = data["peers"][label]
            w = sorted(x * 1e3 for x in p["wall_s"])
            c = sorted(x * 1e3 for x in p["cpu_s"])
            u = _med(p["user_s"]) * 1e3
            s = _med(p["sys_s"]) * 1e3
            r = [x / 1024 for x in p["rss_kib"]]
            print("  %-6s %-5s wall %.2f / %.2f / %.2f ms; cpu %.2f / %.2f / %.2f ms "
                  "(median user %.2f, sys %.2f); rss %.2f-%.2f MiB; n=%d"
                  % (tag, label, w[0], _med(w), w[-1], c[0], _med(c), c[-1],
                     u, s, min(r), max(r), len(w)))
    for label in (A, B):
        n, secs = loops[label]
        print("  loop   %-5s %d messages in %.2f s = %.2f ms per message"
              % (label, n, secs, secs / n * 1e3))
    for data, tag in ((small, tag_small), (big, tag_big)):
        for label in (A, B):
            noise = data["peers"][label]["stderr_on_success"]
            if noise:
                print("  note: %s wrote to stderr on %d successful %s runs, e.g.: %s"
                      % (label, len(noise), tag, noise[0].splitlines()[0]))


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
        else:
            raise SystemExit("unknown subcommand %r" % cmd)
    except SubmissionFailed as e:
        print("bench: FAILED: %s" % e, file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
