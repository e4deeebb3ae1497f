#!/bin/sh
# fetch-peers.sh - unpack dma and nullmailer for bench/run.sh's queue group.
#
# Both packages provide mail-transport-agent: installing either would
# remove the machine's MTA.  So they are never installed: the .deb is
# fetched with `apt-get download` and unpacked with `dpkg-deb -x` into the
# peers cache, next to the Postfix that tests/peers.sh unpacks.  The queue
# group runs them from there inside a private mount namespace
# (bench/queue-ns.sh).
#
# Usage: bench/fetch-peers.sh   (DSMTP_PEERS_DIR overrides the cache)
set -eu
cache=${DSMTP_PEERS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/dsmtp-tests/peers}
mkdir -p "$cache"

candidate() {
	apt-cache policy "$1" | sed -n 's/^ *Candidate: *//p'
}

for pkg in dma nullmailer; do
	version=$(candidate "$pkg")
	if [ -z "$version" ] || [ "$version" = "(none)" ]; then
		apt-get update -q >/dev/null
		version=$(candidate "$pkg")
	fi
	if [ -z "$version" ] || [ "$version" = "(none)" ]; then
		echo "fetch-peers: no candidate version of $pkg" >&2
		exit 1
	fi
	[ "$(cat "$cache/$pkg.version" 2>/dev/null)" = "$version" ] && continue
	tmp=$(mktemp -d "$cache/.$pkg.XXXXXX")
	# The version contains ':' for nullmailer (an epoch); download by name=version.
	(cd "$tmp" && apt-get download -q -o APT::Sandbox::User=root "$pkg=$version" >/dev/null)
	rm -rf "${cache:?}/$pkg"
	# As root, dpkg-deb keeps the owners and the set-ID bits (dma is
	# set-group-ID mail, nullmailer-queue set-user-ID mail).
	dpkg-deb -x "$tmp"/"$pkg"_*.deb "$cache/$pkg"
	rm -rf "$tmp"
	echo "$version" >"$cache/$pkg.version"
	echo "fetch-peers: $pkg $version unpacked in $cache/$pkg"
done
