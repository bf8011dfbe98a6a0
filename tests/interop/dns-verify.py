#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""dns-verify.py - `dkimmod verify` and `dkimmod testkey` through real DNS (TAP).

usage: dns-verify.py DKIMMOD SRCDIR

Starts dnsmasq (Debian's dnsmasq-base) on 127.0.0.1 and a free port with
the key records (a 2048-bit RSA key that dnsmasq splits into several
strings, an Ed25519 key, a 4096-bit key whose answer needs EDNS or TCP, a
revoked key, a key of the IDN domain bücher.example), signs messages with
`dkimmod sign` and dkimpy, and checks
`dkimmod verify --nameserver 127.0.0.1:PORT` (and the same through
--config): pass, fail with the reason, no key, key revoked, and temperror
within the deadline once dnsmasq is stopped. A message From
user@bücher.example (UTF-8, as SMTPUTF8 carries it) signed through a
sender_map with d=$senderdomain gets d=xn--bcher-kva.example, which dkimpy
verifies through the same DNS; a From domain that is no valid IDN is
copied unsigned, saying why. Exit 77 (skip) when dnsmasq
is missing or cannot be started (it needs root to change user).
"""

import base64
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

import dkim
import dns.resolver

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import loopback  # noqa: E402

DKIMMOD, SRCDIR = sys.argv[1:3]
DNSMASQ = "/usr/sbin/dnsmasq"
DOMAIN = "example.net"
IDN_DOMAIN = "xn--bcher-kva.example"   # bücher.example
TMP = tempfile.mkdtemp(prefix="dkimmod-dns.")
MSG = (b"From: Alice <alice@example.net>\r\n"
       b"To: bob@example.org\r\n"
       b"Subject: through DNS\r\n"
       b"Date: Sat, 28 Nov 2026 10:00:00 +0000\r\n"
       b"Message-ID: <dns-1@example.net>\r\n"
       b"\r\n"
       b"Hello over DNS.\r\n")
tap = []
dns_proc = None


def ok(cond, name, detail=""):
    tap.append((cond, name, detail))


def skip(why):
    print("1..0 # SKIP " + why)
    shutil.rmtree(TMP, ignore_errors=True)
    sys.exit(77)


def private_key(name, src=None, bits=None):
    path = os.path.join(TMP, name)
    if src:
        data = open(src, "rb").read()
    else:
        data = subprocess.run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt",
                               "rsa_keygen_bits:%d" % bits], check=True,
                              capture_output=True).stdout
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.write(fd, data)
    os.close(fd)
    return path


def record(path, ktype):
    der = subprocess.run(["openssl", "pkey", "-in", path, "-pubout", "-outform", "DER"],
                         check=True, capture_output=True).stdout
    if ktype == "ed25519":
        der = der[-32:]
    return "v=DKIM1; k=%s; p=%s" % (ktype, base64.b64encode(der).decode())


def free_port():
    port = loopback.free_port()
    if port is None:
        skip("no free loopback port")
    return port


def start_dnsmasq(records):
    global dns_proc
    if not os.access(DNSMASQ, os.X_OK):
        skip("dnsmasq not installed (dnsmasq-base)")
    port = free_port()
    conf = os.path.join(TMP, "dnsmasq.conf")
    with open(conf, "w") as f:
        f.write("no-resolv\nno-hosts\nno-poll\nlocal=/%s/\nlocal=/%s/\n"
                "listen-address=127.0.0.1\nbind-interfaces\nport=%d\n"
                % (DOMAIN, IDN_DOMAIN, port))
        for name, txt in records:
            f.write('txt-record=%s,"%s"\n' % (name, txt))
    log = open(os.path.join(TMP, "dnsmasq.log"), "wb")
    dns_proc = subprocess.Popen([DNSMASQ, "-k", "--conf-file=" + conf, "--pid-file=",
                                 "--log-facility=-"], stdout=log, stderr=log)
    for _ in range(100):
        if dns_proc.poll() is not None:
            skip("dnsmasq did not start (needs root): " +
                 open(os.path.join(TMP, "dnsmasq.log"), errors="replace").read().strip())
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            s.connect(("127.0.0.1", port))
            return "127.0.0.1:%d" % port
        except OSError:
            time.sleep(0.05)
        finally:
            s.close()
    skip("dnsmasq did not answer")


def stop_dnsmasq():
    if dns_proc is not None and dns_proc.poll() is None:
        dns_proc.send_signal(signal.SIGTERM)
        dns_proc.wait(timeout=10)


def sign(msg, *groups):
    args = [DKIMMOD, "sign"]
    for sel, key in groups:
        args += ["-d", DOMAIN, "-s", sel, "-k", key]
    return subprocess.run(args, input=msg, capture_output=True, check=True).stdout


def verify(msg, *args):
    t0 = time.monotonic()
    p = subprocess.run([DKIMMOD, "verify"] + list(args), input=msg, capture_output=True)
    return p.returncode, p.stdout.decode(errors="replace"), time.monotonic() - t0


def dkimpy_verify(msg, ns):
    """dkimpy's verdict on MSG, its key records read from the DNS server NS."""
    host, port = ns.split(":")
    res = dns.resolver.Resolver(configure=False)
    res.nameservers = [host]
    res.port = int(port)

    def txt(name, timeout=5):
        answer = res.resolve(name.decode().rstrip("."), "TXT", lifetime=timeout)
        return b"".join(b"".join(r.strings) for r in answer)

    return dkim.verify(msg, dnsfunc=txt)


def idn_signing(rsa, ns):
    """A UTF-8 From domain is signed with its A-label as d=, and verifies."""
    conf = os.path.join(TMP, "idn.conf")
    with open(conf, "w") as f:
        f.write('signing = { sender_map = ( { sender = "."; sign = ( { s = "rsa";\n'
                '  d = "$senderdomain"; key = "%s"; } ); } ); };\n' % rsa)
    msg = MSG.replace(b"Alice <alice@example.net>", "Anna <user@bücher.example>".encode())
    p = subprocess.run([DKIMMOD, "sign", "--config", conf], input=msg, capture_output=True)
    out = p.stdout
    ok(p.returncode == 0 and b"d=" + IDN_DOMAIN.encode() + b";" in out and out.endswith(msg),
       "From user@bücher.example: signed with d=" + IDN_DOMAIN,
       "exit %d\n%s%s" % (p.returncode, p.stderr.decode(errors="replace"),
                          out[:400].decode(errors="replace")))
    ok(p.returncode == 0 and dkimpy_verify(out, ns), "dkimpy verifies the IDN signature via DNS")
    expect("dkimmod verify passes the IDN signature", verify(out, "--nameserver", ns), 0,
           [("dkim=pass (2048-bit key)", "header.d=" + IDN_DOMAIN)])
    bad = MSG.replace(b"alice@example.net", "user@a\u200db.example".encode())
    p = subprocess.run([DKIMMOD, "sign", "--config", conf], input=bad, capture_output=True)
    ok(p.returncode == 0 and p.stdout == bad
       and b"not an internationalized domain name" in p.stderr,
       "From domain with a lone zero-width joiner: copied unsigned, saying why",
       "exit %d\n%s" % (p.returncode, p.stderr.decode(errors="replace")))


def expect(name, result, status, lines):
    """RESULT of verify must have exit STATUS and each of LINES (prefix,
    text) as a resinfo line in order."""
    got, out, _ = result
    outl = out.splitlines()
    good = got == status and len(outl) >= len(lines) and all(
        outl[i].startswith(p) and t in outl[i] for i, (p, t) in enumerate(lines))
    ok(good, name, "exit %d, expected %d\n%s" % (got, status, out))


def main():
    keys = os.path.join(SRCDIR, "keys")
    rsa = private_key("rsa.pem", os.path.join(keys, "rsa2048.key"))
    ed = private_key("ed.pem", os.path.join(keys, "ed25519.key"))
    big = private_key("big.pem", bits=4096)
    records = [("rsa._domainkey." + DOMAIN, record(rsa, "rsa")),
               ("ed._domainkey." + DOMAIN, record(ed, "ed25519")),
               ("big._domainkey." + DOMAIN, record(big, "rsa")),
               ("revoked._domainkey." + DOMAIN, "v=DKIM1; k=rsa; p="),
               ("rsa._domainkey." + IDN_DOMAIN, record(rsa, "rsa"))]
    ns = start_dnsmasq(records)
    try:
        dual = sign(MSG, ("ed", ed), ("rsa", rsa))
        expect("rsa (several TXT strings) and ed25519 pass through DNS",
               verify(dual, "--nameserver", ns), 0,
               [("dkim=pass (256-bit key)", "header.s=ed"),
                ("dkim=pass (2048-bit key)", "header.s=rsa")])
        expect("4096-bit key (answer over 512 bytes: EDNS or TCP) passes",
               verify(sign(MSG, ("big", big)), "--nameserver", ns), 0,
               [("dkim=pass (4096-bit key)", "header.s=big")])
        pem = open(rsa, "rb").read()
        theirs = dkim.sign(MSG, b"rsa", DOMAIN.encode(), pem) + MSG
        expect("dkimpy signature passes through DNS", verify(theirs, "--nameserver", ns), 0,
               [("dkim=pass (2048-bit key)", "header.s=rsa")])
        expect("tampered body fails through DNS",
               verify(dual.replace(b"Hello over DNS.", b"Hello over DNS!"), "--nameserver", ns),
               1, [("dkim=fail", 'reason="body hash did not verify"'),
                   ("dkim=fail", 'reason="body hash did not verify"')])
        expect("revoked key", verify(sign(MSG, ("revoked", rsa)), "--nameserver", ns), 1,
               [("dkim=permerror", 'reason="key revoked"')])
        expect("no key record (NXDOMAIN)", verify(sign(MSG, ("nosuch", rsa)), "--nameserver", ns),
               1, [("dkim=permerror", 'reason="no key for signature"')])
        conf = os.path.join(TMP, "dkimmod.conf")
        with open(conf, "w") as f:
            f.write('verifying = { authserv_id = "mx.example.org"; nameserver = "%s"; };\n' % ns)
        got = verify(dual, "--config", conf, "--authres")
        ok(got[0] == 0 and got[1].startswith("Authentication-Results: mx.example.org;\n")
           and got[1].count("dkim=pass") == 2, "--config nameserver and authserv_id, --authres",
           got[1])
        p = subprocess.run([DKIMMOD, "testkey", "-d", DOMAIN, "-s", "rsa", "-k", rsa,
                            "--nameserver", ns], capture_output=True)
        ok(p.returncode == 0 and b": ok: " in p.stdout, "testkey: published key matches",
           p.stdout.decode() + p.stderr.decode())
        p = subprocess.run([DKIMMOD, "testkey", "-d", DOMAIN, "-s", "ed", "-k", rsa,
                            "--nameserver", ns], capture_output=True)
        ok(p.returncode == 1 and b"key type k=ed25519" in p.stdout and b"publish:" in p.stdout,
           "testkey: mismatched key type", p.stdout.decode())
        p = subprocess.run([DKIMMOD, "testkey", "-d", DOMAIN, "-s", "revoked", "-k", rsa,
                            "--nameserver", ns], capture_output=True)
        ok(p.returncode == 1 and b"key revoked" in p.stdout, "testkey: revoked", p.stdout.decode())
        p = subprocess.run([DKIMMOD, "testkey", "-d", DOMAIN, "-s", "nosuch", "-k", rsa,
                            "--nameserver", ns], capture_output=True)
        ok(p.returncode == 1 and b"missing" in p.stdout, "testkey: missing", p.stdout.decode())
        idn_signing(rsa, ns)
    finally:
        stop_dnsmasq()
    got = verify(dual, "--nameserver", ns, "-o", "dns_timeout=2")
    expect("DNS server stopped: temperror, exit 75", got, 75,
           [("dkim=temperror", "reason="), ("dkim=temperror", "reason=")])
    ok(got[2] < 4.0, "temperror within the 2 s deadline (%.1f s)" % got[2])

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
