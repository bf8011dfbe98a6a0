#!/bin/bash
# SPDX-License-Identifier: MIT
#
# NAME
#	test-package.sh - build, lint, install, use and purge the Debian packages
# SYNOPSIS
#	tests/package/test-package.sh [--debs DIR] [--no-e2e] [--keep]
# DESCRIPTION
#	As root on Debian 12 (CI runs it from .ci/run after the test suite):
#	1. copies the source tree to a temporary directory and builds the
#	   binary packages there with "dpkg-buildpackage -us -uc -b"
#	   (DEB_BUILD_OPTIONS defaults to "nocheck parallel=2": the suite
#	   already ran), unless --debs DIR names packages built before;
#	2. runs lintian on the .changes and fails on any error or warning;
#	3. installs dkimmod, libdkimmod1 and libdkimmod-dev with apt-get and
#	   checks what the package set up: the dkimmod system user,
#	   /etc/dkimmod root:root 0755 and /etc/dkimmod/keys dkimmod 0700,
#	   the man pages, the docs, and a program built with the installed
#	   header and pkg-config file that links the installed library;
#	4. runs the end-to-end cases of tests/postfix/e2e.py with the INSTALLED
#	   binaries (RIG_BIN_DIR=/usr/libexec/dkimmod, DKIMMOD_CLI=/usr/bin/dkimmod):
#	   signing after and before the queue, verifying, and the CLI;
#	5. purges the packages and checks that every file they installed is
#	   gone, /etc/dkimmod too, that a file an admin left in /etc/dkimmod is
#	   kept (it is not the package's), and that the dkimmod user stays
#	   (Debian packages do not remove their system users: files the user
#	   owns may remain, and its uid must not go to a later user).
#	Postfix's main.cf and master.cf must be byte for byte the same before
#	and after (the package never edits them). --no-e2e leaves out step 4
#	(for a machine where the rig cannot run now); --keep keeps the
#	temporary directory with the packages and the build log.
# ENVIRONMENT
#	DEB_BUILD_OPTIONS  passed to dpkg-buildpackage (default "nocheck parallel=2")
# DIAGNOSTICS
#	Exit 0 when every check passes, 1 on the first failure, 77 when not
#	root (installing packages needs root).
# NEVER
#	Runs when dkimmod packages are installed already (it would purge them).
set -euo pipefail

SRC=$(cd "$(dirname "$0")/../.." && pwd)
PKGS=(dkimmod libdkimmod1 libdkimmod-dev)
DEBS=
KEEP=0
E2E=1
while [ $# -gt 0 ]; do
	case "$1" in
	--debs) DEBS=$(cd "$2" && pwd); shift 2 ;;
	--no-e2e) E2E=0; shift ;;
	--keep) KEEP=1; shift ;;
	*) echo "usage: test-package.sh [--debs DIR] [--no-e2e] [--keep]" >&2; exit 64 ;;
	esac
done

[ "$(id -u)" = 0 ] || { echo "SKIP: installing packages needs root"; exit 77; }
# Step 4 needs a rig that runs installed binaries (rig.sh RIG_BIN_DIR, and
# e2e.py's cli case): left out, and said so, on a tree without them.
if [ "$E2E" = 1 ] && ! grep -q RIG_BIN_DIR "$SRC/tests/postfix/rig.sh"; then
	echo "test-package: tests/postfix/rig.sh cannot run installed binaries (no RIG_BIN_DIR): step 4 left out"
	E2E=0
fi

fail () { echo "test-package: FAIL: $*" >&2; exit 1; }
step () { printf '\n==== test-package: %s\n' "$*"; }

for p in "${PKGS[@]}"; do
	case "$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)" in
	""|un*|pn*) ;;
	*) fail "$p is installed already; this test would purge it" ;;
	esac
done

W=$(mktemp -d /tmp/dkimmod-package.XXXXXX)
installed=0
cleanup () {
	local rc=$?
	if [ "$installed" = 1 ]; then
		apt-get -o DPkg::Lock::Timeout=600 purge -y "${PKGS[@]}" > /dev/null 2>&1 || true
	fi
	rm -f /etc/dkimmod/keys/test-package-admin.key
	rmdir /etc/dkimmod/keys /etc/dkimmod 2> /dev/null || true
	if [ "$KEEP" = 1 ] || [ "$rc" != 0 ]; then
		echo "test-package: kept $W" >&2
	else
		rm -rf "$W"
	fi
}
trap cleanup EXIT

postfix_sums () {
	local f
	for f in /etc/postfix/main.cf /etc/postfix/master.cf; do
		if [ -e "$f" ]; then sha256sum "$f"; else echo "absent $f"; fi
	done
}
POSTFIX_BEFORE=$(postfix_sums)
USER_BEFORE=$(getent passwd dkimmod || true)

# ---- 1. build -------------------------------------------------------------
if [ -z "$DEBS" ]; then
	step "build (dpkg-buildpackage -us -uc -b) in $W/dkimmod"
	mkdir "$W/dkimmod"
	if [ -d "$SRC/.git" ] || [ -f "$SRC/.git" ]; then
		git -C "$SRC" ls-files -z --cached --others --exclude-standard |
			(cd "$SRC" && tar --null -T - -cf -) | tar -C "$W/dkimmod" -xf -
	else
		tar -C "$SRC" --exclude='./build*' --exclude=./debian/.debhelper -cf - . |
			tar -C "$W/dkimmod" -xf -
	fi
	(cd "$W/dkimmod" &&
		DEB_BUILD_OPTIONS=${DEB_BUILD_OPTIONS:-nocheck parallel=2} \
			dpkg-buildpackage -us -uc -b > "$W/build.log" 2>&1) ||
		{ tail -n 60 "$W/build.log" >&2; fail "dpkg-buildpackage failed (log: $W/build.log)"; }
	DEBS=$W
	grep 'dpkg-gensymbols: warning' -A 20 "$W/build.log" >&2 &&
		fail "the symbols differ from debian/libdkimmod1.symbols (see above): list every new export there"
fi
CHANGES=$(find "$DEBS" -maxdepth 1 -name 'dkimmod_*.changes' | head -n 1)
[ -n "$CHANGES" ] || fail "no dkimmod_*.changes in $DEBS"

# ---- 2. lintian -------------------------------------------------------------
step "lintian $(basename "$CHANGES")"
lintian --fail-on error,warning --info "$CHANGES" 2>&1 | grep -v '^running with root privileges' || true
lintian --fail-on error,warning "$CHANGES" > /dev/null 2>&1 || fail "lintian reports errors or warnings"

# ---- 3. install -------------------------------------------------------------
step "install"
debs=()
for p in "${PKGS[@]}"; do
	f=$(find "$DEBS" -maxdepth 1 -name "${p}_*.deb" | head -n 1)
	[ -n "$f" ] || fail "no $p package in $DEBS"
	debs+=("$f")
done
# Directories of the packages that exist before: purge must not remove them.
declare -A existed
for f in "${debs[@]}"; do
	while read -r path; do
		[ -d "$path" ] && existed[$path]=1
	done < <(dpkg-deb --fsys-tarfile "$f" | tar -t | sed 's|^\./|/|; s|/$||' | grep -v '^$')
done
installed=1
DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y "${debs[@]}" ||
	fail "apt-get install failed"
# dpkg -L lists the root as "/."
files=$(for p in "${PKGS[@]}"; do dpkg -L "$p"; done | grep -vx '/\.' | sort -u)

pw=$(getent passwd dkimmod) || fail "no dkimmod user after install"
IFS=: read -r _ _ uid gid _ home shell <<< "$pw"
[ "$uid" -lt 1000 ] || fail "dkimmod is not a system user (uid $uid)"
[ "$(getent group dkimmod | cut -d: -f3)" = "$gid" ] || fail "dkimmod's group is not dkimmod"
if [ "$home" != /nonexistent ] || [ -e /nonexistent ]; then fail "dkimmod's home: $home"; fi
case "$shell" in */nologin|/bin/false) ;; *) fail "dkimmod's shell: $shell" ;; esac
[ "$(stat -c '%U:%G %a' /etc/dkimmod)" = "root:root 755" ] ||
	fail "/etc/dkimmod is $(stat -c '%U:%G %a' /etc/dkimmod)"
[ "$(stat -c '%U:%G %a' /etc/dkimmod/keys)" = "dkimmod:dkimmod 700" ] ||
	fail "/etc/dkimmod/keys is $(stat -c '%U:%G %a' /etc/dkimmod/keys)"
for f in /usr/bin/dkimmod /usr/libexec/dkimmod/dkimmod-spawn; do
	[ -x "$f" ] || fail "$f missing"
done
/usr/bin/dkimmod --version || fail "dkimmod --version"
for m in dkimmod.1 dkimmod-spawn.8 dkimmod.conf.5 libdkimmod.3; do
	man -w "${m%.*}" > /dev/null 2>&1 || [ -e "/usr/share/man/man${m##*.}/$m.gz" ] || fail "no man page $m"
done
for d in postfix-howto.md migration.md scaling.md security.md; do
	[ -e "/usr/share/doc/dkimmod/$d.gz" ] || [ -e "/usr/share/doc/dkimmod/$d" ] ||
		fail "/usr/share/doc/dkimmod/$d missing"
done
[ -e /etc/dkimmod/dkimmod.conf.sample ] && fail "a sample configuration in /etc/dkimmod"

# The -dev package: header, pkg-config file and .so link are enough to build
# and run a program against the installed library.
cat > "$W/use-lib.c" <<'C'
#include <dkimmod.h>
#include <stdio.h>
int main (void)
{
  int a = dkimmod_algorithm_from_name ("ed25519-sha256");
  const char *name = a < 0 ? NULL : dkimmod_algorithm_name ((DkimmodAlgorithm) a);
  printf ("%s\n", name ? name : "(null)");
  return name == NULL;
}
C
# shellcheck disable=SC2046 # pkg-config prints one flag per word
cc -o "$W/use-lib" "$W/use-lib.c" $(pkg-config --cflags --libs libdkimmod) ||
	fail "cannot build against the installed libdkimmod-dev"
[ "$("$W/use-lib")" = ed25519-sha256 ] || fail "program linked with the installed library"
# (not "ldd | grep -q": with pipefail, grep's early exit fails ldd with SIGPIPE)
libs=$(ldd "$W/use-lib")
grep -Eq "libdkimmod\.so\.1 => (/usr)?/lib/" <<< "$libs" || fail "not linked with the installed libdkimmod.so.1"
[ "$(postfix_sums)" = "$POSTFIX_BEFORE" ] || fail "installing changed Postfix's configuration"

# ---- 4. end to end with the installed binaries ----------------------------
if [ "$E2E" = 1 ]; then
	step "end to end with /usr/libexec/dkimmod/dkimmod-spawn and /usr/bin/dkimmod"
	for c in submission proxy inbound cli; do
		RIG_BIN_DIR=/usr/libexec/dkimmod DKIMMOD_CLI=/usr/bin/dkimmod \
			/usr/bin/python3 "$SRC/tests/postfix/e2e.py" "$c" || fail "e2e $c with the installed binaries"
	done
else
	step "end to end: left out"
fi

# ---- 5. purge -----------------------------------------------------------------
step "purge"
# An admin's file (a key) in /etc/dkimmod is not the package's: purge keeps it.
install -o dkimmod -g dkimmod -m 0600 /dev/null /etc/dkimmod/keys/test-package-admin.key
DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 purge -y "${PKGS[@]}" || fail "apt-get purge failed"
installed=0
[ -f /etc/dkimmod/keys/test-package-admin.key ] || fail "purge removed a file the admin made"
rm -f /etc/dkimmod/keys/test-package-admin.key
rmdir /etc/dkimmod/keys /etc/dkimmod
for p in "${PKGS[@]}"; do
	st=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)
	case "$st" in
	""|un*|pn*) ;;
	*) fail "$p still known to dpkg after purge: $st" ;;
	esac
done
left=
while read -r path; do
	if [ -z "$path" ] || [ -n "${existed[$path]:-}" ]; then continue; fi
	if [ -e "$path" ] || [ -L "$path" ]; then left="$left $path"; fi
done <<< "$files"
[ -z "$left" ] || fail "left behind after purge:$left"
getent passwd dkimmod > /dev/null || fail "purge removed the dkimmod user (Debian keeps system users)"
[ -z "$USER_BEFORE" ] || [ "$(getent passwd dkimmod)" = "$USER_BEFORE" ] || fail "the dkimmod user changed"
[ "$(postfix_sums)" = "$POSTFIX_BEFORE" ] || fail "the packages changed Postfix's configuration"
echo "test-package: PASS"
