#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""
NAME
    test-serve.py - dkimmod-spawn serve (the pooled mode) end to end

DESCRIPTION
    Two parts, one harness: the one of tests/spawn (test-spawn.py's keys,
    config, smtp-sink next hop, postlog socket and SMTP client; and
    test-spawn-verify.py's verify configs and dnsmasq), imported, not
    copied.

    Session cases: the spawn-mode session tests that make sense for a
    pooled listener run again with ServeMixin, whose start() launches
    "dkimmod-spawn serve --listen unix:..." with the case's -c/-o/mode and
    connects to it instead of starting one helper on a socketpair. A
    worker logs "serve: session ended with status N" where spawn(8) would
    log a helper's exit status; the stand-in process object returns that
    N (0 when the connection closed without such a line), so the cases'
    exit-status checks stay meaningful. Left out: what is about being
    started by spawn(8) itself (fd 2 as the socket, cwd postlog, a
    SEQPACKET socketpair, the built-in default config path).

    Next-hop cache cases (TestNextHopCache): one next-hop connection
    for consecutive sessions, reset when a session left state there,
    closed after its idle time, replaced when found closed.

    Pool cases (class TestPool*): max_use recycling, a worker SIGKILLed
    mid-DATA, a configuration and a key changed without restart, the
    workers_max bound under concurrent load, the SIGTERM drain and its
    timeout, a stale socket file, socket activation through Debian's
    systemd-socket-activate with a real SMTP client (smtplib) and the
    idle exit.

    Usage: test-serve.py PATH/TO/dkimmod-spawn [unittest args]
"""
import importlib.util
import os
import re
import signal
import smtplib
import socket
import subprocess
import sys
import threading
import time
import unittest

_here = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location(
    "spawn_verify_harness", os.path.join(_here, "..", "spawn", "test-spawn-verify.py"))
VH = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(VH)      # imports test-spawn.py, which takes argv[1]
H = VH.H
ACTIVATE = "/usr/bin/systemd-socket-activate"


def children(pid):
    """The pids of PID's children (the workers of a listener)."""
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            return sorted(int(x) for x in f.read().split())
    except FileNotFoundError:
        return []


def socket_count(pid):
    try:
        return sum(1 for fd in os.listdir("/proc/%d/fd" % pid)
                   if os.readlink("/proc/%d/fd/%s" % (pid, fd)).startswith("socket:"))
    except FileNotFoundError:
        return 0


def tcp_listening(port):
    """PORT is in LISTEN state on loopback (probing would open a session)."""
    want = ":%04X" % port
    with open("/proc/net/tcp") as f:
        return any(line.split()[1].endswith(want) and line.split()[3] == "0A"
                   for line in f.readlines()[1:])


def wait_for(cond, timeout=5, what="condition"):
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for " + what)
        time.sleep(0.02)


class Connection:
    """Stands in for the spawn-mode helper process of one connection."""

    def __init__(self, case, server, client, before):
        self.case = case
        self.server = server
        self.client = client
        self.before = before      # status lines seen before this connection
        self.pid = server.pid

    def closed(self):
        try:
            return self.client.s.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b""
        except BlockingIOError:
            return False
        except OSError:
            return True

    def wait(self, timeout=10):
        """The status the worker logged for this session, or 0."""
        deadline = time.monotonic() + timeout
        while True:
            lines = self.case.status_lines()
            if len(lines) > self.before:
                return int(lines[self.before].rsplit(" ", 1)[1])
            if self.closed():
                time.sleep(0.2)   # the line is sent before the close
                lines = self.case.status_lines()
                return int(lines[self.before].rsplit(" ", 1)[1]) if len(lines) > self.before else 0
            if time.monotonic() > deadline:
                raise subprocess.TimeoutExpired("session", timeout)
            time.sleep(0.02)

    def kill(self):
        self.client.s.close()


class Server:
    """One dkimmod-spawn serve listener."""

    def __init__(self, case, conf, opts, args=(), listen=None, serve_opts=()):
        self.listen = listen or "unix:" + os.path.join(H.T.dir, "serve.%d.sock" % len(case.servers))
        self.sock_path = self.listen[5:] if self.listen.startswith("unix:") else None
        self.errpath = os.path.join(H.T.dir, "serve-stderr.%d.%s" % (len(case.servers), case.id()))
        cmd = [H.SPAWN, "serve", "-c", conf, "-l", H.T.log_path, "--listen", self.listen,
               *serve_opts]
        for o in opts:
            cmd += ["-o", o]
        cmd += list(args)
        with open(self.errpath, "wb") as err:
            self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=err, stderr=err,
                                         cwd="/", env={"PATH": "/usr/bin:/bin", "LANG": "C"})
        self.pid = self.proc.pid
        try:
            wait_for(self.ready, what="the listener's socket")
        except BaseException:
            # not in the case's list yet: nothing else would stop it
            self.stop()
            raise

    def ready(self):
        if self.proc.poll() is not None:
            raise AssertionError("dkimmod-spawn serve exited %s: %s"
                                 % (self.proc.returncode, open(self.errpath).read()))
        if self.listen.startswith("unix:"):
            return os.path.exists(self.sock_path) and children(self.pid)
        return children(self.pid)

    def connect(self):
        if self.listen.startswith("unix:"):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(self.sock_path)
        else:
            host, port = self.listen[5:].rsplit(":", 1)
            s = socket.create_connection((host, int(port)))
        return H.Client(s)

    def stop(self, timeout=10):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError("dkimmod-spawn serve did not stop on SIGTERM")


class ServeMixin:
    """Makes an H.SpawnCase run its sessions through dkimmod-spawn serve."""
    serve_opts = ("--workers-max", "2")

    def setUp(self):
        super().setUp()
        self.servers = []

    def status_lines(self):
        self.seen += H.T.logs()
        return [l for l in self.seen if "serve: session ended with status" in l]

    def start(self, *opts, next_hop=None, conf=None, sock_type=socket.SOCK_STREAM,
              args=(), stderr_socket=False, greet=True):
        assert sock_type == socket.SOCK_STREAM and not stderr_socket
        srv = Server(self, conf or H.T.conf,
                     ["next_hop=" + (next_hop or "127.0.0.1:%d" % self.sink.port), *opts],
                     args, serve_opts=self.serve_opts)
        self.servers.append(srv)
        before = len(self.status_lines())
        c = srv.connect()
        p = Connection(self, srv, c, before)
        self.procs.append((p, c))
        if greet:
            code, text = c.reply()
            self.assertEqual(code, 220, text)
        return p, c

    def tearDown(self):
        for p, c in self.procs:
            c.s.close()
        self.procs = []
        for srv in self.servers:
            self.assertEqual(srv.stop(), 0, "listener exit status")
            self.assertEqual(children(srv.pid), [])
            # Only what the listener said before serving, e.g. a broken
            # configuration at start; once serving, stderr is /dev/null.
            with open(srv.errpath, "rb") as f:
                for line in f.read().splitlines():
                    self.assertTrue(line.startswith(b"dkimmod-spawn serve: "), line)
        # A worker that exits non-zero or dies of anything but the SIGKILL
        # a test sends (a sanitizer's abort, a leak report) is a failure.
        time.sleep(0.05)
        self.seen += H.T.logs()
        bad = [l for l in self.seen if re.search(r"serve: worker \d+ (exit status|killed by "
                                                 r"signal (?!9\b))", l)]
        self.assertEqual(bad, [], "workers ended badly")
        super().tearDown()

    def served_by(self, msg):
        """The pid of the worker that logged MSG's Message-ID."""
        mid = msg.split(b"Message-ID: ", 1)[1].split(b"\r\n", 1)[0].decode()
        line = self.log_text(mid)[-1]
        return int(line.split("[", 1)[1].split("]", 1)[0])


def serve_variant(cls, drop=()):
    """CLS run in serve mode, without the tests named in DROP."""
    attrs = {name: None for name in drop}
    attrs["__doc__"] = "%s in serve mode" % cls.__name__
    return type("Serve" + cls.__name__, (ServeMixin, cls), attrs)


# The spawn-mode tests that make sense for a listener.
ServeTestSigning = serve_variant(H.TestSigning, drop=(
    "test_pipelined_batch_answered_in_one_write",   # SEQPACKET socketpair: spawn(8)'s fds
    "test_stderr_is_the_socket_and_stays_silent",   # fd 2 is /dev/null here; errfiles stay empty
))
ServeTestSpool = serve_variant(H.TestSpool)
ServeTestFailures = serve_variant(H.TestFailures, drop=(
    "test_works_without_config_file",               # starts its own spawn-mode helper
))
ServeTestNextHopHangs = serve_variant(H.TestNextHopHangs)
ServeTestNextHopRejectsRcpt = serve_variant(H.TestNextHopRejectsRcpt)
ServeTestNextHopRejectsData = serve_variant(H.TestNextHopRejectsData)
ServeTestNextHopRejectsEndOfData = serve_variant(H.TestNextHopRejectsEndOfData)
ServeTestNextHopDisconnects = serve_variant(H.TestNextHopDisconnects)
ServeTestNextHopReplyClasses = serve_variant(H.TestNextHopReplyClasses)
ServeTestMisconfiguredNextHop = serve_variant(H.TestMisconfiguredNextHop)
ServeTestSizeHeadroom = serve_variant(H.TestSizeHeadroom)
ServeTestNextHopTimeouts = serve_variant(H.TestNextHopTimeouts)
ServeTestEndOfSession = serve_variant(H.TestEndOfSession)
ServeTestVerifyKeyFile = serve_variant(VH.TestVerifyKeyFile)
ServeTestVerifyDns = serve_variant(VH.TestVerifyDns, drop=(
    "test_stderr_is_the_socket_and_stays_silent",
))
ServeTestVerifySizeHeadroom = serve_variant(VH.TestVerifySizeHeadroom)


class PoolCase(ServeMixin, H.SpawnCase):
    """Behaviour of the pool itself."""

    def serve(self, *serve_opts, conf=None, opts=(), args=(), listen=None):
        srv = Server(self, conf or H.T.conf, ["next_hop=127.0.0.1:%d" % self.sink.port, *opts],
                     args, listen=listen, serve_opts=serve_opts)
        self.servers.append(srv)
        return srv

    def greeted(self, srv):
        """A client connected to SRV, greeted, its EHLO answered."""
        c = srv.connect()
        self.assertEqual(c.reply()[0], 220)
        self.session(c)
        return c

    def send_one(self, srv, msg=None, quit=True):
        c = self.greeted(srv)
        code, text = self.transaction(c, msg or H.message())
        self.assertEqual(code, 250, text)
        if quit:
            self.assertEqual(c.cmd("QUIT")[0], 221)
            self.assertTrue(c.eof())
            c.s.close()
        return c

    def into_data(self, srv, body=b"From: Alice <alice@example.net>\r\nSubject: partial\r\n\r\n"):
        """A connection left inside DATA, part of the message sent."""
        c = srv.connect()
        self.assertEqual(c.reply()[0], 220)
        self.session(c)
        self.assertEqual(c.cmd("MAIL FROM:<alice@example.net>")[0], 250)
        self.assertEqual(c.cmd("RCPT TO:<bob@example.com>")[0], 250)
        self.assertEqual(c.cmd("DATA")[0], 354)
        c.send(body)
        return c

    def finish_data(self, c, rest=b"the rest\r\n.\r\n"):
        c.send(rest)
        return c.reply()

    def busy_worker(self, srv):
        """The worker holding a connection: a client and a next-hop socket
        besides the listening socket and the log's."""
        counts = {w: socket_count(w) for w in children(srv.pid)}
        return max(counts, key=counts.get)


class TestPoolWorkers(PoolCase):
    def test_max_use_recycles_workers(self):
        srv = self.serve("--workers-min", "1", "--workers-max", "1", "--max-use", "2")
        pids = []
        for i in range(5):
            msg = H.message()
            self.send_one(srv, msg)
            pids.append(self.served_by(msg))
        self.assertEqual(pids[0], pids[1], "a worker serves max_use connections")
        self.assertNotEqual(pids[1], pids[2], "then a new worker takes over")
        self.assertEqual(pids[2], pids[3])
        self.assertNotEqual(pids[3], pids[4])
        got = self.sink.messages(5)
        self.assertEqual(len(got), 5)
        self.assertTrue(all(H.dkim_verify(m) == [True] for m in got))

    def test_bounded_workers_under_concurrent_load(self):
        srv = self.serve("--workers-min", "1", "--workers-max", "3")
        clients = []
        for i in range(6):
            c = srv.connect()
            clients.append(c)
        greeted = []
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline and len(greeted) < 3:
            for c in clients:
                if c not in greeted:
                    try:
                        if c.reply(timeout=0.05)[0] == 220:
                            greeted.append(c)
                    except TimeoutError:
                        pass
        self.assertEqual(len(greeted), 3, "three workers serve three connections")
        time.sleep(0.3)
        self.assertEqual(len(children(srv.pid)), 3, "never more than --workers-max")
        waiting = [c for c in clients if c not in greeted]
        for c in waiting:
            self.assertRaises(TimeoutError, c.reply, 0.1)
        # The three served ones finish; the others are served in turn.
        for c in greeted:
            self.session(c)
            self.assertEqual(self.transaction(c, H.message())[0], 250)
            self.assertEqual(c.cmd("QUIT")[0], 221)
            c.s.close()
        for c in waiting:
            self.assertEqual(c.reply(timeout=5)[0], 220)
            self.session(c)
            self.assertEqual(self.transaction(c, H.message())[0], 250)
            self.assertEqual(c.cmd("QUIT")[0], 221)
            c.s.close()
            self.assertLessEqual(len(children(srv.pid)), 3)
        self.assertEqual(len(self.sink.messages(6)), 6)

    def test_parallel_clients_all_delivered(self):
        srv = self.serve("--workers-min", "2", "--workers-max", "4", "--max-use", "3")
        errors = []

        def run(n):
            try:
                for i in range(n):
                    c = srv.connect()
                    code, text = c.reply()
                    assert code == 220, text
                    c.cmd("EHLO client.example")
                    code, text = self.transaction(c, H.message())
                    assert code == 250, text
                    c.cmd("QUIT")
                    c.s.close()
            except Exception as e:     # reported below, in the test's thread
                errors.append(e)

        threads = [threading.Thread(target=run, args=(5,)) for _ in range(4)]
        for t in threads:
            t.start()
        peak = 0
        while any(t.is_alive() for t in threads):
            peak = max(peak, len(children(srv.pid)))
            time.sleep(0.01)
        for t in threads:
            t.join()
        self.assertEqual(errors, [])
        self.assertLessEqual(peak, 4)
        got = self.sink.messages(20)
        self.assertEqual(len(got), 20)
        self.assertTrue(all(H.dkim_verify(m) == [True] for m in got))


class TestPoolFaults(PoolCase):
    def test_worker_sigkill_mid_data_costs_only_its_connection(self):
        srv = self.serve("--workers-min", "2", "--workers-max", "3")
        wait_for(lambda: len(children(srv.pid)) == 2, what="two workers")
        victim = self.into_data(srv)
        time.sleep(0.2)
        worker = self.busy_worker(srv)
        other = self.into_data(srv, body=b"From: Alice <alice@example.net>\r\n"
                               b"Subject: survivor\r\n\r\n")
        os.kill(worker, signal.SIGKILL)
        # The victim's client sees a dropped connection (Postfix retries).
        self.assertTrue(victim.eof(timeout=5))
        # The other connection, mid-DATA too, completes.
        code, text = self.finish_data(other)
        self.assertEqual(code, 250, text)
        self.assertEqual(other.cmd("QUIT")[0], 221)
        # The listener goes on, with a new worker; the next connection works.
        self.send_one(srv)
        got = self.sink.messages(2)
        self.assertEqual(len(got), 2)
        self.assertFalse(any(b"Subject: partial" in m for m in got))
        self.assertEqual(sum(b"Subject: survivor" in m for m in got), 1)
        self.assertIn("killed by signal 9", self.log_text("serve: worker %d" % worker)[0])
        self.assertNotIn(worker, children(srv.pid))

    def test_config_change_picked_up_without_restart(self):
        conf = os.path.join(H.T.dir, "serve-change.conf")
        key = os.path.join(H.T.dir, "serve-change.pem")
        with open(H.T.key_rsa, "rb") as f, open(key, "wb") as g:
            g.write(f.read())
        os.chmod(key, 0o600)
        inc = os.path.join(H.T.dir, "serve-change-map.conf")

        def write(selector):
            with open(inc, "w") as f:
                f.write('sender_map = ( { sender = "example.net"; sign = ( '
                        '{ s = "%s"; d = "example.net"; key = "%s"; } ); } );\n'
                        % (selector, key))
            with open(conf, "w") as f:
                # relative: libconfig takes @include names from the file's directory
                f.write('signing = {\n@include "%s"\n};\nspawn = { spool_directory = "%s"; };\n'
                        % (os.path.basename(inc), H.T.spool))

        write("sel")
        srv = self.serve("--workers-min", "1", "--workers-max", "1", conf=conf)
        worker = children(srv.pid)
        self.send_one(srv)
        # An @include'd file changes: the next connection signs with s=sel2.
        H.T.records["sel2._domainkey.example.net"] = H.T.records["sel._domainkey.example.net"]
        write("sel2")
        self.send_one(srv)
        # The key file is replaced by another key: the next signature uses it.
        new = H.T.keygen("serve-change-new", "sel3", "example.net",
                         ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"])
        write("sel3")
        os.replace(new, key)
        self.send_one(srv)
        got = self.sink.messages(3)
        self.assertIn(b"s=sel;", got[0].replace(b"\r\n\t", b" ").replace(b" ", b""))
        self.assertIn(b"s=sel2;", got[1].replace(b"\r\n\t", b" ").replace(b" ", b""))
        self.assertIn(b"s=sel3;", got[2].replace(b"\r\n\t", b" ").replace(b" ", b""))
        self.assertEqual([H.dkim_verify(m) for m in got], [[True]] * 3)
        self.assertEqual(children(srv.pid), worker, "served by the same worker, no restart")
        self.log_text("changed: reading the configuration again")

    def test_key_change_alone_is_seen(self):
        # Only the key file changes (same path, same config): a worker that
        # cached the old key would sign with it and fail verification.
        key = os.path.join(H.T.dir, "serve-keyonly.pem")
        with open(H.T.key_rsa, "rb") as f, open(key, "wb") as g:
            g.write(f.read())
        os.chmod(key, 0o600)
        conf = os.path.join(H.T.dir, "serve-keyonly.conf")
        with open(conf, "w") as f:
            f.write('signing = { sender_map = ( { sender = "example.net"; sign = ( '
                    '{ s = "ko"; d = "example.net"; key = "%s"; } ); } ); };\n'
                    'spawn = { spool_directory = "%s"; };\n' % (key, H.T.spool))
        H.T.records["ko._domainkey.example.net"] = H.T.records["sel._domainkey.example.net"]
        srv = self.serve("--workers-min", "1", "--workers-max", "1", conf=conf)
        self.send_one(srv)
        new = H.T.keygen("serve-keyonly-new", "ko", "example.net",
                         ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"])
        os.replace(new, key)
        self.send_one(srv)
        got = self.sink.messages(2)
        self.assertEqual(H.dkim_verify(got[1]), [True], "signed with the new key")
        self.assertEqual(H.dkim_verify(got[0]), [False], "the old key's record is gone")

    def test_broken_config_is_421_then_fixed_without_restart(self):
        conf = os.path.join(H.T.dir, "serve-broken.conf")
        with open(H.T.conf) as f:
            good = f.read()
        with open(conf, "w") as f:
            f.write(good)
        srv = self.serve("--workers-min", "1", "--workers-max", "1", conf=conf)
        self.send_one(srv)
        with open(conf, "w") as f:
            f.write(good + "\nspawn = { no_such_setting = 1; };\n")
        c = srv.connect()
        code, text = c.reply()
        self.assertEqual(code, 421, text)
        self.assertIn("4.3.0", text)
        self.assertTrue(c.eof())
        self.log_text("configuration error")
        with open(conf, "w") as f:
            f.write(good)
        self.send_one(srv)
        self.assertEqual(len(self.sink.messages(2)), 2)

    def test_openssl_config_change_retires_the_worker(self):
        # OpenSSL takes its settings once per process: the worker that sees
        # openssl_config change serves that connection and exits.
        conf = os.path.join(H.T.dir, "serve-openssl.conf")
        with open(H.T.conf) as f:
            good = f.read()
        with open(conf, "w") as f:
            f.write(good)
        srv = self.serve("--workers-min", "1", "--workers-max", "1", conf=conf)
        pids = []
        for text in (good, good, good.replace("spawn = {", 'spawn = {\n  openssl_config = "system";'),
                     None):
            if text is not None:
                with open(conf, "w") as f:
                    f.write(text)
            msg = H.message()
            self.send_one(srv, msg)
            pids.append(self.served_by(msg))
        self.assertEqual(pids[0], pids[1], "unchanged setting: same worker")
        self.assertEqual(pids[1], pids[2], "the connection that sees the change is served")
        self.assertNotEqual(pids[2], pids[3], "then a new worker")
        self.log_text("openssl_config changed")
        self.assertEqual([H.dkim_verify(m) for m in self.sink.messages(4)], [[True]] * 4)

    def test_next_hop_down_is_421_and_listener_goes_on(self):
        port = H.free_port()
        srv = self.serve("--workers-max", "1", opts=("next_hop=127.0.0.1:%d" % port,))
        for i in range(3):
            c = srv.connect()
            code, text = c.reply()
            self.assertEqual(code, 421, text)
            self.assertTrue(c.eof())
            c.s.close()
        self.assertEqual(len(children(srv.pid)), 1)


class RecordingHop:
    """A next hop that serves connection after connection (one at a time)
    and records, per connection, the lines it got. EHLO is answered with
    XFORWARD offered, so the filter passes XFORWARD on. CLOSE_AFTER_MESSAGE
    closes a connection after each message's 250; CLOSE_AT_SECOND_MAIL
    closes one, without a reply, when a MAIL arrives on it a second time,
    as a next hop that went away just as the filter took its idle
    connection would look. PIPELINING=False leaves PIPELINING out of the
    EHLO reply. SEGMENTS records, per connection, what each recv(2) got."""

    EHLO = "250-hop.example\r\n250-PIPELINING\r\n250 XFORWARD NAME ADDR PROTO HELO"

    def __init__(self, close_after_message=False, close_at_second_mail=False, pipelining=True):
        self.close_after_message = close_after_message
        self.close_at_second_mail = close_at_second_mail
        self.ehlo = self.EHLO if pipelining else self.EHLO.replace("250-PIPELINING\r\n", "")
        self.conns = []           # one list of lines per connection
        self.segments = []        # one list of received chunks per connection
        self.closed = []          # for each connection: closed yet
        self.messages = 0
        self.ls = socket.socket()
        self.ls.bind(("127.0.0.1", 0))
        self.ls.listen(5)
        self.port = self.ls.getsockname()[1]
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            try:
                conn, _ = self.ls.accept()
            except OSError:
                return
            lines = []
            segments = []
            self.conns.append(lines)
            self.segments.append(segments)
            self.closed.append(False)
            with conn:
                self.session(conn, lines, segments)
            self.closed[len(self.conns) - 1] = True

    @staticmethod
    def lines_of(conn, segments):
        buf = b""
        while True:
            while b"\n" in buf:
                raw, buf = buf.split(b"\n", 1)
                yield raw
            chunk = conn.recv(65536)
            if not chunk:
                return
            segments.append(chunk)
            buf += chunk

    def session(self, conn, lines, segments):
        conn.sendall(b"220 hop.example ESMTP\r\n")
        in_data = False
        mails = 0
        for raw in self.lines_of(conn, segments):
            line = raw.rstrip(b"\r\n").decode("latin-1")
            if in_data:
                if line != ".":
                    continue
                in_data = False
                lines.append(".")
                self.messages += 1
                conn.sendall(b"250 2.0.0 queued\r\n")
                if self.close_after_message:
                    return
                continue
            lines.append(line)
            verb = line.split(" ", 1)[0].upper()
            if verb == "MAIL":
                mails += 1
                if mails == 2 and self.close_at_second_mail:
                    return
            reply = (self.ehlo if verb == "EHLO" else "354 go" if verb == "DATA"
                     else "221 bye" if verb == "QUIT" else "250 ok")
            in_data = verb == "DATA"
            conn.sendall(reply.encode() + b"\r\n")
            if verb == "QUIT":
                return

    def close(self):
        self.ls.close()


class TestNextHopCache(PoolCase):
    """A worker keeps the next-hop connection its last session left clean
    for the next session (nexthop-cache.c), never one that holds state."""

    def hop(self, **kw):
        h = RecordingHop(**kw)
        self.addCleanup(h.close)
        return h

    def pool(self, h, *serve_opts):
        return self.serve("--workers-max", "1", *serve_opts,
                          opts=("next_hop=127.0.0.1:%d" % h.port,))

    def test_one_connection_serves_consecutive_sessions(self):
        h = self.hop()
        srv = self.pool(h)
        for i in range(3):
            self.send_one(srv)
        self.assertEqual(h.messages, 3)
        self.assertEqual(len(h.conns), 1, h.conns)
        # The same EHLO on a clean connection is answered with the reply
        # the next hop gave it: the next hop sees it once.
        self.assertEqual(h.conns[0], ["EHLO client.example"] + ["MAIL FROM:<alice@example.net>",
                                      "RCPT TO:<bob@example.com>", "DATA", "."] * 3)

    def test_another_ehlo_name_is_relayed(self):
        h = self.hop()
        srv = self.pool(h)
        self.send_one(srv)
        c = srv.connect()
        self.assertEqual(c.reply()[0], 220)
        code, text = c.cmd("EHLO other.example")
        self.assertEqual(code, 250, text)
        self.assertIn("XFORWARD", text)
        self.assertEqual(self.transaction(c, H.message())[0], 250)
        self.assertEqual(c.cmd("HELO third.example")[0], 250)
        self.assertEqual(c.cmd("QUIT")[0], 221)
        c.s.close()
        self.send_one(srv)
        self.assertEqual(len(h.conns), 1, h.conns)
        self.assertEqual([l for l in h.conns[0] if l.split()[0] in ("EHLO", "HELO")],
                         ["EHLO client.example", "EHLO other.example", "HELO third.example",
                          "EHLO client.example"])

    def test_cache_time_0_is_a_connection_per_session(self):
        h = self.hop()
        srv = self.pool(h, "--next-hop-cache-time", "0")
        for i in range(2):
            self.send_one(srv)
        wait_for(lambda: len(h.conns) == 2 and all(h.closed), what="two closed connections")
        self.assertEqual([c[-1] for c in h.conns], ["QUIT", "QUIT"])

    def test_xforward_left_at_the_next_hop_is_reset_before_reuse(self):
        # A session that ends after XFORWARD (or inside a transaction)
        # leaves attributes at the next hop, which Postfix's smtpd drops
        # only at RSET or the end of DATA: the next session must not
        # inherit that client's address. (Without PIPELINING at the next
        # hop, XFORWARD is relayed at once.)
        h = self.hop(pipelining=False)
        srv = self.pool(h)
        c = self.greeted(srv)
        self.assertEqual(c.cmd("XFORWARD ADDR=192.0.2.7 NAME=spoof.example")[0], 250)
        self.assertEqual(c.cmd("QUIT")[0], 221)
        c.s.close()
        c = self.greeted(srv)
        self.assertEqual(c.cmd("MAIL FROM:<alice@example.net>")[0], 250)
        self.assertEqual(c.cmd("RCPT TO:<bob@example.com>")[0], 250)
        c.s.close()               # gone inside the transaction
        self.send_one(srv)
        self.assertEqual(len(h.conns), 1, h.conns)
        self.assertEqual(h.conns[0], [
            "EHLO client.example", "XFORWARD NAME=spoof.example ADDR=192.0.2.7", "RSET",
            "MAIL FROM:<alice@example.net>", "RCPT TO:<bob@example.com>", "RSET",
            "MAIL FROM:<alice@example.net>", "RCPT TO:<bob@example.com>", "DATA", "."])

    def test_held_xforward_and_mail_never_reach_the_next_hop(self):
        # With PIPELINING, XFORWARD and MAIL are answered by the filter and
        # leave with the RCPT after them (pipeline.c): a session that ends
        # before its RCPT has sent the next hop nothing to reset.
        h = self.hop()
        srv = self.pool(h)
        c = self.greeted(srv)
        self.assertEqual(c.cmd("XFORWARD ADDR=192.0.2.7 NAME=spoof.example")[0], 250)
        self.assertEqual(c.cmd("MAIL FROM:<spoof@example.net>")[0], 250)
        self.assertEqual(c.cmd("QUIT")[0], 221)
        c.s.close()
        self.send_one(srv)
        self.assertEqual(len(h.conns), 1, h.conns)
        self.assertEqual(h.conns[0], ["EHLO client.example", "MAIL FROM:<alice@example.net>",
                                      "RCPT TO:<bob@example.com>", "DATA", "."])

    def test_xforward_mail_and_rcpt_leave_in_one_segment(self):
        h = self.hop()
        srv = self.pool(h)
        c = self.greeted(srv)
        self.assertEqual(c.cmd("XFORWARD ADDR=192.0.2.7 NAME=client.example")[0], 250)
        self.assertEqual(c.cmd("MAIL FROM:<alice@example.net>")[0], 250)
        self.assertEqual(c.cmd("RCPT TO:<bob@example.com>")[0], 250)
        self.assertEqual(c.cmd("QUIT")[0], 221)
        c.s.close()
        wait_for(lambda: len(h.segments) == 1 and len(h.segments[0]) >= 2, what="the group")
        self.assertEqual(h.segments[0][1],
                         b"XFORWARD NAME=client.example ADDR=192.0.2.7\r\n"
                         b"MAIL FROM:<alice@example.net>\r\nRCPT TO:<bob@example.com>\r\n")

    def test_idle_connection_is_closed_after_the_cache_time(self):
        h = self.hop()
        srv = self.pool(h, "--next-hop-cache-time", "1")
        self.send_one(srv)
        time.sleep(0.5)
        self.assertEqual(h.closed, [False], "closed before its idle time")
        wait_for(lambda: h.closed == [True], timeout=3, what="the idle connection closed")
        self.assertEqual(h.conns[0][-1], "QUIT")
        self.send_one(srv)
        self.assertEqual(len(h.conns), 2)
        self.assertEqual(h.messages, 2)

    def test_connection_the_next_hop_closed_while_idle_is_not_used(self):
        h = self.hop(close_after_message=True)
        srv = self.pool(h)
        for i in range(2):
            self.send_one(srv)
            wait_for(lambda: all(h.closed), what="the next hop's close")
        self.assertEqual(h.messages, 2)
        self.assertEqual(len(h.conns), 2)

    def test_connection_closed_at_the_first_command_is_replaced(self):
        # The second session's EHLO was answered from the cached reply; the
        # new connection gets that EHLO before the MAIL that found the old
        # one closed.
        h = self.hop(close_at_second_mail=True)
        srv = self.pool(h)
        for i in range(2):
            self.send_one(srv)
        self.assertEqual(h.messages, 2)
        self.assertEqual(len(h.conns), 2)
        self.assertEqual(h.conns[0][-1], "MAIL FROM:<alice@example.net>")
        self.assertEqual(h.conns[1][:2], ["EHLO client.example", "MAIL FROM:<alice@example.net>"])
        self.log_text("cached connection closed")


class TestPoolStop(PoolCase):
    def test_sigterm_drains_busy_worker(self):
        srv = self.serve("--workers-min", "2", "--workers-max", "2", "--drain-timeout", "20")
        wait_for(lambda: len(children(srv.pid)) == 2)
        c = self.into_data(srv)
        time.sleep(0.2)
        srv.proc.send_signal(signal.SIGTERM)
        # Stop accepting: the socket file is gone, the idle worker exits.
        wait_for(lambda: not os.path.exists(srv.sock_path), what="socket removed")
        wait_for(lambda: len(children(srv.pid)) == 1, what="idle worker gone")
        self.assertIsNone(srv.proc.poll())
        # The busy worker finishes its message, then everything exits 0.
        code, text = self.finish_data(c)
        self.assertEqual(code, 250, text)
        self.assertEqual(c.cmd("QUIT")[0], 221)
        self.assertEqual(srv.proc.wait(timeout=10), 0)
        self.assertEqual(len(self.sink.messages(1)), 1)
        self.log_text("serve: stopped")

    def test_sigterm_ends_a_reused_connection_at_its_next_mail(self):
        # Postfix's connection cache keeps a session open between messages:
        # after SIGTERM the next MAIL gets 421 (the client defers that
        # message) and the listener exits long before the drain timeout.
        srv = self.serve("--workers-min", "1", "--workers-max", "1", "--drain-timeout", "60")
        c = self.send_one(srv, quit=False)
        t0 = time.monotonic()
        srv.proc.send_signal(signal.SIGTERM)
        time.sleep(0.3)
        code, text = c.cmd("MAIL FROM:<alice@example.net>")
        self.assertEqual(code, 421, text)
        self.assertIn("4.3.2", text)
        self.assertTrue(c.eof())
        self.assertEqual(srv.proc.wait(timeout=10), 0)
        self.assertLess(time.monotonic() - t0, 5)
        self.assertEqual(len(self.sink.messages(1)), 1)
        self.log_text("shutting down: 421 to MAIL")

    def test_sigterm_drain_timeout_kills_and_nothing_is_accepted(self):
        srv = self.serve("--workers-min", "1", "--workers-max", "1", "--drain-timeout", "1")
        c = self.into_data(srv)
        time.sleep(0.2)
        t0 = time.monotonic()
        srv.proc.send_signal(signal.SIGTERM)
        self.assertEqual(srv.proc.wait(timeout=10), 0)
        self.assertLess(time.monotonic() - t0, 5)
        self.assertTrue(c.eof(timeout=2), "dropped: the client retries")
        self.assertEqual(self.sink.messages(), [], "a half message is never delivered")
        self.log_text("drain timeout")

    def test_stale_socket_removed_live_one_kept(self):
        path = os.path.join(H.T.dir, "stale.sock")
        s = socket.socket(socket.AF_UNIX)
        s.bind(path)
        s.close()                      # a dead listener's file
        srv = self.serve(listen="unix:" + path)
        self.send_one(srv)
        # A second listener on the same path must not steal it.
        p = subprocess.run([H.SPAWN, "serve", "-c", H.T.conf, "--listen", "unix:" + path,
                            "-o", "next_hop=127.0.0.1:%d" % self.sink.port],
                           capture_output=True, timeout=10)
        self.assertEqual(p.returncode, 69, p.stderr)
        self.assertIn(b"another listener", p.stderr)
        self.send_one(srv)
        # Not a socket: never removed.
        plain = os.path.join(H.T.dir, "plain-file")
        open(plain, "w").close()
        p = subprocess.run([H.SPAWN, "serve", "--listen", "unix:" + plain,
                            "-o", "next_hop=127.0.0.1:%d" % self.sink.port],
                           capture_output=True, timeout=10)
        self.assertEqual(p.returncode, 69)
        self.assertTrue(os.path.isfile(plain))

    def test_usage_errors(self):
        for args in (["--workers-min", "3", "--workers-max", "2"], ["--max-use", "0"],
                     ["--bogus"], ["sign", "extra"], []):
            p = subprocess.run([H.SPAWN, "serve", *args], capture_output=True, timeout=10,
                               env={"PATH": "/usr/bin:/bin"})
            self.assertIn(p.returncode, (64, 69), (args, p.stderr))
            self.assertTrue(p.stderr.startswith(b"dkimmod-spawn serve: "), p.stderr)

    def test_inet_listener_mode_and_owner(self):
        port = H.free_port()
        srv = self.serve(listen="inet:127.0.0.1:%d" % port)
        self.send_one(srv)
        path = os.path.join(H.T.dir, "perm.sock")
        srv2 = self.serve("--socket-mode", "0620", "--socket-owner", "nobody:nogroup",
                          listen="unix:" + path)
        st = os.stat(path)
        self.assertEqual(st.st_mode & 0o777, 0o620)
        self.assertEqual(st.st_uid, 65534)
        self.send_one(srv2)


class TestSocketActivation(PoolCase):
    def test_systemd_socket_activate_smtplib_and_idle_exit(self):
        if not os.access(ACTIVATE, os.X_OK):
            H.die("%s missing (Debian package systemd)" % ACTIVATE)
        port = H.free_port()
        # systemd-socket-activate reports on stderr itself ("Listening on ...")
        err = os.path.join(H.T.dir, "activate-stderr")
        with open(err, "wb") as e:
            proc = subprocess.Popen([ACTIVATE, "-l", "127.0.0.1:%d" % port, H.SPAWN, "serve",
                                     "-c", VH.V["keyfile"], "-l", H.T.log_path,
                                     "-o", "next_hop=127.0.0.1:%d" % self.sink.port,
                                     "--idle-timeout", "2", "verify"],
                                    stdin=subprocess.DEVNULL, stdout=e, stderr=e)
        try:
            wait_for(lambda: tcp_listening(port), what="systemd-socket-activate listening")
            self.assertEqual(children(proc.pid), [], "nothing runs before the first connection")
            for i in range(3):
                with smtplib.SMTP("127.0.0.1", port, timeout=10) as s:
                    s.ehlo("client.example")
                    s.sendmail("alice@example.net", ["bob@example.com"],
                               VH.sign(H.message()))
            got = self.sink.messages(3)
            self.assertEqual(len(got), 3)
            self.assertTrue(all(b"dkim=pass" in m for m in got))
            self.log_text("serve: listening")
            # No connection, no busy worker: gone after the idle timeout.
            self.assertEqual(proc.wait(timeout=10), 0)
            self.log_text("serve: idle timeout")
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


def setUpModule():
    VH.setUpModule()


def tearDownModule():
    VH.tearDownModule()


if __name__ == "__main__":
    unittest.main(verbosity=2)
