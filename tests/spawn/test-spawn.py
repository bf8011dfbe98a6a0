#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""
NAME
    test-spawn.py - dkimmod-spawn end to end against Postfix's smtp-sink

DESCRIPTION
    Each case starts dkimmod-spawn the way spawn(8) does (the SMTP client
    on fds 0/1 through a socketpair, cwd not writable, no HOME/TMPDIR),
    with /usr/sbin/smtp-sink as the next hop on a free 127.0.0.1 port.
    smtp-sink -d writes one file per message; its own header lines are
    stripped and the rest is checked, and DKIM signatures are verified with
    dkimpy (python3-dkim) using a dnsfunc that returns our key records.
    Log lines are collected from a unix datagram socket given with -l
    (Postfix's postlog protocol). stderr goes to a file that must stay
    empty. Run as root, smtp-sink needs -u nobody and dump directories
    nobody can write (mode 0777 here); as non-root neither is needed.

    Usage: test-spawn.py PATH/TO/dkimmod-spawn [unittest args]
"""
import base64
import glob
import logging
import os
import select
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import time
import unittest

SPAWN = os.path.abspath(sys.argv.pop(1)) if len(sys.argv) > 1 else None
SINK = "/usr/sbin/smtp-sink"
T = None   # module fixture (keys, config, log socket)


def die(msg):
    print("test-spawn: " + msg, file=sys.stderr)
    sys.exit(1)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def openssl(*args, data=None):
    return subprocess.run(["openssl", *args], input=data, check=True,
                          capture_output=True).stdout


class Fixture:
    """Keys, DNS records, config file and log socket shared by all cases."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="dkimmod-spawn-test.")
        os.chmod(self.dir, 0o755)
        self.records = {}
        self.key_rsa = self.keygen("rsa", "sel", "example.net",
                                   ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"])
        self.key_ed = self.keygen("ed", "ed1", "example.org", ["-algorithm", "ED25519"])
        self.key_rsa1 = self.keygen("rsa1", "rsa1", "example.org",
                                    ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024"])
        self.spool = os.path.join(self.dir, "spool")
        os.mkdir(self.spool, 0o700)
        self.conf = os.path.join(self.dir, "dkimmod.conf")
        with open(self.conf, "w") as f:
            f.write("""
signing = {
  defaults = { c = "relaxed/relaxed"; };
  sender_map = (
    { sender = "example.net";
      sign = ( { s = "sel"; d = "example.net"; key = "%s"; } ); },
    { sender = "example.org";
      sign = ( { s = "ed1"; d = "example.org"; key = "%s"; },
               { s = "rsa1"; d = "example.org"; c = "simple/simple"; key = "%s"; } ); }
  );
};
spawn = {
  spool_directory = "%s";
  timeout_command = 20;
  timeout_data = 20;
  timeout_next_hop = 20;
};
""" % (self.key_rsa, self.key_ed, self.key_rsa1, self.spool))
        self.log_path = os.path.join(self.dir, "postlog.sock")
        self.log = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.log.bind(self.log_path)
        os.chmod(self.log_path, 0o666)
        self.log.setblocking(False)

    def keygen(self, name, selector, domain, args):
        path = os.path.join(self.dir, name + ".pem")
        openssl("genpkey", *args, "-out", path)
        os.chmod(path, 0o600)
        der = openssl("pkey", "-in", path, "-pubout", "-outform", "DER")
        if "ED25519" in args:
            rec = "v=DKIM1; k=ed25519; p=" + base64.b64encode(der[-32:]).decode()
        else:
            rec = "v=DKIM1; k=rsa; p=" + base64.b64encode(der).decode()
        self.records["%s._domainkey.%s" % (selector, domain)] = rec
        return path

    def logs(self):
        out = []
        while True:
            try:
                out.append(self.log.recv(65536).decode("ascii", "replace"))
            except BlockingIOError:
                return out

    def close(self):
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


class Sink:
    """smtp-sink on a free loopback port, one dump file per message."""

    def __init__(self, *opts):
        self.dump = tempfile.mkdtemp(prefix="sink.", dir=T.dir)
        os.chmod(self.dump, 0o777)
        self.port = free_port()
        args = [SINK]
        if os.geteuid() == 0:
            args += ["-u", "nobody"]
        args += [*opts, "-d", self.dump + "/%M.", "127.0.0.1:%d" % self.port, "10"]
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 5
        while not self.listening():
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise RuntimeError("smtp-sink did not start")
            time.sleep(0.02)

    def listening(self):
        # /proc/net/tcp, so that probing does not open an SMTP session.
        want = ":%04X" % self.port
        with open("/proc/net/tcp") as f:
            return any(want in line.split()[1] and line.split()[3] == "0A"
                       for line in f.readlines()[1:])

    def dumps(self):
        """smtp-sink's dump files, oldest first. smtp-sink opens one at MAIL
        and unlinks it when the transaction ends without a message, so a
        file may vanish between listing and reading: those are skipped."""
        files = []
        for p in glob.glob(self.dump + "/*"):
            try:
                files.append((os.stat(p).st_mtime_ns, p))
            except FileNotFoundError:
                pass
        return [p for _, p in sorted(files)]

    def messages(self, n=None, timeout=5):
        """The dumped messages (CRLF, smtp-sink's own headers removed)."""
        deadline = time.monotonic() + timeout
        while True:
            files = self.dumps()
            if n is None or len(files) >= n or time.monotonic() > deadline:
                break
            time.sleep(0.02)
        time.sleep(0.05)   # dump files are written incrementally
        out = []
        for p in files:
            try:
                out.append(self.parse(p))
            except FileNotFoundError:
                pass
        return out

    @staticmethod
    def parse(path):
        with open(path, "rb") as f:
            lines = f.read().split(b"\n")
        i = 0
        while not lines[i].startswith(b"Received: "):
            i += 1
        i += 1
        while lines[i].startswith(b"\t"):
            i += 1
        body = lines[i:]
        if body and body[-1] == b"":
            body.pop()          # end of file
        if body and body[-1] == b"":
            body.pop()          # smtp-sink's separator line
        return b"\r\n".join(body) + b"\r\n"

    def stop(self):
        self.proc.kill()
        self.proc.wait()


class Client:
    """The Postfix SMTP client's side of the socketpair."""

    def __init__(self, sock):
        self.s = sock
        self.buf = b""

    def send(self, data):
        self.s.sendall(data)

    def line(self, timeout=10):
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.s], [], [], left)[0]:
                raise TimeoutError("no reply; have %r" % self.buf)
            data = self.s.recv(65536)
            if not data:
                raise EOFError("connection closed; have %r" % self.buf)
            self.buf += data
        line, self.buf = self.buf.split(b"\n", 1)
        return line

    def reply(self, timeout=10):
        lines = []
        while True:
            line = self.line(timeout)
            assert line.endswith(b"\r"), "reply line without CRLF: %r" % line
            lines.append(line[:-1])
            if len(line) < 5 or line[3:4] == b" ":
                return int(lines[0][:3]), b"\n".join(lines).decode()

    def cmd(self, text):
        self.send(text.encode() + b"\r\n")
        return self.reply()

    def eof(self, timeout=10):
        deadline = time.monotonic() + timeout
        while select.select([self.s], [], [], max(0, deadline - time.monotonic()))[0]:
            data = self.s.recv(65536)
            if not data:
                return True
            self.buf += data
        return False


def message(frm="Alice <alice@example.net>", body=b"Hello.\r\n", extra=b""):
    return (b"From: " + frm.encode() + b"\r\n"
            b"To: Bob <bob@example.com>\r\n"
            b"Subject: test message\r\n"
            b"Date: Sat, 28 Nov 2026 14:00:00 +0000\r\n"
            b"Message-ID: <test." + str(time.monotonic_ns()).encode() + b"@example.net>\r\n"
            + extra + b"\r\n" + body)


def stuff(msg):
    """SMTP dot-stuffing of a CRLF message, plus the end-of-data line."""
    lines = msg.split(b"\r\n")
    assert lines[-1] == b""
    return b"".join((b"." + l if l.startswith(b".") else l) + b"\r\n" for l in lines[:-1]) + b".\r\n"


def dkim_verify(msg):
    import dkim

    def dnsfunc(name, timeout=5):
        name = name.decode() if isinstance(name, bytes) else name
        rec = T.records.get(name.rstrip(".").lower())
        return rec.encode() if rec else None

    head = msg.split(b"\r\n\r\n", 1)[0]
    n = sum(1 for l in head.split(b"\r\n") if l.lower().startswith(b"dkim-signature:"))
    results = []
    for i in range(n):
        d = dkim.DKIM(msg, logger=logging.getLogger("quiet"), minkey=1024)
        results.append(d.verify(idx=i, dnsfunc=dnsfunc))
    return results


class SpawnCase(unittest.TestCase):
    sink_opts = ()

    def setUp(self):
        T.logs()
        self.seen = []
        self.sink = Sink(*self.sink_opts)
        self.procs = []
        self.errfiles = []

    def tearDown(self):
        for p, c in self.procs:
            c.s.close()
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
                self.fail("dkimmod-spawn still running after its client left")
        self.sink.stop()
        for path in self.errfiles:
            self.assertEqual(os.path.getsize(path), 0, "dkimmod-spawn wrote to stderr")

    def start(self, *opts, next_hop=None, conf=None, sock_type=socket.SOCK_STREAM,
              args=(), stderr_socket=False, greet=True, env=None):
        """dkimmod-spawn with our config; returns (process, Client)."""
        a, b = socket.socketpair(socket.AF_UNIX, sock_type)
        errpath = os.path.join(T.dir, "stderr.%d" % len(self.errfiles) + self.id())
        self.errfiles.append(errpath)
        cmd = [SPAWN, "-c", conf or T.conf, "-l", T.log_path,
               "-o", "next_hop=" + (next_hop or "127.0.0.1:%d" % self.sink.port)]
        for o in opts:
            cmd += ["-o", o]
        cmd += list(args)
        with open(errpath, "wb") as err:
            # spawn(8): cwd is the (unwritable) queue directory, env nearly empty.
            p = subprocess.Popen(cmd, stdin=b, stdout=b, stderr=b if stderr_socket else err,
                                 cwd="/", env={"PATH": "/usr/bin:/bin", "LANG": "C",
                                               **(env or {})})
        b.close()
        c = Client(a)
        self.procs.append((p, c))
        if greet:
            code, text = c.reply()
            self.assertEqual(code, 220, text)
        return p, c

    def session(self, c, ehlo=True):
        if ehlo:
            code, text = c.cmd("EHLO client.example")
            self.assertEqual(code, 250, text)
            return text
        return None

    def transaction(self, c, msg, sender="alice@example.net", rcpts=("bob@example.com",)):
        self.assertEqual(c.cmd("MAIL FROM:<%s>" % sender)[0], 250)
        for r in rcpts:
            self.assertEqual(c.cmd("RCPT TO:<%s>" % r)[0], 250)
        code, text = c.cmd("DATA")
        self.assertEqual(code, 354, text)
        c.send(stuff(msg))
        return c.reply()

    def quit(self, p, c):
        self.assertEqual(c.cmd("QUIT")[0], 221)
        self.assertTrue(c.eof())
        self.assertEqual(p.wait(timeout=10), 0)

    def log_text(self, want, timeout=3):
        deadline = time.monotonic() + timeout
        while True:
            self.seen += T.logs()
            if any(want in l for l in self.seen) or time.monotonic() > deadline:
                break
            time.sleep(0.02)
        time.sleep(0.05)
        self.seen += T.logs()
        lines = [l for l in self.seen if want in l]
        if not lines:
            self.fail("no log line with %r in %r" % (want, self.seen))
        return lines


class TestSigning(SpawnCase):
    def test_sign_one_message_verifies(self):
        p, c = self.start()
        ehlo = self.session(c)
        for word in ("STARTTLS", "AUTH", "CHUNKING", "XCLIENT", "ETRN", "VRFY"):
            self.assertNotIn(word, ehlo)
        self.assertIn("PIPELINING", ehlo)
        self.assertEqual(c.cmd("XFORWARD IDENT=4QAbCd123 NAME=client.example")[0], 250)
        msg = message()
        code, text = self.transaction(c, msg)
        self.assertEqual(code, 250, text)
        self.quit(p, c)
        [got] = self.sink.messages(1)
        self.assertTrue(got.startswith(b"DKIM-Signature: "), got[:200])
        self.assertTrue(got.endswith(msg), "message changed in transit")
        self.assertEqual(dkim_verify(got), [True])
        [line] = self.log_text("DKIM signing - signed")
        self.assertIn("4QAbCd123: DKIM signing - signed; message-id=<test.", line)
        self.assertIn("signer=<@example.net>, from=<alice@example.net>, s=sel, a=rsa-sha256",
                      line)
        # the sender_map entry that matched, with its file and line
        self.assertRegex(line, r', entry="example\.net" \(/\S+\.conf:\d+\)$')
        self.assertRegex(line, r"^[A-Z][a-z]{2} [ 0-9]\d \d\d:\d\d:\d\d \S+ dkimmod-spawn\[\d+\]: ")

    def test_two_messages_one_connection_dual_signature(self):
        p, c = self.start()
        self.session(c)
        m1 = message()
        m2 = message(frm="Carol <carol@Example.ORG>", body=b"second\r\n")
        self.assertEqual(self.transaction(c, m1)[0], 250)
        self.assertEqual(c.cmd("RSET")[0], 250)
        self.assertEqual(self.transaction(c, m2, sender="carol@example.org")[0], 250)
        self.quit(p, c)
        got = self.sink.messages(2)
        self.assertEqual(len(got), 2)
        [first] = [m for m in got if m.endswith(m1)]
        [second] = [m for m in got if m.endswith(m2)]
        self.assertEqual(dkim_verify(first), [True])
        self.assertEqual(dkim_verify(second), [True, True])
        self.assertIn(b"a=ed25519-sha256", second)
        self.log_text("NOQUEUE: DKIM signing - signed")
        lines = self.log_text("signer=<@example.org>, from=<carol@example.org>, s=ed1, "
                              "a=ed25519-sha256, signer=<@example.org>, s=rsa1, a=rsa-sha256")
        self.assertEqual(len(lines), 1, lines)

    def test_pipelined_batch_answered_in_one_write(self):
        # SOCK_SEQPACKET keeps write boundaries: one record per write(2).
        p, c = self.start(sock_type=socket.SOCK_SEQPACKET, greet=False)
        self.assertTrue(c.s.recv(65536).startswith(b"220 "))
        c.send(b"EHLO client.example\r\n")
        self.assertTrue(c.s.recv(65536).startswith(b"250-"))
        c.send(b"MAIL FROM:<alice@example.net>\r\nRCPT TO:<a@example.com>\r\n"
               b"RCPT TO:<b@example.com>\r\nDATA\r\n")
        rec = c.s.recv(65536)
        self.assertEqual(rec.count(b"\r\n"), 4, rec)
        self.assertTrue(rec.endswith(b"354 End data with <CR><LF>.<CR><LF>\r\n"), rec)
        msg = message()
        c.send(stuff(msg) + b"QUIT\r\n")
        rec = c.s.recv(65536)
        self.assertTrue(rec.startswith(b"250 "), rec)
        rec += c.s.recv(65536) if b"221" not in rec else b""
        self.assertIn(b"221 ", rec)
        self.assertEqual(p.wait(timeout=10), 0)
        self.assertEqual(dkim_verify(self.sink.messages(1)[0]), [True])

    def test_dot_stuffing_round_trip(self):
        p, c = self.start()
        self.session(c)
        body = (b".leading dot\r\n..two dots\r\n.\t.\r\n. \r\nmid.dle\r\n"
                b"...\r\n.\r\n..\r\nend\r\n")
        msg = message(body=body)
        self.assertEqual(self.transaction(c, msg)[0], 250)
        self.quit(p, c)
        [got] = self.sink.messages(1)
        self.assertTrue(got.endswith(msg), got)
        self.assertEqual(dkim_verify(got), [True])

    def test_smuggling_sequences_do_not_end_data(self):
        p, c = self.start()
        self.session(c)
        for i, seq in enumerate([b"\n.\n", b"\r.\r", b"\n.\r\n", b"\r\n.\n", b"\r.\r\n"]):
            evil = (b"before" + seq + b"MAIL FROM:<evil@example.com>\r\n"
                    b"RCPT TO:<victim@example.com>\r\nDATA\r\n")
            msg = message(body=evil + b"after\r\n")
            code, text = self.transaction(c, msg)
            self.assertEqual(code, 250, (seq, text))
            got = self.sink.messages(i + 1)
            self.assertEqual(len(got), i + 1, "smuggled a second message with %r" % seq)
            self.assertIn(b"after", got[-1])
            self.assertIn(b"MAIL FROM:<evil@example.com>", got[-1])
        self.quit(p, c)
        self.assertEqual(len(self.sink.messages()), 5)

    def test_no_sender_map_entry_is_relayed_unsigned_and_logged(self):
        p, c = self.start()
        self.session(c)
        self.assertEqual(c.cmd("XFORWARD IDENT=4QZZZ")[0], 250)
        msg = message(frm="x@unknown.example")
        self.assertEqual(self.transaction(c, msg, sender="x@unknown.example")[0], 250)
        self.quit(p, c)
        [got] = self.sink.messages(1)
        self.assertEqual(got, msg)
        [line] = self.log_text("skipped")
        self.assertIn("4QZZZ: DKIM signing - skipped;", line)
        self.assertIn("no sender_map entry for <x@unknown.example> (tried x@unknown.example, "
                      "unknown.example, example, .)", line)

    def idn_conf(self):
        """A config with only the A-label entry xn--bcher-kva.example (bücher.example)."""
        T.records["sel._domainkey.xn--bcher-kva.example"] = T.records["sel._domainkey.example.net"]
        T.records["joerg._domainkey.xn--bcher-kva.example"] = T.records["sel._domainkey.example.net"]
        conf = os.path.join(T.dir, "idn.conf")
        with open(conf, "w") as f:
            f.write('signing = { sender_map = ( { sender = "xn--bcher-kva.example"; sign = ( '
                    '{ s = "sel"; key = "%s"; } ); },\n'
                    '  { sender = "j\u00f6rg@xn--bcher-kva.example"; sign = ( '
                    '{ s = "joerg"; key = "%s"; } ); } ); };\n'
                    'spawn = { spool_directory = "%s"; };\n' % (T.key_rsa, T.key_rsa, T.spool))
        return conf

    # smtp-sink offers 8BITMIME but not SMTPUTF8, so the filter passes on
    # only what the next hop offers: the SMTPUTF8 parameter is sent when it does.
    def test_smtputf8_from_u_label_signed_with_a_label(self):
        p, c = self.start(conf=self.idn_conf())
        ehlo = self.session(c)
        utf8 = " SMTPUTF8" if "SMTPUTF8" in ehlo else ""
        msg = message(frm="Anna <anna@b\u00fccher.example>", body="Grüße, 8 bit.\r\n".encode())
        self.assertEqual(c.cmd("MAIL FROM:<anna@b\u00fccher.example> BODY=8BITMIME" + utf8)[0],
                         250)
        self.assertEqual(c.cmd("RCPT TO:<bob@example.com>")[0], 250)
        self.assertEqual(c.cmd("DATA")[0], 354)
        c.send(stuff(msg))
        code, text = c.reply()
        self.assertEqual(code, 250, text)
        self.quit(p, c)
        [got] = self.sink.messages(1)
        self.assertTrue(got.endswith(msg), "message changed in transit")
        self.assertIn(b"d=xn--bcher-kva.example;", got)
        self.assertEqual(dkim_verify(got), [True])
        [line] = self.log_text("DKIM signing - signed")
        self.assertIn("signer=<@xn--bcher-kva.example>, from=<anna@xn--bcher-kva.example>", line)

    def test_smtputf8_envelope_u_label_with_utf8_local_part(self):
        p, c = self.start("sender_source=envelope", conf=self.idn_conf())
        ehlo = self.session(c)
        utf8 = " SMTPUTF8" if "SMTPUTF8" in ehlo else ""
        msg = message(frm="J\u00f6rg <j\u00f6rg@b\u00fccher.example>")
        self.assertEqual(c.cmd("MAIL FROM:<J\u00f6rg@B\u00dcCHER.example>" + utf8)[0], 250)
        self.assertEqual(c.cmd("RCPT TO:<bob@example.com>")[0], 250)
        self.assertEqual(c.cmd("DATA")[0], 354)
        c.send(stuff(msg))
        self.assertEqual(c.reply()[0], 250)
        self.quit(p, c)
        [got] = self.sink.messages(1)
        # the address-level key: the UTF-8 local part as is, the A-label domain
        self.assertIn(b"s=joerg;", got)
        self.assertIn(b"d=xn--bcher-kva.example;", got)
        self.assertEqual(dkim_verify(got), [True])

    def test_malformed_u_label_skipped_with_reason(self):
        p, c = self.start(conf=self.idn_conf())
        self.session(c)
        msg = message(frm="x@b\u00fc\u200dcher.example")   # a lone zero-width joiner
        self.assertEqual(self.transaction(c, msg, sender="x@example.net")[0], 250)
        self.quit(p, c)
        self.assertEqual(self.sink.messages(1), [msg])
        [line] = self.log_text("DKIM signing - skipped")
        self.assertIn("domain is not an internationalized domain name", line)

    def test_two_from_headers_not_signed(self):
        p, c = self.start()
        self.session(c)
        msg = message(extra=b"From: mallory@example.com\r\n")
        self.assertEqual(self.transaction(c, msg)[0], 250)
        self.quit(p, c)
        [got] = self.sink.messages(1)
        self.assertNotIn(b"DKIM-Signature", got)
        self.assertIn("2 From headers", self.log_text("skipped")[0])

    def test_xforward_ident_not_kept_across_transactions(self):
        p, c = self.start()
        self.session(c)
        self.assertEqual(c.cmd("XFORWARD IDENT=FIRSTID")[0], 250)
        self.assertEqual(self.transaction(c, message())[0], 250)
        self.assertEqual(self.transaction(c, message())[0], 250)
        self.quit(p, c)
        self.log_text("NOQUEUE: DKIM signing - signed")
        self.assertEqual(len(self.log_text("FIRSTID: DKIM signing - signed")), 1)

    def test_eof_without_quit(self):
        p, c = self.start()
        self.session(c)
        self.assertEqual(self.transaction(c, message())[0], 250)
        c.s.shutdown(socket.SHUT_WR)
        self.assertTrue(c.eof())
        self.assertEqual(p.wait(timeout=10), 0)
        self.assertEqual(len(self.sink.messages(1)), 1)

    def test_stderr_is_the_socket_and_stays_silent(self):
        p, c = self.start(stderr_socket=True)
        self.session(c)
        self.assertEqual(c.cmd("BDAT 10 LAST")[0], 502)
        self.assertEqual(c.cmd("STARTTLS")[0], 502)
        self.assertEqual(c.cmd("X" * 10000)[0], 500)
        self.assertEqual(c.cmd("NOOP")[0], 250)
        self.assertEqual(self.transaction(c, message())[0], 250)
        self.quit(p, c)
        self.assertEqual(c.buf, b"")

    def test_commands_out_of_order(self):
        p, c = self.start()
        self.session(c)
        self.assertEqual(c.cmd("DATA")[0], 503)
        self.assertEqual(c.cmd("MAIL FROM:<alice@example.net>")[0], 250)
        self.assertEqual(c.cmd("MAIL FROM:<alice@example.net>")[0], 503)
        self.assertEqual(c.cmd("DATA")[0], 554)
        self.assertEqual(c.cmd("RSET")[0], 250)
        self.assertEqual(self.transaction(c, message())[0], 250)
        self.quit(p, c)


class TestSenderPolicy(SpawnCase):
    """signing.match_envelope_sender: the From domain must be the envelope
    sender's domain, or an alias listed for it ("<>": the null sender)."""

    def policy_conf(self):
        conf = os.path.join(T.dir, "policy.conf")
        with open(T.conf) as f:
            text = f.read()
        with open(conf, "w") as f:
            f.write(text.replace("signing = {\n", "signing = {\n"
                                 "  match_envelope_sender = true;\n"
                                 "  envelope_sender_aliases = (\n"
                                 "    { envelope = \"<>\"; from = [ \"example.net\" ]; } );\n", 1))
        return conf

    def test_matching_domains_signed_others_relayed_unsigned(self):
        p, c = self.start(conf=self.policy_conf())
        self.session(c)
        own = message()
        self.assertEqual(self.transaction(c, own, sender="alice@example.net")[0], 250)
        self.assertEqual(c.cmd("XFORWARD IDENT=4QPOL1")[0], 250)
        forged = message(frm="CEO <ceo@example.org>")
        code, text = self.transaction(c, forged, sender="alice@example.net")
        self.assertEqual(code, 250, text)
        self.quit(p, c)
        # by content: two dumps written in the same clock tick have no order
        got = self.sink.messages(2)
        self.assertEqual(len(got), 2)
        signed, unsigned = sorted(got, key=lambda m: m == forged)
        self.assertTrue(signed.endswith(own), "own message changed")
        self.assertEqual(dkim_verify(signed), [True])
        self.assertEqual(unsigned, forged, "a From of another domain got a signature")
        [line] = self.log_text("4QPOL1: DKIM signing - skipped")
        self.assertIn("sender <ceo@example.org>, envelope sender <alice@example.net>, "
                      "match_envelope_sender: sender domain example.org is not the envelope "
                      "sender's domain example.net", line)

    def test_null_sender_signed_only_for_its_aliases(self):
        p, c = self.start(conf=self.policy_conf())
        self.session(c)
        bounce = message(frm="Mail Delivery System <MAILER-DAEMON@example.net>")
        self.assertEqual(self.transaction(c, bounce, sender="")[0], 250)
        self.assertEqual(c.cmd("XFORWARD IDENT=4QPOL2")[0], 250)
        other = message(frm="MAILER-DAEMON@example.org")
        self.assertEqual(self.transaction(c, other, sender="")[0], 250)
        self.quit(p, c)
        got = self.sink.messages(2)
        self.assertEqual(len(got), 2)
        signed, unsigned = sorted(got, key=lambda m: m == other)
        self.assertTrue(signed.endswith(bounce), "bounce changed")
        self.assertEqual(dkim_verify(signed), [True])
        self.assertEqual(unsigned, other)
        [line] = self.log_text("4QPOL2: DKIM signing - skipped")
        self.assertIn("envelope sender <>, match_envelope_sender: sender domain example.org is "
                      "not among the envelope_sender_aliases of the null envelope sender <>", line)

    def test_policy_off_signs_any_from(self):
        # the default: the sender_map alone decides (as before the policy)
        p, c = self.start()
        self.session(c)
        forged = message(frm="CEO <ceo@example.org>")
        self.assertEqual(self.transaction(c, forged, sender="alice@example.net")[0], 250)
        self.quit(p, c)
        [got] = self.sink.messages(1)
        self.assertEqual(dkim_verify(got), [True, True])


class TestSpool(SpawnCase):
    def test_spill_to_file_message_intact(self):
        spool = os.path.join(T.dir, "spill")
        os.mkdir(spool)
        p, c = self.start("spool_memory_max=1024", "spool_directory=" + spool)
        self.session(c)
        body = b"".join(b"line %06d: %s\r\n" % (i, b"x" * 60) for i in range(4000))
        msg = message(body=body)
        self.assertEqual(self.transaction(c, msg)[0], 250)
        self.assertEqual(os.listdir(spool), [], "spool file left behind")
        self.quit(p, c)
        [got] = self.sink.messages(1)
        self.assertTrue(got.endswith(msg))
        self.assertEqual(dkim_verify(got), [True])

    def test_spool_failure_is_452(self):
        p, c = self.start("spool_memory_max=1024",
                          "spool_directory=" + os.path.join(T.dir, "no-such-dir"))
        self.session(c)
        msg = message(body=b"y" * 5000 + b"\r\n")
        code, text = self.transaction(c, msg)
        self.assertEqual(code, 452, text)
        self.assertIn("4.3.1", text)
        self.assertEqual(self.transaction(c, message())[0], 250)   # session goes on
        self.quit(p, c)
        self.assertEqual(len(self.sink.messages(1)), 1)

    def test_message_too_big_is_552(self):
        # message_size_max is what the next hop may get: minus the headroom
        p, c = self.start("message_size_max=%d" % (TestSizeHeadroom.HEADROOM + 2000))
        ehlo = self.session(c)
        self.assertIn("SIZE 2000", ehlo)
        code, text = self.transaction(c, message(body=b"z" * 3000 + b"\r\n"))
        self.assertEqual(code, 552, text)
        self.assertIn("5.3.4", text)
        self.assertEqual(self.transaction(c, message())[0], 250)
        self.quit(p, c)
        self.assertEqual(len(self.sink.messages(1)), 1)


class TestFailures(SpawnCase):
    def test_next_hop_down_is_421_at_connect(self):
        port = free_port()
        p, c = self.start(next_hop="127.0.0.1:%d" % port, greet=False)
        code, text = c.reply()
        self.assertEqual(code, 421, text)
        self.assertIn("4.4.1 next hop 127.0.0.1:%d unavailable" % port, text)
        self.assertTrue(c.eof())
        self.assertEqual(p.wait(timeout=10), 75)

    def test_unreadable_key_is_451_nothing_delivered(self):
        bad = os.path.join(T.dir, "bad.pem")
        with open(bad, "w") as f:
            f.write("-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n")
        os.chmod(bad, 0o600)
        conf = os.path.join(T.dir, "badkey.conf")
        with open(conf, "w") as f:
            f.write('signing = { sender_map = ( { sender = "example.net"; sign = ( '
                    '{ s = "sel"; d = "example.net"; key = "%s"; } ); } ); };\n'
                    'spawn = { spool_directory = "%s"; };\n' % (bad, T.spool))
        p, c = self.start(conf=conf)
        self.session(c)
        code, text = self.transaction(c, message())
        self.assertEqual(code, 451, text)
        self.assertIn("4.7.1", text)
        self.assertEqual(c.cmd("RSET")[0], 250)
        self.quit(p, c)
        self.assertEqual(self.sink.messages(), [])
        self.assertIn(bad, self.log_text("DKIM signing - error")[0])

    def test_unreadable_key_on_error_relay(self):
        conf = os.path.join(T.dir, "badkey2.conf")
        with open(conf, "w") as f:
            f.write('signing = { sender_map = ( { sender = "example.net"; sign = ( '
                    '{ s = "sel"; d = "example.net"; key = "%s"; } ); } ); };\n'
                    % os.path.join(T.dir, "missing.pem"))
        p, c = self.start("on_error=relay", "spool_directory=" + T.spool, conf=conf)
        self.session(c)
        msg = message()
        self.assertEqual(self.transaction(c, msg)[0], 250)
        self.quit(p, c)
        self.assertEqual(self.sink.messages(1), [msg])
        self.assertIn("relayed unsigned", self.log_text("DKIM signing - error")[0])

    def test_config_error_is_421(self):
        p, c = self.start(conf=os.path.join(T.dir, "does-not-exist.conf"), greet=False)
        code, text = c.reply()
        self.assertEqual(code, 421, text)
        self.assertIn("4.3.0", text)
        self.assertEqual(p.wait(timeout=10), 75)
        self.log_text("configuration error")

    def test_bad_override_is_421(self):
        p, c = self.start("no_such_setting=1", greet=False)
        self.assertEqual(c.reply()[0], 421)
        self.assertEqual(p.wait(timeout=10), 75)

    def test_silent_client_times_out(self):
        t0 = time.monotonic()
        p, c = self.start("timeout_command=1")
        self.session(c)
        code, text = c.reply(timeout=5)
        self.assertEqual(code, 421, text)
        self.assertEqual(p.wait(timeout=5), 75)
        self.assertLess(time.monotonic() - t0, 4)
        self.log_text("timeout")

    def test_silent_client_in_data_times_out(self):
        p, c = self.start("timeout_data=1")
        self.session(c)
        self.assertEqual(c.cmd("MAIL FROM:<alice@example.net>")[0], 250)
        self.assertEqual(c.cmd("RCPT TO:<bob@example.com>")[0], 250)
        self.assertEqual(c.cmd("DATA")[0], 354)
        c.send(b"From: alice@example.net\r\n\r\npartial")
        self.assertEqual(c.reply(timeout=5)[0], 421)
        self.assertEqual(p.wait(timeout=5), 75)
        self.assertEqual(self.sink.messages(), [])

    def test_works_without_config_file(self):
        # Default config path absent: built-in defaults, nothing signed.
        if os.path.exists("/etc/dkimmod/dkimmod.conf") or os.path.exists(
                "/usr/local/etc/dkimmod/dkimmod.conf"):
            self.skipTest("a system dkimmod.conf exists")
        a, b = socket.socketpair()
        p = subprocess.Popen([SPAWN, "-l", T.log_path, "-o", "next_hop=127.0.0.1:%d" % self.sink.port,
                              "-o", "spool_directory=" + T.spool],
                             stdin=b, stdout=b, stderr=subprocess.DEVNULL, cwd="/")
        b.close()
        c = Client(a)
        self.procs.append((p, c))
        self.assertEqual(c.reply()[0], 220)
        self.session(c)
        msg = message()
        self.assertEqual(self.transaction(c, msg)[0], 250)
        self.quit(p, c)
        self.assertEqual(self.sink.messages(1), [msg])
        self.log_text("no sender_map entry")


class TestOpensslConfig(SpawnCase):
    """Issue 11: the helper skips openssl.cnf unless OPENSSL_CONF or
    spawn.openssl_config asks for a file (spawn/cryptoinit.c)."""

    def null_provider_conf(self):
        # A configuration that activates only OpenSSL's null provider: no
        # SHA-256, no RSA. Whoever loads it cannot sign, which shows that
        # the file was loaded.
        path = os.path.join(T.dir, "null-provider.cnf")
        with open(path, "w") as f:
            f.write("openssl_conf = init\n[init]\nproviders = provs\n"
                    "[provs]\nnull = null_sect\n[null_sect]\nactivate = 1\n")
        return path

    def sign_once(self, *opts, env=None):
        p, c = self.start(*opts, env=env)
        self.session(c)
        code, text = self.transaction(c, message())
        self.quit(p, c)
        return code, text

    def test_default_skips_openssl_cnf_and_signs(self):
        self.assertEqual(self.sign_once()[0], 250)
        [got] = self.sink.messages(1)
        self.assertEqual(dkim_verify(got), [True])

    def test_openssl_conf_environment_is_honoured(self):
        code, text = self.sign_once(env={"OPENSSL_CONF": self.null_provider_conf()})
        self.assertEqual(code // 100, 4, text)
        self.assertEqual(self.sink.messages(0, timeout=0.2), [])

    def test_named_file_is_loaded(self):
        code, text = self.sign_once("openssl_config=" + self.null_provider_conf())
        self.assertEqual(code // 100, 4, text)

    def test_system_file_signs(self):
        self.assertEqual(self.sign_once("openssl_config=system")[0], 250)
        [got] = self.sink.messages(1)
        self.assertEqual(dkim_verify(got), [True])

    def test_missing_named_file_is_421(self):
        p, c = self.start("openssl_config=/nonexistent/openssl.cnf", greet=False)
        code, text = c.reply()
        self.assertEqual(code, 421, text)
        self.assertEqual(p.wait(timeout=10), 75)
        self.log_text("cannot load spawn.openssl_config /nonexistent/openssl.cnf")

    def test_relative_path_is_refused(self):
        p, c = self.start("openssl_config=openssl.cnf", greet=False)
        self.assertEqual(c.reply()[0], 421)
        self.assertEqual(p.wait(timeout=10), 75)
        self.log_text("must be none, system or an absolute path")


class TestNextHopHangs(SpawnCase):
    sink_opts = ("-w", "30")

    def test_next_hop_timeout_is_421(self):
        t0 = time.monotonic()
        p, c = self.start("timeout_next_hop=1")
        self.session(c)
        self.assertEqual(c.cmd("MAIL FROM:<alice@example.net>")[0], 250)
        self.assertEqual(c.cmd("RCPT TO:<bob@example.com>")[0], 250)
        self.assertEqual(c.cmd("DATA")[0], 354)
        c.send(stuff(message()))
        code, text = c.reply(timeout=5)
        self.assertEqual(code, 421, text)
        self.assertEqual(p.wait(timeout=5), 75)
        self.assertLess(time.monotonic() - t0, 4)
        self.log_text("timeout on next hop")


class TestOtherNextHops(SpawnCase):
    def test_unix_socket_next_hop(self):
        path = os.path.join(T.dir, "sink.sock")
        sink = subprocess.Popen([SINK] + (["-u", "nobody"] if os.geteuid() == 0 else [])
                                + ["unix:" + path, "10"], stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 5
            while not os.path.exists(path) and time.monotonic() < deadline:
                time.sleep(0.02)
            p, c = self.start(next_hop="unix:" + path)
            self.session(c)
            self.assertEqual(self.transaction(c, message())[0], 250)
            self.quit(p, c)
        finally:
            sink.kill()
            sink.wait()

    def test_ipv6_literal_next_hop(self):
        try:
            probe = socket.socket(socket.AF_INET6)
            probe.bind(("::1", 0))
            probe.close()
        except OSError:
            self.skipTest("no ::1 on this host")
        port = free_port()
        sink = subprocess.Popen([SINK] + (["-u", "nobody"] if os.geteuid() == 0 else [])
                                + ["-6", "[::1]:%d" % port, "10"], stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                with open("/proc/net/tcp6") as f:
                    if any(":%04X" % port in l.split()[1] and l.split()[3] == "0A"
                           for l in f.readlines()[1:]):
                        break
                time.sleep(0.02)
            p, c = self.start(next_hop="[::1]:%d" % port)
            self.session(c)
            self.assertEqual(self.transaction(c, message())[0], 250)
            self.quit(p, c)
        finally:
            sink.kill()
            sink.wait()

    def test_tcp_nodelay_on_client_socket(self):
        # Under spawn(8) fds 0/1 are a TCP socket: Nagle must be off there.
        ls = socket.socket()
        ls.bind(("127.0.0.1", 0))
        ls.listen(1)
        cs = socket.create_connection(ls.getsockname())
        srv, _ = ls.accept()
        ls.close()
        self.assertEqual(srv.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY), 0)
        p = subprocess.Popen([SPAWN, "-c", T.conf, "-l", T.log_path,
                              "-o", "next_hop=127.0.0.1:%d" % self.sink.port],
                             stdin=srv, stdout=srv, stderr=subprocess.DEVNULL, cwd="/")
        c = Client(cs)
        self.procs.append((p, c))
        self.assertEqual(c.reply()[0], 220)
        self.assertNotEqual(srv.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY), 0)
        srv.close()
        self.session(c)
        self.assertEqual(self.transaction(c, message())[0], 250)
        self.quit(p, c)

    def test_postlog_socket_in_cwd(self):
        # spawn's cwd is the queue directory; with no /dev/log, lines go to
        # ./public/postlog (postlogd), formatted as syslog file lines.
        if os.path.exists("/dev/log"):
            self.skipTest("/dev/log exists: syslog is used")
        q = os.path.join(T.dir, "queue")
        os.makedirs(os.path.join(q, "public"), exist_ok=True)
        ls = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        ls.bind(os.path.join(q, "public", "postlog"))
        ls.settimeout(5)
        try:
            a, b = socket.socketpair()
            p = subprocess.Popen([SPAWN, "-c", T.conf, "-o", "next_hop=127.0.0.1:%d" % self.sink.port],
                                 stdin=b, stdout=b, stderr=subprocess.DEVNULL, cwd=q, env={})
            b.close()
            c = Client(a)
            self.procs.append((p, c))
            self.assertEqual(c.reply()[0], 220)
            self.session(c)
            self.assertEqual(self.transaction(c, message())[0], 250)
            self.quit(p, c)
            line = ls.recv(65536).decode()
            self.assertRegex(line, r"^[A-Z][a-z]{2} \d\d \d\d:\d\d:\d\d \S+ dkimmod-spawn\[%d\]: "
                             r"NOQUEUE: DKIM signing - signed; " % p.pid)
        finally:
            ls.close()


class TestNextHopRejectsRcpt(SpawnCase):
    sink_opts = ("-f", "RCPT")

    def test_rcpt_reject_passed_back(self):
        p, c = self.start()
        self.session(c)
        self.assertEqual(c.cmd("MAIL FROM:<alice@example.net>")[0], 250)
        code, text = c.cmd("RCPT TO:<bob@example.com>")
        self.assertEqual(code, 500, text)
        self.assertIn("5.3.0", text)
        code, text = c.cmd("DATA")
        self.assertEqual(code, 554, text)
        self.assertIn("5.5.1", text)
        self.quit(p, c)


class TestNextHopRejectsData(SpawnCase):
    sink_opts = ("-f", "DATA")

    def test_data_reject_passed_back(self):
        p, c = self.start()
        self.session(c)
        code, text = self.transaction(c, message())
        self.assertEqual(code, 500, text)
        self.assertEqual(text, "500 5.3.0 Error: command failed")
        self.assertEqual(self.transaction(c, message())[0], 500)
        self.quit(p, c)
        self.assertEqual(self.sink.messages(), [])


class TestNextHopRejectsEndOfData(SpawnCase):
    sink_opts = ("-r", ".")

    def test_final_reply_passed_back(self):
        p, c = self.start()
        self.session(c)
        code, text = self.transaction(c, message())
        self.assertEqual(code, 450, text)
        self.assertEqual(text, "450 4.3.0 Error: command failed")
        self.quit(p, c)


class TestNextHopDisconnects(SpawnCase):
    sink_opts = ("-q", "DATA")

    def test_next_hop_lost_is_421(self):
        p, c = self.start()
        self.session(c)
        self.assertEqual(c.cmd("MAIL FROM:<alice@example.net>")[0], 250)
        self.assertEqual(c.cmd("RCPT TO:<bob@example.com>")[0], 250)
        self.assertEqual(c.cmd("DATA")[0], 354)
        c.send(stuff(message()))
        code, text = c.reply()
        self.assertEqual(code, 421, text)
        self.assertTrue(c.eof())
        self.assertEqual(p.wait(timeout=10), 75)


class ScriptedHop:
    """A misbehaving next hop: a small SMTP server on a free loopback port
    answering from a script ({"GREETING"|verb|".": reply}, default 250;
    a reply may be (seconds, reply) to answer late),
    one session at a time. It records the lines it got and whether it
    received a whole message (a "." line after its own 354, or the bytes
    of a "BDAT n LAST", which it keeps in self.chunks)."""

    def __init__(self, script):
        import threading
        self.script = script
        self.lines = []
        self.chunks = []
        self.messages = 0
        self.ls = socket.socket()
        self.ls.bind(("127.0.0.1", 0))
        self.ls.listen(5)
        self.port = self.ls.getsockname()[1]
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        try:
            conn, _ = self.ls.accept()
        except OSError:
            return
        with conn:
            f = conn.makefile("rb")
            conn.sendall(self.script.get("GREETING", "220 hop ESMTP").encode() + b"\r\n")
            in_data = False
            for raw in f:
                line = raw.rstrip(b"\r\n").decode("latin-1")
                self.lines.append(line)
                if in_data:
                    if line != ".":
                        continue
                    in_data = False
                    self.messages += 1
                    reply = self.script.get(".", "250 2.0.0 queued")
                else:
                    verb = line.split(" ", 1)[0].upper()
                    reply = self.script.get(verb, "354 go" if verb == "DATA" else
                                            "221 bye" if verb == "QUIT" else "250 ok")
                    in_data = verb == "DATA" and reply.startswith("354")
                    if verb == "BDAT":
                        self.chunks.append(f.read(int(line.split()[1])))
                        self.messages += 1
                if isinstance(reply, tuple):
                    time.sleep(reply[0])
                    reply = reply[1]
                try:
                    conn.sendall(reply.encode() + b"\r\n")
                except OSError:
                    return
                if verb == "QUIT":
                    return

    def close(self):
        self.ls.close()


class ScriptedHopCase(SpawnCase):
    """A SpawnCase whose next hop is a ScriptedHop."""

    def hop(self, script):
        h = ScriptedHop(script)
        self.addCleanup(h.close)
        return h

    def hop_session(self, script):
        """A ScriptedHop, a filter in front of it, and the client's EHLO
        answered: (hop, process, client)."""
        h = self.hop(script)
        p, c = self.start(next_hop="127.0.0.1:%d" % h.port)
        self.session(c)
        return h, p, c


class TestNextHopReplyClasses(ScriptedHopCase):
    """Item 1 of issue 9: every next-hop exchange expects a reply class."""

    def test_250_to_data_is_451_and_session_ends(self):
        h = self.hop({"DATA": "250 2.0.0 queued as DESYNC"})
        p, c = self.start(next_hop="127.0.0.1:%d" % h.port)
        self.session(c)
        code, text = self.transaction(c, message())
        self.assertEqual(code, 451, text)
        self.assertIn("4.3.0", text)
        self.assertTrue(c.eof())
        self.assertEqual(p.wait(timeout=10), 75)
        self.assertEqual(h.messages, 0)
        self.log_text("unexpected reply to DATA")

    def test_354_after_end_of_data_is_451(self):
        h = self.hop({".": "354 more please"})
        p, c = self.start(next_hop="127.0.0.1:%d" % h.port)
        self.session(c)
        code, text = self.transaction(c, message())
        self.assertEqual(code, 451, text)
        self.assertIn("4.3.0", text)
        self.assertTrue(c.eof())
        self.assertEqual(p.wait(timeout=10), 75)

    def test_354_to_mail_is_451(self):
        h = self.hop({"MAIL": "354 what"})
        p, c = self.start(next_hop="127.0.0.1:%d" % h.port)
        self.session(c)
        code, text = c.cmd("MAIL FROM:<alice@example.net>")
        self.assertEqual(code, 451, text)
        self.assertTrue(c.eof())
        self.assertEqual(p.wait(timeout=10), 75)

    def test_well_behaved_hop_passes(self):
        h = self.hop({})
        p, c = self.start(next_hop="127.0.0.1:%d" % h.port)
        self.session(c)
        self.assertEqual(self.transaction(c, message())[0], 250)
        self.quit(p, c)
        self.assertEqual(h.messages, 1)


class TestMisconfiguredNextHop(ScriptedHopCase):
    """Item 3 of issue 9: a 5xx not about the message must not bounce it."""

    def test_530_greeting_is_4xx(self):
        h = self.hop({"GREETING": "530 5.7.0 Must issue a STARTTLS command first"})
        p, c = self.start(next_hop="127.0.0.1:%d" % h.port, greet=False)
        code, text = c.reply()
        self.assertEqual(code // 100, 4, text)
        self.assertEqual(p.wait(timeout=10), 75)
        self.log_text("530 5.7.0 Must issue a STARTTLS")

    def test_530_to_ehlo_is_451_435(self):
        h = self.hop({"EHLO": "530 5.7.0 Authentication required"})
        p, c = self.start(next_hop="127.0.0.1:%d" % h.port)
        code, text = c.cmd("EHLO client.example")
        self.assertEqual(code, 451, text)
        self.assertIn("4.3.5", text)
        self.log_text("530 5.7.0 Authentication required")
        self.quit(p, c)

    def test_530_to_mail_is_451_435(self):
        h = self.hop({"MAIL": "530 5.7.0 Authentication required"})
        p, c = self.start(next_hop="127.0.0.1:%d" % h.port)
        self.session(c)
        code, text = c.cmd("MAIL FROM:<alice@example.net>")
        self.assertEqual(code, 451, text)
        self.assertIn("4.3.5", text)
        self.log_text("530 5.7.0 Authentication required")
        self.quit(p, c)

    def test_550_to_rcpt_stays_550(self):
        h = self.hop({"RCPT": "550 5.1.1 no such user"})
        p, c = self.start(next_hop="127.0.0.1:%d" % h.port)
        self.session(c)
        self.assertEqual(c.cmd("MAIL FROM:<alice@example.net>")[0], 250)
        self.assertEqual(c.cmd("RCPT TO:<bob@example.com>")[0], 550)
        self.quit(p, c)


class TestSizeHeadroom(ScriptedHopCase):
    """Item 2 of issue 9: SIZE minus the bytes our signatures may add."""

    HEADROOM = 135504   # dkimmod-spawn(8), SIZE: signing

    def test_size_advertised_and_enforced_with_headroom(self):
        n = 1000000
        h = self.hop({"EHLO": "250-hop\r\n250-PIPELINING\r\n250 SIZE %d" % n})
        p, c = self.start(next_hop="127.0.0.1:%d" % h.port)
        ehlo = self.session(c)
        self.assertIn("SIZE %d" % (n - self.HEADROOM), ehlo)
        limit = n - self.HEADROOM
        head = message()

        def sized(total):
            # 78-byte lines (no line folding): head + lines + a short last line
            lines, rest = divmod(total - len(head), 80)
            if rest < 2:
                # the last line needs room for its CRLF: borrow a full line
                lines, rest = lines - 1, rest + 80
            return head + (b"x" * 78 + b"\r\n") * lines + b"y" * (rest - 2) + b"\r\n"
        # One byte over: refused by us, never offered to the next hop.
        over = sized(limit + 1)
        self.assertEqual(len(over), limit + 1)
        code, text = self.transaction(c, over)
        self.assertEqual(code, 552, text)
        self.assertIn("5.3.4", text)
        self.assertEqual(h.messages, 0)
        self.assertNotIn("DATA", h.lines)
        # Exactly the limit: relayed and signed.
        fits = sized(limit)
        self.assertEqual(len(fits), limit)
        code, text = self.transaction(c, fits)
        self.assertEqual(code, 250, text)
        self.assertEqual(h.messages, 1)
        # A declared SIZE= over the limit is refused at MAIL.
        code, text = c.cmd("MAIL FROM:<alice@example.net> SIZE=%d" % (limit + 1))
        self.assertEqual(code, 552, text)
        self.quit(p, c)


class TestXforward(ScriptedHopCase):
    """Issue 10 item 4: XFORWARD is ours: announced, checked as Postfix's
    smtpd checks it, and passed on with what the next hop announced."""

    ALL = "XFORWARD NAME ADDR PROTO HELO SOURCE PORT IDENT"
    # What Postfix's smtp client sends (smtp_proto.c: two commands, xtext)
    POSTFIX = ["XFORWARD NAME=mail.example ADDR=IPv6:2001:DB8::1 PORT=4711",
               "XFORWARD PROTO=ESMTP HELO=[192.0.2.1]+20x IDENT=4QxFwD1 SOURCE=REMOTE"]

    def xforward_lines(self, h):
        return [line for line in h.lines if line.upper().startswith("XFORWARD")]

    def test_announced_without_next_hop_xforward_and_kept_for_logs(self):
        h = self.hop({})
        p, c = self.start(next_hop="127.0.0.1:%d" % h.port)
        ehlo = self.session(c)
        self.assertIn(self.ALL, ehlo)
        for line in self.POSTFIX:
            self.assertEqual(c.cmd(line), (250, "250 2.0.0 Ok"))
        self.assertEqual(self.transaction(c, message())[0], 250)
        self.quit(p, c)
        self.assertEqual(self.xforward_lines(h), [])
        self.log_text("4QxFwD1: DKIM signing - signed")

    def test_passed_on_encoded_again(self):
        h = self.hop({"EHLO": "250-hop\r\n250-" + self.ALL + "\r\n250 PIPELINING"})
        p, c = self.start(next_hop="127.0.0.1:%d" % h.port)
        self.session(c)
        for line in self.POSTFIX:
            self.assertEqual(c.cmd(line)[0], 250)
        self.assertEqual(self.transaction(c, message())[0], 250)
        self.quit(p, c)
        self.assertEqual(self.xforward_lines(h), [
            "XFORWARD NAME=mail.example ADDR=IPv6:2001:db8::1 PORT=4711",
            "XFORWARD PROTO=ESMTP HELO=[192.0.2.1]?x IDENT=4QxFwD1 SOURCE=REMOTE"])

    def test_only_what_the_next_hop_announced(self):
        h = self.hop({"EHLO": "250-hop\r\n250 XFORWARD NAME ADDR"})
        p, c = self.start(next_hop="127.0.0.1:%d" % h.port)
        self.session(c)
        for line in self.POSTFIX:
            self.assertEqual(c.cmd(line)[0], 250)
        self.assertEqual(c.cmd("XFORWARD ADDR=[UNAVAILABLE] NAME=[TEMPUNAVAIL]")[0], 250)
        self.quit(p, c)
        self.assertEqual(self.xforward_lines(h), [
            "XFORWARD NAME=mail.example ADDR=IPv6:2001:db8::1",
            "XFORWARD NAME=[TEMPUNAVAIL] ADDR=[UNAVAILABLE]"])

    def test_hostile_values_get_postfix_501_and_go_nowhere(self):
        h = self.hop({"EHLO": "250-hop\r\n250 " + self.ALL})
        p, c = self.start(next_hop="127.0.0.1:%d" % h.port)
        self.session(c)
        cases = [
            ("XFORWARD", "501 5.5.4 Syntax: XFORWARD attribute=value..."),
            ("XFORWARD NAME", "501 5.5.4 Error: attribute=value expected"),
            ("XFORWARD NAME=", "501 5.5.4 Error: attribute=value expected"),
            ("XFORWARD HELO=" + "h" * 256, "501 5.5.4 Error: attribute value too long"),
            ("XFORWARD LOGIN=alice", "501 5.5.4 Bad XFORWARD attribute name: LOGIN"),
            ("XFORWARD ADDR=x", "501 5.5.4 Bad XFORWARD ADDR syntax: x"),
            ("XFORWARD ADDR=192.0.2.999", "501 5.5.4 Bad XFORWARD ADDR syntax: 192.0.2.999"),
            ("XFORWARD ADDR=[192.0.2.1]", "501 5.5.4 Bad XFORWARD ADDR syntax: [192.0.2.1]"),
            ("XFORWARD NAME=a..b", "501 5.5.4 Bad XFORWARD NAME syntax: a..b"),
            ("XFORWARD NAME=<x>", "501 5.5.4 Bad XFORWARD NAME syntax: <x>"),
            ("XFORWARD NAME=a+0Ab", "501 5.5.4 Bad XFORWARD NAME syntax: a?b"),
            ("XFORWARD PORT=70000", "501 5.5.4 Bad XFORWARD PORT syntax: 70000"),
            ("XFORWARD PORT=-1", "501 5.5.4 Bad XFORWARD PORT syntax: -1"),
            ("XFORWARD SOURCE=MARS", "501 5.5.4 Bad XFORWARD SOURCE syntax: MARS"),
            ("XFORWARD PROTO=" + "P" * 65, "501 5.5.4 Bad XFORWARD PROTO syntax: " + "P" * 64 + "..."),
            ("XFORWARD HELO=a+ZZ", "501 5.5.4 Bad XFORWARD attribute value: a+ZZ"),
            ("XFORWARD HELO=a+00b", "501 5.5.4 Bad XFORWARD attribute value: a+00b"),
            # one bad attribute refuses the whole command: NAME is not kept
            ("XFORWARD NAME=ok.example ADDR=nope", "501 5.5.4 Bad XFORWARD ADDR syntax: nope"),
        ]
        for line, want in cases:
            self.assertEqual(c.cmd(line), (501, want), line)
        self.assertEqual(c.cmd("MAIL FROM:<alice@example.net>")[0], 250)
        self.assertEqual(c.cmd("XFORWARD NAME=x.example"),
                         (503, "503 5.5.1 Error: MAIL transaction in progress"))
        self.assertEqual(c.cmd("RSET")[0], 250)
        self.quit(p, c)
        self.assertEqual(self.xforward_lines(h), [])

    def test_next_hop_refusal_is_451_and_nothing_kept(self):
        h = self.hop({"EHLO": "250-hop\r\n250 " + self.ALL,
                      "XFORWARD": "550 5.7.0 Error: insufficient authorization"})
        p, c = self.start(next_hop="127.0.0.1:%d" % h.port)
        self.session(c)
        code, text = c.cmd("XFORWARD IDENT=REFUSED1 ADDR=192.0.2.1")
        self.assertEqual(code, 451, text)
        self.assertIn("4.3.5", text)
        self.assertEqual(self.transaction(c, message())[0], 250)
        self.quit(p, c)
        self.log_text("insufficient authorization")
        self.log_text("NOQUEUE: DKIM signing - signed")


class TestPipeliningToNextHop(ScriptedHopCase):
    """With PIPELINING at the next hop, XFORWARD and MAIL are answered by the
    filter and sent with the RCPT after them (pipeline.c); a refusal of
    either is the answer to every RCPT of the transaction, as Postfix's
    smtpd_delay_reject puts a sender's rejection there."""

    EHLO = "250-hop\r\n250-PIPELINING\r\n250 XFORWARD NAME ADDR PROTO HELO SOURCE PORT IDENT"

    def test_mail_refusal_answers_every_rcpt(self):
        h, p, c = self.hop_session({"EHLO": self.EHLO, "MAIL": "530 5.7.0 Authentication required"})
        self.assertEqual(c.cmd("MAIL FROM:<alice@example.net>")[0], 250)
        for rcpt in ("bob@example.com", "carol@example.com"):
            code, text = c.cmd("RCPT TO:<%s>" % rcpt)
            self.assertEqual(code, 451, text)
            self.assertIn("4.3.5", text)
        self.assertEqual(c.cmd("DATA")[0], 554)
        self.assertEqual(c.cmd("RSET")[0], 250)
        self.quit(p, c)
        self.log_text("530 5.7.0 Authentication required")
        # The second RCPT was answered without asking the next hop.
        self.assertEqual(h.lines, ["EHLO client.example", "MAIL FROM:<alice@example.net>",
                                   "RCPT TO:<bob@example.com>", "RSET", "QUIT"])
        self.assertEqual(h.messages, 0)

    def test_mail_4xx_is_passed_on_at_rcpt(self):
        h, p, c = self.hop_session({"EHLO": self.EHLO, "MAIL": "452 4.3.1 Insufficient system storage"})
        self.assertEqual(c.cmd("MAIL FROM:<alice@example.net>")[0], 250)
        self.assertEqual(c.cmd("RCPT TO:<bob@example.com>"),
                         (452, "452 4.3.1 Insufficient system storage"))
        self.quit(p, c)

    def test_xforward_refusal_fails_the_transaction(self):
        h, p, c = self.hop_session({"EHLO": self.EHLO,
                      "XFORWARD": "550 5.7.0 Error: insufficient authorization"})
        self.assertEqual(c.cmd("XFORWARD IDENT=HELD1 ADDR=192.0.2.1")[0], 250)
        self.assertEqual(c.cmd("MAIL FROM:<alice@example.net>")[0], 250)
        code, text = c.cmd("RCPT TO:<bob@example.com>")
        self.assertEqual(code, 451, text)
        self.assertIn("4.3.5", text)
        self.assertEqual(c.cmd("DATA")[0], 554)
        self.assertEqual(c.cmd("RSET")[0], 250)
        # The next transaction is a new one: relayed as usual.
        self.assertEqual(self.transaction(c, message())[0], 250)
        self.quit(p, c)
        self.log_text("insufficient authorization")
        self.assertEqual(h.messages, 1)

    def test_421_to_held_mail_ends_the_session(self):
        h, p, c = self.hop_session({"EHLO": self.EHLO, "MAIL": "421 4.3.2 going down"})
        self.assertEqual(c.cmd("MAIL FROM:<alice@example.net>")[0], 250)
        self.assertEqual(c.cmd("RCPT TO:<bob@example.com>"), (421, "421 4.3.2 going down"))
        self.assertTrue(c.eof())
        self.assertEqual(p.wait(timeout=10), 75)

    def test_held_commands_reach_the_hop_in_order(self):
        h, p, c = self.hop_session({"EHLO": self.EHLO})
        self.assertEqual(c.cmd("XFORWARD NAME=mail.example ADDR=192.0.2.1")[0], 250)
        self.assertEqual(self.transaction(c, message())[0], 250)
        self.quit(p, c)
        self.assertEqual(h.messages, 1)
        self.assertEqual(h.lines[:4], ["EHLO client.example",
                                       "XFORWARD NAME=mail.example ADDR=192.0.2.1",
                                       "MAIL FROM:<alice@example.net>", "RCPT TO:<bob@example.com>"])
        self.log_text("NOQUEUE: DKIM signing - signed")


class TestBdatToNextHop(ScriptedHopCase):
    """With CHUNKING at the next hop the message goes as one "BDAT n LAST"
    with its bytes, in the write that carries the command (no 354 to wait
    for) and without dot-stuffing (data.c)."""

    EHLO = "250-hop\r\n250-PIPELINING\r\n250-CHUNKING\r\n250 8BITMIME"

    def test_signed_message_goes_as_one_chunk_byte_exact(self):
        h = self.hop({"EHLO": self.EHLO})
        p, c = self.start(next_hop="127.0.0.1:%d" % h.port)
        self.assertNotIn("CHUNKING", self.session(c))
        msg = message(body=b".leading dot\r\n..two dots\r\n.\r\nbare\rCR\r\nend\r\n")
        self.assertEqual(self.transaction(c, msg)[0], 250)
        self.quit(p, c)
        [chunk] = h.chunks
        self.assertIn("BDAT %d LAST" % len(chunk), h.lines)
        self.assertNotIn("DATA", h.lines)
        self.assertTrue(chunk.startswith(b"DKIM-Signature:"), chunk[:40])
        self.assertTrue(chunk.endswith(msg), chunk)
        self.assertEqual(dkim_verify(chunk), [True])
        self.log_text("NOQUEUE: DKIM signing - signed")

    def test_refused_chunk_is_passed_back_and_reset(self):
        h, p, c = self.hop_session({"EHLO": self.EHLO, "BDAT": "552 5.3.4 Message too big for system"})
        code, text = self.transaction(c, message())
        self.assertEqual((code, text), (552, "552 5.3.4 Message too big for system"))
        # The next hop may still hold the transaction: RSET, then the next
        # message is a new transaction.
        h.script["BDAT"] = "250 2.0.0 queued"
        self.assertEqual(self.transaction(c, message())[0], 250)
        self.quit(p, c)
        bdat = [i for i, line in enumerate(h.lines) if line.startswith("BDAT")]
        self.assertEqual(len(bdat), 2, h.lines)
        self.assertEqual(h.lines[bdat[0] + 1], "RSET")
        self.assertEqual(h.messages, 2)

    def test_3xx_to_bdat_is_451_and_session_ends(self):
        h, p, c = self.hop_session({"EHLO": self.EHLO, "BDAT": "354 go ahead"})
        code, text = self.transaction(c, message())
        self.assertEqual(code, 451, text)
        self.assertIn("4.3.0", text)
        self.assertTrue(c.eof())
        self.assertEqual(p.wait(timeout=10), 75)
        self.log_text("unexpected reply to end of data")


class TestNextHopTimeouts(ScriptedHopCase):
    """Item 14 of issue 9: connect and end-of-data timeouts of their own."""

    def test_connect_timeout_is_short(self):
        # A listening socket with a full backlog: the SYN is dropped, the
        # connect hangs as to a blackholed address.
        ls = socket.socket()
        ls.bind(("127.0.0.1", 0))
        ls.listen(0)
        self.addCleanup(ls.close)
        port = ls.getsockname()[1]
        for _ in range(4):
            s = socket.socket()
            s.setblocking(False)
            try:
                s.connect(("127.0.0.1", port))
            except BlockingIOError:
                pass
            self.addCleanup(s.close)
        time.sleep(0.2)
        t0 = time.monotonic()
        p, c = self.start("timeout_connect=1", "timeout_next_hop=20",
                          next_hop="127.0.0.1:%d" % port, greet=False)
        code, text = c.reply(timeout=15)
        self.assertEqual(code, 421, text)
        self.assertIn("4.4.1", text)
        self.assertEqual(p.wait(timeout=10), 75)
        self.assertLess(time.monotonic() - t0, 5)

    def test_final_reply_waited_for_timeout_data_done(self):
        h = self.hop({".": (3, "250 2.0.0 queued late")})
        p, c = self.start("timeout_next_hop=1", "timeout_data_done=20",
                          next_hop="127.0.0.1:%d" % h.port)
        self.session(c)
        code, text = self.transaction(c, message())
        self.assertEqual(code, 250, text)
        self.quit(p, c)

    def test_final_reply_timeout_is_421(self):
        h = self.hop({".": (4, "250 2.0.0 queued too late")})
        p, c = self.start("timeout_data_done=1", next_hop="127.0.0.1:%d" % h.port)
        self.session(c)
        self.assertEqual(c.cmd("MAIL FROM:<alice@example.net>")[0], 250)
        self.assertEqual(c.cmd("RCPT TO:<bob@example.com>")[0], 250)
        self.assertEqual(c.cmd("DATA")[0], 354)
        c.send(stuff(message()))
        code, text = c.reply(timeout=10)
        self.assertEqual(text, "421 4.4.2 Error: timeout exceeded waiting for next hop")
        self.assertEqual(p.wait(timeout=10), 75)


class TestEndOfSession(SpawnCase):
    """Item 13 of issue 9: EOF outside DATA is a normal end, 75 inside."""

    def test_eof_after_mail_is_exit_0(self):
        p, c = self.start()
        self.session(c)
        self.assertEqual(c.cmd("MAIL FROM:<alice@example.net>")[0], 250)
        self.assertEqual(c.cmd("RCPT TO:<bob@example.com>")[0], 250)
        c.s.shutdown(socket.SHUT_WR)
        self.assertTrue(c.eof())
        self.assertEqual(p.wait(timeout=10), 0)
        self.assertFalse(any("warning" in l for l in T.logs()))

    def test_eof_inside_data_is_exit_75(self):
        p, c = self.start()
        self.session(c)
        self.assertEqual(c.cmd("MAIL FROM:<alice@example.net>")[0], 250)
        self.assertEqual(c.cmd("RCPT TO:<bob@example.com>")[0], 250)
        self.assertEqual(c.cmd("DATA")[0], 354)
        c.send(b"From: a@example.net\r\n\r\npartial")
        c.s.shutdown(socket.SHUT_WR)
        self.assertTrue(c.eof())
        self.assertEqual(p.wait(timeout=10), 75)
        self.assertEqual(self.sink.messages(), [])


def setUpModule():
    global T
    if SPAWN is None or not os.access(SPAWN, os.X_OK):
        die("usage: test-spawn.py PATH/TO/dkimmod-spawn")
    if not os.access(SINK, os.X_OK):
        die("%s missing (Debian package postfix)" % SINK)
    try:
        import dkim  # noqa: F401
    except ImportError:
        die("dkimpy missing (Debian package python3-dkim)")
    T = Fixture()


def tearDownModule():
    if T is not None:
        T.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)
