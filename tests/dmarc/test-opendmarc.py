#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""test-opendmarc.py - our DMARC against OpenDMARC's library on generated cases (TAP).

usage: test-opendmarc.py OPENDMARC-CHECK

Generates cases (aligned and unaligned DKIM and SPF, relaxed and strict,
subdomains with and without sp=, missing, broken and duplicate records,
From fields with several addresses, public suffixes with two labels),
serves their records from dnsmasq on 127.0.0.1 for libopendmarc, and runs
tests/dmarc/opendmarc-check, which evaluates each case by OpenDMARC
(Debian's libopendmarc 1.4.2, RFC 7489 with the publicsuffix package's
list) and by our module in both standards. Our RFC 7489 mode must agree
with OpenDMARC except for the deviations docs/interop.md lists, each
asserted here as a deviation (so a change on either side shows).
dnsmasq missing is a failure: it is a listed test dependency.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from loopback import free_port  # noqa: E402

CHECK = sys.argv[1]
DNSMASQ = "/usr/sbin/dnsmasq"
TMP = tempfile.mkdtemp(prefix="dkimmod-opendmarc.")


def cases():
    """(name, from, dkim, spf, records, deviation) where records are (name, txt)
    and deviation names the docs/interop.md entry when OpenDMARC differs."""
    out = []
    n = 0
    for suffix in ("com", "co.uk"):
        for policy in ("none", "quarantine", "reject"):
            for sp in (None, "none", "reject"):
                for adkim in ("r", "s"):
                    for aspf in ("r", "s"):
                        for author_sub in (False, True):
                            for ident in ("same", "sub", "parent", "other", "nothing"):
                                for method in ("dkim", "spf", "dkimfail"):
                                    n += 1
                                    org = "c%d.%s" % (n, suffix)
                                    author = ("news." + org) if author_sub else org
                                    ident_dom = {"same": author, "sub": "mail." + author,
                                                 "parent": org, "other": "other%d.%s" % (n, suffix),
                                                 "nothing": None}[ident]
                                    rec = "v=DMARC1; p=%s" % policy
                                    if sp:
                                        rec += "; sp=%s" % sp
                                    rec += "; adkim=%s; aspf=%s" % (adkim, aspf)
                                    dkim = spf = ""
                                    if ident_dom and method == "dkim":
                                        dkim = ident_dom + "=pass"
                                    elif ident_dom and method == "dkimfail":
                                        dkim = ident_dom + "=fail"
                                    elif ident_dom:
                                        spf = ident_dom + "=pass"
                                    strict = ((method == "dkim" and adkim == "s")
                                              or (method == "spf" and aspf == "s"))
                                    dev = ("strict-subdomain" if ident == "sub" and strict
                                           and not author_sub else None)
                                    out.append(("gen-%d %s p=%s sp=%s adkim=%s aspf=%s %s %s %s"
                                                % (n, author, policy, sp, adkim, aspf, ident,
                                                   method, suffix),
                                                "a@" + author, dkim, spf,
                                                [("_dmarc." + org, rec)], dev))
    n += 1
    # missing record; record only at the author's own subdomain level
    out.append(("missing", "a@m%d.com" % n, "m%d.com=pass" % n, "", [], None))
    n += 1
    out.append(("own-subdomain-record", "a@x.s%d.com" % n, "", "",
                [("_dmarc.x.s%d.com" % n, "v=DMARC1; p=reject")], None))
    # broken records
    for i, bad in enumerate(["v=DMARC1; p=bogus", "v=DMARC1", "v=DMARC1; sp=reject",
                             "v=DMARC1; p=reject; pct=abc", "v=DMARC1; p=reject; adkim=x",
                             "v=DMARC1;p=reject", "v=DMARC1 ; p = reject",
                             "v=DMARC1; p=bogus; rua=mailto:r@example.com",
                             "v=dmarc1; p=reject", "v=DMARC1; P=REJECT",
                             "p=reject; v=DMARC1", "v=DMARC1; p=reject; np=bogus"]):
        n += 1
        dev = {"v=DMARC1; p=reject; adkim=x": "bad-optional-value",
               "v=DMARC1; p=bogus; rua=mailto:r@example.com": "bad-p-rua",
               "p=reject; v=DMARC1": "version-not-first"}.get(bad)
        out.append(("broken %d: %s" % (i, bad), "a@b%d.com" % n, "", "",
                    [("_dmarc.b%d.com" % n, bad)], dev))
    # two records at one name
    n += 1
    out.append(("duplicate records", "a@d%d.com" % n, "", "",
                [("_dmarc.d%d.com" % n, "v=DMARC1; p=reject"),
                 ("_dmarc.d%d.com" % n, "v=DMARC1; p=none")], "duplicate"))
    # a non-DMARC TXT beside the record
    n += 1
    out.append(("record beside spf", "a@t%d.com" % n, "", "",
                [("_dmarc.t%d.com" % n, "v=spf1 -all"), ("_dmarc.t%d.com" % n, "v=DMARC1; p=reject")],
                None))
    # From with several addresses: one domain, two domains
    n += 1
    out.append(("from two addresses one domain", "a@f%d.com, b@f%d.com" % (n, n),
                "f%d.com=pass" % n, "", [("_dmarc.f%d.com" % n, "v=DMARC1; p=reject")], None))
    n += 1
    out.append(("from two domains", "a@g%d.com, b@h%d.com" % (n, n), "", "",
                [("_dmarc.g%d.com" % n, "v=DMARC1; p=reject")], "multi-from"))
    n += 1
    out.append(("from display name", "\"Alice\" <a@k%d.com>" % n, "k%d.com=pass" % n, "",
                [("_dmarc.k%d.com" % n, "v=DMARC1; p=reject")], None))
    return out


def main():
    if not os.access(DNSMASQ, os.X_OK):
        print("1..1\nnot ok 1 - dnsmasq missing (dnsmasq-base, tools/debian-packages)")
        return 1
    all_cases = cases()
    port = free_port()
    if port is None:
        print("1..1\nnot ok 1 - no free loopback port")
        return 1
    conf = os.path.join(TMP, "dnsmasq.conf")
    with open(conf, "w") as f:
        f.write("no-resolv\nno-hosts\nno-poll\nlocal=/com/\nlocal=/uk/\n"
                "listen-address=127.0.0.1\nbind-interfaces\nport=%d\n" % port)
        for c in all_cases:
            for name, txt in c[4]:
                f.write('txt-record=%s,"%s"\n' % (name, txt.replace('"', '\\"')))
    log = open(os.path.join(TMP, "dnsmasq.log"), "wb")
    dns = subprocess.Popen([DNSMASQ, "-k", "--conf-file=" + conf, "--pid-file=",
                            "--log-facility=-"], stdout=log, stderr=log)
    try:
        for _ in range(100):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            try:
                s.connect(("127.0.0.1", port))
                break
            except OSError:
                time.sleep(0.05)
            finally:
                s.close()
        lines = []
        for c in all_cases:
            zone = "|".join("%s TXT %s" % (name, txt) for name, txt in c[4])
            lines.append("\t".join([c[1], c[2], c[3], zone]))
        p = subprocess.run([CHECK, str(port)], input="\n".join(lines) + "\n",
                           capture_output=True, text=True, timeout=120)
    finally:
        dns.send_signal(signal.SIGTERM)
        dns.wait(timeout=10)
        shutil.rmtree(TMP, ignore_errors=True)
    outs = p.stdout.splitlines()
    print("1..%d" % (len(all_cases) + 1))
    print(("ok" if p.returncode == 0 and len(outs) == len(all_cases) else "not ok")
          + " 1 - driver ran every case (exit %d) %s" % (p.returncode, p.stderr.strip()[:200]))
    bad = 0
    for i, (c, o) in enumerate(zip(all_cases, outs)):
        got = dict(kv.split("=", 1) for kv in o.split())
        same = got["opendmarc"] == got["rfc7489"]
        dev = c[5]
        good = same if dev is None else not same
        bad += not good
        print("%s %d - %s: %s%s" % ("ok" if good else "not ok", i + 2, c[0], o,
                                   "" if dev is None else " (deviation %s)" % dev))
    return 1 if bad or p.returncode != 0 else 0


sys.exit(main())
