#!/bin/sh
# SPDX-License-Identifier: MIT
# test-spf-example.sh LIBDKIMMOD SRCROOT [SANITIZE] - the SPF example of
# libdkimmod(3) (the ".Bd -literal" block after the line
# '.\" example: spf') compiles as strict C99 against the public header
# alone, links against the built shared library, passes for the MX's
# address and fails for another (TAP).
set -u
lib=$1
root=$2
san=
case ${3:-none} in none|'') ;; *) san=-fsanitize=$3 ;; esac
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
echo "1..3"
awk '/^\.\\" example: spf/ { ex = 1 } ex && /^\.Bd -literal$/ { on = 1; next }
     on && /^\.Ed/ { exit } on { gsub(/\\e/, "\\"); print }' \
  "$root/docs/libdkimmod.3" > "$tmp/spf.c"
if [ -s "$tmp/spf.c" ] && ${CC:-cc} -std=c99 -pedantic -Wall -Wextra -Werror $san -I"$root/module" \
     -o "$tmp/spf" "$tmp/spf.c" "$lib" 2> "$tmp/cc.err"; then
  echo "ok 1 - the SPF example compiles (C99, -Wall -Wextra -pedantic, public header only)"
else
  echo "not ok 1 - the SPF example compiles"; sed 's/^/# /' "$tmp/cc.err"; exit 1
fi
out=$(LD_LIBRARY_PATH=$(dirname "$lib") "$tmp/spf" 2>&1); rc=$?
if [ $rc -eq 0 ] && [ "$out" = "spf=pass smtp.mailfrom=alice@example.org (mx)" ]; then
  echo "ok 2 - the MX's address passes"
else
  echo "not ok 2 - the MX's address passes (exit $rc): $out"
fi
out=$(LD_LIBRARY_PATH=$(dirname "$lib") "$tmp/spf" 198.51.100.1 2>&1); rc=$?
if [ $rc -eq 1 ] && [ "$out" = "spf=fail smtp.mailfrom=alice@example.org (-all)" ]; then
  echo "ok 3 - another address fails"
else
  echo "not ok 3 - another address fails (exit $rc): $out"
fi
