#!/bin/sh
# SPDX-License-Identifier: MIT
#
# install-deps.sh - install every Debian 12 package dkimmod needs to build,
# test and run its demo. Run as root (sudo tools/install-deps.sh).
#
# The packages are listed once, in tools/debian-packages (also read by
# .ci/run); README.md says why each is needed.
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
# shellcheck disable=SC2046 # one package per word, comments dropped
apt-get -o DPkg::Lock::Timeout=600 install -y $(sed 's/#.*//' "$(dirname "$0")/debian-packages")
