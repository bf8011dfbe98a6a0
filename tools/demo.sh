#!/bin/bash
# SPDX-License-Identifier: MIT
#
# NAME
#	demo.sh - sign one message through a private Postfix with dkimmod-spawn
# SYNOPSIS
#	sudo tools/demo.sh [BUILDDIR]      (BUILDDIR defaults to ./build)
# DESCRIPTION
#	As root: generates a key with "dkimmod keygen", starts a private Postfix
#	and a dnsmasq on 127.0.0.1 (tests/postfix/rig.sh, the test rig, on
#	ports it finds free, none of the how-to's 10025-10028) with
#	dkimmod-spawn as the signing content_filter of the submission service,
#	sends one message with swaks, shows the delivered message's
#	DKIM-Signature, the verdicts of dkimpy and Mail::DKIM (which fetch the
#	key from that dnsmasq) and OpenDKIM (given the same record, as it cannot
#	ask a DNS server on another port) and dkimmod-spawn's log line, then stops
#	everything it started and removes its temporary directory.
#
#	As another user: the private Postfix needs root, so it signs a sample
#	message with "dkimmod sign" and verifies it with dkimpy and OpenDKIM,
#	giving them the record that keygen wrote.
# DIAGNOSTICS
#	Exit 0 when every verifier says pass, 1 otherwise.
set -euo pipefail

SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "${1:-build}" 2>/dev/null && pwd) || { echo "demo.sh: no build directory ${1:-build}; build first (see README.md)" >&2; exit 1; }
CLI=$BUILD/tools/dkimmod
SPAWN=$BUILD/spawn/dkimmod-spawn
RIG_SH=$SRC/tests/postfix/rig.sh
PY=/usr/bin/python3
DOMAIN=example.net
SELECTOR=mondomaine-dkim

for f in "$CLI" "$SPAWN"; do
	[ -x "$f" ] || { echo "demo.sh: $f is missing; run: meson compile -C ${1:-build}" >&2; exit 1; }
done

if [ -t 1 ]; then
	say () { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
else
	say () { printf '\n==> %s\n' "$*"; }
fi
indent () { sed 's/^/    /'; }

# dkimpy_verify FILE [DNSPORT | RECORDFILE] - prints one line per signature
dkimpy_verify () {
	"$PY" - "$@" <<'EOF'
import re, sys
import dkim
msg = open(sys.argv[1], "rb").read()
src = sys.argv[2]
if src.isdigit():
    import dns.resolver
    res = dns.resolver.Resolver(configure=False)
    res.nameservers, res.port = ["127.0.0.1"], int(src)
    def txt(name, timeout=5):
        try:
            return b"".join(res.resolve(name.decode(), "TXT", lifetime=timeout)[0].strings)
        except Exception:
            return None
else:
    record = "".join(re.findall(r'"([^"]*)"', open(src).read())).encode()
    def txt(name, timeout=5):
        return record
d = dkim.DKIM(msg)
sigs = [v for k, v in (l.split(b":", 1) for l in re.split(rb"\r?\n(?![ \t])", msg.split(b"\n\n", 1)[0]) if b":" in l)
        if k.lower() == b"dkim-signature"]
ok_all = bool(sigs)
for i, s in enumerate(sigs):
    tags = dict(t.strip().split(b"=", 1) for t in re.sub(rb"\s+", b"", s).split(b";") if b"=" in t)
    ok = d.verify(idx=i, dnsfunc=txt)
    ok_all &= ok
    print("dkimpy: d=%s s=%s a=%s: %s" % (tags[b"d"].decode(), tags[b"s"].decode(), tags[b"a"].decode(),
                                         "pass" if ok else "FAIL"))
if not sigs:
    print("dkimpy: no DKIM-Signature found: FAIL")
sys.exit(0 if ok_all else 1)
EOF
}

# maildkim_verify FILE DNSPORT - Mail::DKIM's verdict, key from the rig's DNS
maildkim_verify () {
	perl -MMail::DKIM::Verifier -MNet::DNS::Resolver -e '
		my ($file, $port) = @ARGV;
		Mail::DKIM::DNS::resolver(Net::DNS::Resolver->new(
			nameservers => ["127.0.0.1"], port => $port, recurse => 1));
		open(my $fh, "<", $file) or die "$file: $!";
		my $v = Mail::DKIM::Verifier->new;
		while (<$fh>) { s/\r?\n\z/\r\n/; $v->PRINT($_); }
		$v->CLOSE;
		my $ok = $v->result eq "pass";
		for my $s ($v->signatures) {
			printf "Mail::DKIM: d=%s s=%s a=%s: %s\n", $s->domain, $s->selector,
				$s->algorithm, $s->result_detail;
		}
		exit($ok ? 0 : 1);' "$@"
}

# opendkim_verify FILE NAME RECORDFILE DIR - OpenDKIM's verdict. It cannot ask
# a DNS server on another port, so it gets the record through TestPublicKeys.
opendkim_verify () {
	local rec out
	rec=$(grep -o '"[^"]*"' "$3" | tr -d '"\n')
	echo "$2 $rec" > "$4/opendkim.keys"
	printf 'Mode v\nSyslog no\nTestPublicKeys %s\n' "$4/opendkim.keys" > "$4/opendkim.conf"
	out=$(opendkim -x "$4/opendkim.conf" -t "$1" 2>&1) || true
	echo "OpenDKIM: ${out#opendkim: $1: }"
	case "$out" in *succeeded*) return 0 ;; *) return 1 ;; esac
}

# ---------------------------------------------------------------------
if [ "$(id -u)" != 0 ]; then
	cat <<EOF
You are not root, so this demo does not start the private Postfix: its master
must bind the rig's ports and spawn(8) must switch to the dkimmod user (which
the rig creates, as the how-to says) to run the filter. Instead it signs a sample message with the dkimmod CLI and checks the
signature with dkimpy and OpenDKIM. Run "sudo tools/demo.sh ${1:-build}" for the full demo.
EOF
	TMP=$(mktemp -d)
	trap 'rm -rf "$TMP"' EXIT
	say "dkimmod keygen -a rsa -d $DOMAIN -s $SELECTOR -o $TMP"
	"$CLI" keygen -a rsa -d "$DOMAIN" -s "$SELECTOR" -o "$TMP" | indent
	cat > "$TMP/sample.eml" <<EOF
From: Carol <carol@$DOMAIN>
To: Alice <alice@example.org>
Subject: dkimmod demo
Date: $(date -R)
Message-ID: <demo.$$@$DOMAIN>

Hello Alice,
this message was signed by the dkimmod command-line tool.
EOF
	say "dkimmod sign -d $DOMAIN -s $SELECTOR -k $SELECTOR.key < sample.eml"
	"$CLI" sign -d "$DOMAIN" -s "$SELECTOR" -k "$TMP/$SELECTOR.key" < "$TMP/sample.eml" > "$TMP/signed.eml"
	sed '/^$/q' "$TMP/signed.eml" | indent
	say "independent verifiers (dkimpy, OpenDKIM), key record taken from $SELECTOR.txt"
	rc=0
	dkimpy_verify "$TMP/signed.eml" "$TMP/$SELECTOR.txt" | indent || rc=1
	opendkim_verify "$TMP/signed.eml" "$SELECTOR._domainkey.$DOMAIN" "$TMP/$SELECTOR.txt" "$TMP" | indent || rc=1
	exit $rc
fi

# ---------------------------------------------------------------------
# Root: the real thing, on a port base of its own (rig.sh bases: far from
# the 10025-10028 of a Postfix set up by the how-to, and free of other rigs):
# hold the base's lock for the whole demo and keep the daemons from
# inheriting it.
RIG_PORT_BASE=
for tries in $(seq 60); do
	for b in $("$RIG_SH" bases); do
		exec 9> "$(RIG_PORT_BASE=$b "$RIG_SH" lockfile)"
		if flock -n 9 && RIG_PORT_BASE=$b "$RIG_SH" ports-free 9>&-; then
			RIG_PORT_BASE=$b
			break 2
		fi
		exec 9>&-
	done
	[ "$tries" = 1 ] && echo "demo.sh: every rig port base is in use; waiting..." >&2
	sleep 5
done
[ -n "$RIG_PORT_BASE" ] || { echo "demo.sh: no free rig port base after 5 minutes" >&2; exit 1; }
RIG=$(mktemp -d /tmp/dkimmod-demo.XXXXXX)
export RIG RIG_PORT_BASE DKIMMOD_SPAWN=$SPAWN
rig () { "$RIG_SH" "$@" 9>&-; }
cleanup () {
	local rc=$?
	if [ -f "$RIG/rig.env" ]; then
		rig destroy || true
	else
		rm -rf "$RIG"
	fi
	[ "$rc" = 0 ] || echo "demo.sh: failed (exit $rc); everything it started is stopped" >&2
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say "1. Generate the key: dkimmod keygen -a rsa -d $DOMAIN -s $SELECTOR"
mkdir -p "$RIG/keygen" "$RIG/keys" "$RIG/etc"
"$CLI" keygen -a rsa -d "$DOMAIN" -s "$SELECTOR" -o "$RIG/keygen" | indent
echo "    (private key $SELECTOR.key, mode 0600, given to the dkimmod user; the record above goes into the $DOMAIN zone)"
NAME=$SELECTOR._domainkey.$DOMAIN
cp "$RIG/keygen/$SELECTOR.key" "$RIG/keys/$NAME.key"
cp "$RIG/keygen/$SELECTOR.txt" "$RIG/keys/$NAME.txt"

cat > "$RIG/etc/dkimmod.conf" <<EOF
# sign mail from $DOMAIN, as in the DKIMproxy article's sender_map line:
#   $DOMAIN dkim(s=$SELECTOR,d=$DOMAIN,c=relaxed,a=rsa-sha256,key=...)
spawn = {
  spool_directory = "$RIG/filter";
};
signing = {
  sender_map = (
    { sender = "$DOMAIN";
      sign = ( { s = "$SELECTOR"; d = "$DOMAIN"; c = "relaxed"; a = "rsa-sha256";
                 key = "$RIG/keys/$NAME.key"; } ); }
  );
};
EOF
rig setup > /dev/null
say "2. The configuration: $RIG/etc/dkimmod.conf"
indent < "$RIG/etc/dkimmod.conf"
. "$RIG/rig.env"

say "3. Publish the record: dnsmasq on 127.0.0.1"
DNSPORT=$(rig dns-start)
"$PY" - "$DNSPORT" "$NAME" <<'EOF' | indent
import sys, dns.resolver
r = dns.resolver.Resolver(configure=False)
r.nameservers, r.port = ["127.0.0.1"], int(sys.argv[1])
a = r.resolve(sys.argv[2], "TXT")[0]
print("dig -p %s @127.0.0.1 %s TXT:" % (sys.argv[1], sys.argv[2]))
print("%s. IN TXT %s" % (sys.argv[2], " ".join('"%s"' % s.decode() for s in a.strings)))
EOF

say "4. Start a private Postfix with dkimmod-spawn as the signing content_filter"
rig start
sed -n '/^# --- signing after the queue/,/^# --- signing before the queue/p' "$RIG/etc/master.cf" | sed '$d' | indent
echo "    (master.cf in $RIG/etc; the submission service is on 127.0.0.1:$RIG_SUBMISSION)"

say "5. Send one message: swaks --server 127.0.0.1:$RIG_SUBMISSION --from carol@$DOMAIN --to alice@example.org"
swaks --server "127.0.0.1:$RIG_SUBMISSION" --from "carol@$DOMAIN" --to alice@example.org \
	--helo client.example.net --header "Subject: dkimmod demo" \
	--body "Hello Alice, this message was signed by dkimmod-spawn under Postfix spawn(8)." \
	2>&1 | grep -E '^ *<- +250 .*queued|^ *<\*\*' | indent
rig wait-mail example.org/alice 1 20
rig wait-empty 20
MSG=$(find "$RIG/mail/example.org/alice/new" -type f | head -n 1)

say "6. The delivered message (header), $MSG"
sed '/^$/q' "$MSG" | indent

say "7. What independent verifiers say (dkimpy and Mail::DKIM fetch the key from the DNS above)"
rc=0
dkimpy_verify "$MSG" "$DNSPORT" | indent || rc=1
maildkim_verify "$MSG" "$DNSPORT" | indent || rc=1
opendkim_verify "$MSG" "$NAME" "$RIG/keys/$NAME.txt" "$RIG" | indent || rc=1
echo "    (OpenDKIM cannot query a DNS server on a non-standard port, so it was given the same record)"

say "8. dkimmod-spawn's log line in Postfix's log ($RIG/log/maillog)"
grep -E 'dkimmod-spawn\[' "$RIG/log/maillog" | indent || echo "    (none)"

say "9. Stop Postfix and dnsmasq, remove $RIG"
exit $rc
