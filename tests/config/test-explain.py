#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""test-explain.py - `dkimmod explain`: why a sender's mail is (not) signed (TAP).

usage: test-explain.py DKIMMOD

A configuration with an address entry, a domain entry, a catch-all-free
map and a signature whose key is missing; explain must name the sender
and its source, list the lookup keys in order up to the one used with
its FILE:LINE, show each signature's d=, s=, a= and key and whether the
key loads, and exit 0 only when the message would be signed.
"""

import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from tap import run_tap  # noqa: E402

DKIMMOD = sys.argv[1]
TMP = tempfile.mkdtemp(prefix="dkimmod-explain.")


def run(args, code):
    p = subprocess.run([DKIMMOD, "explain"] + args, capture_output=True)
    out, err = p.stdout.decode(), p.stderr.decode()
    assert p.returncode == code, "explain %s: exit %d, wanted %d:\n%s%s" % (
        " ".join(args), p.returncode, code, out, err)
    return out


def has(out, *words):
    for w in words:
        assert w in out, "no %r in:\n%s" % (w, out)


def main():
    subprocess.run([DKIMMOD, "keygen", "-a", "ed25519", "-d", "example.net", "-s", "sel",
                    "-o", TMP], check=True, capture_output=True)
    key = os.path.join(TMP, "sel.key")
    conf = os.path.join(TMP, "dkimmod.conf")
    with open(conf, "w") as f:
        f.write('signing = {\n'
                '  sender_source = "sender-then-from";\n'
                '  sender_map = (\n'
                '    { sender = "example.net"; sign = ( { s = "sel"; key = "%s"; } ); },\n'
                '    { sender = "news@example.org";\n'
                '      sign = ( { s = "news"; key = "%s/missing.key"; } ); }\n'
                '  );\n'
                '};\n' % (key, TMP))
    tests = []

    def signed():
        out = run(["--config", conf, "--sender", "Carol+list@Mail.Example.NET"], 0)
        has(out, "sender: <Carol+list@Mail.Example.NET> (given with --sender)")
        lines = [ln.split()[0] for ln in out.splitlines() if ln.startswith("  ") and
                 ("entry" in ln)]
        assert lines == ["carol+list@mail.example.net", "carol@mail.example.net",
                         "mail.example.net", "example.net"], lines
        has(out, "example.net", "entry at %s:4  <- used" % conf,
            "signature 1 (%s:4): d=example.net s=sel a=ed25519-sha256" % conf,
            "key %s: loads (ed25519-sha256, 256 bits)" % key, "signed: 1 signature")
    tests.append(("a subdomain address with +extension: the chain, the entry and its key",
                  signed))

    def unsigned():
        out = run(["--config", conf, "--sender", "bob@other.test"], 1)
        for k in ("bob@other.test", "other.test", "test", "."):
            has(out, "  %-40s no entry" % k)
        has(out, 'not signed: no sender_map entry matches, not even "."', "skipped")
    tests.append(("no entry: every key tried, and why nothing is signed", unsigned))

    def broken_key():
        out = run(["--config", conf, "--sender", "news@example.org"], 1)
        has(out, "entry at %s:5  <- used" % conf, "d=example.org s=news",
            "missing.key: does not load: cannot open private key",
            "not signed: a key does not load, so the filter answers 4xx")
    tests.append(("a key that does not load: named, with the loader's reason", broken_key))

    def from_message():
        msg = os.path.join(TMP, "m.eml")
        with open(msg, "w") as f:
            f.write("From: Someone <x@other.test>\nSender: carol@example.net\nTo: y@z\n"
                    "Subject: t\n\nhello\n")
        out = run(["--config", conf, "--message", msg], 0)
        has(out, "sender: <carol@example.net> from the Sender field, else From "
                 "(sender_source = \"sender-then-from\")", "signed: 1 signature")
    tests.append(("--message: the sender as the filter takes it (sender_source)", from_message))

    status = run_tap(tests)
    shutil.rmtree(TMP)
    return status


if __name__ == "__main__":
    sys.exit(main())
