#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""test-rotate.py - `dkimmod rotate`: the next key, then the switch once DNS has it (TAP).

usage: test-rotate.py DKIMMOD

A domain signed with s=old is rotated to s=new1 with dnsmasq (Debian's
dnsmasq-base) on 127.0.0.1 and a free port as the DNS. Activation is
refused while the record is missing or holds another key, and while the
configuration does not include the state file, and while the filter's
user (--user nobody:nogroup, as spawn(8)'s user=) cannot read the next
key; then it switches, and `dkimmod sign --config` signs with the new
key. The next key belongs to the filter's user, mode 0600, from the
start. Run as the filter's user where it cannot write, rotate refuses
before a key exists. Exit 77 (skip) when dnsmasq cannot start (not root).
"""

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import loopback  # noqa: E402

DKIMMOD = sys.argv[1]
DNSMASQ = "/usr/sbin/dnsmasq"
TMP = tempfile.mkdtemp(prefix="dkimmod-rotate.")
CONF = os.path.join(TMP, "dkimmod.conf")
STATE = os.path.join(TMP, "rotate", "example.net.conf")
KEYS = os.path.join(TMP, "keys")
MSG = (b"From: alice@example.net\r\nTo: bob@example.com\r\nSubject: rotation\r\n"
       b"Date: Sat, 28 Nov 2026 10:00:00 +0000\r\n\r\nHello.\r\n")
dns = {"proc": None, "ns": None}
# the filter's user, as a master.cf spawn service's user= names it
FILTER_USER, FILTER_GROUP = "nobody", "nogroup"
AS_FILTER = ["--user", FILTER_USER + ":" + FILTER_GROUP]


def skip(why):
    print("1..0 # SKIP " + why)
    stop_dns()
    shutil.rmtree(TMP, ignore_errors=True)
    sys.exit(77)


def run(args, code=0, stdin=b""):
    p = subprocess.run([DKIMMOD] + args, input=stdin, capture_output=True)
    assert code is None or p.returncode == code, "dkimmod %s: exit %d, expected %d:\n%s%s" % (
        " ".join(args), p.returncode, code, p.stdout.decode(), p.stderr.decode())
    return p


def record_of(zone_text):
    """The TXT record (strings joined) from keygen/rotate zone output."""
    return "".join(re.findall(r'"([^"]*)"', zone_text))


def free_port():
    port = loopback.free_port()
    if port is None:
        skip("no free loopback port")
    return port


def start_dns(records):
    """dnsmasq answering RECORDS {name: txt}, authoritative for example.net."""
    stop_dns()
    if not os.access(DNSMASQ, os.X_OK):
        skip("dnsmasq not installed (dnsmasq-base)")
    port = free_port()
    conf = os.path.join(TMP, "dnsmasq.conf")
    with open(conf, "w") as f:
        f.write("no-resolv\nno-hosts\nno-poll\nlocal=/example.net/\nlisten-address=127.0.0.1\n"
                "bind-interfaces\nport=%d\n" % port)
        for name, txt in records.items():
            # dnsmasq splits nothing itself: give 255-byte strings.
            parts = [txt[i:i + 255] for i in range(0, len(txt), 255)]
            f.write("txt-record=%s,%s\n" % (name, ",".join('"%s"' % p for p in parts)))
    log = open(os.path.join(TMP, "dnsmasq.log"), "wb")
    dns["proc"] = subprocess.Popen([DNSMASQ, "-k", "--conf-file=" + conf, "--pid-file=",
                                    "--log-facility=-"], stdout=log, stderr=log)
    for _ in range(100):
        if dns["proc"].poll() is not None:
            skip("dnsmasq did not start (needs root): " +
                 open(os.path.join(TMP, "dnsmasq.log"), errors="replace").read().strip())
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            s.connect(("127.0.0.1", port))
            dns["ns"] = "127.0.0.1:%d" % port
            return
        except OSError:
            time.sleep(0.05)
        finally:
            s.close()
    skip("dnsmasq did not answer")


def stop_dns():
    p = dns["proc"]
    if p is not None and p.poll() is None:
        p.send_signal(signal.SIGTERM)
        p.wait(timeout=10)
    dns["proc"] = None


def activate(code):
    return run(["rotate", "--activate", "-d", "example.net", "--config", CONF,
                "--nameserver", dns["ns"], "--timeout", "2"] + AS_FILTER, code=code)


def as_filter(args):
    """dkimmod ARGS with the filter's ids, as spawn(8) runs it"""
    return ["setpriv", "--reuid=" + FILTER_USER, "--regid=" + FILTER_GROUP, "--clear-groups",
            DKIMMOD] + args


def signed_selector():
    # as the filter signs: the library loads a private key for its owner
    p = subprocess.run(as_filter(["sign", "--config", CONF]), input=MSG, capture_output=True)
    assert p.returncode == 0, p
    out = p.stdout.decode()
    return re.search(r"\bs=([^;\s]+)", out).group(1), out.encode()


def main():
    import pwd
    import grp
    if os.geteuid() != 0:
        skip("rotate as root gives keys to the filter's user: needs root")
    # the filter's user must reach the keys, as in /etc/dkimmod
    os.chmod(TMP, 0o755)
    os.makedirs(KEYS, mode=0o755)
    filter_uid = pwd.getpwnam(FILTER_USER).pw_uid
    filter_gid = grp.getgrnam(FILTER_GROUP).gr_gid
    old_zone = run(["keygen", "-d", "example.net", "-s", "old", "-o", KEYS, "-b", "1024"]).stdout
    old = record_of(old_zone.decode())
    os.chown(os.path.join(KEYS, "old.key"), filter_uid, filter_gid)
    with open(CONF, "w") as f:
        f.write('# a comment the postmaster wrote\nsigning = {\n  sender_map = (\n'
                '    { sender = "example.net";\n'
                '      sign = ( { s = "old"; c = "relaxed/simple"; key = "keys/old.key"; } ); }\n'
                '  );\n};\n')
    start_dns({"old._domainkey.example.net": old})
    checks = []

    def check(name, fn):
        checks.append((name, fn))

    state = {}

    def first_rotation():
        p = run(["rotate", "-d", "example.net", "-s", "new1", "--config", CONF] + AS_FILTER)
        out = p.stdout.decode()
        assert out.startswith("example.net: the new key belongs to nobody:nogroup (mode 0600)"), out
        out = out.split("\n", 1)[1]
        state["new1"] = record_of(out.split("\n\n")[0])
        assert out.startswith("new1._domainkey.example.net. IN TXT"), out
        st = os.stat(os.path.join(KEYS, "new1.key"))
        assert (st.st_uid, st.st_gid) == (filter_uid, filter_gid), st
        assert 'replace the sign setting of its entry with\n  @include "rotate/example.net.conf"' in out
        assert os.stat(os.path.join(KEYS, "new1.key")).st_mode & 0o777 == 0o600
        text = open(STATE).read()
        assert re.search(r'sign = \( \{ s = "old"; c = "relaxed/simple"; key = "[^"]*/keys/old.key"', text), text
        assert 'next = { s = "new1";' in text, text
        assert "a comment the postmaster wrote" in open(CONF).read()
    check("rotate makes the next key, prints its record, writes the state file", first_rotation)

    def not_included():
        start_dns({"old._domainkey.example.net": old, "new1._domainkey.example.net": state["new1"]})
        before = open(STATE).read()
        p = activate(78)
        assert "does not sign example.net from" in p.stderr.decode(), p.stderr.decode()
        assert open(STATE).read() == before
        assert signed_selector()[0] == "old"
    check("activate refuses while dkimmod.conf does not include the state file", not_included)

    def include():
        text = open(CONF).read().replace(
            'sign = ( { s = "old"; c = "relaxed/simple"; key = "keys/old.key"; } ); }',
            '@include "rotate/example.net.conf" }')
        with open(CONF, "w") as f:
            f.write(text)
        p = run(["check-config"] + AS_FILTER + [CONF], code=None)
        assert p.returncode == 0, p.stdout.decode() + p.stderr.decode()
        assert signed_selector()[0] == "old"
    check("the entry includes the state file; check-config accepts next", include)

    def unpublished():
        start_dns({"old._domainkey.example.net": old})
        # check-config --dns: the current selector is published; the
        # waiting next key is not signed with, so not checked.
        out = subprocess.run([DKIMMOD, "check-config", "--dns", "--nameserver", dns["ns"]]
                             + AS_FILTER + [CONF], capture_output=True)
        assert out.returncode == 0 and b"does not publish" not in out.stderr, out
        before = open(STATE).read()
        p = activate(1)
        assert "not activated: DNS does not publish the key of s=new1 yet" in p.stderr.decode()
        assert "missing" in p.stdout.decode(), p.stdout.decode()
        assert open(STATE).read() == before and signed_selector()[0] == "old"
    check("activate refuses while the record is not published", unpublished)

    def wrong_key():
        start_dns({"old._domainkey.example.net": state["new1"], "new1._domainkey.example.net": old})
        out = subprocess.run([DKIMMOD, "check-config", "--dns", "--nameserver", dns["ns"]]
                             + AS_FILTER + [CONF], capture_output=True)
        assert out.returncode == 0, out
        assert b"warning: old._domainkey.example.net does not publish the key" in out.stderr, out
        start_dns({"old._domainkey.example.net": old, "new1._domainkey.example.net": old})
        before = open(STATE).read()
        activate(1)
        assert open(STATE).read() == before and signed_selector()[0] == "old"
    check("activate refuses when the record holds another key; check-config --dns warns "
          "when a selector's record holds another key", wrong_key)

    def unreadable():
        # the key as the rotate of before left it: root's
        key = os.path.join(KEYS, "new1.key")
        start_dns({"old._domainkey.example.net": old, "new1._domainkey.example.net": state["new1"]})
        os.chown(key, 0, 0)
        before = open(STATE).read()
        try:
            p = activate(77)
        finally:
            os.chown(key, filter_uid, filter_gid)
        err = p.stderr.decode()
        assert "not activated: nobody:nogroup, the filter's user, cannot use the next key" in err, err
        assert "new1.key" in err and "Permission denied" in err, err
        assert open(STATE).read() == before and signed_selector()[0] == "old"
    check("activate refuses a next key the filter's user cannot read (root's, 0600)", unreadable)

    def switch():
        start_dns({"old._domainkey.example.net": old, "new1._domainkey.example.net": state["new1"]})
        p = activate(0)
        out = p.stdout.decode()
        assert "example.net now signs with s=new1." in out, out
        assert "Keep the old record old._domainkey.example.net published for a week" in out, out
        text = open(STATE).read()
        assert 'sign = ( { s = "new1"; c = "relaxed/simple";' in text, text
        assert 'previous = { s = "old";' in text and "next =" not in text, text
        sel, signed = signed_selector()
        assert sel == "new1", sel
        kf = os.path.join(TMP, "keys.txt")
        with open(kf, "w") as f:
            f.write('new1._domainkey.example.net "%s"\n' % state["new1"])
        run(["verify", "--key-file", kf], stdin=signed)
        run(["check-config"] + AS_FILTER + [CONF])
    check("activate switches once DNS publishes the key; the old one is kept as previous", switch)

    def as_filter_user():
        keys_before = sorted(os.listdir(KEYS))
        p = subprocess.run(as_filter(["rotate", "-d", "example.net", "-s", "new3", "--config",
                                      CONF]), capture_output=True)
        assert p.returncode == 73, p
        assert b"cannot write here (the new key): nothing was made" in p.stderr, p.stderr
        assert sorted(os.listdir(KEYS)) == keys_before
    check("run as the filter's user where it cannot write: refused before a key exists",
          as_filter_user)

    def again():
        p = run(["rotate", "-d", "example.net", "--config", CONF] + AS_FILTER)
        sel = p.stdout.decode().split("\n", 1)[1].split(".", 1)[0]
        assert re.fullmatch(r"s20\d{6}", sel), sel
        assert "First rotation" not in p.stdout.decode()
        p = run(["rotate", "-d", "example.net", "--config", CONF, "-s", "other"] + AS_FILTER,
                code=65)
        assert "is already waiting" in p.stderr.decode()
        run(["rotate", "-d", "nowhere.example", "--config", CONF] + AS_FILTER, code=78)
        # as root with a user that does not exist: refused, nothing made
        run(["rotate", "-d", "example.net", "--config", CONF, "-s", "x", "--user",
             "no-such-user-dkimmod"], code=67)
    check("the next rotation: a dated selector by default; one next key at a time", again)

    print("1..%d" % len(checks))
    failed = 0
    for n, (name, fn) in enumerate(checks, 1):
        try:
            fn()
            print("ok %d - %s" % (n, name))
        except Exception:
            failed += 1
            print("not ok %d - %s" % (n, name))
            for line in traceback.format_exc().splitlines():
                print("# " + line)
    stop_dns()
    shutil.rmtree(TMP, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    finally:
        stop_dns()
