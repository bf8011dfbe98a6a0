#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""test-check-risks.py - `dkimmod check-config` warns about risky but valid setups (TAP).

usage: test-check-risks.py DKIMMOD

A catch-all entry, one key for unrelated domains, a 1024-bit RSA key and
a group-readable key each give one warning on stderr naming FILE:LINE,
and the exit status stays 0; a clean configuration gives none. With a
Postfix configuration (MAIL_CONFIG) whose submission service signs through
dkimmod-spawn: pickup, bounce, defer and trace without a route to the
signer each give a warning (tools/check-bypass.c), the routes of
docs/postfix-howto.md section 8 give none, and a verifying-only
dkimmod-spawn gives none. (--dns is
tested in test-rotate.py, which has a DNS server.)
"""

import os
import shutil
import subprocess
import sys
import tempfile
import traceback

DKIMMOD = sys.argv[1]
TMP = tempfile.mkdtemp(prefix="dkimmod-risks.")


def run(args, code=0, mail_config=None):
    # postconf reads MAIL_CONFIG: by default a directory without main.cf,
    # so that the host's own Postfix cannot add warnings (check-bypass.c)
    env = dict(os.environ, MAIL_CONFIG=mail_config or TMP)
    p = subprocess.run([DKIMMOD] + args, capture_output=True, env=env)
    assert p.returncode == code, "dkimmod %s: exit %d:\n%s%s" % (
        " ".join(args), p.returncode, p.stdout.decode(), p.stderr.decode())
    return p.stdout.decode(), p.stderr.decode()


def conf(name, entries, extra=""):
    path = os.path.join(TMP, name)
    with open(path, "w") as f:
        f.write("signing = { sender_map = (\n%s\n); };\n%s" % (",\n".join(entries), extra))
    return path


def key(name, *args):
    run(["keygen", "-d", "example.net", "-s", name, "-o", TMP] + list(args))
    return os.path.join(TMP, name + ".key")


def main():
    ed, ed2 = key("ed", "-a", "ed25519"), key("ed2", "-a", "ed25519")
    small = key("small", "-b", "1024")
    entry = '  { sender = "%s"; sign = ( { s = "%s"; %skey = "%s"; } ); }'
    tests = []

    def clean():
        out, err = run(["check-config", conf("clean.conf", [
            entry % ("example.net", "ed", "", ed),
            entry % ("mail.example.net", "ed", "", ed),  # a subdomain may share the key
            entry % ("example.org", "ed2", "", ed2)])])
        assert err == "" and "warnings" not in out, out + err
    tests.append(("a clean configuration: no warning", clean))

    def risky():
        os.chmod(small, 0o640)
        path = conf("risky.conf", [
            entry % ("example.net", "ed", "", ed),
            entry % ("example.com", "ed", "", ed),
            entry % ("example.org", "small", "", small),
            entry % (".", "x", 'd = "$senderdomain"; ', TMP + "/$senderdomain.key")],
            "spawn = { allow_group_readable_keys = true; };\n")
        out, err = run(["check-config", path])
        want = [
            "risky.conf:5: warning: the catch-all entry \".\" signs for every sender domain",
            "risky.conf:2: warning: key %s signs for unrelated domains (example.net, example.com)" % ed,
            "risky.conf:4: warning: key %s is a 1024-bit RSA key" % small,
            "risky.conf:4: warning: key %s is readable by its group (mode 0640)" % small,
        ]
        for w in want:
            assert w in err, "no %r in:\n%s" % (w, err)
        assert len(err.splitlines()) == len(want), err
        assert "4 warnings" in out, out
    tests.append(("catch-all, shared key, 1024-bit key, group-readable key: warned, exit 0", risky))

    def postfix_dir(name, extra_master="", extra_main=""):
        d = os.path.join(TMP, name)
        os.mkdir(d)
        with open(os.path.join(d, "main.cf"), "w") as f:
            f.write("compatibility_level = 3.6\n" + extra_main)
        with open(os.path.join(d, "master.cf"), "w") as f:
            f.write("submission inet n - y - - smtpd\n"
                    "  -o content_filter=dksign:[127.0.0.1]:10027\n"
                    "dksign unix - - n - 10 smtp\n"
                    "127.0.0.1:10027 inet n n n - 10 spawn\n"
                    "  user=dkimmod argv=/usr/libexec/dkimmod/dkimmod-spawn -c /etc/dkimmod/dkimmod.conf"
                    " -o next_hop=127.0.0.1:10028\n" + extra_master)
        return d

    signing = [entry % ("example.net", "ed", "", ed)]

    def bypassed():
        d = postfix_dir("pf-plain", "pickup unix n - y 60 1 pickup\n"
                        "bounce unix - - y - 0 bounce\ndefer unix - - y - 0 bounce\n"
                        "trace unix - - y - 0 bounce\n")
        # --postfix-config names the Postfix (MAIL_CONFIG stays the empty one)
        out, err = run(["check-config", "--user", "root", "--postfix-config", d,
                        conf("bypass.conf", signing)])
        lines = err.splitlines()
        assert len(lines) == 4, err
        assert lines[0].startswith("master.cf: pickup: warning: mail from sendmail(1) (cron, "
                                   "scripts) is not signed"), err
        for svc, line in zip(("bounce", "defer", "trace"), lines[1:]):
            assert line.startswith("master.cf: %s: warning: bounces and delivery status "
                                   "notifications from this service are not signed" % svc), err
            assert line.endswith("signing filter dksign:[127.0.0.1]:10027)"), err
        assert "4 warnings" in out, out
    tests.append(("submission signs, pickup/bounce/defer/trace do not: 4 warnings", bypassed))

    def routed():
        svc = ("%s unix - - y - 0 bounce\n  -o internal_mail_filter_classes=bounce\n"
               "  -o cleanup_service_name=dkimmod-cleanup\n")
        d = postfix_dir("pf-routed", "pickup unix n - y 60 1 pickup\n"
                        "  -o content_filter=dksign:[127.0.0.1]:10027\n"
                        + "".join(svc % s for s in ("bounce", "defer", "trace"))
                        + "dkimmod-cleanup unix n - y - 0 cleanup\n")
        out, err = run(["check-config", "--user", "root", conf("routed.conf", signing)],
                       mail_config=d)
        assert err == "" and "warnings" not in out, out + err
        # main.cf's content_filter and internal_mail_filter_classes count too
        d = postfix_dir("pf-main", "pickup unix n - y 60 1 pickup\n"
                        + "".join(("%s unix - - y - 0 bounce\n  -o cleanup_service_name=c\n") % s
                                  for s in ("bounce", "defer", "trace")),
                        "content_filter = dksign:[127.0.0.1]:10027\n"
                        "internal_mail_filter_classes = bounce\n")
        out, err = run(["check-config", "--user", "root", conf("routed.conf", signing)],
                       mail_config=d)
        assert err == "" and "warnings" not in out, out + err
    tests.append(("the how-to's routes (master.cf or main.cf): no warning", routed))

    def verify_only():
        d = os.path.join(TMP, "pf-verify")
        os.mkdir(d)
        with open(os.path.join(d, "main.cf"), "w") as f:
            f.write("compatibility_level = 3.6\n")
        with open(os.path.join(d, "master.cf"), "w") as f:
            f.write("smtp inet n - y - - smtpd\n  -o smtpd_proxy_filter=127.0.0.1:10025\n"
                    "127.0.0.1:10025 inet n n n - 10 spawn\n  user=dkimmod argv=/usr/libexec/"
                    "dkimmod/dkimmod-spawn -o next_hop=127.0.0.1:10026 verify\n"
                    "pickup unix n - y 60 1 pickup\n")
        out, err = run(["check-config", "--user", "root", conf("verify.conf", signing)],
                       mail_config=d)
        assert err == "", err
    tests.append(("no signing content_filter in master.cf: no warning", verify_only))

    print("1..%d" % len(tests))
    failed = 0
    for n, (name, fn) in enumerate(tests, 1):
        try:
            fn()
            print("ok %d - %s" % (n, name))
        except Exception:
            failed += 1
            print("not ok %d - %s" % (n, name))
            for line in traceback.format_exc().splitlines():
                print("# " + line)
    shutil.rmtree(TMP, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
