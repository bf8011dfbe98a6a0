#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""test-postfix-setup.py DKIMMOD - `dkimmod postfix-setup` on real Postfix configurations (TAP).

Each case works on a private configuration directory (main.cf and
Debian's master.cf with a submission service, read and written only
through postconf -c DIR, never /etc/postfix): the dry run prints the
postconf -M/-P diff and changes nothing; --apply makes the change, with a
timestamped backup of both files; a second run changes nothing; and each
refusal (no main.cf, no front service, a port taken in master.cf or by
another program, an unknown user, a key or spool the user cannot use, a
front service already filtered) changes nothing and names the fix. The
last two cases apply the setup to the rig's Postfix (tests/postfix/rig.sh,
under its lock): --sign, and a message sent to the front service arrives
signed; --verify, and a message signed by dkimpy sent to the front
service arrives with our Authentication-Results saying dkim=pass. Root
only (exit 77): the checks run as the filter's user.
"""

import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from tap import run_tap  # noqa: E402
from rigtest import Rig, expect_signed  # noqa: E402

DKIMMOD = sys.argv[1]
USER = "dkimmod"


def run(args, code=0):
    p = subprocess.run([DKIMMOD, "postfix-setup"] + args, capture_output=True)
    out, err = p.stdout.decode(), p.stderr.decode()
    assert p.returncode == code, "postfix-setup %s: exit %d, wanted %d:\n%s%s" % (
        " ".join(args), p.returncode, code, out, err)
    return out, err


def postconf(pfdir, *args):
    return subprocess.run(["postconf", "-c", pfdir] + list(args), check=True,
                          capture_output=True, text=True).stdout


class Setup:
    """A private Postfix configuration and a dkimmod.conf with its key."""

    def __init__(self, tmp):
        self.tmp = tmp
        self.pf = os.path.join(tmp, "postfix")
        os.mkdir(self.pf)
        with open(os.path.join(self.pf, "main.cf"), "w") as f:
            f.write("compatibility_level = 3.6\nmyhostname = mx.example.net\n")
        shutil.copy("/etc/postfix/master.cf", os.path.join(self.pf, "master.cf"))
        postconf(self.pf, "-M", "submission/inet=submission inet n - y - - smtpd")
        postconf(self.pf, "-P", "submission/inet/syslog_name=postfix/submission")
        keys = os.path.join(tmp, "keys")
        os.mkdir(keys, 0o750)
        subprocess.run([DKIMMOD, "keygen", "-a", "ed25519", "-d", "example.net", "-s", "sel",
                        "-o", keys], check=True, capture_output=True)
        self.key = os.path.join(keys, "sel.key")
        pw = pwd.getpwnam(USER)
        os.chown(keys, 0, pw.pw_gid)
        os.chown(self.key, 0, pw.pw_gid)
        os.chmod(self.key, 0o440)
        self.spool = os.path.join(tmp, "spool")
        os.mkdir(self.spool, 0o700)
        os.chown(self.spool, pw.pw_uid, pw.pw_gid)
        self.conf = os.path.join(tmp, "dkimmod.conf")
        with open(self.conf, "w") as f:
            f.write('signing = { sender_map = ( { sender = "example.net";\n'
                    '  sign = ( { s = "sel"; key = "%s"; } ); } ); };\n'
                    'spawn = { spool_directory = "%s"; };\n' % (self.key, self.spool))
        os.chmod(self.conf, 0o644)

    def args(self, *more):
        return ["--sign", "--postfix-config", self.pf, "--config", self.conf,
                "--sign-port", "10927", "--reinject-port", "10928"] + list(more)

    def state(self):
        return [open(os.path.join(self.pf, n)).read() for n in ("main.cf", "master.cf")]

    def files(self):
        return sorted(os.listdir(self.pf))


def ensure_user():
    try:
        pwd.getpwnam(USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--user-group", "--home-dir", "/nonexistent",
                        "--no-create-home", "--shell", "/usr/sbin/nologin", USER], check=True)


def main():
    if os.geteuid() != 0:
        print("1..0 # SKIP needs root")
        return 77
    ensure_user()
    tests = []
    tmps = []

    def fresh():
        tmp = tempfile.mkdtemp(prefix="dkimmod-pfsetup.")
        os.chmod(tmp, 0o755)
        tmps.append(tmp)
        return Setup(tmp)

    def dry_run():
        s = fresh()
        before, files = s.state(), s.files()
        out, err = run(s.args())
        assert s.state() == before and s.files() == files, "the dry run changed something"
        for want in ("--- master.cf (postconf -M) (before)",
                     "+submission inet  n       -       y       -       -       smtpd "
                     "-o syslog_name=postfix/submission "
                     "-o content_filter=dksign:[127.0.0.1]:10927",
                     "+dksign     unix  -       -       n       -       10      smtp "
                     "-o smtp_send_xforward_command=yes "
                     "-o smtp_discard_ehlo_keywords=8bitmime,starttls",
                     "spawn user=dkimmod argv=",
                     "-c %s -o next_hop=127.0.0.1:10928" % s.conf,
                     "+127.0.0.1:10928/inet/receive_override_options = no_unknown_recipient_"
                     "checks,no_header_body_checks,no_milters,no_address_mappings",
                     "+127.0.0.1:10928/inet/smtpd_relay_restrictions =",
                     # 10,240,000 (the default) + the signing headroom, 135,504
                     "+127.0.0.1:10928/inet/message_size_limit = 10375504",
                     "dry run: nothing changed"):
            assert want in out, "no %r in:\n%s" % (want, out)
        assert "main.cf (postconf -n)" not in out, "main.cf changes without --soft-bounce"
    tests.append(("dry run: the postconf -M/-P diff, nothing changed", dry_run))

    def dry_run_verify():
        s = fresh()
        out, err = run(["--verify", "--postfix-config", s.pf, "--verify-config", s.conf,
                        "--verify-port", "10925", "--verify-reinject-port", "10926"])
        for want in ("+smtp/inet/smtpd_proxy_filter = 127.0.0.1:10925",
                     "+smtp/inet/smtpd_proxy_options = speed_adjust",
                     "-c %s -o next_hop=127.0.0.1:10926 verify" % s.conf,
                     "+127.0.0.1:10926/inet/receive_override_options = "
                     "no_unknown_recipient_checks\n",
                     # 10,240,000 + the verifying headroom of this configuration
                     # (5 signatures, spf=, dmarc=, arc=, the quarantine field, no
                     # X-DKIM-Authentication-Results: 28,005)
                     "+127.0.0.1:10926/inet/message_size_limit = 10268005"):
            assert want.rstrip("\n") in out, "no %r in:\n%s" % (want, out)
        assert "dksign" not in out, out
    tests.append(("--verify dry run: smtpd_proxy_filter on smtp, the verify service, the smtpd "
                  "after it", dry_run_verify))

    def apply_and_again():
        s = fresh()
        before = s.state()
        out, err = run(s.args("--apply", "--soft-bounce"))
        assert "changed %s/master.cf and main.cf" % s.pf in out, out
        backups = sorted(glob.glob(os.path.join(s.pf, "*.dkimmod-*")))
        assert len(backups) == 2, backups
        assert [open(b).read() for b in backups] == before, "backups differ from the originals"
        assert "-o content_filter=dksign:[127.0.0.1]:10927" in postconf(s.pf, "-M", "submission/inet")
        assert postconf(s.pf, "-h", "soft_bounce").strip() == "yes"
        assert "no_milters" in postconf(s.pf, "-P", "127.0.0.1:10928/inet/receive_override_options")
        after, files = s.state(), s.files()
        out, err = run(s.args("--apply", "--soft-bounce"))
        assert "no change: Postfix is already set up this way" in out, out
        assert s.state() == after and s.files() == files, "the second run changed something"
        # before the queue instead: refused, the content_filter is there
        out, err = run(s.args("--before-queue"), 78)
        assert "already has -o content_filter=dksign:[127.0.0.1]:10927" in err, err
    tests.append(("--apply: changed with a backup of both files; a second run changes nothing",
                  apply_and_again))

    def refusals():
        s = fresh()

        def refused(args, words, code=78):
            before, files = s.state(), s.files()
            out, err = run(args, code)
            for w in words:
                assert w in err, "no %r in:\n%s%s" % (w, out, err)
            assert s.state() == before and s.files() == files, "a refusal changed something"

        # a program outside master.cf on the signing port
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 10927))
        sock.listen(1)
        try:
            refused(s.args(), ["127.0.0.1:10927 is in use by a program outside master.cf",
                               "--sign-port", "nothing changed"])
        finally:
            sock.close()
        # another master.cf entry on the reinjection port
        postconf(s.pf, "-M", "127.0.0.1:10928/inet=127.0.0.1:10928 inet n - n - - lmtp")
        refused(s.args(), ['master.cf already has 127.0.0.1:10928/inet running "lmtp"',
                           "--reinject-port"])
        postconf(s.pf, "-MX", "127.0.0.1:10928/inet")
        # no such front service
        refused(s.args("--submission", "submissions/inet"),
                ["master.cf has no submissions/inet service", "TLS and SASL"])
        # the front service has another filter
        postconf(s.pf, "-P", "submission/inet/content_filter=amavis:[127.0.0.1]:10024")
        refused(s.args(), ["already has -o content_filter=amavis:[127.0.0.1]:10024"])
        postconf(s.pf, "-PX", "submission/inet/content_filter")
        # no such user
        refused(s.args("--user", "no-such-user-12"), ["user no-such-user-12 does not exist"])
        # a key the filter's user cannot read (user=dkimmod:postdrop: not in
        # group dkimmod, the old logging advice)
        refused(s.args("--user", USER + ":postdrop"),
                ["the filter's user dkimmod:postdrop cannot use the configuration"])
        out, err = run(s.args("--user", USER + ":postdrop"), 78)
        assert "may not" in err and "Permission denied" in err, err
        # a spool the user cannot write
        os.chown(s.spool, 0, 0)
        refused(s.args(), ["spool_directory %s: the filter's user cannot write it" % s.spool,
                           "chown USER %s" % s.spool])
        pw = pwd.getpwnam(USER)
        os.chown(s.spool, pw.pw_uid, pw.pw_gid)
        # no main.cf (Debian's unconfigured Postfix)
        os.rename(os.path.join(s.pf, "main.cf"), os.path.join(s.tmp, "main.cf"))
        out, err = run(s.args(), 78)
        assert "main.cf does not exist: Postfix is not configured yet" in err, err
        assert not os.path.exists(os.path.join(s.pf, "main.cf")), "main.cf created"
        os.rename(os.path.join(s.tmp, "main.cf"), os.path.join(s.pf, "main.cf"))
        # and with everything fixed, the dry run goes through
        run(s.args())
    tests.append(("each refusal names the reason and the fix and changes nothing", refusals))

    def apply_to_rig(rig, mode):
        """postfix-setup MODE (--sign or --verify) applied to the rig's
        Postfix, its front the rig's unfiltered smtpd, the two new services
        on BASE+40 and +41, up; returns the arguments (for a second run)"""
        base = int(rig.ports["RIG_PORT_BASE"])
        front = "127.0.0.1:%d/inet" % rig.port("RIG_NOFILTER")
        conf = os.path.join(rig.etc, "dkimmod.conf")
        args = [mode, "--postfix-config", rig.etc,
                "--spawn", os.path.join(rig.dir, "bin", "dkimmod-spawn"),
                "--user", USER + ":postdrop"] + (
            ["--submission", front, "--config", conf, "--sign-port", str(base + 40),
             "--reinject-port", str(base + 41)] if mode == "--sign" else
            ["--smtp", front, "--verify-config", conf, "--verify-port", str(base + 40),
             "--verify-reinject-port", str(base + 41)])
        out, err = run(args + ["--apply"])
        assert "changed" in out, out + err
        rig.reload()
        rig.wait_port(base + 40, "up")
        rig.wait_port(base + 41, "up")
        return args

    def postlogd():
        # maillog_file: Postfix logs through postlogd (no syslog socket,
        # as in containers); the filter must be user=dkimmod:postdrop to
        # reach public/postlog, and then loses the group dkimmod
        s = fresh()
        postconf(s.pf, "-e", "maillog_file=/var/log/postfix.log")
        before = s.state()
        out, err = run(s.args(), 78)
        assert "note: Postfix logs to /var/log/postfix.log (postlogd): the filter runs as " \
               "user=dkimmod:postdrop" in out, out
        assert "as user dkimmod:postdrop" in out and s.key in err, out + err
        assert s.state() == before
        # the key in the form that works with either user= (dkimmod's, 0600)
        pw = pwd.getpwnam(USER)
        for path, mode in ((os.path.dirname(s.key), 0o700), (s.key, 0o600)):
            os.chown(path, pw.pw_uid, pw.pw_gid)
            os.chmod(path, mode)
        out, err = run(s.args())
        assert "spawn user=dkimmod:postdrop argv=" in out, out
        out, err = run(s.args("--user", USER))
        assert "spawn user=dkimmod argv=" in out and "postlogd" not in out, out
    tests.append(("maillog_file set: user=dkimmod:postdrop by default, checked as that user "
                  "(a key in root:dkimmod 0750/0440 is refused, dkimmod's 0700/0600 is not), "
                  "--user still chooses", postlogd))

    def rig_signs():
        with Rig() as rig:
            args = apply_to_rig(rig, "--sign")
            rig.swaks(rig.port("RIG_NOFILTER"), "carol@example.net", "bob@example.net",
                      "--header", "Subject: postfix-setup")
            msgs = rig.wait_mail("example.net/bob", 1)
            expect_signed(rig, msgs[0], [("example.net", "mondomaine-dkim")])
            out, err = run(args + ["--apply"])
            assert "no change" in out, out + err
    tests.append(("applied to the rig's Postfix: a message sent to the front service arrives "
                  "signed", rig_signs))

    def rig_verifies():
        import dkim
        import smtplib
        with Rig() as rig:
            args = apply_to_rig(rig, "--verify")
            msg = (b"From: carol@example.net\r\nTo: bob@example.net\r\n"
                   b"Subject: postfix-setup --verify\r\n\r\nverified\r\n")
            with open(rig.key_path("mondomaine-dkim", "example.net"), "rb") as f:
                msg = dkim.sign(msg, b"mondomaine-dkim", b"example.net", f.read(),
                                canonicalize=(b"relaxed", b"relaxed")) + msg
            with smtplib.SMTP("127.0.0.1", rig.port("RIG_NOFILTER"), "client.rig.test",
                              timeout=30) as c:
                c.sendmail("carol@example.net", ["bob@example.net"], msg)
            [got] = rig.wait_mail("example.net/bob", 1)
            head = got.split(b"\n\n", 1)[0].replace(b"\r\n", b"\n")
            assert b"Authentication-Results: mx.rig.test;" in head, head.decode()
            assert b"dkim=pass" in head and b"header.d=example.net" in head, head.decode()
            out, err = run(args + ["--apply"])
            assert "no change" in out, out + err
    tests.append(("--verify applied to the rig's Postfix: a signed message sent to the front "
                  "service arrives with dkim=pass in our Authentication-Results", rig_verifies))

    status = run_tap(tests)
    for t in tmps:
        shutil.rmtree(t, ignore_errors=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
