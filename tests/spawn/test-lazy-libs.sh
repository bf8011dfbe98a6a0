#!/bin/sh
# SPDX-License-Identifier: MIT
# test-lazy-libs.sh BINARY... - libpsl and libidn2 are not linked (TAP).
#
# module/lazylib.c opens them with dlopen when a message first needs them
# (an RFC 7489 DMARC lookup, a non-ASCII sender domain), so that a
# connection that does not never pays for loading them
# (docs/benchmarks.md). Each BINARY (dkimmod-spawn, dkimmod,
# libdkimmod.so) must not name them, or libunistring that they pull in,
# as NEEDED. That they still work when needed is the business of the
# DMARC (dmarc_standard = "rfc7489", opendmarc) and IDN sender tests.
set -u
n=0
fail=0
echo "1..$#"
for bin in "$@"; do
	n=$((n + 1))
	needed=$(readelf -d "$bin" 2>&1 | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
	if [ -z "$needed" ]; then
		echo "not ok $n - $bin: readelf -d shows no NEEDED entries"
		fail=1
	elif bad=$(printf '%s\n' "$needed" | grep -E '^lib(psl|idn2|unistring)\.'); then
		echo "not ok $n - $bin links $(echo $bad) (to be opened with dlopen at first use)"
		fail=1
	else
		echo "ok $n - $bin: no libpsl, libidn2 or libunistring among $(echo $needed | wc -w) NEEDED"
	fi
done
exit $fail
