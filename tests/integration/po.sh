#!/bin/sh
# po.sh - the translations stay complete: every message the sources mark
# for translation (po/POTFILES.in, the keywords of po/Makevars) has a
# translation that is neither missing nor fuzzy in every po/*.po, and each
# catalog passes msgfmt's format checks. TAP.
set -u
src=${DSMTP_SRCDIR:?}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/dsmtp-po.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
n=0
fail() { n=$((n + 1)); echo "not ok $n - $1"; sed 's/^/# /' "$tmp/log"; }
pass() { n=$((n + 1)); echo "ok $n - $1"; }

opts=$(sed -n '/^XGETTEXT_OPTIONS *=/,/[^\\]$/p' "$src/po/Makevars" |
	sed 's/^XGETTEXT_OPTIONS *=//; s/\\$//' | tr '\n' ' ')
# shellcheck disable=SC2086 # options are words
(cd "$src" && xgettext $opts --files-from=po/POTFILES.in \
	-o "$tmp/dsmtp.pot") >"$tmp/log" 2>&1 ||
	{ fail "xgettext reads every file of POTFILES.in"; echo "1..$n"; exit 0; }
pass "xgettext reads every file of POTFILES.in"
for po in "$src"/po/*.po; do
	lang=$(basename "$po" .po)
	if msgcmp "$po" "$tmp/dsmtp.pot" >"$tmp/log" 2>&1; then
		pass "$lang: every message is translated (none missing or fuzzy)"
	else
		fail "$lang: every message is translated (none missing or fuzzy)"
	fi
	if msgfmt -c -o /dev/null "$po" >"$tmp/log" 2>&1; then
		pass "$lang: msgfmt -c accepts the catalog"
	else
		fail "$lang: msgfmt -c accepts the catalog"
	fi
done
# Every C file with a _() call is in POTFILES.in.
: >"$tmp/log"
for f in "$src"/src/*.c; do
	rel=src/$(basename "$f")
	grep -q '_("' "$f" || continue
	grep -qx "$rel" "$src/po/POTFILES.in" || echo "$rel" >>"$tmp/log"
done
if [ -s "$tmp/log" ]; then
	fail "every source file with translatable text is in POTFILES.in"
else
	pass "every source file with translatable text is in POTFILES.in"
fi
echo "1..$n"
