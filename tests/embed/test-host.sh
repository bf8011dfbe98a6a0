#!/bin/sh
# SPDX-License-Identifier: MIT
# test-host.sh HOST LIBDKIMMOD FAKE_MAJOR2 FAKE_MINOR0 SRCROOT - the example
# host of libdkimmod(3) signs and verifies through the plugin table of the
# built library, refuses incompatible libraries cleanly, and is the very
# program the manual page shows (TAP).
set -u
host=$1 lib=$2 fake2=$3 fake10=$4 root=$5
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
echo "1..6"
n=0
ok () { n=$((n + 1)); echo "ok $n - $1"; }
notok () { n=$((n + 1)); echo "not ok $n - $1"; sed 's/^/# /' "$tmp/out"; }

for k in ed25519 rsa2048; do
  # git does not keep mode 0600, and the library refuses readable keys.
  cp "$root/tests/interop/keys/$k.key" "$tmp/$k.key" && chmod 600 "$tmp/$k.key"
  "$host" "$lib" "$tmp/$k.key" > "$tmp/out" 2>&1
  rc=$?
  if [ $rc -eq 0 ] && grep -q '^loaded libdkimmod .*, ABI 1\.' "$tmp/out" \
     && grep -q '^DKIM-Signature: v=1; a=' "$tmp/out" \
     && grep -Eq '^key: (ed25519-sha256, 256|rsa-sha256, 2048) bits$' "$tmp/out" \
     && [ "$(grep -c '^dns: host1._domainkey.example.net TXT$' "$tmp/out")" = 2 ] \
     && grep -qx 'd=example.net s=host1: pass ' "$tmp/out" \
     && grep -q '^d=example.net s=host1: fail .*body hash' "$tmp/out" \
     && grep -q '^	dkim=pass .*header.d=example.net' "$tmp/out"; then
    ok "$k: signs and verifies through the table, DNS answered by the host"
  else
    notok "$k: signs and verifies through the table (exit $rc)"
  fi
done

"$host" "$fake2" "$tmp/ed25519.key" > "$tmp/out" 2>&1
rc=$?
if [ $rc -eq 3 ] && grep -q '^host: refusing .*ABI 2\.x, this host speaks 1\.x' "$tmp/out"; then
  ok "a library of ABI major 2 is refused (exit 3), nothing called"
else
  notok "a library of ABI major 2 is refused (exit $rc)"
fi

"$host" "$fake10" "$tmp/ed25519.key" > "$tmp/out" 2>&1
rc=$?
if [ $rc -eq 3 ] && grep -q '^host: refusing .*ABI 1\.0 lacks what this host calls (need 1\.2)' "$tmp/out"; then
  ok "an ABI 1.0 table (no verifier, no key_bits) is refused (exit 3)"
else
  notok "an ABI 1.0 table is refused (exit $rc)"
fi

"$host" "$root/tests/embed/host.c" "$tmp/ed25519.key" > "$tmp/out" 2>&1
rc=$?
if [ $rc -eq 2 ] && grep -q '^host: ' "$tmp/out"; then
  ok "a file that is not a library: exit 2 with dlerror"
else
  notok "a file that is not a library (exit $rc)"
fi

# One source of truth: the second literal block of EXAMPLES is host.c.
awk '/^\.Sh EXAMPLES/ { ex = 1 } ex && /^\.Bd -literal$/ { b++; if (b == 2) { on = 1; next } }
     on && /^\.Ed/ { exit } on { gsub(/\\e/, "\\"); sub(/^\\&/, ""); print }' \
  "$root/docs/libdkimmod.3" > "$tmp/page.c"
if diff -u "$root/tests/embed/host.c" "$tmp/page.c" > "$tmp/out"; then
  ok "libdkimmod(3) shows tests/embed/host.c unchanged"
else
  notok "libdkimmod(3) shows tests/embed/host.c unchanged (regenerate the block)"
fi
