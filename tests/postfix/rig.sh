#!/bin/bash
# SPDX-License-Identifier: MIT
#
# NAME
#	rig.sh - a private Postfix instance on loopback with dkimmod-spawn as its filter
# SYNOPSIS
#	RIG=$(rig.sh setup)          create a rig directory (or fill $RIG if it is set)
#	RIG=DIR rig.sh start|stop|reload|flush|destroy
#	RIG=DIR rig.sh wait-mail MAILDIR N TIMEOUT
#	RIG=DIR rig.sh wait-deferred TIMEOUT
#	RIG=DIR rig.sh wait-empty TIMEOUT
#	RIG=DIR rig.sh wait-port PORT up|down TIMEOUT
#	RIG=DIR rig.sh dns-start|dns-stop|maillog|env
#	rig.sh bases                 the candidate port bases, one per line
#	RIG_PORT_BASE=B rig.sh lockfile|ports-free
# DESCRIPTION
#	A private Postfix on loopback, nothing shared with a system one: its own
#	main.cf and master.cf under $RIG/etc, queue under $RIG/spool, final
#	delivery by virtual(8) into Maildirs under $RIG/mail, log written by
#	postlogd to $RIG/log/maillog, and a dnsmasq on 127.0.0.1 that publishes
#	the DKIM key records of the keys in $RIG/keys.
#
#	Services (ports are BASE + n; BASE is RIG_PORT_BASE, else a free one that
#	setup chooses among the candidates that "rig.sh bases" prints (21000,
#	22000, ... 31000: far from the 10025-10028 of Postfix's FILTER_README and
#	docs/postfix-howto.md, and below the kernel's ephemeral port range):
#	  BASE+587  submission smtpd, content_filter=dksign:[127.0.0.1]:BASE+17 (after queue)
#	  BASE+17   spawn(8): dkimmod-spawn -c $RIG/etc/dkimmod.conf -o next_hop=127.0.0.1:BASE+18
#	  BASE+18   reinjection smtpd (no filter)
#	  BASE+19   submission smtpd, smtpd_proxy_filter=127.0.0.1:BASE+15 (before queue)
#	  BASE+15   spawn(8): dkimmod-spawn -o next_hop=127.0.0.1:BASE+16
#	  BASE+16   after-proxy smtpd (also the verify path's next hop)
#	  BASE+25   inbound smtpd (port 25 stand-in), smtpd_proxy_filter=127.0.0.1:BASE+24
#	  BASE+24   spawn(8): dkimmod-spawn ... -o next_hop=127.0.0.1:BASE+16 verify
#	  BASE+588  smtpd with no filter at all (baseline)
#	rig.env (rig.sh env) names each port.
#
#	Logging: every dkimmod-spawn gets -l $RIG/spool/public/postlog, the rig's
#	postlogd socket, so its lines reach $RIG/log/maillog also on a host
#	whose syslog daemon serves /dev/log (where the filter would otherwise
#	log to syslog, which the tests cannot read).
#
#	setup takes the filter from $DKIMMOD_SPAWN, else from
#	$DKIMMOD_BUILDDIR/spawn/dkimmod-spawn, and copies it to $RIG/bin so that
#	the filter's user can run it. With RIG_BIN_DIR set (an installed
#	package: RIG_BIN_DIR=/usr/libexec/dkimmod) the rig runs
#	$RIG_BIN_DIR/dkimmod-spawn in place instead. The filter runs as the system user
#	dkimmod (group postdrop, for the postlog socket), as docs/postfix-howto.md
#	says; setup creates that user when it is missing, and gives it the
#	keys (mode 0600) and the spool. It creates the rig's keys with openssl unless
#	they exist already (a caller may put its own there first), and writes
#	$RIG/etc/dkimmod.conf unless it exists. Keys are named
#	$RIG/keys/SELECTOR._domainkey.DOMAIN.key; dns-start publishes a TXT
#	record for each one, computed from the private key, or taken from
#	SELECTOR._domainkey.DOMAIN.txt (zone-file form, as keygen writes it)
#	when that file exists.
#
#	RIG_FILTER=serve at setup runs the three filters in the pooled mode
#	instead: start launches one "dkimmod-spawn serve --listen
#	inet:127.0.0.1:PORT" per filter port (as dkimmod:postdrop, logging to
#	the rig's postlog socket, at most 10 workers each, as the spawn
#	services' maxproc), after master is up; stop sends them SIGTERM.
#	Their pids are in $RIG/serve-PORT.pid. master.cf then has no spawn
#	services, everything else is the same.
#
#	One rig per port base at a time: a caller that runs rigs concurrently
#	holds flock(1) on $(RIG_PORT_BASE=B rig.sh lockfile) for the rig's
#	lifetime and passes RIG_PORT_BASE=B to setup (tests/postfix/rigtest.py
#	and tools/demo.sh take the first candidate base whose lock they get and
#	whose ports are free: "rig.sh ports-free"), and must not let the daemons
#	inherit the lock (Python's files are not inheritable; in a shell, run
#	rig.sh with the lock descriptor closed). Without RIG_PORT_BASE, setup
#	takes the first candidate whose lock nobody holds and whose ports are
#	free at that moment. The other commands take the base from rig.env.
#	start refuses to run when a rig port is already in use; it then stops
#	the rig's dnsmasq and removes a rig directory that setup created, so a
#	failed start leaves nothing behind.
#
#	The verify path reads verifying.nameserver from dkimmod.conf; dns-start
#	writes its port there (the line rig.sh wrote), since dkimmod-spawn reads
#	its configuration afresh for every connection.
#
#	Nothing retries behind a test's back (queue_run_delay and the backoff
#	times are 300 s and more): tests flush the queue themselves.
# DIAGNOSTICS
#	Exit 0 on success, 1 on failure with a message on stderr; start and the
#	wait-* commands print the tail of the maillog when they fail.
# NEVER
#	Kill processes by name: leftover filters are found by their executable
#	and configuration ($RIG_SPAWN -c $RIG/etc/dkimmod.conf: spawn(8)'s
#	time limit only closes the connection, it cannot kill a helper that
#	ignores it) and killed by pid.
set -euo pipefail

die () { echo "rig.sh: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "needs root (master binds ports, spawn(8) switches user)"

PY=/usr/bin/python3

# set_ports BASE - the rig's port numbers for port base BASE
set_ports () {
	BASE=$1
	P_SUB=$((BASE + 587))
	P_NOFILTER=$((BASE + 588))
	P_SIGN=$((BASE + 17))
	P_REINJECT=$((BASE + 18))
	P_PSUB=$((BASE + 19))
	P_PSIGN=$((BASE + 15))
	P_AFTERPROXY=$((BASE + 16))
	P_INBOUND=$((BASE + 25))
	P_VERIFY=$((BASE + 24))
	# Ports that must be listening once master is up (the spawn ports too:
	# master binds them; probing them by connecting would start a filter).
	ALL_PORTS="$P_SUB $P_NOFILTER $P_SIGN $P_REINJECT $P_PSUB $P_PSIGN $P_AFTERPROXY $P_INBOUND $P_VERIFY"
}

# candidate_bases - the port bases setup may choose, in order: every port
# BASE+15..BASE+609 (the bench adds services up to +609) lies below the
# first ephemeral port (ip_local_port_range), so no client connection can
# have taken one, and far from Postfix's conventional filter ports.
candidate_bases () {
	local first b
	first=$(awk '{ print $1 }' /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
	for b in 21000 22000 23000 24000 25000 26000 27000 28000 29000 30000 31000; do
		[ $((b + 609)) -lt "$first" ] && echo "$b"
	done
	return 0
}

lockfile () {
	local dir=/run/lock
	[ -d "$dir" ] && [ -w "$dir" ] || dir=/tmp
	echo "$dir/dkimmod-rig-$BASE.lock"
}

# port_taken PORT - true when any TCP socket (IPv4 or IPv6, any address)
# listens on PORT: a wildcard listener would make master's bind fail too.
port_taken () {
	local hex
	hex=$(printf ':%04X' "$1")
	awk -v p="$hex" '$4 == "0A" && substr($2, length($2) - 4) == p { f = 1 } END { exit !f }' \
		/proc/net/tcp /proc/net/tcp6 2>/dev/null
}

# ports_free - true when no port of the current base is taken
ports_free () {
	local p
	for p in $ALL_PORTS; do
		port_taken "$p" && return 1
	done
	return 0
}

# choose_base - the first candidate base whose lock is free and whose ports
# are free now (for a caller that holds no lock)
choose_base () {
	local b
	for b in $(candidate_bases); do
		set_ports "$b"
		# shellcheck disable=SC2094 # flock only tries the lock, nothing is read
		flock -n "$(lockfile)" true 2>/dev/null || continue
		ports_free && return 0
	done
	die "no free port base among: $(candidate_bases | paste -sd' ')"
}

# The base: RIG_PORT_BASE, else the one setup recorded in rig.env.
if [ -n "${RIG_PORT_BASE:-}" ]; then
	set_ports "$RIG_PORT_BASE"
elif [ -n "${RIG:-}" ] && [ -f "$RIG/rig.env" ]; then
	set_ports "$(sed -n 's/^RIG_PORT_BASE=//p' "$RIG/rig.env")"
else
	set_ports 0    # setup chooses one (choose_base); lockfile needs RIG_PORT_BASE
fi

need_rig () {
	[ -n "${RIG:-}" ] || die "RIG is not set"
	[ -f "$RIG/rig.env" ] || die "$RIG is not a rig (no rig.env; run setup)"
}

pf () { postfix -c "$RIG/etc" "$@"; }

# port_state PORT - prints "up" when 127.0.0.1:PORT is in LISTEN state
port_state () {
	local hex
	hex=$(printf '0100007F:%04X' "$1")
	if awk -v a="$hex" '$2 == a && $4 == "0A" { f = 1 } END { exit !f }' /proc/net/tcp; then
		echo up
	else
		echo down
	fi
}

# port_is PORT up|down - whether 127.0.0.1:PORT is in that state now (a
# command for poll: poll re-runs its command, while a "$(port_state P)"
# in poll's arguments would be expanded once, before the first try)
port_is () {
	[ "$(port_state "$1")" = "$2" ]
}

# poll TIMEOUT CMD... - runs CMD every 25 ms until it succeeds or TIMEOUT s pass
poll () {
	local timeout=$1; shift
	local end=$(($(date +%s%N) + timeout * 1000000000))
	while ! "$@"; do
		[ "$(date +%s%N)" -lt "$end" ] || return 1
		sleep 0.025
	done
}

# backdate_config - Postfix waits until a table or main.cf it reads is at
# least one second old (so that a change within the same second is not
# missed), 300 ms at a time, in every process that opens it. Files written
# by setup, postconf or a test are just new: make them look older.
backdate_config () {
	touch -d "@$(($(date +%s) - 2))" "$RIG"/etc/*
}

maillog_tail () {
	echo "---- $RIG/log/maillog (last ${1:-40} lines) ----" >&2
	tail -n "${1:-40}" "$RIG/log/maillog" >&2 2>/dev/null || echo "(no maillog)" >&2
}

write_main_cf () {
	cat > "$RIG/etc/main.cf" <<EOF
# private test rig, written by tests/postfix/rig.sh (see docs/postfix-howto.md)
compatibility_level = 3.6
queue_directory = $RIG/spool
data_directory = $RIG/data
mail_owner = postfix
setgid_group = postdrop
maillog_file = $RIG/log/maillog
maillog_file_prefixes = $RIG/log
myhostname = mx.rig.test
mydomain = rig.test
myorigin = \$mydomain
mydestination =
local_recipient_maps =
alias_maps =
alias_database =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtp_dns_support_level = disabled
smtp_host_lookup = native
lmtp_host_lookup = native
smtpd_peername_lookup = no
virtual_mailbox_domains = example.net example.org example.com rig.test
virtual_mailbox_base = $RIG/mail
virtual_mailbox_maps = texthash:$RIG/etc/vmailbox
virtual_uid_maps = static:65534
virtual_gid_maps = static:65534
virtual_transport = virtual
default_transport = error:5.3.0 test rig: no external delivery
relay_transport = error:5.3.0 test rig: no external delivery
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
smtpd_recipient_restrictions =
queue_run_delay = 300s
minimal_backoff_time = 300s
maximal_backoff_time = 600s
delay_warning_time = 0
biff = no
smtputf8_enable = no
EOF
	cat > "$RIG/etc/vmailbox" <<'EOF'
alice@example.org  example.org/alice/
bob@example.net    example.net/bob/
carol@example.net  example.net/carol/
@example.net       example.net/catchall/
@example.org       example.org/catchall/
@example.com       example.com/catchall/
@rig.test          rig.test/catchall/
EOF
}

# reinject_service PORT NAME - an smtpd that takes filtered mail back
reinject_service () {
	cat <<EOF
127.0.0.1:$1 inet n  -  n  -  10  smtpd
  -o syslog_name=postfix/$2
  -o content_filter=
  -o receive_override_options=no_unknown_recipient_checks,no_header_body_checks,no_address_mappings
  -o smtpd_authorized_xforward_hosts=127.0.0.0/8
  -o smtpd_client_restrictions=
  -o smtpd_helo_restrictions=
  -o smtpd_sender_restrictions=
  -o smtpd_recipient_restrictions=permit_mynetworks,reject
  -o mynetworks=127.0.0.0/8
EOF
}

# spawn_service PORT NAME NEXTHOP [MODE] - dkimmod-spawn under spawn(8), or
# with RIG_FILTER=serve a line for start to launch the pooled listener
spawn_service () {
	if [ "$FILTER_MODE" = serve ]; then
		echo "$1 $3 ${4:-sign}" >> "$RIG/etc/serve.list"
		echo "# 127.0.0.1:$1: dkimmod-spawn serve (RIG_FILTER=serve), started by rig.sh start"
		return
	fi
	cat <<EOF
127.0.0.1:$1 inet n  n  n  -  10  spawn
  -o syslog_name=postfix/$2
  -o command_time_limit=300s
  user=$FILTER_USER:postdrop argv=$SPAWN_BIN -c $RIG/etc/dkimmod.conf -l $RIG/spool/public/postlog -o next_hop=127.0.0.1:$3${4:+ $4}
EOF
}

write_master_cf () {
	rm -f "$RIG/etc/serve.list"
	{
		cat <<EOF
# service      type  private unpriv chroot wakeup maxproc command + args
# --- signing after the queue: submission -> content_filter -> dkimmod-spawn -> reinject
127.0.0.1:$P_SUB inet n  -  n  -  -  smtpd
  -o syslog_name=postfix/submission
  -o content_filter=dksign:[127.0.0.1]:$P_SIGN
  -o smtpd_recipient_restrictions=permit_mynetworks,reject
dksign    unix  -       -       n       -       4       smtp
  -o syslog_name=postfix/dksign
  -o smtp_send_xforward_command=yes
  -o smtp_discard_ehlo_keywords=8bitmime,starttls
EOF
		spawn_service "$P_SIGN" dksign-spawn "$P_REINJECT"
		reinject_service "$P_REINJECT" reinject
		cat <<EOF
# --- signing before the queue: submission -> smtpd_proxy_filter -> dkimmod-spawn -> smtpd
127.0.0.1:$P_PSUB inet n  -  n  -  10  smtpd
  -o syslog_name=postfix/submission-proxy
  -o smtpd_proxy_filter=127.0.0.1:$P_PSIGN
  -o smtpd_proxy_options=speed_adjust
  -o smtpd_recipient_restrictions=permit_mynetworks,reject
EOF
		spawn_service "$P_PSIGN" proxysign-spawn "$P_AFTERPROXY"
		reinject_service "$P_AFTERPROXY" afterproxy
		cat <<EOF
# --- verifying before the queue (DKIMproxy's inbound setup): port 25 smtpd
# -> smtpd_proxy_filter -> dkimmod-spawn verify -> after-proxy smtpd (above)
127.0.0.1:$P_INBOUND inet n  -  n  -  10  smtpd
  -o syslog_name=postfix/inbound
  -o smtpd_proxy_filter=127.0.0.1:$P_VERIFY
  -o smtpd_proxy_options=speed_adjust
EOF
		spawn_service "$P_VERIFY" verify-spawn "$P_AFTERPROXY" verify
		cat <<EOF
# --- no filter (baseline)
127.0.0.1:$P_NOFILTER inet n  -  n  -  -  smtpd
  -o syslog_name=postfix/nofilter
# --- Postfix internals (all chroot=n)
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
virtual   unix  -       n       n       -       -       virtual
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF
	} > "$RIG/etc/master.cf"
}

# The rig's own signing setup: the article's example.net key and a dual
# (Ed25519 + RSA) signature for example.org.
RIG_KEYS="mondomaine-dkim._domainkey.example.net:rsa rig-ed._domainkey.example.org:ed25519 rig-rsa._domainkey.example.org:rsa"

make_keys () {
	local spec name alg
	for spec in $RIG_KEYS; do
		name=${spec%%:*} alg=${spec##*:}
		[ -f "$RIG/keys/$name.key" ] && continue
		if [ "$alg" = rsa ]; then
			openssl genpkey -quiet -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$RIG/keys/$name.key"
		else
			openssl genpkey -algorithm ED25519 -out "$RIG/keys/$name.key"
		fi
	done
	chown "$FILTER_USER:$FILTER_USER" "$RIG"/keys/*.key
	chmod 0600 "$RIG"/keys/*.key
}

write_dkimmod_conf () {
	[ -f "$RIG/etc/dkimmod.conf" ] && return 0
	cat > "$RIG/etc/dkimmod.conf" <<EOF
# dkimmod.conf of the private test rig (libconfig syntax), see dkimmod.conf(5)
spawn = {
  spool_directory = "$RIG/filter";
};
signing = {
  defaults = { a = "rsa-sha256"; c = "relaxed/relaxed"; };
  sender_map = (
    { sender = "example.net";
      sign = ( { s = "mondomaine-dkim"; d = "example.net"; c = "relaxed";
                 key = "$RIG/keys/mondomaine-dkim._domainkey.example.net.key"; } ); },
    { sender = "example.org";
      sign = ( { s = "rig-ed"; d = "example.org"; a = "ed25519-sha256";
                 key = "$RIG/keys/rig-ed._domainkey.example.org.key"; },
               { s = "rig-rsa"; d = "example.org";
                 key = "$RIG/keys/rig-rsa._domainkey.example.org.key"; } ); }
  );
};
verifying = {
  authserv_id = "mx.rig.test";
  nameserver = "127.0.0.1:53";     # set by rig.sh dns-start
  dns_timeout = 2;
};
EOF
	chmod 0644 "$RIG/etc/dkimmod.conf"
}

# The filter's user, as in docs/postfix-howto.md: a system user and group
# of its own, owning the keys; created here when missing.
FILTER_USER=dkimmod
# spawn (spawn(8) per connection) or serve (the pooled mode); rig.env keeps it.
FILTER_MODE=${RIG_FILTER:-spawn}
if [ -n "${RIG:-}" ] && [ -f "$RIG/rig.env" ]; then
	FILTER_MODE=$(sed -n 's/^RIG_FILTER=//p' "$RIG/rig.env")
	FILTER_MODE=${FILTER_MODE:-spawn}
fi
case "$FILTER_MODE" in spawn|serve) ;; *) die "RIG_FILTER=$FILTER_MODE: spawn or serve" ;; esac

ensure_filter_user () {
	getent passwd "$FILTER_USER" > /dev/null && return 0
	useradd --system --user-group --home-dir /nonexistent --no-create-home \
		--shell /usr/sbin/nologin "$FILTER_USER" ||
		die "cannot create the system user $FILTER_USER"
}

install_filter () {
	if [ -n "${RIG_BIN_DIR:-}" ]; then
		[ -x "$RIG_BIN_DIR/dkimmod-spawn" ] || die "$RIG_BIN_DIR/dkimmod-spawn: not an executable"
		return 0
	fi
	local src=${DKIMMOD_SPAWN:-}
	if [ -z "$src" ] && [ -n "${DKIMMOD_BUILDDIR:-}" ]; then
		src=$DKIMMOD_BUILDDIR/spawn/dkimmod-spawn
	fi
	[ -n "$src" ] || die "set DKIMMOD_SPAWN or DKIMMOD_BUILDDIR (or RIG_BIN_DIR) to find dkimmod-spawn"
	[ -x "$src" ] || die "$src: not an executable"
	install -m 0755 "$src" "$RIG/bin/dkimmod-spawn"
}

cmd_setup () {
	# before anything is created: a failed setup leaves nothing behind
	if [ -n "${RIG_BIN_DIR:-}" ] && [ ! -x "$RIG_BIN_DIR/dkimmod-spawn" ]; then
		die "$RIG_BIN_DIR/dkimmod-spawn: not an executable"
	fi
	[ -n "${RIG_PORT_BASE:-}" ] || choose_base
	if [ -z "${RIG:-}" ]; then
		# not $TMPDIR: users nobody and dkimmod must reach the rig (filter, keys, Maildirs)
		RIG=$(mktemp -d /tmp/dkimmod-rig.XXXXXX)
	fi
	mkdir -p "$RIG"
	chmod 0755 "$RIG"
	SPAWN_BIN=${RIG_BIN_DIR:+$RIG_BIN_DIR/dkimmod-spawn}
	SPAWN_BIN=${SPAWN_BIN:-$RIG/bin/dkimmod-spawn}
	mkdir -p "$RIG"/{etc,spool,data,log,mail,filter,bin,keys}
	chmod 0755 "$RIG"/{etc,spool,log,bin,keys}
	chown postfix "$RIG/data"
	ensure_filter_user
	chown nobody:nogroup "$RIG/mail"
	chown "$FILTER_USER:$FILTER_USER" "$RIG/filter"
	write_main_cf
	write_master_cf
	make_keys
	write_dkimmod_conf
	install_filter
	if ! setpriv --reuid=nobody --regid=nogroup --clear-groups test -w "$RIG/mail"; then
		die "user nobody cannot reach $RIG/mail (a parent directory is not searchable?)"
	fi
	if ! setpriv --reuid="$FILTER_USER" --regid=postdrop --clear-groups \
		test -x "$SPAWN_BIN" -a -r "$RIG/etc/dkimmod.conf" -a -w "$RIG/filter"; then
		die "user $FILTER_USER cannot reach $RIG (a parent directory is not searchable?)"
	fi
	cat > "$RIG/rig.env" <<EOF
RIG=$RIG
RIG_PORT_BASE=$BASE
RIG_SPAWN=$SPAWN_BIN
RIG_SUBMISSION=$P_SUB
RIG_NOFILTER=$P_NOFILTER
RIG_SIGN=$P_SIGN
RIG_REINJECT=$P_REINJECT
RIG_PROXY_SUBMISSION=$P_PSUB
RIG_PROXY_SIGN=$P_PSIGN
RIG_AFTERPROXY=$P_AFTERPROXY
RIG_INBOUND=$P_INBOUND
RIG_VERIFY=$P_VERIFY
RIG_FILTER=$FILTER_MODE
EOF
	echo "$RIG"
}

# serve_start - the pooled listeners of RIG_FILTER=serve (serve.list: PORT NEXTHOP MODE)
serve_start () {
	local port next mode
	[ -f "$RIG/etc/serve.list" ] || return 0
	if ! poll 10 test -S "$RIG/spool/public/postlog"; then
		maillog_tail
		die "no postlog socket 10 s after start"
	fi
	while read -r port next mode; do
		(cd / && exec setpriv --reuid="$FILTER_USER" --regid=postdrop --clear-groups \
			"$(rig_spawn)" serve -c "$RIG/etc/dkimmod.conf" \
			-l "$RIG/spool/public/postlog" --listen "inet:127.0.0.1:$port" \
			--workers-max 10 -o "next_hop=127.0.0.1:$next" "$mode" \
			< /dev/null >> "$RIG/log/serve.out" 2>&1) &
		echo $! > "$RIG/serve-$port.pid"
	done < "$RIG/etc/serve.list"
}

# serve_stop - SIGTERM to the pooled listeners; they drain and exit
serve_stop () {
	local f pid
	for f in "$RIG"/serve-*.pid; do
		[ -f "$f" ] || continue
		pid=$(cat "$f")
		rm -f "$f"
		[ "$(readlink "/proc/$pid/exe" 2>/dev/null || true)" = "$(rig_spawn)" ] || continue
		kill -TERM "$pid" 2>/dev/null || true
		poll 10 test ! -e "/proc/$pid/exe" || kill -KILL "$pid" 2>/dev/null || true
	done
}

cmd_start () {
	need_rig
	local p
	for p in $ALL_PORTS; do
		[ "$(port_state "$p")" = down ] && continue
		# Nothing of ours may stay behind: the caller will not stop a
		# rig that never started.
		cmd_dns_stop
		case "$RIG" in /tmp/dkimmod-rig.??????) rm -rf "$RIG" ;; esac
		die "port 127.0.0.1:$p is in use (another rig running?)"
	done
	backdate_config
	# Without a tty, Postfix reports start-up errors only in the maillog.
	if ! pf start > "$RIG/log/start.out" 2>&1 < /dev/null; then
		cat "$RIG/log/start.out" >&2
		maillog_tail
		die "postfix start failed"
	fi
	serve_start
	# 30 s: under ASan on a loaded machine a pooled listener has taken
	# over 10 s to get from "listening" in its log to a socket here
	for p in $ALL_PORTS; do
		if ! poll 30 port_is "$p" up; then
			maillog_tail
			[ -f "$RIG/log/serve.out" ] && tail -n 20 "$RIG/log/serve.out" >&2
			awk 'NR == 1 || $4 == "0A"' /proc/net/tcp >&2
			die "port $p not listening 30 s after start"
		fi
	done
}

# rig_spawn - the dkimmod-spawn this rig runs (rig.env: $RIG/bin's copy, or
# an installed one with RIG_BIN_DIR)
rig_spawn () {
	local spawn
	spawn=$(sed -n 's/^RIG_SPAWN=//p' "$RIG/rig.env")
	echo "${spawn:-$RIG/bin/dkimmod-spawn}"
}

# leftover_filters - pids of filters of this rig that are still running:
# its dkimmod-spawn binary, started with its configuration (an installed
# binary may also run for other rigs or for the host's own Postfix)
leftover_filters () {
	local exe pid spawn
	spawn=$(rig_spawn)
	for exe in /proc/[0-9]*/exe; do
		pid=${exe#/proc/}; pid=${pid%/exe}
		[ "$(readlink "$exe" 2>/dev/null || true)" = "$spawn" ] || continue
		tr '\0' '\n' < "/proc/$pid/cmdline" 2>/dev/null | grep -qxF "$RIG/etc/dkimmod.conf" &&
			echo "$pid"
	done
	return 0
}

cmd_stop () {
	need_rig
	if pf status > /dev/null 2>&1; then
		pf stop > /dev/null 2>&1 < /dev/null || true
	fi
	serve_stop
	# spawn(8) cannot kill its dkimmod-owned children (EPERM), and they
	# survive "postfix stop"; a hung one must not outlive the rig.
	local pids
	pids=$(leftover_filters)
	if [ -n "$pids" ]; then
		echo "rig.sh: killing leftover filter processes: $pids" >&2
		kill -KILL $pids 2>/dev/null || true
	fi
	cmd_dns_stop
}

cmd_destroy () {
	need_rig
	cmd_stop
	rm -rf "$RIG"
}

cmd_reload () {
	need_rig
	backdate_config
	pf reload > /dev/null 2>&1 < /dev/null || { maillog_tail; die "postfix reload failed"; }
}

cmd_flush () {
	need_rig
	postqueue -c "$RIG/etc" -f
}

count_mail () { # DIR N
	local n
	n=$(find "$RIG/mail/$1/new" -type f 2>/dev/null | wc -l)
	[ "$n" -ge "$2" ]
}

cmd_wait_mail () {
	need_rig
	[ $# = 3 ] || die "usage: wait-mail MAILDIR N TIMEOUT"
	if ! poll "$3" count_mail "$1" "$2"; then
		maillog_tail
		die "fewer than $2 messages in $1 after $3 s"
	fi
}

# queue_json - one JSON object per queued message
queue_json () { postqueue -c "$RIG/etc" -j 2>/dev/null; }

has_deferred () { queue_json | grep -q '"queue_name": *"deferred"'; }
queue_empty () { [ -z "$(queue_json)" ]; }

cmd_wait_deferred () {
	need_rig
	[ $# = 1 ] || die "usage: wait-deferred TIMEOUT"
	if ! poll "$1" has_deferred; then
		maillog_tail
		die "no deferred message after $1 s"
	fi
	queue_json | "$PY" -c '
import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("queue_name") == "deferred":
        for r in m.get("recipients", []):
            print(m["queue_id"], r.get("delay_reason", ""))'
}

cmd_wait_empty () {
	need_rig
	[ $# = 1 ] || die "usage: wait-empty TIMEOUT"
	if ! poll "$1" queue_empty; then
		queue_json >&2
		maillog_tail
		die "queue not empty after $1 s"
	fi
}

cmd_wait_port () {
	need_rig
	[ $# = 3 ] || die "usage: wait-port PORT up|down TIMEOUT"
	poll "$3" port_is "$1" "$2" || die "port $1 not $2 after $3 s"
}

# dns_records - prints dnsmasq txt-record lines for every key in $RIG/keys
dns_records () {
	local key name txt p
	for key in "$RIG"/keys/*._domainkey.*.key; do
		[ -e "$key" ] || continue
		name=$(basename "$key" .key)
		txt=$RIG/keys/$name.txt
		if [ -f "$txt" ]; then
			# zone-file form: NAME [TTL] IN TXT ( "s1" "s2" ... ); keep the strings
			p=$(grep -o '"[^"]*"' "$txt" | paste -sd, -)
			echo "txt-record=$name,$p"
		elif openssl pkey -in "$key" -noout -text 2>/dev/null | grep -q ED25519; then
			# RFC 8463: p= is the raw 32-byte key, the tail of the DER SPKI
			p=$(openssl pkey -in "$key" -pubout -outform DER | tail -c 32 | base64 -w0)
			echo "txt-record=$name,\"v=DKIM1; k=ed25519; p=$p\""
		else
			p=$(openssl pkey -in "$key" -pubout -outform DER | base64 -w0)
			echo "txt-record=$name,\"v=DKIM1; k=rsa; p=$p\""
		fi
	done
}

free_port () {
	"$PY" -c '
import socket
for _ in range(50):
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind(("127.0.0.1", 0))
    port = u.getsockname()[1]
    t = socket.socket()
    try:
        t.bind(("127.0.0.1", port))
    except OSError:
        continue
    print(port)
    break'
}

dns_up () { port_is "$1" up; }

cmd_dns_start () {
	need_rig
	[ -f "$RIG/dns.pid" ] && die "dnsmasq already started (pid $(cat "$RIG/dns.pid"))"
	local port
	port=$(free_port)
	{
		echo "no-resolv"
		echo "no-hosts"
		echo "no-poll"
		# whole top-level domains, so a DMARC tree walk (RFC 9989) up to
		# _dmarc.com gets NXDOMAIN from us, not REFUSED (no upstream)
		echo "local=/net/"
		echo "local=/org/"
		echo "local=/com/"
		echo "local=/test/"
		echo "local=/in-addr.arpa/"
		echo "listen-address=127.0.0.1"
		echo "bind-interfaces"
		echo "port=$port"
		echo "log-queries"
		dns_records
		[ -f "$RIG/etc/dns-extra.conf" ] && cat "$RIG/etc/dns-extra.conf"
	} > "$RIG/etc/dnsmasq.conf"
	dnsmasq -k --conf-file="$RIG/etc/dnsmasq.conf" --pid-file= --log-facility=- \
		< /dev/null > "$RIG/log/dnsmasq.log" 2>&1 &
	echo $! > "$RIG/dns.pid"
	echo "$port" > "$RIG/dns.port"
	# the verify path's resolver (dkimmod.conf is read per connection)
	sed -i "s/^  nameserver = \"127\.0\.0\.1:[0-9]*\";/  nameserver = \"127.0.0.1:$port\";/" \
		"$RIG/etc/dkimmod.conf"
	if ! poll 10 dns_up "$port"; then
		cat "$RIG/log/dnsmasq.log" >&2
		cmd_dns_stop
		die "dnsmasq did not start"
	fi
	echo "$port"
}

cmd_dns_stop () {
	need_rig
	[ -f "$RIG/dns.pid" ] || return 0
	local pid
	pid=$(cat "$RIG/dns.pid")
	rm -f "$RIG/dns.pid"
	# only our dnsmasq: check the pid still runs dnsmasq before killing it
	if [ "$(readlink "/proc/$pid/exe" 2>/dev/null || true)" = "$(command -v dnsmasq)" ]; then
		kill "$pid" 2>/dev/null || true
		poll 5 test ! -e "/proc/$pid/exe" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
	fi
}

[ $# -ge 1 ] || die "usage: rig.sh setup|start|stop|reload|flush|destroy|wait-mail|wait-deferred|wait-empty|wait-port|dns-start|dns-stop|maillog|env|lockfile|bases|ports-free"
cmd=$1; shift
case "$cmd" in
setup) cmd_setup ;;
start) cmd_start ;;
stop) cmd_stop ;;
destroy) cmd_destroy ;;
reload) cmd_reload ;;
flush) cmd_flush ;;
wait-mail) cmd_wait_mail "$@" ;;
wait-deferred) cmd_wait_deferred "$@" ;;
wait-empty) cmd_wait_empty "$@" ;;
wait-port) cmd_wait_port "$@" ;;
dns-start) cmd_dns_start ;;
dns-stop) cmd_dns_stop ;;
maillog) need_rig; cat "$RIG/log/maillog" ;;
env) need_rig; cat "$RIG/rig.env" ;;
lockfile) [ "$BASE" != 0 ] || die "lockfile: set RIG_PORT_BASE (or RIG)"; lockfile ;;
bases) candidate_bases ;;
ports-free) [ "$BASE" != 0 ] || die "ports-free: set RIG_PORT_BASE (or RIG)"; ports_free ;;
*) die "unknown command: $cmd" ;;
esac
