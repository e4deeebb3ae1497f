#!/usr/bin/env bash
# mx.sh - direct delivery to MX hosts: dsmtp against dma, in the same run.
# Not run by CI.  See bench/README.md (group mx).
#
# MX_N messages (2 KB, one recipient each) to MX_DOMAINS domains, dealt
# out round-robin, are queued, then delivered by one queue run: dsmtp -q
# (account without host: delivery mx) and dma -D -q (no SMARTHOST: dma
# looks up the MX itself).  Each domain dN.bench.test has one MX host,
# 127.0.4.N, inside a network namespace with its own validating resolver
# (unbound, tests/lib/dnsbed.py); both peers run in that namespace and read
# its resolv.conf; Postfix's smtp-sink listens on port 25 of every address
# there and counts what arrives.  dma runs in a private mount namespace as
# in the queue group (bench/queue-ns.sh).  Rounds alternate dsmtp, dma /
# dma, dsmtp; the figure is the median flush time.
#
# Environment: MX_N=1000 MX_DOMAINS=20 MX_ROUNDS=3 QUEUE_PROCS=8
#   DSMTP=/path/to/dsmtp (default: build-bench/src/dsmtp, built by run.sh)
#   KEEP_TMP=1 keeps the work directory.  Needs root.

set -euo pipefail
export LC_ALL=C

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
HELPER="$HERE/bench.py"
PY=/usr/bin/python3
MX_N=${MX_N:-1000}
MX_DOMAINS=${MX_DOMAINS:-20}
MX_ROUNDS=${MX_ROUNDS:-3}
QUEUE_PROCS=${QUEUE_PROCS:-8}
KEEP_TMP=${KEEP_TMP:-0}
PEERS=${DSMTP_PEERS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/dsmtp-tests/peers}
PFLIB=$PEERS/postfix/usr/lib/postfix
SMTP_SINK=$PEERS/postfix/usr/sbin/smtp-sink
DSMTP=${DSMTP:-$ROOT/build-bench/src/dsmtp}

say() { printf '# %s\n' "$*"; }
die() {
	printf 'bench mx: FAILED: %s\n' "$*" >&2
	exit 1
}

((EUID == 0)) || die "needs root (network and mount namespaces)"
[[ -x $DSMTP ]] || die "$DSMTP not found (bench/run.sh builds it)"
[[ -x $SMTP_SINK ]] || die "smtp-sink not found in $PEERS (run tests/peers.sh)"
[[ -x $PEERS/dma/usr/sbin/dma ]] || "$HERE/fetch-peers.sh" >&2 ||
	die "dma not unpacked (bench/fetch-peers.sh)"
id mail >/dev/null 2>&1 || die "no user 'mail' (dma runs as it)"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/dsmtp-bench-mx.XXXXXX")
SINK_PID= BED_PID=
# shellcheck disable=SC2317  # invoked through the EXIT trap
cleanup() {
	local rc=$?
	trap - EXIT
	[[ -n $SINK_PID ]] && kill "$SINK_PID" 2>/dev/null
	# SIGINT: the bed's Python stops unbound and deletes the namespace.
	[[ -n $BED_PID ]] && { kill -INT "$BED_PID" 2>/dev/null; wait "$BED_PID" 2>/dev/null; }
	if [[ $KEEP_TMP == 1 ]]; then echo "work directory kept: $WORK" >&2; else rm -rf "$WORK"; fi
	exit "$rc"
}
trap cleanup EXIT
cp "$DSMTP" "$WORK/dsmtp"

# -- the namespace, its resolver and the sink ---------------------------------
coproc BED { exec "$PY" "$HELPER" mxbed "$MX_DOMAINS" 2>"$WORK/bed.err"; }
read -r -t 60 NS <&"${BED[0]}" || die "the DNS bed did not start: $(cat "$WORK/bed.err")"
IN_NS=(ip netns exec "$NS")
"${IN_NS[@]}" env LD_LIBRARY_PATH="$PFLIB" "$SMTP_SINK" -c -u nobody ":25" 1000 \
	>"$WORK/sink.log" 2>&1 &
SINK_PID=$!
for _ in $(seq 50); do
	"${IN_NS[@]}" bash -c 'exec 3<>/dev/tcp/127.0.4.1/25' 2>/dev/null && break
	sleep 0.1
done
"${IN_NS[@]}" bash -c 'exec 3<>/dev/tcp/127.0.4.1/25' 2>/dev/null || die "smtp-sink did not start"

# -- the message, the recipients, the peers -------------------------------------
"$PY" "$HELPER" genmsg 2048 "$WORK/msg"
for ((i = 0; i < MX_N; i++)); do
	echo "u$i@d$((i % MX_DOMAINS + 1)).bench.test"
done >"$WORK/rcpts"
QSPOOL=$WORK/qspool
mkdir -p "$QSPOOL" "$WORK/qerr"
cat >"$WORK/dsmtp.conf" <<EOF
defaults
queue_dir $QSPOOL
syslog off

account default
from bench@example.net
qualify_domain example.net
domain bench.example.net
EOF
chmod 600 "$WORK/dsmtp.conf"

# dma's configuration and spool where its package puts them, in a private
# mount namespace (bench/queue-ns.sh also wants nullmailer's directories).
QN=$WORK/qn
(
	umask 022
	mkdir -p "$QN"/stub/etc/{dma,nullmailer} "$QN"/stub/spool/{dma,nullmailer} \
		"$QN"/etc/{dma,nullmailer} "$QN"/spool/dma "$QN"/spool/nullmailer
)
chown --reference=/etc "$QN/stub/etc" && chmod --reference=/etc "$QN/stub/etc"
chown --reference=/var/spool "$QN/stub/spool" && chmod --reference=/var/spool "$QN/stub/spool"
# No SMARTHOST: dma delivers to each domain's MX; DEFER: a submission only queues.
printf 'MAILNAME bench.example.net\nDEFER\n' >"$QN/etc/dma/dma.conf"
chown root:mail "$QN/etc/dma/dma.conf" "$QN/spool/dma"
chmod 640 "$QN/etc/dma/dma.conf"
chmod 2770 "$QN/spool/dma"
# queue-ns.sh's overlay on /etc hides the namespace's resolv.conf that
# ip netns exec mounted: it mounts it again (QNS_RESOLV).
QNS=("${IN_NS[@]}" env QNS_RESOLV="/etc/netns/$NS/resolv.conf" unshare -m --propagation private "$HERE/queue-ns.sh"
	"$(readlink /proc/$$/ns/mnt)" "$QN" "$PEERS")
"${QNS[@]}" true 2>"$WORK/qns.err" || die "no private mount namespace: $(cat "$WORK/qns.err")"

nfiles() { find "$1" -mindepth 1 -maxdepth 1 -type f | wc -l; }

round() { # PEER: queue MX_N messages, then time one flush
	local p=$1 submit flush
	case $p in
	dsmtp)
		submit=("$WORK/dsmtp" -C "$WORK/dsmtp.conf" -odq -i {})
		flush=(--empty "$QSPOOL/entries" --empty "$QSPOOL/tmp" -- "$WORK/dsmtp" -C "$WORK/dsmtp.conf" -q)
		;;
	dma)
		submit=(/usr/sbin/dma -i {})
		flush=(--empty /var/spool/dma --ignore flush --cpu-complete no -- /usr/sbin/dma -D -q)
		;;
	esac
	"${QNS[@]}" "$PY" "$HELPER" qsubmit --procs "$QUEUE_PROCS" --items "$WORK/rcpts" \
		--input "$WORK/msg" --label "$p" --out "$WORK/fill.jsonl" --errdir "$WORK/qerr" \
		-- "${submit[@]}" >/dev/null || die "$p: queueing failed"
	"${QNS[@]}" "$PY" "$HELPER" qflush --label "$p" --out "$WORK/flush.jsonl" \
		--sink-log "$WORK/sink.log" --expect "$MX_N" --stderr "$WORK/qerr/flush-$p.err" \
		--timeout 1800 "${flush[@]}" >"$WORK/qerr/flush-$p.out" || die "$p: flush failed"
	say "  $p: $(cat "$WORK/qerr/flush-$p.out")"
}

say "mx: $MX_N x 2 KB to $MX_DOMAINS domains (MX hosts 127.0.4.1-$MX_DOMAINS:25 in namespace $NS," \
	"unbound as its resolver), queued by $QUEUE_PROCS submitters, then one flush each;" \
	"dma $(cat "$PEERS/dma.version" 2>/dev/null)"
for ((r = 0; r < MX_ROUNDS; r++)); do
	order=(dsmtp dma)
	((r % 2)) && order=(dma dsmtp)
	for p in "${order[@]}"; do round "$p"; done
done
((($(nfiles "$QSPOOL/entries")) == 0)) || die "dsmtp left entries queued"
echo
"$PY" "$HELPER" report-mx --flush "$WORK/flush.jsonl" --messages "$MX_N" --domains "$MX_DOMAINS"
