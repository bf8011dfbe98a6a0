# SPDX-License-Identifier: MIT
"""loopback.py - helpers the Python tests share for servers on 127.0.0.1.

free_port(): a port free for both UDP and TCP on 127.0.0.1 (dnsmasq binds
both), or None after 20 tries. Tests import it with
sys.path.insert(0, <tests directory>).
"""

import socket


def free_port():
    for _ in range(20):
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.bind(("127.0.0.1", 0))
        port = u.getsockname()[1]
        t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            t.bind(("127.0.0.1", port))
            return port
        except OSError:
            continue
        finally:
            u.close()
            t.close()
    return None
