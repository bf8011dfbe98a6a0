#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""test-dkimpy-roundtrip - an independent verifier (dkimpy) checks our signatures.

Usage: test-dkimpy-roundtrip.py SIGN-HELPER DATADIR

Signs data/roundtrip.eml with sign-helper (ed25519 and rsa-sha256, for each
canonicalization pair), then verifies every signature with dkim.verify,
the public keys supplied through dnsfunc from our own DNS records.
Prints TAP. Fails (does not skip) when dkimpy is missing.
"""
import os
import subprocess
import sys
import tempfile

try:
    import dkim
except ImportError:
    print("1..0 # dkimpy (python3-dkim) is missing: install it")
    sys.exit(1)


def main():
    helper, datadir = sys.argv[1], sys.argv[2]
    with open(os.path.join(datadir, "roundtrip.eml"), "rb") as f:
        msg = f.read().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    keys = [("ed25519.pem", "ed1"), ("rsa2048.pem", "rsa1")]
    canons = ["relaxed/relaxed", "simple/simple", "relaxed/simple", "simple/relaxed"]
    cases = [(k, s, c) for (k, s) in keys for c in canons]
    print("1..%d" % (len(cases) + 2))
    failed = 0
    n = 0
    with tempfile.TemporaryDirectory() as tmp:
        recfile = os.path.join(tmp, "records")
        for key, sel, canon in cases:
            n += 1
            out = subprocess.run(
                [helper, "-c", canon, "-R", recfile,
                 "%s:example.net:%s" % (os.path.join(datadir, key), sel)],
                input=msg, stdout=subprocess.PIPE, check=True).stdout
            records = {}
            with open(recfile) as f:
                for line in f:
                    name, rec = line.rstrip("\n").split("\t", 1)
                    records[name + "."] = rec.encode()

            def dnsfunc(name, timeout=5):
                return records.get(name if isinstance(name, str) else name.decode())

            ok = dkim.verify(out, dnsfunc=dnsfunc)
            print("%s %d - %s %s" % ("ok" if ok else "not ok", n, sel, canon))
            failed += not ok
        # Two signatures (ed25519 + rsa) from one signer, both checked.
        n += 1
        out = subprocess.run(
            [helper, "-R", recfile]
            + ["%s:example.net:%s" % (os.path.join(datadir, k), s) for k, s in keys],
            input=msg, stdout=subprocess.PIPE, check=True).stdout
        with open(recfile) as f:
            records = dict((l.split("\t")[0] + ".", l.rstrip("\n").split("\t")[1].encode())
                           for l in f)
        d = dkim.DKIM(out)
        both = all(d.verify(idx=i, dnsfunc=lambda name, timeout=5: records.get(
            name if isinstance(name, str) else name.decode())) for i in range(2))
        print("%s %d - dual ed25519+rsa" % ("ok" if both else "not ok", n))
        failed += not both
        # Long d=, a long quoted-printable i=, x=, many names in h=:
        # folding must not break verification.
        n += 1
        dom = "a-rather-long-subdomain.of.a-fairly-long-signing-domain.example"
        out = subprocess.run(
            [helper, "-c", "simple/simple", "-R", recfile, "-x", "86400",
             "-i", "list;owner=x@news." + dom,
             "-H", "From:To:Cc:Subject:Date:Message-ID:List-Id:X-Very-Long-Header-Name-1:"
                   "X-Very-Long-Header-Name-2:X-Very-Long-Header-Name-3",
             "%s:%s:selector-2026-november" % (os.path.join(datadir, "rsa2048.pem"), dom)],
            input=msg, stdout=subprocess.PIPE, check=True).stdout
        with open(recfile) as f:
            records = dict((l.split("\t")[0] + ".", l.rstrip("\n").split("\t")[1].encode())
                           for l in f)
        ok = dkim.verify(out, dnsfunc=lambda name, timeout=5: records.get(
            name if isinstance(name, str) else name.decode()))
        print("%s %d - long folded tags" % ("ok" if ok else "not ok", n))
        failed += not ok
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
