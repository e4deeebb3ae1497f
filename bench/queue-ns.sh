#!/usr/bin/env bash
# queue-ns.sh - run a command where dma and nullmailer look installed,
# without touching the real system.  Used by bench/run.sh's queue group.
#
# Usage (as root):
#   unshare -m --propagation private bench/queue-ns.sh OUTER_NS QN PEERS CMD...
#
# OUTER_NS  the mount namespace of the caller (readlink /proc/$$/ns/mnt):
#           nothing is mounted unless this process is in another one
# QN        the directory run.sh prepared: etc/dma, etc/nullmailer,
#           spool/dma, spool/nullmailer (the real, disk-backed configuration
#           and spools) and stub/{etc,spool}/{dma,nullmailer} (empty
#           directories that become mount points)
# PEERS     the cache holding the unpacked packages (PEERS/dma, PEERS/nullmailer)
#
# dma and nullmailer have their paths compiled in (/etc/dma/dma.conf,
# /var/spool/dma, /etc/nullmailer, /var/spool/nullmailer, /usr/sbin,
# /usr/bin and /usr/lib/nullmailer).  Inside this private mount namespace
# /etc, /var/spool, /usr/sbin, /usr/bin and /usr/lib are read-only overlays
# (the unpacked package trees and the stub mount points over the real
# directories), and QN's configuration and spool directories are bind
# mounted onto the stub mount points, so the spools are on the same disk
# filesystem as dsmtp's.  Everything disappears with the namespace.
set -euo pipefail

(($# >= 4)) || { echo "usage: queue-ns.sh OUTER_NS QN PEERS CMD..." >&2; exit 2; }
outer=$1 qn=$2 peers=$3
shift 3

fail() {
	echo "queue-ns: $*" >&2
	exit 1
}

((EUID == 0)) || fail "needs root"
inner=$(readlink /proc/self/ns/mnt)
[[ $inner != "$outer" ]] ||
	fail "not in a mount namespace of its own (run it under unshare -m --propagation private)"
# Private propagation: no mount made here reaches the outer namespace.
if awk '$5 == "/" { exit !($0 ~ / shared:/) }' /proc/self/mountinfo; then
	fail "the root mount is shared with the outer namespace (unshare --propagation private)"
fi

dma=$peers/dma nm=$peers/nullmailer
for d in "$dma/usr/sbin" "$nm/usr/sbin" "$nm/usr/bin" "$nm/usr/lib/nullmailer"; do
	[[ -d $d ]] || fail "$d missing (run bench/fetch-peers.sh)"
done

overlay() { # TARGET LOWER...: read-only union of LOWER... over TARGET
	local target=$1 lower
	shift
	lower=$(printf '%s:' "$@")
	mount -t overlay overlay -o "lowerdir=${lower}$target" "$target" ||
		fail "cannot mount an overlay on $target"
}
bind() { # SOURCE TARGET
	mount --bind "$1" "$2" || fail "cannot bind $1 onto $2"
}

overlay /etc "$qn/stub/etc"
overlay /var/spool "$qn/stub/spool"
overlay /usr/sbin "$nm/usr/sbin" "$dma/usr/sbin"
overlay /usr/bin "$nm/usr/bin"
overlay /usr/lib "$nm/usr/lib" "$dma/usr/lib"
for p in dma nullmailer; do
	bind "$qn/etc/$p" "/etc/$p"
	bind "$qn/spool/$p" "/var/spool/$p"
done
# A network namespace's resolv.conf (bench/mx.sh), which the overlay on
# /etc would hide.
[[ -z ${QNS_RESOLV:-} ]] || bind "$QNS_RESOLV" /etc/resolv.conf

exec "$@"
