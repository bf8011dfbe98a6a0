#!/bin/bash
# SPDX-License-Identifier: MIT
#
# NAME
#	with-rsyslog.sh - run a command on a host whose syslog daemon serves /dev/log
# SYNOPSIS
#	tests/postfix/with-rsyslog.sh COMMAND [ARG]...
#	e.g. tests/postfix/with-rsyslog.sh meson test -C build --print-errorlogs
# DESCRIPTION
#	As root: starts Debian's rsyslogd (package rsyslog, not in
#	tools/debian-packages: installing it on CI could start a system
#	syslog) with a configuration of its own that listens on /dev/log and
#	writes everything to one file in a temporary directory, runs COMMAND,
#	stops rsyslogd and prints how many lines it received. So COMMAND
#	sees what a host with a syslog daemon looks like: every dkimmod-spawn
#	that is not told otherwise logs to /dev/log (spawn/log.c), and a
#	test that expects its lines in Postfix's maillog_file finds them
#	only if the rig captured them (rig.sh gives the filter -l).
#
#	The machine is left as it was: /dev/log is created in a mount
#	namespace of COMMAND's own (an overlay over /dev, /dev/pts and
#	/dev/shm carried over), so other users of the machine see no
#	/dev/log and no daemon, and nothing is written under /var/log.
# DIAGNOSTICS
#	COMMAND's exit status; 2 if rsyslogd is missing or does not start.
# NEVER
#	Touch the host's /dev or /etc/rsyslog.conf, or leave rsyslogd running.
set -euo pipefail

[ "$(id -u)" = 0 ] || { echo "with-rsyslog.sh: needs root (mount namespace)" >&2; exit 2; }
[ $# -ge 1 ] || { echo "usage: with-rsyslog.sh COMMAND [ARG]..." >&2; exit 2; }
command -v rsyslogd > /dev/null || { echo "with-rsyslog.sh: no rsyslogd (apt-get install rsyslog)" >&2; exit 2; }

if [ "${WITH_RSYSLOG_INNER:-}" != 1 ]; then
	D=$(mktemp -d /tmp/dkimmod-rsyslog.XXXXXX)
	trap 'rm -rf "$D"' EXIT
	rc=0
	WITH_RSYSLOG_INNER=1 WITH_RSYSLOG_DIR=$D unshare --mount --propagation private "$0" "$@" || rc=$?
	exit "$rc"
fi

# ---- inside the namespace -------------------------------------------------
D=$WITH_RSYSLOG_DIR
mkdir -p "$D/ov" "$D/pts" "$D/shm"
mount -t tmpfs tmpfs "$D/ov"
mkdir "$D/ov/upper" "$D/ov/work"
mount --rbind /dev/pts "$D/pts"
mount --rbind /dev/shm "$D/shm"
mount -t overlay overlay -o "lowerdir=/dev,upperdir=$D/ov/upper,workdir=$D/ov/work" /dev
mount --move "$D/pts" /dev/pts
mount --move "$D/shm" /dev/shm
[ ! -e /dev/log ] || { echo "with-rsyslog.sh: /dev/log exists already" >&2; exit 2; }

cat > "$D/rsyslog.conf" <<EOF
module(load="imuxsock")
*.* $D/all.log
EOF
rsyslogd -n -f "$D/rsyslog.conf" -i "$D/rsyslogd.pid" &
rpid=$!
for _ in $(seq 100); do
	[ -S /dev/log ] && break
	sleep 0.1
done
if [ ! -S /dev/log ]; then
	kill "$rpid" 2> /dev/null || true
	echo "with-rsyslog.sh: rsyslogd did not create /dev/log" >&2
	exit 2
fi
echo "with-rsyslog.sh: rsyslogd $rpid serves /dev/log ($(stat -c %F /dev/log))" >&2
rc=0
"$@" || rc=$?
kill "$rpid"
wait "$rpid" || true
echo "with-rsyslog.sh: rsyslogd stopped; it received $(grep -vc 'rsyslogd:' "$D/all.log" 2>/dev/null || echo 0) lines:" >&2
grep -v 'rsyslogd:' "$D/all.log" 2>/dev/null | cut -c1-160 | sort | uniq -c | sort -rn | head -n 5 >&2 || true
exit "$rc"
