#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""test-check-as-user.py - `dkimmod check-config` run as root checks as the filter's user (TAP).

usage: test-check-as-user.py DKIMMOD

Root reads every key, so before issue 12 check-config said OK for a key
the filter's user cannot open. Each case builds a configuration and a
key in a temporary directory and runs check-config as root with
--user dkimmod, or with the user found in a private Postfix
configuration directory (postconf -c DIR -M: the spawn service's
user=), and checks the verdict and that a refusal names the path
component, its owner and mode, and the fix. Root only (exit 77).
"""

import grp
import os
import pwd
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from tap import run_tap  # noqa: E402

DKIMMOD = sys.argv[1]
USER = "dkimmod"


def ensure_user():
    """The filter's user, as tests/postfix/rig.sh creates it."""
    try:
        pwd.getpwnam(USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--user-group", "--home-dir", "/nonexistent",
                        "--no-create-home", "--shell", "/usr/sbin/nologin", USER], check=True)
    return pwd.getpwnam(USER)


def run(args, code):
    p = subprocess.run([DKIMMOD] + args, capture_output=True)
    out, err = p.stdout.decode(), p.stderr.decode()
    assert p.returncode == code, "dkimmod %s: exit %d, wanted %d:\n%s%s" % (
        " ".join(args), p.returncode, code, out, err)
    return out, err


def main():
    if os.geteuid() != 0:
        print("1..0 # SKIP needs root")
        return 77
    pw = ensure_user()
    gid = pw.pw_gid
    tmp = tempfile.mkdtemp(prefix="dkimmod-asuser.")
    os.chmod(tmp, 0o755)
    keys = os.path.join(tmp, "keys")
    os.mkdir(keys, 0o755)
    run(["keygen", "-a", "ed25519", "-d", "example.net", "-s", "sel", "-o", keys], 0)
    key = os.path.join(keys, "sel.key")
    conf = os.path.join(tmp, "dkimmod.conf")
    with open(conf, "w") as f:
        f.write('signing = { sender_map = ( { sender = "example.net";\n'
                '  sign = ( { s = "sel"; key = "%s"; } ); } ); };\n' % key)
    os.chown(conf, 0, gid)
    os.chmod(conf, 0o640)
    tests = []

    def root_only_key():
        # root:root 0600: root reads it, the filter cannot
        os.chown(key, 0, 0)
        os.chmod(key, 0o600)
        out, err = run(["check-config", conf], 0)  # as root, as before: OK
        assert "OK" in out, out + err
        out, err = run(["check-config", "--user", USER, conf], 78)
        assert "checking as user dkimmod (from --user)" in out, out
        for want in ("cannot open private key %s: Permission denied" % key,
                     "uid %d (dkimmod) with gid %d (dkimmod) may not read it (root:root 0600)"
                     % (pw.pw_uid, gid),
                     "`chgrp dkimmod` and `chmod g+r` it"):
            assert want in err, "no %r in:\n%s" % (want, err)
        assert "OK" not in out, out
    tests.append(("a key only root can read: OK as root, refused as --user dkimmod, "
                  "naming the file and the fix", root_only_key))

    def group_key():
        os.chown(key, 0, gid)
        os.chmod(key, 0o440)
        out, err = run(["check-config", "--user", USER, conf], 0)
        assert "OK" in out, out + err
    tests.append(("root:dkimmod 0440: OK as the filter's user", group_key))

    def postdrop_group():
        # user=dkimmod:postdrop (the old logging advice): the group dkimmod is
        # gone, so the 0440 key and the 0640 configuration are unreadable
        out, err = run(["check-config", "--user", USER + ":postdrop", conf], 66)
        assert "%s: cannot read: Permission denied" % conf in err, err
        assert "uid %d (dkimmod) with gid %d (postdrop) may not read it" % (
            pw.pw_uid, grp.getgrnam("postdrop").gr_gid) in err, err
    tests.append(("user=dkimmod:postdrop: the configuration is unreadable, said so",
                  postdrop_group))

    def closed_directory():
        os.chmod(keys, 0o700)
        try:
            out, err = run(["check-config", "--user", USER, conf], 78)
            assert "uid %d (dkimmod) with gid %d (dkimmod) may not search directory %s " \
                   "(root:root 0700): `chgrp dkimmod` and `chmod g+x` it" % (
                       pw.pw_uid, gid, keys) in err, err
        finally:
            os.chmod(keys, 0o755)
    tests.append(("a directory the user cannot search is named", closed_directory))

    def from_master_cf():
        pfdir = os.path.join(tmp, "postfix")
        os.mkdir(pfdir)
        with open(os.path.join(pfdir, "main.cf"), "w") as f:
            f.write("compatibility_level = 3.6\n")
        with open(os.path.join(pfdir, "master.cf"), "w") as f:
            f.write("smtp inet n - y - - smtpd\n"
                    "127.0.0.1:10027 inet n n n - 10 spawn\n"
                    "  user=%s argv=/usr/libexec/dkimmod/dkimmod-spawn -c %s\n" % (USER, conf))
        os.chown(key, 0, 0)
        os.chmod(key, 0o600)
        out, err = run(["check-config", "--postfix-config", pfdir, conf], 78)
        assert "checking as user dkimmod (from master.cf service 127.0.0.1:10027/inet)" \
               in out, out
        assert "uid %d (dkimmod) with gid %d (dkimmod) may not read it" % (pw.pw_uid, gid) \
            in err, err
        os.chown(key, 0, gid)
        os.chmod(key, 0o440)
        out, err = run(["check-config", "--postfix-config", pfdir, conf], 0)
        assert "OK" in out, out + err
        # no dkimmod-spawn service: checked as root, and said so (root is
        # not in group dkimmod, so the 0440 key is refused as for any
        # process outside its group)
        with open(os.path.join(pfdir, "master.cf"), "w") as f:
            f.write("smtp inet n - y - - smtpd\n")
        out, err = run(["check-config", "--postfix-config", pfdir, conf], 78)
        assert "note: checking as root, who can read every file (no spawn service in " \
               "master.cf runs dkimmod-spawn): --user NAME" in out, out
        assert "gid %d (dkimmod) (mode 0440), not a group of this process" % gid in err, err
    tests.append(("the user comes from the spawn service of master.cf (postconf -M)",
                  from_master_cf))

    def unknown_user():
        out, err = run(["check-config", "--user", "no-such-user-12", conf], 67)
        assert "user no-such-user-12 does not exist" in err, err
    tests.append(("an unknown --user: exit 67, said so", unknown_user))

    status = run_tap(tests)
    shutil.rmtree(tmp)
    return status


if __name__ == "__main__":
    sys.exit(main())
