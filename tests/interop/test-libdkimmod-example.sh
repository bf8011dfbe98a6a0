#!/bin/sh
# SPDX-License-Identifier: MIT
# test-libdkimmod-example.sh LIBDKIMMOD SRCROOT [SANITIZE] - the EXAMPLES program of
# libdkimmod(3) compiles as strict C99 without warnings against the public
# header alone, links against the built shared library, signs and verifies
# (TAP). Keeps the manual page's example honest. SANITIZE is meson's
# b_sanitize: a sanitized library needs a sanitized program.
set -u
lib=$1
root=$2
san=
case ${3:-none} in none|'') ;; *) san=-fsanitize=$3 ;; esac
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
echo "1..3"

# The first ".Bd -literal" block after ".Sh EXAMPLES", roff escapes undone.
awk '/^\.Sh EXAMPLES/ { ex = 1 } ex && /^\.Bd -literal$/ { on = 1; next }
     on && /^\.Ed/ { exit } on { gsub(/\\e/, "\\"); print }' \
  "$root/docs/libdkimmod.3" > "$tmp/example.c"
if ${CC:-cc} -std=c99 -pedantic -Wall -Wextra -Werror $san -I"$root/module" \
     -o "$tmp/example" "$tmp/example.c" "$lib" 2> "$tmp/cc.err"; then
  echo "ok 1 - the example compiles (C99, -Wall -Wextra -pedantic, public header only)"
else
  echo "not ok 1 - the example compiles"; sed 's/^/# /' "$tmp/cc.err"; exit 1
fi

cp "$root/tests/interop/keys/ed25519.key" "$tmp/ed1.key" && chmod 600 "$tmp/ed1.key"
LD_LIBRARY_PATH=$(dirname "$lib") "$tmp/example" "$tmp/ed1.key" > "$tmp/out" 2>&1
rc=$?
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
