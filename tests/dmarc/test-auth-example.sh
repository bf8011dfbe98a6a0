#!/bin/sh
# SPDX-License-Identifier: MIT
# test-auth-example.sh LIBDKIMMOD SRCROOT [SANITIZE] - the aggregate example of
# libdkimmod(3) (the EXAMPLES block that calls dkimmod_auth_new) compiles as
# strict C99 without warnings against the public header alone, links against
# the built shared library, and prints dkim=pass and dmarc=pass (TAP).
set -u
lib=$1
root=$2
san=
case ${3:-none} in none|'') ;; *) san=-fsanitize=$3 ;; esac
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
echo "1..3"

# Every ".Bd -literal" block after ".Sh EXAMPLES"; keep the one with dkimmod_auth_new.
awk '/^\.Sh EXAMPLES/ { ex = 1 } ex && /^\.Bd -literal$/ { on = 1; n++; next }
     on && /^\.Ed/ { on = 0; next } on { gsub(/\\e/, "\\"); print > (dir "/block" n ".c") }' \
  dir="$tmp" "$root/docs/libdkimmod.3"
src=$(grep -l dkimmod_auth_new "$tmp"/block*.c | head -1)
if [ -n "$src" ] && ${CC:-cc} -std=c99 -pedantic -Wall -Wextra -Werror $san -I"$root/module" \
     -o "$tmp/example" "$src" "$lib" 2> "$tmp/cc.err"; then
  echo "ok 1 - the aggregate example compiles (C99, -Wall -Wextra -pedantic, public header only)"
else
  echo "not ok 1 - the aggregate example compiles"; sed 's/^/# /' "$tmp/cc.err" 2>/dev/null; exit 1
fi
cp "$root/tests/interop/keys/ed25519.key" "$tmp/ed1.key" && chmod 600 "$tmp/ed1.key"
LD_LIBRARY_PATH=$(dirname "$lib") "$tmp/example" "$tmp/ed1.key" > "$tmp/out.crlf" 2>&1
rc=$?
tr -d '\r' < "$tmp/out.crlf" > "$tmp/out"   # the field ends its lines in CRLF
if [ $rc -eq 0 ] && grep -q '^dkim=pass (256-bit key) header.d=example.net' "$tmp/out" \
   && grep -qx 'dmarc=pass (p=reject dis=none) header.from=example.net policy.dmarc=none' "$tmp/out"; then
  echo "ok 2 - the example prints dkim=pass and dmarc=pass"
else
  echo "not ok 2 - the example prints dkim=pass and dmarc=pass (exit $rc)"; sed 's/^/# /' "$tmp/out"; exit 1
fi
if grep -q '^Authentication-Results: mx.example.org;$' "$tmp/out" \
   && grep -q '^	dmarc=pass (p=reject dis=none) header.from=example.net' "$tmp/out"; then
  echo "ok 3 - one Authentication-Results field with dkim= and dmarc="
else
  echo "not ok 3 - one Authentication-Results field"; sed 's/^/# /' "$tmp/out"; exit 1
fi
