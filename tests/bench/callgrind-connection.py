#!/usr/bin/python3
# SPDX-License-Identifier: MIT
#
# NAME
#	callgrind-connection.py - instructions and page faults of one connection of dkimmod-spawn
# SYNOPSIS
#	callgrind-connection.py BUILDDIR CORPUS WORKDIR [N]
# DESCRIPTION
#	Runs ONE connection of dkimmod-spawn as spawn(8) runs it: the SMTP
#	client on a socketpair that is the child's stdin and stdout, fd 2 on
#	/dev/null, the next hop a scripted SMTP server on a loopback port of
#	this process (a thread that offers PIPELINING and CHUNKING as Postfix's
#	smtpd does, so the filter sends the message as one BDAT; it says 220 and
#	250, reads the BDAT's bytes, says 250 and 221). The client sends one message
#	(EHLO, MAIL, RCPT, DATA, the message, QUIT) and checks every reply.
#	Cases:
#	  spawn-verify      dkimmod-spawn verify, the corpus's RSA-2048 signed
#	                    2 KB message, keys from verifying.key_file (no DNS:
#	                    the count must not depend on a resolver), every
#	                    method (DKIM, SPF, DMARC, ARC: the default)
#	  spawn-verify-dkim the same with spf, dmarc and arc off (DKIM alone)
#	  spawn-verify-auth every method with records to evaluate: the same
#	                    message ARC-sealed once by dkimpy (arc_sign, the
#	                    corpus's RSA key: two more RSA verifications), the
#	                    key file with example.net's SPF record (v=spf1
#	                    ip4:192.0.2.0/24 -all) and DMARC record (p=reject),
#	                    the client 192.0.2.10 sent with XFORWARD: dkim, spf,
#	                    dmarc and arc all pass
#	  spawn-sign-rsa    dkimmod-spawn sign, RSA-2048, 2 KB message
#	  spawn-sign-ed     dkimmod-spawn sign, Ed25519, 2 KB message
#	  cli-verify        dkimmod verify --key-file, same message on stdin
#	  cli-sign-rsa      dkimmod sign -k rsa.pem, 2 KB message on stdin
#	  cli-sign-ed       dkimmod sign -k ed.pem
#	  serve-verify, serve-sign-rsa, serve-sign-ed
#	                    the same three connections served by a worker of
#	                    dkimmod-spawn serve (the pooled mode, one worker):
#	                    the listener runs under callgrind with
#	                    --trace-children=yes, once for 1 connection and
#	                    once for 1 + SERVE_K (10); the worker's Ir
#	                    difference divided by SERVE_K is what one more
#	                    connection costs a running worker (start-up,
#	                    configuration and key parsing are paid once per
#	                    worker, max_use connections). Page faults: the
#	                    worker's minflt over SERVE_K connections after a
#	                    first one, natively, per connection; CPU: the
#	                    worker's schedstat time over at least 50 such
#	                    connections, natively, per connection (cpu_ms; for
#	                    the other cases the median of wait4's user+system)
#	Each case runs once under valgrind --tool=callgrind (the whole process
#	from its first instruction: ld.so, libc start-up, OpenSSL's
#	initialisation, the work and exit) and prints the instructions
#	executed (Ir) from the callgrind output's totals line; the output file
#	stays in WORKDIR for callgrind_annotate. Then it runs N times (default
#	10) natively and prints the median minor and major page faults from
#	wait4(2)'s rusage (posix_spawn, so nothing of this Python is counted).
#	Output lines:
#	  CALLGRIND CASE Ir N faults MINFLT majflt MAJFLT cpu_ms MS file PATH
#	Every message must be accepted (250) and every verification must
#	give dkim=pass, or the program exits 1: a count of a failing run
#	would be meaningless.
# ENVIRONMENT
#	CALLGRIND_ARGS  extra valgrind options (e.g. --dump-instr=yes)
# NEVER
#	Kill a process it did not start; use DNS or any network but loopback.
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import threading

HOSTNAME = "mx.bench.test"


class Lines:
    def __init__(self, sock):
        self.sock, self.buf = sock, b""

    def line(self):
        while b"\r\n" not in self.buf:
            data = self.sock.recv(65536)
            if not data:
                raise EOFError("connection closed: " + self.buf.decode(errors="replace"))
            self.buf += data
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def read(self, n):
        while len(self.buf) < n:
            data = self.sock.recv(65536)
            if not data:
                raise EOFError("connection closed inside BDAT")
            self.buf += data
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def reply(self):
        """One complete SMTP reply; returns its last line."""
        while True:
            line = self.line()
            if line[3:4] != b"-":
                return line


class NextHop(threading.Thread):
    """A scripted SMTP server for one connection; keeps the message."""

    def __init__(self):
        super().__init__(daemon=True)
        self.lsock = socket.socket()
        self.lsock.bind(("127.0.0.1", 0))
        self.lsock.listen(1)
        self.port = self.lsock.getsockname()[1]
        self.message = None
        self.error = None

    def run(self):
        try:
            conn, _ = self.lsock.accept()
        except OSError:
            return
        self.session(conn)
        self.lsock.close()

    def session(self, conn):
        with conn:
            try:
                io = Lines(conn)
                out = []

                def say(text):
                    # Like Postfix's smtpd: replies to a pipelined group leave
                    # together, once no further command is waiting.
                    out.append(text)
                    if b"\r\n" not in io.buf:
                        conn.sendall(b"".join(out))
                        out.clear()

                conn.sendall(b"220 nexthop.bench.test ESMTP\r\n")
                while True:
                    cmd = io.line().upper()
                    if cmd.startswith(b"EHLO"):
                        # what Postfix's smtpd offers that the filter uses
                        say(b"250-nexthop.bench.test\r\n250-PIPELINING\r\n"
                            b"250-8BITMIME\r\n250 CHUNKING\r\n")
                    elif cmd.startswith(b"BDAT"):
                        words = cmd.split()
                        if len(words) != 3 or words[2] != b"LAST":
                            raise EOFError("BDAT in more than one chunk: %r" % cmd)
                        self.message = io.read(int(words[1]))
                        self.got_message()
                        say(b"250 2.0.0 queued\r\n")
                    elif cmd.startswith(b"QUIT"):
                        say(b"221 bye\r\n")
                        return
                    else:
                        say(b"250 ok\r\n")
            except (OSError, EOFError) as e:
                self.error = str(e)

    def got_message(self):
        pass

    def close(self):
        self.lsock.close()


class ManyHops(NextHop):
    """NextHop for any number of connections, one after the other, each
    with any number of messages (a serve worker reuses its connection)."""

    def __init__(self):
        super().__init__()
        self.messages = []

    def run(self):
        while True:
            try:
                conn, _ = self.lsock.accept()
            except OSError:
                return
            self.session(conn)

    def got_message(self):
        self.messages.append(self.message)


def serve_connection(sock_path, message):
    """One SMTP connection to a serve listener; as spawn_connection."""
    parent = socket.socket(socket.AF_UNIX)
    parent.connect(sock_path)
    io = Lines(parent)
    try:
        smtp_dialogue(parent, io, message)
    finally:
        parent.close()


def children_of(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []


def cpu_ns_of(pid):
    """CPU time of PID in ns (schedstat: nanoseconds, not clock ticks)."""
    with open(f"/proc/{pid}/schedstat") as f:
        return int(f.read().split()[0])


def minflt_of(pid):
    with open(f"/proc/{pid}/stat") as f:
        s = f.read()
    return int(s[s.rindex(")") + 2:].split()[7])


class ServeListener:
    """`dkimmod-spawn serve` with one worker and a ManyHops next hop, for
    `with`: on entry both are started and the worker waited for; on exit
    the listener gets SIGTERM and is reaped (.status: its exit status)."""

    def __init__(self, prefix, spawn, conf, mode, work, name):
        self.hop = ManyHops()
        self.sock = os.path.join(work, f"{name}.sock")
        self.argv = prefix + [spawn, "serve", "-c", conf, "--listen", f"unix:{self.sock}",
                              "--workers-min", "1", "--workers-max", "1",
                              "--max-use", "1000000", "-o", f"next_hop=127.0.0.1:{self.hop.port}",
                              mode]
        self.pid = self.status = None

    def __enter__(self):
        import time
        self.hop.start()
        self.pid = spawn_child(self.argv, stdin_path="/dev/null")
        for _ in range(600):
            if os.path.exists(self.sock) and children_of(self.pid):
                return self
            time.sleep(0.05)
        self.__exit__(None, None, None)
        raise RuntimeError("dkimmod-spawn serve did not start")

    def __exit__(self, *exc):
        os.kill(self.pid, 15)
        _, self.status, _ = os.wait4(self.pid, 0)
        self.hop.close()

    def worker(self):
        return children_of(self.pid)[0]


def serve_run(prefix, spawn, conf, mode, work, name, message, check, k):
    """A listener with one worker, K connections; returns the worker's
    minflt and CPU ms per connection over connections 2..K (natively) and
    the listener's pid."""
    with ServeListener(prefix, spawn, conf, mode, work, name) as srv:
        serve_connection(srv.sock, message)
        worker = srv.worker()
        f0 = minflt_of(worker) if not prefix else 0
        c0 = cpu_ns_of(worker) if not prefix else 0
        for _ in range(k - 1):
            serve_connection(srv.sock, message)
        f1 = minflt_of(worker) if not prefix else 0
        c1 = cpu_ns_of(worker) if not prefix else 0
        if len(srv.hop.messages) != k:
            raise RuntimeError(f"{name}: the next hop got {len(srv.hop.messages)} of {k} messages")
        for m in srv.hop.messages:
            check(m)
    if srv.status != 0:
        raise RuntimeError(f"listener exit status {srv.status}")
    return (f1 - f0) / max(k - 1, 1), (c1 - c0) / 1e6 / max(k - 1, 1), srv.pid


def worker_ir(work, name, listener):
    """Ir of the callgrind output of the worker (not the listener) of one run."""
    best = None
    for f in os.listdir(work):
        m = re.match(re.escape(f"callgrind.{name}.") + r"(\d+)\.out$", f)
        if not m or int(m.group(1)) == listener:
            continue
        with open(os.path.join(work, f)) as fh:
            for line in fh:
                t = re.match(r"(?:totals|summary):\s+(\d+)", line)
                if t:
                    best = max(best or 0, int(t.group(1)))
        os.unlink(os.path.join(work, f))
    return best


def spawn_child(argv, sock=None, stdin_path=None, stdout_path="/dev/null"):
    if sock is not None:
        acts = [(os.POSIX_SPAWN_DUP2, sock, 0), (os.POSIX_SPAWN_DUP2, sock, 1)]
    else:
        acts = [(os.POSIX_SPAWN_OPEN, 0, stdin_path, os.O_RDONLY, 0),
                (os.POSIX_SPAWN_OPEN, 1, stdout_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC,
                 0o600)]
    acts.append((os.POSIX_SPAWN_OPEN, 2, "/dev/null", os.O_WRONLY, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("OPENSSL_CONF",)}
    return os.posix_spawn(argv[0], argv, env, file_actions=acts)


XFORWARD = b"XFORWARD ADDR=192.0.2.10 HELO=mail.example.net"


def smtp_dialogue(parent, io, message, xforward=False):
    """The client's side of one message: greeting to QUIT, every reply
    checked; with XFORWARD, the client 192.0.2.10 as Postfix's smtpd names it."""
    greet = io.reply()
    if not greet.startswith(b"220"):
        raise RuntimeError(f"greeting {greet!r}")
    for cmd, want in ((b"EHLO client.bench.test", b"250"),) + (
            ((XFORWARD, b"250"),) if xforward else ()) + (
                     (b"MAIL FROM:<alice@example.net>", b"250"),
                      (b"RCPT TO:<bob@example.org>", b"250"), (b"DATA", b"354")):
        parent.sendall(cmd + b"\r\n")
        r = io.reply()
        if not r.startswith(want):
            raise RuntimeError(f"{cmd!r}: {r!r}")
    stuffed = b"".join((b"." + ln if ln.startswith(b".") else ln)
                       for ln in message.splitlines(keepends=True))
    parent.sendall(stuffed + b".\r\n")
    r = io.reply()
    if not r.startswith(b"250"):
        raise RuntimeError(f"end of data: {r!r}")
    parent.sendall(b"QUIT\r\n")
    io.reply()


def spawn_connection(argv_fn, message, xforward=False):
    """One SMTP connection; returns (rusage, delivered message)."""
    hop = NextHop()
    hop.start()
    parent, child = socket.socketpair()
    pid = spawn_child(argv_fn(hop.port), sock=child.fileno())
    child.close()
    io = Lines(parent)
    try:
        smtp_dialogue(parent, io, message, xforward)
    finally:
        parent.close()
        _, status, ru = os.wait4(pid, 0)
        hop.join(30)
        hop.close()
    if status != 0:
        raise RuntimeError(f"exit status {status}")
    return ru, hop.message


def cli_run(argv, stdin_path, out_path):
    pid = spawn_child(argv, stdin_path=stdin_path, stdout_path=out_path)
    _, status, ru = os.wait4(pid, 0)
    return ru, status


def write_setup(corpus, work):
    for alg in ("rsa", "ed"):
        dst = os.path.join(work, f"{alg}.pem")
        shutil.copy(os.path.join(corpus, f"{alg}.pem"), dst)
        os.chmod(dst, 0o600)
    keys = os.path.join(work, "keys.txt")
    shutil.copy(os.path.join(corpus, "keys.txt"), keys)
    spool = os.path.join(work, "spool")
    os.makedirs(spool, exist_ok=True)
    confs = {}
    for alg, a in (("rsa", "rsa-sha256"), ("ed", "ed25519-sha256")):
        path = os.path.join(work, f"sign-{alg}.conf")
        with open(path, "w") as f:
            f.write(f'spawn = {{ spool_directory = "{spool}"; }};\n'
                    'signing = {\n'
                    f'  defaults = {{ a = "{a}"; c = "relaxed/relaxed"; }};\n'
                    f'  sender_map = ( {{ sender = "example.net"; sign = ( {{ s = "{alg}"; '
                    f'd = "example.net"; key = "{work}/{alg}.pem"; }} ); }} );\n'
                    '};\n')
        confs[alg] = path
    # verify: every method (the default); verify-dkim: DKIM alone, as before issue 10
    for name, extra in (("verify", ""), ("verify-dkim", " spf = false; dmarc = false; arc = false;")):
        path = os.path.join(work, f"{name}.conf")
        with open(path, "w") as f:
            f.write(f'spawn = {{ spool_directory = "{spool}"; }};\n'
                    f'verifying = {{ authserv_id = "{HOSTNAME}"; key_file = "{keys}";{extra} }};\n')
        confs[name] = path
    # verify-auth: records for SPF and DMARC beside the keys
    auth_keys = os.path.join(work, "keys-auth.txt")
    with open(auth_keys, "w") as f, open(keys) as k:
        f.write(k.read() + "example.net TXT v=spf1 ip4:192.0.2.0/24 -all\n"
                "_dmarc.example.net TXT v=DMARC1; p=reject\n")
    path = os.path.join(work, "verify-auth.conf")
    with open(path, "w") as f:
        f.write(f'spawn = {{ spool_directory = "{spool}"; }};\n'
                f'verifying = {{ authserv_id = "{HOSTNAME}"; key_file = "{auth_keys}"; }};\n')
    confs["verify-auth"] = path
    return confs


def arc_sealed(message, work):
    """MESSAGE (bytes) as a forwarder passes it on: its Authentication-Results,
    then dkimpy's ARC set (i=1, cv=none), d=example.net s=rsa."""
    import dkim
    message = (b"Authentication-Results: fwd.bench.test; dkim=pass header.d=example.net\r\n"
               + message)
    with open(os.path.join(work, "rsa.pem"), "rb") as f:
        fields = dkim.arc_sign(message, b"rsa", b"example.net", f.read(), b"fwd.bench.test")
    if len(fields) != 3:
        raise RuntimeError(f"dkimpy arc_sign: {fields!r}")
    return b"".join(f if f.endswith(b"\r\n") else f + b"\r\n" for f in fields) + message


def check_signed(msg, alg):
    if msg is None or not msg.startswith(b"DKIM-Signature:"):
        raise RuntimeError("no DKIM-Signature delivered")
    want = b"a=rsa-sha256" if alg == "rsa" else b"a=ed25519-sha256"
    if want not in msg.split(b"\r\n\r\n", 1)[0]:
        raise RuntimeError(f"delivered signature is not {want!r}")


def check_verified(msg, want=(b"dkim=pass",)):
    head = msg.split(b"\r\n\r\n", 1)[0] if msg else b""
    if f"Authentication-Results: {HOSTNAME}".encode() not in head or \
            not all(w in head for w in want):
        raise RuntimeError(f"delivered message has not all of {want!r}:\n"
                           + head.decode(errors="replace"))


def check_all_pass(msg):
    check_verified(msg, (b"dkim=pass", b"spf=pass", b"dmarc=pass", b"arc=pass"))


def main():
    if len(sys.argv) < 4:
        sys.exit("usage: callgrind-connection.py BUILDDIR CORPUS WORKDIR [N]")
    build, corpus, work = (os.path.abspath(a) for a in sys.argv[1:4])
    n = int(sys.argv[4]) if len(sys.argv) > 4 else 10
    os.makedirs(work, exist_ok=True)
    spawn = os.path.join(build, "spawn", "dkimmod-spawn")
    cli = os.path.join(build, "tools", "dkimmod")
    confs = write_setup(corpus, work)
    msg2k = os.path.join(corpus, "msg-2k.eml")
    signed = os.path.join(corpus, "signed-rsa-2k.eml")
    with open(msg2k, "rb") as f:
        plain = f.read()
    with open(signed, "rb") as f:
        signed_bytes = f.read()
    keys = os.path.join(work, "keys.txt")
    out = os.path.join(work, "cli-out.eml")

    def spawn_case(mode, conf, message, check, xforward=False):
        def run(prefix):
            ru, delivered = spawn_connection(
                lambda port: prefix + [spawn, "-c", conf, "-o", f"next_hop=127.0.0.1:{port}",
                                       mode], message, xforward)
            check(delivered)
            return ru
        return run

    def cli_case(argv, stdin_path, check):
        def run(prefix):
            ru, status = cli_run(prefix + argv, stdin_path, out)
            if status != 0:
                raise RuntimeError(f"{argv[1]} exit status {status}")
            with open(out, "rb") as f:
                check(f.read())
            return ru
        return run

    def cli_verified(text):
        if b"dkim=pass" not in text:
            raise RuntimeError("dkimmod verify did not pass: " + text.decode(errors="replace"))

    cases = [
        ("spawn-verify", spawn_case("verify", confs["verify"], signed_bytes, check_verified)),
        ("spawn-verify-dkim", spawn_case("verify", confs["verify-dkim"], signed_bytes,
                                         check_verified)),
        ("spawn-verify-auth", spawn_case("verify", confs["verify-auth"],
                                         arc_sealed(signed_bytes, work), check_all_pass,
                                         xforward=True)),
        ("spawn-sign-rsa", spawn_case("sign", confs["rsa"], plain,
                                      lambda m: check_signed(m, "rsa"))),
        ("spawn-sign-ed", spawn_case("sign", confs["ed"], plain,
                                     lambda m: check_signed(m, "ed"))),
        ("cli-verify", cli_case([cli, "verify", "--key-file", keys, "--authserv-id", HOSTNAME],
                                signed, cli_verified)),
        ("cli-sign-rsa", cli_case([cli, "sign", "-d", "example.net", "-s", "rsa", "-k",
                                   os.path.join(work, "rsa.pem")], msg2k,
                                  lambda m: check_signed(m, "rsa"))),
        ("cli-sign-ed", cli_case([cli, "sign", "-d", "example.net", "-s", "ed", "-k",
                                  os.path.join(work, "ed.pem")], msg2k,
                                 lambda m: check_signed(m, "ed"))),
    ]
    serve_k = int(os.environ.get("SERVE_K", "10"))
    serve_cases = [
        ("serve-verify", "verify", confs["verify"], signed_bytes, check_verified),
        ("serve-sign-rsa", "sign", confs["rsa"], plain, lambda m: check_signed(m, "rsa")),
        ("serve-sign-ed", "sign", confs["ed"], plain, lambda m: check_signed(m, "ed")),
    ]
    only = os.environ.get("CALLGRIND_CASES")
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        sys.exit("valgrind not found (apt-get install valgrind)")
    extra = os.environ.get("CALLGRIND_ARGS", "").split()
    failed = False
    for name, run in cases:
        if only and name not in only.split(","):
            continue
        cg = os.path.join(work, f"callgrind.{name}.out")
        try:
            run([valgrind, "--tool=callgrind", "--quiet", f"--callgrind-out-file={cg}"] + extra)
            ir = None
            with open(cg) as f:
                for line in f:
                    m = re.match(r"(?:totals|summary):\s+(\d+)", line)
                    if m:
                        ir = int(m.group(1))
            faults = [run([]) for _ in range(n)]
        except (RuntimeError, OSError, EOFError) as e:
            print(f"CALLGRIND {name} FAILED: {e}", flush=True)
            failed = True
            continue
        minflt = statistics.median(ru.ru_minflt for ru in faults)
        majflt = statistics.median(ru.ru_majflt for ru in faults)
        cpu = statistics.median((ru.ru_utime + ru.ru_stime) * 1000 for ru in faults)
        print(f"CALLGRIND {name} Ir {ir} faults {minflt:.0f} majflt {majflt:.0f} cpu_ms {cpu:.3f} "
              f"file {cg}",
              flush=True)
    for name, mode, conf, message, check in serve_cases:
        if only and name not in only.split(","):
            continue
        try:
            irs = []
            for k in (1, 1 + serve_k):
                cg = os.path.join(work, f"callgrind.{name}.%p.out")
                _, _, listener = serve_run([valgrind, "--tool=callgrind", "--quiet",
                                         "--trace-children=yes", f"--callgrind-out-file={cg}"]
                                        + extra, spawn, conf, mode, work, name, message, check, k)
                irs.append(worker_ir(work, name, listener))
            faults, cpu, _ = serve_run([], spawn, conf, mode, work, name, message, check,
                                       1 + max(n, 50))
        except (RuntimeError, OSError, EOFError) as e:
            print(f"CALLGRIND {name} FAILED: {e}", flush=True)
            failed = True
            continue
        ir = (irs[1] - irs[0]) // serve_k
        print(f"CALLGRIND {name} Ir {ir} faults {faults:.0f} majflt 0 cpu_ms {cpu:.3f} file "
              f"(per connection of a running worker: ({irs[1]} - {irs[0]}) / {serve_k}; "
              f"worker start-up and first connection {irs[0]})", flush=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
