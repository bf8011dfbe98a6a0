#!/usr/bin/python3
# SPDX-License-Identifier: MIT
#
# NAME
#	make-corpus.py - the deterministic benchmark corpus shared by every harness
# SYNOPSIS
#	make-corpus.py DKIMMOD_CLI SRCDIR OUTDIR
# DESCRIPTION
#	Writes into OUTDIR, always the same bytes:
#	  msg-2k.eml msg-64k.eml msg-1m.eml   messages of 2 KiB, 64 KiB, 1 MiB
#	      (CRLF, 8 header fields, body text from a fixed LCG with the
#	      double spaces and trailing blanks relaxed canonicalization removes)
#	  rsa.pem ed.pem                      the keys of tests/module/data
#	  rsa-pkcs1.pem                       the RSA key in PKCS#1 (Mail::DKIM)
#	  ed.seed                             the Ed25519 seed in base64 (dkimpy)
#	  keys.txt                            key records, "name record" lines
#	                                      (OpenDKIM's DKIM_QUERY_FILE and
#	                                      dkimmod_key_file_load)
#	  signed-ALG-SIZE.eml                 each message signed by dkimmod sign
#	                                      at a fixed time (the verify input
#	                                      of every harness)
#	Selectors: rsa._domainkey.example.net and ed._domainkey.example.net,
#	relaxed/relaxed.
import base64
import os
import shutil
import subprocess
import sys

SIZES = {"2k": 2048, "64k": 65536, "1m": 1048576}
WORDS = ("lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor "
         "incididunt ut labore et dolore magna aliqua quarterly report budget review "
         "meeting friday invoice attached").split()
HEADERS = (b"From: Alice Example <alice@example.net>\r\n"
           b"To: Bob Example <bob@example.org>\r\n"
           b"Cc: carol@example.org\r\n"
           b"Subject: Quarterly report, please review before Friday\r\n"
           b"Date: Sat, 28 Nov 2026 12:00:00 +0000\r\n"
           b"Message-ID: <20261128120000.12345@mail.example.net>\r\n"
           b"MIME-Version: 1.0\r\n"
           b"Content-Type: text/plain; charset=utf-8\r\n"
           b"\r\n")


def message(size):
    out = bytearray(HEADERS)
    state = 12345
    line = []
    while len(out) < size:
        state = (state * 1103515245 + 12345) & 0x7FFFFFFF
        w = WORDS[state % len(WORDS)]
        # every 13th word is followed by two spaces (relaxed makes it one)
        line.append(w + (" " if state % 13 == 0 else ""))
        if sum(len(x) + 1 for x in line) > 68:
            text = " ".join(line) + (" \t" if state % 7 == 0 else "")
            out += text.encode() + b"\r\n"
            line = []
    del out[size - 2:]
    out += b"\r\n"
    return bytes(out)


def openssl(*args):
    return subprocess.run(("openssl",) + args, check=True, capture_output=True).stdout


def main():
    cli, src, out = sys.argv[1:4]
    os.makedirs(out, exist_ok=True)
    data = os.path.join(src, "tests", "module", "data")
    shutil.copy(os.path.join(data, "rsa2048.pem"), os.path.join(out, "rsa.pem"))
    shutil.copy(os.path.join(data, "ed25519.pem"), os.path.join(out, "ed.pem"))
    rsa, ed = os.path.join(out, "rsa.pem"), os.path.join(out, "ed.pem")
    # signers refuse keys that others may read, whatever the checkout's modes
    os.chmod(rsa, 0o600)
    os.chmod(ed, 0o600)
    with open(os.path.join(out, "rsa-pkcs1.pem"), "wb") as f:
        f.write(openssl("rsa", "-in", rsa, "-traditional"))
    seed = openssl("pkey", "-in", ed, "-outform", "DER")[-32:]
    with open(os.path.join(out, "ed.seed"), "wb") as f:
        f.write(base64.b64encode(seed) + b"\n")
    rsa_p = base64.b64encode(openssl("pkey", "-in", rsa, "-pubout", "-outform", "DER")).decode()
    ed_p = base64.b64encode(openssl("pkey", "-in", ed, "-pubout", "-outform", "DER")[-32:]).decode()
    with open(os.path.join(out, "keys.txt"), "w") as f:
        f.write(f"rsa._domainkey.example.net v=DKIM1; k=rsa; p={rsa_p}\n")
        f.write(f"ed._domainkey.example.net v=DKIM1; k=ed25519; p={ed_p}\n")
    for name, size in SIZES.items():
        msg = message(size)
        with open(os.path.join(out, f"msg-{name}.eml"), "wb") as f:
            f.write(msg)
        for alg, key in (("rsa", rsa), ("ed", ed)):
            signed = subprocess.run([cli, "sign", "-d", "example.net", "-s", alg, "-k", key,
                                     "--time", "1790000000"], input=msg, check=True,
                                    capture_output=True).stdout
            with open(os.path.join(out, f"signed-{alg}-{name}.eml"), "wb") as f:
                f.write(signed)


main()
