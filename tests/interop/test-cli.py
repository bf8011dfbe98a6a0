#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""test-cli.py - behaviour of the dkimmod command-line tool (TAP output).

usage: test-cli.py DKIMMOD VERIFY_OPENDKIM SRCDIR

Line endings of `dkimmod sign` (dkimmod(1), LINE ENDINGS), byte identity of
the output, several signatures, exit statuses (sysexits), `keygen` (file
mode, 255-byte strings, the record verifies with dkimpy, Mail::DKIM and
libopendkim, refuses to overwrite) and `check-config` (78 with FILE:LINE).
"""

import base64
import logging
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import traceback

import dkim

DKIMMOD, VERIFY_OPENDKIM, SRCDIR = sys.argv[1:4]
TMP = tempfile.mkdtemp(prefix="dkimmod-cli.")
TIME = "1764324000"
TESTS = []

MSG_CRLF = (b"Received: from a.example.org by b.example.net; Sat, 28 Nov 2026 10:00:00 +0000\r\n"
            b"From: Alice <alice@example.net>\r\n"
            b"To: bob@example.com\r\n"
            b"Subject: a folded\r\n"
            b"  subject\r\n"
            b"Date: Sat, 28 Nov 2026 10:00:00 +0000\r\n"
            b"\r\n"
            b"Hello,\r\n"
            b"\r\n"
            b"  spaced   body\t\r\n"
            b"\r\n"
            b"\r\n")
MSG_LF = MSG_CRLF.replace(b"\r\n", b"\n")


def test(fn):
    TESTS.append(fn)
    return fn


def run(args, stdin=b"", code=0):
    p = subprocess.run([DKIMMOD] + args, input=stdin, capture_output=True)
    assert p.returncode == code, "dkimmod %s: exit %d, expected %d; stderr: %s" % (
        " ".join(args), p.returncode, code, p.stderr.decode(errors="replace"))
    return p


def key(name, src=None):
    """A 0600 copy of a test key (Git keeps 0644)."""
    path = os.path.join(TMP, name)
    if not os.path.exists(path):
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with open(os.path.join(SRCDIR, "keys", src or name), "rb") as f:
            os.write(fd, f.read())
        os.close(fd)
    return path


def record_for(path, ktype):
    der = subprocess.run(["openssl", "pkey", "-in", path, "-pubout", "-outform", "DER"],
                         check=True, capture_output=True).stdout
    if ktype == "ed25519":
        der = der[-32:]
    return "v=DKIM1; k=%s; p=%s" % (ktype, base64.b64encode(der).decode())


def dkimpy_verify(msg, records):
    """Every signature of MSG (CRLF form) must pass dkimpy."""
    def dnsfunc(name, timeout=5):
        rec = records.get(name.decode().rstrip(".").lower())
        return rec.encode() if rec else None
    n = len(re.findall(rb"(?im)^dkim-signature:", msg.split(b"\r\n\r\n")[0]))
    assert n > 0, "no signature"
    for i in range(n):
        d = dkim.DKIM(msg, logger=logging.getLogger("quiet"))
        assert d.verify(idx=i, dnsfunc=dnsfunc), "dkimpy: signature %d fails" % i
    return n


def sign_rsa(msg, *extra, code=0):
    return run(["sign", "-d", "example.net", "-s", "rsa1", "-k", key("rsa2048.key"),
                "--time", TIME] + list(extra), msg, code)


def prefix_of(out, msg):
    assert out.endswith(msg), "output does not end with the input, byte for byte"
    return out[:len(out) - len(msg)]


RSA_RECORDS = {}


def rsa_records():
    if not RSA_RECORDS:
        RSA_RECORDS["rsa1._domainkey.example.net"] = record_for(key("rsa2048.key"), "rsa")
        RSA_RECORDS["ed1._domainkey.example.net"] = record_for(key("ed25519.key"), "ed25519")
    return RSA_RECORDS


@test
def crlf_input_gives_crlf_output():
    out = sign_rsa(MSG_CRLF).stdout
    pre = prefix_of(out, MSG_CRLF)
    assert pre.startswith(b"DKIM-Signature:") and pre.endswith(b"\r\n")
    assert b"\n" not in pre.replace(b"\r\n", b""), "bare LF in the added field"
    dkimpy_verify(out, rsa_records())


@test
def lf_input_gives_lf_output_signed_as_crlf():
    for canon in ("simple/simple", "relaxed/relaxed"):
        out_lf = sign_rsa(MSG_LF, "-c", canon).stdout
        out_crlf = sign_rsa(MSG_CRLF, "-c", canon).stdout
        pre = prefix_of(out_lf, MSG_LF)
        assert b"\r" not in out_lf, "CR in the output of an LF file"
        # The same signature as the CRLF form: LF was hashed as CRLF.
        assert pre.replace(b"\n", b"\r\n") == prefix_of(out_crlf, MSG_CRLF), canon
        dkimpy_verify(out_lf.replace(b"\n", b"\r\n"), rsa_records())


@test
def mixed_endings_follow_the_first_line():
    mixed = MSG_CRLF.replace(b"Hello,\r\n", b"Hello,\n")  # one bare LF in the body
    out = sign_rsa(mixed, "-c", "simple/simple").stdout
    pre = prefix_of(out, mixed)
    assert pre == prefix_of(sign_rsa(MSG_CRLF, "-c", "simple/simple").stdout, MSG_CRLF), \
        "a bare LF must be hashed as CRLF"
    mixed_lf = MSG_LF.replace(b"Hello,\n", b"Hello,\r\n")
    pre = prefix_of(sign_rsa(mixed_lf).stdout, mixed_lf)
    assert b"\r" not in pre, "first line ends in LF: the added lines must too"


@test
def no_final_newline_is_copied_unchanged():
    msg = MSG_CRLF.rstrip(b"\r\n")
    out = sign_rsa(msg).stdout
    prefix_of(out, msg)


@test
def two_signature_groups():
    out = run(["sign", "--time", TIME,
               "-d", "example.net", "-s", "ed1", "-k", key("ed25519.key"), "-c", "simple/simple",
               "-d", "example.net", "-s", "rsa1", "-k", key("rsa2048.key")], MSG_CRLF).stdout
    pre = prefix_of(out, MSG_CRLF)
    assert pre.count(b"DKIM-Signature:") == 2
    assert b"c=simple/simple" in pre and b"c=relaxed/relaxed" in pre, "-c belongs to its group"
    assert dkimpy_verify(out, rsa_records()) == 2


@test
def expiry_identity_headers_and_time():
    out = sign_rsa(MSG_CRLF, "-x", "3600", "-i", "alice@example.net", "--headers",
                   "From:To:Subject").stdout
    field = re.sub(rb"\r\n[ \t]+", b"", prefix_of(out, MSG_CRLF))
    assert b"t=%s;" % TIME.encode() in field
    assert b"x=%d;" % (int(TIME) + 3600) in field, field
    assert b"i=alice@example.net" in field
    assert b"date" not in field.split(b"h=")[1].split(b";")[0].lower(), "--headers ignored"


@test
def exit_statuses():
    run(["--help"])
    assert b"dkimmod" in run(["--version"]).stdout
    run(["sign", "--help"])
    run([], code=64)
    run(["frobnicate"], code=64)
    run(["sign"], code=64)
    run(["sign", "-d", "example.net", "-s", "x"], code=64)          # no -k
    sign_rsa(MSG_CRLF, "-c", "loose", code=64)
    sign_rsa(MSG_CRLF, "-a", "rsa-sha1", code=64)                   # RFC 8301
    run(["sign", "-d", "example.net", "-s", "x", "-k", key("ed25519.key"),
         "-a", "rsa-sha256"], MSG_CRLF, code=64)                    # key/algorithm mismatch
    run(["sign", "-d", "example.net", "-s", "x", "-k", os.path.join(TMP, "absent.key")],
        MSG_CRLF, code=66)
    two_from = MSG_CRLF.replace(b"To:", b"From: mallory@example.org\r\nTo:")
    sign_rsa(two_from, code=65)
    sign_rsa(b"no header here\r\n\r\nbody\r\n", code=65)
    run(["sign", "--config", "x.conf", "-d", "example.net"], code=64)
    sign_rsa(MSG_CRLF, "--sender", "alice@example.net", code=64)     # needs --config
    run(["keygen", "-d", "example.net"], code=64)
    run(["check-config"], code=64)


def parse_zone(text):
    """(owner, [strings]) of 'OWNER IN TXT ( "..." "..." )'."""
    m = re.match(r'^(\S+) IN TXT \((.*)\)\s*$', text, re.S)
    assert m, "not zone-file form: %r" % text
    return m.group(1), re.findall(r'"([^"]*)"', m.group(2))


def keygen(alg, sel, *extra):
    d = os.path.join(TMP, "keygen-" + sel)
    os.mkdir(d)
    out = run(["keygen", "-a", alg, "-d", "example.net", "-s", sel, "-o", d] + list(extra)).stdout
    keyfile, txt = os.path.join(d, sel + ".key"), os.path.join(d, sel + ".txt")
    assert stat.S_IMODE(os.stat(keyfile).st_mode) == 0o600, "key file mode %o" % os.stat(keyfile).st_mode
    with open(txt, "rb") as f:
        assert f.read() == out, "stdout differs from the .txt file"
    with open(keyfile, "rb") as f:
        assert f.read().startswith(b"-----BEGIN PRIVATE KEY-----"), "not PKCS#8 PEM"
    owner, strings = parse_zone(out.decode())
    assert owner == "%s._domainkey.example.net." % sel, owner
    assert all(len(s.encode()) <= 255 for s in strings), [len(s) for s in strings]
    return keyfile, "".join(strings)


def verify_all_peers(signed, records, rsa):
    """The signed message passes dkimpy, libopendkim and (RSA) Mail::DKIM."""
    dkimpy_verify(signed, records)
    path = os.path.join(TMP, "peer-%d.eml" % len(os.listdir(TMP)))
    keys = path + ".keys"
    with open(path, "wb") as f:
        f.write(signed)
    with open(keys, "w") as f:
        f.writelines("%s %s\n" % kv for kv in records.items())
    verifiers = [[VERIFY_OPENDKIM, keys, path]]
    if rsa:
        verifiers.append(["perl", os.path.join(SRCDIR, "verify-mail-dkim.pl"), keys, path])
    for argv in verifiers:
        out = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
        verdicts = [line.split("\t") for line in out.splitlines()]
        assert verdicts and all("pass" in v[4:6] for v in verdicts), "%s: %s" % (argv[0], out)


@test
def keygen_rsa_record_matches_key():
    keyfile, record = keygen("rsa", "mondomaine-dkim")
    assert record.startswith("v=DKIM1; k=rsa; p=MII"), record
    out = run(["sign", "-d", "example.net", "-s", "mondomaine-dkim", "-k", keyfile], MSG_CRLF).stdout
    verify_all_peers(out, {"mondomaine-dkim._domainkey.example.net": record}, True)


@test
def keygen_tags_accepted_by_every_peer():
    keyfile, record = keygen("rsa", "strict", "-b", "1024", "-t", "s", "--h-sha256")
    assert "h=sha256;" in record and "t=s;" in record, record
    out = run(["sign", "-d", "example.net", "-s", "strict", "-k", keyfile], MSG_CRLF).stdout
    verify_all_peers(out, {"strict._domainkey.example.net": record}, True)


@test
def keygen_ed25519_record_matches_key():
    keyfile, record = keygen("ed25519", "ed")
    assert re.fullmatch(r"v=DKIM1; k=ed25519; p=[A-Za-z0-9+/]{43}=", record), record
    out = run(["sign", "-d", "example.net", "-s", "ed", "-k", keyfile], MSG_CRLF).stdout
    verify_all_peers(out, {"ed._domainkey.example.net": record}, False)


@test
def keygen_4096_strings_split():
    _, record = keygen("rsa", "big", "-b", "4096")
    assert len(record) > 255


@test
def keygen_refuses_to_overwrite_and_bad_names():
    d = os.path.join(TMP, "keygen-twice")
    os.mkdir(d)
    run(["keygen", "-a", "ed25519", "-d", "example.net", "-s", "k", "-o", d])
    with open(os.path.join(d, "k.key"), "rb") as f:
        before = f.read()
    run(["keygen", "-a", "ed25519", "-d", "example.net", "-s", "k", "-o", d], code=73)
    with open(os.path.join(d, "k.key"), "rb") as f:
        assert f.read() == before, "existing key overwritten"
    run(["keygen", "-d", "example.net", "-s", "../k", "-o", d], code=64)
    run(["keygen", "-d", "example.net", "-s", "k", "-b", "512", "-o", d], code=64)


def write_config(name, text):
    path = os.path.join(TMP, name)
    with open(path, "w") as f:
        f.write(text)
    return path


CONFIG = """signing = {
  sender_map = (
    { sender = "example.net";
      sign = ( { s = "rsa1"; d = "example.net"; key = "%s"; },
               { s = "ed1"; d = "example.net"; a = "ed25519-sha256"; key = "%s"; } ); }
  );
};
"""


@test
def check_config_good():
    path = write_config("good.conf", CONFIG % (key("rsa2048.key"), key("ed25519.key")))
    out = run(["check-config", path]).stdout.decode()
    assert "OK" in out and "1 sender_map" in out, out


@test
def check_config_broken_names_file_and_line():
    text = CONFIG % (key("rsa2048.key"), key("ed25519.key"))
    text = text.replace('d = "example.net"; a = "ed25519-sha256";', 'd = "example.net"; a = "rsa-sha1";')
    path = write_config("broken.conf", text)
    err = run(["check-config", path], code=78).stderr.decode()
    assert re.search(r"broken\.conf:5: .*\ba\b", err), err
    path = write_config("badkey.conf", CONFIG % (os.path.join(TMP, "absent.key"), key("ed25519.key")))
    err = run(["check-config", path], code=78).stderr.decode()
    assert "badkey.conf:4:" in err and "absent.key" in err, err
    run(["check-config", os.path.join(TMP, "absent.conf")], code=66)


@test
def sign_with_config_sender_map():
    path = write_config("sign.conf", CONFIG % (key("rsa2048.key"), key("ed25519.key")))
    out = run(["sign", "--config", path, "--time", TIME], MSG_CRLF).stdout
    assert prefix_of(out, MSG_CRLF).count(b"DKIM-Signature:") == 2
    assert dkimpy_verify(out, rsa_records()) == 2
    p = run(["sign", "--config", path, "--sender", "someone@example.org"], MSG_CRLF)
    assert p.stdout == MSG_CRLF and b"not signed" in p.stderr, "unmatched sender must pass unsigned"
    out = run(["sign", "--config", path, "--sender", "x@sub.example.net"], MSG_LF).stdout
    assert b"\r" not in out and out.endswith(MSG_LF)


def main():
    print("1..%d" % len(TESTS))
    failed = 0
    try:
        for i, fn in enumerate(TESTS, 1):
            try:
                fn()
                print("ok %d - %s" % (i, fn.__name__))
            except Exception:
                failed += 1
                print("not ok %d - %s" % (i, fn.__name__))
                for line in traceback.format_exc().splitlines():
                    print("# " + line)
            sys.stdout.flush()
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
