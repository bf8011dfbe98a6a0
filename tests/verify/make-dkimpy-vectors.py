#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Writes messages signed by dkimpy (an independent signer), tampered
copies, a key file and a manifest into OUTDIR, for test-verifier.

manifest.tsv columns: case, message file, signature index, expected
result, expected reason (exact; "" for pass), flags, expected signature
count. Flags: sha1ok (accept rsa-sha1), lok (accept l=), max2 (evaluate
two signatures), past (clock one day behind).
"""
import base64
import re
import os
import subprocess
import sys

import dkim
import nacl.signing

OUT = sys.argv[1]
DOMAIN = b"example.net"

BODY = (b"Hello,\r\n"
        b"\r\n"
        b"This is  a test\t message, with  spaces   and tabs.  \r\n"
        b"Second line.\r\n"
        b"\r\n"
        b"\r\n")

HEADERS = (b"From: Alice <alice@example.net>\r\n"
           b"To: Bob <bob@example.org>\r\n"
           b"Subject: dkimpy test\r\n"
           b"Date: Sat, 28 Nov 2026 12:00:00 +0000\r\n"
           b"Message-ID: <test-1@example.net>\r\n"
           b"MIME-Version: 1.0\r\n"
           b"Content-Type: text/plain; charset=us-ascii\r\n")

MESSAGE = HEADERS + b"\r\n" + BODY

keyfile_lines = []
manifest = []


def rsa_key(name, bits):
    """PKCS#1 private key (dkimpy's format) and the base64 SPKI p=."""
    pem_path = os.path.join(OUT, name + ".pem")
    subprocess.run(["openssl", "genrsa", "-traditional", "-out", pem_path, str(bits)],
                   check=True, capture_output=True)
    der = subprocess.run(["openssl", "rsa", "-in", pem_path, "-pubout", "-outform", "DER"],
                         check=True, capture_output=True).stdout
    with open(pem_path, "rb") as f:
        return f.read(), base64.b64encode(der).decode()


def ed_key():
    sk = nacl.signing.SigningKey.generate()
    seed = base64.b64encode(bytes(sk))
    pub = base64.b64encode(bytes(sk.verify_key)).decode()
    return seed, pub


def publish(selector, record):
    keyfile_lines.append("%s._domainkey.%s %s" % (selector, DOMAIN.decode(), record))


def sign(msg, selector, key, alg=b"rsa-sha256", canon=(b"relaxed", b"relaxed"), **kw):
    return dkim.sign(msg, selector, DOMAIN, key, signature_algorithm=alg,
                     canonicalize=canon, **kw) + msg


def case(name, data, result, reason="", flags="", index=0, count=None):
    path = name + ".eml"
    with open(os.path.join(OUT, path), "wb") as f:
        f.write(data)
    if count is None:
        count = 1
    manifest.append("\t".join([name, path, str(index), result, reason, flags, str(count)]))


rsa_pem, rsa_pub = rsa_key("rsa2048", 2048)
rsa_other_pem, rsa_other_pub = rsa_key("rsaother", 1024)
rsa_small_pem, rsa_small_pub = rsa_key("rsa512", 512)
ed_seed, ed_pub = ed_key()

publish("rsa", "v=DKIM1; k=rsa; p=" + rsa_pub)
publish("ed", "v=DKIM1; k=ed25519; p=" + ed_pub)
publish("small", "v=DKIM1; k=rsa; p=" + rsa_small_pub)
publish("wrong", "v=DKIM1; k=rsa; p=" + rsa_other_pub)
publish("revoked", "v=DKIM1; k=rsa; p=")
publish("sha1only", "v=DKIM1; k=rsa; h=sha1; p=" + rsa_pub)
publish("chat", "v=DKIM1; k=rsa; s=chat; p=" + rsa_pub)
publish("testing", "v=DKIM1; k=rsa; t=y; p=" + rsa_pub)
publish("strict", "v=DKIM1; k=rsa; t=s; p=" + rsa_pub)
publish("badk", "v=DKIM1; k=dsa; p=" + rsa_pub)
# two TXT records: the first one a different key, the second the right one
publish("two", "v=DKIM1; k=rsa; p=" + rsa_other_pub)
publish("two", "v=DKIM1; k=rsa; p=" + rsa_pub)
keyfile_lines.append("rsa._domainkey.net v=DKIM1; k=rsa; p=" + rsa_pub)
# a zone-file style split record
half = len(rsa_pub) // 2
keyfile_lines.append('split._domainkey.example.net "v=DKIM1; k=rsa; " "p=%s" "%s"'
                     % (rsa_pub[:half], rsa_pub[half:]))

# --- must pass: every canonicalization, both algorithms -------------------
for hc in (b"simple", b"relaxed"):
    for bc in (b"simple", b"relaxed"):
        tag = "%s-%s" % (hc.decode(), bc.decode())
        case("rsa-" + tag, sign(MESSAGE, b"rsa", rsa_pem, canon=(hc, bc)), "pass")
        case("ed25519-" + tag, sign(MESSAGE, b"ed", ed_seed, b"ed25519-sha256", (hc, bc)),
             "pass")
case("rsa-split-record", sign(MESSAGE, b"split", rsa_pem), "pass")
case("rsa-second-txt-record", sign(MESSAGE, b"two", rsa_pem), "pass")
case("rsa-testing-key", sign(MESSAGE, b"testing", rsa_pem), "pass")
case("rsa-strict-key", sign(MESSAGE, b"strict", rsa_pem), "pass")
case("rsa-identity", sign(MESSAGE, b"rsa", rsa_pem, identity=b"alice@mail.example.net"), "pass")
case("empty-body", sign(HEADERS + b"\r\n", b"rsa", rsa_pem), "pass")
case("no-final-crlf-simple",
     sign(HEADERS + b"\r\nlast line without CRLF", b"rsa", rsa_pem, canon=(b"simple", b"simple")),
     "pass")

signed = sign(MESSAGE, b"rsa", rsa_pem)
both = dkim.sign(signed, b"ed", DOMAIN, ed_seed, signature_algorithm=b"ed25519-sha256",
                 canonicalize=(b"relaxed", b"relaxed")) + signed
case("dual-ed25519", both, "pass", index=0, count=2)
case("dual-rsa", both, "pass", index=1, count=2)

# --- relaxed tolerates what it should ------------------------------------
relaxed = sign(MESSAGE, b"rsa", rsa_pem, canon=(b"relaxed", b"relaxed"))
mangled = relaxed.replace(b"Subject: dkimpy test", b"SUBJECT:   dkimpy \t test  ")
mangled = mangled.replace(b"Second line.\r\n", b"Second   line.   \r\n")
mangled = mangled + b"\r\n\r\n"
case("relaxed-whitespace-changes", mangled, "pass")
simple = sign(MESSAGE, b"rsa", rsa_pem, canon=(b"simple", b"simple"))
case("simple-trailing-blank-lines", simple + b"\r\n\r\n", "pass")
case("simple-header-space", simple.replace(b"Subject: dkimpy", b"Subject:  dkimpy"), "fail",
     "signature did not verify")

# --- tampering -----------------------------------------------------------
case("tampered-body", signed.replace(b"Second line.", b"Second line!"), "fail",
     "body hash did not verify")
case("tampered-header", signed.replace(b"Subject: dkimpy test", b"Subject: dkimpy TEST"), "fail",
     "signature did not verify")
case("ed25519-tampered-header",
     sign(MESSAGE, b"ed", ed_seed, b"ed25519-sha256").replace(b"Bob <bob", b"Eve <bob"),
     "fail", "signature did not verify")
# dkimpy oversigns From by default: a From added anywhere breaks it
case("added-from", signed.replace(b"To: Bob", b"From: Mallory <m@evil.example>\r\nTo: Bob"),
     "fail", "signature did not verify")
oversigned = sign(MESSAGE, b"rsa", rsa_pem,
                  include_headers=[b"from", b"to", b"subject", b"subject", b"date"])
case("oversigned-pass", oversigned, "pass")
case("added-oversigned-subject-2",
     oversigned.replace(b"Date:", b"Subject: spoofed\r\nDate:"), "fail",
     "signature did not verify")
case("wrong-key", sign(MESSAGE, b"wrong", rsa_pem), "fail", "signature did not verify")


def mutate_sig(data, old, new):
    """Replaces OLD by NEW once inside the top DKIM-Signature."""
    sig_end = data.index(b"\r\nFrom:")
    assert old in data[:sig_end], old
    return data[:sig_end].replace(old, new, 1) + data[sig_end:]


def sig_tag(data, name):
    m = re.search(rb"[; \t]" + name + rb"=([0-9]+)", data[:data.index(b"\r\nFrom:")])
    return int(m.group(1))


def unfold_h(data):
    """The top signature's h= value, as written."""
    m = re.search(rb"h=([^;]*);", data[:data.index(b"\r\nFrom:")])
    return m.group(1)


bh_at = signed.index(b"bh=") + 3
case("altered-bh", signed[:bh_at] + b"AAAA" + signed[bh_at + 4:], "fail",
     "body hash did not verify")
case("altered-d", mutate_sig(signed, b"d=example.net", b"d=mail.example.net"), "permerror",
     "i= not within d=")
case("altered-d-parent", mutate_sig(signed, b"d=example.net", b"d=net"), "fail",
     "signature did not verify")
case("altered-h", mutate_sig(signed, b"h=", b"h=cc:"), "fail", "signature did not verify")

# --- RFC 8301 -------------------------------------------------------------
case("small-key", sign(MESSAGE, b"small", rsa_small_pem), "policy", "key too small: 512 bits")
sha1 = sign(MESSAGE, b"rsa", rsa_pem, alg=b"rsa-sha1")
case("rsa-sha1", sha1, "policy", "rsa-sha1 not accepted (RFC 8301)")
case("rsa-sha1-accepted", sha1, "pass", flags="sha1ok")
case("rsa-sha1-key-h-sha1", sign(MESSAGE, b"sha1only", rsa_pem, alg=b"rsa-sha1"), "pass",
     flags="sha1ok")

# --- key records --------------------------------------------------------
case("revoked", sign(MESSAGE, b"revoked", rsa_pem), "permerror", "key revoked")
case("nxdomain", sign(MESSAGE, b"nosuch", rsa_pem), "permerror", "no key for signature")
case("key-h-sha1-only", sign(MESSAGE, b"sha1only", rsa_pem), "permerror",
     "key record: key h= does not allow sha256")
case("key-s-chat", sign(MESSAGE, b"chat", rsa_pem), "permerror",
     "key record: key not for email (s= service)")
case("key-bad-k", sign(MESSAGE, b"badk", rsa_pem), "permerror",
     "key record: unsupported key type k=dsa")
case("key-type-mismatch", sign(MESSAGE, b"rsa", ed_seed, b"ed25519-sha256"), "permerror",
     "key record: key type does not match a=")
case("strict-key-subdomain-identity",
     sign(MESSAGE, b"strict", rsa_pem, identity=b"@mail.example.net"), "permerror",
     "key record: key t=s forbids i= in a subdomain of d=")

# --- l= -------------------------------------------------------------------
withl = sign(MESSAGE, b"rsa", rsa_pem, length=True)
case("l-exact", withl, "pass")
case("l-appended", withl + b"Buy cheap stuff at evil.example!\r\n", "policy",
     "body beyond l= not signed")
case("l-appended-accepted", withl + b"Appended.\r\n", "pass", flags="lok")
withl_simple = sign(MESSAGE, b"rsa", rsa_pem, canon=(b"simple", b"simple"), length=True)
case("l-simple-appended", withl_simple + b"More.\r\n", "policy", "body beyond l= not signed")

# --- malformed signatures -----------------------------------------------
case("dup-tag", mutate_sig(signed, b"v=1;", b"v=1; v=1;"), "permerror",
     "malformed signature: duplicate tag v")
case("missing-bh", mutate_sig(signed, b"bh=", b"xh="), "permerror", "missing bh= tag")
case("bad-version", mutate_sig(signed, b"v=1;", b"v=2;"), "permerror",
     "unsupported signature version")
case("unknown-alg", mutate_sig(signed, b"a=rsa-sha256", b"a=rsa-sha512"), "permerror",
     "unsupported algorithm")
case("bad-canon", mutate_sig(signed, b"c=relaxed/relaxed", b"c=relaxed/nowsp"), "permerror",
     "unsupported canonicalization")
h = unfold_h(signed)
no_from = re.sub(rb"(?i)(^|:)\s*from\s*(?=:|$)", b"", h).lstrip(b":")
case("from-not-signed", mutate_sig(signed, b"h=" + h, b"h=" + no_from), "permerror",
     "From not signed")
case("identity-outside", mutate_sig(signed, b"i=@example.net", b"i=@evil.example"),
     "permerror", "i= not within d=")
case("bad-b64", mutate_sig(signed, b"b=", b"b=!!"), "permerror", "bad base64 in b=")
case("absurd-l", mutate_sig(signed, b"v=1;", b"v=1; l=99999999999999999999999;"), "permerror",
     "bad number in t=, x= or l=")
case("l-longer-than-body", mutate_sig(signed, b"v=1;", b"v=1; l=100000;"), "fail",
     "signature did not verify")
case("expired", mutate_sig(signed, b"v=1;", b"v=1; x=1000000000;"), "permerror",
     "x= is not after t=")
case("signature-expired",
     mutate_sig(signed, b"v=1;", b"v=1; x=%d;" % (sig_tag(signed, b"t") + 10)), "permerror",
     "signature expired", flags="future")
case("future-t", signed, "permerror", "signature timestamp in the future", flags="past")
case("q-unsupported", mutate_sig(signed, b"q=dns/txt", b"q=http"), "permerror",
     "unsupported query method q=")

# --- several signatures, limit ------------------------------------------
three = dkim.sign(both, b"two", DOMAIN, rsa_pem, canonicalize=(b"simple", b"simple")) + both
case("three-sigs-limit", three, "pass", flags="max2", index=1, count=2)
case("three-sigs-all", three, "pass", index=2, count=3)

# --- varied messages (tests/interop/messages) signed by three peers --------
CANONS = ["simple/simple", "simple/relaxed", "relaxed/simple", "relaxed/relaxed"]
MAIL_DKIM_SIGN = r"""
use Mail::DKIM::Signer;
my $d = Mail::DKIM::Signer->new(Algorithm => "rsa-sha256", Method => $ARGV[0],
    Domain => "example.net", Selector => "rsa", KeyFile => $ARGV[1]);
local $/; my $m = <STDIN>; $d->PRINT($m); $d->CLOSE;
my $s = $d->signature->as_string; $s =~ s/\r?\n/\r\n/g; print $s, "\r\n", $m;
"""
rsa_pem_path = os.path.join(OUT, "rsa2048.pem")


def crlf(data):
    return re.sub(rb"\r?\n", b"\r\n", data)


if len(sys.argv) > 2 and os.path.isdir(sys.argv[2]):
    for i, fn in enumerate(sorted(os.listdir(sys.argv[2]))):
        if not fn.endswith(".eml"):
            continue
        with open(os.path.join(sys.argv[2], fn), "rb") as f:
            msg = f.read()
        stem = fn[:-4]
        canon = CANONS[i % 4]
        hc, bc = canon.encode().split(b"/")
        try:
            case("dkimpy-%s-%s" % (stem, canon.replace("/", "-")),
                 sign(msg, b"rsa", rsa_pem, canon=(hc, bc)), "pass")
            case("dkimpy-%s-ed25519" % stem,
                 sign(msg, b"ed", ed_seed, b"ed25519-sha256", (b"relaxed", b"relaxed")), "pass")
        except dkim.DKIMException as e:
            print("dkimpy cannot sign %s: %s" % (fn, e), file=sys.stderr)
        md = subprocess.run(["perl", "-e", MAIL_DKIM_SIGN, canon, rsa_pem_path], input=msg,
                            capture_output=True)
        if md.returncode == 0 and stem == "07-no-final-crlf" and bc == b"simple":
            # Mail::DKIM 1.20230212 hashes a simple body that lacks its final
            # CRLF as is; RFC 6376 3.4.3 says "a CRLF is added" (dkimpy and
            # OpenDKIM agree with the RFC): we follow the RFC.
            case("maildkim-%s-%s" % (stem, canon.replace("/", "-")), md.stdout, "fail",
                 "body hash did not verify")
        elif md.returncode == 0:
            case("maildkim-%s-%s" % (stem, canon.replace("/", "-")), md.stdout, "pass")
        # opendkim-testmsg (Debian's libopendkim): rsa-sha1, relaxed/simple,
        # LF output; needs Date and Message-ID
        od = subprocess.run(["opendkim-testmsg", "-C", "-d", "example.net", "-k", rsa_pem_path,
                             "-s", "rsa"], input=msg, capture_output=True)
        if od.returncode == 0:
            case("opendkim-%s-sha1" % stem, crlf(od.stdout), "pass", flags="sha1ok")

with open(os.path.join(OUT, "keys.txt"), "w") as f:
    f.write("# generated by make-dkimpy-vectors.py\n")
    f.write("\n".join(keyfile_lines) + "\n")
with open(os.path.join(OUT, "manifest.tsv"), "w") as f:
    f.write("\n".join(manifest) + "\n")
