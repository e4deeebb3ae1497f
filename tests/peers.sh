#!/bin/sh
# peers.sh - unpack the mail servers the tests talk to without installing
# them.
#
# Postfix (and any other MTA) provides mail-transport-agent: installing it
# would remove the user's exim4, dma or msmtp-mta.  So the .deb is fetched
# with `apt-get download`, unpacked with `dpkg-deb -x` into a cache
# directory, and the tests run smtp-sink and a private master/smtpd from
# there.  Also creates the unprivileged user and groups a private Postfix
# runs as (dsmtp-pf, group dsmtp-pf and dsmtp-pfdrop), when run as root.
#
# Usage: tests/peers.sh        (DSMTP_PEERS_DIR overrides the cache;
#                               DSMTP_NO_APT=1 does nothing)
set -eu
[ "${DSMTP_NO_APT:-0}" = 1 ] && exit 0
cache=${DSMTP_PEERS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/dsmtp-tests/peers}
mkdir -p "$cache"

# unpack PACKAGE: $cache/PACKAGE holds the files of Debian's PACKAGE, at
# the candidate version; a stamp file names the version unpacked.
unpack() {
	pkg=$1
	version=$(apt-cache policy "$pkg" | sed -n 's/^ *Candidate: *//p')
	if [ -z "$version" ] || [ "$version" = "(none)" ]; then
		apt-get update -q >/dev/null
		version=$(apt-cache policy "$pkg" | sed -n 's/^ *Candidate: *//p')
	fi
	if [ -z "$version" ] || [ "$version" = "(none)" ]; then
		echo "peers: no candidate version of $pkg (apt-get update?)" >&2
		return 1
	fi
	[ "$(cat "$cache/$pkg.version" 2>/dev/null)" = "$version" ] && return 0
	tmp=$(mktemp -d "$cache/.$pkg.XXXXXX")
	(cd "$tmp" && apt-get download -q -o APT::Sandbox::User=root \
		"$pkg=$version" >/dev/null)
	rm -rf "$cache/$pkg"
	dpkg-deb -x "$tmp"/"$pkg"_*.deb "$cache/$pkg"
	rm -rf "$tmp"
	echo "$version" >"$cache/$pkg.version"
}

unpack postfix
# unbound: the DNS test bed's resolver (installing it would start a system
# resolver service on 127.0.0.1:53).
unpack unbound

if [ "$(id -u)" = 0 ]; then
	# The group of dsmtp's own queue daemon, which may read root's keys
	# (0640 root:dsmtp): what installing dsmtp for the system makes.
	getent group dsmtp >/dev/null || groupadd --system dsmtp
	getent group dsmtp-pfdrop >/dev/null || groupadd --system dsmtp-pfdrop
	getent passwd dsmtp-pf >/dev/null ||
		useradd --system --user-group --no-create-home \
			--home-dir /nonexistent --shell /usr/sbin/nologin dsmtp-pf
fi
