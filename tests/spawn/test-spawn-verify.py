#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""
NAME
    test-spawn-verify.py - dkimmod-spawn verify mode against smtp-sink

DESCRIPTION
    The harness of test-spawn.py (spawn(8)-like start, smtp-sink next hop,
    postlog socket, stderr that must stay empty) with dkimmod-spawn in
    verify mode. Messages are signed by dkimpy (python3-dkim) with the
    fixture's keys; the keys reach dkimmod-spawn through verifying.key_file
    or through a dnsmasq (dnsmasq-base) on a free loopback port, which runs
    fine as an ordinary user on a port above 1024.

    Usage: test-spawn-verify.py PATH/TO/dkimmod-spawn [unittest args]
"""
import importlib.util
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import unittest

_spec = importlib.util.spec_from_file_location(
    "spawn_harness", os.path.join(os.path.dirname(os.path.abspath(__file__)), "test-spawn.py"))
H = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(H)       # takes the dkimmod-spawn path from argv

AUTHSERV = "mx.rig.test"
DNSMASQ = shutil.which("dnsmasq", path="/usr/sbin:/usr/bin:/sbin:/bin")
V = {}                            # verify fixture: config paths


def sign(msg, selector=b"sel", domain=b"example.net", key=None, canon=(b"relaxed", b"simple")):
    import dkim
    with open(key or H.T.key_rsa, "rb") as f:
        sig = dkim.sign(msg, selector, domain, f.read(), canonicalize=canon)
    return sig.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n") + msg


def write_verify_config(name, verifying):
    path = os.path.join(H.T.dir, name)
    with open(path, "w") as f:
        f.write("""
spawn = {
  spool_directory = "%s";
  timeout_command = 20;
  timeout_data = 20;
  timeout_next_hop = 20;
};
verifying = {
  authserv_id = "%s";
%s
};
""" % (H.T.spool, AUTHSERV, verifying))
    return path


def header_block(msg):
    return msg.split(b"\r\n\r\n", 1)[0].decode()


class VerifyCase(H.SpawnCase):
    conf_name = "keyfile"

    def vstart(self, *opts, **kw):
        return self.start(*opts, conf=V[self.conf_name], args=["verify"], **kw)

    def deliver(self, msg, *opts, xforward="XFORWARD IDENT=4QvErIfY1 NAME=mail.example ADDR=192.0.2.1"):
        p, c = self.vstart(*opts)
        self.session(c)
        if xforward:
            self.assertEqual(c.cmd(xforward)[0], 250)
        code, text = self.transaction(c, msg)
        self.assertEqual(code, 250, text)
        self.quit(p, c)
        [got] = self.sink.messages(1)
        return got

    # what Postfix's smtpd_proxy sends before the queue: no queue id yet
    BEFORE_QUEUE = "XFORWARD NAME=mail.example ADDR=192.0.2.1 PROTO=ESMTP"

    def before_queue(self, c):
        """XFORWARD as smtpd_proxy_filter sends it, for the next transaction."""
        self.assertEqual(c.cmd(self.BEFORE_QUEUE)[0], 250)

    def our_ar(self, got):
        """Our field (the first one), unfolded, and the rest of the message."""
        m = re.match(rb"Authentication-Results: ((?:[^\r]|\r\n[ \t])*)\r\n", got)
        self.assertIsNotNone(m, got[:300])
        value = re.sub(r"\r\n[ \t]+", " ", m.group(1).decode())
        self.assertTrue(value.startswith(AUTHSERV + ";"), value)
        return value, got[m.end():]


class TestVerifySizeHeadroom(VerifyCase):
    """Issue 9 item 2: our Authentication-Results must fit the next hop's SIZE."""

    HEADROOM = 28005    # dkimmod-spawn(8), SIZE: verify, max_signatures = 5

    def test_size_advertised_minus_ar_headroom(self):
        n = 500000
        h = H.ScriptedHop({"EHLO": "250-hop\r\n250 SIZE %d" % n})
        self.addCleanup(h.close)
        p, c = self.vstart(next_hop="127.0.0.1:%d" % h.port)
        ehlo = self.session(c)
        limit = n - self.HEADROOM
        self.assertIn("SIZE %d" % limit, ehlo)
        head = H.message()
        lines, rest = divmod(limit + 1 - len(head), 80)
        if rest < 2:                # the short last line needs room for its CRLF
            lines, rest = lines - 1, rest + 80
        over = head + (b"x" * 78 + b"\r\n") * lines + b"y" * (rest - 2) + b"\r\n"
        self.assertEqual(len(over), limit + 1)
        code, text = self.transaction(c, over)
        self.assertEqual(code, 552, text)
        self.assertIn("5.3.4", text)
        self.assertEqual(h.messages, 0)
        self.quit(p, c)


class TestVerifyKeyFile(VerifyCase):
    def test_signed_message_passes(self):
        msg = sign(H.message())
        got = self.deliver(msg)
        ar, rest = self.our_ar(got)
        self.assertEqual(rest, msg, "message changed in transit")
        b = re.search(r"header\.b=([^\s;]+)", ar).group(1).strip('"')   # quoted when it has "/"
        self.assertRegex(ar, r"^mx\.rig\.test; dkim=pass \(2048-bit key\) .*header\.d=example\.net")
        for want in ("header.s=sel", "header.a=rsa-sha256", "header.i=@example.net"):
            self.assertIn(want, ar)
        self.assertGreaterEqual(len(b), 8)
        self.assertIn("b=" + b, msg.decode())
        [line] = self.log_text("DKIM verify - ")
        self.assertRegex(line, r"4QvErIfY1: DKIM verify - pass; message-id=<test\.\d+@example\.net>, "
                         r"d=example\.net, s=sel, a=rsa-sha256$")

    def test_tampered_body_fails_and_is_relayed(self):
        msg = sign(H.message(body=b"Pay 10 EUR.\r\n")).replace(b"Pay 10 EUR", b"Pay 99 EUR")
        ar, rest = self.our_ar(self.deliver(msg))
        self.assertRegex(ar, r'dkim=fail \(2048-bit key\) reason="body hash did not verify" ')
        self.assertEqual(rest, msg)
        [line] = self.log_text("DKIM verify - ")
        self.assertIn('DKIM verify - fail; message-id=', line)
        self.assertIn('a=rsa-sha256, reason="body hash did not verify"', line)

    def test_unsigned_is_none_and_before_queue_log_names_client(self):
        msg = H.message()
        got = self.deliver(msg, xforward="XFORWARD NAME=mail.example ADDR=192.0.2.1")
        ar, rest = self.our_ar(got)
        self.assertEqual(ar, AUTHSERV + "; dkim=none")
        self.assertEqual(rest, msg)
        [line] = self.log_text("DKIM verify - ")
        self.assertIn("NOQUEUE: DKIM verify - none; client=mail.example[192.0.2.1], message-id=<",
                      line)
        # smtp-sink's 250 names no queue id (Postfix's does: tests/postfix)
        self.assertTrue(line.endswith(", no signature"), line)

    def test_forged_authres_removed_others_kept(self):
        forged = (b"Authentication-Results: MX.RIG.TEST;\r\n"
                  b"\tdkim=pass header.d=paypal.com\r\n")
        forged2 = b"Authentication-Results: mx.rig.test (forged); spf=pass\r\n"
        other = b"Authentication-Results: relay.example.org; dkim=fail\r\n"
        lookalike = b"Authentication-Results: mx.rig.test.evil.example; dkim=pass\r\n"
        signed = sign(H.message())
        msg = forged + other + signed.replace(b"Subject:", forged2 + lookalike + b"Subject:")
        got = self.deliver(msg)
        ar, rest = self.our_ar(got)
        self.assertIn("dkim=pass", ar)
        self.assertNotIn(b"paypal", rest)
        self.assertNotIn(b"(forged)", rest)
        self.assertEqual(rest, other + signed.replace(b"Subject:", lookalike + b"Subject:"))
        [line] = self.log_text("DKIM verify - ")
        self.assertIn("removed 2 fields claiming authserv-id mx.rig.test", line)

    def test_forged_authres_removed_from_spilled_spool(self):
        spool = os.path.join(H.T.dir, "vspill")
        os.makedirs(spool, exist_ok=True)
        body = b"".join(b"line %06d: %s\r\n" % (i, b"v" * 60) for i in range(3000))
        forged = b"Authentication-Results: mx.rig.test; dkim=pass\r\n"
        signed = sign(H.message(body=body, extra=b"X-Pad: " + b"p" * 900 + b"\r\n"))
        msg = signed.replace(b"Date:", forged + b"Date:")
        got = self.deliver(msg, "spool_memory_max=1024", "spool_directory=" + spool)
        ar, rest = self.our_ar(got)
        self.assertIn("dkim=pass", ar)
        self.assertEqual(rest, signed)

    def test_forged_authres_last_field_and_no_body(self):
        # A message that is all header (no empty line, RFC 5322 allows it),
        # the forged field last: removed, nothing else changed.
        head = H.message().split(b"\r\n\r\n", 1)[0] + b"\r\n"
        forged = b"Authentication-Results: mx.rig.test;\r\n dkim=pass\r\n"
        got = self.deliver(head + forged)
        ar, rest = self.our_ar(got)
        self.assertEqual(ar, AUTHSERV + "; dkim=none")
        self.assertEqual(rest, head)

    def test_forged_fields_trailing_dot_and_x_dkim_without_option(self):
        # Issue 9 item 8: an A-R field for our authserv-id spelt with a
        # final dot (or in capitals), and an X-DKIM-Authentication-Results
        # while we add none, came from outside: both removed.
        head = H.message().split(b"\r\n\r\n", 1)[0] + b"\r\n"
        forged = (b"Authentication-Results: mx.rig.test.; dkim=pass\r\n"
                  b"authentication-results: MX.RIG.TEST.; dkim=pass\r\n"
                  b"X-DKIM-Authentication-Results: pass\r\n"
                  b"x-dkim-authentication-results: pass\r\n")
        got = self.deliver(forged + head)
        ar, rest = self.our_ar(got)
        self.assertEqual(ar, AUTHSERV + "; dkim=none")
        self.assertEqual(rest, head)

    def test_x_dkim_authentication_results(self):
        incoming = b"X-DKIM-Authentication-Results: pass\r\n"
        for msg, want in ((sign(H.message()), b"pass"),
                          (incoming + H.message(), b"none"),
                          (sign(H.message(body=b"a\r\n")).replace(b"\r\na\r\n", b"\r\nb\r\n"),
                           b"fail")):
            self.sink.stop()
            self.sink = H.Sink()
            got = self.deliver(msg, "x_dkim_authentication_results=yes")
            ar, rest = self.our_ar(got)
            self.assertTrue(rest.startswith(b"X-DKIM-Authentication-Results: " + want + b"\r\n"),
                            rest[:200])
            self.assertEqual(rest.count(b"X-DKIM-Authentication-Results"), 1)

    def test_several_signatures(self):
        msg = sign(H.message(), b"sel", b"example.net")
        msg = sign(msg, b"rsa1", b"example.org", key=H.T.key_rsa1, canon=(b"simple", b"simple"))
        msg = sign(msg, b"nokey", b"example.net")
        ar, rest = self.our_ar(self.deliver(msg))
        self.assertEqual(len(re.findall(r"dkim=", ar)), 3, ar)
        self.assertIn("dkim=permerror", ar)
        [line] = self.log_text("DKIM verify - ")
        # top signature first (the last one added)
        self.assertRegex(line, r"DKIM verify - pass; message-id=<[^>]+>; permerror, d=example\.net, "
                         r"s=nokey, a=rsa-sha256, reason=\"no key for signature\"; pass, "
                         r"d=example\.org, s=rsa1, a=rsa-sha256; pass, d=example\.net, s=sel, "
                         r"a=rsa-sha256$")

    def test_on_fail_reject(self):
        msg = sign(H.message(body=b"a\r\n")).replace(b"\r\na\r\n", b"\r\nb\r\n")
        p, c = self.vstart("on_fail=reject")
        self.session(c)
        self.before_queue(c)
        code, text = self.transaction(c, msg)
        self.assertEqual(code, 550, text)
        self.assertIn("5.7.20", text)
        self.before_queue(c)
        self.assertEqual(self.transaction(c, sign(H.message()))[0], 250)   # session goes on
        self.quit(p, c)
        self.assertEqual(len(self.sink.messages(1)), 1)

    def test_header_over_limit_is_552(self):
        msg = b"".join(b"X-H%d: v\r\n" % i for i in range(1100)) + H.message()
        p, c = self.vstart()
        self.session(c)
        code, text = self.transaction(c, msg)
        self.assertEqual(code, 552, text)
        self.assertEqual(self.transaction(c, H.message())[0], 250)
        self.quit(p, c)

    def test_bad_key_file_is_421(self):
        p, c = self.vstart("key_file=/nonexistent/keys", greet=False)
        self.assertEqual(c.reply()[0], 421)
        self.assertEqual(p.wait(timeout=10), 75)
        self.log_text("configuration error: verifying.key_file")


class TestVerifyBdat(VerifyCase):
    """With CHUNKING at the next hop, BDAT's count is our field plus the
    message minus the forged fields we remove (data.c): a count off by one
    byte leaves the next hop waiting or reading message bytes as commands."""

    EHLO = "250-hop\r\n250-PIPELINING\r\n250 CHUNKING"

    def bdat(self, msg, *opts):
        h = H.ScriptedHop({"EHLO": self.EHLO})
        self.addCleanup(h.close)
        p, c = self.vstart(*opts, next_hop="127.0.0.1:%d" % h.port)
        self.session(c)
        self.before_queue(c)
        code, text = self.transaction(c, msg)
        self.assertEqual(code, 250, text)
        self.quit(p, c)
        [chunk] = h.chunks
        self.assertIn("BDAT %d LAST" % len(chunk), h.lines)
        self.assertEqual(h.lines[-1], "QUIT")
        return chunk

    def test_forged_fields_removed_and_counted(self):
        forged = b"Authentication-Results: mx.rig.test;\r\n\tdkim=pass\r\n"
        signed = sign(H.message(body=b".leading dot\r\n.\r\n"))
        msg = forged + signed.replace(b"Date:", forged + b"Date:")
        ar, rest = self.our_ar(self.bdat(msg))
        self.assertIn("dkim=pass", ar)
        self.assertEqual(rest, signed)

    def test_forged_field_removed_from_spilled_spool(self):
        spool = os.path.join(H.T.dir, "bdatspill")
        os.makedirs(spool, exist_ok=True)
        body = b"".join(b"line %06d: %s\r\n" % (i, b"v" * 60) for i in range(3000))
        forged = b"Authentication-Results: mx.rig.test; dkim=pass\r\n"
        signed = sign(H.message(body=body))
        ar, rest = self.our_ar(self.bdat(signed.replace(b"Date:", forged + b"Date:"),
                                         "spool_memory_max=1024", "spool_directory=" + spool))
        self.assertIn("dkim=pass", ar)
        self.assertEqual(rest, signed)


class TestVerifyDmarc(VerifyCase):
    """Issue 10 items 2 and 4: one A-R with every method; DMARC's actions."""
    conf_name = "dmarc"

    def from_domain(self, domain, signed=False):
        msg = H.message(frm="Alice <alice@%s>" % domain)
        return sign(msg) if signed else msg

    def test_one_field_in_order(self):
        got = self.deliver(sign(H.message()))
        ar, _ = self.our_ar(got)
        self.assertRegex(ar, r"^mx\.rig\.test; dkim=pass .*; dmarc=pass .*header\.from=example\.net")
        self.assertEqual(got.count(b"Authentication-Results:"), 1)
        [line] = self.log_text("DKIM verify - ")
        self.assertRegex(line, r"d=example\.net, s=sel, a=rsa-sha256; .*dmarc=pass")

    def test_reject_policy_recorded_by_default(self):
        got = self.deliver(self.from_domain("strict.example"))
        ar, _ = self.our_ar(got)
        self.assertRegex(ar, r"dmarc=fail .*header\.from=strict\.example")
        self.assertIn("policy.dmarc=reject", ar)

    def test_reject_policy_rejected_when_told(self):
        p, c = self.vstart("on_dmarc_reject=reject")
        self.session(c)
        self.before_queue(c)
        code, text = self.transaction(c, self.from_domain("strict.example"))
        self.assertEqual((code, text), (550, "550 5.7.1 Error: rejected by the DMARC policy of "
                                             "strict.example"))
        # an aligned pass is not rejected
        self.before_queue(c)
        self.assertEqual(self.transaction(c, sign(H.message()))[0], 250)
        self.quit(p, c)
        self.log_text("answered 550 (on_dmarc_reject=reject)")
        self.assertEqual(len(self.sink.messages(1)), 1)

    def test_reject_needs_xforward(self):
        # Without XFORWARD the filter may be a content_filter whose transport
        # does not send it (smtp_send_xforward_command = no, Postfix's
        # default): a 550 there would become a bounce. XFORWARD belongs to
        # one transaction, so the second message, after a rejected one,
        # is relayed too.
        for opt, msg in (("on_dmarc_reject=reject", self.from_domain("strict.example")),
                         ("on_fail=reject",
                          sign(H.message(body=b"a\r\n")).replace(b"\r\na\r\n", b"\r\nb\r\n"))):
            p, c = self.vstart(opt)
            self.session(c)
            self.before_queue(c)
            self.assertEqual(self.transaction(c, msg)[0], 550, opt)
            code, text = self.transaction(c, msg)       # no XFORWARD this time
            self.assertEqual(code, 250, (opt, text))
            self.quit(p, c)
            self.log_text("not rejected: no XFORWARD, so not known to be before the queue")

    def test_override_domain_accepts_and_says_why(self):
        p, c = self.vstart("on_dmarc_reject=reject", "dmarc_override_domains=strict.example")
        self.session(c)
        self.assertEqual(self.transaction(c, self.from_domain("strict.example"))[0], 250)
        self.quit(p, c)
        [got] = self.sink.messages(1)
        ar, _ = self.our_ar(got)
        self.assertIn("dmarc=fail", ar)
        self.assertIn("local_policy", ar)

    def test_quarantine_header_added_and_forged_copy_removed(self):
        p, c = self.vstart("on_dmarc_quarantine=header", "quarantine_header=X-Quarantined")
        self.session(c)
        msg = self.from_domain("quar.example").replace(
            b"Subject:", b"X-Quarantined: forged\r\nSubject:")
        self.assertEqual(self.transaction(c, msg)[0], 250)
        self.assertEqual(self.transaction(c, self.from_domain("example.net", signed=True))[0], 250)
        self.quit(p, c)
        quarantined, passed = self.sink.messages(2)
        self.assertIn(b"\r\nX-Quarantined: p=quarantine header.from=quar.example\r\n", quarantined)
        self.assertNotIn(b"forged", quarantined)
        self.assertNotIn(b"X-Quarantined", passed)

    def test_envelope_reaches_the_log_without_xforward(self):
        # no XFORWARD: the client is unknown, SPF has nothing to check
        got = self.deliver(sign(H.message()), xforward=None)
        ar, _ = self.our_ar(got)
        self.assertIn("dkim=pass", ar)


class DnsServer:
    """dnsmasq on a free loopback port serving the fixture's key records."""

    def __init__(self):
        self.port = H.free_port()
        self.dir = os.path.join(H.T.dir, "dns")
        os.makedirs(self.dir, exist_ok=True)
        conf = os.path.join(self.dir, "dnsmasq.conf")
        with open(conf, "w") as f:
            f.write("no-resolv\nno-hosts\nno-poll\nlocal=/example.net/\nlocal=/example.org/\n"
                    "listen-address=127.0.0.1\nbind-interfaces\nport=%d\n" % self.port)
            for name, rec in H.T.records.items():
                f.write('txt-record=%s,"%s"\n' % (name, rec))
        os.chmod(self.dir, 0o755)
        os.chmod(conf, 0o644)
        self.log = open(os.path.join(self.dir, "dnsmasq.log"), "wb")
        self.proc = subprocess.Popen([DNSMASQ, "-k", "--conf-file=" + conf, "--pid-file=",
                                      "--log-facility=-"], stdin=subprocess.DEVNULL,
                                     stdout=self.log, stderr=self.log)
        deadline = time.monotonic() + 5
        while not self.answers():
            if time.monotonic() > deadline or self.proc.poll() is not None:
                self.stop()
                raise RuntimeError("dnsmasq did not start")
            time.sleep(0.02)

    def answers(self):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(0.2)
        query = b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x07example\x03net\x00\x00\x10\x00\x01"
        try:
            s.sendto(query, ("127.0.0.1", self.port))
            return s.recv(512)[:2] == b"\x12\x34"
        except OSError:
            return False
        finally:
            s.close()

    def stop(self):
        self.proc.kill()
        self.proc.wait()
        self.log.close()


class TestVerifyDns(VerifyCase):
    conf_name = "dnsconf"

    def test_keys_from_dns(self):
        msg = sign(H.message())
        msg = sign(msg, b"rsa1", b"example.org", key=H.T.key_rsa1)
        ar, rest = self.our_ar(self.deliver(msg, "nameserver=127.0.0.1:%d" % V["dns"].port))
        self.assertEqual(len(re.findall(r"dkim=pass", ar)), 2, ar)
        self.assertEqual(rest, msg)

    def test_unknown_selector_is_permerror(self):
        msg = sign(H.message(), b"nosuch", b"example.net")
        ar, _ = self.our_ar(self.deliver(msg, "nameserver=127.0.0.1:%d" % V["dns"].port))
        self.assertIn("dkim=permerror", ar)

    def test_dns_down_is_temperror_and_relayed(self):
        dead = H.free_port()
        msg = sign(H.message())
        t0 = time.monotonic()
        ar, rest = self.our_ar(self.deliver(msg, "nameserver=127.0.0.1:%d" % dead, "dns_timeout=1"))
        self.assertLess(time.monotonic() - t0, 4)
        self.assertIn("dkim=temperror", ar)
        self.assertEqual(rest, msg)

    def test_stderr_is_the_socket_and_stays_silent(self):
        # DNS trouble, a fail and a header over the limits: every path that
        # logs a warning, with fd 2 on the SMTP socket as under spawn(8)
        dead = H.free_port()
        p, c = self.vstart("nameserver=127.0.0.1:%d" % dead, "dns_timeout=1",
                           stderr_socket=True)
        self.session(c)
        self.assertEqual(self.transaction(c, sign(H.message()))[0], 250)
        big = b"".join(b"X-H%d: v\r\n" % i for i in range(1100)) + H.message()
        self.assertEqual(self.transaction(c, big)[0], 552)
        self.quit(p, c)
        self.assertEqual(c.buf, b"")

    def test_dns_down_on_temperror_tempfail_is_451(self):
        dead = H.free_port()
        p, c = self.vstart("nameserver=127.0.0.1:%d" % dead, "dns_timeout=1",
                           "on_temperror=tempfail", "dmarc=no", "spf=no")
        self.session(c)
        code, text = self.transaction(c, sign(H.message()))
        self.assertEqual(code, 451, text)
        self.assertIn("4.7.5", text)
        code, text = self.transaction(c, H.message())      # unsigned: nothing to look up
        self.assertEqual(code, 250, text)
        self.quit(p, c)
        [got] = self.sink.messages(1)
        self.assertIn(b"dkim=none", got)
        self.log_text("answered 451 (on_temperror=tempfail)")

    def test_dns_down_dmarc_temperror_tempfail_is_451(self):
        # with DMARC on, even an unsigned message needs _dmarc: temperror
        dead = H.free_port()
        p, c = self.vstart("nameserver=127.0.0.1:%d" % dead, "dns_timeout=1",
                           "on_temperror=tempfail")
        self.session(c)
        code, text = self.transaction(c, H.message())
        self.assertEqual((code, text), (451, "451 4.7.5 Error: SPF or DMARC lookup failed, try "
                                             "again later"))
        self.quit(p, c)
        self.log_text("dmarc=temperror")


def setUpModule():
    H.setUpModule()
    keys = os.path.join(H.T.dir, "keys.txt")
    with open(keys, "w") as f:
        for name, rec in H.T.records.items():
            f.write("%s %s\n" % (name, rec))
    os.chmod(keys, 0o644)
    # DKIM alone (the other methods have their own cases below)
    V["keyfile"] = write_verify_config("verify-keyfile.conf", '  key_file = "%s";\n'
                                       '  spf = false; dmarc = false; arc = false;' % keys)
    # a DNS file: the keys plus DMARC and SPF records (issue 10)
    dnsfile = os.path.join(H.T.dir, "dns.txt")
    with open(dnsfile, "w") as f:
        for name, rec in H.T.records.items():
            f.write("%s TXT %s\n" % (name, rec))
        f.write("_dmarc.example.net TXT v=DMARC1; p=none\n"
                "_dmarc.strict.example TXT v=DMARC1; p=reject\n"
                "_dmarc.quar.example TXT v=DMARC1; p=quarantine\n"
                "example.net TXT v=spf1 ip4:192.0.2.1 -all\n")
    os.chmod(dnsfile, 0o644)
    V["dmarc"] = write_verify_config("verify-dmarc.conf", '  key_file = "%s";' % dnsfile)
    if DNSMASQ is None:
        H.die("dnsmasq missing (Debian package dnsmasq-base)")
    V["dns"] = DnsServer()
    V["dnsconf"] = write_verify_config("verify-dns.conf", "  dns_timeout = 3;")


def tearDownModule():
    if "dns" in V:
        V["dns"].stop()
    H.tearDownModule()


if __name__ == "__main__":
    unittest.main(verbosity=2)
