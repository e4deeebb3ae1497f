#!/usr/bin/env bash
# Benchmark dsmtp against msmtp (and dsmtp against itself) on 127.0.0.1.
# Not run by CI.  See bench/README.md for what it measures and how to read it.
#
# Usage: bench/run.sh [GROUP]...     GROUP: plain, dkim, tls or all (default)
#   plain  dsmtp vs msmtp relaying to Postfix's smtp-sink (2 KB, 50 MiB, loop)
#   dkim   dsmtp signing (RSA + Ed25519) vs the same dsmtp not signing, to
#          smtp-sink; dkimsign | msmtp as a comparison
#   tls    2 KB over STARTTLS + AUTH PLAIN to a private Postfix smtpd,
#          dsmtp vs msmtp (needs root)
#
# Environment (all optional):
#   RUNS_2K=15 RUNS_50M=5   measured runs per peer for the 2 KB / 50 MiB message
#   WARMUP=1                unmeasured rounds before each per-message series
#   LOOP_N=1000             sequential submissions per peer in the loop test
#   LOOP_BLOCKS=10          the loop runs in this many interleaved blocks
#   BIG_BYTES=52428800      size of the large message
#   SUBMIT_TIMEOUT=600      seconds before one submission counts as failed
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

DO_PLAIN=0 DO_DKIM=0 DO_TLS=0
(($# > 0)) || set -- all
for g in "$@"; do
	case $g in
	all) DO_PLAIN=1 DO_DKIM=1 DO_TLS=1 ;;
	plain) DO_PLAIN=1 ;;
	dkim) DO_DKIM=1 ;;
	tls) DO_TLS=1 ;;
	-h | --help)
		sed -n '2,/^$/s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
		exit 0
		;;
	*) die "unknown group '$g' (use plain, dkim, tls or all)" ;;
	esac
done
SELECTED=()
((DO_PLAIN)) && SELECTED+=(plain)
((DO_DKIM)) && SELECTED+=(dkim)
((DO_TLS)) && SELECTED+=(tls)
NEED_SINK=$((DO_PLAIN || DO_DKIM))

for v in RUNS_2K RUNS_50M WARMUP LOOP_N LOOP_BLOCKS BIG_BYTES SUBMIT_TIMEOUT; do
	[[ ${!v} =~ ^[0-9]+$ ]] || die "$v must be a non-negative integer, not '${!v}'"
done
((RUNS_2K >= 1 && RUNS_50M >= 1 && LOOP_N >= 1 && LOOP_BLOCKS >= 1)) ||
	die "RUNS_2K, RUNS_50M, LOOP_N and LOOP_BLOCKS must be at least 1"
((LOOP_BLOCKS <= LOOP_N)) || LOOP_BLOCKS=$LOOP_N

# ------------------------------------------------------------------ tools

SBIN_PATH="$PATH:/usr/sbin:/usr/local/sbin"
# Postfix is never installed (it would replace the machine's MTA):
# tests/peers.sh unpacks Debian's package here, and its programs run from
# there with LD_LIBRARY_PATH.
PEERS=${DSMTP_PEERS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/dsmtp-tests/peers}
PFROOT=$PEERS/postfix
PFLIB=$PFROOT/usr/lib/postfix
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
		pf_run "$SMTP_SINK" -c "${SINK_USER[@]}" "127.0.0.1:$PORT" 1000 \
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
fi

# ------------------------------------------------------------------ messages

MSG_2K="$WORK/msg-2k.eml"
MSG_BIG="$WORK/msg-50m.eml"
python3 "$HELPER" genmsg 2048 "$MSG_2K" || die "cannot write the 2 KB message"
cat "$MSG_2K" >/dev/null
if ((NEED_SINK)); then
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
		pf_run "$PFLIB/sbin/master" -c "$PF/etc" -d >>"$PF/start.log" 2>&1 &
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

# ================================================================== main

((DO_PLAIN)) && run_plain
((DO_DKIM)) && run_dkim
((DO_TLS)) && run_tls

END=$EPOCHREALTIME
echo
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg);" \
	"total time $(python3 -c "print('%.0f' % ($END - $START))") s"
exit 0
