#!/usr/bin/env bash
# Benchmark: dsmtp vs msmtp relaying to Postfix's smtp-sink on 127.0.0.1.
# Not run by CI.  See bench/README.md for what it measures and how to read it.
#
# Environment (all optional):
#   RUNS_2K=15 RUNS_50M=5   measured runs per peer for the 2 KB / 50 MiB message
#   WARMUP=1                unmeasured rounds before each per-message series
#   LOOP_N=1000             sequential submissions per peer in the loop test
#   LOOP_BLOCKS=10          the loop runs in this many interleaved blocks
#   BIG_BYTES=52428800      size of the large message
#   SUBMIT_TIMEOUT=600      seconds before one submission counts as failed
#   SKIP_BUILD=1            do not run make (use the existing src/dsmtp)
#   DSMTP=/path/to/dsmtp    measure this binary instead (implies SKIP_BUILD=1)
#   MSMTP=/path/to/msmtp    msmtp binary (default: msmtp from PATH)
#   GNU_TIME=/usr/bin/time  GNU time binary
#   KEEP_TMP=1              keep the work directory (configs, messages, logs)
#
# Exit status: 0 when the benchmark ran (whatever the timings), 1 when it
# could not run or any submission failed.

set -euo pipefail
export LC_ALL=C

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
HELPER="$HERE/bench.py"

RUNS_2K=${RUNS_2K:-15}
RUNS_50M=${RUNS_50M:-5}
WARMUP=${WARMUP:-1}
LOOP_N=${LOOP_N:-1000}
LOOP_BLOCKS=${LOOP_BLOCKS:-10}
BIG_BYTES=${BIG_BYTES:-52428800}
SUBMIT_TIMEOUT=${SUBMIT_TIMEOUT:-600}
SKIP_BUILD=${SKIP_BUILD:-0}
KEEP_TMP=${KEEP_TMP:-0}
GNU_TIME=${GNU_TIME:-/usr/bin/time}
RCPT=rcpt@example.org

say() { printf '# %s\n' "$*"; }
die() {
	printf 'bench: FAILED: %s\n' "$*" >&2
	exit 1
}

for v in RUNS_2K RUNS_50M WARMUP LOOP_N LOOP_BLOCKS BIG_BYTES SUBMIT_TIMEOUT; do
	[[ ${!v} =~ ^[0-9]+$ ]] || die "$v must be a non-negative integer, not '${!v}'"
done
((RUNS_2K >= 1 && RUNS_50M >= 1 && LOOP_N >= 1 && LOOP_BLOCKS >= 1)) ||
	die "RUNS_2K, RUNS_50M, LOOP_N and LOOP_BLOCKS must be at least 1"
((LOOP_BLOCKS <= LOOP_N)) || LOOP_BLOCKS=$LOOP_N

# ------------------------------------------------------------------ tools

command -v python3 >/dev/null || die "python3 not found"
SMTP_SINK=$(PATH="$PATH:/usr/sbin:/usr/local/sbin" command -v smtp-sink) ||
	die "smtp-sink not found (Debian package 'postfix')"
MSMTP=${MSMTP:-$(command -v msmtp || true)}
[[ -n $MSMTP && -x $MSMTP ]] || die "msmtp not found (Debian package 'msmtp')"
if ! [[ -x $GNU_TIME ]] || ! "$GNU_TIME" --version 2>&1 | grep -q GNU; then
	die "GNU time not found at $GNU_TIME (Debian package 'time')"
fi

# ------------------------------------------------------------------ work dir

WORK=$(mktemp -d "${TMPDIR:-/tmp}/dsmtp-bench.XXXXXX")
SINK_PID=

# shellcheck disable=SC2317  # invoked through the EXIT trap
cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	if [[ -n $SINK_PID ]] && kill -0 "$SINK_PID" 2>/dev/null; then
		kill "$SINK_PID" 2>/dev/null || true
		wait "$SINK_PID" 2>/dev/null || true
	fi
	if [[ $KEEP_TMP == 1 ]]; then
		echo "bench: work directory kept: $WORK" >&2
	else
		rm -rf "$WORK"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ------------------------------------------------------------------ build

if [[ -n ${DSMTP:-} ]]; then
	[[ -x $DSMTP ]] || die "DSMTP=$DSMTP is not executable"
	SKIP_BUILD=1
else
	DSMTP="$ROOT/src/dsmtp"
fi
if [[ $SKIP_BUILD != 1 ]]; then
	say "building dsmtp (make in $ROOT)"
	if [[ ! -f $ROOT/Makefile ]]; then
		(cd "$ROOT" && ./autogen.sh && ./configure) >"$WORK/build.log" 2>&1 ||
			{ tail -n 30 "$WORK/build.log" >&2; die "configure failed"; }
	fi
	make -C "$ROOT" >>"$WORK/build.log" 2>&1 ||
		{ tail -n 30 "$WORK/build.log" >&2; die "make failed"; }
fi
[[ -x $DSMTP ]] || die "$DSMTP not found; build dsmtp first"
# Measure a private copy, so a rebuild during the run cannot swap binaries.
cp "$DSMTP" "$WORK/dsmtp"
DSMTP_RUN="$WORK/dsmtp"

# ------------------------------------------------------------------ smtp-sink

SINK_USER=()
((EUID == 0)) && SINK_USER=(-u nobody)

start_sink() {
	local _ i
	for _ in 1 2 3 4 5; do
		PORT=$(python3 "$HELPER" freeport)
		# -c: running counters (used to check that every message arrived).
		# Default features: ESMTP, PIPELINING, 8BITMIME, DSN, ENHANCEDSTATUSCODES;
		# smtp-sink has no SIZE announcement and no size limit.
		"$SMTP_SINK" -c "${SINK_USER[@]}" "127.0.0.1:$PORT" 1000 \
			>"$WORK/sink.log" 2>&1 &
		SINK_PID=$!
		for i in $(seq 50); do
			kill -0 "$SINK_PID" 2>/dev/null || break
			if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
				return 0
			fi
			sleep 0.1
		done
		kill "$SINK_PID" 2>/dev/null || true
		wait "$SINK_PID" 2>/dev/null || true
		SINK_PID=
	done
	cat "$WORK/sink.log" >&2
	die "could not start smtp-sink on 127.0.0.1"
}
start_sink

# ------------------------------------------------------------------ configs

umask 077
cat >"$WORK/dsmtp.conf" <<EOF
account default
host 127.0.0.1
port $PORT
syslog off
qualify_domain example.net
EOF
cat >"$WORK/msmtp.conf" <<EOF
account default
host 127.0.0.1
port $PORT
from bench@example.net
tls off
auth off
syslog off
EOF
chmod 600 "$WORK/dsmtp.conf" "$WORK/msmtp.conf"

# ------------------------------------------------------------------ messages

MSG_2K="$WORK/msg-2k.eml"
MSG_BIG="$WORK/msg-50m.eml"
python3 "$HELPER" genmsg 2048 "$MSG_2K" || die "cannot write the 2 KB message"
python3 "$HELPER" genmsg "$BIG_BYTES" "$MSG_BIG" || die "cannot write the large message"
cat "$MSG_2K" "$MSG_BIG" >/dev/null # warm the page cache

DSMTP_CMD=("$DSMTP_RUN" -C "$WORK/dsmtp.conf" -i "$RCPT")
MSMTP_CMD=("$MSMTP" -C "$WORK/msmtp.conf" "$RCPT")

# ------------------------------------------------------------------ header

START=$EPOCHREALTIME
say "dsmtp: $("$DSMTP_RUN" --version 2>/dev/null | head -n 1 || true)" \
	"($DSMTP, sha256 $(sha256sum "$DSMTP_RUN" | cut -c1-12))"
say "msmtp: $("$MSMTP" --version 2>/dev/null | head -n 1 || true) ($MSMTP)"
say "smtp-sink: $SMTP_SINK on 127.0.0.1:$PORT (pid $SINK_PID)"
say "host: $(uname -sr), $(nproc) CPUs, load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
say "runs: 2 KB x $RUNS_2K, $BIG_BYTES-byte x $RUNS_50M (+$WARMUP warm-up each)," \
	"loop $LOOP_N x 2 KB in $LOOP_BLOCKS blocks; order dsmtp msmtp dsmtp msmtp ..."

# ------------------------------------------------------------------ per message

# What spawning any process costs here, for reading the small-message figures.
FLOOR=$(python3 "$HELPER" floor 30) || die "cannot spawn /bin/true"

permsg() { # MSG RUNS JSON
	python3 "$HELPER" permsg --runs "$2" --warmup "$WARMUP" --input "$1" \
		--json "$3" --time "$GNU_TIME" --timeout "$SUBMIT_TIMEOUT" \
		-- dsmtp "${DSMTP_CMD[@]}" --- msmtp "${MSMTP_CMD[@]}" ||
		die "per-message benchmark aborted (see above)"
}

say "per-message: 2 KB"
permsg "$MSG_2K" "$RUNS_2K" "$WORK/permsg-2k.json"
say "per-message: $BIG_BYTES bytes"
permsg "$MSG_BIG" "$RUNS_50M" "$WORK/permsg-50m.json"

# ------------------------------------------------------------------ loop

usec() { # EPOCHREALTIME -> microseconds
	local t=${1//[.,]/}
	echo $((10#$t))
}

loop_block() { # LABEL N CMD...
	local label=$1 n=$2 i rc t0 t1
	shift 2
	t0=$(usec "$EPOCHREALTIME")
	for ((i = 0; i < n; i++)); do
		"$@" <"$MSG_2K" >/dev/null 2>>"$WORK/loop-$label.err" || {
			rc=$?
			tail -n 5 "$WORK/loop-$label.err" >&2
			die "$label loop submission $i failed with exit status $rc: $*"
		}
	done
	t1=$(usec "$EPOCHREALTIME")
	printf '%s %d %d.%06d\n' "$label" "$n" $(((t1 - t0) / 1000000)) \
		$(((t1 - t0) % 1000000)) >>"$WORK/loop.tsv"
}

say "sequential loop: $LOOP_N x 2 KB per peer"
: >"$WORK/loop.tsv"
: >"$WORK/loop-dsmtp.err"
: >"$WORK/loop-msmtp.err"
base=$((LOOP_N / LOOP_BLOCKS))
for ((b = 0; b < LOOP_BLOCKS; b++)); do
	n=$base
	((b == LOOP_BLOCKS - 1)) && n=$((LOOP_N - base * (LOOP_BLOCKS - 1)))
	loop_block dsmtp "$n" "${DSMTP_CMD[@]}"
	loop_block msmtp "$n" "${MSMTP_CMD[@]}"
done

# ------------------------------------------------------------------ checks

kill -0 "$SINK_PID" 2>/dev/null || die "smtp-sink died during the run"
expected=$(python3 - "$WORK/permsg-2k.json" "$WORK/permsg-50m.json" <<'EOF'
import json, sys
print(sum(json.load(open(p))["submissions"] for p in sys.argv[1:]))
EOF
)
expected=$((expected + 2 * LOOP_N))
received=0
for i in $(seq 20); do
	received=$(python3 "$HELPER" sinkcount "$WORK/sink.log")
	((received >= expected)) && break
	sleep 0.1
done
((received >= expected)) ||
	die "smtp-sink counted $received messages, but $expected submissions exited 0"

# ------------------------------------------------------------------ report

END=$EPOCHREALTIME
echo
python3 "$HELPER" report --permsg-2k "$WORK/permsg-2k.json" \
	--permsg-50m "$WORK/permsg-50m.json" --loop "$WORK/loop.tsv" \
	--loop-n "$LOOP_N" || die "report failed"
for p in dsmtp msmtp; do
	if [[ -s $WORK/loop-$p.err ]]; then
		echo "  note: $p wrote to stderr during the loop ($(wc -l <"$WORK/loop-$p.err") lines), e.g.: $(head -n 1 "$WORK/loop-$p.err")"
	fi
done
echo "  process spawn floor (/bin/true, same harness): $FLOOR"
echo "  smtp-sink received $received messages ($expected submissions, all exited 0)"
echo "  load average at end: $(cut -d' ' -f1-3 /proc/loadavg);" \
	"total time $(python3 -c "print('%.0f' % ($END - $START))") s"
exit 0
