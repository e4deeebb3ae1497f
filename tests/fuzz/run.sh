#!/bin/sh
# Build every libFuzzer target in tests/fuzz (clang, libFuzzer + ASan +
# UBSan) and run each for a while on its seed corpus.
#
# Usage: run.sh SRCDIR BUILDDIR [SECONDS [TARGET...]]
#   SRCDIR    the source tree; BUILDDIR a configured build (its config.h)
#   SECONDS   time per target (default 30); 0 only replays the seeds
#   TARGET    names such as "reply" or "fuzz_reply" (default: all)
# The library is compiled once from the source list in Makefile.am
# (src_libdsmtp_a_SOURCES) into BUILDDIR/fuzz/libdsmtp-fuzz.a; targets
# link against it. Each target's output is in BUILDDIR/fuzz/NAME.log,
# a summary (and the tail of a failing log) in BUILDDIR/fuzz/fuzz.log,
# crash, leak and timeout inputs in BUILDDIR/fuzz/NAME-crash-* etc.
# Exits non-zero when any target crashes, leaks or times out.
# Environment: FUZZ_CC (clang), FUZZ_JOBS (2 compilers at a time),
# FUZZ_CFLAGS (added to every compile, e.g. to let one known UBSan
# finding recover while looking for others).
set -eu
src=$1
build=$2
secs=${3:-30}
if [ $# -gt 3 ]; then
	shift 3
else
	set --
fi
out="$build/fuzz"
obj="$out/obj"
CC=${FUZZ_CC:-clang}
jobs=${FUZZ_JOBS:-2}
mkdir -p "$obj"
: >"$out/fuzz.log"

# The -D values carry their C quotes: CFLAGS is split, never unquoted.
SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
# shellcheck disable=SC2089
CFLAGS="-g -O1 -fno-omit-frame-pointer $SAN -DHAVE_CONFIG_H \
	-DSYSCONFDIR=\"/nonexistent/etc\" -DLOCALEDIR=\"/nonexistent/locale\" \
	-DLIBEXECDIR=\"/nonexistent/libexec\" -DSPOOLDIR=\"/nonexistent/spool\" \
	-I$build -iquote $src/src -iquote $src/tests/fuzz \
	$(pkg-config --cflags gnutls libidn2) ${FUZZ_CFLAGS:-}"
LIBS="$(pkg-config --libs gnutls libidn2 libpsl) -lunistring -lpthread -lresolv"

# The library's C files, as Makefile.am lists them.
# shellcheck disable=SC1003,SC2020
sources=$(sed -n '/^src_libdsmtp_a_SOURCES/,/[^\\]$/p' "$src/Makefile.am" |
	tr ' \t\\' '\n\n\n' | grep '^src/.*\.c$')

# Compile what changed (a header change rebuilds everything), $jobs at
# a time.
rm -f "$out/compile-failed"
if [ "$(cat "$obj/flags" 2>/dev/null)" != "$CC $CFLAGS" ]; then
	rm -f "$obj"/*.o
	echo "$CC $CFLAGS" >"$obj/flags"
fi
n=0
for f in $sources; do
	o="$obj/$(basename "$f" .c).o"
	if [ -f "$o" ] &&
		[ -z "$(find "$src/$f" "$src"/src/*.h -newer "$o")" ]; then
		continue
	fi
	# shellcheck disable=SC2086,SC2090
	($CC -fsanitize=fuzzer-no-link $CFLAGS -c "$src/$f" -o "$o" ||
		touch "$out/compile-failed") &
	n=$((n + 1))
	if [ "$n" -ge "$jobs" ]; then
		wait
		n=0
	fi
done
wait
if [ -e "$out/compile-failed" ]; then
	echo "fuzz: the library does not compile with $CC" | tee "$out/fuzz.log"
	exit 1
fi
rm -f "$out/libdsmtp-fuzz.a"
for f in $sources; do
	echo "$obj/$(basename "$f" .c).o"
done | xargs ar rcs "$out/libdsmtp-fuzz.a"

if [ $# -eq 0 ]; then
	# shellcheck disable=SC2046
	set -- $(cd "$src/tests/fuzz" && for f in fuzz_*.c; do
		echo "${f%.c}"
	done)
fi

status=0
for t in "$@"; do
	t=fuzz_${t#fuzz_}
	# shellcheck disable=SC2086,SC2090
	$CC -fsanitize=fuzzer -Wall -Wextra -Wshadow -Wformat=2 $CFLAGS \
		"$src/tests/fuzz/$t.c" \
		"$out/libdsmtp-fuzz.a" $LIBS -o "$out/$t"
	name=${t#fuzz_}
	mkdir -p "$out/corpus/$name"
	seeds="$src/tests/fuzz/corpus/$name"
	[ -d "$seeds" ] || seeds=
	if [ "$secs" -gt 0 ]; then
		run="-max_total_time=$secs"
	else
		run="-runs=0"
	fi
	# New inputs go to the first directory; the seeds stay untouched.
	# shellcheck disable=SC2086
	if (cd "$out" && "./$t" $run -max_len=8192 -timeout=10 \
		-rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$out/$name-" \
		"$out/corpus/$name" $seeds) >"$out/$name.log" 2>&1; then
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' \
			"$out/$name.log")
		echo "fuzz: $name ok (${runs:-?} runs)" >>"$out/fuzz.log"
	else
		status=1
		{
			echo "fuzz: $name FAILED; see $out/$name.log"
			tail -40 "$out/$name.log"
		} >>"$out/fuzz.log"
	fi
done
cat "$out/fuzz.log"
exit $status
