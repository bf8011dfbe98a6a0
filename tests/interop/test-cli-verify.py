#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""test-cli-verify.py - behaviour of `dkimmod verify` (TAP output).

usage: test-cli-verify.py DKIMMOD SRCDIR

Exit statuses (0 pass, 1 none passed, 75 temperror, 64 usage, 65
unreadable message, 66 missing file, 78 bad configuration), LF and CRLF
input giving the same verdict, --authres, --time against t= and x=,
RFC 8301 (rsa-sha1 is policy unless --accept-rsa-sha1), l= with appended
text (policy unless --accept-body-length), -o overrides, the settings of
a --config file (key_file relative to the file), and an unsigned message.
Keys come from a key file: no DNS here (dns-verify.py does DNS).
"""

import base64
import os
import shutil
import subprocess
import sys
import tempfile

import dkim

DKIMMOD, SRCDIR = sys.argv[1:3]
TMP = tempfile.mkdtemp(prefix="dkimmod-cli-verify.")
DOMAIN = "example.net"
TIME = 1764324000
MSG = (b"From: Alice <alice@example.net>\r\n"
       b"To: bob@example.org\r\n"
       b"Subject: a folded\r\n"
       b"  subject\r\n"
       b"Date: Sat, 28 Nov 2026 10:00:00 +0000\r\n"
       b"\r\n"
       b"Hello,\r\n"
       b"\r\n"
       b"  spaced   body\t\r\n")
tap = []


def ok(cond, name, detail=""):
    tap.append((cond, name, detail))


def key(name, src):
    path = os.path.join(TMP, name)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with open(os.path.join(SRCDIR, "keys", src), "rb") as f:
        os.write(fd, f.read())
    os.close(fd)
    return path


def record(path, ktype):
    der = subprocess.run(["openssl", "pkey", "-in", path, "-pubout", "-outform", "DER"],
                         check=True, capture_output=True).stdout
    if ktype == "ed25519":
        der = der[-32:]
    return "v=DKIM1; k=%s; p=%s" % (ktype, base64.b64encode(der).decode())


def run(args, msg):
    p = subprocess.run([DKIMMOD] + args, input=msg, capture_output=True)
    return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")


def check(name, got, status, first=None, contains=None, stderr=None):
    code, out, err = got
    lines = out.splitlines()
    good = code == status
    if first is not None:
        good = good and bool(lines) and lines[0].startswith(first)
    if contains is not None:
        good = good and contains in out
    if stderr is not None:
        good = good and stderr in err
    ok(good, name, "exit %d (expected %d)\nstdout: %s\nstderr: %s" % (code, status, out, err))


def sign(msg, *extra):
    return subprocess.run([DKIMMOD, "sign", "--time", str(TIME)] + list(extra), input=msg,
                          capture_output=True, check=True).stdout


def main():
    rsa = key("rsa.pem", "rsa2048.key")
    ed = key("ed.pem", "ed25519.key")
    kf = os.path.join(TMP, "keys.txt")
    with open(kf, "w") as f:
        f.write("# test keys\nrsa._domainkey.%s %s\ned._domainkey.%s %s\n"
                % (DOMAIN, record(rsa, "rsa"), DOMAIN, record(ed, "ed25519")))
    base = ["verify", "--key-file", kf, "--authserv-id", "mx.example.org", "--time", str(TIME)]
    signed = sign(MSG, "-d", DOMAIN, "-s", "ed", "-k", ed, "-d", DOMAIN, "-s", "rsa", "-k", rsa)

    got = run(base, signed)
    check("two signatures pass: exit 0, one resinfo line each", got, 0, "dkim=pass (256-bit key)")
    lines = got[1].splitlines()
    ok(len(lines) > 3 and lines[1].startswith("dkim=pass (2048-bit key) header.d=example.net")
       and "header.s=rsa header.a=rsa-sha256 header.b=" in lines[1]
       and lines[2] == 'dmarc=none reason="no DMARC record" header.from=example.net'
       and lines[3] == "Authentication-Results: mx.example.org;",
       "resinfo form (dkim= each, then dmarc=) and the Authentication-Results field follow",
       got[1])
    check("LF line ends give the same verdict", run(base, signed.replace(b"\r\n", b"\n")), 0,
          "dkim=pass")
    check("CRLF and LF mixed give the same verdict",
          run(base, signed.replace(b"Hello,\r\n", b"Hello,\n")), 0, "dkim=pass")
    got = run(base + ["--authres"], signed)
    ok(got[0] == 0 and got[1].startswith("Authentication-Results: mx.example.org;\n\tdkim=pass")
       and "\r" not in got[1] and got[1].count("dkim=pass") == 2,
       "--authres prints only the field, LF form", got[1])
    check("tampered body: exit 1, body hash", run(base, signed.replace(b"spaced", b"spaced!")), 1,
          'dkim=fail (256-bit key) reason="body hash did not verify"')
    check("tampered signed header: exit 1, signature did not verify",
          run(base, signed.replace(b"Subject: a folded", b"Subject: a Folded")), 1,
          'dkim=fail (256-bit key) reason="signature did not verify"')
    check("relaxed-allowed change still passes",
          run(base, signed.replace(b"spaced   body", b"spaced body")), 0, "dkim=pass")
    check("unsigned message: exit 1, dkim=none", run(base, MSG), 1, "dkim=none",
          contains="Authentication-Results: mx.example.org;\n\tdkim=none;\n\tdmarc=none")
    check("unknown selector: permerror, exit 1",
          run(base, sign(MSG, "-d", DOMAIN, "-s", "other", "-k", rsa)), 1,
          'dkim=permerror reason="no key for signature"')

    # t= and x=
    exp = sign(MSG, "-d", DOMAIN, "-s", "rsa", "-k", rsa, "-x", "3600")
    check("--time within x=: pass", run(base, exp), 0, "dkim=pass")
    late = ["verify", "--key-file", kf, "--time", str(TIME + 7200)]
    check("--time after x= (beyond the drift): permerror", run(late, exp), 1, "dkim=permerror")
    check("-o clock_drift=2h accepts it", run(late + ["-o", "clock_drift=2h"], exp), 0,
          "dkim=pass")
    early = ["verify", "--key-file", kf, "--time", str(TIME - 3600)]
    check("t= an hour in the future: permerror", run(early, exp), 1, "dkim=permerror")

    # RFC 8301: rsa-sha1 (dkimpy signs with the real clock: no --time)
    base = base[:-2]
    pem = open(rsa, "rb").read()
    sha1 = dkim.sign(MSG, b"rsa", DOMAIN.encode(), pem, signature_algorithm=b"rsa-sha1") + MSG
    check("rsa-sha1: policy, exit 1", run(base, sha1), 1,
          'dkim=policy reason="rsa-sha1 not accepted (RFC 8301)"')
    check("--accept-rsa-sha1: pass", run(base + ["--accept-rsa-sha1"], sha1), 0, "dkim=pass")

    # l= and appended text
    lsig = dkim.sign(MSG, b"rsa", DOMAIN.encode(), pem, length=True) + MSG
    check("l= covering the body: pass", run(base, lsig), 0, "dkim=pass")
    appended = lsig + b"\r\nBuy now!\r\n"
    check("text appended beyond l=: policy", run(base, appended), 1,
          'dkim=policy (2048-bit key) reason="body beyond l= not signed"')
    check("--accept-body-length: pass", run(base + ["--accept-body-length"], appended), 0,
          "dkim=pass")

    # -o overrides and the config file
    check("-o max_signatures=1: only the top signature",
          run(base + ["-o", "max_signatures=1"], signed), 0, "dkim=pass (256-bit key)")
    ok(run(base + ["-o", "max_signatures=1"], signed)[1].count("dkim=") == 2,
       "-o max_signatures=1: one resinfo line and one in the field")
    check("-o x_dkim_authentication_results=yes adds DKIMproxy's field",
          run(base + ["-o", "x_dkim_authentication_results=yes"], signed), 0,
          contains="\nX-DKIM-Authentication-Results: pass\n")
    sub = os.path.join(TMP, "etc")
    os.mkdir(sub)
    shutil.copy(kf, os.path.join(sub, "keys.txt"))
    conf = os.path.join(sub, "dkimmod.conf")
    with open(conf, "w") as f:
        f.write('verifying = {\n  authserv_id = "mx.example.com";\n  key_file = "keys.txt";\n'
                '  accept_rsa_sha1 = true;\n};\n')
    check("--config: authserv_id, key_file relative to the file, accept_rsa_sha1",
          run(["verify", "--config", conf], sha1), 0, "dkim=pass",
          "Authentication-Results: mx.example.com;")
    got = run(["check-config", conf], b"")
    check("check-config names the verifying settings and reads key_file", got, 0,
          contains="verifying as mx.example.com, at most 5 signatures, keys from "
          + os.path.join(sub, "keys.txt"))
    os.rename(os.path.join(sub, "keys.txt"), os.path.join(sub, "keys.old"))
    check("check-config: missing key_file is an error with FILE:LINE",
          run(["check-config", conf], b""), 78, stderr=conf + ":3: verifying.key_file: ")
    os.rename(os.path.join(sub, "keys.old"), os.path.join(sub, "keys.txt"))
    with open(conf, "w") as f:
        f.write('verifying = {\n  max_signatures = 40;\n};\n')
    check("bad config: exit 78 with FILE:LINE: SETTING", run(["verify", "--config", conf], signed),
          78, stderr=conf + ":2: verifying.max_signatures:")
    check("missing config: exit 66", run(["verify", "--config", conf + ".none"], signed), 66)
    check("missing key file: exit 66", run(["verify", "--key-file", kf + ".none"], signed), 66)

    # --dns-file: the key file's lines and any other type or status
    df = os.path.join(TMP, "dns.txt")
    with open(df, "w") as f:
        f.write("rsa._domainkey.%s TXT \"%s\"\ned._domainkey.%s TIMEOUT\n"
                "%s A 192.0.2.1\n" % (DOMAIN, record(rsa, "rsa"), DOMAIN, DOMAIN))
    dns = ["verify", "--dns-file", df, "--time", str(TIME)]
    got = run(dns, signed)
    check("--dns-file: the rsa key passes, a TIMEOUT line is temperror", got, 0, "dkim=temperror",
          contains="dkim=pass (2048-bit key)")
    check("--dns-file: TIMEOUT alone is exit 75",
          run(dns, sign(MSG, "-d", DOMAIN, "-s", "ed", "-k", ed)), 75, "dkim=temperror")
    check("--dns-file: a name absent is NXDOMAIN (permerror)",
          run(dns, sign(MSG, "-d", DOMAIN, "-s", "other", "-k", rsa)), 1, "dkim=permerror")
    check("--dns-file as a key file works the same", run(["verify", "--dns-file", kf, "--time",
                                                          str(TIME)], signed), 0, "dkim=pass")
    with open(df, "a") as f:
        f.write("bad.example A not-an-address\n")
    check("--dns-file: a bad line is exit 65 naming FILE:LINE", run(dns, signed), 65,
          stderr=df + ":4: ")
    check("--dns-file missing: exit 66", run(["verify", "--dns-file", df + ".none"], signed), 66)
    check("--dns-file with --key-file: 64", run(dns + ["--key-file", kf], signed), 64)

    # SPF: --client-ip with --mail-from or --helo, answers from the DNS file
    with open(df, "w") as f:
        f.write("rsa._domainkey.%s TXT \"%s\"\n%s TXT \"v=spf1 ip4:192.0.2.0/24 -all "
                "exp=why.%%{d}\"\nwhy.%s TXT \"%%{i} may not send for %%{d}\"\n"
                "helo.example TXT \"v=spf1 a -all\"\nhelo.example A 198.51.100.9\n"
                % (DOMAIN, record(rsa, "rsa"), DOMAIN, DOMAIN))
    got = run(dns + ["--client-ip", "192.0.2.7", "--helo", "helo.example",
                     "--mail-from", "alice@" + DOMAIN], signed)
    check("--client-ip in the MAIL FROM's range: spf=pass after the dkim lines, exit from DKIM",
          got, 0, contains="\nspf=pass smtp.mailfrom=alice@%s\n" % DOMAIN)
    got = run(dns + ["--client-ip", "2001:db8::1", "--mail-from", "alice@" + DOMAIN], MSG)
    check("outside it: spf=fail with the explanation; unsigned: exit 1", got, 1,
          contains="spf=fail smtp.mailfrom=alice@%s\nspf-explanation: "
          "2.0.0.1.0.D.B.8.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1 may not send for %s\n"
          % (DOMAIN, DOMAIN))
    check("--mail-from \"\" checks postmaster@HELO (RFC 7208 2.4)",
          run(dns + ["--client-ip", "198.51.100.9", "--helo", "helo.example", "--mail-from", ""],
              MSG), 1,
          contains="spf=pass smtp.mailfrom=postmaster@helo.example smtp.helo=helo.example\n")
    check("--helo alone checks the HELO identity",
          run(dns + ["--client-ip", "198.51.100.10", "--helo", "helo.example"], MSG), 1,
          contains="spf=fail smtp.helo=helo.example\n")
    check("--helo without --client-ip: 64", run(dns + ["--helo", "helo.example"], MSG), 64,
          stderr="need --client-ip")
    check("--client-ip without an identity: 64", run(dns + ["--client-ip", "192.0.2.1"], MSG), 64)
    check("--client-ip not an address: 64",
          run(dns + ["--client-ip", "mail.example", "--mail-from", "a@b.example"], MSG), 64,
          stderr="is no IP address")

    # DMARC through the same aggregate as the filter, its records from the DNS file
    df2 = os.path.join(TMP, "dmarc.txt")
    with open(df2, "w") as f:
        f.write("rsa._domainkey.%s TXT \"%s\"\n_dmarc.%s TXT v=DMARC1; p=reject\n"
                "_dmarc.example.org TXT v=DMARC1; p=quarantine; sp=reject\n"
                % (DOMAIN, record(rsa, "rsa"), DOMAIN))
    dm = ["verify", "--dns-file", df2, "--time", str(TIME), "--authserv-id", "mx.example.org"]
    rsa_signed = sign(MSG, "-d", DOMAIN, "-s", "rsa", "-k", rsa)
    got = run(dm, rsa_signed)
    check("DMARC: aligned DKIM pass, p=reject: dmarc=pass", got, 0, "dkim=pass",
          contains="\ndmarc=pass (p=reject dis=none) header.from=example.net policy.dmarc=none\n")
    spoof = rsa_signed.replace(b"From: Alice <alice@example.net>", b"From: <ceo@news.example.org>")
    got = run(dm, spoof)
    check("DMARC: From a subdomain of another domain, sp=reject: dmarc=fail, policy.dmarc=reject",
          got, 1, "dkim=fail",
          contains='\ndmarc=fail (p=reject dis=reject) reason="no aligned DKIM or SPF pass"'
                   ' header.from=news.example.org policy.dmarc=reject\n')
    got = run(dm + ["--authres"], spoof.replace(b"From:", b"X-From:"))
    check("DMARC: no From field: dmarc=permerror in the one field", got, 1,
          "Authentication-Results: mx.example.org;",
          contains='\tdmarc=permerror reason="no From field"\n')

    # usage and unreadable input
    check("unknown option: 64", run(["verify", "--frobnicate"], signed), 64)
    check("extra argument: 64", run(["verify", "message.eml"], signed), 64)
    check("--nameserver with a host name: 64",
          run(["verify", "--nameserver", "dns.example"], signed), 64,
          stderr='--nameserver: "dns.example": must be ADDR')
    check("-o unknown: 64", run(["verify", "-o", "colour=red"], signed), 64,
          stderr="-o colour: unknown setting")
    check("--time not a number: 64", run(["verify", "--time", "soon"], signed), 64)
    huge = b"X-Big: " + b"a" * (300 * 1024) + b"\r\n" + signed
    check("header over a limit: 65", run(base, huge), 65)
    check("--help: 0", run(["verify", "--help"], b""), 0, "usage: dkimmod verify")
    check("dkimmod --help lists verify and testkey", run(["--help"], b""), 0,
          contains="  verify ")

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
