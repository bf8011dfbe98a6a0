#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""
NAME
    bench-spawn.py - dkimmod-spawn start-up time per connection and CPU per message

DESCRIPTION
    Starts smtp-sink as the next hop, then
      1. N connections, each: exec dkimmod-spawn, read its 220 greeting,
         QUIT (wall time exec -> 220, and CPU per connection from rusage);
      2. N connections each carrying one 2 KB message (CPU per connection
         with one signed message: what spawn(8) pays per message when
         connections are not reused);
      3. one connection carrying M messages (CPU per message once the key
         is parsed, as with Postfix's connection cache).
    Not run by meson test (timings are not assertions).

    Usage: bench-spawn.py PATH/TO/dkimmod-spawn [N] [M] [rsa|ed25519]
"""
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time

SPAWN = os.path.abspath(sys.argv[1])
N = int(sys.argv[2]) if len(sys.argv) > 2 else 200
M = int(sys.argv[3]) if len(sys.argv) > 3 else 1000
ALG = sys.argv[4] if len(sys.argv) > 4 else "rsa"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def read_reply(sock, buf):
    while True:
        while b"\r\n" not in buf:
            data = sock.recv(65536)
            if not data:
                raise EOFError(buf)
            buf += data
        line, buf = buf.split(b"\r\n", 1)
        if line[3:4] != b"-":
            return int(line[:3]), buf


def child_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def main():
    d = tempfile.mkdtemp(prefix="bench-spawn.")
    key = os.path.join(d, "k.pem")
    args = ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"] if ALG == "rsa" \
        else ["-algorithm", "ED25519"]
    subprocess.run(["openssl", "genpkey", *args, "-out", key], check=True, capture_output=True)
    os.chmod(key, 0o600)
    conf = os.path.join(d, "c.conf")
    with open(conf, "w") as f:
        f.write('signing = { sender_map = ( { sender = "example.net"; sign = ( '
                '{ s = "sel"; d = "example.net"; key = "%s"; } ); } ); };\n' % key)
    port = free_port()
    sink = subprocess.Popen(["/usr/sbin/smtp-sink"] + (["-u", "nobody"] if os.geteuid() == 0 else [])
                            + ["127.0.0.1:%d" % port, "100"], stderr=subprocess.DEVNULL)
    time.sleep(0.3)
    cmd = [SPAWN, "-c", conf, "-l", os.path.join(d, "nolog"), "-o", "next_hop=127.0.0.1:%d" % port,
           "-o", "spool_directory=" + d]
    body = b"".join(b"Line %03d of a two kilobyte test message body, nothing more.\r\n" % i
                    for i in range(32))
    msg = (b"From: Alice <alice@example.net>\r\nTo: bob@example.com\r\nSubject: bench\r\n"
           b"Date: Sat, 28 Nov 2026 14:00:00 +0000\r\nMessage-ID: <b@example.net>\r\n\r\n" + body)

    def connection(n_msgs):
        a, b = socket.socketpair()
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, stdin=b, stdout=b, stderr=subprocess.DEVNULL, cwd="/")
        b.close()
        code, buf = read_reply(a, b"")
        t_greet = time.perf_counter() - t0
        assert code == 220
        if n_msgs:
            a.sendall(b"EHLO bench\r\n")
            code, buf = read_reply(a, buf)
        for _ in range(n_msgs):
            a.sendall(b"MAIL FROM:<alice@example.net>\r\nRCPT TO:<bob@example.com>\r\nDATA\r\n")
            for want in (250, 250, 354):
                code, buf = read_reply(a, buf)
                assert code == want, code
            a.sendall(msg + b".\r\n")
            code, buf = read_reply(a, buf)
            assert code == 250, code
        a.sendall(b"QUIT\r\n")
        code, buf = read_reply(a, buf)
        p.wait()
        a.close()
        return t_greet

    try:
        measure(cmd, msg, connection)
    finally:
        sink.kill()
        sink.wait()


def measure(cmd, msg, connection):
    connection(0)
    cpu0 = child_cpu()
    greet = [connection(0) for _ in range(N)]
    cpu1 = child_cpu()
    t1 = time.perf_counter()
    for _ in range(N):
        connection(1)
    t_one = time.perf_counter() - t1
    cpu2 = child_cpu()
    t2 = time.perf_counter()
    connection(M)
    t_many = time.perf_counter() - t2
    cpu3 = child_cpu()
    print("key: %s, message %d bytes" % (ALG, len(msg)))
    print("exec -> 220 greeting: median %.2f ms, mean %.2f ms, p90 %.2f ms (%d connections)"
          % (statistics.median(greet) * 1e3, statistics.mean(greet) * 1e3,
             sorted(greet)[int(N * 0.9)] * 1e3, N))
    print("CPU per connection (greeting + QUIT): %.2f ms" % ((cpu1 - cpu0) / N * 1e3))
    print("CPU per connection with one signed message: %.2f ms (wall %.2f ms)"
          % ((cpu2 - cpu1) / N * 1e3, t_one / N * 1e3))
    print("CPU per message, %d messages on one connection: %.3f ms (%.0f msg/s wall, one session)"
          % (M, (cpu3 - cpu2) / M * 1e3, M / t_many))


main()
