#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""make-messages.py - write the interop test messages (tests/interop/messages/).

Each message is kept in the CRLF form SMTP carries, byte for byte as the
signer sees it after DATA. The files are committed; this script documents
how each was made and regenerates them identically:

    /usr/bin/python3 tests/interop/make-messages.py tests/interop/messages

Every message exercises something a canonicalizer or a header parser can get
wrong (RFC 6376 sections 3.4.1 to 3.4.4, RFC 5322 sections 2.2 and 3.6).
"""

import os
import sys

CRLF = "\r\n"
BASE = [
    "Received: from client.example.org (client.example.org [192.0.2.10])",
    "\tby mx.example.net (Postfix) with ESMTPSA id 4AbCdE1234",
    "\tfor <bob@example.com>; Sat, 28 Nov 2026 10:00:00 +0000 (UTC)",
    "From: Alice Example <alice@example.net>",
    "To: Bob <bob@example.com>",
    "Subject: Interop test",
    "Date: Sat, 28 Nov 2026 10:00:00 +0000",
    "Message-ID: <interop-{n}@example.net>",
]
BODY = ["Hello Bob,", "", "this is a test message.", "", "-- ", "Alice"]


def msg(n, headers=None, body=None, extra=None, final_crlf=True):
    """Header lines (LF-free strings) and body lines joined with CRLF."""
    h = [x.format(n=n) for x in (headers if headers is not None else BASE)]
    h += extra or []
    b = body if body is not None else BODY
    text = CRLF.join(h) + CRLF + CRLF + CRLF.join(b)
    if final_crlf and b:
        text += CRLF
    return text


def base_with(n, **replace):
    """BASE with some fields replaced (keyed by lower-case name, "-" as "_",
    "from_" for From) or removed (None); continuation lines follow their field."""
    replace = {k.rstrip("_"): v for k, v in replace.items()}
    out = []
    skipping = False
    for line in BASE:
        if line.startswith(("\t", " ")):
            if not skipping:
                out.append(line)
            continue
        key = line.split(":", 1)[0].lower().replace("-", "_")
        skipping = key in replace
        if not skipping:
            out.append(line)
        elif replace[key] is not None:
            out.extend(replace[key] if isinstance(replace[key], list) else [replace[key]])
    return out


def messages():
    m = {}
    m["01-plain"] = msg(1)
    m["02-folded-headers"] = msg(2, base_with(
        2,
        to=["To: Bob <bob@example.com>,", "  Carol <carol@example.com>,", "\tDave <dave@example.com>"],
        subject=["Subject: a subject", " folded over", "\tthree lines"]))
    m["03-duplicate-headers"] = msg(3, [
        "Received: from a.example.org by b.example.net; Sat, 28 Nov 2026 10:00:01 +0000",
        "Received: from c.example.org by a.example.org; Sat, 28 Nov 2026 10:00:00 +0000",
        "From: alice@example.net",
        "To: bob@example.com",
        "To: carol@example.com",
        "Subject: two To fields, two Received",
        "Date: Sat, 28 Nov 2026 10:00:00 +0000",
    ])
    m["04-utf8-body"] = msg(4, extra=[
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
        "Content-Transfer-Encoding: 8bit",
    ], body=["Grüße aus Köln, naïve café, 日本語のテキスト, emoji 🙂.", "", "Ελληνικά — ещё."])
    m["05-empty-body"] = msg(5, body=[])
    m["06-header-only-no-separator"] = CRLF.join(x.format(n=6) for x in BASE) + CRLF
    m["07-no-final-crlf"] = msg(7, body=["last line has no CRLF"], final_crlf=False)
    m["08-trailing-blank-lines"] = msg(8, body=["text", "", "", "", ""])
    m["09-whitespace-runs"] = msg(9, base_with(
        9, subject="Subject:   lots   of\t\tspace  \t ",
        to="To:\tBob   <bob@example.com>  "),
        body=["a  b\t\tc   ", " leading space", "\tleading tab", "trailing tab\t", "x \t y"])
    m["10-long-lines"] = msg(10, body=["L" * 990, ("word " * 195).rstrip(), "short"])
    m["11-multipart-alternative"] = msg(11, extra=[
        "MIME-Version: 1.0",
        'Content-Type: multipart/alternative; boundary="b1=_x"',
    ], body=[
        "This is a multi-part message in MIME format.",
        "",
        "--b1=_x",
        "Content-Type: text/plain; charset=us-ascii",
        "",
        "plain part",
        "",
        "--b1=_x",
        "Content-Type: text/html; charset=us-ascii",
        "",
        "<html><body><p>html part</p></body></html>",
        "",
        "--b1=_x--",
        "",
    ])
    m["12-dot-lines"] = msg(12, body=[".", "..", ".leading dot", "...", "a.", ". ."])
    m["13-no-space-after-colon"] = msg(13, base_with(
        13, subject="Subject:no space", to="To:bob@example.com",
        from_="From:alice@example.net"))
    m["14-long-subject-folded"] = msg(14, base_with(
        14, subject=["Subject: =?UTF-8?Q?Une_tr=C3=A8s_longue_ligne_d=27objet_qui_d=C3=A9passe?=",
                     " =?UTF-8?Q?_largement_les_78_colonnes_recommand=C3=A9es_par_la_RFC?=",
                     " =?UTF-8?Q?_5322_et_qui_doit_donc_=C3=AAtre_pli=C3=A9e?= plus some",
                     " plain words at the end of it"]))
    m["15-cc-present"] = msg(15, extra=["Cc: Carol <carol@example.com>, dave@example.com"])
    m["16-reply-to"] = msg(16, extra=["Reply-To: Alice Replies <replies@example.net>"])
    m["17-lowercase-names"] = msg(17, [
        "from: alice@example.net",
        "to: bob@example.com",
        "subject: lower-case field names",
        "date: Sat, 28 Nov 2026 10:00:00 +0000",
        "message-id: <interop-17@example.net>",
        "mime-version: 1.0",
    ])
    m["18-whitespace-only-lines"] = msg(18, body=["text", "  ", "\t", "more text", " \t ", "", "   "])
    m["19-wsp-before-colon"] = msg(19, base_with(
        19, subject="Subject : space before the colon", to="To\t: bob@example.com"))
    m["20-multipart-mixed-base64"] = msg(20, extra=[
        "MIME-Version: 1.0",
        'Content-Type: multipart/mixed; boundary="=_mixed"',
        "In-Reply-To: <parent@example.com>",
        "References: <root@example.com>",
        "\t<parent@example.com>",
    ], body=[
        "--=_mixed",
        "Content-Type: text/plain; charset=utf-8",
        "Content-Transfer-Encoding: quoted-printable",
        "",
        "Voil=C3=A0 le fichier.",
        "",
        "--=_mixed",
        "Content-Type: application/octet-stream; name=\"data.bin\"",
        "Content-Transfer-Encoding: base64",
        "Content-Disposition: attachment; filename=\"data.bin\"",
        "",
        "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4",
        "OTo7PD0+P0BBQkNERUZHSElKS0xNTk9QUVJTVFVWV1hZWltcXV5fYGFiY2RlZmdoaWprbG1ub3Bx",
        "cnN0dXZ3eHl6e3x9fn8=",
        "",
        "--=_mixed--",
    ])
    m["21-mixed-case-duplicates"] = msg(21, [
        "From: alice@example.net",
        "TO: bob@example.com",
        "To: carol@example.com",
        "SUBJECT: upper-case names",
        "Date: Sat, 28 Nov 2026 10:00:00 +0000",
    ])
    m["22-empty-header-values"] = msg(22, extra=["X-Empty:", "X-Spaces:   ", "Comments: "])
    m["23-body-one-empty-line"] = msg(23, body=[""])
    m["24-large-body"] = msg(24, body=["%05d The quick brown fox jumps over the lazy dog. %s" % (i, "x" * (i % 37))
                                       for i in range(1500)])
    m["25-utf8-headers"] = msg(25, base_with(
        25, subject="Subject: Grüße — SMTPUTF8 header", from_="From: Zoë <zoe@example.net>",
        to="To: José <jose@example.com>"))
    m["26-long-unfolded-header"] = msg(26, extra=["X-Long: " + " ".join("token%03d" % i for i in range(100))])
    m["27-body-crlf-runs-inside"] = msg(27, body=["a", "", "", "b", "", "", "", "c"])
    m["28-folded-from"] = msg(28, base_with(28, from_=["From:", " Alice Example", "\t<alice@example.net>"]))
    return m


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "messages")
    os.makedirs(out, exist_ok=True)
    for name, text in sorted(messages().items()):
        with open(os.path.join(out, name + ".eml"), "wb") as f:
            f.write(text.encode("utf-8"))


if __name__ == "__main__":
    main()
