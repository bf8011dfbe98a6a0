#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""peers-verify.py - the peers' signatures checked by `dkimmod verify` (TAP).

usage: peers-verify.py DKIMMOD SIGN_OPENDKIM SRCDIR

The reverse of run-interop.py: every message of SRCDIR/messages is signed
by the three other implementations,
  - dkimpy (python3-dkim): rsa-sha256 and ed25519-sha256, four
    canonicalizations each;
  - Mail::DKIM::Signer (libmail-dkim-perl, sign-mail-dkim.pl): rsa-sha256,
    four canonicalizations (it has no ed25519);
  - libopendkim (sign-opendkim.c): rsa-sha256 and ed25519-sha256, four
    canonicalizations each;
and `dkimmod verify --key-file` must say pass, with exit status 0. A copy
of each signed message with a line added to the body must fail with
reason "body hash did not verify" and exit status 1. dkimpy's rsa
signatures must also pass when the file has LF line ends (the CLI hashes
a bare LF as CRLF).

Where a peer signs something the RFC says is wrong, or refuses to sign,
DEVIATIONS says so for exactly those cases (docs/interop.md argues each
with its RFC section); the test fails when a peer stops deviating too, so
the table stays true. A missing peer is a failure, never a skip.
"""

import base64
import concurrent.futures
import fnmatch
import os
import re
import shutil
import subprocess
import sys
import tempfile

import dkim

DKIMMOD, SIGN_OPENDKIM, SRCDIR = sys.argv[1:4]
DOMAIN = "example.net"
CANONS = ["simple/simple", "simple/relaxed", "relaxed/simple", "relaxed/relaxed"]
BODY_HASH = 'reason="body hash did not verify"'

# (peer, algorithm, message glob, canonicalization glob, expected first
# word of our line, text it must contain); "refused": the peer signs
# nothing. The first matching entry counts.
DEVIATIONS = [
    # Refusals first: they take precedence over what the peer would sign.
    # RFC 5322 4.5.2 obs-optional: WSP before the colon must be accepted by
    # a receiver; dkimpy and libopendkim refuse the message.
    ("dkimpy", "*", "19-wsp-before-colon", "*", "refused", ""),
    ("opendkim", "*", "19-wsp-before-colon", "*", "refused", ""),
    # RFC 6376 3.4.4 (relaxed body) says how a body without its final CRLF
    # is canonicalized (a CRLF is added); libopendkim refuses to sign it
    # ("CRLF at end of body missing").
    ("opendkim", "*", "07-no-final-crlf", "*/relaxed", "refused", ""),
    # RFC 6376 3.4.3: the simple body canonicalization of a body without
    # its final CRLF adds one; Mail::DKIM hashes the body as it is.
    ("maildkim", "rsa", "07-no-final-crlf", "*/simple", "dkim=fail", BODY_HASH),
    # RFC 6376 3.7 and 3.4.1: with simple header canonicalization the
    # DKIM-Signature field is hashed exactly as it appears, folding
    # included; libopendkim hashes "h=...; b=" on one line but writes b= on
    # a line of its own when the b= value is short (ed25519), so its own
    # signature does not verify (dkimpy and libopendkim itself agree).
    ("opendkim", "ed25519", "*", "simple/*", "dkim=fail", 'reason="signature did not verify"'),
]

TMP = tempfile.mkdtemp(prefix="dkimmod-peers.")
tap = []


def ok(cond, name, detail=""):
    tap.append((cond, name, detail))


def deviation(peer, alg, msg, canon):
    for p, a, m, c, word, text in DEVIATIONS:
        if p == peer and fnmatch.fnmatch(alg, a) and fnmatch.fnmatch(msg, m) \
                and fnmatch.fnmatch(canon, c):
            return word, text
    return None


def private_copy(src, name, args=None):
    """A 0600 copy of a test key, converted by openssl when ARGS is given."""
    dst = os.path.join(TMP, name)
    data = subprocess.run(["openssl", "pkey", "-in", src] + (args or []), check=True,
                          capture_output=True).stdout if args else open(src, "rb").read()
    fd = os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.write(fd, data)
    os.close(fd)
    return dst


def spki(path):
    return subprocess.run(["openssl", "pkey", "-in", path, "-pubout", "-outform", "DER"],
                          check=True, capture_output=True).stdout


def setup_keys():
    keys = os.path.join(SRCDIR, "keys")
    # PKCS#1 ("BEGIN RSA PRIVATE KEY"): the form all three peers read
    rsa = private_copy(os.path.join(keys, "rsa2048.key"), "rsa.pem", ["-traditional"])
    ed = private_copy(os.path.join(keys, "ed25519.key"), "ed.pem")
    ed_der = subprocess.run(["openssl", "pkey", "-in", ed, "-outform", "DER"], check=True,
                            capture_output=True).stdout
    ed_seed = base64.b64encode(ed_der[-32:])     # dkimpy wants the 32-byte seed
    with open(os.path.join(TMP, "keys.txt"), "w") as f:
        f.write("rsa._domainkey.%s v=DKIM1; k=rsa; p=%s\n"
                % (DOMAIN, base64.b64encode(spki(rsa)).decode()))
        f.write("ed._domainkey.%s v=DKIM1; k=ed25519; p=%s\n"
                % (DOMAIN, base64.b64encode(spki(ed)[-32:]).decode()))
    return rsa, ed, ed_seed


def messages():
    d = os.path.join(SRCDIR, "messages")
    return [(m[:-4], os.path.join(d, m)) for m in sorted(os.listdir(d)) if m.endswith(".eml")]


def out_path(peer, alg, canon, stem):
    return os.path.join(TMP, "signed", "%s.%s.%s.%s.eml" % (peer, alg, canon.replace("/", "-"), stem))


def sign_dkimpy(msgs, rsa, ed_seed):
    """In-process; a message dkimpy refuses has no output file."""
    rsa_pem = open(rsa, "rb").read()
    for stem, path in msgs:
        msg = open(path, "rb").read()
        for alg, sel, key, a in (("rsa", b"rsa", rsa_pem, b"rsa-sha256"),
                                 ("ed25519", b"ed", ed_seed, b"ed25519-sha256")):
            for canon in CANONS:
                hc, bc = canon.encode().split(b"/")
                try:
                    sig = dkim.sign(msg, sel, DOMAIN.encode(), key, canonicalize=(hc, bc),
                                    signature_algorithm=a)
                except dkim.DKIMException:
                    continue
                with open(out_path("dkimpy", alg, canon, stem), "wb") as f:
                    f.write(sig + msg)


def sign_batch(peer, alg, cmd_for, msgs):
    """One peer process per canonicalization, signing every message."""
    for canon in CANONS:
        pairs = []
        for stem, path in msgs:
            pairs += [path, out_path(peer, alg, canon, stem)]
        # libopendkim leaks its parsed Ed25519 key per message; in a
        # sanitized build that is the peer's leak, not ours
        env = dict(os.environ, ASAN_OPTIONS="detect_leaks=0")
        p = subprocess.run(cmd_for(canon) + pairs, capture_output=True, env=env)
        if p.returncode not in (0, 1):
            ok(False, "%s %s %s signs" % (peer, alg, canon), p.stderr.decode(errors="replace"))


def verify(path, data=None):
    """(exit status, stdout) of dkimmod verify on PATH (or DATA)."""
    if data is None:
        data = open(path, "rb").read()
    p = subprocess.run([DKIMMOD, "verify", "--key-file", os.path.join(TMP, "keys.txt"),
                        "--authserv-id", "mx.example.org"], input=data, capture_output=True)
    return p.returncode, p.stdout.decode(errors="replace") + p.stderr.decode(errors="replace")


def tamper(data):
    """DATA with a line added at the start of the body."""
    cut = data.find(b"\r\n\r\n")
    if cut < 0:
        return data + (b"" if data.endswith(b"\r\n") else b"\r\n") + b"\r\ntampered\r\n"
    return data[:cut + 4] + b"tampered\r\n" + data[cut + 4:]


def check_case(peer, alg, canon, stem):
    """One signed message and its tampered copy: list of faults."""
    path = out_path(peer, alg, canon, stem)
    dev = deviation(peer, alg, stem, canon)
    if not os.path.exists(path):
        if dev and dev[0] == "refused":
            return []
        return ["%s: %s did not sign it" % (stem, peer)]
    if dev and dev[0] == "refused":
        return ["%s: %s now signs it: remove the deviation" % (stem, peer)]
    faults = []
    want_word, want_text = dev if dev else ("dkim=pass", "")
    want_status = 0 if want_word == "dkim=pass" else 1
    status, out = verify(path)
    first = out.splitlines()[0] if out else ""
    if status != want_status or not first.startswith(want_word + " ") or want_text not in first:
        faults.append("%s: exit %d, expected %d %s %s: %s" % (stem, status, want_status, want_word,
                                                              want_text, first))
    if "Authentication-Results: mx.example.org;" not in out:
        faults.append("%s: no Authentication-Results field" % stem)
    status, out = verify(None, tamper(open(path, "rb").read()))
    first = out.splitlines()[0] if out else ""
    if status != 1 or not first.startswith("dkim=fail ") or BODY_HASH not in first:
        faults.append("%s tampered: exit %d: %s" % (stem, status, first))
    return faults


def main():
    os.mkdir(os.path.join(TMP, "signed"))
    rsa, ed, ed_seed = setup_keys()
    msgs = messages()
    ok(len(msgs) >= 20, "at least 20 interop messages", str(len(msgs)))
    sign_dkimpy(msgs, rsa, ed_seed)
    mail_dkim = os.path.join(SRCDIR, "sign-mail-dkim.pl")
    sign_batch("maildkim", "rsa", lambda c: ["perl", mail_dkim, c, rsa, "rsa", DOMAIN], msgs)
    for alg, key, sel, a in (("rsa", rsa, "rsa", "rsa-sha256"),
                             ("ed25519", ed, "ed", "ed25519-sha256")):
        sign_batch("opendkim", alg,
                   lambda c, key=key, sel=sel, a=a: [SIGN_OPENDKIM, key, sel, DOMAIN, c, a], msgs)

    groups = [(p, a, c) for p, algs in (("dkimpy", ("rsa", "ed25519")), ("maildkim", ("rsa",)),
                                        ("opendkim", ("rsa", "ed25519")))
              for a in algs for c in CANONS]
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        results = {g: pool.map(lambda s, g=g: check_case(g[0], g[1], g[2], s),
                               [stem for stem, _ in msgs]) for g in groups}
        for (peer, alg, canon), faults in results.items():
            faults = [f for fs in faults for f in fs]
            ok(not faults, "%s %s %s: %d messages pass, tampered copies fail (body hash)"
               % (peer, alg, canon, len(msgs)), "\n".join(faults))

    # LF line ends: the CLI hashes bare LF as CRLF
    lf_faults = []
    for stem, _ in msgs:
        path = out_path("dkimpy", "rsa", "relaxed/relaxed", stem)
        if not os.path.exists(path):
            continue
        status, out = verify(None, open(path, "rb").read().replace(b"\r\n", b"\n"))
        if status != 0 or not out.startswith("dkim=pass "):
            lf_faults.append("%s: exit %d: %s" % (stem, status, out.splitlines()[0] if out else ""))
    ok(not lf_faults, "dkimpy rsa relaxed/relaxed, LF line ends: pass", "\n".join(lf_faults))

    print("1..%d" % len(tap))
    for i, (cond, name, detail) in enumerate(tap, 1):
        print("%sok %d - %s" % ("" if cond else "not ", i, name))
        if not cond and detail:
            for line in detail.splitlines():
                print("# " + line)
    shutil.rmtree(TMP, ignore_errors=True)
    return 0 if all(c for c, _, _ in tap) else 1


if __name__ == "__main__":
    sys.exit(main())
