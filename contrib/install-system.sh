#!/bin/sh
# install-system.sh SPOOLDIR CONFIG HELPER - make this machine's dsmtp the
# system's mail agent with the privilege split (what `make install-system`
# runs, as root, after `make install`):
#   - the system group and user dsmtp (the queue daemon runs as dsmtp);
#   - the system spool SPOOLDIR owned by dsmtp: tmp/ and quarantine/
#     private to it, entries/ readable by the group (for dsmtp-drop
#     --list, each user's mailq), incoming/ 0730 (the group may add files,
#     not list them);
#   - the helper HELPER (dsmtp-drop) set-group-ID dsmtp, so that any user
#     can hand a message over without reading the configuration;
#   - the configuration CONFIG, when there is one, readable by root and the
#     group dsmtp only (0640 root:dsmtp): its passwords and the DKIM keys
#     it names (give those the same owner and mode) stay out of users'
#     reach.
# Running it again changes nothing that is already right; mail already in
# the spool is kept (and given to the dsmtp user).
set -eu
if [ $# -ne 3 ]; then
	echo "usage: $0 SPOOLDIR CONFIG HELPER" >&2
	exit 64
fi
spool=$1 conf=$2 helper=$3
if [ "$(id -u)" -ne 0 ]; then
	echo "$0: run this as root" >&2
	exit 77
fi
nologin=/usr/sbin/nologin
[ -x "$nologin" ] || nologin=/bin/false
getent group dsmtp >/dev/null || groupadd --system dsmtp
getent passwd dsmtp >/dev/null ||
	useradd --system --gid dsmtp --home-dir "$spool" --no-create-home \
		--shell "$nologin" --comment "dsmtp mail queue" dsmtp
install -d -m 0755 "$(dirname "$spool")"
install -d -o dsmtp -g dsmtp -m 0750 "$spool"
for d in tmp quarantine entries; do
	install -d -o dsmtp -g dsmtp -m 0700 "$spool/$d"
	# Mail root queued before the split is the dsmtp user's now.
	find "$spool/$d" -mindepth 1 -maxdepth 1 -type f \
		-exec chown dsmtp:dsmtp {} +
done
# entries/ and its files are readable by the group too: dsmtp-drop --list
# shows each user their own entries (their mailq).
chmod 0750 "$spool/entries"
find "$spool/entries" -mindepth 1 -maxdepth 1 -type f -exec chmod 0640 {} +
install -d -o dsmtp -g dsmtp -m 0730 "$spool/incoming"
chown root:dsmtp "$helper"
chmod 2755 "$helper"
if [ -f "$conf" ]; then
	chown root:dsmtp "$conf"
	chmod 0640 "$conf"
fi
echo "dsmtp: system spool $spool ready; $helper is set-group-ID dsmtp"
