#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""run-interop.py - our signatures checked by dkimpy, Mail::DKIM and OpenDKIM.

usage: run-interop.py DKIMMOD VERIFY_OPENDKIM SRCDIR

Signs every message of SRCDIR/messages with the built `dkimmod sign`:
  - rsa-sha256 and ed25519-sha256, each with the four canonicalization
    pairs (simple/simple, simple/relaxed, relaxed/simple, relaxed/relaxed);
  - both at once (one rsa and one ed25519 signature, relaxed/relaxed);
  - a 1024-bit PKCS#1 RSA key whose record carries h=sha256 and t=s.
Then verifies every signature with three independent verifiers, each run
once over all files (keys served from memory or a file, never DNS):
  - dkimpy (/usr/bin/python3, python3-dkim), rsa and ed25519;
  - Mail::DKIM (libmail-dkim-perl), rsa (it has no ed25519);
  - libopendkim 2.11 (verify-opendkim.c), rsa and ed25519;
and checks every bh= against a naive body hash written from RFC 6376
3.4.3/3.4.4 ("rfc-bh"), the reference where the peers disagree.
Each (verifier, file, signature) must give the expected verdict: "pass",
unless DEVIATIONS lists a known peer bug for exactly that case (see
docs/interop.md). A missing verifier is a failure, never a skip.
Exit 0 when every verdict is as expected, 1 otherwise.
"""

import base64
import fnmatch
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

DOMAIN = "example.net"
TIME = "1764324000"        # fixed t= (2025-11-28), so the output is reproducible
CANONS = ["simple/simple", "simple/relaxed", "relaxed/simple", "relaxed/relaxed"]

# selector -> (key file in keys/, key type, extra record tags)
KEYS = {
    "rsa1": ("rsa2048.key", "rsa", ""),
    "ed1": ("ed25519.key", "ed25519", ""),
    "legacy": ("rsa1024-pkcs1.key", "rsa", "h=sha256; t=s; "),
}

# Known peer deviations, each argued with its RFC section in docs/interop.md:
# (verifier, message, selector glob, canonicalization glob, verdict, text
# the verifier's detail must contain). Everything else must pass. The test
# fails when a peer stops deviating too, so this table stays true.
DEVIATIONS = [
    # RFC 6376 3.4.3: simple body adds the missing final CRLF; Mail::DKIM
    # hashes the body without it.
    ("mail-dkim", "07-no-final-crlf", "*", "*/simple", "fail", "body has been altered"),
    # RFC 6376 3.4.4 b: relaxed body adds the missing final CRLF too;
    # libopendkim does not.
    ("opendkim", "07-no-final-crlf", "*", "*/relaxed", "fail", "body hash mismatch"),
    # RFC 5322 4.5 obs-optional (WSP before the colon) must be accepted by
    # a receiver, and RFC 6376 3.4.2 says how relaxed canonicalization
    # treats it; dkimpy and libopendkim refuse to parse the message.
    ("dkimpy", "19-wsp-before-colon", "*", "*", "fail", "Unexpected characters in RFC822 header"),
    ("opendkim", "19-wsp-before-colon", "*", "*", "none", "Syntax error"),
]

# What each verifier can check at all: Mail::DKIM 1.20230212 has no
# ed25519-sha256 (RFC 8463); it reports such a signature "invalid".
UNSUPPORTED = {
    ("mail-dkim", "ed1"): ("invalid", "unsupported"),
}


def die(msg):
    print("FAIL: " + msg, flush=True)
    sys.exit(1)


def public_record(key_path, ktype, extra):
    """The TXT record for KEY_PATH, derived with the openssl CLI (not with
    our code, so a wrong public key in our keygen could not hide here)."""
    der = subprocess.run(["openssl", "pkey", "-in", key_path, "-pubout", "-outform", "DER"],
                         check=True, capture_output=True).stdout
    if ktype == "ed25519":
        der = der[-32:]     # RFC 8463 section 4: the raw 32-byte public key
    return "v=DKIM1; %sk=%s; p=%s" % (extra, ktype, base64.b64encode(der).decode())


def sign_jobs(msgdir, keydir):
    """(output name, message path, dkimmod sign arguments, [(selector, canon)])."""
    jobs = []
    for m in sorted(os.listdir(msgdir)):
        if not m.endswith(".eml"):
            continue
        base = m[:-4]
        path = os.path.join(msgdir, m)
        for sel in ("rsa1", "ed1"):
            for canon in CANONS:
                args = ["-d", DOMAIN, "-s", sel, "-k", os.path.join(keydir, sel + ".key"), "-c", canon]
                jobs.append(("%s.%s.%s" % (base, sel, canon.replace("/", "-")), path, args, [(sel, canon)]))
        dual = []
        for sel in ("ed1", "rsa1"):
            dual += ["-d", DOMAIN, "-s", sel, "-k", os.path.join(keydir, sel + ".key")]
        jobs.append(("%s.dual" % base, path, dual, [("ed1", "relaxed/relaxed"), ("rsa1", "relaxed/relaxed")]))
        jobs.append(("%s.legacy" % base, path,
                     ["-d", DOMAIN, "-s", "legacy", "-k", os.path.join(keydir, "legacy.key"), "-c", "simple/simple"],
                     [("legacy", "simple/simple")]))
    return jobs


def run_signers(dkimmod, jobs, outdir):
    """Runs dkimmod sign for every job; returns {output path: job}."""
    out = {}
    procs = []
    for name, src, args, sigs in jobs:
        dst = os.path.join(outdir, name + ".eml")
        with open(src, "rb") as fin, open(dst, "wb") as fout:
            procs.append((dst, (name, src, args, sigs),
                          subprocess.Popen([dkimmod, "sign", "--time", TIME] + args,
                                           stdin=fin, stdout=fout, stderr=subprocess.PIPE)))
        if len(procs) >= 16:
            out.update(wait_signers(procs))
            procs = []
    out.update(wait_signers(procs))
    return out


def wait_signers(procs):
    done = {}
    for dst, job, p in procs:
        err = p.stderr.read().decode(errors="replace")
        if p.wait() != 0:
            die("dkimmod sign %s < %s: exit %d: %s" % (" ".join(job[2]), job[1], p.returncode, err))
        with open(dst, "rb") as f, open(job[1], "rb") as s:
            signed, orig = f.read(), s.read()
        if not signed.endswith(orig):
            die("%s: output is not the input with fields prepended" % dst)
        found = signature_tags(signed[:len(signed) - len(orig)])
        if sorted(found) != sorted(job[3]):
            die("%s: signatures %s, expected %s" % (dst, found, job[3]))
        done[dst] = (job[0], job[1], job[2], found)
    return done


def smtp_copies(signed):
    """For a message without a final CRLF, the signed file as an SMTP client
    delivers it: with the CRLF that must precede the final "." added (RFC
    5321 section 4.1.1.4). Every verifier must pass these: our signature,
    made as RFC 6376 3.4.3/3.4.4 say, is the one the delivered mail needs."""
    out = {}
    for path, job in signed.items():
        with open(job[1], "rb") as f:
            if f.read().endswith(b"\r\n"):
                continue
        name = job[0].replace(".", "-via-smtp.", 1)
        dst = os.path.join(os.path.dirname(path), name + ".eml")
        with open(path, "rb") as f, open(dst, "wb") as g:
            g.write(f.read() + b"\r\n")
        out[dst] = (name,) + tuple(job[1:])
    return out


def signature_tags(prefix, full=False):
    """[(s=, c=)] of the DKIM-Signature fields in PREFIX, in order (FULL:
    the tag dictionaries, c= completed to header/body)."""
    out = []
    for field in prefix.replace(b"\r\n\t", b"").replace(b"\r\n ", b"").split(b"\r\n"):
        if not field.lower().startswith(b"dkim-signature:"):
            continue
        tags = {}
        for part in field.split(b":", 1)[1].split(b";"):
            if b"=" in part:
                k, v = part.split(b"=", 1)
                tags[k.strip().decode()] = b"".join(v.split()).decode()
        canon = tags.get("c", "simple/simple")
        if "/" not in canon:
            canon += "/simple"
        tags["c"] = canon
        out.append(tags if full else (tags.get("s"), canon))
    return out


def verify_dkimpy(files, records):
    """{(file, index): (verdict, detail)} from dkimpy, in this process."""
    try:
        import dkim
    except ImportError as e:
        die("dkimpy (python3-dkim) missing: %s" % e)
    import logging

    def dnsfunc(name, timeout=5):
        key = name.decode() if isinstance(name, bytes) else name
        rec = records.get(key.rstrip(".").lower())
        return rec.encode() if rec is not None else None

    results = {}
    for path in files:
        with open(path, "rb") as f:
            msg = f.read()
        nsigs = sum(1 for line in msg.split(b"\r\n\r\n", 1)[0].split(b"\r\n")
                    if line.lower().startswith(b"dkim-signature:"))
        for i in range(nsigs):
            try:
                d = dkim.DKIM(msg, logger=logging.getLogger("dkimpy-quiet"), minkey=1024)
                ok = d.verify(idx=i, dnsfunc=dnsfunc)
                results[(path, i)] = ("pass" if ok else "fail", "")
            except dkim.DKIMException as e:
                results[(path, i)] = ("fail", str(e))
    return results


def parse_lines(text, verdict_col):
    results = {}
    for line in text.splitlines():
        cols = line.split("\t")
        if len(cols) <= verdict_col:
            die("unexpected verifier output: %r" % line)
        results[(cols[0], int(cols[1]))] = (cols[verdict_col], cols[-1])
    return results


def verify_mail_dkim(script, files, keysfile):
    if shutil.which("perl") is None:
        die("perl missing")
    p = subprocess.run(["perl", script, keysfile] + files, capture_output=True, text=True)
    if p.returncode != 0:
        die("Mail::DKIM verifier failed (libmail-dkim-perl missing?): %s" % p.stderr.strip())
    return parse_lines(p.stdout, 5)


def verify_opendkim(prog, files, keysfile):
    if not os.access(prog, os.X_OK):
        die("OpenDKIM verifier %s not built (libopendkim-dev missing?)" % prog)
    p = subprocess.run([prog, keysfile] + files, capture_output=True, text=True)
    if p.returncode != 0:
        die("libopendkim verifier failed: %s" % p.stderr.strip())
    return parse_lines(p.stdout, 4)


def expected(verifier, job, sel, canon):
    """(verdict, detail substring) expected from VERIFIER for one signature."""
    if (verifier, sel) in UNSUPPORTED:
        return UNSUPPORTED[(verifier, sel)]
    msg = job[0].split(".")[0]
    for v, m, sglob, cglob, verdict, detail in DEVIATIONS:
        if v == verifier and m == msg and fnmatch.fnmatch(sel, sglob) and fnmatch.fnmatch(canon, cglob):
            return (verdict, detail)
    return ("pass", "")


def check(verifier, results, signed):
    """Compares every signature's verdict with the expectation."""
    bad = []
    counts = {}
    for path, job in sorted(signed.items()):
        for i, (sel, canon) in enumerate(job[3]):
            # Index -1: the verifier rejected the whole message.
            got, detail = results.get((path, i), results.get((path, -1), ("missing", "no verdict")))
            want, want_detail = expected(verifier, job, sel, canon)
            tag = got if want == "pass" or got != want else "known-" + got
            counts[(sel, tag)] = counts.get((sel, tag), 0) + 1
            if got != want or want_detail not in detail:
                bad.append("%s: %s signature %d (s=%s c=%s): got %s (%s), expected %s (%s)"
                           % (verifier, os.path.basename(path), i, sel, canon, got, detail,
                              want, want_detail or "-"))
    summary = ", ".join("%s %s: %d" % (s, v, n) for (s, v), n in sorted(counts.items()))
    print("%-10s %s" % (verifier, summary), flush=True)
    return bad


def rfc_body_hash(body, canon):
    """RFC 6376 3.4.3 (simple) / 3.4.4 (relaxed) body, SHA-256, base64:
    a second, deliberately naive implementation written from the RFC text."""
    if canon == "simple":
        while body.endswith(b"\r\n\r\n"):
            body = body[:-2]
        if not body.endswith(b"\r\n"):
            body += b"\r\n"      # "If there is no body or no trailing CRLF ... a CRLF is added"
    else:
        lines = [re.sub(rb"[ \t]+", b" ", line).rstrip(b" ") for line in body.split(b"\r\n")]
        body = b"\r\n".join(lines)
        while body.endswith(b"\r\n"):
            body = body[:-2]        # "Ignore all empty lines at the end of the message body"
        if body:
            body += b"\r\n"      # "If the body is non-empty but does not end with a CRLF, a CRLF is added"
    return base64.b64encode(hashlib.sha256(body).digest()).decode()


# RFC 6376 errata 1376, now in RFC 6376 sections 3.4.3 and 3.4.4: the
# empty body's hashes. They check rfc_body_hash itself before it judges.
EMPTY_BODY_SHA256 = {"simple": "frcCV1k9oG9oKj3dpUqdJg1PxRT2RSN/XKdLCPjaYaY=",
                     "relaxed": "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="}


def verify_rfc_body_hash(signed):
    """{(file, index): verdict} comparing each bh= with rfc_body_hash."""
    for canon, want in EMPTY_BODY_SHA256.items():
        if rfc_body_hash(b"", canon) != want or rfc_body_hash(b"\r\n\r\n", canon) != want:
            die("rfc_body_hash(%s) disagrees with RFC 6376 for the empty body" % canon)
    results = {}
    for path in signed:
        with open(path, "rb") as f:
            msg = f.read()
        head, sep, body = msg.partition(b"\r\n\r\n")
        if not sep:
            body = b""
        for i, tags in enumerate(signature_tags(head + b"\r\n", full=True)):
            want = rfc_body_hash(body, tags["c"].split("/")[1])
            results[(path, i)] = ("pass", "") if tags["bh"] == want else ("fail", "bh=%s, RFC %s" % (tags["bh"], want))
    return results


def main():
    if len(sys.argv) != 4:
        die(__doc__.split("\n\n")[1])
    dkimmod, opendkim_prog, srcdir = sys.argv[1:]
    start = time.monotonic()
    tmp = tempfile.mkdtemp(prefix="dkimmod-interop.")
    try:
        keydir = os.path.join(tmp, "keys")
        outdir = os.path.join(tmp, "signed")
        os.mkdir(keydir, 0o700)
        os.mkdir(outdir)
        records = {}
        for sel, (fname, ktype, extra) in KEYS.items():
            dst = os.path.join(keydir, sel + ".key")
            # Git stores 0644; a signer may rightly refuse a readable key.
            fd = os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with open(os.path.join(srcdir, "keys", fname), "rb") as f:
                os.write(fd, f.read())
            os.close(fd)
            records["%s._domainkey.%s" % (sel, DOMAIN)] = public_record(dst, ktype, extra)
        keysfile = os.path.join(tmp, "keys.txt")
        with open(keysfile, "w") as f:
            for name, rec in records.items():
                f.write("%s %s\n" % (name, rec))

        signed = run_signers(dkimmod, sign_jobs(os.path.join(srcdir, "messages"), keydir), outdir)
        signed.update(smtp_copies(signed))
        files = sorted(signed)
        rsa_files = [p for p in files if any(s != "ed1" for s, _ in signed[p][3])]
        print("signed %d files in %.1f s" % (len(files), time.monotonic() - start), flush=True)

        bad = check("rfc-bh", verify_rfc_body_hash(signed), signed)
        bad += check("dkimpy", verify_dkimpy(files, records), signed)
        bad += check("mail-dkim", verify_mail_dkim(os.path.join(srcdir, "verify-mail-dkim.pl"),
                                                   rsa_files, keysfile),
                     {p: signed[p] for p in rsa_files})
        bad += check("opendkim", verify_opendkim(opendkim_prog, files, keysfile), signed)
        for line in bad:
            print("FAIL: " + line)
        print("%d unexpected verdicts; %.1f s" % (len(bad), time.monotonic() - start))
        if bad and os.environ.get("DKIMMOD_INTEROP_KEEP"):
            print("kept " + tmp)
            tmp = None
        return 1 if bad else 0
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
