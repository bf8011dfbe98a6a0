#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""e2e.py CASE - end-to-end signing and verifying tests through a private Postfix.

Each CASE starts its own rig (rig.sh: private Postfix on loopback, dnsmasq
publishing the rig's keys, dkimmod-spawn as the signing filter), sends mail,
waits for delivery into the rig's Maildirs by polling with timeouts, and
checks the DKIM-Signature fields with dkimpy. Exit 77 when not root.

Rig signing setup (rig.sh): From example.net -> one rsa-sha256 signature
(s=mondomaine-dkim, the article's); From example.org -> two signatures
(s=rig-ed ed25519-sha256 and s=rig-rsa rsa-sha256); anything else unsigned.

Cases:
  baseline        the rig alone: no-filter listener delivers, dnsmasq answers
  submission      swaks -> submission (content_filter) -> Maildir, verified
  two-messages    two messages in one SMTP connection, then two transactions
                  in one connection straight to the filter, plus an unsigned
                  sender in between
  8bit            UTF-8 8BITMIME body arrives verified (Postfix downgrades to QP)
  nexthop-down    reinjection smtpd gone: deferred; restored + flush: exactly once
  unreadable-key  key unreadable by the filter: deferred 4xx; fixed + flush:
                  exactly once
  proxy           before-queue signing (smtpd_proxy_filter, RIG_PROXY_SUBMISSION)
  pickup          sendmail(1) -> pickup with content_filter -> signed
  inbound         port 25 stand-in (smtpd_proxy_filter -> dkimmod-spawn verify):
                  dkimpy-signed -> dkim=pass; tampered -> dkim=fail with the
                  reason; unsigned -> dkim=none with a forged A-R claiming
                  our authserv-id removed and another host's kept; mail
                  signed by our own submission path -> two dkim=pass
  inbound-dns-down  DNS stopped: dkim=temperror and delivered; with
                  on_temperror = tempfail the client gets 451 and nothing
                  is queued
  inbound-auth    issue 10 items 4 and 6, the one-pass authenticator: the
                  rig's dnsmasq serves TXT, A, AAAA, MX and PTR; unsigned
                  mail from 127.0.0.3 (swaks --local-interface) whose From
                  domain publishes p=reject is delivered with dmarc=fail
                  policy.dmarc=reject, and refused with 550 5.7.1 once
                  on_dmarc_reject = reject; the filter names the client
                  from XFORWARD before the queue (smtpd_proxy_filter) and
                  passes XFORWARD on; in the content_filter position
                  (smtp_send_xforward_command = yes, a verify filter added
                  to master.cf) it logs the queue id and the next hop logs
                  the original client 127.0.0.3; every delivered message's
                  Authentication-Results is read by python3-authres;
                  spf=fail from 127.0.0.3 and spf=pass (so dmarc=pass) from
                  127.0.0.2 for "v=spf1 ip4:127.0.0.2 -all"; a message
                  ARC-sealed by dkimpy as example.net gets arc=pass, is
                  refused for p=reject until dmarc_override_arc_sealers
                  names example.net, then accepted with the override in the
                  A-R; a tampered copy is refused
  rig-port-in-use a rig port already taken: start fails and leaves no
                  dnsmasq and no rig directory behind
  two-rigs        two rigs at once (two port bases, none of 10024-10028),
                  each signs through its own Postfix and logs to its own
                  maillog
  cli             the dkimmod tool ($DKIMMOD_CLI, else the build's): check-config
                  as the filter's user is OK for the rig's configuration, and
                  dkimmod verify (asking the rig's DNS) passes both signatures
                  of a message signed by the rig's submission path
  long-lines      a 2,000-byte body line and a 1,500-byte References field,
                  signed before the queue, then sent by the rig's outbound
                  smtp client (smtp_line_length_limit 998) to a recording
                  SMTP server on loopback: dkimpy verifies the bytes that
                  arrived; with smtp_line_length_limit = 0 in dkimmod.conf
                  (the behaviour before linefold.c) dkimpy says fail
"""

import os
import re
import shutil
import smtplib
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from loopback import free_port  # noqa: E402
from rigtest import Rig, RigError, expect, expect_signed, header_fields, run, signatures  # noqa: E402

ART = [("example.net", "mondomaine-dkim")]
DUAL = [("example.org", "rig-ed"), ("example.org", "rig-rsa")]

BODY_DOTS = "first line\n.a line starting with a dot\n..two dots\n.\nafter a lone dot\n"


def message(sender, rcpt, subject, body, extra=""):
    return ("From: <%s>\r\nTo: <%s>\r\nSubject: %s\r\n%s\r\n%s" %
            (sender, rcpt, subject, extra, body.replace("\n", "\r\n")))


def case_baseline():
    """The rig itself, without the filter: Postfix delivers, DNS answers."""
    with Rig() as rig:
        rig.swaks(rig.port("RIG_NOFILTER"), "alice@example.org", "bob@example.net",
                  "--header", "Subject: rig baseline")
        msgs = rig.wait_mail("example.net/bob", 1)
        expect(signatures(msgs[0]) == [], "signed without a filter?")
        txt = rig.dnsfunc()
        for d, s in ART + DUAL:
            rec = txt(("%s._domainkey.%s" % (s, d)).encode())
            expect(rec is not None and b"p=" in rec, "no key record for %s/%s: %r" % (d, s, rec))
        expect(txt(b"nosuch._domainkey.example.net") is None, "unknown selector resolves")
        rig.wait_empty()


def case_submission():
    with Rig() as rig:
        rig.swaks(rig.port("RIG_SUBMISSION"), "alice@example.org", "bob@example.net",
                  "--header", "Subject: rig test submission", "--body", BODY_DOTS)
        msgs = rig.wait_mail("example.net/bob", 1)
        expect(len(msgs) == 1, "expected 1 message, got %d" % len(msgs))
        expect_signed(rig, msgs[0], DUAL)
        # dot-stuffing survived the round trip through the filter
        body = msgs[0].split(b"\n\n", 1)[1]
        for line in (b"\n.a line starting with a dot\n", b"\n..two dots\n", b"\n.\nafter a lone dot"):
            expect(line in body, "body lost %r:\n%r" % (line, body))
        sig = signatures(msgs[0])
        expect(all(s.get("a") in ("rsa-sha256", "ed25519-sha256") for s in sig), "bad a= %s" % sig)
        expect("l" not in sig[0] and "t" in sig[0], "want t= and no l=: %s" % sig[0])
        rig.wait_empty()


def case_two_messages():
    with Rig() as rig:
        # 1. two messages in one connection to the submission service
        s = smtplib.SMTP("127.0.0.1", rig.port("RIG_SUBMISSION"), "client.rig.test", timeout=30)
        s.sendmail("carol@example.net", ["bob@example.net"],
                   message("carol@example.net", "bob@example.net", "first of two", "one\n"))
        s.sendmail("alice@example.org", ["bob@example.net"],
                   message("alice@example.org", "bob@example.net", "second of two", "two\n"))
        s.quit()
        msgs = rig.wait_mail("example.net/bob", 2)
        by_subject = {dict(header_fields(m)).get("Subject", b"").decode(): m for m in msgs}
        expect(set(by_subject) == {"first of two", "second of two"}, "subjects %s" % list(by_subject))
        expect_signed(rig, by_subject["first of two"], ART)
        expect_signed(rig, by_subject["second of two"], DUAL)

        # 2. three transactions in ONE connection straight to the filter's
        # spawn port: per-transaction state must be reset (signed, unsigned,
        # signed by another domain), and the replies must come back in order.
        f = smtplib.SMTP("127.0.0.1", rig.port("RIG_SIGN"), "client.rig.test", timeout=30)
        f.sendmail("alice@example.org", ["carol@example.net"],
                   message("alice@example.org", "carol@example.net", "direct 1", "d1\n"))
        f.sendmail("someone@example.com", ["carol@example.net"],
                   message("someone@example.com", "carol@example.net", "direct 2", "d2\n"))
        f.sendmail("carol@example.net", ["carol@example.net"],
                   message("carol@example.net", "carol@example.net", "direct 3", "d3\n"))
        f.quit()
        msgs = rig.wait_mail("example.net/carol", 3)
        expect(len(msgs) == 3, "expected 3 messages, got %d" % len(msgs))
        by_subject = {dict(header_fields(m)).get("Subject", b"").decode(): m for m in msgs}
        expect_signed(rig, by_subject["direct 1"], DUAL)
        expect(signatures(by_subject["direct 2"]) == [], "unmapped sender was signed")
        expect_signed(rig, by_subject["direct 3"], ART)
        rig.wait_empty()


def case_8bit():
    with Rig() as rig:
        text = "Grüße aus Köln, ½ € — ünïcödé\nzweite Zeile\n"
        msg = message("carol@example.net", "bob@example.net", "8bit test", text,
                      "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
                      "Content-Transfer-Encoding: 8bit\r\n").encode()
        s = smtplib.SMTP("127.0.0.1", rig.port("RIG_SUBMISSION"), "client.rig.test", timeout=30)
        s.sendmail("carol@example.net", ["bob@example.net"], msg, mail_options=["BODY=8BITMIME"])
        s.quit()
        msgs = rig.wait_mail("example.net/bob", 1)
        expect_signed(rig, msgs[0], ART)
        import email
        import email.policy
        m = email.message_from_bytes(msgs[0], policy=email.policy.default)
        expect(m.get_content() == text, "body changed: %r" % m.get_content())
        rig.wait_empty()


def case_nexthop_down():
    with Rig() as rig:
        reinject = rig.port("RIG_REINJECT")
        master = os.path.join(rig.etc, "master.cf")
        shutil.copy(master, master + ".orig")
        rig.postconf("-M#", "127.0.0.1:%d/inet" % reinject)
        rig.reload()
        rig.wait_port(reinject, "down")
        rig.swaks(rig.port("RIG_SUBMISSION"), "carol@example.net", "bob@example.net",
                  "--header", "Subject: next hop down")
        deferred = rig.wait_deferred()
        expect(len(deferred) == 1, "deferred: %s" % deferred)
        reason = deferred[0][1]
        # the filter's own 4xx (it connects to the next hop first), not a crash
        expect("127.0.0.1[127.0.0.1]" in reason and " 4" in reason, "delay reason: %s" % reason)
        expect(rig.messages("example.net/bob") == [], "delivered while next hop down")

        shutil.copy(master + ".orig", master)
        rig.reload()
        rig.wait_port(reinject, "up")
        rig.flush()
        msgs = rig.wait_mail("example.net/bob", 1)
        rig.wait_empty()
        msgs = rig.messages("example.net/bob")
        expect(len(msgs) == 1, "delivered %d times, want exactly once" % len(msgs))
        expect_signed(rig, msgs[0], ART)


def case_unreadable_key():
    with Rig() as rig:
        key = rig.key_path("mondomaine-dkim", "example.net")
        os.chmod(key, 0)   # root still reads it; the filter runs as dkimmod
        rig.swaks(rig.port("RIG_SUBMISSION"), "carol@example.net", "bob@example.net",
                  "--header", "Subject: unreadable key")
        deferred = rig.wait_deferred()
        expect(len(deferred) == 1, "deferred: %s" % deferred)
        reason = deferred[0][1]
        expect("said: 4" in reason, "want a 4xx reply from the filter: %s" % reason)
        expect(rig.messages("example.net/bob") == [], "delivered despite unreadable key")

        os.chmod(key, 0o600)
        rig.flush()
        rig.wait_mail("example.net/bob", 1)
        rig.wait_empty()
        msgs = rig.messages("example.net/bob")
        expect(len(msgs) == 1, "delivered %d times, want exactly once" % len(msgs))
        expect_signed(rig, msgs[0], ART)


def case_proxy():
    with Rig() as rig:
        rig.swaks(rig.port("RIG_PROXY_SUBMISSION"), "alice@example.org", "bob@example.net",
                  "--header", "Subject: before-queue signing", "--body", BODY_DOTS)
        msgs = rig.wait_mail("example.net/bob", 1)
        expect_signed(rig, msgs[0], DUAL)
        rig.wait_empty()


AUTHSERV = b"mx.rig.test"


def dkimpy_sign(rig, msg, body_after=None):
    """MSG (str, CRLF) signed with the rig's example.net key by dkimpy;
    BODY_AFTER replaces the body after signing (tampering)."""
    import dkim
    raw = msg.encode()
    with open(rig.key_path("mondomaine-dkim", "example.net"), "rb") as f:
        sig = dkim.sign(raw, b"mondomaine-dkim", b"example.net", f.read(),
                        canonicalize=(b"relaxed", b"relaxed"))
    if body_after is not None:
        raw = raw.split(b"\r\n\r\n", 1)[0] + b"\r\n\r\n" + body_after
    return sig.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n") + raw


def arc_seal(rig, raw):
    """RAW (bytes, CRLF) as a forwarder at example.net passes it on: its
    Authentication-Results first, then dkimpy's arc_sign ARC set (i=1,
    cv=none) with the rig's example.net key."""
    import dkim
    raw = (b"Authentication-Results: fwd.example.net; spf=pass"
           b" smtp.mailfrom=a@reject.example.com\r\n" + raw)
    with open(rig.key_path("mondomaine-dkim", "example.net"), "rb") as f:
        fields = dkim.arc_sign(raw, b"mondomaine-dkim", b"example.net", f.read(),
                               b"fwd.example.net")
    expect(len(fields) == 3, "dkimpy arc_sign: %r" % fields)
    return b"".join(f if f.endswith(b"\r\n") else f + b"\r\n" for f in fields) + raw


def send_inbound(rig, sender, rcpt, msg):
    s = smtplib.SMTP("127.0.0.1", rig.port("RIG_INBOUND"), "mail.sender.test", timeout=30)
    try:
        s.sendmail(sender, [rcpt], msg)
    finally:
        s.quit()


def our_results(msg):
    """The values of the Authentication-Results fields with our authserv-id."""
    return [v for n, v in header_fields(msg)
            if n.lower() == "authentication-results" and v.lower().startswith(AUTHSERV + b";")]


def case_inbound():
    with Rig() as rig:
        # our own signing path first: its output is the inbound test input
        rig.swaks(rig.port("RIG_SUBMISSION"), "alice@example.org", "dave@example.net",
                  "--header", "Subject: signed by dkimmod")
        ours = rig.wait_mail("example.net/catchall", 1)[0]
        send_inbound(rig, "carol@example.net", "bob@example.net",
                     dkimpy_sign(rig, message("carol@example.net", "bob@example.net",
                                              "dkimpy signed", "hello\n")))
        send_inbound(rig, "carol@example.net", "carol@example.net",
                     dkimpy_sign(rig, message("carol@example.net", "carol@example.net",
                                              "tampered", "pay 10\n"), b"pay 99\r\n"))
        forged = ("Authentication-Results: mx.rig.test; dkim=pass header.d=paypal.com\r\n"
                  "Authentication-Results: relay.other.test; spf=pass\r\n")
        send_inbound(rig, "someone@example.com", "someone@example.com",
                     forged + message("someone@example.com", "someone@example.com", "forged",
                                      "unsigned\n"))
        send_inbound(rig, "alice@example.org", "anyone@rig.test", ours)

        [passed] = rig.wait_mail("example.net/bob", 1)
        [ar] = our_results(passed)
        expect(re.match(rb"mx\.rig\.test; dkim=pass \(2048-bit key\) .*header\.d=example\.net "
                        rb".*header\.s=mondomaine-dkim header\.a=rsa-sha256 header\.b=", ar),
               "dkimpy-signed: %r" % ar)
        [failed] = rig.wait_mail("example.net/carol", 1)
        [ar] = our_results(failed)
        expect(b'dkim=fail' in ar and b'reason="body hash did not verify"' in ar,
               "tampered: %r" % ar)
        [unsigned] = rig.wait_mail("example.com/catchall", 1)
        [ar] = our_results(unsigned)
        expect(ar.startswith(b"mx.rig.test; dkim=none;") and b"dmarc=none" in ar,
               "unsigned: %r" % ar)
        expect(b"paypal" not in unsigned, "forged A-R still there:\n%s" % unsigned.decode())
        expect(b"Authentication-Results: relay.other.test; spf=pass" in unsigned,
               "another host's A-R removed")
        [roundtrip] = rig.wait_mail("rig.test/catchall", 1)
        [ar] = our_results(roundtrip)
        expect(ar.count(b"dkim=pass") == 2 and b"header.a=ed25519-sha256" in ar,
               "our own signatures: %r" % ar)
        log = rig.maillog()
        expect(len(re.findall(r"dkimmod-spawn\[\d+\]: NOQUEUE: DKIM verify - pass; "
                              r"client=\S+\[127\.0\.0\.1\], message-id=.*; next hop queued as "
                              r"[0-9A-F]+$", log, re.M)) == 2,
               "verify log lines:\n%s" % "\n".join(l for l in log.splitlines() if "verify" in l))
        rig.wait_empty()


def case_inbound_dns_down():
    with Rig() as rig:
        rig.sh("dns-stop")
        msg = dkimpy_sign(rig, message("carol@example.net", "bob@example.net", "dns down", "x\n"))
        send_inbound(rig, "carol@example.net", "bob@example.net", msg)
        [got] = rig.wait_mail("example.net/bob", 1)
        [ar] = our_results(got)
        expect(b"dkim=temperror" in ar and b"dmarc=temperror" in ar, "DNS down: %r" % ar)
        parse_authres(got)

        conf = os.path.join(rig.etc, "dkimmod.conf")
        with open(conf) as f:
            text = f.read()
        with open(conf, "w") as f:
            f.write(text.replace("dns_timeout = 2;", 'dns_timeout = 1;\n  on_temperror = "tempfail";'))
        try:
            send_inbound(rig, "carol@example.net", "carol@example.net", msg)
            raise RigError("accepted with on_temperror = tempfail")
        except smtplib.SMTPDataError as e:
            expect(e.smtp_code == 451 and b"4.7.5" in e.smtp_error, "reply %s" % e)
        rig.wait_empty()
        expect(rig.messages("example.net/carol") == [], "queued despite 451")


def parse_authres(msg):
    """Our Authentication-Results field read by python3-authres (an
    independent RFC 8601 parser): {method: result}."""
    import authres
    import authres.arc
    import authres.dmarc
    [value] = our_results(msg)
    unfolded = re.sub(rb"\r?\n[ \t]+", b" ", value).decode()
    h = authres.FeatureContext(authres.dmarc, authres.arc).parse(
        "Authentication-Results: " + unfolded)
    expect(h.authserv_id == "mx.rig.test", "authserv-id %r" % h.authserv_id)
    return {r.method: r.result for r in h.results}


# Records for the inbound-auth case, in dnsmasq's own forms (rig.sh
# dns-start appends etc/dns-extra.conf).
AUTH_DNS = """\
txt-record=_dmarc.reject.example.com,"v=DMARC1; p=reject"
txt-record=reject.example.com,"v=spf1 ip4:127.0.0.2 -all"
txt-record=_dmarc.example.net,"v=DMARC1; p=none"
host-record=mx.example.com,127.0.0.2,::2
mx-host=reject.example.com,mx.example.com,10
ptr-record=3.0.0.127.in-addr.arpa,other.example.com
"""


def dns_answers(rig, name, rdtype):
    import dns.resolver
    res = dns.resolver.Resolver(configure=False)
    res.nameservers = ["127.0.0.1"]
    res.port = rig.dns_port
    return sorted(r.to_text() for r in res.resolve(name, rdtype))


def send_status(port, sender, rcpt, msg, source="127.0.0.1"):
    """(code, text) of the end of DATA (or of the refused command)."""
    s = smtplib.SMTP("127.0.0.1", port, "mail.sender.test", timeout=30,
                     source_address=(source, 0))
    try:
        s.sendmail(sender, [rcpt], msg)
        return 250, b""
    except smtplib.SMTPDataError as e:
        return e.smtp_code, e.smtp_error
    finally:
        s.quit()


def delivered_results(rig, sender, rcpt, mailbox, msg, source):
    """MSG sent to the rig's inbound port from SOURCE must be accepted and
    delivered to MAILBOX: (our A-R's {method: result}, the message)."""
    code, text = send_status(rig.port("RIG_INBOUND"), sender, rcpt, msg, source=source)
    expect(code == 250, "refused from %s: %d %r" % (source, code, text))
    [got] = rig.wait_mail(mailbox, 1)
    return parse_authres(got), got


def add_content_filter_verify(rig):
    """An inbound smtpd with content_filter to a verify filter (the after-
    queue position: Postfix's smtp client sends XFORWARD with
    smtp_send_xforward_command = yes); returns its port."""
    inbound, filt = free_port(), free_port()
    spawn = rig.dir + "/bin/dkimmod-spawn"
    rig.postconf("-Me", "127.0.0.1:%d/inet=127.0.0.1:%d inet n - n - - smtpd"
                 " -o syslog_name=postfix/inbound-cf"
                 " -o content_filter=dkverify:[127.0.0.1]:%d" % (inbound, inbound, filt))
    rig.postconf("-Me", "dkverify/unix=dkverify unix - - n - 4 smtp"
                 " -o syslog_name=postfix/dkverify -o smtp_send_xforward_command=yes")
    rig.postconf("-Me", "127.0.0.1:%d/inet=127.0.0.1:%d inet n n n - 4 spawn"
                 " -o syslog_name=postfix/verify-cf-spawn user=dkimmod:postdrop"
                 " argv=%s -c %s/dkimmod.conf -o next_hop=127.0.0.1:%d verify"
                 % (filt, filt, spawn, rig.etc, rig.port("RIG_AFTERPROXY")))
    rig.reload()
    rig.wait_port(inbound, "up")
    rig.wait_port(filt, "up")
    return inbound


def set_verifying(rig, line):
    """Adds LINE to dkimmod.conf's verifying section (read per connection)."""
    conf = os.path.join(rig.etc, "dkimmod.conf")
    with open(conf) as f:
        text = f.read()
    with open(conf, "w") as f:
        f.write(text.replace("  dns_timeout = 2;", "  dns_timeout = 2;\n  " + line, 1))


def case_inbound_auth():
    with Rig() as rig:
        rig.sh("dns-stop")
        with open(os.path.join(rig.etc, "dns-extra.conf"), "w") as f:
            f.write(AUTH_DNS)
        rig.dns_port = int(rig.sh("dns-start").strip())
        # the record types SPF needs, from the rig's dnsmasq
        expect(dns_answers(rig, "reject.example.com", "TXT") == ['"v=spf1 ip4:127.0.0.2 -all"'],
               "TXT")
        expect(dns_answers(rig, "mx.example.com", "A") == ["127.0.0.2"], "A")
        expect(dns_answers(rig, "mx.example.com", "AAAA") == ["::2"], "AAAA")
        expect(dns_answers(rig, "reject.example.com", "MX") == ["10 mx.example.com."], "MX")
        expect(dns_answers(rig, "3.0.0.127.in-addr.arpa", "PTR") == ["other.example.com."], "PTR")

        # before the queue: From with p=reject and no aligned pass (127.0.0.3 is
        # not in the domain's SPF record)
        msg = message("a@reject.example.com", "bob@example.net", "p=reject", "unsigned\n")
        rig.swaks(rig.port("RIG_INBOUND"), "a@reject.example.com", "bob@example.net",
                  "--local-interface", "127.0.0.3", "--header", "Subject: p=reject")
        [got] = rig.wait_mail("example.net/bob", 1)
        results = parse_authres(got)
        expect(results.get("dmarc") == "fail" and results.get("dkim") == "none",
               "p=reject accepted by default: %r" % results)
        # 127.0.0.3 is not in "v=spf1 ip4:127.0.0.2 -all"
        expect(results.get("spf") == "fail", "spf from 127.0.0.3: %r" % results)
        [ar] = our_results(got)
        expect(b"policy.dmarc=reject" in ar and b"header.from=reject.example.com" in ar,
               "dmarc properties: %r" % ar)
        expect(re.search(rb"spf=fail[^;]*smtp\.mailfrom=\S*reject\.example\.com", ar),
               "spf property smtp.mailfrom: %r" % ar)
        log = rig.maillog()
        expect(re.search(r"NOQUEUE: DKIM verify - none; client=unknown\[127\.0\.0\.3\], "
                         r".*dmarc=fail", log), "before-queue XFORWARD client in the log")

        # told to reject: 550 5.7.1, nothing queued
        set_verifying(rig, 'on_dmarc_reject = "reject";')
        code, text = send_status(rig.port("RIG_INBOUND"), "a@reject.example.com",
                                 "carol@example.net", msg, source="127.0.0.3")
        expect(code == 550 and b"5.7.1" in text and b"reject.example.com" in text,
               "on_dmarc_reject = reject: %d %r" % (code, text))
        # an aligned pass still goes through
        signed = dkimpy_sign(rig, message("carol@example.net", "carol@example.net", "aligned",
                                          "signed\n"))
        results, _ = delivered_results(rig, "carol@example.net", "carol@example.net",
                                       "example.net/carol", signed, "127.0.0.1")
        expect(results.get("dkim") == "pass" and results.get("dmarc") == "pass",
               "aligned: %r" % results)

        # the same envelope from 127.0.0.2, the address its SPF record names:
        # spf=pass, aligned with the From domain, so DMARC passes unsigned
        results, _ = delivered_results(rig, "a@reject.example.com", "dave@example.net",
                                       "example.net/catchall", msg, "127.0.0.2")
        expect(results.get("spf") == "pass" and results.get("dmarc") == "pass"
               and results.get("dkim") == "none", "spf=pass from 127.0.0.2: %r" % results)

        # forwarded through an ARC-sealing hop (dkimpy seals as example.net
        # with the rig's key) from 127.0.0.3: arc=pass; DMARC still fails
        # (the forwarder is not in SPF, nothing is signed by the author), so
        # 550 until the site trusts example.net's seals
        sealed = arc_seal(rig, msg.encode())
        code, text = send_status(rig.port("RIG_INBOUND"), "a@reject.example.com",
                                 "alice@example.com", sealed, source="127.0.0.3")
        expect(code == 550, "ARC-sealed p=reject without an override: %d %r" % (code, text))
        set_verifying(rig, 'dmarc_override_arc_sealers = [ "example.net" ];')
        results, fwd = delivered_results(rig, "a@reject.example.com", "alice@example.com",
                                         "example.com/catchall", sealed, "127.0.0.3")
        expect(results.get("arc") == "pass" and results.get("dmarc") == "fail"
               and results.get("spf") == "fail", "ARC-sealed: %r" % results)
        [ar] = our_results(fwd)
        expect(b"trusted_forwarder example.net" in ar, "override reason: %r" % ar)
        # a tampered copy of the sealed message: arc=fail, refused again
        tampered = sealed.replace(b"unsigned", b"changed!")
        code, text = send_status(rig.port("RIG_INBOUND"), "a@reject.example.com",
                                 "alice@example.com", tampered, source="127.0.0.3")
        expect(code == 550, "tampered ARC chain accepted: %d %r" % (code, text))

        # after the queue: content_filter, XFORWARD from Postfix's smtp client
        port = add_content_filter_verify(rig)
        cf = message("dave@example.net", "dave@example.org", "content_filter", "after queue\n")
        expect(send_status(port, "dave@example.net", "alice@example.org", cf,
                           source="127.0.0.3")[0] == 250, "content_filter inbound refused")
        [after] = rig.wait_mail("example.org/alice", 1)
        results = parse_authres(after)
        expect(results.get("dkim") == "none", "content_filter: %r" % results)
        log = rig.maillog()
        qid = re.search(r"postfix/inbound-cf/smtpd\[\d+\]: ([0-9A-F]+): client=unknown"
                        r"\[127\.0\.0\.3\]", log)
        expect(qid, "inbound-cf smtpd queue id")
        expect(re.search(r"dkimmod-spawn\[\d+\]: %s: DKIM verify - none; message-id=" % qid.group(1),
                         log), "the filter logs the queue id from XFORWARD IDENT")
        # Postfix logs what XFORWARD said as orig_queue_id= and orig_client=
        # (or as client= itself, depending on the version): either way the
        # line names the first smtpd's queue id and 127.0.0.3
        expect([l for l in log.splitlines() if "postfix/afterproxy/smtpd[" in l
                and "orig_queue_id=%s" % qid.group(1) in l and "[127.0.0.3]" in l],
               "the next hop logs the original client and queue id (XFORWARD passed on)")
        # on_dmarc_reject = reject is still set, but after the queue the
        # message is Postfix's: a 550 would bounce it to a sender DMARC says
        # may be forged. It is delivered with dmarc=fail, and the log says why.
        expect(send_status(port, "a@reject.example.com", "bob@example.org", msg,
                           source="127.0.0.3")[0] == 250, "content_filter p=reject refused")
        [kept] = rig.wait_mail("example.org/catchall", 1)
        results = parse_authres(kept)
        expect(results.get("dmarc") == "fail", "content_filter p=reject: %r" % results)
        expect("not rejected: already queued" in rig.maillog(),
               "the filter logs that the reject was not applied after the queue")
        rig.wait_empty()      # and no bounce is waiting in the queue


def rig_dnsmasqs():
    """{pid: conf file} of running dnsmasq processes started from a rig directory."""
    found = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                cmd = f.read().split(b"\0")
        except OSError:
            continue
        for a in cmd:
            if a.startswith(b"--conf-file=/tmp/dkimmod-rig."):
                found[pid] = a.split(b"=", 1)[1].decode()
    return found


def rig_dirs_on(base):
    """Rig directories under /tmp whose rig.env says port base BASE."""
    import glob
    out = []
    for env in glob.glob("/tmp/dkimmod-rig.*/rig.env"):
        try:
            with open(env) as f:
                if "RIG_PORT_BASE=%d\n" % base in f.read():
                    out.append(os.path.dirname(env))
        except OSError:
            pass
    return out


def case_rig_port_in_use():
    # Other test runs may start and stop rigs meanwhile (on other bases):
    # what must not be left is a rig directory on our base, or a dnsmasq
    # whose rig directory is gone.
    import socket
    from rigtest import claim_base, need_root
    need_root()
    before_dns = set(rig_dnsmasqs())
    lock, base = claim_base()
    inbound = base + 25    # the rig's inbound smtpd (rig.sh)
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        s.bind(("127.0.0.1", inbound))
    except OSError:
        lock.close()
        raise
    s.listen(1)
    # a failed earlier test keeps its rig directory (on purpose): only a
    # new one on this base counts
    before = set(rig_dirs_on(base))
    try:
        with Rig(claimed=(lock, base)):
            raise RigError("rig started with its port %d in use" % inbound)
    except RigError as e:
        expect("%d is in use" % inbound in str(e), "unexpected failure: %s" % e)
        left = sorted(set(rig_dirs_on(base)) - before)
        expect(left == [], "rig directory left behind: %s" % left)
        orphans = [pid for pid, conf in rig_dnsmasqs().items()
                   if pid not in before_dns and not os.path.exists(conf)]
        expect(orphans == [], "dnsmasq left running: %s" % orphans)
    finally:
        s.close()
        lock.close()


def case_two_rigs():
    """Two rigs at once on different port bases, neither on the how-to's
    ports: each signs one message through its own Postfix."""
    with Rig() as one, Rig() as two:
        expect(one.base != two.base, "both rigs on base %d" % one.base)
        for rig in (one, two):
            ports = {int(v) for k, v in rig.ports.items() if v.isdigit() and k != "RIG_PORT_BASE"}
            expect(not ports & set(range(10024, 10029)), "rig on a how-to port: %s" % ports)
        one.swaks(one.port("RIG_SUBMISSION"), "carol@example.net", "bob@example.net")
        two.swaks(two.port("RIG_SUBMISSION"), "alice@example.org", "bob@example.net")
        expect_signed(one, one.wait_mail("example.net/bob", 1)[0], ART)
        expect_signed(two, two.wait_mail("example.net/bob", 1)[0], DUAL)
        for rig in (one, two):
            rig.wait_empty()
            expect(re.search(r"dkimmod-spawn\[\d+\]: [0-9A-F]+: DKIM signing - ", rig.maillog()),
                   "no signing log line in %s's maillog" % rig.dir)


def case_pickup():
    """Mail from sendmail(1) (pickup) signed via content_filter on pickup."""
    with Rig() as rig:
        rig.postconf("-P", "pickup/unix/content_filter=dksign:[127.0.0.1]:%d" % rig.port("RIG_SIGN"))
        rig.reload()
        msg = message("carol@example.net", "bob@example.net", "from sendmail", BODY_DOTS)
        subprocess.run(["sendmail", "-C", rig.etc, "-f", "carol@example.net", "-i", "bob@example.net"],
                       input=msg.replace("\r\n", "\n").encode(), check=True)
        msgs = rig.wait_mail("example.net/bob", 1)
        expect_signed(rig, msgs[0], ART)
        rig.wait_empty()


def dkimmod_cli():
    """The dkimmod tool under test: $DKIMMOD_CLI (an installed /usr/bin/dkimmod),
    else the build directory's."""
    cli = os.environ.get("DKIMMOD_CLI") or os.path.join(os.environ.get("DKIMMOD_BUILDDIR", ""),
                                                        "tools", "dkimmod")
    expect(os.access(cli, os.X_OK), "no dkimmod tool at %s" % cli)
    return cli


def case_cli():
    """The dkimmod tool on the rig's mail: check-config as the filter's user
    says OK for the rig's configuration, and dkimmod verify, asking the
    rig's DNS, passes every signature that dkimmod-spawn added."""
    cli = dkimmod_cli()
    with Rig() as rig:
        conf = os.path.join(rig.etc, "dkimmod.conf")
        r = subprocess.run(["setpriv", "--reuid=dkimmod", "--regid=dkimmod", "--clear-groups",
                            cli, "check-config", conf], capture_output=True, text=True)
        expect(r.returncode == 0, "check-config as dkimmod: %d\n%s%s" % (r.returncode, r.stdout, r.stderr))
        rig.swaks(rig.port("RIG_SUBMISSION"), "alice@example.org", "bob@example.net",
                  "--header", "Subject: checked by the CLI")
        [msg] = rig.wait_mail("example.net/bob", 1)
        r = subprocess.run([cli, "verify", "--nameserver", "127.0.0.1:%d" % rig.dns_port,
                            "--authserv-id", "cli.rig.test", "--authres"],
                           input=msg, capture_output=True)
        out = r.stdout.decode(errors="replace")
        expect(r.returncode == 0 and out.count("dkim=pass") == 2
               and "header.s=rig-ed" in out and "header.s=rig-rsa" in out,
               "dkimmod verify: %d\n%s%s" % (r.returncode, out, r.stderr.decode(errors="replace")))
        rig.wait_empty()


class RecordingSink:
    """A minimal SMTP server on 127.0.0.1 that keeps each message's content
    (dot-unstuffed) exactly as the client sent it, and answers 250."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(4)
        self.port = self.sock.getsockname()[1]
        self.messages = []
        self.stop = False
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        self.sock.settimeout(0.2)
        while not self.stop:
            try:
                conn, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            with conn:
                conn.settimeout(30)
                try:
                    self.session(conn.makefile("rb"), conn)
                except (OSError, ValueError):
                    pass

    def session(self, rf, conn):
        conn.sendall(b"220 sink.remote.test ESMTP\r\n")
        while True:
            line = rf.readline()
            if not line:
                return
            verb = line[:4].upper()
            if verb in (b"EHLO", b"HELO"):
                conn.sendall(b"250-sink.remote.test\r\n250 8BITMIME\r\n")
            elif verb == b"DATA":
                conn.sendall(b"354 go ahead\r\n")
                lines = []
                while True:
                    d = rf.readline()
                    if not d or d == b".\r\n":
                        break
                    lines.append(d[1:] if d.startswith(b".") else d)
                self.messages.append(b"".join(lines))
                conn.sendall(b"250 2.0.0 Ok: recorded\r\n")
            elif verb == b"QUIT":
                conn.sendall(b"221 bye\r\n")
                return
            else:
                conn.sendall(b"250 ok\r\n")

    def wait(self, n, timeout=20):
        deadline = time.monotonic() + timeout
        while len(self.messages) < n:
            if time.monotonic() > deadline:
                raise RigError("recording sink: %d of %d messages after %d s"
                               % (len(self.messages), n, timeout))
            time.sleep(0.05)
        return self.messages

    def close(self):
        self.stop = True
        self.thread.join(5)
        self.sock.close()


def long_line_message(subject):
    refs = "References:"
    n = 0
    while len(refs) < 1500:
        refs += " <%08d.thread@example.net>" % n
        n += 1
    refs = refs[:1500]
    body_line = "".join(chr(ord("A") + i % 26) for i in range(2000))
    msg = message("carol@example.net", "dave@remote.test", subject,
                  "short line\n%s\nlast line\n" % body_line, refs + "\r\n")
    return msg, refs, body_line


def set_line_limit(rig, value):
    """spawn.smtp_line_length_limit in the rig's dkimmod.conf (read per connection)."""
    path = os.path.join(rig.etc, "dkimmod.conf")
    with open(path) as f:
        text = f.read()
    text = re.sub(r"\n  smtp_line_length_limit = \d+;", "", text)
    if value is not None:
        text = text.replace("spawn = {\n", "spawn = {\n  smtp_line_length_limit = %d;\n" % value, 1)
    with open(path, "w") as f:
        f.write(text)


def case_long_lines():
    """Issue 9 item 5: the outbound smtp client breaks lines over 998 bytes
    (CRLF SP); signing must hash the message in the shape it leaves in."""
    sink = RecordingSink()
    try:
        with Rig() as rig:
            with open(os.path.join(rig.etc, "transport"), "w") as f:
                f.write("remote.test smtp:[127.0.0.1]:%d\n" % sink.port)
            rig.postconf("-e", "transport_maps=texthash:%s" % os.path.join(rig.etc, "transport"))
            rig.reload()

            # 1. smtp_line_length_limit = 0: signed as received, broken after
            # signing by the outbound smtp client; the far end sees fail.
            set_line_limit(rig, 0)
            msg, _, _ = long_line_message("long lines, folding off")
            s = smtplib.SMTP("127.0.0.1", rig.port("RIG_PROXY_SUBMISSION"), "client.rig.test",
                             timeout=30)
            s.sendmail("carol@example.net", ["dave@remote.test"], msg)
            s.quit()
            got = sink.wait(1)[0]
            import dkim
            try:
                verdicts = rig.verify(got)
            except dkim.ValidationError as e:     # dkimpy raises on a body hash mismatch
                verdicts = [("example.net", "mondomaine-dkim", str(e), False)]
            expect(len(verdicts) == 1 and not verdicts[0][3],
                   "without folding dkimpy should say fail: %s" % verdicts)
            expect(re.search(rb"\n [A-Z]", got) is not None, "outbound smtp broke nothing?")

            # 2. the default (998): the message leaves as we signed it.
            set_line_limit(rig, None)
            msg, refs, body_line = long_line_message("long lines")
            s = smtplib.SMTP("127.0.0.1", rig.port("RIG_PROXY_SUBMISSION"), "client.rig.test",
                             timeout=30)
            s.sendmail("carol@example.net", ["dave@remote.test"], msg)
            s.quit()
            got = sink.wait(2)[1]
            expect_signed(rig, got, ART)
            lines = got.split(b"\r\n")
            expect(max(len(l) for l in lines) <= 998, "a line over 998 bytes arrived")
            head, body = got.split(b"\r\n\r\n", 1)
            # the field was folded at its blanks: unfolding gives it back
            unfolded = re.sub(rb"\r\n(?=[ \t])", b"", head + b"\r\n")
            expect(refs.encode() + b"\r\n" in unfolded, "References changed:\n%r" % head)
            # the body line was broken exactly as Postfix breaks it
            want = (body_line[:998] + "\r\n " + body_line[998:1995] + "\r\n "
                    + body_line[1995:]).encode()
            expect(b"\r\n" + want + b"\r\n" in body, "body line not broken as Postfix does:\n%r"
                   % body[:200])
            log = rig.maillog()
            expect("message changed before signing: 1 header lines folded, 1 lines broken" in log,
                   "no log line for the change")
            rig.wait_empty()
    finally:
        sink.close()


CASES = {
    "baseline": case_baseline,
    "submission": case_submission,
    "two-messages": case_two_messages,
    "8bit": case_8bit,
    "nexthop-down": case_nexthop_down,
    "unreadable-key": case_unreadable_key,
    "proxy": case_proxy,
    "pickup": case_pickup,
    "inbound": case_inbound,
    "inbound-dns-down": case_inbound_dns_down,
    "inbound-auth": case_inbound_auth,
    "rig-port-in-use": case_rig_port_in_use,
    "two-rigs": case_two_rigs,
    "cli": case_cli,
    "long-lines": case_long_lines,
}

if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in CASES:
        print("usage: e2e.py %s" % "|".join(CASES), file=sys.stderr)
        sys.exit(2)
    run(CASES[sys.argv[1]])
