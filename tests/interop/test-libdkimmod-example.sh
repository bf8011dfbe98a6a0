#!/bin/sh
# SPDX-License-Identifier: MIT
# test-libdkimmod-example.sh LIBDKIMMOD SRCROOT [SANITIZE] - the EXAMPLES programs of
# libdkimmod(3) compile as strict C99 without warnings against the public
# header alone, link against the built shared library and run (TAP): the
# first signs and verifies, the aggregate one (the block that calls
# dkimmod_auth_new) prints dkim=pass and dmarc=pass in one field. Keeps the
# manual page's examples honest. SANITIZE is meson's b_sanitize: a
# sanitized library needs a sanitized program.
set -u
lib=$1
root=$2
san=
case ${3:-none} in none|'') ;; *) san=-fsanitize=$3 ;; esac
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
echo "1..6"

# Every ".Bd -literal" block after ".Sh EXAMPLES", roff escapes undone:
# block1.c is the first example.
awk '/^\.Sh EXAMPLES/ { ex = 1 } ex && /^\.Bd -literal$/ { on = 1; n++; next }
     on && /^\.Ed/ { on = 0; next } on { gsub(/\\e/, "\\"); print > (dir "/block" n ".c") }' \
  dir="$tmp" "$root/docs/libdkimmod.3"

# build N SRC WHAT - test N: SRC compiles into $tmp/prog-N
build () {
  if [ -f "$2" ] && ${CC:-cc} -std=c99 -pedantic -Wall -Wextra -Werror $san -I"$root/module" \
       -o "$tmp/prog-$1" "$2" "$lib" 2> "$tmp/cc.err"; then
    echo "ok $1 - $3 compiles (C99, -Wall -Wextra -pedantic, public header only)"
  else
    echo "not ok $1 - $3 compiles"; sed 's/^/# /' "$tmp/cc.err" 2>/dev/null; exit 1
  fi
}

# run N - prog-N with the key; its output, CRs removed, in $tmp/out; its status in rc
run () {
  LD_LIBRARY_PATH=$(dirname "$lib") "$tmp/prog-$1" "$tmp/ed1.key" > "$tmp/out.crlf" 2>&1
  rc=$?
  tr -d '\r' < "$tmp/out.crlf" > "$tmp/out"
}

cp "$root/tests/interop/keys/ed25519.key" "$tmp/ed1.key" && chmod 600 "$tmp/ed1.key"
build 1 "$tmp/block1.c" "the example"
run 1
if [ $rc -eq 0 ] && grep -q '^DKIM-Signature: v=1; a=ed25519-sha256;' "$tmp/out"; then
  echo "ok 2 - the example signs"
else
  echo "not ok 2 - the example signs (exit $rc)"; sed 's/^/# /' "$tmp/out"; exit 1
fi
if grep -qx 'd=example.net s=ed1: pass ' "$tmp/out" \
   && grep -q '^	dkim=pass (256-bit key) header.d=example.net' "$tmp/out"; then
  echo "ok 3 - the example verifies: pass, Authentication-Results"
else
  echo "not ok 3 - the example verifies"; sed 's/^/# /' "$tmp/out"; exit 1
fi

build 4 "$(grep -l dkimmod_auth_new "$tmp"/block*.c | head -1)" "the aggregate example"
run 4
if [ $rc -eq 0 ] && grep -q '^dkim=pass (256-bit key) header.d=example.net' "$tmp/out" \
   && grep -qx 'dmarc=pass (p=reject dis=none) header.from=example.net policy.dmarc=none' "$tmp/out"; then
  echo "ok 5 - the aggregate example prints dkim=pass and dmarc=pass"
else
  echo "not ok 5 - the aggregate example prints dkim=pass and dmarc=pass (exit $rc)"
  sed 's/^/# /' "$tmp/out"; exit 1
fi
if grep -q '^Authentication-Results: mx.example.org;$' "$tmp/out" \
   && grep -q '^	dmarc=pass (p=reject dis=none) header.from=example.net' "$tmp/out"; then
  echo "ok 6 - one Authentication-Results field with dkim= and dmarc="
else
  echo "not ok 6 - one Authentication-Results field"; sed 's/^/# /' "$tmp/out"; exit 1
fi
