#!/usr/bin/python3
# SPDX-License-Identifier: MIT
#
# NAME
#	worker-profile.py - where a running serve worker's CPU goes, per connection
# SYNOPSIS
#	worker-profile.py BUILDDIR CORPUS WORKDIR [N [MODE [TOOL]]]
# DESCRIPTION
#	Starts `dkimmod-spawn serve` with one worker and callgrind-connection.py's
#	scripted next hop (PIPELINING and CHUNKING offered, replies to a group in
#	one write, as Postfix's smtpd), sends one connection to warm the worker,
#	then N more (default 3000) of the corpus's 2 KB message: MODE verify (the
#	RSA-2048 signed message, keys from key_file) or sign (RSA-2048). Prints
#	the worker's CPU per connection from /proc (schedstat, and utime/stime in
#	clock ticks: the user/system split) and the wall time per connection.
#	TOOL, optional:
#	  strace  strace -c -f of the worker over the N connections: system calls
#	          per connection (WORKDIR/strace.txt)
#	  perf    perf record -g of the worker (WORKDIR/perf.data; read it with
#	          perf report -i WORKDIR/perf.data --no-children --sort sym)
#	Under either tool the CPU figures include the tool's overhead.
#	The machine is shared and noisy: compare builds in alternating runs.
# NEVER
#	Use DNS or any network but loopback; kill a process it did not start.
import importlib.util
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("cc", os.path.join(HERE, "callgrind-connection.py"))
cc = importlib.util.module_from_spec(spec)
spec.loader.exec_module(cc)


def ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        s = f.read()
    fields = s[s.rindex(")") + 2:].split()
    return int(fields[11]), int(fields[12])      # utime, stime


def main():
    if len(sys.argv) < 4:
        sys.exit("usage: worker-profile.py BUILDDIR CORPUS WORKDIR [N [verify|sign [strace|perf]]]")
    build, corpus, work = (os.path.abspath(a) for a in sys.argv[1:4])
    n = int(sys.argv[4]) if len(sys.argv) > 4 else 3000
    mode = sys.argv[5] if len(sys.argv) > 5 else "verify"
    tool = sys.argv[6] if len(sys.argv) > 6 else None
    os.makedirs(work, exist_ok=True)
    confs = cc.write_setup(corpus, work)
    name = "signed-rsa-2k.eml" if mode == "verify" else "msg-2k.eml"
    with open(os.path.join(corpus, name), "rb") as f:
        message = f.read()
    conf = confs["verify" if mode == "verify" else "rsa"]
    spawn = os.path.join(build, "spawn", "dkimmod-spawn")
    with cc.ServeListener([], spawn, conf, mode, work, "profile") as srv:
        cc.serve_connection(srv.sock, message)
        worker = srv.worker()
        traced = None
        if tool == "strace":
            traced = subprocess.Popen(["strace", "-c", "-f", "-o", os.path.join(work, "strace.txt"),
                                       "-p", str(worker)], stderr=subprocess.DEVNULL)
        elif tool == "perf":
            traced = subprocess.Popen(["perf", "record", "-q", "-g", "-o",
                                       os.path.join(work, "perf.data"), "-p", str(worker)])
        if traced is not None:
            time.sleep(0.5)
        u0, s0 = ticks(worker)
        c0 = cc.cpu_ns_of(worker)
        t0 = time.monotonic()
        for _ in range(n):
            cc.serve_connection(srv.sock, message)
        wall = time.monotonic() - t0
        u1, s1 = ticks(worker)
        c1 = cc.cpu_ns_of(worker)
        if traced is not None:
            traced.send_signal(2)
            traced.wait()
        if len(srv.hop.messages) != n + 1:
            sys.exit(f"the next hop got {len(srv.hop.messages)} of {n + 1} messages")
    tck = os.sysconf("SC_CLK_TCK")
    print(f"WORKER {mode} n {n} cpu_ms {(c1 - c0) / 1e6 / n:.3f} user_ms "
          f"{(u1 - u0) * 1000 / tck / n:.3f} sys_ms {(s1 - s0) * 1000 / tck / n:.3f} "
          f"wall_ms {wall * 1000 / n:.3f}" + (f" ({tool})" if tool else ""))


if __name__ == "__main__":
    main()
