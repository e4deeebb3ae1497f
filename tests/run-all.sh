#!/bin/sh
# Build dsmtp from this tree and run every test twice: a normal build and
# one under AddressSanitizer and UndefinedBehaviorSanitizer, then
# `make distcheck`. The last line is "N passed, N failed[, N skipped]".
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/tests/install-deps.sh"
cd "$top"
[ -x configure ] || ./autogen.sh >/dev/null 2>&1
if [ -f config.status ]; then
	echo "run-all: the source tree is configured; run 'make distclean'" >&2
	exit 2
fi
jobs=$(nproc 2>/dev/null || echo 2)

# run_build DIR [configure args...]: build in DIR and run make check.
run_build() {
	dir=$1
	shift
	rm -rf "$dir"
	mkdir -p "$dir"
	(cd "$dir" && "$top/configure" -q "$@" >/dev/null &&
		make -s -j"$jobs" >/dev/null &&
		make -s -j"$jobs" check >/dev/null 2>&1) || true
}

count() {
	# Sum a field of every test-suite.log header.
	total=0
	for log in "$@"; do
		[ -f "$log" ] || continue
		n=$(sed -n "s/^# $field: *//p" "$log" | head -1)
		total=$((total + ${n:-0}))
	done
	echo "$total"
}

run_build build-check
run_build build-asan \
	CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" \
	LDFLAGS="-fsanitize=address,undefined"

for log in build-check/test-suite.log build-asan/test-suite.log; do
	if [ ! -f "$log" ]; then
		echo "run-all: $log is missing: the build failed" >&2
		missing_logs=1
	fi
	grep -E '^(FAIL|ERROR|XPASS)' "$log" 2>/dev/null | head -50 || true
done

logs="build-check/test-suite.log build-asan/test-suite.log"
field=PASS; pass=$(count $logs)
field=FAIL; fail=$(count $logs)
field=ERROR; err=$(count $logs)
field=XPASS; xpass=$(count $logs)
field=SKIP; skip=$(count $logs)
fail=$((fail + err + xpass + ${missing_logs:-0}))

# make distcheck counts as one more test (the tarball carries tests/data).
if (cd build-check && make -s distcheck >distcheck.log 2>&1); then
	pass=$((pass + 1))
else
	fail=$((fail + 1))
	echo "run-all: make distcheck failed; see build-check/distcheck.log" >&2
	tail -30 build-check/distcheck.log >&2 || true
fi

# The Debian packages, built from this tree and installed in a throwaway
# chroot (tests/package/run.py, TAP): once, after the two builds.
pkglog=build-check/package.log
DSMTP="$top/build-check/src/dsmtp" /usr/bin/python3 "$top/tests/package/run.py" \
	>"$pkglog" 2>&1 || true
n=$(grep -c '^ok ' "$pkglog" || true)
ns=$(grep -c '^ok .* # SKIP' "$pkglog" || true)
nf=$(grep -c '^not ok ' "$pkglog" || true)
if ! grep -q '^1\.\.[0-9]' "$pkglog"; then
	nf=$((nf + 1))
	echo "run-all: tests/package/run.py ended without its plan" >&2
fi
pass=$((pass + n - ns))
skip=$((skip + ns))
fail=$((fail + nf))
if [ "$nf" -gt 0 ]; then
	echo "run-all: the package tests failed; see $pkglog" >&2
	grep -A8 '^not ok ' "$pkglog" | head -60 >&2 || true
fi

# Every fuzz target (tests/fuzz/fuzz_*.c), 15 s each under ASan+UBSan,
# counted as one more test; `make fuzz` runs them longer.
if "$top/tests/fuzz/run.sh" "$top" "$top/build-check" 15; then
	pass=$((pass + 1))
else
	fail=$((fail + 1))
	echo "run-all: the fuzzer found a crash; see build-check/fuzz/" >&2
	tail -30 build-check/fuzz/fuzz.log >&2 || true
fi

if [ "$skip" -gt 0 ]; then
	echo "$pass passed, $fail failed, $skip skipped"
else
	echo "$pass passed, $fail failed"
fi
[ "$fail" -eq 0 ]
