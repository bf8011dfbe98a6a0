#!/usr/bin/python3
# SPDX-License-Identifier: MIT
#
# NAME
#	bench-e2e.py - signing end to end through the private Postfix rig
# SYNOPSIS
#	bench-e2e.py BUILDDIR [ROUNDS [MESSAGES]]
# DESCRIPTION
#	Sets up the project's rig (tests/postfix/rig.sh, port base 20000 so
#	that it does not meet the test suites' rigs at 10000) with BUILDDIR's
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
#	  a-d, b2-d  a and b2 with smtp-source -d (each session sends all its
#	         messages over one connection), to show the per-connection cost
#	sends MESSAGES (default 500) messages of 2 KB from alice@example.net
#	over 4 sessions with smtp-source and times them until all are in the
#	Maildir and the queue is empty. CPU is the change of utime+stime of
#	Postfix's master and all its descendants, living or reaped (cutime),
#	read from /proc, plus opendkim's; the filter's own CPU is that of the
#	dkimmod-spawn processes (the spawn(8) services run with max_use and
#	max_idle raised so that no spawn process exits during a round) or of
#	opendkim. Then single-message latency (smtp-source -m 1, 7 times per
#	path): until smtp-source exits and until the message is delivered.
#	Prints medians over the rounds, and checks that each path signed
#	(a DKIM-Signature in a delivered message; none on path a).
#	Needs root; exits 77 otherwise.
# NEVER
#	Kill processes it did not start; the rig is stopped with rig.sh.
import fcntl
import os
import statistics
import subprocess
import sys
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
    """CPU seconds: (Postfix tree + extra pids, dkimmod-spawn filters, extra pids)."""
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


def opendkim_conf(rigdir, name, socket):
    d = os.path.join(rigdir, "odkim")
    os.makedirs(d, exist_ok=True)
    os.chmod(d, 0o755)
    path = os.path.join(d, f"{name}.conf")
    with open(path, "w") as f:
        f.write(f"""Syslog no
Mode s
Canonicalization relaxed/relaxed
Domain example.net
Selector mondomaine-dkim
KeyFile {rigdir}/keys/mondomaine-dkim._domainkey.example.net.key
RequireSafeKeys false
Socket {socket}
UMask 000
PidFile {d}/{name}.pid
""")
    return path


def main():
    if os.geteuid() != 0:
        print("bench-e2e: needs root (the Postfix rig)", file=sys.stderr)
        sys.exit(77)
    build = sys.argv[1]
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    msgs = int(sys.argv[3]) if len(sys.argv) > 3 else 500
    env = dict(os.environ, RIG_PORT_BASE=str(BASE), DKIMMOD_BUILDDIR=os.path.abspath(build))
    lock = open(rig(env, "lockfile"), "w")
    fcntl.flock(lock, fcntl.LOCK_EX)
    rigdir = rig(env, "setup")
    env["RIG"] = rigdir
    renv = dict(line.split("=", 1) for line in rig(env, "env").splitlines())
    p_unix, p_tcp, p_odkim = BASE + 589, BASE + 590, BASE + 591
    sock = os.path.join(rigdir, "odkim", "unix.sock")
    pc = ["postconf", "-c", os.path.join(rigdir, "etc")]
    for port, milter, name in ((p_unix, f"unix:{sock}", "milter-unix"),
                               (p_tcp, f"inet:127.0.0.1:{p_odkim}", "milter-tcp")):
        svc = f"127.0.0.1:{port}/inet"
        subprocess.run(pc + ["-M", f"{svc}=127.0.0.1:{port} inet n - n - - smtpd"], check=True)
        subprocess.run(pc + ["-P", f"{svc}/syslog_name=postfix/{name}",
                             f"{svc}/smtpd_milters={milter}",
                             f"{svc}/milter_default_action=tempfail"], check=True)
    spawn_ports = (int(renv["RIG_SIGN"]), int(renv["RIG_PROXY_SIGN"]))
    for p in spawn_ports:
        svc = f"127.0.0.1:{p}/inet"
        subprocess.run(pc + ["-P", f"{svc}/max_use=1000000", f"{svc}/max_idle=3600"], check=True)
    odkims = []
    try:
        rig(env, "start")
        for name, socket in (("unix", f"local:{sock}"), ("tcp", f"inet:{p_odkim}@127.0.0.1")):
            conf = opendkim_conf(rigdir, name, socket)
            odkims.append(subprocess.Popen(["opendkim", "-f", "-x", conf],
                                           stdout=subprocess.DEVNULL,
                                           stderr=open(os.path.join(rigdir, "log", f"odkim-{name}.log"), "w")))
        for _ in range(400):
            if os.path.exists(sock) and subprocess.run(
                    ["sh", "-c", f"grep -q ':{p_odkim:04X} .* 0A ' /proc/net/tcp"]).returncode == 0:
                break
            if any(o.poll() is not None for o in odkims):
                sys.exit("bench-e2e: opendkim did not start (see its log in the rig)")
            time.sleep(0.025)
        with open(os.path.join(rigdir, "spool", "pid", "master.pid")) as f:
            master = int(f.read().split()[0])
        paths = [("a", "no filter", int(renv["RIG_NOFILTER"]), None),
                 ("b", "dkimmod-spawn content_filter", int(renv["RIG_SUBMISSION"]), "spawn"),
                 ("b2", "dkimmod-spawn smtpd_proxy_filter", int(renv["RIG_PROXY_SUBMISSION"]), "spawn"),
                 ("c-unix", "opendkim milter, unix socket", p_unix, odkims[0].pid),
                 ("c-tcp", "opendkim milter, TCP", p_tcp, odkims[1].pid),
                 ("a-d", "no filter, -d", int(renv["RIG_NOFILTER"]), None),
                 ("b2-d", "dkimmod-spawn proxy, -d", int(renv["RIG_PROXY_SUBMISSION"]), "spawn")]
        res = {p[0]: {"rate": [], "cpu": [], "fcpu": []} for p in paths}
        # warm-up: one message through each path (starts the daemons), checked
        for key, _, port, _ in paths[:5]:
            clear_mail(rigdir)
            smtp_source(port, 1, 1)
            wait_delivered(rigdir, 1, 60)
            d = os.path.join(rigdir, "mail", "example.com", "catchall", "new")
            with open(os.path.join(d, os.listdir(d)[0]), "rb") as f:
                signed = b"\nDKIM-Signature:" in b"\n" + f.read()
            if signed != (key != "a"):
                sys.exit(f"bench-e2e: path {key}: DKIM-Signature {'present' if signed else 'missing'}")
        print("E2E check: paths b, b2, c-unix, c-tcp deliver signed mail, path a unsigned", flush=True)
        for _ in range(rounds):
            for key, _, port, filt in paths:
                clear_mail(rigdir)
                extra = [filt] if isinstance(filt, int) else []
                c0 = snapshot(master, spawn_ports, extra)
                t0 = time.monotonic()
                smtp_source(port, msgs, 4, key.endswith("-d"))
                t1 = wait_delivered(rigdir, msgs, 600)
                c1 = snapshot(master, spawn_ports, extra)
                res[key]["rate"].append(msgs / (t1 - t0))
                res[key]["cpu"].append((c1[0] - c0[0]) * 1000 / msgs)
                res[key]["fcpu"].append(((c1[2] - c0[2]) if extra else (c1[1] - c0[1])) * 1000 / msgs)
        lat = {}
        for key, _, port, _ in paths[:5]:
            sub, dlv = [], []
            for _ in range(7):
                clear_mail(rigdir)
                t0 = time.monotonic()
                smtp_source(port, 1, 1)
                t1 = time.monotonic()
                t2 = wait_delivered(rigdir, 1, 60)
                sub.append((t1 - t0) * 1000)
                dlv.append((t2 - t0) * 1000)
            lat[key] = (statistics.median(sub), statistics.median(dlv))
        for key, label, _, filt in paths:
            base = statistics.median(res["a-d" if key.endswith("-d") else "a"]["rate"])
            r = statistics.median(res[key]["rate"])
            print(f"E2E {key:6s} {label:34s} {r:6.0f} msg/s ({r / base:4.2f}x no filter), "
                  f"server CPU {statistics.median(res[key]['cpu']):5.2f} ms/msg, "
                  f"filter CPU {statistics.median(res[key]['fcpu']):5.2f} ms/msg, "
                  + (f"latency 1 msg: {lat[key][0]:5.1f} ms SMTP, {lat[key][1]:5.1f} ms delivered"
                     if key in lat else "all messages of a session over one connection"),
                  flush=True)
        for o, name in zip(odkims, ("unix", "tcp")):
            with open(f"/proc/{o.pid}/status") as f:
                mem = {l.split(":")[0]: l.split()[1] for l in f if l.startswith(("VmRSS", "VmHWM"))}
            print(f"E2E opendkim ({name}) memory: RSS {int(mem['VmRSS']) / 1024:.1f} MiB, "
                  f"peak {int(mem['VmHWM']) / 1024:.1f} MiB", flush=True)
        print(f"E2E {msgs} messages of 2 KB, 4 sessions, medians of {rounds} interleaved rounds; "
              f"latency: medians of 7", flush=True)
    finally:
        for o in odkims:
            o.terminate()
            o.wait()
        subprocess.run([RIGSH, "destroy"], env=env, check=False)


main()
