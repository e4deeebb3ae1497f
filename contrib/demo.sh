#!/bin/sh
# dsmtp demo: build, start a throwaway SMTP server on loopback, make DKIM
# keys, send a message through dsmtp as cron would, show what arrived and
# what an independent verifier (dkimpy) says of its signatures.
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

echo "== making two DKIM keys for example.net (RSA-2048 and Ed25519)"
"$build/src/dsmtp" --dkim-keygen --selector=demo-rsa --keygen-domain=example.net \
	"$work/rsa.key" >"$work/records"
"$build/src/dsmtp" --dkim-keygen --key-type=ed25519 --selector=demo-ed \
	--keygen-domain=example.net "$work/ed.key" >>"$work/records"
grep -v '^;' "$work/records"

cat >"$work/dsmtprc" <<CONF
defaults
syslog off
logfile $work/dsmtp.log
qualify_domain example.net
queue_dir $work/queue

account default
host 127.0.0.1
port $port
dkim_key demo-rsa $work/rsa.key
dkim_key demo-ed $work/ed.key
dkim_domain example.net
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
echo
echo "== dkimpy's verdict on the delivered message (DNS answered from the records above):"
/usr/bin/python3 "$top/contrib/dkim-verify.py" "$(ls "$work"/spool/*.eml | head -1)" \
	"$work/records"
