#!/bin/bash
# SPDX-License-Identifier: MIT
# The default authserv-id (verifying.authserv_id unset) is the host's fully
# qualified name, found as Postfix finds its default myhostname: the host
# name when it has a dot, else its canonical name (/etc/hosts, DNS), else
# NAME.localdomain (issue 9 item 8). Each case runs `dkimmod verify` in a
# new UTS and mount namespace with its own host name, /etc/hosts and
# resolv.conf (a closed loopback port: no DNS leaves the machine), so the
# real host is untouched. Needs root: exit 77 otherwise.
# Usage: test-authserv-id.sh DKIMMOD
set -u
cli=$1
[ "$(id -u)" = 0 ] || { echo "1..0 # SKIP needs root (unshare)"; exit 77; }

tmp=$(mktemp -d /tmp/dkimmod-authserv.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
printf 'From: a@example.com\r\nSubject: x\r\n\r\nhi\r\n' > "$tmp/msg"
echo "nameserver 127.0.0.1" > "$tmp/resolv.conf"
printf '127.0.0.1 localhost\n127.0.1.1 mx.example.test mx\n' > "$tmp/hosts-fqdn"
printf '127.0.0.1 localhost\n' > "$tmp/hosts-none"

n=0 failed=0
# check NAME HOSTNAME HOSTS EXPECTED [ARGS...] - the A-R's authserv-id
check () {
	local name=$1 host=$2 hosts=$3 want=$4 got
	shift 4
	n=$((n + 1))
	got=$(unshare --uts --mount sh -c '
		hostname "$1" && mount --bind "$2" /etc/hosts &&
		mount --bind "$3" /etc/resolv.conf && shift 3 && exec "$@"' \
		sh "$host" "$hosts" "$tmp/resolv.conf" "$cli" verify "$@" < "$tmp/msg" 2>&1 |
		sed -n 's/^Authentication-Results: \([^;]*\);.*/\1/p')
	if [ "$got" = "$want" ]; then
		echo "ok $n - $name: $got"
	else
		echo "not ok $n - $name: got '$got', want '$want'"
		failed=$((failed + 1))
	fi
}

echo "1..4"
check "short name, FQDN in /etc/hosts" mx "$tmp/hosts-fqdn" mx.example.test
check "short name, no canonical name: Postfix's .localdomain" mx "$tmp/hosts-none" mx.localdomain
check "dotted host name as it is, lower-cased" MX.Example.ORG "$tmp/hosts-none" mx.example.org
check "authserv_id set: no lookup" mx "$tmp/hosts-fqdn" mx.example.net --authserv-id mx.example.net
[ "$failed" = 0 ]
