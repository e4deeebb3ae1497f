#!/bin/sh
# Build the canonicaliser fuzz target with clang (libFuzzer + ASan +
# UBSan) and run it for a short while. Usage: run.sh SRCDIR BUILDDIR
# [SECONDS]. Exits non-zero when the fuzzer finds a crash.
set -eu
src=$1
build=$2
secs=${3:-30}
out="$build/fuzz"
mkdir -p "$out/corpus"
cp "$src"/tests/fuzz/corpus/* "$out/corpus/" 2>/dev/null || true
# shellcheck disable=SC2046
clang -g -O1 -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=undefined \
	-DHAVE_CONFIG_H -I"$build" -I"$src/src" \
	$(pkg-config --cflags gnutls) \
	"$src/tests/fuzz/fuzz_canon.c" "$src/src/dkim.c" "$src/src/rfc5322.c" \
	"$src/src/buf.c" "$src/src/xmalloc.c" "$src/src/crypto.c" \
	"$src/src/message_emit.c" "$src/src/message_hdr.c" "$src/src/message.c" \
	"$src/src/message_mime.c" "$src/src/mime.c" \
	"$src/src/addr.c" "$src/src/aliases.c" "$src/src/err.c" \
	$(pkg-config --libs gnutls libidn2) -lunistring \
	-o "$out/fuzz_canon"
"$out/fuzz_canon" -max_total_time="$secs" -max_len=4096 \
	-artifact_prefix="$out/" "$out/corpus" >"$out/fuzz.log" 2>&1
