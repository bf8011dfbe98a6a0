#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""make-seeds.py - (re)write the seed corpora in tests/fuzz/corpus/<target>/

Usage: /usr/bin/python3 tests/fuzz/make-seeds.py   (from the source root)

Seeds are small, valid-looking inputs plus the hostile cases of issue 5,
so the replay test covers them from the start and the fuzzer starts from
deep states. Files found by fuzzing (crash-*, min-*) are not touched.
Verifier seeds are signed by dkimpy with the RFC 8463 keys at the fixed
time fuzz-verifier.c uses, so they pass and reach the signature check.
"""
import base64
import glob
import os
import re
import subprocess
import time

import dkim

SRC = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CORPUS = os.path.join(SRC, "tests", "fuzz", "corpus")
DATA = os.path.join(SRC, "tests", "module", "data")
MESSAGES = sorted(glob.glob(os.path.join(SRC, "tests", "interop", "messages", "*.eml")))


def put(target, name, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(data)


def read(path):
    with open(path, "rb") as f:
        return f.read()


def der(pem, pub=True):
    args = ["openssl", "pkey", "-in", pem, "-outform", "DER"] + (["-pubout"] if pub else [])
    return subprocess.run(args, check=True, capture_output=True).stdout


RFC8463 = read(os.path.join(DATA, "rfc8463-signed.eml"))
RSA_P = base64.b64encode(der(os.path.join(DATA, "rfc8463-rsa.pem"))).decode()
ED_P = base64.b64encode(der(os.path.join(DATA, "rfc8463-ed25519.pem"))[-32:]).decode()
RSA2048_P = base64.b64encode(der(os.path.join(DATA, "rsa2048.pem"))).decode()
RSA512_P = base64.b64encode(der(os.path.join(DATA, "rsa512.pem"))).decode()
SIG_VALUE = RFC8463.split(b"\r\nDKIM-Signature:")[0].split(b":", 1)[1]


def tagparse():
    put("tagparse", "rfc8463-sig", SIG_VALUE)
    put("tagparse", "key-rsa", "v=DKIM1; k=rsa; p=" + RSA_P)
    cases = {
        "empty": "", "semicolons": ";;", "trailing-semi": "v=1; a=rsa-sha256;",
        "dup": "a=b; a=c", "no-value": "a=; b=", "no-equals": "abc", "bad-name": "1a=b",
        "fws": "v = 1 ;\r\n\tb = AB CD\r\n EF ;", "bare-lf": "a=b\nc=d",
        "nul": "a=b\0c; d=e", "utf8": "d=b\xc3\xbccher.example; s=s\xc3\xa9l",
        "rfc2047": "d==?utf-8?q?b=C3=BCcher?=.example; s=x",
        "tags-64": "; ".join("t%d=%d" % (i, i) for i in range(64)),
        "tags-65": "; ".join("t%d=%d" % (i, i) for i in range(65)),
        "absurd-numbers": "t=99999999999999999999999999; x=-1; l=18446744073709551616",
        "long-value": "b=" + "A" * 5000,
    }
    for k, v in cases.items():
        put("tagparse", k, v)


def keyrecord():
    cases = {
        "rsa1024": "v=DKIM1; k=rsa; p=" + RSA_P,
        "rsa2048-folded": "v=DKIM1; k=rsa; p=" + " ".join(RSA2048_P[i:i + 60] for i in range(0, len(RSA2048_P), 60)),
        "rsa512-policy": "v=DKIM1; p=" + RSA512_P,
        "ed25519": "v=DKIM1; k=ed25519; p=" + ED_P,
        "ed25519-flags": "v=DKIM1; k=ed25519; h=sha256; t=y:s; s=email; n=note; p=" + ED_P,
        "revoked": "v=DKIM1; p=", "no-p": "v=DKIM1; k=rsa", "bad-v": "v=DKIM2; p=" + ED_P,
        "unknown-k": "k=dsa; p=" + ED_P, "h-sha1": "h=sha1; p=" + RSA_P,
        "h-unknown": "h=md5:foo; p=" + RSA_P, "bad-base64": "p=MIG!!fMA0",
        "bad-padding": "p=" + RSA_P.rstrip("=") + "=", "ed-short": "k=ed25519; p=AAAA",
        "huge-100k": "v=DKIM1; p=" + "A" * 100000,
        "der-truncated": "p=" + base64.b64encode(base64.b64decode(RSA_P)[:100]).decode(),
        "der-lengths": "p=" + base64.b64encode(b"\x30\x84\xff\xff\xff\xff\x30\x0d").decode(),
    }
    for k, v in cases.items():
        put("keyrecord", k, v)


def msgparse():
    for m in MESSAGES:
        put("msgparse", os.path.basename(m), b"\x00" + read(m))
    put("msgparse", "rfc8463", b"\x07" + RFC8463)
    cases = {
        "bare-cr-lf": b"\x03From: a\rb\nc\r\nTo: x\r\n\r\nbody",
        "nul": b"\x01From: a\0b@example.com\r\nSubject: \0\r\n\r\n\0",
        "no-separator": b"\x02From: a@example.com\r\nSubject: x",
        "continuation-first": b"\x00 folded first\r\nFrom: a@b\r\n\r\n",
        "two-from": b"\x05From: a@example.com\r\nFrom: b@evil.example\r\n\r\nx\r\n",
        "addresses": b"\x04From: \"q \\\" u\" (c (nested)) <a@[1.2.3.4]>, g: x@y;\r\n"
                     b"Sender: grp:;, @route,@r2:a@B.EXAMPLE\r\n\r\n",
        "end-cr": b"\x09From: a@b\r\n\r",
        "many-fields": b"\x1f" + b"X: y\r\n" * 1001 + b"\r\n",
    }
    for k, v in cases.items():
        put("msgparse", k, v)


def canon():
    bodies = {
        "empty": b"", "crlf": b"\r\n", "crlf-runs": b"\r\n\r\n\r\n",
        "wsp": b" a \t b \r\n\t\r\n  \r\n", "bare-cr-lf": b"a\rb\nc\r\r\n\n\r\n",
        "no-final-crlf": b"line", "dots": b".\r\n..\r\n", "nul": b"a\0b\r\n\0\r\n",
        "header-relaxed": b"Subject :  a \r\n\t b  \r\n",
    }
    for k, v in bodies.items():
        for ctl in (0x00, 0x01, 0x73, 0xf2):
            put("canon", "%s-%02x" % (k, ctl), bytes([ctl, 5]) + v)
    for m in MESSAGES[:6]:
        put("canon", os.path.basename(m), b"\x31\x00" + read(m).split(b"\r\n\r\n", 1)[-1])


def authres():
    cases = {
        "plain": b"mx.example.net\0Authentication-Results: mx.example.net; dkim=pass",
        "other": b"mx.example.net\0Authentication-Results: other.example; dkim=pass",
        "case": b"MX.Example.NET\0authentication-results:mx.example.net 1;none",
        "comment": b"mx.example.net\0Authentication-Results: (c (d)) mx.example.net (x); spf=pass",
        "wsp-colon": b"mx.example.net\0Authentication-Results \t: mx.example.net;",
        "prefix": b"mx.example.net\0Authentication-Results: mx.example.net.evil; dkim=pass",
        "quoted": b"mx\0Authentication-Results: \"mx\"; dkim=pass",
        "folded": b"mx.example.net\0Authentication-Results:\r\n mx.example.net\r\n ; dkim=pass\r\n",
        "unclosed": b"mx\0Authentication-Results: (((( mx",
        "no-id": b"\0Authentication-Results: ; dkim=pass",
        "name-only": b"x\0Authentication-Results",
    }
    for k, v in cases.items():
        put("authres", k, v)


def sign(msg, sel, canon, alg, length=False, headers=None):
    key = read(os.path.join(DATA, "rfc8463-ed25519.pem" if sel == b"brisbane" else "rfc8463-rsa.pem"))
    if sel == b"brisbane":
        key = base64.b64encode(der(os.path.join(DATA, "rfc8463-ed25519.pem"), pub=False)[-32:])
    real = time.time
    time.time = lambda: 1528637909
    try:
        return dkim.sign(msg, sel, b"football.example.com", key, canonicalize=canon,
                         signature_algorithm=alg, length=length, include_headers=headers)
    finally:
        time.time = real


def verifier():
    put("verifier", "rfc8463", b"\x00" + RFC8463)
    put("verifier", "rfc8463-chunked", b"\xf0" + RFC8463)
    put("verifier", "rfc8463-servfail", b"\x02" + RFC8463)
    plain = RFC8463.split(b"\r\nFrom:", 1)[1]
    plain = b"From:" + plain
    variants = [
        ("ed-relaxed", b"brisbane", (b"relaxed", b"relaxed"), b"ed25519-sha256", False),
        ("ed-simple", b"brisbane", (b"simple", b"simple"), b"ed25519-sha256", False),
        ("rsa-simple-relaxed", b"test", (b"simple", b"relaxed"), b"rsa-sha256", False),
        ("rsa-sha1", b"test", (b"relaxed", b"simple"), b"rsa-sha1", False),
        ("rsa-l", b"test", (b"relaxed", b"relaxed"), b"rsa-sha256", True),
    ]
    for name, sel, c, alg, length in variants:
        sig = sign(plain, sel, c, alg, length)
        put("verifier", name, b"\x0c" + sig + plain)
        if length:
            put("verifier", name + "-appended", b"\x00" + sig + plain + b"appended\r\n")
    sig = sign(plain, b"brisbane", (b"relaxed", b"relaxed"), b"ed25519-sha256")
    put("verifier", "two-from", b"\x00" + sig + b"From: evil@example.org\r\n" + plain)
    put("verifier", "tampered", b"\x00" + sig + plain.replace(b"hungry", b"HUNGRY"))
    put("verifier", "many-sigs", b"\x00" + sig * 20 + plain)
    put("verifier", "bare-lf", b"\x00" + (sig + plain).replace(b"\r\n", b"\n"))


def arc_seal(msg, hop, alg=b"rsa-sha256"):
    """MSG with hop HOP's A-R and a dkimpy ARC set (the RFC 8463 RSA key,
    which is also the ValiMail suite's key), sealed at the verifier seeds' time"""
    srv = b"mx%d.example" % hop
    ar = b"Authentication-Results: " + srv + b"; spf=pass smtp.mailfrom=example.com"
    msg = ar + (b"; arc=pass" if hop > 1 else b"") + b"\r\n" + msg
    a = dkim.ARC(msg, signature_algorithm=alg)
    fields = a.sign(b"s%d" % hop, b"hop%d.example" % hop, read(os.path.join(DATA, "rfc8463-rsa.pem")),
                    srv, include_headers=[b"from", b"to", b"subject", b"date",
                                          b"arc-authentication-results"], timestamp=1528637909)
    return b"".join(f if f.endswith(b"\r\n") else f + b"\r\n" for f in fields) + msg


def arc():
    """the shapes the ValiMail suite exercises, sealed by dkimpy: 1-3 hops,
    then broken structure (gap, duplicate, cv=fail, bad i=, h= with the
    seal, AAR without its ';'), tampering, rsa-sha1"""
    plain = b"From: a@example.com\r\nTo: b@example.org\r\nSubject: arc\r\n" \
            b"Date: Sun, 10 Jun 2018 13:38:29 +0000\r\n\r\nHi.\r\n\r\n"
    put("arc", "none", b"\x00" + plain)
    one = arc_seal(plain, 1)
    two = arc_seal(one, 2)
    three = arc_seal(two, 3)
    for name, m in (("i1", one), ("i2", two), ("i3", three)):
        put("arc", name, b"\x00" + m)
        put("arc", name + "-chunked", b"\xf0" + m)
    put("arc", "i2-servfail", b"\x02" + two)
    put("arc", "i2-timeout", b"\x03" + two)
    put("arc", "i2-nxdomain", b"\x01" + two)
    head, body = two.split(b"\r\n\r\n", 1)
    fields = re.split(rb"\r\n(?![ \t])", head)
    def variant(name, fs, tail=body):
        put("arc", name, b"\x00" + b"\r\n".join(fs) + b"\r\n\r\n" + tail)
    variant("body-changed", fields, body + b"more\r\n")
    variant("no-seal-1", [f for f in fields if not (f.startswith(b"ARC-Seal") and b"i=1;" in f)])
    variant("dup-aar", fields[:1] + fields)
    variant("cv-fail", [f.replace(b"cv=pass", b"cv=fail") for f in fields])
    variant("i-zero", [f.replace(b"i=1;", b"i=0;") for f in fields])
    variant("i-51", [f.replace(b"i=2;", b"i=51;") for f in fields])
    variant("h-seal", [f.replace(b"h=from", b"h=arc-seal:from") for f in fields])
    variant("aar-no-semi", [f.replace(b"i=1;", b"i=1") if f.startswith(b"ARC-Authentication")
                            else f for f in fields])
    variant("lf", [f.replace(b"\r\n", b"\n") for f in fields])
    put("arc", "sha1", b"\x04" + arc_seal(plain, 1, b"rsa-sha1"))
    put("arc", "over-fifty-sets", b"\x00" + (fields[2] + b"\r\n") * 151 + b"\r\n" + body)


def config():
    put("config", "example", read(os.path.join(SRC, "config", "examples", "dkimmod.conf")))
    full = b'''signing = {
  sender_from = "sender_then_from";
  defaults = { a = "ed25519-sha256"; c = "simple/relaxed"; s = "s1"; x = 86400;
               h = "From:To:Subject"; oversign = ""; };
  sender_map = (
    { sender = "example.com"; sign = ( { d = "$senderdomain"; i = "$sender"; key = "/k/$senderdomain.key"; },
                                       { d = "example.com"; s = "s2"; a = "rsa-sha256"; key = "/k/rsa.key"; } ); },
    { sender = "a@example.com"; sign = ( { d = "example.com"; key = "/k/a.key"; } ); },
    { sender = "."; sign = (); }
  );
};
spawn = { next_hop = "unix:/run/x"; spool_directory = "/var/tmp"; spool_memory_max = 1048576;
          message_size_max = 10240000; timeout_command = 300; timeout_data = 600; on_error = "relay"; };
verifying = { authserv_id = "mx.example.net"; max_signatures = 5; nameserver = "[::1]:53";
              dns_timeout = 5; clock_drift = 300; accept_rsa_sha1 = false; };
\0next_hop=127.0.0.1:25
timeout_data=1
message_size_max=-1
nosuch=1
'''
    put("config", "full", full)
    cases = {
        "empty": b"", "garbage": b"signing = { sender_map = ( { sender = ; } ) ",
        "include-missing": b'@include "/nonexistent/x.conf"\n',
        "bad-types": b'signing = { sender_map = 3; }; spawn = { next_hop = 5; timeout_data = "x"; };',
        "utf8-domain": 'signing = { sender_map = ( { sender = "b\u00fccher.example"; sign = ( { d = "b\u00fccher.example"; s = "s"; key = "/k"; } ); } ); };'.encode(),
        "macro": b'signing = { sender_map = ( { sender = "."; sign = ( { d = "$sender$senderdomain$"; s = "$"; key = "/$sender"; } ); } ); };',
        "mapdir": b'signing = { sender_map_dir = "/nonexistent"; };',
    }
    for k, v in cases.items():
        put("config", k, v)


def smtp():
    msg = b"From: a@example.com\r\nSubject: x\r\n\r\nbody\r\n"
    base = b"EHLO client\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.net>\r\nDATA\r\n"
    put("smtp", "session", b"\x00" + base + msg + b".\r\nQUIT\r\n")
    for name, seq in (("lf-dot-lf", b"\n.\n"), ("cr-dot-cr", b"\r.\r"), ("lf-dot-crlf", b"\n.\r\n"),
                      ("crlf-dot-lf", b"\r\n.\n"), ("dot-cr-crlf", b"\r\n.\r\r\n")):
        smuggled = b"MAIL FROM:<evil@example.com>\r\nRCPT TO:<x@example.net>\r\nDATA\r\nevil\r\n"
        put("smtp", "smuggle-" + name, b"\x00" + base + b"From: a@b\r\n\r\nx" + seq + smuggled + b".\r\n")
    put("smtp", "dot-stuffed", b"\x00" + base + b"\r\n..\r\n...x\r\n.\r\r\n..\n.\r\n")
    put("smtp", "empty-data", b"\x00DATA\r\n.\r\n")
    put("smtp", "pipelined-flood", b"\x00" + b"NOOP\r\n" * 2000 + b"RSET\n" * 100)
    put("smtp", "long-line", b"\x00" + b"MAIL FROM:<" + b"a" * 10000 + b">\r\nDATA\r\n" + b"x" * 70000 + b"\r\n.\r\n")
    put("smtp", "nul", b"\x00HELO \0x\r\nDATA\r\n\0\r\n.\r\n")
    put("smtp", "eof-in-data", b"\x00DATA\r\nunterminated")
    put("smtp", "xforward", b"\x00XFORWARD NAME=mail.example ADDR=IPv6:2001:DB8::1 PORT=4711\r\n"
        b"XFORWARD PROTO=ESMTP HELO=[192.0.2.1]+20x IDENT=4QxFwD1 SOURCE=REMOTE\r\n"
        b"XFORWARD ADDR=[UNAVAILABLE] NAME=[TEMPUNAVAIL]\r\nXFORWARD HELO=a+00b NAME=a..b\r\n"
        b"XFORWARD PORT=70000 SOURCE=mars LOGIN=x\r\nXFORWARD\r\nXFORWARD HELO=+2B+3D+ZZ\r\n")
    put("smtp", "reply-ehlo", b"\x01220 hi ESMTP\r\n250-next.example\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n"
        b"250-STARTTLS\r\n250-CHUNKING\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250-DSN\r\n250-XFORWARD NAME ADDR\r\n"
        b"250-ENHANCEDSTATUSCODES\r\n250 AUTH PLAIN\r\n354 go\r\n250 2.0.0 Ok: queued as ABC\r\n")
    put("smtp", "reply-bad", b"\x01250-a\r\n251 b\r\n2x0 c\r\n250\r\n" + b"250-x\r\n" * 101 + b"250 end\r\n")
    put("smtp", "reply-size", b"\x01250-x\r\n250-SIZE\r\n250-SIZE 0\r\n250-SIZE 99999999999999999999999\r\n250 SIZE -1\r\n")


def session():
    msg = (b"From: Alice <alice@example.net>\r\nTo: bob@example.com\r\nSubject: hi\r\n"
           b"Date: Sat, 28 Nov 2026 12:00:00 +0000\r\nMessage-ID: <1@example.net>\r\n\r\n"
           b"Hello.\r\n..dot\r\n")
    tx = (b"XFORWARD NAME=client.example ADDR=192.0.2.1 IDENT=4QABC\r\n"
          b"MAIL FROM:<alice@example.net> SIZE=200\r\nRCPT TO:<bob@example.com>\r\nDATA\r\n")
    full = b"EHLO postfix.example\r\n" + tx + msg + b".\r\n" + tx + msg + b".\r\nQUIT\r\n"
    for ctl in (0, 1, 2, 4, 8, 16, 32, 64):
        put("session", "two-messages-%02x" % ctl, bytes([ctl]) + full)
    put("session", "pipelined", b"\x00EHLO x\r\n" + tx + msg + b".\r\nRSET\r\nNOOP\r\nQUIT\r\n")
    put("session", "big-spills", b"\x00EHLO x\r\n" + tx + msg + b"x" * 5000 + b"\r\n.\r\nQUIT\r\n")
    put("session", "too-big", b"\x10EHLO x\r\n" + tx + msg + b"y" * 600 + b"\r\n.\r\nQUIT\r\n")
    put("session", "smuggle", b"\x00EHLO x\r\n" + tx + msg + b"a\n.\nMAIL FROM:<e@x>\r\nRCPT TO:<v@y>\r\n"
        b"DATA\r\nevil\r\n.\r\nQUIT\r\n")
    put("session", "out-of-order", b"\x00DATA\r\nRCPT TO:<a@b>\r\nMAIL FROM:<a@b>\r\nMAIL FROM:<a@b>\r\n"
        b"DATA x\r\nSTARTTLS\r\nAUTH PLAIN\r\nBDAT 10 LAST\r\nHELO h\r\nQUIT\r\n")
    put("session", "odd-from", b"\x00EHLO x\r\n" + tx + b"From: a@b\xc3\xbc.example\r\nFrom: b@c\r\n\r\nx\r\n.\r\n"
        + tx + b"From: =?utf-8?q?x?= <@>\r\n\r\n.\r\n" + tx + b"Subject: no from\r\n\r\n.\r\n")
    put("session", "bad-lines", b"\x00EHLO \0x\r\nNOOP\rX\r\n" + b"N" * 5000 + b"\r\nQUIT\r\n")
    put("session", "eof-in-data", b"\x00EHLO x\r\n" + tx + b"From: a@b.example\r\n\r\npartial")


def keyder():
    """fuzz-keyder.c: byte 0 picks PEM (0), PKCS#1 DER (1), PKCS#8 DER (2)
    or a walk of der.c (3). The test keys in their forms, plus odd DER."""
    rsa8 = read(os.path.join(DATA, "rsa2048.pem"))
    rsa1 = read(os.path.join(DATA, "rsa2048-pkcs1.pem"))
    ed8 = read(os.path.join(DATA, "ed25519.pem"))
    put("keyder", "pem-pkcs8-rsa", b"\x00" + rsa8)
    put("keyder", "pem-pkcs1-rsa", b"\x00" + rsa1)
    put("keyder", "pem-pkcs8-ed25519", b"\x00" + ed8)
    put("keyder", "pem-encrypted", b"\x00" + read(os.path.join(DATA, "rsa1024-encrypted.pem")))
    d1 = base64.b64decode(b"".join(rsa1.splitlines()[1:-1]))
    d8 = der(os.path.join(DATA, "rsa2048.pem"), pub=False)
    de = der(os.path.join(DATA, "ed25519.pem"), pub=False)
    put("keyder", "der-pkcs1", b"\x01" + d1)
    put("keyder", "der-pkcs8-rsa", b"\x02" + d8)
    put("keyder", "der-pkcs8-ed25519", b"\x02" + de)
    put("keyder", "der-trailing", b"\x02" + de + b"\x00")
    put("keyder", "der-long-length", b"\x02\x30\x83\xff\xff\xff" + de[2:])
    put("keyder", "der-nonminimal-length", b"\x02\x30\x81" + de[1:])
    put("keyder", "der-negative-version", b"\x01\x30\x03\x02\x01\xff")
    put("keyder", "walk", b"\x03" + d8)


def dnsfile():
    put("dnsfile", "every-form",
        "# comment\nexample.com TXT \"v=spf1 \" \"mx -all\"\nexample.com TXT plain words\n"
        "example.com A 192.0.2.1\nexample.com AAAA 2001:db8::1\nexample.com MX 10 mail.example.com\n"
        "1.2.0.192.in-addr.arpa PTR example.com\nsel._domainkey.example.com v=DKIM1; p=AB\n"
        "alias.example CNAME example.com\nloop.example CNAME loop.example\n"
        "dead.example TIMEOUT\nhalf.example A SERVFAIL\ngone.example NXDOMAIN\n"
        "esc.example TXT \"a\\\"b\\\\c\\065\\000\" ( \"x\" )\n")
    put("dnsfile", "bad-lines", "x A 300.1.1.1\n")
    put("dnsfile", "unterminated", "x TXT \"open\n")
    put("dnsfile", "cname-chain", "".join("c%d.example CNAME c%d.example\n" % (i, i + 1) for i in range(12)))


def dns_name(name):
    out = b""
    for label in name.split("."):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def dns_response(qname, qtype, answers, rcode=0, flags=0):
    """answers: (owner or None for a pointer to the question, type, rdata)"""
    import struct
    p = struct.pack(">HHHHHH", 0x1234, 0x8180 | flags | rcode, 1, len(answers), 0, 0)
    p += dns_name(qname) + struct.pack(">HH", qtype, 1)
    for owner, rtype, rdata in answers:
        p += b"\xc0\x0c" if owner is None else dns_name(owner)
        p += struct.pack(">HHIH", rtype, 1, 300, len(rdata)) + rdata
    return p


def dnswire():
    put("dnswire", "a", dns_response("example.com", 1, [(None, 1, bytes([192, 0, 2, 1]))]))
    put("dnswire", "aaaa", dns_response("example.com", 28, [(None, 28, bytes(range(16)))]))
    put("dnswire", "mx-compressed", dns_response("example.com", 15, [(None, 15, b"\0\x0a\x04mail\xc0\x0c")]))
    put("dnswire", "txt-strings", dns_response("example.com", 16, [(None, 16, b"\x07v=spf1 \x04-all\x00")]))
    put("dnswire", "ptr", dns_response("1.2.0.192.in-addr.arpa", 12, [(None, 12, dns_name("host.example"))]))
    put("dnswire", "cname-chain", dns_response("www.example", 1, [
        (None, 5, dns_name("a.example")), ("a.example", 5, dns_name("b.example")),
        ("b.example", 1, bytes([192, 0, 2, 9])), ("b.example", 1, b"\1\2\3")]))
    put("dnswire", "cname-loop", dns_response("www.example", 1, [
        (None, 5, dns_name("a.example")), ("a.example", 5, b"\xc0\x0c")]))
    put("dnswire", "pointer-loop", dns_response("x.example", 16, [(None, 15, b"\0\1\xc0\x2b")]))
    put("dnswire", "nxdomain", dns_response("x.example", 1, [], rcode=3))
    put("dnswire", "truncated-tc", dns_response("x.example", 16, [], flags=0x200))
    put("dnswire", "short", dns_response("x.example", 1, [(None, 1, bytes([1, 2, 3, 4]))])[:-3])


def spf():
    zone = ('x.example TXT "v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 a mx ptr:%{d} '
            'include:inc.%{d} exists:%{ir}.%{l1r-}.e.%{d} ~all exp=why.%{d}"\n'
            'x.example A 192.0.2.9\nx.example MX 10 mail.x.example\nmail.x.example A 192.0.2.10\n'
            '1.2.0.192.in-addr.arpa PTR mail.x.example\n'
            'inc.x.example TXT "v=spf1 redirect=r.x.example"\nr.x.example TXT "v=spf1 -all"\n'
            'why.x.example TXT "%{i} is not %{d} (%{p}, %{c}, %{r}, %{t})"\n')
    put("spf", "check-host-v4", b"\x00" + zone.encode())
    put("spf", "check-host-v6", b"\x01" + zone.encode())
    put("spf", "include-loop", b"\x00x.example TXT \"v=spf1 include:x.example -all\"\n")
    put("spf", "many-lookups", b"\x00x.example TXT \"v=spf1" + b"".join(b" a:h%d.example" % i for i in range(15))
        + b" -all\"\n")
    put("spf", "voids", b"\x00x.example TXT \"v=spf1 a:n1.example mx:n2.example exists:n3.example -all\"\n")
    put("spf", "timeouts", b"\x00x.example TXT \"v=spf1 mx -all\"\nx.example MX 1 m.example\nm.example TIMEOUT\n")
    put("spf", "two-records", b"\x00x.example TXT \"v=spf1 -all\"\nx.example TXT \"v=spf1 +all\"\n")
    put("spf", "record-macros", b"\x80a:%{d}/24//64 -include:%{ir}.%{v}._spf.%{d2} exp=%{l}x.example\0"
        b"%{ir}.%{v}.%{L1r-}.%{d9}.%%.%_.%-.example")
    put("spf", "record-bad", b"\x80a:foo.123 ip4:1.2.3.4/33 redirect=a redirect=b\0%{z}%")
    put("spf", "macro-digits", b"\x80all\0%{d4294967296r.-+,/_=}.example")


for f in (tagparse, keyrecord, keyder, msgparse, canon, authres, verifier, arc, config, smtp, session,
          dnsfile, dnswire, spf):
    f()
