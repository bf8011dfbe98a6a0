#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""test-check-risks.py - `dkimmod check-config` warns about risky but valid setups (TAP).

usage: test-check-risks.py DKIMMOD

A catch-all entry, one key for unrelated domains, a 1024-bit RSA key and
a group-readable key each give one warning on stderr naming FILE:LINE,
and the exit status stays 0; a clean configuration gives none. (--dns is
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


def run(args, code=0):
    p = subprocess.run([DKIMMOD] + args, capture_output=True)
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
