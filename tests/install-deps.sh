#!/bin/sh
# Install the Debian 12 packages that building dsmtp, its tests and its
# demo need. Run as root; does nothing when DSMTP_NO_APT=1.
set -eu
[ "${DSMTP_NO_APT:-0}" = 1 ] && exit 0
packages="build-essential autoconf automake autopoint gettext pkg-config
 libgnutls28-dev libidn2-dev libunistring-dev libsecret-1-dev libcmocka-dev
 texinfo groff-base python3 python3-aiosmtpd swaks zsh fish gnutls-bin git
 python3-dkim python3-nacl opendkim opendkim-tools libmail-dkim-perl
 libnet-dns-perl openssl clang libclang-rt-14-dev
 postfix sasl2-bin libsasl2-modules dbus gnome-keyring libsecret-tools
 util-linux iproute2"
missing=""
for p in $packages; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
export DEBIAN_FRONTEND=noninteractive
# Postfix is only a test peer started by the tests themselves: no system
# configuration, no daemon.
echo "postfix postfix/main_mailer_type select No configuration" |
	debconf-set-selections
apt-get update -q
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing
