# SPDX-License-Identifier: MIT
"""rigtest - drive tests/postfix/rig.sh from Python end-to-end tests.

Rig is a context manager: it claims a port base (the first of "rig.sh
bases" whose lock it gets and whose ports are free, so rigs of several test
runs can run at once), creates a rig on it with rig.sh setup, starts dnsmasq
and Postfix, and on exit stops everything and releases the base. When the body raised, it dumps the
maillog and keeps the rig directory for inspection; otherwise it removes it.

Verification uses dkimpy with a dnsfunc that asks the rig's dnsmasq through
dnspython, so nothing depends on the machine's resolv.conf.
"""

import fcntl
import json
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
RIG_SH = os.path.join(HERE, "rig.sh")
SKIP = 77


class RigError(AssertionError):
    pass


def need_root():
    if os.geteuid() != 0:
        print("SKIP: the Postfix rig needs root (master binds ports, spawn(8) switches user)")
        sys.exit(SKIP)


def _try_lock(path):
    """An open file holding an exclusive flock on PATH, or None."""
    # Python opens files non-inheritable: Postfix and dnsmasq cannot keep
    # the lock alive after the test.
    f = open(path, "w")
    try:
        fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return f
    except BlockingIOError:
        f.close()
        return None


def _rig_sh(env, *args):
    return subprocess.run([RIG_SH, *args], env=env, capture_output=True, text=True)


def claim_base(timeout=240):
    """(lock file, base): the first candidate port base whose lock is free
    and whose ports nobody listens on. The lock is held until the file is
    closed. Waits up to TIMEOUT s for one."""
    env = dict(os.environ)
    env.pop("RIG", None)
    deadline = time.monotonic() + timeout
    while True:
        for base in _rig_sh(env, "bases").stdout.split():
            env["RIG_PORT_BASE"] = base
            lock = _try_lock(_rig_sh(env, "lockfile").stdout.strip())
            if lock is None:
                continue
            if _rig_sh(env, "ports-free").returncode == 0:
                return lock, int(base)
            lock.close()
        if time.monotonic() > deadline:
            raise RigError("no free rig port base for %d s" % timeout)
        time.sleep(0.5)


class Rig:
    def __init__(self, keep_on_success=False, claimed=None):
        """CLAIMED: a (lock file, base) of claim_base() to use instead of
        claiming one; the rig closes the lock on exit."""
        self.keep_on_success = keep_on_success or os.environ.get("RIG_KEEP") == "1"
        self.dir = None
        self.env = dict(os.environ)
        self.env.pop("RIG", None)
        self.ports = {}
        self.dns_port = None
        self._lock, self.base = claimed if claimed else (None, None)

    # --- lifecycle ---------------------------------------------------
    def __enter__(self):
        need_root()
        if self._lock is None:
            self._lock, self.base = claim_base()
        self.env["RIG_PORT_BASE"] = str(self.base)
        try:
            self.dir = self.sh("setup").strip().splitlines()[-1]
            self.env["RIG"] = self.dir
            for line in self.sh("env").splitlines():
                k, _, v = line.partition("=")
                self.ports[k] = v
            self.dns_port = int(self.sh("dns-start").strip())
            self.sh("start")
        except BaseException:
            # __exit__ does not run when __enter__ fails: leave nothing behind
            # (rig.sh start already cleans up after a port in use).
            if self.dir and os.path.isdir(self.dir):
                self.sh("destroy", check=False)
            self._lock.close()
            raise
        return self

    def __exit__(self, etype, evalue, tb):
        if etype is not None:
            self.dump()
        try:
            self.sh("stop")
        finally:
            if etype is None and not self.keep_on_success:
                self.sh("destroy")
            elif self.dir:
                print("rig kept in %s" % self.dir, file=sys.stderr)
            self._lock.close()
        return False

    def dump(self):
        if not self.dir:
            return
        log = os.path.join(self.dir, "log", "maillog")
        print("======== %s ========" % log, file=sys.stderr)
        try:
            with open(log, errors="replace") as f:
                sys.stderr.write(f.read())
        except OSError as e:
            print(e, file=sys.stderr)
        q = subprocess.run(["postqueue", "-c", self.etc, "-j"], capture_output=True, text=True)
        print("======== queue ========\n" + q.stdout, file=sys.stderr)

    # --- helpers -----------------------------------------------------
    @property
    def etc(self):
        return os.path.join(self.dir, "etc")

    def port(self, name):
        return int(self.ports[name])

    @property
    def filter_mode(self):
        """spawn, or serve (RIG_FILTER=serve: the pooled listeners)."""
        return self.ports.get("RIG_FILTER", "spawn")

    def serve_listeners(self):
        """pids of the pooled listeners (RIG_FILTER=serve), else []."""
        import glob
        pids = []
        for f in glob.glob(os.path.join(self.dir, "serve-*.pid")):
            with open(f) as fh:
                pids.append(int(fh.read()))
        return pids

    def sh(self, *args, check=True):
        r = subprocess.run([RIG_SH, *args], env=self.env, capture_output=True, text=True)
        if check and r.returncode != 0:
            raise RigError("rig.sh %s failed (%d):\n%s%s" % (" ".join(args), r.returncode, r.stdout, r.stderr))
        return r.stdout

    def postconf(self, *args):
        subprocess.run(["postconf", "-c", self.etc, *args], check=True, capture_output=True)

    def reload(self):
        self.sh("reload")

    def flush(self):
        self.sh("flush")

    def wait_mail(self, maildir, n, timeout=20):
        self.sh("wait-mail", maildir, str(n), str(timeout))
        return self.messages(maildir)

    def wait_deferred(self, timeout=20):
        """Returns [(queue_id, delay_reason)] of the deferred messages."""
        out = self.sh("wait-deferred", str(timeout))
        return [tuple(l.split(" ", 1)) for l in out.splitlines() if l]

    def wait_empty(self, timeout=20):
        self.sh("wait-empty", str(timeout))

    def wait_port(self, port, state, timeout=10):
        self.sh("wait-port", str(port), state, str(timeout))

    def messages(self, maildir):
        """The delivered messages of a Maildir, oldest first, as bytes."""
        d = os.path.join(self.dir, "mail", maildir, "new")
        if not os.path.isdir(d):
            return []
        files = sorted(os.listdir(d), key=lambda f: os.stat(os.path.join(d, f)).st_mtime_ns)
        out = []
        for f in files:
            with open(os.path.join(d, f), "rb") as fh:
                out.append(fh.read())
        return out

    def maillog(self):
        with open(os.path.join(self.dir, "log", "maillog"), errors="replace") as f:
            return f.read()

    def key_path(self, selector, domain):
        return os.path.join(self.dir, "keys", "%s._domainkey.%s.key" % (selector, domain))

    def swaks(self, port, sender, rcpt, *extra):
        cmd = ["swaks", "--server", "127.0.0.1:%d" % port, "--from", sender, "--to", rcpt,
               "--helo", "client.rig.test", "--silent", "2", *extra]
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            raise RigError("swaks failed (%d): %s%s" % (r.returncode, r.stdout, r.stderr))

    # --- DKIM ----------------------------------------------------------
    def dnsfunc(self):
        import dns.resolver
        res = dns.resolver.Resolver(configure=False)
        res.nameservers = ["127.0.0.1"]
        res.port = self.dns_port

        def txt(name, timeout=5):
            if isinstance(name, bytes):
                name = name.decode()
            try:
                a = res.resolve(name, "TXT", lifetime=timeout)
            except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
                return None
            return b"".join(a[0].strings)
        return txt

    def verify(self, msg):
        """dkimpy's verdict on every DKIM-Signature of MSG: [(d, s, a, ok)]."""
        import dkim
        d = dkim.DKIM(msg, minkey=1024)
        fn = self.dnsfunc()
        out = []
        for i, sig in enumerate(signatures(msg)):
            ok = d.verify(idx=i, dnsfunc=fn)
            out.append((sig.get("d"), sig.get("s"), sig.get("a"), bool(ok)))
        return out


def header_fields(msg):
    """The header fields of MSG (bytes) as [(name, raw value)], unfolded."""
    head = re.split(rb"\r?\n\r?\n", msg, maxsplit=1)[0]
    fields = []
    for line in re.split(rb"\r?\n", head):
        if line[:1] in (b" ", b"\t") and fields:
            fields[-1][1] += b" " + line.strip()
        else:
            name, _, value = line.partition(b":")
            fields.append([name.decode(), value.strip()])
    return [(n, v) for n, v in fields]


def signatures(msg):
    """The tags of each DKIM-Signature of MSG, top first, as dicts."""
    out = []
    for name, value in header_fields(msg):
        if name.lower() == "dkim-signature":
            tags = {}
            for t in value.decode().split(";"):
                k, _, v = t.partition("=")
                if k.strip():
                    tags[k.strip()] = re.sub(r"\s+", "", v)
            out.append(tags)
    return out


def expect(cond, what):
    if not cond:
        raise RigError(what)


def expect_signed(rig, msg, wanted):
    """Checks that MSG carries exactly the signatures WANTED [(d, s)] and that
    dkimpy verifies every one of them."""
    got = rig.verify(msg)
    have = sorted((d, s) for d, s, _, _ in got)
    expect(have == sorted(wanted), "signatures %s, wanted %s\n%s" % (have, sorted(wanted), msg.decode(errors="replace")))
    bad = [g for g in got if not g[3]]
    expect(not bad, "dkimpy does not verify %s\n%s" % (bad, msg.decode(errors="replace")))
    return got


def run(main):
    """Runs MAIN(); prints PASS or the failure; exits 0, 1 or 77."""
    try:
        main()
    except RigError as e:
        print("FAIL: %s" % e, file=sys.stderr)
        sys.exit(1)
    print("PASS")
