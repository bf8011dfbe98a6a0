#!/usr/bin/python3
# SPDX-License-Identifier: MIT
#
# NAME
#	bench-proc.py - whole-process costs: dkimmod sign vs ref-sign, dkimmod-spawn per connection
# SYNOPSIS
#	bench-proc.py exec-cpu BUILDDIR CORPUS [N]
#	bench-proc.py spawn BUILDDIR CORPUS WORKDIR [N]
# DESCRIPTION
#	exec-cpu: runs tests/bench/ref-sign and `dkimmod sign` on msg-2k.eml
#	of the corpus N times each (default 200), interleaved, RSA-2048 and
#	Ed25519, each child started with posix_spawn (vfork: nothing is
#	charged to the child before exec) and its user+system CPU taken from
#	wait4(). Prints the medians and the ratio, measured in the same run.
#
#	spawn: starts Postfix's smtp-sink on a free loopback port as the next
#	hop and runs dkimmod-spawn with the SMTP client on a socketpair, as
#	spawn(8) would, for one message from alice@example.net (signed with
#	the corpus RSA key). For configurations of 1, 1,000 and 100,000
#	generated sender_map entries and of a sender_map_dir of 100,000 files
#	(written under WORKDIR) it prints the medians over N runs (default
#	20) of: exec to the 220 greeting, exec to process exit, CPU of the
#	process, and peak RSS (VmHWM after the message,
#	before QUIT). Then peak RSS and CPU for messages
#	of 10 KB, 1 MB and 50 MB (1-entry configuration, spool in WORKDIR),
#	with the default spool_memory_max and with 256 KiB.
#	First the floor: exec to exit of /bin/true, and of dkimmod-spawn
#	when the next hop refuses the connection.
#	Every message must be accepted (250), or the program exits 1.
# NEVER
#	Kill any process it did not start.
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time


def spawn_child(argv, stdin_path=None, sock=None):
    acts = []
    if sock is not None:
        acts += [(os.POSIX_SPAWN_DUP2, sock, 0), (os.POSIX_SPAWN_DUP2, sock, 1)]
    else:
        acts += [(os.POSIX_SPAWN_OPEN, 0, stdin_path, os.O_RDONLY, 0),
                 (os.POSIX_SPAWN_OPEN, 1, "/dev/null", os.O_WRONLY, 0)]
    acts.append((os.POSIX_SPAWN_OPEN, 2, "/dev/null", os.O_WRONLY, 0))
    return os.posix_spawn(argv[0], argv, os.environ, file_actions=acts)


def cpu_ms(ru):
    return (ru.ru_utime + ru.ru_stime) * 1000.0


def exec_cpu(build, corpus, n):
    msg = os.path.join(corpus, "msg-2k.eml")
    ref = os.path.join(build, "tests", "bench", "ref-sign")
    cli = os.path.join(build, "tools", "dkimmod")
    for alg in ("rsa", "ed"):
        key = os.path.join(corpus, f"{alg}.pem")
        progs = {"ref-sign": [ref, key],
                 "dkimmod sign": [cli, "sign", "-d", "example.net", "-s", alg, "-k", key]}
        res = {k: [] for k in progs}
        for _ in range(n):
            for name, argv in progs.items():
                pid = spawn_child(argv, stdin_path=msg)
                _, status, ru = os.wait4(pid, 0)
                if status != 0:
                    sys.exit(f"{name} failed with status {status}")
                res[name].append(cpu_ms(ru))
        r, d = statistics.median(res["ref-sign"]), statistics.median(res["dkimmod sign"])
        print(f"EXEC {alg} ref-sign {r:.2f} ms, dkimmod-sign {d:.2f} ms, ratio {d / r:.2f}"
              f" (CPU user+sys per process, median of {n}, 2 KB message)", flush=True)


# ---- dkimmod-spawn -----------------------------------------------------------

def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def write_configs(work, corpus):
    """The four configurations; the 100,000 map files are reused when they
    are those this WORK directory would get."""
    key = os.path.join(work, "rsa.pem")
    shutil.copy(os.path.join(corpus, "rsa.pem"), key)
    os.chmod(key, 0o600)
    spool = os.path.join(work, "spool")
    os.makedirs(spool, exist_ok=True)
    ours = (f'    {{ sender = "example.net"; sign = ( {{ s = "rsa"; d = "example.net"; '
            f'key = "{key}"; }} ); }}')
    head = (f'spawn = {{ spool_directory = "{spool}"; }};\n'
            'signing = {\n  defaults = { a = "rsa-sha256"; c = "relaxed/relaxed"; };\n')
    confs = {}
    for n in (1, 1000, 100000):
        path = os.path.join(work, f"map-{n}.conf")
        confs[f"sender_map {n}"] = path
        with open(path, "w") as f:
            f.write(head + "  sender_map = (\n")
            for i in range(n - 1):
                f.write(f'    {{ sender = "d{i}.example.com"; sign = ( {{ s = "s"; '
                        f'd = "d{i}.example.com"; key = "{key}"; }} ); }},\n')
            f.write(ours + "\n  );\n};\n")
    mapdir = os.path.join(work, "map.d")
    path = os.path.join(work, "mapdir-100000.conf")
    confs["sender_map_dir 100000"] = path
    ours = f'sign = ( {{ s = "rsa"; d = "example.net"; key = "{key}"; }} );\n'
    try:
        with open(os.path.join(mapdir, "example.net.conf")) as f:
            fresh = f.read() != ours or len(os.listdir(mapdir)) != 100000
    except OSError:
        fresh = True
    if fresh:
        os.makedirs(mapdir, exist_ok=True)
        for i in range(99999):
            with open(os.path.join(mapdir, f"d{i}.example.com.conf"), "w") as f:
                f.write(f'sign = ( {{ s = "s"; d = "d{i}.example.com"; key = "{key}"; }} );\n')
        with open(os.path.join(mapdir, "example.net.conf"), "w") as f:
            f.write(ours)
    with open(path, "w") as f:
        f.write(head + f'  sender_map_dir = "{mapdir}";\n}};\n')
    return confs


class Lines:
    def __init__(self, sock):
        self.sock, self.buf = sock, b""

    def reply(self):
        """One complete SMTP reply; returns its last line."""
        while True:
            while b"\r\n" not in self.buf:
                data = self.sock.recv(65536)
                if not data:
                    raise EOFError("connection closed: " + self.buf.decode(errors="replace"))
                self.buf += data
            line, self.buf = self.buf.split(b"\r\n", 1)
            if line[3:4] != b"-":
                return line


def vm_hwm_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def one_connection(argv, message):
    """Returns (greet_ms, exit_ms, cpu_ms, maxrss_kb)."""
    parent, child = socket.socketpair()
    t0 = time.perf_counter()
    pid = spawn_child(argv, sock=child.fileno())
    child.close()
    io = Lines(parent)
    greet = io.reply()
    t_greet = time.perf_counter()
    if not greet.startswith(b"220"):
        sys.exit(f"dkimmod-spawn greeted {greet!r}")
    for cmd, want in ((b"EHLO bench.example", b"250"), (b"MAIL FROM:<alice@example.net>", b"250"),
                      (b"RCPT TO:<bob@example.org>", b"250"), (b"DATA", b"354")):
        parent.sendall(cmd + b"\r\n")
        r = io.reply()
        if not r.startswith(want):
            sys.exit(f"{cmd!r}: {r!r}")
    parent.sendall(message)
    parent.sendall(b".\r\n")
    r = io.reply()
    if not r.startswith(b"250"):
        sys.exit(f"end of data: {r!r}")
    # Peak RSS of the program's own address space. Not ru_maxrss: exec
    # folds the high-water mark of the vfork parent (this Python) into it.
    hwm = vm_hwm_kb(pid)
    parent.sendall(b"QUIT\r\n")
    io.reply()
    _, status, ru = os.wait4(pid, 0)
    t_exit = time.perf_counter()
    parent.close()
    if status != 0:
        sys.exit(f"dkimmod-spawn exit status {status}")
    return ((t_greet - t0) * 1000, (t_exit - t0) * 1000, cpu_ms(ru), hwm)


def make_message(corpus, size):
    with open(os.path.join(corpus, "msg-64k.eml"), "rb") as f:
        base = f.read()
    hdr_end = base.index(b"\r\n\r\n") + 4
    body = base[hdr_end:]
    out = bytearray(base[:hdr_end])
    while len(out) < size:
        out += body
    del out[size:]
    cut = out.rindex(b"\r\n") + 2
    return bytes(out[:cut])


def spawn_bench(build, corpus, work, n):
    spawn = os.path.join(build, "spawn", "dkimmod-spawn")
    os.makedirs(work, exist_ok=True)
    t = time.perf_counter()
    confs = write_configs(work, corpus)
    print(f"(configurations ready in {time.perf_counter() - t:.1f} s)", flush=True)
    port = free_port()
    sink = subprocess.Popen(["/usr/sbin/smtp-sink"] + (["-u", "nobody"] if os.geteuid() == 0 else []) + [f"127.0.0.1:{port}", "256"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                break
            except OSError:
                if sink.poll() is not None:
                    sys.exit("smtp-sink did not start")
                time.sleep(0.02)
        with open(os.path.join(corpus, "msg-2k.eml"), "rb") as f:
            msg2k = f.read()
        # the floor under "exec to 220": an exec of /bin/true, and
        # dkimmod-spawn up to its 421 when the next hop refuses (libraries,
        # start-up, configuration, a refused connect; no greeting awaited)
        for label, argv in (("/bin/true", ["/bin/true"]),
                            ("dkimmod-spawn, next hop refused",
                             [spawn, "-c", confs["sender_map 1"], "-o",
                              f"next_hop=127.0.0.1:{free_port()}"])):
            walls, cpus = [], []
            for _ in range(n):
                t0 = time.perf_counter()
                pid = spawn_child(argv, stdin_path="/dev/null")
                _, _, ru = os.wait4(pid, 0)
                walls.append((time.perf_counter() - t0) * 1000)
                cpus.append(cpu_ms(ru))
            print(f"FLOOR {label:32s} exec to exit {statistics.median(walls):5.2f} ms, "
                  f"CPU {statistics.median(cpus):5.2f} ms (medians of {n})", flush=True)
        for label, conf in confs.items():
            argv = [spawn, "-c", conf, "-o", f"next_hop=127.0.0.1:{port}"]
            runs = [one_connection(argv, msg2k) for _ in range(n)]
            med = [statistics.median(x) for x in zip(*runs)]
            print(f"SPAWN {label:22s} greeting {med[0]:6.2f} ms, exit {med[1]:6.2f} ms, "
                  f"CPU {med[2]:5.2f} ms, peak RSS {med[3] / 1024:5.1f} MiB "
                  f"(medians of {n}, 2 KB message)", flush=True)
        base = [spawn, "-c", confs["sender_map 1"], "-o", f"next_hop=127.0.0.1:{port}"]
        for opt in ("", "spool_memory_max=262144"):
            argv = base + (["-o", opt] if opt else [])
            for label, size in (("10 KB", 10240), ("1 MB", 1 << 20), ("50 MB", 50 << 20)):
                message = make_message(corpus, size)
                runs = [one_connection(argv, message) for _ in range(3)]
                med = [statistics.median(x) for x in zip(*runs)]
                print(f"MEMORY {label:6s} peak RSS {med[3] / 1024:5.1f} MiB, CPU {med[2]:7.1f} ms, "
                      f"exit {med[1]:7.1f} ms (medians of 3; "
                      f"{opt or 'default spool_memory_max'})", flush=True)
    finally:
        sink.terminate()
        sink.wait()


def main():
    if len(sys.argv) >= 4 and sys.argv[1] == "exec-cpu":
        exec_cpu(sys.argv[2], sys.argv[3], int(sys.argv[4]) if len(sys.argv) > 4 else 200)
    elif len(sys.argv) >= 5 and sys.argv[1] == "spawn":
        spawn_bench(sys.argv[2], sys.argv[3], sys.argv[4],
                    int(sys.argv[5]) if len(sys.argv) > 5 else 20)
    else:
        sys.exit(__doc__ if __doc__ else "usage: see the header")


main()
