#!/bin/sh
# Install the Debian 12 packages that building dsmtp, its tests and its
# demo need, then unpack (never install) the MTAs the tests use as peers
# (tests/peers.sh). Run as root; does nothing when DSMTP_NO_APT=1.
#
# Nothing here removes or replaces a package: every package below is a
# library, a tool or a client that provides no mail-transport-agent.
set -eu
[ "${DSMTP_NO_APT:-0}" = 1 ] && exit 0
packages="build-essential autoconf automake autopoint gettext pkg-config
 libgnutls28-dev libidn2-dev libunistring-dev libsecret-1-dev libcmocka-dev
 libpsl-dev publicsuffix
 texinfo groff-base python3 python3-aiosmtpd swaks zsh fish gnutls-bin git
 python3-dkim python3-nacl opendkim opendkim-tools libmail-dkim-perl python3-spf
 libnet-dns-perl openssl curl clang libclang-rt-14-dev
 sasl2-bin libsasl2-modules libsasl2-modules-db dbus gnome-keyring
 libsecret-tools util-linux iproute2 msmtp
 ldnsutils bind9-dnsutils faketime systemd
 debhelper dpkg-dev lintian mmdebstrap spfquery
 libdb5.3 libicu72 libnsl2 libsasl2-2 libssl3
 libevent-2.1-7 libnghttp2-14 libprotobuf-c1 libpython3.11 libsystemd0"
missing=""
for p in $packages; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	# shellcheck disable=SC2086
	apt-get install -y -q --no-install-recommends $missing
fi
# The last two lines are what the unpacked Postfix and unbound link with.
"$(dirname "$0")/peers.sh"
