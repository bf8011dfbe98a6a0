#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""local-mail.py CASE - mail that Postfix makes itself, and the sender policy.

Mail that does not come in through the submission service does not pass
its content_filter: bounces and delivery status notifications (made by
Postfix's bounce, defer and trace services, null envelope sender, From
MAILER-DAEMON@$myorigin) and local mail from sendmail(1) (pickup; see
e2e.py pickup). These cases show, with the real Postfix of the rig, what
is signed by default and what the documented route (docs/postfix-howto.md,
"Bounces, local mail and the sender policy") changes. Exit 77 when not root.

Cases:
  bounces         a bounce is not signed by default; -o content_filter on the
                  bounce service changes nothing (Postfix's bounce daemon does
                  not read it); bounce, defer and trace with
                  internal_mail_filter_classes=bounce and a cleanup service of
                  their own whose header_checks FILTER the mail to the signing
                  transport: the bounce and a success DSN (NOTIFY=SUCCESS)
                  arrive signed for the rig's $myorigin, rig.test, and dkimpy
                  verifies them
  sender-policy   match_envelope_sender = true: From and envelope in the same
                  domain is signed; a From of another domain the rig signs for
                  is delivered unsigned with the reason in the log; a bounce is
                  signed only once "<>" lists rig.test in
                  envelope_sender_aliases
"""

import os
import re
import smtplib
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rigtest import Rig, expect, expect_signed, header_fields, run, signatures  # noqa: E402

ART = [("example.net", "mondomaine-dkim")]
BOUNCE_SIG = [("rig.test", "rig-bounce")]


def add_hostname_key(rig):
    """An Ed25519 key for rig.test ($myorigin, the domain of bounces' From),
    a sender_map entry for it, and DNS restarted to publish it."""
    key = rig.key_path("rig-bounce", "rig.test")
    subprocess.run(["openssl", "genpkey", "-algorithm", "ED25519", "-out", key], check=True,
                   capture_output=True)
    subprocess.run(["chown", "dkimmod:dkimmod", key], check=True)
    os.chmod(key, 0o600)
    edit_conf(rig, lambda t: t.replace(
        "  sender_map = (\n",
        '  sender_map = (\n    { sender = "rig.test";\n      sign = ( { s = "rig-bounce"; '
        'd = "rig.test"; a = "ed25519-sha256"; key = "%s"; } ); },\n' % key, 1))
    rig.sh("dns-stop")
    rig.dns_port = int(rig.sh("dns-start").strip())


def edit_conf(rig, change):
    """dkimmod.conf is read per connection: the next message sees CHANGE."""
    path = os.path.join(rig.etc, "dkimmod.conf")
    with open(path) as f:
        text = f.read()
    new = change(text)
    expect(new != text, "dkimmod.conf edit changed nothing")
    with open(path, "w") as f:
        f.write(new)


def route_bounces_through_signer(rig):
    """The how-to's route: bounce, defer and trace hand their notices to a
    cleanup service of their own, whose header_checks send every message
    it gets to the signing transport (FILTER), with
    internal_mail_filter_classes = bounce so that cleanup applies them."""
    rules = os.path.join(rig.etc, "dkimmod_bounce_filter")
    with open(rules, "w") as f:
        f.write("/^From:/ FILTER dksign:[127.0.0.1]:%d\n" % rig.port("RIG_SIGN"))
    rig.postconf("-M", "dkimmod-cleanup/unix=dkimmod-cleanup unix n - n - 0 cleanup")
    rig.postconf("-P", "dkimmod-cleanup/unix/header_checks=regexp:" + rules,
                 "dkimmod-cleanup/unix/mime_header_checks=",
                 "dkimmod-cleanup/unix/nested_header_checks=",
                 "dkimmod-cleanup/unix/body_checks=")
    for svc in ("bounce", "defer", "trace"):
        rig.postconf("-P", "%s/unix/internal_mail_filter_classes=bounce" % svc,
                     "%s/unix/cleanup_service_name=dkimmod-cleanup" % svc)
    rig.reload()


def send(rig, port, sender, rcpt, subject, frm=None, rcpt_options=()):
    msg = ("From: <%s>\r\nTo: <%s>\r\nSubject: %s\r\n\r\nlocal-mail test\r\n"
           % (frm or sender, rcpt, subject))
    s = smtplib.SMTP("127.0.0.1", port, "client.rig.test", timeout=30)
    try:
        s.sendmail(sender, [rcpt], msg, rcpt_options=list(rcpt_options))
    finally:
        s.quit()


def accept_undeliverable(rig):
    """smtpd refuses a recipient of the error transport at RCPT time; a
    bounce must come from the queue, so the nofilter port skips that
    check (the other ports keep it)."""
    svc = "127.0.0.1:%d/inet" % rig.port("RIG_NOFILTER")
    rig.postconf("-P", svc + "/receive_override_options=no_unknown_recipient_checks")
    rig.reload()


def bounce_to_alice(rig, n, subject):
    """Mail from alice to a domain the rig cannot deliver to (error
    transport) through the unfiltered port; returns alice's Nth message,
    the bounce."""
    send(rig, rig.port("RIG_NOFILTER"), "alice@example.org", "nobody@nowhere.invalid", subject)
    msg = rig.wait_mail("example.org/alice", n)[n - 1]
    head = dict((k.lower(), v) for k, v in header_fields(msg))
    expect(head.get("return-path") == b"<>", "not a bounce (Return-Path %r)" % head.get("return-path"))
    expect(head.get("from", b"").startswith(b"Mail Delivery System <MAILER-DAEMON@rig.test>"),
           "bounce From: %r" % head.get("from"))
    return msg


def case_bounces():
    with Rig() as rig:
        add_hostname_key(rig)
        accept_undeliverable(rig)
        first = bounce_to_alice(rig, 1, "bounce by default")
        expect(signatures(first) == [], "a bounce was signed without any setup")

        # What does not work: content_filter on the bounce service.
        rig.postconf("-P", "bounce/unix/content_filter=dksign:[127.0.0.1]:%d" % rig.port("RIG_SIGN"))
        rig.reload()
        second = bounce_to_alice(rig, 2, "bounce with content_filter on bounce(8)")
        expect(signatures(second) == [], "content_filter on bounce(8) signed a bounce: "
               "update docs/postfix-howto.md")
        rig.postconf("-PX", "bounce/unix/content_filter")

        route_bounces_through_signer(rig)
        third = bounce_to_alice(rig, 3, "bounce through the signer")
        expect_signed(rig, third, BOUNCE_SIG)
        expect(b"Subject: bounce through the signer" in third, "the bounce lost the original")

        # A success notice comes from the trace service.
        send(rig, rig.port("RIG_NOFILTER"), "alice@example.org", "bob@example.net", "dsn please",
             rcpt_options=["NOTIFY=SUCCESS"])
        rig.wait_mail("example.net/bob", 1)
        dsn = rig.wait_mail("example.org/alice", 4)[3]
        expect(b"delivered" in dsn.lower() and b"Return-Path: <>" in dsn, "not a success DSN:\n%s"
               % dsn[:600].decode(errors="replace"))
        expect_signed(rig, dsn, BOUNCE_SIG)
        rig.wait_empty()


def case_sender_policy():
    with Rig() as rig:
        add_hostname_key(rig)
        accept_undeliverable(rig)
        edit_conf(rig, lambda t: t.replace("signing = {\n",
                                           "signing = {\n  match_envelope_sender = true;\n", 1))
        sub = rig.port("RIG_SUBMISSION")
        send(rig, sub, "carol@example.net", "bob@example.net", "own domain")
        [own] = rig.wait_mail("example.net/bob", 1)
        expect_signed(rig, own, ART)
        send(rig, sub, "carol@example.net", "dave@example.net", "other domain",
             frm="ceo@example.org")
        [other] = rig.wait_mail("example.net/catchall", 1)
        expect(signatures(other) == [], "a From of another domain was signed")
        log = rig.maillog()
        expect(re.search(r"dkimmod-spawn\[\d+\]: [0-9A-F]+: DKIM signing - skipped; .*sender "
                         r"<ceo@example\.org>, envelope sender <carol@example\.net>, "
                         r"match_envelope_sender: sender domain example\.org is not the "
                         r"envelope sender's domain example\.net", log),
               "no skipped line:\n%s" % "\n".join(l for l in log.splitlines() if "dkimmod" in l))

        route_bounces_through_signer(rig)
        first = bounce_to_alice(rig, 1, "bounce, policy without alias")
        expect(signatures(first) == [], "null sender signed without an alias")
        edit_conf(rig, lambda t: t.replace(
            "  match_envelope_sender = true;\n",
            '  match_envelope_sender = true;\n  envelope_sender_aliases = (\n'
            '    { envelope = "<>"; from = [ "rig.test" ]; } );\n', 1))
        second = bounce_to_alice(rig, 2, "bounce, policy with alias")
        expect_signed(rig, second, BOUNCE_SIG)
        rig.wait_empty()


CASES = {
    "bounces": case_bounces,
    "sender-policy": case_sender_policy,
}

if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in CASES:
        print("usage: local-mail.py %s" % "|".join(CASES), file=sys.stderr)
        sys.exit(2)
    run(CASES[sys.argv[1]])
