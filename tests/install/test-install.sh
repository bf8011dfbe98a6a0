#!/bin/sh
# SPDX-License-Identifier: MIT
# test-install.sh BUILDDIR SRCROOT SANITIZE PREFIX LIBDIR BINDIR INCLUDEDIR
#                 LIBEXECDIR SYSCONFDIR MANDIR - `meson install --destdir`
# puts everything where distributions expect it, the installed pkg-config
# file builds the libdkimmod(3) examples (linked, and the dlopen host)
# against the installed header and library, and every installed manual
# page renders without warnings (TAP). Directories are absolute (meson's
# prefix / dir), so a sysconfdir of /etc under prefix /usr works too.
set -u
build=$1 root=$2 sanitize=$3 prefix=$4 libdir=$5 bindir=$6 incdir=$7
libexecdir=$8 sysconfdir=$9 mandir=${10}
san=
case $sanitize in none|'') ;; *) san=-fsanitize=$sanitize ;; esac
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
D=$tmp/dest
echo "1..7"
n=0
ok () { n=$((n + 1)); echo "ok $n - $1"; }
notok () { n=$((n + 1)); echo "not ok $n - $1"; sed 's/^/# /' "$tmp/out"; }

if meson install -C "$build" --destdir "$D" --no-rebuild --quiet > "$tmp/out" 2>&1; then
  ok "meson install --destdir"
else
  notok "meson install --destdir"; exit 1
fi

# The tree: each path must exist with the right type.
: > "$tmp/out"
check () { # TEST PATH
  test "$1" "$D$2" || echo "missing or wrong type: $2 (test $1)" >> "$tmp/out"
}
so=$libdir/libdkimmod.so
check -f "$so.1.0.0"
check -L "$so.1"; check -L "$so"
[ "$(readlink "$D$so.1")" = libdkimmod.so.1.0.0 ] || echo "$so.1 -> $(readlink "$D$so.1")" >> "$tmp/out"
[ "$(readlink "$D$so")" = libdkimmod.so.1 ] || echo "$so -> $(readlink "$D$so")" >> "$tmp/out"
objdump -p "$D$so.1.0.0" 2>/dev/null | grep -q 'SONAME *libdkimmod\.so\.1$' \
  || echo "SONAME is not libdkimmod.so.1" >> "$tmp/out"
check -f "$incdir/dkimmod.h"
check -f "$libdir/pkgconfig/libdkimmod.pc"
check -x "$bindir/dkimmod"
check -x "$libexecdir/dkimmod/dkimmod-spawn"
check -f "$sysconfdir/dkimmod/dkimmod.conf.sample"
for m in man1/dkimmod.1 man3/libdkimmod.3 man5/dkimmod.conf.5 man8/dkimmod-spawn.8; do
  check -f "$mandir/$m"
done
# Only the public header is installed, never a private one.
[ "$(find "$D" -name '*.h' | wc -l)" = 1 ] || find "$D" -name '*.h' >> "$tmp/out"
if [ ! -s "$tmp/out" ]; then
  ok "tree: library with soname links, header, pkg-config, bin, libexec, sample, man1/3/5/8"
else
  notok "tree"
fi

# pkg-config from the DESTDIR: SYSROOT prefixes -I and -L with it.
export PKG_CONFIG_PATH="$D$libdir/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$D"
cflags=$(pkg-config --cflags libdkimmod 2>"$tmp/out") && libs=$(pkg-config --libs libdkimmod 2>>"$tmp/out")
if [ $? -eq 0 ] && [ "$(pkg-config --modversion libdkimmod)" = "$(meson introspect "$build" --projectinfo | sed 's/.*"version": "\([^"]*\)".*/\1/')" ]; then
  ok "pkg-config finds the installed libdkimmod.pc ($cflags $libs)"
else
  notok "pkg-config finds the installed libdkimmod.pc"
fi

cp "$root/tests/interop/keys/ed25519.key" "$tmp/ed1.key" && chmod 600 "$tmp/ed1.key"
# The linked example of libdkimmod(3) (the first literal block of EXAMPLES).
awk '/^\.Sh EXAMPLES/ { ex = 1 } ex && /^\.Bd -literal$/ { on = 1; next }
     on && /^\.Ed/ { exit } on { gsub(/\\e/, "\\"); print }' \
  "$D$mandir/man3/libdkimmod.3" > "$tmp/example.c"
# shellcheck disable=SC2086 # word splitting of pkg-config output is wanted
if ${CC:-cc} -std=c99 -Wall -Wextra -Werror $san $cflags -o "$tmp/example" "$tmp/example.c" \
     $libs > "$tmp/out" 2>&1 \
   && LD_LIBRARY_PATH="$D$libdir" "$tmp/example" "$tmp/ed1.key" > "$tmp/out" 2>&1 \
   && grep -q '^d=example.net s=ed1: pass' "$tmp/out" \
   && LD_LIBRARY_PATH="$D$libdir" ldd "$tmp/example" > "$tmp/out" 2>&1 \
   && grep -q "libdkimmod.so.1 => $D$libdir/libdkimmod.so.1" "$tmp/out"; then
  ok "the linked example builds with pkg-config and runs on the installed library"
else
  notok "the linked example builds with pkg-config and runs on the installed library"
fi

# The dlopen host: only the installed header, then the installed library.
# shellcheck disable=SC2086
if ${CC:-cc} -std=c99 -Wall -Wextra -Werror $san $cflags -o "$tmp/host" \
     "$root/tests/embed/host.c" -ldl > "$tmp/out" 2>&1 \
   && "$tmp/host" "$D$so.1" "$tmp/ed1.key" > "$tmp/out" 2>&1 \
   && grep -qx 'd=example.net s=host1: pass ' "$tmp/out"; then
  ok "the example host (installed header) loads the installed libdkimmod.so.1, signs, verifies"
else
  notok "the example host loads the installed library"
fi

# Installed programs run from the tree (libdkimmod is linked in statically).
if "$D$bindir/dkimmod" --version > "$tmp/out" 2>&1 && grep -q '[0-9]\.[0-9]' "$tmp/out"; then
  ok "installed dkimmod runs"
else
  notok "installed dkimmod runs"
fi

# Every installed manual page renders without a warning.
if ! command -v man > /dev/null 2>&1; then
  n=$((n + 1)); echo "ok $n # SKIP man(1) not installed"
else
  : > "$tmp/out"
  for p in "$D$mandir"/man*/*; do
    LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$p" 2>&1 > "$tmp/page" | sed "s|^|${p#"$D"}: |" >> "$tmp/out"
    [ -s "$tmp/page" ] || echo "${p#"$D"}: renders empty" >> "$tmp/out"
  done
  if [ ! -s "$tmp/out" ]; then
    ok "man --warnings -l: every installed page renders without warnings"
  else
    notok "man --warnings -l"
  fi
fi
