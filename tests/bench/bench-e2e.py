#!/usr/bin/python3
# SPDX-License-Identifier: MIT
#
# NAME
#	bench-e2e.py - signing and verifying end to end through the private Postfix rig
# SYNOPSIS
#	bench-e2e.py BUILDDIR [ROUNDS [MESSAGES [CORPUS]]]
# DESCRIPTION
#	Sets up the project's rig (tests/postfix/rig.sh, port base 20000, which
#	is not among the test suites' candidate bases of rig.sh bases) with BUILDDIR's
#	dkimmod-spawn, adds to this rig's own master.cf, with postconf -M/-P,
#	two smtpd ports whose smtpd_milters is Debian's opendkim(8) signing
#	over a UNIX socket and over TCP, starts those two opendkim in the
#	foreground with generated configurations (same key, relaxed/relaxed),
#	and then, ROUNDS times (default 3), the paths interleaved:
#	  a      no filter (the rig's baseline smtpd)
#	  b      dkimmod-spawn as content_filter (after the queue)
#	  b2     dkimmod-spawn as smtpd_proxy_filter on submission (before the queue)
#	  c-unix opendkim milter, unix socket
#	  c-tcp  opendkim milter, TCP on loopback
#	  b3     dkimmod-spawn serve (the pooled mode, issue 11) as
#	         smtpd_proxy_filter on a submission smtpd added here: a
#	         listener started here with --listen inet:, 4 workers at most
#	  a-d, b2-d  a and b2 with smtp-source -d (each session sends all its
#	         messages over one connection), to show the per-connection cost
#	and, when CORPUS (make-corpus.py's directory) is given, the verifying
#	paths on its 2 KB message signed beforehand by dkimmod sign
#	(signed-rsa-2k.eml: RSA-2048, d=example.net, s=rsa), whose key record
#	(keys.txt) the rig's dnsmasq publishes:
#	  a-py   no filter, sent by this script's own SMTP client
#	  d      dkimmod-spawn verify as smtpd_proxy_filter (the rig's inbound
#	         port), key from DNS (verifying.nameserver = the rig's dnsmasq)
#	  d-kf   the same with verifying.key_file (a second spawn service and
#	         inbound smtpd, added here), key records from keys.txt
#	  d-kf-dkim  d-kf with spf, dmarc and arc off: DKIM alone, so d-kf
#	         minus d-kf-dkim is what SPF, DMARC and ARC add (issue 10)
#	  d-kf-static  d-kf with the static-pie helper of the build directory
#	         in BENCH_STATIC_BUILD (meson -Dstatic_helper=true); only when
#	         that is set
#	  d3, d3-kf  d and d-kf through dkimmod-spawn serve verify listeners
#	         (pooled mode) instead of spawn(8)
#	  d3-kf-nc  d3-kf with --next-hop-cache-time 0: a next-hop connection
#	         per message, as before the cache (nexthop-cache.c)
#	  d3-kf-np  d3-kf with a next hop (a copy of the rig's after-proxy
#	         smtpd) that discards PIPELINING and CHUNKING: XFORWARD, MAIL
#	         and RCPT one at a time and DATA with its 354, as before
#	         pipeline.c and BDAT
#	  e-kf   opendkim milter in Mode v over a UNIX socket, the same
#	         keys.txt as TestPublicKeys. Not DNS: opendkim's resolver is
#	         libunbound, which will not forward to 127.0.0.1 unless its
#	         configuration says do-not-query-localhost: no, and with that
#	         file (ResolverConfiguration) opendkim answered 451 now and
#	         then under 4 sessions, the file reported unparsable at line 1
#	         although it parses alone (see docs/benchmarks.md)
#	smtp-source cannot send a given file, so these three use a small
#	client here: 4 threads, one connection per message as smtp-source
#	does without -d; a-py is their baseline, measured in the same rounds.
#	sends MESSAGES (default 500) messages of 2 KB from alice@example.net
#	over 4 sessions with smtp-source and times them until all are in the
#	Maildir and the queue is empty. CPU is the change of utime+stime of
#	Postfix's master and all its descendants, living or reaped (cutime),
#	read from /proc, plus opendkim's and the serve listeners' (with
#	their workers, living or reaped); the filter's own CPU is that of the
#	dkimmod-spawn processes (the spawn(8) services run with max_use and
#	max_idle raised so that no spawn process exits during a round), of a
#	serve listener and its workers, or of opendkim. Then single-message
#	latency (smtp-source -m 1, 7 times per path): until smtp-source exits
#	and until the message is delivered.
#	Prints medians over the rounds, and checks that each path signed
#	(a DKIM-Signature in a delivered message; none on path a) and that d
#	and e added Authentication-Results with dkim=pass. Last, a diagnostic
#	pass: the spawn services of b2 and d get rusage-exec (BUILDDIR/tests/
#	bench) in front of dkimmod-spawn, and 100 messages each give the
#	filter's own CPU, peak RSS, page faults and context switches per
#	process from wait4(2), without spawn(8)'s fork.
#	Needs root; exits 77 otherwise.
# ENVIRONMENT
#	BENCH_E2E_DEBUG  when set, prints opendkim's logs and the maillog's
#	                 tail at the end (for a path that failed its check)
# NEVER
#	Kill processes it did not start; the rig is stopped with rig.sh.
import fcntl
import os
import socket
import statistics
import subprocess
import sys
import threading
import time

BASE = 20000
HERE = os.path.dirname(os.path.abspath(__file__))
RIGSH = os.path.join(HERE, "..", "postfix", "rig.sh")
TICK = os.sysconf("SC_CLK_TCK")


def rig(env, *args):
    return subprocess.run([RIGSH] + list(args), env=env, check=True, capture_output=True,
                          text=True, pass_fds=()).stdout.strip()


def stat(pid):
    """(ppid, own ticks, reaped children ticks) or None."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            s = f.read()
    except OSError:
        return None
    fields = s[s.rindex(")") + 2:].split()
    return int(fields[1]), int(fields[11]) + int(fields[12]), int(fields[13]) + int(fields[14])


def cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().split(b"\0")
    except OSError:
        return []


def snapshot(master, spawn_ports, extra):
    """CPU seconds: (Postfix tree + extra pids, dkimmod-spawn filters, extra pids).
    An extra pid counts with its children (a serve listener's workers)."""
    procs = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            st = stat(int(d))
            if st:
                procs[int(d)] = st
    children = {}
    for pid, (ppid, _, _) in procs.items():
        children.setdefault(ppid, []).append(pid)
    total = filt = 0
    stack = [master]
    while stack:
        pid = stack.pop()
        if pid not in procs:
            continue
        _, own, reaped = procs[pid]
        total += own + reaped
        argv = cmdline(pid)
        if argv[:1] == [b"spawn"] and any(f"127.0.0.1:{p}".encode() in argv for p in spawn_ports):
            # the spawn(8) process: its reaped children are finished filters
            filt += reaped
            for c in children.get(pid, []):
                filt += procs[c][1] + procs[c][2]
        stack.extend(children.get(pid, []))
    ex = sum(procs[p][1] + procs[p][2] for p in extra if p in procs)
    ex += sum(procs[c][1] + procs[c][2] for p in extra for c in children.get(p, []))
    return (total + ex) / TICK, filt / TICK, ex / TICK


def count_mail(rigdir):
    try:
        return len(os.listdir(os.path.join(rigdir, "mail", "example.com", "catchall", "new")))
    except FileNotFoundError:
        return 0


def queue_empty(rigdir):
    for q in ("incoming", "active", "deferred", "hold", "maildrop"):
        for _, _, files in os.walk(os.path.join(rigdir, "spool", q)):
            if files:
                return False
    return True


def wait_delivered(rigdir, n, timeout):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if count_mail(rigdir) >= n and queue_empty(rigdir):
            return time.monotonic()
        time.sleep(0.005)
    sys.exit(f"bench-e2e: {n} messages not delivered within {timeout} s "
             f"({count_mail(rigdir)} delivered)")


def clear_mail(rigdir):
    subprocess.run(["rm", "-rf", os.path.join(rigdir, "mail", "example.com")], check=True)


def smtp_source(port, msgs, sessions, reuse=False):
    subprocess.run(["smtp-source"] + (["-d"] if reuse else []) +
                   ["-s", str(sessions), "-m", str(msgs), "-l", "2048",
                    "-f", "alice@example.net", "-t", "bench@example.com", f"127.0.0.1:{port}"],
                   check=True, stdout=subprocess.DEVNULL)


class TempFail(Exception):
    pass


TEMPFAILS = {}


def smtp_send_one(port, data):
    """One SMTP transaction on a new connection, as smtp-source does without -d."""
    with socket.create_connection(("127.0.0.1", port)) as s:
        f = s.makefile("rb")

        def reply():
            while True:
                line = f.readline()
                if len(line) < 4 or line[3:4] != b"-":
                    break
            if line[:1] == b"4":
                raise TempFail(line)
            if not line[:1] in (b"2", b"3"):
                raise RuntimeError(f"port {port}: {line!r}")
        reply()
        for cmd in (b"EHLO bench.example\r\n", b"MAIL FROM:<alice@example.net>\r\n",
                    b"RCPT TO:<bench@example.com>\r\n", b"DATA\r\n"):
            s.sendall(cmd)
            reply()
        s.sendall(data + b".\r\n")
        reply()
        s.sendall(b"QUIT\r\n")
        reply()


def file_source(port, data, msgs, sessions):
    """smtp-source for a given message: SESSIONS threads share MSGS messages."""
    data = data.replace(b"\r\n.", b"\r\n..")   # dot-stuffing
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    left = [msgs]
    lock = threading.Lock()
    errors = []

    def worker():
        while True:
            with lock:
                if left[0] == 0 or errors:
                    return
                left[0] -= 1
            try:
                for _ in range(3):
                    try:
                        smtp_send_one(port, data)
                        break
                    except TempFail as e:   # counted and printed: not hidden
                        with lock:
                            TEMPFAILS[port] = TEMPFAILS.get(port, 0) + 1
                            TEMPFAILS[(port, "last")] = e.args[0]
                else:
                    raise RuntimeError(f"port {port}: 3 temporary failures in a row")
            except Exception as e:      # reported after the join
                errors.append(e)
                return
    threads = [threading.Thread(target=worker) for _ in range(sessions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        sys.exit(f"bench-e2e: sending to port {port}: {errors[0]}")


def dns_extra(rigdir, corpus):
    """Publish the corpus's key records (keys.txt) through the rig's dnsmasq."""
    with open(os.path.join(corpus, "keys.txt")) as f, \
            open(os.path.join(rigdir, "etc", "dns-extra.conf"), "w") as out:
        for line in f:
            name, txt = line.rstrip("\n").split(" ", 1)
            # TXT character-strings are at most 255 octets (RFC 1035 3.3.14)
            parts = ",".join(f'"{txt[i:i + 250]}"' for i in range(0, len(txt), 250))
            out.write(f"txt-record={name},{parts}\n")


def opendkim_conf(rigdir, name, socket, verify_with=None):
    d = os.path.join(rigdir, "odkim")
    os.makedirs(d, exist_ok=True)
    os.chmod(d, 0o755)
    path = os.path.join(d, f"{name}.conf")
    with open(path, "w") as f:
        f.write(f"""Syslog no
Mode {'v' if verify_with else 's'}
Canonicalization relaxed/relaxed
Domain example.net
Selector mondomaine-dkim
KeyFile {rigdir}/keys/mondomaine-dkim._domainkey.example.net.key
RequireSafeKeys false
Socket {socket}
UMask 000
PidFile {d}/{name}.pid
""")
        if verify_with:
            # mail from InternalHosts (default 127.0.0.1) is only signed
            f.write(f"""AuthservID mx.rig.test
InternalHosts csl:192.0.2.1
TestPublicKeys {verify_with}
""")
    return path


def delivered_text(rigdir):
    d = os.path.join(rigdir, "mail", "example.com", "catchall", "new")
    with open(os.path.join(d, os.listdir(d)[0]), "rb") as f:
        return b"\n" + f.read()


def standalone_cpu(argv, cwd):
    """CPU ms of one dkimmod-spawn run outside Postfix, signing one 2 KB
    message from alice@example.net (as bench-proc.py, posix_spawn on a
    socketpair), with the rig's configuration and next hop."""
    parent, child = socket.socketpair()
    acts = [(os.POSIX_SPAWN_DUP2, child.fileno(), fd) for fd in (0, 1, 2)]
    here = os.getcwd()
    os.chdir(cwd)       # as spawn(8) starts it: postlogd's socket is public/postlog
    try:
        pid = os.posix_spawn(argv[0], argv, os.environ, file_actions=acts)
    finally:
        os.chdir(here)
    child.close()
    parent.settimeout(30)
    f = parent.makefile("rb")

    def reply():
        while True:
            line = f.readline()
            if len(line) < 4 or line[3:4] != b"-":
                return line
    reply()
    body = b"".join(b"La de da de da %d.\r\n" % i for i in range(100))[:2048 - 120]
    body = body[:body.rindex(b"\r\n") + 2]
    for cmd in (b"EHLO bench.example\r\n", b"MAIL FROM:<alice@example.net>\r\n",
                b"RCPT TO:<bench@example.com>\r\n", b"DATA\r\n",
                b"From: <alice@example.net>\r\nTo: <bench@example.com>\r\n"
                b"Subject: bench\r\n\r\n" + body + b".\r\n", b"QUIT\r\n"):
        parent.sendall(cmd)
        reply()
    _, _, ru = os.wait4(pid, 0)
    parent.close()
    return (ru.ru_utime + ru.ru_stime) * 1000


def rusage_pass(env, rigdir, build, renv, corpus_msg, n):
    """The filter's own cost per process, from rusage-exec in front of it."""
    rbin = os.path.join(rigdir, "bin", "rusage-exec")
    subprocess.run(["install", "-m", "0755", os.path.join(build, "tests", "bench", "rusage-exec"),
                    rbin], check=True)
    mcf = os.path.join(rigdir, "etc", "master.cf")
    with open(mcf) as f:
        orig = f.read()
    text = orig
    logs = {}
    for name in ("proxysign", "verify"):
        log = os.path.join(rigdir, "log", f"rusage-{name}.log")
        open(log, "w").close()
        os.chmod(log, 0o666)
        logs[name] = log
        marker = f"-o syslog_name=postfix/{name}-spawn\n"
        i = text.index(marker)
        j = text.index("argv=", i) + len("argv=")
        text = text[:j] + f"{rbin} {log} " + text[j:]
    with open(mcf, "w") as f:
        f.write(text)
    rig(env, "reload")
    time.sleep(1.5)
    out = {}
    alone = []
    spawn = os.path.join(rigdir, "bin", "dkimmod-spawn")
    argv = [spawn, "-c", os.path.join(rigdir, "etc", "dkimmod.conf"),
            "-o", f"next_hop=127.0.0.1:{renv['RIG_AFTERPROXY']}"]
    try:
        for name, key in (("proxysign", "b2"), ("verify", "d")):
            if key == "d" and corpus_msg is None:
                continue
            clear_mail(rigdir)
            # in 5 chunks, each followed by as many standalone processes
            # (same binary, configuration and next hop, started from here
            # as bench-proc.py does): the two measured at the same moment
            for _ in range(5):
                if key == "b2":
                    smtp_source(int(renv["RIG_PROXY_SUBMISSION"]), n // 5, 4)
                    for _ in range(n // 5):
                        alone.append(standalone_cpu(argv, os.path.join(rigdir, "spool")))
                else:
                    file_source(int(renv["RIG_INBOUND"]), corpus_msg, n // 5, 4)
            wait_delivered(rigdir, n, 120)
            time.sleep(0.3)
            with open(logs[name]) as f:
                rows = [dict(kv.split("=") for kv in line.split()) for line in f]
            med = {k: statistics.median(int(r[k]) for r in rows) for k in rows[0]}
            out[key] = (len(rows), med)
    finally:
        with open(mcf, "w") as f:
            f.write(orig)
        rig(env, "reload")
    for key, (cnt, m) in out.items():
        print(f"E2E {key:6s} per filter process (rusage-exec, {cnt} processes, medians): "
              f"CPU {(m['utime_us'] + m['stime_us']) / 1000:.2f} ms "
              f"(user {m['utime_us'] / 1000:.2f}, sys {m['stime_us'] / 1000:.2f}), "
              f"peak RSS {m['maxrss_kib'] / 1024:.1f} MiB, minor faults {m['minflt']:.0f}, "
              f"ctx switches {m['nvcsw']:.0f}+{m['nivcsw']:.0f}, wall {m['wall_us'] / 1000:.1f} ms",
              flush=True)
    if alone:
        print(f"E2E b2     same process started standalone, interleaved ({len(alone)}, medians): "
              f"CPU {statistics.median(alone):.2f} ms", flush=True)


def main():
    if os.geteuid() != 0:
        print("bench-e2e: needs root (the Postfix rig)", file=sys.stderr)
        sys.exit(77)
    build = os.path.abspath(sys.argv[1])
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    msgs = int(sys.argv[3]) if len(sys.argv) > 3 else 500
    corpus = os.path.abspath(sys.argv[4]) if len(sys.argv) > 4 else None
    corpus_msg = None
    if corpus:
        with open(os.path.join(corpus, "signed-rsa-2k.eml"), "rb") as f:
            corpus_msg = f.read()
    env = dict(os.environ, RIG_PORT_BASE=str(BASE), DKIMMOD_BUILDDIR=build)
    lock = open(rig(env, "lockfile"), "w")
    fcntl.flock(lock, fcntl.LOCK_EX)
    rigdir = rig(env, "setup")
    env["RIG"] = rigdir
    renv = dict(line.split("=", 1) for line in rig(env, "env").splitlines())
    p_unix, p_tcp, p_odkim, p_vmilter = BASE + 589, BASE + 590, BASE + 591, BASE + 592
    sock = os.path.join(rigdir, "odkim", "unix.sock")
    vsock = os.path.join(rigdir, "odkim", "verify.sock")
    pc = ["postconf", "-c", os.path.join(rigdir, "etc")]
    for port, milter, name in ((p_unix, f"unix:{sock}", "milter-unix"),
                               (p_tcp, f"inet:127.0.0.1:{p_odkim}", "milter-tcp"),
                               (p_vmilter, f"unix:{vsock}", "milter-verify")):
        svc = f"127.0.0.1:{port}/inet"
        subprocess.run(pc + ["-M", f"{svc}=127.0.0.1:{port} inet n - n - - smtpd"], check=True)
        subprocess.run(pc + ["-P", f"{svc}/syslog_name=postfix/{name}",
                             f"{svc}/smtpd_milters={milter}",
                             f"{svc}/milter_default_action=tempfail"], check=True)
    p_kfspawn, p_kfin = BASE + 593, BASE + 594
    p_kfdkimspawn, p_kfdkimin = BASE + 601, BASE + 602
    p_kfstaticspawn, p_kfstaticin = BASE + 603, BASE + 604
    static_build = os.environ.get("BENCH_STATIC_BUILD") if corpus else None
    if corpus:
        dns_extra(rigdir, corpus)
        keys_copy = os.path.join(rigdir, "etc", "keys.txt")
        subprocess.run(["install", "-m", "0644", os.path.join(corpus, "keys.txt"), keys_copy],
                       check=True)
        with open(os.path.join(rigdir, "etc", "dkimmod.conf")) as f:
            conf = f.read()
        kfconf = os.path.join(rigdir, "etc", "dkimmod-keyfile.conf")
        kfdkimconf = os.path.join(rigdir, "etc", "dkimmod-keyfile-dkim.conf")
        spawn = os.path.join(rigdir, "bin", "dkimmod-spawn")
        services = [(kfconf, "", p_kfspawn, p_kfin, "keyfile", spawn),
                    (kfdkimconf, "  spf = false;\n  dmarc = false;\n  arc = false;\n",
                     p_kfdkimspawn, p_kfdkimin, "keyfile-dkim", spawn)]
        if static_build:
            # the static-pie helper, copied where the filter's user can run it
            static_spawn = os.path.join(rigdir, "bin", "dkimmod-spawn-static")
            subprocess.run(["install", "-m", "0755",
                            os.path.join(os.path.abspath(static_build), "spawn", "dkimmod-spawn"),
                            static_spawn], check=True)
            services.append((kfconf, "", p_kfstaticspawn, p_kfstaticin, "keyfile-static",
                             static_spawn))
        # d-kf verifies with every method (the default), d-kf-dkim with DKIM
        # alone: their difference is what SPF, DMARC and ARC add (issue 10)
        for path, only_dkim, sport, iport, name, binary in services:
            with open(path, "w") as f:      # d-kf-static: d-kf's file again, the same text
                f.write(conf.replace("  dns_timeout = 2;\n",
                                     f'  dns_timeout = 2;\n  key_file = "{keys_copy}";\n'
                                     + only_dkim))
            os.chmod(path, 0o644)
            svc = f"127.0.0.1:{sport}/inet"
            subprocess.run(pc + ["-M", f"{svc}=127.0.0.1:{sport} inet n n n - 10 spawn "
                                 f"user=dkimmod:postdrop argv={binary} -c {path} "
                                 f"-o next_hop=127.0.0.1:{renv['RIG_AFTERPROXY']} verify"],
                           check=True)
            subprocess.run(pc + ["-P", f"{svc}/syslog_name=postfix/verify-{name}-spawn",
                                 f"{svc}/command_time_limit=300s"], check=True)
            svc = f"127.0.0.1:{iport}/inet"
            subprocess.run(pc + ["-M", f"{svc}=127.0.0.1:{iport} inet n - n - 10 smtpd"],
                           check=True)
            subprocess.run(pc + ["-P", f"{svc}/syslog_name=postfix/inbound-{name}",
                                 f"{svc}/smtpd_proxy_filter=127.0.0.1:{sport}",
                                 f"{svc}/smtpd_proxy_options=speed_adjust"], check=True)
    spawn_ports = (int(renv["RIG_SIGN"]), int(renv["RIG_PROXY_SIGN"]), int(renv["RIG_VERIFY"]),
                   p_kfspawn, p_kfdkimspawn, p_kfstaticspawn)[:(6 if static_build else 5)
                                                              if corpus else 3]
    for p in spawn_ports:
        svc = f"127.0.0.1:{p}/inet"
        subprocess.run(pc + ["-P", f"{svc}/max_use=1000000", f"{svc}/max_idle=3600"], check=True)
    # the pooled mode: listeners started after the rig, smtpds added here
    p_pool_sub, p_pool_sign = BASE + 595, BASE + 596
    p_pool_in, p_pool_verify, p_pool_kfin, p_pool_kfverify = BASE + 597, BASE + 598, BASE + 599, BASE + 600
    p_pool_kfin_nc, p_pool_kfverify_nc = BASE + 605, BASE + 606
    p_pool_kfin_np, p_pool_kfverify_np, p_after_np = BASE + 607, BASE + 608, BASE + 609
    after = int(renv["RIG_AFTERPROXY"])
    # (mode, smtpd port, listener port, config, extra serve options, next hop)
    pools = [("sign", p_pool_sub, p_pool_sign, None, [], after)]
    if corpus:
        pools += [("verify", p_pool_in, p_pool_verify, None, [], after),
                  ("verify", p_pool_kfin, p_pool_kfverify, kfconf, [], after),
                  ("verify", p_pool_kfin_nc, p_pool_kfverify_nc, kfconf,
                   ["--next-hop-cache-time", "0"], after),
                  ("verify", p_pool_kfin_np, p_pool_kfverify_np, kfconf, [], p_after_np)]
        # d3-kf-np's next hop: the after-proxy smtpd without the two keywords
        asvc = f"127.0.0.1:{after}/inet"
        nsvc = f"127.0.0.1:{p_after_np}/inet"
        line = subprocess.run(pc + ["-M", asvc], check=True, capture_output=True,
                              text=True).stdout.split()
        subprocess.run(pc + ["-M", f"{nsvc}=127.0.0.1:{p_after_np} " + " ".join(line[1:8])],
                       check=True)
        params = [nsvc + entry[len(asvc):].replace(" = ", "=", 1)
                  for entry in subprocess.run(pc + ["-P"], check=True, capture_output=True,
                                              text=True).stdout.splitlines()
                  if entry.startswith(asvc + "/")]
        subprocess.run(pc + ["-P"] + params
                       + [f"{nsvc}/smtpd_discard_ehlo_keywords=chunking,pipelining",
                          f"{nsvc}/syslog_name=postfix/afterproxy-np"], check=True)
    for _, port, filt, _, _, _ in pools:
        svc = f"127.0.0.1:{port}/inet"
        subprocess.run(pc + ["-M", f"{svc}=127.0.0.1:{port} inet n - n - 10 smtpd"], check=True)
        subprocess.run(pc + ["-P", f"{svc}/syslog_name=postfix/pooled-{port}",
                             f"{svc}/smtpd_proxy_filter=127.0.0.1:{filt}",
                             f"{svc}/smtpd_proxy_options=speed_adjust"], check=True)
    odkims = []
    serves = []
    try:
        rig(env, "start")
        rig(env, "dns-start")
        spawn = os.path.join(rigdir, "bin", "dkimmod-spawn")
        for mode, _, filt, conf, extra, hop in pools:
            serves.append(subprocess.Popen(
                ["setpriv", "--reuid=dkimmod", "--regid=postdrop", "--clear-groups", spawn,
                 "serve", "-c", conf or os.path.join(rigdir, "etc", "dkimmod.conf"),
                 "-l", os.path.join(rigdir, "spool", "public", "postlog"),
                 "--listen", f"inet:127.0.0.1:{filt}", "--workers-min", "2",
                 "--workers-max", "4", "--max-use", "1000000", *extra,
                 "-o", f"next_hop=127.0.0.1:{hop}", mode],
                cwd="/", stdin=subprocess.DEVNULL,
                stdout=open(os.path.join(rigdir, "log", f"serve-{filt}.out"), "w"),
                stderr=subprocess.STDOUT))
        for _, _, filt, _, _, _ in pools:
            for _ in range(400):
                if subprocess.run(["sh", "-c", f"grep -q ':{filt:04X} .* 0A ' /proc/net/tcp"]
                                  ).returncode == 0:
                    break
                time.sleep(0.025)
            else:
                sys.exit(f"bench-e2e: dkimmod-spawn serve on {filt} did not start")
        milters = [("unix", f"local:{sock}", None), ("tcp", f"inet:{p_odkim}@127.0.0.1", None)]
        if corpus:
            milters.append(("verify", f"local:{vsock}", keys_copy))
        for name, socket_, verify_with in milters:
            conf = opendkim_conf(rigdir, name, socket_, verify_with)
            odkims.append(subprocess.Popen(["opendkim", "-f", "-x", conf],
                                           stdout=subprocess.DEVNULL,
                                           stderr=open(os.path.join(rigdir, "log", f"odkim-{name}.log"), "w")))
        for _ in range(400):
            if all(os.path.exists(x) for x in (sock, vsock)[:len(milters) - 1]) and subprocess.run(
                    ["sh", "-c", f"grep -q ':{p_odkim:04X} .* 0A ' /proc/net/tcp"]).returncode == 0:
                break
            if any(o.poll() is not None for o in odkims):
                sys.exit("bench-e2e: opendkim did not start (see its log in the rig)")
            time.sleep(0.025)
        with open(os.path.join(rigdir, "spool", "pid", "master.pid")) as f:
            master = int(f.read().split()[0])
        # (key, label, port, filter: None, "spawn" or a pid, sender: "src" or "py")
        paths = [("a", "no filter", int(renv["RIG_NOFILTER"]), None, "src"),
                 ("b", "dkimmod-spawn content_filter", int(renv["RIG_SUBMISSION"]), "spawn", "src"),
                 ("b2", "dkimmod-spawn smtpd_proxy_filter", int(renv["RIG_PROXY_SUBMISSION"]), "spawn", "src"),
                 ("b3", "dkimmod-spawn serve, proxy (pooled)", p_pool_sub, serves[0].pid, "src"),
                 ("c-unix", "opendkim milter, unix socket", p_unix, odkims[0].pid, "src"),
                 ("c-tcp", "opendkim milter, TCP", p_tcp, odkims[1].pid, "src")]
        if corpus:
            paths += [("a-py", "no filter, signed file", int(renv["RIG_NOFILTER"]), None, "py"),
                      ("d", "dkimmod-spawn verify, proxy, DNS", int(renv["RIG_INBOUND"]), "spawn", "py"),
                      ("d-kf", "dkimmod-spawn verify, key_file", p_kfin, "spawn", "py"),
                      ("d-kf-dkim", "the same, DKIM alone", p_kfdkimin, "spawn", "py"),
                      ] + ([("d-kf-static", "d-kf, the static-pie helper", p_kfstaticin,
                              "spawn", "py")] if static_build else []) + [
                      ("d3", "serve verify (pooled), DNS", p_pool_in, serves[1].pid, "py"),
                      ("d3-kf", "serve verify (pooled), key_file", p_pool_kfin, serves[2].pid, "py"),
                      ("d3-kf-nc", "d3-kf, no next-hop cache", p_pool_kfin_nc, serves[3].pid,
                       "py"),
                      ("d3-kf-np", "d3-kf, no pipelining or BDAT", p_pool_kfin_np,
                       serves[4].pid, "py"),
                      ("e-kf", "opendkim verify milter, TestPublicKeys", p_vmilter, odkims[2].pid, "py")]
        nlat = len(paths)
        paths += [("a-d", "no filter, -d", int(renv["RIG_NOFILTER"]), None, "src"),
                  ("b2-d", "dkimmod-spawn proxy, -d", int(renv["RIG_PROXY_SUBMISSION"]), "spawn", "src")]

        def send(key, port, sender, n, sessions):
            if sender == "py":
                file_source(port, corpus_msg, n, sessions)
            else:
                smtp_source(port, n, sessions, key.endswith("-d"))

        res = {p[0]: {"rate": [], "cpu": [], "fcpu": []} for p in paths}
        # warm-up: one message through each path (starts the daemons), checked
        for key, _, port, _, sender in paths[:nlat]:
            clear_mail(rigdir)
            send(key, port, sender, 1, 1)
            wait_delivered(rigdir, 1, 60)
            text = delivered_text(rigdir)
            if key.startswith(("d", "e")):
                # the first Authentication-Results is the one this hop added
                ar = text[text.index(b"\nAuthentication-Results:"):].split(b"\n", 2)[1] \
                    if b"\nAuthentication-Results:" in text else b""
                if b"dkim=pass" not in text or b"mx.rig.test" not in ar:
                    sys.exit(f"bench-e2e: path {key}: no dkim=pass from mx.rig.test:\n"
                             + text[:1200].decode(errors="replace"))
                continue
            if key == "a-py":       # the file is signed already: nothing to check
                continue
            signed = b"\nDKIM-Signature:" in text
            if signed != (key != "a"):
                sys.exit(f"bench-e2e: path {key}: DKIM-Signature {'present' if signed else 'missing'}")
        print("E2E check: paths b, b2, b3, c-unix, c-tcp deliver signed mail, path a unsigned"
              + ("; d, d-kf, d-kf-dkim, " + ("d-kf-static, " if static_build else "")
                 + "d3, d3-kf, d3-kf-nc, d3-kf-np and e-kf add dkim=pass" if corpus else ""), flush=True)
        for _ in range(rounds):
            for key, _, port, filt, sender in paths:
                clear_mail(rigdir)
                extra = [filt] if isinstance(filt, int) else []
                c0 = snapshot(master, spawn_ports, extra)
                t0 = time.monotonic()
                send(key, port, sender, msgs, 4)
                t1 = wait_delivered(rigdir, msgs, 600)
                c1 = snapshot(master, spawn_ports, extra)
                res[key]["rate"].append(msgs / (t1 - t0))
                res[key]["cpu"].append((c1[0] - c0[0]) * 1000 / msgs)
                res[key]["fcpu"].append(((c1[2] - c0[2]) if extra else (c1[1] - c0[1])) * 1000 / msgs)
        lat = {}
        for key, _, port, _, sender in paths[:nlat]:
            sub, dlv = [], []
            for _ in range(7):
                clear_mail(rigdir)
                t0 = time.monotonic()
                send(key, port, sender, 1, 1)
                t1 = time.monotonic()
                t2 = wait_delivered(rigdir, 1, 60)
                sub.append((t1 - t0) * 1000)
                dlv.append((t2 - t0) * 1000)
            lat[key] = (statistics.median(sub), statistics.median(dlv))
        for key, label, _, filt, sender in paths:
            base = statistics.median(res["a-d" if key.endswith("-d") else
                                         "a-py" if sender == "py" else "a"]["rate"])
            r = statistics.median(res[key]["rate"])
            print(f"E2E {key:9s} {label:34s} {r:6.0f} msg/s ({r / base:4.2f}x no filter), "
                  f"server CPU {statistics.median(res[key]['cpu']):5.2f} ms/msg, "
                  f"filter CPU {statistics.median(res[key]['fcpu']):5.2f} ms/msg, "
                  + (f"latency 1 msg: {lat[key][0]:5.1f} ms SMTP, {lat[key][1]:5.1f} ms delivered"
                     if key in lat else "all messages of a session over one connection"),
                  flush=True)
        # Issue 11's ratios round by round: the paths of one round ran minutes
        # apart at most, so a neighbour's load moves both sides of each ratio.
        for num, den in (("d3-kf", "e-kf"), ("d3", "e-kf"), ("d-kf", "e-kf"),
                         ("d-kf-static", "e-kf"), ("b3", "a"), ("d3-kf", "d3-kf-nc"),
                         ("d3-kf", "d3-kf-np")):
            if num in res and den in res:
                per = [n / d for n, d in zip(res[num]["rate"], res[den]["rate"])]
                print(f"E2E ratio {num}/{den} per round: " + " ".join(f"{x:.2f}" for x in per)
                      + f" (median {statistics.median(per):.2f}, min {min(per):.2f})", flush=True)
        for key, _, port, _, sender in paths:
            if sender == "py" and TEMPFAILS.get(port):
                print(f"E2E {key:6s} {TEMPFAILS[port]} temporary failures answered and sent again "
                      f"(last: {TEMPFAILS[(port, 'last')]!r})", flush=True)
        for o, (name, _, _) in zip(odkims, milters):
            with open(f"/proc/{o.pid}/status") as f:
                mem = {l.split(":")[0]: l.split()[1] for l in f if l.startswith(("VmRSS", "VmHWM"))}
            print(f"E2E opendkim ({name}) memory: RSS {int(mem['VmRSS']) / 1024:.1f} MiB, "
                  f"peak {int(mem['VmHWM']) / 1024:.1f} MiB", flush=True)
        print(f"E2E {msgs} messages of 2 KB, 4 sessions, medians of {rounds} interleaved rounds; "
              f"latency: medians of 7"
              + ("; a-py, d, d-kf, e-kf: signed-rsa-2k.eml sent by bench-e2e.py's client"
                 if corpus else ""), flush=True)
        rusage_pass(env, rigdir, build, renv, corpus_msg, 100)
    finally:
        for sv in serves:
            sv.terminate()      # SIGTERM: the listener drains and exits
            sv.wait()
        for o in odkims:
            if os.environ.get("BENCH_E2E_DEBUG"):
                subprocess.run(["sh", "-c", f"cat {rigdir}/log/odkim-*.log; tail -20 {rigdir}/log/maillog"])
            o.terminate()
            o.wait()
        subprocess.run([RIGSH, "destroy"], env=env, check=False)


main()
