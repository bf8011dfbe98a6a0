#!/bin/sh
# SPDX-License-Identifier: MIT
#
# install-deps.sh - install every Debian 12 package dkimmod needs to build,
# test and run its demo. Run as root (sudo tools/install-deps.sh).
#
# Build:     meson ninja-build pkg-config gcc libc6-dev
#            libssl-dev (OpenSSL 3: RSA/Ed25519, SHA-256)
#            libglib2.0-dev (GLib: GError, strings, tests)
#            libconfig-dev (dkimmod.conf parser)
# Tests and demo:
#            postfix (private rig; also provides smtp-source/smtp-sink and the
#              postfix user and postdrop group), swaks (SMTP client),
#            dnsmasq-base (DNS server on loopback for key records), openssl,
#            python3 python3-dkim python3-dnspython python3-nacl (dkimpy, the
#              independent verifier, with Ed25519), libmail-dkim-perl
#              libnet-dns-perl (Mail::DKIM), opendkim opendkim-tools
#              libopendkim-dev (OpenDKIM interop), man-db groff-base (man
#              pages), procps
#
# Postfix is preseeded to "No configuration": a non-interactive install would
# otherwise choose "Internet Site", write /etc/postfix/main.cf and start a
# system Postfix on port 25. While installing, a temporary policy-rc.d (only
# if the machine has none) keeps package scripts from starting services such
# as opendkim; the tests start their own private instances.
set -eu

if [ "$(id -u)" != 0 ]; then
	echo "install-deps.sh: run as root (sudo $0)" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
echo 'postfix postfix/main_mailer_type select No configuration' | debconf-set-selections

policy=/usr/sbin/policy-rc.d
made_policy=
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\n# temporary, from dkimmod tools/install-deps.sh\nexit 101\n' > "$policy"
	chmod 0755 "$policy"
	made_policy=1
fi
cleanup () { [ -z "$made_policy" ] || rm -f "$policy"; }
trap cleanup EXIT INT TERM

apt-get -o DPkg::Lock::Timeout=600 update
apt-get -o DPkg::Lock::Timeout=600 install -y \
	meson ninja-build pkg-config gcc libc6-dev \
	libssl-dev libglib2.0-dev libconfig-dev \
	postfix swaks dnsmasq-base openssl procps \
	python3 python3-dkim python3-dnspython python3-nacl \
	libmail-dkim-perl libnet-dns-perl \
	opendkim opendkim-tools libopendkim-dev \
	man-db groff-base
