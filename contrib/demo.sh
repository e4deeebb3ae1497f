#!/bin/sh
# dsmtp demo: build, start a throwaway SMTP server on loopback, send a
# message through dsmtp as cron would, and show what arrived.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/tests/install-deps.sh"
cd "$top"
[ -x configure ] || ./autogen.sh >/dev/null 2>&1
build="$top/build-demo"
if [ ! -x "$build/src/dsmtp" ]; then
	if [ -f config.status ]; then
		build="$top"
		make -s >/dev/null
	else
		mkdir -p "$build"
		(cd "$build" && "$top/configure" -q >/dev/null && make -s >/dev/null)
	fi
fi

work=$(mktemp -d)
server_pid=""
cleanup() {
	[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

mkdir -p "$work/spool"
/usr/bin/python3 "$top/tests/lib/smtpserver.py" --dir "$work/spool" \
	--port-file "$work/port" >/dev/null 2>&1 &
server_pid=$!
i=0
while [ ! -s "$work/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
port=$(cat "$work/port")

cat >"$work/dsmtprc" <<CONF
defaults
syslog off
logfile $work/dsmtp.log
qualify_domain example.net

account default
host 127.0.0.1
port $port
CONF
chmod 600 "$work/dsmtprc"

echo "== sending a cron-style message: sendmail -FCronDaemon -i -B8BITMIME -oem root,ops@example.org"
printf 'From: root (Cron Daemon)\nTo: root\nSubject: Cron <root@demo> backup\n\nbackup finished\n.\nGr\303\274\303\237e\n' |
	"$build/src/dsmtp" -C "$work/dsmtprc" -FCronDaemon -i -B8BITMIME -oem \
	"root,ops@example.org"
echo "== dsmtp exited $?; its log line:"
cat "$work/dsmtp.log"
i=0
while ! ls "$work/spool"/*.json >/dev/null 2>&1 && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
echo "== the server received (envelope):"
cat "$work"/spool/*.json
echo
echo "== the message as it arrived on the wire:"
cat "$work"/spool/*.raw
