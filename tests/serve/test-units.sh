#!/bin/bash
# SPDX-License-Identifier: MIT
# test-units.sh BUILDDIR SRCDIR SPAWN - the shipped systemd units of
# dkimmod-spawn serve pass systemd-analyze verify (unknown keys, bad
# values, a unit that cannot load) with their ExecStart pointed at the
# built dkimmod-spawn, and say what docs/postfix-howto.md says: Accept=no,
# the socket in Postfix's private/ directory, user dkimmod, the hardening.
set -euo pipefail
B=$1 S=$2 SPAWN=$(realpath "$3")
command -v systemd-analyze > /dev/null || { echo "systemd-analyze missing (Debian package systemd)"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
for m in verify sign; do
	svc=$B/spawn/dkimmod-$m.service
	sock=$S/spawn/systemd/dkimmod-$m.socket
	cp "$sock" "$tmp/"
	sed "s|^ExecStart=[^ ]*|ExecStart=$SPAWN|" "$svc" > "$tmp/dkimmod-$m.service"
	out=$(cd "$tmp" && systemd-analyze verify --man=no "./dkimmod-$m.socket" "./dkimmod-$m.service" 2>&1 || true)
	if [ -n "$out" ]; then
		echo "not ok - dkimmod-$m units: $out"
		fail=1
	else
		echo "ok - dkimmod-$m units pass systemd-analyze verify"
	fi
	for want in "Accept=no" "ListenStream=/var/spool/postfix/private/dkimmod-$m" "SocketUser=postfix"; do
		grep -qx "$want" "$sock" || { echo "not ok - $sock lacks $want"; fail=1; }
	done
	for want in "User=dkimmod" "NoNewPrivileges=yes" "ProtectSystem=strict" "PrivateTmp=yes" \
		"KillMode=mixed" "ExecStart=.*dkimmod-spawn serve .* $m"; do
		grep -qx "$want" "$svc" || { echo "not ok - $svc lacks $want"; fail=1; }
	done
done
exit $fail
