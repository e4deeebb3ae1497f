#!/usr/bin/env bash
# Benchmark dsmtp against msmtp, dma and nullmailer (and dsmtp against
# itself) on 127.0.0.1.
# Not run by CI.  See bench/README.md for what it measures and how to read it.
#
# Usage: bench/run.sh [GROUP]...     GROUP: plain, dkim, tls, queue, mx or all (default)
#   plain  dsmtp vs msmtp relaying to Postfix's smtp-sink (2 KB, 50 MiB, loop)
#   dkim   dsmtp signing (RSA + Ed25519) vs the same dsmtp not signing, to
#          smtp-sink; dkimsign | msmtp as a comparison
#   tls    2 KB over STARTTLS + AUTH PLAIN to a private Postfix smtpd,
#          dsmtp vs msmtp (needs root)
#   queue  durable enqueue (8 concurrent submitters) and flushing 10,000
#          queued messages to smtp-sink, dsmtp vs dma and nullmailer (these
#          two need root: they run in a private mount namespace); memory of
#          --queue-list and --queue-run with 100,000 entries queued
#   mx     direct delivery: 1,000 messages to 20 domains whose MX hosts are
#          on loopback in a network namespace with its own resolver, one
#          queue run each, dsmtp vs dma (bench/mx.sh; needs root)
#
# Environment (all optional):
#   RUNS_2K=15 RUNS_50M=5   measured runs per peer for the 2 KB / 50 MiB message
#   WARMUP=1                unmeasured rounds before each per-message series
#   LOOP_N=1000             sequential submissions per peer in the loop test
#   LOOP_BLOCKS=10          the loop runs in this many interleaved blocks
#   BIG_BYTES=52428800      size of the large message
#   SUBMIT_TIMEOUT=600      seconds before one submission counts as failed
#   QUEUE_PROCS=8           concurrent submitters (queue group)
#   QUEUE_PER=250           submissions per submitter per enqueue round
#   QUEUE_ROUNDS=3          enqueue rounds per peer, interleaved
#   FLUSH_N=10000           messages queued, then flushed, per peer
#   QMEM_N=100000           entries queued for the memory figures
#   QMEM_RUNS=3             runs of --queue-list and --queue-run each
#   QDAEMON_SECS=20         seconds the daemon runs over those entries
#   SKIP_BUILD=1            do not run make (use the existing build-bench/src/dsmtp)
#   DSMTP=/path/to/dsmtp    measure this binary instead (implies SKIP_BUILD=1)
#   MSMTP=/path/to/msmtp    msmtp binary (default: msmtp from PATH)
#   DKIMSIGN=/path          dkimpy's dkimsign (default: dkimsign from PATH)
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
QUEUE_PROCS=${QUEUE_PROCS:-8}
QUEUE_PER=${QUEUE_PER:-250}
QUEUE_ROUNDS=${QUEUE_ROUNDS:-3}
FLUSH_N=${FLUSH_N:-10000}
QMEM_N=${QMEM_N:-100000}
QMEM_RUNS=${QMEM_RUNS:-3}
QDAEMON_SECS=${QDAEMON_SECS:-20}
SKIP_BUILD=${SKIP_BUILD:-0}
KEEP_TMP=${KEEP_TMP:-0}
GNU_TIME=${GNU_TIME:-/usr/bin/time}
RCPT=rcpt@example.org

say() { printf '# %s\n' "$*"; }
die() {
	printf 'bench: FAILED: %s\n' "$*" >&2
	exit 1
}

# ------------------------------------------------------------------ groups

DO_PLAIN=0 DO_DKIM=0 DO_TLS=0 DO_QUEUE=0 DO_MX=0
(($# > 0)) || set -- all
for g in "$@"; do
	case $g in
	all) DO_PLAIN=1 DO_DKIM=1 DO_TLS=1 DO_QUEUE=1 DO_MX=1 ;;
	plain) DO_PLAIN=1 ;;
	dkim) DO_DKIM=1 ;;
	tls) DO_TLS=1 ;;
	queue) DO_QUEUE=1 ;;
	mx) DO_MX=1 ;;
	-h | --help)
		sed -n '2,/^$/s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
		exit 0
		;;
	*) die "unknown group '$g' (use plain, dkim, tls, queue, mx or all)" ;;
	esac
done
SELECTED=()
((DO_PLAIN)) && SELECTED+=(plain)
((DO_DKIM)) && SELECTED+=(dkim)
((DO_TLS)) && SELECTED+=(tls)
((DO_QUEUE)) && SELECTED+=(queue)
((DO_MX)) && SELECTED+=(mx)
NEED_SINK=$((DO_PLAIN || DO_DKIM || DO_QUEUE))
# The plain and dkim groups also send a 50 MiB message.
NEED_BIG=$((DO_PLAIN || DO_DKIM))

for v in RUNS_2K RUNS_50M WARMUP LOOP_N LOOP_BLOCKS BIG_BYTES SUBMIT_TIMEOUT \
	QUEUE_PROCS QUEUE_PER QUEUE_ROUNDS FLUSH_N QMEM_N QMEM_RUNS; do
	[[ ${!v} =~ ^[0-9]+$ ]] || die "$v must be a non-negative integer, not '${!v}'"
done
((RUNS_2K >= 1 && RUNS_50M >= 1 && LOOP_N >= 1 && LOOP_BLOCKS >= 1)) ||
	die "RUNS_2K, RUNS_50M, LOOP_N and LOOP_BLOCKS must be at least 1"
((QUEUE_PROCS >= 1 && QUEUE_PER >= 1 && QUEUE_ROUNDS >= 1 && FLUSH_N >= 1 &&
	QMEM_N >= 1 && QMEM_RUNS >= 1)) ||
	die "QUEUE_PROCS, QUEUE_PER, QUEUE_ROUNDS, FLUSH_N, QMEM_N and QMEM_RUNS must be at least 1"
((LOOP_BLOCKS <= LOOP_N)) || LOOP_BLOCKS=$LOOP_N

# ------------------------------------------------------------------ tools

SBIN_PATH="$PATH:/usr/sbin:/usr/local/sbin"
# Postfix is never installed (it would replace the machine's MTA):
# tests/peers.sh unpacks Debian's package here, and its programs run from
# there with LD_LIBRARY_PATH.
PEERS=${DSMTP_PEERS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/dsmtp-tests/peers}
PFROOT=$PEERS/postfix
PFLIB=$PFROOT/usr/lib/postfix
# Not for a command run in the background: `pf_run CMD &` forks a subshell
# that runs CMD as its child, so $! would be the subshell's pid, and
# killing it would leave CMD running.  Those commands carry the variable
# themselves (LD_LIBRARY_PATH=$PFLIB CMD &), so that $! is CMD's pid.
pf_run() { LD_LIBRARY_PATH=$PFLIB "$@"; }
command -v python3 >/dev/null || die "python3 not found"
MSMTP=${MSMTP:-$(command -v msmtp || true)}
[[ -n $MSMTP && -x $MSMTP ]] || die "msmtp not found (Debian package 'msmtp')"
if ! [[ -x $GNU_TIME ]] || ! "$GNU_TIME" --version 2>&1 | grep -q GNU; then
	die "GNU time not found at $GNU_TIME (Debian package 'time')"
fi
if ((NEED_SINK)); then
	SMTP_SINK=$PFROOT/usr/sbin/smtp-sink
	[[ -x $SMTP_SINK ]] || die "smtp-sink not found in $PFROOT (run tests/peers.sh)"
fi
if ((DO_DKIM)); then
	DKIMSIGN=${DKIMSIGN:-$(command -v dkimsign || true)}
	[[ -n $DKIMSIGN && -x $DKIMSIGN ]] ||
		die "dkimsign not found (Debian package 'python3-dkim')"
	# The signature check uses dkimpy too, with the interpreter it is
	# installed for (python3 in PATH may be another one).
	DKIM_PYTHON=$(sed -n '1s/^#! *\([^ ]*\).*/\1/p' "$DKIMSIGN")
	[[ -x $DKIM_PYTHON ]] || DKIM_PYTHON=/usr/bin/python3
	"$DKIM_PYTHON" -c 'import dkim, nacl' 2>/dev/null ||
		die "$DKIM_PYTHON cannot import dkim and nacl (Debian packages 'python3-dkim', 'python3-nacl')"
fi
if ((DO_TLS)); then
	((EUID == 0)) || die "the tls group runs a private Postfix instance and needs root"
	for t in certtool saslpasswd2; do
		PATH=$SBIN_PATH command -v "$t" >/dev/null ||
			die "$t not found (Debian packages 'gnutls-bin', 'sasl2-bin')"
	done
	[[ -x $PFLIB/sbin/master ]] || die "Postfix not unpacked in $PFROOT (run tests/peers.sh)"
	id dsmtp-pf >/dev/null 2>&1 || die "no 'dsmtp-pf' user (run tests/peers.sh as root)"
fi

# dma and nullmailer (queue group): unpacked by bench/fetch-peers.sh, run
# in a private mount namespace (bench/queue-ns.sh), which needs root.
# Without them the group still measures dsmtp.
QUEUE_PEERS=()
if ((DO_QUEUE)); then
	DMAROOT=$PEERS/dma
	NMROOT=$PEERS/nullmailer
	if ((EUID != 0)); then
		QUEUE_SKIP="not root: dma and nullmailer have their spool and configuration paths compiled in; they run in a private mount namespace (unshare -m), which needs root"
	elif ! command -v unshare >/dev/null || ! command -v mount >/dev/null; then
		QUEUE_SKIP="unshare or mount not found (Debian package 'util-linux', 'mount')"
	else
		QUEUE_SKIP=
		if [[ ! -x $DMAROOT/usr/sbin/dma || ! -x $NMROOT/usr/sbin/nullmailer-send ]]; then
			say "dma or nullmailer not unpacked in $PEERS: running bench/fetch-peers.sh"
			"$HERE/fetch-peers.sh" >&2 || say "bench/fetch-peers.sh failed"
		fi
		if [[ -x $DMAROOT/usr/sbin/dma ]]; then
			QUEUE_PEERS+=(dma)
		else
			say "queue group: dma not unpacked in $DMAROOT: dma is skipped"
		fi
		if [[ -x $NMROOT/usr/sbin/nullmailer-send ]]; then
			QUEUE_PEERS+=(nullmailer)
		else
			say "queue group: nullmailer not unpacked in $NMROOT: nullmailer is skipped"
		fi
	fi
	[[ -z $QUEUE_SKIP ]] || say "queue group: dma and nullmailer are skipped ($QUEUE_SKIP); dsmtp is still measured"
fi

# ------------------------------------------------------------------ work dir

WORK=$(mktemp -d "${TMPDIR:-/tmp}/dsmtp-bench.XXXXXX")
SINK_PID=
CAPTURE_PID=
PF=
PF_PID=

# shellcheck disable=SC2317  # invoked through cleanup
stop_postfix() {
	local i master=
	[[ -n $PF_PID ]] || return 0
	[[ -f $PF/queue/pid/master.pid ]] && master=$(tr -dc 0-9 <"$PF/queue/pid/master.pid")
	kill -TERM "$PF_PID" 2>/dev/null || true
	for i in $(seq 100); do
		kill -0 "$PF_PID" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$PF_PID" 2>/dev/null; then
		echo "bench: Postfix did not stop; killing master $master and $PF_PID" >&2
		[[ -n $master ]] && kill -KILL "$master" 2>/dev/null
		kill -KILL "$PF_PID" 2>/dev/null || true
	fi
	wait "$PF_PID" 2>/dev/null || true
	# The master runs its daemons in a session of its own (session id = its
	# pid); they exit shortly after it.  None may outlive the benchmark.
	if [[ -n $master ]]; then
		for i in $(seq 100); do
			pgrep -s "$master" >/dev/null 2>&1 || break
			sleep 0.1
		done
	fi
	if [[ -n $master ]] && pgrep -s "$master" >/dev/null 2>&1; then
		echo "bench: killing leftover Postfix processes of session $master:" \
			"$(pgrep -s "$master" | tr '\n' ' ')" >&2
		# shellcheck disable=SC2046  # a list of pids
		kill -KILL $(pgrep -s "$master") 2>/dev/null || true
	fi
	PF_PID=
}

# shellcheck disable=SC2317  # invoked through the EXIT trap
cleanup() {
	local rc=$? p
	trap - EXIT INT TERM
	for p in $SINK_PID $CAPTURE_PID; do
		if kill -0 "$p" 2>/dev/null; then
			kill "$p" 2>/dev/null || true
			wait "$p" 2>/dev/null || true
		fi
	done
	stop_postfix
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
	DSMTP="$ROOT/build-bench/src/dsmtp"
fi
if [[ $SKIP_BUILD != 1 ]]; then
	# A build directory of its own: the source tree stays unconfigured,
	# as tests/run-all.sh requires.
	say "building dsmtp (make in $ROOT/build-bench)"
	if [[ ! -f $ROOT/build-bench/Makefile ]]; then
		(cd "$ROOT" && { [[ -x configure ]] || ./autogen.sh; } &&
			mkdir -p build-bench && cd build-bench && ../configure) \
			>"$WORK/build.log" 2>&1 ||
			{ tail -n 30 "$WORK/build.log" >&2; die "configure failed"; }
	fi
	make -C "$ROOT/build-bench" >>"$WORK/build.log" 2>&1 ||
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
		LD_LIBRARY_PATH=$PFLIB "$SMTP_SINK" -c "${SINK_USER[@]}" "127.0.0.1:$PORT" 1000 \
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
SINK_EXPECTED=0
if ((NEED_SINK)); then
	start_sink
fi

# Every submission that exited 0 must have reached smtp-sink.
check_sink() {
	local i received=0
	kill -0 "$SINK_PID" 2>/dev/null || die "smtp-sink died during the run"
	for i in $(seq 20); do
		received=$(python3 "$HELPER" sinkcount "$WORK/sink.log")
		((received >= SINK_EXPECTED)) && break
		sleep 0.1
	done
	((received >= SINK_EXPECTED)) ||
		die "smtp-sink counted $received messages, but $SINK_EXPECTED submissions exited 0"
	SINK_RECEIVED=$received
}

submissions() { # JSON... -> total submissions recorded by permsg
	python3 - "$@" <<'EOF'
import json, sys
print(sum(json.load(open(p))["submissions"] for p in sys.argv[1:]))
EOF
}

# ------------------------------------------------------------------ configs

umask 077
if ((NEED_SINK)); then
	# The queue is on (the default: each message is committed durably
	# before dsmtp answers), in the work directory, never the system's.
	cat >"$WORK/dsmtp.conf" <<EOF
account default
host 127.0.0.1
port $PORT
syslog off
qualify_domain example.net
queue_dir $WORK/queue
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
fi

# ------------------------------------------------------------------ messages

MSG_2K="$WORK/msg-2k.eml"
MSG_BIG="$WORK/msg-50m.eml"
python3 "$HELPER" genmsg 2048 "$MSG_2K" || die "cannot write the 2 KB message"
cat "$MSG_2K" >/dev/null
if ((NEED_BIG)); then
	python3 "$HELPER" genmsg "$BIG_BYTES" "$MSG_BIG" || die "cannot write the large message"
	cat "$MSG_BIG" >/dev/null # warm the page cache
fi

DSMTP_CMD=("$DSMTP_RUN" -C "$WORK/dsmtp.conf" -i "$RCPT")
MSMTP_CMD=("$MSMTP" -C "$WORK/msmtp.conf" "$RCPT")

# ------------------------------------------------------------------ header

START=$EPOCHREALTIME
say "groups: ${SELECTED[*]}"
say "dsmtp: $("$DSMTP_RUN" --version 2>/dev/null | head -n 1 || true)" \
	"($DSMTP, sha256 $(sha256sum "$DSMTP_RUN" | cut -c1-12))"
say "msmtp: $("$MSMTP" --version 2>/dev/null | head -n 1 || true) ($MSMTP)"
((NEED_SINK)) && say "smtp-sink: $SMTP_SINK on 127.0.0.1:$PORT (pid $SINK_PID)"
say "host: $(uname -sr), $(nproc) CPUs, load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"

# What spawning any process costs here, for reading the small-message figures.
FLOOR=$(python3 "$HELPER" floor 30) || die "cannot spawn /bin/true"

# permsg MSG RUNS JSON ORDER -- LABEL CMD... [--| CMD...] --- LABEL CMD...
permsg() {
	local msg=$1 runs=$2 json=$3 order=$4
	shift 5
	python3 "$HELPER" permsg --runs "$runs" --warmup "$WARMUP" --input "$msg" \
		--json "$json" --time "$GNU_TIME" --timeout "$SUBMIT_TIMEOUT" \
		--order "$order" -- "$@" ||
		die "per-message benchmark aborted (see above)"
}

group_banner() {
	echo
	echo "== $* =="
}

# ================================================================== plain

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

run_plain() {
	local b n base
	group_banner "plain: dsmtp vs msmtp, plain SMTP to smtp-sink"
	say "runs: 2 KB x $RUNS_2K, $BIG_BYTES-byte x $RUNS_50M (+$WARMUP warm-up each)," \
		"loop $LOOP_N x 2 KB in $LOOP_BLOCKS blocks; order dsmtp msmtp dsmtp msmtp ..."
	say "per-message: 2 KB"
	permsg "$MSG_2K" "$RUNS_2K" "$WORK/permsg-2k.json" fixed \
		-- dsmtp "${DSMTP_CMD[@]}" --- msmtp "${MSMTP_CMD[@]}"
	say "per-message: $BIG_BYTES bytes"
	permsg "$MSG_BIG" "$RUNS_50M" "$WORK/permsg-50m.json" fixed \
		-- dsmtp "${DSMTP_CMD[@]}" --- msmtp "${MSMTP_CMD[@]}"

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

	SINK_EXPECTED=$((SINK_EXPECTED + $(submissions "$WORK/permsg-2k.json" \
		"$WORK/permsg-50m.json") + 2 * LOOP_N))
	check_sink

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
	echo "  smtp-sink has received $SINK_RECEIVED messages so far ($SINK_EXPECTED submissions, all exited 0)"
}

# ================================================================== dkim

DKIM_DOMAIN=example.net
DKIM_SEL_RSA=bench-rsa
DKIM_SEL_ED=bench-ed

# One signed submission from each signing peer to a capturing server, then
# dkimpy verifies the signatures: the timings below are only worth something
# if the signatures are there.
dkim_check() {
	local d="$WORK/dkim-check" i cport rc
	mkdir "$d"
	python3 "$HELPER" capture --port-file "$d/port" --dir "$d" --count 2 \
		--timeout 60 >"$d/capture.log" 2>&1 &
	CAPTURE_PID=$!
	for i in $(seq 100); do
		[[ -s $d/port ]] && break
		kill -0 "$CAPTURE_PID" 2>/dev/null || break
		sleep 0.1
	done
	[[ -s $d/port ]] || { cat "$d/capture.log" >&2; die "capture server did not start"; }
	cport=$(<"$d/port")
	sed "s/^port .*/port $cport/" "$WORK/dsmtp-sign.conf" >"$d/dsmtp.conf"
	sed "s/^port .*/port $cport/" "$WORK/msmtp.conf" >"$d/msmtp.conf"
	chmod 600 "$d/dsmtp.conf" "$d/msmtp.conf"
	rc=0
	"$DSMTP_RUN" -C "$d/dsmtp.conf" -i "$RCPT" <"$MSG_2K" 2>"$d/dsmtp.err" || rc=$?
	((rc == 0)) || { cat "$d/dsmtp.err" >&2; die "dsmtp (signing) failed with exit status $rc"; }
	"${DKIMSIGN_CMD[@]}" <"$MSG_2K" 2>"$d/dkimsign.err" |
		"$MSMTP" -C "$d/msmtp.conf" "$RCPT" 2>"$d/msmtp.err" || rc="${PIPESTATUS[*]}"
	[[ $rc == 0 ]] ||
		{ cat "$d/dkimsign.err" "$d/msmtp.err" >&2; die "dkimsign | msmtp failed (exit statuses $rc)"; }
	wait "$CAPTURE_PID" || rc=$?
	CAPTURE_PID=
	[[ $rc == 0 ]] || { cat "$d/capture.log" >&2; die "capture server failed (exit status $rc)"; }
	say "signature check (dkimpy, keys from the records --dkim-keygen printed):"
	rc=0
	"$DKIM_PYTHON" "$HELPER" dkimverify \
		--txt "$DKIM_SEL_RSA=$WORK/dkim-rsa.dns" --txt "$DKIM_SEL_ED=$WORK/dkim-ed.dns" \
		--expect "$d/msg-1.eml=2" --expect "$d/msg-2.eml=1" >"$d/verify.out" 2>&1 || rc=$?
	sed 's/^  /#   /' "$d/verify.out"
	case $rc in
	0) DKIM_VERIFIED="all signatures verified" ;;
	2) DKIM_VERIFIED="NOT ALL SIGNATURES VERIFIED (see the check above)" ;;
	*) die "DKIM signature check failed to run or a signature is missing (exit status $rc)" ;;
	esac
}

run_dkim() {
	group_banner "dkim: dsmtp signing (RSA-2048 + Ed25519) vs the same dsmtp not signing, to smtp-sink"
	say "keys: dsmtp --dkim-keygen, selectors $DKIM_SEL_RSA (RSA) and $DKIM_SEL_ED (Ed25519), d=$DKIM_DOMAIN"
	"$DSMTP_RUN" --dkim-keygen --selector="$DKIM_SEL_RSA" --keygen-domain="$DKIM_DOMAIN" \
		"$WORK/dkim-rsa.key" >"$WORK/dkim-rsa.dns" 2>"$WORK/dkim-keygen.err" ||
		{ cat "$WORK/dkim-keygen.err" >&2; die "dsmtp --dkim-keygen (RSA) failed"; }
	"$DSMTP_RUN" --dkim-keygen --key-type=ed25519 --selector="$DKIM_SEL_ED" \
		--keygen-domain="$DKIM_DOMAIN" "$WORK/dkim-ed.key" >"$WORK/dkim-ed.dns" 2>"$WORK/dkim-keygen.err" ||
		{ cat "$WORK/dkim-keygen.err" >&2; die "dsmtp --dkim-keygen (Ed25519) failed"; }
	{
		cat "$WORK/dsmtp.conf"
		echo "dkim_key $DKIM_SEL_RSA $WORK/dkim-rsa.key"
		echo "dkim_key $DKIM_SEL_ED $WORK/dkim-ed.key"
		echo "dkim_domain $DKIM_DOMAIN"
	} >"$WORK/dsmtp-sign.conf"
	chmod 600 "$WORK/dsmtp-sign.conf"
	DSMTP_SIGN_CMD=("$DSMTP_RUN" -C "$WORK/dsmtp-sign.conf" -i "$RCPT")
	# dkimpy's dkimsign with the same RSA key and the same canonicalization
	# as dsmtp's default (relaxed/relaxed), its output piped into msmtp.
	DKIMSIGN_CMD=("$DKIMSIGN" --hcanon relaxed --bcanon relaxed
		"$DKIM_SEL_RSA" "$DKIM_DOMAIN" "$WORK/dkim-rsa.key")
	say "dkimsign: $DKIMSIGN (dkimpy $("$DKIM_PYTHON" -c 'import importlib.metadata as m; print(m.version("dkimpy"))' 2>/dev/null || echo '?'))"
	dkim_check
	say "runs: 2 KB x $RUNS_2K, $BIG_BYTES-byte x $RUNS_50M (+$WARMUP warm-up each);" \
		"order dsmtp-sign dsmtp-nosign dkimsign+msmtp, then reversed, and so on"
	local peers=(-- dsmtp-sign "${DSMTP_SIGN_CMD[@]}"
		--- dsmtp-nosign "${DSMTP_CMD[@]}"
		--- dkimsign+msmtp "${DKIMSIGN_CMD[@]}" --\| "${MSMTP_CMD[@]}")
	say "per-message: 2 KB"
	permsg "$MSG_2K" "$RUNS_2K" "$WORK/dkim-2k.json" alternate "${peers[@]}"
	say "per-message: $BIG_BYTES bytes"
	permsg "$MSG_BIG" "$RUNS_50M" "$WORK/dkim-50m.json" alternate "${peers[@]}"

	SINK_EXPECTED=$((SINK_EXPECTED + $(submissions "$WORK/dkim-2k.json" "$WORK/dkim-50m.json")))
	check_sink

	echo
	python3 "$HELPER" report-dkim --permsg-2k "$WORK/dkim-2k.json" \
		--permsg-50m "$WORK/dkim-50m.json" || die "report failed"
	echo "  signature check before the runs: $DKIM_VERIFIED"
	echo "  process spawn floor (/bin/true, same harness): $FLOOR"
	echo "  smtp-sink has received $SINK_RECEIVED messages so far ($SINK_EXPECTED submissions, all exited 0)"
}

# ================================================================== tls

TLS_USER=bench
TLS_REALM=example.net

make_certs() { # DIR: test CA, and a server certificate for 127.0.0.1 it signs
	local d=$1
	mkdir "$d"
	cat >"$d/ca.tmpl" <<EOF
cn = "dsmtp bench test CA"
ca
cert_signing_key
expiration_days = 2
EOF
	cat >"$d/server.tmpl" <<EOF
cn = "localhost"
dns_name = "localhost"
ip_address = "127.0.0.1"
tls_www_server
signing_key
encryption_key
expiration_days = 2
EOF
	{
		certtool --generate-privkey --key-type=rsa --bits=2048 --outfile "$d/ca.key" &&
			certtool --generate-self-signed --load-privkey "$d/ca.key" \
				--template "$d/ca.tmpl" --outfile "$d/ca.pem" &&
			certtool --generate-privkey --key-type=rsa --bits=2048 --outfile "$d/server.key" &&
			certtool --generate-certificate --load-privkey "$d/server.key" \
				--load-ca-certificate "$d/ca.pem" --load-ca-privkey "$d/ca.key" \
				--template "$d/server.tmpl" --outfile "$d/server.pem"
	} >"$d/certtool.log" 2>&1 || { tail -n 20 "$d/certtool.log" >&2; die "certtool failed"; }
	chmod 644 "$d/ca.pem"
}

# A private Postfix instance: its own main.cf/master.cf, queue and data
# directories under $PF; smtpd on 127.0.0.1:TLS_PORT requires STARTTLS
# before AUTH and AUTH (Cyrus SASL, sasldb) before relaying; every message
# goes to the discard transport.  /etc/postfix is only read (postfix-files
# and dynamicmaps.cf are copied from it).
start_postfix() {
	local _ i f line meta
	PF="$WORK/postfix"
	# The queue, sasldb and certificates live under $WORK; Postfix's daemons
	# run as user dsmtp-pf and must be able to pass through it.
	chmod 711 "$WORK"
	mkdir -m 755 "$PF" "$PF/etc" "$PF/etc/sasl" "$PF/queue"
	mkdir -m 755 "$PF/data" "$PF/queue/pid"
	chown dsmtp-pf: "$PF/data"
	for f in incoming active deferred bounce defer flush hold corrupt saved trace private; do
		mkdir -m 700 "$PF/queue/$f"
		chown dsmtp-pf: "$PF/queue/$f"
	done
	mkdir -m 710 "$PF/queue/public"
	mkdir -m 1730 "$PF/queue/maildrop"
	chown dsmtp-pf:dsmtp-pfdrop "$PF/queue/public" "$PF/queue/maildrop"
	make_certs "$PF/tls"
	TLS_PASSWORD=$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
	printf '%s' "$TLS_PASSWORD" |
		PATH=$SBIN_PATH saslpasswd2 -f "$PF/sasldb2" -p -c -u "$TLS_REALM" "$TLS_USER" \
			>"$PF/saslpasswd2.log" 2>&1 ||
		{ cat "$PF/saslpasswd2.log" >&2; die "saslpasswd2 failed"; }
	chown dsmtp-pf: "$PF/sasldb2"
	# Debian's Postfix reads $config_directory/sasl/NAME.conf; upstream's
	# reads cyrus_sasl_config_path.  Point both at the same file.
	cat >"$PF/etc/sasl/smtpd.conf" <<EOF
pwcheck_method: auxprop
auxprop_plugin: sasldb
sasldb_path: $PF/sasldb2
mech_list: PLAIN
EOF
	chmod 644 "$PF/etc/sasl/smtpd.conf"
	for _ in 1 2 3; do
		TLS_PORT=$(python3 "$HELPER" freeport)
		cat >"$PF/etc/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $PF/queue
data_directory = $PF/data
meta_directory = $PFROOT/etc/postfix
command_directory = $PFROOT/usr/sbin
daemon_directory = $PFLIB/sbin
shlib_directory = $PFLIB
import_environment = MAIL_CONFIG MAIL_DEBUG MAIL_LOGTAG TZ LANG=C LD_LIBRARY_PATH=$PFLIB
mail_owner = dsmtp-pf
setgid_group = dsmtp-pfdrop
maillog_file = $PF/maillog
maillog_file_prefixes = $PF
myhostname = bench.example.net
mydomain = example.net
myorigin = example.net
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
alias_maps =
alias_database =
local_recipient_maps =
default_transport = discard:
relay_transport = discard:
local_transport = discard:
message_size_limit = 0
biff = no
smtpd_relay_restrictions = permit_sasl_authenticated, reject
smtpd_tls_security_level = encrypt
smtpd_tls_auth_only = yes
smtpd_tls_chain_files = $PF/tls/server.key, $PF/tls/server.pem
smtpd_tls_loglevel = 1
smtpd_sasl_auth_enable = yes
smtpd_sasl_type = cyrus
smtpd_sasl_path = smtpd
cyrus_sasl_config_path = $PF/etc/sasl
smtpd_sasl_local_domain = $TLS_REALM
smtpd_sasl_security_options = noanonymous
EOF
		cat >"$PF/etc/master.cf" <<EOF
127.0.0.1:$TLS_PORT inet n - n - - smtpd
cleanup   unix  n - n -    0 cleanup
qmgr      unix  n - n 300  1 qmgr
tlsmgr    unix  - - n 1000? 1 tlsmgr
rewrite   unix  - - n -    - trivial-rewrite
bounce    unix  - - n -    0 bounce
defer     unix  - - n -    0 bounce
trace     unix  - - n -    0 bounce
verify    unix  - - n -    1 verify
proxymap  unix  - - n -    - proxymap
error     unix  - - n -    - error
retry     unix  - - n -    - error
discard   unix  - - n -    - discard
anvil     unix  - - n -    1 anvil
scache    unix  - - n -    1 scache
postlog   unix-dgram n - n - 1 postlogd
EOF
		# The master in the foreground (-d): the postfix(1) wrapper refuses
		# a configuration directory that /etc/postfix/main.cf does not list.
		LD_LIBRARY_PATH=$PFLIB "$PFLIB/sbin/master" -c "$PF/etc" -d >>"$PF/start.log" 2>&1 &
		PF_PID=$!
		for i in $(seq 100); do
			kill -0 "$PF_PID" 2>/dev/null || break
			# ready when smtpd answers with its 220 greeting
			line=$({
				exec 3<>"/dev/tcp/127.0.0.1/$TLS_PORT" || exit 0
				read -r -t 5 l <&3 || true
				printf 'QUIT\r\n' >&3 || true
				echo "$l"
			} 2>/dev/null) || true
			[[ $line == 220* ]] && return 0
			sleep 0.1
		done
		stop_postfix
	done
	cat "$PF/start.log" >&2
	tail -n 20 "$PF/maillog" >&2 2>/dev/null || true
	die "could not start a private Postfix smtpd on 127.0.0.1"
}

run_tls() {
	local d expected counts
	group_banner "tls: dsmtp vs msmtp, 2 KB over STARTTLS + AUTH PLAIN to a private Postfix smtpd"
	start_postfix
	say "server: Postfix $(pf_run "$PFROOT/usr/sbin/postconf" -c "$PF/etc" -dh mail_version) smtpd on 127.0.0.1:$TLS_PORT" \
		"(config $PF/etc, master pid $(tr -dc 0-9 <"$PF/queue/pid/master.pid")):" \
		"STARTTLS required before AUTH, AUTH PLAIN (Cyrus sasldb) required to relay," \
		"discard transport; test CA and RSA-2048 server certificate from certtool"
	cat >"$WORK/dsmtp-tls.conf" <<EOF
account default
host 127.0.0.1
port $TLS_PORT
syslog off
qualify_domain example.net
queue_dir $WORK/queue-tls
tls on
tls_trust_file $PF/tls/ca.pem
auth plain
user $TLS_USER
password $TLS_PASSWORD
EOF
	cat >"$WORK/msmtp-tls.conf" <<EOF
account default
host 127.0.0.1
port $TLS_PORT
from bench@example.net
tls on
tls_starttls on
tls_trust_file $PF/tls/ca.pem
auth plain
user $TLS_USER
password $TLS_PASSWORD
syslog off
EOF
	chmod 600 "$WORK/dsmtp-tls.conf" "$WORK/msmtp-tls.conf"
	say "runs: 2 KB x $RUNS_2K (+$WARMUP warm-up); order dsmtp msmtp, msmtp dsmtp, ..."
	say "per-message: 2 KB"
	permsg "$MSG_2K" "$RUNS_2K" "$WORK/tls-2k.json" alternate \
		-- dsmtp "$DSMTP_RUN" -C "$WORK/dsmtp-tls.conf" -i "$RCPT" \
		--- msmtp "$MSMTP" -C "$WORK/msmtp-tls.conf" "$RCPT"

	# Every submission must show in Postfix's log as authenticated (PLAIN),
	# over TLS, and delivered to discard.
	expected=$(submissions "$WORK/tls-2k.json")
	for d in $(seq 100); do
		counts=$(python3 "$HELPER" pflog "$PF/maillog" | head -n 1)
		[[ $counts =~ sent=([0-9]+) ]] && ((BASH_REMATCH[1] >= expected)) && break
		sleep 0.1
	done
	[[ $counts =~ ^sasl=([0-9]+)\ tls=([0-9]+)\ sent=([0-9]+)$ ]] ||
		die "cannot read the Postfix log"
	((BASH_REMATCH[1] == expected && BASH_REMATCH[2] >= expected && BASH_REMATCH[3] == expected)) ||
		die "Postfix logged $counts, expected $expected of each"

	echo
	python3 "$HELPER" report-tls --permsg-2k "$WORK/tls-2k.json" || die "report failed"
	echo "  TLS as Postfix logged it: $(python3 "$HELPER" pflog "$PF/maillog" | sed -n 2p)"
	echo "  Postfix log: $counts ($expected submissions, all exited 0)"
	echo "  process spawn floor (/bin/true, same harness): $FLOOR"
	stop_postfix
}

# ================================================================== queue

QN=    # dma's and nullmailer's configuration and spools, and the stub mount points
QNS=() # prefix that runs a command in the private mount namespace (empty: none)

# dsmtp's spool and configuration; for dma and nullmailer, what their
# packages would install (same owners and modes), under $QN.
queue_setup() {
	local f
	QSPOOL=$WORK/qspool/dsmtp
	mkdir -p "$WORK/qerr" "$QSPOOL"
	# queue_dir in the defaults: then every account, and the defaults
	# themselves, name this spool, and root's queue commands look at no other
	# (not the system spool).
	cat >"$WORK/dsmtp-queue.conf" <<EOF
defaults
queue_dir $QSPOOL
syslog off

account default
host 127.0.0.1
port $PORT
qualify_domain example.net
EOF
	chmod 600 "$WORK/dsmtp-queue.conf"
	DSMTP_Q=("$DSMTP_RUN" -C "$WORK/dsmtp-queue.conf")
	((${#QUEUE_PEERS[@]})) || return 0
	if ! id mail >/dev/null 2>&1 || ! getent group mail >/dev/null; then
		QUEUE_SKIP="no user or group 'mail', which both run as"
		say "queue group: $QUEUE_SKIP: dma and nullmailer are skipped"
		QUEUE_PEERS=()
		return 0
	fi
	QN=$WORK/qn
	(
		umask 022
		mkdir -p "$QN"/stub/etc/{dma,nullmailer} "$QN"/stub/spool/{dma,nullmailer} \
			"$QN"/etc/{dma,nullmailer} "$QN"/spool/dma "$QN"/spool/nullmailer/{queue,tmp,failed}
		# The namespace's /etc/mailname (nullmailer reads it for its host name).
		echo bench.example.net >"$QN/stub/etc/mailname"
	)
	# A merged overlay directory takes its owner and mode from its top
	# layer: the stubs must look like the real /etc and /var/spool.
	if ! { chown --reference=/etc "$QN/stub/etc" && chmod --reference=/etc "$QN/stub/etc" &&
		chown --reference=/var/spool "$QN/stub/spool" &&
		chmod --reference=/var/spool "$QN/stub/spool"; }; then
		die "cannot set up $QN/stub"
	fi
	# dma: everything to smtp-sink (NULLCLIENT: no aliases, no local
	# delivery); DEFER: a submission only queues, `dma -q` delivers.
	cat >"$QN/etc/dma/dma.conf" <<EOF
SMARTHOST 127.0.0.1
PORT $PORT
NULLCLIENT
MAILNAME bench.example.net
DEFER
EOF
	chown root:mail "$QN/etc/dma/dma.conf" "$QN/spool/dma"
	chmod 640 "$QN/etc/dma/dma.conf"
	chmod 2770 "$QN/spool/dma"
	# nullmailer: one remote, smtp-sink; pausetime 0: nullmailer-send goes
	# through the queue once and exits (and it is not running otherwise).
	printf '127.0.0.1 smtp port=%s\n' "$PORT" >"$QN/etc/nullmailer/remotes"
	echo example.net >"$QN/etc/nullmailer/defaultdomain"
	echo example.net >"$QN/etc/nullmailer/defaulthost"
	echo 0 >"$QN/etc/nullmailer/pausetime"
	for f in defaultdomain defaulthost pausetime; do chmod 644 "$QN/etc/nullmailer/$f"; done
	chown mail:mail "$QN/etc/nullmailer/remotes"
	chmod 755 "$QN/etc/nullmailer"
	mkfifo -m 622 "$QN/spool/nullmailer/trigger"
	chown -R mail:root "$QN/spool/nullmailer"
	chmod 750 "$QN/spool/nullmailer/queue" "$QN/spool/nullmailer/tmp"
	QNS=(unshare -m --propagation private "$HERE/queue-ns.sh"
		"$(readlink /proc/$$/ns/mnt)" "$QN" "$PEERS")
	if ! "${QNS[@]}" true 2>"$WORK/qns.err"; then
		QUEUE_SKIP="cannot make the private mount namespace: $(head -n 1 "$WORK/qns.err")"
		say "queue group: $QUEUE_SKIP; dma and nullmailer are skipped"
		QUEUE_PEERS=() QNS=()
	fi
}

queue_cmd() { # PEER -> QCMD: PEER's command that queues one message, not delivering
	case $1 in
	dsmtp) QCMD=("${DSMTP_Q[@]}" -odq -i "$RCPT") ;;
	dma) QCMD=(/usr/sbin/dma -i "$RCPT") ;;
	nullmailer) QCMD=(/usr/sbin/sendmail -i "$RCPT") ;;
	esac
}

queue_clear() { # PEER: empty its spool (the directories stay)
	local d
	case $1 in
	dsmtp) d=$QSPOOL ;;
	dma) d=$QN/spool/dma ;;
	nullmailer) d=$QN/spool/nullmailer ;;
	esac
	find "$d" -mindepth 1 \( -type f -o -type l \) -delete || die "cannot empty $d"
}

nfiles() { # DIR [NAME-PATTERN]: the number of regular files in DIR
	find "$1" -mindepth 1 -maxdepth 1 -type f -name "${2:-*}" | wc -l
}

queue_count() { # PEER: print the messages in its spool; die if the spool is not clean
	local n m t
	case $1 in
	dsmtp)
		n=$(nfiles "$QSPOOL/entries")
		t=$(($(nfiles "$QSPOOL/tmp") + $(nfiles "$QSPOOL/quarantine")))
		((t == 0)) || die "dsmtp: $t files in its spool's tmp or quarantine directory"
		;;
	dma)
		n=$(nfiles "$QN/spool/dma" 'Q*') m=$(nfiles "$QN/spool/dma" 'M*')
		t=$(nfiles "$QN/spool/dma" 'tmp*')
		((n == m && t == 0)) || die "dma: $n Q files, $m M files, $t tmp files in its spool"
		;;
	nullmailer)
		n=$(nfiles "$QN/spool/nullmailer/queue")
		t=$(($(nfiles "$QN/spool/nullmailer/tmp") + $(nfiles "$QN/spool/nullmailer/failed")))
		((t == 0)) || die "nullmailer: $t files in its tmp or failed directory"
		;;
	esac
	echo "$n"
}

# PEER OUT EXPECTED QSUBMIT-OPTIONS...: QUEUE_PROCS concurrent submitters
# run PEER's queueing command; then its spool must hold EXPECTED messages.
queue_submit() {
	local p=$1 out=$2 expected=$3 n s0 s1
	shift 3
	queue_cmd "$p"
	s0=$(python3 "$HELPER" sinkstat "$WORK/sink.log")
	"${QNS[@]}" python3 "$HELPER" qsubmit --procs "$QUEUE_PROCS" --input "$MSG_2K" \
		--label "$p" --out "$out" --errdir "$WORK/qerr" --timeout "$SUBMIT_TIMEOUT" \
		"$@" -- "${QCMD[@]}" >/dev/null || die "$p: enqueue aborted (see above)"
	n=$(queue_count "$p")
	((n == expected)) ||
		die "$p: $n messages in its spool after $expected submissions that exited 0"
	# Queueing only: nothing may have reached smtp-sink, not even a connection.
	s1=$(python3 "$HELPER" sinkstat "$WORK/sink.log")
	[[ $s0 == "$s1" ]] ||
		die "$p: smtp-sink's counters moved while it was only queueing ($s0 -> $s1)"
}

queue_flush() { # PEER: deliver everything PEER has queued, timed
	local p=$1 args
	case $p in
	dsmtp) args=(--empty "$QSPOOL/entries" --empty "$QSPOOL/tmp" -- "${DSMTP_Q[@]}" -q) ;;
	# -D: no daemon(), so that dma's per-message processes stay in the
	# session qflush watches (and kills, should the flush fail).  dma
	# ignores SIGCHLD: the CPU time of those that end before it is lost.
	dma) args=(--empty /var/spool/dma --ignore flush --cpu-complete no -- /usr/sbin/dma -D -q) ;;
	nullmailer)
		# as Debian's nullmailer.service runs it: user mail, in the spool
		args=(--empty /var/spool/nullmailer/queue --empty /var/spool/nullmailer/tmp
			--user mail --cwd /var/spool/nullmailer -- /usr/sbin/nullmailer-send)
		;;
	esac
	"${QNS[@]}" python3 "$HELPER" qflush --label "$p" --out "$WORK/qflush.jsonl" \
		--sink-log "$WORK/sink.log" --expect "$FLUSH_N" --stderr "$WORK/qerr/flush-$p.err" \
		--timeout "$SUBMIT_TIMEOUT" "${args[@]}" >"$WORK/qerr/flush-$p.out" ||
		die "$p: flush failed (see above)"
	say "  $p: $(cat "$WORK/qerr/flush-$p.out")"
}

queue_listed() { # HELD: dsmtp --queue-list --json must list QMEM_N entries, HELD of them held
	"${DSMTP_Q[@]}" --queue-list --json >"$WORK/qmem-list.json" 2>"$WORK/qerr/list.err" ||
		{ cat "$WORK/qerr/list.err" >&2; die "dsmtp --queue-list --json failed"; }
	python3 "$HELPER" qids "$WORK/qmem-list.json" "$QMEM_N" "$1" >"$WORK/qmem.ids" ||
		die "dsmtp --queue-list --json does not list $QMEM_N entries with $1 held"
}

queue_memory() {
	local n s0 s1
	say "memory: $QMEM_N x 2 KB queued by dsmtp -odq ($QUEUE_PROCS submitters)," \
		"then each held with --queue-hold=ID, so that none is due"
	queue_submit dsmtp "$WORK/qmemfill.jsonl" "$QMEM_N" --total "$QMEM_N"
	queue_listed 0
	"${QNS[@]}" python3 "$HELPER" qsubmit --procs "$QUEUE_PROCS" --items "$WORK/qmem.ids" \
		--label hold --out "$WORK/qhold.jsonl" --errdir "$WORK/qerr" --timeout "$SUBMIT_TIMEOUT" \
		-- "${DSMTP_Q[@]}" --queue-hold={} >/dev/null || die "dsmtp --queue-hold aborted (see above)"
	queue_listed "$QMEM_N"
	s0=$(python3 "$HELPER" sinkstat "$WORK/sink.log")
	say "runs: --queue-list and --queue-run x $QMEM_RUNS (+$WARMUP warm-up); order list run list run ..."
	permsg /dev/null "$QMEM_RUNS" "$WORK/qmem.json" fixed \
		-- list "${DSMTP_Q[@]}" --queue-list --- run "${DSMTP_Q[@]}" --queue-run
	s1=$(python3 "$HELPER" sinkstat "$WORK/sink.log")
	[[ $s0 == "$s1" ]] ||
		die "smtp-sink's counters moved during --queue-run ($s0 -> $s1): something was delivered"
	n=$(queue_count dsmtp)
	((n == QMEM_N)) || die "dsmtp: $n entries left after --queue-run, $QMEM_N expected"
}

# The daemon over the same QMEM_N held entries: its start-up run over the
# whole spool (in its worker processes), then idle, for QDAEMON_SECS;
# GNU time's %M is the largest resident set of the daemon and every
# worker it reaped.
queue_daemon_memory() {
	local kib n
	say "daemon: --queue-daemon over the $QMEM_N held entries for ${QDAEMON_SECS}s" \
		"(its start-up runs, then idle), stopped with SIGTERM"
	"${QNS[@]}" "$GNU_TIME" -f %M -o "$WORK/qdaemon.rss" \
		timeout -s TERM "$QDAEMON_SECS" "${DSMTP_Q[@]}" --queue-daemon \
		2>"$WORK/qerr/daemon.err" || true
	kib=$(tail -1 "$WORK/qdaemon.rss" | tr -dc 0-9)
	[[ -n $kib ]] || die "no peak RSS for --queue-daemon (see $WORK/qerr/daemon.err)"
	n=$(queue_count dsmtp)
	((n == QMEM_N)) || die "dsmtp: $n entries left after the daemon, $QMEM_N expected"
	QDAEMON_MIB=$(python3 -c "print('%.2f' % ($kib / 1024))")
}

run_queue() {
	local peers r p n order fstype
	group_banner "queue: durable enqueue and queue flush, dsmtp vs dma and nullmailer, to smtp-sink"
	queue_setup
	peers=(dsmtp "${QUEUE_PEERS[@]}")
	fstype=$(findmnt -no FSTYPE -T "$WORK" 2>/dev/null || stat -f -c %T "$WORK")
	say "peers: ${peers[*]}; spools on $fstype under $WORK"
	case $fstype in
	tmpfs | ramfs)
		say "WARNING: $fstype: fsync costs nothing there, so the enqueue figures" \
			"say nothing about durability; set TMPDIR to a directory on a disk"
		;;
	esac
	if ((${#QUEUE_PEERS[@]})); then
		say "dma $(cat "$PEERS/dma.version" 2>/dev/null) and nullmailer" \
			"$(cat "$PEERS/nullmailer.version" 2>/dev/null) from $PEERS, in a private mount" \
			"namespace (bench/queue-ns.sh); dsmtp runs in the same kind of namespace"
	fi
	say "enqueue: $QUEUE_PROCS concurrent submitters x $QUEUE_PER x 2 KB per round," \
		"$QUEUE_ROUNDS rounds; order ${peers[*]}, then reversed, ...; each round starts with an empty spool"
	for ((r = 0; r < QUEUE_ROUNDS; r++)); do
		order=("${peers[@]}")
		if ((r % 2)); then
			for ((n = 0; n < ${#peers[@]}; n++)); do order[n]=${peers[${#peers[@]} - 1 - n]}; done
		fi
		for p in "${order[@]}"; do
			queue_clear "$p"
			queue_submit "$p" "$WORK/qenqueue.jsonl" $((QUEUE_PROCS * QUEUE_PER)) --per "$QUEUE_PER"
		done
	done

	say "flush: $FLUSH_N x 2 KB queued ($QUEUE_PROCS submitters), then delivered to smtp-sink by one flush"
	for p in "${peers[@]}"; do
		queue_clear "$p"
		queue_submit "$p" "$WORK/qfill.jsonl" "$FLUSH_N" --total "$FLUSH_N"
		queue_flush "$p"
		SINK_EXPECTED=$((SINK_EXPECTED + FLUSH_N))
		check_sink
		n=$(queue_count "$p")
		((n == 0)) || die "$p: $n messages still queued after its flush"
		queue_clear "$p"
	done

	queue_memory
	queue_daemon_memory

	echo
	python3 "$HELPER" report-queue --enqueue "$WORK/qenqueue.jsonl" --fill "$WORK/qfill.jsonl" \
		--flush "$WORK/qflush.jsonl" --memfill "$WORK/qmemfill.jsonl" --hold "$WORK/qhold.jsonl" \
		--mem "$WORK/qmem.json" --peers "${peers[*]}" --skipped "${QUEUE_SKIP:-}" ||
		die "report failed"
	echo "  dsmtp --queue-daemon with $QMEM_N entries queued: peak RSS $QDAEMON_MIB MiB (daemon and workers; target < 32 MiB)"
	echo "  smtp-sink has received $SINK_RECEIVED messages so far ($SINK_EXPECTED submissions or queued messages, all accounted for)"
	queue_clear dsmtp
}

# ================================================================== main

((DO_PLAIN)) && run_plain
((DO_DKIM)) && run_dkim
((DO_TLS)) && run_tls
((DO_QUEUE)) && run_queue
if ((DO_MX)); then
	group_banner "mx: direct delivery to MX hosts, dsmtp vs dma (bench/mx.sh)"
	if ((EUID != 0)); then
		say "mx group skipped: it needs root (network and mount namespaces)"
	else
		DSMTP=$DSMTP_RUN "$HERE/mx.sh" || die "the mx group failed"
	fi
fi

END=$EPOCHREALTIME
echo
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg);" \
	"total time $(python3 -c "print('%.0f' % ($END - $START))") s"
exit 0
